/*
 * session_key.h: PSRP's session key exchange (MS-PSRP 3.2.5.4.7, 2.2.2.3,
 * 2.2.2.4) and SecureString values (2.2.5.1.24).  The client sends an RSA
 * public key as a CryptoAPI PUBLICKEYBLOB; the server answers with a
 * random AES-256 key encrypted to it (RSA PKCS#1 v1.5) in a SIMPLEBLOB;
 * SecureStrings are then AES-256-CBC with a zero IV and PKCS#7 padding
 * over UTF-16LE text, as PowerShell does.  OpenSSL 3 EVP only.
 */
#ifndef WINRMD_PSRP_SESSION_KEY_H
#define WINRMD_PSRP_SESSION_KEY_H

#include <stddef.h>
#include <stdint.h>

#define PSRP_SESSION_KEY_LEN	32

/* A new random session key; 0, or -1 if the RNG failed. */
int	psrp_session_key_generate(uint8_t key[PSRP_SESSION_KEY_LEN]);

/*
 * The ENCRYPTED_SESSION_KEY text for key: the client's PUBLIC_KEY (the
 * base64 of a PUBLICKEYBLOB of an RSA exchange key of 1024 to 16384 bits)
 * in, the base64 of the SIMPLEBLOB out (malloc'd, the caller frees), or
 * NULL with the reason in err.
 */
char	*psrp_session_key_wrap(const char *public_key_b64,
	    const uint8_t key[PSRP_SESSION_KEY_LEN], char *err, size_t errlen);

/*
 * A SecureString's text (the base64 of <SS>) decrypted into UTF-8 (a lone
 * surrogate as in clixml.h): malloc'd, NUL-terminated, its length in
 * *ret_len; the caller wipes (OPENSSL_cleanse) and frees it.  NULL with
 * the reason in err if it does not decrypt.
 */
char	*psrp_securestring_decrypt(const uint8_t key[PSRP_SESSION_KEY_LEN],
	    const char *b64, size_t *ret_len, char *err, size_t errlen);

/* The reverse: UTF-8 text to a SecureString's base64 (malloc'd), or NULL. */
char	*psrp_securestring_encrypt(const uint8_t key[PSRP_SESSION_KEY_LEN],
	    const char *utf8, size_t len);

#endif
