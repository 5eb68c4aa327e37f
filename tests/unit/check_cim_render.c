/*
 * check_cim_render.c: the text the cim plugin writes for instances, WQL
 * fragments and method output is the XML libxml2 writes for the same
 * trees, byte for byte, as the daemon serialises a reply (daemon/soap.c:
 * UTF-8, controls scrubbed): for every instance of every class of the
 * win32 provider on this host and of the test provider (every CIM type,
 * NULLs, arrays, datetimes, intervals), whole and projected, with and
 * without UsePreciseArrays, under the reply envelope and under a bare
 * parent; and for strings made to trip escaping (markup, quotes, CR,
 * controls, bytes that are not UTF-8, non-ASCII).
 */
#define _GNU_SOURCE

#include <libxml/parser.h>

#include "unit.h"

#include "cim.h"
#include "mock_host.h"
#include "soap.h"

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

/* a reply envelope as daemon/soap.c makes it, or a bare element */
static xmlNodePtr
parent_new(bool envelope)
{
	static const char env[] =
	    "<s:Envelope xmlns:s=\"" WINRMD_NS_SOAP "\" xmlns:a=\""
	    WINRMD_NS_WSA "\" xmlns:x=\"" WINRMD_NS_WXF "\" xmlns:w=\""
	    WINRMD_NS_WSMAN "\" xmlns:rsp=\"" WINRMD_NS_SHELL "\" xmlns:p=\""
	    WINRMD_NS_WSMV "\" xml:lang=\"en-US\"><s:Body><n:PullResponse "
	    "xmlns:n=\"" WINRMD_NS_WSEN "\"><n:Items/></n:PullResponse>"
	    "</s:Body></s:Envelope>";
	static const char bare[] = "<Items/>";
	const char *xml = envelope ? env : bare;
	xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
	    XML_PARSE_NONET);
	xmlNodePtr n;

	ck_assert_ptr_nonnull(doc);
	n = xmlDocGetRootElement(doc);
	while (n->children != NULL)
		n = n->children;
	return n;
}

/* the serialised text of the one child of parent */
static char *
frozen(xmlNodePtr parent)
{
	xmlNodePtr n = parent->children;
	size_t len;

	ck_assert_ptr_nonnull(n);
	ck_assert_ptr_null(n->next);
	len = soap_freeze(n);
	ck_assert_uint_ne(len, SIZE_MAX);
	ck_assert_uint_eq(strlen((const char *)parent->children->content), len);
	return strdup((const char *)parent->children->content);
}

static void
assert_same(const char *what, char *tree, char *text)
{
	ck_assert_msg(strcmp(tree, text) == 0, "%s differs:\ntree %s\ntext %s",
	    what, tree, text);
	free(tree);
	free(text);
	compared++;
}

/* the instance rendered both ways, in each view */
static void
compare_instance(const struct cim_entry *e, const struct cim_instance *i)
{
	bool *keep = calloc(i->nprops, sizeof(*keep));

	for (size_t k = 0; k < i->nprops; k++)
		keep[k] = k % 2 == 0;
	for (int variant = 0; variant < 8; variant++) {
		struct cim_view v = { .ent = e };
		xmlNodePtr a = parent_new(variant & 1), b = parent_new(variant & 1);

		v.precise_arrays = (variant & 2) != 0;
		v.keep = (variant & 4) ? keep : NULL;
		snprintf(v.uri, sizeof(v.uri), "%s/%s/%s", URI_WMI, e->ns,
		    e->name);
		ck_assert_ptr_nonnull(render_object_tree(a, &v, i));
		ck_assert_ptr_nonnull(render_object(b, &v, i));
		assert_same(e->name, frozen(a), frozen(b));
		xmlFreeDoc(a->doc);
		xmlFreeDoc(b->doc);
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
			compare_instance(e, i);
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
		compare_instance(e, i);
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

		for (int variant = 0; variant < 2; variant++) {
			struct cim_instance *out = inst_new(meth->out,
			    meth->nout);
			xmlNodePtr a = parent_new(true), b = parent_new(true);

			out->has_ret = variant == 1;
			out->ret = 42;
			for (size_t p = 0; p < meth->nout && variant; p++)
				if (meth->out[p].type == CIM_STRING)
					svc.set_string(out, p, "a<b>&\r");
			ck_assert_ptr_nonnull(render_output_tree(a, URI_WMI
			    "/root/cimv2/WRT_AllTypes", meth, out));
			ck_assert_ptr_nonnull(render_output(b, URI_WMI
			    "/root/cimv2/WRT_AllTypes", meth, out));
			assert_same(meth->name, frozen(a), frozen(b));
			xmlFreeDoc(a->doc);
			xmlFreeDoc(b->doc);
			inst_free(out);
		}
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
