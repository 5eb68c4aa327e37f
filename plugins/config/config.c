/*
 * config.c: the configuration plugin, resource
 * http://schemas.microsoft.com/wbem/wsman/1/config (`winrm get winrm/config').
 *
 *   Get   .../config                 cfg:Config, the running configuration
 *         .../config/client          cfg:Client (Windows' client defaults)
 *         .../config/service         cfg:Service
 *         .../config/service/auth    cfg:Auth
 *         .../config/winrs           cfg:Winrs
 *         .../config/listener        cfg:Listener, selectors Address and
 *                                    Transport
 *   Enumerate/Pull/Release .../config/listener   every listener
 *   Put   anything                   AccessDenied unless [Config] AllowPut;
 *                                    then ActionNotSupported: winrmd is
 *                                    configured by its file, never remotely
 *
 * Every operation, whatever its Action, first needs a principal in one of
 * [Config] AdminGroups (compared by gid with the principal's groups):
 * anyone else gets w:AccessDenied (WSManFault 5, on which pypsrp falls back
 * to its default envelope size) and learns nothing else.  AdminGroups is
 * resolved to gids at start-up and on every reload (SIGHUP).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uuid/uuid.h>

#include "cfg.h"

#define ANONYMOUS	"http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
#define MAX_CONTEXTS	1024	/* open enumerations, all users together */

enum enum_mode { MODE_OBJECT, MODE_EPR, MODE_OBJECT_AND_EPR };

/* an enumeration of .../config/listener, between Enumerate and its last Pull */
struct enum_ctx {
	struct enum_ctx		*next;
	char			 id[48];	/* "uuid:..." */
	uid_t			 uid;		/* only its owner may Pull */
	size_t			 pos;		/* listeners already sent */
	enum enum_mode		 mode;
	struct winrmd_timer	*timer;		/* EnumerationTimeoutms */
};

static const struct winrmd_host *host;

static struct {
	struct cfg_listen	 listen;	/* [Listener] at start-up */
	gid_t			*admin_gids;
	size_t			 nadmin;
	struct enum_ctx		*ctxs;
	size_t			 nctxs;
} st;

/* ------------------------------------------------------------- access */

/* [Config] AdminGroups -> gids; names that do not exist are logged, skipped */
static void
admin_groups_load(void)
{
	const char *list = host->conf_str("Config", "AdminGroups");
	size_t cap = 0, n = 0, len;
	gid_t *gids = NULL;
	char *buf = NULL;
	size_t buflen = 4096;

	if (list == NULL)
		list = "";
	for (const char *p = list;; p += len) {
		struct group gr, *res = NULL;
		char name[256];
		int rc;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if ((len = strcspn(p, " \t,")) == 0)
			break;
		if (len >= sizeof(name)) {
			host->log(WINRMD_LOG_WARNING, "config: [Config] AdminGroups: "
			    "a group name of %zu characters is ignored", len);
			continue;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		for (;;) {
			char *nb;

			if ((nb = realloc(buf, buflen)) == NULL) {
				rc = ENOMEM;
				break;
			}
			buf = nb;
			rc = getgrnam_r(name, &gr, buf, buflen, &res);
			if (rc != ERANGE || buflen >= 1024 * 1024)
				break;
			buflen *= 2;
		}
		if (rc != 0 || res == NULL) {
			host->log(rc != 0 ? WINRMD_LOG_WARNING : WINRMD_LOG_INFO,
			    "config: [Config] AdminGroups: no group %s%s%s", name,
			    rc != 0 ? ": " : "", rc != 0 ? strerror(rc) : "");
			continue;
		}
		if (n == cap) {
			gid_t *ng = realloc(gids, (cap * 2 + 4) * sizeof(*ng));

			if (ng == NULL)
				break;
			gids = ng;
			cap = cap * 2 + 4;
		}
		gids[n++] = gr.gr_gid;
	}
	free(buf);
	free(st.admin_gids);
	st.admin_gids = gids;
	st.nadmin = n;
}

static bool
is_admin(const struct winrmd_principal *p)
{
	if (p == NULL)
		return false;
	for (size_t i = 0; i < st.nadmin; i++) {
		if (p->gid == st.admin_gids[i])
			return true;
		for (int j = 0; j < p->ngroups; j++)
			if (p->groups[j] == st.admin_gids[i])
				return true;
	}
	return false;
}

/* WINRMD_OK for an admin, else the AccessDenied fault */
static int
require_admin(struct winrmd_op *op)
{
	const struct winrmd_principal *p = host->op_principal(op);

	if (is_admin(p))
		return WINRMD_OK;
	host->log(WINRMD_LOG_NOTICE, "config: %s (uid %ld) from %s is in none "
	    "of [Config] AdminGroups: access to %s denied",
	    p ? p->name : "(nobody)", p ? (long)p->uid : -1L,
	    host->op_client_ip(op) ? host->op_client_ip(op) : "?",
	    cfg_part_name(cfg_part_of(host->op_resource_uri(op))));
	return host->op_fault(op, WINRMD_FAULT_ACCESS_DENIED, NULL, NULL);
}

/* ------------------------------------------------------------ helpers */

static xmlNsPtr
ns_of(xmlNodePtr n, const char *href)
{
	return xmlSearchNsByHref(n->doc, n, BAD_CAST href);
}

static bool
is_elem(xmlNodePtr n, const char *href, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    strcmp((const char *)n->ns->href, href) == 0 &&
	    strcmp((const char *)n->name, name) == 0;
}

static xmlNodePtr
child(xmlNodePtr parent, const char *href, const char *name)
{
	for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
		if (is_elem(n, href, name))
			return n;
	return NULL;
}

/* trimmed text content of an element, malloc'd ("" if none) */
static char *
trimmed(xmlNodePtr n)
{
	xmlChar *t = xmlNodeGetContent(n);
	const char *p = t ? (const char *)t : "", *e;
	char *s;

	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	e = p + strlen(p);
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		e--;
	s = strndup(p, (size_t)(e - p));
	xmlFree(t);
	return s;
}

static int
oom(struct winrmd_op *op)
{
	return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
	    "out of memory");
}

static long long
conf_or(const char *section, const char *key, long long dflt)
{
	return host->conf_str(section, key) != NULL ?
	    host->conf_int(section, key) : dflt;
}

/* the part the ResourceURI names, or a DestinationUnreachable fault */
static enum cfg_part
resource_part(struct winrmd_op *op, int *r)
{
	const char *uri = host->op_resource_uri(op);
	enum cfg_part part = cfg_part_of(uri);

	if (part == CFG_PART_NONE)
		*r = host->op_fault(op, WINRMD_FAULT_DESTINATION_UNREACHABLE,
		    "InvalidResourceURI", "The WS-Management service cannot "
		    "process the request. The resource URI is not supported: "
		    "%.200s", uri ? uri : "");
	return part;
}

/* ---------------------------------------------------------------- Get */

static int
get_listener(struct winrmd_op *op, xmlNodePtr body)
{
	struct cfg_listener v[CFG_MAX_LISTENERS];
	const struct winrmd_selector *sel;
	size_t n = cfg_listeners(&st.listen, v, CFG_MAX_LISTENERS);
	size_t nsel = host->op_selectors(op, &sel);
	const char *address = host->op_selector(op, "Address");
	const char *transport = host->op_selector(op, "Transport");
	const struct cfg_listener *one;

	if (address == NULL || transport == NULL)
		return host->op_fault(op, WINRMD_FAULT_INVALID_SELECTORS,
		    "InsufficientSelectors", "A listener is named by the "
		    "selectors Address and Transport; enumerate .../config/"
		    "listener to list them.");
	if (nsel > 2)
		return host->op_fault(op, WINRMD_FAULT_INVALID_SELECTORS,
		    "UnexpectedSelectors", "A listener is named by the "
		    "selectors Address and Transport only.");
	/* what Windows answers for a listener it does not have (0x80338000) */
	if ((one = cfg_listener_find(v, n, address, transport)) == NULL)
		return host->op_fault(op, WINRMD_FAULT_DESTINATION_UNREACHABLE,
		    NULL, "The WS-Management service cannot process the request. "
		    "The service cannot find the resource identified by the "
		    "resource URI and selectors (no listener with Address %.64s "
		    "and Transport %.16s).", address, transport);
	return cfg_render_listener(body, &st.listen, one) ? WINRMD_OK : oom(op);
}

static int
op_get(struct winrmd_op *op, void *unused)
{
	const struct winrmd_selector *sel;
	enum cfg_part part;
	xmlNodePtr body;
	int r;

	(void)unused;
	if ((r = require_admin(op)) != WINRMD_OK)
		return r;
	if ((part = resource_part(op, &r)) == CFG_PART_NONE)
		return r;
	if (part != CFG_PART_LISTENER && host->op_selectors(op, &sel) > 0)
		return host->op_fault(op, WINRMD_FAULT_INVALID_SELECTORS,
		    "UnexpectedSelectors", "The resource %s takes no selectors.",
		    cfg_part_name(part));
	if ((body = host->op_reply(op, WINRMD_ACTION_GET "Response")) == NULL)
		return oom(op);
	r = part == CFG_PART_LISTENER ? get_listener(op, body) :
	    cfg_render(body, part, host, &st.listen) ? WINRMD_OK : oom(op);
	/*
	 * what is read here (the configuration, the listeners of start-up,
	 * AdminGroups and the principal's groups) changes only with a reload
	 * or another principal: the daemon may answer the same Get again
	 */
	if (r == WINRMD_OK && WINRMD_HOST_HAS(host, reply_reusable))
		host->reply_reusable(op);
	return r;
}

/* ---------------------------------------------------------------- Put */

static int
op_put(struct winrmd_op *op, void *unused)
{
	int r;

	(void)unused;
	if ((r = require_admin(op)) != WINRMD_OK)
		return r;
	if (!host->conf_bool("Config", "AllowPut")) {
		host->log(WINRMD_LOG_NOTICE, "config: Put by %s refused: "
		    "[Config] AllowPut is false", host->op_principal(op)->name);
		return host->op_fault(op, WINRMD_FAULT_ACCESS_DENIED, NULL,
		    "Access is denied. Remote configuration changes are "
		    "disabled ([Config] AllowPut = false).");
	}
	if (resource_part(op, &r) == CFG_PART_NONE)
		return r;
	/* not written: the file is the configuration, changed by its owner */
	return host->op_fault(op, WINRMD_FAULT_ACTION_NOT_SUPPORTED, NULL,
	    "winrmd does not change its configuration remotely: edit "
	    "winrmd.conf on the server and reload the service (SIGHUP).");
}

/* ------------------------------------------------------- enumeration */

static void
ctx_free(struct enum_ctx *c)
{
	for (struct enum_ctx **pp = &st.ctxs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			st.nctxs--;
			break;
		}
	host->timer_stop(c->timer);
	free(c);
}

static void
ctx_expired(void *arg)
{
	struct enum_ctx *c = arg;

	c->timer = NULL;
	host->log(WINRMD_LOG_DEBUG, "config: enumeration %s expired", c->id);
	ctx_free(c);
}

static void
ctx_arm(struct enum_ctx *c)
{
	long long ms = conf_or("Service", "EnumerationTimeoutms", 60000);

	host->timer_stop(c->timer);
	c->timer = host->timer_start((uint64_t)(ms > 0 ? ms : 60000),
	    ctx_expired, c);
}

static struct enum_ctx *
ctx_find(const char *id, uid_t uid)
{
	for (struct enum_ctx *c = st.ctxs; c != NULL; c = c->next)
		if (strcmp(c->id, id) == 0 && c->uid == uid)
			return c;
	return NULL;
}

static void
add_epr(xmlNodePtr parent, const struct cfg_listener *l)
{
	xmlNsPtr a = ns_of(parent, WINRMD_NS_WSA), w = ns_of(parent, WINRMD_NS_WSMAN);
	xmlNodePtr epr, rp, ss, s;

	epr = xmlNewChild(parent, a, BAD_CAST "EndpointReference", NULL);
	xmlNewTextChild(epr, a, BAD_CAST "Address", BAD_CAST ANONYMOUS);
	rp = xmlNewChild(epr, a, BAD_CAST "ReferenceParameters", NULL);
	xmlNewTextChild(rp, w, BAD_CAST "ResourceURI", BAD_CAST CFG_LISTENER_URI);
	ss = xmlNewChild(rp, w, BAD_CAST "SelectorSet", NULL);
	s = xmlNewTextChild(ss, w, BAD_CAST "Selector", BAD_CAST l->address);
	xmlNewProp(s, BAD_CAST "Name", BAD_CAST "Address");
	s = xmlNewTextChild(ss, w, BAD_CAST "Selector", BAD_CAST l->transport);
	xmlNewProp(s, BAD_CAST "Name", BAD_CAST "Transport");
}

static void
add_item(xmlNodePtr items, enum enum_mode mode, const struct cfg_listener *l)
{
	xmlNodePtr item;

	switch (mode) {
	case MODE_OBJECT:
		cfg_render_listener(items, &st.listen, l);
		break;
	case MODE_EPR:
		add_epr(items, l);
		break;
	case MODE_OBJECT_AND_EPR:
		item = xmlNewChild(items, ns_of(items, WINRMD_NS_WSMAN),
		    BAD_CAST "Item", NULL);
		cfg_render_listener(item, &st.listen, l);
		add_epr(item, l);
		break;
	}
}

/*
 * Adds listeners from *pos on, at most max, while the reply fits the
 * client's MaxEnvelopeSize (at least one always goes: the host answers
 * EncodingLimit if even that does not fit).  Returns how many were added.
 */
static size_t
fill_items(struct winrmd_op *op, xmlNodePtr items, enum enum_mode mode,
    const struct cfg_listener *v, size_t n, size_t *pos, size_t max)
{
	size_t limit = host->op_max_envelope(op), added = 0;

	while (*pos < n && added < max) {
		xmlNodePtr last = items->last;

		add_item(items, mode, &v[*pos]);
		if (added > 0 && limit > 1024 &&
		    host->op_reply_size(op) > limit - 1024) {
			/* take it back: it goes in the next Pull */
			xmlNodePtr extra = last ? last->next : items->children;

			xmlUnlinkNode(extra);
			xmlFreeNode(extra);
			break;
		}
		(*pos)++;
		added++;
	}
	return added;
}

/* wsman:MaxElements / wsen:MaxElements: 1 if absent, capped at MaxBatchItems */
static int
max_elements(struct winrmd_op *op, xmlNodePtr n, size_t *ret)
{
	long long cap = conf_or("Service", "MaxBatchItems", 32000);
	char *t, *end;
	unsigned long long v;

	*ret = 1;
	if (n == NULL)
		return WINRMD_OK;
	if ((t = trimmed(n)) == NULL)
		return oom(op);
	errno = 0;
	v = strtoull(t, &end, 10);
	if (t[0] < '0' || t[0] > '9' || *end != '\0' || errno != 0 || v == 0) {
		free(t);
		return host->op_fault(op, WINRMD_FAULT_SCHEMA_VALIDATION, NULL,
		    "MaxElements must be a positive integer.");
	}
	free(t);
	if (cap > 0 && v > (unsigned long long)cap)
		v = (unsigned long long)cap;
	*ret = (size_t)v;
	return WINRMD_OK;
}

static int
enumeration_mode(struct winrmd_op *op, xmlNodePtr n, enum enum_mode *ret)
{
	char *t;
	int r = WINRMD_OK;

	*ret = MODE_OBJECT;
	if (n == NULL)
		return WINRMD_OK;
	if ((t = trimmed(n)) == NULL)
		return oom(op);
	if (strcmp(t, "EnumerateEPR") == 0)
		*ret = MODE_EPR;
	else if (strcmp(t, "EnumerateObjectAndEPR") == 0)
		*ret = MODE_OBJECT_AND_EPR;
	else
		r = host->op_fault(op, WINRMD_FAULT_UNSUPPORTED_FEATURE,
		    "EnumerationMode", "The enumeration mode %.64s is not "
		    "supported.", t);
	free(t);
	return r;
}

static int
op_enumerate(struct winrmd_op *op, void *unused)
{
	struct cfg_listener v[CFG_MAX_LISTENERS];
	xmlNodePtr req = host->op_body(op), reply, resp, items, ectx;
	const struct winrmd_principal *p;
	enum enum_mode mode;
	enum cfg_part part;
	size_t n, max, pos = 0, mine = 0;
	struct enum_ctx *c;
	bool optimize;
	xmlNsPtr en;
	uuid_t u;
	int r;

	(void)unused;
	if ((r = require_admin(op)) != WINRMD_OK)
		return r;
	p = host->op_principal(op);
	if ((part = resource_part(op, &r)) == CFG_PART_NONE)
		return r;
	if (part != CFG_PART_LISTENER)
		return host->op_fault(op, WINRMD_FAULT_ACTION_NOT_SUPPORTED, NULL,
		    "The resource %s is read with Get; only .../config/listener "
		    "is enumerated.", cfg_part_name(part));
	if (!is_elem(req, WINRMD_NS_WSEN, "Enumerate"))
		return host->op_fault(op, WINRMD_FAULT_SCHEMA_VALIDATION, NULL,
		    "An Enumerate needs a wsen:Enumerate body.");
	if (child(req, WINRMD_NS_WSEN, "Filter") != NULL ||
	    child(req, WINRMD_NS_WSMAN, "Filter") != NULL)
		return host->op_fault(op, WINRMD_FAULT_FILTERING_NOT_SUPPORTED,
		    NULL, NULL);
	if ((r = enumeration_mode(op, child(req, WINRMD_NS_WSMAN,
	    "EnumerationMode"), &mode)) != WINRMD_OK)
		return r;
	optimize = child(req, WINRMD_NS_WSMAN, "OptimizeEnumeration") != NULL;
	if ((r = max_elements(op, child(req, WINRMD_NS_WSMAN, "MaxElements"),
	    &max)) != WINRMD_OK)
		return r;

	n = cfg_listeners(&st.listen, v, CFG_MAX_LISTENERS);
	if ((reply = host->op_reply(op, WINRMD_ACTION_ENUMERATE "Response")) == NULL)
		return oom(op);
	resp = xmlNewChild(reply, NULL, BAD_CAST "EnumerateResponse", NULL);
	en = xmlNewNs(resp, BAD_CAST WINRMD_NS_WSEN, BAD_CAST "n");
	xmlSetNs(resp, en);
	ectx = xmlNewChild(resp, en, BAD_CAST "EnumerationContext", NULL);
	if (optimize) {
		items = xmlNewChild(resp, ns_of(resp, WINRMD_NS_WSMAN),
		    BAD_CAST "Items", NULL);
		fill_items(op, items, mode, v, n, &pos, max);
		if (pos >= n) {
			/* everything sent: no context to Pull from */
			xmlNewChild(resp, ns_of(resp, WINRMD_NS_WSMAN),
			    BAD_CAST "EndOfSequence", NULL);
			return WINRMD_OK;
		}
	}

	for (c = st.ctxs; c != NULL; c = c->next)
		if (c->uid == p->uid)
			mine++;
	if ((long long)mine >= conf_or("Service",
	    "MaxConcurrentOperationsPerUser", 1500))
		return host->op_fault(op, WINRMD_FAULT_QUOTA_MAX_OPERATIONS,
		    NULL, NULL);
	if (st.nctxs >= MAX_CONTEXTS)
		return host->op_fault(op, WINRMD_FAULT_QUOTA_LIMIT, NULL, NULL);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return oom(op);
	uuid_generate_random(u);
	memcpy(c->id, "uuid:", 5);
	uuid_unparse_upper(u, c->id + 5);
	c->uid = p->uid;
	c->pos = pos;
	c->mode = mode;
	c->next = st.ctxs;
	st.ctxs = c;
	st.nctxs++;
	ctx_arm(c);
	xmlNodeSetContent(ectx, BAD_CAST c->id);
	return WINRMD_OK;
}

/* the context a Pull or Release names, or the InvalidEnumerationContext fault */
static struct enum_ctx *
named_ctx(struct winrmd_op *op, const char *what, int *r)
{
	xmlNodePtr req = host->op_body(op);
	struct enum_ctx *c = NULL;
	char *id;

	if (!is_elem(req, WINRMD_NS_WSEN, what)) {
		*r = host->op_fault(op, WINRMD_FAULT_SCHEMA_VALIDATION, NULL,
		    "A %s needs a wsen:%s body.", what, what);
		return NULL;
	}
	if ((id = trimmed(child(req, WINRMD_NS_WSEN, "EnumerationContext"))) == NULL) {
		*r = oom(op);
		return NULL;
	}
	c = ctx_find(id, host->op_principal(op)->uid);
	free(id);
	if (c == NULL)
		*r = host->op_fault(op, WINRMD_FAULT_INVALID_ENUMERATION_CONTEXT,
		    NULL, NULL);
	return c;
}

static int
op_pull(struct winrmd_op *op, void *unused)
{
	struct cfg_listener v[CFG_MAX_LISTENERS];
	xmlNodePtr reply, resp, items;
	struct enum_ctx *c;
	size_t n, max;
	xmlNsPtr en;
	int r;

	(void)unused;
	if ((r = require_admin(op)) != WINRMD_OK)
		return r;
	if ((c = named_ctx(op, "Pull", &r)) == NULL)
		return r;
	if ((r = max_elements(op, child(host->op_body(op), WINRMD_NS_WSEN,
	    "MaxElements"), &max)) != WINRMD_OK)
		return r;
	if ((reply = host->op_reply(op, WINRMD_ACTION_PULL "Response")) == NULL)
		return oom(op);
	n = cfg_listeners(&st.listen, v, CFG_MAX_LISTENERS);
	resp = xmlNewChild(reply, NULL, BAD_CAST "PullResponse", NULL);
	en = xmlNewNs(resp, BAD_CAST WINRMD_NS_WSEN, BAD_CAST "n");
	xmlSetNs(resp, en);
	items = xmlNewChild(resp, en, BAD_CAST "Items", NULL);
	fill_items(op, items, c->mode, v, n, &c->pos, max);
	if (c->pos >= n) {
		xmlNewChild(resp, en, BAD_CAST "EndOfSequence", NULL);
		ctx_free(c);
		return WINRMD_OK;
	}
	/* more to come: the context goes before the items */
	xmlAddPrevSibling(items, xmlNewDocNode(resp->doc, en,
	    BAD_CAST "EnumerationContext", BAD_CAST c->id));
	ctx_arm(c);
	return WINRMD_OK;
}

static int
op_release(struct winrmd_op *op, void *unused)
{
	struct enum_ctx *c;
	int r;

	(void)unused;
	if ((r = require_admin(op)) != WINRMD_OK)
		return r;
	if ((c = named_ctx(op, "Release", &r)) == NULL)
		return r;
	ctx_free(c);
	return host->op_reply(op, WINRMD_ACTION_RELEASE "Response") ?
	    WINRMD_OK : oom(op);
}

/* every other Action: AccessDenied for non-admins, else not supported */
static int
op_other(struct winrmd_op *op, void *unused)
{
	int r;

	(void)unused;
	if ((r = require_admin(op)) != WINRMD_OK)
		return r;
	return host->op_fault(op, WINRMD_FAULT_ACTION_NOT_SUPPORTED, NULL,
	    "The action %.200s is not supported for %.200s.",
	    host->op_action(op), host->op_resource_uri(op));
}

/* ------------------------------------------------------------- plugin */

static int
init(const struct winrmd_host *h, void **ret_state)
{
	if (h->abi != WINRMD_PLUGIN_ABI || h->size < sizeof(*h))
		return -EPROTO;
	host = h;
	memset(&st, 0, sizeof(st));
	if (cfg_listen_load(&st.listen, h) < 0)
		return -ENOMEM;
	admin_groups_load();
	*ret_state = &st;
	return 0;
}

static void
reload(void *unused)
{
	(void)unused;
	admin_groups_load();
}

static void
fini(void *unused)
{
	(void)unused;
	while (st.ctxs != NULL)
		ctx_free(st.ctxs);
	cfg_listen_free(&st.listen);
	free(st.admin_gids);
	st.admin_gids = NULL;
	st.nadmin = 0;
}

static const struct winrmd_action config_actions[] = {
	{ WINRMD_ACTION_GET, op_get },
	{ WINRMD_ACTION_PUT, op_put },
	{ WINRMD_ACTION_ENUMERATE, op_enumerate },
	{ WINRMD_ACTION_PULL, op_pull },
	{ WINRMD_ACTION_RELEASE, op_release },
	{ WINRMD_ACTION_ANY, op_other },
	{ NULL, NULL },
};

static const struct winrmd_resource config_resources[] = {
	{ CFG_URI, config_actions },
	{ NULL, NULL },
};

static const struct winrmd_plugin config_plugin = {
	.abi = WINRMD_PLUGIN_ABI,
	.size = sizeof(struct winrmd_plugin),
	.name = "config",
	.version = "1",
	.init = init,
	.fini = fini,
	.reload = reload,
	.resources = config_resources,
};

const struct winrmd_plugin *
winrmd_plugin_entry(void)
{
	return &config_plugin;
}
