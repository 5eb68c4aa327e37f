/*
 * keeper.h: holding running commands' descriptors across a daemon restart
 * (docs/DESIGN.md §8.4).  See keeper.c.
 */
#ifndef WINRMD_KEEPER_H
#define WINRMD_KEEPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "monitor_msg.h"

#define KEEP_ITEMS_MAX	1024		/* items one keeper holds */
#define KEEP_DATA_MAX	(128 * 1024)	/* opaque bytes in one item */
#define KEEP_BYTES_MAX	(64u * 1024 * 1024)	/* all items' bytes */
#define KEEP_IO_MS	5000		/* one claim's send or receive */
#define KEEP_GRACE_MAX_MS	(3600u * 1000)
#define KEEPER_ARG	"--keeper"	/* winrmd --keeper: keeper_main */

/* one kept thing: a plugin's record and up to MON_FDS_MAX descriptors */
struct keep_item {
	char		*tag;		/* who it belongs to ("shell") */
	uint8_t		*data;
	size_t		 len;
	int		 fds[MON_FDS_MAX];
	int		 nfds;
	int		 pidfd;		/* index in fds of a pidfd, or -1 */
	bool		 killable;	/* its group is killed at expiry */
};

struct keep_set {
	struct keep_item *v;
	size_t		 n, cap;
	size_t		 bytes;		/* data held, against KEEP_BYTES_MAX */
};

/*
 * Adds an item; the set owns fds from then on (closed on failure too).
 * pidfd is an index into fds or -1.  0, -E2BIG past a bound, -EINVAL,
 * -ENOMEM.
 */
int	keep_add(struct keep_set *s, const char *tag, const void *data,
	    size_t len, const int *fds, int nfds, int pidfd);
/* closes every descriptor still held, frees everything */
void	keep_free(struct keep_set *s);

/* a listening SOCK_SEQPACKET socket at path (replacing a stale one), 0600 */
int	keeper_listen(const char *path);
/*
 * Holds s until a process of claim_uid (or root) connects to lfd and takes
 * it, or grace_ms pass, or stop_fd (if >= 0) becomes readable: then it
 * kills what it holds (each pidfd's process group, SIGKILL).  A claim by
 * any other account gets -EACCES and is logged; the keeper goes on
 * waiting.  1 claimed, 0 expired (killed), -errno.  The set is empty
 * afterwards.
 */
int	keeper_serve(int lfd, uid_t claim_uid, unsigned grace_ms, int stop_fd,
	    struct keep_set *s);
/*
 * Claims what a keeper at path holds, if one listens there and is run by
 * keeper_uid (or root): 0 with the items added to out (none when no keeper
 * listens), or -errno (-EACCES: refused; -EPERM: the socket is not a
 * keeper's).
 */
int	keeper_claim(const char *path, uid_t keeper_uid, struct keep_set *out);
/* hands s (still the caller's to free) to a keeper over fd: 0, -errno */
int	keeper_send(int fd, const struct keep_set *s);
/*
 * Starts a keeper process (as root: it binds path, then becomes uid/gid
 * with CAP_KILL alone unless uid is 0), detached from the caller (a
 * session of its own, not its child).  It reads a set from the returned
 * descriptor (keeper_send) and serves it as keeper_serve does to
 * claim_uid; it keeps only items whose process is of an account that may
 * run processes (spawn_uid_may_run, root with permit_root): what it may
 * kill is what the network part could have had killed.  The descriptor,
 * or -errno.
 */
int	keeper_spawn(const char *path, unsigned grace_ms, uid_t uid, gid_t gid,
	    uid_t claim_uid, bool permit_root);
/*
 * Drops the items whose process (pidfd) is not of an account that may run
 * processes, root only with permit_root (logged, descriptors closed); an
 * item whose process has ended stays, but its group is not killed.
 */
void	keeper_vet(struct keep_set *s, bool permit_root);
/* the pid behind a pidfd (its fdinfo), or 0 (gone, or not a pidfd) */
pid_t	keeper_pidfd_pid(int pidfd);
/* the keeper process (winrmd --keeper ...): its exit status */
int	keeper_main(int argc, char **argv);
/*
 * The wait status of the process behind pidfd once it has exited and been
 * reaped by whoever is its parent now (PIDFD_GET_INFO, Linux 6.15): 0,
 * -EAGAIN (running, or a zombie not reaped yet), -EOPNOTSUPP (a kernel
 * without it).
 */
int	keeper_exit_status(int pidfd, int *wstatus);
/*
 * Whether keeper_exit_status works here (it does for a child of its own
 * that exited and was reaped: Linux 6.15): 0, or -EOPNOTSUPP.  Forks.
 */
int	keeper_exit_status_probe(void);

#endif
