/*
 * win32_netadapter.c: Win32_NetworkAdapterConfiguration, one instance per
 * network interface except loopback (key Index = the interface index):
 * addresses from getifaddrs(3), gateways from /proc/net/route and
 * ipv6_route, DNS from resolv.conf, MTU and driver from /sys/class/net.
 * Whether DHCP is in use is not known: DHCPEnabled stays null.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "procfs.h"
#include "win32.h"

enum {
	NP_INDEX, NP_INTERFACE_INDEX, NP_CAPTION, NP_DESCRIPTION,
	NP_SETTING_ID, NP_SERVICE_NAME, NP_MAC_ADDRESS, NP_IP_ENABLED,
	NP_IP_ADDRESS, NP_IP_SUBNET, NP_DEFAULT_IP_GATEWAY,
	NP_DNS_SERVER_SEARCH_ORDER, NP_DNS_DOMAIN_SUFFIX_SEARCH_ORDER,
	NP_DNS_HOST_NAME, NP_DHCP_ENABLED, NP_DHCP_SERVER,
	NP_DHCP_LEASE_OBTAINED, NP_DHCP_LEASE_EXPIRES, NP_MTU,
	NP_COUNT
};

static const struct cim_property netadapter_props[NP_COUNT] = {
	[NP_INDEX] = { "Index", CIM_UINT32, CIM_KEY },
	[NP_INTERFACE_INDEX] = { "InterfaceIndex", CIM_UINT32, 0 },
	[NP_CAPTION] = { "Caption", CIM_STRING, 0 },
	[NP_DESCRIPTION] = { "Description", CIM_STRING, 0 },
	[NP_SETTING_ID] = { "SettingID", CIM_STRING, 0 },
	[NP_SERVICE_NAME] = { "ServiceName", CIM_STRING, 0 },
	[NP_MAC_ADDRESS] = { "MACAddress", CIM_STRING, 0 },
	[NP_IP_ENABLED] = { "IPEnabled", CIM_BOOLEAN, 0 },
	[NP_IP_ADDRESS] = { "IPAddress", CIM_STRING, CIM_ARRAY },
	[NP_IP_SUBNET] = { "IPSubnet", CIM_STRING, CIM_ARRAY },
	[NP_DEFAULT_IP_GATEWAY] = { "DefaultIPGateway", CIM_STRING, CIM_ARRAY },
	[NP_DNS_SERVER_SEARCH_ORDER] = { "DNSServerSearchOrder", CIM_STRING, CIM_ARRAY },
	[NP_DNS_DOMAIN_SUFFIX_SEARCH_ORDER] = { "DNSDomainSuffixSearchOrder", CIM_STRING, CIM_ARRAY },
	[NP_DNS_HOST_NAME] = { "DNSHostName", CIM_STRING, 0 },
	[NP_DHCP_ENABLED] = { "DHCPEnabled", CIM_BOOLEAN, 0 },
	[NP_DHCP_SERVER] = { "DHCPServer", CIM_STRING, 0 },
	[NP_DHCP_LEASE_OBTAINED] = { "DHCPLeaseObtained", CIM_DATETIME, 0 },
	[NP_DHCP_LEASE_EXPIRES] = { "DHCPLeaseExpires", CIM_DATETIME, 0 },
	[NP_MTU] = { "MTU", CIM_UINT32, 0 },
};

/* ------------------------------------------------------------ pure */

void
w32_format_mac(const unsigned char *mac, size_t len, char *buf, size_t buflen)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < len && o + 4 <= buflen; i++)
		o += (size_t)snprintf(buf + o, buflen - o, "%s%02X",
		    i ? ":" : "", mac[i]);
}

void
w32_prefix_to_mask(unsigned prefix, char *buf, size_t len)
{
	struct in_addr a;

	a.s_addr = prefix == 0 ? 0 : htonl(prefix >= 32 ? 0xffffffffu :
	    ~((1u << (32 - prefix)) - 1));
	inet_ntop(AF_INET, &a, buf, (socklen_t)len);
}

void
w32_resolv_list(const char *buf, char kind,
    void (*fn)(const char *v, void *arg), void *arg)
{
	const char *key = kind == 'n' ? "nameserver" : "search";
	size_t klen = strlen(key);
	const char *line = buf;

	while (line != NULL && *line != '\0') {
		const char *eol = strchr(line, '\n');

		if (eol == NULL)
			eol = line + strlen(line);
		if (strncmp(line, key, klen) == 0 &&
		    (line[klen] == ' ' || line[klen] == '\t')) {
			char f[8][40];
			size_t n = procfs_split(line + klen, eol, f, 8);

			/* one server a line; a later "search" wins */
			for (size_t i = 0; i < n && f[i][0] != '#' &&
			    f[i][0] != ';'; i++) {
				fn(f[i], arg);
				if (kind == 'n')
					break;
			}
		}
		line = *eol == '\n' ? eol + 1 : eol;
	}
}

/* ------------------------------------------------------------ sources */

struct nic {
	char		 name[IF_NAMESIZE];
	unsigned	 index;
	unsigned	 flags;
	unsigned char	 mac[32];
	size_t		 maclen;
	bool		 has_addr;
};

struct adder {
	struct cim_instance	*i;
	size_t			 prop;
};

static void
add_value(const char *v, void *arg)
{
	struct adder *a = arg;

	w32->svc->add_string(a->i, a->prop, v);
}

static int
nic_cmp(const void *a, const void *b)
{
	const struct nic *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

/* ifa_name is "eth0" or an IPv4 label "eth0:1" */
static bool
same_nic(const char *ifa_name, const char *name)
{
	size_t n = strlen(name);

	return strncmp(ifa_name, name, n) == 0 &&
	    (ifa_name[n] == '\0' || ifa_name[n] == ':');
}

static struct nic *
nic_find(struct nic *nics, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (same_nic(name, nics[i].name))
			return &nics[i];
	return NULL;
}

static unsigned
mask_bits(const unsigned char *m, size_t len)
{
	unsigned bits = 0;

	for (size_t i = 0; i < len; i++)
		bits += (unsigned)__builtin_popcount(m[i]);
	return bits;
}

/* one address and its mask (IPv4) or prefix length (IPv6) as text */
static bool
address_text(const struct ifaddrs *a, char *addr, char *mask, size_t len)
{
	if (a->ifa_addr->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)a->ifa_addr;
		const struct sockaddr_in *m = (const void *)a->ifa_netmask;

		if (m != NULL)
			inet_ntop(AF_INET, &m->sin_addr, mask, (socklen_t)len);
		else
			w32_prefix_to_mask(32, mask, len);
		return inet_ntop(AF_INET, &sin->sin_addr, addr,
		    (socklen_t)len) != NULL;
	} else {
		const struct sockaddr_in6 *s6 = (const void *)a->ifa_addr;
		const struct sockaddr_in6 *m = (const void *)a->ifa_netmask;

		/* Windows gives the IPv6 prefix length as the "subnet" */
		snprintf(mask, len, "%u", m != NULL ?
		    mask_bits(m->sin6_addr.s6_addr, 16) : 128);
		return inet_ntop(AF_INET6, &s6->sin6_addr, addr,
		    (socklen_t)len) != NULL;
	}
}

static void
add_addresses(struct cim_instance *i, const struct ifaddrs *ifa,
    const struct nic *nic)
{
	static const int families[] = { AF_INET, AF_INET6 };	/* as Windows */
	char addr[INET6_ADDRSTRLEN], mask[INET6_ADDRSTRLEN];

	for (size_t f = 0; f < 2; f++)
		for (const struct ifaddrs *a = ifa; a != NULL; a = a->ifa_next) {
			if (a->ifa_addr == NULL ||
			    a->ifa_addr->sa_family != families[f] ||
			    !same_nic(a->ifa_name, nic->name) ||
			    !address_text(a, addr, mask, sizeof(addr)))
				continue;
			w32->svc->add_string(i, NP_IP_ADDRESS, addr);
			w32->svc->add_string(i, NP_IP_SUBNET, mask);
		}
}

static char *
read_text(const char *dir, const char *rel, struct procfs_buf *b)
{
	char path[PATH_MAX];

	if (w32_path(path, sizeof(path), dir, rel) < 0 ||
	    procfs_read(AT_FDCWD, path, b, 1 << 20, PROCFS_UNTIL_EOF) < 0)
		return NULL;
	return b->data;
}

/* resolv.conf, or systemd-resolved's upstream list behind its stub */
static char *
read_resolv(struct procfs_buf *b)
{
	char *text = read_text(w32->paths.etc, "resolv.conf", b);

	if (text != NULL && strstr(text, "nameserver 127.0.0.53") != NULL) {
		struct procfs_buf up = { 0 };

		if (read_text(w32->paths.run, "systemd/resolve/resolv.conf",
		    &up) != NULL) {
			procfs_buf_free(b);
			*b = up;
			return b->data;
		}
		procfs_buf_free(&up);
	}
	return text;
}

static int
netadapter_enumerate(struct cim_ctx *ctx, void *unused)
{
	const struct cim_services *svc = w32->svc;
	struct procfs_buf route4 = { 0 }, route6 = { 0 }, resolv = { 0 };
	struct ifaddrs *ifa = NULL;
	struct nic *nics = NULL;
	size_t n = 0, cap = 0;
	char host[256];
	char *r4, *r6, *rc;
	int r = CIM_OK;

	(void)unused;
	if (getifaddrs(&ifa) < 0)
		return svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR,
		    "getifaddrs: %s", strerror(errno));
	for (struct ifaddrs *a = ifa; a != NULL; a = a->ifa_next) {
		struct nic *nic = nic_find(nics, n, a->ifa_name);

		if (nic == NULL && strchr(a->ifa_name, ':') == NULL) {
			if (n == cap) {
				size_t ncap = cap ? 2 * cap : 8;
				struct nic *p = realloc(nics, ncap * sizeof(*p));

				if (p == NULL) {
					r = w32_fail_nomem(ctx);
					goto out;
				}
				nics = p;
				cap = ncap;
			}
			nic = &nics[n++];
			memset(nic, 0, sizeof(*nic));
			snprintf(nic->name, sizeof(nic->name), "%s",
			    a->ifa_name);
			nic->index = if_nametoindex(a->ifa_name);
			nic->flags = a->ifa_flags;
		}
		if (nic == NULL || a->ifa_addr == NULL)
			continue;
		if (a->ifa_addr->sa_family == AF_PACKET) {
			const struct sockaddr_ll *ll = (const void *)
			    a->ifa_addr;

			nic->index = (unsigned)ll->sll_ifindex;
			nic->flags = a->ifa_flags;
			nic->maclen = ll->sll_halen < sizeof(nic->mac) ?
			    ll->sll_halen : sizeof(nic->mac);
			memcpy(nic->mac, ll->sll_addr, nic->maclen);
		} else if (a->ifa_addr->sa_family == AF_INET ||
		    a->ifa_addr->sa_family == AF_INET6)
			nic->has_addr = true;
	}
	if (n > 1)
		qsort(nics, n, sizeof(*nics), nic_cmp);
	r4 = read_text(w32->paths.proc, "net/route", &route4);
	r6 = read_text(w32->paths.proc, "net/ipv6_route", &route6);
	rc = read_resolv(&resolv);
	w32_hostname(host, sizeof(host));

	for (size_t k = 0; k < n; k++) {
		struct nic *nic = &nics[k];
		struct cim_instance *i;
		struct adder add;
		char text[128], path[PATH_MAX], link[PATH_MAX];
		bool ip_enabled;
		ssize_t len;
		bool any = false;

		if (nic->flags & IFF_LOOPBACK)
			continue;
		if ((i = svc->instance(ctx)) == NULL) {
			r = w32_fail_nomem(ctx);
			break;
		}
		ip_enabled = (nic->flags & IFF_UP) && nic->has_addr;
		svc->set_uint(i, NP_INDEX, nic->index);
		svc->set_uint(i, NP_INTERFACE_INDEX, nic->index);
		snprintf(text, sizeof(text), "[%08u] %s", nic->index,
		    nic->name);
		svc->set_string(i, NP_CAPTION, text);
		svc->set_string(i, NP_DESCRIPTION, nic->name);
		svc->set_string(i, NP_SETTING_ID, nic->name);
		snprintf(path, sizeof(path), "%s/class/net/%s/device/driver",
		    w32->paths.sys, nic->name);
		if ((len = readlink(path, link, sizeof(link) - 1)) > 0) {
			link[len] = '\0';
			svc->set_string(i, NP_SERVICE_NAME, strrchr(link, '/') ?
			    strrchr(link, '/') + 1 : link);
		}
		for (size_t b = 0; b < nic->maclen; b++)
			any |= nic->mac[b] != 0;
		if (any) {
			w32_format_mac(nic->mac, nic->maclen, text,
			    sizeof(text));
			svc->set_string(i, NP_MAC_ADDRESS, text);
		}
		svc->set_bool(i, NP_IP_ENABLED, ip_enabled);
		if (ip_enabled) {
			add_addresses(i, ifa, nic);
			add.i = i;
			add.prop = NP_DEFAULT_IP_GATEWAY;
			if (r4 != NULL)
				procfs_route4_gateways(r4, nic->name, add_value,
				    &add);
			if (r6 != NULL)
				procfs_route6_gateways(r6, nic->name, add_value,
				    &add);
			if (rc != NULL) {
				add.prop = NP_DNS_SERVER_SEARCH_ORDER;
				w32_resolv_list(rc, 'n', add_value, &add);
				add.prop = NP_DNS_DOMAIN_SUFFIX_SEARCH_ORDER;
				w32_resolv_list(rc, 's', add_value, &add);
			}
			svc->set_string(i, NP_DNS_HOST_NAME, host);
		}
		snprintf(path, sizeof(path), "class/net/%s/mtu", nic->name);
		if (w32_path(link, sizeof(link), w32->paths.sys, path) == 0 &&
		    procfs_read_small(AT_FDCWD, link, text, sizeof(text)) > 0)
			svc->set_uint(i, NP_MTU, strtoul(text, NULL, 10));
		/* NP_DHCP_*: no reliable source; null, as the issue asks */
		if (!svc->emit(ctx, i))
			break;
	}
	procfs_buf_free(&route4);
	procfs_buf_free(&route6);
	procfs_buf_free(&resolv);
out:
	free(nics);
	freeifaddrs(ifa);
	return r;
}

const struct cim_class w32_netadapter_class = {
	.name = "Win32_NetworkAdapterConfiguration",
	.ns = W32_NS,
	.props = netadapter_props,
	.nprops = NP_COUNT,
	.enumerate = netadapter_enumerate,
};
