/*
 * duration.h: xs:duration text ("P1DT2H3M4.5S") -> a count of milli- or
 * microseconds, as WS-Management (OperationTimeout, IdleTimeOut, ...) and
 * CIM intervals write them.  Pure; shared by the daemon and the plugins.
 */
#ifndef WINRMD_COMMON_DURATION_H
#define WINRMD_COMMON_DURATION_H

#include <stdint.h>

/* xs_duration_parse()'s digits: milli- and microseconds */
#define DURATION_MS	3
#define DURATION_US	6

/*
 * Days, hours, minutes and seconds in that order, each at most once, a
 * fraction on the seconds only (digits past `digits' are dropped, never
 * rounded); years and months are refused (MS-WSMV), as are signs, blanks
 * and lower case.  Stores the count in units of 10^-digits s: 0, -EINVAL
 * (not a duration) or -ERANGE (does not fit); *ret is left alone on error.
 */
int	xs_duration_parse(const char *s, unsigned digits, uint64_t *ret);

#endif
