/*
 * session_key.c: the session key exchange and SecureStrings (see
 * session_key.h).  Blob layouts are CryptoAPI's (MS-PSRP 2.2.2.3 and
 * 2.2.2.4 give the values): PUBLICKEYBLOB = BLOBHEADER {06 02 0000,
 * CALG_RSA_KEYX} + RSAPUBKEY {"RSA1", bitlen, pubexp} + modulus, all
 * little-endian; SIMPLEBLOB = BLOBHEADER {01 02 0000, CALG_AES_256} +
 * CALG_RSA_KEYX + the RSA ciphertext reversed (little-endian).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "b64.h"
#include "bytes.h"
#include "text.h"
#include "session_key.h"

#define CALG_RSA_KEYX	0x0000A400
#define CALG_AES_256	0x00006610
#define RSA1_MAGIC	0x31415352	/* "RSA1" */

static void
say(char *err, size_t errlen, const char *what)
{
	if (errlen > 0)
		snprintf(err, errlen, "%s", what);
}

int
psrp_session_key_generate(uint8_t key[PSRP_SESSION_KEY_LEN])
{
	return RAND_bytes(key, PSRP_SESSION_KEY_LEN) == 1 ? 0 : -1;
}

/* the RSA key of a PUBLICKEYBLOB, or NULL */
static EVP_PKEY *
public_key_from_blob(const uint8_t *b, size_t len, char *err, size_t errlen)
{
	uint32_t bits, exp;
	size_t mlen;
	uint8_t *be;
	BIGNUM *n = NULL, *e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;

	if (len < 20 || b[0] != 0x06 || b[1] != 0x02 ||
	    get_le32(b + 4) != CALG_RSA_KEYX || get_le32(b + 8) != RSA1_MAGIC) {
		say(err, errlen, "the public key is not a PUBLICKEYBLOB of an "
		    "RSA exchange key");
		return NULL;
	}
	bits = get_le32(b + 12);
	exp = get_le32(b + 16);
	mlen = bits / 8;
	if (bits % 8 != 0 || bits < 1024 || bits > 16384 ||
	    len != 20 + mlen || exp < 3 || exp % 2 == 0) {
		say(err, errlen, "the public key's size or exponent is not "
		    "acceptable");
		return NULL;
	}
	if ((be = malloc(mlen)) == NULL) {
		say(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < mlen; i++)
		be[i] = b[20 + mlen - 1 - i];
	n = BN_bin2bn(be, (int)mlen, NULL);
	free(be);
	e = BN_new();
	if (n == NULL || e == NULL || !BN_set_word(e, exp) ||
	    (size_t)BN_num_bits(n) != bits ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
		say(err, errlen, "the public key's modulus is not acceptable");
		pkey = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return pkey;
}

char *
psrp_session_key_wrap(const char *public_key_b64,
    const uint8_t key[PSRP_SESSION_KEY_LEN], char *err, size_t errlen)
{
	uint8_t *blob, *enc = NULL, *out = NULL;
	size_t blen, elen = 0;
	EVP_PKEY *pkey;
	EVP_PKEY_CTX *ctx = NULL;
	char *b64 = NULL;

	if ((blob = psrp_b64_decode(public_key_b64, strlen(public_key_b64),
	    &blen)) == NULL) {
		say(err, errlen, "the public key is not base64");
		return NULL;
	}
	pkey = public_key_from_blob(blob, blen, err, errlen);
	free(blob);
	if (pkey == NULL)
		return NULL;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL ||
	    EVP_PKEY_encrypt_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_encrypt(ctx, NULL, &elen, key, PSRP_SESSION_KEY_LEN) <= 0 ||
	    (enc = malloc(elen)) == NULL ||
	    EVP_PKEY_encrypt(ctx, enc, &elen, key, PSRP_SESSION_KEY_LEN) <= 0 ||
	    (out = malloc(12 + elen)) == NULL) {
		say(err, errlen, "RSA encryption of the session key failed");
		goto done;
	}
	out[0] = 0x01;		/* SIMPLEBLOB */
	out[1] = 0x02;		/* CUR_BLOB_VERSION */
	out[2] = out[3] = 0;
	put_le32(out + 4, CALG_AES_256);
	put_le32(out + 8, CALG_RSA_KEYX);
	for (size_t i = 0; i < elen; i++)
		out[12 + i] = enc[elen - 1 - i];
	if ((b64 = psrp_b64_encode(out, 12 + elen)) == NULL)
		say(err, errlen, "out of memory");
done:
	free(enc);
	free(out);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return b64;
}

static uint8_t *
aes_cbc(const uint8_t key[PSRP_SESSION_KEY_LEN], bool encrypt,
    const uint8_t *in, size_t len, size_t *ret_len)
{
	static const uint8_t iv[16];
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t *out = NULL;
	int n1 = 0, n2 = 0;

	if (ctx == NULL || len > INT32_MAX - 32 ||
	    (out = malloc(len + 32)) == NULL ||
	    EVP_CipherInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, iv,
	    encrypt ? 1 : 0) != 1 ||
	    EVP_CipherUpdate(ctx, out, &n1, in, (int)len) != 1 ||
	    EVP_CipherFinal_ex(ctx, out + n1, &n2) != 1) {
		if (out != NULL)
			OPENSSL_cleanse(out, len + 32);
		free(out);
		out = NULL;
	} else
		*ret_len = (size_t)(n1 + n2);
	EVP_CIPHER_CTX_free(ctx);
	return out;
}

/*
 * UTF-16LE to UTF-8 by hand rather than with iconv, which refuses lone
 * surrogates; they are kept as clixml.h keeps them.
 */
static char *
utf16le_to_utf8(const uint8_t *p, size_t len, size_t *ret_len)
{
	char *out, *o;
	size_t i;

	if (len % 2 != 0 || (out = malloc(len / 2 * 3 + 1)) == NULL)
		return NULL;
	o = out;
	for (i = 0; i < len; i += 2) {
		unsigned long cp = p[i] | (unsigned long)p[i + 1] << 8;

		if (cp >= 0xD800 && cp <= 0xDBFF && i + 3 < len) {
			unsigned long lo = p[i + 2] | (unsigned long)p[i + 3] << 8;

			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) +
				    (lo - 0xDC00);
				i += 2;
			}
		}
		o += utf8_encode((uint32_t)cp, o);
	}
	*o = '\0';
	*ret_len = (size_t)(o - out);
	return out;
}

static uint8_t *
utf8_to_utf16le(const char *s, size_t len, size_t *ret_len)
{
	const unsigned char *u = (const unsigned char *)s;
	uint8_t *out = malloc(len * 2 + 2), *o = out;
	size_t i = 0;

	if (out == NULL)
		return NULL;
	while (i < len) {
		unsigned long cp;
		size_t n;

		if (u[i] < 0x80) {
			cp = u[i];
			n = 1;
		} else if ((u[i] & 0xE0) == 0xC0 && i + 1 < len) {
			cp = (u[i] & 0x1Ful) << 6 | (u[i + 1] & 0x3F);
			n = 2;
		} else if ((u[i] & 0xF0) == 0xE0 && i + 2 < len) {
			cp = (u[i] & 0x0Ful) << 12 | (u[i + 1] & 0x3Ful) << 6 |
			    (u[i + 2] & 0x3F);
			n = 3;
		} else if ((u[i] & 0xF8) == 0xF0 && i + 3 < len) {
			cp = (u[i] & 0x07ul) << 18 | (u[i + 1] & 0x3Ful) << 12 |
			    (u[i + 2] & 0x3Ful) << 6 | (u[i + 3] & 0x3F);
			n = 4;
		} else {
			cp = 0xFFFD;
			n = 1;
		}
		if (cp >= 0x10000 && cp <= 0x10FFFF) {
			unsigned long hi = 0xD800 + ((cp - 0x10000) >> 10);
			unsigned long lo = 0xDC00 + ((cp - 0x10000) & 0x3FF);

			*o++ = (uint8_t)hi;
			*o++ = (uint8_t)(hi >> 8);
			cp = lo;
		} else if (cp > 0x10FFFF)
			cp = 0xFFFD;
		*o++ = (uint8_t)cp;
		*o++ = (uint8_t)(cp >> 8);
		i += n;
	}
	*ret_len = (size_t)(o - out);
	return out;
}

char *
psrp_securestring_decrypt(const uint8_t key[PSRP_SESSION_KEY_LEN],
    const char *b64, size_t *ret_len, char *err, size_t errlen)
{
	uint8_t *enc, *dec;
	size_t elen, dlen;
	char *text;

	if ((enc = psrp_b64_decode(b64, strlen(b64), &elen)) == NULL) {
		say(err, errlen, "the SecureString is not base64");
		return NULL;
	}
	dec = elen % 16 == 0 && elen > 0 ? aes_cbc(key, false, enc, elen,
	    &dlen) : NULL;
	free(enc);
	if (dec == NULL) {
		say(err, errlen, "the SecureString does not decrypt with the "
		    "session key");
		return NULL;
	}
	text = utf16le_to_utf8(dec, dlen, ret_len);
	OPENSSL_cleanse(dec, dlen);
	free(dec);
	if (text == NULL)
		say(err, errlen, "the SecureString is not UTF-16 text");
	return text;
}

char *
psrp_securestring_encrypt(const uint8_t key[PSRP_SESSION_KEY_LEN],
    const char *utf8, size_t len)
{
	uint8_t *plain, *enc;
	size_t plen, elen;
	char *b64 = NULL;

	if ((plain = utf8_to_utf16le(utf8, len, &plen)) == NULL)
		return NULL;
	enc = aes_cbc(key, true, plain, plen, &elen);
	OPENSSL_cleanse(plain, plen);
	free(plain);
	if (enc != NULL)
		b64 = psrp_b64_encode(enc, elen);
	free(enc);
	return b64;
}
