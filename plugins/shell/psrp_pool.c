/*
 * psrp_pool.c: a PSRP runspace pool on a shell of the shell core.  Create
 * takes creationXml (SESSION_CAPABILITY, INIT_RUNSPACEPOOL); the pool's
 * Receive sends SESSION_CAPABILITY, APPLICATION_PRIVATE_DATA and
 * RUNSPACEPOOL_STATE Opened; Sends to the pool carry the rest of
 * creationXml and the pool calls (PUBLIC_KEY, SET_MAX/MIN_RUNSPACES,
 * GET_AVAILABLE_RUNSPACES, RESET_RUNSPACE_STATE, host responses).  The
 * messages for the client wait in a bounded queue and go out as fragments
 * within the Receive's MaxEnvelopeSize.  The pool's Receive is a command
 * of the pool kind, so waiting, OperationTimeout and touching the shell
 * are the shell core's.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include <openssl/crypto.h>

#include "build.h"

#include "b64.h"
#include "psrp.h"
#include "shell.h"
#include "text.h"

#define NS_PS			"http://schemas.microsoft.com/powershell"
#define RECEIVE_RESPONSE	WINRMD_NS_SHELL "/ReceiveResponse"
#define ENVELOPE_SLACK		2048

bool
psrp_uri(const char *uri)
{
	return uri != NULL && strncasecmp(uri, PSRP_URI_PREFIX,
	    strlen(PSRP_URI_PREFIX)) == 0;
}

size_t
psrp_receive_room(struct winrmd_op *op)
{
	size_t max = host->op_max_envelope(op);

	return psrp_b64_room(max > ENVELOPE_SLACK * 2 ? max - ENVELOPE_SLACK :
	    1024);
}

unsigned
psrp_pool_busy(const struct psrp_pool *p)
{
	unsigned n = 0;

	for (const struct command *c = p->sh->commands; c != NULL; c = c->next)
		if (command_live(c) && !c->exited)
			n++;
	return n;
}

int
psrp_input_quota(struct shell *sh, struct winrmd_op *op, size_t len)
{
	struct plugin_state *ps = shell_state();
	unsigned long long max = (unsigned long long)host->conf_int("Winrs",
	    "MaxStdinPerUserMB") * 1024 * 1024;
	size_t held = user_stdin_held(ps->shells, sh->user.p.uid);

	for (const struct shell *o = ps->shells; o != NULL; o = o->next) {
		if (o->user.p.uid != sh->user.p.uid || o->psrp == NULL)
			continue;
		held += psrp_defrag_buffered(o->psrp->in) +
		    psrp_defrag_buffered(o->psrp->pr);
		for (const struct command *c = o->commands; c != NULL;
		    c = c->next)
			held += psrp_pipeline_buffered(c);
	}
	if (held + len <= max)
		return WINRMD_OK;
	host->log(WINRMD_LOG_NOTICE, "psrp: a Send of %zu bytes for %s refused: "
	    "%zu bytes of input held for the user's pools (MaxStdinPerUserMB)",
	    len, sh->user.name, held);
	return host->op_fault(op, WINRMD_FAULT_QUOTA_LIMIT, NULL,
	    "The runspace pools of %s hold %zu bytes of input not yet taken; "
	    "this Send (%zu bytes) would pass MaxStdinPerUserMB (%llu MB) and "
	    "was not kept.", sh->user.name, held, len, max >> 20);
}

/* ------------------------------------------------------ pool Receive */

static bool
pool_has_news(const struct command *c)
{
	const struct psrp_pool *p = c->kdata;

	return p->q.head != NULL;
}

static int
pool_receive(struct command *c, struct winrmd_op *op)
{
	struct psrp_pool *p = c->kdata;
	xmlNodePtr body = host->op_reply(op, RECEIVE_RESPONSE), rr, st;
	size_t room = shell_stream_room(c->shell, psrp_receive_room(op)), n;
	uint8_t *buf;
	char *b64;
	xmlNsPtr rsp;

	if (body == NULL || (buf = malloc(room)) == NULL)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	rsp = xmlSearchNsByHref(body->doc, body, BAD_CAST WINRMD_NS_SHELL);
	rr = xmlNewChild(body, rsp, BAD_CAST "ReceiveResponse", NULL);
	n = psrp_outq_pack(&p->q, buf, room);
	b64 = shell_stream_b64(c->shell, buf, n);
	free(buf);
	if (b64 == NULL)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	st = xmlNewTextChild(rr, rsp, BAD_CAST "Stream", BAD_CAST b64);
	xmlNewProp(st, BAD_CAST "Name", BAD_CAST "stdout");
	free(b64);
	return WINRMD_OK;
}

static const struct command_kind pool_kind = {
	.name = "psrp-pool",
	.has_news = pool_has_news,
	.receive = pool_receive,
};

/* -------------------------------------------------------- pool calls */

static struct clixml_value *
app_private_data(void)
{
	struct psrp_server_info si = { .si_ps_edition = "winrmd",
	    .si_build = PACKAGE_VERSION };
	struct utsname u;
	char os[256];

	if (uname(&u) == 0) {
		snprintf(os, sizeof(os), "%s %s", u.sysname, u.release);
		si.si_os = os;
	}
	return psrp_build_app_private_data(&si);
}

static int
pool_fault(struct psrp_pool *p, struct winrmd_op *op, const char *what,
    const char *why)
{
	host->log(WINRMD_LOG_NOTICE, "psrp: pool %s of %s: %s refused: %s",
	    p->sh->id, p->sh->user.name, what, why);
	return host->op_fault(op, WINRMD_FAULT_INVALID_PARAMETER, NULL,
	    "The PowerShell runspace pool %s cannot take the %s message: %s",
	    p->sh->id, what, why);
}

/* one whole message to the pool: WINRMD_OK or a fault on op */
static int
pool_message(struct psrp_pool *p, struct winrmd_op *op, const uint8_t *buf,
    size_t len)
{
	struct psrp_msg m;
	struct clixml_value *v;
	const char *name;
	char err[256];
	int r = 0;

	if (psrp_msg_decode(buf, len, &m) < 0)
		return pool_fault(p, op, "message", "shorter than its header");
	name = psrp_msg_type_name(m.pm_type);
	if (name == NULL)
		name = "unknown";
	if (m.pm_destination != PSRP_DEST_SERVER)
		return pool_fault(p, op, name, "not addressed to the server");
	if (!psrp_guid_is_nil(&p->rpid) && !psrp_guid_equal(&m.pm_rpid, &p->rpid))
		return pool_fault(p, op, name, "its RunspacePool id is not "
		    "this pool's");
	if (psrp_guid_is_nil(&p->rpid))
		p->rpid = m.pm_rpid;
	if (m.pm_type == PSRP_PIPELINE_HOST_RESPONSE)	/* the pipeline's */
		return psrp_pipeline_host_response(p->sh, op, &m);
	if ((v = clixml_read((const char *)m.pm_data, m.pm_len,
	    &clixml_default_limits, err, sizeof(err))) == NULL)
		return pool_fault(p, op, name, err);
	switch (m.pm_type) {
	case PSRP_SESSION_CAPABILITY: {
		struct psrp_capability cap;

		if (psrp_parse_capability(v, &cap, err, sizeof(err)) < 0)
			goto bad;
		if (psrp_version_cmp(cap.pc_protocol_version, "2.0") < 0) {
			snprintf(err, sizeof(err), "protocol version %.32s is "
			    "older than 2.0", cap.pc_protocol_version);
			goto bad;
		}
		p->got_capability = true;
		r = psrp_queue(p, &p->q, PSRP_SESSION_CAPABILITY, NULL,
		    psrp_build_capability());
		break;
	}
	case PSRP_INIT_RUNSPACEPOOL: {
		struct psrp_init_pool ip;

		if (!p->got_capability || p->state != PSRP_POOL_BEFORE_OPEN) {
			snprintf(err, sizeof(err), "the pool is not waiting to "
			    "be opened");
			goto bad;
		}
		if (psrp_parse_init_pool(v, &ip, err, sizeof(err)) < 0)
			goto bad;
		if (ip.pi_min_runspaces < 1 ||
		    ip.pi_max_runspaces < ip.pi_min_runspaces) {
			snprintf(err, sizeof(err), "MinRunspaces %d and "
			    "MaxRunspaces %d are not a range", ip.pi_min_runspaces,
			    ip.pi_max_runspaces);
			goto bad;
		}
		p->min_rs = ip.pi_min_runspaces;
		p->max_rs = ip.pi_max_runspaces;
		p->host_null = ip.pi_host.ph_is_host_null;
		p->ui_null = ip.pi_host.ph_is_ui_null;
		p->state = PSRP_POOL_OPENED;
		r = psrp_queue(p, &p->q, PSRP_APPLICATION_PRIVATE_DATA, NULL,
		    app_private_data());
		if (r == 0)
			r = psrp_queue(p, &p->q, PSRP_RUNSPACEPOOL_STATE, NULL,
			    psrp_build_pool_state(PSRP_POOL_OPENED, NULL));
		host->log(WINRMD_LOG_INFO, "psrp: pool %s of %s opened "
		    "(runspaces %d to %d)", p->sh->id, p->sh->user.name,
		    p->min_rs, p->max_rs);
		psrp_warm_refresh(p);
		break;
	}
	case PSRP_PUBLIC_KEY: {
		const char *b64;
		char *wrapped;

		if (psrp_parse_public_key(v, &b64, err, sizeof(err)) < 0)
			goto bad;
		if (!p->have_key && psrp_session_key_generate(p->key) < 0) {
			snprintf(err, sizeof(err), "no random session key");
			goto bad;
		}
		if ((wrapped = psrp_session_key_wrap(b64, p->key, err,
		    sizeof(err))) == NULL)
			goto bad;
		p->have_key = true;
		r = psrp_queue(p, &p->q, PSRP_ENCRYPTED_SESSION_KEY, NULL,
		    psrp_build_encrypted_session_key(wrapped));
		free(wrapped);
		break;
	}
	case PSRP_SET_MAX_RUNSPACES:
	case PSRP_SET_MIN_RUNSPACES: {
		int32_t n;
		int64_t ci;
		bool ok;

		if (psrp_parse_runspace_call(v, m.pm_type, &n, &ci, err,
		    sizeof(err)) < 0)
			goto bad;
		if (m.pm_type == PSRP_SET_MAX_RUNSPACES) {
			ok = n >= p->min_rs && n >= 1;
			if (ok)
				p->max_rs = n;
		} else {
			ok = n >= 1 && n <= p->max_rs;
			if (ok)
				p->min_rs = n;
		}
		r = psrp_queue(p, &p->q, PSRP_RUNSPACE_AVAILABILITY, NULL,
		    psrp_build_availability_bool(ci, ok));
		psrp_pool_dequeue(p->sh);
		break;
	}
	case PSRP_GET_AVAILABLE_RUNSPACES: {
		int64_t ci;
		unsigned busy = psrp_pool_busy(p);

		if (psrp_parse_runspace_call(v, m.pm_type, NULL, &ci, err,
		    sizeof(err)) < 0)
			goto bad;
		r = psrp_queue(p, &p->q, PSRP_RUNSPACE_AVAILABILITY, NULL,
		    psrp_build_availability_count(ci, busy >= (unsigned)p->max_rs ?
		    0 : (int64_t)p->max_rs - busy));
		break;
	}
	case PSRP_RESET_RUNSPACE_STATE: {
		int64_t ci;
		char **env;

		if (psrp_parse_runspace_call(v, m.pm_type, NULL, &ci, err,
		    sizeof(err)) < 0)
			goto bad;
		/* back to what the pool began with */
		if ((env = strv_dup(p->env0)) == NULL) {
			r = -ENOMEM;
			break;
		}
		psrp_runspace_clear(&p->rs);
		p->rs.env = env;
		if (p->sh->cwd != NULL)
			p->rs.cwd = strdup(p->sh->cwd);
		psrp_warm_refresh(p);
		r = psrp_queue(p, &p->q, PSRP_RUNSPACE_AVAILABILITY, NULL,
		    psrp_build_availability_bool(ci, true));
		break;
	}
	case PSRP_RUNSPACEPOOL_HOST_RESPONSE:
		/* the pool makes no host calls (its pipelines do): nothing
		 * waits for one */
		break;
	default:
		snprintf(err, sizeof(err), "a %s message is not served on the "
		    "runspace pool", name);
		goto bad;
	}
	clixml_unref(v);
	if (r < 0)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	if (p->q.bytes > PSRP_OUTQ_MAX)
		return pool_fault(p, op, name, "the client does not Receive "
		    "what the pool sends");
	command_poke(p->cmd);
	return WINRMD_OK;
bad:
	clixml_unref(v);
	return pool_fault(p, op, name, err);
}

static int
pool_feed(struct psrp_pool *p, struct winrmd_op *op, struct psrp_defrag *d,
    const uint8_t *data, size_t len)
{
	uint8_t *msg;
	size_t mlen;
	int r;

	if (psrp_defrag_feed(d, data, len) < 0)
		return pool_fault(p, op, "fragment", psrp_defrag_error(d));
	while ((r = psrp_defrag_next(d, &msg, &mlen, NULL)) == 1) {
		r = pool_message(p, op, msg, mlen);
		OPENSSL_cleanse(msg, mlen);
		free(msg);
		if (r != WINRMD_OK)
			return r;
	}
	return WINRMD_OK;
}

int
psrp_pool_send(struct shell *sh, struct winrmd_op *op, bool pr,
    const uint8_t *data, size_t len)
{
	struct psrp_pool *p = sh->psrp;
	int r;

	if ((r = psrp_input_quota(sh, op, len)) != WINRMD_OK)
		return r;
	if ((r = pool_feed(p, op, pr ? p->pr : p->in, data, len)) != WINRMD_OK)
		return r;
	return command_send_response(op);
}

int
psrp_pool_connected(struct psrp_pool *p)
{
	struct psrp_defrag *in = psrp_defrag_new(PSRP_IN_MAX);
	struct psrp_defrag *pr = psrp_defrag_new(PSRP_IN_MAX);

	if (in == NULL || pr == NULL) {
		psrp_defrag_free(in);
		psrp_defrag_free(pr);
		return -ENOMEM;
	}
	/* what waited was the old client's; its half messages too */
	psrp_outq_clear(&p->q);
	psrp_defrag_free(p->in);
	psrp_defrag_free(p->pr);
	p->in = in;
	p->pr = pr;
	if (psrp_queue(p, &p->q, PSRP_APPLICATION_PRIVATE_DATA, NULL,
	    app_private_data()) < 0 || psrp_queue(p, &p->q,
	    PSRP_RUNSPACEPOOL_STATE, NULL, psrp_build_pool_state(
	    PSRP_POOL_OPENED, NULL)) < 0)
		return -ENOMEM;
	return 0;
}

/* ------------------------------------------------------ create, free */

static xmlNodePtr
creation_xml(xmlNodePtr shell)
{
	for (xmlNodePtr n = shell->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE && n->ns != NULL &&
		    strcmp((const char *)n->ns->href, NS_PS) == 0 &&
		    strcmp((const char *)n->name, "creationXml") == 0)
			return n;
	return NULL;
}

void
psrp_pool_id(struct shell *sh, struct winrmd_op *op)
{
	xmlChar *sid = xmlGetProp(host->op_body(op), BAD_CAST "ShellId");
	struct psrp_guid g;
	bool taken = false;
	char id[37];

	if (sid != NULL && psrp_guid_parse((const char *)sid, &g) == 0) {
		psrp_guid_format(&g, true, id);
		for (struct shell *o = shell_state()->shells; o != NULL;
		    o = o->next)
			if (strcasecmp(o->id, id) == 0)
				taken = true;
		if (!taken)
			memcpy(sh->id, id, sizeof(sh->id));
	}
	xmlFree(sid);
}

int
psrp_pool_create(struct shell *sh, struct winrmd_op *op)
{
	const char *uri = host->op_resource_uri(op);
	const char *config = uri + strlen(PSRP_URI_PREFIX);
	xmlNodePtr body = host->op_body(op), cx;
	struct psrp_pool *p;
	xmlChar *text;
	uint8_t *data;
	size_t len;
	int r;

	if (strcasecmp(config, PSRP_DEFAULT_CONFIG) != 0) {
		host->log(WINRMD_LOG_NOTICE, "psrp: Create for %s from %s "
		    "refused: no session configuration %.64s", sh->user.name,
		    sh->client_ip, config);
		return host->op_fault(op, WINRMD_FAULT_DESTINATION_UNREACHABLE,
		    NULL, "The WS-Management service cannot process the "
		    "request. Cannot find the %.64s session configuration in "
		    "the WSMan: drive on this computer.", config);
	}
	if ((cx = creation_xml(body)) == NULL)
		return host->op_fault(op, WINRMD_FAULT_SCHEMA_VALIDATION, NULL,
		    "A PowerShell runspace pool needs creationXml in its "
		    "rsp:Shell.");
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	sh->psrp = p;
	p->sh = sh;
	p->state = PSRP_POOL_BEFORE_OPEN;
	p->min_rs = p->max_rs = 1;
	p->in = psrp_defrag_new(PSRP_IN_MAX);
	p->pr = psrp_defrag_new(PSRP_IN_MAX);
	p->cmd = command_new(sh);
	p->env0 = strv_dup(sh->env);
	p->rs.env = strv_dup(sh->env);
	if (sh->cwd != NULL)
		p->rs.cwd = strdup(sh->cwd);
	if (p->in == NULL || p->pr == NULL || p->cmd == NULL || p->env0 == NULL ||
	    p->rs.env == NULL)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	p->cmd->kind = &pool_kind;
	p->cmd->kdata = p;
	/* the pool's output is UTF-8 CLIXML: no codepage */
	sh->codepage = 65001;
	text = xmlNodeGetContent(cx);
	data = psrp_b64_decode(text ? (const char *)text : "",
	    text ? strlen((const char *)text) : 0, &len);
	xmlFree(text);
	if (data == NULL)
		return pool_fault(p, op, "creationXml", "not base64");
	r = pool_feed(p, op, p->in, data, len);
	free(data);
	return r;
}

void
psrp_pool_free(struct shell *sh)
{
	struct psrp_pool *p = sh->psrp;

	if (p == NULL)
		return;
	if (p->cmd != NULL) {
		command_abort_ops(p->cmd, WINRMD_FAULT_SHELL_NOT_FOUND);
		command_destroy(shell_state(), p->cmd);
	}
	psrp_warm_free(p);
	psrp_defrag_free(p->in);
	psrp_defrag_free(p->pr);
	psrp_outq_clear(&p->q);
	psrp_runspace_clear(&p->rs);
	strv_free(p->env0);
	OPENSSL_cleanse(p->key, sizeof(p->key));
	free(p);
	sh->psrp = NULL;
}

struct command *
psrp_pool_command(struct shell *sh)
{
	return sh->psrp != NULL ? sh->psrp->cmd : NULL;
}
