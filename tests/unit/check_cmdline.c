/*
 * check_cmdline.c: what WinRS command lines become (plugins/shell/cmdline.c):
 * PowerShell -EncodedCommand in its spellings, nested encodings, -Command,
 * positional scripts, cmd /c, WINRS_SKIP_CMD_SHELL argv, the scripts that
 * need a PowerShell engine, and malformed lines.
 */
#include "build.h"

#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "cmdline.h"

static char *
enc(const char *script)
{
	char *b = cmdline_encode_ps(script);

	ck_assert_ptr_nonnull(b);
	return b;
}

static void
expect(const char *command, const char *arg, enum cmd_kind kind,
    const char *text)
{
	char *args[1] = { (char *)arg };
	struct cmdline c;

	ck_assert_int_eq(cmdline_parse(command, args, arg ? 1 : 0, false, &c), 0);
	ck_assert_msg(c.kind == kind, "%s %s: kind %d, expected %d (%s)",
	    command, arg ? arg : "", c.kind, kind, c.text ? c.text : "");
	if (text != NULL)
		ck_assert_str_eq(c.text, text);
	cmdline_free(&c);
}

START_TEST(test_plain_lines)
{
	expect("ipconfig", "/all", CMD_SHELL, "ipconfig /all");
	expect("id -un", NULL, CMD_SHELL, "id -un");
	expect("cmd /c echo hi", NULL, CMD_SHELL, "echo hi");
	expect("CMD.EXE", "/C dir", CMD_SHELL, "dir");
	/* cmd without /c is just a program called cmd */
	expect("cmd", "x", CMD_SHELL, "cmd x");
}
END_TEST

START_TEST(test_encoded_spellings)
{
	static const char *const flags[] = { "-EncodedCommand", "-encodedcommand",
	    "-enc", "-e", "-ec", "-EncodedC", "/EncodedCommand" };
	static const char *const progs[] = { "PowerShell", "powershell.exe",
	    "pwsh", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
	    "/usr/bin/pwsh" };
	char *b = enc("echo hi");

	for (size_t p = 0; p < sizeof(progs) / sizeof(progs[0]); p++)
		for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
			char arg[256];

			snprintf(arg, sizeof(arg), "-NoProfile -NonInteractive "
			    "-ExecutionPolicy Unrestricted %s %s", flags[f], b);
			expect(progs[p], arg, CMD_POWERSHELL, "echo hi");
		}
	free(b);
}
END_TEST

START_TEST(test_ansible_raw_capture)
{
	/* Ansible's raw 'echo hi' as captured (ansible-raw/02-Command.xml) */
	expect("PowerShell", "-NoProfile -NonInteractive -ExecutionPolicy "
	    "Unrestricted -EncodedCommand ZQBjAGgAbwAgAGgAaQA=", CMD_POWERSHELL,
	    "echo hi");
}
END_TEST

START_TEST(test_nested)
{
	char *inner = enc("uname -s"), outer_script[512], *outer, arg[1024];
	struct cmdline c;
	char *args[1] = { arg };

	snprintf(outer_script, sizeof(outer_script), "PowerShell -NoProfile "
	    "-NonInteractive -EncodedCommand %s", inner);
	outer = enc(outer_script);
	snprintf(arg, sizeof(arg), "-EncodedCommand %s", outer);
	ck_assert_int_eq(cmdline_parse("powershell", args, 1, false, &c), 0);
	ck_assert_int_eq(c.kind, CMD_POWERSHELL);
	ck_assert_str_eq(c.text, "uname -s");
	ck_assert_ptr_null(c.needs_engine);
	cmdline_free(&c);
	free(inner);
	free(outer);
}
END_TEST

START_TEST(test_command_and_positional)
{
	expect("powershell", "-NoProfile -Command Get-Date", CMD_POWERSHELL,
	    "Get-Date");
	expect("powershell", "-c \"echo a; echo b\"", CMD_POWERSHELL,
	    "echo a; echo b");
	expect("pwsh", "-NoLogo echo positional", CMD_POWERSHELL,
	    "echo positional");
}
END_TEST

START_TEST(test_needs_engine)
{
	char *b = enc("&chcp.com 65001 > $null\n$exec_wrapper_str = $input | Out-String");
	char arg[1024], *args[1] = { arg };
	struct cmdline c;

	snprintf(arg, sizeof(arg), "-EncodedCommand %s", b);
	ck_assert_int_eq(cmdline_parse("PowerShell", args, 1, false, &c), 0);
	ck_assert_int_eq(c.kind, CMD_POWERSHELL);
	ck_assert_ptr_nonnull(c.needs_engine);
	cmdline_free(&c);
	free(b);
	/* -Command - reads the script from stdin: only an engine can */
	ck_assert_int_eq(cmdline_parse("powershell -Command -", NULL, 0, false,
	    &c), 0);
	ck_assert(c.script_from_stdin);
	ck_assert_ptr_nonnull(c.needs_engine);
	cmdline_free(&c);
	ck_assert_ptr_null(cmdline_ps_engine_marker("echo hi; ls -l"));
	ck_assert_ptr_nonnull(cmdline_ps_engine_marker("[System.IO.File]::Exists('x')"));
}
END_TEST

START_TEST(test_malformed)
{
	expect("powershell", "-EncodedCommand", CMD_FAIL, NULL);
	expect("powershell", "-EncodedCommand !!!notbase64", CMD_FAIL, NULL);
	/* odd number of bytes: not UTF-16 */
	expect("powershell", "-EncodedCommand YWJj", CMD_FAIL, NULL);
	expect("powershell", "-Frobnicate x", CMD_FAIL, NULL);
	expect("powershell", "-ExecutionPolicy", CMD_FAIL, NULL);
	expect("powershell", "-NoProfile", CMD_FAIL, NULL);
}
END_TEST

/* Go masterzen/winrm's Powershell(): its progress prefix is taken off */
START_TEST(test_progress_preference)
{
	static const char *const prefixed[] = {
		"$ProgressPreference = 'SilentlyContinue';Write-Output 'x'",
		"  $progresspreference='Continue' ; Write-Output 'x'",
		"$ProgressPreference = \"SilentlyContinue\"\r\nWrite-Output 'x'",
	};
	static const char *const kept[] = {
		"$ProgressPreference = $x; Write-Output 'x'",
		"$ProgressPreferenceX = 'a'; Write-Output 'x'",
		"$ProgressPreference = 'a' Write-Output 'x'",
		"Write-Output 'x'; $ProgressPreference = 'a';",
	};
	char arg[1024];

	for (size_t i = 0; i < sizeof(prefixed) / sizeof(prefixed[0]); i++) {
		char *b = enc(prefixed[i]);

		snprintf(arg, sizeof(arg), "-EncodedCommand %s", b);
		expect("powershell.exe", arg, CMD_POWERSHELL, "Write-Output 'x'");
		free(b);
	}
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		char *b = enc(kept[i]);

		snprintf(arg, sizeof(arg), "-EncodedCommand %s", b);
		expect("powershell.exe", arg, CMD_POWERSHELL, kept[i]);
		free(b);
	}
}
END_TEST

START_TEST(test_skip_cmd_shell)
{
	char *args[2] = { (char *)"-c", (char *)"a b" };
	struct cmdline c;

	ck_assert_int_eq(cmdline_parse("/bin/echo", args, 2, true, &c), 0);
	ck_assert_int_eq(c.kind, CMD_ARGV);
	ck_assert_str_eq(c.argv[0], "/bin/echo");
	ck_assert_str_eq(c.argv[1], "-c");
	ck_assert_str_eq(c.argv[2], "a b");
	ck_assert_ptr_null(c.argv[3]);
	cmdline_free(&c);
}
END_TEST

START_TEST(test_roundtrip_unicode)
{
	const char *script = "echo 'héllo ✓ 日本 \xf0\x9f\x98\x80'";
	char *b = enc(script), arg[512], *args[1] = { arg };
	struct cmdline c;

	snprintf(arg, sizeof(arg), "-EncodedCommand %s", b);
	ck_assert_int_eq(cmdline_parse("pwsh", args, 1, false, &c), 0);
	ck_assert_int_eq(c.kind, CMD_POWERSHELL);
	ck_assert_str_eq(c.text, script);
	cmdline_free(&c);
	free(b);
}
END_TEST

static Suite *
cmdline_suite(void)
{
	Suite *s = suite_create("cmdline");
	TCase *tc = tcase_create("classify");

	tcase_add_test(tc, test_plain_lines);
	tcase_add_test(tc, test_encoded_spellings);
	tcase_add_test(tc, test_ansible_raw_capture);
	tcase_add_test(tc, test_nested);
	tcase_add_test(tc, test_command_and_positional);
	tcase_add_test(tc, test_needs_engine);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_progress_preference);
	tcase_add_test(tc, test_skip_cmd_shell);
	tcase_add_test(tc, test_roundtrip_unicode);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(cmdline_suite)
