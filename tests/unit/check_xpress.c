/*
 * check_xpress.c: CompressionType xpress (plugins/shell/xpress.c).  The
 * LZ77+Huffman decoder (wimlib's XPRESS) turns MS-XCA section 3.2's two
 * examples into their text; MS-WSMV's chunk framing round-trips stored
 * chunks and chunks wimlib's own compressor made, and every malformed
 * framing (cut short, sizes that do not add up, more than the bound,
 * bad data) is an error at the offending chunk, never a crash.
 */
#include "build.h"

#include <stdint.h>

#include <wimlib.h>

#include "unit.h"
#include "xpress.h"

/*
 * MS-XCA 3.2, first example: "abcdefghijklmnopqrstuvwxyz" as literals.
 * The 256 bytes of code lengths are zero but for bytes 0x30..0x3d
 * (50 55 55 55 55 55 55 55 55 55 55 45 44 04: 'a'..'z', 4 or 5 bits) and
 * byte 0x80 (04: the EOF symbol 256), then the bit stream.
 */
static const unsigned char ex1_lengths[] = { 0x50, 0x55, 0x55, 0x55, 0x55,
    0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x45, 0x44, 0x04 };
static const unsigned char ex1_bits[] = { 0xd8, 0x52, 0x3e, 0xd7, 0x94, 0x11,
    0x5b, 0xe9, 0x19, 0x5f, 0xf9, 0xd6, 0x7c, 0xdf, 0x8d, 0x04, 0x00, 0x00,
    0x00, 0x00 };
/*
 * The second: "abc" 100 times (300 bytes) as abc[match: distance 3,
 * length 297][EOF]: bytes 0x30 = 30, 0x31 = 23, 0x80 = 02, 0x8f = 20 of
 * the table, then a8 dc 00 00 ff 26 01.
 */
static const unsigned char ex2_bits[] = { 0xa8, 0xdc, 0x00, 0x00, 0xff, 0x26,
    0x01 };

static size_t
example1(unsigned char *buf)
{
	memset(buf, 0, 256);
	memcpy(buf + 0x30, ex1_lengths, sizeof(ex1_lengths));
	buf[0x80] = 0x04;
	memcpy(buf + 256, ex1_bits, sizeof(ex1_bits));
	return 256 + sizeof(ex1_bits);
}

static size_t
example2(unsigned char *buf)
{
	memset(buf, 0, 256);
	buf[0x30] = 0x30;
	buf[0x31] = 0x23;
	buf[0x80] = 0x02;
	buf[0x8f] = 0x20;
	memcpy(buf + 256, ex2_bits, sizeof(ex2_bits));
	return 256 + sizeof(ex2_bits);
}

static void
abc300(char *out)
{
	for (int i = 0; i < 300; i++)
		out[i] = "abc"[i % 3];
}

/* a chunk header: original size and stored size */
static size_t
header(unsigned char *p, size_t orig, size_t stored)
{
	p[0] = (unsigned char)((orig - 1) & 0xff);
	p[1] = (unsigned char)((orig - 1) >> 8);
	p[2] = (unsigned char)((stored - 1) & 0xff);
	p[3] = (unsigned char)((stored - 1) >> 8);
	return XPRESS_HEADER;
}

static enum xpress_error
decode(const unsigned char *in, size_t len, size_t max, unsigned char **out,
    size_t *out_len, size_t *at)
{
	*out = NULL;
	*out_len = 0;
	return xpress_decode(in, len, max, out, out_len, at);
}

START_TEST(test_mxca_examples_wimlib)
{
	struct wimlib_decompressor *d;
	unsigned char in[300];
	char out[300], want[300];
	size_t n;

	ck_assert_int_eq(wimlib_create_decompressor(
	    WIMLIB_COMPRESSION_TYPE_XPRESS, XPRESS_CHUNK_MAX, &d), 0);
	n = example1(in);
	ck_assert_int_eq(wimlib_decompress(in, n, out, 26, d), 0);
	ck_assert_mem_eq(out, "abcdefghijklmnopqrstuvwxyz", 26);
	n = example2(in);
	memset(out, 0, sizeof(out));
	ck_assert_int_eq(wimlib_decompress(in, n, out, 300, d), 0);
	abc300(want);
	ck_assert_mem_eq(out, want, 300);
	wimlib_free_decompressor(d);
}
END_TEST

/*
 * The second example as a chunk of the framing (263 stored bytes for 300),
 * after a stored chunk; the first (276 bytes for 26) could only be sent
 * stored, and a compressed chunk no smaller than its original is refused.
 */
START_TEST(test_mxca_example_framed)
{
	unsigned char in[2 * XPRESS_HEADER + 5 + 300], *out;
	char want[5 + 300];
	size_t n = 0, len, at, m;

	n += header(in, 5, 5);
	memcpy(in + n, "head:", 5);
	n += 5;
	m = example2(in + n + XPRESS_HEADER);
	n += header(in + n, 300, m) + m;
	ck_assert_int_eq(decode(in, n, 65536, &out, &len, &at), XPRESS_OK);
	memcpy(want, "head:", 5);
	abc300(want + 5);
	ck_assert_uint_eq(len, sizeof(want));
	ck_assert_mem_eq(out, want, sizeof(want));
	free(out);
	m = example1(in + XPRESS_HEADER);
	header(in, 26, m);
	ck_assert_int_eq(decode(in, XPRESS_HEADER + m, 65536, &out, &len,
	    &at), XPRESS_BAD_SIZES);
}
END_TEST

/* stored chunks: the framing Receive sends */
START_TEST(test_frame_stored)
{
	size_t len = 3 * XPRESS_CHUNK_MAX + 1000, n, back_len, at;
	unsigned char *data = malloc(len), *framed, *back;

	ck_assert_ptr_nonnull(data);
	for (size_t i = 0; i < len; i++)
		data[i] = (unsigned char)(i * 7 + (i >> 9));
	framed = xpress_frame(data, len, &n);
	ck_assert_ptr_nonnull(framed);
	ck_assert_uint_eq(n, len + 4 * XPRESS_HEADER);
	/* a full chunk: both sizes 65536 - 1 */
	ck_assert_mem_eq(framed, "\xff\xff\xff\xff", 4);
	/* the last: 1000 - 1 = 0x3e7, twice, little-endian */
	ck_assert_mem_eq(framed + 3 * (XPRESS_HEADER + XPRESS_CHUNK_MAX),
	    "\xe7\x03\xe7\x03", 4);
	ck_assert_int_eq(decode(framed, n, len, &back, &back_len, &at),
	    XPRESS_OK);
	ck_assert_uint_eq(back_len, len);
	ck_assert_mem_eq(back, data, len);
	free(back);
	/* one byte short of the bound: refused before decoding */
	ck_assert_int_eq(decode(framed, n, len - 1, &back, &back_len, &at),
	    XPRESS_TOO_LARGE);
	ck_assert_ptr_null(back);
	ck_assert_uint_eq(at, 3 * (XPRESS_HEADER + XPRESS_CHUNK_MAX));
	free(framed);
	free(data);
	/* nothing frames to nothing, and decodes to nothing */
	framed = xpress_frame((const unsigned char *)"", 0, &n);
	ck_assert_ptr_nonnull(framed);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(decode(framed, 0, 10, &back, &back_len, &at),
	    XPRESS_OK);
	ck_assert_ptr_nonnull(back);
	ck_assert_uint_eq(back_len, 0);
	free(back);
	free(framed);
}
END_TEST

/* what a Windows client sends: 64 KiB chunks wimlib compressed */
START_TEST(test_wimlib_compressor_roundtrip)
{
	struct wimlib_compressor *cz;
	size_t len = 200000, n = 0, out_len, at, compressed = 0;
	unsigned char *data = malloc(len), *in = malloc(len + 64), *out;

	ck_assert_ptr_nonnull(data);
	ck_assert_ptr_nonnull(in);
	for (size_t i = 0; i < len; i++)	/* text-like: compresses */
		data[i] = "the quick brown fox jumps over the lazy dog\n"
		    [(i * 3 + i / 4096) % 44];
	ck_assert_int_eq(wimlib_create_compressor(WIMLIB_COMPRESSION_TYPE_XPRESS,
	    XPRESS_CHUNK_MAX, 0, &cz), 0);
	for (size_t off = 0; off < len; ) {
		size_t k = len - off < XPRESS_CHUNK_MAX ? len - off :
		    XPRESS_CHUNK_MAX;
		size_t c = wimlib_compress(data + off, k, in + n + XPRESS_HEADER,
		    k - 1, cz);

		if (c == 0) {	/* did not shrink: stored */
			memcpy(in + n + XPRESS_HEADER, data + off, k);
			c = k;
		} else
			compressed++;
		n += header(in + n, k, c) + c;
		off += k;
	}
	wimlib_free_compressor(cz);
	ck_assert_uint_eq(compressed, 4);
	ck_assert_uint_lt(n, len / 4);
	ck_assert_int_eq(decode(in, n, len, &out, &out_len, &at), XPRESS_OK);
	ck_assert_uint_eq(out_len, len);
	ck_assert_mem_eq(out, data, len);
	free(out);
	free(in);
	free(data);
}
END_TEST

START_TEST(test_malformed)
{
	unsigned char in[XPRESS_HEADER * 3 + 600], *out;
	size_t n, len, at, m;

	/* a header cut short */
	ck_assert_int_eq(decode((const unsigned char *)"\x01\x00\x01",
	    3, 100, &out, &len, &at), XPRESS_TRUNCATED);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(at, 0);
	/* a stored chunk that claims more bytes than follow */
	n = header(in, 100, 100);
	memset(in + n, 'x', 50);
	ck_assert_int_eq(decode(in, n + 50, 1000, &out, &len, &at),
	    XPRESS_TRUNCATED);
	/* a good chunk, then a header cut short: the offset of the second */
	n = header(in, 5, 5);
	memcpy(in + n, "hello", 5);
	n += 5;
	in[n++] = 0;
	ck_assert_int_eq(decode(in, n, 1000, &out, &len, &at),
	    XPRESS_TRUNCATED);
	ck_assert_uint_eq(at, 9);
	/* stored larger than the original */
	n = header(in, 10, 11);
	memset(in + n, 'x', 11);
	ck_assert_int_eq(decode(in, n + 11, 1000, &out, &len, &at),
	    XPRESS_BAD_SIZES);
	/* compressed data shorter than the code-length table */
	n = header(in, 100, 50);
	memset(in + n, 0x55, 50);
	ck_assert_int_eq(decode(in, n + 50, 1000, &out, &len, &at),
	    XPRESS_BAD_DATA);
	/* an over-subscribed Huffman code (MS-XCA's second example, with
	 * symbol 96 given 1 bit) */
	m = example2(in + XPRESS_HEADER);
	in[XPRESS_HEADER + 0x30] = 0x31;
	header(in, 300, m);
	ck_assert_int_eq(decode(in, XPRESS_HEADER + m, 1000, &out, &len, &at),
	    XPRESS_BAD_DATA);
	ck_assert_ptr_null(out);
	/* the largest chunk the header can say, 64 KiB, is bounded too */
	header(in, 65536, 300);
	ck_assert_int_eq(decode(in, XPRESS_HEADER + 300, 65535, &out, &len,
	    &at), XPRESS_TOO_LARGE);
	ck_assert_str_eq(xpress_strerror(XPRESS_TRUNCATED),
	    "a compressed chunk is cut short");
}
END_TEST

/* Receive's budget: the framing of xpress_room(r) bytes fits in r */
START_TEST(test_room)
{
	static const size_t rooms[] = { 0, 1, 4, 5, 100, 65539, 65540, 65541,
	    65544, 131080, 131081, 393216, 524288 - 2048 };

	for (size_t i = 0; i < sizeof(rooms) / sizeof(rooms[0]); i++) {
		size_t r = rooms[i], p = xpress_room(r);
		size_t framed = p + (p + XPRESS_CHUNK_MAX - 1) / XPRESS_CHUNK_MAX *
		    XPRESS_HEADER;
		size_t more = p + 1 + (p + XPRESS_CHUNK_MAX) / XPRESS_CHUNK_MAX *
		    XPRESS_HEADER;

		ck_assert_msg(framed <= r, "room %zu: %zu framed is %zu", r, p,
		    framed);
		ck_assert_msg(more > r, "room %zu: %zu is not the most", r, p);
	}
}
END_TEST

static Suite *
xpress_suite(void)
{
	Suite *s = suite_create("xpress");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_mxca_examples_wimlib);
	tcase_add_test(tc, test_mxca_example_framed);
	tcase_add_test(tc, test_frame_stored);
	tcase_add_test(tc, test_wimlib_compressor_roundtrip);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_room);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(xpress_suite)
