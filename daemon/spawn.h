/*
 * spawn.h: runs a program as a user.  The only place that forks.
 */
#ifndef WINRMD_SPAWN_H
#define WINRMD_SPAWN_H

#include <winrmd/plugin.h>

/*
 * Starts req->path as req->user in a new session (its own process group),
 * with the user's groups, uid and gid, a clean environment plus req->env,
 * in req->cwd (or the home directory, or /), stdio on pipes and every other
 * descriptor closed.  Refuses uid 0 unless allow_root.  Returns 0 with the
 * child's descriptors, or -errno when the program could not be started
 * (the reason is logged).
 */
int	spawn_child(const struct winrmd_spawn_req *req, int allow_root,
	    struct winrmd_child *ret);

/* "/usr/local/bin:/usr/bin:/bin", plus the sbin directories for root */
const char *spawn_default_path(uid_t uid);

#endif
