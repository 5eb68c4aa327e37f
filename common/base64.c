/*
 * base64.c: base64 (base64.h).  Decoding with OpenSSL's EVP_DecodeBlock,
 * which counts padding as zero bytes and takes '=' anywhere: the padding
 * is checked here and taken off the count; white space is dropped first
 * (base64_decode) or refused.  Encoding with a table of the 4096 pairs of
 * characters twelve bits make, six bytes at a time: two to three times
 * EVP_EncodeBlock's speed, which was a third of the daemon's time while
 * it streamed a command's output (bench/run, stream).
 */
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base64.h"

long
base64_decode_into(const char *s, size_t len, unsigned char *out)
{
	size_t pad = 0;
	int dl;

	if (len > INT_MAX || len % 4 != 0)
		return -1;
	if (len > 0 && s[len - 1] == '=')
		pad++;
	if (len > 1 && s[len - 2] == '=')
		pad++;
	/* '=' only as the padding; EVP_DecodeBlock refuses other strangers,
	 * and white space, which it would skip at either end */
	if (memchr(s, '=', len - pad) != NULL || (len > 0 &&
	    (isspace((unsigned char)s[0]) || isspace((unsigned char)s[len - 1]))))
		return -1;
	dl = len > 0 ? EVP_DecodeBlock(out, (const unsigned char *)s,
	    (int)len) : 0;
	if (dl < 0 || (size_t)dl < pad)
		return -1;
	return (long)((size_t)dl - pad);
}

unsigned char *
base64_decode(const char *s, size_t len, size_t *ret_len)
{
	char *clean;
	unsigned char *out = NULL;
	size_t n = 0;
	long dl;

	if (len > INT_MAX || (clean = malloc(len + 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			clean[n++] = s[i];
	if ((out = malloc(n / 4 * 3 + 1)) != NULL &&
	    (dl = base64_decode_into(clean, n, out)) >= 0)
		*ret_len = (size_t)dl;
	else {
		free(out);
		out = NULL;
	}
	free(clean);
	return out;
}

/* the character of six bits, and the pairs of twelve bits' characters */
#define B64C(v)	((v) < 26 ? 'A' + (v) : (v) < 52 ? 'a' + (v) - 26 :	\
		 (v) < 62 ? '0' + (v) - 52 : (v) == 62 ? '+' : '/')
#define B64P(i)		B64C((i) >> 6), B64C((i) & 63)
#define B64P4(i)	B64P(i), B64P((i) + 1), B64P((i) + 2), B64P((i) + 3)
#define B64P16(i)	B64P4(i), B64P4((i) + 4), B64P4((i) + 8), B64P4((i) + 12)
#define B64P64(i)	B64P16(i), B64P16((i) + 16), B64P16((i) + 32),	\
			B64P16((i) + 48)
#define B64P256(i)	B64P64(i), B64P64((i) + 64), B64P64((i) + 128),	\
			B64P64((i) + 192)
#define B64P1024(i)	B64P256(i), B64P256((i) + 256), B64P256((i) + 512), \
			B64P256((i) + 768)
static const char pairs[8192] = {
	B64P1024(0), B64P1024(1024), B64P1024(2048), B64P1024(3072)
};

/* whole groups of three bytes of p (len a multiple of 3) */
static size_t
encode_groups(const unsigned char *p, size_t len, char *out)
{
	char *o = out;
	size_t i = 0;

	/* six bytes of an eight-byte load: four pairs */
	for (; i + 8 <= len; i += 6, o += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		w = __builtin_bswap64(w);
		memcpy(o, pairs + ((w >> 52) & 0xfff) * 2, 2);
		memcpy(o + 2, pairs + ((w >> 40) & 0xfff) * 2, 2);
		memcpy(o + 4, pairs + ((w >> 28) & 0xfff) * 2, 2);
		memcpy(o + 6, pairs + ((w >> 16) & 0xfff) * 2, 2);
	}
	for (; i + 3 <= len; i += 3, o += 4) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 |
		    p[i + 2];

		memcpy(o, pairs + (v >> 12) * 2, 2);
		memcpy(o + 2, pairs + (v & 0xfff) * 2, 2);
	}
	return (size_t)(o - out);
}

/* one or two bytes, padded to four characters */
static size_t
encode_last(const unsigned char *p, size_t n, char *out)
{
	uint32_t v = (uint32_t)p[0] << 16 | (n > 1 ? (uint32_t)p[1] << 8 : 0);

	memcpy(out, pairs + (v >> 12) * 2, 2);
	out[2] = n > 1 ? pairs[(v & 0xfff) * 2] : '=';
	out[3] = '=';
	return 4;
}

size_t
base64_encode_into(const void *p, size_t len, char *out)
{
	size_t whole = len - len % 3;
	size_t n = encode_groups(p, whole, out);

	if (len > whole)
		n += encode_last((const unsigned char *)p + whole, len - whole,
		    out + n);
	out[n] = '\0';
	return n;
}

char *
base64_encode(const void *p, size_t len)
{
	char *out;

	if (len > SIZE_MAX / 4 * 3 - 3 ||
	    (out = malloc(BASE64_LEN(len) + 1)) == NULL)
		return NULL;
	base64_encode_into(p, len, out);
	return out;
}

size_t
base64_enc_add(struct base64_enc *e, const void *p, size_t len, char *out)
{
	const unsigned char *b = p;
	size_t n = 0, whole;

	if (e->ncarry > 0) {	/* the group the last piece began */
		while (e->ncarry < 3 && len > 0) {
			e->carry[e->ncarry++] = *b++;
			len--;
		}
		if (e->ncarry < 3)
			return 0;
		n = encode_groups(e->carry, 3, out);
		e->ncarry = 0;
	}
	whole = len - len % 3;
	n += encode_groups(b, whole, out + n);
	memcpy(e->carry, b + whole, len - whole);
	e->ncarry = len - whole;
	return n;
}

size_t
base64_enc_end(struct base64_enc *e, char *out)
{
	size_t n = e->ncarry > 0 ? encode_last(e->carry, e->ncarry, out) : 0;

	e->ncarry = 0;
	return n;
}
