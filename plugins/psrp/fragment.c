/*
 * fragment.c: PSRP fragments (MS-PSRP 2.2.4): the defragmenter of one
 * incoming stream, bounded in the bytes it holds, and the fragmenter that
 * cuts an outgoing message into the room a response has left.  It knows
 * nothing of messages (message.c) or of WS-Man.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "fragment.h"

struct defrag_msg {
	struct defrag_msg	*dm_next;
	uint64_t		 dm_object_id;
	size_t			 dm_len;
	uint8_t			 dm_data[];
};

struct psrp_defrag {
	size_t			 df_max;
	size_t			 df_held;	/* partial + queued */
	/* the message being assembled */
	bool			 df_partial;
	uint64_t		 df_object_id;
	uint64_t		 df_next_fragment;
	uint8_t			*df_buf;
	size_t			 df_len, df_cap;
	/* complete messages, oldest first */
	struct defrag_msg	*df_head, **df_tail;
	char			 df_error[128];
};

struct psrp_defrag *
psrp_defrag_new(size_t max_buffered)
{
	struct psrp_defrag *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->df_max = max_buffered;
	d->df_tail = &d->df_head;
	return d;
}

void
psrp_defrag_free(struct psrp_defrag *d)
{
	struct defrag_msg *m, *next;

	if (d == NULL)
		return;
	for (m = d->df_head; m != NULL; m = next) {
		next = m->dm_next;
		free(m);
	}
	free(d->df_buf);
	free(d);
}

static int defrag_fail(struct psrp_defrag *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static int
defrag_fail(struct psrp_defrag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->df_error, sizeof(d->df_error), fmt, ap);
	va_end(ap);
	/* drop what was held: a failed stream is closed by the caller */
	free(d->df_buf);
	d->df_buf = NULL;
	d->df_len = d->df_cap = 0;
	d->df_partial = false;
	return -1;
}

static int
defrag_append(struct psrp_defrag *d, const uint8_t *blob, size_t len)
{
	if (len == 0)
		return 0;
	if (d->df_len + len > d->df_cap) {
		size_t cap = d->df_cap ? d->df_cap : 1024;
		uint8_t *p;

		while (cap < d->df_len + len)
			cap *= 2;
		if (cap > d->df_max)
			cap = d->df_max;
		if ((p = realloc(d->df_buf, cap)) == NULL)
			return defrag_fail(d, "out of memory (%zu bytes)",
			    cap);
		d->df_buf = p;
		d->df_cap = cap;
	}
	memcpy(d->df_buf + d->df_len, blob, len);
	d->df_len += len;
	return 0;
}

static int
defrag_complete(struct psrp_defrag *d)
{
	struct defrag_msg *m = malloc(sizeof(*m) + d->df_len);

	if (m == NULL)
		return defrag_fail(d, "out of memory (%zu bytes)",
		    d->df_len);
	m->dm_next = NULL;
	m->dm_object_id = d->df_object_id;
	m->dm_len = d->df_len;
	if (d->df_len > 0)
		memcpy(m->dm_data, d->df_buf, d->df_len);
	*d->df_tail = m;
	d->df_tail = &m->dm_next;
	d->df_len = 0;
	d->df_partial = false;
	/* a large buffer is not kept for the next message */
	if (d->df_cap > 65536) {
		free(d->df_buf);
		d->df_buf = NULL;
		d->df_cap = 0;
	}
	return 0;
}

int
psrp_defrag_feed(struct psrp_defrag *d, const uint8_t *data, size_t len)
{
	size_t off = 0;

	if (d->df_error[0] != '\0')
		return -1;
	if (len == 0)
		return defrag_fail(d, "empty payload");
	while (off < len) {
		const uint8_t *h = data + off;
		uint64_t oid, fid;
		uint32_t blen;
		uint8_t flags;

		if (len - off < PSRP_FRAG_HEADER)
			return defrag_fail(d, "fragment header cut short: %zu "
			    "of 21 bytes", len - off);
		oid = get_be64(h);
		fid = get_be64(h + 8);
		flags = h[16];
		blen = get_be32(h + 17);
		off += PSRP_FRAG_HEADER;
		if (blen > len - off)
			return defrag_fail(d, "BlobLength %u past the end of "
			    "the payload (%zu bytes left)", (unsigned)blen,
			    len - off);
		if (flags & PSRP_FRAG_START) {
			if (d->df_partial)
				return defrag_fail(d, "object %llu starts before "
				    "object %llu ended", (unsigned long long)oid,
				    (unsigned long long)d->df_object_id);
			if (fid != 0)
				return defrag_fail(d, "object %llu starts with "
				    "fragment %llu", (unsigned long long)oid,
				    (unsigned long long)fid);
			d->df_partial = true;
			d->df_object_id = oid;
			d->df_next_fragment = 0;
		} else if (!d->df_partial)
			return defrag_fail(d, "fragment %llu of object %llu "
			    "without a start", (unsigned long long)fid,
			    (unsigned long long)oid);
		else if (oid != d->df_object_id)
			return defrag_fail(d, "object %llu interleaved with "
			    "object %llu", (unsigned long long)oid,
			    (unsigned long long)d->df_object_id);
		if (fid != d->df_next_fragment)
			return defrag_fail(d, "fragment %llu where %llu was "
			    "expected", (unsigned long long)fid,
			    (unsigned long long)d->df_next_fragment);
		if (blen > d->df_max || d->df_held + blen > d->df_max)
			return defrag_fail(d, "more than %zu bytes buffered "
			    "(object %llu)", d->df_max,
			    (unsigned long long)oid);
		if (defrag_append(d, data + off, blen) < 0)
			return -1;
		d->df_held += blen;
		d->df_next_fragment++;
		off += blen;
		if ((flags & PSRP_FRAG_END) && defrag_complete(d) < 0)
			return -1;
	}
	return 0;
}

int
psrp_defrag_next(struct psrp_defrag *d, uint8_t **ret_msg, size_t *ret_len,
    uint64_t *ret_object_id)
{
	struct defrag_msg *m = d->df_head;
	uint8_t *out;

	if (m == NULL)
		return 0;
	/* the message moves to its own buffer of its own size */
	if ((out = malloc(m->dm_len ? m->dm_len : 1)) == NULL)
		return 0;
	memcpy(out, m->dm_data, m->dm_len);
	*ret_msg = out;
	*ret_len = m->dm_len;
	if (ret_object_id != NULL)
		*ret_object_id = m->dm_object_id;
	if ((d->df_head = m->dm_next) == NULL)
		d->df_tail = &d->df_head;
	d->df_held -= m->dm_len;
	free(m);
	return 1;
}

size_t
psrp_defrag_buffered(const struct psrp_defrag *d)
{
	return d->df_held;
}

bool
psrp_defrag_partial(const struct psrp_defrag *d)
{
	return d->df_partial;
}

const char *
psrp_defrag_error(const struct psrp_defrag *d)
{
	return d->df_error[0] != '\0' ? d->df_error : NULL;
}

size_t
psrp_frag_put(struct psrp_frag_cursor *c, const uint8_t *msg, size_t len,
    uint8_t *out, size_t room)
{
	size_t left, blob;
	uint8_t flags = 0;

	if (c->fc_done || c->fc_offset > len || room < PSRP_FRAG_HEADER)
		return 0;
	left = len - c->fc_offset;
	blob = room - PSRP_FRAG_HEADER;
	if (blob > UINT32_MAX)
		blob = UINT32_MAX;
	if (blob > left)
		blob = left;
	if (blob == 0 && left > 0)
		return 0;
	if (c->fc_fragment_id == 0)
		flags |= PSRP_FRAG_START;
	if (blob == left) {
		flags |= PSRP_FRAG_END;
		c->fc_done = true;
	}
	put_be64(out, c->fc_object_id);
	put_be64(out + 8, c->fc_fragment_id);
	out[16] = flags;
	put_be32(out + 17, (uint32_t)blob);
	if (blob > 0)
		memcpy(out + PSRP_FRAG_HEADER, msg + c->fc_offset, blob);
	c->fc_offset += blob;
	c->fc_fragment_id++;
	return PSRP_FRAG_HEADER + blob;
}

uint8_t *
psrp_frag_all(uint64_t object_id, const uint8_t *msg, size_t len,
    size_t max_blob, size_t *ret_len)
{
	struct psrp_frag_cursor c = { .fc_object_id = object_id };
	size_t nfrag, total, off = 0, n;
	uint8_t *out;

	if (max_blob == 0 || max_blob > UINT32_MAX)
		return NULL;
	nfrag = len == 0 ? 1 : (len + max_blob - 1) / max_blob;
	if (nfrag > (SIZE_MAX - len) / PSRP_FRAG_HEADER)
		return NULL;
	total = len + nfrag * PSRP_FRAG_HEADER;
	if ((out = malloc(total)) == NULL)
		return NULL;
	while ((n = psrp_frag_put(&c, msg, len, out + off,
	    PSRP_FRAG_HEADER + max_blob)) > 0)
		off += n;
	*ret_len = off;
	return out;
}

size_t
psrp_b64_room(size_t b64_room)
{
	return b64_room / 4 * 3;
}
