/*
 * auth_basic.c: the Basic scheme's Authorization header.  Length-checked,
 * strict base64 (OpenSSL), no NUL bytes, user and password split at the
 * first colon (RFC 7617).  Verification is PAM's job (auth_pam.c).
 */
#include "build.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth.h"

#define BASIC_MAX_TOKEN	4096

int
auth_basic_decode(const char *header, char **ret_user, char **ret_password)
{
	const char *tok;
	size_t len, pad = 0, outlen;
	unsigned char *out;
	char *colon;
	int n;

	if (header == NULL || strncasecmp(header, "Basic", 5) != 0 ||
	    (header[5] != ' ' && header[5] != '\t'))
		return -EINVAL;
	tok = header + 6;
	while (*tok == ' ' || *tok == '\t')
		tok++;
	len = strlen(tok);
	while (len > 0 && (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
		len--;
	if (len == 0 || len % 4 != 0 || len > BASIC_MAX_TOKEN)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		char c = tok[i];

		if (c == '=') {
			if (i < len - 2)
				return -EINVAL;
			pad++;
		} else if (pad != 0 || !((c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '+' || c == '/'))
			return -EINVAL;
	}
	if ((out = malloc(len / 4 * 3 + 1)) == NULL)
		return -ENOMEM;
	n = EVP_DecodeBlock(out, (const unsigned char *)tok, (int)len);
	if (n < 0 || (size_t)n < pad) {
		free(out);
		return -EINVAL;
	}
	outlen = (size_t)n - pad;
	out[outlen] = '\0';
	if (memchr(out, '\0', outlen) != NULL ||
	    (colon = memchr(out, ':', outlen)) == NULL || colon == (char *)out) {
		OPENSSL_cleanse(out, outlen);
		free(out);
		return -EINVAL;
	}
	*colon = '\0';
	*ret_user = (char *)out;
	*ret_password = colon + 1;
	return 0;
}

void
auth_basic_wipe(char *user, char *password)
{
	if (user == NULL)
		return;
	if (password != NULL)
		OPENSSL_cleanse(password, strlen(password));
	OPENSSL_cleanse(user, strlen(user));
	free(user);
}
