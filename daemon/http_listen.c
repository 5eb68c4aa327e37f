/*
 * http_listen.c: the HTTP and HTTPS listeners.  Sockets opened for the
 * configured listeners ([Listener] or [Listener NAME], conf_listen.c) or
 * taken from systemd (socket activation), one libmicrohttpd daemon per
 * socket in external-epoll mode on the reactor, and for HTTPS each
 * listener's certificate and key (a tls_creds.c store: listeners with
 * their own files present their own) and the client trust list.
 */
#include "build.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <systemd/sd-daemon.h>

#include "config.h"
#include "http.h"
#include "http_conn.h"
#include "http_int.h"
#include "http_pool.h"
#include "http_request.h"
#include "log.h"
#include "reactor.h"
#include "reply_memo.h"
#include "tls.h"
#include "tls_creds.h"
#include "winrmd.h"

/*
 * What MHD may use for one connection: its read buffer, the parsed headers
 * and the answer's headers.  The request headers must fit: a Negotiate
 * token of up to 64 KiB of base64 (a Kerberos ticket with a big PAC;
 * MAX_TOKEN_B64 in auth_negotiate.c) and up to 32 KiB of everything else;
 * larger headers get 431.  Bodies pass through it in pieces, never whole.
 * At most MaxConnections times this (winrmd.8, HTTP).
 */
#define CONN_MEMORY		(96 * 1024)

/*
 * The listeners, enabled or not.  The certificate and key files each
 * HTTPS listener started with are its store's: a reload reads them again
 * (their names are read only at start, as winrmd.conf(5) says:
 * CertificateFile, KeyFile and CertificateThumbprint wait for a restart).
 */
static struct listener listeners[CONF_MAX_LISTENERS];
static size_t nlisteners;

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

/* MHD's work for l: its handshakes take l's certificate (tls_creds.h) */
static void
run(struct listener *l)
{
	tls_store_select(l->store);
	MHD_run(l->mhd);
	tls_store_select(NULL);
}

static void
on_mhd_ready(int fd, uint32_t events, void *arg)
{
	struct listener *l = arg;

	(void)fd;
	(void)events;
	run(l);
}

static uint64_t
prepare(void *unused)
{
	uint64_t wait = UINT64_MAX;

	(void)unused;
	http_release_waiting();
	for (size_t i = 0; i < nlisteners; i++) {
		MHD_UNSIGNED_LONG_LONG t;

		if (listeners[i].mhd == NULL)
			continue;
		while (listeners[i].needs_run) {
			listeners[i].needs_run = false;
			run(&listeners[i]);
		}
		if (MHD_get_timeout(listeners[i].mhd, &t) != MHD_YES)
			continue;
		if (t == 0) {
			run(&listeners[i]);
			if (MHD_get_timeout(listeners[i].mhd, &t) != MHD_YES)
				continue;
		}
		if (t < wait)
			wait = t;
	}
	/* requests that went pending just now: their pools at the next pass */
	if (http_release_due())
		wait = 0;
	return wait;
}

/*
 * Request paths are compared as sent, never percent-decoded: decoded,
 * "/wsman%00/../x" would be "/wsman" followed by a NUL and pass for the
 * endpoint.
 */
static size_t
keep_escaped(void *cls, struct MHD_Connection *mc, char *s)
{
	(void)cls;
	(void)mc;
	return strlen(s);
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
		/* the current certificate and key at each handshake: a
		 * reload replaces them (tls_creds.c) */
		{ MHD_OPTION_HTTPS_CERT_CALLBACK, 0,
		    (void *)tls_creds_retrieve },
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
	l->mhd = MHD_start_daemon(flags, 0, http_on_accept, l, http_on_access, l,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, l,
	    MHD_OPTION_LISTEN_SOCKET, l->fd,
	    /* MaxConnections(PerIP) are enforced in http_on_accept, across
	     * listeners and with the current config; this is a ceiling */
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)100000,
	    MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)conf_u(c, CK_SERVICE_IDLE_CONNECTION_S),
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
	    MHD_OPTION_CONNECTION_MEMORY_INCREMENT, (size_t)4096,
	    MHD_OPTION_NOTIFY_COMPLETED, http_on_completed, l,
	    MHD_OPTION_NOTIFY_CONNECTION, http_on_connection, l,
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
	char *buf;

	if (path[0] == '\0') {
		log_err("http: [Auth] Certificate = true needs ClientCAFile, "
		    "the authorities that issue client certificates");
		return NULL;
	}
	if ((buf = tls_read_pem(path, 4 * 1024 * 1024)) == NULL) {
		log_err("http: cannot read ClientCAFile %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (strstr(buf, "-----BEGIN CERTIFICATE-----") == NULL) {
		log_err("http: ClientCAFile %s holds no PEM certificate", path);
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * The store of a configured HTTPS listener's certificate: its files, or
 * the one of CertificateDirectory with its thumbprint.  NULL (logged).
 */
static struct tls_store *
listener_store(const struct conf_listener *cl)
{
	char *cert = NULL, *key = NULL;
	struct tls_store *st;
	bool create = true;

	if (cl->thumbprint[0] != '\0') {
		if (tls_find_thumbprint(conf_s(W->cfg, CK_LISTENER_CERT_DIR),
		    cl->thumbprint, &cert, &key) < 0)
			return NULL;
		create = false;
	}
	st = tls_store_get(cert ? cert : cl->cert_file, key ? key :
	    cl->key_file);
	free(cert);
	free(key);
	/* loaded once, by the first listener of the pair */
	if (st != NULL && tls_store_thumbprint(st)[0] == '\0' &&
	    tls_creds_load(st, W->hostname, create) < 0)
		return NULL;
	return st;
}

/*
 * A listener on fd (-1: disabled) for cl (NULL: a socket from systemd no
 * listener describes, with the [Listener] keys); name for the log.
 */
static int
add_listener(int fd, bool tls, const struct conf_listener *cl,
    const char *address, unsigned port, const char *name)
{
	struct listener *l;

	if (nlisteners == CONF_MAX_LISTENERS) {
		log_err("http: too many listeners");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	l = &listeners[nlisteners++];
	l->fd = fd;
	l->tls = tls;
	l->enabled = fd >= 0;
	l->port = port;
	snprintf(l->address, sizeof(l->address), "%s", address);
	/* Windows' Address: * or IP: and the address */
	snprintf(l->ws_address, sizeof(l->ws_address), "%s%s",
	    strcmp(address, "*") == 0 ? "" : "IP:", address);
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->url_prefix, sizeof(l->url_prefix), "%s", cl ?
	    cl->url_prefix : conf_s(W->cfg, CK_LISTENER_URL_PREFIX));
	if (cl != NULL)
		memcpy(l->thumbprint, cl->thumbprint, sizeof(l->thumbprint));
	if (cl != NULL && cl->name != NULL &&
	    (l->section = strdup(cl->name)) == NULL) {
		log_err("http: out of memory");
		return -1;
	}
	if (!l->enabled) {
		log_info("http: %s ([Listener %s]) is not enabled", l->name,
		    l->section ? l->section : "?");
		return 0;
	}
	if (tls) {
		struct conf_listener dflt = {
			.cert_file = (char *)conf_s(W->cfg,
			    CK_LISTENER_CERT_FILE),
			.key_file = (char *)conf_s(W->cfg,
			    CK_LISTENER_KEY_FILE),
		};

		if ((l->store = listener_store(cl && cl->tls ? cl :
		    &dflt)) == NULL)
			return -1;
		if (conf_b(W->cfg, CK_AUTH_CERTIFICATE) &&
		    (l->client_ca = client_ca_load()) == NULL)
			return -1;
	}
	return listener_start(l);
}

/*
 * The address and port a socket is bound to: "*" for a wildcard, else
 * the address as text.  false if unknown.
 */
static bool
socket_address(int fd, char *addr, size_t len, unsigned *port)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return false;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		*port = ntohs(s4->sin_port);
		if (s4->sin_addr.s_addr == htonl(INADDR_ANY))
			snprintf(addr, len, "*");
		else
			inet_ntop(AF_INET, &s4->sin_addr, addr, (socklen_t)len);
		return true;
	}
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		*port = ntohs(s6->sin6_port);
		if (IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr))
			snprintf(addr, len, "*");
		else
			inet_ntop(AF_INET6, &s6->sin6_addr, addr,
			    (socklen_t)len);
		return true;
	}
	return false;
}

/* whether two addresses are the same ("*" only matches "*") */
static bool
same_address(const char *a, const char *b)
{
	unsigned char x[16], y[16];

	if (strcmp(a, b) == 0)
		return true;
	return (inet_pton(AF_INET6, a, x) == 1 && inet_pton(AF_INET6, b, y) ==
	    1 && memcmp(x, y, 16) == 0);
}

/*
 * The configured listener a socket from systemd is: the one whose NAME
 * is its FileDescriptorName, else the enabled one on its address and
 * port (of its transport, when the name is http or https).  NULL: none.
 */
static const struct conf_listener *
activated_listener(const char *nm, const char *addr, unsigned port)
{
	const struct config *c = W->cfg;

	for (size_t i = 0; nm != NULL && i < c->nlisteners; i++)
		if (c->listeners[i].name != NULL &&
		    strcasecmp(c->listeners[i].name, nm) == 0)
			return &c->listeners[i];
	for (size_t i = 0; i < c->nlisteners; i++) {
		const struct conf_listener *cl = &c->listeners[i];

		if (!cl->enabled || cl->port != port ||
		    !same_address(cl->address, addr))
			continue;
		if (nm != NULL && (strcasecmp(nm, "https") == 0 ||
		    strcasecmp(nm, "http") == 0) &&
		    cl->tls != (strcasecmp(nm, "https") == 0))
			continue;
		return cl;
	}
	return NULL;
}

/*
 * Sockets from systemd.  FileDescriptorName=NAME of a [Listener NAME]
 * section, or the listener on the socket's address and port, gives its
 * transport, certificate and URLPrefix; otherwise FileDescriptorName=
 * https or http decides, or a socket on HTTPSPort is HTTPS, with the
 * [Listener] keys.
 */
static int
start_activated(int n, char **names)
{
	unsigned https_port = (unsigned)conf_u(W->cfg, CK_LISTENER_HTTPS_PORT);

	for (int i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;
		const char *nm = names != NULL ? names[i] : NULL;
		const struct conf_listener *cl;
		char name[128], addr[INET6_ADDRSTRLEN] = "*";
		unsigned port = 0;
		bool tls;

		(void)socket_address(fd, addr, sizeof(addr), &port);
		if ((cl = activated_listener(nm, addr, port)) != NULL)
			tls = cl->tls;
		else if (nm != NULL && (strcasecmp(nm, "https") == 0 ||
		    strcasecmp(nm, "http") == 0))
			tls = strcasecmp(nm, "https") == 0;
		else
			tls = port == https_port && https_port != 0;
		snprintf(name, sizeof(name), "%s socket from systemd (fd %d%s%s)",
		    tls ? "https" : "http", fd, cl && cl->name ? ", [Listener " :
		    "", cl && cl->name ? cl->name : "");
		if (cl != NULL && cl->name != NULL)
			strncat(name, "]", sizeof(name) - strlen(name) - 1);
		if (add_listener(fd, tls, cl, addr, port, name) < 0)
			return -1;
	}
	return 0;
}

int
http_start(void)
{
	const struct config *c = W->cfg;
	char **names = NULL;
	size_t enabled = 0;
	int n;

	reactor_set_prepare(prepare, NULL);
	http_pool_init(CONN_MEMORY);
	if ((n = sd_listen_fds_with_names(1, &names)) > 0) {
		int r = start_activated(n, names);

		for (int i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return r;
	}
	for (size_t i = 0; i < c->nlisteners; i++) {
		const struct conf_listener *cl = &c->listeners[i];
		char name[160];
		bool v6 = strchr(cl->address, ':') != NULL;
		int fd = -1;

		if (cl->enabled) {
			if ((fd = listen_socket(cl->address, cl->port,
			    &v6)) < 0) {
				log_err("http: cannot listen on %s port %u%s%s%s: "
				    "%s", cl->address, cl->port, cl->name ?
				    " ([Listener " : "", cl->name ? cl->name :
				    "", cl->name ? "])" : "", strerror(-fd));
				return -1;
			}
			enabled++;
		}
		snprintf(name, sizeof(name), v6 && strcmp(cl->address, "*") ?
		    "%s://[%s]:%u/%s" : "%s://%s:%u/%s",
		    cl->tls ? "https" : "http", cl->address, cl->port,
		    cl->url_prefix);
		if (add_listener(fd, cl->tls, cl, cl->address, cl->port,
		    name) < 0)
			return -1;
	}
	if (enabled == 0) {
		log_err("http: %s: nothing to listen on", c->nlsec > 0 ?
		    "every [Listener NAME] has Enabled = false" :
		    "both HTTPPort and HTTPSPort are 0, or [Listener] Address "
		    "is empty");
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
	http_requests_stop();
	for (size_t i = 0; i < nlisteners; i++) {
		struct listener *l = &listeners[i];

		if (l->mhd != NULL) {
			run(l);
			reactor_watch_remove(l->watch);
			MHD_stop_daemon(l->mhd);
		}
		free(l->client_ca);
		free(l->section);
		memset(l, 0, sizeof(*l));
	}
	nlisteners = 0;
	tls_creds_shutdown();
	http_conns_stop();
	reply_memo_flush();
}

/* the listener of the current configuration l is, or NULL */
static const struct conf_listener *
conf_of(const struct listener *l)
{
	const struct config *c = W->cfg;

	for (size_t i = 0; i < c->nlisteners; i++) {
		const struct conf_listener *cl = &c->listeners[i];

		if (l->section != NULL ? cl->name != NULL &&
		    strcasecmp(cl->name, l->section) == 0 : cl->name == NULL &&
		    cl->tls == l->tls && cl->port == l->port &&
		    same_address(cl->address, l->address))
			return cl;
	}
	return NULL;
}

void
http_reload(void)
{
	/* refused (logged): the running certificate stays */
	(void)tls_creds_reload(W->hostname);
	for (size_t i = 0; i < nlisteners; i++) {
		struct listener *l = &listeners[i];
		const struct conf_listener *cl = conf_of(l);

		snprintf(l->url_prefix, sizeof(l->url_prefix), "%s", cl ?
		    cl->url_prefix : conf_s(W->cfg, CK_LISTENER_URL_PREFIX));
	}
}

bool
http_listener_info(size_t i, struct winrmd_listener *out)
{
	struct listener *l;

	if (i >= nlisteners)
		return false;
	l = &listeners[i];
	*out = (struct winrmd_listener){
		.name = l->section,
		.address = l->ws_address,
		.transport = l->tls ? "HTTPS" : "HTTP",
		.port = l->port,
		.enabled = l->enabled,
		.url_prefix = l->url_prefix,
		.thumbprint = !l->tls ? "" : l->store ?
		    tls_store_thumbprint(l->store) : l->thumbprint,
		.listening_on = strcmp(l->address, "*") == 0 ? NULL :
		    l->address,
	};
	return true;
}

bool
http_have_https(void)
{
	const struct config *c = W->cfg;

	for (size_t i = 0; i < nlisteners; i++)
		if (listeners[i].tls && listeners[i].enabled)
			return true;
	/* not started (yet): what the configuration describes */
	for (size_t i = 0; nlisteners == 0 && i < c->nlisteners; i++)
		if (c->listeners[i].tls && c->listeners[i].enabled)
			return true;
	return false;
}
