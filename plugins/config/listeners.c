/*
 * listeners.c: the listeners the daemon runs, as cfg:Listener elements
 * (MS-WSMV 2.2.4.19, 3.1.4.1.29.5).
 *
 * The daemon says what it listens on (host->listener): each [Listener
 * NAME] section, or each address and transport of the [Listener] form,
 * or the sockets systemd passed, with the thumbprint of the certificate
 * each presents now (a reload may have replaced it).  Under a daemon
 * older than that service, the [Listener] keys are read once, when the
 * plugin starts (they take effect only at start-up), and each address
 * makes an HTTP and an HTTPS listener (when that port is not 0).
 * Address is "*" or "IP:" and the address, as on Windows.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cfg.h"

static char *
dup_or(const char *s, const char *dflt)
{
	return strdup(s != NULL ? s : dflt);
}

int
cfg_listen_load(struct cfg_listen *l, const struct winrmd_host *h)
{
	const char *cert = h->conf_str("Listener", "CertificateFile");

	memset(l, 0, sizeof(*l));
	/* the listeners from the daemon; the ports for DefaultPorts */
	if (WINRMD_HOST_HAS(h, listener))
		l->h = h;
	l->address = dup_or(h->conf_str("Listener", "Address"), "*");
	l->url_prefix = dup_or(h->conf_str("Listener", "URLPrefix"), "wsman");
	l->cert_file = cert != NULL ? strdup(cert) : NULL;
	l->http_port = h->conf_str("Listener", "HTTPPort") != NULL ?
	    h->conf_int("Listener", "HTTPPort") : 5985;
	l->https_port = h->conf_str("Listener", "HTTPSPort") != NULL ?
	    h->conf_int("Listener", "HTTPSPort") : 5986;
	if (l->address == NULL || l->url_prefix == NULL ||
	    (cert != NULL && l->cert_file == NULL)) {
		cfg_listen_free(l);
		return -1;
	}
	return 0;
}

void
cfg_listen_free(struct cfg_listen *l)
{
	free(l->address);
	free(l->url_prefix);
	free(l->cert_file);
	memset(l, 0, sizeof(*l));
}

/* the next word of a list separated by spaces or commas; 0 at the end */
static size_t
next_word(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == ',')
		(*p)++;
	return strcspn(*p, " \t,");
}

static void thumbprint(struct cfg_listen *l);

/* the daemon's listeners (host->listener) */
static size_t
host_listeners(const struct winrmd_host *h, struct cfg_listener *out,
    size_t max)
{
	struct winrmd_listener one;
	size_t n = 0;

	for (size_t i = 0; n < max && h->listener(i, &one); i++) {
		struct cfg_listener *o = &out[n++];

		memset(o, 0, sizeof(*o));
		snprintf(o->address, sizeof(o->address), "%s", one.address);
		if (one.listening_on != NULL)
			snprintf(o->ip, sizeof(o->ip), "%s", one.listening_on);
		o->transport = strcmp(one.transport, "HTTPS") == 0 ? "HTTPS" :
		    "HTTP";
		o->port = one.port;
		o->enabled = one.enabled;
		snprintf(o->url_prefix, sizeof(o->url_prefix), "%s",
		    one.url_prefix ? one.url_prefix : "wsman");
		snprintf(o->thumbprint, sizeof(o->thumbprint), "%s",
		    one.thumbprint ? one.thumbprint : "");
	}
	return n;
}

size_t
cfg_listeners(const struct cfg_listen *l, struct cfg_listener *out, size_t max)
{
	static const char *const transports[] = { "HTTP", "HTTPS" };
	const char *p = l->address ? l->address : "*";
	size_t n = 0, len;

	if (l->h != NULL)
		return host_listeners(l->h, out, max);
	thumbprint((struct cfg_listen *)l);

	for (; (len = next_word(&p)) > 0 && n < max; p += len) {
		char word[48];

		if (len >= sizeof(word))
			continue;
		memcpy(word, p, len);
		word[len] = '\0';
		for (size_t t = 0; t < 2 && n < max; t++) {
			struct cfg_listener *o = &out[n];
			long long port = t == 0 ? l->http_port : l->https_port;

			if (port <= 0)
				continue;
			memset(o, 0, sizeof(*o));
			if (strcmp(word, "*") == 0)
				snprintf(o->address, sizeof(o->address), "*");
			else {
				snprintf(o->address, sizeof(o->address), "IP:%s",
				    word);
				snprintf(o->ip, sizeof(o->ip), "%s", word);
			}
			o->transport = transports[t];
			o->port = port;
			o->enabled = true;
			snprintf(o->url_prefix, sizeof(o->url_prefix), "%s",
			    l->url_prefix);
			if (t == 1)
				snprintf(o->thumbprint, sizeof(o->thumbprint),
				    "%s", l->thumbprint);
			n++;
		}
	}
	return n;
}

const struct cfg_listener *
cfg_listener_find(const struct cfg_listener *v, size_t n, const char *address,
    const char *transport)
{
	char a[64];
	size_t len;

	if (address == NULL || transport == NULL)
		return NULL;
	/* IP:[::1] as IP:::1 */
	snprintf(a, sizeof(a), "%s", address);
	len = strlen(a);
	if (strncasecmp(a, "IP:[", 4) == 0 && len > 5 && a[len - 1] == ']') {
		memmove(a + 3, a + 4, len - 5);
		a[len - 2] = '\0';
	}
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(v[i].address, a) == 0 &&
		    strcasecmp(v[i].transport, transport) == 0)
			return &v[i];
	return NULL;
}

void
cfg_ip_filters(const struct cfg_listen *l, char *v4, size_t v4len, char *v6,
    size_t v6len)
{
	struct cfg_listener v[CFG_MAX_LISTENERS];
	size_t n = cfg_listeners(l, v, CFG_MAX_LISTENERS), n4 = 0, n6 = 0;

	v4[0] = v6[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *word = v[i].ip;
		unsigned char buf[16];
		bool dup = false;

		if (!v[i].enabled)
			continue;
		if (strcmp(v[i].address, "*") == 0) {
			snprintf(v4, v4len, "*");
			snprintf(v6, v6len, "*");
			return;
		}
		for (size_t j = 0; j < i; j++)
			dup |= v[j].enabled && strcmp(v[j].ip, word) == 0;
		if (dup)
			continue;
		/* a range per address, as the filters are written on Windows */
		if (inet_pton(AF_INET, word, buf) == 1 && n4 < v4len)
			n4 += (size_t)snprintf(v4 + n4, v4len - n4, "%s%s-%s",
			    n4 ? ", " : "", word, word);
		else if (inet_pton(AF_INET6, word, buf) == 1 && n6 < v6len)
			n6 += (size_t)snprintf(v6 + n6, v6len - n6, "%s%s-%s",
			    n6 ? ", " : "", word, word);
	}
}

/* SHA-1 of the certificate (DER), 40 upper-case hex digits, as Windows shows it */
static void
thumbprint(struct cfg_listen *l)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	X509 *x = NULL;
	FILE *fp;

	if (l->thumbprint[0] != '\0' || l->cert_file == NULL ||
	    (fp = fopen(l->cert_file, "re")) == NULL)
		return;
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	if (x != NULL && X509_digest(x, EVP_sha1(), md, &mdlen) == 1 &&
	    mdlen == 20)
		for (unsigned int i = 0; i < mdlen; i++)
			snprintf(l->thumbprint + 2 * i, 3, "%02X", md[i]);
	X509_free(x);
}

/* every address of the host's interfaces that are up: IPv4 first */
static void
listening_on_all(xmlNodePtr parent, xmlNsPtr ns)
{
	struct ifaddrs *ifs, *i;

	if (getifaddrs(&ifs) != 0)
		return;
	for (int family = AF_INET; family != 0;
	    family = family == AF_INET ? AF_INET6 : 0)
		for (i = ifs; i != NULL; i = i->ifa_next) {
			char buf[INET6_ADDRSTRLEN + 16];

			if (i->ifa_addr == NULL || i->ifa_addr->sa_family != family ||
			    !(i->ifa_flags & IFF_UP))
				continue;
			if (family == AF_INET)
				inet_ntop(AF_INET, &((struct sockaddr_in *)
				    (void *)i->ifa_addr)->sin_addr, buf, sizeof(buf));
			else {
				struct sockaddr_in6 *s6 =
				    (struct sockaddr_in6 *)(void *)i->ifa_addr;

				inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof(buf));
				if (s6->sin6_scope_id != 0)
					snprintf(buf + strlen(buf),
					    sizeof(buf) - strlen(buf), "%%%u",
					    s6->sin6_scope_id);
			}
			xmlNewTextChild(parent, ns, BAD_CAST "ListeningOn",
			    BAD_CAST buf);
		}
	freeifaddrs(ifs);
}

xmlNodePtr
cfg_render_listener(xmlNodePtr parent, struct cfg_listen *l,
    const struct cfg_listener *one)
{
	xmlNodePtr n = xmlNewChild(parent, NULL, BAD_CAST "Listener", NULL);
	bool https = strcmp(one->transport, "HTTPS") == 0;
	char port[24], host[256] = "";
	xmlNsPtr ns;

	if (n == NULL)
		return NULL;
	ns = xmlNewNs(n, BAD_CAST CFG_NS, BAD_CAST "cfg");
	xmlSetNs(n, ns);
	snprintf(port, sizeof(port), "%lld", one->port);
	/* Windows leaves Hostname empty on HTTP listeners */
	if (https && gethostname(host, sizeof(host) - 1) != 0)
		host[0] = '\0';
	(void)l;
	xmlNewTextChild(n, ns, BAD_CAST "Address", BAD_CAST one->address);
	xmlNewTextChild(n, ns, BAD_CAST "Transport", BAD_CAST one->transport);
	xmlNewTextChild(n, ns, BAD_CAST "Port", BAD_CAST port);
	xmlNewTextChild(n, ns, BAD_CAST "Hostname", BAD_CAST host);
	xmlNewTextChild(n, ns, BAD_CAST "Enabled",
	    BAD_CAST (one->enabled ? "true" : "false"));
	xmlNewTextChild(n, ns, BAD_CAST "URLPrefix", BAD_CAST one->url_prefix);
	xmlNewTextChild(n, ns, BAD_CAST "CertificateThumbprint",
	    BAD_CAST (https ? one->thumbprint : ""));
	/* a disabled listener listens on nothing, as Windows shows it */
	if (one->enabled && one->ip[0] != '\0')
		xmlNewTextChild(n, ns, BAD_CAST "ListeningOn", BAD_CAST one->ip);
	else if (one->enabled)
		listening_on_all(n, ns);
	return n;
}
