/*
 * http_conn.h: what http_conn.c offers the listeners: MHD's accept
 * policy and connection notifications, and the end of the sweep.
 * Loop thread only.
 */
#ifndef WINRMD_HTTP_CONN_H
#define WINRMD_HTTP_CONN_H

#include <sys/socket.h>

#include <microhttpd.h>

/* MHD's accept policy and connection start/end notification */
enum MHD_Result http_on_accept(void *cls, const struct sockaddr *addr,
	    socklen_t addrlen);
void	http_on_connection(void *cls, struct MHD_Connection *mc,
	    void **socket_context, enum MHD_ConnectionNotificationCode toe);
/* stops the sweep of connections (shutdown) */
void	http_conns_stop(void);

#endif
