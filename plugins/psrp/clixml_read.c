/*
 * clixml_read.c: CLIXML text to a value tree (MS-PSRP 2.2.5), through
 * libxml2's parser without network, DTDs or entity substitution.  The
 * input is hostile: its size, the depth of its elements and the number of
 * values, properties and type names are bounded (struct clixml_limits);
 * Refs resolve only to objects already closed, so a tree is never cyclic
 * and a Ref costs one node however large its target.  Unknown elements
 * inside objects are skipped; malformed known ones are refused.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "b64.h"
#include "clixml.h"
#include "clixml_tree.h"
#include "message.h"

struct rctx {
	const struct clixml_limits	 *lim;
	size_t				  nodes;
	struct clixml_value		**objs;		/* by RefId */
	size_t				  nobjs;
	struct clixml_types		**tns;		/* by TN RefId */
	size_t				  ntns;
	char				 *err;
	size_t				  errlen;
	bool				  failed;
};

static void *fail(struct rctx *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void *
fail(struct rctx *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->failed && c->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	c->failed = true;
	return NULL;
}

static bool
is(const xmlNode *n, const char *name)
{
	return strcmp((const char *)n->name, name) == 0;
}

static xmlNode *
first_elem(xmlNode *n)
{
	for (; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

#define for_each_elem(child, parent) \
	for (child = first_elem((parent)->children); child != NULL; \
	    child = first_elem(child->next))

static bool
count(struct rctx *c)
{
	if (++c->nodes > c->lim->max_nodes) {
		fail(c, "more than %zu values", c->lim->max_nodes);
		return false;
	}
	return true;
}

/* an attribute's value (malloc'd by libxml2, freed with xmlFree) */
static char *
prop(const xmlNode *n, const char *name)
{
	return (char *)xmlGetNoNsProp(n, (const xmlChar *)name);
}

/*
 * A RefId attribute: -1 if absent, -2 if not a number in range.  RefIds
 * count up from 0 in document order, so none is larger than the number
 * of nodes read so far: the tables indexed by them stay the size of the
 * input, whatever number a hostile one writes.
 */
static long
ref_id(struct rctx *c, const xmlNode *n)
{
	char *s = prop(n, "RefId"), *end;
	long v;

	if (s == NULL)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 ||
	    (size_t)v > c->nodes)
		v = -2;
	xmlFree(s);
	return v;
}

/* the N attribute, unescaped (malloc'd), or NULL */
static char *
name_of(const xmlNode *n)
{
	char *s = prop(n, "N"), *u;

	if (s == NULL)
		return NULL;
	u = clixml_unescape(s, strlen(s), NULL);
	xmlFree(s);
	return u;
}

/* element text, with surrounding white space trimmed if trim */
static char *
content(const xmlNode *n, bool trim)
{
	xmlChar *x = xmlNodeGetContent(n);
	char *s, *b, *e;

	if (x == NULL)
		return strdup("");
	s = strdup((const char *)x);
	xmlFree(x);
	if (s == NULL || !trim)
		return s;
	for (b = s; isspace((unsigned char)*b); b++)
		;
	for (e = b + strlen(b); e > b && isspace((unsigned char)e[-1]); e--)
		;
	*e = '\0';
	memmove(s, b, (size_t)(e - b) + 1);
	return s;
}

static int
slot(struct rctx *c, void ***arr, size_t *n, long id)
{
	if ((size_t)id < *n)
		return 0;
	size_t want = *n ? *n : 16;
	void **p;

	while (want <= (size_t)id)
		want *= 2;
	if ((p = realloc(*arr, want * sizeof(void *))) == NULL) {
		fail(c, "out of memory");
		return -1;
	}
	memset(p + *n, 0, (want - *n) * sizeof(void *));
	*arr = p;
	*n = want;
	return 0;
}

static const struct {
	const char		*elem;
	enum clixml_type	 type;
} prims[] = {
	{ "Nil", CLIXML_NIL }, { "B", CLIXML_BOOL }, { "C", CLIXML_CHAR },
	{ "SB", CLIXML_I8 }, { "By", CLIXML_U8 }, { "I16", CLIXML_I16 },
	{ "U16", CLIXML_U16 }, { "I32", CLIXML_I32 }, { "U32", CLIXML_U32 },
	{ "I64", CLIXML_I64 }, { "U64", CLIXML_U64 }, { "Sg", CLIXML_FLOAT },
	{ "Db", CLIXML_DOUBLE }, { "D", CLIXML_DECIMAL },
	{ "S", CLIXML_STRING }, { "DT", CLIXML_DATETIME },
	{ "TS", CLIXML_DURATION }, { "G", CLIXML_GUID },
	{ "BA", CLIXML_BYTES }, { "Version", CLIXML_VERSION },
	{ "URI", CLIXML_URI }, { "XD", CLIXML_XMLDOC },
	{ "SBK", CLIXML_SCRIPTBLOCK }, { "SS", CLIXML_SECURESTRING },
};

static int
prim_type(const xmlNode *n)
{
	for (size_t i = 0; i < sizeof(prims) / sizeof(prims[0]); i++)
		if (is(n, prims[i].elem))
			return (int)prims[i].type;
	return -1;
}

static struct clixml_value *
read_int(struct rctx *c, const xmlNode *n, enum clixml_type t)
{
	static const struct { int64_t min, max; } srange[] = {
		[CLIXML_I8] = { INT8_MIN, INT8_MAX },
		[CLIXML_I16] = { INT16_MIN, INT16_MAX },
		[CLIXML_I32] = { INT32_MIN, INT32_MAX },
		[CLIXML_I64] = { INT64_MIN, INT64_MAX },
	};
	static const uint64_t umax[] = {
		[CLIXML_U8] = UINT8_MAX, [CLIXML_U16] = UINT16_MAX,
		[CLIXML_U32] = UINT32_MAX, [CLIXML_U64] = UINT64_MAX,
		[CLIXML_CHAR] = UINT16_MAX,
	};
	char *s = content(n, true), *end;
	struct clixml_value *v = NULL;
	bool is_signed = t == CLIXML_I8 || t == CLIXML_I16 ||
	    t == CLIXML_I32 || t == CLIXML_I64;

	if (s == NULL)
		return fail(c, "out of memory");
	errno = 0;
	if (is_signed) {
		long long i = strtoll(s, &end, 10);

		if (errno == 0 && end != s && *end == '\0' &&
		    i >= srange[t].min && i <= srange[t].max)
			v = clixml_new_int(t, i);
		else
			fail(c, "<%s> is not a number in range: %.40s",
			    (const char *)n->name, s);
	} else {
		unsigned long long u = strtoull(s, &end, 10);

		if (errno == 0 && end != s && *end == '\0' && s[0] != '-' &&
		    u <= umax[t]) {
			if (t == CLIXML_CHAR)
				v = clixml_new_char((uint16_t)u);
			else
				v = clixml_new_uint(t, u);
		} else
			fail(c, "<%s> is not a number in range: %.40s",
			    (const char *)n->name, s);
	}
	free(s);
	if (v == NULL)
		return fail(c, "out of memory");
	return v;
}

static struct clixml_value *
read_double(struct rctx *c, const xmlNode *n, enum clixml_type t)
{
	char *s = content(n, true), *end;
	struct clixml_value *v = NULL;
	double d;

	if (s == NULL)
		return fail(c, "out of memory");
	if (strcmp(s, "INF") == 0)
		d = INFINITY;
	else if (strcmp(s, "-INF") == 0)
		d = -INFINITY;
	else if (strcmp(s, "NaN") == 0)
		d = NAN;
	else {
		/* digits, sign, point and exponent only: no "inf" or hex */
		if (s[0] == '\0' || strspn(s, "0123456789+-.eE") != strlen(s)) {
			fail(c, "<%s> is not a number: %.40s",
			    (const char *)n->name, s);
			free(s);
			return NULL;
		}
		d = strtod(s, &end);
		if (end == s || *end != '\0') {
			fail(c, "<%s> is not a number: %.40s",
			    (const char *)n->name, s);
			free(s);
			return NULL;
		}
	}
	free(s);
	if ((v = clixml_new_double(t, d)) == NULL)
		return fail(c, "out of memory");
	return v;
}

static struct clixml_value *
read_bool(struct rctx *c, const xmlNode *n)
{
	char *s = content(n, true);
	struct clixml_value *v = NULL;

	if (s == NULL)
		return fail(c, "out of memory");
	if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		v = clixml_new_bool(true);
	else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
		v = clixml_new_bool(false);
	else
		fail(c, "<B> is not a boolean: %.40s", s);
	free(s);
	if (v == NULL && !c->failed)
		fail(c, "out of memory");
	return v;
}

static struct clixml_value *
read_guid(struct rctx *c, const xmlNode *n)
{
	char *s = content(n, true);
	struct clixml_value *v = NULL;
	struct psrp_guid g;

	if (s == NULL)
		return fail(c, "out of memory");
	if (psrp_guid_parse(s, &g) == 0) {
		if ((v = clixml_new_guid(g.g)) == NULL)
			fail(c, "out of memory");
	} else
		fail(c, "<G> is not a GUID: %.40s", s);
	free(s);
	return v;
}

static struct clixml_value *
read_bytes(struct rctx *c, const xmlNode *n)
{
	char *s = content(n, false);
	struct clixml_value *v;
	uint8_t *out;
	size_t len;

	if (s == NULL)
		return fail(c, "out of memory");
	out = psrp_b64_decode(s, strlen(s), &len);
	free(s);
	if (out == NULL)
		return fail(c, "<BA> is not base64");
	v = clixml_new_bytes(out, len);
	free(out);
	if (v == NULL)
		return fail(c, "out of memory");
	return v;
}

static struct clixml_value *
read_text(struct rctx *c, const xmlNode *n, enum clixml_type t)
{
	char *s = content(n, false), *u;
	size_t len;
	struct clixml_value *v;

	if (s == NULL)
		return fail(c, "out of memory");
	u = clixml_unescape(s, strlen(s), &len);
	free(s);
	if (u == NULL)
		return fail(c, "out of memory");
	if ((v = calloc(1, sizeof(*v))) == NULL) {
		free(u);
		return fail(c, "out of memory");
	}
	v->v_type = t;
	v->v_refs = 1;
	v->v.str.s = u;
	v->v.str.len = len;
	return v;
}

static struct clixml_value *read_value(struct rctx *, xmlNode *, size_t);

static struct clixml_value *
read_prim(struct rctx *c, xmlNode *n, enum clixml_type t)
{
	switch (t) {
	case CLIXML_NIL:
		return clixml_new_nil();
	case CLIXML_BOOL:
		return read_bool(c, n);
	case CLIXML_CHAR:
	case CLIXML_I8:
	case CLIXML_U8:
	case CLIXML_I16:
	case CLIXML_U16:
	case CLIXML_I32:
	case CLIXML_U32:
	case CLIXML_I64:
	case CLIXML_U64:
		return read_int(c, n, t);
	case CLIXML_FLOAT:
	case CLIXML_DOUBLE:
		return read_double(c, n, t);
	case CLIXML_GUID:
		return read_guid(c, n);
	case CLIXML_BYTES:
		return read_bytes(c, n);
	default:
		return read_text(c, n, t);
	}
}

static struct clixml_types *
read_tn(struct rctx *c, xmlNode *n)
{
	struct clixml_types *t;
	xmlNode *ch;
	size_t nt = 0, i = 0;
	long id = ref_id(c, n);

	if (id == -2)
		return fail(c, "<TN> with a bad RefId");
	for_each_elem(ch, n)
		if (is(ch, "T")) {
			if (!count(c))
				return NULL;
			nt++;
		}
	if ((t = calloc(1, sizeof(*t) + nt * sizeof(char *))) == NULL)
		return fail(c, "out of memory");
	t->t_refs = 1;
	for_each_elem(ch, n) {
		char *s;

		if (!is(ch, "T"))
			continue;
		if ((s = content(ch, false)) == NULL) {
			clixml_types_unref(t);
			return fail(c, "out of memory");
		}
		t->t_names[i] = clixml_unescape(s, strlen(s), NULL);
		free(s);
		if (t->t_names[i] == NULL) {
			clixml_types_unref(t);
			return fail(c, "out of memory");
		}
		t->t_n = ++i;
	}
	if (id >= 0) {
		if (slot(c, (void ***)&c->tns, &c->ntns, id) < 0) {
			clixml_types_unref(t);
			return NULL;
		}
		if (c->tns[id] != NULL) {
			clixml_types_unref(t);
			return fail(c, "two <TN> with RefId %ld", id);
		}
		c->tns[id] = t;
		t->t_refs++;
	}
	return t;
}

static int
read_members(struct rctx *c, struct clixml_value *obj, xmlNode *n, bool ms,
    size_t depth)
{
	xmlNode *ch;

	if (depth > c->lim->max_depth) {
		fail(c, "nested deeper than %zu", c->lim->max_depth);
		return -1;
	}
	for_each_elem(ch, n) {
		struct clixml_value *v;
		char *name;

		/* an element that is no value, or one without a name, is skipped */
		if (prim_type(ch) < 0 && !is(ch, "Obj") && !is(ch, "Ref"))
			continue;
		if ((name = name_of(ch)) == NULL)
			continue;
		v = read_value(c, ch, depth + 1);
		if (v == NULL || !count(c)) {
			clixml_unref(v);
			free(name);
			return -1;
		}
		if ((ms ? clixml_obj_add_ms(obj, name, v) :
		    clixml_obj_add_prop(obj, name, v)) < 0) {
			free(name);
			fail(c, "out of memory");
			return -1;
		}
		free(name);
	}
	return 0;
}

static int
read_dict(struct rctx *c, struct clixml_value *obj, xmlNode *n, size_t depth)
{
	xmlNode *en, *ch;

	if (depth + 1 > c->lim->max_depth) {
		fail(c, "nested deeper than %zu", c->lim->max_depth);
		return -1;
	}
	for_each_elem(en, n) {
		struct clixml_value *key = NULL, *val = NULL;

		if (!is(en, "En"))
			continue;
		for_each_elem(ch, en) {
			char *name = prop(ch, "N");
			bool k = name != NULL && strcmp(name, "Key") == 0;
			bool v = name != NULL && strcmp(name, "Value") == 0;

			xmlFree(name);
			if ((!k && !v) || (k && key != NULL) || (v && val != NULL))
				continue;
			if (k)
				key = read_value(c, ch, depth + 2);
			else
				val = read_value(c, ch, depth + 2);
			if (c->failed)
				break;
		}
		if (!c->failed && (key == NULL || val == NULL))
			fail(c, "<En> without a Key and a Value");
		if (c->failed || !count(c)) {
			clixml_unref(key);
			clixml_unref(val);
			return -1;
		}
		if (clixml_dict_add(obj, key, val) < 0) {
			fail(c, "out of memory");
			return -1;
		}
	}
	return 0;
}

static int
read_list(struct rctx *c, struct clixml_value *obj, xmlNode *n, size_t depth)
{
	xmlNode *ch;

	if (depth > c->lim->max_depth) {
		fail(c, "nested deeper than %zu", c->lim->max_depth);
		return -1;
	}
	for_each_elem(ch, n) {
		struct clixml_value *v;

		if (prim_type(ch) < 0 && !is(ch, "Obj") && !is(ch, "Ref"))
			continue;
		if ((v = read_value(c, ch, depth + 1)) == NULL)
			return -1;
		if (clixml_list_add(obj, v) < 0) {
			fail(c, "out of memory");
			return -1;
		}
	}
	return 0;
}

static enum clixml_coll
coll_of(const xmlNode *n)
{
	if (is(n, "LST"))
		return CLIXML_COLL_LST;
	if (is(n, "IE"))
		return CLIXML_COLL_IE;
	if (is(n, "STK"))
		return CLIXML_COLL_STK;
	if (is(n, "QUE"))
		return CLIXML_COLL_QUE;
	if (is(n, "DCT"))
		return CLIXML_COLL_DCT;
	return CLIXML_COLL_NONE;
}

static struct clixml_value *
read_obj(struct rctx *c, xmlNode *n, size_t depth)
{
	struct clixml_value *obj;
	struct clixml_obj *o;
	xmlNode *ch;
	long id = ref_id(c, n);

	if (id == -2)
		return fail(c, "<Obj> with a bad RefId");
	if ((obj = clixml_new_obj(NULL, CLIXML_COLL_NONE)) == NULL)
		return fail(c, "out of memory");
	o = &obj->v.obj;
	o->o_complete = false;
	if (id >= 0) {
		if (slot(c, (void ***)&c->objs, &c->nobjs, id) < 0)
			goto bad;
		if (c->objs[id] != NULL) {
			fail(c, "two <Obj> with RefId %ld", id);
			goto bad;
		}
		c->objs[id] = clixml_ref(obj);
	}
	for_each_elem(ch, n) {
		enum clixml_coll coll;
		int pt;

		if (is(ch, "TN") || is(ch, "TNRef")) {
			struct clixml_types *t;

			if (o->o_types != NULL) {
				fail(c, "<Obj> with two type lists");
				goto bad;
			}
			if (is(ch, "TN"))
				t = read_tn(c, ch);
			else {
				long tid = ref_id(c, ch);

				if (tid < 0 || (size_t)tid >= c->ntns ||
				    c->tns[tid] == NULL) {
					fail(c, "<TNRef> to no <TN>");
					goto bad;
				}
				t = c->tns[tid];
				t->t_refs++;
			}
			if (t == NULL)
				goto bad;
			o->o_types = t;
		} else if (is(ch, "ToString")) {
			char *s = content(ch, false);

			free(o->o_tostring);
			o->o_tostring = s == NULL ? NULL :
			    clixml_unescape(s, strlen(s), NULL);
			free(s);
			if (o->o_tostring == NULL) {
				fail(c, "out of memory");
				goto bad;
			}
		} else if (is(ch, "MS") || is(ch, "Props")) {
			if (read_members(c, obj, ch, is(ch, "MS"), depth + 1) < 0)
				goto bad;
		} else if ((coll = coll_of(ch)) != CLIXML_COLL_NONE) {
			if (o->o_coll != CLIXML_COLL_NONE) {
				fail(c, "<Obj> with two collections");
				goto bad;
			}
			o->o_coll = coll;
			if ((coll == CLIXML_COLL_DCT ? read_dict(c, obj, ch,
			    depth + 1) : read_list(c, obj, ch, depth + 1)) < 0)
				goto bad;
		} else if ((pt = prim_type(ch)) >= 0) {
			struct clixml_value *b = read_value(c, ch, depth + 1);

			if (b == NULL)
				goto bad;
			clixml_obj_set_base(obj, b);
		}
		/* anything else is skipped */
	}
	o->o_complete = true;
	return obj;
bad:
	clixml_unref(obj);
	return NULL;
}

static struct clixml_value *
read_value(struct rctx *c, xmlNode *n, size_t depth)
{
	int pt;

	if (c->failed)
		return NULL;
	if (depth > c->lim->max_depth)
		return fail(c, "nested deeper than %zu", c->lim->max_depth);
	if (!count(c))
		return NULL;
	if (is(n, "Obj"))
		return read_obj(c, n, depth);
	if (is(n, "Ref")) {
		long id = ref_id(c, n);

		if (id < 0 || (size_t)id >= c->nobjs || c->objs[id] == NULL)
			return fail(c, "<Ref> to no <Obj>");
		if (!c->objs[id]->v.obj.o_complete)
			return fail(c, "<Ref> to an enclosing <Obj> (a cycle)");
		return clixml_ref(c->objs[id]);
	}
	if ((pt = prim_type(n)) >= 0) {
		struct clixml_value *v = read_prim(c, n, (enum clixml_type)pt);

		if (v == NULL && !c->failed)
			fail(c, "out of memory");
		return v;
	}
	return fail(c, "<%.40s> is not a CLIXML value", (const char *)n->name);
}

struct clixml_value *
clixml_read(const char *xml, size_t len, const struct clixml_limits *lim,
    char *err, size_t errlen)
{
	struct rctx c = { .lim = lim != NULL ? lim : &clixml_default_limits,
	    .err = err, .errlen = errlen };
	struct clixml_value *v = NULL;
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	xmlNode *root;

	if (errlen > 0)
		err[0] = '\0';
	if (len >= 3 && memcmp(xml, "\xEF\xBB\xBF", 3) == 0) {
		xml += 3;
		len -= 3;
	}
	if (len > c.lim->max_bytes || len > INT_MAX)
		return fail(&c, "more than %zu bytes", c.lim->max_bytes);
	/* a message without a body (END_OF_PIPELINE_INPUT) */
	while (len > 0 && (*xml == ' ' || *xml == '\t' || *xml == '\r' ||
	    *xml == '\n')) {
		xml++;
		len--;
	}
	if (len == 0)
		return clixml_new_nil();
	if ((ctxt = xmlNewParserCtxt()) == NULL)
		return fail(&c, "out of memory");
	doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, "UTF-8",
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);

		fail(&c, "not XML: %s", e != NULL && e->message != NULL ?
		    e->message : "unknown error");
		if (c.errlen > 0) {
			/* libxml2's messages end with a newline */
			size_t l = strlen(c.err);

			if (l > 0 && c.err[l - 1] == '\n')
				c.err[l - 1] = '\0';
		}
	} else if (doc->intSubset != NULL || doc->extSubset != NULL)
		fail(&c, "a DTD in CLIXML");
	else if ((root = xmlDocGetRootElement(doc)) == NULL)
		fail(&c, "no element");
	else
		v = read_value(&c, root, 1);
	if (c.failed) {
		clixml_unref(v);
		v = NULL;
	}
	for (size_t i = 0; i < c.nobjs; i++)
		clixml_unref(c.objs[i]);
	free(c.objs);
	for (size_t i = 0; i < c.ntns; i++)
		clixml_types_unref(c.tns[i]);
	free(c.tns);
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return v;
}
