/*
 * check_shell_core.c: the shell core's command life cycle, through the
 * shell plugin's own operations on the mock host (mock_host.h): Create
 * (in a login session), Command (a real child, spawned through the host),
 * Send (stdin and its bounds), Receive (streams, waiting, OperationTimeout,
 * MaxEnvelopeSize, the output bound, codepages), Signal (ctrl_c,
 * terminate), exit codes, the per-shell and per-user process quotas, the
 * idle timeout and Delete.  The children are real processes (/bin/sh).
 */
#define _GNU_SOURCE

#include <signal.h>
#include <stdarg.h>
#include <sys/types.h>

#include <libxml/tree.h>
#include <openssl/evp.h>

#include "mock_host.h"
#include "shell.h"
#include "unit.h"

#define SHELL_URI	WINRMD_NS_SHELL "/cmd"
#define NS		"xmlns:rsp=\"" WINRMD_NS_SHELL "\""
#define WAIT_MS		10000	/* the longest any child here takes */
#define ID_MAX		(SHELL_ID_LEN + 1)

const struct winrmd_plugin *winrmd_plugin_entry(void);

static const struct winrmd_plugin *plug;
static void *pstate;

static const struct mock_conf settings[] = {
	{ "Winrs", "AllowRemoteShellAccess", "true" },
	{ "Winrs", "MaxShellsPerUser", "5" },
	{ "Winrs", "MaxConcurrentUsers", "10" },
	{ "Winrs", "IdleTimeout", "60000" },
	{ "Winrs", "MaxProcessesPerShell", "3" },
	{ "Winrs", "MaxProcessesPerUser", "4" },
	{ "Winrs", "MaxCommandsPerShell", "8" },
	{ "Winrs", "MaxMemoryPerShellMB", "0" },
	{ "Winrs", "MaxStdinPerUserMB", "1" },
	{ "Winrs", "PowerShell", "sh" },
	{ NULL, NULL, NULL },
};

static void
setup(void)
{
	mock_conf_load(settings);
	plug = winrmd_plugin_entry();
	ck_assert_int_eq(plug->init(&mock_host, &pstate), 0);
}

static void
teardown(void)
{
	mock_plugin_stop(plug, pstate);
}

/* ------------------------------------------------------------ requests */

static bool
completed(void *arg)
{
	return ((struct winrmd_op *)arg)->completed;
}

/* runs op; an answer left pending is waited for (real time) */
static int
run(struct winrmd_op *op)
{
	if (mock_run(plug, pstate, op) == WINRMD_PENDING) {
		ck_assert_msg(mock_loop_until(completed, op, WAIT_MS),
		    "%s: no answer", op->action);
		op->status = op->fault != WINRMD_FAULT_NONE ? WINRMD_FAULT :
		    WINRMD_OK;
	}
	return op->status;
}

static struct winrmd_op *
shell_op(const char *action, const char *shell, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static struct winrmd_op *
shell_op(const char *action, const char *shell, const char *fmt, ...)
{
	struct winrmd_op *op;
	char *body = NULL;
	va_list ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		ck_assert_int_ge(vasprintf(&body, fmt, ap), 0);
		va_end(ap);
	}
	op = mock_op(action, SHELL_URI, body);
	free(body);
	if (shell != NULL)
		mock_op_selector(op, "ShellId", shell);
	return op;
}

/* a shell of alice's (uid 1000), without a login profile: its id in id */
static void
create_in(char id[ID_MAX], const char *codepage, bool noprofile)
{
	struct winrmd_op *op = shell_op(WINRMD_ACTION_CREATE, NULL,
	    "<rsp:Shell " NS "><rsp:InputStreams>stdin</rsp:InputStreams>"
	    "<rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>");
	char *s;

	if (noprofile)
		mock_op_option(op, "WINRS_NOPROFILE", "TRUE", false);
	if (codepage != NULL)
		mock_op_option(op, "WINRS_CODEPAGE", codepage, false);
	run(op);
	mock_assert_ok(op);
	ck_assert_ptr_nonnull(s = mock_reply_find(op, "ShellId"));
	ck_assert_uint_eq(strlen(s), SHELL_ID_LEN);
	memcpy(id, s, ID_MAX);
	free(s);
	mock_op_free(op);
}

static void
create(char id[ID_MAX])
{
	create_in(id, NULL, true);
}

/* the Command op for a line of the user's shell (not run yet) */
static struct winrmd_op *
command_op(const char *shell, const char *line)
{
	xmlChar *esc = xmlEncodeSpecialChars(NULL, BAD_CAST line);
	struct winrmd_op *op = shell_op(WINRMD_ACTION_COMMAND, shell,
	    "<rsp:CommandLine " NS "><rsp:Command>%s</rsp:Command>"
	    "</rsp:CommandLine>", (const char *)esc);

	xmlFree(esc);
	return op;
}

/* starts line in shell: its CommandId in id */
static void
command(const char *shell, const char *line, char id[ID_MAX])
{
	struct winrmd_op *op = command_op(shell, line);
	char *s;

	run(op);
	mock_assert_ok(op);
	ck_assert_ptr_nonnull(s = mock_reply_find(op, "CommandId"));
	memcpy(id, s, ID_MAX);
	free(s);
	mock_op_free(op);
}

/* a Send of len bytes (base64'd here), End if end; not run yet */
static struct winrmd_op *
send_op(const char *shell, const char *cmd, const void *data, size_t len,
    bool end)
{
	char *b64 = malloc((len + 2) / 3 * 4 + 1);
	struct winrmd_op *op;

	ck_assert_ptr_nonnull(b64);
	EVP_EncodeBlock((unsigned char *)b64, data, (int)len);
	op = shell_op(WINRMD_ACTION_SEND, shell, "<rsp:Send " NS "><rsp:Stream "
	    "Name=\"stdin\" CommandId=\"%s\"%s>%s</rsp:Stream></rsp:Send>", cmd,
	    end ? " End=\"true\"" : "", b64);
	free(b64);
	return op;
}

static void
send_ok(const char *shell, const char *cmd, const char *text, bool end)
{
	struct winrmd_op *op = send_op(shell, cmd, text, strlen(text), end);

	run(op);
	mock_assert_ok(op);
	ck_assert_str_eq(op->reply_action, WINRMD_ACTION_SEND "Response");
	mock_op_free(op);
}

static struct winrmd_op *
receive_op(const char *shell, const char *cmd)
{
	return shell_op(WINRMD_ACTION_RECEIVE, shell, "<rsp:Receive " NS ">"
	    "<rsp:DesiredStream CommandId=\"%s\">stdout stderr"
	    "</rsp:DesiredStream></rsp:Receive>", cmd);
}

static struct winrmd_op *
signal_op(const char *shell, const char *cmd, const char *code)
{
	return shell_op(WINRMD_ACTION_SIGNAL, shell, "<rsp:Signal " NS
	    " CommandId=\"%s\"><rsp:Code>%s</rsp:Code></rsp:Signal>", cmd, code);
}

static void
signal_ok(const char *shell, const char *cmd, const char *code)
{
	struct winrmd_op *op = signal_op(shell, cmd, code);

	run(op);
	mock_assert_ok(op);
	ck_assert_str_eq(op->reply_action, WINRMD_ACTION_SIGNAL "Response");
	mock_op_free(op);
}

static void
delete_ok(const char *shell)
{
	struct winrmd_op *op = shell_op(WINRMD_ACTION_DELETE, shell, NULL);

	run(op);
	mock_assert_ok(op);
	mock_op_free(op);
}

/* ------------------------------------------------- what Receive says */

struct output {
	unsigned char	*data[2];	/* stdout, stderr so far */
	size_t		 len[2];
	bool		 end[2];	/* End="true" seen */
	bool		 done;		/* CommandState Done */
	int		 exit_code;
	unsigned	 receives;
	size_t		 most;		/* the most bytes one Receive brought */
};

static void
take_stream(struct output *o, xmlNodePtr n, size_t *got)
{
	xmlChar *name = xmlGetProp(n, BAD_CAST "Name"),
	    *end = xmlGetProp(n, BAD_CAST "End"), *text = xmlNodeGetContent(n);
	int s = strcmp((char *)name, "stdout") == 0 ? 0 : 1;
	size_t tl = strlen((char *)text);

	ck_assert(strcmp((char *)name, "stdout") == 0 ||
	    strcmp((char *)name, "stderr") == 0);
	ck_assert_msg(!o->end[s], "%s after its end", (char *)name);
	if (tl > 0) {
		unsigned char *p = realloc(o->data[s], o->len[s] + tl / 4 * 3 + 1);
		int k;

		ck_assert_ptr_nonnull(p);
		k = EVP_DecodeBlock(p + o->len[s], text, (int)tl);
		ck_assert_int_ge(k, 0);
		k -= (text[tl - 1] == '=') + (tl > 1 && text[tl - 2] == '=');
		o->data[s] = p;
		o->len[s] += (size_t)k;
		*got += (size_t)k;
	}
	if (end != NULL && strcmp((char *)end, "true") == 0)
		o->end[s] = true;
	xmlFree(name);
	xmlFree(end);
	xmlFree(text);
}

/* adds what a ReceiveResponse carries to o */
static void
take(struct output *o, struct winrmd_op *op)
{
	xmlNodePtr rr = NULL;
	size_t got = 0;

	if (op->status == WINRMD_PENDING && op->completed)
		op->status = op->fault != WINRMD_FAULT_NONE ? WINRMD_FAULT :
		    WINRMD_OK;
	mock_assert_ok(op);
	ck_assert_str_eq(op->reply_action, WINRMD_ACTION_RECEIVE "Response");
	for (xmlNodePtr n = op->reply_body->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)n->name, "ReceiveResponse") == 0)
			rr = n;
	ck_assert_ptr_nonnull(rr);
	for (xmlNodePtr n = rr->children; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, "Stream") == 0)
			take_stream(o, n, &got);
		else if (strcmp((const char *)n->name, "CommandState") == 0) {
			xmlChar *st = xmlGetProp(n, BAD_CAST "State");

			ck_assert_msg(!o->done, "news after Done");
			o->done = strcmp((char *)st, WINRMD_NS_SHELL
			    "/CommandState/Done") == 0;
			if (o->done) {
				xmlChar *code = xmlNodeGetContent(n);

				o->exit_code = atoi((char *)code);
				xmlFree(code);
			}
			xmlFree(st);
		}
	}
	o->receives++;
	if (got > o->most)
		o->most = got;
}

/* one Receive, waited for, added to o; envelope: MaxEnvelopeSize, 0: as is */
static void
receive_once(const char *shell, const char *cmd, struct output *o,
    size_t envelope)
{
	struct winrmd_op *op = receive_op(shell, cmd);

	if (envelope > 0)
		op->max_envelope = envelope;
	run(op);
	take(o, op);
	mock_op_free(op);
	ck_assert_uint_lt(o->receives, 10000);
}

/* Receives until the command is Done */
static void
receive_all_in(const char *shell, const char *cmd, struct output *o,
    size_t envelope)
{
	memset(o, 0, sizeof(*o));
	while (!o->done)
		receive_once(shell, cmd, o, envelope);
	for (int s = 0; s < 2; s++) {
		ck_assert_msg(o->end[s], "no End for stream %d", s);
		/* NUL-terminated for the string checks */
		o->data[s] = realloc(o->data[s], o->len[s] + 1);
		o->data[s][o->len[s]] = '\0';
	}
}

static void
receive_all(const char *shell, const char *cmd, struct output *o)
{
	receive_all_in(shell, cmd, o, 0);
}

static void
output_free(struct output *o)
{
	free(o->data[0]);
	free(o->data[1]);
}

/* runs line in shell to its end: what it wrote in o, its id in cmd */
static void
run_line(const char *shell, const char *line, struct output *o,
    char cmd[ID_MAX])
{
	command(shell, line, cmd);
	receive_all(shell, cmd, o);
}

/* the shell's command with this id (the plugin's own state) */
static struct command *
find(const char *cmd)
{
	for (struct shell *sh = shell_state()->shells; sh; sh = sh->next)
		for (struct command *c = sh->commands; c != NULL; c = c->next)
			if (strcmp(c->id, cmd) == 0)
				return c;
	return NULL;
}

/* the process is gone, reaped (a zombie still takes signals) */
static bool
pid_gone(void *arg)
{
	pid_t pid = *(pid_t *)arg;

	return kill(pid, 0) < 0 && errno == ESRCH;
}

/* every process of the group is gone */
static bool
group_gone(void *arg)
{
	pid_t pid = *(pid_t *)arg;

	return kill(-pid, 0) < 0 && errno == ESRCH;
}

static bool
output_full(void *arg)
{
	return ((struct command *)arg)->out_bytes >= OUT_CAP;
}

/* --------------------------------------------------------------- tests */

/* a line through the user's shell: its streams apart, its exit code */
START_TEST(test_streams_exit_code)
{
	char sh[ID_MAX], cmd[ID_MAX];
	struct output o;

	create_in(sh, NULL, false);
	/* the Create waited for its login session */
	ck_assert_int_eq(mock_sessions.opened, 1);
	ck_assert_int_eq(mock_sessions.open, 1);
	command(sh, "echo out; echo err >&2; echo \"session $MOCK_SESSION\"; "
	    "exit 3", cmd);
	/* spawned through the host, as the user, by the user's shell */
	ck_assert_int_eq(mock_spawned.count, 1);
	ck_assert_uint_eq(mock_spawned.uid, 1000);
	ck_assert_str_eq(mock_spawned.path, "/bin/sh");
	ck_assert_str_eq(mock_spawned.argv[1], "-l");
	ck_assert_str_eq(mock_spawned.argv[2], "-c");
	receive_all(sh, cmd, &o);
	ck_assert_str_eq((char *)o.data[0], "out\nsession 1\n");
	ck_assert_str_eq((char *)o.data[1], "err\n");
	ck_assert_int_eq(o.exit_code, 3);
	ck_assert(mock_log_contains("exited with code 3"));
	output_free(&o);

	/* killed by a signal: 128 + its number, as a shell reports it */
	run_line(sh, "kill -TERM $$", &o, cmd);
	ck_assert_int_eq(o.exit_code, 128 + SIGTERM);
	output_free(&o);
	delete_ok(sh);
	ck_assert_int_eq(mock_sessions.open, 0);
}
END_TEST

/* stdin from Send, in pieces, closed by End */
START_TEST(test_stdin)
{
	char sh[ID_MAX], cmd[ID_MAX];
	struct output o;

	create(sh);
	command(sh, "tr a-z A-Z; echo \"rc $?\"", cmd);
	send_ok(sh, cmd, "hello ", false);
	send_ok(sh, cmd, "world", true);
	receive_all(sh, cmd, &o);
	ck_assert_str_eq((char *)o.data[0], "HELLO WORLDrc 0\n");
	ck_assert_int_eq(o.exit_code, 0);
	output_free(&o);
	delete_ok(sh);
}
END_TEST

/* a Receive with nothing to say waits, and is answered by the output */
START_TEST(test_receive_waits)
{
	char sh[ID_MAX], cmd[ID_MAX];
	struct winrmd_op *op;
	struct output o = { 0 };

	create(sh);
	command(sh, "read x; echo \"got $x\"", cmd);
	op = receive_op(sh, cmd);
	ck_assert_int_eq(mock_run(plug, pstate, op), WINRMD_PENDING);
	ck_assert(!op->completed);
	/* the shell is not idle while a Receive waits */
	send_ok(sh, cmd, "ping\n", true);
	ck_assert(mock_loop_until(completed, op, WAIT_MS));
	take(&o, op);
	mock_op_free(op);
	while (!o.done)
		receive_once(sh, cmd, &o, 0);
	ck_assert_uint_eq(o.len[0], 9);
	ck_assert_int_eq(memcmp(o.data[0], "got ping\n", 9), 0);
	ck_assert_int_eq(o.exit_code, 0);
	output_free(&o);
	delete_ok(sh);
}
END_TEST

/*
 * No news before OperationTimeout: w:TimedOut a little before it runs out.
 * terminate then ends the command's process group, and the command is gone.
 */
START_TEST(test_timeout_terminate)
{
	char sh[ID_MAX], cmd[ID_MAX];
	struct winrmd_op *op;
	struct command *c;
	pid_t pid;

	create(sh);
	command(sh, "sleep 60 & sleep 60", cmd);
	ck_assert_ptr_nonnull(c = find(cmd));
	pid = c->child.pid;
	ck_assert_int_gt(pid, 0);
	op = receive_op(sh, cmd);
	op->timeout_ms = 4000;
	ck_assert_int_eq(mock_run(plug, pstate, op), WINRMD_PENDING);
	mock_advance(2999);
	ck_assert(!op->completed);
	mock_advance(1);	/* a quarter (at most 5 s) before the timeout */
	ck_assert(op->completed);
	ck_assert_int_eq(op->fault, WINRMD_FAULT_TIMED_OUT);
	mock_op_free(op);

	/* a Receive waiting when terminate comes is answered too */
	op = receive_op(sh, cmd);
	ck_assert_int_eq(mock_run(plug, pstate, op), WINRMD_PENDING);
	signal_ok(sh, cmd, WINRMD_NS_SHELL "/signal/terminate");
	ck_assert(op->completed);
	ck_assert_int_eq(op->fault, WINRMD_FAULT_UNEXPECTED_SELECTORS);
	mock_op_free(op);
	/* the group is killed: the leader and its background sleep */
	ck_assert(mock_loop_until(pid_gone, &pid, WAIT_MS));
	ck_assert_msg(mock_loop_until(group_gone, &pid, WAIT_MS),
	    "a process of the group lives on");
	ck_assert_ptr_null(find(cmd));
	op = receive_op(sh, cmd);
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_UNEXPECTED_SELECTORS);
	mock_op_free(op);
	delete_ok(sh);
}
END_TEST

/* ctrl_c is SIGINT to the group: the command's trap runs, it exits */
START_TEST(test_ctrl_c)
{
	char sh[ID_MAX], cmd[ID_MAX];
	struct winrmd_op *op;
	struct output o = { 0 };

	create(sh);
	command(sh, "trap 'echo caught; exit 7' INT; echo ready; "
	    "while :; do sleep 0.05; done", cmd);
	/* wait until the trap is set */
	while (o.len[0] < 6)
		receive_once(sh, cmd, &o, 0);
	signal_ok(sh, cmd, WINRMD_NS_SHELL "/signal/ctrl_c");
	while (!o.done)
		receive_once(sh, cmd, &o, 0);
	ck_assert_uint_eq(o.len[0], 13);
	ck_assert_int_eq(memcmp(o.data[0], "ready\ncaught\n", 13), 0);
	ck_assert_int_eq(o.exit_code, 7);
	output_free(&o);

	/* codes WinRS does not know, commands that do not exist */
	op = signal_op(sh, cmd, "http://example.com/signal/nothing");
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_INVALID_PARAMETER);
	mock_op_free(op);
	op = signal_op(sh, "00000000-0000-0000-0000-000000000000",
	    WINRMD_NS_SHELL "/signal/terminate");
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_UNEXPECTED_SELECTORS);
	mock_op_free(op);
	delete_ok(sh);
}
END_TEST

/*
 * Output larger than a Receive carries: each Receive within
 * MaxEnvelopeSize, every byte once and in order; unread output stops at
 * the buffer bound (the child waits) instead of growing.
 */
START_TEST(test_output_bounds)
{
	char sh[ID_MAX], cmd[ID_MAX];
	struct command *c;
	struct output o;

	create(sh);
	command(sh, "i=0; while [ $i -lt 2000 ]; do "
	    "printf '%05d:0123456789abcdef0123456789abcdef\\n' $i; "
	    "i=$((i+1)); done", cmd);
	receive_all_in(sh, cmd, &o, 8192);
	ck_assert_uint_eq(o.len[0], 2000 * 39);
	for (int i = 0; i < 2000; i++) {
		char line[40];

		snprintf(line, sizeof(line),
		    "%05d:0123456789abcdef0123456789abcdef\n", i);
		ck_assert_int_eq(memcmp(o.data[0] + i * 39, line, 39), 0);
	}
	/* (8192 - 2048) / 4 * 3 bytes of output at most in each */
	ck_assert_uint_le(o.most, 4608);
	ck_assert_uint_ge(o.receives, 2000 * 39 / 4608);
	ck_assert_int_eq(o.exit_code, 0);
	output_free(&o);

	command(sh, "head -c 3000000 /dev/zero", cmd);
	ck_assert_ptr_nonnull(c = find(cmd));
	ck_assert(mock_loop_until(output_full, c, WAIT_MS));
	mock_loop_for(200);
	/* the buffer stops at OUT_CAP (and one read), the child waits */
	ck_assert_uint_le(c->out_bytes, OUT_CAP + OUT_CHUNK);
	ck_assert(!c->exited);
	receive_all(sh, cmd, &o);
	ck_assert_uint_eq(o.len[0], 3000000);
	ck_assert_int_eq(o.exit_code, 0);
	output_free(&o);
	delete_ok(sh);
}
END_TEST

static bool
drained(void *arg)
{
	const struct command *c = arg;

	return c->eof[ST_STDOUT] && c->eof[ST_STDERR];
}

/*
 * Output of both streams in turns, many runs of a few bytes waiting for
 * one Receive: each run's element costs its own tags, and every answer
 * still fits MaxEnvelopeSize (past it the daemon answers an EncodingLimit
 * fault, and the output taken would be lost); every byte once, in order.
 * The daemon's header adds a:To and a:RelatesTo (150 bytes) to the mock's.
 */
START_TEST(test_output_runs)
{
	char sh[ID_MAX], cmd[ID_MAX];
	struct command *c;
	struct output o;

	create(sh);
	command(sh, "i=0; while [ $i -lt 60 ]; do printf 0123456789; "
	    "printf abcdefghij >&2; sleep 0.005; i=$((i+1)); done", cmd);
	ck_assert_ptr_nonnull(c = find(cmd));
	ck_assert(mock_loop_until(drained, c, WAIT_MS));
	memset(&o, 0, sizeof(o));
	while (!o.done) {
		struct winrmd_op *op = receive_op(sh, cmd);
		char *text;

		op->max_envelope = 4096;
		run(op);
		ck_assert_ptr_nonnull(text = mock_reply_text(op));
		ck_assert_msg(strlen(text) + 150 <= 4096, "%zu bytes",
		    strlen(text));
		free(text);
		take(&o, op);
		mock_op_free(op);
		ck_assert_uint_lt(o.receives, 100);
	}
	ck_assert_uint_eq(o.len[0], 600);
	ck_assert_uint_eq(o.len[1], 600);
	for (int i = 0; i < 60; i++) {
		ck_assert_int_eq(memcmp(o.data[0] + i * 10, "0123456789", 10), 0);
		ck_assert_int_eq(memcmp(o.data[1] + i * 10, "abcdefghij", 10), 0);
	}
	output_free(&o);
	delete_ok(sh);
}
END_TEST

/*
 * Output encoded ahead (ahead.c): after an answer, the next run's text is
 * made at the loop's next pass and the next Receive copies it; runs that
 * end before the envelope is full continue the base64 after it; a Receive
 * with less room than the one before drops it.  Every byte once, in
 * order, on both streams.
 */
START_TEST(test_receive_ahead)
{
	char sh[ID_MAX], cmd[ID_MAX];
	struct command *c;
	static const struct {
		int		 per_block;
		const char	*text;
	} lines[2] = {
		{ 125, "0123456789abcdef0123456789abcdef" },
		{ 25, "ERRORerrorERRORerrorERRORerrorER" },
	};
	struct output o;
	unsigned long taken = shell_state()->ahead_taken;
	unsigned used = 0;

	create(sh);
	/* 40 blocks of 5,000 bytes of stdout, then 1,000 of stderr */
	command(sh, "i=0; while [ $i -lt 40 ]; do j=0; while [ $j -lt 125 ]; "
	    "do printf '%02d:%03d:0123456789abcdef0123456789abcdef\\n' $i $j; "
	    "j=$((j+1)); done; j=0; while [ $j -lt 25 ]; do "
	    "printf '%02d:%03d:ERRORerrorERRORerrorERRORerrorER\\n' $i $j >&2; "
	    "j=$((j+1)); done; i=$((i+1)); done", cmd);
	ck_assert_ptr_nonnull(c = find(cmd));
	ck_assert(mock_loop_until(drained, c, WAIT_MS));
	memset(&o, 0, sizeof(o));
	while (!o.done) {
		struct winrmd_op *op = receive_op(sh, cmd);

		/* every fifth with less room than the one before */
		op->max_envelope = o.receives % 5 == 4 ? 6144 : 8192;
		used += ahead_ready(c);
		run(op);
		take(&o, op);
		mock_op_free(op);
		ck_assert_uint_lt(o.receives, 1000);
		if (o.done)
			break;
		/* the loop's next pass: the rest is encoded ahead */
		mock_loop_for(1);
		ck_assert_msg(ahead_ready(c) || c->out_bytes == 0,
		    "nothing encoded ahead after Receive %u (%zu bytes left)",
		    o.receives, c->out_bytes);
	}
	ck_assert_uint_eq(o.len[0], 40 * 125 * 40);
	ck_assert_uint_eq(o.len[1], 40 * 25 * 40);
	for (int st = 0; st < 2; st++)
		for (int i = 0; i < 40; i++)
			for (int j = 0; j < lines[st].per_block; j++) {
				char line[48];
				size_t at = (size_t)(i * lines[st].per_block +
				    j) * 40;

				snprintf(line, sizeof(line), "%02d:%03d:%s\n",
				    i, j, lines[st].text);
				ck_assert_int_eq(memcmp(o.data[st] + at, line,
				    40), 0);
			}
	/* most Receives took text made ahead: each one that found it ready
	 * but the fifth ones, with less room */
	ck_assert_uint_ge(used, o.receives / 2);
	ck_assert_uint_ge(shell_state()->ahead_taken - taken, used * 3 / 4);
	ck_assert_int_eq(o.exit_code, 0);
	output_free(&o);
	delete_ok(sh);
}
END_TEST

/* stdin a command does not read is bounded per command and per user */
START_TEST(test_stdin_bounds)
{
	char sh[ID_MAX], cmd[ID_MAX];
	static unsigned char block[200 * 1024];
	struct winrmd_op *op, *op2;
	struct command *c;
	size_t held;

	memset(block, 'x', sizeof(block));
	create(sh);
	command(sh, "sleep 60", cmd);
	ck_assert_ptr_nonnull(c = find(cmd));
	/* the first fits (the pipe takes some, the rest is held) */
	op = send_op(sh, cmd, block, sizeof(block), false);
	run(op);
	mock_assert_ok(op);
	mock_op_free(op);
	held = c->in_len;
	ck_assert_uint_gt(held, 0);
	ck_assert_uint_le(held, sizeof(block));
	/* the second passes IN_HIGH_WATER: it waits for the child to read */
	op = send_op(sh, cmd, block, sizeof(block), false);
	op->timeout_ms = 4000;
	ck_assert_int_eq(mock_run(plug, pstate, op), WINRMD_PENDING);
	/* one Send at a time */
	op2 = send_op(sh, cmd, "y", 1, false);
	run(op2);
	mock_assert_fault(op2, WINRMD_FAULT_QUOTA_MAX_OPERATIONS);
	mock_op_free(op2);
	/* nothing read within the timeout: refused, and not kept */
	mock_advance(3000);
	ck_assert(op->completed);
	ck_assert_int_eq(op->fault, WINRMD_FAULT_QUOTA_LIMIT);
	ck_assert_uint_eq(c->in_len, held);
	mock_op_free(op);
	/* the user's bound (MaxStdinPerUserMB = 1): refused at once */
	{
		static unsigned char big[950 * 1024];

		memset(big, 'z', sizeof(big));
		op = send_op(sh, cmd, big, sizeof(big), false);
		run(op);
		mock_assert_fault(op, WINRMD_FAULT_QUOTA_LIMIT);
		ck_assert_ptr_nonnull(strstr(op->reason, "MaxStdinPerUserMB"));
		ck_assert_uint_eq(c->in_len, held);
		mock_op_free(op);
	}
	ck_assert_uint_eq(user_stdin_held(shell_state()->shells, 1000), held);
	signal_ok(sh, cmd, WINRMD_NS_SHELL "/signal/terminate");
	ck_assert_uint_eq(user_stdin_held(shell_state()->shells, 1000), 0);
	delete_ok(sh);
}
END_TEST

/* MaxProcessesPerShell, MaxProcessesPerUser, MaxCommandsPerShell */
START_TEST(test_process_quotas)
{
	char a[ID_MAX], b[ID_MAX], cmd[4][ID_MAX], done[ID_MAX];
	struct winrmd_op *op;
	struct output o;

	create(a);
	create(b);
	for (int i = 0; i < 3; i++)
		command(a, "sleep 60", cmd[i]);
	op = command_op(a, "sleep 60");
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_QUOTA_LIMIT);
	ck_assert_ptr_nonnull(strstr(op->reason, "MaxProcessesPerShell"));
	mock_op_free(op);
	ck_assert_int_eq(mock_spawned.count, 3);
	/* the user's fourth, in the other shell; not a fifth */
	command(b, "sleep 60", cmd[3]);
	op = command_op(b, "sleep 60");
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_QUOTA_LIMIT);
	ck_assert_ptr_nonnull(strstr(op->reason, "MaxProcessesPerUser"));
	mock_op_free(op);
	/* one ends: room for another */
	signal_ok(a, cmd[0], WINRMD_NS_SHELL "/signal/terminate");
	run_line(a, "echo again", &o, done);
	ck_assert_str_eq((char *)o.data[0], "again\n");
	output_free(&o);
	/* a finished command still counts against MaxCommandsPerShell (8)
	 * until it is terminated: a holds 3 */
	for (int i = 0; i < 5; i++) {
		char id[ID_MAX];

		run_line(a, "true", &o, id);
		output_free(&o);
	}
	op = command_op(a, "true");
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_QUOTA_MAX_OPERATIONS);
	mock_op_free(op);
	delete_ok(a);
	delete_ok(b);
}
END_TEST

/* a shell nobody uses for IdleTimeout goes, with its commands */
START_TEST(test_idle_timeout)
{
	char sh[ID_MAX], busy[ID_MAX], cmd[ID_MAX];
	struct winrmd_op *op, *wait;
	struct command *c;
	pid_t pid;

	mock_conf_set("Winrs.IdleTimeout", "5000");
	create(sh);
	create(busy);
	command(sh, "sleep 60", cmd);
	ck_assert_ptr_nonnull(c = find(cmd));
	pid = c->child.pid;
	/* a Receive waiting (up to 60 s) keeps the other shell in use */
	command(busy, "sleep 60", cmd);
	wait = receive_op(busy, cmd);
	ck_assert_int_eq(mock_run(plug, pstate, wait), WINRMD_PENDING);
	mock_advance(4999);
	ck_assert_uint_eq(shell_state()->nshells, 2);
	mock_advance(2);
	ck_assert_uint_eq(shell_state()->nshells, 1);
	ck_assert(mock_log_contains("idle timeout"));
	ck_assert(!wait->completed);
	/* its command's processes went, and so did its login session */
	ck_assert(mock_loop_until(pid_gone, &pid, WAIT_MS));
	ck_assert_int_eq(mock_sessions.open, 1);
	op = receive_op(sh, cmd);
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_SHELL_NOT_FOUND);
	mock_op_free(op);
	/* Delete answers the waiting Receive */
	delete_ok(busy);
	ck_assert(wait->completed);
	ck_assert_int_eq(wait->fault, WINRMD_FAULT_SHELL_NOT_FOUND);
	mock_op_free(wait);
	ck_assert_int_eq(mock_sessions.open, 0);
}
END_TEST

/* what the client reads is in the shell's codepage */
START_TEST(test_codepage)
{
	char sh[ID_MAX], cmd[ID_MAX];
	struct output o;

	create_in(sh, "1252", true);
	/* "café €" in UTF-8; ✓ has no CP1252 form */
	run_line(sh, "printf 'caf\\303\\251 \\342\\202\\254 \\342\\234\\223'",
	    &o, cmd);
	ck_assert_uint_eq(o.len[0], 8);
	ck_assert_int_eq(memcmp(o.data[0], "caf\xe9 \x80 ?", 8), 0);
	output_free(&o);
	delete_ok(sh);
	create_in(sh, "65001", true);
	run_line(sh, "printf 'caf\\303\\251'", &o, cmd);
	ck_assert_str_eq((char *)o.data[0], "caf\xc3\xa9");
	output_free(&o);
	delete_ok(sh);
}
END_TEST

/* a spawn the host refuses is a fault that says why */
START_TEST(test_spawn_refused)
{
	char sh[ID_MAX];
	struct winrmd_op *op;

	create(sh);
	mock_spawned.force = -EAGAIN;
	op = command_op(sh, "true");
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_QUOTA_LIMIT);
	ck_assert_ptr_nonnull(strstr(op->reason, "reached their limit"));
	mock_op_free(op);
	mock_spawned.force = -ENOENT;
	op = command_op(sh, "true");
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_INVALID_PARAMETER);
	mock_op_free(op);
	mock_spawned.force = 0;
	ck_assert_uint_eq(shell_state()->shells->ncommands, 0);
	delete_ok(sh);
	/* an account that may not run processes gets no shell */
	mock_spawned.refuse = "its login shell is /usr/sbin/nologin";
	op = shell_op(WINRMD_ACTION_CREATE, NULL, "<rsp:Shell " NS "/>");
	run(op);
	mock_assert_fault(op, WINRMD_FAULT_ACCESS_DENIED);
	ck_assert_ptr_nonnull(strstr(op->reason, "nologin"));
	mock_op_free(op);
	ck_assert_int_eq(mock_sessions.opened, 1);
}
END_TEST

static Suite *
shell_core_suite(void)
{
	Suite *s = suite_create("shell_core");
	TCase *tc = tcase_create("command");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_streams_exit_code);
	tcase_add_test(tc, test_stdin);
	tcase_add_test(tc, test_receive_waits);
	tcase_add_test(tc, test_timeout_terminate);
	tcase_add_test(tc, test_ctrl_c);
	tcase_add_test(tc, test_output_bounds);
	tcase_add_test(tc, test_output_runs);
	tcase_add_test(tc, test_receive_ahead);
	tcase_add_test(tc, test_stdin_bounds);
	tcase_add_test(tc, test_process_quotas);
	tcase_add_test(tc, test_idle_timeout);
	tcase_add_test(tc, test_codepage);
	tcase_add_test(tc, test_spawn_refused);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(shell_core_suite)
