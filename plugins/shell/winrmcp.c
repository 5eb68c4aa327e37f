/*
 * winrmcp.c: recognises the commands of packer-community/winrmcp
 * (winrmcp.h).  The scripts are matched by their marker statements, not
 * their bytes (whitespace and letter case may vary); the paths are
 * PowerShell double-quoted strings, taken as written when they hold
 * nothing PowerShell would expand but $env:NAME (winrmd-native expands
 * that), else the script is refused.
 */
#define _GNU_SOURCE

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "winrmcp.h"

#define MAX_ARG		4096

static bool
has(const char *text, const char *needle)
{
	return strcasestr(text, needle) != NULL;
}

/* p past blanks (spaces, tabs) */
static const char *
blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * The double-quoted string at p: its text (malloc'd) and *ret_end after
 * the closing quote, or NULL: not a string, a backtick escape, an embedded
 * quote, or a $ other than $env:NAME / ${env:NAME}.
 */
static char *
dq_string(const char *p, const char **ret_end)
{
	const char *s, *e;

	if (*p != '"')
		return NULL;
	s = ++p;
	for (; *p != '"'; p++) {
		if (*p == '\0' || *p == '`' || *p == '\n' || p - s > MAX_ARG)
			return NULL;
		if (*p == '$' && strncasecmp(p, "$env:", 5) != 0 &&
		    strncasecmp(p, "${env:", 6) != 0)
			return NULL;
	}
	e = p;
	*ret_end = e + 1;
	return strndup(s, (size_t)(e - s));
}

/*
 * The value of "VAR = [System.IO.Path]::GetFullPath("...")" (trim: the
 * string is followed by .Trim("'"), whose effect is applied), or NULL.
 */
static char *
full_path_of(const char *script, const char *var, bool trim)
{
	const char *p = script, *end;
	size_t vl = strlen(var);
	char *v;

	while ((p = strcasestr(p, var)) != NULL) {
		const char *q = blanks(p + vl);

		p += vl;
		if (*q != '=')
			continue;
		q = blanks(q + 1);
		if (strncasecmp(q, "[System.IO.Path]::GetFullPath(", 30) != 0)
			continue;
		if ((v = dq_string(blanks(q + 30), &end)) == NULL)
			return NULL;
		end = blanks(end);
		if (trim) {
			size_t n;

			if (strncmp(end, ".Trim(\"'\")", 10) != 0) {
				free(v);
				return NULL;
			}
			end = blanks(end + 10);
			n = strlen(v);
			while (n > 0 && v[n - 1] == '\'')
				v[--n] = '\0';
			n = strspn(v, "'");
			memmove(v, v + n, strlen(v + n) + 1);
		}
		if (*end != ')' || v[0] == '\0') {
			free(v);
			return NULL;
		}
		return v;
	}
	return NULL;
}

/* a helper with n parameters (taken; a NULL one: out of memory) */
static int
helper(struct ansible_native *r, const char *name, int n, char *a1, char *a2)
{
	r->kind = AK_HELPER;
	r->argv[0] = strdup(name);
	r->argv[1] = a1;
	r->argv[2] = a2;
	if (r->argv[0] == NULL || a1 == NULL || (n == 2 && a2 == NULL))
		return -ENOMEM;
	return 0;
}

static int
malformed(struct ansible_native *r, const char *what, const char *detail)
{
	r->kind = AK_MALFORMED;
	if (asprintf(&r->why, "this looks like winrmcp's %s script, but %s; "
	    "winrmd runs winrmcp's scripts natively and does not run it",
	    what, detail) < 0) {
		r->why = NULL;
		return -ENOMEM;
	}
	return 0;
}

int
winrmcp_recognise_ps(const char *script, struct ansible_native *r)
{
	bool tmp = has(script, "$tmp_file_path"), dest = has(script,
	    "$dest_file_path"), b64 = has(script,
	    "FromBase64String($base64_line)");
	char *from, *to;
	int e;

	memset(r, 0, sizeof(*r));
	if (!tmp || !(dest || b64 || has(script, "Remove-Item $tmp_file_path")))
		return 0;
	if (dest || b64) {
		if (!dest || !b64 ||
		    !has(script, "[System.IO.File]::OpenText($tmp_file_path)") ||
		    !has(script, "[System.IO.File]::OpenWrite($dest_file_path)"))
			return malformed(r, "restore", "a part of its structure "
			    "(OpenText, FromBase64String, OpenWrite) is missing");
		if ((from = full_path_of(script, "$tmp_file_path", false)) ==
		    NULL)
			return malformed(r, "restore", "its $tmp_file_path cannot "
			    "be read");
		if ((to = full_path_of(script, "$dest_file_path", true)) == NULL) {
			free(from);
			return malformed(r, "restore", "its $dest_file_path "
			    "cannot be read");
		}
		e = helper(r, "winrmcp_restore", 2, from, to);
	} else {
		if ((from = full_path_of(script, "$tmp_file_path", false)) ==
		    NULL)
			return malformed(r, "cleanup", "its $tmp_file_path cannot "
			    "be read");
		e = helper(r, "winrmcp_cleanup", 1, from, NULL);
	}
	if (e < 0)
		ansible_native_free(r);
	return e;
}

/* winrmcp's temporary file: ...winrmcp-<uuid>.tmp */
static bool
winrmcp_tmp(const char *path, size_t n)
{
	const char *base = path + n;

	while (base > path && base[-1] != '\\' && base[-1] != '/')
		base--;
	n -= (size_t)(base - path);
	if (n < 13 || strncasecmp(base, "winrmcp-", 8) != 0 ||
	    strncasecmp(base + n - 4, ".tmp", 4) != 0)
		return false;
	for (size_t i = 8; i < n - 4; i++)
		if (!isxdigit((unsigned char)base[i]) && base[i] != '-')
			return false;
	return true;
}

/* echo <base64> >> "<...winrmcp-<uuid>.tmp>" */
int
winrmcp_recognise_cmd(const char *line, struct ansible_native *r)
{
	const char *p = blanks(line), *t, *te, *q, *qe;
	int e;

	memset(r, 0, sizeof(*r));
	if (strncasecmp(p, "echo ", 5) != 0)
		return 0;
	t = p + 5;
	for (te = t; isalnum((unsigned char)*te) || *te == '+' || *te == '/' ||
	    *te == '='; te++)
		;
	if (te == t || te - t > 16384)
		return 0;
	/* cmd.exe writes what precedes >>, blanks included */
	q = blanks(te);
	if (strncmp(q, ">>", 2) != 0)
		return 0;
	q = blanks(q + 2);
	if (*q != '"' || (qe = strchr(q + 1, '"')) == NULL ||
	    *blanks(qe + 1) != '\0' || !winrmcp_tmp(q + 1, (size_t)(qe - q - 1)))
		return 0;
	e = helper(r, "winrmcp_append", 2, strndup(q + 1, (size_t)(qe - q - 1)),
	    strndup(t, (size_t)(blanks(te) - t)));
	if (e < 0)
		ansible_native_free(r);
	return e;
}
