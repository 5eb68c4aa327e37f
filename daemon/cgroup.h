/*
 * cgroup.h: per-shell resource groups.  A group caps the memory and the
 * number of processes of everything started in it, and can kill all of it
 * at once (processes that left the process group included).
 *
 * Backends, chosen once at start-up and logged: cgroup v2 (a delegated
 * subtree: systemd's Delegate=yes, or the root cgroup), else cgroup v1
 * memory and pids hierarchies, else none: then the caller falls back to
 * rlimits on each process.
 */
#ifndef WINRMD_CGROUP_H
#define WINRMD_CGROUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum cgroup_mode { CGROUP_NONE, CGROUP_V2, CGROUP_V1 };

struct cgroup;

/* detects what this host offers; never fails (CGROUP_NONE) */
enum cgroup_mode cgroup_init(void);
enum cgroup_mode cgroup_mode(void);
const char	*cgroup_mode_name(enum cgroup_mode m);

/*
 * A new group named name (letters, digits, '-').  mem_bytes / max_procs 0:
 * no limit.  NULL with errno set when groups are not available.
 */
struct cgroup	*cgroup_create(const char *name, uint64_t mem_bytes,
		    uint64_t max_procs);
/*
 * Descriptors a child writes "0" to, between fork and exec, to join the
 * group (close-on-exec).  Returns how many (0..2) were put in fds.
 */
int		 cgroup_join_fds(struct cgroup *g, int fds[2]);
void		 cgroup_close_join_fds(int fds[2], int n);
/*
 * v2: a descriptor of the group's directory for clone3's CLONE_INTO_CGROUP
 * (close-on-exec; the caller closes it); -1 otherwise
 */
int		 cgroup_clone_fd(struct cgroup *g);
/*
 * The processes in the group (cgroup.procs): how many, the first `max' of
 * them in pids (pids may be NULL with max 0); -errno if unreadable
 */
long		 cgroup_procs(struct cgroup *g, pid_t *pids, size_t max);
/* kills every process in the group */
void		 cgroup_kill(struct cgroup *g);
/* kills, removes the directories (retrying while processes exit), frees */
void		 cgroup_destroy(struct cgroup *g);
/*
 * Forgets g, its processes left as they are: they were kept across a
 * restart (keeper.c).  Its directories become winrmd-kept-<name>, which
 * no sweep of dead daemons' leftovers kills; the next daemon's sweep takes
 * those holding a process it claimed (cgroup_spare) as its own, and
 * removes them once empty.
 */
void		 cgroup_release(struct cgroup *g);
/* before cgroup_init: leftover groups holding one of these are kept */
void		 cgroup_spare(const pid_t *pids, size_t n);
/*
 * Without an event loop (the monitor): removals that must wait for the
 * processes to go are retried by cgroup_poll(), called every 100 ms.
 */
void		 cgroup_poll_removals(void);
void		 cgroup_poll(void);
/* at exit: finishes pending removals (bounded wait) */
void		 cgroup_shutdown(void);

#endif
