/*
 * classes.c: the CIM classes of the IPMI provider (namespace root/hardware,
 * each also under its Windows name), the per-BMC cache and the calls that
 * wait for a refresh.  Everything here runs on the event-loop thread.
 *
 *   CIM_NumericSensor  NumericSensor   threshold sensors (ERT 0x01)
 *   CIM_Sensor         Sensor          the other (discrete) sensors
 *   CIM_RecordLog      RecordLog       the SEL
 *   CIM_LogRecord      LogRecord       its records
 *   CIM_ComputerSystem ComputerSystem  the managed system: power state,
 *                                      RequestStateChange (chassis power)
 *
 * Cache.  Three kinds of data (sensors, SEL, chassis) each keep their
 * last result, good or bad, with its time.  A call answers at once from a
 * result younger than CacheSeconds; otherwise it starts a refresh (or
 * joins the one running: one at a time per kind, readers share it) and
 * returns CIM_PENDING.  The call is completed when the refresh arrives,
 * or after TimeoutSeconds with w:TimedOut.
 *
 * Failures are not hidden: a refresh that fails (the BMC's error) or
 * takes longer than TimeoutSeconds answers a fault, never the older
 * readings, whose age the client could not tell.  The failure is kept
 * like a result, so for CacheSeconds further calls fault at once instead
 * of each waiting TimeoutSeconds for a dead BMC; the next call after that
 * tries again.  The log says when the BMC starts failing and when it
 * answers again, once each.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ipmi.h"
#include "prov.h"

#define LOG(lvl, ...)	p->svc->host->log(lvl, "ipmi: " __VA_ARGS__)

enum { CLS_NUMERIC, CLS_SENSOR, CLS_LOG, CLS_RECORD, CLS_SYSTEM };

#define SEL_NAME	"IPMI SEL"

/* ---------------------------------------------------- property tables */

enum {
	NS_CCN, NS_DEVICEID, NS_SCCN, NS_SYSTEMNAME,
	NS_CAPTION, NS_DESCRIPTION, NS_ELEMENTNAME, NS_NAME,
	NS_SENSORTYPE, NS_OTHERTYPE, NS_BASEUNITS, NS_UNITMODIFIER,
	NS_RATEUNITS, NS_CURRENT, NS_NOMINAL, NS_NORMALMAX, NS_NORMALMIN,
	NS_MAXREADABLE, NS_MINREADABLE,
	NS_LNC, NS_UNC, NS_LC, NS_UC, NS_LF, NS_UF,
	NS_SUPPORTED, NS_ENABLEDTHR, NS_SETTABLE, NS_ISLINEAR,
	NS_CURRENTSTATE, NS_POSSIBLE, NS_HEALTH, NS_OPSTATUS, NS_STATUS,
	NS_STATUSDESC, NS_ENABLED, NS_REQUESTED, NS_ENABLEDDEFAULT,
	NS_COUNT
};

static const struct cim_property numeric_props[NS_COUNT] = {
	[NS_CCN] = { "CreationClassName", CIM_STRING, CIM_KEY },
	[NS_DEVICEID] = { "DeviceID", CIM_STRING, CIM_KEY },
	[NS_SCCN] = { "SystemCreationClassName", CIM_STRING, CIM_KEY },
	[NS_SYSTEMNAME] = { "SystemName", CIM_STRING, CIM_KEY },
	[NS_CAPTION] = { "Caption", CIM_STRING, 0 },
	[NS_DESCRIPTION] = { "Description", CIM_STRING, 0 },
	[NS_ELEMENTNAME] = { "ElementName", CIM_STRING, 0 },
	[NS_NAME] = { "Name", CIM_STRING, 0 },
	[NS_SENSORTYPE] = { "SensorType", CIM_UINT16, 0 },
	[NS_OTHERTYPE] = { "OtherSensorTypeDescription", CIM_STRING, 0 },
	[NS_BASEUNITS] = { "BaseUnits", CIM_UINT16, 0 },
	[NS_UNITMODIFIER] = { "UnitModifier", CIM_SINT32, 0 },
	[NS_RATEUNITS] = { "RateUnits", CIM_UINT16, 0 },
	[NS_CURRENT] = { "CurrentReading", CIM_SINT32, 0 },
	[NS_NOMINAL] = { "NominalReading", CIM_SINT32, 0 },
	[NS_NORMALMAX] = { "NormalMax", CIM_SINT32, 0 },
	[NS_NORMALMIN] = { "NormalMin", CIM_SINT32, 0 },
	[NS_MAXREADABLE] = { "MaxReadable", CIM_SINT32, 0 },
	[NS_MINREADABLE] = { "MinReadable", CIM_SINT32, 0 },
	[NS_LNC] = { "LowerThresholdNonCritical", CIM_SINT32, 0 },
	[NS_UNC] = { "UpperThresholdNonCritical", CIM_SINT32, 0 },
	[NS_LC] = { "LowerThresholdCritical", CIM_SINT32, 0 },
	[NS_UC] = { "UpperThresholdCritical", CIM_SINT32, 0 },
	[NS_LF] = { "LowerThresholdFatal", CIM_SINT32, 0 },
	[NS_UF] = { "UpperThresholdFatal", CIM_SINT32, 0 },
	[NS_SUPPORTED] = { "SupportedThresholds", CIM_UINT16, CIM_ARRAY },
	[NS_ENABLEDTHR] = { "EnabledThresholds", CIM_UINT16, CIM_ARRAY },
	[NS_SETTABLE] = { "SettableThresholds", CIM_UINT16, CIM_ARRAY },
	[NS_ISLINEAR] = { "IsLinear", CIM_BOOLEAN, 0 },
	[NS_CURRENTSTATE] = { "CurrentState", CIM_STRING, 0 },
	[NS_POSSIBLE] = { "PossibleStates", CIM_STRING, CIM_ARRAY },
	[NS_HEALTH] = { "HealthState", CIM_UINT16, 0 },
	[NS_OPSTATUS] = { "OperationalStatus", CIM_UINT16, CIM_ARRAY },
	[NS_STATUS] = { "Status", CIM_STRING, 0 },
	[NS_STATUSDESC] = { "StatusDescriptions", CIM_STRING, CIM_ARRAY },
	[NS_ENABLED] = { "EnabledState", CIM_UINT16, 0 },
	[NS_REQUESTED] = { "RequestedState", CIM_UINT16, 0 },
	[NS_ENABLEDDEFAULT] = { "EnabledDefault", CIM_UINT16, 0 },
};

/* the thresholds' properties, by THR_x */
static const size_t thr_prop[THR_COUNT] = {
	[THR_LNC] = NS_LNC, [THR_LC] = NS_LC, [THR_LNR] = NS_LF,
	[THR_UNC] = NS_UNC, [THR_UC] = NS_UC, [THR_UNR] = NS_UF,
};

enum {
	DS_CCN, DS_DEVICEID, DS_SCCN, DS_SYSTEMNAME,
	DS_CAPTION, DS_DESCRIPTION, DS_ELEMENTNAME, DS_NAME,
	DS_SENSORTYPE, DS_OTHERTYPE, DS_CURRENTSTATE, DS_POSSIBLE,
	DS_HEALTH, DS_OPSTATUS, DS_STATUS, DS_STATUSDESC, DS_ENABLED,
	DS_REQUESTED, DS_ENABLEDDEFAULT,
	DS_COUNT
};

static const struct cim_property discrete_props[DS_COUNT] = {
	[DS_CCN] = { "CreationClassName", CIM_STRING, CIM_KEY },
	[DS_DEVICEID] = { "DeviceID", CIM_STRING, CIM_KEY },
	[DS_SCCN] = { "SystemCreationClassName", CIM_STRING, CIM_KEY },
	[DS_SYSTEMNAME] = { "SystemName", CIM_STRING, CIM_KEY },
	[DS_CAPTION] = { "Caption", CIM_STRING, 0 },
	[DS_DESCRIPTION] = { "Description", CIM_STRING, 0 },
	[DS_ELEMENTNAME] = { "ElementName", CIM_STRING, 0 },
	[DS_NAME] = { "Name", CIM_STRING, 0 },
	[DS_SENSORTYPE] = { "SensorType", CIM_UINT16, 0 },
	[DS_OTHERTYPE] = { "OtherSensorTypeDescription", CIM_STRING, 0 },
	[DS_CURRENTSTATE] = { "CurrentState", CIM_STRING, 0 },
	[DS_POSSIBLE] = { "PossibleStates", CIM_STRING, CIM_ARRAY },
	[DS_HEALTH] = { "HealthState", CIM_UINT16, 0 },
	[DS_OPSTATUS] = { "OperationalStatus", CIM_UINT16, CIM_ARRAY },
	[DS_STATUS] = { "Status", CIM_STRING, 0 },
	[DS_STATUSDESC] = { "StatusDescriptions", CIM_STRING, CIM_ARRAY },
	[DS_ENABLED] = { "EnabledState", CIM_UINT16, 0 },
	[DS_REQUESTED] = { "RequestedState", CIM_UINT16, 0 },
	[DS_ENABLEDDEFAULT] = { "EnabledDefault", CIM_UINT16, 0 },
};

/* sensor_common() fills both sensor tables by these indices */
_Static_assert((int)DS_CCN == (int)NS_CCN &&
    (int)DS_DEVICEID == (int)NS_DEVICEID && (int)DS_SCCN == (int)NS_SCCN &&
    (int)DS_SYSTEMNAME == (int)NS_SYSTEMNAME &&
    (int)DS_CAPTION == (int)NS_CAPTION &&
    (int)DS_DESCRIPTION == (int)NS_DESCRIPTION &&
    (int)DS_ELEMENTNAME == (int)NS_ELEMENTNAME && (int)DS_NAME == (int)NS_NAME,
    "CIM_Sensor and CIM_NumericSensor differ in their first properties");

enum {
	RL_INSTANCEID, RL_CAPTION, RL_DESCRIPTION, RL_ELEMENTNAME, RL_NAME,
	RL_MAXRECORDS, RL_CURRENTRECORDS, RL_OVERWRITE, RL_LOGSTATE,
	RL_ENABLED, RL_REQUESTED, RL_ENABLEDDEFAULT, RL_HEALTH, RL_OPSTATUS,
	RL_STATUS, RL_STATUSDESC,
	RL_COUNT
};

static const struct cim_property log_props[RL_COUNT] = {
	[RL_INSTANCEID] = { "InstanceID", CIM_STRING, CIM_KEY },
	[RL_CAPTION] = { "Caption", CIM_STRING, 0 },
	[RL_DESCRIPTION] = { "Description", CIM_STRING, 0 },
	[RL_ELEMENTNAME] = { "ElementName", CIM_STRING, 0 },
	[RL_NAME] = { "Name", CIM_STRING, 0 },
	[RL_MAXRECORDS] = { "MaxNumberOfRecords", CIM_UINT64, 0 },
	[RL_CURRENTRECORDS] = { "CurrentNumberOfRecords", CIM_UINT64, 0 },
	[RL_OVERWRITE] = { "OverwritePolicy", CIM_UINT16, 0 },
	[RL_LOGSTATE] = { "LogState", CIM_UINT16, 0 },
	[RL_ENABLED] = { "EnabledState", CIM_UINT16, 0 },
	[RL_REQUESTED] = { "RequestedState", CIM_UINT16, 0 },
	[RL_ENABLEDDEFAULT] = { "EnabledDefault", CIM_UINT16, 0 },
	[RL_HEALTH] = { "HealthState", CIM_UINT16, 0 },
	[RL_OPSTATUS] = { "OperationalStatus", CIM_UINT16, CIM_ARRAY },
	[RL_STATUS] = { "Status", CIM_STRING, 0 },
	[RL_STATUSDESC] = { "StatusDescriptions", CIM_STRING, CIM_ARRAY },
};

enum {
	LR_LOGCCN, LR_LOGNAME, LR_CCN, LR_RECORDID,
	LR_TIMESTAMP, LR_CAPTION, LR_DESCRIPTION, LR_ELEMENTNAME,
	LR_RECORDFORMAT, LR_RECORDDATA, LR_SEVERITY,
	LR_COUNT
};

/*
 * CIM_LogRecord's schema makes MessageTimestamp a key as well; the SEL
 * record id alone identifies a record, and records stamped before the
 * BMC's clock was set have no time (NULL), so here it is not a key.
 */
static const struct cim_property record_props[LR_COUNT] = {
	[LR_LOGCCN] = { "LogCreationClassName", CIM_STRING, CIM_KEY },
	[LR_LOGNAME] = { "LogName", CIM_STRING, CIM_KEY },
	[LR_CCN] = { "CreationClassName", CIM_STRING, CIM_KEY },
	[LR_RECORDID] = { "RecordID", CIM_STRING, CIM_KEY },
	[LR_TIMESTAMP] = { "MessageTimestamp", CIM_DATETIME, 0 },
	[LR_CAPTION] = { "Caption", CIM_STRING, 0 },
	[LR_DESCRIPTION] = { "Description", CIM_STRING, 0 },
	[LR_ELEMENTNAME] = { "ElementName", CIM_STRING, 0 },
	[LR_RECORDFORMAT] = { "RecordFormat", CIM_STRING, 0 },
	[LR_RECORDDATA] = { "RecordData", CIM_STRING, 0 },
	[LR_SEVERITY] = { "PerceivedSeverity", CIM_UINT16, 0 },
};

enum {
	CS_CCN, CS_NAME, CS_CAPTION, CS_DESCRIPTION, CS_ELEMENTNAME,
	CS_NAMEFORMAT, CS_DEDICATED, CS_ENABLED, CS_REQUESTED,
	CS_ENABLEDDEFAULT, CS_HEALTH, CS_OPSTATUS, CS_STATUS, CS_STATUSDESC,
	CS_COUNT
};

static const struct cim_property system_props[CS_COUNT] = {
	[CS_CCN] = { "CreationClassName", CIM_STRING, CIM_KEY },
	[CS_NAME] = { "Name", CIM_STRING, CIM_KEY },
	[CS_CAPTION] = { "Caption", CIM_STRING, 0 },
	[CS_DESCRIPTION] = { "Description", CIM_STRING, 0 },
	[CS_ELEMENTNAME] = { "ElementName", CIM_STRING, 0 },
	[CS_NAMEFORMAT] = { "NameFormat", CIM_STRING, 0 },
	[CS_DEDICATED] = { "Dedicated", CIM_UINT16, CIM_ARRAY },
	[CS_ENABLED] = { "EnabledState", CIM_UINT16, 0 },
	[CS_REQUESTED] = { "RequestedState", CIM_UINT16, 0 },
	[CS_ENABLEDDEFAULT] = { "EnabledDefault", CIM_UINT16, 0 },
	[CS_HEALTH] = { "HealthState", CIM_UINT16, 0 },
	[CS_OPSTATUS] = { "OperationalStatus", CIM_UINT16, CIM_ARRAY },
	[CS_STATUS] = { "Status", CIM_STRING, 0 },
	[CS_STATUSDESC] = { "StatusDescriptions", CIM_STRING, CIM_ARRAY },
};

enum { RSC_REQUESTED, RSC_TIMEOUT };
static const struct cim_property rsc_in[] = {
	[RSC_REQUESTED] = { "RequestedState", CIM_UINT16, 0 },
	[RSC_TIMEOUT] = { "TimeoutPeriod", CIM_INTERVAL, 0 },
};

/* RequestStateChange's ReturnValue (CIM_EnabledLogicalElement) */
#define RSC_OK			0
#define RSC_NOT_SUPPORTED	1
#define RSC_FAILED		4
#define RSC_INVALID_PARAMETER	5
#define RSC_INVALID_TRANSITION	4097
#define RSC_TIMEOUT_UNSUPPORTED	4098
#define RSC_BUSY		4099

/* -------------------------------------------------------------- keys */

/*
 * Whether an instance whose key values are vals (by property index, NULL
 * for the other properties) is the one a Get names: key strings compare
 * case-insensitively, as selectors do.  Checked before the instance is
 * built, so that a Get builds one instance.
 */
static bool
keys_ok(const struct ipmi_prov *p, const struct cim_instance *keys,
    const char *const *vals, const struct cim_property *props, size_t n)
{
	if (keys == NULL)
		return true;
	for (size_t k = 0; k < n; k++) {
		const char *a;

		if (!(props[k].flags & CIM_KEY))
			continue;
		a = p->svc->get_string(keys, k);
		if (a == NULL || vals[k] == NULL || strcasecmp(a, vals[k]) != 0)
			return false;
	}
	return true;
}

/* ---------------------------------------------------------- sensors */

static void
sensor_id(const struct ipmi_sensor *s, char *buf, size_t len)
{
	snprintf(buf, len, "BMC.%u.%u", s->record_id, s->number);
}

static void
sensor_common(struct ipmi_prov *p, struct cim_instance *i,
    const struct ipmi_sensor *s, const char *ccn)
{
	const struct cim_services *svc = p->svc;
	char id[64], desc[IPMI_NAME_MAX + 64];

	sensor_id(s, id, sizeof(id));
	snprintf(desc, sizeof(desc), "%s sensor %s", ipmi_type_text(s->type),
	    s->name);
	/* the two tables share their first eight indices */
	svc->set_string(i, NS_CCN, ccn);
	svc->set_string(i, NS_DEVICEID, id);
	svc->set_string(i, NS_SCCN, "CIM_ComputerSystem");
	svc->set_string(i, NS_SYSTEMNAME, p->system_name);
	svc->set_string(i, NS_CAPTION, s->name);
	svc->set_string(i, NS_DESCRIPTION, desc);
	svc->set_string(i, NS_ELEMENTNAME, s->name);
	svc->set_string(i, NS_NAME, s->name);
}

static struct cim_instance *
numeric_instance(struct ipmi_prov *p, struct cim_ctx *ctx,
    const struct ipmi_sensor *s)
{
	const struct cim_services *svc = p->svc;
	struct cim_instance *i = svc->instance(ctx);
	struct ipmi_numeric n;

	if (i == NULL)
		return NULL;
	ipmi_map_numeric(s, &n);
	sensor_common(p, i, s, "CIM_NumericSensor");
	svc->set_uint(i, NS_SENSORTYPE, n.sensor_type);
	if (n.other_type != NULL)
		svc->set_string(i, NS_OTHERTYPE, n.other_type);
	svc->set_uint(i, NS_BASEUNITS, n.base_units);
	svc->set_sint(i, NS_UNITMODIFIER, n.unit_modifier);
	svc->set_uint(i, NS_RATEUNITS, n.rate_units);
	if (n.has_reading)
		svc->set_sint(i, NS_CURRENT, n.reading);
	if (n.ranges & RANGE_NOMINAL)
		svc->set_sint(i, NS_NOMINAL, n.nominal);
	if (n.ranges & RANGE_NORMAL_MAX)
		svc->set_sint(i, NS_NORMALMAX, n.normal_max);
	if (n.ranges & RANGE_NORMAL_MIN)
		svc->set_sint(i, NS_NORMALMIN, n.normal_min);
	if (n.ranges & RANGE_MAX)
		svc->set_sint(i, NS_MAXREADABLE, n.max_readable);
	if (n.ranges & RANGE_MIN)
		svc->set_sint(i, NS_MINREADABLE, n.min_readable);
	for (int t = 0; t < THR_COUNT; t++)
		if (n.thr_set & (1u << t))
			svc->set_sint(i, thr_prop[t], n.thr[t]);
	for (size_t k = 0; k < n.nsupported; k++) {
		svc->add_uint(i, NS_SUPPORTED, n.supported[k]);
		svc->add_uint(i, NS_ENABLEDTHR, n.supported[k]);
	}
	/* SettableThresholds: none, the provider does not set them (NULL) */
	svc->set_bool(i, NS_ISLINEAR, n.is_linear);
	svc->set_string(i, NS_CURRENTSTATE, n.current_state);
	for (size_t k = 0; k < n.npossible; k++)
		svc->add_string(i, NS_POSSIBLE, n.possible[k]);
	svc->set_uint(i, NS_HEALTH, n.health);
	svc->add_uint(i, NS_OPSTATUS, n.op_status);
	svc->set_string(i, NS_STATUS, n.status);
	for (unsigned k = 0; k < s->nstrings; k++)
		svc->add_string(i, NS_STATUSDESC, s->strings[k]);
	svc->set_uint(i, NS_ENABLED, n.enabled_state);
	svc->set_uint(i, NS_REQUESTED, 12);	/* Not Applicable */
	svc->set_uint(i, NS_ENABLEDDEFAULT, 2);
	return i;
}

static struct cim_instance *
discrete_instance(struct ipmi_prov *p, struct cim_ctx *ctx,
    const struct ipmi_sensor *s)
{
	const struct cim_services *svc = p->svc;
	struct cim_instance *i = svc->instance(ctx);
	struct ipmi_discrete d;

	if (i == NULL)
		return NULL;
	ipmi_map_discrete(s, &d);
	sensor_common(p, i, s, "CIM_Sensor");
	svc->set_uint(i, DS_SENSORTYPE, d.sensor_type);
	if (d.other_type != NULL)
		svc->set_string(i, DS_OTHERTYPE, d.other_type);
	svc->set_string(i, DS_CURRENTSTATE, d.current_state);
	for (size_t k = 0; k < d.npossible; k++)
		svc->add_string(i, DS_POSSIBLE, d.possible[k]);
	svc->set_uint(i, DS_HEALTH, d.health);
	svc->add_uint(i, DS_OPSTATUS, d.op_status);
	svc->set_string(i, DS_STATUS, d.status);
	for (unsigned k = 0; k < s->nstrings; k++)
		svc->add_string(i, DS_STATUSDESC, s->strings[k]);
	svc->set_uint(i, DS_ENABLED, d.enabled_state);
	svc->set_uint(i, DS_REQUESTED, 12);
	svc->set_uint(i, DS_ENABLEDDEFAULT, 2);
	return i;
}

static bool
is_threshold(const struct ipmi_sensor *s)
{
	return s->ert == 0x01;
}

static void
emit_sensors(struct ipmi_prov *p, struct cim_ctx *ctx, int cls,
    const struct cim_instance *keys, const struct ipmi_sensors *ss)
{
	const char *ccn = cls == CLS_NUMERIC ? "CIM_NumericSensor" :
	    "CIM_Sensor";

	for (size_t k = 0; k < ss->n; k++) {
		const struct ipmi_sensor *s = &ss->v[k];
		const char *vals[NS_SYSTEMNAME + 1];
		struct cim_instance *i;
		char id[64];

		if ((cls == CLS_NUMERIC) != is_threshold(s))
			continue;
		sensor_id(s, id, sizeof(id));
		vals[NS_CCN] = ccn;
		vals[NS_DEVICEID] = id;
		vals[NS_SCCN] = "CIM_ComputerSystem";
		vals[NS_SYSTEMNAME] = p->system_name;
		/* both tables: keys first, at the same indices */
		if (!keys_ok(p, keys, vals, numeric_props, NS_SYSTEMNAME + 1))
			continue;
		i = cls == CLS_NUMERIC ? numeric_instance(p, ctx, s) :
		    discrete_instance(p, ctx, s);
		if (i == NULL || !p->svc->emit(ctx, i))
			return;
	}
}

/* -------------------------------------------------------------- SEL */

static void
log_instance_id(const struct ipmi_prov *p, char *buf, size_t len)
{
	snprintf(buf, len, "IPMI:%s SEL", p->system_name);
}

static void
emit_log(struct ipmi_prov *p, struct cim_ctx *ctx,
    const struct cim_instance *keys, const struct ipmi_sel *sel)
{
	const struct cim_services *svc = p->svc;
	struct cim_instance *i;
	char id[512], desc[512];
	bool full = sel->info_known && (sel->info_overflow ||
	    sel->info_free_bytes < 16);

	log_instance_id(p, id, sizeof(id));
	if (!keys_ok(p, keys, (const char *const[]){ id }, log_props, 1))
		return;
	if ((i = svc->instance(ctx)) == NULL)
		return;
	snprintf(desc, sizeof(desc), "System Event Log of %s", p->bmc_label);
	svc->set_string(i, RL_INSTANCEID, id);
	svc->set_string(i, RL_CAPTION, SEL_NAME);
	svc->set_string(i, RL_DESCRIPTION, desc);
	svc->set_string(i, RL_ELEMENTNAME, SEL_NAME);
	svc->set_string(i, RL_NAME, SEL_NAME);
	if (sel->info_known)
		svc->set_uint(i, RL_MAXRECORDS, (uint64_t)sel->info_entries +
		    sel->info_free_bytes / 16);
	svc->set_uint(i, RL_CURRENTRECORDS, sel->n);
	svc->set_uint(i, RL_OVERWRITE, 7);	/* Never Overwrites */
	svc->set_uint(i, RL_LOGSTATE, 2);	/* Normal */
	svc->set_uint(i, RL_ENABLED, 2);
	svc->set_uint(i, RL_REQUESTED, 12);
	svc->set_uint(i, RL_ENABLEDDEFAULT, 2);
	svc->set_uint(i, RL_HEALTH, full ? 10 : 5);
	svc->add_uint(i, RL_OPSTATUS, full ? 3 : 2);
	svc->set_string(i, RL_STATUS, full ? "Degraded" : "OK");
	if (full)
		svc->add_string(i, RL_STATUSDESC, sel->info_overflow ?
		    "The SEL overflowed: events were lost" :
		    "The SEL is full: new events are lost");
	(void)svc->emit(ctx, i);
}

static void
emit_records(struct ipmi_prov *p, struct cim_ctx *ctx,
    const struct cim_instance *keys, const struct ipmi_sel *sel)
{
	const struct cim_services *svc = p->svc;

	for (size_t k = 0; k < sel->n; k++) {
		const struct ipmi_sel_entry *e = &sel->v[k];
		struct cim_instance *i;
		char id[16], caption[48], desc[512], data[256];
		time_t t;

		snprintf(id, sizeof(id), "%u", e->record_id);
		if (!keys_ok(p, keys, (const char *const[]){ "CIM_RecordLog",
		    SEL_NAME, "CIM_LogRecord", id }, record_props, LR_RECORDID + 1))
			continue;
		if ((i = svc->instance(ctx)) == NULL)
			return;
		snprintf(caption, sizeof(caption), "SEL record %u",
		    e->record_id);
		ipmi_sel_description(e, desc, sizeof(desc));
		ipmi_sel_data(e, data, sizeof(data));
		svc->set_string(i, LR_LOGCCN, "CIM_RecordLog");
		svc->set_string(i, LR_LOGNAME, SEL_NAME);
		svc->set_string(i, LR_CCN, "CIM_LogRecord");
		svc->set_string(i, LR_RECORDID, id);
		if (ipmi_sel_time(e, &t))
			svc->set_datetime(i, LR_TIMESTAMP, t, 0);
		svc->set_string(i, LR_CAPTION, caption);
		svc->set_string(i, LR_DESCRIPTION, desc);
		svc->set_string(i, LR_ELEMENTNAME, desc);
		svc->set_string(i, LR_RECORDFORMAT, ipmi_sel_format);
		svc->set_string(i, LR_RECORDDATA, data);
		svc->set_uint(i, LR_SEVERITY, ipmi_sel_severity(e->state));
		if (!svc->emit(ctx, i))
			return;
	}
}

/* ---------------------------------------------------------- system */

static void
emit_system(struct ipmi_prov *p, struct cim_ctx *ctx,
    const struct cim_instance *keys, const struct ipmi_chassis *c)
{
	const struct cim_services *svc = p->svc;
	struct cim_instance *i;
	char desc[512];
	unsigned health = 0, op = 0;
	const char *status = "Unknown", *why = NULL;

	if (!keys_ok(p, keys, (const char *const[]){ "CIM_ComputerSystem",
	    p->system_name }, system_props, CS_NAME + 1))
		return;
	if ((i = svc->instance(ctx)) == NULL)
		return;
	snprintf(desc, sizeof(desc), "The system managed by %s",
	    p->bmc_label);
	svc->set_string(i, CS_CCN, "CIM_ComputerSystem");
	svc->set_string(i, CS_NAME, p->system_name);
	svc->set_string(i, CS_CAPTION, p->system_name);
	svc->set_string(i, CS_DESCRIPTION, desc);
	svc->set_string(i, CS_ELEMENTNAME, p->system_name);
	svc->set_string(i, CS_NAMEFORMAT, p->conf.driver == BMC_LAN ? "IP" :
	    "Other");
	svc->add_uint(i, CS_DEDICATED, 0);	/* Not Dedicated */
	/* EnabledState: 2 Enabled (power on), 3 Disabled (off), 0 Unknown */
	svc->set_uint(i, CS_ENABLED, !c->known ? 0 : c->power_on ? 2 : 3);
	svc->set_uint(i, CS_REQUESTED, p->requested_state);
	svc->set_uint(i, CS_ENABLEDDEFAULT, 2);
	if (c->known) {
		if (c->power_fault)
			why = "Power fault";
		else if (c->control_fault)
			why = "Power control fault";
		else if (c->overload)
			why = "Power overload";
		if (why != NULL)
			health = 25, op = 6, status = "Error";
		else if (c->interlock)
			why = "Power interlock active", health = 10, op = 3,
			    status = "Degraded";
		else
			health = 5, op = 2, status = "OK";
	}
	svc->set_uint(i, CS_HEALTH, health);
	svc->add_uint(i, CS_OPSTATUS, op);
	svc->set_string(i, CS_STATUS, status);
	if (why != NULL)
		svc->add_string(i, CS_STATUSDESC, why);
	(void)svc->emit(ctx, i);
}

/* ------------------------------------------------------------ serving */

static enum ipmi_job
job_of(int cls)
{
	switch (cls) {
	case CLS_NUMERIC:
	case CLS_SENSOR:
		return JOB_SENSORS;
	case CLS_LOG:
	case CLS_RECORD:
		return JOB_SEL;
	default:
		return JOB_CHASSIS;
	}
}

static const char *
job_name(enum ipmi_job job)
{
	switch (job) {
	case JOB_SENSORS: return "sensor readings";
	case JOB_SEL: return "the SEL";
	case JOB_CHASSIS: return "the chassis status";
	default: return "Chassis Control";
	}
}

/* answers a call from the data of its kind: CIM_OK or CIM_ERROR */
static int
answer(struct ipmi_prov *p, struct cim_ctx *ctx, int cls,
    const struct cim_instance *keys)
{
	struct ipmi_data *d = &p->data[job_of(cls)];

	if (!d->ok)
		return p->svc->fail(ctx, d->timed_out ? WINRMD_FAULT_TIMED_OUT :
		    WINRMD_FAULT_INTERNAL_ERROR, "The IPMI provider could not "
		    "read %s of %s: %s", job_name(job_of(cls)), p->bmc_label,
		    d->err);
	switch (cls) {
	case CLS_NUMERIC:
	case CLS_SENSOR:
		emit_sensors(p, ctx, cls, keys, &d->sensors);
		break;
	case CLS_LOG:
		emit_log(p, ctx, keys, &d->sel);
		break;
	case CLS_RECORD:
		emit_records(p, ctx, keys, &d->sel);
		break;
	default:
		emit_system(p, ctx, keys, &d->chassis);
		break;
	}
	return CIM_OK;
}

static void
waiter_unlink(struct ipmi_prov *p, struct ipmi_waiter *w)
{
	for (struct ipmi_waiter **pp = &p->waiters; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			return;
		}
}

static void
waiter_timeout(void *arg)
{
	struct ipmi_waiter *w = arg;
	struct ipmi_prov *p = w->p;
	const struct cim_services *svc = p->svc;
	struct ipmi_data *d = &p->data[w->job];
	uint64_t now = svc->host->now_ms();

	w->timer = NULL;
	waiter_unlink(p, w);
	if (w->kind == WAIT_POWER) {
		LOG(WINRMD_LOG_WARNING, "%s did not answer Chassis Control "
		    "within %llu s", p->bmc_label,
		    (unsigned long long)p->timeout_ms / 1000);
		svc->fail(w->ctx, WINRMD_FAULT_TIMED_OUT, "%s did not answer "
		    "Chassis Control within %llu s.", p->bmc_label,
		    (unsigned long long)p->timeout_ms / 1000);
		svc->complete(w->ctx);
		free(w);
		return;
	}
	/* the refresh is overdue: a result, so that the next calls within
	 * CacheSeconds fault at once (the worker may still be stuck) */
	if (d->busy) {
		ipmi_data_clear(d);
		d->have = true;
		d->ok = false;
		d->timed_out = true;
		d->when = now;
		snprintf(d->err, sizeof(d->err), "no answer within %llu s "
		    "([IPMI] TimeoutSeconds)",
		    (unsigned long long)p->timeout_ms / 1000);
		if (!p->failing)
			LOG(WINRMD_LOG_WARNING, "%s did not answer (%s) within "
			    "%llu s: requests fault until it answers",
			    p->bmc_label, job_name(w->job),
			    (unsigned long long)p->timeout_ms / 1000);
		p->failing = true;
	}
	answer(p, w->ctx, w->cls, w->keys);
	svc->complete(w->ctx);
	free(w);
}

static int
wait_for(struct ipmi_prov *p, struct cim_ctx *ctx, enum ipmi_waiter_kind kind,
    int cls, const struct cim_instance *keys)
{
	const struct cim_services *svc = p->svc;
	struct ipmi_waiter *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR, "out of memory");
	w->p = p;
	w->ctx = ctx;
	w->kind = kind;
	w->cls = cls;
	w->job = job_of(cls);
	w->keys = keys;
	if ((w->timer = svc->host->timer_start(p->timeout_ms, waiter_timeout,
	    w)) == NULL) {
		free(w);
		return svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR, "no timer");
	}
	w->next = p->waiters;
	p->waiters = w;
	return CIM_PENDING;
}

static int
serve(struct ipmi_prov *p, struct cim_ctx *ctx, int cls,
    const struct cim_instance *keys)
{
	enum ipmi_job job = job_of(cls);
	struct ipmi_data *d = &p->data[job];
	uint64_t now = p->svc->host->now_ms();

	if (p->worker == NULL) {
		if (keys == NULL)
			return CIM_OK;	/* no BMC: no instances */
		return p->svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR, "There "
		    "is no BMC to read: %s.", p->why);
	}
	if (d->have && now - d->when < p->cache_ms)
		return answer(p, ctx, cls, keys);
	if (!d->busy) {
		d->busy = true;
		ipmi_worker_want(p->worker, job);
	}
	return wait_for(p, ctx, keys != NULL ? WAIT_GET : WAIT_ENUM, cls,
	    keys);
}

/* ------------------------------------------------- results of the BMC */

void
ipmi_data_clear(struct ipmi_data *d)
{
	ipmi_sensors_free(&d->sensors);
	ipmi_sel_free(&d->sel);
	memset(&d->chassis, 0, sizeof(d->chassis));
	d->have = d->ok = d->timed_out = false;
	d->err[0] = '\0';
}

static void
log_recorded(struct ipmi_prov *p, const struct ipmi_result *r)
{
	char line[1024];

	if (r->job == JOB_SENSORS)
		for (size_t k = 0; k < r->sensors.n; k++) {
			ipmi_record_sensor(&r->sensors.v[k], line, sizeof(line));
			LOG(WINRMD_LOG_DEBUG, "read %s", line);
		}
	else if (r->job == JOB_SEL)
		for (size_t k = 0; k < r->sel.n; k++) {
			ipmi_record_sel(&r->sel.v[k], line, sizeof(line));
			LOG(WINRMD_LOG_DEBUG, "read %s", line);
		}
}

static void
power_done(struct ipmi_prov *p, struct ipmi_result *r)
{
	const struct cim_services *svc = p->svc;
	struct ipmi_waiter *w;

	/* the power state changed (or may have): read it again */
	ipmi_data_clear(&p->data[JOB_CHASSIS]);
	for (w = p->waiters; w != NULL; w = w->next)
		if (w->kind == WAIT_POWER && w->id == r->id)
			break;
	if (r->power_rc == POWER_DONE) {
		LOG(WINRMD_LOG_NOTICE, "%s: Chassis Control done", p->bmc_label);
	} else {
		LOG(WINRMD_LOG_WARNING, "%s: Chassis Control failed: %s",
		    p->bmc_label, r->err);
	}
	if (w == NULL)
		return;		/* the call timed out */
	waiter_unlink(p, w);
	svc->host->timer_stop(w->timer);
	if (r->power_rc == POWER_UNREACHABLE)
		svc->fail(w->ctx, WINRMD_FAULT_INTERNAL_ERROR, "Chassis Control "
		    "through %s failed: %s", p->bmc_label, r->err);
	else {
		if (r->power_rc == POWER_DONE)
			p->requested_state = w->requested;
		svc->set_return(w->out, r->power_rc == POWER_DONE ? RSC_OK :
		    RSC_FAILED);
	}
	svc->complete(w->ctx);
	free(w);
}

/* the worker's results, on the loop thread */
void
ipmi_deliver(void *arg, struct ipmi_result *list)
{
	struct ipmi_prov *p = arg;
	const struct cim_services *svc = p->svc;

	while (list != NULL) {
		struct ipmi_result *r = list;
		struct ipmi_waiter *ready = NULL, **tail = &ready;
		struct ipmi_data *d;

		list = r->next;
		r->next = NULL;
		if (r->job == JOB_POWER) {
			power_done(p, r);
			ipmi_result_free(r);
			continue;
		}
		d = &p->data[r->job];
		ipmi_data_clear(d);
		d->busy = false;
		d->have = true;
		d->ok = r->ok;
		d->when = svc->host->now_ms();
		snprintf(d->err, sizeof(d->err), "%s", r->err);
		if (r->ok) {
			log_recorded(p, r);
			d->sensors = r->sensors;
			d->sel = r->sel;
			d->chassis = r->chassis;
			memset(&r->sensors, 0, sizeof(r->sensors));
			memset(&r->sel, 0, sizeof(r->sel));
			if (p->failing)
				LOG(WINRMD_LOG_NOTICE, "%s answers again",
				    p->bmc_label);
			p->failing = false;
			if (r->err[0] != '\0' && strcmp(r->err, p->last_note) != 0) {
				LOG(WINRMD_LOG_NOTICE, "%s: %s", p->bmc_label,
				    r->err);
				snprintf(p->last_note, sizeof(p->last_note),
				    "%s", r->err);
			}
			d->err[0] = '\0';
		} else if (!p->failing) {
			LOG(WINRMD_LOG_WARNING, "%s: reading %s failed: %s "
			    "(requests fault until it answers)", p->bmc_label,
			    job_name(r->job), r->err);
			p->failing = true;
		}
		ipmi_result_free(r);
		/* every call waiting for this kind */
		for (struct ipmi_waiter **pp = &p->waiters; *pp != NULL;) {
			struct ipmi_waiter *w = *pp;

			if (w->kind != WAIT_POWER && w->job == d - p->data) {
				*pp = w->next;
				w->next = NULL;
				*tail = w;
				tail = &w->next;
			} else
				pp = &w->next;
		}
		while (ready != NULL) {
			struct ipmi_waiter *w = ready;

			ready = w->next;
			svc->host->timer_stop(w->timer);
			answer(p, w->ctx, w->cls, w->keys);
			svc->complete(w->ctx);
			free(w);
		}
	}
}

/* completes every waiting call (fini) */
void
ipmi_waiters_abort(struct ipmi_prov *p)
{
	const struct cim_services *svc = p->svc;

	while (p->waiters != NULL) {
		struct ipmi_waiter *w = p->waiters;

		p->waiters = w->next;
		svc->host->timer_stop(w->timer);
		svc->fail(w->ctx, WINRMD_FAULT_SERVICE_STOPPING, "The IPMI "
		    "provider is stopping.");
		svc->complete(w->ctx);
		free(w);
	}
}

/* ------------------------------------------------------ class entries */

static int
numeric_enumerate(struct cim_ctx *ctx, void *state)
{
	return serve(state, ctx, CLS_NUMERIC, NULL);
}

static int
numeric_get(struct cim_ctx *ctx, const struct cim_instance *keys, void *state)
{
	return serve(state, ctx, CLS_NUMERIC, keys);
}

static int
sensor_enumerate(struct cim_ctx *ctx, void *state)
{
	return serve(state, ctx, CLS_SENSOR, NULL);
}

static int
sensor_get(struct cim_ctx *ctx, const struct cim_instance *keys, void *state)
{
	return serve(state, ctx, CLS_SENSOR, keys);
}

static int
log_enumerate(struct cim_ctx *ctx, void *state)
{
	return serve(state, ctx, CLS_LOG, NULL);
}

static int
log_get(struct cim_ctx *ctx, const struct cim_instance *keys, void *state)
{
	return serve(state, ctx, CLS_LOG, keys);
}

static int
record_enumerate(struct cim_ctx *ctx, void *state)
{
	return serve(state, ctx, CLS_RECORD, NULL);
}

static int
record_get(struct cim_ctx *ctx, const struct cim_instance *keys, void *state)
{
	return serve(state, ctx, CLS_RECORD, keys);
}

static int
system_enumerate(struct cim_ctx *ctx, void *state)
{
	return serve(state, ctx, CLS_SYSTEM, NULL);
}

static int
system_get(struct cim_ctx *ctx, const struct cim_instance *keys, void *state)
{
	return serve(state, ctx, CLS_SYSTEM, keys);
}

static bool
is_admin(const struct ipmi_prov *p, const struct winrmd_principal *who)
{
	if (who == NULL)
		return false;
	for (size_t i = 0; i < p->nadmin; i++) {
		if (who->gid == p->admin[i])
			return true;
		for (int j = 0; j < who->ngroups; j++)
			if (who->groups[j] == p->admin[i])
				return true;
	}
	return false;
}

/*
 * RequestStateChange(RequestedState, TimeoutPeriod): chassis power
 * through Chassis Control.  2 Enabled: power up; 3 Disabled: power down;
 * 4 Shut Down: soft shutdown (ACPI); 10 Reboot: power cycle; 11 Reset:
 * hard reset; 5 No Change: nothing.  Only members of [IPMI] AdminGroups.
 */
static int
rsc_invoke(struct cim_ctx *ctx, const struct cim_instance *target,
    const struct cim_instance *in, struct cim_instance *out, void *state)
{
	struct ipmi_prov *p = state;
	const struct cim_services *svc = p->svc;
	const struct winrmd_principal *who = svc->principal(ctx);
	struct ipmi_waiter *w;
	uint64_t req = 0;
	int control, r;

	(void)target;
	if (!is_admin(p, who)) {
		LOG(WINRMD_LOG_NOTICE, "%s (uid %ld) is in none of [IPMI] "
		    "AdminGroups: RequestStateChange refused",
		    who && who->name ? who->name : "(nobody)",
		    who ? (long)who->uid : -1L);
		return svc->fail(ctx, WINRMD_FAULT_ACCESS_DENIED, "Only members "
		    "of [IPMI] AdminGroups may change the power state.");
	}
	if (p->worker == NULL)
		return svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR, "There is no "
		    "BMC: %s.", p->why);
	if (!svc->get_uint(in, RSC_REQUESTED, &req)) {
		svc->set_return(out, RSC_INVALID_PARAMETER);
		return CIM_OK;
	}
	if (!svc->is_null(in, RSC_TIMEOUT)) {
		svc->set_return(out, RSC_TIMEOUT_UNSUPPORTED);
		return CIM_OK;
	}
	switch (req) {
	case 2: control = IPMI_POWER_UP; break;
	case 3: control = IPMI_POWER_DOWN; break;
	case 4: control = IPMI_SOFT_SHUTDOWN; break;
	case 10: control = IPMI_POWER_CYCLE; break;
	case 11: control = IPMI_HARD_RESET; break;
	case 5:
		svc->set_return(out, RSC_OK);	/* No Change */
		return CIM_OK;
	case 6: case 7: case 8: case 9: case 12:
		svc->set_return(out, RSC_INVALID_TRANSITION);
		return CIM_OK;
	default:
		svc->set_return(out, req >= 32768 && req <= 65535 ?
		    RSC_NOT_SUPPORTED : RSC_INVALID_PARAMETER);
		return CIM_OK;
	}
	if (!ipmi_worker_power(p->worker, control, ++p->next_power_id)) {
		svc->set_return(out, RSC_BUSY);
		return CIM_OK;
	}
	LOG(WINRMD_LOG_NOTICE, "%s (uid %ld) asks for RequestedState %llu "
	    "(Chassis Control %d) of %s", who->name ? who->name : "?",
	    (long)who->uid, (unsigned long long)req, control, p->bmc_label);
	if ((r = wait_for(p, ctx, WAIT_POWER, CLS_SYSTEM, NULL)) !=
	    CIM_PENDING)
		return r;
	w = p->waiters;
	w->out = out;
	w->id = p->next_power_id;
	w->requested = (unsigned)req;
	return CIM_PENDING;
}

static const struct cim_method system_methods[] = {
	{ "RequestStateChange", false, rsc_in, 2, NULL, 0, rsc_invoke },
};

const struct cim_class ipmi_numeric_sensor_class = {
	.name = "CIM_NumericSensor",
	.ns = "root/hardware",
	.aliases = "NumericSensor",
	.props = numeric_props,
	.nprops = NS_COUNT,
	.enumerate = numeric_enumerate,
	.get = numeric_get,
};

const struct cim_class ipmi_sensor_class = {
	.name = "CIM_Sensor",
	.ns = "root/hardware",
	.aliases = "Sensor",
	.props = discrete_props,
	.nprops = DS_COUNT,
	.enumerate = sensor_enumerate,
	.get = sensor_get,
};

const struct cim_class ipmi_record_log_class = {
	.name = "CIM_RecordLog",
	.ns = "root/hardware",
	.aliases = "RecordLog",
	.props = log_props,
	.nprops = RL_COUNT,
	.enumerate = log_enumerate,
	.get = log_get,
};

const struct cim_class ipmi_log_record_class = {
	.name = "CIM_LogRecord",
	.ns = "root/hardware",
	.aliases = "LogRecord",
	.props = record_props,
	.nprops = LR_COUNT,
	.enumerate = record_enumerate,
	.get = record_get,
};

const struct cim_class ipmi_computer_system_class = {
	.name = "CIM_ComputerSystem",
	.ns = "root/hardware",
	.aliases = "ComputerSystem",
	.props = system_props,
	.nprops = CS_COUNT,
	.methods = system_methods,
	.nmethods = 1,
	.enumerate = system_enumerate,
	.get = system_get,
};
