/*
 * testprov.c: a CIM provider for the tests, never installed.  It exercises
 * every part of providers/include/winrmd/provider.h:
 *
 *   root/cimv2  WRT_AllTypes   every CIM type, two keys, arrays, NULLs,
 *                              datetimes, intervals; 3 instances; methods
 *                              Echo (static, in/out of several types),
 *                              Describe (instance), SlowEcho (static,
 *                              pending: answers from a timer), Explode
 *                              (static, fails)
 *               WRT_Many       250 instances (key Index), no get(): the
 *                              plugin enumerates and matches
 *               WRT_Pending    enumerate and get answer later, from a
 *                              timer (CIM_PENDING + complete)
 *               WRT_Threaded   enumerate answers from a thread of its own
 *                              through svc->post()
 *               WRT_Failing    enumerate fails (svc->fail)
 *               WRT_Big        20 instances of ~3000 bytes each
 *               WRT_Huge       1 instance of ~20000 bytes
 *               WRT_Whoami     one instance: the caller's name and uid
 *               WRT_Never      enumerate never completes (until fini)
 *   root/test   WRT_Other      with get(), alias Other
 *               WRT_Dup        declared twice: the second is ignored
 *   root/hardware CIM_TestSensor (alias TestSensor): for DMTF URIs
 *
 * Every call into the provider is logged ("testprov: <what>"), so a test
 * can prove that a request never reached it.
 */
#define _GNU_SOURCE

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <winrmd/provider.h>

#define FIXED_TIME	1712148350	/* 2024-04-03T12:45:50Z */
#define FIXED_USEC	468750

static const struct cim_services *svc;

#define LOG(...)	svc->host->log(WINRMD_LOG_INFO, "testprov: " __VA_ARGS__)

/* ------------------------------------------------------ WRT_AllTypes */

enum {
	AT_ID, AT_NAME, AT_BOOL, AT_S8, AT_U8, AT_S16, AT_U16, AT_S32, AT_U32,
	AT_S64, AT_U64, AT_R32, AT_R64, AT_C16, AT_STR, AT_WHEN, AT_TOOK,
	AT_STRARR, AT_U32ARR, AT_NULLARR, AT_NULLSTR, AT_NULLWHEN, AT_MARKUP,
	AT_COUNT
};

static const struct cim_property alltypes_props[AT_COUNT] = {
	[AT_ID] = { "Id", CIM_UINT32, CIM_KEY },
	[AT_NAME] = { "Name", CIM_STRING, CIM_KEY },
	[AT_BOOL] = { "Flag", CIM_BOOLEAN, 0 },
	[AT_S8] = { "S8", CIM_SINT8, 0 },
	[AT_U8] = { "U8", CIM_UINT8, 0 },
	[AT_S16] = { "S16", CIM_SINT16, 0 },
	[AT_U16] = { "U16", CIM_UINT16, 0 },
	[AT_S32] = { "S32", CIM_SINT32, 0 },
	[AT_U32] = { "U32", CIM_UINT32, 0 },
	[AT_S64] = { "S64", CIM_SINT64, 0 },
	[AT_U64] = { "U64", CIM_UINT64, 0 },
	[AT_R32] = { "R32", CIM_REAL32, 0 },
	[AT_R64] = { "R64", CIM_REAL64, 0 },
	[AT_C16] = { "C16", CIM_CHAR16, 0 },
	[AT_STR] = { "Str", CIM_STRING, 0 },
	[AT_WHEN] = { "When", CIM_DATETIME, 0 },
	[AT_TOOK] = { "Took", CIM_INTERVAL, 0 },
	[AT_STRARR] = { "StrArray", CIM_STRING, CIM_ARRAY },
	[AT_U32ARR] = { "U32Array", CIM_UINT32, CIM_ARRAY },
	[AT_NULLARR] = { "NullArray", CIM_STRING, CIM_ARRAY },
	[AT_NULLSTR] = { "NullStr", CIM_STRING, 0 },
	[AT_NULLWHEN] = { "NullWhen", CIM_DATETIME, 0 },
	[AT_MARKUP] = { "markup", CIM_STRING, 0 },	/* lower case: sorting */
};

static void
alltypes_fill(struct cim_instance *i, unsigned id)
{
	static const char *const names[] = { "Alpha", "Beta", "Gamma" };

	svc->set_uint(i, AT_ID, id);
	svc->set_string(i, AT_NAME, names[(id - 1) % 3]);
	svc->set_bool(i, AT_BOOL, id % 2 == 1);
	svc->set_sint(i, AT_S8, -8 * (int)id);
	svc->set_uint(i, AT_U8, 200 + id);
	svc->set_sint(i, AT_S16, -16000 - (int)id);
	svc->set_uint(i, AT_U16, 65000 + id);
	svc->set_sint(i, AT_S32, -2000000000 + (int)id);
	svc->set_uint(i, AT_U32, 4000000000u + id);
	svc->set_sint(i, AT_S64, -9000000000000000000LL - (long long)id);
	svc->set_uint(i, AT_U64, 18000000000000000000ULL + id);
	svc->set_real(i, AT_R32, 1.5 * id);
	svc->set_real(i, AT_R64, 0.1 * id);
	svc->set_uint(i, AT_C16, 'A' + id - 1);
	svc->set_string(i, AT_STR, id == 1 ? "plain" : id == 2 ?
	    "tab\there <&> \"quoted\"" : "caf\xc3\xa9 \xe2\x82\xac");
	svc->set_datetime(i, AT_WHEN, FIXED_TIME + (time_t)(id - 1) * 86400,
	    id == 1 ? FIXED_USEC : 0);
	svc->set_interval(i, AT_TOOK, 100000000ULL * id + (id == 3 ? 500000 : 0));
	for (unsigned k = 0; k < id; k++) {
		char s[16];

		snprintf(s, sizeof(s), "s%u", k);
		svc->add_string(i, AT_STRARR, s);
		svc->add_uint(i, AT_U32ARR, 10 * k);
	}
	svc->set_string(i, AT_MARKUP, "<b>bold</b>");
	/* AT_NULLARR, AT_NULLSTR, AT_NULLWHEN stay NULL */
}

static int
alltypes_enumerate(struct cim_ctx *ctx, void *state)
{
	(void)state;
	LOG("enumerate WRT_AllTypes");
	for (unsigned id = 1; id <= 3; id++) {
		struct cim_instance *i = svc->instance(ctx);

		alltypes_fill(i, id);
		if (!svc->emit(ctx, i))
			break;
	}
	return CIM_OK;
}

enum { EI_TEXT, EI_COUNT, EI_WHEN, EI_ITEMS, EI_FLAG };
static const struct cim_property echo_in[] = {
	[EI_TEXT] = { "Text", CIM_STRING, 0 },
	[EI_COUNT] = { "Count", CIM_UINT32, 0 },
	[EI_WHEN] = { "When", CIM_DATETIME, 0 },
	[EI_ITEMS] = { "Items", CIM_STRING, CIM_ARRAY },
	[EI_FLAG] = { "Flag", CIM_BOOLEAN, 0 },
};
enum { EO_TEXT, EO_DOUBLED, EO_JOINED, EO_NOTHING, EO_NEG };
static const struct cim_property echo_out[] = {
	[EO_TEXT] = { "Text", CIM_STRING, 0 },
	[EO_DOUBLED] = { "Doubled", CIM_UINT64, 0 },
	[EO_JOINED] = { "Joined", CIM_STRING, 0 },
	[EO_NOTHING] = { "Nothing", CIM_STRING, 0 },
	[EO_NEG] = { "Negated", CIM_BOOLEAN, 0 },
};

static int
echo_invoke(struct cim_ctx *ctx, const struct cim_instance *target,
    const struct cim_instance *in, struct cim_instance *out, void *state)
{
	uint64_t n = 0;
	bool flag;

	(void)state;
	LOG("invoke WRT_AllTypes.Echo by %s", svc->principal(ctx)->name);
	if (target != NULL)
		return svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR,
		    "a static method got a target");
	svc->set_string(out, EO_TEXT, svc->get_string(in, EI_TEXT));
	if (svc->get_uint(in, EI_COUNT, &n))
		svc->set_uint(out, EO_DOUBLED, 2 * n);
	if (!svc->is_null(in, EI_ITEMS))
		svc->set_string(out, EO_JOINED, "items given");
	if (svc->get_bool(in, EI_FLAG, &flag))
		svc->set_bool(out, EO_NEG, !flag);
	svc->set_return(out, svc->is_null(in, EI_WHEN) ? 1 : 0);
	return CIM_OK;
}

static const struct cim_property describe_in[] = {
	{ "Prefix", CIM_STRING, 0 },
};
static const struct cim_property describe_out[] = {
	{ "Description", CIM_STRING, 0 },
};

static int
describe_invoke(struct cim_ctx *ctx, const struct cim_instance *target,
    const struct cim_instance *in, struct cim_instance *out, void *state)
{
	const char *prefix = svc->get_string(in, 0);
	uint64_t id = 0;
	char buf[256];

	(void)state;
	LOG("invoke WRT_AllTypes.Describe");
	if (target == NULL)
		return svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR,
		    "an instance method got no target");
	svc->get_uint(target, AT_ID, &id);
	snprintf(buf, sizeof(buf), "%s%s #%llu", prefix ? prefix : "",
	    svc->get_string(target, AT_NAME), (unsigned long long)id);
	svc->set_string(out, 0, buf);
	svc->set_return(out, 0);
	return CIM_OK;
}

static int
explode_invoke(struct cim_ctx *ctx, const struct cim_instance *target,
    const struct cim_instance *in, struct cim_instance *out, void *state)
{
	(void)target, (void)in, (void)out, (void)state;
	LOG("invoke WRT_AllTypes.Explode");
	return svc->fail(ctx, WINRMD_FAULT_INVALID_PARAMETER,
	    "Explode always fails");
}

/* ------------------------------------------------ pending machinery */

struct pending {
	struct pending		*next;
	struct cim_ctx		*ctx;
	struct winrmd_timer	*timer;
	int			 what;	/* which class / method */
	struct cim_instance	*out;
	char			 text[128];
};

static struct pending *pendings;

static void
pending_unlink(struct pending *p)
{
	for (struct pending **pp = &pendings; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			return;
		}
}

enum { P_ENUM, P_GET, P_SLOWECHO, P_NEVER };

static const struct cim_property pending_props[] = {
	{ "Id", CIM_UINT32, CIM_KEY },
	{ "Label", CIM_STRING, 0 },
};

static void
pending_fire(void *arg)
{
	struct pending *p = arg;

	p->timer = NULL;
	pending_unlink(p);
	LOG("completing a pending call (%d)", p->what);
	if (p->what == P_ENUM || p->what == P_GET) {
		for (unsigned id = 1; id <= 5; id++) {
			struct cim_instance *i = svc->instance(p->ctx);
			char label[32];

			svc->set_uint(i, 0, id);
			snprintf(label, sizeof(label), "late %u", id);
			svc->set_string(i, 1, label);
			if (!svc->emit(p->ctx, i))
				break;
		}
	} else if (p->what == P_SLOWECHO) {
		svc->set_string(p->out, EO_TEXT, p->text);
		svc->set_return(p->out, 0);
	}
	svc->complete(p->ctx);
	free(p);
}

static int
pending_start(struct cim_ctx *ctx, int what, unsigned ms,
    struct cim_instance *out)
{
	struct pending *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR, "no memory");
	p->ctx = ctx;
	p->what = what;
	p->out = out;
	if (what != P_NEVER &&
	    (p->timer = svc->host->timer_start(ms, pending_fire, p)) == NULL) {
		free(p);
		return svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR, "no timer");
	}
	p->next = pendings;
	pendings = p;
	return CIM_PENDING;
}

static int
pending_enumerate(struct cim_ctx *ctx, void *state)
{
	(void)state;
	LOG("enumerate WRT_Pending (answers in 300 ms)");
	return pending_start(ctx, P_ENUM, 300, NULL);
}

static int
pending_get(struct cim_ctx *ctx, const struct cim_instance *keys, void *state)
{
	(void)state, (void)keys;
	LOG("get WRT_Pending (answers in 200 ms)");
	return pending_start(ctx, P_GET, 200, NULL);
}

static int
never_enumerate(struct cim_ctx *ctx, void *state)
{
	(void)state;
	LOG("enumerate WRT_Never (never answers)");
	return pending_start(ctx, P_NEVER, 0, NULL);
}

static int
slowecho_invoke(struct cim_ctx *ctx, const struct cim_instance *target,
    const struct cim_instance *in, struct cim_instance *out, void *state)
{
	const char *text = svc->get_string(in, EI_TEXT);
	struct pending *p;
	int r;

	(void)target, (void)state;
	LOG("invoke WRT_AllTypes.SlowEcho (answers in 250 ms)");
	if ((r = pending_start(ctx, P_SLOWECHO, 250, out)) != CIM_PENDING)
		return r;
	p = pendings;
	snprintf(p->text, sizeof(p->text), "slow %s", text ? text : "");
	return r;
}

static const struct cim_method alltypes_methods[] = {
	{ "Echo", true, echo_in, 5, echo_out, 5, echo_invoke },
	{ "Describe", false, describe_in, 1, describe_out, 1, describe_invoke },
	{ "SlowEcho", true, echo_in, 5, echo_out, 5, slowecho_invoke },
	{ "Explode", true, NULL, 0, NULL, 0, explode_invoke },
};

static const struct cim_class alltypes_class = {
	.name = "WRT_AllTypes",
	.ns = "root/cimv2",
	.aliases = "WRT_EveryType",
	.props = alltypes_props,
	.nprops = AT_COUNT,
	.methods = alltypes_methods,
	.nmethods = 4,
	.enumerate = alltypes_enumerate,
};

static const struct cim_class pending_class = {
	.name = "WRT_Pending",
	.ns = "root/cimv2",
	.props = pending_props,
	.nprops = 2,
	.enumerate = pending_enumerate,
	.get = pending_get,
};

static const struct cim_class never_class = {
	.name = "WRT_Never",
	.ns = "root/cimv2",
	.props = pending_props,
	.nprops = 2,
	.enumerate = never_enumerate,
};

/* ---------------------------------------------------------- WRT_Many */

enum { M_INDEX, M_NAME, M_EVEN, M_GROUP, M_VALUE, M_NOTE, M_COUNT };
static const struct cim_property many_props[M_COUNT] = {
	[M_INDEX] = { "Index", CIM_UINT32, CIM_KEY },
	[M_NAME] = { "Name", CIM_STRING, 0 },
	[M_EVEN] = { "Even", CIM_BOOLEAN, 0 },
	[M_GROUP] = { "Group", CIM_STRING, 0 },
	[M_VALUE] = { "Value", CIM_SINT32, 0 },
	[M_NOTE] = { "Note", CIM_STRING, 0 },
};

static int
many_enumerate(struct cim_ctx *ctx, void *state)
{
	static const char *const groups[] = { "alpha", "beta", "gamma" };

	(void)state;
	LOG("enumerate WRT_Many");
	for (unsigned k = 0; k < 250; k++) {
		struct cim_instance *i = svc->instance(ctx);
		char name[32];

		svc->set_uint(i, M_INDEX, k);
		snprintf(name, sizeof(name), "item-%03u", k);
		svc->set_string(i, M_NAME, name);
		svc->set_bool(i, M_EVEN, k % 2 == 0);
		svc->set_string(i, M_GROUP, groups[k % 3]);
		svc->set_sint(i, M_VALUE, (int)k - 125);
		if (k % 5 != 0)
			svc->set_string(i, M_NOTE, k % 7 == 0 ? "lucky seven" :
			    "plain note");
		if (!svc->emit(ctx, i))
			break;
	}
	return CIM_OK;
}

static const struct cim_class many_class = {
	.name = "WRT_Many",
	.ns = "root/cimv2",
	.props = many_props,
	.nprops = M_COUNT,
	.enumerate = many_enumerate,
};

/* ------------------------------------------------------ WRT_Threaded */

struct threaded {
	struct threaded	*next;
	struct cim_ctx	*ctx;
	pthread_t	 thread;
	bool		 completed;
};

static struct threaded *threads;	/* joined and freed at fini */

static void
threaded_done(void *arg)
{
	struct threaded *t = arg;

	for (unsigned id = 1; id <= 3; id++) {
		struct cim_instance *i = svc->instance(t->ctx);

		svc->set_uint(i, 0, id);
		svc->set_string(i, 1, "from a thread");
		svc->emit(t->ctx, i);
	}
	LOG("completing WRT_Threaded");
	t->completed = true;
	svc->complete(t->ctx);
}

static void *
threaded_main(void *arg)
{
	usleep(100000);
	/* fails only at shutdown: fini completes the call then */
	(void)svc->post(svc, threaded_done, arg);
	return NULL;
}

static int
threaded_enumerate(struct cim_ctx *ctx, void *state)
{
	struct threaded *t = calloc(1, sizeof(*t));

	(void)state;
	LOG("enumerate WRT_Threaded");
	if (t == NULL)
		return svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR, "no memory");
	t->ctx = ctx;
	if (pthread_create(&t->thread, NULL, threaded_main, t) != 0) {
		free(t);
		return svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR, "no thread");
	}
	t->next = threads;
	threads = t;
	return CIM_PENDING;
}

static const struct cim_class threaded_class = {
	.name = "WRT_Threaded",
	.ns = "root/cimv2",
	.props = pending_props,
	.nprops = 2,
	.enumerate = threaded_enumerate,
};

/* ------------------------------------------------------- WRT_Failing */

static int
failing_enumerate(struct cim_ctx *ctx, void *state)
{
	(void)state;
	LOG("enumerate WRT_Failing");
	/* one instance first: it must not leak or be served */
	svc->emit(ctx, svc->instance(ctx));
	return svc->fail(ctx, WINRMD_FAULT_ACCESS_DENIED,
	    "WRT_Failing refuses everyone");
}

static const struct cim_class failing_class = {
	.name = "WRT_Failing",
	.ns = "root/cimv2",
	.props = pending_props,
	.nprops = 2,
	.enumerate = failing_enumerate,
};

/* ------------------------------------------------- WRT_Big, WRT_Huge */

static const struct cim_property big_props[] = {
	{ "Id", CIM_UINT32, CIM_KEY },
	{ "Payload", CIM_STRING, 0 },
};

static int
big_emit(struct cim_ctx *ctx, unsigned n, size_t size)
{
	char *payload = malloc(size + 1);

	if (payload == NULL)
		return svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR, "no memory");
	for (unsigned id = 1; id <= n; id++) {
		struct cim_instance *i = svc->instance(ctx);

		memset(payload, 'a' + (int)(id % 26), size);
		payload[size] = '\0';
		svc->set_uint(i, 0, id);
		svc->set_string(i, 1, payload);
		if (!svc->emit(ctx, i))
			break;
	}
	free(payload);
	return CIM_OK;
}

static int
big_enumerate(struct cim_ctx *ctx, void *state)
{
	(void)state;
	LOG("enumerate WRT_Big");
	return big_emit(ctx, 20, 3000);
}

static int
huge_enumerate(struct cim_ctx *ctx, void *state)
{
	(void)state;
	LOG("enumerate WRT_Huge");
	return big_emit(ctx, 1, 20000);
}

static const struct cim_class big_class = {
	.name = "WRT_Big",
	.ns = "root/cimv2",
	.props = big_props,
	.nprops = 2,
	.enumerate = big_enumerate,
};

static const struct cim_class huge_class = {
	.name = "WRT_Huge",
	.ns = "root/cimv2",
	.props = big_props,
	.nprops = 2,
	.enumerate = huge_enumerate,
};

/* ------------------------------------------------------- WRT_Whoami */

static const struct cim_property whoami_props[] = {
	{ "Name", CIM_STRING, CIM_KEY | CIM_SINGLETON },
	{ "Uid", CIM_UINT32, 0 },
	{ "Home", CIM_STRING, 0 },
};

static int
whoami_enumerate(struct cim_ctx *ctx, void *state)
{
	const struct winrmd_principal *p = svc->principal(ctx);
	struct cim_instance *i = svc->instance(ctx);

	(void)state;
	LOG("enumerate WRT_Whoami for %s", p->name);
	svc->set_string(i, 0, p->name);
	svc->set_uint(i, 1, p->uid);
	svc->set_string(i, 2, p->home);
	svc->emit(ctx, i);
	return CIM_OK;
}

static const struct cim_class whoami_class = {
	.name = "WRT_Whoami",
	.ns = "root/cimv2",
	.props = whoami_props,
	.nprops = 3,
	.enumerate = whoami_enumerate,
};

/* ------------------------------------------------ root/test classes */

static const struct cim_property other_props[] = {
	{ "Key", CIM_STRING, CIM_KEY },
	{ "Value", CIM_SINT64, 0 },
};

static int
other_emit(struct cim_ctx *ctx, const char *only)
{
	static const char *const keys[] = { "First", "Second" };

	for (unsigned k = 0; k < 2; k++) {
		struct cim_instance *i;

		if (only != NULL && strcasecmp(only, keys[k]) != 0)
			continue;
		i = svc->instance(ctx);
		svc->set_string(i, 0, keys[k]);
		svc->set_sint(i, 1, -1 - (int)k);
		if (!svc->emit(ctx, i))
			break;
	}
	return CIM_OK;
}

static int
other_enumerate(struct cim_ctx *ctx, void *state)
{
	(void)state;
	LOG("enumerate WRT_Other");
	return other_emit(ctx, NULL);
}

static int
other_get(struct cim_ctx *ctx, const struct cim_instance *keys, void *state)
{
	const char *key = svc->get_string(keys, 0);

	(void)state;
	LOG("get WRT_Other %s", key ? key : "(null)");
	return other_emit(ctx, key ? key : "");
}

static const struct cim_class other_class = {
	.name = "WRT_Other",
	.ns = "root/test",
	.aliases = "Other",
	.props = other_props,
	.nprops = 2,
	.enumerate = other_enumerate,
	.get = other_get,
};

static const struct cim_class dup_first = {
	.name = "WRT_Dup",
	.ns = "root/test",
	.props = other_props,
	.nprops = 2,
	.enumerate = other_enumerate,
};

static int
dup_second_enumerate(struct cim_ctx *ctx, void *state)
{
	(void)state;
	return svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR,
	    "the second WRT_Dup must never be used");
}

static const struct cim_class dup_second = {
	.name = "WRT_Dup",
	.ns = "root\\test",
	.props = big_props,
	.nprops = 2,
	.enumerate = dup_second_enumerate,
};

/* -------------------------------------------- root/hardware (DMTF) */

static const struct cim_property sensor_props[] = {
	{ "DeviceID", CIM_STRING, CIM_KEY },
	{ "SystemName", CIM_STRING, CIM_KEY },
	{ "CurrentReading", CIM_SINT32, 0 },
	{ "PossibleStates", CIM_STRING, CIM_ARRAY },
};

static int
sensor_enumerate(struct cim_ctx *ctx, void *state)
{
	(void)state;
	LOG("enumerate CIM_TestSensor");
	for (unsigned k = 1; k <= 3; k++) {
		struct cim_instance *i = svc->instance(ctx);
		char id[16];

		snprintf(id, sizeof(id), "bmc.%u", k);
		svc->set_string(i, 0, id);
		svc->set_string(i, 1, "testhost");
		svc->set_sint(i, 2, 40 + (int)k);
		svc->add_string(i, 3, "Normal");
		svc->add_string(i, 3, "Upper Critical");
		if (!svc->emit(ctx, i))
			break;
	}
	return CIM_OK;
}

static const struct cim_class sensor_class = {
	.name = "CIM_TestSensor",
	.ns = "root/hardware",
	.aliases = "TestSensor",
	.props = sensor_props,
	.nprops = 4,
	.enumerate = sensor_enumerate,
};

/* ---------------------------------------------------------- provider */

static int
testprov_init(const struct cim_services *s, void **ret_state)
{
	if (s->abi != WINRMD_PROVIDER_ABI ||
	    s->size < sizeof(struct cim_services))
		return -22;
	svc = s;
	*ret_state = NULL;
	LOG("init");
	return 0;
}

static void
testprov_fini(void *state)
{
	(void)state;
	/* every pending call is completed (the plugin already answered) */
	while (pendings != NULL) {
		struct pending *p = pendings;

		pendings = p->next;
		svc->host->timer_stop(p->timer);
		svc->complete(p->ctx);
		free(p);
	}
	while (threads != NULL) {
		struct threaded *t = threads;

		threads = t->next;
		pthread_join(t->thread, NULL);
		if (!t->completed)
			svc->complete(t->ctx);
		free(t);
	}
	LOG("fini");
}

static const struct cim_class *const testprov_classes[] = {
	&alltypes_class, &many_class, &pending_class, &threaded_class,
	&failing_class, &big_class, &huge_class, &whoami_class, &never_class,
	&other_class, &dup_first, &dup_second, &sensor_class, NULL
};

static const struct cim_provider testprov = {
	.abi = WINRMD_PROVIDER_ABI,
	.size = sizeof(struct cim_provider),
	.name = "testprov",
	.version = "1",
	.init = testprov_init,
	.fini = testprov_fini,
	.classes = testprov_classes,
};

const struct cim_provider *
winrmd_provider_entry(void)
{
	return &testprov;
}
