/*
 * psrp_disconnect.c: disconnected runspace pools (MS-WSMV 3.1.4.15-17,
 * MS-PSRP 3.1.4.9-10, 3.1.5.3.14-16).  Disconnect leaves a pool running
 * with no client: its pipelines go on, their output waits in the shell
 * core's buffers, bounded per user ([Winrs]
 * MaxDisconnectedOutputPerUserMB; at the bound the pipelines' output
 * pipes are no longer read, so their processes wait on write: BufferMode
 * Block, and nothing is lost), until its IdleTimeOut deletes it and ends
 * its processes.  Reconnect gives it back to the client that left it;
 * Connect with connectXml (SESSION_CAPABILITY + CONNECT_RUNSPACEPOOL)
 * hands it to another client process of the same user, answered with
 * SESSION_CAPABILITY and RUNSPACEPOOL_INIT_DATA in connectResponseXml and
 * APPLICATION_PRIVATE_DATA and RUNSPACEPOOL_STATE Opened on the pool's
 * next Receive, as Windows does; Connect with a CommandId then takes a
 * pipeline back, whose Receives go on from where its output was.  Another
 * user's Connect or Reconnect is refused with AccessDenied and logged.
 * The decisions (psrp_link_decide), the handshake (psrp_connect_answer)
 * and the accounting (psrp_disconnected_held) touch no host: for
 * check_psrp_disconnect.
 */
#define _GNU_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "b64.h"
#include "psrp.h"
#include "shell.h"

#define NS_PS			"http://schemas.microsoft.com/powershell"
#define ACTION_DISCONNECT	WINRMD_NS_SHELL "/Disconnect"
#define ACTION_RECONNECT	WINRMD_NS_SHELL "/Reconnect"
#define ACTION_CONNECT		WINRMD_NS_SHELL "/Connect"

/* ------------------------------------------------- the state machine */

enum psrp_link_verdict
psrp_link_decide(enum psrp_link_op op, bool disconnected, bool owner)
{
	if (!owner)
		/* taking a pool over is refused outright; anything else
		 * finds no shell, as every shell operation of another user */
		return op == PSRP_LINK_CONNECT_POOL || op == PSRP_LINK_RECONNECT ?
		    PSRP_LINK_ACCESS_DENIED : PSRP_LINK_NOT_FOUND;
	switch (op) {
	case PSRP_LINK_DISCONNECT:
		return disconnected ? PSRP_LINK_IGNORE : PSRP_LINK_OK;
	case PSRP_LINK_RECONNECT:
		/* the same client asking again: nothing to do (3.1.4.16) */
		return disconnected ? PSRP_LINK_OK : PSRP_LINK_IGNORE;
	case PSRP_LINK_CONNECT_POOL:
		return disconnected ? PSRP_LINK_OK : PSRP_LINK_CONNECTED;
	case PSRP_LINK_CONNECT_PIPELINE:
	case PSRP_LINK_USE:
		return disconnected ? PSRP_LINK_DISCONNECTED : PSRP_LINK_OK;
	case PSRP_LINK_DELETE:
		return PSRP_LINK_OK;
	}
	return PSRP_LINK_NOT_FOUND;
}

/*
 * The output held for uid's disconnected pools: their queues, their
 * commands' buffers and what their grown pipes may hold; and in *grown
 * what the grown pipes of its connected pools may hold, which a Disconnect
 * would add to it (a pipe holding more than PIPE_USUAL cannot shrink)
 */
static size_t
user_held(const struct shell *shells, uid_t uid, size_t *grown)
{
	size_t held = 0;

	*grown = 0;
	for (const struct shell *sh = shells; sh != NULL; sh = sh->next) {
		if (sh->user.p.uid != uid || sh->psrp == NULL)
			continue;
		for (const struct command *c = sh->commands; c != NULL;
		    c = c->next) {
			size_t pipes = c->pipe_cap[ST_STDOUT] +
			    c->pipe_cap[ST_STDERR];

			if (sh->psrp->disconnected)
				held += c->out_bytes + pipes;
			else
				*grown += pipes;
		}
		if (sh->psrp->disconnected)
			held += sh->psrp->q.bytes;
	}
	return held;
}

size_t
psrp_disconnected_held(const struct shell *shells, uid_t uid)
{
	size_t grown;

	return user_held(shells, uid, &grown);
}

/* one message of connectXml, the step'th: 0 or -1 with err */
static int
connect_message(struct psrp_pool *p, const uint8_t *buf, size_t len,
    int step, int32_t *min, int32_t *max, char *err, size_t errlen)
{
	struct psrp_capability cap;
	struct psrp_connect_pool cp;
	struct clixml_value *v;
	struct psrp_msg m;
	uint32_t want = step == 0 ? PSRP_SESSION_CAPABILITY :
	    PSRP_CONNECT_RUNSPACEPOOL;
	int r = -1;

	if (psrp_msg_decode(buf, len, &m) < 0) {
		snprintf(err, errlen, "a message shorter than its header");
		return -1;
	}
	if (m.pm_destination != PSRP_DEST_SERVER || m.pm_type != want) {
		snprintf(err, errlen, "connectXml holds %s where %s belongs",
		    psrp_msg_type_name(m.pm_type) ? psrp_msg_type_name(m.pm_type) :
		    "an unknown message", psrp_msg_type_name(want));
		return -1;
	}
	if (!psrp_guid_equal(&m.pm_rpid, &p->rpid)) {
		snprintf(err, errlen, "%s names another RunspacePool",
		    psrp_msg_type_name(want));
		return -1;
	}
	if ((v = clixml_read((const char *)m.pm_data, m.pm_len,
	    &clixml_default_limits, err, errlen)) == NULL)
		return -1;
	if (step == 0) {
		if (psrp_parse_capability(v, &cap, err, errlen) < 0)
			goto out;
		if (psrp_version_cmp(cap.pc_protocol_version, "2.2") < 0) {
			snprintf(err, errlen, "protocol version %.32s is older "
			    "than 2.2, the first that connects to a pool",
			    cap.pc_protocol_version);
			goto out;
		}
	} else {
		if (psrp_parse_connect_pool(v, &cp, err, errlen) < 0)
			goto out;
		if (cp.pc_min_runspaces != -1)
			*min = cp.pc_min_runspaces;
		if (cp.pc_max_runspaces != -1)
			*max = cp.pc_max_runspaces;
		if (*min < 1 || *max < *min) {
			snprintf(err, errlen, "MinRunspaces %d and MaxRunspaces "
			    "%d are not a range", *min, *max);
			goto out;
		}
	}
	r = 0;
out:
	clixml_unref(v);
	return r;
}

int
psrp_connect_answer(struct psrp_pool *p, const uint8_t *data, size_t len,
    uint8_t **ret, size_t *ret_len, char *err, size_t errlen)
{
	struct psrp_defrag *d = psrp_defrag_new(PSRP_IN_MAX);
	struct psrp_outq q = { 0 };
	int32_t min = p->min_rs, max = p->max_rs;
	int step = 0, r = 0;
	uint8_t *msg, *out;
	size_t mlen, room;

	*ret = NULL;
	if (d == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (psrp_defrag_feed(d, data, len) < 0) {
		snprintf(err, errlen, "%s", psrp_defrag_error(d));
		psrp_defrag_free(d);
		return -1;
	}
	while (r == 0 && (r = psrp_defrag_next(d, &msg, &mlen, NULL)) == 1) {
		r = step < 2 ? connect_message(p, msg, mlen, step, &min, &max,
		    err, errlen) : -1;
		if (step >= 2)
			snprintf(err, errlen, "connectXml holds more than "
			    "SESSION_CAPABILITY and CONNECT_RUNSPACEPOOL");
		OPENSSL_cleanse(msg, mlen);
		free(msg);
		step++;
	}
	psrp_defrag_free(d);
	if (r < 0)
		return -1;
	if (step != 2) {
		snprintf(err, errlen, "connectXml holds no whole "
		    "SESSION_CAPABILITY and CONNECT_RUNSPACEPOOL");
		return -1;
	}
	p->min_rs = min;
	p->max_rs = max;
	/* both answers, numbered on from the pool's other messages */
	if (psrp_queue(p, &q, PSRP_SESSION_CAPABILITY, NULL,
	    psrp_build_capability()) < 0 ||
	    psrp_queue(p, &q, PSRP_RUNSPACEPOOL_INIT_DATA, NULL,
	    psrp_build_pool_init_data(min, max)) < 0)
		goto nomem;
	room = q.bytes + 2 * 21;
	if ((out = malloc(room)) == NULL)
		goto nomem;
	*ret_len = psrp_outq_pack(&q, out, room);
	psrp_outq_clear(&q);	/* empty: the room holds both */
	*ret = out;
	return 0;
nomem:
	psrp_outq_clear(&q);
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* ------------------------------------------------ the output bound */

static unsigned long long
held_max(void)
{
	return (unsigned long long)host->conf_int("Winrs",
	    "MaxDisconnectedOutputPerUserMB") << 20;
}

/*
 * The bound counts the grown pipes of the user's connected pools beside
 * what its disconnected pools hold, and a pool's pipe grows only where the
 * bound has room for it: a Disconnect then brings the user's figure past
 * the bound by no more than what the pool had buffered (its pipes, even
 * those that refuse to shrink, were counted already)
 */
bool
psrp_may_buffer(const struct command *c)
{
	const struct shell *sh = c->shell;
	size_t held, grown;

	if (sh == NULL || sh->psrp == NULL || !sh->psrp->disconnected)
		return true;
	held = user_held(shell_state()->shells, sh->user.p.uid, &grown);
	if (held + grown < held_max())
		return true;
	if (!sh->psrp->bound_logged) {
		sh->psrp->bound_logged = true;
		host->log(WINRMD_LOG_NOTICE, "psrp: pool %s of %s disconnected: "
		    "%zu bytes of output held for the user's disconnected pools "
		    "(MaxDisconnectedOutputPerUserMB %llu) and %zu bytes kept for "
		    "the grown pipes of its connected ones; its pipelines wait "
		    "until a client takes their output (BufferMode Block)",
		    sh->id, sh->user.name, held, held_max() >> 20, grown);
	}
	return false;
}

bool
psrp_may_grow_pipe(const struct command *c)
{
	const struct shell *sh = c->shell;
	size_t held, grown;

	if (sh == NULL || sh->psrp == NULL)
		return true;	/* WinRS: no bound */
	if (sh->psrp->disconnected)
		return false;	/* no client reads it: the buffers do */
	held = user_held(shell_state()->shells, sh->user.p.uid, &grown);
	return held + grown + PIPE_BIG <= held_max();
}

void
psrp_disconnect_resume(uid_t uid)
{
	for (struct shell *sh = shell_state()->shells; sh != NULL;
	    sh = sh->next)
		if (sh->user.p.uid == uid && sh->psrp != NULL)
			for (struct command *c = sh->commands; c != NULL;
			    c = c->next)
				command_resume_output(c);
}

/* ------------------------------------------------------ operations */

int
psrp_shell_usable(struct winrmd_op *op, struct shell *sh)
{
	bool del = strcmp(host->op_action(op), WINRMD_ACTION_DELETE) == 0;

	if (sh->psrp == NULL || psrp_link_decide(del ? PSRP_LINK_DELETE :
	    PSRP_LINK_USE, sh->psrp->disconnected, true) == PSRP_LINK_OK)
		return WINRMD_OK;
	return host->op_fault(op, WINRMD_FAULT_SHELL_DISCONNECTED, NULL,
	    "The runspace pool %s is disconnected: Reconnect or Connect to it "
	    "first.", sh->id);
}

/* the pool of the ShellId selector for op (any owner), or a fault */
static struct shell *
find_pool(struct winrmd_op *op, enum psrp_link_op what, int *ret)
{
	const struct winrmd_principal *me = host->op_principal(op);
	const char *id;
	struct shell *sh;
	enum psrp_link_verdict v;

	*ret = WINRMD_OK;
	if (!psrp_uri(host->op_resource_uri(op))) {
		*ret = host->op_fault(op, WINRMD_FAULT_ACTION_NOT_SUPPORTED,
		    NULL, "Disconnect, Reconnect and Connect are served for "
		    "PowerShell runspace pools, not for WinRS shells.");
		return NULL;
	}
	if ((id = shell_op_id(op, ret)) == NULL)
		return NULL;
	for (sh = shell_state()->shells; sh != NULL; sh = sh->next)
		if (strcasecmp(sh->id, id) == 0 && sh->psrp != NULL)
			break;
	if (sh == NULL) {
		*ret = shell_not_found(op, id);
		return NULL;
	}
	v = psrp_link_decide(what, sh->psrp->disconnected,
	    sh->user.p.uid == me->uid);
	switch (v) {
	case PSRP_LINK_OK:
		shell_touch(sh);
		return sh;
	case PSRP_LINK_IGNORE:
		shell_touch(sh);
		*ret = WINRMD_OK;	/* answered, nothing changes */
		return NULL;
	case PSRP_LINK_NOT_FOUND:
		*ret = shell_not_found(op, id);
		return NULL;
	case PSRP_LINK_ACCESS_DENIED:
		host->log(WINRMD_LOG_NOTICE, "psrp: %s of pool %s of %s by %s "
		    "from %s refused: not the owner", what ==
		    PSRP_LINK_RECONNECT ? "Reconnect" : "Connect", sh->id,
		    sh->user.name, me->name, host->op_client_ip(op));
		*ret = host->op_fault(op, WINRMD_FAULT_ACCESS_DENIED, NULL,
		    "Access is denied: the runspace pool %s belongs to "
		    "another user.", sh->id);
		return NULL;
	case PSRP_LINK_DISCONNECTED:
		*ret = psrp_shell_usable(op, sh);
		return NULL;
	case PSRP_LINK_CONNECTED:
		host->log(WINRMD_LOG_NOTICE, "psrp: Connect to pool %s of %s "
		    "from %s refused: a client holds it", sh->id,
		    sh->user.name, host->op_client_ip(op));
		*ret = host->op_fault(op, WINRMD_FAULT_SHELL_CONNECTED, NULL,
		    "The runspace pool %s is connected to a client; it must be "
		    "disconnected before another client connects to it.",
		    sh->id);
		return NULL;
	}
	return NULL;
}

static int
empty_reply(struct winrmd_op *op, const char *action)
{
	if (host->op_reply(op, action) == NULL)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	return WINRMD_OK;
}

static void
end_receives(struct shell *sh)
{
	command_end_receive(sh->psrp->cmd, WINRMD_FAULT_TIMED_OUT,
	    "The runspace pool was disconnected.");
	for (struct command *c = sh->commands; c != NULL; c = c->next)
		command_end_receive(c, WINRMD_FAULT_TIMED_OUT,
		    "The runspace pool was disconnected.");
}

int
psrp_op_disconnect(struct winrmd_op *op, void *unused)
{
	xmlNodePtr body = host->op_body(op), n;
	uint64_t idle;
	bool drop = false;
	struct shell *sh;
	int r;

	(void)unused;
	if ((sh = find_pool(op, PSRP_LINK_DISCONNECT, &r)) == NULL)
		return r != WINRMD_OK ? r :
		    empty_reply(op, ACTION_DISCONNECT "Response");
	if (body != NULL && (body->ns == NULL || strcmp((const char *)
	    body->ns->href, WINRMD_NS_SHELL) != 0 ||
	    strcmp((const char *)body->name, "Disconnect") != 0))
		return host->op_fault(op, WINRMD_FAULT_SCHEMA_VALIDATION, NULL,
		    "A Disconnect takes an rsp:Disconnect body.");
	if (sh->psrp->state != PSRP_POOL_OPENED)
		return host->op_fault(op, WINRMD_FAULT_INVALID_PARAMETER, NULL,
		    "The runspace pool %s is not open.", sh->id);
	idle = sh->idle_ms;
	if ((n = shell_child(body, WINRMD_NS_SHELL, "IdleTimeOut")) != NULL) {
		xmlChar *t = xmlNodeGetContent(n);

		idle = shell_parse_idle(t ? (const char *)t : "",
		    (uint64_t)host->conf_int("Winrs", "IdleTimeout"));
		xmlFree(t);
	}
	if ((n = shell_child(body, WINRMD_NS_SHELL, "BufferMode")) != NULL) {
		xmlChar *t = xmlNodeGetContent(n);
		bool block = t != NULL && strcmp((const char *)t, "Block") == 0;

		drop = t != NULL && strcmp((const char *)t, "Drop") == 0;
		xmlFree(t);
		if (!block && !drop)
			return host->op_fault(op, WINRMD_FAULT_INVALID_PARAMETER,
			    NULL, "BufferMode is Block or Drop.");
	}
	end_receives(sh);
	sh->psrp->disconnected = true;
	sh->psrp->bound_logged = false;
	/* pipes grown while a client read them: back to their usual size,
	 * or counted against the bound (psrp_disconnected_held), where they
	 * had their room already (psrp_may_grow_pipe); twice, as one pipe's
	 * capacity may have kept another from being read */
	for (int pass = 0; pass < 2; pass++)
		for (struct command *c = sh->commands, *next; c != NULL;
		    c = next) {
			next = c->next;	/* its output's end may move it */
			command_pipes_shrink(c);
		}
	/* the idle timeout counts from now, with the new length */
	sh->idle_ms = idle;
	host->timer_stop(sh->idle_timer);
	sh->idle_timer = NULL;
	shell_touch(sh);
	host->log(WINRMD_LOG_INFO, "psrp: pool %s of %s disconnected by %s "
	    "(idle timeout %llu ms, BufferMode Block%s), %u pipeline(s) "
	    "running", sh->id, sh->user.name, host->op_client_ip(op),
	    (unsigned long long)idle, drop ? "; Drop was asked for and is "
	    "not served" : "", psrp_pool_busy(sh->psrp));
	return empty_reply(op, ACTION_DISCONNECT "Response");
}

int
psrp_op_reconnect(struct winrmd_op *op, void *unused)
{
	struct shell *sh;
	int r;

	(void)unused;
	if ((sh = find_pool(op, PSRP_LINK_RECONNECT, &r)) == NULL)
		return r != WINRMD_OK ? r :
		    empty_reply(op, ACTION_RECONNECT "Response");
	sh->psrp->disconnected = false;
	psrp_disconnect_resume(sh->user.p.uid);
	host->log(WINRMD_LOG_INFO, "psrp: pool %s of %s reconnected from %s",
	    sh->id, sh->user.name, host->op_client_ip(op));
	return empty_reply(op, ACTION_RECONNECT "Response");
}

/* Connect with a CommandId: a pipeline of a connected pool, taken back */
static int
connect_pipeline(struct winrmd_op *op, const char *cid)
{
	xmlNodePtr body;
	struct shell *sh;
	struct command *c;
	int r;

	if ((sh = find_pool(op, PSRP_LINK_CONNECT_PIPELINE, &r)) == NULL)
		return r;	/* a pipeline of a connected pool: never IGNORE */
	for (c = sh->commands; c != NULL; c = c->next)
		if (strcasecmp(c->id, cid) == 0)
			break;
	if (c == NULL)
		return host->op_fault(op, WINRMD_FAULT_UNEXPECTED_SELECTORS,
		    NULL, "The Windows Remote Shell received a request to "
		    "perform an operation on a command identifier that does "
		    "not exist (%.64s).", cid);
	if ((body = host->op_reply(op, ACTION_CONNECT "Response")) == NULL)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	xmlNewChild(body, xmlSearchNsByHref(body->doc, body,
	    BAD_CAST WINRMD_NS_SHELL), BAD_CAST "ConnectResponse", NULL);
	return WINRMD_OK;
}

/* the Connect of a new client needs protocolversion 2.x (MS-PSRP 3.2.5.3.14) */
static int
check_protocol(struct winrmd_op *op)
{
	const char *v = host->op_option(op, "protocolversion");

	if (v != NULL && v[0] == '2' && v[1] == '.')
		return WINRMD_OK;
	return host->op_fault(op, WINRMD_FAULT_INVALID_OPTIONS, "InvalidValue",
	    "Connecting to a runspace pool needs the protocolversion option "
	    "2.2 or later%s%.16s.", v ? ", not " : "", v ? v : "");
}

int
psrp_op_connect(struct winrmd_op *op, void *unused)
{
	xmlNodePtr body = host->op_body(op), cx, reply, resp, x;
	xmlChar *cid, *text;
	struct shell *sh;
	uint8_t *data, *ans;
	size_t len, alen;
	char err[256], *b64;
	int r;

	(void)unused;
	if (body == NULL || body->ns == NULL || strcmp((const char *)
	    body->ns->href, WINRMD_NS_SHELL) != 0 ||
	    strcmp((const char *)body->name, "Connect") != 0)
		return host->op_fault(op, WINRMD_FAULT_SCHEMA_VALIDATION, NULL,
		    "A Connect takes an rsp:Connect body.");
	if ((cid = xmlGetProp(body, BAD_CAST "CommandId")) != NULL) {
		r = connect_pipeline(op, (const char *)cid);
		xmlFree(cid);
		return r;
	}
	if ((cx = shell_child(body, NS_PS, "connectXml")) == NULL)
		return host->op_fault(op, WINRMD_FAULT_SCHEMA_VALIDATION, NULL,
		    "Connecting to a runspace pool needs connectXml in its "
		    "rsp:Connect.");
	if ((r = check_protocol(op)) != WINRMD_OK)
		return r;
	if ((sh = find_pool(op, PSRP_LINK_CONNECT_POOL, &r)) == NULL)
		return r;	/* CONNECT_POOL is never IGNORE */
	text = xmlNodeGetContent(cx);
	data = psrp_b64_decode(text ? (const char *)text : "",
	    text ? strlen((const char *)text) : 0, &len);
	xmlFree(text);
	if (data == NULL)
		r = -1, snprintf(err, sizeof(err), "connectXml is not base64");
	else
		r = psrp_connect_answer(sh->psrp, data, len, &ans, &alen, err,
		    sizeof(err));
	free(data);
	if (r < 0) {
		host->log(WINRMD_LOG_NOTICE, "psrp: Connect to pool %s of %s "
		    "refused: %s", sh->id, sh->user.name, err);
		return host->op_fault(op, WINRMD_FAULT_INVALID_PARAMETER, NULL,
		    "The PowerShell runspace pool %s cannot be connected to: %s",
		    sh->id, err);
	}
	b64 = psrp_b64_encode(ans, alen);
	free(ans);
	if (b64 == NULL || psrp_pool_connected(sh->psrp) < 0) {
		free(b64);
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	}
	for (struct command *c = sh->commands; c != NULL; c = c->next)
		psrp_pipeline_connected(c);
	sh->psrp->disconnected = false;
	snprintf(sh->client_ip, sizeof(sh->client_ip), "%s",
	    host->op_client_ip(op));
	psrp_disconnect_resume(sh->user.p.uid);
	host->log(WINRMD_LOG_INFO, "psrp: pool %s of %s connected from %s "
	    "(runspaces %d to %d), %u pipeline(s) running", sh->id,
	    sh->user.name, sh->client_ip, sh->psrp->min_rs, sh->psrp->max_rs,
	    psrp_pool_busy(sh->psrp));
	if ((reply = host->op_reply(op, ACTION_CONNECT "Response")) == NULL) {
		free(b64);
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	}
	resp = xmlNewChild(reply, xmlSearchNsByHref(reply->doc, reply,
	    BAD_CAST WINRMD_NS_SHELL), BAD_CAST "ConnectResponse", NULL);
	xmlNewTextChild(resp, resp->ns, BAD_CAST "InputStreams",
	    BAD_CAST sh->input_streams);
	xmlNewTextChild(resp, resp->ns, BAD_CAST "OutputStreams",
	    BAD_CAST sh->output_streams);
	x = xmlNewTextChild(resp, NULL, BAD_CAST "connectResponseXml",
	    BAD_CAST b64);
	xmlSetNs(x, xmlNewNs(x, BAD_CAST NS_PS, NULL));
	free(b64);
	command_poke(sh->psrp->cmd);
	return WINRMD_OK;
}
