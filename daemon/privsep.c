/*
 * privsep.c: the network part's side of privilege separation: forking the
 * monitor, dropping to PRIVSEP_USER (no groups, no capabilities,
 * no_new_privs, a seccomp filter on every thread) and the calls that ask
 * the monitor for what needs root.
 *
 * The monitor is the network part's child, not its parent: a user's
 * process is cloned by the monitor with CLONE_PARENT, so it is the network
 * part's child and the plugins supervise it as before (its pidfd, waitid).
 * If the network part ends, the monitor sees end of file (and its parent
 * death signal) and exits; if the monitor ends, the network part sees end
 * of file on a socket the monitor holds and never writes, logs it and
 * exits: systemd restarts the service, nothing restarts silently.
 *
 * One channel (a SOCK_SEQPACKET socketpair) per thread that may call at a
 * time: the loop thread (the first, its own) and the PAM workers.  A call
 * takes a free channel, sends one request and waits for its one answer;
 * the monitor serves each channel on a thread of its own, so a PAM delay
 * on one holds no other, and the workers' channels at the workers' lower
 * priority (WORKER_NICE).
 *
 * The seccomp filter (libseccomp) allows everything but what a network
 * parser never needs and an attacker would: changing credentials, execve,
 * ptrace and reading other processes' memory, mounts and namespaces,
 * modules, kexec, reboot, swap, BPF, perf, keyrings, clock changes, raw
 * I/O.  Those fail with EPERM (a library's probe must not kill the
 * daemon); with no capabilities and no_new_privs they would fail anyway,
 * the filter is the second wall.
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth.h"
#include "log.h"
#include "monitor_msg.h"
#include "privsep.h"
#include "reactor.h"
#include "spawn.h"
#include "workers.h"

#define CHANNELS	6	/* the loop thread, 4 PAM workers, one spare */

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER_BUILD	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZER_BUILD	1
#endif
#endif

static struct {
	bool		 active, dropped;
	pid_t		 monitor;
	uid_t		 uid;
	gid_t		 gid;
	int		 socks[CHANNELS];
	int		 alive;		/* end of file: the monitor is gone */
	struct winrmd_watch *w_alive;
	bool		 busy[CHANNELS];
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
} P = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

bool
privsep_active(void)
{
	return P.active;
}

bool
privsep_dropped(void)
{
	return P.dropped;
}

pid_t
privsep_monitor_pid(void)
{
	return P.active ? P.monitor : -1;
}

int
privsep_start(void (*monitor)(int *socks, int n, pid_t network))
{
	int mine[CHANNELS], theirs[CHANNELS], n = 0, alive[2];
	struct passwd *pw;
	pid_t parent = getpid(), pid;

	if ((pw = getpwnam(PRIVSEP_USER)) == NULL || pw->pw_uid == 0) {
		log_err("privsep: the user %s does not exist (useradd --system "
		    "--no-create-home --shell /usr/sbin/nologin %s), or "
		    "set [Service] PrivilegeSeparation = false", PRIVSEP_USER,
		    PRIVSEP_USER);
		return -1;
	}
	P.uid = pw->pw_uid;
	P.gid = pw->pw_gid;
	for (; n < CHANNELS; n++) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
		    sv) < 0) {
			log_err("privsep: socketpair: %s", strerror(errno));
			goto fail;
		}
		mine[n] = sv[0];
		theirs[n] = sv[1];
	}
	/* the monitor holds one end and never writes: the other's EOF */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, alive) < 0) {
		log_err("privsep: socketpair: %s", strerror(errno));
		goto fail;
	}
	if ((pid = fork()) < 0) {
		log_err("privsep: fork: %s", strerror(errno));
		close(alive[0]);
		close(alive[1]);
		goto fail;
	}
	if (pid == 0) {
		for (int i = 0; i < CHANNELS; i++)
			close(mine[i]);
		close(alive[0]);
		monitor(theirs, CHANNELS, parent);
		_exit(1);
	}
	for (int i = 0; i < CHANNELS; i++) {
		close(theirs[i]);
		P.socks[i] = mine[i];
	}
	close(alive[1]);
	P.alive = alive[0];
	P.monitor = pid;
	P.active = true;
	return 0;
fail:
	for (int i = 0; i < n; i++) {
		close(mine[i]);
		close(theirs[i]);
	}
	return -1;
}

static int
seccomp_install(void)
{
	static const char *const deny[] = {
		"setuid", "setgid", "setreuid", "setregid", "setresuid",
		"setresgid", "setfsuid", "setfsgid", "setgroups", "capset",
		"execve", "execveat",
#ifndef SANITIZER_BUILD
		/* LeakSanitizer stops the threads with ptrace at exit */
		"ptrace",
#endif
		"process_vm_readv",
		"process_vm_writev", "mount", "umount2", "pivot_root", "chroot",
		"unshare", "setns", "init_module", "finit_module",
		"delete_module", "kexec_load", "kexec_file_load", "reboot",
		"swapon", "swapoff", "bpf", "perf_event_open", "add_key",
		"request_key", "keyctl", "settimeofday", "clock_settime",
		"clock_adjtime", "adjtimex", "iopl", "ioperm", "acct",
		"quotactl", "open_by_handle_at", "name_to_handle_at",
		"userfaultfd", "personality", "sethostname", "setdomainname",
		"fsopen", "fsmount", "move_mount", "open_tree", "fsconfig",
		"fspick", "mount_setattr", "vhangup",
	};
	scmp_filter_ctx ctx;
	int r;

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(deny) / sizeof(deny[0]); i++) {
		int nr = seccomp_syscall_resolve_name(deny[i]);

		/* not on this architecture */
		if (nr == __NR_SCMP_ERROR)
			continue;
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr,
		    0)) < 0) {
			log_err("privsep: seccomp rule for %s: %s", deny[i],
			    strerror(-r));
			goto out;
		}
	}
	/* every thread (the workers run already), and no_new_privs on them */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) < 0 ||
	    (r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1)) < 0)
		goto out;
	r = seccomp_load(ctx);
out:
	seccomp_release(ctx);
	return r;
}

/* the monitor ended between two calls: the network part follows */
static void
on_monitor_gone(int fd, uint32_t events, void *arg)
{
	char c;

	(void)events;
	(void)arg;
	if (recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK) < 0 && errno == EAGAIN)
		return;
	log_err("privsep: the monitor is gone: exiting");
	_exit(1);
}

int
privsep_drop(void)
{
	struct mon_msg m;
	int r;

	if (!P.active)
		return 0;
	if (setgroups(0, NULL) < 0 || setresgid(P.gid, P.gid, P.gid) < 0 ||
	    setresuid(P.uid, P.uid, P.uid) < 0) {
		log_err("privsep: cannot become %s: %s", PRIVSEP_USER,
		    strerror(errno));
		return -1;
	}
	if (setuid(0) == 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		log_err("privsep: the privileges were not dropped");
		return -1;
	}
#ifndef SANITIZER_BUILD
	/* not dumped, not traced by any user */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#else
	/* LeakSanitizer's tracer attaches to the threads at exit; the uid
	 * change made the process undumpable */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#endif
	if ((r = seccomp_install()) < 0) {
		log_err("privsep: seccomp: %s", strerror(-r));
		return -1;
	}
	P.dropped = true;
	if ((P.w_alive = reactor_watch(P.alive, WINRMD_IN, on_monitor_gone,
	    NULL)) == NULL || mon_msg_init(&m, MON_DROPPED) < 0)
		return -1;
	r = mon_send(P.socks[0], &m);
	if (r == 0)
		r = mon_recv(P.socks[0], &m);
	mon_msg_free(&m);
	if (r < 0) {
		log_err("privsep: the monitor does not answer: %s", strerror(-r));
		return -1;
	}
	log_info("privsep: the network part runs as %s (uid %u), pid %ld; "
	    "the monitor is pid %ld", PRIVSEP_USER, (unsigned)P.uid,
	    (long)getpid(), (long)P.monitor);
	return 0;
}

void
privsep_stop(void)
{
	reactor_watch_remove(P.w_alive);
	P.w_alive = NULL;
}

/* ------------------------------------------------------------- calls */

/*
 * The first channel is the loop thread's alone (it never waits for one);
 * the workers take the others, which the monitor serves at the workers'
 * priority: a storm's PAM hashing there never competes with the loop.
 */
static int
channel_take(void)
{
	int c = -1, first = workers_current() ? 1 : 0;
	int end = first == 0 ? 1 : CHANNELS;

	pthread_mutex_lock(&P.lock);
	for (;;) {
		for (int i = first; i < end && c < 0; i++)
			if (!P.busy[i])
				c = i;
		if (c >= 0)
			break;
		pthread_cond_wait(&P.cond, &P.lock);
	}
	P.busy[c] = true;
	pthread_mutex_unlock(&P.lock);
	return c;
}

static void
channel_give(int c)
{
	pthread_mutex_lock(&P.lock);
	P.busy[c] = false;
	pthread_cond_signal(&P.cond);
	pthread_mutex_unlock(&P.lock);
}

/*
 * Sends m, replaces it by the answer: its result (the first field), or
 * -errno of the channel.  A monitor gone is the end of the network part.
 */
int64_t
mon_call(struct mon_msg *m)
{
	int c = channel_take(), r;
	int64_t res;

	if ((r = mon_send(P.socks[c], m)) == 0)
		r = mon_recv(P.socks[c], m);
	channel_give(c);
	if (r == 0 && m->type != MON_REPLY)
		r = -EBADMSG;
	if (r < 0) {
		log_err("privsep: the monitor is gone (%s): exiting",
		    strerror(-r));
		_exit(1);
	}
	res = mon_get_i64(m);
	return m->bad ? -EBADMSG : res;
}

void
mon_pam_check(const char *user, const char *password, const char *rhost,
    struct pam_result *res)
{
	struct mon_msg m;
	const char *why;

	memset(res, 0, sizeof(*res));
	if (mon_msg_init(&m, MON_PAM_CHECK) < 0) {
		snprintf(res->why, sizeof(res->why), "out of memory");
		return;
	}
	mon_put_str(&m, user);
	mon_put_str(&m, password);
	mon_put_str(&m, rhost);
	res->ok = mon_call(&m) == 1;
	res->fail_delay_us = (unsigned)mon_get_i64(&m);
	why = mon_get_str(&m, NULL);
	snprintf(res->why, sizeof(res->why), "%s", why ? why : "");
	/* the password went through the buffer: wipe it */
	explicit_bzero(m.buf, sizeof(struct mon_hdr) + m.len);
	mon_msg_free(&m);
}

bool
mon_account_locked(const char *user)
{
	struct mon_msg m;
	bool locked;

	if (mon_msg_init(&m, MON_LOCKED) < 0)
		return false;
	mon_put_str(&m, user);
	locked = mon_call(&m) == 1;
	mon_msg_free(&m);
	return locked;
}

int
mon_spawn(const struct winrmd_spawn_req *req, const struct spawn_opts *o,
    struct winrmd_child *ret)
{
	struct mon_msg m;
	int64_t r;

	if (req->user == NULL || req->argv == NULL)
		return -EINVAL;
	if ((r = mon_msg_init(&m, MON_SPAWN)) < 0)
		return (int)r;
	mon_put_str(&m, req->user->name);
	mon_put_i64(&m, req->user->uid);
	mon_put_str(&m, req->path);
	mon_put_strv(&m, req->argv);
	mon_put_strv(&m, req->env);
	mon_put_str(&m, req->cwd);
	mon_put_i64(&m, req->merge_stderr);
	mon_put_i64(&m, (int64_t)req->mem_limit);
	mon_put_i64(&m, (int64_t)req->nproc_limit);
	mon_put_i64(&m, (int64_t)(uintptr_t)req->group);
	mon_put_i64(&m, o->detach);
	mon_put_i64(&m, o->reap_fd != NULL);
	if (m.bad) {
		mon_msg_free(&m);
		return -E2BIG;
	}
	r = mon_call(&m);
	ret->pid = (pid_t)mon_get_i64(&m);
	if (r < 0) {
		/* a child that failed before exec is ours to reap */
		if (ret->pid > 0 && !o->detach)
			while (waitpid(ret->pid, NULL, 0) < 0 && errno == EINTR)
				;
		mon_msg_free(&m);
		return r < -4095 ? -EIO : (int)r;
	}
	ret->in_fd = mon_take_fd(&m);
	ret->out_fd = mon_take_fd(&m);
	ret->err_fd = mon_get_i64(&m) ? mon_take_fd(&m) : -1;
	ret->pidfd = mon_get_i64(&m) ? mon_take_fd(&m) : -1;
	if (o->reap_fd != NULL)
		*o->reap_fd = mon_get_i64(&m) ? mon_take_fd(&m) : -1;
	if (mon_get_end(&m) < 0 || ret->in_fd < 0 || ret->out_fd < 0 ||
	    (o->reap_fd != NULL && *o->reap_fd < 0)) {
		log_err("privsep: a malformed spawn answer");
		_exit(1);
	}
	mon_msg_free(&m);
	return 0;
}

int
mon_signal(pid_t pid, int sig, bool group)
{
	struct mon_msg m;
	int r;

	if ((r = mon_msg_init(&m, MON_SIGNAL)) < 0)
		return r;
	mon_put_i64(&m, pid);
	mon_put_i64(&m, sig);
	mon_put_i64(&m, group);
	r = (int)mon_call(&m);
	mon_msg_free(&m);
	return r;
}

int
mon_kill_marked(uid_t uid, const char *entry)
{
	struct mon_msg m;
	int r;

	if ((r = mon_msg_init(&m, MON_KILL_MARKED)) < 0)
		return r;
	mon_put_i64(&m, uid);
	mon_put_str(&m, entry);
	r = (int)mon_call(&m);
	mon_msg_free(&m);
	return r;
}

int
mon_terminate(const char *user, uid_t uid, pid_t pid)
{
	struct mon_msg m;
	int r;

	if ((r = mon_msg_init(&m, MON_TERMINATE)) < 0)
		return r;
	mon_put_str(&m, user);
	mon_put_i64(&m, uid);
	mon_put_i64(&m, pid);
	r = (int)mon_call(&m);
	mon_msg_free(&m);
	return r;
}

int
mon_session_helper(const char *user, const char *rhost, const char *id,
    int *to_fd, int *from_fd)
{
	struct mon_msg m;
	int r;

	if ((r = mon_msg_init(&m, MON_SESSION)) < 0)
		return r;
	mon_put_str(&m, user);
	mon_put_str(&m, rhost);
	mon_put_str(&m, id);
	if ((r = (int)mon_call(&m)) == 0) {
		*to_fd = mon_take_fd(&m);
		*from_fd = mon_take_fd(&m);
		if (*to_fd < 0 || *from_fd < 0) {
			log_err("privsep: a malformed session answer");
			_exit(1);
		}
	}
	mon_msg_free(&m);
	return r;
}

int
mon_keeper(unsigned grace_ms)
{
	struct mon_msg m;
	int r;

	if ((r = mon_msg_init(&m, MON_KEEPER)) < 0)
		return r;
	mon_put_i64(&m, grace_ms);
	if ((r = (int)mon_call(&m)) == 0 && (r = mon_take_fd(&m)) < 0) {
		log_err("privsep: a malformed keeper answer");
		_exit(1);
	}
	mon_msg_free(&m);
	return r;
}

void *
mon_group_create(const char *name, uint64_t mem, uint64_t procs)
{
	struct mon_msg m;
	int64_t id;

	if (mon_msg_init(&m, MON_GROUP_CREATE) < 0)
		return NULL;
	mon_put_str(&m, name);
	mon_put_i64(&m, (int64_t)mem);
	mon_put_i64(&m, (int64_t)procs);
	id = mon_call(&m);
	mon_msg_free(&m);
	if (id <= 0) {
		errno = id < 0 ? (int)-id : ENOTSUP;
		return NULL;
	}
	return (void *)(uintptr_t)id;
}

static int64_t
group_call(uint32_t type, void *g)
{
	struct mon_msg m;
	int64_t r;

	if (g == NULL || mon_msg_init(&m, type) < 0)
		return -EINVAL;
	mon_put_i64(&m, (int64_t)(uintptr_t)g);
	r = mon_call(&m);
	mon_msg_free(&m);
	return r;
}

void
mon_group_release(void *g)
{
	group_call(MON_GROUP_RELEASE, g);
}

void
mon_group_kill(void *g)
{
	group_call(MON_GROUP_KILL, g);
}

void
mon_group_destroy(void *g)
{
	group_call(MON_GROUP_DESTROY, g);
}

long
mon_group_procs(void *g, pid_t *pids, size_t max)
{
	struct mon_msg m;
	int64_t n;

	if (g == NULL || mon_msg_init(&m, MON_GROUP_PROCS) < 0)
		return -EINVAL;
	mon_put_i64(&m, (int64_t)(uintptr_t)g);
	mon_put_i64(&m, (int64_t)max);
	n = mon_call(&m);
	for (int64_t i = 0; n > 0 && i < n && (size_t)i < max; i++)
		pids[i] = (pid_t)mon_get_i64(&m);
	mon_msg_free(&m);
	return (long)n;
}

void
mon_pem_allow(const char *path)
{
	struct mon_msg m;

	if (mon_msg_init(&m, MON_PEM_ALLOW) < 0)
		return;
	mon_put_str(&m, path);
	mon_call(&m);
	mon_msg_free(&m);
}

char *
mon_pem_read(const char *path, size_t max)
{
	struct mon_msg m;
	const char *pem;
	char *copy = NULL;
	int64_t r;

	if (mon_msg_init(&m, MON_PEM_READ) < 0) {
		errno = ENOMEM;
		return NULL;
	}
	mon_put_str(&m, path);
	if ((r = mon_call(&m)) < 0)
		errno = (int)-r;
	else if ((pem = mon_get_str(&m, NULL)) == NULL || strlen(pem) >= max)
		errno = EFBIG;
	else if ((copy = strdup(pem)) == NULL)
		errno = ENOMEM;
	explicit_bzero(m.buf, sizeof(struct mon_hdr) + m.len);
	mon_msg_free(&m);
	return copy;
}

int
mon_conf_set(const struct winrmd_conf_change *set, size_t n, char *msg,
    size_t msglen)
{
	struct mon_msg m;
	const char *why;
	int r;

	if ((r = mon_msg_init(&m, MON_CONF_SET)) < 0)
		return r;
	mon_put_i64(&m, (int64_t)n);
	for (size_t i = 0; i < n; i++) {
		mon_put_str(&m, set[i].section);
		mon_put_str(&m, set[i].key);
		mon_put_str(&m, set[i].value);
	}
	if (m.bad) {
		mon_msg_free(&m);
		snprintf(msg, msglen, "the change is too large");
		return -EINVAL;
	}
	r = (int)mon_call(&m);
	why = mon_get_str(&m, NULL);
	snprintf(msg, msglen, "%s", why != NULL ? why : "");
	mon_msg_free(&m);
	return r;
}

int
mon_conf_open(void)
{
	struct mon_msg m;
	int r;

	if ((r = mon_msg_init(&m, MON_CONF_OPEN)) < 0)
		return r;
	if ((r = (int)mon_call(&m)) == 0 && (r = mon_take_fd(&m)) < 0)
		r = -EBADMSG;
	mon_msg_free(&m);
	return r;
}

void
mon_reload(void)
{
	struct mon_msg m;

	if (!P.active || mon_msg_init(&m, MON_RELOAD) < 0)
		return;
	mon_call(&m);
	mon_msg_free(&m);
}

#ifdef WINRMD_TEST_HOOKS
void
privsep_test_escape(void)
{
	char *const argv[] = { (char *)"/bin/true", NULL };
	int fd;

	log_notice("test hook: setuid(0): %s", setuid(0) == 0 ? "ALLOWED" :
	    strerror(errno));
	fd = open("/etc/shadow", O_RDONLY | O_CLOEXEC);
	log_notice("test hook: open(/etc/shadow): %s", fd >= 0 ? "ALLOWED" :
	    strerror(errno));
	if (fd >= 0)
		close(fd);
	/* a forged caller: root, whom PermitRoot (false) refuses */
	fd = mon_terminate("root", 0, 1);
	log_notice("test hook: terminate as root: %s", fd == 0 ? "ALLOWED" :
	    strerror(-fd));
	execve(argv[0], argv, NULL);
	log_notice("test hook: execve(/bin/true): %s", strerror(errno));
}
#endif
