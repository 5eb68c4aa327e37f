/*
 * clixml_write.c: a CLIXML value tree to text (MS-PSRP 2.2.5), written
 * straight into a growing buffer; PowerShell's own _xHHHH_ escaping comes
 * first (clixml_escape_into), then XML's.  The text is what libxml2's
 * xmlTextWriter made of it before (an empty element closed with "/>",
 * text elements always with their end tag, characters outside ASCII in
 * an attribute as character references, a byte array's base64 broken
 * with CRLF every 72 characters), at a fraction of its cost: a
 * Get-Process writes some 200 KB of it.  Objects are numbered with
 * RefIds from 0 in document order and a second occurrence is a <Ref>; a
 * type-name list already written is a <TNRef> (2.2.5.2.3).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clixml.h"
#include "clixml_tree.h"

/* objects written: pointer -> RefId, open addressing */
struct refmap {
	const void	**rm_keys;
	int		 *rm_ids;
	size_t		  rm_cap, rm_n;
};

struct wctx {
	char				*b;	/* the text, NUL-terminated */
	size_t				 len, cap;
	bool				 open;	/* "<elem attrs" without its '>' */
	struct refmap			 objs;
	int				 next_obj;
	const struct clixml_types	**tn;	/* written lists; index = RefId */
	size_t				 ntn, captn;
	/* their RefIds + 1 by the hash of their names, open addressing */
	size_t				*tnh;
	size_t				 captnh;
	bool				 failed;
};

static size_t
ptr_hash(const void *p, size_t cap)
{
	uintptr_t x = (uintptr_t)p;

	x ^= x >> 17;
	x *= 0x9E3779B97F4A7C15ULL;
	return (size_t)(x >> 7) & (cap - 1);
}

static int
refmap_find(const struct refmap *m, const void *p)
{
	if (m->rm_cap == 0)
		return -1;
	for (size_t i = ptr_hash(p, m->rm_cap);; i = (i + 1) & (m->rm_cap - 1)) {
		if (m->rm_keys[i] == NULL)
			return -1;
		if (m->rm_keys[i] == p)
			return m->rm_ids[i];
	}
}

static int
refmap_put(struct refmap *m, const void *p, int id)
{
	size_t i;

	if (m->rm_n * 2 >= m->rm_cap) {
		struct refmap n = { .rm_cap = m->rm_cap ? m->rm_cap * 2 : 64 };

		n.rm_keys = calloc(n.rm_cap, sizeof(*n.rm_keys));
		n.rm_ids = calloc(n.rm_cap, sizeof(*n.rm_ids));
		if (n.rm_keys == NULL || n.rm_ids == NULL) {
			free(n.rm_keys);
			free(n.rm_ids);
			return -1;
		}
		for (i = 0; i < m->rm_cap; i++)
			if (m->rm_keys[i] != NULL)
				refmap_put(&n, m->rm_keys[i], m->rm_ids[i]);
		free(m->rm_keys);
		free(m->rm_ids);
		*m = n;
	}
	for (i = ptr_hash(p, m->rm_cap); m->rm_keys[i] != NULL;
	    i = (i + 1) & (m->rm_cap - 1))
		;
	m->rm_keys[i] = p;
	m->rm_ids[i] = id;
	m->rm_n++;
	return 0;
}

/* ---------------------------------------------------------- the text */

static bool
grow(struct wctx *c, size_t n)
{
	size_t cap;
	char *p;

	if (c->failed)
		return false;
	if (c->len + n < c->cap)
		return true;
	if (n > SIZE_MAX / 4 - c->len) {
		c->failed = true;
		return false;
	}
	for (cap = c->cap ? c->cap : 1024; cap <= c->len + n; cap *= 2)
		;
	if ((p = realloc(c->b, cap)) == NULL) {
		c->failed = true;
		return false;
	}
	c->b = p;
	c->cap = cap;
	return true;
}

static void
put(struct wctx *c, const char *s, size_t n)
{
	if (!grow(c, n))
		return;
	memcpy(c->b + c->len, s, n);
	c->len += n;
	c->b[c->len] = '\0';
}

static void
puts_(struct wctx *c, const char *s)
{
	put(c, s, strlen(s));
}

/* the start tag's '>', before its content */
static void
content(struct wctx *c)
{
	if (c->open) {
		put(c, ">", 1);
		c->open = false;
	}
}

/*
 * XML's escaping of s (UTF-8), as libxml2's writer did it: in text (the
 * predefined entities and CR: xmlEncodeSpecialChars) or in an attribute
 * (also TAB and LF, and characters outside ASCII as references:
 * xmlBufAttrSerializeTxtContent without a document)
 */
static void
xml_escaped(struct wctx *c, const char *s, size_t len, bool in_attr)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0;
	char ref[16];

	while (i < len) {
		const char *e = NULL;
		unsigned char ch = u[i];
		size_t used = 1;

		switch (ch) {
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '&': e = "&amp;"; break;
		case '"': e = "&quot;"; break;
		case '\r': e = "&#13;"; break;
		case '\n': e = in_attr ? "&#10;" : NULL; break;
		case '\t': e = in_attr ? "&#9;" : NULL; break;
		default:
			if (in_attr && ch >= 0x80) {
				unsigned long cp;
				size_t need = ch >= 0xF0 ? 4 : ch >= 0xE0 ? 3 : 2;

				if (i + need > len) {
					c->failed = true;
					return;
				}
				cp = ch & (need == 4 ? 0x07 : need == 3 ? 0x0F :
				    0x1F);
				for (size_t k = 1; k < need; k++)
					cp = cp << 6 | (u[i + k] & 0x3F);
				snprintf(ref, sizeof(ref), "&#x%lX;", cp);
				e = ref;
				used = need;
			}
			break;
		}
		if (e == NULL) {
			i++;
			run++;
			continue;
		}
		put(c, s + i - run, run);
		run = 0;
		puts_(c, e);
		i += used;
	}
	put(c, s + i - run, run);
}

/* needs neither PowerShell's escaping nor XML's */
static bool
plain(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch > 0x7E || ch == '<' || ch == '>' ||
		    ch == '&' || ch == '"' || (ch == '_' && i + 1 < len &&
		    (s[i + 1] == 'x' || s[i + 1] == 'X')))
			return false;
	}
	return true;
}

/* s escaped for CLIXML (clixml_escape), then for XML */
static void
escaped(struct wctx *c, const char *s, size_t len, bool in_attr)
{
	size_t elen;
	char *e;

	if (plain(s, len)) {
		put(c, s, len);
		return;
	}
	if ((e = clixml_escape(s, len, &elen)) == NULL) {
		c->failed = true;
		return;
	}
	xml_escaped(c, e, elen, in_attr);
	free(e);
}

static void
attr_int(struct wctx *c, const char *name, int v)
{
	char buf[48];

	snprintf(buf, sizeof(buf), " %s=\"%d\"", name, v);
	puts_(c, buf);
}

static void
text(struct wctx *c, const char *s, size_t len)
{
	content(c);
	escaped(c, s, len, false);
}

static void
start(struct wctx *c, const char *elem, const char *name)
{
	content(c);
	put(c, "<", 1);
	puts_(c, elem);
	c->open = true;
	if (name != NULL) {
		puts_(c, " N=\"");
		escaped(c, name, strlen(name), true);
		put(c, "\"", 1);
	}
}

/* "/>" when the element has no content yet */
static void
end(struct wctx *c, const char *elem)
{
	if (c->open) {
		puts_(c, "/>");
		c->open = false;
		return;
	}
	put(c, "</", 2);
	puts_(c, elem);
	put(c, ">", 1);
}

/* always an end tag (text elements, empty ones too) */
static void
full_end(struct wctx *c, const char *elem)
{
	content(c);
	end(c, elem);
}

/* an element whose content is plain text (numbers, GUIDs...) */
static void
simple(struct wctx *c, const char *elem, const char *name, const char *s)
{
	start(c, elem, name);
	content(c);
	puts_(c, s);
	end(c, elem);
}

/* base64 as libxml2's writer made it: CRLF before each 73rd character */
static void
base64(struct wctx *c, const unsigned char *d, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t line = 0;

	content(c);
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)d[i] << 16 | (i + 1 < len ?
		    (unsigned)d[i + 1] << 8 : 0) | (i + 2 < len ? d[i + 2] : 0);
		char o[4] = { tab[v >> 18], tab[(v >> 12) & 63],
		    i + 1 < len ? tab[(v >> 6) & 63] : '=',
		    i + 2 < len ? tab[v & 63] : '=' };

		if (line >= 72) {
			put(c, "\r\n", 2);
			line = 0;
		}
		put(c, o, 4);
		line += 4;
	}
}

static void
format_double(char *buf, size_t size, double d, bool single)
{
	int prec;

	if (isnan(d)) {
		snprintf(buf, size, "NaN");
		return;
	}
	if (isinf(d)) {
		snprintf(buf, size, d < 0 ? "-INF" : "INF");
		return;
	}
	/* the shortest text that reads back as the same value */
	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, size, "%.*g", prec, d);
		if (single ? (float)strtod(buf, NULL) == (float)d :
		    strtod(buf, NULL) == d)
			break;
	}
	if (prec == 17)
		snprintf(buf, size, "%.17g", d);
	for (char *p = buf; *p != '\0'; p++)
		if (*p == 'e')
			*p = 'E';
}

static const char *
text_elem(enum clixml_type t)
{
	switch (t) {
	case CLIXML_DECIMAL: return "D";
	case CLIXML_STRING: return "S";
	case CLIXML_DATETIME: return "DT";
	case CLIXML_DURATION: return "TS";
	case CLIXML_VERSION: return "Version";
	case CLIXML_URI: return "URI";
	case CLIXML_XMLDOC: return "XD";
	case CLIXML_SCRIPTBLOCK: return "SBK";
	case CLIXML_SECURESTRING: return "SS";
	default: return NULL;
	}
}

static void write_value(struct wctx *, const struct clixml_value *,
		    const char *, size_t);

static bool
types_equal(const struct clixml_types *a, const struct clixml_types *b)
{
	if (a == b)
		return true;
	if (a->t_n != b->t_n)
		return false;
	for (size_t i = 0; i < a->t_n; i++)
		if (strcmp(a->t_names[i], b->t_names[i]) != 0)
			return false;
	return true;
}

static uint64_t
types_hash(const struct clixml_types *t)
{
	uint64_t h = 0xcbf29ce484222325ULL;		/* FNV-1a */

	for (size_t i = 0; i < t->t_n; i++)
		for (const char *p = t->t_names[i];; p++) {
			h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
			if (*p == '\0')
				break;
		}
	return h;
}

/* the RefId of a list equal to t already written, or -1 */
static long
types_find(const struct wctx *c, const struct clixml_types *t, uint64_t h)
{
	if (c->captnh == 0)
		return -1;
	for (size_t i = h & (c->captnh - 1); c->tnh[i] != 0;
	    i = (i + 1) & (c->captnh - 1))
		if (types_equal(c->tn[c->tnh[i] - 1], t))
			return (long)(c->tnh[i] - 1);
	return -1;
}

static int
types_add(struct wctx *c, const struct clixml_types *t)
{
	if (c->ntn == c->captn) {
		size_t cap = c->captn ? c->captn * 2 : 8;
		const struct clixml_types **p = realloc(c->tn, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		c->tn = p;
		c->captn = cap;
	}
	c->tn[c->ntn++] = t;
	/* the index is rebuilt at twice the lists' number */
	if (c->ntn * 2 > c->captnh) {
		size_t cap = c->captnh ? c->captnh * 2 : 16, *p;

		while (cap < c->ntn * 2)
			cap *= 2;
		if ((p = calloc(cap, sizeof(*p))) == NULL)
			return -1;
		free(c->tnh);
		c->tnh = p;
		c->captnh = cap;
		for (size_t k = 0; k < c->ntn; k++) {
			size_t i = types_hash(c->tn[k]) & (cap - 1);

			while (p[i] != 0)
				i = (i + 1) & (cap - 1);
			p[i] = k + 1;
		}
	} else {
		size_t i = types_hash(t) & (c->captnh - 1);

		while (c->tnh[i] != 0)
			i = (i + 1) & (c->captnh - 1);
		c->tnh[i] = c->ntn;
	}
	return 0;
}

static void
write_types(struct wctx *c, const struct clixml_types *t)
{
	long id = types_find(c, t, types_hash(t));

	if (id >= 0) {
		start(c, "TNRef", NULL);
		attr_int(c, "RefId", (int)id);
		end(c, "TNRef");
		return;
	}
	if (types_add(c, t) < 0) {
		c->failed = true;
		return;
	}
	start(c, "TN", NULL);
	attr_int(c, "RefId", (int)c->ntn - 1);
	for (size_t i = 0; i < t->t_n; i++) {
		start(c, "T", NULL);
		text(c, t->t_names[i], strlen(t->t_names[i]));
		end(c, "T");
	}
	end(c, "TN");
}

static void
write_props(struct wctx *c, const char *elem, const struct clixml_prop *p,
    size_t n, size_t depth)
{
	start(c, elem, NULL);
	for (size_t i = 0; i < n; i++)
		write_value(c, p[i].p_value, p[i].p_name, depth + 1);
	end(c, elem);
}

static void
write_obj(struct wctx *c, const struct clixml_value *v, const char *name,
    size_t depth)
{
	static const char *const coll[] = {
		[CLIXML_COLL_LST] = "LST", [CLIXML_COLL_IE] = "IE",
		[CLIXML_COLL_STK] = "STK", [CLIXML_COLL_QUE] = "QUE",
		[CLIXML_COLL_DCT] = "DCT",
	};
	const struct clixml_obj *o = &v->v.obj;
	int id = refmap_find(&c->objs, v);

	if (o->o_failed) {
		c->failed = true;
		return;
	}
	if (id >= 0) {
		start(c, "Ref", name);
		attr_int(c, "RefId", id);
		end(c, "Ref");
		return;
	}
	id = c->next_obj++;
	if (refmap_put(&c->objs, v, id) < 0) {
		c->failed = true;
		return;
	}
	start(c, "Obj", name);
	attr_int(c, "RefId", id);
	if (o->o_types != NULL)
		write_types(c, o->o_types);
	if (o->o_tostring != NULL) {
		start(c, "ToString", NULL);
		text(c, o->o_tostring, strlen(o->o_tostring));
		end(c, "ToString");
	}
	if (o->o_base != NULL)
		write_value(c, o->o_base, NULL, depth + 1);
	if (o->o_coll != CLIXML_COLL_NONE) {
		start(c, coll[o->o_coll], NULL);
		if (o->o_coll == CLIXML_COLL_DCT)
			for (size_t i = 0; i + 1 < o->o_nitems; i += 2) {
				start(c, "En", NULL);
				write_value(c, o->o_items[i], "Key", depth + 2);
				write_value(c, o->o_items[i + 1], "Value",
				    depth + 2);
				end(c, "En");
			}
		else
			for (size_t i = 0; i < o->o_nitems; i++)
				write_value(c, o->o_items[i], NULL, depth + 1);
		end(c, coll[o->o_coll]);
	}
	if (o->o_nprops > 0)
		write_props(c, "Props", o->o_props, o->o_nprops, depth);
	if (o->o_nms > 0)
		write_props(c, "MS", o->o_ms, o->o_nms, depth);
	end(c, "Obj");
}

static void
write_value(struct wctx *c, const struct clixml_value *v, const char *name,
    size_t depth)
{
	char buf[64];
	const char *elem;

	if (c->failed)
		return;
	/* a tree built by hand could nest without end; the reader's is bounded */
	if (depth > 1000) {
		c->failed = true;
		return;
	}
	if (v == NULL) {
		start(c, "Nil", name);
		end(c, "Nil");
		return;
	}
	switch (v->v_type) {
	case CLIXML_NIL:
		start(c, "Nil", name);
		end(c, "Nil");
		break;
	case CLIXML_BOOL:
		simple(c, "B", name, v->v.b ? "true" : "false");
		break;
	case CLIXML_CHAR:
	case CLIXML_U8:
	case CLIXML_U16:
	case CLIXML_U32:
	case CLIXML_U64:
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v->v.u);
		elem = v->v_type == CLIXML_CHAR ? "C" : v->v_type == CLIXML_U8 ?
		    "By" : v->v_type == CLIXML_U16 ? "U16" :
		    v->v_type == CLIXML_U32 ? "U32" : "U64";
		simple(c, elem, name, buf);
		break;
	case CLIXML_I8:
	case CLIXML_I16:
	case CLIXML_I32:
	case CLIXML_I64:
		snprintf(buf, sizeof(buf), "%lld", (long long)v->v.i);
		elem = v->v_type == CLIXML_I8 ? "SB" : v->v_type == CLIXML_I16 ?
		    "I16" : v->v_type == CLIXML_I32 ? "I32" : "I64";
		simple(c, elem, name, buf);
		break;
	case CLIXML_FLOAT:
	case CLIXML_DOUBLE:
		format_double(buf, sizeof(buf), v->v.d,
		    v->v_type == CLIXML_FLOAT);
		simple(c, v->v_type == CLIXML_FLOAT ? "Sg" : "Db", name, buf);
		break;
	case CLIXML_GUID:
		snprintf(buf, sizeof(buf), "%02x%02x%02x%02x-%02x%02x-%02x%02x-"
		    "%02x%02x-%02x%02x%02x%02x%02x%02x", v->v.guid[0],
		    v->v.guid[1], v->v.guid[2], v->v.guid[3], v->v.guid[4],
		    v->v.guid[5], v->v.guid[6], v->v.guid[7], v->v.guid[8],
		    v->v.guid[9], v->v.guid[10], v->v.guid[11], v->v.guid[12],
		    v->v.guid[13], v->v.guid[14], v->v.guid[15]);
		simple(c, "G", name, buf);
		break;
	case CLIXML_BYTES:
		start(c, "BA", name);
		if (v->v.str.len > INT32_MAX)
			c->failed = true;
		else if (v->v.str.len > 0)
			base64(c, (const unsigned char *)v->v.str.s,
			    v->v.str.len);
		full_end(c, "BA");
		break;
	case CLIXML_OBJECT:
		write_obj(c, v, name, depth);
		break;
	default:
		if ((elem = text_elem(v->v_type)) == NULL) {
			c->failed = true;
			break;
		}
		start(c, elem, name);
		/* every text type is escaped as S is */
		text(c, v->v.str.s, v->v.str.len);
		full_end(c, elem);
		break;
	}
}

char *
clixml_write(const struct clixml_value *v, size_t *ret_len)
{
	struct wctx c = { 0 };
	char *out = NULL;

	if (grow(&c, 4096)) {
		c.b[0] = '\0';
		write_value(&c, v, NULL, 0);
	}
	if (!c.failed) {
		out = c.b;
		c.b = NULL;
		if (ret_len != NULL)
			*ret_len = c.len;
	}
	free(c.b);
	free(c.objs.rm_keys);
	free(c.objs.rm_ids);
	free(c.tn);
	free(c.tnh);
	return out;
}
