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
#include "reply_memo.h"
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

char *
dispatch_identify_text(bool authenticated, size_t *ret_len)
{
	enum memo_identify k = authenticated ? MEMO_IDENTIFY_AUTH :
	    MEMO_IDENTIFY_ANON;
	const char *kept;
	size_t len = 0;
	char *copy;

	if ((kept = reply_memo_identify_text(k, &len)) == NULL) {
		struct winrmd_op op = { 0 };
		char *text = NULL;

		if (dispatch_identify(&op, authenticated, false) == WINRMD_OK)
			text = soap_serialize(op.reply, &len);
		op_done(&op);
		if (text == NULL)
			return NULL;
		reply_memo_identify_keep(k, text, len);
		kept = text;
	}
	if ((copy = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(copy, kept, len + 1);
	*ret_len = len;
	return copy;
}

void
dispatch_list(FILE *out)
{
	for (size_t i = 0; i < nroutes; i++)
		for (const struct winrmd_action *a = routes[i].actions;
		    a->action != NULL; a++)
			fprintf(out, "%s %s\n", routes[i].prefix, a->action);
}
