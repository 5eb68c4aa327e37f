/*
 * map.c: IPMI readings -> CIM values, as pure functions of the readings
 * (tests/unit/check_ipmi_map.c feeds them recorded readings).
 *
 *   SensorType    IPMI type: Temperature 2, Voltage 3, Current 4, Fan 5
 *                 (Tachometer), Physical Security 16 (Intrusion), Entity
 *                 Presence 11, Button/Switch 7; a numeric sensor of any
 *                 other type by its units (W: 13 Power Consumption, ...);
 *                 else 1 Other with OtherSensorTypeDescription = the IPMI
 *                 type's name.
 *   BaseUnits     the SDR's base unit (CIM code = IPMI code + 1 up to Hz;
 *                 a table after), 65 Percentage for percentage sensors;
 *                 without the SDR, libipmimonitoring's units.
 *   UnitModifier  from the SDR's linear formula y = (M x + B 10^Bexp)
 *                 10^Rexp: Rexp (and Rexp + Bexp when B is not 0), never
 *                 above 0, so that every reading is an exact integer
 *                 (12.00 V = 1200 x 10^-2); without the SDR (or for a
 *                 non-linear sensor): -3 for volts and amps, 0 otherwise.
 *                 CurrentReading and every threshold and range use it.
 *   CurrentState  the most severe threshold crossed ("Upper Fatal", "Lower
 *                 Critical", ... , "Normal"), "Unknown" without a
 *                 reading; PossibleStates: "Unknown", "Normal" and one
 *                 per readable threshold (all six when they are unknown).
 *   HealthState   5 OK, 10 Degraded, 25 Critical, 30 non-recoverable
 *                 (a fatal threshold crossed), 0 Unknown, with
 *                 OperationalStatus 2/3/6/7/0 and Status OK / Degraded /
 *                 Error / NonRecover / Unknown.
 *   SEL times     seconds of the BMC's clock; up to 0x20000000 they count
 *                 from the BMC's start ("pre-init"), 0xFFFFFFFF is
 *                 "unspecified": neither is a point in time -> NULL.
 */
#define _GNU_SOURCE

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <freeipmi/freeipmi.h>

#include "ipmi.h"

/* libipmimonitoring's enums, by value (ipmi_monitoring.h) */
#define ST_NOMINAL	0
#define ST_WARNING	1
#define ST_CRITICAL	2
#define ST_UNKNOWN	3
#define U_NONE		0
#define U_C		1
#define U_F		2
#define U_V		3
#define U_A		4
#define U_RPM		5
#define U_W		6
#define U_PERCENT	7
#define BM_THRESHOLD	0

/* threshold comparison bits of a threshold sensor's bitmask */
#define BIT_LNC		0x01u
#define BIT_LC		0x02u
#define BIT_LNR		0x04u
#define BIT_UNC		0x08u
#define BIT_UC		0x10u
#define BIT_UNR		0x20u

void
ipmi_sensors_free(struct ipmi_sensors *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

void
ipmi_sel_free(struct ipmi_sel *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* ------------------------------------------------------------- types */

static const char *const type_names[] = {
	"Reserved", "Temperature", "Voltage", "Current", "Fan",
	"Physical Security", "Platform Security Violation Attempt",
	"Processor", "Power Supply", "Power Unit", "Cooling Device",
	"Other Units Based Sensor", "Memory", "Drive Slot",
	"POST Memory Resize", "System Firmware Progress",
	"Event Logging Disabled", "Watchdog 1", "System Event",
	"Critical Interrupt", "Button/Switch", "Module/Board",
	"Microcontroller/Coprocessor", "Add In Card", "Chassis", "Chip Set",
	"Other FRU", "Cable/Interconnect", "Terminator",
	"System Boot Initiated", "Boot Error", "OS Boot", "OS Critical Stop",
	"Slot/Connector", "System ACPI Power State", "Watchdog 2",
	"Platform Alert", "Entity Presence", "Monitor ASIC/IC", "LAN",
	"Management Subsystem Health", "Battery", "Session Audit",
	"Version Change", "FRU State",
};

const char *
ipmi_type_text(unsigned t)
{
	if (t < sizeof(type_names) / sizeof(type_names[0]))
		return type_names[t];
	if (t >= 0xC0 && t <= 0xFF)
		return "OEM";
	return "Unknown";
}

/* SensorType of the type alone (discrete sensors: units -1) */
static unsigned
sensor_type(unsigned t, int units, const char **other)
{
	unsigned r = 1;

	*other = NULL;
	switch (t) {
	case 0x01: r = 2; break;	/* Temperature */
	case 0x02: r = 3; break;	/* Voltage */
	case 0x03: r = 4; break;	/* Current */
	case 0x04: r = 5; break;	/* Fan: Tachometer */
	case 0x05: r = 16; break;	/* Physical Security: Intrusion */
	case 0x14: r = 7; break;	/* Button/Switch: Switch */
	case 0x25: r = 11; break;	/* Entity Presence: Presence */
	case IPMI_TYPE_UNKNOWN: return 0;
	default: break;
	}
	if (r == 1) {
		/* a number of another type: what it measures */
		switch (units) {
		case U_C: case U_F: r = 2; break;
		case U_V: r = 3; break;
		case U_A: r = 4; break;
		case U_RPM: r = 5; break;
		case U_W: r = 13; break;	/* Power Consumption */
		default: break;
		}
	}
	if (r == 1)
		*other = ipmi_type_text(t);
	return r;
}

unsigned
ipmi_cim_sensor_type(unsigned ipmi_type, const char **other)
{
	return sensor_type(ipmi_type, -1, other);
}

unsigned
ipmi_cim_base_units(int units)
{
	switch (units) {
	case U_C: return 2;
	case U_F: return 3;
	case U_V: return 5;
	case U_A: return 6;
	case U_RPM: return 19;
	case U_W: return 7;
	case U_PERCENT: return 65;
	case U_NONE: return 0;
	default: return 1;	/* a unit libipmimonitoring does not name */
	}
}

/* CIM BaseUnits of an SDR base unit (IPMI 2.0 table 43-15) */
static unsigned
sdr_base_units(const struct ipmi_sensor *s)
{
	/* IPMI codes from 20 on (20 us, 21 ms: CIM has no such units) */
	static const struct { unsigned char ipmi, cim; } later[] = {
		{ 22, 21 }, { 23, 22 }, { 24, 23 }, { 25, 24 }, { 26, 25 },
		{ 27, 26 }, { 28, 27 }, { 29, 28 }, { 30, 29 }, { 31, 30 },
		{ 34, 31 }, { 35, 32 }, { 36, 33 }, { 37, 34 }, { 38, 35 },
		{ 39, 36 }, { 40, 37 }, { 41, 38 }, { 42, 39 }, { 43, 40 },
		{ 44, 41 }, { 45, 42 }, { 46, 43 }, { 47, 44 }, { 48, 45 },
		{ 49, 46 }, { 50, 47 }, { 52, 48 }, { 54, 49 }, { 55, 50 },
		{ 56, 51 }, { 57, 52 }, { 58, 53 }, { 60, 54 }, { 61, 55 },
		{ 62, 56 }, { 63, 57 }, { 64, 58 }, { 65, 59 }, { 66, 60 },
		{ 70, 61 }, { 74, 62 }, { 75, 63 }, { 76, 64 },
	};

	if (s->percentage)
		return 65;
	if (s->base_unit <= 19)
		return s->base_unit + 1;
	for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++)
		if (later[i].ipmi == s->base_unit)
			return later[i].cim;
	return 1;
}

/* ---------------------------------------------------------- numbers */

int
ipmi_unit_modifier(const struct ipmi_sensor *s)
{
	int mod;

	if (s->sdr_known && s->linearization == 0) {
		mod = s->r_exp;
		if (s->b != 0 && s->r_exp + s->b_exp < mod)
			mod = s->r_exp + s->b_exp;
		if (mod > 0)
			mod = 0;
		if (mod < -9)
			mod = -9;
		return mod;
	}
	switch (s->units) {
	case U_V:
	case U_A:
		return -3;
	default:
		return 0;
	}
}

bool
ipmi_scale(double v, int mod, int32_t *ret)
{
	double x;

	if (isnan(v))
		return false;
	x = round(v * pow(10.0, -mod));
	if (x > 2147483647.0)
		x = 2147483647.0;
	else if (x < -2147483648.0)
		x = -2147483648.0;
	*ret = (int32_t)x;
	return true;
}

/* ----------------------------------------------------------- states */

const uint16_t ipmi_cim_threshold_code[THR_COUNT] = {
	[THR_LNC] = 0, [THR_UNC] = 1, [THR_LC] = 2, [THR_UC] = 3,
	[THR_LNR] = 4, [THR_UNR] = 5,
};

static const char *const thr_state[THR_COUNT] = {
	[THR_LNC] = "Lower Non-Critical", [THR_UNC] = "Upper Non-Critical",
	[THR_LC] = "Lower Critical", [THR_UC] = "Upper Critical",
	[THR_LNR] = "Lower Fatal", [THR_UNR] = "Upper Fatal",
};

/* SupportedThresholds' order: by CIM code */
static const int thr_by_code[THR_COUNT] = {
	THR_LNC, THR_UNC, THR_LC, THR_UC, THR_LNR, THR_UNR
};

void
ipmi_map_health(int state, bool fatal, unsigned *health, unsigned *op,
    const char **status)
{
	if (fatal) {
		*health = 30, *op = 7, *status = "NonRecover";
		return;
	}
	switch (state) {
	case ST_NOMINAL:
		*health = 5, *op = 2, *status = "OK";
		break;
	case ST_WARNING:
		*health = 10, *op = 3, *status = "Degraded";
		break;
	case ST_CRITICAL:
		*health = 25, *op = 6, *status = "Error";
		break;
	default:
		*health = 0, *op = 0, *status = "Unknown";
		break;
	}
}

static const char *
threshold_state(const struct ipmi_sensor *s)
{
	unsigned bits = s->bitmask_type == BM_THRESHOLD ? s->bitmask : 0;

	if (!s->has_reading)
		return "Unknown";
	if (bits & BIT_UNR)
		return "Upper Fatal";
	if (bits & BIT_LNR)
		return "Lower Fatal";
	if (bits & BIT_UC)
		return "Upper Critical";
	if (bits & BIT_LC)
		return "Lower Critical";
	if (bits & BIT_UNC)
		return "Upper Non-Critical";
	if (bits & BIT_LNC)
		return "Lower Non-Critical";
	if (s->state == ST_UNKNOWN)
		return "Unknown";
	return "Normal";
}

void
ipmi_map_numeric(const struct ipmi_sensor *s, struct ipmi_numeric *r)
{
	unsigned bits = s->bitmask_type == BM_THRESHOLD ? s->bitmask : 0;
	bool fatal = (bits & (BIT_LNR | BIT_UNR)) != 0;
	int mod;

	memset(r, 0, sizeof(*r));
	r->sensor_type = sensor_type(s->type, s->units, &r->other_type);
	r->base_units = s->sdr_known ? sdr_base_units(s) :
	    ipmi_cim_base_units(s->units);
	r->unit_modifier = mod = ipmi_unit_modifier(s);
	r->rate_units = s->sdr_known && s->rate_unit <= 7 ? s->rate_unit : 0;
	r->is_linear = !s->sdr_known || s->linearization == 0;
	r->has_reading = s->has_reading &&
	    ipmi_scale(s->reading, mod, &r->reading);
	for (int t = 0; t < THR_COUNT; t++)
		if ((s->thr_readable & (1u << t)) &&
		    ipmi_scale(s->thr[t], mod, &r->thr[t]))
			r->thr_set |= 1u << t;
	for (int k = 0; k < THR_COUNT; k++)
		if (r->thr_set & (1u << thr_by_code[k]))
			r->supported[r->nsupported++] =
			    ipmi_cim_threshold_code[thr_by_code[k]];
	if ((s->ranges & RANGE_NOMINAL) &&
	    ipmi_scale(s->nominal, mod, &r->nominal))
		r->ranges |= RANGE_NOMINAL;
	if ((s->ranges & RANGE_NORMAL_MAX) &&
	    ipmi_scale(s->normal_max, mod, &r->normal_max))
		r->ranges |= RANGE_NORMAL_MAX;
	if ((s->ranges & RANGE_NORMAL_MIN) &&
	    ipmi_scale(s->normal_min, mod, &r->normal_min))
		r->ranges |= RANGE_NORMAL_MIN;
	if ((s->ranges & RANGE_MAX) &&
	    ipmi_scale(s->max_readable, mod, &r->max_readable))
		r->ranges |= RANGE_MAX;
	if ((s->ranges & RANGE_MIN) &&
	    ipmi_scale(s->min_readable, mod, &r->min_readable))
		r->ranges |= RANGE_MIN;

	r->current_state = threshold_state(s);
	r->possible[r->npossible++] = "Unknown";
	r->possible[r->npossible++] = "Normal";
	for (int k = 0; k < THR_COUNT; k++) {
		int t = thr_by_code[k];

		if (!s->sdr_known || (r->thr_set & (1u << t)))
			r->possible[r->npossible++] = thr_state[t];
	}
	ipmi_map_health(s->has_reading ? s->state : ST_UNKNOWN, fatal,
	    &r->health, &r->op_status, &r->status);
	r->enabled_state = s->has_reading ? 2 : 3;
}

/* every state an event/reading type (and sensor type) can have */
static void
discrete_states(const struct ipmi_sensor *s, struct ipmi_discrete *r)
{
	const size_t max = sizeof(r->possible) / sizeof(r->possible[0]);

	for (unsigned off = 0; off < 15 && r->npossible < max; off++) {
		char *buf = r->possible[r->npossible];
		int n;

		if (s->ert == 0x6F && s->type <= 0xFF)
			n = ipmi_get_sensor_type_message((uint8_t)s->type, off,
			    buf, IPMI_TEXT_MAX);
		else if (s->ert >= 0x02 && s->ert <= 0x0C)
			n = ipmi_get_generic_event_message((uint8_t)s->ert, off,
			    buf, IPMI_TEXT_MAX);
		else
			break;
		if (n > 0)
			r->npossible++;
		else
			buf[0] = '\0';
	}
}

void
ipmi_map_discrete(const struct ipmi_sensor *s, struct ipmi_discrete *r)
{
	memset(r, 0, sizeof(*r));
	r->sensor_type = sensor_type(s->type, -1, &r->other_type);
	discrete_states(s, r);
	if (s->state == ST_UNKNOWN && s->nstrings == 0)
		r->current_state = "Unknown";
	else
		r->current_state = s->nstrings > 0 ? s->strings[0] : "OK";
	ipmi_map_health(s->state, false, &r->health, &r->op_status,
	    &r->status);
	r->enabled_state = s->state == ST_UNKNOWN && s->nstrings == 0 ? 3 : 2;
}

/* -------------------------------------------------------------- SEL */

const char ipmi_sel_format[] =
    "IPMI SEL, hexadecimal fields separated by spaces: RecordID RecordType "
    "Timestamp, then SensorType SensorNumber EventDirection EventType "
    "EventData1 EventData2 EventData3 (system event records) or "
    "ManufacturerID OEMData (OEM records)";

bool
ipmi_sel_time(const struct ipmi_sel_entry *e, time_t *ret)
{
	if (!e->has_timestamp || e->timestamp <= IPMI_SEL_PREINIT_MAX ||
	    e->timestamp == IPMI_SEL_UNSPECIFIED)
		return false;
	*ret = (time_t)e->timestamp;
	return true;
}

void
ipmi_sel_description(const struct ipmi_sel_entry *e, char *buf, size_t len)
{
	char who[IPMI_NAME_MAX + 64];

	if (e->type_class == SEL_OEM_TIMESTAMPED ||
	    e->type_class == SEL_OEM_NON_TIMESTAMPED) {
		snprintf(buf, len, "OEM record type 0x%02X, manufacturer %u",
		    e->record_type, e->manufacturer);
		return;
	}
	if (e->sensor_name[0] != '\0')
		snprintf(who, sizeof(who), "%s", e->sensor_name);
	else
		snprintf(who, sizeof(who), "%s sensor #%u",
		    ipmi_type_text(e->sensor_type), e->sensor_number);
	if (e->offset_text[0] != '\0')
		snprintf(buf, len, "%s: %s, %s", who, e->offset_text,
		    e->direction == 1 ? "deasserted" : "asserted");
	else
		snprintf(buf, len, "%s: event type 0x%02X offset %d, %s", who,
		    e->event_type, e->offset, e->direction == 1 ?
		    "deasserted" : "asserted");
}

void
ipmi_sel_data(const struct ipmi_sel_entry *e, char *buf, size_t len)
{
	size_t n;

	n = (size_t)snprintf(buf, len, "0x%04X 0x%02X 0x%08X", e->record_id,
	    e->record_type, e->has_timestamp ? e->timestamp : 0u);
	if (n >= len)
		return;
	if (e->type_class == SEL_OEM_TIMESTAMPED ||
	    e->type_class == SEL_OEM_NON_TIMESTAMPED) {
		n += (size_t)snprintf(buf + n, len - n, " 0x%06X",
		    e->manufacturer);
		for (unsigned i = 0; i < e->oem_len && n < len; i++)
			n += (size_t)snprintf(buf + n, len - n, " 0x%02X",
			    e->oem[i]);
		return;
	}
	snprintf(buf + n, len - n, " 0x%02X 0x%02X 0x%02X 0x%02X 0x%02X 0x%02X "
	    "0x%02X", e->sensor_type & 0xFF, e->sensor_number & 0xFF,
	    e->direction & 1, e->event_type & 0xFF, e->data[0] & 0xFF,
	    e->data[1] & 0xFF, e->data[2] & 0xFF);
}

unsigned
ipmi_sel_severity(int state)
{
	switch (state) {
	case ST_NOMINAL: return 2;	/* Information */
	case ST_WARNING: return 3;	/* Degraded/Warning */
	case ST_CRITICAL: return 6;	/* Critical */
	default: return 0;		/* Unknown */
	}
}
