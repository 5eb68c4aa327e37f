/*
 * auth_cert.c: client certificates.  The chain is GnuTLS's to verify (the
 * session libmicrohttpd ran the handshake on, with ClientCAFile as the
 * trust list); the mapping to an account is [CertMapping]'s, read from the
 * certificate with OpenSSL.  No state: every request that names the
 * https/mutual profile is checked again.
 */
#include "build.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "auth_cert.h"
#include "config.h"

#define OID_UPN		"1.3.6.1.4.1.311.20.2.3"
#define MAX_UPNS	8

enum rule_kind { RULE_THUMBPRINT, RULE_UPN, RULE_SUBJECT };

struct rule {
	enum rule_kind	 kind;
	char		 value[512];
};

/* lower-case hex without ':' and blanks; false if not 40 hex digits */
static bool
norm_thumbprint(const char *s, char out[41])
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		if (*s == ':' || *s == ' ' || *s == '\t')
			continue;
		if (!isxdigit((unsigned char)*s) || n == 40)
			return false;
		out[n++] = (char)tolower((unsigned char)*s);
	}
	out[n] = '\0';
	return n == 40;
}

static const char *
trim(char *s)
{
	size_t len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		s[--len] = '\0';
	return s;
}

/*
 * Parses "kind=value | kind=value" into rules (at most max).  Returns the
 * count, or -1 with an error message.
 */
static int
parse_rules(const char *text, struct rule *rules, int max, const char **err)
{
	char buf[2048], *save = NULL, *tok;
	int n = 0;

	if (strlen(text) >= sizeof(buf)) {
		*err = "value too long";
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", text);
	for (tok = strtok_r(buf, "|", &save); tok != NULL;
	    tok = strtok_r(NULL, "|", &save)) {
		const char *t = trim(tok), *eq = strchr(t, '=');
		struct rule *r;
		size_t klen;

		if (eq == NULL) {
			*err = "a rule is thumbprint=..., upn=... or subject=...";
			return -1;
		}
		if (n == max) {
			*err = "too many rules on one line";
			return -1;
		}
		r = &rules[n];
		klen = (size_t)(eq - t);
		while (klen > 0 && (t[klen - 1] == ' ' || t[klen - 1] == '\t'))
			klen--;
		eq++;
		while (*eq == ' ' || *eq == '\t')
			eq++;
		if (strlen(eq) == 0 || strlen(eq) >= sizeof(r->value)) {
			*err = "a rule has an empty or too long value";
			return -1;
		}
		if (klen == 10 && strncasecmp(t, "thumbprint", 10) == 0) {
			r->kind = RULE_THUMBPRINT;
			if (!norm_thumbprint(eq, r->value)) {
				*err = "a thumbprint is 40 hex digits (SHA-1)";
				return -1;
			}
		} else if (klen == 3 && strncasecmp(t, "upn", 3) == 0) {
			r->kind = RULE_UPN;
			snprintf(r->value, sizeof(r->value), "%s", eq);
		} else if (klen == 7 && strncasecmp(t, "subject", 7) == 0) {
			r->kind = RULE_SUBJECT;
			snprintf(r->value, sizeof(r->value), "%s", eq);
		} else {
			*err = "a rule is thumbprint=..., upn=... or subject=...";
			return -1;
		}
		n++;
	}
	if (n == 0) {
		*err = "no rule";
		return -1;
	}
	return n;
}

static bool
account_name_ok(const char *s, size_t len)
{
	if (len == 0 || len >= 64 || s[0] == '-' || s[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' &&
		    s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

const char *
certmap_check_entry(const char *key, const char *value)
{
	struct rule rules[16];
	const char *err = NULL;
	int n;

	if (strcmp(key, "*") != 0 && !account_name_ok(key, strlen(key)))
		return "the key is a local account name (or *)";
	if ((n = parse_rules(value, rules, 16, &err)) < 0)
		return err;
	if (strcmp(key, "*") == 0)
		for (int i = 0; i < n; i++)
			if (rules[i].kind != RULE_UPN ||
			    strncmp(rules[i].value, "*@", 2) != 0 ||
			    rules[i].value[2] == '\0' ||
			    strchr(rules[i].value + 2, '*') != NULL)
				return "* takes only upn=*@REALM rules";
	return NULL;
}

/* what the mapping looks at */
struct cert_facts {
	char	thumbprint[41];
	char	subject[1024];
	char	upn[MAX_UPNS][256];
	int	nupn;
};

static int
cert_facts(const unsigned char *der, size_t len, struct cert_facts *f)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	GENERAL_NAMES *sans;
	BIO *bio;
	int n;

	memset(f, 0, sizeof(*f));
	if (x == NULL || p != der + len)
		goto bad;
	if (!X509_digest(x, EVP_sha1(), md, &mdlen) || mdlen != 20)
		goto bad;
	for (unsigned i = 0; i < 20; i++)
		snprintf(f->thumbprint + 2 * i, 3, "%02x", md[i]);
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		goto bad;
	X509_NAME_print_ex(bio, X509_get_subject_name(x), 0, XN_FLAG_RFC2253);
	n = BIO_read(bio, f->subject, sizeof(f->subject) - 1);
	f->subject[n > 0 ? n : 0] = '\0';
	BIO_free(bio);
	sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; sans != NULL && i < sk_GENERAL_NAME_num(sans) &&
	    f->nupn < MAX_UPNS; i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
		char oid[64];
		ASN1_TYPE *v;

		if (g->type != GEN_OTHERNAME)
			continue;
		OBJ_obj2txt(oid, sizeof(oid), g->d.otherName->type_id, 1);
		v = g->d.otherName->value;
		if (strcmp(oid, OID_UPN) != 0 || v == NULL ||
		    v->type != V_ASN1_UTF8STRING)
			continue;
		n = ASN1_STRING_length(v->value.utf8string);
		if (n <= 0 || n >= (int)sizeof(f->upn[0]) ||
		    memchr(ASN1_STRING_get0_data(v->value.utf8string), '\0',
		    (size_t)n) != NULL)
			continue;
		memcpy(f->upn[f->nupn], ASN1_STRING_get0_data(v->value.utf8string),
		    (size_t)n);
		f->upn[f->nupn++][n] = '\0';
	}
	GENERAL_NAMES_free(sans);
	X509_free(x);
	return 0;
bad:
	X509_free(x);
	return -EINVAL;
}

/* candidate account for one line's rules, or "" */
static void
match_line(const char *key, const struct rule *rules, int n,
    const struct cert_facts *f, char *user, size_t userlen)
{
	user[0] = '\0';
	for (int i = 0; i < n; i++) {
		const struct rule *r = &rules[i];

		switch (r->kind) {
		case RULE_THUMBPRINT:
			if (strcmp(r->value, f->thumbprint) == 0) {
				snprintf(user, userlen, "%s", key);
				return;
			}
			break;
		case RULE_SUBJECT:
			if (f->subject[0] != '\0' &&
			    strcasecmp(r->value, f->subject) == 0) {
				snprintf(user, userlen, "%s", key);
				return;
			}
			break;
		case RULE_UPN:
			for (int j = 0; j < f->nupn; j++) {
				const char *at = strrchr(f->upn[j], '@');

				if (strcmp(key, "*") != 0) {
					if (strcasecmp(r->value, f->upn[j]) == 0) {
						snprintf(user, userlen, "%s", key);
						return;
					}
				} else if (at != NULL &&
				    strcasecmp(r->value + 1, at) == 0 &&
				    account_name_ok(f->upn[j],
				    (size_t)(at - f->upn[j]))) {
					snprintf(user, userlen, "%.*s",
					    (int)(at - f->upn[j]), f->upn[j]);
					return;
				}
			}
			break;
		}
	}
}

int
certmap_match(const struct config *cfg, const unsigned char *der, size_t len,
    char *user, size_t userlen, char *why, size_t whylen)
{
	struct cert_facts f;
	char found[64] = "", cand[64];

	if (cert_facts(der, len, &f) < 0) {
		snprintf(why, whylen, "the certificate cannot be parsed");
		return -EINVAL;
	}
	for (size_t i = 0; i < cfg->ncertmap; i++) {
		struct rule rules[16];
		const char *err;
		int n = parse_rules(cfg->certmap[i].value, rules, 16, &err);

		if (n < 0)
			continue;	/* checked when the file was read */
		match_line(cfg->certmap[i].key, rules, n, &f, cand,
		    sizeof(cand));
		if (cand[0] == '\0')
			continue;
		if (found[0] != '\0' && strcmp(found, cand) != 0) {
			snprintf(why, whylen, "certificate %s (subject %s) "
			    "matches [CertMapping] rules of both %s and %s",
			    f.thumbprint, f.subject, found, cand);
			return -EPERM;
		}
		snprintf(found, sizeof(found), "%s", cand);
	}
	if (found[0] == '\0') {
		snprintf(why, whylen, "no [CertMapping] rule matches certificate "
		    "%s (subject %s%s%s)", f.thumbprint, f.subject,
		    f.nupn ? ", UPN " : "", f.nupn ? f.upn[0] : "");
		return -EPERM;
	}
	snprintf(user, userlen, "%s", found);
	return 0;
}

int
cert_peer(void *session, unsigned char **ret_der, size_t *ret_len, char *why,
    size_t whylen)
{
	gnutls_session_t s = session;
	gnutls_typed_vdata_st purpose = {
		.type = GNUTLS_DT_KEY_PURPOSE_OID,
		.data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT,
	};
	const gnutls_datum_t *peers;
	unsigned int status = 0, npeers = 0;
	int r;

	if (s == NULL) {
		snprintf(why, whylen, "no TLS session");
		return -EPERM;
	}
	peers = gnutls_certificate_get_peers(s, &npeers);
	if (peers == NULL || npeers == 0) {
		snprintf(why, whylen, "no client certificate was sent");
		return -EPERM;
	}
	r = gnutls_certificate_verify_peers(s, &purpose, 1, &status);
	if (r < 0) {
		snprintf(why, whylen, "client certificate not verified: %s",
		    gnutls_strerror(r));
		return -EPERM;
	}
	if (status != 0) {
		gnutls_datum_t txt = { NULL, 0 };

		gnutls_certificate_verification_status_print(status,
		    GNUTLS_CRT_X509, &txt, 0);
		snprintf(why, whylen, "client certificate refused: %s",
		    txt.data ? (char *)txt.data : "not trusted");
		gnutls_free(txt.data);
		return -EPERM;
	}
	if ((*ret_der = malloc(peers[0].size ? peers[0].size : 1)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	memcpy(*ret_der, peers[0].data, peers[0].size);
	*ret_len = peers[0].size;
	return 0;
}
