/*
 * stream.c: the base64 of rsp:Stream elements, decoded with OpenSSL's
 * EVP decoder (it skips whitespace and checks padding).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "stream.h"

unsigned char *
stream_b64_decode(const char *text, size_t *ret_len)
{
	size_t len = strlen(text);
	unsigned char *out;
	EVP_ENCODE_CTX *ctx;
	int n1 = 0, n2 = 0;

	if (len > (size_t)INT32_MAX)
		return NULL;
	out = malloc(len / 4 * 3 + 4);
	ctx = EVP_ENCODE_CTX_new();
	if (out == NULL || ctx == NULL)
		goto fail;
	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(ctx, out, &n1, (const unsigned char *)text,
	    (int)len) < 0 || EVP_DecodeFinal(ctx, out + n1, &n2) < 0)
		goto fail;
	EVP_ENCODE_CTX_free(ctx);
	*ret_len = (size_t)(n1 + n2);
	return out;
fail:
	EVP_ENCODE_CTX_free(ctx);
	free(out);
	return NULL;
}
