/*
 * spawn.h: runs a program as a user.  The only place that starts a
 * user's process (session.c starts the root session helpers).
 */
#ifndef WINRMD_SPAWN_H
#define WINRMD_SPAWN_H

#include <stdbool.h>
#include <stddef.h>

#include <winrmd/plugin.h>

struct spawn_opts {
	bool		 allow_root;	/* [Auth] PermitRoot */
	/* descriptors kept free for connections and other users */
	unsigned long	 fd_reserve;
	/*
	 * the program is not the daemon's child (a double fork: init reaps
	 * it); ret->pid is its pid, ret->pidfd is -1
	 */
	bool		 detach;
	/*
	 * not NULL: one more pipe, its write end the child's descriptor 3
	 * (a reaper writes the wait status of its own child there), its read
	 * end (O_NONBLOCK, close-on-exec) in *reap_fd on success
	 */
	int		*reap_fd;
};

/*
 * Starts req->path as req->user in a new session (its own process group),
 * with the user's groups, uid and gid, a clean environment plus req->env,
 * in req->cwd (or the home directory, or /), stdio on pipes and every other
 * descriptor closed, in req->group if given.  Returns 0 with the child's
 * descriptors, or -errno (the reason is logged):
 *   -EPERM   the account may not run processes (spawn_account_check)
 *   -EMFILE  the daemon is near its descriptor limit (fd_reserve)
 *   -EAGAIN  the group's pids.max (or the system's limit) is reached
 *   -ENOENT, -EACCES, ...  the program could not be started
 */
int	spawn_child(const struct winrmd_spawn_req *req,
	    const struct spawn_opts *o, struct winrmd_child *ret);
/*
 * spawn_child with the cgroup v2 directory to clone the child into given
 * as a descriptor (-1: none), for what has no struct cgroup (the tests);
 * req->group is then only joined where clone3 cannot be used
 */
int	spawn_child_fd(const struct winrmd_spawn_req *req,
	    const struct spawn_opts *o, int group_fd, struct winrmd_child *ret);

/*
 * At start-up: raises the soft RLIMIT_NOFILE to the hard limit; children
 * get the soft limit the daemon was started with.
 */
void	spawn_init(void);

/*
 * Whether u may run processes here: 0, or -EPERM with why ("the login
 * shell of bob (/usr/sbin/nologin) refuses logins").  Refused: root
 * without allow_root, and a login shell that is not a valid one (see
 * spawn_login_shell_ok).
 */
int	spawn_account_check(const struct winrmd_principal *u,
	    bool allow_root, char *why, size_t len);
/* spawn_account_check of uid's passwd entry: whether it may run processes */
bool	spawn_uid_may_run(uid_t uid, bool permit_root);
/*
 * A valid login shell: an absolute path listed in shells_file (missing:
 * /bin/sh and /bin/csh, as getusershell(3)), not nologin or false, an
 * executable file.  0, or -EPERM with why ("is not listed in /etc/shells").
 */
int	spawn_login_shell_ok(const char *shell, const char *shells_file,
	    char *why, size_t len);
/* whether a spawn may use descriptors: in_use of limit, keeping reserve */
bool	spawn_fd_room(unsigned long in_use, unsigned long limit,
	    unsigned long reserve);
/* the reserve kept of limit: never more than half of it */
unsigned long spawn_fd_reserve(unsigned long limit, unsigned long reserve);

/*
 * clone3 straight into the cgroup v2 group of group_fd, like fork: 0 in
 * the child, its pid in the parent (*pidfd set, close-on-exec), -1 with
 * errno; ENOSYS: not available here (remembered: use fork and join)
 */
long	spawn_clone_into(int group_fd, int *pidfd);

/*
 * The monitor's spawns (privsep.c): a child that is not detached is
 * cloned with CLONE_PARENT, the child of the monitor's parent (the network
 * part, which supervises it).  A spawn that fails after the clone then
 * sets ret->pid to the child the parent must reap (else ret is untouched).
 */
void	spawn_set_sibling(bool on);

/*
 * SIGKILL to every process of uid whose environment holds the entry
 * NAME=value (processes that left their group: setsid, daemons; the
 * shell plugin's marker, host->kill_marked).  How many, or -errno.  Under
 * privilege separation the monitor does it (/proc/PID/environ of another
 * user).
 */
int	spawn_kill_marked(uid_t uid, const char *entry);

/*
 * At stop: processes orphaned from here on (the rest of a killed group
 * whose leader was reaped first) become ours, not init's, and
 * spawn_reap_orphans reaps them, waiting up to limit_ms for the last
 * (an init that does not reap would keep them as zombies).  How many.
 */
void	spawn_adopt_orphans(void);
int	spawn_reap_orphans(int limit_ms);

/*
 * SIGKILL to pid on p's behalf (host->terminate, Win32_Process.Terminate):
 * root may end any process but init and the daemon's own root process (the
 * monitor), another account only a process whose real or saved uid is its
 * own.  0, -EPERM, -ESRCH (gone), -errno.  Under privilege separation the
 * monitor decides, for the account it looks up itself (monitor.c), and
 * logs it.  spawn_terminate_as is that rule for uid, in a root process;
 * *target: the process's real uid, or -1 if it could not be read.
 */
int	spawn_terminate(const struct winrmd_principal *p, pid_t pid);
int	spawn_terminate_as(uid_t uid, pid_t pid, uid_t *target);

/* "/usr/local/bin:/usr/bin:/bin", plus the sbin directories for root */
const char *spawn_default_path(uid_t uid);

#endif
