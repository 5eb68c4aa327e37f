/*
 * http.c: libmicrohttpd listeners driven by the reactor, and the request
 * state machine:
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
 * construction (calloc), and only auth_done() and lookup_done() set one.
 *
 * Negotiate (auth_negotiate.c) is per connection: struct conn holds the
 * GSSAPI context, and once it is complete and its account looked up, the
 * connection's later requests need no Authorization header, as long as
 * that context lives.  With it, bodies may be sealed (MS-WSMV 2.2.9.1):
 * a request is unsealed before parsing and its reply sealed when it is
 * queued, so replies are sealed in request order (one request at a time
 * per connection, asserted).
 */
#include "build.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <systemd/sd-daemon.h>

#include "addrcount.h"
#include "arena.h"
#include "auth.h"
#include "auth_cert.h"
#include "config.h"
#include "dispatch.h"
#include "encryption.h"
#include "http.h"
#include "log.h"
#include "negotiate.h"
#include "op.h"
#include "reactor.h"
#include "reply_memo.h"
#include "soap.h"
#include "tls.h"
#include "winrmd.h"
#include "wsman.h"

#define MAX_LISTENERS		16
#define SOAP_CONTENT_TYPE	"application/soap+xml;charset=UTF-8"
#define MAX_FAIL_DELAY_US	5000000u
#define DEFAULT_FAIL_DELAY_US	2000000u	/* pam_unix's own */
#define DISCARD_FACTOR		4	/* bodies read and dropped before an error */
/*
 * What MHD may use for one connection: its read buffer, the parsed headers
 * and the answer's headers.  The request headers must fit: a Negotiate
 * token of up to 64 KiB of base64 (a Kerberos ticket with a big PAC;
 * MAX_TOKEN_B64 in auth_negotiate.c) and up to 32 KiB of everything else;
 * larger headers get 431.  Bodies pass through it in pieces, never whole.
 * At most MaxConnections times this (winrmd.8, HTTP).
 */
#define CONN_MEMORY		(96 * 1024)

struct listener {
	struct MHD_Daemon	*mhd;
	struct winrmd_watch	*watch;
	int			 fd;
	bool			 tls;
	bool			 needs_run;	/* a connection was resumed */
	char			*cert, *key;
	char			*client_ca;	/* PEM trust list: client certs */
	unsigned char		 cbt[96];	/* tls-server-end-point data */
	size_t			 cbt_len;
	char			 name[80];
};

struct request;

struct conn {
	struct listener		*l;
	unsigned char		 key[ADDR_KEY_LEN]; /* its client (addrcount.h) */
	bool			 counted;	/* under key */
	char			 ip[INET6_ADDRSTRLEN];
	char			 peer[INET6_ADDRSTRLEN + 8];
	struct nego		*nego;		/* Negotiate context, or NULL */
	struct principal	*nego_principal; /* its account, once looked up */
	struct request		*active;	/* the request being served */
	int			 fd;		/* for conn_sweep(), or -1 */
	/* since it opened, or answered its last request (monotonic us) */
	uint64_t		 since_us;
	bool			 trusted;	/* its last request authenticated */
	bool			 closing;	/* shut down by us: MHD closes it */
	struct conn		*next, **prevp;	/* all connections */
};

enum rq_state { RQ_READ, RQ_AUTH, RQ_DELAY, RQ_RUN, RQ_OP, RQ_DONE };

struct request {
	enum rq_state		 state;
	struct MHD_Connection	*mc;
	struct conn		*conn;
	struct listener		*l;
	uint64_t		 start_us;
	char			*body;
	size_t			 len, cap, limit;
	bool			 too_large;
	bool			 late;		/* body past MaxPacketRetrievalTime */
	unsigned		 early;		/* status to answer once the body is read */
	bool			 suspended;
	struct principal	*principal;
	const char		*user;		/* for the log: tried or known */
	char			 user_buf[64];
	bool			 via_nego;	/* principal of conn->nego */
	bool			 lookup_nego;	/* checking conn->nego's account */
	bool			 account_checked; /* by this request */
	bool			 headers_read;	/* wsman_read_headers() done */
	bool			 encrypted;	/* body is multipart/encrypted */
	bool			 seal_reply;	/* seal what answer() sends */
	bool			 close_conn;	/* Connection: close */
	char			 boundary[ENC_MAX_BOUNDARY + 1];
	char			*www_auth;	/* "Negotiate <token>" to send */
	bool			 www_auth_only;	/* a 401 leg: no scheme list */
	struct winrmd_op	 op;
	bool			 op_live;
	struct winrmd_timer	*delay;
	struct request		*next_suspended, **prev_suspended;
};

static struct listener listeners[MAX_LISTENERS];
static size_t nlisteners;
static unsigned nconnections;
static unsigned nclosing;	/* of nconnections, shut down by us */
static struct conn *conns;
static struct winrmd_timer *sweep_timer;
static struct request *suspended;
static unsigned npending;

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

/*
 * Forgets the connection's Negotiate context and its account, and closes
 * the connection after this answer: after a sealing failure the two ends'
 * keys or sequence numbers no longer agree.
 */
static void
nego_drop(struct request *rq, bool close_conn)
{
	struct conn *c = rq->conn;

	nego_free(c->nego);
	c->nego = NULL;
	principal_unref(c->nego_principal);
	c->nego_principal = NULL;
	rq->seal_reply = false;
	if (close_conn)
		rq->close_conn = true;
}

/* queues text (taken over, may be NULL) with status */
static enum MHD_Result
answer(struct request *rq, unsigned status, char *text, size_t len)
{
	const char *ctype = SOAP_CONTENT_TYPE;
	struct MHD_Response *resp;
	enum MHD_Result r;

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
			nego_drop(rq, true);
			status = 500;
		}
	}
	resp = MHD_create_response_from_buffer(text ? len : 0, text ? text : "",
	    text ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	add_common_headers(resp, text ? ctype : SOAP_CONTENT_TYPE);
	if (status == 405)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "POST");
	if (rq->close_conn)
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

static struct wsman_limits current_limits(void);

static enum MHD_Result
answer_op(struct request *rq)
{
	unsigned status = 500;
	size_t len = 0;
	char *text = op_render(&rq->op, &len, &status);

	if (text == NULL)
		return answer_status(rq, 500);
	if (status != 200)
		log_msg(rq->op.fault.code == WINRMD_FAULT_TIMED_OUT ? LOG_DEBUG :
		    LOG_INFO, "fault client=%s action=%s: %s", rq->conn->peer,
		    short_action(rq->op.msg.action), rq->op.fault.reason);
	else if (rq->op.reusable && rq->principal != NULL) {
		struct wsman_limits lim = current_limits();

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

static void
resume(struct request *rq)
{
	if (!rq->suspended)
		return;
	rq->suspended = false;
	*rq->prev_suspended = rq->next_suspended;
	if (rq->next_suspended != NULL)
		rq->next_suspended->prev_suspended = rq->prev_suspended;
	npending--;
	MHD_resume_connection(rq->mc);
	/* external polling: MHD only acts on a resume inside MHD_run() */
	rq->l->needs_run = true;
}

unsigned
http_pending(void)
{
	return npending;
}

/* ------------------------------------------------------- authentication */

/*
 * Every login and re-check is the account check of auth_job.c, on a worker;
 * the request stays suspended (RQ_AUTH) meanwhile, so its connection cannot
 * go away, and the functions below take its result on the loop thread.
 */

static void
delay_over(void *arg)
{
	struct request *rq = arg;

	rq->delay = NULL;
	resume(rq);
}

/*
 * A refused login waits before its 401: every refusal after a credential
 * check waits the same, so that timing does not tell a right password
 * refused by PermitRoot or AllowedGroups from a wrong one.  Sets
 * rq->delay (NULL if no timer could be set or the daemon is stopping).
 */
static void
fail_delay(struct request *rq, unsigned us)
{
	rq->state = RQ_DELAY;
	rq->delay = NULL;
	if (W->stopping)
		return;
	if (us == 0)
		us = DEFAULT_FAIL_DELAY_US;
	if (us > MAX_FAIL_DELAY_US)
		us = MAX_FAIL_DELAY_US;
	rq->delay = reactor_timer(us / 1000, delay_over, rq);
}

/* the 401 of a refused check, after the failure delay */
static void
refused(struct request *rq, unsigned delay_us)
{
	fail_delay(rq, delay_us);
	if (rq->delay == NULL)
		resume(rq);
}

/* the check of rq's login or principal, or -1 if it cannot start */
static int
check_start(struct request *rq, const char *user, const char *password,
    const char *scheme, auth_job_fn done)
{
	if (auth_job_start(user, password, scheme, rq->conn->ip,
	    strcmp(scheme, "NTLM") == 0, done, rq) < 0)
		return -1;
	rq->state = RQ_AUTH;
	return 0;
}

/* a Basic login checked: remembered for the next requests, then run */
static void
basic_done(struct auth_job *j, void *arg)
{
	struct request *rq = arg;

	if (j->principal != NULL) {
		unsigned long long ttl = conf_u(W->cfg, CK_AUTH_BASIC_CACHE_S),
		    check = conf_u(W->cfg, CK_AUTH_ACCOUNT_CHECK_S);

		/* a password is remembered no longer than its account check */
		if (check < ttl)
			ttl = check;
		if (ttl > 0)
			auth_cache_put(j->user, j->password, j->principal,
			    reactor_now_ms() + ttl * 1000);
		rq->principal = j->principal;
		j->principal = NULL;
		rq->account_checked = true;
		rq->state = RQ_RUN;
		resume(rq);
		return;
	}
	log_notice("auth: Basic login of %s from %s refused: %s", j->user,
	    rq->conn->ip, j->why);
	auth_cache_evict_user(j->user);
	refused(rq, j->fail_delay_us);
}

/*
 * The account behind a Negotiate handshake or a certificate mapping
 * checked: the connection's context keeps it (Negotiate), and the request
 * runs.
 */
static void
lookup_done(struct auth_job *j, void *arg)
{
	struct request *rq = arg;
	struct conn *c = rq->conn;
	bool nego = rq->lookup_nego;

	if (j->principal != NULL && (!nego || nego_established(c->nego))) {
		if (nego) {
			principal_unref(c->nego_principal);
			c->nego_principal = principal_ref(j->principal);
			rq->via_nego = true;
		}
		rq->principal = j->principal;
		j->principal = NULL;
		rq->account_checked = true;
		snprintf(rq->user_buf, sizeof(rq->user_buf), "%s",
		    rq->principal->pub.name);
		rq->user = rq->user_buf;
		log_info("auth: %s login of %s from %s", j->scheme,
		    rq->user, c->peer);
		rq->state = RQ_RUN;
		resume(rq);
		return;
	}
	log_notice("auth: %s login of %s from %s refused: %s",
	    j->scheme, j->user, c->ip, j->principal == NULL ? j->why :
	    "the context went away");
	if (nego) {
		nego_drop(rq, false);
		free(rq->www_auth);
		rq->www_auth = NULL;
	}
	refused(rq, 0);
}

/* RQ_AUTH with the account check on a worker, or RQ_DELAY if it cannot start */
static enum rq_state
lookup_begin(struct request *rq, const char *user, const char *scheme,
    bool nego)
{
	snprintf(rq->user_buf, sizeof(rq->user_buf), "%s", user);
	rq->user = rq->user_buf;
	rq->lookup_nego = nego;
	return check_start(rq, user, NULL, scheme, lookup_done) < 0 ?
	    RQ_DELAY : RQ_AUTH;
}

/*
 * A remembered login (the Basic cache, a connection's Negotiate context)
 * whose account was checked again: the new principal replaces the old
 * wherever it is remembered (the account may have changed: groups, shell),
 * or the login is forgotten and the request refused.
 */
static void
recheck_done(struct auth_job *j, void *arg)
{
	struct request *rq = arg;
	struct conn *c = rq->conn;
	struct principal *old = rq->principal;

	if (j->principal != NULL) {
		auth_cache_replace(old, j->principal);
		if (c->nego_principal == old) {
			principal_unref(c->nego_principal);
			c->nego_principal = principal_ref(j->principal);
		}
		rq->principal = j->principal;
		j->principal = NULL;
		principal_unref(old);
		rq->account_checked = true;
		rq->state = RQ_RUN;
		resume(rq);
		return;
	}
	log_notice("auth: %s login of %s from %s refused when its account was "
	    "checked again: %s", j->scheme, j->user, c->ip, j->why);
	auth_cache_evict_user(old->pub.name);
	if (rq->via_nego) {
		nego_drop(rq, false);
		free(rq->www_auth);
		rq->www_auth = NULL;
	}
	rq->principal = NULL;
	principal_unref(old);
	refused(rq, 0);
}

/*
 * Whether rq's principal, remembered from an earlier check, must be
 * checked again before rq runs: when that check is older than
 * AccountCheckSeconds or, with new_session (a new shell), whatever its age.
 * Returns RQ_RUN (no: go on), RQ_AUTH (the check is running: suspend rq)
 * or RQ_DELAY (it cannot start: 401 at once).
 */
static enum rq_state
recheck(struct request *rq, bool new_session)
{
	struct principal *p = rq->principal;

	if (p == NULL || rq->account_checked ||
	    (!new_session && auth_account_fresh(p, reactor_now_ms())))
		return RQ_RUN;
	if (check_start(rq, p->pub.name, NULL, p->pub.scheme,
	    recheck_done) == 0)
		return RQ_AUTH;
	log_err("auth: cannot check the account of %s again", p->pub.name);
	rq->principal = NULL;
	principal_unref(p);
	return RQ_DELAY;
}

/*
 * One leg of a Negotiate (or Kerberos) handshake on the loop thread.  A
 * continuing leg answers 401 with the token; a failed one waits out the
 * failure delay; a complete one looks the account up and then runs the
 * request that completed it, whose answer carries the last token
 * (Kerberos mutual authentication needs the AP-REP there).
 */
static enum rq_state
nego_begin(struct request *rq, const char *hdr)
{
	struct conn *c = rq->conn;
	const char *level = conf_s(W->cfg, CK_AUTH_CBT_HARDENING);
	struct nego_params par = { 0 };
	struct nego_result res;
	enum rq_state st;

	/* whatever this header brings, the old handshake's account is gone */
	principal_unref(c->nego_principal);
	c->nego_principal = NULL;
	if (rq->l->tls && rq->l->cbt_len > 0 && strcasecmp(level, "None") != 0) {
		par.cbt = rq->l->cbt;
		par.cbt_len = rq->l->cbt_len;
		par.cbt_strict = strcasecmp(level, "Strict") == 0;
	}
	nego_step(&c->nego, hdr, &par, &res);
	if (res.out_b64 != NULL && asprintf(&rq->www_auth, "%s %s", res.scheme,
	    res.out_b64) < 0)
		rq->www_auth = NULL;
	switch (res.status) {
	case NEGO_CONTINUE:
		rq->www_auth_only = rq->www_auth != NULL;
		st = RQ_DELAY;
		break;
	case NEGO_COMPLETE:
		log_info("auth: %s handshake of %s (%s) from %s complete%s%s",
		    res.scheme, res.name, res.mech, c->peer,
		    res.channel_bound ? ", channel-bound" : "",
		    res.can_seal ? ", sealing" : ", no sealing");
		st = lookup_begin(rq, res.user, res.mech, true);
		break;
	case NEGO_FAILED:
	default:
		log_notice("auth: %s from %s refused: %s", res.scheme, c->ip,
		    res.why);
		fail_delay(rq, 0);
		st = RQ_DELAY;
		break;
	}
	nego_result_done(&res);
	return st;
}

/* the https/mutual profile: the TLS client certificate, mapped */
static enum rq_state
cert_begin(struct request *rq)
{
	const union MHD_ConnectionInfo *ci;
	unsigned char *der = NULL;
	size_t len = 0;
	char user[64], why[512];

	if (!rq->l->tls || !conf_b(W->cfg, CK_AUTH_CERTIFICATE)) {
		log_notice("auth: certificate login from %s refused: %s",
		    rq->conn->ip, rq->l->tls ? "[Auth] Certificate is false" :
		    "not over HTTPS");
		return RQ_DELAY;
	}
	ci = MHD_get_connection_info(rq->mc,
	    MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (cert_peer(ci ? ci->tls_session : NULL, &der, &len, why,
	    sizeof(why)) < 0 || certmap_match(W->cfg, der, len, user,
	    sizeof(user), why, sizeof(why)) < 0) {
		log_notice("auth: certificate login from %s refused: %s",
		    rq->conn->ip, why);
		free(der);
		return RQ_DELAY;
	}
	free(der);
	return lookup_begin(rq, user, "Certificate", false);
}

static bool
is_scheme(const char *hdr, const char *scheme)
{
	size_t n = strlen(scheme);

	return strncasecmp(hdr, scheme, n) == 0 &&
	    (hdr[n] == ' ' || hdr[n] == '\t' || hdr[n] == '\0');
}

/*
 * Starts authenticating rq.  Returns RQ_RUN (principal known), RQ_AUTH
 * (an account check running, connection to suspend), RQ_DELAY with
 * rq->delay set (refused, 401 after the failure delay; suspend too) or
 * RQ_DELAY without (401 at once).
 */
static enum rq_state
auth_begin(struct request *rq)
{
	const char *hdr = MHD_lookup_connection_value(rq->mc, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	struct conn *c = rq->conn;
	char *user = NULL, *password = NULL;
	struct principal *p;

	if (hdr == NULL) {
		/* the connection's complete Negotiate context, if any */
		if (c->nego_principal != NULL &&
		    nego_still_allowed(c->nego, W->cfg)) {
			rq->principal = principal_ref(c->nego_principal);
			rq->via_nego = true;
			snprintf(rq->user_buf, sizeof(rq->user_buf), "%s",
			    rq->principal->pub.name);
			rq->user = rq->user_buf;
			return recheck(rq, false);
		}
		return RQ_DELAY;
	}
	if (is_scheme(hdr, "Negotiate") || is_scheme(hdr, "Kerberos"))
		return nego_begin(rq, hdr);
	if (strcmp(hdr, CERT_AUTH_SCHEME) == 0)
		return cert_begin(rq);
	if (strncasecmp(hdr, "Basic", 5) != 0 || (hdr[5] != ' ' && hdr[5] != '\t')) {
		log_notice("auth: %s sent an unsupported scheme", rq->conn->ip);
		return RQ_DELAY;
	}
	if (!conf_b(W->cfg, CK_AUTH_BASIC)) {
		log_notice("auth: Basic from %s refused: Basic is off",
		    rq->conn->ip);
		return RQ_DELAY;
	}
	if (!rq->l->tls && !conf_b(W->cfg, CK_SERVICE_ALLOW_UNENCRYPTED)) {
		log_notice("auth: Basic over plain HTTP from %s refused: "
		    "AllowUnencrypted is false", rq->conn->ip);
		return RQ_DELAY;
	}
	if (auth_basic_decode(hdr, &user, &password) < 0) {
		log_notice("auth: malformed Basic credentials from %s",
		    rq->conn->ip);
		return RQ_DELAY;
	}
	snprintf(rq->user_buf, sizeof(rq->user_buf), "%s", user);
	rq->user = rq->user_buf;
	if (conf_u(W->cfg, CK_AUTH_BASIC_CACHE_S) > 0 &&
	    (p = auth_cache_get(user, password, reactor_now_ms())) != NULL) {
		rq->principal = principal_ref(p);
		auth_basic_wipe(user, password);
		return recheck(rq, false);
	}
	if (check_start(rq, user, password, "Basic", basic_done) < 0) {
		auth_basic_wipe(user, password);
		return RQ_DELAY;
	}
	auth_basic_wipe(user, password);
	return RQ_AUTH;
}

/* -------------------------------------------------------------- running */

static void
op_completed(struct winrmd_op *op, void *arg)
{
	struct request *rq = arg;

	(void)op;
	resume(rq);
}

static struct wsman_limits
current_limits(void)
{
	return (struct wsman_limits){
		.max_envelope = conf_u(W->cfg, CK_SERVICE_MAX_ENVELOPE_KB) * 1024,
		.max_timeout_ms = conf_u(W->cfg, CK_SERVICE_MAX_TIMEOUT_MS),
	};
}

/* parses the body into rq->op; false with the fault set on error */
static bool
parse_body(struct request *rq)
{
	struct winrmd_op *op = &rq->op;
	xmlDocPtr doc;

	op->client_ip = rq->conn->ip;
	op->msg.max_envelope = current_limits().max_envelope;
	if ((op->arena = arena_new()) == NULL) {
		fault_set(&op->fault, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
		return false;
	}
	rq->op_live = true;
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
	if (dispatch_identify_known(rq->body, rq->len)) {
		rq->op.msg.identify = true;
		return true;
	}
	if (!parse_body(rq))
		return false;
	if (rq->op.msg.identify)
		dispatch_identify_learn(rq->body, rq->len);
	return true;
}

/*
 * What Negotiate changes before parsing: a sealed body is unsealed (and
 * its reply will be sealed); the empty POST pywinrm sends to finish the
 * handshake is answered 200; over HTTP with AllowUnencrypted = false a
 * plaintext body is refused, as Windows does.  Returns 0 to go on, or the
 * status to answer with.
 */
static unsigned
nego_body(struct request *rq)
{
	struct conn *c = rq->conn;
	struct enc_parts parts;
	unsigned char *plain = NULL;
	size_t plen = 0, max = current_limits().max_envelope;
	const char *why = NULL;
	char buf[300];

	if (rq->encrypted) {
		if (!rq->via_nego || !nego_can_seal(c->nego)) {
			log_notice("negotiate: %s sent a sealed body on a "
			    "connection without a sealing context", c->peer);
			nego_drop(rq, true);
			return 400;
		}
		if (enc_parse(rq->boundary, (unsigned char *)rq->body, rq->len,
		    &parts, &why) < 0) {
			log_notice("negotiate: malformed sealed body from %s "
			    "(%zu bytes): %s", c->peer, rq->len, why);
			nego_drop(rq, true);
			return 400;
		}
		if (parts.length > max) {
			log_notice("negotiate: %s sent %zu bytes sealed, more "
			    "than MaxEnvelopeSizekb", c->peer, parts.length);
			nego_drop(rq, true);
			return 413;
		}
		if (nego_unwrap(c->nego, &parts, &plain, &plen, buf,
		    sizeof(buf)) < 0) {
			log_notice("negotiate: cannot unseal the body from %s "
			    "(%s): %s", c->peer, nego_mech(c->nego), buf);
			nego_drop(rq, true);
			return 400;
		}
		memmove(rq->body, plain, plen);
		rq->len = plen;
		rq->body[plen] = '\0';
		rq->seal_reply = true;
		return 0;
	}
	if (!rq->via_nego)
		return 0;
	if (rq->len == 0)
		return 200;	/* not SOAP: the end of pywinrm's handshake */
	if (!rq->l->tls && !conf_b(W->cfg, CK_SERVICE_ALLOW_UNENCRYPTED)) {
		log_notice("negotiate: unsealed request from %s (%s) over HTTP "
		    "refused: AllowUnencrypted is false", c->peer,
		    nego_mech(c->nego));
		nego_drop(rq, false);
		free(rq->www_auth);
		rq->www_auth = NULL;
		return 401;
	}
	return 0;
}

/*
 * Identify's two answers as MHD responses, made once per configuration
 * generation and queued on every connection that asks (MHD counts their
 * references): what a plain answer() would build anew each time.
 */
static struct {
	unsigned		 gen;
	struct MHD_Response	*resp[2];
} idresp;

static void
idresp_flush(void)
{
	for (int i = 0; i < 2; i++) {
		if (idresp.resp[i] != NULL)
			MHD_destroy_response(idresp.resp[i]);
		idresp.resp[i] = NULL;
	}
}

static enum MHD_Result
answer_identify(struct request *rq, bool authenticated)
{
	int i = authenticated ? 1 : 0;
	size_t len = 0;
	char *text;

	/* a sealed answer, a handshake token or a close: answer() */
	if (!rq->seal_reply && rq->www_auth == NULL && !rq->close_conn) {
		if (idresp.gen != W->cfg_gen) {
			idresp_flush();
			idresp.gen = W->cfg_gen;
		}
		if (idresp.resp[i] == NULL &&
		    (text = dispatch_identify_text(authenticated, &len)) != NULL) {
			idresp.resp[i] = MHD_create_response_from_buffer(len,
			    text, MHD_RESPMEM_MUST_FREE);
			if (idresp.resp[i] != NULL)
				add_common_headers(idresp.resp[i],
				    SOAP_CONTENT_TYPE);
			else
				free(text);
		}
		if (idresp.resp[i] != NULL) {
			rq->state = RQ_DONE;
			log_request(rq, 200);
			return MHD_queue_response(rq->mc, 200, idresp.resp[i]);
		}
	}
	text = dispatch_identify_text(authenticated, &len);
	return text ? answer(rq, 200, text, len) : answer_status(rq, 500);
}

static enum MHD_Result
run(struct request *rq)
{
	struct wsman_limits lim = current_limits();
	struct winrmd_op *op = &rq->op;
	int rc;

	if (!rq->op_live) {
		unsigned st = nego_body(rq);
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
	}
	/*
	 * A Create (a new shell) runs with an account checked now: a login
	 * remembered from before is checked again first, and the check
	 * resumes rq here.
	 */
	if (strcmp(op->msg.action, WINRMD_ACTION_CREATE) == 0 &&
	    (rq->state = recheck(rq, true)) != RQ_RUN) {
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
		rq->state = auth_begin(rq);
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

static bool
soap_content_type(const char *ct)
{
	return ct != NULL &&
	    strncasecmp(ct, "application/soap+xml", 20) == 0 &&
	    (ct[20] == '\0' || ct[20] == ';' || ct[20] == ' ');
}

/*
 * Request paths are compared as sent, never percent-decoded: decoded,
 * "/wsman%00/../x" would be "/wsman" followed by a NUL and pass for the
 * endpoint.
 */
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

static size_t
keep_escaped(void *cls, struct MHD_Connection *mc, char *s)
{
	(void)cls;
	(void)mc;
	return strlen(s);
}

static enum MHD_Result
on_access(void *cls, struct MHD_Connection *mc, const char *url,
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
		snprintf(path, sizeof(path), "/%s",
		    conf_s(W->cfg, CK_LISTENER_URL_PREFIX));
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

static void
on_completed(void *cls, struct MHD_Connection *mc, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *req_cls;

	(void)cls;
	(void)mc;
	if (rq == NULL)
		return;
	/*
	 * A connection is torn down between its resume and the next call of
	 * on_access when its client went away while it was suspended (a
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
		if (rq->op.msg.doc != NULL)
			xmlFreeDoc(rq->op.msg.doc);
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

/* shuts c down: MHD then reads the end of file, and closes it */
static void
conn_close(struct conn *c)
{
	shutdown(c->fd, SHUT_RDWR);
	c->closing = true;
	nclosing++;
	/* closed in this loop iteration, not at the next event */
	c->l->needs_run = true;
}

/*
 * Once a second, every connection that is reading a request or idle
 * between requests (never one suspended or answering) is looked at:
 *
 *  - Client closes that MHD misses.  libmicrohttpd 0.9.75 in epoll mode
 *    (edge-triggered) takes a short read to mean "drained": when a
 *    request's bytes and the client's FIN arrive together, it reads the
 *    bytes and never reads again, so it never sees the end of file, and
 *    the connection stays until its timeout, counted against
 *    MaxConnections and MaxConnectionsPerIP: a client that connects, sends
 *    part of a request and closes would hold a slot for minutes at no cost
 *    to itself (tests/interop/hardening_wire.sh).  A peek sees the end of
 *    file.
 *  - Deadlines of connections that have not authenticated (their last
 *    request, if any, had no principal): MHD's idle timer restarts with
 *    every byte, so a client that trickles its headers a byte at a time
 *    would hold its slot for ever (tests/interop/hardening_slots.sh).
 *    Their request headers must be in within HeaderTimeoutSeconds, and the
 *    whole request within UnauthenticatedTimeoutSeconds, of the
 *    connection's start or of its previous answer.
 *
 * Either way the connection is shut down (conn_close).
 */
#define SWEEP_MS	1000

static void evictions_log_quiet(uint64_t now);

static void
conn_sweep(void *unused)
{
	uint64_t now = reactor_now_us(),
	    header_s = conf_u(W->cfg, CK_SERVICE_HEADER_TIMEOUT_S),
	    unauth_s = conf_u(W->cfg, CK_SERVICE_UNAUTHENTICATED_TIMEOUT_S);

	(void)unused;
	sweep_timer = NULL;
	for (struct conn *c = conns; c != NULL; c = c->next) {
		char b;

		if (c->fd < 0 || c->closing || (c->active != NULL &&
		    (c->active->state != RQ_READ || c->active->suspended)))
			continue;
		if (recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0) {
			log_debug("http: %s closed its end; closing ours",
			    c->peer);
			conn_close(c);
			continue;
		}
		if (c->trusted)
			continue;
		if (c->active == NULL && now - c->since_us > header_s * 1000000) {
			log_notice("http: %s sent no request headers within "
			    "HeaderTimeoutSeconds (%llu s); closing", c->peer,
			    (unsigned long long)header_s);
			conn_close(c);
		} else if (now - c->since_us > unauth_s * 1000000) {
			log_notice("http: %s sent no whole request within "
			    "UnauthenticatedTimeoutSeconds (%llu s) without "
			    "having authenticated; closing", c->peer,
			    (unsigned long long)unauth_s);
			conn_close(c);
		}
	}
	evictions_log_quiet(now);
	if (conns != NULL)
		sweep_timer = reactor_timer(SWEEP_MS, conn_sweep, NULL);
}

static void
on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct listener *l = cls;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(mc,
		    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		const union MHD_ConnectionInfo *fi = MHD_get_connection_info(mc,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		struct conn *c = calloc(1, sizeof(*c));
		in_port_t port = 0;

		*socket_context = c;
		if (c == NULL)
			return;
		c->l = l;
		nconnections++;
		c->fd = fi != NULL ? fi->connect_fd : -1;
		c->since_us = reactor_now_us();
		c->next = conns;
		c->prevp = &conns;
		if (conns != NULL)
			conns->prevp = &c->next;
		conns = c;
		if (sweep_timer == NULL)
			sweep_timer = reactor_timer(SWEEP_MS, conn_sweep, NULL);
		if (ci != NULL) {
			addr_key(ci->client_addr, (unsigned)conf_u(W->cfg,
			    CK_SERVICE_IPV6_PREFIX_LENGTH), c->key);
			c->counted = addr_take(c->key) == 0;
		}
		if (ci != NULL && ci->client_addr->sa_family == AF_INET) {
			const struct sockaddr_in *s =
			    (const struct sockaddr_in *)ci->client_addr;

			inet_ntop(AF_INET, &s->sin_addr, c->ip, sizeof(c->ip));
			port = ntohs(s->sin_port);
		} else if (ci != NULL && ci->client_addr->sa_family == AF_INET6) {
			const struct sockaddr_in6 *s =
			    (const struct sockaddr_in6 *)ci->client_addr;

			if (IN6_IS_ADDR_V4MAPPED(&s->sin6_addr))
				inet_ntop(AF_INET, &s->sin6_addr.s6_addr[12],
				    c->ip, sizeof(c->ip));
			else
				inet_ntop(AF_INET6, &s->sin6_addr, c->ip,
				    sizeof(c->ip));
			port = ntohs(s->sin6_port);
		} else
			snprintf(c->ip, sizeof(c->ip), "unknown");
		snprintf(c->peer, sizeof(c->peer), strchr(c->ip, ':') ?
		    "[%s]:%u" : "%s:%u", c->ip, (unsigned)port);
	} else {
		struct conn *c = *socket_context;

		if (c != NULL) {
			nconnections--;
			if (c->closing)
				nclosing--;
			*c->prevp = c->next;
			if (c->next != NULL)
				c->next->prevp = c->prevp;
			if (c->counted)
				addr_release(c->key);
			nego_free(c->nego);
			principal_unref(c->nego_principal);
		}
		free(*socket_context);
		*socket_context = NULL;
	}
}

/*
 * MaxConnections is reached: the connection that has waited longest for
 * request headers that are not in, from a client that has not
 * authenticated on it, makes room (a client that trickles its headers
 * cannot keep everyone out; one that reconnects at once only evicts its
 * own connections, as a legitimate client's headers are in at once).
 * false if there is none.  Logged once a second at most, with a count.
 */
static struct {
	uint64_t	last_us;	/* the last line */
	unsigned	quiet;		/* evictions since, not logged */
} evictions;

static void
evictions_log_quiet(uint64_t now)
{
	if (evictions.quiet == 0 || now - evictions.last_us < 1000000)
		return;
	log_warn("http: MaxConnections (%llu) reached; %u more connections "
	    "without request headers closed to make room",
	    conf_u(W->cfg, CK_SERVICE_MAX_CONNECTIONS), evictions.quiet);
	evictions.quiet = 0;
	evictions.last_us = now;
}

static bool
evict_one(const struct sockaddr *addr, unsigned prefix)
{
	struct conn *oldest = NULL;
	unsigned char key[ADDR_KEY_LEN];
	char who[INET6_ADDRSTRLEN + 8];
	uint64_t now = reactor_now_us();

	for (struct conn *c = conns; c != NULL; c = c->next)
		if (!c->closing && !c->trusted && c->active == NULL &&
		    c->fd >= 0 && (oldest == NULL ||
		    c->since_us < oldest->since_us))
			oldest = c;
	if (oldest == NULL)
		return false;
	if (now - evictions.last_us >= 1000000 && evictions.quiet == 0) {
		addr_key(addr, prefix, key);
		addr_key_name(key, prefix, who, sizeof(who));
		log_warn("http: MaxConnections (%llu) reached; closing the "
		    "connection of %s, without request headers for %llu s, "
		    "for one from %s",
		    conf_u(W->cfg, CK_SERVICE_MAX_CONNECTIONS), oldest->peer,
		    (unsigned long long)((now - oldest->since_us) / 1000000),
		    who);
		evictions.last_us = now;
	} else {
		evictions.quiet++;
		evictions_log_quiet(now);
	}
	conn_close(oldest);
	return true;
}

static enum MHD_Result
on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	unsigned long long per_ip = conf_u(W->cfg, CK_SERVICE_MAX_CONNECTIONS_PER_IP);
	unsigned prefix = (unsigned)conf_u(W->cfg, CK_SERVICE_IPV6_PREFIX_LENGTH);
	unsigned char key[ADDR_KEY_LEN];

	(void)cls;
	(void)addrlen;
	if (W->stopping)
		return MHD_NO;
	addr_key(addr, prefix, key);
	if (!addr_room(key) || (per_ip != 0 && addr_count(key) >= per_ip)) {
		char who[INET6_ADDRSTRLEN + 8];

		addr_key_name(key, prefix, who, sizeof(who));
		log_warn("http: MaxConnectionsPerIP (%llu) reached for %s; "
		    "refusing a connection", per_ip, who);
		return MHD_NO;
	}
	if (nconnections - nclosing >= conf_u(W->cfg, CK_SERVICE_MAX_CONNECTIONS) &&
	    !evict_one(addr, prefix)) {
		log_warn("http: MaxConnections (%llu) reached; refusing a "
		    "connection", conf_u(W->cfg, CK_SERVICE_MAX_CONNECTIONS));
		return MHD_NO;
	}
	return MHD_YES;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	log_info("http: %s", line);
}

/* ------------------------------------------------------------ listeners */

static void
on_mhd_ready(int fd, uint32_t events, void *arg)
{
	struct listener *l = arg;

	(void)fd;
	(void)events;
	MHD_run(l->mhd);
}

static uint64_t
prepare(void *unused)
{
	uint64_t wait = UINT64_MAX;

	(void)unused;
	for (size_t i = 0; i < nlisteners; i++) {
		MHD_UNSIGNED_LONG_LONG t;

		if (listeners[i].mhd == NULL)
			continue;
		while (listeners[i].needs_run) {
			listeners[i].needs_run = false;
			MHD_run(listeners[i].mhd);
		}
		if (MHD_get_timeout(listeners[i].mhd, &t) != MHD_YES)
			continue;
		if (t == 0) {
			MHD_run(listeners[i].mhd);
			if (MHD_get_timeout(listeners[i].mhd, &t) != MHD_YES)
				continue;
		}
		if (t < wait)
			wait = t;
	}
	return wait;
}

static int
listen_socket(const char *addr, unsigned port, bool *ret_v6)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd, one = 1, zero = 0;

	if (strcmp(addr, "*") == 0 || strchr(addr, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (strcmp(addr, "*") == 0)
			s6->sin6_addr = in6addr_any;
		else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
			return -EINVAL;
		len = sizeof(*s6);
		*ret_v6 = true;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
			return -EINVAL;
		len = sizeof(*s4);
		*ret_v6 = false;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 && strcmp(addr, "*") == 0 && errno == EAFNOSUPPORT)
		return listen_socket("0.0.0.0", port, ret_v6);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
		    strcmp(addr, "*") == 0 ? &zero : &one, sizeof(int));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 128) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

static int
listener_start(struct listener *l)
{
	const struct config *c = W->cfg;
	unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
	    MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	struct MHD_OptionItem tls_opts[] = {
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, l->key },
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, l->cert },
		{ MHD_OPTION_HTTPS_PRIORITIES, 0,
		    (void *)conf_s(c, CK_LISTENER_TLS_PRIORITY) },
		/* a trust list makes GnuTLS ask for a client certificate
		 * (optional: Basic and Negotiate clients send none) */
		{ l->client_ca ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, 0,
		    l->client_ca },
		{ MHD_OPTION_END, 0, NULL },
	};
	struct MHD_OptionItem none[] = { { MHD_OPTION_END, 0, NULL } };

	if (l->tls)
		flags |= MHD_USE_TLS;
	l->mhd = MHD_start_daemon(flags, 0, on_accept, l, on_access, l,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, l,
	    MHD_OPTION_LISTEN_SOCKET, l->fd,
	    /* MaxConnections(PerIP) are enforced in on_accept, across
	     * listeners and with the current config; this is a ceiling */
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)100000,
	    MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)conf_u(c, CK_SERVICE_IDLE_CONNECTION_S),
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
	    MHD_OPTION_CONNECTION_MEMORY_INCREMENT, (size_t)4096,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, l,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, l,
	    MHD_OPTION_STRICT_FOR_CLIENT, 1,
	    MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL,
	    MHD_OPTION_ARRAY, l->tls ? tls_opts : none,
	    MHD_OPTION_END);
	if (l->mhd == NULL) {
		log_err("http: cannot start the %s listener", l->name);
		return -1;
	}
	info = MHD_get_daemon_info(l->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL || (l->watch = reactor_watch(info->epoll_fd,
	    WINRMD_IN, on_mhd_ready, l)) == NULL) {
		log_err("http: cannot watch the %s listener", l->name);
		return -1;
	}
	log_notice("http: listening on %s", l->name);
	return 0;
}

/* [Auth] ClientCAFile as PEM text, or NULL (logged) */
static char *
client_ca_load(void)
{
	const char *path = conf_s(W->cfg, CK_AUTH_CLIENT_CA_FILE);
	FILE *fp;
	char *buf = NULL;
	long len;

	if (path[0] == '\0') {
		log_err("http: [Auth] Certificate = true needs ClientCAFile, "
		    "the authorities that issue client certificates");
		return NULL;
	}
	if ((fp = fopen(path, "re")) == NULL) {
		log_err("http: cannot read ClientCAFile %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (fseek(fp, 0, SEEK_END) == 0 && (len = ftell(fp)) > 0 &&
	    len < 4 * 1024 * 1024 && fseek(fp, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)len + 1)) != NULL) {
		if (fread(buf, 1, (size_t)len, fp) != (size_t)len) {
			free(buf);
			buf = NULL;
		} else
			buf[len] = '\0';
	}
	fclose(fp);
	if (buf == NULL || strstr(buf, "-----BEGIN CERTIFICATE-----") == NULL) {
		log_err("http: ClientCAFile %s holds no PEM certificate", path);
		free(buf);
		return NULL;
	}
	return buf;
}

static int
add_listener(int fd, bool tls, const char *name)
{
	struct listener *l;

	if (nlisteners == MAX_LISTENERS) {
		log_err("http: too many listeners");
		close(fd);
		return -1;
	}
	l = &listeners[nlisteners++];
	l->fd = fd;
	l->tls = tls;
	snprintf(l->name, sizeof(l->name), "%s", name);
	if (tls && tls_load_or_create(conf_s(W->cfg, CK_LISTENER_CERT_FILE),
	    conf_s(W->cfg, CK_LISTENER_KEY_FILE), W->hostname, &l->cert,
	    &l->key) < 0)
		return -1;
	if (tls && tls_server_end_point(l->cert, l->cbt, sizeof(l->cbt),
	    &l->cbt_len) < 0) {
		log_warn("http: no channel-binding data for %s: Negotiate "
		    "there goes without channel binding", l->name);
		l->cbt_len = 0;
	}
	if (tls && conf_b(W->cfg, CK_AUTH_CERTIFICATE) &&
	    (l->client_ca = client_ca_load()) == NULL)
		return -1;
	return listener_start(l);
}

/* the port a socket is bound to, 0 if unknown */
static unsigned
socket_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

/*
 * Sockets from systemd: FileDescriptorName=https or http decides; otherwise
 * a socket on HTTPSPort is HTTPS.
 */
static int
start_activated(int n, char **names)
{
	unsigned https_port = (unsigned)conf_u(W->cfg, CK_LISTENER_HTTPS_PORT);

	for (int i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;
		const char *nm = names != NULL ? names[i] : NULL;
		bool tls = nm != NULL && strcasecmp(nm, "https") == 0;
		char name[80];

		if (nm == NULL || (strcasecmp(nm, "https") != 0 &&
		    strcasecmp(nm, "http") != 0))
			tls = socket_port(fd) == https_port && https_port != 0;
		snprintf(name, sizeof(name), "%s socket from systemd (fd %d)",
		    tls ? "https" : "http", fd);
		if (add_listener(fd, tls, name) < 0)
			return -1;
	}
	return 0;
}

int
http_start(void)
{
	char *const *addrs = conf_list(W->cfg, CK_LISTENER_ADDRESS);
	unsigned ports[2] = {
		(unsigned)conf_u(W->cfg, CK_LISTENER_HTTP_PORT),
		(unsigned)conf_u(W->cfg, CK_LISTENER_HTTPS_PORT),
	};
	char **names = NULL;
	int n;

	reactor_set_prepare(prepare, NULL);
	if ((n = sd_listen_fds_with_names(1, &names)) > 0) {
		int r = start_activated(n, names);

		for (int i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return r;
	}
	if (addrs == NULL || addrs[0] == NULL) {
		log_err("http: [Listener] Address is empty");
		return -1;
	}
	for (int tls = 0; tls < 2; tls++) {
		if (ports[tls] == 0)
			continue;
		for (size_t i = 0; addrs[i] != NULL; i++) {
			char name[128];
			bool v6;
			int fd = listen_socket(addrs[i], ports[tls], &v6);

			if (fd < 0) {
				log_err("http: cannot listen on %s port %u: %s",
				    addrs[i], ports[tls], strerror(-fd));
				return -1;
			}
			snprintf(name, sizeof(name), v6 && strcmp(addrs[i], "*") ?
			    "%s://[%s]:%u/%s" : "%s://%s:%u/%s",
			    tls ? "https" : "http", addrs[i], ports[tls],
			    conf_s(W->cfg, CK_LISTENER_URL_PREFIX));
			if (add_listener(fd, tls, name) < 0)
				return -1;
		}
	}
	if (nlisteners == 0) {
		log_err("http: both HTTPPort and HTTPSPort are 0: nothing to "
		    "listen on");
		return -1;
	}
	return 0;
}

void
http_quiesce(void)
{
	for (size_t i = 0; i < nlisteners; i++) {
		int fd;

		if (listeners[i].mhd != NULL &&
		    (fd = MHD_quiesce_daemon(listeners[i].mhd)) >= 0)
			close(fd);
	}
}

void
http_stop(void)
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
		resume(rq);
	}
	for (size_t i = 0; i < nlisteners; i++) {
		struct listener *l = &listeners[i];

		if (l->mhd != NULL) {
			MHD_run(l->mhd);
			reactor_watch_remove(l->watch);
			MHD_stop_daemon(l->mhd);
		}
		free(l->cert);
		free(l->key);
		free(l->client_ca);
		memset(l, 0, sizeof(*l));
	}
	nlisteners = 0;
	reactor_timer_stop(sweep_timer);
	sweep_timer = NULL;
	idresp_flush();
	reply_memo_flush();
}
