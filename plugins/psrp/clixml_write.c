/*
 * clixml_write.c: a CLIXML value tree to text (MS-PSRP 2.2.5), through
 * libxml2's xmlTextWriter, which escapes what XML needs; PowerShell's own
 * _xHHHH_ escaping comes first (clixml_escape).  Objects are numbered
 * with RefIds from 0 in document order and a second occurrence is a
 * <Ref>; a type-name list already written is a <TNRef> (2.2.5.2.3).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "clixml.h"
#include "clixml_tree.h"

/* objects written: pointer -> RefId, open addressing */
struct refmap {
	const void	**rm_keys;
	int		 *rm_ids;
	size_t		  rm_cap, rm_n;
};

struct wctx {
	xmlTextWriterPtr		 w;
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

static void
check(struct wctx *c, int rc)
{
	if (rc < 0)
		c->failed = true;
}

static void
attr(struct wctx *c, const char *name, const char *value)
{
	check(c, xmlTextWriterWriteAttribute(c->w, (const xmlChar *)name,
	    (const xmlChar *)value));
}

static void
attr_int(struct wctx *c, const char *name, int v)
{
	check(c, xmlTextWriterWriteFormatAttribute(c->w, (const xmlChar *)name,
	    "%d", v));
}

/* text escaped for CLIXML, then by libxml2 for XML */
static void
text(struct wctx *c, const char *s, size_t len)
{
	char *e = clixml_escape(s, len, NULL);

	if (e == NULL) {
		c->failed = true;
		return;
	}
	check(c, xmlTextWriterWriteString(c->w, (const xmlChar *)e));
	free(e);
}

static void
start(struct wctx *c, const char *elem, const char *name)
{
	check(c, xmlTextWriterStartElement(c->w, (const xmlChar *)elem));
	if (name != NULL) {
		char *e = clixml_escape(name, strlen(name), NULL);

		if (e == NULL)
			c->failed = true;
		else
			attr(c, "N", e);
		free(e);
	}
}

static void
end(struct wctx *c)
{
	check(c, xmlTextWriterEndElement(c->w));
}

/* an element whose content is plain text (numbers, GUIDs...) */
static void
simple(struct wctx *c, const char *elem, const char *name, const char *s)
{
	start(c, elem, name);
	check(c, xmlTextWriterWriteString(c->w, (const xmlChar *)s));
	end(c);
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
		end(c);
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
		end(c);
	}
	end(c);
}

static void
write_props(struct wctx *c, const char *elem, const struct clixml_prop *p,
    size_t n, size_t depth)
{
	start(c, elem, NULL);
	for (size_t i = 0; i < n; i++)
		write_value(c, p[i].p_value, p[i].p_name, depth + 1);
	end(c);
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
		end(c);
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
		end(c);
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
				end(c);
			}
		else
			for (size_t i = 0; i < o->o_nitems; i++)
				write_value(c, o->o_items[i], NULL, depth + 1);
		end(c);
	}
	if (o->o_nprops > 0)
		write_props(c, "Props", o->o_props, o->o_nprops, depth);
	if (o->o_nms > 0)
		write_props(c, "MS", o->o_ms, o->o_nms, depth);
	end(c);
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
		end(c);
		return;
	}
	switch (v->v_type) {
	case CLIXML_NIL:
		start(c, "Nil", name);
		end(c);
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
			check(c, xmlTextWriterWriteBase64(c->w, v->v.str.s, 0,
			    (int)v->v.str.len));
		check(c, xmlTextWriterFullEndElement(c->w));
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
		check(c, xmlTextWriterFullEndElement(c->w));
		break;
	}
}

char *
clixml_write(const struct clixml_value *v, size_t *ret_len)
{
	struct wctx c = { 0 };
	xmlBufferPtr buf = xmlBufferCreate();
	char *out = NULL;

	if (buf == NULL || (c.w = xmlNewTextWriterMemory(buf, 0)) == NULL) {
		xmlBufferFree(buf);
		return NULL;
	}
	write_value(&c, v, NULL, 0);
	check(&c, xmlTextWriterFlush(c.w));
	xmlFreeTextWriter(c.w);
	if (!c.failed) {
		size_t len = (size_t)xmlBufferLength(buf);

		if ((out = malloc(len + 1)) != NULL) {
			memcpy(out, xmlBufferContent(buf), len);
			out[len] = '\0';
			if (ret_len != NULL)
				*ret_len = len;
		}
	}
	xmlBufferFree(buf);
	free(c.objs.rm_keys);
	free(c.objs.rm_ids);
	free(c.tn);
	free(c.tnh);
	return out;
}
