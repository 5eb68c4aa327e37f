/*
 * conf_listen.c: the listeners of the configuration file.
 *
 * Two forms.  [Listener] alone (Address, HTTPPort, HTTPSPort, URLPrefix,
 * CertificateFile, KeyFile) describes an HTTP and an HTTPS listener on
 * each address, as it always did.  [Listener NAME] sections describe one
 * listener each, as Windows has them (Address, Transport, Port,
 * CertificateFile and KeyFile or CertificateThumbprint, URLPrefix,
 * Enabled); then [Listener] holds what they share (TLSPriority,
 * CertificateDirectory) and the defaults of URLPrefix, CertificateFile
 * and KeyFile, and setting Address, HTTPPort or HTTPSPort there as well
 * is refused: the sections say where to listen.  Two listeners on the
 * same address and port, or a wildcard and an address on the same port,
 * are refused with the line of the second.
 */
#include "build.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"

#define NAME_MAX_LEN	40

enum lkey { LK_ADDRESS, LK_TRANSPORT, LK_PORT, LK_CERT_FILE, LK_KEY_FILE,
	LK_THUMBPRINT, LK_URL_PREFIX, LK_ENABLED, _LK_MAX };

static const char *const lkey_names[_LK_MAX] = {
	"Address", "Transport", "Port", "CertificateFile", "KeyFile",
	"CertificateThumbprint", "URLPrefix", "Enabled",
};

struct conf_lsec {
	char	*name;
	char	*value[_LK_MAX];
	int	 line[_LK_MAX];
	int	 first;		/* its first line */
};

/* "Listener NAME": the NAME, or NULL */
static const char *
section_name(const char *section)
{
	if (strncasecmp(section, "Listener", 8) != 0 ||
	    !isspace((unsigned char)section[8]))
		return NULL;
	section += 8;
	while (isspace((unsigned char)*section))
		section++;
	return section;
}

bool
conf_listen_section(const char *section)
{
	return section_name(section) != NULL;
}

static bool
name_ok(const char *s)
{
	if (s[0] == '\0' || strlen(s) > NAME_MAX_LEN)
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("_-.", *s) == NULL)
			return false;
	return true;
}

/* "*", an address, or Windows' "IP:address" (IPv6 maybe in brackets) */
static char *
address_parse(const char *v)
{
	unsigned char buf[16];
	char a[INET6_ADDRSTRLEN + 4];
	size_t n;

	if (strcmp(v, "*") == 0)
		return strdup(v);
	if (strncasecmp(v, "IP:", 3) == 0)
		v += 3;
	snprintf(a, sizeof(a), "%s", v);
	n = strlen(a);
	if (a[0] == '[' && n > 2 && a[n - 1] == ']') {
		memmove(a, a + 1, n - 2);
		a[n - 2] = '\0';
	}
	if (inet_pton(AF_INET, a, buf) != 1 && inet_pton(AF_INET6, a, buf) != 1)
		return NULL;
	return strdup(a);
}

/* 40 hex digits, maybe with blanks or colons between: upper case into out */
static bool
thumbprint_parse(const char *v, char out[41])
{
	size_t n = 0;

	for (; *v != '\0'; v++) {
		if (*v == ' ' || *v == ':')
			continue;
		if (!isxdigit((unsigned char)*v) || n == 40)
			return false;
		out[n++] = (char)toupper((unsigned char)*v);
	}
	out[n] = '\0';
	return n == 40;
}

/* the value's own check, before the section is complete: NULL or why */
static const char *
value_check(enum lkey k, const char *v, char *msg, size_t msglen)
{
	char thumb[41], *a;
	unsigned long long b;

	switch (k) {
	case LK_ADDRESS:
		if ((a = address_parse(v)) == NULL)
			return "expected *, an IPv4 or IPv6 address, or IP: and "
			    "one";
		free(a);
		return NULL;
	case LK_TRANSPORT:
		return strcasecmp(v, "HTTP") == 0 || strcasecmp(v, "HTTPS") == 0 ?
		    NULL : "Transport must be HTTP or HTTPS";
	case LK_PORT: {
		char *end;
		unsigned long p = isdigit((unsigned char)v[0]) ?
		    strtoul(v, &end, 10) : 0;

		if (p == 0 || *end != '\0' || p > 65535)
			return "Port must be between 1 and 65535";
		return NULL;
	}
	case LK_THUMBPRINT:
		return thumbprint_parse(v, thumb) ? NULL : "expected the SHA-1 "
		    "thumbprint of a certificate: 40 hexadecimal digits";
	case LK_URL_PREFIX:
		return conf_check_url_prefix(v);
	case LK_ENABLED:
		return conf_parse_bool(v, &b) ? NULL : "expected true or false";
	case LK_CERT_FILE:
	case LK_KEY_FILE:
		if (v[0] != '/') {
			snprintf(msg, msglen, "%s must be an absolute path",
			    lkey_names[k]);
			return msg;
		}
		return NULL;
	default:
		return NULL;
	}
}

const char *
conf_listen_take(struct config *cfg, const char *section, const char *key,
    const char *value, int line, char *msg, size_t msglen)
{
	const char *name = section_name(section), *why;
	struct conf_lsec *s = NULL;
	char sub[160];
	int k;

	if (name == NULL || !name_ok(name)) {
		snprintf(msg, msglen, "[%s]: a listener's name is 1 to %d "
		    "letters, digits and _-.", section, NAME_MAX_LEN);
		return msg;
	}
	for (k = 0; k < _LK_MAX; k++)
		if (strcasecmp(lkey_names[k], key) == 0)
			break;
	if (k == _LK_MAX) {
		snprintf(msg, msglen, "unknown key %s in [Listener %s] (a "
		    "listener has Address, Transport, Port, CertificateFile, "
		    "KeyFile, CertificateThumbprint, URLPrefix, Enabled)", key,
		    name);
		return msg;
	}
	for (size_t i = 0; i < cfg->nlsec; i++)
		if (strcasecmp(cfg->lsec[i].name, name) == 0)
			s = &cfg->lsec[i];
	if (s == NULL) {
		if (cfg->nlsec == CONF_MAX_LISTENERS) {
			snprintf(msg, msglen, "[Listener %s]: more than %d "
			    "listeners", name, CONF_MAX_LISTENERS);
			return msg;
		}
		s = reallocarray(cfg->lsec, cfg->nlsec + 1, sizeof(*s));
		if (s == NULL)
			return "out of memory";
		cfg->lsec = s;
		s = &cfg->lsec[cfg->nlsec];
		memset(s, 0, sizeof(*s));
		if ((s->name = strdup(name)) == NULL)
			return "out of memory";
		s->first = line;
		cfg->nlsec++;
	}
	if (s->line[k] != 0) {
		snprintf(msg, msglen, "%s is set twice (first on line %d)",
		    lkey_names[k], s->line[k]);
		return msg;
	}
	if ((why = value_check(k, value, sub, sizeof(sub))) != NULL) {
		snprintf(msg, msglen, "[Listener %s] %s = %s: %s", name,
		    lkey_names[k], value, why);
		return msg;
	}
	if ((s->value[k] = strdup(value)) == NULL)
		return "out of memory";
	s->line[k] = line;
	return NULL;
}

static void
listener_clear(struct conf_listener *l)
{
	free(l->name);
	free(l->address);
	free(l->url_prefix);
	free(l->cert_file);
	free(l->key_file);
	memset(l, 0, sizeof(*l));
}

static struct conf_listener *
listener_add(struct config *cfg)
{
	struct conf_listener *v = reallocarray(cfg->listeners,
	    cfg->nlisteners + 1, sizeof(*v));

	if (v == NULL)
		return NULL;
	cfg->listeners = v;
	v = &cfg->listeners[cfg->nlisteners++];
	memset(v, 0, sizeof(*v));
	return v;
}

/* the [Listener] form: each address, HTTP then HTTPS */
static int
build_old(struct config *cfg, char *msg, size_t msglen)
{
	char *const *addrs = conf_list(cfg, CK_LISTENER_ADDRESS);
	unsigned ports[2] = {
		(unsigned)conf_u(cfg, CK_LISTENER_HTTP_PORT),
		(unsigned)conf_u(cfg, CK_LISTENER_HTTPS_PORT),
	};

	for (size_t i = 0; addrs != NULL && addrs[i] != NULL; i++)
		for (int tls = 0; tls < 2; tls++) {
			struct conf_listener *l;

			if (ports[tls] == 0)
				continue;
			if ((l = listener_add(cfg)) == NULL)
				goto oom;
			l->tls = tls;
			l->port = ports[tls];
			l->enabled = true;
			if ((l->address = strdup(addrs[i])) == NULL ||
			    (l->url_prefix = strdup(conf_s(cfg,
			    CK_LISTENER_URL_PREFIX))) == NULL)
				goto oom;
			if (tls && ((l->cert_file = strdup(conf_s(cfg,
			    CK_LISTENER_CERT_FILE))) == NULL ||
			    (l->key_file = strdup(conf_s(cfg,
			    CK_LISTENER_KEY_FILE))) == NULL))
				goto oom;
		}
	return 0;
oom:
	snprintf(msg, msglen, "out of memory");
	return -1;
}

/* the line a section's error is reported at: the key's, or its first */
static int
at(const struct conf_lsec *s, enum lkey k)
{
	return s->line[k] != 0 ? s->line[k] : s->first;
}

static int
build_one(struct config *cfg, const struct conf_lsec *s, int *line,
    char *msg, size_t msglen)
{
	const char *v;
	struct conf_listener *l = listener_add(cfg);

	if (l == NULL)
		goto oom;
	l->line = s->first;
	if (s->value[LK_TRANSPORT] == NULL) {
		*line = s->first;
		snprintf(msg, msglen, "[Listener %s] needs Transport = HTTP or "
		    "HTTPS", s->name);
		return -1;
	}
	l->tls = strcasecmp(s->value[LK_TRANSPORT], "HTTPS") == 0;
	l->port = s->value[LK_PORT] ? (unsigned)strtoul(s->value[LK_PORT],
	    NULL, 10) : l->tls ? 5986 : 5985;
	l->enabled = true;
	if (s->value[LK_ENABLED] != NULL) {
		unsigned long long b = 1;

		(void)conf_parse_bool(s->value[LK_ENABLED], &b);
		l->enabled = b != 0;
	}
	if ((l->name = strdup(s->name)) == NULL ||
	    (l->address = address_parse(s->value[LK_ADDRESS] ?
	    s->value[LK_ADDRESS] : "*")) == NULL)
		goto oom;
	v = s->value[LK_URL_PREFIX] ? s->value[LK_URL_PREFIX] :
	    conf_s(cfg, CK_LISTENER_URL_PREFIX);
	if ((l->url_prefix = strdup(v)) == NULL)
		goto oom;
	if (!l->tls) {
		for (int k = LK_CERT_FILE; k <= LK_THUMBPRINT; k++)
			if (s->value[k] != NULL) {
				*line = s->line[k];
				snprintf(msg, msglen, "[Listener %s] %s: an HTTP "
				    "listener has no certificate", s->name,
				    lkey_names[k]);
				return -1;
			}
		return 0;
	}
	if (s->value[LK_THUMBPRINT] != NULL) {
		if (s->value[LK_CERT_FILE] != NULL ||
		    s->value[LK_KEY_FILE] != NULL) {
			*line = s->line[LK_THUMBPRINT];
			snprintf(msg, msglen, "[Listener %s]: either "
			    "CertificateThumbprint or CertificateFile and "
			    "KeyFile, not both", s->name);
			return -1;
		}
		thumbprint_parse(s->value[LK_THUMBPRINT], l->thumbprint);
		return 0;
	}
	if ((s->value[LK_CERT_FILE] == NULL) != (s->value[LK_KEY_FILE] == NULL)) {
		*line = s->value[LK_CERT_FILE] ? s->line[LK_CERT_FILE] :
		    s->line[LK_KEY_FILE];
		snprintf(msg, msglen, "[Listener %s]: CertificateFile and "
		    "KeyFile go together", s->name);
		return -1;
	}
	if ((l->cert_file = strdup(s->value[LK_CERT_FILE] ?
	    s->value[LK_CERT_FILE] : conf_s(cfg, CK_LISTENER_CERT_FILE))) ==
	    NULL || (l->key_file = strdup(s->value[LK_KEY_FILE] ?
	    s->value[LK_KEY_FILE] : conf_s(cfg, CK_LISTENER_KEY_FILE))) == NULL)
		goto oom;
	return 0;
oom:
	*line = s->first;
	snprintf(msg, msglen, "out of memory");
	return -1;
}

/*
 * whether two addresses overlap on one port: the same address, or a
 * wildcard ("*": everything; 0.0.0.0 and ::, their family) and an address
 * it covers
 */
static bool
overlap(const char *a, const char *b)
{
	unsigned char x[16], y[16];
	int fa, fb;

	if (strcmp(a, "*") == 0 || strcmp(b, "*") == 0)
		return true;
	fa = inet_pton(AF_INET, a, x) == 1 ? AF_INET : AF_INET6;
	fb = inet_pton(AF_INET, b, y) == 1 ? AF_INET : AF_INET6;
	if (fa == AF_INET6)
		inet_pton(AF_INET6, a, x);
	if (fb == AF_INET6)
		inet_pton(AF_INET6, b, y);
	if (fa != fb)
		return false;
	if (fa == AF_INET) {
		static const unsigned char any4[4];

		return memcmp(x, y, 4) == 0 || memcmp(x, any4, 4) == 0 ||
		    memcmp(y, any4, 4) == 0;
	}
	return memcmp(x, y, 16) == 0 || memcmp(x, &in6addr_any, 16) == 0 ||
	    memcmp(y, &in6addr_any, 16) == 0;
}

static void
listener_label(const struct conf_listener *l, char *buf, size_t len)
{
	if (l->name != NULL)
		snprintf(buf, len, "[Listener %s]", l->name);
	else
		snprintf(buf, len, "[Listener] %s %s port %u", l->address,
		    l->tls ? "HTTPS" : "HTTP", l->port);
}

static int
duplicates(const struct config *cfg, int *line, char *msg, size_t msglen)
{
	for (size_t j = 1; j < cfg->nlisteners; j++) {
		const struct conf_listener *b = &cfg->listeners[j];

		for (size_t i = 0; i < j; i++) {
			const struct conf_listener *a = &cfg->listeners[i];
			char la[96], lb[96];

			if (a->port != b->port || !overlap(a->address,
			    b->address))
				continue;
			listener_label(a, la, sizeof(la));
			listener_label(b, lb, sizeof(lb));
			if (b->line != 0) {
				const struct conf_lsec *s = NULL;

				for (size_t k = 0; k < cfg->nlsec; k++)
					if (strcasecmp(cfg->lsec[k].name,
					    b->name) == 0)
						s = &cfg->lsec[k];
				*line = s ? at(s, s->line[LK_PORT] ? LK_PORT :
				    LK_ADDRESS) : b->line;
			} else {
				/* Address lists it twice, or the ports are one */
				*line = cfg->v[a->tls != b->tls ?
				    CK_LISTENER_HTTPS_PORT :
				    CK_LISTENER_ADDRESS].line;
			}
			if (a->line != 0)
				snprintf(msg, msglen, "%s: %s port %u is "
				    "already %s's (line %d)", lb, b->address,
				    b->port, la, a->line);
			else
				snprintf(msg, msglen, "%s: %s port %u twice",
				    lb, b->address, b->port);
			return -1;
		}
	}
	return 0;
}

int
conf_listen_build(struct config *cfg, int *line, char *msg, size_t msglen)
{
	static const enum conf_key where[] = { CK_LISTENER_ADDRESS,
		CK_LISTENER_HTTP_PORT, CK_LISTENER_HTTPS_PORT };
	int r = 0;

	if (cfg->nlsec == 0) {
		if (build_old(cfg, msg, msglen) < 0) {
			*line = 1;
			return -1;
		}
	} else {
		for (size_t i = 0; i < 3; i++) {
			const struct conf_value *v = &cfg->v[where[i]];

			if (v->line == 0)
				continue;
			*line = v->line;
			snprintf(msg, msglen, "[Listener] %s: with [Listener "
			    "NAME] sections, each listener says where it "
			    "listens (Address, Port): remove it",
			    conf_defs[where[i]].key);
			return -1;
		}
		for (size_t i = 0; r == 0 && i < cfg->nlsec; i++)
			r = build_one(cfg, &cfg->lsec[i], line, msg, msglen);
	}
	if (r == 0 && cfg->nlisteners > CONF_MAX_LISTENERS) {
		*line = cfg->v[CK_LISTENER_ADDRESS].line;
		snprintf(msg, msglen, "[Listener] Address: %zu listeners (an "
		    "HTTP and an HTTPS one per address), more than %d",
		    cfg->nlisteners, CONF_MAX_LISTENERS);
		r = -1;
	}
	if (r == 0)
		r = duplicates(cfg, line, msg, msglen);
	if (*line == 0 && r < 0)
		*line = 1;
	return r;
}

void
conf_listen_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->nlisteners; i++)
		listener_clear(&cfg->listeners[i]);
	free(cfg->listeners);
	cfg->listeners = NULL;
	cfg->nlisteners = 0;
	for (size_t i = 0; i < cfg->nlsec; i++) {
		free(cfg->lsec[i].name);
		for (int k = 0; k < _LK_MAX; k++)
			free(cfg->lsec[i].value[k]);
	}
	free(cfg->lsec);
	cfg->lsec = NULL;
	cfg->nlsec = 0;
}

static bool
same_text(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL &&
	    strcmp(a, b) == 0);
}

void
conf_listen_changes(const struct config *old, const struct config *cfg,
    void (*fn)(const struct conf_def *d, void *arg), void *arg)
{
	char section[16 + NAME_MAX_LEN];
	struct conf_def d = { 0 };

	d.section = section;
	for (size_t i = 0; i < cfg->nlsec; i++) {
		const struct conf_lsec *s = &cfg->lsec[i], *o = NULL;

		for (size_t j = 0; j < old->nlsec; j++)
			if (strcasecmp(old->lsec[j].name, s->name) == 0)
				o = &old->lsec[j];
		snprintf(section, sizeof(section), "Listener %s", s->name);
		for (int k = 0; k < _LK_MAX; k++) {
			/* a reload applies URLPrefix (http_reload) */
			if (k == LK_URL_PREFIX || (o != NULL &&
			    same_text(o->value[k], s->value[k])))
				continue;
			d.key = lkey_names[k];
			if (o != NULL || s->value[k] != NULL)
				fn(&d, arg);
		}
	}
	for (size_t j = 0; j < old->nlsec; j++) {
		bool kept = false;

		for (size_t i = 0; i < cfg->nlsec; i++)
			kept |= strcasecmp(old->lsec[j].name,
			    cfg->lsec[i].name) == 0;
		if (kept)
			continue;
		snprintf(section, sizeof(section), "Listener %s",
		    old->lsec[j].name);
		d.key = "(removed)";
		fn(&d, arg);
	}
}
