/*
 * mod_setup.c: gather_facts.  The fact names of ansible.windows' setup
 * module, filled from Linux (/etc/os-release, uname, getifaddrs and
 * /sys/class/net, /proc/meminfo, /proc/cpuinfo, /proc/uptime, DMI in
 * /sys/class/dmi/id, the environment, the clock); the README's fact table
 * says where each comes from.  gather_subset works as on Windows: all,
 * min, network, hardware, or single subsets, "!" to exclude.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "native.h"
#include "osrelease.h"
#include "procfs.h"
#include "winpath.h"

extern char **environ;

#define F(k, v)	json_object_object_add(facts, k, v)
#define S(s)	json_object_new_string(s)
#define I(i)	json_object_new_int64(i)
#define B(b)	json_object_new_boolean(b)

/* ------------------------------------------------------------- subsets */

static const char *const min_set[] = { "date_time", "distribution", "dns",
	"env", "local", "platform", "powershell_version", "user", NULL };
static const char *const network_set[] = { "all_ipv4_addresses",
	"all_ipv6_addresses", "interfaces", "windows_domain", "winrm", NULL };
static const char *const hardware_set[] = { "bios", "memory", "processor",
	"uptime", "virtual", NULL };
static const char *const external_set[] = { "facter", NULL };

static const char *const *const groups[] = { min_set, network_set,
	hardware_set, external_set };
static const char *const group_names[] = { "min", "network", "hardware",
	"external" };

#define NSUB	32
struct subsets {
	const char	*name[NSUB];
	bool		 on[NSUB];
	int		 n;
};

static int
sub_index(struct subsets *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->name[i], name) == 0)
			return i;
	return -1;
}

static void
sub_group(struct subsets *s, const char *name, bool on, bool *found)
{
	*found = false;
	if (strcmp(name, "all") == 0) {
		*found = true;
		for (int i = 0; i < s->n; i++)
			s->on[i] = on;
		return;
	}
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		if (strcmp(name, group_names[g]) == 0) {
			*found = true;
			for (const char *const *p = groups[g]; *p; p++)
				s->on[sub_index(s, *p)] = on;
			return;
		}
	if (sub_index(s, name) >= 0) {
		*found = true;
		s->on[sub_index(s, name)] = on;
	}
}

/* Windows setup's rule: start from all, remove excludes, add explicit */
static void
subsets_make(struct mod *m, struct subsets *s, struct json_object *warn)
{
	struct json_object *gs = arg_obj(m, "gather_subset");
	bool excl[NSUB] = { false }, expl[NSUB] = { false };

	s->n = 0;
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		for (const char *const *p = groups[g]; *p; p++) {
			s->name[s->n] = *p;
			s->on[s->n++] = true;
		}
	if (gs == NULL || !json_object_is_type(gs, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(gs); i++) {
		const char *item = json_object_get_string(
		    json_object_array_get_idx(gs, i));
		struct subsets t = *s;
		bool found;

		if (item == NULL)
			continue;
		if (item[0] == '!') {
			memset(t.on, 0, sizeof(t.on));
			if (strcmp(item + 1, "all") == 0) {
				/* !all: everything but min */
				for (int k = 0; k < t.n; k++)
					t.on[k] = true;
				for (const char *const *p = min_set; *p; p++)
					t.on[sub_index(&t, *p)] = false;
			} else
				sub_group(&t, item + 1, true, &found);
			for (int k = 0; k < t.n; k++)
				excl[k] |= t.on[k];
		} else {
			memset(t.on, 0, sizeof(t.on));
			sub_group(&t, item, true, &found);
			if (!found) {
				char *w = xasprintf("invalid value %s specified in "
				    "gather_subset", item);

				json_object_array_add(warn, S(w));
				free(w);
			}
			for (int k = 0; k < t.n; k++)
				expl[k] |= t.on[k];
		}
	}
	for (int k = 0; k < s->n; k++)
		s->on[k] = (s->on[k] && !excl[k]) || expl[k];
}

static bool
want(struct subsets *s, const char *name)
{
	int i = sub_index(s, name);

	return i >= 0 && s->on[i];
}

/* -------------------------------------------------------------- sources */

static char *
read_line(const char *path)
{
	char *s = read_file(path, 4096, NULL), *e;

	if (s == NULL)
		return NULL;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* /etc/os-release, else /usr/lib/os-release; all NULL if neither */
static void
os_release(struct os_release *r)
{
	if (os_release_load("/etc", "/usr/lib", r) == -ENOMEM)
		die_nomem();
}

/* Ansible's os_family for an os-release ID / ID_LIKE */
static const char *
os_family(const char *id, const char *like)
{
	static const struct { const char *id, *family; } map[] = {
		{ "debian", "Debian" }, { "ubuntu", "Debian" },
		{ "raspbian", "Debian" }, { "linuxmint", "Debian" },
		{ "rhel", "RedHat" }, { "fedora", "RedHat" },
		{ "centos", "RedHat" }, { "rocky", "RedHat" },
		{ "almalinux", "RedHat" }, { "ol", "RedHat" },
		{ "amzn", "RedHat" }, { "sles", "Suse" },
		{ "opensuse", "Suse" }, { "opensuse-leap", "Suse" },
		{ "arch", "Archlinux" }, { "alpine", "Alpine" },
		{ "gentoo", "Gentoo" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (id != NULL && strcmp(id, map[i].id) == 0)
			return map[i].family;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (like != NULL && strstr(like, map[i].id) != NULL)
			return map[i].family;
	return "Linux";
}

/* ------------------------------------------------------------ subsets */

/* d[key] = the date text, then sep, ts's microseconds and suffix */
static void
date_usec(struct json_object *d, const char *key, const char *date,
    const struct timespec *ts, const char *sep, const char *suffix)
{
	char out[96];

	snprintf(out, sizeof(out), "%.64s%s%06d%s", date, sep,
	    (int)(ts->tv_nsec / 1000 % 1000000), suffix);
	json_object_object_add(d, key, S(out));
}

static void
facts_date_time(struct json_object *facts)
{
	struct json_object *d = json_object_new_object();
	struct timespec ts;
	struct tm lt, ut;
	char buf[64], off[16];
	long gmtoff;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &lt);
	gmtime_r(&ts.tv_sec, &ut);
#define D(k, fmt, tm) (strftime(buf, sizeof(buf), fmt, tm), \
	json_object_object_add(d, k, S(buf)))
	D("date", "%Y-%m-%d", &lt);
	D("day", "%d", &lt);
	snprintf(buf, sizeof(buf), "%lld", (long long)ts.tv_sec);
	json_object_object_add(d, "epoch", S(buf));
	/* Get-Date -UFormat %s of the local time: local wall clock seconds */
	gmtoff = lt.tm_gmtoff;
	snprintf(buf, sizeof(buf), "%lld", (long long)ts.tv_sec + gmtoff);
	json_object_object_add(d, "epoch_local", S(buf));
	json_object_object_add(d, "epoch_int", I(ts.tv_sec));
	D("hour", "%H", &lt);
	D("iso8601", "%Y-%m-%dT%H:%M:%SZ", &ut);
	strftime(buf, sizeof(buf), "%Y%m%dT%H%M%S", &lt);
	date_usec(d, "iso8601_basic", buf, &ts, "", "");
	D("iso8601_basic_short", "%Y%m%dT%H%M%S", &lt);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &ut);
	date_usec(d, "iso8601_micro", buf, &ts, ".", "Z");
	D("minute", "%M", &lt);
	D("month", "%m", &lt);
	D("second", "%S", &lt);
	D("time", "%H:%M:%S", &lt);
	D("tz", "%Z", &lt);
	snprintf(off, sizeof(off), "%c%02d:%02d", gmtoff < 0 ? '-' : '+',
	    (int)(labs(gmtoff) / 3600 % 100), (int)(labs(gmtoff) / 60 % 60));
	json_object_object_add(d, "tz_offset", S(off));
	D("weekday", "%A", &lt);
	D("weekday_number", "%w", &lt);
	D("weeknumber", "%W", &lt);
	D("year", "%Y", &lt);
#undef D
	F("ansible_date_time", d);
}

static void
facts_distribution(struct json_object *facts)
{
	struct os_release r;
	const char *ver;
	char *major;

	os_release(&r);
	ver = r.version_id ? r.version_id : "";
	major = xasprintf("%.*s", (int)strcspn(ver, "."), ver);
	F("ansible_distribution", r.name ? S(r.name) : NULL);
	F("ansible_distribution_version", S(ver));
	F("ansible_distribution_major_version", S(major));
	F("ansible_os_family", S(os_family(r.id, r.id_like)));
	F("ansible_os_name", r.pretty_name ? S(r.pretty_name) :
	    r.name ? S(r.name) : NULL);
	F("ansible_os_product_type", S("server"));
	F("ansible_os_installation_type", S("Server"));
	os_release_done(&r);
	free(major);
}

static void
facts_env(struct json_object *facts)
{
	struct json_object *e = json_object_new_object();

	for (char **p = environ; p != NULL && *p != NULL; p++) {
		const char *eq = strchr(*p, '=');
		char *k, *v;

		if (eq == NULL || eq == *p)
			continue;
		k = xasprintf("%.*s", (int)(eq - *p), *p);
		v = utf8_clean(eq + 1, strlen(eq + 1));
		json_object_object_add(e, k, S(v));
		free(k);
		free(v);
	}
	F("ansible_env", e);
}

static void
facts_platform(struct json_object *facts)
{
	struct utsname u;
	char host[256] = "", *fqdn = NULL, *domain, *mid;
	struct addrinfo hints = { .ai_flags = AI_CANONNAME }, *ai = NULL;

	uname(&u);
	gethostname(host, sizeof(host) - 1);
	if (strchr(host, '.') != NULL)
		*strchr(host, '.') = '\0';
	if (getaddrinfo(host, NULL, &hints, &ai) == 0 && ai != NULL &&
	    ai->ai_canonname != NULL)
		fqdn = xstrdup(ai->ai_canonname);
	else
		fqdn = xstrdup(host);
	if (ai != NULL)
		freeaddrinfo(ai);
	domain = strchr(fqdn, '.') ? strchr(fqdn, '.') + 1 : "";
	F("ansible_domain", S(domain));
	F("ansible_fqdn", S(fqdn));
	F("ansible_hostname", S(host));
	F("ansible_netbios_name", S(host));
	F("ansible_nodename", S(fqdn));
	F("ansible_kernel", S(u.release));
	F("ansible_kernel_version", S(u.version));
	F("ansible_system", S(u.sysname));
	mid = read_line("/etc/machine-id");
	F("ansible_machine_id", mid ? S(mid) : NULL);
	free(mid);
	F("ansible_owner_name", S(""));
	F("ansible_owner_contact", S(""));
	{
		struct os_release r;

		os_release(&r);
		F("ansible_system_description",
		    S(r.pretty_name ? r.pretty_name : u.sysname));
		os_release_done(&r);
	}
	{
		char *v = read_line("/sys/class/dmi/id/sys_vendor");

		F("ansible_system_vendor", v ? S(v) : NULL);
		free(v);
	}
	F("ansible_reboot_pending", B(access("/run/reboot-required", F_OK) == 0));
	F("ansible_architecture", S(strcmp(u.machine, "x86_64") == 0 ||
	    strcmp(u.machine, "aarch64") == 0 || strstr(u.machine, "64") ?
	    "64-bit" : "32-bit"));
	F("ansible_architecture2", S(strcmp(u.machine, "aarch64") == 0 ? "arm64" :
	    strcmp(u.machine, "i686") == 0 || strcmp(u.machine, "i386") == 0 ?
	    "i386" : u.machine));
	free(fqdn);
}

static void
facts_user(struct json_object *facts)
{
	struct passwd *pw = getpwuid(getuid());
	char sid[64];

	F("ansible_user_dir", S(pw ? pw->pw_dir : getenv("HOME") ?
	    getenv("HOME") : "/"));
	F("ansible_user_gecos", S(pw && pw->pw_gecos ? pw->pw_gecos : ""));
	F("ansible_user_id", S(pw ? pw->pw_name : ""));
	F("ansible_user_uid", I(getuid()));
	F("ansible_user_gid", I(getgid()));
	F("ansible_user_shell", S(pw && pw->pw_shell ? pw->pw_shell : ""));
	/* Samba's SID for a Unix user: S-1-22-1-<uid> */
	snprintf(sid, sizeof(sid), "S-1-22-1-%u", (unsigned)getuid());
	F("ansible_user_sid", S(sid));
}

static void
facts_windows_domain(struct json_object *facts)
{
	F("ansible_windows_domain", S("WORKGROUP"));
	F("ansible_windows_domain_member", B(false));
	F("ansible_windows_domain_role", S("Stand-alone server"));
}

static char *
sysfs_net(const char *ifname, const char *what)
{
	char *p = xasprintf("/sys/class/net/%s/%s", ifname, what), *v;

	v = read_line(p);
	free(p);
	return v;
}

static void
first_gateway(const char *gw, void *arg)
{
	char **ret = arg;

	if (*ret == NULL)
		*ret = xstrdup(gw);
}

static char *
default_gateway(const char *ifname)
{
	char *text = read_file("/proc/net/route", 1 << 20, NULL), *r = NULL;

	if (text == NULL)
		return NULL;
	procfs_route4_gateways(text, ifname, first_gateway, &r);
	free(text);
	return r;
}

static int
prefix_len(const struct sockaddr *mask)
{
	const unsigned char *b;
	size_t n;
	int bits = 0;

	if (mask == NULL)
		return 0;
	if (mask->sa_family == AF_INET) {
		b = (const unsigned char *)&((const struct sockaddr_in *)mask)->sin_addr;
		n = 4;
	} else if (mask->sa_family == AF_INET6) {
		b = ((const struct sockaddr_in6 *)mask)->sin6_addr.s6_addr;
		n = 16;
	} else
		return 0;
	for (size_t i = 0; i < n; i++)
		for (int k = 7; k >= 0; k--)
			bits += (b[i] >> k) & 1;
	return bits;
}

static void
facts_network(struct json_object *facts, struct subsets *s)
{
	struct json_object *ips = json_object_new_array(),
	    *ifs = json_object_new_array();
	struct ifaddrs *all = NULL;
	struct if_nameindex *names = if_nameindex();

	getifaddrs(&all);
	for (struct ifaddrs *a = all; a != NULL; a = a->ifa_next) {
		char buf[INET6_ADDRSTRLEN];

		if (a->ifa_addr == NULL || (a->ifa_addr->sa_family != AF_INET &&
		    a->ifa_addr->sa_family != AF_INET6))
			continue;
		if (getnameinfo(a->ifa_addr, a->ifa_addr->sa_family == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6),
		    buf, sizeof(buf), NULL, 0, NI_NUMERICHOST) != 0)
			continue;
		if (strchr(buf, '%') != NULL)
			*strchr(buf, '%') = '\0';
		if (strcmp(buf, "127.0.0.1") == 0 || strcmp(buf, "::1") == 0)
			continue;
		if ((a->ifa_addr->sa_family == AF_INET &&
		    want(s, "all_ipv4_addresses")) ||
		    (a->ifa_addr->sa_family == AF_INET6 &&
		    want(s, "all_ipv6_addresses")))
			json_object_array_add(ips, S(buf));
	}
	for (struct if_nameindex *n = names; want(s, "interfaces") && n != NULL &&
	    n->if_name != NULL; n++) {
		struct json_object *i, *v4 = json_object_new_array(),
		    *v6 = json_object_new_array();
		char *mac, *mtu, *speed, *gw, *type;
		unsigned flags = 0;

		for (struct ifaddrs *a = all; a != NULL; a = a->ifa_next) {
			char buf[INET6_ADDRSTRLEN], pfx[16];
			struct json_object *e;

			if (strcmp(a->ifa_name, n->if_name) != 0)
				continue;
			flags = a->ifa_flags;
			if (a->ifa_addr == NULL ||
			    (a->ifa_addr->sa_family != AF_INET &&
			    a->ifa_addr->sa_family != AF_INET6))
				continue;
			if (getnameinfo(a->ifa_addr, a->ifa_addr->sa_family ==
			    AF_INET ? sizeof(struct sockaddr_in) :
			    sizeof(struct sockaddr_in6), buf, sizeof(buf), NULL,
			    0, NI_NUMERICHOST) != 0)
				continue;
			if (strchr(buf, '%') != NULL)
				*strchr(buf, '%') = '\0';
			e = json_object_new_object();
			snprintf(pfx, sizeof(pfx), "%d", prefix_len(a->ifa_netmask));
			json_object_object_add(e, "address", S(buf));
			json_object_object_add(e, "prefix", S(pfx));
			json_object_array_add(a->ifa_addr->sa_family == AF_INET ?
			    v4 : v6, e);
		}
		if ((flags & IFF_LOOPBACK) || !(flags & IFF_UP)) {
			json_object_put(v4);
			json_object_put(v6);
			continue;
		}
		type = sysfs_net(n->if_name, "type");
		mac = sysfs_net(n->if_name, "address");
		mtu = sysfs_net(n->if_name, "mtu");
		speed = sysfs_net(n->if_name, "speed");
		gw = default_gateway(n->if_name);
		if (mac != NULL)
			for (char *p = mac; *p; p++)
				*p = (char)toupper((unsigned char)*p);
		i = json_object_new_object();
		json_object_object_add(i, "connection_name", S(n->if_name));
		json_object_object_add(i, "interface_name", S(n->if_name));
		json_object_object_add(i, "interface_index", I(n->if_index));
		json_object_object_add(i, "default_gateway", gw ? S(gw) : NULL);
		json_object_object_add(i, "dns_domain", NULL);
		json_object_object_add(i, "ipv4", v4);
		json_object_object_add(i, "ipv6", v6);
		json_object_object_add(i, "macaddress", mac ? S(mac) : NULL);
		json_object_object_add(i, "mtu", mtu ? I(atoll(mtu)) : NULL);
		json_object_object_add(i, "speed", speed && atoll(speed) > 0 ?
		    I(atoll(speed)) : I(0));
		json_object_array_add(ifs, i);
		free(type);
		free(mac);
		free(mtu);
		free(speed);
		free(gw);
	}
	if (want(s, "all_ipv4_addresses") || want(s, "all_ipv6_addresses"))
		F("ansible_ip_addresses", ips);
	else
		json_object_put(ips);
	if (want(s, "interfaces"))
		F("ansible_interfaces", ifs);
	else
		json_object_put(ifs);
	if (names != NULL)
		if_freenameindex(names);
	if (all != NULL)
		freeifaddrs(all);
}

static void
facts_bios(struct json_object *facts)
{
	static const struct { const char *fact, *file; } dmi[] = {
		{ "ansible_bios_date", "bios_date" },
		{ "ansible_bios_version", "bios_version" },
		{ "ansible_product_name", "product_name" },
		{ "ansible_product_serial", "product_serial" },
	};

	for (size_t i = 0; i < sizeof(dmi) / sizeof(dmi[0]); i++) {
		char *p = xasprintf("/sys/class/dmi/id/%s", dmi[i].file);
		char *v = read_line(p);

		F(dmi[i].fact, v ? S(v) : NULL);
		free(v);
		free(p);
	}
}

static void
facts_memory(struct json_object *facts)
{
	struct procfs_buf b = { 0 };
	struct meminfo mi;
	long long total = -1, avail = -1, swap = -1, swapfree = -1;

	if (procfs_read(AT_FDCWD, "/proc/meminfo", &b, 65536, 0) >= 0 &&
	    procfs_parse_meminfo(b.data, &mi) == 0) {
		total = mi.total != PROCFS_NONE ? (long long)mi.total : -1;
		avail = mi.available != PROCFS_NONE ?
		    (long long)mi.available : -1;
		swap = mi.swap_total != PROCFS_NONE ?
		    (long long)mi.swap_total : -1;
		swapfree = mi.swap_free != PROCFS_NONE ?
		    (long long)mi.swap_free : -1;
	}
	procfs_buf_free(&b);

	F("ansible_memtotal_mb", total >= 0 ? I((total + 1023) / 1024) : NULL);
	F("ansible_memfree_mb", avail >= 0 ? I((avail + 1023) / 1024) : NULL);
	F("ansible_swaptotal_mb", swap >= 0 ? I(swap / 1024) : NULL);
	F("ansible_pagefiletotal_mb", swap >= 0 ? I(swap / 1024) : NULL);
	F("ansible_pagefilefree_mb", swapfree >= 0 ? I(swapfree / 1024) : NULL);
}

/* ansible_processor's three entries of processor proc (none if < 0) */
static void
add_processor(struct json_object *procs, int proc, const char *vendor,
    const char *model)
{
	char idx[16];

	if (proc < 0)
		return;
	snprintf(idx, sizeof(idx), "%d", proc);
	json_object_array_add(procs, S(idx));
	json_object_array_add(procs, S(vendor));
	json_object_array_add(procs, S(model));
}

static void
facts_processor(struct json_object *facts)
{
	char *text = read_file("/proc/cpuinfo", 1 << 22, NULL);
	struct json_object *procs = json_object_new_array();
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int sockets = 0, cores = 0, seen_phys[256] = { 0 };
	char vendor[128] = "", model[256] = "";
	int proc = -1;

	for (char *line = text ? strtok(text, "\n") : NULL; line;
	    line = strtok(NULL, "\n")) {
		char *colon = strchr(line, ':'), *v;

		if (colon == NULL)
			continue;
		v = colon + 1;
		while (*v == ' ')
			v++;
		if (strncmp(line, "processor", 9) == 0) {
			add_processor(procs, proc, vendor, model);
			proc = atoi(v);
			vendor[0] = model[0] = '\0';
		} else if (strncmp(line, "vendor_id", 9) == 0)
			snprintf(vendor, sizeof(vendor), "%s", v);
		else if (strncmp(line, "model name", 10) == 0)
			snprintf(model, sizeof(model), "%s", v);
		else if (strncmp(line, "physical id", 11) == 0) {
			int id = atoi(v);

			if (id >= 0 && id < 256 && !seen_phys[id]) {
				seen_phys[id] = 1;
				sockets++;
			}
		} else if (strncmp(line, "cpu cores", 9) == 0)
			cores = atoi(v);
	}
	add_processor(procs, proc, vendor, model);
	free(text);
	if (sockets == 0)
		sockets = 1;
	if (cores == 0)
		cores = (int)(ncpu > 0 ? ncpu / sockets : 1);
	F("ansible_processor", procs);
	F("ansible_processor_count", I(sockets));
	F("ansible_processor_cores", I(cores));
	F("ansible_processor_vcpus", I(ncpu > 0 ? ncpu : 1));
	F("ansible_processor_threads_per_core", I(ncpu > 0 && cores > 0 ?
	    (ncpu / sockets) / cores > 0 ? (ncpu / sockets) / cores : 1 : 1));
}

static void
facts_uptime(struct json_object *facts)
{
	char *up = read_line("/proc/uptime"), buf[40];
	double secs = up ? atof(up) : 0;
	time_t boot = time(NULL) - (time_t)secs;
	struct tm tm;

	free(up);
	localtime_r(&boot, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%SZ", &tm);
	F("ansible_uptime_seconds", I((long long)(secs + 0.5)));
	F("ansible_lastboot", S(buf));
}

static void
facts_virtual(struct json_object *facts)
{
	static const struct { const char *needle, *type; } map[] = {
		{ "KVM", "kvm" }, { "QEMU", "kvm" }, { "Bochs", "kvm" },
		{ "VMware", "VMware" }, { "VirtualBox", "VirtualBox" },
		{ "Virtual Machine", "Hyper-V" }, { "Xen", "xen" },
		{ "HVM domU", "xen" }, { "OpenStack", "openstack" },
		{ "Amazon EC2", "kvm" }, { "Google", "kvm" },
	};
	char *product = read_line("/sys/class/dmi/id/product_name");
	char *vendor = read_line("/sys/class/dmi/id/sys_vendor");
	char *cgroup = read_file("/proc/1/cgroup", 65536, NULL);
	const char *type = NULL;

	if (access("/.dockerenv", F_OK) == 0)
		type = "docker";
	else if (access("/run/.containerenv", F_OK) == 0)
		type = "podman";
	else if (cgroup != NULL && (strstr(cgroup, "docker") ||
	    strstr(cgroup, "kubepods")))
		type = "container";
	for (size_t i = 0; type == NULL && i < sizeof(map) / sizeof(map[0]); i++)
		if ((product && strstr(product, map[i].needle)) ||
		    (vendor && strstr(vendor, map[i].needle)))
			type = map[i].type;
	F("ansible_virtualization_role", S(type ? "guest" : "NA"));
	F("ansible_virtualization_type", S(type ? type : "NA"));
	free(product);
	free(vendor);
	free(cgroup);
}

/* fact_path: *.json files become ansible_<basename> */
static void
facts_local(struct mod *m, struct json_object *facts, struct json_object *warn)
{
	int err;
	char *dir = arg_path(m, "fact_path", &err);
	struct dirent *de;
	DIR *d;

	if (dir == NULL)
		return;
	if ((d = opendir(dir)) == NULL) {
		char *w = xasprintf("Non existing path was set for local facts - "
		    "%s", arg_str(m, "fact_path"));

		json_object_array_add(warn, S(w));
		free(w);
		free(dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		char *p, *text, *key;
		struct json_object *o;

		if (n <= 5 || strcmp(de->d_name + n - 5, ".json") != 0)
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		text = read_file(p, 1 << 24, NULL);
		o = text ? json_tokener_parse(text) : NULL;
		if (o != NULL) {
			key = xasprintf("ansible_%.*s", (int)(n - 5), de->d_name);
			F(key, o);
			free(key);
		}
		free(text);
		free(p);
	}
	closedir(d);
	free(dir);
}

int
mod_setup(struct mod *m)
{
	struct json_object *facts = json_object_new_object(),
	    *warn = json_object_new_array(), *gs = arg_obj(m, "gather_subset");
	struct subsets s;

	subsets_make(m, &s, warn);
	if (gs != NULL && json_object_is_type(gs, json_type_array))
		F("gather_subset", json_object_get(gs));
	else {
		struct json_object *all = json_object_new_array();

		json_object_array_add(all, S("all"));
		F("gather_subset", all);
	}
	F("module_setup", B(true));
	if (want(&s, "date_time"))
		facts_date_time(facts);
	if (want(&s, "distribution"))
		facts_distribution(facts);
	if (want(&s, "env"))
		facts_env(facts);
	if (want(&s, "local"))
		facts_local(m, facts, warn);
	if (want(&s, "platform"))
		facts_platform(facts);
	if (want(&s, "powershell_version"))
		F("ansible_powershell_version", NULL);
	if (want(&s, "user"))
		facts_user(facts);
	if (want(&s, "all_ipv4_addresses") || want(&s, "all_ipv6_addresses") ||
	    want(&s, "interfaces"))
		facts_network(facts, &s);
	if (want(&s, "windows_domain"))
		facts_windows_domain(facts);
	if (want(&s, "bios"))
		facts_bios(facts);
	if (want(&s, "memory"))
		facts_memory(facts);
	if (want(&s, "processor"))
		facts_processor(facts);
	if (want(&s, "uptime"))
		facts_uptime(facts);
	if (want(&s, "virtual"))
		facts_virtual(facts);
	res_set(m, "ansible_facts", facts);
	if (json_object_array_length(warn) > 0)
		res_set(m, "warnings", warn);
	else
		json_object_put(warn);
	return 0;
}
