/*
 * mod_async.c: async tasks.  async_job() is what Windows' async_wrapper
 * and async_watchdog do together: it writes the job file
 * ($ANSIBLE_ASYNC_DIR/<jid>.<pid>, {"started":1,"finished":0,...}), prints
 * the start result, lets go of its stdio (the daemon then answers the
 * command and keeps the job: its own process group and resource group,
 * outliving the task's shell), runs the module in a child and writes the
 * result into the job file (or "timed out waiting for module completion"
 * after async_timeout_sec).  async_status reads and erases job files.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "native.h"
#include "winpath.h"

#define RESULT_MAX	(64u * 1024 * 1024)

static int
write_json(const char *path, struct json_object *o)
{
	const char *t = json_text(o);

	return write_file_atomic(path, t, strlen(t), 0600);
}

/* the module's stdout -> its JSON object (the last {...} line), or NULL */
static struct json_object *
parse_module_output(const char *out)
{
	const char *start = NULL;

	/* Ansible's _filter_non_json_lines: from the first line that
	 * starts with { */
	for (const char *p = out; p != NULL && *p != '\0';) {
		if (*p == '{') {
			start = p;
			break;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	if (start == NULL)
		return NULL;
	{
		struct json_object *o = json_tokener_parse(start);

		if (o != NULL && !json_object_is_type(o, json_type_object)) {
			json_object_put(o);
			o = NULL;
		}
		return o;
	}
}

static void
fail_start(const char *msg)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "failed", json_object_new_boolean(1));
	json_object_object_add(o, "changed", json_object_new_boolean(0));
	json_object_object_add(o, "msg", json_object_new_string(msg));
	printf("%s\r\n", json_text(o));
	fflush(stdout);
	json_object_put(o);
}

int
async_job(struct json_object *payload)
{
	struct json_object *env, *v, *start, *result, *mod_res;
	const char *jid, *dir_win, *why, *name;
	char *dir, *local_jid, *path, *out = NULL;
	long long timeout;
	size_t out_len = 0;
	int pipefd[2], nullfd, status = 0, e;
	bool timed_out = false;
	struct timespec t0, now;
	pid_t runner;

	if (!json_object_object_get_ex(payload, "environment", &env) ||
	    !json_object_object_get_ex(env, "ANSIBLE_ASYNC_DIR", &v) ||
	    (dir_win = json_object_get_string(v)) == NULL) {
		fail_start("internal error: the environment variable "
		    "ANSIBLE_ASYNC_DIR is not set and is required for an async "
		    "task");
		return 1;
	}
	if (!json_object_object_get_ex(payload, "async_jid", &v) ||
	    (jid = json_object_get_string(v)) == NULL ||
	    strpbrk(jid, "/\\") != NULL || !json_object_object_get_ex(payload,
	    "module", &v) || (name = json_object_get_string(v)) == NULL) {
		fail_start("internal error: the async payload has no async_jid "
		    "or module");
		return 1;
	}
	timeout = json_object_object_get_ex(payload, "async_timeout_sec", &v) ?
	    json_object_get_int64(v) : 0;
	if ((dir = winpath_map(dir_win, &why)) == NULL) {
		char *msg = xasprintf("ANSIBLE_ASYNC_DIR %s: %s", dir_win, why);

		fail_start(msg);
		free(msg);
		return 1;
	}
	if ((e = mkdir_p(dir, 0700)) < 0) {
		char *msg = xasprintf("cannot create the async directory %s: %s",
		    dir, strerror(-e));

		fail_start(msg);
		free(msg);
		free(dir);
		return 1;
	}
	local_jid = xasprintf("%s.%d", jid, (int)getpid());
	path = xasprintf("%s/%s", dir, local_jid);
	free(dir);
	start = json_object_new_object();
	json_object_object_add(start, "started", json_object_new_int(1));
	json_object_object_add(start, "finished", json_object_new_int(0));
	json_object_object_add(start, "results_file", json_object_new_string(path));
	json_object_object_add(start, "ansible_job_id",
	    json_object_new_string(local_jid));
	json_object_object_add(start, "_ansible_suppress_tmpdir_delete",
	    json_object_new_boolean(1));
	json_object_object_add(start, "ansible_async_watchdog_pid",
	    json_object_new_int(getpid()));
	if ((e = write_json(path, start)) < 0) {
		char *msg = xasprintf("cannot write the async results file %s: "
		    "%s", path, strerror(-e));

		fail_start(msg);
		free(msg);
		json_object_put(start);
		free(path);
		free(local_jid);
		return 1;
	}
	printf("%s\r\n", json_text(start));
	fflush(stdout);
	/* let go of the command: its output ends here */
	if ((nullfd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		dup2(nullfd, 0);
		dup2(nullfd, 1);
		dup2(nullfd, 2);
		close(nullfd);
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0 || (runner = fork()) < 0) {
		json_object_object_add(start, "failed", json_object_new_boolean(1));
		json_object_object_add(start, "msg", json_object_new_string(
		    "cannot start the async module"));
		goto write;
	}
	if (runner == 0) {
		/* the module, in a process group of its own (killable) */
		setpgid(0, 0);
		dup2(pipefd[1], 1);
		_exit(module_run(payload, name));
	}
	close(pipefd[1]);
	setpgid(runner, runner);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pf = { pipefd[0], POLLIN, 0 };
		long long left;
		char buf[65536];
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = timeout * 1000 - ((now.tv_sec - t0.tv_sec) * 1000 +
		    (now.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0) {
			timed_out = true;
			break;
		}
		if (poll(&pf, 1, left > 1000000 ? 1000000 : (int)left) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf.revents == 0)
			continue;
		n = read(pipefd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out_len + (size_t)n > RESULT_MAX)
			continue;	/* keep reading, drop the excess */
		out = xrealloc(out, out_len + (size_t)n + 1);
		memcpy(out + out_len, buf, (size_t)n);
		out_len += (size_t)n;
		out[out_len] = '\0';
	}
	close(pipefd[0]);
	if (timed_out)
		kill(-runner, SIGKILL);
	while (waitpid(runner, &status, 0) < 0 && errno == EINTR)
		;
	json_object_object_add(start, "finished", json_object_new_int(1));
	if (timed_out) {
		json_object_object_add(start, "failed", json_object_new_boolean(1));
		json_object_object_add(start, "msg", json_object_new_string(
		    "timed out waiting for module completion"));
	} else if ((mod_res = parse_module_output(out ? out : "")) == NULL) {
		char *clean = utf8_clean(out ? out : "", out_len);

		json_object_object_add(start, "failed", json_object_new_boolean(1));
		json_object_object_add(start, "msg", json_object_new_string(
		    "failed to parse module output"));
		json_object_object_add(start, "stdout", json_object_new_string(
		    clean));
		json_object_object_add(start, "stderr", json_object_new_string(""));
		free(clean);
	} else {
		json_object_object_foreach(mod_res, k, val)
			json_object_object_add(start, k, json_object_get(val));
		json_object_put(mod_res);
	}
write:
	result = start;
	write_json(path, result);
	json_object_put(result);
	free(out);
	free(path);
	free(local_jid);
	return 0;
}

/* ---------------------------------------------------------- async_status */

int
mod_async_status(struct mod *m)
{
	const char *jid = arg_str(m, "jid"), *mode = arg_str(m, "mode");
	char *dir, *path, *text;
	struct json_object *data, *v;
	size_t len;
	int err;

	if (jid == NULL || jid[0] == '\0')
		return mod_fail(m, "Get-AnsibleParam: Missing required argument: "
		    "jid");
	if (mode == NULL)
		mode = "status";
	if (strcmp(mode, "status") != 0 && strcmp(mode, "cleanup") != 0)
		return mod_fail(m, "Get-AnsibleParam: Argument mode needs to be "
		    "one of status,cleanup but was %s.", mode);
	if (strpbrk(jid, "/\\") != NULL || strcmp(jid, "..") == 0)
		return mod_fail(m, "invalid job id %s", jid);
	if ((dir = arg_path(m, "_async_dir", &err)) == NULL)
		return err < 0 ? 1 : mod_fail(m, "Get-AnsibleParam: Missing "
		    "required argument: _async_dir");
	path = xasprintf("%s/%s", dir, jid);
	free(dir);
	if (access(path, F_OK) < 0) {
		res_str(m, "ansible_job_id", jid);
		res_int(m, "started", 1);
		res_int(m, "finished", 1);
		mod_fail(m, "could not find job at '%s'", arg_str(m, "_async_dir"));
		free(path);
		return 1;
	}
	if (strcmp(mode, "cleanup") == 0) {
		int e = rm_rf(path);

		if (e < 0) {
			free(path);
			return mod_fail(m, "cannot remove the job file: %s",
			    strerror(-e));
		}
		res_str(m, "ansible_job_id", jid);
		res_str(m, "erased", path);
		free(path);
		return 0;
	}
	text = read_file(path, RESULT_MAX, &len);
	data = text != NULL ? json_tokener_parse(text) : NULL;
	if (data == NULL || !json_object_is_type(data, json_type_object)) {
		json_object_put(data);
		if (text == NULL || len == 0) {
			res_str(m, "results_file", path);
			res_str(m, "ansible_job_id", jid);
			res_int(m, "started", 1);
			res_int(m, "finished", 0);
		} else {
			res_str(m, "ansible_job_id", jid);
			res_str(m, "results_file", path);
			res_int(m, "started", 1);
			res_int(m, "finished", 1);
			mod_fail(m, "Could not parse job output: %s", text);
		}
		free(text);
		free(path);
		return 0;
	}
	free(text);
	free(path);
	if (!json_object_object_get_ex(data, "started", &v)) {
		json_object_object_add(data, "finished", json_object_new_int(1));
		json_object_object_add(data, "ansible_job_id",
		    json_object_new_string(jid));
	} else if (!json_object_object_get_ex(data, "finished", &v))
		json_object_object_add(data, "finished", json_object_new_int(0));
	json_object_put(m->result);
	m->result = data;
	return 0;
}
