/*
 * clixml.c: the CLIXML value tree (clixml.h): builders, reference
 * counting, accessors, and PowerShell's _xHHHH_ string escaping in both
 * directions.  Reading and writing XML are clixml_read.c and
 * clixml_write.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "text.h"
#include "clixml.h"
#include "clixml_tree.h"

const struct clixml_limits clixml_default_limits = {
	.max_bytes = 16 * 1024 * 1024,
	.max_depth = 64,
	.max_nodes = 1000000,
};

static struct clixml_value *
value_new(enum clixml_type type)
{
	struct clixml_value *v = calloc(1, sizeof(*v));

	if (v != NULL) {
		v->v_type = type;
		v->v_refs = 1;
	}
	return v;
}

static bool
is_text_type(enum clixml_type t)
{
	switch (t) {
	case CLIXML_DECIMAL:
	case CLIXML_STRING:
	case CLIXML_DATETIME:
	case CLIXML_DURATION:
	case CLIXML_BYTES:
	case CLIXML_VERSION:
	case CLIXML_URI:
	case CLIXML_XMLDOC:
	case CLIXML_SCRIPTBLOCK:
	case CLIXML_SECURESTRING:
		return true;
	default:
		return false;
	}
}

struct clixml_value *
clixml_new_nil(void)
{
	return value_new(CLIXML_NIL);
}

struct clixml_value *
clixml_new_bool(bool b)
{
	struct clixml_value *v = value_new(CLIXML_BOOL);

	if (v != NULL)
		v->v.b = b;
	return v;
}

struct clixml_value *
clixml_new_char(uint16_t c)
{
	struct clixml_value *v = value_new(CLIXML_CHAR);

	if (v != NULL)
		v->v.u = c;
	return v;
}

struct clixml_value *
clixml_new_int(enum clixml_type type, int64_t i)
{
	struct clixml_value *v;

	if (type != CLIXML_I8 && type != CLIXML_I16 && type != CLIXML_I32 &&
	    type != CLIXML_I64)
		return NULL;
	if ((v = value_new(type)) != NULL)
		v->v.i = i;
	return v;
}

struct clixml_value *
clixml_new_uint(enum clixml_type type, uint64_t u)
{
	struct clixml_value *v;

	if (type != CLIXML_U8 && type != CLIXML_U16 && type != CLIXML_U32 &&
	    type != CLIXML_U64)
		return NULL;
	if ((v = value_new(type)) != NULL)
		v->v.u = u;
	return v;
}

struct clixml_value *
clixml_new_i32(int32_t i)
{
	return clixml_new_int(CLIXML_I32, i);
}

struct clixml_value *
clixml_new_i64(int64_t i)
{
	return clixml_new_int(CLIXML_I64, i);
}

struct clixml_value *
clixml_new_double(enum clixml_type type, double d)
{
	struct clixml_value *v;

	if (type != CLIXML_FLOAT && type != CLIXML_DOUBLE)
		return NULL;
	if ((v = value_new(type)) != NULL)
		v->v.d = type == CLIXML_FLOAT ? (double)(float)d : d;
	return v;
}

static struct clixml_value *
text_new(enum clixml_type type, const char *s, size_t len)
{
	struct clixml_value *v;

	if ((v = value_new(type)) == NULL)
		return NULL;
	if ((v->v.str.s = malloc(len + 1)) == NULL) {
		free(v);
		return NULL;
	}
	if (len > 0)
		memcpy(v->v.str.s, s, len);
	v->v.str.s[len] = '\0';
	v->v.str.len = len;
	return v;
}

struct clixml_value *
clixml_new_string(const char *s)
{
	if (s == NULL)
		return clixml_new_nil();
	return text_new(CLIXML_STRING, s, strlen(s));
}

struct clixml_value *
clixml_new_stringn(const char *s, size_t len)
{
	if (s == NULL)
		return clixml_new_nil();
	return text_new(CLIXML_STRING, s, len);
}

struct clixml_value *
clixml_new_text(enum clixml_type type, const char *s)
{
	if (!is_text_type(type) || type == CLIXML_BYTES || s == NULL)
		return NULL;
	return text_new(type, s, strlen(s));
}

struct clixml_value *
clixml_new_guid(const uint8_t guid[16])
{
	struct clixml_value *v = value_new(CLIXML_GUID);

	if (v != NULL)
		memcpy(v->v.guid, guid, 16);
	return v;
}

struct clixml_value *
clixml_new_bytes(const void *p, size_t len)
{
	return text_new(CLIXML_BYTES, p, len);
}

struct clixml_value *
clixml_new_datetime(int64_t sec, long nsec, bool utc, int utc_offset_min)
{
	char buf[64], zone[8];
	time_t t;
	struct tm tm;
	int off = utc ? 0 : utc_offset_min;

	if (nsec < 0 || nsec > 999999999 || off < -14 * 60 || off > 14 * 60)
		return NULL;
	t = (time_t)(sec + (int64_t)off * 60);
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 < 1 ||
	    tm.tm_year + 1900 > 9999)
		return NULL;
	if (utc)
		snprintf(zone, sizeof(zone), "Z");
	else
		snprintf(zone, sizeof(zone), "%c%02d:%02d", off < 0 ? '-' : '+',
		    abs(off) / 60, abs(off) % 60);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%07ld%s",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, nsec / 100, zone);
	return text_new(CLIXML_DATETIME, buf, strlen(buf));
}

struct clixml_value *
clixml_new_duration(int64_t ticks)
{
	char buf[64], *p = buf;
	uint64_t t, days, h, m, s, frac;

	/* XmlConvert.ToString(TimeSpan): [-]P[nD][T[nH][nM][n[.fffffff]S]] */
	if (ticks < 0) {
		*p++ = '-';
		t = (uint64_t)0 - (uint64_t)ticks;
	} else
		t = (uint64_t)ticks;
	frac = t % 10000000;
	s = t / 10000000;
	days = s / 86400;
	h = s / 3600 % 24;
	m = s / 60 % 60;
	s %= 60;
	*p++ = 'P';
	if (days > 0)
		p += sprintf(p, "%lluD", (unsigned long long)days);
	if (h > 0 || m > 0 || s > 0 || frac > 0 || days == 0) {
		*p++ = 'T';
		if (h > 0)
			p += sprintf(p, "%lluH", (unsigned long long)h);
		if (m > 0)
			p += sprintf(p, "%lluM", (unsigned long long)m);
		if (s > 0 || frac > 0 || (h == 0 && m == 0)) {
			p += sprintf(p, "%llu", (unsigned long long)s);
			if (frac > 0) {
				int n = sprintf(p, ".%07llu",
				    (unsigned long long)frac);

				/* trailing zeros go */
				while (p[n - 1] == '0')
					n--;
				p += n;
			}
			*p++ = 'S';
		}
	}
	*p = '\0';
	return text_new(CLIXML_DURATION, buf, (size_t)(p - buf));
}

struct clixml_types *
clixml_types_new(const char *const *names)
{
	struct clixml_types *t;
	size_t n = 0;

	while (names[n] != NULL)
		n++;
	if ((t = calloc(1, sizeof(*t) + n * sizeof(char *))) == NULL)
		return NULL;
	t->t_refs = 1;
	for (t->t_n = 0; t->t_n < n; t->t_n++)
		if ((t->t_names[t->t_n] = strdup(names[t->t_n])) == NULL)
			break;
	if (t->t_n < n) {
		for (size_t i = 0; i < t->t_n; i++)
			free(t->t_names[i]);
		free(t);
		return NULL;
	}
	return t;
}

void
clixml_types_unref(struct clixml_types *t)
{
	if (t == NULL || --t->t_refs > 0)
		return;
	for (size_t i = 0; i < t->t_n; i++)
		free(t->t_names[i]);
	free(t);
}

struct clixml_value *
clixml_new_obj(const char *const *types, enum clixml_coll coll)
{
	struct clixml_value *v = value_new(CLIXML_OBJECT);

	if (v == NULL)
		return NULL;
	v->v.obj.o_coll = coll;
	v->v.obj.o_complete = true;
	if (types != NULL && types[0] != NULL &&
	    (v->v.obj.o_types = clixml_types_new(types)) == NULL) {
		free(v);
		return NULL;
	}
	return v;
}

struct clixml_value *
clixml_new_enum(const char *const *types, int32_t i, const char *tostring)
{
	struct clixml_value *v = clixml_new_obj(types, CLIXML_COLL_NONE);

	clixml_obj_set_base(v, clixml_new_i32(i));
	clixml_obj_set_tostring(v, tostring);
	return v;
}

static struct clixml_obj *
obj_of(struct clixml_value *v)
{
	return v != NULL && v->v_type == CLIXML_OBJECT ? &v->v.obj : NULL;
}

int
clixml_obj_set_tostring(struct clixml_value *v, const char *s)
{
	struct clixml_obj *o = obj_of(v);
	char *copy = NULL;

	if (o == NULL)
		return -1;
	if (s != NULL && (copy = strdup(s)) == NULL) {
		o->o_failed = true;
		return -1;
	}
	free(o->o_tostring);
	o->o_tostring = copy;
	return 0;
}

int
clixml_obj_set_base(struct clixml_value *v, struct clixml_value *base)
{
	struct clixml_obj *o = obj_of(v);

	if (o == NULL) {
		clixml_unref(base);
		return -1;
	}
	if (base == NULL) {
		o->o_failed = true;
		return -1;
	}
	clixml_unref(o->o_base);
	o->o_base = base;
	return 0;
}

static int
grow(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 4;
	if (ncap > SIZE_MAX / size || (p = realloc(*arr, ncap * size)) == NULL)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

static int
prop_add(struct clixml_value *v, bool ms, const char *name,
    struct clixml_value *pv)
{
	struct clixml_obj *o = obj_of(v);
	struct clixml_prop **arr;
	size_t *n, *cap;
	char *copy;

	if (o == NULL || name == NULL) {
		if (o != NULL)
			o->o_failed = true;
		clixml_unref(pv);
		return -1;
	}
	arr = ms ? &o->o_ms : &o->o_props;
	n = ms ? &o->o_nms : &o->o_nprops;
	cap = ms ? &o->o_capms : &o->o_capprops;
	if (pv == NULL || grow((void **)arr, cap, *n,
	    sizeof(struct clixml_prop)) < 0 || (copy = strdup(name)) == NULL) {
		o->o_failed = true;
		clixml_unref(pv);
		return -1;
	}
	(*arr)[*n].p_name = copy;
	(*arr)[*n].p_value = pv;
	(*n)++;
	return 0;
}

int
clixml_obj_add_ms(struct clixml_value *v, const char *name,
    struct clixml_value *pv)
{
	return prop_add(v, true, name, pv);
}

int
clixml_obj_add_prop(struct clixml_value *v, const char *name,
    struct clixml_value *pv)
{
	return prop_add(v, false, name, pv);
}

static int
item_add(struct clixml_obj *o, struct clixml_value *item)
{
	if (item == NULL || grow((void **)&o->o_items, &o->o_capitems,
	    o->o_nitems, sizeof(*o->o_items)) < 0) {
		o->o_failed = true;
		clixml_unref(item);
		return -1;
	}
	o->o_items[o->o_nitems++] = item;
	return 0;
}

int
clixml_list_add(struct clixml_value *v, struct clixml_value *item)
{
	struct clixml_obj *o = obj_of(v);

	if (o == NULL || o->o_coll == CLIXML_COLL_NONE ||
	    o->o_coll == CLIXML_COLL_DCT) {
		if (o != NULL)
			o->o_failed = true;
		clixml_unref(item);
		return -1;
	}
	return item_add(o, item);
}

int
clixml_dict_add(struct clixml_value *v, struct clixml_value *key,
    struct clixml_value *val)
{
	struct clixml_obj *o = obj_of(v);

	if (o == NULL || o->o_coll != CLIXML_COLL_DCT || key == NULL ||
	    val == NULL) {
		if (o != NULL)
			o->o_failed = true;
		clixml_unref(key);
		clixml_unref(val);
		return -1;
	}
	if (item_add(o, key) < 0) {
		clixml_unref(val);
		return -1;
	}
	if (item_add(o, val) < 0) {
		clixml_unref(o->o_items[--o->o_nitems]);
		return -1;
	}
	return 0;
}

int
clixml_dict_add_str(struct clixml_value *v, const char *key,
    struct clixml_value *val)
{
	return clixml_dict_add(v, clixml_new_string(key), val);
}

struct clixml_value *
clixml_ref(struct clixml_value *v)
{
	if (v != NULL)
		v->v_refs++;
	return v;
}

static void
props_free(struct clixml_prop *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].p_name);
		clixml_unref(p[i].p_value);
	}
	free(p);
}

void
clixml_unref(struct clixml_value *v)
{
	if (v == NULL || --v->v_refs > 0)
		return;
	if (v->v_type == CLIXML_OBJECT) {
		struct clixml_obj *o = &v->v.obj;

		clixml_types_unref(o->o_types);
		free(o->o_tostring);
		clixml_unref(o->o_base);
		for (size_t i = 0; i < o->o_nitems; i++)
			clixml_unref(o->o_items[i]);
		free(o->o_items);
		props_free(o->o_props, o->o_nprops);
		props_free(o->o_ms, o->o_nms);
	} else if (is_text_type(v->v_type))
		free(v->v.str.s);
	free(v);
}

bool
clixml_is_nil(const struct clixml_value *v)
{
	return v == NULL || v->v_type == CLIXML_NIL;
}

static const struct clixml_value *
prop_find(const struct clixml_prop *p, size_t n, const char *name)
{
	/* PowerShell's member lookup ignores case (pypsrp sends "CI" for "ci") */
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(p[i].p_name, name) == 0)
			return p[i].p_value;
	return NULL;
}

const struct clixml_value *
clixml_member(const struct clixml_value *v, const char *name)
{
	const struct clixml_value *r;

	if (v == NULL || v->v_type != CLIXML_OBJECT)
		return NULL;
	if ((r = prop_find(v->v.obj.o_ms, v->v.obj.o_nms, name)) != NULL)
		return r;
	return prop_find(v->v.obj.o_props, v->v.obj.o_nprops, name);
}

const struct clixml_value *
clixml_dict_get(const struct clixml_value *v, const char *key)
{
	const struct clixml_obj *o;

	if (v == NULL || v->v_type != CLIXML_OBJECT)
		return NULL;
	o = &v->v.obj;
	if (o->o_coll != CLIXML_COLL_DCT)
		return NULL;
	for (size_t i = 0; i + 1 < o->o_nitems; i += 2) {
		const struct clixml_value *k = o->o_items[i];

		if (k->v_type == CLIXML_STRING && strcasecmp(k->v.str.s, key) == 0)
			return o->o_items[i + 1];
	}
	return NULL;
}

size_t
clixml_list_len(const struct clixml_value *v)
{
	if (v == NULL || v->v_type != CLIXML_OBJECT ||
	    v->v.obj.o_coll == CLIXML_COLL_NONE)
		return 0;
	if (v->v.obj.o_coll == CLIXML_COLL_DCT)
		return v->v.obj.o_nitems / 2;
	return v->v.obj.o_nitems;
}

const struct clixml_value *
clixml_list_at(const struct clixml_value *v, size_t i)
{
	if (i >= clixml_list_len(v) || v->v.obj.o_coll == CLIXML_COLL_DCT)
		return NULL;
	return v->v.obj.o_items[i];
}

const char *
clixml_str(const struct clixml_value *v, size_t *ret_len)
{
	if (v == NULL || !is_text_type(v->v_type) || v->v_type == CLIXML_BYTES)
		return NULL;
	if (ret_len != NULL)
		*ret_len = v->v.str.len;
	return v->v.str.s;
}

int
clixml_int(const struct clixml_value *v, int64_t *ret)
{
	if (v == NULL)
		return -1;
	switch (v->v_type) {
	case CLIXML_I8:
	case CLIXML_I16:
	case CLIXML_I32:
	case CLIXML_I64:
		*ret = v->v.i;
		return 0;
	case CLIXML_U8:
	case CLIXML_U16:
	case CLIXML_U32:
	case CLIXML_U64:
	case CLIXML_CHAR:
		if (v->v.u > INT64_MAX)
			return -1;
		*ret = (int64_t)v->v.u;
		return 0;
	case CLIXML_OBJECT:
		if (v->v.obj.o_base != NULL &&
		    v->v.obj.o_base->v_type != CLIXML_OBJECT)
			return clixml_int(v->v.obj.o_base, ret);
		return -1;
	default:
		return -1;
	}
}

int
clixml_bool(const struct clixml_value *v, bool *ret)
{
	if (v == NULL)
		return -1;
	if (v->v_type == CLIXML_BOOL) {
		*ret = v->v.b;
		return 0;
	}
	if (v->v_type == CLIXML_OBJECT && v->v.obj.o_base != NULL &&
	    v->v.obj.o_base->v_type == CLIXML_BOOL) {
		*ret = v->v.obj.o_base->v.b;
		return 0;
	}
	return -1;
}

bool
clixml_has_type(const struct clixml_value *v, const char *name)
{
	const struct clixml_types *t;

	if (v == NULL || v->v_type != CLIXML_OBJECT ||
	    (t = v->v.obj.o_types) == NULL)
		return false;
	for (size_t i = 0; i < t->t_n; i++)
		if (strcmp(t->t_names[i], name) == 0)
			return true;
	return false;
}

/* ------------------------------------------------------------ escaping */

/*
 * The next code point of s (len bytes left, len > 0) and its size in *n.
 * An encoded surrogate (ED A0..BF xx: generalised UTF-8) is returned as
 * such; other bytes that are not UTF-8 give -1 and *n = 1.
 */
static long
utf8_next(const unsigned char *s, size_t len, size_t *n)
{
	unsigned char c = s[0];
	long cp;
	size_t need;

	*n = 1;
	if (c < 0x80)
		return c;
	if (c >= 0xC2 && c <= 0xDF) {
		need = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 4;
		cp = c & 0x07;
	} else
		return -1;
	if (len < need)
		return -1;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	/* overlong forms and code points past U+10FFFF */
	if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 ||
	    cp > 0x10FFFF)))
		return -1;
	*n = need;
	return cp;
}

char *
clixml_escape(const char *s, size_t len, size_t *ret_len)
{
	const unsigned char *u = (const unsigned char *)s;
	char *out, *p;
	size_t i = 0, n;

	/* at most 7 bytes out ("_x0000_") for each byte in */
	if (len > (SIZE_MAX - 1) / 7 || (out = malloc(len * 7 + 1)) == NULL)
		return NULL;
	p = out;
	while (i < len) {
		long cp = utf8_next(u + i, len - i, &n);

		if (cp < 0)
			cp = 0xFFFD;
		if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) ||
		    (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE ||
		    cp == 0xFFFF)
			p += sprintf(p, "_x%04lX_", cp);
		else if (cp == '_' && i + 1 < len && (u[i + 1] == 'x' ||
		    u[i + 1] == 'X'))
			p += sprintf(p, "_x005F_");
		else
			p += utf8_encode((uint32_t)cp, p);
		i += n;
	}
	*p = '\0';
	if (ret_len != NULL)
		*ret_len = (size_t)(p - out);
	return out;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* _x followed by digits hex digits and _ at s[0]: the value, or -1 */
static long
escape_at(const char *s, size_t len, size_t digits)
{
	long v = 0;

	if (len < digits + 3 || s[0] != '_' || s[1] != 'x' ||
	    s[digits + 2] != '_')
		return -1;
	for (size_t i = 0; i < digits; i++) {
		int h = hexval(s[2 + i]);

		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

char *
clixml_unescape(const char *s, size_t len, size_t *ret_len)
{
	char *out, *p;
	size_t i = 0;

	/* the output is never longer than the input */
	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	p = out;
	while (i < len) {
		long cp;

		if (s[i] != '_' || i + 1 >= len || s[i + 1] != 'x') {
			*p++ = s[i++];
			continue;
		}
		if ((cp = escape_at(s + i, len - i, 4)) >= 0) {
			i += 7;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				long lo = escape_at(s + i, len - i, 4);

				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					cp = 0x10000 + ((cp - 0xD800) << 10) +
					    (lo - 0xDC00);
					i += 7;
				}
			}
			p += utf8_encode((uint32_t)cp, p);
		} else if ((cp = escape_at(s + i, len - i, 8)) >= 0 &&
		    cp <= 0x10FFFF) {
			i += 11;
			p += utf8_encode((uint32_t)cp, p);
		} else
			*p++ = s[i++];
	}
	*p = '\0';
	if (ret_len != NULL)
		*ret_len = (size_t)(p - out);
	return out;
}
