/*
 * idleprio.h: a login check's CPU work at idle priority (SCHED_IDLE), so
 * that any other thread that wakes up takes the CPU from it at once; a
 * check that got less than IDLEPRIO_STARVED_PCT of a CPU in a period of
 * IDLEPRIO_PERIOD_MS is raised back to its thread's own priority, so that
 * a busy host does not starve logins (idleprio.c).  Processes a check
 * forks meanwhile (a PAM module's helper) start at idle priority too.
 */
#ifndef WINRMD_IDLEPRIO_H
#define WINRMD_IDLEPRIO_H

#include <stdbool.h>

#define IDLEPRIO_PERIOD_MS	100
#define IDLEPRIO_STARVED_PCT	2

/* the calling thread at idle priority until idleprio_end(); false (and
 * nothing changed) if it could not come back from it, or is in one */
bool	idleprio_begin(void);
void	idleprio_end(void);	/* its own priority again (if begun) */

#endif
