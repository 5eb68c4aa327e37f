/*
 * win32_process.c: Win32_Process from /proc (one instance per /proc/PID,
 * key Handle = the pid as a string) and its methods: Create (a process
 * started as the caller through the host's spawn service, detached: init
 * reaps it and the daemon keeps no descriptor for it; a user's created
 * processes share a resource group, and [Win32] MaxProcessesPerUser
 * bounds them), Terminate (SIGKILL through a pidfd, only where the
 * kernel's kill rule lets the caller signal; under privilege separation
 * through host->terminate, which the root monitor decides), GetOwner and
 * GetOwnerSid.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procfs.h"
#include "win32.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC	0x9fa0
#endif

#define CMDLINE_MAX	32768	/* Windows' own limit on a command line */

enum {
	PP_HANDLE, PP_PROCESS_ID, PP_PARENT_PROCESS_ID, PP_NAME, PP_CAPTION,
	PP_DESCRIPTION, PP_COMMAND_LINE, PP_EXECUTABLE_PATH, PP_CREATION_DATE,
	PP_THREAD_COUNT, PP_HANDLE_COUNT, PP_WORKING_SET_SIZE,
	PP_PEAK_WORKING_SET_SIZE, PP_VIRTUAL_SIZE, PP_PEAK_VIRTUAL_SIZE,
	PP_PAGE_FILE_USAGE, PP_PEAK_PAGE_FILE_USAGE, PP_PRIVATE_PAGE_COUNT,
	PP_PAGE_FAULTS, PP_KERNEL_MODE_TIME, PP_USER_MODE_TIME, PP_PRIORITY,
	PP_SESSION_ID, PP_READ_OPERATION_COUNT, PP_WRITE_OPERATION_COUNT,
	PP_READ_TRANSFER_COUNT, PP_WRITE_TRANSFER_COUNT, PP_CS_NAME,
	PP_OS_NAME, PP_CREATION_CLASS_NAME, PP_CS_CREATION_CLASS_NAME,
	PP_OS_CREATION_CLASS_NAME, PP_WINDOWS_VERSION,
	PP_COUNT
};

static const struct cim_property process_props[PP_COUNT] = {
	[PP_HANDLE] = { "Handle", CIM_STRING, CIM_KEY },
	[PP_PROCESS_ID] = { "ProcessId", CIM_UINT32, 0 },
	[PP_PARENT_PROCESS_ID] = { "ParentProcessId", CIM_UINT32, 0 },
	[PP_NAME] = { "Name", CIM_STRING, 0 },
	[PP_CAPTION] = { "Caption", CIM_STRING, 0 },
	[PP_DESCRIPTION] = { "Description", CIM_STRING, 0 },
	[PP_COMMAND_LINE] = { "CommandLine", CIM_STRING, 0 },
	[PP_EXECUTABLE_PATH] = { "ExecutablePath", CIM_STRING, 0 },
	[PP_CREATION_DATE] = { "CreationDate", CIM_DATETIME, 0 },
	[PP_THREAD_COUNT] = { "ThreadCount", CIM_UINT32, 0 },
	[PP_HANDLE_COUNT] = { "HandleCount", CIM_UINT32, 0 },
	[PP_WORKING_SET_SIZE] = { "WorkingSetSize", CIM_UINT64, 0 },
	[PP_PEAK_WORKING_SET_SIZE] = { "PeakWorkingSetSize", CIM_UINT32, 0 },
	[PP_VIRTUAL_SIZE] = { "VirtualSize", CIM_UINT64, 0 },
	[PP_PEAK_VIRTUAL_SIZE] = { "PeakVirtualSize", CIM_UINT64, 0 },
	[PP_PAGE_FILE_USAGE] = { "PageFileUsage", CIM_UINT32, 0 },
	[PP_PEAK_PAGE_FILE_USAGE] = { "PeakPageFileUsage", CIM_UINT32, 0 },
	[PP_PRIVATE_PAGE_COUNT] = { "PrivatePageCount", CIM_UINT64, 0 },
	[PP_PAGE_FAULTS] = { "PageFaults", CIM_UINT32, 0 },
	[PP_KERNEL_MODE_TIME] = { "KernelModeTime", CIM_UINT64, 0 },
	[PP_USER_MODE_TIME] = { "UserModeTime", CIM_UINT64, 0 },
	[PP_PRIORITY] = { "Priority", CIM_UINT32, 0 },
	[PP_SESSION_ID] = { "SessionId", CIM_UINT32, 0 },
	[PP_READ_OPERATION_COUNT] = { "ReadOperationCount", CIM_UINT64, 0 },
	[PP_WRITE_OPERATION_COUNT] = { "WriteOperationCount", CIM_UINT64, 0 },
	[PP_READ_TRANSFER_COUNT] = { "ReadTransferCount", CIM_UINT64, 0 },
	[PP_WRITE_TRANSFER_COUNT] = { "WriteTransferCount", CIM_UINT64, 0 },
	[PP_CS_NAME] = { "CSName", CIM_STRING, 0 },
	[PP_OS_NAME] = { "OSName", CIM_STRING, 0 },
	[PP_CREATION_CLASS_NAME] = { "CreationClassName", CIM_STRING, 0 },
	[PP_CS_CREATION_CLASS_NAME] = { "CSCreationClassName", CIM_STRING, 0 },
	[PP_OS_CREATION_CLASS_NAME] = { "OSCreationClassName", CIM_STRING, 0 },
	[PP_WINDOWS_VERSION] = { "WindowsVersion", CIM_STRING, 0 },
};

/* ------------------------------------------------------------ rules */

bool
w32_may_signal(uid_t uid, uid_t target_ruid, uid_t target_suid)
{
	if (uid == (uid_t)-1)
		return false;
	/* CAP_KILL, or the sender's uid is the target's real or saved uid */
	return uid == 0 || uid == target_ruid || uid == target_suid;
}

bool
w32_may_inspect(uid_t uid, const uid_t target_uids[4])
{
	return procfs_may_inspect(uid, target_uids);
}

/* ------------------------------------------------------- enumeration */

struct scan {
	struct cim_ctx		*ctx;
	int			 procfd;
	bool			 procfs;	/* a real /proc, not fixtures */
	time_t			 btime;
	uid_t			 uid;		/* the caller */
	char			 host[256];
	char			 version[128];
	const char		*os_name;
	struct procfs_buf	 b;		/* stat, status, io */
	struct procfs_buf	 cmd;		/* cmdline, raw */
	char			*line;		/* cmdline, joined */
	size_t			 linecap;
};

static void
scan_close(struct scan *s)
{
	if (s->procfd >= 0)
		close(s->procfd);
	procfs_buf_free(&s->b);
	procfs_buf_free(&s->cmd);
	free(s->line);
}

static int
scan_open(struct scan *s, struct cim_ctx *ctx)
{
	const struct cim_services *svc = w32->svc;
	struct statfs sf;
	char path[PATH_MAX];

	memset(s, 0, sizeof(*s));
	s->ctx = ctx;
	s->uid = w32_caller_uid(ctx);
	if ((s->procfd = open(w32->paths.proc, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		return svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR,
		    "%s: %s", w32->paths.proc, strerror(errno));
	s->procfs = fstatfs(s->procfd, &sf) == 0 &&
	    sf.f_type == PROC_SUPER_MAGIC;
	if (procfs_read(s->procfd, "stat", &s->b, 0, PROCFS_UNTIL_EOF) < 0 ||
	    procfs_parse_btime(s->b.data, &s->btime) < 0)
		s->btime = 0;
	w32_hostname(s->host, sizeof(s->host));
	s->os_name = w32_os_name();
	if (w32_path(path, sizeof(path), w32->paths.proc,
	    "sys/kernel/osrelease") < 0 || procfs_read_small(AT_FDCWD, path,
	    s->version, sizeof(s->version)) < 0)
		s->version[0] = '\0';
	s->linecap = 4096;
	if ((s->line = malloc(s->linecap)) == NULL) {
		scan_close(s);
		return w32_fail_nomem(ctx);
	}
	return 0;
}

/* entries of /proc/PID/fd (procfs_count_fds: a stat on Linux 6.2+) */
static bool
count_fds(struct scan *s, const char *pid, uint32_t *ret)
{
	return procfs_count_fds(s->procfd, pid, s->procfs &&
	    w32->fd_count_by_size, ret) == 0;
}

static void
set_kb_u32(struct cim_instance *i, size_t prop, uint64_t kb)
{
	if (kb != PROCFS_NONE)
		w32->svc->set_uint(i, prop, kb > UINT32_MAX ? UINT32_MAX : kb);
}

static void
set_kb_bytes(struct cim_instance *i, size_t prop, uint64_t kb)
{
	if (kb != PROCFS_NONE)
		w32->svc->set_uint(i, prop, procfs_kb_to_bytes(kb));
}

#define SCAN_STOP	(-2)	/* emit() wants no more */

/*
 * One process into one instance.  Returns 1 when emitted, 0 when the
 * process went away meanwhile, SCAN_STOP when the caller wants no more,
 * or CIM_ERROR from svc->fail().
 */
static int
process_emit(struct scan *s, const char *pid)
{
	const struct cim_services *svc = w32->svc;
	struct proc_stat ps;
	struct proc_status st;
	struct proc_io io;
	struct cim_instance *i;
	char path[64], exe[PATH_MAX], *name;
	bool kthread, inspect, have_status, have_exe = false;
	ssize_t n;
	uint32_t fds;
	time_t sec;
	long usec;

	snprintf(path, sizeof(path), "%s/stat", pid);
	if ((n = procfs_read(s->procfd, path, &s->b, 0, 0)) < 0 ||
	    procfs_parse_stat(s->b.data, (size_t)n, &ps) < 0)
		return 0;
	kthread = (ps.flags & PF_KTHREAD_FLAG) != 0;
	snprintf(path, sizeof(path), "%s/status", pid);
	have_status = procfs_read(s->procfd, path, &s->b, 0, 0) >= 0 &&
	    procfs_parse_status(s->b.data, &st) == 0;
	/* /proc/TID of a thread answers too: a thread is no process */
	if (have_status && st.tgid > 0 && st.tgid != ps.pid)
		return 0;
	inspect = have_status && !kthread && w32_may_inspect(s->uid, st.uid);

	if ((i = svc->instance(s->ctx)) == NULL)
		return w32_fail_nomem(s->ctx);
	svc->set_string(i, PP_HANDLE, pid);
	svc->set_uint(i, PP_PROCESS_ID, (uint64_t)ps.pid);
	svc->set_uint(i, PP_PARENT_PROCESS_ID, (uint64_t)ps.ppid);

	/* the executable's path where the caller could read it */
	if (inspect) {
		snprintf(path, sizeof(path), "%s/exe", pid);
		n = readlinkat(s->procfd, path, exe, sizeof(exe) - 1);
		if (n > 0) {
			exe[n] = '\0';
			if (n > 10 && strcmp(exe + n - 10, " (deleted)") == 0)
				exe[n - 10] = '\0';
			w32_utf8_fix(exe);
			svc->set_string(i, PP_EXECUTABLE_PATH, exe);
			have_exe = true;
		}
	}
	name = ps.comm;
	if (have_exe && (name = strrchr(exe, '/')) != NULL && name[1] != '\0')
		name++;
	else
		name = ps.comm;
	w32_utf8_fix(name);
	svc->set_string(i, PP_NAME, name);
	svc->set_string(i, PP_CAPTION, name);
	svc->set_string(i, PP_DESCRIPTION, name);

	if (!kthread) {
		snprintf(path, sizeof(path), "%s/cmdline", pid);
		if ((n = procfs_read(s->procfd, path, &s->cmd, CMDLINE_MAX,
		    0)) > 0) {
			size_t need = 3 * (size_t)n + 4;

			if (need > s->linecap) {
				char *p = realloc(s->line, need);

				if (p == NULL)
					return w32_fail_nomem(s->ctx);
				s->line = p;
				s->linecap = need;
			}
			if (procfs_join_cmdline(s->cmd.data, (size_t)n, s->line,
			    s->linecap) > 0) {
				w32_utf8_fix(s->line);
				svc->set_string(i, PP_COMMAND_LINE, s->line);
			}
		}
	}

	procfs_start_time(s->btime, ps.starttime, w32->hz, &sec, &usec);
	if (s->btime != 0)
		svc->set_datetime(i, PP_CREATION_DATE, sec, usec);
	svc->set_uint(i, PP_THREAD_COUNT, have_status && st.threads > 0 ?
	    st.threads : ps.num_threads);
	if (have_status) {
		set_kb_bytes(i, PP_WORKING_SET_SIZE, st.vm_rss);
		set_kb_u32(i, PP_PEAK_WORKING_SET_SIZE, st.vm_hwm);
		set_kb_bytes(i, PP_VIRTUAL_SIZE, st.vm_size);
		set_kb_bytes(i, PP_PEAK_VIRTUAL_SIZE, st.vm_peak);
		set_kb_u32(i, PP_PAGE_FILE_USAGE, st.vm_swap);
		set_kb_u32(i, PP_PEAK_PAGE_FILE_USAGE, st.vm_swap);
		set_kb_bytes(i, PP_PRIVATE_PAGE_COUNT, st.rss_anon);
	}
	if (kthread) {
		/* Windows' System process: no memory of its own */
		svc->set_uint(i, PP_WORKING_SET_SIZE, 0);
		svc->set_uint(i, PP_VIRTUAL_SIZE, 0);
	}
	svc->set_uint(i, PP_PAGE_FAULTS, ps.minflt + ps.majflt > UINT32_MAX ?
	    UINT32_MAX : ps.minflt + ps.majflt);
	svc->set_uint(i, PP_KERNEL_MODE_TIME,
	    procfs_ticks_to_100ns(ps.stime, w32->hz));
	svc->set_uint(i, PP_USER_MODE_TIME,
	    procfs_ticks_to_100ns(ps.utime, w32->hz));
	svc->set_uint(i, PP_PRIORITY, procfs_priority(ps.nice, ps.policy));
	svc->set_uint(i, PP_SESSION_ID, (uint64_t)(ps.session > 0 ?
	    ps.session : 0));

	if (inspect) {
		snprintf(path, sizeof(path), "%s/io", pid);
		if (procfs_read(s->procfd, path, &s->b, 0, 0) >= 0 &&
		    procfs_parse_io(s->b.data, &io) == 0) {
			svc->set_uint(i, PP_READ_OPERATION_COUNT, io.syscr);
			svc->set_uint(i, PP_WRITE_OPERATION_COUNT, io.syscw);
			svc->set_uint(i, PP_READ_TRANSFER_COUNT, io.rchar);
			svc->set_uint(i, PP_WRITE_TRANSFER_COUNT, io.wchar);
		}
		if (count_fds(s, pid, &fds))
			svc->set_uint(i, PP_HANDLE_COUNT, fds);
	}
	svc->set_string(i, PP_CS_NAME, s->host);
	svc->set_string(i, PP_OS_NAME, s->os_name);
	svc->set_string(i, PP_CREATION_CLASS_NAME, "Win32_Process");
	svc->set_string(i, PP_CS_CREATION_CLASS_NAME, "Win32_ComputerSystem");
	svc->set_string(i, PP_OS_CREATION_CLASS_NAME, "Win32_OperatingSystem");
	if (s->version[0] != '\0')
		svc->set_string(i, PP_WINDOWS_VERSION, s->version);
	return svc->emit(s->ctx, i) ? 1 : SCAN_STOP;
}

static bool
is_pid(const char *s)
{
	if (s == NULL || *s < '1' || *s > '9')
		return false;
	for (size_t n = 0; *s != '\0'; s++, n++)
		if (*s < '0' || *s > '9' || n >= 10)
			return false;
	return true;
}

static int
process_enumerate(struct cim_ctx *ctx, void *unused)
{
	struct scan s;
	struct dirent *de;
	DIR *d;
	int fd, r = CIM_OK;

	(void)unused;
	if ((r = scan_open(&s, ctx)) != 0)
		return r;
	if ((fd = openat(s.procfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		r = w32->svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR, "%s: %s",
		    w32->paths.proc, strerror(errno));
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		int e;

		if (!is_pid(de->d_name))
			continue;
		if ((e = process_emit(&s, de->d_name)) < 0) {
			if (e != SCAN_STOP)
				r = e;
			break;
		}
	}
	closedir(d);
out:
	scan_close(&s);
	return r;
}

static int
process_get(struct cim_ctx *ctx, const struct cim_instance *keys,
    void *unused)
{
	const char *handle = w32->svc->get_string(keys, PP_HANDLE);
	struct scan s;
	int r;

	(void)unused;
	if (!is_pid(handle))
		return CIM_OK;		/* no such instance */
	if ((r = scan_open(&s, ctx)) != 0)
		return r;
	r = process_emit(&s, handle);
	scan_close(&s);
	return r == CIM_ERROR ? r : CIM_OK;
}

/* ----------------------------------------------------------- Create */

/*
 * Create runs this as the caller, with the command's words as $0 $@: stdio
 * goes to /dev/null, and one line on the (only) pipe tells whether the
 * program could be found and run (as the caller: test -x is access(2))
 * before the shell execs it, so the ProcessId returned is the program's.
 * argv[0] stays as the client wrote it.
 */
static const char create_wrapper[] =
	"exec </dev/null 2>/dev/null\n"
	"case $0 in\n"
	"*/*) p=$0 ;;\n"
	"*) p=$(command -v -- \"$0\") || p= ;;\n"
	"esac\n"
	"case $p in\n"
	"*/*) ;;\n"
	"*) p= ;;\n"
	"esac\n"
	"if [ -z \"$p\" ] || [ ! -e \"$p\" ]; then echo 9; exit 127; fi\n"
	"if [ -d \"$p\" ] || [ ! -x \"$p\" ]; then echo 2; exit 126; fi\n"
	"echo 0\n"
	"exec \"$0\" \"$@\" >/dev/null\n";

enum { CI_COMMAND_LINE, CI_CURRENT_DIRECTORY, CI_COUNT };
static const struct cim_property create_in[CI_COUNT] = {
	[CI_COMMAND_LINE] = { "CommandLine", CIM_STRING, 0 },
	[CI_CURRENT_DIRECTORY] = { "CurrentDirectory", CIM_STRING, 0 },
};
enum { CO_PROCESS_ID, CO_COUNT };
static const struct cim_property create_out[CO_COUNT] = {
	[CO_PROCESS_ID] = { "ProcessId", CIM_UINT32, 0 },
};

/* a Create in progress: until the wrapper's word answers the call */
struct w32_child {
	struct w32_child	*next;
	struct cim_ctx		*ctx;
	struct cim_instance	*out;
	struct winrmd_child	 c;		/* pid and out_fd; no pidfd */
	struct winrmd_watch	*w_out;
	char			 word[16];
	size_t			 nword;
	char			 user[64];
};

/* without a resource group: a process Create started, known by its start */
struct w32_started {
	pid_t			 pid;
	uint64_t		 starttime;	/* /proc/PID/stat, ticks */
};

/*
 * The processes Create started for one user: their resource group (the
 * kernel counts them, and their children, against pids.max), or, without
 * cgroups, their pids, counted while /proc shows them with the same start.
 */
struct w32_user {
	struct w32_user		*next;
	uid_t			 uid;
	struct winrmd_group	*group;
	struct w32_started	*started;
	size_t			 nstarted, cap;
};

void
w32_free_argv(char **argv)
{
	for (size_t i = 0; argv != NULL && argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

int
w32_split_cmdline(const char *line, char ***ret_argv)
{
	size_t len = strlen(line), n = 0, cap = 8;
	char **argv = calloc(cap, sizeof(char *)), *word = malloc(len + 1);
	const char *p = line;
	int r = 0;

	*ret_argv = NULL;
	if (argv == NULL || word == NULL) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		size_t w = 0;
		bool have = false;

		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p == '\0')
			break;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n' &&
		    *p != '\r') {
			have = true;
			if (*p == '\'') {
				const char *e = strchr(p + 1, '\'');

				if (e == NULL) {
					r = -EINVAL;
					goto out;
				}
				memcpy(word + w, p + 1, (size_t)(e - p - 1));
				w += (size_t)(e - p - 1);
				p = e + 1;
			} else if (*p == '"') {
				for (p++; *p != '"'; p++) {
					if (*p == '\0') {
						r = -EINVAL;
						goto out;
					}
					if (*p == '\\' && p[1] != '\0' &&
					    strchr("\"\\$`", p[1]) != NULL)
						p++;
					word[w++] = *p;
				}
				p++;
			} else if (*p == '\\' && p[1] != '\0') {
				word[w++] = p[1];
				p += 2;
			} else
				word[w++] = *p++;
		}
		if (!have)
			continue;
		if (n + 2 > cap) {
			char **na = realloc(argv, 2 * cap * sizeof(char *));

			if (na == NULL) {
				r = -ENOMEM;
				goto out;
			}
			argv = na;
			cap *= 2;
		}
		if ((argv[n] = strndup(word, w)) == NULL) {
			r = -ENOMEM;
			goto out;
		}
		argv[++n] = NULL;
	}
	if (n == 0)
		r = -EINVAL;
out:
	free(word);
	if (r < 0)
		w32_free_argv(argv);
	else
		*ret_argv = argv;
	return r;
}

uint32_t
w32_create_errno(int err)
{
	switch (err) {
	case 0:
		return 0;
	case -ENOENT:
	case -ENOTDIR:
	case -ENAMETOOLONG:
	case -ELOOP:
		return 9;		/* path not found */
	case -EACCES:
	case -EPERM:
		return 2;		/* access denied */
	case -EINVAL:
	case -E2BIG:
		return 21;		/* invalid parameter */
	default:
		return 8;		/* unknown failure */
	}
}

static void
child_answer(struct w32_child *ch, uint32_t rv)
{
	const struct cim_services *svc = w32->svc;

	if (ch->ctx == NULL)
		return;
	if (rv == 0)
		svc->set_uint(ch->out, CO_PROCESS_ID, (uint64_t)ch->c.pid);
	svc->set_return(ch->out, rv);
	w32->host->log(rv == 0 ? WINRMD_LOG_INFO : WINRMD_LOG_NOTICE,
	    "win32: Win32_Process.Create as %s: %s %d", ch->user,
	    rv == 0 ? "process" : "ReturnValue", rv == 0 ? (int)ch->c.pid :
	    (int)rv);
	svc->complete(ch->ctx);
	ch->ctx = NULL;
}

static void
child_close_out(struct w32_child *ch)
{
	if (ch->w_out != NULL)
		w32->host->watch_remove(ch->w_out);
	ch->w_out = NULL;
	if (ch->c.out_fd >= 0)
		close(ch->c.out_fd);
	ch->c.out_fd = -1;
}

static void
child_free(struct w32_child *ch)
{
	for (struct w32_child **pp = &w32->children; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == ch) {
			*pp = ch->next;
			break;
		}
	child_close_out(ch);
	free(ch);
}

/* reads what the wrapper said; true once it said all (or the pipe ended) */
static bool
child_read_word(struct w32_child *ch)
{
	ssize_t n;

	while (ch->c.out_fd >= 0) {
		n = read(ch->c.out_fd, ch->word + ch->nword,
		    sizeof(ch->word) - 1 - ch->nword);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return false;
		if (n <= 0 || (ch->nword += (size_t)n) == sizeof(ch->word) - 1)
			return true;
		ch->word[ch->nword] = '\0';
		if (strchr(ch->word, '\n') != NULL)
			return true;
	}
	return true;
}

static uint32_t
child_word_value(const struct w32_child *ch)
{
	if (ch->nword >= 2 && ch->word[ch->nword - 1] == '\n') {
		if (strcmp(ch->word, "0\n") == 0)
			return 0;
		if (strcmp(ch->word, "2\n") == 0)
			return 2;
		if (strcmp(ch->word, "9\n") == 0)
			return 9;
	}
	return 8;
}

/* the word, or the end of the pipe (the wrapper died): answer, forget */
static void
on_child_out(int fd, uint32_t events, void *arg)
{
	struct w32_child *ch = arg;

	(void)fd;
	(void)events;
	if (!child_read_word(ch))
		return;
	child_close_out(ch);
	child_answer(ch, child_word_value(ch));
	child_free(ch);
}

/* ------------------------------------------- a user's created processes */

static long long
quota(void)
{
	long long n = w32->host->conf_int("Win32", "MaxProcessesPerUser");

	return n > 0 ? n : 25;
}

/* /proc/PID/stat's start time, 0 when the process is gone */
static uint64_t
start_of(pid_t pid)
{
	char path[PATH_MAX], rel[32];
	struct procfs_buf b = { 0 };
	struct proc_stat ps;
	uint64_t t = 0;
	ssize_t n;

	snprintf(rel, sizeof(rel), "%d/stat", (int)pid);
	if (w32_path(path, sizeof(path), w32->paths.proc, rel) == 0 &&
	    (n = procfs_read(AT_FDCWD, path, &b, 0, 0)) > 0 &&
	    procfs_parse_stat(b.data, (size_t)n, &ps) == 0 && ps.state != 'Z')
		t = ps.starttime;
	procfs_buf_free(&b);
	return t;
}

/* how many of u's created processes run (their children too, in a group) */
static long
user_count(struct w32_user *u)
{
	size_t k = 0;

	if (u->group != NULL)
		return w32->host->group_procs(u->group, NULL, 0);
	for (size_t i = 0; i < u->nstarted; i++)
		if (start_of(u->started[i].pid) == u->started[i].starttime)
			u->started[k++] = u->started[i];
	u->nstarted = k;
	return (long)k;
}

static void
user_free(struct w32_user *u)
{
	/* what is left in the group goes with it */
	w32->host->group_destroy(u->group);
	free(u->started);
	free(u);
}

/* u's entry, made with its group on first use; the idle ones of others go */
static struct w32_user *
user_get(uid_t uid)
{
	struct w32_user *u = NULL, **pp = &w32->users;

	while (*pp != NULL) {
		struct w32_user *x = *pp;

		if (x->uid == uid) {
			u = x;
			pp = &x->next;
		} else if (user_count(x) == 0) {
			*pp = x->next;
			user_free(x);
		} else
			pp = &x->next;
	}
	if (u != NULL)
		return u;
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return NULL;
	u->uid = uid;
	{
		long long mb = w32->host->conf_int("Win32", "MaxMemoryPerUserMB");
		char name[48];

		snprintf(name, sizeof(name), "win32-%u", (unsigned)uid);
		/*
		 * +2: starting one takes two more pids for a moment (the
		 * process that detaches it, the wrapper's PATH lookup)
		 */
		u->group = w32->host->group_create(name, mb > 0 ?
		    (uint64_t)mb * 1024 * 1024 : 0, (uint64_t)quota() + 2);
	}
	u->next = w32->users;
	w32->users = u;
	return u;
}

static void
user_started(struct w32_user *u, pid_t pid)
{
	uint64_t t;

	if (u->group != NULL || (t = start_of(pid)) == 0)
		return;		/* the group counts it; or it is gone already */
	if (u->nstarted == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 8;
		struct w32_started *n = realloc(u->started, cap * sizeof(*n));

		if (n == NULL)
			return;
		u->started = n;
		u->cap = cap;
	}
	u->started[u->nstarted++] = (struct w32_started){ pid, t };
}

/* ----------------------------------------------------------- Create */

static int
invoke_create(struct cim_ctx *ctx, const struct cim_instance *target,
    const struct cim_instance *in, struct cim_instance *out, void *unused)
{
	const struct cim_services *svc = w32->svc;
	const struct winrmd_principal *user = svc->principal(ctx);
	const char *line = svc->get_string(in, CI_COMMAND_LINE);
	const char *cwd = svc->get_string(in, CI_CURRENT_DIRECTORY);
	struct winrmd_spawn_req req;
	struct w32_child *ch;
	struct w32_user *u;
	char **argv = NULL, **wargv = NULL, why[512];
	long running;
	size_t n = 0;
	int r;

	(void)target;
	(void)unused;
	if (user == NULL) {
		svc->set_return(out, 2);
		return CIM_OK;
	}
	if (w32->host->account_may_run(user, why, sizeof(why)) < 0) {
		w32->host->log(WINRMD_LOG_NOTICE, "win32: Win32_Process.Create "
		    "as %s refused: %s", user->name, why);
		return svc->fail(ctx, WINRMD_FAULT_ACCESS_DENIED, "Access is "
		    "denied: %s, so no process may run as %s on this host.",
		    why, user->name);
	}
	if (cwd != NULL && cwd[0] == '\0')
		cwd = NULL;
	if (line == NULL || (cwd != NULL && cwd[0] != '/') ||
	    (r = w32_split_cmdline(line, &argv)) == -EINVAL) {
		svc->set_return(out, 21);
		return CIM_OK;
	}
	if (r < 0)
		return w32_fail_nomem(ctx);
	if ((u = user_get(user->uid)) == NULL) {
		w32_free_argv(argv);
		return w32_fail_nomem(ctx);
	}
	if ((running = user_count(u)) >= quota()) {
		w32_free_argv(argv);
		w32->host->log(WINRMD_LOG_NOTICE, "win32: Win32_Process.Create "
		    "as %s refused: %ld processes running (MaxProcessesPerUser)",
		    user->name, running);
		return svc->fail(ctx, WINRMD_FAULT_QUOTA_LIMIT, "The processes "
		    "Win32_Process.Create started for %s (%ld, with their "
		    "children) reached [Win32] MaxProcessesPerUser (%lld).",
		    user->name, running, quota());
	}
	while (argv[n] != NULL)
		n++;
	if ((wargv = calloc(n + 4, sizeof(char *))) == NULL ||
	    (ch = calloc(1, sizeof(*ch))) == NULL) {
		free(wargv);
		w32_free_argv(argv);
		return w32_fail_nomem(ctx);
	}
	wargv[0] = (char *)"sh";
	wargv[1] = (char *)"-c";
	wargv[2] = (char *)create_wrapper;
	memcpy(wargv + 3, argv, n * sizeof(char *));
	memset(&req, 0, sizeof(req));
	req.user = user;
	req.path = "/bin/sh";
	req.argv = wargv;
	req.cwd = cwd;
	req.merge_stderr = true;
	req.group = u->group;
	if (u->group == NULL) {		/* no cgroup: per-process memory */
		long long mb = w32->host->conf_int("Win32", "MaxMemoryPerUserMB");

		req.mem_limit = mb > 0 ? (uint64_t)mb * 1024 * 1024 : 0;
	}
	r = w32->host->spawn_detached(&req, &ch->c);
	free(wargv);
	w32_free_argv(argv);
	snprintf(ch->user, sizeof(ch->user), "%s", user->name);
	if (r < 0) {
		w32->host->log(WINRMD_LOG_NOTICE, "win32: Win32_Process.Create "
		    "as %s%s%s: %s", ch->user, cwd ? " in " : "",
		    cwd ? cwd : "", strerror(-r));
		free(ch);
		if (r == -EAGAIN || r == -EMFILE || r == -ENFILE)
			return svc->fail(ctx, WINRMD_FAULT_QUOTA_LIMIT, "%s",
			    r == -EAGAIN ? "The processes Win32_Process.Create "
			    "started for this user reached their limit (pids.max "
			    "of their group: [Win32] MaxProcessesPerUser)." :
			    "The service is short of file descriptors: no process "
			    "was started; try again later.");
		svc->set_return(out, w32_create_errno(r));
		return CIM_OK;
	}
	user_started(u, ch->c.pid);
	/* the wrapper reads nothing; its stderr goes to /dev/null */
	if (ch->c.in_fd >= 0)
		close(ch->c.in_fd);
	if (ch->c.err_fd >= 0)
		close(ch->c.err_fd);
	ch->c.in_fd = ch->c.err_fd = -1;
	ch->ctx = ctx;
	ch->out = out;
	ch->next = w32->children;
	w32->children = ch;
	ch->w_out = w32->host->watch_add(ch->c.out_fd, WINRMD_IN, on_child_out,
	    ch);
	if (ch->w_out == NULL) {
		w32_signal(ch->c.pid, SIGKILL);	/* not reaped by us: init's */
		ch->ctx = NULL;
		child_free(ch);
		return w32_fail_nomem(ctx);
	}
	return CIM_PENDING;
}

void
w32_process_fini(void)
{
	/* calls still waiting for the wrapper's word: "unknown failure" */
	while (w32->children != NULL) {
		struct w32_child *ch = w32->children;

		child_answer(ch, 8);
		child_free(ch);
	}
	/* created processes stop with the service, as shells do */
	while (w32->users != NULL) {
		struct w32_user *u = w32->users;

		w32->users = u->next;
		user_free(u);
	}
}

/* ---------------------------------------- Terminate, GetOwner, GetOwnerSid */

/* the target's pid, or -1 (a fault is set) */
static int
target_pid(struct cim_ctx *ctx, const struct cim_instance *target)
{
	const char *h = target ? w32->svc->get_string(target, PP_HANDLE) : NULL;

	if (!is_pid(h)) {
		w32->svc->fail(ctx, WINRMD_FAULT_INVALID_SELECTORS,
		    "Win32_Process Handle \"%s\" is not a process id",
		    h ? h : "");
		return -1;
	}
	return (int)strtol(h, NULL, 10);
}

static int
read_status(int pid, struct proc_status *ret)
{
	struct procfs_buf b = { 0 };
	char path[PATH_MAX];
	int r;

	snprintf(path, sizeof(path), "%s/%d/status", w32->paths.proc, pid);
	if ((r = (int)procfs_read(AT_FDCWD, path, &b, 0, 0)) >= 0)
		r = procfs_parse_status(b.data, ret);
	procfs_buf_free(&b);
	return r;
}

static int
no_process(struct cim_ctx *ctx, int pid)
{
	return w32->svc->fail(ctx, WINRMD_FAULT_INVALID_SELECTORS,
	    "There is no process with Handle %d.", pid);
}

enum { TI_REASON, TI_COUNT };
static const struct cim_property terminate_in[TI_COUNT] = {
	[TI_REASON] = { "Reason", CIM_UINT32, 0 },
};

static int
invoke_terminate(struct cim_ctx *ctx, const struct cim_instance *target,
    const struct cim_instance *in, struct cim_instance *out, void *unused)
{
	const struct cim_services *svc = w32->svc;
	const struct winrmd_principal *user = svc->principal(ctx);
	struct proc_status st;
	uid_t uid = w32_caller_uid(ctx);
	uint32_t rv = 0;
	int pid, pidfd;

	(void)in;
	(void)unused;
	if ((pid = target_pid(ctx, target)) < 0)
		return CIM_ERROR;
	/*
	 * The pidfd pins the process: the pid cannot be reused between the
	 * check and the kill.  Kernels before 5.3 have none: plain kill(2).
	 */
	if ((pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0) {
		if (errno == ESRCH)
			return no_process(ctx, pid);
		if (errno != ENOSYS)
			return svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR,
			    "pidfd_open %d: %s", pid, strerror(errno));
	}
	if (read_status(pid, &st) < 0) {
		if (pidfd >= 0)
			close(pidfd);
		return no_process(ctx, pid);
	}
	if (!w32_may_signal(uid, st.uid[0], st.uid[2]))
		rv = 2;
	else if ((pidfd >= 0 ? syscall(SYS_pidfd_send_signal, pidfd, SIGKILL,
	    NULL, 0) : kill(pid, SIGKILL)) < 0) {
		int e = errno, r;

		/*
		 * an unprivileged daemon (privilege separation): its root
		 * monitor decides for the caller; an older host kills only
		 * what it started
		 */
		if (e == EPERM && user != NULL &&
		    WINRMD_HOST_HAS(w32->host, terminate))
			e = -w32->host->terminate(user, pid);
		else if (e == EPERM && (r = w32_signal(pid, SIGKILL)) <= 0)
			e = -r;
		rv = e == 0 || e == ESRCH ? 0 : e == EPERM ? 2 : 8;
	}
	if (pidfd >= 0)
		close(pidfd);
	w32->host->log(WINRMD_LOG_INFO, "win32: Win32_Process.Terminate %d "
	    "(uid %u) by %s: %s", pid, (unsigned)st.uid[0],
	    user ? user->name : "nobody", rv == 0 ? "killed" :
	    rv == 2 ? "access denied" : "failed");
	svc->set_return(out, rv);
	return CIM_OK;
}

enum { GO_USER, GO_DOMAIN, GO_COUNT };
static const struct cim_property getowner_out[GO_COUNT] = {
	[GO_USER] = { "User", CIM_STRING, 0 },
	[GO_DOMAIN] = { "Domain", CIM_STRING, 0 },
};

static int
invoke_getowner(struct cim_ctx *ctx, const struct cim_instance *target,
    const struct cim_instance *in, struct cim_instance *out, void *unused)
{
	const struct cim_services *svc = w32->svc;
	struct proc_status st;
	struct passwd pw, *res = NULL;
	char buf[4096], host[256], num[32];
	int pid;

	(void)in;
	(void)unused;
	if ((pid = target_pid(ctx, target)) < 0)
		return CIM_ERROR;
	if (read_status(pid, &st) < 0)
		return no_process(ctx, pid);
	/* the effective uid: whose rights the process has, as ps(1) shows */
	if (getpwuid_r(st.uid[1], &pw, buf, sizeof(buf), &res) == 0 &&
	    res != NULL)
		svc->set_string(out, GO_USER, pw.pw_name);
	else {
		snprintf(num, sizeof(num), "%u", (unsigned)st.uid[1]);
		svc->set_string(out, GO_USER, num);
	}
	svc->set_string(out, GO_DOMAIN, w32_hostname(host, sizeof(host)));
	svc->set_return(out, 0);
	return CIM_OK;
}

enum { GS_SID, GS_COUNT };
static const struct cim_property getownersid_out[GS_COUNT] = {
	[GS_SID] = { "Sid", CIM_STRING, 0 },
};

static int
invoke_getownersid(struct cim_ctx *ctx, const struct cim_instance *target,
    const struct cim_instance *in, struct cim_instance *out, void *unused)
{
	struct proc_status st;
	char sid[64];
	int pid;

	(void)in;
	(void)unused;
	if ((pid = target_pid(ctx, target)) < 0)
		return CIM_ERROR;
	if (read_status(pid, &st) < 0)
		return no_process(ctx, pid);
	/* Samba's SIDs for Unix users: S-1-22-1-<uid> */
	snprintf(sid, sizeof(sid), "S-1-22-1-%u", (unsigned)st.uid[1]);
	w32->svc->set_string(out, GS_SID, sid);
	w32->svc->set_return(out, 0);
	return CIM_OK;
}

static const struct cim_method process_methods[] = {
	{ "Create", true, create_in, CI_COUNT, create_out, CO_COUNT,
	    invoke_create },
	{ "Terminate", false, terminate_in, TI_COUNT, NULL, 0,
	    invoke_terminate },
	{ "GetOwner", false, NULL, 0, getowner_out, GO_COUNT,
	    invoke_getowner },
	{ "GetOwnerSid", false, NULL, 0, getownersid_out, GS_COUNT,
	    invoke_getownersid },
};

const struct cim_class w32_process_class = {
	.name = "Win32_Process",
	.ns = W32_NS,
	.props = process_props,
	.nprops = PP_COUNT,
	.methods = process_methods,
	.nmethods = sizeof(process_methods) / sizeof(process_methods[0]),
	.enumerate = process_enumerate,
	.get = process_get,
};
