/*
 * workers.c: a fixed pool of threads fed from one queue, at a lower CPU
 * priority than the loop.  Results return to the event loop through
 * reactor_post(), so done() callbacks never race with the rest of the
 * daemon.
 */
#include "build.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"
#include "reactor.h"
#include "workers.h"

#define MAX_WORKERS	16
struct job {
	void		(*work)(void *);
	void		(*done)(void *);
	void		*arg;
	struct job	*next;
};

static struct {
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	struct job	*head, **tail;
	bool		 stopping;
	pthread_t	 threads[MAX_WORKERS];
	int		 nthreads;
} W = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

/* is this thread one of the pool's? */
static __thread bool on_worker;

void
workers_lower_priority(void)
{
	int nice;

	errno = 0;
	nice = getpriority(PRIO_PROCESS, (id_t)gettid());
	if (nice == -1 && errno != 0)
		return;
	nice = nice + WORKER_NICE > 19 ? 19 : nice + WORKER_NICE;
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), nice);
}

bool
workers_current(void)
{
	return on_worker;
}

static void
job_done(void *arg)
{
	struct job *j = arg;

	j->done(j->arg);
	free(j);
}

static void *
worker_main(void *unused)
{
	(void)unused;
	on_worker = true;
	workers_lower_priority();
	for (;;) {
		struct job *j;

		pthread_mutex_lock(&W.lock);
		while (W.head == NULL && !W.stopping)
			pthread_cond_wait(&W.cond, &W.lock);
		if (W.head == NULL) {
			pthread_mutex_unlock(&W.lock);
			return NULL;
		}
		j = W.head;
		if ((W.head = j->next) == NULL)
			W.tail = &W.head;
		pthread_mutex_unlock(&W.lock);
		j->work(j->arg);
		if (reactor_post(job_done, j) < 0) {
			log_err("workers: cannot hand a result back");
			free(j);
		}
	}
}

int
workers_start(int nthreads)
{
	sigset_t all, old;

	W.tail = &W.head;
	W.stopping = false;
	if (nthreads > MAX_WORKERS)
		nthreads = MAX_WORKERS;
	/* the loop thread takes signals through signalfd; workers none */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (W.nthreads = 0; W.nthreads < nthreads; W.nthreads++) {
		int r = pthread_create(&W.threads[W.nthreads], NULL,
		    worker_main, NULL);

		if (r != 0) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			return -r;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}

void
workers_stop(void)
{
	pthread_mutex_lock(&W.lock);
	W.stopping = true;
	pthread_cond_broadcast(&W.cond);
	pthread_mutex_unlock(&W.lock);
	for (int i = 0; i < W.nthreads; i++)
		pthread_join(W.threads[i], NULL);
	W.nthreads = 0;
}

int
workers_submit(void (*work)(void *), void (*done)(void *), void *arg)
{
	struct job *j = malloc(sizeof(*j));

	if (j == NULL)
		return -ENOMEM;
	*j = (struct job){ .work = work, .done = done, .arg = arg };
	pthread_mutex_lock(&W.lock);
	/* after workers_stop() nobody would run it (a plugin's spawn_async
	 * from an answer delivered during the stop: its job and child were
	 * lost, LeakSanitizer in pypsrp_disconnect) */
	if (W.stopping) {
		pthread_mutex_unlock(&W.lock);
		free(j);
		return -ESHUTDOWN;
	}
	*W.tail = j;
	W.tail = &j->next;
	pthread_cond_signal(&W.cond);
	pthread_mutex_unlock(&W.lock);
	return 0;
}
