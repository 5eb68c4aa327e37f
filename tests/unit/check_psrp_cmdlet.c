/*
 * check_psrp_cmdlet.c: which PSRP pipelines winrmd answers with objects
 * (plugins/shell/psrp_cmdlet.c): script text and add_cmdlet commands
 * become the canonical plan winrmd-native runs (names and aliases,
 * parameters by name, prefix and position, lists, switches, Where-Object's
 * two forms, $PSVersionTable, $env:NAME, exit N, several statements,
 * pypsrp's Invoke-Expression wrapper); what is outside the grammar is not
 * understood (the shell runs it); record lines are read back.
 */
#include "build.h"

#include "psrp_cmdlet.h"
#include "unit.h"

/* the plan of text, joined with spaces; NULL when not understood */
static char *
plan_of(const char *text)
{
	char **argv, *out;
	size_t len = 1;
	int r = psrp_cmdlet_parse_text(text, strlen(text), &argv);

	ck_assert_int_ge(r, 0);
	if (r == 0) {
		ck_assert_ptr_null(argv);
		return NULL;
	}
	for (size_t i = 0; argv[i] != NULL; i++)
		len += strlen(argv[i]) + 1;
	out = calloc(1, len);
	for (size_t i = 0; argv[i] != NULL; i++) {
		if (i > 0)
			strcat(out, " ");
		strcat(out, argv[i]);
	}
	psrp_cmdlet_free(argv);
	return out;
}

static void
expect(const char *text, const char *want)
{
	char *got = plan_of(text);

	if (want == NULL)
		ck_assert_msg(got == NULL, "%s: understood as %s", text, got);
	else {
		ck_assert_msg(got != NULL, "%s: not understood", text);
		ck_assert_str_eq(got, want);
	}
	free(got);
}

START_TEST(sources)
{
	expect("Get-Process", "Get-Process");
	expect("gps bash", "Get-Process -Name bash");
	expect("get-process -id 1,2", "Get-Process -Id 1 -Id 2");
	expect("Get-ChildItem /etc", "Get-ChildItem -Path /etc");
	expect("gci -Path '/my dir' -Force", "Get-ChildItem -Path /my dir "
	    "-Force True");
	expect("Get-ChildItem /etc *.conf", "Get-ChildItem -Path /etc "
	    "-Filter *.conf");
	expect("Get-Item -LiteralPath \"a b\"", "Get-Item -LiteralPath a b");
	expect("Get-Content /etc/hostname -TotalCount 2",
	    "Get-Content -Path /etc/hostname -TotalCount 2");
	expect("Set-Location /tmp", "Set-Location -Path /tmp");
	expect("Get-Location", "Get-Location");
	expect("Get-CimInstance Win32_OperatingSystem",
	    "Get-CimInstance -ClassName Win32_OperatingSystem");
	expect("Get-CimInstance -ClassName Win32_Process -Filter "
	    "\"Name = 'bash'\"", "Get-CimInstance -ClassName Win32_Process "
	    "-Filter Name = 'bash'");
	expect("gwmi Win32_Service", "Get-WmiObject -Class Win32_Service");
	expect("Test-Path /etc -PathType Container",
	    "Test-Path -Path /etc -PathType Container");
	expect("Write-Output a b 'c d'", "Write-Output -InputObject a "
	    "-InputObject b -InputObject c d");
	expect("Write-Host hi -NoNewline", "Write-Host -Object hi "
	    "-NoNewline True");
	expect("Write-Error 'it broke'", "Write-Error -Message it broke");
	expect("'text'", "Write-Output -InputObject text");
	/* a value that is a separator stays a value (a fuzzer's find) */
	expect("';'", "Write-Output -InputObject ;");
	expect("Write-Output '|' ';'; ", "Write-Output -InputObject | "
	    "-InputObject ;");
	expect("1, 2", "Write-Output -InputObject 1 -InputObject 2");
	expect("exit 3", "winrmd:exit -Code 3");
	expect("exit", "winrmd:exit");
	expect("$env:HOME", "winrmd:env -Name HOME");
	expect("$PSVersionTable", "winrmd:psversiontable");
	expect("$PSVersionTable.PSVersion",
	    "winrmd:psversiontable -Property PSVersion");
	/* a parameter by its unique prefix */
	expect("Get-Content -Path x -Tot 3", "Get-Content -Path x "
	    "-TotalCount 3");
	expect("Get-Process -Name:bash", "Get-Process -Name bash");
}
END_TEST

START_TEST(filters)
{
	expect("Get-ChildItem /etc | Select-Object -First 3 Name,Length",
	    "Get-ChildItem -Path /etc | Select-Object -First 3 -Property Name "
	    "-Property Length");
	expect("gps | where { $_.WS -gt 1000 } | sort WS -Descending | "
	    "select -First 2", "Get-Process | Where-Object -Property WS "
	    "-Operator gt -Value 1000 | Sort-Object -Property WS -Descending "
	    "True | Select-Object -First 2");
	expect("gps | ? Name -like 'ba*'", "Get-Process | Where-Object "
	    "-Property Name -Operator like -Value ba*");
	expect("gps | ? Name -contains x", "Get-Process | Where-Object "
	    "-Property Name -Operator contains -Value x");
	expect("gps | ? Name -in x", "Get-Process | Where-Object "
	    "-Property Name -Operator in -Value x");
	expect("gps | ? Name -inotlike x", "Get-Process | Where-Object "
	    "-Property Name -Operator inotlike -Value x");
	expect("gps | ? Name -cnotmatch x", "Get-Process | Where-Object "
	    "-Property Name -Operator cnotmatch -Value x");
	expect("gps | Where-Object -Property Name -CEQ bash",
	    "Get-Process | Where-Object -Property Name -Operator ceq "
	    "-Value bash");
	expect("Get-Service | Format-Table Name,Status -AutoSize",
	    "Get-Service | Format-Table -Property Name -Property Status "
	    "-AutoSize True");
	expect("Get-Process | fl * | Out-String -Stream",
	    "Get-Process | Format-List -Property * | Out-String -Stream True");
	expect("Get-Item . | Out-Null", "Get-Item -Path . | Out-Null");
	/* statements */
	expect("Set-Location /tmp; Get-Location", "Set-Location -Path /tmp ; "
	    "Get-Location");
	expect("Set-Location /tmp\nGet-Location\n", "Set-Location -Path /tmp ; "
	    "Get-Location");
	expect("# a comment\nGet-Location", "Get-Location");
}
END_TEST

START_TEST(not_understood)
{
	static const char *const no[] = {
		"", "ls", "pwd", "cd /tmp", "echo hi", "id -un",
		"Get-Process | ForEach-Object { $_.Name }",
		"Get-Process -Nope 1", "Get-ChildItem -F x",
		"Get-ChildItem \"$HOME\"", "Get-ChildItem `n",
		"$x = 1", "$PSVersionTable.PSVersion.Major",
		"Get-Process | Where-Object { $_.Name -eq 'a' -and $_.Id -gt 1 }",
		"Get-Process | Where-Object { Test-Path x }",
		"Select-Object Name", "Get-Process |", "| Get-Process",
		"Get-Process a b", "Get-Process | Get-Service",
		"Get-Content (Get-Item x)", "Get-Content @(1)", "Get-Content 'x",
		"Get-Process > out.txt", "Get-Process & echo",
		"Get-Content x -TotalCount many", "exit many",
		"Get-Process -Name", "[int]5", "Get-Process; ls",
		"Get-Location -Path x", "Get-Process -Name a -Name b",
		NULL };

	for (size_t i = 0; no[i] != NULL; i++)
		expect(no[i], NULL);
}
END_TEST

/* ------------------------------------------------ add_cmdlet commands */

static char *
plan_of_pipeline(struct psrp_statement *st, size_t nst)
{
	struct psrp_pipeline p = { 0 };
	char **argv, *out;
	size_t len = 1;
	int r;

	p.pp_statements = st;
	p.pp_nstatements = nst;
	r = psrp_cmdlet_recognise(&p, &argv);
	ck_assert_int_ge(r, 0);
	if (r == 0)
		return NULL;
	for (size_t i = 0; argv[i] != NULL; i++)
		len += strlen(argv[i]) + 1;
	out = calloc(1, len);
	for (size_t i = 0; argv[i] != NULL; i++) {
		if (i > 0)
			strcat(out, " ");
		strcat(out, argv[i]);
	}
	psrp_cmdlet_free(argv);
	return out;
}

/* Read-Host is served by the daemon: alone, or into Out-* only */
START_TEST(read_host)
{
	expect("Read-Host", "Read-Host");
	expect("Read-Host 'your name'", "Read-Host -Prompt your name");
	expect("Read-Host -AsSecureString pw", "Read-Host -AsSecureString "
	    "True -Prompt pw");
	expect("Read-Host x | Out-String -Stream", "Read-Host -Prompt x | "
	    "Out-String -Stream True");
	expect("Read-Host | Select-Object -First 1", NULL);
	expect("Write-Output a; Read-Host", NULL);
	expect("Read-Host; Write-Output a", NULL);
	expect("Get-Location | Read-Host", NULL);
}
END_TEST

/* TabExpansion2's script input set; -options only as $null */
START_TEST(tab_expansion)
{
	struct clixml_value *in = clixml_new_string("cd 'my d");
	struct clixml_value *col = clixml_new_i32(8);
	struct clixml_value *nil = clixml_new_nil();
	struct clixml_value *opts = clixml_new_obj(NULL, CLIXML_COLL_DCT);
	/* PowerShell's CompleteInput: AddArgument(input, cursor, options) */
	struct psrp_arg a_pos[] = { { NULL, in }, { NULL, col }, { NULL, nil } };
	struct psrp_arg a_opt[] = { { "inputScript", in }, { "options", opts } };
	struct psrp_cmd c_pos[] = { { .pc_cmd = "TabExpansion2",
	    .pc_args = a_pos, .pc_nargs = 3 } };
	struct psrp_cmd c_opt[] = { { .pc_cmd = "TabExpansion2",
	    .pc_args = a_opt, .pc_nargs = 2 } };
	struct psrp_statement st_pos = { c_pos, 1 }, st_opt = { c_opt, 1 };
	char *p;

	ck_assert_str_eq(p = plan_of_pipeline(&st_pos, 1), "TabExpansion2 "
	    "-inputScript cd 'my d -cursorColumn 8 -options ");
	free(p);
	ck_assert_ptr_null(plan_of_pipeline(&st_opt, 1));	/* a hashtable */
	expect("TabExpansion2 -inputScript 'Get-Ch' -cursorColumn 6",
	    "TabExpansion2 -inputScript Get-Ch -cursorColumn 6");
	expect("TabExpansion2 'ls ''a b' 7", "TabExpansion2 -inputScript "
	    "ls 'a b -cursorColumn 7");
	expect("TabExpansion2 'ls' -cursorColumn x", NULL);
	ck_assert_str_eq(psrp_cmdlet_name(0), "Get-Process");
	for (size_t i = 0; (p = (char *)psrp_cmdlet_name(i)) != NULL; i++)
		if (strcmp(p, "TabExpansion2") == 0)
			break;
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(psrp_cmdlet_param("gci", 2), "Filter");
	ck_assert_ptr_null(psrp_cmdlet_param("Get-Location", 0));
	ck_assert_ptr_null(psrp_cmdlet_param("ls", 0));
	clixml_unref(in);
	clixml_unref(col);
	clixml_unref(nil);
	clixml_unref(opts);
}
END_TEST

START_TEST(add_cmdlet)
{
	struct clixml_value *cls = clixml_new_string("Win32_OperatingSystem");
	struct clixml_value *props = clixml_new_obj(NULL, CLIXML_COLL_LST);
	struct clixml_value *first = clixml_new_i32(3);
	struct clixml_value *yes = clixml_new_bool(true);
	struct clixml_value *no = clixml_new_bool(false);
	struct clixml_value *text = clixml_new_string(
	    "Get-ChildItem /etc | Select-Object -First 3 Name,Length");
	struct clixml_value *text2 = clixml_new_string(
	    "Write-Error 'it broke'; Write-Host hello\nWrite-Output done;");
	struct clixml_value *block = clixml_new_text(CLIXML_SCRIPTBLOCK,
	    " $_.Id -le 10 ");
	struct psrp_arg a_cim[] = { { "ClassName", cls } };
	struct psrp_arg a_sel[] = { { "Property", props }, { "-First", first } };
	struct psrp_arg a_sort[] = { { "Descending", yes }, { "Unique", no } };
	struct psrp_arg a_iex[] = { { "Command", text } };
	struct psrp_arg a_iex2[] = { { "Command", text2 } };
	struct psrp_arg a_out[] = { { "Stream", yes } };
	struct psrp_arg a_where[] = { { NULL, block } };
	struct psrp_cmd c1[] = { { .pc_cmd = "Get-Process" } };
	struct psrp_cmd c2[] = { { .pc_cmd = "Get-CimInstance", .pc_args = a_cim,
	    .pc_nargs = 1 } };
	struct psrp_cmd c3[] = { { .pc_cmd = "Get-Process" },
	    { .pc_cmd = "Where-Object", .pc_args = a_where, .pc_nargs = 1 },
	    { .pc_cmd = "Sort-Object", .pc_args = a_sort, .pc_nargs = 2 },
	    { .pc_cmd = "Select-Object", .pc_args = a_sel, .pc_nargs = 2 } };
	struct psrp_cmd c4[] = { { .pc_cmd = "Invoke-Expression",
	    .pc_args = a_iex, .pc_nargs = 1 }, { .pc_cmd = "Out-String",
	    .pc_args = a_out, .pc_nargs = 1 } };
	struct psrp_cmd c5[] = { { .pc_cmd = "echo" } };
	struct psrp_cmd c7[] = { { .pc_cmd = "Invoke-Expression",
	    .pc_args = a_iex2, .pc_nargs = 1 }, { .pc_cmd = "Out-String",
	    .pc_args = a_out, .pc_nargs = 1 } };
	struct psrp_statement st7 = { c7, 2 };
	struct psrp_cmd c6[] = { { .pc_cmd = "Get-Location; Get-Item .",
	    .pc_is_script = true } };
	struct psrp_statement st1 = { c1, 1 }, st2 = { c2, 1 }, st3 = { c3, 4 };
	struct psrp_statement st4 = { c4, 2 }, st5 = { c5, 1 }, st6 = { c6, 1 };
	struct psrp_statement two[] = { { c1, 1 }, { c2, 1 } };
	char *p;

	clixml_list_add(props, clixml_new_string("Name"));
	clixml_list_add(props, clixml_new_string("Id"));
	ck_assert_str_eq(p = plan_of_pipeline(&st1, 1), "Get-Process");
	free(p);
	ck_assert_str_eq(p = plan_of_pipeline(&st2, 1),
	    "Get-CimInstance -ClassName Win32_OperatingSystem");
	free(p);
	ck_assert_str_eq(p = plan_of_pipeline(&st3, 1), "Get-Process | "
	    "Where-Object -Property Id -Operator le -Value 10 | Sort-Object "
	    "-Descending True | Select-Object -Property Name -Property Id "
	    "-First 3");
	free(p);
	ck_assert_str_eq(p = plan_of_pipeline(&st4, 1), "Get-ChildItem -Path "
	    "/etc | Select-Object -First 3 -Property Name -Property Length | "
	    "Out-String -Stream True");
	free(p);
	ck_assert_ptr_null(plan_of_pipeline(&st5, 1));
	ck_assert_str_eq(p = plan_of_pipeline(&st7, 1), "Write-Error -Message "
	    "it broke | Out-String -Stream True ; Write-Host -Object hello | "
	    "Out-String -Stream True ; Write-Output -InputObject done | "
	    "Out-String -Stream True");
	free(p);
	ck_assert_str_eq(p = plan_of_pipeline(&st6, 1),
	    "Get-Location ; Get-Item -Path .");
	free(p);
	ck_assert_str_eq(p = plan_of_pipeline(two, 2),
	    "Get-Process ; Get-CimInstance -ClassName Win32_OperatingSystem");
	free(p);
	clixml_unref(cls);
	clixml_unref(props);
	clixml_unref(first);
	clixml_unref(yes);
	clixml_unref(no);
	clixml_unref(text);
	clixml_unref(text2);
	clixml_unref(block);
}
END_TEST

START_TEST(argv_and_records)
{
	char *plan[] = { (char *)"Get-Location", NULL };
	char **v = psrp_cmdlet_argv("/x/winrmd-native", "MARK", plan);
	const char *rec = "E<Obj RefId=\"0\"><MS/></Obj>", *xml;
	uint32_t type;
	size_t len;
	char err[256];

	ck_assert_str_eq(v[0], "/x/winrmd-native");
	ck_assert_str_eq(v[1], "psobject");
	ck_assert_str_eq(v[2], "MARK");
	ck_assert_str_eq(v[3], "Get-Location");
	ck_assert_ptr_null(v[4]);
	free(v);
	ck_assert_int_eq(psrp_cmdlet_line("O<S>hi</S>", 10, &type, &xml, &len,
	    err, sizeof(err)), 0);
	ck_assert_uint_eq(type, PSRP_PIPELINE_OUTPUT);
	ck_assert_uint_eq(len, 9);
	ck_assert(memcmp(xml, "<S>hi</S>", 9) == 0);
	ck_assert_int_eq(psrp_cmdlet_line(rec, strlen(rec), &type, &xml, &len,
	    err, sizeof(err)), 0);
	ck_assert_uint_eq(type, PSRP_ERROR_RECORD);
	ck_assert_int_eq(psrp_cmdlet_line("I<S/>", 5, &type, &xml, &len, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(type, PSRP_INFORMATION_RECORD);
	ck_assert_int_eq(psrp_cmdlet_line("X<S/>", 5, &type, &xml, &len, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(psrp_cmdlet_line("O<S", 3, &type, &xml, &len, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(psrp_cmdlet_line("Ohi", 3, &type, &xml, &len, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(psrp_cmdlet_line("O<S>\0</S>", 10, &type, &xml, &len,
	    err, sizeof(err)), -1);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("psrp_cmdlet");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, sources);
	tcase_add_test(tc, filters);
	tcase_add_test(tc, not_understood);
	tcase_add_test(tc, read_host);
	tcase_add_test(tc, tab_expansion);
	tcase_add_test(tc, add_cmdlet);
	tcase_add_test(tc, argv_and_records);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
