/*
 * check_ipmi_map.c: the IPMI provider's pure parts, fed with recorded
 * readings (tests/data/ipmi): the test BMC of tests/ipmisim as the
 * provider logged it (testbmc.readings, and testbmc-alarm.readings after
 * its console raised CPU Temp to 88 C and failed PS1), and hand-made
 * corners (synthetic.readings).
 *
 *   numeric sensors  SensorType, BaseUnits (SDR and libipmimonitoring
 *                    units), UnitModifier from the SDR's exponents and by
 *                    units, scaling and rounding of readings, thresholds
 *                    and ranges, saturation, SupportedThresholds,
 *                    CurrentState / PossibleStates, HealthState,
 *                    OperationalStatus, Status, EnabledState
 *   discrete sensors CurrentState, PossibleStates of the type, health
 *   SEL              MessageTimestamp (pre-init, its last second, the
 *                    first real one, unspecified, OEM records),
 *                    Description, RecordData, PerceivedSeverity
 *   recordings       the text form both ways, errors
 *   [IPMI]           Host with ports, WorkaroundFlags, PrivilegeLevel,
 *                    Driver = auto/inband/lan, limits, the cache directory
 */
#define _GNU_SOURCE

#include <stdarg.h>
#include <sys/stat.h>

#include "unit.h"

#include "ipmi.h"
#include "mock_host.h"

static struct ipmi_sensors sensors;
static struct ipmi_sel sel;
static struct ipmi_chassis chassis;

static void
load(const char *name)
{
	char *text = unit_read_data(name, NULL);
	char err[256];
	int r;

	memset(&sensors, 0, sizeof(sensors));
	memset(&sel, 0, sizeof(sel));
	memset(&chassis, 0, sizeof(chassis));
	r = ipmi_record_parse(text, &sensors, &sel, &chassis, err, sizeof(err));
	ck_assert_msg(r == 0, "%s: %s", name, err);
	free(text);
}

static void
unload(void)
{
	ipmi_sensors_free(&sensors);
	ipmi_sel_free(&sel);
}

static const struct ipmi_sensor *
sensor(const char *name)
{
	for (size_t i = 0; i < sensors.n; i++)
		if (strcmp(sensors.v[i].name, name) == 0)
			return &sensors.v[i];
	ck_abort_msg("no sensor %s in the recording", name);
	return NULL;
}

static const struct ipmi_sel_entry *
record(unsigned id)
{
	for (size_t i = 0; i < sel.n; i++)
		if (sel.v[i].record_id == id)
			return &sel.v[i];
	ck_abort_msg("no SEL record %u in the recording", id);
	return NULL;
}

static struct ipmi_numeric
numeric(const char *name)
{
	struct ipmi_numeric n;

	ipmi_map_numeric(sensor(name), &n);
	return n;
}

/* the strings, joined with '|' */
static char *
joined(const char *const *v, size_t n)
{
	static char buf[1024];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
		    i ? "|" : "", v[i]);
	return buf;
}

static void
assert_supported(const struct ipmi_numeric *n, const uint16_t *want,
    size_t nwant)
{
	ck_assert_uint_eq(n->nsupported, nwant);
	for (size_t i = 0; i < nwant; i++)
		ck_assert_uint_eq(n->supported[i], want[i]);
}

/* ------------------------------------------------------ the test BMC */

START_TEST(test_testbmc_numeric)
{
	struct ipmi_numeric n;

	load("ipmi/testbmc.readings");
	ck_assert_uint_eq(sensors.n, 4);

	n = numeric("CPU Temp");
	ck_assert_uint_eq(n.sensor_type, 2);		/* Temperature */
	ck_assert_ptr_null(n.other_type);
	ck_assert_uint_eq(n.base_units, 2);		/* Degrees C */
	ck_assert_int_eq(n.unit_modifier, 0);
	ck_assert_uint_eq(n.rate_units, 0);
	ck_assert(n.has_reading);
	ck_assert_int_eq(n.reading, 45);
	ck_assert_uint_eq(n.thr_set, (1u << THR_UNC) | (1u << THR_UC) |
	    (1u << THR_UNR));
	ck_assert_int_eq(n.thr[THR_UNC], 75);
	ck_assert_int_eq(n.thr[THR_UC], 85);
	ck_assert_int_eq(n.thr[THR_UNR], 95);
	assert_supported(&n, (const uint16_t[]){ 1, 3, 5 }, 3);
	ck_assert_str_eq(n.current_state, "Normal");
	ck_assert_str_eq(joined(n.possible, n.npossible), "Unknown|Normal|"
	    "Upper Non-Critical|Upper Critical|Upper Fatal");
	ck_assert_uint_eq(n.health, 5);
	ck_assert_uint_eq(n.op_status, 2);
	ck_assert_str_eq(n.status, "OK");
	ck_assert_uint_eq(n.enabled_state, 2);
	ck_assert(n.is_linear);
	ck_assert_uint_eq(n.ranges, RANGE_MAX | RANGE_MIN);
	ck_assert_int_eq(n.max_readable, 255);
	ck_assert_int_eq(n.min_readable, 0);

	n = numeric("Fan1");
	ck_assert_uint_eq(n.sensor_type, 5);		/* Tachometer */
	ck_assert_uint_eq(n.base_units, 19);		/* RPM */
	ck_assert_int_eq(n.unit_modifier, 0);
	ck_assert_int_eq(n.reading, 4800);
	ck_assert_uint_eq(n.thr_set, (1u << THR_LNC) | (1u << THR_LC));
	ck_assert_int_eq(n.thr[THR_LNC], 1000);
	ck_assert_int_eq(n.thr[THR_LC], 500);
	assert_supported(&n, (const uint16_t[]){ 0, 2 }, 2);
	ck_assert_str_eq(joined(n.possible, n.npossible), "Unknown|Normal|"
	    "Lower Non-Critical|Lower Critical");
	ck_assert_int_eq(n.max_readable, 12750);

	/* 12.00 V: M 6, R exponent -2 -> 1200 x 10^-2 */
	n = numeric("12V Rail");
	ck_assert_uint_eq(n.sensor_type, 3);		/* Voltage */
	ck_assert_uint_eq(n.base_units, 5);		/* Volts */
	ck_assert_int_eq(n.unit_modifier, -2);
	ck_assert_int_eq(n.reading, 1200);
	ck_assert_int_eq(n.thr[THR_LC], 1080);
	ck_assert_int_eq(n.thr[THR_UC], 1320);
	assert_supported(&n, (const uint16_t[]){ 2, 3 }, 2);
	ck_assert_int_eq(n.max_readable, 1530);
	unload();
}
END_TEST

START_TEST(test_testbmc_discrete)
{
	struct ipmi_discrete d;

	load("ipmi/testbmc.readings");
	ipmi_map_discrete(sensor("PS1 Status"), &d);
	ck_assert_uint_eq(d.sensor_type, 1);		/* Other */
	ck_assert_str_eq(d.other_type, "Power Supply");
	ck_assert_str_eq(d.current_state, "Presence detected");
	ck_assert_uint_eq(d.npossible, 8);
	ck_assert_str_eq(d.possible[0], "Presence detected");
	ck_assert_str_eq(d.possible[1], "Power Supply Failure detected");
	ck_assert_uint_eq(d.health, 5);
	ck_assert_uint_eq(d.op_status, 2);
	ck_assert_uint_eq(d.enabled_state, 2);
	unload();
}
END_TEST

START_TEST(test_testbmc_alarm)
{
	struct ipmi_numeric n;
	struct ipmi_discrete d;

	load("ipmi/testbmc-alarm.readings");
	n = numeric("CPU Temp");
	ck_assert_int_eq(n.reading, 88);
	ck_assert_str_eq(n.current_state, "Upper Critical");
	ck_assert_uint_eq(n.health, 25);
	ck_assert_uint_eq(n.op_status, 6);
	ck_assert_str_eq(n.status, "Error");
	n = numeric("Fan1");
	ck_assert_str_eq(n.current_state, "Normal");
	ipmi_map_discrete(sensor("PS1 Status"), &d);
	ck_assert_str_eq(d.current_state, "Power Supply Failure detected");
	ck_assert_uint_eq(d.health, 25);
	ck_assert_str_eq(d.status, "Error");
	/* the two new SEL records of the threshold crossings */
	ck_assert_uint_eq(sel.n, 3);
	ck_assert_uint_eq(ipmi_sel_severity(record(2)->state), 3);
	ck_assert_uint_eq(ipmi_sel_severity(record(3)->state), 6);
	unload();
}
END_TEST

/* ------------------------------------------------------- synthetic */

START_TEST(test_units_and_scaling)
{
	struct ipmi_numeric n;

	load("ipmi/synthetic.readings");
	/* offset formula: min(Rexp, Rexp + Bexp) = -2 */
	n = numeric("Inlet Temp");
	ck_assert_int_eq(n.unit_modifier, -2);
	ck_assert_int_eq(n.reading, -550);
	ck_assert_int_eq(n.thr[THR_LC], -2000);
	ck_assert_int_eq(n.thr[THR_UC], 4525);
	/* no SDR: volts and amps in thousandths */
	n = numeric("PSU Current");
	ck_assert_uint_eq(n.sensor_type, 4);
	ck_assert_uint_eq(n.base_units, 6);		/* Amps */
	ck_assert_int_eq(n.unit_modifier, -3);
	ck_assert_int_eq(n.reading, 1235);
	ck_assert_uint_eq(n.thr_set, 0);
	ck_assert_uint_eq(n.nsupported, 0);
	/* thresholds unknown: every state is possible */
	ck_assert_uint_eq(n.npossible, 8);
	/* a power supply's watts: Power Consumption */
	n = numeric("PSU Power");
	ck_assert_uint_eq(n.sensor_type, 13);
	ck_assert_ptr_null(n.other_type);
	ck_assert_uint_eq(n.base_units, 7);		/* Watts */
	ck_assert_int_eq(n.reading, 410);
	ck_assert_uint_eq(n.ranges, RANGE_NOMINAL | RANGE_NORMAL_MAX |
	    RANGE_NORMAL_MIN | RANGE_MAX | RANGE_MIN);
	ck_assert_int_eq(n.nominal, 400);
	ck_assert_int_eq(n.normal_max, 600);
	ck_assert_int_eq(n.normal_min, 100);
	ck_assert_int_eq(n.max_readable, 510);
	/* percentage */
	n = numeric("CPU Load");
	ck_assert_uint_eq(n.base_units, 65);
	ck_assert_uint_eq(n.sensor_type, 1);
	ck_assert_str_eq(n.other_type, "Other Units Based Sensor");
	ck_assert_int_eq(n.reading, 37);
	/* Fahrenheit without an SDR: whole degrees */
	n = numeric("Ambient F");
	ck_assert_uint_eq(n.base_units, 3);
	ck_assert_uint_eq(n.sensor_type, 2);
	ck_assert_int_eq(n.unit_modifier, 0);
	ck_assert_int_eq(n.reading, 72);
	/* non-linear: by units, and not IsLinear */
	n = numeric("VBAT");
	ck_assert(!n.is_linear);
	ck_assert_int_eq(n.unit_modifier, -3);
	ck_assert_int_eq(n.reading, 3015);
	/* saturated */
	n = numeric("Huge");
	ck_assert_int_eq(n.reading, 2147483647);
	/* seconds per minute; microseconds are not a CIM unit */
	n = numeric("Uptime");
	ck_assert_uint_eq(n.base_units, 21);
	ck_assert_uint_eq(n.rate_units, 4);
	n = numeric("Latency");
	ck_assert_uint_eq(n.base_units, 1);
	/* half away from zero */
	n = numeric("Bias");
	ck_assert_int_eq(n.unit_modifier, -2);
	ck_assert_int_eq(n.reading, -13);
	unload();
}
END_TEST

START_TEST(test_states_and_health)
{
	struct ipmi_numeric n;

	load("ipmi/synthetic.readings");
	n = numeric("PSU Current");
	ck_assert_str_eq(n.current_state, "Upper Non-Critical");
	ck_assert_uint_eq(n.health, 10);
	ck_assert_uint_eq(n.op_status, 3);
	ck_assert_str_eq(n.status, "Degraded");
	/* below the lower non-recoverable threshold */
	n = numeric("3V3 Rail");
	ck_assert_str_eq(n.current_state, "Lower Fatal");
	ck_assert_uint_eq(n.health, 30);
	ck_assert_uint_eq(n.op_status, 7);
	ck_assert_str_eq(n.status, "NonRecover");
	ck_assert_int_eq(n.reading, 210);
	ck_assert_int_eq(n.thr[THR_LNR], 250);
	ck_assert_int_eq(n.thr[THR_UNR], 390);
	assert_supported(&n, (const uint16_t[]){ 0, 1, 2, 3, 4, 5 }, 6);
	ck_assert_str_eq(joined(n.possible, n.npossible), "Unknown|Normal|"
	    "Lower Non-Critical|Upper Non-Critical|Lower Critical|"
	    "Upper Critical|Lower Fatal|Upper Fatal");
	n = numeric("Fan2");
	ck_assert_str_eq(n.current_state, "Lower Non-Critical");
	ck_assert_uint_eq(n.health, 10);
	/* no reading */
	n = numeric("DIMM Temp");
	ck_assert(!n.has_reading);
	ck_assert_str_eq(n.current_state, "Unknown");
	ck_assert_uint_eq(n.health, 0);
	ck_assert_uint_eq(n.op_status, 0);
	ck_assert_str_eq(n.status, "Unknown");
	ck_assert_uint_eq(n.enabled_state, 3);
	ck_assert_int_eq(n.thr[THR_UC], 85);
	unload();
}
END_TEST

START_TEST(test_discrete)
{
	struct ipmi_discrete d;

	load("ipmi/synthetic.readings");
	ipmi_map_discrete(sensor("CPU2 Presence"), &d);
	ck_assert_uint_eq(d.sensor_type, 11);		/* Presence */
	ck_assert_ptr_null(d.other_type);
	ck_assert_str_eq(d.current_state, "OK");
	ck_assert_uint_eq(d.npossible, 3);
	ck_assert_str_eq(d.possible[1], "Entity Absent");
	ipmi_map_discrete(sensor("Intrusion"), &d);
	ck_assert_uint_eq(d.sensor_type, 16);		/* Intrusion */
	ck_assert_str_eq(d.current_state, "General Chassis Intrusion");
	ck_assert_uint_eq(d.health, 25);
	ck_assert_uint_eq(d.op_status, 6);
	ipmi_map_discrete(sensor("CPU1 ProcHot"), &d);
	ck_assert_uint_eq(d.sensor_type, 1);
	ck_assert_str_eq(d.other_type, "Processor");
	ck_assert_uint_eq(d.npossible, 2);
	ck_assert_str_eq(d.possible[0], "State Deasserted");
	ck_assert_str_eq(d.possible[1], "State Asserted");
	ipmi_map_discrete(sensor("OEM Thing"), &d);
	ck_assert_str_eq(d.other_type, "OEM");
	ck_assert_uint_eq(d.npossible, 0);
	ck_assert_str_eq(d.current_state, "Unknown");
	ck_assert_uint_eq(d.health, 0);
	ck_assert_uint_eq(d.enabled_state, 3);
	unload();
}
END_TEST

START_TEST(test_sensor_types)
{
	const char *other;

	ck_assert_uint_eq(ipmi_cim_sensor_type(0x01, &other), 2);
	ck_assert_uint_eq(ipmi_cim_sensor_type(0x02, &other), 3);
	ck_assert_uint_eq(ipmi_cim_sensor_type(0x03, &other), 4);
	ck_assert_uint_eq(ipmi_cim_sensor_type(0x04, &other), 5);
	ck_assert_uint_eq(ipmi_cim_sensor_type(0x14, &other), 7);
	ck_assert_uint_eq(ipmi_cim_sensor_type(0x29, &other), 1);
	ck_assert_str_eq(other, "Battery");
	ck_assert_uint_eq(ipmi_cim_sensor_type(0x2D, &other), 1);
	ck_assert_str_eq(other, "Unknown");
	ck_assert_uint_eq(ipmi_cim_sensor_type(IPMI_TYPE_UNKNOWN, &other), 0);
	ck_assert_ptr_null(other);
	ck_assert_uint_eq(ipmi_cim_base_units(0), 0);
	ck_assert_uint_eq(ipmi_cim_base_units(0xFF), 1);
	ck_assert_uint_eq(ipmi_cim_base_units(7), 65);
}
END_TEST

/* ---------------------------------------------------------------- SEL */

START_TEST(test_sel_timestamps)
{
	time_t t = 0;

	load("ipmi/synthetic.readings");
	ck_assert(!ipmi_sel_time(record(1), &t));	/* pre-init */
	ck_assert(!ipmi_sel_time(record(2), &t));	/* its last second */
	ck_assert(ipmi_sel_time(record(3), &t));
	ck_assert_int_eq(t, 0x20000001);
	ck_assert(!ipmi_sel_time(record(4), &t));	/* unspecified */
	ck_assert(ipmi_sel_time(record(5), &t));
	ck_assert_int_eq(t, 1700784000);		/* 2023-11-24T00:00:00Z */
	ck_assert(ipmi_sel_time(record(6), &t));	/* timestamped OEM */
	ck_assert(!ipmi_sel_time(record(7), &t));	/* non-timestamped OEM */
	unload();

	/* the test BMC stamps with its uptime until its clock is set */
	load("ipmi/testbmc.readings");
	ck_assert(!ipmi_sel_time(record(1), &t));
	unload();
}
END_TEST

START_TEST(test_sel_text)
{
	char buf[512];

	load("ipmi/synthetic.readings");
	ipmi_sel_description(record(1), buf, sizeof(buf));
	ck_assert_str_eq(buf, "CPU Temp: Upper Critical - going high, asserted");
	ipmi_sel_data(record(1), buf, sizeof(buf));
	ck_assert_str_eq(buf, "0x0001 0x02 0x00001736 0x01 0x01 0x00 0x01 "
	    "0x59 0x57 0x55");
	ipmi_sel_description(record(2), buf, sizeof(buf));
	ck_assert_str_eq(buf, "CPU Temp: Upper Critical - going high, "
	    "deasserted");
	ipmi_sel_description(record(5), buf, sizeof(buf));
	ck_assert_str_eq(buf, "Temperature sensor #7: Lower Critical - going "
	    "low, deasserted");
	ipmi_sel_data(record(5), buf, sizeof(buf));
	ck_assert_str_eq(buf, "0x0005 0x02 0x655FE780 0x01 0x07 0x01 0x01 "
	    "0x52 0x05 0x0A");
	ipmi_sel_description(record(6), buf, sizeof(buf));
	ck_assert_str_eq(buf, "OEM record type 0xC1, manufacturer 343");
	ipmi_sel_data(record(6), buf, sizeof(buf));
	ck_assert_str_eq(buf, "0x0006 0xC1 0x655FE780 0x000157 0x01 0x02 0x03 "
	    "0x04 0x05 0x06");
	ipmi_sel_data(record(7), buf, sizeof(buf));
	ck_assert_str_eq(buf, "0x0007 0xE0 0x00000000 0x000000 0xAA 0xBB 0xCC "
	    "0xDD 0xEE 0xFF 0x00 0x11 0x22 0x33 0x44 0x55 0x66");
	/* a short buffer is cut, never overrun */
	ipmi_sel_data(record(7), buf, 20);
	ck_assert_uint_eq(strlen(buf), 19);
	ck_assert_uint_eq(ipmi_sel_severity(record(1)->state), 6);
	ck_assert_uint_eq(ipmi_sel_severity(record(2)->state), 2);
	ck_assert_uint_eq(ipmi_sel_severity(record(4)->state), 3);
	ck_assert_uint_eq(ipmi_sel_severity(record(6)->state), 0);
	ck_assert(sel.info_known);
	ck_assert_uint_eq(sel.info_entries, 7);
	ck_assert_uint_eq(sel.info_entries + sel.info_free_bytes / 16, 1000);
	ck_assert(chassis.known && chassis.power_on);
	ck_assert_int_eq(chassis.restore_policy, 2);
	unload();
}
END_TEST

/* --------------------------------------------------------- recordings */

START_TEST(test_record_roundtrip)
{
	const char *files[] = { "ipmi/testbmc.readings",
	    "ipmi/testbmc-alarm.readings", "ipmi/synthetic.readings" };

	for (size_t f = 0; f < 3; f++) {
		struct ipmi_sensors again = { 0 };
		struct ipmi_sel sel2 = { 0 };
		char *text = NULL, line[2048], err[256];
		size_t len = 0;
		FILE *m = open_memstream(&text, &len);

		load(files[f]);
		for (size_t i = 0; i < sensors.n; i++) {
			ipmi_record_sensor(&sensors.v[i], line, sizeof(line));
			fprintf(m, "%s\n", line);
		}
		for (size_t i = 0; i < sel.n; i++) {
			ipmi_record_sel(&sel.v[i], line, sizeof(line));
			fprintf(m, "%s\n", line);
		}
		fclose(m);
		ck_assert_int_eq(ipmi_record_parse(text, &again, &sel2, NULL,
		    err, sizeof(err)), 0);
		ck_assert_uint_eq(again.n, sensors.n);
		ck_assert_uint_eq(sel2.n, sel.n);
		for (size_t i = 0; i < sensors.n; i++) {
			struct ipmi_numeric a, b;

			ipmi_map_numeric(&sensors.v[i], &a);
			ipmi_map_numeric(&again.v[i], &b);
			ck_assert_msg(memcmp(&a, &b, sizeof(a)) == 0,
			    "%s changed in the round trip",
			    sensors.v[i].name);
			ck_assert_str_eq(again.v[i].name, sensors.v[i].name);
			ck_assert_uint_eq(again.v[i].nstrings,
			    sensors.v[i].nstrings);
		}
		for (size_t i = 0; i < sel.n; i++)
			ck_assert_msg(memcmp(&sel.v[i], &sel2.v[i],
			    sizeof(sel.v[i])) == 0, "SEL record %u changed",
			    sel.v[i].record_id);
		ipmi_sensors_free(&again);
		ipmi_sel_free(&sel2);
		free(text);
		unload();
	}
}
END_TEST

START_TEST(test_record_errors)
{
	struct ipmi_sensors s = { 0 };
	struct ipmi_sel e = { 0 };
	char err[256];

	ck_assert_int_lt(ipmi_record_parse("# c\nsensor|rec=2\nsensor|rec=x\n",
	    &s, &e, NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "line 3: bad rec: x");
	ipmi_sensors_free(&s);
	ck_assert_int_lt(ipmi_record_parse("bogus|a=1\n", &s, &e, NULL, err,
	    sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "record kind"));
	ck_assert_int_lt(ipmi_record_parse("sel|rec=1|data=0x100\n", &s, &e,
	    NULL, err, sizeof(err)), 0);
	ck_assert_int_lt(ipmi_record_parse("sensor|rec=1|reading=nan\n", &s,
	    &e, NULL, err, sizeof(err)), 0);
	ipmi_sensors_free(&s);
	ipmi_sel_free(&e);
	/* separators inside names are replaced when writing */
	{
		struct ipmi_sensor x = { .record_id = 1, .type = 1,
		    .name = "a|b;c" };
		char line[512];

		ipmi_record_sensor(&x, line, sizeof(line));
		ck_assert_ptr_nonnull(strstr(line, "|name=a b c|"));
	}
}
END_TEST

/* ------------------------------------------------------------- [IPMI] */

START_TEST(test_host_port)
{
	char buf[64];

	ck_assert_int_eq(ipmi_host_port("bmc.example.com", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "bmc.example.com:623");
	/* loopback without a port would be in-band for FreeIPMI */
	ck_assert_int_eq(ipmi_host_port("127.0.0.1", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "127.0.0.1:623");
	ck_assert_int_eq(ipmi_host_port("127.0.0.1:9623", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "127.0.0.1:9623");
	ck_assert_int_eq(ipmi_host_port("fe80::1", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "[fe80::1]:623");
	ck_assert_int_eq(ipmi_host_port("[::1]", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "[::1]:623");
	ck_assert_int_eq(ipmi_host_port("[::1]:9623", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "[::1]:9623");
	ck_assert_int_lt(ipmi_host_port("", buf, sizeof(buf)), 0);
	ck_assert_int_lt(ipmi_host_port("host:", buf, sizeof(buf)), 0);
	ck_assert_int_lt(ipmi_host_port("host:x1", buf, sizeof(buf)), 0);
	ck_assert_int_lt(ipmi_host_port("[::1", buf, sizeof(buf)), 0);
	ck_assert_int_lt(ipmi_host_port("[::1]x", buf, sizeof(buf)), 0);
	ck_assert_int_lt(ipmi_host_port("a-very-long-host-name.example.com",
	    buf, 20), 0);
}
END_TEST

START_TEST(test_workarounds_privilege)
{
	unsigned f;
	char bad[32];

	ck_assert_int_eq(ipmi_workarounds("opensesspriv", true, true, &f, bad,
	    sizeof(bad)), 0);
	ck_assert_uint_eq(f, 0x10);
	ck_assert_int_eq(ipmi_workarounds("authcap, intel20 sun20", true, true,
	    &f, bad, sizeof(bad)), 0);
	ck_assert_uint_eq(f, 0x01 | 0x02 | 0x08);
	ck_assert_int_eq(ipmi_workarounds("idzero,forcepermsg", true, false,
	    &f, bad, sizeof(bad)), 0);
	ck_assert_uint_eq(f, 0x02 | 0x04);
	ck_assert_int_eq(ipmi_workarounds("", true, true, &f, bad,
	    sizeof(bad)), 0);
	ck_assert_uint_eq(f, 0);
	ck_assert_int_eq(ipmi_workarounds("none", false, true, &f, bad,
	    sizeof(bad)), 0);
	ck_assert_int_eq(ipmi_workarounds("spinpoll", false, true, &f, bad,
	    sizeof(bad)), 0);
	ck_assert_uint_eq(f, 0x02);
	/* a workaround of another protocol */
	ck_assert_int_lt(ipmi_workarounds("opensesspriv", true, false, &f, bad,
	    sizeof(bad)), 0);
	ck_assert_str_eq(bad, "opensesspriv");
	ck_assert_int_lt(ipmi_workarounds("authcap", false, true, &f, bad,
	    sizeof(bad)), 0);
	ck_assert_int_lt(ipmi_workarounds("nonsense", true, true, &f, bad,
	    sizeof(bad)), 0);
	ck_assert_int_eq(ipmi_privilege("user"), 0);
	ck_assert_int_eq(ipmi_privilege(NULL), 0);
	ck_assert_int_eq(ipmi_privilege("OPERATOR"), 1);
	ck_assert_int_eq(ipmi_privilege("admin"), 2);
	ck_assert_int_eq(ipmi_privilege("root"), -1);
}
END_TEST

static char *
scratch_dir(void)
{
	const char *t = getenv("TMPDIR");
	char *d;

	ck_assert_int_ge(asprintf(&d, "%s/check_ipmi.XXXXXX", t ? t : "/tmp"),
	    0);
	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

START_TEST(test_conf_load)
{
	struct bmc_conf c;
	char why[512], *dev = scratch_dir(), path[600];

	/* auto, no device, no Host: none, and why */
	mock_conf_clear();
	ck_assert_int_eq(ipmi_conf_load(&mock_host, dev, &c, why, sizeof(why)),
	    BMC_NONE);
	ck_assert_ptr_nonnull(strstr(why, "ipmi0 does not exist"));
	ck_assert_ptr_nonnull(strstr(why, "Host is not set"));
	/* auto with Host: LAN, defaults */
	mock_conf_set("IPMI.Host", "10.1.2.3");
	mock_conf_set("IPMI.User", "admin");
	mock_conf_set("IPMI.Password", "secret");
	ck_assert_int_eq(ipmi_conf_load(&mock_host, dev, &c, why, sizeof(why)),
	    BMC_LAN);
	ck_assert_str_eq(c.host, "10.1.2.3:623");
	ck_assert_str_eq(c.user, "admin");
	ck_assert_str_eq(c.password, "secret");
	ck_assert(c.ipmi20);
	ck_assert_uint_eq(c.cipher_suite, 3);
	ck_assert_int_eq(c.privilege, 0);
	ck_assert_uint_eq(c.timeout_ms, 10000);
	ck_assert_str_eq(c.sdr_dir, "/var/cache/winrmd/ipmi");
	/* auto with the kernel's device: in-band, credentials unused */
	snprintf(path, sizeof(path), "%s/ipmi0", dev);
	fclose(fopen(path, "w"));
	ck_assert_int_eq(ipmi_conf_load(&mock_host, dev, &c, why, sizeof(why)),
	    BMC_INBAND);
	ck_assert_str_eq(c.password, "");
	unlink(path);
	/* explicit lan, everything set */
	mock_conf_set("IPMI.Driver", "lan");
	mock_conf_set("IPMI.Host", "127.0.0.1:9623");
	mock_conf_set("IPMI.Protocol", "1.5");
	mock_conf_set("IPMI.PrivilegeLevel", "admin");
	mock_conf_set("IPMI.WorkaroundFlags", "idzero");
	mock_conf_set("IPMI.TimeoutSeconds", "3");
	mock_conf_set("IPMI.SDRCacheDirectory", "/tmp/x");
	ck_assert_int_eq(ipmi_conf_load(&mock_host, dev, &c, why, sizeof(why)),
	    BMC_LAN);
	ck_assert(!c.ipmi20);
	ck_assert_int_eq(c.privilege, 2);
	ck_assert_uint_eq(c.workarounds, 0x02);
	ck_assert_uint_eq(c.timeout_ms, 3000);
	ck_assert_str_eq(c.sdr_dir, "/tmp/x");
	/* errors */
	mock_conf_set("IPMI.WorkaroundFlags", "opensesspriv");
	ck_assert_int_lt(ipmi_conf_load(&mock_host, dev, &c, why, sizeof(why)),
	    0);
	ck_assert_ptr_nonnull(strstr(why, "opensesspriv is not a workaround of "
	    "IPMI 1.5"));
	mock_conf_set("IPMI.WorkaroundFlags", "");
	mock_conf_set("IPMI.Password", "seventeen-chars-x");
	ck_assert_int_lt(ipmi_conf_load(&mock_host, dev, &c, why, sizeof(why)),
	    0);
	ck_assert_ptr_nonnull(strstr(why, "at most 16"));
	ck_assert_ptr_null(strstr(why, "seventeen"));	/* never shown */
	mock_conf_set("IPMI.Protocol", "2.0");
	ck_assert_int_eq(ipmi_conf_load(&mock_host, dev, &c, why, sizeof(why)),
	    BMC_LAN);
	mock_conf_set("IPMI.CipherSuite", "5");
	ck_assert_int_lt(ipmi_conf_load(&mock_host, dev, &c, why, sizeof(why)),
	    0);
	mock_conf_set("IPMI.CipherSuite", "17");
	mock_conf_set("IPMI.Host", "");
	ck_assert_int_lt(ipmi_conf_load(&mock_host, dev, &c, why, sizeof(why)),
	    0);
	ck_assert_ptr_nonnull(strstr(why, "needs Host"));
	mock_conf_set("IPMI.Host", "bmc:");
	ck_assert_int_lt(ipmi_conf_load(&mock_host, dev, &c, why, sizeof(why)),
	    0);
	mock_conf_set("IPMI.Host", "bmc");
	mock_conf_set("IPMI.SDRCacheDirectory", "relative");
	ck_assert_int_lt(ipmi_conf_load(&mock_host, dev, &c, why, sizeof(why)),
	    0);
	mock_conf_set("IPMI.SDRCacheDirectory", "/tmp/x");
	mock_conf_set("IPMI.Driver", "serial");
	ck_assert_int_lt(ipmi_conf_load(&mock_host, dev, &c, why, sizeof(why)),
	    0);
	/* in-band by request, even without the device */
	mock_conf_set("IPMI.Driver", "inband");
	ck_assert_int_eq(ipmi_conf_load(&mock_host, dev, &c, why, sizeof(why)),
	    BMC_INBAND);
	mock_conf_clear();
	rmdir(dev);
	free(dev);
}
END_TEST

START_TEST(test_cache_dir)
{
	char *top = scratch_dir(), path[600];
	struct stat st;

	snprintf(path, sizeof(path), "%s/a/b/ipmi/", top);
	ck_assert_int_eq(ipmi_make_cache_dir(path), 0);
	path[strlen(path) - 1] = '\0';
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0700);
	/* an existing one is tightened */
	ck_assert_int_eq(chmod(path, 0755), 0);
	ck_assert_int_eq(ipmi_make_cache_dir(path), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0700);
	ck_assert_int_eq(ipmi_make_cache_dir("relative"), -EINVAL);
	snprintf(path, sizeof(path), "%s/file", top);
	fclose(fopen(path, "w"));
	ck_assert_int_eq(ipmi_make_cache_dir(path), -ENOTDIR);
	unlink(path);
	snprintf(path, sizeof(path), "%s/a/b/ipmi", top);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/a/b", top);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/a", top);
	rmdir(path);
	rmdir(top);
	free(top);
}
END_TEST

static Suite *
ipmi_map_suite(void)
{
	Suite *s = suite_create("ipmi_map");
	TCase *tc = tcase_create("map");

	tcase_add_test(tc, test_testbmc_numeric);
	tcase_add_test(tc, test_testbmc_discrete);
	tcase_add_test(tc, test_testbmc_alarm);
	tcase_add_test(tc, test_units_and_scaling);
	tcase_add_test(tc, test_states_and_health);
	tcase_add_test(tc, test_discrete);
	tcase_add_test(tc, test_sensor_types);
	tcase_add_test(tc, test_sel_timestamps);
	tcase_add_test(tc, test_sel_text);
	tcase_add_test(tc, test_record_roundtrip);
	tcase_add_test(tc, test_record_errors);
	tcase_add_test(tc, test_host_port);
	tcase_add_test(tc, test_workarounds_privilege);
	tcase_add_test(tc, test_conf_load);
	tcase_add_test(tc, test_cache_dir);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(ipmi_map_suite)
