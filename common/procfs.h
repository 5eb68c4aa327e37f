/*
 * procfs.h: reading /proc and /sys without stdio (one open and read per
 * file) and the pure parsers of what they hold: /proc/PID/stat, status, io
 * and cmdline, /proc/meminfo, /proc/stat, mountinfo, the route tables;
 * and the Win32 unit
 * conversions (ticks -> 100 ns, nice -> priority, kB -> bytes).
 */
#ifndef WINRMD_COMMON_PROCFS_H
#define WINRMD_COMMON_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define PROCFS_NONE	UINT64_MAX	/* a field the file did not have */

/* a growable buffer for file contents, reused from file to file */
struct procfs_buf {
	char	*data;
	size_t	 cap;
	size_t	 len;
};

void	procfs_buf_free(struct procfs_buf *b);

#define PROCFS_UNTIL_EOF	0x1u	/* multi-record seq_file: read until 0 */

/*
 * The whole file `path' (relative to dirfd, or absolute) into b, NUL
 * terminated: one open and, once b is large enough, one read (with
 * PROCFS_UNTIL_EOF: reads until EOF), at most `max' bytes (0: no bound; a
 * longer file is cut).  Returns the length or -errno.
 */
ssize_t	procfs_read(int dirfd, const char *path, struct procfs_buf *b,
	    size_t max, unsigned flags);
/* a short file (one line, e.g. /sys/.../mtu) into buf, trailing newline cut */
ssize_t	procfs_read_small(int dirfd, const char *path, char *buf, size_t len);

#define PF_KTHREAD_FLAG	0x00200000u	/* stat flags: a kernel thread */

struct proc_stat {
	int		 pid;
	char		 comm[64];
	char		 state;
	int		 ppid, pgrp, session;
	unsigned	 flags;
	uint64_t	 minflt, majflt;
	uint64_t	 utime, stime;		/* clock ticks */
	long		 priority, nice;
	uint32_t	 num_threads;
	uint64_t	 starttime;		/* clock ticks after boot */
	uint64_t	 vsize;			/* bytes */
	uint64_t	 rss;			/* pages */
	uint32_t	 rt_priority, policy;
};

/* 0, or -EINVAL when the text is not a stat line */
int	procfs_parse_stat(const char *buf, size_t len, struct proc_stat *ret);

struct proc_status {
	bool		 has_uid;
	uid_t		 uid[4];		/* real, effective, saved, fs */
	gid_t		 gid[4];
	int		 tgid;			/* -1 if absent */
	int		 ppid;
	uint32_t	 threads;
	/* kB, PROCFS_NONE if absent (kernel threads) */
	uint64_t	 vm_peak, vm_size, vm_hwm, vm_rss, vm_swap, rss_anon;
};

int	procfs_parse_status(const char *buf, struct proc_status *ret);

struct proc_io {
	uint64_t	 rchar, wchar, syscr, syscw;
};

int	procfs_parse_io(const char *buf, struct proc_io *ret);

/*
 * May uid read another process's links and files (exe, fd, io):
 * ptrace_may_access(PTRACE_MODE_READ)'s rule, root or all of the
 * target's real, effective and saved uids the caller's (uid -1: no).
 * Where the kernel would not check it (an fd directory's size), the
 * callers do.
 */
bool	procfs_may_inspect(uid_t uid, const uid_t target_uids[4]);
/* Linux 6.2 and later give a /proc/PID/fd directory's entries as its size */
bool	procfs_fd_count_by_size(void);
/*
 * The open files of process `pid' (its directory's name under procfd):
 * with by_size the fd directory's size (one stat: Linux 6.2+, a real
 * /proc, and only for a process procfs_may_inspect allows: the size is
 * given to anyone), else its entries counted.  0, or -errno.
 */
int	procfs_count_fds(int procfd, const char *pid, bool by_size,
	    uint32_t *ret);

/*
 * /proc/PID/cmdline (NUL-separated) -> one line into out: arguments joined
 * by spaces, an argument with blanks or quotes (or empty) in double quotes
 * with '"' and '\' escaped.  A process that rewrote its command line (one
 * argument, or trailing NUL padding) keeps its text as is.  Returns the
 * length, 0 when empty (kernel threads, zombies), or -ENOSPC if out is too
 * small (out needs 3 * len + 3 bytes at most).
 */
ssize_t	procfs_join_cmdline(const char *in, size_t len, char *out,
	    size_t outlen);
/*
 * One argument (alen bytes) as procfs_join_cmdline() writes it: in double
 * quotes, '"' and '\' escaped, when it is empty or holds blanks or quotes;
 * else as it is.  Writes at most 2 * alen + 2 bytes to out (no NUL) and
 * returns how many.
 */
size_t	procfs_quote_arg(const char *arg, size_t alen, char *out);

struct meminfo {
	/* kB; PROCFS_NONE if absent */
	uint64_t	 total, free, available, buffers, cached;
	uint64_t	 swap_total, swap_free;
};

int	procfs_parse_meminfo(const char *buf, struct meminfo *ret);
/* btime of /proc/stat: 0 or -ENOENT */
int	procfs_parse_btime(const char *buf, time_t *ret);

struct mount_entry {
	unsigned	 major, minor;
	char		*root;
	char		*mount_point;
	char		*options;	/* per-mount: rw/ro,... */
	char		*fstype;
	char		*source;
	char		*super_options;
};

/*
 * Parses the mountinfo line at *cursor in place (octal escapes such as
 * \040 undone) and moves *cursor to the next line.  Returns 1 with an
 * entry, 0 at the end, -EINVAL for a malformed line (skipped).
 */
int	procfs_next_mount(char **cursor, struct mount_entry *ret);

/*
 * The fields of the line [line, eol), split at blanks, into f[] (each cut
 * at 39 bytes): returns how many, at most nf.
 */
size_t	procfs_split(const char *line, const char *eol, char f[][40],
	    size_t nf);

/*
 * The default gateways of interface ifname in /proc/net/route (IPv4) or
 * /proc/net/ipv6_route text: fn is called with each, as address text.
 */
void	procfs_route4_gateways(const char *buf, const char *ifname,
	    void (*fn)(const char *gw, void *arg), void *arg);
void	procfs_route6_gateways(const char *buf, const char *ifname,
	    void (*fn)(const char *gw, void *arg), void *arg);

/* --- Win32 units --- */
/* clock ticks -> 100 ns units (KernelModeTime, UserModeTime) */
uint64_t procfs_ticks_to_100ns(uint64_t ticks, long hz);
/* start time in ticks after boot -> seconds and microseconds since the epoch */
void	procfs_start_time(time_t btime, uint64_t starttime, long hz,
	    time_t *ret_sec, long *ret_usec);
/* Windows base priority from nice and the scheduling policy */
uint32_t procfs_priority(long nice, uint32_t policy);
/* kB -> bytes, PROCFS_NONE stays */
uint64_t procfs_kb_to_bytes(uint64_t kb);

#endif
