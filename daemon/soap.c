/*
 * soap.c: parsing and building of SOAP envelopes.  Knows XML, not WS-Man
 * semantics (wsman.c) and not plugins (dispatch.c).
 */
#include "build.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/catalog.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlsave.h>
#include <openssl/rand.h>
#include <uuid/uuid.h>

#include "soap.h"

/* the thread's parser context, reused from request to request */
static __thread xmlParserCtxtPtr parser;
/* the start tag of every reply's envelope, as libxml2 writes it */
static __thread char *env_start;
static __thread size_t start_len;
/*
 * Reply envelopes kept for the next replies (soap_reply_free): on the
 * thread that called soap_init() (the loop) only, which frees them.
 */
#define REPLIES_KEPT	8
static __thread bool keeps_replies;
static __thread xmlDocPtr kept[REPLIES_KEPT];
static __thread size_t nkept;

static void
quiet_errors(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static xmlParserInputPtr
no_external_entities(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

void
soap_init(void)
{
	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, quiet_errors);
	xmlSetExternalEntityLoader(no_external_entities);
	xmlCatalogSetDefaults(XML_CATA_ALLOW_NONE);
	keeps_replies = true;
}

void
soap_cleanup(void)
{
	if (parser != NULL)
		xmlFreeParserCtxt(parser);
	parser = NULL;
	free(env_start);
	env_start = NULL;
	while (nkept > 0)
		xmlFreeDoc(kept[--nkept]);
	keeps_replies = false;
	xmlCleanupParser();
}

/* set by the SAX callbacks below while this thread parses */
static __thread bool doctype_seen;

/* SOAP 1.2 forbids a DTD: stop the parser at the first sight of one. */
static void
reject_subset(void *ctx, const xmlChar *name, const xmlChar *ext_id,
    const xmlChar *sys_id)
{
	(void)name;
	(void)ext_id;
	(void)sys_id;
	doctype_seen = true;
	xmlStopParser(ctx);
}

static void
reject_entity(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
    const xmlChar *system_id, xmlChar *content)
{
	(void)name;
	(void)type;
	(void)public_id;
	(void)system_id;
	(void)content;
	reject_subset(ctx, NULL, NULL, NULL);
}

/* Depth, element count and attribute count caps, checked on the tree. */
static bool
within_limits(xmlNodePtr root)
{
	xmlNodePtr n = root;
	size_t nodes = 0;
	int depth = 1;

	while (n != NULL) {
		if (n->type == XML_ELEMENT_NODE) {
			int attrs = 0;

			if (++nodes > SOAP_MAX_NODES || depth > SOAP_MAX_DEPTH)
				return false;
			for (xmlAttrPtr a = n->properties; a != NULL; a = a->next)
				if (++attrs > SOAP_MAX_ATTRS)
					return false;
			if (n->children != NULL) {
				n = n->children;
				depth++;
				continue;
			}
		} else if (n->type != XML_TEXT_NODE &&
		    n->type != XML_COMMENT_NODE && n->type != XML_PI_NODE)
			return false;	/* entity references, DTD nodes, ... */
		while (n != root && n->next == NULL) {
			n = n->parent;
			depth--;
		}
		if (n == root)
			break;
		n = n->next;
	}
	return true;
}

/*
 * libxml2 before 2.12 compares each attribute (and each namespace
 * declaration) of a start tag with all the previous ones while parsing it:
 * 100,000 attributes in 700 KB cost about 100 s of CPU, long before the
 * tree exists for within_limits().  So the raw text is scanned first: from
 * each '<' to the next '>' or '<', quoted values skipped (they end at '<'
 * too, as libxml2's do), every '=' counts.  A well-formed tag has one '='
 * per attribute or declaration; malformed text can only count more.
 * Comments, CDATA sections and processing instructions are skipped.
 */
#define SOAP_MAX_TAG_EQUALS	(4 * SOAP_MAX_ATTRS)

static bool
tags_within_limits(const char *buf, size_t len)
{
	static const struct { const char *open, *close; } skip[] = {
		{ "<!--", "-->" }, { "<![CDATA[", "]]>" }, { "<?", "?>" },
	};
	const char *p = buf, *end = buf + len;

	while (p < end && (p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		const char *q = NULL;
		int equals = 0;

		for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++) {
			size_t ol = strlen(skip[i].open);

			if ((size_t)(end - p) >= ol &&
			    memcmp(p, skip[i].open, ol) == 0) {
				q = memmem(p + ol, (size_t)(end - p) - ol,
				    skip[i].close, strlen(skip[i].close));
				break;
			}
		}
		if (q != NULL) {
			p = q;
			continue;
		}
		/* a tag, or an unterminated comment, CDATA or PI */
		for (p++; p < end && *p != '>' && *p != '<'; p++) {
			if (*p == '"' || *p == '\'') {
				char quote = *p;

				while (++p < end && *p != quote && *p != '<')
					;
				if (p == end || *p == '<')
					break;
			} else if (*p == '=' && ++equals > SOAP_MAX_TAG_EQUALS)
				return false;
		}
	}
	return true;
}

xmlDocPtr
soap_parse(const char *buf, size_t len, struct fault *f)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;

	if (len == 0 || len > (size_t)INT32_MAX) {
		fault_set(f, WINRMD_FAULT_INVALID_XML, NULL,
		    "The request has no SOAP envelope.");
		return NULL;
	}
	if (!tags_within_limits(buf, len)) {
		fault_set(f, WINRMD_FAULT_INVALID_XML, NULL,
		    "The request exceeds the limit of attributes per element "
		    "(%d).", SOAP_MAX_ATTRS);
		return NULL;
	}
	/* one context per thread, reused: its setup costs as much as a small
	 * request's parse */
	if ((ctxt = parser) == NULL && (ctxt = parser = xmlNewParserCtxt()) == NULL) {
		fault_set(f, WINRMD_FAULT_INTERNAL_ERROR, NULL, "out of memory");
		return NULL;
	}
	doctype_seen = false;
	ctxt->sax->internalSubset = reject_subset;
	ctxt->sax->externalSubset = reject_subset;
	ctxt->sax->entityDecl = reject_entity;
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	    XML_PARSE_NOCDATA);
	if (doc != NULL && (doctype_seen || !ctxt->wellFormed ||
	    !ctxt->nsWellFormed ||
	    doc->intSubset != NULL || doc->extSubset != NULL)) {
		xmlFreeDoc(doc);
		doc = NULL;
	}
	if (doc == NULL) {
		fault_set(f, WINRMD_FAULT_INVALID_XML, NULL, doctype_seen ?
		    "The request contains a document type declaration, which "
		    "SOAP does not allow." : NULL);
		return NULL;
	}
	if (xmlDocGetRootElement(doc) == NULL ||
	    !within_limits(xmlDocGetRootElement(doc))) {
		xmlFreeDoc(doc);
		fault_set(f, WINRMD_FAULT_INVALID_XML, NULL,
		    "The request exceeds the limits of depth (%d), elements "
		    "(%d) or attributes per element (%d).", SOAP_MAX_DEPTH,
		    SOAP_MAX_NODES, SOAP_MAX_ATTRS);
		return NULL;
	}
	return doc;
}

bool
soap_is(const xmlNode *n, const char *ns, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    n->ns->href != NULL && strcmp((const char *)n->name, name) == 0 &&
	    strcmp((const char *)n->ns->href, ns) == 0;
}

xmlNodePtr
soap_first_elem(xmlNodePtr n)
{
	while (n != NULL && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

xmlNodePtr
soap_next_elem(xmlNodePtr n)
{
	return n ? soap_first_elem(n->next) : NULL;
}

xmlNodePtr
soap_child(xmlNodePtr parent, const char *ns, const char *name)
{
	if (parent == NULL)
		return NULL;
	for (xmlNodePtr c = soap_first_elem(parent->children); c != NULL;
	    c = soap_next_elem(c))
		if (soap_is(c, ns, name))
			return c;
	return NULL;
}

/*
 * Random bytes for UUIDs from OpenSSL's per-thread DRBG (libuuid reseeds
 * random(3) with five system calls per UUID, a measurable share of a small
 * request), drawn 32 UUIDs at a time: each RAND_bytes() call has a fixed
 * cost larger than that of 16 bytes of output.  Per thread.
 */
#define UUID_POOL	(32 * sizeof(uuid_t))

static _Thread_local unsigned char uuid_pool[UUID_POOL];
static _Thread_local size_t uuid_left;

void
soap_new_message_id(char buf[48])
{
	uuid_t u;

	if (uuid_left == 0 && RAND_bytes(uuid_pool, UUID_POOL) == 1)
		uuid_left = UUID_POOL;
	if (uuid_left >= sizeof(u)) {
		uuid_left -= sizeof(u);
		memcpy(u, uuid_pool + uuid_left, sizeof(u));
		u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);	/* version 4 */
		u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);	/* RFC 4122 */
	} else
		uuid_generate_random(u);
	memcpy(buf, "uuid:", 5);
	uuid_unparse_upper(u, buf + 5);
}

/* the namespaces every envelope declares, after s */
static const struct { const char *prefix, *href; } decls[] = {
	{ "a", WINRMD_NS_WSA }, { "x", WINRMD_NS_WXF },
	{ "w", WINRMD_NS_WSMAN }, { "rsp", WINRMD_NS_SHELL },
	{ "p", WINRMD_NS_WSMV },
};
#define NDECLS	(sizeof(decls) / sizeof(decls[0]))

static xmlDocPtr
envelope_new(xmlNodePtr *ret_header, xmlNodePtr *ret_body)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr env;
	xmlNsPtr s;

	if (doc == NULL)
		return NULL;
	env = xmlNewDocNode(doc, NULL, BAD_CAST "Envelope", NULL);
	if (env == NULL)
		goto fail;
	xmlDocSetRootElement(doc, env);
	xmlNodeSetLang(env, BAD_CAST "en-US");
	s = xmlNewNs(env, BAD_CAST WINRMD_NS_SOAP, BAD_CAST "s");
	xmlSetNs(env, s);
	for (size_t i = 0; i < NDECLS; i++)
		xmlNewNs(env, BAD_CAST decls[i].href, BAD_CAST decls[i].prefix);
	*ret_header = xmlNewChild(env, s, BAD_CAST "Header", NULL);
	*ret_body = xmlNewChild(env, s, BAD_CAST "Body", NULL);
	if (*ret_header == NULL || *ret_body == NULL)
		goto fail;
	return doc;
fail:
	xmlFreeDoc(doc);
	return NULL;
}

/* a reply header's elements (a:), in their order; RelatesTo may be left out */
static const char *const header_names[] = {
	"Action", "MessageID", "To", "RelatesTo",
};
#define NHEADERS	(sizeof(header_names) / sizeof(header_names[0]))

static void
header_fill(xmlNodePtr header, const char *action, const char *relates_to)
{
	xmlNsPtr a = xmlSearchNsByHref(header->doc, header, BAD_CAST WINRMD_NS_WSA);
	const char *texts[NHEADERS] = { action, NULL, WSA_ANONYMOUS, relates_to };
	char id[48];

	soap_new_message_id(id);
	texts[1] = id;
	for (size_t i = 0; i < NHEADERS; i++)
		if (i < NHEADERS - 1 || (texts[i] != NULL && texts[i][0] != '\0'))
			xmlNewTextChild(header, a, BAD_CAST header_names[i],
			    BAD_CAST texts[i]);
}

/* the text of a header element header_fill() made (header_as_made) */
static bool
header_set(xmlNodePtr n, const char *text)
{
	xmlNodePtr t = n->children;

	if (strcmp((const char *)t->content, text) != 0)
		xmlNodeSetContent(t, BAD_CAST text);
	return t->content != NULL;
}

/*
 * A kept envelope (soap_reply_free) with its header's texts set again
 * as header_fill() writes them: true, or false if out of memory.
 */
static bool
header_refill(xmlNodePtr header, const char *action, const char *relates_to)
{
	xmlNodePtr n = header->children, rel;
	char id[48];

	soap_new_message_id(id);
	if (!header_set(n, action) || !header_set(n->next, id))
		return false;
	/* To is the same in every reply */
	rel = n->next->next->next;
	if (relates_to != NULL && relates_to[0] != '\0')
		return rel != NULL ? header_set(rel, relates_to) :
		    xmlNewTextChild(header, n->ns, BAD_CAST "RelatesTo",
		    BAD_CAST relates_to) != NULL;
	if (rel != NULL) {
		xmlUnlinkNode(rel);
		xmlFreeNode(rel);
	}
	return true;
}

xmlDocPtr
soap_reply_new(const char *action, const char *relates_to, xmlNodePtr *ret_body)
{
	xmlNodePtr header;
	xmlDocPtr doc;

	while (nkept > 0) {
		doc = kept[--nkept];
		header = xmlDocGetRootElement(doc)->children;
		if (header_refill(header, action, relates_to)) {
			*ret_body = header->next;
			return doc;
		}
		xmlFreeDoc(doc);
	}
	if ((doc = envelope_new(&header, ret_body)) != NULL)
		header_fill(header, action, relates_to);
	return doc;
}

xmlDocPtr
soap_reply_bare(xmlNodePtr *ret_body)
{
	xmlNodePtr header;

	return envelope_new(&header, ret_body);
}

xmlDocPtr
soap_fault_new(const struct fault *f, const char *relates_to,
    const char *machine)
{
	const struct fault_def *d = fault_lookup(f->code);
	xmlNodePtr header, body, fault, code, sub, reason, text, detail, wf;
	xmlDocPtr doc = envelope_new(&header, &body);
	xmlNsPtr s, fns;
	char value[96], num[16];

	if (doc == NULL)
		return NULL;
	header_fill(header, fault_action(f->code), relates_to);
	s = body->ns;
	fault = xmlNewChild(body, s, BAD_CAST "Fault", NULL);
	code = xmlNewChild(fault, s, BAD_CAST "Code", NULL);
	snprintf(value, sizeof(value), "s:%s", d->code);
	xmlNewTextChild(code, s, BAD_CAST "Value", BAD_CAST value);
	if (d->subcode != NULL) {
		const char *prefix = fault_ns_prefix(d->subcode_ns);

		if (xmlSearchNs(doc, code, BAD_CAST prefix) == NULL)
			xmlNewNs(code, BAD_CAST fault_ns_uri(d->subcode_ns),
			    BAD_CAST prefix);
		sub = xmlNewChild(code, s, BAD_CAST "Subcode", NULL);
		snprintf(value, sizeof(value), "%s:%s", prefix, d->subcode);
		xmlNewTextChild(sub, s, BAD_CAST "Value", BAD_CAST value);
	}
	reason = xmlNewChild(fault, s, BAD_CAST "Reason", NULL);
	text = xmlNewTextChild(reason, s, BAD_CAST "Text", BAD_CAST f->reason);
	xmlNodeSetLang(text, BAD_CAST "en-US");
	detail = xmlNewChild(fault, s, BAD_CAST "Detail", NULL);
	if (f->detail[0] != '\0') {
		char uri[160];

		snprintf(uri, sizeof(uri), "%s%s", FAULT_DETAIL_PREFIX, f->detail);
		xmlNewTextChild(detail, xmlSearchNsByHref(doc, detail,
		    BAD_CAST WINRMD_NS_WSMAN), BAD_CAST "FaultDetail",
		    BAD_CAST uri);
	}
	wf = xmlNewChild(detail, NULL, BAD_CAST "WSManFault", NULL);
	fns = xmlNewNs(wf, BAD_CAST FAULT_NS_WSMANFAULT, BAD_CAST "f");
	xmlSetNs(wf, fns);
	snprintf(num, sizeof(num), "%u", (unsigned)d->wsman_code);
	xmlNewProp(wf, BAD_CAST "Code", BAD_CAST num);
	xmlNewProp(wf, BAD_CAST "Machine", BAD_CAST(machine ? machine : "localhost"));
	xmlNewTextChild(wf, fns, BAD_CAST "Message", BAD_CAST f->reason);
	return doc;
}

/* does the word hold a byte below 0x20? (SWAR: no branch per byte) */
static inline bool
has_control(uint64_t w)
{
	return ((w - 0x2020202020202020ULL) & ~w & 0x8080808080808080ULL) != 0;
}

static void
scrub_text(xmlChar *p)
{
	size_t n = strlen((const char *)p), i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		if (!has_control(w))
			continue;
		for (size_t j = i; j < i + 8; j++)
			if (p[j] < 0x20 && p[j] != '\t' && p[j] != '\n' &&
			    p[j] != '\r')
				p[j] = '?';
	}
	for (; i < n; i++)
		if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
			p[i] = '?';
}

/*
 * Replaces C0 controls other than TAB, LF and CR in text and attributes.
 * "noenc" text nodes (plugins' base64) are left alone: they hold none.
 */
static void scrub_controls(xmlNodePtr n);

static void
scrub_node(xmlNodePtr n)
{
	if (n->type == XML_TEXT_NODE && n->content != NULL &&
	    n->name != xmlStringTextNoenc)
		scrub_text(n->content);
	if (n->type == XML_ELEMENT_NODE) {
		for (xmlAttrPtr a = n->properties; a != NULL; a = a->next)
			scrub_controls(a->children);
		scrub_controls(n->children);
	}
}

/* n and its following siblings */
static void
scrub_controls(xmlNodePtr n)
{
	for (; n != NULL; n = n->next)
		scrub_node(n);
}

/* most replies fit; bigger ones (Receive, Pull) are sized by text_size() */
#define SERIALIZE_INITIAL	8192
#define SAVE_OPTIONS		(XML_SAVE_NO_DECL | XML_SAVE_AS_XML)

/* a buffer that grows by doubling: the default exact scheme reallocates
 * per write */
static xmlBufferPtr
serialize_buffer(size_t size)
{
	xmlBufferPtr buf = xmlBufferCreateSize(size);

	if (buf != NULL)
		xmlBufferSetAllocationScheme(buf, XML_BUFFER_ALLOC_DOUBLEIT);
	return buf;
}

size_t
soap_freeze(xmlNodePtr n)
{
	xmlBufferPtr buf = serialize_buffer(1024);
	xmlSaveCtxtPtr save;
	xmlNodePtr text;
	size_t len = SIZE_MAX;

	if (buf == NULL)
		return SIZE_MAX;
	/* text a plugin wrote itself (cim's instances): already frozen */
	if (n->type == XML_TEXT_NODE && n->name == xmlStringTextNoenc &&
	    n->content != NULL) {
		xmlBufferFree(buf);
		return strlen((const char *)n->content);
	}
	scrub_node(n);
	if ((save = xmlSaveToBuffer(buf, "UTF-8", SAVE_OPTIONS)) == NULL)
		goto out;
	if (xmlSaveTree(save, n) < 0) {
		xmlSaveClose(save);
		goto out;
	}
	if (xmlSaveClose(save) < 0 ||
	    (text = xmlNewDocText(n->doc, NULL)) == NULL)
		goto out;
	len = (size_t)xmlBufferLength(buf);
	/* the buffer's memory is xmlMalloc'd, as a text node's content */
	text->content = xmlBufferDetach(buf);
	text->name = xmlStringTextNoenc;	/* written as it is */
	xmlFreeNode(xmlReplaceNode(n, text));
out:
	xmlBufferFree(buf);
	return len;
}

/*
 * The text a tree holds (what is left of it once the big texts are set
 * aside): the buffer starts that big, so that it is not copied again and
 * again while it doubles.
 */
static size_t
text_size(xmlNodePtr n)
{
	size_t total = 0;

	for (; n != NULL; n = n->next) {
		if (n->type == XML_TEXT_NODE && n->content != NULL)
			total += (size_t)xmlStrlen(n->content);
		else if (n->type == XML_ELEMENT_NODE)
			total += text_size(n->children);
	}
	return total;
}

/*
 * A reply as soap_reply_new() made it with nothing added but frozen text
 * (soap_freeze(), cim's instances) in its Body is most answers to Get
 * and Pull: its text is libxml2's start tag of every envelope (written by
 * libxml2 once), then the header's texts and the body's frozen texts as
 * they are.  That is what xmlSaveDoc() writes for it only if the header's
 * texts need no escaping and no scrubbing, which is checked, as is every
 * node of the tree; anything else (NULL) is serialised by libxml2.
 */
#define PLAIN_HEADER_MAX	8

static const char *
envelope_start(size_t *ret_len)
{
	xmlNodePtr body;
	xmlDocPtr doc;
	size_t n = 0;
	char *text, *gt;

	if (env_start == NULL && (doc = soap_reply_bare(&body)) != NULL) {
		if ((text = soap_serialize(doc, &n)) != NULL &&
		    (gt = strchr(text, '>')) != NULL &&
		    strncmp(gt + 1, "<s:Header/>", 11) == 0) {
			start_len = (size_t)(gt + 1 - text);
			gt[1] = '\0';
			env_start = text;
		} else
			free(text);
		xmlFreeDoc(doc);
	}
	*ret_len = start_len;
	return env_start;
}

/* an element with nothing but its namespace (no attribute, declaration) */
static bool
bare_element(xmlNodePtr n, xmlNsPtr ns, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns == ns &&
	    n->properties == NULL && n->nsDef == NULL &&
	    (name == NULL || strcmp((const char *)n->name, name) == 0);
}

/* text libxml2 writes as it is: printable ASCII but for < > & */
static bool
plain_text(const xmlChar *t)
{
	for (; *t != '\0'; t++)
		if (*t < 0x20 || *t > 0x7e || *t == '<' || *t == '>' ||
		    *t == '&')
			return false;
	return true;
}

/* the envelope as envelope_new() declared it: s, the decls, xml:lang */
static bool
plain_envelope(xmlNodePtr env)
{
	xmlNsPtr ns = env->nsDef;
	xmlAttrPtr lang = env->properties;

	if (env->ns != ns || ns == NULL || ns->prefix == NULL ||
	    strcmp((const char *)ns->prefix, "s") != 0 ||
	    strcmp((const char *)ns->href, WINRMD_NS_SOAP) != 0 ||
	    strcmp((const char *)env->name, "Envelope") != 0)
		return false;
	for (size_t i = 0; i < NDECLS; i++) {
		if ((ns = ns->next) == NULL || ns->prefix == NULL ||
		    strcmp((const char *)ns->prefix, decls[i].prefix) != 0 ||
		    strcmp((const char *)ns->href, decls[i].href) != 0)
			return false;
	}
	return ns->next == NULL && lang != NULL && lang->next == NULL &&
	    lang->ns != NULL && lang->ns->prefix != NULL &&
	    strcmp((const char *)lang->ns->prefix, "xml") == 0 &&
	    strcmp((const char *)lang->name, "lang") == 0 &&
	    lang->children != NULL && lang->children->next == NULL &&
	    lang->children->type == XML_TEXT_NODE &&
	    xmlStrEqual(lang->children->content, BAD_CAST "en-US");
}

/*
 * doc is an envelope as envelope_new() made it, a Header and a Body in
 * it, each without attributes or declarations: true, with them, and
 * with the a: namespace
 */
static bool
plain_reply(xmlDocPtr doc, xmlNodePtr *ret_header, xmlNodePtr *ret_body,
    xmlNsPtr *ret_a)
{
	xmlNodePtr env = doc->children, header, body;

	if (env == NULL || env->type != XML_ELEMENT_NODE || env->next != NULL ||
	    !plain_envelope(env))
		return false;
	header = env->children;
	body = header != NULL ? header->next : NULL;
	if (!bare_element(header, env->ns, "Header") ||
	    !bare_element(body, env->ns, "Body") || body->next != NULL)
		return false;
	*ret_header = header;
	*ret_body = body;
	*ret_a = env->nsDef->next;	/* decls[0]: a */
	return true;
}

/* header's elements are header_fill()'s, each with its one text */
static bool
header_as_made(xmlNodePtr header, xmlNsPtr a)
{
	size_t k = 0;

	for (xmlNodePtr n = header->children; n != NULL; n = n->next, k++) {
		xmlNodePtr t = n->children;

		if (k == NHEADERS || !bare_element(n, a, header_names[k]) ||
		    t == NULL || t->next != NULL || t->type != XML_TEXT_NODE ||
		    t->name == xmlStringTextNoenc || t->content == NULL)
			return false;
	}
	return k >= NHEADERS - 1;
}

/*
 * A reply whose envelope and header are as soap_reply_new() made them
 * is kept with its Body emptied, for the next reply: building the tree
 * (six namespace declarations, xml:lang, four header elements) and
 * freeing it was about a sixth of a Get of Win32_OperatingSystem.
 */
void
soap_reply_free(xmlDocPtr doc)
{
	xmlNodePtr header, body;
	xmlNsPtr a;

	if (doc == NULL)
		return;
	if (keeps_replies && nkept < REPLIES_KEPT &&
	    plain_reply(doc, &header, &body, &a) && header_as_made(header, a)) {
		xmlFreeNodeList(body->children);
		body->children = body->last = NULL;
		kept[nkept++] = doc;
		return;
	}
	xmlFreeDoc(doc);
}

#define PLAIN_TAIL	"</s:Body></s:Envelope>"

/*
 * A plain reply put together, not saved; head_only: up to and with
 * <s:Body>, the Body's texts and PLAIN_TAIL left to the caller
 */
static char *
serialize_plain(xmlDocPtr doc, size_t *ret_len, bool head_only)
{
	xmlNodePtr header, body, n;
	xmlNodePtr hdr[PLAIN_HEADER_MAX];
	size_t nhdr = 0, len, slen;
	const char *start;
	xmlNsPtr a;
	char *out, *w;

	/* (an empty header or body is libxml2's: so is envelope_start's) */
	if (!plain_reply(doc, &header, &body, &a) ||
	    header->children == NULL || body->children == NULL ||
	    (start = envelope_start(&slen)) == NULL)
		return NULL;
	len = slen + strlen("<s:Header></s:Header><s:Body>") +
	    (head_only ? 0 : strlen(PLAIN_TAIL));
	for (n = header->children; n != NULL; n = n->next) {
		xmlNodePtr t = n->children;

		if (nhdr == PLAIN_HEADER_MAX || !bare_element(n, a, NULL) ||
		    t == NULL || t->next != NULL || t->type != XML_TEXT_NODE ||
		    t->name == xmlStringTextNoenc || t->content == NULL ||
		    t->content[0] == '\0' || !plain_text(t->content))
			return NULL;
		hdr[nhdr++] = n;
		/* <a:name>text</a:name> */
		len += 2 * xmlStrlen(n->name) + 9 +
		    (size_t)xmlStrlen(t->content);
	}
	for (n = body->children; n != NULL; n = n->next) {
		if (n->type != XML_TEXT_NODE || n->name != xmlStringTextNoenc ||
		    n->content == NULL)
			return NULL;
		if (!head_only)
			len += (size_t)xmlStrlen(n->content);
	}
	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	w = out;
#define PUT(s, l)	do { memcpy(w, (s), (l)); w += (l); } while (0)
#define PUTS(s)		PUT((s), strlen((const char *)(s)))
	PUT(start, slen);
	PUTS("<s:Header>");
	for (size_t i = 0; i < nhdr; i++) {
		PUTS("<a:");
		PUTS(hdr[i]->name);
		PUTS(">");
		PUTS(hdr[i]->children->content);
		PUTS("</a:");
		PUTS(hdr[i]->name);
		PUTS(">");
	}
	PUTS("</s:Header><s:Body>");
	if (!head_only) {
		for (n = body->children; n != NULL; n = n->next)
			PUTS(n->content);
		PUTS(PLAIN_TAIL);
	}
#undef PUTS
#undef PUT
	*w = '\0';
	*ret_len = (size_t)(w - out);
	return out;
}

/* the document through xmlSave: malloc'd text without the last newline */
static char *
save_doc(xmlDocPtr doc, size_t *ret_len)
{
	xmlBufferPtr buf = serialize_buffer(SERIALIZE_INITIAL +
	    text_size(xmlDocGetRootElement(doc)));
	xmlSaveCtxtPtr save;
	char *out = NULL;

	if (buf == NULL)
		return NULL;
	save = xmlSaveToBuffer(buf, "UTF-8", SAVE_OPTIONS);
	if (save != NULL) {
		if (xmlSaveDoc(save, doc) >= 0 && xmlSaveClose(save) >= 0) {
			size_t len = (size_t)xmlBufferLength(buf);

			/* xmlSave adds a newline after the root element */
			while (len > 0 && xmlBufferContent(buf)[len - 1] == '\n')
				len--;
			/* the buffer's memory is xmlMalloc'd = malloc: keep it */
			if ((out = (char *)xmlBufferDetach(buf)) != NULL) {
				out[len] = '\0';
				*ret_len = len;
			}
		} else
			xmlSaveClose(save);
	}
	xmlBufferFree(buf);
	return out;
}

/*
 * Big "noenc" texts (a Receive's answer with its base64, a Pull's frozen
 * items) do not go through xmlSave, whose output encoder copies each byte
 * twice and which measures it twice more: the rest is saved with one
 * SPLICE_MARK byte in the place of each (C0 controls are scrubbed from
 * every other text), and the texts are copied into their places once.
 */
#define SPLICE_MIN	16384
#define SPLICE_MAX	32
#define SPLICE_MARK	'\x01'

struct splice {
	xmlNodePtr	 node;
	xmlChar		*content;
	size_t		 len;
};

static size_t
splice_collect(xmlNodePtr n, struct splice *v, size_t k)
{
	static const xmlChar mark[2] = { SPLICE_MARK, '\0' };

	for (; n != NULL && k < SPLICE_MAX; n = n->next) {
		size_t len;

		if (n->type == XML_ELEMENT_NODE)
			k = splice_collect(n->children, v, k);
		else if (n->type == XML_TEXT_NODE && n->content != NULL &&
		    n->name == xmlStringTextNoenc &&
		    (len = strlen((const char *)n->content)) >= SPLICE_MIN) {
			v[k] = (struct splice){ n, n->content, len };
			n->content = (xmlChar *)mark;	/* until put back */
			k++;
		}
	}
	return k;
}

/* the skeleton's marks replaced by the texts: malloc'd, or NULL */
static char *
splice_join(const char *skel, size_t skel_len, const struct splice *v,
    size_t k, size_t *ret_len)
{
	size_t total = skel_len - k, marks = 0;
	const char *p = skel, *m;
	char *out, *o;

	for (size_t i = 0; i < k; i++)
		total += v[i].len;
	for (m = skel; (m = memchr(m, SPLICE_MARK, skel_len -
	    (size_t)(m - skel))) != NULL; m++)
		marks++;
	if (marks != k || (out = malloc(total + 1)) == NULL)
		return NULL;	/* a small noenc text held the mark */
	o = out;
	for (size_t i = 0; i < k; i++) {
		m = memchr(p, SPLICE_MARK, skel_len - (size_t)(p - skel));
		memcpy(o, p, (size_t)(m - p));
		o += m - p;
		memcpy(o, v[i].content, v[i].len);
		o += v[i].len;
		p = m + 1;
	}
	memcpy(o, p, skel_len - (size_t)(p - skel));
	out[total] = '\0';
	*ret_len = total;
	return out;
}

char *
soap_serialize(xmlDocPtr doc, size_t *ret_len)
{
	struct splice v[SPLICE_MAX];
	size_t k, len = 0;
	char *skel, *out;

	/* a plain reply (cim's Get answers): put together, not saved */
	if ((out = serialize_plain(doc, ret_len, false)) != NULL)
		return out;
	scrub_controls(xmlDocGetRootElement(doc));
	k = splice_collect(xmlDocGetRootElement(doc), v, 0);
	skel = save_doc(doc, &len);
	for (size_t i = 0; i < k; i++)
		v[i].node->content = v[i].content;
	if (k == 0 || skel == NULL) {
		if (skel != NULL)
			*ret_len = len;
		return skel;
	}
	out = splice_join(skel, len, v, k, ret_len);
	free(skel);
	/* the mark was not only where the texts were: as it is, saved whole */
	return out != NULL ? out : save_doc(doc, ret_len);
}

bool
soap_serialize_text(xmlDocPtr doc, struct soap_text *t)
{
	xmlNodePtr header, body, big;
	size_t len;
	xmlNsPtr a;

	*t = (struct soap_text){ 0 };
	/* a plain reply whose Body is one big noenc text: taken, not copied */
	if (plain_reply(doc, &header, &body, &a) &&
	    (big = body->children) != NULL && big->next == NULL &&
	    big->type == XML_TEXT_NODE && big->name == xmlStringTextNoenc &&
	    big->content != NULL &&
	    (len = strlen((const char *)big->content)) >= SPLICE_MIN &&
	    (t->head = serialize_plain(doc, &t->head_len, true)) != NULL) {
		t->body = (char *)big->content;
		t->body_len = len;
		big->content = NULL;
		t->tail = PLAIN_TAIL;
		t->tail_len = strlen(PLAIN_TAIL);
		return true;
	}
	return (t->head = soap_serialize(doc, &t->head_len)) != NULL;
}

char *
soap_text_join(struct soap_text *t, size_t *ret_len)
{
	size_t len = soap_text_len(t);
	char *out;

	if (t->body == NULL) {
		out = t->head;
		*ret_len = t->head_len;
		*t = (struct soap_text){ 0 };
		return out;
	}
	if ((out = malloc(len + 1)) != NULL) {
		memcpy(out, t->head, t->head_len);
		memcpy(out + t->head_len, t->body, t->body_len);
		memcpy(out + t->head_len + t->body_len, t->tail, t->tail_len);
		out[len] = '\0';
		*ret_len = len;
	}
	soap_text_free(t);
	return out;
}

void
soap_text_free(struct soap_text *t)
{
	free(t->head);
	free(t->body);
	*t = (struct soap_text){ 0 };
}
