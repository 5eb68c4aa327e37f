/*
 * check_psrp_script.c: what a PSRP pipeline runs without PowerShell
 * (plugins/shell/psrp_script.c): the shapes clients send (pypsrp's
 * execute_ps and its environment, add_script with arguments, add_cmdlet
 * with parameters, a SecureString argument, copy.ps1 and fetch.ps1)
 * become the shell text expected; the runspace's state is read back from
 * what the wrapper prints, and the wrapper itself, run by /bin/sh, keeps
 * the script's output, its exit status and the state after the mark.
 */
#include "build.h"

#include <sys/wait.h>

#include "psrp.h"
#include "unit.h"

/* ------------------------------------------------------------ helpers */

/* the arguments' values are const for the parser's sake */
static void
unref(const struct clixml_value *v)
{
	clixml_unref((struct clixml_value *)(uintptr_t)v);
}

static struct psrp_pipeline
pipeline(struct psrp_statement *st, size_t nst)
{
	struct psrp_pipeline p = { 0 };

	p.pp_statements = st;
	p.pp_nstatements = nst;
	return p;
}

static struct psrp_cmd
cmd(const char *name, bool script, struct psrp_arg *args, size_t nargs)
{
	struct psrp_cmd c = { 0 };

	c.pc_cmd = name;
	c.pc_is_script = script;
	c.pc_args = args;
	c.pc_nargs = nargs;
	return c;
}

static char *
build(struct psrp_statement *st, size_t nst, const uint8_t *key,
    struct psrp_script *s)
{
	struct psrp_pipeline p = pipeline(st, nst);
	char err[256];

	ck_assert_msg(psrp_script_build(&p, key, s, err, sizeof(err)) == 0,
	    "build failed: %s", err);
	return s->text;
}

/* ------------------------------------------------------------- shapes */

START_TEST(execute_ps_shape)
{
	struct clixml_value *v = clixml_new_string("echo hi; exit 3");
	struct psrp_arg a[] = { { "Command", v } };
	struct psrp_arg stream[] = { { "Stream", clixml_new_bool(true) } };
	struct psrp_cmd cmds[] = { cmd("Invoke-Expression", false, a, 1),
	    cmd("Out-String", false, stream, 1) };
	struct psrp_statement st = { cmds, 2 };
	struct psrp_script s;

	ck_assert_str_eq(build(&st, 1, NULL, &s), "{ echo hi; exit 3\n}");
	ck_assert(!s.fail_on_exit);
	ck_assert_uint_eq(s.nsecrets, 0);
	psrp_script_free(&s);
	clixml_unref(v);
	unref(stream[0].pa_value);
}
END_TEST

START_TEST(environment_statement)
{
	/* execute_ps(environment=...): New-Item env: ... | Out-Null; */
	struct psrp_arg ni[] = { { "Path", clixml_new_string("env:") },
	    { "Name", clixml_new_string("WRT_A") },
	    { "Value", clixml_new_string("x y'z") },
	    { "Force", clixml_new_bool(true) } };
	struct psrp_arg iex[] = { { "Command", clixml_new_string("env") } };
	struct psrp_cmd c1[] = { cmd("New-Item", false, ni, 4),
	    cmd("Out-Null", false, NULL, 0) };
	struct psrp_cmd c2[] = { cmd("Invoke-Expression", false, iex, 1),
	    cmd("Out-String", false, NULL, 0) };
	struct psrp_statement st[] = { { c1, 2 }, { c2, 2 } };
	struct psrp_script s;

	ck_assert_str_eq(build(st, 2, NULL, &s),
	    "export WRT_A='x y'\\''z' >/dev/null\n{ env\n}");
	psrp_script_free(&s);
	for (int i = 0; i < 4; i++)
		unref(ni[i].pa_value);
	unref(iex[0].pa_value);
}
END_TEST

START_TEST(script_arguments)
{
	struct psrp_arg a[] = { { NULL, clixml_new_string("a b") },
	    { NULL, clixml_new_i32(3) }, { "Name", clixml_new_string("n'1") },
	    { "-bad name", clixml_new_string("dropped") } };
	struct psrp_cmd c[] = { cmd("printf '%s|' \"$@\"", true, a, 4) };
	struct psrp_statement st = { c, 1 };
	struct psrp_script s;

	ck_assert_str_eq(build(&st, 1, NULL, &s),
	    "{ Name='n'\\''1'; set -- 'a b' '3'; \nprintf '%s|' \"$@\"\n}");
	psrp_script_free(&s);
	for (int i = 0; i < 4; i++)
		unref(a[i].pa_value);
}
END_TEST

START_TEST(raw_exit_tail)
{
	/* Ansible's psrp raw: "CMD\nexit $LASTEXITCODE": the shell's own
	 * status, not the previous pipeline's $LASTEXITCODE */
	struct psrp_cmd c[] = { cmd("false\nexit $LASTEXITCODE\r\n", true,
	    NULL, 0) };
	struct psrp_cmd alone[] = { cmd("exit $LASTEXITCODE", true, NULL, 0) };
	struct psrp_cmd mid[] = { cmd("exit $LASTEXITCODE\necho x", true,
	    NULL, 0) };
	struct psrp_statement st = { c, 1 };
	struct psrp_script s;

	ck_assert_str_eq(build(&st, 1, NULL, &s), "{ \nfalse\n\n}");
	psrp_script_free(&s);
	st.ps_cmds = alone;
	ck_assert_str_eq(build(&st, 1, NULL, &s),
	    "{ \nexit $LASTEXITCODE\n}");
	psrp_script_free(&s);
	st.ps_cmds = mid;
	ck_assert_str_eq(build(&st, 1, NULL, &s),
	    "{ \nexit $LASTEXITCODE\necho x\n}");
	psrp_script_free(&s);
}
END_TEST

START_TEST(cmdlet_line)
{
	struct psrp_arg a[] = { { "Force", clixml_new_bool(true) },
	    { "Path", clixml_new_string("/tmp/x y") },
	    { NULL, clixml_new_i32(-7) } };
	struct psrp_cmd c[] = { cmd("Remove-Thing", false, a, 3),
	    cmd("we ird", false, NULL, 0) };
	struct psrp_statement st = { c, 2 };
	struct psrp_script s;

	ck_assert_str_eq(build(&st, 1, NULL, &s),
	    "Remove-Thing -Force -Path '/tmp/x y' '-7' | 'we ird'");
	psrp_script_free(&s);
	for (int i = 0; i < 3; i++)
		unref(a[i].pa_value);
}
END_TEST

START_TEST(securestring_argument)
{
	uint8_t key[PSRP_SESSION_KEY_LEN];
	char *ct, err[256];
	struct clixml_value *ss;
	struct psrp_arg a[1];
	struct psrp_cmd c[1];
	struct psrp_statement st = { c, 1 };
	struct psrp_pipeline p = pipeline(&st, 1);
	struct psrp_script s;

	ck_assert_int_eq(psrp_session_key_generate(key), 0);
	ct = psrp_securestring_encrypt(key, "pa ss", 5);
	ck_assert_ptr_nonnull(ct);
	ss = clixml_new_text(CLIXML_SECURESTRING, ct);
	a[0] = (struct psrp_arg){ NULL, ss };
	c[0] = cmd("printf '%s' \"$1\"", true, a, 1);
	/* no key exchanged: refused, never run as ciphertext */
	ck_assert_int_eq(psrp_script_build(&p, NULL, &s, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "session key"));
	/* the secret goes in the environment, never in the text */
	ck_assert_str_eq(build(&st, 1, key, &s),
	    "{ set -- \"$WINRMD_PSRP_SECRET1\"; \nprintf '%s' \"$1\"\n}");
	ck_assert_uint_eq(s.nsecrets, 1);
	ck_assert_str_eq(s.secrets[0], "WINRMD_PSRP_SECRET1=pa ss");
	ck_assert_ptr_null(s.secrets[1]);
	psrp_script_free(&s);
	/* another key does not decrypt it */
	key[0] ^= 1;
	ck_assert_int_eq(psrp_script_build(&p, key, &s, err, sizeof(err)), -1);
	clixml_unref(ss);
	free(ct);
}
END_TEST

START_TEST(pypsrp_copy_fetch)
{
	/* the lines pypsrp's get_pwsh_script keeps that tell them apart */
	static const char copy[] = "begin {\n$path = "
	    "[System.IO.Path]::GetTempFileName()\n"
	    "$fd = [System.IO.File]::Create($path)\n} process {\n"
	    "$bytes = [System.Convert]::FromBase64String($input)\n} end {\n"
	    "$algo.TransformFinalBlock($bytes, 0, 0) > $null\n}";
	static const char fetch[] = "$fs = $src.OpenRead()\n"
	    "$read = $fs.Read($bytes, $offset, $bytes_to_read)\n"
	    "Write-Output -InputObject "
	    "([System.Convert]::ToBase64String($bytes))\n"
	    "$algo.TransformFinalBlock($bytes, 0, 0) > $Null";
	struct psrp_arg a[] = { { NULL, clixml_new_string("/tmp/d") },
	    { NULL, clixml_new_bool(false) } };
	struct psrp_cmd c[] = { cmd(copy, true, a, 2) };
	struct psrp_statement st = { c, 1 };
	struct psrp_script s;

	build(&st, 1, NULL, &s);
	ck_assert(s.fail_on_exit);
	ck_assert_ptr_null(strstr(s.text, "[System.IO"));
	ck_assert_ptr_nonnull(strstr(s.text, "sha1sum"));
	ck_assert_ptr_nonnull(strstr(s.text, "set -- '/tmp/d' 'False'"));
	psrp_script_free(&s);
	c[0].pc_cmd = fetch;
	build(&st, 1, NULL, &s);
	ck_assert(s.fail_on_exit);
	ck_assert_ptr_nonnull(strstr(s.text, "base64 -w0"));
	psrp_script_free(&s);
	/* anything else is run as it is */
	c[0].pc_cmd = "echo [System.IO.File]::Create($path)";
	build(&st, 1, NULL, &s);
	ck_assert(!s.fail_on_exit);
	psrp_script_free(&s);
	unref(a[0].pa_value);
	unref(a[1].pa_value);
}
END_TEST

START_TEST(value_texts)
{
	struct clixml_value *v[] = { clixml_new_nil(), clixml_new_bool(false),
	    clixml_new_int(CLIXML_I64, -5), clixml_new_uint(CLIXML_U8, 200),
	    clixml_new_double(CLIXML_DOUBLE, 1.5), clixml_new_string("s") };
	const char *want[] = { "", "False", "-5", "200", "1.5", "s" };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *t = psrp_value_text(v[i]);

		ck_assert_str_eq(t, want[i]);
		free(t);
		clixml_unref(v[i]);
	}
	{
		char *q = psrp_shell_quote("it's", 4);

		ck_assert_str_eq(q, "'it'\\''s'");
		free(q);
	}
}
END_TEST

/* -------------------------------------------------------------- state */

START_TEST(state_parse)
{
	static const char good[] = "/tmp/a b\nA=1\0PWD=/x\0SHLVL=2\0"
	    "WINRMD_PSRP_SECRET1=s\0LASTEXITCODE=3\0B=two\nlines\0C=cut";
	struct psrp_runspace rs = { 0 };

	ck_assert_int_eq(psrp_state_parse(good, sizeof(good) - 1, &rs), 0);
	ck_assert_str_eq(rs.cwd, "/tmp/a b");
	ck_assert_str_eq(rs.env[0], "A=1");
	ck_assert_str_eq(rs.env[1], "B=two\nlines");
	ck_assert_ptr_null(rs.env[2]);	/* C: cut off, not whole */
	/* not the wrapper's shape: what was kept stays */
	ck_assert_int_eq(psrp_state_parse("relative\n", 9, &rs), -1);
	ck_assert_int_eq(psrp_state_parse("/no-newline", 11, &rs), -1);
	ck_assert_int_eq(psrp_state_parse("", 0, &rs), -1);
	ck_assert_str_eq(rs.cwd, "/tmp/a b");
	psrp_runspace_clear(&rs);
}
END_TEST

/* a child's stdout (fd, read to its end) and its exit status */
static int
collect(int fd, pid_t pid, char *out, size_t max, size_t *ret_len)
{
	size_t len = 0;
	ssize_t n;
	int status;

	while ((n = read(fd, out + len, max - len)) > 0)
		len += (size_t)n;
	close(fd);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	*ret_len = len;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* runs the wrapper with /bin/sh as the pipeline would: stdout and status */
static int
run_wrapper(const char *shell, bool exports, const char *mark,
    const char *script, char *out, size_t max, size_t *ret_len)
{
	char *w = psrp_wrapper(mark, exports);
	int fds[2];
	pid_t pid;

	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		if (chdir("/tmp") < 0)
			_exit(99);
		execl(shell, "sh", "-c", w, "winrmd-psrp", script,
		    (char *)NULL);
		_exit(98);
	}
	close(fds[1]);
	free(w);
	return collect(fds[0], pid, out, max, ret_len);
}

/* the shells and how each lists its environment */
static const struct {
	const char	*shell;
	bool		 exports;
} shells[] = {
	{ "/bin/sh", false }, { "/bin/sh", true }, { "/bin/bash", true },
	{ "/bin/bash", false },
};

START_TEST(wrapper_runs)
{
	static const char mark[] = "WINRMD-RUNSPACE-STATE-TEST";
	const char *sh = shells[_i].shell;
	bool ex = shells[_i].exports;
	char out[65536], *m;
	struct psrp_runspace rs = { 0 };
	size_t len;
	int rc;

	rc = run_wrapper(sh, ex, mark, "echo one; printf two; cd /; "
	    "export WRT_W='v w'; export WRT_Q=\"it's \\\"q\\\" \\$x "
	    "\\`b\\` b\\\\s\"; export WRT_C=\"$(printf 'n\\nx\\ty\\001z\\303\\251')\"; "
	    "export WRT_E=; exit 5", out, sizeof(out), &len);
	ck_assert_int_eq(rc, 5);
	/* the script's output, the mark right after its last bytes */
	m = memmem(out, len, mark, strlen(mark));
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq((int)(m - out), 7);
	ck_assert(memcmp(out, "one\ntwo", 7) == 0);
	m += strlen(mark);
	ck_assert_int_eq(*m, '\n');
	m++;
	ck_assert_int_eq(psrp_state_parse(m, len - (size_t)(m - out), &rs), 0);
	ck_assert_str_eq(rs.cwd, "/");
	{
		static const char *const want[] = { "WRT_W=v w",
		    "WRT_Q=it's \"q\" $x `b` b\\s",
		    "WRT_C=n\nx\ty\001z\303\251", "WRT_E=" };
		size_t found = 0;

		for (size_t i = 0; rs.env[i] != NULL; i++)
			for (size_t k = 0; k < 4; k++)
				if (strcmp(rs.env[i], want[k]) == 0)
					found |= 1u << k;
		ck_assert_msg(found == 15, "%s %s: found %zx", sh,
		    ex ? "export -p" : "env -0", found);
		ck_assert_ptr_nonnull(rs.env[4]);	/* HOME, PATH... */
	}
	psrp_runspace_clear(&rs);
	/* a script that does not parse: the state still comes back */
	rc = run_wrapper(sh, ex, mark, "if then fi (", out, sizeof(out), &len);
	ck_assert_int_ne(rc, 0);
	ck_assert_ptr_nonnull(memmem(out, len, mark, strlen(mark)));
}
END_TEST

/*
 * A runspace's first pipeline is a login bash (-l): the wrapper's end is
 * not a logout, so ~/.bash_logout does not run (Debian's runs
 * clear_console, a process more), and the status is still the script's.
 */
START_TEST(login_bash_no_logout)
{
	static const char mark[] = "WINRMD-RUNSPACE-STATE-LOGIN";
	char home[] = "/tmp/check_psrp_script.XXXXXX", path[256], out[65536];
	static const char *const scripts[] = { "echo hi", "false", "(exit 6)" };
	static const int want[] = { 0, 1, 6 };
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(home));
	/* a profile of its own (not ~/.profile's), and a logout that says
	 * it ran */
	snprintf(path, sizeof(path), "%s/.bash_profile", home);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);
	snprintf(path, sizeof(path), "%s/.bash_logout", home);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, "echo ran > \"$HOME/logout-ran\"\n");
	fclose(f);
	snprintf(path, sizeof(path), "%s/logout-ran", home);
	for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
		char *w = psrp_wrapper(mark, true);
		size_t len = 0;
		int fds[2];
		pid_t pid;

		ck_assert_ptr_nonnull(w);
		ck_assert_int_eq(pipe(fds), 0);
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			dup2(fds[1], 1);
			close(fds[0]);
			if (setenv("HOME", home, 1) < 0 || chdir(home) < 0)
				_exit(99);
			execl("/bin/bash", "bash", "-l", "-c", w, "winrmd-psrp",
			    scripts[i], (char *)NULL);
			_exit(98);
		}
		close(fds[1]);
		free(w);
		ck_assert_int_eq(collect(fds[0], pid, out, sizeof(out), &len),
		    want[i]);
		ck_assert_ptr_nonnull(memmem(out, len, mark, strlen(mark)));
		ck_assert_msg(access(path, F_OK) != 0, "%s: ~/.bash_logout ran",
		    scripts[i]);
	}
	snprintf(path, sizeof(path), "rm -rf '%s'", home);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

/*
 * runs the warm wrapper with /bin/sh as a pool would: it waits on stdin,
 * then takes the handoff for script and what follows it as its input
 */
static int
run_warm(const char *mark, const char *script, const char *input, char *out,
    size_t max, size_t *ret_len)
{
	char *w = psrp_warm_wrapper(true), *h = NULL;
	int in[2], fds[2];
	size_t hlen = 0;
	pid_t pid;

	ck_assert_ptr_nonnull(w);
	if (script != NULL) {	/* NULL: its stdin ends with nothing */
		h = psrp_warm_handoff(mark, script, &hlen);
		ck_assert_ptr_nonnull(h);
	}
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(pipe(in), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(fds[1], 1);
		close(fds[0]);
		close(in[1]);
		if (chdir("/tmp") < 0)
			_exit(99);
		execl("/bin/sh", "sh", "-c", w, "winrmd-psrp", (char *)NULL);
		_exit(98);
	}
	close(fds[1]);
	close(in[0]);
	if (h != NULL)
		ck_assert_int_eq(write(in[1], h, hlen), (ssize_t)hlen);
	if (input[0] != '\0')
		ck_assert_int_eq(write(in[1], input, strlen(input)),
		    (ssize_t)strlen(input));
	close(in[1]);
	free(w);
	free(h);
	return collect(fds[0], pid, out, max, ret_len);
}

START_TEST(warm_wrapper_runs)
{
	static const char mark[] = "WINRMD-RUNSPACE-STATE-WARM";
	char out[65536], *m;
	struct psrp_runspace rs = { 0 };
	size_t len;
	int rc;

	/* lines, a backslash, leading blanks and quotes kept as they are;
	 * the input after the handoff is the script's stdin */
	rc = run_warm(mark, "printf '%s\\n' 'a\\b'\n  printf '%s\\n' \"$#\"\n"
	    "read x; echo \"got $x\"; cd /; export WRT_W='v w'\nexit 4",
	    "line1\n", out, sizeof(out), &len);
	ck_assert_int_eq(rc, 4);
	m = memmem(out, len, mark, strlen(mark));
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq((int)(m - out), 16);
	ck_assert(memcmp(out, "a\\b\n0\ngot line1\n", 16) == 0);
	m += strlen(mark) + 1;
	ck_assert_int_eq(psrp_state_parse(m, len - (size_t)(m - out), &rs), 0);
	ck_assert_str_eq(rs.cwd, "/");
	{
		bool found = false;

		for (size_t i = 0; rs.env[i] != NULL; i++) {
			if (strcmp(rs.env[i], "WRT_W=v w") == 0)
				found = true;
			/* the wrapper's own variables are not the runspace's */
			ck_assert(strncmp(rs.env[i], "__winrmd", 8) != 0);
		}
		ck_assert(found);
	}
	psrp_runspace_clear(&rs);
	/* a warm process whose stdin ends unused runs nothing */
	rc = run_warm(mark, NULL, "", out, sizeof(out), &len);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq((int)len, 0);
}
END_TEST

static Suite *
psrp_script_suite(void)
{
	Suite *s = suite_create("psrp_script");
	TCase *tc = tcase_create("script");

	tcase_add_test(tc, execute_ps_shape);
	tcase_add_test(tc, environment_statement);
	tcase_add_test(tc, script_arguments);
	tcase_add_test(tc, raw_exit_tail);
	tcase_add_test(tc, cmdlet_line);
	tcase_add_test(tc, securestring_argument);
	tcase_add_test(tc, pypsrp_copy_fetch);
	tcase_add_test(tc, value_texts);
	tcase_add_test(tc, state_parse);
	tcase_add_loop_test(tc, wrapper_runs, 0,
	    (int)(sizeof(shells) / sizeof(shells[0])));
	tcase_add_test(tc, warm_wrapper_runs);
	tcase_add_test(tc, login_bash_no_logout);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(psrp_script_suite)
