/*
 * auth_cert.h: client certificates (the https/mutual security profile).
 * The TLS handshake asks for a certificate when [Auth] Certificate is on
 * (http_listen.c gives libmicrohttpd ClientCAFile as its trust list); this module
 * verifies the peer's chain and maps the certificate to a local account
 * name through [CertMapping].
 *
 * [CertMapping] lines, one per local account (the key):
 *
 *   USER = RULE [| RULE]...
 *   RULE = thumbprint=<SHA-1 of the certificate, hex, ':' and blanks ignored>
 *        | upn=<the UPN in the subjectAltName (otherName 1.3.6.1.4.1.311.20.2.3)>
 *        | subject=<the subject as `openssl x509 -noout -subject -nameopt RFC2253'>
 *   * = upn=*@<REALM>     any UPN of REALM: its user part is the account
 *
 * Comparisons ignore case (the thumbprint's hex too).  A certificate that
 * matches no rule, or rules of two accounts, is refused.
 */
#ifndef WINRMD_AUTH_CERT_H
#define WINRMD_AUTH_CERT_H

#include <stddef.h>

struct config;

/* the secprofile URI sent as the whole Authorization value */
#define CERT_AUTH_SCHEME \
	"http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual"

/* checks one [CertMapping] line: an error message, or NULL */
const char *certmap_check_entry(const char *key, const char *value);

/*
 * The local account name for a certificate (DER) under cfg's
 * [CertMapping].  Returns 0, or -EPERM / -EINVAL with the reason for the
 * log in why.  Any thread.
 */
int	certmap_match(const struct config *cfg, const unsigned char *der,
	    size_t len, char *user, size_t userlen, char *why, size_t whylen);

/*
 * Verifies the peer certificate of a GnuTLS session against the trust list
 * (chain, validity, clientAuth purpose) and returns a copy of the leaf's
 * DER (malloc'd).  0, or -EPERM with the reason for the log.
 */
int	cert_peer(void *gnutls_session, unsigned char **ret_der,
	    size_t *ret_len, char *why, size_t whylen);

#endif
