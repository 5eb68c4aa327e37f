/*
 * ahead.c: a streaming command's next output encoded ahead of its Receive.
 *
 * A client streams a command's output Receive after Receive: it sends the
 * next one once it has read an answer, and decodes that answer while the
 * next is served.  Encoding the output into the answer's base64 (about
 * half a millisecond for a 512,000-byte envelope) used to start only when
 * that next Receive came, while the loop had waited idle for it.  Now,
 * once a Receive's answer of a WinRS command is made and more output is
 * buffered, the command is queued here, and on the loop's next pass
 * (after the answer went out: the queue is an eventfd the loop watches)
 * the head run of its output is encoded: the first `bytes` bytes of one
 * stream, as many as the Receive before had room for (fewer: a multiple
 * of three, so that what comes after them continues the base64), its
 * base64 text kept beside them.  The next Receive that asks for that
 * stream with room for them copies the text and drops the bytes
 * (command.c, add_run); anything else that takes output first drops the
 * text.  The bytes stay queued and counted until then, so nothing is lost
 * or reordered, and what is kept is at most 4/3 of one envelope's output,
 * beside the command's buffered output (OUT_CAP).  Not for xpress
 * (compressed whole per answer) nor for a command kind's own Receive.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base64.h"
#include "shell.h"

struct ahead {
	struct command	*c;
	struct ahead	*next;		/* queued, waiting for the pass */
	bool		 queued;
	size_t		 budget;	/* output bytes the Receive before fit */
	unsigned	 want;
	/* the text, once encoded */
	char		*text;
	size_t		 len;		/* of the text */
	size_t		 bytes;		/* of output it encodes */
	enum stream_id	 stream;
};

static void
unqueue(struct ahead *a)
{
	struct plugin_state *ps = shell_state();

	if (!a->queued)
		return;
	for (struct ahead **pp = &ps->ahead; *pp != NULL; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	a->queued = false;
	a->next = NULL;
}

void
ahead_drop(struct command *c)
{
	struct ahead *a = c->ahead;

	if (a == NULL)
		return;
	unqueue(a);
	free(a->text);
	free(a);
	c->ahead = NULL;
}

/* the head run's text, if there is one to make */
static void
encode(struct command *c)
{
	struct ahead *a = c->ahead;
	const struct out_chunk *t;
	struct base64_enc e = { 0 };
	enum stream_id s;
	size_t run = 0, k, done = 0;

	/* (queued only for a plain command in a shell without xpress) */
	if (c->receive != NULL || c->out_head == NULL)
		return;		/* a Receive waits: it takes the output now */
	s = c->out_head->stream;
	if (!(a->want & (1u << s)))
		return;
	for (t = c->out_head; t != NULL && t->stream == s &&
	    run < a->budget; t = t->next)
		run += t->len;
	k = run < a->budget ? run - run % 3 : a->budget;
	if (k == 0 || (a->text = malloc(BASE64_LEN(k) + 1)) == NULL)
		return;
	for (t = c->out_head; done < k; t = t->next) {
		size_t n = t->len < k - done ? t->len : k - done;

		a->len += base64_enc_add(&e, t->data + t->off, n,
		    a->text + a->len);
		done += n;
	}
	a->len += base64_enc_end(&e, a->text + a->len);
	a->bytes = k;
	a->stream = s;
}

static void
on_queue(int fd, uint32_t events, void *arg)
{
	struct plugin_state *ps = arg;
	uint64_t n;

	(void)events;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		host->log(WINRMD_LOG_WARNING, "shell: reading the encoding "
		    "queue: %s", strerror(errno));
	while (ps->ahead != NULL) {
		struct ahead *a = ps->ahead;

		ps->ahead = a->next;
		a->queued = false;
		a->next = NULL;
		encode(a->c);
	}
}

void
ahead_queue(struct command *c, size_t budget)
{
	struct plugin_state *ps = shell_state();
	const uint64_t one = 1;
	struct ahead *a;

	ahead_drop(c);
	if (c->out_bytes == 0 || budget == 0 || c->kind != NULL ||
	    (c->shell != NULL && c->shell->xpress) || ps->stopping ||
	    ps->ahead_watch == NULL)
		return;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return;
	a->c = c;
	a->budget = budget;
	a->want = c->want;
	if (ps->ahead == NULL && write(ps->ahead_fd, &one, sizeof(one)) < 0 &&
	    errno != EAGAIN) {
		free(a);
		return;
	}
	a->queued = true;
	a->next = ps->ahead;
	ps->ahead = a;
	c->ahead = a;
}

size_t
ahead_take(struct command *c, enum stream_id s, size_t max, char *out,
    size_t *ret_len)
{
	struct ahead *a = c->ahead;
	size_t k;

	*ret_len = 0;
	if (a == NULL || a->text == NULL || a->stream != s || a->bytes > max ||
	    (a->bytes != max && a->bytes % 3 != 0)) {
		ahead_drop(c);
		return 0;
	}
	memcpy(out, a->text, a->len);
	*ret_len = a->len;
	shell_state()->ahead_taken++;
	k = a->bytes;
	ahead_drop(c);
	return k;
}

void
ahead_init(struct plugin_state *ps)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	ps->ahead_watch = NULL;
	if (fd < 0 || (ps->ahead_watch = host->watch_add(fd, WINRMD_IN,
	    on_queue, ps)) == NULL) {
		host->log(WINRMD_LOG_WARNING, "shell: no eventfd for encoding "
		    "output ahead (%s): Receives encode it as they come",
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	ps->ahead_fd = fd;
}

bool
ahead_ready(const struct command *c)
{
	return c->ahead != NULL && c->ahead->text != NULL;
}

void
ahead_fini(struct plugin_state *ps)
{
	while (ps->ahead != NULL)
		ahead_drop(ps->ahead->c);
	if (ps->ahead_watch == NULL)
		return;
	host->watch_remove(ps->ahead_watch);
	ps->ahead_watch = NULL;
	close(ps->ahead_fd);
}
