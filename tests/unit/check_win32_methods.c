/*
 * check_win32_methods.c: the Win32_Process methods through the mock:
 * Create (a real process through the mock's detached spawn: the caller's
 * uid, its own session, stdio on /dev/null, the ProcessId of the program
 * itself, not the daemon's child and nothing watched once answered), its
 * return values (9, 2, 21, 8), its faults (an account that may not run
 * processes, [Win32] MaxProcessesPerUser), Terminate
 * (the kernel's kill rule, checked as root with children under other
 * uids, including a saved uid), GetOwner and GetOwnerSid.
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_win32_mock.h"
#include "procfs.h"
#include "win32.h"
#include "unit.h"

#define NOBODY		65534
#define OTHER		65533
#define SAVED_ONLY	65532

static void
setup(void)
{
	mock_start();
}

static void
teardown(void)
{
	mock_stop();
}

/* the principal Create runs as: nobody when we are root */
static const struct winrmd_principal *
runner(void)
{
	return getuid() == 0 ? mock_principal_uid(NOBODY, "nobody") :
	    mock_principal_self();
}

static uint32_t
rv_of(const struct cim_ctx *ctx)
{
	ck_assert_msg(!ctx->failed, "fault %d: %s", ctx->fault, ctx->message);
	ck_assert(ctx->out->has_return);
	return ctx->out->ret;
}

static bool
proc_gone(void *arg)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d", *(int *)arg);
	return access(path, F_OK) < 0;
}

static bool
no_children(void *arg)
{
	(void)arg;
	return w32->children == NULL;
}

/* reads /proc/PID/FILE until it contains want (the exec may lag) */
static bool
wait_proc_text(int pid, const char *file, const char *want, size_t wantlen)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	for (int i = 0; i < 200; i++) {
		struct procfs_buf b = { 0 };
		ssize_t n = procfs_read(AT_FDCWD, path, &b, 0, 0);
		bool ok = n >= (ssize_t)wantlen && memcmp(b.data, want, wantlen) == 0;

		procfs_buf_free(&b);
		if (ok)
			return true;
		usleep(10000);
	}
	return false;
}

static void
expect_devnull(int pid, int fd)
{
	char path[64], target[PATH_MAX];
	ssize_t n = -1;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	for (int i = 0; i < 200; i++) {
		if ((n = readlink(path, target, sizeof(target) - 1)) > 0) {
			target[n] = '\0';
			if (strcmp(target, "/dev/null") == 0)
				return;
		}
		usleep(10000);
	}
	ck_abort_msg("fd %d of %d is %s", fd, pid, n > 0 ? target : "gone");
}

START_TEST(test_create)
{
	const struct winrmd_principal *p = runner();
	struct cim_ctx *ctx;
	struct proc_stat ps;
	struct proc_status st;
	struct procfs_buf b = { 0 };
	char path[64];
	uint64_t pid = 0;
	int ipid;
	ssize_t n;

	ctx = mock_invoke("Win32_Process", "Create", NULL, NULL, p,
	    "CommandLine", "sleep 30", NULL);
	ck_assert_int_eq(ctx->status, CIM_PENDING);
	ck_assert_uint_eq(rv_of(ctx), 0);
	ck_assert(mock_uint(ctx->out, "ProcessId", &pid));
	ck_assert_uint_gt(pid, 1);
	ipid = (int)pid;
	/* through the host's spawn, as the caller */
	ck_assert_int_eq(mock_spawned.count, 1);
	ck_assert_uint_eq(mock_spawned.uid, p->uid);
	ck_assert_str_eq(mock_spawned.path, "/bin/sh");
	ck_assert_str_eq(mock_spawned.argv[3], "sleep");
	ck_assert_str_eq(mock_spawned.argv[4], "30");
	ck_assert_ptr_null(mock_spawned.argv[5]);
	ck_assert_ptr_null(mock_spawned.cwd);
	/* the ProcessId is the program's own, not a shell's */
	ck_assert(wait_proc_text(ipid, "cmdline", "sleep\00030", 9));
	snprintf(path, sizeof(path), "/proc/%d/stat", ipid);
	n = procfs_read(AT_FDCWD, path, &b, 0, 0);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(procfs_parse_stat(b.data, (size_t)n, &ps), 0);
	ck_assert_int_eq(ps.session, ipid);		/* its own session */
	ck_assert_int_ne(ps.ppid, (int)getpid());	/* detached */
	ck_assert(mock_spawned.detached);
	snprintf(path, sizeof(path), "/proc/%d/status", ipid);
	ck_assert_int_ge(procfs_read(AT_FDCWD, path, &b, 0, 0), 0);
	ck_assert_int_eq(procfs_parse_status(b.data, &st), 0);
	ck_assert_uint_eq(st.uid[0], p->uid);
	ck_assert_uint_eq(st.uid[1], p->uid);
	procfs_buf_free(&b);
	for (int fd = 0; fd < 3; fd++)
		expect_devnull(ipid, fd);
	/* answered: nothing is held for it, no watch, no descriptor */
	ck_assert_int_eq(mock_watch_count(), 0);
	ck_assert(w32->children == NULL);
	ck_assert_int_eq(waitpid(ipid, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
	mock_ctx_free(ctx);

	/* it ends: init reaps it */
	ck_assert_int_eq(kill(ipid, SIGKILL), 0);
	ck_assert(mock_loop_until(proc_gone, &ipid, 5000));
	ck_assert(mock_log_contains("Win32_Process.Create as"));
}
END_TEST

/* a short program: answered, gone, nothing watched */
START_TEST(test_create_short)
{
	struct cim_ctx *ctx;
	uint64_t pid = 0;
	int ipid;

	ctx = mock_invoke("Win32_Process", "Create", NULL, NULL, runner(),
	    "CommandLine", "/bin/true", NULL);
	ck_assert_uint_eq(rv_of(ctx), 0);
	ck_assert(mock_uint(ctx->out, "ProcessId", &pid));
	ipid = (int)pid;
	mock_ctx_free(ctx);
	ck_assert(mock_loop_until(no_children, NULL, 5000));
	ck_assert(mock_loop_until(proc_gone, &ipid, 5000));
	ck_assert_int_eq(mock_watch_count(), 0);
}
END_TEST

/* CurrentDirectory is where it runs */
START_TEST(test_create_cwd)
{
	char dir[] = "/tmp/winrmd-w32-XXXXXX", file[PATH_MAX], *text;
	struct cim_ctx *ctx;
	uint64_t pid = 0;
	int ipid;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chmod(dir, 0777), 0);
	snprintf(file, sizeof(file), "%s/out", dir);
	ctx = mock_invoke("Win32_Process", "Create", NULL, NULL, runner(),
	    "CommandLine", "sh -c 'pwd > out; id -u >> out'",
	    "CurrentDirectory", dir, NULL);
	ck_assert_uint_eq(rv_of(ctx), 0);
	ck_assert_str_eq(mock_spawned.cwd, dir);
	ck_assert(mock_uint(ctx->out, "ProcessId", &pid));
	ipid = (int)pid;
	mock_ctx_free(ctx);
	ck_assert(mock_loop_until(proc_gone, &ipid, 5000));
	text = unit_read_path(file, NULL);
	{
		char want[PATH_MAX + 32];

		snprintf(want, sizeof(want), "%s\n%u\n", dir,
		    (unsigned)runner()->uid);
		ck_assert_str_eq(text, want);
	}
	free(text);
	unlink(file);
	rmdir(dir);
}
END_TEST

static uint32_t
create_rv(const char *line, const char *cwd)
{
	struct cim_ctx *ctx;
	uint32_t rv;

	if (cwd != NULL)
		ctx = mock_invoke("Win32_Process", "Create", NULL, NULL, runner(),
		    "CommandLine", line, "CurrentDirectory", cwd, NULL);
	else
		ctx = mock_invoke("Win32_Process", "Create", NULL, NULL, runner(),
		    "CommandLine", line, NULL);
	rv = rv_of(ctx);
	if (rv != 0)
		ck_assert(mock_is_null(ctx->out, "ProcessId"));
	mock_ctx_free(ctx);
	return rv;
}

START_TEST(test_create_errors)
{
	struct cim_ctx *ctx;
	char *path;

	/* path not found */
	ck_assert_uint_eq(create_rv(TEST_DATA "/win32/absent/program", NULL), 9);
	ck_assert_uint_eq(create_rv("winrmd-no-such-program-xyz --x", NULL), 9);
	ck_assert_uint_eq(create_rv("sleep 1", TEST_DATA "/win32/absent/dir"), 9);
	/* not executable, a directory: access denied */
	path = unit_tmp_file("#!/bin/sh\n");
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_uint_eq(create_rv(path, NULL), 2);
	unit_tmp_remove(path);
	ck_assert_uint_eq(create_rv("/tmp", NULL), 2);
	/* invalid parameter */
	ck_assert_uint_eq(create_rv("", NULL), 21);
	ck_assert_uint_eq(create_rv("   ", NULL), 21);
	ck_assert_uint_eq(create_rv("echo 'unbalanced", NULL), 21);
	ck_assert_uint_eq(create_rv("sleep 1", "relative/dir"), 21);
	/* what spawn says */
	mock_spawned.force = -EPERM;	/* e.g. setuid refused */
	ck_assert_uint_eq(create_rv("sleep 1", NULL), 2);
	mock_spawned.force = -ENOMEM;
	ck_assert_uint_eq(create_rv("sleep 1", NULL), 8);
	/* the group's pids.max, the daemon's descriptors: QuotaLimit */
	mock_spawned.force = -EAGAIN;
	ctx = mock_invoke("Win32_Process", "Create", NULL, NULL, runner(),
	    "CommandLine", "sleep 1", NULL);
	ck_assert(ctx->failed);
	ck_assert_int_eq(ctx->fault, WINRMD_FAULT_QUOTA_LIMIT);
	mock_ctx_free(ctx);
	mock_spawned.force = -EMFILE;
	ctx = mock_invoke("Win32_Process", "Create", NULL, NULL, runner(),
	    "CommandLine", "sleep 1", NULL);
	ck_assert(ctx->failed);
	ck_assert_int_eq(ctx->fault, WINRMD_FAULT_QUOTA_LIMIT);
	mock_ctx_free(ctx);
	mock_spawned.force = 0;
	/* no CommandLine */
	ctx = mock_invoke("Win32_Process", "Create", NULL, NULL, runner(),
	    NULL);
	ck_assert_uint_eq(rv_of(ctx), 21);
	mock_ctx_free(ctx);
	/* nobody authenticated */
	ctx = mock_invoke("Win32_Process", "Create", NULL, NULL, NULL,
	    "CommandLine", "sleep 1", NULL);
	ck_assert_uint_eq(rv_of(ctx), 2);
	mock_ctx_free(ctx);
	ck_assert(mock_loop_until(no_children, NULL, 5000));
	ck_assert_int_eq(mock_watch_count(), 0);
}
END_TEST

/*
 * fini while a created process still runs: the provider holds nothing of
 * it (without a group, nothing kills it either)
 */
START_TEST(test_create_fini)
{
	struct cim_ctx *ctx;
	uint64_t pid = 0;
	int ipid;

	ctx = mock_invoke("Win32_Process", "Create", NULL, NULL, runner(),
	    "CommandLine", "sleep 5", NULL);
	ck_assert_uint_eq(rv_of(ctx), 0);
	ck_assert(mock_uint(ctx->out, "ProcessId", &pid));
	mock_ctx_free(ctx);
	mock_stop();		/* checks that no watch outlived fini */
	ipid = (int)pid;
	ck_assert_int_eq(kill(ipid, 0), 0);	/* still running */
	kill(ipid, SIGKILL);
	mock_start();
	ck_assert(mock_loop_until(proc_gone, &ipid, 5000));
}
END_TEST

static int
create_sleep(void)
{
	struct cim_ctx *ctx;
	uint64_t pid = 0;

	ctx = mock_invoke("Win32_Process", "Create", NULL, NULL, runner(),
	    "CommandLine", "sleep 30", NULL);
	ck_assert_uint_eq(rv_of(ctx), 0);
	ck_assert(mock_uint(ctx->out, "ProcessId", &pid));
	mock_ctx_free(ctx);
	return (int)pid;
}

/* [Win32] MaxProcessesPerUser: the running ones count, the ended do not */
START_TEST(test_create_quota)
{
	struct cim_ctx *ctx;
	int pids[3];

	mock_conf_set("Win32.MaxProcessesPerUser", "2");
	pids[0] = create_sleep();
	pids[1] = create_sleep();
	ctx = mock_invoke("Win32_Process", "Create", NULL, NULL, runner(),
	    "CommandLine", "sleep 30", NULL);
	ck_assert(ctx->failed);
	ck_assert_int_eq(ctx->fault, WINRMD_FAULT_QUOTA_LIMIT);
	ck_assert_msg(strstr(ctx->message, "MaxProcessesPerUser (2)") != NULL,
	    "%s", ctx->message);
	mock_ctx_free(ctx);
	ck_assert_int_eq(mock_spawned.count, 2);
	ck_assert(mock_log_contains("(MaxProcessesPerUser)"));
	/* one ends: room for one more */
	kill(pids[0], SIGKILL);
	ck_assert(mock_loop_until(proc_gone, &pids[0], 5000));
	pids[2] = create_sleep();
	kill(pids[1], SIGKILL);
	kill(pids[2], SIGKILL);
	ck_assert(mock_loop_until(proc_gone, &pids[1], 5000));
	ck_assert(mock_loop_until(proc_gone, &pids[2], 5000));
}
END_TEST

/* an account that may not run processes: AccessDenied, nothing spawned */
START_TEST(test_create_refused_account)
{
	struct cim_ctx *ctx;

	mock_spawned.refuse = "the login shell of nobody (/usr/sbin/nologin) "
	    "refuses logins";
	ctx = mock_invoke("Win32_Process", "Create", NULL, NULL, runner(),
	    "CommandLine", "sleep 30", NULL);
	ck_assert(ctx->failed);
	ck_assert_int_eq(ctx->fault, WINRMD_FAULT_ACCESS_DENIED);
	ck_assert_msg(strstr(ctx->message, "/usr/sbin/nologin") != NULL,
	    "%s", ctx->message);
	ck_assert_int_eq(mock_spawned.count, 0);
	ck_assert(mock_log_contains("refuses logins"));
	mock_ctx_free(ctx);
}
END_TEST

/* --- Terminate: the kill rule, for real --- */

/* a child with the given real, effective and saved uid, sleeping */
static pid_t
child_as(uid_t r, uid_t e, uid_t s)
{
	int p[2];
	pid_t pid;
	char c;

	ck_assert_int_eq(pipe(p), 0);
	if ((pid = fork()) == 0) {
		if (setresuid(r, e, s) < 0)
			_exit(1);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	ck_assert_int_gt(pid, 0);
	close(p[1]);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

static uint32_t
terminate_rv(pid_t pid, const struct winrmd_principal *p)
{
	char handle[32];
	struct cim_ctx *ctx;
	uint32_t rv;

	snprintf(handle, sizeof(handle), "%d", (int)pid);
	ctx = mock_invoke("Win32_Process", "Terminate", "Handle", handle, p,
	    "Reason", "0", NULL);
	rv = rv_of(ctx);
	mock_ctx_free(ctx);
	return rv;
}

static bool
alive(pid_t pid)
{
	return waitpid(pid, NULL, WNOHANG) == 0;
}

START_TEST(test_terminate)
{
	pid_t a, b;
	int status;

	if (getuid() != 0) {
		fprintf(stderr, "check_win32_methods: not root, Terminate's "
		    "uid cases left to the rule's own test\n");
		return;
	}
	a = child_as(NOBODY, NOBODY, NOBODY);
	/* another user: access denied, the process lives on */
	ck_assert_uint_eq(terminate_rv(a, mock_principal_uid(OTHER, "other")), 2);
	ck_assert(alive(a));
	/* the owner may */
	ck_assert_uint_eq(terminate_rv(a, mock_principal_uid(NOBODY, "nobody")),
	    0);
	ck_assert_int_eq(waitpid(a, &status, 0), a);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert(mock_log_contains("Win32_Process.Terminate"));

	/* the saved uid counts, the effective one does not */
	b = child_as(SAVED_ONLY, SAVED_ONLY, NOBODY);
	ck_assert_uint_eq(terminate_rv(b, mock_principal_uid(OTHER, "other")), 2);
	ck_assert(alive(b));
	ck_assert_uint_eq(terminate_rv(b, mock_principal_uid(NOBODY, "nobody")),
	    0);
	ck_assert_int_eq(waitpid(b, &status, 0), b);
	b = child_as(NOBODY, OTHER, NOBODY);
	ck_assert_uint_eq(terminate_rv(b, mock_principal_uid(OTHER, "other")), 2);
	ck_assert(alive(b));
	/* root may kill anything */
	ck_assert_uint_eq(terminate_rv(b, mock_principal_uid(0, "root")), 0);
	ck_assert_int_eq(waitpid(b, &status, 0), b);
	/* nobody authenticated: denied */
	b = child_as(NOBODY, NOBODY, NOBODY);
	ck_assert_uint_eq(terminate_rv(b, NULL), 2);
	kill(b, SIGKILL);
	waitpid(b, NULL, 0);
}
END_TEST

START_TEST(test_terminate_bad_target)
{
	struct cim_ctx *ctx;
	char handle[32];
	pid_t gone;

	ctx = mock_invoke("Win32_Process", "Terminate", "Handle", "abc",
	    mock_principal_self(), NULL);
	ck_assert(ctx->failed);
	ck_assert_int_eq(ctx->fault, WINRMD_FAULT_INVALID_SELECTORS);
	mock_ctx_free(ctx);
	/* a pid that was, and is no more */
	if ((gone = fork()) == 0)
		_exit(0);
	waitpid(gone, NULL, 0);
	snprintf(handle, sizeof(handle), "%d", (int)gone);
	ctx = mock_invoke("Win32_Process", "Terminate", "Handle", handle,
	    mock_principal_self(), NULL);
	ck_assert(ctx->failed);
	ck_assert_int_eq(ctx->fault, WINRMD_FAULT_INVALID_SELECTORS);
	mock_ctx_free(ctx);
}
END_TEST

/* --- GetOwner, GetOwnerSid --- */

START_TEST(test_getowner)
{
	struct cim_ctx *ctx;
	struct passwd *pw = getpwuid(geteuid());
	char handle[32], host[256], sid[64];
	pid_t child = -1;

	snprintf(handle, sizeof(handle), "%d", (int)getpid());
	ctx = mock_invoke("Win32_Process", "GetOwner", "Handle", handle,
	    mock_principal_self(), NULL);
	ck_assert_uint_eq(rv_of(ctx), 0);
	ck_assert_str_eq(mock_str(ctx->out, "User"), pw->pw_name);
	ck_assert_str_eq(mock_str(ctx->out, "Domain"), w32_hostname(host,
	    sizeof(host)));
	mock_ctx_free(ctx);

	ctx = mock_invoke("Win32_Process", "GetOwnerSid", "Handle", handle,
	    mock_principal_self(), NULL);
	ck_assert_uint_eq(rv_of(ctx), 0);
	snprintf(sid, sizeof(sid), "S-1-22-1-%u", (unsigned)geteuid());
	ck_assert_str_eq(mock_str(ctx->out, "Sid"), sid);
	mock_ctx_free(ctx);

	if (getuid() == 0) {
		child = child_as(NOBODY, NOBODY, NOBODY);
		snprintf(handle, sizeof(handle), "%d", (int)child);
		ctx = mock_invoke("Win32_Process", "GetOwner", "Handle", handle,
		    mock_principal_self(), NULL);
		ck_assert_uint_eq(rv_of(ctx), 0);
		pw = getpwuid(NOBODY);
		ck_assert_str_eq(mock_str(ctx->out, "User"),
		    pw ? pw->pw_name : "65534");
		mock_ctx_free(ctx);
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	ctx = mock_invoke("Win32_Process", "GetOwner", "Handle", "0",
	    mock_principal_self(), NULL);
	ck_assert(ctx->failed);
	mock_ctx_free(ctx);
}
END_TEST

static Suite *
win32_methods_suite(void)
{
	Suite *s = suite_create("win32_methods");
	TCase *tc = tcase_create("create");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_create);
	tcase_add_test(tc, test_create_short);
	tcase_add_test(tc, test_create_cwd);
	tcase_add_test(tc, test_create_errors);
	tcase_add_test(tc, test_create_fini);
	tcase_add_test(tc, test_create_quota);
	tcase_add_test(tc, test_create_refused_account);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("terminate");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_terminate);
	tcase_add_test(tc, test_terminate_bad_target);
	tcase_add_test(tc, test_getowner);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(win32_methods_suite)
