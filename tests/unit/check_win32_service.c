/*
 * check_win32_service.c: Win32_Service without a running systemd.
 *  - the systemd -> Win32 mappings (svcmap.c), table by table;
 *  - the methods with systemctl replaced by tests/data/win32/fake-systemctl
 *    (what systemctl prints when polkit refuses, a unit is masked, ...);
 *  - the D-Bus code against a fake systemd (fake_systemd.c): a private
 *    dbus-daemon and, in a thread of this program, an sd-bus object
 *    implementing the Manager's ListUnitsByPatterns and
 *    ListUnitFilesByPatterns and the units' properties.  The provider
 *    finds it through DBUS_SYSTEM_BUS_ADDRESS.
 * Not exercised: a real systemd and a real polkit.
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "check_win32_mock.h"
#include "fake_systemd.h"
#include "svcmap.h"
#include "win32.h"
#include "unit.h"

#define FAKE_SYSTEMCTL	TEST_DATA "/win32/fake-systemctl"

/* ------------------------------------------------------------ mappings */

START_TEST(test_map_state)
{
	ck_assert_str_eq(svcmap_state("active"), "Running");
	ck_assert_str_eq(svcmap_state("reloading"), "Running");
	ck_assert_str_eq(svcmap_state("activating"), "Start Pending");
	ck_assert_str_eq(svcmap_state("deactivating"), "Stop Pending");
	ck_assert_str_eq(svcmap_state("inactive"), "Stopped");
	ck_assert_str_eq(svcmap_state("failed"), "Stopped");
	ck_assert_str_eq(svcmap_state("maintenance"), "Stopped");
	ck_assert_str_eq(svcmap_state("weird"), "Unknown");
	ck_assert_str_eq(svcmap_state(NULL), "Unknown");
	ck_assert(svcmap_started("active"));
	ck_assert(svcmap_started("reloading"));
	ck_assert(!svcmap_started("activating"));
	ck_assert(!svcmap_started("inactive"));
	ck_assert(!svcmap_started(NULL));
}
END_TEST

START_TEST(test_map_start_mode)
{
	ck_assert_str_eq(svcmap_start_mode("enabled"), "Auto");
	ck_assert_str_eq(svcmap_start_mode("enabled-runtime"), "Auto");
	ck_assert_str_eq(svcmap_start_mode("alias"), "Auto");
	ck_assert_str_eq(svcmap_start_mode("linked"), "Auto");
	ck_assert_str_eq(svcmap_start_mode("disabled"), "Manual");
	ck_assert_str_eq(svcmap_start_mode("static"), "Manual");
	ck_assert_str_eq(svcmap_start_mode("indirect"), "Manual");
	ck_assert_str_eq(svcmap_start_mode("generated"), "Manual");
	ck_assert_str_eq(svcmap_start_mode("transient"), "Manual");
	ck_assert_str_eq(svcmap_start_mode("masked"), "Disabled");
	ck_assert_str_eq(svcmap_start_mode("masked-runtime"), "Disabled");
	ck_assert_str_eq(svcmap_start_mode(""), "Manual");
	ck_assert_str_eq(svcmap_start_mode(NULL), "Manual");
}
END_TEST

START_TEST(test_map_status_type_exit)
{
	uint32_t exit_code, specific;

	ck_assert_str_eq(svcmap_status("active", "loaded"), "OK");
	ck_assert_str_eq(svcmap_status("inactive", "loaded"), "OK");
	ck_assert_str_eq(svcmap_status("failed", "loaded"), "Error");
	ck_assert_str_eq(svcmap_status("inactive", "error"), "Error");
	ck_assert_str_eq(svcmap_status("inactive", "bad-setting"), "Error");
	ck_assert_str_eq(svcmap_status("inactive", "not-found"), "Unknown");
	ck_assert_str_eq(svcmap_service_type("simple"), "Own Process");
	ck_assert_str_eq(svcmap_service_type("forking"), "Own Process");

	svcmap_exit_codes("success", 0, 123, &exit_code, &specific);
	ck_assert_uint_eq(exit_code, 0);
	ck_assert_uint_eq(specific, 0);
	svcmap_exit_codes("success", 0, 0, &exit_code, &specific);
	ck_assert_uint_eq(exit_code, 1077);	/* never started */
	svcmap_exit_codes("exit-code", 3, 123, &exit_code, &specific);
	ck_assert_uint_eq(exit_code, 1066);
	ck_assert_uint_eq(specific, 3);
	svcmap_exit_codes("signal", 9, 123, &exit_code, &specific);
	ck_assert_uint_eq(exit_code, 1066);
	ck_assert_uint_eq(specific, 9);
}
END_TEST

START_TEST(test_map_methods)
{
	enum svc_op op;

	ck_assert_int_eq(svcmap_start_mode_op("Automatic", &op), 0);
	ck_assert_int_eq(op, SVC_ENABLE);
	ck_assert_int_eq(svcmap_start_mode_op("auto", &op), 0);
	ck_assert_int_eq(op, SVC_ENABLE);
	ck_assert_int_eq(svcmap_start_mode_op("Manual", &op), 0);
	ck_assert_int_eq(op, SVC_DISABLE);
	ck_assert_int_eq(svcmap_start_mode_op("Disabled", &op), 0);
	ck_assert_int_eq(op, SVC_DISABLE);
	ck_assert_int_eq(svcmap_start_mode_op("Boot", &op), -1);
	ck_assert_int_eq(svcmap_start_mode_op("System", &op), -1);
	ck_assert_int_eq(svcmap_start_mode_op(NULL, &op), -1);
	ck_assert_str_eq(svcmap_verb(SVC_START), "start");
	ck_assert_str_eq(svcmap_verb(SVC_STOP), "stop");
	ck_assert_str_eq(svcmap_verb(SVC_ENABLE), "enable");
	ck_assert_str_eq(svcmap_verb(SVC_DISABLE), "disable");

	/* what the unit's state already answers */
	ck_assert_int_eq(svcmap_precheck(SVC_START, "active", "loaded"), 10);
	ck_assert_int_eq(svcmap_precheck(SVC_START, "activating", "loaded"), 10);
	ck_assert_int_eq(svcmap_precheck(SVC_START, "inactive", "masked"), 14);
	ck_assert_int_eq(svcmap_precheck(SVC_START, "inactive", "loaded"), -1);
	ck_assert_int_eq(svcmap_precheck(SVC_START, "failed", "loaded"), -1);
	ck_assert_int_eq(svcmap_precheck(SVC_STOP, "inactive", "loaded"), 6);
	ck_assert_int_eq(svcmap_precheck(SVC_STOP, "failed", "loaded"), 6);
	ck_assert_int_eq(svcmap_precheck(SVC_STOP, "active", "loaded"), -1);
	ck_assert_int_eq(svcmap_precheck(SVC_STOP, "deactivating", "loaded"), -1);
	ck_assert_int_eq(svcmap_precheck(SVC_ENABLE, "active", "loaded"), -1);

	/* systemctl's outcomes */
	ck_assert_uint_eq(svcmap_result(SVC_START, 0, ""), 0);
	ck_assert_uint_eq(svcmap_result(SVC_START, 1, "Failed to start x.service: "
	    "Access denied"), 2);
	ck_assert_uint_eq(svcmap_result(SVC_STOP, 1, "Failed to stop x.service: "
	    "Interactive authentication required."), 2);
	ck_assert_uint_eq(svcmap_result(SVC_ENABLE, 4, ""), 2);
	ck_assert_uint_eq(svcmap_result(SVC_ENABLE, 1, "Failed to enable unit: "
	    "Access denied"), 2);
	ck_assert_uint_eq(svcmap_result(SVC_START, 1, "Failed to start x.service: "
	    "Unit x.service is masked."), 14);
	ck_assert_uint_eq(svcmap_result(SVC_ENABLE, 1, "Unit x.service is masked."),
	    5);
	ck_assert_uint_eq(svcmap_result(SVC_START, 5, "Failed to start x.service: "
	    "Unit x.service not found."), 5);
	ck_assert_uint_eq(svcmap_result(SVC_STOP, 1, "Failed to stop x.service: "
	    "Operation refused, unit x.service may be requested by dependency "
	    "only (it is configured to refuse manual start/stop)."), 5);
	ck_assert_uint_eq(svcmap_result(SVC_START, 1, "Job for x.service failed"),
	    8);
	ck_assert_uint_eq(svcmap_result(SVC_START, -1, NULL), 8);
}
END_TEST

/* ------------------------------------------- methods, fake systemctl */

static void
setup(void)
{
	mock_start();
	/* systemd "runs"; the bus is somewhere nobody listens */
	setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=" TEST_DATA "/win32/absent/bus", 1);
	w32->paths.systemd = TEST_DATA "/win32";
	w32->paths.systemctl = FAKE_SYSTEMCTL;
}

static void
teardown(void)
{
	mock_stop();
	unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
}

static const struct winrmd_principal *
caller(void)
{
	return getuid() == 0 ? mock_principal_uid(65534, "nobody") :
	    mock_principal_self();
}

static uint32_t
method_rv(const char *method, const char *name, const char *mode)
{
	struct cim_ctx *ctx;
	uint32_t rv;

	if (mode != NULL)
		ctx = mock_invoke("Win32_Service", method, "Name", name, caller(),
		    "StartMode", mode, NULL);
	else
		ctx = mock_invoke("Win32_Service", method, "Name", name, caller(),
		    NULL);
	ck_assert_msg(!ctx->failed, "%s", ctx->message);
	rv = ctx->out->ret;
	mock_ctx_free(ctx);
	return rv;
}

START_TEST(test_methods_systemctl)
{
	ck_assert_uint_eq(method_rv("StartService", "ok", NULL), 0);
	/* run as the caller, so that polkit judges the caller */
	ck_assert_uint_eq(mock_spawned.uid, caller()->uid);
	ck_assert_str_eq(mock_spawned.path, FAKE_SYSTEMCTL);
	ck_assert_str_eq(mock_spawned.argv[0], "systemctl");
	ck_assert_str_eq(mock_spawned.argv[1], "--no-ask-password");
	ck_assert_str_eq(mock_spawned.argv[2], "--no-block");
	ck_assert_str_eq(mock_spawned.argv[3], "start");
	ck_assert_str_eq(mock_spawned.argv[4], "--");
	ck_assert_str_eq(mock_spawned.argv[5], "ok.service");
	ck_assert_ptr_null(mock_spawned.argv[6]);
	ck_assert(mock_log_contains("no connection to the system bus"));

	ck_assert_uint_eq(method_rv("StopService", "ok", NULL), 0);
	ck_assert_str_eq(mock_spawned.argv[3], "stop");
	ck_assert_uint_eq(method_rv("StartService", "denied", NULL), 2);
	ck_assert(mock_log_contains("ReturnValue 2: Failed to start "
	    "denied.service: Access denied"));
	ck_assert_uint_eq(method_rv("StopService", "interactive", NULL), 2);
	ck_assert_uint_eq(method_rv("StartService", "masked", NULL), 14);
	ck_assert_uint_eq(method_rv("StartService", "missing", NULL), 5);
	ck_assert_uint_eq(method_rv("StartService", "other", NULL), 8);
	ck_assert_uint_eq(method_rv("StartService", "slow", NULL), 0);

	ck_assert_uint_eq(method_rv("ChangeStartMode", "ok", "Automatic"), 0);
	ck_assert_str_eq(mock_spawned.argv[2], "enable");
	ck_assert_str_eq(mock_spawned.argv[4], "ok.service");
	ck_assert_uint_eq(method_rv("ChangeStartMode", "ok", "Manual"), 0);
	ck_assert_str_eq(mock_spawned.argv[2], "disable");
	ck_assert_uint_eq(method_rv("ChangeStartMode", "denied", "Disabled"), 2);
	mock_spawned.count = 0;
	ck_assert_uint_eq(method_rv("ChangeStartMode", "ok", "Boot"), 21);
	ck_assert_uint_eq(method_rv("PauseService", "ok", NULL), 1);
	ck_assert_uint_eq(method_rv("ResumeService", "ok", NULL), 1);
	ck_assert_int_eq(mock_spawned.count, 0);

	/* spawn refused (root without PermitRoot), or impossible */
	mock_spawned.force = -EPERM;
	ck_assert_uint_eq(method_rv("StartService", "ok", NULL), 2);
	mock_spawned.force = -ENOENT;
	ck_assert_uint_eq(method_rv("StartService", "ok", NULL), 8);
	mock_spawned.force = 0;
	ck_assert_int_eq(mock_watch_count(), 0);
}
END_TEST

START_TEST(test_methods_bad_calls)
{
	struct cim_ctx *ctx;

	ctx = mock_invoke("Win32_Service", "StartService", "Name", "a/b",
	    caller(), NULL);
	ck_assert(ctx->failed);
	ck_assert_int_eq(ctx->fault, WINRMD_FAULT_INVALID_SELECTORS);
	mock_ctx_free(ctx);
	ctx = mock_invoke("Win32_Service", "StartService", "Name", "ok", NULL,
	    NULL);
	ck_assert_uint_eq(ctx->out->ret, 2);
	mock_ctx_free(ctx);
	/* no systemd: unknown failure, nothing run */
	w32->paths.systemd = TEST_DATA "/win32/absent";
	mock_spawned.count = 0;
	ck_assert_uint_eq(method_rv("StartService", "ok", NULL), 8);
	ck_assert_int_eq(mock_spawned.count, 0);
}
END_TEST

/* ------------------------------------------------------- fake systemd */

static char bus_dir[] = "/tmp/winrmd-w32-bus-XXXXXX";
static char bus_address[512];
static pid_t bus_pid = -1;
static pthread_t fake_thread;
static int fake_ready[2];

static void *
fake_systemd(void *arg)
{
	(void)arg;
	fake_systemd_serve(bus_address, fake_ready[1]);
	return NULL;
}

static void
bus_setup(void)
{
	char ok = 0;

	mock_start();
	w32->paths.systemd = TEST_DATA "/win32";
	w32->paths.systemctl = FAKE_SYSTEMCTL;
	if (!fake_bus_available())
		return;
	strcpy(bus_dir, "/tmp/winrmd-w32-bus-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(bus_dir));
	bus_pid = fake_bus_start(bus_dir, bus_address, sizeof(bus_address));
	ck_assert_msg(bus_pid > 0, "dbus-daemon did not start");
	fake_stop = fake_paused = 0;
	ck_assert_int_eq(pipe(fake_ready), 0);
	ck_assert_int_eq(pthread_create(&fake_thread, NULL, fake_systemd, NULL),
	    0);
	ck_assert_int_eq(read(fake_ready[0], &ok, 1), 1);
	ck_assert_msg(ok, "the fake systemd could not take its name");
	setenv("DBUS_SYSTEM_BUS_ADDRESS", bus_address, 1);
}

static void
bus_stop_daemon(void)
{
	if (bus_pid > 0) {
		kill(bus_pid, SIGTERM);
		waitpid(bus_pid, NULL, 0);
		bus_pid = -1;
	}
}

static void
bus_teardown(void)
{
	char path[300];

	mock_stop();
	unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
	if (!fake_bus_available())
		return;
	fake_stop = 1;
	pthread_join(fake_thread, NULL);
	close(fake_ready[0]);
	close(fake_ready[1]);
	bus_stop_daemon();
	snprintf(path, sizeof(path), "%s/socket", bus_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bus.conf", bus_dir);
	unlink(path);
	rmdir(bus_dir);
}

#define NEED_DBUS()							\
	do {								\
		if (!fake_bus_available()) {				\
			fprintf(stderr, "no dbus-daemon: D-Bus test skipped\n"); \
			return;						\
		}							\
	} while (0)

static bool
bool_prop(const struct cim_instance *i, const char *prop)
{
	const struct mock_value *v = mock_value(i, prop);

	ck_assert_msg(v->set, "%s is null", prop);
	return v->b;
}

static uint64_t
uint_prop(const struct cim_instance *i, const char *prop)
{
	uint64_t v = 0;

	ck_assert_msg(mock_uint(i, prop, &v), "%s is null", prop);
	return v;
}

START_TEST(test_dbus_enumerate)
{
	struct cim_ctx *ctx;
	struct cim_instance *s;

	NEED_DBUS();
	ctx = mock_enumerate("Win32_Service", mock_principal_self());
	ck_assert_msg(!ctx->failed, "%s", ctx->message);
	ck_assert_int_eq(ctx->status, CIM_PENDING);
	/* broken cron denied getty@tty1 masked ok ssh; no alias, template,
	   not-found unit or socket */
	ck_assert_uint_eq(ctx->nemitted, 7);
	ck_assert_ptr_null(mock_find(ctx, "Name", "sshd"));
	ck_assert_ptr_null(mock_find(ctx, "Name", "getty@"));
	ck_assert_ptr_null(mock_find(ctx, "Name", "missing"));
	ck_assert_ptr_null(mock_find(ctx, "Name", "dbus"));

	s = mock_find(ctx, "Name", "ssh");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(mock_str(s, "DisplayName"), "OpenBSD Secure Shell server");
	ck_assert_str_eq(mock_str(s, "Caption"), "OpenBSD Secure Shell server");
	ck_assert_str_eq(mock_str(s, "State"), "Running");
	ck_assert(bool_prop(s, "Started"));
	ck_assert_str_eq(mock_str(s, "StartMode"), "Auto");
	ck_assert_str_eq(mock_str(s, "Status"), "OK");
	ck_assert_uint_eq(uint_prop(s, "ProcessId"), 4242);
	/* the first ExecStart, its path and argv[1..] */
	ck_assert_str_eq(mock_str(s, "PathName"), "/usr/sbin/sshd -D \"-o x y\"");
	ck_assert_str_eq(mock_str(s, "StartName"), "LocalSystem");
	ck_assert_str_eq(mock_str(s, "ServiceType"), "Own Process");
	ck_assert(bool_prop(s, "AcceptStop"));
	ck_assert(!bool_prop(s, "AcceptPause"));
	ck_assert_uint_eq(uint_prop(s, "ExitCode"), 0);

	s = mock_find(ctx, "Name", "cron");
	ck_assert_str_eq(mock_str(s, "State"), "Stopped");
	ck_assert_str_eq(mock_str(s, "StartMode"), "Manual");
	ck_assert_uint_eq(uint_prop(s, "ProcessId"), 0);
	ck_assert_uint_eq(uint_prop(s, "ExitCode"), 1077);
	ck_assert(!bool_prop(s, "AcceptStop"));

	s = mock_find(ctx, "Name", "broken");
	ck_assert_str_eq(mock_str(s, "Status"), "Error");
	ck_assert_str_eq(mock_str(s, "State"), "Stopped");
	ck_assert_uint_eq(uint_prop(s, "ExitCode"), 1066);
	ck_assert_uint_eq(uint_prop(s, "ServiceSpecificExitCode"), 3);
	ck_assert_str_eq(mock_str(s, "StartName"), "daemon");

	s = mock_find(ctx, "Name", "masked");
	ck_assert_str_eq(mock_str(s, "StartMode"), "Disabled");
	ck_assert_str_eq(mock_str(s, "DisplayName"), "masked");
	ck_assert(mock_is_null(s, "PathName"));

	s = mock_find(ctx, "Name", "getty@tty1");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(mock_str(s, "PathName"), "/sbin/agetty -o \"-p -- \\\\u\"");
	mock_ctx_free(ctx);
	ck_assert_int_eq(mock_watch_count(), 1);	/* the bus connection */
}
END_TEST

START_TEST(test_dbus_get)
{
	struct cim_ctx *ctx;

	NEED_DBUS();
	ctx = mock_get("Win32_Service", "Name", "ssh", mock_principal_self());
	ck_assert_int_eq(ctx->status, CIM_PENDING);
	ck_assert_uint_eq(ctx->nemitted, 1);
	ck_assert_str_eq(mock_str(ctx->emitted[0], "State"), "Running");
	mock_ctx_free(ctx);
	/* selectors are case-insensitive on Windows */
	ctx = mock_get("Win32_Service", "Name", "SSH", mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, 1);
	ck_assert_str_eq(mock_str(ctx->emitted[0], "Name"), "ssh");
	mock_ctx_free(ctx);
	ctx = mock_get("Win32_Service", "Name", "sshd", mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, 0);	/* an alias */
	mock_ctx_free(ctx);
	ctx = mock_get("Win32_Service", "Name", "nope", mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, 0);
	ck_assert(!ctx->failed);
	mock_ctx_free(ctx);
}
END_TEST

START_TEST(test_dbus_methods)
{
	NEED_DBUS();
	/* the state answers first, nothing runs */
	mock_spawned.count = 0;
	ck_assert_uint_eq(method_rv("StartService", "ssh", NULL), 10);
	ck_assert_uint_eq(method_rv("StopService", "cron", NULL), 6);
	ck_assert_uint_eq(method_rv("StopService", "broken", NULL), 6);
	ck_assert_uint_eq(method_rv("StartService", "masked", NULL), 14);
	ck_assert_int_eq(mock_spawned.count, 0);
	/* else systemctl as the caller decides */
	ck_assert_uint_eq(method_rv("StartService", "ok", NULL), 0);
	ck_assert_int_eq(mock_spawned.count, 1);
	ck_assert_uint_eq(mock_spawned.uid, caller()->uid);
	ck_assert_uint_eq(method_rv("StartService", "denied", NULL), 2);
	ck_assert_uint_eq(method_rv("StopService", "ssh", NULL), 8);
	ck_assert_str_eq(mock_spawned.argv[3], "stop");
	ck_assert_uint_eq(method_rv("ChangeStartMode", "cron", "Automatic"), 8);
	ck_assert_str_eq(mock_spawned.argv[2], "enable");
}
END_TEST

/* winrmd's own unit (here ssh.service) is also the service WinRM */
START_TEST(test_dbus_winrm)
{
	struct cim_ctx *ctx;
	struct cim_instance *s;

	NEED_DBUS();
	w32->paths.unit = "ssh.service";
	ctx = mock_enumerate("Win32_Service", mock_principal_self());
	ck_assert_msg(!ctx->failed, "%s", ctx->message);
	/* the 7 of test_dbus_enumerate, and ssh once more as WinRM */
	ck_assert_uint_eq(ctx->nemitted, 8);
	s = mock_find(ctx, "Name", "WinRM");
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(mock_find(ctx, "Name", "ssh"));
	ck_assert_str_eq(mock_str(s, "State"), "Running");
	ck_assert_uint_eq(uint_prop(s, "ProcessId"), 4242);
	ck_assert_str_eq(mock_str(s, "PathName"), "/usr/sbin/sshd -D \"-o x y\"");
	/* in its place by name: before the lower-case unit names */
	ck_assert_str_eq(mock_str(ctx->emitted[0], "Name"), "WinRM");
	mock_ctx_free(ctx);

	/* Get, the name in any case */
	ctx = mock_get("Win32_Service", "Name", "winrm", mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, 1);
	ck_assert_str_eq(mock_str(ctx->emitted[0], "Name"), "WinRM");
	ck_assert_str_eq(mock_str(ctx->emitted[0], "DisplayName"),
	    "OpenBSD Secure Shell server");
	mock_ctx_free(ctx);
	/* methods act on the unit */
	ck_assert_uint_eq(method_rv("StartService", "WinRM", NULL), 10);
	ck_assert_uint_eq(method_rv("StopService", "WinRM", NULL), 8);
	ck_assert_str_eq(mock_spawned.argv[3], "stop");
	ck_assert_str_eq(mock_spawned.argv[5], "ssh.service");

	/* winrmd not a unit of this systemd: no WinRM */
	w32->paths.unit = "winrmd.service";
	ctx = mock_get("Win32_Service", "Name", "WinRM", mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, 0);
	mock_ctx_free(ctx);
	ctx = mock_enumerate("Win32_Service", mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, 7);
	ck_assert_ptr_null(mock_find(ctx, "Name", "WinRM"));
	mock_ctx_free(ctx);
	w32->paths.unit = NULL;
}
END_TEST

/* the bus goes away while calls wait: they are answered, nothing hangs */
START_TEST(test_dbus_lost)
{
	struct cim_ctx *ctx;

	NEED_DBUS();
	/* a first call opens the connection */
	mock_ctx_free(mock_get("Win32_Service", "Name", "ssh",
	    mock_principal_self()));
	fake_paused = 1;
	ctx = calloc(1, sizeof(*ctx));
	ctx->cls = mock_class("Win32_Service");
	ctx->principal = mock_principal_self();
	ctx->status = ctx->cls->enumerate(ctx, w32);
	ck_assert_int_eq(ctx->status, CIM_PENDING);
	mock_loop_for(100);
	ck_assert(!ctx->completed);
	bus_stop_daemon();
	mock_loop_for(500);
	ck_assert(ctx->completed);
	ck_assert_uint_eq(ctx->nemitted, 0);
	ck_assert(mock_log_contains("system bus connection closed"));
	mock_ctx_free(ctx);
	fake_paused = 0;
	/* the next call finds no bus and says so */
	ctx = mock_enumerate("Win32_Service", mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, 0);
	mock_ctx_free(ctx);
}
END_TEST

/* fini with a call waiting for D-Bus: it is answered, the bus closed */
START_TEST(test_dbus_fini)
{
	struct cim_ctx *ctx;

	NEED_DBUS();
	fake_paused = 1;
	ctx = calloc(1, sizeof(*ctx));
	ctx->cls = mock_class("Win32_Service");
	ctx->principal = mock_principal_self();
	ctx->status = ctx->cls->enumerate(ctx, w32);
	ck_assert_int_eq(ctx->status, CIM_PENDING);
	mock_loop_for(50);
	mock_stop();
	ck_assert(ctx->completed);
	ck_assert(ctx->failed);
	ck_assert_int_eq(ctx->fault, WINRMD_FAULT_SERVICE_STOPPING);
	mock_ctx_free(ctx);
	fake_paused = 0;
	mock_start();
}
END_TEST

static Suite *
win32_service_suite(void)
{
	Suite *s = suite_create("win32_service");
	TCase *tc = tcase_create("mapping");

	tcase_add_test(tc, test_map_state);
	tcase_add_test(tc, test_map_start_mode);
	tcase_add_test(tc, test_map_status_type_exit);
	tcase_add_test(tc, test_map_methods);
	suite_add_tcase(s, tc);

	tc = tcase_create("systemctl");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_methods_systemctl);
	tcase_add_test(tc, test_methods_bad_calls);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("dbus");
	tcase_add_checked_fixture(tc, bus_setup, bus_teardown);
	tcase_add_test(tc, test_dbus_enumerate);
	tcase_add_test(tc, test_dbus_get);
	tcase_add_test(tc, test_dbus_methods);
	tcase_add_test(tc, test_dbus_winrm);
	tcase_add_test(tc, test_dbus_lost);
	tcase_add_test(tc, test_dbus_fini);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(win32_service_suite)
