/*
 * invoke.c: CIM methods.  The Action is ResourceURI + "/" + Method (any
 * other Action that reaches the plugin is wsa:ActionNotSupported); the
 * body is <Method>_INPUT whose children are the in parameters, matched by
 * local name whatever their namespace (MS-WSMV 4.1.4 itself sends a wrong
 * one).  Static methods run at once; instance methods first find the
 * instance the selectors name.  The answer is <Method>_OUTPUT with the out
 * parameters and ReturnValue, Action ResourceURI/<Method>Response.
 */
#define _GNU_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cim.h"

struct invoke_req {
	struct cim		*cim;
	const struct cim_entry	*ent;
	const struct cim_method	*m;
	struct cim_instance	*in;
	char			 class_uri[CIM_URI_MAX];
	char			 action[CIM_URI_MAX + CIM_NAME_MAX + 16];
};

static void
req_free(struct invoke_req *q)
{
	if (q == NULL)
		return;
	inst_free(q->in);
	free(q);
}

static int
invoke_answer(struct winrmd_op *op, struct cim_ctx *c, struct invoke_req *q)
{
	const struct winrmd_host *host = c->cim->host;
	xmlNodePtr body;
	int r = WINRMD_OK;

	if (c->fault != WINRMD_FAULT_NONE)
		r = cim_call_fault(op, c);
	else if ((body = host->op_reply(op, q->action)) == NULL ||
	    render_output(body, q->class_uri, q->m, c->out) == NULL)
		r = host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	req_free(q);
	return r;
}

static void
invoke_done(struct cim_ctx *c)
{
	struct winrmd_op *op = c->op;

	invoke_answer(op, c, c->arg);
	c->arg = NULL;
	c->cim->host->op_complete(op);
}

/* runs the method; takes q and target */
static int
invoke_start(struct winrmd_op *op, struct invoke_req *q,
    struct cim_instance *target)
{
	const struct winrmd_host *host = q->cim->host;
	struct cim_ctx *c = call_new(q->cim, CALL_INVOKE, q->ent, op);

	if (c == NULL || (c->out = inst_new(q->m->out, q->m->nout)) == NULL) {
		call_free(c);
		inst_free(target);
		req_free(q);
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	}
	c->out->host = host;	/* the provider fills it */
	c->method = q->m;
	c->target = target;
	c->in = q->in;
	q->in = NULL;
	c->done = invoke_done;
	c->arg = q;
	host->log(WINRMD_LOG_INFO, "cim: %s.%s invoked by %s", q->ent->name,
	    q->m->name, c->user.p.name ? c->user.p.name : "?");
	if (call_run(c) == CALL_PENDING)
		return WINRMD_PENDING;
	c->arg = NULL;
	{
		int r = invoke_answer(op, c, q);

		call_free(c);
		return r;
	}
}

static int
invoke_found(struct winrmd_op *op, struct cim_ctx *c, void *arg)
{
	struct invoke_req *q = arg;
	struct cim_instance *target;

	if (c->fault != WINRMD_FAULT_NONE) {
		req_free(q);
		return cim_call_fault(op, c);
	}
	if (c->target == NULL) {
		req_free(q);
		return c->cim->host->op_fault(op, WINRMD_FAULT_INVALID_SELECTORS, NULL,
		    "The WS-Management service cannot process the request "
		    "because the request contained invalid selectors for the "
		    "resource: no instance of %s has these keys.",
		    c->ent ? c->ent->name : "the class");
	}
	target = c->target;
	c->target = NULL;
	return invoke_start(op, q, target);
}

/* the value of one parameter element into `in' */
static int
read_param(const struct winrmd_host *host, struct winrmd_op *op,
    struct cim_instance *in, size_t k, xmlNodePtr n)
{
	const struct cim_property *p = &in->props[k];
	xmlChar *nil = xmlGetNsProp(n, BAD_CAST "nil", BAD_CAST WINRMD_NS_XSI);
	xmlNodePtr inner;
	char *text;
	int r;

	if (nil != NULL) {
		bool is_nil = strcmp((const char *)nil, "true") == 0 ||
		    strcmp((const char *)nil, "1") == 0;

		xmlFree(nil);
		if (is_nil) {
			inst_set_null(in, k);
			return WINRMD_OK;
		}
	}
	/* <p:When><cim:Datetime>...</cim:Datetime></p:When> */
	inner = NULL;
	for (xmlNodePtr c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE) {
			inner = c;
			break;
		}
	if (inner != NULL && !(cim_is(inner, NULL, "Datetime") ||
	    cim_is(inner, NULL, "Interval") || cim_is(inner, NULL, "Date") ||
	    cim_is(inner, NULL, "Time")))
		return host->op_fault(op, WINRMD_FAULT_INVALID_PARAMETER, NULL,
		    "The parameter %s holds an element; embedded instances and "
		    "references are not supported.", p->name);
	if (p->type == CIM_STRING && inner == NULL) {
		xmlChar *raw = xmlNodeGetContent(n);

		text = strdup(raw ? (const char *)raw : "");
		xmlFree(raw);
	} else
		text = cim_text(inner != NULL ? inner : n);
	if (text == NULL)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	if (p->flags & CIM_ARRAY)
		r = inst_add_text(in, k, text);
	else
		r = inst_set_text(in, k, text);
	free(text);
	if (r < 0)
		return host->op_fault(op, WINRMD_FAULT_INVALID_PARAMETER, NULL,
		    "The value of the parameter %s is not valid for its type.",
		    p->name);
	return WINRMD_OK;
}

static int
read_input(const struct winrmd_host *host, struct winrmd_op *op,
    const struct cim_method *m, struct cim_instance *in)
{
	xmlNodePtr body = host->op_body(op);
	char want[CIM_NAME_MAX + 8];

	if (body == NULL)
		return WINRMD_OK;	/* no parameters */
	snprintf(want, sizeof(want), "%s_INPUT", m->name);
	if (strcasecmp((const char *)body->name, want) != 0)
		return host->op_fault(op, WINRMD_FAULT_SCHEMA_VALIDATION, NULL,
		    "The body of a %s invocation must be %s.", m->name, want);
	for (xmlNodePtr n = body->children; n != NULL; n = n->next) {
		ssize_t k;
		int r;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if ((k = props_find(m->in, m->nin, (const char *)n->name)) < 0)
			return host->op_fault(op, WINRMD_FAULT_INVALID_PARAMETER,
			    NULL, "The method %s has no parameter %.64s.",
			    m->name, (const char *)n->name);
		if ((r = read_param(host, op, in, (size_t)k, n)) != WINRMD_OK)
			return r;
	}
	return WINRMD_OK;
}

int
cim_op_invoke(struct winrmd_op *op, void *state)
{
	struct cim *cim = state;
	const struct winrmd_host *host = cim->host;
	const char *action = host->op_action(op);
	const char *uri = host->op_resource_uri(op);
	const struct cim_entry *ent;
	const struct cim_method *m = NULL;
	const char *name;
	struct invoke_req *q;
	struct cim_instance *keys;
	struct cim_uri u;
	size_t ulen;
	int r;

	ulen = uri ? strcspn(uri, "?") : 0;
	if (uri == NULL || action == NULL || strncasecmp(action, uri, ulen) != 0 ||
	    action[ulen] != '/' || strchr(action + ulen + 1, '/') != NULL ||
	    action[ulen + 1] == '\0')
		return host->op_fault(op, WINRMD_FAULT_ACTION_NOT_SUPPORTED, NULL,
		    "The action %.200s is not supported for %.200s.",
		    action ? action : "", uri ? uri : "");
	name = action + ulen + 1;
	if ((r = cim_check_options(cim, op)) != WINRMD_OK ||
	    (r = cim_resolve(cim, op, &u, &ent)) != WINRMD_OK)
		return r;
	if (u.all)
		return host->op_fault(op, WINRMD_FAULT_ACTION_NOT_SUPPORTED, NULL,
		    "Methods need the resource URI of one class, not *.");
	for (size_t i = 0; i < ent->cls->nmethods; i++)
		if (strcasecmp(ent->cls->methods[i].name, name) == 0)
			m = &ent->cls->methods[i];
	if (m == NULL)
		return host->op_fault(op, WINRMD_FAULT_ACTION_NOT_SUPPORTED, NULL,
		    "The method %.64s does not exist in the class %s.", name,
		    ent->name);
	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (q->in = inst_new(m->in, m->nin)) == NULL) {
		free(q);
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	}
	q->cim = cim;
	q->ent = ent;
	q->m = m;
	uri_class(&u, ent->name, q->class_uri, sizeof(q->class_uri));
	snprintf(q->action, sizeof(q->action), "%.*s/%sResponse", (int)ulen,
	    uri, m->name);
	if ((r = read_input(host, op, m, q->in)) != WINRMD_OK) {
		req_free(q);
		return r;
	}
	if (m->is_static)
		return invoke_start(op, q, NULL);
	if ((r = cim_keys_from_selectors(cim, op, ent, &keys)) != WINRMD_OK) {
		req_free(q);
		return r;
	}
	return get_lookup(cim, op, ent, keys, invoke_found, q);
}
