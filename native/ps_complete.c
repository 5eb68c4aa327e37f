/*
 * ps_complete.c: TabExpansion2 -inputScript S -cursorColumn N, the tab
 * completion PowerShell's remote hosts (Enter-PSSession, PSReadLine) and
 * pypsrp's callers run, answered as the user with the CommandCompletion
 * object PowerShell returns (psobject.h; winrmd(8), "Tab completion").
 * The word at the cursor (ps_word.h) is completed as:
 *
 *   -Prefix after a cmdlet winrmd understands
 *                   its parameters (ParameterName)
 *   the first word of a command, no / or \ in it, not . ~ $ -
 *                   the cmdlets winrmd understands (psrp_cmdlet_name)
 *                   and the executables on PATH (Command)
 *   anything else   the entries of the word's directory (relative to the
 *                   runspace's, this process's working directory; ~ and
 *                   Windows-shaped paths as ps_path maps them) whose name
 *                   starts with the rest, any case; dot files only for a
 *                   rest starting with '.' (ProviderContainer for a
 *                   directory, ProviderItem otherwise)
 *
 * Matches are sorted by name, any case; at most COMPLETE_MAX of them, and
 * at most SCAN_MAX entries read from one directory.  Offsets are UTF-16
 * code units, as .NET counts them.  A name that needs quoting is quoted
 * ('...', or the quote the word opened), behind "& " as a command.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "native.h"
#include "psobject.h"
#include "ps_word.h"
#include "psrp_cmdlet.h"

#define COMPLETE_MAX	1024
#define SCAN_MAX	65536

/* CompletionResultType */
enum { RT_COMMAND = 2, RT_ITEM = 3, RT_CONTAINER = 4, RT_PARAMETER = 7 };
static const char *const rt_names[] = { "Text", "History", "Command",
	"ProviderItem", "ProviderContainer", "Property", "Method",
	"ParameterName" };

static const char *const tn_completion[] = {
	"System.Management.Automation.CommandCompletion", "System.Object",
	NULL };
static const char *const tn_matches[] = {
	"System.Collections.ObjectModel.Collection`1[[System.Management."
	"Automation.CompletionResult, System.Management.Automation, "
	"Version=7.4.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]",
	"System.Object", NULL };
static const char *const tn_result[] = {
	"System.Management.Automation.CompletionResult", "System.Object",
	NULL };
static const char *const tn_rtype[] = {
	"System.Management.Automation.CompletionResultType", "System.Enum",
	"System.ValueType", "System.Object", NULL };

struct match {
	char	*text;		/* CompletionText */
	char	*item;		/* ListItemText */
	char	*tip;		/* ToolTip */
	int	 type;
	size_t	 seq;		/* the order found: PATH's first wins */
};

struct matches {
	struct match	 m[COMPLETE_MAX];
	size_t		 n;
};

static void
add(struct matches *ms, char *text, char *item, char *tip, int type)
{
	if (ms->n == COMPLETE_MAX) {
		free(text);
		free(item);
		free(tip);
		return;
	}
	ms->m[ms->n] = (struct match){ text, item, tip, type, ms->n };
	ms->n++;
}

static bool
has_prefix(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* ps_word_quote, or out of memory */
static char *
quoted(const char *s, char q, bool command)
{
	char *w = ps_word_quote(s, q, command);

	if (w == NULL)
		die_nomem();
	return w;
}

/* ------------------------------------------------------------- sources */

static void
parameters(const char *cmdlet, const char *prefix, struct matches *ms)
{
	const char *p;

	for (size_t i = 0; (p = psrp_cmdlet_param(cmdlet, i)) != NULL; i++)
		if (has_prefix(p, prefix))
			add(ms, xasprintf("-%s", p), xstrdup(p), xstrdup(p),
			    RT_PARAMETER);
}

static void
commands(const char *prefix, struct matches *ms)
{
	const char *path = getenv("PATH"), *n;
	char *dirs, *save = NULL;

	for (size_t i = 0; (n = psrp_cmdlet_name(i)) != NULL; i++)
		if (has_prefix(n, prefix))
			add(ms, xstrdup(n), xstrdup(n), xstrdup(n), RT_COMMAND);
	dirs = xstrdup(path != NULL ? path : "/usr/local/bin:/usr/bin:/bin");
	for (char *d = strtok_r(dirs, ":", &save); d != NULL;
	    d = strtok_r(NULL, ":", &save)) {
		DIR *dh = *d == '/' ? opendir(d) : NULL;
		struct dirent *e;
		size_t scanned = 0;

		while (dh != NULL && (e = readdir(dh)) != NULL &&
		    ++scanned <= SCAN_MAX) {
			struct stat st;

			if (e->d_name[0] == '.' || !has_prefix(e->d_name, prefix))
				continue;
			if (fstatat(dirfd(dh), e->d_name, &st, 0) < 0 ||
			    !S_ISREG(st.st_mode) || faccessat(dirfd(dh),
			    e->d_name, X_OK, AT_EACCESS) < 0)
				continue;
			add(ms, quoted(e->d_name, 0, true), xstrdup(e->d_name),
			    xasprintf("%s/%s", d, e->d_name), RT_COMMAND);
		}
		if (dh != NULL)
			closedir(dh);
	}
	free(dirs);
}

static void
paths(const struct ps_word *w, struct matches *ms)
{
	const char *sep = NULL, *rest;
	char *typed, *dir, *real;
	DIR *dh;
	struct dirent *e;
	size_t scanned = 0;

	for (const char *p = w->text; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			sep = p;
	rest = sep != NULL ? sep + 1 : w->text;
	/* the directory as typed (kept in the completion), and as opened */
	typed = sep != NULL ? strndup(w->text, (size_t)(rest - w->text)) :
	    xstrdup("./");
	if (typed == NULL)
		die_nomem();
	dir = sep != NULL ? ps_path(typed) : xstrdup(".");
	real = realpath(dir, NULL);
	if ((dh = opendir(dir)) == NULL) {
		free(typed);
		free(dir);
		free(real);
		return;
	}
	while ((e = readdir(dh)) != NULL && ++scanned <= SCAN_MAX) {
		struct stat st;
		bool is_dir;
		char *text;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    (e->d_name[0] == '.' && rest[0] != '.') ||
		    !has_prefix(e->d_name, rest))
			continue;
		is_dir = fstatat(dirfd(dh), e->d_name, &st, 0) == 0 &&
		    S_ISDIR(st.st_mode);
		text = xasprintf("%s%s", typed, e->d_name);
		add(ms, quoted(text, w->quote, w->command), xstrdup(e->d_name),
		    xasprintf("%s%s%s", real != NULL ? real : dir,
		    real != NULL && strcmp(real, "/") == 0 ? "" : "/",
		    e->d_name), is_dir ? RT_CONTAINER : RT_ITEM);
		free(text);
	}
	closedir(dh);
	free(typed);
	free(dir);
	free(real);
}

/* ---------------------------------------------------------- the object */

static int
by_name(const void *a, const void *b)
{
	const struct match *x = a, *y = b;
	int c = strcasecmp(x->item, y->item);

	if (c == 0)
		c = strcmp(x->item, y->item);
	return c != 0 ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

static struct clixml_value *
completion(const struct matches *ms, int index, int length)
{
	struct clixml_value *o = ps_obj(tn_completion,
	    "System.Management.Automation.CommandCompletion");
	struct clixml_value *list = clixml_new_obj(tn_matches,
	    CLIXML_COLL_LST);

	if (list == NULL)
		die_nomem();
	for (size_t i = 0; i < ms->n; i++) {
		const struct match *m = &ms->m[i];
		struct clixml_value *r;

		if (i > 0 && strcmp(m->item, ms->m[i - 1].item) == 0 &&
		    m->type == RT_COMMAND)
			continue;	/* the first on PATH only */
		r = ps_obj(tn_result, m->text);
		clixml_obj_add_prop(r, "CompletionText",
		    clixml_new_string(m->text));
		clixml_obj_add_prop(r, "ListItemText",
		    clixml_new_string(m->item));
		clixml_obj_add_prop(r, "ResultType", clixml_new_enum(tn_rtype,
		    m->type, rt_names[m->type]));
		clixml_obj_add_prop(r, "ToolTip", clixml_new_string(m->tip));
		clixml_list_add(list, r);
	}
	clixml_obj_add_prop(o, "CurrentMatchIndex", clixml_new_i32(-1));
	clixml_obj_add_prop(o, "ReplacementIndex", clixml_new_i32(index));
	clixml_obj_add_prop(o, "ReplacementLength", clixml_new_i32(length));
	clixml_obj_add_prop(o, "CompletionMatches", list);
	return o;
}

void
ps_complete(const struct ps_stage *s, struct ps_objs *out)
{
	const char *input = ps_param(s, "inputScript");
	const char *col = ps_param(s, "cursorColumn");
	struct matches *ms;
	struct ps_word w;
	size_t cursor;
	long c = col != NULL ? strtol(col, NULL, 10) : -1;

	if (input == NULL)
		input = "";
	if (c < 0)
		c = ps_word_u16_len(input, strlen(input));
	cursor = ps_word_byte_offset(input, c);
	if ((ms = calloc(1, sizeof(*ms))) == NULL)
		die_nomem();
	if (ps_word_find(input, cursor, &w) < 0)
		die_nomem();
	if (w.text[0] == '-' && w.quote == 0) {
		if (w.cmdlet != NULL)
			parameters(w.cmdlet, w.text + 1, ms);
	} else if (w.command && w.quote == 0 && w.text[0] != '.' &&
	    w.text[0] != '~' && w.text[0] != '$' &&
	    strpbrk(w.text, "/\\") == NULL)
		commands(w.text, ms);
	else if (w.text[0] != '$')
		paths(&w, ms);
	qsort(ms->m, ms->n, sizeof(ms->m[0]), by_name);
	if (ms->n == 0)		/* PowerShell's empty completion */
		ps_objs_add(out, completion(ms, -1, -1));
	else
		ps_objs_add(out, completion(ms, ps_word_u16_len(input, w.start),
		    ps_word_u16_len(input + w.start, w.end - w.start)));
	for (size_t i = 0; i < ms->n; i++) {
		free(ms->m[i].text);
		free(ms->m[i].item);
		free(ms->m[i].tip);
	}
	free(ms);
	ps_word_clear(&w);
}
