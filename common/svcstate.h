/*
 * svcstate.h: a systemd unit's ActiveState and UnitFileState as Windows
 * sees a service: the one mapping behind Win32_Service (providers/win32)
 * and Ansible's win_service (winrmd-native).  Pure functions, and the
 * D-Bus names both ask systemd with.
 *
 * ActiveState      Windows state
 * active           Running
 * reloading        Running      (a reload does not stop the service, as
 * refreshing       Running       SERVICE_CONTROL_PARAMCHANGE leaves a
 *                                Windows service SERVICE_RUNNING; systemd
 *                                255's refreshing keeps the main process)
 * activating       Start Pending
 * deactivating     Stop Pending
 * inactive, failed, maintenance   Stopped
 * anything else, none             Unknown
 */
#ifndef WINRMD_COMMON_SVCSTATE_H
#define WINRMD_COMMON_SVCSTATE_H

/* systemd's D-Bus service, object and interfaces */
#define SD_DEST		"org.freedesktop.systemd1"
#define SD_PATH		"/org/freedesktop/systemd1"
#define SD_MANAGER	"org.freedesktop.systemd1.Manager"
#define SD_UNIT		"org.freedesktop.systemd1.Unit"
#define SD_SERVICE	"org.freedesktop.systemd1.Service"
#define SD_JOB		"org.freedesktop.systemd1.Job"

enum svc_state {
	SVC_STATE_UNKNOWN,
	SVC_STATE_STOPPED,
	SVC_STATE_START_PENDING,
	SVC_STATE_STOP_PENDING,
	SVC_STATE_RUNNING,
};

enum svc_start_mode {
	SVC_MODE_AUTO,		/* enabled, alias, linked (+ -runtime) */
	SVC_MODE_MANUAL,	/* disabled, static, indirect, ..., none */
	SVC_MODE_DISABLED,	/* masked, masked-runtime */
};

/* ActiveState (NULL: unknown) -> state */
enum svc_state svc_state_of(const char *active_state);
/* Win32_Service.State: "Running", "Start Pending", ..., "Unknown" */
const char *svc_state_win32(enum svc_state s);
/*
 * win_service's state: "running", "start_pending", ...; it has no
 * "unknown": a state systemd does not name is "stopped"
 */
const char *svc_state_ansible(enum svc_state s);

/* UnitFileState (NULL or "": a unit without a file) -> start mode */
enum svc_start_mode svc_start_mode_of(const char *unit_file_state);
/* Win32_Service.StartMode: "Auto", "Manual", "Disabled" */
const char *svc_start_mode_win32(enum svc_start_mode m);
/* win_service's start_mode: "auto", "manual", "disabled" */
const char *svc_start_mode_ansible(enum svc_start_mode m);

#endif
