/*
 * base64.c: base64 (base64.h) with OpenSSL's EVP_DecodeBlock and
 * EVP_EncodeBlock.  The block decoder takes no white space and counts
 * padding as zero bytes: white space is dropped first, and the padding is
 * checked here and taken off the count.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base64.h"

unsigned char *
base64_decode(const char *s, size_t len, size_t *ret_len)
{
	unsigned char *clean, *out = NULL;
	size_t n = 0, pad = 0;
	int dl;

	if (len > INT_MAX || (clean = malloc(len + 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			clean[n++] = (unsigned char)s[i];
	if (n % 4 != 0)
		goto out;
	if (n > 0 && clean[n - 1] == '=')
		pad++;
	if (n > 1 && clean[n - 2] == '=')
		pad++;
	/* '=' only as the padding; EVP_DecodeBlock refuses other strangers */
	if (memchr(clean, '=', n - pad) != NULL ||
	    (out = malloc(n / 4 * 3 + 1)) == NULL)
		goto out;
	dl = n > 0 ? EVP_DecodeBlock(out, clean, (int)n) : 0;
	if (dl < 0 || (size_t)dl < pad) {
		free(out);
		out = NULL;
		goto out;
	}
	*ret_len = (size_t)dl - pad;
out:
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
