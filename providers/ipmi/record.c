/*
 * record.c: readings as text (ipmi.h, "recorded readings"): the worker
 * logs what a BMC answered in this form at debug level, and the unit
 * tests read the files of tests/data/ipmi in it.  Lines starting with '#'
 * and blank lines are skipped; fields are '|'-separated key=value pairs.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipmi.h"

static const char *const thr_keys[THR_COUNT] = {
	[THR_LNC] = "lnc", [THR_LC] = "lc", [THR_LNR] = "lnr",
	[THR_UNC] = "unc", [THR_UC] = "uc", [THR_UNR] = "unr",
};

/* ------------------------------------------------------------ writing */

struct out {
	char	*buf;
	size_t	 len, n;
};

static void
put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (o->n >= o->len)
		return;
	va_start(ap, fmt);
	r = vsnprintf(o->buf + o->n, o->len - o->n, fmt, ap);
	va_end(ap);
	if (r > 0)
		o->n += (size_t)r;
}

/* a text without the separators */
static void
put_text(struct out *o, const char *key, const char *s)
{
	put(o, "|%s=", key);
	for (; *s != '\0'; s++)
		put(o, "%c", *s == '|' || *s == ';' || *s == '\n' ? ' ' : *s);
}

void
ipmi_record_sensor(const struct ipmi_sensor *s, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };

	buf[0] = '\0';
	put(&o, "sensor|rec=%u|num=%u|type=0x%02X", s->record_id, s->number,
	    s->type);
	put_text(&o, "name", s->name);
	put(&o, "|state=%d|units=%d|reading=", s->state, s->units);
	if (s->has_reading)
		put(&o, "%.17g", s->reading);
	put(&o, "|bmtype=%d|bitmask=0x%X|strings=", s->bitmask_type,
	    s->bitmask);
	for (unsigned i = 0; i < s->nstrings; i++) {
		put(&o, "%s", i ? ";" : "");
		for (const char *p = s->strings[i]; *p; p++)
			put(&o, "%c", *p == '|' || *p == ';' ? ' ' : *p);
	}
	put(&o, "|ert=0x%02X", s->ert);
	if (!s->sdr_known)
		return;
	put(&o, "|sdr=1|base=%u|rate=%u|pct=%d|m=%d|b=%d|bexp=%d|rexp=%d|lin=%u",
	    s->base_unit, s->rate_unit, s->percentage ? 1 : 0, s->m, s->b,
	    s->b_exp, s->r_exp, s->linearization);
	for (int t = 0; t < THR_COUNT; t++)
		if (s->thr_readable & (1u << t))
			put(&o, "|%s=%.17g", thr_keys[t], s->thr[t]);
	if (s->thr_readable)
		put(&o, "|thrsrc=%s", s->thr_from_bmc ? "bmc" : "sdr");
	if (s->ranges & RANGE_NOMINAL)
		put(&o, "|nominal=%.17g", s->nominal);
	if (s->ranges & RANGE_NORMAL_MAX)
		put(&o, "|normalmax=%.17g", s->normal_max);
	if (s->ranges & RANGE_NORMAL_MIN)
		put(&o, "|normalmin=%.17g", s->normal_min);
	if (s->ranges & RANGE_MAX)
		put(&o, "|max=%.17g", s->max_readable);
	if (s->ranges & RANGE_MIN)
		put(&o, "|min=%.17g", s->min_readable);
}

void
ipmi_record_sel(const struct ipmi_sel_entry *e, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };

	buf[0] = '\0';
	put(&o, "sel|rec=%u|rtype=0x%02X|class=%d|state=%d|ts=", e->record_id,
	    e->record_type, e->type_class, e->state);
	if (e->has_timestamp)
		put(&o, "0x%08X", e->timestamp);
	put(&o, "|stype=0x%02X|snum=%u", e->sensor_type, e->sensor_number);
	put_text(&o, "sname", e->sensor_name);
	put(&o, "|dir=%d|offset=%d", e->direction, e->offset);
	put_text(&o, "text", e->offset_text);
	put(&o, "|ert=0x%02X|data=0x%02X,0x%02X,0x%02X|mfg=%u|oem=",
	    e->event_type, e->data[0], e->data[1], e->data[2], e->manufacturer);
	for (unsigned i = 0; i < e->oem_len; i++)
		put(&o, "%s0x%02X", i ? "," : "", e->oem[i]);
}

/* ------------------------------------------------------------ reading */

struct field {
	const char	*key;
	const char	*val;	/* NUL-terminated inside the line copy */
};

#define MAX_FIELDS	48

static size_t
split(char *line, struct field *f, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *tok = strtok_r(line, "|", &save); tok != NULL && n < max;
	    tok = strtok_r(NULL, "|", &save)) {
		char *eq = strchr(tok, '=');

		f[n].key = tok;
		f[n].val = "";
		if (eq != NULL) {
			*eq = '\0';
			f[n].val = eq + 1;
		}
		n++;
	}
	return n;
}

static bool
num(const char *v, long *ret)
{
	char *end;

	errno = 0;
	*ret = strtol(v, &end, 0);
	return v[0] != '\0' && *end == '\0' && errno == 0;
}

static bool
real(const char *v, double *ret)
{
	char *end;

	*ret = strtod(v, &end);
	return v[0] != '\0' && *end == '\0' && !isnan(*ret);
}

static int
bad(char *err, size_t errlen, int line, const char *what, const char *v)
{
	snprintf(err, errlen, "line %d: bad %s: %s", line, what, v);
	return -EINVAL;
}

static int
parse_sensor(struct field *f, size_t nf, struct ipmi_sensor *s, int line,
    char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->type = IPMI_TYPE_UNKNOWN;
	s->state = 3;
	s->bitmask_type = 0xFF;
	for (size_t i = 1; i < nf; i++) {
		const char *k = f[i].key, *v = f[i].val;
		long l = 0;
		double d = 0;
		bool ok = true;

		if (strcmp(k, "name") == 0)
			snprintf(s->name, sizeof(s->name), "%s", v);
		else if (strcmp(k, "reading") == 0) {
			if (v[0] != '\0') {
				ok = real(v, &s->reading);
				s->has_reading = ok;
			}
		} else if (strcmp(k, "strings") == 0) {
			char *copy = strdup(v), *save = NULL;

			if (copy == NULL)
				return -ENOMEM;
			for (char *t = strtok_r(copy, ";", &save); t != NULL &&
			    s->nstrings < IPMI_MAX_STRINGS;
			    t = strtok_r(NULL, ";", &save))
				snprintf(s->strings[s->nstrings++],
				    IPMI_NAME_MAX, "%s", t);
			free(copy);
		} else if (strcmp(k, "thrsrc") == 0) {
			s->thr_from_bmc = strcmp(v, "bmc") == 0;
		} else {
			bool is_real = false;
			int t;

			for (t = 0; t < THR_COUNT; t++)
				if (strcmp(k, thr_keys[t]) == 0)
					break;
			is_real = t < THR_COUNT || strcmp(k, "nominal") == 0 ||
			    strcmp(k, "normalmax") == 0 ||
			    strcmp(k, "normalmin") == 0 ||
			    strcmp(k, "max") == 0 || strcmp(k, "min") == 0;
			if (is_real)
				ok = real(v, &d);
			else
				ok = num(v, &l);
			if (!ok)
				return bad(err, errlen, line, k, v);
			if (t < THR_COUNT) {
				s->thr[t] = d;
				s->thr_readable |= 1u << t;
			} else if (strcmp(k, "nominal") == 0) {
				s->nominal = d, s->ranges |= RANGE_NOMINAL;
			} else if (strcmp(k, "normalmax") == 0) {
				s->normal_max = d, s->ranges |= RANGE_NORMAL_MAX;
			} else if (strcmp(k, "normalmin") == 0) {
				s->normal_min = d, s->ranges |= RANGE_NORMAL_MIN;
			} else if (strcmp(k, "max") == 0) {
				s->max_readable = d, s->ranges |= RANGE_MAX;
			} else if (strcmp(k, "min") == 0) {
				s->min_readable = d, s->ranges |= RANGE_MIN;
			} else if (strcmp(k, "rec") == 0)
				s->record_id = (unsigned)l;
			else if (strcmp(k, "num") == 0)
				s->number = (unsigned)l;
			else if (strcmp(k, "type") == 0)
				s->type = (unsigned)l;
			else if (strcmp(k, "state") == 0)
				s->state = (int)l;
			else if (strcmp(k, "units") == 0)
				s->units = (int)l;
			else if (strcmp(k, "bmtype") == 0)
				s->bitmask_type = (int)l;
			else if (strcmp(k, "bitmask") == 0)
				s->bitmask = (unsigned)l;
			else if (strcmp(k, "ert") == 0)
				s->ert = (unsigned)l;
			else if (strcmp(k, "sdr") == 0)
				s->sdr_known = l != 0;
			else if (strcmp(k, "base") == 0)
				s->base_unit = (unsigned)l;
			else if (strcmp(k, "rate") == 0)
				s->rate_unit = (unsigned)l;
			else if (strcmp(k, "pct") == 0)
				s->percentage = l != 0;
			else if (strcmp(k, "m") == 0)
				s->m = (int)l;
			else if (strcmp(k, "b") == 0)
				s->b = (int)l;
			else if (strcmp(k, "bexp") == 0)
				s->b_exp = (int)l;
			else if (strcmp(k, "rexp") == 0)
				s->r_exp = (int)l;
			else if (strcmp(k, "lin") == 0)
				s->linearization = (unsigned)l;
		}
		if (!ok)
			return bad(err, errlen, line, k, v);
	}
	return 0;
}

static int
parse_bytes(const char *v, unsigned *out, size_t max, size_t *n)
{
	char *copy = strdup(v), *save = NULL;

	if (copy == NULL)
		return -ENOMEM;
	*n = 0;
	for (char *t = strtok_r(copy, ",", &save); t != NULL && *n < max;
	    t = strtok_r(NULL, ",", &save)) {
		long l;

		if (!num(t, &l) || l < 0 || l > 255) {
			free(copy);
			return -EINVAL;
		}
		out[(*n)++] = (unsigned)l;
	}
	free(copy);
	return 0;
}

static int
parse_sel(struct field *f, size_t nf, struct ipmi_sel_entry *e, int line,
    char *err, size_t errlen)
{
	memset(e, 0, sizeof(*e));
	e->offset = -1;
	e->state = 3;
	for (size_t i = 1; i < nf; i++) {
		const char *k = f[i].key, *v = f[i].val;
		long l = 0;

		if (strcmp(k, "sname") == 0) {
			snprintf(e->sensor_name, sizeof(e->sensor_name), "%s", v);
			continue;
		}
		if (strcmp(k, "text") == 0) {
			snprintf(e->offset_text, sizeof(e->offset_text), "%s", v);
			continue;
		}
		if (strcmp(k, "data") == 0 || strcmp(k, "oem") == 0) {
			unsigned b[16];
			size_t n;

			if (parse_bytes(v, b, strcmp(k, "data") == 0 ? 3 : 16,
			    &n) < 0)
				return bad(err, errlen, line, k, v);
			if (strcmp(k, "data") == 0)
				for (size_t j = 0; j < n; j++)
					e->data[j] = b[j];
			else {
				for (size_t j = 0; j < n; j++)
					e->oem[j] = (uint8_t)b[j];
				e->oem_len = (unsigned)n;
			}
			continue;
		}
		if (strcmp(k, "ts") == 0 && v[0] == '\0')
			continue;
		if (strcmp(k, "mfg") == 0 && v[0] == '\0')
			continue;
		if (!num(v, &l))
			return bad(err, errlen, line, k, v);
		if (strcmp(k, "rec") == 0)
			e->record_id = (unsigned)l;
		else if (strcmp(k, "rtype") == 0)
			e->record_type = (unsigned)l;
		else if (strcmp(k, "class") == 0)
			e->type_class = (int)l;
		else if (strcmp(k, "state") == 0)
			e->state = (int)l;
		else if (strcmp(k, "ts") == 0) {
			e->timestamp = (uint32_t)(unsigned long)l;
			e->has_timestamp = true;
		} else if (strcmp(k, "stype") == 0)
			e->sensor_type = (unsigned)l;
		else if (strcmp(k, "snum") == 0)
			e->sensor_number = (unsigned)l;
		else if (strcmp(k, "dir") == 0)
			e->direction = (int)l;
		else if (strcmp(k, "offset") == 0)
			e->offset = (int)l;
		else if (strcmp(k, "ert") == 0)
			e->event_type = (unsigned)l;
		else if (strcmp(k, "mfg") == 0)
			e->manufacturer = (unsigned)l;
	}
	return 0;
}

static int
parse_kv_uint(struct field *f, size_t nf, const char *key, long *ret)
{
	for (size_t i = 1; i < nf; i++)
		if (strcmp(f[i].key, key) == 0)
			return num(f[i].val, ret) ? 1 : -1;
	return 0;
}

/* room for one more element (recordings are small) */
static void *
grow(void *v, size_t n, size_t size)
{
	return reallocarray(v, n + 1, size);
}

int
ipmi_record_parse(const char *text, struct ipmi_sensors *sensors,
    struct ipmi_sel *sel, struct ipmi_chassis *chassis, char *err,
    size_t errlen)
{
	char *copy = strdup(text), *save = NULL;
	int line = 0, r = 0;

	if (copy == NULL)
		return -ENOMEM;
	err[0] = '\0';
	for (char *l = strtok_r(copy, "\n", &save); l != NULL && r == 0;
	    l = strtok_r(NULL, "\n", &save)) {
		struct field f[MAX_FIELDS];
		size_t nf;

		line++;
		while (*l == ' ' || *l == '\t')
			l++;
		if (*l == '\0' || *l == '#')
			continue;
		nf = split(l, f, MAX_FIELDS);
		if (strcmp(f[0].key, "sensor") == 0 && sensors != NULL) {
			struct ipmi_sensor *v = grow(sensors->v, sensors->n,
			    sizeof(*v));

			if (v == NULL) {
				r = -ENOMEM;
				break;
			}
			sensors->v = v;
			r = parse_sensor(f, nf, &v[sensors->n], line, err,
			    errlen);
			if (r == 0)
				sensors->n++;
		} else if (strcmp(f[0].key, "sel") == 0 && sel != NULL) {
			struct ipmi_sel_entry *v = grow(sel->v, sel->n,
			    sizeof(*v));

			if (v == NULL) {
				r = -ENOMEM;
				break;
			}
			sel->v = v;
			r = parse_sel(f, nf, &v[sel->n], line, err, errlen);
			if (r == 0)
				sel->n++;
		} else if (strcmp(f[0].key, "selinfo") == 0 && sel != NULL) {
			long e = 0, fr = 0, ov = 0;

			if (parse_kv_uint(f, nf, "entries", &e) < 0 ||
			    parse_kv_uint(f, nf, "free", &fr) < 0 ||
			    parse_kv_uint(f, nf, "overflow", &ov) < 0)
				r = bad(err, errlen, line, "selinfo", "");
			sel->info_known = true;
			sel->info_entries = (unsigned)e;
			sel->info_free_bytes = (unsigned)fr;
			sel->info_overflow = ov != 0;
		} else if (strcmp(f[0].key, "chassis") == 0 && chassis != NULL) {
			static const char *const keys[] = { "known", "power",
			    "overload", "interlock", "fault", "control",
			    "policy" };
			long v[7] = { 1, 0, 0, 0, 0, 0, 3 };

			for (size_t k = 0; k < 7 && r == 0; k++)
				if (parse_kv_uint(f, nf, keys[k], &v[k]) < 0)
					r = bad(err, errlen, line, keys[k], "");
			chassis->known = v[0] != 0;
			chassis->power_on = v[1] != 0;
			chassis->overload = v[2] != 0;
			chassis->interlock = v[3] != 0;
			chassis->power_fault = v[4] != 0;
			chassis->control_fault = v[5] != 0;
			chassis->restore_policy = (int)v[6];
		} else if (strcmp(f[0].key, "sensor") != 0 &&
		    strcmp(f[0].key, "sel") != 0 &&
		    strcmp(f[0].key, "selinfo") != 0 &&
		    strcmp(f[0].key, "chassis") != 0) {
			r = bad(err, errlen, line, "record kind", f[0].key);
		}
	}
	free(copy);
	return r;
}
