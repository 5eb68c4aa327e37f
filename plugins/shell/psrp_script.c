/*
 * psrp_script.c: what a PSRP pipeline runs without PowerShell.  The
 * commands of a CREATE_PIPELINE become text for the user's POSIX shell:
 * the shapes clients wrap script text in are understood (pypsrp's
 * execute_ps sends Invoke-Expression -Command <script> | Out-String
 * -Stream, its environment as New-Item -Path env: ... | Out-Null;
 * add_script sends the text with IsScript and its arguments; add_cmdlet a
 * name with parameters), the rest is passed through as a command line.
 * The runspace's state (working directory, environment) comes back after
 * a mark the wrapper prints from its EXIT trap.  Pure: no I/O, for the
 * unit tests.
 */
#define _GNU_SOURCE

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "psrp.h"
#include "strbuf.h"
#include "text.h"

/* ------------------------------------------------------------- strings */

char *
psrp_shell_quote(const char *s, size_t len)
{
	struct sbuf b = { 0 };

	sb_add(&b, "'");
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\'')
			sb_add(&b, "'\\''");
		else
			sb_addn(&b, s + i, 1);
	}
	sb_add(&b, "'");
	if (b.failed) {
		sb_free(&b);
		return NULL;
	}
	return b.p;
}

char *
psrp_value_text(const struct clixml_value *v)
{
	char buf[64];
	const char *s;
	size_t len;
	int64_t i;

	if (v == NULL || clixml_is_nil(v))
		return strdup("");
	switch (v->v_type) {
	case CLIXML_BOOL:
		return strdup(v->v.b ? "True" : "False");
	case CLIXML_I8: case CLIXML_I16: case CLIXML_I32: case CLIXML_I64:
		snprintf(buf, sizeof(buf), "%" PRId64, v->v.i);
		return strdup(buf);
	case CLIXML_U8: case CLIXML_U16: case CLIXML_U32: case CLIXML_U64:
		snprintf(buf, sizeof(buf), "%" PRIu64, v->v.u);
		return strdup(buf);
	case CLIXML_FLOAT: case CLIXML_DOUBLE:
		snprintf(buf, sizeof(buf), "%.15g", v->v.d);
		return strdup(buf);
	case CLIXML_CHAR:
		if (v->v.u < 0x80) {
			buf[0] = (char)v->v.u;
			buf[1] = '\0';
			return strdup(buf);
		}
		return strdup("?");
	case CLIXML_SECURESTRING:
		return NULL;	/* never as text: psrp_script_build decrypts */
	case CLIXML_OBJECT:
		if (v->v.obj.o_tostring != NULL)
			return strdup(v->v.obj.o_tostring);
		if (v->v.obj.o_base != NULL)
			return psrp_value_text(v->v.obj.o_base);
		if (clixml_int(v, &i) == 0) {
			snprintf(buf, sizeof(buf), "%" PRId64, i);
			return strdup(buf);
		}
		return strdup("");
	default:
		break;
	}
	if ((s = clixml_str(v, &len)) != NULL)
		return strndup(s, len);
	return strdup("");
}

/* ------------------------------------------------- pypsrp's copy, fetch */

/*
 * pypsrp's Client.copy sends copy.ps1 with (dest, expand_variables) and
 * the file as input: a base64 line per chunk, then the base64 of the hex
 * SHA-1; it wants the absolute path back.  Client.fetch sends fetch.ps1
 * with (src, expand_variables) and wants the whole file as one base64
 * string, then the hex SHA-1.  Both are served with coreutils; a failure
 * is a terminating error (Failed), as the scripts' throw is.
 */
static const char native_copy[] =
    "__d=$(mktemp -d) || exit 1\n"
    "cat >\"$__d/in\"\n"
    "__want=$(tail -n 1 \"$__d/in\" | base64 -d)\n"
    "head -n -1 \"$__d/in\" | split -l 1 -a 8 - \"$__d/c.\"\n"
    ": >\"$__d/out\"\n"
    "for __f in \"$__d\"/c.*; do [ -e \"$__f\" ] || continue; "
    "base64 -d \"$__f\" >>\"$__d/out\" || { rm -rf \"$__d\"; exit 1; }; done\n"
    "__got=$(sha1sum <\"$__d/out\"); __got=${__got%% *}\n"
    "if [ \"$__got\" != \"$__want\" ]; then echo \"Transport failure, hash "
    "mismatch: actual $__got, expected $__want\" >&2; rm -rf \"$__d\"; exit 1; fi\n"
    "__dest=$1; case $__dest in /*) ;; *) __dest=$(pwd)/$__dest ;; esac\n"
    "rm -f -- \"$__dest\" && mv -- \"$__d/out\" \"$__dest\" || "
    "{ rm -rf \"$__d\"; exit 1; }\n"
    "rm -rf \"$__d\"\n"
    "printf '%s\\n' \"$__dest\"\n";

static const char native_fetch[] =
    "if [ -d \"$1\" ]; then echo \"The path at '$1' is a directory, src "
    "must be a file\" >&2; exit 1; fi\n"
    "if [ ! -e \"$1\" ]; then echo \"The path at '$1' does not exist\" >&2; "
    "exit 1; fi\n"
    "base64 -w0 <\"$1\" || exit 1\n"
    "echo\n"
    "__h=$(sha1sum <\"$1\") || exit 1\n"
    "printf '%s\\n' \"${__h%% *}\"\n";

/* the native text for a script pypsrp sends, or NULL */
static const char *
pypsrp_native(const char *script)
{
	if (strstr(script, "[System.IO.File]::Create($path)") != NULL &&
	    strstr(script, "FromBase64String($input)") != NULL &&
	    strstr(script, "TransformFinalBlock") != NULL)
		return native_copy;
	if (strstr(script, "[System.Convert]::ToBase64String($bytes)") != NULL &&
	    strstr(script, "$fs.Read($bytes") != NULL &&
	    strstr(script, "TransformFinalBlock") != NULL)
		return native_fetch;
	return NULL;
}

/* ------------------------------------------------------------ commands */

struct build {
	struct sbuf	 text;
	const uint8_t	*key;
	char		**secrets;
	size_t		 nsecrets;
	char		*err;
	size_t		 errlen;
	bool		 fail_on_exit;
};

static bool
is_name(const char *s)
{
	if (s == NULL || !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static bool
plain_word(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("_-./:+,=@%", *s) == NULL)
			return false;
	return true;
}

/* one argument value as shell words, appended to out */
static int
add_value(struct build *b, struct sbuf *out, const struct clixml_value *v)
{
	char *t, *q;

	if (v != NULL && v->v_type == CLIXML_SECURESTRING) {
		const char *ct = clixml_str(v, NULL);
		char name[48], *plain, *kv;
		size_t plen;
		char **ns;

		if (b->key == NULL) {
			snprintf(b->err, b->errlen, "a SecureString argument "
			    "came before the session key was exchanged");
			return -1;
		}
		plain = psrp_securestring_decrypt(b->key, ct ? ct : "", &plen,
		    b->err, b->errlen);
		if (plain == NULL)
			return -1;
		snprintf(name, sizeof(name), "WINRMD_PSRP_SECRET%zu",
		    b->nsecrets + 1);
		if (asprintf(&kv, "%s=%s", name, plain) < 0)
			kv = NULL;
		OPENSSL_cleanse(plain, plen);
		free(plain);
		if (kv == NULL || (ns = realloc(b->secrets,
		    (b->nsecrets + 2) * sizeof(char *))) == NULL) {
			free(kv);
			snprintf(b->err, b->errlen, "out of memory");
			return -1;
		}
		b->secrets = ns;
		ns[b->nsecrets++] = kv;
		ns[b->nsecrets] = NULL;
		sb_add(out, "\"$");
		sb_add(out, name);
		sb_add(out, "\"");
		return 0;
	}
	if (v != NULL && v->v_type == CLIXML_OBJECT &&
	    v->v.obj.o_coll != CLIXML_COLL_NONE &&
	    v->v.obj.o_coll != CLIXML_COLL_DCT) {
		/* an array: one word each */
		for (size_t i = 0; i < clixml_list_len(v); i++) {
			if (i > 0)
				sb_add(out, " ");
			if (add_value(b, out, clixml_list_at(v, i)) < 0)
				return -1;
		}
		return 0;
	}
	if ((t = psrp_value_text(v)) == NULL ||
	    (q = psrp_shell_quote(t, strlen(t))) == NULL) {
		free(t);
		snprintf(b->err, b->errlen, "out of memory");
		return -1;
	}
	sb_add(out, q);
	free(q);
	free(t);
	return 0;
}

static const struct clixml_value *
arg_named(const struct psrp_cmd *c, const char *name, size_t pos)
{
	size_t n = 0;

	for (size_t i = 0; i < c->pc_nargs; i++) {
		const char *an = c->pc_args[i].pa_name;

		if (an != NULL && *an == '-')
			an++;
		if (an != NULL && name != NULL && strcasecmp(an, name) == 0)
			return c->pc_args[i].pa_value;
		if (an == NULL && n++ == pos)
			return c->pc_args[i].pa_value;
	}
	return NULL;
}

static bool
is_env_path(const char *s)
{
	return s != NULL && (strcasecmp(s, "env:") == 0 ||
	    strcasecmp(s, "env:\\") == 0 || strcasecmp(s, "env:/") == 0);
}

/*
 * How much of a script runs: all but a last line "exit $LASTEXITCODE"
 * (Ansible's psrp connection ends raw commands with it).  That is
 * PowerShell's "exit with the last native command's status", and in the
 * shell the status of the script's last command is already the exit
 * status, where $LASTEXITCODE is the previous pipeline's.
 */
static size_t
script_len(const char *script)
{
	static const char tail[] = "exit $LASTEXITCODE";
	size_t len = strlen(script), tl = sizeof(tail) - 1;

	while (len > 0 && strchr(" \t\r\n", script[len - 1]) != NULL)
		len--;
	if (len > tl && script[len - tl - 1] == '\n' &&
	    strncasecmp(script + len - tl, tail, tl) == 0)
		return len - tl;
	return strlen(script);
}

/*
 * One command as shell text in out: 0, 1 when it adds nothing (Out-String
 * and its kind pass what comes in on), 2 for Out-Null, -1 on error.
 */
static int
add_command(struct build *b, struct sbuf *out, const struct psrp_cmd *c)
{
	const char *name = c->pc_cmd;

	if (c->pc_is_script) {
		bool any = false;

		sb_add(out, "{ ");
		for (size_t i = 0; i < c->pc_nargs; i++) {
			const char *an = c->pc_args[i].pa_name;

			if (an == NULL)
				continue;
			if (*an == '-')
				an++;
			if (!is_name(an))
				continue;
			sb_add(out, an);
			sb_add(out, "=");
			if (add_value(b, out, c->pc_args[i].pa_value) < 0)
				return -1;
			sb_add(out, "; ");
		}
		for (size_t i = 0; i < c->pc_nargs; i++) {
			if (c->pc_args[i].pa_name != NULL)
				continue;
			sb_add(out, any ? " " : "set -- ");
			any = true;
			if (add_value(b, out, c->pc_args[i].pa_value) < 0)
				return -1;
		}
		if (any)
			sb_add(out, "; ");
		sb_add(out, "\n");
		if (pypsrp_native(name) != NULL) {
			b->fail_on_exit = true;
			sb_add(out, pypsrp_native(name));
		} else
			sb_addn(out, name, script_len(name));
		sb_add(out, "\n}");
		return 0;
	}
	if (strcasecmp(name, "Out-String") == 0 ||
	    strcasecmp(name, "Out-Default") == 0 ||
	    strcasecmp(name, "Out-Host") == 0)
		return 1;
	if (strcasecmp(name, "Out-Null") == 0)
		return 2;
	if (strcasecmp(name, "Invoke-Expression") == 0 ||
	    strcasecmp(name, "iex") == 0) {
		const struct clixml_value *v = arg_named(c, "Command", 0);
		char *t = psrp_value_text(v);

		if (t == NULL) {
			snprintf(b->err, b->errlen, "Invoke-Expression needs "
			    "its -Command as text");
			return -1;
		}
		sb_add(out, "{ ");
		sb_add(out, t);
		sb_add(out, "\n}");
		free(t);
		return 0;
	}
	if (strcasecmp(name, "New-Item") == 0 || strcasecmp(name, "Set-Item") == 0) {
		char *path = psrp_value_text(arg_named(c, "Path", 0));
		char *var = psrp_value_text(arg_named(c, "Name", (size_t)-1));
		bool env = is_env_path(path);
		int r = 0;

		if (env && var != NULL && is_name(var)) {
			sb_add(out, "export ");
			sb_add(out, var);
			sb_add(out, "=");
			r = add_value(b, out, arg_named(c, "Value", 1));
		}
		free(path);
		free(var);
		if (env)
			return r;
	}
	/* a command line: the name and its arguments */
	if (plain_word(name))
		sb_add(out, name);
	else {
		char *q = psrp_shell_quote(name, strlen(name));

		if (q == NULL)
			return -1;
		sb_add(out, q);
		free(q);
	}
	for (size_t i = 0; i < c->pc_nargs; i++) {
		const struct psrp_arg *a = &c->pc_args[i];

		sb_add(out, " ");
		if (a->pa_name != NULL) {
			const char *an = *a->pa_name == '-' ? a->pa_name + 1 :
			    a->pa_name;
			bool sw;

			sb_add(out, "-");
			sb_add(out, an);
			/* a switch: -Force, with no value */
			if (clixml_bool(a->pa_value, &sw) == 0 &&
			    a->pa_value->v_type == CLIXML_BOOL && sw)
				continue;
			if (clixml_is_nil(a->pa_value))
				continue;
			sb_add(out, " ");
		}
		if (add_value(b, out, a->pa_value) < 0)
			return -1;
	}
	return 0;
}

int
psrp_script_build(const struct psrp_pipeline *p, const uint8_t *key,
    struct psrp_script *ret, char *err, size_t errlen)
{
	struct build b = { .key = key, .err = err, .errlen = errlen };

	memset(ret, 0, sizeof(*ret));
	for (size_t s = 0; s < p->pp_nstatements; s++) {
		const struct psrp_statement *st = &p->pp_statements[s];
		size_t parts = 0;
		bool null_out = false;

		for (size_t i = 0; i < st->ps_ncmds; i++) {
			struct sbuf one = { 0 };
			int r = add_command(&b, &one, &st->ps_cmds[i]);

			if (r < 0) {
				sb_free(&one);
				goto fail;
			}
			if (r == 2)
				null_out = true;
			if (r == 0 && one.len > 0) {
				sb_add(&b.text, parts > 0 ? " | " :
				    (b.text.len > 0 ? "\n" : ""));
				sb_addn(&b.text, one.p, one.len);
				parts++;
			}
			sb_free(&one);
		}
		if (parts > 0 && null_out)
			sb_add(&b.text, " >/dev/null");
	}
	if (b.text.failed) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	ret->text = b.text.p != NULL ? b.text.p : strdup("");
	ret->fail_on_exit = b.fail_on_exit;
	ret->secrets = b.secrets;
	ret->nsecrets = b.nsecrets;
	return ret->text != NULL ? 0 : -1;
fail:
	sb_free(&b.text);
	ret->secrets = b.secrets;
	ret->nsecrets = b.nsecrets;
	psrp_script_free(ret);
	return -1;
}

void
psrp_script_free(struct psrp_script *s)
{
	if (s->text != NULL) {
		OPENSSL_cleanse(s->text, strlen(s->text));
		free(s->text);
	}
	for (size_t i = 0; i < s->nsecrets; i++) {
		OPENSSL_cleanse(s->secrets[i], strlen(s->secrets[i]));
		free(s->secrets[i]);
	}
	free(s->secrets);
	for (size_t i = 0; s->plan != NULL && s->plan[i] != NULL; i++)
		free(s->plan[i]);
	free(s->plan);
	memset(s, 0, sizeof(*s));
}

/* --------------------------------------------------------------- state */

/*
 * The EXIT trap of both wrappers: the first %s is the mark as a shell
 * word, the second what lists the environment: `export -p' (a builtin)
 * where the shell's output of it is one psrp_state_parse reads, else
 * `env -0' (a process more, at the end of every pipeline), the third how
 * the trap ends (trap_end).
 */
#define STATE_TRAP \
	"trap '__winrmd_rc=$?; trap - EXIT; printf \"%%s\\n\" %s; pwd; " \
	"%s%s' EXIT\n"

/*
 * sh, bash and dash exit with the status the script left when the EXIT
 * trap returns (POSIX), so their trap does not call `exit': in a login
 * bash, the exit builtin runs ~/.bash_logout (Debian's runs clear_console,
 * a process more at the end of a runspace's first pipeline, and a logout
 * in the middle of the runspace).  Other shells exit explicitly.
 */
static const char *
trap_end(bool exports)
{
	return exports ? "" : "; exit $__winrmd_rc";
}

bool
psrp_shell_exports(const char *shell)
{
	static const char *const ok[] = { "sh", "bash", "dash" };
	const char *b = strrchr(shell, '/');

	b = b ? b + 1 : shell;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(b, ok[i]) == 0)
			return true;
	return false;
}

static const char *
env_lister(bool exports)
{
	return exports ? "export -p" : "env -0";
}

char *
psrp_wrapper(const char *mark, bool exports)
{
	char *w;

	if (asprintf(&w, STATE_TRAP
	    "__winrmd_s=$1; shift\n"
	    "eval \"$__winrmd_s\"\n", mark, env_lister(exports),
	    trap_end(exports)) < 0)
		return NULL;
	return w;
}

/*
 * The warm process reads "LINES MARK\n" and LINES lines of script with
 * the shell's own read (a byte at a time from a pipe, so nothing of the
 * pipeline's input after them is taken); the end of its stdin before
 * that ends it quietly.
 */
char *
psrp_warm_wrapper(bool exports)
{
	char *w;

	if (asprintf(&w,
	    "IFS= read -r __winrmd_h || exit 0\n"
	    "__winrmd_n=${__winrmd_h%%%% *}; __winrmd_m=${__winrmd_h#* }\n"
	    "__winrmd_s=\n"
	    "while [ \"$__winrmd_n\" -gt 0 ] && IFS= read -r __winrmd_l; do\n"
	    "__winrmd_s=\"$__winrmd_s$__winrmd_l\n\"\n"
	    "__winrmd_n=$((__winrmd_n - 1))\n"
	    "done\n"
	    "unset __winrmd_h __winrmd_n __winrmd_l\n"
	    STATE_TRAP
	    "eval \"$__winrmd_s\"\n", "\"$__winrmd_m\"",
	    env_lister(exports), trap_end(exports)) < 0)
		return NULL;
	return w;
}

char *
psrp_warm_handoff(const char *mark, const char *script, size_t *ret_len)
{
	size_t lines = 1;
	char *h;
	int n;

	for (const char *p = script; *p != '\0'; p++)
		lines += *p == '\n';
	if ((n = asprintf(&h, "%zu %s\n%s\n", lines, mark, script)) < 0)
		return NULL;
	*ret_len = (size_t)n;
	return h;
}

void
psrp_runspace_clear(struct psrp_runspace *rs)
{
	free(rs->cwd);
	strv_free(rs->env);
	memset(rs, 0, sizeof(*rs));
}

/* the shell's own variables, and ours, are not the runspace's */
static bool
dropped(const char *kv)
{
	static const char *const names[] = { "PWD=", "OLDPWD=", "SHLVL=", "_=",
	    "LASTEXITCODE=", "WINRMD_PSRP_" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncmp(kv, names[i], strlen(names[i])) == 0)
			return true;
	return strchr(kv, '=') == NULL || kv[0] == '=';
}

/* an ANSI-C escape of bash's $'...' at *pp (past the backslash) */
static void
ansic_escape(struct sbuf *b, const char **pp, const char *end)
{
	static const char from[] = "abefnrtv\\'\"?E", to[] = "\a\b\033\f\n\r\t\v\\'\"?\033";
	const char *p = *pp, *k;
	unsigned v = 0;
	int n = 0;
	char ch;

	if (p >= end)
		return;
	if ((k = strchr(from, *p)) != NULL && *p != '\0') {
		sb_addn(b, &to[k - from], 1);
		*pp = p + 1;
		return;
	}
	if (*p >= '0' && *p <= '7') {
		for (; n < 3 && p < end && *p >= '0' && *p <= '7'; n++, p++)
			v = v * 8 + (unsigned)(*p - '0');
	} else if (*p == 'x') {
		for (p++; n < 2 && p < end && isxdigit((unsigned char)*p); n++,
		    p++)
			v = v * 16 + (unsigned)(isdigit((unsigned char)*p) ?
			    *p - '0' : (tolower((unsigned char)*p) - 'a' + 10));
	}
	if (n == 0) {		/* not one bash writes: as it is */
		sb_addn(b, "\\", 1);
		return;
	}
	ch = (char)v;
	sb_addn(b, &ch, 1);
	*pp = p;
}

/*
 * One NAME=value of `export -p' as dash (export NAME='v'), bash
 * (declare -x NAME="v", or $'...' for control characters) and bash
 * --posix (export NAME="v") write it, from *pp to the end of its line:
 * 1 with "NAME=value" in b, 0 for a name without a value, -1 if it is
 * not that shape.
 */
static int
export_entry(const char **pp, const char *end, struct sbuf *b)
{
	const char *p = *pp;

	if ((size_t)(end - p) > 7 && memcmp(p, "export ", 7) == 0)
		p += 7;
	else if ((size_t)(end - p) > 9 && memcmp(p, "declare -", 9) == 0) {
		for (p += 9; p < end && *p != ' ' && *p != '\n'; p++)
			;
		if (p >= end || *p++ != ' ')
			return -1;
	} else
		return -1;
	if (p >= end || !(isalpha((unsigned char)*p) || *p == '_'))
		return -1;
	while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
		sb_addn(b, p++, 1);
	if (p >= end || *p == '\n') {
		*pp = p < end ? p + 1 : p;
		return 0;
	}
	if (*p++ != '=')
		return -1;
	sb_addn(b, "=", 1);
	while (p < end && *p != '\n') {
		if (*p == '\'') {
			const char *q = memchr(p + 1, '\'', (size_t)(end - p - 1));

			if (q == NULL)
				return -1;
			sb_addn(b, p + 1, (size_t)(q - p - 1));
			p = q + 1;
		} else if (*p == '"') {
			for (p++; p < end && *p != '"'; p++) {
				if (*p == '\\' && p + 1 < end &&
				    strchr("$`\"\\\n", p[1]) != NULL)
					p++;
				sb_addn(b, p, 1);
			}
			if (p++ >= end)
				return -1;
		} else if (*p == '$' && p + 1 < end && p[1] == '\'') {
			for (p += 2; p < end && *p != '\''; )
				if (*p == '\\') {
					p++;
					ansic_escape(b, &p, end);
				} else
					sb_addn(b, p++, 1);
			if (p++ >= end)
				return -1;
		} else if (*p == '\\' && p + 1 < end) {
			sb_addn(b, p + 1, 1);
			p += 2;
		} else
			sb_addn(b, p++, 1);
	}
	*pp = p < end ? p + 1 : p;
	return 1;
}

/* the environment as `export -p' lists it, into env (at most max) */
static int
parse_exports(const char *p, const char *end, char **env, size_t max)
{
	size_t n = 0;

	while (p < end && n < max) {
		struct sbuf b = { 0 };
		int r = export_entry(&p, end, &b);

		if (r < 0 || b.failed) {
			while (n > 0) {
				free(env[--n]);
				env[n] = NULL;
			}
			sb_free(&b);
			return -1;
		}
		if (r == 1 && b.p != NULL && !dropped(b.p))
			env[n++] = b.p;
		else
			sb_free(&b);
	}
	return 0;
}

int
psrp_state_parse(const char *buf, size_t len, struct psrp_runspace *rs)
{
	const char *nl = memchr(buf, '\n', len), *p, *end = buf + len;
	char **env;
	size_t n = 0;
	char *cwd;

	if (nl == NULL || nl == buf || buf[0] != '/' ||
	    memchr(buf, '\0', (size_t)(nl - buf)) != NULL)
		return -1;
	if ((env = calloc(PSRP_ENV_MAX + 1, sizeof(char *))) == NULL)
		return -1;
	p = nl + 1;
	if ((size_t)(end - p) > 7 && (memcmp(p, "export ", 7) == 0 ||
	    memcmp(p, "declare -", 8) == 0)) {
		if (parse_exports(p, end, env, PSRP_ENV_MAX) < 0) {
			strv_free(env);
			return -1;
		}
		p = end;
	}
	for (; p < end && n < PSRP_ENV_MAX;) {
		const char *z = memchr(p, '\0', (size_t)(end - p));

		if (z == NULL)
			break;	/* cut off: the rest is not whole */
		if (!dropped(p) && (env[n++] = strdup(p)) == NULL) {
			strv_free(env);
			return -1;
		}
		p = z + 1;
	}
	if ((cwd = strndup(buf, (size_t)(nl - buf))) == NULL) {
		strv_free(env);
		return -1;
	}
	free(rs->cwd);
	strv_free(rs->env);
	rs->cwd = cwd;
	rs->env = env;
	return 0;
}
