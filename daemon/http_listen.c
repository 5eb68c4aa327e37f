/*
 * http_listen.c: the HTTP and HTTPS listeners.  Sockets opened from
 * [Listener] or taken from systemd (socket activation), one libmicrohttpd
 * daemon per socket in external-epoll mode on the reactor, and for HTTPS
 * the certificate, key, client trust list and channel-binding data.
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
#include "http_request.h"
#include "log.h"
#include "reactor.h"
#include "reply_memo.h"
#include "tls.h"
#include "tls_creds.h"
#include "winrmd.h"

#define MAX_LISTENERS		16
/*
 * What MHD may use for one connection: its read buffer, the parsed headers
 * and the answer's headers.  The request headers must fit: a Negotiate
 * token of up to 64 KiB of base64 (a Kerberos ticket with a big PAC;
 * MAX_TOKEN_B64 in auth_negotiate.c) and up to 32 KiB of everything else;
 * larger headers get 431.  Bodies pass through it in pieces, never whole.
 * At most MaxConnections times this (winrmd.8, HTTP).
 */
#define CONN_MEMORY		(96 * 1024)

static struct listener listeners[MAX_LISTENERS];
static size_t nlisteners;
/*
 * The certificate and key files HTTPS started with, once loaded: a reload
 * reads them again (their names are read only at start, as winrmd.conf(5)
 * says: CertificateFile and KeyFile wait for a restart)
 */
static char *tls_cert_path, *tls_key_path;

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
	/* one certificate for every HTTPS listener, loaded by the first */
	if (tls && tls_cert_path == NULL) {
		if (tls_creds_load(conf_s(W->cfg, CK_LISTENER_CERT_FILE),
		    conf_s(W->cfg, CK_LISTENER_KEY_FILE), W->hostname,
		    true) < 0)
			return -1;
		if ((tls_cert_path = strdup(conf_s(W->cfg,
		    CK_LISTENER_CERT_FILE))) == NULL ||
		    (tls_key_path = strdup(conf_s(W->cfg,
		    CK_LISTENER_KEY_FILE))) == NULL) {
			log_err("http: out of memory");
			return -1;
		}
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
	http_requests_stop();
	for (size_t i = 0; i < nlisteners; i++) {
		struct listener *l = &listeners[i];

		if (l->mhd != NULL) {
			MHD_run(l->mhd);
			reactor_watch_remove(l->watch);
			MHD_stop_daemon(l->mhd);
		}
		free(l->client_ca);
		memset(l, 0, sizeof(*l));
	}
	nlisteners = 0;
	tls_creds_shutdown();
	free(tls_cert_path);
	free(tls_key_path);
	tls_cert_path = tls_key_path = NULL;
	http_conns_stop();
	reply_memo_flush();
}

void
http_reload(void)
{
	if (tls_cert_path == NULL || tls_key_path == NULL)
		return;
	/* refused (logged): the running certificate stays */
	(void)tls_creds_load(tls_cert_path, tls_key_path, W->hostname, false);
}
