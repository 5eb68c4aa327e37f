/*
 * cim.c: the cim plugin: its entry point, the resources it serves (the WMI
 * prefix .../wsman/1/wmi and the CIM prefixes .../wscim/1) and the checks
 * every operation shares: OptionSet MustComply (wsman:InvalidOptions for
 * CIM URIs, MS-WSMV 3.1.4.1.10), the URI and class of a request, key
 * selectors, and how a class is rendered for this request.  The operations
 * are get.c, enum.c and invoke.c; providers are loaded by providers.c.
 */
#define _GNU_SOURCE

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cim.h"
#include "text.h"

#define PRECISE_ARRAYS	"msftwinrm:UsePreciseArrays"

/* ------------------------------------------------------------ helpers */

bool
cim_is(xmlNodePtr n, const char *ns, const char *name)
{
	if (n == NULL || n->type != XML_ELEMENT_NODE ||
	    strcmp((const char *)n->name, name) != 0)
		return false;
	if (ns == NULL)
		return true;
	return n->ns != NULL && strcmp((const char *)n->ns->href, ns) == 0;
}

xmlNodePtr
cim_child(xmlNodePtr parent, const char *ns, const char *name)
{
	for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
		if (cim_is(n, ns, name))
			return n;
	return NULL;
}

char *
cim_text(xmlNodePtr n)
{
	xmlChar *t = xmlNodeGetContent(n);
	char *s;

	if (t == NULL)
		return strdup("");
	s = text_trim_dup((const char *)t);
	xmlFree(t);
	return s;
}

int
cim_check_options(const struct cim *cim, struct winrmd_op *op)
{
	const struct winrmd_host *host = cim->host;
	const struct winrmd_option *opts;
	size_t n = host->op_options(op, &opts);

	for (size_t i = 0; i < n; i++) {
		if (!opts[i].must_comply ||
		    strcasecmp(opts[i].name, PRECISE_ARRAYS) == 0)
			continue;
		return host->op_fault(op, WINRMD_FAULT_INVALID_OPTIONS,
		    "NotSupported", "The option %.128s is marked MustComply "
		    "and is not supported for this resource.", opts[i].name);
	}
	return WINRMD_OK;
}

int
cim_resolve(const struct cim *cim, struct winrmd_op *op, struct cim_uri *u,
    const struct cim_entry **ret)
{
	const struct winrmd_host *host = cim->host;
	char err[256];
	enum winrmd_fault f;

	*ret = NULL;
	f = uri_parse(host->op_resource_uri(op), host->op_selector(op,
	    CIMNS_SELECTOR), u, err, sizeof(err));
	if (f != WINRMD_FAULT_NONE)
		return host->op_fault(op, f, f ==
		    WINRMD_FAULT_DESTINATION_UNREACHABLE ? "InvalidResourceURI" :
		    NULL, "%s", err);
	if (u->all)
		return WINRMD_OK;
	if ((*ret = registry_find(cim, u->ns, u->cls)) == NULL)
		return host->op_fault(op, WINRMD_FAULT_DESTINATION_UNREACHABLE,
		    "InvalidResourceURI", "The WS-Management service cannot "
		    "process the request. The class %s does not exist in the "
		    "%s namespace.", u->cls, u->ns);
	return WINRMD_OK;
}

static bool
class_is_singleton(const struct cim_class *c)
{
	for (size_t k = 0; k < c->nprops; k++)
		if ((c->props[k].flags & (CIM_KEY | CIM_SINGLETON)) ==
		    (CIM_KEY | CIM_SINGLETON))
			return true;
	return false;
}

int
cim_keys_from_selectors(const struct cim *cim, struct winrmd_op *op,
    const struct cim_entry *ent, struct cim_instance **ret)
{
	const struct winrmd_host *host = cim->host;
	const struct cim_class *c = ent->cls;
	const struct winrmd_selector *sels;
	size_t n = host->op_selectors(op, &sels);
	struct cim_instance *keys;

	*ret = NULL;
	if ((keys = inst_new(c->props, c->nprops)) == NULL)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	for (size_t i = 0; i < n; i++) {
		ssize_t k;

		if (strcasecmp(sels[i].name, CIMNS_SELECTOR) == 0)
			continue;
		k = props_find(c->props, c->nprops, sels[i].name);
		if (k < 0 || !(c->props[k].flags & CIM_KEY) ||
		    (c->props[k].flags & CIM_ARRAY)) {
			inst_free(keys);
			return host->op_fault(op, WINRMD_FAULT_INVALID_SELECTORS,
			    "UnexpectedSelectors", "The selector %.64s is not a "
			    "key of %s.", sels[i].name, ent->name);
		}
		if (inst_set_text(keys, (size_t)k, sels[i].value) < 0) {
			inst_free(keys);
			return host->op_fault(op, WINRMD_FAULT_INVALID_SELECTORS,
			    "TypeMismatch", "The value of the selector %s is "
			    "not valid for its type.", c->props[k].name);
		}
	}
	/* a singleton's keys may all be left out: its one instance */
	if (inst_keys_empty(keys) && class_is_singleton(c)) {
		*ret = keys;
		return WINRMD_OK;
	}
	for (size_t k = 0; k < c->nprops; k++)
		if ((c->props[k].flags & CIM_KEY) && !keys->vals[k].set) {
			inst_free(keys);
			return host->op_fault(op, WINRMD_FAULT_INVALID_SELECTORS,
			    "InsufficientSelectors", "The selector %s (a key "
			    "of %s) is missing.", c->props[k].name, ent->name);
		}
	*ret = keys;
	return WINRMD_OK;
}

void
cim_view_init(const struct cim *cim, struct cim_view *v, struct winrmd_op *op,
    const struct cim_uri *u, const struct cim_entry *ent)
{
	const char *pa = cim->host->op_option(op, PRECISE_ARRAYS);

	memset(v, 0, sizeof(*v));
	v->ent = ent;
	uri_class(u, ent->name, v->uri, sizeof(v->uri));
	if (u->form == URI_FORM_DMTF)
		snprintf(v->cimns, sizeof(v->cimns), "%s", u->ns);
	v->precise_arrays = pa != NULL && (strcasecmp(pa, "true") == 0 ||
	    strcmp(pa, "1") == 0);
}

int
cim_call_fault(struct winrmd_op *op, const struct cim_ctx *c)
{
	const struct winrmd_host *host = c->cim->host;
	const char *detail = c->detail[0] != '\0' ? c->detail : NULL;

	if (c->reason[0] == '\0')
		return host->op_fault(op, c->fault, detail, NULL);
	return host->op_fault(op, c->fault, detail, "%s", c->reason);
}

/* ------------------------------------------------------------- plugin */

static int
cim_init(const struct winrmd_host *h, void **ret_state)
{
	struct cim *cim;
	int r;

	if (h->abi != WINRMD_PLUGIN_ABI || h->size < sizeof(struct winrmd_host)) {
		h->log(WINRMD_LOG_ERR, "cim: the daemon's host table (ABI %u, "
		    "size %u) is older than this plugin's", h->abi, h->size);
		return -EINVAL;
	}
	if ((cim = calloc(1, sizeof(*cim))) == NULL)
		return -ENOMEM;
	cim->host = h;
	cim->post_fd = -1;
	cim->svc.abi = WINRMD_PROVIDER_ABI;
	cim->svc.size = sizeof(cim->svc);
	cim->svc.host = h;
	call_services(&cim->svc);
	inst_services(&cim->svc);
	if ((r = post_init(cim)) < 0) {
		h->log(WINRMD_LOG_ERR, "cim: cannot create the post queue: %s",
		    strerror(-r));
		pthread_mutex_destroy(&cim->post_lock);
		free(cim);
		return r;
	}
	*ret_state = cim;
	return providers_load(cim);
}

static void
cim_fini(void *state)
{
	struct cim *cim = state;

	/* answer what waits, then let providers finish their calls */
	get_abort_all(cim);
	call_abort_all(cim, WINRMD_FAULT_SERVICE_STOPPING);
	post_run(cim);
	providers_unload(cim);
	post_fini(cim);
	call_free_all(cim);
	pthread_mutex_destroy(&cim->post_lock);
	free(cim);
}

static const struct winrmd_action cim_actions[] = {
	{ WINRMD_ACTION_GET, cim_op_get },
	{ WINRMD_ACTION_ENUMERATE, cim_op_enumerate },
	{ WINRMD_ACTION_PULL, cim_op_pull },
	{ WINRMD_ACTION_RELEASE, cim_op_release },
	{ WINRMD_ACTION_ANY, cim_op_invoke },
	{ NULL, NULL }
};

static const struct winrmd_resource cim_resources[] = {
	{ URI_WMI, cim_actions },
	{ URI_DMTF, cim_actions },
	{ URI_MSCIM, cim_actions },
	{ NULL, NULL }
};

/* providers are loaded at start: a changed list waits for a restart */
static const struct winrmd_setting cim_settings[] = {
	{ "CIM", "Providers", WINRMD_SETTING_LIST, DEFAULT_PROVIDERS, 0, 0, NULL,
	  "CIM class providers the cim plugin loads: names in "
	  "ProviderDirectory, or absolute paths", WINRMD_SETTING_RESTART },
	{ "CIM", "ProviderDirectory", WINRMD_SETTING_STRING, PROVIDERDIR, 0, 0,
	  NULL, "where CIM class providers are loaded from",
	  WINRMD_SETTING_RESTART },
	{ NULL },
};

static const struct winrmd_plugin cim_plugin = {
	.abi = WINRMD_PLUGIN_ABI,
	.size = sizeof(struct winrmd_plugin),
	.name = "cim",
	.version = "1.0",
	.init = cim_init,
	.fini = cim_fini,
	.resources = cim_resources,
	.settings = cim_settings,
	.declare = providers_declare,
};

const struct winrmd_plugin *
winrmd_plugin_entry(void)
{
	return &cim_plugin;
}
