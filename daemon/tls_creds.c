/*
 * tls_creds.c: the certificate chain and key of HTTPS handshakes.
 *
 * MHD takes them through GnuTLS's retrieval function instead of once at
 * start, so that a reload (SIGHUP) can put new ones in place: each new
 * handshake asks for the current ones, and a connection that shook hands
 * earlier goes on with what it got.  New files are checked before they
 * are used (certificate and key load, the key is the certificate's); what
 * fails is refused with the reason and the running ones stay.
 *
 * GnuTLS keeps pointers to what the retrieval function gave a session, so
 * credentials live as long as a connection may use them.  They are kept
 * in a list from the oldest to the current; a connection holds the ones
 * current when it started, and may shake hands with those or with newer
 * ones.  So the oldest retired credentials are freed once nobody holds
 * them, and never before the older ones are: a connection that holds
 * credentials keeps everything newer alive with them.
 *
 * Each certificate and key pair has its store (struct tls_store): its
 * credentials, the current ones and those retired.  Listeners with the
 * same files share one, others have their own and present their own
 * certificate.  GnuTLS's retrieval function has no argument of ours, so
 * the listener runs its MHD daemon between tls_store_select() and
 * tls_store_select(NULL): handshakes only happen there, on the loop.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tls.h"
#include "tls_creds.h"

#define MAX_CHAIN	16

struct tls_creds {
	unsigned		 holds;		/* connections that hold it */
	gnutls_pcert_st		 chain[MAX_CHAIN];
	unsigned		 nchain;
	gnutls_privkey_t	 key;
	char			 thumb[41];	/* SHA-1 of its certificate */
	struct tls_store	*store;
	struct tls_creds	*newer;
};

struct tls_store {
	char			*cert_file, *key_file;
	struct tls_creds	*oldest, *current;
	struct tls_store	*next;
};

static struct tls_store *stores;
static struct tls_store *selected;	/* tls_store_select() */

static void
creds_free(struct tls_creds *c)
{
	for (unsigned i = 0; i < c->nchain; i++)
		gnutls_pcert_deinit(&c->chain[i]);
	if (c->key != NULL)
		gnutls_privkey_deinit(c->key);
	free(c);
}

/* whether key is the private key of cert's public key */
static bool
key_matches(gnutls_privkey_t key, gnutls_pubkey_t cert_pub)
{
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t a = { NULL, 0 }, b = { NULL, 0 };
	bool same = false;

	if (gnutls_pubkey_init(&pub) == 0 &&
	    gnutls_pubkey_import_privkey(pub, key, 0, 0) == 0 &&
	    gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &a) == 0 &&
	    gnutls_pubkey_export2(cert_pub, GNUTLS_X509_FMT_DER, &b) == 0)
		same = a.size == b.size && memcmp(a.data, b.data, a.size) == 0;
	gnutls_free(a.data);
	gnutls_free(b.data);
	if (pub != NULL)
		gnutls_pubkey_deinit(pub);
	return same;
}

/*
 * credentials of PEM texts, or NULL with why: a sentence naming the file
 * at fault (the one reason -t, the start and a reload give)
 */
static struct tls_creds *
creds_new(const char *cert_pem, const char *key_pem, const char *cert_file,
    const char *key_file, char *why, size_t whylen)
{
	struct tls_creds *c = calloc(1, sizeof(*c));
	gnutls_datum_t d;
	int r = 0;

	if (c == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	d.data = (unsigned char *)cert_pem;
	d.size = (unsigned)strlen(cert_pem);
	c->nchain = MAX_CHAIN;
	if (tls_thumbprint(cert_pem, c->thumb) < 0 ||
	    (r = gnutls_pcert_list_import_x509_raw(c->chain, &c->nchain, &d,
	    GNUTLS_X509_FMT_PEM, 0)) < 0 || c->nchain == 0) {
		c->nchain = 0;
		snprintf(why, whylen, "CertificateFile %s holds no usable PEM "
		    "certificate%s%s", cert_file, r < 0 ? ": " : "",
		    r < 0 ? gnutls_strerror(r) : "");
		goto fail;
	}
	d.data = (unsigned char *)key_pem;
	d.size = (unsigned)strlen(key_pem);
	if ((r = gnutls_privkey_init(&c->key)) < 0 ||
	    (r = gnutls_privkey_import_x509_raw(c->key, &d,
	    GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN)) < 0) {
		snprintf(why, whylen, "KeyFile %s holds no usable unencrypted "
		    "PEM private key: %s", key_file, gnutls_strerror(r));
		goto fail;
	}
	if (!key_matches(c->key, c->chain[0].pubkey)) {
		snprintf(why, whylen, "KeyFile %s is not the key of "
		    "CertificateFile %s: %s", key_file, cert_file,
		    gnutls_strerror(GNUTLS_E_CERTIFICATE_KEY_MISMATCH));
		goto fail;
	}
	return c;
fail:
	creds_free(c);
	return NULL;
}

/* the credentials of the two files, or NULL (logged) */
static struct tls_creds *
creds_read(const char *cert_file, const char *key_file,
    const char *hostname, bool create, const char *suffix)
{
	char *cert = NULL, *key = NULL, why[512];
	struct tls_creds *c;
	int r = create ? tls_load_or_create(cert_file, key_file, hostname,
	    &cert, &key) : tls_load(cert_file, key_file, &cert, &key);

	if (r < 0)
		return NULL;
	c = creds_new(cert, key, cert_file, key_file, why, sizeof(why));
	if (key != NULL) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
	free(cert);
	if (c == NULL)
		log_err("tls: %s%s", why, suffix);
	return c;
}

/* frees the oldest retired credentials nobody holds, in order */
static void
sweep(struct tls_store *s)
{
	while (s->oldest != NULL && s->oldest != s->current &&
	    s->oldest->holds == 0) {
		struct tls_creds *c = s->oldest;

		s->oldest = c->newer;
		log_debug("tls: the certificate with SHA-1 thumbprint %s is "
		    "no longer used: freed", c->thumb);
		creds_free(c);
	}
}

int
tls_creds_check(const char *cert_file, const char *key_file)
{
	struct tls_creds *c = creds_read(cert_file, key_file, NULL, false, "");

	if (c == NULL)
		return -1;
	creds_free(c);
	return 0;
}

struct tls_store *
tls_store_get(const char *cert_file, const char *key_file)
{
	struct tls_store *s;

	for (s = stores; s != NULL; s = s->next)
		if (strcmp(s->cert_file, cert_file) == 0 &&
		    strcmp(s->key_file, key_file) == 0)
			return s;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->cert_file = strdup(cert_file)) == NULL ||
	    (s->key_file = strdup(key_file)) == NULL) {
		if (s != NULL)
			free(s->cert_file);
		free(s);
		log_err("tls: out of memory");
		return NULL;
	}
	s->next = stores;
	stores = s;
	return s;
}

int
tls_creds_load(struct tls_store *s, const char *hostname, bool create)
{
	struct tls_creds *cur = s->current;
	struct tls_creds *c = creds_read(s->cert_file, s->key_file, hostname,
	    create, cur != NULL ? "; the certificate in use stays" : "");

	if (c == NULL) {
		if (cur != NULL)
			log_err("tls: the certificate in use stays (SHA-1 "
			    "thumbprint %s)", cur->thumb);
		return -1;
	}
	if (cur != NULL && strcmp(cur->thumb, c->thumb) == 0) {
		log_debug("tls: certificate %s unchanged", s->cert_file);
		creds_free(c);
		return 0;
	}
	log_notice("tls: %s certificate %s, SHA-1 thumbprint %s%s",
	    cur ? "new handshakes use" : "using", s->cert_file, c->thumb,
	    cur ? "; established connections keep theirs" : "");
	c->store = s;
	if (cur != NULL)
		cur->newer = c;
	else
		s->oldest = c;
	s->current = c;
	sweep(s);
	return 0;
}

int
tls_creds_reload(const char *hostname)
{
	int rc = 0;

	for (struct tls_store *s = stores; s != NULL; s = s->next)
		if (tls_creds_load(s, hostname, false) < 0)
			rc = -1;
	return rc;
}

void
tls_store_select(struct tls_store *s)
{
	selected = s;
}

const char *
tls_store_thumbprint(const struct tls_store *s)
{
	return s != NULL && s->current != NULL ? s->current->thumb : "";
}

int
tls_creds_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_dn,
    int nreqs, const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
    gnutls_pcert_st **pcert, unsigned int *pcert_length,
    gnutls_privkey_t *pkey)
{
	(void)session;
	(void)req_ca_dn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_length;
	if (selected == NULL || selected->current == NULL) {
		log_err("tls: a handshake outside its listener: refused");
		return -1;
	}
	*pcert = selected->current->chain;
	*pcert_length = selected->current->nchain;
	*pkey = selected->current->key;
	return 0;
}

struct tls_creds *
tls_creds_hold(struct tls_store *s)
{
	if (s == NULL || s->current == NULL)
		return NULL;
	s->current->holds++;
	return s->current;
}

void
tls_creds_release(struct tls_creds *c)
{
	if (c == NULL)
		return;
	c->holds--;
	sweep(c->store);
}

void
tls_creds_shutdown(void)
{
	while (stores != NULL) {
		struct tls_store *s = stores;

		stores = s->next;
		while (s->oldest != NULL) {
			struct tls_creds *c = s->oldest;

			s->oldest = c->newer;
			creds_free(c);
		}
		free(s->cert_file);
		free(s->key_file);
		free(s);
	}
	selected = NULL;
}
