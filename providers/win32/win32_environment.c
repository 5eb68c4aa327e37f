/*
 * win32_environment.c: Win32_Environment (keys Name and UserName): the
 * system's variables, what pam_env gives every login (/etc/environment,
 * then /etc/default/locale), with UserName "<SYSTEM>" as on Windows; and
 * the calling user's own (USER, LOGNAME, HOME, SHELL of their account),
 * with UserName "HOST\user".  Only the caller's variables are listed:
 * nobody reads another user's.  Files in users' homes (~/.pam_environment)
 * are not read.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procfs.h"
#include "win32.h"

#define SYSTEM_USER	"<SYSTEM>"

enum {
	VP_NAME, VP_USER_NAME, VP_VARIABLE_VALUE, VP_SYSTEM_VARIABLE,
	VP_CAPTION, VP_DESCRIPTION, VP_STATUS,
	VP_COUNT
};

static const struct cim_property env_props[VP_COUNT] = {
	[VP_NAME] = { "Name", CIM_STRING, CIM_KEY },
	[VP_USER_NAME] = { "UserName", CIM_STRING, CIM_KEY },
	[VP_VARIABLE_VALUE] = { "VariableValue", CIM_STRING, 0 },
	[VP_SYSTEM_VARIABLE] = { "SystemVariable", CIM_BOOLEAN, 0 },
	[VP_CAPTION] = { "Caption", CIM_STRING, 0 },
	[VP_DESCRIPTION] = { "Description", CIM_STRING, 0 },
	[VP_STATUS] = { "Status", CIM_STRING, 0 },
};

/* ------------------------------------------------------------ pure */

void
w32_env_file(char *text, void (*fn)(const char *name, const char *value,
    void *arg), void *arg)
{
	char *line = text;

	while (line != NULL && *line != '\0') {
		char *eol = strchr(line, '\n'), *eq, *v, *name;
		size_t n;

		if (eol != NULL)
			*eol = '\0';
		name = line;
		line = eol != NULL ? eol + 1 : NULL;
		while (*name == ' ' || *name == '\t')
			name++;
		if (*name == '#' || *name == '\0')
			continue;
		if (strncmp(name, "export ", 7) == 0)
			name += 7;
		if ((eq = strchr(name, '=')) == NULL || eq == name)
			continue;
		*eq = '\0';
		if (strcspn(name, " \t\"'") != strlen(name))
			continue;		/* not a variable name */
		v = eq + 1;
		n = strlen(v);
		while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' ||
		    v[n - 1] == '\r'))
			v[--n] = '\0';
		if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
			v[n - 1] = '\0';
			v++;
		}
		fn(name, v, arg);
	}
}

/* ------------------------------------------------------------ class */

struct env_walk {
	struct cim_ctx			*ctx;
	const struct cim_instance	*keys;	/* a Get's, or NULL */
	const char			*user;	/* "<SYSTEM>" or "HOST\user" */
	bool				 system;
	bool				 stop;
	/* names already given (a later file does not override) */
	char				**seen;
	size_t				 nseen;
};

static bool
wanted(const struct cim_instance *keys, size_t prop, const char *v)
{
	const char *want = keys != NULL ? w32->svc->get_string(keys, prop) :
	    NULL;

	return want == NULL || strcasecmp(want, v) == 0;
}

static void
env_emit(const char *name, const char *value, void *arg)
{
	const struct cim_services *svc = w32->svc;
	struct env_walk *w = arg;
	struct cim_instance *i;
	char caption[1024], **ns;

	if (w->stop || !wanted(w->keys, VP_NAME, name))
		return;
	for (size_t k = 0; k < w->nseen; k++)
		if (strcmp(w->seen[k], name) == 0)
			return;
	if ((ns = realloc(w->seen, (w->nseen + 1) * sizeof(*ns))) == NULL ||
	    (ns[w->nseen] = strdup(name)) == NULL) {
		if (ns != NULL)
			w->seen = ns;
		w->stop = true;
		w32_fail_nomem(w->ctx);
		return;
	}
	w->seen = ns;
	w->nseen++;
	if ((i = svc->instance(w->ctx)) == NULL) {
		w->stop = true;
		w32_fail_nomem(w->ctx);
		return;
	}
	svc->set_string(i, VP_NAME, name);
	svc->set_string(i, VP_USER_NAME, w->user);
	svc->set_string(i, VP_VARIABLE_VALUE, value);
	svc->set_bool(i, VP_SYSTEM_VARIABLE, w->system);
	snprintf(caption, sizeof(caption), "%s\\%s", w->user, name);
	svc->set_string(i, VP_CAPTION, caption);
	svc->set_string(i, VP_DESCRIPTION, caption);
	svc->set_string(i, VP_STATUS, "OK");
	if (!svc->emit(w->ctx, i))
		w->stop = true;
}

static void
walk_done(struct env_walk *w)
{
	for (size_t k = 0; k < w->nseen; k++)
		free(w->seen[k]);
	free(w->seen);
	w->seen = NULL;
	w->nseen = 0;
}

static int
environment(struct cim_ctx *ctx, const struct cim_instance *keys)
{
	static const char *const files[] = { "environment", "default/locale",
	    NULL };
	const struct winrmd_principal *p = w32->svc->principal(ctx);
	struct env_walk w = { .ctx = ctx, .keys = keys };
	struct procfs_buf b = { 0 };
	char path[4096], host[256], user[600];

	/* the system's */
	w.user = SYSTEM_USER;
	w.system = true;
	if (wanted(keys, VP_USER_NAME, SYSTEM_USER))
		for (size_t f = 0; files[f] != NULL && !w.stop; f++) {
			if (w32_path(path, sizeof(path), w32->paths.etc,
			    files[f]) < 0 ||
			    procfs_read(AT_FDCWD, path, &b, 1 << 20, 0) < 0)
				continue;
			w32_utf8_fix(b.data);
			w32_env_file(b.data, env_emit, &w);
		}
	procfs_buf_free(&b);
	walk_done(&w);
	/* the caller's */
	if (p == NULL || w.stop)
		return CIM_OK;
	snprintf(user, sizeof(user), "%s\\%s", w32_hostname(host,
	    sizeof(host)), p->name);
	w.user = user;
	w.system = false;
	if (wanted(keys, VP_USER_NAME, user)) {
		env_emit("USER", p->name, &w);
		env_emit("LOGNAME", p->name, &w);
		if (p->home != NULL)
			env_emit("HOME", p->home, &w);
		if (p->shell != NULL)
			env_emit("SHELL", p->shell[0] != '\0' ? p->shell :
			    "/bin/sh", &w);
	}
	walk_done(&w);
	return CIM_OK;
}

static int
env_enumerate(struct cim_ctx *ctx, void *unused)
{
	(void)unused;
	return environment(ctx, NULL);
}

static int
env_get(struct cim_ctx *ctx, const struct cim_instance *keys, void *unused)
{
	(void)unused;
	return environment(ctx, keys);
}

const struct cim_class w32_environment_class = {
	.name = "Win32_Environment",
	.ns = W32_NS,
	.props = env_props,
	.nprops = VP_COUNT,
	.enumerate = env_enumerate,
	.get = env_get,
};
