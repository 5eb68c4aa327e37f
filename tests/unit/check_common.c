/*
 * check_common.c: the helpers of common/ that the daemon, the plugins, the
 * providers and winrmd-native share: xs:duration at both precisions,
 * trimmed text, UTF-8 decoding, principal copies, the systemd -> Windows
 * service state mapping, os-release's ID_LIKE and the field splitting and
 * default gateway winrmd-native reads, base64 and the growing string.
 * (The other /proc parsers are tested with the win32 provider's fixtures
 * in check_win32_parse.)
 */
#define _GNU_SOURCE

#include <stdint.h>

#include <openssl/evp.h>

#include "base64.h"
#include "duration.h"
#include "osrelease.h"
#include "principal.h"
#include "procfs.h"
#include "strbuf.h"
#include "svcstate.h"
#include "text.h"
#include "unit.h"

START_TEST(test_duration_precision)
{
	uint64_t v = 7;

	ck_assert_int_eq(xs_duration_parse("PT1.2345678S", DURATION_MS, &v), 0);
	ck_assert_uint_eq(v, 1234);		/* truncated, not rounded */
	ck_assert_int_eq(xs_duration_parse("PT1.2345678S", DURATION_US, &v), 0);
	ck_assert_uint_eq(v, 1234567);
	ck_assert_int_eq(xs_duration_parse("PT0.5S", DURATION_US, &v), 0);
	ck_assert_uint_eq(v, 500000);
	ck_assert_int_eq(xs_duration_parse("P1DT1H1M1S", DURATION_US, &v), 0);
	ck_assert_uint_eq(v, 90061000000ULL);
	ck_assert_int_eq(xs_duration_parse("PT3S", 0, &v), 0);
	ck_assert_uint_eq(v, 3);
}
END_TEST

START_TEST(test_duration_refused)
{
	uint64_t v = 7;

	ck_assert_int_eq(xs_duration_parse(NULL, DURATION_MS, &v), -EINVAL);
	ck_assert_int_eq(xs_duration_parse("PT1S", 10, &v), -EINVAL);
	ck_assert_int_eq(xs_duration_parse("P1.5D", DURATION_US, &v), -EINVAL);
	ck_assert_int_eq(xs_duration_parse("PT1M2H", DURATION_US, &v), -EINVAL);
	ck_assert_int_eq(xs_duration_parse("PT1.S", DURATION_US, &v), -EINVAL);
	ck_assert_int_eq(xs_duration_parse("P1Y", DURATION_US, &v), -EINVAL);
	/* fits in ms, not in µs (UINT64_MAX µs are 213503982.3 days) */
	ck_assert_int_eq(xs_duration_parse("P213503983D", DURATION_MS, &v), 0);
	ck_assert_uint_eq(v, 213503983ULL * 86400000);
	v = 7;
	ck_assert_int_eq(xs_duration_parse("P213503983D", DURATION_US, &v),
	    -ERANGE);
	/* the fraction itself overflows the sum */
	ck_assert_int_eq(xs_duration_parse("PT18446744073709551.999999S",
	    DURATION_US, &v), -ERANGE);
	ck_assert_uint_eq(v, 7);		/* left alone on error */
}
END_TEST

START_TEST(test_trim)
{
	const char *p;
	size_t len;
	char *d;

	p = text_trim(" \t\r\n a b \n", &len);
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(strncmp(p, "a b", 3), 0);
	p = text_trim("   ", &len);
	ck_assert_uint_eq(len, 0);
	p = text_trim("", &len);
	ck_assert_uint_eq(len, 0);
	p = text_trim("x", &len);
	ck_assert_uint_eq(len, 1);
	ck_assert_int_eq(*p, 'x');
	d = text_trim_dup("\n\tvalue with  inner  blanks\t ");
	ck_assert_str_eq(d, "value with  inner  blanks");
	free(d);
	d = text_trim_dup(" \n ");
	ck_assert_str_eq(d, "");
	free(d);
}
END_TEST

/* strv_dup: deep copies (not the same pointers), NULL as an empty vector */
START_TEST(test_strv)
{
	char a[] = "PATH=/bin", b[] = "HOME=/root";
	char *v[] = { a, b, NULL };
	char **c = strv_dup(v);

	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c[0], "PATH=/bin");
	ck_assert_str_eq(c[1], "HOME=/root");
	ck_assert_ptr_null(c[2]);
	ck_assert_ptr_ne(c[0], a);
	a[0] = 'X';
	ck_assert_str_eq(c[0], "PATH=/bin");
	strv_free(c);
	c = strv_dup(NULL);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_null(c[0]);
	strv_free(c);
	strv_free(NULL);
}
END_TEST

static const struct {
	const char	*bytes;
	size_t		 n;		/* bytes to look at */
	size_t		 len;		/* expected; 0: invalid */
	uint32_t	 cp;
} utf8_cases[] = {
	{ "A", 1, 1, 'A' },
	{ "", 1, 1, 0 },			/* NUL is ASCII */
	{ "\xc3\xa9", 2, 2, 0xe9 },		/* é */
	{ "\xe2\x82\xac", 3, 3, 0x20ac },	/* € */
	{ "\xf0\x9f\x98\x80", 4, 4, 0x1f600 },
	{ "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff },
	{ "\xc2\x85", 2, 2, 0x85 },		/* C1: valid UTF-8 */
	{ "\x80", 1, 0, 0 },			/* stray continuation */
	{ "\xc0\xaf", 2, 0, 0 },		/* overlong '/' */
	{ "\xe0\x80\xaf", 3, 0, 0 },		/* overlong, 3 bytes */
	{ "\xf0\x80\x80\xaf", 4, 0, 0 },	/* overlong, 4 bytes */
	{ "\xed\xa0\x80", 3, 0, 0 },		/* surrogate U+D800 */
	{ "\xf4\x90\x80\x80", 4, 0, 0 },	/* past U+10FFFF */
	{ "\xf5\x80\x80\x80", 4, 0, 0 },
	{ "\xe2\x82\xac", 2, 0, 0 },		/* cut short */
	{ "\xe2\x28\xac", 3, 0, 0 },		/* not a continuation */
	{ "A", 0, 0, 0 },			/* nothing to read */
};

START_TEST(test_utf8)
{
	uint32_t cp = 0xdead;
	size_t len = utf8_decode((const unsigned char *)utf8_cases[_i].bytes,
	    utf8_cases[_i].n, &cp);

	ck_assert_msg(len == utf8_cases[_i].len, "case %d: length %zu, not %zu",
	    _i, len, utf8_cases[_i].len);
	if (len > 0)
		ck_assert_uint_eq(cp, utf8_cases[_i].cp);
	else
		ck_assert_uint_eq(cp, 0xdead);	/* untouched */
	/* the code point is optional */
	ck_assert_uint_eq(utf8_decode((const unsigned char *)
	    utf8_cases[_i].bytes, utf8_cases[_i].n, NULL), len);
}
END_TEST

/* every code point that utf8_decode() takes back */
START_TEST(test_utf8_encode)
{
	static const uint32_t cps[] = { 0, 'A', 0x7f, 0x80, 0xe9, 0x7ff, 0x800,
	    0x20ac, 0xfffd, 0xffff, 0x10000, 0x1f600, 0x10ffff };
	char out[4];
	uint32_t back;

	for (size_t i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
		size_t n = utf8_encode(cps[i], out);

		ck_assert_uint_eq(n, cps[i] < 0x80 ? 1 : cps[i] < 0x800 ? 2 :
		    cps[i] < 0x10000 ? 3 : 4);
		ck_assert_uint_eq(utf8_decode((const unsigned char *)out, n,
		    &back), n);
		ck_assert_uint_eq(back, cps[i]);
	}
	ck_assert_uint_eq(utf8_encode(0x20ac, out), 3);
	ck_assert_int_eq(memcmp(out, "\xe2\x82\xac", 3), 0);
	/* a lone surrogate is three bytes, which utf8_decode() refuses */
	ck_assert_uint_eq(utf8_encode(0xd800, out), 3);
	ck_assert_int_eq(memcmp(out, "\xed\xa0\x80", 3), 0);
}
END_TEST

START_TEST(test_user_copy)
{
	gid_t groups[] = { 100, 27, 4 };
	char name[] = "alice";
	struct winrmd_principal p = {
		.name = name, .uid = 1001, .gid = 100, .home = "/home/alice",
		.shell = "/bin/bash", .groups = groups, .ngroups = 3,
		.scheme = "Basic",
	};
	struct winrmd_principal bare = { .uid = 7, .gid = 8 };
	struct user_copy u;

	ck_assert_int_eq(user_copy_make(&u, &p), 0);
	name[0] = 'X';			/* the copy owns its strings */
	groups[1] = 0;
	ck_assert_str_eq(u.p.name, "alice");
	ck_assert_ptr_ne(u.p.name, p.name);
	ck_assert_str_eq(u.p.home, "/home/alice");
	ck_assert_str_eq(u.p.shell, "/bin/bash");
	ck_assert_str_eq(u.p.scheme, "Basic");
	ck_assert_int_eq(u.p.uid, 1001);
	ck_assert_int_eq(u.p.gid, 100);
	ck_assert_int_eq(u.p.ngroups, 3);
	ck_assert_int_eq(u.p.groups[1], 27);
	user_copy_free(&u);
	ck_assert_ptr_null(u.name);
	user_copy_free(&u);		/* twice is fine */

	ck_assert_int_eq(user_copy_make(&u, &bare), 0);
	ck_assert_str_eq(u.p.name, "");
	ck_assert_str_eq(u.p.home, "/");
	ck_assert_str_eq(u.p.shell, "/bin/sh");
	ck_assert_str_eq(u.p.scheme, "");
	ck_assert_int_eq(u.p.ngroups, 0);
	ck_assert_int_eq(u.p.uid, 7);
	user_copy_free(&u);

	ck_assert_int_eq(user_copy_make(&u, NULL), 0);
	ck_assert_ptr_null(u.p.name);
	user_copy_free(&u);
}
END_TEST

static const struct {
	const char	*active;
	const char	*win32, *ansible;
} states[] = {
	{ "active", "Running", "running" },
	{ "reloading", "Running", "running" },
	/*
	 * systemd 255: the unit's mount namespace is refreshed while its
	 * processes run on; a Windows service whose parameters change
	 * (SERVICE_CONTROL_PARAMCHANGE) stays SERVICE_RUNNING.  Before the
	 * two mappings were one, win_service said "stopped" here.
	 */
	{ "refreshing", "Running", "running" },
	{ "activating", "Start Pending", "start_pending" },
	{ "deactivating", "Stop Pending", "stop_pending" },
	{ "inactive", "Stopped", "stopped" },
	{ "failed", "Stopped", "stopped" },
	{ "maintenance", "Stopped", "stopped" },
	/* what systemd does not name: Win32 has Unknown, win_service not */
	{ "bogus", "Unknown", "stopped" },
	{ NULL, "Unknown", "stopped" },
	{ "", "Unknown", "stopped" },
};

START_TEST(test_svc_state)
{
	enum svc_state s = svc_state_of(states[_i].active);

	ck_assert_str_eq(svc_state_win32(s), states[_i].win32);
	ck_assert_str_eq(svc_state_ansible(s), states[_i].ansible);
}
END_TEST

static const struct {
	const char	*file_state;
	const char	*win32, *ansible;
} modes[] = {
	{ "enabled", "Auto", "auto" },
	{ "enabled-runtime", "Auto", "auto" },
	{ "alias", "Auto", "auto" },
	{ "linked", "Auto", "auto" },
	{ "linked-runtime", "Auto", "auto" },
	{ "masked", "Disabled", "disabled" },
	{ "masked-runtime", "Disabled", "disabled" },
	{ "disabled", "Manual", "manual" },
	{ "static", "Manual", "manual" },
	{ "indirect", "Manual", "manual" },
	{ "generated", "Manual", "manual" },
	{ "transient", "Manual", "manual" },
	{ "bad", "Manual", "manual" },
	{ "", "Manual", "manual" },
	{ NULL, "Manual", "manual" },
};

START_TEST(test_svc_start_mode)
{
	enum svc_start_mode m = svc_start_mode_of(modes[_i].file_state);

	ck_assert_str_eq(svc_start_mode_win32(m), modes[_i].win32);
	ck_assert_str_eq(svc_start_mode_ansible(m), modes[_i].ansible);
}
END_TEST

START_TEST(test_os_release_id_like)
{
	struct os_release r;

	ck_assert_int_eq(os_release_parse("ID=rocky\nID_LIKE=\"rhel centos "
	    "fedora\"\nVERSION_ID=\"9.4\"\n", &r), 0);
	ck_assert_str_eq(r.id, "rocky");
	ck_assert_str_eq(r.id_like, "rhel centos fedora");
	ck_assert_str_eq(r.version_id, "9.4");
	os_release_done(&r);
	ck_assert_int_eq(os_release_parse("ID=debian\n", &r), 0);
	ck_assert_ptr_null(r.id_like);
	os_release_done(&r);
}
END_TEST

START_TEST(test_procfs_split)
{
	const char *line = "eth0\t00000000   0102A8C0 0003\n"
	    "next line";
	char f[4][40];

	ck_assert_uint_eq(procfs_split(line, strchr(line, '\n'), f, 4), 4);
	ck_assert_str_eq(f[0], "eth0");
	ck_assert_str_eq(f[1], "00000000");
	ck_assert_str_eq(f[2], "0102A8C0");
	ck_assert_str_eq(f[3], "0003");
	/* at most nf fields; each cut at 39 bytes */
	ck_assert_uint_eq(procfs_split(line, strchr(line, '\n'), f, 2), 2);
	line = "0123456789012345678901234567890123456789012345 x";
	ck_assert_uint_eq(procfs_split(line, line + strlen(line), f, 4), 2);
	ck_assert_uint_eq(strlen(f[0]), 39);
	ck_assert_str_eq(f[1], "x");
	line = "  \t ";
	ck_assert_uint_eq(procfs_split(line, line + strlen(line), f, 4), 0);
}
END_TEST

static void
first_gateway(const char *gw, void *arg)
{
	char *ret = arg;

	if (ret[0] == '\0')
		snprintf(ret, 64, "%s", gw);
}

/* winrmd-native's ansible_default_ipv4.gateway: the default route's */
START_TEST(test_procfs_default_gateway)
{
	static const char route[] =
	    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\t"
	    "Mask\t\tMTU\tWindow\tIRTT\n"
	    "eth0\t0002A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
	    "eth0\t00000000\t0102A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n";
	char gw[64] = "";

	procfs_route4_gateways(route, "eth0", first_gateway, gw);
	ck_assert_str_eq(gw, "192.168.2.1");
	gw[0] = '\0';
	procfs_route4_gateways(route, "eth1", first_gateway, gw);
	ck_assert_str_eq(gw, "");
}
END_TEST

/* ------------------------------------------------------------- base64 */

static const struct {
	const char	*text;
	size_t		 tlen;		/* 0: strlen(text) */
	const char	*bytes;		/* NULL: not base64 */
	size_t		 len;
} b64_cases[] = {
	{ "", 0, "", 0 },
	{ "YQ==", 0, "a", 1 },
	{ "YWI=", 0, "ab", 2 },
	{ "YWJj", 0, "abc", 3 },
	{ "AP8A", 0, "\0\377\0", 3 },
	/* clients wrap and indent it */
	{ "YW\r\nJj\n  ZGVm\t", 0, "abcdef", 6 },
	{ " \n", 0, "", 0 },
	/* only the first len characters count */
	{ "YWJjZGVm", 4, "abc", 3 },
	{ "YWJ", 0, NULL, 0 },		/* not whole groups */
	{ "YQ=", 0, NULL, 0 },
	{ "YQ==YQ==", 0, NULL, 0 },	/* padding in the middle */
	{ "Y===", 0, NULL, 0 },
	{ "YW-j", 0, NULL, 0 },		/* not in the alphabet */
	{ "YWJj-", 0, NULL, 0 },
	{ "YWJj\0ZGVm", 9, NULL, 0 },	/* a NUL inside */
};

START_TEST(test_base64_decode)
{
	const char *t = b64_cases[_i].text;
	size_t tl = b64_cases[_i].tlen ? b64_cases[_i].tlen : strlen(t), n = 99;
	unsigned char *out = base64_decode(t, tl, &n);

	if (b64_cases[_i].bytes == NULL) {
		ck_assert_msg(out == NULL, "case %d decoded", _i);
		return;
	}
	ck_assert_msg(out != NULL, "case %d refused", _i);
	ck_assert_uint_eq(n, b64_cases[_i].len);
	if (n > 0)
		ck_assert_mem_eq(out, b64_cases[_i].bytes, n);
	free(out);
}
END_TEST

/* a line as uploads send it: no white space at all */
START_TEST(test_base64_into)
{
	unsigned char out[16];

	ck_assert_int_eq(base64_decode_into("YWJjZA==", 8, out), 4);
	ck_assert_int_eq(memcmp(out, "abcd", 4), 0);
	ck_assert_int_eq(base64_decode_into("", 0, out), 0);
	ck_assert_int_eq(base64_decode_into("YWJj", 3, out), -1);
	ck_assert_int_eq(base64_decode_into("YQ==YWJj", 8, out), -1);
	ck_assert_int_eq(base64_decode_into(" YWJ", 4, out), -1);
	ck_assert_int_eq(base64_decode_into("YWJ\n", 4, out), -1);
	ck_assert_int_eq(base64_decode_into("YW Jj", 5, out), -1);
	ck_assert_int_eq(base64_decode_into("YW*j", 4, out), -1);
}
END_TEST

START_TEST(test_base64_round_trip)
{
	unsigned char bytes[300], *back;
	size_t n;

	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = (unsigned char)(i * 7 + 3);
	for (size_t len = 0; len <= sizeof(bytes); len += 37) {
		char *text = base64_encode(bytes, len);

		ck_assert_ptr_nonnull(text);
		ck_assert_uint_eq(strlen(text), (len + 2) / 3 * 4);
		back = base64_decode(text, strlen(text), &n);
		ck_assert_ptr_nonnull(back);
		ck_assert_uint_eq(n, len);
		ck_assert(len == 0 || memcmp(back, bytes, len) == 0);
		free(back);
		free(text);
	}
}
END_TEST

/*
 * The pair-table encoder against OpenSSL's EVP_EncodeBlock: every length
 * up to 300 (each tail, and the six-byte loop's last full load) and a few
 * big ones, over bytes that take every value; and the same text when the
 * bytes come in pieces of every size from 1 to 7 (a carry of one and of
 * two across pieces) and in the output chunks' size.
 */
START_TEST(test_base64_encoder)
{
	static unsigned char bytes[200000];
	static char ours[BASE64_LEN(sizeof(bytes)) + 1],
	    evp[BASE64_LEN(sizeof(bytes)) + 1];
	static const size_t big[] = { 65535, 65536, 65537, 199998, 200000 };
	static const size_t pieces[] = { 1, 2, 3, 4, 5, 7, 65536 };
	uint32_t x = 12345;

	for (size_t i = 0; i < sizeof(bytes); i++) {
		x = x * 1103515245u + 12345u;
		bytes[i] = (unsigned char)(x >> 16);
	}
	for (size_t len = 0; len <= 300 + 5; len++) {
		size_t n = len <= 300 ? len : big[len - 301];

		ck_assert_uint_eq(base64_encode_into(bytes, n, ours),
		    BASE64_LEN(n));
		ck_assert_int_eq(EVP_EncodeBlock((unsigned char *)evp, bytes,
		    (int)n), (int)BASE64_LEN(n));
		ck_assert_msg(strcmp(ours, evp) == 0, "%zu bytes differ", n);
		for (size_t k = 0; k < sizeof(pieces) / sizeof(pieces[0]);
		    k++) {
			struct base64_enc e = { 0 };
			size_t got = 0;

			if (n > 3000 && pieces[k] < 4)
				continue;	/* slow, and no news */
			for (size_t off = 0; off < n; off += pieces[k])
				got += base64_enc_add(&e, bytes + off,
				    n - off < pieces[k] ? n - off : pieces[k],
				    ours + got);
			got += base64_enc_end(&e, ours + got);
			ours[got] = '\0';
			ck_assert_uint_eq(got, BASE64_LEN(n));
			ck_assert_msg(strcmp(ours, evp) == 0,
			    "%zu bytes in pieces of %zu differ", n, pieces[k]);
		}
	}
}
END_TEST

/* ------------------------------------------------------- growing string */

START_TEST(test_strbuf)
{
	struct sbuf b = { 0 };
	char *s;

	/* nothing added: an empty string, not NULL */
	s = sb_take(&b);
	ck_assert_str_eq(s, "");
	free(s);
	sb_add(&b, "abc");
	sb_addn(&b, "defXXX", 3);
	sb_addn(&b, "", 0);
	ck_assert_str_eq(b.p, "abcdef");
	ck_assert_uint_eq(b.len, 6);
	/* growth past the first allocation keeps every byte */
	for (int i = 0; i < 1000; i++)
		sb_add(&b, "0123456789");
	ck_assert_uint_eq(b.len, 10006);
	ck_assert_uint_eq(strlen(b.p), 10006);
	ck_assert_int_eq(strncmp(b.p + 9996, "0123456789", 10), 0);
	s = sb_take(&b);
	ck_assert_ptr_null(b.p);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(strlen(s), 10006);
	free(s);
	/* a failure sticks: nothing more is added, the result is NULL */
	sb_add(&b, "x");
	b.failed = true;
	sb_add(&b, "y");
	ck_assert_str_eq(b.p, "x");
	ck_assert_ptr_null(sb_take(&b));
	ck_assert_ptr_null(b.p);
	ck_assert(!b.failed);
	sb_add(&b, "secret");
	sb_free(&b);
	ck_assert_ptr_null(b.p);
	ck_assert_uint_eq(b.cap, 0);
	/* room written in place: only what sb_grew() says counts */
	sb_add(&b, "<a>");
	ck_assert_ptr_nonnull(s = sb_room(&b, 100000));
	memset(s, 'x', 100000);
	sb_grew(&b, 5);
	sb_add(&b, "</a>");
	ck_assert_str_eq(b.p, "<a>xxxxx</a>");
	ck_assert_uint_ge(b.cap, 100000 + 3 + 1);
	b.failed = true;
	ck_assert_ptr_null(sb_room(&b, 1));
	sb_grew(&b, 1);
	ck_assert_ptr_null(sb_take(&b));
}
END_TEST

static Suite *
common_suite(void)
{
	Suite *s = suite_create("common");
	TCase *tc = tcase_create("duration");

	tcase_add_test(tc, test_duration_precision);
	tcase_add_test(tc, test_duration_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("text");
	tcase_add_test(tc, test_trim);
	tcase_add_test(tc, test_strv);
	tcase_add_loop_test(tc, test_utf8, 0,
	    sizeof(utf8_cases) / sizeof(utf8_cases[0]));
	tcase_add_test(tc, test_utf8_encode);
	suite_add_tcase(s, tc);
	tc = tcase_create("principal");
	tcase_add_test(tc, test_user_copy);
	suite_add_tcase(s, tc);
	tc = tcase_create("svcstate");
	tcase_add_loop_test(tc, test_svc_state, 0,
	    sizeof(states) / sizeof(states[0]));
	tcase_add_loop_test(tc, test_svc_start_mode, 0,
	    sizeof(modes) / sizeof(modes[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("procfs");
	tcase_add_test(tc, test_procfs_split);
	tcase_add_test(tc, test_procfs_default_gateway);
	suite_add_tcase(s, tc);
	tc = tcase_create("osrelease");
	tcase_add_test(tc, test_os_release_id_like);
	suite_add_tcase(s, tc);
	tc = tcase_create("base64");
	tcase_add_loop_test(tc, test_base64_decode, 0,
	    sizeof(b64_cases) / sizeof(b64_cases[0]));
	tcase_add_test(tc, test_base64_into);
	tcase_add_test(tc, test_base64_round_trip);
	tcase_add_test(tc, test_base64_encoder);
	tcase_add_test(tc, test_strbuf);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(common_suite)
