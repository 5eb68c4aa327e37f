/*
 * ipmi.h: the IPMI provider's private header (providers/ipmi).  The
 * provider serves a BMC's sensors, its System Event Log and the managed
 * system's power state as CIM classes of root/hardware, read through
 * FreeIPMI: libipmimonitoring for readings and the SEL, libfreeipmi for
 * what libipmimonitoring does not give (thresholds and units from the SDR,
 * SEL capacity, chassis status and control).
 *
 * The code is in layers, each file a layer, so that the pure parts are
 * tested without a BMC:
 *
 *   map.c       readings -> CIM values (units, UnitModifier, states,
 *               health, SEL text and timestamps): pure functions
 *   record.c    the text form of readings ("recorded readings", debug
 *               log lines and the files of tests/data/ipmi), both ways
 *   conf.c      [IPMI] configuration -> struct bmc_conf (pure parsing)
 *   bmc.c       the FreeIPMI back end: one call per job, blocking; runs
 *               on the worker thread only
 *   worker.c    the worker thread per BMC and its queue; results go back
 *               to the loop thread through svc->post()
 *   classes.c   the CIM classes, the per-BMC cache and the calls waiting
 *               for a refresh (loop thread only)
 *   provider.c  init, fini, the class table, winrmd_provider_entry()
 */
#ifndef WINRMD_IPMI_H
#define WINRMD_IPMI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <winrmd/provider.h>

#define IPMI_NAME_MAX		64	/* sensor names (IPMI: 16 chars) */
#define IPMI_TEXT_MAX		128	/* event strings */
#define IPMI_MAX_STRINGS	16	/* asserted states of one sensor */
#define IPMI_ERR_MAX		256

/* ------------------------------------------------------------ readings */

/* threshold indices, IPMI's order */
enum { THR_LNC, THR_LC, THR_LNR, THR_UNC, THR_UC, THR_UNR, THR_COUNT };

/* reading ranges of the SDR (struct ipmi_sensor.ranges bits) */
#define RANGE_NOMINAL		0x01u
#define RANGE_NORMAL_MAX	0x02u
#define RANGE_NORMAL_MIN	0x04u
#define RANGE_MAX		0x08u
#define RANGE_MIN		0x10u

/* the "no type" of libipmimonitoring (IPMI_MONITORING_SENSOR_TYPE_UNKNOWN) */
#define IPMI_TYPE_UNKNOWN	0xFFFFu

/*
 * One sensor as libipmimonitoring reads it, plus the facts of its SDR
 * record that libfreeipmi parses (sdr_known).  Numbers are
 * libipmimonitoring's enums (ipmi_monitoring.h): state, units,
 * bitmask_type; type and ert are IPMI's codes.
 */
struct ipmi_sensor {
	unsigned	 record_id;
	unsigned	 number;
	unsigned	 type;		/* IPMI sensor type, IPMI_TYPE_UNKNOWN */
	char		 name[IPMI_NAME_MAX];
	int		 state;		/* 0 nominal 1 warning 2 critical 3 unknown */
	int		 units;		/* 0 none 1 C 2 F 3 V 4 A 5 RPM 6 W 7 % 0xFF */
	bool		 has_reading;
	double		 reading;
	int		 bitmask_type;	/* 0 threshold ... 0xFF unknown */
	unsigned	 bitmask;
	unsigned	 nstrings;	/* asserted states, as the library words them */
	char		 strings[IPMI_MAX_STRINGS][IPMI_NAME_MAX];
	unsigned	 ert;		/* event/reading type code: 0x01 threshold */
	/* from the SDR record */
	bool		 sdr_known;
	unsigned	 base_unit;	/* SDR base unit type (CIM BaseUnits - 1) */
	unsigned	 rate_unit;	/* SDR rate unit = CIM RateUnits */
	bool		 percentage;
	int		 r_exp, b_exp, m, b;
	unsigned	 linearization;	/* 0 linear */
	unsigned	 thr_readable;	/* bit THR_x: the threshold is known */
	double		 thr[THR_COUNT];
	bool		 thr_from_bmc;	/* Get Sensor Thresholds, not the SDR */
	unsigned	 ranges;	/* RANGE_* bits */
	double		 nominal, normal_max, normal_min, max_readable,
			 min_readable;
};

struct ipmi_sensors {
	size_t			 n;
	struct ipmi_sensor	*v;
};

/* SEL record classes (libipmimonitoring's record_type_class) */
enum { SEL_SYSTEM_EVENT, SEL_OEM_TIMESTAMPED, SEL_OEM_NON_TIMESTAMPED,
	SEL_UNKNOWN_CLASS };

struct ipmi_sel_entry {
	unsigned	 record_id;
	unsigned	 record_type;	/* 0x02 system event, 0xC0-0xFF OEM */
	int		 type_class;	/* SEL_* */
	int		 state;		/* like ipmi_sensor.state */
	bool		 has_timestamp;
	uint32_t	 timestamp;	/* the BMC's clock, seconds */
	unsigned	 sensor_type;
	unsigned	 sensor_number;
	char		 sensor_name[IPMI_NAME_MAX];
	int		 direction;	/* 0 assertion, 1 deassertion */
	int		 offset;	/* event offset, -1 unknown */
	char		 offset_text[IPMI_TEXT_MAX];
	unsigned	 event_type;	/* event/reading type code */
	unsigned	 data[3];
	unsigned	 manufacturer;	/* OEM records */
	unsigned	 oem_len;
	uint8_t		 oem[16];
};

struct ipmi_sel {
	size_t			 n;
	struct ipmi_sel_entry	*v;
	bool			 info_known;	/* Get SEL Info answered */
	unsigned		 info_entries;
	unsigned		 info_free_bytes;
	bool			 info_overflow;
};

struct ipmi_chassis {
	bool	 known;		/* Get Chassis Status answered */
	bool	 power_on;
	bool	 overload, interlock, power_fault, control_fault;
	int	 restore_policy;	/* 0 off, 1 previous, 2 on, 3 unknown */
};

void	 ipmi_sensors_free(struct ipmi_sensors *s);
void	 ipmi_sel_free(struct ipmi_sel *s);

/* ----------------------------------------------------- map.c: CIM values */

/* CIM_Sensor.SensorType of an IPMI sensor type; *other is the text of
 * OtherSensorTypeDescription (NULL when the type is not 1 Other) */
unsigned ipmi_cim_sensor_type(unsigned ipmi_type, const char **other);
/* "Temperature", "Power Supply", ...; "OEM" and "Unknown" */
const char *ipmi_type_text(unsigned ipmi_type);
/* CIM BaseUnits of libipmimonitoring units */
unsigned ipmi_cim_base_units(int units);

/* CIM values of a threshold sensor (CIM_NumericSensor) */
struct ipmi_numeric {
	unsigned	 sensor_type;
	const char	*other_type;	/* or NULL */
	unsigned	 base_units;
	int		 unit_modifier;
	unsigned	 rate_units;
	bool		 has_reading;
	int32_t		 reading;	/* x 10^unit_modifier */
	unsigned	 thr_set;	/* bit THR_x: thr[x] is valid */
	int32_t		 thr[THR_COUNT];
	size_t		 nsupported;	/* SupportedThresholds, CIM codes */
	uint16_t	 supported[THR_COUNT];
	unsigned	 ranges;	/* RANGE_*: the values below are valid */
	int32_t		 nominal, normal_max, normal_min, max_readable,
			 min_readable;
	bool		 is_linear;
	const char	*current_state;
	size_t		 npossible;
	const char	*possible[THR_COUNT + 2];
	unsigned	 health;	/* HealthState */
	unsigned	 op_status;	/* OperationalStatus[0] */
	const char	*status;	/* Status */
	unsigned	 enabled_state;
};

/* CIM codes of SupportedThresholds, by THR_x */
extern const uint16_t ipmi_cim_threshold_code[THR_COUNT];

/* UnitModifier: from the SDR's exponents when known, else by units */
int	 ipmi_unit_modifier(const struct ipmi_sensor *s);
/* round(v / 10^mod) into a sint32 (saturated); false for NaN */
bool	 ipmi_scale(double v, int mod, int32_t *ret);
void	 ipmi_map_numeric(const struct ipmi_sensor *s, struct ipmi_numeric *ret);

/* HealthState, OperationalStatus and Status of a libipmimonitoring state;
 * fatal: a non-recoverable threshold is crossed */
void	 ipmi_map_health(int state, bool fatal, unsigned *health,
	    unsigned *op_status, const char **status);

/* CIM values of a discrete sensor (CIM_Sensor) */
struct ipmi_discrete {
	unsigned	 sensor_type;
	const char	*other_type;
	const char	*current_state;	/* the first asserted state, or "OK" */
	size_t		 npossible;
	char		 possible[16][IPMI_TEXT_MAX];	/* every state the type has */
	unsigned	 health, op_status;
	const char	*status;
	unsigned	 enabled_state;
};
void	 ipmi_map_discrete(const struct ipmi_sensor *s, struct ipmi_discrete *ret);

/* SEL timestamps below this are relative to the BMC's initialisation
 * ("pre-init"), 0xFFFFFFFF is "unspecified": neither is a point in time */
#define IPMI_SEL_PREINIT_MAX	0x20000000u
#define IPMI_SEL_UNSPECIFIED	0xFFFFFFFFu
/* true and the time for a real timestamp; false for pre-init/unspecified */
bool	 ipmi_sel_time(const struct ipmi_sel_entry *e, time_t *ret);
/* "CPU Temp: Upper Critical - going high, asserted" */
void	 ipmi_sel_description(const struct ipmi_sel_entry *e, char *buf,
	    size_t len);
/* the record's fields, hex, in RecordFormat's order */
void	 ipmi_sel_data(const struct ipmi_sel_entry *e, char *buf, size_t len);
extern const char ipmi_sel_format[];
/* CIM PerceivedSeverity of a SEL record state */
unsigned ipmi_sel_severity(int state);

/* ------------------------------------------- record.c: recorded readings */

/*
 * One line per sensor or SEL record, '|'-separated key=value fields:
 *   sensor|rec=2|num=1|type=0x01|name=CPU Temp|state=0|units=1|reading=45
 *     |bmtype=0|bitmask=0x0|strings=|ert=0x01|sdr=1|base=1|rate=0|pct=0
 *     |m=1|b=0|bexp=0|rexp=0|lin=0|unc=75|uc=85|unr=95|nominal=...
 *   sel|rec=1|rtype=0x02|class=0|state=2|ts=0x65|stype=0x01|snum=1
 *     |sname=CPU Temp|dir=0|offset=9|text=...|ert=0x01|data=0x59,0x57,0x55
 *   selinfo|entries=1|free=16000|overflow=0
 *   chassis|known=1|power=0|overload=0|interlock=0|fault=0|control=0|policy=0
 * Unknown keys are ignored; "reading=" empty is "no reading"; "strings="
 * is ';'-separated.  The worker logs what it read in this form at debug
 * level, so readings of a real BMC can be recorded for the tests.
 */
int	 ipmi_record_parse(const char *text, struct ipmi_sensors *sensors,
	    struct ipmi_sel *sel, struct ipmi_chassis *chassis, char *err,
	    size_t errlen);
void	 ipmi_record_sensor(const struct ipmi_sensor *s, char *buf, size_t len);
void	 ipmi_record_sel(const struct ipmi_sel_entry *e, char *buf, size_t len);

/* -------------------------------------------------- conf.c: [IPMI] */

enum bmc_driver { BMC_NONE, BMC_INBAND, BMC_LAN };

struct bmc_conf {
	enum bmc_driver	 driver;
	char		 host[288];	/* "host:port" (LAN) */
	char		 user[24];
	char		 password[24];	/* never logged */
	bool		 ipmi20;	/* else IPMI 1.5 */
	unsigned	 cipher_suite;
	int		 privilege;	/* 0 user, 1 operator, 2 admin */
	unsigned	 workarounds;	/* IPMI_MONITORING_WORKAROUND_FLAGS_* */
	unsigned	 timeout_ms;	/* bound of one BMC call */
	char		 sdr_dir[4096];
};

/*
 * Reads [IPMI] through host->conf_* into conf.  Returns BMC_NONE with the
 * reason in why (no BMC configured or present: not an error), -1 with
 * the error in why (a bad setting), or the driver.  dev_dir is "/dev"
 * (tests point it elsewhere).
 */
int	 ipmi_conf_load(const struct winrmd_host *host, const char *dev_dir,
	    struct bmc_conf *conf, char *why, size_t whylen);
/* "bmc" -> "bmc:623", "[fe80::1]" and "fe80::1" -> "[fe80::1]:623";
 * -1 if it does not fit or is empty */
int	 ipmi_host_port(const char *host, char *buf, size_t len);
/* "opensesspriv, authcap" -> flags for the protocol; -1 and the bad word */
int	 ipmi_workarounds(const char *list, bool lan, bool ipmi20,
	    unsigned *ret, char *bad, size_t badlen);
/* "user" / "operator" / "admin" -> 0 / 1 / 2, else -1 */
int	 ipmi_privilege(const char *s);
/* creates dir (and missing parents) 0700, or tightens an existing one
 * that is ours to 0700; 0 or -errno */
int	 ipmi_make_cache_dir(const char *dir);

/* ---------------------------------------------- bmc.c: the back end */

enum ipmi_job { JOB_SENSORS, JOB_SEL, JOB_CHASSIS, JOB_DATA_KINDS,
	JOB_POWER = JOB_DATA_KINDS, JOB_COUNT };

/* IPMI Chassis Control values */
#define IPMI_POWER_DOWN		0
#define IPMI_POWER_UP		1
#define IPMI_POWER_CYCLE	2
#define IPMI_HARD_RESET		3
#define IPMI_SOFT_SHUTDOWN	5

/* result of a power job */
enum { POWER_DONE, POWER_REFUSED, POWER_UNREACHABLE };

/*
 * The back end: blocking calls, on the worker thread only, each opening
 * and closing its own sessions.  0 or -1 with a message in err; on
 * success err may hold a note for the log (something secondary that could
 * not be read, such as thresholds).  A test replaces the FreeIPMI back
 * end with its own (ipmi_set_backend()).
 */
struct ipmi_backend {
	/* once per worker thread; *ret is passed to the other calls */
	int	(*open)(const struct bmc_conf *c, void **ret, char *err,
		    size_t len);
	void	(*close)(void *b);
	int	(*sensors)(void *b, struct ipmi_sensors *ret, char *err,
		    size_t len);
	int	(*sel)(void *b, struct ipmi_sel *ret, char *err, size_t len);
	int	(*chassis)(void *b, struct ipmi_chassis *ret, char *err,
		    size_t len);
	/* POWER_DONE, POWER_REFUSED (the BMC said no) or POWER_UNREACHABLE */
	int	(*power)(void *b, int control, char *err, size_t len);
};

extern const struct ipmi_backend ipmi_freeipmi_backend;
/* the back end of workers started from now on (NULL: FreeIPMI's) */
void	 ipmi_set_backend(const struct ipmi_backend *b);
const struct ipmi_backend *ipmi_backend(void);
/* ipmi_monitoring_init(): once, on the loop thread, before any worker */
int	 ipmi_library_init(char *err, size_t len);

/* ------------------------------------------- worker.c: the thread */

struct ipmi_worker;

/* what a job produced; handed to the loop thread */
struct ipmi_result {
	struct ipmi_result	*next;
	enum ipmi_job		 job;
	bool			 ok;
	char			 err[IPMI_ERR_MAX];
	struct ipmi_sensors	 sensors;
	struct ipmi_sel		 sel;
	struct ipmi_chassis	 chassis;
	int			 power_rc;	/* JOB_POWER */
	uint64_t		 id;		/* JOB_POWER: the request */
};

void	 ipmi_result_free(struct ipmi_result *r);

/*
 * Starts the thread for one BMC.  deliver(arg, results) runs on the loop
 * thread (through svc->post) with a list of results it takes.
 */
struct ipmi_worker *ipmi_worker_start(const struct cim_services *svc,
	    const struct bmc_conf *conf,
	    void (*deliver)(void *arg, struct ipmi_result *list), void *arg,
	    char *err, size_t errlen);
/* queues a refresh of a data kind (a second one before it starts is
 * merged into the first) */
void	 ipmi_worker_want(struct ipmi_worker *w, enum ipmi_job job);
/* queues a Chassis Control; false if one is queued or running */
bool	 ipmi_worker_power(struct ipmi_worker *w, int control, uint64_t id);
/*
 * Stops the worker: no deliver() runs after this returns.  Waits up to
 * wait_ms for the thread to end (a BMC call in progress is not
 * interrupted); a thread still busy then is detached and frees what it
 * holds when its call returns.  Returns true if the thread ended.
 */
bool	 ipmi_worker_stop(struct ipmi_worker *w, unsigned wait_ms);

/* ------------------------------------------------- classes.c, provider.c */

struct ipmi_prov;

extern const struct cim_class ipmi_numeric_sensor_class;
extern const struct cim_class ipmi_sensor_class;
extern const struct cim_class ipmi_record_log_class;
extern const struct cim_class ipmi_log_record_class;
extern const struct cim_class ipmi_computer_system_class;

const struct cim_provider *ipmi_provider(void);
/* tests: the directory where init looks for ipmi0 (default /dev) */
void	 ipmi_set_dev_dir(const char *dir);

#endif /* WINRMD_IPMI_H */
