/*
 * encryption.h: the framing of WinRM message encryption (MS-WSMV 2.2.9.1,
 * multipart/encrypted with protocol application/HTTP-SPNEGO-session-
 * encrypted).  Only the framing: the sealing itself is GSSAPI's
 * (auth_negotiate.c).  Pure functions, any thread.
 */
#ifndef WINRMD_ENCRYPTION_H
#define WINRMD_ENCRYPTION_H

#include <stddef.h>

#define ENC_PROTOCOL	"application/HTTP-SPNEGO-session-encrypted"
#define ENC_BOUNDARY	"Encrypted Boundary"
#define ENC_CONTENT_TYPE "multipart/encrypted;protocol=\"" ENC_PROTOCOL \
	"\";boundary=\"" ENC_BOUNDARY "\""
/*
 * What the framing may add to a plaintext of MaxEnvelopeSizekb: the part
 * headers (< 300 bytes), the signature length and signature (16 bytes for
 * NTLM, 60 for Kerberos AES) and block padding (ENC_MAX_PADDING).
 */
#define ENC_OVERHEAD	2048
#define ENC_MAX_SIGNATURE	1024
#define ENC_MAX_PADDING		64
#define ENC_MAX_BOUNDARY	70	/* RFC 2046 */

/*
 * Is a request's Content-Type the encrypted one?  Returns 1 and the
 * boundary (NUL-terminated, at most ENC_MAX_BOUNDARY characters) for
 * multipart/encrypted with our protocol; 0 for any other type; -EINVAL for
 * multipart/encrypted that is malformed or of another protocol.
 */
int	enc_content_type(const char *ct, char boundary[ENC_MAX_BOUNDARY + 1]);

struct enc_parts {
	unsigned char	*sig;		/* inside the body */
	size_t		 siglen;
	unsigned char	*data;		/* the ciphertext, inside the body */
	size_t		 datalen;	/* Length, plus any padding */
	size_t		 length;	/* the declared plaintext length */
};

/*
 * Splits an encrypted request body.  The ciphertext is delimited by the
 * declared Length (plus at most ENC_MAX_PADDING bytes of block padding),
 * never by searching for the boundary, and the body must end with the
 * closing boundary exactly.  Returns 0, or -EBADMSG with a reason for the
 * log in *ret_why (static text).
 */
int	enc_parse(const char *boundary, unsigned char *body, size_t len,
	    struct enc_parts *ret, const char **ret_why);

/*
 * Frames sig and data (ciphertext) as a reply whose plaintext was
 * plainlen bytes of SOAP.  Returns malloc'd bytes and their length in
 * *ret_len, or NULL (out of memory).
 */
char	*enc_build(const unsigned char *sig, size_t siglen,
	    const unsigned char *data, size_t datalen, size_t plainlen,
	    size_t *ret_len);

#endif
