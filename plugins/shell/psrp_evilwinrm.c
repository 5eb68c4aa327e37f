/*
 * psrp_evilwinrm.c: evil-winrm-py's PowerShell, served without PowerShell.
 * evil-winrm-py 1.7 (pypsrp 0.8.1, no host) wraps what the user types in
 * Invoke-Expression -Command X | Out-String -Stream, which the user's
 * shell runs (psrp_script.c); around that it sends PowerShell of its own,
 * recognised here by what it does:
 *
 *   $pwd.Path (the prompt, before every command and upload)
 *                       the runspace's directory, answered at once
 *   (Resolve-Path -Path 'P').Path (before a download)
 *                       realpath -es of P as the user
 *   Get-ChildItem -LiteralPath "D" -Filter "P*" [-Attributes Directory]
 *   -Fo | select -Exp Name|FullName (tab-completion of paths)
 *                       D's entries starting with P, hidden ones too
 *   $prefix = '...'; ... Get-Command -Name $pattern ... (completion of
 *   command names)      the executables on PATH and the shell's builtins
 *   send.ps1 (upload: a pipeline per 64 KiB chunk, its base64 and a
 *   ChunkType)          appended to a mktemp file, its MD5 compared, moved
 *                       into place; the JSON lines the script prints (the
 *                       path where the file went, not the one it joined)
 *   fetch.ps1 (download) the JSON Metadata line (MD5) and a Chunk line per
 *                       65535 bytes (a multiple of 3: one base64 -w run
 *                       encodes them all)
 *   exec.ps1, loaddll.ps1 (runexe, loaddll: .NET assemblies)
 *                       refused, saying why
 *
 * and the prompt function PowerShell's interactive host (Enter-PSSession)
 * calls: its default, "PS <directory>> ".
 *
 * Its paths are Windows-shaped ("{pwd}\{name}"): psrp_evilwinrm_path
 * joins backslash-separated parts as Path.Combine does.  The scripts run
 * in a subshell, so they leave the runspace's directory as it was.  Pure:
 * no I/O; check_psrp_evilwinrm runs the scripts under /bin/sh.
 */
#define _GNU_SOURCE

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "psrp_evilwinrm.h"

/* fetch.ps1's chunks, rounded down to a multiple of 3 */
#define FETCH_CHUNK	65535
#define FETCH_B64_LINE	(FETCH_CHUNK / 3 * 4)

/* ------------------------------------------------------------- helpers */

struct text {
	char	*p;
	size_t	 len;
	bool	 failed;
};

static void
add(struct text *t, const char *s)
{
	size_t n = strlen(s);
	char *p;

	if (t->failed)
		return;
	if ((p = realloc(t->p, t->len + n + 1)) == NULL) {
		t->failed = true;
		return;
	}
	memcpy(p + t->len, s, n + 1);
	t->p = p;
	t->len += n;
}

/* s as a shell word */
static void
add_q(struct text *t, const char *s)
{
	char *q = psrp_shell_quote(s, strlen(s));

	if (q == NULL)
		t->failed = true;
	else
		add(t, q);
	free(q);
}

/* s as a JSON string, as a shell word (for printf %s) */
static void
add_jq(struct text *t, const char *s)
{
	struct json_object *j = json_object_new_string(s);

	if (j == NULL) {
		t->failed = true;
		return;
	}
	add_q(t, json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
}

/*
 * Shell text: __h, the MD5 of the file named by the variable var, in the
 * upper-case hex Get-FileHash gives; a command list, false if it cannot
 * be read
 */
static void
add_md5(struct text *t, const char *var)
{
	add(t, "{ __h=$(md5sum <\"$");
	add(t, var);
	add(t, "\") && __h=$(printf '%s' \"${__h%% *}\" | tr a-f A-F); }");
}

/* {"Type":"Error","Message":msg} */
static char *
error_json(const char *msg)
{
	struct json_object *j = json_object_new_object();
	char *s;

	if (j == NULL)
		return NULL;
	json_object_object_add(j, "Type", json_object_new_string("Error"));
	json_object_object_add(j, "Message", json_object_new_string(msg));
	if (asprintf(&s, "%s\n", json_object_to_json_string_ext(j,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
		s = NULL;
	json_object_put(j);
	return s;
}

/* a prefix of s matched regardless of case: past it, or NULL */
static const char *
eat(const char *s, const char *lit)
{
	size_t n = strlen(lit);

	if (s == NULL || strncasecmp(s, lit, n) != 0)
		return NULL;
	return s + n;
}

static const char *
skip_ws(const char *s)
{
	while (s != NULL && isspace((unsigned char)*s))
		s++;
	return s;
}

/*
 * A quoted string at *s (which is past the opening quote) up to q; a
 * single-quoted one takes '' for a quote, as PowerShell does.  NULL if it
 * does not end.
 */
static char *
quoted(const char **s, char q)
{
	struct text t = { 0 };
	const char *p = *s;
	char one[2] = { 0, 0 };

	for (;; p++) {
		if (*p == '\0') {
			free(t.p);
			return NULL;
		}
		if (*p == q) {
			if (q == '\'' && p[1] == '\'') {
				p++;
			} else
				break;
		}
		one[0] = *p;
		add(&t, one);
	}
	*s = p + 1;
	if (t.p == NULL && !t.failed)
		t.p = strdup("");
	if (t.failed) {
		free(t.p);
		return NULL;
	}
	return t.p;
}

/* the text of X in Invoke-Expression -Command X | Out-String -Stream */
static const char *
iex_text(const struct psrp_pipeline *p)
{
	const struct psrp_statement *st;
	const struct psrp_cmd *c;

	if (p->pp_nstatements != 1)
		return NULL;
	st = &p->pp_statements[0];
	if (st->ps_ncmds != 2 || st->ps_cmds[0].pc_is_script ||
	    st->ps_cmds[1].pc_is_script ||
	    strcasecmp(st->ps_cmds[1].pc_cmd, "Out-String") != 0 ||
	    (strcasecmp(st->ps_cmds[0].pc_cmd, "Invoke-Expression") != 0 &&
	    strcasecmp(st->ps_cmds[0].pc_cmd, "iex") != 0))
		return NULL;
	c = &st->ps_cmds[0];
	if (c->pc_nargs != 1 || c->pc_args[0].pa_name == NULL ||
	    strcasecmp(c->pc_args[0].pa_name, "Command") != 0)
		return NULL;
	return clixml_str(c->pc_args[0].pa_value, NULL);
}

/* a named parameter of an add_script command, or NULL */
static const struct clixml_value *
param(const struct psrp_cmd *c, const char *name)
{
	for (size_t i = 0; i < c->pc_nargs; i++)
		if (c->pc_args[i].pa_name != NULL &&
		    strcasecmp(c->pc_args[i].pa_name, name) == 0)
			return c->pc_args[i].pa_value;
	return NULL;
}

static const char *
param_str(const struct psrp_cmd *c, const char *name)
{
	const struct clixml_value *v = param(c, name);

	return v != NULL ? clixml_str(v, NULL) : NULL;
}

static bool
all_of(const char *s, const char *set)
{
	return s[strspn(s, set)] == '\0';
}

/* ---------------------------------------------------------------- paths */

char *
psrp_evilwinrm_path(const char *cwd, const char *path)
{
	struct text t = { 0 };
	const char *p = path;

	add(&t, cwd);
	while (*p != '\0') {
		size_t n = strcspn(p, "\\");

		if (n > 0) {
			char *part = strndup(p, n);

			if (part == NULL) {
				free(t.p);
				return NULL;
			}
			if (part[0] == '/') {
				free(t.p);
				t.p = NULL;
				t.len = 0;
			} else if (t.len == 0 || t.p[t.len - 1] != '/')
				add(&t, "/");
			add(&t, part);
			free(part);
		}
		p += n;
		if (*p == '\\')
			p++;
	}
	/* no trailing slash but on / itself */
	while (!t.failed && t.len > 1 && t.p[t.len - 1] == '/')
		t.p[--t.len] = '\0';
	if (t.failed) {
		free(t.p);
		return NULL;
	}
	return t.p;
}

static const char *
base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b != NULL && b[1] != '\0' ? b + 1 : path;
}

/* ------------------------------------------------- the shapes it sends */

static int
answer(struct psrp_served *r, const char *what, int code, char *out,
    char *err)
{
	r->kind = PSRP_SERVED_ANSWER;
	r->what = what;
	r->code = code;
	r->out = out;
	r->err = err;
	return r->kind;
}

static int
script(struct psrp_served *r, const char *what, struct text *t)
{
	if (t->failed) {
		free(t->p);
		return -1;
	}
	r->kind = PSRP_SERVED_SCRIPT;
	r->what = what;
	r->out = t->p;
	return r->kind;
}

/* answered with evil-winrm-py's {"Type":"Error"} line saying msg */
static int
json_error(struct psrp_served *r, const char *what, int code, const char *msg)
{
	char *e = error_json(msg);

	return e == NULL ? -1 : answer(r, what, code, e, NULL);
}

/* $pwd.Path: the runspace's directory */
static int
prompt(const char *x, const char *cwd, struct psrp_served *r)
{
	char *out;

	x = skip_ws(x);
	if (strncasecmp(x, "$pwd.Path", 9) != 0 || *skip_ws(x + 9) != '\0')
		return PSRP_SERVED_NONE;
	if (asprintf(&out, "%s\n", cwd) < 0)
		return -1;
	return answer(r, "prompt ($pwd.Path)", 0, out, NULL);
}

/* (Resolve-Path -Path 'P').Path */
static int
resolve_path(const char *x, const char *cwd, struct psrp_served *r)
{
	const char *p = eat(skip_ws(x), "(Resolve-Path -Path '");
	struct text t = { 0 };
	char *path, *abs;

	if (p == NULL || (path = quoted(&p, '\'')) == NULL)
		return PSRP_SERVED_NONE;
	if ((p = eat(p, ").Path")) == NULL || *skip_ws(p) != '\0') {
		free(path);
		return PSRP_SERVED_NONE;
	}
	abs = psrp_evilwinrm_path(cwd, path);
	free(path);
	if (abs == NULL)
		return -1;
	add(&t, "realpath -e -s -- ");
	add_q(&t, abs);
	free(abs);
	return script(r, "Resolve-Path", &t);
}

/*
 * Get-ChildItem -LiteralPath "D" -Filter "P*" [-Attributes Directory] -Fo
 * | select -Exp Name|FullName.  A Filter with a slash (the user typed a
 * Unix path, which evil-winrm-py does not split) lists the directory it
 * names, and the names come back with what was typed before the last
 * slash, so that the completion replaces the typed text whole.
 */
static int
complete_path(const char *x, const char *cwd, struct psrp_served *r)
{
	const char *p = eat(skip_ws(x), "Get-ChildItem -LiteralPath \"");
	char *lit = NULL, *filter = NULL, *dir = NULL, *slash, *sub = NULL;
	const char *prefix, *typed = "";
	bool dirs = false, full;
	struct text t = { 0 };
	int ret = PSRP_SERVED_NONE;

	if (p == NULL || (lit = quoted(&p, '"')) == NULL)
		goto out;
	if ((p = eat(p, " -Filter \"")) == NULL ||
	    (filter = quoted(&p, '"')) == NULL)
		goto out;
	if (filter[0] == '\0' || filter[strlen(filter) - 1] != '*')
		goto out;
	filter[strlen(filter) - 1] = '\0';
	p = skip_ws(p);
	if (eat(p, "-Attributes Directory") != NULL) {
		dirs = true;
		p = skip_ws(eat(p, "-Attributes Directory"));
	}
	if ((p = eat(p, "-Fo | select -Exp ")) == NULL)
		goto out;
	if (strcasecmp(p, "Name") == 0)
		full = false;
	else if (strcasecmp(p, "FullName") == 0)
		full = true;
	else
		goto out;
	ret = -1;
	if ((dir = psrp_evilwinrm_path(cwd, lit)) == NULL)
		goto out;
	prefix = filter;
	if ((slash = strrchr(filter, '/')) != NULL) {
		char *d2;

		*slash = '\0';
		/* "/x" lists /, "a/b/x" lists a/b */
		typed = filter;
		if ((d2 = psrp_evilwinrm_path(dir, filter[0] == '\0' ? "/" :
		    filter)) == NULL)
			goto out;
		free(dir);
		dir = d2;
		prefix = slash + 1;
		if (asprintf(&sub, "%s/", typed) < 0) {
			sub = NULL;
			goto out;
		}
	}
	add(&t, "(\n__p=");
	add_q(&t, prefix);
	add(&t, "\n__o=");
	if (full) {
		char *o;

		if (asprintf(&o, "%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/")
		    < 0)
			goto out;
		add_q(&t, o);
		free(o);
	} else
		add_q(&t, sub != NULL ? sub : "");
	add(&t, "\ncd -- ");
	add_q(&t, dir);
	add(&t, " 2>/dev/null || exit 0\n"
	    "for __x in .[!.]* ..?* *; do\n"
	    "\t[ -e \"$__x\" ] || [ -L \"$__x\" ] || continue\n"
	    "\tcase $__x in \"$__p\"*) ;; *) continue ;; esac\n");
	if (dirs)
		add(&t, "\t[ -d \"$__x\" ] || continue\n");
	add(&t, "\tprintf '%s\\n' \"$__o$__x\"\n"
	    "done\n)");
	ret = script(r, "path completion", &t);
	t.p = NULL;
out:
	free(t.p);
	free(lit);
	free(filter);
	free(dir);
	free(sub);
	return ret;
}

/* $prefix = '...'; ... Get-Command -Name $pattern ...: command names */
static int
complete_command(const char *x, struct psrp_served *r)
{
	const char *p = eat(skip_ws(x), "$prefix = '");
	struct text t = { 0 };
	char *prefix;

	if (p == NULL || strstr(p, "Get-Command -Name $pattern") == NULL ||
	    strstr(p, "Get-Alias -Name $pattern") == NULL ||
	    (prefix = quoted(&p, '\'')) == NULL)
		return PSRP_SERVED_NONE;
	add(&t, "(\n__p=");
	add_q(&t, prefix);
	free(prefix);
	add(&t, "\n{\n"
	    "for __b in alias cd echo exit export kill printf pwd read set "
	    "test type ulimit umask unset wait; do\n"
	    "\tcase $__b in \"$__p\"*) printf '%s\\n' \"$__b\" ;; esac\n"
	    "done\n"
	    "__s=$IFS; IFS=:; set -f; set -- $PATH; set +f; IFS=$__s\n"
	    "for __d; do\n"
	    "\t[ -d \"$__d\" ] || continue\n"
	    "\tfor __x in \"$__d\"/\"$__p\"*; do\n"
	    "\t\t[ -f \"$__x\" ] && [ -x \"$__x\" ] && "
	    "printf '%s\\n' \"${__x##*/}\"\n"
	    "\tdone\n"
	    "done\n"
	    "} | LC_ALL=C sort -u\n)");
	return script(r, "command completion", &t);
}

/*
 * send.ps1: one chunk of an upload.  ChunkType 0 is the first (a new
 * temporary file, its path printed), 2 one in the middle, 1 the last and
 * 3 the only one: after it the file's MD5 is compared with FileHash and
 * the file moved to FilePath, whose metadata is printed.
 */
static int
upload_chunk(const struct psrp_cmd *c, const char *cwd,
    struct psrp_served *r)
{
	const char *b64 = param_str(c, "Base64Chunk");
	const char *tmp = param_str(c, "TempFilePath");
	const char *dest = param_str(c, "FilePath");
	const char *hash = param_str(c, "FileHash");
	const struct clixml_value *tv = param(c, "ChunkType");
	struct text t = { 0 };
	int64_t type = 0;
	char *abs = NULL;

	if (b64 == NULL || !all_of(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/="))
		return json_error(r, "upload", 0, "Error processing "
		    "chunk or writing to file: the chunk is not base64");
	if (tv != NULL && clixml_int(tv, &type) < 0)
		type = -1;
	if (type < 0 || type > 3)
		return json_error(r, "upload", 0, "Error processing "
		    "chunk or writing to file: ChunkType is not 0 to 3");
	if ((type == 1 || type == 2) && (tmp == NULL || tmp[0] == '\0'))
		return json_error(r, "upload", 0, "Error processing "
		    "chunk or writing to file: no TempFilePath");
	if (type == 1 || type == 3) {
		if (hash == NULL || hash[0] == '\0' || strlen(hash) > 128 ||
		    !all_of(hash, "0123456789abcdefABCDEF"))
			return json_error(r, "upload", 0, "File hash not "
			    "provided for verification.");
		if (dest == NULL || dest[0] == '\0')
			return json_error(r, "upload", 0, "Error "
			    "processing chunk or writing to file: no FilePath");
		if ((abs = psrp_evilwinrm_path(cwd, dest)) == NULL)
			return -1;
	}
	add(&t, "(\n__c=");
	add_q(&t, b64);
	add(&t, "\n");
	if (type == 0 || type == 3)
		add(&t, "__t=$(mktemp) || exit 1\n"
		    "case $__t in *[\\\"\\\\]*|*[![:print:]]*) rm -f -- \"$__t\"; "
		    "echo 'winrmd: mktemp gave a name JSON cannot carry' >&2; "
		    "exit 1 ;; esac\n"
		    "printf '{\"Type\":\"Metadata\",\"TempFilePath\":\"%s\"}\\n' "
		    "\"$__t\"\n");
	else {
		add(&t, "__t=");
		add_q(&t, tmp);
		add(&t, "\n");
	}
	add(&t, "if ! printf '%s' \"$__c\" | base64 -d >>\"$__t\"; then\n"
	    "\tprintf '%s\\n' '{\"Type\":\"Error\",\"Message\":\"Error "
	    "processing chunk or writing to file: cannot write the temporary "
	    "file\"}'\n"
	    "\texit 0\n"
	    "fi\n");
	if (type == 1 || type == 3) {
		add(&t, "__want=");
		add_q(&t, hash);
		add(&t, "\n__dest=");
		add_q(&t, abs);
		add(&t, "\n");
		add_md5(&t, "__t");
		add(&t, " || exit 1\n"
		    "if [ \"$__h\" != \"$(printf '%s' \"$__want\" | tr a-f A-F)\" ]; "
		    "then\n"
		    "\tprintf '{\"Type\":\"Error\",\"Message\":\"File hash "
		    "mismatch. Expected: %s, Calculated: %s\"}\\n' \"$__want\" "
		    "\"$__h\"\n"
		    "\texit 0\n"
		    "fi\n"
		    /* mktemp's 0600 becomes what a new file gets */
		    "chmod \"$(printf '%o' $((0666 & ~0$(umask))))\" \"$__t\"\n"
		    "if ! { rm -f -- \"$__dest\" && mv -f -- \"$__t\" "
		    "\"$__dest\"; }; then\n"
		    "\tprintf '%s\\n' '{\"Type\":\"Error\",\"Message\":\"Error "
		    "processing chunk or writing to file: cannot move the file "
		    "into place\"}'\n"
		    "\texit 0\n"
		    "fi\n"
		    "__s=$(wc -c <\"$__dest\")\n"
		    "printf '{\"Type\":\"Metadata\",\"FilePath\":%s,"
		    "\"FileSize\":%s,\"FileHash\":\"%s\",\"FileName\":%s}\\n' ");
		/* where it went, not evil-winrm-py's "{pwd}\{path}" */
		add_jq(&t, abs);
		add(&t, " \"$__s\" \"$__h\" ");
		add_jq(&t, base_name(abs));
		add(&t, "\n");
	}
	add(&t, ")");
	free(abs);
	return script(r, type == 1 || type == 3 ? "upload (last chunk)" :
	    "upload (a chunk)", &t);
}

/* fetch.ps1: the file as JSON lines, Metadata then Chunks */
static int
download(const struct psrp_cmd *c, const char *cwd, struct psrp_served *r)
{
	const char *path = param_str(c, "FilePath");
	struct text t = { 0 };
	char *abs, *msg, *e1, *e2, line[64];

	if (path == NULL || path[0] == '\0')
		return json_error(r, "download", 1, "Error: The "
		    "specified file path does not exist or is not a file: ''");
	if ((abs = psrp_evilwinrm_path(cwd, path)) == NULL)
		return -1;
	if (asprintf(&msg, "Error: The specified file path does not exist or "
	    "is not a file: '%s'", path) < 0)
		msg = NULL;
	e1 = msg != NULL ? error_json(msg) : NULL;
	free(msg);
	e2 = error_json("Error getting file information or outputting "
	    "metadata: the file cannot be read");
	if (e1 == NULL || e2 == NULL) {
		free(e1);
		free(e2);
		free(abs);
		return -1;
	}
	e1[strlen(e1) - 1] = e2[strlen(e2) - 1] = '\0';
	add(&t, "(\n__f=");
	add_q(&t, abs);
	add(&t, "\nif [ -d \"$__f\" ] || [ ! -e \"$__f\" ]; then printf '%s\\n' ");
	add_q(&t, e1);
	add(&t, "; exit 1; fi\nif ! ");
	add_md5(&t, "__f");
	add(&t, " || ! __s=$(wc -c <\"$__f\"); then printf '%s\\n' ");
	add_q(&t, e2);
	add(&t, "; exit 1; fi\n"
	    "printf '{\"Type\":\"Metadata\",\"FilePath\":%s,\"FileSize\":%s,");
	snprintf(line, sizeof(line), "\"ChunkSize\":%d,", FETCH_CHUNK);
	add(&t, line);
	add(&t, "\"TotalChunks\":%s,\"FileHash\":\"%s\",\"FileName\":%s}\\n' ");
	add_jq(&t, path);
	snprintf(line, sizeof(line), " \"$__s\" \"$(((__s + %d) / %d))\" ",
	    FETCH_CHUNK - 1, FETCH_CHUNK);
	add(&t, line);
	add(&t, "\"$__h\" ");
	add_jq(&t, base_name(abs));
	snprintf(line, sizeof(line), "\nbase64 -w %d <\"$__f\" | ",
	    FETCH_B64_LINE);
	add(&t, line);
	add(&t, "awk '{ printf \"{\\\"Type\\\":\\\"Chunk\\\",\\\"ChunkNumber\\\""
	    ":%d,\\\"Base64Data\\\":\\\"%s\\\"}\\n\", NR, $0 }'\n)");
	free(abs);
	free(e1);
	free(e2);
	return script(r, "download", &t);
}

/* ----------------------------------------------------------------- all */

int
psrp_evilwinrm_serve(const struct psrp_pipeline *p, const char *cwd,
    struct psrp_served *r)
{
	const struct psrp_cmd *c;
	const char *x, *s;
	int k;

	memset(r, 0, sizeof(*r));
	/*
	 * PowerShell's own interactive host (Enter-PSSession) asks the
	 * remote runspace's prompt function: "PS <directory>> ", its default
	 */
	if (p->pp_nstatements == 1 && p->pp_statements[0].ps_ncmds == 1 &&
	    p->pp_statements[0].ps_cmds[0].pc_nargs == 0 &&
	    strcasecmp(p->pp_statements[0].ps_cmds[0].pc_cmd, "prompt") == 0) {
		char *out;

		if (asprintf(&out, "PS %s> \n", cwd) < 0)
			return -1;
		return answer(r, "prompt function", 0, out, NULL);
	}
	if ((x = iex_text(p)) != NULL) {
		if ((k = prompt(x, cwd, r)) != PSRP_SERVED_NONE ||
		    (k = resolve_path(x, cwd, r)) != PSRP_SERVED_NONE ||
		    (k = complete_path(x, cwd, r)) != PSRP_SERVED_NONE ||
		    (k = complete_command(x, r)) != PSRP_SERVED_NONE)
			return k;
		return PSRP_SERVED_NONE;
	}
	/* its scripts: add_script with named parameters */
	if (p->pp_nstatements != 1 || p->pp_statements[0].ps_ncmds != 1 ||
	    !p->pp_statements[0].ps_cmds[0].pc_is_script)
		return PSRP_SERVED_NONE;
	c = &p->pp_statements[0].ps_cmds[0];
	s = c->pc_cmd;
	if (strstr(s, "[string]$Base64Chunk") != NULL &&
	    strstr(s, "[System.IO.FileMode]::Append") != NULL &&
	    strstr(s, "Get-FileHash -Path $TempFilePath -Algorithm MD5") != NULL)
		return upload_chunk(c, cwd, r);
	if (strstr(s, "$bufferSize = 65536") != NULL &&
	    strstr(s, "[System.Convert]::ToBase64String($chunkBytes)") != NULL &&
	    strstr(s, "Get-FileHash -Path $FilePath -Algorithm MD5") != NULL)
		return download(c, cwd, r);
	if (strstr(s, "[System.Reflection.Assembly]::Load($exeBytes)") != NULL) {
		char *e = strdup("winrmd: runexe is not served: this host has "
		    "no .NET to load an assembly into\n");

		return e == NULL ? -1 : answer(r, "runexe (refused)", 1, NULL, e);
	}
	if (strstr(s, "[System.Reflection.Assembly]::Load($dllBytes)") != NULL &&
	    strstr(s, "Import-Module -Assembly $assembly") != NULL) {
		return json_error(r, "loaddll (refused)", 1, "winrmd: loaddll is "
		    "not served: this host has no .NET to load an assembly into");
	}
	return PSRP_SERVED_NONE;
}

void
psrp_served_free(struct psrp_served *s)
{
	free(s->out);
	free(s->err);
	memset(s, 0, sizeof(*s));
}
