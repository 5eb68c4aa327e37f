/*
 * http_pool.h: giving back the part of a connection's libmicrohttpd
 * memory pool that a waiting request does not use (http_pool.c).
 * Loop thread only.
 */
#ifndef WINRMD_HTTP_POOL_H
#define WINRMD_HTTP_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

/* at start: the pool size given to MHD; false if nothing will be given
 * back (another MHD version, a pool MHD takes from malloc) */
bool	http_pool_init(size_t conn_memory);
/*
 * mc's request has been read whole and waits (suspended, its body handed
 * over): the pages of its pool that hold nothing go back to the kernel.
 * method is the method argument MHD gave the access handler for it.
 * Returns the bytes given back (0: none, the pool did not look as
 * expected).
 */
size_t	http_pool_release(struct MHD_Connection *mc, const char *method);

#endif
