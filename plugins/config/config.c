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
 *   Enumerate/Pull/Release .../config/listener   every listener (the
 *                                    daemon's WS-Enumeration over them)
 *   Put   .../config, .../config/service, .../config/service/auth,
 *         .../config/winrs           `winrm set': the keys changed in
 *                                    winrmd.conf and reloaded (put.c);
 *                                    AccessDenied unless [Config] AllowPut
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

#include "cfg.h"
#include "../shell/winrs_settings.h"

/* the plugin's state (init's *ret_state, every operation's `state') */
struct cfg_plugin {
	const struct winrmd_host *host;
	struct cfg_listen	 listen;	/* [Listener] at start-up */
	gid_t			*admin_gids;
	size_t			 nadmin;
};

/* ------------------------------------------------------------- access */

/* [Config] AdminGroups -> gids; names that do not exist are logged, skipped */
static void
admin_groups_load(struct cfg_plugin *st)
{
	const struct winrmd_host *host = st->host;
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
	free(st->admin_gids);
	st->admin_gids = gids;
	st->nadmin = n;
}

static bool
is_admin(const struct cfg_plugin *st, const struct winrmd_principal *p)
{
	if (p == NULL)
		return false;
	for (size_t i = 0; i < st->nadmin; i++) {
		if (p->gid == st->admin_gids[i])
			return true;
		for (int j = 0; j < p->ngroups; j++)
			if (p->groups[j] == st->admin_gids[i])
				return true;
	}
	return false;
}

/* WINRMD_OK for an admin, else the AccessDenied fault */
static int
require_admin(const struct cfg_plugin *st, struct winrmd_op *op)
{
	const struct winrmd_host *host = st->host;
	const struct winrmd_principal *p = host->op_principal(op);

	if (is_admin(st, p))
		return WINRMD_OK;
	host->log(WINRMD_LOG_NOTICE, "config: %s (uid %ld) from %s is in none "
	    "of [Config] AdminGroups: access to %s denied",
	    p ? p->name : "(nobody)", p ? (long)p->uid : -1L,
	    host->op_client_ip(op) ? host->op_client_ip(op) : "?",
	    cfg_part_name(cfg_part_of(host->op_resource_uri(op))));
	return host->op_fault(op, WINRMD_FAULT_ACCESS_DENIED, NULL, NULL);
}

/* ------------------------------------------------------------ helpers */

static int
oom(const struct winrmd_host *host, struct winrmd_op *op)
{
	return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
	    "out of memory");
}

/*
 * Windows' selector fault (its WSManFault code follows the faultDetail),
 * or plain InvalidSelectors under a daemon older than those faults (its
 * host table has no conf_set either)
 */
static enum winrmd_fault
sel_fault(const struct winrmd_host *host, enum winrmd_fault f)
{
	return WINRMD_HOST_HAS(host, conf_set) ? f :
	    WINRMD_FAULT_INVALID_SELECTORS;
}

/* the part the ResourceURI names, or a DestinationUnreachable fault */
static enum cfg_part
resource_part(const struct winrmd_host *host, struct winrmd_op *op, int *r)
{
	const char *uri = host->op_resource_uri(op);
	enum cfg_part part = cfg_part_of(uri);

	if (part == CFG_PART_NONE)
		*r = host->op_fault(op, WINRMD_HOST_HAS(host, conf_set) ?
		    WINRMD_FAULT_INVALID_RESOURCE_URI :
		    WINRMD_FAULT_DESTINATION_UNREACHABLE, "InvalidResourceURI",
		    "The WS-Management service cannot process the request. The "
		    "resource URI (%.200s) was not found in the WS-Management "
		    "catalog.", uri ? uri : "");
	return part;
}

/* ---------------------------------------------------------------- Get */

static int
get_listener(struct cfg_plugin *st, struct winrmd_op *op, xmlNodePtr body)
{
	const struct winrmd_host *host = st->host;
	struct cfg_listener v[CFG_MAX_LISTENERS];
	const struct winrmd_selector *sel;
	size_t n = cfg_listeners(&st->listen, v, CFG_MAX_LISTENERS);
	size_t nsel = host->op_selectors(op, &sel);
	const char *address = host->op_selector(op, "Address");
	const char *transport = host->op_selector(op, "Transport");
	const struct cfg_listener *one;

	if (address == NULL || transport == NULL)
		return host->op_fault(op, sel_fault(host,
		    WINRMD_FAULT_INSUFFICIENT_SELECTORS),
		    "InsufficientSelectors", "A listener is named by the "
		    "selectors Address and Transport; enumerate .../config/"
		    "listener to list them.");
	if (nsel > 2)
		return host->op_fault(op, sel_fault(host,
		    WINRMD_FAULT_UNEXPECTED_SELECTORS),
		    "UnexpectedSelectors", "A listener is named by the "
		    "selectors Address and Transport only.");
	/* what Windows answers for a listener it does not have (0x80338000) */
	if ((one = cfg_listener_find(v, n, address, transport)) == NULL)
		return host->op_fault(op, WINRMD_FAULT_DESTINATION_UNREACHABLE,
		    NULL, "The WS-Management service cannot process the request. "
		    "The service cannot find the resource identified by the "
		    "resource URI and selectors (no listener with Address %.64s "
		    "and Transport %.16s).", address, transport);
	return cfg_render_listener(body, &st->listen, one) ? WINRMD_OK :
	    oom(host, op);
}

static int
op_get(struct winrmd_op *op, void *state)
{
	struct cfg_plugin *st = state;
	const struct winrmd_host *host = st->host;
	const struct winrmd_selector *sel;
	enum cfg_part part;
	xmlNodePtr body;
	int r;

	if ((r = require_admin(st, op)) != WINRMD_OK)
		return r;
	if ((part = resource_part(host, op, &r)) == CFG_PART_NONE)
		return r;
	if (part != CFG_PART_LISTENER && host->op_selectors(op, &sel) > 0)
		return host->op_fault(op, sel_fault(host,
		    WINRMD_FAULT_UNEXPECTED_SELECTORS),
		    "UnexpectedSelectors", "The resource %s takes no selectors.",
		    cfg_part_name(part));
	if ((body = host->op_reply(op, WINRMD_ACTION_GET "Response")) == NULL)
		return oom(host, op);
	r = part == CFG_PART_LISTENER ? get_listener(st, op, body) :
	    cfg_render(body, part, host, &st->listen) ? WINRMD_OK :
	    oom(host, op);
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
op_put(struct winrmd_op *op, void *state)
{
	const struct cfg_plugin *st = state;
	const struct winrmd_host *host = st->host;
	const struct winrmd_selector *sel;
	enum cfg_part part;
	int r;

	if ((r = require_admin(st, op)) != WINRMD_OK)
		return r;
	if (!host->conf_bool("Config", "AllowPut")) {
		host->log(WINRMD_LOG_NOTICE, "config: Put by %s refused: "
		    "[Config] AllowPut is false", host->op_principal(op)->name);
		return host->op_fault(op, WINRMD_FAULT_ACCESS_DENIED, NULL,
		    "Access is denied. Remote configuration changes are "
		    "disabled ([Config] AllowPut = false).");
	}
	if ((part = resource_part(host, op, &r)) == CFG_PART_NONE)
		return r;
	if (host->op_selectors(op, &sel) > 0)
		return host->op_fault(op, sel_fault(host,
		    WINRMD_FAULT_UNEXPECTED_SELECTORS),
		    "UnexpectedSelectors", "The resource %s takes no selectors.",
		    cfg_part_name(part));
	return cfg_put(host, op, part, &st->listen,
	    host->op_principal(op)->name);
}

/* ------------------------------------------------------- enumeration */

/* the listeners of one enumeration of .../config/listener (the iterator) */
struct listener_iter {
	const struct winrmd_host *host;
	struct cfg_listen	*listen;	/* the plugin's */
	size_t			 n, pos;
	struct cfg_listener	 v[];
};

static int
it_item(void *arg, xmlNodePtr object, struct winrmd_epr *epr)
{
	struct listener_iter *it = arg;
	const struct cfg_listener *l;

	if (it->pos >= it->n)
		return 0;
	l = &it->v[it->pos];
	if (object != NULL &&
	    cfg_render_listener(object, it->listen, l) == NULL)
		return -ENOMEM;
	if (epr != NULL &&
	    (it->host->epr_selector(epr, "Address", l->address) < 0 ||
	    it->host->epr_selector(epr, "Transport", l->transport) < 0))
		return -ENOMEM;
	return 1;
}

static void
it_next(void *arg)
{
	((struct listener_iter *)arg)->pos++;
}

static const struct winrmd_enum_source listener_source = {
	.item = it_item,
	.next = it_next,
	.release = free,
};

static int
op_enumerate(struct winrmd_op *op, void *state)
{
	struct cfg_plugin *st = state;
	const struct winrmd_host *host = st->host;
	struct cfg_listener v[CFG_MAX_LISTENERS];
	struct listener_iter *it;
	struct winrmd_enum *ctx;
	enum cfg_part part;
	size_t n;
	int r;

	if ((r = require_admin(st, op)) != WINRMD_OK)
		return r;
	if ((part = resource_part(host, op, &r)) == CFG_PART_NONE)
		return r;
	if (part != CFG_PART_LISTENER)
		return host->op_fault(op, WINRMD_FAULT_ACTION_NOT_SUPPORTED, NULL,
		    "The resource %s is read with Get; only .../config/listener "
		    "is enumerated.", cfg_part_name(part));
	if ((ctx = host->enum_begin(op, &listener_source, 0)) == NULL)
		return WINRMD_FAULT;
	n = cfg_listeners(&st->listen, v, CFG_MAX_LISTENERS);
	if ((it = malloc(sizeof(*it) + n * sizeof(v[0]))) == NULL) {
		host->enum_abort(ctx);
		return oom(host, op);
	}
	it->host = host;
	it->listen = &st->listen;
	it->n = n;
	it->pos = 0;
	memcpy(it->v, v, n * sizeof(v[0]));
	return host->enum_answer(op, ctx, it, CFG_LISTENER_URI);
}

static int
op_pull(struct winrmd_op *op, void *state)
{
	const struct cfg_plugin *st = state;
	int r;

	if ((r = require_admin(st, op)) != WINRMD_OK)
		return r;
	return st->host->enum_pull(op, &listener_source);
}

static int
op_release(struct winrmd_op *op, void *state)
{
	const struct cfg_plugin *st = state;
	int r;

	if ((r = require_admin(st, op)) != WINRMD_OK)
		return r;
	return st->host->enum_release(op, &listener_source);
}

/* every other Action: AccessDenied for non-admins, else not supported */
static int
op_other(struct winrmd_op *op, void *state)
{
	const struct cfg_plugin *st = state;
	const struct winrmd_host *host = st->host;
	int r;

	if ((r = require_admin(st, op)) != WINRMD_OK)
		return r;
	return host->op_fault(op, WINRMD_FAULT_ACTION_NOT_SUPPORTED, NULL,
	    "The action %.200s is not supported for %.200s.",
	    host->op_action(op), host->op_resource_uri(op));
}

/* ------------------------------------------------------------- plugin */

static int
init(const struct winrmd_host *h, void **ret_state)
{
	struct cfg_plugin *st;

	if (h->abi != WINRMD_PLUGIN_ABI || h->size < sizeof(*h))
		return -EPROTO;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return -ENOMEM;
	st->host = h;
	if (cfg_listen_load(&st->listen, h) < 0) {
		free(st);
		return -ENOMEM;
	}
	admin_groups_load(st);
	*ret_state = st;
	return 0;
}

static void
reload(void *state)
{
	admin_groups_load(state);
	cfg_auth_log_reset();
}

static void
fini(void *state)
{
	struct cfg_plugin *st = state;

	cfg_listen_free(&st->listen);
	free(st->admin_gids);
	free(st);
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

/* its own, and [Winrs], which cfg:Winrs shows (as the shell plugin reads it) */
static const struct winrmd_setting config_settings[] = {
	{ "Config", "AdminGroups", WINRMD_SETTING_LIST, "sudo wheel", 0, 0, NULL,
	  "members of these groups may read the configuration (winrm get "
	  "winrm/config)", 0 },
	{ "Config", "AllowPut", WINRMD_SETTING_BOOL, "false", 0, 0, NULL,
	  "allow admins to change the configuration remotely (winrm set "
	  "winrm/config/...: the keys are written to this file, in place, and "
	  "reloaded); off: AccessDenied", 0 },
	WINRS_SETTINGS,
	{ NULL },
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
	.settings = config_settings,
};

const struct winrmd_plugin *
winrmd_plugin_entry(void)
{
	return &config_plugin;
}
