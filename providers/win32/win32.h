/*
 * win32.h: what the files of the win32 provider share: the provider state
 * (services table, where the Linux sources live, children and jobs in
 * flight), the class tables, and the pure helpers the unit tests call.
 * Everything runs on the daemon's loop thread, except the statvfs worker
 * of win32_disk.c.
 */
#ifndef WINRMD_WIN32_H
#define WINRMD_WIN32_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <winrmd/provider.h>

#define W32_NS		"root/cimv2"

struct w32_child;
struct w32_user;
struct w32_disk_job;
struct w32_svc_job;
struct w32_bus;

/* where the Linux sources are; the unit tests point these at fixtures */
struct w32_paths {
	const char	*proc;		/* "/proc" */
	const char	*sys;		/* "/sys" */
	const char	*etc;		/* "/etc" */
	const char	*usr_lib;	/* "/usr/lib" (os-release fallback) */
	const char	*run;		/* "/run" */
	const char	*dev;		/* "/dev" */
	const char	*utmp;		/* "/run/utmp" */
	const char	*systemd;	/* "/run/systemd/system": systemd is PID 1 */
	const char	*systemctl;	/* "systemctl", run as the user */
	const char	*unit;		/* winrmd's own unit; NULL: found out */
	const char	*dpkg;		/* "/var/lib/dpkg" */
	const char	*journal;	/* a journal directory; NULL: the system's */
};

struct w32_state {
	const struct cim_services	*svc;
	const struct winrmd_host	*host;
	struct w32_paths		 paths;
	long				 hz;		/* clock ticks per second */
	bool				 fd_count_by_size;	/* Linux >= 6.2 */
	bool				 stopping;

	struct w32_child		*children;	/* Create'd, not answered yet */
	struct w32_user			*users;		/* Create'd processes per user */
	struct w32_disk_job		*disk_jobs;
	struct w32_svc_job		*svc_jobs;
	struct w32_bus			*bus;
	bool				 said_no_systemd;
	bool				 said_no_bus;
	char				*os_name;	/* Win32_OperatingSystem.Name, cached */
};

extern struct w32_state	*w32;

/* --- classes (one file each) --- */
extern const struct cim_class	w32_process_class;
extern const struct cim_class	w32_os_class;
extern const struct cim_class	w32_computer_class;
extern const struct cim_class	w32_service_class;
extern const struct cim_class	w32_disk_class;
extern const struct cim_class	w32_netadapter_class;
extern const struct cim_class	w32_qfe_class;
extern const struct cim_class	w32_volume_class;
extern const struct cim_class	w32_processor_class;
extern const struct cim_class	w32_bios_class;
extern const struct cim_class	w32_physmem_class;
extern const struct cim_class	w32_netif_class;
extern const struct cim_class	w32_useraccount_class;
extern const struct cim_class	w32_group_class;
extern const struct cim_class	w32_product_class;
extern const struct cim_class	w32_environment_class;
extern const struct cim_class	w32_ntlogevent_class;
extern const struct cim_class	w32_perf_cpu_class;
extern const struct cim_class	w32_perf_mem_class;
extern const struct cim_class	w32_perf_disk_class;
extern const struct cim_class	w32_perf_net_class;

/* teardown of each file's long-lived objects (win32.c fini) */
void	w32_process_fini(void);
void	w32_disk_fini(void);
void	w32_service_fini(void);
void	w32_sample_fini(void);
void	w32_product_fini(void);
void	w32_ntlogevent_fini(void);
void	w32_os_fini(void);

/* --- win32.c: small shared helpers --- */
const char *w32_hostname(char *buf, size_t len);	/* short host name */
/* the same of a uname()'s nodename (one uname() for all a Get needs) */
const char *w32_hostname_of(const char *nodename, char *buf, size_t len);
const char *w32_os_name(void);		/* "Caption|/|root device", cached */
/* source of the filesystem mounted on "/", e.g. "/dev/vda1" */
void	w32_root_device(char *buf, size_t len);
struct meminfo;
/* /proc/meminfo, else sysinfo(2) */
int	w32_read_meminfo(struct meminfo *ret);
/* btime of /proc/stat, else now - uptime */
time_t	w32_boot_time(void);
int	w32_fail_nomem(struct cim_ctx *ctx);
int	w32_path(char *buf, size_t len, const char *dir, const char *rel);
/* uid of the caller, or (uid_t)-1 when the call has no principal */
uid_t	w32_caller_uid(const struct cim_ctx *ctx);
/*
 * waitid() of a spawned child through its pidfd (flags: WNOHANG...),
 * falling back to its pid where P_PIDFD is not there; 0 or -1 (errno)
 */
int	w32_reap(const struct winrmd_child *c, siginfo_t *si, int flags);
/* kill(2) of a process the host started, through the host (privsep) */
int	w32_signal(pid_t pid, int sig);
/* SIGKILL to a spawned, unreaped child, and reaps it */
void	w32_kill_child(const struct winrmd_child *c);
/* replaces invalid UTF-8 by '?', in place */
void	w32_utf8_fix(char *s);

/* --- win32_process.c --- */
/* the kernel's kill(2) rule for a sender whose uid and euid are `uid' */
bool	w32_may_signal(uid_t uid, uid_t target_ruid, uid_t target_suid);
/* may `uid' read the target's exe, io and fd (ptrace read rule, simplified) */
bool	w32_may_inspect(uid_t uid, const uid_t target_uids[4]);
/* Create's CommandLine -> argv (quotes and backslashes as a POSIX shell) */
int	w32_split_cmdline(const char *line, char ***ret_argv);
void	w32_free_argv(char **argv);
/* Win32 ReturnValue of Create for a spawn error (-errno) */
uint32_t w32_create_errno(int err);

/* --- win32_disk.c --- */
uint32_t w32_drive_type(const char *fstype, int removable);
bool	w32_disk_skip(const char *fstype, const char *mount_point);
bool	w32_fs_is_remote(const char *fstype);
const char *w32_drive_description(uint32_t drive_type);
/* Win32_Volume.SerialNumber: the first 32 bits of a filesystem UUID */
bool	w32_volume_serial(const char *uuid, uint32_t *ret);

/* --- win32_os.c --- */
/* Windows LCID for a POSIX locale name ("de_DE.UTF-8" -> 0x0407), 0 unknown */
uint32_t w32_lcid(const char *lang);
/* USER_PROCESS entries of a utmp image; the console user, if any, copied */
unsigned w32_utmp_users(const void *buf, size_t len, char *console,
	    size_t console_len);
const char *w32_os_architecture(const char *machine);

/* --- win32_computer.c --- */
void	w32_parse_cpuinfo(const char *buf, unsigned *ret_sockets,
	    bool *ret_hypervisor);
const char *w32_system_type(const char *machine, char *buf, size_t len);
/* DNS domain: from the FQDN node name, else resolv.conf domain/search */
bool	w32_dns_domain(const char *nodename, const char *resolv, char *buf,
	    size_t len);

/* --- win32_netadapter.c --- */
/* resolv.conf: kind 'n' nameservers, 's' search domains */
void	w32_resolv_list(const char *buf, char kind,
	    void (*fn)(const char *v, void *arg), void *arg);
void	w32_format_mac(const unsigned char *mac, size_t len, char *buf,
	    size_t buflen);
void	w32_prefix_to_mask(unsigned prefix, char *buf, size_t len);

/* --- win32_sample.c: counters sampled over an interval --- */
enum w32_source {
	W32_SRC_STAT,		/* /proc/stat */
	W32_SRC_DISKSTATS,	/* /proc/diskstats */
	W32_SRC_NETDEV,		/* /proc/net/dev */
	W32_SRC_VMSTAT,		/* /proc/vmstat */
	W32_SRC_COUNT
};
#define W32_SRC(s)	(1u << (s))

/* one file read twice: before (older) and after; NULL if unreadable */
struct w32_pair {
	char		*before, *after;
	uint64_t	 at_before;	/* ms, CLOCK_MONOTONIC */
	double		 seconds;	/* between the two; 0 if either is NULL */
};

/* called with a pair per source of the mask, then the call completes */
typedef void (*w32_rates_fn)(struct cim_ctx *ctx, const struct w32_pair *p,
	    void *arg);
/*
 * Pairs of the sources in mask (W32_SRC bits) an interval apart, to fn:
 * at once (CIM_OK) when a recent sample is kept, else after a short timer
 * (CIM_PENDING, svc->complete follows fn)
 */
int	w32_sample(struct cim_ctx *ctx, unsigned mask, w32_rates_fn fn,
	    void *arg);

struct w32_cpu {
	int		 id;		/* -1: the "cpu" line (all) */
	uint64_t	 user, nice, system, idle, iowait, irq, softirq, steal;
};
/* the cpu lines of /proc/stat; returns how many (at most max) */
size_t	w32_parse_cpus(const char *stat, struct w32_cpu *out, size_t max);
/* a "key value" line of /proc/stat or /proc/vmstat, PROCFS_NONE if absent */
uint64_t w32_stat_value(const char *text, const char *key);

/* Windows' Processor percentages between two samples, 0..100 */
struct w32_cpu_pct {
	uint64_t	 processor, user, privileged, idle, interrupt, dpc;
};
void	w32_cpu_percent(const struct w32_cpu *before,
	    const struct w32_cpu *after, struct w32_cpu_pct *ret);
/* (after - before) / seconds, rounded; 0 if the counter went back */
uint64_t w32_rate(uint64_t before, uint64_t after, double seconds);

struct w32_diskstat {
	unsigned	 major, minor;
	char		 name[32];
	uint64_t	 rd_ios, rd_sectors, rd_ticks;	/* ticks: ms */
	uint64_t	 wr_ios, wr_sectors, wr_ticks;
	uint64_t	 in_flight, io_ticks, time_in_queue;
};
bool	w32_find_diskstat(const char *text, unsigned major, unsigned minor,
	    struct w32_diskstat *ret);

/* Windows' LogicalDisk counters between two diskstats lines */
struct w32_disk_rates {
	uint64_t	 reads, writes, read_bytes, write_bytes;	/* per s */
	uint64_t	 pct_disk, pct_read, pct_write, pct_idle;
	uint64_t	 queue, read_queue, write_queue, in_flight;
	uint64_t	 sec_per_read, sec_per_write, sec_per_transfer;
};
void	w32_disk_rates(const struct w32_diskstat *before,
	    const struct w32_diskstat *after, double seconds,
	    struct w32_disk_rates *ret);

struct w32_netdev {
	char		 name[32];
	uint64_t	 rx_bytes, rx_packets, rx_errs, rx_drop;
	uint64_t	 tx_bytes, tx_packets, tx_errs, tx_drop;
};
/* the next interface line of /proc/net/dev at *cursor (headers skipped) */
bool	w32_next_netdev(const char **cursor, struct w32_netdev *ret);


/* --- win32_processor.c --- */
struct w32_cpuinfo {
	int		 processor, physical_id, core_id;	/* -1: absent */
	int		 family, model, stepping;
	double		 mhz;
	char		 model_name[128];
	char		 vendor[32];
};
/* the processor blocks of /proc/cpuinfo; returns how many (at most max) */
size_t	w32_parse_cpuinfo_procs(const char *buf, struct w32_cpuinfo *out,
	    size_t max);
/* marks the CPUs of a sysfs cpulist ("0-3,8") in bits; how many */
size_t	w32_cpulist_mark(const char *list, uint8_t *bits, size_t nbits);
/* Win32_Processor.Architecture: 0 x86, 5 ARM, 9 x64, 12 ARM64, ... */
uint16_t w32_cpu_architecture(const char *machine);

/* --- win32_product.c --- */
/* an installed package of dpkg's status file (pointers into its text) */
struct w32_package {
	char		*name, *version, *arch, *status;
	char		*maintainer, *synopsis, *homepage;
};
/*
 * The installed packages ("install ok installed") of a dpkg status file,
 * cut in place; *ret malloc'ed.  Returns how many, or (size_t)-1 (ENOMEM).
 */
size_t	w32_dpkg_parse(char *text, struct w32_package **ret);

/* --- win32_ntlogevent.c --- */
/* the journal fields of one entry the mapping reads (NULL: absent) */
struct w32_journal_fields {
	const char	*priority, *facility, *transport, *uid;
	const char	*identifier, *comm, *unit, *message_id;
	uint64_t	 realtime, source_realtime;	/* usec */
	uint64_t	 seqnum;
};
struct w32_event {
	const char	*logfile;	/* "System", "Application", "Security" */
	const char	*type;		/* "Error", "Warning", "Information" */
	uint8_t		 event_type;	/* 1, 2, 3 */
	uint16_t	 event_code;
	const char	*source;	/* points into the fields */
	uint32_t	 record;
	uint64_t	 generated_usec, written_usec;
};
void	w32_journal_event(const struct w32_journal_fields *f,
	    struct w32_event *ret);

/* --- win32_account.c --- */
/* shadow: a locked password ('!') or an account expired (days) by now */
bool	w32_shadow_disabled(const char *pwd, long expire_days, time_t now);
/* the first comma-separated field of a GECOS */
void	w32_gecos_full_name(const char *gecos, char *buf, size_t len);

/* --- win32_environment.c --- */
/* NAME=value lines of /etc/environment (export, quotes, comments), cut in place */
void	w32_env_file(char *text, void (*fn)(const char *name,
	    const char *value, void *arg), void *arg);

/* --- win32_dmi.c --- */
/* an installed memory device: SMBIOS type 17 */
struct w32_memdev {
	uint64_t	 bytes;
	uint16_t	 total_width, data_width, speed, configured_speed;
	uint8_t		 form_factor, type;
	char		 locator[64], bank[64], manufacturer[64];
	char		 serial[64], part[64];
};
/* the installed memory devices of an SMBIOS table; how many (<= max) */
size_t	w32_dmi_memory(const uint8_t *table, size_t len,
	    struct w32_memdev *out, size_t max);
/* the version of an SMBIOS entry point (_SM_ or _SM3_) */
bool	w32_smbios_version(const uint8_t *ep, size_t len, unsigned *major,
	    unsigned *minor);
/* /sys/class/dmi/id/bios_date "mm/dd/yyyy" -> UTC midnight */
bool	w32_bios_date(const char *mmddyyyy, time_t *ret);

/* --- win32_netif.c --- */
/* Win32_NetworkAdapter.NetConnectionStatus from IFF_ flags and operstate */
uint16_t w32_net_connection_status(unsigned flags, const char *operstate);

/* --- win32_perf.c --- */
/* "Key:  123 kB" of /proc/meminfo text, in kB; PROCFS_NONE if absent */
uint64_t w32_meminfo_kb(const char *text, const char *key);
/* bits per second of an interface, 0 unknown */
uint64_t w32_link_speed(const char *ifname);

#endif
