/*
 * worker.c: one thread per BMC does every BMC call, so that the event
 * loop never waits for a BMC, and the calls to one BMC (and to
 * libipmimonitoring, whose context is this thread's own) are serialised.
 *
 * The loop thread queues jobs (a refresh of a data kind, a Chassis
 * Control); the thread runs them one at a time, appends the results to a
 * list and posts one deliver() to the loop thread (svc->post) for any
 * number of results.
 *
 * Stopping (fini) must not hang on a BMC that does not answer: stop sets
 * `stopped' (no deliver() runs after it returns), waits a little for the
 * thread, and detaches it if it is still inside a BMC call.  The thread
 * then frees the worker itself when the call returns (bounded by
 * TimeoutSeconds, or process exit).  The provider's shared object is
 * pinned in memory (provider.c), so a detached thread never runs code
 * that was unmapped.  Whoever is last frees the worker: stop (thread
 * ended, no post queued), the thread (stopped and detached, no post
 * queued), or a queued post that runs after stop.  A post that the cim
 * plugin drops at shutdown without running it leaves the worker to
 * process exit; it stays reachable from `leftover' for leak checkers.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipmi.h"

struct ipmi_worker {
	pthread_mutex_t		 lock;
	pthread_cond_t		 wake;		/* jobs or quit, for the thread */
	pthread_cond_t		 ended;		/* the thread is leaving */
	pthread_t		 thread;
	const struct cim_services *svc;
	const struct ipmi_backend *be;
	struct bmc_conf		 conf;
	void			(*deliver)(void *arg, struct ipmi_result *list);
	void			*arg;
	/* under lock */
	unsigned		 want;		/* bits 1 << JOB_x */
	bool			 power_queued;
	int			 power_control;
	uint64_t		 power_id;
	bool			 power_running;
	struct ipmi_result	*results, **tail;
	bool			 posted;	/* a deliver post is queued */
	bool			 quit;
	bool			 stopped;	/* no deliver() any more */
	bool			 running;	/* the thread has not ended */
	bool			 detached;
	struct ipmi_worker	*next_leftover;
};

static pthread_mutex_t leftover_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ipmi_worker *leftover;

void
ipmi_result_free(struct ipmi_result *r)
{
	while (r != NULL) {
		struct ipmi_result *next = r->next;

		ipmi_sensors_free(&r->sensors);
		ipmi_sel_free(&r->sel);
		free(r);
		r = next;
	}
}

static void
worker_free(struct ipmi_worker *w)
{
	ipmi_result_free(w->results);
	explicit_bzero(w->conf.password, sizeof(w->conf.password));
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->ended);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

static void
keep_leftover(struct ipmi_worker *w)
{
	pthread_mutex_lock(&leftover_lock);
	w->next_leftover = leftover;
	leftover = w;
	pthread_mutex_unlock(&leftover_lock);
}

/* the loop thread: hands the results over */
static void
worker_post(void *arg)
{
	struct ipmi_worker *w = arg;
	struct ipmi_result *list;
	bool stopped, free_it;

	pthread_mutex_lock(&w->lock);
	list = w->results;
	w->results = NULL;
	w->tail = &w->results;
	w->posted = false;
	stopped = w->stopped;
	free_it = stopped && !w->running;
	pthread_mutex_unlock(&w->lock);
	if (stopped) {
		ipmi_result_free(list);
		if (free_it)
			worker_free(w);
		return;
	}
	if (list != NULL)
		w->deliver(w->arg, list);
}

static struct ipmi_result *
run_job(struct ipmi_worker *w, void **bp, enum ipmi_job job, int control,
    uint64_t id)
{
	struct ipmi_result *r = calloc(1, sizeof(*r));
	char *err;
	size_t len;
	int rc = -1;

	if (r == NULL)
		return NULL;
	r->job = job;
	r->id = id;
	err = r->err;
	len = sizeof(r->err);
	if (*bp == NULL && w->be->open(&w->conf, bp, err, len) < 0) {
		*bp = NULL;
		r->power_rc = POWER_UNREACHABLE;
		return r;
	}
	switch (job) {
	case JOB_SENSORS:
		rc = w->be->sensors(*bp, &r->sensors, err, len);
		break;
	case JOB_SEL:
		rc = w->be->sel(*bp, &r->sel, err, len);
		break;
	case JOB_CHASSIS:
		rc = w->be->chassis(*bp, &r->chassis, err, len);
		break;
	case JOB_POWER:
		r->power_rc = w->be->power(*bp, control, err, len);
		rc = r->power_rc == POWER_DONE ? 0 : -1;
		break;
	default:
		snprintf(err, len, "unknown job %d", job);
		break;
	}
	r->ok = rc == 0;
	return r;
}

static void *
worker_main(void *arg)
{
	struct ipmi_worker *w = arg;
	void *b = NULL;
	bool free_it;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		enum ipmi_job job = JOB_COUNT;
		int control = 0;
		uint64_t id = 0;
		struct ipmi_result *r;

		while (!w->quit && w->want == 0 && !w->power_queued)
			pthread_cond_wait(&w->wake, &w->lock);
		if (w->quit)
			break;
		if (w->power_queued) {
			job = JOB_POWER;
			control = w->power_control;
			id = w->power_id;
			w->power_queued = false;
			w->power_running = true;
		} else {
			for (int k = 0; k < JOB_DATA_KINDS; k++)
				if (w->want & (1u << k)) {
					job = (enum ipmi_job)k;
					w->want &= ~(1u << k);
					break;
				}
		}
		pthread_mutex_unlock(&w->lock);
		r = run_job(w, &b, job, control, id);
		pthread_mutex_lock(&w->lock);
		if (job == JOB_POWER)
			w->power_running = false;
		if (r == NULL)
			continue;
		if (w->stopped) {
			ipmi_result_free(r);
			continue;
		}
		*w->tail = r;
		w->tail = &r->next;
		if (!w->posted) {
			w->posted = true;
			if (w->svc->post(w->svc, worker_post, w) < 0)
				w->posted = false;	/* shutting down */
		}
	}
	pthread_mutex_unlock(&w->lock);
	if (b != NULL)
		w->be->close(b);
	pthread_mutex_lock(&w->lock);
	w->running = false;
	free_it = w->stopped && w->detached && !w->posted;
	if (w->stopped && w->detached && w->posted)
		keep_leftover(w);	/* worker_post frees it, if it runs */
	pthread_cond_broadcast(&w->ended);
	pthread_mutex_unlock(&w->lock);
	if (free_it)
		worker_free(w);
	return NULL;
}

struct ipmi_worker *
ipmi_worker_start(const struct cim_services *svc, const struct bmc_conf *conf,
    void (*deliver)(void *arg, struct ipmi_result *list), void *arg,
    char *err, size_t errlen)
{
	struct ipmi_worker *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;
	sigset_t all, old;
	int r;

	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->svc = svc;
	w->be = ipmi_backend();
	w->conf = *conf;
	w->deliver = deliver;
	w->arg = arg;
	w->tail = &w->results;
	w->running = true;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->ended, &ca);
	pthread_condattr_destroy(&ca);
	/* the thread takes no signals: the daemon's loop handles them */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		snprintf(err, errlen, "pthread_create: %s", strerror(r));
		w->running = false;
		worker_free(w);
		return NULL;
	}
	return w;
}

void
ipmi_worker_want(struct ipmi_worker *w, enum ipmi_job job)
{
	pthread_mutex_lock(&w->lock);
	w->want |= 1u << job;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

bool
ipmi_worker_power(struct ipmi_worker *w, int control, uint64_t id)
{
	bool ok;

	pthread_mutex_lock(&w->lock);
	ok = !w->power_queued && !w->power_running;
	if (ok) {
		w->power_queued = true;
		w->power_control = control;
		w->power_id = id;
		pthread_cond_signal(&w->wake);
	}
	pthread_mutex_unlock(&w->lock);
	return ok;
}

bool
ipmi_worker_stop(struct ipmi_worker *w, unsigned wait_ms)
{
	struct ipmi_result *drop;
	struct timespec until;
	pthread_t thread = w->thread;
	bool ended, posted;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->lock);
	w->quit = true;
	w->stopped = true;
	drop = w->results;
	w->results = NULL;
	w->tail = &w->results;
	pthread_cond_signal(&w->wake);
	while (w->running &&
	    pthread_cond_timedwait(&w->ended, &w->lock, &until) != ETIMEDOUT)
		;
	ended = !w->running;
	if (!ended)
		w->detached = true;
	posted = w->posted;
	pthread_mutex_unlock(&w->lock);
	ipmi_result_free(drop);
	if (!ended) {
		/* frees itself when its BMC call returns (perhaps already:
		 * w is not touched any more) */
		pthread_detach(thread);
		return false;
	}
	pthread_join(thread, NULL);
	if (posted)
		keep_leftover(w);	/* worker_post frees it, if it runs */
	else
		worker_free(w);
	return true;
}
