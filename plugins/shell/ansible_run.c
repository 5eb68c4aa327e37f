/*
 * ansible_run.c: what the shell plugin does with Ansible's scripts
 * (ansible.h recognises them) and winrmcp's (winrmcp.h).  A helper script
 * starts winrmd-native with the script's parameters, as the user, like any
 * command.  The module bootstrap waits for its stdin to end (bounded,
 * 16 MiB; 2.19's: until its exec manifest is in), then the payload decides
 * what the user's own process cannot do itself:
 *
 *   become (runas)  become_user's password is checked through the daemon's
 *                   PAM path (host->auth_check) and the module runs as
 *                   that user; without a password it is refused;
 *   async           the job runs in a process group and resource group of
 *                   its own: it outlives the task's shell (Delete does not
 *                   kill it), and a timer kills it after async_timeout_sec
 *                   (plus a margin: winrmd-native enforces the timeout
 *                   itself and records it);
 *
 * and winrmd-native gets the reduced JSON on stdin.  The psrp connection's
 * pipelines come here too (ansible_psrp): the same scripts, the payload as
 * the pipeline's input.  A module winrmd-native
 * does not implement goes to pwsh untouched when pwsh is selected, or
 * answers {"failed": true, "msg": ...}.  Everything here runs on the loop
 * thread.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ansible.h"
#include "cmdline.h"
#include "shell.h"
#include "winrmcp.h"

static const struct command_kind ansible_kind;

#define JOB_MARGIN_MS		30000		/* past async_timeout_sec */
/* module payloads held at once, all commands together */
#define PAYLOAD_TOTAL_MAX	(64u * 1024 * 1024)
#define JOB_MAX_MS		(30ULL * 24 * 3600 * 1000)

/*
 * What a module run holds besides its command (the command's rdata): its
 * payload until the child starts, a become check, an async job's group.
 * Only bootstraps have one; a helper's command is a plain child.
 */
struct ansible_run {
	bool			 deferred;	/* no child until the payload is in */
	unsigned char		*pay_buf;	/* the bootstrap's stdin so far */
	size_t			 pay_len, pay_cap;
	char			*pwsh_script;	/* the bootstrap, if pwsh may run it */
	struct ansible_wait	*auth;		/* become: PAM check in flight */
	struct winrmd_group	*own_group;	/* async: the job's own group */
	bool			 async_detach;	/* async: let the job go at EOF */
	uint64_t		 async_timeout_ms;
};

/* a become check in flight; the command may go away meanwhile */
struct ansible_wait {
	struct command		*c;		/* NULL: cancelled */
	struct ansible_payload	 p;
	char			 user[256];
};

struct async_job {
	struct async_job	*next;
	struct winrmd_child	 child;		/* pid, pidfd only */
	struct winrmd_group	*group;
	struct winrmd_watch	*w_pid;
	struct winrmd_timer	*timer;
	uid_t			 uid;
	char			 id[SHELL_ID_LEN + 1];
};

static size_t payload_total;	/* bytes in every run's pay_buf */

/* the bootstrap's run of c, waiting for its payload (no child yet) */
static struct ansible_run *
run_new(struct command *c, const char *pwsh_script)
{
	struct ansible_run *run = calloc(1, sizeof(*run));

	if (run == NULL || (pwsh_script != NULL &&
	    (run->pwsh_script = strdup(pwsh_script)) == NULL)) {
		free(run);
		return NULL;
	}
	run->deferred = true;
	c->rdata = run;
	return run;
}

/* is c's bootstrap still waiting for its payload (not answered yet)? */
static bool
waiting_payload(const struct command *c)
{
	const struct ansible_run *run = c->rdata;

	return run != NULL && run->deferred && !c->exited;
}

const char *
native_path(void)
{
	const char *p = host->conf_str("Winrs", "NativeHelper");

	return p != NULL && p[0] != '\0' ? p : "winrmd-native";
}

/* ------------------------------------------------------------ helpers */

/*
 * Starts what a recogniser found in script (client: whose script it is,
 * for the log).  Returns 1 with *ret or *ret_fault set, or 0 for a script
 * that is nobody's (AK_NONE).  Frees n.
 */
static int
native_start(struct shell *sh, struct ansible_native *n, const char *client,
    const char *script, const char *pwsh, struct winrmd_op *op,
    struct command **ret, int *ret_fault)
{
	struct command *c;
	char *argv[ANSIBLE_MAX_ARGS + 2];
	int r;

	*ret = NULL;
	switch (n->kind) {
	case AK_NONE:
		return 0;
	case AK_MALFORMED:
		*ret = command_synthetic(sh, n->why);
		break;
	case AK_BOOTSTRAP:
		if ((c = command_new(sh)) == NULL)
			break;
		if (run_new(c, pwsh != NULL ? script : NULL) == NULL) {
			free(c);
			break;
		}
		c->kind = &ansible_kind;
		*ret = c;
		host->log(WINRMD_LOG_DEBUG, "shell: command %s of %s: %s's "
		    "module bootstrap, waiting for its payload", c->id,
		    sh->user.name, client);
		break;
	case AK_HELPER:
		if ((c = command_new(sh)) == NULL)
			break;
		c->kind = &ansible_kind;
		argv[0] = (char *)native_path();
		for (size_t i = 0; i <= ANSIBLE_MAX_ARGS; i++)
			argv[i + 1] = n->argv[i];
		if ((r = command_spawn(c, &sh->user.p, argv, sh->env, sh->cwd,
		    sh->group)) < 0) {
			char what[PATH_MAX + 32];

			snprintf(what, sizeof(what), "winrmd-native (%s)",
			    argv[0]);
			*ret_fault = command_spawn_fault(op, &sh->user.p, r,
			    what, sh->cwd);
			free(c);
			ansible_native_free(n);
			return 1;
		}
		host->log(WINRMD_LOG_INFO, "shell: command %s of %s: %s's %s, run "
		    "natively", c->id, sh->user.name, client, n->argv[0]);
		*ret = c;
		break;
	}
	ansible_native_free(n);
	if (*ret == NULL)
		*ret_fault = host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	return 1;
}

static int
ansible_command(struct shell *sh, const char *script, const char *pwsh,
    struct winrmd_op *op, struct command **ret, int *ret_fault)
{
	struct ansible_native n;
	const char *client = "Ansible";

	*ret = NULL;
	if (ansible_recognise(script, &n) < 0)
		goto nomem;
	if (n.kind == AK_NONE) {
		client = "winrmcp";
		if (winrmcp_recognise_ps(script, &n) < 0)
			goto nomem;
	}
	return native_start(sh, &n, client, script, pwsh, op, ret, ret_fault);
nomem:
	*ret_fault = host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
	    "out of memory");
	return 1;
}

static int
native_shell_line(struct shell *sh, const char *line, struct winrmd_op *op,
    struct command **ret, int *ret_fault)
{
	struct ansible_native n;

	*ret = NULL;
	if (winrmcp_recognise_cmd(line, &n) < 0) {
		*ret_fault = host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
		return 1;
	}
	return native_start(sh, &n, "winrmcp", line, NULL, op, ret, ret_fault);
}

/* --------------------------------------------------------- module runs */

/* the module's failure as Ansible reads it: JSON on stdout, exit 1 */
static void
fail_module(struct command *c, const char *msg)
{
	char *json = ansible_fail_json(msg);

	host->log(WINRMD_LOG_INFO, "shell: command %s: Ansible module not run: "
	    "%s", c->id, msg);
	command_answer(c, 1, json != NULL ? json :
	    "{\"failed\":true,\"msg\":\"out of memory\"}\r\n", NULL);
	free(json);
}

static void
payload_drop(struct ansible_run *run)
{
	payload_total -= run->pay_cap;
	if (run->pay_buf != NULL)
		explicit_bzero(run->pay_buf, run->pay_len);
	free(run->pay_buf);
	run->pay_buf = NULL;
	run->pay_len = run->pay_cap = 0;
}

static unsigned
jobs_of(uid_t uid)
{
	unsigned n = 0;

	for (struct async_job *j = shell_state()->jobs; j != NULL; j = j->next)
		if (j->uid == uid)
			n++;
	return n;
}

/* the shell's environment without its marker: a job is not the shell's */
static char **
job_env(const struct shell *sh)
{
	size_t n = 0, k = 0, ml = strlen(SHELL_MARKER);
	char **env;

	while (sh->env != NULL && sh->env[n] != NULL)
		n++;
	if ((env = calloc(n + 1, sizeof(char *))) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(sh->env[i], SHELL_MARKER, ml) != 0 ||
		    sh->env[i][ml] != '=')
			env[k++] = sh->env[i];
	return env;
}

/* starts winrmd-native for the module as user, and writes its JSON */
static void
launch(struct command *c, const struct winrmd_principal *user,
    const struct ansible_payload *p, bool become)
{
	struct shell *sh = c->shell;
	struct ansible_run *run = c->rdata;
	char *argv[3] = { (char *)native_path(), NULL, NULL };
	const char *cwd = become ? NULL : sh->cwd;
	int r;

	if (p->async) {
		char name[SHELL_ID_LEN + 8], **env, msg[1024];
		long long cap = host->conf_int("Winrs", "MaxShellsPerUser");
		struct winrmd_group *g;

		if (cap > 0 && jobs_of(user->uid) >= (unsigned long long)cap) {
			snprintf(msg, sizeof(msg), "%s already has %u async jobs "
			    "running (at most [Winrs] MaxShellsPerUser)",
			    user->name, jobs_of(user->uid));
			fail_module(c, msg);
			return;
		}
		if ((env = job_env(sh)) == NULL) {
			fail_module(c, "out of memory");
			return;
		}
		snprintf(name, sizeof(name), "async-%s", c->id);
		g = host->group_create(name, sh->mem_limit, sh->max_procs);
		argv[1] = (char *)"async";
		r = command_spawn(c, user, argv, env, cwd, g);
		free(env);
		if (r < 0) {
			char why[768];

			host->group_destroy(g);
			snprintf(msg, sizeof(msg), "the async job could not be "
			    "started as %s: %s", user->name,
			    command_spawn_why(user, r, why, sizeof(why)));
			fail_module(c, msg);
			return;
		}
		run->own_group = g;
		run->async_detach = true;
		run->async_timeout_ms = (uint64_t)p->async_timeout * 1000;
		if (run->async_timeout_ms > JOB_MAX_MS)
			run->async_timeout_ms = JOB_MAX_MS;
	} else {
		argv[1] = (char *)"module";
		if ((r = command_spawn(c, user, argv, sh->env, cwd,
		    sh->group)) < 0) {
			char msg[1024], why[768];

			snprintf(msg, sizeof(msg), "winrmd-native could not be "
			    "started as %s: %s", user->name,
			    command_spawn_why(user, r, why, sizeof(why)));
			fail_module(c, msg);
			return;
		}
	}
	host->log(WINRMD_LOG_INFO, "shell: command %s of %s: Ansible module %s "
	    "run natively as %s%s", c->id, sh->user.name, p->module_full,
	    user->name, p->async ? " (async job)" : "");
	command_feed(c, (const unsigned char *)p->json, p->json_len);
}

static void
become_done(const struct winrmd_principal *pr, const char *why, void *arg)
{
	struct ansible_wait *w = arg;
	struct command *c = w->c;

	if (c != NULL) {
		struct ansible_run *run = c->rdata;

		run->auth = NULL;
		if (pr == NULL) {
			char msg[400];

			host->log(WINRMD_LOG_NOTICE, "shell: command %s of %s: "
			    "become %s refused: %s", c->id, c->shell->user.name,
			    w->user, why ? why : "");
			snprintf(msg, sizeof(msg), "failed to become user '%s': "
			    "the user name or password is incorrect, or the "
			    "account may not log in here", w->p.become_user);
			fail_module(c, msg);
		} else
			launch(c, pr, &w->p, true);
	}
	ansible_payload_free(&w->p);
	free(w);
}

/* become_user as a local account name: ".\x" and "HOST\x" are x, SYSTEM
 * is root */
static void
become_account(const char *in, char *out, size_t len)
{
	const char *bs = strrchr(in, '\\');

	if (bs != NULL)
		in = bs + 1;
	if (strcasecmp(in, "SYSTEM") == 0 || strcasecmp(in, "LocalSystem") == 0)
		in = "root";
	snprintf(out, len, "%s", in);
}

/*
 * c's child has started: the client's input from off on is its stdin, and
 * so is what later Sends bring (command_send answers this one).
 */
static int
stream_rest(struct command *c, struct winrmd_op *op, size_t off, bool end)
{
	struct ansible_run *run = c->rdata;
	int r;

	run->deferred = false;
	r = command_stdin(c, op, run->pay_buf + off, run->pay_len - off, end);
	payload_drop(run);
	return r;
}

/* 2.19: one of the connection's helpers, with the rest of stdin as its */
static int
helper_start(struct command *c, struct winrmd_op *op,
    struct ansible_payload *p, size_t input, bool end)
{
	struct shell *sh = c->shell;
	char *argv[ANSIBLE_MAX_ARGS + 2];
	char msg[200];
	int r;

	argv[0] = (char *)native_path();
	for (size_t i = 0; i <= ANSIBLE_MAX_ARGS; i++)
		argv[i + 1] = p->helper[i];
	if ((r = command_spawn(c, &sh->user.p, argv, sh->env, sh->cwd,
	    sh->group)) < 0) {
		payload_drop(c->rdata);
		snprintf(msg, sizeof(msg), "winrmd: winrmd-native (%s) could not "
		    "be started as %s: %s\n", argv[0], sh->user.name,
		    strerror(-r));
		command_answer(c, 1, NULL, msg);
		return command_send_response(op);
	}
	host->log(WINRMD_LOG_INFO, "shell: command %s of %s: Ansible's %s, run "
	    "natively", c->id, sh->user.name, p->helper[0]);
	return stream_rest(c, op, input, end);
}

/*
 * What the bootstrap runs is known (the first ready bytes of its stdin):
 * decide and start.  Answers op, the Send that completed it.
 */
static int
module_start(struct command *c, struct winrmd_op *op, size_t ready,
    size_t input, bool end)
{
	struct shell *sh = c->shell;
	struct ansible_run *run = c->rdata;
	struct ansible_payload p;
	char why[256], msg[1024];
	int r;

	run->deferred = false;
	r = ansible_payload_parse(run->pay_buf, ready, &p, why, sizeof(why));
	if (r < 0) {
		payload_drop(run);
		snprintf(msg, sizeof(msg), "winrmd cannot run this module: %s",
		    why);
		fail_module(c, msg);
		return command_send_response(op);
	}
	if (p.helper[0] != NULL) {
		r = helper_start(c, op, &p, input, end);
		ansible_payload_free(&p);
		return r;
	}
	if (!ansible_module_native(p.module)) {
		if (run->pwsh_script != NULL) {
			/* pwsh gets the bootstrap and its stdin untouched */
			char *enc = cmdline_encode_ps(run->pwsh_script);
			char *argv[6] = { (char *)command_pwsh_path(),
			    (char *)"-NoProfile", (char *)"-NonInteractive",
			    (char *)"-EncodedCommand", enc, NULL };

			if (enc != NULL && argv[0] != NULL && command_spawn(c,
			    &sh->user.p, argv, sh->env, sh->cwd, sh->group) == 0) {
				free(enc);
				host->log(WINRMD_LOG_INFO, "shell: command %s: "
				    "Ansible module %s handed to pwsh", c->id,
				    p.module_full);
				ansible_payload_free(&p);
				return stream_rest(c, op, 0, end);
			}
			free(enc);
			fail_module(c, "pwsh could not be started for this "
			    "module");
		} else {
			char list[512];

			snprintf(msg, sizeof(msg), "%s is not implemented "
			    "natively by winrmd; this Linux host has no "
			    "PowerShell to run it (winrmd runs %s natively, "
			    "and win_template through win_copy)", p.module_full,
			    ansible_native_list(list, sizeof(list)));
			fail_module(c, msg);
		}
		payload_drop(run);
		ansible_payload_free(&p);
		return command_send_response(op);
	}
	payload_drop(run);
	if (p.become) {
		struct ansible_wait *w;

		if (p.become_user == NULL || p.become_user[0] == '\0') {
			fail_module(c, "failed to become: no become_user was given");
			ansible_payload_free(&p);
			return command_send_response(op);
		}
		if (p.become_password == NULL || p.become_password[0] == '\0') {
			snprintf(msg, sizeof(msg), "failed to become user '%s': "
			    "winrmd needs become_password (ansible_become_password) "
			    "for become_method runas", p.become_user);
			fail_module(c, msg);
			ansible_payload_free(&p);
			return command_send_response(op);
		}
		if (!WINRMD_HOST_HAS(host, auth_check)) {
			fail_module(c, "failed to become: this winrmd cannot check "
			    "passwords for plugins (no auth_check)");
			ansible_payload_free(&p);
			return command_send_response(op);
		}
		if ((w = calloc(1, sizeof(*w))) == NULL) {
			fail_module(c, "out of memory");
			ansible_payload_free(&p);
			return command_send_response(op);
		}
		w->c = c;
		w->p = p;
		become_account(p.become_user, w->user, sizeof(w->user));
		run->auth = w;
		if ((r = host->auth_check(w->user, p.become_password,
		    sh->client_ip, become_done, w)) < 0) {
			run->auth = NULL;
			ansible_payload_free(&w->p);
			free(w);
			fail_module(c, "failed to become: the check could not be "
			    "started");
			return command_send_response(op);
		}
		/* no need to keep the password any longer */
		explicit_bzero(w->p.become_password, strlen(w->p.become_password));
		return command_send_response(op);
	}
	launch(c, &sh->user.p, &p, false);
	ansible_payload_free(&p);
	return command_send_response(op);
}

static int
ansible_send(struct command *c, struct winrmd_op *op,
    const unsigned char *data, size_t len, bool end)
{
	struct ansible_run *run = c->rdata;
	size_t ready, input;

	/* the module's child runs (or it was answered): the rest is stdin */
	if (!waiting_payload(c))
		return command_stdin(c, op, data, len, end);
	if (len > ANSIBLE_PAYLOAD_MAX - run->pay_len) {
		payload_drop(run);
		fail_module(c, "the module payload is larger than winrmd "
		    "accepts (16 MiB)");
		return host->op_fault(op, WINRMD_FAULT_QUOTA_LIMIT, NULL,
		    "The module payload of command %s exceeds %u bytes.", c->id,
		    ANSIBLE_PAYLOAD_MAX);
	}
	if (run->pay_len + len > run->pay_cap) {
		size_t cap = run->pay_cap ? run->pay_cap : 65536;
		unsigned char *b;

		while (cap < run->pay_len + len)
			cap *= 2;
		if (cap > ANSIBLE_PAYLOAD_MAX)
			cap = ANSIBLE_PAYLOAD_MAX;
		if (payload_total - run->pay_cap + cap > PAYLOAD_TOTAL_MAX) {
			payload_drop(run);
			fail_module(c, "winrmd holds too many module payloads at "
			    "once; try again");
			return host->op_fault(op, WINRMD_FAULT_QUOTA_LIMIT, NULL,
			    "The module payloads of all commands exceed %u bytes.",
			    PAYLOAD_TOTAL_MAX);
		}
		if ((b = realloc(run->pay_buf, cap)) == NULL)
			return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
			    "out of memory");
		payload_total += cap - run->pay_cap;
		run->pay_buf = b;
		run->pay_cap = cap;
	}
	if (len > 0)
		memcpy(run->pay_buf + run->pay_len, data, len);
	run->pay_len += len;
	if ((ready = ansible_payload_ready(run->pay_buf, run->pay_len, end,
	    &input)) > 0)
		return module_start(c, op, ready, input, end);
	if (end) {	/* nothing at all came */
		payload_drop(run);
		fail_module(c, "winrmd cannot run this module: the bootstrap's "
		    "input is empty");
	}
	return command_send_response(op);
}

/* the command goes (or its run will never start): the run goes with it */
static void
ansible_command_cleanup(struct command *c)
{
	struct ansible_run *run = c->rdata;

	if (run == NULL)
		return;
	if (run->auth != NULL)
		run->auth->c = NULL;	/* become_done frees it */
	payload_drop(run);
	free(run->pwsh_script);
	/* an async job that never got going: its group goes with it */
	if (run->own_group != NULL)
		host->group_destroy(run->own_group);
	free(run);
	c->rdata = NULL;
}

/* ---------------------------------------------------------- async jobs */

static void
job_free(struct async_job *j)
{
	struct plugin_state *ps = shell_state();

	for (struct async_job **pp = &ps->jobs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	host->timer_stop(j->timer);
	host->watch_remove(j->w_pid);
	if (j->child.pidfd >= 0)
		close(j->child.pidfd);
	/* whatever the job left behind goes with its group */
	host->group_destroy(j->group);
	free(j);
}

static void
job_exited(int fd, uint32_t events, void *arg)
{
	struct async_job *j = arg;
	siginfo_t si;

	(void)events;
	memset(&si, 0, sizeof(si));
	if (waitid(P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG) < 0 ||
	    si.si_pid == 0)
		return;
	host->log(WINRMD_LOG_INFO, "shell: async job %d (command %s) ended: %s "
	    "%d", (int)j->child.pid, j->id, si.si_code == CLD_EXITED ?
	    "exit" : "signal", si.si_status);
	job_free(j);
}

static void
job_timeout(void *arg)
{
	struct async_job *j = arg;

	j->timer = NULL;
	host->log(WINRMD_LOG_NOTICE, "shell: async job %d (command %s) ran past "
	    "its async timeout: killed", (int)j->child.pid, j->id);
	shell_signal(j->child.pid, SIGKILL, true);
	if (j->group != NULL)
		host->group_kill(j->group);
}

static void
ansible_job_adopt(struct command *c)
{
	struct plugin_state *ps = shell_state();
	struct ansible_run *run = c->rdata;
	struct async_job *j;
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	/* it ended instead (a failure before the start): a normal command */
	if (waitid(P_PIDFD, (id_t)c->child.pidfd, &si,
	    WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid != 0)
		return;
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		host->log(WINRMD_LOG_ERR, "shell: out of memory keeping async "
		    "job of command %s: it stays with the command", c->id);
		return;
	}
	j->child.pid = c->child.pid;
	/* a descriptor of its own: the command's is still being watched */
	if ((j->child.pidfd = fcntl(c->child.pidfd, F_DUPFD_CLOEXEC, 0)) < 0) {
		host->log(WINRMD_LOG_ERR, "shell: cannot keep the async job of "
		    "command %s: %s", c->id, strerror(errno));
		free(j);
		return;
	}
	j->group = run->own_group;
	j->uid = c->shell->user.p.uid;
	memcpy(j->id, c->id, sizeof(j->id));
	j->w_pid = host->watch_add(j->child.pidfd, WINRMD_IN, job_exited, j);
	j->timer = host->timer_start(run->async_timeout_ms + JOB_MARGIN_MS,
	    job_timeout, j);
	if (j->w_pid == NULL || j->timer == NULL) {
		host->watch_remove(j->w_pid);
		host->timer_stop(j->timer);
		close(j->child.pidfd);
		free(j);
		return;
	}
	j->next = ps->jobs;
	ps->jobs = j;
	/* the command is done: exit 0, its output was the start result */
	host->watch_remove(c->w_pid);
	c->w_pid = NULL;
	close(c->child.pidfd);
	run->own_group = NULL;
	run->async_detach = false;
	c->child.pid = 0;
	c->child.pidfd = -1;
	c->exited = true;
	c->exit_code = 0;
	host->log(WINRMD_LOG_INFO, "shell: command %s: async job %d runs on its "
	    "own (%s)", c->id, (int)j->child.pid, j->group ? "own group" :
	    "no group: rlimits");
}

void
ansible_jobs_fini(struct plugin_state *ps)
{
	while (ps->jobs != NULL) {
		struct async_job *j = ps->jobs;
		siginfo_t si;

		shell_signal(j->child.pid, SIGKILL, true);
		if (j->group != NULL)
			host->group_kill(j->group);
		waitid(P_PIDFD, (id_t)j->child.pidfd, &si, WEXITED);
		job_free(j);
	}
}

/* an async job printed its start result: it goes on alone */
static void
ansible_output_ended(struct command *c)
{
	const struct ansible_run *run = c->rdata;

	if (run != NULL && run->async_detach && c->shell != NULL &&
	    !c->exited && c->child.pid > 0) {
		command_close_stdin(c);
		ansible_job_adopt(c);
	}
}

/* the commands Ansible's and winrmcp's scripts become */
static const struct command_kind ansible_kind = {
	.name = "ansible",
	.send = ansible_send,
	.output_ended = ansible_output_ended,
	.cleanup = ansible_command_cleanup,
};

/* ------------------------------------------------ the psrp connection */

/*
 * Ansible's psrp connection sends the same scripts as PSRP pipelines: the
 * bootstrap (2.19's bootstrap_wrapper.ps1, for modules and for its
 * psrp_put_file.ps1 / psrp_fetch_file.ps1) with the payload as the
 * pipeline's input lines, and raw commands as "CMD\nexit $LASTEXITCODE".
 * c is the pipeline's command, without a child yet.
 */
static int
ansible_psrp(struct command *c, const char *script,
    const struct command_kind **ret_inner)
{
	struct shell *sh = c->shell;
	struct ansible_native n;
	char *argv[ANSIBLE_MAX_ARGS + 2], msg[512], why[384];
	int r;

	*ret_inner = NULL;
	if (ansible_recognise_psrp(script, &n) < 0) {
		command_answer(c, 1, NULL, "winrmd: out of memory\n");
		return 1;
	}
	switch (n.kind) {
	case AK_NONE:
		ansible_native_free(&n);
		return 0;
	case AK_MALFORMED:
		snprintf(msg, sizeof(msg), "winrmd: %s\n", n.why);
		host->log(WINRMD_LOG_INFO, "psrp: pipeline %s of %s not run: %s",
		    c->id, sh->user.name, n.why);
		command_answer(c, 1, NULL, msg);
		break;
	case AK_BOOTSTRAP:
		if (run_new(c, NULL) == NULL) {
			command_answer(c, 1, NULL, "winrmd: out of memory\n");
			break;
		}
		*ret_inner = &ansible_kind;
		host->log(WINRMD_LOG_DEBUG, "psrp: pipeline %s of %s: Ansible's "
		    "module bootstrap, waiting for its payload", c->id,
		    sh->user.name);
		break;
	case AK_HELPER:
		argv[0] = (char *)native_path();
		for (size_t i = 0; i <= ANSIBLE_MAX_ARGS; i++)
			argv[i + 1] = n.argv[i];
		if ((r = command_spawn(c, &sh->user.p, argv, sh->env, sh->cwd,
		    sh->group)) < 0) {
			snprintf(msg, sizeof(msg), "winrmd: winrmd-native could "
			    "not be started as %s: %s\n", sh->user.name,
			    command_spawn_why(&sh->user.p, r, why, sizeof(why)));
			command_answer(c, 1, NULL, msg);
			break;
		}
		host->log(WINRMD_LOG_INFO, "shell: command %s of %s: Ansible's %s, "
		    "run natively", c->id, sh->user.name, n.argv[0]);
		command_feed(c, NULL, 0);
		break;
	}
	ansible_native_free(&n);
	return 1;
}

const struct command_recogniser ansible_recogniser = {
	.name = "ansible",
	.powershell = ansible_command,
	.shell_line = native_shell_line,
	.psrp = ansible_psrp,
};
