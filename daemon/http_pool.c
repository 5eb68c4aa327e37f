/*
 * http_pool.c: the pages of a waiting request's libmicrohttpd memory pool
 * given back to the kernel.
 *
 * MHD gives every connection a pool of MHD_OPTION_CONNECTION_MEMORY_LIMIT
 * bytes (CONN_MEMORY in http_listen.c: its size is for the largest request
 * headers, Negotiate tokens of up to 64 KiB), mapped on its own (mmap) when
 * it is larger than 32 KiB.  Untouched pages of it would cost nothing, but
 * MHD zeroes the whole pool after every answer on a kept-alive connection
 * (MHD_pool_reset), so from its second request on a connection holds all of
 * it.  A waiting shell's client keeps one connection in a long-poll
 * Receive: 1,000 waiting shells held 96 MB of pools for a few hundred
 * bytes of headers each.
 *
 * Once a request is read whole and its operation waits (http.c,
 * shed_request: its body is in the daemon's own buffer and handed over),
 * its pool holds, in libmicrohttpd 0.9.75 (memorypool.c, connection.c):
 *
 *   - from the pool's start: the request line and the headers, parsed in
 *     place (MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE bytes from the
 *     method's first byte), then the read buffer, where the body passed
 *     through (consumed) and where bytes of a pipelined next request would
 *     wait;
 *   - from the pool's end: one list entry (struct MHD_HTTP_Header, 64 bytes
 *     with alignment) per header, cookie, URL argument and footer;
 *   - nothing in between until the answer is queued, which MHD writes
 *     into fresh space (the write buffer), so zero pages are what it finds
 *     there, as after its own zeroing.
 *
 * The pages strictly between the headers and a reserve for the entries
 * (and a page more) are given back with MADV_DONTNEED: they read as zeros
 * and cost nothing until written.  Only when everything checks out:
 *
 *   - this MHD version (exactly the one whose layout this follows); a
 *     pool larger than 32 KiB and page-aligned (mmap);
 *   - the method's first byte starts a page, and is taken for the pool's
 *     start (MHD skips empty lines before a request line by moving past
 *     them, so a request line after them starts further in); that is
 *     checked at the other end: the 64 bytes below the start plus the
 *     pool's size must be the first list entry, pointing at the name and
 *     value MHD lists first (read through a pipe, which fails on an
 *     unreadable address instead of faulting);
 *   - every entry's name and value lie within the headers: a folded
 *     header (its value moved past the read buffer), a cookie (copied to
 *     the pool's end) or a footer (after the body) gives up.
 *
 * A pipelined request's bytes past the page after the headers would read
 * as zeros: a client that pipelines behind a waiting Receive gets 400 for
 * the next request (WinRM clients do not pipeline).
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "http_pool.h"
#include "log.h"

#define MHD_LAYOUT_VERSION	"0.9.75"	/* the layout described above */
#define MHD_MMAP_ABOVE		(32 * 1024)	/* smaller pools are malloc'd */
#define ENTRY_SIZE		64		/* struct MHD_HTTP_Header, aligned */

static size_t pool_size;	/* 0: nothing is given back */
static size_t page;
static int probe[2] = { -1, -1 };

bool
http_pool_init(size_t conn_memory)
{
	const char *v = MHD_get_version();
	long ps = sysconf(_SC_PAGESIZE);

	pool_size = 0;
	if (ps <= 0 || v == NULL || strcmp(v, MHD_LAYOUT_VERSION) != 0 ||
	    conn_memory <= MHD_MMAP_ABOVE || conn_memory < (size_t)ps * 4 / 3) {
		log_info("http: connection memory of waiting requests is not "
		    "given back (libmicrohttpd %s; done for %s)", v ? v : "?",
		    MHD_LAYOUT_VERSION);
		return false;
	}
	if (probe[0] < 0 && pipe2(probe, O_CLOEXEC | O_NONBLOCK) < 0) {
		log_warn("http: pipe: %s: connection memory of waiting "
		    "requests is not given back", strerror(errno));
		return false;
	}
	page = (size_t)ps;
	pool_size = (conn_memory + page - 1) / page * page;
	return true;
}

/* n bytes at p, if they can be read: through the pipe, which fails on an
 * unreadable address (EFAULT) where reading it would fault (the system
 * call itself: a sanitizer's write() would check p against its own map) */
static bool
peek(const void *p, void *out, size_t n)
{
	if (syscall(SYS_write, probe[1], p, n) != (long)n)
		return false;
	return read(probe[0], out, n) == (ssize_t)n;
}

struct entries {
	const char	*lo, *hi;	/* the headers */
	size_t		 n;
	bool		 inside;
	const char	*key, *value;	/* the first entry's */
	size_t		 key_size, value_size;
};

static bool
within(const struct entries *e, const char *s, size_t len)
{
	return s == NULL || (s >= e->lo && s <= e->hi &&
	    len <= (size_t)(e->hi - s));
}

static enum MHD_Result
count_entry(void *cls, enum MHD_ValueKind kind, const char *key,
    size_t key_size, const char *value, size_t value_size)
{
	struct entries *e = cls;

	(void)kind;
	if (e->n++ == 0) {
		e->key = key;
		e->key_size = key_size;
		e->value = value;
		e->value_size = value_size;
	}
	if (!within(e, key, key_size) || !within(e, value, value_size))
		e->inside = false;
	return MHD_YES;
}

/*
 * Is top the end of the pool?  The first entry is the first thing MHD
 * allocated from the end: the 64 bytes below top must be it, its name and
 * value (struct MHD_HTTP_Header: next, prev, header, header_size, value,
 * value_size, kind) those MHD listed first.
 */
static bool
first_entry_below(uintptr_t top, const struct entries *e)
{
	struct {
		void		*next, *prev;
		const char	*header;
		size_t		 header_size;
		const char	*value;
		size_t		 value_size;
	} at;

	if (!peek((const void *)(top - ENTRY_SIZE), &at, sizeof(at)))
		return false;
	return at.prev == NULL && at.header == e->key &&
	    at.header_size == e->key_size && at.value == e->value &&
	    at.value_size == e->value_size;
}

size_t
http_pool_release(struct MHD_Connection *mc, const char *method)
{
	const union MHD_ConnectionInfo *ci;
	struct entries e = { 0 };
	uintptr_t base = (uintptr_t)method, top, from, to;
	size_t keep;

	if (pool_size == 0 || method == NULL || base % page != 0)
		return 0;
	ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	if (ci == NULL || ci->header_size == 0 || ci->header_size >= pool_size)
		return 0;
	e.lo = method;
	e.hi = method + ci->header_size;
	e.inside = true;
	MHD_get_connection_values_n(mc, (enum MHD_ValueKind)(MHD_HEADER_KIND |
	    MHD_COOKIE_KIND | MHD_POSTDATA_KIND | MHD_GET_ARGUMENT_KIND |
	    MHD_FOOTER_KIND), count_entry, &e);
	top = base + pool_size;
	if (e.n == 0 || !e.inside || !first_entry_below(top, &e))
		return 0;
	keep = (e.n * ENTRY_SIZE + page - 1) / page * page + page;
	from = (base + ci->header_size + page - 1) / page * page;
	if (keep >= pool_size || (to = top - keep) <= from)
		return 0;
	if (madvise((void *)from, to - from, MADV_DONTNEED) < 0) {
		log_debug("http: madvise: %s", strerror(errno));
		return 0;
	}
	return to - from;
}
