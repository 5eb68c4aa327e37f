/*
 * check_ipmi_ops.c: the IPMI provider's classes end to end through the
 * real cim plugin (plugins/cim, on the mock host of mock_host.c) with a
 * fake BMC back end that answers recorded readings (tests/data/ipmi) on
 * the provider's real worker thread, and can be made to fail or to hang:
 *
 *   - Enumerate of each class, both URI forms, the Windows names, WQL
 *     (SensorType=2), Get by keys (case-insensitive values)
 *   - the cache: a second request within CacheSeconds makes no BMC call,
 *     after it one; concurrent requests share one refresh
 *   - a hung BMC: the request faults (w:TimedOut) after TimeoutSeconds,
 *     the next ones at once, until the BMC answers again
 *   - a failing BMC: the BMC's error in the fault, logged once
 *   - no BMC: empty enumerations, a Get fault, one log line
 *   - RequestStateChange: AccessDenied for non-admins; admins get the
 *     Chassis Control done (ReturnValue 0), bad values 5/4097/4098, a
 *     second one while the first runs 4099
 *   - fini with a BMC call hanging: returns within a second, the waiting
 *     request answered
 */
#define _GNU_SOURCE

#include <pthread.h>
#include <time.h>

#include <libxml/parser.h>

#include "unit.h"

#include "cim.h"
#include "mock_host.h"
#include "enumeration.h"
#include "ipmi.h"

#define HW		URI_WMI "/root/hardware/"
#define DMTF		URI_DMTF CIM_SCHEMA2
#define OPTIMIZE	"<w:OptimizeEnumeration/><w:MaxElements>100</w:MaxElements>"

static const struct winrmd_plugin *plug;
static void *pstate;

/* ------------------------------------------------------ the fake BMC */

static struct {
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	bool		 hang;		/* calls wait until cleared */
	unsigned	 entered;	/* calls started */
	unsigned	 calls[JOB_COUNT];
	int		 last_control;
	const char	*readings;	/* tests/data file */
	char		 fail[128];	/* non-empty: calls fail with it */
	bool		 power_on;
	int		 power_rc;
} bmc = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static int
enter(enum ipmi_job job, char *err, size_t len)
{
	int r = 0;

	pthread_mutex_lock(&bmc.lock);
	bmc.calls[job]++;
	bmc.entered++;
	pthread_cond_broadcast(&bmc.cond);
	while (bmc.hang)
		pthread_cond_wait(&bmc.cond, &bmc.lock);
	if (bmc.fail[0] != '\0') {
		snprintf(err, len, "%s", bmc.fail);
		r = -1;
	}
	pthread_mutex_unlock(&bmc.lock);
	return r;
}

static void
recorded(struct ipmi_sensors *s, struct ipmi_sel *sel)
{
	char path[4096], *text, err[256];

	pthread_mutex_lock(&bmc.lock);
	snprintf(path, sizeof(path), "%s/%s", TEST_DATA, bmc.readings);
	pthread_mutex_unlock(&bmc.lock);
	text = unit_read_path(path, NULL);
	if (ipmi_record_parse(text, s, sel, NULL, err, sizeof(err)) < 0)
		abort();
	free(text);
}

static int
fb_open(const struct bmc_conf *c, void **ret, char *err, size_t len)
{
	(void)err, (void)len;
	if (strcmp(c->host, "bmc.test:623") != 0 ||
	    strcmp(c->password, "Secr3t-PW") != 0)
		abort();	/* the configuration reaches the worker */
	*ret = &bmc;
	return 0;
}

static void
fb_close(void *b)
{
	(void)b;
}

static int
fb_sensors(void *b, struct ipmi_sensors *ret, char *err, size_t len)
{
	struct ipmi_sel unused = { 0 };

	(void)b;
	memset(ret, 0, sizeof(*ret));
	if (enter(JOB_SENSORS, err, len) < 0)
		return -1;
	recorded(ret, &unused);
	ipmi_sel_free(&unused);
	return 0;
}

static int
fb_sel(void *b, struct ipmi_sel *ret, char *err, size_t len)
{
	struct ipmi_sensors unused = { 0 };

	(void)b;
	memset(ret, 0, sizeof(*ret));
	if (enter(JOB_SEL, err, len) < 0)
		return -1;
	recorded(&unused, ret);
	ipmi_sensors_free(&unused);
	ret->info_known = true;
	ret->info_entries = (unsigned)ret->n;
	ret->info_free_bytes = 16000 - 16 * (unsigned)ret->n;
	return 0;
}

static int
fb_chassis(void *b, struct ipmi_chassis *ret, char *err, size_t len)
{
	(void)b;
	memset(ret, 0, sizeof(*ret));
	if (enter(JOB_CHASSIS, err, len) < 0)
		return -1;
	pthread_mutex_lock(&bmc.lock);
	ret->known = true;
	ret->power_on = bmc.power_on;
	pthread_mutex_unlock(&bmc.lock);
	return 0;
}

static int
fb_power(void *b, int control, char *err, size_t len)
{
	int rc;

	(void)b;
	if (enter(JOB_POWER, err, len) < 0)
		return POWER_UNREACHABLE;
	pthread_mutex_lock(&bmc.lock);
	bmc.last_control = control;
	rc = bmc.power_rc;
	if (rc == POWER_DONE && (control == IPMI_POWER_UP ||
	    control == IPMI_POWER_DOWN))
		bmc.power_on = control == IPMI_POWER_UP;
	if (rc != POWER_DONE)
		snprintf(err, len, "Chassis Control: insufficient privilege");
	pthread_mutex_unlock(&bmc.lock);
	return rc;
}

static const struct ipmi_backend fake_backend = {
	.open = fb_open,
	.close = fb_close,
	.sensors = fb_sensors,
	.sel = fb_sel,
	.chassis = fb_chassis,
	.power = fb_power,
};

static void
bmc_hang(bool on)
{
	pthread_mutex_lock(&bmc.lock);
	bmc.hang = on;
	pthread_cond_broadcast(&bmc.cond);
	pthread_mutex_unlock(&bmc.lock);
}

static void
bmc_fail(const char *msg)
{
	pthread_mutex_lock(&bmc.lock);
	snprintf(bmc.fail, sizeof(bmc.fail), "%s", msg ? msg : "");
	pthread_mutex_unlock(&bmc.lock);
}

static unsigned
bmc_calls(enum ipmi_job job)
{
	unsigned n;

	pthread_mutex_lock(&bmc.lock);
	n = bmc.calls[job];
	pthread_mutex_unlock(&bmc.lock);
	return n;
}

/* waits until the worker has started `n' calls in all */
static void
bmc_wait_entered(unsigned n)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&bmc.lock);
	while (bmc.entered < n)
		if (pthread_cond_timedwait(&bmc.cond, &bmc.lock, &until) != 0)
			break;
	ck_assert_uint_ge(bmc.entered, n);
	pthread_mutex_unlock(&bmc.lock);
}

/* --------------------------------------------------------- fixtures */

static void
start(void)
{
	ck_assert_int_eq(plug->init(&mock_host, &pstate), 0);
	ck_assert_int_eq(providers_add(pstate, ipmi_provider(), NULL, "ipmi"),
	    0);
}

static void
common_conf(void)
{
	mock_conf_set("CIM.Providers", "");
	mock_conf_set("CIM.ProviderDirectory", "/nonexistent");
	mock_conf_set("Service.MaxBatchItems", "100");
	mock_conf_set("IPMI.CacheSeconds", "5");
	mock_conf_set("IPMI.TimeoutSeconds", "10");
	mock_conf_set("IPMI.SDRCacheDirectory", "/nonexistent/sdr");
	mock_conf_set("IPMI.AdminGroups", "root");
	setenv("TZ", "UTC", 1);
	tzset();
}

static void
bmc_reset(void)
{
	pthread_mutex_lock(&bmc.lock);
	memset(bmc.calls, 0, sizeof(bmc.calls));
	bmc.entered = 0;
	bmc.hang = false;
	bmc.fail[0] = '\0';
	bmc.readings = "ipmi/testbmc.readings";
	bmc.power_on = false;
	bmc.power_rc = POWER_DONE;
	pthread_mutex_unlock(&bmc.lock);
}

static void
setup(void)
{
	bmc_reset();
	ipmi_set_backend(&fake_backend);
	common_conf();
	mock_conf_set("IPMI.Driver", "lan");
	mock_conf_set("IPMI.Host", "bmc.test");
	mock_conf_set("IPMI.User", "admin");
	mock_conf_set("IPMI.Password", "Secr3t-PW");
	plug = winrmd_plugin_entry();
	start();
}

static void
teardown(void)
{
	bmc_hang(false);
	mock_plugin_stop(plug, pstate);
	ipmi_set_backend(NULL);
}

/* -------------------------------------------------------------- ops */

/* what dispatch.c does */
#define run(op)		mock_run_pass(plug, pstate, (op))

/* an Enumerate that asks for everything at once unless inner says more */
static struct winrmd_op *
enum_op(const char *uri, const char *inner)
{
	return mock_enum_op(uri, inner ? inner : OPTIMIZE);
}

/* runs the loop (post queue) until the op is answered */
static void
wait_done(struct winrmd_op *op)
{
	for (int i = 0; i < 250 && !op->completed &&
	    op->status == WINRMD_PENDING; i++)
		mock_poll(20);
	ck_assert_msg(op->status != WINRMD_PENDING || op->completed,
	    "the request was not answered");
}

static enum winrmd_fault
fault_of(struct winrmd_op *op)
{
	return op->fault;
}

/* Enumerate to the end: the number of items named `elem' */
static size_t
enumerate(const char *uri, const char *elem, enum winrmd_fault *f)
{
	struct winrmd_op *op = enum_op(uri, NULL);
	size_t n;

	run(op);
	wait_done(op);
	*f = fault_of(op);
	n = *f == WINRMD_FAULT_NONE ? mock_reply_count(op, elem) : 0;
	mock_op_free(op);
	return n;
}

static char *
find_in(const char *uri, const char *inner, const char *name)
{
	struct winrmd_op *op = enum_op(uri, inner);
	char *v;

	run(op);
	wait_done(op);
	ck_assert_msg(op->fault == WINRMD_FAULT_NONE, "fault %d: %s",
	    op->fault, op->reason);
	v = mock_reply_find(op, name);
	mock_op_free(op);
	return v;
}

/* ------------------------------------------------------------- tests */

START_TEST(test_classes)
{
	enum winrmd_fault f;
	char *v;

	ck_assert_uint_eq(enumerate(HW "CIM_NumericSensor", "CIM_NumericSensor",
	    &f), 3);
	ck_assert_int_eq(f, WINRMD_FAULT_NONE);
	/* the same snapshot answers the other sensor class */
	ck_assert_uint_eq(enumerate(HW "CIM_Sensor", "CIM_Sensor", &f), 1);
	ck_assert_uint_eq(bmc_calls(JOB_SENSORS), 1);
	ck_assert_uint_eq(enumerate(HW "CIM_RecordLog", "CIM_RecordLog", &f), 1);
	ck_assert_uint_eq(enumerate(HW "CIM_LogRecord", "CIM_LogRecord", &f), 1);
	ck_assert_uint_eq(bmc_calls(JOB_SEL), 1);
	ck_assert_uint_eq(enumerate(HW "CIM_ComputerSystem",
	    "CIM_ComputerSystem", &f), 1);
	/* Windows' names, DMTF URIs (root/hardware by default) */
	ck_assert_uint_eq(enumerate(HW "NumericSensor", "NumericSensor", &f), 3);
	ck_assert_uint_eq(enumerate(HW "Sensor", "Sensor", &f), 1);
	ck_assert_uint_eq(enumerate(HW "RecordLog", "RecordLog", &f), 1);
	ck_assert_uint_eq(enumerate(HW "LogRecord", "LogRecord", &f), 1);
	ck_assert_uint_eq(enumerate(DMTF "CIM_NumericSensor",
	    "CIM_NumericSensor", &f), 3);
	ck_assert_uint_eq(enumerate(DMTF "NumericSensor", "NumericSensor", &f),
	    3);
	/* root/cimv2 is not ours */
	enumerate(URI_WMI "/root/cimv2/CIM_NumericSensor", "x", &f);
	ck_assert_int_eq(f, WINRMD_FAULT_DESTINATION_UNREACHABLE);
	ck_assert_uint_eq(bmc_calls(JOB_SENSORS), 1);

	/* values through the plugin's XML */
	v = find_in(HW "CIM_RecordLog", NULL, "MaxNumberOfRecords");
	ck_assert_str_eq(v, "1000");
	free(v);
	v = find_in(HW "CIM_LogRecord", NULL, "Description");
	ck_assert_str_eq(v, "CPU Temp: Upper Critical - going high, asserted");
	free(v);
	v = find_in(HW "CIM_ComputerSystem", NULL, "EnabledState");
	ck_assert_str_eq(v, "3");	/* off */
	free(v);
	v = find_in(HW "CIM_Sensor", NULL, "CurrentState");
	ck_assert_str_eq(v, "Presence detected");
	free(v);
}
END_TEST

START_TEST(test_wql_and_get)
{
	struct winrmd_op *op;
	enum winrmd_fault f;
	char *v;

	op = enum_op(HW "CIM_NumericSensor", OPTIMIZE "<w:Filter Dialect=\""
	    NS_WQL "\">SELECT * FROM CIM_NumericSensor WHERE SensorType=2"
	    "</w:Filter>");
	run(op);
	wait_done(op);
	ck_assert_int_eq(op->fault, WINRMD_FAULT_NONE);
	ck_assert_uint_eq(mock_reply_count(op, "CIM_NumericSensor"), 1);
	v = mock_reply_find(op, "ElementName");
	ck_assert_str_eq(v, "CPU Temp");
	free(v);
	mock_op_free(op);

	/* Get, values in another case */
	op = mock_get_op(HW "CIM_NumericSensor",
	    "CreationClassName", "cim_numericsensor", "DeviceID", "bmc.4.3",
	    "SystemCreationClassName", "CIM_ComputerSystem",
	    "SystemName", "BMC.TEST:623", NULL);
	run(op);
	wait_done(op);
	ck_assert_msg(op->fault == WINRMD_FAULT_NONE, "%s", op->reason);
	v = mock_reply_find(op, "CurrentReading");
	ck_assert_str_eq(v, "1200");
	free(v);
	v = mock_reply_find(op, "UnitModifier");
	ck_assert_str_eq(v, "-2");
	free(v);
	mock_op_free(op);

	/*
	 * no such sensor (a discrete one is not a CIM_NumericSensor): valid
	 * keys that match nothing, DestinationUnreachable as on Windows
	 */
	op = mock_get_op(HW "NumericSensor",
	    "CreationClassName", "CIM_NumericSensor", "DeviceID", "BMC.5.4",
	    "SystemCreationClassName", "CIM_ComputerSystem",
	    "SystemName", "bmc.test:623", NULL);
	run(op);
	wait_done(op);
	ck_assert_int_eq(op->fault, WINRMD_FAULT_DESTINATION_UNREACHABLE);
	mock_op_free(op);

	op = mock_get_op(HW "CIM_LogRecord",
	    "LogCreationClassName", "CIM_RecordLog", "LogName", "ipmi sel",
	    "CreationClassName", "CIM_LogRecord", "RecordID", "1", NULL);
	run(op);
	wait_done(op);
	ck_assert_int_eq(op->fault, WINRMD_FAULT_NONE);
	v = mock_reply_find(op, "MessageTimestamp");
	ck_assert_str_eq(v, "");	/* pre-init: xsi:nil */
	free(v);
	mock_op_free(op);

	op = mock_get_op(HW "CIM_RecordLog",
	    "InstanceID", "IPMI:bmc.test:623 SEL", NULL);
	run(op);
	wait_done(op);
	ck_assert_int_eq(op->fault, WINRMD_FAULT_NONE);
	mock_op_free(op);
	(void)f;
}
END_TEST

START_TEST(test_cache)
{
	struct winrmd_op *op;
	enum winrmd_fault f;
	char *v;

	ck_assert_uint_eq(enumerate(HW "CIM_NumericSensor", "CIM_NumericSensor",
	    &f), 3);
	ck_assert_uint_eq(bmc_calls(JOB_SENSORS), 1);
	/* fresh: answered at once, no BMC call */
	op = enum_op(HW "CIM_NumericSensor", NULL);
	ck_assert_int_eq(run(op), WINRMD_OK);
	mock_op_free(op);
	mock_advance(4999);
	op = enum_op(HW "CIM_NumericSensor", NULL);
	ck_assert_int_eq(run(op), WINRMD_OK);
	mock_op_free(op);
	ck_assert_uint_eq(bmc_calls(JOB_SENSORS), 1);
	/* older than CacheSeconds: the BMC again, with new readings */
	pthread_mutex_lock(&bmc.lock);
	bmc.readings = "ipmi/testbmc-alarm.readings";
	pthread_mutex_unlock(&bmc.lock);
	mock_advance(1);
	op = enum_op(HW "CIM_NumericSensor", OPTIMIZE "<w:Filter Dialect=\""
	    NS_WQL "\">SELECT * FROM CIM_NumericSensor WHERE SensorType=2"
	    "</w:Filter>");
	ck_assert_int_eq(run(op), WINRMD_PENDING);
	wait_done(op);
	v = mock_reply_find(op, "CurrentReading");
	ck_assert_str_eq(v, "88");
	free(v);
	v = mock_reply_find(op, "CurrentState");
	ck_assert_str_eq(v, "Upper Critical");
	free(v);
	mock_op_free(op);
	ck_assert_uint_eq(bmc_calls(JOB_SENSORS), 2);
	ck_assert_uint_eq(enumerate(HW "CIM_LogRecord", "CIM_LogRecord", &f), 3);
}
END_TEST

START_TEST(test_shared_refresh)
{
	struct winrmd_op *ops[4];

	bmc_hang(true);
	ops[0] = enum_op(HW "CIM_NumericSensor", NULL);
	ops[1] = enum_op(HW "CIM_Sensor", NULL);
	ops[2] = enum_op(DMTF "NumericSensor", NULL);
	ops[3] = mock_get_op(HW "CIM_Sensor", "CreationClassName", "CIM_Sensor",
	    "DeviceID", "BMC.5.4", "SystemCreationClassName",
	    "CIM_ComputerSystem", "SystemName", "bmc.test:623", NULL);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(run(ops[i]), WINRMD_PENDING);
	bmc_wait_entered(1);
	mock_poll(50);
	for (int i = 0; i < 4; i++)
		ck_assert(!ops[i]->completed);
	bmc_hang(false);
	for (int i = 0; i < 4; i++) {
		wait_done(ops[i]);
		ck_assert_int_eq(ops[i]->fault, WINRMD_FAULT_NONE);
	}
	ck_assert_uint_eq(mock_reply_count(ops[0], "CIM_NumericSensor"), 3);
	ck_assert_uint_eq(mock_reply_count(ops[1], "CIM_Sensor"), 1);
	ck_assert_uint_eq(mock_reply_count(ops[2], "NumericSensor"), 3);
	ck_assert_uint_eq(mock_reply_count(ops[3], "CIM_Sensor"), 1);
	/* one refresh for all four */
	ck_assert_uint_eq(bmc_calls(JOB_SENSORS), 1);
	for (int i = 0; i < 4; i++)
		mock_op_free(ops[i]);
}
END_TEST

START_TEST(test_hung_bmc)
{
	struct winrmd_op *op, *op2;
	enum winrmd_fault f;

	bmc_hang(true);
	op = enum_op(HW "CIM_NumericSensor", NULL);
	ck_assert_int_eq(run(op), WINRMD_PENDING);
	bmc_wait_entered(1);
	mock_advance(9999);
	ck_assert(!op->completed);
	mock_advance(1);
	ck_assert(op->completed);
	ck_assert_int_eq(op->fault, WINRMD_FAULT_TIMED_OUT);
	ck_assert_ptr_nonnull(strstr(op->reason, "no answer within 10 s"));
	mock_op_free(op);
	ck_assert_uint_eq(mock_log_count("did not answer (sensor readings) "
	    "within 10 s"), 1);
	/* within CacheSeconds: at once */
	op = enum_op(HW "CIM_NumericSensor", NULL);
	ck_assert_int_eq(run(op), WINRMD_FAULT);
	ck_assert_int_eq(op->fault, WINRMD_FAULT_TIMED_OUT);
	mock_op_free(op);
	/* other classes of other data still work, each waits on its own */
	op2 = enum_op(HW "CIM_RecordLog", NULL);
	ck_assert_int_eq(run(op2), WINRMD_PENDING);
	/* later: joins the stuck refresh, faults after the bound again */
	mock_advance(5000);
	op = enum_op(HW "CIM_NumericSensor", NULL);
	ck_assert_int_eq(run(op), WINRMD_PENDING);
	mock_advance(10000);
	ck_assert(op->completed);
	ck_assert(op2->completed);	/* queued behind the stuck call */
	ck_assert_int_eq(op->fault, WINRMD_FAULT_TIMED_OUT);
	ck_assert_int_eq(op2->fault, WINRMD_FAULT_TIMED_OUT);
	mock_op_free(op);
	mock_op_free(op2);
	ck_assert_uint_eq(mock_log_count("did not answer"), 1);	/* once */
	ck_assert_uint_eq(bmc_calls(JOB_SENSORS), 1);
	/* the BMC answers: the next request after the cache age is served */
	bmc_hang(false);
	for (int i = 0; i < 100 && mock_log_count("answers again") == 0; i++)
		mock_poll(20);
	ck_assert_uint_eq(mock_log_count("answers again"), 1);
	ck_assert_uint_eq(enumerate(HW "CIM_NumericSensor",
	    "CIM_NumericSensor", &f), 3);
	ck_assert_int_eq(f, WINRMD_FAULT_NONE);
}
END_TEST

START_TEST(test_failing_bmc)
{
	struct winrmd_op *op;
	enum winrmd_fault f;

	bmc_fail("sensor readings: connection timeout");
	op = enum_op(HW "CIM_NumericSensor", NULL);
	run(op);
	wait_done(op);
	ck_assert_int_eq(op->fault, WINRMD_FAULT_INTERNAL_ERROR);
	ck_assert_ptr_nonnull(strstr(op->reason, "BMC bmc.test:623"));
	ck_assert_ptr_nonnull(strstr(op->reason, "connection timeout"));
	mock_op_free(op);
	mock_advance(5000);
	enumerate(HW "CIM_NumericSensor", "x", &f);
	ck_assert_int_eq(f, WINRMD_FAULT_INTERNAL_ERROR);
	ck_assert_uint_eq(bmc_calls(JOB_SENSORS), 2);
	ck_assert_uint_eq(mock_log_count("connection timeout (requests fault "
	    "until it answers)"), 1);
	/* never the password */
	ck_assert_uint_eq(mock_log_count("Secr3t"), 0);
	bmc_fail(NULL);
	mock_advance(5000);
	ck_assert_uint_eq(enumerate(HW "CIM_NumericSensor",
	    "CIM_NumericSensor", &f), 3);
	ck_assert_uint_eq(mock_log_count("answers again"), 1);
}
END_TEST

static struct winrmd_op *
rsc_op(const char *state, const char *extra, const char *user, uid_t uid)
{
	char *body;
	struct winrmd_op *op;

	ck_assert_int_ge(asprintf(&body, "<p:RequestStateChange_INPUT xmlns:p=\""
	    HW "CIM_ComputerSystem\">%s%s%s%s</p:RequestStateChange_INPUT>",
	    state ? "<p:RequestedState>" : "", state ? state : "",
	    state ? "</p:RequestedState>" : "", extra ? extra : ""), 0);
	op = mock_op(HW "CIM_ComputerSystem/RequestStateChange",
	    HW "CIM_ComputerSystem", body);
	free(body);
	mock_op_selector(op, "CreationClassName", "CIM_ComputerSystem");
	mock_op_selector(op, "Name", "bmc.test:623");
	mock_op_user(op, user, uid);
	return op;
}

static char *
invoke(const char *state, const char *extra, const char *user, uid_t uid,
    enum winrmd_fault *f)
{
	struct winrmd_op *op = rsc_op(state, extra, user, uid);
	char *v;

	run(op);
	wait_done(op);
	*f = op->fault;
	v = *f == WINRMD_FAULT_NONE ? mock_reply_find(op, "ReturnValue") : NULL;
	mock_op_free(op);
	return v;
}

START_TEST(test_request_state_change)
{
	struct winrmd_op *op, *op2;
	enum winrmd_fault f;
	unsigned entered;
	char *v;

	/* not in AdminGroups (root): refused, the BMC never asked */
	v = invoke("2", NULL, "alice", 1000, &f);
	ck_assert_int_eq(f, WINRMD_FAULT_ACCESS_DENIED);
	ck_assert_uint_eq(bmc_calls(JOB_POWER), 0);
	ck_assert_uint_eq(mock_log_count("in none of [IPMI] AdminGroups"), 1);
	/* an admin (gid 0): power up */
	v = invoke("2", NULL, "admin", 0, &f);
	ck_assert_int_eq(f, WINRMD_FAULT_NONE);
	ck_assert_str_eq(v, "0");
	free(v);
	ck_assert_uint_eq(bmc_calls(JOB_POWER), 1);
	ck_assert_int_eq(bmc.last_control, IPMI_POWER_UP);
	/* the new state shows: the chassis is read again */
	v = find_in(HW "CIM_ComputerSystem", NULL, "EnabledState");
	ck_assert_str_eq(v, "2");
	free(v);
	v = find_in(HW "CIM_ComputerSystem", NULL, "RequestedState");
	ck_assert_str_eq(v, "2");
	free(v);
	/* reboot, reset, shut down */
	free(invoke("10", NULL, "admin", 0, &f));
	ck_assert_int_eq(bmc.last_control, IPMI_POWER_CYCLE);
	free(invoke("11", NULL, "admin", 0, &f));
	ck_assert_int_eq(bmc.last_control, IPMI_HARD_RESET);
	free(invoke("4", NULL, "admin", 0, &f));
	ck_assert_int_eq(bmc.last_control, IPMI_SOFT_SHUTDOWN);
	ck_assert_uint_eq(bmc_calls(JOB_POWER), 4);
	/* no call for these */
	v = invoke("5", NULL, "admin", 0, &f);
	ck_assert_str_eq(v, "0");		/* No Change */
	free(v);
	v = invoke("9", NULL, "admin", 0, &f);
	ck_assert_str_eq(v, "4097");		/* Invalid State Transition */
	free(v);
	v = invoke("13", NULL, "admin", 0, &f);
	ck_assert_str_eq(v, "5");		/* Invalid Parameter */
	free(v);
	v = invoke(NULL, NULL, "admin", 0, &f);
	ck_assert_str_eq(v, "5");
	free(v);
	v = invoke("3", "<p:TimeoutPeriod><cim:Interval>PT10S</cim:Interval>"
	    "</p:TimeoutPeriod>", "admin", 0, &f);
	ck_assert_str_eq(v, "4098");
	free(v);
	ck_assert_uint_eq(bmc_calls(JOB_POWER), 4);
	/* one at a time */
	bmc_hang(true);
	pthread_mutex_lock(&bmc.lock);
	entered = bmc.entered;
	pthread_mutex_unlock(&bmc.lock);
	op = rsc_op("3", NULL, "admin", 0);
	ck_assert_int_eq(run(op), WINRMD_PENDING);
	bmc_wait_entered(entered + 1);
	op2 = rsc_op("2", NULL, "admin", 0);
	run(op2);
	wait_done(op2);
	v = mock_reply_find(op2, "ReturnValue");
	ck_assert_str_eq(v, "4099");		/* Busy */
	free(v);
	bmc_hang(false);
	wait_done(op);
	v = mock_reply_find(op, "ReturnValue");
	ck_assert_str_eq(v, "0");
	free(v);
	mock_op_free(op);
	mock_op_free(op2);
	ck_assert(!bmc.power_on);
	/* the BMC refuses: Failed */
	pthread_mutex_lock(&bmc.lock);
	bmc.power_rc = POWER_REFUSED;
	pthread_mutex_unlock(&bmc.lock);
	v = invoke("2", NULL, "admin", 0, &f);
	ck_assert_str_eq(v, "4");
	free(v);
	ck_assert_uint_eq(mock_log_count("insufficient privilege"), 1);
	/* the BMC does not answer: a fault */
	pthread_mutex_lock(&bmc.lock);
	bmc.power_rc = POWER_DONE;
	pthread_mutex_unlock(&bmc.lock);
	bmc_fail("connection timeout");
	v = invoke("2", NULL, "admin", 0, &f);
	ck_assert_int_eq(f, WINRMD_FAULT_INTERNAL_ERROR);
	ck_assert_ptr_null(v);
}
END_TEST

START_TEST(test_fini_with_hung_bmc)
{
	struct winrmd_op *op;
	struct timespec t0, t1;
	double ms;

	bmc_hang(true);
	op = enum_op(HW "CIM_NumericSensor", NULL);
	ck_assert_int_eq(run(op), WINRMD_PENDING);
	bmc_wait_entered(1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	plug->fini(pstate);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	ck_assert_msg(ms < 1500, "fini took %.0f ms", ms);
	ck_assert(op->completed);
	ck_assert_int_eq(op->fault, WINRMD_FAULT_SERVICE_STOPPING);
	ck_assert_uint_eq(mock_log_count("still busy with a call"), 1);
	mock_op_free(op);
	/* the detached thread ends when its call returns */
	bmc_hang(false);
	usleep(100000);
	/* start again for teardown */
	start();
}
END_TEST

/* ----------------------------------------------------------- no BMC */

static char *devdir;

static void
setup_none(void)
{
	const char *t = getenv("TMPDIR");

	ck_assert_int_ge(asprintf(&devdir, "%s/check_ipmi_dev.XXXXXX",
	    t ? t : "/tmp"), 0);
	ck_assert_ptr_nonnull(mkdtemp(devdir));
	ipmi_set_dev_dir(devdir);
	bmc_reset();
	ipmi_set_backend(&fake_backend);
	common_conf();
	mock_conf_set("IPMI.Driver", "auto");
	plug = winrmd_plugin_entry();
	start();
}

static void
teardown_none(void)
{
	plug->fini(pstate);
	ipmi_set_dev_dir(NULL);
	rmdir(devdir);
	free(devdir);
	ck_assert_uint_eq(mock_timers(), 0);
	mock_conf_clear();
	mock_log_clear();
	ipmi_set_backend(NULL);
}

START_TEST(test_no_bmc)
{
	struct winrmd_op *op;
	enum winrmd_fault f;
	const char *classes[] = { "CIM_NumericSensor", "CIM_Sensor",
	    "CIM_RecordLog", "CIM_LogRecord", "CIM_ComputerSystem",
	    "NumericSensor" };

	ck_assert_uint_eq(mock_log_count("ipmi: no BMC: no local BMC"), 1);
	for (size_t i = 0; i < 6; i++) {
		char uri[256];

		snprintf(uri, sizeof(uri), HW "%s", classes[i]);
		op = enum_op(uri, NULL);
		ck_assert_int_eq(run(op), WINRMD_OK);
		ck_assert_uint_eq(mock_reply_count(op, classes[i]), 0);
		mock_op_free(op);
	}
	op = mock_get_op(HW "CIM_ComputerSystem",
	    "CreationClassName", "CIM_ComputerSystem", "Name", "x", NULL);
	run(op);
	ck_assert_int_eq(op->fault, WINRMD_FAULT_INTERNAL_ERROR);
	ck_assert_ptr_nonnull(strstr(op->reason, "There is no BMC"));
	ck_assert_ptr_nonnull(strstr(op->reason, "Host is not set"));
	mock_op_free(op);
	enumerate(HW "CIM_NumericSensor", "x", &f);
	ck_assert_int_eq(f, WINRMD_FAULT_NONE);
	/* the log said it once, at start */
	ck_assert_uint_eq(mock_log_count("no BMC"), 1);
	ck_assert_uint_eq(bmc_calls(JOB_SENSORS), 0);
}
END_TEST

static Suite *
ipmi_ops_suite(void)
{
	Suite *s = suite_create("ipmi_ops");
	TCase *tc = tcase_create("bmc");
	TCase *none = tcase_create("none");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_classes);
	tcase_add_test(tc, test_wql_and_get);
	tcase_add_test(tc, test_cache);
	tcase_add_test(tc, test_shared_refresh);
	tcase_add_test(tc, test_hung_bmc);
	tcase_add_test(tc, test_failing_bmc);
	tcase_add_test(tc, test_request_state_change);
	tcase_add_test(tc, test_fini_with_hung_bmc);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(none, setup_none, teardown_none);
	tcase_add_test(none, test_no_bmc);
	suite_add_tcase(s, none);
	return s;
}

UNIT_MAIN(ipmi_ops_suite)
