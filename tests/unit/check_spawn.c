/*
 * check_spawn.c: the checks spawn.c makes before it starts a process (a
 * valid login shell, root only with PermitRoot, descriptors kept in
 * reserve) and, as root, what it starts: the account refused without a
 * process, the descriptor limit children get back, a detached child that
 * is not the daemon's, and clone3 straight into a cgroup v2 group (a
 * hybrid host's unified hierarchy will do).
 */
#include "build.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "spawn.h"
#include "unit.h"

#define NOBODY	65534

static char *shells;

static void
setup(void)
{
	shells = unit_tmp_file("# /etc/shells: valid login shells\n"
	    "/bin/sh\n"
	    "   /bin/dash  \n"
	    "\n"
	    "#/bin/bash\n"
	    "/usr/sbin/nologin\n"
	    "/bin/false\n"
	    "/nonexistent/winrmd-unit/sh\n"
	    "/etc/passwd\n");
}

static void
teardown(void)
{
	unit_tmp_remove(shells);
	shells = NULL;
}

static int
shell_ok(const char *shell, char *why, size_t len)
{
	why[0] = '\0';
	return spawn_login_shell_ok(shell, shells, why, len);
}

START_TEST(test_listed_shells)
{
	char why[256];

	ck_assert_int_eq(shell_ok("/bin/sh", why, sizeof(why)), 0);
	/* blanks around an entry are not part of it */
	ck_assert_int_eq(shell_ok("/bin/dash", why, sizeof(why)), 0);
}
END_TEST

START_TEST(test_refused_shells)
{
	static const struct {
		const char	*shell;
		const char	*why;
	} cases[] = {
		{ "/usr/sbin/nologin", "refuses logins" },	/* listed, still */
		{ "/sbin/nologin", "refuses logins" },
		{ "/bin/false", "refuses logins" },
		{ "/usr/bin/false", "refuses logins" },
		{ "/bin/bash", "is not listed in " },	/* commented out */
		{ "/bin/sh ", "is not listed in " },
		{ "/bin/s", "is not listed in " },
		{ "", "is not an absolute path" },
		{ "sh", "is not an absolute path" },
		{ "/nonexistent/winrmd-unit/sh", "does not exist or is not "
		    "executable" },
		{ "/etc/passwd", "does not exist or is not executable" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char why[256];

		ck_assert_msg(shell_ok(cases[i].shell, why, sizeof(why)) ==
		    -EPERM, "%s accepted", cases[i].shell);
		ck_assert_msg(strstr(why, cases[i].why) != NULL,
		    "%s: \"%s\", not \"%s\"", cases[i].shell, why, cases[i].why);
	}
	ck_assert_int_eq(spawn_login_shell_ok(NULL, shells, (char[64]){ 0 },
	    64), -EPERM);
}
END_TEST

/* no file: getusershell(3)'s default list, /bin/sh and /bin/csh */
START_TEST(test_no_shells_file)
{
	char why[256];

	ck_assert_int_eq(spawn_login_shell_ok("/bin/sh",
	    "/nonexistent/winrmd-unit/shells", why, sizeof(why)), 0);
	ck_assert_int_eq(spawn_login_shell_ok("/bin/dash",
	    "/nonexistent/winrmd-unit/shells", why, sizeof(why)), -EPERM);
}
END_TEST

static struct winrmd_principal
principal(uid_t uid, const char *shell)
{
	static gid_t groups[1] = { NOBODY };

	return (struct winrmd_principal){ .name = uid == 0 ? "root" : "nobody",
	    .uid = uid, .gid = uid == 0 ? 0 : NOBODY, .home = "/",
	    .shell = shell, .groups = groups, .ngroups = 1, .scheme = "unit" };
}

START_TEST(test_account_check)
{
	struct winrmd_principal root = principal(0, "/bin/sh");
	struct winrmd_principal nologin = principal(NOBODY, "/usr/sbin/nologin");
	char why[256];

	ck_assert_int_eq(spawn_account_check(&root, false, why, sizeof(why)),
	    -EPERM);
	ck_assert_msg(strstr(why, "PermitRoot") != NULL, "%s", why);
	ck_assert_int_eq(spawn_account_check(&root, true, why, sizeof(why)), 0);
	ck_assert_int_eq(spawn_account_check(&nologin, true, why, sizeof(why)),
	    -EPERM);
	ck_assert_str_eq(why, "the login shell of nobody (/usr/sbin/nologin) "
	    "refuses logins");
}
END_TEST

START_TEST(test_fd_room)
{
	/* 1024 descriptors, 300 connections and 64 more kept */
	ck_assert(spawn_fd_room(600, 1024, 364));
	ck_assert(spawn_fd_room(648, 1024, 364));
	ck_assert(!spawn_fd_room(649, 1024, 364));
	ck_assert(!spawn_fd_room(5000, 1024, 364));
	/* a reserve larger than half the limit keeps half */
	ck_assert_uint_eq(spawn_fd_reserve(100, 1000), 50);
	ck_assert_uint_eq(spawn_fd_reserve(65536, 364), 364);
	ck_assert(spawn_fd_room(30, 100, 1000));
	ck_assert(!spawn_fd_room(40, 100, 1000));
}
END_TEST

/* ------------------------------------------------- real spawns (root) */

static bool
need_root(void)
{
	if (geteuid() == 0)
		return true;
	fprintf(stderr, "check_spawn: not root, spawns not tried\n");
	return false;
}

/* everything the child wrote on stdout until EOF */
static char *
read_all(int fd)
{
	static char buf[4096];
	size_t len = 0;
	ssize_t n;

	fcntl(fd, F_SETFL, 0);
	while (len < sizeof(buf) - 1 &&
	    (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return buf;
}

static void
close_child(struct winrmd_child *c)
{
	int fds[4] = { c->pidfd, c->in_fd, c->out_fd, c->err_fd };

	for (int i = 0; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

START_TEST(test_spawn_refused)
{
	struct winrmd_principal p = principal(NOBODY, "/usr/sbin/nologin");
	char *argv[] = { "/bin/sh", "-c", "exit 0", NULL };
	struct winrmd_spawn_req req = { .user = &p, .argv = argv };
	struct spawn_opts o = { .allow_root = false };
	struct winrmd_child c = { .pid = -1 };

	if (!need_root())
		return;
	ck_assert_int_eq(spawn_child(&req, &o, &c), -EPERM);
	ck_assert_int_eq(c.pid, -1);
	/* no child was made */
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}
END_TEST

START_TEST(test_spawn_nofile)
{
	struct winrmd_principal p = principal(NOBODY, "/bin/sh");
	char *argv[] = { "/bin/sh", "-c", "ulimit -Sn; exit 3", NULL };
	struct winrmd_spawn_req req = { .user = &p, .argv = argv,
	    .merge_stderr = true };
	struct spawn_opts o = { .allow_root = false, .fd_reserve = 16 };
	struct rlimit rl = { 256, 512 }, now;
	struct winrmd_child c;
	siginfo_t si;

	if (!need_root())
		return;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	spawn_init();
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &now), 0);
	ck_assert_uint_eq(now.rlim_cur, 512);
	ck_assert_int_eq(spawn_child(&req, &o, &c), 0);
	ck_assert_int_ge(c.pidfd, 0);
	ck_assert_str_eq(read_all(c.out_fd), "256\n");
	ck_assert_int_eq(waitid(P_PIDFD, (id_t)c.pidfd, &si, WEXITED), 0);
	ck_assert_int_eq(si.si_code, CLD_EXITED);
	ck_assert_int_eq(si.si_status, 3);
	close_child(&c);
}
END_TEST

/* the child's audit login uid is the user's, where the kernel keeps one */
START_TEST(test_spawn_loginuid)
{
	struct winrmd_principal p = principal(NOBODY, "/bin/sh");
	char *argv[] = { "/bin/sh", "-c", "cat /proc/self/loginuid", NULL };
	struct winrmd_spawn_req req = { .user = &p, .argv = argv,
	    .merge_stderr = true };
	struct spawn_opts o = { .allow_root = false, .fd_reserve = 16 };
	struct winrmd_child c;
	char want[16];
	siginfo_t si;

	if (!need_root() || access("/proc/self/loginuid", W_OK) < 0)
		return;
	snprintf(want, sizeof(want), "%u", (unsigned)NOBODY);
	ck_assert_int_eq(spawn_child(&req, &o, &c), 0);
	ck_assert_str_eq(read_all(c.out_fd), want);
	ck_assert_int_eq(waitid(P_PIDFD, (id_t)c.pidfd, &si, WEXITED), 0);
	ck_assert_int_eq(si.si_status, 0);
	close_child(&c);
}
END_TEST

/* a reaper's status pipe: the child's descriptor 3, no one else's */
START_TEST(test_spawn_reap_fd)
{
	struct winrmd_principal p = principal(NOBODY, "/bin/sh");
	char *argv[] = { "/bin/sh", "-c", "echo out; printf status >&3; "
	    "sh -c 'printf child >&3' 2>/dev/null; exit 4", NULL };
	struct winrmd_spawn_req req = { .user = &p, .argv = argv };
	int rfd = -1;
	struct spawn_opts o = { .allow_root = false, .fd_reserve = 16,
	    .reap_fd = &rfd };
	struct winrmd_child c;
	siginfo_t si;

	if (!need_root())
		return;
	ck_assert_int_eq(spawn_child(&req, &o, &c), 0);
	ck_assert_int_ge(rfd, 0);
	ck_assert(fcntl(rfd, F_GETFL) & O_NONBLOCK);
	ck_assert(fcntl(rfd, F_GETFD) & FD_CLOEXEC);
	ck_assert_str_eq(read_all(c.out_fd), "out\n");
	/* descriptor 3 reaches the grandchild too: the reaper (stdin_watch
	 * -r) closes it at its child's exec; spawn only passes it on */
	ck_assert_str_eq(read_all(rfd), "statuschild");
	ck_assert_int_eq(waitid(P_PIDFD, (id_t)c.pidfd, &si, WEXITED), 0);
	ck_assert_int_eq(si.si_status, 4);
	close(rfd);
	close_child(&c);
}
END_TEST

START_TEST(test_spawn_fd_reserve)
{
	struct winrmd_principal p = principal(NOBODY, "/bin/sh");
	char *argv[] = { "/bin/sh", "-c", "exit 0", NULL };
	struct winrmd_spawn_req req = { .user = &p, .argv = argv };
	struct spawn_opts o = { .allow_root = false, .fd_reserve = 32 };
	struct rlimit rl = { 64, 64 };
	struct winrmd_child c;
	int extra[40], n = 0;

	if (!need_root())
		return;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	/* a handful open: room for a child */
	ck_assert_int_eq(spawn_child(&req, &o, &c), 0);
	ck_assert_int_eq(waitid(P_PIDFD, (id_t)c.pidfd, &(siginfo_t){ 0 },
	    WEXITED), 0);
	close_child(&c);
	/* 64 - 32 kept - 12 for the spawn: at most 20 in use */
	while (n < 40 && (extra[n] = open("/dev/null", O_RDONLY)) >= 0 &&
	    extra[n] < 24)
		n++;
	ck_assert_int_eq(spawn_child(&req, &o, &c), -EMFILE);
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	for (int i = 0; i <= n && i < 40; i++)
		if (extra[i] >= 0)
			close(extra[i]);
}
END_TEST

START_TEST(test_spawn_detached)
{
	struct winrmd_principal p = principal(NOBODY, "/bin/sh");
	char *argv[] = { "/bin/sh", "-c", "echo $$ $PPID", NULL };
	struct winrmd_spawn_req req = { .user = &p, .argv = argv,
	    .merge_stderr = true };
	struct spawn_opts o = { .detach = true };
	struct winrmd_child c;
	int pid = 0, ppid = 0;

	if (!need_root())
		return;
	ck_assert_int_eq(spawn_child(&req, &o, &c), 0);
	ck_assert_int_eq(c.pidfd, -1);
	ck_assert_int_eq(sscanf(read_all(c.out_fd), "%d %d", &pid, &ppid), 2);
	/* the program's own pid, and not a child of ours */
	ck_assert_int_eq(pid, c.pid);
	ck_assert_int_ne(ppid, getpid());
	ck_assert_int_eq(waitpid(c.pid, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
	/* the middle process was reaped */
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	close_child(&c);
}
END_TEST

/*
 * A scratch group in a cgroup v2 hierarchy (the unified one of a hybrid
 * host too): its directory in dir, "0::/path\n" as /proc/PID/cgroup shows
 * it in want; NULL when there is none to write to
 */
static const char *
v2_group(char *dir, char *want, size_t len)
{
	static const char *const roots[] = { "/sys/fs/cgroup/unified",
	    "/sys/fs/cgroup" };
	const char *root = NULL;

	for (size_t i = 0; i < 2 && root == NULL; i++) {
		snprintf(dir, len, "%s/cgroup.procs", roots[i]);
		if (access(dir, W_OK) == 0 && snprintf(dir, len,
		    "%s/cgroup.controllers", roots[i]) > 0 &&
		    access(dir, F_OK) == 0)
			root = roots[i];
	}
	if (root == NULL) {
		fprintf(stderr, "check_spawn: no writable cgroup v2 hierarchy, "
		    "clone3 not tried\n");
		return NULL;
	}
	snprintf(dir, len, "%s/winrmd-unit-%d", root, (int)getpid());
	if (mkdir(dir, 0755) < 0) {
		fprintf(stderr, "check_spawn: mkdir %s: %s, clone3 not tried\n",
		    dir, strerror(errno));
		return NULL;
	}
	snprintf(want, len, "0::%s\n", dir + strlen(root));
	return dir;
}

/* clone3 with CLONE_INTO_CGROUP: the child starts in the group */
START_TEST(test_clone_into_cgroup)
{
	char dir[PATH_MAX], want[PATH_MAX], line[PATH_MAX];
	int fd, pidfd = -1, status;
	long pid;

	if (!need_root() || v2_group(dir, want, sizeof(dir)) == NULL)
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	pid = spawn_clone_into(fd, &pidfd);
	if (pid == 0) {
		FILE *fp = fopen("/proc/self/cgroup", "r");
		bool in = false;

		while (fp != NULL && fgets(line, sizeof(line), fp) != NULL)
			in = in || strcmp(line, want) == 0;
		_exit(in ? 0 : 1);
	}
	if (pid < 0 && errno == ENOSYS) {
		fprintf(stderr, "check_spawn: clone3 into a cgroup is not "
		    "available here\n");
		close(fd);
		rmdir(dir);
		return;
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_ge(pidfd, 0);
	ck_assert_int_eq(waitpid((pid_t)pid, &status, 0), pid);
	close(pidfd);
	close(fd);
	ck_assert_int_eq(rmdir(dir), 0);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the child did not start in %s", dir);
}
END_TEST

static void *
blocked(void *arg)
{
	char c;

	while (read(*(int *)arg, &c, 1) > 0)
		;
	return NULL;
}

/*
 * A whole spawn cloned into a group: the child, made by a raw clone3 in a
 * process glibc believes has other threads, becomes the user, runs the
 * program in the group, and is reaped through the pidfd clone3 gave
 */
START_TEST(test_spawn_into_cgroup)
{
	struct winrmd_principal p = principal(NOBODY, "/bin/sh");
	char *argv[] = { "/bin/sh", "-c", "id -u; cat /proc/self/cgroup",
	    NULL };
	struct winrmd_spawn_req req = { .user = &p, .argv = argv,
	    .merge_stderr = true };
	struct spawn_opts o = { .fd_reserve = 16 };
	char dir[PATH_MAX], want[PATH_MAX], *out;
	struct winrmd_child c;
	siginfo_t si;
	int fd;

	pthread_t t;
	int wake[2];

	if (!need_root() || v2_group(dir, want, sizeof(dir)) == NULL)
		return;
	/* a second thread, as the daemon's workers */
	ck_assert_int_eq(pipe(wake), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, blocked, &wake[0]), 0);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(spawn_child_fd(&req, &o, fd, &c), 0);
	close(fd);
	close(wake[1]);
	pthread_join(t, NULL);
	close(wake[0]);
	out = read_all(c.out_fd);
	ck_assert_int_eq(waitid(P_PIDFD, (id_t)c.pidfd, &si, WEXITED), 0);
	close_child(&c);
	ck_assert_int_eq(rmdir(dir), 0);
	ck_assert_msg(strncmp(out, "65534\n", 6) == 0, "%s", out);
	ck_assert_msg(strstr(out, want) != NULL, "not in %s: %s", dir, out);
	ck_assert_int_eq(si.si_status, 0);
}
END_TEST

/*
 * Win32_Process.Terminate's rule (the monitor's under privilege
 * separation): another account's process is refused and lives, init and
 * the daemon itself are refused, one's own process is killed, a gone one
 * is -ESRCH
 */
START_TEST(test_terminate_rule)
{
	uid_t other = getuid() == 65534 ? 65533 : 65534, target;
	int status;
	pid_t child;

	if ((child = fork()) == 0) {
		pause();
		_exit(0);
	}
	ck_assert_int_gt(child, 0);
	ck_assert_int_eq(spawn_terminate_as(other, child, &target), -EPERM);
	ck_assert_uint_eq(target, getuid());
	ck_assert_int_eq(kill(child, 0), 0);
	ck_assert_int_eq(spawn_terminate_as(0, 1, &target), -EPERM);
	ck_assert_int_eq(spawn_terminate_as(0, getpid(), &target), -EPERM);
	ck_assert_int_eq(spawn_terminate_as(getuid(), child, &target), 0);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_int_eq(spawn_terminate_as(getuid(), child, &target), -ESRCH);
	ck_assert_uint_eq(target, (uid_t)-1);
}
END_TEST

static Suite *
spawn_suite(void)
{
	Suite *s = suite_create("spawn");
	TCase *tc = tcase_create("checks");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_listed_shells);
	tcase_add_test(tc, test_refused_shells);
	tcase_add_test(tc, test_no_shells_file);
	tcase_add_test(tc, test_account_check);
	tcase_add_test(tc, test_fd_room);
	tcase_add_test(tc, test_terminate_rule);
	suite_add_tcase(s, tc);
	tc = tcase_create("spawns");
	tcase_add_test(tc, test_spawn_refused);
	tcase_add_test(tc, test_spawn_nofile);
	tcase_add_test(tc, test_spawn_loginuid);
	tcase_add_test(tc, test_spawn_fd_reserve);
	tcase_add_test(tc, test_spawn_reap_fd);
	tcase_add_test(tc, test_spawn_detached);
	tcase_add_test(tc, test_clone_into_cgroup);
	tcase_add_test(tc, test_spawn_into_cgroup);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(spawn_suite)
