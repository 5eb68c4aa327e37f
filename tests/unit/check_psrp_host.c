/*
 * check_psrp_host.c: the host calls of plugins/shell/psrp_host.c: which
 * plans are a Read-Host the daemon serves; the PIPELINE_HOST_CALL it
 * makes (ReadLine, ReadLineAsSecureString, Prompt with its
 * FieldDescription), written and read back; the answers read (a string, a
 * Prompt dictionary, a SecureString that must decrypt with the session
 * key, a host's error, another call id refused); the error without a
 * host; Write-Host's WriteLine2/Write1/WriteLine3 from an information
 * record, and nothing for a record that is not Write-Host's.
 */
#include "build.h"

#include <openssl/crypto.h>

#include "psrp_host.h"
#include "unit.h"

/* the plan of words, NULL-terminated */
#define PLAN(...)	((char *const[]){ __VA_ARGS__, NULL })

/* v written as CLIXML and read back (what the client gets) */
static struct clixml_value *
round_trip(struct clixml_value *v)
{
	struct clixml_value *r;
	size_t n;
	char *x, err[128];

	ck_assert_ptr_nonnull(v);
	x = clixml_write(v, &n);
	ck_assert_ptr_nonnull(x);
	r = clixml_read(x, n, &clixml_default_limits, err, sizeof(err));
	ck_assert_msg(r != NULL, "%s: %s", x, err);
	free(x);
	clixml_unref(v);
	return r;
}

static struct clixml_value *
xml(const char *s)
{
	char err[128];
	struct clixml_value *v = clixml_read(s, strlen(s),
	    &clixml_default_limits, err, sizeof(err));

	ck_assert_msg(v != NULL, "%s: %s", s, err);
	return v;
}

START_TEST(plans)
{
	struct psrp_read_host r;

	ck_assert_int_eq(psrp_read_host_plan(PLAN("Read-Host"), &r), 1);
	ck_assert_int_eq(r.method, PSRP_HOST_READ_LINE);
	ck_assert_ptr_null(r.prompt);
	psrp_read_host_clear(&r);
	ck_assert_int_eq(psrp_read_host_plan(PLAN("Read-Host",
	    "-AsSecureString", "True"), &r), 1);
	ck_assert_int_eq(r.method, PSRP_HOST_READ_LINE_AS_SECURE_STRING);
	psrp_read_host_clear(&r);
	/* -Prompt takes the rest of the words, joined with spaces */
	ck_assert_int_eq(psrp_read_host_plan(PLAN("Read-Host", "-Prompt",
	    "your", "-Prompt", "name", "|", "Out-String", "-Stream", "True"),
	    &r), 1);
	ck_assert_int_eq(r.method, PSRP_HOST_PROMPT);
	ck_assert_str_eq(r.prompt, "your name");
	ck_assert(r.out_string);
	ck_assert(r.stream);
	ck_assert(!r.secure);
	psrp_read_host_clear(&r);
	ck_assert_int_eq(psrp_read_host_plan(PLAN("Read-Host", "|",
	    "Out-String"), &r), 1);
	ck_assert(r.out_string && !r.stream);
	psrp_read_host_clear(&r);
	ck_assert_int_eq(psrp_read_host_plan(PLAN("Read-Host", "|",
	    "Out-String", "-Width", "80"), &r), 0);
	ck_assert_int_eq(psrp_read_host_plan(PLAN("Read-Host", "|",
	    "Out-Default"), &r), 1);
	psrp_read_host_clear(&r);
	/* anything else is not served here */
	ck_assert_int_eq(psrp_read_host_plan(PLAN("Get-Location"), &r), 0);
	ck_assert_int_eq(psrp_read_host_plan(PLAN("Read-Host", "|",
	    "Select-Object", "-First", "1"), &r), 0);
	ck_assert_int_eq(psrp_read_host_plan(PLAN("Read-Host", "-Prompt"),
	    &r), 0);
	ck_assert_int_eq(psrp_read_host_plan(PLAN("Read-Host", "-Other", "x"),
	    &r), 0);
	ck_assert_ptr_null(r.prompt);
}
END_TEST

START_TEST(calls)
{
	struct psrp_read_host r = { .method = PSRP_HOST_READ_LINE };
	const struct clixml_value *mp, *f;
	struct clixml_value *v;
	int64_t i;

	v = round_trip(psrp_read_host_call(&r, 1));
	ck_assert_int_eq(clixml_int(clixml_member(v, "ci"), &i), 0);
	ck_assert_int_eq(i, 1);
	ck_assert_int_eq(clixml_int(clixml_member(v, "mi"), &i), 0);
	ck_assert_int_eq(i, 11);
	ck_assert(clixml_has_type(clixml_member(v, "mi"),
	    "System.Management.Automation.Remoting.RemoteHostMethodId"));
	ck_assert_uint_eq(clixml_list_len(clixml_member(v, "mp")), 0);
	clixml_unref(v);

	r.method = PSRP_HOST_READ_LINE_AS_SECURE_STRING;
	v = round_trip(psrp_read_host_call(&r, 1));
	ck_assert_int_eq(clixml_int(clixml_member(v, "mi"), &i), 0);
	ck_assert_int_eq(i, 12);
	clixml_unref(v);

	/* Prompt("", "", [FieldDescription "pw" of SecureString]) */
	r.method = PSRP_HOST_PROMPT;
	r.prompt = (char *)"pw";
	r.secure = true;
	v = round_trip(psrp_read_host_call(&r, 5));
	ck_assert_int_eq(clixml_int(clixml_member(v, "mi"), &i), 0);
	ck_assert_int_eq(i, 23);
	mp = clixml_member(v, "mp");
	ck_assert_uint_eq(clixml_list_len(mp), 3);
	ck_assert_str_eq(clixml_str(clixml_list_at(mp, 0), NULL), "");
	ck_assert_str_eq(clixml_str(clixml_list_at(mp, 1), NULL), "");
	ck_assert_uint_eq(clixml_list_len(clixml_list_at(mp, 2)), 1);
	f = clixml_list_at(clixml_list_at(mp, 2), 0);
	ck_assert(clixml_has_type(f,
	    "System.Management.Automation.Host.FieldDescription"));
	ck_assert_str_eq(clixml_str(clixml_member(f, "name"), NULL), "pw");
	ck_assert_str_eq(clixml_str(clixml_member(f, "parameterTypeFullName"),
	    NULL), "System.Security.SecureString");
	clixml_unref(v);
}
END_TEST

START_TEST(no_host)
{
	struct psrp_read_host r = { .method = PSRP_HOST_READ_LINE };
	struct clixml_value *v = round_trip(psrp_read_host_no_ui(&r));

	ck_assert_str_eq(clixml_str(clixml_member(v, "FullyQualifiedErrorId"),
	    NULL), "HostFunctionNotImplemented,"
	    "Microsoft.PowerShell.Commands.ReadHostCommand");
	ck_assert(clixml_has_type(clixml_member(v, "Exception"),
	    "System.Management.Automation.Host.HostException"));
	clixml_unref(v);
}
END_TEST

/* a PIPELINE_HOST_RESPONSE body: ci, mi and mr (CLIXML) */
static struct clixml_value *
response(int ci, int mi, const char *mr)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "<Obj RefId=\"0\"><MS><I64 N=\"ci\">%d</I64>"
	    "<Obj N=\"mi\" RefId=\"1\"><TN RefId=\"0\"><T>System.Management."
	    "Automation.Remoting.RemoteHostMethodId</T><T>System.Enum</T>"
	    "<T>System.ValueType</T><T>System.Object</T></TN><ToString>X"
	    "</ToString><I32>%d</I32></Obj>%s</MS></Obj>", ci, mi, mr);
	return xml(buf);
}

static int
answer(const struct psrp_read_host *r, struct clixml_value *v,
    const uint8_t *key, struct clixml_value **out)
{
	struct psrp_host_response hr;
	char err[256];
	int k;

	ck_assert_int_eq(psrp_parse_host_response(v, &hr, err, sizeof(err)),
	    0);
	k = psrp_read_host_answer(r, 1, &hr, key, out, err, sizeof(err));
	if (k < 0)
		ck_assert_ptr_null(*out);
	return k;
}

START_TEST(answers)
{
	struct psrp_read_host r = { .method = PSRP_HOST_READ_LINE };
	struct clixml_value *v, *out;
	uint8_t key[PSRP_SESSION_KEY_LEN];
	char *ss, *xmltext;

	/* ReadLine: the string is the output */
	v = response(1, 11, "<S N=\"mr\">alice</S>");
	ck_assert_int_eq(answer(&r, v, NULL, &out), 0);
	ck_assert_str_eq(clixml_str(out, NULL), "alice");
	clixml_unref(out);
	/* through Out-String: the text ended with a new line */
	r.out_string = true;
	ck_assert_int_eq(answer(&r, v, NULL, &out), 0);
	ck_assert_str_eq(clixml_str(out, NULL), "alice\n");
	clixml_unref(out);
	r.out_string = false;
	clixml_unref(v);
	/* another call id, another method: refused */
	v = response(2, 11, "<S N=\"mr\">x</S>");
	ck_assert_int_eq(answer(&r, v, NULL, &out), -1);
	clixml_unref(v);
	v = response(1, 12, "<S N=\"mr\">x</S>");
	ck_assert_int_eq(answer(&r, v, NULL, &out), -1);
	clixml_unref(v);
	/* a number: not a string */
	v = response(1, 11, "<I32 N=\"mr\">3</I32>");
	ck_assert_int_eq(answer(&r, v, NULL, &out), 1);
	ck_assert_ptr_nonnull(clixml_member(out, "FullyQualifiedErrorId"));
	clixml_unref(out);
	clixml_unref(v);
	/* the host's error is the pipeline's */
	v = response(1, 11, "<Nil N=\"mr\" /><Obj N=\"me\" RefId=\"2\"><MS>"
	    "<S N=\"FullyQualifiedErrorId\">Cancelled</S></MS></Obj>");
	ck_assert_int_eq(answer(&r, v, NULL, &out), 1);
	ck_assert_str_eq(clixml_str(clixml_member(out,
	    "FullyQualifiedErrorId"), NULL), "Cancelled");
	clixml_unref(out);
	clixml_unref(v);

	/* Prompt: the dictionary's value for the field */
	r.method = PSRP_HOST_PROMPT;
	r.prompt = (char *)"Name";
	v = response(1, 23, "<Obj N=\"mr\" RefId=\"2\"><TN RefId=\"1\"><T>"
	    "System.Collections.Hashtable</T><T>System.Object</T></TN><DCT>"
	    "<En><S N=\"Key\">name</S><S N=\"Value\">bob</S></En></DCT></Obj>");
	ck_assert_int_eq(answer(&r, v, NULL, &out), 0);
	ck_assert_str_eq(clixml_str(out, NULL), "bob");
	clixml_unref(out);
	clixml_unref(v);
	v = response(1, 23, "<Obj N=\"mr\" RefId=\"2\"><DCT><En><S N=\"Key\">"
	    "other</S><S N=\"Value\">bob</S></En></DCT></Obj>");
	ck_assert_int_eq(answer(&r, v, NULL, &out), 1);
	clixml_unref(out);
	clixml_unref(v);

	/* a SecureString: decrypts with the key, goes on as it came */
	r.method = PSRP_HOST_READ_LINE_AS_SECURE_STRING;
	r.prompt = NULL;
	r.secure = true;
	ck_assert_int_eq(psrp_session_key_generate(key), 0);
	ss = psrp_securestring_encrypt(key, "s3cret", 6);
	ck_assert_ptr_nonnull(ss);
	ck_assert_int_gt(asprintf(&xmltext, "<SS N=\"mr\">%s</SS>", ss), 0);
	v = response(1, 12, xmltext);
	ck_assert_int_eq(answer(&r, v, key, &out), 0);
	ck_assert_int_eq(out->v_type, CLIXML_SECURESTRING);
	ck_assert_str_eq(clixml_str(out, NULL), ss);
	clixml_unref(out);
	/* without a key exchanged, or with another key: an error */
	ck_assert_int_eq(answer(&r, v, NULL, &out), 1);
	clixml_unref(out);
	memset(key, 0x5a, sizeof(key));
	ck_assert_int_eq(answer(&r, v, key, &out), 1);
	clixml_unref(out);
	clixml_unref(v);
	/* a plain string where a SecureString was asked for */
	v = response(1, 12, "<S N=\"mr\">plain</S>");
	ck_assert_int_eq(answer(&r, v, key, &out), 1);
	clixml_unref(out);
	clixml_unref(v);
	free(xmltext);
	free(ss);
}
END_TEST

/* Write-Host's record as winrmd-native writes it, with message data d */
static struct clixml_value *
write_call(const char *tag, const char *d)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), "<Obj RefId=\"0\"><MS>%s<Obj N=\"Tags\" "
	    "RefId=\"2\"><LST><S>%s</S></LST></Obj></MS></Obj>", d, tag);
	return psrp_host_write_call(buf, strlen(buf));
}

#define HIM(msg, nonl, fg, bg) "<Obj N=\"MessageData\" RefId=\"1\"><TN " \
	"RefId=\"0\"><T>System.Management.Automation.HostInformationMessage" \
	"</T><T>System.Object</T></TN><Props><S N=\"Message\">" msg "</S>" \
	"<B N=\"NoNewLine\">" nonl "</B>" fg bg "</Props></Obj>"

START_TEST(write_host)
{
	struct clixml_value *v;
	const struct clixml_value *mp;
	int64_t i;

	v = round_trip(write_call("PSHOST", HIM("hello", "false",
	    "<Nil N=\"ForegroundColor\" />", "<Nil N=\"BackgroundColor\" />")));
	ck_assert_int_eq(clixml_int(clixml_member(v, "ci"), &i), 0);
	ck_assert_int_eq(i, PSRP_VOID_CALL_ID);
	ck_assert_int_eq(clixml_int(clixml_member(v, "mi"), &i), 0);
	ck_assert_int_eq(i, PSRP_HOST_WRITE_LINE2);
	mp = clixml_member(v, "mp");
	ck_assert_uint_eq(clixml_list_len(mp), 1);
	ck_assert_str_eq(clixml_str(clixml_list_at(mp, 0), NULL), "hello");
	clixml_unref(v);

	v = round_trip(write_call("PSHOST", HIM("part", "true", "", "")));
	ck_assert_int_eq(clixml_int(clixml_member(v, "mi"), &i), 0);
	ck_assert_int_eq(i, PSRP_HOST_WRITE1);
	clixml_unref(v);

	/* a colour: WriteLine3(fg, bg, text), the other colour Black */
	v = round_trip(write_call("PSHOST", HIM("red", "false",
	    "<I32 N=\"ForegroundColor\">12</I32>", "")));
	ck_assert_int_eq(clixml_int(clixml_member(v, "mi"), &i), 0);
	ck_assert_int_eq(i, PSRP_HOST_WRITE_LINE3);
	mp = clixml_member(v, "mp");
	ck_assert_uint_eq(clixml_list_len(mp), 3);
	ck_assert_int_eq(clixml_int(clixml_list_at(mp, 0), &i), 0);
	ck_assert_int_eq(i, 12);
	ck_assert(clixml_has_type(clixml_list_at(mp, 0), "System.ConsoleColor"));
	ck_assert_int_eq(clixml_int(clixml_list_at(mp, 1), &i), 0);
	ck_assert_int_eq(i, 0);
	ck_assert_str_eq(clixml_str(clixml_list_at(mp, 2), NULL), "red");
	clixml_unref(v);

	/* not Write-Host's: no call */
	ck_assert_ptr_null(write_call("OTHER", HIM("x", "false", "", "")));
	ck_assert_ptr_null(write_call("PSHOST",
	    "<S N=\"MessageData\">plain</S>"));
	ck_assert_ptr_null(psrp_host_write_call("<Obj", 4));
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("psrp_host");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, plans);
	tcase_add_test(tc, calls);
	tcase_add_test(tc, no_host);
	tcase_add_test(tc, answers);
	tcase_add_test(tc, write_host);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
