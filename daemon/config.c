/*
 * config.c: the schema of the configuration file and its parser.
 *
 * The file is INI (inih), with section and key names that follow
 * `winrm get winrm/config'.  Every key is checked against a schema: the
 * daemon's own table here, and the settings plugins and their modules
 * declare (config_declare).  An unknown section or key, a bad value or a
 * key set twice is an error that names the file and line.  The lines of
 * sections not declared yet wait, in file order, until they are or until
 * config_finish().  The result is immutable.
 */
#include "build.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <ini.h>

#include "auth_cert.h"
#include "config.h"
#include "privsep.h"

#define U32MAX	4294967295ULL

#define RESTART	WINRMD_SETTING_RESTART

static const char *check_addresses(const char *value);
static const char *check_netbios(const char *value);
static const char *check_tls_priority(const char *value);
static char **split_list(const char *s);
static void free_list(char **v);

const struct conf_def conf_defs[_CK_MAX] = {
	[CK_LISTENER_ADDRESS] = { "Listener", "Address", CT_LIST, "*", 0, 0, NULL,
	    "addresses to listen on: * (all, IPv4 and IPv6), or a list such as 127.0.0.1 ::1",
	    check_addresses, .flags = RESTART },
	[CK_LISTENER_HTTP_PORT] = { "Listener", "HTTPPort", CT_UINT, "5985", 0, 65535, NULL,
	    "HTTP port; 0 disables the HTTP listener", .flags = RESTART },
	[CK_LISTENER_HTTPS_PORT] = { "Listener", "HTTPSPort", CT_UINT, "5986", 0, 65535, NULL,
	    "HTTPS port; 0 disables the HTTPS listener", .flags = RESTART },
	[CK_LISTENER_URL_PREFIX] = { "Listener", "URLPrefix", CT_STR, "wsman", 0, 0, NULL,
	    "URL path clients POST to (without the leading /)", conf_check_url_prefix },
	[CK_LISTENER_CERT_FILE] = { "Listener", "CertificateFile", CT_STR,
	    SYSCONFDIR "/winrmd/winrmd.crt", 0, 0, NULL,
	    "PEM certificate for HTTPS; created self-signed on first start if missing", .flags = RESTART },
	[CK_LISTENER_KEY_FILE] = { "Listener", "KeyFile", CT_STR,
	    SYSCONFDIR "/winrmd/winrmd.key", 0, 0, NULL,
	    "PEM private key for HTTPS; created (mode 0600) with the certificate", .flags = RESTART },
	[CK_LISTENER_TLS_PRIORITY] = { "Listener", "TLSPriority", CT_STR, TLS_PRIORITY_DEFAULT, 0, 0, NULL,
	    "GnuTLS priority string of HTTPS: by default TLS 1.3, and TLS 1.2 with ECDHE/DHE and AEAD ciphers only (restart to change)",
	    check_tls_priority, .flags = RESTART },
	[CK_LISTENER_CERT_DIR] = { "Listener", "CertificateDirectory", CT_STR,
	    SYSCONFDIR "/winrmd/certs", 0, 0, NULL,
	    "where a [Listener NAME] CertificateThumbprint is looked up: PEM certificates (*.crt, *.pem) with their keys (in the same file or in NAME.key)", .flags = RESTART },

	[CK_SERVICE_ALLOW_UNENCRYPTED] = { "Service", "AllowUnencrypted", CT_BOOL, "false", 0, 0, NULL,
	    "accept Basic authentication over plain HTTP" },
	[CK_SERVICE_MAX_ENVELOPE_KB] = { "Service", "MaxEnvelopeSizekb", CT_UINT, "512", 32, 65536, NULL,
	    "largest request body (KiB, larger gets 413) and largest reply" },
	[CK_SERVICE_MAX_TIMEOUT_MS] = { "Service", "MaxTimeoutms", CT_UINT, "60000", 500, U32MAX, NULL,
	    "upper bound of a request's OperationTimeout" },
	[CK_SERVICE_MAX_CONNECTIONS] = { "Service", "MaxConnections", CT_UINT, "300", 1, 100000, NULL,
	    "simultaneous TCP connections, all listeners together; when full, the oldest still without request headers makes room" },
	[CK_SERVICE_MAX_CONNECTIONS_PER_IP] = { "Service", "MaxConnectionsPerIP", CT_UINT, "50", 0, 100000, NULL,
	    "simultaneous TCP connections from one client: an IPv4 address, an IPv6 prefix (0: no limit)" },
	[CK_SERVICE_MAX_PACKET_RETRIEVAL_S] = { "Service", "MaxPacketRetrievalTimeSeconds", CT_UINT, "120", 1, 3600, NULL,
	    "a request body not complete this long after its headers gets 500" },
	[CK_SERVICE_IDLE_CONNECTION_S] = { "Service", "IdleConnectionTimeoutSeconds", CT_UINT, "120", 1, 86400, NULL,
	    "a connection idle this long is closed", .flags = RESTART },
	[CK_SERVICE_HEADER_TIMEOUT_S] = { "Service", "HeaderTimeoutSeconds", CT_UINT, "20", 1, 3600, NULL,
	    "a connection not authenticated whose request headers are not in this long after it opened (or its last answer) is closed" },
	[CK_SERVICE_UNAUTHENTICATED_TIMEOUT_S] = { "Service", "UnauthenticatedTimeoutSeconds", CT_UINT, "60", 1, 3600, NULL,
	    "a connection not authenticated whose whole request is not in this long after it opened (or its last answer) is closed" },
	[CK_SERVICE_IPV6_PREFIX_LENGTH] = { "Service", "IPv6PrefixLength", CT_UINT, "64", 32, 128, NULL,
	    "MaxConnectionsPerIP counts IPv6 clients by this many leading bits of their address (64: a /64 is one client)" },
	[CK_SERVICE_ENUMERATION_TIMEOUT_MS] = { "Service", "EnumerationTimeoutms", CT_UINT, "240000", 500, U32MAX, NULL,
	    "an enumeration context not pulled for this long expires" },
	[CK_SERVICE_MAX_BATCH_ITEMS] = { "Service", "MaxBatchItems", CT_UINT, "32000", 1, 32000, NULL,
	    "upper bound of a Pull's MaxElements" },
	[CK_SERVICE_MAX_OPERATIONS_PER_USER] = { "Service", "MaxConcurrentOperationsPerUser", CT_UINT, "1500", 1, 100000, NULL,
	    "open enumeration contexts per user" },
	[CK_SERVICE_LOG_LEVEL] = { "Service", "LogLevel", CT_ENUM, "info", 0, 0, "error|warning|notice|info|debug",
	    "least important messages logged" },
	[CK_SERVICE_PRIVILEGE_SEPARATION] = { "Service", "PrivilegeSeparation", CT_BOOL, "true", 0, 0, NULL,
	    "parse the network as the system user winrmd (no capabilities, a seccomp filter); a root monitor authenticates and starts the users' processes (restart to change)", .flags = RESTART },
	[CK_SERVICE_KEEPER_SOCKET] = { "Service", "KeeperSocket", CT_STR, "/run/winrmd-keep.sock", 0, 0, NULL,
	    "where commands kept across a restart wait for the next daemon to claim them ([Winrs] RestartGraceSeconds); one per daemon on a host" },

	[CK_AUTH_BASIC] = { "Auth", "Basic", CT_BOOL, "true", 0, 0, NULL,
	    "Basic authentication, checked by PAM (over HTTPS unless AllowUnencrypted)" },
	[CK_AUTH_PAM_SERVICE] = { "Auth", "PamService", CT_STR, "winrm", 0, 0, NULL,
	    "PAM service name (/etc/pam.d/<name>)" },
	[CK_AUTH_ALLOWED_GROUPS] = { "Auth", "AllowedGroups", CT_LIST, "", 0, 0, NULL,
	    "if set, only members of one of these groups may log in" },
	[CK_AUTH_PERMIT_ROOT] = { "Auth", "PermitRoot", CT_BOOL, "false", 0, 0, NULL,
	    "allow logins as root (uid 0)" },
	[CK_AUTH_BASIC_CACHE_S] = { "Auth", "BasicCacheSeconds", CT_UINT, "60", 0, 3600, NULL,
	    "remember a successful Basic login this long, at most AccountCheckSeconds (keyed hash, never the password; 0: off)" },
	[CK_AUTH_ACCOUNT_CHECK_S] = { "Auth", "AccountCheckSeconds", CT_UINT, "60", 0, 600, NULL,
	    "an account check (PAM account, lock, policy) is trusted this long, and never for a new shell (0: every request)" },
	[CK_AUTH_NEGOTIATE] = { "Auth", "Negotiate", CT_BOOL, "true", 0, 0, NULL,
	    "the Negotiate scheme (SPNEGO, NTLM, Kerberos through GSSAPI); offered only with a usable Keytab or NTLMUserFile" },
	[CK_AUTH_KERBEROS] = { "Auth", "Kerberos", CT_BOOL, "true", 0, 0, NULL,
	    "Kerberos, inside Negotiate and as the Kerberos scheme; needs a keytab with an HTTP/<host> key" },
	[CK_AUTH_KEYTAB] = { "Auth", "Keytab", CT_STR, "", 0, 0, NULL,
	    "Kerberos keytab of the acceptor (empty: $KRB5_KTNAME, else /etc/krb5.keytab)" },
	[CK_AUTH_NTLM_USER_FILE] = { "Auth", "NTLMUserFile", CT_STR, "", 0, 0, NULL,
	    "NTLM accounts, smbpasswd lines with NT hashes (winrmd --ntlm-passwd USER); empty: no NTLM (restart to change)", .flags = RESTART },
	[CK_AUTH_NETBIOS_DOMAIN] = { "Auth", "NetBIOSDomain", CT_STR, "", 0, 0, NULL,
	    "NTLM domain the server names; clients may send it, NetBIOSComputer or none (empty: NetBIOSComputer; restart)",
	    check_netbios, .flags = RESTART },
	[CK_AUTH_NETBIOS_COMPUTER] = { "Auth", "NetBIOSComputer", CT_STR, "", 0, 0, NULL,
	    "NTLM computer name (empty: the short host name in upper case; restart to change)", check_netbios, .flags = RESTART },
	[CK_AUTH_CBT_HARDENING] = { "Auth", "CbtHardeningLevel", CT_ENUM, "Relaxed", 0, 0, "None|Relaxed|Strict",
	    "channel binding on HTTPS: None ignores it, Relaxed refuses wrong bindings, Strict also refuses missing ones" },
	[CK_AUTH_CERTIFICATE] = { "Auth", "Certificate", CT_BOOL, "false", 0, 0, NULL,
	    "client certificates on HTTPS, verified against ClientCAFile and mapped by [CertMapping] (restart to change)", .flags = RESTART },
	[CK_AUTH_CLIENT_CA_FILE] = { "Auth", "ClientCAFile", CT_STR, "", 0, 0, NULL,
	    "PEM certificates of the authorities that issue client certificates (restart to change)", .flags = RESTART },

	[CK_PLUGINS_DIRECTORY] = { "Plugins", "Directory", CT_STR, PLUGINDIR, 0, 0, NULL,
	    "where plugins are loaded from", .flags = RESTART },
	[CK_PLUGINS_LOAD] = { "Plugins", "Load", CT_LIST, DEFAULT_PLUGINS, 0, 0, NULL,
	    "plugins to load: names in Directory, or absolute paths", .flags = RESTART },
};

static const char *
check_addresses(const char *value)
{
	static char msg[160];
	char **list = split_list(value);
	const char *err = NULL;

	if (list == NULL)
		return "out of memory";
	if (list[0] == NULL)
		err = "no address given";
	for (size_t i = 0; err == NULL && list[i] != NULL; i++) {
		unsigned char buf[16];

		if (strcmp(list[i], "*") != 0 &&
		    inet_pton(AF_INET, list[i], buf) != 1 &&
		    inet_pton(AF_INET6, list[i], buf) != 1) {
			snprintf(msg, sizeof(msg), "%s is not * or an IPv4 or "
			    "IPv6 address", list[i]);
			err = msg;
		}
	}
	free_list(list);
	return err;
}

const char *
conf_check_url_prefix(const char *value)
{
	if (value[0] == '\0' || value[0] == '/')
		return "URLPrefix must be a path without the leading /, such as wsman";
	for (const char *p = value; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("-._~/", *p) == NULL)
			return "URLPrefix may hold only letters, digits and -._~/";
	return NULL;
}

/* empty, or 1-15 characters NetBIOS allows in a name */
static const char *
check_netbios(const char *value)
{
	if (strlen(value) > 15)
		return "a NetBIOS name has at most 15 characters";
	for (const char *p = value; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    strchr("\\/:*?\"<>|.,;=+[]", *p) != NULL)
			return "a NetBIOS name may not hold blanks or any of \\/:*?\"<>|.,;=+[]";
	return NULL;
}

/* a priority string GnuTLS accepts; the message names where it stops */
static const char *
check_tls_priority(const char *value)
{
	static char msg[200];
	gnutls_priority_t prio = NULL;
	const char *where = NULL;
	int r;

	if (value[0] == '\0')
		return "TLSPriority is empty";
	if ((r = gnutls_priority_init(&prio, value, &where)) == GNUTLS_E_SUCCESS) {
		gnutls_priority_deinit(prio);
		return NULL;
	}
	if (r == GNUTLS_E_INVALID_REQUEST && where != NULL)
		snprintf(msg, sizeof(msg), "TLSPriority is not a GnuTLS priority "
		    "string: %.*s is not understood", (int)strcspn(where, ":"),
		    where);
	else
		snprintf(msg, sizeof(msg), "TLSPriority is not a GnuTLS priority "
		    "string: %s", gnutls_strerror(r));
	return msg;
}

/* a line of the file, kept in file order until its key is declared */
struct conf_line {
	char		*section, *key, *value;
	int		 line;
	bool		 indented;	/* inih's continuation of a value */
	bool		 done;		/* taken, or refused */
};

/* the file's error: the first one by line wins */
struct file_error {
	int		 line;
	char		 msg[256];
};

static void
file_error(struct file_error *fe, int line, const char *fmt, ...)
{
	va_list ap;

	if (fe->line != 0 && fe->line <= line)
		return;
	fe->line = line;
	va_start(ap, fmt);
	vsnprintf(fe->msg, sizeof(fe->msg), fmt, ap);
	va_end(ap);
}

bool
conf_parse_bool(const char *s, unsigned long long *ret)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*ret = 1;
			return true;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*ret = 0;
			return true;
		}
	}
	return false;
}

static bool
enum_has(const char *choices, const char *s)
{
	size_t n = strlen(s);

	for (const char *p = choices; *p != '\0';) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == n && strncasecmp(p, s, n) == 0)
			return true;
		p += len + (bar ? 1 : 0);
	}
	return false;
}

static char **
split_list(const char *s)
{
	size_t n = 0, cap = 4;
	char **v = calloc(cap + 1, sizeof(*v));

	if (v == NULL)
		return NULL;
	while (*s != '\0') {
		size_t len;

		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		len = strcspn(s, " \t,");
		if (len == 0)
			break;
		if (n == cap) {
			char **nv = realloc(v, (cap * 2 + 1) * sizeof(*v));

			if (nv == NULL)
				goto fail;
			v = nv;
			cap *= 2;
		}
		if ((v[n] = strndup(s, len)) == NULL)
			goto fail;
		v[++n] = NULL;
		s += len;
	}
	v[n] = NULL;
	return v;
fail:
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return NULL;
}

static void
free_list(char **v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* Checks and stores one value; returns an error message or NULL. */
static const char *
set_value(struct conf_value *cv, const struct conf_def *d, const char *text)
{
	static char msg[160];
	unsigned long long u = 0;
	char **list = NULL;
	char *copy;

	switch (d->type) {
	case CT_STR:
		break;
	case CT_BOOL:
		if (!conf_parse_bool(text, &u))
			return "expected true or false";
		break;
	case CT_UINT: {
		char *end;

		if (!isdigit((unsigned char)text[0]))
			return "expected a number";
		errno = 0;
		u = strtoull(text, &end, 10);
		if (errno != 0 || *end != '\0')
			return "expected a number";
		if (u < d->min || u > d->max) {
			snprintf(msg, sizeof(msg), "%s must be between %llu and %llu",
			    d->key, d->min, d->max);
			return msg;
		}
		break;
	}
	case CT_ENUM:
		if (!enum_has(d->choices, text)) {
			snprintf(msg, sizeof(msg), "%s must be one of %s", d->key,
			    d->choices);
			return msg;
		}
		break;
	case CT_LIST:
		if ((list = split_list(text)) == NULL)
			return "out of memory";
		break;
	}
	if (d->check != NULL) {
		const char *msg2 = d->check(text);

		if (msg2 != NULL) {
			free_list(list);
			return msg2;
		}
	}
	if ((copy = strdup(text)) == NULL) {
		free_list(list);
		return "out of memory";
	}
	free(cv->s);
	free_list(cv->list);
	cv->s = copy;
	cv->u = u;
	cv->list = list;
	return NULL;
}

/* ------------------------------------------------------------ schema */

/*
 * Lookups by name come from plugins on every request (the config plugin
 * makes dozens): a hash of the lower-cased "section\0key" to the daemon's
 * schema index, built on first use (the table is constant); declared
 * settings get a table of their own in each snapshot (config_finish).
 */
#define CONF_SLOTS	256

static uint32_t
conf_hash(const char *section, const char *key)
{
	uint32_t h = 2166136261u;

	for (const char *p = section; *p != '\0'; p++)
		h = (h ^ (unsigned char)tolower((unsigned char)*p)) * 16777619u;
	h = (h ^ 0) * 16777619u;
	for (const char *p = key; *p != '\0'; p++)
		h = (h ^ (unsigned char)tolower((unsigned char)*p)) * 16777619u;
	return h;
}

static int
conf_index(const char *section, const char *key)
{
	static short slots[CONF_SLOTS];	/* schema index + 1; 0 = empty */
	static bool built;
	uint32_t h;

	if (!built) {
		for (int i = 0; i < _CK_MAX; i++) {
			h = conf_hash(conf_defs[i].section, conf_defs[i].key);
			while (slots[h % CONF_SLOTS] != 0)
				h++;
			slots[h % CONF_SLOTS] = (short)(i + 1);
		}
		built = true;
	}
	for (h = conf_hash(section, key); slots[h % CONF_SLOTS] != 0; h++) {
		int i = slots[h % CONF_SLOTS] - 1;

		if (strcasecmp(conf_defs[i].key, key) == 0 &&
		    strcasecmp(conf_defs[i].section, section) == 0)
			return i;
	}
	return -1;
}

static bool
same_key(const struct conf_def *d, const char *section, const char *key)
{
	return strcasecmp(d->key, key) == 0 &&
	    strcasecmp(d->section, section) == 0;
}

/* index of a declared setting in cfg->decl, or -1 */
static ssize_t
decl_index(const struct config *cfg, const char *section, const char *key)
{
	if (cfg->slots != NULL) {
		for (uint32_t h = conf_hash(section, key);
		    cfg->slots[h % cfg->nslots] != 0; h++) {
			size_t k = cfg->slots[h % cfg->nslots] - 1;

			if (same_key(&cfg->decl[k].d, section, key))
				return (ssize_t)k;
		}
		return -1;
	}
	for (size_t k = 0; k < cfg->ndecl; k++)
		if (same_key(&cfg->decl[k].d, section, key))
			return (ssize_t)k;
	return -1;
}

/* the daemon's keys are 0.._CK_MAX-1, declared ones follow */
static ssize_t
schema_index(const struct config *cfg, const char *section, const char *key)
{
	int i = conf_index(section, key);
	ssize_t k;

	if (i >= 0)
		return i;
	return (k = decl_index(cfg, section, key)) < 0 ? -1 : _CK_MAX + k;
}

static const struct conf_def *
def_at(const struct config *cfg, size_t i)
{
	return i < _CK_MAX ? &conf_defs[i] : &cfg->decl[i - _CK_MAX].d;
}

static struct conf_value *
value_at(struct config *cfg, size_t i)
{
	return i < _CK_MAX ? &cfg->v[i] : &cfg->dv[i - _CK_MAX];
}

static bool
daemon_section(const char *section)
{
	if (strcasecmp(section, "CertMapping") == 0 ||
	    conf_listen_section(section))
		return true;
	for (size_t i = 0; i < _CK_MAX; i++)
		if (strcasecmp(conf_defs[i].section, section) == 0)
			return true;
	return false;
}

/* who declared a key of `section', or NULL */
static const char *
section_owner(const struct config *cfg, const char *section)
{
	for (size_t k = 0; k < cfg->ndecl; k++)
		if (strcasecmp(cfg->decl[k].d.section, section) == 0)
			return cfg->decl[k].owner;
	return NULL;
}

const struct conf_value *
config_find(const struct config *cfg, const char *section, const char *key)
{
	ssize_t i = schema_index(cfg, section, key);

	return i < 0 ? NULL : value_at((struct config *)cfg, (size_t)i);
}

const struct conf_def *
config_def(const struct config *cfg, const char *section, const char *key)
{
	ssize_t i = schema_index(cfg, section, key);

	return i < 0 ? NULL : def_at(cfg, (size_t)i);
}

/* ------------------------------------------------------------ values */

/*
 * [CertMapping]: keys are account names, not schema keys; each line is
 * checked by auth_cert.c and kept in file order.
 */
static void
take_certmap(struct config *cfg, const struct conf_line *l,
    struct file_error *fe)
{
	struct conf_entry *e;
	const char *msg;

	for (size_t i = 0; i < cfg->ncertmap; i++)
		if (strcasecmp(cfg->certmap[i].key, l->key) == 0) {
			file_error(fe, l->line, "%s is set twice (first on line "
			    "%d)", l->key, cfg->certmap[i].line);
			return;
		}
	if ((msg = certmap_check_entry(l->key, l->value)) != NULL) {
		file_error(fe, l->line, "[CertMapping] %s = %s: %s", l->key,
		    l->value, msg);
		return;
	}
	if ((e = realloc(cfg->certmap, (cfg->ncertmap + 1) * sizeof(*e))) == NULL) {
		file_error(fe, l->line, "out of memory");
		return;
	}
	cfg->certmap = e;
	e = &cfg->certmap[cfg->ncertmap];
	e->key = strdup(l->key);
	e->value = strdup(l->value);
	e->line = l->line;
	if (e->key == NULL || e->value == NULL) {
		free(e->key);
		free(e->value);
		file_error(fe, l->line, "out of memory");
		return;
	}
	cfg->ncertmap++;
}

/* the line l for the schema key i; prev: the line before it in the file */
static void
take_value(struct config *cfg, size_t i, const struct conf_line *l,
    const struct conf_line *prev, struct file_error *fe)
{
	const struct conf_def *d = def_at(cfg, i);
	struct conf_value *cv = value_at(cfg, i);
	const char *msg;

	/*
	 * an indented line after a key continues its value (inih's
	 * multi-line values): more words of a list, so that a long list
	 * (Load) need not be one line of at most 198 characters
	 */
	if (l->indented && prev != NULL && cv->line != 0 &&
	    strcasecmp(prev->section, l->section) == 0 &&
	    strcasecmp(prev->key, l->key) == 0 && d->type == CT_LIST &&
	    strchr(l->value, '=') == NULL) {
		char *all;

		if (asprintf(&all, "%s %s", cv->s ? cv->s : "", l->value) < 0) {
			file_error(fe, l->line, "out of memory");
			return;
		}
		msg = set_value(cv, d, all);
		free(all);
		if (msg != NULL)
			file_error(fe, l->line, "[%s] %s, continued: %s",
			    d->section, d->key, msg);
		return;
	}
	if (cv->line != 0) {
		file_error(fe, l->line, "%s is set twice (first on line %d)",
		    d->key, cv->line);
		return;
	}
	if ((msg = set_value(cv, d, l->value)) != NULL) {
		file_error(fe, l->line, "[%s] %s = %s: %s", d->section, d->key,
		    l->value, msg);
		return;
	}
	cv->line = l->line;
}

/*
 * Takes the kept lines whose keys are known now, in file order; a line of
 * a daemon section with an unknown key is refused at once (nobody else may
 * declare it).
 */
static void
take_lines(struct config *cfg, struct file_error *fe)
{
	for (size_t j = 0; j < cfg->npending; j++) {
		struct conf_line *l = &cfg->pending[j];
		ssize_t i;

		if (l->done)
			continue;
		if (strcasecmp(l->section, "CertMapping") == 0) {
			l->done = true;
			take_certmap(cfg, l, fe);
			continue;
		}
		if (conf_listen_section(l->section)) {
			char msg[256];

			l->done = true;
			if (conf_listen_take(cfg, l->section, l->key, l->value,
			    l->line, msg, sizeof(msg)) != NULL)
				file_error(fe, l->line, "%s", msg);
			continue;
		}
		if ((i = schema_index(cfg, l->section, l->key)) < 0) {
			if (daemon_section(l->section)) {
				l->done = true;
				file_error(fe, l->line, "unknown key %s in [%s]",
				    l->key, l->section);
			}
			continue;
		}
		l->done = true;
		take_value(cfg, (size_t)i, l, j > 0 ? &cfg->pending[j - 1] :
		    NULL, fe);
	}
}

static int
report(const struct config *cfg, const struct file_error *fe, char *err,
    size_t errlen)
{
	if (fe->line == 0)
		return 0;
	snprintf(err, errlen, "%s:%d: %s", cfg->path ? cfg->path : "(defaults)",
	    fe->line, fe->msg);
	return -1;
}

/* ------------------------------------------------------------ reading */

struct read_state {
	struct config	*cfg;
	FILE		*fp;
	int		 line;
	bool		 indented;	/* the line starts with white space */
	struct file_error fe;
};

/* inih's handler: every line is kept, in file order */
static int
on_key(void *user, const char *section, const char *name, const char *value)
{
	struct read_state *rs = user;
	struct config *cfg = rs->cfg;
	struct conf_line *l;

	if (section[0] == '\0') {
		file_error(&rs->fe, rs->line, "%s is outside any [section]", name);
		return 0;
	}
	if ((l = reallocarray(cfg->pending, cfg->npending + 1,
	    sizeof(*l))) == NULL) {
		file_error(&rs->fe, rs->line, "out of memory");
		return 0;
	}
	cfg->pending = l;
	l = &cfg->pending[cfg->npending];
	memset(l, 0, sizeof(*l));
	l->line = rs->line;
	l->indented = rs->indented;
	if ((l->section = strdup(section)) == NULL ||
	    (l->key = strdup(name)) == NULL ||
	    (l->value = strdup(value)) == NULL) {
		free(l->section);
		free(l->key);
		file_error(&rs->fe, rs->line, "out of memory");
		return 0;
	}
	cfg->npending++;
	return 1;
}

/* inih's line reader: counts lines and refuses lines it would split. */
static char *
read_line(char *buf, int size, void *stream)
{
	struct read_state *rs = stream;
	size_t len;

	if (fgets(buf, size, rs->fp) == NULL)
		return NULL;
	rs->line++;
	rs->indented = buf[0] == ' ' || buf[0] == '\t';
	len = strlen(buf);
	if (len == (size_t)size - 1 && buf[len - 1] != '\n' && !feof(rs->fp)) {
		int c;

		file_error(&rs->fe, rs->line, "line longer than %d characters",
		    size - 2);
		while ((c = fgetc(rs->fp)) != EOF && c != '\n')
			;
		buf[0] = '\0';
	}
	return buf;
}

/* the file; after the drop the monitor opens it (privsep.c), its own */
static FILE *
config_open(const char *path)
{
	FILE *fp;
	int fd;

	if (!privsep_dropped())
		return fopen(path, "re");
	if ((fd = mon_conf_open()) < 0) {
		errno = -fd;
		return NULL;
	}
	if ((fp = fdopen(fd, "re")) == NULL)
		close(fd);
	return fp;
}

struct config *
config_parse(const char *path, char *err, size_t errlen)
{
	struct read_state rs = { 0 };
	struct config *cfg;
	struct stat st;
	int rc;

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < _CK_MAX; i++) {
		const char *msg = set_value(&cfg->v[i], &conf_defs[i],
		    conf_defs[i].def);

		if (msg != NULL) {
			snprintf(err, errlen, "built-in default of %s: %s",
			    conf_defs[i].key, msg);
			config_free(cfg);
			return NULL;
		}
	}
	if (path == NULL) {
		int line = 0;

		if (conf_listen_build(cfg, &line, err, errlen) < 0) {
			config_free(cfg);
			return NULL;
		}
		return cfg;
	}
	if ((cfg->path = strdup(path)) == NULL ||
	    (rs.fp = config_open(path)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		config_free(cfg);
		return NULL;
	}
	/* a directory opens and reads as an empty file: all defaults */
	if (fstat(fileno(rs.fp), &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		fclose(rs.fp);
		config_free(cfg);
		return NULL;
	}
	rs.cfg = cfg;
	rc = ini_parse_stream(read_line, &rs, on_key, &rs);
	fclose(rs.fp);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot be read", path);
		config_free(cfg);
		return NULL;
	}
	/* a syntax error is a line inih refused that our handler did not */
	if (rc > 0 && (rs.fe.line == 0 || rc < rs.fe.line))
		file_error(&rs.fe, rc, "syntax error (expected [Section] or "
		    "Key = Value)");
	take_lines(cfg, &rs.fe);
	if (rs.fe.line == 0) {
		char msg[256];
		int line = 0;

		if (conf_listen_build(cfg, &line, msg, sizeof(msg)) < 0)
			file_error(&rs.fe, line, "%s", msg);
	}
	if (report(cfg, &rs.fe, err, errlen) < 0) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* ------------------------------------------------------- declarations */

static bool
name_ok(const char *s)
{
	if (s == NULL || s[0] == '\0' || strlen(s) > 64)
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("_-.", *s) == NULL)
			return false;
	return true;
}

/* what is wrong with a declared setting, or NULL */
static const char *
decl_problem(const struct winrmd_setting *t)
{
	static char msg[160];
	struct conf_value v = { 0 };
	struct conf_def d = {
		.section = t->section, .key = t->key,
		.type = (enum conf_type)t->type, .def = t->def,
		.min = t->min, .max = t->max, .choices = t->choices,
	};
	const char *why;

	if (!name_ok(t->section) || !name_ok(t->key))
		return "a section and key name of letters, digits and _-. are "
		    "needed";
	if ((unsigned)t->type > WINRMD_SETTING_LIST)
		return "an unknown type";
	if (t->type == WINRMD_SETTING_ENUM &&
	    (t->choices == NULL || t->choices[0] == '\0'))
		return "a choice of values without choices";
	if (t->type == WINRMD_SETTING_UINT && t->min > t->max)
		return "a range whose minimum is above its maximum";
	if (t->help == NULL || t->help[0] == '\0')
		return "no help text";
	if (t->def == NULL)
		return "no default";
	if (daemon_section(t->section))
		return "a section of the daemon's";
	if ((why = set_value(&v, &d, t->def)) != NULL) {
		snprintf(msg, sizeof(msg), "its default %s is refused: %s",
		    t->def, why);
		why = msg;
	}
	free(v.s);
	free_list(v.list);
	return why;
}

static bool
decl_same(const struct conf_def *d, const struct winrmd_setting *t)
{
	return d->type == (enum conf_type)t->type &&
	    strcmp(d->def, t->def) == 0 && d->flags == t->flags &&
	    (d->type != CT_UINT || (d->min == t->min && d->max == t->max)) &&
	    (d->type != CT_ENUM || strcasecmp(d->choices, t->choices) == 0);
}

static int
decl_add(struct config *cfg, const char *owner, const struct winrmd_setting *t)
{
	struct conf_decl *nd;
	struct conf_value *nv;
	struct conf_def *d;

	if ((nd = reallocarray(cfg->decl, cfg->ndecl + 1, sizeof(*nd))) == NULL)
		return -1;
	cfg->decl = nd;
	if ((nv = reallocarray(cfg->dv, cfg->ndecl + 1, sizeof(*nv))) == NULL)
		return -1;
	cfg->dv = nv;
	memset(&nd[cfg->ndecl], 0, sizeof(*nd));
	memset(&nv[cfg->ndecl], 0, sizeof(*nv));
	d = &nd[cfg->ndecl].d;
	d->type = (enum conf_type)t->type;
	d->min = t->min;
	d->max = t->max;
	d->flags = t->flags;
	d->section = strdup(t->section);
	d->key = strdup(t->key);
	d->def = strdup(t->def);
	d->help = strdup(t->help);
	d->choices = t->choices ? strdup(t->choices) : NULL;
	nd[cfg->ndecl].owner = strdup(owner);
	cfg->ndecl++;	/* freed with the snapshot, whole or not */
	if (d->section == NULL || d->key == NULL || d->def == NULL ||
	    d->help == NULL || (t->choices != NULL && d->choices == NULL) ||
	    nd[cfg->ndecl - 1].owner == NULL)
		return -1;
	return set_value(&nv[cfg->ndecl - 1], d, d->def) == NULL ? 0 : -1;
}

int
config_declare(struct config *cfg, const char *owner,
    const struct winrmd_setting *table, char *err, size_t errlen)
{
	struct file_error fe = { 0 };

	for (const struct winrmd_setting *t = table; t && t->section; t++) {
		const char *why = decl_problem(t);
		ssize_t k;

		if (why != NULL) {
			snprintf(err, errlen, "%s declares [%s] %s with %s", owner,
			    t->section ? t->section : "?", t->key ? t->key : "?",
			    why);
			return -1;
		}
		if ((k = decl_index(cfg, t->section, t->key)) >= 0) {
			if (decl_same(&cfg->decl[k].d, t))
				continue;
			snprintf(err, errlen, "%s declares [%s] %s otherwise than "
			    "%s does", owner, t->section, t->key,
			    cfg->decl[k].owner);
			return -1;
		}
		if (decl_add(cfg, owner, t) < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	take_lines(cfg, &fe);
	/* kept for config_finish(): the first by line */
	if (fe.line != 0 && (cfg->err_line == 0 || fe.line < cfg->err_line)) {
		cfg->err_line = fe.line;
		snprintf(cfg->err_msg, sizeof(cfg->err_msg), "%s", fe.msg);
	}
	return 0;
}

int
config_finish(struct config *cfg, char *err, size_t errlen)
{
	struct file_error fe = { cfg->err_line, "" };

	snprintf(fe.msg, sizeof(fe.msg), "%s", cfg->err_msg);

	for (size_t j = 0; j < cfg->npending; j++) {
		const struct conf_line *l = &cfg->pending[j];
		const char *owner;

		if (l->done)
			continue;
		if ((owner = section_owner(cfg, l->section)) != NULL)
			file_error(&fe, l->line, "unknown key %s in [%s] (its "
			    "keys are declared by %s)", l->key, l->section,
			    owner);
		else
			file_error(&fe, l->line, "unknown section [%s]: neither "
			    "the daemon nor a plugin it loads declares it",
			    l->section);
	}
	if (report(cfg, &fe, err, errlen) < 0)
		return -1;
	for (size_t j = 0; j < cfg->npending; j++) {
		free(cfg->pending[j].section);
		free(cfg->pending[j].key);
		free(cfg->pending[j].value);
	}
	free(cfg->pending);
	cfg->pending = NULL;
	cfg->npending = 0;
	/* the declared settings' lookup table: at most half full */
	for (cfg->nslots = 16; cfg->nslots < 2 * cfg->ndecl; cfg->nslots *= 2)
		;
	if ((cfg->slots = calloc(cfg->nslots, sizeof(*cfg->slots))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t k = 0; k < cfg->ndecl; k++) {
		uint32_t h = conf_hash(cfg->decl[k].d.section, cfg->decl[k].d.key);

		while (cfg->slots[h % cfg->nslots] != 0)
			h++;
		cfg->slots[h % cfg->nslots] = (unsigned)(k + 1);
	}
	return 0;
}

struct config *
config_load(const char *path, char *err, size_t errlen)
{
	struct config *cfg = config_parse(path, err, errlen);

	if (cfg != NULL && config_finish(cfg, err, errlen) < 0) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

static void
value_free(struct conf_value *v)
{
	free(v->s);
	free_list(v->list);
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < _CK_MAX; i++)
		value_free(&cfg->v[i]);
	for (size_t k = 0; k < cfg->ndecl; k++) {
		struct conf_def *d = &cfg->decl[k].d;

		value_free(&cfg->dv[k]);
		free((char *)d->section);
		free((char *)d->key);
		free((char *)d->def);
		free((char *)d->help);
		free((char *)d->choices);
		free(cfg->decl[k].owner);
	}
	free(cfg->decl);
	free(cfg->dv);
	for (size_t j = 0; j < cfg->npending; j++) {
		free(cfg->pending[j].section);
		free(cfg->pending[j].key);
		free(cfg->pending[j].value);
	}
	free(cfg->pending);
	for (size_t i = 0; i < cfg->ncertmap; i++) {
		free(cfg->certmap[i].key);
		free(cfg->certmap[i].value);
	}
	free(cfg->certmap);
	conf_listen_free(cfg);
	free(cfg->slots);
	free(cfg->path);
	free(cfg);
}

void
config_restart_changes(const struct config *old, const struct config *cfg,
    void (*fn)(const struct conf_def *d, void *arg), void *arg)
{
	for (size_t i = 0; i < _CK_MAX + cfg->ndecl; i++) {
		const struct conf_def *d = def_at(cfg, i);
		const struct conf_value *was;

		if (!(d->flags & WINRMD_SETTING_RESTART) ||
		    (was = config_find(old, d->section, d->key)) == NULL)
			continue;
		if (strcmp(was->s, value_at((struct config *)cfg, i)->s) != 0)
			fn(d, arg);
	}
	conf_listen_changes(old, cfg, fn, arg);
}

/* ------------------------------------------------------------ example */

static void
certmap_example(FILE *out)
{
	fprintf(out, "\n# Client certificates ([Auth] Certificate = true) to local "
	    "accounts, one line per\n# account: ACCOUNT = RULE [| RULE]..., RULE "
	    "being thumbprint=<SHA-1 hex>,\n# upn=<UPN of the subjectAltName> or "
	    "subject=<RFC 2253 subject>; and\n# * = upn=*@REALM maps any UPN of "
	    "REALM to the account of its user part.\n[CertMapping]\n"
	    "#alice = upn=alice@example.com | thumbprint=0123456789abcdef0123456789abcdef01234567\n");
}

void
config_write_example(FILE *out, const struct config *cfg)
{
	const char *section = "";

	fprintf(out, "# winrmd configuration: every key, commented out, "
	    "with its default.\n# Keys start at the beginning of a line; "
	    "comments start with # or ;.\n");
	for (size_t i = 0; i < _CK_MAX; i++) {
		const struct conf_def *d = &conf_defs[i];

		if (strcmp(section, d->section) != 0) {
			if (strcmp(section, "Auth") == 0)
				certmap_example(out);
			section = d->section;
			fprintf(out, "\n[%s]\n", section);
		}
		fprintf(out, "# %s\n#%s = %s\n", d->help, d->key, d->def);
	}
	/* declared settings, a section at a time, in the order declared */
	for (size_t k = 0; k < cfg->ndecl; k++) {
		const char *sec = cfg->decl[k].d.section;
		bool seen = false;

		for (size_t j = 0; j < k && !seen; j++)
			seen = strcasecmp(cfg->decl[j].d.section, sec) == 0;
		if (seen)
			continue;
		fprintf(out, "\n# the settings of %s\n[%s]\n",
		    cfg->decl[k].owner, sec);
		for (size_t j = k; j < cfg->ndecl; j++) {
			const struct conf_def *d = &cfg->decl[j].d;

			if (strcasecmp(d->section, sec) == 0)
				fprintf(out, "# %s\n#%s = %s\n", d->help, d->key,
				    d->def);
		}
	}
}
