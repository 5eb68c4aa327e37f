/*
 * pgroup.c: a command's process group once its leader has exited.  The
 * leader's pid is also the id of the group that Signal and Delete kill.
 * The kernel does not give a pid out again while a process still has it as
 * its group (or session) id, so the leader is reaped at exit, its status
 * kept, when nothing else is left in its group: no zombie waits for a
 * Receive that may never come.  When background processes remain in the
 * group, Linux 6.9 and later signal it through the leader's pidfd
 * (PIDFD_SIGNAL_PROCESS_GROUP), which names that group and no later one
 * with the same id: the leader is reaped and the pidfd kept until the
 * group is empty.  Older kernels keep the leader a zombie meanwhile, to
 * pin the id, as before; command_settle() lets go once the group is gone.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procfs.h"
#include "shell.h"

#ifndef PIDFD_SIGNAL_PROCESS_GROUP
#define PIDFD_SIGNAL_PROCESS_GROUP	(1U << 2)
#endif
#define GROUP_PIDS_MAX	256	/* a shell's group listed at once */

static int
pidfd_signal(int pidfd, int sig, unsigned flags)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, flags);
}

/* can a pidfd signal its process's group (Linux 6.9)?  asked once */
static bool
group_signals(void)
{
	static int known = -1;
	int fd;

	if (known >= 0)
		return known;
	known = 0;
	if ((fd = (int)syscall(SYS_pidfd_open, getpid(), 0)) >= 0) {
		/* 0 or ESRCH (not a group leader): the flag is understood */
		known = pidfd_signal(fd, 0, PIDFD_SIGNAL_PROCESS_GROUP) == 0 ||
		    errno == ESRCH;
		close(fd);
	}
	return known;
}

/* /proc/PID/stat's process group and session; false if it is gone */
static bool
pid_groups(pid_t pid, pid_t *pgrp, pid_t *session)
{
	char path[64], buf[1024];
	struct proc_stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((n = procfs_read_small(AT_FDCWD, path, buf, sizeof(buf))) <= 0 ||
	    procfs_parse_stat(buf, (size_t)n, &st) < 0)
		return false;
	*pgrp = (pid_t)st.pgrp;
	*session = (pid_t)st.session;
	return true;
}

static bool
is_other_member(pid_t pid, pid_t pgid)
{
	pid_t pg, sid;

	return pid != pgid && pid_groups(pid, &pg, &sid) &&
	    (pg == pgid || sid == pgid);
}

bool
pgroup_has_others(pid_t pgid, const pid_t *pids, long n)
{
	struct dirent *e;
	bool found = false;
	DIR *d;

	if (n >= 0) {
		for (long i = 0; i < n; i++)
			if (is_other_member(pids[i], pgid))
				return true;
		return false;
	}
	if ((d = opendir("/proc")) == NULL)
		return true;	/* cannot tell: keep the id pinned */
	while (!found && (e = readdir(d)) != NULL)
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			found = is_other_member((pid_t)strtol(e->d_name, NULL,
			    10), pgid);
	closedir(d);
	return found;
}

/* may c's leader go?  (older kernels: only with nothing left in its group) */
static bool
group_empty(const struct command *c)
{
	const struct shell *sh = c->shell;
	pid_t pids[GROUP_PIDS_MAX];
	long n = -1;

	/* the shell's resource group holds everything its commands start */
	if (sh != NULL && sh->group != NULL &&
	    WINRMD_HOST_HAS(host, group_procs) &&
	    (n = host->group_procs(sh->group, pids, GROUP_PIDS_MAX)) >
	    GROUP_PIDS_MAX)
		n = -1;
	return !pgroup_has_others(c->child.pid, n >= 0 ? pids : NULL, n);
}

void
command_reap(struct command *c)
{
	siginfo_t si;

	if (c->child.pid <= 0 || c->child.pidfd < 0 || !c->exited || c->reaped)
		return;
	if (!group_signals() && !group_empty(c))
		return;		/* the zombie pins the group id */
	while (waitid(P_PIDFD, (id_t)c->child.pidfd, &si, WEXITED) < 0 &&
	    errno == EINTR)
		;
	c->reaped = true;
	/* the pidfd stays only to signal a group that is not empty */
	if (!group_signals() || pidfd_signal(c->child.pidfd, 0,
	    PIDFD_SIGNAL_PROCESS_GROUP) < 0) {
		close(c->child.pidfd);
		c->child.pidfd = -1;
	}
}

int
shell_signal(pid_t pid, int sig, bool group)
{
	if (WINRMD_HOST_HAS(host, signal))
		return host->signal(pid, sig, group);
	return kill(group ? -pid : pid, sig) == 0 ? 0 : -errno;
}

void
command_kill_group(struct command *c, int sig)
{
	if (c->child.pid <= 0)
		return;
	if (!c->reaped)		/* the leader, alive or a zombie, pins the id */
		shell_signal(c->child.pid, sig, true);
	else if (c->child.pidfd >= 0)
		pidfd_signal(c->child.pidfd, sig, PIDFD_SIGNAL_PROCESS_GROUP);
	/* else the group was empty when its leader was reaped */
}

void
command_settle(struct command *c)
{
	if (c->exited && !c->reaped)
		command_reap(c);
	else if (c->reaped && c->child.pidfd >= 0 &&
	    pidfd_signal(c->child.pidfd, 0, PIDFD_SIGNAL_PROCESS_GROUP) < 0) {
		close(c->child.pidfd);
		c->child.pidfd = -1;
	}
}
