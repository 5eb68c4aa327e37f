/*
 * wql.c: the WQL dialect (http://schemas.microsoft.com/wbem/wsman/1/WQL) of
 * enumeration filters: SELECT * | props FROM Class [WHERE condition], with
 * the comparisons = <> != < <= > >=, LIKE and NOT LIKE (% _ [set]),
 * IS [NOT] NULL, AND, OR, NOT and parentheses; string ('..' or "..", with
 * \ escapes), number and TRUE/FALSE/NULL literals.  Precedence: NOT binds
 * tighter than AND, AND tighter than OR.  Evaluation is three-valued as in
 * SQL: a comparison with a NULL property is unknown, and only a condition
 * that is true selects an instance.  Strings compare case-insensitively, as
 * WMI does.  Anything else (ISA, ASSOCIATORS OF, property = property, ...)
 * is a syntax error, which the caller turns into CannotProcessFilter.
 */
#define _GNU_SOURCE

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cim.h"
#include "text.h"

#define WQL_MAX_TEXT	16384
#define WQL_MAX_DEPTH	64
#define WQL_MAX_SELECT	256

enum tok_kind {
	T_EOF, T_IDENT, T_STRING, T_NUMBER, T_STAR, T_COMMA, T_LPAREN,
	T_RPAREN, T_OP
};

struct tok {
	enum tok_kind	 kind;
	char		*text;		/* IDENT, STRING (unescaped), NUMBER */
	enum wql_cmp	 op;
	size_t		 pos;
};

struct parser {
	const char	*src;
	size_t		 pos;
	struct tok	 cur;
	int		 depth;
	char		*err;
	size_t		 errlen;
	bool		 failed;
};

static void
perr(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->failed)
		return;
	ps->failed = true;
	va_start(ap, fmt);
	n = vsnprintf(ps->err, ps->errlen, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < ps->errlen)
		snprintf(ps->err + n, ps->errlen - (size_t)n,
		    " (at offset %zu)", ps->cur.pos);
}

/* ------------------------------------------------------------- lexer */

static void
next(struct parser *ps)
{
	const char *s = ps->src;
	size_t p = ps->pos;
	struct tok *t = &ps->cur;

	free(t->text);
	memset(t, 0, sizeof(*t));
	if (ps->failed) {
		t->kind = T_EOF;
		return;
	}
	while (isspace((unsigned char)s[p]))
		p++;
	t->pos = p;
	if (s[p] == '\0') {
		t->kind = T_EOF;
	} else if (isalpha((unsigned char)s[p]) || s[p] == '_') {
		size_t b = p;

		while (isalnum((unsigned char)s[p]) || s[p] == '_')
			p++;
		t->kind = T_IDENT;
		t->text = strndup(s + b, p - b);
	} else if (isdigit((unsigned char)s[p]) ||
	    ((s[p] == '-' || s[p] == '+' || s[p] == '.') &&
	    isdigit((unsigned char)s[p + 1]))) {
		size_t b = p;

		if (s[p] == '-' || s[p] == '+')
			p++;
		while (isdigit((unsigned char)s[p]))
			p++;
		if (s[p] == '.') {
			p++;
			while (isdigit((unsigned char)s[p]))
				p++;
		}
		if ((s[p] == 'e' || s[p] == 'E') && (isdigit((unsigned char)s[p + 1]) ||
		    ((s[p + 1] == '-' || s[p + 1] == '+') &&
		    isdigit((unsigned char)s[p + 2])))) {
			p += 2;
			while (isdigit((unsigned char)s[p]))
				p++;
		}
		if (isalpha((unsigned char)s[p]) || s[p] == '_') {
			ps->pos = p;
			perr(ps, "a number runs into a name");
			t->kind = T_EOF;
			return;
		}
		t->kind = T_NUMBER;
		t->text = strndup(s + b, p - b);
	} else if (s[p] == '\'' || s[p] == '"') {
		char q = s[p++], *o;

		t->kind = T_STRING;
		if ((t->text = o = malloc(strlen(s + p) + 1)) == NULL) {
			perr(ps, "out of memory");
			return;
		}
		for (;;) {
			if (s[p] == '\0') {
				perr(ps, "a string literal is not closed");
				t->kind = T_EOF;
				return;
			}
			if (s[p] == q) {
				p++;
				break;
			}
			if (s[p] == '\\' && s[p + 1] != '\0')
				p++;	/* \' \" \\ */
			*o++ = s[p++];
		}
		*o = '\0';
	} else {
		t->kind = T_OP;
		switch (s[p]) {
		case '*': t->kind = T_STAR; p++; break;
		case ',': t->kind = T_COMMA; p++; break;
		case '(': t->kind = T_LPAREN; p++; break;
		case ')': t->kind = T_RPAREN; p++; break;
		case '=': t->op = WQL_EQ; p++; break;
		case '!':
			if (s[p + 1] != '=')
				goto bad;
			t->op = WQL_NE;
			p += 2;
			break;
		case '<':
			if (s[p + 1] == '>') {
				t->op = WQL_NE;
				p += 2;
			} else if (s[p + 1] == '=') {
				t->op = WQL_LE;
				p += 2;
			} else {
				t->op = WQL_LT;
				p++;
			}
			break;
		case '>':
			if (s[p + 1] == '=') {
				t->op = WQL_GE;
				p += 2;
			} else {
				t->op = WQL_GT;
				p++;
			}
			break;
		default:
		bad:
			ps->pos = p;
			perr(ps, "unexpected character '%c'", isprint((unsigned char)s[p]) ?
			    s[p] : '?');
			t->kind = T_EOF;
			return;
		}
	}
	if ((t->kind == T_IDENT || t->kind == T_NUMBER) && t->text == NULL)
		perr(ps, "out of memory");
	ps->pos = p;
}

static bool
is_kw(const struct tok *t, const char *kw)
{
	return t->kind == T_IDENT && strcasecmp(t->text, kw) == 0;
}

static bool
is_reserved(const char *s)
{
	/* GROUP, HAVING, WITHIN... stay usable as property names: those
	 * clauses are refused as text after the query anyway */
	static const char *const kw[] = { "SELECT", "FROM", "WHERE", "AND",
	    "OR", "NOT", "LIKE", "IS", "NULL", "TRUE", "FALSE", "ISA",
	    "ASSOCIATORS", "REFERENCES", "OF", "__CLASS" };

	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (strcasecmp(s, kw[i]) == 0)
			return true;
	return false;
}

/* ------------------------------------------------------------ parser */

static void
node_free(struct wql_node *n)
{
	if (n == NULL)
		return;
	node_free(n->l);
	node_free(n->r);
	free(n->prop);
	free(n->lit.s);
	if (n->value_set)
		cim_scalar_done(n->type, &n->value);
	free(n);
}

static struct wql_node *
node_new(struct parser *ps, enum wql_node_kind kind)
{
	struct wql_node *n = calloc(1, sizeof(*n));

	if (n == NULL)
		perr(ps, "out of memory");
	else {
		n->kind = kind;
		n->index = -1;
	}
	return n;
}

static struct wql_node *parse_or(struct parser *ps);

/* a literal token into lit; false if the token is not one */
static bool
take_literal(struct parser *ps, struct wql_lit *lit)
{
	struct tok *t = &ps->cur;

	memset(lit, 0, sizeof(*lit));
	if (t->kind == T_STRING) {
		lit->kind = LIT_STRING;
	} else if (t->kind == T_NUMBER) {
		char *end;

		lit->kind = strpbrk(t->text, ".eE") ? LIT_REAL : LIT_INT;
		lit->r = strtod(t->text, &end);
		if (lit->kind == LIT_INT) {
			errno = 0;
			lit->i = strtoll(t->text, &end, 10);
			if (errno != 0)
				lit->kind = LIT_REAL;	/* too big: compare as real */
		}
	} else if (is_kw(t, "TRUE") || is_kw(t, "FALSE")) {
		lit->kind = LIT_BOOL;
		lit->b = is_kw(t, "TRUE");
	} else if (is_kw(t, "NULL")) {
		lit->kind = LIT_NULL;
	} else
		return false;
	if (lit->kind != LIT_NULL) {
		lit->s = t->text;	/* the text, for conversion when bound */
		t->text = NULL;
	}
	next(ps);
	return true;
}

static enum wql_cmp
reverse(enum wql_cmp c)
{
	switch (c) {
	case WQL_LT: return WQL_GT;
	case WQL_LE: return WQL_GE;
	case WQL_GT: return WQL_LT;
	case WQL_GE: return WQL_LE;
	default: return c;
	}
}

static struct wql_node *
parse_predicate(struct parser *ps)
{
	struct wql_node *n = NULL;
	struct wql_lit lit = { .kind = LIT_NULL };	/* lit.s freed on failure */
	char *prop = NULL;
	enum wql_cmp op;
	bool lit_first = false;

	if (ps->cur.kind == T_IDENT && !is_kw(&ps->cur, "TRUE") &&
	    !is_kw(&ps->cur, "FALSE") && !is_kw(&ps->cur, "NULL")) {
		if (is_reserved(ps->cur.text)) {
			perr(ps, "unexpected keyword %s", ps->cur.text);
			return NULL;
		}
		prop = ps->cur.text;
		ps->cur.text = NULL;
		next(ps);
	} else if (take_literal(ps, &lit)) {
		lit_first = true;
	} else {
		perr(ps, "a property name or a literal is expected");
		return NULL;
	}

	if (!lit_first && is_kw(&ps->cur, "IS")) {
		next(ps);
		if ((n = node_new(ps, WQL_ISNULL)) == NULL)
			goto fail;
		if (is_kw(&ps->cur, "NOT")) {
			n->negate = true;
			next(ps);
		}
		if (!is_kw(&ps->cur, "NULL")) {
			perr(ps, "IS must be followed by NULL or NOT NULL");
			goto fail;
		}
		next(ps);
		n->prop = prop;
		return n;
	}
	if (!lit_first && (is_kw(&ps->cur, "LIKE") || is_kw(&ps->cur, "NOT"))) {
		if ((n = node_new(ps, WQL_LIKE)) == NULL)
			goto fail;
		if (is_kw(&ps->cur, "NOT")) {
			n->negate = true;
			next(ps);
			if (!is_kw(&ps->cur, "LIKE")) {
				perr(ps, "NOT after a property must be NOT LIKE");
				goto fail;
			}
		}
		next(ps);
		if (ps->cur.kind != T_STRING) {
			perr(ps, "LIKE needs a string pattern");
			goto fail;
		}
		take_literal(ps, &n->lit);
		n->prop = prop;
		return n;
	}
	if (ps->cur.kind != T_OP) {
		perr(ps, "a comparison operator is expected");
		goto fail;
	}
	op = ps->cur.op;
	next(ps);
	if (lit_first) {
		if (ps->cur.kind != T_IDENT || is_reserved(ps->cur.text)) {
			free(lit.s);
			perr(ps, "a comparison needs one property and one literal");
			return NULL;
		}
		prop = ps->cur.text;
		ps->cur.text = NULL;
		next(ps);
		op = reverse(op);
	} else if (!take_literal(ps, &lit)) {
		perr(ps, "a comparison needs one property and one literal");
		goto fail;
	}
	if (lit.kind == LIT_NULL) {
		/* X = NULL, X <> NULL: IS [NOT] NULL */
		if (op != WQL_EQ && op != WQL_NE) {
			perr(ps, "NULL can only be compared with = or <>");
			goto fail;
		}
		if ((n = node_new(ps, WQL_ISNULL)) == NULL)
			goto fail;
		n->negate = op == WQL_NE;
		n->prop = prop;
		return n;
	}
	if ((n = node_new(ps, WQL_COMPARE)) == NULL)
		goto fail;
	n->cmp = op;
	n->lit = lit;
	n->prop = prop;
	return n;
fail:
	free(lit.s);
	free(prop);
	node_free(n);
	return NULL;
}

static struct wql_node *
parse_not(struct parser *ps)
{
	struct wql_node *n, *inner;

	if (++ps->depth > WQL_MAX_DEPTH) {
		perr(ps, "the condition is nested too deeply");
		return NULL;
	}
	if (is_kw(&ps->cur, "NOT")) {
		next(ps);
		if ((inner = parse_not(ps)) == NULL)
			return NULL;
		if ((n = node_new(ps, WQL_NOT)) == NULL) {
			node_free(inner);
			return NULL;
		}
		n->l = inner;
	} else if (ps->cur.kind == T_LPAREN) {
		next(ps);
		if ((n = parse_or(ps)) == NULL)
			return NULL;
		if (ps->cur.kind != T_RPAREN) {
			perr(ps, "a ')' is missing");
			node_free(n);
			return NULL;
		}
		next(ps);
	} else
		n = parse_predicate(ps);
	ps->depth--;
	return n;
}

static struct wql_node *
parse_binary(struct parser *ps, const char *kw, enum wql_node_kind kind,
    struct wql_node *(*sub)(struct parser *))
{
	struct wql_node *l = sub(ps), *r, *n;

	while (l != NULL && is_kw(&ps->cur, kw)) {
		next(ps);
		if ((r = sub(ps)) == NULL || (n = node_new(ps, kind)) == NULL) {
			node_free(l);
			node_free(r);
			return NULL;
		}
		n->l = l;
		n->r = r;
		l = n;
	}
	return l;
}

static struct wql_node *
parse_and(struct parser *ps)
{
	return parse_binary(ps, "AND", WQL_AND, parse_not);
}

static struct wql_node *
parse_or(struct parser *ps)
{
	return parse_binary(ps, "OR", WQL_OR, parse_and);
}

void
wql_free(struct wql_query *q)
{
	if (q == NULL)
		return;
	free(q->cls);
	for (size_t i = 0; i < q->nselect; i++)
		free(q->select[i]);
	free(q->select);
	node_free(q->where);
	free(q);
}

struct wql_query *
wql_parse(const char *text, char *err, size_t errlen)
{
	struct parser ps = { .src = text, .err = err, .errlen = errlen };
	struct wql_query *q;

	if (text == NULL || strlen(text) > WQL_MAX_TEXT) {
		snprintf(err, errlen, "the query is empty or too long");
		return NULL;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	next(&ps);
	if (!is_kw(&ps.cur, "SELECT")) {
		perr(&ps, "the query must start with SELECT");
		goto fail;
	}
	next(&ps);
	if (ps.cur.kind == T_STAR) {
		next(&ps);
	} else {
		for (;;) {
			char **v;

			if (ps.cur.kind != T_IDENT || is_reserved(ps.cur.text)) {
				perr(&ps, "a property name or * is expected "
				    "after SELECT");
				goto fail;
			}
			if (q->nselect == WQL_MAX_SELECT) {
				perr(&ps, "too many properties");
				goto fail;
			}
			v = reallocarray(q->select, q->nselect + 1, sizeof(*v));
			if (v == NULL) {
				perr(&ps, "out of memory");
				goto fail;
			}
			q->select = v;
			q->select[q->nselect++] = ps.cur.text;
			ps.cur.text = NULL;
			next(&ps);
			if (ps.cur.kind != T_COMMA)
				break;
			next(&ps);
		}
	}
	if (!is_kw(&ps.cur, "FROM")) {
		perr(&ps, "FROM is expected");
		goto fail;
	}
	next(&ps);
	if (ps.cur.kind != T_IDENT || is_reserved(ps.cur.text)) {
		perr(&ps, "a class name is expected after FROM");
		goto fail;
	}
	q->cls = ps.cur.text;
	ps.cur.text = NULL;
	next(&ps);
	if (is_kw(&ps.cur, "WHERE")) {
		next(&ps);
		if ((q->where = parse_or(&ps)) == NULL)
			goto fail;
	}
	if (!ps.failed && ps.cur.kind != T_EOF)
		perr(&ps, "unexpected text after the query");
	if (ps.failed)
		goto fail;
	free(ps.cur.text);
	return q;
fail:
	if (!ps.failed)
		perr(&ps, "syntax error");
	free(ps.cur.text);
	wql_free(q);
	return NULL;
}

/* ----------------------------------------------------------- binding */

static int
bind_node(struct wql_node *n, const struct cim_property *props, size_t nprops,
    char *err, size_t errlen)
{
	const struct cim_property *p;

	if (n == NULL)
		return 0;
	if (n->kind == WQL_AND || n->kind == WQL_OR || n->kind == WQL_NOT)
		return bind_node(n->l, props, nprops, err, errlen) < 0 ||
		    bind_node(n->r, props, nprops, err, errlen) < 0 ? -EINVAL : 0;
	if ((n->index = props_find(props, nprops, n->prop)) < 0) {
		snprintf(err, errlen, "the class has no property %s", n->prop);
		return -EINVAL;
	}
	p = &props[n->index];
	if (n->kind == WQL_ISNULL)
		return 0;
	if (p->flags & CIM_ARRAY) {
		snprintf(err, errlen, "the array property %s cannot be compared",
		    p->name);
		return -EINVAL;
	}
	if (n->kind == WQL_LIKE) {
		if (p->type != CIM_STRING) {
			snprintf(err, errlen, "LIKE needs a string property, "
			    "%s is not one", p->name);
			return -EINVAL;
		}
		return 0;
	}
	/* the literal in the property's type */
	if (cim_value_parse(p->type, n->lit.s, &n->value) == 0) {
		n->type = p->type;
		n->value_set = true;
		return 0;
	}
	if ((n->lit.kind == LIT_INT || n->lit.kind == LIT_REAL) &&
	    (cim_type_is_integer(p->type) || p->type == CIM_REAL32 ||
	    p->type == CIM_REAL64))
		return 0;	/* out of the type's range: compared as reals */
	snprintf(err, errlen, "'%s' is not a valid value for %s", n->lit.s,
	    p->name);
	return -EINVAL;
}

int
wql_bind(struct wql_query *q, const struct cim_property *props, size_t nprops,
    char *err, size_t errlen)
{
	for (size_t i = 0; i < q->nselect; i++)
		if (props_find(props, nprops, q->select[i]) < 0) {
			snprintf(err, errlen, "the class has no property %s",
			    q->select[i]);
			return -EINVAL;
		}
	if (bind_node(q->where, props, nprops, err, errlen) < 0)
		return -EINVAL;
	q->props = props;
	q->nprops = nprops;
	return 0;
}

/* -------------------------------------------------------- evaluation */

/* the bytes of the character at s: its UTF-8 sequence, else one byte */
static int
utf8_len(const char *s)
{
	size_t n = utf8_decode((const unsigned char *)s, strnlen(s, 4), NULL);

	return n > 0 ? (int)n : 1;
}

/* does one pattern element at p match the character at s?  *plen is the
 * pattern element's length; *slen the character's */
static bool
like_one(const char *p, const char *s, size_t *plen, size_t *slen)
{
	*slen = (size_t)utf8_len(s);
	if (*p == '_') {
		*plen = 1;
		return true;
	}
	if (*p == '[') {
		const char *q = p + 1, *end;
		bool neg = false, hit = false;
		unsigned char c = (unsigned char)tolower((unsigned char)*s);

		if (*q == '^') {
			neg = true;
			q++;
		}
		/* "[]" never closes at once: a ']' first is literal */
		end = strchr(*q == ']' ? q + 1 : q, ']');
		if (end == NULL)
			goto literal;
		for (; q < end; q++) {
			unsigned char lo = (unsigned char)tolower((unsigned char)*q);

			if (q + 2 < end && q[1] == '-') {
				unsigned char hi = (unsigned char)tolower(
				    (unsigned char)q[2]);

				if (c >= lo && c <= hi)
					hit = true;
				q += 2;
			} else if (c == lo)
				hit = true;
		}
		*plen = (size_t)(end - p) + 1;
		return hit != neg;
	}
literal:
	*plen = 1;
	*slen = 1;
	return tolower((unsigned char)*p) == tolower((unsigned char)*s);
}

bool
wql_like(const char *s, const char *p)
{
	const char *star_p = NULL, *star_s = NULL;

	while (*s != '\0') {
		size_t plen, slen;

		if (*p == '%') {
			while (*p == '%')
				p++;
			star_p = p;
			star_s = s;
			continue;
		}
		if (*p != '\0' && like_one(p, s, &plen, &slen)) {
			p += plen;
			s += slen;
			continue;
		}
		if (star_p == NULL)
			return false;
		/* let the last % take one more character */
		star_s += utf8_len(star_s);
		p = star_p;
		s = star_s;
	}
	while (*p == '%')
		p++;
	return *p == '\0';
}

static double
as_real(enum cim_type t, const union cim_scalar *v)
{
	if (cim_type_is_signed(t))
		return (double)v->s;
	if (cim_type_is_unsigned(t))
		return (double)v->u;
	return v->r;
}

static bool
cmp_holds(enum wql_cmp op, int c)
{
	switch (op) {
	case WQL_EQ: return c == 0;
	case WQL_NE: return c != 0;
	case WQL_LT: return c < 0;
	case WQL_LE: return c <= 0;
	case WQL_GT: return c > 0;
	case WQL_GE: return c >= 0;
	}
	return false;
}

int
wql_eval(const struct wql_node *n, const struct cim_instance *i)
{
	const struct cim_val *v;
	const struct cim_property *p;
	int a, b, c;

	switch (n->kind) {
	case WQL_AND:
		a = wql_eval(n->l, i);
		if (a == 0)
			return 0;
		b = wql_eval(n->r, i);
		return b == 0 ? 0 : (a < 0 || b < 0) ? -1 : 1;
	case WQL_OR:
		a = wql_eval(n->l, i);
		if (a == 1)
			return 1;
		b = wql_eval(n->r, i);
		return b == 1 ? 1 : (a < 0 || b < 0) ? -1 : 0;
	case WQL_NOT:
		a = wql_eval(n->l, i);
		return a < 0 ? -1 : !a;
	default:
		break;
	}
	if (n->index < 0 || (size_t)n->index >= i->nprops)
		return -1;
	p = &i->props[n->index];
	v = &i->vals[n->index];
	if (n->kind == WQL_ISNULL) {
		bool null = (p->flags & CIM_ARRAY) ? v->n == 0 : !v->set;

		return null != n->negate;
	}
	if (!v->set)
		return -1;
	if (n->kind == WQL_LIKE)
		return wql_like(v->v.str ? v->v.str : "", n->lit.s) != n->negate;
	if (n->value_set)
		c = cim_value_cmp(p->type, &v->v, &n->value);
	else {
		double x = as_real(p->type, &v->v), y = n->lit.r;

		c = x < y ? -1 : x > y;
	}
	return cmp_holds(n->cmp, c);
}

bool
wql_match(const struct wql_query *q, const struct cim_instance *i)
{
	return q->where == NULL || wql_eval(q->where, i) == 1;
}
