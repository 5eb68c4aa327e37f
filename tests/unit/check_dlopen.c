/*
 * check_dlopen.c: every shared object this build made loads as the daemon
 * loads it (SSSD's dlopen-tests.c is the model): each plugin of
 * PLUGIN_LIST with plugin_open() and each CIM provider of PROVIDER_LIST
 * (win32.so, ipmi.so, the test provider) with dlopen(RTLD_NOW |
 * RTLD_LOCAL) as the cim plugin opens them, so an unresolved symbol fails
 * here and not in production; their abi and size match; the settings each
 * declares pass the daemon's checks (config_declare), and the shipped
 * conf/winrmd.conf lists those of the installed plugins and providers with
 * their defaults.  A plugin built for ABI 1, a shared object that is not
 * a winrmd plugin, a file that is not a shared object, and a missing path
 * are refused with a message.
 */
#include "build.h"

#include <dlfcn.h>
#include <link.h>
#include <string.h>

#include <winrmd/provider.h>

#include "config.h"
#include "plugin.h"
#include "unit.h"

#define SHIPPED_CONF	TOP_SRCDIR "/conf/winrmd.conf"

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

/* calls fn with the .so path of each .la of a list; returns how many */
static int
each_so(const char *list, void (*fn)(const char *path, bool installed))
{
	int n = 0;

	for (const char *p = list; *p != '\0';) {
		size_t len;
		char *path;

		p += strspn(p, " \t");
		if ((len = strcspn(p, " \t")) == 0)
			break;
		path = so_path(p, len);
		ck_assert_msg(access(path, R_OK) == 0, "%s was not built", path);
		/* those of tests/ are never installed */
		fn(path, strncmp(p, "tests/", 6) != 0);
		free(path);
		p += len;
		n++;
	}
	return n;
}

/*
 * The settings of `owner' pass the daemon's checks, and an installed
 * module's are in the shipped configuration, each under its section with
 * its default (paths, and the provider list, depend on the build)
 */
static void
check_settings(const char *owner, const struct winrmd_setting *t,
    bool installed)
{
	char err[1024] = "", *shipped;
	struct config *cfg = config_parse(NULL, err, sizeof(err));
	size_t missing = 0;

	ck_assert_ptr_nonnull(cfg);
	ck_assert_msg(config_declare(cfg, owner, t, err, sizeof(err)) == 0,
	    "%s", err);
	ck_assert_msg(config_finish(cfg, err, sizeof(err)) == 0, "%s", err);
	config_free(cfg);
	if (!installed || t == NULL)
		return;
	shipped = unit_read_path(SHIPPED_CONF, NULL);
	for (; t->section != NULL; t++) {
		bool loose = t->def[0] == '/' ||
		    strcmp(t->def, DEFAULT_PROVIDERS) == 0;
		char want[512];

		snprintf(want, sizeof(want), loose ? "#%s = " : "#%s = %s",
		    t->key, t->def);
		if (!unit_conf_has_line(shipped, t->section, unit_trim(want),
		    loose)) {
			fprintf(stderr, "%s: no line \"%s\" under [%s] (%s)\n",
			    SHIPPED_CONF, want, t->section, owner);
			missing++;
		}
	}
	free(shipped);
	ck_assert_msg(missing == 0, "%zu settings of %s are missing from %s",
	    missing, owner, SHIPPED_CONF);
}

static void
one_plugin(const char *path, bool installed)
{
	char err[1024] = "", owner[128];
	struct plugin pl;

	ck_assert_msg(plugin_open(path, &pl, err, sizeof(err)) == 0, "%s: %s",
	    path, err);
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
	snprintf(owner, sizeof(owner), "plugin %s", pl.def->name);
	check_settings(owner, pl.def->settings, installed);
	fprintf(stderr, "check_dlopen: plugin %s %s from %s\n", pl.def->name,
	    pl.def->version ? pl.def->version : "", path);
	plugin_close(&pl);
	ck_assert_ptr_null(pl.handle);
}

/* as plugins/cim/providers.c opens them */
static void
one_provider(const char *path, bool installed)
{
	const struct cim_provider *(*entry)(void);
	const struct cim_provider *def;
	char owner[128];
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);

	ck_assert_msg(h != NULL, "%s: %s", path, dlerror());
	*(void **)&entry = dlsym(h, "winrmd_provider_entry");
	ck_assert_msg(entry != NULL, "%s: no winrmd_provider_entry", path);
	def = entry();
	ck_assert_ptr_nonnull(def);
	ck_assert_uint_eq(def->abi, WINRMD_PROVIDER_ABI);
	ck_assert_uint_eq(def->size, sizeof(struct cim_provider));
	ck_assert_ptr_nonnull(def->name);
	ck_assert_ptr_nonnull(def->classes);
	ck_assert_ptr_nonnull(def->classes[0]);
	snprintf(owner, sizeof(owner), "provider %s", def->name);
	check_settings(owner, def->settings, installed);
	fprintf(stderr, "check_dlopen: provider %s %s from %s\n", def->name,
	    def->version ? def->version : "", path);
	ck_assert_int_eq(dlclose(h), 0);
}

START_TEST(test_every_plugin)
{
	/* at least tests/plugins/testplug.la */
	ck_assert_msg(each_so(PLUGIN_LIST, one_plugin) >= 1,
	    "PLUGIN_LIST is empty: \"%s\"", PLUGIN_LIST);
}
END_TEST

START_TEST(test_every_provider)
{
	/* win32.la and the test provider at least */
	ck_assert_msg(each_so(PROVIDER_LIST, one_provider) >= 2,
	    "PROVIDER_LIST is short: \"%s\"", PROVIDER_LIST);
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

/* a plugin built for another ABI: refused, the message says which */
START_TEST(test_other_abi)
{
	char err[1024] = "", want[128];
	struct plugin pl;

	ck_assert_int_eq(plugin_open(ABI1_PLUGIN, &pl, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "plugin ABI 1 (size %zu) does not match "
	    "this winrmd's ABI %u", 8 + 14 * sizeof(void *), WINRMD_PLUGIN_ABI);
	ck_assert_msg(strstr(err, want) != NULL && strstr(err,
	    "rebuild the plugin") != NULL, "%s", err);
	ck_assert_ptr_nonnull(strstr(err, ABI1_PLUGIN));
	ck_assert_ptr_null(pl.handle);
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
	tcase_add_test(tc, test_every_provider);
	tcase_add_test(tc, test_not_a_plugin);
	tcase_add_test(tc, test_other_abi);
	tcase_add_test(tc, test_not_a_shared_object);
	tcase_add_test(tc, test_missing);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(dlopen_suite)
