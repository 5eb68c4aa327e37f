/*
 * stdin_watch.c: winrmd-stdin-watch [-p] TOKEN PROGRAM ARGS..., the parent of
 * a PSRP pipeline's shell when the client has a host and the
 * pipeline no input (winrmd(8), "Input").  PROGRAM runs as its child
 * with a pipe of its own for stdin; what the daemon writes on this
 * process's stdin (the host's ReadLine answers) goes into that pipe, and
 * the daemon's end of stdin ends it.  When the pipe is empty and a
 * process of the pipeline (the child or a descendant, at most
 * WATCH_PROCS of them) is blocked in read(2), readv(2) or pread(2) on it,
 * as /proc/PID/syscall and /proc/PID/fd say, TOKEN is written on stdout,
 * a line of its own: the daemon asks the client's host for a line.  Then
 * nothing more is asked until an answer came.  Being the pipeline's
 * ancestor is what lets it read /proc/PID/syscall under Yama's
 * ptrace_scope 1; a process it may not look at (setuid) is not seen.
 * The pipe is looked at 10 ms after the start or an answer, then at
 * doubling intervals up to 500 ms; the child's end is seen at once
 * (SIGCHLD through a signalfd).  The exit status is the child's.
 * With -p (a pool's warm process, which first reads its script from
 * stdin) it only relays until a line that is TOKEN comes on stdin, which
 * is not relayed: from then on it watches.
 * With -r it is only PROGRAM's parent (a reaper), for a WinRS command that
 * may be kept across a daemon restart (docs/DESIGN.md §8.4) on a kernel
 * whose pidfds do not keep an exit status (before Linux 6.15): once
 * PROGRAM has ended, its wait status (an int) goes on descriptor 3, the
 * daemon's status pipe, which the keeper holds across the restart; then
 * this process ends.  Its stdin, stdout and stderr are PROGRAM's alone,
 * and it blocks every signal it can, so that a signal to the process
 * group (ctrl_c, a SIGTERM) ends PROGRAM and not the one that reports
 * it: only SIGKILL ends it first, and then descriptor 3 closes with
 * nothing written.
 * A program of its own, linked with the C library only, so that it
 * starts in a fraction of winrmd-native's time: it is on the way of
 * every such pipeline.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define WATCH_PROCS	256
#define WATCH_MIN_MS	10
#define WATCH_MAX_MS	500

/* is pid blocked reading the pipe whose link is want ("pipe:[INO]")? */
static bool
reads_pipe(pid_t pid, const char *want)
{
	char p[64], buf[256], link[64];
	long nr;
	unsigned long long fd;
	ssize_t n;
	int f;

	snprintf(p, sizeof(p), "/proc/%d/syscall", (int)pid);
	if ((f = open(p, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	if (sscanf(buf, "%ld %llx", &nr, &fd) != 2 || (nr != SYS_read &&
	    nr != SYS_readv && nr != SYS_pread64) || fd > 65535)
		return false;
	snprintf(p, sizeof(p), "/proc/%d/fd/%llu", (int)pid, fd);
	if ((n = readlink(p, link, sizeof(link) - 1)) <= 0)
		return false;
	link[n] = '\0';
	return strcmp(link, want) == 0;
}

/* all of len bytes of buf into fd: 0, or -1 when the reader has gone */
static int
put(int fd, const char *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t w = write(fd, buf + done, len - done);

		if (w > 0)
			done += (size_t)w;
		else if (w == 0 || errno != EINTR)
			return -1;
	}
	return 0;
}

/*
 * Passive: buf[0, len) relayed into fd but for a line that is pat (of
 * plen bytes, its new line included), which ends it; *pos: how much of
 * pat the bytes held so far match (-1: this line cannot).  1 when pat
 * came (*used: the bytes taken up to its end), 0 when not, -1 when the
 * reader has gone.
 */
static int
relay_until(int fd, const char *buf, size_t len, const char *pat,
    size_t plen, long *pos, size_t *used)
{
	char out[65536];
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		char b = buf[i];

		if (*pos >= 0 && b == pat[*pos]) {
			if ((size_t)++*pos == plen) {
				*used = i + 1;
				return put(fd, out, n) < 0 ? -1 : 1;
			}
			continue;	/* held: it may be the line */
		}
		if (*pos > 0) {		/* what was held is the script's */
			memcpy(out + n, pat, (size_t)*pos);
			n += (size_t)*pos;
		}
		out[n++] = b;
		*pos = b == '\n' ? 0 : -1;
		if (n + plen + 1 > sizeof(out)) {
			if (put(fd, out, n) < 0)
				return -1;
			n = 0;
		}
	}
	*used = len;
	return put(fd, out, n) < 0 ? -1 : 0;
}

/* does a process of the tree under root wait on the pipe? */
static bool
waiting(pid_t root, const char *want)
{
	pid_t procs[WATCH_PROCS];
	size_t n = 1;

	procs[0] = root;
	for (size_t i = 0; i < n; i++) {
		char p[64], buf[4096], *s, *end;
		ssize_t len;
		int f;

		if (reads_pipe(procs[i], want))
			return true;
		/* its children (those of its main thread) */
		snprintf(p, sizeof(p), "/proc/%d/task/%d/children",
		    (int)procs[i], (int)procs[i]);
		if ((f = open(p, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		len = read(f, buf, sizeof(buf) - 1);
		close(f);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		for (s = buf; n < WATCH_PROCS; s = end) {
			long v = strtol(s, &end, 10);

			if (end == s)
				break;
			if (v > 0)
				procs[n++] = (pid_t)v;
		}
	}
	return false;
}

/* the exit status of this process for a child's wait status */
static int
exit_code(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* forks PROGRAM ARGS... (argv) with stdin in (-1: this one's) and mask */
static pid_t
start(char **argv, int in, const sigset_t *mask)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	sigprocmask(SIG_SETMASK, mask, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (in >= 0 && dup2(in, 0) < 0)
		_exit(127);
	execvp(argv[0], argv);
	fprintf(stderr, "winrmd-stdin-watch: %s: %s\n", argv[0],
	    strerror(errno));
	_exit(127);
}

/* -r PROGRAM ARGS...: its parent, its wait status on descriptor 3 */
static int
reap(char **argv)
{
	sigset_t all, old;
	int status, null;
	pid_t pid;

	sigfillset(&all);
	if (fcntl(3, F_SETFD, FD_CLOEXEC) < 0 ||
	    sigprocmask(SIG_BLOCK, &all, &old) < 0 ||
	    (pid = start(argv, -1, &old)) < 0) {
		perror("winrmd-stdin-watch");
		return 127;
	}
	/* stdin's, stdout's and stderr's ends are the program's alone */
	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		for (int fd = 0; fd < 3; fd++)
			dup2(null, fd);
		close(null);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 127;
	if (write(3, &status, sizeof(status)) != sizeof(status)) {
		/* nobody holds the status pipe: nobody asks */
	}
	return exit_code(status);
}

int
main(int argc, char **argv)
{
	const char *token;
	char want[64], buf[65536], pat[128];
	bool passive = false;
	long pos = 0;
	size_t plen;
	int p[2], status, ms = WATCH_MIN_MS, in = 0, sfd;
	bool asked = false;
	sigset_t chld, old;
	struct stat st;
	pid_t pid;

	if (argc < 3) {
		fputs("usage: winrmd-stdin-watch [-p] TOKEN PROGRAM ARGS...\n"
		    "       winrmd-stdin-watch -r PROGRAM ARGS...\n"
		    "winrmd-stdin-watch runs a PowerShell pipeline's shell, or "
		    "reaps a command, for winrmd, which starts it.\n", stderr);
		return 2;
	}
	argv++;
	if (strcmp(argv[0], "-r") == 0)
		return reap(argv + 1);
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(argv[0], "-p") == 0) {
		passive = true;
		argv++;
		argc--;
	}
	token = argv[0];
	if (argc < 3 || strlen(token) + 2 > sizeof(pat))
		return 2;
	plen = (size_t)snprintf(pat, sizeof(pat), "%s\n", token);
	if (pipe2(p, O_CLOEXEC) < 0 || fstat(p[1], &st) < 0) {
		perror("winrmd-stdin-watch");
		return 1;
	}
	snprintf(want, sizeof(want), "pipe:[%llu]",
	    (unsigned long long)st.st_ino);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &chld, &old) < 0 ||
	    (sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK)) < 0 ||
	    (pid = start(argv + 1, p[0], &old)) < 0) {
		perror("winrmd-stdin-watch");
		return 1;
	}
	close(p[0]);
	/* ctrl_c reaches the whole group: the child decides what it means */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	for (;;) {
		struct pollfd pf[2] = { { .fd = sfd, .events = POLLIN },
		    { .fd = in, .events = POLLIN } };
		struct signalfd_siginfo si;
		pid_t w = waitpid(pid, &status, WNOHANG);
		int r, queued = 0;

		if (w == pid)
			break;
		r = poll(pf, in >= 0 ? 2 : 1, ms);
		if (r > 0 && (pf[0].revents & POLLIN)) {
			while (read(sfd, &si, sizeof(si)) == sizeof(si))
				;
			continue;	/* a child's end: waitpid says whose */
		}
		if (r > 0) {
			ssize_t n = read(in, buf, sizeof(buf));

			if (n > 0) {
				size_t used = 0;
				int k = 0;

				if (passive && p[1] >= 0) {
					k = relay_until(p[1], buf, (size_t)n, pat,
					    plen, &pos, &used);
					if (k == 1)
						passive = false;
				}
				if (k >= 0 && p[1] >= 0 && used < (size_t)n &&
				    put(p[1], buf + used, (size_t)n - used) < 0)
					k = -1;
				if (k < 0 && p[1] >= 0) {
					close(p[1]);
					p[1] = -1;
				}
				asked = false;
				ms = WATCH_MIN_MS;
			} else if (n == 0 || errno != EINTR) {
				/* the daemon's end: the pipeline's */
				in = -1;
				if (passive && pos > 0 && p[1] >= 0)
					(void)put(p[1], pat, (size_t)pos);
				if (p[1] >= 0)
					close(p[1]);
				p[1] = -1;
			}
			continue;
		}
		if (!passive && !asked && p[1] >= 0 && ioctl(p[1], FIONREAD, &queued) == 0
		    && queued == 0 && waiting(pid, want)) {
			printf("%s\n", token);
			fflush(stdout);
			asked = true;
		}
		if (ms < WATCH_MAX_MS)
			ms = ms * 2 > WATCH_MAX_MS ? WATCH_MAX_MS : ms * 2;
	}
	return exit_code(status);
}
