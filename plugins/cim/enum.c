/*
 * enum.c: WS-Enumeration over classes: Enumerate, Pull, Release and the
 * enumeration contexts between them.  An Enumerate calls the provider's
 * enumerate() once (it may be pending), keeps what passes the filter (with
 * only the selected properties) in a new context, and answers with the
 * context, plus the first items when the client asked for
 * OptimizeEnumeration.  Pulls serve the kept instances in batches of at
 * most MaxElements (capped by [Service] MaxBatchItems), never more than
 * MaxEnvelopeSize allows; if not even one item fits, w:EncodingLimit.
 * A context belongs to the user who created it (anyone else gets
 * wsen:InvalidEnumerationContext, as for an unknown one), expires
 * EnumerationTimeoutms after its last use, and a user may hold at most
 * MaxConcurrentOperationsPerUser of them.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uuid/uuid.h>

#include "cim.h"

#define ENUMERATE_RESPONSE	WINRMD_ACTION_ENUMERATE "Response"
#define PULL_RESPONSE		WINRMD_ACTION_PULL "Response"
#define RELEASE_RESPONSE	WINRMD_ACTION_RELEASE "Response"
#define CONTEXT_MAX_ITEMS	1000000	/* instances one context may hold */
#define ENVELOPE_MARGIN		64	/* serialisers differ by a few bytes */

struct enum_ctx {
	struct enum_ctx		*next;
	char			 id[48];	/* uuid:... */
	uid_t			 owner;
	char			 owner_name[64];
	const struct cim_entry	*ent;
	struct cim_view		 view;
	enum enum_mode		 mode;
	struct cim_filter	*filter;
	struct cim_instance	*head, *tail;	/* not yet served */
	size_t			 count;
	size_t			 served;
	bool			 ready;		/* the provider call ended */
	bool			 optimize;
	uint64_t		 max_elements;	/* of the Enumerate */
	struct winrmd_timer	*timer;
};

static struct enum_ctx *contexts;

size_t
enum_count(uid_t uid)
{
	size_t n = 0;

	for (struct enum_ctx *e = contexts; e != NULL; e = e->next)
		if (e->owner == uid)
			n++;
	return n;
}

static void
enum_destroy(struct enum_ctx *e)
{
	for (struct enum_ctx **pp = &contexts; *pp != NULL; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	host->timer_stop(e->timer);
	inst_free_list(e->head);
	filter_free(e->filter);
	free(e);
}

void
enum_free_all(void)
{
	while (contexts != NULL)
		enum_destroy(contexts);
}

static void
enum_expired(void *arg)
{
	struct enum_ctx *e = arg;

	e->timer = NULL;
	host->log(WINRMD_LOG_INFO, "cim: enumeration %s of %s (%s) expired "
	    "with %zu instance(s) not pulled", e->id, e->ent->name,
	    e->owner_name, e->count);
	enum_destroy(e);
}

static void
enum_touch(struct enum_ctx *e)
{
	long long ms = host->conf_int("Service", "EnumerationTimeoutms");

	host->timer_stop(e->timer);
	e->timer = host->timer_start(ms > 0 ? (uint64_t)ms : 60000,
	    enum_expired, e);
}

static uint64_t
batch_cap(uint64_t want)
{
	long long max = host->conf_int("Service", "MaxBatchItems");

	if (max > 0 && want > (uint64_t)max)
		return (uint64_t)max;
	return want;
}

/*
 * Moves instances from the context into `items' while they fit: at most
 * max of them, and the reply (now `used' bytes, plus `reserve' for what is
 * still to be added) within MaxEnvelopeSize.  Returns how many.
 */
static size_t
fill_items(struct winrmd_op *op, struct enum_ctx *e, xmlNodePtr items,
    uint64_t max, size_t reserve)
{
	size_t limit = host->op_max_envelope(op);
	size_t used = host->op_reply_size(op) + reserve + ENVELOPE_MARGIN;
	size_t n = 0;

	while (e->head != NULL && n < max) {
		struct cim_instance *i = e->head;
		xmlNodePtr item = render_item(items, &e->view, e->mode, i);
		size_t sz;

		if (item == NULL)
			break;
		sz = render_measure(item);
		if (limit != 0 && (sz == SIZE_MAX || used + sz > limit)) {
			/* the item, or the text that replaced it */
			xmlNodePtr last = xmlGetLastChild(items);

			xmlUnlinkNode(last);
			xmlFreeNode(last);
			break;
		}
		used += sz;
		e->head = i->next;
		if (e->head == NULL)
			e->tail = NULL;
		inst_free(i);
		e->count--;
		e->served++;
		n++;
	}
	return n;
}

/* ---------------------------------------------------------- Enumerate */

static bool
enum_sink(struct cim_ctx *c, struct cim_instance *i)
{
	struct enum_ctx *e = c->arg;

	if (!filter_match(e->filter, i)) {
		inst_free(i);
		return true;
	}
	if (e->count >= CONTEXT_MAX_ITEMS) {
		inst_free(i);
		call_fail(c, WINRMD_FAULT_INTERNAL_ERROR, NULL, "The class %s "
		    "has more than %d instances to enumerate.", e->ent->name,
		    CONTEXT_MAX_ITEMS);
		return false;
	}
	inst_keep_only(i, e->filter ? e->filter->keep : NULL);
	i->next = NULL;
	if (e->tail != NULL)
		e->tail->next = i;
	else
		e->head = i;
	e->tail = i;
	e->count++;
	return true;
}

static int
enum_answer(struct winrmd_op *op, struct enum_ctx *e, struct cim_ctx *c)
{
	xmlNodePtr body, resp, items;
	xmlNsPtr n, w;

	if (c->fault != WINRMD_FAULT_NONE) {
		enum_destroy(e);
		return cim_call_fault(op, c);
	}
	e->ready = true;
	if ((body = host->op_reply(op, ENUMERATE_RESPONSE)) == NULL)
		goto nomem;
	resp = xmlNewChild(body, NULL, BAD_CAST "EnumerateResponse", NULL);
	if (resp == NULL)
		goto nomem;
	n = xmlNewNs(resp, BAD_CAST WINRMD_NS_WSEN, BAD_CAST "n");
	xmlSetNs(resp, n);
	w = render_ns(resp, WINRMD_NS_WSMAN, "w");
	xmlNewTextChild(resp, n, BAD_CAST "EnumerationContext", BAD_CAST e->id);
	host->log(WINRMD_LOG_DEBUG, "cim: enumeration %s of %s for %s: %zu "
	    "instance(s) (%zu emitted)", e->id, e->ent->name, e->owner_name,
	    e->count, c->emitted);
	if (!e->optimize) {
		enum_touch(e);
		return WINRMD_OK;
	}
	/* OptimizeEnumeration: the first items now (DSP0226 8.2.3) */
	if ((items = xmlNewChild(resp, w, BAD_CAST "Items", NULL)) == NULL)
		goto nomem;
	fill_items(op, e, items, batch_cap(e->max_elements),
	    sizeof("<w:EndOfSequence/>"));
	if (e->head == NULL) {
		xmlNewChild(resp, w, BAD_CAST "EndOfSequence", NULL);
		enum_destroy(e);
	} else
		enum_touch(e);
	return WINRMD_OK;
nomem:
	enum_destroy(e);
	return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
	    "out of memory");
}

static void
enum_done(struct cim_ctx *c)
{
	struct winrmd_op *op = c->op;

	enum_answer(op, c->arg, c);
	host->op_complete(op);
}

/* a positive integer element, or a fault */
static int
read_max(struct winrmd_op *op, xmlNodePtr n, uint64_t *ret)
{
	char *t = cim_text(n), *end;
	unsigned long long v;

	if (t == NULL)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	errno = 0;
	v = strtoull(t, &end, 10);
	if (t[0] < '0' || t[0] > '9' || *end != '\0' || errno != 0 || v == 0) {
		free(t);
		return host->op_fault(op, WINRMD_FAULT_SCHEMA_VALIDATION, NULL,
		    "MaxElements must be a positive integer.");
	}
	free(t);
	*ret = v;
	return WINRMD_OK;
}

static int
read_mode(struct winrmd_op *op, xmlNodePtr n, enum enum_mode *ret)
{
	char *t = cim_text(n);
	int r = WINRMD_OK;

	if (t == NULL)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	if (strcmp(t, "EnumerateObject") == 0)
		*ret = MODE_OBJECT;
	else if (strcmp(t, "EnumerateEPR") == 0)
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

static struct enum_ctx *
enum_new(struct winrmd_op *op, const struct cim_uri *u,
    const struct cim_entry *ent)
{
	const struct winrmd_principal *p = host->op_principal(op);
	struct enum_ctx *e = calloc(1, sizeof(*e));
	uuid_t id;

	if (e == NULL)
		return NULL;
	uuid_generate_random(id);
	memcpy(e->id, "uuid:", 5);
	uuid_unparse_upper(id, e->id + 5);
	e->owner = p ? p->uid : (uid_t)-1;
	snprintf(e->owner_name, sizeof(e->owner_name), "%s",
	    p && p->name ? p->name : "?");
	e->ent = ent;
	e->mode = MODE_OBJECT;
	e->max_elements = 1;
	cim_view_init(&e->view, op, u, ent);
	return e;
}

int
cim_op_enumerate(struct winrmd_op *op, void *state)
{
	long long quota = host->conf_int("Service",
	    "MaxConcurrentOperationsPerUser");
	const struct winrmd_principal *p = host->op_principal(op);
	xmlNodePtr body = host->op_body(op), n;
	const struct cim_entry *ent;
	struct cim_filter *filter = NULL;
	enum enum_mode mode = MODE_OBJECT;
	uint64_t max = 1;
	bool optimize = false;
	struct enum_ctx *e;
	struct cim_ctx *c;
	struct cim_uri u;
	int r;

	(void)state;
	if ((r = cim_check_options(op)) != WINRMD_OK ||
	    (r = cim_resolve(op, &u, &ent)) != WINRMD_OK)
		return r;
	if (!cim_is(body, WINRMD_NS_WSEN, "Enumerate"))
		return host->op_fault(op, WINRMD_FAULT_SCHEMA_VALIDATION, NULL,
		    "An Enumerate needs a wsen:Enumerate body.");
	for (n = body->children; n != NULL; n = n->next) {
		if (cim_is(n, WINRMD_NS_WSMAN, "OptimizeEnumeration"))
			optimize = true;
		else if (cim_is(n, WINRMD_NS_WSMAN, "MaxElements"))
			r = read_max(op, n, &max);
		else if (cim_is(n, WINRMD_NS_WSMAN, "EnumerationMode"))
			r = read_mode(op, n, &mode);
		else if (cim_is(n, WINRMD_NS_WSEN, "EndTo"))
			r = host->op_fault(op, WINRMD_FAULT_UNSUPPORTED_FEATURE,
			    "AddressingMode", "EndTo is not supported.");
		if (r != WINRMD_OK)
			return r;
	}
	if ((r = filter_parse(op, body, &u, &ent, &filter)) != WINRMD_OK)
		return r;
	if (p != NULL && quota > 0 && enum_count(p->uid) >= (size_t)quota) {
		filter_free(filter);
		return host->op_fault(op, WINRMD_FAULT_QUOTA_MAX_OPERATIONS, NULL,
		    "The WS-Management service cannot process the request. This "
		    "user has %lld enumerations open, the maximum "
		    "(MaxConcurrentOperationsPerUser); release or finish one.",
		    quota);
	}
	if ((e = enum_new(op, &u, ent)) == NULL ||
	    (c = call_new(CALL_ENUMERATE, ent, op)) == NULL) {
		free(e);
		filter_free(filter);
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	}
	e->filter = filter;
	e->view.keep = filter ? filter->keep : NULL;
	e->mode = mode;
	e->optimize = optimize;
	e->max_elements = max;
	e->next = contexts;
	contexts = e;
	c->sink = enum_sink;
	c->done = enum_done;
	c->arg = e;
	if (call_run(c) == CALL_PENDING)
		return WINRMD_PENDING;
	r = enum_answer(op, e, c);
	call_free(c);
	return r;
}

/* ------------------------------------------------------ Pull, Release */

/* the caller's ready context named in body, or NULL with a fault */
static struct enum_ctx *
enum_find(struct winrmd_op *op, xmlNodePtr body, const char *what, int *ret)
{
	const struct winrmd_principal *p = host->op_principal(op);
	xmlNodePtr idn = cim_child(body, WINRMD_NS_WSEN, "EnumerationContext");
	char *id;

	if (!cim_is(body, WINRMD_NS_WSEN, what) || idn == NULL) {
		*ret = host->op_fault(op, WINRMD_FAULT_SCHEMA_VALIDATION, NULL,
		    "A %s needs a wsen:%s body with wsen:EnumerationContext.",
		    what, what);
		return NULL;
	}
	if ((id = cim_text(idn)) == NULL) {
		*ret = host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
		return NULL;
	}
	for (struct enum_ctx *e = contexts; e != NULL; e = e->next)
		if (e->ready && p != NULL && e->owner == p->uid &&
		    strcasecmp(e->id, id) == 0) {
			free(id);
			return e;
		}
	*ret = host->op_fault(op, WINRMD_FAULT_INVALID_ENUMERATION_CONTEXT,
	    NULL, "The enumeration context %.64s is not valid: it has expired, "
	    "was released or finished, or never existed.", id);
	free(id);
	return NULL;
}

int
cim_op_pull(struct winrmd_op *op, void *state)
{
	xmlNodePtr body = host->op_body(op), n, resp, ctxn, items;
	xmlNsPtr ns;
	struct enum_ctx *e;
	uint64_t max = 1;
	size_t got;
	int r;

	(void)state;
	if ((r = cim_check_options(op)) != WINRMD_OK)
		return r;
	if ((e = enum_find(op, body, "Pull", &r)) == NULL)
		return r;
	if ((n = cim_child(body, WINRMD_NS_WSEN, "MaxElements")) != NULL &&
	    (r = read_max(op, n, &max)) != WINRMD_OK)
		return r;
	/* MaxTime and MaxCharacters: the items are here already */
	if ((body = host->op_reply(op, PULL_RESPONSE)) == NULL ||
	    (resp = xmlNewChild(body, NULL, BAD_CAST "PullResponse", NULL)) == NULL)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	ns = xmlNewNs(resp, BAD_CAST WINRMD_NS_WSEN, BAD_CAST "n");
	xmlSetNs(resp, ns);
	ctxn = xmlNewTextChild(resp, ns, BAD_CAST "EnumerationContext",
	    BAD_CAST e->id);
	if ((items = xmlNewChild(resp, ns, BAD_CAST "Items", NULL)) == NULL)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	got = fill_items(op, e, items, batch_cap(max), 0);
	if (got == 0 && e->head != NULL) {
		enum_touch(e);
		return host->op_fault(op, WINRMD_FAULT_ENCODING_LIMIT,
		    "MaxEnvelopeSize", "The response that the WS-Management "
		    "service computed exceeds the maximum envelope size: the "
		    "next instance does not fit in MaxEnvelopeSize (%zu bytes).",
		    host->op_max_envelope(op));
	}
	if (e->head == NULL) {
		/* done: no context in the answer (WS-Enumeration 3.2) */
		xmlUnlinkNode(ctxn);
		xmlFreeNode(ctxn);
		xmlNewChild(resp, ns, BAD_CAST "EndOfSequence", NULL);
		host->log(WINRMD_LOG_DEBUG, "cim: enumeration %s finished: %zu "
		    "instance(s) served", e->id, e->served);
		enum_destroy(e);
	} else
		enum_touch(e);
	return WINRMD_OK;
}

int
cim_op_release(struct winrmd_op *op, void *state)
{
	struct enum_ctx *e;
	int r;

	(void)state;
	if ((r = cim_check_options(op)) != WINRMD_OK)
		return r;
	if ((e = enum_find(op, host->op_body(op), "Release", &r)) == NULL)
		return r;
	enum_destroy(e);
	if (host->op_reply(op, RELEASE_RESPONSE) == NULL)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	return WINRMD_OK;
}
