/*
 * winpath.c: Windows-style paths, environment references and command lines
 * mapped to Linux (winpath.h has the table).  Used by winrmd-native for
 * every path Ansible sends, so helpers and modules agree.
 */
#define _GNU_SOURCE

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "strbuf.h"
#include "winpath.h"

extern char **environ;

static char *
home_plus(const char *sub)
{
	const char *home = getenv("HOME");
	char *s;

	if (home == NULL || home[0] == '\0')
		home = "/";
	if (asprintf(&s, "%s%s", strcmp(home, "/") == 0 ? "" : home, sub) < 0)
		return NULL;
	return s;
}

static char *
env_or(const char *var, const char *home_sub)
{
	const char *v = getenv(var);

	if (v != NULL && v[0] != '\0')
		return strdup(v);
	return home_plus(home_sub);
}

char *
winpath_getenv(const char *name)
{
	size_t n = strlen(name);

	if (n == 0)
		return NULL;
	/* a variable the process really has, in any case */
	for (char **e = environ; e != NULL && *e != NULL; e++)
		if (strncasecmp(*e, name, n) == 0 && (*e)[n] == '=')
			return strdup(*e + n + 1);
	if (strcasecmp(name, "TEMP") == 0 || strcasecmp(name, "TMP") == 0) {
		const char *t = getenv("TMPDIR");

		return strdup(t != NULL && t[0] == '/' ? t : "/tmp");
	}
	if (strcasecmp(name, "USERPROFILE") == 0 ||
	    strcasecmp(name, "HOMEPATH") == 0)
		return home_plus("");
	if (strcasecmp(name, "HOMEDRIVE") == 0 ||
	    strcasecmp(name, "SystemDrive") == 0)
		return strdup("");
	if (strcasecmp(name, "USERNAME") == 0) {
		const char *u = getenv("USER");

		if (u == NULL)
			u = getenv("LOGNAME");
		return u != NULL ? strdup(u) : NULL;
	}
	if (strcasecmp(name, "COMPUTERNAME") == 0) {
		char host[256];

		if (gethostname(host, sizeof(host)) < 0)
			return NULL;
		host[sizeof(host) - 1] = '\0';
		return strdup(host);
	}
	if (strcasecmp(name, "APPDATA") == 0)
		return env_or("XDG_CONFIG_HOME", "/.config");
	if (strcasecmp(name, "LOCALAPPDATA") == 0)
		return env_or("XDG_DATA_HOME", "/.local/share");
	return NULL;
}

static bool
is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

char *
winpath_expand_env(const char *s)
{
	struct sbuf b = { 0 };
	const char *p = s;

	while (*p != '\0') {
		if (*p == '%') {
			const char *close = strchr(p + 1, '%');
			char *name, *val;

			if (close == NULL || close == p + 1) {
				/* no name: the % is text ("%%" stays "%%") */
				sb_addn(&b, p, close == p + 1 ? 2 : strlen(p));
				p = close == p + 1 ? close + 1 : p + strlen(p);
				continue;
			}
			if ((name = strndup(p + 1, (size_t)(close - p - 1))) == NULL)
				return sb_free(&b), NULL;
			val = winpath_getenv(name);
			free(name);
			if (val != NULL) {
				sb_addn(&b, val, strlen(val));
				free(val);
				p = close + 1;
			} else {
				/* unknown: as written; the closing % may open
				 * the next reference (ExpandEnvironmentVariables) */
				sb_addn(&b, p, (size_t)(close - p));
				p = close;
			}
			continue;
		}
		if (*p == '$' && (strncasecmp(p, "$env:", 5) == 0 ||
		    strncasecmp(p, "${env:", 6) == 0)) {
			bool braced = p[1] == '{';
			const char *n0 = p + (braced ? 6 : 5), *n1 = n0;
			char *name, *val;

			if (braced)
				while (*n1 != '\0' && *n1 != '}')
					n1++;
			else
				while (is_name_char(*n1))
					n1++;
			if (n1 == n0 || (braced && *n1 != '}')) {
				sb_addn(&b, p, 1);
				p++;
				continue;
			}
			if ((name = strndup(n0, (size_t)(n1 - n0))) == NULL)
				return sb_free(&b), NULL;
			val = winpath_getenv(name);
			free(name);
			/* PowerShell: an unset variable is empty */
			if (val != NULL)
				sb_addn(&b, val, strlen(val));
			free(val);
			p = n1 + (braced ? 1 : 0);
			continue;
		}
		sb_addn(&b, p, 1);
		p++;
	}
	return sb_take(&b);
}

static bool
is_sep(char c)
{
	return c == '\\' || c == '/';
}

bool
winpath_trailing_sep(const char *win)
{
	size_t n = strlen(win);

	return n > 0 && is_sep(win[n - 1]);
}

char *
winpath_map(const char *win, const char **ret_why)
{
	struct sbuf b = { 0 };
	char *x, *p, *out;
	bool absolute;

	*ret_why = "out of memory";
	/* \\?\ (and \??\): the long-path prefix, not a share */
	if ((strncmp(win, "\\\\?\\", 4) == 0 || strncmp(win, "\\??\\", 4) == 0))
		win += 4;
	else if (is_sep(win[0]) && is_sep(win[1])) {
		*ret_why = "UNC paths (\\\\server\\share) have no meaning on this "
		    "host";
		return NULL;
	}
	if ((x = winpath_expand_env(win)) == NULL)
		return NULL;
	/* ~ and ~\x: the home directory, as PowerShell's file system has it */
	if (x[0] == '~' && (x[1] == '\0' || is_sep(x[1]))) {
		char *h = home_plus(x + 1);

		free(x);
		if ((x = h) == NULL)
			return NULL;
		if (x[0] == '\0') {	/* HOME is / */
			free(x);
			if ((x = strdup("/")) == NULL)
				return NULL;
		}
	}
	p = x;
	if (isalpha((unsigned char)p[0]) && p[1] == ':') {
		if (toupper((unsigned char)p[0]) != 'C') {
			*ret_why = "only drive C: exists on this host (it is the "
			    "root directory, /); other drive letters do not";
			free(x);
			return NULL;
		}
		p += 2;
		/* C:x (relative to the drive's directory): C:\x here */
		if (!is_sep(*p)) {
			sb_addn(&b, "/", 1);
		}
	}
	absolute = is_sep(*p) || b.len > 0;
	if (is_sep(*p))
		sb_addn(&b, "/", 1);
	/* components: drop empty and "." ones */
	while (*p != '\0') {
		const char *c;
		size_t n;

		while (is_sep(*p))
			p++;
		c = p;
		while (*p != '\0' && !is_sep(*p))
			p++;
		n = (size_t)(p - c);
		if (n == 0 || (n == 1 && c[0] == '.'))
			continue;
		if (b.len > 0 && b.p[b.len - 1] != '/')
			sb_addn(&b, "/", 1);
		sb_addn(&b, c, n);
	}
	free(x);
	if (!b.failed && b.len == 0)
		sb_addn(&b, absolute ? "/" : ".", 1);
	if ((out = sb_take(&b)) == NULL)
		return NULL;
	*ret_why = NULL;
	return out;
}

const char *
winpath_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL && s[1] != '\0' ? s + 1 : path;
}

/* ------------------------------------------------- CommandLineToArgvW */

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

void
winargv_free(char **argv)
{
	if (argv == NULL)
		return;
	for (size_t i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

static int
push(char ***argv, size_t *n, struct sbuf *b)
{
	char **v = realloc(*argv, (*n + 2) * sizeof(char *));
	char *s = sb_take(b);

	if (v == NULL || s == NULL) {
		free(s);
		if (v != NULL)
			*argv = v;
		return -1;
	}
	*argv = v;
	v[(*n)++] = s;
	v[*n] = NULL;
	return 0;
}

char **
winargv_split(const char *line)
{
	char **argv = calloc(1, sizeof(char *));
	struct sbuf b = { 0 };
	const char *p = line;
	size_t n = 0;

	if (argv == NULL)
		return NULL;
	while (is_blank(*p))
		p++;
	if (*p == '\0')
		return argv;
	/* the program name: quotes delimit, backslashes are plain */
	if (*p == '"') {
		const char *e = strchr(++p, '"');

		if (e == NULL)
			e = p + strlen(p);
		sb_addn(&b, p, (size_t)(e - p));
		p = *e == '"' ? e + 1 : e;
	} else {
		const char *e = p;

		while (*e != '\0' && !is_blank(*e))
			e++;
		sb_addn(&b, p, (size_t)(e - p));
		p = e;
	}
	if (push(&argv, &n, &b) < 0)
		goto fail;
	for (;;) {
		bool quoted = false, any = false;

		while (is_blank(*p))
			p++;
		if (*p == '\0')
			break;
		while (*p != '\0' && (quoted || !is_blank(*p))) {
			if (*p == '\\') {
				size_t k = 0;

				while (p[k] == '\\')
					k++;
				if (p[k] == '"') {
					for (size_t i = 0; i < k / 2; i++)
						sb_addn(&b, "\\", 1);
					if (k % 2 == 1) {
						sb_addn(&b, "\"", 1);
						p += k + 1;
					} else
						p += k;	/* the quote is seen next */
				} else {
					sb_addn(&b, p, k);
					p += k;
				}
				any = true;
				continue;
			}
			if (*p == '"') {
				if (quoted && p[1] == '"') {
					sb_addn(&b, "\"", 1);
					p += 2;
					continue;
				}
				quoted = !quoted;
				p++;
				any = true;
				continue;
			}
			sb_addn(&b, p, 1);
			p++;
			any = true;
		}
		(void)any;
		if (push(&argv, &n, &b) < 0)
			goto fail;
	}
	return argv;
fail:
	sb_free(&b);
	winargv_free(argv);
	return NULL;
}
