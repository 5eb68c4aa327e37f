/*
 * win32.c: the win32 provider's entry point and class list (root/cimv2),
 * its init and fini, and the small helpers every class uses: host name,
 * the operating system's Name, the caller's uid, UTF-8 repair.
 */
#define _GNU_SOURCE

#include "build.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "osrelease.h"
#include "procfs.h"
#include "text.h"
#include "win32.h"

static struct w32_state state;
struct w32_state *w32;

static const struct w32_paths default_paths = {
	.proc = "/proc",
	.sys = "/sys",
	.etc = "/etc",
	.usr_lib = "/usr/lib",
	.run = "/run",
	.dev = "/dev",
	.utmp = "/run/utmp",
	.systemd = "/run/systemd/system",
	.systemctl = "systemctl",
	.dpkg = "/var/lib/dpkg",
};

/* ------------------------------------------------------------ helpers */

const char *
w32_hostname_of(const char *nodename, char *buf, size_t len)
{
	size_t n = strcspn(nodename, ".");

	if (n >= len)
		n = len - 1;
	memcpy(buf, nodename, n);
	buf[n] = '\0';
	return buf;
}

const char *
w32_hostname(char *buf, size_t len)
{
	struct utsname u;

	if (uname(&u) < 0)
		snprintf(u.nodename, sizeof(u.nodename), "localhost");
	return w32_hostname_of(u.nodename, buf, len);
}

void
w32_root_device(char *buf, size_t len)
{
	struct procfs_buf b = { 0 };
	struct mount_entry m;
	char path[4096], *cur;
	int r;

	snprintf(buf, len, "/");
	if (w32_path(path, sizeof(path), w32->paths.proc,
	    "self/mountinfo") < 0 ||
	    procfs_read(AT_FDCWD, path, &b, 0, PROCFS_UNTIL_EOF) < 0)
		goto out;
	cur = b.data;
	while ((r = procfs_next_mount(&cur, &m)) != 0)
		if (r > 0 && strcmp(m.mount_point, "/") == 0)
			snprintf(buf, len, "%s", m.source);
out:
	procfs_buf_free(&b);
}

/*
 * Windows: "Microsoft Windows 10 Pro|C:\WINDOWS|\Device\Harddisk0\Partition2".
 * Here "PRETTY_NAME|/|root device": computed once, so the key stays the
 * same for the life of the daemon.
 */
const char *
w32_os_name(void)
{
	struct os_release os;
	char dev[1024];
	const char *caption = "Linux";

	if (w32->os_name != NULL)
		return w32->os_name;
	if (os_release_load(w32->paths.etc, w32->paths.usr_lib, &os) < 0)
		memset(&os, 0, sizeof(os));
	if (os.pretty_name != NULL && os.pretty_name[0] != '\0')
		caption = os.pretty_name;
	else if (os.name != NULL && os.name[0] != '\0')
		caption = os.name;
	w32_root_device(dev, sizeof(dev));
	if (asprintf(&w32->os_name, "%s|/|%s", caption, dev) < 0)
		w32->os_name = NULL;
	os_release_done(&os);
	return w32->os_name != NULL ? w32->os_name : "Linux|/|/";
}

int
w32_read_meminfo(struct meminfo *ret)
{
	struct procfs_buf b = { 0 };
	struct sysinfo si;
	char path[4096];
	int r = -ENOENT;

	if (w32_path(path, sizeof(path), w32->paths.proc, "meminfo") == 0 &&
	    procfs_read(AT_FDCWD, path, &b, 0, 0) >= 0)
		r = procfs_parse_meminfo(b.data, ret);
	procfs_buf_free(&b);
	if (r == 0)
		return 0;
	/* no /proc/meminfo: what sysinfo(2) knows */
	if (sysinfo(&si) < 0)
		return -errno;
	ret->total = (uint64_t)si.totalram * si.mem_unit / 1024;
	ret->free = (uint64_t)si.freeram * si.mem_unit / 1024;
	ret->buffers = (uint64_t)si.bufferram * si.mem_unit / 1024;
	ret->cached = PROCFS_NONE;
	ret->available = ret->free + ret->buffers;
	ret->swap_total = (uint64_t)si.totalswap * si.mem_unit / 1024;
	ret->swap_free = (uint64_t)si.freeswap * si.mem_unit / 1024;
	return 0;
}

time_t
w32_boot_time(void)
{
	struct procfs_buf b = { 0 };
	struct sysinfo si;
	struct timespec boot, real;
	char path[4096];
	time_t t = 0;

	/*
	 * The kernel's btime is the real-time clock less the time since boot
	 * (getboottime64): the same from two clock reads (vDSO, no system
	 * call) as from formatting /proc/stat, short of the ns between them
	 */
	if (strcmp(w32->paths.proc, "/proc") == 0 &&
	    clock_gettime(CLOCK_BOOTTIME, &boot) == 0 &&
	    clock_gettime(CLOCK_REALTIME, &real) == 0) {
		int64_t ns = ((int64_t)real.tv_sec - boot.tv_sec) * 1000000000 +
		    (real.tv_nsec - boot.tv_nsec);

		return (time_t)(ns >= 0 ? ns / 1000000000 :
		    -((-ns + 999999999) / 1000000000));
	}
	if (w32_path(path, sizeof(path), w32->paths.proc, "stat") == 0 &&
	    procfs_read(AT_FDCWD, path, &b, 0, PROCFS_UNTIL_EOF) >= 0 &&
	    procfs_parse_btime(b.data, &t) == 0) {
		procfs_buf_free(&b);
		return t;
	}
	procfs_buf_free(&b);
	if (sysinfo(&si) < 0)
		return 0;
	return time(NULL) - si.uptime;
}

int
w32_fail_nomem(struct cim_ctx *ctx)
{
	return w32->svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR,
	    "out of memory");
}

int
w32_path(char *buf, size_t len, const char *dir, const char *rel)
{
	int n = snprintf(buf, len, "%s/%s", dir, rel);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

uid_t
w32_caller_uid(const struct cim_ctx *ctx)
{
	const struct winrmd_principal *p = w32->svc->principal(ctx);

	return p != NULL ? p->uid : (uid_t)-1;
}

void
w32_utf8_fix(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t left = strlen(s);

	while (left > 0) {
		size_t n = utf8_decode(p, left, NULL);

		if (n == 0) {	/* stray, truncated, overlong, surrogate, ... */
			*p = '?';
			n = 1;
		}
		p += n;
		left -= n;
	}
}

int
w32_reap(const struct winrmd_child *c, siginfo_t *si, int flags)
{
	int r;

	memset(si, 0, sizeof(*si));
	if ((r = waitid(P_PIDFD, (id_t)c->pidfd, si, WEXITED | flags)) == 0 ||
	    (errno != EINVAL && errno != EBADF && errno != ENOSYS))
		return r;
	/* no P_PIDFD (Linux 5.3), or no pidfd: still our unreaped child */
	memset(si, 0, sizeof(*si));
	return waitid(P_PID, (id_t)c->pid, si, WEXITED | flags);
}

int
w32_signal(pid_t pid, int sig)
{
	if (WINRMD_HOST_HAS(w32->host, signal))
		return w32->host->signal(pid, sig, false);
	return kill(pid, sig) == 0 ? 0 : -errno;
}

void
w32_kill_child(const struct winrmd_child *c)
{
	siginfo_t si;

	/* unreaped, so the pid cannot have been reused */
	w32_signal(c->pid, SIGKILL);
	while (w32_reap(c, &si, 0) < 0 && errno == EINTR)
		;
}

/* ---------------------------------------------------------- provider */

static int
init(const struct cim_services *svc, void **ret_state)
{
	if (svc == NULL || svc->abi != WINRMD_PROVIDER_ABI ||
	    svc->size < sizeof(*svc) || svc->host == NULL ||
	    svc->host->size < sizeof(struct winrmd_host))
		return -EPROTO;
	memset(&state, 0, sizeof(state));
	state.svc = svc;
	state.host = svc->host;
	state.paths = default_paths;
#ifdef WINRMD_TEST_HOOKS
	/*
	 * tests/interop/privsep.sh: Win32_Service's methods on a host without
	 * systemd (a directory that stands for /run/systemd/system, a fake
	 * systemctl); only in builds configured with --enable-test-hooks
	 */
	if (getenv("WINRMD_TEST_W32_SYSTEMD") != NULL)
		state.paths.systemd = getenv("WINRMD_TEST_W32_SYSTEMD");
	if (getenv("WINRMD_TEST_W32_SYSTEMCTL") != NULL)
		state.paths.systemctl = getenv("WINRMD_TEST_W32_SYSTEMCTL");
#endif
	if ((state.hz = sysconf(_SC_CLK_TCK)) <= 0)
		state.hz = 100;
	state.fd_count_by_size = procfs_fd_count_by_size();
	w32 = &state;
	*ret_state = &state;
	return 0;
}

static void
fini(void *unused)
{
	(void)unused;
	if (w32 == NULL)
		return;
	w32->stopping = true;
	w32_service_fini();
	w32_disk_fini();
	w32_process_fini();
	w32_sample_fini();
	w32_product_fini();
	w32_ntlogevent_fini();
	w32_os_fini();
	free(w32->os_name);
	w32->os_name = NULL;
	w32 = NULL;
}

static const struct cim_class *const classes[] = {
	&w32_os_class,
	&w32_computer_class,
	&w32_process_class,
	&w32_service_class,
	&w32_disk_class,
	&w32_volume_class,
	&w32_netadapter_class,
	&w32_netif_class,
	&w32_qfe_class,
	&w32_processor_class,
	&w32_bios_class,
	&w32_physmem_class,
	&w32_product_class,
	&w32_ntlogevent_class,
	&w32_useraccount_class,
	&w32_group_class,
	&w32_environment_class,
	&w32_perf_cpu_class,
	&w32_perf_mem_class,
	&w32_perf_disk_class,
	&w32_perf_net_class,
	NULL,
};

/* [Win32], read at each call */
static const struct winrmd_setting win32_settings[] = {
	{ "Win32", "MaxProcessesPerUser", WINRMD_SETTING_UINT, "25", 1, 100000,
	  NULL, "processes Win32_Process.Create may have running for one "
	  "user, their children included", 0 },
	{ "Win32", "MaxMemoryPerUserMB", WINRMD_SETTING_UINT, "1024", 0, 1048576,
	  NULL, "memory of those processes in MiB (cgroup memory.max, or "
	  "RLIMIT_AS per process; 0: no limit)", 0 },
	{ "Win32", "MaxLogEvents", WINRMD_SETTING_UINT, "1000", 1, 1000000,
	  NULL, "journal entries Win32_NTLogEvent lists, the newest", 0 },
	{ NULL },
};

static const struct cim_provider win32_provider = {
	.abi = WINRMD_PROVIDER_ABI,
	.size = sizeof(struct cim_provider),
	.name = "win32",
	.version = "1",
	.init = init,
	.fini = fini,
	.classes = classes,
	.settings = win32_settings,
};

const struct cim_provider *
winrmd_provider_entry(void)
{
	return &win32_provider;
}
