/*
 * bmc.c: the FreeIPMI back end (struct ipmi_backend): blocking calls that
 * run on a BMC's worker thread only, with a libipmimonitoring context of
 * their own (mon_open()).  Each call opens and closes its own IPMI session(s); every
 * session is bounded by [IPMI] TimeoutSeconds (FreeIPMI's session
 * timeout), the loop thread bounds the whole call as well.
 *
 *   sensors  libipmimonitoring's readings (session 1); then, from the SDR
 *            cache libipmimonitoring keeps in SDRCacheDirectory (opened
 *            with libfreeipmi's SDR parser, no session), each sensor's
 *            units, exponents and reading ranges; the thresholds with Get
 *            Sensor Thresholds (session 2, libfreeipmi), falling back to
 *            the SDR's thresholds for sensors behind other controllers.
 *            Thresholds change seldom: they are read again after
 *            THRESHOLD_MAX_AGE, or when a sensor shows up that has none.
 *   sel      Get SEL Info (libfreeipmi) and every SEL record
 *            (libipmimonitoring, with its event strings)
 *   chassis  Get Chassis Status (libfreeipmi)
 *   power    Chassis Control (libfreeipmi); needs PrivilegeLevel
 *            operator or admin on most BMCs
 */
#define _GNU_SOURCE

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <freeipmi/freeipmi.h>
#include <ipmi_monitoring.h>
#include <ipmi_monitoring_bitmasks.h>

#include "ipmi.h"

#define THRESHOLD_MAX_AGE	60	/* seconds */
#define SDR_FILE_FORMAT		"winrmd-sdr.%H"
#define SDR_FILE_PREFIX		"winrmd-sdr."
#define SDR_RECORD_MAX		512

/* what Get Sensor Thresholds (or the SDR) said of one sensor */
struct thr_entry {
	unsigned	 record_id;
	unsigned	 number;
	unsigned	 readable;
	double		 thr[THR_COUNT];
	bool		 from_bmc;
};

struct fbackend {
	struct bmc_conf			 c;
	const char			*hostname;	/* NULL: in-band */
	ipmi_monitoring_ctx_t		 mon;		/* of the call */
	struct ipmi_monitoring_ipmi_config mcfg;
	unsigned			 session_ms, retrans_ms;
	char				 sdr_file[PATH_MAX];
	struct thr_entry		*thr;
	size_t				 nthr;
	time_t				 thr_time;	/* monotonic s; 0 never */
};

static const struct ipmi_backend *backend_override;

void
ipmi_set_backend(const struct ipmi_backend *b)
{
	backend_override = b;
}

const struct ipmi_backend *
ipmi_backend(void)
{
	return backend_override ? backend_override : &ipmi_freeipmi_backend;
}

int
ipmi_library_init(char *err, size_t len)
{
	int errnum = 0;

	if (ipmi_monitoring_init(0, &errnum) < 0) {
		snprintf(err, len, "ipmi_monitoring_init: %s",
		    ipmi_monitoring_ctx_strerror(errnum));
		return -1;
	}
	return 0;
}

static time_t
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void
mon_error(struct fbackend *fb, const char *what, char *err, size_t len)
{
	const char *m = ipmi_monitoring_ctx_errormsg(fb->mon);

	snprintf(err, len, "%s: %s", what, m ? m : "error");
}

/*
 * A libipmimonitoring context for one call.  Not one per thread for all
 * calls: in FreeIPMI 1.6 a context keeps the SEL records of earlier calls
 * (ipmi_monitoring_sel_iterator_destroy() empties the list of readings
 * instead), so a reused context answers old records twice.
 */
static int
mon_open(struct fbackend *fb, char *err, size_t len)
{
	if ((fb->mon = ipmi_monitoring_ctx_create()) == NULL) {
		snprintf(err, len, "ipmi_monitoring_ctx_create: %s",
		    strerror(errno));
		return -1;
	}
	if (ipmi_monitoring_ctx_sdr_cache_directory(fb->mon, fb->c.sdr_dir) < 0 ||
	    ipmi_monitoring_ctx_sdr_cache_filenames(fb->mon,
	    SDR_FILE_FORMAT) < 0) {
		mon_error(fb, fb->c.sdr_dir, err, len);
		ipmi_monitoring_ctx_destroy(fb->mon);
		fb->mon = NULL;
		return -1;
	}
	return 0;
}

static void
mon_close(struct fbackend *fb)
{
	ipmi_monitoring_ctx_destroy(fb->mon);
	fb->mon = NULL;
}

/* ---------------------------------------------------------- open/close */

static int
fb_open(const struct bmc_conf *c, void **ret, char *err, size_t len)
{
	static const int mon_priv[] = {
		IPMI_MONITORING_PRIVILEGE_LEVEL_USER,
		IPMI_MONITORING_PRIVILEGE_LEVEL_OPERATOR,
		IPMI_MONITORING_PRIVILEGE_LEVEL_ADMIN,
	};
	struct fbackend *fb = calloc(1, sizeof(*fb));
	struct ipmi_monitoring_ipmi_config *m;

	if (fb == NULL) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	fb->c = *c;
	fb->hostname = c->driver == BMC_LAN ? fb->c.host : NULL;
	/* FreeIPMI's session timeout bounds one session: a little under
	 * the provider's bound, so a dead BMC answers with its own error */
	fb->session_ms = c->timeout_ms / 2;
	if (fb->session_ms < 1000)
		fb->session_ms = 1000;
	fb->retrans_ms = fb->session_ms / 4 < 500 ? fb->session_ms / 4 : 500;
	/* a context can be made here: the directory is usable */
	if (mon_open(fb, err, len) < 0) {
		free(fb);
		return -1;
	}
	mon_close(fb);
	if (snprintf(fb->sdr_file, sizeof(fb->sdr_file), "%.3800s/"
	    SDR_FILE_PREFIX "%.280s", c->sdr_dir,
	    fb->hostname ? fb->hostname : "localhost") < 0)
		fb->sdr_file[0] = '\0';
	m = &fb->mcfg;
	m->driver_type = -1;		/* in-band: probe */
	m->disable_auto_probe = 0;
	m->driver_device = NULL;
	m->protocol_version = c->ipmi20 ? IPMI_MONITORING_PROTOCOL_VERSION_2_0 :
	    IPMI_MONITORING_PROTOCOL_VERSION_1_5;
	m->username = fb->c.user[0] ? fb->c.user : NULL;
	m->password = fb->c.password[0] ? fb->c.password : NULL;
	m->k_g = NULL;
	m->k_g_len = 0;
	m->privilege_level = mon_priv[c->privilege];
	m->authentication_type = IPMI_MONITORING_AUTHENTICATION_TYPE_MD5;
	m->cipher_suite_id = (int)c->cipher_suite;
	m->session_timeout_len = (int)fb->session_ms;
	m->retransmission_timeout_len = (int)fb->retrans_ms;
	m->workaround_flags = c->workarounds;
	*ret = fb;
	return 0;
}

static void
fb_close(void *b)
{
	struct fbackend *fb = b;

	if (fb == NULL)
		return;
	explicit_bzero(fb->c.password, sizeof(fb->c.password));
	free(fb->thr);
	free(fb);
}

/* a libfreeipmi session (or the in-band device) */
static ipmi_ctx_t
fi_open(struct fbackend *fb, char *err, size_t len)
{
	static const uint8_t fi_priv[] = {
		IPMI_PRIVILEGE_LEVEL_USER, IPMI_PRIVILEGE_LEVEL_OPERATOR,
		IPMI_PRIVILEGE_LEVEL_ADMIN,
	};
	ipmi_ctx_t ctx = ipmi_ctx_create();
	const struct bmc_conf *c = &fb->c;
	int r;

	err[0] = '\0';
	if (ctx == NULL) {
		snprintf(err, len, "ipmi_ctx_create: %s", strerror(errno));
		return NULL;
	}
	if (c->driver != BMC_LAN) {
		/* 1 found, 0 none, -1 error */
		r = ipmi_ctx_find_inband(ctx, NULL, 0, 0, 0, NULL,
		    c->workarounds, IPMI_FLAGS_DEFAULT);
		if (r == 0)
			snprintf(err, len, "no in-band IPMI interface found");
		else if (r > 0)
			r = 0;
		else
			r = -1;
	} else if (c->ipmi20) {
		r = ipmi_ctx_open_outofband_2_0(ctx, c->host,
		    c->user[0] ? c->user : NULL,
		    c->password[0] ? c->password : NULL, NULL, 0,
		    fi_priv[c->privilege], (uint8_t)c->cipher_suite,
		    fb->session_ms, fb->retrans_ms, c->workarounds,
		    IPMI_FLAGS_DEFAULT);
	} else {
		r = ipmi_ctx_open_outofband(ctx, c->host,
		    c->user[0] ? c->user : NULL,
		    c->password[0] ? c->password : NULL,
		    IPMI_AUTHENTICATION_TYPE_MD5, fi_priv[c->privilege],
		    fb->session_ms, fb->retrans_ms, c->workarounds,
		    IPMI_FLAGS_DEFAULT);
	}
	if (r < 0)
		snprintf(err, len, "%s", ipmi_ctx_errormsg(ctx));
	if (r != 0 || err[0] != '\0') {
		ipmi_ctx_destroy(ctx);
		return NULL;
	}
	return ctx;
}

static void
fi_close(ipmi_ctx_t ctx)
{
	if (ctx == NULL)
		return;
	ipmi_ctx_close(ctx);
	ipmi_ctx_destroy(ctx);
}

/* the message of a command that failed on an open session */
static void
fi_cmd_error(ipmi_ctx_t ctx, fiid_obj_t rs, uint8_t netfn, const char *what,
    char *err, size_t len)
{
	char cc[256];

	if (ipmi_ctx_errnum(ctx) == IPMI_ERR_BAD_COMPLETION_CODE &&
	    ipmi_completion_code_strerror_cmd_r(rs, netfn, cc, sizeof(cc)) == 0)
		snprintf(err, len, "%s: %s", what, cc);
	else
		snprintf(err, len, "%s: %s", what, ipmi_ctx_errormsg(ctx));
}

/* ------------------------------------------------------------ sensors */

static void
read_one(struct fbackend *fb, struct ipmi_sensor *s)
{
	ipmi_monitoring_ctx_t c = fb->mon;
	const char *name = ipmi_monitoring_sensor_read_sensor_name(c);
	void *reading = ipmi_monitoring_sensor_read_sensor_reading(c);
	char **strs;
	int v;

	memset(s, 0, sizeof(*s));
	s->record_id = (unsigned)ipmi_monitoring_sensor_read_record_id(c);
	s->number = (unsigned)ipmi_monitoring_sensor_read_sensor_number(c);
	v = ipmi_monitoring_sensor_read_sensor_type(c);
	s->type = v < 0 ? IPMI_TYPE_UNKNOWN : (unsigned)v;
	snprintf(s->name, sizeof(s->name), "%s", name ? name : "");
	v = ipmi_monitoring_sensor_read_sensor_state(c);
	s->state = v < 0 ? IPMI_MONITORING_STATE_UNKNOWN : v;
	s->units = ipmi_monitoring_sensor_read_sensor_units(c);
	if (reading != NULL) {
		switch (ipmi_monitoring_sensor_read_sensor_reading_type(c)) {
		case IPMI_MONITORING_SENSOR_READING_TYPE_UNSIGNED_INTEGER8_BOOL:
			s->reading = *(uint8_t *)reading;
			s->has_reading = true;
			break;
		case IPMI_MONITORING_SENSOR_READING_TYPE_UNSIGNED_INTEGER32:
			s->reading = *(uint32_t *)reading;
			s->has_reading = true;
			break;
		case IPMI_MONITORING_SENSOR_READING_TYPE_DOUBLE:
			s->reading = *(double *)reading;
			s->has_reading = true;
			break;
		default:
			break;
		}
	}
	v = ipmi_monitoring_sensor_read_sensor_bitmask_type(c);
	s->bitmask_type = v < 0 ? IPMI_MONITORING_SENSOR_BITMASK_TYPE_UNKNOWN : v;
	v = ipmi_monitoring_sensor_read_sensor_bitmask(c);
	s->bitmask = v < 0 ? 0 : (unsigned)v;
	strs = ipmi_monitoring_sensor_read_sensor_bitmask_strings(c);
	for (size_t i = 0; strs != NULL && strs[i] != NULL &&
	    s->nstrings < IPMI_MAX_STRINGS; i++)
		snprintf(s->strings[s->nstrings++], IPMI_NAME_MAX, "%s",
		    strs[i]);
	v = ipmi_monitoring_sensor_read_event_reading_type_code(c);
	s->ert = v < 0 ? 0 : (unsigned)v;
}

static struct thr_entry *
thr_find(struct fbackend *fb, unsigned record_id, unsigned number)
{
	for (size_t i = 0; i < fb->nthr; i++)
		if (fb->thr[i].record_id == record_id &&
		    fb->thr[i].number == number)
			return &fb->thr[i];
	return NULL;
}

/* the SDR facts of one threshold sensor; false if its record is not a
 * full sensor record of the cache */
static bool
sdr_facts(ipmi_sdr_ctx_t sdr, struct ipmi_sensor *s, uint8_t *rec,
    int *reclen)
{
	uint16_t id;
	uint8_t type, pct, mod, rate, base, modunit, lin, adf;
	int8_t r_exp, b_exp;
	int16_t m, b;
	int len;

	if (ipmi_sdr_cache_search_record_id(sdr, (uint16_t)s->record_id) < 0 ||
	    (len = ipmi_sdr_cache_record_read(sdr, rec, SDR_RECORD_MAX)) <= 0 ||
	    ipmi_sdr_parse_record_id_and_type(sdr, rec, (unsigned)len, &id,
	    &type) < 0 || type != IPMI_SDR_FORMAT_FULL_SENSOR_RECORD)
		return false;
	if (ipmi_sdr_parse_sensor_units(sdr, rec, (unsigned)len, &pct, &mod,
	    &rate, &base, &modunit) < 0 ||
	    ipmi_sdr_parse_sensor_decoding_data(sdr, rec, (unsigned)len, &r_exp,
	    &b_exp, &m, &b, &lin, &adf) < 0)
		return false;
	s->sdr_known = true;
	s->percentage = pct != 0;
	s->rate_unit = rate;
	s->base_unit = base;
	s->r_exp = r_exp;
	s->b_exp = b_exp;
	s->m = m;
	s->b = b;
	s->linearization = lin;
	*reclen = len;
	return true;
}

static void
sdr_ranges(ipmi_sdr_ctx_t sdr, struct ipmi_sensor *s, const uint8_t *rec,
    int len)
{
	double *nom = NULL, *nmax = NULL, *nmin = NULL, *max = NULL,
	    *min = NULL;
	uint8_t nom_s = 0, nmax_s = 0, nmin_s = 0;

	if (ipmi_sdr_parse_sensor_reading_ranges_specified(sdr, rec,
	    (unsigned)len, &nom_s, &nmax_s, &nmin_s) < 0 ||
	    ipmi_sdr_parse_sensor_reading_ranges(sdr, rec, (unsigned)len, &nom,
	    &nmax, &nmin, &max, &min) < 0)
		return;
	if (nom_s && nom)
		s->nominal = *nom, s->ranges |= RANGE_NOMINAL;
	if (nmax_s && nmax)
		s->normal_max = *nmax, s->ranges |= RANGE_NORMAL_MAX;
	if (nmin_s && nmin)
		s->normal_min = *nmin, s->ranges |= RANGE_NORMAL_MIN;
	if (max)
		s->max_readable = *max, s->ranges |= RANGE_MAX;
	if (min)
		s->min_readable = *min, s->ranges |= RANGE_MIN;
	free(nom);
	free(nmax);
	free(nmin);
	free(max);
	free(min);
}

/* the SDR's own thresholds (initial values) */
static void
sdr_thresholds(ipmi_sdr_ctx_t sdr, const uint8_t *rec, int len,
    struct thr_entry *t)
{
	double *v[THR_COUNT] = { NULL };
	uint8_t rd[THR_COUNT] = { 0 };

	t->readable = 0;
	t->from_bmc = false;
	if (ipmi_sdr_parse_threshold_readable(sdr, rec, (unsigned)len,
	    &rd[THR_LNC], &rd[THR_LC], &rd[THR_LNR], &rd[THR_UNC], &rd[THR_UC],
	    &rd[THR_UNR]) < 0 ||
	    ipmi_sdr_parse_thresholds(sdr, rec, (unsigned)len, &v[THR_LNC],
	    &v[THR_LC], &v[THR_LNR], &v[THR_UNC], &v[THR_UC], &v[THR_UNR]) < 0)
		return;
	for (int i = 0; i < THR_COUNT; i++) {
		if (rd[i] && v[i] != NULL) {
			t->thr[i] = *v[i];
			t->readable |= 1u << i;
		}
		free(v[i]);
	}
}

/* Get Sensor Thresholds of a BMC-owned sensor; false if not possible */
static bool
bmc_thresholds(ipmi_ctx_t ctx, ipmi_sdr_ctx_t sdr, const struct ipmi_sensor *s,
    const uint8_t *rec, int len, struct thr_entry *t)
{
	static const char *const names[THR_COUNT] = {
		[THR_LNC] = "lower_non_critical_threshold",
		[THR_LC] = "lower_critical_threshold",
		[THR_LNR] = "lower_non_recoverable_threshold",
		[THR_UNC] = "upper_non_critical_threshold",
		[THR_UC] = "upper_critical_threshold",
		[THR_UNR] = "upper_non_recoverable_threshold",
	};
	uint8_t otype, oid, lun, chan, adf, lin;
	int8_t r_exp, b_exp;
	int16_t m, b;
	fiid_obj_t rs;
	bool ok = false;

	if (ctx == NULL ||
	    ipmi_sdr_parse_sensor_owner_id(sdr, rec, (unsigned)len, &otype,
	    &oid) < 0 ||
	    ipmi_sdr_parse_sensor_owner_lun(sdr, rec, (unsigned)len, &lun,
	    &chan) < 0 ||
	    ipmi_sdr_parse_sensor_decoding_data(sdr, rec, (unsigned)len, &r_exp,
	    &b_exp, &m, &b, &lin, &adf) < 0)
		return false;
	/* the BMC's own sensors (0x20 on IPMB, 7-bit 0x10), LUN 0 */
	if (otype != 0 || oid != (IPMI_SLAVE_ADDRESS_BMC >> 1) || lun != 0 ||
	    chan != 0)
		return false;
	if ((rs = fiid_obj_create(tmpl_cmd_get_sensor_thresholds_rs)) == NULL)
		return false;
	if (ipmi_cmd_get_sensor_thresholds(ctx, (uint8_t)s->number, rs) >= 0) {
		t->readable = 0;
		for (int i = 0; i < THR_COUNT; i++) {
			char flag[96];
			uint64_t rd = 0, raw = 0;
			double d;

			snprintf(flag, sizeof(flag), "readable_thresholds.%s",
			    names[i]);
			if (fiid_obj_get(rs, flag, &rd) < 0 || !rd ||
			    fiid_obj_get(rs, names[i], &raw) < 0 ||
			    ipmi_sensor_decode_value(r_exp, b_exp, m, b, lin,
			    adf, (uint8_t)raw, &d) < 0)
				continue;
			t->thr[i] = d;
			t->readable |= 1u << i;
		}
		t->from_bmc = true;
		ok = true;
	}
	fiid_obj_destroy(rs);
	return ok;
}

/*
 * Adds what the SDR and Get Sensor Thresholds know to the readings.  A
 * failure here is not one of the readings: the sensors keep what
 * libipmimonitoring gave and note says why (for the log).
 */
static void
enrich(struct fbackend *fb, struct ipmi_sensors *ss, char *note, size_t len)
{
	ipmi_sdr_ctx_t sdr = ipmi_sdr_ctx_create();
	ipmi_ctx_t ctx = NULL;
	bool renew = fb->thr_time == 0 ||
	    mono_s() - fb->thr_time >= THRESHOLD_MAX_AGE;
	bool session_tried = false;
	uint8_t rec[SDR_RECORD_MAX];

	if (sdr == NULL)
		return;
	if (ipmi_sdr_cache_open(sdr, NULL, fb->sdr_file) < 0) {
		snprintf(note, len, "SDR cache %s: %s: no thresholds or units",
		    fb->sdr_file, ipmi_sdr_ctx_errormsg(sdr));
		ipmi_sdr_ctx_destroy(sdr);
		return;
	}
	if (renew) {
		fb->nthr = 0;
		fb->thr_time = mono_s();
	}
	for (size_t i = 0; i < ss->n; i++) {
		struct ipmi_sensor *s = &ss->v[i];
		struct thr_entry *t;
		int reclen = 0;

		if (s->ert != 0x01 || !sdr_facts(sdr, s, rec, &reclen))
			continue;
		sdr_ranges(sdr, s, rec, reclen);
		if ((t = thr_find(fb, s->record_id, s->number)) == NULL) {
			struct thr_entry *v = reallocarray(fb->thr, fb->nthr + 1,
			    sizeof(*v));

			if (v == NULL)
				break;
			fb->thr = v;
			t = &v[fb->nthr];
			memset(t, 0, sizeof(*t));
			t->record_id = s->record_id;
			t->number = s->number;
			if (!session_tried) {
				char err[IPMI_ERR_MAX];

				session_tried = true;
				if ((ctx = fi_open(fb, err, sizeof(err))) == NULL)
					snprintf(note, len, "thresholds from the "
					    "SDR: no session for Get Sensor "
					    "Thresholds: %s", err);
			}
			if (!bmc_thresholds(ctx, sdr, s, rec, reclen, t))
				sdr_thresholds(sdr, rec, reclen, t);
			fb->nthr++;
		}
		s->thr_readable = t->readable;
		s->thr_from_bmc = t->from_bmc;
		memcpy(s->thr, t->thr, sizeof(s->thr));
	}
	fi_close(ctx);
	ipmi_sdr_cache_close(sdr);
	ipmi_sdr_ctx_destroy(sdr);
}

static int
fb_sensors(void *b, struct ipmi_sensors *ret, char *err, size_t len)
{
	struct fbackend *fb = b;
	unsigned flags =
	    IPMI_MONITORING_SENSOR_READING_FLAGS_IGNORE_NON_INTERPRETABLE_SENSORS |
	    IPMI_MONITORING_SENSOR_READING_FLAGS_SHARED_SENSORS;
	int n;

	memset(ret, 0, sizeof(*ret));
	if (mon_open(fb, err, len) < 0)
		return -1;
	n = ipmi_monitoring_sensor_readings_by_record_id(fb->mon, fb->hostname,
	    &fb->mcfg, flags, NULL, 0, NULL, NULL);
	if (n < 0) {
		mon_error(fb, "sensor readings", err, len);
		mon_close(fb);
		return -1;
	}
	if (n > 0 && (ret->v = calloc((size_t)n, sizeof(*ret->v))) == NULL) {
		snprintf(err, len, "out of memory");
		mon_close(fb);
		return -1;
	}
	if (n > 0 && ipmi_monitoring_sensor_iterator_first(fb->mon) < 0) {
		mon_error(fb, "sensor readings", err, len);
		ipmi_sensors_free(ret);
		mon_close(fb);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		read_one(fb, &ret->v[ret->n++]);
		if (i + 1 < n && ipmi_monitoring_sensor_iterator_next(fb->mon) < 0)
			break;
	}
	mon_close(fb);
	err[0] = '\0';
	enrich(fb, ret, err, len);	/* err: a note, not an error */
	return 0;
}

/* ---------------------------------------------------------------- SEL */

static void
read_sel_one(struct fbackend *fb, struct ipmi_sel_entry *e)
{
	ipmi_monitoring_ctx_t c = fb->mon;
	unsigned ts = 0, d1 = 0, d2 = 0, d3 = 0;
	int v;

	memset(e, 0, sizeof(*e));
	e->record_id = (unsigned)ipmi_monitoring_sel_read_record_id(c);
	v = ipmi_monitoring_sel_read_record_type(c);
	e->record_type = v < 0 ? 0 : (unsigned)v;
	v = ipmi_monitoring_sel_read_record_type_class(c);
	e->type_class = v < 0 ? SEL_UNKNOWN_CLASS : v;
	v = ipmi_monitoring_sel_read_sel_state(c);
	e->state = v < 0 ? IPMI_MONITORING_STATE_UNKNOWN : v;
	e->offset = -1;
	if (e->type_class == SEL_SYSTEM_EVENT ||
	    e->type_class == SEL_OEM_TIMESTAMPED) {
		if (ipmi_monitoring_sel_read_timestamp(c, &ts) == 0) {
			e->timestamp = ts;
			e->has_timestamp = true;
		}
	}
	if (e->type_class == SEL_SYSTEM_EVENT) {
		const char *name = ipmi_monitoring_sel_read_sensor_name(c);
		const char *text = ipmi_monitoring_sel_read_event_offset_string(c);

		v = ipmi_monitoring_sel_read_sensor_type(c);
		e->sensor_type = v < 0 ? IPMI_TYPE_UNKNOWN : (unsigned)v;
		v = ipmi_monitoring_sel_read_sensor_number(c);
		e->sensor_number = v < 0 ? 0 : (unsigned)v;
		snprintf(e->sensor_name, sizeof(e->sensor_name), "%s",
		    name ? name : "");
		v = ipmi_monitoring_sel_read_event_direction(c);
		e->direction = v < 0 ? 0 : v;
		e->offset = ipmi_monitoring_sel_read_event_offset(c);
		snprintf(e->offset_text, sizeof(e->offset_text), "%s",
		    text ? text : "");
		v = ipmi_monitoring_sel_read_event_type_code(c);
		e->event_type = v < 0 ? 0 : (unsigned)v;
		if (ipmi_monitoring_sel_read_event_data(c, &d1, &d2, &d3) == 0) {
			e->data[0] = d1;
			e->data[1] = d2;
			e->data[2] = d3;
		}
	} else if (e->type_class == SEL_OEM_TIMESTAMPED ||
	    e->type_class == SEL_OEM_NON_TIMESTAMPED) {
		v = ipmi_monitoring_sel_read_manufacturer_id(c);
		e->manufacturer = v < 0 ? 0 : (unsigned)v;
		v = ipmi_monitoring_sel_read_oem_data(c, e->oem, sizeof(e->oem));
		e->oem_len = v < 0 ? 0 : (unsigned)v;
	}
}

static void
sel_info(struct fbackend *fb, struct ipmi_sel *sel, char *note, size_t len)
{
	char err[IPMI_ERR_MAX];
	ipmi_ctx_t ctx = fi_open(fb, err, sizeof(err));
	fiid_obj_t rs;
	uint64_t entries = 0, free_space = 0, overflow = 0;

	if (ctx == NULL) {
		snprintf(note, len, "Get SEL Info: %s", err);
		return;
	}
	if ((rs = fiid_obj_create(tmpl_cmd_get_sel_info_rs)) != NULL) {
		if (ipmi_cmd_get_sel_info(ctx, rs) < 0)
			fi_cmd_error(ctx, rs, IPMI_NET_FN_STORAGE_RQ,
			    "Get SEL Info", note, len);
		else if (fiid_obj_get(rs, "entries", &entries) >= 0 &&
		    fiid_obj_get(rs, "free_space", &free_space) >= 0) {
			(void)fiid_obj_get(rs, "overflow_flag", &overflow);
			sel->info_known = true;
			sel->info_entries = (unsigned)entries;
			sel->info_free_bytes = (unsigned)free_space;
			sel->info_overflow = overflow != 0;
		}
		fiid_obj_destroy(rs);
	}
	fi_close(ctx);
}

static int
fb_sel(void *b, struct ipmi_sel *ret, char *err, size_t len)
{
	struct fbackend *fb = b;
	int n;

	memset(ret, 0, sizeof(*ret));
	if (mon_open(fb, err, len) < 0)
		return -1;
	n = ipmi_monitoring_sel_by_record_id(fb->mon, fb->hostname, &fb->mcfg,
	    0, NULL, 0, NULL, NULL);
	if (n < 0 && ipmi_monitoring_ctx_errnum(fb->mon) ==
	    IPMI_MONITORING_ERR_NO_SEL_RECORDS)
		n = 0;
	if (n < 0) {
		mon_error(fb, "SEL", err, len);
		mon_close(fb);
		return -1;
	}
	if (n > 0 && (ret->v = calloc((size_t)n, sizeof(*ret->v))) == NULL) {
		snprintf(err, len, "out of memory");
		mon_close(fb);
		return -1;
	}
	if (n > 0 && ipmi_monitoring_sel_iterator_first(fb->mon) < 0) {
		mon_error(fb, "SEL", err, len);
		ipmi_sel_free(ret);
		mon_close(fb);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		read_sel_one(fb, &ret->v[ret->n++]);
		if (i + 1 < n && ipmi_monitoring_sel_iterator_next(fb->mon) <= 0)
			break;
	}
	mon_close(fb);
	err[0] = '\0';
	sel_info(fb, ret, err, len);	/* err: a note, not an error */
	return 0;
}

/* ------------------------------------------------------------ chassis */

static int
fb_chassis(void *b, struct ipmi_chassis *ret, char *err, size_t len)
{
	struct fbackend *fb = b;
	ipmi_ctx_t ctx = fi_open(fb, err, len);
	fiid_obj_t rs;
	uint64_t v;

	memset(ret, 0, sizeof(*ret));
	ret->restore_policy = 3;
	if (ctx == NULL)
		return -1;
	if ((rs = fiid_obj_create(tmpl_cmd_get_chassis_status_rs)) == NULL) {
		snprintf(err, len, "out of memory");
		fi_close(ctx);
		return -1;
	}
	err[0] = '\0';
	if (ipmi_cmd_get_chassis_status(ctx, rs) < 0) {
		/* the BMC answered: the state is unknown, not an error */
		fi_cmd_error(ctx, rs, IPMI_NET_FN_CHASSIS_RQ,
		    "Get Chassis Status", err, len);
	} else {
		ret->known = true;
		if (fiid_obj_get(rs, "current_power_state.power_is_on", &v) >= 0)
			ret->power_on = v != 0;
		if (fiid_obj_get(rs, "current_power_state.power_overload",
		    &v) >= 0)
			ret->overload = v != 0;
		if (fiid_obj_get(rs, "current_power_state.interlock", &v) >= 0)
			ret->interlock = v != 0;
		if (fiid_obj_get(rs, "current_power_state.power_fault", &v) >= 0)
			ret->power_fault = v != 0;
		if (fiid_obj_get(rs, "current_power_state.power_control_fault",
		    &v) >= 0)
			ret->control_fault = v != 0;
		if (fiid_obj_get(rs, "current_power_state.power_restore_policy",
		    &v) >= 0)
			ret->restore_policy = (int)v;
	}
	fiid_obj_destroy(rs);
	fi_close(ctx);
	return 0;
}

static int
fb_power(void *b, int control, char *err, size_t len)
{
	struct fbackend *fb = b;
	ipmi_ctx_t ctx = fi_open(fb, err, len);
	fiid_obj_t rs;
	int r = POWER_DONE;

	if (ctx == NULL)
		return POWER_UNREACHABLE;
	if ((rs = fiid_obj_create(tmpl_cmd_chassis_control_rs)) == NULL) {
		snprintf(err, len, "out of memory");
		fi_close(ctx);
		return POWER_UNREACHABLE;
	}
	if (ipmi_cmd_chassis_control(ctx, (uint8_t)control, rs) < 0) {
		switch (ipmi_ctx_errnum(ctx)) {
		case IPMI_ERR_BAD_COMPLETION_CODE:
		case IPMI_ERR_PRIVILEGE_LEVEL_INSUFFICIENT:
		case IPMI_ERR_COMMAND_INVALID_OR_UNSUPPORTED:
		case IPMI_ERR_COMMAND_INVALID_FOR_SELECTED_INTERFACE:
			r = POWER_REFUSED;
			break;
		default:
			r = POWER_UNREACHABLE;
			break;
		}
		fi_cmd_error(ctx, rs, IPMI_NET_FN_CHASSIS_RQ, "Chassis Control",
		    err, len);
	}
	fiid_obj_destroy(rs);
	fi_close(ctx);
	return r;
}

const struct ipmi_backend ipmi_freeipmi_backend = {
	.open = fb_open,
	.close = fb_close,
	.sensors = fb_sensors,
	.sel = fb_sel,
	.chassis = fb_chassis,
	.power = fb_power,
};
