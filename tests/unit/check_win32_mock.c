/*
 * check_win32_mock.c: the cim plugin and the daemon as far as the win32
 * provider sees them (check_win32_mock.h): recorded instances, a poll(2)
 * loop for watches, timers and post(), a kept log, and a forking spawn.
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

#include "check_win32_mock.h"

struct mock_spawn_rec mock_spawned;

static const struct cim_provider *provider;
static void *provider_state;

/* ------------------------------------------------------------ log */

static char *log_text;
static size_t log_len;

static void
m_log(int level, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (getenv("MOCK_LOG") != NULL)
		fprintf(stderr, "log<%d>: %s\n", level, line);
	log_text = realloc(log_text, log_len + (size_t)n + 2);
	ck_assert_ptr_nonnull(log_text);
	memcpy(log_text + log_len, line, (size_t)n);
	log_len += (size_t)n;
	log_text[log_len++] = '\n';
	log_text[log_len] = '\0';
}

bool
mock_log_contains(const char *text)
{
	return log_text != NULL && strstr(log_text, text) != NULL;
}

int
mock_log_count(const char *text)
{
	int n = 0;

	for (const char *p = log_text; p != NULL &&
	    (p = strstr(p, text)) != NULL; p += strlen(text))
		n++;
	return n;
}

void
mock_log_clear(void)
{
	free(log_text);
	log_text = NULL;
	log_len = 0;
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

static uint64_t
m_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
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
	t->due = m_now_ms() + ms;
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

static int
m_post(const struct cim_services *svc, void (*fn)(void *), void *arg)
{
	struct posted *p = calloc(1, sizeof(*p));
	char c = 1;

	(void)svc;
	if (p == NULL)
		return -ENOMEM;
	p->fn = fn;
	p->arg = arg;
	pthread_mutex_lock(&post_lock);
	p->next = posts;
	posts = p;
	pthread_mutex_unlock(&post_lock);
	if (write(post_pipe[1], &c, 1) < 0)
		return -errno;
	return 0;
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

/* one round: due timers, then ready fds, then posts */
static void
loop_once(int max_ms)
{
	struct pollfd pfd[256];
	struct winrmd_watch *ws[256];
	uint64_t now = m_now_ms();
	int n = 0, timeout = max_ms;

	for (struct winrmd_timer *t = timers; t != NULL; t = t->next)
		if (!t->dead && t->due <= now) {
			t->dead = true;
			t->fn(t->arg);
		}
	sweep();
	now = m_now_ms();
	for (struct winrmd_timer *t = timers; t != NULL; t = t->next)
		if (!t->dead && (int)(t->due - now) < timeout)
			timeout = t->due > now ? (int)(t->due - now) : 0;
	pfd[n].fd = post_pipe[0];
	pfd[n].events = POLLIN;
	ws[n++] = NULL;
	for (struct winrmd_watch *w = watches; w != NULL && n < 256; w = w->next)
		if (!w->dead) {
			pfd[n].fd = w->fd;
			pfd[n].events = (short)(w->events & (POLLIN | POLLOUT));
			ws[n++] = w;
		}
	if (poll(pfd, (nfds_t)n, timeout) <= 0)
		return;
	for (int i = 1; i < n; i++)
		if (pfd[i].revents != 0 && !ws[i]->dead)
			ws[i]->fn(ws[i]->fd, (uint32_t)pfd[i].revents, ws[i]->arg);
	if (pfd[0].revents & POLLIN) {
		char buf[64];
		struct posted *list;

		if (read(post_pipe[0], buf, sizeof(buf)) < 0) {
			/* nothing */
		}
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
	sweep();
}

bool
mock_loop_until(bool (*done)(void *), void *arg, int timeout_ms)
{
	uint64_t end = m_now_ms() + (uint64_t)timeout_ms;

	while (!done(arg)) {
		uint64_t now = m_now_ms();

		if (now >= end)
			return false;
		loop_once((int)(end - now) < 100 ? (int)(end - now) : 100);
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

static int
spawn_impl(const struct winrmd_spawn_req *req, bool detach,
    struct winrmd_child *ret)
{
	const struct winrmd_principal *u = req->user;
	int in[2], out[2], err[2] = { -1, -1 }, st[2], report[2], pidfd = -1;
	pid_t detached = 0;
	char *path, *env[] = { (char *)"PATH=/usr/local/bin:/usr/bin:/bin",
	    (char *)"LANG=C.UTF-8", NULL };
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
		    (setgroups(0, NULL) < 0 || setresgid(u->gid, u->gid, u->gid) < 0 ||
		    setresuid(u->uid, u->uid, u->uid) < 0))
			goto fail;
		if (chdir(cwd) < 0 && (req->cwd != NULL || chdir("/") < 0))
			goto fail;
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 ||
		    dup2(err[1] >= 0 ? err[1] : out[1], 2) < 0)
			goto fail;
		syscall(SYS_close_range, 3U, ~0U, 4U);
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

static struct {
	const char	*section, *key;
	long long	 value;
} conf_ints[8];

void
mock_conf_int(const char *section, const char *key, long long value)
{
	size_t i;

	for (i = 0; i < 8 && conf_ints[i].key != NULL; i++)
		if (strcmp(conf_ints[i].section, section) == 0 &&
		    strcmp(conf_ints[i].key, key) == 0)
			break;
	ck_assert_uint_lt(i, 8);
	conf_ints[i].section = section;
	conf_ints[i].key = key;
	conf_ints[i].value = value;
}

static const char *
m_conf_str(const char *section, const char *key)
{
	(void)section;
	(void)key;
	return NULL;
}

static long long
m_conf_int(const char *section, const char *key)
{
	for (size_t i = 0; i < 8 && conf_ints[i].key != NULL; i++)
		if (strcmp(conf_ints[i].section, section) == 0 &&
		    strcmp(conf_ints[i].key, key) == 0)
			return conf_ints[i].value;
	return -1;
}

static bool
m_conf_bool(const char *section, const char *key)
{
	(void)section;
	(void)key;
	return false;
}

static void
m_count(const char *what)
{
	(void)what;
}

const struct winrmd_host mock_host = {
	.abi = WINRMD_PLUGIN_ABI,
	.size = sizeof(struct winrmd_host),
	.log = m_log,
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
};

/* ------------------------------------------------------------ services */

/* cheap checks: ck_assert on every value would cost more than the provider */
#define MOCK_CHECK(cond, ...)						\
	do {								\
		if (!(cond))						\
			ck_abort_msg(__VA_ARGS__);			\
	} while (0)


static struct cim_instance *
inst_new(struct cim_ctx *ctx, const struct cim_property *props, size_t n)
{
	struct cim_instance *i = calloc(1, sizeof(*i));

	MOCK_CHECK(i != NULL, "out of memory");
	i->props = props;
	i->nprops = n;
	i->v = calloc(n ? n : 1, sizeof(*i->v));
	MOCK_CHECK(i->v != NULL, "out of memory");
	i->next = ctx->all;
	ctx->all = i;
	return i;
}

static void
value_clear(struct mock_value *v)
{
	free(v->str);
	for (size_t k = 0; k < v->n && v->strs != NULL; k++)
		free(v->strs[k]);
	free(v->strs);
	free(v->uints);
	free(v->sints);
	memset(v, 0, sizeof(*v));
}

static bool
is_unsigned(enum cim_type t)
{
	return t == CIM_UINT8 || t == CIM_UINT16 || t == CIM_UINT32 ||
	    t == CIM_UINT64;
}

static bool
is_signed(enum cim_type t)
{
	return t == CIM_SINT8 || t == CIM_SINT16 || t == CIM_SINT32 ||
	    t == CIM_SINT64;
}

static struct mock_value *
slot(struct cim_instance *i, size_t prop, enum cim_type want, bool array)
{
	enum cim_type t;

	MOCK_CHECK(prop < i->nprops, "property index %zu of %zu", prop,
	    i->nprops);
	t = i->props[prop].type;
	/* integers may be set with the setter of their sign */
	if (want == CIM_UINT64)
		MOCK_CHECK(is_unsigned(t), "%s is not unsigned",
		    i->props[prop].name);
	else if (want == CIM_SINT64)
		MOCK_CHECK(is_signed(t), "%s is not signed", i->props[prop].name);
	else
		MOCK_CHECK(t == want, "%s has type %d, set as %d",
		    i->props[prop].name, t, want);
	MOCK_CHECK(((i->props[prop].flags & CIM_ARRAY) != 0) == array,
	    "%s: array mismatch", i->props[prop].name);
	return &i->v[prop];
}

static void
check_range(const struct cim_instance *i, size_t prop, uint64_t v)
{
	uint64_t max = UINT64_MAX;

	switch (i->props[prop].type) {
	case CIM_UINT8: max = UINT8_MAX; break;
	case CIM_UINT16: max = UINT16_MAX; break;
	case CIM_UINT32: max = UINT32_MAX; break;
	default: break;
	}
	MOCK_CHECK(v <= max, "%s = %llu out of range", i->props[prop].name,
	    (unsigned long long)v);
}

static const struct winrmd_principal *
s_principal(const struct cim_ctx *ctx)
{
	return ctx->principal;
}

static const struct cim_class *
s_class_of(const struct cim_ctx *ctx)
{
	return ctx->cls;
}

static struct cim_instance *
s_instance(struct cim_ctx *ctx)
{
	return inst_new(ctx, ctx->cls->props, ctx->cls->nprops);
}

static bool
s_emit(struct cim_ctx *ctx, struct cim_instance *i)
{
	MOCK_CHECK(!ctx->completed, "emit after complete");
	if (ctx->nemitted == ctx->cap) {
		ctx->cap = ctx->cap ? 2 * ctx->cap : 64;
		ctx->emitted = realloc(ctx->emitted, ctx->cap * sizeof(*ctx->emitted));
		MOCK_CHECK(ctx->emitted != NULL, "out of memory");
	}
	/* every key is set */
	for (size_t k = 0; k < i->nprops; k++)
		if (i->props[k].flags & CIM_KEY)
			MOCK_CHECK(i->v[k].set, "key %s not set",
			    i->props[k].name);
	ctx->emitted[ctx->nemitted++] = i;
	return ctx->stop_after == 0 || ctx->nemitted < ctx->stop_after;
}

static void
s_complete(struct cim_ctx *ctx)
{
	ck_assert_msg(!ctx->completed, "completed twice");
	ck_assert_msg(ctx->status == CIM_PENDING, "complete() of a call that "
	    "returned %d", ctx->status);
	ctx->completed = true;
}

static int
s_fail(struct cim_ctx *ctx, enum winrmd_fault fault, const char *fmt, ...)
{
	va_list ap;

	ctx->failed = true;
	ctx->fault = fault;
	va_start(ap, fmt);
	vsnprintf(ctx->message, sizeof(ctx->message), fmt, ap);
	va_end(ap);
	return CIM_ERROR;
}

static void
s_set_return(struct cim_instance *out, uint32_t value)
{
	out->has_return = true;
	out->ret = value;
}

static void
s_set_bool(struct cim_instance *i, size_t prop, bool v)
{
	struct mock_value *m = slot(i, prop, CIM_BOOLEAN, false);

	value_clear(m);
	m->set = true;
	m->b = v;
}

static void
s_set_sint(struct cim_instance *i, size_t prop, int64_t v)
{
	struct mock_value *m = slot(i, prop, CIM_SINT64, false);

	value_clear(m);
	m->set = true;
	m->s = v;
}

static void
s_set_uint(struct cim_instance *i, size_t prop, uint64_t v)
{
	struct mock_value *m = slot(i, prop, CIM_UINT64, false);

	check_range(i, prop, v);
	value_clear(m);
	m->set = true;
	m->u = v;
}

static void
s_set_real(struct cim_instance *i, size_t prop, double v)
{
	struct mock_value *m = &i->v[prop];

	value_clear(m);
	m->set = true;
	m->d = v;
}

static void
s_set_string(struct cim_instance *i, size_t prop, const char *v)
{
	struct mock_value *m = slot(i, prop, CIM_STRING, false);

	value_clear(m);
	if (v == NULL)
		return;
	m->set = true;
	m->str = strdup(v);
	MOCK_CHECK(m->str != NULL, "out of memory");
}

static void
s_set_datetime(struct cim_instance *i, size_t prop, time_t sec, long usec)
{
	struct mock_value *m = slot(i, prop, CIM_DATETIME, false);

	MOCK_CHECK(usec >= 0 && usec < 1000000, "usec %ld", usec);
	value_clear(m);
	m->set = true;
	m->sec = sec;
	m->usec = usec;
}

static void
s_set_interval(struct cim_instance *i, size_t prop, uint64_t usec)
{
	struct mock_value *m = slot(i, prop, CIM_INTERVAL, false);

	value_clear(m);
	m->set = true;
	m->interval = usec;
}

static void
s_add_string(struct cim_instance *i, size_t prop, const char *v)
{
	struct mock_value *m = slot(i, prop, CIM_STRING, true);

	ck_assert_ptr_nonnull(v);
	m->set = true;
	m->strs = realloc(m->strs, (m->n + 1) * sizeof(char *));
	ck_assert_ptr_nonnull(m->strs);
	m->strs[m->n++] = strdup(v);
}

static void
s_add_uint(struct cim_instance *i, size_t prop, uint64_t v)
{
	struct mock_value *m = slot(i, prop, CIM_UINT64, true);

	m->set = true;
	m->uints = realloc(m->uints, (m->n + 1) * sizeof(uint64_t));
	ck_assert_ptr_nonnull(m->uints);
	m->uints[m->n++] = v;
}

static void
s_add_sint(struct cim_instance *i, size_t prop, int64_t v)
{
	struct mock_value *m = slot(i, prop, CIM_SINT64, true);

	m->set = true;
	m->sints = realloc(m->sints, (m->n + 1) * sizeof(int64_t));
	ck_assert_ptr_nonnull(m->sints);
	m->sints[m->n++] = v;
}

static bool
s_is_null(const struct cim_instance *i, size_t prop)
{
	return prop >= i->nprops || !i->v[prop].set;
}

static const char *
s_get_string(const struct cim_instance *i, size_t prop)
{
	return prop < i->nprops && i->v[prop].set ? i->v[prop].str : NULL;
}

static bool
s_get_uint(const struct cim_instance *i, size_t prop, uint64_t *ret)
{
	if (prop >= i->nprops || !i->v[prop].set)
		return false;
	*ret = i->v[prop].u;
	return true;
}

static bool
s_get_sint(const struct cim_instance *i, size_t prop, int64_t *ret)
{
	if (prop >= i->nprops || !i->v[prop].set)
		return false;
	*ret = i->v[prop].s;
	return true;
}

static bool
s_get_bool(const struct cim_instance *i, size_t prop, bool *ret)
{
	if (prop >= i->nprops || !i->v[prop].set)
		return false;
	*ret = i->v[prop].b;
	return true;
}

const struct cim_services mock_svc = {
	.abi = WINRMD_PROVIDER_ABI,
	.size = sizeof(struct cim_services),
	.host = &mock_host,
	.principal = s_principal,
	.class_of = s_class_of,
	.instance = s_instance,
	.emit = s_emit,
	.complete = s_complete,
	.fail = s_fail,
	.set_return = s_set_return,
	.set_bool = s_set_bool,
	.set_sint = s_set_sint,
	.set_uint = s_set_uint,
	.set_real = s_set_real,
	.set_string = s_set_string,
	.set_datetime = s_set_datetime,
	.set_interval = s_set_interval,
	.add_string = s_add_string,
	.add_uint = s_add_uint,
	.add_sint = s_add_sint,
	.is_null = s_is_null,
	.get_string = s_get_string,
	.get_uint = s_get_uint,
	.get_sint = s_get_sint,
	.get_bool = s_get_bool,
	.post = m_post,
};

/* ------------------------------------------------------------ calls */

void
mock_start(void)
{
	provider = winrmd_provider_entry();
	ck_assert_ptr_nonnull(provider);
	ck_assert_uint_eq(provider->abi, WINRMD_PROVIDER_ABI);
	ck_assert_uint_eq(provider->size, sizeof(struct cim_provider));
	if (post_pipe[0] < 0)
		ck_assert_int_eq(pipe2(post_pipe, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(provider->init(&mock_svc, &provider_state), 0);
}

void
mock_stop(void)
{
	provider->fini(provider_state);
	sweep();
	for (struct winrmd_timer *t = timers; t != NULL; t = t->next)
		t->dead = true;
	sweep();
	ck_assert_msg(watches == NULL, "a watch outlived fini");
	mock_log_clear();
	rec_clear();
	memset(&mock_spawned, 0, sizeof(mock_spawned));
	memset(conf_ints, 0, sizeof(conf_ints));
	if (post_pipe[0] >= 0) {
		close(post_pipe[0]);
		close(post_pipe[1]);
		post_pipe[0] = post_pipe[1] = -1;
	}
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

const struct cim_class *
mock_class(const char *name)
{
	for (size_t i = 0; provider->classes[i] != NULL; i++)
		if (strcasecmp(provider->classes[i]->name, name) == 0)
			return provider->classes[i];
	ck_abort_msg("no class %s", name);
	return NULL;
}

static struct cim_ctx *
ctx_new(const char *cls, const struct winrmd_principal *p)
{
	struct cim_ctx *ctx = calloc(1, sizeof(*ctx));

	ck_assert_ptr_nonnull(ctx);
	ctx->cls = mock_class(cls);
	ctx->principal = p;
	return ctx;
}

static bool
ctx_done(void *arg)
{
	return ((struct cim_ctx *)arg)->completed;
}

static void
ctx_finish(struct cim_ctx *ctx)
{
	ck_assert_msg(ctx->status == CIM_OK || ctx->status == CIM_PENDING ||
	    ctx->status == CIM_ERROR, "status %d", ctx->status);
	if (ctx->status == CIM_ERROR)
		ck_assert_msg(ctx->failed, "CIM_ERROR without svc->fail()");
	if (ctx->status == CIM_PENDING)
		ck_assert_msg(mock_loop_until(ctx_done, ctx, 30000),
		    "the call did not complete");
}

struct cim_ctx *
mock_enumerate(const char *cls, const struct winrmd_principal *p)
{
	struct cim_ctx *ctx = ctx_new(cls, p);

	ctx->status = ctx->cls->enumerate(ctx, provider_state);
	ctx_finish(ctx);
	return ctx;
}

static size_t
prop_index(const struct cim_property *props, size_t n, const char *name)
{
	for (size_t k = 0; k < n; k++)
		if (strcmp(props[k].name, name) == 0)
			return k;
	ck_abort_msg("no property %s", name);
	return 0;
}

static void
set_text(struct cim_instance *i, size_t k, const char *text)
{
	switch (i->props[k].type) {
	case CIM_STRING:
		s_set_string(i, k, text);
		break;
	case CIM_BOOLEAN:
		s_set_bool(i, k, strcmp(text, "true") == 0);
		break;
	default:
		s_set_uint(i, k, strtoull(text, NULL, 10));
		break;
	}
}

struct cim_ctx *
mock_get(const char *cls, const char *key, const char *value,
    const struct winrmd_principal *p)
{
	struct cim_ctx *ctx = ctx_new(cls, p);
	struct cim_instance *keys = inst_new(ctx, ctx->cls->props,
	    ctx->cls->nprops);

	set_text(keys, prop_index(keys->props, keys->nprops, key), value);
	ck_assert_ptr_nonnull(ctx->cls->get);
	ctx->status = ctx->cls->get(ctx, keys, provider_state);
	ctx_finish(ctx);
	return ctx;
}

struct cim_ctx *
mock_invoke(const char *cls, const char *method, const char *key,
    const char *value, const struct winrmd_principal *p, ...)
{
	struct cim_ctx *ctx = ctx_new(cls, p);
	const struct cim_method *m = NULL;
	struct cim_instance *target = NULL, *in;
	const char *name;
	va_list ap;

	for (size_t k = 0; k < ctx->cls->nmethods; k++)
		if (strcmp(ctx->cls->methods[k].name, method) == 0)
			m = &ctx->cls->methods[k];
	ck_assert_msg(m != NULL, "no method %s.%s", cls, method);
	if (key != NULL) {
		target = inst_new(ctx, ctx->cls->props, ctx->cls->nprops);
		set_text(target, prop_index(target->props, target->nprops, key),
		    value);
	}
	in = inst_new(ctx, m->in, m->nin);
	ctx->out = inst_new(ctx, m->out, m->nout);
	va_start(ap, p);
	while ((name = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);

		set_text(in, prop_index(m->in, m->nin, name), v);
	}
	va_end(ap);
	ctx->status = m->invoke(ctx, target, in, ctx->out, provider_state);
	ctx_finish(ctx);
	if (!ctx->failed)
		ck_assert_msg(ctx->out->has_return, "%s.%s set no ReturnValue",
		    cls, method);
	return ctx;
}

void
mock_ctx_free(struct cim_ctx *ctx)
{
	if (ctx == NULL)
		return;
	while (ctx->all != NULL) {
		struct cim_instance *i = ctx->all;

		ctx->all = i->next;
		for (size_t k = 0; k < i->nprops; k++)
			value_clear(&i->v[k]);
		free(i->v);
		free(i);
	}
	free(ctx->emitted);
	free(ctx);
}

/* ------------------------------------------------------------ reading */

struct cim_instance *
mock_find(struct cim_ctx *ctx, const char *prop, const char *value)
{
	for (size_t n = 0; n < ctx->nemitted; n++) {
		const char *s = mock_str(ctx->emitted[n], prop);

		if (s != NULL && strcmp(s, value) == 0)
			return ctx->emitted[n];
	}
	return NULL;
}

const struct mock_value *
mock_value(const struct cim_instance *i, const char *prop)
{
	return &i->v[prop_index(i->props, i->nprops, prop)];
}

const char *
mock_str(const struct cim_instance *i, const char *prop)
{
	const struct mock_value *v = mock_value(i, prop);

	return v->set ? v->str : NULL;
}

bool
mock_uint(const struct cim_instance *i, const char *prop, uint64_t *ret)
{
	const struct mock_value *v = mock_value(i, prop);

	if (!v->set)
		return false;
	*ret = v->u;
	return true;
}

bool
mock_is_null(const struct cim_instance *i, const char *prop)
{
	return !mock_value(i, prop)->set;
}
