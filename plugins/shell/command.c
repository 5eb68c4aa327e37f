/*
 * command.c: one WinRS command.  Starts the child through the daemon's spawn
 * service, buffers its output (bounded: a full buffer stops reading the
 * pipes, so a slow client slows the child instead of losing output), feeds
 * its stdin from Send, answers Receive as soon as there is something to
 * report (or with w:TimedOut before OperationTimeout runs out), and maps
 * Signal to the process group.  Stdin is bounded: a command takes a Send
 * while it holds at most IN_HIGH_WATER unread, a user's commands together
 * at most [Winrs] MaxStdinPerUserMB; past that a Send gets QuotaLimit and
 * nothing of it is kept.  A command's kind (shell.h) may take Send,
 * Receive and Signal over; what a WinRS command line is served as besides
 * a process is asked of command_recognisers[].
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libxml/parserInternals.h>
#include <uuid/uuid.h>

#include "base64.h"
#include "cmdline.h"
#include "psrp.h"
#include "shell.h"
#include "strbuf.h"
#include "xpress.h"

#define RECEIVE_RESPONSE	WINRMD_NS_SHELL "/ReceiveResponse"
#define STATE_RUNNING		WINRMD_NS_SHELL "/CommandState/Running"
#define STATE_DONE		WINRMD_NS_SHELL "/CommandState/Done"
#define SIGNAL_TERMINATE	WINRMD_NS_SHELL "/signal/terminate"
#define SIGNAL_CTRL_C		WINRMD_NS_SHELL "/signal/ctrl_c"
#define SIGNAL_CTRL_BREAK	WINRMD_NS_SHELL "/signal/ctrl_break"
#define ENVELOPE_SLACK		2048	/* headers and CommandState */
/*
 * The output bytes a Receive's second or later run of one stream costs
 * beside its own: the tags with the command's id (88 characters), the
 * base64's padding and an xpress chunk's header, in bytes of output
 */
#define RUN_COST		80
#define PIPE_USUAL		(64 * 1024)	/* a pipe's size as created */
#define PIPE_FULL_READ		16384	/* a read this long filled: streaming */
/*
 * A command whose output comes at RATE_BYTES per RATE_WINDOW_MS or faster
 * is streaming: a Receive for it waits up to FILL_WAIT_MS for its envelope
 * to fill rather than carrying the few KiB one read brought (one answer per
 * pipe write keeps the client busy with envelopes, not data).  Slower
 * output (a prompt, a progress line) is answered at once, as before.
 */
#define RATE_WINDOW_MS		20
#define RATE_BYTES		(64 * 1024)
#define FILL_WAIT_MS		2

static const char *const stream_names[2] = { "stdout", "stderr" };

static void on_output(int fd, uint32_t events, void *arg);
static void close_stdin(struct command *c);
static int append_output(struct command *c, enum stream_id s,
    const unsigned char *p, size_t n);
static void try_answer(struct command *c);
static void send_complete(struct command *c);

/* ------------------------------------------------------------ helpers */

static void
new_id(char buf[SHELL_ID_LEN + 1])
{
	uuid_t u;

	uuid_generate_random(u);
	uuid_unparse_upper(u, buf);
}

const char *
command_pwsh_path(void)
{
	static const char *const candidates[] = {
		"/usr/bin/pwsh", "/usr/local/bin/pwsh",
		"/opt/microsoft/powershell/7/pwsh", "/snap/bin/pwsh",
	};

	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
		if (access(candidates[i], X_OK) == 0)
			return candidates[i];
	return NULL;
}

static bool
finished(const struct command *c)
{
	return c->exited && c->eof[ST_STDOUT] && c->eof[ST_STDERR] &&
	    c->out_bytes == 0;
}

bool
command_finished(const struct command *c)
{
	return finished(c);
}

static void
close_stream(struct command *c, enum stream_id s)
{
	int *fd = s == ST_STDOUT ? &c->child.out_fd : &c->child.err_fd;
	bool grown = c->pipe_cap[s] != 0;

	host->watch_remove(c->w_out[s]);
	c->w_out[s] = NULL;
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	c->pipe_cap[s] = 0;
	c->eof[s] = true;
	/* the room a pipeline's grown pipe took under its user's bound of
	 * disconnected output is free again */
	if (grown && c->shell != NULL && c->shell->psrp != NULL)
		psrp_disconnect_resume(c->shell->user.p.uid);
	/* a UTF-8 sequence cut off by the end of the output: one '?' */
	if (c->conv_carry_len[s] > 0) {
		c->conv_carry_len[s] = 0;
		if (c->shell != NULL)
			append_output(c, s, (const unsigned char *)"?", 1);
	}
	if (c->kind != NULL && c->kind->output_ended != NULL &&
	    c->eof[ST_STDOUT] && c->eof[ST_STDERR])
		c->kind->output_ended(c);
}

static void
close_stdin(struct command *c)
{
	host->watch_remove(c->w_in);
	c->w_in = NULL;
	if (c->child.in_fd >= 0)
		close(c->child.in_fd);
	c->child.in_fd = -1;
	free(c->in_buf);
	c->in_buf = NULL;
	c->in_len = c->in_cap = 0;
}

/* ------------------------------------------------------------- output */

static struct out_chunk *
chunk_for(struct command *c, enum stream_id s)
{
	struct out_chunk *t = c->out_tail;

	if (t != NULL && t->stream == s && t->off + t->len < OUT_CHUNK)
		return t;
	if ((t = malloc(sizeof(*t))) == NULL)
		return NULL;
	t->next = NULL;
	t->stream = s;
	t->off = t->len = 0;
	if (c->out_tail != NULL)
		c->out_tail->next = t;
	else
		c->out_head = t;
	c->out_tail = t;
	return t;
}

static int
append_output(struct command *c, enum stream_id s, const unsigned char *p,
    size_t n)
{
	while (n > 0) {
		struct out_chunk *t = chunk_for(c, s);
		size_t room, k;

		if (t == NULL)
			return -ENOMEM;
		room = OUT_CHUNK - t->off - t->len;
		k = n < room ? n : room;
		memcpy(t->data + t->off + t->len, p, k);
		t->len += k;
		c->out_bytes += k;
		p += k;
		n -= k;
	}
	return 0;
}

static bool
is_ascii(const unsigned char *p, size_t n)
{
	uint64_t acc = 0, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		acc |= w;
	}
	for (; i < n; i++)
		acc |= p[i];
	return (acc & 0x8080808080808080ULL) == 0;
}

/* does the codepage keep every ASCII byte as it is (not EBCDIC, ...)? */
static bool
keeps_ascii(iconv_t cd)
{
	char in[128], out[512], *ip = in, *op = out;
	size_t il = sizeof(in), ol = sizeof(out);

	for (int i = 0; i < 128; i++)
		in[i] = (char)i;
	iconv(cd, NULL, NULL, NULL, NULL);
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 || il != 0 ||
	    op - out != (ptrdiff_t)sizeof(in))
		return false;
	iconv(cd, NULL, NULL, NULL, NULL);
	return memcmp(in, out, sizeof(in)) == 0;
}

/* UTF-8 from the child -> the shell's codepage; unmappable becomes '?' */
static int
append_converted(struct command *c, enum stream_id s, const unsigned char *p,
    size_t n)
{
	unsigned char in[OUT_CHUNK + 8], out[OUT_CHUNK * 2];
	char *ip = (char *)in, *op = (char *)out;
	size_t ileft, oleft = sizeof(out), carry = c->conv_carry_len[s];

	/* plain ASCII is the same in the codepage: no conversion needed */
	if (c->conv_ascii && carry == 0 && is_ascii(p, n))
		return append_output(c, s, p, n);
	memcpy(in, c->conv_carry[s], carry);
	memcpy(in + carry, p, n);
	ileft = carry + n;
	c->conv_carry_len[s] = 0;
	while (ileft > 0) {
		if (iconv(c->conv, &ip, &ileft, &op, &oleft) != (size_t)-1)
			break;
		if (errno == EINVAL && ileft < sizeof(c->conv_carry[s])) {
			/* a sequence cut by the read: keep it for next time */
			memcpy(c->conv_carry[s], ip, ileft);
			c->conv_carry_len[s] = ileft;
			break;
		}
		if (errno == E2BIG)
			break;	/* cannot happen: out is twice in */
		/* EILSEQ: not UTF-8, or not in the codepage */
		if (oleft > 0) {
			*op++ = '?';
			oleft--;
		}
		ip++;
		ileft--;
		/* skip the continuation bytes of the same character */
		while (ileft > 0 && ((unsigned char)*ip & 0xc0) == 0x80) {
			ip++;
			ileft--;
		}
	}
	return append_output(c, s, out, (size_t)(op - (char *)out));
}

static void
pause_reading(struct command *c, bool pause)
{
	for (int s = 0; s < 2; s++)
		if (c->w_out[s] != NULL)
			host->watch_set(c->w_out[s], pause ? 0 : WINRMD_IN);
}

static void
count_rate(struct command *c, size_t n)
{
	uint64_t now = host->now_ms();

	if (now - c->rate_since_ms > RATE_WINDOW_MS) {
		c->rate_since_ms = now;
		c->rate_bytes = 0;
	}
	c->rate_bytes += n;
}

/* a chunk chunk_for() added that a read left empty goes again */
static void
drop_empty_tail(struct command *c)
{
	struct out_chunk *t = c->out_tail, **pp = &c->out_head;

	if (t == NULL || t->len > 0)
		return;
	while (*pp != t)
		pp = &(*pp)->next;
	*pp = NULL;
	c->out_tail = NULL;
	for (struct out_chunk *p = c->out_head; p != NULL; p = p->next)
		c->out_tail = p;
	free(t);
}

/*
 * Reads what a pipe has, up to the buffer cap: straight into the output
 * chunks, unless it is converted to a codepage.  A command's pipe found
 * full gets PIPE_BIG of room, so that a child streaming output is not
 * woken up for every 64 KiB (the kernel charges it to the pipes' owner and
 * refuses it past the owner's limit: then the pipe stays as it is).  A
 * WinRS command's pipe always may.  A PSRP pipeline's grown pipe is output
 * its pool would hold once disconnected, and one holding more than
 * PIPE_USUAL cannot shrink back, so it grows only while its pool is
 * connected and only where its user's MaxDisconnectedOutputPerUserMB has
 * room for it beside the user's other grown pipes and disconnected output
 * (psrp_may_grow_pipe); that room stays taken while it is grown
 * (psrp_may_buffer counts it), so a Disconnect carries it past the bound
 * by no more than what the pool had buffered.  A disconnection shrinks
 * the pool's grown pipes back when it can (command_pipes_shrink).  After
 * the child has exited, an empty pipe (EAGAIN) ends the stream: what
 * background processes write later is not the command's output.
 */
static void
drain(struct command *c, enum stream_id s)
{
	int fd = s == ST_STDOUT ? c->child.out_fd : c->child.err_fd;
	unsigned char buf[OUT_CHUNK];

	while (fd >= 0 && c->out_bytes < OUT_CAP && psrp_may_buffer(c)) {
		struct out_chunk *t = NULL;
		unsigned char *dst = buf;
		size_t room = sizeof(buf);
		ssize_t n;

		if (c->conv == (iconv_t)-1) {
			if ((t = chunk_for(c, s)) == NULL) {
				host->log(WINRMD_LOG_ERR, "shell: out of memory "
				    "buffering output of command %s", c->id);
				close_stream(c, s);
				return;
			}
			dst = t->data + t->off + t->len;
			room = OUT_CHUNK - t->off - t->len;
		}
		n = read(fd, dst, room);
		if (n > 0) {
			int r = 0;

			/* every kind: a pipeline's grown pipe counts against
			 * its user's bound of disconnected output */
			if (!c->pipe_big[s] && (size_t)n == room &&
			    n >= PIPE_FULL_READ && psrp_may_grow_pipe(c)) {
				int cap = fcntl(fd, F_SETPIPE_SZ, PIPE_BIG);

				c->pipe_big[s] = true;
				c->pipe_cap[s] = cap > 0 ? (size_t)cap : 0;
			}
			count_rate(c, (size_t)n);
			if (t != NULL) {
				t->len += (size_t)n;
				c->out_bytes += (size_t)n;
			} else
				r = append_converted(c, s, buf, (size_t)n);
			if (r < 0) {
				host->log(WINRMD_LOG_ERR, "shell: out of memory "
				    "buffering output of command %s", c->id);
				close_stream(c, s);
				return;
			}
			continue;
		}
		if (t != NULL)
			drop_empty_tail(c);
		if (n == 0 || (errno != EAGAIN && errno != EINTR) ||
		    (errno == EAGAIN && c->exited)) {
			close_stream(c, s);
			return;
		}
		if (errno == EAGAIN)
			return;
	}
	if (c->out_bytes >= OUT_CAP || !psrp_may_buffer(c))
		pause_reading(c, true);
}

void
command_pipes_shrink(struct command *c)
{
	for (int s = 0; s < 2; s++) {
		int *fd = s == ST_STDOUT ? &c->child.out_fd : &c->child.err_fd;

		if (c->pipe_cap[s] == 0 || *fd < 0)
			continue;
		/* a pipe holding more than the smaller size refuses it
		 * (EBUSY): then what it holds is read (as far as the bound
		 * lets it) and it is tried again; else its capacity goes on
		 * counting */
		if (fcntl(*fd, F_SETPIPE_SZ, PIPE_USUAL) < 0) {
			drain(c, (enum stream_id)s);
			if (*fd < 0 || fcntl(*fd, F_SETPIPE_SZ, PIPE_USUAL) < 0)
				continue;
		}
		c->pipe_cap[s] = 0;
		c->pipe_big[s] = false;
	}
}

void
command_resume_output(struct command *c)
{
	if (c->out_bytes < OUT_CAP)
		pause_reading(c, false);
}

static void
on_output(int fd, uint32_t events, void *arg)
{
	struct command *c = arg;

	(void)events;
	drain(c, fd == c->child.out_fd ? ST_STDOUT : ST_STDERR);
	try_answer(c);
}

/*
 * The child exited: its status is kept, and it is reaped unless its process
 * group id must stay pinned for Signal and Delete (pgroup.c).
 */
static void kept_status(void *arg);

static void
on_exit_event(int fd, uint32_t events, void *arg)
{
	struct command *c = arg;
	siginfo_t si;

	(void)events;
	memset(&si, 0, sizeof(si));
	if (c->foreign) {	/* kept across a restart: not our child */
		host->watch_remove(c->w_pid);
		c->w_pid = NULL;
		kept_status(c);
		return;
	}
	if (c->shell == NULL) {		/* detached: reap and forget */
		struct plugin_state *ps = shell_state();

		if (waitid(P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG) == 0 &&
		    si.si_pid == 0)
			return;	/* not yet */
		host->watch_remove(c->w_pid);
		close(fd);
		for (struct command **pp = &ps->reaping; *pp; pp = &(*pp)->next)
			if (*pp == c) {
				*pp = c->next;
				break;
			}
		free(c);
		return;
	}
	if (waitid(P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG | WNOWAIT) < 0 ||
	    si.si_pid == 0)
		return;
	host->watch_remove(c->w_pid);
	c->w_pid = NULL;
	c->exited = true;
	/* the reaper's status is its child's (128 + the signal's number for
	 * a signal's end): the status pipe is only for a kept command */
	c->exit_code = si.si_code == CLD_EXITED ? si.si_status :
	    128 + si.si_status;
	if (c->status_fd >= 0)
		close(c->status_fd);
	c->status_fd = -1;
	host->log(WINRMD_LOG_INFO, "shell: command of %s (shell %s, pid %d) "
	    "exited with code %d", c->shell->user.name, c->shell->id,
	    (int)c->child.pid, c->exit_code);
	/* the status is kept: no zombie waits for a Receive (pgroup.c) */
	command_reap(c);
	/* nobody reads stdin any more: what a Send waits for is over */
	close_stdin(c);
	send_complete(c);
	for (int s = 0; s < 2; s++)
		drain(c, (enum stream_id)s);
	try_answer(c);
	if (c->kind != NULL && c->kind->exited != NULL)
		c->kind->exited(c);
}

/* ------------------------------------------------------------ receive */

static bool
has_buffered(const struct command *c, enum stream_id s)
{
	for (const struct out_chunk *t = c->out_head; t != NULL; t = t->next)
		if (t->stream == s && t->len > 0)
			return true;
	return false;
}

static bool
has_news(const struct command *c)
{
	if (c->kind != NULL && c->kind->has_news != NULL)
		return c->kind->has_news(c);
	if (c->out_bytes > 0 || finished(c))
		return true;
	for (int s = 0; s < 2; s++)
		if (c->eof[s] && !c->end_sent[s])
			return true;
	return false;
}

/* the bytes of output a Receive's envelope has room for */
static size_t
receive_budget(struct command *c, struct winrmd_op *op)
{
	size_t max = host->op_max_envelope(op);

	return shell_stream_room(c->shell, max > ENVELOPE_SLACK * 2 ?
	    (max - ENVELOPE_SLACK) / 4 * 3 : 1024);
}

/*
 * A WinRS Receive's answer is written as text (a "noenc" node, which the
 * daemon sends as it is), its base64 encoded straight from the output
 * chunks: no libxml2 node per element, no copy of the output into a run
 * first and no copy of the base64 through the serialiser's encoder.  The
 * text is what libxml2 made of the same elements.
 */
struct answer {
	struct sbuf		 b;
	const struct command	*c;
};

/* <rsp:Stream Name="..." CommandId="...", the rest up to the caller */
static void
stream_open(struct answer *a, enum stream_id s)
{
	sb_add(&a->b, "<rsp:Stream Name=\"");
	sb_add(&a->b, stream_names[s]);
	sb_add(&a->b, "\" CommandId=\"");
	sb_add(&a->b, a->c->id);
	sb_add(&a->b, "\"");
}

/* where a run of output goes: base64 into the answer, as it is taken */
struct encode_to {
	struct base64_enc	 e;
	char			*out;
	size_t			 n;
};

static void
encode_piece(const unsigned char *p, size_t n, void *arg)
{
	struct encode_to *t = arg;

	t->n += base64_enc_add(&t->e, p, n, t->out + t->n);
}

static void
copy_piece(const unsigned char *p, size_t n, void *arg)
{
	unsigned char **dst = arg;

	memcpy(*dst, p, n);
	*dst += n;
}

/*
 * The next run of output (at most max bytes of one stream, in arrival
 * order) to fn, piece by piece (fn NULL: dropped); its length
 */
static size_t
take_run(struct command *c, size_t max, enum stream_id *ret_stream,
    void (*fn)(const unsigned char *p, size_t n, void *arg), void *arg)
{
	size_t len = 0;
	enum stream_id s;

	ahead_drop(c);
	if (c->out_head == NULL)
		return 0;
	s = c->out_head->stream;
	while (c->out_head != NULL && c->out_head->stream == s && len < max) {
		struct out_chunk *t = c->out_head;
		size_t k = t->len < max - len ? t->len : max - len;

		if (fn != NULL)
			fn(t->data + t->off, k, arg);
		len += k;
		t->off += k;
		t->len -= k;
		c->out_bytes -= k;
		if (t->len == 0) {
			c->out_head = t->next;
			if (c->out_head == NULL)
				c->out_tail = NULL;
			free(t);
		}
	}
	*ret_stream = s;
	if (c->out_bytes < OUT_CAP)
		pause_reading(c, false);
	return len;
}

/* one run of at most max bytes as a Stream element: its length, or 0 */
static size_t
add_run(struct answer *a, struct command *c, size_t max)
{
	enum stream_id s = c->out_head->stream;
	struct encode_to t = { .out = NULL };
	unsigned char *run, *end;
	char *b64;
	size_t len;

	if (max > c->out_bytes)
		max = c->out_bytes;
	if (max == 0)
		return 0;
	if (!(c->want & (1u << s)))	/* a stream not asked for */
		return take_run(c, max, &s, NULL, NULL);
	stream_open(a, s);
	sb_add(&a->b, ">");
	if (c->shell == NULL || !c->shell->xpress) {
		/* room first: nothing is taken that cannot be written */
		if ((t.out = sb_room(&a->b, BASE64_LEN(max))) == NULL)
			return 0;
		/* its first bytes encoded ahead (ahead.c), the rest now */
		if ((len = ahead_take(c, s, max, t.out, &t.n)) > 0)
			take_run(c, len, &s, NULL, NULL);
		if (len < max && c->out_head != NULL &&
		    c->out_head->stream == s)
			len += take_run(c, max - len, &s, encode_piece, &t);
		t.n += base64_enc_end(&t.e, t.out + t.n);
		sb_grew(&a->b, t.n);
	} else {	/* CompressionType xpress: framed whole */
		if ((run = end = malloc(max)) == NULL) {
			a->b.failed = true;
			return 0;
		}
		len = take_run(c, max, &s, copy_piece, &end);
		b64 = shell_stream_b64(c->shell, run, len);
		free(run);
		if (b64 == NULL) {
			host->log(WINRMD_LOG_ERR, "shell: out of memory "
			    "answering a Receive of command %s (%zu bytes of "
			    "output lost)", c->id, len);
			a->b.failed = true;
			return len;
		}
		sb_add(&a->b, b64);
		free(b64);
	}
	sb_add(&a->b, "</rsp:Stream>");
	return len;
}

/* fills the reply of a Receive; returns WINRMD_OK or a fault */
static int
build_winrs_receive(struct command *c, struct winrmd_op *op)
{
	xmlNodePtr body = host->op_reply(op, RECEIVE_RESPONSE);
	struct answer a = { .b = { 0 }, .c = c };
	size_t budget, len;

	if (body == NULL)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	command_answer_start(&a.b, body);
	budget = receive_budget(c, op);
	/* runs of one stream, in arrival order, as many bytes as fit; the
	 * first run's tags are in ENVELOPE_SLACK, a later one pays its own */
	for (bool first = true; c->out_head != NULL && !a.b.failed;
	    first = false) {
		if (!first && budget <= RUN_COST)
			break;
		if (!first)
			budget -= RUN_COST;
		if ((len = add_run(&a, c, budget)) == 0)
			break;
		budget -= len;
	}
	if (a.b.failed) {
		sb_free(&a.b);
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	}
	for (int s = 0; s < 2; s++)
		if (c->eof[s] && !c->end_sent[s] && !has_buffered(c, s)) {
			if (c->want & (1u << s)) {
				stream_open(&a, (enum stream_id)s);
				sb_add(&a.b, " End=\"true\"/>");
			}
			c->end_sent[s] = true;
		}
	command_answer_state(&a.b, c, finished(c));
	if (c->out_bytes < OUT_CAP)
		pause_reading(c, false);
	/* what is left, encoded while the client reads this answer */
	ahead_queue(c, receive_budget(c, op));
	return command_answer_end(op, body, &a.b);
}

void
command_answer_start(struct sbuf *b, xmlNodePtr body)
{
	xmlNsPtr ns = xmlSearchNsByHref(body->doc, body,
	    BAD_CAST WINRMD_NS_SHELL);

	sb_add(b, "<rsp:ReceiveResponse");
	if (ns != NULL && ns->prefix != NULL &&
	    xmlStrcmp(ns->prefix, BAD_CAST "rsp") == 0)
		sb_add(b, ">");
	else	/* the envelope does not declare it: declared here */
		sb_add(b, " xmlns:rsp=\"" WINRMD_NS_SHELL "\">");
}

void
command_answer_stdout(struct sbuf *b, const struct command *c,
    const unsigned char *data, size_t len)
{
	char *out, *b64;

	sb_add(b, "<rsp:Stream Name=\"stdout\" CommandId=\"");
	sb_add(b, c->id);
	sb_add(b, "\">");
	if (c->shell == NULL || !c->shell->xpress) {
		/* straight into the answer */
		if ((out = sb_room(b, BASE64_LEN(len) + 1)) != NULL)
			sb_grew(b, base64_encode_into(data, len, out));
	} else if ((b64 = shell_stream_b64(c->shell, data, len)) != NULL) {
		sb_add(b, b64);
		free(b64);
	} else
		b->failed = true;
	sb_add(b, "</rsp:Stream>");
}

void
command_answer_state(struct sbuf *b, const struct command *c, bool done)
{
	char code[16];

	sb_add(b, "<rsp:CommandState CommandId=\"");
	sb_add(b, c->id);
	if (done) {
		snprintf(code, sizeof(code), "%d", c->exit_code);
		sb_add(b, "\" State=\"" STATE_DONE "\"><rsp:ExitCode>");
		sb_add(b, code);
		sb_add(b, "</rsp:ExitCode></rsp:CommandState>");
	} else
		sb_add(b, "\" State=\"" STATE_RUNNING "\"/>");
}

int
command_answer_end(struct winrmd_op *op, xmlNodePtr body, struct sbuf *b)
{
	xmlNodePtr text;

	sb_add(b, "</rsp:ReceiveResponse>");
	if (b->failed || (text = xmlNewText(NULL)) == NULL) {
		sb_free(b);
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	}
	/* malloc'd, as xmlFree frees (xmlMalloc is malloc in the daemon) */
	text->content = (xmlChar *)sb_take(b);
	text->name = xmlStringTextNoenc;	/* written as it is */
	xmlAddChild(body, text);
	return WINRMD_OK;
}

static int
build_receive(struct command *c, struct winrmd_op *op)
{
	if (c->kind != NULL && c->kind->receive != NULL)
		return c->kind->receive(c, op);
	return build_winrs_receive(c, op);
}

size_t
command_take_output(struct command *c, unsigned char *buf, size_t max,
    enum stream_id *ret_stream)
{
	return take_run(c, max, ret_stream, copy_piece, &buf);
}

static void
fill_timeout(void *arg)
{
	struct command *c = arg;

	c->receive_timer = NULL;
	c->fill_waiting = false;
	c->fill_waited = true;
	try_answer(c);
}

/* is there room in the Receive's envelope that more output may fill? */
static bool
room_to_fill(struct command *c, struct winrmd_op *op)
{
	return c->kind == NULL && !c->exited && !c->eof[ST_STDOUT] &&
	    !c->eof[ST_STDERR] && c->out_bytes < OUT_CAP &&
	    c->out_bytes < receive_budget(c, op);
}

/*
 * Should a Receive for a streaming command wait (FILL_WAIT_MS at most,
 * once) for more output before it is answered?
 */
static bool
wait_to_fill(struct command *c, struct winrmd_op *op)
{
	return !c->fill_waiting && !c->fill_waited && room_to_fill(c, op) &&
	    c->rate_bytes >= RATE_BYTES &&
	    host->now_ms() - c->rate_since_ms <= RATE_WINDOW_MS;
}

/* the waiting Receive's poll becomes a wait of FILL_WAIT_MS */
static bool
start_fill_wait(struct command *c)
{
	struct winrmd_timer *t = host->timer_start(FILL_WAIT_MS,
	    fill_timeout, c);

	if (t == NULL)
		return false;
	host->timer_stop(c->receive_timer);
	c->receive_timer = t;
	c->fill_waiting = true;
	return true;
}

static void
try_answer(struct command *c)
{
	struct winrmd_op *op = c->receive;

	if (op == NULL || !has_news(c))
		return;
	if (c->fill_waiting && room_to_fill(c, op))
		return;		/* fill_timeout() comes */
	if (wait_to_fill(c, op) && start_fill_wait(c))
		return;
	c->receive = NULL;
	c->fill_waiting = c->fill_waited = false;
	host->timer_stop(c->receive_timer);
	c->receive_timer = NULL;
	build_receive(c, op);
	host->op_complete(op);
	if (c->shell != NULL)
		shell_touch(c->shell);
}

void
command_poke(struct command *c)
{
	try_answer(c);
}

static void
receive_timeout(void *arg)
{
	struct command *c = arg;
	struct winrmd_op *op = c->receive;

	c->receive_timer = NULL;
	c->receive = NULL;
	if (op == NULL)
		return;
	host->op_fault(op, WINRMD_FAULT_TIMED_OUT, NULL, NULL);
	host->op_complete(op);
	if (c->shell != NULL)
		shell_touch(c->shell);
}

/* answer a little before the client's OperationTimeout runs out */
static uint64_t
poll_time(uint64_t timeout_ms)
{
	uint64_t margin = timeout_ms / 4;

	if (margin > 5000)
		margin = 5000;
	return timeout_ms - margin;
}

int
command_receive(struct command *c, struct winrmd_op *op, unsigned want)
{
	if (c->receive != NULL) {
		/* the client gave up on the previous one: let it go */
		struct winrmd_op *old = c->receive;

		c->receive = NULL;
		host->timer_stop(c->receive_timer);
		c->receive_timer = NULL;
		host->op_fault(old, WINRMD_FAULT_TIMED_OUT, NULL, NULL);
		host->op_complete(old);
	}
	c->want = want;
	c->fill_waiting = c->fill_waited = false;
	if (has_news(c) && !wait_to_fill(c, op))
		return build_receive(c, op);
	c->receive = op;
	c->receive_timer = host->timer_start(poll_time(host->op_timeout_ms(op)),
	    receive_timeout, c);
	if (c->receive_timer == NULL) {
		c->receive = NULL;
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	}
	if (has_news(c) && !start_fill_wait(c)) {
		/* waiting to fill: or else at once, not at the poll's end */
		c->receive = NULL;
		host->timer_stop(c->receive_timer);
		c->receive_timer = NULL;
		return build_receive(c, op);
	}
	return WINRMD_PENDING;
}

/* --------------------------------------------------------------- stdin */

int
command_send_response(struct winrmd_op *op)
{
	xmlNodePtr body = host->op_reply(op, WINRMD_NS_SHELL "/SendResponse");

	if (body == NULL)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	xmlNewChild(body, xmlSearchNsByHref(body->doc, body,
	    BAD_CAST WINRMD_NS_SHELL), BAD_CAST "SendResponse", NULL);
	return WINRMD_OK;
}

static void
send_complete(struct command *c)
{
	struct winrmd_op *op = c->send;

	if (op == NULL)
		return;
	c->send = NULL;
	c->send_len = 0;
	host->timer_stop(c->send_timer);
	c->send_timer = NULL;
	command_send_response(op);
	host->op_complete(op);
}

/* in_buf holds room for n bytes more, or less than it did: realloc */
static int
stdin_resize(struct command *c, size_t cap)
{
	unsigned char *b;

	if (cap == 0) {
		free(c->in_buf);
		c->in_buf = NULL;
		c->in_cap = 0;
		return 0;
	}
	if ((b = realloc(c->in_buf, cap)) == NULL)
		return -ENOMEM;
	c->in_buf = b;
	c->in_cap = cap;
	return 0;
}

static void
send_timeout(void *arg)
{
	struct command *c = arg;
	struct winrmd_op *op = c->send;

	c->send_timer = NULL;
	if (op == NULL)
		return;
	/*
	 * Some of it was read: it stays, and the command holds less than
	 * this Send.  None of it was read: the command does not read its
	 * stdin; the Send is refused and nothing of it is kept.
	 */
	if (c->in_len < c->send_len || c->send_len == 0) {
		send_complete(c);
		return;
	}
	c->send = NULL;
	c->in_len -= c->send_len;
	if (c->send_ended)
		c->in_end = false;
	stdin_resize(c, c->in_len);
	if (c->in_len == 0) {
		host->watch_remove(c->w_in);
		c->w_in = NULL;
	}
	host->log(WINRMD_LOG_NOTICE, "shell: command %s of %s: a Send of %zu "
	    "bytes refused, its program has not read stdin (%zu bytes held)",
	    c->id, c->shell ? c->shell->user.name : "?", c->send_len,
	    c->in_len);
	host->op_fault(op, WINRMD_FAULT_QUOTA_LIMIT, NULL, "The command %s "
	    "has not read its stdin within the OperationTimeout: it still "
	    "holds %zu bytes.  The %zu bytes of this Send were not kept.",
	    c->id, c->in_len, c->send_len);
	c->send_len = 0;
	host->op_complete(op);
}

static void on_stdin_writable(int fd, uint32_t events, void *arg);

/* writes buffered stdin; closes it when drained and End was sent */
static void
flush_stdin(struct command *c)
{
	while (c->in_len > 0 && c->child.in_fd >= 0) {
		ssize_t n = write(c->child.in_fd, c->in_buf, c->in_len);

		if (n > 0) {
			memmove(c->in_buf, c->in_buf + n, c->in_len - (size_t)n);
			c->in_len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (c->w_in == NULL)
				c->w_in = host->watch_add(c->child.in_fd,
				    WINRMD_OUT, on_stdin_writable, c);
			break;
		}
		/* EPIPE: the child closed its stdin; the rest has no reader */
		close_stdin(c);
		break;
	}
	if (c->in_len == 0) {
		host->watch_remove(c->w_in);
		c->w_in = NULL;
		stdin_resize(c, 0);	/* it counts against the user's bound */
		if (c->in_end)
			close_stdin(c);
	}
	if (c->in_len <= IN_HIGH_WATER)
		send_complete(c);
}

static void
on_stdin_writable(int fd, uint32_t events, void *arg)
{
	(void)fd;
	(void)events;
	flush_stdin(arg);
}

int
command_send(struct command *c, struct winrmd_op *op,
    const unsigned char *data, size_t len, bool end)
{
	if (c->send != NULL)
		return host->op_fault(op, WINRMD_FAULT_QUOTA_MAX_OPERATIONS, NULL,
		    "Another Send to command %s is still in progress.", c->id);
	if (c->kind != NULL && c->kind->send != NULL)
		return c->kind->send(c, op, data, len, end);
	return command_stdin(c, op, data, len, end);
}

void
command_close_stdin(struct command *c)
{
	close_stdin(c);
}

int
command_stdin(struct command *c, struct winrmd_op *op,
    const unsigned char *data, size_t len, bool end)
{
	if (c->send != NULL)
		return host->op_fault(op, WINRMD_FAULT_QUOTA_MAX_OPERATIONS, NULL,
		    "Another Send to command %s is still in progress.", c->id);
	if (c->child.in_fd >= 0 && len > 0) {
		struct shell *sh = c->shell;
		size_t held = user_stdin_held(shell_state()->shells,
		    sh->user.p.uid);
		unsigned long long max = (unsigned long long)host->conf_int(
		    "Winrs", "MaxStdinPerUserMB") * 1024 * 1024;

		if (held + len > max) {
			host->log(WINRMD_LOG_NOTICE, "shell: command %s of %s: a "
			    "Send of %zu bytes refused, stdin buffers of %zu bytes "
			    "held for the user's commands (MaxStdinPerUserMB)", c->id,
			    sh->user.name, len, held);
			return host->op_fault(op, WINRMD_FAULT_QUOTA_LIMIT, NULL,
			    "The commands of %s hold stdin buffers of %zu bytes "
			    "that their programs have not read; this Send (%zu "
			    "bytes) would pass MaxStdinPerUserMB (%llu MB) and "
			    "was not kept.", sh->user.name, held, len, max >> 20);
		}
		if (c->in_len + len > c->in_cap &&
		    stdin_resize(c, c->in_len + len) < 0)
			return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR,
			    NULL, "out of memory");
		memcpy(c->in_buf + c->in_len, data, len);
		c->in_len += len;
	}
	c->send_ended = end && !c->in_end;
	if (end)
		c->in_end = true;
	if (c->child.in_fd >= 0) {
		flush_stdin(c);
		if (c->in_len > IN_HIGH_WATER) {
			c->send = op;
			c->send_len = len;
			c->send_timer = host->timer_start(
			    poll_time(host->op_timeout_ms(op)), send_timeout, c);
			return WINRMD_PENDING;
		}
	}
	return command_send_response(op);
}

/* -------------------------------------------------------------- signal */

int
command_signal(struct command *c, const char *code)
{
	int sig;

	if (c->kind != NULL && c->kind->signal != NULL &&
	    (sig = c->kind->signal(c, code)) != -EINVAL)
		return sig;
	if (strcasecmp(code, SIGNAL_TERMINATE) == 0)
		sig = SIGKILL;
	else if (strcasecmp(code, SIGNAL_CTRL_C) == 0)
		sig = SIGINT;
	else if (strcasecmp(code, SIGNAL_CTRL_BREAK) == 0)
		sig = SIGTERM;
	else
		return -EINVAL;
	command_kill_group(c, sig);
	return sig;
}

/* ------------------------------------------------------- start, destroy */

struct command *
command_new(struct shell *sh)
{
	struct command *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->shell = sh;
	new_id(c->id);
	c->child = (struct winrmd_child){ .pid = 0, .pidfd = -1, .in_fd = -1,
	    .out_fd = -1, .err_fd = -1 };
	c->conv = (iconv_t)-1;
	c->want = 3;
	c->status_fd = -1;
	return c;
}

/* a command that failed before running: its message on stderr, exit 1 */
struct command *
command_synthetic(struct shell *sh, const char *msg)
{
	struct command *c = command_new(sh);
	char line[512];
	int n;

	if (c == NULL)
		return NULL;
	n = snprintf(line, sizeof(line), "winrmd: %s\n", msg);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	if (append_output(c, ST_STDERR, (const unsigned char *)line,
	    (size_t)n) < 0) {
		free(c);
		return NULL;
	}
	c->exited = true;
	c->exit_code = 1;
	c->eof[ST_STDOUT] = c->eof[ST_STDERR] = true;
	host->log(WINRMD_LOG_INFO, "shell: command %s of %s not run: %s", c->id,
	    sh->user.name, msg);
	return c;
}

static const char *
codepage_name(unsigned cp, char *buf, size_t len)
{
	if (cp == 437)
		return "IBM437";
	if (cp == 1252)
		return "CP1252";
	if (cp == 28591)
		return "ISO-8859-1";
	if (cp == 20127)
		return "ASCII";
	snprintf(buf, len, "CP%u", cp);
	return buf;
}

/* argv for a line through the user's shell */
static int
shell_argv(const struct shell *sh, const char *line, char **argv)
{
	argv[0] = sh->user.shell;
	if (sh->noprofile) {
		argv[1] = (char *)"-c";
		argv[2] = (char *)line;
		argv[3] = NULL;
	} else {
		argv[1] = (char *)"-l";
		argv[2] = (char *)"-c";
		argv[3] = (char *)line;
		argv[4] = NULL;
	}
	return 0;
}

void
command_answer(struct command *c, int code, const char *out, const char *err)
{
	if (out != NULL && append_output(c, ST_STDOUT, (const unsigned char *)out,
	    strlen(out)) < 0)
		host->log(WINRMD_LOG_ERR, "shell: out of memory answering "
		    "command %s", c->id);
	if (err != NULL && append_output(c, ST_STDERR, (const unsigned char *)err,
	    strlen(err)) < 0)
		host->log(WINRMD_LOG_ERR, "shell: out of memory answering "
		    "command %s", c->id);
	c->exited = true;
	c->exit_code = code;
	c->eof[ST_STDOUT] = c->eof[ST_STDERR] = true;
	try_answer(c);
}

void
command_feed(struct command *c, const unsigned char *data, size_t len)
{
	command_input(c, data, len, true);
}

void
command_input(struct command *c, const unsigned char *data, size_t len,
    bool end)
{
	if (c->child.in_fd < 0)
		return;
	free(c->in_buf);
	c->in_buf = NULL;
	c->in_len = c->in_cap = 0;
	if (len > 0) {
		if ((c->in_buf = malloc(len)) == NULL) {
			host->log(WINRMD_LOG_ERR, "shell: out of memory feeding "
			    "command %s", c->id);
			close_stdin(c);
			return;
		}
		memcpy(c->in_buf, data, len);
		c->in_len = c->in_cap = len;
	}
	c->in_end = end;
	flush_stdin(c);
}

/* was the spawn refused because user may not run processes?  buf: why */
static bool
account_refused(const struct winrmd_principal *user, int r, char *buf,
    size_t len)
{
	char why[512];

	if (r != -EPERM || !WINRMD_HOST_HAS(host, account_may_run) ||
	    host->account_may_run(user, why, sizeof(why)) == 0)
		return false;
	snprintf(buf, len, "Access is denied: %s, so no process may run as %s "
	    "on this host.", why, user->name);
	return true;
}

const char *
command_spawn_why(const struct winrmd_principal *user, int r, char *buf,
    size_t len)
{
	if (account_refused(user, r, buf, len))
		return buf;
	if (r == -EAGAIN)
		snprintf(buf, len, "The processes of %s reached their limit "
		    "(MaxProcessesPerShell, the shell's pids.max).", user->name);
	else if (r == -EMFILE || r == -ENFILE)
		snprintf(buf, len, "The service is short of file descriptors: "
		    "no process was started for %s; try again later.",
		    user->name);
	else
		snprintf(buf, len, "%s", strerror(-r));
	return buf;
}

int
command_spawn_fault(struct winrmd_op *op, const struct winrmd_principal *user,
    int r, const char *what, const char *cwd)
{
	const char *in = cwd != NULL ? " in " : "";
	char why[768];

	if (account_refused(user, r, why, sizeof(why)))
		return host->op_fault(op, WINRMD_FAULT_ACCESS_DENIED, NULL, "%s",
		    why);
	command_spawn_why(user, r, why, sizeof(why));
	switch (r) {
	case -EAGAIN:
	case -EMFILE:
	case -ENFILE:
		return host->op_fault(op, WINRMD_FAULT_QUOTA_LIMIT, NULL, "%s",
		    why);
	case -ENOENT:
	case -EACCES:
		return host->op_fault(op, WINRMD_FAULT_INVALID_PARAMETER, NULL,
		    "%s could not be started as %s%s%s: %s", what, user->name,
		    in, cwd ? cwd : "", why);
	}
	return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
	    "%s could not be started as %s%s%s: %s", what, user->name, in,
	    cwd ? cwd : "", why);
}

/*
 * The audit trail of commands: who started what in which shell, its pid,
 * and (on_exit_event) its exit code.  The command line is the client's:
 * the daemon's log escapes it.
 */
static void
log_started(const struct command *c, const struct winrmd_principal *user,
    char *const *argv)
{
	char line[1024];
	size_t o = 0;

	line[0] = '\0';
	for (size_t i = 0; argv[i] != NULL && o + 1 < sizeof(line); i++) {
		int n = snprintf(line + o, sizeof(line) - o, "%s%s",
		    i > 0 ? " " : "", argv[i]);

		if (n < 0)
			break;
		o += (size_t)n;
	}
	if (o >= sizeof(line))
		memcpy(line + sizeof(line) - 4, "...", 4);
	host->log(WINRMD_LOG_INFO, "shell: command started for %s (shell %s, "
	    "pid %d): %s", user->name, c->shell->id, (int)c->child.pid, line);
}

/*
 * The environment of a command: the caller's (the client's Environment,
 * PSRP's and Ansible's own), then what PAM set for the shell's login
 * session that the caller did not.  The pointers are the callers'; NULL
 * when out of memory.
 */
static char **
session_env(char *const *env, char *const *penv)
{
	size_t n = 0, m = 0, k;
	char **all;

	while (env != NULL && env[n] != NULL)
		n++;
	while (penv != NULL && penv[m] != NULL)
		m++;
	if ((all = calloc(n + m + 1, sizeof(*all))) == NULL)
		return NULL;
	for (k = 0; k < n; k++)
		all[k] = env[k];
	for (size_t i = 0; i < m; i++) {
		size_t len = strcspn(penv[i], "=");
		bool set = false;

		for (size_t j = 0; j < n && !set; j++)
			set = strncmp(env[j], penv[i], len) == 0 &&
			    env[j][len] == '=';
		if (!set)
			all[k++] = penv[i];
	}
	return all;
}

/* ret's or fn's spawn (one of them) of a child for sh, with a status pipe
 * in *status_fd unless it is NULL (ret's only) */
static int
spawn_for(struct shell *sh, const struct winrmd_principal *user,
    char **argv, char *const *env, const char *cwd, struct winrmd_group *group,
    struct winrmd_child *ret, int *status_fd, winrmd_spawned_fn fn, void *arg)
{
	struct winrmd_spawn_req req = { 0 };
	char **all = NULL;
	int r;

	if (sh->session_env != NULL && sh->session_env[0] != NULL) {
		if ((all = session_env(env, sh->session_env)) == NULL)
			return -ENOMEM;
		env = all;
	}
	req.user = user;
	req.path = argv[0];
	req.argv = argv;
	req.env = env;
	req.cwd = cwd;
	req.group = group;
	if (group == NULL) {	/* no cgroup: per-process limits */
		req.mem_limit = sh->mem_limit;
		req.nproc_limit = sh->max_procs;
	}
	r = fn != NULL ? host->spawn_async(&req, fn, arg) :
	    status_fd != NULL ? host->spawn_status(&req, ret, status_fd) :
	    host->spawn(&req, ret);
	free(all);
	return r;
}

int
shell_spawn(struct shell *sh, const struct winrmd_principal *user,
    char **argv, char *const *env, const char *cwd, struct winrmd_group *group,
    struct winrmd_child *ret)
{
	return spawn_for(sh, user, argv, env, cwd, group, ret, NULL, NULL,
	    NULL);
}

int
shell_spawn_async(struct shell *sh, const struct winrmd_principal *user,
    char **argv, char *const *env, const char *cwd, struct winrmd_group *group,
    winrmd_spawned_fn fn, void *arg)
{
	if (!WINRMD_HOST_HAS(host, spawn_async))
		return -ENOSYS;
	return spawn_for(sh, user, argv, env, cwd, group, NULL, NULL, fn,
	    arg);
}

int
command_spawn(struct command *c, const struct winrmd_principal *user,
    char **argv, char *const *env, const char *cwd, struct winrmd_group *group)
{
	struct winrmd_child child;
	int r;

	if ((r = shell_spawn(c->shell, user, argv, env, cwd, group,
	    &child)) < 0) {
		c->child = (struct winrmd_child){ .pid = 0, .pidfd = -1,
		    .in_fd = -1, .out_fd = -1, .err_fd = -1 };
		return r;
	}
	return command_adopt(c, user, argv, &child);
}

int
command_spawn_keepable(struct command *c, char **argv)
{
	struct shell *sh = c->shell;
	struct winrmd_child child;
	char **rargv;
	size_t n = 0;
	int r;

	static bool warned;
	const char *reaper = NULL;

	if (restart_needs_reaper() &&
	    access((reaper = psrp_stdin_watch_path()), X_OK) < 0) {
		if (!warned)
			host->log(WINRMD_LOG_WARNING, "shell: %s: %s; commands "
			    "kept across a restart get exit code 255", reaper,
			    strerror(errno));
		warned = true;
		reaper = NULL;
	}
	if (reaper == NULL)
		return command_spawn(c, &sh->user.p, argv, sh->env, sh->cwd,
		    sh->group);
	/* winrmd-stdin-watch -r ARGV...: the reaper, the command its child */
	while (argv[n] != NULL)
		n++;
	if ((rargv = calloc(n + 3, sizeof(*rargv))) == NULL)
		return -ENOMEM;
	rargv[0] = (char *)reaper;
	rargv[1] = (char *)"-r";
	memcpy(rargv + 2, argv, n * sizeof(*rargv));
	r = spawn_for(sh, &sh->user.p, rargv, sh->env, sh->cwd, sh->group,
	    &child, &c->status_fd, NULL, NULL);
	free(rargv);
	if (r < 0) {
		c->child = (struct winrmd_child){ .pid = 0, .pidfd = -1,
		    .in_fd = -1, .out_fd = -1, .err_fd = -1 };
		c->status_fd = -1;
		return r;
	}
	if ((r = command_adopt(c, &sh->user.p, argv, &child)) < 0) {
		close(c->status_fd);
		c->status_fd = -1;
	}
	return r;
}

int
command_adopt(struct command *c, const struct winrmd_principal *user,
    char *const *argv, const struct winrmd_child *child)
{
	struct shell *sh = c->shell;
	char cpbuf[16];

	c->child = *child;
	log_started(c, user, argv);
	if (sh->codepage != 65001 && sh->codepage != 0) {
		c->conv = iconv_open(codepage_name(sh->codepage, cpbuf,
		    sizeof(cpbuf)), "UTF-8");
		if (c->conv != (iconv_t)-1)
			c->conv_ascii = keeps_ascii(c->conv);
		else
			host->log(WINRMD_LOG_WARNING, "shell: codepage %u is not "
			    "known to iconv; output stays UTF-8", sh->codepage);
	}
	c->w_pid = host->watch_add(c->child.pidfd, WINRMD_IN, on_exit_event, c);
	c->w_out[ST_STDOUT] = host->watch_add(c->child.out_fd, WINRMD_IN,
	    on_output, c);
	c->w_out[ST_STDERR] = host->watch_add(c->child.err_fd, WINRMD_IN,
	    on_output, c);
	if (c->w_pid == NULL || c->w_out[0] == NULL || c->w_out[1] == NULL) {
		/* the group stays the caller's; so does c */
		for (int s = 0; s < 2; s++)
			close_stream(c, (enum stream_id)s);
		host->watch_remove(c->w_pid);
		c->w_pid = NULL;
		close_stdin(c);
		shell_signal(c->child.pid, SIGKILL, true);
		{
			siginfo_t si;

			waitid(P_PIDFD, (id_t)c->child.pidfd, &si, WEXITED);
		}
		close(c->child.pidfd);
		c->child = (struct winrmd_child){ .pid = 0, .pidfd = -1,
		    .in_fd = -1, .out_fd = -1, .err_fd = -1 };
		c->eof[0] = c->eof[1] = false;
		if (c->conv != (iconv_t)-1)
			iconv_close(c->conv);
		c->conv = (iconv_t)-1;
		return -ENOMEM;
	}
	host->log(WINRMD_LOG_DEBUG, "shell: command %s of %s: pid %d, %s%s%s",
	    c->id, sh->user.name, (int)c->child.pid, argv[0],
	    argv[1] ? " " : "", argv[1] ? argv[1] : "");
	return 0;
}

/* ------------------------------------ across a restart (restart.c) */

int
command_put_output(struct command *c, enum stream_id s,
    const unsigned char *p, size_t n)
{
	return n > 0 ? append_output(c, s, p, n) : 0;
}

int
command_put_stdin(struct command *c, const unsigned char *p, size_t n)
{
	if (n == 0)
		return 0;
	if (c->in_len + n > c->in_cap && stdin_resize(c, c->in_len + n) < 0)
		return -ENOMEM;
	memcpy(c->in_buf + c->in_len, p, n);
	c->in_len += n;
	return 0;
}

void
command_answer_send(struct command *c)
{
	send_complete(c);
}

void
command_unwatch(struct command *c)
{
	host->watch_remove(c->w_pid);
	host->watch_remove(c->w_in);
	host->watch_remove(c->w_out[0]);
	host->watch_remove(c->w_out[1]);
	c->w_pid = c->w_in = c->w_out[0] = c->w_out[1] = NULL;
}

void
command_rewatch(struct command *c)
{
	if (c->child.pidfd >= 0 && !c->exited)
		c->w_pid = host->watch_add(c->child.pidfd, WINRMD_IN,
		    on_exit_event, c);
	for (int s = 0; s < 2; s++) {
		int fd = s == 0 ? c->child.out_fd : c->child.err_fd;

		if (fd >= 0)
			c->w_out[s] = host->watch_add(fd, WINRMD_IN, on_output,
			    c);
	}
	if (c->in_len > 0 || c->in_end)
		flush_stdin(c);
}

/* frees c, whose descriptors went to the keeper (all -1 by now) */
void
command_forget(struct command *c)
{
	command_unwatch(c);
	host->timer_stop(c->receive_timer);
	host->timer_stop(c->send_timer);
	host->timer_stop(c->kill_timer);
	host->timer_stop(c->status_timer);
	ahead_drop(c);
	while (c->out_head != NULL) {
		struct out_chunk *t = c->out_head;

		c->out_head = t->next;
		free(t);
	}
	if (c->conv != (iconv_t)-1)
		iconv_close(c->conv);
	free(c->in_buf);
	free(c);
}

/*
 * The exit status of a kept command, which is not the daemon's child: its
 * new parent (init, the service manager) reaps it, and the kernel keeps
 * the status for the pidfd.  Asked again every STATUS_RETRY_MS until it
 * is there, at most STATUS_TRIES times; then the code is unknown (255).
 */
#define STATUS_RETRY_MS	50
#define STATUS_TRIES	200

/*
 * The wait status its reaper wrote on the status pipe before it exited
 * (the pidfd said it did): 0; nothing there means the reaper was killed
 * first, which only SIGKILL does (winrmd-stdin-watch -r blocks the
 * others), so the group's SIGKILL ended the command too
 */
static int
reaped_status(struct command *c, int *st)
{
	ssize_t n;

	do
		n = read(c->status_fd, st, sizeof(*st));
	while (n < 0 && errno == EINTR);
	close(c->status_fd);
	c->status_fd = -1;
	if (n != (ssize_t)sizeof(*st)) {
		host->log(WINRMD_LOG_WARNING, "shell: the reaper of kept command "
		    "%s (pid %d) ended without its status (killed): taken as "
		    "killed by SIGKILL", c->id, (int)c->child.pid);
		*st = SIGKILL;	/* as a wait status: killed by it */
	}
	return 0;
}

static void
kept_status(void *arg)
{
	struct command *c = arg;
	int st = 0, r;

	c->status_timer = NULL;
	r = c->status_fd >= 0 ? reaped_status(c, &st) :
	    host->exit_status(c->child.pidfd, &st);
	if (r == -EAGAIN && ++c->status_tries < STATUS_TRIES) {
		c->status_timer = host->timer_start(STATUS_RETRY_MS,
		    kept_status, c);
		return;
	}
	c->exited = true;
	c->reaped = true;	/* never the daemon's to reap */
	if (r == 0)
		c->exit_code = WIFEXITED(st) ? WEXITSTATUS(st) :
		    128 + WTERMSIG(st);
	else {
		c->exit_code = 255;
		host->log(WINRMD_LOG_WARNING, "shell: the exit status of kept "
		    "command %s (pid %d) is not known (%s): exit code 255",
		    c->id, (int)c->child.pid, r == -EAGAIN ? "its parent did "
		    "not reap it in time" : strerror(-r));
	}
	host->log(WINRMD_LOG_INFO, "shell: kept command of %s (shell %s, pid "
	    "%d) exited with code %d", c->shell->user.name, c->shell->id,
	    (int)c->child.pid, c->exit_code);
	close_stdin(c);
	send_complete(c);
	for (int s = 0; s < 2; s++)
		drain(c, (enum stream_id)s);
	try_answer(c);
}

int
command_adopt_kept(struct command *c, const struct winrmd_child *child)
{
	struct shell *sh = c->shell;
	char cpbuf[16];

	c->child = *child;
	c->foreign = true;
	if (c->exited)
		c->reaped = true;
	if (sh->codepage != 65001 && sh->codepage != 0 &&
	    (c->conv = iconv_open(codepage_name(sh->codepage, cpbuf,
	    sizeof(cpbuf)), "UTF-8")) != (iconv_t)-1)
		c->conv_ascii = keeps_ascii(c->conv);
	command_rewatch(c);
	if ((c->child.pidfd >= 0 && !c->exited && c->w_pid == NULL) ||
	    (c->child.out_fd >= 0 && c->w_out[0] == NULL) ||
	    (c->child.err_fd >= 0 && c->w_out[1] == NULL))
		return -ENOMEM;
	return 0;
}

struct command *
command_start(struct shell *sh, const char *command, char *const *args,
    size_t nargs, bool skip_cmd_shell, struct winrmd_op *op, int *ret_fault)
{
	const char *mode = host->conf_str("Winrs", "PowerShell");
	struct cmdline cl;
	char *argv_buf[8], **argv = argv_buf, *encoded = NULL;
	const char *pwsh = NULL;
	struct command *c = NULL;
	int r;

	*ret_fault = WINRMD_FAULT_NONE;
	if (cmdline_parse(command, args, nargs, skip_cmd_shell, &cl) < 0) {
		*ret_fault = host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
		return NULL;
	}
	switch (cl.kind) {
	case CMD_FAIL:
		c = command_synthetic(sh, cl.text);
		goto out;
	case CMD_POWERSHELL:
		if (mode == NULL || strcasecmp(mode, "sh") != 0)
			pwsh = command_pwsh_path();
		if (mode != NULL && strcasecmp(mode, "pwsh") == 0 && pwsh == NULL) {
			c = command_synthetic(sh, "[Winrs] PowerShell = pwsh, but "
			    "pwsh (PowerShell 7) is not installed on this host");
			goto out;
		}
		/* scripts served natively, unless pwsh is asked for */
		if (mode == NULL || strcasecmp(mode, "pwsh") != 0)
			for (size_t i = 0; command_recognisers[i] != NULL; i++)
				if (command_recognisers[i]->powershell != NULL &&
				    command_recognisers[i]->powershell(sh, cl.text,
				    pwsh, op, &c, ret_fault) != 0)
					goto out;
		if (pwsh != NULL) {
			argv[0] = (char *)pwsh;
			argv[1] = (char *)"-NoProfile";
			argv[2] = (char *)"-NonInteractive";
			if (cl.script_from_stdin) {
				argv[3] = (char *)"-Command";
				argv[4] = (char *)"-";
			} else {
				if ((encoded = cmdline_encode_ps(cl.text)) == NULL)
					goto nomem;
				argv[3] = (char *)"-EncodedCommand";
				argv[4] = encoded;
			}
			argv[5] = NULL;
			break;
		}
		if (cl.needs_engine != NULL) {
			char msg[256];

			snprintf(msg, sizeof(msg), "this command needs PowerShell "
			    "(it uses %s), and PowerShell (pwsh) is not installed "
			    "on this host", cl.needs_engine);
			c = command_synthetic(sh, msg);
			goto out;
		}
		shell_argv(sh, cl.text, argv);
		break;
	case CMD_SHELL:
		/* lines served natively (winrmcp's uploads: winrmcp.h) */
		for (size_t i = 0; command_recognisers[i] != NULL; i++)
			if (command_recognisers[i]->shell_line != NULL &&
			    command_recognisers[i]->shell_line(sh, cl.text, op,
			    &c, ret_fault) != 0)
				goto out;
		shell_argv(sh, cl.text, argv);
		break;
	case CMD_ARGV:
		argv = cl.argv;
		break;
	}
	if ((c = command_new(sh)) == NULL)
		goto nomem;
	if ((r = command_spawn_keepable(c, argv)) < 0) {
		*ret_fault = command_spawn_fault(op, &sh->user.p, r,
		    "The command", sh->cwd);
		free(c);
		c = NULL;
	}
	goto out;
nomem:
	if (*ret_fault == WINRMD_FAULT_NONE)
		*ret_fault = host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
out:
	free(encoded);
	cmdline_free(&cl);
	return c;
}

void
command_end_receive(struct command *c, enum winrmd_fault fault,
    const char *why)
{
	struct winrmd_op *op;

	if (c == NULL || (op = c->receive) == NULL)
		return;
	c->receive = NULL;
	host->timer_stop(c->receive_timer);
	c->receive_timer = NULL;
	host->op_fault(op, fault, NULL, "%s", why);
	host->op_complete(op);
}

void
command_abort_ops(struct command *c, enum winrmd_fault fault)
{
	struct winrmd_op *op;
	char why[SHELL_ID_LEN + 32];

	snprintf(why, sizeof(why), "The command %s was ended.", c->id);
	command_end_receive(c, fault, why);
	if ((op = c->send) != NULL) {
		c->send = NULL;
		host->timer_stop(c->send_timer);
		c->send_timer = NULL;
		host->op_fault(op, fault, NULL, "The command %s was ended.", c->id);
		host->op_complete(op);
	}
}

int
command_reap_later(const struct winrmd_child *child)
{
	struct plugin_state *ps = shell_state();
	struct command *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return -ENOMEM;
	c->child = (struct winrmd_child){ .pid = child->pid,
	    .pidfd = child->pidfd, .in_fd = -1, .out_fd = -1, .err_fd = -1 };
	c->conv = (iconv_t)-1;
	c->status_fd = -1;
	/* on_exit_event of a command without a shell: reap and free */
	if ((c->w_pid = host->watch_add(c->child.pidfd, WINRMD_IN,
	    on_exit_event, c)) == NULL) {
		free(c);
		return -ENOMEM;
	}
	c->next = ps->reaping;
	ps->reaping = c;
	return 0;
}

/*
 * Ends a command that has been unlinked from its shell: answers its waiting
 * ops, kills its process group and frees it, or keeps it on the reaping
 * list until the child has been reaped.
 */
void
command_destroy(struct plugin_state *ps, struct command *c)
{
	command_abort_ops(c, WINRMD_FAULT_SHELL_NOT_FOUND);
	if (c->kind != NULL && c->kind->cleanup != NULL)
		c->kind->cleanup(c);
	c->kind = NULL;		/* what is left is a process to reap */
	c->shell = NULL;
	close_stdin(c);
	for (int s = 0; s < 2; s++)
		if (c->w_out[s] != NULL || (s == 0 ? c->child.out_fd :
		    c->child.err_fd) >= 0)
			close_stream(c, (enum stream_id)s);
	ahead_drop(c);
	while (c->out_head != NULL) {
		struct out_chunk *t = c->out_head;

		c->out_head = t->next;
		free(t);
	}
	c->out_tail = NULL;
	c->out_bytes = 0;
	if (c->conv != (iconv_t)-1)
		iconv_close(c->conv);
	c->conv = (iconv_t)-1;
	if (c->child.pid > 0) {
		command_kill_group(c, SIGKILL);
		if (c->status_fd >= 0)
			close(c->status_fd);
		c->status_fd = -1;
		if (c->foreign) {	/* not ours to reap */
			host->watch_remove(c->w_pid);
			host->timer_stop(c->status_timer);
			if (c->child.pidfd >= 0)
				close(c->child.pidfd);
			free(c);
			return;
		}
		if (!c->exited) {
			c->next = ps->reaping;
			ps->reaping = c;
			return;	/* on_exit_event reaps and frees */
		}
		if (!c->reaped) {
			siginfo_t si;

			waitid(P_PIDFD, (id_t)c->child.pidfd, &si, WEXITED);
		}
		if (c->child.pidfd >= 0)
			close(c->child.pidfd);
	}
	free(c);
}
