/*
 * check_winrmcp.c: plugins/shell/winrmcp.c on the commands winrmcp really
 * sent (tests/data/winrmcp, through cmdline.c's decoding as the daemon
 * does): the upload line, the restore and cleanup scripts become
 * winrmd-native's argv; variants (another temporary name, other spacing
 * and case, a destination without quotes) are recognised; mangled scripts
 * fail with a sentence; lines and scripts that are not winrmcp's are left
 * alone.
 */
#include "build.h"

#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "unit.h"
#include "winrmcp.h"

#define TMPFILE	"winrmcp-42309aaa-d179-4f09-46a5-704734036581.tmp"

/* the <rsp:Command> of a captured request, classified by cmdline.c */
static void
captured(const char *name, struct cmdline *cl)
{
	char *xml = unit_read_data(name, NULL), *a, *e;

	a = strstr(xml, "<rsp:Command><![CDATA[");
	ck_assert_ptr_nonnull(a);
	a += strlen("<rsp:Command><![CDATA[");
	e = strstr(a, "]]></rsp:Command>");
	ck_assert_ptr_nonnull(e);
	*e = '\0';
	ck_assert_int_eq(cmdline_parse(a, NULL, 0, false, cl), 0);
	free(xml);
}

static void
expect_argv(const struct ansible_native *n, const char *const *argv)
{
	size_t k = 0;

	ck_assert_msg(n->kind == AK_HELPER, "kind %d (%s)", n->kind,
	    n->why ? n->why : "");
	for (; argv[k] != NULL; k++) {
		ck_assert_msg(n->argv[k] != NULL, "argv[%zu] missing", k);
		ck_assert_str_eq(n->argv[k], argv[k]);
	}
	ck_assert_ptr_null(n->argv[k]);
}

static void
expect_ps(const char *script, enum ansible_kind kind, const char *const *argv)
{
	struct ansible_native n;

	ck_assert_int_eq(winrmcp_recognise_ps(script, &n), 0);
	if (kind == AK_HELPER)
		expect_argv(&n, argv);
	else {
		ck_assert_msg(n.kind == kind, "kind %d, expected %d for:\n%s",
		    n.kind, kind, script);
		if (kind == AK_MALFORMED)
			ck_assert_ptr_nonnull(strstr(n.why,
			    "looks like winrmcp's"));
	}
	ansible_native_free(&n);
}

static void
expect_cmd(const char *line, enum ansible_kind kind, const char *const *argv)
{
	struct ansible_native n;

	ck_assert_int_eq(winrmcp_recognise_cmd(line, &n), 0);
	if (kind == AK_HELPER)
		expect_argv(&n, argv);
	else
		ck_assert_msg(n.kind == kind, "kind %d for %s", n.kind, line);
	ansible_native_free(&n);
}

/* text with the first from replaced by to (malloc'd) */
static char *
replace1(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	char *out;

	ck_assert_msg(at != NULL, "\"%s\" is not in the script", from);
	out = malloc(strlen(text) - strlen(from) + strlen(to) + 1);
	ck_assert_ptr_nonnull(out);
	memcpy(out, text, (size_t)(at - text));
	strcpy(out + (at - text), to);
	strcat(out, at + strlen(from));
	return out;
}

START_TEST(test_captured)
{
	static const char *const up[] = { "winrmcp_append",
	    "%TEMP%\\" TMPFILE, "aGVsbG8gd2lucm1jcAo= ", NULL };
	static const char *const restore[] = { "winrmcp_restore",
	    "$env:TEMP\\" TMPFILE, "C:\\tmp\\wcap dir\\dest file.txt", NULL };
	static const char *const cleanup[] = { "winrmcp_cleanup",
	    "$env:TEMP\\" TMPFILE, NULL };
	struct ansible_native n;
	struct cmdline cl;

	captured("winrmcp/upload-Command.xml", &cl);
	ck_assert_int_eq(cl.kind, CMD_SHELL);
	ck_assert_int_eq(winrmcp_recognise_cmd(cl.text, &n), 0);
	expect_argv(&n, up);
	ansible_native_free(&n);
	cmdline_free(&cl);

	/* masterzen/winrm's $ProgressPreference prefix is gone by now */
	captured("winrmcp/restore-Command.xml", &cl);
	ck_assert_int_eq(cl.kind, CMD_POWERSHELL);
	ck_assert_ptr_null(strstr(cl.text, "$ProgressPreference"));
	expect_ps(cl.text, AK_HELPER, restore);
	cmdline_free(&cl);

	captured("winrmcp/cleanup-Command.xml", &cl);
	ck_assert_int_eq(cl.kind, CMD_POWERSHELL);
	expect_ps(cl.text, AK_HELPER, cleanup);
	cmdline_free(&cl);
}
END_TEST

START_TEST(test_variants)
{
	static const char *const plain_dest[] = { "winrmcp_restore",
	    "$env:TEMP\\" TMPFILE, "D:\\x\\y.bin", NULL };
	static const char *const braces[] = { "winrmcp_cleanup",
	    "${env:TMP}\\" TMPFILE, NULL };
	struct cmdline cl;
	char *v, *w;

	captured("winrmcp/restore-Command.xml", &cl);
	/* a destination without spaces comes without single quotes */
	v = replace1(cl.text, "\"'C:\\tmp\\wcap dir\\dest file.txt'\"",
	    "\"D:\\x\\y.bin\"");
	expect_ps(v, AK_HELPER, plain_dest);
	/* other spacing and case */
	w = replace1(v, "$dest_file_path = [System.IO.Path]::GetFullPath(",
	    "$DEST_FILE_PATH=[system.io.path]::getfullpath(  ");
	expect_ps(w, AK_HELPER, plain_dest);
	free(w);
	free(v);
	/* no longer recognisable as winrmcp's, but close: refused */
	v = replace1(cl.text, "FromBase64String($base64_line)",
	    "FromBase64String($line)");
	expect_ps(v, AK_MALFORMED, NULL);
	free(v);
	/* a destination PowerShell would expand: refused, not guessed */
	v = replace1(cl.text, "\"'C:\\tmp\\wcap dir\\dest file.txt'\"",
	    "\"C:\\$name\\f\"");
	expect_ps(v, AK_MALFORMED, NULL);
	free(v);
	v = replace1(cl.text, "\"'C:\\tmp\\wcap dir\\dest file.txt'\"",
	    "\"C:\\a`nb\"");
	expect_ps(v, AK_MALFORMED, NULL);
	free(v);
	cmdline_free(&cl);

	captured("winrmcp/cleanup-Command.xml", &cl);
	v = replace1(cl.text, "$env:TEMP", "${env:TMP}");
	expect_ps(v, AK_HELPER, braces);
	free(v);
	v = replace1(cl.text, "GetFullPath(\"", "GetFullPath('");
	expect_ps(v, AK_MALFORMED, NULL);
	free(v);
	cmdline_free(&cl);

	/* upload lines: another uuid, no blank before >> */
	expect_cmd("echo QUJD>>\"%TEMP%\\winrmcp-0-1-a.tmp\"", AK_HELPER,
	    (const char *const []){ "winrmcp_append", "%TEMP%\\winrmcp-0-1-a.tmp",
	    "QUJD", NULL });
}
END_TEST

START_TEST(test_not_winrmcp)
{
	/* the user's own lines stay the user's shell's */
	expect_cmd("echo hello >> \"out.txt\"", AK_NONE, NULL);
	expect_cmd("echo QUJD >> \"%TEMP%\\notes.tmp\"", AK_NONE, NULL);
	expect_cmd("echo QUJD >> \"%TEMP%\\winrmcp-x.tmp\" && rm -rf /",
	    AK_NONE, NULL);
	expect_cmd("echo a b >> \"%TEMP%\\winrmcp-1.tmp\"", AK_NONE, NULL);
	expect_cmd("echo $(id) >> \"%TEMP%\\winrmcp-1.tmp\"", AK_NONE, NULL);
	expect_cmd("id -un", AK_NONE, NULL);
	expect_ps("Write-Output 'x'", AK_NONE, NULL);
	expect_ps("$tmp_file_path = 'x'; echo $tmp_file_path", AK_NONE, NULL);
}
END_TEST

static Suite *
winrmcp_suite(void)
{
	Suite *s = suite_create("winrmcp");
	TCase *tc = tcase_create("recognise");

	tcase_add_test(tc, test_captured);
	tcase_add_test(tc, test_variants);
	tcase_add_test(tc, test_not_winrmcp);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(winrmcp_suite)
