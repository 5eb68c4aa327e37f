/*
 * check_ansible_manifest.c: plugins/shell/ansible.c on what ansible-core
 * 2.19 sends (tests/data/ansible/2.19, captured with ansible.windows 3.3.0):
 * its bootstrap_wrapper.ps1 is recognised as the bootstrap; its stdin (a
 * JSON line naming the exec wrapper, four NULs, the exec manifest) is ready
 * once the manifest is in, and put_file's base64 lines come after; the
 * manifest's helpers become winrmd-native's argv, its module runs (become,
 * async, script) the same reduced JSON 2.14's payload gives; manifests
 * that are not what Ansible sends fail with a sentence, never silently.
 * The psrp connection's pipelines (2.19/psrp: the script and the input
 * objects) give the bootstrap the same stdin, a line per object.
 */
#include "build.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "ansible.h"
#include "unit.h"

#define DIR	"ansible/2.19/"

static unsigned char *
data(const char *name, size_t *ret_len)
{
	return (unsigned char *)unit_read_data(name, ret_len);
}

/* a fixture's stdin parsed as the bootstrap would get it at its end */
static void
parse_ok(const char *name, struct ansible_payload *p)
{
	size_t len, input, ready;
	unsigned char *buf = data(name, &len);
	char why[256] = "";

	ready = ansible_payload_ready(buf, len, true, &input);
	ck_assert_uint_gt(ready, 0);
	ck_assert_msg(ansible_payload_parse(buf, ready, p, why, sizeof(why)) == 0,
	    "%s: %s", name, why);
	free(buf);
}

static void
expect_helper(const char *name, const char *const *argv)
{
	struct ansible_payload p;
	size_t k = 0;

	parse_ok(name, &p);
	ck_assert_ptr_null(p.module);
	ck_assert_ptr_null(p.json);
	for (; argv[k] != NULL; k++) {
		ck_assert_msg(p.helper[k] != NULL, "%s: helper[%zu] missing",
		    name, k);
		ck_assert_str_eq(p.helper[k], argv[k]);
	}
	ck_assert_ptr_null(p.helper[k]);
	ansible_payload_free(&p);
}

static struct json_object *
reduced(const struct ansible_payload *p)
{
	struct json_object *o = json_tokener_parse(p->json);

	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(strlen(p->json), p->json_len);
	return o;
}

static const char *
member(struct json_object *o, const char *key)
{
	struct json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
	return json_object_get_string(v);
}

/* text with the first occurrence of from replaced by to (malloc'd) */
static char *
replace1(const char *text, size_t len, const char *from, const char *to,
    size_t *ret_len)
{
	const char *at = memmem(text, len, from, strlen(from));
	size_t fl = strlen(from), tl = strlen(to);
	char *out;

	ck_assert_msg(at != NULL, "\"%s\" is not in the fixture", from);
	out = malloc(len - fl + tl + 1);
	ck_assert_ptr_nonnull(out);
	memcpy(out, text, (size_t)(at - text));
	memcpy(out + (at - text), to, tl);
	memcpy(out + (at - text) + tl, at + fl, len - (size_t)(at - text) - fl);
	*ret_len = len - fl + tl;
	out[*ret_len] = '\0';
	return out;
}

/* -------------------------------------------------------------- scripts */

START_TEST(test_bootstrap)
{
	static const char *const names[] = { DIR "bootstrap.ps1",
	    DIR "bootstrap-strict.ps1" };

	for (size_t i = 0; i < 2; i++) {
		char *s = unit_read_data(names[i], NULL), *t;
		struct ansible_native n;
		size_t len;

		ck_assert_int_eq(ansible_recognise(s, &n), 0);
		ck_assert_int_eq(n.kind, AK_BOOTSTRAP);
		ansible_native_free(&n);
		/* without piping its input to the script: refused */
		t = replace1(s, strlen(s), "$input | & $cmd", "& $cmd", &len);
		ck_assert_int_eq(ansible_recognise(t, &n), 0);
		ck_assert_int_eq(n.kind, AK_MALFORMED);
		ck_assert_ptr_nonnull(strstr(n.why, "module bootstrap"));
		ansible_native_free(&n);
		free(t);
		free(s);
	}
}
END_TEST

/* ---------------------------------------------------------- readiness */

START_TEST(test_ready)
{
	size_t len, input, ready;
	unsigned char *buf = data(DIR "put_file.stdin", &len);
	const unsigned char *sep2;

	/* put_file: the manifest ends at the second NUL line */
	ready = ansible_payload_ready(buf, len, false, &input);
	sep2 = memmem(memmem(buf, len, "\0\0\0\0", 4) + 4, len, "\0\0\0\0", 4);
	ck_assert_ptr_nonnull(sep2);
	ck_assert_uint_eq(ready, (size_t)(sep2 - buf));
	ck_assert_uint_eq(input, ready + 5);	/* after "\0\0\0\0\n" */
	ck_assert_uint_lt(input, len);
	ck_assert(buf[input] != '\n' && buf[input] != '\0');
	/* not before: byte by byte, nothing is ready until that line ends */
	for (size_t n = 0; n <= ready + 4; n++)
		ck_assert_uint_eq(ansible_payload_ready(buf, n, false, &input), 0);
	ck_assert_uint_eq(ansible_payload_ready(buf, ready + 5, false, &input),
	    ready);
	ck_assert_uint_eq(input, ready + 5);
	/* at the end of stdin without its line end: ready, no input */
	ck_assert_uint_eq(ansible_payload_ready(buf, ready + 4, true, &input),
	    ready);
	ck_assert_uint_eq(input, ready + 4);
	free(buf);

	/* a module: its manifest is the rest of stdin, ready at the end */
	buf = data(DIR "win_ping.stdin", &len);
	ck_assert_uint_eq(ansible_payload_ready(buf, len, false, &input), 0);
	ck_assert_uint_eq(ansible_payload_ready(buf, len, true, &input), len);
	ck_assert_uint_eq(input, len);
	free(buf);

	/* 2.14's payload (exec wrapper text first): only at the end */
	buf = data("ansible/win_ping.stdin", &len);
	ck_assert_uint_eq(ansible_payload_ready(buf, len, false, &input), 0);
	ck_assert_uint_eq(ansible_payload_ready(buf, len, true, &input), len);
	free(buf);
	ck_assert_uint_eq(ansible_payload_ready((const unsigned char *)"", 0,
	    true, &input), 0);
}
END_TEST

/* ------------------------------------------------------------- helpers */

START_TEST(test_helpers)
{
	static const char *const mkdtemp[] = { "mkdtemp",
	    "%TEMP%\\wrt-tmp-8b410c36",
	    "ansible-tmp-1796619121.9354315-11555-269764920256158", NULL };
	static const char *const put[] = { "put_file",
	    "\\tmp\\wrt-tmp-8b410c36\\ansible-tmp-1796619132.3173633-11843-"
	    "193392497399600\\source", NULL };
	static const char *const fetch[] = { "fetch_file", "C:\\work\\wt\\"
	    "clients\\_build\\dev\\tests\\interop\\ansible_native.work\\Rr0QjW\\"
	    "target\\copies\\empty.bin", "0", "524288", NULL };
	static const char *const home[] = { "expand_user",
	    "\\winrmd-home-file.txt", NULL };

	expect_helper(DIR "mkdtemp.stdin", mkdtemp);
	expect_helper(DIR "put_file.stdin", put);
	expect_helper(DIR "fetch_file.stdin", fetch);
	expect_helper(DIR "expand_user_sub.stdin", home);
}
END_TEST

/* a fixture with one string replaced, parsed: 0 or -EINVAL, why */
static int
parse_variant(const char *name, const char *from, const char *to,
    struct ansible_payload *p, char *why, size_t whylen)
{
	size_t len, vlen, input, ready;
	char *buf = unit_read_data(name, &len);
	char *v = replace1(buf, len, from, to, &vlen);
	int r;

	ready = ansible_payload_ready((unsigned char *)v, vlen, true, &input);
	r = ansible_payload_parse((unsigned char *)v, ready, p, why, whylen);
	free(v);
	free(buf);
	return r;
}

START_TEST(test_helper_variants)
{
	struct ansible_payload p;
	char why[256];

	/* expand_user of ~ alone, and of a path that is not the home's */
	ck_assert_int_eq(parse_variant(DIR "expand_user_sub.stdin",
	    "\"~\\\\winrmd-home-file.txt\"", "\"~\"", &p, why, sizeof(why)), 0);
	ck_assert_str_eq(p.helper[0], "expand_user");
	ck_assert_ptr_null(p.helper[1]);
	ansible_payload_free(&p);
	ck_assert_int_eq(parse_variant(DIR "expand_user_sub.stdin",
	    "\"~\\\\winrmd-home-file.txt\"", "\"D:\\\\data\"", &p, why,
	    sizeof(why)), 0);
	ck_assert_str_eq(p.helper[0], "echo");
	ck_assert_str_eq(p.helper[1], "D:\\data");
	ansible_payload_free(&p);
	/* a fetch offset given as text is read as a number */
	ck_assert_int_eq(parse_variant(DIR "fetch_file.stdin", "\"Offset\": 0",
	    "\"Offset\": \"1048576\"", &p, why, sizeof(why)), 0);
	ck_assert_str_eq(p.helper[2], "1048576");
	ansible_payload_free(&p);

	/* what Ansible never sends: refused with a reason */
	ck_assert_int_eq(parse_variant(DIR "mkdtemp.stdin",
	    "\"ansible-tmp-1796619121.9354315-11555-269764920256158\"",
	    "\"..\"", &p, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "single path component"));
	ck_assert_int_eq(parse_variant(DIR "fetch_file.stdin", "\"Offset\": 0",
	    "\"Offset\": -1", &p, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "winrm_fetch_file.ps1"));
	ck_assert_int_eq(parse_variant(DIR "fetch_file.stdin", "\"BufferSize\"",
	    "\"Buffer\"", &p, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "parameters"));
	ck_assert_int_eq(parse_variant(DIR "put_file.stdin",
	    "\"winrm_put_file.ps1\", \"params\"",
	    "\"coverage_wrapper.ps1\", \"params\"", &p, why, sizeof(why)),
	    -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "coverage_wrapper.ps1"));
	ck_assert_ptr_nonnull(strstr(why, "does not run natively"));
	ck_assert_ptr_null(p.helper[0]);

	/* the psrp connection's put and fetch: the same native helpers */
	ck_assert_int_eq(parse_variant(DIR "put_file.stdin",
	    "\"winrm_put_file.ps1\", \"params\"",
	    "\"psrp_put_file.ps1\", \"params\"", &p, why, sizeof(why)), 0);
	ck_assert_str_eq(p.helper[0], "put_file");
	ck_assert_ptr_nonnull(p.helper[1]);
	ck_assert_ptr_null(p.helper[2]);
	ansible_payload_free(&p);
	ck_assert_int_eq(parse_variant(DIR "fetch_file.stdin",
	    "\"winrm_fetch_file.ps1\", \"params\"",
	    "\"psrp_fetch_file.ps1\", \"params\"", &p, why, sizeof(why)), 0);
	ck_assert_str_eq(p.helper[0], "fetch_stream");
	ck_assert_ptr_nonnull(strstr(p.helper[1], "empty.bin"));
	ck_assert_str_eq(p.helper[2], "524288");
	ck_assert_ptr_null(p.helper[3]);
	ansible_payload_free(&p);
}
END_TEST

/* ------------------------------------------------------- psrp pipelines */

static void
put(char **buf, size_t *len, const char *t, size_t n)
{
	*buf = realloc(*buf, *len + n + 1);
	ck_assert_ptr_nonnull(*buf);
	memcpy(*buf + *len, t, n);
	*len += n;
}

/* an input object as psrp_pipeline.c gives it: a line, a list's (string)
 * items joined with spaces */
static void
add_object(struct json_object *o, char **buf, size_t *len)
{
	if (json_object_is_type(o, json_type_array))
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			struct json_object *e = json_object_array_get_idx(o, i);

			if (i > 0)
				put(buf, len, " ", 1);
			put(buf, len, json_object_get_string(e),
			    (size_t)json_object_get_string_len(e));
		}
	else
		put(buf, len, json_object_get_string(o),
		    (size_t)json_object_get_string_len(o));
	put(buf, len, "\n", 1);
}

/* a captured pipeline: its script recognised, its input as stdin */
static unsigned char *
psrp_pipeline(const char *name, enum ansible_kind kind, size_t *ret_len)
{
	char *text = unit_read_data(name, NULL), *buf = NULL;
	struct json_object *o = json_tokener_parse(text), *in;
	struct ansible_native n;
	size_t len = 0;

	ck_assert_msg(o != NULL, "%s is not JSON", name);
	ck_assert_int_eq(ansible_recognise_psrp(json_object_get_string(
	    json_object_object_get(o, "script")), &n), 0);
	ck_assert_int_eq(n.kind, kind);
	ansible_native_free(&n);
	in = json_object_object_get(o, "input");
	for (size_t i = 0; in != NULL && i < json_object_array_length(in); i++)
		add_object(json_object_array_get_idx(in, i), &buf, &len);
	json_object_put(o);
	free(text);
	*ret_len = len;
	return (unsigned char *)buf;
}

START_TEST(test_psrp_pipelines)
{
	static const char *const mods[] = { "win_ping", "setup", "win_copy",
	    "async_status", "script" };
	struct ansible_payload p;
	size_t len, ready, input;
	unsigned char *buf;
	char why[256] = "", path[64];

	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		snprintf(path, sizeof(path), DIR "psrp/%s.json", mods[i]);
		buf = psrp_pipeline(path, AK_BOOTSTRAP, &len);
		ready = ansible_payload_ready(buf, len, true, &input);
		ck_assert_uint_gt(ready, 0);
		ck_assert_msg(ansible_payload_parse(buf, ready, &p, why,
		    sizeof(why)) == 0, "%s: %s", path, why);
		ck_assert_str_eq(p.module, mods[i]);
		ansible_payload_free(&p);
		free(buf);
	}
	/* put: the helper, and the file's base64 lines after the manifest */
	buf = psrp_pipeline(DIR "psrp/put_file.json", AK_BOOTSTRAP, &len);
	ready = ansible_payload_ready(buf, len, false, &input);
	ck_assert_uint_gt(ready, 0);
	ck_assert_int_eq(ansible_payload_parse(buf, ready, &p, why, sizeof(why)),
	    0);
	ck_assert_str_eq(p.helper[0], "put_file");
	ck_assert_ptr_nonnull(p.helper[1]);
	ck_assert_uint_lt(input, len);
	ck_assert_msg(buf[input] != '\0' && buf[input] != '\n',
	    "the input does not start with base64");
	ansible_payload_free(&p);
	free(buf);
	/* fetch: the whole file, in chunks, after "[FILE]" */
	buf = psrp_pipeline(DIR "psrp/fetch_file.json", AK_BOOTSTRAP, &len);
	ready = ansible_payload_ready(buf, len, true, &input);
	ck_assert_int_eq(ansible_payload_parse(buf, ready, &p, why, sizeof(why)),
	    0);
	ck_assert_str_eq(p.helper[0], "fetch_stream");
	ck_assert_ptr_nonnull(p.helper[2]);
	ck_assert_ptr_null(p.helper[3]);
	ansible_payload_free(&p);
	free(buf);
}
END_TEST

/* ------------------------------------------------------------- modules */

START_TEST(test_modules)
{
	static const struct {
		const char	*file, *module, *full;
	} m[] = {
		{ DIR "win_ping.stdin", "win_ping", "ansible.windows.win_ping" },
		{ DIR "setup.stdin", "setup", "ansible.legacy.setup" },
		{ DIR "win_copy.stdin", "win_copy", "ansible.windows.win_copy" },
		{ DIR "async_status.stdin", "async_status",
		    "ansible.legacy.async_status" },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		struct ansible_payload p;
		struct json_object *o, *args;

		parse_ok(m[i].file, &p);
		ck_assert_ptr_null(p.helper[0]);
		ck_assert_str_eq(p.module, m[i].module);
		ck_assert_str_eq(p.module_full, m[i].full);
		ck_assert(!p.become && !p.async);
		ck_assert(ansible_module_native(p.module));
		o = reduced(&p);
		ck_assert_str_eq(member(o, "module"), m[i].module);
		ck_assert(json_object_object_get_ex(o, "module_args", &args));
		ck_assert_str_eq(member(args, "_ansible_module_name"), m[i].full);
		ck_assert(json_object_object_get_ex(o, "environment", NULL));
		ck_assert(!json_object_object_get_ex(o, "module_entry", NULL));
		/* the scripts stay behind */
		ck_assert_ptr_null(strstr(p.json, "module_wrapper.ps1"));
		json_object_put(o);
		ansible_payload_free(&p);
	}
}
END_TEST

START_TEST(test_become_async_script)
{
	struct ansible_payload p;
	struct json_object *o, *v;
	unsigned char *raw;
	const char *b64;
	int n;

	parse_ok(DIR "become.stdin", &p);
	ck_assert_str_eq(p.module, "win_command");
	ck_assert(p.become && !p.async);
	ck_assert_str_eq(p.become_user, "wrt3b058aaaafca");
	ck_assert_str_eq(p.become_password, "capture's pw");
	/* the password never reaches winrmd-native */
	ck_assert_ptr_null(strstr(p.json, "capture's pw"));
	ck_assert_ptr_null(strstr(p.json, "Password"));
	o = reduced(&p);
	ck_assert_str_eq(member(o, "become_user"), "wrt3b058aaaafca");
	json_object_put(o);
	ansible_payload_free(&p);

	parse_ok(DIR "async.stdin", &p);
	ck_assert_str_eq(p.module, "win_shell");
	ck_assert(p.async && !p.become);
	ck_assert_str_eq(p.async_jid, "j971065239457");
	ck_assert_int_eq(p.async_timeout, 30);
	o = reduced(&p);
	ck_assert_str_eq(member(o, "async_jid"), "j971065239457");
	ck_assert(json_object_object_get_ex(o, "async_timeout_sec", &v));
	ck_assert_int_eq(json_object_get_int(v), 30);
	ck_assert(json_object_object_get_ex(o, "async_startup_timeout", &v));
	ck_assert_int_eq(json_object_get_int(v), 5);
	ck_assert(json_object_object_get_ex(o, "environment", &v));
	ck_assert_str_eq(member(v, "ANSIBLE_ASYNC_DIR"),
	    "%USERPROFILE%\\.ansible_async");
	json_object_put(o);
	ansible_payload_free(&p);

	/* the script action: its entry line, base64, for winrmd-native */
	parse_ok(DIR "script.stdin", &p);
	ck_assert_str_eq(p.module, "script");
	o = reduced(&p);
	b64 = member(o, "module_entry");
	raw = calloc(1, strlen(b64));
	ck_assert_ptr_nonnull(raw);
	n = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)strlen(b64));
	ck_assert_int_gt(n, 0);
	ck_assert_msg(strncmp((char *)raw, "&", 1) == 0 &&
	    strstr((char *)raw, "hello.sh arg1") != NULL &&
	    strstr((char *)raw, "; exit $LASTEXITCODE") != NULL,
	    "module_entry: %s", raw);
	free(raw);
	json_object_put(o);
	ansible_payload_free(&p);
}
END_TEST

START_TEST(test_manifest_bad)
{
	struct ansible_payload p;
	char why[256];

	/* the first line must name the exec wrapper */
	ck_assert_int_eq(parse_variant(DIR "win_ping.stdin",
	    "{\"name\": \"exec_wrapper\"", "{\"name\": \"other\"", &p, why,
	    sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "exec wrapper"));
	/* a wrapper winrmd does not run (code coverage) is named */
	ck_assert_int_eq(parse_variant(DIR "become.stdin",
	    "\"become_wrapper.ps1\", \"params\"",
	    "\"coverage_wrapper.ps1\", \"params\"", &p, why, sizeof(why)),
	    -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "coverage_wrapper.ps1 before the "
	    "module"));
	/* async without its watchdog's timeout */
	ck_assert_int_eq(parse_variant(DIR "async.stdin", "\"Timeout\": 30",
	    "\"Limit\": 30", &p, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "Timeout"));
	ck_assert_int_eq(parse_variant(DIR "async.stdin",
	    "\"AsyncJid\": \"j971065239457\"", "\"AsyncJid\": \"..\\\\j1\"", &p,
	    why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "AsyncJid"));
	/* no module last */
	ck_assert_int_eq(parse_variant(DIR "win_ping.stdin",
	    "{\"name\": \"module_wrapper.ps1\"",
	    "{\"name\": \"module_wrapper2.ps1\"", &p, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "module_wrapper2.ps1"));
	/* module_wrapper.ps1 naming a script the manifest lacks */
	ck_assert_int_eq(parse_variant(DIR "win_ping.stdin",
	    "\"Script\": \"ansible_collections.ansible.windows.plugins.modules."
	    "win_ping.ps1\"", "\"Script\": \"elsewhere.ps1\"", &p, why,
	    sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "names no script"));
	/* no complex_args */
	ck_assert_int_eq(parse_variant(DIR "win_ping.stdin",
	    "\"complex_args\"", "\"simple_args\"", &p, why, sizeof(why)),
	    -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "complex_args"));
	/* the manifest cut short */
	{
		size_t len, input;
		unsigned char *buf = data(DIR "win_ping.stdin", &len);
		size_t ready = ansible_payload_ready(buf, len - 10, true, &input);

		ck_assert_int_eq(ansible_payload_parse(buf, ready, &p, why,
		    sizeof(why)), -EINVAL);
		ck_assert_ptr_nonnull(strstr(why, "exec manifest is not JSON"));
		/* no NUL line at all */
		ck_assert_int_eq(ansible_payload_parse(buf, 200, &p, why,
		    sizeof(why)), -EINVAL);
		ck_assert_ptr_nonnull(strstr(why, "four NUL"));
		free(buf);
	}
	ck_assert_ptr_null(p.module);
	ck_assert_ptr_null(p.json);
}
END_TEST

static Suite *
manifest_suite(void)
{
	Suite *s = suite_create("ansible_manifest");
	TCase *tc = tcase_create("2.19");

	tcase_add_test(tc, test_bootstrap);
	tcase_add_test(tc, test_ready);
	tcase_add_test(tc, test_helpers);
	tcase_add_test(tc, test_helper_variants);
	tcase_add_test(tc, test_psrp_pipelines);
	tcase_add_test(tc, test_modules);
	tcase_add_test(tc, test_become_async_script);
	tcase_add_test(tc, test_manifest_bad);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(manifest_suite)
