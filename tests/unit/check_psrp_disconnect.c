/*
 * check_psrp_disconnect.c: disconnected runspace pools
 * (plugins/shell/psrp_disconnect.c) on the mock host, with a shell table
 * made by hand: the state machine's verdict for every operation, state
 * and caller; Disconnect (IdleTimeOut, BufferMode), Reconnect and Connect
 * (of the pool with connectXml, of a pipeline) and their faults; the
 * connectXml handshake (what it accepts, what it answers); the per-user
 * output bound and the pipes that may grow under it; a half-sent message
 * sent again whole.
 */
#include "build.h"

#include <string.h>

#include "b64.h"
#include "mock_host.h"
#include "psrp.h"
#include "shell.h"
#include "unit.h"

#define PS	"http://schemas.microsoft.com/powershell/Microsoft.PowerShell"
#define CMD	"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
#define RSP	"xmlns:rsp=\"" WINRMD_NS_SHELL "\""
#define POOL_ID	"B2E1C91B-A3AA-41B4-B346-405E6A90005B"
#define PIPE_ID	"356E6DC2-6889-4305-9FE6-8B03F44D7210"

const struct winrmd_host *host = &mock_host;
static struct plugin_state st;
static struct psrp_pool pool;
static struct command cmd;	/* a pipeline of the pool */
static struct command cmd2;	/* another, in test_grow_bound */
static struct shell *sh;
static unsigned resumed, piped, touched, pool_connects, shrunk;

/* ------------------------------------- what the rest of the plugin gives */

struct plugin_state *
shell_state(void)
{
	return &st;
}

int
shell_not_found(struct winrmd_op *op, const char *id)
{
	return host->op_fault(op, WINRMD_FAULT_SHELL_NOT_FOUND, NULL,
	    "no shell %s", id);
}

const char *
shell_op_id(struct winrmd_op *op, int *ret)
{
	const char *id = host->op_selector(op, "ShellId");

	if (id == NULL)
		*ret = host->op_fault(op, WINRMD_FAULT_INSUFFICIENT_SELECTORS,
		    NULL, NULL);
	return id;
}

bool
psrp_uri(const char *uri)
{
	return strncasecmp(uri, PSRP_URI_PREFIX, strlen(PSRP_URI_PREFIX)) == 0;
}

void
shell_touch(struct shell *s)
{
	(void)s;
	touched++;
}

uint64_t
shell_parse_idle(const char *s, uint64_t max)
{
	unsigned long long v;

	if (sscanf(s, "PT%lluS", &v) != 1 || v == 0 || v * 1000 > max)
		return max;
	return v * 1000;
}

void
command_end_receive(struct command *c, enum winrmd_fault fault,
    const char *why)
{
	(void)c;
	(void)fault;
	(void)why;
}

void
command_resume_output(struct command *c)
{
	(void)c;
	resumed++;
}

void
command_pipes_shrink(struct command *c)
{
	/* a pipe holding more than 64 KiB: it stays as it is */
	ck_assert(c == &cmd || c == &cmd2);
	ck_assert(pool.disconnected);	/* the bound holds while it reads */
	shrunk++;
}

void
command_poke(struct command *c)
{
	(void)c;
}

unsigned
psrp_pool_busy(const struct psrp_pool *p)
{
	(void)p;
	return 1;
}

int
psrp_pool_connected(struct psrp_pool *p)
{
	psrp_outq_clear(&p->q);
	pool_connects++;
	return 0;
}

void
psrp_pipeline_connected(struct command *c)
{
	ck_assert_ptr_eq(c, &cmd);
	piped++;
}

/* ------------------------------------------------------------ fixtures */

static void
setup(void)
{
	memset(&st, 0, sizeof(st));
	memset(&pool, 0, sizeof(pool));
	memset(&cmd, 0, sizeof(cmd));
	memset(&cmd2, 0, sizeof(cmd2));
	sh = calloc(1, sizeof(*sh));
	ck_assert_ptr_nonnull(sh);
	snprintf(sh->id, sizeof(sh->id), "%s", POOL_ID);
	sh->user.p.uid = 1000;
	sh->user.name = strdup("alice");
	sh->input_streams = strdup("stdin pr");
	sh->output_streams = strdup("stdout");
	sh->idle_ms = 7200000;
	sh->psrp = &pool;
	sh->commands = &cmd;
	snprintf(cmd.id, sizeof(cmd.id), "%s", PIPE_ID);
	cmd.shell = sh;
	pool.sh = sh;
	pool.state = PSRP_POOL_OPENED;
	pool.min_rs = pool.max_rs = 1;
	ck_assert_int_eq(psrp_guid_parse(POOL_ID, &pool.rpid), 0);
	st.shells = sh;
	mock_conf_set("Winrs.AllowRemoteShellAccess", "true");
	mock_conf_set("Winrs.IdleTimeout", "7200000");
	mock_conf_set("Winrs.MaxDisconnectedOutputPerUserMB", "1");
	resumed = piped = touched = pool_connects = shrunk = 0;
}

static void
teardown(void)
{
	psrp_outq_clear(&pool.q);
	free(sh->user.name);
	free(sh->input_streams);
	free(sh->output_streams);
	free(sh);
	mock_reset();
}

static struct winrmd_op *
op_on(const char *what, const char *uri, const char *body, uid_t uid)
{
	struct winrmd_op *op = mock_op(WINRMD_NS_SHELL "/" "Disconnect", uri,
	    body);

	free(op->action);
	op->action = strdup(what);
	mock_op_selector(op, "ShellId", POOL_ID);
	if (uid != 1000)
		mock_op_user(op, "bob", uid);
	return op;
}

static struct winrmd_op *
run(int (*fn)(struct winrmd_op *, void *), const char *what,
    const char *body, uid_t uid)
{
	struct winrmd_op *op = op_on(what, PS, body, uid);

	op->status = fn(op, NULL);
	return op;
}

/* fragments of a client's SESSION_CAPABILITY and CONNECT_RUNSPACEPOOL */
static uint8_t *
connect_xml(const char *version, const char *rpid, const char *connect,
    size_t *ret_len)
{
	static const char cap_fmt[] = "<Obj RefId=\"0\"><MS><Version "
	    "N=\"protocolversion\">%s</Version><Version N=\"PSVersion\">2.0"
	    "</Version><Version N=\"SerializationVersion\">1.1.0.1</Version>"
	    "</MS></Obj>";
	struct psrp_guid g;
	char cap[512];
	uint8_t *m1, *m2, *f1, *f2, *out;
	size_t l1, l2, fl1, fl2;

	ck_assert_int_eq(psrp_guid_parse(rpid, &g), 0);
	snprintf(cap, sizeof(cap), cap_fmt, version);
	m1 = psrp_msg_encode(PSRP_DEST_SERVER, PSRP_SESSION_CAPABILITY, &g,
	    NULL, cap, strlen(cap), false, &l1);
	m2 = psrp_msg_encode(PSRP_DEST_SERVER, PSRP_CONNECT_RUNSPACEPOOL, &g,
	    NULL, connect, strlen(connect), false, &l2);
	f1 = psrp_frag_all(1, m1, l1, 32768, &fl1);
	f2 = psrp_frag_all(2, m2, l2, 32768, &fl2);
	ck_assert_ptr_nonnull(f1);
	ck_assert_ptr_nonnull(f2);
	out = malloc(fl1 + fl2);
	memcpy(out, f1, fl1);
	memcpy(out + fl1, f2, fl2);
	*ret_len = fl1 + fl2;
	free(m1);
	free(m2);
	free(f1);
	free(f2);
	return out;
}

/* the messages of an answer, defragmented: their types and bodies */
static int
answer_messages(const uint8_t *a, size_t len, uint32_t types[4],
    char *bodies[4], uint64_t oids[4])
{
	struct psrp_defrag *d = psrp_defrag_new(1 << 20);
	uint8_t *msg;
	size_t mlen;
	int n = 0;

	ck_assert_int_eq(psrp_defrag_feed(d, a, len), 0);
	while (n < 4 && psrp_defrag_next(d, &msg, &mlen, &oids[n]) == 1) {
		struct psrp_msg m;

		ck_assert_int_eq(psrp_msg_decode(msg, mlen, &m), 0);
		ck_assert_uint_eq(m.pm_destination, PSRP_DEST_CLIENT);
		ck_assert(psrp_guid_equal(&m.pm_rpid, &pool.rpid));
		types[n] = m.pm_type;
		bodies[n] = strndup((const char *)m.pm_data, m.pm_len);
		free(msg);
		n++;
	}
	psrp_defrag_free(d);
	return n;
}

/* ------------------------------------------------------- the verdicts */

START_TEST(test_decide)
{
	static const struct {
		enum psrp_link_op op;
		enum psrp_link_verdict conn, disc;
	} owner[] = {
		{ PSRP_LINK_DISCONNECT, PSRP_LINK_OK, PSRP_LINK_IGNORE },
		{ PSRP_LINK_RECONNECT, PSRP_LINK_IGNORE, PSRP_LINK_OK },
		{ PSRP_LINK_CONNECT_POOL, PSRP_LINK_CONNECTED, PSRP_LINK_OK },
		{ PSRP_LINK_CONNECT_PIPELINE, PSRP_LINK_OK,
		  PSRP_LINK_DISCONNECTED },
		{ PSRP_LINK_USE, PSRP_LINK_OK, PSRP_LINK_DISCONNECTED },
		{ PSRP_LINK_DELETE, PSRP_LINK_OK, PSRP_LINK_OK },
	};

	for (size_t i = 0; i < sizeof(owner) / sizeof(owner[0]); i++) {
		enum psrp_link_verdict other = owner[i].op ==
		    PSRP_LINK_CONNECT_POOL || owner[i].op == PSRP_LINK_RECONNECT ?
		    PSRP_LINK_ACCESS_DENIED : PSRP_LINK_NOT_FOUND;

		ck_assert_int_eq(psrp_link_decide(owner[i].op, false, true),
		    owner[i].conn);
		ck_assert_int_eq(psrp_link_decide(owner[i].op, true, true),
		    owner[i].disc);
		/* another user: the same whatever the state */
		ck_assert_int_eq(psrp_link_decide(owner[i].op, false, false),
		    other);
		ck_assert_int_eq(psrp_link_decide(owner[i].op, true, false),
		    other);
	}
}
END_TEST

/* ----------------------------------------------------------- handshake */

START_TEST(test_connect_answer)
{
	size_t len, alen;
	uint8_t *x = connect_xml("2.3", POOL_ID, "<S />", &len), *a;
	uint32_t types[4];
	char *bodies[4], err[256];
	uint64_t oids[4];
	int n;

	pool.next_object = 7;
	ck_assert_int_eq(psrp_connect_answer(&pool, x, len, &a, &alen, err,
	    sizeof(err)), 0);
	n = answer_messages(a, alen, types, bodies, oids);
	ck_assert_int_eq(n, 2);
	ck_assert_uint_eq(types[0], PSRP_SESSION_CAPABILITY);
	ck_assert_ptr_nonnull(strstr(bodies[0], "protocolversion\">2.3<"));
	ck_assert_uint_eq(types[1], PSRP_RUNSPACEPOOL_INIT_DATA);
	ck_assert_ptr_nonnull(strstr(bodies[1], "<I32 N=\"MinRunspaces\">1<"));
	ck_assert_ptr_nonnull(strstr(bodies[1], "<I32 N=\"MaxRunspaces\">1<"));
	/* numbered on from the pool's messages, as Windows numbers them */
	ck_assert_uint_eq(oids[0], 8);
	ck_assert_uint_eq(oids[1], 9);
	for (int i = 0; i < n; i++)
		free(bodies[i]);
	free(a);
	free(x);

	/* CONNECT_RUNSPACEPOOL with a range sets it */
	x = connect_xml("2.2", POOL_ID, "<Obj RefId=\"0\"><MS><I32 "
	    "N=\"MinRunspaces\">2</I32><I32 N=\"MaxRunspaces\">4</I32></MS>"
	    "</Obj>", &len);
	ck_assert_int_eq(psrp_connect_answer(&pool, x, len, &a, &alen, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(pool.min_rs, 2);
	ck_assert_int_eq(pool.max_rs, 4);
	n = answer_messages(a, alen, types, bodies, oids);
	ck_assert_ptr_nonnull(strstr(bodies[1], "<I32 N=\"MaxRunspaces\">4<"));
	for (int i = 0; i < n; i++)
		free(bodies[i]);
	free(a);
	free(x);
}
END_TEST

START_TEST(test_connect_answer_refused)
{
	static const struct {
		const char *version, *rpid, *connect, *why;
	} bad[] = {
		{ "2.1", POOL_ID, "<S />", "older than 2.2" },
		{ "2.3", "11111111-2222-3333-4444-555555555555", "<S />",
		  "another RunspacePool" },
		{ "2.3", POOL_ID, "<Obj RefId=\"0\"><MS><I32 N=\"MinRunspaces\">"
		  "3</I32><I32 N=\"MaxRunspaces\">2</I32></MS></Obj>",
		  "not a range" },
		{ "2.3", POOL_ID, "<Obj RefId=\"0\"><MS><I32 N=\"MinRunspaces\">"
		  "0</I32></MS></Obj>", "not a range" },
		{ "2.3", POOL_ID, "<Obj", "" },
	};
	size_t len, alen;
	uint8_t *x, *a;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		x = connect_xml(bad[i].version, bad[i].rpid, bad[i].connect,
		    &len);
		err[0] = '\0';
		ck_assert_int_eq(psrp_connect_answer(&pool, x, len, &a, &alen,
		    err, sizeof(err)), -1);
		ck_assert_msg(strstr(err, bad[i].why) != NULL, "%zu: %s", i,
		    err);
		ck_assert_ptr_null(a);
		ck_assert_int_eq(pool.min_rs, 1);
		ck_assert_int_eq(pool.max_rs, 1);
		/* cut short: no whole pair of messages */
		ck_assert_int_eq(psrp_connect_answer(&pool, x, len - 3, &a,
		    &alen, err, sizeof(err)), -1);
		/* the capability alone */
		ck_assert_int_eq(psrp_connect_answer(&pool, x, 21 + 40, &a,
		    &alen, err, sizeof(err)), -1);
		free(x);
	}
	/* the messages the wrong way round */
	x = connect_xml("2.3", POOL_ID, "<S />", &len);
	{
		uint8_t *sw = malloc(len);
		size_t l1 = 21 + ((size_t)x[17] << 24 | (size_t)x[18] << 16 |
		    (size_t)x[19] << 8 | x[20]);

		memcpy(sw, x + l1, len - l1);
		memcpy(sw + len - l1, x, l1);
		ck_assert_int_eq(psrp_connect_answer(&pool, sw, len, &a, &alen,
		    err, sizeof(err)), -1);
		ck_assert_ptr_nonnull(strstr(err, "where SESSION_CAPABILITY "
		    "belongs"));
		free(sw);
	}
	/* a third message */
	{
		uint8_t *three = malloc(len * 2);
		size_t l1 = 21 + ((size_t)x[17] << 24 | (size_t)x[18] << 16 |
		    (size_t)x[19] << 8 | x[20]);

		memcpy(three, x, len);
		memcpy(three + len, x + l1, len - l1);
		ck_assert_int_eq(psrp_connect_answer(&pool, three,
		    len + len - l1, &a, &alen, err, sizeof(err)), -1);
		ck_assert_ptr_nonnull(strstr(err, "more than"));
		free(three);
	}
	free(x);
}
END_TEST

/* ------------------------------------------------------ the operations */

START_TEST(test_disconnect_reconnect)
{
	struct winrmd_op *op;

	/* a WinRS shell has no disconnect here */
	op = op_on(WINRMD_NS_SHELL "/Disconnect", CMD, NULL, 1000);
	op->status = psrp_op_disconnect(op, NULL);
	mock_assert_fault(op, WINRMD_FAULT_ACTION_NOT_SUPPORTED);
	mock_op_free(op);
	/* BufferMode is Block or Drop */
	op = run(psrp_op_disconnect, WINRMD_NS_SHELL "/Disconnect",
	    "<rsp:Disconnect " RSP "><rsp:BufferMode>Keep</rsp:BufferMode>"
	    "</rsp:Disconnect>", 1000);
	mock_assert_fault(op, WINRMD_FAULT_INVALID_PARAMETER);
	ck_assert(!pool.disconnected);
	mock_op_free(op);
	/* another user finds nothing to disconnect */
	op = run(psrp_op_disconnect, WINRMD_NS_SHELL "/Disconnect", NULL, 1001);
	mock_assert_fault(op, WINRMD_FAULT_SHELL_NOT_FOUND);
	mock_op_free(op);

	ck_assert(psrp_may_grow_pipe(&cmd));
	op = run(psrp_op_disconnect, WINRMD_NS_SHELL "/Disconnect",
	    "<rsp:Disconnect " RSP "><rsp:IdleTimeOut>PT2S</rsp:IdleTimeOut>"
	    "<rsp:BufferMode>Drop</rsp:BufferMode></rsp:Disconnect>", 1000);
	mock_assert_ok(op);
	ck_assert_str_eq(op->reply_action, WINRMD_NS_SHELL "/DisconnectResponse");
	ck_assert(pool.disconnected);
	/* its pipeline's pipes shrink back, and grow no more */
	ck_assert_uint_eq(shrunk, 2);
	ck_assert(!psrp_may_grow_pipe(&cmd));
	ck_assert_uint_eq(sh->idle_ms, 2000);
	ck_assert(mock_log_contains("Drop was asked for and is not served"));
	mock_op_free(op);

	/* disconnected: no Command, Send, Receive, Signal; Delete goes */
	op = op_on(WINRMD_ACTION_RECEIVE, PS, NULL, 1000);
	ck_assert_int_eq(psrp_shell_usable(op, sh), WINRMD_FAULT);
	ck_assert_int_eq(op->fault, WINRMD_FAULT_SHELL_DISCONNECTED);
	mock_op_free(op);
	op = op_on(WINRMD_ACTION_DELETE, PS, NULL, 1000);
	ck_assert_int_eq(psrp_shell_usable(op, sh), WINRMD_OK);
	mock_op_free(op);
	/* a pipeline of a disconnected pool cannot be connected to */
	op = run(psrp_op_connect, WINRMD_NS_SHELL "/Connect",
	    "<rsp:Connect " RSP " CommandId=\"" PIPE_ID "\"/>", 1000);
	mock_assert_fault(op, WINRMD_FAULT_SHELL_DISCONNECTED);
	mock_op_free(op);
	/* twice: answered, nothing changes */
	op = run(psrp_op_disconnect, WINRMD_NS_SHELL "/Disconnect", NULL, 1000);
	mock_assert_ok(op);
	ck_assert_uint_eq(sh->idle_ms, 2000);
	mock_op_free(op);

	/* another user's Reconnect: AccessDenied, logged */
	op = run(psrp_op_reconnect, WINRMD_NS_SHELL "/Reconnect", NULL, 1001);
	mock_assert_fault(op, WINRMD_FAULT_ACCESS_DENIED);
	ck_assert(mock_log_contains("Reconnect of pool " POOL_ID " of alice "
	    "by bob from 127.0.0.1 refused: not the owner"));
	ck_assert(pool.disconnected);
	mock_op_free(op);

	op = run(psrp_op_reconnect, WINRMD_NS_SHELL "/Reconnect", NULL, 1000);
	mock_assert_ok(op);
	ck_assert_str_eq(op->reply_action, WINRMD_NS_SHELL "/ReconnectResponse");
	ck_assert(!pool.disconnected);
	ck_assert_uint_eq(resumed, 1);
	ck_assert(psrp_may_grow_pipe(&cmd));
	mock_op_free(op);
	/* connected: Reconnect again is ignored, Connect is refused */
	op = run(psrp_op_reconnect, WINRMD_NS_SHELL "/Reconnect", NULL, 1000);
	mock_assert_ok(op);
	mock_op_free(op);
	op = op_on(WINRMD_ACTION_RECEIVE, PS, NULL, 1000);
	ck_assert_int_eq(psrp_shell_usable(op, sh), WINRMD_OK);
	mock_op_free(op);
	/* a pipeline of a connected pool: known or not */
	op = run(psrp_op_connect, WINRMD_NS_SHELL "/Connect",
	    "<rsp:Connect " RSP " CommandId=\"" PIPE_ID "\"/>", 1000);
	mock_assert_ok(op);
	ck_assert_uint_eq(mock_reply_count(op, "ConnectResponse"), 1);
	mock_op_free(op);
	op = run(psrp_op_connect, WINRMD_NS_SHELL "/Connect",
	    "<rsp:Connect " RSP " CommandId=\"" POOL_ID "\"/>", 1000);
	mock_assert_fault(op, WINRMD_FAULT_UNEXPECTED_SELECTORS);
	mock_op_free(op);
}
END_TEST

static struct winrmd_op *
connect_op(uid_t uid, const char *version, bool option)
{
	size_t len;
	uint8_t *x = connect_xml("2.3", POOL_ID, "<S />", &len);
	char *b64 = psrp_b64_encode(x, len), *body;
	struct winrmd_op *op;

	ck_assert_int_gt(asprintf(&body, "<rsp:Connect " RSP "><connectXml "
	    "xmlns=\"http://schemas.microsoft.com/powershell\">%s</connectXml>"
	    "</rsp:Connect>", b64), 0);
	op = op_on(WINRMD_NS_SHELL "/Connect", PS, body, uid);
	if (option)
		mock_op_option(op, "protocolversion", version, true);
	op->status = psrp_op_connect(op, NULL);
	free(body);
	free(b64);
	free(x);
	return op;
}

START_TEST(test_connect)
{
	struct winrmd_op *op;
	char *t;

	/* a pool a client holds */
	op = connect_op(1000, "2.3", true);
	mock_assert_fault(op, WINRMD_FAULT_SHELL_CONNECTED);
	ck_assert(mock_log_contains("refused: a client holds it"));
	mock_op_free(op);
	pool.disconnected = true;
	/* another user: AccessDenied */
	op = connect_op(1001, "2.3", true);
	mock_assert_fault(op, WINRMD_FAULT_ACCESS_DENIED);
	ck_assert(pool.disconnected);
	mock_op_free(op);
	/* protocolversion 2.x is needed */
	op = connect_op(1000, NULL, false);
	mock_assert_fault(op, WINRMD_FAULT_INVALID_OPTIONS);
	mock_op_free(op);
	op = connect_op(1000, "1.0", true);
	mock_assert_fault(op, WINRMD_FAULT_INVALID_OPTIONS);
	mock_op_free(op);
	/* no connectXml */
	op = run(psrp_op_connect, WINRMD_NS_SHELL "/Connect",
	    "<rsp:Connect " RSP "/>", 1000);
	mock_assert_fault(op, WINRMD_FAULT_SCHEMA_VALIDATION);
	mock_op_free(op);
	ck_assert(pool.disconnected);
	ck_assert_uint_eq(pool_connects, 0);

	op = connect_op(1000, "2.3", true);
	mock_assert_ok(op);
	ck_assert_str_eq(op->reply_action, WINRMD_NS_SHELL "/ConnectResponse");
	t = mock_reply_find(op, "InputStreams");
	ck_assert_str_eq(t, "stdin pr");
	free(t);
	t = mock_reply_find(op, "connectResponseXml");
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_gt(strlen(t), 100);
	free(t);
	ck_assert(!pool.disconnected);
	ck_assert_uint_eq(pool_connects, 1);
	ck_assert_uint_eq(piped, 1);
	ck_assert_uint_eq(resumed, 1);
	ck_assert(mock_log_contains("psrp: pool " POOL_ID " of alice connected "
	    "from 127.0.0.1 (runspaces 1 to 1)"));
	mock_op_free(op);
}
END_TEST

/* ------------------------------------------------------ the bound */

START_TEST(test_output_bound)
{
	struct shell other = { .psrp = NULL };
	struct command oc = { .out_bytes = 5u << 20 };

	/* connected: no bound here */
	cmd.out_bytes = 2u << 20;
	ck_assert(psrp_may_buffer(&cmd));
	ck_assert_uint_eq(psrp_disconnected_held(st.shells, 1000), 0);
	pool.disconnected = true;
	pool.q.bytes = 100;
	ck_assert_uint_eq(psrp_disconnected_held(st.shells, 1000),
	    (2u << 20) + 100);
	ck_assert(!psrp_may_buffer(&cmd));
	ck_assert(!psrp_may_buffer(&cmd));
	ck_assert_uint_eq(mock_log_count("bytes of output held for the user's "
	    "disconnected pools (MaxDisconnectedOutputPerUserMB 1)"), 1);
	/* below the bound it reads on */
	cmd.out_bytes = 1000;
	ck_assert(psrp_may_buffer(&cmd));
	/* a grown pipe's capacity is held output: 1000 + 1 MiB is the bound */
	cmd.pipe_cap[ST_STDOUT] = 1u << 20;
	ck_assert_uint_eq(psrp_disconnected_held(st.shells, 1000),
	    (1u << 20) + 1100);
	ck_assert(!psrp_may_buffer(&cmd));
	cmd.pipe_cap[ST_STDOUT] = 0;
	ck_assert(psrp_may_buffer(&cmd));
	/* another user's shells and a WinRS shell do not count */
	other.user.p.uid = 1001;
	other.commands = &oc;
	other.next = st.shells;
	st.shells = &other;
	ck_assert_uint_eq(psrp_disconnected_held(st.shells, 1000), 1100);
	ck_assert_uint_eq(psrp_disconnected_held(st.shells, 1001), 0);
	st.shells = sh;
	pool.q.bytes = 0;
}
END_TEST

/* drain() finding c's pipe full: grown to PIPE_BIG if it may */
static bool
grow(struct command *c)
{
	if (!psrp_may_grow_pipe(c))
		return false;
	c->pipe_cap[ST_STDOUT] = PIPE_BIG;
	return true;
}

/*
 * A pipeline's pipe grows only where the bound has room for it, counting
 * every grown pipe and the disconnected output of the user: a Disconnect
 * whose grown pipes cannot shrink leaves no more than the bound and what
 * the pool had buffered
 */
START_TEST(test_grow_bound)
{
	struct shell winrs = { .psrp = NULL }, other = { .psrp = NULL };
	struct psrp_pool opool = { .disconnected = true };
	struct command wc = { .shell = &winrs }, oc = { .shell = &other };
	struct winrmd_op *op;
	size_t buffered;

	cmd.next = &cmd2;
	cmd2.shell = sh;
	/* a WinRS command's pipe grows whatever the bound */
	winrs.user.p.uid = 1000;
	winrs.commands = &wc;
	winrs.next = sh;
	st.shells = &winrs;
	ck_assert(grow(&wc));
	/* 1 MiB: room for one grown pipe, the WinRS one not counted */
	ck_assert(grow(&cmd));
	ck_assert(!grow(&cmd2));
	ck_assert_uint_eq(cmd2.pipe_cap[ST_STDOUT], 0);
	ck_assert_uint_eq(psrp_disconnected_held(st.shells, 1000), 0);

	/* the grown pipe keeps its room: a disconnected pool of the user
	 * reads nothing beside it */
	other.user.p.uid = 1000;
	other.user.name = "alice";
	snprintf(other.id, sizeof(other.id), "%s", PIPE_ID);
	other.psrp = &opool;
	other.commands = &oc;
	opool.sh = &other;
	sh->next = &other;
	ck_assert(!psrp_may_buffer(&oc));
	ck_assert(mock_log_contains("0 bytes of output held for the user's "
	    "disconnected pools (MaxDisconnectedOutputPerUserMB 1) and "
	    "1048576 bytes kept for the grown pipes of its connected ones"));
	/* and what a disconnected pool holds leaves less room to grow */
	mock_conf_set("Winrs.MaxDisconnectedOutputPerUserMB", "2");
	ck_assert(psrp_may_buffer(&oc));
	oc.out_bytes = 512 * 1024;
	ck_assert(!grow(&cmd2));
	oc.out_bytes = 0;
	ck_assert(grow(&cmd2));
	ck_assert(!psrp_may_buffer(&oc));
	sh->next = NULL;

	/* buffered while connected (no bound), then a Disconnect whose
	 * pipes, holding more than 64 KiB, do not shrink: held within the
	 * bound and what was buffered */
	mock_conf_set("Winrs.MaxDisconnectedOutputPerUserMB", "1");
	cmd.pipe_cap[ST_STDOUT] = cmd2.pipe_cap[ST_STDOUT] = 0;
	grow(&cmd);
	grow(&cmd2);
	cmd.out_bytes = 300000;
	cmd2.out_bytes = 200000;
	pool.q.bytes = 100;
	buffered = 300000 + 200000 + 100;
	op = run(psrp_op_disconnect, WINRMD_NS_SHELL "/Disconnect", NULL,
	    1000);
	mock_assert_ok(op);
	mock_op_free(op);
	ck_assert_uint_eq(shrunk, 4);
	ck_assert_uint_le(psrp_disconnected_held(st.shells, 1000),
	    (1u << 20) + buffered);
	ck_assert(!psrp_may_buffer(&cmd2));
	/* a disconnected pool's pipes do not grow: no client reads them */
	mock_conf_set("Winrs.MaxDisconnectedOutputPerUserMB", "16");
	ck_assert(psrp_may_buffer(&cmd2));
	ck_assert(!grow(&cmd2));
	ck_assert(grow(&wc));
	st.shells = sh;
	pool.q.bytes = 0;
}
END_TEST

/* a message half sent to the old client goes whole to the new one */
START_TEST(test_outq_rewind)
{
	struct psrp_defrag *d = psrp_defrag_new(1 << 20);
	char big[3000];
	uint8_t buf[4096], *msg;
	size_t n, mlen;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(psrp_queue(&pool, &pool.q, PSRP_PIPELINE_OUTPUT, NULL,
	    clixml_new_string(big)), 0);
	n = psrp_outq_pack(&pool.q, buf, 1000);
	ck_assert_uint_eq(n, 1000);	/* the first part, to the old client */
	psrp_outq_rewind(&pool.q);
	n = psrp_outq_pack(&pool.q, buf, sizeof(buf));
	ck_assert_int_eq(psrp_defrag_feed(d, buf, n), 0);
	ck_assert_int_eq(psrp_defrag_next(d, &msg, &mlen, NULL), 1);
	ck_assert_uint_eq(pool.q.bytes, 0);
	ck_assert_ptr_nonnull(memmem(msg, mlen, big, strlen(big)));
	free(msg);
	psrp_defrag_free(d);
	/* an empty queue, or a message not begun: nothing to do */
	psrp_outq_rewind(&pool.q);
	ck_assert_uint_eq(pool.q.bytes, 0);
}
END_TEST

static Suite *
disconnect_suite(void)
{
	Suite *s = suite_create("psrp_disconnect");
	TCase *tc = tcase_create("pure");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_decide);
	tcase_add_test(tc, test_connect_answer);
	tcase_add_test(tc, test_connect_answer_refused);
	tcase_add_test(tc, test_outq_rewind);
	suite_add_tcase(s, tc);
	tc = tcase_create("operations");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_disconnect_reconnect);
	tcase_add_test(tc, test_connect);
	tcase_add_test(tc, test_output_bound);
	tcase_add_test(tc, test_grow_bound);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(disconnect_suite)
