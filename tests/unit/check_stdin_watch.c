/*
 * check_stdin_watch.c: winrmd-stdin-watch (native/stdin_watch.c), the
 * built program run on a shell: a read of its stdin pipe makes it print
 * the token on a line of its own, once, and what comes on its stdin is
 * the line read; a shell waiting on another pipe is not asking; with -p
 * it relays the script lines and starts watching only after the token's
 * line (which is not relayed); the exit status is the shell's.  With -r
 * (a kept command's reaper) it only runs the shell, writes its wait status
 * on descriptor 3, which the shell does not get, and exits as the shell
 * did; a SIGTERM to the group ends the shell, not it; a SIGKILL ends it
 * with nothing written.
 */
#include "build.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include "unit.h"

#define TOKEN	"WINRMD-READLINE-TEST"

struct run {
	pid_t	pid;
	int	in, out;
};

static void
start(struct run *r, bool passive, const char *script)
{
	int in[2], out[2];
	char prog[512];

	snprintf(prog, sizeof(prog), "%s/native/winrmd-stdin-watch",
	    TOP_BUILDDIR);
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	r->pid = fork();
	ck_assert_int_ge(r->pid, 0);
	if (r->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		if (passive)
			execl(prog, prog, "-p", TOKEN, "/bin/sh", "-c", script,
			    (char *)NULL);
		else
			execl(prog, prog, TOKEN, "/bin/sh", "-c", script,
			    (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	r->in = in[1];
	r->out = out[0];
}

/* the next line of output (5 s at most), without its new line */
static char *
line(struct run *r)
{
	static char buf[256];
	size_t n = 0;

	while (n + 1 < sizeof(buf)) {
		struct pollfd pf = { .fd = r->out, .events = POLLIN };

		ck_assert_msg(poll(&pf, 1, 5000) == 1, "no output after %.*s",
		    (int)n, buf);
		ck_assert_int_eq(read(r->out, buf + n, 1), 1);
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return buf;
}

static void
say(struct run *r, const char *s)
{
	ck_assert_int_eq(write(r->in, s, strlen(s)), (ssize_t)strlen(s));
}

static int
end(struct run *r)
{
	int st;

	close(r->in);
	ck_assert_int_eq(waitpid(r->pid, &st, 0), r->pid);
	close(r->out);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

START_TEST(reads_ask)
{
	struct run r;

	start(&r, false, "x=$(sleep 0.2; echo sub); echo \"$x\"; "
	    "printf 'name? '; read a; echo \"a=$a\"; read b; echo \"b=$b\"; "
	    "exit 3");
	ck_assert_str_eq(line(&r), "sub");	/* the other pipe: no ask */
	ck_assert_str_eq(line(&r), "name? " TOKEN);
	say(&r, "alice\n");
	ck_assert_str_eq(line(&r), "a=alice");
	ck_assert_str_eq(line(&r), TOKEN);
	say(&r, "bob\n");
	ck_assert_str_eq(line(&r), "b=bob");
	ck_assert_int_eq(end(&r), 3);
}
END_TEST

START_TEST(passive_until_token)
{
	struct run r;

	start(&r, true, "read s; echo \"s=$s\"; read a; echo \"a=$a\"");
	/* the script's line, then the token's (split over two writes) */
	say(&r, "script line\nWINRMD-READ");
	ck_assert_str_eq(line(&r), "s=script line");
	say(&r, "LINE-TEST\n");
	ck_assert_str_eq(line(&r), TOKEN);
	say(&r, "later\n");
	ck_assert_str_eq(line(&r), "a=later");
	ck_assert_int_eq(end(&r), 0);
}
END_TEST

/* winrmd-stdin-watch -r sh -c script in a group of its own: its pid */
static pid_t
start_reaper(const char *script, int *out, int *status)
{
	int o[2], st[2];
	char prog[512];
	pid_t pid;

	snprintf(prog, sizeof(prog), "%s/native/winrmd-stdin-watch",
	    TOP_BUILDDIR);
	ck_assert_int_eq(pipe(o), 0);
	ck_assert_int_eq(pipe(st), 0);
	if ((pid = fork()) == 0) {
		setpgid(0, 0);
		dup2(o[1], 1);
		if (st[1] != 3) {
			dup2(st[1], 3);
			close(st[1]);
		}
		close(o[0]);
		close(st[0]);
		execl(prog, prog, "-r", "/bin/sh", "-c", script, (char *)NULL);
		_exit(126);
	}
	ck_assert_int_ge(pid, 0);
	close(o[1]);
	close(st[1]);
	*out = o[0];
	*status = st[0];
	return pid;
}

/* the reaper's exit code; *st: what it wrote (-1: nothing) */
static int
end_reaper(pid_t pid, int status, int *st)
{
	int w;

	ck_assert_int_eq(waitpid(pid, &w, 0), pid);
	*st = -1;
	if (read(status, st, sizeof(*st)) != (ssize_t)sizeof(*st))
		*st = -1;
	close(status);
	return WIFEXITED(w) ? WEXITSTATUS(w) : 256 + WTERMSIG(w);
}

START_TEST(reaper_status)
{
	int out, status, st;
	char buf[64] = { 0 };
	pid_t pid;

	/* its status pipe is not the program's */
	pid = start_reaper("[ -e /proc/self/fd/3 ] && echo has3 || echo no3; "
	    "exit 7", &out, &status);
	ck_assert_int_eq(end_reaper(pid, status, &st), 7);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 7);
	ck_assert_int_gt(read(out, buf, sizeof(buf) - 1), 0);
	ck_assert_str_eq(buf, "no3\n");
	close(out);

	/* SIGTERM to the group: the program ends, the reaper reports it */
	pid = start_reaper("echo up; exec sleep 5", &out, &status);
	ck_assert_int_eq(read(out, buf, 3), 3);
	usleep(50000);		/* the exec of sleep */
	ck_assert_int_eq(kill(-pid, SIGTERM), 0);
	ck_assert_int_eq(end_reaper(pid, status, &st), 128 + SIGTERM);
	ck_assert(WIFSIGNALED(st));
	ck_assert_int_eq(WTERMSIG(st), SIGTERM);
	close(out);

	/* SIGKILL to the group: nothing written */
	pid = start_reaper("echo up; exec sleep 5", &out, &status);
	ck_assert_int_eq(read(out, buf, 3), 3);
	ck_assert_int_eq(kill(-pid, SIGKILL), 0);
	ck_assert_int_eq(end_reaper(pid, status, &st), 256 + SIGKILL);
	ck_assert_int_eq(st, -1);
	close(out);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("stdin_watch");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, reads_ask);
	tcase_add_test(tc, passive_until_token);
	tcase_add_test(tc, reaper_status);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
