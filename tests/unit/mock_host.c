/*
 * mock_host.c: the host of mock_host.h; not a test program of its own, it
 * is linked into every plugin and provider unit test.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <libxml/parser.h>

#include "duration.h"
#include "enumeration.h"
#include "mock_host.h"

/* ------------------------------------------------------------- log */

#define LOG_KEEP	256

static char *log_lines[LOG_KEEP];
static size_t nlog;

static void
m_log(int level, const char *fmt, ...)
{
	va_list ap;
	char *line;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	ck_assert_ptr_nonnull(line);
	if (getenv("MOCK_LOG") != NULL)
		fprintf(stderr, "log<%d>: %s\n", level, line);
	if (nlog == LOG_KEEP) {
		free(log_lines[0]);
		memmove(log_lines, log_lines + 1,
		    (LOG_KEEP - 1) * sizeof(char *));
		nlog--;
	}
	log_lines[nlog++] = line;
}

size_t
mock_log_count(const char *text)
{
	size_t n = 0;

	for (size_t i = 0; i < nlog; i++)
		if (strstr(log_lines[i], text) != NULL)
			n++;
	return n;
}

bool
mock_log_contains(const char *text)
{
	return mock_log_count(text) > 0;
}

void
mock_log_clear(void)
{
	for (size_t i = 0; i < nlog; i++)
		free(log_lines[i]);
	nlog = 0;
}

/* ------------------------------------------------------------ config */

#define CONF_KEEP	64

static struct {
	char	*key, *value;	/* "Section.Key" */
} confs[CONF_KEEP];
static size_t nconfs;

void
mock_conf_set(const char *section_key, const char *value)
{
	for (size_t i = 0; i < nconfs; i++)
		if (strcasecmp(confs[i].key, section_key) == 0) {
			free(confs[i].value);
			confs[i].value = strdup(value);
			ck_assert_ptr_nonnull(confs[i].value);
			return;
		}
	ck_assert_uint_lt(nconfs, CONF_KEEP);
	confs[nconfs].key = strdup(section_key);
	confs[nconfs].value = strdup(value);
	ck_assert(confs[nconfs].key != NULL && confs[nconfs].value != NULL);
	nconfs++;
}

void
mock_conf_load(const struct mock_conf *table)
{
	char k[256];

	mock_conf_clear();
	for (; table != NULL && table->section != NULL; table++) {
		snprintf(k, sizeof(k), "%s.%s", table->section, table->key);
		mock_conf_set(k, table->value);
	}
}

void
mock_conf_clear(void)
{
	for (size_t i = 0; i < nconfs; i++) {
		free(confs[i].key);
		free(confs[i].value);
	}
	nconfs = 0;
}

static const char *
m_conf_str(const char *section, const char *key)
{
	char k[256];

	snprintf(k, sizeof(k), "%s.%s", section, key);
	for (size_t i = 0; i < nconfs; i++)
		if (strcasecmp(confs[i].key, k) == 0)
			return confs[i].value;
	return NULL;
}

static long long
m_conf_int(const char *section, const char *key)
{
	const char *v = m_conf_str(section, key);

	return v ? strtoll(v, NULL, 10) : -1;
}

/* what daemon/config.c reads as true */
static bool
m_conf_bool(const char *section, const char *key)
{
	const char *v = m_conf_str(section, key);

	return v != NULL && (strcasecmp(v, "true") == 0 ||
	    strcasecmp(v, "yes") == 0 || strcasecmp(v, "on") == 0 ||
	    strcmp(v, "1") == 0);
}

/* ------------------------------------------------------------ loop */

struct winrmd_watch {
	struct winrmd_watch	*next;
	int			 fd;
	uint32_t		 events;
	winrmd_io_fn		 fn;
	void			*arg;
	bool			 dead;
};

struct winrmd_timer {
	struct winrmd_timer	*next;
	uint64_t		 due;
	winrmd_timer_fn		 fn;
	void			*arg;
	bool			 dead;
};

struct posted {
	struct posted	*next;
	void		(*fn)(void *);
	void		*arg;
};

static struct winrmd_watch *watches;
static struct winrmd_timer *timers;
static struct posted *posts;
static pthread_mutex_t post_lock = PTHREAD_MUTEX_INITIALIZER;
static int post_pipe[2] = { -1, -1 };
static uint64_t now;	/* the clock the test moves */

static uint64_t
real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t
m_now_ms(void)
{
	return now;
}

static struct winrmd_watch *
m_watch_add(int fd, uint32_t events, winrmd_io_fn fn, void *arg)
{
	struct winrmd_watch *w = calloc(1, sizeof(*w));

	if (w == NULL || fd < 0) {
		free(w);
		return NULL;
	}
	w->fd = fd;
	w->events = events;
	w->fn = fn;
	w->arg = arg;
	w->next = watches;
	watches = w;
	return w;
}

static int
m_watch_set(struct winrmd_watch *w, uint32_t events)
{
	if (w == NULL)
		return -EINVAL;
	w->events = events;
	return 0;
}

/* freed by sweep(), never inside a callback that may still hold it */
static void
m_watch_remove(struct winrmd_watch *w)
{
	if (w != NULL)
		w->dead = true;
}

int
mock_watch_count(void)
{
	int n = 0;

	for (struct winrmd_watch *w = watches; w != NULL; w = w->next)
		n += !w->dead;
	return n;
}

static struct winrmd_timer *
m_timer_start(uint64_t ms, winrmd_timer_fn fn, void *arg)
{
	struct winrmd_timer *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->due = now + ms;
	t->fn = fn;
	t->arg = arg;
	t->next = timers;
	timers = t;
	return t;
}

static void
m_timer_stop(struct winrmd_timer *t)
{
	if (t != NULL)
		t->dead = true;
}

size_t
mock_timers(void)
{
	size_t n = 0;

	for (struct winrmd_timer *t = timers; t != NULL; t = t->next)
		n += !t->dead;
	return n;
}

static void
sweep(void)
{
	for (struct winrmd_watch **pp = &watches; *pp != NULL;) {
		struct winrmd_watch *w = *pp;

		if (w->dead) {
			*pp = w->next;
			free(w);
		} else
			pp = &w->next;
	}
	for (struct winrmd_timer **pp = &timers; *pp != NULL;) {
		struct winrmd_timer *t = *pp;

		if (t->dead) {
			*pp = t->next;
			free(t);
		} else
			pp = &t->next;
	}
}

/* runs the timers due by `until', earliest first, moving the clock */
static void
run_timers(uint64_t until)
{
	for (;;) {
		struct winrmd_timer *first = NULL;

		for (struct winrmd_timer *t = timers; t != NULL; t = t->next)
			if (!t->dead && t->due <= until &&
			    (first == NULL || t->due < first->due))
				first = t;
		if (first == NULL)
			break;
		if (first->due > now)
			now = first->due;
		first->dead = true;
		first->fn(first->arg);
	}
	if (until > now)
		now = until;
	sweep();
}

void
mock_advance(uint64_t ms)
{
	run_timers(now + ms);
}

int
mock_post(void (*fn)(void *), void *arg)
{
	struct posted *p = calloc(1, sizeof(*p));
	char c = 1;

	if (p == NULL)
		return -ENOMEM;
	p->fn = fn;
	p->arg = arg;
	pthread_mutex_lock(&post_lock);
	if (post_pipe[0] < 0 &&
	    pipe2(post_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		pthread_mutex_unlock(&post_lock);
		free(p);
		return -errno;
	}
	p->next = posts;
	posts = p;
	pthread_mutex_unlock(&post_lock);
	if (write(post_pipe[1], &c, 1) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

static void
run_posts(void)
{
	struct posted *list;
	char buf[64];

	while (read(post_pipe[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&post_lock);
	list = posts;
	posts = NULL;
	pthread_mutex_unlock(&post_lock);
	while (list != NULL) {
		struct posted *p = list;

		list = p->next;
		p->fn(p->arg);
		free(p);
	}
}

/* one wait of up to ms for the watches and the post queue */
static void
poll_once(int ms)
{
	struct pollfd pfd[256];
	struct winrmd_watch *ws[256];
	int n = 0;

	pfd[n].fd = post_pipe[0];	/* -1: ignored */
	pfd[n].events = POLLIN;
	ws[n++] = NULL;
	for (struct winrmd_watch *w = watches; w != NULL && n < 256;
	    w = w->next)
		if (!w->dead) {
			pfd[n].fd = w->fd;
			pfd[n].events = (short)(w->events & (POLLIN | POLLOUT));
			ws[n++] = w;
		}
	if (poll(pfd, (nfds_t)n, ms) > 0) {
		for (int i = 1; i < n; i++)
			if (pfd[i].revents != 0 && !ws[i]->dead)
				ws[i]->fn(ws[i]->fd, (uint32_t)pfd[i].revents,
				    ws[i]->arg);
		if (pfd[0].revents & POLLIN)
			run_posts();
	}
	sweep();
}

void
mock_poll(int ms)
{
	if (mock_watch_count() == 0 && post_pipe[0] < 0)
		return;		/* nothing could ever wake it */
	poll_once(ms);
}

bool
mock_loop_until(bool (*done)(void *), void *arg, int timeout_ms)
{
	uint64_t last = real_ms(), end = last + (uint64_t)timeout_ms;

	while (!done(arg)) {
		uint64_t r = real_ms();
		int wait = 100;

		now += r - last;	/* the clock follows real time */
		last = r;
		if (r >= end)
			return false;
		run_timers(now);
		if (done(arg))
			break;
		if ((int)(end - r) < wait)
			wait = (int)(end - r);
		for (struct winrmd_timer *t = timers; t != NULL; t = t->next)
			if (!t->dead && (int64_t)(t->due - now) < wait)
				wait = t->due > now ? (int)(t->due - now) : 0;
		poll_once(wait);
	}
	return true;
}

static bool
never(void *arg)
{
	(void)arg;
	return false;
}

void
mock_loop_for(int ms)
{
	mock_loop_until(never, NULL, ms);
}

/* ------------------------------------------------------------ spawn */

struct mock_spawn_rec mock_spawned;

static void
rec_clear(void)
{
	free(mock_spawned.path);
	free(mock_spawned.cwd);
	for (size_t i = 0; mock_spawned.argv && mock_spawned.argv[i]; i++)
		free(mock_spawned.argv[i]);
	free(mock_spawned.argv);
	mock_spawned.path = mock_spawned.cwd = NULL;
	mock_spawned.argv = NULL;
}

static char *
find_in_path(const char *name)
{
	static const char *const dirs[] = { "/usr/local/sbin", "/usr/local/bin",
	    "/usr/sbin", "/usr/bin", "/sbin", "/bin" };
	char buf[4096];

	if (strchr(name, '/') != NULL)
		return strdup(name);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(buf, sizeof(buf), "%s/%s", dirs[i], name);
		if (access(buf, X_OK) == 0)
			return strdup(buf);
	}
	return NULL;
}

/*
 * valgrind 3.19 knows no pidfd_open: a pipe that a thread closes when the
 * child has exited (not reaped) stands in.  The provider's waitid(P_PIDFD)
 * on it fails and it falls back to the pid, as on Linux 5.3.
 */
struct pidfd_waiter {
	pid_t	pid;
	int	wfd;
};

static void *
pidfd_wait(void *arg)
{
	struct pidfd_waiter *w = arg;
	siginfo_t si;

	while (waitid(P_PID, (id_t)w->pid, &si, WEXITED | WNOWAIT) < 0 &&
	    errno == EINTR)
		;
	close(w->wfd);
	free(w);
	return NULL;
}

static int
fake_pidfd(pid_t pid)
{
	struct pidfd_waiter *w = calloc(1, sizeof(*w));
	pthread_attr_t attr;
	pthread_t t;
	int p[2];

	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	w->pid = pid;
	w->wfd = p[1];
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	ck_assert_int_eq(pthread_create(&t, &attr, pidfd_wait, w), 0);
	pthread_attr_destroy(&attr);
	return p[0];
}

/*
 * A child's environment, as the daemon's spawn makes it: clean, the
 * request's variables, then PATH and LANG unless the request set them.
 */
static char **
child_env(char *const *req_env)
{
	static char *const base[] = { (char *)"PATH=/usr/local/bin:/usr/bin:/bin",
	    (char *)"LANG=C.UTF-8" };
	size_t n = 0, k;
	char **env;

	while (req_env != NULL && req_env[n] != NULL)
		n++;
	if ((env = calloc(n + 3, sizeof(char *))) == NULL)
		return NULL;
	for (k = 0; k < n; k++)
		env[k] = req_env[k];
	for (size_t b = 0; b < 2; b++) {
		size_t nl = strcspn(base[b], "=") + 1;
		bool set = false;

		for (size_t i = 0; i < n && !set; i++)
			set = strncmp(req_env[i], base[b], nl) == 0;
		if (!set)
			env[k++] = base[b];
	}
	return env;
}

static int
spawn_impl(const struct winrmd_spawn_req *req, bool detach,
    struct winrmd_child *ret)
{
	const struct winrmd_principal *u = req->user;
	int in[2], out[2], err[2] = { -1, -1 }, st[2], report[2], pidfd = -1;
	pid_t detached = 0;
	char *path, **env;
	const char *cwd;
	ssize_t got;
	size_t n = 0;
	pid_t pid;

	rec_clear();
	mock_spawned.count++;
	mock_spawned.path = strdup(req->path ? req->path : req->argv[0]);
	mock_spawned.cwd = req->cwd ? strdup(req->cwd) : NULL;
	mock_spawned.uid = u->uid;
	mock_spawned.merge_stderr = req->merge_stderr;
	mock_spawned.detached = detach;
	mock_spawned.group = req->group;
	while (req->argv[n] != NULL)
		n++;
	mock_spawned.argv = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		mock_spawned.argv[i] = strdup(req->argv[i]);
	if (mock_spawned.force != 0)
		return mock_spawned.force;
	if ((path = find_in_path(mock_spawned.path)) == NULL)
		return -ENOENT;
	cwd = req->cwd ? req->cwd : u->home ? u->home : "/";
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
	    (!req->merge_stderr && pipe2(err, O_CLOEXEC) < 0) ||
	    pipe2(st, O_CLOEXEC) < 0)
		ck_abort_msg("pipe2: %s", strerror(errno));
	if ((pid = fork()) == 0) {
		int e[2];

		if (detach) {	/* a double fork, as the daemon's */
			pid_t gc = fork();

			if (gc != 0) {
				int rep[2] = { 100, (int)gc };

				if (write(st[1], rep, sizeof(rep)) < 0) {
					/* nothing */
				}
				_exit(0);
			}
		}
		setsid();
		if (getuid() == 0 && u->uid != 0 &&
		    (setgroups(0, NULL) < 0 ||
		    setresgid(u->gid, u->gid, u->gid) < 0 ||
		    setresuid(u->uid, u->uid, u->uid) < 0))
			goto fail;
		if (chdir(cwd) < 0 && (req->cwd != NULL || chdir("/") < 0))
			goto fail;
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 ||
		    dup2(err[1] >= 0 ? err[1] : out[1], 2) < 0)
			goto fail;
		syscall(SYS_close_range, 3U, ~0U, 4U);
		if ((env = child_env(req->env)) == NULL)
			goto fail;
		execve(path, req->argv, env);
fail:
		e[0] = 1;
		e[1] = errno;
		if (write(st[1], e, sizeof(e)) < 0) {
			/* nothing */
		}
		_exit(127);
	}
	free(path);
	close(st[1]);
	close(in[0]);
	close(out[1]);
	if (err[1] >= 0)
		close(err[1]);
	for (;;) {
		do
			got = read(st[0], report, sizeof(report));
		while (got < 0 && errno == EINTR);
		if (got != (ssize_t)sizeof(report) || report[0] != 100)
			break;
		detached = (pid_t)report[1];
	}
	close(st[0]);
	if (detach)
		waitpid(pid, NULL, 0);
	if (got == (ssize_t)sizeof(report)) {
		if (!detach)
			waitpid(pid, NULL, 0);
		close(in[1]);
		close(out[0]);
		if (err[0] >= 0)
			close(err[0]);
		return -report[1];
	}
	if (detach)
		pid = detached;
	else if ((pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0) {
		ck_assert_int_eq(errno, ENOSYS);
		pidfd = fake_pidfd(pid);
	}
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	if (err[0] >= 0)
		fcntl(err[0], F_SETFL, O_NONBLOCK);
	*ret = (struct winrmd_child){ .pid = pid, .pidfd = pidfd,
	    .in_fd = in[1], .out_fd = out[0], .err_fd = err[0] };
	return 0;
}

static int
m_spawn(const struct winrmd_spawn_req *req, struct winrmd_child *ret)
{
	return spawn_impl(req, false, ret);
}

static int
m_spawn_detached(const struct winrmd_spawn_req *req, struct winrmd_child *ret)
{
	return spawn_impl(req, true, ret);
}

static int
m_account_may_run(const struct winrmd_principal *p, char *why, size_t len)
{
	(void)p;
	if (mock_spawned.refuse == NULL)
		return 0;
	snprintf(why, len, "%s", mock_spawned.refuse);
	return -EPERM;
}

/* no cgroups here: the provider counts what it started */
static struct winrmd_group *
m_group_create(const char *name, uint64_t mem, uint64_t procs)
{
	(void)name;
	(void)mem;
	(void)procs;
	errno = ENOTSUP;
	return NULL;
}

static void
m_group_destroy(struct winrmd_group *g)
{
	ck_assert_ptr_null(g);
}

static long
m_group_procs(struct winrmd_group *g, pid_t *pids, size_t max)
{
	(void)g;
	(void)pids;
	(void)max;
	return -ENOENT;
}

static const char *
m_group_mode(void)
{
	return "rlimits";
}

static int
m_parse_duration(const char *s, uint64_t *ret_ms)
{
	return xs_duration_parse(s, DURATION_MS, ret_ms);
}

/* ---------------------------------------------------- login sessions */

struct mock_session_rec mock_sessions;

struct winrmd_session {
	int			 n;
	winrmd_session_fn	 fn;
	void			*arg;
	bool			 refused;
};

static void
session_answer(void *arg)
{
	struct winrmd_session *s = arg;
	char var[32], *env[] = { var, NULL };

	snprintf(var, sizeof(var), "MOCK_SESSION=%d", s->n);
	if (s->refused) {
		s->fn(NULL, NULL, mock_sessions.refuse, s->arg);
		free(s);
		return;
	}
	mock_sessions.open++;
	s->fn(s, env, NULL, s->arg);
}

static int
m_session_open(const struct winrmd_principal *p, const char *rhost,
    const char *id, winrmd_session_fn fn, void *arg)
{
	struct winrmd_session *s = calloc(1, sizeof(*s));
	int r;

	(void)p;
	(void)rhost;
	(void)id;
	if (s == NULL)
		return -ENOMEM;
	s->n = ++mock_sessions.opened;
	s->fn = fn;
	s->arg = arg;
	s->refused = mock_sessions.refuse != NULL;
	if ((r = mock_post(session_answer, s)) < 0)
		free(s);
	return r;
}

static void
m_session_close(struct winrmd_session *s)
{
	if (s == NULL)
		return;
	mock_sessions.open--;
	free(s);
}

static struct winrmd_principal self_principal;
static char self_name[256], self_home[4096], self_shell[256];
static gid_t self_groups[1];

const struct winrmd_principal *
mock_principal_self(void)
{
	return mock_principal_uid(getuid(), NULL);
}

const struct winrmd_principal *
mock_principal_uid(uid_t uid, const char *name)
{
	struct passwd *pw = getpwuid(uid);

	snprintf(self_name, sizeof(self_name), "%s", name ? name :
	    pw ? pw->pw_name : "mock");
	snprintf(self_home, sizeof(self_home), "%s", pw ? pw->pw_dir : "/");
	snprintf(self_shell, sizeof(self_shell), "%s", pw ? pw->pw_shell :
	    "/bin/sh");
	self_groups[0] = pw ? pw->pw_gid : (gid_t)uid;
	self_principal = (struct winrmd_principal){
		.name = self_name, .uid = uid, .gid = self_groups[0],
		.home = self_home, .shell = self_shell, .groups = self_groups,
		.ngroups = 1, .scheme = "Basic",
	};
	return &self_principal;
}

/* ---------------------------------------------------------------- ops */

static const char envelope_head[] =
    "<s:Envelope xmlns:s=\"" WINRMD_NS_SOAP "\" xmlns:a=\"" WINRMD_NS_WSA
    "\" xmlns:w=\"" WINRMD_NS_WSMAN "\" xmlns:n=\"" WINRMD_NS_WSEN
    "\" xmlns:xsi=\"" WINRMD_NS_XSI "\" xmlns:cim=\""
    "http://schemas.dmtf.org/wbem/wscim/1/common\"><s:Header/><s:Body>";

struct winrmd_op *
mock_op(const char *action, const char *uri, const char *body)
{
	struct winrmd_op *op = calloc(1, sizeof(*op));
	char *xml;

	enumeration_init(&mock_host);
	op->action = strdup(action);
	op->uri = uri ? strdup(uri) : NULL;
	op->max_envelope = 512000;
	op->timeout_ms = 60000;
	mock_op_user(op, "alice", 1000);
	if (asprintf(&xml, "%s%s</s:Body></s:Envelope>", envelope_head,
	    body ? body : "") < 0)
		abort();
	op->req = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
	    XML_PARSE_NONET);
	free(xml);
	if (op->req == NULL)
		abort();
	{
		xmlNodePtr root = xmlDocGetRootElement(op->req);
		xmlNodePtr b = root->children;

		while (b != NULL && (b->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)b->name, "Body") != 0))
			b = b->next;
		for (xmlNodePtr c = b ? b->children : NULL; c; c = c->next)
			if (c->type == XML_ELEMENT_NODE) {
				op->body = c;
				break;
			}
	}
	return op;
}

void
mock_op_selector(struct winrmd_op *op, const char *name, const char *value)
{
	op->sels[op->nsels].name = strdup(name);
	op->sels[op->nsels].value = strdup(value);
	op->nsels++;
}

void
mock_op_option(struct winrmd_op *op, const char *name, const char *value,
    bool must_comply)
{
	op->opts[op->nopts].name = strdup(name);
	op->opts[op->nopts].value = strdup(value);
	op->opts[op->nopts].must_comply = must_comply;
	op->nopts++;
}

void
mock_op_user(struct winrmd_op *op, const char *name, uid_t uid)
{
	free((char *)op->principal.name);
	op->principal.name = strdup(name);
	op->principal.uid = uid;
	op->principal.gid = uid;
	op->gid = uid;
	op->principal.home = "/home/test";
	op->principal.shell = "/bin/sh";
	op->principal.groups = &op->gid;
	op->principal.ngroups = 1;
	op->principal.scheme = "Basic";
}

void
mock_op_free(struct winrmd_op *op)
{
	if (op == NULL)
		return;
	free(op->action);
	free(op->uri);
	for (size_t i = 0; i < op->nsels; i++) {
		free((char *)op->sels[i].name);
		free((char *)op->sels[i].value);
	}
	for (size_t i = 0; i < op->nopts; i++) {
		free((char *)op->opts[i].name);
		free((char *)op->opts[i].value);
	}
	free((char *)op->principal.name);
	xmlFreeDoc(op->req);
	xmlFreeDoc(op->reply);
	free(op->reply_action);
	free(op);
}

static const char *
m_op_action(const struct winrmd_op *op)
{
	return op->action;
}

static const char *
m_op_resource_uri(const struct winrmd_op *op)
{
	return op->uri;
}

static const char *
m_op_selector(const struct winrmd_op *op, const char *name)
{
	for (size_t i = 0; i < op->nsels; i++)
		if (strcasecmp(op->sels[i].name, name) == 0)
			return op->sels[i].value;
	return NULL;
}

static size_t
m_op_selectors(const struct winrmd_op *op, const struct winrmd_selector **ret)
{
	*ret = op->sels;
	return op->nsels;
}

static const char *
m_op_option(const struct winrmd_op *op, const char *name)
{
	for (size_t i = 0; i < op->nopts; i++)
		if (strcasecmp(op->opts[i].name, name) == 0)
			return op->opts[i].value;
	return NULL;
}

static size_t
m_op_options(const struct winrmd_op *op, const struct winrmd_option **ret)
{
	*ret = op->opts;
	return op->nopts;
}

static uint64_t
m_op_timeout_ms(const struct winrmd_op *op)
{
	return op->timeout_ms;
}

static size_t
m_op_max_envelope(const struct winrmd_op *op)
{
	return op->max_envelope;
}

static const struct winrmd_principal *
m_op_principal(const struct winrmd_op *op)
{
	return &op->principal;
}

static const char *
m_op_client_ip(const struct winrmd_op *op)
{
	(void)op;
	return "127.0.0.1";
}

static xmlNodePtr
m_op_body(const struct winrmd_op *op)
{
	return op->body;
}

/* the daemon's reply envelope (daemon/soap.c) */
static xmlNodePtr
m_op_reply(struct winrmd_op *op, const char *action)
{
	static const struct { const char *prefix, *href; } decls[] = {
		{ "a", WINRMD_NS_WSA }, { "x", WINRMD_NS_WXF },
		{ "w", WINRMD_NS_WSMAN }, { "rsp", WINRMD_NS_SHELL },
		{ "p", WINRMD_NS_WSMV },
	};
	xmlNodePtr env, header;
	xmlNsPtr s, a = NULL;

	xmlFreeDoc(op->reply);
	free(op->reply_action);
	op->reply_action = strdup(action);
	op->reply = xmlNewDoc(BAD_CAST "1.0");
	env = xmlNewDocNode(op->reply, NULL, BAD_CAST "Envelope", NULL);
	xmlDocSetRootElement(op->reply, env);
	xmlNodeSetLang(env, BAD_CAST "en-US");
	s = xmlNewNs(env, BAD_CAST WINRMD_NS_SOAP, BAD_CAST "s");
	xmlSetNs(env, s);
	for (size_t i = 0; i < sizeof(decls) / sizeof(decls[0]); i++) {
		xmlNsPtr ns = xmlNewNs(env, BAD_CAST decls[i].href,
		    BAD_CAST decls[i].prefix);

		if (i == 0)
			a = ns;
	}
	header = xmlNewChild(env, s, BAD_CAST "Header", NULL);
	xmlNewTextChild(header, a, BAD_CAST "Action", BAD_CAST action);
	xmlNewTextChild(header, a, BAD_CAST "MessageID",
	    BAD_CAST "uuid:00000000-0000-0000-0000-000000000000");
	op->reply_body = xmlNewChild(env, s, BAD_CAST "Body", NULL);
	return op->reply_body;
}

static size_t
m_op_reply_size(struct winrmd_op *op)
{
	xmlBufferPtr buf;
	size_t n;

	if (op->reply == NULL)
		return 0;
	buf = xmlBufferCreate();
	xmlNodeDump(buf, op->reply, xmlDocGetRootElement(op->reply), 0, 0);
	n = (size_t)xmlBufferLength(buf);
	xmlBufferFree(buf);
	return n;
}

static int
m_op_fault(struct winrmd_op *op, enum winrmd_fault fault, const char *detail,
    const char *fmt, ...)
{
	va_list ap;

	op->fault = fault;
	snprintf(op->detail, sizeof(op->detail), "%s", detail ? detail : "");
	op->reason[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(op->reason, sizeof(op->reason), fmt, ap);
		va_end(ap);
	}
	return WINRMD_FAULT;
}

/*
 * The finished reply as a client reads it: serialised and parsed again, so
 * that what a plugin wrote as text (a "noenc" text node, written as it is)
 * is elements like the rest.
 */
static void
reply_settle(struct winrmd_op *op)
{
	xmlBufferPtr buf;
	xmlDocPtr doc;
	xmlNodePtr n;

	if (op->reply == NULL)
		return;
	buf = xmlBufferCreate();
	xmlNodeDump(buf, op->reply, xmlDocGetRootElement(op->reply), 0, 0);
	doc = xmlReadMemory((const char *)xmlBufferContent(buf),
	    xmlBufferLength(buf), NULL, NULL, XML_PARSE_NONET);
	xmlBufferFree(buf);
	if (doc == NULL)
		abort();	/* the plugin wrote text that is not XML */
	xmlFreeDoc(op->reply);
	op->reply = doc;
	op->reply_body = NULL;
	for (n = xmlDocGetRootElement(doc)->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)n->name, "Body") == 0)
			op->reply_body = n;
}

static void
m_op_complete(struct winrmd_op *op)
{
	if (op->completed)
		abort();	/* a second completion is a bug */
	op->completed = true;
	reply_settle(op);
}

char *
mock_reply_text(struct winrmd_op *op)
{
	xmlBufferPtr buf;
	char *s;

	if (op->reply == NULL)
		return NULL;
	buf = xmlBufferCreate();
	xmlNodeDump(buf, op->reply, xmlDocGetRootElement(op->reply), 0, 0);
	s = strdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	return s;
}

static xmlNodePtr
find_elem(xmlNodePtr n, const char *name, size_t *count)
{
	xmlNodePtr hit = NULL;

	for (; n != NULL; n = n->next) {
		xmlNodePtr sub;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, name) == 0) {
			if (hit == NULL)
				hit = n;
			(*count)++;
		}
		sub = find_elem(n->children, name, count);
		if (hit == NULL)
			hit = sub;
	}
	return hit;
}

char *
mock_reply_find(struct winrmd_op *op, const char *name)
{
	size_t count = 0;
	xmlNodePtr n;
	xmlChar *t;
	char *s;

	if (op->reply == NULL)
		return NULL;
	n = find_elem(xmlDocGetRootElement(op->reply), name, &count);
	if (n == NULL)
		return NULL;
	t = xmlNodeGetContent(n);
	s = strdup(t ? (const char *)t : "");
	xmlFree(t);
	return s;
}

size_t
mock_reply_count(struct winrmd_op *op, const char *name)
{
	size_t count = 0;

	if (op->reply != NULL)
		find_elem(xmlDocGetRootElement(op->reply), name, &count);
	return count;
}


/* ---------------------------------------------- a plugin under test */

int
mock_run(const struct winrmd_plugin *plug, void *state, struct winrmd_op *op)
{
	const struct winrmd_action *hit = NULL, *any = NULL;

	for (const struct winrmd_action *a = plug->resources[0].actions;
	    a->action != NULL; a++) {
		if (strcmp(a->action, WINRMD_ACTION_ANY) == 0)
			any = a;
		else if (strcmp(a->action, op->action) == 0)
			hit = a;
	}
	ck_assert_msg(hit != NULL || any != NULL, "%s: no action entry",
	    op->action);
	if (hit == NULL)
		hit = any;
	op->status = hit->fn(op, state);
	if (op->status != WINRMD_PENDING)
		reply_settle(op);
	return op->status;
}

int
mock_run_pass(const struct winrmd_plugin *plug, void *state,
    struct winrmd_op *op)
{
	if (mock_run(plug, state, op) == WINRMD_PENDING) {
		mock_advance(0);
		/* answered in the pass: as if it had returned its answer */
		if (op->completed)
			op->status = op->fault != WINRMD_FAULT_NONE ?
			    WINRMD_FAULT : WINRMD_OK;
	}
	return op->status;
}

struct winrmd_op *
mock_get_op(const char *uri, ...)
{
	struct winrmd_op *op = mock_op(WINRMD_ACTION_GET, uri, NULL);
	const char *name;
	va_list ap;

	va_start(ap, uri);
	while ((name = va_arg(ap, const char *)) != NULL)
		mock_op_selector(op, name, va_arg(ap, const char *));
	va_end(ap);
	return op;
}

/* an op of action whose body is printf-formatted */
static struct winrmd_op *
op_printf(const char *action, const char *uri, const char *fmt, ...)
{
	struct winrmd_op *op;
	va_list ap;
	char *body;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&body, fmt, ap);
	va_end(ap);
	ck_assert_int_ge(r, 0);
	op = mock_op(action, uri, body);
	free(body);
	return op;
}

struct winrmd_op *
mock_enum_op(const char *uri, const char *inner)
{
	return op_printf(WINRMD_ACTION_ENUMERATE, uri,
	    "<n:Enumerate>%s</n:Enumerate>", inner ? inner : "");
}

struct winrmd_op *
mock_pull_op(const char *uri, const char *ctx, int max)
{
	char maxel[64] = "";

	if (max > 0)
		snprintf(maxel, sizeof(maxel),
		    "<n:MaxElements>%d</n:MaxElements>", max);
	return op_printf(WINRMD_ACTION_PULL, uri, "<n:Pull>"
	    "<n:EnumerationContext>%s</n:EnumerationContext>%s</n:Pull>", ctx,
	    maxel);
}

struct winrmd_op *
mock_release_op(const char *uri, const char *ctx)
{
	return op_printf(WINRMD_ACTION_RELEASE, uri, "<n:Release>"
	    "<n:EnumerationContext>%s</n:EnumerationContext></n:Release>", ctx);
}

void
mock_plugin_stop(const struct winrmd_plugin *plug, void *state)
{
	enumeration_drop_all();
	plug->fini(state);
	ck_assert_uint_eq(enumeration_count(1000), 0);
	ck_assert_uint_eq(mock_timers(), 0);
	mock_reset();
}

static void
m_count(const char *what)
{
	(void)what;
}

/* ---------------------------------------------------------- the table */

const struct winrmd_host mock_host = {
	.abi = WINRMD_PLUGIN_ABI,
	.size = sizeof(struct winrmd_host),
	.log = m_log,
	.op_action = m_op_action,
	.op_resource_uri = m_op_resource_uri,
	.op_selector = m_op_selector,
	.op_selectors = m_op_selectors,
	.op_option = m_op_option,
	.op_options = m_op_options,
	.op_timeout_ms = m_op_timeout_ms,
	.op_max_envelope = m_op_max_envelope,
	.op_principal = m_op_principal,
	.op_client_ip = m_op_client_ip,
	.op_body = m_op_body,
	.op_reply = m_op_reply,
	.op_reply_size = m_op_reply_size,
	.op_fault = m_op_fault,
	.op_complete = m_op_complete,
	.watch_add = m_watch_add,
	.watch_set = m_watch_set,
	.watch_remove = m_watch_remove,
	.timer_start = m_timer_start,
	.timer_stop = m_timer_stop,
	.now_ms = m_now_ms,
	.spawn = m_spawn,
	.conf_str = m_conf_str,
	.conf_int = m_conf_int,
	.conf_bool = m_conf_bool,
	.count = m_count,
	.group_create = m_group_create,
	.group_destroy = m_group_destroy,
	.account_may_run = m_account_may_run,
	.spawn_detached = m_spawn_detached,
	.group_procs = m_group_procs,
	.group_mode = m_group_mode,
	.parse_duration = m_parse_duration,
	.session_open = m_session_open,
	.session_close = m_session_close,
	/* the daemon's own WS-Enumeration, on this host */
	.enum_begin = enumeration_begin,
	.enum_answer = enumeration_answer,
	.enum_abort = enumeration_abort,
	.enum_pull = enumeration_pull,
	.enum_release = enumeration_release,
	.epr_selector = enumeration_epr_selector,
};

void
mock_reset(void)
{
	sweep();
	for (struct winrmd_timer *t = timers; t != NULL; t = t->next)
		t->dead = true;
	sweep();
	ck_assert_msg(watches == NULL, "a watch outlived the test");
	ck_assert_msg(mock_sessions.open == 0, "a login session outlived the "
	    "test");
	memset(&mock_sessions, 0, sizeof(mock_sessions));
	mock_log_clear();
	mock_conf_clear();
	rec_clear();
	memset(&mock_spawned, 0, sizeof(mock_spawned));
	pthread_mutex_lock(&post_lock);
	while (posts != NULL) {
		struct posted *p = posts;

		posts = p->next;
		free(p);
	}
	if (post_pipe[0] >= 0) {
		close(post_pipe[0]);
		close(post_pipe[1]);
		post_pipe[0] = post_pipe[1] = -1;
	}
	pthread_mutex_unlock(&post_lock);
}
