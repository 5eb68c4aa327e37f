/*
 * ps_cim.c: Get-CimInstance and Get-WmiObject (psobject.h): the class's
 * instances from the CIM providers the daemon's cim plugin serves,
 * loaded here, in the user's process, through their own ABI
 * (winrmd/provider.h), so every instance is read with the user's rights.
 * This file is the providers' host for one enumeration: the services
 * table (instances, typed values), the daemon services a provider uses
 * while enumerating (log, settings, a poll(2) loop for its watches,
 * timers and posts), and nothing that starts or signals processes (a
 * provider asking for that is refused).  Each instance becomes a
 * CimInstance object (TN Microsoft.Management.Infrastructure.CimInstance#
 * namespace/class) or, for Get-WmiObject, a ManagementObject, with the
 * class's properties; -Filter takes WQL's simple comparisons joined with
 * AND.  Which providers: [CIM] Providers and ProviderDirectory, as the
 * daemon passes them (WINRMD_PSRP_CIM_PROVIDERS, WINRMD_PSRP_CIM_DIR),
 * else the compiled-in defaults.
 */
#define _GNU_SOURCE

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <pwd.h>

#include <winrmd/provider.h>

#include "cim_value.h"
#include "native.h"
#include "psobject.h"
#include "psrp_msgs.h"

#define MAX_WATCHES	64
#define MAX_TIMERS	64
#define CIM_WAIT_MS	30000

/* ------------------------------------------------------------ instances */

/*
 * Instances, and the providers' setters and getters, are the cim plugin's
 * (cim_value.h): one mapping of a provider's values to a property's type.
 * An instance becomes an object's properties at emit (value_of).
 */
struct cim_ctx {
	const struct cim_class	*cls;
	const char		*cmdlet;
	bool			 wmi;
	bool			 done;
	bool			 failed;
	char			 why[512];
	struct ps_objs		*out;
	const char		*filter;
	struct winrmd_principal	 me;
};

static struct winrmd_host host_table;

static struct cim_instance *
s_instance(struct cim_ctx *ctx)
{
	struct cim_instance *i = inst_new(ctx->cls->props, ctx->cls->nprops);

	if (i == NULL)
		die_nomem();
	i->host = &host_table;	/* a provider's misuse is logged */
	return i;
}

/* one value of CIM type t as PowerShell's object has it */
static struct clixml_value *
scalar_of(enum cim_type t, const union cim_scalar *v)
{
	switch (t) {
	case CIM_BOOLEAN: return clixml_new_bool(v->b);
	case CIM_SINT8: return clixml_new_int(CLIXML_I8, v->s);
	case CIM_UINT8: return clixml_new_uint(CLIXML_U8, v->u);
	case CIM_SINT16: return clixml_new_int(CLIXML_I16, v->s);
	case CIM_UINT16: return clixml_new_uint(CLIXML_U16, v->u);
	case CIM_SINT32: return clixml_new_int(CLIXML_I32, v->s);
	case CIM_UINT32: return clixml_new_uint(CLIXML_U32, v->u);
	case CIM_SINT64: return clixml_new_int(CLIXML_I64, v->s);
	case CIM_UINT64: return clixml_new_uint(CLIXML_U64, v->u);
	case CIM_REAL32: return clixml_new_double(CLIXML_FLOAT, v->r);
	case CIM_REAL64: return clixml_new_double(CLIXML_DOUBLE, v->r);
	case CIM_CHAR16: return clixml_new_char((uint16_t)v->u);
	case CIM_STRING: return ps_str(v->str);
	case CIM_DATETIME: return ps_time(v->dt.sec, (long)v->dt.usec * 1000);
	case CIM_INTERVAL: return clixml_new_duration((int64_t)(v->u * 10));
	}
	return clixml_new_nil();
}

/* property k of i: its value, an array as a list, or Nil */
static struct clixml_value *
value_of(const struct cim_instance *i, size_t k)
{
	static const char *const tn[] = { "System.Object[]", "System.Array",
	    "System.Object", NULL };
	enum cim_type t = i->props[k].type;
	const struct cim_val *v = &i->vals[k];
	struct clixml_value *l;

	if ((i->props[k].flags & CIM_ARRAY) == 0)
		return v->set ? scalar_of(t, &v->v) : clixml_new_nil();
	if (v->n == 0)
		return clixml_new_nil();
	l = clixml_new_obj(tn, CLIXML_COLL_LST);
	for (uint32_t n = 0; n < v->n; n++)
		clixml_list_add(l, scalar_of(t, &v->a[n]));
	return l;
}

/* ------------------------------------------------------------ -Filter */

/* WQL LIKE's % and _ as fnmatch's * and ? */
static char *
like_pattern(const char *s)
{
	char *p = xmalloc(strlen(s) * 2 + 1), *o = p;

	for (; *s != '\0'; s++) {
		if (*s == '%')
			*o++ = '*';
		else if (*s == '_')
			*o++ = '?';
		else if (*s == '*' || *s == '?' || *s == '[' || *s == '\\') {
			*o++ = '\\';
			*o++ = *s;
		} else
			*o++ = *s;
	}
	*o = '\0';
	return p;
}

/*
 * one comparison "Name op value" against obj: 1 true, 0 false, -1 not
 * understood
 */
static int
wql_one(const struct clixml_value *obj, const char *c)
{
	char name[128], op[8], val[1024], *t;
	const struct clixml_value *m;
	const char *s = c;
	size_t n;
	int r;

	while (isspace((unsigned char)*s))
		s++;
	for (n = 0; (isalnum((unsigned char)*s) || *s == '_') &&
	    n < sizeof(name) - 1; s++)
		name[n++] = *s;
	name[n] = '\0';
	while (isspace((unsigned char)*s))
		s++;
	if (strncasecmp(s, "LIKE", 4) == 0 && isspace((unsigned char)s[4])) {
		strcpy(op, "like");
		s += 4;
	} else {
		for (n = 0; *s != '\0' && strchr("=<>!", *s) != NULL &&
		    n < sizeof(op) - 1; s++)
			op[n++] = *s;
		op[n] = '\0';
	}
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\'' || *s == '"') {
		char q = *s++;
		const char *e = strchr(s, q);

		if (e == NULL || (size_t)(e - s) >= sizeof(val))
			return -1;
		memcpy(val, s, (size_t)(e - s));
		val[e - s] = '\0';
		s = e + 1;
	} else {
		for (n = 0; *s != '\0' && !isspace((unsigned char)*s) &&
		    n < sizeof(val) - 1; s++)
			val[n++] = *s;
		val[n] = '\0';
	}
	while (isspace((unsigned char)*s))
		s++;
	if (name[0] == '\0' || op[0] == '\0' || *s != '\0')
		return -1;
	if ((m = clixml_member(obj, name)) == NULL)
		return -1;
	t = ps_text(m);
	if (strcmp(op, "like") == 0) {
		char *p = like_pattern(val);

		r = fnmatch(p, t, FNM_CASEFOLD) == 0;
		free(p);
	} else {
		char *end;
		double a = strtod(t, &end), b;
		bool num = *t != '\0' && *end == '\0';
		int cmp;

		b = strtod(val, &end);
		num = num && *val != '\0' && *end == '\0';
		cmp = num ? (a < b ? -1 : a > b) : strcasecmp(t, val);
		if (strcmp(op, "=") == 0)
			r = cmp == 0;
		else if (strcmp(op, "<>") == 0 || strcmp(op, "!=") == 0)
			r = cmp != 0;
		else if (strcmp(op, "<") == 0)
			r = cmp < 0;
		else if (strcmp(op, ">") == 0)
			r = cmp > 0;
		else if (strcmp(op, "<=") == 0)
			r = cmp <= 0;
		else if (strcmp(op, ">=") == 0)
			r = cmp >= 0;
		else
			r = -1;
	}
	free(t);
	return r;
}

/* comparisons joined with AND: 1, 0, or -1 when not understood */
static int
wql_match(const struct clixml_value *obj, const char *filter)
{
	char *f = xstrdup(filter), *p = f;
	int r = 1;

	while (r == 1) {
		char *and = strcasestr(p, " AND ");

		if (and != NULL)
			*and = '\0';
		r = wql_one(obj, p);
		if (and == NULL)
			break;
		p = and + 5;
	}
	free(f);
	return r;
}

/* ------------------------------------------------------------ objects */

static bool
s_emit(struct cim_ctx *ctx, struct cim_instance *inst)
{
	const struct cim_class *c = ctx->cls;
	struct clixml_value **vals = calloc(c->nprops ? c->nprops : 1,
	    sizeof(*vals));
	char t0[512], ts[1024] = "";
	const char *wmi_types[] = { t0, "System.Management.ManagementObject",
	    "System.Management.ManagementBaseObject",
	    "System.ComponentModel.Component", "System.MarshalByRefObject",
	    "System.Object", NULL };
	const char *cim_types[] = { t0,
	    "Microsoft.Management.Infrastructure.CimInstance",
	    "System.Object", NULL };
	struct clixml_value *o;
	size_t tl;

	if (vals == NULL)
		die_nomem();
	if (ctx->wmi) {
		char ns[256];

		snprintf(ns, sizeof(ns), "%s", c->ns);
		for (char *p = ns; *p != '\0'; p++)
			if (*p == '/')
				*p = '\\';
		snprintf(t0, sizeof(t0), "System.Management.ManagementObject#%s\\%s",
		    ns, c->name);
	} else
		snprintf(t0, sizeof(t0),
		    "Microsoft.Management.Infrastructure.CimInstance#%s/%s",
		    c->ns, c->name);
	/* ToString: the class and its keys, as CimInstance's */
	snprintf(ts, sizeof(ts), "%s", c->name);
	for (size_t k = 0; k < c->nprops; k++)
		vals[k] = value_of(inst, k);
	for (size_t k = 0; k < c->nprops; k++)
		if ((c->props[k].flags & CIM_KEY) && !clixml_is_nil(vals[k])) {
			char *v = ps_text(vals[k]);

			tl = strlen(ts);
			snprintf(ts + tl, sizeof(ts) - tl, "%s%s = \"%s\"",
			    strchr(ts, '(') == NULL ? " (" : ", ",
			    c->props[k].name, v);
			free(v);
		}
	if (strchr(ts, '(') != NULL) {
		tl = strlen(ts);
		snprintf(ts + tl, sizeof(ts) - tl, ")");
	}
	o = ps_obj(ctx->wmi ? wmi_types : cim_types, ts);
	for (size_t k = 0; k < c->nprops; k++)
		clixml_obj_add_prop(o, c->props[k].name, vals[k]);
	free(vals);
	if (ctx->wmi) {
		clixml_obj_add_ms(o, "__CLASS", clixml_new_string(c->name));
		clixml_obj_add_ms(o, "__NAMESPACE", clixml_new_string(c->ns));
	}
	clixml_obj_add_ms(o, "PSComputerName", clixml_new_nil());
	inst_free(inst);
	if (ctx->filter != NULL) {
		int r = wql_match(o, ctx->filter);

		if (r < 0 && !ctx->failed) {
			ctx->failed = true;
			snprintf(ctx->why, sizeof(ctx->why), "Invalid query: "
			    "the filter \"%s\" is not understood (comparisons "
			    "of properties joined with AND are)", ctx->filter);
		}
		if (r != 1) {
			clixml_unref(o);
			return r >= 0;
		}
	}
	ps_objs_add(ctx->out, o);
	return true;
}

static const struct winrmd_principal *
s_principal(const struct cim_ctx *ctx)
{
	return &ctx->me;
}

static const struct cim_class *
s_class_of(const struct cim_ctx *ctx)
{
	return ctx->cls;
}

static void
s_complete(struct cim_ctx *ctx)
{
	ctx->done = true;
}

static int
s_fail(struct cim_ctx *ctx, enum winrmd_fault fault, const char *fmt, ...)
{
	va_list ap;

	(void)fault;
	va_start(ap, fmt);
	vsnprintf(ctx->why, sizeof(ctx->why), fmt, ap);
	va_end(ap);
	ctx->failed = true;
	ctx->done = true;
	return CIM_ERROR;
}

/* ------------------------------------------------------------ the loop */

struct winrmd_watch {
	int		 fd;
	uint32_t	 events;
	winrmd_io_fn	 fn;
	void		*arg;
	bool		 used;
};

struct winrmd_timer {
	uint64_t	 at;
	winrmd_timer_fn	 fn;
	void		*arg;
	bool		 used;
};

struct posted {
	struct posted	*next;
	void		(*fn)(void *);
	void		*arg;
};

static struct winrmd_watch watches[MAX_WATCHES];
static struct winrmd_timer timers[MAX_TIMERS];
static pthread_mutex_t post_lock = PTHREAD_MUTEX_INITIALIZER;
static struct posted *posts;
static int post_pipe[2] = { -1, -1 };

static uint64_t
h_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
h_log(int level, const char *fmt, ...)
{
	/* a provider's own log lines are the daemon's business: only what
	 * would be an error there reaches the user's error stream */
	(void)level;
	(void)fmt;
}

static struct winrmd_watch *
h_watch_add(int fd, uint32_t events, winrmd_io_fn fn, void *arg)
{
	for (size_t i = 0; i < MAX_WATCHES; i++)
		if (!watches[i].used) {
			watches[i] = (struct winrmd_watch){ fd, events, fn, arg,
			    true };
			return &watches[i];
		}
	return NULL;
}

static int
h_watch_set(struct winrmd_watch *w, uint32_t events)
{
	w->events = events;
	return 0;
}

static void
h_watch_remove(struct winrmd_watch *w)
{
	if (w != NULL)
		w->used = false;
}

static struct winrmd_timer *
h_timer_start(uint64_t ms, winrmd_timer_fn fn, void *arg)
{
	for (size_t i = 0; i < MAX_TIMERS; i++)
		if (!timers[i].used) {
			timers[i] = (struct winrmd_timer){ h_now_ms() + ms, fn,
			    arg, true };
			return &timers[i];
		}
	return NULL;
}

static void
h_timer_stop(struct winrmd_timer *t)
{
	if (t != NULL)
		t->used = false;
}

static const char *
h_conf_str(const char *section, const char *key)
{
	(void)section;
	(void)key;
	return NULL;
}

static long long
h_conf_int(const char *section, const char *key)
{
	(void)section;
	(void)key;
	return -1;
}

static bool
h_conf_bool(const char *section, const char *key)
{
	(void)section;
	(void)key;
	return false;
}

static int
h_spawn(const struct winrmd_spawn_req *req, struct winrmd_child *ret)
{
	(void)req;
	(void)ret;
	return -EPERM;	/* nothing is started on the user's behalf here */
}

static int
h_account_may_run(const struct winrmd_principal *user, char *why,
    size_t whylen)
{
	(void)user;
	snprintf(why, whylen, "not from a PSRP pipeline");
	return -1;
}

static int
s_post(const struct cim_services *svc, void (*fn)(void *), void *arg)
{
	struct posted *p = malloc(sizeof(*p));

	(void)svc;
	if (p == NULL)
		return -ENOMEM;
	p->fn = fn;
	p->arg = arg;
	pthread_mutex_lock(&post_lock);
	p->next = posts;
	posts = p;
	pthread_mutex_unlock(&post_lock);
	if (write(post_pipe[1], "", 1) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

/* runs the loop until ctx is done or the time is up */
static void
loop(struct cim_ctx *ctx)
{
	uint64_t end = h_now_ms() + CIM_WAIT_MS;

	while (!ctx->done && h_now_ms() < end) {
		struct pollfd pfd[MAX_WATCHES + 1];
		struct winrmd_watch *who[MAX_WATCHES + 1];
		uint64_t now = h_now_ms(), next = end;
		size_t n = 0;
		int r;

		for (size_t i = 0; i < MAX_TIMERS; i++)
			if (timers[i].used && timers[i].at < next)
				next = timers[i].at;
		pfd[n].fd = post_pipe[0];
		pfd[n].events = POLLIN;
		who[n++] = NULL;
		for (size_t i = 0; i < MAX_WATCHES; i++)
			if (watches[i].used) {
				pfd[n].fd = watches[i].fd;
				pfd[n].events = (short)(((watches[i].events &
				    WINRMD_IN) ? POLLIN : 0) |
				    ((watches[i].events & WINRMD_OUT) ?
				    POLLOUT : 0));
				who[n++] = &watches[i];
			}
		r = poll(pfd, n, next > now ? (int)(next - now) : 0);
		if (r < 0 && errno != EINTR)
			break;
		now = h_now_ms();
		for (size_t i = 0; i < MAX_TIMERS; i++)
			if (timers[i].used && timers[i].at <= now) {
				timers[i].used = false;
				timers[i].fn(timers[i].arg);
			}
		for (size_t i = 0; r > 0 && i < n; i++) {
			uint32_t ev = 0;

			if (pfd[i].revents == 0)
				continue;
			if (who[i] == NULL) {
				char b[64];
				struct posted *p;

				while (read(post_pipe[0], b, sizeof(b)) > 0)
					;
				pthread_mutex_lock(&post_lock);
				p = posts;
				posts = NULL;
				pthread_mutex_unlock(&post_lock);
				while (p != NULL) {
					struct posted *nx = p->next;

					p->fn(p->arg);
					free(p);
					p = nx;
				}
				continue;
			}
			if (!who[i]->used)
				continue;
			if (pfd[i].revents & POLLIN)
				ev |= WINRMD_IN;
			if (pfd[i].revents & POLLOUT)
				ev |= WINRMD_OUT;
			if (pfd[i].revents & POLLERR)
				ev |= WINRMD_ERR;
			if (pfd[i].revents & POLLHUP)
				ev |= WINRMD_HUP;
			who[i]->fn(who[i]->fd, ev, who[i]->arg);
		}
	}
	if (!ctx->done) {
		ctx->failed = true;
		snprintf(ctx->why, sizeof(ctx->why), "the provider did not "
		    "answer within %d s", CIM_WAIT_MS / 1000);
	}
}

/* ------------------------------------------------------------ providers */

static struct winrmd_host host_table = {
	.abi = WINRMD_PLUGIN_ABI,
	.size = sizeof(struct winrmd_host),
	.log = h_log,
	.watch_add = h_watch_add,
	.watch_set = h_watch_set,
	.watch_remove = h_watch_remove,
	.timer_start = h_timer_start,
	.timer_stop = h_timer_stop,
	.now_ms = h_now_ms,
	.conf_str = h_conf_str,
	.conf_int = h_conf_int,
	.conf_bool = h_conf_bool,
	.spawn = h_spawn,
	.spawn_detached = h_spawn,
	.account_may_run = h_account_may_run,
};

/* the value members (set_*, add_*, get_*, is_null, set_return) are
 * inst_services()'s, filled at the first enumeration */
static struct cim_services services = {
	.abi = WINRMD_PROVIDER_ABI,
	.size = sizeof(struct cim_services),
	.host = &host_table,
	.principal = s_principal,
	.class_of = s_class_of,
	.instance = s_instance,
	.emit = s_emit,
	.complete = s_complete,
	.fail = s_fail,
	.post = s_post,
};

/* a class name matches the class or one of its aliases */
static bool
class_is(const struct cim_class *c, const char *name)
{
	const char *a = c->aliases;

	if (strcasecmp(c->name, name) == 0)
		return true;
	while (a != NULL && *a != '\0') {
		size_t n = strcspn(a, " ");

		if (strlen(name) == n && strncasecmp(a, name, n) == 0)
			return true;
		a += n;
		a += strspn(a, " ");
	}
	return false;
}

/* the namespaces match: root/cimv2 and root\cimv2 alike */
static bool
ns_is(const char *ns, const char *want)
{
	for (; *ns != '\0' && *want != '\0'; ns++, want++) {
		char a = *ns == '\\' ? '/' : (char)tolower((unsigned char)*ns);
		char b = *want == '\\' ? '/' :
		    (char)tolower((unsigned char)*want);

		if (a != b)
			return false;
	}
	return *ns == '\0' && *want == '\0';
}

/* enumerates cls of provider p into ctx */
static void
enumerate(const struct cim_provider *p, const struct cim_class *cls,
    struct cim_ctx *ctx)
{
	void *state = NULL;
	int r;

	if (post_pipe[0] < 0 && pipe2(post_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		snprintf(ctx->why, sizeof(ctx->why), "pipe: %s", strerror(errno));
		ctx->failed = true;
		return;
	}
	if (services.set_string == NULL)
		inst_services(&services);
	if (p->init != NULL && (r = p->init(&services, &state)) < 0) {
		snprintf(ctx->why, sizeof(ctx->why), "the %s provider could not "
		    "start: %s", p->name, strerror(-r));
		ctx->failed = true;
		return;
	}
	ctx->cls = cls;
	r = cls->enumerate(ctx, state);
	if (r == CIM_OK)
		ctx->done = true;
	else if (r == CIM_PENDING)
		loop(ctx);
	else
		ctx->done = true;
	if (p->fini != NULL)
		p->fini(state);
}

int
ps_cim(const struct ps_stage *s, struct ps_objs *out)
{
	const char *env_list = getenv("WINRMD_PSRP_CIM_PROVIDERS");
	const char *env_dir = getenv("WINRMD_PSRP_CIM_DIR");
	const char *list = env_list != NULL ? env_list : DEFAULT_PROVIDERS;
	const char *dir = env_dir != NULL ? env_dir : PROVIDERDIR;
	const char *cls = ps_param(s, "ClassName"), *ns = ps_param(s, "Namespace");
	struct cim_ctx ctx = { 0 };
	struct passwd *pw = getpwuid(getuid());
	bool found = false;

	if (strcmp(s->name, "Get-CimInstance") != 0 &&
	    strcmp(s->name, "Get-WmiObject") != 0)
		return -1;
	ctx.wmi = strcmp(s->name, "Get-WmiObject") == 0;
	ctx.cmdlet = s->name;
	ctx.out = out;
	ctx.filter = ps_param(s, "Filter");
	ctx.me.name = pw != NULL ? pw->pw_name : "";
	ctx.me.uid = getuid();
	ctx.me.gid = getgid();
	ctx.me.home = pw != NULL ? pw->pw_dir : "/";
	ctx.me.shell = pw != NULL ? pw->pw_shell : "/bin/sh";
	ctx.me.scheme = "PSRP";
	if (cls == NULL)
		cls = ps_param(s, "Class");
	if (cls == NULL) {
		ps_error(s->name, PSRP_ERR_INVALID_ARGUMENT, "MissingClassName",
		    NULL, "A class name is needed (-ClassName).");
		return 0;
	}
	for (const char *p = list; *p != '\0' && !found;) {
		char path[4096], name[256];
		const struct cim_provider *(*entry)(void);
		const struct cim_provider *prov;
		size_t len;
		void *h;

		p += strspn(p, " \t,");
		if ((len = strcspn(p, " \t,")) == 0 || len >= sizeof(name))
			break;
		memcpy(name, p, len);
		name[len] = '\0';
		p += len;
		if (name[0] == '/')
			snprintf(path, sizeof(path), "%s", name);
		else if (strchr(name, '/') != NULL)
			continue;
		else
			snprintf(path, sizeof(path), "%s/%s.so", dir, name);
		if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL)
			continue;
		*(void **)&entry = dlsym(h, "winrmd_provider_entry");
		if (entry == NULL || (prov = entry()) == NULL ||
		    prov->abi != WINRMD_PROVIDER_ABI || prov->classes == NULL) {
			dlclose(h);
			continue;
		}
		for (size_t i = 0; prov->classes[i] != NULL && !found; i++) {
			const struct cim_class *c = prov->classes[i];

			if (!class_is(c, cls) || c->enumerate == NULL ||
			    (ns != NULL && !ns_is(c->ns, ns)))
				continue;
			found = true;
			enumerate(prov, c, &ctx);
		}
		/* kept loaded: its threads may still be ending */
	}
	if (!found)
		ps_error(s->name, PSRP_ERR_OBJECT_NOT_FOUND,
		    "HRESULT 0x80041010", cls, "Invalid class \"%s\"", cls);
	else if (ctx.failed)
		ps_error(s->name, PSRP_ERR_NOT_SPECIFIED, "HRESULT 0x80041001",
		    cls, "%s", ctx.why);
	return 0;
}
