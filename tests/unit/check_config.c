/*
 * check_config.c: config_load() and config_find().  Defaults without a file,
 * a good file, every kind of error (each must name FILE:LINE), case-
 * insensitive lookups, and that the shipped conf/winrmd.conf lists every key
 * of conf_defs[] commented out with its default, under its [Section].
 * TLSPriority: checked by GnuTLS, and what the default offers.
 * Settings a module declares (config_declare, as plugins do): their
 * values, continued lists, unknown keys and sections, bad values, bad and
 * conflicting declarations, the example file and the keys a reload cannot
 * apply.  Listeners: the [Listener] form, [Listener NAME] sections, their
 * defaults, every refusal (overlapping addresses and ports among them) and
 * the changes a reload names.
 */
#include "build.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>

#include "config.h"
#include "unit.h"

#define SHIPPED_CONF	TOP_SRCDIR "/conf/winrmd.conf"

/* Loads text as a config file; returns the config (or NULL, err set). */
static struct config *
load_text(const char *text, char **ret_path, char *err, size_t errlen)
{
	char *path = unit_tmp_file(text);

	err[0] = '\0';
	*ret_path = path;
	return config_load(path, err, errlen);
}

typedef struct config *(*loader_fn)(const char *text, char **ret_path,
    char *err, size_t errlen);

/*
 * The file, read by `load', must be refused with "PATH:LINE: ..." and the
 * message must contain `what'.
 */
static void
expect_load_error(loader_fn load, const char *text, int line, const char *what)
{
	char err[512], prefix[4200], *path;
	struct config *cfg = load(text, &path, err, sizeof(err));

	ck_assert_msg(cfg == NULL, "accepted: %s", text);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0,
	    "error \"%s\" does not start with \"%s\"", err, prefix);
	ck_assert_msg(strstr(err, what) != NULL,
	    "error \"%s\" does not mention \"%s\"", err, what);
	unit_tmp_remove(path);
}

/* as the daemon reads a file without plugins */
static void
expect_error(const char *text, int line, const char *what)
{
	expect_load_error(load_text, text, line, what);
}

/* what a plugin could declare: [Test], and [Shared] that two declare */
static const struct winrmd_setting test_settings[] = {
	{ "Test", "Mode", WINRMD_SETTING_ENUM, "auto", 0, 0, "auto|pwsh|sh",
	  "how", 0 },
	{ "Test", "Count", WINRMD_SETTING_UINT, "5", 1, 10, NULL, "how many",
	  WINRMD_SETTING_RESTART },
	{ "Test", "Names", WINRMD_SETTING_LIST, "a b", 0, 0, NULL, "who", 0 },
	{ "Shared", "On", WINRMD_SETTING_BOOL, "true", 0, 0, NULL, "whether",
	  0 },
	{ NULL },
};

/* the file read as the daemon reads it with a plugin declaring the above */
static struct config *
load_declared(const char *text, char **ret_path, char *err, size_t errlen)
{
	char *path = unit_tmp_file(text);
	struct config *cfg;

	err[0] = '\0';
	*ret_path = path;
	if ((cfg = config_parse(path, err, errlen)) == NULL)
		return NULL;
	if (config_declare(cfg, "plugin test", test_settings, err,
	    errlen) < 0 || config_finish(cfg, err, errlen) < 0) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* as the daemon reads a file with a plugin declaring test_settings */
static void
expect_declared_error(const char *text, int line, const char *what)
{
	expect_load_error(load_declared, text, line, what);
}

START_TEST(test_defaults)
{
	char err[256] = "";
	struct config *cfg = config_load(NULL, err, sizeof(err));

	ck_assert_msg(cfg != NULL, "config_load(NULL): %s", err);
	ck_assert_ptr_null(cfg->path);
	for (size_t i = 0; i < _CK_MAX; i++) {
		ck_assert_ptr_nonnull(cfg->v[i].s);
		ck_assert_str_eq(cfg->v[i].s, conf_defs[i].def);
		ck_assert_int_eq(cfg->v[i].line, 0);
		if (conf_defs[i].type == CT_LIST)
			ck_assert_ptr_nonnull(cfg->v[i].list);
	}
	ck_assert_uint_eq(conf_u(cfg, CK_LISTENER_HTTP_PORT), 5985);
	ck_assert_uint_eq(conf_u(cfg, CK_LISTENER_HTTPS_PORT), 5986);
	ck_assert_uint_eq(conf_u(cfg, CK_SERVICE_MAX_ENVELOPE_KB), 512);
	ck_assert_uint_eq(conf_u(cfg, CK_SERVICE_MAX_TIMEOUT_MS), 60000);
	ck_assert(!conf_b(cfg, CK_SERVICE_ALLOW_UNENCRYPTED));
	ck_assert(conf_b(cfg, CK_AUTH_BASIC));
	ck_assert(!conf_b(cfg, CK_AUTH_PERMIT_ROOT));
	ck_assert_str_eq(conf_s(cfg, CK_SERVICE_LOG_LEVEL), "info");
	ck_assert_str_eq(conf_list(cfg, CK_LISTENER_ADDRESS)[0], "*");
	ck_assert_ptr_null(conf_list(cfg, CK_LISTENER_ADDRESS)[1]);
	ck_assert_ptr_null(conf_list(cfg, CK_AUTH_ALLOWED_GROUPS)[0]);
	ck_assert_str_eq(conf_list(cfg, CK_PLUGINS_LOAD)[0], "shell");
	config_free(cfg);
}
END_TEST

START_TEST(test_good_file)
{
	static const char text[] =
	    "# a comment\n"				/* 1 */
	    "; another comment\n"			/* 2 */
	    "\n"					/* 3 */
	    "[Listener]\n"				/* 4 */
	    "Address = 127.0.0.1, ::1  10.0.0.1\n"	/* 5 */
	    "HTTPPort = 0\n"				/* 6 */
	    "[service]\n"				/* 7 */
	    "maxenvelopesizekb = 150\n"			/* 8 */
	    "MaxTimeoutms = 4294967295\n"		/* 9 */
	    "AllowUnencrypted = YES\n"			/* 10 */
	    "LogLevel = DEBUG\n"			/* 11 */
	    "[Auth]\n"					/* 12 */
	    "Basic = off\n"				/* 13 */
	    "PermitRoot = 1\n"				/* 14 */
	    "AllowedGroups = wheel,winrm\n"		/* 15 */
	    "[Test]\n"					/* 16 */
	    "Mode = sh\n"				/* 17 */
	    "[Plugins]\n"				/* 18 */
	    "Load = shell /opt/x/cim.so\n";		/* 19 */
	char err[512], *path;
	struct config *cfg = load_declared(text, &path, err, sizeof(err));
	char *const *l;

	ck_assert_msg(cfg != NULL, "good file refused: %s", err);
	ck_assert_str_eq(cfg->path, path);
	l = conf_list(cfg, CK_LISTENER_ADDRESS);
	ck_assert_str_eq(l[0], "127.0.0.1");
	ck_assert_str_eq(l[1], "::1");
	ck_assert_str_eq(l[2], "10.0.0.1");
	ck_assert_ptr_null(l[3]);
	ck_assert_int_eq(cfg->v[CK_LISTENER_ADDRESS].line, 5);
	ck_assert_uint_eq(conf_u(cfg, CK_LISTENER_HTTP_PORT), 0);
	ck_assert_uint_eq(conf_u(cfg, CK_SERVICE_MAX_ENVELOPE_KB), 150);
	ck_assert_int_eq(cfg->v[CK_SERVICE_MAX_ENVELOPE_KB].line, 8);
	ck_assert_uint_eq(conf_u(cfg, CK_SERVICE_MAX_TIMEOUT_MS), 4294967295ULL);
	ck_assert(conf_b(cfg, CK_SERVICE_ALLOW_UNENCRYPTED));
	ck_assert_str_eq(conf_s(cfg, CK_SERVICE_LOG_LEVEL), "DEBUG");
	ck_assert(!conf_b(cfg, CK_AUTH_BASIC));
	ck_assert(conf_b(cfg, CK_AUTH_PERMIT_ROOT));
	l = conf_list(cfg, CK_AUTH_ALLOWED_GROUPS);
	ck_assert_str_eq(l[0], "wheel");
	ck_assert_str_eq(l[1], "winrm");
	ck_assert_ptr_null(l[2]);
	ck_assert_str_eq(config_find(cfg, "test", "mode")->s, "sh");
	ck_assert_int_eq(config_find(cfg, "test", "mode")->line, 17);
	l = conf_list(cfg, CK_PLUGINS_LOAD);
	ck_assert_str_eq(l[0], "shell");
	ck_assert_str_eq(l[1], "/opt/x/cim.so");
	ck_assert_ptr_null(l[2]);
	/* keys not in the file keep their defaults */
	ck_assert_uint_eq(conf_u(cfg, CK_LISTENER_HTTPS_PORT), 5986);
	ck_assert_int_eq(cfg->v[CK_LISTENER_HTTPS_PORT].line, 0);
	ck_assert_str_eq(conf_s(cfg, CK_AUTH_PAM_SERVICE), "winrm");
	config_free(cfg);
	unit_tmp_remove(path);
}
END_TEST

START_TEST(test_empty_file)
{
	char err[512], *path;
	struct config *cfg = load_text("", &path, err, sizeof(err));

	ck_assert_msg(cfg != NULL, "empty file refused: %s", err);
	ck_assert_uint_eq(conf_u(cfg, CK_SERVICE_MAX_ENVELOPE_KB), 512);
	config_free(cfg);
	unit_tmp_remove(path);
}
END_TEST

START_TEST(test_unknown_section)
{
	/* reported where the first key of the section is met */
	expect_error("[Service]\nMaxBatchItems = 10\n[Servce]\nMaxTimeoutms = 1000\n",
	    4, "unknown section [Servce]");
}
END_TEST

START_TEST(test_unknown_key)
{
	expect_error("[Service]\nMaxBatchItems = 10\nMaxTimeout = 1000\n", 3,
	    "unknown key MaxTimeout in [Service]");
	/* a key of another section is unknown here */
	expect_error("[Auth]\nMaxBatchItems = 10\n", 2, "unknown key");
}
END_TEST

START_TEST(test_bad_bool)
{
	expect_error("\n[Auth]\nPermitRoot = maybe\n", 3, "expected true or false");
	expect_error("[Auth]\nBasic =\n", 2, "expected true or false");
}
END_TEST

START_TEST(test_number_out_of_range)
{
	/* MaxEnvelopeSizekb is 32..65536 */
	expect_error("[Service]\nMaxEnvelopeSizekb = 31\n", 2, "between 32 and 65536");
	expect_error("[Service]\nMaxEnvelopeSizekb = 65537\n", 2, "between 32 and 65536");
	expect_error("[Listener]\nHTTPPort = 65536\n", 2, "between 0 and 65535");
	expect_error("[Service]\nMaxTimeoutms = 4294967296\n", 2, "between");
	expect_error("[Service]\nMaxTimeoutms = 99999999999999999999999\n", 2,
	    "expected a number");
	expect_error("[Service]\nMaxBatchItems = -1\n", 2, "expected a number");
	expect_error("[Service]\nMaxBatchItems = 10x\n", 2, "expected a number");
	expect_error("[Service]\nMaxBatchItems = 0x10\n", 2, "expected a number");
}
END_TEST

START_TEST(test_bad_enum)
{
	expect_declared_error("[Test]\nMode = bash\n", 2, "auto|pwsh|sh");
	/* a prefix of a choice is not a choice */
	expect_error("[Service]\nLogLevel = warn\n", 2, "must be one of");
}
END_TEST

START_TEST(test_bad_tls_priority)
{
	expect_error("[Listener]\nTLSPriority = NORMAL:+NO-SUCH-CIPHER\n", 2,
	    "+NO-SUCH-CIPHER is not understood");
	expect_error("[Listener]\nTLSPriority = BOGUS\n", 2,
	    "not a GnuTLS priority string");
	expect_error("[Listener]\nTLSPriority =\n", 2, "TLSPriority is empty");
}
END_TEST

/*
 * The default offers TLS 1.3, and on TLS 1.2 only ECDHE or DHE with AEAD
 * ciphers (no static RSA, no CBC, no SHA-1 MAC); it is accepted as a file
 * value too.
 */
START_TEST(test_tls_priority_default)
{
	char err[512], *path, text[512];
	struct config *cfg;
	gnutls_priority_t prio;
	unsigned sidx, n12 = 0, n13 = 0;
	int r;

	ck_assert_int_eq(gnutls_priority_init(&prio, TLS_PRIORITY_DEFAULT, NULL),
	    GNUTLS_E_SUCCESS);
	for (unsigned i = 0; (r = gnutls_priority_get_cipher_suite_index(prio,
	    i, &sidx)) != GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE; i++) {
		gnutls_kx_algorithm_t kx;
		gnutls_cipher_algorithm_t cipher;
		gnutls_mac_algorithm_t mac;
		gnutls_protocol_t min;
		unsigned char id[2];
		const char *name;

		if (r != 0)
			continue;
		name = gnutls_cipher_suite_info(sidx, id, &kx, &cipher, &mac,
		    &min);
		ck_assert_ptr_nonnull(name);
		ck_assert_msg(mac == GNUTLS_MAC_AEAD, "%s has no AEAD cipher",
		    name);
		ck_assert_msg(min >= GNUTLS_TLS1_2, "%s is older than TLS 1.2",
		    name);
		if (min == GNUTLS_TLS1_3) {
			n13++;
			continue;
		}
		n12++;
		ck_assert_msg(kx == GNUTLS_KX_ECDHE_RSA ||
		    kx == GNUTLS_KX_ECDHE_ECDSA || kx == GNUTLS_KX_DHE_RSA,
		    "%s has no forward secrecy", name);
	}
	gnutls_priority_deinit(prio);
	ck_assert_uint_ge(n12, 6);
	ck_assert_uint_ge(n13, 2);

	snprintf(text, sizeof(text), "[Listener]\nTLSPriority = %s\n",
	    TLS_PRIORITY_DEFAULT);
	cfg = load_text(text, &path, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "the default as a file value: %s", err);
	ck_assert_str_eq(conf_s(cfg, CK_LISTENER_TLS_PRIORITY),
	    TLS_PRIORITY_DEFAULT);
	config_free(cfg);
	unit_tmp_remove(path);
}
END_TEST

START_TEST(test_key_set_twice)
{
	expect_error("[Service]\nMaxBatchItems = 10\n# again\nmaxbatchitems = 20\n",
	    4, "set twice (first on line 2)");
	/* the same section opened twice does not make it legal */
	expect_error("[Auth]\nBasic = true\n[Service]\nLogLevel = info\n[auth]\n"
	    "Basic = false\n", 6, "set twice");
}
END_TEST

START_TEST(test_key_outside_section)
{
	expect_error("# comment\nMaxBatchItems = 10\n[Service]\n", 2,
	    "outside any [section]");
}
END_TEST

START_TEST(test_syntax_error)
{
	expect_error("[Service]\nMaxBatchItems = 10\nthis is not a key\n", 3,
	    "syntax error");
}
END_TEST

START_TEST(test_long_line)
{
	size_t n = 20000;
	char *text = malloc(n + 64);

	ck_assert_ptr_nonnull(text);
	strcpy(text, "[Listener]\nURLPrefix = ");
	memset(text + strlen(text), 'a', n);
	strcpy(text + strlen("[Listener]\nURLPrefix = ") + n, "\nHTTPPort = 1\n");
	expect_error(text, 2, "line longer than");
	free(text);
}
END_TEST

START_TEST(test_missing_file)
{
	char err[512] = "";
	const char *path = "/nonexistent/winrmd-unit/winrmd.conf";
	struct config *cfg = config_load(path, err, sizeof(err));

	ck_assert_ptr_null(cfg);
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0,
	    "error \"%s\" does not name the file", err);
	ck_assert_msg(strstr(err, strerror(ENOENT)) != NULL,
	    "error \"%s\" does not say why", err);
}
END_TEST

START_TEST(test_find)
{
	char err[256];
	struct config *cfg = config_load(NULL, err, sizeof(err));

	ck_assert_ptr_nonnull(cfg);
	ck_assert_ptr_eq(config_find(cfg, "Service", "MaxEnvelopeSizekb"),
	    &cfg->v[CK_SERVICE_MAX_ENVELOPE_KB]);
	ck_assert_ptr_eq(config_find(cfg, "service", "MAXENVELOPESIZEKB"),
	    &cfg->v[CK_SERVICE_MAX_ENVELOPE_KB]);
	ck_assert_ptr_eq(config_find(cfg, "plugins", "load"),
	    &cfg->v[CK_PLUGINS_LOAD]);
	ck_assert_ptr_null(config_find(cfg, "Auth", "MaxEnvelopeSizekb"));
	ck_assert_ptr_null(config_find(cfg, "Service", "NoSuchKey"));
	ck_assert_ptr_null(config_find(cfg, "", ""));
	for (size_t i = 0; i < _CK_MAX; i++)
		ck_assert_ptr_eq(config_find(cfg, conf_defs[i].section,
		    conf_defs[i].key), &cfg->v[i]);
	config_free(cfg);
}
END_TEST

/* the schema itself: unique names, defaults within bounds, help text */
START_TEST(test_schema)
{
	for (size_t i = 0; i < _CK_MAX; i++) {
		const struct conf_def *d = &conf_defs[i];

		ck_assert_msg(d->section != NULL && d->key != NULL,
		    "conf_defs[%zu] is empty", i);
		ck_assert_msg(d->help != NULL && d->help[0] != '\0',
		    "%s has no help text", d->key);
		ck_assert_msg(d->type != CT_ENUM || d->choices != NULL,
		    "%s has no choices", d->key);
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(strcasecmp(conf_defs[j].section,
			    d->section) != 0 || strcasecmp(conf_defs[j].key,
			    d->key) != 0, "%s is in the schema twice", d->key);
	}
}
END_TEST

START_TEST(test_shipped_conf)
{
	char err[512];
	struct config *cfg;
	char *text;
	size_t missing = 0;

	ck_assert_msg(access(SHIPPED_CONF, R_OK) == 0,
	    "%s does not exist (or is not readable): the shipped "
	    "configuration must list every key with its default",
	    SHIPPED_CONF);
	text = unit_read_path(SHIPPED_CONF, NULL);

	/* every line commented: it parses and changes nothing */
	cfg = config_load(SHIPPED_CONF, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "the shipped configuration is refused: %s",
	    err);
	for (size_t i = 0; i < _CK_MAX; i++)
		ck_assert_msg(cfg->v[i].line == 0, "%s:%d sets %s: the shipped "
		    "file should only show defaults", SHIPPED_CONF,
		    cfg->v[i].line, conf_defs[i].key);
	config_free(cfg);

	for (size_t i = 0; i < _CK_MAX; i++) {
		const struct conf_def *d = &conf_defs[i];
		/* defaults that are paths depend on how it was configured */
		bool is_path = d->def[0] == '/';
		char want[512];

		if (is_path)
			snprintf(want, sizeof(want), "#%s = ", d->key);
		else
			snprintf(want, sizeof(want), "#%s = %s", d->key, d->def);
		/* "#AllowedGroups = " with an empty default */
		if (!unit_conf_has_line(text, d->section, unit_trim(want), is_path)) {
			fprintf(stderr, "%s: no line \"%s\" under [%s]\n",
			    SHIPPED_CONF, want, d->section);
			missing++;
		}
	}
	free(text);
	ck_assert_msg(missing == 0, "%zu keys of conf_defs[] are missing from "
	    "%s (see stderr)", missing, SHIPPED_CONF);
}
END_TEST

/* ------------------------------------------------- declared settings */

START_TEST(test_declared)
{
	static const char text[] =
	    "[test]\n"					/* 1 */
	    "count = 7\n"				/* 2 */
	    "Names = x,\n"				/* 3 */
	    "  y z\n"					/* 4 */
	    "[Service]\n"				/* 5 */
	    "MaxBatchItems = 9\n";			/* 6 */
	char err[512], *path;
	struct config *cfg = load_declared(text, &path, err, sizeof(err));
	const struct conf_value *v;

	ck_assert_msg(cfg != NULL, "refused: %s", err);
	ck_assert_uint_eq(conf_u(cfg, CK_SERVICE_MAX_BATCH_ITEMS), 9);
	v = config_find(cfg, "TEST", "COUNT");
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(v->u, 7);
	ck_assert_int_eq(v->line, 2);
	v = config_find(cfg, "Test", "Names");
	ck_assert_str_eq(v->list[0], "x");
	ck_assert_str_eq(v->list[1], "y");
	ck_assert_str_eq(v->list[2], "z");
	ck_assert_ptr_null(v->list[3]);
	/* not in the file: the declared default */
	v = config_find(cfg, "Test", "Mode");
	ck_assert_str_eq(v->s, "auto");
	ck_assert_int_eq(v->line, 0);
	ck_assert(config_find(cfg, "shared", "on")->u == 1);
	ck_assert_ptr_null(config_find(cfg, "Test", "Nope"));
	ck_assert_str_eq(config_def(cfg, "test", "count")->help, "how many");
	/* every declared key is found through the snapshot's table */
	for (size_t k = 0; k < cfg->ndecl; k++)
		ck_assert_ptr_eq(config_find(cfg, cfg->decl[k].d.section,
		    cfg->decl[k].d.key), &cfg->dv[k]);
	config_free(cfg);
	unit_tmp_remove(path);
}
END_TEST

START_TEST(test_declared_errors)
{
	/* a renamed key does not fall back to its default unnoticed */
	expect_declared_error("[Test]\nMode = sh\nCounts = 3\n", 3,
	    "unknown key Counts in [Test] (its keys are declared by plugin "
	    "test)");
	expect_declared_error("[Test]\nCount = 11\n", 2, "between 1 and 10");
	expect_declared_error("[Test]\nCount = 2\n[Shared]\nOn = maybe\n", 4,
	    "expected true or false");
	expect_declared_error("[Test]\nCount = 2\ncount = 3\n", 3,
	    "set twice (first on line 2)");
	/* the plugins' sections: the first error by line */
	expect_declared_error("[Nowhere]\nx = 1\n[Test]\nCount = 0\n", 2,
	    "unknown section [Nowhere]");
	expect_declared_error("[Test]\nCount = 0\n[Nowhere]\nx = 1\n", 2,
	    "between 1 and 10");
	/* the daemon's own sections are read (and refused) first */
	expect_declared_error("[Test]\nCount = 0\n[Service]\nLogLevel = x\n", 4,
	    "must be one of");
	/* without the declaration, [Test] is nobody's */
	expect_error("[Test]\nMode = sh\n", 2, "unknown section [Test]");
}
END_TEST

static int
declare(struct config *cfg, const struct winrmd_setting *t, char *err,
    size_t errlen)
{
	return config_declare(cfg, "plugin bad", t, err, errlen);
}

START_TEST(test_bad_declarations)
{
	static const struct { struct winrmd_setting t[2]; const char *why; } bad[] = {
		{ { { "Bad", "X", WINRMD_SETTING_UINT, "0", 1, 10, NULL, "x", 0 } },
		  "its default 0 is refused" },
		{ { { "Bad", "X", WINRMD_SETTING_STRING, "", 0, 0, NULL, NULL, 0 } },
		  "no help text" },
		{ { { "Bad", "X", WINRMD_SETTING_ENUM, "a", 0, 0, NULL, "x", 0 } },
		  "without choices" },
		{ { { "Bad", "X", WINRMD_SETTING_UINT, "5", 9, 1, NULL, "x", 0 } },
		  "minimum is above" },
		{ { { "Ba d", "X", WINRMD_SETTING_STRING, "", 0, 0, NULL, "x", 0 } },
		  "letters, digits" },
		{ { { "Service", "X", WINRMD_SETTING_STRING, "", 0, 0, NULL, "x",
		  0 } }, "a section of the daemon's" },
		{ { { "certmapping", "X", WINRMD_SETTING_STRING, "", 0, 0, NULL,
		  "x", 0 } }, "a section of the daemon's" },
		{ { { "Test", "Count", WINRMD_SETTING_UINT, "5", 1, 11, NULL, "x",
		  WINRMD_SETTING_RESTART } }, "otherwise than plugin test does" },
		{ { { "Test", "Mode", WINRMD_SETTING_STRING, "auto", 0, 0, NULL,
		  "x", 0 } }, "otherwise than plugin test does" },
	};
	static const struct winrmd_setting alike[] = {
		{ "Shared", "On", WINRMD_SETTING_BOOL, "true", 0, 0, NULL,
		  "another text for the same key", 0 },
		{ NULL },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[512] = "";
		struct config *cfg = config_parse(NULL, err, sizeof(err));

		ck_assert_ptr_nonnull(cfg);
		ck_assert_int_eq(config_declare(cfg, "plugin test",
		    test_settings, err, sizeof(err)), 0);
		ck_assert_int_eq(declare(cfg, bad[i].t, err, sizeof(err)), -1);
		ck_assert_msg(strstr(err, bad[i].why) != NULL &&
		    strncmp(err, "plugin bad declares [", 21) == 0,
		    "case %zu: \"%s\" does not say \"%s\"", i, err, bad[i].why);
		config_free(cfg);
	}
	/* the same key declared alike by two: one setting */
	{
		char err[512] = "";
		struct config *cfg = config_parse(NULL, err, sizeof(err));

		ck_assert_int_eq(config_declare(cfg, "plugin test",
		    test_settings, err, sizeof(err)), 0);
		ck_assert_int_eq(declare(cfg, alike, err, sizeof(err)), 0);
		ck_assert_uint_eq(cfg->ndecl, 4);
		ck_assert_int_eq(config_finish(cfg, err, sizeof(err)), 0);
		config_free(cfg);
	}
}
END_TEST

/* --example-config lists declared settings, and reads back */
START_TEST(test_example)
{
	char err[512] = "", *text = NULL, *path;
	size_t len = 0;
	struct config *cfg = config_parse(NULL, err, sizeof(err));
	FILE *out = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(config_declare(cfg, "plugin test", test_settings, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(config_finish(cfg, err, sizeof(err)), 0);
	config_write_example(out, cfg);
	fclose(out);
	config_free(cfg);
	ck_assert(unit_conf_has_line(text, "Test", "#Count = 5", false));
	ck_assert(unit_conf_has_line(text, "Test", "# how many", false));
	ck_assert(unit_conf_has_line(text, "Shared", "#On = true", false));
	ck_assert(unit_conf_has_line(text, "Service", "#MaxBatchItems = 32000", false));
	ck_assert_ptr_nonnull(strstr(text, "# the settings of plugin test\n"
	    "[Test]\n"));
	/* uncommented, every default is a value the schema takes */
	for (char *p = text; (p = strstr(p, "\n#")) != NULL; p++)
		if (isupper((unsigned char)p[2]))
			memmove(p + 1, p + 2, strlen(p + 2) + 1);
	cfg = load_declared(text, &path, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "the example is refused: %s", err);
	ck_assert_int_eq(config_find(cfg, "Test", "Count")->line != 0, 1);
	config_free(cfg);
	unit_tmp_remove(path);
	free(text);
}
END_TEST

static void
note_restart(const struct conf_def *d, void *arg)
{
	char *seen = arg;

	strcat(seen, d->key);
	strcat(seen, " ");
}

/* the keys a reload cannot apply, the daemon's and declared ones */
START_TEST(test_restart_changes)
{
	char err[512], *p1, *p2, seen[256] = "";
	struct config *a = load_declared("[Test]\nCount = 5\nMode = sh\n"
	    "[Listener]\nHTTPPort = 1\n", &p1, err, sizeof(err));
	struct config *b = load_declared("[Test]\nCount = 6\nMode = auto\n"
	    "[Listener]\nHTTPPort = 2\n[Service]\nLogLevel = debug\n", &p2, err,
	    sizeof(err));

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	config_restart_changes(a, b, note_restart, seen);
	ck_assert_str_eq(seen, "HTTPPort Count ");
	config_free(a);
	config_free(b);
	unit_tmp_remove(p1);
	unit_tmp_remove(p2);
}
END_TEST

/* ---------------------------------------------------------- listeners */

static const struct conf_listener *
listener_named(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nlisteners; i++)
		if (cfg->listeners[i].name != NULL &&
		    strcmp(cfg->listeners[i].name, name) == 0)
			return &cfg->listeners[i];
	return NULL;
}

/* the [Listener] form: each address, HTTP then HTTPS, as before */
START_TEST(test_listeners_old_form)
{
	char err[512], *path;
	struct config *cfg = load_text("[Listener]\nAddress = 127.0.0.1 ::1\n"
	    "HTTPPort = 0\nHTTPSPort = 6000\nURLPrefix = ws/x\n"
	    "CertificateFile = /c.crt\nKeyFile = /c.key\n", &path, err,
	    sizeof(err));
	const struct conf_listener *l;

	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_uint_eq(cfg->nlisteners, 2);
	for (size_t i = 0; i < 2; i++) {
		l = &cfg->listeners[i];
		ck_assert_ptr_null(l->name);
		ck_assert(l->tls && l->enabled);
		ck_assert_uint_eq(l->port, 6000);
		ck_assert_str_eq(l->url_prefix, "ws/x");
		ck_assert_str_eq(l->cert_file, "/c.crt");
		ck_assert_str_eq(l->key_file, "/c.key");
		ck_assert_str_eq(l->thumbprint, "");
		ck_assert_int_eq(l->line, 0);
	}
	ck_assert_str_eq(cfg->listeners[0].address, "127.0.0.1");
	ck_assert_str_eq(cfg->listeners[1].address, "::1");
	config_free(cfg);
	unit_tmp_remove(path);

	/* no file: * on 5985 and 5986 */
	cfg = config_load(NULL, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_uint_eq(cfg->nlisteners, 2);
	ck_assert_str_eq(cfg->listeners[0].address, "*");
	ck_assert(!cfg->listeners[0].tls);
	ck_assert_uint_eq(cfg->listeners[0].port, 5985);
	ck_assert(cfg->listeners[1].tls);
	ck_assert_uint_eq(cfg->listeners[1].port, 5986);
	config_free(cfg);
}
END_TEST

START_TEST(test_listeners_named)
{
	char err[512], *path;
	struct config *cfg = load_text(
	    "[Listener]\nURLPrefix = base\nCertificateFile = /d.crt\n"
	    "KeyFile = /d.key\n"
	    "[Listener web]\nTransport = http\n"
	    "[Listener local-1]\nAddress = IP:[::1]\nTransport = HTTPS\n"
	    "Port = 7000\nURLPrefix = own\n"
	    "CertificateThumbprint = ab:cd 0123456789abcdef0123456789ABCDEF0123\n"
	    "[Listener files]\nAddress = 10.0.0.1\nTransport = HTTPS\n"
	    "CertificateFile = /f.crt\nKeyFile = /f.key\nEnabled = no\n"
	    "[listener web]\nPort = 8080\n", &path, err, sizeof(err));
	const struct conf_listener *l;

	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_uint_eq(cfg->nlisteners, 3);
	ck_assert_ptr_nonnull(l = listener_named(cfg, "web"));
	ck_assert(!l->tls && l->enabled);
	ck_assert_str_eq(l->address, "*");
	ck_assert_uint_eq(l->port, 8080);	/* the section, read twice */
	ck_assert_str_eq(l->url_prefix, "base");
	ck_assert_ptr_null(l->cert_file);
	ck_assert_int_eq(l->line, 6);	/* its first key */
	ck_assert_ptr_nonnull(l = listener_named(cfg, "local-1"));
	ck_assert(l->tls);
	ck_assert_str_eq(l->address, "::1");
	ck_assert_uint_eq(l->port, 7000);
	ck_assert_str_eq(l->url_prefix, "own");
	ck_assert_str_eq(l->thumbprint,
	    "ABCD0123456789ABCDEF0123456789ABCDEF0123");
	ck_assert_ptr_null(l->cert_file);
	ck_assert_ptr_nonnull(l = listener_named(cfg, "files"));
	ck_assert(l->tls && !l->enabled);
	ck_assert_uint_eq(l->port, 5986);	/* HTTPS's default */
	ck_assert_str_eq(l->cert_file, "/f.crt");
	ck_assert_str_eq(l->key_file, "/f.key");
	config_free(cfg);
	unit_tmp_remove(path);

	/* the [Listener] files are the default certificate */
	cfg = load_text("[Listener]\nCertificateFile = /d.crt\nKeyFile = /d.key\n"
	    "[Listener s]\nTransport = HTTPS\n", &path, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_uint_eq(cfg->nlisteners, 1);
	ck_assert_str_eq(cfg->listeners[0].cert_file, "/d.crt");
	ck_assert_str_eq(cfg->listeners[0].key_file, "/d.key");
	config_free(cfg);
	unit_tmp_remove(path);
}
END_TEST

/* every refusal names FILE:LINE */
START_TEST(test_listeners_errors)
{
	/* overlapping address and port: the same, * over one, 0.0.0.0 */
	expect_error("[Listener a]\nAddress = 127.0.0.1\nTransport = HTTPS\n"
	    "[Listener b]\nAddress = 127.0.0.1\nTransport = HTTPS\nPort = 5986\n",
	    7, "[Listener b]: 127.0.0.1 port 5986 is already [Listener a]'s "
	    "(line 2)");
	expect_error("[Listener a]\nAddress = ::1\nTransport = HTTP\nPort = 80\n"
	    "[Listener b]\nTransport = HTTPS\nPort = 80\n", 7,
	    "* port 80 is already [Listener a]'s");
	expect_error("[Listener a]\nAddress = 0.0.0.0\nTransport = HTTP\n"
	    "[Listener b]\nAddress = 10.1.1.1\nTransport = HTTP\n", 5,
	    "10.1.1.1 port 5985 is already");
	expect_error("[Listener a]\nAddress = IP:::1\nTransport = HTTP\n"
	    "[Listener b]\nAddress = 0:0::1\nTransport = HTTP\n", 5,
	    "already [Listener a]'s");
	/* the [Listener] form: an address twice, the two ports one */
	expect_error("[Listener]\nAddress = 127.0.0.1 127.0.0.1\n", 2,
	    "127.0.0.1 port 5985 twice");
	expect_error("[Listener]\nHTTPPort = 7000\nHTTPSPort = 7000\n", 3,
	    "port 7000 twice");
	expect_error("[Listener]\nAddress = 10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4 "
	    "10.0.0.5 10.0.0.6 10.0.0.7 10.0.0.8 10.0.0.9\n", 2,
	    "18 listeners (an HTTP and an HTTPS one per address), more than 16");
	/* the form's keys beside named sections */
	expect_error("[Listener]\nHTTPSPort = 1\n[Listener a]\nTransport = HTTP\n",
	    2, "[Listener] HTTPSPort: with [Listener NAME] sections");
	expect_error("[Listener a]\nTransport = HTTP\n[Listener]\nAddress = *\n",
	    4, "[Listener] Address: with [Listener NAME] sections");
	/* values and sections */
	expect_error("[Listener a]\nAddress = 127.0.0.1\n", 2,
	    "[Listener a] needs Transport");
	expect_error("[Listener a]\nTransport = FTP\n", 2,
	    "Transport must be HTTP or HTTPS");
	expect_error("[Listener a]\nTransport = HTTP\nPort = 0\n", 3,
	    "Port must be between 1 and 65535");
	expect_error("[Listener a]\nTransport = HTTP\nPort = 65536\n", 3,
	    "Port must be between 1 and 65535");
	expect_error("[Listener a]\nAddress = localhost\n", 2,
	    "expected *, an IPv4 or IPv6 address");
	expect_error("[Listener a]\nTransport = HTTPS\nCertificateThumbprint = "
	    "0123456789ABCDEF0123456789ABCDEF0123456\n", 3,
	    "40 hexadecimal digits");
	expect_error("[Listener a]\nTransport = HTTPS\nCertificateThumbprint = "
	    "0123456789ABCDEF0123456789ABCDEF0123456G\n", 3,
	    "40 hexadecimal digits");
	expect_error("[Listener a]\nTransport = HTTPS\nCertificateFile = x.crt\n",
	    3, "CertificateFile must be an absolute path");
	expect_error("[Listener a]\nTransport = HTTPS\nCertificateFile = /x.crt\n",
	    3, "CertificateFile and KeyFile go together");
	expect_error("[Listener a]\nTransport = HTTPS\nCertificateFile = /x.crt\n"
	    "KeyFile = /x.key\nCertificateThumbprint = "
	    "0123456789ABCDEF0123456789ABCDEF01234567\n", 5,
	    "either CertificateThumbprint or CertificateFile");
	expect_error("[Listener a]\nTransport = HTTP\nKeyFile = /x.key\n", 3,
	    "an HTTP listener has no certificate");
	expect_error("[Listener a]\nTransport = HTTP\nEnabled = maybe\n", 3,
	    "expected true or false");
	expect_error("[Listener a]\nTransport = HTTP\nURLPrefix = /wsman\n", 3,
	    "URLPrefix must be a path");
	expect_error("[Listener a]\nTransport = HTTP\nHTTPPort = 1\n", 3,
	    "unknown key HTTPPort in [Listener a]");
	expect_error("[Listener a]\nTransport = HTTP\nPort = 1\nport = 2\n", 4,
	    "Port is set twice (first on line 3)");
	expect_error("[Listener a b]\nTransport = HTTP\n", 2,
	    "a listener's name is 1 to 40");
	expect_error("[Listener]\n[Listener x/y]\nTransport = HTTP\n", 3,
	    "a listener's name");
}
END_TEST

/* a reload names the listener keys that wait for a restart (not URLPrefix) */
START_TEST(test_listeners_restart_changes)
{
	char err[512], *p1, *p2, seen[256] = "";
	struct config *a = load_text("[Listener a]\nTransport = HTTP\n"
	    "[Listener gone]\nTransport = HTTPS\nPort = 9\n", &p1, err,
	    sizeof(err));
	struct config *b = load_text("[Listener a]\nTransport = HTTP\n"
	    "Port = 81\nURLPrefix = x\n[Listener new]\nTransport = HTTPS\n",
	    &p2, err, sizeof(err));

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	config_restart_changes(a, b, note_restart, seen);
	ck_assert_str_eq(seen, "Port Transport (removed) ");
	config_free(a);
	config_free(b);
	unit_tmp_remove(p1);
	unit_tmp_remove(p2);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("load");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_good_file);
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_unknown_section);
	tcase_add_test(tc, test_unknown_key);
	tcase_add_test(tc, test_bad_bool);
	tcase_add_test(tc, test_number_out_of_range);
	tcase_add_test(tc, test_bad_enum);
	tcase_add_test(tc, test_bad_tls_priority);
	tcase_add_test(tc, test_tls_priority_default);
	tcase_add_test(tc, test_key_set_twice);
	tcase_add_test(tc, test_key_outside_section);
	tcase_add_test(tc, test_syntax_error);
	tcase_add_test(tc, test_long_line);
	tcase_add_test(tc, test_missing_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("declared");
	tcase_add_test(tc, test_declared);
	tcase_add_test(tc, test_declared_errors);
	tcase_add_test(tc, test_bad_declarations);
	tcase_add_test(tc, test_example);
	tcase_add_test(tc, test_restart_changes);
	suite_add_tcase(s, tc);

	tc = tcase_create("listeners");
	tcase_add_test(tc, test_listeners_old_form);
	tcase_add_test(tc, test_listeners_named);
	tcase_add_test(tc, test_listeners_errors);
	tcase_add_test(tc, test_listeners_restart_changes);
	suite_add_tcase(s, tc);

	tc = tcase_create("schema");
	tcase_add_test(tc, test_find);
	tcase_add_test(tc, test_schema);
	tcase_add_test(tc, test_shipped_conf);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(config_suite)
