/*
 * modules.c: runs one Ansible module natively: the task's environment, the
 * module table, check mode (a module that does not support it is skipped,
 * as Ansible.Basic does), module_args conversions and the result JSON.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "native.h"
#include "native_modules.h"
#include "winpath.h"

static const struct {
	const char	*name;
	mod_fn		 fn;
	bool		 check_mode;	/* supports check mode */
} modules[] = {
#define MODULE_ROW(name, fn, check) { name, fn, check },
	NATIVE_MODULES(MODULE_ROW)
#undef MODULE_ROW
};

/* ------------------------------------------------------------- arguments */

static struct json_object *
arg(struct mod *m, const char *key)
{
	struct json_object *v;

	if (m->args == NULL || !json_object_object_get_ex(m->args, key, &v) ||
	    v == NULL)
		return NULL;
	return v;
}

const char *
arg_str(struct mod *m, const char *key)
{
	struct json_object *v = arg(m, key);

	if (v == NULL)
		return NULL;
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	/* numbers and booleans become their text, as Ansible.Basic does */
	return json_object_get_string(v);
}

bool
arg_bool(struct mod *m, const char *key, bool def)
{
	struct json_object *v = arg(m, key);
	const char *s;

	if (v == NULL)
		return def;
	if (json_object_is_type(v, json_type_boolean) ||
	    json_object_is_type(v, json_type_int))
		return json_object_get_boolean(v);
	s = json_object_get_string(v);
	if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 ||
	    strcasecmp(s, "on") == 0 || strcmp(s, "1") == 0 ||
	    strcasecmp(s, "y") == 0)
		return true;
	if (strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0 ||
	    strcasecmp(s, "off") == 0 || strcmp(s, "0") == 0 ||
	    strcasecmp(s, "n") == 0)
		return false;
	return def;
}

long long
arg_int(struct mod *m, const char *key, long long def)
{
	struct json_object *v = arg(m, key);
	char *end;
	long long r;

	if (v == NULL)
		return def;
	if (json_object_is_type(v, json_type_int))
		return json_object_get_int64(v);
	r = strtoll(json_object_get_string(v), &end, 10);
	return *end == '\0' ? r : def;
}

struct json_object *
arg_obj(struct mod *m, const char *key)
{
	return arg(m, key);
}

char *
arg_path(struct mod *m, const char *key, int *ret_err)
{
	const char *v = arg_str(m, key), *why;
	char *p;

	*ret_err = 0;
	if (v == NULL)
		return NULL;
	if ((p = winpath_map(v, &why)) == NULL) {
		mod_fail(m, "%s '%s' has no meaning on this host: %s", key, v,
		    why);
		*ret_err = -1;
	}
	return p;
}

/* --------------------------------------------------------------- results */

void
res_set(struct mod *m, const char *key, struct json_object *v)
{
	json_object_object_add(m->result, key, v);
}

void
res_bool(struct mod *m, const char *key, bool v)
{
	res_set(m, key, json_object_new_boolean(v));
}

void
res_str(struct mod *m, const char *key, const char *v)
{
	if (v == NULL) {
		res_set(m, key, NULL);
		return;
	}
	{
		char *c = utf8_clean(v, strlen(v));

		res_set(m, key, json_object_new_string(c));
		free(c);
	}
}

void
res_int(struct mod *m, const char *key, long long v)
{
	res_set(m, key, json_object_new_int64(v));
}

int
mod_fail(struct mod *m, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		die_nomem();
	va_end(ap);
	res_bool(m, "failed", true);
	res_str(m, "msg", msg);
	free(msg);
	return 1;
}

int
module_emit(struct mod *m)
{
	struct json_object *f;
	bool failed;

	if (!json_object_object_get_ex(m->result, "changed", NULL))
		res_bool(m, "changed", false);
	failed = json_object_object_get_ex(m->result, "failed", &f) &&
	    json_object_get_boolean(f);
	printf("%s\r\n", json_text(m->result));
	fflush(stdout);
	return failed ? 1 : 0;
}

/* ------------------------------------------------------------------ runs */

/* the task's environment: keys and values as given */
static void
apply_environment(struct json_object *payload)
{
	struct json_object *env;

	if (!json_object_object_get_ex(payload, "environment", &env) ||
	    !json_object_is_type(env, json_type_object))
		return;
	json_object_object_foreach(env, k, v) {
		if (v == NULL)
			unsetenv(k);
		else
			setenv(k, json_object_get_string(v), 1);
	}
}

int
module_run(struct json_object *payload, const char *name)
{
	struct mod m = { .name = name, .payload = payload };
	struct json_object *v;
	int r = -1;

	apply_environment(payload);
	if (json_object_object_get_ex(payload, "module_args", &m.args) &&
	    !json_object_is_type(m.args, json_type_object))
		m.args = NULL;
	if ((m.result = json_object_new_object()) == NULL)
		die_nomem();
	if (m.args != NULL) {
		m.check_mode = json_object_object_get_ex(m.args,
		    "_ansible_check_mode", &v) && json_object_get_boolean(v);
		m.diff_mode = json_object_object_get_ex(m.args, "_ansible_diff",
		    &v) && json_object_get_boolean(v);
	}
	for (size_t i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
		if (strcmp(modules[i].name, name) != 0)
			continue;
		if (m.check_mode && !modules[i].check_mode) {
			char *msg = xasprintf("remote module (%s) does not "
			    "support check mode", name);

			res_bool(&m, "changed", false);
			res_bool(&m, "skipped", true);
			res_str(&m, "msg", msg);
			free(msg);
			r = module_emit(&m);
		} else {
			/* the script module prints what the script prints */
			if (modules[i].fn(&m) < 0) {
				json_object_put(m.result);
				return 1;
			}
			if (strcmp(name, "script") == 0) {
				json_object_object_get_ex(m.result, "rc", &v);
				r = v != NULL ? json_object_get_int(v) : 1;
			} else
				r = module_emit(&m);
		}
		break;
	}
	if (r < 0) {
		mod_fail(&m, "%s is not implemented natively by winrmd; this "
		    "Linux host has no PowerShell to run it (see winrmd(8), "
		    "\"Ansible\": the modules it runs natively)", name);
		r = module_emit(&m);
	}
	json_object_put(m.result);
	return r;
}
