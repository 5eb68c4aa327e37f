/*
 * win32_service.c: Win32_Service from systemd's service units over D-Bus
 * (key Name = the unit name without ".service"), and the methods
 * StartService, StopService and ChangeStartMode, which run systemctl as
 * the caller so that systemd and polkit decide with the caller's rights.
 * Every D-Bus call is asynchronous (sdbus.c); every call into the class
 * that waits returns CIM_PENDING.  Without systemd the class is empty.
 * winrmd's own unit is also the service "WinRM", as on Windows (`winrm get
 * wmicimv2/Win32_Service?Name=WinRM'): Get and the methods of WinRM act on
 * it, and enumeration lists it under both names.
 */
#define _GNU_SOURCE

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procfs.h"
#include <systemd/sd-login.h>

#include "sdbus.h"
#include "svcmap.h"
#include "svcstate.h"
#include "win32.h"

#define SUFFIX		".service"
#define MAX_INFLIGHT	48	/* the system bus allows 128 pending replies */
#define OUTPUT_MAX	4096	/* systemctl's messages kept */
#define WINRM_NAME	"WinRM"	/* Windows' name of the WinRM service */
#define OWN_UNIT	"winrmd.service"

enum {
	SP_NAME, SP_DISPLAY_NAME, SP_CAPTION, SP_DESCRIPTION, SP_STATE,
	SP_STARTED, SP_START_MODE, SP_STATUS, SP_PROCESS_ID, SP_PATH_NAME,
	SP_START_NAME, SP_EXIT_CODE, SP_SERVICE_SPECIFIC_EXIT_CODE,
	SP_SERVICE_TYPE, SP_ACCEPT_STOP, SP_ACCEPT_PAUSE, SP_DESKTOP_INTERACT,
	SP_DELAYED_AUTO_START, SP_CHECK_POINT, SP_WAIT_HINT, SP_SYSTEM_NAME,
	SP_CREATION_CLASS_NAME, SP_SYSTEM_CREATION_CLASS_NAME,
	SP_COUNT
};

static const struct cim_property service_props[SP_COUNT] = {
	[SP_NAME] = { "Name", CIM_STRING, CIM_KEY },
	[SP_DISPLAY_NAME] = { "DisplayName", CIM_STRING, 0 },
	[SP_CAPTION] = { "Caption", CIM_STRING, 0 },
	[SP_DESCRIPTION] = { "Description", CIM_STRING, 0 },
	[SP_STATE] = { "State", CIM_STRING, 0 },
	[SP_STARTED] = { "Started", CIM_BOOLEAN, 0 },
	[SP_START_MODE] = { "StartMode", CIM_STRING, 0 },
	[SP_STATUS] = { "Status", CIM_STRING, 0 },
	[SP_PROCESS_ID] = { "ProcessId", CIM_UINT32, 0 },
	[SP_PATH_NAME] = { "PathName", CIM_STRING, 0 },
	[SP_START_NAME] = { "StartName", CIM_STRING, 0 },
	[SP_EXIT_CODE] = { "ExitCode", CIM_UINT32, 0 },
	[SP_SERVICE_SPECIFIC_EXIT_CODE] = { "ServiceSpecificExitCode", CIM_UINT32, 0 },
	[SP_SERVICE_TYPE] = { "ServiceType", CIM_STRING, 0 },
	[SP_ACCEPT_STOP] = { "AcceptStop", CIM_BOOLEAN, 0 },
	[SP_ACCEPT_PAUSE] = { "AcceptPause", CIM_BOOLEAN, 0 },
	[SP_DESKTOP_INTERACT] = { "DesktopInteract", CIM_BOOLEAN, 0 },
	[SP_DELAYED_AUTO_START] = { "DelayedAutoStart", CIM_BOOLEAN, 0 },
	[SP_CHECK_POINT] = { "CheckPoint", CIM_UINT32, 0 },
	[SP_WAIT_HINT] = { "WaitHint", CIM_UINT32, 0 },
	[SP_SYSTEM_NAME] = { "SystemName", CIM_STRING, 0 },
	[SP_CREATION_CLASS_NAME] = { "CreationClassName", CIM_STRING, 0 },
	[SP_SYSTEM_CREATION_CLASS_NAME] = { "SystemCreationClassName", CIM_STRING, 0 },
};

/* what D-Bus told about one unit */
struct unit_info {
	struct w32_svc_job	*job;
	char			*name;		/* "ssh.service", as asked */
	const char		*alias;		/* "WinRM" for winrmd's unit, or NULL */
	char			*id, *description, *load_state;
	char			*active_state, *unit_file_state;
	char			*result, *user, *type, *path_name;
	bool			 can_stop;
	uint32_t		 main_pid, exec_main_status;
	uint64_t		 exec_main_start;
	bool			 got_unit, got_service;
};

enum job_kind { JOB_ENUMERATE, JOB_GET, JOB_METHOD };

struct w32_svc_job {
	struct w32_svc_job	*next;
	enum job_kind		 kind;
	struct cim_ctx		*ctx;
	struct unit_info	*units;
	size_t			 n, cap;
	size_t			 next_query;	/* enumeration: next unit to ask */
	int			 inflight;	/* D-Bus replies awaited */
	bool			 listing;	/* enumeration: lists not all in */
	bool			 list_failed;
	char			 errmsg[256];
	bool			 lowercased;	/* get: tried the name in lower case */

	/* methods */
	struct cim_instance	*out;
	enum svc_op		 op;
	struct winrmd_principal	 user;		/* the host's, until complete */
	char			 user_name[64];
	struct winrmd_child	 child;
	bool			 spawned;
	struct winrmd_watch	*w_pid, *w_out;
	char			 output[OUTPUT_MAX];
	size_t			 nout;
};

/* ------------------------------------------------------------ jobs */

static void
unit_done(struct unit_info *u)
{
	free(u->name);
	free(u->id);
	free(u->description);
	free(u->load_state);
	free(u->active_state);
	free(u->unit_file_state);
	free(u->result);
	free(u->user);
	free(u->type);
	free(u->path_name);
}

static struct w32_svc_job *
job_new(enum job_kind kind, struct cim_ctx *ctx)
{
	struct w32_svc_job *job = calloc(1, sizeof(*job));

	if (job == NULL)
		return NULL;
	job->kind = kind;
	job->ctx = ctx;
	job->child.pidfd = job->child.in_fd = job->child.out_fd =
	    job->child.err_fd = -1;
	job->next = w32->svc_jobs;
	w32->svc_jobs = job;
	return job;
}

static void
job_close_child(struct w32_svc_job *job)
{
	if (job->w_out != NULL)
		w32->host->watch_remove(job->w_out);
	if (job->w_pid != NULL)
		w32->host->watch_remove(job->w_pid);
	job->w_out = job->w_pid = NULL;
	if (job->child.out_fd >= 0)
		close(job->child.out_fd);
	if (job->child.pidfd >= 0)
		close(job->child.pidfd);
	job->child.out_fd = job->child.pidfd = -1;
}

static void
job_free(struct w32_svc_job *job)
{
	for (struct w32_svc_job **pp = &w32->svc_jobs; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == job) {
			*pp = job->next;
			break;
		}
	job_close_child(job);
	for (size_t k = 0; k < job->n; k++)
		unit_done(&job->units[k]);
	free(job->units);
	free(job);
}

static int
job_add_unit(struct w32_svc_job *job, const char *name)
{
	struct unit_info *u;

	if (job->n == job->cap) {
		size_t cap = job->cap ? 2 * job->cap : 64;

		if ((u = realloc(job->units, cap * sizeof(*u))) == NULL)
			return -ENOMEM;
		job->units = u;
		job->cap = cap;
	}
	u = &job->units[job->n];
	memset(u, 0, sizeof(*u));
	u->job = job;
	if ((u->name = strdup(name)) == NULL)
		return -ENOMEM;
	job->n++;
	return 0;
}

static bool
systemd_running(void)
{
	if (access(w32->paths.systemd, F_OK) == 0)
		return true;
	if (!w32->said_no_systemd)
		w32->host->log(WINRMD_LOG_NOTICE, "win32: Win32_Service is "
		    "empty: systemd is not running (no %s)",
		    w32->paths.systemd);
	w32->said_no_systemd = true;
	return false;
}

static int
open_bus(sd_bus **ret)
{
	int r = w32_bus_get(ret);

	if (r < 0 && !w32->said_no_bus) {
		w32->host->log(WINRMD_LOG_WARNING, "win32: Win32_Service: no "
		    "connection to the system bus: %s", strerror(-r));
		w32->said_no_bus = true;
	}
	return r;
}

/* ------------------------------------------------------- properties */

static int
read_string(sd_bus_message *m, const char *contents, char **slot)
{
	const char *s;
	int r;

	if (strcmp(contents, "s") != 0)
		return sd_bus_message_skip(m, "v");
	if ((r = sd_bus_message_read(m, "v", "s", &s)) < 0)
		return r;
	free(*slot);
	return (*slot = strdup(s)) != NULL ? 0 : -ENOMEM;
}

/* ExecStart a(sasbttttuii): the first command, as one line */
static int
read_exec_start(sd_bus_message *m, const char *contents, char **slot)
{
	const char *path;
	char **argv = NULL;
	int r;

	if (strcmp(contents, "a(sasbttttuii)") != 0)
		return sd_bus_message_skip(m, "v");
	if ((r = sd_bus_message_enter_container(m, 'v', contents)) < 0 ||
	    (r = sd_bus_message_enter_container(m, 'a', "(sasbttttuii)")) < 0)
		return r;
	if ((r = sd_bus_message_enter_container(m, 'r', "sasbttttuii")) > 0) {
		size_t len = 0;
		char *line;

		if ((r = sd_bus_message_read(m, "s", &path)) < 0 ||
		    (r = sd_bus_message_read_strv(m, &argv)) < 0 ||
		    (r = sd_bus_message_skip(m, "bttttuii")) < 0 ||
		    (r = sd_bus_message_exit_container(m)) < 0)
			goto out;
		/* the path, then argv[1..], quoted where needed */
		len = 2 * strlen(path) + 3;
		for (size_t i = 1; argv != NULL && argv[i] != NULL; i++)
			len += 2 * strlen(argv[i]) + 3;
		if ((line = malloc(len + 1)) == NULL) {
			r = -ENOMEM;
			goto out;
		}
		len = 0;
		for (size_t i = 0; i == 0 || (argv != NULL && argv[i] != NULL);
		    i++) {
			const char *a = i == 0 ? path : argv[i];

			if (i > 0)
				line[len++] = ' ';
			len += procfs_quote_arg(a, strlen(a), line + len);
		}
		line[len] = '\0';
		free(*slot);
		*slot = line;
	}
	if (r < 0)
		goto out;
	while ((r = sd_bus_message_at_end(m, false)) == 0)
		if ((r = sd_bus_message_skip(m, "(sasbttttuii)")) < 0)
			goto out;
	if (r >= 0 && (r = sd_bus_message_exit_container(m)) >= 0)
		r = sd_bus_message_exit_container(m);
out:
	if (argv != NULL) {
		for (size_t i = 0; argv[i] != NULL; i++)
			free(argv[i]);
		free(argv);
	}
	return r < 0 ? r : 0;
}

/* GetAll's a{sv} into u */
static int
read_properties(sd_bus_message *m, struct unit_info *u)
{
	int r;

	if ((r = sd_bus_message_enter_container(m, 'a', "{sv}")) < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		const char *key, *contents = NULL;
		char type;

		if ((r = sd_bus_message_read(m, "s", &key)) < 0 ||
		    (r = sd_bus_message_peek_type(m, &type, &contents)) < 0)
			return r;
		if (contents == NULL)
			contents = "";
		if (strcmp(key, "Id") == 0)
			r = read_string(m, contents, &u->id);
		else if (strcmp(key, "Description") == 0)
			r = read_string(m, contents, &u->description);
		else if (strcmp(key, "LoadState") == 0)
			r = read_string(m, contents, &u->load_state);
		else if (strcmp(key, "ActiveState") == 0)
			r = read_string(m, contents, &u->active_state);
		else if (strcmp(key, "UnitFileState") == 0)
			r = read_string(m, contents, &u->unit_file_state);
		else if (strcmp(key, "Result") == 0)
			r = read_string(m, contents, &u->result);
		else if (strcmp(key, "User") == 0)
			r = read_string(m, contents, &u->user);
		else if (strcmp(key, "Type") == 0)
			r = read_string(m, contents, &u->type);
		else if (strcmp(key, "ExecStart") == 0)
			r = read_exec_start(m, contents, &u->path_name);
		else if (strcmp(key, "CanStop") == 0 &&
		    strcmp(contents, "b") == 0) {
			int b;

			if ((r = sd_bus_message_read(m, "v", "b", &b)) >= 0)
				u->can_stop = b != 0;
		} else if (strcmp(key, "MainPID") == 0 &&
		    strcmp(contents, "u") == 0)
			r = sd_bus_message_read(m, "v", "u", &u->main_pid);
		else if (strcmp(key, "ExecMainStatus") == 0 &&
		    strcmp(contents, "i") == 0) {
			int32_t st;

			if ((r = sd_bus_message_read(m, "v", "i", &st)) >= 0)
				u->exec_main_status = (uint32_t)st;
		} else if (strcmp(key, "ExecMainStartTimestamp") == 0 &&
		    strcmp(contents, "t") == 0)
			r = sd_bus_message_read(m, "v", "t",
			    &u->exec_main_start);
		else
			r = sd_bus_message_skip(m, "v");
		if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0)
			return r;
	}
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

/* ------------------------------------------------------------ emit */

static bool
unit_emit(struct cim_ctx *ctx, const struct unit_info *u, const char *host)
{
	const struct cim_services *svc = w32->svc;
	struct cim_instance *i;
	char name[256];
	const char *display;
	size_t n = strlen(u->id);
	uint32_t exit_code, specific;
	bool started = svcmap_started(u->active_state);

	if (n <= strlen(SUFFIX) || n - strlen(SUFFIX) >= sizeof(name))
		return true;
	memcpy(name, u->id, n - strlen(SUFFIX));
	name[n - strlen(SUFFIX)] = '\0';
	if (u->alias != NULL)
		snprintf(name, sizeof(name), "%s", u->alias);
	if ((i = svc->instance(ctx)) == NULL) {
		w32_fail_nomem(ctx);
		return false;
	}
	display = u->description != NULL && u->description[0] != '\0' ?
	    u->description : name;
	svc->set_string(i, SP_NAME, name);
	svc->set_string(i, SP_DISPLAY_NAME, display);
	svc->set_string(i, SP_CAPTION, display);
	svc->set_string(i, SP_DESCRIPTION, u->description);
	svc->set_string(i, SP_STATE, svcmap_state(u->active_state));
	svc->set_bool(i, SP_STARTED, started);
	svc->set_string(i, SP_START_MODE,
	    svcmap_start_mode(u->unit_file_state));
	svc->set_string(i, SP_STATUS, svcmap_status(u->active_state,
	    u->load_state));
	svc->set_uint(i, SP_PROCESS_ID, u->main_pid);
	if (u->path_name != NULL)
		svc->set_string(i, SP_PATH_NAME, u->path_name);
	/* no User=: the system's own account */
	svc->set_string(i, SP_START_NAME, u->user != NULL &&
	    u->user[0] != '\0' ? u->user : "LocalSystem");
	if (u->got_service) {
		svcmap_exit_codes(u->result, u->exec_main_status,
		    u->exec_main_start, &exit_code, &specific);
		svc->set_uint(i, SP_EXIT_CODE, exit_code);
		svc->set_uint(i, SP_SERVICE_SPECIFIC_EXIT_CODE, specific);
	}
	svc->set_string(i, SP_SERVICE_TYPE, svcmap_service_type(u->type));
	svc->set_bool(i, SP_ACCEPT_STOP, started && u->can_stop);
	svc->set_bool(i, SP_ACCEPT_PAUSE, false);
	svc->set_bool(i, SP_DESKTOP_INTERACT, false);
	svc->set_bool(i, SP_DELAYED_AUTO_START, false);
	svc->set_uint(i, SP_CHECK_POINT, 0);
	svc->set_uint(i, SP_WAIT_HINT, 0);
	svc->set_string(i, SP_SYSTEM_NAME, host);
	svc->set_string(i, SP_CREATION_CLASS_NAME, "Win32_Service");
	svc->set_string(i, SP_SYSTEM_CREATION_CLASS_NAME,
	    "Win32_ComputerSystem");
	return svc->emit(ctx, i);
}

/* a unit worth an instance: loaded (or at least known) and not an alias */
static bool
unit_exists(const struct unit_info *u)
{
	return u->got_unit && u->id != NULL && strcmp(u->id, u->name) == 0 &&
	    u->load_state != NULL && strcmp(u->load_state, "not-found") != 0;
}

/* enumeration and get: emit what came, complete the call, free the job */
static void
job_finish_query(struct w32_svc_job *job)
{
	struct cim_ctx *ctx = job->ctx;
	char host[256];

	w32_hostname(host, sizeof(host));
	if (job->list_failed && job->n == 0)
		w32->svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR,
		    "systemd: %s", job->errmsg);
	else
		for (size_t k = 0; k < job->n; k++)
			if (unit_exists(&job->units[k]) &&
			    !unit_emit(ctx, &job->units[k], host))
				break;
	job->ctx = NULL;
	job_free(job);
	w32->svc->complete(ctx);
}

/* ------------------------------------------------------- unit queries */

static void query_units(struct w32_svc_job *job);
static void method_continue(struct w32_svc_job *job);
static int query_one(struct unit_info *u, bool service_too);

static void
unit_reply(struct unit_info *u, sd_bus_message *m, bool service)
{
	struct w32_svc_job *job = u->job;

	job->inflight--;
	if (sd_bus_message_is_method_error(m, NULL)) {
		const sd_bus_error *e = sd_bus_message_get_error(m);

		w32->host->log(WINRMD_LOG_DEBUG, "win32: %s: %s", u->name,
		    e && e->message ? e->message : "D-Bus error");
	} else if (read_properties(m, u) >= 0) {
		if (service)
			u->got_service = true;
		else
			u->got_unit = true;
	}
	if (job->inflight > 0 || (job->kind == JOB_ENUMERATE &&
	    job->next_query < job->n)) {
		if (job->kind == JOB_ENUMERATE)
			query_units(job);
		return;
	}
	switch (job->kind) {
	case JOB_ENUMERATE:
		job_finish_query(job);
		break;
	case JOB_GET:
		/* "SSH" names no unit, "ssh" may */
		if (!unit_exists(u) && !job->lowercased) {
			bool upper = false;

			for (char *p = u->name; *p != '\0'; p++)
				if (isupper((unsigned char)*p)) {
					*p = (char)tolower((unsigned char)*p);
					upper = true;
				}
			job->lowercased = true;
			if (upper) {
				free(u->id);
				free(u->load_state);
				u->id = u->load_state = NULL;
				u->got_unit = u->got_service = false;
				if (query_one(u, true) == 0)
					return;
			}
		}
		job_finish_query(job);
		break;
	case JOB_METHOD:
		method_continue(job);
		break;
	}
}

static int
on_unit_props(sd_bus_message *m, void *arg, sd_bus_error *err)
{
	(void)err;
	unit_reply(arg, m, false);
	return 0;
}

static int
on_service_props(sd_bus_message *m, void *arg, sd_bus_error *err)
{
	(void)err;
	unit_reply(arg, m, true);
	return 0;
}

/* GetAll of the unit (and its service) interface: 0 or -errno */
static int
query_one(struct unit_info *u, bool service_too)
{
	sd_bus *bus;
	char *path = NULL;
	int r;

	if ((r = w32_bus_get(&bus)) < 0 ||
	    (r = sd_bus_path_encode(SD_PATH "/unit", u->name, &path)) < 0)
		return r;
	r = sd_bus_call_method_async(bus, NULL, SD_DEST, path,
	    "org.freedesktop.DBus.Properties", "GetAll", on_unit_props, u,
	    "s", SD_UNIT);
	if (r >= 0) {
		u->job->inflight++;
		if (service_too && (r = sd_bus_call_method_async(bus, NULL,
		    SD_DEST, path, "org.freedesktop.DBus.Properties", "GetAll",
		    on_service_props, u, "s", SD_SERVICE)) >= 0)
			u->job->inflight++;
	}
	free(path);
	w32_bus_kick();
	return r < 0 && u->job->inflight == 0 ? r : 0;
}

/* keeps up to MAX_INFLIGHT replies awaited */
static void
query_units(struct w32_svc_job *job)
{
	while (job->next_query < job->n && job->inflight + 2 <= MAX_INFLIGHT)
		if (query_one(&job->units[job->next_query++], true) < 0)
			continue;	/* that one stays unknown */
	if (job->inflight == 0)
		job_finish_query(job);
}

/* the order of Win32_Service's Name: the unit name, or the alias */
static int
name_cmp(const void *a, const void *b)
{
	const struct unit_info *x = a, *y = b;
	char kx[256], ky[256];

	if (x->alias == NULL && y->alias == NULL)
		return strcmp(x->name, y->name);
	snprintf(kx, sizeof(kx), "%s%s", x->alias ? x->alias : x->name,
	    x->alias ? SUFFIX : "");
	snprintf(ky, sizeof(ky), "%s%s", y->alias ? y->alias : y->name,
	    y->alias ? SUFFIX : "");
	return strcmp(kx, ky);
}

static bool is_service_name(const char *name);
static const char *own_unit(void);

/* both lists are in: one query per distinct unit */
static void
lists_done(struct w32_svc_job *job)
{
	size_t o = 0;

	if (job->n > 1)
		qsort(job->units, job->n, sizeof(*job->units), name_cmp);
	for (size_t k = 0; k < job->n; k++) {
		if (o > 0 && strcmp(job->units[o - 1].name,
		    job->units[k].name) == 0) {
			unit_done(&job->units[k]);
			continue;
		}
		job->units[o++] = job->units[k];
	}
	job->n = o;
	/* winrmd's own unit once more, as WinRM, in its place by name */
	for (size_t k = 0; k < o; k++)
		if (strcmp(job->units[k].name, own_unit()) == 0) {
			if (job_add_unit(job, own_unit()) == 0) {
				job->units[job->n - 1].alias = WINRM_NAME;
				qsort(job->units, job->n, sizeof(*job->units),
				    name_cmp);
			}
			break;
		}
	job->listing = false;
	query_units(job);
}

static bool
is_service_name(const char *name)
{
	size_t n = strlen(name);

	size_t k = strlen(SUFFIX);

	/* "x@.service" is a template, not a service */
	return n > k && strcmp(name + n - k, SUFFIX) == 0 &&
	    name[n - k - 1] != '@';
}

static void
list_error(struct w32_svc_job *job, sd_bus_message *m)
{
	const sd_bus_error *e = sd_bus_message_get_error(m);

	job->list_failed = true;
	snprintf(job->errmsg, sizeof(job->errmsg), "%s",
	    e && e->message ? e->message : "D-Bus error");
	w32->host->log(WINRMD_LOG_WARNING, "win32: Win32_Service: %s",
	    job->errmsg);
}

/* ListUnitsByPatterns: a(ssssssouso), the loaded units */
static int
on_list_units(sd_bus_message *m, void *arg, sd_bus_error *err)
{
	struct w32_svc_job *job = arg;
	const char *name;
	int r;

	(void)err;
	job->inflight--;
	if (sd_bus_message_is_method_error(m, NULL))
		list_error(job, m);
	else if ((r = sd_bus_message_enter_container(m, 'a',
	    "(ssssssouso)")) >= 0) {
		while ((r = sd_bus_message_read(m, "(ssssssouso)", &name, NULL,
		    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)) > 0)
			if (is_service_name(name) &&
			    job_add_unit(job, name) < 0)
				break;
		sd_bus_message_exit_container(m);
	}
	if (job->inflight == 0)
		lists_done(job);
	return 0;
}

/* ListUnitFilesByPatterns: a(ss), every installed unit file */
static int
on_list_unit_files(sd_bus_message *m, void *arg, sd_bus_error *err)
{
	struct w32_svc_job *job = arg;
	const char *path, *slash;
	int r;

	(void)err;
	job->inflight--;
	if (sd_bus_message_is_method_error(m, NULL))
		list_error(job, m);
	else if ((r = sd_bus_message_enter_container(m, 'a', "(ss)")) >= 0) {
		while ((r = sd_bus_message_read(m, "(ss)", &path, NULL)) > 0) {
			slash = strrchr(path, '/');
			if (is_service_name(slash ? slash + 1 : path) &&
			    job_add_unit(job, slash ? slash + 1 : path) < 0)
				break;
		}
		sd_bus_message_exit_container(m);
	}
	if (job->inflight == 0)
		lists_done(job);
	return 0;
}

static int
service_enumerate(struct cim_ctx *ctx, void *unused)
{
	struct w32_svc_job *job;
	sd_bus *bus;
	int r;

	(void)unused;
	if (!systemd_running() || open_bus(&bus) < 0)
		return CIM_OK;		/* empty, and the log says why */
	if ((job = job_new(JOB_ENUMERATE, ctx)) == NULL)
		return w32_fail_nomem(ctx);
	job->listing = true;
	r = sd_bus_call_method_async(bus, NULL, SD_DEST, SD_PATH, SD_MANAGER,
	    "ListUnitsByPatterns", on_list_units, job, "asas", 0, 1,
	    "*" SUFFIX);
	if (r >= 0) {
		job->inflight++;
		r = sd_bus_call_method_async(bus, NULL, SD_DEST, SD_PATH,
		    SD_MANAGER, "ListUnitFilesByPatterns", on_list_unit_files,
		    job, "asas", 0, 1, "*" SUFFIX);
		if (r >= 0)
			job->inflight++;
	}
	w32_bus_kick();
	if (job->inflight == 0) {
		job->ctx = NULL;
		job_free(job);
		return w32->svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR,
		    "D-Bus: %s", strerror(-r));
	}
	return CIM_PENDING;
}

/*
 * winrmd's own service unit: [paths.unit] in the unit tests, else the unit
 * of this process (sd_pid_get_unit) when it is a service, else
 * "winrmd.service"
 */
static const char *
own_unit(void)
{
	static char unit[256];
	char *u = NULL;

	if (w32->paths.unit != NULL)
		return w32->paths.unit;
	if (unit[0] != '\0')
		return unit;
	if (sd_pid_get_unit(0, &u) >= 0 && is_service_name(u))
		snprintf(unit, sizeof(unit), "%s", u);
	else
		snprintf(unit, sizeof(unit), "%s", OWN_UNIT);
	free(u);
	return unit;
}

/*
 * Name as given -> "name.service", or false if it cannot be a unit; "WinRM"
 * (any case) -> winrmd's own unit, *ret_alias set
 */
static bool
unit_name(const char *name, char *buf, size_t len, const char **ret_alias)
{
	*ret_alias = NULL;
	if (name != NULL && strcasecmp(name, WINRM_NAME) == 0) {
		*ret_alias = WINRM_NAME;
		return (size_t)snprintf(buf, len, "%s", own_unit()) < len;
	}
	if (name == NULL || name[0] == '\0' || strchr(name, '/') != NULL ||
	    (size_t)snprintf(buf, len, "%s%s", name, SUFFIX) >= len)
		return false;
	return true;
}

static int
service_get(struct cim_ctx *ctx, const struct cim_instance *keys, void *unused)
{
	struct w32_svc_job *job;
	const char *alias;
	char unit[256];
	sd_bus *bus;

	(void)unused;
	if (!unit_name(w32->svc->get_string(keys, SP_NAME), unit,
	    sizeof(unit), &alias) ||
	    !systemd_running() || open_bus(&bus) < 0)
		return CIM_OK;
	if ((job = job_new(JOB_GET, ctx)) == NULL ||
	    job_add_unit(job, unit) < 0) {
		if (job != NULL) {
			job->ctx = NULL;
			job_free(job);
		}
		return w32_fail_nomem(ctx);
	}
	job->units[0].alias = alias;
	job->lowercased = alias != NULL;	/* the unit's name is exact */
	if (query_one(&job->units[0], true) < 0) {
		job->ctx = NULL;
		job_free(job);
		return CIM_OK;
	}
	return CIM_PENDING;
}

/* ------------------------------------------------------------ methods */

enum { CM_START_MODE, CM_COUNT };
static const struct cim_property change_start_mode_in[CM_COUNT] = {
	[CM_START_MODE] = { "StartMode", CIM_STRING, 0 },
};

static void
method_log(const struct w32_svc_job *job, uint32_t rv)
{
	w32->host->log(rv == 0 ? WINRMD_LOG_INFO : WINRMD_LOG_NOTICE,
	    "win32: Win32_Service %s %s as %s: ReturnValue %u%s%.*s",
	    svcmap_verb(job->op), job->units[0].name, job->user_name, rv,
	    job->nout > 0 && rv != 0 ? ": " : "",
	    (int)strcspn(job->output, "\n"), job->output);
}

/* ends a method call that returned CIM_PENDING */
static void
method_answer(struct w32_svc_job *job, uint32_t rv)
{
	struct cim_ctx *ctx = job->ctx;

	if (ctx == NULL)
		return;
	method_log(job, rv);
	w32->svc->set_return(job->out, rv);
	job->ctx = NULL;
	job_free(job);
	w32->svc->complete(ctx);
}

static void
method_drain(struct w32_svc_job *job)
{
	char scratch[512];
	ssize_t n;

	while (job->child.out_fd >= 0) {
		char *dst = job->nout + 1 < sizeof(job->output) ?
		    job->output + job->nout : scratch;
		size_t room = dst == scratch ? sizeof(scratch) :
		    sizeof(job->output) - 1 - job->nout;

		n = read(job->child.out_fd, dst, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			if (job->w_out != NULL)
				w32->host->watch_remove(job->w_out);
			job->w_out = NULL;
			close(job->child.out_fd);
			job->child.out_fd = -1;
			return;
		}
		if (dst != scratch) {
			job->nout += (size_t)n;
			job->output[job->nout] = '\0';
		}
	}
}

static void
on_method_output(int fd, uint32_t events, void *arg)
{
	(void)fd;
	(void)events;
	method_drain(arg);
}

static void
on_method_exit(int fd, uint32_t events, void *arg)
{
	struct w32_svc_job *job = arg;
	siginfo_t si;
	int status;

	(void)fd;
	(void)events;
	if (w32_reap(&job->child, &si, WNOHANG) < 0) {
		if (errno != ECHILD)
			return;
		si.si_code = CLD_KILLED;
	} else if (si.si_pid == 0)
		return;		/* not yet */
	job->spawned = false;
	method_drain(job);
	status = si.si_code == CLD_EXITED ? si.si_status : -1;
	method_answer(job, svcmap_result(job->op, status, job->output));
}

/*
 * The unit's state is known, or cannot be: the return value it already
 * decides, else systemctl runs as the caller and -1 says "pending".
 */
static int
method_exec(struct w32_svc_job *job)
{
	const struct unit_info *u = &job->units[0];
	struct winrmd_spawn_req req;
	char *argv[8];
	int pre, r, n = 0;

	if (u->got_unit && (pre = svcmap_precheck(job->op, u->active_state,
	    u->load_state)) >= 0)
		return pre;
	argv[n++] = (char *)"systemctl";
	argv[n++] = (char *)"--no-ask-password";
	/* "accepted", as Windows answers: the start job goes on in systemd */
	if (job->op == SVC_START || job->op == SVC_STOP)
		argv[n++] = (char *)"--no-block";
	argv[n++] = (char *)svcmap_verb(job->op);
	argv[n++] = (char *)"--";
	argv[n++] = u->name;
	argv[n] = NULL;
	memset(&req, 0, sizeof(req));
	req.user = &job->user;
	req.path = w32->paths.systemctl;
	req.argv = argv;
	req.cwd = "/";
	req.merge_stderr = true;
	if ((r = w32->host->spawn(&req, &job->child)) < 0) {
		w32->host->log(WINRMD_LOG_NOTICE, "win32: systemctl as %s: %s",
		    job->user_name, strerror(-r));
		return r == -EPERM || r == -EACCES ? SVC_RV_ACCESS_DENIED :
		    SVC_RV_UNKNOWN_FAILURE;
	}
	job->spawned = true;
	if (job->child.in_fd >= 0)
		close(job->child.in_fd);
	job->child.in_fd = -1;
	job->w_out = w32->host->watch_add(job->child.out_fd, WINRMD_IN,
	    on_method_output, job);
	job->w_pid = w32->host->watch_add(job->child.pidfd, WINRMD_IN,
	    on_method_exit, job);
	if (job->w_out == NULL || job->w_pid == NULL) {
		w32_kill_child(&job->child);
		job->spawned = false;
		job_close_child(job);
		return SVC_RV_UNKNOWN_FAILURE;
	}
	return -1;
}

static void
method_continue(struct w32_svc_job *job)
{
	int rv = method_exec(job);

	if (rv >= 0)
		method_answer(job, (uint32_t)rv);
}

static int
method_start(struct cim_ctx *ctx, const struct cim_instance *target,
    struct cim_instance *out, enum svc_op op)
{
	const struct cim_services *svc = w32->svc;
	const struct winrmd_principal *user = svc->principal(ctx);
	struct w32_svc_job *job;
	const char *alias;
	char unit[256];
	sd_bus *bus;
	int rv;

	if (target == NULL || !unit_name(svc->get_string(target, SP_NAME),
	    unit, sizeof(unit), &alias))
		return svc->fail(ctx, WINRMD_FAULT_INVALID_SELECTORS,
		    "Win32_Service needs a Name.");
	if (user == NULL) {
		svc->set_return(out, SVC_RV_ACCESS_DENIED);
		return CIM_OK;
	}
	if (!systemd_running()) {
		svc->set_return(out, SVC_RV_UNKNOWN_FAILURE);
		return CIM_OK;
	}
	if ((job = job_new(JOB_METHOD, ctx)) == NULL ||
	    job_add_unit(job, unit) < 0) {
		if (job != NULL) {
			job->ctx = NULL;
			job_free(job);
		}
		return w32_fail_nomem(ctx);
	}
	job->out = out;
	job->op = op;
	/* the principal is the host's until the call completes */
	job->user = *user;
	snprintf(job->user_name, sizeof(job->user_name), "%s", user->name);
	/* start and stop look at the unit's state first (10, 6, 14) */
	if ((op == SVC_START || op == SVC_STOP) && open_bus(&bus) == 0 &&
	    query_one(&job->units[0], false) == 0)
		return CIM_PENDING;
	if ((rv = method_exec(job)) < 0)
		return CIM_PENDING;
	method_log(job, (uint32_t)rv);
	job->ctx = NULL;
	job_free(job);
	svc->set_return(out, (uint32_t)rv);
	return CIM_OK;
}

static int
invoke_start(struct cim_ctx *ctx, const struct cim_instance *target,
    const struct cim_instance *in, struct cim_instance *out, void *unused)
{
	(void)in;
	(void)unused;
	return method_start(ctx, target, out, SVC_START);
}

static int
invoke_stop(struct cim_ctx *ctx, const struct cim_instance *target,
    const struct cim_instance *in, struct cim_instance *out, void *unused)
{
	(void)in;
	(void)unused;
	return method_start(ctx, target, out, SVC_STOP);
}

static int
invoke_change_start_mode(struct cim_ctx *ctx, const struct cim_instance *target,
    const struct cim_instance *in, struct cim_instance *out, void *unused)
{
	enum svc_op op;

	(void)unused;
	if (svcmap_start_mode_op(w32->svc->get_string(in, CM_START_MODE),
	    &op) < 0) {
		w32->svc->set_return(out, SVC_RV_INVALID_PARAMETER);
		return CIM_OK;
	}
	return method_start(ctx, target, out, op);
}

/* systemd services cannot be paused */
static int
invoke_not_supported(struct cim_ctx *ctx, const struct cim_instance *target,
    const struct cim_instance *in, struct cim_instance *out, void *unused)
{
	(void)ctx;
	(void)target;
	(void)in;
	(void)unused;
	w32->svc->set_return(out, SVC_RV_NOT_SUPPORTED);
	return CIM_OK;
}

/* ------------------------------------------------------------ teardown */

void
w32_service_bus_lost(void)
{
	/* calls waiting for D-Bus get no reply now: answer them */
	for (struct w32_svc_job *job = w32->svc_jobs, *next; job != NULL;
	    job = next) {
		next = job->next;
		if (job->inflight == 0 || job->ctx == NULL)
			continue;
		job->inflight = 0;
		switch (job->kind) {
		case JOB_ENUMERATE:
		case JOB_GET:
			job->next_query = job->n;
			job_finish_query(job);
			break;
		case JOB_METHOD:
			method_continue(job);
			break;
		}
	}
}

void
w32_service_fini(void)
{
	/* no D-Bus callback after this */
	w32_bus_close();
	while (w32->svc_jobs != NULL) {
		struct w32_svc_job *job = w32->svc_jobs;
		struct cim_ctx *ctx = job->ctx;

		if (job->spawned)
			w32_kill_child(&job->child);
		job->ctx = NULL;
		job_free(job);
		if (ctx != NULL) {
			w32->svc->fail(ctx, WINRMD_FAULT_SERVICE_STOPPING,
			    "The service is stopping.");
			w32->svc->complete(ctx);
		}
	}
}

static const struct cim_method service_methods[] = {
	{ "StartService", false, NULL, 0, NULL, 0, invoke_start },
	{ "StopService", false, NULL, 0, NULL, 0, invoke_stop },
	{ "ChangeStartMode", false, change_start_mode_in, CM_COUNT, NULL, 0,
	    invoke_change_start_mode },
	{ "PauseService", false, NULL, 0, NULL, 0, invoke_not_supported },
	{ "ResumeService", false, NULL, 0, NULL, 0, invoke_not_supported },
};

const struct cim_class w32_service_class = {
	.name = "Win32_Service",
	.ns = W32_NS,
	.props = service_props,
	.nprops = SP_COUNT,
	.methods = service_methods,
	.nmethods = sizeof(service_methods) / sizeof(service_methods[0]),
	.enumerate = service_enumerate,
	.get = service_get,
};
