/*
 * cmdline.c: classifies a WinRS command line (cmdline.h).  PowerShell's
 * own parameter rules: names are case-insensitive, may be abbreviated to a
 * unique prefix, and -e / -ec / -enc mean -EncodedCommand; everything after
 * -Command (or after the first positional word) is the script.
 */
#define _GNU_SOURCE

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "cmdline.h"
#include "text.h"

#define MAX_NESTING	5

enum ps_param { P_COMMAND, P_ENCODED, P_FILE, P_VALUE, P_FLAG };

static const struct {
	const char	*name;		/* lower case */
	enum ps_param	 kind;
	size_t		 min;		/* shortest accepted abbreviation */
} ps_params[] = {
	{ "command", P_COMMAND, 1 },
	{ "encodedcommand", P_ENCODED, 2 },
	{ "file", P_FILE, 1 },
	{ "executionpolicy", P_VALUE, 2 },
	{ "inputformat", P_VALUE, 2 },
	{ "outputformat", P_VALUE, 1 },
	{ "windowstyle", P_VALUE, 1 },
	{ "version", P_VALUE, 1 },
	{ "configurationname", P_VALUE, 4 },
	{ "workingdirectory", P_VALUE, 2 },
	{ "settingsfile", P_VALUE, 2 },
	{ "psconsolefile", P_VALUE, 3 },
	{ "noprofile", P_FLAG, 3 },
	{ "noninteractive", P_FLAG, 4 },
	{ "nologo", P_FLAG, 3 },
	{ "noexit", P_FLAG, 3 },
	{ "sta", P_FLAG, 1 },
	{ "mta", P_FLAG, 1 },
	{ "login", P_FLAG, 1 },
	{ "interactive", P_FLAG, 1 },
	{ "encodedarguments", P_VALUE, 4 },
};

/* aliases PowerShell accepts that the prefix rule does not give */
static const struct {
	const char	*alias;
	enum ps_param	 kind;
} ps_aliases[] = {
	{ "e", P_ENCODED }, { "ec", P_ENCODED }, { "ep", P_VALUE },
	{ "ex", P_VALUE }, { "if", P_VALUE }, { "of", P_VALUE },
	{ "nop", P_FLAG }, { "noni", P_FLAG }, { "nol", P_FLAG },
	{ "wd", P_VALUE }, { "c", P_COMMAND }, { "f", P_FILE },
};

static const char *const engine_markers[] = {
	"chcp.com", "$exec_wrapper", "set-strictmode", "add-type",
	"[system.", "[convert]::", "[io.", "[text.encoding]",
	"$erroractionpreference", "new-object", "$input",
};

static int
lookup_param(const char *tok, enum ps_param *ret)
{
	char name[64];
	size_t n = strlen(tok), i;
	int found = -1;

	if (n == 0 || n >= sizeof(name))
		return -1;
	for (i = 0; i < n; i++)
		name[i] = (char)tolower((unsigned char)tok[i]);
	name[n] = '\0';
	for (i = 0; i < sizeof(ps_aliases) / sizeof(ps_aliases[0]); i++)
		if (strcmp(name, ps_aliases[i].alias) == 0) {
			*ret = ps_aliases[i].kind;
			return 0;
		}
	for (i = 0; i < sizeof(ps_params) / sizeof(ps_params[0]); i++) {
		if (n < ps_params[i].min || strncmp(ps_params[i].name, name, n) != 0)
			continue;
		if (found >= 0 && ps_params[found].kind != ps_params[i].kind)
			return -1;	/* ambiguous */
		found = (int)i;
	}
	if (found < 0)
		return -1;
	*ret = ps_params[found].kind;
	return 0;
}

/* next token of a Windows-style line: whitespace-separated, "quotes" group */
static const char *
next_token(const char *p, char *buf, size_t len, const char **ret_start)
{
	size_t n = 0;
	int quoted = 0;

	while (isspace((unsigned char)*p))
		p++;
	*ret_start = p;
	if (*p == '\0')
		return NULL;
	while (*p != '\0' && (quoted || !isspace((unsigned char)*p))) {
		if (*p == '"')
			quoted = !quoted;
		else if (n + 1 < len)
			buf[n++] = *p;
		p++;
	}
	buf[n] = '\0';
	return p;
}

static char *
program_name(const char *tok)
{
	const char *base = tok;
	char *name;
	size_t n;

	for (const char *p = tok; *p != '\0'; p++)
		if (*p == '\\' || *p == '/')
			base = p + 1;
	if ((name = strdup(base)) == NULL)
		return NULL;
	for (char *p = name; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	n = strlen(name);
	if (n > 4 && strcmp(name + n - 4, ".exe") == 0)
		name[n - 4] = '\0';
	return name;
}

/* UTF-16LE -> UTF-8; NULL if invalid */
static char *
utf16le_to_utf8(const unsigned char *in, size_t len)
{
	iconv_t cd;
	char *out, *op, *ip = (char *)in;
	size_t olen = len * 2 + 4, oleft = olen, ileft = len;

	if (len % 2 != 0 || (out = malloc(olen)) == NULL)
		return NULL;
	if ((cd = iconv_open("UTF-8", "UTF-16LE")) == (iconv_t)-1) {
		free(out);
		return NULL;
	}
	op = out;
	if (iconv(cd, &ip, &ileft, &op, &oleft) == (size_t)-1) {
		iconv_close(cd);
		free(out);
		return NULL;
	}
	iconv_close(cd);
	*op = '\0';
	if (memchr(out, '\0', (size_t)(op - out)) != NULL) {
		free(out);
		return NULL;
	}
	/* a byte-order mark is not part of the script */
	if ((unsigned char)out[0] == 0xef && (unsigned char)out[1] == 0xbb &&
	    (unsigned char)out[2] == 0xbf)
		memmove(out, out + 3, strlen(out + 3) + 1);
	return out;
}

static bool
is_powershell(const char *tok)
{
	char *prog = program_name(tok);
	bool yes = prog != NULL && (strcmp(prog, "powershell") == 0 ||
	    strcmp(prog, "pwsh") == 0);

	free(prog);
	return yes;
}

static char *
decode_encoded(const char *b64)
{
	size_t len = strlen(b64), pad = 0;
	unsigned char *raw;
	char *script;
	int n;

	if (len == 0 || len % 4 != 0)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		char c = b64[i];

		if (c == '=') {
			if (i < len - 2)
				return NULL;
			pad++;
		} else if (pad != 0 || !(isalnum((unsigned char)c) || c == '+' ||
		    c == '/'))
			return NULL;
	}
	if ((raw = malloc(len / 4 * 3 + 1)) == NULL)
		return NULL;
	n = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)len);
	if (n < 0 || (size_t)n < pad) {
		free(raw);
		return NULL;
	}
	script = utf16le_to_utf8(raw, (size_t)n - pad);
	free(raw);
	return script;
}

char *
cmdline_encode_ps(const char *script)
{
	size_t len = strlen(script), olen = len * 4 + 4, oleft = olen, ileft = len;
	char *wide, *wp, *ip = (char *)script, *b64;
	iconv_t cd;

	if ((wide = malloc(olen)) == NULL)
		return NULL;
	if ((cd = iconv_open("UTF-16LE", "UTF-8")) == (iconv_t)-1) {
		free(wide);
		return NULL;
	}
	wp = wide;
	if (iconv(cd, &ip, &ileft, &wp, &oleft) == (size_t)-1) {
		iconv_close(cd);
		free(wide);
		return NULL;
	}
	iconv_close(cd);
	if ((b64 = malloc(((size_t)(wp - wide) + 2) / 3 * 4 + 1)) != NULL)
		EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)wide,
		    (int)(wp - wide));
	free(wide);
	return b64;
}

const char *
cmdline_ps_engine_marker(const char *script)
{
	for (size_t i = 0; i < sizeof(engine_markers) / sizeof(engine_markers[0]);
	    i++) {
		size_t n = strlen(engine_markers[i]);

		for (const char *p = script; *p != '\0'; p++)
			if (strncasecmp(p, engine_markers[i], n) == 0)
				return engine_markers[i];
	}
	return NULL;
}

static int __attribute__((format(printf, 2, 3)))
set_fail(struct cmdline *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->kind = CMD_FAIL;
	free(c->text);
	return (c->text = strdup(msg)) ? 0 : -ENOMEM;
}

/*
 * Go's masterzen/winrm (Powershell(), RunPS*) puts
 * "$ProgressPreference = 'SilentlyContinue';" before every script, to keep
 * progress bars out of stderr.  There is no progress display here: the
 * statement is taken off, so that the script is what the caller wrote
 * (recognised natively, or plain enough for the user's shell).
 */
static void
drop_progress_preference(char *text)
{
	static const char var[] = "$ProgressPreference";
	char *p = text;

	while (isspace((unsigned char)*p))
		p++;
	if (strncasecmp(p, var, sizeof(var) - 1) != 0)
		return;
	p += sizeof(var) - 1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p++ != '=')
		return;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '\'' && *p != '"')
		return;
	{
		char q = *p++;

		while (isalpha((unsigned char)*p))
			p++;
		if (*p++ != q)
			return;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != ';' && *p != '\n' && *p != '\r')
		return;
	p++;
	while (isspace((unsigned char)*p))
		p++;
	memmove(text, p, strlen(p) + 1);
}

static char *
trim_dup(const char *s)
{
	size_t len;

	s = text_trim(s, &len);
	/* "-Command "script"": the quotes belong to the command line */
	if (len >= 2 && *s == '"' && s[len - 1] == '"' &&
	    memchr(s + 1, '"', len - 2) == NULL) {
		s++;
		len -= 2;
	}
	return strndup(s, len);
}

/*
 * Parses the arguments after powershell/pwsh; p points after the program.
 * tok has room for the longest token (the whole top-level line: decoded
 * scripts are shorter than their encoding).
 */
static int
parse_powershell(const char *p, struct cmdline *c, char *tok, size_t toklen,
    int depth)
{
	char param[64];
	const char *start, *next;

	c->kind = CMD_POWERSHELL;
	while ((next = next_token(p, tok, toklen, &start)) != NULL) {
		enum ps_param kind;

		if (tok[0] != '-' && tok[0] != '/') {
			/* a positional script: the rest of the line */
			free(c->text);
			if ((c->text = trim_dup(start)) == NULL)
				return -ENOMEM;
			break;
		}
		if (lookup_param(tok + 1, &kind) < 0)
			return set_fail(c, "PowerShell parameter %s is not "
			    "understood by winrmd", tok);
		snprintf(param, sizeof(param), "%s", tok);
		p = next;
		switch (kind) {
		case P_FLAG:
			continue;
		case P_VALUE:
			if ((next = next_token(p, tok, toklen, &start)) == NULL)
				return set_fail(c, "PowerShell parameter %s needs "
				    "a value", param);
			p = next;
			continue;
		case P_COMMAND:
			free(c->text);
			if ((c->text = trim_dup(p)) == NULL)
				return -ENOMEM;
			if (strcmp(c->text, "-") == 0) {
				c->script_from_stdin = true;
				c->needs_engine = "-Command - (script on stdin)";
			}
			p += strlen(p);
			break;
		case P_FILE:
			free(c->text);
			if ((c->text = trim_dup(p)) == NULL)
				return -ENOMEM;
			c->needs_engine = "-File (a .ps1 script file)";
			p += strlen(p);
			break;
		case P_ENCODED: {
			char *script;

			if ((next = next_token(p, tok, toklen, &start)) == NULL)
				return set_fail(c, "%s", "-EncodedCommand needs a "
				    "value");
			p = next;
			if ((script = decode_encoded(tok)) == NULL)
				return set_fail(c, "%s", "-EncodedCommand is not "
				    "base64 of UTF-16LE text");
			free(c->text);
			c->text = script;
			continue;
		}
		}
		break;
	}
	if (c->text == NULL)
		return set_fail(c, "%s", "PowerShell was started without a "
		    "command (an interactive PowerShell is not available)");
	/* a script that is itself a PowerShell command line: unwrap it */
	next = next_token(c->text, tok, toklen, &start);
	if (depth < MAX_NESTING && next != NULL && is_powershell(tok)) {
		char *outer = c->text;
		size_t off = (size_t)(next - outer);
		int r;

		c->text = NULL;
		c->needs_engine = NULL;
		c->script_from_stdin = false;
		r = parse_powershell(outer + off, c, tok, toklen, depth + 1);
		free(outer);
		return r;
	}
	drop_progress_preference(c->text);
	if (c->needs_engine == NULL)
		c->needs_engine = cmdline_ps_engine_marker(c->text);
	return 0;
}

static char *
join_line(const char *command, char *const *args, size_t nargs)
{
	size_t len = strlen(command) + 1;
	char *line;

	for (size_t i = 0; i < nargs; i++)
		len += strlen(args[i]) + 1;
	if ((line = malloc(len)) == NULL)
		return NULL;
	strcpy(line, command);
	for (size_t i = 0; i < nargs; i++) {
		strcat(line, " ");
		strcat(line, args[i]);
	}
	return line;
}

int
cmdline_parse(const char *command, char *const *args, size_t nargs,
    bool skip_cmd_shell, struct cmdline *c)
{
	char *tok, *line, *prog = NULL;
	const char *start, *next;
	size_t toklen;
	int r = 0;

	memset(c, 0, sizeof(*c));
	if ((line = join_line(command, args, nargs)) == NULL)
		return -ENOMEM;
	toklen = strlen(line) + 1;
	if ((tok = malloc(toklen)) == NULL) {
		free(line);
		return -ENOMEM;
	}
	next = next_token(line, tok, toklen, &start);
	if (next != NULL && (prog = program_name(tok)) == NULL) {
		free(line);
		free(tok);
		return -ENOMEM;
	}
	if (prog != NULL && is_powershell(prog)) {
		r = parse_powershell(next, c, tok, toklen, 0);
	} else if (prog != NULL && strcmp(prog, "cmd") == 0 &&
	    next_token(next, tok, toklen, &start) != NULL &&
	    (strcasecmp(tok, "/c") == 0 || strcasecmp(tok, "/k") == 0)) {
		c->kind = CMD_SHELL;
		if ((c->text = trim_dup(start + 2)) == NULL)
			r = -ENOMEM;
	} else if (skip_cmd_shell) {
		c->kind = CMD_ARGV;
		if ((c->argv = calloc(nargs + 2, sizeof(char *))) == NULL ||
		    (c->argv[0] = strdup(command)) == NULL)
			r = -ENOMEM;
		for (size_t i = 0; r == 0 && i < nargs; i++)
			if ((c->argv[i + 1] = strdup(args[i])) == NULL)
				r = -ENOMEM;
	} else {
		c->kind = CMD_SHELL;
		c->text = line;
		line = NULL;
	}
	free(prog);
	free(line);
	free(tok);
	if (r < 0)
		cmdline_free(c);
	return r;
}

void
cmdline_free(struct cmdline *c)
{
	free(c->text);
	if (c->argv != NULL)
		for (size_t i = 0; c->argv[i] != NULL; i++)
			free(c->argv[i]);
	free(c->argv);
	memset(c, 0, sizeof(*c));
}
