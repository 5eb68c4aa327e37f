/*
 * fuzz_memo.c: the reply memo (daemon/reply_memo.c) never answers a body
 * with an answer learnt for a different message.
 *
 * Every input that parses as a WS-Man message with a MessageID is learnt,
 * with an answer that carries a digest of everything a plugin could read
 * of the message but its MessageID (headers, selectors, options, timeout,
 * envelope limit, the Body).  Then the input itself, and the input with
 * its MessageID's text replaced by another, are offered to the memo; when
 * the memo answers one, that body must parse, its digest must be the one
 * in the answer, and the answer's RelatesTo must be its MessageID.
 *
 * Such inputs are also learnt twice as parsed requests (the second time
 * keeps them); when the parse memo gives a parse for the input or for the
 * input with another MessageID, its digest must be that of the body's own
 * parse and its MessageID the body's.
 *
 * Identify bodies are learnt as known Identify bodies (as http.c does);
 * the memo must never take a body for an Identify that does not parse as
 * one, and must know a small one it has just learnt.
 */
#include "build.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "auth.h"
#include "reply_memo.h"
#include "soap.h"
#include "winrmd.h"
#include "wsman.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct winrmd *W;
static struct winrmd w;
static struct principal *who;
static const struct wsman_limits lim = {
	.max_envelope = 512000, .max_timeout_ms = 60000,
};

static void
fnv(uint64_t *h, const char *s)
{
	if (s == NULL) {
		*h = (*h ^ 0xff) * 0x100000001b3ULL;
		return;
	}
	for (; *s != '\0'; s++)
		*h = (*h ^ (unsigned char)*s) * 0x100000001b3ULL;
	*h = (*h ^ 0xfe) * 0x100000001b3ULL;
}

/* what a plugin could read of m, its MessageID aside */
static uint64_t
digest(const struct wsman_msg *m)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	char num[64];

	fnv(&h, m->action);
	fnv(&h, m->to);
	fnv(&h, m->resource_uri);
	fnv(&h, m->locale);
	fnv(&h, m->data_locale);
	fnv(&h, m->session_id);
	for (size_t i = 0; i < m->nselectors; i++) {
		fnv(&h, m->selectors[i].name);
		fnv(&h, m->selectors[i].value);
	}
	for (size_t i = 0; i < m->noptions; i++) {
		fnv(&h, m->options[i].name);
		fnv(&h, m->options[i].value);
		fnv(&h, m->options[i].must_comply ? "1" : "0");
	}
	snprintf(num, sizeof(num), "%llu %zu",
	    (unsigned long long)m->timeout_ms, m->max_envelope);
	fnv(&h, num);
	if (m->body != NULL) {
		xmlBufferPtr b = xmlBufferCreate();

		if (b == NULL)
			abort();
		xmlNodeDump(b, m->doc, m->body, 0, 0);
		fnv(&h, (const char *)xmlBufferContent(b));
		xmlBufferFree(b);
	} else
		fnv(&h, NULL);
	return h;
}

/* parses body; true with *ret_digest and the MessageID copied to id */
static bool
parse(const char *body, size_t len, uint64_t *ret_digest, char *id,
    size_t idlen)
{
	struct wsman_msg m = { 0 };
	struct fault f = { 0 };
	struct arena *a = arena_new();
	xmlDocPtr doc = NULL;
	bool ok = false;

	if (a != NULL && (doc = soap_parse(body, len, &f)) != NULL &&
	    wsman_envelope(&m, doc, &f) == 0 && !m.identify &&
	    wsman_read_headers(&m, a, &lim, &f) == 0 &&
	    m.message_id != NULL && strlen(m.message_id) < idlen) {
		*ret_digest = digest(&m);
		strcpy(id, m.message_id);
		ok = true;
	}
	xmlFreeDoc(doc);
	arena_free(a);
	return ok;
}

/* whether body parses as a WS-Man Identify */
static bool
is_identify(const char *body, size_t len)
{
	struct wsman_msg m = { 0 };
	struct fault f = { 0 };
	xmlDocPtr doc = soap_parse(body, len, &f);
	bool yes = doc != NULL && wsman_envelope(&m, doc, &f) == 0 &&
	    m.identify;

	xmlFreeDoc(doc);
	return yes;
}

/* the Identify bodies the memo knows are Identify bodies, and only those */
static void
check_identify(const char *body, size_t len)
{
	bool ident = is_identify(body, len);

	if (reply_memo_identify_known(body, len) && !ident) {
		fprintf(stderr, "the memo took a body for an Identify\n");
		abort();
	}
	if (!ident)
		return;
	reply_memo_identify_learn(body, len);
	if (len <= 1024 && !reply_memo_identify_known(body, len)) {
		fprintf(stderr, "the memo forgot an Identify just learnt\n");
		abort();
	}
}

/* the text of the first <a:name> of an answer */
static const char *
text_of(const char *answer, const char *name, char *buf, size_t len)
{
	char open[32];
	const char *p, *e;

	snprintf(open, sizeof(open), "<a:%s>", name);
	if ((p = strstr(answer, open)) == NULL)
		return NULL;
	p += strlen(open);
	if ((e = strchr(p, '<')) == NULL || (size_t)(e - p) >= len)
		return NULL;
	memcpy(buf, p, (size_t)(e - p));
	buf[e - p] = '\0';
	return buf;
}

static void
check(const char *body, size_t len)
{
	struct memo_answer ma;
	uint64_t d;
	char id[4096], rel[4096], mark[64], want[64];

	if (!reply_memo_answer(body, len, who, &ma))
		return;
	if (!parse(body, len, &d, id, sizeof(id))) {
		fprintf(stderr, "the memo answered a body that does not parse\n");
		abort();
	}
	snprintf(want, sizeof(want), "digest-%016llx", (unsigned long long)d);
	if (text_of(ma.text, "RelatesTo", rel, sizeof(rel)) == NULL ||
	    strcmp(rel, id) != 0) {
		fprintf(stderr, "RelatesTo is not the MessageID %s\n", id);
		abort();
	}
	if (text_of(ma.text, "Mark", mark, sizeof(mark)) == NULL ||
	    strcmp(mark, want) != 0) {
		fprintf(stderr, "answered with %s for a message of %s\n",
		    mark, want);
		abort();
	}
	free(ma.text);
}

/* a kept parse of body, if any, is body's parse */
static void
check_parsed(const char *body, size_t len)
{
	struct wsman_msg m = { 0 };
	struct arena *a = arena_new();
	struct memo_parsed *mp;
	uint64_t d;
	char id[4096];

	if (a == NULL)
		abort();
	if ((mp = reply_memo_parsed(body, len, a, &m)) != NULL) {
		if (!parse(body, len, &d, id, sizeof(id))) {
			fprintf(stderr, "a kept parse for a body that does not "
			    "parse\n");
			abort();
		}
		if (digest(&m) != d || strcmp(m.message_id, id) != 0) {
			fprintf(stderr, "a kept parse of another message (%s, "
			    "MessageID %s)\n", m.message_id, id);
			abort();
		}
		reply_memo_parsed_release(mp);
	}
	arena_free(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	char id[4096], *text, *other, mark[64];
	const char *at;
	xmlNodePtr rb;
	xmlDocPtr reply;
	size_t tlen, idlen;
	uint64_t d;

	if (W == NULL) {
		struct auth_policy pol = { .permit_root = true };
		char why[160];

		soap_init();
		W = &w;
		w.cfg_gen = 1;
		if (principal_lookup("root", "Basic", &pol, &who, why,
		    sizeof(why)) != 0) {
			fprintf(stderr, "fuzz_memo: %s\n", why);
			exit(1);
		}
	}
	check_identify(body, size);
	if (!parse(body, size, &d, id, sizeof(id)))
		return 0;
	/* learn it, with an answer that says what it was learnt for */
	snprintf(mark, sizeof(mark), "digest-%016llx", (unsigned long long)d);
	if ((reply = soap_reply_new("urn:fuzz/Response", id, &rb)) == NULL)
		abort();
	xmlNewTextChild(rb, xmlSearchNs(reply, rb, BAD_CAST "a"),
	    BAD_CAST "Mark", BAD_CAST mark);
	text = soap_serialize(reply, &tlen);
	xmlFreeDoc(reply);
	if (text == NULL)
		abort();
	reply_memo_learn(body, size, id, who, text, tlen, "urn:fuzz",
	    "urn:fuzz/resource", &lim);
	free(text);

	/* seen twice: kept parsed */
	reply_memo_parsed_learn(body, size, id, &lim);
	reply_memo_parsed_learn(body, size, id, &lim);

	check(body, size);
	check_parsed(body, size);
	/* the same body with another MessageID text where the id stands */
	idlen = strlen(id);
	if (idlen > 0 && (at = memmem(body, size, id, idlen)) != NULL &&
	    (other = malloc(size + 32)) != NULL) {
		size_t pre = (size_t)(at - body), n;

		memcpy(other, body, pre);
		memcpy(other + pre, "uuid:other-7", 12);
		memcpy(other + pre + 12, at + idlen, size - pre - idlen);
		n = size - idlen + 12;
		check(other, n);
		check_parsed(other, n);
		free(other);
	}
	return 0;
}
