/*
 * check_duration.c: xs:duration as WS-Man uses it for OperationTimeout
 * (wsman_parse_duration, wsman_format_duration).  The cases follow
 * docs/SECURITY.md §4.2 (openwsman's parser advanced twice after `T').
 */
#include "build.h"

#include <errno.h>
#include <stdint.h>

#include "wsman.h"
#include "unit.h"

static const struct {
	const char	*text;
	uint64_t	 ms;
} good[] = {
	{ "PT60S", 60000 },
	{ "PT20S", 20000 },
	{ "PT60.000S", 60000 },
	{ "PT1.5S", 1500 },
	{ "PT0.001S", 1 },
	{ "PT0.0019S", 1 },		/* below a millisecond: truncated */
	{ "P1DT2H3M4.5S", 93784500 },	/* 86400000 + 7200000 + 180000 + 4500 */
	{ "PT0S", 0 },
	{ "P0D", 0 },
	{ "P2D", 172800000 },
	{ "PT1H", 3600000 },
	{ "PT1M", 60000 },
	{ "PT2H30M", 9000000 },
	{ "PT7200.000S", 7200000 },
	{ "PT4294967.295S", 4294967295ULL },
};

static const struct {
	const char	*text;
	int		 err;
} bad[] = {
	{ "", -EINVAL },
	{ "P", -EINVAL },
	{ "PT", -EINVAL },
	{ "PT0", -EINVAL },
	{ "P1Y", -EINVAL },
	{ "P1M", -EINVAL },		/* months: M before T */
	{ "P1Y2M3DT4S", -EINVAL },
	{ "-PT5S", -EINVAL },
	{ "PT99999999999999999999S", -ERANGE },
	{ "P999999999999999D", -ERANGE },	/* digits fit, ms do not */
	{ "PT1H1H", -EINVAL },
	{ "PT1S1M", -EINVAL },		/* order */
	{ "PT1M1H", -EINVAL },
	{ "PT1S1S", -EINVAL },
	{ "PT.5S", -EINVAL },
	{ "PT1.S", -EINVAL },
	{ "PT1.5M", -EINVAL },		/* fractions only on seconds */
	{ "1S", -EINVAL },
	{ "PT1D", -EINVAL },		/* days belong before T */
	{ "P1H", -EINVAL },		/* hours belong after T */
	{ " PT1S", -EINVAL },
	{ "PT1S ", -EINVAL },
	{ "PTT1S", -EINVAL },
	{ "P1DT", -EINVAL },
	{ "PT1X", -EINVAL },
	{ "pt1s", -EINVAL },
	{ "PT+1S", -EINVAL },
	{ "PT1,5S", -EINVAL },
};

START_TEST(test_good)
{
	uint64_t ms = 12345;
	int r = wsman_parse_duration(good[_i].text, &ms);

	ck_assert_msg(r == 0, "\"%s\" refused (%d)", good[_i].text, r);
	ck_assert_msg(ms == good[_i].ms, "\"%s\" gave %llu ms, not %llu",
	    good[_i].text, (unsigned long long)ms,
	    (unsigned long long)good[_i].ms);
}
END_TEST

START_TEST(test_bad)
{
	uint64_t ms = 12345;
	int r = wsman_parse_duration(bad[_i].text, &ms);

	ck_assert_msg(r == bad[_i].err, "\"%s\" gave %d (ms %llu), not %d",
	    bad[_i].text, r, (unsigned long long)ms, bad[_i].err);
	ck_assert_msg(ms == 12345, "\"%s\" refused but wrote the result",
	    bad[_i].text);
}
END_TEST

START_TEST(test_null)
{
	uint64_t ms;

	ck_assert_int_eq(wsman_parse_duration(NULL, &ms), -EINVAL);
}
END_TEST

START_TEST(test_format)
{
	char buf[64];
	uint64_t ms;

	wsman_format_duration(7200000, buf, sizeof(buf));
	ck_assert_str_eq(buf, "PT7200.000S");
	wsman_format_duration(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "PT0.000S");
	wsman_format_duration(1500, buf, sizeof(buf));
	ck_assert_str_eq(buf, "PT1.500S");
	wsman_format_duration(60001, buf, sizeof(buf));
	ck_assert_str_eq(buf, "PT60.001S");
	/* what we write we read back */
	wsman_format_duration(93784500, buf, sizeof(buf));
	ck_assert_int_eq(wsman_parse_duration(buf, &ms), 0);
	ck_assert_uint_eq(ms, 93784500);
	/* truncates, never overflows the buffer */
	memset(buf, 'x', sizeof(buf));
	wsman_format_duration(7200000, buf, 6);
	ck_assert_str_eq(buf, "PT720");
	ck_assert_int_eq(buf[6], 'x');
}
END_TEST

static Suite *
duration_suite(void)
{
	Suite *s = suite_create("duration");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_good, 0, sizeof(good) / sizeof(good[0]));
	tcase_add_loop_test(tc, test_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_null);
	suite_add_tcase(s, tc);
	tc = tcase_create("format");
	tcase_add_test(tc, test_format);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(duration_suite)
