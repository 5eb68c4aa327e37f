/*
 * check_psrp_outq.c: what a runspace pool or pipeline sends
 * (plugins/shell/psrp_outq.c).  Messages keep their order and get the
 * pool's ObjectIds one after another; packed into Receives of any room,
 * every Receive holds whole fragments that fit, a message larger than the
 * room spans several, and the client's defragmenter gets back exactly the
 * messages queued, addressed to the pool and pipeline they belong to.
 */
#include "build.h"

#include "psrp.h"
#include "unit.h"

static const struct psrp_guid pool_id = { { 0x11, 0x11, 0x11, 0x11, 0x22,
    0x22, 0x33, 0x33, 0x44, 0x44, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55 } };
static const struct psrp_guid pipe_id = { { 0xAA, 0, 0, 1, 0, 2, 0, 3, 0, 4,
    0, 0, 0, 0, 0, 5 } };

/* packs q into Receives of room bytes until empty; feeds d; the count */
static unsigned
drain(struct psrp_outq *q, size_t room, struct psrp_defrag *d)
{
	uint8_t *buf = malloc(room);
	unsigned receives = 0;
	size_t n;

	ck_assert_ptr_nonnull(buf);
	while (q->head != NULL) {
		n = psrp_outq_pack(q, buf, room);
		ck_assert_msg(n > 0, "nothing packed into %zu bytes", room);
		ck_assert_uint_le(n, room);
		ck_assert_int_eq(psrp_defrag_feed(d, buf, n), 0);
		receives++;
	}
	ck_assert_uint_eq(q->bytes, 0);
	ck_assert_ptr_null(q->tail);
	free(buf);
	return receives;
}

/* the next message d has: its type, ids and body */
static char *
next(struct psrp_defrag *d, uint32_t type, uint64_t object_id,
    const struct psrp_guid *pid)
{
	struct psrp_msg m;
	uint64_t oid;
	uint8_t *msg;
	size_t len;
	char *body;

	ck_assert_int_eq(psrp_defrag_next(d, &msg, &len, &oid), 1);
	ck_assert_uint_eq(oid, object_id);
	ck_assert_int_eq(psrp_msg_decode(msg, len, &m), 0);
	ck_assert_uint_eq(m.pm_destination, PSRP_DEST_CLIENT);
	ck_assert_uint_eq(m.pm_type, type);
	ck_assert(psrp_guid_equal(&m.pm_rpid, &pool_id));
	if (pid != NULL)
		ck_assert(psrp_guid_equal(&m.pm_pid, pid));
	else
		ck_assert(psrp_guid_is_nil(&m.pm_pid));
	body = strndup((const char *)m.pm_data, m.pm_len);
	free(msg);
	return body;
}

START_TEST(order_ids_and_rooms)
{
	static const size_t rooms[] = { 64, 100, 1000, 65536 };

	for (size_t r = 0; r < sizeof(rooms) / sizeof(rooms[0]); r++) {
		struct psrp_pool pool = { .rpid = pool_id };
		struct psrp_outq pq = { 0 }, lq = { 0 };
		struct psrp_defrag *d = psrp_defrag_new(1 << 20);
		char big[5000], *b;

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		/* the pool's and a pipeline's queues share the ObjectIds */
		ck_assert_int_eq(psrp_queue(&pool, &pq, PSRP_SESSION_CAPABILITY,
		    NULL, psrp_build_capability()), 0);
		ck_assert_int_eq(psrp_queue(&pool, &lq, PSRP_PIPELINE_OUTPUT,
		    &pipe_id, clixml_new_string("line one")), 0);
		ck_assert_int_eq(psrp_queue(&pool, &pq, PSRP_RUNSPACEPOOL_STATE,
		    NULL, psrp_build_pool_state(PSRP_POOL_OPENED, NULL)), 0);
		ck_assert_int_eq(psrp_queue(&pool, &lq, PSRP_PIPELINE_OUTPUT,
		    &pipe_id, clixml_new_string(big)), 0);
		ck_assert_int_eq(psrp_queue(&pool, &lq, PSRP_PIPELINE_STATE,
		    &pipe_id, psrp_build_pipeline_state(PSRP_PIPELINE_COMPLETED,
		    NULL)), 0);
		ck_assert_uint_eq(pool.next_object, 5);
		ck_assert_uint_gt(pq.bytes, 0);

		drain(&pq, rooms[r], d);
		b = next(d, PSRP_SESSION_CAPABILITY, 1, NULL);
		ck_assert_ptr_nonnull(strstr(b, "protocolversion"));
		free(b);
		b = next(d, PSRP_RUNSPACEPOOL_STATE, 3, NULL);
		ck_assert_ptr_nonnull(strstr(b, ">2</I32>"));
		free(b);

		{
			unsigned n = drain(&lq, rooms[r], d);

			/* 5 KB of output cannot fit in one small Receive */
			if (rooms[r] < 1000)
				ck_assert_uint_gt(n, 5);
			else if (rooms[r] == 65536)
				ck_assert_uint_eq(n, 1);
		}
		b = next(d, PSRP_PIPELINE_OUTPUT, 2, &pipe_id);
		ck_assert_str_eq(b, "<S>line one</S>");
		free(b);
		b = next(d, PSRP_PIPELINE_OUTPUT, 4, &pipe_id);
		ck_assert_uint_eq(strlen(b), strlen(big) + 7);
		free(b);
		b = next(d, PSRP_PIPELINE_STATE, 5, &pipe_id);
		ck_assert_ptr_nonnull(strstr(b, ">4</I32>"));
		free(b);
		ck_assert(!psrp_defrag_partial(d));
		psrp_defrag_free(d);
	}
}
END_TEST

START_TEST(no_room)
{
	struct psrp_pool pool = { .rpid = pool_id };
	struct psrp_outq q = { 0 };
	uint8_t buf[PSRP_FRAG_HEADER];

	ck_assert_int_eq(psrp_queue(&pool, &q, PSRP_PIPELINE_OUTPUT, &pipe_id,
	    clixml_new_string("x")), 0);
	/* a header alone has no room for a byte: nothing, and nothing lost */
	ck_assert_uint_eq(psrp_outq_pack(&q, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(q.head);
	/* a builder that failed queues nothing */
	ck_assert_int_eq(psrp_queue(&pool, &q, PSRP_PIPELINE_OUTPUT, &pipe_id,
	    NULL), -ENOMEM);
	ck_assert_ptr_eq(q.head, q.tail);
	psrp_outq_clear(&q);
	ck_assert_ptr_null(q.head);
	ck_assert_uint_eq(q.bytes, 0);
}
END_TEST

static Suite *
psrp_outq_suite(void)
{
	Suite *s = suite_create("psrp_outq");
	TCase *tc = tcase_create("outq");

	tcase_add_test(tc, order_ids_and_rooms);
	tcase_add_test(tc, no_room);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(psrp_outq_suite)
