/*
 * check_certmap.c: [CertMapping] (auth_cert.c) read from a real
 * configuration file and matched against certificates made here with
 * OpenSSL (subject, UPN in the subjectAltName, thumbprint, the * = upn=*@
 * wildcard, ambiguity), the lines the parser must refuse, and the RFC 5929
 * channel-binding data of tls.c for SHA-256 and SHA-384 certificates.
 */
#include "build.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "auth_cert.h"
#include "config.h"
#include "tls.h"
#include "unit.h"

struct cert {
	unsigned char	*der;
	size_t		 len;
	char		 thumb[41];
	char		*pem;
};

static void
add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

/* a self-signed certificate: CN (and O), an optional UPN, key type */
static struct cert
make_cert(const char *cn, const char *org, const char *upn, bool ec384)
{
	EVP_PKEY *key = ec384 ? EVP_EC_gen("P-384") : EVP_RSA_gen(2048);
	X509 *x = X509_new();
	X509_NAME *name = X509_get_subject_name(x);
	struct cert c = { 0 };
	unsigned char md[20];
	unsigned int mdlen;
	unsigned char *p;
	BIO *bio;
	long n;
	char *data;

	ck_assert_ptr_nonnull(key);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	if (org != NULL)
		X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
		    (const unsigned char *)org, -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	if (upn != NULL) {
		char san[300];

		snprintf(san, sizeof(san),
		    "otherName:1.3.6.1.4.1.311.20.2.3;UTF8:%s", upn);
		add_ext(x, NID_subject_alt_name, san);
	}
	ck_assert_int_gt(X509_sign(x, key, ec384 ? EVP_sha384() : EVP_sha256()), 0);
	c.len = (size_t)i2d_X509(x, NULL);
	c.der = malloc(c.len);
	p = c.der;
	i2d_X509(x, &p);
	ck_assert_int_eq(X509_digest(x, EVP_sha1(), md, &mdlen), 1);
	for (unsigned i = 0; i < 20; i++)
		snprintf(c.thumb + 2 * i, 3, "%02X", md[i]);
	bio = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(bio, x);
	n = BIO_get_mem_data(bio, &data);
	c.pem = strndup(data, (size_t)n);
	BIO_free(bio);
	X509_free(x);
	EVP_PKEY_free(key);
	return c;
}

static void
free_cert(struct cert *c)
{
	free(c->der);
	free(c->pem);
}

static struct config *
load(const char *text, char *err, size_t errlen)
{
	char *path = unit_tmp_file(text);
	struct config *cfg = config_load(path, err, errlen);

	unit_tmp_remove(path);
	return cfg;
}

static int
match(const struct config *cfg, const struct cert *c, char *user)
{
	char why[512];

	return certmap_match(cfg, c->der, c->len, user, 64, why, sizeof(why));
}

START_TEST(test_mapping)
{
	struct cert alice = make_cert("alice", "Example", "alice@EXAMPLE.COM", false);
	struct cert bob = make_cert("bob", NULL, NULL, false);
	struct cert carol = make_cert("carol", NULL, "carol@realm.test", true);
	struct cert dave = make_cert("dave", NULL, "dave@other.test", false);
	struct cert mallory = make_cert("m", NULL, "-x@realm.test", false);
	char text[2048], err[512], user[64];
	struct config *cfg;

	/* thumbprint with colons and lower case, as Windows shows it */
	char thumb[64] = "";
	for (int i = 0; i < 20; i++) {
		char two[4];

		snprintf(two, sizeof(two), "%s%c%c", i ? ":" : "",
		    bob.thumb[2 * i] | 0x20, bob.thumb[2 * i + 1] | 0x20);
		strcat(thumb, two);
	}
	snprintf(text, sizeof(text),
	    "[CertMapping]\n"
	    "alice = upn=ALICE@example.com\n"
	    "bobby = subject=CN=nobody | thumbprint=%s\n"
	    "* = upn=*@REALM.TEST\n"
	    "erin = subject=cn=alice,o=example\n", thumb);
	cfg = load(text, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_uint_eq(cfg->ncertmap, 4);
	/* alice matches by UPN (alice) and by subject (erin): ambiguous */
	ck_assert_int_eq(match(cfg, &alice, user), -EPERM);
	ck_assert_int_eq(match(cfg, &bob, user), 0);
	ck_assert_str_eq(user, "bobby");
	ck_assert_int_eq(match(cfg, &carol, user), 0);
	ck_assert_str_eq(user, "carol");
	ck_assert_int_eq(match(cfg, &dave, user), -EPERM);
	/* a UPN whose user part is no account name maps to nobody */
	ck_assert_int_eq(match(cfg, &mallory, user), -EPERM);
	config_free(cfg);

	cfg = load("[CertMapping]\nalice = upn=alice@example.com\n", err,
	    sizeof(err));
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(match(cfg, &alice, user), 0);
	ck_assert_str_eq(user, "alice");
	ck_assert_int_eq(match(cfg, &bob, user), -EPERM);
	/* garbage is no certificate */
	{
		char why[512];
		unsigned char junk[40] = { 0x30, 0x82, 0x01 };

		ck_assert_int_eq(certmap_match(cfg, junk, sizeof(junk), user, 64,
		    why, sizeof(why)), -EINVAL);
		ck_assert_int_eq(certmap_match(cfg, alice.der, alice.len - 1,
		    user, 64, why, sizeof(why)), -EINVAL);
	}
	config_free(cfg);
	/* no [CertMapping] at all: nobody */
	cfg = load("[Auth]\nCertificate = true\n", err, sizeof(err));
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(match(cfg, &alice, user), -EPERM);
	config_free(cfg);
	free_cert(&alice);
	free_cert(&bob);
	free_cert(&carol);
	free_cert(&dave);
	free_cert(&mallory);
}
END_TEST

START_TEST(test_bad_lines)
{
	static const char *const bad[] = {
		"alice = thumbprint=1234\n",
		"alice = thumbprint=zz3456789012345678901234567890123456789z\n",
		"alice = fingerprint=abc\n",
		"alice = upn\n",
		"alice = upn=\n",
		"alice = |\n",
		"ali ce = upn=a@b\n",
		"-alice = upn=a@b\n",
		"* = upn=alice@example.com\n",
		"* = thumbprint=0123456789abcdef0123456789abcdef01234567\n",
		"* = upn=*@\n",
		"alice = upn=a@b\nALICE = upn=c@d\n",
	};
	char text[512], err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct config *cfg;

		snprintf(text, sizeof(text), "[CertMapping]\n%s", bad[i]);
		cfg = load(text, err, sizeof(err));
		ck_assert_msg(cfg == NULL, "accepted: %s", bad[i]);
		ck_assert_msg(strstr(err, ":2:") != NULL || strstr(err, ":3:") != NULL,
		    "no line number: %s", err);
	}
	ck_assert_ptr_null(certmap_check_entry("alice", "upn=a@b | subject=CN=a,O=b"));
	ck_assert_ptr_null(certmap_check_entry("*", "upn=*@EXAMPLE.COM"));
}
END_TEST

START_TEST(test_end_point)
{
	struct cert rsa = make_cert("host", NULL, NULL, false);
	struct cert ec = make_cert("host", NULL, NULL, true);
	unsigned char buf[128], md[64];
	unsigned int mdlen;
	size_t len;

	ck_assert_int_eq(tls_server_end_point(rsa.pem, buf, sizeof(buf), &len), 0);
	ck_assert_uint_eq(len, 21 + 32);
	ck_assert_int_eq(memcmp(buf, "tls-server-end-point:", 21), 0);
	EVP_Digest(rsa.der, rsa.len, md, &mdlen, EVP_sha256(), NULL);
	ck_assert_int_eq(memcmp(buf + 21, md, 32), 0);
	/* ECDSA with SHA-384: hashed with SHA-384 */
	ck_assert_int_eq(tls_server_end_point(ec.pem, buf, sizeof(buf), &len), 0);
	ck_assert_uint_eq(len, 21 + 48);
	EVP_Digest(ec.der, ec.len, md, &mdlen, EVP_sha384(), NULL);
	ck_assert_int_eq(memcmp(buf + 21, md, 48), 0);
	/* too small a buffer, no certificate */
	ck_assert_int_eq(tls_server_end_point(rsa.pem, buf, 40, &len), -1);
	ck_assert_int_eq(tls_server_end_point("nothing", buf, sizeof(buf), &len), -1);
	free_cert(&rsa);
	free_cert(&ec);
}
END_TEST

static Suite *
certmap_suite(void)
{
	Suite *s = suite_create("certmap");
	TCase *tc = tcase_create("certmap");

	tcase_add_test(tc, test_mapping);
	tcase_add_test(tc, test_bad_lines);
	tcase_add_test(tc, test_end_point);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(certmap_suite)
