/*
 * workers.h: a small pool of threads for blocking work (PAM).  work() runs
 * on a pool thread; done() then runs on the event-loop thread.
 */
#ifndef WINRMD_WORKERS_H
#define WINRMD_WORKERS_H

#include <stdbool.h>

/*
 * The workers run below the loop thread: a storm of logins (PAM's password
 * hashing is CPU-bound) takes the CPU the loop leaves, and never holds up
 * Identify or the requests of those already logged in.  Linux applies a
 * nice value to one thread; the hashing itself runs at idle priority
 * (idleprio.h), which a nice value alone cannot stand for.  Under
 * privilege separation the monitor's threads that serve the workers'
 * channels run at the same priority (privsep.c): the hashing is theirs
 * there.
 */
#define WORKER_NICE	10

int	workers_start(int nthreads);
void	workers_stop(void);	/* waits for queued work to finish; later
				 * submits get -ESHUTDOWN */
int	workers_submit(void (*work)(void *), void (*done)(void *), void *arg);
/* the calling thread's nice value raised by WORKER_NICE (at most 19) */
void	workers_lower_priority(void);
bool	workers_current(void);	/* is the calling thread a worker? */

#endif
