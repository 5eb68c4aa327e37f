/*
 * reactor.c: epoll, a timer heap and a cross-thread queue woken by an
 * eventfd.  Watches removed while events are being dispatched are freed
 * only after the batch, so a callback may remove any watch, its own too.
 */
#include "build.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "reactor.h"

#define MAX_EVENTS	64

struct winrmd_watch {
	int			 fd;
	uint32_t		 events;
	winrmd_io_fn		 fn;
	void			*arg;
	bool			 dead;
	struct winrmd_watch	*next_dead;
};

struct winrmd_timer {
	uint64_t	 deadline;
	size_t		 slot;		/* index in the heap */
	winrmd_timer_fn	 fn;
	void		*arg;
};

struct post {
	void		(*fn)(void *);
	void		*arg;
	struct post	*next;
};

static struct {
	int			 epfd;
	int			 evfd;
	bool			 stop;
	struct winrmd_timer	**heap;
	size_t			 nheap, capheap;
	struct winrmd_watch	*dead;
	struct winrmd_watch	 wake;
	pthread_mutex_t		 lock;
	struct post		*posts, **posts_tail;
	uint64_t		(*prepare)(void *);
	void			*prepare_arg;
} R = { .epfd = -1, .evfd = -1, .lock = PTHREAD_MUTEX_INITIALIZER };

uint64_t
reactor_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t
reactor_now_ms(void)
{
	return reactor_now_us() / 1000;
}

static void
run_posts(int fd, uint32_t events, void *arg)
{
	struct post *p, *next;
	uint64_t n;

	(void)events;
	(void)arg;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warn("reactor: eventfd read: %s", strerror(errno));
	pthread_mutex_lock(&R.lock);
	p = R.posts;
	R.posts = NULL;
	R.posts_tail = &R.posts;
	pthread_mutex_unlock(&R.lock);
	for (; p != NULL; p = next) {
		next = p->next;
		p->fn(p->arg);
		free(p);
	}
}

int
reactor_init(void)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if ((R.epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return -errno;
	if ((R.evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
		return -errno;
	R.posts_tail = &R.posts;
	R.wake = (struct winrmd_watch){ .fd = R.evfd, .events = EPOLLIN,
	    .fn = run_posts };
	ev.data.ptr = &R.wake;
	if (epoll_ctl(R.epfd, EPOLL_CTL_ADD, R.evfd, &ev) < 0)
		return -errno;
	return 0;
}

static void
free_dead(void)
{
	struct winrmd_watch *w, *next;

	for (w = R.dead; w != NULL; w = next) {
		next = w->next_dead;
		free(w);
	}
	R.dead = NULL;
}

void
reactor_fini(void)
{
	struct post *p, *next;

	free_dead();
	for (size_t i = 0; i < R.nheap; i++)
		free(R.heap[i]);
	free(R.heap);
	R.heap = NULL;
	R.nheap = R.capheap = 0;
	for (p = R.posts; p != NULL; p = next) {
		next = p->next;
		free(p);
	}
	R.posts = NULL;
	if (R.evfd >= 0)
		close(R.evfd);
	if (R.epfd >= 0)
		close(R.epfd);
	R.epfd = R.evfd = -1;
}

struct winrmd_watch *
reactor_watch(int fd, uint32_t events, winrmd_io_fn fn, void *arg)
{
	struct winrmd_watch *w = calloc(1, sizeof(*w));
	struct epoll_event ev = { .events = events };

	if (w == NULL)
		return NULL;
	*w = (struct winrmd_watch){ .fd = fd, .events = events, .fn = fn,
	    .arg = arg };
	ev.data.ptr = w;
	if (epoll_ctl(R.epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		log_warn("reactor: watching fd %d: %s", fd, strerror(errno));
		free(w);
		return NULL;
	}
	return w;
}

int
reactor_watch_set(struct winrmd_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (w->events == events)
		return 0;
	if (epoll_ctl(R.epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
		return -errno;
	w->events = events;
	return 0;
}

void
reactor_watch_remove(struct winrmd_watch *w)
{
	if (w == NULL || w->dead)
		return;
	/* the fd may already be closed by the owner: then epoll forgot it */
	epoll_ctl(R.epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->dead = true;
	w->next_dead = R.dead;
	R.dead = w;
}

/* --- timers: a binary min-heap on deadline --- */

static void
heap_swap(size_t a, size_t b)
{
	struct winrmd_timer *t = R.heap[a];

	R.heap[a] = R.heap[b];
	R.heap[b] = t;
	R.heap[a]->slot = a;
	R.heap[b]->slot = b;
}

static void
heap_up(size_t i)
{
	while (i > 0 && R.heap[(i - 1) / 2]->deadline > R.heap[i]->deadline) {
		heap_swap(i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
heap_down(size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < R.nheap && R.heap[l]->deadline < R.heap[m]->deadline)
			m = l;
		if (r < R.nheap && R.heap[r]->deadline < R.heap[m]->deadline)
			m = r;
		if (m == i)
			return;
		heap_swap(i, m);
		i = m;
	}
}

struct winrmd_timer *
reactor_timer(uint64_t ms, winrmd_timer_fn fn, void *arg)
{
	struct winrmd_timer *t;

	if (R.nheap == R.capheap) {
		size_t cap = R.capheap ? R.capheap * 2 : 64;
		struct winrmd_timer **h = realloc(R.heap, cap * sizeof(*h));

		if (h == NULL)
			return NULL;
		R.heap = h;
		R.capheap = cap;
	}
	if ((t = malloc(sizeof(*t))) == NULL)
		return NULL;
	t->deadline = reactor_now_ms() + ms;
	t->fn = fn;
	t->arg = arg;
	t->slot = R.nheap;
	R.heap[R.nheap++] = t;
	heap_up(t->slot);
	return t;
}

static void
heap_remove(struct winrmd_timer *t)
{
	size_t i = t->slot;

	R.nheap--;
	if (i != R.nheap) {
		R.heap[i] = R.heap[R.nheap];
		R.heap[i]->slot = i;
		heap_up(i);
		heap_down(R.heap[i]->slot);
	}
}

void
reactor_timer_stop(struct winrmd_timer *t)
{
	if (t == NULL)
		return;
	heap_remove(t);
	free(t);
}

static void
run_timers(void)
{
	uint64_t now = reactor_now_ms();

	while (R.nheap > 0 && R.heap[0]->deadline <= now) {
		struct winrmd_timer *t = R.heap[0];
		winrmd_timer_fn fn = t->fn;
		void *arg = t->arg;

		heap_remove(t);
		free(t);
		fn(arg);
	}
}

int
reactor_post(void (*fn)(void *), void *arg)
{
	struct post *p = malloc(sizeof(*p));
	uint64_t one = 1;

	if (p == NULL)
		return -ENOMEM;
	p->fn = fn;
	p->arg = arg;
	p->next = NULL;
	pthread_mutex_lock(&R.lock);
	*R.posts_tail = p;
	R.posts_tail = &p->next;
	pthread_mutex_unlock(&R.lock);
	if (write(R.evfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

void
reactor_set_prepare(uint64_t (*fn)(void *), void *arg)
{
	R.prepare = fn;
	R.prepare_arg = arg;
}

void
reactor_stop(void)
{
	R.stop = true;
}

static int
loop(uint64_t deadline, bool (*done)(void))
{
	struct epoll_event evs[MAX_EVENTS];

	R.stop = false;
	while (!R.stop && (done == NULL || !done()) &&
	    (deadline == 0 || reactor_now_ms() < deadline)) {
		uint64_t wait = UINT64_MAX, now;
		int n, timeout;

		if (R.prepare != NULL)
			wait = R.prepare(R.prepare_arg);
		if (R.nheap > 0) {
			now = reactor_now_ms();
			if (R.heap[0]->deadline <= now)
				wait = 0;
			else if (R.heap[0]->deadline - now < wait)
				wait = R.heap[0]->deadline - now;
		}
		if (deadline != 0) {
			uint64_t left;

			now = reactor_now_ms();
			left = deadline > now ? deadline - now : 0;
			if (left < wait)
				wait = left;
		}
		timeout = wait > 60000 ? 60000 : (int)wait;
		n = epoll_wait(R.epfd, evs, MAX_EVENTS, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			struct winrmd_watch *w = evs[i].data.ptr;

			if (!w->dead)
				w->fn(w->fd, evs[i].events, w->arg);
		}
		free_dead();
		run_timers();
		free_dead();
	}
	return 0;
}

int
reactor_run(void)
{
	return loop(0, NULL);
}

void
reactor_run_until(uint64_t ms, bool (*done)(void))
{
	loop(reactor_now_ms() + ms, done);
}
