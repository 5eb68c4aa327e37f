/*
 * check_winpath.c: native/winpath.c, the mapping of the Windows-style paths
 * Ansible sends to Linux paths (%VAR%, $env:VAR, drive letters, UNC,
 * separators, "\." suffixes, ~), and Windows command-line splitting.
 */
#include "build.h"

#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "winpath.h"

static void
setup_env(void)
{
	setenv("HOME", "/home/ann", 1);
	setenv("USER", "ann", 1);
	unsetenv("TMPDIR");
	unsetenv("TEMP");
	unsetenv("TMP");
	unsetenv("XDG_CONFIG_HOME");
	setenv("WRT_A", "alpha", 1);
}

static void
map(const char *in, const char *want)
{
	const char *why = NULL;
	char *out = winpath_map(in, &why);

	if (want == NULL) {
		ck_assert_msg(out == NULL, "%s mapped to %s", in, out ? out : "");
		ck_assert_ptr_nonnull(why);
		return;
	}
	ck_assert_msg(out != NULL, "%s refused: %s", in, why ? why : "");
	ck_assert_msg(strcmp(out, want) == 0, "%s -> %s, expected %s", in, out,
	    want);
	ck_assert_ptr_null(why);
	free(out);
}

static void
expand(const char *in, const char *want)
{
	char *out = winpath_expand_env(in);

	ck_assert_ptr_nonnull(out);
	ck_assert_msg(strcmp(out, want) == 0, "%s -> %s, expected %s", in, out,
	    want);
	free(out);
}

START_TEST(test_map_paths)
{
	setup_env();
	map("C:\\temp\\x.txt", "/temp/x.txt");
	map("c:/temp", "/temp");
	map("C:\\", "/");
	map("C:", "/");
	map("C:x", "/x");
	map("\\temp\\x", "/temp/x");
	map("/already/linux", "/already/linux");
	/* the tmp dir Ansible removes, and _ansible_tmpdir: x\. is x */
	map("C:\\Users\\u\\AppData\\Local\\Temp\\ansible-tmp-1-2-3\\.",
	    "/Users/u/AppData/Local/Temp/ansible-tmp-1-2-3");
	map("/tmp/ansible-tmp-1-2-3\\.", "/tmp/ansible-tmp-1-2-3");
	map("/tmp/ansible-tmp-1-2-3\\source", "/tmp/ansible-tmp-1-2-3/source");
	map("x\\.\\y\\\\z\\", "x/y/z");
	map(".\\x", "x");
	map(".", ".");
	map("", ".");
	map("a\\b\\..\\c", "a/b/../c");
	map("C:\\temp\\O'Brien content.txt", "/temp/O'Brien content.txt");
	map("\\\\?\\C:\\long\\path", "/long/path");
	/* no meaning here */
	map("D:\\data", NULL);
	map("z:", NULL);
	map("\\\\server\\share\\x", NULL);
	map("//server/share", NULL);
}
END_TEST

START_TEST(test_map_env)
{
	setup_env();
	map("%TEMP%", "/tmp");
	map("%temp%\\ansible-tmp-1", "/tmp/ansible-tmp-1");
	map("%TMP%\\.", "/tmp");
	setenv("TMPDIR", "/var/tmp/ann", 1);
	map("%TEMP%\\x", "/var/tmp/ann/x");
	setenv("TMPDIR", "relative", 1);
	map("%TEMP%\\x", "/tmp/x");
	unsetenv("TMPDIR");
	map("%USERPROFILE%\\.ansible_async", "/home/ann/.ansible_async");
	map("%HOMEDRIVE%%HOMEPATH%\\x", "/home/ann/x");
	map("$env:TEMP\\x", "/tmp/x");
	map("${env:USERPROFILE}\\y", "/home/ann/y");
	map("$env:WRT_A\\b", "alpha/b");
	map("%APPDATA%\\app", "/home/ann/.config/app");
	map("~", "/home/ann");
	map("~\\logs\\it's here.txt", "/home/ann/logs/it's here.txt");
	map("~/x", "/home/ann/x");
	map("~ann", "~ann");
	/* a real variable wins over the table */
	setenv("TEMP", "/srv/t", 1);
	map("%TEMP%\\x", "/srv/t/x");
	unsetenv("TEMP");
}
END_TEST

START_TEST(test_expand)
{
	setup_env();
	expand("%WRT_A%", "alpha");
	expand("%wrt_a%-%WRT_A%", "alpha-alpha");
	expand("%UNKNOWN%\\x", "%UNKNOWN%\\x");
	/* ExpandEnvironmentVariables: an unknown name's closing % opens */
	expand("%NOPE%WRT_A%", "%NOPEalpha");
	expand("50%", "50%");
	expand("%%", "%%");
	expand("a%b", "a%b");
	expand("%USERNAME%", "ann");
	expand("$env:WRT_A", "alpha");
	expand("$ENV:wrt_a!", "alpha!");
	expand("$env:NOPE_NOT_SET/x", "/x");	/* PowerShell: unset is empty */
	expand("$env:", "$env:");
	expand("${env:WRT_A", "${env:WRT_A");
	expand("$HOME", "$HOME");
	{
		char *h = winpath_getenv("COMPUTERNAME");

		ck_assert_ptr_nonnull(h);
		ck_assert_uint_gt(strlen(h), 0);
		free(h);
	}
	ck_assert_ptr_null(winpath_getenv("NO_SUCH_VARIABLE_HERE"));
	ck_assert(winpath_trailing_sep("C:\\temp\\dest\\"));
	ck_assert(winpath_trailing_sep("/x/"));
	ck_assert(!winpath_trailing_sep("C:\\temp"));
	ck_assert(!winpath_trailing_sep(""));
	ck_assert_str_eq(winpath_basename("/a/b.txt"), "b.txt");
	ck_assert_str_eq(winpath_basename("b"), "b");
	ck_assert_str_eq(winpath_basename("/"), "/");
}
END_TEST

static void
split(const char *line, const char *const *want)
{
	char **v = winargv_split(line);
	size_t i;

	ck_assert_ptr_nonnull(v);
	for (i = 0; want[i] != NULL; i++) {
		ck_assert_msg(v[i] != NULL, "%s: argv[%zu] missing", line, i);
		ck_assert_msg(strcmp(v[i], want[i]) == 0, "%s: argv[%zu] = [%s], "
		    "expected [%s]", line, i, v[i], want[i]);
	}
	ck_assert_msg(v[i] == NULL, "%s: extra argv[%zu] = [%s]", line, i, v[i]);
	winargv_free(v);
}

#define SPLIT(line, ...) split(line, (const char *const []){ __VA_ARGS__, NULL })

START_TEST(test_argv)
{
	SPLIT("cmd.exe /c dir", "cmd.exe", "/c", "dir");
	SPLIT("  whoami.exe   /all  ", "whoami.exe", "/all");
	SPLIT("printf \"%s|\" \"two words\" plain", "printf", "%s|", "two words",
	    "plain");
	/* backslashes: plain unless before a quote */
	SPLIT("x C:\\a\\b \"C:\\dir\\\\\" y", "x", "C:\\a\\b", "C:\\dir\\", "y");
	SPLIT("x a\\\\\\\"b", "x", "a\\\"b");
	SPLIT("x a\\\\\"b c\"", "x", "a\\b c");
	/* "" inside quotes is a quote; an empty argument stays */
	SPLIT("x \"a\"\"b\" \"\"", "x", "a\"b", "");
	/* the program name: only quotes and blanks count */
	SPLIT("\"C:\\Program Files\\x.exe\" -a", "C:\\Program Files\\x.exe", "-a");
	SPLIT("C:\\dir\\\"x y", "C:\\dir\\\"x", "y");
	SPLIT("ab\"c d\"e", "ab\"c", "de");
	{
		char **v = winargv_split("   ");

		ck_assert_ptr_nonnull(v);
		ck_assert_ptr_null(v[0]);
		winargv_free(v);
	}
}
END_TEST

static Suite *
winpath_suite(void)
{
	Suite *s = suite_create("winpath");
	TCase *tc = tcase_create("map");

	tcase_add_test(tc, test_map_paths);
	tcase_add_test(tc, test_map_env);
	tcase_add_test(tc, test_expand);
	tcase_add_test(tc, test_argv);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(winpath_suite)
