/*
 * value.c: typed CIM values as text and back.  Parsing serves selectors,
 * method parameters and WQL literals; formatting serves instance XML: the
 * text Windows writes for each CIM type (booleans true/false, decimal
 * integers, datetimes as xs:dateTime in local time with the offset,
 * intervals as P<d>DT<h>H<m>M<s>S).  Comparison is case-insensitive for
 * strings, as WMI selectors and WQL are.
 */
#define _GNU_SOURCE

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cim_value.h"
#include "duration.h"
#include "text.h"

bool
cim_type_is_signed(enum cim_type t)
{
	return t == CIM_SINT8 || t == CIM_SINT16 || t == CIM_SINT32 ||
	    t == CIM_SINT64;
}

bool
cim_type_is_unsigned(enum cim_type t)
{
	return t == CIM_UINT8 || t == CIM_UINT16 || t == CIM_UINT32 ||
	    t == CIM_UINT64;
}

bool
cim_type_is_integer(enum cim_type t)
{
	return cim_type_is_signed(t) || cim_type_is_unsigned(t);
}

/* raw is the two's complement of a signed value when is_signed */
bool
cim_type_in_range(enum cim_type t, bool is_signed, uint64_t raw)
{
	int64_t s = (int64_t)raw;

	if (is_signed && s < 0) {
		switch (t) {
		case CIM_SINT8:
			return s >= INT8_MIN;
		case CIM_SINT16:
			return s >= INT16_MIN;
		case CIM_SINT32:
			return s >= INT32_MIN;
		case CIM_SINT64:
			return true;
		default:
			return false;
		}
	}
	switch (t) {
	case CIM_SINT8:
		return raw <= INT8_MAX;
	case CIM_UINT8:
		return raw <= UINT8_MAX;
	case CIM_SINT16:
		return raw <= INT16_MAX;
	case CIM_UINT16:
	case CIM_CHAR16:
		return raw <= UINT16_MAX;
	case CIM_SINT32:
		return raw <= INT32_MAX;
	case CIM_UINT32:
		return raw <= UINT32_MAX;
	case CIM_SINT64:
		return raw <= INT64_MAX;
	default:
		return true;
	}
}

/* -------------------------------------------------------------- parse */

static int
parse_digits(const char **pp, size_t n, unsigned *ret)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*pp)[i]))
			return -EINVAL;
		v = v * 10 + (unsigned)((*pp)[i] - '0');
	}
	*pp += n;
	*ret = v;
	return 0;
}

static bool
date_valid(unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi,
    unsigned s)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };

	return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 &&
	    d <= mdays[mo - 1] && h <= 23 && mi <= 59 && s <= 60;
}

/* seconds since the epoch of a UTC civil time */
static int64_t
civil_to_epoch(unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi,
    unsigned s)
{
	/* days from civil (H. Hinnant's algorithm), valid for any year >= 1 */
	int64_t yy = (int64_t)y - (mo <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;

	return days * 86400 + h * 3600 + mi * 60 + s;
}

/* DMTF datetime: yyyymmddHHMMSS.mmmmmmsUUU (UUU: minutes east of UTC) */
static int
parse_dmtf_datetime(const char *p, struct cim_dt *ret)
{
	unsigned y, mo, d, h, mi, s, us, off;
	char sign;

	if (strlen(p) != 25 || p[14] != '.' ||
	    parse_digits(&p, 4, &y) < 0 || parse_digits(&p, 2, &mo) < 0 ||
	    parse_digits(&p, 2, &d) < 0 || parse_digits(&p, 2, &h) < 0 ||
	    parse_digits(&p, 2, &mi) < 0 || parse_digits(&p, 2, &s) < 0)
		return -EINVAL;
	p++;
	if (parse_digits(&p, 6, &us) < 0)
		return -EINVAL;
	sign = *p++;
	if ((sign != '+' && sign != '-') || parse_digits(&p, 3, &off) < 0 ||
	    !date_valid(y, mo, d, h, mi, s))
		return -EINVAL;
	ret->sec = civil_to_epoch(y, mo, d, h, mi, s) -
	    (sign == '+' ? 1 : -1) * (int64_t)off * 60;
	ret->usec = (int32_t)us;
	return 0;
}

int
cim_parse_datetime(const char *p, struct cim_dt *ret)
{
	unsigned y, mo, d, h, mi, s, us = 0;
	int64_t sec;

	if (p == NULL)
		return -EINVAL;
	if (isdigit((unsigned char)p[0]) && strlen(p) == 25 && p[14] == '.')
		return parse_dmtf_datetime(p, ret);
	if (parse_digits(&p, 4, &y) < 0 || *p++ != '-' ||
	    parse_digits(&p, 2, &mo) < 0 || *p++ != '-' ||
	    parse_digits(&p, 2, &d) < 0 || (*p != 'T' && *p != 't'))
		return -EINVAL;
	p++;
	if (parse_digits(&p, 2, &h) < 0 || *p++ != ':' ||
	    parse_digits(&p, 2, &mi) < 0 || *p++ != ':' ||
	    parse_digits(&p, 2, &s) < 0 || !date_valid(y, mo, d, h, mi, s))
		return -EINVAL;
	if (*p == '.') {
		unsigned scale = 100000;

		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		for (; isdigit((unsigned char)*p); p++) {
			us += (unsigned)(*p - '0') * scale;
			scale /= 10;
		}
	}
	sec = civil_to_epoch(y, mo, d, h, mi, s);
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		unsigned oh, om;
		int sign = *p++ == '+' ? 1 : -1;

		if (parse_digits(&p, 2, &oh) < 0 || *p++ != ':' ||
		    parse_digits(&p, 2, &om) < 0 || oh > 14 || om > 59)
			return -EINVAL;
		sec -= sign * (int64_t)(oh * 3600 + om * 60);
	} else if (*p == '\0') {
		/* no zone: local time, as Windows reads it */
		struct tm tm = { 0 };

		tm.tm_year = (int)y - 1900;
		tm.tm_mon = (int)mo - 1;
		tm.tm_mday = (int)d;
		tm.tm_hour = (int)h;
		tm.tm_min = (int)mi;
		tm.tm_sec = (int)s;
		tm.tm_isdst = -1;
		sec = (int64_t)mktime(&tm);
	}
	if (*p != '\0')
		return -EINVAL;
	ret->sec = sec;
	ret->usec = (int32_t)us;
	return 0;
}

int
cim_parse_interval(const char *s, uint64_t *ret_usec)
{
	const char *p = s;

	if (s == NULL)
		return -EINVAL;
	if (isdigit((unsigned char)s[0]) && strlen(s) == 25 && s[14] == '.' &&
	    s[21] == ':') {
		/* DMTF interval ddddddddHHMMSS.mmmmmm:000 */
		unsigned d, h, m, sec, us;

		if (parse_digits(&p, 8, &d) < 0 || parse_digits(&p, 2, &h) < 0 ||
		    parse_digits(&p, 2, &m) < 0 || parse_digits(&p, 2, &sec) < 0)
			return -EINVAL;
		p++;
		if (parse_digits(&p, 6, &us) < 0 || h > 23 || m > 59 || sec > 59)
			return -EINVAL;
		*ret_usec = (((uint64_t)d * 24 + h) * 60 + m) * 60000000ULL +
		    (uint64_t)sec * 1000000 + us;
		return 0;
	}
	return xs_duration_parse(s, DURATION_US, ret_usec);
}

/* one UTF-8 character of the BMP, and nothing else -> its code point */
static int
utf8_char16(const char *s, uint64_t *ret)
{
	size_t len = strlen(s), n;
	uint32_t c = 0;

	/* the BMP is one to three bytes */
	n = utf8_decode((const unsigned char *)s, len < 3 ? len : 3, &c);
	if (n == 0 || n != len || c == 0)
		return -EINVAL;
	*ret = c;
	return 0;
}

int
cim_value_parse(enum cim_type t, const char *text, union cim_scalar *ret)
{
	char *s, *end;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	if (text == NULL)
		return -EINVAL;
	if (t == CIM_STRING) {
		if ((ret->str = strdup(text)) == NULL)
			return -ENOMEM;
		return 0;
	}
	if ((s = text_trim_dup(text)) == NULL)
		return -ENOMEM;
	errno = 0;
	switch (t) {
	case CIM_BOOLEAN:
		if (strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0)
			ret->b = true;
		else if (strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0)
			ret->b = false;
		else
			r = -EINVAL;
		break;
	case CIM_SINT8: case CIM_SINT16: case CIM_SINT32: case CIM_SINT64:
		ret->s = strtoll(s, &end, 10);
		if (s[0] == '\0' || *end != '\0' || errno != 0 ||
		    !cim_type_in_range(t, true, (uint64_t)ret->s))
			r = -EINVAL;
		break;
	case CIM_UINT8: case CIM_UINT16: case CIM_UINT32: case CIM_UINT64:
		ret->u = strtoull(s, &end, 10);
		if (!isdigit((unsigned char)s[0]) || *end != '\0' ||
		    errno != 0 || !cim_type_in_range(t, false, ret->u))
			r = -EINVAL;
		break;
	case CIM_REAL32: case CIM_REAL64:
		ret->r = strtod(s, &end);
		if (s[0] == '\0' || *end != '\0' || (errno != 0 &&
		    fabs(ret->r) > 1.0))
			r = -EINVAL;
		break;
	case CIM_CHAR16:
		r = utf8_char16(s, &ret->u);
		break;
	case CIM_DATETIME:
		r = cim_parse_datetime(s, &ret->dt);
		break;
	case CIM_INTERVAL:
		r = cim_parse_interval(s, &ret->u);
		break;
	case CIM_STRING:
		break;
	}
	free(s);
	if (r < 0)
		memset(ret, 0, sizeof(*ret));
	return r < 0 ? -EINVAL : 0;
}

void
cim_scalar_done(enum cim_type t, union cim_scalar *v)
{
	if (t == CIM_STRING) {
		free(v->str);
		v->str = NULL;
	}
}

/* ------------------------------------------------------------- format */

/* v as n digits, zero-padded, at p; past them */
static char *
put_digits(char *p, unsigned v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

#define DATETIME_MAX	sizeof("2024-04-03T14:45:50.468750+02:00")

int
cim_format_datetime(const struct cim_dt *dt, char *buf, size_t len)
{
	struct tm tm;
	time_t t = (time_t)dt->sec;
	char frac[16] = "", zone[32];
	long off;

	if (localtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "%s", "");
		return -EINVAL;
	}
	off = tm.tm_gmtoff / 60;
	/* what the snprintf()s below write, without their cost (a Get of
	 * Win32_OperatingSystem has three of these) */
	if (len >= DATETIME_MAX && tm.tm_year >= -1900 &&
	    tm.tm_year <= 9999 - 1900 && labs(off) < 100 * 60) {
		char *p = buf;

		p = put_digits(p, (unsigned)(tm.tm_year + 1900), 4);
		*p++ = '-';
		p = put_digits(p, (unsigned)tm.tm_mon + 1, 2);
		*p++ = '-';
		p = put_digits(p, (unsigned)tm.tm_mday, 2);
		*p++ = 'T';
		p = put_digits(p, (unsigned)tm.tm_hour, 2);
		*p++ = ':';
		p = put_digits(p, (unsigned)tm.tm_min, 2);
		*p++ = ':';
		p = put_digits(p, (unsigned)tm.tm_sec, 2);
		if (dt->usec > 0 && dt->usec < 1000000) {
			*p++ = '.';
			p = put_digits(p, (unsigned)dt->usec, 6);
		}
		if (off == 0)
			*p++ = 'Z';
		else {
			*p++ = off < 0 ? '-' : '+';
			p = put_digits(p, (unsigned)(labs(off) / 60), 2);
			*p++ = ':';
			p = put_digits(p, (unsigned)(labs(off) % 60), 2);
		}
		*p = '\0';
		return 0;
	}
	if (dt->usec > 0 && dt->usec < 1000000)
		snprintf(frac, sizeof(frac), ".%06d", (int)dt->usec);
	if (off == 0)
		snprintf(zone, sizeof(zone), "Z");
	else
		snprintf(zone, sizeof(zone), "%c%02ld:%02ld", off < 0 ? '-' : '+',
		    labs(off) / 60 % 100, labs(off) % 60);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%s%s",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, frac, zone);
	return 0;
}

void
cim_format_interval(uint64_t usec, char *buf, size_t len)
{
	uint64_t s = usec / 1000000;
	unsigned us = (unsigned)(usec % 1000000);
	char frac[16] = "";

	if (us != 0)
		snprintf(frac, sizeof(frac), ".%06u", us);
	snprintf(buf, len, "P%" PRIu64 "DT%uH%uM%u%sS", s / 86400,
	    (unsigned)(s / 3600 % 24), (unsigned)(s / 60 % 60),
	    (unsigned)(s % 60), frac);
}

/* the shortest %g that reads back as the same value */
static void
format_real(double v, bool single, char *buf, size_t len)
{
	int max = single ? 9 : 17;

	if (isnan(v)) {
		snprintf(buf, len, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, len, v < 0 ? "-INF" : "INF");
		return;
	}
	for (int prec = 1; prec <= max; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (single ? (float)strtod(buf, NULL) == (float)v :
		    strtod(buf, NULL) == v)
			return;
	}
}

/*
 * An integer in decimal, as printf's %llu with a '-' when neg.  Instances
 * carry dozens of integers each and an enumeration thousands of
 * instances: snprintf was a tenth of an enumeration's time.
 */
static char *
format_decimal(uint64_t mag, bool neg, char *buf, size_t len)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	size_t n;

	*--p = '\0';
	do {
		*--p = (char)('0' + mag % 10);
		mag /= 10;
	} while (mag != 0);
	if (neg)
		*--p = '-';
	n = (size_t)(tmp + sizeof(tmp) - p);
	if (len == 0)
		return buf;
	if (n > len) {		/* cut, as snprintf would */
		n = len;
		p[n - 1] = '\0';
	}
	memcpy(buf, p, n);
	return buf;
}

const char *
cim_value_text(enum cim_type t, const union cim_scalar *v, char *buf,
    size_t len)
{
	switch (t) {
	case CIM_BOOLEAN:
		return v->b ? "true" : "false";
	case CIM_SINT8: case CIM_SINT16: case CIM_SINT32: case CIM_SINT64:
		return format_decimal(v->s < 0 ? 0 - (uint64_t)v->s :
		    (uint64_t)v->s, v->s < 0, buf, len);
	case CIM_UINT8: case CIM_UINT16: case CIM_UINT32: case CIM_UINT64:
		return format_decimal(v->u, false, buf, len);
	case CIM_REAL32:
	case CIM_REAL64:
		format_real(v->r, t == CIM_REAL32, buf, len);
		return buf;
	case CIM_CHAR16: {
		uint64_t c = v->u;

		char u[4] = "";
		size_t n = 0;

		/* a character of the BMP, never a surrogate or NUL */
		if (c != 0 && c <= 0xffff && (c < 0xd800 || c > 0xdfff))
			n = utf8_encode((uint32_t)c, u);
		snprintf(buf, len, "%.*s", (int)n, u);
		return buf;
	}
	case CIM_STRING:
		return v->str ? v->str : "";
	case CIM_DATETIME:
		cim_format_datetime(&v->dt, buf, len);
		return buf;
	case CIM_INTERVAL:
		cim_format_interval(v->u, buf, len);
		return buf;
	}
	return "";
}

/* ------------------------------------------------------------ compare */

int
cim_value_cmp(enum cim_type t, const union cim_scalar *a,
    const union cim_scalar *b)
{
	switch (t) {
	case CIM_BOOLEAN:
		return (int)a->b - (int)b->b;
	case CIM_SINT8: case CIM_SINT16: case CIM_SINT32: case CIM_SINT64:
		return a->s < b->s ? -1 : a->s > b->s;
	case CIM_UINT8: case CIM_UINT16: case CIM_UINT32: case CIM_UINT64:
	case CIM_CHAR16: case CIM_INTERVAL:
		return a->u < b->u ? -1 : a->u > b->u;
	case CIM_REAL32: case CIM_REAL64:
		return a->r < b->r ? -1 : a->r > b->r;
	case CIM_STRING:
		return strcasecmp(a->str ? a->str : "", b->str ? b->str : "");
	case CIM_DATETIME:
		if (a->dt.sec != b->dt.sec)
			return a->dt.sec < b->dt.sec ? -1 : 1;
		return a->dt.usec < b->dt.usec ? -1 : a->dt.usec > b->dt.usec;
	}
	return 0;
}

bool
cim_value_equal(enum cim_type t, const union cim_scalar *a,
    const union cim_scalar *b)
{
	return cim_value_cmp(t, a, b) == 0;
}
