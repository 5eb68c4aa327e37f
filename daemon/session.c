/*
 * session.c: login sessions.  Each shell (WinRS shell, PSRP runspace pool,
 * the shell an Ansible job runs in) is a PAM session of its user, as an SSH
 * login is: pam_open_session and pam_setcred(PAM_ESTABLISH_CRED) when it is
 * created, pam_setcred(PAM_DELETE_CRED) and pam_close_session when it ends
 * (Delete, idle timeout, daemon stop), and a utmp/wtmp entry so that `who'
 * and `last' show it with the client's address.
 *
 * A PAM handle must live as long as its session, PAM calls may block
 * (pam_systemd waits for logind), and pam_loginuid and pam_limits change
 * the process that opens the session.  So each session has a helper
 * process of its own, `winrmd --pam-session' (the daemon's own binary, run
 * through /proc/self/exe): it opens the session, writes utmp and wtmp,
 * sends back the environment PAM set, then sleeps until its stdin reaches
 * end of file (session_close, or the daemon going away in any manner) and
 * closes the session.  It is not the daemon's child: an open session
 * costs the daemon one descriptor, and nothing to reap.  The loop thread only reads the helper's answer from
 * a pipe.  The user's commands take the session's environment; their
 * loginuid is the user's uid (spawn.c sets it, as pam_loginuid does for the
 * helper).
 *
 * The helper's answer: "OK\0", its pid, then NAME=value\0 ... and an empty
 * string, or "ERR\0" and the reason\0.
 *
 * Starting the helper is the daemon's whole binary loaded again (some 40
 * shared libraries and their constructors: 8 ms of CPU, several times that
 * on a loaded host), in the critical path of every Create.  So one helper
 * is kept started ahead, a spare (`winrmd --pam-session' alone), which
 * reads the service, user, client and shell as four NUL-terminated words
 * on its stdin and then goes on as one started with them; the next Create
 * takes it and a new spare is started.  Two spares per process that
 * starts helpers (the monitor, or the daemon without privilege
 * separation): a runspace pool's Delete starts a session ahead for the
 * user's next pool (plugins/shell/psrp_spare.c), and another client's
 * Create right after it finds the second one loaded.  A spare holds no
 * PAM state and no utmp entry, and ends at the end of its stdin like any
 * helper (the daemon's stop).
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utmpx.h>

#include <security/pam_appl.h>

#include "config.h"
#include "log.h"
#include "privsep.h"
#include "reactor.h"
#include "session.h"
#include "winrmd.h"

#define SESSION_ANSWER_MAX	16384	/* bytes of the helper's answer */
#define SESSION_OPEN_MS		30000	/* the helper answers within */
/* helpers started ahead: a Create and the spare of a runspace pool
 * (plugins/shell/psrp_spare.c) one after the other each find one loaded */
#define SESSION_SPARES		2
/* the nice value of the helper of a session opened ahead of need */
#define SESSION_SPARE_NICE	10

/*
 * An open session holds one descriptor: the helper's stdin.  The helper is
 * not the daemon's child (a double fork: init, or the service manager,
 * reaps it), so nothing waits for it and nothing is left to reap.
 */
struct winrmd_session {
	pid_t			 pid;		/* the helper, from its answer */
	int			 to_fd;		/* its stdin: closing it ends it */
	int			 from_fd;	/* its answer, until it came */
	struct winrmd_watch	*w_from;
	struct winrmd_timer	*timer;
	winrmd_session_fn	 fn;		/* NULL once called */
	void			*arg;
	size_t			 len;
	char			*answer;	/* what came of it, until all did */
	char			 user[64], rhost[64], id[64];
};

/* the answer is in: no more watch, timer, pipe or buffer */
static void
s_opened(struct winrmd_session *s)
{
	reactor_watch_remove(s->w_from);
	s->w_from = NULL;
	reactor_timer_stop(s->timer);
	s->timer = NULL;
	if (s->from_fd >= 0)
		close(s->from_fd);
	s->from_fd = -1;
	free(s->answer);
	s->answer = NULL;
}

static void
s_free(struct winrmd_session *s)
{
	s_opened(s);
	if (s->to_fd >= 0)
		close(s->to_fd);	/* the helper closes its session at EOF */
	free(s);
}

/* the session is open: the shell gets it and PAM's environment */
static void
accept_answer(struct winrmd_session *s)
{
	winrmd_session_fn fn = s->fn;
	char *env[256], *a = s->answer;
	size_t n = 0, o = 3, len = s->len;

	/* fn may close s: the answer is ours now */
	s->fn = NULL;
	s->answer = NULL;
	s_opened(s);
	if (W->stopping) {	/* the plugins are being finalised */
		log_info("session: %s (shell %s) opened as the daemon stops: "
		    "closed", s->user, s->id);
		s_free(s);
		free(a);
		return;
	}
	/* "OK", the helper's pid, then NAME=value ... */
	s->pid = (pid_t)strtol(a + o, NULL, 10);
	o += strlen(a + o) + 1;
	for (; o < len && a[o] != '\0' &&
	    n + 1 < sizeof(env) / sizeof(env[0]);) {
		if (strchr(a + o, '=') != NULL)
			env[n++] = a + o;
		o += strlen(a + o) + 1;
	}
	env[n] = NULL;
	log_info("session: opened for %s from %s (shell %s, helper %d)",
	    s->user, s->rhost, s->id, (int)s->pid);
	fn(s, env, NULL, s->arg);
	free(a);
}

/* no session: the shell is told why, s is freed (the helper sees EOF) */
static void
refuse(struct winrmd_session *s, const char *why)
{
	winrmd_session_fn fn = s->fn;
	void *arg = s->arg;
	char reason[256];

	snprintf(reason, sizeof(reason), "%s", why);
	log_notice("session: no session for %s from %s (shell %s): %s",
	    s->user, s->rhost, s->id, reason);
	s_free(s);
	if (fn != NULL && !W->stopping)
		fn(NULL, NULL, reason, arg);
}

/* whether the answer is complete: OK and its list ended, or ERR and why */
static bool
complete(const struct winrmd_session *s)
{
	if (s->len >= 4 && memcmp(s->answer, "ERR", 4) == 0)
		return memchr(s->answer + 4, '\0', s->len - 4) != NULL;
	if (s->len < 4 || memcmp(s->answer, "OK", 3) != 0)
		return false;
	/* the pid, then an empty string ends the list */
	for (size_t i = 4; i < s->len; i++)
		if (s->answer[i] == '\0' && s->answer[i - 1] == '\0')
			return true;
	return false;
}

static void
on_answer(int fd, uint32_t events, void *arg)
{
	struct winrmd_session *s = arg;
	char buf[SESSION_ANSWER_MAX], *a;
	ssize_t got;

	(void)events;
	do
		got = read(fd, buf, SESSION_ANSWER_MAX - s->len);
	while (got < 0 && errno == EINTR);
	if (got < 0 && errno == EAGAIN)
		return;
	if (got <= 0) {
		refuse(s, got == 0 ? "the session helper ended without an "
		    "answer" : strerror(errno));
		return;
	}
	/* kept at its size: thousands of shells may open at once */
	if ((a = realloc(s->answer, s->len + (size_t)got)) == NULL) {
		refuse(s, "out of memory");
		return;
	}
	memcpy(a + s->len, buf, (size_t)got);
	s->answer = a;
	s->len += (size_t)got;
	if (!complete(s)) {
		if (s->len == SESSION_ANSWER_MAX)
			refuse(s, "the session's environment is too large");
		return;
	}
	if (memcmp(s->answer, "ERR", 4) == 0) {
		char why[256];

		snprintf(why, sizeof(why), "%s", s->answer + 4);
		refuse(s, why);
		return;
	}
	accept_answer(s);
}

/* the helper still waits for PAM: it closes what it opened at EOF */
static void
on_timeout(void *arg)
{
	struct winrmd_session *s = arg;

	s->timer = NULL;
	refuse(s, "the PAM session did not open within 30 s");
}

/*
 * A helper (this one, keeper.c's), in the child of a fork: async-signal-safe
 * calls only (the daemon has threads).  A second fork leaves the helper to
 * init; it gets in as its stdin, out as its stdout, and stderr.
 */
void __attribute__((noreturn))
session_exec_helper(int in, int out, char **argv)
{
	extern char **environ;
#ifdef SYS_fork
	long pid = syscall(SYS_fork);
#else
	long pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
#endif

	if (pid != 0)
		_exit(pid < 0 ? 127 : 0);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
	    syscall(SYS_close_range, 3U, ~0U, 0U) < 0)
		_exit(127);
	execve("/proc/self/exe", argv, environ);
	_exit(127);
}

/* a helper with argv, its stdin and stdout as *to_fd and *from_fd */
static int
helper_fork(char **argv, int *to_fd, int *from_fd)
{
	int to[2] = { -1, -1 }, from[2] = { -1, -1 }, status;
	pid_t mid;

	if (pipe2(to, O_CLOEXEC) < 0 || pipe2(from, O_CLOEXEC) < 0 ||
	    (mid = fork()) < 0) {
		int r = -errno;

		for (int i = 0; i < 2; i++) {
			if (to[i] >= 0)
				close(to[i]);
			if (from[i] >= 0)
				close(from[i]);
		}
		return r;
	}
	if (mid == 0)
		session_exec_helper(to[0], from[1], argv);
	while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
		;
	close(to[0]);
	close(from[1]);
	*to_fd = to[1];
	*from_fd = from[0];
	return 0;
}

/* the spare helpers (see the top), under their lock: threads of the
 * monitor start helpers */
static pthread_mutex_t spare_lock = PTHREAD_MUTEX_INITIALIZER;
static int spare_to[SESSION_SPARES] = { -1, -1 };
static int spare_from[SESSION_SPARES] = { -1, -1 };

/* a spare gets its four words; false if none is there, or it is gone (it
 * is dropped) */
static bool
spare_take(const char *const words[4], int *to_fd, int *from_fd)
{
	char buf[SESSION_SPARE_ARGS_MAX];
	size_t n = 0;
	ssize_t w;
	int k;

	/* the oldest first: it has had the most time to load */
	for (k = 0; k < SESSION_SPARES && spare_to[k] < 0; k++)
		;
	if (k == SESSION_SPARES)
		return false;
	for (int i = 0; i < 4; i++) {
		size_t l = strlen(words[i]) + 1;

		if (n + l > sizeof(buf))
			return false;	/* too long for it: a helper of its own */
		memcpy(buf + n, words[i], l);
		n += l;
	}
	/* less than PIPE_BUF into an empty pipe: whole, at once */
	do
		w = write(spare_to[k], buf, n);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)n) {
		close(spare_to[k]);
		close(spare_from[k]);
		spare_to[k] = spare_from[k] = -1;
		return false;
	}
	*to_fd = spare_to[k];
	*from_fd = spare_from[k];
	/* the younger ones move up */
	for (; k + 1 < SESSION_SPARES; k++) {
		spare_to[k] = spare_to[k + 1];
		spare_from[k] = spare_from[k + 1];
	}
	spare_to[k] = spare_from[k] = -1;
	return true;
}

int
session_helper_start(const char *service, const char *user,
    const char *rhost, const char *id, int *to_fd, int *from_fd)
{
	const char *const words[4] = { service, user, rhost, id };
	char *argv[7];
	int r = 0;

	if (privsep_active())
		return mon_session_helper(user, rhost, id, to_fd, from_fd);
	argv[0] = (char *)"winrmd";
	argv[1] = (char *)SESSION_HELPER_ARG;
	argv[2] = (char *)service;
	argv[3] = (char *)user;
	argv[4] = (char *)rhost;
	argv[5] = (char *)id;
	argv[6] = NULL;
	pthread_mutex_lock(&spare_lock);
	if (!spare_take(words, to_fd, from_fd))
		r = helper_fork(argv, to_fd, from_fd);
	/* and the next ones, started ahead (none if that fails) */
	argv[2] = NULL;
	for (int k = 0; r == 0 && k < SESSION_SPARES; k++)
		if (spare_to[k] < 0 && helper_fork(argv, &spare_to[k],
		    &spare_from[k]) < 0) {
			spare_to[k] = spare_from[k] = -1;
			break;
		}
	pthread_mutex_unlock(&spare_lock);
	return r;
}

int
session_open(const struct winrmd_principal *p, const char *rhost,
    const char *id, winrmd_session_fn fn, void *arg)
{
	const char *service = conf_s(W->cfg, CK_AUTH_PAM_SERVICE);
	struct winrmd_session *s;
	int r;

	if (p == NULL || fn == NULL || W->stopping)
		return -EINVAL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	s->to_fd = s->from_fd = -1;
	s->fn = fn;
	s->arg = arg;
	snprintf(s->user, sizeof(s->user), "%s", p->name);
	snprintf(s->rhost, sizeof(s->rhost), "%s", rhost ? rhost : "");
	snprintf(s->id, sizeof(s->id), "%s", id ? id : "-");
	if ((r = session_helper_start(service, s->user, s->rhost, s->id,
	    &s->to_fd, &s->from_fd)) < 0)
		goto fail;
	fcntl(s->from_fd, F_SETFL, O_NONBLOCK);
	if ((s->w_from = reactor_watch(s->from_fd, WINRMD_IN, on_answer,
	    s)) == NULL || (s->timer = reactor_timer(SESSION_OPEN_MS,
	    on_timeout, s)) == NULL) {
		r = -ENOMEM;
		goto fail;
	}
	return 0;
fail:
	log_warn("session: cannot start the session helper for %s: %s",
	    p->name, strerror(-r));
	s_free(s);
	return r;
}

void
session_close(struct winrmd_session *s)
{
	if (s == NULL)
		return;
	log_info("session: closed for %s from %s (shell %s)", s->user,
	    s->rhost, s->id);
	s_free(s);
}

/* ------------------------------------------------------------ the helper */

static volatile sig_atomic_t helper_stop;

static void
on_signal(int sig)
{
	(void)sig;
	helper_stop = 1;
}

/* no prompts: the user was authenticated already */
static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *data)
{
	(void)data;
	for (int i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF ||
		    msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
			return PAM_CONV_ERR;
	*resp = NULL;
	return PAM_SUCCESS;
}

static void
put(const char *s)
{
	size_t n = strlen(s) + 1;

	while (n > 0) {
		ssize_t w = write(1, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void
fail_answer(pam_handle_t *ph, const char *what, int rc)
{
	char why[300];

	snprintf(why, sizeof(why), "%s: %s", what, ph != NULL ?
	    pam_strerror(ph, rc) : "out of memory");
	put("ERR");
	put(why);
}

/*
 * utmp slots.  A session's line is "winrm/N" and its ut_id "w" and N in
 * three base-64 digits, N the lowest slot no live session holds, so that
 * pututxline() writes over the DEAD_PROCESS entry an ended session left
 * and utmp never holds more entries than sessions were ever open at once
 * (a line per helper pid made it grow by one entry a session).  A slot is
 * taken under a lock by writing a LOGIN_PROCESS entry; the entry of a
 * helper that is gone without its DEAD_PROCESS is free again.
 */
#define UTMP_SLOTS	(64 * 64 * 64)
#define UTMP_LOCK	"/run/winrmd-utmp.lock"

static void
slot_id(char id[4], unsigned n)
{
	static const char a[] = "0123456789abcdefghijklmnopqrstuv"
	    "wxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/";

	id[0] = 'w';
	for (int i = 3; i >= 1; i--, n /= 64)
		id[i] = a[n % 64];
}

static void
utmp_write(short type, unsigned slot, const char *user, const char *host)
{
	struct utmpx ut;
	struct timeval tv;

	memset(&ut, 0, sizeof(ut));
	ut.ut_type = type;
	ut.ut_pid = getpid();
	slot_id(ut.ut_id, slot);
	snprintf(ut.ut_line, sizeof(ut.ut_line), "winrm/%u", slot);
	if (type == USER_PROCESS || type == LOGIN_PROCESS)
		strncpy(ut.ut_user, user, sizeof(ut.ut_user));
	if (type == USER_PROCESS)
		strncpy(ut.ut_host, host, sizeof(ut.ut_host));
	gettimeofday(&tv, NULL);
	ut.ut_tv.tv_sec = (int32_t)tv.tv_sec;
	ut.ut_tv.tv_usec = (int32_t)tv.tv_usec;
	setutxent();
	if (pututxline(&ut) == NULL)
		log_warn("session: cannot write utmp for %s (winrm/%u): %s",
		    user, slot, strerror(errno));
	endutxent();
	if (type != LOGIN_PROCESS)
		updwtmpx(_PATH_WTMP, &ut);
}

/* marks u's slot in taken if it is a live winrm/N line */
static void
utmp_taken(const struct utmpx *u, unsigned char *taken)
{
	char l[sizeof(u->ut_line) + 1];
	unsigned v = 0;

	if (u->ut_type != USER_PROCESS && u->ut_type != LOGIN_PROCESS)
		return;
	/* ut_line need not end with a NUL */
	memcpy(l, u->ut_line, sizeof(u->ut_line));
	l[sizeof(u->ut_line)] = '\0';
	if (sscanf(l, "winrm/%u", &v) != 1 || v >= UTMP_SLOTS)
		return;
	/* a helper gone without its DEAD_PROCESS frees its slot */
	if (u->ut_pid > 0 && kill(u->ut_pid, 0) < 0 && errno == ESRCH)
		return;
	taken[v / 8] |= (unsigned char)(1u << (v % 8));
}

/* takes the lowest free slot (a LOGIN_PROCESS entry) and returns it */
static unsigned
utmp_slot(const char *user)
{
	static unsigned char taken[UTMP_SLOTS / 8];
	static struct utmpx block[64];
	unsigned n;
	int lock, fd;

	if ((lock = open(UTMP_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) >= 0)
		while (lockf(lock, F_LOCK, 0) < 0 && errno == EINTR)
			;
	memset(taken, 0, sizeof(taken));
	/*
	 * The file read whole, a block of entries per read: getutxent()
	 * takes and drops a lock with an alarm around every entry (eight
	 * system calls each), and utmp keeps an entry for every slot ever
	 * used, so a host that once had 1,000 sessions open paid 4-40 ms
	 * per Create.  Only winrm/N lines count, which helpers write under
	 * the lock held here (or mark dead: either way is right for a slot
	 * being freed), so the file's own lock is not needed.
	 */
	if ((fd = open(_PATH_UTMPX, O_RDONLY | O_CLOEXEC)) >= 0) {
		for (;;) {
			ssize_t got = read(fd, block, sizeof(block));

			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0)
				break;
			for (size_t i = 0; i < (size_t)got / sizeof(block[0]);
			    i++)
				utmp_taken(&block[i], taken);
			if ((size_t)got % sizeof(block[0]) != 0)
				break;	/* a short read: the rest is a torn entry */
		}
		close(fd);
	}
	for (n = 0; n < UTMP_SLOTS - 1; n++)
		if (!(taken[n / 8] & (1u << (n % 8))))
			break;
	utmp_write(LOGIN_PROCESS, n, user, "");
	if (lock >= 0)
		close(lock);
	return n;
}

/*
 * A spare's service, user, client and shell: four NUL-terminated words on
 * stdin (at most SESSION_SPARE_ARGS_MAX bytes, and nothing after them);
 * argv as a helper started with them has it, or NULL at the end of stdin
 * before them (a spare not needed) or on anything else.
 */
static char **
spare_words(char *w[7])
{
	static char buf[SESSION_SPARE_ARGS_MAX];
	size_t n = 0, nul = 0;

	while (nul < 4) {
		ssize_t got = read(0, buf + n, sizeof(buf) - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return NULL;
		for (size_t i = n; i < n + (size_t)got; i++)
			nul += buf[i] == '\0';
		n += (size_t)got;
		if (nul > 4 || (nul < 4 && n == sizeof(buf)))
			return NULL;
	}
	if (buf[n - 1] != '\0')
		return NULL;
	w[0] = (char *)"winrmd";
	w[1] = (char *)SESSION_HELPER_ARG;
	for (size_t i = 0, k = 2; k < 6; k++) {
		w[k] = buf + i;
		i += strlen(buf + i) + 1;
	}
	w[6] = NULL;
	return w;
}

static int
helper_run(int argc, char **argv)
{
	struct pam_conv pc = { conv, NULL };
	char *words[7];
	struct sigaction sa = { .sa_handler = on_signal };
	pam_handle_t *ph = NULL;
	char line[32], buf[64], **env;
	unsigned slot;
	sigset_t none;
	int rc;

	if ((argc != 6 && argc != 2) || getuid() != 0) {
		fprintf(stderr, "winrmd: %s is started by the daemon, as root\n",
		    SESSION_HELPER_ARG);
		return 2;
	}
	/* a spare: its words come on stdin, or its end (not needed) */
	if (argc == 2 && (argv = spare_words(words)) == NULL)
		return 0;
	/* the daemon's end going away ends the session, not this process */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* a session opened ahead of need (a runspace pool's spare): PAM's
	 * modules below the requests that wait for theirs */
	if (strncmp(argv[5], WINRMD_SESSION_SPARE_PREFIX,
	    strlen(WINRMD_SESSION_SPARE_PREFIX)) == 0)
		(void)setpriority(PRIO_PROCESS, 0, SESSION_SPARE_NICE);
	slot = utmp_slot(argv[3]);
	snprintf(line, sizeof(line), "winrm/%u", slot);
	if ((rc = pam_start(argv[2], argv[3], &pc, &ph)) != PAM_SUCCESS) {
		fail_answer(NULL, "pam_start", rc);
		return 1;
	}
	if (argv[4][0] != '\0')
		pam_set_item(ph, PAM_RHOST, argv[4]);
	pam_set_item(ph, PAM_TTY, line);
	if ((rc = pam_open_session(ph, PAM_SILENT)) != PAM_SUCCESS) {
		fail_answer(ph, "pam_open_session", rc);
		pam_end(ph, rc);
		return 1;
	}
	if ((rc = pam_setcred(ph, PAM_ESTABLISH_CRED | PAM_SILENT)) !=
	    PAM_SUCCESS) {
		fail_answer(ph, "pam_setcred", rc);
		pam_close_session(ph, PAM_SILENT);
		pam_end(ph, rc);
		return 1;
	}
	utmp_write(USER_PROCESS, slot, argv[3], argv[4]);
	put("OK");
	snprintf(buf, sizeof(buf), "%d", (int)getpid());
	put(buf);
	if ((env = pam_getenvlist(ph)) != NULL) {
		for (size_t i = 0; env[i] != NULL; i++) {
			put(env[i]);
			free(env[i]);
		}
		free(env);
	}
	put("");
	/* until the daemon closes our stdin (or is gone), or a signal */
	while (!helper_stop) {
		ssize_t got = read(0, buf, sizeof(buf));

		if (got == 0 || (got < 0 && errno != EINTR))
			break;
	}
	utmp_write(DEAD_PROCESS, slot, argv[3], argv[4]);
	rc = pam_setcred(ph, PAM_DELETE_CRED | PAM_SILENT);
	if (rc != PAM_SUCCESS)
		log_warn("session: pam_setcred(PAM_DELETE_CRED) for %s: %s",
		    argv[3], pam_strerror(ph, rc));
	rc = pam_close_session(ph, PAM_SILENT);
	if (rc != PAM_SUCCESS)
		log_warn("session: pam_close_session for %s: %s", argv[3],
		    pam_strerror(ph, rc));
	pam_end(ph, rc);
	return 0;
}

/*
 * Ends with _exit: what PAM modules keep until exit goes with the process
 * (a leak checker of a sanitizer build would report their allocations,
 * not ours, in the daemon's log).
 */
int
session_helper_main(int argc, char **argv)
{
	int r = helper_run(argc, argv);

	fflush(NULL);
	_exit(r);
}
