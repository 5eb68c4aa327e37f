/*
 * http.h: the HTTP(S) listeners (libmicrohttpd in external-epoll mode on
 * the reactor) and the life of a request: limits, authentication, parsing,
 * dispatch, suspension while an operation is pending, and the answer.
 */
#ifndef WINRMD_HTTP_H
#define WINRMD_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Opens the listeners of the current config, or takes the sockets systemd
 * passed (sd_listen_fds, names "http"/"https").  0 or -1 (logged).
 */
int	http_start(void);
/*
 * After a reload: the certificate and key files each HTTPS listener
 * started with are read again; new handshakes use what they hold now,
 * established connections keep theirs; files that do not load or do not
 * match are refused (logged), and the old stay.  URLPrefix of each
 * listener follows the new configuration.
 */
void	http_reload(void);
/*
 * The i-th listener (from 0), enabled or not, as the config plugin lists
 * them (plugin.h, struct winrmd_listener; its strings last until the next
 * reload): false past the last.
 */
struct winrmd_listener;
bool	http_listener_info(size_t i, struct winrmd_listener *out);
/* whether an HTTPS listener runs */
bool	http_have_https(void);
/* stop accepting new connections */
void	http_quiesce(void);
/* answer every suspended request, close everything */
void	http_stop(void);
/* the number of requests waiting on authentication or an operation */
unsigned http_pending(void);

#endif
