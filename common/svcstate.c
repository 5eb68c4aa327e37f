/*
 * svcstate.c: systemd unit states as Windows service states (svcstate.h).
 */
#include <stddef.h>
#include <string.h>

#include "svcstate.h"

static const struct {
	const char	*active;
	enum svc_state	 state;
} active_states[] = {
	{ "active", SVC_STATE_RUNNING },
	{ "reloading", SVC_STATE_RUNNING },
	{ "refreshing", SVC_STATE_RUNNING },
	{ "activating", SVC_STATE_START_PENDING },
	{ "deactivating", SVC_STATE_STOP_PENDING },
	{ "inactive", SVC_STATE_STOPPED },
	{ "failed", SVC_STATE_STOPPED },
	{ "maintenance", SVC_STATE_STOPPED },
};

/* indexed by enum svc_state */
static const struct {
	const char	*win32, *ansible;
} state_names[] = {
	[SVC_STATE_UNKNOWN] = { "Unknown", "stopped" },
	[SVC_STATE_STOPPED] = { "Stopped", "stopped" },
	[SVC_STATE_START_PENDING] = { "Start Pending", "start_pending" },
	[SVC_STATE_STOP_PENDING] = { "Stop Pending", "stop_pending" },
	[SVC_STATE_RUNNING] = { "Running", "running" },
};

static const struct {
	const char		*file_state;
	enum svc_start_mode	 mode;
} file_states[] = {
	{ "enabled", SVC_MODE_AUTO },
	{ "enabled-runtime", SVC_MODE_AUTO },
	{ "alias", SVC_MODE_AUTO },
	{ "linked", SVC_MODE_AUTO },
	{ "linked-runtime", SVC_MODE_AUTO },
	{ "masked", SVC_MODE_DISABLED },
	{ "masked-runtime", SVC_MODE_DISABLED },
	/* disabled, static, indirect, generated, transient, bad, "": Manual */
};

static const struct {
	const char	*win32, *ansible;
} mode_names[] = {
	[SVC_MODE_AUTO] = { "Auto", "auto" },
	[SVC_MODE_MANUAL] = { "Manual", "manual" },
	[SVC_MODE_DISABLED] = { "Disabled", "disabled" },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

enum svc_state
svc_state_of(const char *active_state)
{
	for (size_t i = 0; active_state != NULL && i < NELEM(active_states);
	    i++)
		if (strcmp(active_state, active_states[i].active) == 0)
			return active_states[i].state;
	return SVC_STATE_UNKNOWN;
}

const char *
svc_state_win32(enum svc_state s)
{
	return (size_t)s < NELEM(state_names) ? state_names[s].win32 :
	    state_names[SVC_STATE_UNKNOWN].win32;
}

const char *
svc_state_ansible(enum svc_state s)
{
	return (size_t)s < NELEM(state_names) ? state_names[s].ansible :
	    state_names[SVC_STATE_UNKNOWN].ansible;
}

enum svc_start_mode
svc_start_mode_of(const char *unit_file_state)
{
	for (size_t i = 0; unit_file_state != NULL && i < NELEM(file_states);
	    i++)
		if (strcmp(unit_file_state, file_states[i].file_state) == 0)
			return file_states[i].mode;
	return SVC_MODE_MANUAL;
}

const char *
svc_start_mode_win32(enum svc_start_mode m)
{
	return (size_t)m < NELEM(mode_names) ? mode_names[m].win32 : "Manual";
}

const char *
svc_start_mode_ansible(enum svc_start_mode m)
{
	return (size_t)m < NELEM(mode_names) ? mode_names[m].ansible : "manual";
}
