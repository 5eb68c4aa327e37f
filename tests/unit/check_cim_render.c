/*
 * check_cim_render.c: the text the cim plugin writes for instances, WQL
 * fragments and method output (render.c, no libxml2 tree) is XML that
 * libxml2 reads back to the instance and writes again byte for byte as
 * the daemon serialises a reply (daemon/soap.c: UTF-8, controls
 * scrubbed): element per property in name order, in the class's namespace
 * (none in fragments), xsi:nil for NULLs, one element per array value,
 * cim:Datetime / cim:Interval, every value's text.  For every instance of
 * every class of the win32 provider on this host and of the test provider
 * (every CIM type, NULLs, arrays, datetimes, intervals), whole and
 * projected, with and without UsePreciseArrays, under the reply envelope
 * and under a bare parent; and for strings made to trip escaping (markup,
 * quotes, CR, controls, bytes that are not UTF-8, non-ASCII).  Until the
 * text replaced them, the libxml2 trees were the oracle: the two wrote the
 * same bytes for all of this.
 */
#define _GNU_SOURCE

#include <libxml/parser.h>

#include "unit.h"

#include "cim.h"
#include "mock_host.h"
#include "soap.h"
#include "text.h"

static const struct winrmd_plugin *plug;
static struct cim *cim;
static size_t compared;

static void
setup(void)
{
	mock_conf_set("CIM.Providers", WIN32PROV " " TESTPROV);
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	plug = winrmd_plugin_entry();
	ck_assert_ptr_nonnull(plug);
	ck_assert_int_eq(plug->init(&mock_host, (void **)&cim), 0);
	ck_assert_uint_gt(registry_count(cim), 20);
}

static void
teardown(void)
{
	mock_plugin_stop(plug, cim);
}

static const char env_open[] =
    "<s:Envelope xmlns:s=\"" WINRMD_NS_SOAP "\" xmlns:a=\""
    WINRMD_NS_WSA "\" xmlns:x=\"" WINRMD_NS_WXF "\" xmlns:w=\""
    WINRMD_NS_WSMAN "\" xmlns:rsp=\"" WINRMD_NS_SHELL "\" xmlns:p=\""
    WINRMD_NS_WSMV "\" xml:lang=\"en-US\"><s:Body><n:PullResponse "
    "xmlns:n=\"" WINRMD_NS_WSEN "\"><n:Items>";
static const char env_close[] = "</n:Items></n:PullResponse></s:Body>"
    "</s:Envelope>";

/* a reply envelope as daemon/soap.c makes it (its Items), or a bare one */
static xmlNodePtr
parent_new(bool envelope)
{
	char xml[2048];
	xmlDocPtr doc;
	xmlNodePtr n;

	snprintf(xml, sizeof(xml), "%s%s", envelope ? env_open : "<Items>",
	    envelope ? env_close : "</Items>");
	doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
	    XML_PARSE_NONET);
	ck_assert_ptr_nonnull(doc);
	n = xmlDocGetRootElement(doc);
	while (n->children != NULL)
		n = n->children;
	return n;
}

/* the one child of parent: the text the plugin wrote */
static const char *
written(xmlNodePtr parent)
{
	xmlNodePtr n = parent->children;

	ck_assert_ptr_nonnull(n);
	ck_assert_ptr_null(n->next);
	ck_assert_int_eq(n->type, XML_TEXT_NODE);
	return (const char *)n->content;
}

/* text parsed where it was written: the element (of *ret_doc) */
static xmlNodePtr
reread(const char *text, bool envelope, xmlDocPtr *ret_doc)
{
	char *xml;
	xmlNodePtr n;

	ck_assert_int_ge(asprintf(&xml, "%s%s%s", envelope ? env_open :
	    "<Items>", text, envelope ? env_close : "</Items>"), 0);
	*ret_doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
	    XML_PARSE_NONET);
	ck_assert_msg(*ret_doc != NULL, "not XML: %s", text);
	free(xml);
	n = xmlDocGetRootElement(*ret_doc);
	while (strcmp((const char *)n->name, "Items") != 0)
		n = n->children;
	n = n->children;	/* the object */
	ck_assert_ptr_nonnull(n);
	ck_assert_ptr_null(n->next);
	return n;
}

/* the parsed element n, written by the daemon's serialiser, is text */
static void
assert_rewrites(xmlNodePtr n, const char *text)
{
	xmlNodePtr parent = n->parent;
	size_t len = soap_freeze(n);	/* n is replaced by its text */

	ck_assert_uint_ne(len, SIZE_MAX);
	ck_assert_msg(strcmp((const char *)parent->children->content,
	    text) == 0, "libxml2 writes it otherwise:\nplugin  %s\n"
	    "libxml2 %s", text, (const char *)parent->children->content);
}

/* the text a value must have: each byte of what is not well-formed UTF-8
 * (common/text.h) and each C0 control but TAB, LF and CR as '?' */
static char *
want_text(enum cim_type t, const union cim_scalar *v)
{
	char buf[96], *s;

	s = strdup(cim_value_text(t, v, buf, sizeof(buf)));
	for (unsigned char *p = (unsigned char *)s; *p != '\0';) {
		size_t len = utf8_decode(p, 4, NULL);

		if (len == 0 || (*p < 0x20 && *p != '\t' && *p != '\n' &&
		    *p != '\r')) {
			*p++ = '?';
			continue;
		}
		p += len;
	}
	return s;
}

static bool
in_ns(xmlNodePtr n, const char *href)
{
	if (href == NULL)
		return n->ns == NULL;
	return n->ns != NULL && strcmp((const char *)n->ns->href, href) == 0;
}

/* e (a property's element) holds the value of type t */
static void
check_value(xmlNodePtr e, const char *pns, enum cim_type t,
    const union cim_scalar *v)
{
	char *want = want_text(t, v);
	xmlChar *have;
	xmlNodePtr c = e;

	ck_assert(in_ns(e, pns));
	if (t == CIM_DATETIME || t == CIM_INTERVAL) {
		c = e->children;
		ck_assert_ptr_nonnull(c);
		ck_assert_str_eq((const char *)c->name, t == CIM_DATETIME ?
		    "Datetime" : "Interval");
		ck_assert(in_ns(c, NS_CIM_COMMON));
	}
	have = xmlNodeGetContent(c);
	ck_assert_msg(strcmp((const char *)have, want) == 0, "%s: %s != %s",
	    (const char *)e->name, (const char *)have, want);
	xmlFree(have);
	free(want);
}

static void
check_nil(xmlNodePtr e, const char *pns, bool null_array)
{
	xmlChar *nil = xmlGetNsProp(e, BAD_CAST "nil", BAD_CAST WINRMD_NS_XSI);
	xmlChar *arr = xmlGetNsProp(e, BAD_CAST "IsNullArray",
	    BAD_CAST WINRMD_NS_WSMV);

	ck_assert(in_ns(e, pns));
	ck_assert_ptr_null(e->children);
	ck_assert_str_eq((const char *)nil, "true");
	if (null_array)
		ck_assert_str_eq((const char *)arr, "true");
	else
		ck_assert_ptr_null(arr);
	xmlFree(nil);
	xmlFree(arr);
}

/* the elements from *e on are property p of i; moves *e past them */
static void
check_prop(xmlNodePtr *e, const char *pns, const struct cim_property *p,
    const struct cim_val *v, bool precise)
{
	uint32_t n = (p->flags & CIM_ARRAY) ? v->n : 1;

	if ((p->flags & CIM_ARRAY) ? v->n == 0 : !v->set) {
		ck_assert_ptr_nonnull(*e);
		ck_assert_str_eq((const char *)(*e)->name, p->name);
		check_nil(*e, pns, precise && (p->flags & CIM_ARRAY));
		*e = (*e)->next;
		return;
	}
	for (uint32_t k = 0; k < n; k++) {
		ck_assert_ptr_nonnull(*e);
		ck_assert_str_eq((const char *)(*e)->name, p->name);
		check_value(*e, pns, p->type, (p->flags & CIM_ARRAY) ?
		    &v->a[k] : &v->v);
		*e = (*e)->next;
	}
}

/* the instance written in each view, read back */
static void
check_instance(const struct cim_entry *e, const struct cim_instance *i)
{
	bool *keep = calloc(i->nprops, sizeof(*keep));

	for (size_t k = 0; k < i->nprops; k++)
		keep[k] = k % 2 == 0;
	for (int variant = 0; variant < 8; variant++) {
		struct cim_view v = { .ent = e };
		bool envelope = variant & 1;
		xmlNodePtr parent = parent_new(envelope), obj, c;
		const char *pns;
		xmlDocPtr doc;

		v.precise_arrays = (variant & 2) != 0;
		v.keep = (variant & 4) ? keep : NULL;
		snprintf(v.uri, sizeof(v.uri), "%s/%s/%s", URI_WMI, e->ns,
		    e->name);
		ck_assert_ptr_nonnull(render_object(parent, &v, i));
		obj = reread(written(parent), envelope, &doc);
		if (v.keep != NULL) {
			ck_assert_str_eq((const char *)obj->name, "XmlFragment");
			ck_assert(in_ns(obj, WINRMD_NS_WSMAN));
			pns = NULL;
		} else {
			xmlChar *type = xmlGetNsProp(obj, BAD_CAST "type",
			    BAD_CAST WINRMD_NS_XSI);
			char want[CIM_NAME_MAX + 16];

			ck_assert_str_eq((const char *)obj->name, e->name);
			ck_assert(in_ns(obj, v.uri));
			snprintf(want, sizeof(want), "p:%s_Type", e->name);
			ck_assert_str_eq((const char *)type, want);
			xmlFree(type);
			pns = v.uri;
		}
		c = obj->children;
		for (size_t k = 0; k < i->nprops; k++) {
			size_t idx = e->order ? e->order[k] : k;

			if (v.keep == NULL || v.keep[idx])
				check_prop(&c, pns, &i->props[idx],
				    &i->vals[idx], v.precise_arrays);
		}
		ck_assert_ptr_null(c);
		assert_rewrites(obj, written(parent));
		xmlFreeDoc(doc);
		xmlFreeDoc(parent->doc);
		compared++;
	}
	free(keep);
}

struct collected {
	struct cim_instance *head;
	bool done;
};

static bool
sink(struct cim_ctx *c, struct cim_instance *i)
{
	struct collected *col = c->arg;

	i->next = col->head;
	col->head = i;
	return true;
}

static void
done(struct cim_ctx *c)
{
	((struct collected *)c->arg)->done = true;
}

static bool
is_done(void *arg)
{
	return ((struct collected *)arg)->done;
}

START_TEST(test_every_class)
{
	size_t classes = 0;

	for (size_t k = 0; k < cim->nentries; k++) {
		const struct cim_entry *e = &cim->entries[k];
		struct winrmd_op *op = mock_op(WINRMD_ACTION_ENUMERATE,
		    URI_WMI "/root/cimv2/X", NULL);
		struct collected col = { 0 };
		struct cim_ctx *c = call_new(cim, CALL_ENUMERATE, e, op);
		size_t n = 0;

		ck_assert_ptr_nonnull(c);
		c->sink = sink;
		c->done = done;
		c->arg = &col;
		if (call_run(c) == CALL_DONE) {
			col.done = true;
			call_free(c);
		} else if (!mock_loop_until(is_done, &col, 5000)) {
			/* WRT_Never: it never answers; OperationTimeout */
			ck_assert_str_eq(e->name, "WRT_Never");
			mock_advance(24 * 3600 * 1000);
			ck_assert(col.done);
			mock_op_free(op);
			inst_free_list(col.head);
			continue;
		}
		for (struct cim_instance *i = col.head; i != NULL; i = i->next,
		    n++)
			check_instance(e, i);
		classes += n > 0;
		inst_free_list(col.head);
		mock_op_free(op);
	}
	/* most classes have instances on any host */
	ck_assert_uint_ge(classes, 15);
	ck_assert_uint_gt(compared, 200);
}
END_TEST

START_TEST(test_hard_strings)
{
	static const char *const strs[] = {
		"", "plain", "<b>bold</b> & \"q\" 'a' ]]>", "cr\rlf\ntab\tend",
		"ctl\x01\x02\x1f\x7f end", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		"ok\xff\xfe" "end\xc3", "\xc3(", "\xe2\x82", "&amp; &#13; &lt;",
		"\xed\xa0\x80 surrogate", "\xf4\x90\x80\x80 past",
	};
	const struct cim_entry *e = registry_find(cim, "root/cimv2",
	    "WRT_AllTypes");
	struct cim_services svc;

	ck_assert_ptr_nonnull(e);
	inst_services(&svc);
	for (size_t s = 0; s < sizeof(strs) / sizeof(strs[0]); s++) {
		struct cim_instance *i = inst_new(e->cls->props,
		    e->cls->nprops);

		for (size_t p = 0; p < e->cls->nprops; p++)
			if (e->cls->props[p].type == CIM_STRING) {
				if (e->cls->props[p].flags & CIM_ARRAY) {
					svc.add_string(i, p, strs[s]);
					svc.add_string(i, p, "x");
				} else
					svc.set_string(i, p, strs[s]);
			}
		check_instance(e, i);
		inst_free(i);
	}
}
END_TEST

START_TEST(test_method_output)
{
	const struct cim_entry *e = registry_find(cim, "root/cimv2",
	    "WRT_AllTypes");
	struct cim_services svc;

	ck_assert_ptr_nonnull(e);
	inst_services(&svc);
	for (size_t m = 0; m < e->cls->nmethods; m++) {
		const struct cim_method *meth = &e->cls->methods[m];
		size_t *order = props_order(meth->out, meth->nout);

		for (int variant = 0; variant < 2; variant++) {
			struct cim_instance *out = inst_new(meth->out,
			    meth->nout);
			xmlNodePtr parent = parent_new(true), obj, c;
			union cim_scalar rv = { .u = 42 };
			bool ret_done = false;
			xmlDocPtr doc;

			out->has_ret = variant == 1;
			out->ret = 42;
			for (size_t p = 0; p < meth->nout && variant; p++)
				if (meth->out[p].type == CIM_STRING)
					svc.set_string(out, p, "a<b>&\r");
			ck_assert_ptr_nonnull(render_output(parent, URI_WMI
			    "/root/cimv2/WRT_AllTypes", meth, out));
			obj = reread(written(parent), true, &doc);
			c = obj->children;
			/* the out parameters and ReturnValue, by name */
			for (size_t k = 0; k <= meth->nout; k++) {
				const struct cim_property *p = k < meth->nout ?
				    &meth->out[order[k]] : NULL;

				if (!ret_done && (p == NULL || strcasecmp(
				    "ReturnValue", p->name) < 0)) {
					ck_assert_str_eq((const char *)c->name,
					    "ReturnValue");
					if (out->has_ret)
						check_value(c, URI_WMI "/root/"
						    "cimv2/WRT_AllTypes",
						    CIM_UINT32, &rv);
					else
						check_nil(c, URI_WMI "/root/"
						    "cimv2/WRT_AllTypes", false);
					c = c->next;
					ret_done = true;
				}
				if (p != NULL)
					check_prop(&c, URI_WMI "/root/cimv2/"
					    "WRT_AllTypes", p,
					    &out->vals[order[k]], false);
			}
			ck_assert_ptr_null(c);
			assert_rewrites(obj, written(parent));
			xmlFreeDoc(doc);
			xmlFreeDoc(parent->doc);
			inst_free(out);
		}
		free(order);
	}
}
END_TEST

static Suite *
render_suite(void)
{
	Suite *s = suite_create("cim_render");
	TCase *tc = tcase_create("render");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_every_class);
	tcase_add_test(tc, test_hard_strings);
	tcase_add_test(tc, test_method_output);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(render_suite)
