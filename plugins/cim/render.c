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
 * with key selectors, enumeration items and method output.  Only libxml2
 * trees are built here; sizes are measured by serialising a node.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/xmlsave.h>

#include "cim.h"

xmlNsPtr
render_ns(xmlNodePtr n, const char *href, const char *prefix)
{
	xmlNsPtr ns = xmlSearchNsByHref(n->doc, n, BAD_CAST href);

	/* the prefix must also still mean href here */
	if (ns != NULL && ns->prefix != NULL &&
	    xmlSearchNs(n->doc, n, ns->prefix) == ns)
		return ns;
	return xmlNewNs(n, BAD_CAST href, BAD_CAST prefix);
}

/*
 * text itself, or a copy in *copy (to free) with each byte that is not
 * part of valid UTF-8 replaced by '?' (libxml2 would refuse the text);
 * NULL if out of memory
 */
static const char *
utf8_text(const char *text, char **copy)
{
	*copy = NULL;
	if (text == NULL || xmlCheckUTF8(BAD_CAST text))
		return text;
	if ((*copy = strdup(text)) == NULL)
		return NULL;
	for (unsigned char *p = (unsigned char *)*copy; *p != '\0';) {
		int len = 4;

		if (xmlGetUTF8Char(p, &len) < 0 || len <= 0) {
			*p++ = '?';
			continue;
		}
		p += len;
	}
	return *copy;
}

/*
 * A new element under parent, in ns (NULL: no namespace at all; libxml2's
 * xmlNewChild would make it inherit the parent's), holding text if any.
 */
static xmlNodePtr
text_child(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *text)
{
	xmlNodePtr n = xmlNewDocNode(parent->doc, ns, BAD_CAST name, NULL);
	char *copy = NULL;

	if (n == NULL)
		return NULL;
	if (text != NULL && (text = utf8_text(text, &copy)) == NULL) {
		xmlFreeNode(n);
		return NULL;
	}
	if (text != NULL && text[0] != '\0')
		xmlNodeAddContent(n, BAD_CAST text);
	free(copy);
	return xmlAddChild(parent, n);
}

struct nsset {
	xmlNsPtr	 p, cim, xsi, m;
	xmlNodePtr	 root;
};

static xmlNsPtr
need_cim(struct nsset *s)
{
	if (s->cim == NULL)
		s->cim = render_ns(s->root, NS_CIM_COMMON, "cim");
	return s->cim;
}

static xmlNsPtr
need_xsi(struct nsset *s)
{
	if (s->xsi == NULL)
		s->xsi = render_ns(s->root, WINRMD_NS_XSI, "xsi");
	return s->xsi;
}

static void
render_value(xmlNodePtr parent, struct nsset *s, const char *name,
    enum cim_type t, const union cim_scalar *v)
{
	char buf[96];
	const char *text = cim_value_text(t, v, buf, sizeof(buf));
	xmlNodePtr e;

	if (t == CIM_DATETIME || t == CIM_INTERVAL) {
		e = text_child(parent, s->p, name, NULL);
		if (e != NULL)
			text_child(e, need_cim(s), t == CIM_DATETIME ?
			    "Datetime" : "Interval", text);
		return;
	}
	text_child(parent, s->p, name, text);
}

static void
render_nil(xmlNodePtr parent, struct nsset *s, const char *name,
    bool null_array)
{
	xmlNodePtr e = text_child(parent, s->p, name, NULL);

	if (e == NULL)
		return;
	xmlNewNsProp(e, need_xsi(s), BAD_CAST "nil", BAD_CAST "true");
	if (null_array) {
		if (s->m == NULL)
			s->m = render_ns(s->root, WINRMD_NS_WSMV, "m");
		xmlNewNsProp(e, s->m, BAD_CAST "IsNullArray", BAD_CAST "true");
	}
}

static void
render_prop(xmlNodePtr parent, struct nsset *s, const struct cim_property *p,
    const struct cim_val *v, bool precise)
{
	if (p->flags & CIM_ARRAY) {
		/* no value: one nil element (MS-WSMV 3.1.4.1.26) */
		if (v->n == 0)
			render_nil(parent, s, p->name, precise);
		for (uint32_t k = 0; k < v->n; k++)
			render_value(parent, s, p->name, p->type, &v->a[k]);
		return;
	}
	if (!v->set)
		render_nil(parent, s, p->name, false);
	else
		render_value(parent, s, p->name, p->type, &v->v);
}

xmlNodePtr
render_instance(xmlNodePtr parent, const struct cim_view *v,
    const struct cim_instance *i)
{
	const struct cim_entry *e = v->ent;
	struct nsset s = { 0 };
	char type[CIM_NAME_MAX + 16];
	xmlNodePtr root;

	if ((root = xmlNewChild(parent, NULL, BAD_CAST e->name, NULL)) == NULL)
		return NULL;
	s.root = root;
	s.p = xmlNewNs(root, BAD_CAST v->uri, BAD_CAST "p");
	xmlSetNs(root, s.p);
	s.cim = xmlNewNs(root, BAD_CAST NS_CIM_COMMON, BAD_CAST "cim");
	s.xsi = need_xsi(&s);
	snprintf(type, sizeof(type), "p:%s_Type", e->name);
	xmlNewNsProp(root, s.xsi, BAD_CAST "type", BAD_CAST type);
	xmlNodeSetLang(root, BAD_CAST "en-US");
	for (size_t k = 0; k < i->nprops; k++) {
		size_t idx = e->order ? e->order[k] : k;

		if (v->keep != NULL && !v->keep[idx])
			continue;
		render_prop(root, &s, &i->props[idx], &i->vals[idx],
		    v->precise_arrays);
	}
	return root;
}

xmlNodePtr
render_fragment(xmlNodePtr parent, const struct cim_view *v,
    const struct cim_instance *i)
{
	const struct cim_entry *e = v->ent;
	struct nsset s = { 0 };
	xmlNodePtr root;

	root = xmlNewChild(parent, NULL, BAD_CAST "XmlFragment", NULL);
	if (root == NULL)
		return NULL;
	xmlSetNs(root, render_ns(root, WINRMD_NS_WSMAN, "w"));
	s.root = root;
	s.xsi = xmlNewNs(root, BAD_CAST WINRMD_NS_XSI, BAD_CAST "xsi");
	/* properties without a namespace, by name (MS-WSMV footnote <59>) */
	for (size_t k = 0; k < i->nprops; k++) {
		size_t idx = e->order ? e->order[k] : k;

		if (v->keep != NULL && !v->keep[idx])
			continue;
		render_prop(root, &s, &i->props[idx], &i->vals[idx],
		    v->precise_arrays);
	}
	return root;
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
	struct nsset s = { 0 };
	char name[CIM_NAME_MAX + 16];
	xmlNodePtr root;
	size_t *order;
	bool ret_done = false;

	snprintf(name, sizeof(name), "%s_OUTPUT", m->name);
	if ((root = xmlNewChild(parent, NULL, BAD_CAST name, NULL)) == NULL)
		return NULL;
	s.root = root;
	s.p = xmlNewNs(root, BAD_CAST uri, BAD_CAST "p");
	xmlSetNs(root, s.p);
	s.cim = xmlNewNs(root, BAD_CAST NS_CIM_COMMON, BAD_CAST "cim");
	s.xsi = need_xsi(&s);
	snprintf(name, sizeof(name), "p:%s_OUTPUT_Type", m->name);
	xmlNewNsProp(root, s.xsi, BAD_CAST "type", BAD_CAST name);
	xmlNodeSetLang(root, BAD_CAST "en-US");
	if ((order = props_order(m->out, m->nout)) == NULL)
		return root;
	/* the out parameters and ReturnValue, by name */
	for (size_t k = 0; k <= m->nout; k++) {
		const struct cim_property *p = k < m->nout ? &m->out[order[k]] :
		    NULL;

		if (!ret_done && (p == NULL ||
		    strcasecmp("ReturnValue", p->name) < 0)) {
			union cim_scalar rv = { .u = out->ret };

			if (out->has_ret)
				render_value(root, &s, "ReturnValue", CIM_UINT32,
				    &rv);
			else
				render_nil(root, &s, "ReturnValue", false);
			ret_done = true;
		}
		if (p != NULL && strcasecmp(p->name, "ReturnValue") != 0)
			render_prop(root, &s, p, &out->vals[order[k]], false);
	}
	free(order);
	return root;
}
