/*
 * cfg.h: the config plugin (resource .../wsman/1/config and its sub-URIs).
 *
 * render.c turns the daemon's configuration, read through the host's
 * conf_str/conf_int/conf_bool, into the cfg:Config tree Windows returns for
 * `winrm get winrm/config' (element names and order as Windows sends them);
 * listeners.c lists the listeners the daemon runs; config.c is the plugin:
 * access (AdminGroups), Get, Put (put.c), Enumerate/Pull/Release of
 * .../config/listener.
 */
#ifndef WINRMD_CONFIG_PLUGIN_CFG_H
#define WINRMD_CONFIG_PLUGIN_CFG_H

#include <stdbool.h>
#include <stddef.h>

#include <winrmd/plugin.h>

#define CFG_URI			"http://schemas.microsoft.com/wbem/wsman/1/config"
#define CFG_NS			CFG_URI
#define CFG_LISTENER_URI	CFG_URI "/listener"

/* what a ResourceURI under CFG_URI names */
enum cfg_part {
	CFG_PART_NONE = 0,	/* not one we serve */
	CFG_PART_CONFIG,	/* .../config            -> cfg:Config */
	CFG_PART_CLIENT,	/* .../config/client     -> cfg:Client */
	CFG_PART_SERVICE,	/* .../config/service    -> cfg:Service */
	CFG_PART_AUTH,		/* .../config/service/auth -> cfg:Auth */
	CFG_PART_WINRS,		/* .../config/winrs      -> cfg:Winrs */
	CFG_PART_LISTENER,	/* .../config/listener   -> cfg:Listener */
};

/*
 * The listeners: asked of the daemon each time (host->listener) when it
 * offers that; under an older daemon, the [Listener] settings read at
 * start-up.
 */
struct cfg_listen {
	const struct winrmd_host *h;	/* NULL: the settings below */
	char	*address;	/* [Listener] Address, as written */
	long long http_port;	/* 0: no HTTP listener */
	long long https_port;	/* 0: no HTTPS listener */
	char	*url_prefix;
	char	*cert_file;
	char	 thumbprint[41];	/* SHA-1 of the certificate, "" if unknown */
};

/* One listener: an (Address, Transport) pair, as Windows lists them. */
struct cfg_listener {
	char		 address[64];	/* "*" or "IP:" + the address */
	char		 ip[48];	/* the address alone, "" for "*" */
	const char	*transport;	/* "HTTP" or "HTTPS" */
	long long	 port;
	bool		 enabled;
	char		 url_prefix[128];
	char		 thumbprint[41];	/* HTTPS: SHA-1, "" if unknown */
};

#define CFG_MAX_LISTENERS	64

/* a Windows property that is a winrmd setting (render.c's table) */
enum cfg_kind {
	CFG_NUM,	/* a number */
	CFG_BOOL,	/* true/false */
	CFG_AUTH,	/* a scheme: true when the daemon offers it */
	CFG_TEXT,	/* text as it is (CbtHardeningLevel) */
	CFG_PORT,	/* a listener's port, as the daemon started */
};

struct cfg_prop {
	const char	*path;	/* under cfg:Config: "Service/Auth/Basic" */
	const char	*section;	/* winrmd.conf */
	const char	*key;
	enum cfg_kind	 kind;
	const char	*dflt;	/* shown when the daemon lacks the key */
};

/* render.c */
enum cfg_part	 cfg_part_of(const char *resource_uri);
const char	*cfg_part_name(enum cfg_part part);
/* appends the part's element (cfg:Config, cfg:Service, ...) to parent */
xmlNodePtr	 cfg_render(xmlNodePtr parent, enum cfg_part part,
		    const struct winrmd_host *h, const struct cfg_listen *l);
/* the table entry of a property, by its path; NULL if none */
const struct cfg_prop *cfg_prop_find(const char *path);
/* "true"/"false" of a boolean key, or dflt when the daemon lacks the key */
const char	*cfg_bool_text(const struct winrmd_host *h, const char *section,
		    const char *key, const char *dflt);

/* listeners.c */
int		 cfg_listen_load(struct cfg_listen *l, const struct winrmd_host *h);
void		 cfg_listen_free(struct cfg_listen *l);
size_t		 cfg_listeners(const struct cfg_listen *l,
		    struct cfg_listener *out, size_t max);
const struct cfg_listener *cfg_listener_find(const struct cfg_listener *v,
		    size_t n, const char *address, const char *transport);
xmlNodePtr	 cfg_render_listener(xmlNodePtr parent, struct cfg_listen *l,
		    const struct cfg_listener *one);
/* IPv4Filter / IPv6Filter text for the configured addresses */
void		 cfg_ip_filters(const struct cfg_listen *l, char *v4, size_t v4len,
		    char *v6, size_t v6len);

/* put.c: a Put of a part, by `who' (for the log); the op's return */
int	cfg_put(const struct winrmd_host *host, struct winrmd_op *op,
	    enum cfg_part part, const struct cfg_listen *l, const char *who);

/* a scheme on but not offered is logged again after a reload */
void	cfg_auth_log_reset(void);

#endif
