/*
 * tls_creds.h: the certificate and key HTTPS handshakes use, as GnuTLS
 * takes them (MHD_OPTION_HTTPS_CERT_CALLBACK), replaced on a reload while
 * established connections keep the ones they shook hands with.  Each
 * certificate and key pair is a store of its own: listeners with their
 * own certificates present their own.  Loop thread only.
 */
#ifndef WINRMD_TLS_CREDS_H
#define WINRMD_TLS_CREDS_H

#include <stdbool.h>
#include <stddef.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>

struct tls_creds;
struct tls_store;

/* the store of two files (the same for the same names), NULL (logged) */
struct tls_store *tls_store_get(const char *cert_file, const char *key_file);
/*
 * Loads the store's files (with create, a self-signed pair is made first
 * when neither exists) and makes them the ones new handshakes use.  A
 * certificate or key that does not load, or a key that is not the
 * certificate's, is refused: -1 (logged), and the current ones stay.
 * 0 when they are in use.
 */
int	tls_creds_load(struct tls_store *s, const char *hostname, bool create);
/* tls_creds_load() of every store, for a reload: -1 if one failed */
int	tls_creds_reload(const char *hostname);
/*
 * The store whose current credentials tls_creds_retrieve() gives, while
 * a listener runs its MHD daemon; NULL after.
 */
void	tls_store_select(struct tls_store *s);
/* the SHA-1 thumbprint of its current certificate, "" if none */
const char *tls_store_thumbprint(const struct tls_store *s);
/*
 * Whether the two files would load (the same checks as tls_creds_load,
 * for -t and the start): 0, or -1 with the reason logged at error level.
 */
int	tls_creds_check(const char *cert_file, const char *key_file);

/*
 * GnuTLS's certificate retrieval function (gnutls_certificate_retrieve_
 * function2), given to MHD: the selected store's current certificate
 * chain and key.
 */
int	tls_creds_retrieve(gnutls_session_t session,
	    const gnutls_datum_t *req_ca_dn, int nreqs,
	    const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
	    gnutls_pcert_st **pcert, unsigned int *pcert_length,
	    gnutls_privkey_t *pkey);

/*
 * A connection holds the credentials current when it starts, until it
 * ends: what GnuTLS gives a session must outlive it.  A reload's old
 * credentials are freed once no connection that started before it is
 * left.  hold returns NULL when none are loaded.
 */
struct tls_creds *tls_creds_hold(struct tls_store *s);
void	tls_creds_release(struct tls_creds *c);

/* frees them all (after the listeners stopped) */
void	tls_creds_shutdown(void);

#endif
