/*
 * check_negotiate.c: the framing of encrypted messages (encryption.c,
 * MS-WSMV 2.2.9.1): pywinrm's captured request, round trips of what the
 * server builds, and every way a body can be malformed (truncated at each
 * byte, corrupted headers, a Length longer or shorter than the data, a
 * signature length out of range).  Also the Content-Type test and the NT
 * hash of --ntlm-passwd.
 */
#include "build.h"

#include "encryption.h"
#include "negotiate.h"
#include "unit.h"

#define CT_PYWINRM "multipart/encrypted;protocol=\"application/HTTP-SPNEGO-" \
	"session-encrypted\";boundary=\"Encrypted Boundary\""

static int
parse(unsigned char *body, size_t len, struct enc_parts *p, const char **why)
{
	*why = NULL;
	return enc_parse(ENC_BOUNDARY, body, len, p, why);
}

START_TEST(test_content_type)
{
	char b[ENC_MAX_BOUNDARY + 1];

	ck_assert_int_eq(enc_content_type(CT_PYWINRM, b), 1);
	ck_assert_str_eq(b, "Encrypted Boundary");
	ck_assert_int_eq(enc_content_type(ENC_CONTENT_TYPE, b), 1);
	ck_assert_int_eq(enc_content_type("Multipart/Encrypted; boundary=\"x\"; "
	    "protocol=\"application/http-spnego-session-encrypted\"", b), 1);
	ck_assert_str_eq(b, "x");
	ck_assert_int_eq(enc_content_type("multipart/encrypted;protocol="
	    "application/HTTP-SPNEGO-session-encrypted;boundary=abc", b), 1);
	ck_assert_str_eq(b, "abc");
	/* not ours at all */
	ck_assert_int_eq(enc_content_type("application/soap+xml;charset=UTF-8", b), 0);
	ck_assert_int_eq(enc_content_type(NULL, b), 0);
	ck_assert_int_eq(enc_content_type("multipart/encryptedx", b), 0);
	/* ours, but malformed or of another protocol (CredSSP) */
	ck_assert_int_eq(enc_content_type("multipart/encrypted;protocol=\""
	    "application/HTTP-CredSSP-session-encrypted\";boundary=\"E\"", b), -EINVAL);
	ck_assert_int_eq(enc_content_type("multipart/encrypted;boundary=\"E\"", b), -EINVAL);
	ck_assert_int_eq(enc_content_type("multipart/encrypted;protocol=\""
	    ENC_PROTOCOL "\"", b), -EINVAL);
	ck_assert_int_eq(enc_content_type("multipart/encrypted;protocol=\""
	    ENC_PROTOCOL "\";boundary=\"\"", b), -EINVAL);
	ck_assert_int_eq(enc_content_type("multipart/encrypted;protocol=\""
	    ENC_PROTOCOL "\";boundary=\"unterminated", b), -EINVAL);
	ck_assert_int_eq(enc_content_type("multipart/encrypted;protocol=\""
	    ENC_PROTOCOL "\";boundary=\"" "0123456789012345678901234567890123"
	    "4567890123456789012345678901234567890\"", b), -EINVAL);
	ck_assert_int_eq(enc_content_type("multipart/encrypted;protocol", b), -EINVAL);
}
END_TEST

/* the first encrypted request pywinrm sent (shared vectors, pywinrm-ntlm) */
START_TEST(test_pywinrm_capture)
{
	size_t len;
	char *body = unit_read_data("pywinrm-ntlm-04-encrypted-request.bin", &len);
	struct enc_parts p;
	const char *why;

	ck_assert_int_eq(parse((unsigned char *)body, len, &p, &why), 0);
	ck_assert_uint_eq(p.length, 1683);
	ck_assert_uint_eq(p.siglen, 16);
	ck_assert_uint_eq(p.datalen, 1683);
	/* NTLM signature version 1 */
	ck_assert_int_eq(p.sig[0], 1);
	ck_assert_int_eq(p.sig[1], 0);
	ck_assert_ptr_eq(p.data, p.sig + 16);
	ck_assert_ptr_eq(p.data + p.datalen + strlen("--Encrypted Boundary--\r\n"),
	    (unsigned char *)body + len);
	/* every truncation fails cleanly */
	for (size_t n = 0; n < len; n++) {
		char *cut = malloc(n ? n : 1);

		memcpy(cut, body, n);
		ck_assert_msg(parse((unsigned char *)cut, n, &p, &why) == -EBADMSG,
		    "truncated to %zu bytes, accepted", n);
		ck_assert_ptr_nonnull(why);
		free(cut);
	}
	free(body);
}
END_TEST

static char *
build(size_t siglen, size_t datalen, size_t plainlen, size_t *len)
{
	unsigned char sig[ENC_MAX_SIGNATURE + 8], *data = malloc(datalen + 1);
	char *out;

	for (size_t i = 0; i < sizeof(sig); i++)
		sig[i] = (unsigned char)(i * 7);
	/* data full of boundaries: must not confuse the parser */
	for (size_t i = 0; i < datalen; i++)
		data[i] = (unsigned char)("--Encrypted Boundary--\r\n"[i % 24]);
	out = enc_build(sig, siglen, data, datalen, plainlen, len);
	free(data);
	ck_assert_ptr_nonnull(out);
	return out;
}

START_TEST(test_round_trip)
{
	static const size_t sizes[] = { 0, 1, 23, 24, 25, 4096, 600000 };
	struct enc_parts p;
	const char *why;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len, n = sizes[i];
		char *b = build(16, n, n, &len);

		ck_assert_int_eq(parse((unsigned char *)b, len, &p, &why), 0);
		ck_assert_uint_eq(p.length, n);
		ck_assert_uint_eq(p.datalen, n);
		ck_assert_uint_eq(p.siglen, 16);
		free(b);
		/* Kerberos: a 60-byte header, 16 bytes of padding */
		b = build(60, n + 16, n, &len);
		ck_assert_int_eq(parse((unsigned char *)b, len, &p, &why), 0);
		ck_assert_uint_eq(p.length, n);
		ck_assert_uint_eq(p.datalen, n + 16);
		ck_assert_uint_eq(p.siglen, 60);
		free(b);
	}
}
END_TEST

START_TEST(test_lengths)
{
	struct enc_parts p;
	const char *why;
	size_t len;
	char *b;

	/* Length says more than there is */
	b = build(16, 100, 101, &len);
	ck_assert_int_eq(parse((unsigned char *)b, len, &p, &why), -EBADMSG);
	ck_assert_str_eq(why, "shorter than its declared Length");
	free(b);
	b = build(16, 100, 4000000000u, &len);
	ck_assert_int_eq(parse((unsigned char *)b, len, &p, &why), -EBADMSG);
	free(b);
	/* more data than Length and any padding */
	b = build(16, 100 + ENC_MAX_PADDING + 1, 100, &len);
	ck_assert_int_eq(parse((unsigned char *)b, len, &p, &why), -EBADMSG);
	ck_assert_str_eq(why, "longer than its declared Length");
	free(b);
	/* signature lengths: 0, over the maximum, past the end */
	b = build(16, 100, 100, &len);
	{
		unsigned char *sl = (unsigned char *)strstr(b,
		    "octet-stream\r\n") + 14;

		memcpy(sl, "\0\0\0\0", 4);
		ck_assert_int_eq(parse((unsigned char *)b, len, &p, &why), -EBADMSG);
		memcpy(sl, "\x01\x04\0\0", 4);	/* 1025 */
		ck_assert_int_eq(parse((unsigned char *)b, len, &p, &why), -EBADMSG);
		memcpy(sl, "\xff\xff\xff\xff", 4);
		ck_assert_int_eq(parse((unsigned char *)b, len, &p, &why), -EBADMSG);
		memcpy(sl, "\x74\0\0\0", 4);	/* 116: sig eats the data */
		ck_assert_int_eq(parse((unsigned char *)b, len, &p, &why), -EBADMSG);
	}
	free(b);
}
END_TEST

START_TEST(test_corrupted)
{
	static const char *const edits[][2] = {
		{ "--Encrypted Boundary\r\n\tContent-Type", "--Encrypted Boundarx\r\n\tContent-Type" },
		{ "session-encrypted\r\n", "session-encryptes\r\n" },
		{ "OriginalContent", "OriginalContenu" },
		{ "Length=100\r\n", "Length=1a0\r\n" },
		{ "Length=100\r\n", "Length=-10\r\n" },
		{ "type=application/soap+xml", "type=application/json+xml" },
		{ "octet-stream", "octet-strean" },
		{ "Boundary\r\n\tContent-Type: application/octet", "Boundary\n\n\tContent-Type: application/octet" },
	};
	struct enc_parts p;
	const char *why;

	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		size_t len;
		char *b = build(16, 100, 100, &len);
		char *nul = malloc(len + 1);

		/* the framing, without the binary part, as a C string */
		memcpy(nul, b, len);
		nul[len] = '\0';
		if (strstr(nul, edits[i][0]) == NULL) {
			/* the closing boundary is past the binary part */
			char *at = (char *)memmem(b, len, edits[i][0],
			    strlen(edits[i][0]));

			ck_assert_ptr_nonnull(at);
			memcpy(at, edits[i][1], strlen(edits[i][1]));
		} else {
			size_t off = (size_t)(strstr(nul, edits[i][0]) - nul);

			memcpy(b + off, edits[i][1], strlen(edits[i][1]));
		}
		ck_assert_msg(parse((unsigned char *)b, len, &p, &why) == -EBADMSG,
		    "edit %zu (%s) accepted", i, edits[i][1]);
		free(nul);
		free(b);
	}
	/* the closing boundary damaged (the data holds intact copies) */
	for (size_t k = 1; k <= strlen("--Encrypted Boundary--\r\n"); k++) {
		size_t len;
		char *b = build(16, 100, 100, &len);

		b[len - k] ^= 0x20;
		ck_assert_msg(parse((unsigned char *)b, len, &p, &why) == -EBADMSG,
		    "closing boundary byte -%zu damaged, accepted", k);
		free(b);
	}
	/* extra bytes after the closing boundary */
	{
		size_t len;
		char *b = build(16, 100, 100, &len), *c = malloc(len + 2);

		memcpy(c, b, len);
		memcpy(c + len, "\r\n", 2);
		ck_assert_int_eq(parse((unsigned char *)c, len + 2, &p, &why),
		    -EBADMSG);
		free(b);
		free(c);
	}
	/* the wrong boundary given by the Content-Type */
	{
		size_t len;
		char *b = build(16, 10, 10, &len);

		ck_assert_int_eq(enc_parse("Other Boundary", (unsigned char *)b,
		    len, &p, &why), -EBADMSG);
		free(b);
	}
}
END_TEST

START_TEST(test_no_tabs)
{
	/* part headers without the leading TAB are accepted too */
	static const char head[] = "--Encrypted Boundary\r\n"
	    "Content-Type: application/HTTP-SPNEGO-session-encrypted\r\n"
	    "OriginalContent: type=application/soap+xml;charset=UTF-8;Length=3\r\n"
	    "--Encrypted Boundary\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "\x02\0\0\0SGabc--Encrypted Boundary--\r\n";
	struct enc_parts p;
	const char *why;
	unsigned char *b = malloc(sizeof(head));

	memcpy(b, head, sizeof(head));
	ck_assert_int_eq(parse(b, sizeof(head) - 1, &p, &why), 0);
	ck_assert_uint_eq(p.siglen, 2);
	ck_assert_int_eq(memcmp(p.sig, "SG", 2), 0);
	ck_assert_int_eq(memcmp(p.data, "abc", 3), 0);
	free(b);
}
END_TEST

START_TEST(test_nt_hash)
{
	char hex[33];

	/* well-known NT hashes */
	ck_assert_int_eq(nego_nt_hash("password", hex), 0);
	ck_assert_str_eq(hex, "8846F7EAEE8FB117AD06BDD830B7586C");
	ck_assert_int_eq(nego_nt_hash("", hex), 0);
	ck_assert_str_eq(hex, "31D6CFE0D16AE931B73C59D7E0C089C0");
	/* UTF-8 becomes UTF-16LE: "pässwörd" */
	ck_assert_int_eq(nego_nt_hash("p\xc3\xa4ssw\xc3\xb6rd", hex), 0);
	ck_assert_int_eq((int)strlen(hex), 32);
	/* not UTF-8 */
	ck_assert_int_eq(nego_nt_hash("\xff", hex), -1);
	ck_assert_int_eq(nego_nt_hash("a\xc3", hex), -1);
}
END_TEST

static Suite *
negotiate_suite(void)
{
	Suite *s = suite_create("negotiate");
	TCase *tc = tcase_create("framing");

	tcase_add_test(tc, test_content_type);
	tcase_add_test(tc, test_pywinrm_capture);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_lengths);
	tcase_add_test(tc, test_corrupted);
	tcase_add_test(tc, test_no_tabs);
	tcase_add_test(tc, test_nt_hash);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(negotiate_suite)
