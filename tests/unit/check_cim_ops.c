/*
 * check_cim_ops.c: the cim plugin's operations end to end against the
 * mock host and the test provider (tests/providers/testprov.so, loaded
 * through [CIM] Providers like the daemon does): Enumerate/Pull/Release
 * with contexts (batches, OptimizeEnumeration, modes, expiry, per-user
 * bound, ownership, MaxEnvelopeSize), WQL and selector filters, the
 * all-classes and DMTF URIs, Get, Invoke, pending and failing providers,
 * OperationTimeout for a provider that never answers, and shutdown.
 */
#define _GNU_SOURCE

#include <libxml/parser.h>

#include "unit.h"

#include "cim.h"
#include "mock_host.h"
#include "enumeration.h"

#define NS_N	WINRMD_NS_WSEN
#define CIMV2	URI_WMI "/root/cimv2/"
#define MANY	CIMV2 "WRT_Many"

static const struct winrmd_plugin *plug;
static void *pstate;

static void
setup(void)
{
	mock_conf_set("CIM.Providers", TESTPROV " /nonexistent/prov.so, "
	    "missing ../escape");
	mock_conf_set("CIM.ProviderDirectory", "/nonexistent");
	mock_conf_set("Service.EnumerationTimeoutms", "1000");
	mock_conf_set("Service.MaxBatchItems", "100");
	mock_conf_set("Service.MaxConcurrentOperationsPerUser", "3");
	setenv("TZ", "UTC", 1);
	tzset();
	plug = winrmd_plugin_entry();
	ck_assert_ptr_nonnull(plug);
	ck_assert_int_eq(plug->init(&mock_host, &pstate), 0);
}

static void
teardown(void)
{
	mock_plugin_stop(plug, pstate);
}

/* what dispatch.c does */
#define run(op)		mock_run_pass(plug, pstate, (op))

/* marks seen[Index] for each WRT_Many item of the reply; returns count */
static size_t
collect(xmlNodePtr n, bool *seen, size_t nseen)
{
	size_t count = 0;

	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, "Index") == 0) {
			xmlChar *t = xmlNodeGetContent(n);
			unsigned long k = strtoul((const char *)t, NULL, 10);

			xmlFree(t);
			ck_assert_uint_lt(k, nseen);
			ck_assert_msg(!seen[k], "instance %lu served twice", k);
			seen[k] = true;
			count++;
			continue;
		}
		count += collect(n->children, seen, nseen);
	}
	return count;
}

static size_t
collect_reply(struct winrmd_op *op, bool *seen, size_t nseen)
{
	return collect(xmlDocGetRootElement(op->reply), seen, nseen);
}

/* Enumerate then Pull (MaxElements max) until EndOfSequence */
static size_t
pull_all(const char *uri, char *ctx, int max, bool *seen, size_t nseen,
    size_t *ret_pulls)
{
	size_t total = 0, pulls = 0;

	for (;;) {
		struct winrmd_op *op = mock_pull_op(uri, ctx, max);
		size_t got;

		run(op);
		mock_assert_ok(op);
		ck_assert_str_eq(op->reply_action, WINRMD_ACTION_PULL "Response");
		got = collect_reply(op, seen, nseen);
		ck_assert_uint_le(got, (size_t)max);
		total += got;
		pulls++;
		if (mock_reply_count(op, "EndOfSequence") == 1) {
			ck_assert_uint_eq(mock_reply_count(op,
			    "EnumerationContext"), 0);
			mock_op_free(op);
			break;
		}
		ck_assert_uint_eq(got, (size_t)max);
		mock_op_free(op);
		ck_assert_uint_lt(pulls, 1000);
	}
	if (ret_pulls != NULL)
		*ret_pulls = pulls;
	return total;
}

static char *
enumerate_ctx(struct winrmd_op *op)
{
	char *ctx;

	run(op);
	mock_assert_ok(op);
	ck_assert_str_eq(op->reply_action, WINRMD_ACTION_ENUMERATE "Response");
	ctx = mock_reply_find(op, "EnumerationContext");
	ck_assert_ptr_nonnull(ctx);
	ck_assert(strncmp(ctx, "uuid:", 5) == 0);
	return ctx;
}

/* ---------------------------------------------------------- loading */

START_TEST(test_providers_loaded)
{
	ck_assert_uint_ge(registry_count(pstate), 14);
	ck_assert_ptr_nonnull(registry_find(pstate, "root/cimv2", "WRT_Many"));
	ck_assert_ptr_nonnull(registry_find(pstate, "ROOT\\CIMV2", "wrt_many"));
	ck_assert_ptr_nonnull(registry_find(pstate, "root/test", "Other"));
	ck_assert_ptr_nonnull(registry_find(pstate, "root/hardware", "TestSensor"));
	ck_assert_ptr_null(registry_find(pstate, "root/test", "WRT_Many"));
	/* the broken entries were logged and skipped */
	ck_assert_uint_ge(mock_log_count("/nonexistent/prov.so"), 1);
	ck_assert_uint_ge(mock_log_count("/nonexistent/missing.so"), 1);
	ck_assert_uint_ge(mock_log_count("may not hold '/'"), 1);
	/* the second WRT_Dup lost */
	ck_assert_uint_eq(mock_log_count("WRT_Dup is served by provider testprov "
	    "already"), 1);
	ck_assert_uint_eq(mock_log_count("testprov: init"), 1);
}
END_TEST

/* --------------------------------------------------------- Enumerate */

START_TEST(test_enumerate_pull_every_instance_once)
{
	bool seen[250] = { false };
	struct winrmd_op *op = mock_enum_op(MANY, NULL);
	char *ctx = enumerate_ctx(op);
	size_t pulls;

	ck_assert_uint_eq(mock_reply_count(op, "Items"), 0);
	ck_assert_uint_eq(enumeration_count(1000), 1);
	mock_op_free(op);
	ck_assert_uint_eq(pull_all(MANY, ctx, 10, seen, 250, &pulls), 250);
	ck_assert_uint_eq(pulls, 25);
	for (size_t k = 0; k < 250; k++)
		ck_assert_msg(seen[k], "instance %zu never served", k);
	/* finished: the context is gone */
	ck_assert_uint_eq(enumeration_count(1000), 0);
	op = mock_pull_op(MANY, ctx, 10);
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_INVALID_ENUMERATION_CONTEXT);
	mock_op_free(op);
	free(ctx);
}
END_TEST

START_TEST(test_pull_default_and_capped)
{
	bool seen[250] = { false };
	struct winrmd_op *op = mock_enum_op(MANY, NULL);
	char *ctx = enumerate_ctx(op);

	mock_op_free(op);
	/* no MaxElements: one */
	op = mock_pull_op(MANY, ctx, 0);
	run(op);
	mock_assert_ok(op);
	ck_assert_uint_eq(collect_reply(op, seen, 250), 1);
	mock_op_free(op);
	/* MaxElements 5000: capped by MaxBatchItems (100) */
	op = mock_pull_op(MANY, ctx, 5000);
	run(op);
	mock_assert_ok(op);
	ck_assert_uint_eq(collect_reply(op, seen, 250), 100);
	mock_op_free(op);
	/* MaxElements 0 and junk: refused */
	op = mock_op(WINRMD_ACTION_PULL, MANY, "<n:Pull><n:EnumerationContext>x"
	    "</n:EnumerationContext><n:MaxElements>0</n:MaxElements></n:Pull>");
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_INVALID_ENUMERATION_CONTEXT);
	mock_op_free(op);
	{
		char *body;

		ck_assert_int_ge(asprintf(&body, "<n:Pull><n:EnumerationContext>"
		    "%s</n:EnumerationContext><n:MaxElements>-3</n:MaxElements>"
		    "</n:Pull>", ctx), 0);
		op = mock_op(WINRMD_ACTION_PULL, MANY, body);
		free(body);
		run(op);
		mock_assert_fault(op, WINRMD_FAULT_SCHEMA_VALIDATION);
		mock_op_free(op);
	}
	op = mock_release_op(MANY, ctx);
	run(op);
	mock_assert_ok(op);
	ck_assert_str_eq(op->reply_action, WINRMD_ACTION_RELEASE "Response");
	mock_op_free(op);
	free(ctx);
}
END_TEST

START_TEST(test_optimize)
{
	bool seen[250] = { false };
	struct winrmd_op *op;
	char *ctx;

	/* 300 asked, 100 allowed: the first 100 in the EnumerateResponse */
	op = mock_enum_op(MANY, "<w:OptimizeEnumeration/>"
	    "<w:MaxElements>300</w:MaxElements>");
	ctx = enumerate_ctx(op);
	ck_assert_uint_eq(mock_reply_count(op, "Items"), 1);
	ck_assert_uint_eq(collect_reply(op, seen, 250), 100);
	ck_assert_uint_eq(mock_reply_count(op, "EndOfSequence"), 0);
	mock_op_free(op);
	ck_assert_uint_eq(pull_all(MANY, ctx, 100, seen, 250, NULL), 150);
	for (size_t k = 0; k < 250; k++)
		ck_assert(seen[k]);
	free(ctx);

	/* all fits: w:EndOfSequence, no context kept */
	op = mock_enum_op(CIMV2 "WRT_AllTypes", "<w:OptimizeEnumeration/>"
	    "<w:MaxElements>10</w:MaxElements>");
	ctx = enumerate_ctx(op);
	ck_assert_uint_eq(mock_reply_count(op, "WRT_AllTypes"), 3);
	ck_assert_uint_eq(mock_reply_count(op, "EndOfSequence"), 1);
	{
		char *text = mock_reply_text(op);

		ck_assert_ptr_nonnull(strstr(text, "<w:EndOfSequence/>"));
		ck_assert_ptr_nonnull(strstr(text, "<w:Items>"));
		free(text);
	}
	ck_assert_uint_eq(enumeration_count(1000), 0);
	mock_op_free(op);
	free(ctx);

	/* OptimizeEnumeration without MaxElements: one item */
	op = mock_enum_op(CIMV2 "WRT_AllTypes", "<w:OptimizeEnumeration/>");
	ctx = enumerate_ctx(op);
	ck_assert_uint_eq(mock_reply_count(op, "WRT_AllTypes"), 1);
	mock_op_free(op);
	op = mock_release_op(CIMV2 "WRT_AllTypes", ctx);
	run(op);
	mock_assert_ok(op);
	mock_op_free(op);
	free(ctx);
}
END_TEST

START_TEST(test_modes)
{
	struct winrmd_op *op;
	char *ctx, *text;

	op = mock_enum_op(CIMV2 "WRT_AllTypes", "<w:OptimizeEnumeration/>"
	    "<w:MaxElements>10</w:MaxElements>"
	    "<w:EnumerationMode>EnumerateObjectAndEPR</w:EnumerationMode>");
	ctx = enumerate_ctx(op);
	ck_assert_uint_eq(mock_reply_count(op, "Item"), 3);
	ck_assert_uint_eq(mock_reply_count(op, "WRT_AllTypes"), 3);
	ck_assert_uint_eq(mock_reply_count(op, "EndpointReference"), 3);
	ck_assert_uint_eq(mock_reply_count(op, "Selector"), 6);
	text = mock_reply_text(op);
	ck_assert_ptr_nonnull(strstr(text, "<w:Item><p:WRT_AllTypes"));
	ck_assert_ptr_nonnull(strstr(text, "</p:WRT_AllTypes><a:EndpointReference>"
	    "<a:Address>" WSA_ANONYMOUS "</a:Address><a:ReferenceParameters>"
	    "<w:ResourceURI>" CIMV2 "WRT_AllTypes</w:ResourceURI><w:SelectorSet>"
	    "<w:Selector Name=\"Id\">1</w:Selector><w:Selector Name=\"Name\">"
	    "Alpha</w:Selector></w:SelectorSet>"));
	free(text);
	mock_op_free(op);
	free(ctx);

	op = mock_enum_op(CIMV2 "WRT_AllTypes", "<w:OptimizeEnumeration/>"
	    "<w:MaxElements>10</w:MaxElements>"
	    "<w:EnumerationMode>EnumerateEPR</w:EnumerationMode>");
	ctx = enumerate_ctx(op);
	ck_assert_uint_eq(mock_reply_count(op, "EndpointReference"), 3);
	ck_assert_uint_eq(mock_reply_count(op, "WRT_AllTypes"), 0);
	ck_assert_uint_eq(mock_reply_count(op, "Item"), 0);
	mock_op_free(op);
	free(ctx);

	op = mock_enum_op(CIMV2 "WRT_AllTypes",
	    "<w:EnumerationMode>EnumerateSomething</w:EnumerationMode>");
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_UNSUPPORTED_FEATURE);
	ck_assert_str_eq(op->detail, "EnumerationMode");
	mock_op_free(op);
}
END_TEST

START_TEST(test_instance_xml)
{
	struct winrmd_op *op = mock_enum_op(CIMV2 "WRT_AllTypes",
	    "<w:OptimizeEnumeration/><w:MaxElements>1</w:MaxElements>");
	char *ctx = enumerate_ctx(op), *text = mock_reply_text(op);

	ck_assert_ptr_nonnull(strstr(text, "<p:WRT_AllTypes xmlns:p=\"" CIMV2
	    "WRT_AllTypes\" xmlns:cim=\"" NS_CIM_COMMON "\" xmlns:xsi=\""
	    WINRMD_NS_XSI "\" xsi:type=\"p:WRT_AllTypes_Type\" "
	    "xml:lang=\"en-US\"><p:C16>A</p:C16><p:Flag>true</p:Flag>"
	    "<p:Id>1</p:Id><p:markup>&lt;b&gt;bold&lt;/b&gt;</p:markup>"
	    "<p:Name>Alpha</p:Name><p:NullArray xsi:nil=\"true\"/>"
	    "<p:NullStr xsi:nil=\"true\"/><p:NullWhen xsi:nil=\"true\"/>"));
	ck_assert_ptr_nonnull(strstr(text, "<p:StrArray>s0</p:StrArray>"
	    "<p:Took><cim:Interval>P0DT0H1M40S</cim:Interval></p:Took>"
	    "<p:U16>65001</p:U16>"));
	ck_assert_ptr_nonnull(strstr(text, "<p:When><cim:Datetime>"
	    "2024-04-03T12:45:50.468750Z</cim:Datetime></p:When>"));
	free(text);
	mock_op_free(op);
	op = mock_release_op(CIMV2 "WRT_AllTypes", ctx);
	run(op);
	mock_op_free(op);
	free(ctx);
}
END_TEST

/* ---------------------------------------------------------- filters */

START_TEST(test_wql_filter)
{
	bool seen[250] = { false };
	struct winrmd_op *op;
	char *ctx, *text;
	size_t n;

	/* both positions: wsen:Filter and wsman:Filter */
	static const char *const prefixes[] = { "n", "w" };
	for (size_t pi = 0; pi < 2; pi++) {
		char *inner, *filter;

		memset(seen, 0, sizeof(seen));
		ck_assert_int_ge(asprintf(&filter, "<%s:Filter Dialect=\"%s\">%s"
		    "</%s:Filter>", prefixes[pi], NS_WQL,
		    "select Name, Index from WRT_Many where Group = 'BETA' and "
		    "(Value &gt; 0 or Note is null) and not Name like '%9'",
		    prefixes[pi]), 0);
		ck_assert_int_ge(asprintf(&inner, "<w:OptimizeEnumeration/>"
		    "<w:MaxElements>100</w:MaxElements>%s", filter), 0);
		op = mock_enum_op(MANY, inner);
		free(inner);
		free(filter);
		ctx = enumerate_ctx(op);
		n = collect_reply(op, seen, 250);
		/* XmlFragment with Index and Name only, alphabetically */
		text = mock_reply_text(op);
		ck_assert_ptr_nonnull(strstr(text, "<w:XmlFragment xmlns:xsi=\""
		    WINRMD_NS_XSI "\"><Index>10</Index><Name>item-010</Name>"
		    "</w:XmlFragment>"));
		ck_assert_ptr_null(strstr(text, "Group"));
		free(text);
		if (mock_reply_count(op, "EndOfSequence") == 0)
			n += pull_all(MANY, ctx, 100, seen, 250, NULL);
		mock_op_free(op);
		free(ctx);
		{
			size_t want = 0;

			for (unsigned k = 0; k < 250; k++) {
				bool match = k % 3 == 1 && ((int)k - 125 > 0 ||
				    k % 5 == 0) && k % 10 != 9;

				ck_assert_msg(seen[k] == match, "k=%u", k);
				want += match;
			}
			ck_assert_uint_eq(n, want);
		}
	}
	ck_assert_uint_eq(enumeration_count(1000), 0);
}
END_TEST

START_TEST(test_filter_errors)
{
	static const struct { const char *inner; enum winrmd_fault f; } cases[] = {
		{ "<w:Filter Dialect=\"" NS_WQL "\">select * frm WRT_Many</w:Filter>",
		  WINRMD_FAULT_CANNOT_PROCESS_FILTER },
		{ "<w:Filter Dialect=\"" NS_WQL "\">select * from WRT_Many where "
		  "Nope = 1</w:Filter>", WINRMD_FAULT_CANNOT_PROCESS_FILTER },
		{ "<w:Filter Dialect=\"" NS_WQL "\">select * from WRT_AllTypes"
		  "</w:Filter>", WINRMD_FAULT_CANNOT_PROCESS_FILTER },
		{ "<w:Filter Dialect=\"" NS_WQL "\">select * from WRT_Many where "
		  "Index ISA 'x'</w:Filter>", WINRMD_FAULT_CANNOT_PROCESS_FILTER },
		{ "<w:Filter>/a/b</w:Filter>",
		  WINRMD_FAULT_FILTER_DIALECT_UNAVAILABLE },
		{ "<n:Filter Dialect=\"http://www.w3.org/TR/1999/REC-xpath-19991116\">"
		  "/a</n:Filter>", WINRMD_FAULT_FILTER_DIALECT_UNAVAILABLE },
		{ "<n:Filter Dialect=\"" NS_WQL "\">select * from WRT_Many</n:Filter>"
		  "<w:Filter Dialect=\"" NS_WQL "\">select * from WRT_Many</w:Filter>",
		  WINRMD_FAULT_CANNOT_PROCESS_FILTER },
		{ "<w:Filter Dialect=\"" NS_SELECTOR_FILTER "\"><w:SelectorSet>"
		  "<w:Selector Name=\"Group\">beta</w:Selector><w:Selector "
		  "Name=\"group\">alpha</w:Selector></w:SelectorSet></w:Filter>",
		  WINRMD_FAULT_CANNOT_PROCESS_FILTER },
		{ "<w:Filter Dialect=\"" NS_SELECTOR_FILTER "\"><w:SelectorSet>"
		  "<w:Selector Name=\"Nope\">beta</w:Selector></w:SelectorSet>"
		  "</w:Filter>", WINRMD_FAULT_CANNOT_PROCESS_FILTER },
		{ "<w:Filter Dialect=\"" NS_SELECTOR_FILTER "\"><w:SelectorSet>"
		  "<w:Selector Name=\"Group\">be'ta</w:Selector></w:SelectorSet>"
		  "</w:Filter>", WINRMD_FAULT_CANNOT_PROCESS_FILTER },
		{ "<w:Filter Dialect=\"" NS_SELECTOR_FILTER "\"><w:SelectorSet>"
		  "<w:Selector Name=\"Index\">many</w:Selector></w:SelectorSet>"
		  "</w:Filter>", WINRMD_FAULT_CANNOT_PROCESS_FILTER },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct winrmd_op *op = mock_enum_op(MANY, cases[i].inner);

		run(op);
		ck_assert_msg(op->status == WINRMD_FAULT && op->fault == cases[i].f,
		    "case %zu: status %d fault %d: %s", i, op->status, op->fault,
		    op->reason);
		mock_op_free(op);
	}
	ck_assert_uint_eq(enumeration_count(1000), 0);
	/* selector filter on an array / datetime property */
	{
		struct winrmd_op *op = mock_enum_op(CIMV2 "WRT_AllTypes",
		    "<w:Filter Dialect=\"" NS_SELECTOR_FILTER "\"><w:SelectorSet>"
		    "<w:Selector Name=\"When\">x</w:Selector></w:SelectorSet>"
		    "</w:Filter>");

		run(op);
		mock_assert_fault(op, WINRMD_FAULT_CANNOT_PROCESS_FILTER);
		mock_op_free(op);
	}
}
END_TEST

START_TEST(test_selector_filter)
{
	bool seen[250] = { false };
	struct winrmd_op *op = mock_enum_op(MANY, "<w:OptimizeEnumeration/>"
	    "<w:MaxElements>100</w:MaxElements>"
	    "<w:Filter Dialect=\"" NS_SELECTOR_FILTER "\"><w:SelectorSet>"
	    "<w:Selector Name=\"group\">GAMMA</w:Selector>"
	    "<w:Selector Name=\"Even\">true</w:Selector>"
	    "</w:SelectorSet></w:Filter>");
	char *ctx = enumerate_ctx(op);
	size_t n = collect_reply(op, seen, 250), want = 0;

	/* the selector filter keeps whole instances */
	ck_assert_uint_gt(mock_reply_count(op, "Group"), 0);
	ck_assert_uint_eq(mock_reply_count(op, "EndOfSequence"), 1);
	for (unsigned k = 0; k < 250; k++) {
		bool match = k % 3 == 2 && k % 2 == 0;

		ck_assert(seen[k] == match);
		want += match;
	}
	ck_assert_uint_eq(n, want);
	mock_op_free(op);
	free(ctx);
}
END_TEST

START_TEST(test_all_classes_uri)
{
	bool seen[250] = { false };
	struct winrmd_op *op = mock_enum_op(CIMV2 "*", "<w:OptimizeEnumeration/>"
	    "<w:MaxElements>100</w:MaxElements>"
	    "<w:Filter Dialect=\"" NS_WQL "\">SELECT * FROM wrt_many WHERE "
	    "Index &lt; 5</w:Filter>"
	    "<w:EnumerationMode>EnumerateObjectAndEPR</w:EnumerationMode>");
	char *ctx = enumerate_ctx(op), *text;

	ck_assert_uint_eq(collect_reply(op, seen, 250), 5);
	text = mock_reply_text(op);
	/* the class's own URI, as the request's form writes it */
	ck_assert_ptr_nonnull(strstr(text, "<p:WRT_Many xmlns:p=\"" CIMV2
	    "WRT_Many\""));
	ck_assert_ptr_nonnull(strstr(text, "<w:ResourceURI>" CIMV2
	    "WRT_Many</w:ResourceURI>"));
	free(text);
	mock_op_free(op);
	free(ctx);

	op = mock_enum_op(CIMV2 "*", NULL);
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_DESTINATION_UNREACHABLE);
	mock_op_free(op);
	op = mock_enum_op(CIMV2 "*", "<w:Filter Dialect=\"" NS_WQL "\">select * from "
	    "NoSuchClass</w:Filter>");
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_DESTINATION_UNREACHABLE);
	mock_op_free(op);
	/* DMTF all-classes with __cimnamespace */
	op = mock_enum_op(URI_DMTF "/*", "<w:OptimizeEnumeration/>"
	    "<w:MaxElements>100</w:MaxElements><w:Filter Dialect=\"" NS_WQL
	    "\">select * from WRT_Other</w:Filter>");
	mock_op_selector(op, "__cimnamespace", "root/test");
	ctx = enumerate_ctx(op);
	ck_assert_uint_eq(mock_reply_count(op, "WRT_Other"), 2);
	text = mock_reply_text(op);
	ck_assert_ptr_nonnull(strstr(text, "xmlns:p=\"" URI_DMTF
	    "/cim-schema/2/WRT_Other\""));
	free(text);
	mock_op_free(op);
	free(ctx);
}
END_TEST

START_TEST(test_dmtf_uri)
{
	struct winrmd_op *op;
	char *ctx, *text;

	/* no __cimnamespace: root/hardware, echoed in EPRs */
	op = mock_enum_op(URI_DMTF "/cim-schema/2/CIM_TestSensor",
	    "<w:OptimizeEnumeration/><w:MaxElements>10</w:MaxElements>"
	    "<w:EnumerationMode>EnumerateObjectAndEPR</w:EnumerationMode>");
	ctx = enumerate_ctx(op);
	ck_assert_uint_eq(mock_reply_count(op, "CIM_TestSensor"), 3);
	text = mock_reply_text(op);
	ck_assert_ptr_nonnull(strstr(text, "<w:Selector Name=\"SystemName\">"
	    "testhost</w:Selector><w:Selector Name=\"__cimnamespace\">"
	    "root/hardware</w:Selector>"));
	ck_assert_ptr_nonnull(strstr(text, "<p:PossibleStates>Normal"
	    "</p:PossibleStates><p:PossibleStates>Upper Critical"
	    "</p:PossibleStates>"));
	free(text);
	mock_op_free(op);
	free(ctx);

	/* the alias, the MS wscim synonym, and an explicit namespace */
	op = mock_enum_op(URI_MSCIM "/cim-schema/2/TestSensor",
	    "<w:OptimizeEnumeration/><w:MaxElements>10</w:MaxElements>");
	mock_op_selector(op, "__cimnamespace", "root\\hardware");
	ctx = enumerate_ctx(op);
	ck_assert_uint_eq(mock_reply_count(op, "TestSensor"), 3);
	mock_op_free(op);
	free(ctx);

	/* the class is not in root/cimv2 */
	op = mock_enum_op(URI_DMTF "/cim-schema/2/CIM_TestSensor", NULL);
	mock_op_selector(op, "__cimnamespace", "root/cimv2");
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_DESTINATION_UNREACHABLE);
	mock_op_free(op);

	/* Get over DMTF */
	op = mock_get_op(URI_DMTF "/cim-schema/2/CIM_TestSensor",
	    "DeviceID", "BMC.2", "SystemName", "TESTHOST", NULL);
	run(op);
	mock_assert_ok(op);
	text = mock_reply_find(op, "CurrentReading");
	ck_assert_str_eq(text, "42");
	free(text);
	mock_op_free(op);
}
END_TEST

/* ------------------------------------------------------- contexts */

START_TEST(test_release_expiry_owner_quota)
{
	struct winrmd_op *op;
	char *ctx[4];

	/* Release, then Pull: gone */
	op = mock_enum_op(MANY, NULL);
	ctx[0] = enumerate_ctx(op);
	mock_op_free(op);
	op = mock_release_op(MANY, ctx[0]);
	run(op);
	mock_assert_ok(op);
	mock_op_free(op);
	op = mock_pull_op(MANY, ctx[0], 5);
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_INVALID_ENUMERATION_CONTEXT);
	mock_op_free(op);
	op = mock_release_op(MANY, ctx[0]);
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_INVALID_ENUMERATION_CONTEXT);
	mock_op_free(op);
	free(ctx[0]);

	/* expiry after EnumerationTimeoutms (1000) without use */
	op = mock_enum_op(MANY, NULL);
	ctx[0] = enumerate_ctx(op);
	mock_op_free(op);
	mock_advance(900);
	op = mock_pull_op(MANY, ctx[0], 5);
	run(op);
	mock_assert_ok(op);			/* a Pull restarts the clock */
	mock_op_free(op);
	mock_advance(900);
	op = mock_pull_op(MANY, ctx[0], 5);
	run(op);
	mock_assert_ok(op);
	mock_op_free(op);
	mock_advance(1001);
	ck_assert_uint_eq(enumeration_count(1000), 0);
	op = mock_pull_op(MANY, ctx[0], 5);
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_INVALID_ENUMERATION_CONTEXT);
	mock_op_free(op);
	free(ctx[0]);

	/* another user can neither pull nor release mine */
	op = mock_enum_op(MANY, NULL);
	ctx[0] = enumerate_ctx(op);
	mock_op_free(op);
	op = mock_pull_op(MANY, ctx[0], 5);
	mock_op_user(op, "mallory", 1001);
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_INVALID_ENUMERATION_CONTEXT);
	mock_op_free(op);
	op = mock_release_op(MANY, ctx[0]);
	mock_op_user(op, "mallory", 1001);
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_INVALID_ENUMERATION_CONTEXT);
	mock_op_free(op);
	op = mock_pull_op(MANY, ctx[0], 5);
	run(op);
	mock_assert_ok(op);			/* still mine */
	mock_op_free(op);

	/* MaxConcurrentOperationsPerUser = 3 */
	for (int i = 1; i < 3; i++) {
		op = mock_enum_op(MANY, NULL);
		ctx[i] = enumerate_ctx(op);
		mock_op_free(op);
	}
	ck_assert_uint_eq(enumeration_count(1000), 3);
	op = mock_enum_op(MANY, NULL);
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_QUOTA_MAX_OPERATIONS);
	mock_op_free(op);
	/* another user is not affected */
	op = mock_enum_op(MANY, NULL);
	mock_op_user(op, "bob", 1002);
	ctx[3] = enumerate_ctx(op);
	mock_op_free(op);
	/* releasing one makes room */
	op = mock_release_op(MANY, ctx[1]);
	run(op);
	mock_assert_ok(op);
	mock_op_free(op);
	op = mock_enum_op(MANY, NULL);
	free(ctx[1]);
	ctx[1] = enumerate_ctx(op);
	mock_op_free(op);
	for (int i = 0; i < 4; i++)
		free(ctx[i]);
	/* the daemon releases what is left before fini (teardown checks) */
}
END_TEST

START_TEST(test_envelope_size)
{
	struct winrmd_op *op;
	char *ctx;
	bool seen[21] = { false };
	size_t total = 0, pulls = 0;

	/* WRT_Big: 20 x ~3 KB; at 8192 bytes only two fit per Pull */
	op = mock_enum_op(CIMV2 "WRT_Big", NULL);
	ctx = enumerate_ctx(op);
	mock_op_free(op);
	for (;;) {
		char *text;
		size_t got = 0;

		op = mock_pull_op(CIMV2 "WRT_Big", ctx, 20);
		op->max_envelope = 8192;
		run(op);
		mock_assert_ok(op);
		text = mock_reply_text(op);
		ck_assert_uint_le(strlen(text), 8192);
		free(text);
		for (unsigned id = 1; id <= 20; id++) {
			char want[32];

			snprintf(want, sizeof(want), "<p:Id>%u</p:Id>", id);
			text = mock_reply_text(op);
			if (strstr(text, want) != NULL) {
				ck_assert(!seen[id]);
				seen[id] = true;
				got++;
			}
			free(text);
		}
		ck_assert_uint_ge(got, 1);
		ck_assert_uint_le(got, 2);
		total += got;
		pulls++;
		if (mock_reply_count(op, "EndOfSequence")) {
			mock_op_free(op);
			break;
		}
		mock_op_free(op);
		ck_assert_uint_lt(pulls, 30);
	}
	ck_assert_uint_eq(total, 20);
	ck_assert_uint_ge(pulls, 10);
	free(ctx);

	/* WRT_Huge: one 20 KB instance never fits in 8192 */
	op = mock_enum_op(CIMV2 "WRT_Huge", NULL);
	ctx = enumerate_ctx(op);
	mock_op_free(op);
	op = mock_pull_op(CIMV2 "WRT_Huge", ctx, 5);
	op->max_envelope = 8192;
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_ENCODING_LIMIT);
	ck_assert_str_eq(op->detail, "MaxEnvelopeSize");
	mock_op_free(op);
	/* the context survives: a bigger envelope gets it */
	op = mock_pull_op(CIMV2 "WRT_Huge", ctx, 5);
	run(op);
	mock_assert_ok(op);
	ck_assert_uint_eq(mock_reply_count(op, "EndOfSequence"), 1);
	mock_op_free(op);
	free(ctx);

	/* optimized Enumerate: what does not fit waits for a Pull */
	op = mock_enum_op(CIMV2 "WRT_Huge", "<w:OptimizeEnumeration/>"
	    "<w:MaxElements>5</w:MaxElements>");
	op->max_envelope = 8192;
	ctx = enumerate_ctx(op);
	ck_assert_uint_eq(mock_reply_count(op, "WRT_Huge"), 0);
	ck_assert_uint_eq(mock_reply_count(op, "EndOfSequence"), 0);
	mock_op_free(op);
	op = mock_release_op(CIMV2 "WRT_Huge", ctx);
	run(op);
	mock_assert_ok(op);
	mock_op_free(op);
	free(ctx);
}
END_TEST

START_TEST(test_options)
{
	struct winrmd_op *op = mock_enum_op(MANY, NULL);

	mock_op_option(op, "SomethingElse", "1", false);
	mock_op_option(op, "wmi:Unsupported", "x", true);
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_INVALID_OPTIONS);
	ck_assert_str_eq(op->detail, "NotSupported");
	mock_op_free(op);

	op = mock_get_op(CIMV2 "WRT_Many", "Index", "1", NULL);
	mock_op_option(op, "MustHave", "x", true);
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_INVALID_OPTIONS);
	mock_op_free(op);

	/* UsePreciseArrays is understood, even with MustComply */
	op = mock_enum_op(CIMV2 "WRT_AllTypes", "<w:OptimizeEnumeration/>"
	    "<w:MaxElements>1</w:MaxElements>");
	mock_op_option(op, "msftwinrm:UsePreciseArrays", "true", true);
	free(enumerate_ctx(op));
	{
		char *text = mock_reply_text(op);

		ck_assert_ptr_nonnull(strstr(text, "<p:NullArray xsi:nil=\"true\" "
		    "m:IsNullArray=\"true\"/>"));
		free(text);
	}
	mock_op_free(op);
}
END_TEST

/* ---------------------------------------------------------------- Get */

/* Gets that fault: the URI, a selector (or none), the fault and its detail */
static const struct {
	const char		*uri;
	const char		*name, *value;
	enum winrmd_fault	 fault;
	const char		*detail;	/* NULL: not checked */
} get_faults[] = {
	/* no such instance (valid keys): DestinationUnreachable as Windows */
	{ MANY, "Index", "250", WINRMD_FAULT_DESTINATION_UNREACHABLE, "" },
	{ URI_WMI "/root/test/Other", "Key", "Third",
	    WINRMD_FAULT_DESTINATION_UNREACHABLE, NULL },
	/* bad keys: InvalidSelectors */
	{ MANY, "Index", "two-fifty", WINRMD_FAULT_INVALID_SELECTORS, NULL },
	{ MANY, "Name", "item-001", WINRMD_FAULT_INVALID_SELECTORS, NULL },
	{ MANY, NULL, NULL, WINRMD_FAULT_INVALID_SELECTORS,
	    "InsufficientSelectors" },
	/* unknown class, unknown namespace, not a class URI */
	{ CIMV2 "Win32_Nothing", NULL, NULL,
	    WINRMD_FAULT_DESTINATION_UNREACHABLE, NULL },
	{ URI_WMI "/root/none/WRT_Many", "Index", "1",
	    WINRMD_FAULT_DESTINATION_UNREACHABLE, NULL },
	{ CIMV2 "*", NULL, NULL, WINRMD_FAULT_DESTINATION_UNREACHABLE, NULL },
};

START_TEST(test_get_fault)
{
	struct winrmd_op *op = mock_get_op(get_faults[_i].uri,
	    get_faults[_i].name, get_faults[_i].value, NULL);

	run(op);
	mock_assert_fault(op, get_faults[_i].fault);
	if (get_faults[_i].detail != NULL)
		ck_assert_str_eq(op->detail, get_faults[_i].detail);
	mock_op_free(op);
}
END_TEST

START_TEST(test_get)
{
	struct winrmd_op *op;
	char *v;

	/* WRT_Many has no get(): enumerate and match */
	op = mock_get_op(MANY, "index", "7", NULL);
	run(op);
	mock_assert_ok(op);
	ck_assert_str_eq(op->reply_action, WINRMD_ACTION_GET "Response");
	v = mock_reply_find(op, "Name");
	ck_assert_str_eq(v, "item-007");
	free(v);
	ck_assert_uint_eq(mock_reply_count(op, "WRT_Many"), 1);
	mock_op_free(op);

	/* two keys, case-insensitive names and values */
	op = mock_get_op(CIMV2 "wrt_alltypes", "NAME", "beta", "id", "2", NULL);
	run(op);
	mock_assert_ok(op);
	v = mock_reply_find(op, "Name");
	ck_assert_str_eq(v, "Beta");
	free(v);
	mock_op_free(op);

	/* a provider with get() */
	op = mock_get_op(URI_WMI "/root/test/Other", "Key", "SECOND", NULL);
	run(op);
	mock_assert_ok(op);
	v = mock_reply_find(op, "Value");
	ck_assert_str_eq(v, "-2");
	free(v);
	ck_assert_uint_eq(mock_reply_count(op, "Other"), 1);
	ck_assert_uint_eq(mock_log_count("get WRT_Other SECOND"), 1);
	mock_op_free(op);

	/* the duplicate class: the first provider's */
	op = mock_get_op(URI_WMI "/root/test/WRT_Dup", "Key", "first", NULL);
	run(op);
	mock_assert_ok(op);
	mock_op_free(op);
}
END_TEST

/* the Gets of one pass of the loop share a provider call (get.c) */
START_TEST(test_get_batch)
{
	const char *uri = URI_WMI "/root/test/Other";
	struct winrmd_op *op[6];
	char *v, *t0, *t1;

	op[0] = mock_get_op(uri, "Key", "SECOND", NULL);
	op[1] = mock_get_op(uri, "key", "second", NULL);	/* the same keys */
	op[2] = mock_get_op(uri, "Key", "First", NULL);		/* other keys */
	op[3] = mock_get_op(uri, "Key", "SECOND", NULL);	/* another user */
	mock_op_user(op[3], "someone-else", 4242);
	op[4] = mock_get_op(uri, "Key", "SECOND", NULL);	/* another timeout */
	op[4]->timeout_ms = 5000;
	op[5] = mock_get_op(uri, "Key", "SECOND", NULL);
	mock_op_option(op[5], "msftwinrm:UsePreciseArrays", "true", false);
	for (size_t k = 0; k < 6; k++)
		ck_assert_int_eq(mock_run(plug, pstate, op[k]), WINRMD_PENDING);
	/* nothing is read before the pass ends */
	ck_assert_uint_eq(mock_log_count("get WRT_Other"), 0);
	for (size_t k = 0; k < 6; k++)
		ck_assert(!op[k]->completed);
	mock_advance(0);
	for (size_t k = 0; k < 6; k++) {
		ck_assert(op[k]->completed);
		ck_assert_int_eq(op[k]->fault, WINRMD_FAULT_NONE);
		ck_assert_str_eq(op[k]->reply_action,
		    WINRMD_ACTION_GET "Response");
		ck_assert_uint_eq(mock_reply_count(op[k], "Other"), 1);
		v = mock_reply_find(op[k], "Value");
		ck_assert_str_eq(v, k == 2 ? "-1" : "-2");
		free(v);
	}
	/* 0, 1 and 5 (its own view) in one call; 2, 3, 4 in one each */
	ck_assert_uint_eq(mock_log_count("get WRT_Other SECOND"), 3);
	ck_assert_uint_eq(mock_log_count("get WRT_Other second"), 0);
	ck_assert_uint_eq(mock_log_count("get WRT_Other First"), 1);
	/* the instance's text is the same in both replies */
	t0 = mock_reply_text(op[0]);
	t1 = mock_reply_text(op[1]);
	ck_assert_ptr_nonnull(strstr(t0, "<p:Value>-2</p:Value>"));
	ck_assert_str_eq(strstr(t0, "<s:Body>"), strstr(t1, "<s:Body>"));
	free(t0);
	free(t1);
	for (size_t k = 0; k < 6; k++)
		mock_op_free(op[k]);

	/* the next pass's Get is a call of its own */
	op[0] = mock_get_op(uri, "Key", "SECOND", NULL);
	run(op[0]);
	mock_assert_ok(op[0]);
	ck_assert_uint_eq(mock_log_count("get WRT_Other SECOND"), 4);
	mock_op_free(op[0]);

	/* none found: each Get of the batch is answered so */
	op[0] = mock_get_op(uri, "Key", "third", NULL);
	op[1] = mock_get_op(uri, "Key", "THIRD", NULL);
	ck_assert_int_eq(mock_run(plug, pstate, op[0]), WINRMD_PENDING);
	ck_assert_int_eq(mock_run(plug, pstate, op[1]), WINRMD_PENDING);
	mock_advance(0);
	for (size_t k = 0; k < 2; k++) {
		ck_assert(op[k]->completed);
		ck_assert_int_eq(op[k]->fault,
		    WINRMD_FAULT_DESTINATION_UNREACHABLE);
		mock_op_free(op[k]);
	}
	ck_assert_uint_eq(mock_log_count("get WRT_Other third"), 1);
}
END_TEST

/* a Get that comes while its batch's call is pending is not in it */
START_TEST(test_get_batch_pending)
{
	const char *uri = CIMV2 "WRT_Pending";
	struct winrmd_op *a = mock_get_op(uri, "Id", "4", NULL);
	struct winrmd_op *b = mock_get_op(uri, "Id", "4", NULL);
	struct winrmd_op *c = mock_get_op(uri, "Id", "4", NULL);
	char *v;

	ck_assert_int_eq(mock_run(plug, pstate, a), WINRMD_PENDING);
	ck_assert_int_eq(mock_run(plug, pstate, b), WINRMD_PENDING);
	mock_advance(0);
	/* both in one call, which answers in 200 ms */
	ck_assert_uint_eq(mock_log_count("get WRT_Pending"), 1);
	ck_assert(!a->completed && !b->completed);
	mock_advance(100);
	run(c);
	ck_assert_uint_eq(mock_log_count("get WRT_Pending"), 2);
	mock_advance(100);
	ck_assert(a->completed && b->completed && !c->completed);
	mock_advance(100);
	ck_assert(c->completed);
	v = mock_reply_find(b, "Label");
	ck_assert_str_eq(v, "late 4");
	free(v);
	mock_op_free(a);
	mock_op_free(b);
	mock_op_free(c);
}
END_TEST

/* Gets that wait for the pass's end when the plugin stops */
START_TEST(test_get_batch_shutdown)
{
	struct winrmd_op *a = mock_get_op(URI_WMI "/root/test/Other", "Key",
	    "First", NULL);

	ck_assert_int_eq(mock_run(plug, pstate, a), WINRMD_PENDING);
	plug->fini(pstate);
	ck_assert(a->completed);
	ck_assert_int_eq(a->fault, WINRMD_FAULT_SERVICE_STOPPING);
	ck_assert_uint_eq(mock_log_count("get WRT_Other"), 0);
	mock_op_free(a);
	ck_assert_int_eq(plug->init(&mock_host, &pstate), 0);
}
END_TEST

/* a singleton (CIM_SINGLETON on its key): Get without selectors */
START_TEST(test_get_singleton)
{
	struct winrmd_op *op;
	char *v;

	op = mock_get_op(CIMV2 "WRT_Whoami", NULL);
	run(op);
	mock_assert_ok(op);
	ck_assert_str_eq(op->reply_action, WINRMD_ACTION_GET "Response");
	ck_assert_uint_eq(mock_reply_count(op, "WRT_Whoami"), 1);
	v = mock_reply_find(op, "Name");
	ck_assert_ptr_nonnull(v);
	free(v);
	mock_op_free(op);

	/* with its key it still has to match */
	op = mock_get_op(CIMV2 "WRT_Whoami", "Name", "nobody-at-all", NULL);
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_DESTINATION_UNREACHABLE);
	mock_op_free(op);

	/* only the namespace selector: still the singleton */
	op = mock_get_op(CIMV2 "WRT_Whoami", "__cimnamespace", "root/cimv2",
	    NULL);
	run(op);
	mock_assert_ok(op);
	mock_op_free(op);

	/* not a singleton, with get(): no selectors is still a fault */
	op = mock_get_op(URI_WMI "/root/test/Other", NULL);
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_INVALID_SELECTORS);
	ck_assert_str_eq(op->detail, "InsufficientSelectors");
	mock_op_free(op);
}
END_TEST

START_TEST(test_whoami)
{
	struct winrmd_op *op = mock_enum_op(CIMV2 "WRT_Whoami",
	    "<w:OptimizeEnumeration/><w:MaxElements>5</w:MaxElements>");
	char *v;

	mock_op_user(op, "carol", 4242);
	free(enumerate_ctx(op));
	v = mock_reply_find(op, "Uid");
	ck_assert_str_eq(v, "4242");
	free(v);
	v = mock_reply_find(op, "Name");
	ck_assert_str_eq(v, "carol");
	free(v);
	mock_op_free(op);
}
END_TEST

/* ------------------------------------------------------------- Invoke */

#define ALLTYPES	CIMV2 "WRT_AllTypes"

/* method invocations of WRT_AllTypes that fault */
static const struct {
	const char		*action, *body;
	const char		*sel[4];	/* name, value, name, value */
	enum winrmd_fault	 fault;
} invoke_faults[] = {
	/* instance method without selectors, or with wrong ones */
	{ ALLTYPES "/Describe", NULL, { NULL },
	    WINRMD_FAULT_INVALID_SELECTORS },
	{ ALLTYPES "/Describe", NULL, { "Id", "3", "Name", "Alpha" },
	    WINRMD_FAULT_INVALID_SELECTORS },
	/* unknown method; an action that is not ResourceURI/Method */
	{ ALLTYPES "/Nope", NULL, { NULL }, WINRMD_FAULT_ACTION_NOT_SUPPORTED },
	{ WINRMD_ACTION_PUT, NULL, { NULL }, WINRMD_FAULT_ACTION_NOT_SUPPORTED },
	{ CIMV2 "WRT_Many/Echo", NULL, { NULL },
	    WINRMD_FAULT_ACTION_NOT_SUPPORTED },
	{ ALLTYPES "/Echo/x", NULL, { NULL },
	    WINRMD_FAULT_ACTION_NOT_SUPPORTED },
	/* bad input */
	{ ALLTYPES "/Echo", "<Echo_INPUT><Count>many</Count></Echo_INPUT>",
	    { NULL }, WINRMD_FAULT_INVALID_PARAMETER },
	{ ALLTYPES "/Echo", "<Echo_INPUT><Bogus>1</Bogus></Echo_INPUT>",
	    { NULL }, WINRMD_FAULT_INVALID_PARAMETER },
	{ ALLTYPES "/Echo", "<Other_INPUT/>", { NULL },
	    WINRMD_FAULT_SCHEMA_VALIDATION },
	{ ALLTYPES "/Echo", "<Echo_INPUT><Text><x:Embedded xmlns:x=\"urn:x\"/>"
	    "</Text></Echo_INPUT>", { NULL }, WINRMD_FAULT_INVALID_PARAMETER },
};

START_TEST(test_invoke_fault)
{
	struct winrmd_op *op = mock_op(invoke_faults[_i].action, ALLTYPES,
	    invoke_faults[_i].body);

	for (size_t k = 0; k < 4 && invoke_faults[_i].sel[k] != NULL; k += 2)
		mock_op_selector(op, invoke_faults[_i].sel[k],
		    invoke_faults[_i].sel[k + 1]);
	run(op);
	mock_assert_fault(op, invoke_faults[_i].fault);
	mock_op_free(op);
}
END_TEST

START_TEST(test_invoke)
{
	struct winrmd_op *op;
	char *text;

	/* static: parameters by local name, whatever their namespace */
	op = mock_op(CIMV2 "WRT_AllTypes/Echo", CIMV2 "WRT_AllTypes",
	    "<p:Echo_INPUT xmlns:p=\"" URI_WMI "/root/cim/Wrong_Namespace\">"
	    "<p:Text> hello &amp; bye </p:Text><p:Count>21</p:Count>"
	    "<p:When><cim:Datetime>2024-04-03T14:45:50+02:00</cim:Datetime>"
	    "</p:When><p:Items>a</p:Items><p:Items>b</p:Items>"
	    "<p:Flag>true</p:Flag></p:Echo_INPUT>");
	run(op);
	mock_assert_ok(op);
	ck_assert_str_eq(op->reply_action, CIMV2 "WRT_AllTypes/EchoResponse");
	text = mock_reply_text(op);
	ck_assert_ptr_nonnull(strstr(text, "<p:Echo_OUTPUT xmlns:p=\"" CIMV2
	    "WRT_AllTypes\""));
	ck_assert_ptr_nonnull(strstr(text, "<p:Doubled>42</p:Doubled>"
	    "<p:Joined>items given</p:Joined><p:Negated>false</p:Negated>"
	    "<p:Nothing xsi:nil=\"true\"/><p:ReturnValue>0</p:ReturnValue>"
	    "<p:Text> hello &amp; bye </p:Text></p:Echo_OUTPUT>"));
	free(text);
	ck_assert_uint_eq(mock_log_count("Echo by alice"), 1);
	mock_op_free(op);

	/* no body at all: every parameter NULL */
	op = mock_op(CIMV2 "WRT_AllTypes/echo", CIMV2 "WRT_AllTypes", NULL);
	run(op);
	mock_assert_ok(op);
	text = mock_reply_find(op, "ReturnValue");
	ck_assert_str_eq(text, "1");
	free(text);
	mock_op_free(op);

	/* an instance method: the selectors name the target */
	op = mock_op(CIMV2 "WRT_AllTypes/Describe", CIMV2 "WRT_AllTypes",
	    "<p:Describe_INPUT xmlns:p=\"" CIMV2 "WRT_AllTypes\"><p:Prefix>"
	    "it is </p:Prefix></p:Describe_INPUT>");
	mock_op_selector(op, "Id", "3");
	mock_op_selector(op, "Name", "gamma");
	run(op);
	mock_assert_ok(op);
	text = mock_reply_find(op, "Description");
	ck_assert_str_eq(text, "it is Gamma #3");
	free(text);
	mock_op_free(op);

	/* xsi:nil input */
	op = mock_op(CIMV2 "WRT_AllTypes/Echo", CIMV2 "WRT_AllTypes",
	    "<Echo_INPUT><Text xsi:nil=\"true\"/><When xsi:nil=\"true\"/>"
	    "</Echo_INPUT>");
	run(op);
	mock_assert_ok(op);
	text = mock_reply_text(op);
	ck_assert_ptr_nonnull(strstr(text, "<p:Text xsi:nil=\"true\"/>"));
	free(text);
	mock_op_free(op);

	/* a method that fails */
	op = mock_op(CIMV2 "WRT_AllTypes/Explode", CIMV2 "WRT_AllTypes", NULL);
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_INVALID_PARAMETER);
	ck_assert_str_eq(op->reason, "Explode always fails");
	mock_op_free(op);
}
END_TEST

/* ------------------------------------------------- pending, failing */

START_TEST(test_pending_provider)
{
	bool seen[8] = { false };
	struct winrmd_op *op;
	char *ctx, *v;

	op = mock_enum_op(CIMV2 "WRT_Pending", NULL);
	run(op);
	ck_assert_int_eq(op->status, WINRMD_PENDING);
	ck_assert(!op->completed);
	mock_advance(299);
	ck_assert(!op->completed);
	mock_advance(1);
	ck_assert(op->completed);
	ck_assert_int_eq(op->fault, WINRMD_FAULT_NONE);
	ctx = mock_reply_find(op, "EnumerationContext");
	mock_op_free(op);
	op = mock_pull_op(CIMV2 "WRT_Pending", ctx, 10);
	run(op);
	mock_assert_ok(op);
	ck_assert_uint_eq(mock_reply_count(op, "WRT_Pending"), 5);
	ck_assert_uint_eq(mock_reply_count(op, "EndOfSequence"), 1);
	mock_op_free(op);
	free(ctx);
	(void)seen;

	/* a pending get() */
	op = mock_get_op(CIMV2 "WRT_Pending", "Id", "4", NULL);
	run(op);
	ck_assert_int_eq(op->status, WINRMD_PENDING);
	mock_advance(200);
	ck_assert(op->completed);
	v = mock_reply_find(op, "Label");
	ck_assert_str_eq(v, "late 4");
	free(v);
	mock_op_free(op);

	/* a pending static method */
	op = mock_op(CIMV2 "WRT_AllTypes/SlowEcho", CIMV2 "WRT_AllTypes",
	    "<SlowEcho_INPUT><Text>x</Text></SlowEcho_INPUT>");
	run(op);
	ck_assert_int_eq(op->status, WINRMD_PENDING);
	mock_advance(250);
	ck_assert(op->completed);
	ck_assert_int_eq(op->fault, WINRMD_FAULT_NONE);
	v = mock_reply_find(op, "Text");
	ck_assert_str_eq(v, "slow x");
	free(v);
	mock_op_free(op);

	/* a class without methods */
	op = mock_op(CIMV2 "WRT_Pending/Nope", CIMV2 "WRT_Pending", NULL);
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_ACTION_NOT_SUPPORTED);
	mock_op_free(op);
}
END_TEST

START_TEST(test_threaded_provider)
{
	struct winrmd_op *op = mock_enum_op(CIMV2 "WRT_Threaded",
	    "<w:OptimizeEnumeration/><w:MaxElements>10</w:MaxElements>");

	run(op);
	ck_assert_int_eq(op->status, WINRMD_PENDING);
	for (int i = 0; i < 100 && !op->completed; i++)
		mock_poll(50);
	ck_assert(op->completed);
	ck_assert_int_eq(op->fault, WINRMD_FAULT_NONE);
	ck_assert_uint_eq(mock_reply_count(op, "WRT_Threaded"), 3);
	mock_op_free(op);
}
END_TEST

START_TEST(test_failing_provider)
{
	struct winrmd_op *op = mock_enum_op(CIMV2 "WRT_Failing", NULL);

	run(op);
	mock_assert_fault(op, WINRMD_FAULT_ACCESS_DENIED);
	ck_assert_str_eq(op->reason, "WRT_Failing refuses everyone");
	ck_assert_uint_eq(enumeration_count(1000), 0);
	mock_op_free(op);
}
END_TEST

START_TEST(test_provider_never_answers)
{
	struct winrmd_op *op = mock_enum_op(CIMV2 "WRT_Never", NULL);

	op->timeout_ms = 5000;
	run(op);
	ck_assert_int_eq(op->status, WINRMD_PENDING);
	mock_advance(4999);
	ck_assert(!op->completed);
	mock_advance(1);
	ck_assert(op->completed);
	ck_assert_int_eq(op->fault, WINRMD_FAULT_TIMED_OUT);
	ck_assert_uint_eq(enumeration_count(1000), 0);
	mock_op_free(op);
	/* teardown's fini: the provider completes the orphaned call */
}
END_TEST

START_TEST(test_shutdown_answers_pending)
{
	struct winrmd_op *op = mock_enum_op(CIMV2 "WRT_Never", NULL);
	struct winrmd_op *op2 = mock_enum_op(CIMV2 "WRT_Pending", NULL);

	run(op);
	run(op2);
	ck_assert_int_eq(op->status, WINRMD_PENDING);
	ck_assert_int_eq(op2->status, WINRMD_PENDING);
	plug->fini(pstate);
	ck_assert(op->completed);
	ck_assert(op2->completed);
	ck_assert_int_eq(op->fault, WINRMD_FAULT_SERVICE_STOPPING);
	ck_assert_int_eq(op2->fault, WINRMD_FAULT_SERVICE_STOPPING);
	mock_op_free(op);
	mock_op_free(op2);
	ck_assert_uint_eq(mock_log_count("testprov: fini"), 1);
	/* start again for teardown */
	ck_assert_int_eq(plug->init(&mock_host, &pstate), 0);
}
END_TEST

static Suite *
ops_suite(void)
{
	Suite *s = suite_create("cim_ops");
	TCase *tc = tcase_create("ops");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_providers_loaded);
	tcase_add_test(tc, test_enumerate_pull_every_instance_once);
	tcase_add_test(tc, test_pull_default_and_capped);
	tcase_add_test(tc, test_optimize);
	tcase_add_test(tc, test_modes);
	tcase_add_test(tc, test_instance_xml);
	tcase_add_test(tc, test_wql_filter);
	tcase_add_test(tc, test_filter_errors);
	tcase_add_test(tc, test_selector_filter);
	tcase_add_test(tc, test_all_classes_uri);
	tcase_add_test(tc, test_dmtf_uri);
	tcase_add_test(tc, test_release_expiry_owner_quota);
	tcase_add_test(tc, test_envelope_size);
	tcase_add_test(tc, test_options);
	tcase_add_test(tc, test_get);
	tcase_add_loop_test(tc, test_get_fault, 0,
	    sizeof(get_faults) / sizeof(get_faults[0]));
	tcase_add_test(tc, test_get_singleton);
	tcase_add_test(tc, test_get_batch);
	tcase_add_test(tc, test_get_batch_pending);
	tcase_add_test(tc, test_get_batch_shutdown);
	tcase_add_test(tc, test_whoami);
	tcase_add_test(tc, test_invoke);
	tcase_add_loop_test(tc, test_invoke_fault, 0,
	    sizeof(invoke_faults) / sizeof(invoke_faults[0]));
	tcase_add_test(tc, test_pending_provider);
	tcase_add_test(tc, test_threaded_provider);
	tcase_add_test(tc, test_failing_provider);
	tcase_add_test(tc, test_provider_never_answers);
	tcase_add_test(tc, test_shutdown_answers_pending);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(ops_suite)
