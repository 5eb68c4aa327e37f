/*
 * post.c: svc->post() for providers with threads of their own.  A call
 * from any thread queues (fn, arg) under a mutex and wakes the event loop
 * through an eventfd; the loop thread runs the queue in order.  The queue
 * is the plugin instance's (svc is inside struct cim).  This is the only
 * code of the plugin that runs on other threads.
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

static void
post_readable(int fd, uint32_t events, void *arg)
{
	uint64_t n;

	(void)events;
	while (read(fd, &n, sizeof(n)) > 0)
		;
	post_run(arg);
}

int
post_init(struct cim *cim)
{
	pthread_mutex_init(&cim->post_lock, NULL);
	if ((cim->post_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
		return -errno;
	if ((cim->post_watch = cim->host->watch_add(cim->post_fd, WINRMD_IN,
	    post_readable, cim)) == NULL) {
		close(cim->post_fd);
		cim->post_fd = -1;
		return -ENOMEM;
	}
	return 0;
}

int
post_call(const struct cim_services *svc, void (*fn)(void *), void *arg)
{
	struct cim *cim = cim_of(svc);
	struct post_item *it;
	uint64_t one = 1;

	if (fn == NULL)
		return -EINVAL;
	if ((it = calloc(1, sizeof(*it))) == NULL)
		return -ENOMEM;
	it->fn = fn;
	it->arg = arg;
	pthread_mutex_lock(&cim->post_lock);
	if (cim->post_fd < 0) {
		pthread_mutex_unlock(&cim->post_lock);
		free(it);
		return -ESHUTDOWN;
	}
	if (cim->post_tail != NULL)
		cim->post_tail->next = it;
	else
		cim->post_head = it;
	cim->post_tail = it;
	/* a full counter (never in practice) still leaves the fd readable */
	(void)!write(cim->post_fd, &one, sizeof(one));
	pthread_mutex_unlock(&cim->post_lock);
	return 0;
}

void
post_run(struct cim *cim)
{
	struct post_item *list, *it;

	pthread_mutex_lock(&cim->post_lock);
	list = cim->post_head;
	cim->post_head = cim->post_tail = NULL;
	pthread_mutex_unlock(&cim->post_lock);
	while ((it = list) != NULL) {
		list = it->next;
		it->fn(it->arg);
		free(it);
	}
}

void
post_fini(struct cim *cim)
{
	struct post_item *list;
	size_t dropped = 0;

	pthread_mutex_lock(&cim->post_lock);
	list = cim->post_head;
	cim->post_head = cim->post_tail = NULL;
	if (cim->post_watch != NULL)
		cim->host->watch_remove(cim->post_watch);
	cim->post_watch = NULL;
	if (cim->post_fd >= 0)
		close(cim->post_fd);
	cim->post_fd = -1;
	pthread_mutex_unlock(&cim->post_lock);
	while (list != NULL) {
		struct post_item *next = list->next;

		free(list);
		list = next;
		dropped++;
	}
	if (dropped > 0)
		cim->host->log(WINRMD_LOG_WARNING, "cim: %zu posted call(s) "
		    "dropped at shutdown", dropped);
}
