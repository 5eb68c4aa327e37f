/*
 * xpress.c: the chunk framing of CompressionType xpress (MS-WSMV) around
 * wimlib's XPRESS decoder, which is MS-XCA's LZ77+Huffman (a 256-byte
 * table of code lengths for 512 symbols, then the bit stream); it decodes
 * MS-XCA's own examples (tests/unit/check_xpress.c).  See xpress.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wimlib.h>

#include "xpress.h"

static size_t
le16_plus1(const unsigned char *p)
{
	return ((size_t)p[0] | (size_t)p[1] << 8) + 1;
}

const char *
xpress_strerror(enum xpress_error e)
{
	switch (e) {
	case XPRESS_OK:
		return "no error";
	case XPRESS_TRUNCATED:
		return "a compressed chunk is cut short";
	case XPRESS_BAD_SIZES:
		return "a compressed chunk is larger than its original";
	case XPRESS_BAD_DATA:
		return "a chunk is not valid LZ77+Huffman data";
	case XPRESS_TOO_LARGE:
		return "the decompressed data is larger than a request may carry";
	case XPRESS_NOMEM:
		return "out of memory";
	}
	return "unknown error";
}

/* checks every header; *ret_total: the original sizes added up */
static enum xpress_error
scan(const unsigned char *in, size_t len, size_t max, size_t *ret_total,
    size_t *ret_at)
{
	size_t off = 0, total = 0;

	while (off < len) {
		size_t orig, stored;

		*ret_at = off;
		if (len - off < XPRESS_HEADER)
			return XPRESS_TRUNCATED;
		orig = le16_plus1(in + off);
		stored = le16_plus1(in + off + 2);
		if (stored > orig)
			return XPRESS_BAD_SIZES;
		if (len - off - XPRESS_HEADER < stored)
			return XPRESS_TRUNCATED;
		if (orig > max - total)
			return XPRESS_TOO_LARGE;
		total += orig;
		off += XPRESS_HEADER + stored;
	}
	*ret_total = total;
	return XPRESS_OK;
}

enum xpress_error
xpress_decode(const unsigned char *in, size_t len, size_t max,
    unsigned char **ret, size_t *ret_len, size_t *ret_at)
{
	struct wimlib_decompressor *d = NULL;
	enum xpress_error e;
	unsigned char *out;
	size_t total = 0, off = 0, pos = 0;

	*ret_at = 0;
	if ((e = scan(in, len, max, &total, ret_at)) != XPRESS_OK)
		return e;
	if ((out = malloc(total ? total : 1)) == NULL)
		return XPRESS_NOMEM;
	while (off < len) {
		size_t orig = le16_plus1(in + off);
		size_t stored = le16_plus1(in + off + 2);
		const unsigned char *p = in + off + XPRESS_HEADER;

		*ret_at = off;
		if (stored == orig)
			memcpy(out + pos, p, orig);
		else {
			if (d == NULL && wimlib_create_decompressor(
			    WIMLIB_COMPRESSION_TYPE_XPRESS, XPRESS_CHUNK_MAX,
			    &d) != 0) {
				e = XPRESS_NOMEM;
				goto fail;
			}
			if (wimlib_decompress(p, stored, out + pos, orig, d) != 0) {
				e = XPRESS_BAD_DATA;
				goto fail;
			}
		}
		pos += orig;
		off += XPRESS_HEADER + stored;
	}
	if (d != NULL)
		wimlib_free_decompressor(d);
	*ret = out;
	*ret_len = total;
	return XPRESS_OK;
fail:
	if (d != NULL)
		wimlib_free_decompressor(d);
	free(out);
	return e;
}

unsigned char *
xpress_frame(const unsigned char *data, size_t len, size_t *ret_len)
{
	size_t chunks = (len + XPRESS_CHUNK_MAX - 1) / XPRESS_CHUNK_MAX;
	size_t n = len + chunks * XPRESS_HEADER, off = 0;
	unsigned char *out = malloc(n ? n : 1), *w = out;

	if (out == NULL)
		return NULL;
	while (off < len) {
		size_t k = len - off < XPRESS_CHUNK_MAX ? len - off :
		    XPRESS_CHUNK_MAX;

		/* stored: both sizes are the original size, less one */
		w[0] = w[2] = (unsigned char)((k - 1) & 0xff);
		w[1] = w[3] = (unsigned char)((k - 1) >> 8);
		memcpy(w + XPRESS_HEADER, data + off, k);
		w += XPRESS_HEADER + k;
		off += k;
	}
	*ret_len = n;
	return out;
}

size_t
xpress_room(size_t room)
{
	size_t full = room / (XPRESS_CHUNK_MAX + XPRESS_HEADER);
	size_t rest = room % (XPRESS_CHUNK_MAX + XPRESS_HEADER);

	return full * XPRESS_CHUNK_MAX +
	    (rest > XPRESS_HEADER ? rest - XPRESS_HEADER : 0);
}
