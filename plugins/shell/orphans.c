/*
 * orphans.c: without a cgroup (the rlimits fallback), a shell's processes
 * are found for Delete by the WINRMD_SHELL_ID variable every command
 * starts with: processes that left the command's process group (setsid,
 * daemonising) still carry it, unless they cleaned their environment.
 * The host kills them (host->kill_marked: under privilege separation only
 * the monitor may read another user's /proc/PID/environ).
 */
#define _GNU_SOURCE

#include <stdio.h>
#include <string.h>

#include "shell.h"

void
shell_kill_marked(const struct shell *sh)
{
	char marker[SHELL_ID_LEN + 32];
	size_t mlen;
	int total = 0, n;

	mlen = (size_t)snprintf(marker, sizeof(marker), SHELL_MARKER "=%s",
	    sh->id) + 1;	/* with its NUL: the whole entry */
	/* again while processes fork under the scan */
	(void)mlen;
	if (!WINRMD_HOST_HAS(host, kill_marked))
		return;
	for (int round = 0; round < 5 && (n = host->kill_marked(
	    sh->user.p.uid, marker)) > 0; round++)
		total += n;
	if (total > 0)
		host->log(WINRMD_LOG_INFO, "shell: %s: killed %d process(es) "
		    "that had left their command's process group", sh->id,
		    total);
}
