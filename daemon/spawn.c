/*
 * spawn.c: fork, become the user, exec: the only place that starts a
 * process.  First the account must be one that may run processes (a valid
 * login shell, as login(1) and sshd require; root only with PermitRoot),
 * and the daemon must stay clear of its descriptor limit by a reserve kept
 * for connections and other users.  Everything that allocates or can take
 * a lock (argv, environment, PATH search, /etc/shells) happens before the
 * fork; the child only makes async-signal-safe calls and raw system calls.
 * Into a cgroup v2 group the child is cloned directly (clone3 with
 * CLONE_INTO_CGROUP), so the group's pids.max holds at the fork; elsewhere
 * it writes itself into the group before exec.  A close-on-exec status
 * pipe tells the parent whether exec succeeded and, if not, which step
 * failed; a detached child (a double fork) also sends its pid through it.
 * The child's audit login uid is the user's (child_loginuid): the login
 * session is the shell's (session.c), its processes are the user's.
 */
#include "build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "log.h"
#include "privsep.h"
#include "procfs.h"
#include "spawn.h"

/* transient descriptors of one spawn: 4 pipes, 2 join fds, a group, a pidfd */
#define SPAWN_FDS	12

#ifndef CLONE_PARENT
#define CLONE_PARENT		0x00008000ULL
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD		0x00001000ULL
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP	0x200000000ULL
#endif

/* the kernel's struct clone_args, version 2 (Linux 5.7) */
struct spawn_clone_args {
	uint64_t	flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t	stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

/*
 * The child calls the kernel, not glibc, to change its credentials: after
 * a raw clone3 glibc still believes the daemon's other threads exist, and
 * its setuid() family would try to signal them.
 */
#ifdef SYS_setresuid32
#define SYS_SETRESUID	SYS_setresuid32
#define SYS_SETRESGID	SYS_setresgid32
#define SYS_SETGROUPS	SYS_setgroups32
#else
#define SYS_SETRESUID	SYS_setresuid
#define SYS_SETRESGID	SYS_setresgid
#define SYS_SETGROUPS	SYS_setgroups
#endif

enum step { ST_SIGNALS = 1, ST_SETSID, ST_CGROUP, ST_RLIMIT, ST_GROUPS, ST_GID, ST_UID,
	ST_ROOT_CHECK, ST_CHDIR, ST_DUP, ST_CLOSE, ST_EXEC, ST_FORK,
	/* not a failure: the pid of a detached child */
	ST_DETACHED = 100 };

static const char *const step_names[] = {
	[ST_SIGNALS] = "signals", [ST_SETSID] = "setsid",
	[ST_CGROUP] = "joining the cgroup", [ST_RLIMIT] = "setrlimit",
	[ST_GROUPS] = "setgroups", [ST_GID] = "setgid", [ST_UID] = "setuid",
	[ST_ROOT_CHECK] = "dropping root", [ST_CHDIR] = "chdir",
	[ST_DUP] = "dup2", [ST_CLOSE] = "close_range", [ST_EXEC] = "execve",
	[ST_FORK] = "detaching (fork)",
};

/* the descriptor limit children get back (the daemon raised its own) */
static struct rlimit child_nofile;
/* clone3 into a cgroup does not work here: fork and join instead */
static bool no_clone3;
/* the monitor's spawns: the child is its parent's (privsep.c) */
static bool sibling;
#ifndef SYS_clone3
#define SYS_clone3	-1
#endif

void
spawn_init(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	child_nofile = rl;
	if (rl.rlim_cur == rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		log_warn("spawn: cannot raise the descriptor limit from %llu to "
		    "%llu: %s", (unsigned long long)child_nofile.rlim_cur,
		    (unsigned long long)rl.rlim_max, strerror(errno));
		return;
	}
	log_info("spawn: descriptor limit raised from %llu to %llu (children "
	    "get %llu)", (unsigned long long)child_nofile.rlim_cur,
	    (unsigned long long)rl.rlim_max,
	    (unsigned long long)child_nofile.rlim_cur);
}

/* ------------------------------------------------------ account check */

int
spawn_login_shell_ok(const char *shell, const char *shells_file, char *why,
    size_t len)
{
	const char *base;
	bool listed = false;
	struct stat st;
	char line[PATH_MAX + 2];
	FILE *fp;

	if (shell == NULL || shell[0] != '/') {
		snprintf(why, len, "is not an absolute path");
		return -EPERM;
	}
	base = strrchr(shell, '/') + 1;
	if (strcmp(base, "nologin") == 0 || strcmp(base, "false") == 0) {
		snprintf(why, len, "refuses logins");
		return -EPERM;
	}
	/* getusershell(3)'s rules, without its static state */
	if ((fp = fopen(shells_file, "re")) == NULL) {
		if (errno != ENOENT) {
			snprintf(why, len, "cannot be checked: %s: %s",
			    shells_file, strerror(errno));
			return -EPERM;
		}
		listed = strcmp(shell, "/bin/sh") == 0 ||
		    strcmp(shell, "/bin/csh") == 0;
	} else {
		while (!listed && fgets(line, sizeof(line), fp) != NULL) {
			char *p = line, *e;

			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '#')
				continue;
			e = p + strcspn(p, " \t\r\n#");
			*e = '\0';
			listed = *p != '\0' && strcmp(p, shell) == 0;
		}
		fclose(fp);
	}
	if (!listed) {
		snprintf(why, len, "is not listed in %s", shells_file);
		return -EPERM;
	}
	if (stat(shell, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 0111) == 0) {
		snprintf(why, len, "does not exist or is not executable");
		return -EPERM;
	}
	return 0;
}

int
spawn_account_check(const struct winrmd_principal *u, bool allow_root,
    char *why, size_t len)
{
	char reason[PATH_MAX + 64];

	if (u->uid == 0 && !allow_root) {
		snprintf(why, len, "%s is root and [Auth] PermitRoot is off",
		    u->name);
		return -EPERM;
	}
	if (spawn_login_shell_ok(u->shell, "/etc/shells", reason,
	    sizeof(reason)) < 0) {
		snprintf(why, len, "the login shell of %s (%s) %s", u->name,
		    u->shell ? u->shell : "", reason);
		return -EPERM;
	}
	return 0;
}

/* ----------------------------------------------------- descriptor room */

unsigned long
spawn_fd_reserve(unsigned long limit, unsigned long reserve)
{
	/* a small limit still leaves children half of it */
	return reserve > limit / 2 ? limit / 2 : reserve;
}

/* with need descriptors for the spawn itself */
static bool
fd_room(unsigned long in_use, unsigned long limit, unsigned long reserve,
    unsigned long need)
{
	return in_use + need + spawn_fd_reserve(limit, reserve) <= limit;
}

bool
spawn_fd_room(unsigned long in_use, unsigned long limit, unsigned long reserve)
{
	return fd_room(in_use, limit, reserve, SPAWN_FDS);
}

/* descriptors the daemon has open (0: cannot tell) */
static unsigned long
fds_in_use(void)
{
	unsigned long n = 0;
	struct dirent *e;
	struct stat st;
	DIR *d;

	/* Linux 6.2 and later: the directory's size is the count */
	if (stat("/proc/self/fd", &st) == 0 && st.st_size > 0)
		return (unsigned long)st.st_size;
	if ((d = opendir("/proc/self/fd")) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n > 0 ? n - 1 : 0;	/* not the directory's own */
}

/* ----------------------------------------------------------- children */

const char *
spawn_default_path(uid_t uid)
{
	return uid == 0 ?
	    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" :
	    "/usr/local/bin:/usr/bin:/bin";
}

/* PATH search done by the parent, with the child's PATH */
static char *
find_program(const char *name, const char *path)
{
	char buf[PATH_MAX];

	if (strchr(name, '/') != NULL)
		return strdup(name);
	for (const char *p = path; *p != '\0';) {
		size_t len = strcspn(p, ":");

		if (len > 0 && (size_t)snprintf(buf, sizeof(buf), "%.*s/%s",
		    (int)len, p, name) < sizeof(buf) &&
		    access(buf, X_OK) == 0)
			return strdup(buf);
		p += len + (p[len] == ':');
	}
	return NULL;
}

static bool
env_has(char *const *env, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
			return true;
	return false;
}

/* HOME USER LOGNAME SHELL PATH LANG, then the request's own variables */
static char **
build_env(const struct winrmd_spawn_req *req)
{
	const struct winrmd_principal *u = req->user;
	size_t nextra = 0, n = 0;
	char **env;

	while (req->env != NULL && req->env[nextra] != NULL)
		nextra++;
	if ((env = calloc(nextra + 8, sizeof(char *))) == NULL)
		return NULL;
#define ADD(name, value)						\
	do {								\
		if (!env_has(req->env, name) &&				\
		    asprintf(&env[n++], "%s=%s", name, value) < 0)	\
			goto fail;					\
	} while (0)
	ADD("HOME", u->home);
	ADD("USER", u->name);
	ADD("LOGNAME", u->name);
	ADD("SHELL", u->shell);
	ADD("PATH", spawn_default_path(u->uid));
	ADD("LANG", "C.UTF-8");
#undef ADD
	for (size_t i = 0; i < nextra; i++)
		if ((env[n++] = strdup(req->env[i])) == NULL)
			goto fail;
	return env;
fail:
	for (size_t i = 0; i < n; i++)
		free(env[i]);
	free(env);
	return NULL;
}

static void
free_env(char **env)
{
	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		free(env[i]);
	free(env);
}

static void
close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	p[0] = p[1] = -1;
}

/*
 * Sets a limit of the command's own, never above the daemon's hard limit:
 * raising one needs CAP_SYS_RESOURCE, which the service unit does not
 * give, and a value above it ([Winrs] defaults of 2147483647, Windows'
 * "no limit") means no lower limit than the daemon's.
 */
static int
lower_limit(int resource, rlim_t v)
{
	struct rlimit rl;

	if (getrlimit(resource, &rl) < 0)
		return -1;
	if (rl.rlim_max != RLIM_INFINITY && v > rl.rlim_max)
		v = rl.rlim_max;
	rl.rlim_cur = rl.rlim_max = v;
	return setrlimit(resource, &rl);
}

static void __attribute__((noreturn))
child_fail(int status_fd, enum step step)
{
	int report[2] = { (int)step, errno };

	if (write(status_fd, report, sizeof(report)) < 0) {
		/* nothing left to tell anyone */
	}
	_exit(127);
}

/*
 * The audit login uid of the user's process: the user's uid, as
 * pam_loginuid sets it for an SSH login, so that the kernel's audit trail
 * names who logged in, not the daemon.  Only where the kernel keeps one
 * (CONFIG_AUDIT) and it may be changed: otherwise it stays as it is, as
 * pam_loginuid leaves it.  Async-signal-safe: uid is the number's text.
 */
static void
child_loginuid(const char *uid)
{
	int fd = open("/proc/self/loginuid", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, uid, strlen(uid)) < 0) {
		/* immutable, or no CAP_AUDIT_CONTROL: left as it is */
	}
	close(fd);
}

/* the daemon's (its main thread's) nice value, for the children */
static int child_nice;

static void __attribute__((noreturn))
child_run(const struct winrmd_spawn_req *req, const char *path, char **env,
    const char *cwd, int in[2], int out[2], int err[2], int status_fd,
    const int *cg_fds, int ncg, bool detach, const char *loginuid, int reap_fd)
{
	const struct winrmd_principal *u = req->user;
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t none;

	/* ignored signals survive exec: give the program the defaults */
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		child_fail(status_fd, ST_SIGNALS);
	for (int i = 0; i < ncg; i++)	/* "0": the writing process */
		if (write(cg_fds[i], "0", 1) != 1)
			child_fail(status_fd, ST_CGROUP);
	if (detach) {
		/* the program is the grandchild: init reaps it, not us */
#ifdef SYS_fork
		long pid = syscall(SYS_fork);
#else
		long pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
#endif
		if (pid < 0)
			child_fail(status_fd, ST_FORK);
		if (pid > 0) {
			int report[2] = { ST_DETACHED, (int)pid };

			if (write(status_fd, report, sizeof(report)) < 0) {
				/* the parent sees EOF: exec is not reported */
			}
			_exit(0);
		}
	}
	if (setsid() < 0)
		child_fail(status_fd, ST_SETSID);
	if (child_nofile.rlim_cur != 0 &&
	    setrlimit(RLIMIT_NOFILE, &child_nofile) < 0)
		child_fail(status_fd, ST_RLIMIT);
	if (req->mem_limit != 0 &&
	    lower_limit(RLIMIT_AS, req->mem_limit) < 0)
		child_fail(status_fd, ST_RLIMIT);
	if (req->nproc_limit != 0 &&
	    lower_limit(RLIMIT_NPROC, req->nproc_limit) < 0)
		child_fail(status_fd, ST_RLIMIT);
	child_loginuid(loginuid);
	/* the process's nice value, whichever thread forked (a worker runs
	 * below it: host->spawn_async); while still root, who may lower it */
	(void)syscall(SYS_setpriority, PRIO_PROCESS, 0, child_nice);
	if (syscall(SYS_SETGROUPS, (size_t)u->ngroups, u->groups) < 0)
		child_fail(status_fd, ST_GROUPS);
	if (syscall(SYS_SETRESGID, u->gid, u->gid, u->gid) < 0)
		child_fail(status_fd, ST_GID);
	if (syscall(SYS_SETRESUID, u->uid, u->uid, u->uid) < 0)
		child_fail(status_fd, ST_UID);
	if (u->uid != 0 && (syscall(SYS_SETRESUID, 0, 0, 0) == 0 ||
	    geteuid() == 0)) {
		errno = EPERM;
		child_fail(status_fd, ST_ROOT_CHECK);
	}
	if (chdir(cwd) < 0 && (req->cwd != NULL || chdir("/") < 0))
		child_fail(status_fd, ST_CHDIR);
	if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 ||
	    dup2(err[1] >= 0 ? err[1] : out[1], 2) < 0)
		child_fail(status_fd, ST_DUP);
	/* the reaper's status pipe is descriptor 3 (the report's moves up) */
	if (reap_fd >= 0 && ((status_fd == 3 &&
	    (status_fd = fcntl(3, F_DUPFD_CLOEXEC, 4)) < 0) ||
	    (reap_fd == 3 ? fcntl(3, F_SETFD, 0) : dup2(reap_fd, 3)) < 0))
		child_fail(status_fd < 0 ? 3 : status_fd, ST_DUP);
	/* everything else closes at exec; the status pipe stays until then */
	if (syscall(SYS_close_range, reap_fd >= 0 ? 4U : 3U, ~0U,
	    4U /* CLOSE_RANGE_CLOEXEC */) < 0)
		child_fail(status_fd, ST_CLOSE);
	execve(path, req->argv, env);
	child_fail(status_fd, ST_EXEC);
}

void
spawn_set_sibling(bool on)
{
	sibling = on;
}

/* a sibling's clone: the parent's child, with a pidfd; -1 (ENOSYS) */
static long
clone_sibling(int *pidfd)
{
	struct spawn_clone_args args;

	if (SYS_clone3 < 0) {
		errno = ENOSYS;
		return -1;
	}
	memset(&args, 0, sizeof(args));
	args.flags = CLONE_PARENT | CLONE_PIDFD;
	args.pidfd = (uint64_t)(uintptr_t)pidfd;
	/* clone3 refuses one with CLONE_PARENT: the caller's (SIGCHLD) */
	args.exit_signal = 0;
	return syscall(SYS_clone3, &args, sizeof(args));
}

long
spawn_clone_into(int group_fd, int *pidfd)
{
	struct spawn_clone_args args;
	long r;

	if (no_clone3 || group_fd < 0 || SYS_clone3 < 0) {
		errno = ENOSYS;
		return -1;
	}
	memset(&args, 0, sizeof(args));
	args.flags = CLONE_INTO_CGROUP | CLONE_PIDFD;
	args.pidfd = (uint64_t)(uintptr_t)pidfd;
	args.exit_signal = SIGCHLD;
	args.cgroup = (uint64_t)group_fd;
	if (sibling) {
		args.flags |= CLONE_PARENT;
		args.exit_signal = 0;
	}
	r = syscall(SYS_clone3, &args, sizeof(args));
	/* an older kernel, or a seccomp filter that does not know clone3 */
	if (r < 0 && (errno == ENOSYS || errno == EINVAL || errno == E2BIG ||
	    errno == EPERM)) {
		log_notice("spawn: clone3 into a cgroup is not available (%s): "
		    "children join their group after fork, where pids.max does "
		    "not hold", strerror(errno));
		no_clone3 = true;
		errno = ENOSYS;
	}
	return r;
}

static void
log_no_pids(const char *user)
{
	log_notice("spawn: no process for %s: the process limit of its group "
	    "(pids.max) or of the system is reached", user);
}

static void
reap(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int
spawn_child(const struct winrmd_spawn_req *req, const struct spawn_opts *o,
    struct winrmd_child *ret)
{
	int group_fd = -1, r;

	/* the group is the monitor's: it finds the directory */
	if (privsep_active())
		return spawn_child_fd(req, o, -1, ret);
	if (req->group != NULL)
		group_fd = cgroup_clone_fd((struct cgroup *)req->group);
	r = spawn_child_fd(req, o, group_fd, ret);
	if (group_fd >= 0)
		close(group_fd);
	return r;
}

int
spawn_child_fd(const struct winrmd_spawn_req *req, const struct spawn_opts *o,
    int group_fd, struct winrmd_child *ret)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int status[2] = { -1, -1 }, report[2], r = 0, pidfd = -1, cg_fds[2];
	int rp[2] = { -1, -1 };
	int ncg = 0;
	char *path = NULL, **env = NULL, why[PATH_MAX + 128], loginuid[16];
	struct rlimit rl;
	const char *cwd;
	pid_t pid, detached = 0;
	ssize_t got;
	long cpid;

	if (req->user == NULL || req->argv == NULL || req->argv[0] == NULL)
		return -EINVAL;
	if (spawn_account_check(req->user, o->allow_root, why,
	    sizeof(why)) < 0) {
		log_notice("spawn: no process for %s: %s", req->user->name,
		    why);
		return -EPERM;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY) {
		unsigned long used = fds_in_use(), lim = rl.rlim_cur;

		/* under privsep the pipes are made in the monitor: 4 come
		 * (5 with a reaper's status pipe) */
		if (!fd_room(used, lim, o->fd_reserve, privsep_active() ?
		    4 + (o->reap_fd != NULL) : SPAWN_FDS +
		    (o->reap_fd != NULL ? 2 : 0))) {
			log_warn("spawn: no process for %s: the daemon has %lu "
			    "of %lu descriptors open and keeps %lu for "
			    "connections and other users (raise LimitNOFILE)",
			    req->user->name, used, lim,
			    spawn_fd_reserve(lim, o->fd_reserve));
			return -EMFILE;
		}
	}
	if (privsep_active())
		return mon_spawn(req, o, ret);
	errno = 0;
	if ((r = getpriority(PRIO_PROCESS, (id_t)getpid())) != -1 || errno == 0)
		child_nice = r;
	r = 0;
	snprintf(loginuid, sizeof(loginuid), "%u", (unsigned)req->user->uid);
	cwd = req->cwd != NULL ? req->cwd : req->user->home;
	if ((env = build_env(req)) == NULL)
		return -ENOMEM;
	if ((path = find_program(req->path ? req->path : req->argv[0],
	    spawn_default_path(req->user->uid))) == NULL) {
		free_env(env);
		return -ENOENT;
	}
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
	    (!req->merge_stderr && pipe2(err, O_CLOEXEC) < 0) ||
	    pipe2(status, O_CLOEXEC) < 0 ||
	    (o->reap_fd != NULL && pipe2(rp, O_CLOEXEC) < 0)) {
		r = -errno;
		goto out;
	}
	/* a detached child's middle process is reaped here: not a sibling */
	if (o->detach && sibling) {
		sibling = false;
		cpid = spawn_clone_into(group_fd, &pidfd);
		sibling = true;
	} else
		cpid = spawn_clone_into(group_fd, &pidfd);
	if (cpid < 0 && errno == ENOSYS) {
		if (req->group != NULL)
			ncg = cgroup_join_fds((struct cgroup *)req->group,
			    cg_fds);
		cpid = sibling && !o->detach ? clone_sibling(&pidfd) : fork();
	}
	if (cpid < 0) {
		if ((r = -errno) == -EAGAIN)
			log_no_pids(req->user->name);
		goto out;
	}
	if (cpid == 0)
		child_run(req, path, env, cwd, in, out, err, status[1], cg_fds,
		    ncg, o->detach, loginuid, rp[1]);
	pid = (pid_t)cpid;
	close(status[1]);
	status[1] = -1;
	for (;;) {
		do
			got = read(status[0], report, sizeof(report));
		while (got < 0 && errno == EINTR);
		if (got != (ssize_t)sizeof(report) || report[0] != ST_DETACHED)
			break;
		detached = (pid_t)report[1];
	}
	if (got == (ssize_t)sizeof(report)) {
		r = -report[1];
		if (r == -EAGAIN && report[0] == ST_FORK)
			log_no_pids(req->user->name);
		else
			log_warn("spawn: %s as %s: %s failed: %s", path,
			    req->user->name, step_names[report[0] > 0 &&
			    report[0] <= ST_FORK ? report[0] : ST_EXEC],
			    strerror(report[1]));
		reap(pid);
		/* a sibling is not ours to reap: tell who must */
		if (sibling && !o->detach)
			ret->pid = pid;
		goto out;
	}
	if (o->detach) {
		/* the middle process is gone or going: reap it */
		reap(pid);
		if (detached <= 0) {
			r = -ECHILD;
			goto out;
		}
		pid = detached;
	} else if (pidfd < 0 &&
	    (pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0) {
		r = -errno;
		kill(-pid, SIGKILL);
		reap(pid);
		if (sibling)
			ret->pid = pid;
		goto out;
	}
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	if (err[0] >= 0)
		fcntl(err[0], F_SETFL, O_NONBLOCK);
	*ret = (struct winrmd_child){ .pid = pid, .pidfd = -1,
	    .in_fd = in[1], .out_fd = out[0], .err_fd = err[0] };
	if (!o->detach) {
		ret->pidfd = pidfd;
		pidfd = -1;
	}
	if (o->reap_fd != NULL) {
		fcntl(rp[0], F_SETFL, O_NONBLOCK);
		*o->reap_fd = rp[0];
		rp[0] = -1;
	}
	in[1] = out[0] = err[0] = -1;
out:
	if (pidfd >= 0)
		close(pidfd);
	cgroup_close_join_fds(cg_fds, ncg);
	close_pair(in);
	close_pair(out);
	close_pair(err);
	close_pair(status);
	close_pair(rp);
	free(path);
	free_env(env);
	return r;
}

/* ------------------------------------------- processes that left a group */

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

int
spawn_kill_marked(uid_t uid, const char *entry)
{
	if (entry == NULL || strchr(entry, '=') == NULL)
		return -EINVAL;
	if (privsep_active())
		return mon_kill_marked(uid, entry);
	return kill_round(uid, entry, strlen(entry) + 1);
}

/* ------------------------------------------------------------- stop */

void
spawn_adopt_orphans(void)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		log_warn("spawn: cannot adopt orphans at stop: %s",
		    strerror(errno));
}

/* a child of ours still there, other than the monitor: its pid, or 0 */
static pid_t
child_left(pid_t self, pid_t monitor)
{
	DIR *proc = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	if (proc == NULL)
		return 0;
	while (found == 0 && (e = readdir(proc)) != NULL) {
		char path[300], buf[1024];
		struct proc_stat st;
		ssize_t n;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/stat", e->d_name);
		if ((n = procfs_read_small(dirfd(proc), path, buf,
		    sizeof(buf))) > 0 && procfs_parse_stat(buf, (size_t)n,
		    &st) == 0 && st.ppid == self && st.pid != monitor)
			found = st.pid;
	}
	closedir(proc);
	return found;
}

int
spawn_reap_orphans(int limit_ms)
{
	pid_t self = getpid(), monitor = privsep_monitor_pid(), last = 0;
	int reaped = 0;

	for (int waited = 0;; ) {
		pid_t pid = waitpid(-1, NULL, WNOHANG);

		if (pid > 0 && pid != monitor) {
			reaped++;
			continue;
		}
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0 || (last = child_left(self, monitor)) == 0)
			break;
		if (waited >= limit_ms) {
			if (limit_ms > 0)
				log_warn("spawn: pid %ld, a child left at stop, still "
				    "runs after %d ms", (long)last, limit_ms);
			break;
		}
		usleep(5000);
		waited += 5;
	}
	if (reaped > 0)
		log_info("spawn: %d orphaned process(es) reaped at stop", reaped);
	return reaped;
}

/*
 * Windows' rule for TerminateProcess, as the kernel's kill rule gives it
 * on Linux: an administrator (root) any process but init and the daemon's
 * own root process, anyone else a process whose real or saved uid is his
 */
int
spawn_terminate_as(uid_t uid, pid_t pid, uid_t *target)
{
	struct procfs_buf b = { 0 };
	struct proc_status st = { .has_uid = false };
	char path[64];
	int pidfd, r = 0;

	*target = (uid_t)-1;
	if (pid <= 1 || pid == getpid())
		return -EPERM;
	/* the pidfd pins the process: its status is read, then it is alive */
	if ((pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0 &&
	    errno != ENOSYS)
		return errno == ESRCH ? -ESRCH : -errno;
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if (procfs_read(AT_FDCWD, path, &b, 0, 0) < 0 ||
	    procfs_parse_status(b.data, &st) < 0 || !st.has_uid ||
	    (pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, 0, NULL,
	    0) < 0))
		r = -ESRCH;
	else if (uid != 0 && uid != st.uid[0] && uid != st.uid[2])
		r = -EPERM;
	else if ((pidfd >= 0 ? syscall(SYS_pidfd_send_signal, pidfd, SIGKILL,
	    NULL, 0) : kill(pid, SIGKILL)) < 0)
		r = -errno;
	if (st.has_uid)
		*target = st.uid[0];
	procfs_buf_free(&b);
	if (pidfd >= 0)
		close(pidfd);
	return r;
}

int
spawn_terminate(const struct winrmd_principal *p, pid_t pid)
{
	uid_t target;

	if (p == NULL || p->name == NULL || pid <= 0)
		return -EINVAL;
	if (privsep_active())
		return mon_terminate(p->name, p->uid, pid);
	return spawn_terminate_as(p->uid, pid, &target);
}

/* an account that may run processes, by uid (its passwd entry) */
bool
spawn_uid_may_run(uid_t uid, bool permit_root)
{
	struct winrmd_principal u = { 0 };
	struct passwd pw, *res = NULL;
	char buf[4096], why[256];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return false;
	u.name = pw.pw_name;
	u.uid = pw.pw_uid;
	u.gid = pw.pw_gid;
	u.home = pw.pw_dir;
	u.shell = pw.pw_shell;
	return spawn_account_check(&u, permit_root, why, sizeof(why)) == 0;
}
