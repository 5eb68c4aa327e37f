/*
 * reply_memo.c: answers given again without parsing the request or calling
 * the plugin.
 *
 * Clients ask the same thing over and over (`winrm get winrm/config' from
 * a monitoring loop, Ansible's fact gathering) and, for an answer that
 * depends only on the question, the caller and the configuration, parsing
 * the request and building the answer is all the work.  When the plugin
 * says so (host->reply_reusable), the serialised answer is kept as a
 * template with two holes: the answer's own MessageID and its RelatesTo.
 * A later body from the same principal that is the same bytes but for the
 * text of its MessageID gets the template with a new MessageID and the
 * body's MessageID in RelatesTo.
 *
 * Why that is the same answer: what the parser makes of a body depends on
 * its bytes alone, and bodies that differ only in a run of characters from
 * [A-Za-z0-9:._-] (no markup, no entity, no white space) standing where the
 * MessageID's text stands parse to the same message but for the MessageID.
 * That the run is the MessageID's text, and nothing else, is checked when
 * the answer is learnt, by parsing the body again with another value there.
 *
 * The principal is part of the key (a reference is held, so the pointer
 * cannot be reused for another): an account's groups and its right to the
 * resource are its principal's.  A few entries, bounded in size, replaced
 * in turn.
 *
 * Identify carries no MessageID and its answers depend on the
 * configuration alone: both are kept whole once made (dispatch.c renders
 * them, http.c makes its MHD responses of them and keeps those here too).
 * Monitoring probes and load balancers send the same Identify over and
 * over, and parsing it is most of what answering it costs: a body equal
 * to one that parsed as an Identify is one without being parsed again.
 *
 * Requests asked again and again whose answers cannot be kept (a Get of
 * Win32_OperatingSystem, whose values change) still need not be parsed
 * again: what soap_parse(), wsman_envelope() and wsman_read_headers() make
 * of a body depends on its bytes alone (and the configuration), so a body
 * that is the same bytes as one parsed before but for its MessageID's
 * text gets that parse (its document shared and read only, its headers as
 * read then) with its own MessageID.  A body shape is kept once it came
 * twice (the first sighting keeps its bytes as a candidate; the second
 * proves where the MessageID's text is, as for answers): a client whose
 * every body differs pays no more than a compare.  Shared by every
 * principal: the parse does not depend on who asks.  The documents are
 * counted: one evicted while a request still reads it goes with that
 * request.
 *
 * One rule forgets it all: every entry point first compares the
 * configuration generation with the one everything kept was made under
 * (memo_current), and a reload (SIGHUP) flushes the lot.
 */
#include "build.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "auth.h"
#include "fault.h"
#include "reply_memo.h"
#include "soap.h"
#include "winrmd.h"
#include "wsman.h"

#define MEMO_SLOTS	16
#define MEMO_BODY_MAX	(16 * 1024)
#define MEMO_REPLY_MAX	(64 * 1024)
#define MEMO_ID_MAX	128	/* a MessageID the memo takes: 1..128 bytes */

struct memo {
	struct principal	*p;		/* a reference; NULL: free slot */
	char			*pre, *suf;	/* body around the MessageID text */
	size_t			 npre, nsuf;
	char			*reply;		/* the answer, with its first ids */
	size_t			 nreply;
	size_t			 id_at, id_len;	/* its own MessageID's text */
	size_t			 rel_at, rel_len; /* its RelatesTo's text */
	size_t			 max_envelope;
	char			*action, *resource_uri;
};

#define IDBODY_SLOTS	4
#define IDBODY_MAX	1024

/* a kept parse: the document and the message read from it */
struct memo_parsed {
	unsigned		 refs;		/* the slot's, and each request's */
	struct arena		*arena;		/* msg's strings */
	struct wsman_msg	 msg;		/* msg.doc is the document */
};

#define PARSED_SLOTS	8
#define CAND_SLOTS	8

/* a body shape: the bytes around its MessageID's text */
struct shape {
	char		*pre, *suf;
	size_t		 npre, nsuf;
};

static struct {
	struct shape		 sh;
	struct memo_parsed	*mp;
} parsed[PARSED_SLOTS];
static unsigned parsed_next;

/* shapes seen once, not yet kept */
static struct shape cand[CAND_SLOTS];
static unsigned cand_next;

static struct memo memo[MEMO_SLOTS];
static unsigned memo_next;
static unsigned memo_gen;

/* Identify's answers, and what the caller made of each */
static struct {
	char	*text;
	size_t	 len;
	void	*obj;
	void	(*drop)(void *);
} idans[MEMO_IDENTIFY_N];

/* bodies that parsed as an Identify */
static struct {
	size_t	 len;
	char	*body;
} idbody[IDBODY_SLOTS];
static unsigned idbody_next;

static void
memo_clear(struct memo *m)
{
	principal_unref(m->p);
	free(m->pre);
	free(m->suf);
	free(m->reply);
	free(m->action);
	free(m->resource_uri);
	memset(m, 0, sizeof(*m));
}

static void
idans_drop_object(enum memo_identify k)
{
	if (idans[k].obj != NULL && idans[k].drop != NULL)
		idans[k].drop(idans[k].obj);
	idans[k].obj = NULL;
	idans[k].drop = NULL;
}

static void
shape_clear(struct shape *sh)
{
	free(sh->pre);
	free(sh->suf);
	memset(sh, 0, sizeof(*sh));
}

void
reply_memo_parsed_release(struct memo_parsed *mp)
{
	if (mp == NULL || --mp->refs > 0)
		return;
	xmlFreeDoc(mp->msg.doc);
	arena_free(mp->arena);
	free(mp);
}

static void parsed_flush(void);

void
reply_memo_flush(void)
{
	parsed_flush();
	for (unsigned i = 0; i < MEMO_SLOTS; i++)
		memo_clear(&memo[i]);
	memo_next = 0;
	for (int k = 0; k < MEMO_IDENTIFY_N; k++) {
		idans_drop_object((enum memo_identify)k);
		free(idans[k].text);
		idans[k].text = NULL;
		idans[k].len = 0;
	}
	for (unsigned i = 0; i < IDBODY_SLOTS; i++) {
		free(idbody[i].body);
		idbody[i].body = NULL;
		idbody[i].len = 0;
	}
	idbody_next = 0;
}

/* the one invalidation rule: what was kept under another generation goes */
static void
memo_current(void)
{
	if (memo_gen == W->cfg_gen)
		return;
	reply_memo_flush();
	memo_gen = W->cfg_gen;
}

static bool
id_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == ':' || c == '.' || c == '_' ||
	    c == '-';
}

static bool
id_text(const char *s, size_t len)
{
	if (len == 0 || len > MEMO_ID_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!id_char((unsigned char)s[i]))
			return false;
	return true;
}

/* the one place where needle occurs in hay, or NULL (none, or several) */
static const char *
find_once(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	const char *hit = memmem(hay, hlen, needle, nlen), *again;

	if (hit == NULL)
		return NULL;
	again = memmem(hit + 1, hlen - (size_t)(hit + 1 - hay), needle, nlen);
	return again == NULL ? hit : NULL;
}

/* is body the shape's bytes around an id? */
static bool
shape_match(const struct shape *sh, const char *body, size_t len)
{
	return sh->pre != NULL && len > sh->npre + sh->nsuf &&
	    memcmp(body, sh->pre, sh->npre) == 0 &&
	    memcmp(body + len - sh->nsuf, sh->suf, sh->nsuf) == 0 &&
	    id_text(body + sh->npre, len - sh->npre - sh->nsuf);
}

/* body around its bytes [at, at + idlen) into sh; false without memory */
static bool
shape_set(struct shape *sh, const char *body, size_t len, size_t at,
    size_t idlen)
{
	sh->npre = at;
	sh->nsuf = len - at - idlen;
	if ((sh->pre = malloc(sh->npre + 1)) == NULL ||
	    (sh->suf = malloc(sh->nsuf + 1)) == NULL) {
		shape_clear(sh);
		return false;
	}
	memcpy(sh->pre, body, sh->npre);
	memcpy(sh->suf, body + at + idlen, sh->nsuf);
	return true;
}

/* the entry that body from p matches but for its MessageID's text, or NULL */
static const struct memo *
memo_find(const char *body, size_t len, const struct principal *p)
{
	memo_current();
	for (unsigned i = 0; i < MEMO_SLOTS; i++) {
		const struct memo *m = &memo[i];

		if (m->p != NULL && m->p == p && len > m->npre + m->nsuf &&
		    memcmp(body, m->pre, m->npre) == 0 &&
		    memcmp(body + len - m->nsuf, m->suf, m->nsuf) == 0 &&
		    id_text(body + m->npre, len - m->npre - m->nsuf))
			return m;
	}
	return NULL;
}

bool
reply_memo_answer(const char *body, size_t len, const struct principal *p,
    struct memo_answer *ret)
{
	const struct memo *m = memo_find(body, len, p);
	const char *id;
	char own[48], *out, *w;
	size_t idlen, olen, ownlen;

	if (m == NULL)
		return false;
	id = body + m->npre;
	idlen = len - m->npre - m->nsuf;
	soap_new_message_id(own);
	ownlen = strlen(own);
	olen = m->nreply - m->id_len - m->rel_len + ownlen + idlen;
	if (m->max_envelope != 0 && olen > m->max_envelope)
		return false;	/* the usual way makes the fault */
	if ((out = malloc(olen + 1)) == NULL)
		return false;
	/* [reply .. id_at) own [.. rel_at) id [.. end) */
	w = out;
	memcpy(w, m->reply, m->id_at);
	w += m->id_at;
	memcpy(w, own, ownlen);
	w += ownlen;
	memcpy(w, m->reply + m->id_at + m->id_len,
	    m->rel_at - m->id_at - m->id_len);
	w += m->rel_at - m->id_at - m->id_len;
	memcpy(w, id, idlen);
	w += idlen;
	memcpy(w, m->reply + m->rel_at + m->rel_len,
	    m->nreply - m->rel_at - m->rel_len);
	w += m->nreply - m->rel_at - m->rel_len;
	*w = '\0';
	ret->text = out;
	ret->len = olen;
	ret->action = m->action;
	ret->resource_uri = m->resource_uri;
	return true;
}

/*
 * Whether body, with a new id in place of its bytes [at, at + idlen),
 * parses to a message whose MessageID is that id: then those bytes are
 * the MessageID's text.  The message's envelope limit is stored in
 * *max_env; with keep, the parse itself (with a reference) in *keep.
 */
static bool
probe_parse(const char *body, size_t len, size_t at, size_t idlen,
    const struct wsman_limits *lim, size_t *max_env,
    struct memo_parsed **keep)
{
	struct wsman_msg msg = { 0 };
	struct fault f = { 0 };
	struct arena *a = NULL;
	xmlDocPtr doc = NULL;
	bool ok = false;
	char probe[48], *buf;
	size_t plen, n;

	soap_new_message_id(probe);
	plen = strlen(probe);
	n = len - idlen + plen;
	if ((buf = malloc(n)) == NULL)
		return false;
	memcpy(buf, body, at);
	memcpy(buf + at, probe, plen);
	memcpy(buf + at + plen, body + at + idlen, len - at - idlen);
	msg.max_envelope = lim->max_envelope;
	if ((a = arena_new()) != NULL &&
	    (doc = soap_parse(buf, n, &f)) != NULL &&
	    wsman_envelope(&msg, doc, &f) == 0 && !msg.identify &&
	    wsman_read_headers(&msg, a, lim, &f) == 0 &&
	    msg.message_id != NULL && strcmp(msg.message_id, probe) == 0) {
		*max_env = msg.max_envelope;
		ok = true;
	}
	if (ok && keep != NULL) {
		if ((*keep = calloc(1, sizeof(**keep))) == NULL)
			ok = false;
		else {
			(*keep)->refs = 1;
			(*keep)->arena = a;
			(*keep)->msg = msg;
			(*keep)->msg.doc = doc;
			a = NULL;
			doc = NULL;
		}
	}
	xmlFreeDoc(doc);
	arena_free(a);
	free(buf);
	return ok;
}

/* where the text of element `name' (as "<x:name>") begins in the answer */
static const char *
reply_hole(const char *text, size_t len, const char *name, const char *value,
    size_t vlen)
{
	size_t nlen = strlen(name);
	const char *p = text, *end = text + len;

	while ((p = memmem(p, (size_t)(end - p), name, nlen)) != NULL) {
		p += nlen;
		if (p < end && *p == '>' && p > text + nlen &&
		    (p[-(ptrdiff_t)nlen - 1] == ':' ||
		    p[-(ptrdiff_t)nlen - 1] == '<')) {
			p++;
			if (value == NULL || ((size_t)(end - p) > vlen &&
			    memcmp(p, value, vlen) == 0 && p[vlen] == '<'))
				return p;
			return NULL;
		}
	}
	return NULL;
}

void
reply_memo_learn(const char *body, size_t len, const char *message_id,
    struct principal *p, const char *text, size_t text_len,
    const char *action, const char *resource_uri,
    const struct wsman_limits *lim)
{
	const char *at, *own, *rel, *e;
	size_t idlen, ownlen, max_env = 0;
	struct memo m = { 0 }, *slot;

	memo_current();
	if (p == NULL || message_id == NULL || len > MEMO_BODY_MAX ||
	    text_len > MEMO_REPLY_MAX || action == NULL || resource_uri == NULL)
		return;
	idlen = strlen(message_id);
	if (!id_text(message_id, idlen) ||
	    (at = find_once(body, len, message_id, idlen)) == NULL)
		return;
	/* already known (its answer may have been too large for this id) */
	if (memo_find(body, len, p) != NULL)
		return;
	if (!probe_parse(body, len, (size_t)(at - body), idlen, lim, &max_env,
	    NULL))
		return;
	/*
	 * the answer's own MessageID, then its RelatesTo (header_fill); the
	 * asker's id nowhere else in it (an answer that echoes it would not
	 * be the same for another id, whatever its plugin said)
	 */
	if (find_once(text, text_len, message_id, idlen) == NULL ||
	    (own = reply_hole(text, text_len, "MessageID", NULL, 0)) == NULL ||
	    (e = memchr(own, '<', text_len - (size_t)(own - text))) == NULL ||
	    (rel = reply_hole(text, text_len, "RelatesTo", message_id,
	    idlen)) == NULL || rel < e)
		return;
	ownlen = (size_t)(e - own);
	m.npre = (size_t)(at - body);
	m.nsuf = len - m.npre - idlen;
	m.nreply = text_len;
	m.id_at = (size_t)(own - text);
	m.id_len = ownlen;
	m.rel_at = (size_t)(rel - text);
	m.rel_len = idlen;
	m.max_envelope = max_env;
	if ((m.pre = malloc(m.npre + 1)) == NULL ||
	    (m.suf = malloc(m.nsuf + 1)) == NULL ||
	    (m.reply = malloc(text_len + 1)) == NULL ||
	    (m.action = strdup(action)) == NULL ||
	    (m.resource_uri = strdup(resource_uri)) == NULL) {
		memo_clear(&m);
		return;
	}
	memcpy(m.pre, body, m.npre);
	memcpy(m.suf, at + idlen, m.nsuf);
	memcpy(m.reply, text, text_len);
	m.p = principal_ref(p);
	slot = &memo[memo_next];
	memo_next = (memo_next + 1) % MEMO_SLOTS;
	memo_clear(slot);
	*slot = m;
}

/* ------------------------------------------------------- parsed requests */

static void
parsed_flush(void)
{
	for (unsigned i = 0; i < PARSED_SLOTS; i++) {
		shape_clear(&parsed[i].sh);
		reply_memo_parsed_release(parsed[i].mp);
		parsed[i].mp = NULL;
	}
	parsed_next = 0;
	for (unsigned i = 0; i < CAND_SLOTS; i++)
		shape_clear(&cand[i]);
	cand_next = 0;
}

struct memo_parsed *
reply_memo_parsed(const char *body, size_t len, struct arena *a,
    struct wsman_msg *ret)
{
	memo_current();
	for (unsigned i = 0; i < PARSED_SLOTS; i++) {
		const struct shape *sh = &parsed[i].sh;
		struct memo_parsed *mp = parsed[i].mp;
		const char *id;

		if (mp == NULL || !shape_match(sh, body, len))
			continue;
		if ((id = arena_strndup(a, body + sh->npre,
		    len - sh->npre - sh->nsuf)) == NULL)
			return NULL;
		*ret = mp->msg;
		ret->message_id = id;
		mp->refs++;
		return mp;
	}
	return NULL;
}

void
reply_memo_parsed_learn(const char *body, size_t len, const char *message_id,
    const struct wsman_limits *lim)
{
	struct memo_parsed *mp = NULL;
	struct shape sh = { 0 };
	const char *at;
	size_t idlen, max_env;
	unsigned i;

	memo_current();
	if (message_id == NULL || len > MEMO_BODY_MAX)
		return;
	idlen = strlen(message_id);
	if (!id_text(message_id, idlen) ||
	    (at = find_once(body, len, message_id, idlen)) == NULL)
		return;
	for (i = 0; i < PARSED_SLOTS; i++)
		if (shape_match(&parsed[i].sh, body, len))
			return;		/* kept already */
	for (i = 0; i < CAND_SLOTS; i++)
		if (shape_match(&cand[i], body, len))
			break;
	if (i == CAND_SLOTS) {
		/* the first sighting: a candidate */
		shape_clear(&cand[cand_next]);
		if (shape_set(&cand[cand_next], body, len,
		    (size_t)(at - body), idlen))
			cand_next = (cand_next + 1) % CAND_SLOTS;
		return;
	}
	/* the second: kept, if those bytes are the MessageID's text */
	if (cand[i].npre != (size_t)(at - body))
		return;
	shape_clear(&cand[i]);
	if (!probe_parse(body, len, (size_t)(at - body), idlen, lim, &max_env,
	    &mp))
		return;
	if (!shape_set(&sh, body, len, (size_t)(at - body), idlen)) {
		reply_memo_parsed_release(mp);
		return;
	}
	shape_clear(&parsed[parsed_next].sh);
	reply_memo_parsed_release(parsed[parsed_next].mp);
	parsed[parsed_next].sh = sh;
	parsed[parsed_next].mp = mp;
	parsed_next = (parsed_next + 1) % PARSED_SLOTS;
}

/* --------------------------------------------------------------- Identify */

const char *
reply_memo_identify_text(enum memo_identify k, size_t *ret_len)
{
	memo_current();
	*ret_len = idans[k].len;
	return idans[k].text;
}

void
reply_memo_identify_keep(enum memo_identify k, char *text, size_t len)
{
	memo_current();
	idans_drop_object(k);
	free(idans[k].text);
	idans[k].text = text;
	idans[k].len = text != NULL ? len : 0;
}

void *
reply_memo_identify_object(enum memo_identify k)
{
	memo_current();
	return idans[k].obj;
}

void
reply_memo_identify_keep_object(enum memo_identify k, void *obj,
    void (*drop)(void *))
{
	memo_current();
	idans_drop_object(k);
	idans[k].obj = obj;
	idans[k].drop = drop;
}

bool
reply_memo_identify_known(const char *body, size_t len)
{
	memo_current();
	for (unsigned i = 0; i < IDBODY_SLOTS; i++)
		if (idbody[i].body != NULL && idbody[i].len == len &&
		    memcmp(idbody[i].body, body, len) == 0)
			return true;
	return false;
}

void
reply_memo_identify_learn(const char *body, size_t len)
{
	char *copy;

	if (len > IDBODY_MAX || reply_memo_identify_known(body, len) ||
	    (copy = malloc(len + 1)) == NULL)
		return;
	memcpy(copy, body, len);
	copy[len] = '\0';
	free(idbody[idbody_next].body);
	idbody[idbody_next].body = copy;
	idbody[idbody_next].len = len;
	idbody_next = (idbody_next + 1) % IDBODY_SLOTS;
}
