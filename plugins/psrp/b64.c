/*
 * b64.c: base64 for the PSRP codec (b64.h) with OpenSSL's
 * EVP_EncodeBlock and EVP_DecodeBlock; the latter counts padding as
 * zero bytes, which are taken off here.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "b64.h"

uint8_t *
psrp_b64_decode(const char *s, size_t len, size_t *ret_len)
{
	char *clean;
	uint8_t *out;
	size_t n = 0, pad = 0;
	int dl;

	if (len > INT_MAX || (clean = malloc(len + 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			clean[n++] = s[i];
	if (n % 4 != 0 || (out = malloc(n / 4 * 3 + 1)) == NULL) {
		free(clean);
		return NULL;
	}
	if (n > 0 && clean[n - 1] == '=')
		pad++;
	if (n > 1 && clean[n - 2] == '=')
		pad++;
	/* '=' only at the end */
	if (memchr(clean, '=', n - pad) != NULL) {
		free(clean);
		free(out);
		return NULL;
	}
	dl = n > 0 ? EVP_DecodeBlock(out, (unsigned char *)clean, (int)n) : 0;
	free(clean);
	if (dl < 0 || (size_t)dl < pad) {
		free(out);
		return NULL;
	}
	*ret_len = (size_t)dl - pad;
	return out;
}

char *
psrp_b64_encode(const uint8_t *p, size_t len)
{
	char *out;

	if (len > (size_t)INT_MAX / 4 * 3 - 3 ||
	    (out = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, p, (int)len);
	return out;
}
