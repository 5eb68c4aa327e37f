/*
 * ps_sources.c: the objects of the source cmdlets, with the type names
 * and properties PowerShell's own objects have when they are serialised
 * (psobject.h): Get-Process (System.Diagnostics.Process from /proc),
 * Get-Service (System.ServiceProcess.ServiceController from systemd over
 * D-Bus), Get-ChildItem and Get-Item (System.IO.FileInfo,
 * System.IO.DirectoryInfo with the PS* note properties), Get-Content
 * (strings), Get-Location and Set-Location (PathInfo), Test-Path,
 * Write-Output, Write-Host and Write-Error.  Everything is read with this
 * process's rights, the user's: what the user may not read is an error
 * record, as PowerShell's UnauthorizedAccessException is.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "native.h"
#include "procfs.h"
#include "psobject.h"
#include "psrp_msgs.h"
#include "svcstate.h"

#define MAX_NAMES	64
/* a string of at most this many bytes: its CLIXML (7 bytes for an
 * escaped control character at worst) stays within the 16 MiB line the
 * daemon takes from the program */
#define CONTENT_LINE_MAX (2u * 1024 * 1024)

/* ------------------------------------------------------------ processes */

static const char *const tn_process[] = { "System.Diagnostics.Process",
	"System.ComponentModel.Component", "System.MarshalByRefObject",
	"System.Object", NULL };

static int32_t
i32_sat(uint64_t v)
{
	return v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

static uint64_t
kb(uint64_t v)
{
	return v == PROCFS_NONE ? 0 : v * 1024;
}

/* what one Get-Process reads once */
struct proc_scan {
	int		 dirfd;		/* /proc */
	time_t		 btime;
	long		 hz;
	uint64_t	 page;
	uid_t		 uid;		/* ours */
	bool		 fds_by_size;	/* procfs_count_fds */
	struct procfs_buf buf;
};

static struct clixml_value *
process_obj(struct proc_scan *sc, const struct proc_stat *ps)
{
	struct proc_status st = { 0 };
	struct procfs_buf *buf = &sc->buf;
	struct clixml_value *o;
	char path[64], pid[16], exe[4096], *ts, *cmd = NULL;
	uint64_t ws = ps->rss * sc->page;
	uint64_t pm, ticks = ps->utime + ps->stime;
	long hz = sc->hz;
	uint32_t fds = 0;
	time_t sec;
	long usec;
	ssize_t n = 0;
	int handles = 0;
	bool inspect;

	snprintf(pid, sizeof(pid), "%d", ps->pid);
	snprintf(path, sizeof(path), "%s/status", pid);
	if (procfs_read(sc->dirfd, path, buf, 0, 0) > 0)
		procfs_parse_status(buf->data, &st);
	else
		st.vm_hwm = st.vm_peak = st.rss_anon = st.vm_swap = PROCFS_NONE;
	/* the executable and the open files where we may see them (the
	 * kernel's rule: no system call for the others' processes) */
	inspect = st.has_uid && procfs_may_inspect(sc->uid, st.uid);
	snprintf(path, sizeof(path), "%s/exe", pid);
	if (inspect)
		n = readlinkat(sc->dirfd, path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	snprintf(path, sizeof(path), "%s/cmdline", pid);
	if ((n = procfs_read(sc->dirfd, path, buf, 65536, 0)) > 0) {
		cmd = xmalloc(3 * (size_t)n + 3);
		if (procfs_join_cmdline(buf->data, (size_t)n, cmd,
		    3 * (size_t)n + 3) <= 0) {
			free(cmd);
			cmd = NULL;
		}
	}
	if (inspect && procfs_count_fds(sc->dirfd, pid, sc->fds_by_size,
	    &fds) == 0)
		handles = fds > INT32_MAX ? INT32_MAX : (int)fds;
	pm = kb(st.rss_anon) + kb(st.vm_swap);
	ts = xasprintf("System.Diagnostics.Process (%s)", ps->comm);
	o = ps_obj(tn_process, ts);
	free(ts);
	/* PowerShell's alias and script properties: MS */
	clixml_obj_add_ms(o, "Name", clixml_new_string(ps->comm));
	clixml_obj_add_ms(o, "SI", clixml_new_i32(ps->session));
	clixml_obj_add_ms(o, "Handles", clixml_new_i32(handles));
	clixml_obj_add_ms(o, "VM", clixml_new_i64((int64_t)ps->vsize));
	clixml_obj_add_ms(o, "WS", clixml_new_i64((int64_t)ws));
	clixml_obj_add_ms(o, "PM", clixml_new_i64((int64_t)pm));
	clixml_obj_add_ms(o, "NPM", clixml_new_i64(0));
	clixml_obj_add_ms(o, "Path", ps_str(exe[0] != '\0' ? exe : NULL));
	clixml_obj_add_ms(o, "CommandLine", ps_str(cmd));
	clixml_obj_add_ms(o, "Parent", clixml_new_i32(ps->ppid));
	clixml_obj_add_ms(o, "Company", clixml_new_nil());
	clixml_obj_add_ms(o, "CPU", clixml_new_double(CLIXML_DOUBLE,
	    (double)ticks / (double)hz));
	clixml_obj_add_ms(o, "FileVersion", clixml_new_nil());
	clixml_obj_add_ms(o, "ProductVersion", clixml_new_nil());
	clixml_obj_add_ms(o, "Description", clixml_new_nil());
	clixml_obj_add_ms(o, "Product", clixml_new_nil());
	clixml_obj_add_ms(o, "__NounName", clixml_new_string("Process"));
	free(cmd);
	/* the adapted .NET properties: Props */
	clixml_obj_add_prop(o, "BasePriority", clixml_new_i32(
	    (int32_t)procfs_priority(ps->nice, ps->policy)));
	clixml_obj_add_prop(o, "HasExited", clixml_new_bool(false));
	clixml_obj_add_prop(o, "Handle", clixml_new_nil());
	clixml_obj_add_prop(o, "HandleCount", clixml_new_i32(handles));
	clixml_obj_add_prop(o, "Id", clixml_new_i32(ps->pid));
	clixml_obj_add_prop(o, "MachineName", clixml_new_string("."));
	clixml_obj_add_prop(o, "MainWindowTitle", clixml_new_string(""));
	clixml_obj_add_prop(o, "NonpagedSystemMemorySize", clixml_new_i32(0));
	clixml_obj_add_prop(o, "NonpagedSystemMemorySize64", clixml_new_i64(0));
	clixml_obj_add_prop(o, "PagedMemorySize", clixml_new_i32(i32_sat(pm)));
	clixml_obj_add_prop(o, "PagedMemorySize64", clixml_new_i64((int64_t)pm));
	clixml_obj_add_prop(o, "PagedSystemMemorySize", clixml_new_i32(0));
	clixml_obj_add_prop(o, "PagedSystemMemorySize64", clixml_new_i64(0));
	clixml_obj_add_prop(o, "PeakPagedMemorySize64",
	    clixml_new_i64((int64_t)pm));
	clixml_obj_add_prop(o, "PeakVirtualMemorySize64",
	    clixml_new_i64((int64_t)kb(st.vm_peak)));
	clixml_obj_add_prop(o, "PeakWorkingSet", clixml_new_i32(i32_sat(
	    kb(st.vm_hwm))));
	clixml_obj_add_prop(o, "PeakWorkingSet64",
	    clixml_new_i64((int64_t)kb(st.vm_hwm)));
	clixml_obj_add_prop(o, "PrivateMemorySize", clixml_new_i32(i32_sat(pm)));
	clixml_obj_add_prop(o, "PrivateMemorySize64",
	    clixml_new_i64((int64_t)pm));
	clixml_obj_add_prop(o, "PrivilegedProcessorTime", clixml_new_duration(
	    (int64_t)procfs_ticks_to_100ns(ps->stime, hz)));
	clixml_obj_add_prop(o, "ProcessName", clixml_new_string(ps->comm));
	clixml_obj_add_prop(o, "Responding", clixml_new_bool(true));
	clixml_obj_add_prop(o, "SessionId", clixml_new_i32(ps->session));
	procfs_start_time(sc->btime, ps->starttime, hz, &sec, &usec);
	clixml_obj_add_prop(o, "StartTime", ps_time(sec, usec * 1000));
	clixml_obj_add_prop(o, "Threads", clixml_new_string(
	    "System.Diagnostics.ProcessThreadCollection"));
	clixml_obj_add_prop(o, "TotalProcessorTime", clixml_new_duration(
	    (int64_t)procfs_ticks_to_100ns(ticks, hz)));
	clixml_obj_add_prop(o, "UserProcessorTime", clixml_new_duration(
	    (int64_t)procfs_ticks_to_100ns(ps->utime, hz)));
	clixml_obj_add_prop(o, "VirtualMemorySize", clixml_new_i32(
	    i32_sat(ps->vsize)));
	clixml_obj_add_prop(o, "VirtualMemorySize64",
	    clixml_new_i64((int64_t)ps->vsize));
	clixml_obj_add_prop(o, "WorkingSet", clixml_new_i32(i32_sat(ws)));
	clixml_obj_add_prop(o, "WorkingSet64", clixml_new_i64((int64_t)ws));
	return o;
}

/* the order Get-Process gives: by name (case-insensitive), then by id */
static int
stat_cmp(const void *a, const void *b)
{
	const struct proc_stat *x = a, *y = b;
	int r = strcasecmp(x->comm, y->comm);

	if (r != 0)
		return r;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static void
get_process(const struct ps_stage *s, struct ps_objs *out)
{
	const char *names[MAX_NAMES], *ids[MAX_NAMES];
	size_t nn = ps_params(s, "Name", names, MAX_NAMES);
	size_t ni = ps_params(s, "Id", ids, MAX_NAMES);
	struct proc_scan sc = { .hz = sysconf(_SC_CLK_TCK),
		.page = (uint64_t)sysconf(_SC_PAGESIZE), .uid = geteuid(),
		.fds_by_size = procfs_fd_count_by_size() };
	int dirfd = sc.dirfd = open("/proc", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	bool found[MAX_NAMES] = { false };
	struct proc_stat *st = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	DIR *d;

	if (dirfd < 0 || (d = opendir("/proc")) == NULL) {
		ps_error("Get-Process", PSRP_ERR_RESOURCE_UNAVAILABLE,
		    "CouldNotEnumerateProcesses", NULL, "/proc: %s",
		    strerror(errno));
		if (dirfd >= 0)
			close(dirfd);
		return;
	}
	if (procfs_read(dirfd, "stat", &sc.buf, 0, 0) > 0)
		procfs_parse_btime(sc.buf.data, &sc.btime);
	/* the processes wanted, sorted before their objects are made */
	while ((e = readdir(d)) != NULL) {
		struct proc_stat ps;
		char path[300];
		ssize_t len;
		bool want = nn == 0 && ni == 0;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/stat", e->d_name);
		if ((len = procfs_read(dirfd, path, &sc.buf, 0, 0)) <= 0 ||
		    procfs_parse_stat(sc.buf.data, (size_t)len, &ps) < 0)
			continue;
		for (size_t i = 0; i < nn; i++)
			if (fnmatch(names[i], ps.comm, FNM_CASEFOLD) == 0)
				want = found[i] = true;
		for (size_t i = 0; i < ni; i++)
			if (atoi(ids[i]) == ps.pid)
				want = found[i] = true;
		if (!want)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			st = xrealloc(st, cap * sizeof(*st));
		}
		st[n++] = ps;
	}
	closedir(d);
	qsort(st, n, sizeof(*st), stat_cmp);
	for (size_t i = 0; i < n; i++)
		ps_objs_add(out, process_obj(&sc, &st[i]));
	free(st);
	close(dirfd);
	procfs_buf_free(&sc.buf);
	for (size_t i = 0; i < (nn > 0 ? nn : ni); i++)
		if (!found[i] && (nn == 0 || strpbrk(names[i], "*?[") == NULL))
			ps_error("Get-Process", PSRP_ERR_OBJECT_NOT_FOUND,
			    nn > 0 ? "NoProcessFoundForGivenName" :
			    "NoProcessFoundForGivenId", nn > 0 ? names[i] :
			    ids[i], nn > 0 ? "Cannot find a process with the "
			    "name \"%s\". Verify the process name and call the "
			    "cmdlet again." : "Cannot find a process with the "
			    "process identifier %s.", nn > 0 ? names[i] : ids[i]);
}

/* ------------------------------------------------------------ services */

static const char *const tn_service[] = {
	"System.ServiceProcess.ServiceController",
	"System.ComponentModel.Component", "System.MarshalByRefObject",
	"System.Object", NULL };
static const char *const tn_svc_status[] = {
	"System.ServiceProcess.ServiceControllerStatus", "System.Enum",
	"System.ValueType", "System.Object", NULL };
static const char *const tn_svc_start[] = {
	"System.ServiceProcess.ServiceStartMode", "System.Enum",
	"System.ValueType", "System.Object", NULL };
static const char *const tn_svc_type[] = {
	"System.ServiceProcess.ServiceType", "System.Enum",
	"System.ValueType", "System.Object", NULL };

struct svc {
	char	*name;		/* without .service */
	char	*description;
	char	*active;
	char	*file_state;
};

static int
svc_cmp(const void *a, const void *b)
{
	return strcasecmp(((const struct svc *)a)->name,
	    ((const struct svc *)b)->name);
}

static struct svc *
svc_find(struct svc *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

static struct clixml_value *
service_obj(const struct svc *sv)
{
	enum svc_state st = svc_state_of(sv->active);
	enum svc_start_mode m = svc_start_mode_of(sv->file_state);
	static const int status_v[] = { 1, 1, 2, 3, 4 };
	static const char *const status_t[] = { "Stopped", "Stopped",
	    "StartPending", "StopPending", "Running" };
	int start = m == SVC_MODE_AUTO ? 2 : m == SVC_MODE_MANUAL ? 3 : 4;
	const char *dn = sv->description != NULL && sv->description[0] != '\0'
	    ? sv->description : sv->name;
	struct clixml_value *o = ps_obj(tn_service,
	    "System.ServiceProcess.ServiceController");

	clixml_obj_add_ms(o, "Name", clixml_new_string(sv->name));
	clixml_obj_add_ms(o, "RequiredServices", clixml_new_string(""));
	clixml_obj_add_prop(o, "CanPauseAndContinue", clixml_new_bool(false));
	clixml_obj_add_prop(o, "CanShutdown", clixml_new_bool(
	    st == SVC_STATE_RUNNING));
	clixml_obj_add_prop(o, "CanStop", clixml_new_bool(
	    st == SVC_STATE_RUNNING));
	clixml_obj_add_prop(o, "DisplayName", clixml_new_string(dn));
	clixml_obj_add_prop(o, "DependentServices", clixml_new_string(""));
	clixml_obj_add_prop(o, "MachineName", clixml_new_string("."));
	clixml_obj_add_prop(o, "ServiceName", clixml_new_string(sv->name));
	clixml_obj_add_prop(o, "ServicesDependedOn", clixml_new_string(""));
	clixml_obj_add_prop(o, "ServiceType", clixml_new_enum(tn_svc_type, 16,
	    "Win32OwnProcess"));
	clixml_obj_add_prop(o, "StartType", clixml_new_enum(tn_svc_start,
	    start, start == 2 ? "Automatic" : start == 3 ? "Manual" :
	    "Disabled"));
	clixml_obj_add_prop(o, "Status", clixml_new_enum(tn_svc_status,
	    status_v[st], status_t[st]));
	clixml_obj_add_prop(o, "Site", clixml_new_nil());
	clixml_obj_add_prop(o, "Container", clixml_new_nil());
	return o;
}

/* the services systemd knows: unit files and loaded units */
static size_t
services(struct svc **ret)
{
	sd_bus *bus = NULL;
	sd_bus_message *reply = NULL;
	sd_bus_error err = SD_BUS_ERROR_NULL;
	struct svc *v = NULL;
	size_t n = 0, cap = 0;
	const char *path, *state, *name, *desc, *load, *active, *sub;
	int r;

	*ret = NULL;
	if (sd_bus_open_system(&bus) < 0)
		return 0;
	r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER,
	    "ListUnitFiles", &err, &reply, "");
	if (r >= 0 && sd_bus_message_enter_container(reply, 'a', "(ss)") > 0) {
		while (sd_bus_message_read(reply, "(ss)", &path, &state) > 0) {
			const char *b = strrchr(path, '/');
			size_t l;

			b = b != NULL ? b + 1 : path;
			l = strlen(b);
			if (l <= 8 || strcmp(b + l - 8, ".service") != 0 ||
			    b[l - 9] == '@')
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				v = xrealloc(v, cap * sizeof(*v));
			}
			v[n] = (struct svc){ .name = xstrndup(b, l - 8),
			    .file_state = xstrdup(state) };
			n++;
		}
	}
	sd_bus_message_unref(reply);
	reply = NULL;
	sd_bus_error_free(&err);
	r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER,
	    "ListUnits", &err, &reply, "");
	if (r >= 0 && sd_bus_message_enter_container(reply, 'a',
	    "(ssssssouso)") > 0) {
		const char *f, *jt, *jp;
		uint32_t jid;
		const char *op;

		while (sd_bus_message_read(reply, "(ssssssouso)", &name, &desc,
		    &load, &active, &sub, &f, &op, &jid, &jt, &jp) > 0) {
			size_t l = strlen(name);
			char *base;
			struct svc *sv;

			if (l <= 8 || strcmp(name + l - 8, ".service") != 0 ||
			    strcmp(load, "loaded") != 0)
				continue;
			base = xstrndup(name, l - 8);
			if ((sv = svc_find(v, n, base)) == NULL) {
				if (n == cap) {
					cap = cap ? cap * 2 : 256;
					v = xrealloc(v, cap * sizeof(*v));
				}
				sv = &v[n++];
				*sv = (struct svc){ .name = base };
			} else
				free(base);
			free(sv->description);
			free(sv->active);
			sv->description = xstrdup(desc);
			sv->active = xstrdup(active);
		}
	}
	sd_bus_message_unref(reply);
	sd_bus_error_free(&err);
	sd_bus_flush_close_unref(bus);
	qsort(v, n, sizeof(*v), svc_cmp);
	*ret = v;
	return n;
}

static void
get_service(const struct ps_stage *s, struct ps_objs *out)
{
	const char *names[MAX_NAMES], *dns[MAX_NAMES];
	size_t nn = ps_params(s, "Name", names, MAX_NAMES);
	size_t nd = ps_params(s, "DisplayName", dns, MAX_NAMES);
	bool found[MAX_NAMES] = { false };
	struct svc *v;
	size_t n = services(&v);

	for (size_t i = 0; i < n; i++) {
		bool want = nn == 0 && nd == 0;

		for (size_t k = 0; k < nn; k++)
			if (fnmatch(names[k], v[i].name, FNM_CASEFOLD) == 0)
				want = found[k] = true;
		for (size_t k = 0; k < nd; k++)
			if (fnmatch(dns[k], v[i].description ?
			    v[i].description : v[i].name, FNM_CASEFOLD) == 0)
				want = true;
		if (want)
			ps_objs_add(out, service_obj(&v[i]));
		free(v[i].name);
		free(v[i].description);
		free(v[i].active);
		free(v[i].file_state);
	}
	free(v);
	for (size_t k = 0; k < nn; k++)
		if (!found[k] && strpbrk(names[k], "*?[") == NULL)
			ps_error("Get-Service", PSRP_ERR_OBJECT_NOT_FOUND,
			    "NoServiceFoundForGivenName", names[k], "Cannot "
			    "find any service with service name '%s'.",
			    names[k]);
}

/* ------------------------------------------------------------ files */

static const char *const tn_file[] = { "System.IO.FileInfo",
	"System.IO.FileSystemInfo", "System.MarshalByRefObject",
	"System.Object", NULL };
static const char *const tn_dir[] = { "System.IO.DirectoryInfo",
	"System.IO.FileSystemInfo", "System.MarshalByRefObject",
	"System.Object", NULL };
static const char *const tn_attr[] = { "System.IO.FileAttributes",
	"System.Enum", "System.ValueType", "System.Object", NULL };
static const char *const tn_pathinfo[] = {
	"System.Management.Automation.PathInfo", "System.Object", NULL };

#define FS_PROVIDER	"Microsoft.PowerShell.Core\\FileSystem"

static void
unix_mode(mode_t m, char out[11])
{
	static const char rwx[] = "rwxrwxrwx";

	out[0] = S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISCHR(m) ? 'c' :
	    S_ISBLK(m) ? 'b' : S_ISFIFO(m) ? 'p' : S_ISSOCK(m) ? 's' : '-';
	for (int i = 0; i < 9; i++)
		out[i + 1] = (m & (0400 >> i)) ? rwx[i] : '-';
	if (m & S_ISUID)
		out[3] = (m & 0100) ? 's' : 'S';
	if (m & S_ISGID)
		out[6] = (m & 0010) ? 's' : 'S';
	if (m & S_ISVTX)
		out[9] = (m & 0001) ? 't' : 'T';
	out[10] = '\0';
}

static char *
parent_of(const char *full)
{
	const char *sl = strrchr(full, '/');

	if (sl == NULL)
		return xstrdup(".");
	if (sl == full)
		return xstrdup(full[1] == '\0' ? "" : "/");
	return xstrndup(full, (size_t)(sl - full));
}

/* a FileInfo or DirectoryInfo for full (an absolute path) */
static struct clixml_value *
item_obj(const char *full, const struct stat *lst)
{
	struct stat st = *lst;
	bool link = S_ISLNK(lst->st_mode), dir;
	const char *name = strrchr(full, '/');
	char *parent = parent_of(full), um[11], mode[8], *t;
	char target[4096] = "";
	const char *ext;
	struct clixml_value *o;
	struct passwd *pw;
	struct group *gr;
	int attr = 0;
	bool hidden;

	name = name != NULL && name[1] != '\0' ? name + 1 : full;
	if (link) {
		ssize_t n = readlink(full, target, sizeof(target) - 1);

		target[n > 0 ? n : 0] = '\0';
		if (stat(full, &st) < 0)
			st = *lst;
	}
	dir = S_ISDIR(st.st_mode);
	hidden = name[0] == '.' && strcmp(full, "/") != 0;
	ext = strrchr(name, '.');
	if (ext == NULL || ext == name)
		ext = "";
	if (dir)
		attr |= 16;
	if (hidden)
		attr |= 2;
	if (!(st.st_mode & 0222))
		attr |= 1;
	if (link)
		attr |= 1024;
	if (!dir && attr == 0)
		attr = 128;	/* Normal */
	if (!dir && !link && !hidden && !(attr & 1))
		attr = 32;	/* Archive, as Windows shows a plain file */
	snprintf(mode, sizeof(mode), "%c%c%c%c%c", link ? 'l' : dir ? 'd' : '-',
	    (attr & 32) ? 'a' : '-', (attr & 1) ? 'r' : '-',
	    (attr & 2) ? 'h' : '-', '-');
	unix_mode(lst->st_mode, um);
	o = ps_obj(dir ? tn_dir : tn_file, full);
	t = xasprintf(FS_PROVIDER "::%s", full);
	clixml_obj_add_ms(o, "PSPath", clixml_new_string(t));
	free(t);
	t = xasprintf(FS_PROVIDER "::%s", parent);
	clixml_obj_add_ms(o, "PSParentPath", clixml_new_string(t));
	free(t);
	clixml_obj_add_ms(o, "PSChildName", clixml_new_string(name));
	clixml_obj_add_ms(o, "PSDrive", clixml_new_string("/"));
	clixml_obj_add_ms(o, "PSProvider", clixml_new_string(FS_PROVIDER));
	clixml_obj_add_ms(o, "PSIsContainer", clixml_new_bool(dir));
	clixml_obj_add_ms(o, "Mode", clixml_new_string(mode));
	t = dir ? xstrdup(name) : xstrndup(name, strlen(name) - strlen(ext));
	clixml_obj_add_ms(o, "BaseName", clixml_new_string(t));
	free(t);
	clixml_obj_add_ms(o, "Target", ps_str(link ? target : NULL));
	clixml_obj_add_ms(o, "LinkType", ps_str(link ? "SymbolicLink" : NULL));
	clixml_obj_add_ms(o, "UnixMode", clixml_new_string(um));
	pw = getpwuid(lst->st_uid);
	gr = getgrgid(lst->st_gid);
	if (pw != NULL)
		clixml_obj_add_ms(o, "User", clixml_new_string(pw->pw_name));
	else {
		t = xasprintf("%u", (unsigned)lst->st_uid);
		clixml_obj_add_ms(o, "User", clixml_new_string(t));
		free(t);
	}
	if (gr != NULL)
		clixml_obj_add_ms(o, "Group", clixml_new_string(gr->gr_name));
	else {
		t = xasprintf("%u", (unsigned)lst->st_gid);
		clixml_obj_add_ms(o, "Group", clixml_new_string(t));
		free(t);
	}
	clixml_obj_add_ms(o, "Size", clixml_new_i64(lst->st_size));
	if (dir) {
		clixml_obj_add_prop(o, "Parent", ps_str(parent[0] != '\0' ?
		    parent : NULL));
		clixml_obj_add_prop(o, "Root", clixml_new_string("/"));
	} else {
		clixml_obj_add_prop(o, "Length", clixml_new_i64(st.st_size));
		clixml_obj_add_prop(o, "DirectoryName", clixml_new_string(parent));
		clixml_obj_add_prop(o, "Directory", clixml_new_string(parent));
		clixml_obj_add_prop(o, "IsReadOnly", clixml_new_bool(attr & 1));
	}
	clixml_obj_add_prop(o, "FullName", clixml_new_string(full));
	clixml_obj_add_prop(o, "Extension", clixml_new_string(ext));
	clixml_obj_add_prop(o, "Name", clixml_new_string(name));
	clixml_obj_add_prop(o, "Exists", clixml_new_bool(true));
	clixml_obj_add_prop(o, "CreationTime", ps_time(st.st_ctim.tv_sec,
	    st.st_ctim.tv_nsec));
	clixml_obj_add_prop(o, "CreationTimeUtc", clixml_new_datetime(
	    st.st_ctim.tv_sec, st.st_ctim.tv_nsec, true, 0));
	clixml_obj_add_prop(o, "LastAccessTime", ps_time(st.st_atim.tv_sec,
	    st.st_atim.tv_nsec));
	clixml_obj_add_prop(o, "LastAccessTimeUtc", clixml_new_datetime(
	    st.st_atim.tv_sec, st.st_atim.tv_nsec, true, 0));
	clixml_obj_add_prop(o, "LastWriteTime", ps_time(st.st_mtim.tv_sec,
	    st.st_mtim.tv_nsec));
	clixml_obj_add_prop(o, "LastWriteTimeUtc", clixml_new_datetime(
	    st.st_mtim.tv_sec, st.st_mtim.tv_nsec, true, 0));
	{
		char names[128] = "";

		if (attr & 1)
			strcat(names, "ReadOnly, ");
		if (attr & 2)
			strcat(names, "Hidden, ");
		if (attr & 16)
			strcat(names, "Directory, ");
		if (attr & 32)
			strcat(names, "Archive, ");
		if (attr & 128)
			strcat(names, "Normal, ");
		if (attr & 1024)
			strcat(names, "ReparsePoint, ");
		names[strlen(names) - 2] = '\0';
		clixml_obj_add_prop(o, "Attributes", clixml_new_enum(tn_attr,
		    attr, names));
	}
	clixml_obj_add_prop(o, "LinkTarget", ps_str(link ? target : NULL));
	free(parent);
	return o;
}

/* an absolute, normalised path for p (relative to the cwd) */
static char *
absolute(const char *p)
{
	char *m = ps_path(p), *a, *cwd;
	char **parts;
	size_t n = 0, len;
	char *tok, *save;

	if (m[0] != '/') {
		cwd = getcwd(NULL, 0);
		a = xasprintf("%s/%s", cwd != NULL ? cwd : "", m);
		free(cwd);
		free(m);
		m = a;
	}
	len = strlen(m);
	parts = xmalloc((len / 2 + 2) * sizeof(char *));
	for (tok = strtok_r(m, "/", &save); tok != NULL;
	    tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			if (n > 0)
				n--;
			continue;
		}
		parts[n++] = tok;
	}
	a = xmalloc(len + 2);
	a[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		strcat(a, "/");
		strcat(a, parts[i]);
	}
	if (n == 0)
		strcpy(a, "/");
	free(parts);
	free(m);
	return a;
}

static void
path_error(const char *cmdlet, const char *path, int err, bool dir)
{
	if (err == EACCES || err == EPERM)
		ps_error(cmdlet, PSRP_ERR_PERMISSION_DENIED, dir ?
		    "DirUnauthorizedAccessError" : "ItemExistsUnauthorizedAccessError",
		    path, "Access to the path '%s' is denied.", path);
	else if (err == ENOENT || err == ENOTDIR)
		ps_error(cmdlet, PSRP_ERR_OBJECT_NOT_FOUND, "PathNotFound",
		    path, "Cannot find path '%s' because it does not exist.",
		    path);
	else
		ps_error(cmdlet, PSRP_ERR_NOT_SPECIFIED, "ItemError", path,
		    "%s: %s", path, strerror(err));
}

static int
name_cmp(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

/* the paths a -Path names: wildcards expanded, each absolute */
static size_t
resolve(const struct ps_stage *s, const char *cmdlet, char ***ret)
{
	const char *paths[MAX_NAMES];
	size_t np = ps_params(s, "LiteralPath", paths, MAX_NAMES), n = 0;
	bool literal = np > 0;
	char **out;

	if (!literal)
		np = ps_params(s, "Path", paths, MAX_NAMES);
	if (np == 0) {
		paths[0] = ".";
		np = 1;
	}
	out = xmalloc(sizeof(char *));
	for (size_t i = 0; i < np; i++) {
		char *a = absolute(paths[i]);
		glob_t g;

		if (literal || strpbrk(a, "*?[") == NULL) {
			out = xrealloc(out, (n + 1) * sizeof(char *));
			out[n++] = a;
			continue;
		}
		if (glob(a, GLOB_NOSORT, NULL, &g) != 0) {
			path_error(cmdlet, paths[i], ENOENT, false);
			free(a);
			continue;
		}
		qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), name_cmp);
		out = xrealloc(out, (n + g.gl_pathc) * sizeof(char *));
		for (size_t k = 0; k < g.gl_pathc; k++)
			out[n++] = xstrdup(g.gl_pathv[k]);
		globfree(&g);
		free(a);
	}
	*ret = out;
	return n;
}

static void
get_item(const struct ps_stage *s, struct ps_objs *out)
{
	char **paths;
	size_t n = resolve(s, "Get-Item", &paths);

	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (lstat(paths[i], &st) < 0)
			path_error("Get-Item", paths[i], errno, false);
		else
			ps_objs_add(out, item_obj(paths[i], &st));
		free(paths[i]);
	}
	free(paths);
}

static void
list_dir(const struct ps_stage *s, const char *dir, struct ps_objs *out)
{
	const char *filter = ps_param(s, "Filter");
	bool force = ps_switch(s, "Force"), files = ps_switch(s, "File");
	bool dirs = ps_switch(s, "Directory"), names = ps_switch(s, "Name");
	char **ents = NULL;
	size_t n = 0;
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d == NULL) {
		path_error("Get-ChildItem", dir, errno, true);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    (e->d_name[0] == '.' && !force))
			continue;
		if (filter != NULL && fnmatch(filter, e->d_name,
		    FNM_CASEFOLD) != 0)
			continue;
		ents = xrealloc(ents, (n + 1) * sizeof(char *));
		ents[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(ents, n, sizeof(char *), name_cmp);
	for (size_t i = 0; i < n; i++) {
		char *full = xasprintf("%s%s%s", dir, strcmp(dir, "/") == 0 ?
		    "" : "/", ents[i]);
		struct stat st, tst;
		bool isdir;

		if (lstat(full, &st) == 0) {
			isdir = S_ISDIR(st.st_mode) || (S_ISLNK(st.st_mode) &&
			    stat(full, &tst) == 0 && S_ISDIR(tst.st_mode));
			if ((!files || !isdir) && (!dirs || isdir))
				ps_objs_add(out, names ?
				    clixml_new_string(ents[i]) :
				    item_obj(full, &st));
		}
		free(full);
		free(ents[i]);
	}
	free(ents);
}

static void
get_childitem(const struct ps_stage *s, struct ps_objs *out)
{
	char **paths;
	size_t n = resolve(s, "Get-ChildItem", &paths);

	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (stat(paths[i], &st) < 0)
			path_error("Get-ChildItem", paths[i], errno, false);
		else if (S_ISDIR(st.st_mode))
			list_dir(s, paths[i], out);
		else if (lstat(paths[i], &st) == 0)
			ps_objs_add(out, ps_switch(s, "Name") ?
			    clixml_new_string(strrchr(paths[i], '/') + 1) :
			    item_obj(paths[i], &st));
		free(paths[i]);
	}
	free(paths);
}

static void
get_content(const struct ps_stage *s, struct ps_objs *out)
{
	const char *head = ps_param(s, "TotalCount");
	const char *tail = ps_param(s, "Tail");
	bool raw = ps_switch(s, "Raw");
	char **paths;
	size_t n;

	if (head == NULL)
		head = ps_param(s, "Head");
	if (head == NULL)
		head = ps_param(s, "First");
	n = resolve(s, "Get-Content", &paths);
	for (size_t i = 0; i < n; i++) {
		FILE *f = fopen(paths[i], "re");
		char *line = NULL;
		size_t cap = 0, first = out->n, count = 0;
		long long limit = head != NULL ? atoll(head) : -1;
		struct stat st;
		ssize_t len;

		if (f == NULL || fstat(fileno(f), &st) < 0) {
			path_error("Get-Content", paths[i], errno, false);
			if (f != NULL)
				fclose(f);
			free(paths[i]);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			ps_error("Get-Content", PSRP_ERR_PERMISSION_DENIED,
			    "GetContentReaderUnauthorizedAccessError", paths[i],
			    "Access to the path '%s' is denied.", paths[i]);
			fclose(f);
			free(paths[i]);
			continue;
		}
		if (raw) {
			size_t got = 0, bcap = 65536;
			char *b = xmalloc(bcap);

			while ((len = (ssize_t)fread(b + got, 1, bcap - got,
			    f)) > 0) {
				got += (size_t)len;
				if (got == bcap) {
					if (bcap >= CONTENT_LINE_MAX)
						break;
					bcap *= 2;
					b = xrealloc(b, bcap);
				}
			}
			if (got == bcap && fgetc(f) != EOF)
				ps_error("Get-Content", PSRP_ERR_LIMITS_EXCEEDED,
				    "ContentTooLarge", paths[i], "The file '%s' "
				    "is larger than %u bytes: -Raw gives its "
				    "first %u.", paths[i], CONTENT_LINE_MAX,
				    CONTENT_LINE_MAX);
			ps_objs_add(out, clixml_new_stringn(b, got));
			free(b);
		} else
			while ((limit < 0 || (long long)count < limit) &&
			    (len = getline(&line, &cap, f)) >= 0) {
				if (len > 0 && line[len - 1] == '\n')
					line[--len] = '\0';
				if (len > 0 && line[len - 1] == '\r')
					line[--len] = '\0';
				if ((size_t)len > CONTENT_LINE_MAX)
					len = CONTENT_LINE_MAX;	/* cut */
				ps_objs_add(out, clixml_new_stringn(line,
				    (size_t)len));
				count++;
			}
		if (ferror(f))
			path_error("Get-Content", paths[i], errno, false);
		if (tail != NULL && !raw) {
			size_t keep = (size_t)atoll(tail), got = out->n - first;

			if (keep < got) {
				for (size_t k = first; k < first + got - keep; k++)
					clixml_unref(out->v[k]);
				memmove(out->v + first, out->v + first + got -
				    keep, keep * sizeof(*out->v));
				out->n = first + keep;
			}
		}
		free(line);
		fclose(f);
		free(paths[i]);
	}
	free(paths);
}

static struct clixml_value *
pathinfo(void)
{
	char *cwd = getcwd(NULL, 0);
	struct clixml_value *o = ps_obj(tn_pathinfo, cwd != NULL ? cwd : "/");

	clixml_obj_add_prop(o, "Drive", clixml_new_string("/"));
	clixml_obj_add_prop(o, "Provider", clixml_new_string(FS_PROVIDER));
	clixml_obj_add_prop(o, "ProviderPath", ps_str(cwd));
	clixml_obj_add_prop(o, "Path", ps_str(cwd));
	free(cwd);
	return o;
}

static void
set_location(const struct ps_stage *s, struct ps_objs *out)
{
	const char *p = ps_param(s, "LiteralPath");
	char *a;

	if (p == NULL)
		p = ps_param(s, "Path");
	a = p != NULL ? absolute(p) : xstrdup(getenv("HOME") ? getenv("HOME") :
	    "/");
	if (chdir(a) < 0)
		path_error("Set-Location", p != NULL ? p : a, errno, true);
	else if (ps_switch(s, "PassThru"))
		ps_objs_add(out, pathinfo());
	free(a);
}

static void
test_path(const struct ps_stage *s, struct ps_objs *out)
{
	const char *paths[MAX_NAMES], *type = ps_param(s, "PathType");
	size_t np = ps_params(s, "LiteralPath", paths, MAX_NAMES);

	if (np == 0)
		np = ps_params(s, "Path", paths, MAX_NAMES);
	for (size_t i = 0; i < np; i++) {
		char *a = absolute(paths[i]);
		struct stat st;
		bool ok;
		glob_t g;

		if (ps_param(s, "LiteralPath") == NULL &&
		    strpbrk(a, "*?[") != NULL) {
			ok = glob(a, 0, NULL, &g) == 0;
			if (ok)
				ok = stat(g.gl_pathv[0], &st) == 0;
			globfree(&g);
		} else
			ok = stat(a, &st) == 0;
		if (ok && type != NULL && strcasecmp(type, "Container") == 0)
			ok = S_ISDIR(st.st_mode);
		else if (ok && type != NULL && strcasecmp(type, "Leaf") == 0)
			ok = !S_ISDIR(st.st_mode);
		ps_objs_add(out, clixml_new_bool(ok));
		free(a);
	}
}

/* ------------------------------------------------------------ write */

static struct clixml_value *
literal(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (*s != '\0' && *end == '\0' && v >= INT32_MIN && v <= INT32_MAX &&
	    strlen(s) < 12)
		return clixml_new_i32((int32_t)v);
	if (strcmp(s, "True") == 0 || strcmp(s, "False") == 0)
		return clixml_new_bool(s[0] == 'T');
	return clixml_new_string(s);
}

static void
write_output(const struct ps_stage *s, struct ps_objs *out)
{
	for (size_t i = 0; i + 1 < s->argc; i += 2)
		if (strcasecmp(s->argv[i], "-InputObject") == 0)
			ps_objs_add(out, literal(s->argv[i + 1]));
}

static void
write_host(const struct ps_stage *s)
{
	const char *sep = ps_param(s, "Separator");
	char *all = xstrdup("");
	bool any = false;
	int color[2] = { -1, -1 };

	for (size_t i = 0; i + 1 < s->argc; i += 2)
		if (strcasecmp(s->argv[i], "-Object") == 0) {
			char *n = xasprintf("%s%s%s", all, any ? (sep ? sep :
			    " ") : "", s->argv[i + 1]);

			free(all);
			all = n;
			any = true;
		}
	for (int k = 0; k < 2; k++) {
		const char *name = k == 0 ? "ForegroundColor" : "BackgroundColor";
		const char *c = ps_param(s, name);

		if (c != NULL && (color[k] = psrp_console_color_parse(c)) < 0) {
			ps_error("Write-Host", PSRP_ERR_INVALID_ARGUMENT,
			    "CannotConvertArgumentNoMessage", NULL, "Cannot "
			    "bind parameter '%s'. Cannot convert value \"%s\" "
			    "to type \"System.ConsoleColor\".", name, c);
			free(all);
			return;
		}
	}
	ps_host(all, ps_switch(s, "NoNewline"), color[0], color[1]);
	free(all);
}

int
ps_source(const struct ps_stage *s, struct ps_objs *out)
{
	if (strcmp(s->name, "Get-Process") == 0)
		get_process(s, out);
	else if (strcmp(s->name, "Get-Service") == 0)
		get_service(s, out);
	else if (strcmp(s->name, "Get-ChildItem") == 0)
		get_childitem(s, out);
	else if (strcmp(s->name, "Get-Item") == 0)
		get_item(s, out);
	else if (strcmp(s->name, "Get-Content") == 0)
		get_content(s, out);
	else if (strcmp(s->name, "Set-Location") == 0)
		set_location(s, out);
	else if (strcmp(s->name, "Get-Location") == 0)
		ps_objs_add(out, pathinfo());
	else if (strcmp(s->name, "Test-Path") == 0)
		test_path(s, out);
	else if (strcmp(s->name, "TabExpansion2") == 0)
		ps_complete(s, out);
	else if (strcmp(s->name, "Write-Output") == 0)
		write_output(s, out);
	else if (strcmp(s->name, "Write-Host") == 0)
		write_host(s);
	else if (strcmp(s->name, "Write-Error") == 0) {
		const char *m = ps_param(s, "Message");

		ps_error("Write-Error", PSRP_ERR_NOT_SPECIFIED,
		    "Microsoft.PowerShell.Commands.WriteErrorException", NULL,
		    "%s", m != NULL ? m : "");
	} else
		return -1;
	return 0;
}
