/*
 * get.c: WS-Transfer Get of one instance, and the lookup of an instance by
 * its key selectors that Get and instance methods share.  Selector names
 * and values are case-insensitive (MS-WSMV 3.1.4.1.2); a missing key, a
 * selector that is not a key or a value of the wrong type is
 * w:InvalidSelectors; valid keys that match no instance are
 * w:DestinationUnreachable, as Windows answers a Get of a WMI instance that
 * does not exist (0x80338000).  A singleton class (CIM_SINGLETON)
 * answers a Get without selectors with its one instance.
 *
 * Gets that arrive together share one provider call.  A Get waits
 * (pending) for the end of the event loop's pass that received it (a timer
 * of 0 ms: the loop runs due timers after the pass's events); the Gets of
 * that pass for the same class and keys, by the same user, with the same
 * OperationTimeout, are then answered from one call, made after every one
 * of them arrived, so no answer holds values read before its request came.
 * Each is rendered in its own view; a view equal to the one before takes
 * the text rendered for it.  A Get that arrives while a batch's call is
 * still pending starts a batch of its own.  Monitoring that polls a class
 * from many connections (Win32_OperatingSystem's /proc reads) pays for
 * one read per pass instead of one per request.
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

/* ------------------------------------------------------------ batches */

struct get_wait {
	struct winrmd_op	*op;
	struct cim_view		*v;
	struct get_wait		*next;
};

struct get_batch {
	struct cim		*cim;
	const struct cim_entry	*ent;
	struct cim_instance	*keys;		/* the first Get's, until run */
	uid_t			 uid;
	char			*user;
	uint64_t		 timeout_ms;
	struct get_wait		*waits, **tail;
	struct get_batch	*next;
};

static void
batch_free(struct get_batch *b)
{
	inst_free(b->keys);
	free(b->user);
	free(b);
}

static bool
view_equal(const struct cim_view *a, const struct cim_view *b)
{
	return a->ent == b->ent && a->keep == NULL && b->keep == NULL &&
	    a->precise_arrays == b->precise_arrays &&
	    strcmp(a->uri, b->uri) == 0 && strcmp(a->cimns, b->cimns) == 0;
}

/* one Get's answer: the call's fault, none found, or the instance (the
 * text of the last one rendered, *prev in view *prev_v, if the view is
 * the same) */
static int
get_answer(struct winrmd_op *op, struct cim_ctx *c, const struct cim_view *v,
    const struct cim_view **prev_v, xmlNodePtr *prev)
{
	const struct winrmd_host *host = c->cim->host;
	xmlNodePtr body, n;

	if (c->fault != WINRMD_FAULT_NONE)
		return cim_call_fault(op, c);
	if (c->target == NULL)
		return host->op_fault(op, WINRMD_FAULT_DESTINATION_UNREACHABLE,
		    NULL, "The WS-Management service cannot process the "
		    "request. The service cannot find the resource identified "
		    "by the resource URI and selectors (no instance of %s has "
		    "these keys).", v->ent->name);
	if ((body = host->op_reply(op, GET_RESPONSE)) == NULL)
		n = NULL;
	else if (*prev != NULL && view_equal(v, *prev_v))
		n = render_again(body, *prev);
	else
		n = render_instance(body, v, c->target);
	if (n == NULL)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	*prev = n;
	*prev_v = v;
	return WINRMD_OK;
}

/*
 * found() of a batch's lookup: answers every Get of it, then completes
 * them (a completed op's reply may be gone: the text is taken before);
 * op is the first, whose status is returned for the caller to complete.
 */
static int
batch_found(struct winrmd_op *op, struct cim_ctx *c, void *arg)
{
	struct get_batch *b = arg;
	const struct cim_view *prev_v = NULL;
	xmlNodePtr prev = NULL;
	struct get_wait *w, *next;
	int r = WINRMD_OK;

	for (w = b->waits; w != NULL; w = w->next) {
		int wr = get_answer(w->op, c, w->v, &prev_v, &prev);

		if (w->op == op)
			r = wr;
	}
	for (w = b->waits; w != NULL; w = next) {
		next = w->next;
		if (w->op != op)
			c->cim->host->op_complete(w->op);
		free(w->v);
		free(w);
	}
	batch_free(b);
	return r;
}

static void
batch_run(struct get_batch *b)
{
	struct cim *cim = b->cim;
	struct winrmd_op *first = b->waits->op;
	struct cim_instance *keys = b->keys;

	b->keys = NULL;		/* the lookup takes them */
	if (get_lookup(cim, first, b->ent, keys, batch_found, b) !=
	    WINRMD_PENDING)
		cim->host->op_complete(first);
}

/* the end of the pass: every batch it gathered, each with one call */
static void
batches_run(void *arg)
{
	struct cim *cim = arg;
	struct get_batch *b = cim->gets, *next;

	cim->gets = NULL;
	cim->gets_timer = NULL;
	for (; b != NULL; b = next) {
		next = b->next;
		batch_run(b);
	}
}

void
get_abort_all(struct cim *cim)
{
	struct get_batch *b = cim->gets, *next;

	cim->host->timer_stop(cim->gets_timer);
	cim->gets_timer = NULL;
	cim->gets = NULL;
	for (; b != NULL; b = next) {
		struct cim_ctx stop = { .cim = cim };
		struct winrmd_op *first = b->waits->op;

		next = b->next;
		call_fail(&stop, WINRMD_FAULT_SERVICE_STOPPING, NULL,
		    "The WS-Management service is stopping.");
		batch_found(first, &stop, b);
		cim->host->op_complete(first);
	}
}

/* the open batch this Get belongs to, or a new one; NULL: no memory */
static struct get_batch *
batch_for(struct cim *cim, struct winrmd_op *op, const struct cim_entry *ent,
    struct cim_instance **keys)
{
	const struct winrmd_principal *p = cim->host->op_principal(op);
	const char *user = p != NULL && p->name != NULL ? p->name : "";
	uid_t uid = p != NULL ? p->uid : (uid_t)-1;
	uint64_t timeout = cim->host->op_timeout_ms(op);
	struct get_batch *b;

	for (b = cim->gets; b != NULL; b = b->next)
		if (b->ent == ent && b->uid == uid &&
		    b->timeout_ms == timeout && strcmp(b->user, user) == 0 &&
		    inst_match_keys(b->keys, *keys)) {
			inst_free(*keys);
			*keys = NULL;
			return b;
		}
	if (cim->gets_timer == NULL && (cim->gets_timer =
	    cim->host->timer_start(0, batches_run, cim)) == NULL)
		return NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (b->user = strdup(user)) == NULL) {
		free(b);
		return NULL;
	}
	b->cim = cim;
	b->ent = ent;
	b->keys = *keys;
	*keys = NULL;
	b->uid = uid;
	b->timeout_ms = timeout;
	b->tail = &b->waits;
	b->next = cim->gets;
	cim->gets = b;
	return b;
}

int
cim_op_get(struct winrmd_op *op, void *state)
{
	struct cim *cim = state;
	const struct winrmd_host *host = cim->host;
	const struct cim_entry *ent;
	struct cim_instance *keys;
	struct get_wait *w;
	struct get_batch *b;
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
	v = malloc(sizeof(*v));
	w = calloc(1, sizeof(*w));
	if (v == NULL || w == NULL || (b = batch_for(cim, op, ent,
	    &keys)) == NULL) {
		inst_free(keys);
		free(v);
		free(w);
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	}
	cim_view_init(cim, v, op, &u, ent);
	w->op = op;
	w->v = v;
	*b->tail = w;
	b->tail = &w->next;
	return WINRMD_PENDING;
}
