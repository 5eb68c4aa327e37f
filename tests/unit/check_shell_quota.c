/*
 * check_shell_quota.c: what the shell plugin counts for its quotas
 * (quota.c: live commands per shell and per user, stdin held per user)
 * and how it lets a finished command's process go (pgroup.c: reaped at
 * exit with its status kept, unless its process group lives on, which
 * is then still signalled as a group, and let go once empty).
 */
#include "build.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "mock_host.h"
#include "shell.h"
#include "unit.h"

/* the plugin's host: none of its services are asked for here */
const struct winrmd_host *host = &mock_host;

static struct command *
cmd(struct shell *sh, int pidfd, int in, int out, int err, size_t in_cap)
{
	struct command *c = calloc(1, sizeof(*c));

	ck_assert_ptr_nonnull(c);
	c->shell = sh;
	c->child = (struct winrmd_child){ .pid = pidfd >= 0 ? 1 : 0,
	    .pidfd = pidfd, .in_fd = in, .out_fd = out, .err_fd = err };
	c->in_cap = in_cap;
	c->next = sh->commands;
	sh->commands = c;
	return c;
}

static struct shell *
shell(struct shell **list, uid_t uid)
{
	struct shell *sh = calloc(1, sizeof(*sh));

	ck_assert_ptr_nonnull(sh);
	sh->user.p.uid = uid;
	sh->next = *list;
	*list = sh;
	return sh;
}

static void
free_all(struct shell *list)
{
	while (list != NULL) {
		struct shell *sh = list;

		list = sh->next;
		while (sh->commands != NULL) {
			struct command *c = sh->commands;

			sh->commands = c->next;
			free(c);
		}
		free(sh);
	}
}

START_TEST(test_live)
{
	struct shell *list = NULL, *a = shell(&list, 1000);

	/* running: the pidfd and the pipes */
	ck_assert(command_live(cmd(a, 7, 8, 9, 10, 0)));
	/* reaped, its output not yet read from the pipes */
	ck_assert(command_live(cmd(a, -1, -1, 9, -1, 0)));
	/* reaped, its group lives on: the pidfd stays */
	ck_assert(command_live(cmd(a, 7, -1, -1, -1, 0)));
	/* finished and read, or synthetic, or waiting for a payload */
	ck_assert(!command_live(cmd(a, -1, -1, -1, -1, 0)));
	ck_assert_uint_eq(shell_live_commands(a), 3);
	free_all(list);
}
END_TEST

START_TEST(test_counts)
{
	struct shell *list = NULL, *a1 = shell(&list, 1000),
	    *a2 = shell(&list, 1000), *b = shell(&list, 1001);
	unsigned n;

	for (int i = 0; i < 3; i++)
		cmd(a1, 5, 6, 7, 8, 1000);
	cmd(a1, -1, -1, -1, -1, 0);
	for (int i = 0; i < 4; i++)
		cmd(a2, 5, 6, 7, -1, 0);
	for (int i = 0; i < 9; i++)
		cmd(b, 5, 6, 7, 8, 500);
	ck_assert_uint_eq(user_live_commands(list, 1000), 7);
	ck_assert_uint_eq(user_live_commands(list, 1001), 9);
	ck_assert_uint_eq(user_live_commands(list, 1002), 0);
	ck_assert_uint_eq(user_stdin_held(list, 1000), 3000);
	ck_assert_uint_eq(user_stdin_held(list, 1001), 4500);

	/* MaxProcessesPerShell first, then MaxProcessesPerUser */
	ck_assert_int_eq(command_quota(list, a1, 4, 100, &n), QUOTA_OK);
	ck_assert_int_eq(command_quota(list, a1, 3, 100, &n), QUOTA_SHELL);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(command_quota(list, a2, 10, 7, &n), QUOTA_USER);
	ck_assert_uint_eq(n, 7);
	ck_assert_int_eq(command_quota(list, a2, 10, 8, &n), QUOTA_OK);
	/* another user's commands do not count against this one */
	ck_assert_int_eq(command_quota(list, b, 10, 10, &n), QUOTA_OK);
	ck_assert_uint_eq(n, 9);
	ck_assert_int_eq(command_quota(list, b, 9, 10, &n), QUOTA_SHELL);
	free_all(list);
}
END_TEST

/* ------------------------------------------------ process groups, real */

/*
 * A child that leads a new session and exits at once with status 5,
 * leaving (if background) a sleeping process in its group; the child is
 * not reaped.  Returns its pid, the background one in *bg.
 */
static pid_t
leader(bool background, pid_t *bg)
{
	int p[2];
	pid_t pid, b = 0;

	ck_assert_int_eq(pipe(p), 0);
	if ((pid = fork()) == 0) {
		setsid();
		if (background && (b = fork()) == 0) {
			close(p[1]);
			execlp("sleep", "sleep", "300", (char *)NULL);
			_exit(127);
		}
		if (write(p[1], &b, sizeof(b)) != sizeof(b))
			_exit(1);
		_exit(5);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &b, sizeof(b)), sizeof(b));
	close(p[0]);
	if (bg != NULL)
		*bg = b;
	/* exited (a zombie, unreaped) */
	ck_assert_int_eq(waitid(P_PID, (id_t)pid, &(siginfo_t){ 0 },
	    WEXITED | WNOWAIT), 0);
	return pid;
}

static bool
gone(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	for (int i = 0; i < 500 && access(path, F_OK) == 0; i++)
		usleep(10000);
	return access(path, F_OK) < 0;
}

static struct command *
exited_command(pid_t pid)
{
	struct command *c = calloc(1, sizeof(*c));

	ck_assert_ptr_nonnull(c);
	c->child = (struct winrmd_child){ .pid = pid, .in_fd = -1,
	    .out_fd = -1, .err_fd = -1,
	    .pidfd = (int)syscall(SYS_pidfd_open, pid, 0) };
	ck_assert_int_ge(c->child.pidfd, 0);
	c->exited = true;
	return c;
}

START_TEST(test_has_others)
{
	pid_t bg, pid = leader(true, &bg), only[1];

	/* the background process is in the leader's group and session */
	ck_assert(pgroup_has_others(pid, NULL, -1));
	only[0] = pid;
	ck_assert(!pgroup_has_others(pid, only, 1));
	ck_assert(pgroup_has_others(pid, (pid_t[]){ pid, bg }, 2));
	kill(bg, SIGKILL);
	ck_assert(gone(bg));
	ck_assert(!pgroup_has_others(pid, NULL, -1));
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
}
END_TEST

/* alone in its group: reaped at once, no zombie, the status kept */
START_TEST(test_reap_alone)
{
	struct command *c = exited_command(leader(false, NULL));
	pid_t pid = c->child.pid;

	c->exit_code = 5;
	command_reap(c);
	ck_assert(c->reaped);
	ck_assert_int_eq(c->child.pidfd, -1);
	ck_assert(!command_live(c));
	ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
	ck_assert_int_eq(c->exit_code, 5);
	/* nothing left to signal: no kill goes to a number reused since */
	command_kill_group(c, SIGKILL);
	free(c);
}
END_TEST

/*
 * a background process stays in its group: the group is still signalled
 * (and only it), and the command lets go once it is empty
 */
START_TEST(test_reap_lingering)
{
	pid_t bg;
	struct command *c = exited_command(leader(true, &bg));
	pid_t pid = c->child.pid;

	command_reap(c);
	ck_assert(command_live(c));	/* a pidfd, or the zombie */
	ck_assert_int_eq(kill(bg, 0), 0);
	command_kill_group(c, SIGKILL);
	ck_assert(gone(bg));
	for (int i = 0; i < 100 && command_live(c); i++) {
		command_settle(c);
		usleep(10000);
	}
	ck_assert(!command_live(c));
	ck_assert(c->reaped);
	ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
	free(c);
}
END_TEST

static Suite *
quota_suite(void)
{
	Suite *s = suite_create("shell_quota");
	TCase *tc = tcase_create("counts");

	tcase_add_test(tc, test_live);
	tcase_add_test(tc, test_counts);
	suite_add_tcase(s, tc);
	tc = tcase_create("pgroup");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_has_others);
	tcase_add_test(tc, test_reap_alone);
	tcase_add_test(tc, test_reap_lingering);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(quota_suite)
