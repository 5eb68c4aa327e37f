/*
 * http_auth.c: who sends a request.  Basic credentials checked by PAM, a
 * Negotiate or Kerberos handshake (auth_negotiate.c) whose account is then
 * looked up, a TLS client certificate mapped to an account (auth_cert.c),
 * a remembered login checked again when it is old or opens a shell; and
 * the sealing of a Negotiate connection's bodies (MS-WSMV 2.2.9.1).
 *
 * Every login and re-check is the account check of auth_job.c, on a worker;
 * the request stays suspended (RQ_AUTH) meanwhile, so its connection cannot
 * go away, and the functions below take its result on the loop thread.  A
 * refused login waits out the failure delay (RQ_DELAY) before its 401.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>

#include "auth_cert.h"
#include "config.h"
#include "http_auth.h"
#include "http_int.h"
#include "http_request.h"
#include "log.h"
#include "negotiate.h"
#include "reactor.h"
#include "tls.h"
#include "winrmd.h"
#include "wsman.h"

#define MAX_FAIL_DELAY_US	5000000u
#define DEFAULT_FAIL_DELAY_US	2000000u	/* pam_unix's own */

/*
 * Forgets the connection's Negotiate context and its account, and closes
 * the connection after this answer: after a sealing failure the two ends'
 * keys or sequence numbers no longer agree.
 */
void
http_nego_drop(struct request *rq, bool close_conn)
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


static void
delay_over(void *arg)
{
	struct request *rq = arg;

	rq->delay = NULL;
	http_resume(rq);
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
		http_resume(rq);
}

/*
 * The audit trail, one line per login decided, in sshd's words so that log
 * watchers (fail2ban, a SIEM) read it as they read sshd's: "Accepted basic
 * for bob from ADDR port N", "Failed basic for [invalid user] bob from
 * ADDR port N".  The scheme: basic, negotiate (NTLM), kerberos,
 * certificate.  The line next to it says why, in the daemon's words.  The
 * user name is the client's: log.c escapes it (a newline in it cannot
 * start a line of its own).
 */
static const char *
audit_scheme(const char *s)
{
	if (strcasecmp(s, "Basic") == 0)
		return "basic";
	if (strcasecmp(s, "Kerberos") == 0)
		return "kerberos";
	if (strcasecmp(s, "Certificate") == 0)
		return "certificate";
	return "negotiate";
}

static const char *
audit_port(const struct conn *c)
{
	const char *p = strrchr(c->peer, ':');

	return p != NULL && p[1] != '\0' ? p + 1 : "0";
}

static void
audit_accepted(const char *scheme, const char *user, const struct conn *c)
{
	log_info("auth: Accepted %s for %s from %s port %s",
	    audit_scheme(scheme), user, c->ip, audit_port(c));
}

static void
audit_failed(const char *scheme, const char *user, bool invalid,
    const struct conn *c)
{
	log_notice("auth: Failed %s for %s%s from %s port %s",
	    audit_scheme(scheme), invalid ? "invalid user " : "",
	    user != NULL && user[0] != '\0' ? user : "(unknown)", c->ip,
	    audit_port(c));
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
		audit_accepted("Basic", rq->principal->pub.name, rq->conn);
		http_resume(rq);
		return;
	}
	audit_failed("Basic", j->user, j->invalid_user, rq->conn);
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
		audit_accepted(j->scheme, rq->user, c);
		rq->state = RQ_RUN;
		http_resume(rq);
		return;
	}
	audit_failed(j->scheme, j->user, j->principal == NULL &&
	    j->invalid_user, c);
	log_notice("auth: %s login of %s from %s refused: %s",
	    j->scheme, j->user, c->ip, j->principal == NULL ? j->why :
	    "the context went away");
	if (nego) {
		http_nego_drop(rq, false);
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
		http_resume(rq);
		return;
	}
	audit_failed(j->scheme, j->user, j->invalid_user, c);
	log_notice("auth: %s login of %s from %s refused when its account was "
	    "checked again: %s", j->scheme, j->user, c->ip, j->why);
	auth_cache_evict_user(old->pub.name);
	if (rq->via_nego) {
		http_nego_drop(rq, false);
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
enum rq_state
http_recheck(struct request *rq, bool new_session)
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
 * The channel-binding data of rq's TLS session (RFC 5929
 * tls-server-end-point): of the certificate this connection's handshake
 * presented, which a reload may since have replaced for new ones.
 */
static int
session_end_point(struct request *rq, unsigned char *buf, size_t len,
    size_t *ret_len)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(rq->mc,
	    MHD_CONNECTION_INFO_GNUTLS_SESSION);
	const gnutls_datum_t *ours = ci != NULL && ci->tls_session != NULL ?
	    gnutls_certificate_get_ours(ci->tls_session) : NULL;

	if (ours == NULL || tls_server_end_point_der(ours->data, ours->size,
	    buf, len, ret_len) < 0) {
		log_warn("negotiate: no channel-binding data for %s: its "
		    "handshake goes without channel binding", rq->conn->peer);
		return -1;
	}
	return 0;
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
	unsigned char cbt[96];
	enum rq_state st;

	/* whatever this header brings, the old handshake's account is gone */
	principal_unref(c->nego_principal);
	c->nego_principal = NULL;
	if (rq->l->tls && strcasecmp(level, "None") != 0 &&
	    session_end_point(rq, cbt, sizeof(cbt), &par.cbt_len) == 0) {
		par.cbt = cbt;
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
		audit_failed(res.scheme, res.name[0] != '?' ? res.name : NULL,
		    false, c);
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
		audit_failed("Certificate", NULL, false, rq->conn);
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
enum rq_state
http_auth_begin(struct request *rq)
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
			return http_recheck(rq, false);
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
		return http_recheck(rq, false);
	}
	if (check_start(rq, user, password, "Basic", basic_done) < 0) {
		auth_basic_wipe(user, password);
		return RQ_DELAY;
	}
	auth_basic_wipe(user, password);
	return RQ_AUTH;
}


/*
 * What Negotiate changes before parsing: a sealed body is unsealed (and
 * its reply will be sealed); the empty POST pywinrm sends to finish the
 * handshake is answered 200; over HTTP with AllowUnencrypted = false a
 * plaintext body is refused, as Windows does.  Returns 0 to go on, or the
 * status to answer with.
 */
unsigned
http_nego_body(struct request *rq)
{
	struct conn *c = rq->conn;
	struct enc_parts parts;
	unsigned char *plain = NULL;
	size_t plen = 0, max = http_limits().max_envelope;
	const char *why = NULL;
	char buf[300];

	if (rq->encrypted) {
		if (!rq->via_nego || !nego_can_seal(c->nego)) {
			log_notice("negotiate: %s sent a sealed body on a "
			    "connection without a sealing context", c->peer);
			http_nego_drop(rq, true);
			return 400;
		}
		if (enc_parse(rq->boundary, (unsigned char *)rq->body, rq->len,
		    &parts, &why) < 0) {
			log_notice("negotiate: malformed sealed body from %s "
			    "(%zu bytes): %s", c->peer, rq->len, why);
			http_nego_drop(rq, true);
			return 400;
		}
		if (parts.length > max) {
			log_notice("negotiate: %s sent %zu bytes sealed, more "
			    "than MaxEnvelopeSizekb", c->peer, parts.length);
			http_nego_drop(rq, true);
			return 413;
		}
		if (nego_unwrap(c->nego, &parts, &plain, &plen, buf,
		    sizeof(buf)) < 0) {
			log_notice("negotiate: cannot unseal the body from %s "
			    "(%s): %s", c->peer, nego_mech(c->nego), buf);
			http_nego_drop(rq, true);
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
		http_nego_drop(rq, false);
		free(rq->www_auth);
		rq->www_auth = NULL;
		return 401;
	}
	return 0;
}

