/*
 * base64.h: base64 (RFC 4648 with its padding) through OpenSSL's EVP block
 * coder, written once for whatever carries bytes as text: rsp:Stream in a
 * Send (plugins/shell/stream.h), PSRP's fragments, BA values, key blobs
 * and SecureStrings (plugins/psrp/b64.h).
 */
#ifndef WINRMD_BASE64_H
#define WINRMD_BASE64_H

#include <stddef.h>

/*
 * Decodes len characters of base64: white space anywhere is skipped (as
 * clients wrap it), the rest must be whole groups of four with '=' only
 * as the padding at the end.  Returns the bytes, malloc'd, and their count
 * in *ret_len; NULL if the text is not base64 (or out of memory).
 */
unsigned char	*base64_decode(const char *s, size_t len, size_t *ret_len);
/*
 * The same for text without white space (a line of a file as Ansible's and
 * winrmcp's uploads send it) into out, which has room for len / 4 * 3
 * bytes: the count, or -1 if the text is not base64.
 */
long		 base64_decode_into(const char *s, size_t len,
		    unsigned char *out);
/* Encodes len bytes: a malloc'd NUL-terminated text, or NULL. */
char		*base64_encode(const void *p, size_t len);

#endif
