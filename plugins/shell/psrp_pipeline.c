/*
 * psrp_pipeline.c: a PSRP pipeline as a command of the shell core (the
 * "psrp-pipeline" kind).  Command brings the first fragment of
 * CREATE_PIPELINE, Sends with its CommandId the rest and the input
 * (PIPELINE_INPUT lines to the child's stdin, END_OF_PIPELINE_INPUT
 * closes it).  The script (psrp_script.c) runs in the user's login shell
 * as the user, through the same spawn, process group, cgroup and quotas
 * as a WinRS command; its stdout lines come back as strings
 * (PIPELINE_OUTPUT), its stderr lines as ErrorRecords, and after the
 * wrapper's mark the runspace's working directory and environment, kept
 * for the next pipeline.  The end is PIPELINE_STATE Completed (Stopped
 * after ctrl_c, Failed when the script could not run), with CommandState
 * Done and the exit status, which the next pipeline sees as
 * $LASTEXITCODE; a client with a host also gets SetShouldExit(status).
 * A pipeline of the cmdlets psrp_cmdlet.c understands runs as
 * winrmd-native psobject instead, whose stdout lines are whole records
 * (objects, error and information records).  Write-Host and Read-Host
 * with a host are host calls (psrp_host.c).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <uuid/uuid.h>

#include "ansible.h"
#include "b64.h"
#include "psrp.h"
#include "psrp_cmdlet.h"
#include "psrp_evilwinrm.h"
#include "psrp_host.h"
#include "shell.h"
#include "strbuf.h"

#define RECEIVE_RESPONSE	WINRMD_NS_SHELL "/ReceiveResponse"
#define STATE_RUNNING		WINRMD_NS_SHELL "/CommandState/Running"
#define STATE_DONE		WINRMD_NS_SHELL "/CommandState/Done"
#define SIGNAL_PS_CTRL_C	"powershell/signal/ctrl_c"
#define SIGNAL_PS_CRTL_C	"powershell/signal/crtl_c"
/* a longer line is cut: a fetched file is one line of base64 */
#define LINE_MAX_BYTES		(16 * 1024 * 1024)
/*
 * Output of a child still running waits this long for more, or for the
 * end, before a Receive takes it: a short command's output, the runspace's
 * state and its end then go in one Receive, not three or four (an
 * interactive client's round trip)
 */
#define COALESCE_MS		10
/*
 * winrmd-native psobject's records (pp->objects) come in bursts and its
 * end follows the last: their Receive waits until no more has come for
 * COALESCE_MS, at most COALESCE_OBJECTS_MS after the first, so that a
 * Get-Process whose writes a loaded host spreads over more than
 * COALESCE_MS still goes in one Receive with its end
 */
#define COALESCE_OBJECTS_MS	50

struct psrp_pipe {
	struct psrp_pool	*pool;
	struct psrp_guid	 pid;
	struct psrp_defrag	*in;
	struct psrp_defrag	*pr;		/* host responses */
	bool			 created;	/* CREATE_PIPELINE taken */
	bool			 no_input;
	bool			 host_null;
	struct psrp_outq	 q;
	char			*line[2];	/* a line not yet ended */
	size_t			 line_len[2];
	char			 mark[64];	/* the wrapper's state mark */
	bool			 in_state;	/* past the mark */
	char			*state;
	size_t			 state_len;
	bool			 state_over;	/* too long: not kept */
	bool			 stop;		/* ctrl_c */
	bool			 fail_on_exit;	/* psrp_script.h */
	bool			 objects;	/* stdout: psrp_cmdlet.h records */
	char			*last_err;	/* the last stderr line */
	bool			 final;		/* PIPELINE_STATE queued */
	/* Read-Host: served here by a host call, one at a time */
	struct psrp_read_host	 rh;
	bool			 host_wait;	/* its call waits for an answer */
	/* the shell under winrmd-stdin-watch: its reads of stdin are
	 * ReadLine calls (the watcher writes rl_mark on stdout) */
	bool			 watched;
	bool			 ui_null;	/* HostInfo's _isHostUINull */
	bool			 stdin_ask;	/* host_wait is for stdin */
	char			 rl_mark[64];
	/* waiting for a free runspace: what it will run, its input so far */
	bool			 queued;
	struct psrp_script	 held;
	char			*held_in;
	size_t			 held_len;
	bool			 held_end;
	bool			 done_sent;
	/* a recogniser's kind serving the pipeline (Ansible's bootstrap):
	 * it takes the input as bytes */
	const struct command_kind *inner;
	/* when output of the running child was first seen, and the timer
	 * that answers a Receive COALESCE_MS later */
	uint64_t		 news_ms;
	uint64_t		 more_ms;	/* objects: output last grew */
	size_t			 more_bytes;	/* the output then */
	struct winrmd_timer	*coalesce;
};

static const struct command_kind pipe_kind;
static int	host_write(struct command *, const char *, size_t);

static int
queue(struct command *c, uint32_t type, struct clixml_value *v)
{
	struct psrp_pipe *pp = c->kdata;

	return psrp_queue(pp->pool, &pp->q, type, &pp->pid, v);
}

static void
queue_line(struct command *c, enum stream_id s, const char *p, size_t n)
{
	char *t;
	int r;

	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (s == ST_STDOUT && ((struct psrp_pipe *)c->kdata)->objects) {
		/* a record of winrmd-native psobject */
		struct psrp_pipe *pp = c->kdata;
		const char *xml;
		uint32_t type;
		size_t xlen;
		char err[256];

		if (psrp_cmdlet_line(p, n, &type, &xml, &xlen, err,
		    sizeof(err)) < 0) {
			host->log(WINRMD_LOG_WARNING, "psrp: pipeline %s: a "
			    "record of winrmd-native is refused: %s", c->id,
			    err);
			return;
		}
		r = psrp_queue_xml(pp->pool, &pp->q, type, &pp->pid, xml, xlen);
		/* Write-Host: also the host's WriteLine, as Windows calls it */
		if (r == 0 && type == PSRP_INFORMATION_RECORD && !pp->host_null)
			(void)host_write(c, xml, xlen);
	} else if (s == ST_STDOUT) {
		r = queue(c, PSRP_PIPELINE_OUTPUT, clixml_new_stringn(p, n));
	} else {
		static const char *const xt[] = {
		    "System.Management.Automation.RemoteException",
		    "System.Management.Automation.RuntimeException", NULL };
		struct psrp_error e = { 0 };

		if ((t = strndup(p, n)) == NULL)
			return;
		e.pe_message = t;
		e.pe_exception_types = xt;
		e.pe_fqid = "NativeCommandError";
		e.pe_category = PSRP_ERR_NOT_SPECIFIED;
		e.pe_target_object = clixml_new_string(t);
		r = queue(c, PSRP_ERROR_RECORD, psrp_build_error_record(&e));
		free(((struct psrp_pipe *)c->kdata)->last_err);
		((struct psrp_pipe *)c->kdata)->last_err = t;
	}
	if (r < 0)
		host->log(WINRMD_LOG_ERR, "psrp: out of memory queueing output "
		    "of pipeline %s", c->id);
}

static void
state_add(struct psrp_pipe *pp, const char *p, size_t n)
{
	char *s;

	if (pp->state_over || n == 0)
		return;
	if (pp->state_len + n > PSRP_STATE_MAX ||
	    (s = realloc(pp->state, pp->state_len + n)) == NULL) {
		pp->state_over = true;
		return;
	}
	pp->state = s;
	memcpy(s + pp->state_len, p, n);
	pp->state_len += n;
}

static void	ask_line(struct command *);

/* one complete stdout line: output, or the mark (the line's end) */
static void
stdout_line(struct command *c, const char *p, size_t n)
{
	struct psrp_pipe *pp = c->kdata;
	size_t ml = strlen(pp->mark), rl = strlen(pp->rl_mark);

	if (pp->watched && n >= rl && memcmp(p + n - rl, pp->rl_mark, rl) ==
	    0) {
		/* a read of stdin waits: what came before is a prompt */
		if (n > rl)
			queue_line(c, ST_STDOUT, p, n - rl);
		ask_line(c);
		return;
	}

	/* no mark: not run under the wrapper (a recogniser's run) */
	if (ml > 0 && n >= ml && memcmp(p + n - ml, pp->mark, ml) == 0) {
		if (n > ml)	/* the script's last line had no newline */
			queue_line(c, ST_STDOUT, p, n - ml);
		pp->in_state = true;
		return;
	}
	queue_line(c, ST_STDOUT, p, n);
}

static void
take_bytes(struct command *c, enum stream_id s, const char *p, size_t n)
{
	struct psrp_pipe *pp = c->kdata;

	while (n > 0) {
		const char *nl;
		size_t k;
		char *b;

		if (s == ST_STDOUT && pp->in_state) {
			state_add(pp, p, n);
			return;
		}
		nl = memchr(p, '\n', n);
		k = nl != NULL ? (size_t)(nl - p) : n;
		if (pp->line_len[s] + k > LINE_MAX_BYTES) {
			/* too long for one line: what there is goes now */
			if (pp->line_len[s] > 0)
				queue_line(c, s, pp->line[s], pp->line_len[s]);
			pp->line_len[s] = 0;
			if (k > LINE_MAX_BYTES) {
				queue_line(c, s, p, LINE_MAX_BYTES);
				p += LINE_MAX_BYTES;
				n -= LINE_MAX_BYTES;
				continue;
			}
		}
		if (nl == NULL) {
			if ((b = realloc(pp->line[s], pp->line_len[s] + k + 1))
			    == NULL)
				return;
			pp->line[s] = b;
			memcpy(b + pp->line_len[s], p, k);
			pp->line_len[s] += k;
			return;
		}
		if (pp->line_len[s] > 0) {
			if ((b = realloc(pp->line[s], pp->line_len[s] + k + 1))
			    == NULL)
				return;
			pp->line[s] = b;
			memcpy(b + pp->line_len[s], p, k);
			if (s == ST_STDOUT)
				stdout_line(c, b, pp->line_len[s] + k);
			else
				queue_line(c, s, b, pp->line_len[s] + k);
			pp->line_len[s] = 0;
		} else if (s == ST_STDOUT)
			stdout_line(c, p, k);
		else
			queue_line(c, s, p, k);
		p += k + 1;
		n -= k + 1;
	}
}

/* the child and its output are done: the runspace's state, the end */
static void
finish(struct command *c)
{
	struct psrp_pipe *pp = c->kdata;
	struct psrp_pool *pool = pp->pool;
	int state;

	for (int s = 0; s < 2; s++)
		if (pp->line_len[s] > 0) {
			if (s == ST_STDOUT && !pp->in_state)
				stdout_line(c, pp->line[s], pp->line_len[s]);
			else if (s == ST_STDERR)
				queue_line(c, ST_STDERR, pp->line[s],
				    pp->line_len[s]);
			pp->line_len[s] = 0;
		}
	if (pp->in_state && !pp->state_over && c->child.pid > 0) {
		if (psrp_state_parse(pp->state, pp->state_len, &pool->rs) < 0)
			host->log(WINRMD_LOG_WARNING, "psrp: pipeline %s of %s: "
			    "the runspace's state did not come back whole; the "
			    "next pipeline starts where this one did", c->id,
			    c->shell ? c->shell->user.name : "?");
		else
			pool->rs.profiled = true;
	} else if (pp->state_over)
		host->log(WINRMD_LOG_NOTICE, "psrp: pipeline %s: the runspace's "
		    "environment is over %u bytes and was not kept", c->id,
		    PSRP_STATE_MAX);
	if (c->child.pid > 0) {
		pool->rs.last_exit = c->exit_code;
		/* the runspace is known again: the next shell, warm */
		psrp_warm_ended(pool);
	}
	if (pp->stop) {
		state = PSRP_PIPELINE_STOPPED;
		queue(c, PSRP_PIPELINE_STATE, psrp_build_pipeline_state(state,
		    psrp_build_stopped_error()));
	} else if (pp->fail_on_exit && c->exit_code != 0) {
		char msg[512];
		struct psrp_error e = { .pe_message = msg,
		    .pe_fqid = "ScriptFailed",
		    .pe_category = PSRP_ERR_NOT_SPECIFIED };

		state = PSRP_PIPELINE_FAILED;
		snprintf(msg, sizeof(msg), "%s", pp->last_err != NULL ?
		    pp->last_err : "the script failed");
		queue(c, PSRP_PIPELINE_STATE, psrp_build_pipeline_state(state,
		    psrp_build_error_record(&e)));
	} else {
		state = PSRP_PIPELINE_COMPLETED;
		if (!pp->host_null && c->exit_code != 0) {
			struct clixml_value *args = psrp_new_arraylist();

			clixml_list_add(args, clixml_new_i32(c->exit_code));
			queue(c, PSRP_PIPELINE_HOST_CALL, psrp_build_host_call(
			    PSRP_VOID_CALL_ID, PSRP_HOST_SET_SHOULD_EXIT, args));
		}
		queue(c, PSRP_PIPELINE_STATE, psrp_build_pipeline_state(state,
		    NULL));
	}
	pp->final = true;
	host->log(WINRMD_LOG_INFO, "psrp: pipeline %s of %s ended: exit %d, %s",
	    c->id, c->shell ? c->shell->user.name : "?", c->exit_code,
	    state == PSRP_PIPELINE_STOPPED ? "stopped" :
	    state == PSRP_PIPELINE_FAILED ? "failed" : "completed");
}

/* a pipeline without a process is over: its end comes at the Receive */
static void
ended(struct command *c, int code)
{
	c->exited = true;
	c->exit_code = code;
	c->eof[ST_STDOUT] = c->eof[ST_STDERR] = true;
	command_poke(c);
}

/* the pipeline cannot run: Failed with why, at once */
static void
fail(struct command *c, int category, const char *fqid, const char *why)
{
	struct psrp_pipe *pp = c->kdata;
	struct psrp_error e = { .pe_message = why, .pe_fqid = fqid,
	    .pe_category = category };

	host->log(WINRMD_LOG_NOTICE, "psrp: pipeline %s of %s failed: %s",
	    c->id, c->shell ? c->shell->user.name : "?", why);
	pp->created = true;
	queue(c, PSRP_PIPELINE_STATE, psrp_build_pipeline_state(
	    PSRP_PIPELINE_FAILED, psrp_build_error_record(&e)));
	pp->final = true;
	ended(c, 1);
}

/* ------------------------------------------------------------- Receive */

static void
coalesced(void *arg)
{
	struct command *c = arg;

	((struct psrp_pipe *)c->kdata)->coalesce = NULL;
	command_poke(c);
}

static bool
pipe_has_news(const struct command *c)
{
	struct psrp_pipe *pp = c->kdata;
	uint64_t now;
	int64_t wait;

	if (!pp->created)
		return false;
	if (pp->q.head != NULL || pp->done_sent ||
	    (!pp->final && command_finished(c)))
		return true;
	if (c->out_bytes == 0)
		return false;
	if (c->exited || pp->inner != NULL || c->child.pid <= 0)
		return true;
	/* the child runs: its output waits a little for the rest */
	now = host->now_ms();
	if (pp->news_ms == 0)
		pp->news_ms = now;
	if (!pp->objects)
		wait = COALESCE_MS - (int64_t)(now - pp->news_ms);
	else {
		if (c->out_bytes != pp->more_bytes) {
			pp->more_bytes = c->out_bytes;
			pp->more_ms = now;
		}
		wait = COALESCE_MS - (int64_t)(now - pp->more_ms);
		if (wait > COALESCE_OBJECTS_MS - (int64_t)(now - pp->news_ms))
			wait = COALESCE_OBJECTS_MS - (int64_t)(now -
			    pp->news_ms);
	}
	if (wait <= 0)
		return true;
	if (pp->coalesce == NULL)
		pp->coalesce = host->timer_start((unsigned)wait, coalesced,
		    (void *)(uintptr_t)c);
	return pp->coalesce == NULL;
}

static int
pipe_receive(struct command *c, struct winrmd_op *op)
{
	struct psrp_pipe *pp = c->kdata;
	xmlNodePtr body = host->op_reply(op, RECEIVE_RESPONSE);
	size_t room = shell_stream_room(c->shell, psrp_receive_room(op)), n;
	unsigned char chunk[OUT_CHUNK];
	struct sbuf a = { 0 };
	enum stream_id s;
	uint8_t *buf;
	bool done;

	pp->news_ms = 0;
	pp->more_bytes = 0;
	host->timer_stop(pp->coalesce);
	pp->coalesce = NULL;
	if (body == NULL || (buf = malloc(room)) == NULL)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	/* the child's output becomes messages, as much as fits */
	while (pp->q.bytes < room &&
	    (n = command_take_output(c, chunk, sizeof(chunk), &s)) > 0)
		take_bytes(c, s, (const char *)chunk, n);
	if (!pp->final && command_finished(c))
		finish(c);
	/* written as text, the base64 straight into it (command.c) */
	command_answer_start(&a, body);
	if ((n = psrp_outq_pack(&pp->q, buf, room)) > 0)
		command_answer_stdout(&a, c, buf, n);
	free(buf);
	done = pp->final && pp->q.head == NULL;
	command_answer_state(&a, c, done);
	if (a.failed) {
		sb_free(&a);
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	}
	if (done)
		pp->done_sent = true;
	return command_answer_end(op, body, &a);
}

/* -------------------------------------------------------------- start */

/* runs script (taken over) in a runspace of the pool */
static void
run(struct command *c, struct psrp_script *s)
{
	struct psrp_pipe *pp = c->kdata;
	struct psrp_pool *pool = pp->pool;
	struct shell *sh = c->shell;
	struct psrp_script script = *s;
	char err[512], *wrapper = NULL, *argv[11], **env = NULL;
	char lec[PSRP_LEC_LEN], **argvp = NULL, *cim_env[2] = { NULL, NULL };
	size_t n = 0;
	uuid_t u;
	char uid[37];
	int r;

	memset(s, 0, sizeof(*s));
	pp->fail_on_exit = script.fail_on_exit;
	uuid_generate_random(u);
	uuid_unparse_upper(u, uid);
	snprintf(pp->mark, sizeof(pp->mark), "WINRMD-RUNSPACE-STATE-%s", uid);
	snprintf(pp->rl_mark, sizeof(pp->rl_mark), PSRP_READLINE_PREFIX "%s",
	    uid);
	pp->created = true;
	/* the shell without input for a client with a host and its UI:
	 * its reads of stdin ask the host (winrmd-stdin-watch, the warm
	 * one's or its own) */
	pp->watched = script.plan == NULL && pp->no_input && !pp->host_null &&
	    !pp->ui_null;
	/* the pool's warm process (a shell, or winrmd-native for cmdlets),
	 * with the script and the input so far */
	if (psrp_warm_take(pool, c, pp->mark, &script,
	    (const unsigned char *)pp->held_in, pp->held_len,
	    (pp->no_input || pp->held_end) && !pp->watched,
	    pp->watched ? pp->rl_mark : NULL, sizeof(pp->rl_mark)) == 0) {
		host->log(WINRMD_LOG_INFO, "psrp: pipeline %s of %s started in "
		    "pool %s (pid %d, warm%s)", c->id, sh->user.name, sh->id,
		    (int)c->child.pid, script.plan != NULL ?
		    " winrmd-native" : "");
		goto out;
	}
	wrapper = psrp_wrapper(pp->mark,
	    psrp_shell_exports(psrp_posix_shell(sh->user.shell)));
	/* Get-CimInstance loads the providers the cim plugin has */
	if (script.plan != NULL)
		n = (size_t)psrp_cim_env(cim_env);
	env = psrp_run_env(pool, script.secrets, script.nsecrets, cim_env, n,
	    lec);
	if (wrapper == NULL || env == NULL) {
		fail(c, PSRP_ERR_RESOURCE_UNAVAILABLE, "OutOfMemory",
		    "out of memory");
		goto out;
	}
	r = 0;
	if (pp->watched) {
		argv[r++] = (char *)psrp_stdin_watch_path();
		argv[r++] = pp->rl_mark;
	}
	argv[r++] = (char *)psrp_posix_shell(sh->user.shell);
	/* the profile once per runspace, as PowerShell loads its own: the
	 * next pipelines start with the environment it left */
	if (psrp_run_login(pool))
		argv[r++] = (char *)"-l";
	argv[r++] = (char *)"-c";
	argv[r++] = wrapper;
	argv[r++] = (char *)"winrmd-psrp";
	argv[r++] = script.text;
	argv[r] = NULL;
	if (script.plan != NULL)	/* cmdlets: winrmd-native's objects */
		argvp = psrp_cmdlet_argv(native_path(), pp->mark, script.plan);
	if (script.plan != NULL && argvp == NULL) {
		fail(c, PSRP_ERR_RESOURCE_UNAVAILABLE, "OutOfMemory",
		    "out of memory");
		goto out;
	}
	r = command_spawn(c, &sh->user.p, argvp != NULL ? argvp : argv, env,
	    pool->rs.cwd, sh->group);
	if (r < 0 && pool->rs.cwd != NULL) {
		/* the directory has gone: the home, as a new runspace */
		host->log(WINRMD_LOG_INFO, "psrp: pipeline %s of %s: cannot "
		    "start in %s, starting in the home directory", c->id,
		    sh->user.name, pool->rs.cwd);
		free(pool->rs.cwd);
		pool->rs.cwd = NULL;
		r = command_spawn(c, &sh->user.p, argvp != NULL ? argvp : argv,
		    env, NULL, sh->group);
	}
	if (r < 0) {
		fail(c, PSRP_ERR_RESOURCE_UNAVAILABLE, "ProgramNotStarted",
		    command_spawn_why(&sh->user.p, r, err, sizeof(err)));
		goto out;
	}
	host->log(WINRMD_LOG_INFO, "psrp: pipeline %s of %s started in pool %s "
	    "(pid %d)", c->id, sh->user.name, sh->id, (int)c->child.pid);
	if (pp->no_input && !pp->watched)
		command_feed(c, NULL, 0);
	else if (pp->held_len > 0 || pp->held_end)
		command_input(c, (const unsigned char *)pp->held_in,
		    pp->held_len, pp->held_end);
out:
	free(pp->held_in);
	pp->held_in = NULL;
	pp->held_len = 0;
	free(wrapper);
	free(env);
	free(argvp);
	free(cim_env[0]);
	free(cim_env[1]);
	psrp_script_free(&script);
}

/* winrmd-stdin-watch, next to winrmd-native ([Winrs] NativeHelper) */
const char *
psrp_stdin_watch_path(void)
{
	static char path[4096];
	const char *n = native_path(), *slash = strrchr(n, '/');

	if (slash == NULL)
		return "winrmd-stdin-watch";
	snprintf(path, sizeof(path), "%.*s/winrmd-stdin-watch",
	    (int)(slash - n), n);
	return path;
}

/* -------------------------------------------------------- host calls */

struct input;
static int	decoded(struct command *, struct winrmd_op *,
		    const struct psrp_msg *, struct input *);
static int	pipe_fault(struct command *, struct winrmd_op *, const char *,
		    const char *);

/* the host call for a Write-Host record (an INFORMATION_RECORD body) */
static int
host_write(struct command *c, const char *xml, size_t xlen)
{
	struct clixml_value *call = psrp_host_write_call(xml, xlen);

	return call != NULL ? queue(c, PSRP_PIPELINE_HOST_CALL, call) : 0;
}

/* Read-Host: the client's host is asked; no process runs */
static void
read_host(struct command *c)
{
	struct psrp_pipe *pp = c->kdata;

	pp->created = true;
	pp->no_input = true;
	if (pp->host_null) {
		host->log(WINRMD_LOG_INFO, "psrp: pipeline %s of %s: Read-Host "
		    "without a host: HostFunctionNotImplemented", c->id,
		    c->shell->user.name);
		queue(c, PSRP_PIPELINE_STATE, psrp_build_pipeline_state(
		    PSRP_PIPELINE_FAILED, psrp_read_host_no_ui(&pp->rh)));
		pp->final = true;
		ended(c, 1);
		return;
	}
	host->log(WINRMD_LOG_INFO, "psrp: pipeline %s of %s: Read-Host asks the "
	    "client's host (%s)", c->id, c->shell->user.name,
	    psrp_host_method_name(pp->rh.method));
	if (queue(c, PSRP_PIPELINE_HOST_CALL, psrp_read_host_call(&pp->rh,
	    PSRP_HOST_READ_CALL_ID)) < 0) {
		fail(c, PSRP_ERR_RESOURCE_UNAVAILABLE, "OutOfMemory",
		    "out of memory");
		return;
	}
	pp->host_wait = true;
	command_poke(c);
}

/* the watched shell reads stdin: the client's host is asked for a line */
static void
ask_line(struct command *c)
{
	struct psrp_pipe *pp = c->kdata;

	if (pp->host_wait || pp->final)
		return;		/* one at a time */
	psrp_read_host_clear(&pp->rh);
	pp->rh.method = PSRP_HOST_READ_LINE;
	host->log(WINRMD_LOG_INFO, "psrp: pipeline %s of %s reads its stdin: "
	    "the client's host is asked (ReadLine)", c->id,
	    c->shell->user.name);
	if (queue(c, PSRP_PIPELINE_HOST_CALL, psrp_read_host_call(&pp->rh,
	    PSRP_HOST_READ_CALL_ID)) < 0) {
		command_feed(c, NULL, 0);	/* out of memory: end of file */
		return;
	}
	pp->host_wait = true;
	pp->stdin_ask = true;
	command_poke(c);
}

/* the host's answer to ask_line: a line of stdin, else its end */
static int
stdin_answer(struct command *c, const struct psrp_host_response *hr,
    char *err, size_t errlen)
{
	struct psrp_pipe *pp = c->kdata;
	struct clixml_value *out;
	const char *s = NULL;
	char *line;
	size_t n = 0;
	int k;

	k = psrp_read_host_answer(&pp->rh, PSRP_HOST_READ_CALL_ID, hr, NULL,
	    &out, err, errlen);
	if (k < 0)
		return -1;
	pp->host_wait = pp->stdin_ask = false;
	if (k == 0 && !clixml_is_nil(out))
		s = clixml_str(out, &n);
	if (s != NULL && memchr(s, '\n', n) == NULL &&
	    (line = malloc(n + 1)) != NULL) {
		memcpy(line, s, n);
		line[n] = '\n';
		command_input(c, (const unsigned char *)line, n + 1, false);
		free(line);
		host->log(WINRMD_LOG_INFO, "psrp: pipeline %s of %s: the host's "
		    "line went to its stdin", c->id, c->shell->user.name);
	} else {
		command_feed(c, NULL, 0);
		host->log(WINRMD_LOG_INFO, "psrp: pipeline %s of %s: the host "
		    "answered ReadLine with %s: its stdin ends", c->id,
		    c->shell->user.name, k == 1 ? "an error" : s == NULL ?
		    "null" : "several lines");
	}
	clixml_unref(out);
	return 0;
}

/* PIPELINE_HOST_RESPONSE v for c: 0, or -1 with err */
static int
host_response(struct command *c, const struct clixml_value *v, char *err,
    size_t errlen)
{
	struct psrp_pipe *pp = c->kdata;
	struct psrp_host_response hr;
	struct clixml_value *out;
	int k;

	if (psrp_parse_host_response(v, &hr, err, errlen) < 0)
		return -1;
	if (hr.hr_ci == PSRP_VOID_CALL_ID)
		return 0;	/* a void call's (SetShouldExit): nothing waits */
	if (!pp->host_wait) {
		snprintf(err, errlen, "no host call %lld waits for an answer",
		    (long long)hr.hr_ci);
		return -1;
	}
	if (pp->stdin_ask)
		return stdin_answer(c, &hr, err, errlen);
	k = psrp_read_host_answer(&pp->rh, PSRP_HOST_READ_CALL_ID, &hr,
	    pp->pool->have_key ? pp->pool->key : NULL, &out, err, errlen);
	if (k < 0)
		return -1;
	pp->host_wait = false;
	host->log(WINRMD_LOG_INFO, "psrp: pipeline %s of %s: the host answered "
	    "Read-Host%s", c->id, c->shell->user.name, k == 1 ?
	    " with an error" : "");
	if (k == 1) {
		queue(c, PSRP_PIPELINE_STATE, psrp_build_pipeline_state(
		    PSRP_PIPELINE_FAILED, out));
		pp->final = true;
	} else
		queue(c, PSRP_PIPELINE_OUTPUT, out);
	ended(c, k);
	return 0;
}

int
psrp_pipeline_host_response(struct shell *sh, struct winrmd_op *op,
    const struct psrp_msg *m)
{
	char id[64];

	psrp_guid_format(&m->pm_pid, true, id);
	for (struct command *c = sh->commands; c != NULL; c = c->next)
		if (c->kind == &pipe_kind && c->kdata != NULL &&
		    strcasecmp(c->id, id) == 0)
			return decoded(c, op, m, NULL);
	host->log(WINRMD_LOG_NOTICE, "psrp: pool %s of %s: a host response for "
	    "pipeline %s, which does not exist, refused", sh->id,
	    sh->user.name, id);
	return host->op_fault(op, WINRMD_FAULT_INVALID_PARAMETER, NULL,
	    "The PowerShell pipeline %s does not exist.", id);
}

/*
 * What evil-winrm-py sends and is served natively: answered here (the
 * pipeline is over), or the shell text in *s; PSRP_SERVED_NONE otherwise
 */
static int
serve_evilwinrm(struct command *c, const struct psrp_pipeline *p,
    struct psrp_script *s)
{
	struct psrp_pipe *pp = c->kdata;
	struct psrp_pool *pool = pp->pool;
	struct psrp_served sv;
	int k;

	k = psrp_evilwinrm_serve(p, pool->rs.cwd != NULL ? pool->rs.cwd :
	    c->shell->user.p.home, &sv);
	if (k == PSRP_SERVED_NONE)
		return k;
	if (k < 0) {
		fail(c, PSRP_ERR_RESOURCE_UNAVAILABLE, "OutOfMemory",
		    "out of memory");
		return PSRP_SERVED_ANSWER;
	}
	host->log(WINRMD_LOG_INFO, "psrp: pipeline %s of %s: evil-winrm-py's "
	    "%s, served natively", c->id, c->shell->user.name, sv.what);
	if (k == PSRP_SERVED_ANSWER) {
		pp->created = true;
		pp->no_input = true;
		command_answer(c, sv.code, sv.out, sv.err);
	} else {
		memset(s, 0, sizeof(*s));
		s->text = sv.out;
		sv.out = NULL;
	}
	psrp_served_free(&sv);
	return k;
}

/*
 * CREATE_PIPELINE is whole: the script runs now, or waits for a runspace
 * as PowerShell's pool makes it wait
 */
static void
start(struct command *c, const struct psrp_pipeline *p)
{
	struct psrp_pipe *pp = c->kdata;
	struct psrp_pool *pool = pp->pool;
	struct psrp_script script;
	char err[512];

	pp->no_input = p->pp_no_input;
	pp->fail_on_exit = false;
	pp->host_null = p->pp_host.ph_is_host_null;
	pp->ui_null = p->pp_host.ph_is_ui_null;
	/* a script a recogniser serves (Ansible's, through the same native
	 * layer as its winrm connection) */
	if (p->pp_nstatements == 1 && p->pp_statements[0].ps_ncmds == 1 &&
	    p->pp_statements[0].ps_cmds[0].pc_is_script &&
	    p->pp_statements[0].ps_cmds[0].pc_nargs == 0)
		for (size_t i = 0; command_recognisers[i] != NULL; i++)
			if (command_recognisers[i]->psrp != NULL &&
			    command_recognisers[i]->psrp(c,
			    p->pp_statements[0].ps_cmds[0].pc_cmd,
			    &pp->inner) != 0) {
				pp->created = true;
				if (pp->inner == NULL)
					pp->no_input = true;	/* not wanted */
				else if (pp->no_input) {
					/* the payload will never come */
					command_answer(c, 1, NULL, "winrmd: the "
					    "script waits for input, and the "
					    "pipeline has none\n");
				}
				command_poke(c);
				return;
			}
	pp->objects = false;
	/* evil-winrm-py's own PowerShell (psrp_evilwinrm.c) */
	switch (serve_evilwinrm(c, p, &script)) {
	case PSRP_SERVED_ANSWER:
		return;
	case PSRP_SERVED_SCRIPT:
		break;
	default:
		memset(&script, 0, sizeof(script));
		if (psrp_cmdlet_recognise(p, &script.plan) == 1) {
			if (psrp_read_host_plan(script.plan, &pp->rh) == 1) {
				psrp_script_free(&script);
				read_host(c);
				return;
			}
			pp->objects = true;	/* objects from winrmd-native */
		} else if (psrp_script_build(p, pool->have_key ? pool->key : NULL,
		    &script, err, sizeof(err)) < 0) {
			fail(c, PSRP_ERR_INVALID_ARGUMENT, "ScriptNotRunnable",
			    err);
			return;
		}
	}
	if (psrp_pool_busy(pool) >= (unsigned)pool->max_rs) {
		pp->created = true;
		pp->queued = true;
		pp->held = script;
		host->log(WINRMD_LOG_INFO, "psrp: pipeline %s of %s waits for a "
		    "runspace: the %d of pool %s are busy", c->id,
		    c->shell->user.name, pool->max_rs, c->shell->id);
		return;
	}
	run(c, &script);
}

void
psrp_pool_dequeue(struct shell *sh)
{
	struct psrp_pool *pool = sh->psrp;

	while (pool != NULL && psrp_pool_busy(pool) < (unsigned)pool->max_rs) {
		struct command *oldest = NULL;

		/* commands are newest first: the last queued one waited most */
		for (struct command *c = sh->commands; c != NULL; c = c->next)
			if (c->kind == &pipe_kind && c->kdata != NULL &&
			    ((struct psrp_pipe *)c->kdata)->queued)
				oldest = c;
		if (oldest == NULL)
			return;
		((struct psrp_pipe *)oldest->kdata)->queued = false;
		run(oldest, &((struct psrp_pipe *)oldest->kdata)->held);
		command_poke(oldest);
	}
}

static void
pipe_exited(struct command *c)
{
	if (c->shell != NULL)
		psrp_pool_dequeue(c->shell);
}

/* ---------------------------------------------------------- messages */

static int
pipe_fault(struct command *c, struct winrmd_op *op, const char *what,
    const char *why)
{
	host->log(WINRMD_LOG_NOTICE, "psrp: pipeline %s of %s: %s refused: %s",
	    c->id, c->shell ? c->shell->user.name : "?", what, why);
	return host->op_fault(op, WINRMD_FAULT_INVALID_PARAMETER, NULL,
	    "The PowerShell pipeline %s cannot take the %s message: %s",
	    c->id, what, why);
}

struct input {
	char	*p;
	size_t	 len;
	bool	 end;
};

static int
input_add(struct input *in, const char *t, size_t n)
{
	char *p = realloc(in->p, in->len + n + 1);

	if (p == NULL)
		return -1;
	in->p = p;
	memcpy(p + in->len, t, n);
	p[in->len + n] = '\n';
	in->len += n + 1;
	return 0;
}

/*
 * An input object as a line of text, as a [string] parameter would take
 * it: a string whole (NULs too: Ansible's payload has them), a list's
 * items joined with spaces, anything else its text.
 */
static char *
input_text(const struct clixml_value *v, size_t *ret_len)
{
	const char *s;
	char *t;

	if (v->v_type == CLIXML_SECURESTRING)
		t = strdup("");
	else if ((s = clixml_str(v, ret_len)) != NULL) {
		if ((t = malloc(*ret_len + 1)) != NULL) {
			memcpy(t, s, *ret_len);
			t[*ret_len] = '\0';
		}
		return t;
	} else if (v->v_type == CLIXML_OBJECT && v->v.obj.o_tostring == NULL &&
	    v->v.obj.o_coll == CLIXML_COLL_LST && v->v.obj.o_nitems > 0) {
		struct input j = { 0 };

		for (size_t i = 0; i < v->v.obj.o_nitems; i++) {
			size_t n;
			char *e = input_text(v->v.obj.o_items[i], &n);

			if (e == NULL || input_add(&j, e, n) < 0) {
				free(e);
				free(j.p);
				return NULL;
			}
			free(e);
			j.p[j.len - 1] = ' ';
		}
		j.p[--j.len] = '\0';
		*ret_len = j.len;
		return j.p;
	} else
		t = psrp_value_text(v);
	if (t != NULL)
		*ret_len = strlen(t);
	return t;
}

/* a message m for c; in NULL: a host response the pool passed on */
static int
decoded(struct command *c, struct winrmd_op *op, const struct psrp_msg *m,
    struct input *in)
{
	struct psrp_pipe *pp = c->kdata;
	struct clixml_value *v;
	const char *name;
	char err[256];

	if ((name = psrp_msg_type_name(m->pm_type)) == NULL)
		name = "unknown";
	if (m->pm_destination != PSRP_DEST_SERVER ||
	    !psrp_guid_equal(&m->pm_rpid, &pp->pool->rpid) ||
	    !psrp_guid_equal(&m->pm_pid, &pp->pid))
		return pipe_fault(c, op, name, "not addressed to this pipeline");
	if (m->pm_type == PSRP_PIPELINE_HOST_RESPONSE &&
	    m->pm_len > PSRP_HOST_RESPONSE_MAX)
		return pipe_fault(c, op, name, "longer than a host response "
		    "may be");
	if (in == NULL && m->pm_type != PSRP_PIPELINE_HOST_RESPONSE)
		return pipe_fault(c, op, name, "not a host response");
	if ((v = clixml_read((const char *)m->pm_data, m->pm_len,
	    &clixml_default_limits, err, sizeof(err))) == NULL)
		return pipe_fault(c, op, name, err);
	switch (m->pm_type) {
	case PSRP_CREATE_PIPELINE: {
		struct psrp_pipeline p;

		if (pp->created) {
			snprintf(err, sizeof(err), "the pipeline exists");
			goto bad;
		}
		if (psrp_parse_pipeline(v, &p, err, sizeof(err)) < 0) {
			psrp_pipeline_clear(&p);
			goto bad;
		}
		start(c, &p);
		psrp_pipeline_clear(&p);
		break;
	}
	case PSRP_PIPELINE_INPUT: {
		size_t tlen;
		char *t;

		if (!pp->created || in->end) {
			snprintf(err, sizeof(err), "no input is expected");
			goto bad;
		}
		t = input_text(v, &tlen);
		if (t == NULL || input_add(in, t, tlen) < 0) {
			free(t);
			clixml_unref(v);
			return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR,
			    NULL, "out of memory");
		}
		free(t);
		break;
	}
	case PSRP_END_OF_PIPELINE_INPUT:
		if (!pp->created) {
			snprintf(err, sizeof(err), "the pipeline does not exist");
			goto bad;
		}
		in->end = true;
		break;
	case PSRP_PIPELINE_HOST_RESPONSE:
		/* Read-Host's answer (psrp_host.c) */
		if (host_response(c, v, err, sizeof(err)) < 0)
			goto bad;
		break;
	default:
		snprintf(err, sizeof(err), "a %s message is not served on a "
		    "pipeline", name);
		goto bad;
	}
	clixml_unref(v);
	return WINRMD_OK;
bad:
	clixml_unref(v);
	return pipe_fault(c, op, name, err);
}

static int
message(struct command *c, struct winrmd_op *op, const uint8_t *buf,
    size_t len, struct input *in)
{
	struct psrp_msg m;

	if (psrp_msg_decode(buf, len, &m) < 0)
		return pipe_fault(c, op, "message", "shorter than its header");
	return decoded(c, op, &m, in);
}

/* takes fragments; input for the child in *in */
static int
feed(struct command *c, struct winrmd_op *op, struct psrp_defrag *d,
    const uint8_t *data, size_t len, struct input *in)
{
	uint8_t *msg;
	size_t mlen;
	int r;

	if (psrp_defrag_feed(d, data, len) < 0)
		return pipe_fault(c, op, "fragment", psrp_defrag_error(d));
	while (psrp_defrag_next(d, &msg, &mlen, NULL) == 1) {
		r = message(c, op, msg, mlen, in);
		OPENSSL_cleanse(msg, mlen);
		free(msg);
		if (r != WINRMD_OK)
			return r;
	}
	return WINRMD_OK;
}

int
psrp_pipeline_send(struct command *c, struct winrmd_op *op, bool pr,
    const uint8_t *data, size_t len)
{
	struct psrp_pipe *pp = c->kdata;
	struct input in = { 0 };
	int r;

	if (c->kind != &pipe_kind)
		return host->op_fault(op, WINRMD_FAULT_INVALID_PARAMETER, NULL,
		    "%s is not a pipeline.", c->id);
	if ((r = psrp_input_quota(c->shell, op, len)) != WINRMD_OK)
		return r;
	if (pr && pp->pr == NULL && (pp->pr = psrp_defrag_new(PSRP_IN_MAX)) == NULL)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	if ((r = feed(c, op, pr ? pp->pr : pp->in, data, len, &in)) !=
	    WINRMD_OK) {
		free(in.p);
		return r;
	}
	if (pp->queued && !pp->no_input && (in.len > 0 || in.end)) {
		char *h = realloc(pp->held_in, pp->held_len + in.len + 1);

		if (h == NULL) {
			free(in.p);
			return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR,
			    NULL, "out of memory");
		}
		if (in.len > 0)
			memcpy(h + pp->held_len, in.p, in.len);
		pp->held_in = h;
		pp->held_len += in.len;
		pp->held_end |= in.end;
	} else if (pp->inner != NULL && pp->inner->send != NULL &&
	    (in.len > 0 || in.end)) {
		/* the recogniser's kind takes it (Ansible's payload) */
		r = pp->inner->send(c, op, (const unsigned char *)in.p, in.len,
		    in.end);
		free(in.p);
		return r;
	} else if (pp->created && !pp->no_input && (in.len > 0 || in.end) &&
	    c->child.pid > 0) {
		r = command_stdin(c, op, (const unsigned char *)in.p, in.len,
		    in.end);
		free(in.p);
		return r;
	}
	free(in.p);
	return command_send_response(op);
}

/* ------------------------------------------------------ signal, free */

static int
pipe_signal(struct command *c, const char *code)
{
	struct psrp_pipe *pp = c->kdata;

	if (strcasecmp(code, SIGNAL_PS_CTRL_C) != 0 &&
	    strcasecmp(code, SIGNAL_PS_CRTL_C) != 0 &&
	    strcasecmp(code, WINRMD_NS_SHELL "/signal/ctrl_c") != 0)
		return -EINVAL;
	if (pp->final)
		return SIGINT;	/* over already: nothing to stop */
	pp->stop = true;
	if (pp->inner != NULL && c->child.pid == 0 && !c->exited) {
		/* a recogniser's run not started yet (waiting for its input,
		 * a become check): it never will */
		if (pp->inner->cleanup != NULL)
			pp->inner->cleanup(c);
		c->exited = true;
		c->eof[ST_STDOUT] = c->eof[ST_STDERR] = true;
	}
	if (pp->stdin_ask)
		pp->host_wait = pp->stdin_ask = false;	/* the child stops */
	if (pp->host_wait) {
		/* Read-Host's call is not answered: it never will be */
		pp->host_wait = false;
		c->exited = true;
		c->eof[ST_STDOUT] = c->eof[ST_STDERR] = true;
	}
	if (pp->queued || !pp->created) {
		/* it never ran: it ends here */
		pp->queued = false;
		pp->created = true;
		c->exited = true;
		c->eof[ST_STDOUT] = c->eof[ST_STDERR] = true;
	}
	host->log(WINRMD_LOG_INFO, "psrp: pipeline %s of %s stopped by the "
	    "client", c->id, c->shell ? c->shell->user.name : "?");
	if (c->child.pid > 0)
		command_kill_group(c, SIGKILL);
	command_poke(c);
	return SIGINT;
}

static void
pipe_output_ended(struct command *c)
{
	struct psrp_pipe *pp = c->kdata;

	if (pp != NULL && pp->inner != NULL && pp->inner->output_ended != NULL)
		pp->inner->output_ended(c);
}

static void
pipe_cleanup(struct command *c)
{
	struct psrp_pipe *pp = c->kdata;

	if (pp == NULL)
		return;
	if (pp->inner != NULL && pp->inner->cleanup != NULL)
		pp->inner->cleanup(c);
	host->timer_stop(pp->coalesce);
	psrp_defrag_free(pp->in);
	psrp_defrag_free(pp->pr);
	psrp_outq_clear(&pp->q);
	free(pp->line[0]);
	free(pp->line[1]);
	free(pp->last_err);
	free(pp->held_in);
	psrp_script_free(&pp->held);
	psrp_read_host_clear(&pp->rh);
	if (pp->state != NULL)
		OPENSSL_cleanse(pp->state, pp->state_len);
	free(pp->state);
	free(pp);
	c->kdata = NULL;
}

void
psrp_pipeline_connected(struct command *c)
{
	struct psrp_pipe *pp = c->kdata;
	struct psrp_defrag *in;

	if (c->kind != &pipe_kind || pp == NULL ||
	    (in = psrp_defrag_new(PSRP_IN_MAX)) == NULL)
		return;
	psrp_outq_rewind(&pp->q);
	psrp_defrag_free(pp->in);
	psrp_defrag_free(pp->pr);
	pp->in = in;
	pp->pr = NULL;
}

size_t
psrp_pipeline_buffered(const struct command *c)
{
	const struct psrp_pipe *pp = c->kdata;

	if (c->kind != &pipe_kind || pp == NULL)
		return 0;
	return psrp_defrag_buffered(pp->in) + (pp->pr != NULL ?
	    psrp_defrag_buffered(pp->pr) : 0) + pp->held_len;
}

static const struct command_kind pipe_kind = {
	.name = "psrp-pipeline",
	.has_news = pipe_has_news,
	.receive = pipe_receive,
	.signal = pipe_signal,
	.exited = pipe_exited,
	.output_ended = pipe_output_ended,
	.cleanup = pipe_cleanup,
};

struct command *
psrp_pipeline_new(struct shell *sh, const char *id, const uint8_t *frag,
    size_t len, struct winrmd_op *op, int *ret_fault)
{
	struct psrp_pool *pool = sh->psrp;
	struct input in = { 0 };
	struct psrp_pipe *pp;
	struct psrp_guid g;
	struct command *c;

	if (pool->state != PSRP_POOL_OPENED) {
		*ret_fault = host->op_fault(op, WINRMD_FAULT_INVALID_PARAMETER,
		    NULL, "The runspace pool %s is not open.", sh->id);
		return NULL;
	}
	if (id == NULL || psrp_guid_parse(id, &g) < 0) {
		*ret_fault = host->op_fault(op, WINRMD_FAULT_INVALID_PARAMETER,
		    NULL, "A pipeline needs a CommandId that is a GUID.");
		return NULL;
	}
	if ((c = command_new(sh)) == NULL)
		goto nomem;
	if ((pp = calloc(1, sizeof(*pp))) == NULL ||
	    (pp->in = psrp_defrag_new(PSRP_IN_MAX)) == NULL) {
		free(pp);
		free(c);
nomem:
		*ret_fault = host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR,
		    NULL, "out of memory");
		return NULL;
	}
	psrp_guid_format(&g, true, c->id);
	pp->pool = pool;
	pp->pid = g;
	c->kind = &pipe_kind;
	c->kdata = pp;
	if ((*ret_fault = feed(c, op, pp->in, frag, len, &in)) != WINRMD_OK) {
		free(in.p);
		command_destroy(shell_state(), c);
		return NULL;
	}
	free(in.p);
	return c;
}
