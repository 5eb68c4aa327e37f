/*
 * check_win32_bench.c: not a test.  Times the enumeration of every
 * Win32_Process (to compare with `ps -eo pid,ppid,comm,args'), or prints
 * the instances of a class as the mock recorded them:
 *
 *   check_win32_bench time [N] [null]   N enumerations, per-call time;
 *                                       "null": services that keep nothing
 *   check_win32_bench once              one enumeration, for hyperfine
 *   check_win32_bench dump CLASS        the instances, one property a line
 */
#include "build.h"

#include <stdarg.h>
#include <time.h>

#include "check_win32_mock.h"
#include "win32.h"
#include "unit.h"

/* --- services that store nothing: the provider's own cost --- */

struct cim_instance_null;
static struct cim_instance null_inst;
static size_t null_emitted;

static struct cim_instance *
n_instance(struct cim_ctx *ctx)
{
	(void)ctx;
	return &null_inst;
}

static bool
n_emit(struct cim_ctx *ctx, struct cim_instance *i)
{
	(void)ctx;
	(void)i;
	null_emitted++;
	return true;
}

static void n_bool(struct cim_instance *i, size_t p, bool v) { (void)i; (void)p; (void)v; }
static void n_sint(struct cim_instance *i, size_t p, int64_t v) { (void)i; (void)p; (void)v; }
static void n_uint(struct cim_instance *i, size_t p, uint64_t v) { (void)i; (void)p; (void)v; }
static void n_str(struct cim_instance *i, size_t p, const char *v) { (void)i; (void)p; (void)v; }
static void n_dt(struct cim_instance *i, size_t p, time_t s, long u) { (void)i; (void)p; (void)s; (void)u; }

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
print_value(const struct cim_property *p, const struct mock_value *v)
{
	if (!v->set) {
		printf("  %s = (null)\n", p->name);
		return;
	}
	if (p->flags & CIM_ARRAY) {
		printf("  %s = {", p->name);
		for (size_t k = 0; k < v->n; k++)
			printf("%s%s", k ? ", " : "", v->strs ? v->strs[k] : "?");
		printf("}\n");
		return;
	}
	switch (p->type) {
	case CIM_STRING:
		printf("  %s = \"%s\"\n", p->name, v->str);
		break;
	case CIM_BOOLEAN:
		printf("  %s = %s\n", p->name, v->b ? "true" : "false");
		break;
	case CIM_SINT8: case CIM_SINT16: case CIM_SINT32: case CIM_SINT64:
		printf("  %s = %lld\n", p->name, (long long)v->s);
		break;
	case CIM_DATETIME: {
		char buf[64];
		struct tm tm;

		localtime_r(&v->sec, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
		printf("  %s = %s.%06ld\n", p->name, buf, v->usec);
		break;
	}
	default:
		printf("  %s = %llu\n", p->name, (unsigned long long)v->u);
		break;
	}
}

static int g_argc;
static char **g_argv;

/* the mock reports through Check: the work runs as a test, unforked */
START_TEST(test_bench)
{
	int argc = g_argc;
	char **argv = g_argv;
	const char *mode = argc > 1 ? argv[1] : "time";

	mock_start();
	if (strcmp(mode, "dump") == 0 && argc > 2) {
		struct cim_ctx *ctx = mock_enumerate(argv[2],
		    mock_principal_self());

		for (size_t n = 0; n < ctx->nemitted; n++) {
			const struct cim_instance *i = ctx->emitted[n];

			printf("%s #%zu\n", argv[2], n);
			for (size_t k = 0; k < i->nprops; k++)
				print_value(&i->props[k], &i->v[k]);
		}
		if (ctx->failed)
			printf("fault %d: %s\n", ctx->fault, ctx->message);
		mock_ctx_free(ctx);
	} else if (strcmp(mode, "once") == 0) {
		mock_ctx_free(mock_enumerate("Win32_Process",
		    mock_principal_self()));
	} else {
		int n = argc > 2 ? atoi(argv[2]) : 100;
		bool null = argc > 3 && strcmp(argv[3], "null") == 0;
		struct cim_services ns = mock_svc;
		size_t count = 0;
		double t0, t1;

		if (null) {
			ns.instance = n_instance;
			ns.emit = n_emit;
			ns.set_bool = n_bool;
			ns.set_sint = n_sint;
			ns.set_uint = n_uint;
			ns.set_string = n_str;
			ns.set_datetime = n_dt;
			w32->svc = &ns;
		}
		t0 = now_ms();
		for (int k = 0; k < n; k++) {
			struct cim_ctx *ctx = calloc(1, sizeof(*ctx));

			ctx->cls = mock_class("Win32_Process");
			ctx->principal = mock_principal_self();
			ctx->status = ctx->cls->enumerate(ctx, w32);
			count = null ? null_emitted / (size_t)(k + 1) : ctx->nemitted;
			mock_ctx_free(ctx);
		}
		t1 = now_ms();
		w32->svc = &mock_svc;
		printf("%zu processes, %.3f ms per enumeration (%s services)\n",
		    count, (t1 - t0) / n, null ? "null" : "recording");
	}
	mock_stop();
}
END_TEST

int
main(int argc, char **argv)
{
	Suite *s = suite_create("win32_bench");
	TCase *tc = tcase_create("bench");
	SRunner *sr;
	int failed;

	g_argc = argc;
	g_argv = argv;
	tcase_add_test(tc, test_bench);
	tcase_set_timeout(tc, 3600);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	if (failed)
		srunner_print(sr, CK_VERBOSE);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
