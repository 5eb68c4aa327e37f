/*
 * idleprio.c: a login check's password hashing at idle priority, promoted
 * when it waits too long.
 *
 * A nice value does not keep a hashing thread from delaying the threads
 * that answer requests: Linux's EEVDF scheduler (6.6 and later) places a
 * woken thread by its lag and lets the running one keep the CPU until the
 * woken one is eligible, which behind nice +10 threads took up to a tick
 * (4 ms) and more during a storm of logins, on the loop thread and on the
 * clients beside it.  A SCHED_IDLE thread is preempted by any other
 * thread that wakes up, at once: a check's hashing then takes only the
 * CPU nothing else wants.
 *
 * Idle priority alone would starve logins on a host kept busy by other
 * work (SCHED_IDLE's weight is 3 against a nice 0 thread's 1024).  So a
 * promoter thread looks at each check every IDLEPRIO_PERIOD_MS: one that
 * got less than IDLEPRIO_STARVED_PCT of a CPU in that time is starved by
 * other work and is raised back to its thread's own priority (the
 * workers': nice +10) until it ends; one that got more is sharing spare
 * CPU time (with the other checks of a storm) and stays idle.  On a busy
 * host a login waits about a period longer than it would have, no more.
 * The share is low (an idle thread beside one busy nice 0 thread gets
 * 0.3%): the checks of a storm share what is left with one another and
 * wait for one another's locks (yescrypt maps and unmaps 16 MiB a hash,
 * under the address space's lock), which is not starvation.  A check
 * preempted while it holds such a lock is starved by definition: its idle
 * priority holds up the lock's other waiters, the monitor's own threads
 * included, for about a period at most.
 *
 * Leaving SCHED_IDLE needs CAP_SYS_NICE or an RLIMIT_NICE that allows the
 * thread's nice value: where neither holds the check runs as before, at
 * the thread's own priority.
 */
#include "build.h"

#include <errno.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "idleprio.h"
#include "log.h"

struct sched_attr_v1 {	/* struct sched_attr of <linux/sched/types.h> */
	uint32_t	size, sched_policy;
	uint64_t	sched_flags;
	int32_t		sched_nice;
	uint32_t	sched_priority;
	uint64_t	sched_runtime, sched_deadline, sched_period;
};

/* a thread in a check: its own priority, its CPU time at the last look */
struct waiter {
	pid_t			 tid;
	struct sched_attr_v1	 own;
	clockid_t		 cpu;
	uint64_t		 look_ns;	/* the last look (the next is a
						 * period on), */
	uint64_t		 cpu_ns;	/* and its CPU time then */
	bool			 promoted;
	struct waiter		*next;
};

static struct {
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	struct waiter	*head;
	pid_t		 promoter_pid;	/* the process whose promoter runs */
	bool		 broken_logged;
} P = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* the calling thread's, while it is in a check */
static __thread struct waiter self;
static __thread bool in_check;

static int
attr_get(pid_t tid, struct sched_attr_v1 *a)
{
	return (int)syscall(SYS_sched_getattr, tid, a, sizeof(*a), 0);
}

static int
attr_set(pid_t tid, const struct sched_attr_v1 *a)
{
	return (int)syscall(SYS_sched_setattr, tid, a, 0);
}

#define PERIOD_NS	((uint64_t)IDLEPRIO_PERIOD_MS * 1000000u)

/* the clock's time in ns, or 0 */
static uint64_t
clock_ns(clockid_t clock)
{
	struct timespec t;

	if (clock_gettime(clock, &t) < 0)
		return 0;
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* did the waiter get less than its share of a CPU since the last look? */
static bool
starved(struct waiter *w, uint64_t now)
{
	uint64_t cpu = clock_ns(w->cpu), used = cpu - w->cpu_ns;
	uint64_t wall = now - w->look_ns;

	w->cpu_ns = cpu;
	w->look_ns = now;
	return cpu == 0 || used * 100 < wall * IDLEPRIO_STARVED_PCT;
}

/* looks at every waiter whose time is up; when the earliest still to
 * come is (0: none) */
static uint64_t
promote_due(uint64_t now)
{
	uint64_t next = 0;

	for (struct waiter *w = P.head; w != NULL; w = w->next) {
		if (w->promoted)
			continue;
		/* (one sharing spare time is looked at again a period on:
		 * starved() moved its last look) */
		if (now >= w->look_ns + PERIOD_NS && starved(w, now)) {
			if (attr_set(w->tid, &w->own) < 0 && !P.broken_logged) {
				P.broken_logged = true;
				log_warn("login check of thread %d left at idle "
				    "priority: sched_setattr: %m", (int)w->tid);
			}
			w->promoted = true;
			continue;
		}
		if (next == 0 || w->look_ns + PERIOD_NS < next)
			next = w->look_ns + PERIOD_NS;
	}
	return next;
}

static void *
promoter(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&P.lock);
	for (;;) {
		uint64_t next = promote_due(clock_ns(CLOCK_MONOTONIC));

		if (next != 0) {
			struct timespec t = {
				.tv_sec = (time_t)(next / 1000000000u),
				.tv_nsec = (long)(next % 1000000000u),
			};

			pthread_cond_timedwait(&P.cond, &P.lock, &t);
		} else
			pthread_cond_wait(&P.cond, &P.lock);
	}
	return NULL;
}

/* the promoter of this process (a fork has none): with P.lock held */
static bool
promoter_running(void)
{
	pthread_condattr_t ca;
	pthread_attr_t ta;
	pthread_t t;
	bool ok;

	if (P.promoter_pid == getpid())
		return true;
	/* a fork's child: its parent's waiters are not its own */
	P.head = NULL;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&P.cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_attr_init(&ta);
	pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
	ok = pthread_create(&t, &ta, promoter, NULL) == 0;
	pthread_attr_destroy(&ta);
	if (ok)
		P.promoter_pid = getpid();
	return ok;
}

/* may this thread come back from SCHED_IDLE to its nice value? */
static bool
may_leave_idle(int nice)
{
	struct rlimit rl;

	if (geteuid() == 0)
		return true;
	return getrlimit(RLIMIT_NICE, &rl) == 0 &&
	    (rl.rlim_cur == RLIM_INFINITY || (rlim_t)(20 - nice) <= rl.rlim_cur);
}

bool
idleprio_begin(void)
{
	struct waiter *w = &self;
	struct sched_attr_v1 idle;

	if (in_check)
		return false;
	w->tid = gettid();
	if (attr_get(0, &w->own) < 0 || w->own.sched_policy != SCHED_OTHER ||
	    !may_leave_idle(w->own.sched_nice))
		return false;
	w->own.size = sizeof(w->own);
	w->own.sched_flags = SCHED_FLAG_RESET_ON_FORK;
	idle = w->own;
	idle.sched_policy = SCHED_IDLE;
	if (pthread_getcpuclockid(pthread_self(), &w->cpu) != 0 ||
	    (w->cpu_ns = clock_ns(w->cpu)) == 0)
		return false;
	w->look_ns = clock_ns(CLOCK_MONOTONIC);
	w->promoted = false;
	/*
	 * The lock is taken at the thread's own priority only: an idle
	 * thread preempted holding it would hold up the promoter.  The
	 * promoter first: a thread made by an idle one would be idle.
	 */
	pthread_mutex_lock(&P.lock);
	if (!promoter_running()) {
		pthread_mutex_unlock(&P.lock);
		return false;
	}
	w->next = P.head;
	P.head = w;
	pthread_cond_signal(&P.cond);
	pthread_mutex_unlock(&P.lock);
	in_check = true;
	if (attr_set(0, &idle) < 0) {
		idleprio_end();
		return false;
	}
	return true;
}

void
idleprio_end(void)
{
	struct waiter *w = &self;

	if (!in_check)
		return;
	in_check = false;
	/* its own priority first (promoted or not: the promoter may have
	 * failed), then the lock */
	if (attr_set(0, &w->own) < 0)
		log_warn("login check: cannot leave idle priority: "
		    "sched_setattr: %m");
	pthread_mutex_lock(&P.lock);
	for (struct waiter **pp = &P.head; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	pthread_mutex_unlock(&P.lock);
}
