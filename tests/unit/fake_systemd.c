/*
 * fake_systemd.c: a stand-in for systemd on a private D-Bus, for the tests
 * of Win32_Service (check_win32_service, in a thread; tests/interop/
 * privsep.sh, as the program fake_systemd): an sd-bus object implementing
 * the Manager's ListUnitsByPatterns and ListUnitFilesByPatterns and the
 * units' properties (fake_units), and the private dbus-daemon it serves on.
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "fake_systemd.h"

static struct fake_unit fake_units[] = {
	{ "ssh.service", "OpenBSD Secure Shell server", "loaded", "active",
	    "enabled", "success", "", "notify", 4242, 0, 123456, 1,
	    "/usr/sbin/sshd", { "sshd", "-D", "-o x y", NULL }, true, true },
	{ "cron.service", "Regular background program processing daemon",
	    "loaded", "inactive", "disabled", "success", "", "simple", 0, 0, 0,
	    1, "/usr/sbin/cron", { "cron", "-f", NULL }, true, true },
	{ "broken.service", "Broken", "loaded", "failed", "enabled",
	    "exit-code", "daemon", "simple", 0, 3, 999, 1, "/bin/false",
	    { "false", NULL }, true, true },
	{ "masked.service", "", "masked", "inactive", "masked", "success", "",
	    "simple", 0, 0, 0, 1, NULL, { NULL }, false, true },
	{ "ok.service", "OK", "loaded", "inactive", "disabled", "success", "",
	    "oneshot", 0, 0, 0, 1, "/bin/true", { "true", NULL }, false, true },
	{ "denied.service", "Denied", "loaded", "inactive", "disabled",
	    "success", "", "simple", 0, 0, 0, 1, "/bin/true", { "true", NULL },
	    false, true },
	{ "getty@tty1.service", "Getty on tty1", "loaded", "active", "enabled",
	    "success", "", "idle", 777, 0, 5, 1, "/sbin/agetty",
	    { "agetty", "-o", "-p -- \\u", NULL }, true, false },
	/* referenced by a dependency, no file */
	{ "missing.service", "missing.service", "not-found", "inactive", "",
	    "success", "", "", 0, 0, 0, 0, NULL, { NULL }, true, false },
	/* a template, and an alias of ssh */
	{ "getty@.service", "Getty", "loaded", "inactive", "enabled", "success",
	    "", "idle", 0, 0, 0, 1, NULL, { NULL }, false, true },
	{ "sshd.service", NULL, NULL, NULL, "alias", NULL, NULL, NULL, 0, 0, 0,
	    0, NULL, { NULL }, false, true },
	{ "dbus.socket", "D-Bus Socket", "loaded", "active", "static",
	    "success", "", "", 0, 0, 0, 1, NULL, { NULL }, true, false },
	/* privsep.sh's: running; the fake systemctl lets only root stop it */
	{ "rootonly.service", "Root only", "loaded", "active", "enabled",
	    "success", "", "simple", 0, 0, 1, 1, "/bin/sleep",
	    { "sleep", "infinity", NULL }, false, false },
};
#define NFAKE	(sizeof(fake_units) / sizeof(fake_units[0]))

volatile int fake_stop, fake_paused;

static struct fake_unit not_found = { "?", "", "not-found", "inactive", "",
    "success", "", "", 0, 0, 0, 0, NULL, { NULL }, false, false };

static struct fake_unit *
fake_find(const char *name)
{
	for (size_t k = 0; k < NFAKE; k++)
		if (strcmp(fake_units[k].name, name) == 0) {
			/* an alias resolves to its unit */
			if (strcmp(name, "sshd.service") == 0)
				return fake_find("ssh.service");
			return &fake_units[k];
		}
	return NULL;
}

static int
unit_find(sd_bus *bus, const char *path, const char *iface, void *userdata,
    void **ret_found, sd_bus_error *err)
{
	char *name = NULL;
	struct fake_unit *u;

	(void)bus;
	(void)iface;
	(void)userdata;
	(void)err;
	if (sd_bus_path_decode(path, "/org/freedesktop/systemd1/unit",
	    &name) <= 0)
		return 0;
	u = fake_find(name);
	free(name);
	/* systemd loads any name it is asked about: not-found if no file */
	*ret_found = u != NULL ? u : &not_found;
	return 1;
}

static int
get_str(sd_bus *bus, const char *path, const char *iface, const char *prop,
    sd_bus_message *reply, void *userdata, sd_bus_error *err)
{
	const char *s = *(const char **)userdata;

	(void)bus; (void)path; (void)iface; (void)prop; (void)err;
	return sd_bus_message_append(reply, "s", s ? s : "");
}

static int
get_u32(sd_bus *bus, const char *path, const char *iface, const char *prop,
    sd_bus_message *reply, void *userdata, sd_bus_error *err)
{
	(void)bus; (void)path; (void)iface; (void)prop; (void)err;
	return sd_bus_message_append(reply, "u", *(uint32_t *)userdata);
}

static int
get_i32(sd_bus *bus, const char *path, const char *iface, const char *prop,
    sd_bus_message *reply, void *userdata, sd_bus_error *err)
{
	(void)bus; (void)path; (void)iface; (void)prop; (void)err;
	return sd_bus_message_append(reply, "i", *(int32_t *)userdata);
}

static int
get_u64(sd_bus *bus, const char *path, const char *iface, const char *prop,
    sd_bus_message *reply, void *userdata, sd_bus_error *err)
{
	(void)bus; (void)path; (void)iface; (void)prop; (void)err;
	return sd_bus_message_append(reply, "t", *(uint64_t *)userdata);
}

static int
get_bool(sd_bus *bus, const char *path, const char *iface, const char *prop,
    sd_bus_message *reply, void *userdata, sd_bus_error *err)
{
	(void)bus; (void)path; (void)iface; (void)prop; (void)err;
	return sd_bus_message_append(reply, "b", *(int *)userdata);
}

/* ExecStart a(sasbttttuii), userdata: the unit */
static int
get_exec(sd_bus *bus, const char *path, const char *iface, const char *prop,
    sd_bus_message *reply, void *userdata, sd_bus_error *err)
{
	const struct fake_unit *u = userdata;
	int r;

	(void)bus; (void)path; (void)iface; (void)prop; (void)err;
	if ((r = sd_bus_message_open_container(reply, 'a', "(sasbttttuii)")) < 0)
		return r;
	for (int twice = 0; u->exec_path != NULL && twice < 2; twice++) {
		if ((r = sd_bus_message_open_container(reply, 'r',
		    "sasbttttuii")) < 0 ||
		    (r = sd_bus_message_append(reply, "s", twice ? "/bin/second" :
		    u->exec_path)) < 0 ||
		    (r = sd_bus_message_append_strv(reply,
		    (char **)u->exec_argv)) < 0 ||
		    (r = sd_bus_message_append(reply, "bttttuii", 0, 0, 0, 0, 0,
		    0, 0, 0)) < 0 ||
		    (r = sd_bus_message_close_container(reply)) < 0)
			return r;
	}
	return sd_bus_message_close_container(reply);
}

#define UOFF(f)	offsetof(struct fake_unit, f)

static const sd_bus_vtable unit_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Id", "s", get_str, UOFF(name), 0),
	SD_BUS_PROPERTY("Description", "s", get_str, UOFF(description), 0),
	SD_BUS_PROPERTY("LoadState", "s", get_str, UOFF(load), 0),
	SD_BUS_PROPERTY("ActiveState", "s", get_str, UOFF(active), 0),
	SD_BUS_PROPERTY("SubState", "s", get_str, UOFF(active), 0),
	SD_BUS_PROPERTY("UnitFileState", "s", get_str, UOFF(file_state), 0),
	SD_BUS_PROPERTY("CanStop", "b", get_bool, UOFF(can_stop), 0),
	SD_BUS_VTABLE_END
};

static const sd_bus_vtable service_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Type", "s", get_str, UOFF(type), 0),
	SD_BUS_PROPERTY("Result", "s", get_str, UOFF(result), 0),
	SD_BUS_PROPERTY("User", "s", get_str, UOFF(user), 0),
	SD_BUS_PROPERTY("MainPID", "u", get_u32, UOFF(main_pid), 0),
	SD_BUS_PROPERTY("ExecMainStatus", "i", get_i32, UOFF(exec_status), 0),
	SD_BUS_PROPERTY("ExecMainStartTimestamp", "t", get_u64, UOFF(start_ts), 0),
	SD_BUS_PROPERTY("ExecStart", "a(sasbttttuii)", get_exec, 0, 0),
	SD_BUS_VTABLE_END
};

static int
list_units(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	sd_bus_message *reply = NULL;
	int r;

	(void)userdata;
	(void)err;
	if ((r = sd_bus_message_new_method_return(m, &reply)) < 0 ||
	    (r = sd_bus_message_open_container(reply, 'a', "(ssssssouso)")) < 0)
		goto out;
	for (size_t k = 0; k < NFAKE; k++) {
		char *path = NULL;

		if (!fake_units[k].loaded)
			continue;
		sd_bus_path_encode("/org/freedesktop/systemd1/unit",
		    fake_units[k].name, &path);
		r = sd_bus_message_append(reply, "(ssssssouso)",
		    fake_units[k].name, fake_units[k].description,
		    fake_units[k].load, fake_units[k].active, "dead", "", path,
		    0, "", "/");
		free(path);
		if (r < 0)
			goto out;
	}
	if ((r = sd_bus_message_close_container(reply)) >= 0)
		r = sd_bus_send(NULL, reply, NULL);
out:
	sd_bus_message_unref(reply);
	return r;
}

static int
list_unit_files(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	sd_bus_message *reply = NULL;
	int r;

	(void)userdata;
	(void)err;
	if ((r = sd_bus_message_new_method_return(m, &reply)) < 0 ||
	    (r = sd_bus_message_open_container(reply, 'a', "(ss)")) < 0)
		goto out;
	for (size_t k = 0; k < NFAKE; k++) {
		char path[256];

		if (!fake_units[k].file)
			continue;
		snprintf(path, sizeof(path), "/lib/systemd/system/%s",
		    fake_units[k].name);
		if ((r = sd_bus_message_append(reply, "(ss)", path,
		    fake_units[k].file_state)) < 0)
			goto out;
	}
	if ((r = sd_bus_message_close_container(reply)) >= 0)
		r = sd_bus_send(NULL, reply, NULL);
out:
	sd_bus_message_unref(reply);
	return r;
}

static const sd_bus_vtable manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("ListUnitsByPatterns", "asas", "a(ssssssouso)",
	    list_units, 0),
	SD_BUS_METHOD("ListUnitFilesByPatterns", "asas", "a(ss)",
	    list_unit_files, 0),
	SD_BUS_VTABLE_END
};

int
fake_systemd_serve(const char *address, int ready_fd)
{
	sd_bus *bus = NULL;
	char ok = 1;

	if (sd_bus_new(&bus) < 0 || sd_bus_set_address(bus, address) < 0 ||
	    sd_bus_set_bus_client(bus, 1) < 0 || sd_bus_start(bus) < 0 ||
	    sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/systemd1",
	    "org.freedesktop.systemd1.Manager", manager_vtable, NULL) < 0 ||
	    sd_bus_add_fallback_vtable(bus, NULL, "/org/freedesktop/systemd1/unit",
	    "org.freedesktop.systemd1.Unit", unit_vtable, unit_find, NULL) < 0 ||
	    sd_bus_add_fallback_vtable(bus, NULL, "/org/freedesktop/systemd1/unit",
	    "org.freedesktop.systemd1.Service", service_vtable, unit_find,
	    NULL) < 0 ||
	    sd_bus_request_name(bus, "org.freedesktop.systemd1", 0) < 0)
		ok = 0;
	if (write(ready_fd, &ok, 1) != 1)
		ok = 0;
	while (ok && !fake_stop) {
		if (fake_paused) {
			usleep(10000);
			continue;
		}
		if (sd_bus_process(bus, NULL) > 0)
			continue;
		sd_bus_wait(bus, 50000);
	}
	sd_bus_flush_close_unref(bus);
	return ok ? 0 : -1;
}

bool
fake_bus_available(void)
{
	return access("/usr/bin/dbus-daemon", X_OK) == 0;
}

/*
 * A line from fd (without its newline) within 60 s, or false at end of
 * file, on error or timeout.
 */
static bool
read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;

	while (n + 1 < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, 60000) <= 0)
			return false;
		if ((r = read(fd, buf + n, 1)) <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			return false;
		}
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return n > 0;
}

/* dbus-daemon's configuration: anyone may connect, own and call */
static int
write_conf(const char *path, const char *address)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL)
		return -1;
	fprintf(fp, "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus "
	    "Configuration 1.0//EN\" \"http://www.freedesktop.org/standards/"
	    "dbus/1.0/busconfig.dtd\">\n<busconfig><type>custom</type>"
	    "<listen>%s</listen><auth>EXTERNAL</auth>"
	    "<policy context=\"default\"><allow user=\"*\"/><allow own=\"*\"/>"
	    "<allow send_destination=\"*\" eavesdrop=\"true\"/>"
	    "<allow receive_sender=\"*\"/></policy></busconfig>\n", address);
	return fclose(fp) == 0 ? 0 : -1;
}

pid_t
fake_bus_start(const char *dir, char *address, size_t len)
{
	char conf[256], sock[256], arg[300], print[48], line[512];
	int ready[2];
	pid_t pid;

	snprintf(conf, sizeof(conf), "%s/bus.conf", dir);
	snprintf(sock, sizeof(sock), "%s/socket", dir);
	snprintf(address, len, "unix:path=%s", sock);
	if (write_conf(conf, address) < 0 || pipe(ready) < 0)
		return -1;
	snprintf(arg, sizeof(arg), "--config-file=%s", conf);
	/*
	 * dbus-daemon prints its address once it accepts connections: the
	 * socket file exists earlier (bound, not yet listening), and a client
	 * that connects then is refused.  So the address is waited for.
	 */
	snprintf(print, sizeof(print), "--print-address=%d", ready[1]);
	if ((pid = fork()) == 0) {
		int null = open("/dev/null", O_RDWR);

		prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
		close(ready[0]);
		dup2(null, 1);
		if (getenv("MOCK_LOG") == NULL)
			dup2(null, 2);
		execl("/usr/bin/dbus-daemon", "dbus-daemon", "--nofork",
		    "--nopidfile", "--nosyslog", print, arg, (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	if (pid > 0 && (!read_line(ready[0], line, sizeof(line)) ||
	    strstr(line, sock) == NULL)) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(ready[0]);
	return pid;
}
