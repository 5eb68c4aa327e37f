/*
 * check_auth.c: the Basic Authorization header (auth_basic_decode), the
 * verification cache (auth_cache_*) with principal reference counts, and
 * the login policy of principal_lookup() (PermitRoot, AllowedGroups) set
 * from a real configuration file, and what a locked password is.
 */
#include "build.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "config.h"
#include "idleprio.h"
#include "unit.h"

#define NO_SUCH_USER	"winrmd-unit-no-such-user"

/* --- Basic --- */

static void
expect_decode(const char *header, const char *user, const char *password)
{
	char *u = NULL, *p = NULL;
	int r = auth_basic_decode(header, &u, &p);

	ck_assert_msg(r == 0, "\"%.80s\" refused (%d)", header, r);
	ck_assert_str_eq(u, user);
	ck_assert_str_eq(p, password);
	auth_basic_wipe(u, p);
}

static void
expect_refused(const char *header)
{
	char *u = NULL, *p = NULL;
	int r = auth_basic_decode(header, &u, &p);

	ck_assert_msg(r == -EINVAL, "\"%.80s\" gave %d (user %s)", header, r,
	    u ? u : "-");
	ck_assert_ptr_null(u);
	ck_assert_ptr_null(p);
}

START_TEST(test_basic_good)
{
	expect_decode("Basic dXNlcjpwYXNz", "user", "pass");
	expect_decode("basic dXNlcjpwYXNz", "user", "pass");
	expect_decode("BASIC dXNlcjpwYXNz", "user", "pass");
	expect_decode("Basic   dXNlcjpwYXNz  ", "user", "pass");
	expect_decode("Basic\tdXNlcjpwYXNz", "user", "pass");
	/* "vagrant:vagrant", what the captures send */
	expect_decode("Basic dmFncmFudDp2YWdyYW50", "vagrant", "vagrant");
	/* the password may hold colons: split at the first (RFC 7617) */
	expect_decode("Basic dXNlcjpwYTpzczo=", "user", "pa:ss:");
	/* empty password, one and two padding characters */
	expect_decode("Basic dTo=", "u", "");
	expect_decode("Basic dXM6cA==", "us", "p");
	/* UTF-8 stays as it is: "jörg:pässwörd" */
	expect_decode("Basic asO2cmc6cMOkc3N3w7ZyZA==", "j\xc3\xb6rg",
	    "p\xc3\xa4ssw\xc3\xb6rd");
}
END_TEST

START_TEST(test_basic_refused)
{
	expect_refused(NULL);
	expect_refused("");
	expect_refused("Basic");		/* no token */
	expect_refused("Basic ");
	expect_refused("Basic    ");
	expect_refused("BasicdXNlcjpwYXNz");
	expect_refused("Basic dXNl*jpwYXNz");	/* bad base64 characters */
	expect_refused("Basic dXNlcjpw YXNz");
	expect_refused("Basic dXNlcjpwYXNz\n");
	expect_refused("Basic dXNlcjpwYX-z");
	expect_refused("Basic dXNlcjpwYXN");	/* wrong length */
	expect_refused("Basic dXNlcjpwYXNzd");
	expect_refused("Basic dX=lcjpwYXNz");	/* padding in the middle */
	expect_refused("Basic dXNlcjpw=XNz");
	expect_refused("Basic dXNlcjpwY===");
	expect_refused("Basic ====");
	expect_refused("Basic dXNlcnBhc3M=");	/* "userpass": no colon */
	expect_refused("Basic OnBhc3M=");	/* ":pass": empty user */
	expect_refused("Basic dXMAZXI6cHc=");	/* "us\0er:pw" */
	expect_refused("Basic dXNlcjpwAHc=");	/* "user:p\0w" */
	expect_refused("Negotiate abc");	/* other schemes */
	expect_refused("Negotiate dXNlcjpwYXNz");
	expect_refused("Bearer x");
	expect_refused("Digest username=\"user\"");
	expect_refused("Kerberos dXNlcjpwYXNz");
}
END_TEST

/* base64 of "user:" + n-5 times 'x'; every byte printable */
static char *
basic_header(size_t n)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char *raw = malloc(n);
	char *out = malloc(6 + (n + 2) / 3 * 4 + 1), *o;

	ck_assert_ptr_nonnull(raw);
	ck_assert_ptr_nonnull(out);
	memcpy(raw, "user:", 5);
	memset(raw + 5, 'x', n - 5);
	o = out + sprintf(out, "Basic ");
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)raw[i] << 16 |
		    (i + 1 < n ? (unsigned)raw[i + 1] << 8 : 0) |
		    (i + 2 < n ? raw[i + 2] : 0);

		*o++ = b64[v >> 18 & 63];
		*o++ = b64[v >> 12 & 63];
		*o++ = i + 1 < n ? b64[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? b64[v & 63] : '=';
	}
	*o = '\0';
	free(raw);
	return out;
}

START_TEST(test_basic_long)
{
	char *h, *u, *p;

	/* 3000 bytes -> a 4000-character token: accepted */
	h = basic_header(3000);
	ck_assert_uint_eq(strlen(h), 6 + 4000);
	ck_assert_int_eq(auth_basic_decode(h, &u, &p), 0);
	ck_assert_str_eq(u, "user");
	ck_assert_uint_eq(strlen(p), 2995);
	auth_basic_wipe(u, p);
	free(h);

	/* 3750 bytes -> a 5000-character token: refused */
	h = basic_header(3750);
	ck_assert_uint_eq(strlen(h), 6 + 5000);
	expect_refused(h);
	free(h);
}
END_TEST

/* --- principals and policy --- */

/* A config from text, through config_load as the daemon reads it. */
static void
policy_from(struct auth_policy *pol, const char *text)
{
	char *path = unit_tmp_file(text), err[512];
	struct config *cfg = config_load(path, err, sizeof(err));

	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_int_eq(auth_policy_init(pol, cfg), 0);
	config_free(cfg);
	unit_tmp_remove(path);
}

/* a group that exists and that root is not a member of */
static char *
group_without_root(void)
{
	gid_t groups[256];
	int n = 256;
	struct group *gr;
	char *name = NULL;

	ck_assert_int_ge(getgrouplist("root", 0, groups, &n), 0);
	setgrent();
	while (name == NULL && (gr = getgrent()) != NULL) {
		bool member = false;

		for (int i = 0; i < n; i++)
			if (groups[i] == gr->gr_gid)
				member = true;
		if (!member)
			name = strdup(gr->gr_name);
	}
	endgrent();
	ck_assert_msg(name != NULL, "no group without root on this system");
	return name;
}

START_TEST(test_policy_defaults)
{
	struct auth_policy pol;
	struct principal *p = NULL;
	char why[160] = "";

	policy_from(&pol, "# defaults\n");
	ck_assert(!pol.permit_root);
	ck_assert_ptr_null(pol.allowed_groups);
	ck_assert_int_eq(principal_lookup("root", "Basic", &pol, &p, why,
	    sizeof(why)), -EPERM);
	ck_assert_ptr_null(p);
	ck_assert_ptr_nonnull(strstr(why, "PermitRoot"));
	auth_policy_done(&pol);
}
END_TEST

START_TEST(test_principal_root)
{
	struct auth_policy pol;
	struct principal *p = NULL;
	char why[160] = "";
	bool has_root_group = false;

	policy_from(&pol, "[Auth]\nPermitRoot = true\n");
	ck_assert(pol.permit_root);
	ck_assert_msg(principal_lookup("root", "Basic", &pol, &p, why,
	    sizeof(why)) == 0, "root refused: %s", why);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->refs, 1);
	ck_assert_str_eq(p->pub.name, "root");
	ck_assert_uint_eq(p->pub.uid, 0);
	ck_assert_uint_eq(p->pub.gid, 0);
	ck_assert_str_eq(p->pub.scheme, "Basic");
	ck_assert_ptr_nonnull(p->pub.home);
	ck_assert_ptr_nonnull(p->pub.shell);
	ck_assert_int_ge(p->pub.ngroups, 1);
	for (int i = 0; i < p->pub.ngroups; i++)
		if (p->pub.groups[i] == 0)
			has_root_group = true;
	ck_assert_msg(has_root_group, "gid 0 is not in root's groups");

	ck_assert_ptr_eq(principal_ref(p), p);
	ck_assert_int_eq(p->refs, 2);
	principal_unref(p);
	ck_assert_int_eq(p->refs, 1);
	principal_unref(p);
	principal_unref(NULL);
	ck_assert_ptr_null(principal_ref(NULL));
	auth_policy_done(&pol);
}
END_TEST

START_TEST(test_principal_groups)
{
	struct auth_policy pol;
	struct principal *p = NULL;
	char why[160] = "", *other = group_without_root(), *text;

	/* root is in none of AllowedGroups */
	ck_assert_int_ge(asprintf(&text, "[Auth]\nPermitRoot = yes\n"
	    "AllowedGroups = %s, winrmd-unit-no-such-group\n", other), 0);
	policy_from(&pol, text);
	free(text);
	ck_assert_str_eq(pol.allowed_groups[0], other);
	ck_assert_str_eq(pol.allowed_groups[1], "winrmd-unit-no-such-group");
	ck_assert_ptr_null(pol.allowed_groups[2]);
	ck_assert_int_eq(principal_lookup("root", "Basic", &pol, &p, why,
	    sizeof(why)), -EPERM);
	ck_assert_ptr_null(p);
	ck_assert_ptr_nonnull(strstr(why, "AllowedGroups"));
	auth_policy_done(&pol);
	ck_assert_ptr_null(pol.allowed_groups);

	/* ... and with root's own group among them, root may log in */
	ck_assert_int_ge(asprintf(&text, "[Auth]\nPermitRoot = yes\n"
	    "AllowedGroups = %s root\n", other), 0);
	policy_from(&pol, text);
	free(text);
	ck_assert_msg(principal_lookup("root", "Basic", &pol, &p, why,
	    sizeof(why)) == 0, "root refused: %s", why);
	principal_unref(p);
	auth_policy_done(&pol);
	free(other);
}
END_TEST

START_TEST(test_principal_unknown)
{
	struct auth_policy pol = { .permit_root = true };
	struct principal *p = NULL;
	char why[160] = "";

	ck_assert_ptr_null(getpwnam(NO_SUCH_USER));
	ck_assert_int_lt(principal_lookup(NO_SUCH_USER, "Basic", &pol, &p, why,
	    sizeof(why)), 0);
	ck_assert_ptr_null(p);
	ck_assert_ptr_nonnull(strstr(why, NO_SUCH_USER));
	ck_assert_int_lt(principal_lookup("", "Basic", &pol, &p, why,
	    sizeof(why)), 0);
	ck_assert_ptr_null(p);
}
END_TEST

/* --- the cache --- */

static struct principal *
root_principal(void)
{
	struct auth_policy pol = { .permit_root = true };
	struct principal *p = NULL;
	char why[160];

	ck_assert_msg(principal_lookup("root", "Basic", &pol, &p, why,
	    sizeof(why)) == 0, "%s", why);
	return p;
}

static void
cache_setup(void)
{
	ck_assert_int_eq(auth_cache_init(), 0);
}

static void
cache_teardown(void)
{
	auth_cache_flush();
}

START_TEST(test_cache_hit_miss)
{
	struct principal *p = root_principal();

	ck_assert_ptr_null(auth_cache_get("root", "secret", 100));
	auth_cache_put("root", "secret", p, 1000);
	ck_assert_int_eq(p->refs, 2);		/* the cache holds one */
	ck_assert_ptr_eq(auth_cache_get("root", "secret", 100), p);
	ck_assert_ptr_eq(auth_cache_get("root", "secret", 999), p);
	ck_assert_int_eq(p->refs, 2);		/* get does not ref */
	ck_assert_ptr_null(auth_cache_get("root", "Secret", 100));
	ck_assert_ptr_null(auth_cache_get("root", "secret ", 100));
	ck_assert_ptr_null(auth_cache_get("root", "", 100));
	ck_assert_ptr_null(auth_cache_get("Root", "secret", 100));
	/* user and password are kept apart: "roots"+"ecret" is another pair */
	ck_assert_ptr_null(auth_cache_get("roots", "ecret", 100));
	ck_assert_ptr_null(auth_cache_get("roo", "tsecret", 100));

	/* putting the same pair again replaces, not duplicates */
	auth_cache_put("root", "secret", p, 2000);
	ck_assert_int_eq(p->refs, 2);
	ck_assert_ptr_eq(auth_cache_get("root", "secret", 1500), p);
	auth_cache_flush();
	ck_assert_int_eq(p->refs, 1);
	principal_unref(p);
}
END_TEST

START_TEST(test_cache_expiry)
{
	struct principal *p = root_principal();

	auth_cache_put("root", "secret", p, 1000);
	ck_assert_int_eq(p->refs, 2);
	ck_assert_ptr_null(auth_cache_get("root", "secret", 1000));
	/* an expired entry is dropped on sight */
	ck_assert_int_eq(p->refs, 1);
	ck_assert_ptr_null(auth_cache_get("root", "secret", 10));
	principal_unref(p);
}
END_TEST

START_TEST(test_cache_evict_user)
{
	struct principal *p = root_principal();

	auth_cache_put("root", "one", p, 1000);
	auth_cache_put("root", "two", p, 1000);
	ck_assert_int_eq(p->refs, 3);
	auth_cache_evict_user("nobody-else");
	ck_assert_int_eq(p->refs, 3);
	ck_assert_ptr_eq(auth_cache_get("root", "one", 10), p);
	auth_cache_evict_user("root");
	ck_assert_int_eq(p->refs, 1);
	ck_assert_ptr_null(auth_cache_get("root", "one", 10));
	ck_assert_ptr_null(auth_cache_get("root", "two", 10));
	principal_unref(p);
}
END_TEST

/* a re-checked account: its new principal replaces the old in every entry */
START_TEST(test_cache_replace)
{
	struct principal *old = root_principal(), *new = root_principal();

	auth_cache_put("root", "one", old, 1000);
	auth_cache_put("root", "two", old, 1000);
	ck_assert_int_eq(old->refs, 3);
	auth_cache_replace(old, new);
	ck_assert_int_eq(old->refs, 1);
	ck_assert_int_eq(new->refs, 3);
	ck_assert_ptr_eq(auth_cache_get("root", "one", 10), new);
	ck_assert_ptr_eq(auth_cache_get("root", "two", 10), new);
	/* the expiry stays: a password is remembered no longer than it was */
	ck_assert_ptr_null(auth_cache_get("root", "one", 1000));
	principal_unref(old);
	auth_cache_flush();
	ck_assert_int_eq(new->refs, 1);
	principal_unref(new);
}
END_TEST

START_TEST(test_cache_flush)
{
	struct principal *p = root_principal();
	char pw[32];

	/* more pairs than one set holds: every put still keeps its ref count */
	for (int i = 0; i < 200; i++) {
		snprintf(pw, sizeof(pw), "pw%d", i);
		auth_cache_put("root", pw, p, 1000);
	}
	ck_assert_int_gt(p->refs, 1);
	ck_assert_ptr_eq(auth_cache_get("root", "pw199", 10), p);
	auth_cache_flush();
	ck_assert_int_eq(p->refs, 1);
	for (int i = 0; i < 200; i++) {
		snprintf(pw, sizeof(pw), "pw%d", i);
		ck_assert_ptr_null(auth_cache_get("root", pw, 10));
	}
	principal_unref(p);
}
END_TEST

/* a fresh key: what was cached before init is gone */
START_TEST(test_cache_reinit)
{
	struct principal *p = root_principal();

	auth_cache_put("root", "secret", p, 1000);
	ck_assert_int_eq(auth_cache_init(), 0);
	ck_assert_int_eq(p->refs, 1);
	ck_assert_ptr_null(auth_cache_get("root", "secret", 10));
	principal_unref(p);
}
END_TEST

/* passwd -l and usermod -L put '!' before a hash; "!" alone is no password */
START_TEST(test_password_locked)
{
	ck_assert(password_locked("!$y$j9T$salt$hash"));
	ck_assert(password_locked("!!$6$salt$hash"));
	ck_assert(password_locked("!x"));
	ck_assert(password_locked("*LK*"));
	ck_assert(!password_locked("$y$j9T$salt$hash"));
	ck_assert(!password_locked("!"));
	ck_assert(!password_locked("!!"));
	ck_assert(!password_locked("!*"));
	ck_assert(!password_locked("*"));
	ck_assert(!password_locked(""));
	ck_assert(!password_locked(NULL));
	ck_assert(!account_locked(NO_SUCH_USER));
}
END_TEST

/* ------------------------------------------- a check at idle priority */

struct attr_v1 {
	uint32_t	size, sched_policy;
	uint64_t	sched_flags;
	int32_t		sched_nice;
	uint32_t	sched_priority;
	uint64_t	sched_runtime, sched_deadline, sched_period;
};

static struct attr_v1
attr_now(void)
{
	struct attr_v1 a = { 0 };

	ck_assert_int_eq(syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0), 0);
	return a;
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* begun: idle at once; sleeping here, it gets no CPU time, as if other
 * work starved it, so it is raised to its own priority after a period
 * (not before); its own priority at the end; 0 or the failing step */
static int
idle_then_promoted(void)
{
	struct timespec t0;
	struct attr_v1 a;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!idleprio_begin())
		return 1;
	if (attr_now().sched_policy != SCHED_IDLE)
		return 2;
	if (idleprio_begin())	/* one at a time */
		return 3;
	while ((a = attr_now()).sched_policy == SCHED_IDLE &&
	    ms_since(&t0) < 5000)
		usleep(5000);
	if (a.sched_policy != SCHED_OTHER || a.sched_nice != 10)
		return 4;
	if (ms_since(&t0) < IDLEPRIO_PERIOD_MS)
		return 5;
	idleprio_end();
	a = attr_now();
	if (a.sched_policy != SCHED_OTHER || a.sched_nice != 10)
		return 6;
	/* ended before its time: its own priority, from itself */
	if (!idleprio_begin() || attr_now().sched_policy != SCHED_IDLE)
		return 7;
	idleprio_end();
	a = attr_now();
	if (a.sched_policy != SCHED_OTHER || a.sched_nice != 10)
		return 8;
	return 0;
}

START_TEST(test_idleprio)
{
	struct rlimit rl;
	pid_t pid;
	int st;

	/* as a worker: nice +10 */
	ck_assert_int_eq(setpriority(PRIO_PROCESS, 0, 10), 0);
	if (geteuid() != 0 && (getrlimit(RLIMIT_NICE, &rl) < 0 ||
	    rl.rlim_cur < 10)) {
		/* could not come back: nothing changes */
		ck_assert(!idleprio_begin());
		ck_assert_uint_eq(attr_now().sched_policy, SCHED_OTHER);
		return;
	}
	ck_assert_int_eq(idle_then_promoted(), 0);
	/* a fork's child has a promoter of its own */
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0)
		_exit(idle_then_promoted());
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
}
END_TEST

static Suite *
auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("basic");

	tcase_add_test(tc, test_basic_good);
	tcase_add_test(tc, test_basic_refused);
	tcase_add_test(tc, test_basic_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("principal");
	tcase_add_test(tc, test_policy_defaults);
	tcase_add_test(tc, test_principal_root);
	tcase_add_test(tc, test_principal_groups);
	tcase_add_test(tc, test_principal_unknown);
	tcase_add_test(tc, test_password_locked);
	suite_add_tcase(s, tc);

	tc = tcase_create("cache");
	tcase_add_checked_fixture(tc, cache_setup, cache_teardown);
	tcase_add_test(tc, test_cache_hit_miss);
	tcase_add_test(tc, test_cache_expiry);
	tcase_add_test(tc, test_cache_evict_user);
	tcase_add_test(tc, test_cache_replace);
	tcase_add_test(tc, test_cache_flush);
	tcase_add_test(tc, test_cache_reinit);
	suite_add_tcase(s, tc);

	tc = tcase_create("idleprio");
	tcase_add_test(tc, test_idleprio);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(auth_suite)
