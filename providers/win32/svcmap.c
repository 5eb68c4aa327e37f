/*
 * svcmap.c: the systemd -> Win32_Service mappings of docs/PROTOCOL.md Part C §2, kept
 * apart from the D-Bus code so they can be tested where systemd does not
 * run.  State and StartMode come from common/svcstate.c, which
 * winrmd-native's win_service shares.
 */
#include <string.h>
#include <strings.h>

#include "svcmap.h"
#include "svcstate.h"

static bool
eq(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

const char *
svcmap_state(const char *active_state)
{
	return svc_state_win32(svc_state_of(active_state));
}

bool
svcmap_started(const char *active_state)
{
	return svc_state_of(active_state) == SVC_STATE_RUNNING;
}

const char *
svcmap_start_mode(const char *unit_file_state)
{
	return svc_start_mode_win32(svc_start_mode_of(unit_file_state));
}

const char *
svcmap_status(const char *active_state, const char *load_state)
{
	if (eq(active_state, "failed") || eq(load_state, "error") ||
	    eq(load_state, "bad-setting"))
		return "Error";
	if (eq(load_state, "not-found") || active_state == NULL)
		return "Unknown";
	return "OK";
}

const char *
svcmap_service_type(const char *type)
{
	/* every systemd service is a process of its own */
	(void)type;
	return "Own Process";
}

void
svcmap_exit_codes(const char *result, uint32_t exec_main_status,
    uint64_t exec_main_start_usec, uint32_t *ret_exit, uint32_t *ret_specific)
{
	bool ok = result == NULL || eq(result, "success");

	*ret_specific = 0;
	if (exec_main_start_usec == 0 && ok) {
		*ret_exit = 1077;	/* ERROR_SERVICE_NEVER_STARTED */
		return;
	}
	if (ok) {
		*ret_exit = 0;
		return;
	}
	*ret_exit = 1066;		/* ERROR_SERVICE_SPECIFIC_ERROR */
	*ret_specific = exec_main_status;
}

int
svcmap_start_mode_op(const char *mode, enum svc_op *ret)
{
	if (mode == NULL)
		return -1;
	if (strcasecmp(mode, "Automatic") == 0 ||
	    strcasecmp(mode, "Auto") == 0) {
		*ret = SVC_ENABLE;
		return 0;
	}
	if (strcasecmp(mode, "Manual") == 0 ||
	    strcasecmp(mode, "Disabled") == 0) {
		*ret = SVC_DISABLE;
		return 0;
	}
	return -1;	/* Boot, System: drivers only */
}

const char *
svcmap_verb(enum svc_op op)
{
	switch (op) {
	case SVC_START:
		return "start";
	case SVC_STOP:
		return "stop";
	case SVC_ENABLE:
		return "enable";
	case SVC_DISABLE:
		return "disable";
	}
	return "status";
}

int
svcmap_precheck(enum svc_op op, const char *active_state,
    const char *load_state)
{
	switch (op) {
	case SVC_START:
		if (eq(load_state, "masked"))
			return SVC_RV_DISABLED;
		if (svcmap_started(active_state) ||
		    eq(active_state, "activating"))
			return SVC_RV_ALREADY_RUNNING;
		return -1;
	case SVC_STOP:
		if (eq(active_state, "inactive") || eq(active_state, "failed"))
			return SVC_RV_NOT_ACTIVE;
		return -1;
	default:
		return -1;
	}
}

uint32_t
svcmap_result(enum svc_op op, int exit_status, const char *output)
{
	const char *o = output != NULL ? output : "";

	if (exit_status == 0)
		return SVC_RV_SUCCESS;
	/* polkit said no (or wanted a password nobody can type here) */
	if (strstr(o, "Access denied") != NULL ||
	    strstr(o, "Interactive authentication required") != NULL ||
	    strstr(o, "Permission denied") != NULL ||
	    exit_status == 4)		/* EXIT_NOPERMISSION */
		return SVC_RV_ACCESS_DENIED;
	if (strstr(o, "is masked") != NULL)
		return op == SVC_START ? SVC_RV_DISABLED :
		    SVC_RV_CANNOT_ACCEPT_CONTROL;
	if (strstr(o, "Operation refused") != NULL ||
	    strstr(o, "may be requested by dependency only") != NULL ||
	    strstr(o, "not found") != NULL ||
	    strstr(o, "not loaded") != NULL ||
	    strstr(o, "does not exist") != NULL ||
	    exit_status == 5)		/* EXIT_NOTINSTALLED */
		return SVC_RV_CANNOT_ACCEPT_CONTROL;
	if (strstr(o, "Connection timed out") != NULL ||
	    strstr(o, "timed out") != NULL)
		return SVC_RV_TIMEOUT;
	return SVC_RV_UNKNOWN_FAILURE;
}
