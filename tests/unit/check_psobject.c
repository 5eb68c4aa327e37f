/*
 * check_psobject.c: winrmd-native psobject (native/psobject.c and
 * ps_sources.c) on a fixture directory made here: its record lines (one
 * CLIXML element each, read back with the codec's reader), FileInfo's
 * type names and properties, Select-Object (-First, -Last, -Skip,
 * -ExpandProperty, wildcards), Where-Object's operators, a stable
 * Sort-Object, Out-String's table as PowerShell lays it out,
 * Get-Content (-TotalCount, -Tail), Test-Path, Set-Location's directory
 * after the mark, exit N, and a file the user may not read as a
 * PermissionDenied error record (run as nobody when the test is root).
 */
#include "build.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "clixml.h"
#include "message.h"
#include "psobject.h"
#include "unit.h"

static char dir[256];

static bool as_nobody;	/* the child runs as nobody (when we are root) */

/* runs the plan (words, NULL-terminated) in a child; its stdout */
static char *
run(int *ret_status, const char *const *words)
{
	char out[512], *argv[64];
	int argc = 0, fd, st;
	pid_t pid;
	size_t len;

	snprintf(out, sizeof(out), "%s/.out", dir);
	argv[argc++] = (char *)"MARK";
	for (; *words != NULL; words++)
		argv[argc++] = (char *)*words;
	argv[argc] = NULL;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(99);
		if (as_nobody && geteuid() == 0 && (setgroups(0, NULL) < 0 ||
		    setgid(65534) < 0 || setuid(65534) < 0))
			_exit(98);
		if (chdir(dir) < 0)
			_exit(97);
		_exit(psobject_main(argc, argv));
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	if (ret_status != NULL)
		*ret_status = WEXITSTATUS(st);
	return unit_read_path(out, &len);
}

/* the records before the mark, read back: kinds in *kinds */
static size_t
records(char *out, struct clixml_value **v, size_t max, char *kinds)
{
	size_t n = 0;
	char *line = out, *nl;

	while ((nl = strchr(line, '\n')) != NULL && n < max) {
		char err[256];

		*nl = '\0';
		if (strcmp(line, "MARK") == 0)
			break;
		ck_assert_msg(strchr("OEI", line[0]) != NULL, "line %s", line);
		kinds[n] = line[0];
		v[n] = clixml_read(line + 1, strlen(line + 1),
		    &clixml_default_limits, err, sizeof(err));
		ck_assert_msg(v[n] != NULL, "%s: %s", line, err);
		n++;
		line = nl + 1;
	}
	kinds[n] = '\0';
	return n;
}

static void
unref_all(struct clixml_value **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		clixml_unref(v[i]);
}

static void
put(const char *name, const char *content)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	fputs(content, f);
	fclose(f);
}

static void
setup(void)
{
	char d[512];

	snprintf(dir, sizeof(dir), "/tmp/check_psobject.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chmod(dir, 0755), 0);
	as_nobody = false;
	put("a.txt", "one\ntwo\nthree\n");
	put("B.log", "0123456789");
	put("c.txt", "");
	put(".hidden", "h");
	snprintf(d, sizeof(d), "%s/sub", dir);
	ck_assert_int_eq(mkdir(d, 0755), 0);
}

static void
teardown(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(childitem_objects)
{
	static const char *const plan[] = { "Get-ChildItem", "-Path", ".", NULL };
	struct clixml_value *v[16];
	char kinds[17], *out = run(NULL, plan);
	size_t n = records(out, v, 16, kinds);
	int64_t len;

	/* names in order, case aside; no dot file without -Force */
	ck_assert_str_eq(kinds, "OOOO");
	ck_assert_str_eq(clixml_str(clixml_member(v[0], "Name"), NULL), "a.txt");
	ck_assert_str_eq(clixml_str(clixml_member(v[1], "Name"), NULL), "B.log");
	ck_assert_str_eq(clixml_str(clixml_member(v[3], "Name"), NULL), "sub");
	ck_assert(clixml_has_type(v[0], "System.IO.FileInfo"));
	ck_assert(clixml_has_type(v[3], "System.IO.DirectoryInfo"));
	ck_assert_int_eq(clixml_int(clixml_member(v[1], "Length"), &len), 0);
	ck_assert_int_eq(len, 10);
	ck_assert_str_eq(clixml_str(clixml_member(v[1], "Extension"), NULL),
	    ".log");
	ck_assert_str_eq(clixml_str(clixml_member(v[1], "BaseName"), NULL), "B");
	ck_assert_str_eq(clixml_str(clixml_member(v[0], "PSChildName"), NULL),
	    "a.txt");
	ck_assert_ptr_nonnull(clixml_member(v[3], "PSIsContainer"));
	unref_all(v, n);
	free(out);
}
END_TEST

START_TEST(select_where_sort)
{
	static const char *const p1[] = { "Get-ChildItem", "-Path", ".",
	    "-File", "True", "|", "Sort-Object", "-Property", "Length",
	    "-Descending", "True", "|", "Select-Object", "-First", "2",
	    "-Property", "Name", "-Property", "Len*", NULL };
	static const char *const p2[] = { "Get-ChildItem", "-Path", ".", "|",
	    "Where-Object", "-Property", "Name", "-Operator", "like",
	    "-Value", "*.TXT", "|", "Select-Object", "-ExpandProperty", "Name",
	    NULL };
	static const char *const p3[] = { "Write-Output", "-InputObject", "b",
	    "-InputObject", "a", "-InputObject", "b2", "-InputObject", "c", "|",
	    "Where-Object", "-Property", "Length", "-Operator", "eq",
	    "-Value", "1", "|", "Select-Object", "-Skip", "1", "-Last", "1",
	    NULL };
	static const char *const p4[] = { "Write-Output", "-InputObject", "10",
	    "-InputObject", "9", "-InputObject", "100", "|", "Sort-Object",
	    NULL };
	struct clixml_value *v[16];
	char kinds[17], *out = run(NULL, p1);
	size_t n = records(out, v, 16, kinds);
	int64_t i;

	ck_assert_uint_eq(n, 2);
	ck_assert(clixml_has_type(v[0], "Selected.System.IO.FileInfo"));
	ck_assert_str_eq(clixml_str(clixml_member(v[0], "Name"), NULL), "a.txt");
	ck_assert_int_eq(clixml_int(clixml_member(v[0], "Length"), &i), 0);
	ck_assert_int_eq(i, 14);
	ck_assert_str_eq(clixml_str(clixml_member(v[1], "Name"), NULL), "B.log");
	ck_assert_str_eq(v[0]->v.obj.o_tostring, "@{Name=a.txt; Length=14}");
	unref_all(v, n);
	free(out);
	out = run(NULL, p2);
	n = records(out, v, 16, kinds);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(clixml_str(v[0], NULL), "a.txt");
	ck_assert_str_eq(clixml_str(v[1], NULL), "c.txt");
	unref_all(v, n);
	free(out);
	out = run(NULL, p3);
	n = records(out, v, 16, kinds);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(clixml_str(v[0], NULL), "c");
	unref_all(v, n);
	free(out);
	/* numbers sort as numbers */
	out = run(NULL, p4);
	n = records(out, v, 16, kinds);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(clixml_int(v[0], &i), 0);
	ck_assert_int_eq(i, 9);
	ck_assert_int_eq(clixml_int(v[2], &i), 0);
	ck_assert_int_eq(i, 100);
	unref_all(v, n);
	free(out);
}
END_TEST

START_TEST(out_string_table)
{
	static const char *const plan[] = { "Get-ChildItem", "-Path", ".",
	    "-File", "True", "|", "Select-Object", "-Property", "Name",
	    "-Property", "Length", "|", "Out-String", "-Stream", "True", NULL };
	static const char *const want[] = { "", "Name  Length", "----  ------",
	    "a.txt     14", "B.log     10", "c.txt      0", "" };
	struct clixml_value *v[16];
	char kinds[17], *out = run(NULL, plan);
	size_t n = records(out, v, 16, kinds);

	ck_assert_uint_eq(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(clixml_str(v[i], NULL), want[i]);
	unref_all(v, n);
	free(out);
}
END_TEST

START_TEST(content_test_path)
{
	static const char *const p1[] = { "Get-Content", "-Path", "a.txt",
	    "-TotalCount", "2", ";", "Get-Content", "-Path", "a.txt", "-Tail",
	    "1", ";", "Test-Path", "-Path", "sub", "-PathType", "Leaf", ";",
	    "Test-Path", "-Path", "*.log", NULL };
	static const char *const p2[] = { "Get-Content", "-Path", "nope", NULL };
	struct clixml_value *v[16];
	char kinds[17], *out = run(NULL, p1);
	size_t n = records(out, v, 16, kinds);
	bool b;

	ck_assert_str_eq(kinds, "OOOOO");
	ck_assert_str_eq(clixml_str(v[0], NULL), "one");
	ck_assert_str_eq(clixml_str(v[1], NULL), "two");
	ck_assert_str_eq(clixml_str(v[2], NULL), "three");
	ck_assert_int_eq(clixml_bool(v[3], &b), 0);
	ck_assert(!b);
	ck_assert_int_eq(clixml_bool(v[4], &b), 0);
	ck_assert(b);
	unref_all(v, n);
	free(out);
	out = run(NULL, p2);
	n = records(out, v, 16, kinds);
	ck_assert_str_eq(kinds, "E");
	ck_assert(clixml_has_type(v[0], "System.Management.Automation.ErrorRecord"));
	unref_all(v, n);
	free(out);
}
END_TEST

/* Write-Host's record: its colours as System.ConsoleColor; a bad one */
START_TEST(write_host_colors)
{
	static const char *const p1[] = { "Write-Host", "-Object", "hi",
	    "-ForegroundColor", "red", "-NoNewline", "True", ";", "Write-Host",
	    "-Object", "plain", ";", "Write-Host", "-Object", "x",
	    "-BackgroundColor", "Purple", NULL };
	struct clixml_value *v[8];
	const struct clixml_value *d;
	char kinds[9], *out = run(NULL, p1);
	size_t n = records(out, v, 8, kinds);
	int64_t i;
	bool b;

	ck_assert_str_eq(kinds, "IIE");
	d = clixml_member(v[0], "MessageData");
	ck_assert_str_eq(clixml_str(clixml_member(d, "Message"), NULL), "hi");
	ck_assert_int_eq(clixml_bool(clixml_member(d, "NoNewLine"), &b), 0);
	ck_assert(b);
	ck_assert(clixml_has_type(clixml_member(d, "ForegroundColor"),
	    "System.ConsoleColor"));
	ck_assert_int_eq(clixml_int(clixml_member(d, "ForegroundColor"), &i),
	    0);
	ck_assert_int_eq(i, 12);
	ck_assert(clixml_is_nil(clixml_member(d, "BackgroundColor")));
	d = clixml_member(v[1], "MessageData");
	ck_assert(clixml_is_nil(clixml_member(d, "ForegroundColor")));
	ck_assert_str_eq(clixml_str(clixml_member(v[2],
	    "FullyQualifiedErrorId"), NULL), "CannotConvertArgumentNoMessage,"
	    "Microsoft.PowerShell.Commands.WriteHostCommand");
	unref_all(v, n);
	free(out);
}
END_TEST

START_TEST(location_exit_state)
{
	static const char *const plan[] = { "Set-Location", "-Path", "sub",
	    ";", "Get-Location", ";", "winrmd:exit", "-Code", "7", ";",
	    "Write-Output", "-InputObject", "never", NULL };
	struct clixml_value *v[16];
	char kinds[17], want[600], *out, *mark;
	int status;
	size_t n;

	out = run(&status, plan);
	ck_assert_int_eq(status, 7);
	snprintf(want, sizeof(want), "MARK\n%s/sub\n", dir);
	ck_assert_ptr_nonnull(mark = strstr(out, "MARK\n"));
	ck_assert_msg(strncmp(mark, want, strlen(want)) == 0, "state %.200s",
	    mark);
	n = records(out, v, 16, kinds);
	ck_assert_str_eq(kinds, "O");
	ck_assert(clixml_has_type(v[0], "System.Management.Automation.PathInfo"));
	snprintf(want, sizeof(want), "%s/sub", dir);
	ck_assert_str_eq(clixml_str(clixml_member(v[0], "Path"), NULL), want);
	unref_all(v, n);
	free(out);
}
END_TEST

START_TEST(unreadable)
{
	static const char *const plan[] = { "Get-Content", "-Path", "secret",
	    NULL };
	struct clixml_value *v[16];
	char kinds[17], p[512], *out;
	const struct clixml_value *ci;
	int64_t cat;
	size_t n;

	/* as root, the program runs as nobody: root would read it */
	as_nobody = true;
	put("secret", "s");
	snprintf(p, sizeof(p), "%s/secret", dir);
	ck_assert_int_eq(chmod(p, 0), 0);
	out = run(NULL, plan);
	n = records(out, v, 16, kinds);
	ck_assert_str_eq(kinds, "E");
	ci = clixml_member(v[0], "ErrorCategory_Category");
	ck_assert_int_eq(clixml_int(ci, &cat), 0);
	ck_assert_int_eq(cat, 18);
	unref_all(v, n);
	free(out);
}
END_TEST

/*
 * TabExpansion2 on input with the cursor at its end (UTF-16 units): the
 * CommandCompletion's matches as "Text|ListItem|Type" joined by ",",
 * and its ReplacementIndex and ReplacementLength
 */
static char *
complete(const char *input, int *ret_index, int *ret_len)
{
	char col[16], kinds[3], *out, *res;
	const char *plan[] = { "TabExpansion2", "-inputScript", input,
	    "-cursorColumn", col, NULL };
	const struct clixml_value *list;
	struct clixml_value *v[2];
	int64_t i64;
	size_t n, units = 0;

	for (const char *p = input; *p != '\0'; p++)
		units += ((unsigned char)*p & 0xc0) != 0x80;
	snprintf(col, sizeof(col), "%zu", units);
	out = run(NULL, plan);
	n = records(out, v, 2, kinds);
	ck_assert_str_eq(kinds, "O");
	ck_assert(clixml_has_type(v[0],
	    "System.Management.Automation.CommandCompletion"));
	ck_assert_int_eq(clixml_int(clixml_member(v[0], "ReplacementIndex"),
	    &i64), 0);
	*ret_index = (int)i64;
	ck_assert_int_eq(clixml_int(clixml_member(v[0], "ReplacementLength"),
	    &i64), 0);
	*ret_len = (int)i64;
	ck_assert_int_eq(clixml_int(clixml_member(v[0], "CurrentMatchIndex"),
	    &i64), 0);
	ck_assert_int_eq(i64, -1);
	list = clixml_member(v[0], "CompletionMatches");
	ck_assert_ptr_nonnull(list);
	res = calloc(1, 4096);
	for (size_t i = 0; i < clixml_list_len(list); i++) {
		const struct clixml_value *m = clixml_list_at(list, i);
		const struct clixml_value *t = clixml_member(m, "ResultType");

		ck_assert(clixml_has_type(m,
		    "System.Management.Automation.CompletionResult"));
		ck_assert_int_eq(clixml_int(t, &i64), 0);
		ck_assert_ptr_nonnull(clixml_member(m, "ToolTip"));
		snprintf(res + strlen(res), 4096 - strlen(res), "%s%s|%s|%d",
		    i > 0 ? "," : "",
		    clixml_str(clixml_member(m, "CompletionText"), NULL),
		    clixml_str(clixml_member(m, "ListItemText"), NULL),
		    (int)i64);
	}
	unref_all(v, n);
	free(out);
	return res;
}

static void
expect_completion(const char *input, const char *want, int index, int len)
{
	int i, l;
	char *got = complete(input, &i, &l);

	ck_assert_msg(strcmp(got, want) == 0, "%s: %s", input, got);
	ck_assert_msg(i == index && l == len, "%s: replaces %d, %d", input,
	    i, l);
	free(got);
}

START_TEST(tab_completion)
{
	char p[512];

	/* paths, relative to the working directory, any case */
	expect_completion("Get-Content b", "./B.log|B.log|3", 12, 1);
	expect_completion("cd s", "./sub|sub|4", 3, 1);
	expect_completion("cat .h", "./.hidden|.hidden|3", 4, 2);
	expect_completion("cat ./sub/", "", -1, -1);
	/* quoted: as it must be, or as the word opened it; "& " as a
	 * command; offsets in UTF-16 units (é is one) */
	put("a b.txt", "");
	expect_completion("cat a", "'./a b.txt'|a b.txt|3,./a.txt|a.txt|3",
	    4, 1);
	expect_completion("echo é; cat \"a", "\"./a b.txt\"|a b.txt|3,"
	    "\"./a.txt\"|a.txt|3", 12, 2);
	expect_completion("./a", "& './a b.txt'|a b.txt|3,./a.txt|a.txt|3",
	    0, 3);
	/* a parameter of a cmdlet winrmd understands */
	expect_completion("gci -Fi", "-File|File|7,-Filter|Filter|7", 4, 3);
	/* commands: the cmdlets, the executables on PATH */
	snprintf(p, sizeof(p), "%s/bin", dir);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	put("bin/tool-x", "");
	put("bin/tool-notexec", "");
	snprintf(p, sizeof(p), "%s/bin/tool-x", dir);
	ck_assert_int_eq(chmod(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/bin:/nonexistent", dir);
	setenv("PATH", p, 1);
	expect_completion("Get-Ch", "Get-ChildItem|Get-ChildItem|2", 0, 6);
	expect_completion("Get-Location | tOO", "tool-x|tool-x|2", 15, 3);
	unsetenv("PATH");
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("psobject");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, childitem_objects);
	tcase_add_test(tc, select_where_sort);
	tcase_add_test(tc, out_string_table);
	tcase_add_test(tc, content_test_path);
	tcase_add_test(tc, write_host_colors);
	tcase_add_test(tc, location_exit_state);
	tcase_add_test(tc, unreadable);
	tcase_add_test(tc, tab_completion);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
