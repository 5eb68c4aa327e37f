/*
 * svcmap.h: systemd unit state -> Win32_Service values (docs/PROTOCOL.md Part C §2),
 * and systemctl outcomes -> the Win32 return codes of StartService,
 * StopService and ChangeStartMode.  Pure functions: no D-Bus, no I/O.
 */
#ifndef WINRMD_WIN32_SVCMAP_H
#define WINRMD_WIN32_SVCMAP_H

#include <stdbool.h>
#include <stdint.h>

/* Win32_Service method return values */
#define SVC_RV_SUCCESS			0
#define SVC_RV_NOT_SUPPORTED		1
#define SVC_RV_ACCESS_DENIED		2
#define SVC_RV_CANNOT_ACCEPT_CONTROL	5
#define SVC_RV_NOT_ACTIVE		6
#define SVC_RV_TIMEOUT			7
#define SVC_RV_UNKNOWN_FAILURE		8
#define SVC_RV_ALREADY_RUNNING		10
#define SVC_RV_DISABLED			14
#define SVC_RV_INVALID_PARAMETER	21

enum svc_op {
	SVC_START,
	SVC_STOP,
	SVC_ENABLE,
	SVC_DISABLE,
};

/* ActiveState -> State: "Running", "Stopped", "Start Pending", ... */
const char *svcmap_state(const char *active_state);
/* ActiveState -> Started */
bool	svcmap_started(const char *active_state);
/* UnitFileState -> StartMode: "Auto", "Manual", "Disabled" */
const char *svcmap_start_mode(const char *unit_file_state);
/* ActiveState and LoadState -> Status: "OK", "Error", "Degraded", ... */
const char *svcmap_status(const char *active_state, const char *load_state);
/* Type= -> ServiceType */
const char *svcmap_service_type(const char *type);
/*
 * Result= and ExecMainStatus -> ExitCode and ServiceSpecificExitCode:
 * 0 for success, 1077 (never started) when it never ran, else 1066
 * (service-specific error) with the status.
 */
void	svcmap_exit_codes(const char *result, uint32_t exec_main_status,
	    uint64_t exec_main_start_usec, uint32_t *ret_exit,
	    uint32_t *ret_specific);
/* ChangeStartMode's StartMode -> enable/disable, or -1 (21) */
int	svcmap_start_mode_op(const char *mode, enum svc_op *ret);
/* systemctl's verb for an operation */
const char *svcmap_verb(enum svc_op op);
/*
 * Before running systemctl: the return value the unit's state already
 * decides (10 StartService of an active unit, 6 StopService of an inactive
 * one, 14 starting a masked unit), or -1 to go on.
 */
int	svcmap_precheck(enum svc_op op, const char *active_state,
	    const char *load_state);
/*
 * After systemctl ran: its exit status (or -1 if killed) and what it
 * printed -> the Win32 return value (polkit refusals are 2).
 */
uint32_t svcmap_result(enum svc_op op, int exit_status, const char *output);

#endif
