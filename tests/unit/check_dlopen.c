/*
 * check_dlopen.c: every plugin this build made (PLUGIN_LIST: the .la files,
 * relative to the build directory) loads with plugin_open(), that is
 * dlopen(RTLD_NOW), so an unresolved symbol fails here and not in
 * production; its abi and size match.  A shared object that is not a
 * winrmd plugin, a file that is not a shared object, and a missing path
 * are refused with a message.
 */
#include "build.h"

#include <link.h>
#include <string.h>

#include "plugin.h"
#include "unit.h"

/* "dir/name.la" -> TOP_BUILDDIR "/dir/.libs/name.so" (malloc'd) */
static char *
so_path(const char *la, size_t len)
{
	const char *slash = memrchr(la, '/', len);
	size_t dirlen = slash ? (size_t)(slash - la) : 0;
	const char *name = slash ? slash + 1 : la;
	size_t namelen = len - (size_t)(name - la);
	char *path;

	ck_assert_msg(namelen > 3 && memcmp(name + namelen - 3, ".la", 3) == 0,
	    "%.*s is not a .la file", (int)len, la);
	ck_assert_int_ge(asprintf(&path, "%s/%.*s%s.libs/%.*s.so", TOP_BUILDDIR,
	    (int)dirlen, la, dirlen ? "/" : "", (int)(namelen - 3), name), 0);
	return path;
}

START_TEST(test_every_plugin)
{
	const char *p = PLUGIN_LIST;
	int n = 0;

	while (*p != '\0') {
		size_t len;
		char *path, err[1024] = "";
		struct plugin pl;

		p += strspn(p, " \t");
		if ((len = strcspn(p, " \t")) == 0)
			break;
		path = so_path(p, len);
		ck_assert_msg(access(path, R_OK) == 0, "%s was not built", path);
		ck_assert_msg(plugin_open(path, &pl, err, sizeof(err)) == 0,
		    "%s: %s", path, err);
		ck_assert_ptr_nonnull(pl.handle);
		ck_assert_ptr_nonnull(pl.def);
		ck_assert_uint_eq(pl.def->abi, WINRMD_PLUGIN_ABI);
		ck_assert_uint_eq(pl.def->size, sizeof(struct winrmd_plugin));
		ck_assert_ptr_nonnull(pl.def->name);
		ck_assert_ptr_nonnull(pl.def->init);
		ck_assert_ptr_nonnull(pl.def->resources);
		ck_assert_ptr_nonnull(pl.def->resources[0].uri);
		ck_assert_ptr_nonnull(pl.def->resources[0].actions);
		ck_assert_str_eq(pl.path, path);
		fprintf(stderr, "check_dlopen: %s %s from %s\n", pl.def->name,
		    pl.def->version ? pl.def->version : "", path);
		plugin_close(&pl);
		ck_assert_ptr_null(pl.handle);
		free(path);
		p += len;
		n++;
	}
	/* at least tests/plugins/testplug.la */
	ck_assert_msg(n >= 1, "PLUGIN_LIST is empty: \"%s\"", PLUGIN_LIST);
}
END_TEST

static int
find_other_so(struct dl_phdr_info *info, size_t size, void *arg)
{
	char **ret = arg;

	(void)size;
	if (info->dlpi_name == NULL || info->dlpi_name[0] != '/' ||
	    strstr(info->dlpi_name, ".so") == NULL ||
	    strstr(info->dlpi_name, "linux-vdso") != NULL ||
	    strstr(info->dlpi_name, "ld-linux") != NULL)
		return 0;
	*ret = strdup(info->dlpi_name);
	return 1;
}

/* a shared object on this system that is surely not a winrmd plugin */
static char *
some_library(void)
{
	static const char *const known[] = {
		"/lib/x86_64-linux-gnu/libz.so.1",
		"/usr/lib/x86_64-linux-gnu/libz.so.1",
		"/lib/aarch64-linux-gnu/libz.so.1",
		"/usr/lib64/libz.so.1",
		"/lib64/libz.so.1",
	};
	char *found = NULL;

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (access(known[i], R_OK) == 0)
			return strdup(known[i]);
	/* else one of the libraries this program is linked with */
	dl_iterate_phdr(find_other_so, &found);
	ck_assert_msg(found != NULL, "no shared library found to test with");
	return found;
}

START_TEST(test_not_a_plugin)
{
	char *lib = some_library(), err[1024] = "";
	struct plugin pl;

	ck_assert_int_eq(plugin_open(lib, &pl, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "not a winrmd plugin") != NULL, "%s: %s",
	    lib, err);
	ck_assert_ptr_nonnull(strstr(err, lib));
	ck_assert_ptr_null(pl.handle);
	ck_assert_ptr_null(pl.def);
	free(lib);
}
END_TEST

START_TEST(test_not_a_shared_object)
{
	char err[1024] = "";
	struct plugin pl;

	ck_assert_int_eq(plugin_open(TEST_DATA "/pywinrm-01-Create.xml", &pl,
	    err, sizeof(err)), -1);
	ck_assert_msg(err[0] != '\0', "no message");
	ck_assert_ptr_null(pl.handle);
}
END_TEST

START_TEST(test_missing)
{
	char err[1024] = "";
	struct plugin pl;

	ck_assert_int_eq(plugin_open("/nonexistent/winrmd/plugins/nothing.so",
	    &pl, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "nothing.so") != NULL, "%s", err);
	ck_assert_ptr_null(pl.handle);
	ck_assert_ptr_null(pl.path);
}
END_TEST

static Suite *
dlopen_suite(void)
{
	Suite *s = suite_create("dlopen");
	TCase *tc = tcase_create("plugins");

	tcase_add_test(tc, test_every_plugin);
	tcase_add_test(tc, test_not_a_plugin);
	tcase_add_test(tc, test_not_a_shared_object);
	tcase_add_test(tc, test_missing);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(dlopen_suite)
