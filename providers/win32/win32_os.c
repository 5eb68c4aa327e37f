/*
 * win32_os.c: Win32_OperatingSystem, the one instance (key Name) built from
 * os-release, uname, /proc/meminfo (sizes in KB, as Windows has them),
 * /proc/stat's boot time, utmp, the locale and the machine id.
 *
 * Every Get reads what can change, but cheaply (monitoring polls this
 * class): /proc files it needs every time are kept open and read again
 * from their start; the process count is counted again only when a task
 * was created or ended since (/proc/loadavg); the root device only when
 * the mount table changed (poll on mountinfo); os-release, the locale and
 * the machine id only when inotify says a file of their directories
 * changed; utmp only when inotify says its directory changed it, and then
 * only if its size or times changed.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <utmpx.h>

#include "osrelease.h"
#include "procfs.h"
#include "win32.h"

enum {
	OP_NAME, OP_CAPTION, OP_VERSION, OP_BUILD_NUMBER, OP_OS_ARCHITECTURE,
	OP_MANUFACTURER, OP_OS_TYPE, OP_OTHER_TYPE_DESCRIPTION, OP_CS_NAME,
	OP_LAST_BOOT_UP_TIME, OP_LOCAL_DATE_TIME, OP_INSTALL_DATE,
	OP_CURRENT_TIME_ZONE, OP_TOTAL_VISIBLE_MEMORY_SIZE,
	OP_FREE_PHYSICAL_MEMORY, OP_TOTAL_VIRTUAL_MEMORY_SIZE,
	OP_FREE_VIRTUAL_MEMORY, OP_SIZE_STORED_IN_PAGING_FILES,
	OP_FREE_SPACE_IN_PAGING_FILES, OP_TOTAL_SWAP_SPACE_SIZE,
	OP_NUMBER_OF_PROCESSES, OP_MAX_NUMBER_OF_PROCESSES,
	OP_NUMBER_OF_USERS, OP_LOCALE, OP_OS_LANGUAGE, OP_CODE_SET,
	OP_SYSTEM_DIRECTORY, OP_WINDOWS_DIRECTORY, OP_SYSTEM_DRIVE,
	OP_BOOT_DEVICE, OP_SYSTEM_DEVICE, OP_SERIAL_NUMBER, OP_STATUS,
	OP_PRIMARY, OP_DISTRIBUTED, OP_SERVICE_PACK_MAJOR_VERSION,
	OP_SERVICE_PACK_MINOR_VERSION, OP_CREATION_CLASS_NAME,
	OP_CS_CREATION_CLASS_NAME,
	OP_COUNT
};

static const struct cim_property os_props[OP_COUNT] = {
	[OP_NAME] = { "Name", CIM_STRING, CIM_KEY | CIM_SINGLETON },
	[OP_CAPTION] = { "Caption", CIM_STRING, 0 },
	[OP_VERSION] = { "Version", CIM_STRING, 0 },
	[OP_BUILD_NUMBER] = { "BuildNumber", CIM_STRING, 0 },
	[OP_OS_ARCHITECTURE] = { "OSArchitecture", CIM_STRING, 0 },
	[OP_MANUFACTURER] = { "Manufacturer", CIM_STRING, 0 },
	[OP_OS_TYPE] = { "OSType", CIM_UINT16, 0 },
	[OP_OTHER_TYPE_DESCRIPTION] = { "OtherTypeDescription", CIM_STRING, 0 },
	[OP_CS_NAME] = { "CSName", CIM_STRING, 0 },
	[OP_LAST_BOOT_UP_TIME] = { "LastBootUpTime", CIM_DATETIME, 0 },
	[OP_LOCAL_DATE_TIME] = { "LocalDateTime", CIM_DATETIME, 0 },
	[OP_INSTALL_DATE] = { "InstallDate", CIM_DATETIME, 0 },
	[OP_CURRENT_TIME_ZONE] = { "CurrentTimeZone", CIM_SINT16, 0 },
	[OP_TOTAL_VISIBLE_MEMORY_SIZE] = { "TotalVisibleMemorySize", CIM_UINT64, 0 },
	[OP_FREE_PHYSICAL_MEMORY] = { "FreePhysicalMemory", CIM_UINT64, 0 },
	[OP_TOTAL_VIRTUAL_MEMORY_SIZE] = { "TotalVirtualMemorySize", CIM_UINT64, 0 },
	[OP_FREE_VIRTUAL_MEMORY] = { "FreeVirtualMemory", CIM_UINT64, 0 },
	[OP_SIZE_STORED_IN_PAGING_FILES] = { "SizeStoredInPagingFiles", CIM_UINT64, 0 },
	[OP_FREE_SPACE_IN_PAGING_FILES] = { "FreeSpaceInPagingFiles", CIM_UINT64, 0 },
	[OP_TOTAL_SWAP_SPACE_SIZE] = { "TotalSwapSpaceSize", CIM_UINT64, 0 },
	[OP_NUMBER_OF_PROCESSES] = { "NumberOfProcesses", CIM_UINT32, 0 },
	[OP_MAX_NUMBER_OF_PROCESSES] = { "MaxNumberOfProcesses", CIM_UINT32, 0 },
	[OP_NUMBER_OF_USERS] = { "NumberOfUsers", CIM_UINT32, 0 },
	[OP_LOCALE] = { "Locale", CIM_STRING, 0 },
	[OP_OS_LANGUAGE] = { "OSLanguage", CIM_UINT32, 0 },
	[OP_CODE_SET] = { "CodeSet", CIM_STRING, 0 },
	[OP_SYSTEM_DIRECTORY] = { "SystemDirectory", CIM_STRING, 0 },
	[OP_WINDOWS_DIRECTORY] = { "WindowsDirectory", CIM_STRING, 0 },
	[OP_SYSTEM_DRIVE] = { "SystemDrive", CIM_STRING, 0 },
	[OP_BOOT_DEVICE] = { "BootDevice", CIM_STRING, 0 },
	[OP_SYSTEM_DEVICE] = { "SystemDevice", CIM_STRING, 0 },
	[OP_SERIAL_NUMBER] = { "SerialNumber", CIM_STRING, 0 },
	[OP_STATUS] = { "Status", CIM_STRING, 0 },
	[OP_PRIMARY] = { "Primary", CIM_BOOLEAN, 0 },
	[OP_DISTRIBUTED] = { "Distributed", CIM_BOOLEAN, 0 },
	[OP_SERVICE_PACK_MAJOR_VERSION] = { "ServicePackMajorVersion", CIM_UINT16, 0 },
	[OP_SERVICE_PACK_MINOR_VERSION] = { "ServicePackMinorVersion", CIM_UINT16, 0 },
	[OP_CREATION_CLASS_NAME] = { "CreationClassName", CIM_STRING, 0 },
	[OP_CS_CREATION_CLASS_NAME] = { "CSCreationClassName", CIM_STRING, 0 },
};

#define OS_TYPE_LINUX	36	/* CIM_OperatingSystem.OSType ValueMap: LINUX */

/* ------------------------------------------------------------ pure */

const char *
w32_os_architecture(const char *machine)
{
	/* x86_64 aarch64 ppc64le riscv64 s390x */
	if (strstr(machine, "64") != NULL || strcmp(machine, "s390x") == 0)
		return "64-bit";
	return "32-bit";
}

static const struct {
	const char	*name;
	uint32_t	 lcid;
} lcids[] = {
	/* the first of a language is its default */
	{ "en_US", 0x0409 }, { "en_GB", 0x0809 }, { "en_AU", 0x0c09 },
	{ "en_CA", 0x1009 }, { "en_NZ", 0x1409 }, { "en_IE", 0x1809 },
	{ "en_IN", 0x4009 }, { "de_DE", 0x0407 }, { "de_CH", 0x0807 },
	{ "de_AT", 0x0c07 }, { "fr_FR", 0x040c }, { "fr_BE", 0x080c },
	{ "fr_CA", 0x0c0c }, { "fr_CH", 0x100c }, { "es_ES", 0x0c0a },
	{ "es_MX", 0x080a }, { "it_IT", 0x0410 }, { "it_CH", 0x0810 },
	{ "nl_NL", 0x0413 }, { "nl_BE", 0x0813 }, { "pt_BR", 0x0416 },
	{ "pt_PT", 0x0816 }, { "sv_SE", 0x041d }, { "da_DK", 0x0406 },
	{ "nb_NO", 0x0414 }, { "fi_FI", 0x040b }, { "pl_PL", 0x0415 },
	{ "cs_CZ", 0x0405 }, { "sk_SK", 0x041b }, { "hu_HU", 0x040e },
	{ "ro_RO", 0x0418 }, { "ru_RU", 0x0419 }, { "uk_UA", 0x0422 },
	{ "tr_TR", 0x041f }, { "el_GR", 0x0408 }, { "he_IL", 0x040d },
	{ "ar_SA", 0x0401 }, { "ja_JP", 0x0411 }, { "ko_KR", 0x0412 },
	{ "zh_CN", 0x0804 }, { "zh_TW", 0x0404 }, { "zh_HK", 0x0c04 },
	{ "th_TH", 0x041e }, { "vi_VN", 0x042a }, { "id_ID", 0x0421 },
};

uint32_t
w32_lcid(const char *lang)
{
	size_t n;

	if (lang == NULL || lang[0] == '\0' || strcmp(lang, "C") == 0 ||
	    strncmp(lang, "C.", 2) == 0 || strcmp(lang, "POSIX") == 0)
		return 0x0409;
	n = strcspn(lang, ".@");
	for (size_t i = 0; i < sizeof(lcids) / sizeof(lcids[0]); i++)
		if (strlen(lcids[i].name) == n &&
		    strncmp(lcids[i].name, lang, n) == 0)
			return lcids[i].lcid;
	/* "de" or an unknown territory: the language's first entry */
	n = strcspn(lang, "_.@");
	for (size_t i = 0; i < sizeof(lcids) / sizeof(lcids[0]); i++)
		if (n == 2 && strncmp(lcids[i].name, lang, 2) == 0)
			return lcids[i].lcid;
	return 0;
}

/* Windows code page of a locale's charset, or NULL */
static const char *
code_set(const char *lang)
{
	const char *dot = lang ? strchr(lang, '.') : NULL;

	if (dot == NULL)
		return lang == NULL || strcmp(lang, "C") == 0 ||
		    strcmp(lang, "POSIX") == 0 ? "20127" : NULL;
	dot++;
	if (strncasecmp(dot, "UTF-8", 5) == 0 ||
	    strncasecmp(dot, "utf8", 4) == 0)
		return "65001";
	if (strncasecmp(dot, "ISO-8859-15", 11) == 0 ||
	    strncasecmp(dot, "iso885915", 9) == 0)
		return "28605";
	if (strncasecmp(dot, "ISO-8859-1", 10) == 0 ||
	    strncasecmp(dot, "iso88591", 8) == 0)
		return "28591";
	return NULL;
}

unsigned
w32_utmp_users(const void *buf, size_t len, char *console, size_t console_len)
{
	const struct utmpx *u = buf;
	size_t n = len / sizeof(*u);
	unsigned users = 0;

	if (console_len > 0)
		console[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (u[i].ut_type != USER_PROCESS || u[i].ut_user[0] == '\0')
			continue;
		users++;
		/* the console: a virtual terminal or a local X display */
		if (console_len > 0 && console[0] == '\0' &&
		    ((strncmp(u[i].ut_line, "tty", 3) == 0 &&
		    strncmp(u[i].ut_line, "ttyS", 4) != 0) ||
		    u[i].ut_line[0] == ':' ||
		    strcmp(u[i].ut_line, "console") == 0))
			snprintf(console, console_len, "%.*s",
			    (int)sizeof(u[i].ut_user), u[i].ut_user);
	}
	return users;
}

/* ------------------------------------------------------------ sources */

/* LANG of /etc/default/locale or /etc/locale.conf, else the daemon's */
static void
system_lang(char *buf, size_t len)
{
	static const char *const files[] = { "default/locale", "locale.conf" };
	struct procfs_buf b = { 0 };
	char path[4096];
	const char *env;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const char *p;

		if (w32_path(path, sizeof(path), w32->paths.etc,
		    files[i]) < 0 || procfs_read(AT_FDCWD, path, &b, 65536,
		    0) < 0)
			continue;
		for (p = b.data; p != NULL && *p != '\0';) {
			if (strncmp(p, "LANG=", 5) == 0) {
				size_t n;

				p += 5;
				if (*p == '"' || *p == '\'')
					p++;
				n = strcspn(p, "\"'\n \t");
				snprintf(buf, len, "%.*s", (int)n, p);
				procfs_buf_free(&b);
				return;
			}
			if ((p = strchr(p, '\n')) != NULL)
				p++;
		}
	}
	procfs_buf_free(&b);
	env = getenv("LANG");
	snprintf(buf, len, "%s", env != NULL ? env : "C");
}

static unsigned
count_processes(void)
{
	struct dirent *de;
	unsigned n = 0;
	DIR *d;

	if ((d = opendir(w32->paths.proc)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9')
			n++;
	closedir(d);
	return n;
}

/* ------------------------------------------------------- cheap reads */

#define PROC_PID_INIT_INO	0xEFFFFFFCU	/* the initial pid namespace */
#define WATCH_DIRS		3

static struct os_cache {
	char		 proc[256], etc[256], usr_lib[256], utmp[256];	/* for these */
	bool		 open;
	int		 loadavg_fd, meminfo_fd, pid_max_fd, mounts_fd;
	int		 inotify_fd;
	/* utmp's directory's watch (-1: none, stat utmp every time), and
	 * whether it is also one of the others' */
	int		 utmp_wd;
	bool		 utmp_wd_shared;
	bool		 init_pidns;
	/* processes, counted when loadavg said threads, last pid */
	bool		 procs_ok;
	unsigned long	 threads, last_pid;
	unsigned	 procs;
	/* the root device, until the mount table changes; the install date
	 * (the root's birth, else the machine id's time) until that or the
	 * files change */
	bool		 dev_ok, install_ok;
	char		 dev[1024];
	time_t		 install;
	/* os-release, LANG and the machine id, until inotify says */
	bool		 files_ok;
	bool		 have_os;
	struct os_release os;
	char		 lang[128], serial[128];
	bool		 have_serial;
	/* utmp: its identity and times when counted */
	bool		 utmp_ok;
	struct stat	 utmp_st;
	unsigned	 users;
	bool		 have_users;
} oc = { .loadavg_fd = -1, .meminfo_fd = -1, .pid_max_fd = -1,
    .mounts_fd = -1, .inotify_fd = -1, .utmp_wd = -1 };

static int
open_in(const char *dir, const char *rel)
{
	char path[4096];

	if (w32_path(path, sizeof(path), dir, rel) < 0)
		return -1;
	return open(path, O_RDONLY | O_CLOEXEC);
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void
w32_os_fini(void)
{
	close_fd(&oc.loadavg_fd);
	close_fd(&oc.meminfo_fd);
	close_fd(&oc.pid_max_fd);
	close_fd(&oc.mounts_fd);
	close_fd(&oc.inotify_fd);
	oc.utmp_wd = -1;
	if (oc.have_os)
		os_release_done(&oc.os);
	oc.have_os = false;
	oc.open = oc.procs_ok = oc.dev_ok = oc.files_ok = oc.utmp_ok = false;
}

/* (re)adds the watches: a directory made since is watched from now */
static void
watch_dirs(void)
{
	const uint32_t mask = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE |
	    IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE |
	    IN_DELETE_SELF | IN_MOVE_SELF;
	char path[4096], *slash;
	int wd[3];

	if (oc.inotify_fd < 0)
		return;
	if ((wd[0] = inotify_add_watch(oc.inotify_fd, w32->paths.etc,
	    mask)) < 0 ||
	    (wd[1] = inotify_add_watch(oc.inotify_fd, w32->paths.usr_lib,
	    mask)) < 0 ||
	    w32_path(path, sizeof(path), w32->paths.etc, "default") < 0) {
		/* a directory we cannot watch: read the files every time */
		close_fd(&oc.inotify_fd);
		oc.utmp_wd = -1;
		return;
	}
	/* no /etc/default: its creation is an event of /etc */
	wd[2] = inotify_add_watch(oc.inotify_fd, path, mask);
	/* utmp's directory (/run): without a watch, utmp is stat()ed */
	snprintf(path, sizeof(path), "%s", w32->paths.utmp);
	if ((slash = strrchr(path, '/')) != NULL && slash != path) {
		*slash = '\0';
		oc.utmp_wd = inotify_add_watch(oc.inotify_fd, path, mask);
	} else
		oc.utmp_wd = -1;
	oc.utmp_wd_shared = oc.utmp_wd == wd[0] || oc.utmp_wd == wd[1] ||
	    oc.utmp_wd == wd[2];
}

/*
 * Reads what inotify reported: true if the files of etc, usr/lib or
 * etc/default changed (or the queue overflowed); an event of utmp (or of
 * its directory itself) makes utmp be looked at again.
 */
static bool
watch_events(void)
{
	const char *base = strrchr(w32->paths.utmp, '/');
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false;
	ssize_t n;

	base = base != NULL ? base + 1 : w32->paths.utmp;
	while ((n = read(oc.inotify_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p + sizeof(struct inotify_event) <= buf + n;) {
			const struct inotify_event *ev = (const void *)p;

			p += sizeof(*ev) + ev->len;
			if (ev->wd == oc.utmp_wd && oc.utmp_wd >= 0) {
				if (ev->len == 0 || strcmp(ev->name, base) == 0)
					oc.utmp_ok = false;
				if (!oc.utmp_wd_shared && !(ev->mask &
				    (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)))
					continue;
			}
			/* an overflow, another directory's, a watch gone */
			oc.utmp_ok = oc.utmp_ok && !(ev->mask & IN_Q_OVERFLOW);
			changed = true;
		}
	}
	return changed;
}

/* the files (the paths may be fixtures: a change of them starts again) */
static void
cache_open(void)
{
	char ns[64];
	ssize_t n;

	if (oc.open && strcmp(oc.proc, w32->paths.proc) == 0 &&
	    strcmp(oc.etc, w32->paths.etc) == 0 &&
	    strcmp(oc.usr_lib, w32->paths.usr_lib) == 0 &&
	    strcmp(oc.utmp, w32->paths.utmp) == 0)
		return;
	w32_os_fini();
	snprintf(oc.proc, sizeof(oc.proc), "%s", w32->paths.proc);
	snprintf(oc.etc, sizeof(oc.etc), "%s", w32->paths.etc);
	snprintf(oc.usr_lib, sizeof(oc.usr_lib), "%s", w32->paths.usr_lib);
	snprintf(oc.utmp, sizeof(oc.utmp), "%s", w32->paths.utmp);
	/* /proc's files are never replaced; a fixture's may be */
	if (strcmp(w32->paths.proc, "/proc") == 0) {
		oc.loadavg_fd = open_in(w32->paths.proc, "loadavg");
		oc.meminfo_fd = open_in(w32->paths.proc, "meminfo");
		oc.pid_max_fd = open_in(w32->paths.proc, "sys/kernel/pid_max");
		oc.mounts_fd = open_in(w32->paths.proc, "self/mountinfo");
	}
	oc.inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	watch_dirs();
	/*
	 * loadavg's last pid is the namespace's: it moves with every task
	 * made in it and in the namespaces below it, which are all there
	 * are from the initial one
	 */
	n = readlinkat(AT_FDCWD, "/proc/self/ns/pid", ns, sizeof(ns) - 1);
	if (n > 0 && strcmp(w32->paths.proc, "/proc") == 0) {
		const char *b;

		ns[n] = '\0';
		b = strchr(ns, '[');
		oc.init_pidns = b != NULL &&
		    strtoul(b + 1, NULL, 10) == PROC_PID_INIT_INO;
	}
	oc.open = true;
}

/*
 * A kept-open file (or, fd -1, rel of paths.proc) read again from its
 * start into buf, in one read: a /proc file of one record gives all it
 * has at once, and a second read would make the kernel write it again
 * to find the end.  The length, or -1 (or a file longer than buf).
 */
static ssize_t
reread(int fd, const char *rel, char *buf, size_t len)
{
	ssize_t n;

	if (fd < 0) {
		if ((fd = open_in(w32->paths.proc, rel)) < 0)
			return -1;
		n = reread(fd, rel, buf, len);
		close(fd);
		return n;
	}
	if ((n = pread(fd, buf, len - 1, 0)) < 0 || (size_t)n == len - 1)
		return -1;
	buf[n] = '\0';
	return n;
}

/*
 * The processes: /proc's entries counted again only when a task was
 * made (the last pid moved) or ended (the count of threads changed) since
 * the last count.  With no task made, the thread count only falls, with
 * every task that ends; so equal counts and an equal last pid mean the
 * same processes (short of exactly pid_max tasks made in between).
 * Outside the initial pid namespace, or without loadavg: every time.
 */
static unsigned
process_count(void)
{
	char buf[128], *end = NULL, *end2 = NULL;
	unsigned long threads = 0, last = 0;
	const char *slash;

	/* "0.20 0.18 0.12 1/80 11206": threads after the slash, last pid */
	if (oc.init_pidns &&
	    reread(oc.loadavg_fd, "loadavg", buf, sizeof(buf)) > 0 &&
	    (slash = strchr(buf, '/')) != NULL) {
		threads = strtoul(slash + 1, &end, 10);
		if (end != slash + 1 && *end == ' ')
			last = strtoul(end + 1, &end2, 10);
	}
	if (end2 == NULL || end2 == end + 1)
		return count_processes();
	if (oc.procs_ok && threads == oc.threads && last == oc.last_pid)
		return oc.procs;
	oc.procs = count_processes();
	oc.threads = threads;
	oc.last_pid = last;
	oc.procs_ok = true;
	return oc.procs;
}

/*
 * What changed since the last Get, in one poll(): the mount table
 * (POLLERR | POLLPRI: changed since the last poll, proc(5)) and inotify's
 * directories (events queued).  Both, if poll() fails.
 */
static void
poll_changes(bool *mounts, bool *events)
{
	struct pollfd p[2] = {
		{ .fd = oc.mounts_fd, .events = POLLPRI },
		{ .fd = oc.inotify_fd, .events = POLLIN },
	};

	*mounts = *events = true;
	if (poll(p, 2, 0) < 0)
		return;
	*mounts = p[0].revents != 0;
	*events = p[1].revents != 0;
}

/* the root device, read again when the mount table changed */
static const char *
root_device(bool changed)
{
	if (oc.mounts_fd < 0) {
		w32_root_device(oc.dev, sizeof(oc.dev));
		return oc.dev;
	}
	if (changed || !oc.dev_ok) {
		w32_root_device(oc.dev, sizeof(oc.dev));
		oc.dev_ok = true;
		oc.install_ok = false;
	}
	return oc.dev;
}

/* os-release, LANG and the machine id: read again after inotify's news
 * (events: poll() says some are queued) */
static void
files_load(bool events)
{
	char path[4096];
	bool changed = false;

	if (oc.inotify_fd >= 0 && events && (changed = watch_events()))
		watch_dirs();
	if (oc.files_ok && oc.inotify_fd >= 0 && !changed)
		return;
	if (oc.have_os)
		os_release_done(&oc.os);
	oc.have_os = os_release_load(w32->paths.etc, w32->paths.usr_lib,
	    &oc.os) >= 0;
	if (!oc.have_os)
		memset(&oc.os, 0, sizeof(oc.os));
	system_lang(oc.lang, sizeof(oc.lang));
	oc.have_serial = w32_path(path, sizeof(path), w32->paths.etc,
	    "machine-id") == 0 && procfs_read_small(AT_FDCWD, path, oc.serial,
	    sizeof(oc.serial)) > 0;
	oc.files_ok = true;
	oc.install_ok = false;
}

/* NumberOfUsers from utmp, read again when its size or times changed */
static bool
utmp_users(unsigned *ret)
{
	struct procfs_buf b = { 0 };
	struct stat st;
	char console[64];

	/* nothing of utmp's directory changed since it was looked at */
	if (oc.utmp_ok && oc.utmp_wd >= 0 && oc.inotify_fd >= 0) {
		*ret = oc.users;
		return oc.have_users;
	}
	if (stat(w32->paths.utmp, &st) < 0) {
		/* none: until its directory changes */
		memset(&oc.utmp_st, 0, sizeof(oc.utmp_st));
		oc.have_users = false;
		oc.utmp_ok = true;
		return false;
	}
	if (!oc.utmp_ok || st.st_ino != oc.utmp_st.st_ino ||
	    st.st_dev != oc.utmp_st.st_dev ||
	    st.st_size != oc.utmp_st.st_size ||
	    st.st_mtim.tv_sec != oc.utmp_st.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != oc.utmp_st.st_mtim.tv_nsec ||
	    st.st_ctim.tv_sec != oc.utmp_st.st_ctim.tv_sec ||
	    st.st_ctim.tv_nsec != oc.utmp_st.st_ctim.tv_nsec) {
		oc.have_users = procfs_read(AT_FDCWD, w32->paths.utmp, &b, 0,
		    0) >= 0;
		if (oc.have_users)
			oc.users = w32_utmp_users(b.data, b.len, console,
			    sizeof(console));
		procfs_buf_free(&b);
		oc.utmp_st = st;
		oc.utmp_ok = true;
	}
	*ret = oc.users;
	return oc.have_users;
}

/* birth of the root directory, else the machine id's last change */
static time_t
install_date(void)
{
	struct statx stx;
	struct stat st;
	char path[4096];

	if (statx(AT_FDCWD, "/", AT_STATX_DONT_SYNC, STATX_BTIME, &stx) == 0 &&
	    (stx.stx_mask & STATX_BTIME) && stx.stx_btime.tv_sec > 0)
		return (time_t)stx.stx_btime.tv_sec;
	if (w32_path(path, sizeof(path), w32->paths.etc, "machine-id") == 0 &&
	    stat(path, &st) == 0)
		return st.st_mtime;
	return 0;
}

static void
set_kb(struct cim_instance *i, size_t prop, uint64_t kb)
{
	if (kb != PROCFS_NONE)
		w32->svc->set_uint(i, prop, kb);
}

static int
os_enumerate(struct cim_ctx *ctx, void *unused)
{
	const struct cim_services *svc = w32->svc;
	const struct os_release *os = &oc.os;
	struct cim_instance *i;
	struct meminfo mi;
	struct utsname u;
	struct timeval now;
	struct tm tm;
	char host[256], small[128], buf[16384];
	const char *cs, *dev;
	uint32_t lcid;
	unsigned users;
	bool mounts, events;
	time_t t;

	(void)unused;
	if ((i = svc->instance(ctx)) == NULL)
		return w32_fail_nomem(ctx);
	cache_open();
	poll_changes(&mounts, &events);
	files_load(events);
	dev = root_device(mounts);
	if (!oc.install_ok || oc.mounts_fd < 0 || oc.inotify_fd < 0) {
		oc.install = install_date();
		oc.install_ok = true;
	}
	if (uname(&u) < 0) {
		memset(&u, 0, sizeof(u));
		snprintf(u.nodename, sizeof(u.nodename), "localhost");
	}

	svc->set_string(i, OP_NAME, w32_os_name());
	svc->set_string(i, OP_CAPTION, os->pretty_name ? os->pretty_name :
	    os->name ? os->name : "Linux");
	svc->set_string(i, OP_VERSION, os->version_id ? os->version_id :
	    u.release);
	svc->set_string(i, OP_BUILD_NUMBER, u.release);
	svc->set_string(i, OP_OS_ARCHITECTURE, w32_os_architecture(u.machine));
	if (os->vendor_name != NULL || os->name != NULL)
		svc->set_string(i, OP_MANUFACTURER, os->vendor_name ?
		    os->vendor_name : os->name);
	svc->set_uint(i, OP_OS_TYPE, OS_TYPE_LINUX);
	if (os->id != NULL)
		svc->set_string(i, OP_OTHER_TYPE_DESCRIPTION, os->id);
	svc->set_string(i, OP_CS_NAME, w32_hostname_of(u.nodename, host,
	    sizeof(host)));

	if ((t = w32_boot_time()) != 0)
		svc->set_datetime(i, OP_LAST_BOOT_UP_TIME, t, 0);
	gettimeofday(&now, NULL);
	svc->set_datetime(i, OP_LOCAL_DATE_TIME, now.tv_sec, now.tv_usec);
	if (oc.install != 0)
		svc->set_datetime(i, OP_INSTALL_DATE, oc.install, 0);
	if (localtime_r(&now.tv_sec, &tm) != NULL)
		svc->set_sint(i, OP_CURRENT_TIME_ZONE, tm.tm_gmtoff / 60);

	if ((reread(oc.meminfo_fd, "meminfo", buf, sizeof(buf)) > 0 &&
	    procfs_parse_meminfo(buf, &mi) == 0) ||
	    w32_read_meminfo(&mi) == 0) {
		set_kb(i, OP_TOTAL_VISIBLE_MEMORY_SIZE, mi.total);
		set_kb(i, OP_FREE_PHYSICAL_MEMORY, mi.available);
		if (mi.swap_total != PROCFS_NONE) {
			set_kb(i, OP_TOTAL_VIRTUAL_MEMORY_SIZE,
			    mi.total + mi.swap_total);
			set_kb(i, OP_SIZE_STORED_IN_PAGING_FILES,
			    mi.swap_total);
			set_kb(i, OP_TOTAL_SWAP_SPACE_SIZE, mi.swap_total);
		}
		if (mi.swap_free != PROCFS_NONE) {
			if (mi.available != PROCFS_NONE)
				set_kb(i, OP_FREE_VIRTUAL_MEMORY,
				    mi.available + mi.swap_free);
			set_kb(i, OP_FREE_SPACE_IN_PAGING_FILES, mi.swap_free);
		}
	}
	svc->set_uint(i, OP_NUMBER_OF_PROCESSES, process_count());
	if (reread(oc.pid_max_fd, "sys/kernel/pid_max", small,
	    sizeof(small)) > 0)
		svc->set_uint(i, OP_MAX_NUMBER_OF_PROCESSES,
		    strtoul(small, NULL, 10));
	if (utmp_users(&users))
		svc->set_uint(i, OP_NUMBER_OF_USERS, users);

	if ((lcid = w32_lcid(oc.lang)) != 0) {
		char hex[16];

		snprintf(hex, sizeof(hex), "%04x", lcid);
		svc->set_string(i, OP_LOCALE, hex);
		svc->set_uint(i, OP_OS_LANGUAGE, lcid);
	}
	if ((cs = code_set(oc.lang)) != NULL)
		svc->set_string(i, OP_CODE_SET, cs);

	svc->set_string(i, OP_SYSTEM_DIRECTORY, "/usr/bin");
	svc->set_string(i, OP_WINDOWS_DIRECTORY, "/");
	svc->set_string(i, OP_SYSTEM_DRIVE, "/");
	svc->set_string(i, OP_BOOT_DEVICE, dev);
	svc->set_string(i, OP_SYSTEM_DEVICE, dev);
	if (oc.have_serial)
		svc->set_string(i, OP_SERIAL_NUMBER, oc.serial);
	svc->set_string(i, OP_STATUS, "OK");
	svc->set_bool(i, OP_PRIMARY, true);
	svc->set_bool(i, OP_DISTRIBUTED, false);
	svc->set_uint(i, OP_SERVICE_PACK_MAJOR_VERSION, 0);
	svc->set_uint(i, OP_SERVICE_PACK_MINOR_VERSION, 0);
	svc->set_string(i, OP_CREATION_CLASS_NAME, "Win32_OperatingSystem");
	svc->set_string(i, OP_CS_CREATION_CLASS_NAME, "Win32_ComputerSystem");
	svc->emit(ctx, i);
	return CIM_OK;
}

const struct cim_class w32_os_class = {
	.name = "Win32_OperatingSystem",
	.ns = W32_NS,
	.props = os_props,
	.nprops = OP_COUNT,
	.enumerate = os_enumerate,
};
