/*
 * keeper.c: what lets a running command outlive the daemon (docs/DESIGN.md
 * §8.4).  A stopping daemon puts each command it keeps into a set (the
 * shell plugin's record of it, opaque here, and its descriptors: output
 * pipes, stdin, pidfd); a keeper process holds the set on a local
 * SOCK_SEQPACKET socket for a bounded grace period, during which the next
 * daemon claims it whole, as monitor_msg.c's messages (MON_KEEP_ITEM per
 * item, MON_KEEP_END with the count; or MON_KEEP_END with -EACCES for a
 * claimant of another account).  Both ends check who the other is
 * (SO_PEERCRED).  Nothing claimed in time, or a stop: the keeper kills
 * each kept process group through its pidfd, so a stop still leaves
 * nothing behind.  The keeper never reads the pipes: a command that fills
 * one waits, as it would for a slow client.  Exit statuses come from the
 * pidfd (PIDFD_INFO_EXIT) once the processes' new parent (init, or the
 * service manager) has reaped them.
 */
#include "build.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "keeper.h"
#include "log.h"
#include "session.h"
#include "spawn.h"

#ifndef PIDFD_SIGNAL_PROCESS_GROUP
#define PIDFD_SIGNAL_PROCESS_GROUP	(1U << 2)
#endif

/* the kernel's struct pidfd_info up to exit_code (PIDFD_INFO_SIZE_VER0) */
struct keep_pidfd_info {
	uint64_t	mask, cgroupid;
	uint32_t	pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid;
	uint32_t	fsuid, fsgid;
	int32_t		exit_code;
	uint32_t	coredump_mask, spare;
};
#define KEEP_PIDFD_GET_INFO	_IOWR(0xFF, 11, struct keep_pidfd_info)
#define KEEP_PIDFD_INFO_EXIT	(1ULL << 3)

/* --------------------------------------------------------------- the set */

static void
close_all(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

int
keep_add(struct keep_set *s, const char *tag, const void *data, size_t len,
    const int *fds, int nfds, int pidfd)
{
	struct keep_item *it;

	if (tag == NULL || nfds < 0 || nfds > MON_FDS_MAX ||
	    pidfd < -1 || pidfd >= nfds || (len > 0 && data == NULL)) {
		close_all((int *)fds, nfds > MON_FDS_MAX ? MON_FDS_MAX : nfds);
		return -EINVAL;
	}
	if (s->n >= KEEP_ITEMS_MAX || len > KEEP_DATA_MAX ||
	    len > KEEP_BYTES_MAX - s->bytes) {
		close_all((int *)fds, nfds);
		return -E2BIG;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct keep_item *v = realloc(s->v, cap * sizeof(*v));

		if (v == NULL) {
			close_all((int *)fds, nfds);
			return -ENOMEM;
		}
		s->v = v;
		s->cap = cap;
	}
	it = &s->v[s->n];
	memset(it, 0, sizeof(*it));
	it->tag = strdup(tag);
	it->data = malloc(len ? len : 1);
	if (it->tag == NULL || it->data == NULL) {
		free(it->tag);
		free(it->data);
		close_all((int *)fds, nfds);
		return -ENOMEM;
	}
	if (len > 0)
		memcpy(it->data, data, len);
	it->len = len;
	for (int i = 0; i < MON_FDS_MAX; i++)
		it->fds[i] = i < nfds ? fds[i] : -1;
	it->nfds = nfds;
	it->pidfd = pidfd;
	it->killable = pidfd >= 0;	/* keeper_main vets it */
	s->bytes += len;
	s->n++;
	return 0;
}

void
keep_free(struct keep_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		close_all(s->v[i].fds, s->v[i].nfds);
		free(s->v[i].tag);
		free(s->v[i].data);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* ------------------------------------------------------------ the keeper */

static int
fill_addr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a->sun_path))
		return -ENAMETOOLONG;
	strcpy(a->sun_path, path);
	return 0;
}

int
keeper_listen(const char *path)
{
	struct sockaddr_un a;
	mode_t old;
	int fd, r;

	if ((r = fill_addr(&a, path)) < 0)
		return r;
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (unlink(path) < 0 && errno != ENOENT) {
		r = -errno;
		close(fd);
		return r;
	}
	old = umask(077);
	r = bind(fd, (struct sockaddr *)&a, sizeof(a));
	umask(old);
	if (r < 0 || listen(fd, 4) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
io_timeout(int fd, int opt)
{
	struct timeval tv = { KEEP_IO_MS / 1000, (KEEP_IO_MS % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv));
}

static int
peer_uid(int fd, uid_t *uid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return -errno;
	*uid = cr.uid;
	return 0;
}

static int
send_end(int fd, struct mon_msg *m, int64_t v)
{
	mon_msg_reset(m, MON_KEEP_END);
	mon_put_i64(m, v);
	return mon_send(fd, m);
}

/* sends the whole set over conn: 0 or -errno (the set is still held) */
static int
hand_over(int conn, struct mon_msg *m, const struct keep_set *s)
{
	int r;

	for (size_t i = 0; i < s->n; i++) {
		const struct keep_item *it = &s->v[i];

		mon_msg_reset(m, MON_KEEP_ITEM);
		mon_put_str(m, it->tag);
		mon_put_bytes(m, it->data, it->len);
		mon_put_i64(m, it->pidfd);
		for (int k = 0; k < it->nfds; k++)
			mon_put_fd(m, it->fds[k]);
		r = mon_send(conn, m);
		m->nfds = 0;	/* the set's, not the message's to close */
		memset(m->fds, -1, sizeof(m->fds));
		if (r < 0)
			return r;
	}
	return send_end(conn, m, (int64_t)s->n);
}

static size_t
kill_all(const struct keep_set *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++) {
		int fd = s->v[i].pidfd >= 0 ? s->v[i].fds[s->v[i].pidfd] : -1;

		if (fd < 0 || !s->v[i].killable)
			continue;
		if (syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL,
		    PIDFD_SIGNAL_PROCESS_GROUP) == 0 ||
		    (errno == EINVAL &&	/* before Linux 6.9: the leader */
		    syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) == 0))
			n++;
		else if (errno != ESRCH)
			log_warn("keeper: killing a kept process group: %s",
			    strerror(errno));
	}
	return n;
}

int
keeper_serve(int lfd, uid_t claim_uid, unsigned grace_ms, int stop_fd,
    struct keep_set *s)
{
	uint64_t end = now_ms() + grace_ms;
	struct mon_msg m;
	int r;

	if ((r = mon_msg_init(&m, MON_KEEP_END)) < 0)
		return r;
	log_notice("keeper: holding %zu kept item(s) for %u ms until a "
	    "restarted winrmd claims them", s->n, grace_ms);
	for (;;) {
		struct pollfd p[2] = { { lfd, POLLIN, 0 }, { stop_fd, POLLIN, 0 } };
		uint64_t now = now_ms();
		uid_t uid = 0;
		int conn;

		if (now >= end)
			break;
		r = poll(p, stop_fd >= 0 ? 2 : 1, (int)(end - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || (stop_fd >= 0 && p[1].revents != 0))
			break;
		if (r == 0)
			continue;
		if ((conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		io_timeout(conn, SO_SNDTIMEO);
		if ((r = peer_uid(conn, &uid)) < 0) {
			close(conn);
			continue;
		}
		if (uid != claim_uid && uid != 0) {
			log_warn("keeper: a claim by uid %u refused (only uid %u "
			    "or root may claim)", (unsigned)uid,
			    (unsigned)claim_uid);
			send_end(conn, &m, -EACCES);
			close(conn);
			continue;
		}
		r = hand_over(conn, &m, s);
		close(conn);
		if (r == 0) {
			log_notice("keeper: %zu kept item(s) claimed by uid %u",
			    s->n, (unsigned)uid);
			keep_free(s);
			mon_msg_free(&m);
			return 1;
		}
		log_warn("keeper: handing over to uid %u failed: %s; still "
		    "holding", (unsigned)uid, strerror(-r));
	}
	r = (int)kill_all(s);
	log_warn("keeper: nothing claimed %zu kept item(s) within %u ms: "
	    "killed %d process group(s)", s->n, grace_ms, r);
	keep_free(s);
	mon_msg_free(&m);
	return 0;
}

/* ------------------------------------------------------------- the claim */

static int
take_item(struct mon_msg *m, struct keep_set *out)
{
	int fds[MON_FDS_MAX], n = 0;
	const char *tag = mon_get_str(m, NULL);
	size_t len;
	const void *data = mon_get_bytes(m, &len);
	int64_t pidfd = mon_get_i64(m);

	while (n < MON_FDS_MAX && (fds[n] = mon_take_fd(m)) >= 0)
		n++;
	if (mon_get_end(m) < 0 || tag == NULL || data == NULL ||
	    pidfd < -1 || pidfd >= n) {
		close_all(fds, n);
		return -EBADMSG;
	}
	return keep_add(out, tag, data, len, fds, n, (int)pidfd);
}

/* items until MON_KEEP_END: 0, -EACCES (refused), -errno */
static int
receive_set(int fd, struct keep_set *out)
{
	struct mon_msg m;
	size_t got = 0;
	int r;

	if ((r = mon_msg_init(&m, 0)) < 0)
		return r;
	while ((r = mon_recv(fd, &m)) == 0) {
		if (m.type == MON_KEEP_ITEM) {
			if ((r = take_item(&m, out)) < 0)
				break;
			got++;
			continue;
		}
		if (m.type == MON_KEEP_END) {
			int64_t n = mon_get_i64(&m);

			if (mon_get_end(&m) < 0)
				r = -EBADMSG;
			else if (n < 0)
				r = n == -EACCES ? -EACCES : -EPROTO;
			else if ((size_t)n != got)
				r = -EPROTO;
			break;
		}
		r = -EBADMSG;
		break;
	}
	mon_msg_free(&m);
	return r == -EPIPE ? -EPROTO : r;
}

int
keeper_claim(const char *path, uid_t keeper_uid, struct keep_set *out)
{
	struct sockaddr_un a;
	uid_t uid = 0;
	int fd, r;

	if ((r = fill_addr(&a, path)) < 0)
		return r;
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		r = errno == ENOENT || errno == ECONNREFUSED ? 0 : -errno;
		close(fd);
		return r;	/* no keeper: nothing kept */
	}
	if ((r = peer_uid(fd, &uid)) < 0 || (uid != keeper_uid && uid != 0)) {
		close(fd);
		return r < 0 ? r : -EPERM;
	}
	io_timeout(fd, SO_RCVTIMEO);
	r = receive_set(fd, out);
	close(fd);
	return r;
}

int
keeper_send(int fd, const struct keep_set *s)
{
	struct mon_msg m;
	int r;

	if ((r = mon_msg_init(&m, MON_KEEP_END)) < 0)
		return r;
	io_timeout(fd, SO_SNDTIMEO);
	r = hand_over(fd, &m, s);
	mon_msg_free(&m);
	return r;
}

/* uid and gid, no groups, CAP_KILL alone: what killing the kept needs */
static int
drop_to(uid_t uid, gid_t gid)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (uid == 0)
		return 0;
	if (prctl(PR_SET_KEEPCAPS, 1) < 0 || setgroups(0, NULL) < 0 ||
	    setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		return -errno;
	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = 1u << CAP_KILL;
	if (syscall(SYS_capset, &h, d) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

pid_t
keeper_pidfd_pid(int fd)
{
	char path[64], line[128];
	int pid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Pid: %d", &pid) == 1)
			break;
	fclose(f);
	return pid > 1 ? (pid_t)pid : 0;
}

/*
 * Drops the items whose process is not of an account that may run
 * processes (root only with permit_root): a network part that sent the
 * pidfd of another process gets nothing killed by the keeper
 */
void
keeper_vet(struct keep_set *s, bool permit_root)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++) {
		struct keep_item *it = &s->v[i];
		char proc[32];
		struct stat st;
		pid_t pid;

		it->killable = false;
		if (it->pidfd < 0 ||
		    (pid = keeper_pidfd_pid(it->fds[it->pidfd])) == 0) {
			/* no process, or one that ended: nothing to kill */
			s->v[k++] = *it;
			continue;
		}
		if (snprintf(proc, sizeof(proc), "/proc/%d", (int)pid) > 0 &&
		    stat(proc, &st) == 0 &&
		    spawn_uid_may_run(st.st_uid, permit_root)) {
			it->killable = true;
			s->v[k++] = *it;
			continue;
		}
		log_warn("keeper: an item for process %d refused: not of an "
		    "account that may run processes", (int)pid);
		close_all(it->fds, it->nfds);
		s->bytes -= it->len;
		free(it->tag);
		free(it->data);
	}
	s->n = k;
}

int
keeper_spawn(const char *path, unsigned grace_ms, uid_t uid, gid_t gid,
    uid_t claim_uid, bool permit_root)
{
	char num[4][24], *argv[9];
	int sv[2], st, r;
	pid_t pid;

	snprintf(num[0], sizeof(num[0]), "%u", grace_ms);
	snprintf(num[1], sizeof(num[1]), "%u", (unsigned)uid);
	snprintf(num[2], sizeof(num[2]), "%u", (unsigned)gid);
	snprintf(num[3], sizeof(num[3]), "%u", (unsigned)claim_uid);
	argv[0] = (char *)"winrmd";
	argv[1] = (char *)KEEPER_ARG;
	argv[2] = (char *)path;
	for (int i = 0; i < 4; i++)
		argv[3 + i] = num[i];
	argv[7] = (char *)(permit_root ? "1" : "0");
	argv[8] = NULL;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	if ((pid = fork()) < 0) {
		r = -errno;
		close(sv[0]);
		close(sv[1]);
		return r;
	}
	if (pid == 0)
		session_exec_helper(sv[1], sv[1], argv);
	close(sv[1]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		close(sv[0]);
		return -ECHILD;
	}
	return sv[0];
}

/* winrmd --keeper PATH GRACE_MS UID GID CLAIM_UID ROOT, the set on stdin */
int
keeper_main(int argc, char **argv)
{
	struct keep_set s = { 0 };
	unsigned long v[4];
	int lfd, r;

	if (argc != 8 || (strcmp(argv[7], "0") != 0 &&
	    strcmp(argv[7], "1") != 0))
		return 2;
	for (int i = 0; i < 4; i++) {
		char *end;

		errno = 0;
		v[i] = strtoul(argv[3 + i], &end, 10);
		if (errno != 0 || *end != '\0' || v[i] > UINT32_MAX)
			return 2;
	}
	log_init(1, LOG_INFO);
	signal(SIGPIPE, SIG_IGN);
	/* the socket first, as root; then only what killing needs */
	if ((lfd = keeper_listen(argv[2])) < 0 ||
	    (r = drop_to((uid_t)v[1], (gid_t)v[2])) < 0 ||
	    (r = receive_set(0, &s)) < 0) {
		r = lfd < 0 ? lfd : r;
		log_err("keeper: %s: %s; the kept commands are killed", argv[2],
		    strerror(-r));
		kill_all(&s);
		keep_free(&s);
		if (lfd >= 0)
			unlink(argv[2]);
		return 1;
	}
	close(0);
	keeper_vet(&s, argv[7][0] == '1');
	r = keeper_serve(lfd, (uid_t)v[3], (unsigned)v[0], -1, &s);
	close(lfd);
	unlink(argv[2]);
	return r == 1 ? 0 : 1;
}

int
keeper_exit_status(int pidfd, int *wstatus)
{
	struct keep_pidfd_info info;
	int r;

	/*
	 * ESRCH: reaped, and a kernel that kept no exit status; or reaped
	 * between the kernel's look at the exit status and at the process
	 * (Linux 6.18 answers so to about one in fifteen asks that race the
	 * reaping parent): asked once more, the status is there
	 */
	for (int i = 0; i < 2; i++) {
		memset(&info, 0, sizeof(info));
		info.mask = KEEP_PIDFD_INFO_EXIT;
		if ((r = ioctl(pidfd, KEEP_PIDFD_GET_INFO, &info)) == 0 ||
		    errno != ESRCH)
			break;
	}
	if (r < 0)
		return errno == ESRCH || errno == ENOTTY || errno == EINVAL ?
		    -EOPNOTSUPP : -errno;
	if ((info.mask & KEEP_PIDFD_INFO_EXIT) == 0)
		return -EAGAIN;
	*wstatus = info.exit_code;
	return 0;
}

int
keeper_exit_status_probe(void)
{
	int st, pidfd, r;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(0);
	/* a zombie until reaped: its pidfd still opens */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (pidfd < 0)
		return -EOPNOTSUPP;
	r = keeper_exit_status(pidfd, &st);
	close(pidfd);
	return r == 0 ? 0 : -EOPNOTSUPP;
}
