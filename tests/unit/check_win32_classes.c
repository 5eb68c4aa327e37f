/*
 * check_win32_classes.c: what the win32 classes enumerate, through the
 * mock cim_services: once from the fixtures of tests/data/win32 (a fake
 * /proc, /etc and /sys, exact values), once from this machine (the test's
 * own process with its command line and parent, the memory of
 * /proc/meminfo, the root filesystem, the network interfaces).
 */
#include "build.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <unistd.h>
#include <utmpx.h>

#include "check_win32_mock.h"
#include "procfs.h"
#include "win32.h"
#include "unit.h"

#define FIXTURES	TEST_DATA "/win32"

static void
setup(void)
{
	mock_start();
}

static void remove_proc_fixture(void);

static void
teardown(void)
{
	mock_stop();
	remove_proc_fixture();
}

/*
 * The fixture /proc, copied to a scratch directory once per process: the
 * copy gets the exe link of pid 1234, which points to a deleted program
 * and so cannot live in the source tree (`make dist' follows links).
 */
static const char *
proc_fixture(void)
{
	static char dir[64];
	char cmd[256], link[128];

	if (dir[0] != '\0')
		return dir;
	snprintf(dir, sizeof(dir), "/tmp/check_win32_proc.%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf %s && cp -r %s/proc %s", dir,
	    FIXTURES, dir);
	ck_assert_msg(system(cmd) == 0, "cannot copy the /proc fixture");
	snprintf(link, sizeof(link), "%s/1234/exe", dir);
	ck_assert_int_eq(symlink("/opt/tool/bin/worker (deleted)", link), 0);
	return dir;
}

static void
remove_proc_fixture(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf /tmp/check_win32_proc.%d",
	    (int)getpid());
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove the /proc fixture copy\n");
}

static void
use_fixtures(void)
{
	w32->paths.proc = proc_fixture();
	w32->paths.etc = FIXTURES "/etc";
	w32->paths.usr_lib = FIXTURES "/usr/lib";
	w32->paths.sys = FIXTURES "/sys";
	w32->paths.run = FIXTURES "/run";
	w32->paths.dev = FIXTURES "/dev";
	w32->paths.utmp = FIXTURES "/run/utmp";
}

static uint64_t
uint_of(const struct cim_instance *i, const char *prop)
{
	uint64_t v = 0;

	ck_assert_msg(mock_uint(i, prop, &v), "%s is null", prop);
	return v;
}

static bool
bool_of(const struct cim_instance *i, const char *prop)
{
	const struct mock_value *v = mock_value(i, prop);

	ck_assert_msg(v->set, "%s is null", prop);
	return v->b;
}

/* ------------------------------------------------------- Win32_Process */

START_TEST(test_process_fixture)
{
	const struct winrmd_principal *owner = mock_principal_uid(1000, "alice");
	struct cim_ctx *ctx;
	struct cim_instance *p, *k;
	const struct mock_value *v;
	long hz = w32->hz;
	time_t sec;
	long usec;

	use_fixtures();
	ctx = mock_enumerate("Win32_Process", owner);
	ck_assert_int_eq(ctx->status, CIM_OK);
	/* 77 has no stat (went away), "self" is no pid */
	ck_assert_uint_eq(ctx->nemitted, 2);
	p = mock_find(ctx, "Handle", "1234");
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(uint_of(p, "ProcessId"), 1234);
	ck_assert_uint_eq(uint_of(p, "ParentProcessId"), 1);
	/* the owner may read exe: the name is its basename, "(deleted)" cut */
	ck_assert_str_eq(mock_str(p, "ExecutablePath"), "/opt/tool/bin/worker");
	ck_assert_str_eq(mock_str(p, "Name"), "worker");
	ck_assert_str_eq(mock_str(p, "Caption"), "worker");
	ck_assert_str_eq(mock_str(p, "CommandLine"),
	    "worker --name \"hello world\" \"a\\\"b\"");
	ck_assert_uint_eq(uint_of(p, "ThreadCount"), 3);
	ck_assert_uint_eq(uint_of(p, "HandleCount"), 4);
	/* bytes where Windows has bytes, KB where it has KB */
	ck_assert_uint_eq(uint_of(p, "WorkingSetSize"), 8192 * 1024);
	ck_assert_uint_eq(uint_of(p, "PeakWorkingSetSize"), 9000);
	ck_assert_uint_eq(uint_of(p, "VirtualSize"), 102400 * 1024);
	ck_assert_uint_eq(uint_of(p, "PeakVirtualSize"), 204800ULL * 1024);
	ck_assert_uint_eq(uint_of(p, "PageFileUsage"), 16);
	ck_assert_uint_eq(uint_of(p, "PrivatePageCount"), 4096 * 1024);
	ck_assert_uint_eq(uint_of(p, "PageFaults"), 1024);
	/* 100 ns units */
	ck_assert_uint_eq(uint_of(p, "KernelModeTime"), 125 * 10000000ULL / hz);
	ck_assert_uint_eq(uint_of(p, "UserModeTime"), 250 * 10000000ULL / hz);
	ck_assert_uint_eq(uint_of(p, "Priority"), 6);	/* nice 5 */
	ck_assert_uint_eq(uint_of(p, "SessionId"), 1234);
	ck_assert_uint_eq(uint_of(p, "ReadOperationCount"), 33);
	ck_assert_uint_eq(uint_of(p, "WriteOperationCount"), 44);
	ck_assert_uint_eq(uint_of(p, "ReadTransferCount"), 1111);
	ck_assert_uint_eq(uint_of(p, "WriteTransferCount"), 2222);
	ck_assert_str_eq(mock_str(p, "WindowsVersion"), "6.1.0-test");
	ck_assert_str_eq(mock_str(p, "CreationClassName"), "Win32_Process");
	v = mock_value(p, "CreationDate");
	ck_assert(v->set);
	procfs_start_time(1700000000, 12345, hz, &sec, &usec);
	ck_assert_int_eq(v->sec, sec);
	ck_assert_int_eq(v->usec, usec);
	ck_assert_str_eq(mock_str(p, "OSName"), w32_os_name());
	ck_assert_ptr_nonnull(strstr(w32_os_name(), "Test \"Linux\" 1.0"));

	/* the kernel thread: no command line, no memory, high priority */
	k = mock_find(ctx, "Handle", "4321");
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(mock_str(k, "Name"), "kworker/0:1H");
	ck_assert(mock_is_null(k, "CommandLine"));
	ck_assert(mock_is_null(k, "ExecutablePath"));
	ck_assert_uint_eq(uint_of(k, "WorkingSetSize"), 0);
	ck_assert_uint_eq(uint_of(k, "ParentProcessId"), 2);
	ck_assert_uint_eq(uint_of(k, "Priority"), 13);
	mock_ctx_free(ctx);
}
END_TEST

/* someone else's process: no exe, io or fds (the kernel's ptrace rule) */
START_TEST(test_process_fixture_other_user)
{
	struct cim_ctx *ctx;
	struct cim_instance *p;

	use_fixtures();
	ctx = mock_enumerate("Win32_Process", mock_principal_uid(1001, "bob"));
	p = mock_find(ctx, "Handle", "1234");
	ck_assert_ptr_nonnull(p);
	ck_assert(mock_is_null(p, "ExecutablePath"));
	ck_assert(mock_is_null(p, "HandleCount"));
	ck_assert(mock_is_null(p, "ReadOperationCount"));
	ck_assert_str_eq(mock_str(p, "Name"), "my prog) x");
	ck_assert_ptr_nonnull(mock_str(p, "CommandLine"));
	ck_assert_uint_eq(uint_of(p, "WorkingSetSize"), 8192 * 1024);
	mock_ctx_free(ctx);

	/* no principal at all: the same */
	ctx = mock_enumerate("Win32_Process", NULL);
	ck_assert(mock_is_null(mock_find(ctx, "Handle", "1234"),
	    "ExecutablePath"));
	mock_ctx_free(ctx);
}
END_TEST

START_TEST(test_process_get)
{
	struct cim_ctx *ctx;

	use_fixtures();
	ctx = mock_get("Win32_Process", "Handle", "1234", mock_principal_self());
	ck_assert_int_eq(ctx->status, CIM_OK);
	ck_assert_uint_eq(ctx->nemitted, 1);
	ck_assert_str_eq(mock_str(ctx->emitted[0], "Handle"), "1234");
	mock_ctx_free(ctx);
	ctx = mock_get("Win32_Process", "Handle", "77", mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, 0);
	mock_ctx_free(ctx);
	ctx = mock_get("Win32_Process", "Handle", "abc", mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, 0);
	ck_assert(!ctx->failed);
	mock_ctx_free(ctx);
	ctx = mock_get("Win32_Process", "Handle", "01234", mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, 0);
	mock_ctx_free(ctx);
}
END_TEST

/*
 * joins our own cmdline as the provider should; read relative to a /proc
 * descriptor as the provider does (valgrind rewrites /proc/self and
 * /proc/<own pid> paths to show its guest)
 */
static char *
own_cmdline(void)
{
	struct procfs_buf b = { 0 };
	char path[64], *out;
	int dir = open("/proc", O_RDONLY | O_DIRECTORY);
	ssize_t len;

	ck_assert_int_ge(dir, 0);
	snprintf(path, sizeof(path), "%d/cmdline", (int)getpid());
	len = procfs_read(dir, path, &b, 0, 0);
	ck_assert_int_gt(len, 0);
	close(dir);
	out = malloc(3 * (size_t)len + 4);
	ck_assert_int_gt(procfs_join_cmdline(b.data, (size_t)len, out,
	    3 * (size_t)len + 4), 0);
	procfs_buf_free(&b);
	return out;
}

static ssize_t
own_exe(char *buf, size_t len)
{
	char path[64];
	int dir = open("/proc", O_RDONLY | O_DIRECTORY);
	ssize_t n;

	snprintf(path, sizeof(path), "%d/exe", (int)getpid());
	n = readlinkat(dir, path, buf, len - 1);
	close(dir);
	if (n > 0)
		buf[n] = '\0';
	return n;
}

START_TEST(test_process_live)
{
	struct cim_ctx *ctx;
	struct cim_instance *me, *parent;
	const struct mock_value *v;
	char pid[32], ppid[32], exe[PATH_MAX], *cmd;
	struct timeval now;
	struct sysinfo si;
	ssize_t n;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	snprintf(ppid, sizeof(ppid), "%d", (int)getppid());
	ctx = mock_enumerate("Win32_Process", mock_principal_self());
	ck_assert_int_eq(ctx->status, CIM_OK);
	ck_assert_uint_gt(ctx->nemitted, 1);
	me = mock_find(ctx, "Handle", pid);
	ck_assert_msg(me != NULL, "own pid %s not enumerated", pid);
	ck_assert_uint_eq(uint_of(me, "ProcessId"), (uint64_t)getpid());
	ck_assert_uint_eq(uint_of(me, "ParentProcessId"), (uint64_t)getppid());
	cmd = own_cmdline();
	ck_assert_str_eq(mock_str(me, "CommandLine"), cmd);
	ck_assert_ptr_nonnull(strstr(cmd, "check_win32_classes"));
	free(cmd);
	n = own_exe(exe, sizeof(exe));
	ck_assert_int_gt(n, 0);
	ck_assert_str_eq(mock_str(me, "ExecutablePath"), exe);
	ck_assert_str_eq(mock_str(me, "Name"), strrchr(exe, '/') + 1);
	/* bytes, a whole number of KB */
	ck_assert_uint_gt(uint_of(me, "WorkingSetSize"), 0);
	ck_assert_uint_eq(uint_of(me, "WorkingSetSize") % 1024, 0);
	ck_assert_uint_ge(uint_of(me, "ThreadCount"), 1);
	ck_assert_uint_ge(uint_of(me, "HandleCount"), 3);
	ck_assert_uint_eq(uint_of(me, "SessionId"), (uint64_t)getsid(0));
	/* started after boot, before now */
	v = mock_value(me, "CreationDate");
	ck_assert(v->set);
	gettimeofday(&now, NULL);
	ck_assert_int_eq(sysinfo(&si), 0);
	ck_assert_int_le(v->sec, now.tv_sec);
	ck_assert_int_ge(v->sec, now.tv_sec - si.uptime - 2);
	/* the parent is there too */
	parent = mock_find(ctx, "Handle", ppid);
	ck_assert_ptr_nonnull(parent);
	mock_ctx_free(ctx);
}
END_TEST

static pid_t thread_tid;
static int thread_up[2], thread_go[2];

static void *
thread_main(void *arg)
{
	char c;

	(void)arg;
	thread_tid = gettid();
	if (write(thread_up[1], "x", 1) != 1 ||
	    read(thread_go[0], &c, 1) < 0)
		return NULL;
	return NULL;
}

/* Get by the tid of a thread finds nothing: /proc/TID is no process */
START_TEST(test_process_get_thread)
{
	struct cim_ctx *ctx;
	pthread_t t;
	char handle[32], c;

	ck_assert_int_eq(pipe(thread_up), 0);
	ck_assert_int_eq(pipe(thread_go), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, thread_main, NULL), 0);
	ck_assert_int_eq(read(thread_up[0], &c, 1), 1);
	snprintf(handle, sizeof(handle), "%d", (int)thread_tid);
	ctx = mock_get("Win32_Process", "Handle", handle, mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, 0);
	mock_ctx_free(ctx);
	snprintf(handle, sizeof(handle), "%d", (int)getpid());
	ctx = mock_get("Win32_Process", "Handle", handle, mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, 1);
	ck_assert_uint_ge(uint_of(ctx->emitted[0], "ThreadCount"), 2);
	mock_ctx_free(ctx);
	ck_assert_int_eq(write(thread_go[1], "x", 1), 1);
	pthread_join(t, NULL);
	for (int k = 0; k < 2; k++) {
		close(thread_up[k]);
		close(thread_go[k]);
	}
}
END_TEST

/* emit() returning false stops the enumeration */
START_TEST(test_process_stop)
{
	struct cim_ctx *ctx = calloc(1, sizeof(*ctx));

	ctx->cls = mock_class("Win32_Process");
	ctx->principal = mock_principal_self();
	ctx->stop_after = 3;
	ctx->status = ctx->cls->enumerate(ctx, w32);
	ck_assert_int_eq(ctx->status, CIM_OK);
	ck_assert_uint_eq(ctx->nemitted, 3);
	mock_ctx_free(ctx);
}
END_TEST

/* ---------------------------------------------- Win32_OperatingSystem */

START_TEST(test_os_fixture)
{
	struct cim_ctx *ctx;
	struct cim_instance *os;
	const struct mock_value *v;

	use_fixtures();
	ctx = mock_enumerate("Win32_OperatingSystem", mock_principal_self());
	ck_assert_int_eq(ctx->status, CIM_OK);
	ck_assert_uint_eq(ctx->nemitted, 1);
	os = ctx->emitted[0];
	ck_assert_str_eq(mock_str(os, "Caption"), "Test \"Linux\" 1.0 ($weird)");
	ck_assert_str_eq(mock_str(os, "Name"),
	    "Test \"Linux\" 1.0 ($weird)|/|/dev/vda");
	ck_assert_str_eq(mock_str(os, "Version"), "1.0");
	ck_assert_str_eq(mock_str(os, "Manufacturer"), "Example Corp");
	ck_assert_str_eq(mock_str(os, "OtherTypeDescription"), "testlinux");
	ck_assert_uint_eq(uint_of(os, "OSType"), 36);
	/* KB, as Windows has them in this class */
	ck_assert_uint_eq(uint_of(os, "TotalVisibleMemorySize"), 16384000);
	ck_assert_uint_eq(uint_of(os, "FreePhysicalMemory"), 8000000);
	ck_assert_uint_eq(uint_of(os, "TotalVirtualMemorySize"),
	    16384000 + 2097148);
	ck_assert_uint_eq(uint_of(os, "FreeVirtualMemory"), 8000000 + 2000000);
	ck_assert_uint_eq(uint_of(os, "TotalSwapSpaceSize"), 2097148);
	ck_assert_uint_eq(uint_of(os, "SizeStoredInPagingFiles"), 2097148);
	ck_assert_uint_eq(uint_of(os, "FreeSpaceInPagingFiles"), 2000000);
	/* fixture /proc: 1234, 4321 and 77 */
	ck_assert_uint_eq(uint_of(os, "NumberOfProcesses"), 3);
	ck_assert_uint_eq(uint_of(os, "MaxNumberOfProcesses"), 4194304);
	v = mock_value(os, "LastBootUpTime");
	ck_assert(v->set);
	ck_assert_int_eq(v->sec, 1700000000);
	ck_assert_str_eq(mock_str(os, "SerialNumber"),
	    "0123456789abcdef0123456789abcdef");
	ck_assert_str_eq(mock_str(os, "Locale"), "0407");
	ck_assert_uint_eq(uint_of(os, "OSLanguage"), 1031);
	ck_assert_str_eq(mock_str(os, "CodeSet"), "65001");
	ck_assert_str_eq(mock_str(os, "BootDevice"), "/dev/vda");
	ck_assert(mock_is_null(os, "NumberOfUsers"));	/* no utmp */
	ck_assert(bool_of(os, "Primary"));
	mock_ctx_free(ctx);
}
END_TEST

START_TEST(test_os_live)
{
	struct cim_ctx *ctx;
	struct cim_instance *os;
	struct meminfo mi;
	char *text = unit_read_path("/proc/meminfo", NULL);
	char host[256];
	const struct mock_value *v;
	uint64_t total;

	ck_assert_int_eq(procfs_parse_meminfo(text, &mi), 0);
	free(text);
	ctx = mock_enumerate("Win32_OperatingSystem", mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, 1);
	os = ctx->emitted[0];
	total = uint_of(os, "TotalVisibleMemorySize");
	/* KB: between 64 MB and 64 TB, and what /proc/meminfo says */
	ck_assert_uint_ge(total, 64 * 1024);
	ck_assert_uint_le(total, 64ULL * 1024 * 1024 * 1024);
	ck_assert_uint_eq(total, mi.total);
	ck_assert_uint_le(uint_of(os, "FreePhysicalMemory"), total);
	ck_assert_uint_gt(uint_of(os, "NumberOfProcesses"), 1);
	ck_assert_str_eq(mock_str(os, "CSName"), w32_hostname(host,
	    sizeof(host)));
	ck_assert_ptr_nonnull(strstr(mock_str(os, "Name"), "|/|"));
	ck_assert_str_eq(mock_str(os, "OSArchitecture"),
	    sizeof(long) == 8 ? "64-bit" : "32-bit");
	v = mock_value(os, "LastBootUpTime");
	ck_assert(v->set && v->sec > 0 && v->sec <= time(NULL));
	v = mock_value(os, "LocalDateTime");
	ck_assert(v->set && v->sec >= time(NULL) - 5);
	/* the key stays the same from call to call */
	text = strdup(mock_str(os, "Name"));
	mock_ctx_free(ctx);
	ctx = mock_enumerate("Win32_OperatingSystem", mock_principal_self());
	ck_assert_str_eq(mock_str(ctx->emitted[0], "Name"), text);
	free(text);
	mock_ctx_free(ctx);
}
END_TEST

/* writes text to dir/rel (replacing it, as editors and dpkg do) */
static void
put_file(const char *dir, const char *rel, const void *data, size_t len)
{
	char path[4096], tmp[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	ck_assert_int_eq(rename(tmp, path), 0);
}

/*
 * The Get reads cheaply but never serves what changed: os-release, the
 * locale, the machine id, utmp, meminfo and the processes changed between
 * two Gets show in the second.
 */
START_TEST(test_os_changes)
{
	char dir[64], cmd[512], text[256];
	struct utmpx u[2];
	struct cim_ctx *ctx;
	struct cim_instance *os;

	use_fixtures();
	snprintf(dir, sizeof(dir), "/tmp/check_win32_os.%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf %s && mkdir -p %s/run && "
	    "cp -r %s/etc %s/usr %s", dir, dir, FIXTURES, FIXTURES, dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(text, sizeof(text), "%s/etc", dir);
	w32->paths.etc = strdup(text);
	snprintf(text, sizeof(text), "%s/usr/lib", dir);
	w32->paths.usr_lib = strdup(text);
	snprintf(text, sizeof(text), "%s/run/utmp", dir);
	w32->paths.utmp = strdup(text);

	ctx = mock_enumerate("Win32_OperatingSystem", mock_principal_self());
	os = ctx->emitted[0];
	ck_assert_str_eq(mock_str(os, "Version"), "1.0");
	ck_assert_str_eq(mock_str(os, "Locale"), "0407");
	ck_assert(mock_is_null(os, "NumberOfUsers"));
	ck_assert_uint_eq(uint_of(os, "NumberOfProcesses"), 3);
	mock_ctx_free(ctx);

	snprintf(text, sizeof(text), "NAME=Other\nVERSION_ID=2.5\n");
	put_file(w32->paths.etc, "os-release", text, strlen(text));
	snprintf(text, sizeof(text), "LANG=fr_FR.UTF-8\n");
	put_file(w32->paths.etc, "default/locale", text, strlen(text));
	snprintf(text, sizeof(text), "fedcba9876543210fedcba9876543210\n");
	put_file(w32->paths.etc, "machine-id", text, strlen(text));
	memset(u, 0, sizeof(u));
	u[0].ut_type = USER_PROCESS;
	snprintf(u[0].ut_user, sizeof(u[0].ut_user), "alice");
	snprintf(u[0].ut_line, sizeof(u[0].ut_line), "pts/0");
	u[1] = u[0];
	snprintf(u[1].ut_user, sizeof(u[1].ut_user), "bob");
	put_file(dir, "run/utmp", u, sizeof(u));
	snprintf(cmd, sizeof(cmd), "cp -r %s/1234 %s/5555 && sed -i "
	    "'s/^MemAvailable:.*/MemAvailable: 7000000 kB/' %s/meminfo",
	    w32->paths.proc, w32->paths.proc, w32->paths.proc);
	ck_assert_int_eq(system(cmd), 0);

	ctx = mock_enumerate("Win32_OperatingSystem", mock_principal_self());
	os = ctx->emitted[0];
	ck_assert_str_eq(mock_str(os, "Version"), "2.5");
	ck_assert_str_eq(mock_str(os, "Caption"), "Other");
	ck_assert_str_eq(mock_str(os, "Locale"), "040c");
	ck_assert_str_eq(mock_str(os, "SerialNumber"),
	    "fedcba9876543210fedcba9876543210");
	ck_assert_uint_eq(uint_of(os, "NumberOfUsers"), 2);
	ck_assert_uint_eq(uint_of(os, "NumberOfProcesses"), 4);
	ck_assert_uint_eq(uint_of(os, "FreePhysicalMemory"), 7000000);
	mock_ctx_free(ctx);

	/* one user logs out (utmp rewritten in place, same size) */
	u[1].ut_type = DEAD_PROCESS;
	snprintf(text, sizeof(text), "%s", w32->paths.utmp);
	{
		int fd = open(text, O_WRONLY);

		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(pwrite(fd, u, sizeof(u), 0), (ssize_t)sizeof(u));
		close(fd);
	}
	ctx = mock_enumerate("Win32_OperatingSystem", mock_principal_self());
	ck_assert_uint_eq(uint_of(ctx->emitted[0], "NumberOfUsers"), 1);
	mock_ctx_free(ctx);
	/* unchanged: the same; gone: none */
	ctx = mock_enumerate("Win32_OperatingSystem", mock_principal_self());
	ck_assert_uint_eq(uint_of(ctx->emitted[0], "NumberOfUsers"), 1);
	mock_ctx_free(ctx);
	ck_assert_int_eq(unlink(text), 0);
	ctx = mock_enumerate("Win32_OperatingSystem", mock_principal_self());
	ck_assert(mock_is_null(ctx->emitted[0], "NumberOfUsers"));
	mock_ctx_free(ctx);

	snprintf(cmd, sizeof(cmd), "rm -rf %s %s/5555", dir, w32->paths.proc);
	ck_assert_int_eq(system(cmd), 0);
	free((char *)w32->paths.etc);
	free((char *)w32->paths.usr_lib);
	free((char *)w32->paths.utmp);
	use_fixtures();
}
END_TEST

/* ----------------------------------------------- Win32_ComputerSystem */

START_TEST(test_computer)
{
	struct cim_ctx *ctx;
	struct cim_instance *cs;
	struct meminfo mi;
	char *text = unit_read_path("/proc/meminfo", NULL);
	char host[256];

	ck_assert_int_eq(procfs_parse_meminfo(text, &mi), 0);
	free(text);
	ctx = mock_enumerate("Win32_ComputerSystem", mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, 1);
	cs = ctx->emitted[0];
	ck_assert_str_eq(mock_str(cs, "Name"), w32_hostname(host, sizeof(host)));
	/* bytes here, not the KB of Win32_OperatingSystem */
	ck_assert_uint_eq(uint_of(cs, "TotalPhysicalMemory"), mi.total * 1024);
	ck_assert_uint_eq(uint_of(cs, "NumberOfLogicalProcessors"),
	    (uint64_t)sysconf(_SC_NPROCESSORS_ONLN));
	ck_assert_uint_ge(uint_of(cs, "NumberOfProcessors"), 1);
	ck_assert_str_eq(mock_str(cs, "Status"), "OK");
	ck_assert_ptr_nonnull(mock_str(cs, "Domain"));
	mock_ctx_free(ctx);

	use_fixtures();
	ctx = mock_enumerate("Win32_ComputerSystem", mock_principal_self());
	cs = ctx->emitted[0];
	ck_assert_str_eq(mock_str(cs, "Manufacturer"), "QEMU");
	ck_assert_str_eq(mock_str(cs, "Model"), "Standard PC (Q35 + ICH9, 2009)");
	ck_assert(mock_is_null(cs, "SystemFamily"));
	ck_assert_uint_eq(uint_of(cs, "NumberOfProcessors"), 2);
	ck_assert(bool_of(cs, "HypervisorPresent"));
	ck_assert_uint_eq(uint_of(cs, "TotalPhysicalMemory"),
	    16384000ULL * 1024);
	if (strchr(host, '.') == NULL)
		ck_assert_str_eq(mock_str(cs, "Domain"), "corp.example.com");
	ck_assert(!bool_of(cs, "PartOfDomain"));
	mock_ctx_free(ctx);
}
END_TEST

/* -------------------------------------------------- Win32_LogicalDisk */

START_TEST(test_disk_live)
{
	struct cim_ctx *ctx;
	struct cim_instance *root;
	struct statvfs vfs;

	ctx = mock_enumerate("Win32_LogicalDisk", mock_principal_self());
	ck_assert(!ctx->failed);
	root = mock_find(ctx, "DeviceID", "/");
	ck_assert_ptr_nonnull(root);
	ck_assert_int_eq(statvfs("/", &vfs), 0);
	ck_assert_uint_eq(uint_of(root, "Size"),
	    (uint64_t)vfs.f_blocks * vfs.f_frsize);
	ck_assert_uint_le(uint_of(root, "FreeSpace"), uint_of(root, "Size"));
	ck_assert_ptr_nonnull(mock_str(root, "FileSystem"));
	ck_assert_ptr_null(mock_find(ctx, "DeviceID", "/proc"));
	ck_assert_ptr_null(mock_find(ctx, "DeviceID", "/sys"));
	ck_assert_ptr_null(mock_find(ctx, "DeviceID", "/dev/pts"));
	mock_ctx_free(ctx);
}
END_TEST

START_TEST(test_disk_fixture)
{
	struct cim_ctx *ctx;
	struct cim_instance *d;

	use_fixtures();
	ctx = mock_enumerate("Win32_LogicalDisk", mock_principal_self());
	ck_assert(!ctx->failed);
	/* the NFS mount went through the worker thread */
	ck_assert_int_eq(ctx->status, CIM_PENDING);
	ck_assert(ctx->completed);
	/* / /run "/mnt/my disk" /home/nfs /data /media/cdrom */
	ck_assert_uint_eq(ctx->nemitted, 6);
	d = mock_find(ctx, "DeviceID", "/");
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(uint_of(d, "DriveType"), 3);
	ck_assert_uint_eq(uint_of(d, "MediaType"), 12);
	ck_assert_str_eq(mock_str(d, "Description"), "Local Fixed Disk");
	ck_assert_uint_gt(uint_of(d, "Size"), 0);
	ck_assert_uint_eq(uint_of(d, "Access"), 3);
	d = mock_find(ctx, "DeviceID", "/run");
	ck_assert_uint_eq(uint_of(d, "DriveType"), 6);
	d = mock_find(ctx, "DeviceID", "/mnt/my disk");
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(mock_str(d, "FileSystem"), "vfat");
	ck_assert_uint_eq(uint_of(d, "Access"), 1);
	ck_assert(mock_is_null(d, "Size"));	/* not mounted here */
	d = mock_find(ctx, "DeviceID", "/home/nfs");
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(uint_of(d, "DriveType"), 4);
	ck_assert_str_eq(mock_str(d, "ProviderName"),
	    "server.example.com:/export/home");
	ck_assert(mock_is_null(d, "MediaType"));
	d = mock_find(ctx, "DeviceID", "/data");
	ck_assert_str_eq(mock_str(d, "FileSystem"), "xfs");	/* the top one */
	d = mock_find(ctx, "DeviceID", "/media/cdrom");
	ck_assert_uint_eq(uint_of(d, "DriveType"), 5);
	ck_assert_uint_eq(uint_of(d, "MediaType"), 11);
	ck_assert_ptr_null(mock_find(ctx, "DeviceID", "/snap/core/123"));
	ck_assert_ptr_null(mock_find(ctx, "DeviceID",
	    "/var/lib/docker/overlay2/abc/merged"));
	ck_assert_int_eq(mock_watch_count(), 0);
	mock_ctx_free(ctx);
}
END_TEST

/* ----------------------------------- Win32_NetworkAdapterConfiguration */

START_TEST(test_netadapter_live)
{
	struct cim_ctx *ctx;
	struct ifaddrs *ifa, *a;
	int checked = 0;

	ctx = mock_enumerate("Win32_NetworkAdapterConfiguration",
	    mock_principal_self());
	ck_assert_int_eq(ctx->status, CIM_OK);
	ck_assert_ptr_null(mock_find(ctx, "SettingID", "lo"));
	for (size_t k = 0; k < ctx->nemitted; k++) {
		struct cim_instance *i = ctx->emitted[k];
		const struct mock_value *ip = mock_value(i, "IPAddress");
		const struct mock_value *mask = mock_value(i, "IPSubnet");
		const char *mac = mock_str(i, "MACAddress");
		const char *name = mock_str(i, "SettingID");
		char caption[64];

		ck_assert_uint_eq(uint_of(i, "Index"), if_nametoindex(name));
		snprintf(caption, sizeof(caption), "[%08u] %s",
		    if_nametoindex(name), name);
		ck_assert_str_eq(mock_str(i, "Caption"), caption);
		ck_assert(mock_is_null(i, "DHCPEnabled"));
		if (mac != NULL) {
			ck_assert_uint_eq(strlen(mac), 17);
			for (int c = 0; c < 17; c++)
				ck_assert(c % 3 == 2 ? mac[c] == ':' :
				    strchr("0123456789ABCDEF", mac[c]) != NULL);
		}
		if (!bool_of(i, "IPEnabled")) {
			ck_assert(!ip->set);
			continue;
		}
		ck_assert(ip->set && ip->n > 0);
		ck_assert_uint_eq(mask->n, ip->n);
		checked++;
	}
	/* every IPv4 address of a non-loopback interface is listed */
	ck_assert_int_eq(getifaddrs(&ifa), 0);
	for (a = ifa; a != NULL; a = a->ifa_next) {
		struct cim_instance *i;
		char text[64], name[IF_NAMESIZE + 1];
		const struct mock_value *ip;
		bool found = false;

		if (a->ifa_addr == NULL || a->ifa_addr->sa_family != AF_INET ||
		    (a->ifa_flags & IFF_LOOPBACK) || !(a->ifa_flags & IFF_UP))
			continue;
		snprintf(name, sizeof(name), "%.*s",
		    (int)strcspn(a->ifa_name, ":"), a->ifa_name);
		i = mock_find(ctx, "SettingID", name);
		ck_assert_ptr_nonnull(i);
		inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)
		    a->ifa_addr)->sin_addr, text, sizeof(text));
		ip = mock_value(i, "IPAddress");
		for (size_t k = 0; k < ip->n; k++)
			found |= strcmp(ip->strs[k], text) == 0;
		ck_assert_msg(found, "%s of %s not listed", text, name);
	}
	freeifaddrs(ifa);
	(void)checked;
	mock_ctx_free(ctx);
}
END_TEST

/* --------------------------------------------- QFE and Win32_Service */

START_TEST(test_qfe)
{
	struct cim_ctx *ctx = mock_enumerate("Win32_QuickFixEngineering",
	    mock_principal_self());

	ck_assert_int_eq(ctx->status, CIM_OK);
	ck_assert_uint_eq(ctx->nemitted, 0);
	ck_assert(!ctx->failed);
	mock_ctx_free(ctx);
	ctx = mock_get("Win32_QuickFixEngineering", "HotFixID", "KB123456",
	    mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, 0);
	mock_ctx_free(ctx);
}
END_TEST

/* without systemd: empty, and said once in the log */
START_TEST(test_service_no_systemd)
{
	struct cim_ctx *ctx;

	w32->paths.systemd = TEST_DATA "/win32/absent/systemd/system";
	ctx = mock_enumerate("Win32_Service", mock_principal_self());
	ck_assert_int_eq(ctx->status, CIM_OK);
	ck_assert_uint_eq(ctx->nemitted, 0);
	ck_assert(!ctx->failed);
	mock_ctx_free(ctx);
	ctx = mock_enumerate("Win32_Service", mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, 0);
	mock_ctx_free(ctx);
	ctx = mock_get("Win32_Service", "Name", "ssh", mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, 0);
	mock_ctx_free(ctx);
	/* said once, not per call */
	ck_assert_int_eq(mock_log_count("systemd is not running"), 1);
}
END_TEST

static Suite *
win32_classes_suite(void)
{
	Suite *s = suite_create("win32_classes");
	TCase *tc = tcase_create("process");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_process_fixture);
	tcase_add_test(tc, test_process_fixture_other_user);
	tcase_add_test(tc, test_process_get);
	tcase_add_test(tc, test_process_live);
	tcase_add_test(tc, test_process_get_thread);
	tcase_add_test(tc, test_process_stop);
	suite_add_tcase(s, tc);

	tc = tcase_create("system");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_os_fixture);
	tcase_add_test(tc, test_os_live);
	tcase_add_test(tc, test_os_changes);
	tcase_add_test(tc, test_computer);
	tcase_add_test(tc, test_disk_live);
	tcase_add_test(tc, test_disk_fixture);
	tcase_add_test(tc, test_netadapter_live);
	tcase_add_test(tc, test_qfe);
	tcase_add_test(tc, test_service_no_systemd);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(win32_classes_suite)
