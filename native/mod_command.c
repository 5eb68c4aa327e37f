/*
 * mod_command.c: win_command, win_shell and the script action's wrapper.
 * Commands run as the user, with the task's environment, without a
 * terminal.  win_command splits its command line by the Windows argv rules
 * and execs it (no shell; "cmd /c LINE" and "cmd.exe /c LINE" go to the
 * user's shell, a missing "x.exe" is tried as "x"); win_shell gives its
 * script to the user's login shell (or to `executable', with -c).
 */
#define _GNU_SOURCE

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "native.h"
#include "text.h"
#include "winpath.h"

/* the program name without directories and ".exe", lower case */
static char *
prog_name(const char *argv0)
{
	const char *b = argv0;
	char *s;
	size_t n;

	for (const char *p = argv0; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			b = p + 1;
	s = xstrdup(b);
	for (char *p = s; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	n = strlen(s);
	if (n > 4 && strcmp(s + n - 4, ".exe") == 0)
		s[n - 4] = '\0';
	return s;
}

static bool
path_exists(struct mod *m, const char *key, int *ret_err)
{
	char *p = arg_path(m, key, ret_err);
	struct stat st;
	bool yes;

	if (p == NULL)
		return false;
	yes = lstat(p, &st) == 0;
	free(p);
	return yes;
}

static struct json_object *
lines_of(const char *s)
{
	struct json_object *a = json_object_new_array();
	const char *p = s;

	while (*p != '\0') {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		json_object_array_add(a, json_object_new_string_len(p,
		    (int)(n > 0 && p[n - 1] == '\r' ? n - 1 : n)));
		if (e == NULL)
			break;
		p = e + 1;
	}
	return a;
}

/* creates/removes: 1 when the task is skipped (result set), -1 failed */
static int
creates_removes(struct mod *m, const char *cmd, bool shell_style)
{
	const char *creates = arg_str(m, "creates"), *removes = arg_str(m,
	    "removes");
	int err = 0;

	if (creates != NULL && path_exists(m, "creates", &err)) {
		char *msg = xasprintf("skipped, since %s exists", creates);

		res_str(m, "msg", msg);
		free(msg);
	} else if (err < 0)
		return -1;
	else if (removes != NULL && !path_exists(m, "removes", &err)) {
		char *msg;

		if (err < 0)
			return -1;
		msg = xasprintf("skipped, since %s does not exist", removes);
		res_str(m, "msg", msg);
		free(msg);
	} else
		return 0;
	res_str(m, "cmd", cmd);
	res_bool(m, "changed", false);
	res_bool(m, "skipped", true);
	res_int(m, "rc", 0);
	if (shell_style) {
		res_str(m, "stdout", "");
		res_str(m, "stderr", "");
	}
	return 1;
}

/* runs argv and fills the result as win_command / win_shell do */
static int
run_and_report(struct mod *m, char **argv, const char *cmd)
{
	const char *stdin_data = arg_str(m, "stdin");
	struct timespec t0, t1;
	struct capture c;
	char start[40], end[40], delta[40], *cwd = NULL, *o, *e;
	int err, r;

	if (arg_str(m, "chdir") != NULL &&
	    (cwd = arg_path(m, "chdir", &err)) == NULL)
		return 1;
	clock_gettime(CLOCK_REALTIME, &t0);
	r = run_capture(argv, cwd, stdin_data, &c);
	clock_gettime(CLOCK_REALTIME, &t1);
	free(cwd);
	if (r < 0 || c.exec_errno != 0) {
		int e2 = r < 0 ? -r : c.exec_errno;

		capture_free(&c);
		res_bool(m, "changed", false);
		if (e2 < 0) {
			res_int(m, "rc", 267);	/* ERROR_DIRECTORY */
			return mod_fail(m, "Failed to run: '%s': chdir %s: %s",
			    cmd, arg_str(m, "chdir"), strerror(-e2));
		}
		res_int(m, "rc", e2 == ENOENT ? 2 : e2);
		return mod_fail(m, "Failed to run: '%s': %s", cmd, strerror(e2));
	}
	fmt_utc(&t0, start);
	fmt_utc(&t1, end);
	fmt_delta(&t0, &t1, delta);
	o = utf8_clean(c.out, c.out_len);
	e = utf8_clean(c.err, c.err_len);
	res_str(m, "cmd", cmd);
	res_bool(m, "changed", true);
	res_str(m, "stdout", o);
	res_str(m, "stderr", e);
	res_set(m, "stdout_lines", lines_of(o));
	res_set(m, "stderr_lines", lines_of(e));
	res_int(m, "rc", c.rc);
	res_str(m, "start", start);
	res_str(m, "end", end);
	res_str(m, "delta", delta);
	free(o);
	free(e);
	r = c.rc;
	capture_free(&c);
	if (r != 0)
		return mod_fail(m, "non-zero return code");
	return 0;
}

/* "cmd /c REST": REST of the line as written, or NULL */
static const char *
cmd_c_rest(const char *line)
{
	const char *p = line;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '"') {
		p = strchr(p + 1, '"');
		if (p == NULL)
			return NULL;
		p++;
	} else
		while (*p != '\0' && !isspace((unsigned char)*p))
			p++;
	while (isspace((unsigned char)*p))
		p++;
	if (strncasecmp(p, "/c", 2) != 0 && strncasecmp(p, "/k", 2) != 0)
		return NULL;
	if (p[2] != '\0' && !isspace((unsigned char)p[2]))
		return NULL;
	p += 2;
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

static char *
join_argv(char **argv)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; argv[i] != NULL; i++)
		len += strlen(argv[i]) * 2 + 3;
	s = xmalloc(len);
	s[0] = '\0';
	for (size_t i = 0; argv[i] != NULL; i++) {
		bool q = argv[i][0] == '\0' || strpbrk(argv[i], " \t\"") != NULL;

		if (i > 0)
			strcat(s, " ");
		if (q)
			strcat(s, "\"");
		for (const char *p = argv[i]; *p != '\0'; p++) {
			if (*p == '"')
				strcat(s, "\\");
			strncat(s, p, 1);
		}
		if (q)
			strcat(s, "\"");
	}
	return s;
}

int
mod_win_command(struct mod *m)
{
	const char *raw = arg_str(m, "cmd") ? arg_str(m, "cmd") :
	    arg_str(m, "_raw_params");
	struct json_object *av = arg_obj(m, "argv");
	char **argv = NULL, *line, *name, *exe = NULL;
	int r, n = (raw != NULL) + (av != NULL &&
	    !json_object_is_type(av, json_type_null));

	if (n == 0)
		return mod_fail(m, "one of the following is required: "
		    "_raw_params, argv, cmd");
	if (n > 1)
		return mod_fail(m, "parameters are mutually exclusive: "
		    "_raw_params, argv, cmd");
	if (raw != NULL) {
		size_t len;
		const char *s = text_trim(raw, &len);

		line = xasprintf("%.*s", (int)len, s);
		if ((argv = winargv_split(line)) == NULL)
			die_nomem();
	} else {
		size_t k;

		if (!json_object_is_type(av, json_type_array) ||
		    (k = json_object_array_length(av)) == 0)
			return mod_fail(m, "argv must be a non-empty list");
		argv = xmalloc((k + 1) * sizeof(char *));
		for (size_t i = 0; i < k; i++)
			argv[i] = xstrdup(json_object_get_string(
			    json_object_array_get_idx(av, i)));
		argv[k] = NULL;
		line = join_argv(argv);
	}
	res_str(m, "cmd", line);
	res_int(m, "rc", 0);
	if ((r = creates_removes(m, line, false)) != 0) {
		winargv_free(argv);
		free(line);
		return r < 0 ? 1 : 0;
	}
	if (argv[0] == NULL) {
		winargv_free(argv);
		free(line);
		return mod_fail(m, "the command line is empty");
	}
	name = prog_name(argv[0]);
	if (strcmp(name, "cmd") == 0 && argv[1] != NULL &&
	    (strcasecmp(argv[1], "/c") == 0 || strcasecmp(argv[1], "/k") == 0)) {
		/* cmd /c LINE: LINE for the user's shell */
		const char *rest = raw != NULL ? cmd_c_rest(line) : NULL;
		char *joined = rest != NULL ? xstrdup(rest) : join_argv(argv + 2);
		char *sh[4] = { (char *)user_shell(), (char *)"-c", joined, NULL };

		r = run_and_report(m, sh, line);
		free(joined);
	} else {
		size_t len = strlen(argv[0]);

		/* "whoami.exe": the Linux program is "whoami" */
		if (len > 4 && strcasecmp(argv[0] + len - 4, ".exe") == 0 &&
		    (exe = find_in_path(argv[0])) == NULL)
			argv[0][len - 4] = '\0';
		free(exe);
		r = run_and_report(m, argv, line);
	}
	free(name);
	winargv_free(argv);
	free(line);
	return r;
}

int
mod_win_shell(struct mod *m)
{
	const char *raw = arg_str(m, "_raw_params");
	const char *exec_name = arg_str(m, "executable");
	char *script, *sh[4], *exe = NULL, *name = NULL;
	const char *s;
	size_t len;
	int r;

	if (raw == NULL)
		return mod_fail(m, "Get-AnsibleParam: Missing required argument: "
		    "_raw_params");
	s = text_trim(raw, &len);
	script = xasprintf("%.*s", (int)len, s);
	res_str(m, "cmd", script);
	res_bool(m, "changed", true);
	if ((r = creates_removes(m, script, true)) != 0) {
		free(script);
		return r < 0 ? 1 : 0;
	}
	if (exec_name != NULL && exec_name[0] != '\0') {
		name = prog_name(exec_name);
		if (strcmp(name, "cmd") != 0 && strcmp(name, "powershell") != 0 &&
		    strcmp(name, "pwsh") != 0) {
			const char *why;
			char *mapped = exec_name[0] == '/' || strpbrk(exec_name,
			    "\\:") != NULL ? winpath_map(exec_name, &why) :
			    xstrdup(exec_name);

			if (mapped == NULL) {
				free(name);
				free(script);
				return mod_fail(m, "executable %s: %s", exec_name,
				    why);
			}
			exe = mapped;
		}
	}
	sh[0] = exe != NULL ? exe : (char *)user_shell();
	sh[1] = (char *)"-c";
	sh[2] = script;
	sh[3] = NULL;
	r = run_and_report(m, sh, script);
	free(exe);
	free(name);
	free(script);
	return r;
}

/* ---------------------------------------------------------------- script */

static bool
in_ansible_tmp(const char *path)
{
	char *copy = xstrdup(path), *dir = dirname(copy);
	bool yes = strncmp(winpath_basename(dir), "ansible-tmp-", 12) == 0;

	free(copy);
	return yes;
}

static bool
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* runs argv with this process's stdio; the exit code */
static int
run_plain(char **argv)
{
	pid_t pid = fork();
	int st;

	if (pid < 0) {
		fprintf(stderr, "winrmd: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		fprintf(stderr, "winrmd: cannot run %s: %s\n", argv[0],
		    strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	fflush(stdout);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static const char *
pwsh_path(void)
{
	static const char *const c[] = { "/usr/bin/pwsh", "/usr/local/bin/pwsh",
	    "/opt/microsoft/powershell/7/pwsh", "/snap/bin/pwsh" };

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (access(c[i], X_OK) == 0)
			return c[i];
	return NULL;
}

/*
 * The script action: module_entry is "& [executable] <tmp>\<script> ARGS;
 * exit $LASTEXITCODE".  The script's output and exit code are the answer.
 */
int
mod_script(struct mod *m)
{
	struct json_object *e;
	const char *b64, *why;
	unsigned char *raw;
	char *text, *p, *end, **argv, *script = NULL, **run = NULL;
	size_t len, nargs, first = 0;
	int n, rc = 1;

	res_int(m, "rc", 1);
	if (!json_object_object_get_ex(m->payload, "module_entry", &e) ||
	    (b64 = json_object_get_string(e)) == NULL ||
	    (len = strlen(b64)) % 4 != 0) {
		fputs("winrmd: the script payload has no module_entry\n", stderr);
		return 0;
	}
	raw = xmalloc(len / 4 * 3 + 1);
	n = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)len);
	if (n < 0) {
		free(raw);
		fputs("winrmd: the script payload's module_entry is not "
		    "base64\n", stderr);
		return 0;
	}
	while (n > 0 && raw[n - 1] == '\0')
		n--;
	raw[n] = '\0';
	text = (char *)raw;
	/* "& ... ; exit $LASTEXITCODE" */
	for (p = text; isspace((unsigned char)*p); p++)
		;
	if (*p == '&')
		p++;
	end = p + strlen(p);
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	if (end - p >= 20 && strcasecmp(end - 20, "; exit $LASTEXITCODE") == 0)
		end[-20] = '\0';
	if ((argv = winargv_split(p)) == NULL)
		die_nomem();
	for (nargs = 0; argv[nargs] != NULL; nargs++)
		;
	/* which word is the uploaded script (the rest: an executable) */
	for (size_t i = 0; i < nargs && i < 2 && script == NULL; i++) {
		char *mp = winpath_map(argv[i], &why);

		if (mp != NULL && is_file(mp) && (in_ansible_tmp(mp) ||
		    i == 1)) {
			script = mp;
			first = i;
		} else
			free(mp);
	}
	if (script == NULL && nargs > 0) {
		char *mp = winpath_map(argv[0], &why);

		if (mp != NULL && is_file(mp))
			script = mp;
		else
			free(mp);
	}
	if (script == NULL) {
		fprintf(stderr, "winrmd: cannot find the script to run in "
		    "\"%s\"\n", p);
		goto out;
	}
	run = xmalloc((nargs + 6) * sizeof(char *));
	{
		size_t k = 0;
		char head[256] = "";
		ssize_t got;
		int fd;

		if (first == 1) {	/* executable SCRIPT ARGS */
			run[k++] = argv[0];
			run[k++] = script;
		} else {
			size_t sl = strlen(script);

			if ((fd = open(script, O_RDONLY | O_CLOEXEC)) >= 0) {
				got = read(fd, head, sizeof(head) - 1);
				head[got > 0 ? got : 0] = '\0';
				close(fd);
			}
			if (sl > 4 && strcasecmp(script + sl - 4, ".ps1") == 0 &&
			    strncmp(head, "#!", 2) != 0) {
				const char *pw = pwsh_path();

				if (pw == NULL) {
					fprintf(stderr, "winrmd: %s is a PowerShell "
					    "script, and PowerShell (pwsh) is not "
					    "installed on this host\n",
					    winpath_basename(script));
					goto out;
				}
				run[k++] = (char *)pw;
				run[k++] = (char *)"-NoProfile";
				run[k++] = (char *)"-NonInteractive";
				run[k++] = (char *)"-File";
				run[k++] = script;
			} else if (strncmp(head, "#!", 2) == 0) {
				/* the kernel reads the #! line */
				if (chmod(script, 0700) < 0) {
					fprintf(stderr, "winrmd: chmod %s: %s\n",
					    script, strerror(errno));
					goto out;
				}
				run[k++] = script;
			} else {
				run[k++] = (char *)"/bin/sh";
				run[k++] = script;
			}
		}
		for (size_t i = first + 1; i < nargs; i++)
			run[k++] = argv[i];
		run[k] = NULL;
	}
	rc = run_plain(run);
out:
	res_int(m, "rc", rc);
	free(run);
	free(script);
	winargv_free(argv);
	free(raw);
	return 0;
}
