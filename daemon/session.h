/*
 * session.h: login sessions (PAM sessions, utmp/wtmp) for shells, one
 * helper process each.  See session.c.
 */
#ifndef WINRMD_SESSION_H
#define WINRMD_SESSION_H

#include <winrmd/plugin.h>

/*
 * Opens a login session for p (host->session_open): starts the session
 * helper, which opens the PAM session on [Auth] PamService and writes the
 * utmp/wtmp entry.  fn runs once, later, on the loop thread: with the
 * session and the environment PAM set (pam_getenvlist), or with NULL and
 * why.  id names the shell in the log.  0, or -errno (fn will not run).
 */
int	session_open(const struct winrmd_principal *p, const char *rhost,
	    const char *id, winrmd_session_fn fn, void *arg);
/*
 * Starts the helper for user (a double fork: not the caller's child):
 * *to_fd its stdin, *from_fd its answer, both close-on-exec.  In the
 * network part, the monitor starts it.  0 or -errno.
 */
int	session_helper_start(const char *service, const char *user,
	    const char *rhost, const char *id, int *to_fd, int *from_fd);
/* ends s: the helper closes the PAM session and the utmp entry */
void	session_close(struct winrmd_session *s);

/*
 * The helper (`winrmd --pam-session SERVICE USER RHOST ID`, started by
 * session_open through /proc/self/exe; or a spare, `winrmd --pam-session'
 * alone, which reads the four words NUL-terminated on stdin): its main.
 */
int	session_helper_main(int argc, char **argv)
	    __attribute__((noreturn));

/* "--pam-session": the helper's first argument */
#define SESSION_HELPER_ARG	"--pam-session"
/* what a spare helper takes on stdin: service, user, client, shell */
#define SESSION_SPARE_ARGS_MAX	1024
/* in a forked child: double fork, exec the daemon's binary (session.c) */
void	session_exec_helper(int in, int out, char **argv)
	    __attribute__((noreturn));

#endif
