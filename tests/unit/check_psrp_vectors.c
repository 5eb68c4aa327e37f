/*
 * check_psrp_vectors.c: the PSRP codec against what third-party
 * implementations wrote (tests/data/psrp, made by tests/psrp/gen_vectors.py
 * with psrpcore and pypsrp): clients' payloads defragmented, their messages
 * decoded and parsed into what the client meant; psrpcore's CLIXML of every
 * type read (and written back and read again); psrpcore's session key blob
 * and SecureStrings.
 */
#include "build.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "unit.h"

#include "b64.h"
#include "clixml.h"
#include "fragment.h"
#include "message.h"
#include "psrp_json.h"
#include "psrp_msgs.h"
#include "session_key.h"

static json_object *
load(const char *name)
{
	char *text = unit_read_data(name, NULL);
	json_object *j = json_tokener_parse(text);

	ck_assert_msg(j != NULL, "%s is not JSON", name);
	free(text);
	return j;
}

static json_object *
get(json_object *o, const char *key)
{
	json_object *v = NULL;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
	return v;
}

static void
assert_json_equal(json_object *got, json_object *want, const char *what)
{
	ck_assert_msg(json_object_equal(got, want), "%s:\n got %s\nwant %s", what,
	    json_object_to_json_string(got), json_object_to_json_string(want));
}

static void
session_key(uint8_t key[PSRP_SESSION_KEY_LEN])
{
	json_object *sk = load("psrp/session_key.json");
	const char *hex = json_object_get_string(get(sk, "session_key_hex"));

	for (int i = 0; i < PSRP_SESSION_KEY_LEN; i++)
		ck_assert_int_eq(sscanf(hex + 2 * i, "%2hhx", &key[i]), 1);
	json_object_put(sk);
}

START_TEST(test_client_messages)
{
	json_object *all = load("psrp/client.json"), *cases = get(all, "cases");
	size_t ncases = json_object_array_length(cases);

	ck_assert_uint_ge(ncases, 10);
	for (size_t i = 0; i < ncases; i++) {
		json_object *c = json_object_array_get_idx(cases, i);
		const char *name = json_object_get_string(get(c, "name"));
		json_object *payloads = get(c, "payloads"), *msgs = get(c, "messages");
		json_object *expect = get(c, "expect");
		struct psrp_defrag *d = psrp_defrag_new(1 << 20);
		size_t n = 0;
		uint8_t *msg;
		size_t len;

		for (size_t p = 0; p < json_object_array_length(payloads); p++) {
			json_object *pj = json_object_array_get_idx(payloads, p);
			size_t blen;
			uint8_t *b = psrp_b64_decode(json_object_get_string(pj),
			    (size_t)json_object_get_string_len(pj), &blen);

			ck_assert_ptr_nonnull(b);
			ck_assert_msg(psrp_defrag_feed(d, b, blen) == 0, "%s: %s",
			    name, psrp_defrag_error(d));
			free(b);
		}
		ck_assert_msg(!psrp_defrag_partial(d), "%s: a message left open",
		    name);
		while (psrp_defrag_next(d, &msg, &len, NULL) == 1) {
			json_object *mj = json_object_array_get_idx(msgs, n);
			json_object *want = json_object_array_get_idx(expect, n);
			json_object *pid = get(mj, "pid"), *got;
			struct psrp_msg m;
			struct clixml_value *v;
			char err[256], guid[37];

			ck_assert_msg(mj != NULL, "%s: more messages than sent", name);
			ck_assert_int_eq(psrp_msg_decode(msg, len, &m), 0);
			ck_assert_uint_eq(m.pm_type, json_object_get_int64(get(mj,
			    "type")));
			ck_assert_uint_eq(m.pm_destination, PSRP_DEST_SERVER);
			psrp_guid_format(&m.pm_rpid, false, guid);
			ck_assert_str_eq(guid, json_object_get_string(get(mj, "rpid")));
			if (pid == NULL)
				ck_assert(psrp_guid_is_nil(&m.pm_pid));
			else {
				psrp_guid_format(&m.pm_pid, false, guid);
				ck_assert_str_eq(guid, json_object_get_string(pid));
			}
			v = clixml_read((const char *)m.pm_data, m.pm_len, NULL,
			    err, sizeof(err));
			ck_assert_msg(v != NULL, "%s message %zu: %s", name, n, err);
			got = psrp_json_expect(&m, v, err, sizeof(err));
			ck_assert_msg(got != NULL, "%s message %zu: %s", name, n, err);
			assert_json_equal(got, want, name);
			json_object_put(got);
			clixml_unref(v);
			free(msg);
			n++;
		}
		ck_assert_msg(n == json_object_array_length(msgs),
		    "%s: %zu messages of %zu", name, n,
		    json_object_array_length(msgs));
		psrp_defrag_free(d);
	}
	json_object_put(all);
}
END_TEST

/* the tagged form of a SecureString is the text it decrypts to */
static json_object *
tagged_decrypted(const struct clixml_value *v, const uint8_t *key)
{
	json_object *o;
	char err[128], *plain;
	size_t len;

	if (v == NULL || v->v_type != CLIXML_SECURESTRING)
		return psrp_json_tagged(v);
	plain = psrp_securestring_decrypt(key, v->v.str.s, &len, err,
	    sizeof(err));
	ck_assert_msg(plain != NULL, "%s", err);
	o = json_object_new_object();
	json_object_object_add(o, "SS", json_object_new_string_len(plain,
	    (int)len));
	free(plain);
	return o;
}

START_TEST(test_clixml_values)
{
	json_object *all = load("psrp/clixml.json"), *cases = get(all, "cases");
	uint8_t key[PSRP_SESSION_KEY_LEN];

	session_key(key);
	ck_assert_uint_ge(json_object_array_length(cases), 30);
	for (size_t i = 0; i < json_object_array_length(cases); i++) {
		json_object *c = json_object_array_get_idx(cases, i), *got;
		const char *name = json_object_get_string(get(c, "name"));
		const char *xml = json_object_get_string(get(c, "xml"));
		json_object *want = get(c, "expect");
		struct clixml_value *v, *again;
		char err[256], *out;
		size_t len;
		bool bytes_only = false;

		v = clixml_read(xml, strlen(xml), NULL, err, sizeof(err));
		ck_assert_msg(v != NULL, "%s: %s", name, err);
		if (json_object_object_get_ex(c, "utf8_hex", &got)) {
			const char *hex = json_object_get_string(got);
			char buf[256] = "";

			/* generalised UTF-8, which JSON cannot carry */
			for (size_t k = 0; k < v->v.str.len && k < 100; k++)
				sprintf(buf + 2 * k, "%02x",
				    (unsigned char)v->v.str.s[k]);
			ck_assert_str_eq(buf, hex);
			bytes_only = true;
		}
		got = tagged_decrypted(v, key);
		if (bytes_only) {
			/* written and read again: the same bytes */
			char *w = clixml_write(v, &len);
			struct clixml_value *r = clixml_read(w, len, NULL, err,
			    sizeof(err));

			ck_assert_ptr_nonnull(r);
			ck_assert_uint_eq(r->v.str.len, v->v.str.len);
			ck_assert_mem_eq(r->v.str.s, v->v.str.s, v->v.str.len);
			clixml_unref(r);
			free(w);
			json_object_put(got);
			clixml_unref(v);
			continue;
		}
		assert_json_equal(got, want, name);
		json_object_put(got);
		/* written by the codec and read again: the same value */
		out = clixml_write(v, &len);
		ck_assert_msg(out != NULL, "%s: not written", name);
		again = clixml_read(out, len, NULL, err, sizeof(err));
		ck_assert_msg(again != NULL, "%s: %s in %s", name, err, out);
		got = tagged_decrypted(again, key);
		assert_json_equal(got, want, out);
		json_object_put(got);
		free(out);
		clixml_unref(again);
		clixml_unref(v);
	}
	json_object_put(all);
}
END_TEST

/* RSA PKCS#1 v1.5 decryption of a SIMPLEBLOB with the client's private key */
static size_t
unwrap(EVP_PKEY *pkey, const char *b64, uint8_t *out, size_t outlen)
{
	size_t blen, n = outlen;
	uint8_t *blob = psrp_b64_decode(b64, strlen(b64), &blen), *rev;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);

	ck_assert_ptr_nonnull(blob);
	ck_assert_uint_gt(blen, 12);
	/* SIMPLEBLOB, version 2, CALG_AES_256, CALG_RSA_KEYX */
	ck_assert_mem_eq(blob, "\x01\x02\x00\x00\x10\x66\x00\x00\x00\xa4\x00\x00",
	    12);
	rev = malloc(blen - 12);
	for (size_t i = 0; i < blen - 12; i++)
		rev[i] = blob[blen - 1 - i];
	ck_assert_int_gt(EVP_PKEY_decrypt_init(ctx), 0);
	ck_assert_int_gt(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 0);
	ck_assert_int_gt(EVP_PKEY_decrypt(ctx, out, &n, rev, blen - 12), 0);
	EVP_PKEY_CTX_free(ctx);
	free(rev);
	free(blob);
	return n;
}

START_TEST(test_session_key)
{
	json_object *sk = load("psrp/session_key.json"), *ss;
	const char *pem = json_object_get_string(get(sk, "private_key_pem"));
	const char *pub = json_object_get_string(get(sk, "public_key_b64"));
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	uint8_t key[PSRP_SESSION_KEY_LEN], mine[PSRP_SESSION_KEY_LEN], out[512];
	char err[256], *wrapped;

	ck_assert_ptr_nonnull(pkey);
	session_key(key);
	/* psrpcore's server wrapped the key so: the layout read here */
	ck_assert_uint_eq(unwrap(pkey, json_object_get_string(get(sk,
	    "encrypted_session_key_b64")), out, sizeof(out)),
	    PSRP_SESSION_KEY_LEN);
	ck_assert_mem_eq(out, key, PSRP_SESSION_KEY_LEN);
	/* the codec wraps a new key for psrpcore's client key */
	ck_assert_int_eq(psrp_session_key_generate(mine), 0);
	wrapped = psrp_session_key_wrap(pub, mine, err, sizeof(err));
	ck_assert_msg(wrapped != NULL, "%s", err);
	ck_assert_uint_eq(unwrap(pkey, wrapped, out, sizeof(out)),
	    PSRP_SESSION_KEY_LEN);
	ck_assert_mem_eq(out, mine, PSRP_SESSION_KEY_LEN);
	free(wrapped);
	/* a blob that is not a PUBLICKEYBLOB, and a truncated one */
	ck_assert_ptr_null(psrp_session_key_wrap("AAAA", mine, err, sizeof(err)));
	ck_assert_ptr_null(psrp_session_key_wrap("not base64!", mine, err,
	    sizeof(err)));
	{
		char *cut = strdup(pub);

		cut[strlen(cut) / 4 * 4 - 8] = '\0';
		ck_assert_ptr_null(psrp_session_key_wrap(cut, mine, err,
		    sizeof(err)));
		free(cut);
	}
	/* SecureStrings psrpcore encrypted, and the codec's own the same */
	ss = get(sk, "securestrings");
	ck_assert_uint_ge(json_object_array_length(ss), 3);
	for (size_t i = 0; i < json_object_array_length(ss); i++) {
		json_object *e = json_object_array_get_idx(ss, i);
		const char *plain = json_object_get_string(get(e, "plain"));
		const char *b64 = json_object_get_string(get(e, "b64"));
		size_t len;
		char *dec = psrp_securestring_decrypt(key, b64, &len, err,
		    sizeof(err)), *enc;

		ck_assert_msg(dec != NULL, "%s", err);
		ck_assert_uint_eq(len, strlen(plain));
		ck_assert_str_eq(dec, plain);
		free(dec);
		enc = psrp_securestring_encrypt(key, plain, strlen(plain));
		ck_assert_str_eq(enc, b64);
		free(enc);
		/* the wrong key does not decrypt (the padding check fails) */
		dec = psrp_securestring_decrypt(mine, b64, &len, err,
		    sizeof(err));
		if (dec != NULL)
			ck_assert_str_ne(dec, plain);
		free(dec);
	}
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	json_object_put(sk);
}
END_TEST

static Suite *
psrp_vectors_suite(void)
{
	Suite *s = suite_create("psrp_vectors");
	TCase *tc = tcase_create("vectors");

	tcase_add_test(tc, test_client_messages);
	tcase_add_test(tc, test_clixml_values);
	tcase_add_test(tc, test_session_key);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(psrp_vectors_suite)
