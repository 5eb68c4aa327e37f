/*
 * config.c: the schema of the configuration file and its parser.
 *
 * The file is INI (inih), with section and key names that follow
 * `winrm get winrm/config'.  Every key is checked against the schema here:
 * an unknown section or key, a bad value or a key set twice is an error that
 * names the file and line.  The result is immutable.
 */
#include "build.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <ini.h>

#include "auth_cert.h"
#include "config.h"

#define U32MAX	4294967295ULL

#ifndef NATIVE_HELPER	/* set by native/local.am */
#define NATIVE_HELPER	"/usr/local/libexec/winrmd/winrmd-native"
#endif

static const char *check_addresses(const char *value);
static const char *check_url_prefix(const char *value);
static const char *check_netbios(const char *value);
static const char *check_tls_priority(const char *value);
static char **split_list(const char *s);
static void free_list(char **v);

const struct conf_def conf_defs[_CK_MAX] = {
	[CK_LISTENER_ADDRESS] = { "Listener", "Address", CT_LIST, "*", 0, 0, NULL,
	    "addresses to listen on: * (all, IPv4 and IPv6), or a list such as 127.0.0.1 ::1",
	    check_addresses },
	[CK_LISTENER_HTTP_PORT] = { "Listener", "HTTPPort", CT_UINT, "5985", 0, 65535, NULL,
	    "HTTP port; 0 disables the HTTP listener" },
	[CK_LISTENER_HTTPS_PORT] = { "Listener", "HTTPSPort", CT_UINT, "5986", 0, 65535, NULL,
	    "HTTPS port; 0 disables the HTTPS listener" },
	[CK_LISTENER_URL_PREFIX] = { "Listener", "URLPrefix", CT_STR, "wsman", 0, 0, NULL,
	    "URL path clients POST to (without the leading /)", check_url_prefix },
	[CK_LISTENER_CERT_FILE] = { "Listener", "CertificateFile", CT_STR,
	    SYSCONFDIR "/winrmd/winrmd.crt", 0, 0, NULL,
	    "PEM certificate for HTTPS; created self-signed on first start if missing" },
	[CK_LISTENER_KEY_FILE] = { "Listener", "KeyFile", CT_STR,
	    SYSCONFDIR "/winrmd/winrmd.key", 0, 0, NULL,
	    "PEM private key for HTTPS; created (mode 0600) with the certificate" },
	[CK_LISTENER_TLS_PRIORITY] = { "Listener", "TLSPriority", CT_STR, TLS_PRIORITY_DEFAULT, 0, 0, NULL,
	    "GnuTLS priority string of HTTPS: by default TLS 1.3, and TLS 1.2 with ECDHE/DHE and AEAD ciphers only (restart to change)",
	    check_tls_priority },

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
	    "a connection idle this long is closed" },
	[CK_SERVICE_HEADER_TIMEOUT_S] = { "Service", "HeaderTimeoutSeconds", CT_UINT, "20", 1, 3600, NULL,
	    "a connection not authenticated whose request headers are not in this long after it opened (or its last answer) is closed" },
	[CK_SERVICE_UNAUTHENTICATED_TIMEOUT_S] = { "Service", "UnauthenticatedTimeoutSeconds", CT_UINT, "60", 1, 3600, NULL,
	    "a connection not authenticated whose whole request is not in this long after it opened (or its last answer) is closed" },
	[CK_SERVICE_IPV6_PREFIX_LENGTH] = { "Service", "IPv6PrefixLength", CT_UINT, "64", 32, 128, NULL,
	    "MaxConnectionsPerIP counts IPv6 clients by this many leading bits of their address (64: a /64 is one client)" },
	[CK_SERVICE_ENUMERATION_TIMEOUT_MS] = { "Service", "EnumerationTimeoutms", CT_UINT, "60000", 500, U32MAX, NULL,
	    "an enumeration context not pulled for this long expires" },
	[CK_SERVICE_MAX_BATCH_ITEMS] = { "Service", "MaxBatchItems", CT_UINT, "1000", 1, 32000, NULL,
	    "upper bound of a Pull's MaxElements" },
	[CK_SERVICE_MAX_OPERATIONS_PER_USER] = { "Service", "MaxConcurrentOperationsPerUser", CT_UINT, "100", 1, 100000, NULL,
	    "open enumeration contexts per user" },
	[CK_SERVICE_LOG_LEVEL] = { "Service", "LogLevel", CT_ENUM, "info", 0, 0, "error|warning|notice|info|debug",
	    "least important messages logged" },

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
	    "NTLM accounts, smbpasswd lines with NT hashes (winrmd --ntlm-passwd USER); empty: no NTLM (restart to change)" },
	[CK_AUTH_NETBIOS_DOMAIN] = { "Auth", "NetBIOSDomain", CT_STR, "", 0, 0, NULL,
	    "NTLM domain the server names; clients may send it, NetBIOSComputer or none (empty: NetBIOSComputer; restart)",
	    check_netbios },
	[CK_AUTH_NETBIOS_COMPUTER] = { "Auth", "NetBIOSComputer", CT_STR, "", 0, 0, NULL,
	    "NTLM computer name (empty: the short host name in upper case; restart to change)", check_netbios },
	[CK_AUTH_CBT_HARDENING] = { "Auth", "CbtHardeningLevel", CT_ENUM, "Relaxed", 0, 0, "None|Relaxed|Strict",
	    "channel binding on HTTPS: None ignores it, Relaxed refuses wrong bindings, Strict also refuses missing ones" },
	[CK_AUTH_CERTIFICATE] = { "Auth", "Certificate", CT_BOOL, "false", 0, 0, NULL,
	    "client certificates on HTTPS, verified against ClientCAFile and mapped by [CertMapping] (restart to change)" },
	[CK_AUTH_CLIENT_CA_FILE] = { "Auth", "ClientCAFile", CT_STR, "", 0, 0, NULL,
	    "PEM certificates of the authorities that issue client certificates (restart to change)" },

	[CK_WINRS_ALLOW_REMOTE_SHELL] = { "Winrs", "AllowRemoteShellAccess", CT_BOOL, "true", 0, 0, NULL,
	    "allow remote shells (WinRS) at all" },
	[CK_WINRS_IDLE_TIMEOUT] = { "Winrs", "IdleTimeout", CT_UINT, "7200000", 1000, U32MAX, NULL,
	    "ms a shell may stay without requests before it is deleted and its processes killed" },
	[CK_WINRS_MAX_SHELLS_PER_USER] = { "Winrs", "MaxShellsPerUser", CT_UINT, "30", 1, 100000, NULL,
	    "open shells per user" },
	[CK_WINRS_MAX_CONCURRENT_USERS] = { "Winrs", "MaxConcurrentUsers", CT_UINT, "10", 1, 100000, NULL,
	    "users with open shells at the same time" },
	[CK_WINRS_MAX_PROCESSES_PER_SHELL] = { "Winrs", "MaxProcessesPerShell", CT_UINT, "25", 1, 100000, NULL,
	    "commands a shell may have running at once, and processes its commands may run at once (cgroup pids.max, or RLIMIT_NPROC)" },
	[CK_WINRS_MAX_MEMORY_PER_SHELL_MB] = { "Winrs", "MaxMemoryPerShellMB", CT_UINT, "1024", 0, 1048576, NULL,
	    "memory of a shell's processes in MiB (cgroup memory.max, or RLIMIT_AS per process; 0: no limit)" },
	[CK_WINRS_MAX_COMMANDS_PER_SHELL] = { "Winrs", "MaxCommandsPerShell", CT_UINT, "1000", 1, 100000, NULL,
	    "commands a shell keeps at once (running or not yet signalled)" },
	[CK_WINRS_MAX_PROCESSES_PER_USER] = { "Winrs", "MaxProcessesPerUser", CT_UINT, "100", 1, 100000, NULL,
	    "commands one user may have running at once, all shells together (each holds 4 of the daemon's descriptors)" },
	[CK_WINRS_MAX_STDIN_PER_USER_MB] = { "Winrs", "MaxStdinPerUserMB", CT_UINT, "16", 1, 4096, NULL,
	    "stdin sent to one user's commands and not yet read by them, in MiB, all commands together" },
	[CK_WINRS_POWERSHELL] = { "Winrs", "PowerShell", CT_ENUM, "auto", 0, 0, "auto|pwsh|sh",
	    "PowerShell command lines: pwsh if installed (auto), always pwsh, or always the user's shell" },
	[CK_WINRS_NATIVE_HELPER] = { "Winrs", "NativeHelper", CT_STR, NATIVE_HELPER, 0, 0, NULL,
	    "the program that runs Ansible's scripts and modules natively, as the user" },

	[CK_CIM_PROVIDERS] = { "CIM", "Providers", CT_LIST, DEFAULT_PROVIDERS, 0, 0, NULL,
	    "CIM class providers the cim plugin loads: names in ProviderDirectory, or absolute paths" },
	[CK_CIM_PROVIDER_DIRECTORY] = { "CIM", "ProviderDirectory", CT_STR, PROVIDERDIR, 0, 0, NULL,
	    "where CIM class providers are loaded from" },

	/* the win32 provider (providers/win32), read at each call */
	[CK_WIN32_MAX_PROCESSES_PER_USER] = { "Win32", "MaxProcessesPerUser", CT_UINT, "25", 1, 100000, NULL,
	    "processes Win32_Process.Create may have running for one user, their children included" },
	[CK_WIN32_MAX_MEMORY_PER_USER_MB] = { "Win32", "MaxMemoryPerUserMB", CT_UINT, "1024", 0, 1048576, NULL,
	    "memory of those processes in MiB (cgroup memory.max, or RLIMIT_AS per process; 0: no limit)" },

	[CK_CONFIG_ADMIN_GROUPS] = { "Config", "AdminGroups", CT_LIST, "sudo wheel", 0, 0, NULL,
	    "members of these groups may read the configuration (winrm get winrm/config)" },
	[CK_CONFIG_ALLOW_PUT] = { "Config", "AllowPut", CT_BOOL, "false", 0, 0, NULL,
	    "allow admins to change the configuration remotely (winrm set); off: AccessDenied" },

	[CK_PLUGINS_DIRECTORY] = { "Plugins", "Directory", CT_STR, PLUGINDIR, 0, 0, NULL,
	    "where plugins are loaded from" },
	[CK_PLUGINS_LOAD] = { "Plugins", "Load", CT_LIST, DEFAULT_PLUGINS, 0, 0, NULL,
	    "plugins to load: names in Directory, or absolute paths" },

	/* the IPMI provider (providers/ipmi), read when it starts */
	[CK_IPMI_DRIVER] = { "IPMI", "Driver", CT_ENUM, "auto", 0, 0, "auto|inband|lan",
	    "the BMC: auto (the local one if /dev/ipmi0 exists, else Host if set, else none), inband, or lan (Host)" },
	[CK_IPMI_HOST] = { "IPMI", "Host", CT_STR, "", 0, 0, NULL,
	    "the BMC on the network: host:port or [IPv6]:port (port 623 if none)" },
	[CK_IPMI_USER] = { "IPMI", "User", CT_STR, "", 0, 0, NULL,
	    "BMC user for Host (empty: anonymous)" },
	[CK_IPMI_PASSWORD] = { "IPMI", "Password", CT_STR, "", 0, 0, NULL,
	    "BMC password for Host; never logged: keep this file unreadable to others" },
	[CK_IPMI_PROTOCOL] = { "IPMI", "Protocol", CT_ENUM, "2.0", 0, 0, "2.0|1.5",
	    "IPMI version on the network: 2.0 (RMCP+) or 1.5" },
	[CK_IPMI_CIPHER_SUITE] = { "IPMI", "CipherSuite", CT_UINT, "3", 0, 17, NULL,
	    "IPMI 2.0 cipher suite (3: SHA1 and AES, 17: SHA256 and AES)" },
	[CK_IPMI_PRIVILEGE_LEVEL] = { "IPMI", "PrivilegeLevel", CT_ENUM, "user", 0, 0, "user|operator|admin",
	    "session privilege; power control needs operator or admin" },
	[CK_IPMI_WORKAROUND_FLAGS] = { "IPMI", "WorkaroundFlags", CT_LIST, "", 0, 0, NULL,
	    "FreeIPMI workarounds for odd BMCs (ipmi-sensors -W): opensesspriv, authcap, intel20, supermicro20, sun20, ..." },
	[CK_IPMI_CACHE_S] = { "IPMI", "CacheSeconds", CT_UINT, "5", 0, 3600, NULL,
	    "readings this young are answered from the cache (0: ask the BMC each time)" },
	[CK_IPMI_TIMEOUT_S] = { "IPMI", "TimeoutSeconds", CT_UINT, "10", 1, 300, NULL,
	    "a BMC that does not answer within this many seconds makes the request fault" },
	[CK_IPMI_SDR_CACHE_DIRECTORY] = { "IPMI", "SDRCacheDirectory", CT_STR, "/var/cache/winrmd/ipmi", 0, 0, NULL,
	    "where the BMC's sensor records (SDR) are cached; created with mode 0700" },
	[CK_IPMI_ADMIN_GROUPS] = { "IPMI", "AdminGroups", CT_LIST, "", 0, 0, NULL,
	    "members of these groups may switch the power (CIM_ComputerSystem RequestStateChange); empty: nobody" },
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

static const char *
check_url_prefix(const char *value)
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

struct parse_state {
	struct config	*cfg;
	FILE		*fp;
	int		 line;
	bool		 indented;	/* the line starts with white space */
	int		 prev_key;	/* the key set last, or -1 */
	int		 err_line;
	char		 err[256];
};

static void
set_error(struct parse_state *ps, const char *fmt, ...)
{
	va_list ap;

	if (ps->err_line != 0)
		return;
	ps->err_line = ps->line;
	va_start(ap, fmt);
	vsnprintf(ps->err, sizeof(ps->err), fmt, ap);
	va_end(ap);
}

static bool
parse_bool(const char *s, unsigned long long *ret)
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
		if (!parse_bool(text, &u))
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

/*
 * [CertMapping]: keys are account names, not schema keys; each line is
 * checked by auth_cert.c and kept in file order.
 */
static int
on_certmap(struct parse_state *ps, const char *name, const char *value)
{
	struct config *cfg = ps->cfg;
	struct conf_entry *e;
	const char *msg;

	for (size_t i = 0; i < cfg->ncertmap; i++)
		if (strcasecmp(cfg->certmap[i].key, name) == 0) {
			set_error(ps, "%s is set twice (first on line %d)", name,
			    cfg->certmap[i].line);
			return 0;
		}
	if ((msg = certmap_check_entry(name, value)) != NULL) {
		set_error(ps, "[CertMapping] %s = %s: %s", name, value, msg);
		return 0;
	}
	if ((e = realloc(cfg->certmap, (cfg->ncertmap + 1) * sizeof(*e))) == NULL) {
		set_error(ps, "out of memory");
		return 0;
	}
	cfg->certmap = e;
	e = &cfg->certmap[cfg->ncertmap];
	e->key = strdup(name);
	e->value = strdup(value);
	e->line = ps->line;
	if (e->key == NULL || e->value == NULL) {
		free(e->key);
		free(e->value);
		set_error(ps, "out of memory");
		return 0;
	}
	cfg->ncertmap++;
	return 1;
}

/* an indented line with more words for the list key i */
static int
continue_list(struct parse_state *ps, size_t i, const char *value)
{
	const struct conf_def *d = &conf_defs[i];
	struct conf_value *cv = &ps->cfg->v[i];
	const char *msg;
	char *all;

	if (asprintf(&all, "%s %s", cv->s ? cv->s : "", value) < 0) {
		set_error(ps, "out of memory");
		return 0;
	}
	msg = set_value(cv, d, all);
	free(all);
	if (msg != NULL) {
		set_error(ps, "[%s] %s, continued: %s", d->section, d->key, msg);
		return 0;
	}
	return 1;
}

static int
on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *ps = user;
	bool known_section = false;

	if (strcasecmp(section, "CertMapping") == 0)
		return on_certmap(ps, name, value);

	for (size_t i = 0; i < _CK_MAX; i++) {
		const struct conf_def *d = &conf_defs[i];
		const char *msg;

		if (strcasecmp(d->section, section) != 0)
			continue;
		known_section = true;
		if (strcasecmp(d->key, name) != 0)
			continue;
		/*
		 * an indented line after a key continues its value (inih's
		 * multi-line values): more words of a list, so that a long
		 * list (Load) need not be one line of at most 198 characters
		 */
		if (ps->indented && ps->prev_key == (int)i &&
		    d->type == CT_LIST && strchr(value, '=') == NULL)
			return continue_list(ps, i, value);
		if (ps->cfg->v[i].line != 0) {
			set_error(ps, "%s is set twice (first on line %d)", d->key,
			    ps->cfg->v[i].line);
			return 0;
		}
		if ((msg = set_value(&ps->cfg->v[i], d, value)) != NULL) {
			set_error(ps, "[%s] %s = %s: %s", d->section, d->key, value,
			    msg);
			return 0;
		}
		ps->cfg->v[i].line = ps->line;
		ps->prev_key = (int)i;
		return 1;
	}
	if (section[0] == '\0')
		set_error(ps, "%s is outside any [section]", name);
	else if (!known_section)
		set_error(ps, "unknown section [%s]", section);
	else
		set_error(ps, "unknown key %s in [%s]", name, section);
	return 0;
}

/* inih's line reader: counts lines and refuses lines it would split. */
static char *
read_line(char *buf, int size, void *stream)
{
	struct parse_state *ps = stream;
	size_t len;

	if (fgets(buf, size, ps->fp) == NULL)
		return NULL;
	ps->line++;
	ps->indented = buf[0] == ' ' || buf[0] == '\t';
	len = strlen(buf);
	if (len == (size_t)size - 1 && buf[len - 1] != '\n' && !feof(ps->fp)) {
		int c;

		set_error(ps, "line longer than %d characters", size - 2);
		while ((c = fgetc(ps->fp)) != EOF && c != '\n')
			;
		buf[0] = '\0';
	}
	return buf;
}

struct config *
config_load(const char *path, char *err, size_t errlen)
{
	struct parse_state ps = { .prev_key = -1 };
	struct config *cfg;
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
	if (path == NULL)
		return cfg;
	if ((cfg->path = strdup(path)) == NULL ||
	    (ps.fp = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		config_free(cfg);
		return NULL;
	}
	ps.cfg = cfg;
	rc = ini_parse_stream(read_line, &ps, on_key, &ps);
	fclose(ps.fp);
	if (rc != 0 || ps.err_line != 0) {
		if (ps.err_line != 0 && (rc <= 0 || ps.err_line <= rc))
			snprintf(err, errlen, "%s:%d: %s", path, ps.err_line, ps.err);
		else if (rc > 0)
			snprintf(err, errlen, "%s:%d: syntax error (expected "
			    "[Section] or Key = Value)", path, rc);
		else
			snprintf(err, errlen, "%s: cannot be read", path);
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < _CK_MAX; i++) {
		free(cfg->v[i].s);
		free_list(cfg->v[i].list);
	}
	for (size_t i = 0; i < cfg->ncertmap; i++) {
		free(cfg->certmap[i].key);
		free(cfg->certmap[i].value);
	}
	free(cfg->certmap);
	free(cfg->path);
	free(cfg);
}

/*
 * Lookups by name come from plugins on every request (the config plugin
 * makes dozens): a hash of the lower-cased "section\0key" to the schema
 * index, built on first use (the schema is constant).
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

const struct conf_value *
config_find(const struct config *cfg, const char *section, const char *key)
{
	int i = conf_index(section, key);

	return i >= 0 ? &cfg->v[i] : NULL;
}

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
config_write_example(FILE *out)
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
}
