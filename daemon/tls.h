/*
 * tls.h: the HTTPS listener's certificate: loaded from the configured files,
 * or created self-signed on first start (OpenSSL).
 */
#ifndef WINRMD_TLS_H
#define WINRMD_TLS_H

#include <stddef.h>

/*
 * The text of a PEM file of less than max bytes (malloc'd, NUL-ended), or
 * NULL with errno (EFBIG: too large).
 */
char	*tls_read_pem(const char *path, size_t max);

/*
 * Reads cert_file and key_file into *ret_cert / *ret_key (malloc'd PEM;
 * the first must hold a certificate).  Returns 0 or -1 (logged).
 */
int	tls_load(const char *cert_file, const char *key_file, char **ret_cert,
	    char **ret_key);

/*
 * tls_load(), but if neither file exists, creates a self-signed pair first
 * (key mode 0600) and logs its SHA-1 thumbprint.  Returns 0 or -1 (logged).
 */
int	tls_load_or_create(const char *cert_file, const char *key_file,
	    const char *hostname, char **ret_cert, char **ret_key);

/*
 * The certificate of dir (*.crt, *.pem, *.cer) whose SHA-1 thumbprint is
 * thumb (upper-case hex), as Windows picks one from its store: its path
 * and its key's (the same file when it holds the key, else STEM.key
 * beside it), malloc'd.  0, or -ENOENT (none) or another -errno (logged).
 */
int	tls_find_thumbprint(const char *dir, const char *thumb, char **ret_cert,
	    char **ret_key);

/* SHA-1 thumbprint (hex, upper case) of a PEM certificate into buf[41] */
int	tls_thumbprint(const char *pem, char buf[41]);

/*
 * RFC 5929 tls-server-end-point channel-binding data of a PEM certificate:
 * "tls-server-end-point:" followed by the hash of its DER, the hash being
 * the digest of its signature algorithm, SHA-256 instead of MD5 or SHA-1
 * (and when the algorithm names no digest).  0, or -1 if buf is too small
 * or the PEM holds no certificate.
 */
int	tls_server_end_point(const char *pem, unsigned char *buf, size_t buflen,
	    size_t *ret_len);
/* the same of a DER certificate */
int	tls_server_end_point_der(const unsigned char *der, size_t der_len,
	    unsigned char *buf, size_t buflen, size_t *ret_len);

#endif
