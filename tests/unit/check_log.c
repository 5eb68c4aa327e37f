/*
 * check_log.c: the escaping every log line goes through (log_escape): C0
 * controls, DEL, C1 controls and bytes that are not UTF-8 become \xHH;
 * printable ASCII and well-formed UTF-8 stay; output is cut whole, never
 * in the middle of an escape or a character.
 */
#include "build.h"

#include <string.h>

#include "log.h"
#include "unit.h"

static void
expect_escaped(const char *in, const char *want)
{
	char out[512];
	size_t n = log_escape(in, out, sizeof(out));

	ck_assert_str_eq(out, want);
	ck_assert_uint_eq(n, strlen(want));
}

START_TEST(test_plain_stays)
{
	expect_escaped("", "");
	expect_escaped("auth: Basic login of alice from 127.0.0.1 refused",
	    "auth: Basic login of alice from 127.0.0.1 refused");
	/* backslashes are not escaped: DOMAIN\user stays readable */
	expect_escaped("WINRMD\\alice", "WINRMD\\alice");
	/* UTF-8: é (2 bytes), € (3), U+1F600 (4), U+00A0 (first after C1) */
	expect_escaped("j\xc3\xb6rg \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\xa0",
	    "j\xc3\xb6rg \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\xa0");
}
END_TEST

START_TEST(test_controls_escaped)
{
	/* a forged line and a terminal colour sequence */
	expect_escaped("evil\nwinrmd[info]: forged\x1b[31mred",
	    "evil\\x0awinrmd[info]: forged\\x1b[31mred");
	expect_escaped("\r\t\x01\x1f\x7f", "\\x0d\\x09\\x01\\x1f\\x7f");
	/* C1 controls as UTF-8 (U+0085 NEL, U+009B CSI) and as raw bytes */
	expect_escaped("a\xc2\x85" "b\xc2\x9b" "c", "a\\xc2\\x85b\\xc2\\x9bc");
	expect_escaped("a\x9b" "1m\x85", "a\\x9b1m\\x85");
}
END_TEST

START_TEST(test_not_utf8_escaped)
{
	/* overlong "/" , a surrogate, beyond U+10FFFF, a cut sequence */
	expect_escaped("\xc0\xaf", "\\xc0\\xaf");
	expect_escaped("\xe0\x80\xaf", "\\xe0\\x80\\xaf");
	expect_escaped("\xed\xa0\x80", "\\xed\\xa0\\x80");
	expect_escaped("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	expect_escaped("x\xe2\x82", "x\\xe2\\x82");
	expect_escaped("\xff\xfe", "\\xff\\xfe");
}
END_TEST

START_TEST(test_cut_whole)
{
	char out[8];

	/* room for 7 bytes: "ab" and one escape (4), not half of the next */
	ck_assert_uint_eq(log_escape("ab\n\n", out, sizeof(out)), 6);
	ck_assert_str_eq(out, "ab\\x0a");
	/* a 3-byte character that does not fit is left out whole */
	ck_assert_uint_eq(log_escape("abcde\xe2\x82\xac", out, sizeof(out)), 5);
	ck_assert_str_eq(out, "abcde");
	ck_assert_uint_eq(log_escape("abc", out, 1), 0);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(log_escape("abc", out, 0), 0);
}
END_TEST

static Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("escape");

	tcase_add_test(tc, test_plain_stays);
	tcase_add_test(tc, test_controls_escaped);
	tcase_add_test(tc, test_not_utf8_escaped);
	tcase_add_test(tc, test_cut_whole);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(log_suite)
