/*
 * instance.c: instances (a typed value per property of a table) and the
 * members of cim_services that set and read values.  Providers' setters are
 * forgiving: a value of another kind is converted when that is lossless,
 * else logged and left NULL; a bad property index is logged and ignored.
 * Nothing here knows XML.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cim_value.h"

#define ARRAY_MAX	65536	/* values in one array property */

struct cim_instance *
inst_new(const struct cim_property *props, size_t nprops)
{
	struct cim_instance *i = calloc(1, sizeof(*i));

	if (i == NULL)
		return NULL;
	i->props = props;
	i->nprops = nprops;
	if (nprops > 0 && (i->vals = calloc(nprops, sizeof(*i->vals))) == NULL) {
		free(i);
		return NULL;
	}
	return i;
}

static void
val_clear(enum cim_type t, struct cim_val *v)
{
	if (v->set)
		cim_scalar_done(t, &v->v);
	for (uint32_t k = 0; k < v->n; k++)
		cim_scalar_done(t, &v->a[k]);
	free(v->a);
	memset(v, 0, sizeof(*v));
}

void
inst_free(struct cim_instance *i)
{
	if (i == NULL)
		return;
	for (size_t k = 0; k < i->nprops; k++)
		val_clear(i->props[k].type, &i->vals[k]);
	free(i->vals);
	free(i);
}

void
inst_free_list(struct cim_instance *head)
{
	while (head != NULL) {
		struct cim_instance *next = head->next;

		inst_free(head);
		head = next;
	}
}

static int
scalar_copy(enum cim_type t, union cim_scalar *dst, const union cim_scalar *src)
{
	*dst = *src;
	if (t == CIM_STRING && src->str != NULL &&
	    (dst->str = strdup(src->str)) == NULL)
		return -ENOMEM;
	return 0;
}

static bool
index_ok(const struct cim_instance *i, size_t prop)
{
	if (i == NULL)
		return false;
	if (prop >= i->nprops) {
		if (i->host != NULL)
			i->host->log(WINRMD_LOG_ERR, "cim: a provider used "
			    "property %zu of a table of %zu", prop, i->nprops);
		return false;
	}
	return true;
}

int
inst_set(struct cim_instance *i, size_t prop, const union cim_scalar *v)
{
	struct cim_val *cv;
	union cim_scalar copy;

	if (!index_ok(i, prop))
		return -EINVAL;
	if (i->props[prop].flags & CIM_ARRAY)
		return inst_add(i, prop, v);
	if (scalar_copy(i->props[prop].type, &copy, v) < 0)
		return -ENOMEM;
	cv = &i->vals[prop];
	val_clear(i->props[prop].type, cv);
	cv->v = copy;
	cv->set = true;
	return 0;
}

int
inst_add(struct cim_instance *i, size_t prop, const union cim_scalar *v)
{
	struct cim_val *cv;
	enum cim_type t;

	if (!index_ok(i, prop))
		return -EINVAL;
	t = i->props[prop].type;
	cv = &i->vals[prop];
	if (!(i->props[prop].flags & CIM_ARRAY)) {
		union cim_scalar copy;

		/* add_* on a scalar: it is the value */
		if (scalar_copy(t, &copy, v) < 0)
			return -ENOMEM;
		val_clear(t, cv);
		cv->v = copy;
		cv->set = true;
		return 0;
	}
	if (cv->n >= ARRAY_MAX) {
		if (i->host != NULL)
			i->host->log(WINRMD_LOG_WARNING, "cim: array %s is full "
			    "(%d values)", i->props[prop].name, ARRAY_MAX);
		return -E2BIG;
	}
	if (cv->n == cv->cap) {
		uint32_t cap = cv->cap ? cv->cap * 2 : 4;
		union cim_scalar *a = reallocarray(cv->a, cap, sizeof(*a));

		if (a == NULL)
			return -ENOMEM;
		cv->a = a;
		cv->cap = cap;
	}
	if (scalar_copy(t, &cv->a[cv->n], v) < 0)
		return -ENOMEM;
	cv->n++;
	cv->set = false;	/* arrays: set means nothing, n counts */
	return 0;
}

void
inst_set_null(struct cim_instance *i, size_t prop)
{
	if (index_ok(i, prop))
		val_clear(i->props[prop].type, &i->vals[prop]);
}

int
inst_set_text(struct cim_instance *i, size_t prop, const char *text)
{
	union cim_scalar v;
	int r;

	if (!index_ok(i, prop))
		return -EINVAL;
	if (text == NULL) {
		inst_set_null(i, prop);
		return 0;
	}
	if ((r = cim_value_parse(i->props[prop].type, text, &v)) < 0)
		return r;
	/* hand the parsed value over without copying it again */
	if (i->props[prop].flags & CIM_ARRAY) {
		r = inst_add(i, prop, &v);
	} else {
		val_clear(i->props[prop].type, &i->vals[prop]);
		i->vals[prop].v = v;
		i->vals[prop].set = true;
		return 0;
	}
	cim_scalar_done(i->props[prop].type, &v);
	return r;
}

int
inst_add_text(struct cim_instance *i, size_t prop, const char *text)
{
	union cim_scalar v;
	int r;

	if (!index_ok(i, prop))
		return -EINVAL;
	if ((r = cim_value_parse(i->props[prop].type, text, &v)) < 0)
		return r;
	r = inst_add(i, prop, &v);
	cim_scalar_done(i->props[prop].type, &v);
	return r;
}

ssize_t
props_find(const struct cim_property *props, size_t n, const char *name)
{
	for (size_t k = 0; k < n; k++)
		if (strcasecmp(props[k].name, name) == 0)
			return (ssize_t)k;
	return -1;
}

bool
inst_match_keys(const struct cim_instance *i, const struct cim_instance *keys)
{
	if (i->props != keys->props)
		return false;
	for (size_t k = 0; k < i->nprops; k++) {
		const struct cim_val *a = &i->vals[k], *b = &keys->vals[k];

		if (!(i->props[k].flags & CIM_KEY))
			continue;
		if (a->set != b->set)
			return false;
		if (a->set && !cim_value_equal(i->props[k].type, &a->v, &b->v))
			return false;
	}
	return true;
}

bool
inst_keys_empty(const struct cim_instance *keys)
{
	for (size_t k = 0; k < keys->nprops; k++)
		if ((keys->props[k].flags & CIM_KEY) && keys->vals[k].set)
			return false;
	return true;
}

void
inst_keep_only(struct cim_instance *i, const bool *keep)
{
	if (keep == NULL)
		return;
	for (size_t k = 0; k < i->nprops; k++)
		if (!keep[k] && !(i->props[k].flags & CIM_KEY))
			val_clear(i->props[k].type, &i->vals[k]);
}

/* ------------------------------------------------- provider setters */

static void
bad_value(const struct cim_instance *i, size_t prop, const char *what)
{
	if (i->host == NULL)
		return;
	i->host->log(WINRMD_LOG_WARNING, "cim: a provider set %s on property "
	    "%s (CIM type %d%s): left NULL", what, i->props[prop].name,
	    i->props[prop].type, (i->props[prop].flags & CIM_ARRAY) ?
	    ", array" : "");
}

/* an integer (signed when is_signed) into the property's type */
static void
put_int(struct cim_instance *i, size_t prop, bool is_signed, uint64_t raw,
    bool append)
{
	enum cim_type t;
	union cim_scalar v = { 0 };
	char buf[32];
	int64_t s = (int64_t)raw;

	if (!index_ok(i, prop))
		return;
	t = i->props[prop].type;
	switch (t) {
	case CIM_BOOLEAN:
		v.b = raw != 0;
		break;
	case CIM_SINT8: case CIM_SINT16: case CIM_SINT32: case CIM_SINT64:
		if ((!is_signed && raw > INT64_MAX) ||
		    !cim_type_in_range(t, true, raw)) {
			bad_value(i, prop, "an out-of-range integer");
			return;
		}
		v.s = s;
		break;
	case CIM_UINT8: case CIM_UINT16: case CIM_UINT32: case CIM_UINT64:
	case CIM_CHAR16: case CIM_INTERVAL:
		if ((is_signed && s < 0) || !cim_type_in_range(t, false, raw)) {
			bad_value(i, prop, "an out-of-range integer");
			return;
		}
		v.u = raw;
		break;
	case CIM_REAL32: case CIM_REAL64:
		v.r = is_signed ? (double)s : (double)raw;
		break;
	case CIM_STRING:
		if (is_signed)
			snprintf(buf, sizeof(buf), "%" PRId64, s);
		else
			snprintf(buf, sizeof(buf), "%" PRIu64, raw);
		v.str = buf;
		break;
	case CIM_DATETIME:
		v.dt.sec = s;
		break;
	}
	if (append)
		inst_add(i, prop, &v);
	else
		inst_set(i, prop, &v);
}

static void
s_set_bool(struct cim_instance *i, size_t prop, bool b)
{
	if (index_ok(i, prop) && i->props[prop].type == CIM_STRING) {
		union cim_scalar v = { .str = (char *)(b ? "true" : "false") };

		inst_set(i, prop, &v);
		return;
	}
	put_int(i, prop, false, b, false);
}

static void
s_set_sint(struct cim_instance *i, size_t prop, int64_t v)
{
	put_int(i, prop, true, (uint64_t)v, false);
}

static void
s_set_uint(struct cim_instance *i, size_t prop, uint64_t v)
{
	put_int(i, prop, false, v, false);
}

static void
s_add_sint(struct cim_instance *i, size_t prop, int64_t v)
{
	put_int(i, prop, true, (uint64_t)v, true);
}

static void
s_add_uint(struct cim_instance *i, size_t prop, uint64_t v)
{
	put_int(i, prop, false, v, true);
}

static void
s_set_real(struct cim_instance *i, size_t prop, double d)
{
	union cim_scalar v = { 0 };

	if (!index_ok(i, prop))
		return;
	switch (i->props[prop].type) {
	case CIM_REAL32:
	case CIM_REAL64:
		v.r = d;
		inst_set(i, prop, &v);
		return;
	case CIM_STRING: {
		char buf[64];

		v.r = d;
		v.str = (char *)cim_value_text(CIM_REAL64, &v, buf, sizeof(buf));
		inst_set(i, prop, &v);
		return;
	}
	default:
		if (d >= 0 && d < 18446744073709551616.0 && d == (double)(uint64_t)d)
			put_int(i, prop, false, (uint64_t)d, false);
		else if (d < 0 && d >= -9223372036854775808.0 &&
		    d == (double)(int64_t)d)
			put_int(i, prop, true, (uint64_t)(int64_t)d, false);
		else
			bad_value(i, prop, "a real");
	}
}

static void
put_string(struct cim_instance *i, size_t prop, const char *s, bool append)
{
	int r;

	if (!index_ok(i, prop))
		return;
	if (s == NULL) {
		if (!append)
			inst_set_null(i, prop);
		return;
	}
	if (i->props[prop].type == CIM_STRING) {
		union cim_scalar v = { .str = (char *)s };

		r = append ? inst_add(i, prop, &v) : inst_set(i, prop, &v);
	} else
		r = append ? inst_add_text(i, prop, s) : inst_set_text(i, prop, s);
	if (r == -EINVAL)
		bad_value(i, prop, "a string that does not parse");
}

static void
s_set_string(struct cim_instance *i, size_t prop, const char *s)
{
	put_string(i, prop, s, false);
}

static void
s_add_string(struct cim_instance *i, size_t prop, const char *s)
{
	put_string(i, prop, s, true);
}

static void
s_set_datetime(struct cim_instance *i, size_t prop, time_t sec, long usec)
{
	union cim_scalar v = { 0 };

	if (!index_ok(i, prop))
		return;
	if (i->props[prop].type != CIM_DATETIME) {
		bad_value(i, prop, "a datetime");
		return;
	}
	if (usec < 0 || usec > 999999) {
		sec += usec / 1000000;
		usec %= 1000000;
		if (usec < 0) {
			usec += 1000000;
			sec--;
		}
	}
	v.dt.sec = (int64_t)sec;
	v.dt.usec = (int32_t)usec;
	inst_set(i, prop, &v);
}

static void
s_set_interval(struct cim_instance *i, size_t prop, uint64_t usec)
{
	union cim_scalar v = { .u = usec };

	if (!index_ok(i, prop))
		return;
	if (i->props[prop].type != CIM_INTERVAL) {
		bad_value(i, prop, "an interval");
		return;
	}
	inst_set(i, prop, &v);
}

/* -------------------------------------------------- provider getters */

static bool
s_is_null(const struct cim_instance *i, size_t prop)
{
	if (i == NULL || prop >= i->nprops)
		return true;
	if (i->props[prop].flags & CIM_ARRAY)
		return i->vals[prop].n == 0;
	return !i->vals[prop].set;
}

static const union cim_scalar *
scalar_of(const struct cim_instance *i, size_t prop)
{
	const struct cim_val *v;

	if (i == NULL || prop >= i->nprops)
		return NULL;
	v = &i->vals[prop];
	if (i->props[prop].flags & CIM_ARRAY)
		return v->n > 0 ? &v->a[0] : NULL;
	return v->set ? &v->v : NULL;
}

static const char *
s_get_string(const struct cim_instance *i, size_t prop)
{
	const union cim_scalar *v = scalar_of(i, prop);

	if (v == NULL || i->props[prop].type != CIM_STRING)
		return NULL;
	return v->str;
}

static bool
s_get_uint(const struct cim_instance *i, size_t prop, uint64_t *ret)
{
	const union cim_scalar *v = scalar_of(i, prop);
	enum cim_type t;

	if (v == NULL)
		return false;
	t = i->props[prop].type;
	if (cim_type_is_unsigned(t) || t == CIM_CHAR16 || t == CIM_INTERVAL) {
		*ret = v->u;
		return true;
	}
	if (cim_type_is_signed(t) && v->s >= 0) {
		*ret = (uint64_t)v->s;
		return true;
	}
	if (t == CIM_BOOLEAN) {
		*ret = v->b;
		return true;
	}
	return false;
}

static bool
s_get_sint(const struct cim_instance *i, size_t prop, int64_t *ret)
{
	const union cim_scalar *v = scalar_of(i, prop);
	enum cim_type t;

	if (v == NULL)
		return false;
	t = i->props[prop].type;
	if (cim_type_is_signed(t)) {
		*ret = v->s;
		return true;
	}
	if ((cim_type_is_unsigned(t) || t == CIM_CHAR16 || t == CIM_INTERVAL) &&
	    v->u <= INT64_MAX) {
		*ret = (int64_t)v->u;
		return true;
	}
	if (t == CIM_DATETIME) {
		*ret = v->dt.sec;
		return true;
	}
	if (t == CIM_BOOLEAN) {
		*ret = v->b;
		return true;
	}
	return false;
}

static bool
s_get_bool(const struct cim_instance *i, size_t prop, bool *ret)
{
	const union cim_scalar *v = scalar_of(i, prop);

	if (v == NULL || i->props[prop].type != CIM_BOOLEAN)
		return false;
	*ret = v->b;
	return true;
}

static void
s_set_return(struct cim_instance *out, uint32_t value)
{
	if (out == NULL)
		return;
	out->has_ret = true;
	out->ret = value;
}

void
inst_services(struct cim_services *svc)
{
	svc->set_return = s_set_return;
	svc->set_bool = s_set_bool;
	svc->set_sint = s_set_sint;
	svc->set_uint = s_set_uint;
	svc->set_real = s_set_real;
	svc->set_string = s_set_string;
	svc->set_datetime = s_set_datetime;
	svc->set_interval = s_set_interval;
	svc->add_string = s_add_string;
	svc->add_uint = s_add_uint;
	svc->add_sint = s_add_sint;
	svc->is_null = s_is_null;
	svc->get_string = s_get_string;
	svc->get_uint = s_get_uint;
	svc->get_sint = s_get_sint;
	svc->get_bool = s_get_bool;
}
