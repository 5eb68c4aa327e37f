/*
 * check_ansible.c: plugins/shell/ansible.c.  The recognisers on the scripts
 * Ansible really sent (tests/data/ansible, decoded from the captures, and
 * whole Command requests through cmdline.c's decoding), on variants (other
 * quoting, line endings, case, another tmp name) and on mangled scripts
 * that must not be recognised and must fail clearly; PowerShell
 * single-quote unescaping; the module payload split and its JSON.
 */
#include "build.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ansible.h"
#include "cmdline.h"
#include "unit.h"

static bool psrp;	/* expect() as a PSRP pipeline's script */

/* recognises script; checks kind and argv (NULL-terminated expectations) */
static void
expect(const char *script, enum ansible_kind kind, const char *const *argv)
{
	struct ansible_native n;

	ck_assert_int_eq(psrp ? ansible_recognise_psrp(script, &n) :
	    ansible_recognise(script, &n), 0);
	ck_assert_msg(n.kind == kind, "kind %d, expected %d (%s) for:\n%s",
	    n.kind, kind, n.why ? n.why : "", script);
	for (size_t i = 0; argv != NULL && argv[i] != NULL; i++) {
		ck_assert_msg(n.argv[i] != NULL, "argv[%zu] missing", i);
		ck_assert_str_eq(n.argv[i], argv[i]);
	}
	if (argv != NULL) {
		size_t k = 0;

		while (argv[k] != NULL)
			k++;
		ck_assert_ptr_null(n.argv[k]);
	}
	if (kind == AK_MALFORMED) {
		ck_assert_ptr_nonnull(n.why);
		ck_assert_msg(strstr(n.why, "looks like Ansible's") != NULL,
		    "unclear message: %s", n.why);
	}
	ansible_native_free(&n);
}

static void
expect_file(const char *name, enum ansible_kind kind, const char *const *argv)
{
	char *s = unit_read_data(name, NULL);

	expect(s, kind, argv);
	free(s);
}

/* text with every occurrence of from replaced by to (malloc'd) */
static char *
replace(const char *text, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to), n = 0;
	const char *p;
	char *out, *o;

	for (p = text; (p = strstr(p, from)) != NULL; p += fl)
		n++;
	out = malloc(strlen(text) + n * (tl + 1) + 1);
	ck_assert_ptr_nonnull(out);
	for (o = out, p = text;;) {
		const char *q = strstr(p, from);

		if (q == NULL) {
			strcpy(o, p);
			break;
		}
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		memcpy(o, to, tl);
		o += tl;
		p = q + fl;
	}
	return out;
}

static void
expect_variant(const char *name, const char *from, const char *to,
    enum ansible_kind kind, const char *const *argv)
{
	char *s = unit_read_data(name, NULL), *v = replace(s, from, to);

	ck_assert_msg(strcmp(s, v) != 0 || strcmp(from, to) == 0,
	    "the variant of %s changes nothing (%s)", name, from);
	expect(v, kind, argv);
	free(v);
	free(s);
}

#define TMP "C:\\Users\\vagrant\\AppData\\Local\\Temp\\"

/* --------------------------------------------------------- captures */

START_TEST(test_captured_scripts)
{
	static const char *const put[] = { "put_file", TMP
	    "ansible-tmp-1795616842.5725842-11103-181009272546235\\source",
	    NULL };
	static const char *const fetch[] = { "fetch_file",
	    "C:\\temp\\it's remote.log", "0", "524288", NULL };
	static const char *const fetch2[] = { "fetch_file",
	    "C:\\temp\\large.bin", "524288", "524288", NULL };
	static const char *const mk[] = { "mkdtemp", "%TEMP%",
	    "ansible-tmp-1795616849.7693133-11337-118917270757590", NULL };
	static const char *const rm[] = { "remove", TMP
	    "ansible-tmp-1795616849.7693133-11337-118917270757590\\.",
	    "recurse", NULL };
	static const char *const home[] = { "expand_user",
	    "\\logs\\it's here.txt", NULL };
	static const char *const raw[] = { "echo", "hello raw", NULL };

	expect_file("ansible/bootstrap.ps1", AK_BOOTSTRAP, NULL);
	expect_file("ansible/put_file.ps1", AK_HELPER, put);
	expect_file("ansible/fetch_file.ps1", AK_HELPER, fetch);
	expect_file("ansible/fetch_file_offset.ps1", AK_HELPER, fetch2);
	expect_file("ansible/mkdtemp.ps1", AK_HELPER, mk);
	expect_file("ansible/remove.ps1", AK_HELPER, rm);
	expect_file("ansible/expand_user_sub.ps1", AK_HELPER, home);
	/* raw's Write-Output 'x' means the same natively: print x */
	expect_file("ansible/raw.ps1", AK_HELPER, raw);
}
END_TEST

/*
 * Ansible's psrp connection: the bootstrap as the winrm connection's, a raw
 * command with "\nexit $LASTEXITCODE" after it (exec_command's wrapping)
 */
START_TEST(test_psrp_scripts)
{
	static const char *const raw[] = { "echo", "hello raw", NULL };
	char *s = unit_read_data("ansible/raw.ps1", NULL), *t;

	psrp = true;
	expect_file("ansible/2.19/bootstrap.ps1", AK_BOOTSTRAP, NULL);
	t = malloc(strlen(s) + 32);
	ck_assert_ptr_nonnull(t);
	sprintf(t, "%s\nexit $LASTEXITCODE", s);
	expect(t, AK_HELPER, raw);
	sprintf(t, "%s\r\nexit $LASTEXITCODE\r\n", s);
	expect(t, AK_HELPER, raw);
	free(t);
	free(s);
	expect("echo hi\nexit $LASTEXITCODE", AK_NONE, NULL);
	expect("exit $LASTEXITCODE", AK_NONE, NULL);
	/* site.yml's mangled put_file, as raw sends it over psrp */
	expect("begin {\n$pth = 'C:\\never'\n"
	    "$fd = [System.IO.File]::Create($path)\n}\nprocess {\n"
	    "$bytes = [System.Convert]::FromBase64String($input)\n}\n"
	    "exit $LASTEXITCODE", AK_MALFORMED, NULL);
	psrp = false;
}
END_TEST

/* the Arguments of a captured Command, through cmdline.c's decoding */
static char *
decoded_command(const char *xml_name)
{
	char *xml = unit_read_data(xml_name, NULL), *a, *e, *args[1];
	struct cmdline cl;
	char *text;

	a = strstr(xml, "<rsp:Arguments>");
	ck_assert_ptr_nonnull(a);
	a += strlen("<rsp:Arguments>");
	e = strstr(a, "</rsp:Arguments>");
	ck_assert_ptr_nonnull(e);
	*e = '\0';
	args[0] = a;
	ck_assert_int_eq(cmdline_parse("PowerShell", args, 1, false, &cl), 0);
	ck_assert_int_eq(cl.kind, CMD_POWERSHELL);
	text = strdup(cl.text);
	cmdline_free(&cl);
	free(xml);
	return text;
}

START_TEST(test_captured_commands)
{
	static const char *const fetch[] = { "fetch_file",
	    "C:\\temp\\it's remote.log", "0", "524288", NULL };
	char *s = decoded_command("ansible/win_ping-02-Command.xml");

	/* two -EncodedCommand layers unwrapped: the bootstrap */
	expect(s, AK_BOOTSTRAP, NULL);
	free(s);
	s = decoded_command("ansible/fetch-08-Command.xml");
	expect(s, AK_HELPER, fetch);
	free(s);
}
END_TEST

/* --------------------------------------------------------- variants */

START_TEST(test_variants)
{
	static const char *const put_q[] = { "put_file",
	    "C:\\O'Brien\\it\xe2\x80\x99s.txt", NULL };
	static const char *const put_tmp[] = { "put_file",
	    "/tmp/ansible-tmp-1-2-3/source", NULL };
	static const char *const mk_other[] = { "mkdtemp", "$env:TEMP\\ansible",
	    "ansible-tmp-99.1-2-3", NULL };
	static const char *const rm_file[] = { "remove", "C:\\x\\f.txt",
	    "file", NULL };
	static const char *const home[] = { "expand_user", NULL };
	static const char *const lit[] = { "echo", "~vagrant", NULL };
	static const char *const fetch3[] = { "fetch_file", "C:\\a b\\c",
	    "1048576", "524288", NULL };

	/* other quoting in the path: doubled ' and doubled U+2019 */
	expect_variant("ansible/put_file.ps1", "'" TMP
	    "ansible-tmp-1795616842.5725842-11103-181009272546235\\source'",
	    "'C:\\O''Brien\\it\xe2\x80\x99\xe2\x80\x99s.txt'", AK_HELPER, put_q);
	/* another tmp name, a Linux path */
	expect_variant("ansible/put_file.ps1", TMP
	    "ansible-tmp-1795616842.5725842-11103-181009272546235\\source",
	    "/tmp/ansible-tmp-1-2-3/source", AK_HELPER, put_tmp);
	/* CRLF line endings and indentation, as an unnormalised script */
	expect_variant("ansible/put_file.ps1", "\n", "\r\n    ", AK_HELPER,
	    (const char *const []){ "put_file", TMP
	    "ansible-tmp-1795616842.5725842-11103-181009272546235\\source",
	    NULL });
	/* another remote_tmp and name; other case */
	{
		char *s = unit_read_data("ansible/mkdtemp.ps1", NULL);
		char *v1 = replace(s, "%TEMP%", "$env:TEMP\\ansible");
		char *v2 = replace(v1, "ansible-tmp-1795616849.7693133-11337-"
		    "118917270757590", "ansible-tmp-99.1-2-3");
		char *v3 = replace(v2, "Set-StrictMode", "set-strictmode");

		expect(v3, AK_HELPER, mk_other);
		free(s);
		free(v1);
		free(v2);
		free(v3);
	}
	expect("Set-StrictMode -Version Latest\nRemove-Item 'C:\\x\\f.txt' "
	    "-Force;\nIf (-not $?) { If (Get-Variable LASTEXITCODE "
	    "-ErrorAction SilentlyContinue) { exit $LASTEXITCODE } Else { exit "
	    "1 } }", AK_HELPER, rm_file);
	expect("Set-StrictMode -Version Latest\nWrite-Output (Get-Location).Path\n"
	    "If (-not $?) { exit 1 }", AK_HELPER, home);
	expect("Set-StrictMode -Version Latest\r\nWrite-Output '~vagrant'\r\n",
	    AK_HELPER, lit);
	expect_variant("ansible/fetch_file_offset.ps1", "$offset = 524288",
	    "$offset = 1048576", AK_HELPER, (const char *const []){
	    "fetch_file", "C:\\temp\\large.bin", "1048576", "524288", NULL });
	expect_variant("ansible/fetch_file_offset.ps1", "'C:\\temp\\large.bin'",
	    "'C:\\a b\\c'", AK_HELPER, (const char *const []){ "fetch_file",
	    "C:\\a b\\c", "524288", "524288", NULL });
	(void)fetch3;
	/* exists and checksum, from powershell.py's templates */
	expect("Set-StrictMode -Version Latest\nIf (Test-Path 'C:\\it''s')\n{\n"
	    "$res = 0;\n}\nElse\n{\n$res = 1;\n}\nWrite-Output '$res';\n"
	    "Exit $res;", AK_HELPER, (const char *const []){ "exists",
	    "C:\\it's", NULL });
	expect("Set-StrictMode -Version Latest\nIf (Test-Path -PathType Leaf "
	    "'C:\\f')\n{\n$sp = new-object -TypeName System.Security."
	    "Cryptography.SHA1CryptoServiceProvider;\n$fp = [System.IO.File]::"
	    "Open('C:\\f', [System.IO.Filemode]::Open, [System.IO.FileAccess]::"
	    "Read);\n[System.BitConverter]::ToString($sp.ComputeHash($fp))."
	    "Replace(\"-\", \"\").ToLower();\n$fp.Dispose();\n}\nElseIf "
	    "(Test-Path -PathType Container 'C:\\f')\n{\nWrite-Output \"3\";\n}"
	    "\nElse\n{\nWrite-Output \"1\";\n}", AK_HELPER,
	    (const char *const []){ "checksum", "C:\\f", NULL });
}
END_TEST

/* ------------------------------------------------------------ mangled */

START_TEST(test_mangled)
{
	/* put_file without its $path line, or with an unterminated one */
	expect_variant("ansible/put_file.ps1", "$path = '", "$pth = '",
	    AK_MALFORMED, NULL);
	expect_variant("ansible/put_file.ps1", "\\source'", "\\source",
	    AK_MALFORMED, NULL);
	expect_variant("ansible/put_file.ps1", "TransformFinalBlock", "Finish",
	    AK_MALFORMED, NULL);
	/* fetch_file with an offset that is not a number */
	expect_variant("ansible/fetch_file_offset.ps1", "$offset = 524288",
	    "$offset = 5x", AK_MALFORMED, NULL);
	expect_variant("ansible/fetch_file.ps1", "IO.FileStream", "IO.Stream",
	    AK_MALFORMED, NULL);
	/* mkdtemp whose name is a path */
	expect_variant("ansible/mkdtemp.ps1", "-Name 'ansible-tmp-",
	    "-Name '..\\..\\ansible-tmp-", AK_MALFORMED, NULL);
	expect_variant("ansible/mkdtemp.ps1", "-Name '", "-Name \"",
	    AK_MALFORMED, NULL);
	/* remove with more than its one line */
	expect_variant("ansible/remove.ps1", " -Force -Recurse;",
	    " -Force -Recurse; Remove-Item 'C:\\' -Recurse", AK_MALFORMED, NULL);
	/* expand_user in another shape */
	expect("Write-Output ((Get-Location).Path + \"\\x\")", AK_MALFORMED,
	    NULL);
	/* a bootstrap that does not read $input */
	expect_variant("ansible/bootstrap.ps1", "$input", "$stdin",
	    AK_MALFORMED, NULL);
	/* not Ansible's at all: left to the shell path */
	expect("echo hello", AK_NONE, NULL);
	expect("Get-ChildItem C:\\", AK_NONE, NULL);
	expect("", AK_NONE, NULL);
}
END_TEST

/* ------------------------------------------------------------ literals */

static void
literal(const char *in, const char *want, size_t rest)
{
	const char *end = NULL;
	char *s = ansible_ps_literal(in, &end);

	if (want == NULL) {
		ck_assert_ptr_null(s);
		return;
	}
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, want);
	ck_assert_uint_eq(strlen(end), rest);
	free(s);
}

START_TEST(test_literals)
{
	literal("'plain'", "plain", 0);
	literal("'it''s'", "it's", 0);
	literal("'it''s' -Force", "it's", 7);
	literal("''''", "'", 0);
	literal("''", "", 0);
	/* the typographic quotes Ansible's _escape() doubles too */
	literal("'a\xe2\x80\x98\xe2\x80\x98" "b'", "a\xe2\x80\x98" "b", 0);
	literal("\xe2\x80\x99x\xe2\x80\x99", "x", 0);
	literal("'a\xe2\x80\x9a\xe2\x80\x9a\xe2\x80\x9b\xe2\x80\x9b'",
	    "a\xe2\x80\x9a\xe2\x80\x9b", 0);
	/* backslashes and $ are plain in single quotes */
	literal("'C:\\x\\$env:TEMP'", "C:\\x\\$env:TEMP", 0);
	literal("'unterminated", NULL, 0);
	literal("'x''", NULL, 0);
	literal("\"double\"", NULL, 0);
	literal("x", NULL, 0);
}
END_TEST

/* ------------------------------------------------------------ payloads */

/* exec_wrapper + "\0\0\0\0" + JSON text of a fixture */
static unsigned char *
stdin_of(const char *payload_name, size_t *ret_len)
{
	size_t wl, jl;
	char *w = unit_read_data("ansible/exec_wrapper.ps1", &wl);
	char *j = unit_read_data(payload_name, &jl);
	unsigned char *buf = malloc(wl + 4 + jl);

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, w, wl);
	memset(buf + wl, 0, 4);
	memcpy(buf + wl + 4, j, jl);
	*ret_len = wl + 4 + jl;
	free(w);
	free(j);
	return buf;
}

static struct json_object *
reduced(const struct ansible_payload *p)
{
	struct json_object *o = json_tokener_parse(p->json);

	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(strlen(p->json), p->json_len);
	return o;
}

static bool
has_key(struct json_object *o, const char *k)
{
	return json_object_object_get_ex(o, k, NULL);
}

START_TEST(test_payload_win_ping)
{
	size_t len;
	char *buf = unit_read_data("ansible/win_ping.stdin", &len), why[256];
	struct ansible_payload p;
	struct json_object *o, *v;

	ck_assert_int_eq(ansible_payload_parse((unsigned char *)buf, len, &p, why,
	    sizeof(why)), 0);
	ck_assert_str_eq(p.module, "win_ping");
	ck_assert_str_eq(p.module_full, "ansible.windows.win_ping");
	ck_assert(!p.become && !p.async && !p.check_mode);
	ck_assert(ansible_module_native(p.module));
	o = reduced(&p);
	ck_assert(json_object_object_get_ex(o, "module", &v));
	ck_assert_str_eq(json_object_get_string(v), "win_ping");
	ck_assert(has_key(o, "module_args") && has_key(o, "environment") &&
	    has_key(o, "actions"));
	/* the wrapper bodies stay behind: the JSON shrinks */
	ck_assert(!has_key(o, "module_entry") && !has_key(o, "csharp_utils") &&
	    !has_key(o, "powershell_modules") && !has_key(o, "module_wrapper"));
	ck_assert_uint_lt(p.json_len, 2048);
	json_object_put(o);
	ansible_payload_free(&p);
	free(buf);
}
END_TEST

START_TEST(test_payload_async_become_script)
{
	struct ansible_payload p;
	struct json_object *o, *v;
	unsigned char *buf;
	char why[256];
	size_t len;

	buf = stdin_of("ansible/async-02.payload.json", &len);
	ck_assert_int_eq(ansible_payload_parse(buf, len, &p, why, sizeof(why)), 0);
	ck_assert_str_eq(p.module, "win_shell");
	ck_assert(p.async && !p.become);
	ck_assert_str_eq(p.async_jid, "j156888049881");
	ck_assert_int_eq(p.async_timeout, 10);
	o = reduced(&p);
	ck_assert(json_object_object_get_ex(o, "environment", &v));
	ck_assert(json_object_object_get_ex(v, "ANSIBLE_ASYNC_DIR", NULL));
	ck_assert(has_key(o, "async_jid") && has_key(o, "async_timeout_sec"));
	json_object_put(o);
	ansible_payload_free(&p);
	free(buf);

	buf = stdin_of("ansible/async-07.payload.json", &len);
	ck_assert_int_eq(ansible_payload_parse(buf, len, &p, why, sizeof(why)), 0);
	ck_assert_str_eq(p.module, "async_status");
	ck_assert(!p.async);
	ansible_payload_free(&p);
	free(buf);

	buf = stdin_of("ansible/become-runas-02.payload.json", &len);
	ck_assert_int_eq(ansible_payload_parse(buf, len, &p, why, sizeof(why)), 0);
	ck_assert_str_eq(p.module, "win_command");
	ck_assert(p.become);
	ck_assert_str_eq(p.become_user, "otheruser");
	ck_assert_str_eq(p.become_password, "Pa$$w0rd");
	/* the password never reaches winrmd-native */
	ck_assert_ptr_null(strstr(p.json, "Pa$$w0rd"));
	ck_assert_ptr_null(strstr(p.json, "become_password"));
	ansible_payload_free(&p);
	free(buf);

	buf = stdin_of("ansible/script-sh-11.payload.json", &len);
	ck_assert_int_eq(ansible_payload_parse(buf, len, &p, why, sizeof(why)), 0);
	ck_assert_str_eq(p.module, "script");
	o = reduced(&p);
	ck_assert(has_key(o, "module_entry"));	/* script needs it */
	json_object_put(o);
	ansible_payload_free(&p);
	free(buf);

	buf = stdin_of("ansible/win_copy-directory-02.payload.json", &len);
	ck_assert_int_eq(ansible_payload_parse(buf, len, &p, why, sizeof(why)), 0);
	ck_assert_str_eq(p.module, "win_copy");
	ck_assert(strstr(p.json, "dHJlZS9zdWI") == NULL);
	ck_assert(strstr(p.json, "\"tree/sub\"") != NULL);
	ansible_payload_free(&p);
	free(buf);
}
END_TEST

static void
expect_bad(const char *text, size_t len, const char *what)
{
	struct ansible_payload p;
	char why[256] = "";

	ck_assert_int_eq(ansible_payload_parse((const unsigned char *)text, len,
	    &p, why, sizeof(why)), -EINVAL);
	ck_assert_msg(strstr(why, what) != NULL, "\"%s\" does not say %s", why,
	    what);
	ck_assert_ptr_null(p.json);
	ck_assert_ptr_null(p.module);
}

#define BAD(lit, what) expect_bad(lit, sizeof(lit) - 1, what)

START_TEST(test_payload_bad)
{
	struct ansible_payload p;
	char why[256];

	BAD("no separator {}", "four NUL");
	BAD("w\0\0\0\0", "empty");
	BAD("w\0\0\0\0not json", "not JSON");
	BAD("w\0\0\0\0{\"actions\": [\"module_powershell_wrapper\"]", "not JSON");
	BAD("w\0\0\0\0[1, 2]", "not a JSON object");
	BAD("w\0\0\0\0{} trailing", "after its JSON");
	BAD("w\0\0\0\0{\"module_args\": {}}", "actions");
	BAD("w\0\0\0\0{\"actions\": [1], \"module_args\": {}}", "not strings");
	BAD("w\0\0\0\0{\"actions\": [\"module_powershell_wrapper\"]}",
	    "module_args");
	BAD("w\0\0\0\0{\"actions\": [\"module_powershell_wrapper\"], "
	    "\"module_args\": {}}", "_ansible_module_name");
	BAD("w\0\0\0\0{\"actions\": [\"async_wrapper\"], \"module_args\": "
	    "{\"_ansible_module_name\": \"x\"}, \"async_jid\": \"../j1\", "
	    "\"async_timeout_sec\": 5}", "async_jid");
	BAD("w\0\0\0\0{\"actions\": [\"async_wrapper\"], \"module_args\": "
	    "{\"_ansible_module_name\": \"x\"}, \"async_jid\": \"j1\"}",
	    "async_timeout_sec");
	/* deeper than the tokenizer allows */
	{
		char deep[400] = "w\0\0\0\0";
		size_t n = 5;

		for (int i = 0; i < 100; i++)
			deep[n++] = '[';
		deep[n] = '\0';
		expect_bad(deep, n, "not JSON");
	}
	/* the split is at the first four NULs; the JSON may follow \0\0\0\0\0 */
	{
		static const char t[] = "a\0\0\0\0{\"actions\": "
		    "[\"module_powershell_wrapper\"], \"module_args\": "
		    "{\"_ansible_module_name\": \"win_stat\", "
		    "\"_ansible_check_mode\": true}}";

		ck_assert_int_eq(ansible_payload_parse((const unsigned char *)t,
		    sizeof(t) - 1, &p, why, sizeof(why)), 0);
		ck_assert_str_eq(p.module, "win_stat");
		ck_assert(p.check_mode);
		ansible_payload_free(&p);
	}
	ck_assert(!ansible_module_native("win_regedit"));
	ck_assert(!ansible_module_native(NULL));
	ck_assert(ansible_module_native("setup"));
}
END_TEST

/* the refusal's list is the table's: every name in it is native */
START_TEST(test_native_list)
{
	char buf[512], small[12], *save = NULL;
	size_t n = 0;

	ansible_native_list(buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, "win_ping, win_command, ", 23) == 0, "%s",
	    buf);
	ck_assert_ptr_nonnull(strstr(buf, " and async_status"));
	for (char *w = strtok_r(buf, ", ", &save); w != NULL;
	    w = strtok_r(NULL, ", ", &save)) {
		if (strcmp(w, "and") == 0)
			continue;
		ck_assert_msg(ansible_module_native(w), "%s", w);
		n++;
	}
	ck_assert_uint_eq(n, 12);
	/* a short buffer: cut, still a string */
	ansible_native_list(small, sizeof(small));
	ck_assert_str_eq(small, "win_ping, w");
}
END_TEST

START_TEST(test_fail_json)
{
	char *s = ansible_fail_json("a \"quoted\" \\ message\n");
	struct json_object *o, *v;

	ck_assert_ptr_nonnull(s);
	ck_assert(strlen(s) > 2 && strcmp(s + strlen(s) - 2, "\r\n") == 0);
	o = json_tokener_parse(s);
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "failed", &v) &&
	    json_object_get_boolean(v));
	ck_assert(json_object_object_get_ex(o, "msg", &v));
	ck_assert_str_eq(json_object_get_string(v), "a \"quoted\" \\ message\n");
	json_object_put(o);
	free(s);
}
END_TEST

static Suite *
ansible_suite(void)
{
	Suite *s = suite_create("ansible");
	TCase *tc = tcase_create("recognise");

	tcase_add_test(tc, test_captured_scripts);
	tcase_add_test(tc, test_captured_commands);
	tcase_add_test(tc, test_psrp_scripts);
	tcase_add_test(tc, test_variants);
	tcase_add_test(tc, test_mangled);
	tcase_add_test(tc, test_literals);
	suite_add_tcase(s, tc);
	tc = tcase_create("payload");
	tcase_add_test(tc, test_payload_win_ping);
	tcase_add_test(tc, test_payload_async_become_script);
	tcase_add_test(tc, test_payload_bad);
	tcase_add_test(tc, test_native_list);
	tcase_add_test(tc, test_fail_json);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(ansible_suite)
