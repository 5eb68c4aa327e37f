/*
 * check_reactor.c: the event loop.  Timers fire, in deadline order, and can
 * be stopped (also from another timer due at the same time); fd watches
 * fire; a callback may remove its own watch and another one of the same
 * batch; reactor_post() from another thread runs on the loop thread;
 * reactor_run_until() returns on done() or its deadline.  Every test arms
 * a watchdog timer so that a broken loop fails instead of hanging.
 */
#include "build.h"

#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "reactor.h"
#include "unit.h"

#define WATCHDOG_MS	3000

static struct winrmd_timer *watchdog;
static bool watchdog_fired;

static void
watchdog_fire(void *arg)
{
	(void)arg;
	watchdog = NULL;
	watchdog_fired = true;
	reactor_stop();
}

static void
setup(void)
{
	ck_assert_int_eq(reactor_init(), 0);
	watchdog_fired = false;
	watchdog = reactor_timer(WATCHDOG_MS, watchdog_fire, NULL);
	ck_assert_ptr_nonnull(watchdog);
}

static void
teardown(void)
{
	reactor_timer_stop(watchdog);
	watchdog = NULL;
	reactor_fini();
}

/* runs the loop until something calls reactor_stop() */
static void
run_loop(void)
{
	ck_assert_int_eq(reactor_run(), 0);
	ck_assert_msg(!watchdog_fired, "the watchdog stopped the loop");
}

static void
stop_cb(void *arg)
{
	(void)arg;
	reactor_stop();
}

/* --- timers --- */

static int fired_count;

static void
count_and_stop(void *arg)
{
	fired_count++;
	*(uint64_t *)arg = reactor_now_ms();
	reactor_stop();
}

START_TEST(test_init_fini)
{
	/* setup() did reactor_init(); a second cycle works as well */
	reactor_timer_stop(watchdog);
	watchdog = NULL;
	reactor_fini();
	ck_assert_int_eq(reactor_init(), 0);
	ck_assert_uint_gt(reactor_now_ms(), 0);
	ck_assert_uint_ge(reactor_now_us() / 1000, reactor_now_ms() - 1);
}
END_TEST

START_TEST(test_timer_fires)
{
	uint64_t start = reactor_now_ms(), when = 0;

	fired_count = 0;
	ck_assert_ptr_nonnull(reactor_timer(20, count_and_stop, &when));
	run_loop();
	ck_assert_int_eq(fired_count, 1);
	ck_assert_uint_ge(when, start + 20);
	ck_assert_uint_lt(when, start + WATCHDOG_MS);
}
END_TEST

START_TEST(test_timer_zero)
{
	uint64_t when = 0;

	fired_count = 0;
	ck_assert_ptr_nonnull(reactor_timer(0, count_and_stop, &when));
	run_loop();
	ck_assert_int_eq(fired_count, 1);
}
END_TEST

#define NTIMERS	40

static int order[NTIMERS];
static int norder;

static void
record(void *arg)
{
	order[norder++] = (int)(intptr_t)arg;
	if (norder == NTIMERS)
		reactor_stop();
}

START_TEST(test_timer_order)
{
	/*
	 * created in a scrambled order, deadlines 3 ms apart: fire in
	 * deadline order.  The deadlines are counted from one start, so a
	 * stall while the timers are created (a loaded machine) does not
	 * reorder them; 50 ms of slack before the first.
	 */
	uint64_t t0 = reactor_now_ms();

	norder = 0;
	for (int i = 0; i < NTIMERS; i++) {
		int k = (i * 17 + 5) % NTIMERS;	/* a permutation of 0..39 */
		uint64_t due = t0 + 50 + (uint64_t)k * 3, now = reactor_now_ms();

		ck_assert_msg(now < due, "creating the timers took over 50 ms");
		ck_assert_ptr_nonnull(reactor_timer(due - now, record,
		    (void *)(intptr_t)k));
	}
	run_loop();
	ck_assert_int_eq(norder, NTIMERS);
	for (int i = 0; i < NTIMERS; i++)
		ck_assert_msg(order[i] == i, "timer %d fired as number %d",
		    order[i], i);
}
END_TEST

static bool flag_a, flag_b;

static void
set_flag(void *arg)
{
	*(bool *)arg = true;
}

START_TEST(test_timer_stop)
{
	struct winrmd_timer *a, *b, *c;

	flag_a = flag_b = false;
	a = reactor_timer(10, set_flag, &flag_a);
	b = reactor_timer(5, set_flag, &flag_b);
	c = reactor_timer(30, set_flag, &flag_b);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(c);
	reactor_timer_stop(a);
	reactor_timer_stop(c);
	reactor_timer_stop(NULL);
	ck_assert_ptr_nonnull(reactor_timer(60, stop_cb, NULL));
	run_loop();
	ck_assert_msg(!flag_a, "a stopped timer fired");
	ck_assert_msg(flag_b, "the other timer did not fire");
}
END_TEST

/* two timers due together: whichever fires first stops the other */
static struct winrmd_timer *pair[2];
static int pair_fired;

static void
stop_partner(void *arg)
{
	int me = (int)(intptr_t)arg;

	pair_fired++;
	pair[me] = NULL;
	reactor_timer_stop(pair[1 - me]);
	pair[1 - me] = NULL;
}

START_TEST(test_timer_stop_from_timer)
{
	pair_fired = 0;
	/* more timers around them so that the heap has to re-order */
	for (int i = 0; i < 10; i++)
		ck_assert_ptr_nonnull(reactor_timer(5 + (uint64_t)i, set_flag,
		    &flag_a));
	pair[0] = reactor_timer(10, stop_partner, (void *)0);
	pair[1] = reactor_timer(10, stop_partner, (void *)1);
	ck_assert_ptr_nonnull(reactor_timer(50, stop_cb, NULL));
	run_loop();
	ck_assert_int_eq(pair_fired, 1);
}
END_TEST

/* --- watches --- */

struct piped {
	int			 fd[2];
	struct winrmd_watch	*w;
	int			 calls;
	char			 got[16];
};

static void
pipe_open(struct piped *p)
{
	memset(p, 0, sizeof(*p));
	ck_assert_int_eq(pipe2(p->fd, O_NONBLOCK | O_CLOEXEC), 0);
}

static void
pipe_close(struct piped *p)
{
	reactor_watch_remove(p->w);
	close(p->fd[0]);
	close(p->fd[1]);
}

static void
read_and_stop(int fd, uint32_t events, void *arg)
{
	struct piped *p = arg;
	ssize_t n;

	ck_assert_int_eq(fd, p->fd[0]);
	ck_assert(events & WINRMD_IN);
	p->calls++;
	n = read(fd, p->got, sizeof(p->got) - 1);
	ck_assert_int_gt(n, 0);
	p->got[n] = '\0';
	reactor_stop();
}

START_TEST(test_watch_pipe)
{
	struct piped p;

	pipe_open(&p);
	p.w = reactor_watch(p.fd[0], WINRMD_IN, read_and_stop, &p);
	ck_assert_ptr_nonnull(p.w);
	/* nothing written yet: only the timer ends the loop */
	ck_assert_ptr_nonnull(reactor_timer(30, stop_cb, NULL));
	run_loop();
	ck_assert_int_eq(p.calls, 0);
	ck_assert_int_eq(write(p.fd[1], "hello", 5), 5);
	run_loop();
	ck_assert_int_eq(p.calls, 1);
	ck_assert_str_eq(p.got, "hello");
	pipe_close(&p);
}
END_TEST

static void
write_later(void *arg)
{
	struct piped *p = arg;

	ck_assert_int_eq(write(p->fd[1], "x", 1), 1);
}

START_TEST(test_watch_set)
{
	struct piped p;

	pipe_open(&p);
	p.w = reactor_watch(p.fd[0], 0, read_and_stop, &p);
	ck_assert_ptr_nonnull(p.w);
	ck_assert_int_eq(write(p.fd[1], "y", 1), 1);
	/* not interested: not called */
	ck_assert_ptr_nonnull(reactor_timer(30, stop_cb, NULL));
	run_loop();
	ck_assert_int_eq(p.calls, 0);
	ck_assert_int_eq(reactor_watch_set(p.w, WINRMD_IN), 0);
	ck_assert_ptr_nonnull(reactor_timer(10, write_later, &p));
	run_loop();
	ck_assert_int_eq(p.calls, 1);
	pipe_close(&p);
}
END_TEST

START_TEST(test_watch_bad_fd)
{
	ck_assert_ptr_null(reactor_watch(-1, WINRMD_IN, read_and_stop, NULL));
}
END_TEST

/* both pipes readable at once; the first callback removes both watches */
static struct piped two[2];
static int two_calls;

static void
remove_both(int fd, uint32_t events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	two_calls++;
	reactor_watch_remove(two[0].w);
	reactor_watch_remove(two[1].w);
	/* removing twice is harmless */
	reactor_watch_remove(two[0].w);
	reactor_watch_remove(NULL);
	two[0].w = two[1].w = NULL;
	reactor_stop();
}

START_TEST(test_watch_remove_in_batch)
{
	two_calls = 0;
	for (int i = 0; i < 2; i++) {
		pipe_open(&two[i]);
		two[i].w = reactor_watch(two[i].fd[0], WINRMD_IN, remove_both,
		    &two[i]);
		ck_assert_ptr_nonnull(two[i].w);
		ck_assert_int_eq(write(two[i].fd[1], "z", 1), 1);
	}
	run_loop();
	ck_assert_int_eq(two_calls, 1);
	/* still readable, but nobody watches: the timer ends the loop */
	ck_assert_ptr_nonnull(reactor_timer(30, stop_cb, NULL));
	run_loop();
	ck_assert_int_eq(two_calls, 1);
	pipe_close(&two[0]);
	pipe_close(&two[1]);
}
END_TEST

/* a callback that removes its own watch and closes the fd */
static void
remove_self(int fd, uint32_t events, void *arg)
{
	struct piped *p = arg;

	(void)events;
	p->calls++;
	reactor_watch_remove(p->w);
	p->w = NULL;
	close(fd);
	p->fd[0] = -1;
}

START_TEST(test_watch_remove_self)
{
	struct piped p;

	pipe_open(&p);
	p.w = reactor_watch(p.fd[0], WINRMD_IN, remove_self, &p);
	ck_assert_int_eq(write(p.fd[1], "q", 1), 1);
	ck_assert_ptr_nonnull(reactor_timer(40, stop_cb, NULL));
	run_loop();
	ck_assert_int_eq(p.calls, 1);
	close(p.fd[1]);
}
END_TEST

/* --- posts from other threads --- */

static pthread_t loop_thread, posted_on;
static int posted;

static void
on_loop(void *arg)
{
	posted_on = pthread_self();
	posted += (int)(intptr_t)arg;
	if (posted == 1 + 2 + 3)
		reactor_stop();
}

static void *
poster(void *arg)
{
	(void)arg;
	usleep(10000);	/* let the loop block in epoll_wait first */
	for (intptr_t i = 1; i <= 3; i++)
		if (reactor_post(on_loop, (void *)i) != 0)
			return (void *)1;
	return NULL;
}

START_TEST(test_post_from_thread)
{
	pthread_t t;
	void *ret = NULL;

	posted = 0;
	loop_thread = pthread_self();
	ck_assert_int_eq(pthread_create(&t, NULL, poster, NULL), 0);
	run_loop();
	ck_assert_int_eq(pthread_join(t, &ret), 0);
	ck_assert_ptr_null(ret);
	ck_assert_int_eq(posted, 6);
	ck_assert_msg(pthread_equal(posted_on, loop_thread),
	    "the posted function ran on another thread");
}
END_TEST

/* a post that is never run is freed by reactor_fini (valgrind) */
START_TEST(test_post_unrun)
{
	ck_assert_int_eq(reactor_post(on_loop, (void *)100), 0);
}
END_TEST

/* --- run_until --- */

static int ticks;

static bool
three_ticks(void)
{
	return ticks >= 3;
}

static bool
never(void)
{
	return false;
}

static void
tick(void *arg)
{
	(void)arg;
	ticks++;
}

START_TEST(test_run_until_done)
{
	uint64_t start = reactor_now_ms();

	ticks = 0;
	/*
	 * Three timers due soon and two due well after: a loop that wakes
	 * late on a busy machine may run the first three together, but it
	 * must stop before the fourth (at 1.5 s) once the third has run.
	 */
	for (int i = 1; i <= 5; i++)
		ck_assert_ptr_nonnull(reactor_timer(i <= 3 ? (uint64_t)i * 10 :
		    1500 + (uint64_t)i, tick, NULL));
	reactor_run_until(3000, three_ticks);
	ck_assert_int_eq(ticks, 3);
	ck_assert_uint_lt(reactor_now_ms() - start, 1500);
	ck_assert(!watchdog_fired);
}
END_TEST

START_TEST(test_run_until_deadline)
{
	uint64_t start = reactor_now_ms(), took;

	reactor_run_until(50, never);
	took = reactor_now_ms() - start;
	ck_assert_uint_ge(took, 50);
	ck_assert_uint_lt(took, 1000);
	/* with no predicate at all */
	start = reactor_now_ms();
	reactor_run_until(20, NULL);
	ck_assert_uint_ge(reactor_now_ms() - start, 20);
	ck_assert(!watchdog_fired);
}
END_TEST

/* --- prepare hook --- */

static int prepared;

static uint64_t
prepare_cb(void *arg)
{
	(void)arg;
	if (++prepared == 3)
		reactor_stop();
	return 5;	/* wake up again in 5 ms */
}

START_TEST(test_prepare)
{
	prepared = 0;
	reactor_set_prepare(prepare_cb, NULL);
	run_loop();
	reactor_set_prepare(NULL, NULL);
	ck_assert_int_eq(prepared, 3);
}
END_TEST

static Suite *
reactor_suite(void)
{
	Suite *s = suite_create("reactor");
	TCase *tc = tcase_create("timers");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_init_fini);
	tcase_add_test(tc, test_timer_fires);
	tcase_add_test(tc, test_timer_zero);
	tcase_add_test(tc, test_timer_order);
	tcase_add_test(tc, test_timer_stop);
	tcase_add_test(tc, test_timer_stop_from_timer);
	suite_add_tcase(s, tc);

	tc = tcase_create("watches");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_watch_pipe);
	tcase_add_test(tc, test_watch_set);
	tcase_add_test(tc, test_watch_bad_fd);
	tcase_add_test(tc, test_watch_remove_in_batch);
	tcase_add_test(tc, test_watch_remove_self);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_post_from_thread);
	tcase_add_test(tc, test_post_unrun);
	tcase_add_test(tc, test_run_until_done);
	tcase_add_test(tc, test_run_until_deadline);
	tcase_add_test(tc, test_prepare);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(reactor_suite)
