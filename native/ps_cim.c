/*
 * ps_cim.c: Get-CimInstance and Get-WmiObject (psobject.h).
 */
#define _GNU_SOURCE

#include <string.h>

#include "native.h"
#include "psobject.h"
#include "psrp_msgs.h"

int
ps_cim(const struct ps_stage *s, struct ps_objs *out)
{
	(void)out;
	if (strcmp(s->name, "Get-CimInstance") != 0 &&
	    strcmp(s->name, "Get-WmiObject") != 0)
		return -1;
	ps_error(s->name, PSRP_ERR_NOT_IMPLEMENTED, "NotServed", NULL,
	    "not yet");
	return 0;
}
