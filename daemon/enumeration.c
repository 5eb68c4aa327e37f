/*
 * enumeration.c: WS-Enumeration (DSP0226 8, WS-Enumeration 2004/09) for
 * every plugin.  A plugin answers an Enumerate with an iterator over what
 * it enumerates (struct winrmd_enum_source); this file keeps the
 * enumeration context between Enumerate and the last Pull:
 *
 *   - the context's id (uuid:...) and owner: only the principal that began
 *     it reaches it, with Pull or Release of the same source; anyone else
 *     gets wsen:InvalidEnumerationContext, as for an unknown id;
 *   - its lifetime: [Service] EnumerationTimeoutms after its last use, the
 *     end of the sequence, a Release, or the daemon stopping;
 *   - the bounds: [Service] MaxConcurrentOperationsPerUser contexts per
 *     user (w:QuotaLimit), ENUMERATION_MAX_CONTEXTS in all;
 *   - batches: MaxElements (1 if absent) capped by [Service] MaxBatchItems,
 *     and never more than MaxEnvelopeSize holds: each item is measured as
 *     it is added (host->reply_freeze serialises it once); if not even one
 *     fits a Pull, w:EncodingLimit, and the item waits for the next Pull;
 *   - EnumerationMode: the object, its EPR (built here from the selectors
 *     the plugin gives), or both in a w:Item; OptimizeEnumeration: the
 *     first batch in the EnumerateResponse, with w:EndOfSequence when
 *     nothing is left.
 */
#include "build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "enumeration.h"
#include "soap.h"
#include "text.h"

#define ENUMERATE_RESPONSE	WINRMD_ACTION_ENUMERATE "Response"
#define PULL_RESPONSE		WINRMD_ACTION_PULL "Response"
#define RELEASE_RESPONSE	WINRMD_ACTION_RELEASE "Response"
#define ENVELOPE_MARGIN		64	/* serialisers differ by a few bytes */
#define DEFAULT_TIMEOUT_MS	60000
#define END_OF_SEQUENCE		"<w:EndOfSequence/>"

enum mode { MODE_OBJECT, MODE_EPR, MODE_OBJECT_AND_EPR };

struct winrmd_enum {
	struct winrmd_enum	*next;
	char			 id[48];	/* uuid:... */
	uid_t			 owner;
	char			 owner_name[64];
	const struct winrmd_enum_source *src;
	void			*it;		/* set by enum_answer() */
	char			*uri;		/* the items' EPR ResourceURI */
	enum mode		 mode;
	bool			 optimize;
	bool			 answered;	/* Pull and Release find it */
	uint64_t		 max_elements;	/* of the Enumerate */
	size_t			 served;
	struct winrmd_timer	*timer;
};

struct winrmd_epr {
	xmlNodePtr	 set;	/* w:SelectorSet */
	xmlNsPtr	 w;
};

static const struct winrmd_host *H;
static struct winrmd_enum *contexts;
static size_t ncontexts;

void
enumeration_init(const struct winrmd_host *h)
{
	H = h;
}

size_t
enumeration_count(uid_t uid)
{
	size_t n = 0;

	for (struct winrmd_enum *e = contexts; e != NULL; e = e->next)
		if (e->owner == uid)
			n++;
	return n;
}

static void
destroy(struct winrmd_enum *e)
{
	for (struct winrmd_enum **pp = &contexts; *pp != NULL; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			ncontexts--;
			break;
		}
	H->timer_stop(e->timer);
	if (e->it != NULL)
		e->src->release(e->it);
	free(e->uri);
	free(e);
}

void
enumeration_abort(struct winrmd_enum *e)
{
	if (e != NULL)
		destroy(e);
}

void
enumeration_drop_all(void)
{
	struct winrmd_enum **pp = &contexts;

	/* one being answered is its plugin's to answer or abort */
	while (*pp != NULL)
		if ((*pp)->it != NULL)
			destroy(*pp);
		else
			pp = &(*pp)->next;
}

static void
expired(void *arg)
{
	struct winrmd_enum *e = arg;

	e->timer = NULL;
	H->log(WINRMD_LOG_INFO, "enumeration %s of %s (%s) expired after "
	    "EnumerationTimeoutms with %zu item(s) served", e->id, e->uri,
	    e->owner_name, e->served);
	destroy(e);
}

static void
touch(struct winrmd_enum *e)
{
	long long ms = H->conf_int("Service", "EnumerationTimeoutms");

	H->timer_stop(e->timer);
	e->timer = H->timer_start(ms > 0 ? (uint64_t)ms : DEFAULT_TIMEOUT_MS,
	    expired, e);
}

static uint64_t
batch_cap(uint64_t want)
{
	long long max = H->conf_int("Service", "MaxBatchItems");

	if (max > 0 && want > (uint64_t)max)
		return (uint64_t)max;
	return want;
}

static int
oom(struct winrmd_op *op)
{
	return H->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
	    "out of memory");
}

/* the trimmed text of n into buf; false if it does not fit */
static bool
text_of(xmlNodePtr n, char *buf, size_t len)
{
	xmlChar *t = xmlNodeGetContent(n);
	const char *p;
	size_t tlen;
	bool fits;

	p = text_trim(t ? (const char *)t : "", &tlen);
	fits = tlen < len;
	snprintf(buf, len, "%.*s", (int)tlen, p);
	xmlFree(t);
	return fits;
}

/* ns in scope at n under prefix, else declared on n (as Windows nests) */
static xmlNsPtr
ns_at(xmlNodePtr n, const char *href, const char *prefix)
{
	xmlNsPtr ns = xmlSearchNsByHref(n->doc, n, BAD_CAST href);

	if (ns == NULL || ns->prefix == NULL ||
	    xmlSearchNs(n->doc, n, ns->prefix) != ns)
		ns = xmlNewNs(n, BAD_CAST href, BAD_CAST prefix);
	return ns;
}

/* ---------------------------------------------------------------- items */

/* <a:EndpointReference> under parent, its SelectorSet left to the plugin */
static xmlNodePtr
epr_new(xmlNodePtr parent, const char *uri, struct winrmd_epr *epr)
{
	xmlNodePtr n, rp;
	xmlNsPtr a;

	if ((n = xmlNewChild(parent, NULL, BAD_CAST "EndpointReference",
	    NULL)) == NULL)
		return NULL;
	a = ns_at(n, WINRMD_NS_WSA, "a");
	epr->w = ns_at(n, WINRMD_NS_WSMAN, "w");
	xmlSetNs(n, a);
	if (xmlNewTextChild(n, a, BAD_CAST "Address",
	    BAD_CAST WSA_ANONYMOUS) == NULL ||
	    (rp = xmlNewChild(n, a, BAD_CAST "ReferenceParameters",
	    NULL)) == NULL ||
	    xmlNewTextChild(rp, epr->w, BAD_CAST "ResourceURI",
	    BAD_CAST uri) == NULL ||
	    (epr->set = xmlNewChild(rp, epr->w, BAD_CAST "SelectorSet",
	    NULL)) == NULL) {
		xmlUnlinkNode(n);
		xmlFreeNode(n);
		return NULL;
	}
	return n;
}

int
enumeration_epr_selector(struct winrmd_epr *epr, const char *name,
    const char *value)
{
	xmlNodePtr s;

	if (name == NULL || value == NULL || !xmlCheckUTF8(BAD_CAST name) ||
	    !xmlCheckUTF8(BAD_CAST value))
		return -EINVAL;
	if ((s = xmlNewTextChild(epr->set, epr->w, BAD_CAST "Selector",
	    BAD_CAST value)) == NULL)
		return -ENOMEM;
	return xmlNewProp(s, BAD_CAST "Name", BAD_CAST name) ? 0 : -ENOMEM;
}

/*
 * Adds the iterator's current item under items as e's mode wants it, into
 * *ret: 1, 0 (none left; nothing added) or -errno.
 */
static int
add_item(struct winrmd_enum *e, xmlNodePtr items, xmlNodePtr *ret)
{
	struct winrmd_epr epr;
	xmlNodePtr node = NULL, eprn = NULL, last = items->last;
	int r;

	switch (e->mode) {
	case MODE_OBJECT:
		r = e->src->item(e->it, items, NULL);
		if (r == 1 && (node = items->last) == last)
			r = -EPROTO;	/* it said so, and added nothing */
		break;
	case MODE_EPR:
		if ((node = epr_new(items, e->uri, &epr)) == NULL)
			return -ENOMEM;
		r = e->src->item(e->it, NULL, &epr);
		break;
	case MODE_OBJECT_AND_EPR:
	default:
		if ((node = xmlNewChild(items, ns_at(items, WINRMD_NS_WSMAN,
		    "w"), BAD_CAST "Item", NULL)) == NULL ||
		    (eprn = epr_new(node, e->uri, &epr)) == NULL)
			r = -ENOMEM;
		else if ((r = e->src->item(e->it, node, &epr)) == 1) {
			/* the object first, then its EPR */
			xmlUnlinkNode(eprn);
			xmlAddChild(node, eprn);
		}
		break;
	}
	if (r != 1) {
		/* what was built for it, or what the plugin left */
		while (items->last != last) {
			xmlNodePtr n = items->last;

			xmlUnlinkNode(n);
			xmlFreeNode(n);
		}
		return r;
	}
	*ret = node;
	return 1;
}

/* bytes n takes in the answer; replaced by that text if the host can */
static size_t
measure(xmlNodePtr n)
{
	xmlBufferPtr buf;
	size_t len = SIZE_MAX;

	if (WINRMD_HOST_HAS(H, reply_freeze))
		return H->reply_freeze(n);
	if ((buf = xmlBufferCreate()) == NULL)
		return SIZE_MAX;
	if (xmlNodeDump(buf, n->doc, n, 0, 0) >= 0)
		len = (size_t)xmlBufferLength(buf);
	xmlBufferFree(buf);
	return len;
}

struct fill {
	size_t	added;
	bool	end;	/* nothing is left */
	int	error;	/* -errno from the plugin, or 0 */
};

/*
 * Adds items while they fit: at most max of them, and the reply (now
 * op_reply_size bytes, plus `reserve' for what is still to be added)
 * within MaxEnvelopeSize.
 */
static struct fill
fill_items(struct winrmd_op *op, struct winrmd_enum *e, xmlNodePtr items,
    uint64_t max, size_t reserve)
{
	size_t limit = H->op_max_envelope(op);
	size_t used = H->op_reply_size(op) + reserve + ENVELOPE_MARGIN;
	struct fill f = { 0, false, 0 };

	while (f.added < max) {
		xmlNodePtr node = NULL;
		size_t sz;
		int r = add_item(e, items, &node);

		if (r <= 0) {
			f.end = r == 0;
			f.error = r < 0 ? r : 0;
			return f;
		}
		sz = measure(node);
		if (limit != 0 && (sz == SIZE_MAX || used + sz > limit)) {
			/* the item, or the text that replaced it */
			xmlNodePtr n = xmlGetLastChild(items);

			xmlUnlinkNode(n);
			xmlFreeNode(n);
			return f;
		}
		used += sz;
		e->src->next(e->it);
		e->served++;
		f.added++;
	}
	/* a full batch: is anything left? (item() with neither part) */
	f.end = e->src->item(e->it, NULL, NULL) == 0;
	return f;
}

/* ------------------------------------------------------------ Enumerate */

/* a positive integer element, or a fault */
static int
read_max(struct winrmd_op *op, xmlNodePtr n, uint64_t *ret)
{
	char t[32], *end = t;
	unsigned long long v = 0;

	errno = 0;
	if (!text_of(n, t, sizeof(t)) || t[0] < '0' || t[0] > '9' ||
	    (v = strtoull(t, &end, 10)) == 0 || *end != '\0' || errno != 0)
		return H->op_fault(op, WINRMD_FAULT_SCHEMA_VALIDATION, NULL,
		    "MaxElements must be a positive integer.");
	*ret = v;
	return WINRMD_OK;
}

static int
read_mode(struct winrmd_op *op, xmlNodePtr n, enum mode *ret)
{
	char t[64];

	text_of(n, t, sizeof(t));
	if (strcmp(t, "EnumerateObject") == 0)
		*ret = MODE_OBJECT;
	else if (strcmp(t, "EnumerateEPR") == 0)
		*ret = MODE_EPR;
	else if (strcmp(t, "EnumerateObjectAndEPR") == 0)
		*ret = MODE_OBJECT_AND_EPR;
	else
		return H->op_fault(op, WINRMD_FAULT_UNSUPPORTED_FEATURE,
		    "EnumerationMode", "The enumeration mode %.63s is not "
		    "supported.", t);
	return WINRMD_OK;
}

/* the wsen:Enumerate's options into e; WINRMD_OK or a fault */
static int
read_enumerate(struct winrmd_op *op, xmlNodePtr body, unsigned flags,
    struct winrmd_enum *e)
{
	int r = WINRMD_OK;

	if (!soap_is(body, WINRMD_NS_WSEN, "Enumerate"))
		return H->op_fault(op, WINRMD_FAULT_SCHEMA_VALIDATION, NULL,
		    "An Enumerate needs a wsen:Enumerate body.");
	for (xmlNodePtr n = body->children; n != NULL && r == WINRMD_OK;
	    n = n->next) {
		if (soap_is(n, WINRMD_NS_WSMAN, "OptimizeEnumeration"))
			e->optimize = true;
		else if (soap_is(n, WINRMD_NS_WSMAN, "MaxElements"))
			r = read_max(op, n, &e->max_elements);
		else if (soap_is(n, WINRMD_NS_WSMAN, "EnumerationMode"))
			r = read_mode(op, n, &e->mode);
		else if (soap_is(n, WINRMD_NS_WSEN, "EndTo"))
			r = H->op_fault(op, WINRMD_FAULT_UNSUPPORTED_FEATURE,
			    "AddressingMode", "EndTo is not supported.");
		else if (!(flags & WINRMD_ENUM_FILTER) &&
		    (soap_is(n, WINRMD_NS_WSEN, "Filter") ||
		    soap_is(n, WINRMD_NS_WSMAN, "Filter")))
			r = H->op_fault(op, WINRMD_FAULT_FILTERING_NOT_SUPPORTED,
			    NULL, NULL);
	}
	return r;
}

struct winrmd_enum *
enumeration_begin(struct winrmd_op *op, const struct winrmd_enum_source *src,
    unsigned flags)
{
	const struct winrmd_principal *p = H->op_principal(op);
	long long quota = H->conf_int("Service",
	    "MaxConcurrentOperationsPerUser");
	struct winrmd_enum *e;

	if ((e = calloc(1, sizeof(*e))) == NULL) {
		oom(op);
		return NULL;
	}
	e->src = src;
	e->mode = MODE_OBJECT;
	e->max_elements = 1;
	if (read_enumerate(op, H->op_body(op), flags, e) != WINRMD_OK) {
		free(e);
		return NULL;
	}
	if (p != NULL && quota > 0 && enumeration_count(p->uid) >=
	    (size_t)quota) {
		free(e);
		H->op_fault(op, WINRMD_FAULT_QUOTA_MAX_OPERATIONS, NULL, "The "
		    "WS-Management service cannot process the request. This "
		    "user has %lld enumerations open, the maximum "
		    "(MaxConcurrentOperationsPerUser); release or finish one.",
		    quota);
		return NULL;
	}
	if (ncontexts >= ENUMERATION_MAX_CONTEXTS) {
		free(e);
		H->log(WINRMD_LOG_WARNING, "enumeration: %d contexts are open, "
		    "the most all users together may hold: an Enumerate of %s "
		    "is refused", ENUMERATION_MAX_CONTEXTS,
		    p && p->name ? p->name : "?");
		H->op_fault(op, WINRMD_FAULT_QUOTA_LIMIT, NULL, NULL);
		return NULL;
	}
	soap_new_message_id(e->id);
	e->owner = p ? p->uid : (uid_t)-1;
	snprintf(e->owner_name, sizeof(e->owner_name), "%s",
	    p && p->name ? p->name : "?");
	e->next = contexts;
	contexts = e;
	ncontexts++;
	return e;
}

int
enumeration_answer(struct winrmd_op *op, struct winrmd_enum *e, void *it,
    const char *epr_uri)
{
	xmlNodePtr body, resp, items;
	struct fill f;
	xmlNsPtr w;

	e->it = it;
	if ((e->uri = strdup(epr_uri ? epr_uri : "")) == NULL ||
	    (body = H->op_reply(op, ENUMERATE_RESPONSE)) == NULL ||
	    (resp = xmlNewChild(body, NULL, BAD_CAST "EnumerateResponse",
	    NULL)) == NULL)
		goto nomem;
	xmlSetNs(resp, xmlNewNs(resp, BAD_CAST WINRMD_NS_WSEN, BAD_CAST "n"));
	w = ns_at(resp, WINRMD_NS_WSMAN, "w");
	xmlNewTextChild(resp, resp->ns, BAD_CAST "EnumerationContext",
	    BAD_CAST e->id);
	if (!e->optimize) {
		e->answered = true;
		touch(e);
		return WINRMD_OK;
	}
	/* OptimizeEnumeration: the first items now (DSP0226 8.2.3) */
	if ((items = xmlNewChild(resp, w, BAD_CAST "Items", NULL)) == NULL)
		goto nomem;
	f = fill_items(op, e, items, batch_cap(e->max_elements),
	    sizeof(END_OF_SEQUENCE));
	if (f.error != 0 && f.added == 0) {
		destroy(e);
		return H->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "An item of the enumeration could not be written: %s.",
		    strerror(-f.error));
	}
	if (f.end) {
		xmlNewChild(resp, w, BAD_CAST "EndOfSequence", NULL);
		destroy(e);
		return WINRMD_OK;
	}
	e->answered = true;
	touch(e);
	return WINRMD_OK;
nomem:
	destroy(e);
	return oom(op);
}

/* ------------------------------------------------------- Pull, Release */

/* the caller's answered context of src named in body, or NULL and a fault */
static struct winrmd_enum *
find(struct winrmd_op *op, const struct winrmd_enum_source *src,
    const char *what, int *ret)
{
	const struct winrmd_principal *p = H->op_principal(op);
	xmlNodePtr body = H->op_body(op);
	xmlNodePtr idn = soap_child(body, WINRMD_NS_WSEN, "EnumerationContext");
	char id[80];

	if (!soap_is(body, WINRMD_NS_WSEN, what) || idn == NULL) {
		*ret = H->op_fault(op, WINRMD_FAULT_SCHEMA_VALIDATION, NULL,
		    "A %s needs a wsen:%s body with wsen:EnumerationContext.",
		    what, what);
		return NULL;
	}
	if (text_of(idn, id, sizeof(id)) && p != NULL)
		for (struct winrmd_enum *e = contexts; e != NULL; e = e->next)
			if (e->answered && e->src == src &&
			    e->owner == p->uid && strcasecmp(e->id, id) == 0)
				return e;
	*ret = H->op_fault(op, WINRMD_FAULT_INVALID_ENUMERATION_CONTEXT, NULL,
	    "The enumeration context %.64s is not valid: it has expired, was "
	    "released or finished, or never existed.", id);
	return NULL;
}

int
enumeration_pull(struct winrmd_op *op, const struct winrmd_enum_source *src)
{
	xmlNodePtr body, n, resp, ctxn, items;
	struct winrmd_enum *e;
	uint64_t max = 1;
	struct fill f;
	xmlNsPtr ns;
	int r;

	if ((e = find(op, src, "Pull", &r)) == NULL)
		return r;
	if ((n = soap_child(H->op_body(op), WINRMD_NS_WSEN,
	    "MaxElements")) != NULL && (r = read_max(op, n, &max)) != WINRMD_OK)
		return r;
	/* MaxTime and MaxCharacters: the items are here already */
	if ((body = H->op_reply(op, PULL_RESPONSE)) == NULL ||
	    (resp = xmlNewChild(body, NULL, BAD_CAST "PullResponse",
	    NULL)) == NULL)
		return oom(op);
	ns = xmlNewNs(resp, BAD_CAST WINRMD_NS_WSEN, BAD_CAST "n");
	xmlSetNs(resp, ns);
	ctxn = xmlNewTextChild(resp, ns, BAD_CAST "EnumerationContext",
	    BAD_CAST e->id);
	if ((items = xmlNewChild(resp, ns, BAD_CAST "Items", NULL)) == NULL)
		return oom(op);
	f = fill_items(op, e, items, batch_cap(max), 0);
	if (f.added == 0 && f.error != 0) {
		touch(e);
		return H->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "An item of the enumeration could not be written: %s.",
		    strerror(-f.error));
	}
	if (f.added == 0 && !f.end) {
		touch(e);
		return H->op_fault(op, WINRMD_FAULT_ENCODING_LIMIT,
		    "MaxEnvelopeSize", "The response that the WS-Management "
		    "service computed exceeds the maximum envelope size: the "
		    "next item does not fit in MaxEnvelopeSize (%zu bytes).",
		    H->op_max_envelope(op));
	}
	if (f.end) {
		/* done: no context in the answer (WS-Enumeration 3.2) */
		xmlUnlinkNode(ctxn);
		xmlFreeNode(ctxn);
		xmlNewChild(resp, ns, BAD_CAST "EndOfSequence", NULL);
		H->log(WINRMD_LOG_DEBUG, "enumeration %s of %s finished: %zu "
		    "item(s) served", e->id, e->uri, e->served);
		destroy(e);
	} else
		touch(e);
	return WINRMD_OK;
}

int
enumeration_release(struct winrmd_op *op,
    const struct winrmd_enum_source *src)
{
	struct winrmd_enum *e;
	int r;

	if ((e = find(op, src, "Release", &r)) == NULL)
		return r;
	destroy(e);
	return H->op_reply(op, RELEASE_RESPONSE) ? WINRMD_OK : oom(op);
}
