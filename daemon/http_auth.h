/*
 * http_auth.h: what http_auth.c offers http.c: the authentication of
 * a request, the re-check of a remembered login, and Negotiate sealing.
 * Loop thread only.
 */
#ifndef WINRMD_HTTP_AUTH_H
#define WINRMD_HTTP_AUTH_H

#include <stdbool.h>

#include "http_int.h"

/*
 * Starts authenticating rq.  Returns RQ_RUN (principal known), RQ_AUTH
 * (an account check running, connection to suspend), RQ_DELAY with
 * rq->delay set (refused, 401 after the failure delay; suspend too) or
 * RQ_DELAY without (401 at once).
 */
enum rq_state http_auth_begin(struct request *rq);
/*
 * Whether rq's remembered principal must be checked again before rq runs
 * (new_session: a new shell): RQ_RUN (no), RQ_AUTH (the check is running:
 * suspend rq) or RQ_DELAY (it cannot start: 401 at once).
 */
enum rq_state http_recheck(struct request *rq, bool new_session);
/* forgets the connection's Negotiate context (and closes it, close_conn) */
void	http_nego_drop(struct request *rq, bool close_conn);
/* unseals a sealed body; 0 to go on, or the status to answer with */
unsigned http_nego_body(struct request *rq);

#endif
