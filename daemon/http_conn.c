/*
 * http_conn.c: the connections of every listener.  Which are accepted
 * (MaxConnectionsPerIP, MaxConnections, evicting a connection that sends
 * no headers to make room), their address and log name, and a sweep once
 * a second that closes what MHD misses or lets linger.
 */
#include "build.h"

#include <arpa/inet.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "http_conn.h"
#include "http_int.h"
#include "log.h"
#include "negotiate.h"
#include "reactor.h"
#include "tls_creds.h"
#include "winrmd.h"

static unsigned nconnections;
static unsigned nclosing;	/* of nconnections, shut down by us */
static struct conn *conns;
static struct winrmd_timer *sweep_timer;
static uint64_t trimmed_at;	/* W->count.requests at the last trim */

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
 *
 * And after a second in which requests were served, the heap's free pages
 * go back to the kernel (malloc_trim): main.c keeps freed memory in the
 * heap for streaming's big buffers, and what a burst frees between what
 * it leaves (thousands of shells created at once, each leaving a few
 * hundred bytes here and there) free() never gives back.  Without it a
 * waiting shell cost twice what it holds.
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
	if (W->count.requests != trimmed_at) {
		trimmed_at = W->count.requests;
		malloc_trim(0);
	}
	if (conns != NULL)
		sweep_timer = reactor_timer(SWEEP_MS, conn_sweep, NULL);
}

void
http_on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
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
		if (l->tls)
			c->creds = tls_creds_hold(l->store);
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
			tls_creds_release(c->creds);
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

enum MHD_Result
http_on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
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


void
http_conns_stop(void)
{
	reactor_timer_stop(sweep_timer);
	sweep_timer = NULL;
}
