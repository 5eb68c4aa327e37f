/*
 * get.c: WS-Transfer Get of one instance, and the lookup of an instance by
 * its key selectors that Get and instance methods share.  Selector names
 * and values are case-insensitive (MS-WSMV 3.1.4.1.2); a missing key, a
 * selector that is not a key or a value of the wrong type is
 * w:InvalidSelectors; valid keys that match no instance are
 * w:DestinationUnreachable, as Windows answers a Get of a WMI instance that
 * does not exist (0x80338000).  A singleton class (CIM_SINGLETON)
 * answers a Get without selectors with its one instance.
 */
#define _GNU_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cim.h"

#define GET_RESPONSE	WINRMD_ACTION_GET "Response"

struct lookup {
	lookup_fn	 found;
	void		*arg;
};

static bool
lookup_sink(struct cim_ctx *c, struct cim_instance *i)
{
	/* no keys at all: a singleton's one instance (cim_keys_from_selectors) */
	if (c->target == NULL && (inst_keys_empty(c->keys) ||
	    inst_match_keys(i, c->keys))) {
		c->target = i;
		return false;	/* found: no more */
	}
	inst_free(i);
	return true;
}

static void
lookup_done(struct cim_ctx *c)
{
	struct lookup *lk = c->arg;
	struct winrmd_op *op = c->op;
	int r;

	r = lk->found(op, c, lk->arg);
	free(lk);
	c->arg = NULL;
	if (r != WINRMD_PENDING)
		c->cim->host->op_complete(op);
}

int
get_lookup(struct cim *cim, struct winrmd_op *op, const struct cim_entry *ent,
    struct cim_instance *keys, lookup_fn found, void *arg)
{
	struct cim_ctx *c;
	struct lookup *lk;
	int r;

	c = call_new(cim, ent->cls->get != NULL && !inst_keys_empty(keys) ?
	    CALL_GET : CALL_ENUMERATE, ent, op);
	lk = calloc(1, sizeof(*lk));
	if (c == NULL || lk == NULL) {
		struct cim_ctx nomem = { .cim = cim,
		    .fault = WINRMD_FAULT_INTERNAL_ERROR };

		/* found() still runs once: it owns arg */
		snprintf(nomem.reason, sizeof(nomem.reason), "out of memory");
		inst_free(keys);
		call_free(c);
		free(lk);
		return found(op, &nomem, arg);
	}
	lk->found = found;
	lk->arg = arg;
	c->keys = keys;
	c->sink = lookup_sink;
	c->done = lookup_done;
	c->arg = lk;
	if (call_run(c) == CALL_PENDING)
		return WINRMD_PENDING;
	r = found(op, c, arg);
	free(lk);
	call_free(c);
	return r;
}

static int
get_found(struct winrmd_op *op, struct cim_ctx *c, void *arg)
{
	const struct winrmd_host *host = c->cim->host;
	struct cim_view *v = arg;
	xmlNodePtr body;
	int r = WINRMD_OK;

	if (c->fault != WINRMD_FAULT_NONE)
		r = cim_call_fault(op, c);
	else if (c->target == NULL)
		r = host->op_fault(op, WINRMD_FAULT_DESTINATION_UNREACHABLE,
		    NULL, "The WS-Management service cannot process the "
		    "request. The service cannot find the resource identified "
		    "by the resource URI and selectors (no instance of %s has "
		    "these keys).", v->ent->name);
	else if ((body = host->op_reply(op, GET_RESPONSE)) == NULL ||
	    render_instance(body, v, c->target) == NULL)
		r = host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	free(v);
	return r;
}

int
cim_op_get(struct winrmd_op *op, void *state)
{
	struct cim *cim = state;
	const struct winrmd_host *host = cim->host;
	const struct cim_entry *ent;
	struct cim_instance *keys;
	struct cim_view *v;
	struct cim_uri u;
	int r;

	if ((r = cim_check_options(cim, op)) != WINRMD_OK ||
	    (r = cim_resolve(cim, op, &u, &ent)) != WINRMD_OK)
		return r;
	if (u.all)
		return host->op_fault(op, WINRMD_FAULT_DESTINATION_UNREACHABLE,
		    "InvalidResourceURI", "A Get needs the resource URI of one "
		    "class, not *.");
	if ((r = cim_keys_from_selectors(cim, op, ent, &keys)) != WINRMD_OK)
		return r;
	if ((v = malloc(sizeof(*v))) == NULL) {
		inst_free(keys);
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	}
	cim_view_init(cim, v, op, &u, ent);
	return get_lookup(cim, op, ent, keys, get_found, v);
}
