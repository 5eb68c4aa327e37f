/*
 * orphans.c: without a cgroup (the rlimits fallback), a shell's processes
 * are found for Delete by the WINRMD_SHELL_ID variable every command
 * starts with: processes that left the command's process group (setsid,
 * daemonising) still carry it, unless they cleaned their environment.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shell.h"

#define ENVIRON_MAX	(256 * 1024)

/* does /proc/PID/environ hold the NUL-terminated entry `marker'? */
static bool
environ_has(int dirfd, const char *marker, size_t mlen)
{
	char *buf;
	ssize_t n, total = 0;
	bool found = false;
	int fd = openat(dirfd, "environ", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if ((buf = malloc(ENVIRON_MAX)) == NULL) {
		close(fd);
		return false;
	}
	while (total < ENVIRON_MAX &&
	    (n = read(fd, buf + total, (size_t)(ENVIRON_MAX - total))) > 0)
		total += n;
	close(fd);
	for (ssize_t i = 0; i < total && !found; i += (ssize_t)strnlen(buf + i,
	    (size_t)(total - i)) + 1)
		found = (size_t)(total - i) >= mlen &&
		    memcmp(buf + i, marker, mlen) == 0;
	free(buf);
	return found;
}

/* SIGKILL to every process of uid carrying the shell's marker; how many */
static int
kill_round(uid_t uid, const char *marker, size_t mlen)
{
	DIR *proc = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (proc == NULL)
		return 0;
	while ((e = readdir(proc)) != NULL) {
		struct stat st;
		pid_t pid;
		int dfd, pidfd;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		pid = (pid_t)strtol(e->d_name, NULL, 10);
		if ((dfd = openat(dirfd(proc), e->d_name, O_RDONLY |
		    O_DIRECTORY | O_CLOEXEC)) < 0)
			continue;
		/* a pidfd first: the pid cannot be reused under our hands */
		pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (pidfd >= 0 && fstat(dfd, &st) == 0 && st.st_uid == uid &&
		    environ_has(dfd, marker, mlen) &&
		    syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) == 0)
			n++;
		if (pidfd >= 0)
			close(pidfd);
		close(dfd);
	}
	closedir(proc);
	return n;
}

void
shell_kill_marked(const struct shell *sh)
{
	char marker[SHELL_ID_LEN + 32];
	size_t mlen;
	int total = 0, n;

	mlen = (size_t)snprintf(marker, sizeof(marker), SHELL_MARKER "=%s",
	    sh->id) + 1;	/* with its NUL: the whole entry */
	/* again while processes fork under the scan */
	for (int round = 0; round < 5 && (n = kill_round(sh->user.p.uid,
	    marker, mlen)) > 0; round++)
		total += n;
	if (total > 0)
		host->log(WINRMD_LOG_INFO, "shell: %s: killed %d process(es) "
		    "that had left their command's process group", sh->id,
		    total);
}
