/*
 * check_addrcount.c: the client keys of MaxConnectionsPerIP (addr_key):
 * IPv4 and IPv4-mapped IPv6 whole, other IPv6 addresses cut to their
 * prefix (a /64 is one client); their names for the log; and the counting
 * table: counts, release, deletion that keeps probe chains intact, a full
 * table that refuses instead of growing.
 */
#include "build.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>

#include "addrcount.h"
#include "unit.h"

static void
key_of(const char *ip, unsigned prefix, unsigned char key[ADDR_KEY_LEN])
{
	struct sockaddr_in s4 = { .sin_family = AF_INET };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };

	if (inet_pton(AF_INET, ip, &s4.sin_addr) == 1)
		addr_key((struct sockaddr *)&s4, prefix, key);
	else {
		ck_assert_msg(inet_pton(AF_INET6, ip, &s6.sin6_addr) == 1,
		    "%s is not an address", ip);
		addr_key((struct sockaddr *)&s6, prefix, key);
	}
}

static bool
same_client(const char *a, const char *b, unsigned prefix)
{
	unsigned char ka[ADDR_KEY_LEN], kb[ADDR_KEY_LEN];

	key_of(a, prefix, ka);
	key_of(b, prefix, kb);
	return memcmp(ka, kb, ADDR_KEY_LEN) == 0;
}

static void
expect_name(const char *ip, unsigned prefix, const char *want)
{
	unsigned char key[ADDR_KEY_LEN];
	char name[64];

	key_of(ip, prefix, key);
	addr_key_name(key, prefix, name, sizeof(name));
	ck_assert_str_eq(name, want);
}

START_TEST(test_ipv6_prefix)
{
	/* one /64: the same client, whatever the interface identifier */
	ck_assert(same_client("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", 64));
	ck_assert(same_client("2001:db8:1:2::1", "2001:db8:1:2:1234:5678:9abc:def0", 64));
	ck_assert(!same_client("2001:db8:1:2::1", "2001:db8:1:3::1", 64));
	/* other prefix lengths, also not on a byte boundary */
	ck_assert(same_client("2001:db8:1:2::1", "2001:db8:1:3::1", 56));
	ck_assert(!same_client("2001:db8:1:2::1", "2001:db8:1:102::1", 56));
	ck_assert(same_client("2001:db8:1:2::1", "2001:db8:1:3::1", 63));
	ck_assert(!same_client("2001:db8:1:2::1", "2001:db8:1:4::1", 63));
	ck_assert(!same_client("2001:db8:1:2::1", "2001:db8:1:2::2", 128));
	ck_assert(same_client("2001:db8:1:2::1", "2001:db8:1:2::1", 128));
	/* 0 or more than 128: the whole address */
	ck_assert(!same_client("2001:db8:1:2::1", "2001:db8:1:2::2", 0));
	ck_assert(!same_client("2001:db8:1:2::1", "2001:db8:1:2::2", 200));
}
END_TEST

START_TEST(test_ipv4_whole)
{
	/* IPv4 is never cut; an IPv4-mapped IPv6 address is the same client */
	ck_assert(!same_client("192.0.2.1", "192.0.2.2", 64));
	ck_assert(!same_client("192.0.2.1", "192.0.2.2", 32));
	ck_assert(same_client("192.0.2.1", "::ffff:192.0.2.1", 64));
	ck_assert(!same_client("::ffff:192.0.2.1", "::ffff:192.0.2.2", 64));
	/* and never the IPv6 /64 that holds ::ffff:0:0/96 */
	ck_assert(!same_client("::ffff:192.0.2.1", "::1", 64));
	ck_assert(!same_client("127.0.0.1", "::1", 64));
}
END_TEST

START_TEST(test_names)
{
	expect_name("192.0.2.7", 64, "192.0.2.7");
	expect_name("::ffff:192.0.2.7", 64, "192.0.2.7");
	expect_name("2001:db8:1:2:abcd::1", 64, "2001:db8:1:2::/64");
	expect_name("2001:db8:1:2:abcd::1", 48, "2001:db8:1::/48");
	expect_name("2001:db8:1:2:abcd::1", 128, "2001:db8:1:2:abcd::1");
	expect_name("::1", 64, "::/64");
}
END_TEST

START_TEST(test_counting)
{
	unsigned char a[ADDR_KEY_LEN], b[ADDR_KEY_LEN];

	key_of("2001:db8:1:2::1", 64, a);
	key_of("2001:db8:1:2::99", 64, b);	/* the same client */
	ck_assert_uint_eq(addr_count(a), 0);
	ck_assert_int_eq(addr_take(a), 0);
	ck_assert_int_eq(addr_take(b), 0);
	ck_assert_uint_eq(addr_count(a), 2);
	addr_release(a);
	ck_assert_uint_eq(addr_count(b), 1);
	addr_release(b);
	ck_assert_uint_eq(addr_count(a), 0);
}
END_TEST

/* many clients in one table: every count right after deletions in any order */
START_TEST(test_table)
{
	enum { N = 3000 };
	static unsigned char keys[N][ADDR_KEY_LEN];
	unsigned char extra[ADDR_KEY_LEN];

	for (unsigned i = 0; i < N; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "10.%u.%u.%u", i >> 16, (i >> 8) & 255,
		    i & 255);
		key_of(ip, 64, keys[i]);
		for (unsigned k = 0; k <= i % 3; k++)
			ck_assert_int_eq(addr_take(keys[i]), 0);
	}
	/* release every other client, then check all */
	for (unsigned i = 0; i < N; i += 2)
		for (unsigned k = 0; k <= i % 3; k++)
			addr_release(keys[i]);
	for (unsigned i = 0; i < N; i++)
		ck_assert_uint_eq(addr_count(keys[i]), i % 2 ? i % 3 + 1 : 0);
	for (unsigned i = 1; i < N; i += 2)
		for (unsigned k = 0; k <= i % 3; k++)
			addr_release(keys[i]);
	for (unsigned i = 0; i < N; i++)
		ck_assert_uint_eq(addr_count(keys[i]), 0);

	/* a full table refuses a new client and counts nothing */
	for (unsigned i = 0; i < 4096; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "10.200.%u.%u", i >> 8, i & 255);
		key_of(ip, 64, keys[i % N]);
		ck_assert_int_eq(addr_take(keys[i % N]), 0);
	}
	key_of("192.0.2.1", 64, extra);
	ck_assert(!addr_room(extra));
	ck_assert_int_eq(addr_take(extra), -1);
	ck_assert_uint_eq(addr_count(extra), 0);
}
END_TEST

static Suite *
addrcount_suite(void)
{
	Suite *s = suite_create("addrcount");
	TCase *tc = tcase_create("keys");

	tcase_add_test(tc, test_ipv6_prefix);
	tcase_add_test(tc, test_ipv4_whole);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("table");
	tcase_add_test(tc, test_counting);
	tcase_add_test(tc, test_table);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(addrcount_suite)
