/*
 * render.c: instance XML exactly as Windows writes it (docs/PROTOCOL.md Part C §1.4):
 *
 *   <p:Class xmlns:p="<class URI>" xmlns:cim="...wscim/1/common"
 *       xmlns:xsi="..." xsi:type="p:Class_Type" xml:lang="en-US">
 *     <p:Prop>value</p:Prop>                 one per property, by name
 *     <p:Null xsi:nil="true"/>
 *     <p:Arr>1</p:Arr><p:Arr>2</p:Arr>       arrays repeat the element
 *     <p:When><cim:Datetime>2024-04-03T14:45:50.468750+02:00</cim:Datetime></p:When>
 *     <p:Took><cim:Interval>P0DT0H1M40S</cim:Interval></p:Took>
 *   </p:Class>
 *
 * plus WQL projections (<w:XmlFragment> with unqualified elements), EPRs
 * with key selectors, enumeration items and method output.  Objects are
 * written as text, byte for byte what libxml2 would write for their
 * trees, into one "noenc" text node of the reply (the daemon writes it as
 * it is, and measures it without serialising it again): a Get or a Pull
 * builds no node per property.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parserInternals.h>	/* xmlStringTextNoenc */

#include "cim.h"
#include "text.h"

/*
 * text itself, or a copy in *copy (to free) with each byte of what is not
 * well-formed UTF-8 replaced by '?' (as out_text writes it); NULL if out
 * of memory
 */
static const char *
utf8_text(const char *text, char **copy)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t len;

	*copy = NULL;
	if (text == NULL)
		return NULL;
	while (*p != '\0' && (len = utf8_decode(p, 4, NULL)) != 0)
		p += len;
	if (*p == '\0')
		return text;
	if ((*copy = strdup(text)) == NULL)
		return NULL;
	for (unsigned char *q = (unsigned char *)*copy +
	    (p - (const unsigned char *)text); *q != '\0';) {
		if ((len = utf8_decode(q, 4, NULL)) == 0) {
			*q++ = '?';
			continue;
		}
		q += len;
	}
	return *copy;
}

int
render_keys(const struct cim_view *v, const struct cim_instance *i,
    int (*add)(void *arg, const char *name, const char *value), void *arg)
{
	const struct cim_entry *e = v->ent;

	for (size_t k = 0; k < i->nprops; k++) {
		size_t idx = e->order ? e->order[k] : k;
		const struct cim_val *cv = &i->vals[idx];
		const char *text;
		char buf[96], *copy;
		int r;

		if (!(i->props[idx].flags & CIM_KEY) ||
		    (i->props[idx].flags & CIM_ARRAY) || !cv->set)
			continue;
		if ((text = utf8_text(cim_value_text(i->props[idx].type, &cv->v,
		    buf, sizeof(buf)), &copy)) == NULL)
			return -ENOMEM;
		r = add(arg, i->props[idx].name, text);
		free(copy);
		if (r < 0)
			return r;
	}
	/* DMTF requests: echo the namespace (MS-WSMV footnote <45>) */
	if (v->cimns[0] != '\0')
		return add(arg, CIMNS_SELECTOR, v->cimns);
	return 0;
}

/* ------------------------------------------------------------- text */

/*
 * The XML as text, as libxml2 writes a tree (daemon/soap.c: UTF-8, C0
 * controls but TAB, LF and CR as '?'; check_cim_render reads it back).
 */
struct out {
	char	*p;	/* xmlMalloc'd: a text node's content */
	size_t	 len, cap;
	bool	 nomem;
};

/* room for more bytes (and a NUL): grows by doubling */
static bool
out_grow(struct out *o, size_t more)
{
	size_t cap = o->cap ? o->cap : 2048;
	char *p;

	if (o->nomem)
		return false;
	while (cap <= o->len + more)
		cap *= 2;
	if ((p = xmlRealloc(o->p, cap)) == NULL) {
		o->nomem = true;
		return false;
	}
	o->p = p;
	o->cap = cap;
	return true;
}

static inline bool
out_room(struct out *o, size_t more)
{
	return o->len + more < o->cap || out_grow(o, more);
}

static inline void
out_put(struct out *o, const char *s, size_t n)
{
	if (!out_room(o, n))
		return;
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static inline void
out_str(struct out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

/*
 * open, "pfx:" (none if pfx is NULL), name and end, room made once:
 * "<p:Name>" and "</p:Name>" (a property's elements written in pieces
 * were a fifth of a Get's rendering).  open and end: string literals of
 * at most two bytes (OUT_ELEM).
 */
static void
out_elem(struct out *o, const char *open, size_t olen, const char *pfx,
    size_t plen, const char *name, size_t nlen, const char *end, size_t elen)
{
	char *w;

	if (!out_room(o, 2 + plen + 1 + nlen + 2))
		return;
	w = o->p + o->len;
	memcpy(w, open, 2);	/* a literal's NUL at worst */
	w += olen;
	if (pfx != NULL) {
		memcpy(w, pfx, plen);
		w += plen;
		*w++ = ':';
	}
	memcpy(w, name, nlen);
	w += nlen;
	memcpy(w, end, 2);
	o->len = (size_t)(w + elen - o->p);
}

#define OUT_ELEM(o, open, pfx, plen, name, nlen, end)			\
	out_elem((o), open "", sizeof(open) - 1, (pfx), (plen), (name),	\
	    (nlen), end "", sizeof(end) - 1)

/* "<pfx:name" or "<name" (pfx NULL) */
static void
out_tag(struct out *o, const char *open, const char *pfx, const char *name)
{
	out_str(o, open);
	if (pfx != NULL) {
		out_str(o, pfx);
		out_put(o, ":", 1);
	}
	out_str(o, name);
}

static void
out_xmlns(struct out *o, const char *prefix, const char *href)
{
	out_str(o, " xmlns:");
	out_str(o, prefix);
	out_put(o, "=\"", 2);
	out_str(o, href);	/* class URIs and namespace names: no markup */
	out_put(o, "\"", 1);
}

/*
 * Text content: each byte of what is not well-formed UTF-8 (a stray or
 * missing continuation byte, an overlong form, a surrogate, past
 * U+10FFFF: XML parsers refuse them) and each C0 control but TAB, LF
 * and CR as '?' (what the daemon's scrub does to a tree's text), & < >
 * and CR escaped as libxml2 escapes text.
 */
static void
out_text(struct out *o, const char *text)
{
	/* the bytes that are not written as they are */
	static const unsigned char special[256] = {
		[0 ... 0x1f] = 1, ['&'] = 1, ['<'] = 1, ['>'] = 1,
		[0x80 ... 0xff] = 1,
	};
	const unsigned char *p = (const unsigned char *)text;

	while (*p != '\0') {
		const unsigned char *run = p;
		size_t len;

		while (!special[*p])
			p++;
		if (p > run)
			out_put(o, (const char *)run, (size_t)(p - run));
		switch (*p) {
		case '\0':
			return;
		case '&':
			out_put(o, "&amp;", 5);
			break;
		case '<':
			out_put(o, "&lt;", 4);
			break;
		case '>':
			out_put(o, "&gt;", 4);
			break;
		case '\r':
			out_put(o, "&#13;", 5);
			break;
		case '\t':
		case '\n':
			out_put(o, (const char *)p, 1);
			break;
		default:
			/* a NUL ends the text before a sequence is read past it */
			if (*p < 0x80 || (len = utf8_decode(p, 4, NULL)) == 0) {
				out_put(o, "?", 1);
				break;
			}
			out_put(o, (const char *)p, len);
			p += len;
			continue;
		}
		p++;
	}
}

/* the prefixes of an object's elements and attributes */
struct tns {
	const char	*p;	/* properties; NULL: unqualified (fragments) */
	const char	*cim, *xsi, *m;
	size_t		 plen, cimlen;	/* tns_measure() */
};

static void
tns_measure(struct tns *ns)
{
	ns->plen = ns->p != NULL ? strlen(ns->p) : 0;
	ns->cimlen = ns->cim != NULL ? strlen(ns->cim) : 0;
}

static void
text_value(struct out *o, const struct tns *ns, const char *name,
    enum cim_type t, const union cim_scalar *v)
{
	char buf[96];
	const char *text = cim_value_text(t, v, buf, sizeof(buf));
	size_t nlen = strlen(name);
	/* numbers, booleans, datetimes and intervals are ASCII letters,
	 * digits and + - . : never escaped, never scrubbed */
	bool plain = t != CIM_STRING && t != CIM_CHAR16;

	if (t == CIM_DATETIME || t == CIM_INTERVAL) {
		const char *elem = t == CIM_DATETIME ? "Datetime" : "Interval";

		OUT_ELEM(o, "<", ns->p, ns->plen, name, nlen, ">");
		if (text[0] == '\0')
			OUT_ELEM(o, "<", ns->cim, ns->cimlen, elem, 8, "/>");
		else {
			OUT_ELEM(o, "<", ns->cim, ns->cimlen, elem, 8, ">");
			out_str(o, text);
			OUT_ELEM(o, "</", ns->cim, ns->cimlen, elem, 8, ">");
		}
		OUT_ELEM(o, "</", ns->p, ns->plen, name, nlen, ">");
	} else if (text[0] == '\0')
		OUT_ELEM(o, "<", ns->p, ns->plen, name, nlen, "/>");
	else {
		OUT_ELEM(o, "<", ns->p, ns->plen, name, nlen, ">");
		if (plain)
			out_str(o, text);
		else
			out_text(o, text);
		OUT_ELEM(o, "</", ns->p, ns->plen, name, nlen, ">");
	}
}

static void
text_nil(struct out *o, const struct tns *ns, const char *name,
    bool null_array)
{
	out_tag(o, "<", ns->p, name);
	out_put(o, " ", 1);
	out_str(o, ns->xsi);
	out_str(o, ":nil=\"true\"");
	if (null_array) {
		out_put(o, " ", 1);
		out_str(o, ns->m);
		out_str(o, ":IsNullArray=\"true\"");
	}
	out_put(o, "/>", 2);
}

static void
text_prop(struct out *o, const struct tns *ns, const struct cim_property *p,
    const struct cim_val *v, bool precise)
{
	if (p->flags & CIM_ARRAY) {
		/* no value: one nil element (MS-WSMV 3.1.4.1.26) */
		if (v->n == 0)
			text_nil(o, ns, p->name, precise);
		for (uint32_t k = 0; k < v->n; k++)
			text_value(o, ns, p->name, p->type, &v->a[k]);
		return;
	}
	if (!v->set)
		text_nil(o, ns, p->name, false);
	else
		text_value(o, ns, p->name, p->type, &v->v);
}

/*
 * The prefix bound to href at parent that a root declaring the prefixes
 * `own' leaves in scope, or NULL: the root declares it itself (with the
 * prefix libxml2's trees had: a namespace in scope is used, not declared
 * again).
 */
static const char *
scope_prefix(xmlNodePtr parent, const char *href, const char *const *own,
    size_t nown)
{
	xmlNsPtr ns = xmlSearchNsByHref(parent->doc, parent, BAD_CAST href);

	if (ns == NULL || ns->prefix == NULL)
		return NULL;
	for (size_t k = 0; k < nown; k++)
		if (own[k] != NULL &&
		    strcmp(own[k], (const char *)ns->prefix) == 0)
			return NULL;
	return (const char *)ns->prefix;
}

/* what a property needs beyond its own element */
static bool
needs_cim(const struct cim_property *p, const struct cim_val *v)
{
	return (p->type == CIM_DATETIME || p->type == CIM_INTERVAL) &&
	    ((p->flags & CIM_ARRAY) ? v->n > 0 : v->set);
}

static bool
needs_m(const struct cim_property *p, const struct cim_val *v, bool precise)
{
	return precise && (p->flags & CIM_ARRAY) && v->n == 0;
}

/* appends the text as the last child of parent (never merged into a text
 * node before it, as xmlAddChild would); the node, or NULL */
static xmlNodePtr
out_attach(xmlNodePtr parent, struct out *o)
{
	xmlNodePtr n;

	if (o->nomem || !out_room(o, 1) ||
	    (n = xmlNewDocText(parent->doc, NULL)) == NULL) {
		xmlFree(o->p);
		return NULL;
	}
	o->p[o->len] = '\0';
	n->content = (xmlChar *)o->p;
	n->name = xmlStringTextNoenc;	/* written as it is */
	n->parent = parent;
	n->prev = parent->last;
	if (parent->last != NULL)
		parent->last->next = n;
	else
		parent->children = n;
	parent->last = n;
	return n;
}

/* the properties of i the view shows, by name */
#define FOR_SHOWN(k, idx, v, i)						\
	for (size_t k = 0, idx; k < (i)->nprops; k++)			\
		if ((idx = (v)->ent->order ? (v)->ent->order[k] : k),	\
		    (v)->keep == NULL || (v)->keep[idx])

xmlNodePtr
render_instance(xmlNodePtr parent, const struct cim_view *v,
    const struct cim_instance *i)
{
	const char *name = v->ent->name;
	const char *own[4] = { "p", "cim", NULL, NULL };
	struct tns ns = { .p = "p", .cim = "cim" };
	struct out o = { 0 };
	bool m = false, any = false;

	FOR_SHOWN(k, idx, v, i) {
		any = true;
		m = m || needs_m(&i->props[idx], &i->vals[idx],
		    v->precise_arrays);
	}
	out_tag(&o, "<", "p", name);
	out_xmlns(&o, "p", v->uri);
	out_xmlns(&o, "cim", NS_CIM_COMMON);
	if ((ns.xsi = scope_prefix(parent, WINRMD_NS_XSI, own, 2)) == NULL) {
		out_xmlns(&o, own[2] = ns.xsi = "xsi", WINRMD_NS_XSI);
	}
	if (m && (ns.m = scope_prefix(parent, WINRMD_NS_WSMV, own, 3)) == NULL)
		out_xmlns(&o, ns.m = "m", WINRMD_NS_WSMV);
	out_put(&o, " ", 1);
	out_str(&o, ns.xsi);
	out_str(&o, ":type=\"p:");
	out_str(&o, name);
	out_str(&o, "_Type\" xml:lang=\"en-US\"");
	out_put(&o, any ? ">" : "/>", any ? 1 : 2);
	tns_measure(&ns);
	if (any) {
		FOR_SHOWN(k, idx, v, i)
			text_prop(&o, &ns, &i->props[idx], &i->vals[idx],
			    v->precise_arrays);
		out_tag(&o, "</", "p", name);
		out_put(&o, ">", 1);
	}
	return out_attach(parent, &o);
}

xmlNodePtr
render_again(xmlNodePtr parent, xmlNodePtr done)
{
	struct out o = { 0 };

	out_str(&o, (const char *)done->content);
	return out_attach(parent, &o);
}

xmlNodePtr
render_fragment(xmlNodePtr parent, const struct cim_view *v,
    const struct cim_instance *i)
{
	const char *own[4] = { NULL, "xsi", NULL, NULL };
	struct tns ns = { .xsi = "xsi" };
	struct out o = { 0 };
	const char *w = scope_prefix(parent, WINRMD_NS_WSMAN, NULL, 0);
	bool any = false;

	out_tag(&o, "<", w != NULL ? w : "w", "XmlFragment");
	if (w == NULL)
		out_xmlns(&o, own[0] = "w", WINRMD_NS_WSMAN);
	out_xmlns(&o, "xsi", WINRMD_NS_XSI);
	/* cim and m where a property first needs them, as the tree did */
	FOR_SHOWN(k, idx, v, i) {
		const struct cim_property *p = &i->props[idx];
		const struct cim_val *cv = &i->vals[idx];

		any = true;
		if (ns.cim == NULL && needs_cim(p, cv) &&
		    (ns.cim = scope_prefix(parent, NS_CIM_COMMON, own,
		    4)) == NULL)
			out_xmlns(&o, own[2] = ns.cim = "cim", NS_CIM_COMMON);
		if (ns.m == NULL && needs_m(p, cv, v->precise_arrays) &&
		    (ns.m = scope_prefix(parent, WINRMD_NS_WSMV, own,
		    4)) == NULL)
			out_xmlns(&o, own[3] = ns.m = "m", WINRMD_NS_WSMV);
	}
	/* properties without a namespace, by name (MS-WSMV footnote <59>) */
	out_put(&o, any ? ">" : "/>", any ? 1 : 2);
	tns_measure(&ns);
	if (any) {
		FOR_SHOWN(k, idx, v, i)
			text_prop(&o, &ns, &i->props[idx], &i->vals[idx],
			    v->precise_arrays);
		out_tag(&o, "</", w != NULL ? w : "w", "XmlFragment");
		out_put(&o, ">", 1);
	}
	return out_attach(parent, &o);
}

xmlNodePtr
render_object(xmlNodePtr parent, const struct cim_view *v,
    const struct cim_instance *i)
{
	return v->keep ? render_fragment(parent, v, i) :
	    render_instance(parent, v, i);
}

xmlNodePtr
render_output(xmlNodePtr parent, const char *uri, const struct cim_method *m,
    const struct cim_instance *out)
{
	const char *own[3] = { "p", "cim", NULL };
	struct tns ns = { .p = "p", .cim = "cim" };
	struct out o = { 0 };
	size_t *order;
	bool ret_done = false;

	if ((order = props_order(m->out, m->nout)) == NULL)
		return NULL;
	out_str(&o, "<p:");
	out_str(&o, m->name);
	out_str(&o, "_OUTPUT");
	out_xmlns(&o, "p", uri);
	out_xmlns(&o, "cim", NS_CIM_COMMON);
	if ((ns.xsi = scope_prefix(parent, WINRMD_NS_XSI, own, 2)) == NULL)
		out_xmlns(&o, own[2] = ns.xsi = "xsi", WINRMD_NS_XSI);
	out_put(&o, " ", 1);
	out_str(&o, ns.xsi);
	out_str(&o, ":type=\"p:");
	out_str(&o, m->name);
	out_str(&o, "_OUTPUT_Type\" xml:lang=\"en-US\">");
	tns_measure(&ns);
	/* the out parameters and ReturnValue, by name */
	for (size_t k = 0; k <= m->nout; k++) {
		const struct cim_property *p = k < m->nout ? &m->out[order[k]] :
		    NULL;

		if (!ret_done && (p == NULL ||
		    strcasecmp("ReturnValue", p->name) < 0)) {
			union cim_scalar rv = { .u = out->ret };

			if (out->has_ret)
				text_value(&o, &ns, "ReturnValue", CIM_UINT32,
				    &rv);
			else
				text_nil(&o, &ns, "ReturnValue", false);
			ret_done = true;
		}
		if (p != NULL && strcasecmp(p->name, "ReturnValue") != 0)
			text_prop(&o, &ns, p, &out->vals[order[k]], false);
	}
	free(order);
	out_str(&o, "</p:");
	out_str(&o, m->name);
	out_str(&o, "_OUTPUT>");
	return out_attach(parent, &o);
}
