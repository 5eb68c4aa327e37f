/*
 * sdbus.c: sd-bus on the daemon's event loop.  The bus fd is watched with
 * host->watch_add for the events sd_bus_get_events() asks for, and the
 * next sd_bus_get_timeout() deadline is a host timer; both call
 * sd_bus_process() until it has nothing left to do.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sdbus.h"
#include "win32.h"

struct w32_bus {
	sd_bus			*bus;
	int			 fd;
	struct winrmd_watch	*watch;
	uint32_t		 events;
	struct winrmd_timer	*timer;
	uint64_t		 deadline;	/* CLOCK_MONOTONIC usec armed */
};

static void on_bus_io(int fd, uint32_t events, void *arg);

static uint64_t
now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
bus_drop(const char *why, int err)
{
	struct w32_bus *b = w32->bus;

	if (b == NULL)
		return;
	w32->host->log(WINRMD_LOG_NOTICE, "win32: system bus connection "
	    "closed (%s%s%s)", why, err ? ": " : "", err ? strerror(-err) : "");
	w32->bus = NULL;
	if (b->watch != NULL)
		w32->host->watch_remove(b->watch);
	w32->host->timer_stop(b->timer);
	sd_bus_close_unref(b->bus);
	free(b);
	w32_service_bus_lost();
}

static void
bus_process(void)
{
	struct w32_bus *b = w32->bus;
	int r;

	if (b == NULL)
		return;
	/* callbacks may queue calls, never drop the bus: b stays valid */
	while ((r = sd_bus_process(b->bus, NULL)) > 0)
		;
	if (r < 0) {
		bus_drop("processing", r);
		return;
	}
	w32_bus_kick();
}

static void
on_bus_timer(void *arg)
{
	(void)arg;
	if (w32->bus == NULL)
		return;
	w32->bus->timer = NULL;
	w32->bus->deadline = 0;
	bus_process();
}

static void
on_bus_io(int fd, uint32_t events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	bus_process();
}

void
w32_bus_kick(void)
{
	struct w32_bus *b = w32->bus;
	uint64_t usec = UINT64_MAX;
	uint32_t ev = 0;
	int e;

	if (b == NULL)
		return;
	/* an error shows again in sd_bus_process(), which drops the bus */
	if ((e = sd_bus_get_events(b->bus)) < 0)
		e = POLLIN;
	if (e & POLLIN)
		ev |= WINRMD_IN;
	if (e & POLLOUT)
		ev |= WINRMD_OUT;
	if (ev != b->events && w32->host->watch_set(b->watch, ev) == 0)
		b->events = ev;
	if (sd_bus_get_timeout(b->bus, &usec) < 0)
		usec = UINT64_MAX;
	if (usec == b->deadline)
		return;
	w32->host->timer_stop(b->timer);
	b->timer = NULL;
	b->deadline = usec;
	if (usec != UINT64_MAX) {
		uint64_t now = now_usec();

		b->timer = w32->host->timer_start(usec > now ?
		    (usec - now + 999) / 1000 : 0, on_bus_timer, NULL);
	}
}

int
w32_bus_get(sd_bus **ret)
{
	struct w32_bus *b;
	int r;

	if (w32->bus != NULL) {
		*ret = w32->bus->bus;
		return 0;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return -ENOMEM;
	/* connect(2) to a local socket; authentication and Hello run async */
	if ((r = sd_bus_open_system(&b->bus)) < 0) {
		free(b);
		return r;
	}
	if ((b->fd = sd_bus_get_fd(b->bus)) < 0) {
		r = b->fd;
		sd_bus_close_unref(b->bus);
		free(b);
		return r;
	}
	b->events = WINRMD_IN | WINRMD_OUT;
	if ((b->watch = w32->host->watch_add(b->fd, b->events, on_bus_io,
	    NULL)) == NULL) {
		sd_bus_close_unref(b->bus);
		free(b);
		return -ENOMEM;
	}
	w32->bus = b;
	w32->said_no_bus = false;
	*ret = b->bus;
	return 0;
}

void
w32_bus_close(void)
{
	struct w32_bus *b = w32->bus;

	if (b == NULL)
		return;
	w32->bus = NULL;
	if (b->watch != NULL)
		w32->host->watch_remove(b->watch);
	w32->host->timer_stop(b->timer);
	sd_bus_close_unref(b->bus);
	free(b);
}
