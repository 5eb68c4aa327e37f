/*
 * post.c: svc->post() for providers with threads of their own.  A call
 * from any thread queues (fn, arg) under a mutex and wakes the event loop
 * through an eventfd; the loop thread runs the queue in order.  This is the
 * only code of the plugin that runs on other threads.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cim.h"

struct post_item {
	struct post_item	*next;
	void			(*fn)(void *);
	void			*arg;
};

static pthread_mutex_t post_lock = PTHREAD_MUTEX_INITIALIZER;
static struct post_item *post_head, *post_tail;
static int post_fd = -1;
static struct winrmd_watch *post_watch;

static void
post_readable(int fd, uint32_t events, void *arg)
{
	uint64_t n;

	(void)events;
	(void)arg;
	while (read(fd, &n, sizeof(n)) > 0)
		;
	post_run();
}

int
post_init(void)
{
	if ((post_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
		return -errno;
	if ((post_watch = host->watch_add(post_fd, WINRMD_IN, post_readable,
	    NULL)) == NULL) {
		close(post_fd);
		post_fd = -1;
		return -ENOMEM;
	}
	return 0;
}

int
post_call(void (*fn)(void *), void *arg)
{
	struct post_item *it;
	uint64_t one = 1;

	if (fn == NULL)
		return -EINVAL;
	if ((it = calloc(1, sizeof(*it))) == NULL)
		return -ENOMEM;
	it->fn = fn;
	it->arg = arg;
	pthread_mutex_lock(&post_lock);
	if (post_fd < 0) {
		pthread_mutex_unlock(&post_lock);
		free(it);
		return -ESHUTDOWN;
	}
	if (post_tail != NULL)
		post_tail->next = it;
	else
		post_head = it;
	post_tail = it;
	/* a full counter (never in practice) still leaves the fd readable */
	(void)!write(post_fd, &one, sizeof(one));
	pthread_mutex_unlock(&post_lock);
	return 0;
}

void
post_run(void)
{
	struct post_item *list, *it;

	pthread_mutex_lock(&post_lock);
	list = post_head;
	post_head = post_tail = NULL;
	pthread_mutex_unlock(&post_lock);
	while ((it = list) != NULL) {
		list = it->next;
		it->fn(it->arg);
		free(it);
	}
}

void
post_fini(void)
{
	struct post_item *list;
	size_t dropped = 0;

	pthread_mutex_lock(&post_lock);
	list = post_head;
	post_head = post_tail = NULL;
	if (post_watch != NULL)
		host->watch_remove(post_watch);
	post_watch = NULL;
	if (post_fd >= 0)
		close(post_fd);
	post_fd = -1;
	pthread_mutex_unlock(&post_lock);
	while (list != NULL) {
		struct post_item *next = list->next;

		free(list);
		list = next;
		dropped++;
	}
	if (dropped > 0)
		host->log(WINRMD_LOG_WARNING, "cim: %zu posted call(s) dropped "
		    "at shutdown", dropped);
}
