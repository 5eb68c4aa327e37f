/*
 * tls.c: certificate files for the HTTPS listeners.  The TLS itself is
 * libmicrohttpd's (GnuTLS); this file only makes, reads and finds (by
 * thumbprint, in CertificateDirectory) PEM files.
 */
#include "build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "privsep.h"
#include "tls.h"

#define PEM_MAX	(1024 * 1024)	/* a certificate chain or a key */

char *
tls_read_pem(const char *path, size_t max)
{
	FILE *fp;
	char *buf = NULL;
	long len = -1;

	/* the monitor reads again what was read before the drop */
	if (privsep_dropped())
		return mon_pem_read(path, max);
	if (privsep_active())
		mon_pem_allow(path);
	if ((fp = fopen(path, "re")) == NULL)
		return NULL;
	errno = 0;
	if (fseek(fp, 0, SEEK_END) == 0 && (len = ftell(fp)) >= 0 &&
	    (size_t)len < max && fseek(fp, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)len + 1)) != NULL) {
		if (fread(buf, 1, (size_t)len, fp) != (size_t)len) {
			free(buf);
			buf = NULL;
			errno = EIO;
		} else
			buf[len] = '\0';
	} else if (len >= 0 && (size_t)len >= max)
		errno = EFBIG;
	fclose(fp);
	return buf;
}

static int
mkdir_parent(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -1;
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static int
add_ext(X509 *cert, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

static int
create_pair(const char *cert_file, const char *key_file, const char *hostname)
{
	EVP_PKEY *key = EVP_RSA_gen(2048);
	X509 *cert = X509_new();
	X509_NAME *name;
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	char san[600];
	FILE *fp = NULL;
	int fd, r = -1;

	if (key == NULL || cert == NULL || RAND_bytes(serial, sizeof(serial)) != 1)
		goto out;
	serial[0] &= 0x7f;
	if ((bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) == NULL)
		goto out;
	X509_set_version(cert, 2);
	X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(cert), 10L * 365 * 24 * 3600);
	X509_set_pubkey(cert, key);
	name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)hostname, -1, -1, 0);
	X509_set_issuer_name(cert, name);
	snprintf(san, sizeof(san), "DNS:%s,DNS:localhost,IP:127.0.0.1,IP:::1",
	    hostname);
	if (add_ext(cert, NID_subject_alt_name, san) < 0 ||
	    add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
	    add_ext(cert, NID_ext_key_usage, "serverAuth") < 0 ||
	    X509_sign(cert, key, EVP_sha256()) == 0)
		goto out;
	if (mkdir_parent(key_file) < 0 || mkdir_parent(cert_file) < 0)
		goto out;
	if ((fd = open(key_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 ||
	    (fp = fdopen(fd, "w")) == NULL) {
		log_err("tls: cannot create %s: %s", key_file, strerror(errno));
		goto out;
	}
	if (!PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL) ||
	    fclose(fp) != 0) {
		fp = NULL;
		unlink(key_file);
		goto out;
	}
	fp = NULL;
	if ((fp = fopen(cert_file, "we")) == NULL ||
	    !PEM_write_X509(fp, cert) || fclose(fp) != 0) {
		log_err("tls: cannot write %s: %s", cert_file, strerror(errno));
		fp = NULL;
		unlink(key_file);
		goto out;
	}
	fp = NULL;
	r = 0;
out:
	if (fp != NULL)
		fclose(fp);
	BN_free(bn);
	X509_free(cert);
	EVP_PKEY_free(key);
	return r;
}

int
tls_thumbprint(const char *pem, char buf[41])
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	int r = -1;

	if (cert != NULL && X509_digest(cert, EVP_sha1(), md, &len) && len == 20) {
		for (unsigned i = 0; i < len; i++)
			snprintf(buf + 2 * i, 3, "%02X", md[i]);
		r = 0;
	}
	X509_free(cert);
	BIO_free(bio);
	return r;
}

/* tls-server-end-point data of cert (tls.h) */
static int
end_point(X509 *cert, unsigned char *buf, size_t buflen, size_t *ret_len)
{
	static const char prefix[] = "tls-server-end-point:";
	const EVP_MD *md = NULL;
	unsigned char hash[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	int md_nid = NID_undef;

	if (cert == NULL)
		return -1;
	if (OBJ_find_sigid_algs(X509_get_signature_nid(cert), &md_nid, NULL) &&
	    md_nid != NID_undef && md_nid != NID_md5 && md_nid != NID_sha1)
		md = EVP_get_digestbynid(md_nid);
	if (md == NULL)
		md = EVP_sha256();
	if (!X509_digest(cert, md, hash, &len) ||
	    sizeof(prefix) - 1 + len > buflen)
		return -1;
	memcpy(buf, prefix, sizeof(prefix) - 1);
	memcpy(buf + sizeof(prefix) - 1, hash, len);
	*ret_len = sizeof(prefix) - 1 + len;
	return 0;
}

int
tls_server_end_point(const char *pem, unsigned char *buf, size_t buflen,
    size_t *ret_len)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	int r = end_point(cert, buf, buflen, ret_len);

	X509_free(cert);
	BIO_free(bio);
	return r;
}

int
tls_server_end_point_der(const unsigned char *der, size_t der_len,
    unsigned char *buf, size_t buflen, size_t *ret_len)
{
	const unsigned char *p = der;
	X509 *cert = der_len <= LONG_MAX ? d2i_X509(NULL, &p, (long)der_len) :
	    NULL;
	int r = end_point(cert, buf, buflen, ret_len);

	X509_free(cert);
	return r;
}

int
tls_load(const char *cert_file, const char *key_file, char **ret_cert,
    char **ret_key)
{
	char thumb[41];

	*ret_cert = *ret_key = NULL;
	if ((*ret_cert = tls_read_pem(cert_file, PEM_MAX)) == NULL) {
		log_err("tls: cannot read CertificateFile %s: %s", cert_file,
		    strerror(errno));
		return -1;
	}
	if ((*ret_key = tls_read_pem(key_file, PEM_MAX)) == NULL) {
		log_err("tls: cannot read KeyFile %s: %s", key_file,
		    strerror(errno));
		free(*ret_cert);
		*ret_cert = NULL;
		return -1;
	}
	if (tls_thumbprint(*ret_cert, thumb) < 0) {
		log_err("tls: CertificateFile %s holds no usable PEM "
		    "certificate", cert_file);
		free(*ret_cert);
		free(*ret_key);
		*ret_cert = *ret_key = NULL;
		return -1;
	}
	return 0;
}

int
tls_load_or_create(const char *cert_file, const char *key_file,
    const char *hostname, char **ret_cert, char **ret_key)
{
	char thumb[41];
	bool created = false;

	if (access(cert_file, F_OK) < 0 && access(key_file, F_OK) < 0) {
		if (create_pair(cert_file, key_file, hostname) < 0) {
			log_err("tls: cannot create a self-signed certificate in "
			    "%s and %s", cert_file, key_file);
			return -1;
		}
		created = true;
	}
	if (tls_load(cert_file, key_file, ret_cert, ret_key) < 0)
		return -1;
	if (created && tls_thumbprint(*ret_cert, thumb) == 0)
		log_notice("tls: created self-signed certificate %s, SHA-1 "
		    "thumbprint %s", cert_file, thumb);
	return 0;
}

/* a certificate's file name: *.crt, *.pem or *.cer, the stem's length */
static size_t
cert_stem(const char *name)
{
	static const char *const exts[] = { ".crt", ".pem", ".cer" };
	size_t n = strlen(name);

	if (name[0] == '.')
		return 0;
	for (size_t i = 0; i < 3; i++)
		if (n > 4 && strcasecmp(name + n - 4, exts[i]) == 0)
			return n - 4;
	return 0;
}

int
tls_find_thumbprint(const char *dir, const char *thumb, char **ret_cert,
    char **ret_key)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, alphasort), r = -ENOENT;

	*ret_cert = *ret_key = NULL;
	if (n < 0) {
		log_err("tls: CertificateDirectory %s: %s", dir,
		    strerror(errno));
		return -errno;
	}
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		size_t stem = cert_stem(name);
		char path[PATH_MAX], t[41], *pem;
		struct stat st;

		if (r == 0 || stem == 0 ||
		    snprintf(path, sizeof(path), "%s/%s", dir, name) >=
		    (int)sizeof(path) || stat(path, &st) < 0 ||
		    !S_ISREG(st.st_mode) ||
		    (pem = tls_read_pem(path, PEM_MAX)) == NULL)
			continue;
		if (tls_thumbprint(pem, t) == 0 && strcmp(t, thumb) == 0) {
			/* the key in the same file, or in STEM.key */
			bool inside = strstr(pem, "PRIVATE KEY-----") != NULL;

			r = 0;
			if ((*ret_cert = strdup(path)) == NULL ||
			    (inside ? (*ret_key = strdup(path)) == NULL :
			    asprintf(ret_key, "%s/%.*s.key", dir, (int)stem,
			    name) < 0)) {
				*ret_key = NULL;
				r = -ENOMEM;
			}
		}
		free(pem);
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	if (r == -ENOENT)
		log_err("tls: no certificate with SHA-1 thumbprint %s in "
		    "CertificateDirectory %s (*.crt, *.pem, *.cer)", thumb, dir);
	if (r < 0) {
		free(*ret_cert);
		*ret_cert = *ret_key = NULL;
	}
	return r;
}
