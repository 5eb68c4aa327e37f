/*
 * config.h: the configuration file, parsed into an immutable snapshot.
 *
 * The daemon's schema table (config.c) lists its own sections and keys
 * with their types, defaults and bounds; plugins and the modules they load
 * declare theirs (struct winrmd_setting, plugin.h).  A file is read in
 * steps: config_parse() takes the daemon's sections and keeps the other
 * lines, config_declare() adds a module's settings and takes the lines of
 * what it declared, config_finish() refuses whatever is left.  Parsing,
 * `winrmd -t', the plugins' lookups by name and --example-config all
 * follow the same schema.  SIGHUP reads a new snapshot and swaps the
 * pointer; a finished snapshot is never modified.
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
#include <winrmd/plugin.h>

enum conf_key {
	CK_LISTENER_ADDRESS,
	CK_LISTENER_HTTP_PORT,
	CK_LISTENER_HTTPS_PORT,
	CK_LISTENER_URL_PREFIX,
	CK_LISTENER_CERT_FILE,
	CK_LISTENER_KEY_FILE,
	CK_LISTENER_TLS_PRIORITY,
	CK_LISTENER_CERT_DIR,

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
	CK_SERVICE_PRIVILEGE_SEPARATION,
	CK_SERVICE_KEEPER_SOCKET,

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

	CK_PLUGINS_DIRECTORY,
	CK_PLUGINS_LOAD,

	_CK_MAX
};

/* the types of plugin.h's struct winrmd_setting, under the daemon's names */
enum conf_type {
	CT_STR = WINRMD_SETTING_STRING,	/* any text */
	CT_BOOL = WINRMD_SETTING_BOOL,	/* true/false/yes/no/1/0, any case */
	CT_UINT = WINRMD_SETTING_UINT,	/* decimal, within [min, max] */
	CT_ENUM = WINRMD_SETTING_ENUM,	/* one of a '|'-separated list, any case */
	CT_LIST = WINRMD_SETTING_LIST,	/* words separated by spaces or commas */
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
	unsigned		 flags;		/* WINRMD_SETTING_RESTART */
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

/* a setting a module declared, copied, and who declared it */
struct conf_decl {
	struct conf_def		 d;
	char			*owner;		/* "plugin shell" */
};

struct conf_line;	/* a line of a section not declared (yet) */
struct conf_lsec;	/* a [Listener NAME] section being read (conf_listen.c) */

/* listeners the daemon runs at most: [Listener NAME] sections, sockets */
#define CONF_MAX_LISTENERS	16

/*
 * A listener: a [Listener NAME] section, or one address and transport of
 * the [Listener] form (Address times HTTPPort and HTTPSPort, as before
 * there were named sections).  conf_listen.c builds them.
 */
struct conf_listener {
	char			*name;		/* NAME; NULL: the [Listener] form */
	char			*address;	/* "*" or an IPv4 or IPv6 address */
	bool			 tls;		/* Transport = HTTPS */
	unsigned		 port;
	bool			 enabled;
	char			*url_prefix;
	/* HTTPS: the files, or a thumbprint looked up in CertificateDirectory */
	char			*cert_file, *key_file;	/* NULL with thumbprint */
	char			 thumbprint[41];	/* upper-case hex or "" */
	int			 line;		/* its first key; 0: [Listener] */
};

struct config {
	char			*path;
	struct conf_value	 v[_CK_MAX];	/* the daemon's keys */
	struct conf_entry	*certmap;	/* [CertMapping], auth_cert.h */
	size_t			 ncertmap;
	/* the listeners, in file order (the [Listener] form: by address) */
	struct conf_listener	*listeners;
	size_t			 nlisteners;
	struct conf_lsec	*lsec;		/* while reading */
	size_t			 nlsec;
	/* the settings of plugins and their modules, and their values */
	struct conf_decl	*decl;
	struct conf_value	*dv;
	size_t			 ndecl;
	/* until config_finish(): the lines nothing has declared yet, and
	 * the first error of a declared key's line (line 0: none) */
	struct conf_line	*pending;
	size_t			 npending;
	int			 err_line;
	char			 err_msg[256];
	/* lookups by name: hash slots of schema indices + 1 (0: empty) */
	unsigned		*slots;
	size_t			 nslots;
};

extern const struct conf_def conf_defs[_CK_MAX];

/*
 * Reads `path' (NULL: only defaults): its syntax and the daemon's own
 * sections, keeping the other lines for config_declare() and
 * config_finish().  On error returns NULL and writes "FILE:LINE: message"
 * into err.
 */
struct config	*config_parse(const char *path, char *err, size_t errlen);
/*
 * Adds the settings `owner' declares (table ends with a NULL section) and
 * takes the kept lines of those keys.  A bad declaration (no help, a
 * default its own type refuses, a key of a daemon section, one declared
 * otherwise by another module) is refused naming the owner: -1 with err.
 * A bad value in the file is kept for config_finish() to report, with the
 * other errors of the plugins' sections, first by line.
 */
int		 config_declare(struct config *cfg, const char *owner,
		    const struct winrmd_setting *table, char *err,
		    size_t errlen);
/*
 * The last step: a kept line nothing declared is an unknown section or
 * key; that, or a bad value of a declared key, is refused as
 * "FILE:LINE: ...", the first by line.  0, or -1 with err.  The snapshot
 * is complete.
 */
int		 config_finish(struct config *cfg, char *err, size_t errlen);
/* config_parse() then config_finish(): the daemon's keys only (tests) */
struct config	*config_load(const char *path, char *err, size_t errlen);
void		 config_free(struct config *cfg);

/* lookups by name, case-insensitive; NULL if the key does not exist */
const struct conf_value *config_find(const struct config *cfg,
		    const char *section, const char *key);
/* the definition of a key, the daemon's or declared; NULL if none */
const struct conf_def *config_def(const struct config *cfg,
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

/* config.c's checks, for conf_listen.c: a boolean's text; a URLPrefix */
bool	conf_parse_bool(const char *s, unsigned long long *ret);
const char *conf_check_url_prefix(const char *value);

/*
 * conf_listen.c, for config.c: whether a section is a [Listener NAME];
 * takes a line of one (NULL, or an error message in msg); builds the
 * listeners once the daemon's sections are read (0, or -1 with the line
 * and message of the error); frees them.
 */
bool	conf_listen_section(const char *section);
const char *conf_listen_take(struct config *cfg, const char *section,
	    const char *key, const char *value, int line, char *msg,
	    size_t msglen);
int	conf_listen_build(struct config *cfg, int *line, char *msg,
	    size_t msglen);
void	conf_listen_free(struct config *cfg);
/* calls fn for each listener key of cfg that differs from old (restart) */
void	conf_listen_changes(const struct config *old, const struct config *cfg,
	    void (*fn)(const struct conf_def *d, void *arg), void *arg);

/*
 * Writes a commented config file with every key of cfg's schema (the
 * daemon's and what was declared) and its default.
 */
void	config_write_example(FILE *out, const struct config *cfg);

/*
 * Calls fn for each key read only at start (WINRMD_SETTING_RESTART) whose
 * text differs between two snapshots.
 */
void	config_restart_changes(const struct config *old,
	    const struct config *cfg,
	    void (*fn)(const struct conf_def *d, void *arg), void *arg);

#endif
