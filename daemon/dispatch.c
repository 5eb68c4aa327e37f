/*
 * dispatch.c: routing.  Knows plugins' resource tables, not XML or HTTP.
 * A ResourceURI goes to the longest registered prefix (case-insensitive,
 * ending at the URI's end or at '/' or '?'); within it the Action must match
 * exactly.
 */
#include "build.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "dispatch.h"
#include "log.h"
#include "negotiate.h"
#include "op.h"
#include "plugin.h"
#include "soap.h"
#include "winrmd.h"

struct route {
	const char			*prefix;
	size_t				 len;
	const struct winrmd_action	*actions;
	struct plugin			*plugin;
};

static struct route *routes;
static size_t nroutes;

int
dispatch_build(void)
{
	size_t n = 0;

	dispatch_clear();
	for (size_t i = 0; i < plugins_count(); i++)
		for (const struct winrmd_resource *r = plugins_at(i)->def->resources;
		    r->uri != NULL; r++)
			n++;
	if ((routes = calloc(n ? n : 1, sizeof(*routes))) == NULL)
		return -1;
	for (size_t i = 0; i < plugins_count(); i++) {
		struct plugin *p = plugins_at(i);

		for (const struct winrmd_resource *r = p->def->resources;
		    r->uri != NULL; r++) {
			for (size_t j = 0; j < nroutes; j++)
				if (strcasecmp(routes[j].prefix, r->uri) == 0) {
					log_err("dispatch: %s and %s both serve %s",
					    routes[j].plugin->def->name,
					    p->def->name, r->uri);
					return -1;
				}
			routes[nroutes++] = (struct route){ r->uri, strlen(r->uri),
			    r->actions, p };
		}
	}
	return 0;
}

void
dispatch_clear(void)
{
	free(routes);
	routes = NULL;
	nroutes = 0;
}

static const struct route *
route_find(const char *uri)
{
	const struct route *best = NULL;

	for (size_t i = 0; i < nroutes; i++) {
		const struct route *r = &routes[i];
		char next;

		if (strncasecmp(uri, r->prefix, r->len) != 0)
			continue;
		next = uri[r->len];
		if (next != '\0' && next != '/' && next != '?' &&
		    r->prefix[r->len - 1] != '/')
			continue;
		if (best == NULL || r->len > best->len)
			best = r;
	}
	return best;
}

int
dispatch_run(struct winrmd_op *op)
{
	const struct route *r;
	const char *uri = op->msg.resource_uri;

	if (uri == NULL || uri[0] == '\0')
		return fault_set(&op->fault, WINRMD_FAULT_INVALID_RESOURCE_URI,
		    NULL, "The WS-Management service cannot process the "
		    "request: it has no ResourceURI."), WINRMD_FAULT;
	if ((r = route_find(uri)) == NULL)
		return fault_set(&op->fault, WINRMD_FAULT_INVALID_RESOURCE_URI,
		    NULL, "The WS-Management service cannot process the "
		    "request. The resource URI (%.400s) was not found in the "
		    "WS-Management catalog.", uri), WINRMD_FAULT;
	op->plugin = r->plugin->def->name;
	{
		const struct winrmd_action *hit = NULL, *any = NULL;
		int rc;

		for (const struct winrmd_action *a = r->actions; a->action; a++)
			if (strcmp(a->action, WINRMD_ACTION_ANY) == 0)
				any = a;
			else if (strcmp(a->action, op->msg.action) == 0)
				hit = a;
		if (hit == NULL)
			hit = any;
		if (hit != NULL) {
			W->count.dispatched++;
			rc = hit->fn(op, r->plugin->state);
			if (rc == WINRMD_FAULT && op->fault.code == WINRMD_FAULT_NONE)
				fault_set(&op->fault, WINRMD_FAULT_INTERNAL_ERROR,
				    NULL, NULL);
			return rc;
		}
	}
	return fault_set(&op->fault, WINRMD_FAULT_ACTION_NOT_SUPPORTED, NULL,
	    "The action %s is not supported for %s.", op->msg.action, uri),
	    WINRMD_FAULT;
}

int
dispatch_identify(struct winrmd_op *op, bool authenticated, bool https)
{
	static const char secprofile[] =
	    "http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/";
	xmlNodePtr body, resp;
	xmlNsPtr ns;
	char version[128];

	if ((op->reply = soap_reply_bare(&body)) == NULL)
		return fault_set(&op->fault, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory"), WINRMD_FAULT;
	op->reply_body = body;
	resp = xmlNewChild(body, NULL, BAD_CAST "IdentifyResponse", NULL);
	ns = xmlNewNs(resp, BAD_CAST NS_WSMID, BAD_CAST "wsmid");
	xmlSetNs(resp, ns);
	xmlNewTextChild(resp, ns, BAD_CAST "ProtocolVersion",
	    BAD_CAST WINRMD_NS_WSMAN);
	xmlNewTextChild(resp, ns, BAD_CAST "ProductVendor",
	    BAD_CAST "winrmd (Linux)");
	if (authenticated)
		snprintf(version, sizeof(version), "OS: %s SP: 0.0 Stack: 3.0",
		    W->os_version);
	else
		snprintf(version, sizeof(version), "OS: 0.0.0 SP: 0.0 Stack: 3.0");
	xmlNewTextChild(resp, ns, BAD_CAST "ProductVersion", BAD_CAST version);
	if (authenticated) {
		xmlNodePtr sp = xmlNewChild(resp, ns, BAD_CAST "SecurityProfiles",
		    NULL);
		char uri[128];

		if (conf_b(W->cfg, CK_AUTH_BASIC)) {
			if (conf_b(W->cfg, CK_SERVICE_ALLOW_UNENCRYPTED)) {
				snprintf(uri, sizeof(uri), "%shttp/basic", secprofile);
				xmlNewTextChild(sp, ns, BAD_CAST "SecurityProfileName",
				    BAD_CAST uri);
			}
			snprintf(uri, sizeof(uri), "%shttps/basic", secprofile);
			xmlNewTextChild(sp, ns, BAD_CAST "SecurityProfileName",
			    BAD_CAST uri);
		}
		/* over HTTP too: Negotiate seals the messages */
		if (nego_offered("Negotiate") || nego_offered("Kerberos")) {
			snprintf(uri, sizeof(uri), "%shttp/spnego-kerberos",
			    secprofile);
			xmlNewTextChild(sp, ns, BAD_CAST "SecurityProfileName",
			    BAD_CAST uri);
			snprintf(uri, sizeof(uri), "%shttps/spnego-kerberos",
			    secprofile);
			xmlNewTextChild(sp, ns, BAD_CAST "SecurityProfileName",
			    BAD_CAST uri);
		}
		if (conf_b(W->cfg, CK_AUTH_CERTIFICATE)) {
			snprintf(uri, sizeof(uri), "%shttps/mutual", secprofile);
			xmlNewTextChild(sp, ns, BAD_CAST "SecurityProfileName",
			    BAD_CAST uri);
		}
	}
	(void)https;
	return WINRMD_OK;
}

/*
 * Identify's answers depend only on the configuration: each is rendered
 * once per configuration generation (a reload makes new ones).
 */
static struct {
	unsigned	 gen;
	char		*text[2];
	size_t		 len[2];
} idcache;

/*
 * Request bodies already parsed as an Identify, byte for byte.  Monitoring
 * probes and load balancers send the same Identify over and over (Identify
 * carries no MessageID), and parsing it is most of what answering it
 * costs.  What the parser makes of a body depends on its bytes alone, so a
 * body equal to one of these is an Identify without being parsed again.
 * Small bodies only, a few of them, forgotten with the answers above.
 */
#define IDBODY_SLOTS	4
#define IDBODY_MAX	1024

static struct {
	size_t	 len;
	char	*body;
} idbody[IDBODY_SLOTS];
static unsigned idbody_next;

static void
idcache_check_gen(void)
{
	if (idcache.gen == W->cfg_gen)
		return;
	dispatch_identify_flush();
	idcache.gen = W->cfg_gen;
}

bool
dispatch_identify_known(const char *body, size_t len)
{
	idcache_check_gen();
	for (unsigned i = 0; i < IDBODY_SLOTS; i++)
		if (idbody[i].body != NULL && idbody[i].len == len &&
		    memcmp(idbody[i].body, body, len) == 0)
			return true;
	return false;
}

void
dispatch_identify_learn(const char *body, size_t len)
{
	char *copy;

	if (len > IDBODY_MAX || dispatch_identify_known(body, len) ||
	    (copy = malloc(len)) == NULL)
		return;
	memcpy(copy, body, len);
	free(idbody[idbody_next].body);
	idbody[idbody_next].body = copy;
	idbody[idbody_next].len = len;
	idbody_next = (idbody_next + 1) % IDBODY_SLOTS;
}

char *
dispatch_identify_text(bool authenticated, size_t *ret_len)
{
	int i = authenticated ? 1 : 0;
	char *copy;

	idcache_check_gen();
	if (idcache.text[i] == NULL) {
		struct winrmd_op op = { 0 };

		if (dispatch_identify(&op, authenticated, false) == WINRMD_OK)
			idcache.text[i] = soap_serialize(op.reply, &idcache.len[i]);
		op_done(&op);
		if (idcache.text[i] == NULL)
			return NULL;
	}
	if ((copy = malloc(idcache.len[i] + 1)) == NULL)
		return NULL;
	memcpy(copy, idcache.text[i], idcache.len[i] + 1);
	*ret_len = idcache.len[i];
	return copy;
}

void
dispatch_identify_flush(void)
{
	free(idcache.text[0]);
	free(idcache.text[1]);
	memset(&idcache, 0, sizeof(idcache));
	for (unsigned i = 0; i < IDBODY_SLOTS; i++) {
		free(idbody[i].body);
		idbody[i].body = NULL;
		idbody[i].len = 0;
	}
	idbody_next = 0;
}

void
dispatch_list(FILE *out)
{
	for (size_t i = 0; i < nroutes; i++)
		for (const struct winrmd_action *a = routes[i].actions;
		    a->action != NULL; a++)
			fprintf(out, "%s %s\n", routes[i].prefix, a->action);
}
