/*
 * check_enumeration.c: the daemon's WS-Enumeration (daemon/enumeration.c)
 * on the mock host, with an iterator over numbered items of a chosen size:
 * the three EnumerationModes, OptimizeEnumeration, EndOfSequence in the
 * very batch that empties the iterator, MaxElements and MaxBatchItems,
 * packing into MaxEnvelopeSize (an item that does not fit waits for the
 * next Pull; none fits: w:EncodingLimit), the request's faults (filters a
 * source does not take, EndTo, bad MaxElements and modes), owners and
 * sources, the per-user bound (begun contexts count), expiry, Release,
 * what is released when the daemon stops, and a failing iterator.
 */
#define _GNU_SOURCE

#include <ctype.h>

#include <libxml/parser.h>

#include "unit.h"

#include "mock_host.h"
#include "enumeration.h"

#define URI	"http://winrmd.test/items"
#define NS_T	"urn:winrmd-test"
#define ANONYMOUS	"http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"

/* items 0..n-1: <t:V>k</t:V> padded to `size' bytes, EPR selector K=k */
struct iter {
	int	 n, pos;
	size_t	 size;
	int	 fail_at;	/* item() fails there; -1: never */
	const char *extra;	/* a second selector's value, if any */
};

static int released;
static int extra_rc;	/* what epr_selector() said of the second one */

static int
it_item(void *arg, xmlNodePtr object, struct winrmd_epr *epr)
{
	struct iter *it = arg;
	char k[16], *text;

	if (it->pos >= it->n)
		return 0;
	if (it->pos == it->fail_at)
		return -EIO;
	snprintf(k, sizeof(k), "%d", it->pos);
	if (object != NULL) {
		xmlNodePtr v;

		ck_assert_int_ge(asprintf(&text, "%s%*s", k,
		    (int)(it->size > strlen(k) ? it->size - strlen(k) : 0), ""),
		    0);
		v = xmlNewTextChild(object, NULL, BAD_CAST "V", BAD_CAST text);
		xmlSetNs(v, xmlNewNs(v, BAD_CAST NS_T, BAD_CAST "t"));
		free(text);
	}
	if (epr != NULL)
		ck_assert_int_eq(mock_host.epr_selector(epr, "K", k), 0);
	if (epr != NULL && it->extra != NULL)
		extra_rc = mock_host.epr_selector(epr, "X", it->extra);
	return 1;
}

static void
it_next(void *arg)
{
	((struct iter *)arg)->pos++;
}

static void
it_release(void *arg)
{
	released++;
	free(arg);
}

static const struct winrmd_enum_source src = { it_item, it_next, it_release };
static const struct winrmd_enum_source other = { it_item, it_next, it_release };

static struct iter *
iter_new(int n, size_t size)
{
	struct iter *it = calloc(1, sizeof(*it));

	ck_assert_ptr_nonnull(it);
	it->n = n;
	it->size = size;
	it->fail_at = -1;
	return it;
}

static void
setup(void)
{
	mock_conf_set("Service.EnumerationTimeoutms", "1000");
	mock_conf_set("Service.MaxBatchItems", "50");
	mock_conf_set("Service.MaxConcurrentOperationsPerUser", "2");
	released = 0;
}

static void
teardown(void)
{
	enumeration_drop_all();
	ck_assert_uint_eq(enumeration_count(1000), 0);
	ck_assert_uint_eq(enumeration_count(1001), 0);
	ck_assert_uint_eq(mock_timers(), 0);
	mock_conf_clear();
	mock_log_clear();
}

/* an Enumerate op with `inner' in its body */
static struct winrmd_op *
enum_op(const char *inner)
{
	char *body;
	struct winrmd_op *op;

	ck_assert_int_ge(asprintf(&body, "<n:Enumerate>%s</n:Enumerate>",
	    inner ? inner : ""), 0);
	op = mock_op(WINRMD_ACTION_ENUMERATE, URI, body);
	free(body);
	return op;
}

/* Enumerate answered with it; returns the context's id (malloc'd) */
static char *
enumerate(struct winrmd_op *op, const struct winrmd_enum_source *s,
    struct iter *it)
{
	struct winrmd_enum *e = mock_host.enum_begin(op, s, 0);

	ck_assert_msg(e != NULL, "enum_begin: fault %d %s", op->fault,
	    op->reason);
	ck_assert_int_eq(mock_host.enum_answer(op, e, it, URI), WINRMD_OK);
	ck_assert_str_eq(op->reply_action, WINRMD_ACTION_ENUMERATE "Response");
	return mock_reply_find(op, "EnumerationContext");
}

static struct winrmd_op *
ctx_op(const char *action, const char *what, const char *ctx, int max)
{
	char *body, maxel[64] = "";
	struct winrmd_op *op;

	if (max > 0)
		snprintf(maxel, sizeof(maxel), "<n:MaxElements>%d</n:MaxElements>",
		    max);
	ck_assert_int_ge(asprintf(&body, "<n:%s><n:EnumerationContext>%s"
	    "</n:EnumerationContext>%s</n:%s>", what, ctx, maxel, what), 0);
	op = mock_op(action, URI, body);
	free(body);
	return op;
}

static struct winrmd_op *
pull(const char *ctx, int max, const struct winrmd_enum_source *s)
{
	struct winrmd_op *op = ctx_op(WINRMD_ACTION_PULL, "Pull", ctx, max);

	op->status = mock_host.enum_pull(op, s);
	return op;
}

static void
assert_fault(struct winrmd_op *op, int status, enum winrmd_fault f)
{
	ck_assert_msg(status == WINRMD_FAULT && op->fault == f,
	    "status %d fault %d (want %d): %s", status, op->fault, f,
	    op->reason);
}

/* ------------------------------------------------------------- modes */

START_TEST(test_modes)
{
	static const char *const modes[] = { "EnumerateObject", "EnumerateEPR",
	    "EnumerateObjectAndEPR" };

	for (size_t m = 0; m < 3; m++) {
		char *inner, *text, *ctx;
		struct winrmd_op *op;

		ck_assert_int_ge(asprintf(&inner, "<w:OptimizeEnumeration/>"
		    "<w:MaxElements>10</w:MaxElements><w:EnumerationMode>%s"
		    "</w:EnumerationMode>", modes[m]), 0);
		op = enum_op(inner);
		free(inner);
		ctx = enumerate(op, &src, iter_new(3, 1));
		ck_assert_ptr_nonnull(ctx);
		ck_assert_uint_eq(mock_reply_count(op, "EndOfSequence"), 1);
		ck_assert_uint_eq(mock_reply_count(op, "V"), m == 1 ? 0 : 3);
		ck_assert_uint_eq(mock_reply_count(op, "EndpointReference"),
		    m == 0 ? 0 : 3);
		ck_assert_uint_eq(mock_reply_count(op, "Item"), m == 2 ? 3 : 0);
		text = mock_reply_text(op);
		if (m == 2)
			ck_assert_ptr_nonnull(strstr(text, "<w:Item><t:V xmlns:t=\""
			    NS_T "\">1</t:V><a:EndpointReference><a:Address>"
			    ANONYMOUS "</a:Address><a:ReferenceParameters>"
			    "<w:ResourceURI>" URI "</w:ResourceURI><w:SelectorSet>"
			    "<w:Selector Name=\"K\">1</w:Selector></w:SelectorSet>"
			    "</a:ReferenceParameters></a:EndpointReference>"
			    "</w:Item>"));
		free(text);
		/* finished at once: nothing kept, released */
		ck_assert_uint_eq(enumeration_count(1000), 0);
		ck_assert_int_eq(released, (int)m + 1);
		mock_op_free(op);
		free(ctx);
	}
}
END_TEST

/* --------------------------------------------------- batches, the end */

START_TEST(test_batches_and_end)
{
	struct winrmd_op *op = enum_op(NULL);
	char *ctx = enumerate(op, &src, iter_new(6, 1));

	ck_assert_uint_eq(mock_reply_count(op, "Items"), 0);
	ck_assert_uint_eq(enumeration_count(1000), 1);
	mock_op_free(op);
	/* 3 + 3: the second Pull empties it and says so */
	op = pull(ctx, 3, &src);
	ck_assert_int_eq(op->status, WINRMD_OK);
	ck_assert_uint_eq(mock_reply_count(op, "V"), 3);
	ck_assert_uint_eq(mock_reply_count(op, "EndOfSequence"), 0);
	ck_assert_uint_eq(mock_reply_count(op, "EnumerationContext"), 1);
	mock_op_free(op);
	op = pull(ctx, 3, &src);
	ck_assert_int_eq(op->status, WINRMD_OK);
	ck_assert_uint_eq(mock_reply_count(op, "V"), 3);
	ck_assert_uint_eq(mock_reply_count(op, "EndOfSequence"), 1);
	ck_assert_uint_eq(mock_reply_count(op, "EnumerationContext"), 0);
	mock_op_free(op);
	ck_assert_int_eq(released, 1);
	op = pull(ctx, 3, &src);
	assert_fault(op, op->status, WINRMD_FAULT_INVALID_ENUMERATION_CONTEXT);
	mock_op_free(op);
	free(ctx);

	/* no MaxElements: one; 500 asked: MaxBatchItems (50) */
	op = enum_op("<w:OptimizeEnumeration/>");
	ctx = enumerate(op, &src, iter_new(120, 1));
	ck_assert_uint_eq(mock_reply_count(op, "V"), 1);
	mock_op_free(op);
	op = pull(ctx, 500, &src);
	ck_assert_uint_eq(mock_reply_count(op, "V"), 50);
	mock_op_free(op);
	op = pull(ctx, 0, &src);
	ck_assert_uint_eq(mock_reply_count(op, "V"), 1);
	mock_op_free(op);
	op = ctx_op(WINRMD_ACTION_RELEASE, "Release", ctx, 0);
	ck_assert_int_eq(mock_host.enum_release(op, &src), WINRMD_OK);
	ck_assert_str_eq(op->reply_action, WINRMD_ACTION_RELEASE "Response");
	mock_op_free(op);
	ck_assert_int_eq(released, 2);
	op = ctx_op(WINRMD_ACTION_RELEASE, "Release", ctx, 0);
	assert_fault(op, mock_host.enum_release(op, &src),
	    WINRMD_FAULT_INVALID_ENUMERATION_CONTEXT);
	mock_op_free(op);
	free(ctx);
}
END_TEST

/* ------------------------------------------------------ MaxEnvelopeSize */

START_TEST(test_envelope_size)
{
	struct winrmd_op *op = enum_op(NULL);
	char *ctx = enumerate(op, &src, iter_new(20, 1500));
	int got = 0, pulls = 0;
	struct iter *big;

	mock_op_free(op);
	while (got < 20) {
		char *text;

		op = ctx_op(WINRMD_ACTION_PULL, "Pull", ctx, 20);
		op->max_envelope = 8192;
		ck_assert_int_eq(mock_host.enum_pull(op, &src), WINRMD_OK);
		text = mock_reply_text(op);
		ck_assert_uint_le(strlen(text), 8192);
		free(text);
		ck_assert_uint_ge(mock_reply_count(op, "V"), 1);
		got += (int)mock_reply_count(op, "V");
		pulls++;
		ck_assert_uint_eq(mock_reply_count(op, "EndOfSequence"),
		    got == 20 ? 1 : 0);
		mock_op_free(op);
	}
	ck_assert_int_eq(got, 20);
	ck_assert_int_ge(pulls, 4);
	free(ctx);

	/* an item bigger than the envelope: EncodingLimit, kept for later */
	op = enum_op(NULL);
	big = iter_new(2, 20000);
	ctx = enumerate(op, &src, big);
	mock_op_free(op);
	op = ctx_op(WINRMD_ACTION_PULL, "Pull", ctx, 5);
	op->max_envelope = 8192;
	assert_fault(op, mock_host.enum_pull(op, &src),
	    WINRMD_FAULT_ENCODING_LIMIT);
	ck_assert_str_eq(op->detail, "MaxEnvelopeSize");
	ck_assert_int_eq(big->pos, 0);
	mock_op_free(op);
	op = pull(ctx, 5, &src);
	ck_assert_int_eq(op->status, WINRMD_OK);
	ck_assert_uint_eq(mock_reply_count(op, "V"), 2);
	ck_assert_uint_eq(mock_reply_count(op, "EndOfSequence"), 1);
	mock_op_free(op);
	free(ctx);

	/* OptimizeEnumeration that fits none: no fault, all left to Pull */
	op = enum_op("<w:OptimizeEnumeration/><w:MaxElements>9</w:MaxElements>");
	op->max_envelope = 8192;
	ctx = enumerate(op, &src, iter_new(1, 20000));
	ck_assert_uint_eq(mock_reply_count(op, "V"), 0);
	ck_assert_uint_eq(mock_reply_count(op, "EndOfSequence"), 0);
	ck_assert_uint_eq(enumeration_count(1000), 1);
	mock_op_free(op);
	free(ctx);
}
END_TEST

/* ------------------------------------------------------------- faults */

START_TEST(test_request_faults)
{
	static const struct { const char *inner; unsigned flags;
	    enum winrmd_fault f; const char *detail; } cases[] = {
		{ "<n:Filter>x</n:Filter>", 0,
		  WINRMD_FAULT_FILTERING_NOT_SUPPORTED, "" },
		{ "<w:Filter Dialect=\"urn:x\">x</w:Filter>", 0,
		  WINRMD_FAULT_FILTERING_NOT_SUPPORTED, "" },
		{ "<n:EndTo/>", 0, WINRMD_FAULT_UNSUPPORTED_FEATURE,
		  "AddressingMode" },
		{ "<w:MaxElements>0</w:MaxElements>", 0,
		  WINRMD_FAULT_SCHEMA_VALIDATION, "" },
		{ "<w:MaxElements>-1</w:MaxElements>", 0,
		  WINRMD_FAULT_SCHEMA_VALIDATION, "" },
		{ "<w:MaxElements>12x</w:MaxElements>", 0,
		  WINRMD_FAULT_SCHEMA_VALIDATION, "" },
		{ "<w:EnumerationMode>EnumerateAll</w:EnumerationMode>", 0,
		  WINRMD_FAULT_UNSUPPORTED_FEATURE, "EnumerationMode" },
	};
	struct winrmd_op *op;
	struct winrmd_enum *e;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		op = enum_op(cases[i].inner);
		ck_assert_ptr_null(mock_host.enum_begin(op, &src,
		    cases[i].flags));
		ck_assert_msg(op->fault == cases[i].f, "case %zu: fault %d", i,
		    op->fault);
		ck_assert_str_eq(op->detail, cases[i].detail);
		mock_op_free(op);
	}
	/* a source that reads filters itself gets them */
	op = enum_op("<n:Filter>x</n:Filter>");
	e = mock_host.enum_begin(op, &src, WINRMD_ENUM_FILTER);
	ck_assert_ptr_nonnull(e);
	mock_host.enum_abort(e);
	mock_op_free(op);
	/* not an Enumerate body */
	op = mock_op(WINRMD_ACTION_ENUMERATE, URI, "<n:Pull/>");
	ck_assert_ptr_null(mock_host.enum_begin(op, &src, 0));
	ck_assert_int_eq(op->fault, WINRMD_FAULT_SCHEMA_VALIDATION);
	mock_op_free(op);
	/* a Pull without a context */
	op = mock_op(WINRMD_ACTION_PULL, URI, "<n:Pull/>");
	assert_fault(op, mock_host.enum_pull(op, &src),
	    WINRMD_FAULT_SCHEMA_VALIDATION);
	mock_op_free(op);
	ck_assert_uint_eq(enumeration_count(1000), 0);
}
END_TEST

START_TEST(test_failing_iterator)
{
	struct winrmd_op *op = enum_op("<w:OptimizeEnumeration/>"
	    "<w:MaxElements>5</w:MaxElements>");
	struct iter *it = iter_new(5, 1);
	char *ctx;

	it->fail_at = 0;
	ck_assert_ptr_nonnull(op);
	{
		struct winrmd_enum *e = mock_host.enum_begin(op, &src, 0);

		assert_fault(op, mock_host.enum_answer(op, e, it, URI),
		    WINRMD_FAULT_INTERNAL_ERROR);
	}
	ck_assert_int_eq(released, 1);
	ck_assert_uint_eq(enumeration_count(1000), 0);
	mock_op_free(op);

	/* after two good items: they go, the error waits for the next Pull */
	op = enum_op(NULL);
	it = iter_new(5, 1);
	it->fail_at = 2;
	ctx = enumerate(op, &src, it);
	mock_op_free(op);
	op = pull(ctx, 5, &src);
	ck_assert_int_eq(op->status, WINRMD_OK);
	ck_assert_uint_eq(mock_reply_count(op, "V"), 2);
	ck_assert_uint_eq(mock_reply_count(op, "EndOfSequence"), 0);
	mock_op_free(op);
	op = pull(ctx, 5, &src);
	assert_fault(op, op->status, WINRMD_FAULT_INTERNAL_ERROR);
	mock_op_free(op);
	free(ctx);
}
END_TEST

/* ------------------------------------------------- owners and bounds */

START_TEST(test_owner_source_quota_expiry)
{
	struct winrmd_op *op;
	struct winrmd_enum *e;
	char *ctx, *ctx2;

	op = enum_op(NULL);
	ctx = enumerate(op, &src, iter_new(9, 1));
	mock_op_free(op);
	/* another user, or another source: as if it did not exist */
	op = ctx_op(WINRMD_ACTION_PULL, "Pull", ctx, 1);
	mock_op_user(op, "mallory", 1001);
	assert_fault(op, mock_host.enum_pull(op, &src),
	    WINRMD_FAULT_INVALID_ENUMERATION_CONTEXT);
	mock_op_free(op);
	op = pull(ctx, 1, &other);
	assert_fault(op, op->status, WINRMD_FAULT_INVALID_ENUMERATION_CONTEXT);
	mock_op_free(op);
	/* the id in any case */
	for (char *p = ctx; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	op = pull(ctx, 1, &src);
	ck_assert_int_eq(op->status, WINRMD_OK);
	mock_op_free(op);

	/* MaxConcurrentOperationsPerUser = 2: one begun counts */
	op = enum_op(NULL);
	e = mock_host.enum_begin(op, &src, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(enumeration_count(1000), 2);
	mock_op_free(op);
	op = enum_op(NULL);
	ck_assert_ptr_null(mock_host.enum_begin(op, &src, 0));
	ck_assert_int_eq(op->fault, WINRMD_FAULT_QUOTA_MAX_OPERATIONS);
	mock_op_free(op);
	/* another user is not affected */
	op = enum_op(NULL);
	mock_op_user(op, "bob", 1001);
	ctx2 = enumerate(op, &src, iter_new(1, 1));
	mock_op_free(op);
	/* a begun context not findable; aborted, it makes room */
	mock_host.enum_abort(e);
	ck_assert_uint_eq(enumeration_count(1000), 1);

	/* expiry: each Pull restarts the clock */
	mock_advance(900);
	op = pull(ctx, 1, &src);
	ck_assert_int_eq(op->status, WINRMD_OK);
	mock_op_free(op);
	mock_advance(900);
	ck_assert_uint_eq(enumeration_count(1000), 1);
	ck_assert_uint_eq(enumeration_count(1001), 0);	/* bob's expired */
	mock_advance(101);
	ck_assert_uint_eq(enumeration_count(1000), 0);
	ck_assert_uint_eq(mock_log_count("expired"), 2);
	ck_assert_int_eq(released, 2);
	op = pull(ctx, 1, &src);
	assert_fault(op, op->status, WINRMD_FAULT_INVALID_ENUMERATION_CONTEXT);
	mock_op_free(op);
	free(ctx);
	free(ctx2);
}
END_TEST

/* what the daemon releases before it finalises the plugins */
START_TEST(test_drop_all)
{
	struct winrmd_op *op = enum_op(NULL), *op2;
	struct winrmd_enum *pending;
	char *ctx = enumerate(op, &src, iter_new(3, 1));

	op2 = enum_op(NULL);
	mock_op_user(op2, "bob", 1001);
	pending = mock_host.enum_begin(op2, &src, 0);
	ck_assert_ptr_nonnull(pending);
	enumeration_drop_all();
	ck_assert_int_eq(released, 1);
	ck_assert_uint_eq(enumeration_count(1000), 0);
	/* the one being answered is its plugin's to finish */
	ck_assert_uint_eq(enumeration_count(1001), 1);
	ck_assert_int_eq(mock_host.enum_answer(op2, pending, iter_new(1, 1),
	    URI), WINRMD_OK);
	mock_op_free(op);
	mock_op_free(op2);
	free(ctx);
}
END_TEST

/* selector values must be UTF-8: a plugin cleans them (render.c) */
START_TEST(test_selector_text)
{
	struct winrmd_op *op = enum_op("<w:OptimizeEnumeration/>"
	    "<w:EnumerationMode>EnumerateEPR</w:EnumerationMode>");
	struct iter *it = iter_new(1, 1);
	struct winrmd_enum *e;

	it->extra = "ok\xff";
	e = mock_host.enum_begin(op, &src, 0);
	ck_assert_ptr_nonnull(e);
	extra_rc = 1;
	ck_assert_int_eq(mock_host.enum_answer(op, e, it, URI), WINRMD_OK);
	ck_assert_int_eq(extra_rc, -EINVAL);
	ck_assert_uint_eq(mock_reply_count(op, "Selector"), 1);
	mock_op_free(op);

	op = enum_op("<w:OptimizeEnumeration/>"
	    "<w:EnumerationMode>EnumerateEPR</w:EnumerationMode>");
	it = iter_new(1, 1);
	it->extra = "caf\xc3\xa9 <&>";
	e = mock_host.enum_begin(op, &src, 0);
	ck_assert_int_eq(mock_host.enum_answer(op, e, it, URI), WINRMD_OK);
	ck_assert_int_eq(extra_rc, 0);
	ck_assert_uint_eq(mock_reply_count(op, "Selector"), 2);
	{
		char *text = mock_reply_text(op);

		ck_assert_ptr_nonnull(strstr(text, "<w:Selector Name=\"X\">"
		    "caf\xc3\xa9 &lt;&amp;&gt;</w:Selector>"));
		free(text);
	}
	mock_op_free(op);
}
END_TEST

static Suite *
enumeration_suite(void)
{
	Suite *s = suite_create("enumeration");
	TCase *tc = tcase_create("contexts");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_modes);
	tcase_add_test(tc, test_batches_and_end);
	tcase_add_test(tc, test_envelope_size);
	tcase_add_test(tc, test_request_faults);
	tcase_add_test(tc, test_failing_iterator);
	tcase_add_test(tc, test_owner_source_quota_expiry);
	tcase_add_test(tc, test_drop_all);
	tcase_add_test(tc, test_selector_text);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(enumeration_suite)
