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
#include "native_modules.h"

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

/*
 * The bootstrap: 2.14's splits $input at "`0`0`0`0" and runs the exec
 * wrapper through [ScriptBlock]::Create(); 2.19's (bootstrap_wrapper.ps1)
 * reads $input up to a "`0`0`0`0" line, ConvertFrom-Json's it and pipes
 * the rest of $input to the script it names (& $cmd @splat).
 */
static int
try_bootstrap(const char *script, struct ansible_native *r)
{
	bool nuls = has(script, "`0`0`0`0"), input = has(script, "$input");
	bool v214 = has(script, "[ScriptBlock]::Create(");
	bool v219 = has(script, "ConvertFrom-Json") &&
	    has(script, "$input | & $cmd");

	if (nuls && input && (v214 || v219)) {
		r->kind = AK_BOOTSTRAP;
		return 1;
	}
	if (nuls || has(script, "$exec_wrapper") || has(script, "$codeJson")) {
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

int
ansible_recognise_psrp(const char *script, struct ansible_native *r)
{
	static const char tail[] = "\nexit $LASTEXITCODE";
	size_t len = strlen(script), tl = sizeof(tail) - 1;
	char *text;
	int e;

	/* a raw command: the script is what precedes the tail */
	while (len > 0 && strchr(" \t\r\n", script[len - 1]) != NULL)
		len--;
	if (len < tl || strncasecmp(script + len - tl, tail, tl) != 0)
		return ansible_recognise(script, r);
	if ((text = strndup(script, len - tl)) == NULL) {
		memset(r, 0, sizeof(*r));
		return -ENOMEM;
	}
	e = ansible_recognise(text, r);
	free(text);
	return e;
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
#define MODULE_NAME(name, fn, check) name,
	NATIVE_MODULES(MODULE_NAME)
#undef MODULE_NAME
};
#define NNATIVE	(sizeof(native_modules) / sizeof(native_modules[0]))

bool
ansible_module_native(const char *name)
{
	if (name == NULL)
		return false;
	for (size_t i = 0; i < NNATIVE; i++)
		if (strcmp(name, native_modules[i]) == 0)
			return true;
	return false;
}

const char *
ansible_native_list(char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < NNATIVE && o < len; i++) {
		int n = snprintf(buf + o, len - o, "%s%s", i == 0 ? "" :
		    i + 1 == NNATIVE ? " and " : ", ", native_modules[i]);

		if (n < 0)
			break;
		o += (size_t)n;
	}
	return buf;
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
	for (size_t i = 0; i < sizeof(p->helper) / sizeof(p->helper[0]); i++)
		free(p->helper[i]);
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

/* parses len bytes of JSON text (bounded depth); NULL with why set if not */
static struct json_object *
parse_json(const char *text, size_t len, const char *what, char *why,
    size_t whylen, int *ret)
{
	struct json_tokener *tok;
	struct json_object *o;
	size_t end;

	*ret = -ENOMEM;
	while (len > 0 && isspace((unsigned char)text[len - 1]))
		len--;
	if (len == 0 || len > ANSIBLE_PAYLOAD_MAX) {
		*ret = bad(why, whylen, "%s is empty or too large", what);
		return NULL;
	}
	if ((tok = json_tokener_new_ex(JSON_DEPTH)) == NULL)
		return NULL;
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		*ret = bad(why, whylen, "%s is not JSON (%s)", what,
		    json_tokener_error_desc(json_tokener_get_error(tok)));
		json_object_put(o);
		json_tokener_free(tok);
		return NULL;
	}
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	for (size_t i = end; i < len; i++)
		if (!isspace((unsigned char)text[i])) {
			*ret = bad(why, whylen, "%s has data after its JSON "
			    "object", what);
			json_object_put(o);
			return NULL;
		}
	if (!json_object_is_type(o, json_type_object)) {
		*ret = bad(why, whylen, "%s is not a JSON object", what);
		json_object_put(o);
		return NULL;
	}
	*ret = 0;
	return o;
}

/* the reduced JSON winrmd-native reads (out is consumed) */
static int
payload_text(struct ansible_payload *p, struct json_object *out)
{
	const char *s;

	s = json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s == NULL || (p->json = strdup(s)) == NULL) {
		json_object_put(out);
		return -ENOMEM;
	}
	p->json_len = strlen(p->json);
	json_object_put(out);
	return 0;
}

static int
set_module_name(struct ansible_payload *p, const char *full)
{
	const char *dot = strrchr(full, '.');

	if ((p->module_full = strdup(full)) == NULL ||
	    (p->module = strdup(dot != NULL ? dot + 1 : full)) == NULL)
		return -ENOMEM;
	return 0;
}

static int
take_password(struct ansible_payload *p, struct json_object *o,
    const char *key)
{
	const char *s = str_member(o, key);

	if (s == NULL)
		return 0;
	p->become_password = strdup(s);
	/* json-c's copy goes with the tree: wipe it first */
	explicit_bzero((char *)s, strlen(s));
	return p->become_password == NULL ? -ENOMEM : 0;
}

static bool
valid_jid(const char *s)
{
	return s != NULL && s[0] != '\0' && strpbrk(s, "/\\") == NULL &&
	    strlen(s) <= 64;
}

/* ---------------------------------------------- ansible-core 2.14's payload */

static int
parse_v214(const unsigned char *buf, size_t len, struct ansible_payload *p,
    char *why, size_t whylen)
{
	static const unsigned char sep[4] = { 0, 0, 0, 0 };
	const unsigned char *json = memmem(buf, len, sep, sizeof(sep));
	struct json_object *root, *args, *actions, *out = NULL;
	const char *name, *s;
	int r;

	if (json == NULL)
		return bad(why, whylen, "the module payload has no exec wrapper "
		    "and JSON separated by four NUL bytes");
	json += sizeof(sep);
	if ((root = parse_json((const char *)json, len - (size_t)(json - buf),
	    "the module payload", why, whylen, &r)) == NULL)
		return r;
	r = -ENOMEM;
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
		if (set_module_name(p, name) < 0)
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
	if (take_password(p, root, "become_password") < 0)
		goto out;
	if (p->async) {
		struct json_object *t;

		if (!valid_jid(s = str_member(root, "async_jid"))) {
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
	r = payload_text(p, out);
	out = NULL;
out:
	json_object_put(out);
	json_object_put(root);
	return r;
}

/* --------------------------------------- ansible-core 2.19's exec manifest */

/* the first "\0\0\0\0" at or after from (NULL if none) */
static const unsigned char *
nuls(const unsigned char *buf, size_t len, size_t from)
{
	static const unsigned char sep[4] = { 0, 0, 0, 0 };

	return from > len ? NULL : memmem(buf + from, len - from, sep, 4);
}

static bool
is_manifest(const unsigned char *buf, size_t len)
{
	size_t i = 0;

	while (i < len && isspace(buf[i]))
		i++;
	return i < len && buf[i] == '{';
}

size_t
ansible_payload_ready(const unsigned char *buf, size_t len, bool end,
    size_t *ret_input)
{
	const unsigned char *s1, *s2;

	*ret_input = len;
	if (!is_manifest(buf, len))
		return end ? len : 0;
	if ((s1 = nuls(buf, len, 0)) != NULL &&
	    (s2 = nuls(buf, len, (size_t)(s1 - buf) + 4)) != NULL) {
		size_t in = (size_t)(s2 - buf) + 4;

		/* the NUL line's own line end */
		if (in < len && buf[in] == '\r')
			in++;
		if (in < len && buf[in] == '\n')
			in++;
		else if (in == len && !end)
			return 0;	/* its line end may come next */
		*ret_input = in;
		return (size_t)(s2 - buf);
	}
	return end ? len : 0;
}

/* a parameter of an action: a string, or NULL */
static const char *
param_str(struct json_object *params, const char *key)
{
	return params != NULL ? str_member(params, key) : NULL;
}

/* a non-negative integer parameter (JSON number or decimal string) as text */
static char *
param_uint(struct json_object *params, const char *key, long long max)
{
	struct json_object *v;
	long long n;
	char *end, *s;

	if (params == NULL || !json_object_object_get_ex(params, key, &v))
		return NULL;
	if (json_object_is_type(v, json_type_int))
		n = json_object_get_int64(v);
	else if (json_object_is_type(v, json_type_string)) {
		const char *t = json_object_get_string(v);

		if (!isdigit((unsigned char)t[0]))
			return NULL;
		errno = 0;
		n = strtoll(t, &end, 10);
		if (*end != '\0' || errno != 0)
			return NULL;
	} else
		return NULL;
	if (n < 0 || n > max || asprintf(&s, "%lld", n) < 0)
		return NULL;
	return s;
}

/* sets p->helper to name and the given values (taken; NULL: a bad one) */
static int
set_payload_helper(struct ansible_payload *p, const char *name, int n, ...)
{
	va_list ap;
	bool missing = false;
	int k = 1;

	if ((p->helper[0] = strdup(name)) == NULL)
		missing = true;
	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		char *v = va_arg(ap, char *);

		if (v == NULL)
			missing = true;
		else if (k < ANSIBLE_MAX_ARGS)
			p->helper[k++] = v;
		else
			free(v);
	}
	va_end(ap);
	return missing ? -1 : 0;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* one of the connection's helper scripts (the manifest's only action) */
static int
manifest_helper(struct ansible_payload *p, const char *name,
    struct json_object *params, char *why, size_t whylen)
{
	const char *path;
	int e = 0;

	if (strcasecmp(name, "winrm_put_file.ps1") == 0 ||
	    strcasecmp(name, "psrp_put_file.ps1") == 0)
		e = set_payload_helper(p, "put_file", 1,
		    dup_or_null(param_str(params, "Path")));
	else if (strcasecmp(name, "winrm_fetch_file.ps1") == 0)
		e = set_payload_helper(p, "fetch_file", 3,
		    dup_or_null(param_str(params, "Path")),
		    param_uint(params, "Offset", INT64_MAX),
		    param_uint(params, "BufferSize", 64 * 1024 * 1024));
	else if (strcasecmp(name, "psrp_fetch_file.ps1") == 0)
		/* the psrp connection's: "[FILE]", then every chunk */
		e = set_payload_helper(p, "fetch_stream", 2,
		    dup_or_null(param_str(params, "Path")),
		    param_uint(params, "BufferSize", 64 * 1024 * 1024));
	else if (strcasecmp(name, "powershell_mkdtemp.ps1") == 0) {
		const char *dname = param_str(params, "Name");

		if (dname != NULL && !valid_tmp_name(dname))
			return bad(why, whylen, "its mkdtemp Name is not a single "
			    "path component");
		e = set_payload_helper(p, "mkdtemp", 2,
		    dup_or_null(param_str(params, "Directory")),
		    dup_or_null(dname));
	} else if (strcasecmp(name, "powershell_expand_user.ps1") == 0) {
		if ((path = param_str(params, "Path")) == NULL)
			e = -1;
		else if (strcmp(path, "~") == 0)
			e = set_payload_helper(p, "expand_user", 0);
		else if (strncmp(path, "~\\", 2) == 0)
			e = set_payload_helper(p, "expand_user", 1,
			    strdup(path + 1));
		else
			e = set_payload_helper(p, "echo", 1, strdup(path));
	} else
		return 1;	/* not a helper */
	if (e < 0) {
		for (int i = 0; i < ANSIBLE_MAX_ARGS + 1; i++) {
			free(p->helper[i]);
			p->helper[i] = NULL;
		}
		return bad(why, whylen, "the parameters of its %s action are "
		    "missing or not what Ansible sends", name);
	}
	return 0;
}

/* the module (or script) module_wrapper.ps1 runs, into out */
static int
manifest_module(struct ansible_payload *p, struct json_object *scripts,
    struct json_object *params, struct json_object *out, char *why,
    size_t whylen)
{
	struct json_object *vars, *args = NULL, *fm, *v, *info;
	const char *script = param_str(params, "Script"), *name;

	if (script == NULL || !json_object_object_get_ex(scripts, script,
	    &info) || !json_object_is_type(info, json_type_object))
		return bad(why, whylen, "its module_wrapper.ps1 action names no "
		    "script of the manifest");
	if (!json_object_object_get_ex(params, "ForModule", &fm) ||
	    !json_object_get_boolean(fm)) {
		/* the script action: the script line is the entry */
		if (!json_object_object_get_ex(info, "script", &v) ||
		    !json_object_is_type(v, json_type_string))
			return bad(why, whylen, "its script entry %s has no "
			    "text", script);
		if ((p->module = strdup("script")) == NULL ||
		    (p->module_full = strdup("script")) == NULL ||
		    json_object_object_add(out, "module_entry",
		    json_object_get(v)) < 0 ||
		    json_object_object_add(out, "module_args",
		    json_object_new_object()) < 0)
			return -ENOMEM;
		return 0;
	}
	if (json_object_object_get_ex(params, "Variables", &vars) &&
	    json_object_is_type(vars, json_type_array))
		for (size_t i = 0; i < json_object_array_length(vars); i++) {
			struct json_object *e = json_object_array_get_idx(vars,
			    i), *val;
			const char *vn = json_object_is_type(e,
			    json_type_object) ? str_member(e, "Name") : NULL;

			if (vn != NULL && strcmp(vn, "complex_args") == 0 &&
			    json_object_object_get_ex(e, "Value", &val) &&
			    json_object_is_type(val, json_type_object))
				args = val;
		}
	if (args == NULL)
		return bad(why, whylen, "its module_wrapper.ps1 action has no "
		    "complex_args object");
	name = str_member(args, "_ansible_module_name");
	if (name == NULL)
		return bad(why, whylen, "it does not name its module "
		    "(complex_args._ansible_module_name)");
	if (set_module_name(p, name) < 0)
		return -ENOMEM;
	p->check_mode = json_object_object_get_ex(args, "_ansible_check_mode",
	    &v) && json_object_get_boolean(v);
	if (json_object_object_add(out, "module_args",
	    json_object_get(args)) < 0)
		return -ENOMEM;
	return 0;
}

/*
 * The manifest's actions, in the order the exec wrapper runs them: zero or
 * more wrappers (become, async and its watchdog), then module_wrapper.ps1
 * (a module, or the script action); or instead one of the connection's
 * helpers on its own.  Anything else (coverage_wrapper.ps1, a script
 * Ansible adds later) is refused with its name.
 */
static int
parse_v219(const unsigned char *buf, size_t len, struct ansible_payload *p,
    char *why, size_t whylen)
{
	const unsigned char *s1 = nuls(buf, len, 0), *s2;
	struct json_object *boot = NULL, *man = NULL, *scripts, *actions;
	struct json_object *out = NULL, *names = NULL;
	const char *s;
	size_t n;
	int r;

	if (s1 == NULL)
		return bad(why, whylen, "the bootstrap's input has no line of "
		    "four NUL bytes after its first JSON line");
	if ((boot = parse_json((const char *)buf, (size_t)(s1 - buf),
	    "the bootstrap's first line", why, whylen, &r)) == NULL)
		return r;
	if ((s = str_member(boot, "name")) == NULL ||
	    strcmp(s, "exec_wrapper") != 0 || str_member(boot, "script") ==
	    NULL) {
		r = bad(why, whylen, "the bootstrap's first line does not name "
		    "the exec wrapper");
		goto out;
	}
	s2 = nuls(buf, len, (size_t)(s1 - buf) + 4);
	n = (s2 != NULL ? (size_t)(s2 - buf) : len) - (size_t)(s1 - buf) - 4;
	if ((man = parse_json((const char *)s1 + 4, n, "the exec manifest",
	    why, whylen, &r)) == NULL)
		goto out;
	r = -ENOMEM;
	if (!json_object_object_get_ex(man, "scripts", &scripts) ||
	    !json_object_is_type(scripts, json_type_object) ||
	    !json_object_object_get_ex(man, "actions", &actions) ||
	    !json_object_is_type(actions, json_type_array) ||
	    json_object_array_length(actions) == 0) {
		r = bad(why, whylen, "the exec manifest has no \"scripts\" "
		    "and \"actions\"");
		goto out;
	}
	if ((out = json_object_new_object()) == NULL ||
	    (names = json_object_new_array()) == NULL)
		goto out;
	for (size_t i = 0; i < json_object_array_length(actions); i++) {
		struct json_object *a = json_object_array_get_idx(actions, i);
		struct json_object *params = NULL, *secure = NULL, *t;
		bool last = i + 1 == json_object_array_length(actions);
		const char *an = json_object_is_type(a, json_type_object) ?
		    str_member(a, "name") : NULL;
		char *jid;

		if (an == NULL) {
			r = bad(why, whylen, "an action of the exec manifest has "
			    "no name");
			goto out;
		}
		if (json_object_object_get_ex(a, "params", &params) &&
		    !json_object_is_type(params, json_type_object))
			params = NULL;
		if (json_object_object_get_ex(a, "secure_params", &secure) &&
		    !json_object_is_type(secure, json_type_object))
			secure = NULL;
		if (json_object_array_length(actions) == 1 &&
		    (r = manifest_helper(p, an, params, why, whylen)) <= 0)
			goto out;	/* a helper, or its parameters are bad */
		r = -ENOMEM;
		if (strcasecmp(an, "module_wrapper.ps1") == 0 && last) {
			if ((r = manifest_module(p, scripts, params, out, why,
			    whylen)) < 0)
				goto out;
			if (json_object_array_add(names, json_object_new_string(
			    strcmp(p->module, "script") == 0 ?
			    "module_script_wrapper" : "module_powershell_wrapper"))
			    < 0)
				goto out;
			/* winrmd-native's key, as 2.14 named it */
			if (json_object_object_get_ex(params, "Environment", &t) &&
			    json_object_object_add(out, "environment",
			    json_object_get(t)) < 0)
				goto out;
		} else if (strcasecmp(an, "become_wrapper.ps1") == 0 && !last) {
			p->become = true;
			if ((s = param_str(params, "BecomeUser")) != NULL &&
			    ((p->become_user = strdup(s)) == NULL ||
			    json_object_object_add(out, "become_user",
			    json_object_new_string(s)) < 0))
				goto out;
			if (secure != NULL &&
			    take_password(p, secure, "BecomePassword") < 0)
				goto out;
			if (json_object_array_add(names,
			    json_object_new_string("become_wrapper")) < 0)
				goto out;
		} else if (strcasecmp(an, "async_wrapper.ps1") == 0 && !last) {
			p->async = true;
			if (!valid_jid(s = param_str(params, "AsyncJid"))) {
				r = bad(why, whylen, "its async_wrapper.ps1 action "
				    "has no valid AsyncJid");
				goto out;
			}
			if ((p->async_jid = strdup(s)) == NULL ||
			    json_object_object_add(out, "async_jid",
			    json_object_new_string(s)) < 0 ||
			    json_object_array_add(names,
			    json_object_new_string("async_wrapper")) < 0)
				goto out;
			if ((jid = param_uint(params, "StartupTimeout",
			    86400)) != NULL) {
				json_object_object_add(out,
				    "async_startup_timeout",
				    json_object_new_int64(atoll(jid)));
				free(jid);
			}
		} else if (strcasecmp(an, "async_watchdog.ps1") == 0 && !last) {
			if ((jid = param_uint(params, "Timeout", INT32_MAX)) ==
			    NULL || (p->async_timeout = atoll(jid)) <= 0) {
				free(jid);
				r = bad(why, whylen, "its async_watchdog.ps1 action "
				    "has no positive Timeout");
				goto out;
			}
			free(jid);
			if (json_object_object_add(out, "async_timeout_sec",
			    json_object_new_int64(p->async_timeout)) < 0)
				goto out;
		} else {
			r = bad(why, whylen, "its exec manifest runs %s%s, which "
			    "winrmd does not run natively", an, last ? "" :
			    " before the module");
			goto out;
		}
	}
	if (p->module == NULL) {
		r = bad(why, whylen, "its exec manifest runs no module "
		    "(module_wrapper.ps1 last)");
		goto out;
	}
	if (p->async && p->async_timeout <= 0) {
		r = bad(why, whylen, "its async run has no async_watchdog.ps1 "
		    "Timeout");
		goto out;
	}
	if (json_object_object_add(out, "module",
	    json_object_new_string(p->module)) < 0 ||
	    json_object_object_add(out, "actions", names) < 0)
		goto out;
	names = NULL;
	r = payload_text(p, out);
	out = NULL;
out:
	json_object_put(names);
	json_object_put(out);
	json_object_put(man);
	json_object_put(boot);
	return r;
}

int
ansible_payload_parse(const unsigned char *buf, size_t len,
    struct ansible_payload *p, char *why, size_t whylen)
{
	int r;

	memset(p, 0, sizeof(*p));
	if (len > ANSIBLE_PAYLOAD_MAX || len > (size_t)INT32_MAX)
		return bad(why, whylen, "the module payload is too large");
	r = is_manifest(buf, len) ? parse_v219(buf, len, p, why, whylen) :
	    parse_v214(buf, len, p, why, whylen);
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
