/*
 * check_monitor_msg.c: the monitor's message codec (monitor_msg.c): what is
 * written reads back field by field, descriptors travel over a real
 * SOCK_SEQPACKET pair, and malformed messages are refused whole: a short
 * header, a length that disagrees, an unknown type, a field of another
 * kind than the reader expects, a string with a NUL inside or running past
 * the end, an array that claims more strings than fit, fields left unread.
 */
#include "build.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/socket.h>

#include "monitor_msg.h"
#include "unit.h"

/* m's wire form (header and payload) into a fresh message's parse */
static int
reparse(struct mon_msg *m, struct mon_msg *out)
{
	struct mon_hdr h = { .type = m->type, .len = (uint32_t)m->len };

	memcpy(m->buf, &h, sizeof(h));
	return mon_parse(out, m->buf, sizeof(h) + m->len);
}

START_TEST(test_roundtrip)
{
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)"", NULL };
	struct mon_msg m, r;
	bool absent;
	char **v;

	ck_assert_int_eq(mon_msg_init(&m, MON_SPAWN), 0);
	ck_assert_int_eq(mon_msg_init(&r, 0), 0);
	mon_put_i64(&m, -42);
	mon_put_i64(&m, INT64_MAX);
	mon_put_str(&m, "bob");
	mon_put_str(&m, NULL);
	mon_put_strv(&m, argv);
	mon_put_strv(&m, NULL);
	ck_assert(!m.bad);
	ck_assert_int_eq(reparse(&m, &r), 0);
	ck_assert_uint_eq(r.type, MON_SPAWN);
	ck_assert_int_eq(mon_get_i64(&r), -42);
	ck_assert(mon_get_i64(&r) == INT64_MAX);
	ck_assert_str_eq(mon_get_str(&r, &absent), "bob");
	ck_assert(!absent);
	ck_assert_ptr_null(mon_get_str(&r, &absent));
	ck_assert(absent);
	v = mon_get_strv(&r);
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v[0], "/bin/sh");
	ck_assert_str_eq(v[1], "-c");
	ck_assert_str_eq(v[2], "");
	ck_assert_ptr_null(v[3]);
	free(v);
	v = mon_get_strv(&r);
	ck_assert_ptr_nonnull(v);
	ck_assert_ptr_null(v[0]);
	free(v);
	ck_assert_int_eq(mon_get_end(&r), 0);
	mon_msg_free(&m);
	mon_msg_free(&r);
}
END_TEST

START_TEST(test_wrong_kind)
{
	struct mon_msg m, r;

	ck_assert_int_eq(mon_msg_init(&m, MON_LOCKED), 0);
	ck_assert_int_eq(mon_msg_init(&r, 0), 0);
	mon_put_i64(&m, 7);
	ck_assert_int_eq(reparse(&m, &r), 0);
	/* a string where an integer is: bad, and it stays bad */
	ck_assert_ptr_null(mon_get_str(&r, NULL));
	ck_assert(r.bad);
	ck_assert_int_eq(mon_get_i64(&r), 0);
	ck_assert_int_eq(mon_get_end(&r), -EBADMSG);
	/* a field left unread is malformed too */
	ck_assert_int_eq(reparse(&m, &r), 0);
	ck_assert_int_eq(mon_get_end(&r), -EBADMSG);
	/* reading past the end */
	ck_assert_int_eq(reparse(&m, &r), 0);
	ck_assert_int_eq(mon_get_i64(&r), 7);
	ck_assert_int_eq(mon_get_i64(&r), 0);
	ck_assert_int_eq(mon_get_end(&r), -EBADMSG);
	mon_msg_free(&m);
	mon_msg_free(&r);
}
END_TEST

/* a datagram of type t with payload p (n bytes) */
static int
parse_raw(struct mon_msg *r, uint32_t t, const void *p, size_t n,
    uint32_t claimed)
{
	uint8_t buf[256];
	struct mon_hdr h = { .type = t, .len = claimed };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), p, n);
	return mon_parse(r, buf, sizeof(h) + n);
}

START_TEST(test_malformed)
{
	static const uint8_t nul_inside[] = { 's', 3, 0, 0, 0, 'a', 0, 'b', 0 };
	static const uint8_t no_nul[] = { 's', 2, 0, 0, 0, 'a', 'b', 'c' };
	static const uint8_t past_end[] = { 's', 200, 0, 0, 0, 'a', 0 };
	static const uint8_t huge_len[] = { 's', 0xff, 0xff, 0xff, 0xff, 0 };
	static const uint8_t many[] = { 'v', 0xff, 0xff, 0, 0, 's', 0, 0, 0,
	    0, 0 };
	static const uint8_t short_i64[] = { 'i', 1, 2, 3 };
	struct mon_msg r;

	ck_assert_int_eq(mon_msg_init(&r, 0), 0);
	/* the frame */
	ck_assert_int_eq(mon_parse(&r, (const uint8_t *)"abc", 3), -EBADMSG);
	ck_assert_int_eq(parse_raw(&r, 0, "", 0, 0), -EBADMSG);
	ck_assert_int_eq(parse_raw(&r, MON_TYPE_MAX, "", 0, 0), -EBADMSG);
	ck_assert_int_eq(parse_raw(&r, MON_LOCKED, "ab", 2, 3), -EBADMSG);
	ck_assert_int_eq(parse_raw(&r, MON_LOCKED, "ab", 2, 1), -EBADMSG);
	/* the fields */
	ck_assert_int_eq(parse_raw(&r, MON_LOCKED, nul_inside,
	    sizeof(nul_inside), sizeof(nul_inside)), 0);
	ck_assert_ptr_null(mon_get_str(&r, NULL));
	ck_assert_int_eq(mon_get_end(&r), -EBADMSG);
	ck_assert_int_eq(parse_raw(&r, MON_LOCKED, no_nul, sizeof(no_nul),
	    sizeof(no_nul)), 0);
	ck_assert_ptr_null(mon_get_str(&r, NULL));
	ck_assert_int_eq(parse_raw(&r, MON_LOCKED, past_end, sizeof(past_end),
	    sizeof(past_end)), 0);
	ck_assert_ptr_null(mon_get_str(&r, NULL));
	ck_assert_int_eq(parse_raw(&r, MON_LOCKED, huge_len, sizeof(huge_len),
	    sizeof(huge_len)), 0);
	ck_assert_ptr_null(mon_get_str(&r, NULL));
	ck_assert_int_eq(parse_raw(&r, MON_SPAWN, many, sizeof(many),
	    sizeof(many)), 0);
	ck_assert_ptr_null(mon_get_strv(&r));
	ck_assert_int_eq(mon_get_end(&r), -EBADMSG);
	ck_assert_int_eq(parse_raw(&r, MON_SIGNAL, short_i64,
	    sizeof(short_i64), sizeof(short_i64)), 0);
	ck_assert_int_eq(mon_get_i64(&r), 0);
	ck_assert_int_eq(mon_get_end(&r), -EBADMSG);
	mon_msg_free(&r);
}
END_TEST

START_TEST(test_overflow)
{
	struct mon_msg m;
	char *big = malloc(MON_PAYLOAD_MAX + 1);
	int sv[2];

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', MON_PAYLOAD_MAX);
	big[MON_PAYLOAD_MAX] = '\0';
	ck_assert_int_eq(mon_msg_init(&m, MON_PEM_READ), 0);
	mon_put_str(&m, big);
	ck_assert(m.bad);
	/* a bad message is never sent */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	ck_assert_int_eq(mon_send(sv[0], &m), -EMSGSIZE);
	close(sv[0]);
	close(sv[1]);
	mon_msg_free(&m);
	free(big);
}
END_TEST

START_TEST(test_socket)
{
	struct mon_msg m, r;
	int sv[2], p[2], fd;
	char c = 0;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(mon_msg_init(&m, MON_REPLY), 0);
	ck_assert_int_eq(mon_msg_init(&r, 0), 0);
	mon_put_i64(&m, 0);
	mon_put_fd(&m, p[1]);
	ck_assert_int_eq(mon_send(sv[0], &m), 0);
	ck_assert_int_eq(mon_recv(sv[1], &r), 0);
	ck_assert_uint_eq(r.type, MON_REPLY);
	ck_assert_int_eq(mon_get_i64(&r), 0);
	ck_assert_int_eq(mon_get_end(&r), 0);
	fd = mon_take_fd(&r);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(mon_take_fd(&r), -1);
	/* the descriptor that came is the pipe's write end */
	ck_assert_int_eq(write(fd, "z", 1), 1);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(c, 'z');
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	/* a garbage datagram: refused; end of file: -EPIPE */
	ck_assert_int_eq(write(sv[0], "\x01\x02", 2), 2);
	ck_assert_int_eq(mon_recv(sv[1], &r), -EBADMSG);
	close(sv[0]);
	ck_assert_int_eq(mon_recv(sv[1], &r), -EPIPE);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
	mon_msg_free(&m);
	mon_msg_free(&r);
}
END_TEST

/* MON_TERMINATE: a user, a uid, a pid; nothing else passes mon_check */
START_TEST(test_terminate_schema)
{
	struct mon_msg m, r;

	ck_assert_str_eq(mon_schema(MON_TERMINATE), "sii");
	ck_assert_int_eq(mon_msg_init(&m, MON_TERMINATE), 0);
	ck_assert_int_eq(mon_msg_init(&r, 0), 0);
	mon_put_str(&m, "root");
	mon_put_i64(&m, 0);
	mon_put_i64(&m, 4242);
	ck_assert_int_eq(reparse(&m, &r), 0);
	ck_assert_int_eq(mon_check(&r), 0);
	ck_assert_str_eq(mon_get_str(&r, NULL), "root");
	ck_assert_int_eq(mon_get_i64(&r), 0);
	ck_assert_int_eq(mon_get_i64(&r), 4242);
	ck_assert_int_eq(mon_get_end(&r), 0);
	/* no user (an absent string), a field too many, one too few */
	mon_msg_reset(&m, MON_TERMINATE);
	mon_put_str(&m, NULL);
	mon_put_i64(&m, 0);
	mon_put_i64(&m, 4242);
	ck_assert_int_eq(reparse(&m, &r), 0);
	ck_assert_int_eq(mon_check(&r), -EBADMSG);
	mon_msg_reset(&m, MON_TERMINATE);
	mon_put_str(&m, "root");
	mon_put_i64(&m, 0);
	mon_put_i64(&m, 4242);
	mon_put_i64(&m, 9);
	ck_assert_int_eq(reparse(&m, &r), 0);
	ck_assert_int_eq(mon_check(&r), -EBADMSG);
	mon_msg_reset(&m, MON_TERMINATE);
	mon_put_str(&m, "root");
	mon_put_i64(&m, 4242);
	ck_assert_int_eq(reparse(&m, &r), 0);
	ck_assert_int_eq(mon_check(&r), -EBADMSG);
	/* the pid as a string */
	mon_msg_reset(&m, MON_TERMINATE);
	mon_put_str(&m, "root");
	mon_put_i64(&m, 0);
	mon_put_str(&m, "4242");
	ck_assert_int_eq(reparse(&m, &r), 0);
	ck_assert_int_eq(mon_check(&r), -EBADMSG);
	mon_msg_free(&m);
	mon_msg_free(&r);
}
END_TEST

/* bytes with NULs read back; a length past the end is refused */
START_TEST(test_bytes)
{
	struct mon_msg m, r;
	const void *p;
	size_t n;

	ck_assert_int_eq(mon_msg_init(&m, MON_KEEP_ITEM), 0);
	ck_assert_int_eq(mon_msg_init(&r, 0), 0);
	mon_put_bytes(&m, "a\0b", 3);
	mon_put_bytes(&m, NULL, 0);
	ck_assert_int_eq(reparse(&m, &r), 0);
	p = mon_get_bytes(&r, &n);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(n, 3);
	ck_assert_mem_eq(p, "a\0b", 3);
	p = mon_get_bytes(&r, &n);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(mon_get_end(&r), 0);
	/* not a schema the monitor serves */
	ck_assert_int_eq(mon_check(&r), -EBADMSG);
	/* a string is not bytes; a length running past the end */
	mon_msg_reset(&m, MON_KEEP_ITEM);
	mon_put_str(&m, "s");
	ck_assert_int_eq(reparse(&m, &r), 0);
	ck_assert_ptr_null(mon_get_bytes(&r, &n));
	ck_assert_int_eq(mon_get_end(&r), -EBADMSG);
	mon_msg_reset(&m, MON_KEEP_ITEM);
	mon_put_bytes(&m, "abcd", 4);
	m.buf[sizeof(struct mon_hdr) + 1] = 200;	/* length 200 */
	ck_assert_int_eq(reparse(&m, &r), 0);
	ck_assert_ptr_null(mon_get_bytes(&r, &n));
	ck_assert_int_eq(mon_get_end(&r), -EBADMSG);
	mon_msg_free(&m);
	mon_msg_free(&r);
}
END_TEST

static Suite *
monitor_msg_suite(void)
{
	Suite *s = suite_create("monitor_msg");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_wrong_kind);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_overflow);
	tcase_add_test(tc, test_socket);
	tcase_add_test(tc, test_terminate_schema);
	tcase_add_test(tc, test_bytes);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(monitor_msg_suite)
