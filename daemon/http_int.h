/*
 * http_int.h: the state the parts of the HTTP front end share (not used
 * outside daemon/http*.c); what each part offers the others is in its own
 * header (http_request.h, http_auth.h, http_conn.h; http.h for the rest
 * of the daemon):
 *
 *   http_listen.c   listeners, sockets from systemd, TLS set-up, MHD's run
 *   http_conn.c     connections: per-IP slots, MaxConnections, the sweep
 *   http.c          a request's state machine, its body and its answer
 *   http_auth.c     authentication of a request, Negotiate sealing
 *   http_pool.c     the empty pages of a waiting request's MHD pool
 *
 * A listener owns its MHD daemon; a connection (struct conn) is MHD's
 * socket context; a request (struct request) is MHD's request context
 * and belongs to one connection, which serves one request at a time.
 */
#ifndef WINRMD_HTTP_INT_H
#define WINRMD_HTTP_INT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "addrcount.h"
#include "auth.h"
#include "encryption.h"
#include "op.h"
#include "tls_creds.h"

#define SOAP_CONTENT_TYPE	"application/soap+xml;charset=UTF-8"

/*
 * A listener: a configured one (conf_listener in config.h) or a socket
 * from systemd.  A disabled one is listed for `winrm enumerate
 * winrm/config/listener' but has no socket and no MHD daemon.
 */
struct listener {
	struct MHD_Daemon	*mhd;
	struct winrmd_watch	*watch;
	int			 fd;
	bool			 tls;
	bool			 enabled;
	bool			 needs_run;	/* a connection was resumed */
	char			*client_ca;	/* PEM trust list: client certs */
	struct tls_store	*store;		/* HTTPS: its certificate */
	char			 thumbprint[41]; /* configured, for a disabled one */
	char			*section;	/* NAME of [Listener NAME] */
	char			 address[INET6_ADDRSTRLEN]; /* "*" or one */
	unsigned		 port;
	char			 url_prefix[128]; /* without the leading / */
	char			 name[128];	/* for the log: its URL */
	char			 ws_address[INET6_ADDRSTRLEN + 4]; /* "IP:..." */
};

struct request;

struct conn {
	struct listener		*l;
	unsigned char		 key[ADDR_KEY_LEN]; /* its client (addrcount.h) */
	bool			 counted;	/* under key */
	char			 ip[INET6_ADDRSTRLEN];
	char			 peer[INET6_ADDRSTRLEN + 8];
	struct tls_creds	*creds;		/* held (tls_creds.h), or NULL */
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
	const char		*method;	/* MHD's: the request line's start */
	struct conn		*conn;
	struct listener		*l;
	uint64_t		 start_us;
	char			*body;
	size_t			 len, cap, limit;
	bool			 too_large;
	bool			 late;		/* body past MaxPacketRetrievalTime */
	unsigned		 early;		/* status to answer once the body is read */
	bool			 suspended;
	bool			 pool_due;	/* pending since this pass: its pool's
						 * pages go back at the next
						 * (http_release_waiting) */
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
	/* op.msg is this kept parse's (reply_memo.h): its doc is shared */
	struct memo_parsed	*parsed;
	struct winrmd_timer	*delay;
	struct request		*next_suspended, **prev_suspended;
};

#endif
