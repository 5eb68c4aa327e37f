/*
 * psrp_spare.c: a login session and a login shell started ahead for a
 * user's next runspace pool.  pypsrp's execute_ps and Invoke-Command open a
 * pool per call: each paid a PAM session (the Create) and a cold login
 * shell with its profile (the first Command and Receive), most of what the
 * server spent on `echo hi'.  When such a pool is deleted, a spare is
 * started off the request path (a 1 ms timer after the Delete's answer): a
 * login session for the same user and client address (host->session_open,
 * its helper, utmp), a cgroup with the shells' limits, and the user's
 * login shell under the warm wrapper (psrp_warm_wrapper), which runs its
 * profile, then prints a line of its own and waits on its stdin.  The next
 * Create of a pool for that user from that address, of the same kind (no
 * Environment, no WorkingDirectory, the profile on, a client whose host
 * does not read stdin), takes all three: the pool's session, its group,
 * and its warm process (psrp_warm_adopt; its first script exports the
 * pool's marker), so that the Create waits for no PAM and the first
 * pipeline starts without a fork or a profile.
 *
 * Bounds: at most one spare per user, at most [Winrs] MaxSparePools in
 * all (0: none), each dropped after [Winrs] SparePoolSeconds without being
 * taken.  A spare is never given to another user or address.  It is
 * dropped by the end of its stdin (its wrapper then exits on its own, its
 * profile done: nothing is left to init, which may not reap), then its
 * group and session are closed when its pidfd says it has ended.  A
 * profile that prints on stdout, or a shell that ends, leaves no spare.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uuid/uuid.h>

#include "psrp.h"
#include "shell.h"
#include "text.h"

#define SPARE_READY_MAX		128	/* bytes of stdout before its line */

enum spare_state { SP_WAIT, SP_OPENING, SP_SPAWNING, SP_STARTING, SP_READY,
	SP_DROPPING };

struct psrp_spare {
	struct psrp_spare	*next;
	enum spare_state	 st;
	/* its user, client address, id, session, group, limits: not in the
	 * shell list, never seen by a client */
	struct shell		*sh;
	struct winrmd_child	 child;
	struct winrmd_watch	*w_pid, *w_out;
	struct winrmd_timer	*timer;		/* the start, then the drop */
	char			 ready[64];	/* the line it prints */
	char			 got[SPARE_READY_MAX];
	size_t			 got_len;
};

static struct psrp_spare *spares;
static unsigned nspares;

static void
spare_free(struct psrp_spare *sp)
{
	struct shell *sh = sp->sh;

	for (struct psrp_spare **pp = &spares; *pp != NULL; pp = &(*pp)->next)
		if (*pp == sp) {
			*pp = sp->next;
			nspares--;
			break;
		}
	host->timer_stop(sp->timer);
	host->watch_remove(sp->w_pid);
	host->watch_remove(sp->w_out);
	if (sh != NULL) {
		host->group_destroy(sh->group);
		host->session_close(sh->session);
		strv_free(sh->session_env);
		user_copy_free(&sh->user);
		free(sh);
	}
	free(sp);
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* its shell has ended: reaped, then its group and session closed */
static void
spare_ended(int fd, uint32_t events, void *arg)
{
	struct psrp_spare *sp = arg;
	siginfo_t si;

	(void)fd;
	(void)events;
	if (sp->st != SP_DROPPING)
		host->log(WINRMD_LOG_DEBUG, "psrp: the spare of %s: its shell "
		    "%d ended", sp->sh->user.name, (int)sp->child.pid);
	host->watch_remove(sp->w_pid);
	sp->w_pid = NULL;
	memset(&si, 0, sizeof(si));
	waitid(P_PIDFD, (id_t)sp->child.pidfd, &si, WEXITED | WNOHANG);
	close_fd(&sp->child.pidfd);
	close_fd(&sp->child.in_fd);
	close_fd(&sp->child.out_fd);
	close_fd(&sp->child.err_fd);
	spare_free(sp);
}

/*
 * Not taken: the end of its stdin, and its wrapper exits once its profile
 * has run (never a signal in the middle of the profile); the rest when it
 * has ended.  One still opening its session is freed when the answer
 * comes; one not started yet, now.
 */
static void
spare_drop(struct psrp_spare *sp)
{
	host->timer_stop(sp->timer);
	sp->timer = NULL;
	if (sp->st == SP_OPENING) {
		sp->st = SP_DROPPING;
		return;
	}
	if (sp->child.pidfd < 0) {
		spare_free(sp);
		return;
	}
	sp->st = SP_DROPPING;
	host->watch_remove(sp->w_out);
	sp->w_out = NULL;
	close_fd(&sp->child.in_fd);
	close_fd(&sp->child.out_fd);
	close_fd(&sp->child.err_fd);
}

static void
spare_idle(void *arg)
{
	struct psrp_spare *sp = arg;

	sp->timer = NULL;
	host->log(WINRMD_LOG_INFO, "psrp: spare %s of %s from %s not taken "
	    "within SparePoolSeconds: dropped", sp->sh->id, sp->sh->user.name,
	    sp->sh->client_ip);
	spare_drop(sp);
}

/* its stdout until its line: the profile has run */
static void
spare_out(int fd, uint32_t events, void *arg)
{
	struct psrp_spare *sp = arg;
	size_t want = strlen(sp->ready) + 1;
	ssize_t n;

	(void)events;
	do
		n = read(fd, sp->got + sp->got_len, want - sp->got_len);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n > 0)
		sp->got_len += (size_t)n;
	if (n > 0 && sp->got_len < want &&
	    memcmp(sp->got, sp->ready, sp->got_len) == 0)
		return;
	host->watch_remove(sp->w_out);
	sp->w_out = NULL;
	/* its line, nothing before it: as a cold start would have begun */
	if (n > 0 && sp->got_len == want && memcmp(sp->got, sp->ready,
	    want - 1) == 0 && sp->got[want - 1] == '\n') {
		sp->st = SP_READY;
		host->log(WINRMD_LOG_INFO, "psrp: spare %s of %s from %s "
		    "ready: login shell %d, its profile run", sp->sh->id,
		    sp->sh->user.name, sp->sh->client_ip, (int)sp->child.pid);
		return;
	}
	host->log(WINRMD_LOG_DEBUG, "psrp: the spare of %s: its profile "
	    "printed on stdout, or it ended: dropped", sp->sh->user.name);
	spare_drop(sp);
}

/* its login shell started: watched until its line, dropped when untaken */
static void
spare_spawned(int r, const struct winrmd_child *child, void *arg)
{
	struct psrp_spare *sp = arg;

	if (r < 0) {
		host->log(WINRMD_LOG_DEBUG, "psrp: no spare for %s: %s",
		    sp->sh->user.name, strerror(-r));
		spare_free(sp);
		return;
	}
	sp->child = *child;
	if (sp->st == SP_DROPPING) {	/* the daemon stopped meanwhile */
		siginfo_t si;

		close_fd(&sp->child.in_fd);
		close_fd(&sp->child.out_fd);
		close_fd(&sp->child.err_fd);
		host->group_destroy(sp->sh->group);
		sp->sh->group = NULL;
		waitid(P_PIDFD, (id_t)sp->child.pidfd, &si, WEXITED);
		close_fd(&sp->child.pidfd);
		spare_free(sp);
		return;
	}
	sp->st = SP_STARTING;
	sp->w_pid = host->watch_add(sp->child.pidfd, WINRMD_IN, spare_ended,
	    sp);
	sp->w_out = host->watch_add(sp->child.out_fd, WINRMD_IN, spare_out,
	    sp);
	sp->timer = host->timer_start((uint64_t)host->conf_int("Winrs",
	    "SparePoolSeconds") * 1000, spare_idle, sp);
	if (sp->w_pid == NULL || sp->w_out == NULL || sp->timer == NULL) {
		/* it waits on its stdin: its end ends it */
		if (sp->w_pid == NULL) {
			siginfo_t si;

			close_fd(&sp->child.in_fd);
			waitid(P_PIDFD, (id_t)sp->child.pidfd, &si, WEXITED);
			spare_ended(-1, 0, sp);
		} else
			spare_drop(sp);
	}
}

/* its session is open: its group, and its login shell */
static void
spare_session(struct winrmd_session *s, char *const *env, const char *why,
    void *arg)
{
	struct psrp_spare *sp = arg;
	struct shell *sh = sp->sh;
	char *wrapper = NULL, *full = NULL, *argv[6], *senv[3], marker[80];
	char name[SHELL_ID_LEN + 8];
	const char *shell = psrp_posix_shell(sh->user.shell);
	int r = -ENOMEM;

	sh->session = s;
	if (s == NULL || sp->st == SP_DROPPING) {
		if (s == NULL)
			host->log(WINRMD_LOG_DEBUG, "psrp: no spare for %s: %s",
			    sh->user.name, why);
		spare_free(sp);
		return;
	}
	snprintf(name, sizeof(name), "spare-%s", sh->id);
	if ((sh->session_env = strv_dup(env)) == NULL ||
	    (sh->group = host->group_create(name, sh->mem_limit,
	    sh->max_procs)) == NULL)
		goto fail;
	/* its line first (printed after the profile), then the wrapper */
	if ((wrapper = psrp_warm_wrapper(psrp_shell_exports(shell))) == NULL ||
	    asprintf(&full, "echo %s\n%s", sp->ready, wrapper) < 0) {
		full = NULL;
		goto fail;
	}
	/* as a new pool's first pipeline: the marker, LASTEXITCODE 0 */
	snprintf(marker, sizeof(marker), SHELL_MARKER "=%s", sh->id);
	senv[0] = marker;
	senv[1] = (char *)"LASTEXITCODE=0";
	senv[2] = NULL;
	argv[0] = (char *)shell;
	argv[1] = (char *)"-l";
	argv[2] = (char *)"-c";
	argv[3] = full;
	argv[4] = (char *)"winrmd-psrp";
	argv[5] = NULL;
	/* off the loop: the spawn waits for the exec (and the cgroup
	 * writes), which the requests of others would wait for */
	if ((r = shell_spawn_async(sh, &sh->user.p, argv, senv, NULL,
	    sh->group, spare_spawned, sp)) < 0)
		goto fail;
	sp->st = SP_SPAWNING;
	free(wrapper);
	free(full);
	return;
fail:
	host->log(WINRMD_LOG_DEBUG, "psrp: no spare for %s: %s", sh->user.name,
	    strerror(-r));
	free(wrapper);
	free(full);
	spare_free(sp);
}

static void
spare_open(void *arg)
{
	struct psrp_spare *sp = arg;
	char id[SHELL_ID_LEN + 8];
	int r;

	/* "spare-": its helper runs below the daemon's priority
	 * (daemon/session.c), the requests of others first */
	snprintf(id, sizeof(id), WINRMD_SESSION_SPARE_PREFIX "%s", sp->sh->id);
	sp->timer = NULL;
	sp->st = SP_OPENING;
	if ((r = host->session_open(&sp->sh->user.p, sp->sh->client_ip,
	    id, spare_session, sp)) < 0) {
		host->log(WINRMD_LOG_DEBUG, "psrp: no spare for %s: %s",
		    sp->sh->user.name, strerror(-r));
		spare_free(sp);
	}
}

/* the kind of pool a spare stands for (see the top) */
static bool
spare_kind(const struct shell *sh)
{
	return sh->psrp != NULL && !sh->noprofile && sh->cwd == NULL &&
	    sh->env != NULL && sh->env[0] != NULL && sh->env[1] == NULL &&
	    strncmp(sh->env[0], SHELL_MARKER "=", strlen(SHELL_MARKER) + 1) ==
	    0 && (sh->psrp->host_null || sh->psrp->ui_null) &&
	    !sh->psrp->disconnected;
}

static struct psrp_spare *
spare_of(uid_t uid)
{
	for (struct psrp_spare *sp = spares; sp != NULL; sp = sp->next)
		if (sp->sh->user.p.uid == uid)
			return sp;
	return NULL;
}

void
psrp_spare_prepare(const struct shell *from)
{
	long long max = host->conf_int("Winrs", "MaxSparePools");
	struct psrp_spare *sp;
	struct shell *sh;
	uuid_t u;

	if (!WINRMD_HOST_HAS(host, session_open) || from->group == NULL ||
	    from->session == NULL || !spare_kind(from) ||
	    shell_state()->stopping || max <= 0 || nspares >= max ||
	    host->conf_int("Winrs", "SparePoolSeconds") <= 0 ||
	    spare_of(from->user.p.uid) != NULL)
		return;
	if ((sp = calloc(1, sizeof(*sp))) == NULL ||
	    (sh = calloc(1, sizeof(*sh))) == NULL) {
		free(sp);
		return;
	}
	sp->sh = sh;
	sp->child = (struct winrmd_child){ .pid = 0, .pidfd = -1, .in_fd = -1,
	    .out_fd = -1, .err_fd = -1 };
	if (user_copy_make(&sh->user, &from->user.p) < 0) {
		free(sh);
		sp->sh = NULL;
		free(sp);
		return;
	}
	uuid_generate_random(u);
	uuid_unparse_upper(u, sh->id);
	snprintf(sp->ready, sizeof(sp->ready), "WINRMD-SPARE-%s", sh->id);
	snprintf(sh->client_ip, sizeof(sh->client_ip), "%s", from->client_ip);
	sh->mem_limit = from->mem_limit;
	sh->max_procs = from->max_procs;
	sp->next = spares;
	spares = sp;
	nspares++;
	/* past the Delete's answer: the next loop turn sends it */
	if ((sp->timer = host->timer_start(1, spare_open, sp)) == NULL)
		spare_free(sp);
}

bool
psrp_spare_take(struct shell *sh)
{
	struct psrp_spare *sp = spare_of(sh->user.p.uid);
	struct pollfd pfd;

	if (sp == NULL || sp->st != SP_READY || !spare_kind(sh) ||
	    strcmp(sp->sh->user.name, sh->user.name) != 0 ||
	    strcmp(sp->sh->user.shell, sh->user.shell) != 0 ||
	    strcmp(sp->sh->user.home, sh->user.home) != 0 ||
	    strcmp(sp->sh->client_ip, sh->client_ip) != 0 ||
	    sp->sh->mem_limit != sh->mem_limit ||
	    sp->sh->max_procs != sh->max_procs)
		return false;
	pfd.fd = sp->child.pidfd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) != 0)
		return false;	/* ended: its watch frees it */
	host->watch_remove(sp->w_pid);
	sp->w_pid = NULL;
	if (psrp_warm_adopt(sh->psrp, &sp->child, sh->id) < 0) {
		sp->w_pid = host->watch_add(sp->child.pidfd, WINRMD_IN,
		    spare_ended, sp);
		if (sp->w_pid == NULL)
			spare_drop(sp);
		return false;
	}
	sh->session = sp->sh->session;
	sh->session_env = sp->sh->session_env;
	sh->group = sp->sh->group;
	host->log(WINRMD_LOG_INFO, "psrp: pool %s of %s took spare %s: its "
	    "login session and shell %d", sh->id, sh->user.name, sp->sh->id,
	    (int)sp->child.pid);
	sp->sh->session = NULL;
	sp->sh->session_env = NULL;
	sp->sh->group = NULL;
	sp->child.pidfd = -1;
	spare_free(sp);
	return true;
}

void
psrp_spare_fini(void)
{
	while (spares != NULL) {
		struct psrp_spare *sp = spares;

		if (sp->st == SP_SPAWNING) {
			/* its spawn's answer frees it (none comes once the
			 * workers have stopped, as they have by now) */
			spares = sp->next;
			nspares--;
			sp->st = SP_DROPPING;
			continue;
		}

		/* at the stop, its group is killed (as the shells' are) */
		host->watch_remove(sp->w_pid);
		sp->w_pid = NULL;
		close_fd(&sp->child.in_fd);
		close_fd(&sp->child.out_fd);
		close_fd(&sp->child.err_fd);
		if (sp->sh->group != NULL)
			host->group_destroy(sp->sh->group);
		else if (sp->child.pid > 0)
			shell_signal(sp->child.pid, SIGKILL, true);
		sp->sh->group = NULL;
		if (sp->child.pidfd >= 0) {
			siginfo_t si;

			waitid(P_PIDFD, (id_t)sp->child.pidfd, &si, WEXITED);
			close_fd(&sp->child.pidfd);
		}
		spare_free(sp);
	}
}
