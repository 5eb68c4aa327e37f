/*
 * reactor.h: the daemon's event loop.  One thread runs it; every plugin
 * callback, every MHD callback and every timer runs on that thread.  Other
 * threads (the worker pool) hand results back with reactor_post().
 */
#ifndef WINRMD_REACTOR_H
#define WINRMD_REACTOR_H

#include <stdbool.h>
#include <stdint.h>

#include <winrmd/plugin.h>

int	reactor_init(void);
void	reactor_fini(void);
/* runs until reactor_stop(); returns 0 or -errno */
int	reactor_run(void);
void	reactor_stop(void);
/* runs until done() is true or ms have passed (shutdown: flush answers) */
void	reactor_run_until(uint64_t ms, bool (*done)(void));

struct winrmd_watch *reactor_watch(int fd, uint32_t events, winrmd_io_fn fn,
	    void *arg);
int	reactor_watch_set(struct winrmd_watch *w, uint32_t events);
void	reactor_watch_remove(struct winrmd_watch *w);

struct winrmd_timer *reactor_timer(uint64_t ms, winrmd_timer_fn fn, void *arg);
void	reactor_timer_stop(struct winrmd_timer *t);

uint64_t reactor_now_ms(void);
uint64_t reactor_now_us(void);

/* From any thread: run fn(arg) on the loop thread soon. 0 or -errno. */
int	reactor_post(void (*fn)(void *), void *arg);

/* Called before each wait; returns ms until it needs a call, or UINT64_MAX. */
void	reactor_set_prepare(uint64_t (*fn)(void *), void *arg);

#endif
