/*
 * spawn.c: fork, become the user, exec.  Everything that allocates or can
 * take a lock (argv, environment, PATH search) happens before fork; the
 * child only makes async-signal-safe calls.  A close-on-exec status pipe
 * tells the parent whether exec succeeded and, if not, which step failed.
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "log.h"
#include "spawn.h"

enum step { ST_SIGNALS = 1, ST_SETSID, ST_CGROUP, ST_RLIMIT, ST_GROUPS, ST_GID, ST_UID,
	ST_ROOT_CHECK, ST_CHDIR, ST_DUP, ST_CLOSE, ST_EXEC };

static const char *const step_names[] = {
	[ST_SIGNALS] = "signals", [ST_SETSID] = "setsid",
	[ST_CGROUP] = "joining the cgroup", [ST_RLIMIT] = "setrlimit",
	[ST_GROUPS] = "setgroups", [ST_GID] = "setgid", [ST_UID] = "setuid",
	[ST_ROOT_CHECK] = "dropping root", [ST_CHDIR] = "chdir",
	[ST_DUP] = "dup2", [ST_CLOSE] = "close_range", [ST_EXEC] = "execve",
};

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

static void __attribute__((noreturn))
child_fail(int status_fd, enum step step)
{
	int report[2] = { (int)step, errno };

	if (write(status_fd, report, sizeof(report)) < 0) {
		/* nothing left to tell anyone */
	}
	_exit(127);
}

static void __attribute__((noreturn))
child_run(const struct winrmd_spawn_req *req, const char *path, char **env,
    const char *cwd, int in[2], int out[2], int err[2], int status_fd,
    const int *cg_fds, int ncg)
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
	if (setsid() < 0)
		child_fail(status_fd, ST_SETSID);
	for (int i = 0; i < ncg; i++)	/* "0": the writing process */
		if (write(cg_fds[i], "0", 1) != 1)
			child_fail(status_fd, ST_CGROUP);
	if (req->mem_limit != 0) {
		struct rlimit rl = { req->mem_limit, req->mem_limit };

		if (setrlimit(RLIMIT_AS, &rl) < 0)
			child_fail(status_fd, ST_RLIMIT);
	}
	if (req->nproc_limit != 0) {
		struct rlimit rl = { req->nproc_limit, req->nproc_limit };

		if (setrlimit(RLIMIT_NPROC, &rl) < 0)
			child_fail(status_fd, ST_RLIMIT);
	}
	if (setgroups((size_t)u->ngroups, u->groups) < 0)
		child_fail(status_fd, ST_GROUPS);
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		child_fail(status_fd, ST_GID);
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		child_fail(status_fd, ST_UID);
	if (u->uid != 0 && (setuid(0) == 0 || geteuid() == 0)) {
		errno = EPERM;
		child_fail(status_fd, ST_ROOT_CHECK);
	}
	if (chdir(cwd) < 0 && (req->cwd != NULL || chdir("/") < 0))
		child_fail(status_fd, ST_CHDIR);
	if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 ||
	    dup2(err[1] >= 0 ? err[1] : out[1], 2) < 0)
		child_fail(status_fd, ST_DUP);
	/* everything else closes at exec; the status pipe stays until then */
	if (syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) < 0)
		child_fail(status_fd, ST_CLOSE);
	execve(path, req->argv, env);
	child_fail(status_fd, ST_EXEC);
}

int
spawn_child(const struct winrmd_spawn_req *req, int allow_root,
    struct winrmd_child *ret)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int status[2] = { -1, -1 }, report[2], r = 0, pidfd, cg_fds[2], ncg = 0;
	char *path = NULL, **env = NULL;
	const char *cwd;
	ssize_t got;
	pid_t pid;

	if (req->user == NULL || req->argv == NULL || req->argv[0] == NULL)
		return -EINVAL;
	if (req->user->uid == 0 && !allow_root) {
		log_err("spawn: refusing to run a command as root");
		return -EPERM;
	}
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
	    pipe2(status, O_CLOEXEC) < 0) {
		r = -errno;
		goto out;
	}
	if (req->group != NULL)
		ncg = cgroup_join_fds((struct cgroup *)req->group, cg_fds);
	if ((pid = fork()) < 0) {
		r = -errno;
		goto out;
	}
	if (pid == 0)
		child_run(req, path, env, cwd, in, out, err, status[1], cg_fds,
		    ncg);
	close(status[1]);
	status[1] = -1;
	do
		got = read(status[0], report, sizeof(report));
	while (got < 0 && errno == EINTR);
	if (got == (ssize_t)sizeof(report)) {
		int st;

		r = -report[1];
		log_warn("spawn: %s as %s: %s failed: %s", path, req->user->name,
		    step_names[report[0] > 0 && report[0] <= ST_EXEC ?
		    report[0] : ST_EXEC], strerror(report[1]));
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		goto out;
	}
	if ((pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0) {
		r = -errno;
		kill(-pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		goto out;
	}
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	if (err[0] >= 0)
		fcntl(err[0], F_SETFL, O_NONBLOCK);
	*ret = (struct winrmd_child){ .pid = pid, .pidfd = pidfd,
	    .in_fd = in[1], .out_fd = out[0], .err_fd = err[0] };
	in[1] = out[0] = err[0] = -1;
out:
	cgroup_close_join_fds(cg_fds, ncg);
	close_pair(in);
	close_pair(out);
	close_pair(err);
	close_pair(status);
	free(path);
	free_env(env);
	return r;
}
