/*
 * privsep.h: privilege separation.  The root start-up forks the monitor
 * (monitor.c), binds the listeners and reads the keys, then drops to the
 * system user winrmd with no capabilities, no_new_privs and a seccomp
 * filter and becomes the network part.  What needs root afterwards is
 * asked of the monitor through the calls below (privsep.c), which the
 * functions that need it (auth_pam_check, account_locked, spawn_child,
 * session helpers, cgroups, tls_read_pem) make themselves when
 * privsep_active().  docs/DESIGN.md §8.
 */
#ifndef WINRMD_PRIVSEP_H
#define WINRMD_PRIVSEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <winrmd/plugin.h>

#define PRIVSEP_USER	"winrmd"

struct pam_result;
struct spawn_opts;

/* in the network part, once the monitor runs: ask it */
bool	privsep_active(void);
/* the network part has dropped its privileges */
bool	privsep_dropped(void);

/*
 * Forks the monitor (before any thread), which runs monitor (monitor_main,
 * given by main.c: the unit tests link no monitor).  Returns 0 in the
 * network part (still root), -1 (logged) if it cannot.
 */
int	privsep_start(void (*monitor)(int *socks, int n, pid_t network));
/*
 * Becomes PRIVSEP_USER: no groups, no capabilities, no_new_privs, the
 * seccomp filter on every thread.  0, or -1 (logged: the start fails).
 */
int	privsep_drop(void);
/* at the end of the event loop: no more watching the monitor */
void	privsep_stop(void);
/* the pid of the monitor (to tell it apart from a user's process) */
pid_t	privsep_monitor_pid(void);

/* --- calls to the monitor, from any thread of the network part --- */
struct mon_msg;
/*
 * Sends m and replaces it by the answer: returns its first field (the
 * result).  A monitor gone or a malformed answer ends the network part.
 */
int64_t	mon_call(struct mon_msg *m);
void	mon_pam_check(const char *user, const char *password,
	    const char *rhost, struct pam_result *res);
bool	mon_account_locked(const char *user);
int	mon_spawn(const struct winrmd_spawn_req *req, const struct spawn_opts *o,
	    struct winrmd_child *ret);
/* kill(pid) or, with group, kill(-pid): a process the monitor started */
int	mon_signal(pid_t pid, int sig, bool group);
/* spawn_kill_marked, by the monitor, for an account it could start */
int	mon_kill_marked(uid_t uid, const char *entry);
/* spawn_terminate, decided by the monitor for the account it looks up */
int	mon_terminate(const char *user, uid_t uid, pid_t pid);
void	mon_group_release(void *g);
/* a keeper started by the monitor (keeper_spawn): its socket, or -errno */
int	mon_keeper(unsigned grace_ms);
int	mon_session_helper(const char *user, const char *rhost, const char *id,
	    int *to_fd, int *from_fd);
/* a group handle for the network part: an id, never dereferenced */
void	*mon_group_create(const char *name, uint64_t mem, uint64_t procs);
void	mon_group_kill(void *g);
void	mon_group_destroy(void *g);
long	mon_group_procs(void *g, pid_t *pids, size_t max);
/* before the drop: path may be read again (a reload); after: reads it */
void	mon_pem_allow(const char *path);
char	*mon_pem_read(const char *path, size_t max);
/*
 * winrm set winrm/config: the monitor writes the keys a remote Put may
 * set (monitor.c: conf_settable) into its configuration file: as
 * host_conf_write
 */
int	mon_conf_set(const struct winrmd_conf_change *set, size_t n,
	    char *msg, size_t msglen);
/* the configuration file (root's), opened by the monitor: fd or -errno */
int	mon_conf_open(void);
/* the monitor reads the configuration file again (SIGHUP) */
void	mon_reload(void);

/* the monitor's side (monitor.c): serves the channels, never returns */
void	monitor_main(int *socks, int n, pid_t network)
	    __attribute__((noreturn));

#ifdef WINRMD_TEST_HOOKS
/* the network part tries what its sandbox must refuse (SIGUSR2) */
void	privsep_test_escape(void);
#endif

#endif
