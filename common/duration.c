/*
 * duration.c: xs:duration parsing (duration.h), the one implementation of
 * the daemon's timeouts and the cim plugin's intervals.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "duration.h"

/* one "<digits>[.<digits>]<unit>" part; the fraction scaled to `digits' */
static int
duration_part(const char **pp, unsigned digits, char *ret_unit,
    uint64_t *ret_whole, uint64_t *ret_frac, bool *ret_has_frac)
{
	const char *p = *pp;
	uint64_t whole = 0, frac = 0;
	bool has_frac = false;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (whole > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		unsigned n = 0;

		has_frac = true;
		if (!isdigit((unsigned char)*++p))
			return -EINVAL;
		for (; isdigit((unsigned char)*p); p++, n++)
			if (n < digits)
				frac = frac * 10 + (uint64_t)(*p - '0');
		for (; n < digits; n++)
			frac *= 10;
	}
	if (*p == '\0')
		return -EINVAL;
	*ret_unit = *p++;
	*ret_whole = whole;
	*ret_frac = frac;
	*ret_has_frac = has_frac;
	*pp = p;
	return 0;
}

int
xs_duration_parse(const char *s, unsigned digits, uint64_t *ret)
{
	/* the units allowed, in their order */
	static const struct { char unit; bool time; uint64_t sec; } units[] = {
		{ 'D', false, 86400 }, { 'H', true, 3600 },
		{ 'M', true, 60 }, { 'S', true, 1 },
	};
	const char *p = s;
	size_t next = 0;
	bool in_time = false, any = false;
	uint64_t total = 0, scale = 1;

	if (s == NULL || digits > 9 || *p++ != 'P')
		return -EINVAL;
	for (unsigned i = 0; i < digits; i++)
		scale *= 10;
	while (*p != '\0') {
		uint64_t whole, frac, add, mul;
		bool has_frac;
		char unit;
		size_t i;
		int r;

		if (*p == 'T') {
			if (in_time || p[1] == '\0')
				return -EINVAL;
			in_time = true;
			p++;
			continue;
		}
		r = duration_part(&p, digits, &unit, &whole, &frac, &has_frac);
		if (r < 0)
			return r;
		for (i = next; i < 4; i++)
			if (units[i].unit == unit && units[i].time == in_time)
				break;
		if (i == 4 || (has_frac && unit != 'S'))
			return -EINVAL;	/* unknown, repeated, misplaced */
		next = i + 1;
		mul = units[i].sec * scale;
		if (whole > UINT64_MAX / mul)
			return -ERANGE;
		add = whole * mul;
		if (frac > UINT64_MAX - add || add + frac > UINT64_MAX - total)
			return -ERANGE;
		total += add + frac;
		any = true;
	}
	if (!any)
		return -EINVAL;
	*ret = total;
	return 0;
}
