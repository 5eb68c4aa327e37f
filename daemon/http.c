/*
 * http.c: the life of a request, from its headers to its answer (the
 * listeners are http_listen.c's, the connections http_conn.c's, the
 * authentication http_auth.c's).  Its states:
 *
 *   READ      headers checked (path, method, size, type), body accumulated
 *   AUTH      Basic credentials being verified by PAM, or the account of a
 *             Negotiate or certificate login being looked up, on a worker
 *   DELAY     a failed verification waits out the failure delay
 *   RUN       authenticated: parse, read headers, dispatch
 *   OP        an operation returned WINRMD_PENDING; connection suspended
 *   DONE      an answer is queued
 *
 * Nothing but an Identify carrying `WSMANIDENTIFY: unauthenticated' gets
 * past READ without a principal: a request starts unauthenticated by
 * construction (calloc), and only http_auth.c's check results set one.
 *
 * Negotiate (auth_negotiate.c) is per connection: struct conn holds the
 * GSSAPI context, and once it is complete and its account looked up, the
 * connection's later requests need no Authorization header, as long as
 * that context lives.  With it, bodies may be sealed (MS-WSMV 2.2.9.1):
 * a request is unsealed before parsing and its reply sealed when it is
 * queued, so replies are sealed in request order (one request at a time
 * per connection, asserted).
 *
 * The body is accumulated here, up to MaxEnvelopeSizekb (sealed: plus the
 * framing); a request refused on its headers has a body of sane size read
 * and dropped before its answer.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "arena.h"
#include "config.h"
#include "dispatch.h"
#include "fault.h"
#include "http.h"
#include "http_auth.h"
#include "http_int.h"
#include "http_pool.h"
#include "http_request.h"
#include "log.h"
#include "negotiate.h"
#include "reactor.h"
#include "reply_memo.h"
#include "soap.h"
#include "winrmd.h"
#include "wsman.h"

#define DISCARD_FACTOR		4	/* bodies read and dropped before an error */

static struct request *suspended;
static unsigned npending;
static unsigned ndue;		/* requests with pool_due */

/* ---------------------------------------------------------------- logs */

static const char *
short_action(const char *action)
{
	const char *slash = action ? strrchr(action, '/') : NULL;

	return slash ? slash + 1 : action ? action : "-";
}

static void
log_request(struct request *rq, unsigned status)
{
	uint64_t us = reactor_now_us() - rq->start_us;
	const char *action = rq->op.msg.identify ? "Identify" :
	    short_action(rq->op.msg.action);

	log_msg(status == 401 || status >= 500 ? LOG_NOTICE : LOG_INFO,
	    "request client=%s user=%s action=%s resource=%s status=%u ms=%llu.%03llu",
	    rq->conn ? rq->conn->peer : "-", rq->user ? rq->user : "-", action,
	    rq->op.msg.resource_uri ? rq->op.msg.resource_uri : "-", status,
	    (unsigned long long)(us / 1000), (unsigned long long)(us % 1000));
}

/* ------------------------------------------------------------- answers */

static void
add_common_headers(struct MHD_Response *resp, const char *content_type)
{
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    content_type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_SERVER, "winrmd");
}

static enum MHD_Result answer_queue(struct request *, unsigned,
		    struct MHD_Response *, const char *);

/* queues text (taken over, may be NULL) with status */
static enum MHD_Result
answer(struct request *rq, unsigned status, char *text, size_t len)
{
	const char *ctype = SOAP_CONTENT_TYPE;
	struct MHD_Response *resp;

	rq->state = RQ_DONE;
	if (text != NULL && rq->seal_reply) {
		char why[256];
		size_t slen = 0;
		char *sealed = nego_wrap(rq->conn->nego, text, len, &slen, why,
		    sizeof(why));

		free(text);
		text = sealed;
		len = slen;
		ctype = ENC_CONTENT_TYPE;
		if (sealed == NULL) {
			log_err("negotiate: cannot seal the reply to %s: %s",
			    rq->conn->peer, why);
			http_nego_drop(rq, true);
			status = 500;
		}
	}
	resp = MHD_create_response_from_buffer(text ? len : 0, text ? text : "",
	    text ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	return answer_queue(rq, status, resp, text ? ctype : SOAP_CONTENT_TYPE);
}

static void
text_drop(void *arg)
{
	soap_text_free(arg);
	free(arg);
}

/*
 * queues a 200 answer in pieces, *t taken over: MHD sends them with one
 * sendmsg (plain HTTP), so a Receive's body is neither copied nor
 * measured again
 */
static enum MHD_Result
answer_pieces(struct request *rq, struct soap_text *t)
{
	struct soap_text *kept = malloc(sizeof(*kept));
	struct MHD_Response *resp = NULL;

	if (kept != NULL) {
		struct MHD_IoVec iov[3] = {
			{ t->head, t->head_len },
			{ t->body, t->body_len },
			{ t->tail, t->tail_len },
		};

		*kept = *t;
		*t = (struct soap_text){ 0 };
		resp = MHD_create_response_from_iovec(iov, 3, text_drop, kept);
		if (resp == NULL)
			text_drop(kept);
	} else
		soap_text_free(t);
	rq->state = RQ_DONE;
	if (resp == NULL)
		return MHD_NO;
	return answer_queue(rq, 200, resp, SOAP_CONTENT_TYPE);
}

/* resp's headers as status and the request want, queued, and let go */
static enum MHD_Result
answer_queue(struct request *rq, unsigned status, struct MHD_Response *resp,
    const char *ctype)
{
	enum MHD_Result r;

	add_common_headers(resp, ctype);
	if (status == 405)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "POST");
	/* stopping: a client must not send its next request on a connection
	 * that ends with the daemon (it would get no answer: pywinrm gives
	 * up), but open a new one, which the next daemon may answer */
	if (rq->close_conn || W->stopping)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION,
		    "close");
	/* the token of a handshake leg: on the 401 and on the final answer */
	if (rq->www_auth != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		    rq->www_auth);
	if (status == 401) {
		W->count.unauthorized++;
		if (!rq->www_auth_only) {
			if (conf_b(W->cfg, CK_AUTH_BASIC) && (rq->l->tls ||
			    conf_b(W->cfg, CK_SERVICE_ALLOW_UNENCRYPTED)))
				MHD_add_response_header(resp,
				    MHD_HTTP_HEADER_WWW_AUTHENTICATE,
				    "Basic realm=\"WSMAN\"");
			if (nego_offered("Negotiate") &&
			    conf_b(W->cfg, CK_AUTH_NEGOTIATE))
				MHD_add_response_header(resp,
				    MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Negotiate");
			if (nego_offered("Kerberos"))
				MHD_add_response_header(resp,
				    MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Kerberos");
		}
	}
	log_request(rq, status);
	r = MHD_queue_response(rq->mc, status, resp);
	MHD_destroy_response(resp);
	return r;
}

static enum MHD_Result
answer_status(struct request *rq, unsigned status)
{
	return answer(rq, status, NULL, 0);
}

static enum MHD_Result
answer_op(struct request *rq)
{
	unsigned status = 500;
	struct soap_text t;
	size_t len = 0;
	char *text;
	bool memo;

	if (!op_render_text(&rq->op, &t, &status))
		return answer_status(rq, 500);
	memo = status == 200 && rq->op.reusable && rq->principal != NULL &&
	    rq->body != NULL;
	/* (over TLS, where the answer is encrypted, a copy, anyway, it is
	 * sent whole as before: pieces were not measured there) */
	if (t.body != NULL && status == 200 && !memo && !rq->seal_reply &&
	    !rq->l->tls)
		return answer_pieces(rq, &t);
	if ((text = soap_text_join(&t, &len)) == NULL)
		return answer_status(rq, 500);
	if (status != 200)
		log_msg(rq->op.fault.code == WINRMD_FAULT_TIMED_OUT ? LOG_DEBUG :
		    LOG_INFO, "fault client=%s action=%s: %s", rq->conn->peer,
		    short_action(rq->op.msg.action), rq->op.fault.reason);
	else if (memo) {
		struct wsman_limits lim = http_limits();

		reply_memo_learn(rq->body, rq->len, rq->op.msg.message_id,
		    rq->principal, text, len, rq->op.msg.action,
		    rq->op.msg.resource_uri, &lim);
	}
	return answer(rq, status, text, len);
}

/* ---------------------------------------------------- suspend / resume */

static void
suspend(struct request *rq)
{
	MHD_suspend_connection(rq->mc);
	rq->suspended = true;
	rq->next_suspended = suspended;
	rq->prev_suspended = &suspended;
	if (suspended != NULL)
		suspended->prev_suspended = &rq->next_suspended;
	suspended = rq;
	npending++;
}

void
http_resume(struct request *rq)
{
	if (!rq->suspended)
		return;
	rq->suspended = false;
	*rq->prev_suspended = rq->next_suspended;
	if (rq->next_suspended != NULL)
		rq->next_suspended->prev_suspended = rq->prev_suspended;
	npending--;
	if (rq->pool_due) {
		rq->pool_due = false;
		ndue--;
	}
	MHD_resume_connection(rq->mc);
	/* external polling: MHD only acts on a resume inside MHD_run() */
	rq->l->needs_run = true;
}

unsigned
http_pending(void)
{
	return npending;
}

/*
 * The requests that went pending in the pass that ended and still wait
 * give their MHD pool's pages back (http_pool.c).  Not as they go
 * pending: an op answered in the same pass (a Get waits for the pass's
 * end, plugins/cim/get.c) would have MHD fault every page in again to
 * zero them.  suspend() puts a request at the head of the list, so these
 * are the first ones.
 */
void
http_release_waiting(void)
{
	for (struct request *rq = suspended; ndue > 0 && rq != NULL;
	    rq = rq->next_suspended) {
		if (!rq->pool_due)
			continue;
		rq->pool_due = false;
		ndue--;
		if (http_pool_release(rq->mc, rq->method) > 0)
			W->count.pool_released++;
	}
}

/* requests went pending since: the loop must not sleep before its next
 * pass gives their pages back */
bool
http_release_due(void)
{
	return ndue > 0;
}

/* -------------------------------------------------------------- running */

static void
op_completed(struct winrmd_op *op, void *arg)
{
	struct request *rq = arg;

	(void)op;
	http_resume(rq);
}

struct wsman_limits
http_limits(void)
{
	return (struct wsman_limits){
		.max_envelope = conf_u(W->cfg, CK_SERVICE_MAX_ENVELOPE_KB) * 1024,
		.max_timeout_ms = conf_u(W->cfg, CK_SERVICE_MAX_TIMEOUT_MS),
	};
}

/*
 * Parses the body into rq->op, or takes the parse kept for a body that is
 * the same but for its MessageID (its headers read: rq->headers_read);
 * false with the fault set on error.
 */
static bool
parse_body(struct request *rq)
{
	struct winrmd_op *op = &rq->op;
	xmlDocPtr doc;

	op->client_ip = rq->conn->ip;
	op->msg.max_envelope = http_limits().max_envelope;
	if ((op->arena = arena_new()) == NULL) {
		fault_set(&op->fault, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
		return false;
	}
	rq->op_live = true;
	if ((rq->parsed = reply_memo_parsed(rq->body, rq->len, op->arena,
	    &op->msg)) != NULL) {
		rq->headers_read = true;
		return true;
	}
	if ((doc = soap_parse(rq->body, rq->len, &op->fault)) == NULL)
		return false;
	op->msg.doc = doc;
	return wsman_envelope(&op->msg, doc, &op->fault) == 0;
}

/*
 * parse_body(), unless the body is byte for byte one already parsed as an
 * Identify: then it is one (op.msg.identify) without being parsed again.
 */
static bool
parse_or_recall(struct request *rq)
{
	if (reply_memo_identify_known(rq->body, rq->len)) {
		rq->op.msg.identify = true;
		return true;
	}
	if (!parse_body(rq))
		return false;
	if (rq->op.msg.identify)
		reply_memo_identify_learn(rq->body, rq->len);
	return true;
}

static void
response_drop(void *resp)
{
	MHD_destroy_response(resp);
}

/*
 * Identify's two answers as MHD responses, made once and kept in the
 * memo (which forgets them on a reload), queued on every connection that
 * asks (MHD counts their references): what a plain answer() would build
 * anew each time.
 */
static enum MHD_Result
answer_identify(struct request *rq, bool authenticated)
{
	enum memo_identify k = authenticated ? MEMO_IDENTIFY_AUTH :
	    MEMO_IDENTIFY_ANON;
	struct MHD_Response *resp;
	size_t len = 0;
	char *text;

	/* a sealed answer, a handshake token or a close: answer() */
	if (!rq->seal_reply && rq->www_auth == NULL && !rq->close_conn) {
		if ((resp = reply_memo_identify_object(k)) == NULL &&
		    (text = dispatch_identify_text(authenticated, &len)) != NULL) {
			resp = MHD_create_response_from_buffer(len, text,
			    MHD_RESPMEM_MUST_FREE);
			if (resp != NULL) {
				add_common_headers(resp, SOAP_CONTENT_TYPE);
				reply_memo_identify_keep_object(k, resp,
				    response_drop);
			} else
				free(text);
		}
		if (resp != NULL) {
			rq->state = RQ_DONE;
			log_request(rq, 200);
			return MHD_queue_response(rq->mc, 200, resp);
		}
	}
	text = dispatch_identify_text(authenticated, &len);
	return text ? answer(rq, 200, text, len) : answer_status(rq, 500);
}

/*
 * An op gone pending (a Receive waiting for output, for minutes, times
 * the shells) has read its request: the body and its parsed document go
 * now rather than with the answer.  Plugins read op_body() only before
 * they return WINRMD_PENDING (plugin.h); what the answer needs (its
 * MessageID, action, ...) is in the op's arena; a pending op's answer is
 * never remembered by the reply memo (it has no body to key it by).  An
 * op that took a kept parse (reply_memo_parsed) keeps its reference until
 * it ends: its action, resource URI, selectors and options are that
 * parse's, shared, not copies (released here, a kept parse evicted
 * meanwhile was freed under a waiting Receive: ASan in hardening_faults).
 * The empty part of its connection's MHD pool goes back too (http_pool.c).
 */
/* the request's document goes, or its reference to a kept parse's */
static void
drop_doc(struct request *rq)
{
	if (rq->parsed != NULL)
		reply_memo_parsed_release(rq->parsed);
	else
		xmlFreeDoc(rq->op.msg.doc);
	rq->parsed = NULL;
	rq->op.msg.doc = NULL;
}

static void
shed_request(struct request *rq)
{
	if (rq->parsed == NULL)
		drop_doc(rq);
	rq->op.msg.header = rq->op.msg.body = NULL;
	free(rq->body);
	rq->body = NULL;
	rq->len = rq->cap = 0;
	if (!rq->pool_due) {
		rq->pool_due = true;
		ndue++;
	}
}

static enum MHD_Result
run(struct request *rq)
{
	struct wsman_limits lim = http_limits();
	struct winrmd_op *op = &rq->op;
	int rc;

	if (!rq->op_live) {
		unsigned st = http_nego_body(rq);
		struct memo_answer ma;

		if (st != 0)
			return answer_status(rq, st);
		if (rq->principal != NULL &&
		    reply_memo_answer(rq->body, rq->len, rq->principal, &ma)) {
			W->count.replayed++;
			rq->op.msg.action = ma.action;
			rq->op.msg.resource_uri = ma.resource_uri;
			return answer(rq, 200, ma.text, ma.len);
		}
	}
	if (!rq->op_live && !parse_or_recall(rq))
		return answer_op(rq);
	if (op->msg.identify) {
		op->principal = rq->principal;
		return answer_identify(rq, true);
	}
	if (!rq->headers_read) {
		if (wsman_read_headers(&op->msg, op->arena, &lim, &op->fault) < 0)
			return answer_op(rq);
		rq->headers_read = true;
		/* a monitoring loop's next ask need not be parsed */
		if (rq->body != NULL)
			reply_memo_parsed_learn(rq->body, rq->len,
			    op->msg.message_id, &lim);
	}
	/*
	 * A Create (a new shell) runs with an account checked now: a login
	 * remembered from before is checked again first, and the check
	 * resumes rq here.
	 */
	if (strcmp(op->msg.action, WINRMD_ACTION_CREATE) == 0 &&
	    (rq->state = http_recheck(rq, true)) != RQ_RUN) {
		if (rq->state == RQ_DELAY)
			return answer_status(rq, 401);
		suspend(rq);
		return MHD_YES;
	}
	op->principal = rq->principal;
	op->on_complete = op_completed;
	op->on_complete_arg = rq;
	op->pending = true;
	rc = dispatch_run(op);
	if (rc == WINRMD_PENDING) {
		rq->state = RQ_OP;
		shed_request(rq);
		suspend(rq);
		return MHD_YES;
	}
	op->pending = false;
	return answer_op(rq);
}

/* WSMANIDENTIFY: unauthenticated and nothing but Identify in the body */
static enum MHD_Result
unauthenticated_identify(struct request *rq)
{
	if (!parse_or_recall(rq) || !rq->op.msg.identify) {
		log_notice("auth: %s sent WSMANIDENTIFY with a body that is not "
		    "an Identify", rq->conn->ip);
		return answer_status(rq, 401);
	}
	return answer_identify(rq, false);
}

/* MaxPacketRetrievalTimeSeconds since the headers arrived */
static bool
too_slow(struct request *rq)
{
	uint64_t limit = conf_u(W->cfg, CK_SERVICE_MAX_PACKET_RETRIEVAL_S);

	if (reactor_now_us() - rq->start_us <= limit * 1000000)
		return false;
	log_notice("http: %s took longer than MaxPacketRetrievalTimeSeconds "
	    "(%llu s) to send a request", rq->conn->ip,
	    (unsigned long long)limit);
	return true;
}

static enum MHD_Result
step(struct request *rq)
{
	switch (rq->state) {
	case RQ_READ: {
		const char *ident;

		MHD_set_connection_option(rq->mc, MHD_CONNECTION_OPTION_TIMEOUT,
		    (unsigned)conf_u(W->cfg, CK_SERVICE_IDLE_CONNECTION_S));
		if (rq->early != 0)
			return answer_status(rq, rq->early);

		if (rq->too_large)
			return answer_status(rq, 413);
		if (rq->late || too_slow(rq))
			return answer_status(rq, 500);
		ident = MHD_lookup_connection_value(rq->mc, MHD_HEADER_KIND,
		    "WSMANIDENTIFY");
		if (ident != NULL && strcasecmp(ident, "unauthenticated") == 0)
			return unauthenticated_identify(rq);
		rq->state = http_auth_begin(rq);
		if (rq->state == RQ_AUTH ||
		    (rq->state == RQ_DELAY && rq->delay != NULL)) {
			suspend(rq);
			return MHD_YES;
		}
		return rq->state == RQ_RUN ? run(rq) : answer_status(rq, 401);
	}
	case RQ_AUTH:
		return MHD_YES;	/* spurious: still waiting */
	case RQ_DELAY:
		return answer_status(rq, 401);
	case RQ_RUN:
		return run(rq);
	case RQ_OP:
		if (rq->op.pending)
			return MHD_YES;
		return answer_op(rq);
	case RQ_DONE:
		break;
	}
	return MHD_YES;
}

/* ------------------------------------------------- headers and the body */

static bool
soap_content_type(const char *ct)
{
	return ct != NULL &&
	    strncasecmp(ct, "application/soap+xml", 20) == 0 &&
	    (ct[20] == '\0' || ct[20] == ';' || ct[20] == ' ');
}

/* a client that waits for "100 Continue" has not sent its body yet */
static bool
expects_continue(struct MHD_Connection *mc)
{
	const char *e = MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_EXPECT);

	return e != NULL && strcasecmp(e, "100-continue") == 0;
}

/*
 * The path of a request target: absolute-form targets (RFC 9112 §3.2.2,
 * "POST http://host:5985/wsman") are reduced to their path.
 */
static const char *
url_path(const char *url)
{
	const char *p;

	if (strncasecmp(url, "http://", 7) == 0)
		p = url + 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		p = url + 8;
	else
		return url;
	p += strcspn(p, "/");
	return *p != '\0' ? p : "/";
}

enum MHD_Result
http_on_access(void *cls, struct MHD_Connection *mc, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **req_cls)
{
	struct listener *l = cls;
	struct request *rq = *req_cls;

	(void)version;
	if (rq == NULL) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(mc,
		    MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		const char *cl, *ct;
		char path[256];
		int enc;

		if ((rq = calloc(1, sizeof(*rq))) == NULL)
			return MHD_NO;
		*req_cls = rq;
		rq->mc = mc;
		rq->method = method;
		rq->l = l;
		rq->conn = ci ? (struct conn *)ci->socket_context : NULL;
		rq->start_us = reactor_now_us();
		rq->limit = conf_u(W->cfg, CK_SERVICE_MAX_ENVELOPE_KB) * 1024;
		W->count.requests++;
		if (rq->conn == NULL)
			return MHD_NO;
		/* HTTP/1.1 serves one request at a time per connection: what
		 * sealing's sequence numbers rely on */
		if (rq->conn->active != NULL) {
			log_err("http: two requests at once on %s",
			    rq->conn->peer);
			abort();
		}
		rq->conn->active = rq;
		snprintf(path, sizeof(path), "/%s", l->url_prefix);
		cl = MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		ct = MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_TYPE);
		/* sealed (MS-WSMV 2.2.9.1): a plaintext of MaxEnvelopeSizekb
		 * must still fit, so the framing's overhead is added */
		if ((enc = enc_content_type(ct, rq->boundary)) > 0) {
			rq->encrypted = true;
			rq->limit += ENC_OVERHEAD;
		} else if (enc < 0)
			log_notice("http: %s sent multipart/encrypted of another "
			    "protocol or without a boundary", rq->conn->peer);
		if (strcmp(url_path(url), path) != 0)
			rq->early = 404;
		else if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
			rq->early = 405;
		else if (cl != NULL && strtoull(cl, NULL, 10) > rq->limit)
			rq->early = 413;
		/* an empty POST without a Content-Type is the first leg of a
		 * handshake (Go masterzen/winrm's NTLM sends it so): it gets
		 * its 401 and challenge; with a body it is 415 */
		else if (enc < 0 || (enc == 0 && !soap_content_type(ct) &&
		    !(ct == NULL && cl != NULL && strtoull(cl, NULL, 10) == 0)))
			rq->early = 415;
		/*
		 * Answering before the body is read makes MHD close the
		 * connection while the client still sends: clients then see a
		 * reset, not the answer.  So a body of sane size is read and
		 * dropped first; only a huge one is answered at once.
		 */
		if (rq->early != 0 && ((cl != NULL &&
		    strtoull(cl, NULL, 10) > DISCARD_FACTOR * rq->limit) ||
		    expects_continue(mc)))
			return answer_status(rq, rq->early);
		/*
		 * A body that stops arriving: MHD can answer only when data
		 * comes, so a client that goes on within twice the retrieval
		 * time gets its 500, and a silent one is disconnected then.
		 */
		MHD_set_connection_option(mc, MHD_CONNECTION_OPTION_TIMEOUT,
		    (unsigned)(2 * conf_u(W->cfg, CK_SERVICE_MAX_PACKET_RETRIEVAL_S)));
		return MHD_YES;
	}
	if (rq->state == RQ_DONE) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		size_t n = *upload_size;

		*upload_size = 0;
		if (rq->too_large || rq->late)
			return MHD_YES;
		if (rq->early != 0) {
			rq->len += n;	/* counted, not kept */
			if (rq->len > DISCARD_FACTOR * rq->limit)
				return answer_status(rq, rq->early);
			return MHD_YES;
		}
		if (too_slow(rq)) {
			/* MHD cannot answer in the middle of an upload (the
			 * queue fails and the connection is dropped without
			 * an answer): drop the body, answer 500 once it is in */
			rq->late = true;
			free(rq->body);
			rq->body = NULL;
			rq->len = rq->cap = 0;
			return MHD_YES;
		}
		if (rq->len + n > rq->limit) {
			rq->too_large = true;
			free(rq->body);
			rq->body = NULL;
			rq->len = rq->cap = 0;
			return MHD_YES;
		}
		if (rq->len + n + 1 > rq->cap) {
			size_t cap = rq->cap ? rq->cap : 4096;
			char *b;

			while (cap < rq->len + n + 1)
				cap *= 2;
			if ((b = realloc(rq->body, cap)) == NULL)
				return MHD_NO;
			rq->body = b;
			rq->cap = cap;
		}
		memcpy(rq->body + rq->len, upload, n);
		rq->len += n;
		rq->body[rq->len] = '\0';
		return MHD_YES;
	}
	return step(rq);
}

void
http_on_completed(void *cls, struct MHD_Connection *mc, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *req_cls;

	(void)cls;
	(void)mc;
	if (rq == NULL)
		return;
	/*
	 * A connection is torn down between its resume and the next call of
	 * http_on_access when its client went away while it was suspended (a
	 * Receive whose client reset the connection: hardening_faults.sh);
	 * the operation is over then, and the request is freed as any other.
	 * Only what a worker or a plugin still holds must never go.
	 */
	if (rq->suspended || rq->state == RQ_AUTH ||
	    (rq->state == RQ_OP && rq->op.pending)) {
		/* cannot happen: suspended connections are never torn down */
		log_err("http: request ended while suspended (state %d)",
		    rq->state);
		abort();
	}
	reactor_timer_stop(rq->delay);
	if (rq->op_live) {
		op_done(&rq->op);
		drop_doc(rq);
		arena_free(rq->op.arena);
	}
	if (rq->conn != NULL && rq->conn->active == rq) {
		/* its next request is waited for from now on */
		rq->conn->active = NULL;
		rq->conn->since_us = reactor_now_us();
		rq->conn->trusted = rq->principal != NULL &&
		    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK;
	}
	principal_unref(rq->principal);
	free(rq->www_auth);
	free(rq->body);
	free(rq);
	*req_cls = NULL;
}


void
http_requests_stop(void)
{
	/* whatever is still suspended gets an answer before MHD goes */
	while (suspended != NULL) {
		struct request *rq = suspended;

		if (rq->state == RQ_OP && rq->op.pending) {
			log_err("http: plugin %s left an operation pending at "
			    "shutdown", rq->op.plugin ? rq->op.plugin : "?");
			rq->op.pending = false;
			fault_set(&rq->op.fault, WINRMD_FAULT_SERVICE_STOPPING,
			    NULL, NULL);
		}
		reactor_timer_stop(rq->delay);
		rq->delay = NULL;
		http_resume(rq);
	}
}
