/*
 * tls.h: the HTTPS listener's certificate: loaded from the configured files,
 * or created self-signed on first start (OpenSSL).
 */
#ifndef WINRMD_TLS_H
#define WINRMD_TLS_H

#include <stddef.h>

/*
 * Reads cert_file and key_file into *ret_cert / *ret_key (malloc'd PEM).
 * If neither exists, creates a self-signed pair first (key mode 0600) and
 * logs its SHA-1 thumbprint.  Returns 0 or -1 (logged).
 */
int	tls_load_or_create(const char *cert_file, const char *key_file,
	    const char *hostname, char **ret_cert, char **ret_key);

/* SHA-1 thumbprint (hex, upper case) of a PEM certificate into buf[41] */
int	tls_thumbprint(const char *pem, char buf[41]);

#endif
