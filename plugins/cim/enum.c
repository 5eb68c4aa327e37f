/*
 * enum.c: Enumerate, Pull and Release over classes, on the daemon's
 * WS-Enumeration (host->enum_*, which keeps the contexts, their owners,
 * expiry and per-user bound, batches, MaxEnvelopeSize and the EPR modes).
 * An Enumerate calls the provider's enumerate() once (it may be pending),
 * keeps what passes the filter (with only the selected properties) in a
 * list, and hands the daemon an iterator over that list; each item is
 * the instance (or its WQL fragment) and the key selectors of its EPR.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdlib.h>

#include "cim.h"

#define CONTEXT_MAX_ITEMS	1000000	/* instances one enumeration may hold */

/* the instances of one enumeration, not yet served (the iterator) */
struct cim_enum {
	const struct winrmd_host *host;
	struct winrmd_enum	*ctx;	/* the daemon's, until answered */
	struct cim_view		 view;
	struct cim_filter	*filter;
	struct cim_instance	*head, *tail;
	size_t			 count;
};

struct epr_add {
	const struct winrmd_host	*host;
	struct winrmd_epr		*epr;
};

static int
epr_add(void *arg, const char *name, const char *value)
{
	struct epr_add *a = arg;

	return a->host->epr_selector(a->epr, name, value);
}

static int
it_item(void *arg, xmlNodePtr object, struct winrmd_epr *epr)
{
	struct cim_enum *it = arg;
	const struct cim_instance *i = it->head;
	struct epr_add a = { it->host, epr };

	if (i == NULL)
		return 0;
	if (object != NULL && render_object(object, &it->view, i) == NULL)
		return -ENOMEM;
	if (epr != NULL)
		return render_keys(&it->view, i, epr_add, &a) < 0 ? -ENOMEM : 1;
	return 1;
}

static void
it_next(void *arg)
{
	struct cim_enum *it = arg;
	struct cim_instance *i = it->head;

	if (i == NULL)
		return;
	if ((it->head = i->next) == NULL)
		it->tail = NULL;
	inst_free(i);
	it->count--;
}

static void
it_release(void *arg)
{
	struct cim_enum *it = arg;

	inst_free_list(it->head);
	filter_free(it->filter);
	free(it);
}

const struct winrmd_enum_source cim_enum_source = {
	.item = it_item,
	.next = it_next,
	.release = it_release,
};

struct cim_enum *
cim_enum_new(const struct winrmd_host *host, const struct cim_view *v,
    struct cim_filter *filter)
{
	struct cim_enum *it = calloc(1, sizeof(*it));

	if (it == NULL)
		return NULL;
	it->host = host;
	it->view = *v;
	it->filter = filter;
	it->view.keep = filter ? filter->keep : NULL;
	return it;
}

void
cim_enum_add(struct cim_enum *it, struct cim_instance *i)
{
	inst_keep_only(i, it->view.keep);
	i->next = NULL;
	if (it->tail != NULL)
		it->tail->next = i;
	else
		it->head = i;
	it->tail = i;
	it->count++;
}

/* ---------------------------------------------------------- Enumerate */

static bool
enum_sink(struct cim_ctx *c, struct cim_instance *i)
{
	struct cim_enum *it = c->arg;

	if (!filter_match(it->filter, i)) {
		inst_free(i);
		return true;
	}
	if (it->count >= CONTEXT_MAX_ITEMS) {
		inst_free(i);
		call_fail(c, WINRMD_FAULT_INTERNAL_ERROR, NULL, "The class %s "
		    "has more than %d instances to enumerate.",
		    it->view.ent->name, CONTEXT_MAX_ITEMS);
		return false;
	}
	cim_enum_add(it, i);
	return true;
}

static int
enum_answer(struct winrmd_op *op, struct cim_enum *it, struct cim_ctx *c)
{
	const struct winrmd_host *host = it->host;
	struct winrmd_enum *ctx = it->ctx;

	it->ctx = NULL;
	if (c->fault != WINRMD_FAULT_NONE) {
		host->enum_abort(ctx);
		it_release(it);
		return cim_call_fault(op, c);
	}
	host->log(WINRMD_LOG_DEBUG, "cim: enumeration of %s for %s: %zu "
	    "instance(s) (%zu emitted)", it->view.ent->name, c->user.p.name,
	    it->count, c->emitted);
	return host->enum_answer(op, ctx, it, it->view.uri);
}

static void
enum_done(struct cim_ctx *c)
{
	struct winrmd_op *op = c->op;

	enum_answer(op, c->arg, c);
	c->cim->host->op_complete(op);
}

int
cim_op_enumerate(struct winrmd_op *op, void *state)
{
	struct cim *cim = state;
	const struct winrmd_host *host = cim->host;
	const struct cim_entry *ent;
	struct cim_filter *filter = NULL;
	struct winrmd_enum *ctx;
	struct cim_enum *it = NULL;
	struct cim_view view;
	struct cim_ctx *c = NULL;
	struct cim_uri u;
	int r;

	if ((r = cim_check_options(cim, op)) != WINRMD_OK ||
	    (r = cim_resolve(cim, op, &u, &ent)) != WINRMD_OK)
		return r;
	if ((ctx = host->enum_begin(op, &cim_enum_source,
	    WINRMD_ENUM_FILTER)) == NULL)
		return WINRMD_FAULT;
	if ((r = filter_parse(cim, op, host->op_body(op), &u, &ent,
	    &filter)) != WINRMD_OK) {
		host->enum_abort(ctx);
		return r;
	}
	cim_view_init(cim, &view, op, &u, ent);
	if ((it = cim_enum_new(host, &view, filter)) == NULL ||
	    (c = call_new(cim, CALL_ENUMERATE, ent, op)) == NULL) {
		if (it != NULL)
			it_release(it);
		else
			filter_free(filter);
		host->enum_abort(ctx);
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	}
	it->ctx = ctx;
	c->sink = enum_sink;
	c->done = enum_done;
	c->arg = it;
	if (call_run(c) == CALL_PENDING)
		return WINRMD_PENDING;
	r = enum_answer(op, it, c);
	call_free(c);
	return r;
}

/* ------------------------------------------------------ Pull, Release */

int
cim_op_pull(struct winrmd_op *op, void *state)
{
	const struct cim *cim = state;
	int r;

	if ((r = cim_check_options(cim, op)) != WINRMD_OK)
		return r;
	return cim->host->enum_pull(op, &cim_enum_source);
}

int
cim_op_release(struct winrmd_op *op, void *state)
{
	const struct cim *cim = state;
	int r;

	if ((r = cim_check_options(cim, op)) != WINRMD_OK)
		return r;
	return cim->host->enum_release(op, &cim_enum_source);
}
