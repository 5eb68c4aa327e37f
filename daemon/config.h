/*
 * config.h: the configuration file, parsed into an immutable snapshot.
 *
 * One schema table (config.c) lists every section and key with its type,
 * default and bounds; parsing, `winrmd -t', the plugins' lookups by name and
 * the shipped conf/winrmd.conf all follow it.  SIGHUP parses a new snapshot
 * and swaps the pointer; a snapshot is never modified after parsing.
 */
#ifndef WINRMD_CONFIG_H
#define WINRMD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * [Listener] TLSPriority by default: TLS 1.3, and TLS 1.2 with forward
 * secrecy (ECDHE, DHE) and AEAD ciphers only (AES-GCM, ChaCha20-Poly1305),
 * as Mozilla's "intermediate" profile: no static RSA key exchange, no CBC,
 * no SHA-1 MACs, nothing older than TLS 1.2.
 */
#define TLS_PRIORITY_DEFAULT	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:"	\
	"-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:+DHE-RSA:-CIPHER-ALL:+AES-128-GCM:"	\
	"+AES-256-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD"

enum conf_key {
	CK_LISTENER_ADDRESS,
	CK_LISTENER_HTTP_PORT,
	CK_LISTENER_HTTPS_PORT,
	CK_LISTENER_URL_PREFIX,
	CK_LISTENER_CERT_FILE,
	CK_LISTENER_KEY_FILE,
	CK_LISTENER_TLS_PRIORITY,

	CK_SERVICE_ALLOW_UNENCRYPTED,
	CK_SERVICE_MAX_ENVELOPE_KB,
	CK_SERVICE_MAX_TIMEOUT_MS,
	CK_SERVICE_MAX_CONNECTIONS,
	CK_SERVICE_MAX_CONNECTIONS_PER_IP,
	CK_SERVICE_MAX_PACKET_RETRIEVAL_S,
	CK_SERVICE_IDLE_CONNECTION_S,
	CK_SERVICE_HEADER_TIMEOUT_S,
	CK_SERVICE_UNAUTHENTICATED_TIMEOUT_S,
	CK_SERVICE_IPV6_PREFIX_LENGTH,
	CK_SERVICE_ENUMERATION_TIMEOUT_MS,
	CK_SERVICE_MAX_BATCH_ITEMS,
	CK_SERVICE_MAX_OPERATIONS_PER_USER,
	CK_SERVICE_LOG_LEVEL,

	CK_AUTH_BASIC,
	CK_AUTH_PAM_SERVICE,
	CK_AUTH_ALLOWED_GROUPS,
	CK_AUTH_PERMIT_ROOT,
	CK_AUTH_BASIC_CACHE_S,
	CK_AUTH_ACCOUNT_CHECK_S,
	CK_AUTH_NEGOTIATE,
	CK_AUTH_KERBEROS,
	CK_AUTH_KEYTAB,
	CK_AUTH_NTLM_USER_FILE,
	CK_AUTH_NETBIOS_DOMAIN,
	CK_AUTH_NETBIOS_COMPUTER,
	CK_AUTH_CBT_HARDENING,
	CK_AUTH_CERTIFICATE,
	CK_AUTH_CLIENT_CA_FILE,

	CK_WINRS_ALLOW_REMOTE_SHELL,
	CK_WINRS_IDLE_TIMEOUT,
	CK_WINRS_MAX_SHELLS_PER_USER,
	CK_WINRS_MAX_CONCURRENT_USERS,
	CK_WINRS_MAX_PROCESSES_PER_SHELL,
	CK_WINRS_MAX_MEMORY_PER_SHELL_MB,
	CK_WINRS_MAX_COMMANDS_PER_SHELL,
	CK_WINRS_MAX_PROCESSES_PER_USER,
	CK_WINRS_MAX_STDIN_PER_USER_MB,
	CK_WINRS_POWERSHELL,
	CK_WINRS_NATIVE_HELPER,

	CK_CIM_PROVIDERS,
	CK_CIM_PROVIDER_DIRECTORY,

	CK_WIN32_MAX_PROCESSES_PER_USER,
	CK_WIN32_MAX_MEMORY_PER_USER_MB,

	CK_CONFIG_ADMIN_GROUPS,
	CK_CONFIG_ALLOW_PUT,

	CK_PLUGINS_DIRECTORY,
	CK_PLUGINS_LOAD,

	CK_IPMI_DRIVER,
	CK_IPMI_HOST,
	CK_IPMI_USER,
	CK_IPMI_PASSWORD,
	CK_IPMI_PROTOCOL,
	CK_IPMI_CIPHER_SUITE,
	CK_IPMI_PRIVILEGE_LEVEL,
	CK_IPMI_WORKAROUND_FLAGS,
	CK_IPMI_CACHE_S,
	CK_IPMI_TIMEOUT_S,
	CK_IPMI_SDR_CACHE_DIRECTORY,
	CK_IPMI_ADMIN_GROUPS,

	_CK_MAX
};

enum conf_type {
	CT_STR,		/* any text */
	CT_BOOL,	/* true/false/yes/no/1/0, any case */
	CT_UINT,	/* decimal, within [min, max] */
	CT_ENUM,	/* one of a '|'-separated list, any case */
	CT_LIST,	/* words separated by spaces or commas */
};

struct conf_def {
	const char		*section;
	const char		*key;
	enum conf_type		 type;
	const char		*def;		/* default, as text */
	unsigned long long	 min, max;	/* CT_UINT */
	const char		*choices;	/* CT_ENUM: "auto|pwsh|sh" */
	const char		*help;		/* one line, for conf/winrmd.conf */
	/* further check of the text: an error message or NULL */
	const char		*(*check)(const char *value);
};

struct conf_value {
	char			*s;	/* always set: the text */
	unsigned long long	 u;	/* CT_UINT, CT_BOOL (0/1) */
	char			**list;	/* CT_LIST: NULL-terminated */
	int			 line;	/* 0: default */
};

/* a line of a section whose keys are free ([CertMapping]), in file order */
struct conf_entry {
	char			*key;
	char			*value;
	int			 line;
};

struct config {
	char			*path;
	struct conf_value	 v[_CK_MAX];
	struct conf_entry	*certmap;	/* [CertMapping], auth_cert.h */
	size_t			 ncertmap;
};

extern const struct conf_def conf_defs[_CK_MAX];

/*
 * Parses `path' (NULL: only defaults).  On error returns NULL and writes
 * "FILE:LINE: message" into err.
 */
struct config	*config_load(const char *path, char *err, size_t errlen);
void		 config_free(struct config *cfg);

/* lookups by name, case-insensitive; NULL if the key does not exist */
const struct conf_value *config_find(const struct config *cfg,
		    const char *section, const char *key);

static inline const char *
conf_s(const struct config *cfg, enum conf_key k)
{
	return cfg->v[k].s;
}

static inline unsigned long long
conf_u(const struct config *cfg, enum conf_key k)
{
	return cfg->v[k].u;
}

static inline bool
conf_b(const struct config *cfg, enum conf_key k)
{
	return cfg->v[k].u != 0;
}

static inline char *const *
conf_list(const struct config *cfg, enum conf_key k)
{
	return cfg->v[k].list;
}

/* Writes a commented config file with every key and its default. */
void	config_write_example(FILE *out);

#endif
