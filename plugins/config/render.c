/*
 * render.c: the daemon's configuration as the cfg:Config tree of
 * `winrm get winrm/config', element names and order as Windows sends them
 * (a real Windows reply: pypsrp's test_wsman_update_envelope_size_*.yml;
 * schema: MS-WSMV 2.2.4.10 Config, 2.2.4.6 Client, 2.2.4.36 Service,
 * 2.2.4.34 Auth, 2.2.4.42 Winrs).
 *
 * An authentication scheme is "true" only when the daemon offers it
 * (host->auth_offered: on and usable).  Every other value comes from the
 * running configuration through the host's
 * conf_* lookups by section and key name.  A key the daemon does not know
 * (conf_str() returns NULL) gets the value that tells the truth about what
 * winrmd does, which is Windows' default where winrmd behaves like Windows:
 * CbtHardeningLevel "Relaxed", no global operation or provider limit
 * (4294967295), no shell lifetime limit (2147483647).  Booleans are written
 * "true"/"false", numbers in decimal, as Windows does.
 *
 * Left out on purpose: Service/RootSDDL (winrmd has no security descriptors:
 * [Auth] AllowedGroups and [Config] AdminGroups are its access rules, and an
 * invented SDDL would be read as a real one).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"

/* ------------------------------------------------------------ helpers */

/* a new element; the first one of a tree declares xmlns:cfg */
static xmlNodePtr
elem(xmlNodePtr parent, xmlNsPtr *ns, const char *name)
{
	xmlNodePtr n;

	if (*ns != NULL)
		return xmlNewChild(parent, *ns, BAD_CAST name, NULL);
	if ((n = xmlNewChild(parent, NULL, BAD_CAST name, NULL)) == NULL)
		return NULL;
	*ns = xmlNewNs(n, BAD_CAST CFG_NS, BAD_CAST "cfg");
	xmlSetNs(n, *ns);
	return n;
}

static void
text(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *value)
{
	xmlNewTextChild(parent, ns, BAD_CAST name, BAD_CAST value);
}

const char *
cfg_bool_text(const struct winrmd_host *h, const char *section,
    const char *key, const char *dflt)
{
	if (h->conf_str(section, key) == NULL)
		return dflt;
	return h->conf_bool(section, key) ? "true" : "false";
}

static void
num(xmlNodePtr parent, xmlNsPtr ns, const char *name,
    const struct winrmd_host *h, const char *section, const char *key,
    const char *dflt)
{
	char buf[32];

	if (h->conf_str(section, key) == NULL) {
		text(parent, ns, name, dflt);
		return;
	}
	snprintf(buf, sizeof(buf), "%lld", h->conf_int(section, key));
	text(parent, ns, name, buf);
}

static void
boolean(xmlNodePtr parent, xmlNsPtr ns, const char *name,
    const struct winrmd_host *h, const char *section, const char *key,
    const char *dflt)
{
	text(parent, ns, name, cfg_bool_text(h, section, key, dflt));
}

/*
 * The Windows properties that are winrmd settings: one table, for Get (the
 * value rendered) and Put (the key a `winrm set' changes).  A path is the
 * property's place under cfg:Config, element names joined by '/'; the
 * value shown when the daemon lacks the key is Windows' default.
 */
static const struct cfg_prop props[] = {
	{ "MaxEnvelopeSizekb", "Service", "MaxEnvelopeSizekb", CFG_NUM,
	  "500" },
	{ "MaxTimeoutms", "Service", "MaxTimeoutms", CFG_NUM, "60000" },
	{ "MaxBatchItems", "Service", "MaxBatchItems", CFG_NUM, "32000" },
	{ "Service/MaxConcurrentOperationsPerUser", "Service",
	  "MaxConcurrentOperationsPerUser", CFG_NUM, "1500" },
	{ "Service/EnumerationTimeoutms", "Service", "EnumerationTimeoutms",
	  CFG_NUM, "240000" },
	{ "Service/MaxConnections", "Service", "MaxConnections", CFG_NUM,
	  "300" },
	{ "Service/MaxPacketRetrievalTimeSeconds", "Service",
	  "MaxPacketRetrievalTimeSeconds", CFG_NUM, "120" },
	{ "Service/AllowUnencrypted", "Service", "AllowUnencrypted", CFG_BOOL,
	  "false" },
	{ "Service/Auth/Basic", "Auth", "Basic", CFG_AUTH, "false" },
	{ "Service/Auth/Kerberos", "Auth", "Kerberos", CFG_AUTH, "true" },
	{ "Service/Auth/Negotiate", "Auth", "Negotiate", CFG_AUTH, "true" },
	{ "Service/Auth/Certificate", "Auth", "Certificate", CFG_AUTH, "false" },
	{ "Service/Auth/CbtHardeningLevel", "Auth", "CbtHardeningLevel",
	  CFG_TEXT, "Relaxed" },
	{ "Service/DefaultPorts/HTTP", "Listener", "HTTPPort", CFG_PORT,
	  "5985" },
	{ "Service/DefaultPorts/HTTPS", "Listener", "HTTPSPort", CFG_PORT,
	  "5986" },
	{ "Winrs/AllowRemoteShellAccess", "Winrs", "AllowRemoteShellAccess",
	  CFG_BOOL, "true" },
	{ "Winrs/IdleTimeout", "Winrs", "IdleTimeout", CFG_NUM, "7200000" },
	{ "Winrs/MaxConcurrentUsers", "Winrs", "MaxConcurrentUsers", CFG_NUM,
	  "2147483647" },
	{ "Winrs/MaxProcessesPerShell", "Winrs", "MaxProcessesPerShell",
	  CFG_NUM, "2147483647" },
	{ "Winrs/MaxMemoryPerShellMB", "Winrs", "MaxMemoryPerShellMB", CFG_NUM,
	  "2147483647" },
	{ "Winrs/MaxShellsPerUser", "Winrs", "MaxShellsPerUser", CFG_NUM,
	  "2147483647" },
};

const struct cfg_prop *
cfg_prop_find(const char *path)
{
	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++)
		if (strcasecmp(props[i].path, path) == 0)
			return &props[i];
	return NULL;
}

/* a property of the table (CFG_NUM, CFG_BOOL), under its Windows name */
static void
prop(xmlNodePtr parent, xmlNsPtr ns, const struct winrmd_host *h,
    const char *path)
{
	const struct cfg_prop *p = cfg_prop_find(path);
	const char *name = strrchr(path, '/');

	name = name ? name + 1 : path;
	if (p->kind == CFG_BOOL)
		boolean(parent, ns, name, h, p->section, p->key, p->dflt);
	else
		num(parent, ns, name, h, p->section, p->key, p->dflt);
}

/*
 * An authentication scheme: true only when the daemon offers it (on in
 * [Auth] and usable: a keytab, an NTLM user file, the client CAs), so that
 * `winrm get winrm/config' never promises what a client will not get.  A
 * scheme switched on but not offered is logged once per configuration,
 * with the daemon's reason.  Under a daemon without auth_offered, the
 * [Auth] key as it is.
 */
static unsigned auth_logged;	/* schemes logged since the last (re)load */

void
cfg_auth_log_reset(void)
{
	auth_logged = 0;
}

static void
offered(xmlNodePtr parent, xmlNsPtr ns, const struct winrmd_host *h,
    const char *scheme, unsigned bit)
{
	const char *why = NULL;
	bool on;

	if (!WINRMD_HOST_HAS(h, auth_offered)) {
		boolean(parent, ns, scheme, h, "Auth", scheme, "false");
		return;
	}
	on = h->auth_offered(scheme, &why);
	text(parent, ns, scheme, on ? "true" : "false");
	if (on || !h->conf_bool("Auth", scheme) || (auth_logged & bit))
		return;
	auth_logged |= bit;
	h->log(WINRMD_LOG_NOTICE, "config: [Auth] %s is true but not offered, "
	    "reported as false: %s", scheme, why ? why : "not usable");
}

/* CbtHardeningLevel in Windows' spelling: None, Relaxed or Strict */
static const char *
cbt_level(const struct winrmd_host *h)
{
	static const char *const levels[] = { "None", "Relaxed", "Strict" };
	const char *v = h->conf_str("Auth", "CbtHardeningLevel");

	if (v == NULL)
		return "Relaxed";
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strcasecmp(v, levels[i]) == 0)
			return levels[i];
	return v;
}

/* -------------------------------------------------------------- parts */

/*
 * cfg:Client.  winrmd has no WinRM client: these are the defaults of a
 * Windows client (as a Windows server reports its own), so that a tool
 * walking cfg:Config finds every element where Windows puts it.
 */
static xmlNodePtr
render_client(xmlNodePtr parent, xmlNsPtr ns)
{
	xmlNodePtr c = elem(parent, &ns, "Client"), a, p;

	if (c == NULL)
		return NULL;
	text(c, ns, "NetworkDelayms", "5000");
	text(c, ns, "URLPrefix", "wsman");
	text(c, ns, "AllowUnencrypted", "false");
	a = xmlNewChild(c, ns, BAD_CAST "Auth", NULL);
	text(a, ns, "Basic", "true");
	text(a, ns, "Digest", "true");
	text(a, ns, "Kerberos", "true");
	text(a, ns, "Negotiate", "true");
	text(a, ns, "Certificate", "true");
	text(a, ns, "CredSSP", "false");
	p = xmlNewChild(c, ns, BAD_CAST "DefaultPorts", NULL);
	text(p, ns, "HTTP", "5985");
	text(p, ns, "HTTPS", "5986");
	text(c, ns, "TrustedHosts", "");
	return c;
}

/* cfg:Auth of the service (MS-WSMV 2.2.4.34) */
static xmlNodePtr
render_auth(xmlNodePtr parent, xmlNsPtr ns, const struct winrmd_host *h)
{
	xmlNodePtr a = elem(parent, &ns, "Auth");

	if (a == NULL)
		return NULL;
	offered(a, ns, h, cfg_prop_find("Service/Auth/Basic")->key, 1);
	offered(a, ns, h, cfg_prop_find("Service/Auth/Kerberos")->key, 2);
	offered(a, ns, h, cfg_prop_find("Service/Auth/Negotiate")->key, 4);
	offered(a, ns, h, cfg_prop_find("Service/Auth/Certificate")->key, 8);
	/* CredSSP is not implemented, whatever a future key might say */
	text(a, ns, "CredSSP", "false");
	text(a, ns, "CbtHardeningLevel", cbt_level(h));
	return a;
}

static void
port_text(char *buf, size_t len, long long port)
{
	snprintf(buf, len, "%lld", port < 0 ? 0 : port);
}

/* cfg:Service (MS-WSMV 2.2.4.36, plus the elements Windows 2012+ adds) */
static xmlNodePtr
render_service(xmlNodePtr parent, xmlNsPtr ns, const struct winrmd_host *h,
    const struct cfg_listen *l)
{
	xmlNodePtr s = elem(parent, &ns, "Service"), p;
	char v4[512], v6[512], port[24];

	if (s == NULL)
		return NULL;
	num(s, ns, "MaxConcurrentOperations", h, "Service",
	    "MaxConcurrentOperations", "4294967295");
	prop(s, ns, h, "Service/MaxConcurrentOperationsPerUser");
	prop(s, ns, h, "Service/EnumerationTimeoutms");
	prop(s, ns, h, "Service/MaxConnections");
	prop(s, ns, h, "Service/MaxPacketRetrievalTimeSeconds");
	prop(s, ns, h, "Service/AllowUnencrypted");
	render_auth(s, ns, h);
	p = xmlNewChild(s, ns, BAD_CAST "DefaultPorts", NULL);
	port_text(port, sizeof(port), l->http_port);
	text(p, ns, "HTTP", port);
	port_text(port, sizeof(port), l->https_port);
	text(p, ns, "HTTPS", port);
	cfg_ip_filters(l, v4, sizeof(v4), v6, sizeof(v6));
	text(s, ns, "IPv4Filter", v4);
	text(s, ns, "IPv6Filter", v6);
	text(s, ns, "EnableCompatibilityHttpListener", "false");
	text(s, ns, "EnableCompatibilityHttpsListener", "false");
	/* Windows' service certificate is for CredSSP: there is none */
	text(s, ns, "CertificateThumbprint", "");
	text(s, ns, "AllowRemoteAccess", "true");
	return s;
}

/* cfg:Winrs (MS-WSMV 2.2.4.42) */
static xmlNodePtr
render_winrs(xmlNodePtr parent, xmlNsPtr ns, const struct winrmd_host *h)
{
	xmlNodePtr w = elem(parent, &ns, "Winrs");

	if (w == NULL)
		return NULL;
	prop(w, ns, h, "Winrs/AllowRemoteShellAccess");
	prop(w, ns, h, "Winrs/IdleTimeout");
	prop(w, ns, h, "Winrs/MaxConcurrentUsers");
	/* no shell lifetime limit, as Windows by default */
	text(w, ns, "MaxShellRunTime", "2147483647");
	prop(w, ns, h, "Winrs/MaxProcessesPerShell");
	prop(w, ns, h, "Winrs/MaxMemoryPerShellMB");
	prop(w, ns, h, "Winrs/MaxShellsPerUser");
	return w;
}

/* cfg:Config (MS-WSMV 2.2.4.10) */
static xmlNodePtr
render_config(xmlNodePtr parent, const struct winrmd_host *h,
    const struct cfg_listen *l)
{
	xmlNsPtr ns = NULL;
	xmlNodePtr c = elem(parent, &ns, "Config");

	if (c == NULL)
		return NULL;
	prop(c, ns, h, "MaxEnvelopeSizekb");
	prop(c, ns, h, "MaxTimeoutms");
	prop(c, ns, h, "MaxBatchItems");
	num(c, ns, "MaxProviderRequests", h, "Service", "MaxProviderRequests",
	    "4294967295");
	render_client(c, ns);
	render_service(c, ns, h, l);
	render_winrs(c, ns, h);
	return c;
}

/* ------------------------------------------------------------- public */

static const struct {
	const char	*suffix;
	enum cfg_part	 part;
	const char	*name;
} parts[] = {
	{ "", CFG_PART_CONFIG, "Config" },
	{ "/client", CFG_PART_CLIENT, "Client" },
	{ "/service", CFG_PART_SERVICE, "Service" },
	{ "/service/auth", CFG_PART_AUTH, "Auth" },
	{ "/winrs", CFG_PART_WINRS, "Winrs" },
	{ "/listener", CFG_PART_LISTENER, "Listener" },
};

enum cfg_part
cfg_part_of(const char *uri)
{
	size_t base = strlen(CFG_URI), len;
	const char *rest;

	if (uri == NULL || strncasecmp(uri, CFG_URI, base) != 0)
		return CFG_PART_NONE;
	rest = uri + base;
	len = strcspn(rest, "?");
	if (len > 0 && rest[len - 1] == '/')
		len--;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (strlen(parts[i].suffix) == len &&
		    strncasecmp(rest, parts[i].suffix, len) == 0)
			return parts[i].part;
	return CFG_PART_NONE;
}

const char *
cfg_part_name(enum cfg_part part)
{
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (parts[i].part == part)
			return parts[i].name;
	return "?";
}

xmlNodePtr
cfg_render(xmlNodePtr parent, enum cfg_part part, const struct winrmd_host *h,
    const struct cfg_listen *l)
{
	switch (part) {
	case CFG_PART_CONFIG:
		return render_config(parent, h, l);
	case CFG_PART_CLIENT:
		return render_client(parent, NULL);
	case CFG_PART_SERVICE:
		return render_service(parent, NULL, h, l);
	case CFG_PART_AUTH:
		return render_auth(parent, NULL, h);
	case CFG_PART_WINRS:
		return render_winrs(parent, NULL, h);
	case CFG_PART_LISTENER:
	case CFG_PART_NONE:
		break;
	}
	return NULL;
}
