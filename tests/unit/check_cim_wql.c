/*
 * check_cim_wql.c: the WQL parser and evaluator of plugins/cim/wql.c:
 * what parses and what does not (malformed queries must be refused, never
 * half-read), binding to a class's properties, LIKE with % _ and [set],
 * IS [NOT] NULL, three-valued logic with NULLs, and the precedence of NOT
 * over AND over OR.
 */
#define _GNU_SOURCE

#include "unit.h"

#include "cim.h"
#include "mock_host.h"

enum { P_NAME, P_INDEX, P_VALUE, P_SMALL, P_REAL, P_FLAG, P_NOTE, P_WHEN,
	P_TAGS, P_COUNT };

static const struct cim_property props[P_COUNT] = {
	[P_NAME] = { "Name", CIM_STRING, CIM_KEY },
	[P_INDEX] = { "Index", CIM_UINT32, 0 },
	[P_VALUE] = { "Value", CIM_SINT32, 0 },
	[P_SMALL] = { "Small", CIM_UINT8, 0 },
	[P_REAL] = { "Ratio", CIM_REAL64, 0 },
	[P_FLAG] = { "Flag", CIM_BOOLEAN, 0 },
	[P_NOTE] = { "Note", CIM_STRING, 0 },
	[P_WHEN] = { "When", CIM_DATETIME, 0 },
	[P_TAGS] = { "Tags", CIM_STRING, CIM_ARRAY },
};

static struct cim_instance *
make(const char *name, unsigned index, int value, const char *note)
{
	struct cim_instance *i = inst_new(props, P_COUNT);
	const struct cim_services *s;
	static struct cim_services svc;

	inst_services(&svc);
	s = &svc;
	s->set_string(i, P_NAME, name);
	s->set_uint(i, P_INDEX, index);
	s->set_sint(i, P_VALUE, value);
	s->set_uint(i, P_SMALL, index % 256);
	s->set_real(i, P_REAL, index / 4.0);
	s->set_bool(i, P_FLAG, index % 2 == 0);
	s->set_string(i, P_NOTE, note);
	s->set_datetime(i, P_WHEN, 1712148350 + (time_t)index, 0);
	return i;
}

static struct wql_query *
bound(const char *text)
{
	char err[256] = "";
	struct wql_query *q = wql_parse(text, err, sizeof(err));

	ck_assert_msg(q != NULL, "%s: %s", text, err);
	ck_assert_msg(wql_bind(q, props, P_COUNT, err, sizeof(err)) == 0,
	    "%s: %s", text, err);
	return q;
}

/* does the query select the instance? */
static bool
sel(const char *text, const struct cim_instance *i)
{
	struct wql_query *q = bound(text);
	bool r = wql_match(q, i);

	wql_free(q);
	return r;
}

START_TEST(test_parse_select_lists)
{
	char err[256];
	struct wql_query *q;

	q = wql_parse("SELECT * FROM Win32_Process", err, sizeof(err));
	ck_assert_ptr_nonnull(q);
	ck_assert_str_eq(q->cls, "Win32_Process");
	ck_assert_ptr_null(q->select);
	ck_assert_ptr_null(q->where);
	wql_free(q);

	q = wql_parse("  select Name ,Index,  Note from  WRT_X  ", err,
	    sizeof(err));
	ck_assert_ptr_nonnull(q);
	ck_assert_uint_eq(q->nselect, 3);
	ck_assert_str_eq(q->select[0], "Name");
	ck_assert_str_eq(q->select[2], "Note");
	ck_assert_str_eq(q->cls, "WRT_X");
	wql_free(q);

	q = wql_parse("sElEcT * fRoM x wHeRe Name = 'a'", err, sizeof(err));
	ck_assert_ptr_nonnull(q);
	ck_assert_ptr_nonnull(q->where);
	ck_assert_int_eq(q->where->kind, WQL_COMPARE);
	wql_free(q);
}
END_TEST

START_TEST(test_parse_malformed)
{
	static const char *const bad[] = {
		"",
		"   ",
		"select",
		"select *",
		"select * from",
		"select * from X where",
		"select * from X where Name",
		"select * from X where Name =",
		"select * from X where = 5",
		"select , from X",
		"select Name, from X",
		"select * from X where Name = 'unterminated",
		"select * from X where Name = \"unterminated",
		"select * from X where (Name = 1",
		"select * from X where Name = 1)",
		"select * from X where Name = Index",
		"select * from X where 1 = 2",
		"select * from X where Value > NULL",
		"select * from X where Name LIKE 5",
		"select * from X where Name NOT = 'a'",
		"select * from X where Name IS 'a'",
		"select * from X where Name IS NOT",
		"select * from X where Name == 'a'",
		"select * from X where Name = 'a' AND",
		"select * from X where Name = 'a' OR OR Name = 'b'",
		"select * from X where NOT",
		"select * from X garbage",
		"select * from X where Name = 'a' garbage",
		/* a literal first, then no operator: the literal leaked
		 * (found by tests/fuzz/fuzz_wql) */
		"select * from X where 5 %< Name",
		"select * from X where 5 IS NULL",
		"select * from X where 'a' LIKE 'b'",
		"select * from X, Y",
		"delete from X",
		"select * from X where __CLASS ISA 'Y'",
		"associators of {X.Name='a'}",
		"select * from X where Name = 'a' ; drop",
		"select * from X where Value = 5abc",
		"select * from X where Name = 'a' $",
		"select * from where Name = 'a'",
		"select from X",
		"select * from select",
		"select * from X where and = 1",
	};
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct wql_query *q;

		err[0] = '\0';
		q = wql_parse(bad[i], err, sizeof(err));
		ck_assert_msg(q == NULL, "parsed: \"%s\"", bad[i]);
		ck_assert_msg(err[0] != '\0', "no message for \"%s\"", bad[i]);
	}
	ck_assert_ptr_null(wql_parse(NULL, err, sizeof(err)));
}
END_TEST

START_TEST(test_parse_depth_and_length)
{
	char *deep, *longq, err[256];
	size_t n = 200, len;

	/* nested parentheses beyond the limit: refused, not a stack overflow */
	len = n * 2 + 64;
	deep = malloc(len);
	strcpy(deep, "select * from X where ");
	for (size_t i = 0; i < n; i++)
		strcat(deep, "(");
	strcat(deep, "Index = 1");
	for (size_t i = 0; i < n; i++)
		strcat(deep, ")");
	ck_assert_ptr_null(wql_parse(deep, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "nested"));
	free(deep);

	/* NOT NOT NOT ... too */
	deep = malloc(n * 4 + 64);
	strcpy(deep, "select * from X where ");
	for (size_t i = 0; i < n; i++)
		strcat(deep, "NOT ");
	strcat(deep, "Index = 1");
	ck_assert_ptr_null(wql_parse(deep, err, sizeof(err)));
	free(deep);

	longq = malloc(40000);
	strcpy(longq, "select * from X where Name = '");
	memset(longq + strlen(longq), 'a', 30000);
	strcpy(longq + 30030, "'");
	ck_assert_ptr_null(wql_parse(longq, err, sizeof(err)));
	free(longq);

	/* moderate nesting is fine */
	{
		struct wql_query *q = wql_parse("select * from X where ((((("
		    "Index = 1)))))", err, sizeof(err));

		ck_assert_ptr_nonnull(q);
		wql_free(q);
	}
}
END_TEST

START_TEST(test_literals)
{
	struct cim_instance *i = make("O'Brien \"x\" c:\\dir", 7, -3, NULL);

	ck_assert(sel("select * from X where Name = 'O\\'Brien \"x\" c:\\\\dir'", i));
	ck_assert(sel("select * from X where Name = \"O'Brien \\\"x\\\" c:\\\\dir\"", i));
	ck_assert(sel("select * from X where Value = -3", i));
	ck_assert(sel("select * from X where Value < -2.5", i));
	ck_assert(sel("select * from X where Value > -3.5", i));
	ck_assert(sel("select * from X where Index = 7", i));
	ck_assert(sel("select * from X where Index = '7'", i));
	ck_assert(sel("select * from X where Ratio = 1.75", i));
	ck_assert(sel("select * from X where Ratio > 1e0", i));
	ck_assert(sel("select * from X where Ratio < .2e1", i));
	ck_assert(sel("select * from X where Flag = FALSE", i));
	ck_assert(!sel("select * from X where Flag = true", i));
	ck_assert(sel("select * from X where Flag <> TRUE", i));
	ck_assert(sel("select * from X where Flag != true", i));
	/* literal first: the operator turns round */
	ck_assert(sel("select * from X where 8 > Index", i));
	ck_assert(sel("select * from X where 7 >= Index", i));
	ck_assert(!sel("select * from X where 7 < Index", i));
	/* beyond the property's range: compared as numbers */
	ck_assert(sel("select * from X where Small < 300", i));
	ck_assert(!sel("select * from X where Small = 300", i));
	ck_assert(sel("select * from X where Index > -1", i));
	ck_assert(sel("select * from X where Index < 99999999999999999999", i));
	/* datetimes as DMTF text or xs:dateTime */
	ck_assert(sel("select * from X where When > '20240403124550.000000+000'", i));
	ck_assert(sel("select * from X where When = '2024-04-03T12:45:57Z'", i));
	ck_assert(sel("select * from X where When < '2024-04-03T14:46:00+02:00'", i));
	inst_free(i);
}
END_TEST

START_TEST(test_strings_case_insensitive)
{
	struct cim_instance *i = make("Spooler", 1, 0, "Print Queue");

	ck_assert(sel("select * from X where Name = 'spooler'", i));
	ck_assert(sel("select * from X where name = 'SPOOLER'", i));
	ck_assert(sel("select * from X where Name > 'abc'", i));
	ck_assert(sel("select * from X where Name < 'zebra'", i));
	ck_assert(!sel("select * from X where Name <> 'SpOoLeR'", i));
	inst_free(i);
}
END_TEST

START_TEST(test_like)
{
	ck_assert(wql_like("item-007", "item-%"));
	ck_assert(wql_like("item-007", "%7"));
	ck_assert(wql_like("item-007", "%"));
	ck_assert(wql_like("", "%"));
	ck_assert(wql_like("", ""));
	ck_assert(!wql_like("a", ""));
	ck_assert(wql_like("item-007", "ITEM-00_"));
	ck_assert(!wql_like("item-007", "item-0_"));
	ck_assert(wql_like("item-007", "%-%0%"));
	ck_assert(wql_like("abc", "[a-c]%"));
	ck_assert(!wql_like("dbc", "[a-c]%"));
	ck_assert(wql_like("dbc", "[^a-c]%"));
	ck_assert(wql_like("xbc", "[xyz]bc"));
	ck_assert(wql_like("50%", "%[%]"));
	ck_assert(!wql_like("50", "%[%]"));
	ck_assert(wql_like("a_b", "a[_]b"));
	ck_assert(!wql_like("axb", "a[_]b"));
	ck_assert(wql_like("caf\xc3\xa9", "caf_"));	/* _ is one character */
	ck_assert(wql_like("aaaaaaaaaaaaaaaaaaaaaaaaaaaab", "%a%a%a%a%b"));
	ck_assert(!wql_like("aaaaaaaaaaaaaaaaaaaaaaaaaaaa", "%a%a%a%a%b"));
	ck_assert(wql_like("[x", "[x"));	/* unclosed [ is literal */
	ck_assert(wql_like("ab", "%%b"));

	{
		struct cim_instance *i = make("svchost", 1, 0, "Windows Host");

		ck_assert(sel("select * from X where Name LIKE 'svc%'", i));
		ck_assert(sel("select * from X where Name NOT LIKE 'x%'", i));
		ck_assert(!sel("select * from X where Name NOT LIKE 'SVC%'", i));
		ck_assert(sel("select * from X where NOT Name LIKE 'x%'", i));
		ck_assert(sel("select * from X where Note like '%host'", i));
		inst_free(i);
	}
}
END_TEST

START_TEST(test_null)
{
	struct cim_instance *i = make("a", 1, 0, NULL);

	ck_assert(sel("select * from X where Note IS NULL", i));
	ck_assert(!sel("select * from X where Note IS NOT NULL", i));
	ck_assert(sel("select * from X where Note = NULL", i));
	ck_assert(sel("select * from X where Name <> NULL", i));
	ck_assert(sel("select * from X where Tags is null", i));
	/* a comparison with NULL is unknown, and so is its negation */
	ck_assert(!sel("select * from X where Note = 'x'", i));
	ck_assert(!sel("select * from X where Note <> 'x'", i));
	ck_assert(!sel("select * from X where NOT Note = 'x'", i));
	ck_assert(!sel("select * from X where Note LIKE '%'", i));
	ck_assert(!sel("select * from X where NOT Note LIKE '%'", i));
	/* unknown OR true is true, unknown AND false is false */
	ck_assert(sel("select * from X where Note = 'x' OR Name = 'a'", i));
	ck_assert(!sel("select * from X where Note = 'x' AND Name = 'a'", i));
	ck_assert(sel("select * from X where NOT (Note = 'x' AND Name = 'b')", i));
	ck_assert(!sel("select * from X where NOT (Note = 'x' OR Name = 'b')", i));
	inst_free(i);
}
END_TEST

START_TEST(test_precedence)
{
	struct cim_instance *i = make("a", 1, 2, "n");
	char err[256];
	struct wql_query *q;

	/* OR is weakest: a OR (b AND c) */
	q = wql_parse("select * from X where Index = 1 OR Value = 9 AND Name = 'z'",
	    err, sizeof(err));
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(q->where->kind, WQL_OR);
	ck_assert_int_eq(q->where->r->kind, WQL_AND);
	wql_free(q);
	ck_assert(sel("select * from X where Index = 1 OR Value = 9 AND Name = 'z'", i));
	ck_assert(!sel("select * from X where (Index = 1 OR Value = 9) AND Name = 'z'", i));

	/* NOT binds tighter than AND: (NOT a) AND b */
	q = wql_parse("select * from X where NOT Index = 2 AND Value = 2", err,
	    sizeof(err));
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(q->where->kind, WQL_AND);
	ck_assert_int_eq(q->where->l->kind, WQL_NOT);
	wql_free(q);
	ck_assert(sel("select * from X where NOT Index = 2 AND Value = 2", i));
	ck_assert(!sel("select * from X where NOT (Index = 1 AND Value = 2)", i));
	ck_assert(sel("select * from X where NOT Index = 1 OR Value = 2", i));
	ck_assert(!sel("select * from X where NOT (Index = 1 OR Value = 3)", i));
	ck_assert(sel("select * from X where NOT NOT Index = 1", i));

	/* AND and OR are left-associative */
	q = wql_parse("select * from X where Index = 1 AND Value = 2 AND Name = 'a'",
	    err, sizeof(err));
	ck_assert_int_eq(q->where->kind, WQL_AND);
	ck_assert_int_eq(q->where->l->kind, WQL_AND);
	wql_free(q);

	/* IS NULL and LIKE under NOT and AND/OR */
	ck_assert(sel("select * from X where NOT Note IS NULL AND Name LIKE 'a'", i));
	ck_assert(sel("select * from X where Tags IS NULL OR Name LIKE 'zz%' AND Index = 5", i));
	ck_assert(!sel("select * from X where (Tags IS NULL OR Name LIKE 'zz%') AND Index = 5", i));
	inst_free(i);
}
END_TEST

START_TEST(test_bind_errors)
{
	static const char *const bad[] = {
		"select Missing from X",
		"select * from X where Missing = 1",
		"select * from X where Index LIKE 'a%'",
		"select * from X where Tags = 'a'",
		"select * from X where Index = 'abc'",
		"select * from X where Flag = 'maybe'",
		"select * from X where When = 'yesterday'",
		"select * from X where Name = 'a' AND (Value = 1 OR Nope = 2)",
	};
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct wql_query *q = wql_parse(bad[i], err, sizeof(err));

		ck_assert_msg(q != NULL, "%s: %s", bad[i], err);
		err[0] = '\0';
		ck_assert_msg(wql_bind(q, props, P_COUNT, err, sizeof(err)) < 0,
		    "bound: %s", bad[i]);
		ck_assert(err[0] != '\0');
		wql_free(q);
	}
}
END_TEST

static Suite *
wql_suite(void)
{
	Suite *s = suite_create("cim_wql");
	TCase *tc = tcase_create("wql");

	tcase_add_test(tc, test_parse_select_lists);
	tcase_add_test(tc, test_parse_malformed);
	tcase_add_test(tc, test_parse_depth_and_length);
	tcase_add_test(tc, test_literals);
	tcase_add_test(tc, test_strings_case_insensitive);
	tcase_add_test(tc, test_like);
	tcase_add_test(tc, test_null);
	tcase_add_test(tc, test_precedence);
	tcase_add_test(tc, test_bind_errors);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(wql_suite)
