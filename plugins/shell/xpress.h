/*
 * xpress.h: MS-WSMV's compressed stream data (a shell created with
 * CompressionType xpress).  The bytes of an rsp:Stream are a run of
 * chunks, each a 4-byte header (the original size - 1 and the stored
 * size - 1, 16-bit little-endian) and the stored bytes: MS-XCA
 * LZ77+Huffman when smaller than the original, the original bytes as they
 * are when the two sizes are equal (MS-WSMV 3.2.4.1.19 and its note 134).
 * The LZ77+Huffman decoder is wimlib's XPRESS.  Pure: no host, no shell.
 */
#ifndef WINRMD_SHELL_XPRESS_H
#define WINRMD_SHELL_XPRESS_H

#include <stddef.h>

#define XPRESS_CHUNK_MAX	65536	/* original bytes a chunk holds at most */
#define XPRESS_HEADER		4

enum xpress_error {
	XPRESS_OK = 0,
	XPRESS_TRUNCATED,	/* a header or its stored bytes cut short */
	XPRESS_BAD_SIZES,	/* stored size larger than the original */
	XPRESS_BAD_DATA,	/* the LZ77+Huffman decoder refused a chunk */
	XPRESS_TOO_LARGE,	/* the original sizes add up to more than max */
	XPRESS_NOMEM,
};

/*
 * Decodes the chunks of in[0..len) into a malloc'd buffer (*ret, *ret_len;
 * len 0 gives an empty, non-NULL buffer).  max bounds the decoded total:
 * the header sizes are checked against it before anything is decoded.
 * On an error nothing is returned and *ret_at is the offset of the chunk
 * at fault.
 */
enum xpress_error xpress_decode(const unsigned char *in, size_t len,
		    size_t max, unsigned char **ret, size_t *ret_len,
		    size_t *ret_at);

/* a sentence for an error ("the chunk is cut short") */
const char	*xpress_strerror(enum xpress_error e);

/*
 * Frames data as stored (uncompressed) chunks of at most 64 KiB each, as
 * the framing allows for any chunk: malloc'd, *ret_len bytes; NULL when
 * out of memory.  len 0 frames to nothing (an empty, non-NULL buffer).
 */
unsigned char	*xpress_frame(const unsigned char *data, size_t len,
		    size_t *ret_len);

/* bytes of data whose framing fits in room bytes */
size_t		 xpress_room(size_t room);

#endif
