/*
 * workers.h: a small pool of threads for blocking work (PAM).  work() runs
 * on a pool thread; done() then runs on the event-loop thread.
 */
#ifndef WINRMD_WORKERS_H
#define WINRMD_WORKERS_H

int	workers_start(int nthreads);
void	workers_stop(void);	/* waits for queued work to finish */
int	workers_submit(void (*work)(void *), void (*done)(void *), void *arg);

#endif
