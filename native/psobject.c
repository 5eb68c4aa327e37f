/*
 * psobject.c: `winrmd-native psobject MARK PLAN...' (psobject.h).  Runs
 * the plan's statements one after another: a source stage makes objects
 * (ps_sources.c, ps_cim.c), the filters after it (Select-Object,
 * Where-Object, Sort-Object) take and give objects, and Format-Table,
 * Format-List and Out-String turn them into lines of text as PowerShell's
 * formatter lays them out.  Each object is written to stdout as a record
 * line ('O' and its CLIXML), errors as 'E' lines (ErrorRecords),
 * Write-Host as 'I' lines; at the end the runspace's state follows MARK
 * (the working directory, which Set-Location changes, and the
 * environment), as the shell wrapper of plugins/shell/psrp_script.c
 * prints it.  Exit status: exit N's, else 0.
 */
#define _GNU_SOURCE

#include "build.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "native.h"
#include "psobject.h"
#include "psrp_msgs.h"
#include "winpath.h"

extern char **environ;

/* ------------------------------------------------------------ objects */

/* the objects of a source that go out as they come (no filter after it) */
static struct ps_objs *streamed;

static void record(char kind, struct clixml_value *v);

void
ps_objs_add(struct ps_objs *o, struct clixml_value *v)
{
	if (v == NULL)
		return;
	if (o == streamed) {
		record('O', v);
		return;
	}
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 64;
		o->v = xrealloc(o->v, o->cap * sizeof(*o->v));
	}
	o->v[o->n++] = v;
}

void
ps_objs_clear(struct ps_objs *o)
{
	for (size_t i = 0; i < o->n; i++)
		clixml_unref(o->v[i]);
	free(o->v);
	memset(o, 0, sizeof(*o));
}

const char *
ps_param(const struct ps_stage *s, const char *name)
{
	for (size_t i = 0; i + 1 < s->argc; i += 2)
		if (s->argv[i][0] == '-' && strcasecmp(s->argv[i] + 1, name) == 0)
			return s->argv[i + 1];
	return NULL;
}

size_t
ps_params(const struct ps_stage *s, const char *name, const char **out,
    size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i + 1 < s->argc && n < max; i += 2)
		if (s->argv[i][0] == '-' && strcasecmp(s->argv[i] + 1, name) == 0)
			out[n++] = s->argv[i + 1];
	return n;
}

bool
ps_switch(const struct ps_stage *s, const char *name)
{
	const char *v = ps_param(s, name);

	return v != NULL && strcasecmp(v, "True") == 0;
}

struct clixml_value *
ps_obj(const char *const *types, const char *tostring)
{
	struct clixml_value *v = clixml_new_obj(types, CLIXML_COLL_NONE);

	if (v == NULL)
		die_nomem();
	if (tostring != NULL)
		clixml_obj_set_tostring(v, tostring);
	return v;
}

struct clixml_value *
ps_str(const char *s)
{
	return s != NULL ? clixml_new_string(s) : clixml_new_nil();
}

struct clixml_value *
ps_time(long long sec, long nsec)
{
	struct tm tm;
	time_t t = (time_t)sec;

	if (localtime_r(&t, &tm) == NULL)
		return clixml_new_datetime(sec, nsec, true, 0);
	return clixml_new_datetime(sec, nsec, false, (int)(tm.tm_gmtoff / 60));
}

char *
ps_path(const char *p)
{
	const char *why;
	char *m;

	if (p[0] == '~' && (p[1] == '\0' || p[1] == '/')) {
		const char *home = getenv("HOME");

		return xasprintf("%s%s", home != NULL ? home : "", p + 1);
	}
	if (strchr(p, '\\') != NULL || (isalpha((unsigned char)p[0]) &&
	    p[1] == ':')) {
		if ((m = winpath_map(p, &why)) != NULL)
			return m;
	}
	return xstrdup(p);
}

/* ------------------------------------------------------------ records */

static void
record(char kind, struct clixml_value *v)
{
	size_t len;
	char *x = clixml_write(v, &len);

	clixml_unref(v);
	if (x == NULL)
		die_nomem();
	putchar(kind);
	fwrite(x, 1, len, stdout);
	putchar('\n');
	free(x);
}

void
ps_error(const char *cmdlet, int category, const char *fqid,
    const char *target, const char *fmt, ...)
{
	char msg[1024], id[256];
	struct psrp_error e = { 0 };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(id, sizeof(id), "%s,Microsoft.PowerShell.Commands.%sCommand",
	    fqid, cmdlet);
	for (char *p = strchr(id, ','); p != NULL && *p != '\0'; p++)
		if (*p == '-')
			memmove(p, p + 1, strlen(p));
	e.pe_message = msg;
	e.pe_fqid = id;
	e.pe_category = category;
	e.pe_activity = cmdlet;
	e.pe_target_object = target != NULL ? clixml_new_string(target) : NULL;
	record('E', psrp_build_error_record(&e));
}

void
ps_host(const char *text, bool no_newline, int fg, int bg)
{
	static const char *const tags[] = { "PSHOST", NULL };
	char host[256] = "";
	struct timespec ts;
	const char *user = getenv("USER");

	clock_gettime(CLOCK_REALTIME, &ts);
	gethostname(host, sizeof(host) - 1);
	record('I', psrp_build_information(
	    psrp_build_host_information(text, no_newline, fg, bg), "Write-Host",
	    tags,
	    ps_time(ts.tv_sec, ts.tv_nsec), user, host, (uint32_t)getpid()));
}

/* ------------------------------------------------------------ text */

/* "2026-12-07T11:34:49.1234567+01:00" -> "12/7/2026 11:34:49 AM" */
static char *
time_text(const char *dt)
{
	int y, mo, d, h, mi, s;

	if (sscanf(dt, "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6)
		return xstrdup(dt);
	return xasprintf("%d/%d/%d %d:%02d:%02d %s", mo, d, y,
	    h % 12 == 0 ? 12 : h % 12, mi, s, h < 12 ? "AM" : "PM");
}

char *
ps_text(const struct clixml_value *v)
{
	const char *s;
	size_t len;

	if (v == NULL || clixml_is_nil(v))
		return xstrdup("");
	switch (v->v_type) {
	case CLIXML_BOOL:
		return xstrdup(v->v.b ? "True" : "False");
	case CLIXML_I8: case CLIXML_I16: case CLIXML_I32: case CLIXML_I64:
		return xasprintf("%" PRId64, v->v.i);
	case CLIXML_U8: case CLIXML_U16: case CLIXML_U32: case CLIXML_U64:
		return xasprintf("%" PRIu64, v->v.u);
	case CLIXML_FLOAT: case CLIXML_DOUBLE:
		return xasprintf("%.15g", v->v.d);
	case CLIXML_CHAR:
		return xasprintf("%c", v->v.u < 0x80 ? (int)v->v.u : '?');
	case CLIXML_DATETIME:
		return time_text(v->v.str.s);
	case CLIXML_OBJECT:
		if (v->v.obj.o_tostring != NULL)
			return xstrdup(v->v.obj.o_tostring);
		if (v->v.obj.o_base != NULL)
			return ps_text(v->v.obj.o_base);
		if (v->v.obj.o_coll == CLIXML_COLL_LST ||
		    v->v.obj.o_coll == CLIXML_COLL_IE) {
			char *out = xstrdup("{");

			for (size_t i = 0; i < clixml_list_len(v); i++) {
				char *t = ps_text(clixml_list_at(v, i)), *n;

				n = xasprintf("%s%s%s", out, i > 0 ? ", " : "",
				    t);
				free(out);
				free(t);
				out = n;
			}
			s = out;
			out = xasprintf("%s}", s);
			free((char *)s);
			return out;
		}
		return xstrdup("");
	default:
		break;
	}
	if ((s = clixml_str(v, &len)) != NULL)
		return xstrdup(s);
	return xstrdup("");
}

static bool
numeric(const struct clixml_value *v, double *ret)
{
	int64_t i;

	if (v == NULL)
		return false;
	if (v->v_type == CLIXML_FLOAT || v->v_type == CLIXML_DOUBLE) {
		*ret = v->v.d;
		return true;
	}
	if (v->v_type >= CLIXML_U8 && v->v_type <= CLIXML_U64 &&
	    v->v_type != CLIXML_I16 && v->v_type != CLIXML_I32 &&
	    v->v_type != CLIXML_I64 && v->v_type != CLIXML_U8) {
		*ret = (double)v->v.u;
		return true;
	}
	if (v->v_type != CLIXML_OBJECT && v->v_type != CLIXML_BOOL &&
	    clixml_int(v, &i) == 0) {
		*ret = (double)i;
		return true;
	}
	return false;
}

/* a value's member: a property, or the value itself for "" */
static const struct clixml_value *
member(const struct clixml_value *v, const char *name)
{
	const struct clixml_value *m = clixml_member(v, name);

	if (m == NULL && v->v_type == CLIXML_STRING &&
	    strcasecmp(name, "Length") == 0)
		return NULL;	/* see member_value */
	return m;
}

/* the member as a new value (Length of a string computed) */
static struct clixml_value *
member_value(const struct clixml_value *v, const char *name)
{
	const struct clixml_value *m = member(v, name);

	if (m != NULL)
		return clixml_ref((struct clixml_value *)m);
	if (v->v_type == CLIXML_STRING && strcasecmp(name, "Length") == 0)
		return clixml_new_i32((int32_t)v->v.str.len);
	return clixml_new_nil();
}

/* -1, 0, 1 as PowerShell compares: numbers as numbers, else text */
static int
compare(const struct clixml_value *a, const struct clixml_value *b,
    bool cs)
{
	double x, y;
	char *s, *t;
	int r;

	if (numeric(a, &x) && numeric(b, &y))
		return x < y ? -1 : x > y;
	if (a != NULL && a->v_type == CLIXML_DATETIME && b != NULL &&
	    b->v_type == CLIXML_DATETIME)
		return strcmp(a->v.str.s, b->v.str.s);	/* same offsets */
	s = ps_text(a);
	t = ps_text(b);
	r = cs ? strcmp(s, t) : strcasecmp(s, t);
	free(s);
	free(t);
	return r < 0 ? -1 : r > 0;
}

/* ------------------------------------------------------------ filters */

/* the properties of an object, in order (Props then MS), or none */
static size_t
prop_names(const struct clixml_value *v, const char **out, size_t max)
{
	size_t n = 0;

	if (v == NULL || v->v_type != CLIXML_OBJECT)
		return 0;
	for (size_t i = 0; i < v->v.obj.o_nprops && n < max; i++)
		out[n++] = v->v.obj.o_props[i].p_name;
	for (size_t i = 0; i < v->v.obj.o_nms && n < max; i++)
		if (strncmp(v->v.obj.o_ms[i].p_name, "PS", 2) != 0 ||
		    v->v.obj.o_nprops == 0)
			out[n++] = v->v.obj.o_ms[i].p_name;
	return n;
}

#define MAX_PROPS	128

/* -Property names, with wildcards expanded against the object */
static size_t
expand_props(const struct clixml_value *v, const char *const *want,
    size_t nwant, const char **out, size_t max)
{
	const char *all[MAX_PROPS];
	size_t na = prop_names(v, all, MAX_PROPS), n = 0;

	for (size_t i = 0; i < nwant && n < max; i++) {
		if (strpbrk(want[i], "*?[") == NULL) {
			out[n++] = want[i];
			continue;
		}
		for (size_t k = 0; k < na && n < max; k++)
			if (fnmatch(want[i], all[k], FNM_CASEFOLD) == 0)
				out[n++] = all[k];
	}
	return n;
}

static const char *
first_type(const struct clixml_value *v)
{
	if (v != NULL && v->v_type == CLIXML_OBJECT && v->v.obj.o_types !=
	    NULL && v->v.obj.o_types->t_n > 0)
		return v->v.obj.o_types->t_names[0];
	return "System.Object";
}

static void
select_object(const struct ps_stage *s, struct ps_objs *io)
{
	const char *want[MAX_PROPS], *exp = ps_param(s, "ExpandProperty");
	size_t nwant = ps_params(s, "Property", want, MAX_PROPS);
	const char *first = ps_param(s, "First"), *last = ps_param(s, "Last");
	const char *skip = ps_param(s, "Skip");
	size_t from = 0, to = io->n;
	struct ps_objs out = { 0 };

	if (skip != NULL)
		from = (size_t)strtoull(skip, NULL, 10);
	if (from > io->n)
		from = io->n;
	if (first != NULL && from + strtoull(first, NULL, 10) < to)
		to = from + (size_t)strtoull(first, NULL, 10);
	if (last != NULL && strtoull(last, NULL, 10) < to - from)
		from = to - (size_t)strtoull(last, NULL, 10);
	for (size_t i = from; i < to; i++) {
		const struct clixml_value *v = io->v[i];
		const char *names[MAX_PROPS];
		size_t n;
		char tn[512];
		const char *types[4] = { tn,
		    "System.Management.Automation.PSCustomObject",
		    "System.Object", NULL };
		struct clixml_value *o;
		char *ts = xstrdup("@{");

		if (exp != NULL) {
			ps_objs_add(&out, member_value(v, exp));
			continue;
		}
		if (nwant == 0) {
			ps_objs_add(&out, clixml_ref(io->v[i]));
			continue;
		}
		snprintf(tn, sizeof(tn), "Selected.%s", first_type(v));
		o = ps_obj(types, NULL);
		n = expand_props(v, want, nwant, names, MAX_PROPS);
		for (size_t k = 0; k < n; k++) {
			struct clixml_value *m = member_value(v, names[k]);
			char *t = ps_text(m), *nts;

			nts = xasprintf("%s%s%s=%s", ts, k > 0 ? "; " : "",
			    names[k], t);
			free(ts);
			free(t);
			ts = nts;
			clixml_obj_add_ms(o, names[k], m);
		}
		{
			char *fin = xasprintf("%s}", ts);

			clixml_obj_set_tostring(o, fin);
			free(fin);
		}
		free(ts);
		ps_objs_add(&out, o);
	}
	ps_objs_clear(io);
	*io = out;
}

static bool
where_match(const struct clixml_value *v, const char *prop, const char *op,
    const char *value)
{
	struct clixml_value *m = member_value(v, prop);
	struct clixml_value *want;
	bool cs = op[0] == 'c' && strcmp(op, "contains") != 0;
	const char *o = (op[0] == 'c' || op[0] == 'i') &&
	    strcmp(op, "contains") != 0 && strcmp(op, "in") != 0 ? op + 1 : op;
	bool r = false, neg = strncmp(o, "not", 3) == 0 || strcmp(o, "ne") == 0;
	char *t;

	if (op[0] == '\0') {
		/* no operator: the property is true */
		t = ps_text(m);
		r = !clixml_is_nil(m) && strcmp(t, "") != 0 &&
		    strcmp(t, "False") != 0 && strcmp(t, "0") != 0;
		free(t);
		clixml_unref(m);
		return r;
	}
	{
		char *end;
		long long ll = strtoll(value, &end, 10);

		want = *value != '\0' && *end == '\0' ? clixml_new_i64(ll) :
		    strcasecmp(value, "True") == 0 ? clixml_new_bool(true) :
		    strcasecmp(value, "False") == 0 ? clixml_new_bool(false) :
		    clixml_new_string(value);
	}
	if (neg && strcmp(o, "ne") != 0)
		o += 3;
	if (strcmp(o, "eq") == 0 || strcmp(o, "ne") == 0)
		r = compare(m, want, cs) == 0;
	else if (strcmp(o, "gt") == 0)
		r = compare(m, want, cs) > 0;
	else if (strcmp(o, "ge") == 0)
		r = compare(m, want, cs) >= 0;
	else if (strcmp(o, "lt") == 0)
		r = compare(m, want, cs) < 0;
	else if (strcmp(o, "le") == 0)
		r = compare(m, want, cs) <= 0;
	else if (strcmp(o, "like") == 0) {
		t = ps_text(m);
		r = fnmatch(value, t, cs ? 0 : FNM_CASEFOLD) == 0;
		free(t);
	} else if (strcmp(o, "match") == 0) {
		regex_t re;

		t = ps_text(m);
		if (regcomp(&re, value, REG_EXTENDED | REG_NOSUB |
		    (cs ? 0 : REG_ICASE)) == 0) {
			r = regexec(&re, t, 0, NULL, 0) == 0;
			regfree(&re);
		}
		free(t);
	} else if (strcmp(o, "contains") == 0 || strcmp(o, "in") == 0) {
		/* a list property holding the value (in: the value's list) */
		if (clixml_list_len(m) > 0) {
			for (size_t i = 0; i < clixml_list_len(m) && !r; i++)
				r = compare(clixml_list_at(m, i), want, cs) == 0;
		} else
			r = compare(m, want, cs) == 0;
	}
	clixml_unref(want);
	clixml_unref(m);
	return neg ? !r : r;
}

static void
where_object(const struct ps_stage *s, struct ps_objs *io)
{
	const char *prop = ps_param(s, "Property"), *op = ps_param(s, "Operator");
	const char *val = ps_param(s, "Value");
	struct ps_objs out = { 0 };

	for (size_t i = 0; i < io->n; i++)
		if (prop == NULL || where_match(io->v[i], prop, op ? op : "",
		    val ? val : ""))
			ps_objs_add(&out, clixml_ref(io->v[i]));
	ps_objs_clear(io);
	*io = out;
}

/* Sort-Object's keys, for qsort_r */
struct sort_keys {
	const char	*props[MAX_PROPS];
	size_t		 n;
	bool		 desc;
};

/* two objects by the keys: -1, 0, 1 (descending reversed) */
static int
key_cmp(const struct clixml_value *x, const struct clixml_value *y,
    const struct sort_keys *k)
{
	int r = 0;

	if (k->n == 0)
		r = compare(x, y, false);
	for (size_t i = 0; i < k->n && r == 0; i++) {
		struct clixml_value *p = member_value(x, k->props[i]);
		struct clixml_value *q = member_value(y, k->props[i]);

		r = compare(p, q, false);
		clixml_unref(p);
		clixml_unref(q);
	}
	return k->desc ? -r : r;
}

struct sort_item {
	struct clixml_value	*v;
	size_t			 pos;
};

/* the keys, then the position: stable, as Sort-Object is */
static int
sort_cmp(const void *a, const void *b, void *arg)
{
	const struct sort_item *x = a, *y = b;
	int r = key_cmp(x->v, y->v, arg);

	return r != 0 ? r : x->pos < y->pos ? -1 : x->pos > y->pos;
}

static void
sort_object(const struct ps_stage *s, struct ps_objs *io)
{
	struct sort_keys k = { .desc = ps_switch(s, "Descending") };
	const char *want[MAX_PROPS];
	size_t nwant = ps_params(s, "Property", want, MAX_PROPS), w = 0;
	struct sort_item *it;

	if (io->n == 0)
		return;
	k.n = expand_props(io->v[0], want, nwant, k.props, MAX_PROPS);
	it = xmalloc(io->n * sizeof(*it));
	for (size_t i = 0; i < io->n; i++)
		it[i] = (struct sort_item){ io->v[i], i };
	qsort_r(it, io->n, sizeof(*it), sort_cmp, &k);
	for (size_t i = 0; i < io->n; i++) {
		/* -Unique: one of each set of equal keys */
		if (ps_switch(s, "Unique") && w > 0 &&
		    key_cmp(io->v[w - 1], it[i].v, &k) == 0) {
			clixml_unref(it[i].v);
			continue;
		}
		io->v[w++] = it[i].v;
	}
	io->n = w;
	free(it);
}

/* ------------------------------------------------------------ format */

struct lines {
	char	**l;
	size_t	  n, cap;
};

static void
line_add(struct lines *ls, char *s)	/* taken */
{
	if (ls->n == ls->cap) {
		ls->cap = ls->cap ? ls->cap * 2 : 64;
		ls->l = xrealloc(ls->l, ls->cap * sizeof(char *));
	}
	ls->l[ls->n++] = s;
}

/* a default view: the columns PowerShell's format files give a type */
struct column {
	const char	*header;
	const char	*prop;
	unsigned	 div;		/* a number shown divided by this */
	bool		 right;
};

static const struct column col_process[] = {
	{ "NPM(K)", "NPM", 1024, true }, { "PM(M)", "PM", 1048576, true },
	{ "WS(M)", "WS", 1048576, true }, { "CPU(s)", "CPU", 0, true },
	{ "Id", "Id", 0, true }, { "SI", "SI", 0, true },
	{ "ProcessName", "ProcessName", 0, false }, { NULL, NULL, 0, false } };
static const struct column col_service[] = {
	{ "Status", "Status", 0, false }, { "Name", "Name", 0, false },
	{ "DisplayName", "DisplayName", 0, false }, { NULL, NULL, 0, false } };
static const struct column col_file[] = {
	{ "Mode", "Mode", 0, false }, { "LastWriteTime", "LastWriteTime", 0,
	true }, { "Length", "Length", 0, true }, { "Name", "Name", 0, false },
	{ NULL, NULL, 0, false } };
static const struct column col_path[] = {
	{ "Path", "Path", 0, false }, { NULL, NULL, 0, false } };

static const struct column *
default_view(const struct clixml_value *v)
{
	if (clixml_has_type(v, "System.Diagnostics.Process"))
		return col_process;
	if (clixml_has_type(v, "System.ServiceProcess.ServiceController"))
		return col_service;
	if (clixml_has_type(v, "System.IO.FileSystemInfo"))
		return col_file;
	if (clixml_has_type(v, "System.Management.Automation.PathInfo"))
		return col_path;
	return NULL;
}

static char *
cell(const struct clixml_value *v, const struct column *c)
{
	struct clixml_value *m = member_value(v, c->prop);
	double d;
	char *t;

	if (c->div == 1024 && numeric(m, &d)) {
		t = xasprintf("%.0f", d / c->div);
	} else if (c->div > 0 && numeric(m, &d)) {
		t = xasprintf("%.2f", d / c->div);
	} else if (strcmp(c->prop, "CPU") == 0 && numeric(m, &d))
		t = xasprintf("%.2f", d);
	else
		t = ps_text(m);
	clixml_unref(m);
	return t;
}

static size_t
width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static char *
pad(const char *s, size_t w, bool right)
{
	size_t n = width(s);

	if (n >= w)
		return xstrdup(s);
	return right ? xasprintf("%*s%s", (int)(w - n), "", s) :
	    xasprintf("%s%*s", s, (int)(w - n), "");
}

/* a line of cells joined by a space; trailing blanks cut */
static char *
row(char **cells, const size_t *w, const struct column *cols, size_t n)
{
	char *out = xstrdup("");

	for (size_t i = 0; i < n; i++) {
		char *p = pad(cells[i], i + 1 < n || cols[i].right ? w[i] : 0,
		    cols[i].right), *o;

		o = xasprintf("%s%s%s", out, i > 0 ? " " : "", p);
		free(out);
		free(p);
		out = o;
	}
	for (size_t l = strlen(out); l > 0 && out[l - 1] == ' '; l--)
		out[l - 1] = '\0';
	return out;
}

static void
table(struct ps_objs *objs, size_t from, size_t to, const struct column *cols,
    size_t ncols, bool headers, struct lines *out)
{
	size_t w[MAX_PROPS];
	char **cells = xmalloc((to - from) * ncols * sizeof(char *) + 1);
	char *hdr[MAX_PROPS], *dash[MAX_PROPS];

	for (size_t c = 0; c < ncols; c++)
		w[c] = width(cols[c].header);
	for (size_t i = from; i < to; i++)
		for (size_t c = 0; c < ncols; c++) {
			char *t = cell(objs->v[i], &cols[c]);

			for (char *p = t; *p != '\0'; p++)
				if (*p == '\n' || *p == '\r' || *p == '\t')
					*p = ' ';
			cells[(i - from) * ncols + c] = t;
			if (width(t) > w[c])
				w[c] = width(t);
		}
	line_add(out, xstrdup(""));
	if (headers) {
		for (size_t c = 0; c < ncols; c++) {
			hdr[c] = xstrdup(cols[c].header);
			dash[c] = xmalloc(width(cols[c].header) + 1);
			memset(dash[c], '-', width(cols[c].header));
			dash[c][width(cols[c].header)] = '\0';
		}
		line_add(out, row(hdr, w, cols, ncols));
		line_add(out, row(dash, w, cols, ncols));
		for (size_t c = 0; c < ncols; c++) {
			free(hdr[c]);
			free(dash[c]);
		}
	}
	for (size_t i = from; i < to; i++) {
		line_add(out, row(&cells[(i - from) * ncols], w, cols, ncols));
		for (size_t c = 0; c < ncols; c++)
			free(cells[(i - from) * ncols + c]);
	}
	free(cells);
}

static void
list(const struct clixml_value *v, const char *const *names, size_t n,
    struct lines *out)
{
	size_t w = 0;

	for (size_t k = 0; k < n; k++)
		if (width(names[k]) > w)
			w = width(names[k]);
	for (size_t k = 0; k < n; k++) {
		struct clixml_value *m = member_value(v, names[k]);
		char *t = ps_text(m), *p = pad(names[k], w, false);

		line_add(out, xasprintf("%s : %s", p, t));
		free(p);
		free(t);
		clixml_unref(m);
	}
	line_add(out, xstrdup(""));
}

/* the parent directory a FileSystemInfo's table groups by */
static char *
group_of(const struct clixml_value *v)
{
	const char *p = clixml_has_type(v, "System.IO.FileInfo") ?
	    "DirectoryName" : "Parent";
	struct clixml_value *m = member_value(v, p);
	char *t = ps_text(m);

	clixml_unref(m);
	return t;
}

/* a dictionary (a hashtable) as PowerShell shows one: Name and Value */
static void
dict_table(const struct clixml_value *v, struct lines *out)
{
	size_t w = 4, n = v->v.obj.o_nitems / 2;

	for (size_t i = 0; i < n; i++) {
		char *k = ps_text(v->v.obj.o_items[2 * i]);

		if (width(k) > w)
			w = width(k);
		free(k);
	}
	line_add(out, xstrdup(""));
	line_add(out, xasprintf("%-*s Value", (int)w, "Name"));
	line_add(out, xasprintf("%-*s -----", (int)w, "----"));
	for (size_t i = 0; i < n; i++) {
		char *k = ps_text(v->v.obj.o_items[2 * i]);
		char *t = ps_text(v->v.obj.o_items[2 * i + 1]);
		char *p = pad(k, w, false);

		line_add(out, xasprintf("%s %s", p, t));
		free(p);
		free(k);
		free(t);
	}
	line_add(out, xstrdup(""));
}

/* whether two objects have the same properties, in the same order */
static bool
same_props(const struct clixml_value *a, const struct clixml_value *b)
{
	const char *x[MAX_PROPS], *y[MAX_PROPS];
	size_t n = prop_names(a, x, MAX_PROPS);

	if (b->v_type != CLIXML_OBJECT || prop_names(b, y, MAX_PROPS) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(x[i], y[i]) != 0)
			return false;
	return true;
}

/*
 * objects as PowerShell's formatter shows them: strings as they are, a
 * type with a default view as its table, other objects as a table of
 * their properties (up to 4) or a list
 */
static void
format(struct ps_objs *objs, int how /* 0 auto, 't', 'l' */,
    const char *const *want, size_t nwant, bool headers, struct lines *out)
{
	size_t i = 0;

	while (i < objs->n) {
		const struct clixml_value *v = objs->v[i];
		const struct column *view = nwant == 0 ? default_view(v) : NULL;
		const char *names[MAX_PROPS];
		struct column cols[MAX_PROPS];
		size_t n = 0, j;
		char *grp = NULL;

		if (v->v_type == CLIXML_OBJECT &&
		    v->v.obj.o_coll == CLIXML_COLL_DCT) {
			dict_table(v, out);
			i++;
			continue;
		}
		if (v->v_type != CLIXML_OBJECT || (v->v.obj.o_nprops == 0 &&
		    v->v.obj.o_nms == 0)) {
			char *t = ps_text(v), *p = t, *nl;

			while ((nl = strchr(p, '\n')) != NULL) {
				line_add(out, xstrndup(p, (size_t)(nl - p)));
				p = nl + 1;
			}
			line_add(out, xstrdup(p));
			free(t);
			i++;
			continue;
		}
		if (view != NULL && how != 'l') {
			for (n = 0; view[n].header != NULL; n++)
				cols[n] = view[n];
		} else {
			if (nwant > 0)
				n = expand_props(v, want, nwant, names, MAX_PROPS);
			else
				n = prop_names(v, names, MAX_PROPS);
			for (size_t k = 0; k < n; k++) {
				struct clixml_value *m = member_value(v,
				    names[k]);
				double d;

				/* numbers right-aligned */
				cols[k] = (struct column){ names[k], names[k], 0,
				    numeric(m, &d) };
				clixml_unref(m);
			}
		}
		if (how == 'l' || (how == 0 && view == NULL && n > 4)) {
			list(v, names, n, out);
			i++;
			continue;
		}
		/* a run of objects of the same first type (and directory) */
		if (view == col_file)
			grp = group_of(v);
		for (j = i + 1; j < objs->n; j++) {
			if (view != NULL ? default_view(objs->v[j]) != view :
			    !same_props(objs->v[j], v))
				break;
			if (grp != NULL) {
				char *g = group_of(objs->v[j]);
				bool same = strcmp(g, grp) == 0;

				free(g);
				if (!same)
					break;
			}
		}
		if (grp != NULL) {
			line_add(out, xstrdup(""));
			line_add(out, xasprintf("    Directory: %s", grp));
			free(grp);
		}
		table(objs, i, j, cols, n, headers, out);
		line_add(out, xstrdup(""));
		i = j;
	}
}

/* the objects become strings: Out-String, Format-Table, Format-List */
static void
to_text(const struct ps_stage *s, struct ps_objs *io, int how)
{
	const char *want[MAX_PROPS];
	size_t nwant = how != 0 ? ps_params(s, "Property", want, MAX_PROPS) : 0;
	struct lines ls = { 0 };
	struct ps_objs out = { 0 };

	format(io, how, want, nwant, !ps_switch(s, "HideTableHeaders"), &ls);
	if (how == 0 && !ps_switch(s, "Stream")) {
		/* one string: the lines, each ended */
		size_t len = 1;
		char *all;

		for (size_t i = 0; i < ls.n; i++)
			len += strlen(ls.l[i]) + 1;
		all = xmalloc(len);
		all[0] = '\0';
		for (size_t i = 0; i < ls.n; i++) {
			strcat(all, ls.l[i]);
			strcat(all, "\n");
		}
		ps_objs_add(&out, clixml_new_string(all));
		free(all);
	} else
		for (size_t i = 0; i < ls.n; i++)
			ps_objs_add(&out, clixml_new_string(ls.l[i]));
	for (size_t i = 0; i < ls.n; i++)
		free(ls.l[i]);
	free(ls.l);
	ps_objs_clear(io);
	*io = out;
}

/* ------------------------------------------------------------ run */

static int exit_code;
static bool exiting;

static void
filter(const struct ps_stage *s, struct ps_objs *io)
{
	if (strcmp(s->name, "Select-Object") == 0)
		select_object(s, io);
	else if (strcmp(s->name, "Where-Object") == 0)
		where_object(s, io);
	else if (strcmp(s->name, "Sort-Object") == 0)
		sort_object(s, io);
	else if (strcmp(s->name, "Format-Table") == 0)
		to_text(s, io, 't');
	else if (strcmp(s->name, "Format-List") == 0)
		to_text(s, io, 'l');
	else if (strcmp(s->name, "Out-String") == 0)
		to_text(s, io, 0);
	else if (strcmp(s->name, "Out-Null") == 0)
		ps_objs_clear(io);
	/* Out-Default, Out-Host: the objects go on to the client's host */
}

/* the sources of psobject.c itself: exit, $env:, $PSVersionTable */
static int
own_source(const struct ps_stage *s, struct ps_objs *out)
{
	if (strcmp(s->name, "winrmd:exit") == 0) {
		const char *c = ps_param(s, "Code");

		exit_code = c != NULL ? atoi(c) : 0;
		exiting = true;
		return 0;
	}
	if (strcmp(s->name, "winrmd:env") == 0) {
		const char *v = getenv(ps_param(s, "Name"));

		if (v != NULL)
			ps_objs_add(out, clixml_new_string(v));
		return 0;
	}
	if (strcmp(s->name, "winrmd:psversiontable") == 0) {
		struct psrp_server_info si = { .si_ps_edition = "winrmd",
		    .si_build = PACKAGE_VERSION };
		struct clixml_value *apd;
		struct utsname u;
		char os[256];

		/* the pool's table (plugins/shell/psrp_pool.c makes it so) */
		if (uname(&u) == 0) {
			snprintf(os, sizeof(os), "%s %s", u.sysname, u.release);
			si.si_os = os;
		}
		apd = psrp_build_app_private_data(&si);
		const struct clixml_value *t = clixml_dict_get(
		    clixml_member(apd, "ApplicationPrivateData"),
		    "PSVersionTable");
		const char *prop = ps_param(s, "Property");

		if (t != NULL && prop != NULL)
			t = clixml_dict_get(t, prop);
		if (t != NULL)
			ps_objs_add(out, clixml_ref((struct clixml_value *)t));
		clixml_unref(apd);
		return 0;
	}
	return -1;
}

/* one statement: stages [0, n) */
static void
statement(struct ps_stage *st, size_t n)
{
	struct ps_objs objs = { 0 };

	/* a file's lines, a directory's entries and the processes (sorted
	 * before their objects are made) are not held: they go out as they
	 * are made, when nothing after the source needs them all
	 * (Get-Content -Tail does) */
	if (n == 1 && (strcmp(st[0].name, "Get-ChildItem") == 0 ||
	    strcmp(st[0].name, "Get-Process") == 0 ||
	    (strcmp(st[0].name, "Get-Content") == 0 &&
	    ps_param(&st[0], "Tail") == NULL)))
		streamed = &objs;
	if (own_source(&st[0], &objs) < 0 &&
	    ps_source(&st[0], &objs) < 0 && ps_cim(&st[0], &objs) < 0)
		ps_error(st[0].name, PSRP_ERR_NOT_IMPLEMENTED, "NotServed", NULL,
		    "winrmd does not serve %s", st[0].name);
	streamed = NULL;
	for (size_t i = 1; i < n; i++)
		filter(&st[i], &objs);
	for (size_t i = 0; i < objs.n; i++) {
		record('O', objs.v[i]);
		objs.v[i] = NULL;
	}
	objs.n = 0;
	ps_objs_clear(&objs);
}

static void
print_state(const char *mark)
{
	char *cwd = getcwd(NULL, 0);

	printf("%s\n%s\n", mark, cwd != NULL ? cwd : "/");
	free(cwd);
	for (char **e = environ; e != NULL && *e != NULL; e++)
		fwrite(*e, 1, strlen(*e) + 1, stdout);
}

/*
 * `psobject -': a warm process, started ahead by the shell plugin with the
 * runspace's directory and environment.  Its mark and plan come on stdin
 * (psrp_cmdlet_handoff: the number of words and a new line, then the
 * words, each ending with a NUL); the end of stdin before them: not
 * needed, exit 0 at once.  Its argv, or NULL.
 */
#define HANDOFF_MAX	(1 << 20)

static char **
handoff_words(int *ret_argc, char **ret_buf)
{
	size_t len = 0, cap = 4096, want = 0, got_words = 0, o = 0;
	char *buf = xmalloc(cap), *nl, **v;
	ssize_t r;

	for (;;) {
		if (len == cap) {
			if (cap >= HANDOFF_MAX)
				goto fail;
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		r = read(0, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto fail;
		len += (size_t)r;
		if (want == 0) {
			if ((nl = memchr(buf, '\n', len)) == NULL)
				continue;
			want = strtoul(buf, NULL, 10);
			o = (size_t)(nl - buf) + 1;
			if (want == 0 || want > PSOBJ_HANDOFF_WORDS)
				goto fail;
		}
		got_words = 0;
		for (size_t i = o; i < len; i++)
			got_words += buf[i] == '\0';
		if (got_words >= want)
			break;
	}
	v = xmalloc((want + 1) * sizeof(char *));
	for (size_t i = 0; i < want; i++) {
		v[i] = buf + o;
		o += strlen(buf + o) + 1;
	}
	v[want] = NULL;
	*ret_argc = (int)want;
	*ret_buf = buf;		/* the words' text: the caller frees both */
	return v;
fail:
	free(buf);
	return NULL;
}

static int run_words(int argc, char **argv);

#define STDOUT_BUF	(1024 * 1024)

int
psobject_main(int argc, char **argv)
{
	char **words, *text = NULL;
	int r;

	/* the records go out in large writes: fewer wake-ups of the daemon,
	 * and a Receive that finds the output finds its end too */
	setvbuf(stdout, NULL, _IOFBF, STDOUT_BUF);
	if (argc != 1 || strcmp(argv[0], "-") != 0)
		return run_words(argc, argv);
	if ((words = handoff_words(&argc, &text)) == NULL)
		return 0;
	r = run_words(argc, words);
	free(words);
	free(text);
	return r;
}

/* mark, then the plan's words: its statements run */
static int
run_words(int argc, char **argv)
{
	struct ps_stage st[PSOBJ_MAX_STAGES];
	size_t n = 0;
	const char *mark;

	if (argc < 1)
		return 2;
	mark = argv[0];
	for (int i = 1; i <= argc && !exiting; i++) {
		if (i == argc || strcmp(argv[i], ";") == 0) {
			if (n > 0)
				statement(st, n);
			n = 0;
			continue;
		}
		if (strcmp(argv[i], "|") == 0)
			continue;
		if (n == PSOBJ_MAX_STAGES) {
			fputs("winrmd-native: too many stages\n", stderr);
			return 2;
		}
		/* the name, then "-Param" "value" pairs (a value may be any
		 * word, "|" too) */
		st[n].name = argv[i];
		st[n].argv = argv + i + 1;
		st[n].argc = 0;
		while (i + 2 < argc && argv[i + 1][0] == '-') {
			st[n].argc += 2;
			i += 2;
		}
		n++;
	}
	fflush(stdout);
	print_state(mark);
	fflush(stdout);
	return exit_code;
}
