/*
 * ansible.c: recognises the scripts of Ansible's winrm connection and
 * parses its module payload (ansible.h).  Structural matching: the script
 * is normalised as Ansible's _encode_script() does (lines stripped, blanks
 * dropped, the Set-StrictMode prefix and the exit-code suffix optional),
 * then each kind is known by its marker lines, whose variable parts are
 * PowerShell single-quoted literals or numbers.  A script that carries a
 * kind's markers but not its full structure is AK_MALFORMED: it is never
 * handed to a POSIX shell by accident.
 */
#define _GNU_SOURCE

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "ansible.h"

#define MAX_LINES	4096
#define JSON_DEPTH	64

/* -------------------------------------------------------------- literals */

/* bytes of the quote character at p (0: not a single-quote character) */
static size_t
quote_len(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	if (u[0] == '\'')
		return 1;
	/* U+2018 ‘ U+2019 ’ U+201A ‚ U+201B ‛ */
	if (u[0] == 0xe2 && u[1] == 0x80 && u[2] >= 0x98 && u[2] <= 0x9b)
		return 3;
	return 0;
}

char *
ansible_ps_literal(const char *p, const char **ret_end)
{
	size_t q = quote_len(p), n = 0;
	char *out;

	if (q == 0 || (out = malloc(strlen(p) + 1)) == NULL)
		return NULL;
	p += q;
	for (;;) {
		if (*p == '\0') {
			free(out);
			return NULL;
		}
		if ((q = quote_len(p)) > 0) {
			size_t q2 = quote_len(p + q);

			if (q2 == 0) {	/* the closing quote */
				out[n] = '\0';
				*ret_end = p + q;
				return out;
			}
			/* doubled: one quote, the first as written */
			memcpy(out + n, p, q);
			n += q;
			p += q + q2;
			continue;
		}
		out[n++] = *p++;
	}
}

/* ---------------------------------------------------------------- lines */

struct lines {
	char	*buf;
	char	**base;		/* what was allocated */
	char	**v;		/* the lines between prefix and suffix */
	size_t	 n;
	bool	 strict;	/* Set-StrictMode -Version Latest first */
	bool	 rc_suffix;	/* the exit-code line last */
};

static void
lines_free(struct lines *l)
{
	free(l->buf);
	free(l->base);
	memset(l, 0, sizeof(*l));
}

/*
 * Matches a line against a pattern, case-insensitively: a space in the
 * pattern matches any run of blanks (or none), \1 a single-quoted literal,
 * \2 a decimal number.  Captures are malloc'd into caps (at most ncaps).
 * Returns the number of captures, or -1 (no match; nothing allocated).
 */
static int
match_line(const char *line, const char *pat, char **caps, int ncaps)
{
	const char *s = line;
	int n = 0;

	for (const char *p = pat; *p != '\0'; p++) {
		if (*p == ' ') {
			while (*s == ' ' || *s == '\t')
				s++;
			continue;
		}
		if (*p == '\1' || *p == '\2') {
			const char *end = s;
			char *v = NULL;

			if (n == ncaps)
				goto fail;
			if (*p == '\1')
				v = ansible_ps_literal(s, &end);
			else {
				while (isdigit((unsigned char)*end))
					end++;
				if (end > s && end - s <= 18)
					v = strndup(s, (size_t)(end - s));
			}
			if (v == NULL)
				goto fail;
			caps[n++] = v;
			s = end;
			continue;
		}
		if (tolower((unsigned char)*s) != tolower((unsigned char)*p))
			goto fail;
		s++;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return n;
fail:
	while (n > 0)
		free(caps[--n]);
	return -1;
}

/* the first line matching pat; its captures in caps */
static int
find_line(const struct lines *l, const char *pat, char **caps, int ncaps)
{
	for (size_t i = 0; i < l->n; i++) {
		int r = match_line(l->v[i], pat, caps, ncaps);

		if (r >= 0)
			return r;
	}
	return -1;
}

static bool
has(const char *text, const char *needle)
{
	return strcasestr(text, needle) != NULL;
}

static bool
starts(const char *line, const char *prefix)
{
	return strncasecmp(line, prefix, strlen(prefix)) == 0;
}

/*
 * Ansible's normalisation: lines stripped, blank ones dropped; the
 * StrictMode prefix and the exit-code suffix noted and taken off.
 */
static int
lines_split(const char *script, struct lines *l)
{
	char *save = NULL, *t;

	memset(l, 0, sizeof(*l));
	if ((l->buf = strdup(script)) == NULL ||
	    (l->base = calloc(MAX_LINES, sizeof(char *))) == NULL) {
		lines_free(l);
		return -ENOMEM;
	}
	l->v = l->base;
	for (t = strtok_r(l->buf, "\n", &save); t != NULL;
	    t = strtok_r(NULL, "\n", &save)) {
		char *e;

		while (isspace((unsigned char)*t))
			t++;
		e = t + strlen(t);
		while (e > t && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*t == '\0')
			continue;
		if (l->n == MAX_LINES)
			break;	/* no Ansible script is that long */
		l->v[l->n++] = t;
	}
	if (l->n > 0 && match_line(l->v[0], "set-strictmode -version latest",
	    NULL, 0) == 0) {
		l->strict = true;
		l->v++;
		l->n--;
	}
	if (l->n > 0 && starts(l->v[l->n - 1], "if (-not $?)")) {
		l->rc_suffix = true;
		l->n--;
	}
	return 0;
}

/* ---------------------------------------------------------- recognisers */

static int
set_helper(struct ansible_native *r, const char *name, char **params,
    int nparams)
{
	r->kind = AK_HELPER;
	if ((r->argv[0] = strdup(name)) == NULL) {
		for (int i = 0; i < nparams; i++)
			free(params[i]);
		return -ENOMEM;
	}
	for (int i = 0; i < nparams && i < ANSIBLE_MAX_ARGS - 1; i++)
		r->argv[i + 1] = params[i];
	return 0;
}

static int
set_malformed(struct ansible_native *r, const char *what, const char *detail)
{
	r->kind = AK_MALFORMED;
	if (asprintf(&r->why, "this looks like Ansible's %s script, but %s; "
	    "winrmd runs Ansible's scripts natively and does not run it",
	    what, detail) < 0) {
		r->why = NULL;
		return -ENOMEM;
	}
	return 0;
}

static bool
valid_tmp_name(const char *name)
{
	return name[0] != '\0' && strcmp(name, ".") != 0 &&
	    strcmp(name, "..") != 0 && strpbrk(name, "\\/") == NULL;
}

static int
try_bootstrap(const char *script, struct ansible_native *r)
{
	bool nuls = has(script, "`0`0`0`0"), create = has(script,
	    "[ScriptBlock]::Create("), input = has(script, "$input");

	if (nuls && create && input) {
		r->kind = AK_BOOTSTRAP;
		return 1;
	}
	if (nuls || has(script, "$exec_wrapper")) {
		int e = set_malformed(r, "module bootstrap", "it does not read "
		    "its payload (wrapper, four NULs, JSON) from $input");

		return e < 0 ? e : 1;
	}
	return 0;
}

static int
try_put_file(const struct lines *l, const char *script,
    struct ansible_native *r)
{
	bool begin = l->n > 0 && match_line(l->v[0], "begin {", NULL, 0) == 0;
	bool create = has(script, "[System.IO.File]::Create($path)");
	bool b64 = has(script, "FromBase64String($input)");
	char *cap[1];
	int e;

	if (!(begin && b64) && !(b64 && create) && !(begin && create))
		return 0;
	if (!begin || !create || !b64 || !has(script, "TransformFinalBlock"))
		e = set_malformed(r, "put_file", "a part of its structure "
		    "(begin, File::Create, FromBase64String, SHA1) is missing");
	else if (find_line(l, "$path = \1", cap, 1) != 1)
		e = set_malformed(r, "put_file", "its $path = '...' line "
		    "cannot be read");
	else
		e = set_helper(r, "put_file", cap, 1);
	return e < 0 ? e : 1;
}

static int
try_fetch_file(const struct lines *l, const char *script,
    struct ansible_native *r)
{
	char *path[1], *size[1], *off[1];
	int e;

	if (!has(script, "$buffer_size") || !(has(script, "IO.FileStream") ||
	    has(script, "[DIR]")))
		return 0;
	if (!has(script, "IO.FileStream") || !has(script, "[DIR]"))
		return set_malformed(r, "fetch_file", "a part of its structure "
		    "(FileStream, [DIR]) is missing") < 0 ? -ENOMEM : 1;
	if (find_line(l, "$path = \1", path, 1) != 1)
		return set_malformed(r, "fetch_file", "its $path = '...' line "
		    "cannot be read") < 0 ? -ENOMEM : 1;
	if (find_line(l, "$buffer_size = \2", size, 1) != 1) {
		free(path[0]);
		return set_malformed(r, "fetch_file", "its $buffer_size is not "
		    "a number") < 0 ? -ENOMEM : 1;
	}
	if (find_line(l, "$offset = \2", off, 1) != 1) {
		free(path[0]);
		free(size[0]);
		return set_malformed(r, "fetch_file", "its $offset is not a "
		    "number") < 0 ? -ENOMEM : 1;
	}
	{
		char *p[3] = { path[0], off[0], size[0] };

		e = set_helper(r, "fetch_file", p, 3);
	}
	return e < 0 ? e : 1;
}

static int
try_mkdtemp(const struct lines *l, const char *script,
    struct ansible_native *r)
{
	char *base[1], *name[1];

	if (!has(script, "ExpandEnvironmentVariables(") ||
	    !has(script, "New-Item"))
		return 0;
	if (find_line(l, "$tmp_path = [System.Environment]::"
	    "ExpandEnvironmentVariables(\1)", base, 1) != 1)
		return set_malformed(r, "mkdtemp", "its remote_tmp base "
		    "cannot be read") < 0 ? -ENOMEM : 1;
	if (find_line(l, "$tmp = New-Item -Type Directory -Path $tmp_path "
	    "-Name \1", name, 1) != 1) {
		free(base[0]);
		return set_malformed(r, "mkdtemp", "its New-Item -Name '...' "
		    "cannot be read") < 0 ? -ENOMEM : 1;
	}
	if (!valid_tmp_name(name[0]) || !has(script, "$tmp.FullName")) {
		free(base[0]);
		free(name[0]);
		return set_malformed(r, "mkdtemp", "its directory name is not "
		    "a single path component, or it does not print the path")
		    < 0 ? -ENOMEM : 1;
	}
	{
		char *p[2] = { base[0], name[0] };
		int e = set_helper(r, "mkdtemp", p, 2);

		return e < 0 ? e : 1;
	}
}

static int
try_remove(const struct lines *l, struct ansible_native *r)
{
	char *path[1];
	int e;

	if (l->n == 0 || !starts(l->v[0], "Remove-Item "))
		return 0;
	if (l->n == 1 && match_line(l->v[0], "Remove-Item \1 -Force -Recurse;",
	    path, 1) == 1) {
		char *p[2] = { path[0], strdup("recurse") };

		if (p[1] == NULL) {
			free(p[0]);
			return -ENOMEM;
		}
		e = set_helper(r, "remove", p, 2);
	} else if (l->n == 1 && match_line(l->v[0], "Remove-Item \1 -Force;",
	    path, 1) == 1) {
		char *p[2] = { path[0], strdup("file") };

		if (p[1] == NULL) {
			free(p[0]);
			return -ENOMEM;
		}
		e = set_helper(r, "remove", p, 2);
	} else
		e = set_malformed(r, "remove", "it is not one line "
		    "Remove-Item '<path>' -Force [-Recurse];");
	return e < 0 ? e : 1;
}

static int
try_expand_user(const struct lines *l, struct ansible_native *r)
{
	char *cap[1];
	int e;

	if (l->n != 1 || !starts(l->v[0], "Write-Output"))
		return 0;
	if (match_line(l->v[0], "Write-Output (Get-Location).Path", NULL,
	    0) == 0)
		e = set_helper(r, "expand_user", NULL, 0);
	else if (match_line(l->v[0], "Write-Output ((Get-Location).Path + "
	    "\1)", cap, 1) == 1)
		e = set_helper(r, "expand_user", cap, 1);
	else if (match_line(l->v[0], "Write-Output \1", cap, 1) == 1)
		e = set_helper(r, "echo", cap, 1);
	else if (has(l->v[0], "Get-Location"))
		e = set_malformed(r, "expand_user", "its Write-Output line "
		    "cannot be read");
	else
		return 0;
	return e < 0 ? e : 1;
}

static int
try_checksum(const struct lines *l, const char *script,
    struct ansible_native *r)
{
	char *path[1];
	int e;

	if (!has(script, "SHA1CryptoServiceProvider") ||
	    !has(script, "ComputeHash"))
		return 0;
	if (find_line(l, "If (Test-Path -PathType Leaf \1)", path, 1) == 1)
		e = set_helper(r, "checksum", path, 1);
	else
		e = set_malformed(r, "checksum", "its Test-Path -PathType Leaf "
		    "'...' line cannot be read");
	return e < 0 ? e : 1;
}

static int
try_exists(const struct lines *l, struct ansible_native *r)
{
	char *path[1];

	if (l->n < 3 || find_line(l, "$res = 0;", NULL, 0) != 0 ||
	    find_line(l, "Exit $res;", NULL, 0) != 0)
		return 0;
	if (find_line(l, "If (Test-Path \1)", path, 1) != 1)
		return set_malformed(r, "exists", "its Test-Path '...' line "
		    "cannot be read") < 0 ? -ENOMEM : 1;
	{
		int e = set_helper(r, "exists", path, 1);

		return e < 0 ? e : 1;
	}
}

int
ansible_recognise(const char *script, struct ansible_native *r)
{
	struct lines l;
	int e;

	memset(r, 0, sizeof(*r));
	if ((e = try_bootstrap(script, r)) != 0)
		return e < 0 ? e : 0;
	if (lines_split(script, &l) < 0)
		return -ENOMEM;
	if ((e = try_put_file(&l, script, r)) == 0 &&
	    (e = try_fetch_file(&l, script, r)) == 0 &&
	    (e = try_mkdtemp(&l, script, r)) == 0 &&
	    (e = try_remove(&l, r)) == 0 &&
	    (e = try_expand_user(&l, r)) == 0 &&
	    (e = try_checksum(&l, script, r)) == 0)
		e = try_exists(&l, r);
	lines_free(&l);
	if (e < 0) {
		ansible_native_free(r);
		return e;
	}
	return 0;
}

void
ansible_native_free(struct ansible_native *n)
{
	for (size_t i = 0; i < sizeof(n->argv) / sizeof(n->argv[0]); i++)
		free(n->argv[i]);
	free(n->why);
	memset(n, 0, sizeof(*n));
}

/* ------------------------------------------------------------- payload */

static const char *const native_modules[] = {
	"win_ping", "win_command", "win_shell", "win_stat", "stat", "slurp",
	"win_file", "win_copy", "win_service", "setup", "async_status",
	"script",
};

bool
ansible_module_native(const char *name)
{
	if (name == NULL)
		return false;
	for (size_t i = 0; i < sizeof(native_modules) / sizeof(native_modules[0]);
	    i++)
		if (strcmp(name, native_modules[i]) == 0)
			return true;
	return false;
}

static void
wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

void
ansible_payload_free(struct ansible_payload *p)
{
	free(p->module);
	free(p->module_full);
	free(p->become_user);
	wipe_free(p->become_password);
	free(p->async_jid);
	free(p->json);
	memset(p, 0, sizeof(*p));
}

static const char *
str_member(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int __attribute__((format(printf, 3, 4)))
bad(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* copies key of from into to, when present */
static int
keep(struct json_object *to, struct json_object *from, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(from, key, &v))
		return 0;
	return json_object_object_add(to, key, json_object_get(v));
}

int
ansible_payload_parse(const unsigned char *buf, size_t len,
    struct ansible_payload *p, char *why, size_t whylen)
{
	static const unsigned char sep[4] = { 0, 0, 0, 0 };
	const unsigned char *json = memmem(buf, len, sep, sizeof(sep));
	struct json_tokener *tok = NULL;
	struct json_object *root = NULL, *args, *actions, *out = NULL;
	const char *name, *s;
	size_t jlen;
	int r = -ENOMEM;

	memset(p, 0, sizeof(*p));
	if (json == NULL)
		return bad(why, whylen, "the module payload has no exec wrapper "
		    "and JSON separated by four NUL bytes");
	json += sizeof(sep);
	jlen = len - (size_t)(json - buf);
	if (jlen == 0 || jlen > ANSIBLE_PAYLOAD_MAX || jlen > (size_t)INT32_MAX)
		return bad(why, whylen, "the module payload's JSON is empty or "
		    "too large");
	if ((tok = json_tokener_new_ex(JSON_DEPTH)) == NULL)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, (const char *)json, (int)jlen);
	if (root == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		r = bad(why, whylen, "the module payload is not JSON (%s)",
		    json_tokener_error_desc(json_tokener_get_error(tok)));
		goto out;
	}
	for (size_t i = json_tokener_get_parse_end(tok); i < jlen; i++)
		if (!isspace(json[i])) {
			r = bad(why, whylen, "the module payload has data after "
			    "its JSON object");
			goto out;
		}
	if (!json_object_is_type(root, json_type_object)) {
		r = bad(why, whylen, "the module payload is not a JSON object");
		goto out;
	}
	if (!json_object_object_get_ex(root, "actions", &actions) ||
	    !json_object_is_type(actions, json_type_array) ||
	    json_object_array_length(actions) == 0) {
		r = bad(why, whylen, "the module payload has no \"actions\"");
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(actions); i++) {
		struct json_object *a = json_object_array_get_idx(actions, i);

		if (!json_object_is_type(a, json_type_string)) {
			r = bad(why, whylen, "the module payload's \"actions\" "
			    "are not strings");
			goto out;
		}
		s = json_object_get_string(a);
		if (strcmp(s, "become_wrapper") == 0)
			p->become = true;
		else if (strcmp(s, "async_wrapper") == 0)
			p->async = true;
		else if (strcmp(s, "module_script_wrapper") == 0 &&
		    (p->module = strdup("script")) == NULL)
			goto out;
	}
	if (!json_object_object_get_ex(root, "module_args", &args) ||
	    !json_object_is_type(args, json_type_object)) {
		r = bad(why, whylen, "the module payload has no \"module_args\" "
		    "object");
		goto out;
	}
	if (p->module == NULL) {
		if ((name = str_member(args, "_ansible_module_name")) == NULL) {
			r = bad(why, whylen, "the module payload does not name its "
			    "module (module_args._ansible_module_name)");
			goto out;
		}
		if ((p->module_full = strdup(name)) == NULL ||
		    (p->module = strdup(strrchr(name, '.') ?
		    strrchr(name, '.') + 1 : name)) == NULL)
			goto out;
	} else if ((p->module_full = strdup("script")) == NULL)
		goto out;
	{
		struct json_object *cm;

		p->check_mode = json_object_object_get_ex(args,
		    "_ansible_check_mode", &cm) && json_object_get_boolean(cm);
	}
	if ((s = str_member(root, "become_user")) != NULL &&
	    (p->become_user = strdup(s)) == NULL)
		goto out;
	if ((s = str_member(root, "become_password")) != NULL) {
		p->become_password = strdup(s);
		/* json-c's copy goes with the tree: wipe it first */
		explicit_bzero((char *)s, strlen(s));
		if (p->become_password == NULL)
			goto out;
	}
	if (p->async) {
		struct json_object *t;

		if ((s = str_member(root, "async_jid")) == NULL || s[0] == '\0' ||
		    strpbrk(s, "/\\") != NULL || strlen(s) > 64) {
			r = bad(why, whylen, "the async module payload has no "
			    "valid async_jid");
			goto out;
		}
		if ((p->async_jid = strdup(s)) == NULL)
			goto out;
		p->async_timeout = json_object_object_get_ex(root,
		    "async_timeout_sec", &t) ? json_object_get_int64(t) : 0;
		if (p->async_timeout <= 0) {
			r = bad(why, whylen, "the async module payload has no "
			    "positive async_timeout_sec");
			goto out;
		}
	}
	/* what winrmd-native needs, without the wrappers and the password */
	if ((out = json_object_new_object()) == NULL ||
	    json_object_object_add(out, "module",
	    json_object_new_string(p->module)) < 0 ||
	    keep(out, root, "module_args") < 0 ||
	    keep(out, root, "environment") < 0 ||
	    keep(out, root, "actions") < 0 ||
	    keep(out, root, "async_jid") < 0 ||
	    keep(out, root, "async_timeout_sec") < 0 ||
	    keep(out, root, "async_startup_timeout") < 0 ||
	    keep(out, root, "become_user") < 0 ||
	    (strcmp(p->module, "script") == 0 &&
	    keep(out, root, "module_entry") < 0))
		goto out;
	s = json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s == NULL || (p->json = strdup(s)) == NULL)
		goto out;
	p->json_len = strlen(p->json);
	r = 0;
out:
	json_object_put(out);
	json_object_put(root);
	json_tokener_free(tok);
	if (r < 0) {
		if (r == -ENOMEM)
			snprintf(why, whylen, "out of memory");
		ansible_payload_free(p);
	}
	return r;
}

char *
ansible_fail_json(const char *msg)
{
	struct json_object *o = json_object_new_object();
	char *s = NULL;

	if (o == NULL)
		return NULL;
	if (json_object_object_add(o, "changed", json_object_new_boolean(0)) == 0 &&
	    json_object_object_add(o, "failed", json_object_new_boolean(1)) == 0 &&
	    json_object_object_add(o, "msg", json_object_new_string(msg)) == 0 &&
	    asprintf(&s, "%s\r\n", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
		s = NULL;
	json_object_put(o);
	return s;
}
