/*
 * mod_service.c: win_service on systemd, through sd-bus, with the user's
 * rights (polkit decides; root may do everything).  A name without a dot
 * is NAME.service.  state started/stopped/restarted start and stop the
 * unit and wait for its job; start_mode auto/delayed = enabled, manual =
 * not enabled (unmasked), disabled = masked.  The return values are
 * win_service's: state running/stopped/..., start_mode, display_name
 * (Description), path (ExecStart's program), username (User=, LocalSystem
 * for root), dependencies (Requires+Wants), depended_by
 * (RequiredBy+WantedBy).  Options that would create or reconfigure a
 * service (path, username, ...) are refused with a clear message.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "native.h"
#include "svcstate.h"
#include "text.h"

#define JOB_WAIT_MS	90000

struct unit {
	char	*path;		/* D-Bus object */
	char	*load, *active, *sub, *file_state, *description, *user, *exec;
	char	**requires, **wants, **required_by, **wanted_by;
};

static void
unit_free(struct unit *u)
{
	free(u->path);
	free(u->load);
	free(u->active);
	free(u->sub);
	free(u->file_state);
	free(u->description);
	free(u->user);
	free(u->exec);
	strv_free(u->requires);
	strv_free(u->wants);
	strv_free(u->required_by);
	strv_free(u->wanted_by);
	memset(u, 0, sizeof(*u));
}

static char *
prop_str(sd_bus *bus, const char *path, const char *iface, const char *name)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	char *s = NULL;

	if (sd_bus_get_property_string(bus, SD_DEST, path, iface, name, &err,
	    &s) < 0)
		s = NULL;
	sd_bus_error_free(&err);
	return s;
}

static char **
prop_strv(sd_bus *bus, const char *path, const char *name)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	char **v = NULL;

	if (sd_bus_get_property_strv(bus, SD_DEST, path, SD_UNIT, name, &err,
	    &v) < 0)
		v = NULL;
	sd_bus_error_free(&err);
	return v;
}

/* ExecStart's first program */
static char *
prop_exec(sd_bus *bus, const char *path)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *prog = NULL;
	char *r = NULL;

	if (sd_bus_get_property(bus, SD_DEST, path, SD_SERVICE, "ExecStart",
	    &err, &reply, "a(sasbttttuii)") >= 0 &&
	    sd_bus_message_enter_container(reply, 'a', "(sasbttttuii)") > 0 &&
	    sd_bus_message_enter_container(reply, 'r', "sasbttttuii") > 0 &&
	    sd_bus_message_read(reply, "s", &prog) > 0 && prog != NULL)
		r = xstrdup(prog);
	sd_bus_message_unref(reply);
	sd_bus_error_free(&err);
	return r;
}

/* LoadUnit and the properties: 0, or -errno with err set */
static int
unit_read(sd_bus *bus, const char *name, struct unit *u, sd_bus_error *err)
{
	sd_bus_message *reply = NULL;
	const char *path;
	int r;

	memset(u, 0, sizeof(*u));
	r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "LoadUnit",
	    err, &reply, "s", name);
	if (r < 0)
		return r;
	if ((r = sd_bus_message_read(reply, "o", &path)) < 0) {
		sd_bus_message_unref(reply);
		return r;
	}
	u->path = xstrdup(path);
	sd_bus_message_unref(reply);
	u->load = prop_str(bus, u->path, SD_UNIT, "LoadState");
	u->active = prop_str(bus, u->path, SD_UNIT, "ActiveState");
	u->sub = prop_str(bus, u->path, SD_UNIT, "SubState");
	u->file_state = prop_str(bus, u->path, SD_UNIT, "UnitFileState");
	u->description = prop_str(bus, u->path, SD_UNIT, "Description");
	u->user = prop_str(bus, u->path, SD_SERVICE, "User");
	u->exec = prop_exec(bus, u->path);
	u->requires = prop_strv(bus, u->path, "Requires");
	u->wants = prop_strv(bus, u->path, "Wants");
	u->required_by = prop_strv(bus, u->path, "RequiredBy");
	u->wanted_by = prop_strv(bus, u->path, "WantedBy");
	return 0;
}

static bool
exists(const struct unit *u)
{
	return u->load != NULL && strcmp(u->load, "not-found") != 0;
}

/* win_service's state and start_mode names (common/svcstate.h) */
static const char *
win_state(const char *active)
{
	return svc_state_ansible(svc_state_of(active));
}

static const char *
win_start_mode(const char *fs)
{
	return svc_start_mode_ansible(svc_start_mode_of(fs));
}

static struct json_object *
strv_json(char **a, char **b)
{
	struct json_object *arr = json_object_new_array();

	for (char **v = a; v != NULL && *v != NULL; v++)
		json_object_array_add(arr, json_object_new_string(*v));
	for (char **v = b; v != NULL && *v != NULL; v++)
		json_object_array_add(arr, json_object_new_string(*v));
	return arr;
}

static void
report(struct mod *m, const char *name, const struct unit *u,
    const char *state, const char *start_mode)
{
	res_bool(m, "exists", true);
	res_str(m, "name", name);
	res_str(m, "display_name", u->description ? u->description : name);
	res_str(m, "description", u->description ? u->description : "");
	res_str(m, "state", state);
	res_str(m, "start_mode", start_mode);
	res_str(m, "path", u->exec);
	res_str(m, "username", u->user == NULL || u->user[0] == '\0' ||
	    strcmp(u->user, "root") == 0 ? "LocalSystem" : u->user);
	res_bool(m, "desktop_interact", false);
	res_bool(m, "can_pause_and_continue", false);
	res_set(m, "dependencies", strv_json(u->requires, u->wants));
	res_set(m, "depended_by", strv_json(u->required_by, u->wanted_by));
}

/* waits until the job object is gone */
static void
job_wait(sd_bus *bus, const char *job)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	for (int waited = 0; waited < JOB_WAIT_MS; waited += 100) {
		char *st = prop_str(bus, job, SD_JOB, "State");

		if (st == NULL)
			return;
		free(st);
		nanosleep(&ts, NULL);
	}
}

/* Start/Stop/RestartUnit and its job: 0, or a failure already reported */
static int
unit_job(struct mod *m, sd_bus *bus, const char *method, const char *unit)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *job;
	int r;

	r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, method, &err,
	    &reply, "ss", unit, "replace");
	if (r < 0) {
		mod_fail(m, "%s %s failed: %s", method, unit, err.message ?
		    err.message : strerror(-r));
		sd_bus_error_free(&err);
		return 1;
	}
	if (sd_bus_message_read(reply, "o", &job) > 0)
		job_wait(bus, job);
	sd_bus_message_unref(reply);
	return 0;
}

/* (Un)Mask/Enable/DisableUnitFiles, then Reload */
static int
unit_files(struct mod *m, sd_bus *bus, const char *method, const char *unit)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *call = NULL, *reply = NULL;
	int r;

	if ((r = sd_bus_message_new_method_call(bus, &call, SD_DEST, SD_PATH,
	    SD_MANAGER, method)) < 0 ||
	    (r = sd_bus_message_append_strv(call, (char *[]){ (char *)unit,
	    NULL })) < 0 ||
	    (r = sd_bus_message_append(call, "b", 0)) < 0)
		goto out;
	if ((strcmp(method, "EnableUnitFiles") == 0 ||
	    strcmp(method, "MaskUnitFiles") == 0) &&
	    (r = sd_bus_message_append(call, "b", 1)) < 0)
		goto out;
	if ((r = sd_bus_call(bus, call, 0, &err, &reply)) < 0)
		goto out;
	sd_bus_message_unref(reply);
	reply = NULL;
	r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "Reload",
	    &err, &reply, "");
out:
	if (r < 0)
		mod_fail(m, "%s %s failed: %s", method, unit, err.message ?
		    err.message : strerror(-r));
	sd_bus_error_free(&err);
	sd_bus_message_unref(call);
	sd_bus_message_unref(reply);
	return r < 0 ? 1 : 0;
}

int
mod_win_service(struct mod *m)
{
	static const char *const unsupported[] = {
		"path", "username", "password", "display_name", "description",
		"dependencies", "error_control", "failure_actions",
		"failure_command", "load_order_group", "service_type",
		"sid_info", "required_privileges", "pre_shutdown_timeout_ms",
	};
	const char *name = arg_str(m, "name"), *state = arg_str(m, "state");
	const char *mode = arg_str(m, "start_mode");
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus *bus = NULL;
	struct unit u;
	char *unit;
	const char *now_state, *now_mode;
	int r;

	if (name == NULL || name[0] == '\0')
		return mod_fail(m, "missing required arguments: name");
	if (state != NULL && strcmp(state, "started") != 0 &&
	    strcmp(state, "stopped") != 0 && strcmp(state, "restarted") != 0 &&
	    strcmp(state, "absent") != 0 && strcmp(state, "paused") != 0)
		return mod_fail(m, "value of state must be one of: started, "
		    "stopped, restarted, absent, paused, got: %s", state);
	if (mode != NULL && strcmp(mode, "auto") != 0 &&
	    strcmp(mode, "manual") != 0 && strcmp(mode, "disabled") != 0 &&
	    strcmp(mode, "delayed") != 0)
		return mod_fail(m, "value of start_mode must be one of: auto, "
		    "manual, disabled, delayed, got: %s", mode);
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (arg_str(m, unsupported[i]) != NULL)
			return mod_fail(m, "win_service on this Linux host changes "
			    "the state and start_mode of systemd units only; "
			    "the option %s is not supported by winrmd",
			    unsupported[i]);
	if (access("/run/systemd/system", F_OK) < 0)
		return mod_fail(m, "win_service needs systemd, and systemd is not "
		    "running on this host (no /run/systemd/system)");
	if ((r = sd_bus_open_system(&bus)) < 0)
		return mod_fail(m, "win_service cannot reach systemd on the "
		    "system bus: %s", strerror(-r));
	unit = strchr(name, '.') != NULL ? xstrdup(name) :
	    xasprintf("%s.service", name);
	if ((r = unit_read(bus, unit, &u, &err)) < 0) {
		mod_fail(m, "cannot look up %s: %s", unit, err.message ?
		    err.message : strerror(-r));
		goto out;
	}
	res_bool(m, "exists", false);
	if (!exists(&u)) {
		if (state != NULL && strcmp(state, "absent") == 0)
			goto out;
		if (state != NULL || mode != NULL)
			mod_fail(m, "Service '%s' is not installed, need to set "
			    "'path' to create a new service", name);
		goto out;
	}
	if (state != NULL && strcmp(state, "absent") == 0) {
		mod_fail(m, "win_service cannot remove %s: systemd units belong to "
		    "packages; remove the package instead", unit);
		goto out;
	}
	if (state != NULL && strcmp(state, "paused") == 0) {
		mod_fail(m, "systemd services cannot be paused (%s)", unit);
		goto out;
	}
	now_state = win_state(u.active);
	now_mode = win_start_mode(u.file_state);
	if (m->diff_mode) {
		struct json_object *d = json_object_new_object(),
		    *b = json_object_new_object();

		json_object_object_add(b, "name", json_object_new_string(name));
		json_object_object_add(b, "state", json_object_new_string(now_state));
		json_object_object_add(b, "start_mode",
		    json_object_new_string(now_mode));
		json_object_object_add(d, "before", b);
		res_set(m, "diff", d);
	}
	/* start_mode first: a masked unit cannot be started */
	if (mode != NULL) {
		const char *want = strcmp(mode, "delayed") == 0 ? "auto" : mode;

		if (strcmp(want, now_mode) != 0) {
			res_bool(m, "changed", true);
			if (!m->check_mode) {
				if (strcmp(now_mode, "disabled") == 0 &&
				    unit_files(m, bus, "UnmaskUnitFiles", unit))
					goto out;
				if (strcmp(want, "auto") == 0 &&
				    unit_files(m, bus, "EnableUnitFiles", unit))
					goto out;
				if (strcmp(want, "manual") == 0 &&
				    strcmp(now_mode, "auto") == 0 &&
				    unit_files(m, bus, "DisableUnitFiles", unit))
					goto out;
				if (strcmp(want, "disabled") == 0 &&
				    ((strcmp(now_mode, "auto") == 0 &&
				    unit_files(m, bus, "DisableUnitFiles", unit)) ||
				    unit_files(m, bus, "MaskUnitFiles", unit)))
					goto out;
			}
			now_mode = want;
		}
	}
	if (state != NULL) {
		const char *method = NULL, *target = NULL;

		if (strcmp(state, "started") == 0 &&
		    strcmp(now_state, "running") != 0) {
			method = "StartUnit";
			target = "running";
		} else if (strcmp(state, "stopped") == 0 &&
		    strcmp(now_state, "stopped") != 0) {
			method = "StopUnit";
			target = "stopped";
		} else if (strcmp(state, "restarted") == 0) {
			method = "RestartUnit";
			target = "running";
		}
		if (method != NULL) {
			res_bool(m, "changed", true);
			if (!m->check_mode && unit_job(m, bus, method, unit))
				goto out;
			now_state = target;
		}
	}
	if (!m->check_mode) {
		/* what systemd says now */
		struct unit after;
		sd_bus_error e2 = SD_BUS_ERROR_NULL;

		if (unit_read(bus, unit, &after, &e2) == 0) {
			unit_free(&u);
			u = after;
			now_state = win_state(u.active);
			if (state != NULL && strcmp(state, "stopped") != 0 &&
			    strcmp(now_state, "running") != 0) {
				sd_bus_error_free(&e2);
				report(m, name, &u, now_state, now_mode);
				mod_fail(m, "failed to start service %s: it is %s "
				    "(%s)", unit, u.active ? u.active : "?",
				    u.sub ? u.sub : "?");
				goto out;
			}
		}
		sd_bus_error_free(&e2);
	}
	report(m, name, &u, now_state, now_mode);
	if (m->diff_mode) {
		struct json_object *d, *a = json_object_new_object();

		json_object_object_get_ex(m->result, "diff", &d);
		json_object_object_add(a, "name", json_object_new_string(name));
		json_object_object_add(a, "state", json_object_new_string(now_state));
		json_object_object_add(a, "start_mode",
		    json_object_new_string(now_mode));
		json_object_object_add(d, "after", a);
	}
out:
	unit_free(&u);
	free(unit);
	sd_bus_error_free(&err);
	sd_bus_flush_close_unref(bus);
	return 0;
}
