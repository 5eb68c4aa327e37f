/*
 * base64.h: base64 (RFC 4648 with its padding), written once for whatever
 * carries bytes as text: rsp:Stream in a Send and a Receive
 * (plugins/shell/stream.h, command.c), PSRP's fragments, BA values, key
 * blobs and SecureStrings (plugins/psrp/b64.h).  Decoding is OpenSSL's
 * EVP block decoder; encoding is a table of character pairs (base64.c).
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
/* the characters len bytes encode to, padding included */
#define BASE64_LEN(len)	(((len) + 2) / 3 * 4)
/*
 * Encodes len bytes into out, which has room for BASE64_LEN(len) + 1:
 * the characters written (NUL-terminated, not counted).
 */
size_t		 base64_encode_into(const void *p, size_t len, char *out);

/*
 * Encoding bytes that come in pieces (a command's output chunks) as one
 * text: whole groups of three are encoded as they come, one or two bytes
 * left over wait for the next piece.  Start from struct base64_enc e =
 * { 0 }; the pieces of n bytes in all take BASE64_LEN(n) characters.
 */
struct base64_enc {
	unsigned char	 carry[3];
	size_t		 ncarry;
};
/* encodes what of p completes groups into out: the characters written */
size_t		 base64_enc_add(struct base64_enc *e, const void *p,
		    size_t len, char *out);
/* the last group, padded (0 or 4 characters, not NUL-terminated) */
size_t		 base64_enc_end(struct base64_enc *e, char *out);

#endif
