/*
 * http_request.h: what http.c, the life of a request, offers the
 * listeners (MHD's request callbacks, shutdown) and the authentication
 * (resuming a suspended request, the current limits).
 * Loop thread only.
 */
#ifndef WINRMD_HTTP_REQUEST_H
#define WINRMD_HTTP_REQUEST_H

#include <stddef.h>

#include <microhttpd.h>

#include "http_int.h"
#include "wsman.h"

/* MHD's access handler and request-completion callback */
enum MHD_Result http_on_access(void *cls, struct MHD_Connection *mc,
	    const char *url, const char *method, const char *version,
	    const char *upload, size_t *upload_size, void **req_cls);
void	http_on_completed(void *cls, struct MHD_Connection *mc, void **req_cls,
	    enum MHD_RequestTerminationCode toe);
/* rq's connection goes on (MHD runs it in this loop iteration) */
void	http_resume(struct request *rq);
/* the pools of requests that went pending in the last pass (prepare) */
void	http_release_waiting(void);
bool	http_release_due(void);
/* the envelope and timeout limits of the running configuration */
struct wsman_limits http_limits(void);
/* answers every suspended request (shutdown) */
void	http_requests_stop(void);

#endif
