/*
 * base64.c: base64 (base64.h) with OpenSSL's EVP_DecodeBlock and
 * EVP_EncodeBlock.  The block decoder counts padding as zero bytes and
 * takes '=' anywhere: the padding is checked here and taken off the
 * count; white space is dropped first (base64_decode) or refused.
 */
#include <ctype.h>
#include <limits.h>
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

char *
base64_encode(const void *p, size_t len)
{
	char *out;

	if (len > (size_t)INT_MAX / 4 * 3 - 3 ||
	    (out = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, p, (int)len);
	return out;
}
