/*
 * psrp_cmdlet.c: the recogniser of the cmdlets winrmd answers with
 * objects (psrp_cmdlet.h).  A pipeline's commands, whether they come as
 * add_cmdlet commands with parameters or as script text, become one
 * token stream; each statement is parsed against the table below (names,
 * PowerShell-only aliases, parameters by name, unique prefix or
 * position) into the canonical plan winrmd-native executes.  Anything
 * outside the table (another command, a parameter it does not list,
 * $variables other than $PSVersionTable and $env:NAME, expressions,
 * interpolating strings, script blocks other than Where-Object's
 * { $_.Property -op value }) makes the whole pipeline not understood.
 * Pure: no I/O, for the unit tests and the fuzz harness.
 */
#define _GNU_SOURCE

#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "psrp_cmdlet.h"

/* ------------------------------------------------------------ the table */

enum pkind { P_VALUE, P_LIST, P_SWITCH, P_INT, P_BLOCK };

struct param {
	const char	*name;
	enum pkind	 kind;
	int		 pos;		/* position, -1 none, 99 all the rest */
};

struct cmdlet {
	const char		*name;
	const char		*aliases;	/* space-separated, or NULL */
	bool			 source;	/* may start a statement */
	bool			 filter;	/* may follow a pipe */
	const struct param	*params;
};

#define END { NULL, 0, -1 }
static const struct param p_process[] = { { "Name", P_LIST, 0 },
	{ "Id", P_LIST, -1 }, END };
static const struct param p_service[] = { { "Name", P_LIST, 0 },
	{ "DisplayName", P_LIST, -1 }, END };
static const struct param p_childitem[] = { { "Path", P_LIST, 0 },
	{ "LiteralPath", P_LIST, -1 }, { "Filter", P_VALUE, 1 },
	{ "Force", P_SWITCH, -1 }, { "File", P_SWITCH, -1 },
	{ "Directory", P_SWITCH, -1 }, { "Name", P_SWITCH, -1 }, END };
static const struct param p_item[] = { { "Path", P_LIST, 0 },
	{ "LiteralPath", P_LIST, -1 }, { "Force", P_SWITCH, -1 }, END };
static const struct param p_content[] = { { "Path", P_LIST, 0 },
	{ "LiteralPath", P_LIST, -1 }, { "TotalCount", P_INT, -1 },
	{ "Head", P_INT, -1 }, { "First", P_INT, -1 }, { "Tail", P_INT, -1 },
	{ "Raw", P_SWITCH, -1 }, END };
static const struct param p_setloc[] = { { "Path", P_VALUE, 0 },
	{ "LiteralPath", P_VALUE, -1 }, { "PassThru", P_SWITCH, -1 }, END };
static const struct param p_none[] = { END };
static const struct param p_cim[] = { { "ClassName", P_VALUE, 0 },
	{ "Filter", P_VALUE, -1 }, { "Namespace", P_VALUE, -1 },
	{ "Property", P_LIST, -1 }, END };
static const struct param p_wmi[] = { { "Class", P_VALUE, 0 },
	{ "ClassName", P_VALUE, -1 }, { "Filter", P_VALUE, -1 },
	{ "Namespace", P_VALUE, -1 }, { "Property", P_LIST, 1 }, END };
static const struct param p_testpath[] = { { "Path", P_LIST, 0 },
	{ "LiteralPath", P_LIST, -1 }, { "PathType", P_VALUE, -1 }, END };
static const struct param p_output[] = { { "InputObject", P_LIST, 99 },
	{ "NoEnumerate", P_SWITCH, -1 }, END };
static const struct param p_host[] = { { "Object", P_LIST, 99 },
	{ "NoNewline", P_SWITCH, -1 }, { "Separator", P_VALUE, -1 },
	{ "ForegroundColor", P_VALUE, -1 }, { "BackgroundColor", P_VALUE, -1 },
	END };
static const struct param p_readhost[] = { { "Prompt", P_LIST, 99 },
	{ "AsSecureString", P_SWITCH, -1 }, END };
static const struct param p_error[] = { { "Message", P_VALUE, 0 }, END };
static const struct param p_select[] = { { "Property", P_LIST, 0 },
	{ "First", P_INT, -1 }, { "Last", P_INT, -1 }, { "Skip", P_INT, -1 },
	{ "ExpandProperty", P_VALUE, -1 }, END };
/* Where-Object's operators are switches: -EQ, -Like, ... (see where_op) */
static const struct param p_where[] = { { "FilterScript", P_BLOCK, 0 },
	{ "Property", P_VALUE, 0 }, { "Value", P_VALUE, 1 }, END };
static const struct param p_sort[] = { { "Property", P_LIST, 0 },
	{ "Descending", P_SWITCH, -1 }, { "Unique", P_SWITCH, -1 }, END };
static const struct param p_format[] = { { "Property", P_LIST, 0 },
	{ "AutoSize", P_SWITCH, -1 }, { "Wrap", P_SWITCH, -1 },
	{ "HideTableHeaders", P_SWITCH, -1 }, END };
static const struct param p_outstring[] = { { "Stream", P_SWITCH, -1 },
	{ "Width", P_INT, -1 }, END };
static const struct param p_exit[] = { { "Code", P_INT, 0 }, END };
static const struct param p_env[] = { { "Name", P_VALUE, 0 }, END };
static const struct param p_psv[] = { { "Property", P_VALUE, 0 }, END };
/* the script input set; -options is ignored (a hashtable is not
 * understood: the shell gets it) */
static const struct param p_tabexp[] = { { "inputScript", P_VALUE, 0 },
	{ "cursorColumn", P_INT, 1 }, { "options", P_VALUE, 2 }, END };

static const struct cmdlet cmdlets[] = {
	{ "Get-Process", "gps", true, false, p_process },
	{ "Get-Service", "gsv", true, false, p_service },
	{ "Get-ChildItem", "gci", true, false, p_childitem },
	{ "Get-Item", "gi", true, false, p_item },
	{ "Get-Content", "gc", true, false, p_content },
	{ "Set-Location", "sl", true, false, p_setloc },
	{ "Get-Location", "gl", true, false, p_none },
	{ "Get-CimInstance", "gcim", true, false, p_cim },
	{ "Get-WmiObject", "gwmi", true, false, p_wmi },
	{ "Test-Path", NULL, true, false, p_testpath },
	{ "Write-Output", "write", true, false, p_output },
	{ "Write-Host", NULL, true, false, p_host },
	{ "Write-Error", NULL, true, false, p_error },
	/* alone (psrp_host.h): the daemon asks the client's host */
	{ "Read-Host", NULL, true, false, p_readhost },
	/* PowerShell's tab completion (native/ps_complete.c) */
	{ "TabExpansion2", NULL, true, false, p_tabexp },
	{ "Select-Object", "select", false, true, p_select },
	{ "Where-Object", "where ?", false, true, p_where },
	{ "Sort-Object", "sort", false, true, p_sort },
	{ "Format-Table", "ft", false, true, p_format },
	{ "Format-List", "fl", false, true, p_format },
	{ "Out-String", NULL, false, true, p_outstring },
	{ "Out-Default", NULL, false, true, p_none },
	{ "Out-Host", "oh", false, true, p_none },
	{ "Out-Null", NULL, false, true, p_none },
	{ NULL, NULL, false, false, NULL },
};
static const struct cmdlet c_exit = { "winrmd:exit", NULL, true, false,
	p_exit };
static const struct cmdlet c_env = { "winrmd:env", NULL, true, false, p_env };
static const struct cmdlet c_psv = { "winrmd:psversiontable", NULL, true,
	false, p_psv };

const char *
psrp_cmdlet_name(size_t i)
{
	return i < sizeof(cmdlets) / sizeof(cmdlets[0]) ? cmdlets[i].name :
	    NULL;
}

/* Where-Object's comparison operators, without their c/i prefix */
static const char *const where_ops[] = { "eq", "ne", "gt", "ge", "lt", "le",
	"like", "notlike", "match", "notmatch", "contains", "notcontains",
	"in", "notin", NULL };

static const struct cmdlet *
find_cmdlet(const char *name)
{
	for (size_t i = 0; cmdlets[i].name != NULL; i++) {
		const char *a = cmdlets[i].aliases;

		if (strcasecmp(name, cmdlets[i].name) == 0)
			return &cmdlets[i];
		while (a != NULL && *a != '\0') {
			size_t n = strcspn(a, " ");

			if (strlen(name) == n && strncasecmp(name, a, n) == 0)
				return &cmdlets[i];
			a += n;
			a += strspn(a, " ");
		}
	}
	return NULL;
}

const char *
psrp_cmdlet_param(const char *cmdlet, size_t i)
{
	const struct cmdlet *c = find_cmdlet(cmdlet);

	for (size_t k = 0; c != NULL && c->params[k].name != NULL; k++)
		if (k == i)
			return c->params[k].name;
	return NULL;
}

/* an operator without '-': its canonical name ("ceq", "like"), or NULL */
static const char *
where_op(const char *s, char *buf, size_t len)
{
	char pre = '\0';
	const char *o = s;

	for (size_t i = 0; where_ops[i] != NULL; i++)
		if (strcasecmp(s, where_ops[i]) == 0)
			return where_ops[i];	/* "contains", "in" as they are */
	if ((tolower((unsigned char)*s) == 'c' ||
	    tolower((unsigned char)*s) == 'i') && strlen(s) > 2) {
		pre = (char)tolower((unsigned char)*s);
		o = s + 1;
	}
	for (size_t i = 0; where_ops[i] != NULL; i++)
		if (strcasecmp(o, where_ops[i]) == 0) {
			if (pre != '\0' && strcasecmp(s, where_ops[i]) != 0) {
				snprintf(buf, len, "%c%s", pre, where_ops[i]);
				return buf;
			}
			return where_ops[i];
		}
	return NULL;
}

/* -------------------------------------------------------------- tokens */

enum tkind { T_WORD, T_STRING, T_PARAM, T_PIPE, T_SEMI, T_COMMA, T_BLOCK,
	T_VAR };

struct token {
	enum tkind	 kind;
	char		*s;		/* WORD, STRING, PARAM (no '-'), BLOCK,
					   VAR (no '$') */
	char		*arg;		/* PARAM: the value after ':' or NULL */
};

struct tokens {
	struct token	*t;
	size_t		 n, cap;
	bool		 nomem;
	bool		 bad;		/* not understood */
};

static void
tok_add(struct tokens *ts, enum tkind k, const char *s, size_t n)
{
	struct token *t;

	if (ts->nomem || ts->bad)
		return;
	if (ts->n >= PSRP_CMDLET_MAX_WORDS) {
		ts->bad = true;
		return;
	}
	if (ts->n == ts->cap) {
		size_t cap = ts->cap ? ts->cap * 2 : 16;

		if ((t = realloc(ts->t, cap * sizeof(*t))) == NULL) {
			ts->nomem = true;
			return;
		}
		ts->t = t;
		ts->cap = cap;
	}
	t = &ts->t[ts->n];
	t->kind = k;
	t->arg = NULL;
	t->s = s != NULL ? strndup(s, n) : NULL;
	if (s != NULL && t->s == NULL) {
		ts->nomem = true;
		return;
	}
	ts->n++;
}

static void
tokens_free(struct tokens *ts)
{
	for (size_t i = 0; i < ts->n; i++) {
		free(ts->t[i].s);
		free(ts->t[i].arg);
	}
	free(ts->t);
	memset(ts, 0, sizeof(*ts));
}

static bool
word_char(char c)
{
	return c != '\0' && !isspace((unsigned char)c) &&
	    strchr("|;,{}()'\"`&<>@#$[]=", c) == NULL;
}

/* a single-quoted string at s ('' is a quote): its end past the quote */
static const char *
squote(const char *s, const char *end, struct tokens *ts, enum tkind k)
{
	char *buf = malloc((size_t)(end - s) + 1);
	size_t n = 0;

	if (buf == NULL) {
		ts->nomem = true;
		return end;
	}
	for (s++; s < end; s++) {
		if (*s == '\'') {
			if (s + 1 < end && s[1] == '\'') {
				buf[n++] = '\'';
				s++;
				continue;
			}
			tok_add(ts, k, buf, n);
			free(buf);
			return s + 1;
		}
		buf[n++] = *s;
	}
	free(buf);
	ts->bad = true;		/* not closed */
	return end;
}

/* text into tokens: ts->bad for anything outside the grammar */
static void
tokenise(const char *s, size_t len, struct tokens *ts)
{
	const char *end = s + len;

	if (len > PSRP_CMDLET_MAX_TEXT || memchr(s, '\0', len) != NULL) {
		ts->bad = true;
		return;
	}
	while (s < end && !ts->bad && !ts->nomem) {
		const char *b = s;

		if (*s == ' ' || *s == '\t' || *s == '\r') {
			s++;
		} else if (*s == '\n' || *s == ';') {
			tok_add(ts, T_SEMI, NULL, 0);
			s++;
		} else if (*s == '|') {
			tok_add(ts, T_PIPE, NULL, 0);
			s++;
		} else if (*s == ',') {
			tok_add(ts, T_COMMA, NULL, 0);
			s++;
		} else if (*s == '#') {
			while (s < end && *s != '\n')
				s++;
		} else if (*s == '\'') {
			s = squote(s, end, ts, T_STRING);
		} else if (*s == '"') {
			for (s++; s < end && *s != '"'; s++)
				if (*s == '$' || *s == '`')
					break;
			if (s >= end || *s != '"') {
				ts->bad = true;	/* interpolation, or open */
				return;
			}
			tok_add(ts, T_STRING, b + 1, (size_t)(s - b - 1));
			s++;
		} else if (*s == '{') {
			const char *e = memchr(s, '}', (size_t)(end - s));

			if (e == NULL || memchr(s + 1, '{', (size_t)(e - s - 1))
			    != NULL) {
				ts->bad = true;
				return;
			}
			tok_add(ts, T_BLOCK, s + 1, (size_t)(e - s - 1));
			s = e + 1;
		} else if (*s == '$') {
			for (s++; s < end && (isalnum((unsigned char)*s) ||
			    *s == '_' || *s == ':' || *s == '.'); s++)
				;
			if (s == b + 1) {
				ts->bad = true;
				return;
			}
			tok_add(ts, T_VAR, b + 1, (size_t)(s - b - 1));
		} else if (*s == '-' && s + 1 < end &&
		    isalpha((unsigned char)s[1])) {
			const char *colon;

			for (s++; s < end && (isalnum((unsigned char)*s) ||
			    *s == '_'); s++)
				;
			colon = s;
			tok_add(ts, T_PARAM, b + 1, (size_t)(s - b - 1));
			if (s < end && *s == ':' && !ts->bad && !ts->nomem) {
				/* -Name:value */
				for (s++; s < end && word_char(*s); s++)
					;
				if (s == colon + 1 || (ts->t[ts->n - 1].arg =
				    strndup(colon + 1, (size_t)(s - colon - 1)))
				    == NULL) {
					ts->bad = ts->bad || s == colon + 1;
					ts->nomem = s != colon + 1;
				}
			}
		} else if (word_char(*s)) {
			while (s < end && word_char(*s))
				s++;
			tok_add(ts, T_WORD, b, (size_t)(s - b));
		} else
			ts->bad = true;
	}
}

/* ---------------------------------------------------------------- plan */

struct plan {
	char	**w;
	size_t	 n, cap;
	bool	 nomem;
	bool	 bad;
};

static void
plan_add(struct plan *pl, const char *s)
{
	char **w;

	if (pl->nomem || pl->bad)
		return;
	if (pl->n + 2 > PSRP_CMDLET_MAX_WORDS) {
		pl->bad = true;
		return;
	}
	if (pl->n + 2 > pl->cap) {
		size_t cap = pl->cap ? pl->cap * 2 : 32;

		if ((w = realloc(pl->w, cap * sizeof(char *))) == NULL) {
			pl->nomem = true;
			return;
		}
		pl->w = w;
		pl->cap = cap;
	}
	if ((pl->w[pl->n] = strdup(s)) == NULL) {
		pl->nomem = true;
		return;
	}
	pl->w[++pl->n] = NULL;
}

static void
plan_param(struct plan *pl, const char *name, const char *value)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "-%s", name);
	plan_add(pl, buf);
	plan_add(pl, value);
}

static bool
is_int(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '\0' || strlen(s) > 18)
		return false;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* a parameter of c by its name or a unique prefix of one */
static const struct param *
find_param(const struct cmdlet *c, const char *name)
{
	const struct param *found = NULL;
	size_t n = strlen(name);

	for (const struct param *p = c->params; p->name != NULL; p++) {
		if (strcasecmp(p->name, name) == 0)
			return p;
		if (n > 0 && strncasecmp(p->name, name, n) == 0) {
			if (found != NULL)
				return NULL;	/* ambiguous */
			found = p;
		}
	}
	return found;
}

static bool
value_token(const struct token *t)
{
	return t->kind == T_WORD || t->kind == T_STRING ||
	    (t->kind == T_VAR && (strcasecmp(t->s, "true") == 0 ||
	    strcasecmp(t->s, "false") == 0 || strcasecmp(t->s, "null") == 0));
}

static const char *
value_text(const struct token *t)
{
	if (t->kind == T_VAR) {
		if (strcasecmp(t->s, "true") == 0)
			return "True";
		if (strcasecmp(t->s, "false") == 0)
			return "False";
		return "";
	}
	return t->s;
}

/*
 * { $_.Property -op value } or { $_.Property } into the plan's
 * -Property -Operator -Value
 */
static void
where_block(struct plan *pl, const char *text)
{
	struct tokens ts = { 0 };
	char opbuf[16];
	const char *op;

	tokenise(text, strlen(text), &ts);
	if (ts.nomem)
		pl->nomem = true;
	else if (ts.bad || ts.n != 3 || ts.t[0].kind != T_VAR ||
	    strncmp(ts.t[0].s, "_.", 2) != 0 || ts.t[0].s[2] == '\0' ||
	    strchr(ts.t[0].s + 2, '.') != NULL ||
	    strchr(ts.t[0].s + 2, ':') != NULL || ts.t[1].kind != T_PARAM ||
	    ts.t[1].arg != NULL ||
	    (op = where_op(ts.t[1].s, opbuf, sizeof(opbuf))) == NULL ||
	    !value_token(&ts.t[2]))
		pl->bad = true;
	else {
		plan_param(pl, "Property", ts.t[0].s + 2);
		plan_param(pl, "Operator", op);
		plan_param(pl, "Value", value_text(&ts.t[2]));
	}
	tokens_free(&ts);
}

/*
 * One command from t[*i] (a name or a variable) up to a pipe, a ';' or
 * the end, into the plan.  first: it starts the statement.
 */
static void
command(struct plan *pl, struct tokens *ts, size_t *i, bool first)
{
	const struct token *t = &ts->t[*i];
	const struct cmdlet *c;
	unsigned bound = 0;	/* parameters given, by index */
	bool where_opseen = false;

	if (t->kind == T_VAR && first) {
		/* $PSVersionTable[.Prop], $env:NAME: alone in the statement */
		if (strncasecmp(t->s, "env:", 4) == 0 && t->s[4] != '\0' &&
		    strchr(t->s + 4, ':') == NULL &&
		    strchr(t->s + 4, '.') == NULL) {
			plan_add(pl, c_env.name);
			plan_param(pl, "Name", t->s + 4);
		} else if (strcasecmp(t->s, "PSVersionTable") == 0) {
			plan_add(pl, c_psv.name);
		} else if (strncasecmp(t->s, "PSVersionTable.", 15) == 0 &&
		    t->s[15] != '\0' && strchr(t->s + 15, '.') == NULL &&
		    strchr(t->s + 15, ':') == NULL) {
			plan_add(pl, c_psv.name);
			plan_param(pl, "Property", t->s + 15);
		} else
			pl->bad = true;
		(*i)++;
		return;
	}
	if ((t->kind == T_WORD || t->kind == T_STRING) && first &&
	    (t->kind == T_STRING || is_int(t->s))) {
		/* a literal: Write-Output of it (and of a list) */
		plan_add(pl, "Write-Output");
		for (;;) {
			plan_param(pl, "InputObject", ts->t[*i].s);
			(*i)++;
			if (*i + 1 < ts->n && ts->t[*i].kind == T_COMMA &&
			    (ts->t[*i + 1].kind == T_STRING ||
			    (ts->t[*i + 1].kind == T_WORD &&
			    is_int(ts->t[*i + 1].s)))) {
				(*i)++;
				continue;
			}
			break;
		}
		return;
	}
	if (t->kind != T_WORD) {
		pl->bad = true;
		return;
	}
	if (first && strcasecmp(t->s, "exit") == 0) {
		plan_add(pl, c_exit.name);
		(*i)++;
		if (*i < ts->n && ts->t[*i].kind == T_WORD) {
			if (!is_int(ts->t[*i].s)) {
				pl->bad = true;
				return;
			}
			plan_param(pl, "Code", ts->t[*i].s);
			(*i)++;
		}
		return;
	}
	if ((c = find_cmdlet(t->s)) == NULL || (first && !c->source) ||
	    (!first && !c->filter)) {
		pl->bad = true;
		return;
	}
	plan_add(pl, c->name);
	for ((*i)++; *i < ts->n && !pl->bad; ) {
		const struct param *p = NULL;
		const char *inline_arg = NULL;

		t = &ts->t[*i];
		if (t->kind == T_PIPE || t->kind == T_SEMI)
			return;
		if (t->kind == T_PARAM) {
			char opbuf[16];
			const char *op;

			if (c->params == p_where && t->arg == NULL &&
			    (op = where_op(t->s, opbuf, sizeof(opbuf))) != NULL) {
				if (where_opseen) {
					pl->bad = true;
					return;
				}
				where_opseen = true;
				plan_param(pl, "Operator", op);
				(*i)++;
				continue;
			}
			if ((p = find_param(c, t->s)) == NULL) {
				pl->bad = true;
				return;
			}
			inline_arg = t->arg;
			(*i)++;
			if (p->kind == P_SWITCH) {
				if (inline_arg == NULL ||
				    strcasecmp(inline_arg, "$true") == 0)
					plan_param(pl, p->name, "True");
				else if (strcasecmp(inline_arg, "$false") != 0)
					pl->bad = true;
				continue;
			}
		} else {
			/* positional: the unbound one of the lowest position
			 * (a block only to a block parameter), or the one
			 * taking all the rest */
			for (const struct param *q = c->params; q->name != NULL;
			    q++) {
				if (q->pos < 0 || ((bound >> (q - c->params)) & 1)
				    || ((q->kind == P_BLOCK) !=
				    (t->kind == T_BLOCK)))
					continue;
				if (p == NULL || q->pos < p->pos)
					p = q;
			}
			if (p == NULL) {
				pl->bad = true;
				return;
			}
		}
		if (p->pos != 99) {
			if ((bound >> (p - c->params)) & 1) {
				pl->bad = true;	/* given twice */
				return;
			}
			bound |= 1u << (p - c->params);
			/* Where-Object: a block or a property, not both */
			if (c->params == p_where)
				bound |= 1u << (p->kind == P_BLOCK ? 1 : 0);
		}
		if (inline_arg != NULL) {
			if (p->kind == P_BLOCK) {
				pl->bad = true;
				return;
			}
			plan_param(pl, p->name, inline_arg);
			continue;
		}
		if (*i >= ts->n) {
			pl->bad = true;		/* a parameter without value */
			return;
		}
		t = &ts->t[*i];
		if (p->kind == P_BLOCK || (c->params == p_where &&
		    t->kind == T_BLOCK)) {
			if (t->kind != T_BLOCK || c->params != p_where) {
				pl->bad = true;
				return;
			}
			where_block(pl, t->s);
			where_opseen = true;
			(*i)++;
			continue;
		}
		for (;;) {
			t = &ts->t[*i];
			if (!value_token(t) ||
			    (p->kind == P_INT && !is_int(value_text(t)))) {
				pl->bad = true;
				return;
			}
			plan_param(pl, p->name, value_text(t));
			(*i)++;
			if (*i + 1 < ts->n && ts->t[*i].kind == T_COMMA &&
			    p->kind == P_LIST) {
				(*i)++;
				continue;
			}
			break;
		}
	}
}

/* the statements of ts into pl */
static void
statements(struct plan *pl, struct tokens *ts)
{
	size_t i = 0;
	bool first = true, any = false, sep = false;

	while (i < ts->n && !pl->bad && !pl->nomem) {
		const struct token *t = &ts->t[i];

		if (t->kind == T_SEMI) {
			/* a ";" between statements, not after the last one */
			sep = sep || any;
			any = false;
			first = true;
			i++;
			continue;
		}
		if (t->kind == T_PIPE) {
			if (first) {
				pl->bad = true;
				return;
			}
			plan_add(pl, "|");
			i++;
			if (i >= ts->n || ts->t[i].kind == T_SEMI ||
			    ts->t[i].kind == T_PIPE) {
				pl->bad = true;
				return;
			}
			continue;
		}
		if (!first) {
			pl->bad = true;	/* two commands without a pipe */
			return;
		}
		if (sep)
			plan_add(pl, ";");
		sep = false;
		command(pl, ts, &i, true);
		first = false;
		any = true;
		/* a filter after it */
		while (!pl->bad && i < ts->n && ts->t[i].kind == T_PIPE) {
			i++;
			if (i >= ts->n || ts->t[i].kind == T_SEMI ||
			    ts->t[i].kind == T_PIPE) {
				pl->bad = true;
				return;
			}
			plan_add(pl, "|");
			command(pl, ts, &i, false);
		}
		if (!pl->bad && i < ts->n && ts->t[i].kind != T_SEMI)
			pl->bad = true;
	}
}

/*
 * Read-Host is served by the daemon, which asks the client's host
 * (psrp_host.h): only alone, or piped into what passes its value on
 */
static bool
read_host_alone(const struct plan *pl)
{
	bool rh = false;

	for (size_t i = 0; i < pl->n; i++) {
		const char *h = pl->w[i];

		if (rh && strcmp(h, ";") == 0)
			return false;	/* another statement (or a ';') */
		if (i > 0 && strcmp(pl->w[i - 1], "|") != 0 &&
		    strcmp(pl->w[i - 1], ";") != 0)
			continue;	/* not a stage's name */
		if (strcmp(h, "Read-Host") == 0) {
			if (i > 0)
				return false;
			rh = true;
		} else if (rh && strcmp(h, "Out-Default") != 0 &&
		    strcmp(h, "Out-Host") != 0 && strcmp(h, "Out-String") != 0)
			return false;
	}
	return true;
}

static int
finish(struct plan *pl, char ***ret_argv)
{
	if (!pl->nomem && !read_host_alone(pl))
		pl->bad = true;
	if (pl->nomem || pl->bad || pl->n == 0) {
		int r = pl->nomem ? -1 : 0;

		psrp_cmdlet_free(pl->w);
		return r;
	}
	*ret_argv = pl->w;
	return 1;
}

int
psrp_cmdlet_parse_text(const char *text, size_t len, char ***ret_argv)
{
	struct tokens ts = { 0 };
	struct plan pl = { 0 };

	*ret_argv = NULL;
	tokenise(text, len, &ts);
	if (ts.nomem)
		pl.nomem = true;
	else if (ts.bad)
		pl.bad = true;
	else
		statements(&pl, &ts);
	tokens_free(&ts);
	return finish(&pl, ret_argv);
}

/* ------------------------------------------------- add_cmdlet commands */

/* a parameter's value as tokens: a string, a number, a list, a block */
static void
value_tokens(struct tokens *ts, const struct clixml_value *v, int depth)
{
	char buf[64];
	const char *s;
	size_t len;
	int64_t i;

	if (v == NULL || clixml_is_nil(v)) {
		tok_add(ts, T_VAR, "null", 4);
		return;
	}
	if (v->v_type == CLIXML_SCRIPTBLOCK) {
		s = clixml_str(v, &len);
		tok_add(ts, T_BLOCK, s, len);
		return;
	}
	if (v->v_type == CLIXML_BOOL) {
		tok_add(ts, T_VAR, v->v.b ? "true" : "false", v->v.b ? 4 : 5);
		return;
	}
	if (v->v_type == CLIXML_OBJECT && depth == 0 &&
	    (v->v.obj.o_coll == CLIXML_COLL_LST ||
	    v->v.obj.o_coll == CLIXML_COLL_IE)) {
		for (size_t k = 0; k < clixml_list_len(v); k++) {
			if (k > 0)
				tok_add(ts, T_COMMA, NULL, 0);
			value_tokens(ts, clixml_list_at(v, k), 1);
		}
		if (clixml_list_len(v) == 0)
			ts->bad = true;
		return;
	}
	if (v->v_type != CLIXML_OBJECT && v->v_type != CLIXML_STRING &&
	    v->v_type != CLIXML_SECURESTRING && clixml_int(v, &i) == 0) {
		snprintf(buf, sizeof(buf), "%" PRId64, i);
		tok_add(ts, T_WORD, buf, strlen(buf));
		return;
	}
	if (v->v_type == CLIXML_STRING && (s = clixml_str(v, &len)) != NULL &&
	    memchr(s, '\0', len) == NULL) {
		tok_add(ts, T_STRING, s, len);
		return;
	}
	ts->bad = true;		/* objects, SecureStrings, ... */
}

/* one add_cmdlet command as tokens */
static void
cmd_tokens(struct tokens *ts, const struct psrp_cmd *c)
{
	const char *name = c->pc_cmd;

	if (c->pc_is_script) {
		if (c->pc_nargs > 0) {
			ts->bad = true;	/* a script with arguments */
			return;
		}
		tokenise(name, strlen(name), ts);
		return;
	}
	if (strcasecmp(name, "Invoke-Expression") == 0 ||
	    strcasecmp(name, "iex") == 0) {
		const struct clixml_value *v = NULL;
		const char *s;
		size_t len;

		for (size_t i = 0; i < c->pc_nargs; i++) {
			const char *an = c->pc_args[i].pa_name;

			if (an != NULL && *an == '-')
				an++;
			if (an == NULL || strcasecmp(an, "Command") == 0)
				v = c->pc_args[i].pa_value;
			else
				ts->bad = true;
		}
		if (c->pc_nargs != 1 || (s = clixml_str(v, &len)) == NULL) {
			ts->bad = true;
			return;
		}
		tokenise(s, len, ts);
		return;
	}
	if (find_cmdlet(name) == NULL) {
		ts->bad = true;
		return;
	}
	tok_add(ts, T_WORD, name, strlen(name));
	for (size_t i = 0; i < c->pc_nargs && !ts->bad; i++) {
		const char *an = c->pc_args[i].pa_name;
		const struct clixml_value *v = c->pc_args[i].pa_value;

		if (an != NULL) {
			if (*an == '-')
				an++;
			if (*an == '\0') {
				ts->bad = true;
				return;
			}
			/* a switch: true alone, false dropped */
			if (v != NULL && v->v_type == CLIXML_BOOL) {
				if (v->v.b)
					tok_add(ts, T_PARAM, an, strlen(an));
				continue;
			}
			/* Where-Object's -EQ etc. with a null value */
			tok_add(ts, T_PARAM, an, strlen(an));
			if (v == NULL || clixml_is_nil(v))
				continue;
		}
		value_tokens(ts, v, 0);
	}
}

/* tokens [from, to) of src appended to dst (copied) */
static void
tok_copy(struct tokens *dst, const struct tokens *src, size_t from, size_t to)
{
	for (size_t k = from; k < to && !dst->nomem && !dst->bad; k++) {
		const struct token *t = &src->t[k];

		tok_add(dst, t->kind, t->s, t->s != NULL ? strlen(t->s) : 0);
		if (t->arg != NULL && !dst->nomem && !dst->bad &&
		    (dst->t[dst->n - 1].arg = strdup(t->arg)) == NULL)
			dst->nomem = true;
	}
}

/*
 * One statement's commands as tokens, joined with pipes.  A script (or
 * Invoke-Expression's text) of several statements first takes what
 * follows it (pypsrp's | Out-String -Stream) into each of them.
 */
static void
statement_tokens(struct tokens *ts, const struct psrp_statement *st)
{
	struct tokens head = { 0 }, rest = { 0 };
	size_t seg = 0;

	cmd_tokens(&head, &st->ps_cmds[0]);
	for (size_t i = 1; i < st->ps_ncmds && !rest.bad; i++) {
		size_t before;

		tok_add(&rest, T_PIPE, NULL, 0);
		before = rest.n;
		cmd_tokens(&rest, &st->ps_cmds[i]);
		for (size_t k = before; k < rest.n; k++)
			if (rest.t[k].kind == T_SEMI)
				rest.bad = true;	/* kept simple */
	}
	ts->nomem = head.nomem || rest.nomem;
	ts->bad = head.bad || rest.bad;
	for (size_t k = 0; k <= head.n && !ts->bad && !ts->nomem; k++) {
		if (k < head.n && head.t[k].kind != T_SEMI)
			continue;
		if (k > seg) {
			tok_copy(ts, &head, seg, k);
			tok_copy(ts, &rest, 0, rest.n);
			tok_add(ts, T_SEMI, NULL, 0);
		}
		seg = k + 1;
	}
	tokens_free(&head);
	tokens_free(&rest);
}

int
psrp_cmdlet_recognise(const struct psrp_pipeline *p, char ***ret_argv)
{
	struct plan pl = { 0 };

	*ret_argv = NULL;
	for (size_t s = 0; s < p->pp_nstatements && !pl.bad && !pl.nomem;
	    s++) {
		struct tokens ts = { 0 };

		if (p->pp_statements[s].ps_ncmds == 0)
			continue;
		statement_tokens(&ts, &p->pp_statements[s]);
		if (ts.nomem)
			pl.nomem = true;
		else if (ts.bad || ts.n == 0)
			pl.bad = true;
		else {
			if (pl.n > 0)
				plan_add(&pl, ";");
			statements(&pl, &ts);
		}
		tokens_free(&ts);
	}
	return finish(&pl, ret_argv);
}

void
psrp_cmdlet_free(char **argv)
{
	for (size_t i = 0; argv != NULL && argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

char **
psrp_cmdlet_argv(const char *native, const char *mark, char **plan)
{
	size_t n = 0;
	char **v;

	while (plan[n] != NULL)
		n++;
	if ((v = calloc(n + 4, sizeof(char *))) == NULL)
		return NULL;
	v[0] = (char *)native;
	v[1] = (char *)"psobject";
	v[2] = (char *)mark;
	memcpy(v + 3, plan, n * sizeof(char *));
	return v;
}

char *
psrp_cmdlet_handoff(const char *mark, char *const *plan, size_t *ret_len)
{
	size_t n = 1, len, o;
	char *h;
	int k;

	len = strlen(mark) + 1;
	for (size_t i = 0; plan[i] != NULL; i++, n++)
		len += strlen(plan[i]) + 1;
	if ((h = malloc(len + 24)) == NULL)
		return NULL;
	k = snprintf(h, 24, "%zu\n", n);
	o = (size_t)k;
	memcpy(h + o, mark, strlen(mark) + 1);
	o += strlen(mark) + 1;
	for (size_t i = 0; plan[i] != NULL; i++) {
		memcpy(h + o, plan[i], strlen(plan[i]) + 1);
		o += strlen(plan[i]) + 1;
	}
	*ret_len = o;
	return h;
}

/* ------------------------------------------------------------- records */

int
psrp_cmdlet_line(const char *line, size_t len, uint32_t *ret_type,
    const char **ret_xml, size_t *ret_len, char *err, size_t errlen)
{
	/* one element: "<...>", as clixml_write makes it */
	if (len < 4 || line[1] != '<' || line[len - 1] != '>' ||
	    memchr(line, '\0', len) != NULL) {
		snprintf(err, errlen, "a record line is not CLIXML");
		return -1;
	}
	switch (line[0]) {
	case 'O':
		*ret_type = PSRP_PIPELINE_OUTPUT;
		break;
	case 'E':
		*ret_type = PSRP_ERROR_RECORD;
		break;
	case 'I':
		*ret_type = PSRP_INFORMATION_RECORD;
		break;
	default:
		snprintf(err, errlen, "a record line starts with 0x%02x",
		    (unsigned char)line[0]);
		return -1;
	}
	*ret_xml = line + 1;
	*ret_len = len - 1;
	return 0;
}
