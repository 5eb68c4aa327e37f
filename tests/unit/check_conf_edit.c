/*
 * check_conf_edit.c: the in-place editor of winrmd.conf (conf_edit.c):
 * replaced lines, commented keys taken up, missing keys and sections
 * added, every other line (comments, blank lines, other sections, case of
 * names) kept; the atomic write keeps the mode and refuses what check
 * refuses without touching the file.
 */
#include "build.h"

#include <sys/stat.h>

#include "conf_edit.h"
#include "unit.h"

static const char *const original =
    "# a comment\n"
    "[Listener]\n"
    "HTTPPort = 5985\n"
    "\n"
    "; the service\n"
    "[service]\n"
    "#MaxEnvelopeSizekb = 150\n"
    "AllowUnencrypted  =  true   \n"
    "  AllowUnencrypted = indented: a continuation, not a key\n"
    "LogLevel = debug\n"
    "[Auth]\n"
    "Basic = true";

START_TEST(test_replace_in_place)
{
	const struct conf_set w[] = {
		{ "Service", "AllowUnencrypted", "false" },
		{ "Listener", "HTTPPort", "0" },
	};
	char *out = conf_edit_text(original, w, 2);

	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out,
	    "# a comment\n"
	    "[Listener]\n"
	    "HTTPPort = 0\n"
	    "\n"
	    "; the service\n"
	    "[service]\n"
	    "#MaxEnvelopeSizekb = 150\n"
	    "AllowUnencrypted = false\n"
	    "  AllowUnencrypted = indented: a continuation, not a key\n"
	    "LogLevel = debug\n"
	    "[Auth]\n"
	    "Basic = true");
	free(out);
}
END_TEST

START_TEST(test_commented_missing_and_new_section)
{
	const struct conf_set w[] = {
		{ "Service", "MaxEnvelopeSizekb", "800" },	/* commented */
		{ "Auth", "Kerberos", "false" },		/* missing */
		{ "Winrs", "MaxShellsPerUser", "9" },		/* no section */
	};
	char *out = conf_edit_text(original, w, 3);

	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out,
	    "# a comment\n"
	    "[Listener]\n"
	    "HTTPPort = 5985\n"
	    "\n"
	    "; the service\n"
	    "[service]\n"
	    "MaxEnvelopeSizekb = 800\n"
	    "AllowUnencrypted  =  true   \n"
	    "  AllowUnencrypted = indented: a continuation, not a key\n"
	    "LogLevel = debug\n"
	    "[Auth]\n"
	    "Kerberos = false\n"
	    "Basic = true\n"
	    "\n"
	    "[Winrs]\n"
	    "MaxShellsPerUser = 9\n");
	free(out);
}
END_TEST

START_TEST(test_same_key_other_section_untouched)
{
	const struct conf_set w[] = { { "Auth", "LogLevel", "x" } };
	char *out = conf_edit_text(original, w, 1);

	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(strstr(out, "LogLevel = debug\n[Auth]\nLogLevel = x\n"));
	free(out);
}
END_TEST

static int
refuse(const char *tmp, void *arg, char *err, size_t errlen)
{
	struct stat st;

	/* the new text is in the temporary file when check runs */
	ck_assert_int_eq(stat(tmp, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	*(int *)arg += 1;
	snprintf(err, errlen, "refused");
	return -1;
}

START_TEST(test_write_atomic)
{
	char dir[] = "/tmp/check_conf_edit.XXXXXX", path[128], err[256];
	struct stat st;
	char *text;
	int calls = 0;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/winrmd.conf", dir);
	ck_assert_int_eq(conf_file_write(path, "a = 1\n", 0640, NULL, NULL,
	    err, sizeof(err)), 0);
	ck_assert_int_eq(conf_file_write(path, "a = 2\n", 0600, refuse, &calls,
	    err, sizeof(err)), -1);
	ck_assert_int_eq(calls, 1);
	ck_assert_str_eq(err, "refused");
	text = conf_file_read(path);
	ck_assert_str_eq(text, "a = 1\n");
	free(text);
	/* the old file's mode wins over the one given */
	ck_assert_int_eq(conf_file_write(path, "a = 3\n", 0600, NULL, NULL,
	    err, sizeof(err)), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	text = conf_file_read(path);
	ck_assert_str_eq(text, "a = 3\n");
	free(text);
	unlink(path);
	ck_assert_int_eq(rmdir(dir), 0);	/* no temporary file left */
}
END_TEST

static Suite *
conf_edit_suite(void)
{
	Suite *s = suite_create("conf_edit");
	TCase *tc = tcase_create("edit");

	tcase_add_test(tc, test_replace_in_place);
	tcase_add_test(tc, test_commented_missing_and_new_section);
	tcase_add_test(tc, test_same_key_other_section_untouched);
	tcase_add_test(tc, test_write_atomic);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(conf_edit_suite)
