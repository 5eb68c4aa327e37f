/*
 * check_reply_memo.c: the reply memo (daemon/reply_memo.c) answers a body
 * that differs from a learnt one only in its MessageID's text, for the
 * same principal, with the learnt answer under new ids; and nothing else.
 * It keeps Identify's answers, the objects made of them and the bodies
 * known to be an Identify, and requests parsed (a body asked again but
 * for its MessageID), and one rule forgets all of it: a new configuration
 * generation (or a flush).
 */
#include "build.h"

#include "unit.h"

#include "arena.h"
#include "auth.h"
#include "reply_memo.h"
#include "soap.h"
#include "winrmd.h"
#include "wsman.h"

struct winrmd *W;
static struct winrmd w;

#define GET_ACTION	"http://schemas.xmlsoap.org/ws/2004/09/transfer/Get"
#define CONFIG_URI	"http://schemas.microsoft.com/wbem/wsman/1/config"

static const struct wsman_limits lim = {
	.max_envelope = 512 * 1024, .max_timeout_ms = 60000,
};

/* a Get of uri with MessageID text id (as written, may be escaped) */
static char *
get_body(const char *uri, const char *id, size_t *len)
{
	char *b = NULL;
	int n = asprintf(&b, "<s:Envelope "
	    "xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
	    "xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
	    "xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\">"
	    "<s:Header><a:To>http://127.0.0.1/wsman</a:To>"
	    "<a:ReplyTo><a:Address s:mustUnderstand=\"true\">"
	    "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
	    "</a:Address></a:ReplyTo>"
	    "<a:Action s:mustUnderstand=\"true\">" GET_ACTION "</a:Action>"
	    "<w:ResourceURI s:mustUnderstand=\"true\">%s</w:ResourceURI>"
	    "<a:MessageID>%s</a:MessageID>"
	    "<w:OperationTimeout>PT60S</w:OperationTimeout>"
	    "</s:Header><s:Body/></s:Envelope>", uri, id);

	ck_assert_int_gt(n, 0);
	*len = (size_t)n;
	return b;
}

/* the answer a plugin would make: a GetResponse relating to id */
static char *
answer_to(const char *id, size_t *len)
{
	xmlNodePtr body;
	xmlDocPtr doc = soap_reply_new(GET_ACTION "Response", id, &body);
	char *text;

	ck_assert_ptr_nonnull(doc);
	xmlNewTextChild(body, NULL, BAD_CAST "Config", BAD_CAST "MaxEnvelopeSizekb 500");
	text = soap_serialize(doc, len);
	ck_assert_ptr_nonnull(text);
	xmlFreeDoc(doc);
	return text;
}

static struct principal *
principal_of(const char *user)
{
	struct auth_policy pol = { .permit_root = true };
	struct principal *p = NULL;
	char why[160];

	ck_assert_msg(principal_lookup(user, "Basic", &pol, &p, why,
	    sizeof(why)) == 0, "%s", why);
	return p;
}

/* the text of the first <a:name> element in s */
static char *
element_text(const char *s, const char *name)
{
	char open[64];
	const char *a, *e;

	snprintf(open, sizeof(open), "<a:%s>", name);
	a = strstr(s, open);
	ck_assert_msg(a != NULL, "no %s in %s", open, s);
	a += strlen(open);
	e = strchr(a, '<');
	ck_assert_ptr_nonnull(e);
	return strndup(a, (size_t)(e - a));
}

/* learns the Get of winrm/config with MessageID uuid:first for p */
static char *
learn_config(struct principal *p, size_t *ret_len)
{
	size_t blen, tlen;
	char *body = get_body(CONFIG_URI, "uuid:first", &blen);
	char *text = answer_to("uuid:first", &tlen);

	reply_memo_learn(body, blen, "uuid:first", p, text, tlen, GET_ACTION,
	    CONFIG_URI, &lim);
	free(body);
	*ret_len = tlen;
	return text;
}

static bool
answered(const char *uri, const char *id, const struct principal *p,
    struct memo_answer *ma)
{
	size_t blen;
	char *body = get_body(uri, id, &blen);
	bool hit = reply_memo_answer(body, blen, p, ma);

	free(body);
	return hit;
}

START_TEST(test_same_but_message_id)
{
	struct principal *p = principal_of("root");
	struct memo_answer a1, a2;
	size_t tlen;
	char *learnt = learn_config(p, &tlen), *id1, *id2, *rel, *orig_id;

	ck_assert(answered(CONFIG_URI, "uuid:5F4A-second", p, &a1));
	ck_assert(answered(CONFIG_URI, "uuid:third", p, &a2));
	ck_assert_str_eq(a1.action, GET_ACTION);
	ck_assert_str_eq(a1.resource_uri, CONFIG_URI);
	ck_assert_uint_eq(a1.len, strlen(a1.text));
	/* RelatesTo is the asker's MessageID */
	rel = element_text(a1.text, "RelatesTo");
	ck_assert_str_eq(rel, "uuid:5F4A-second");
	free(rel);
	rel = element_text(a2.text, "RelatesTo");
	ck_assert_str_eq(rel, "uuid:third");
	free(rel);
	/* a MessageID of its own each time, never the learnt one */
	id1 = element_text(a1.text, "MessageID");
	id2 = element_text(a2.text, "MessageID");
	orig_id = element_text(learnt, "MessageID");
	ck_assert_str_ne(id1, id2);
	ck_assert_str_ne(id1, orig_id);
	ck_assert_uint_eq(strlen(id1), strlen(orig_id));
	ck_assert_int_eq(strncmp(id1, "uuid:", 5), 0);
	/* the rest byte for byte: the body and what precedes the ids */
	ck_assert_str_eq(strstr(a1.text, "<s:Body>"), strstr(learnt, "<s:Body>"));
	ck_assert_int_eq(strncmp(a1.text, learnt,
	    (size_t)(strstr(learnt, orig_id) - learnt)), 0);
	ck_assert_uint_eq(a1.len, tlen + strlen("uuid:5F4A-second") -
	    strlen("uuid:first"));
	free(id1);
	free(id2);
	free(orig_id);
	free(a1.text);
	free(a2.text);
	free(learnt);
	principal_unref(p);
}
END_TEST

START_TEST(test_not_answered)
{
	struct principal *p = principal_of("root");
	struct principal *other = principal_of("root");	/* another login */
	struct memo_answer a;
	size_t tlen, blen;
	char *learnt = learn_config(p, &tlen), *body;

	ck_assert(other != p);
	/* another principal, even of the same account */
	ck_assert(!answered(CONFIG_URI, "uuid:x", other, &a));
	ck_assert(!answered(CONFIG_URI, "uuid:x", NULL, &a));
	/* another resource */
	ck_assert(!answered(CONFIG_URI "/winrs", "uuid:x", p, &a));
	/* MessageID text that is not a plain run of id characters */
	ck_assert(!answered(CONFIG_URI, "uuid:a b", p, &a));
	ck_assert(!answered(CONFIG_URI, "uuid&#58;x", p, &a));
	ck_assert(!answered(CONFIG_URI, "uuid:x</a:MessageID><a:To>y</a:To><a:MessageID>z", p, &a));
	ck_assert(!answered(CONFIG_URI, "", p, &a));
	/* an id longer than the memo takes (128) */
	body = malloc(200);
	memset(body, 'a', 199);
	body[199] = '\0';
	ck_assert(!answered(CONFIG_URI, body, p, &a));
	body[128] = '\0';
	ck_assert(answered(CONFIG_URI, body, p, &a));
	free(a.text);
	free(body);
	/* a byte changed elsewhere */
	body = get_body(CONFIG_URI, "uuid:x", &blen);
	*strstr(body, "PT60S") = 'Q';
	ck_assert(!reply_memo_answer(body, blen, p, &a));
	free(body);
	/* a reload forgets everything */
	ck_assert(answered(CONFIG_URI, "uuid:x", p, &a));
	free(a.text);
	W->cfg_gen++;
	ck_assert(!answered(CONFIG_URI, "uuid:x", p, &a));
	free(learnt);
	principal_unref(other);
	principal_unref(p);
}
END_TEST

START_TEST(test_not_learnt)
{
	struct principal *p = principal_of("root");
	struct memo_answer a;
	size_t blen, tlen;
	char *body, *text = answer_to("uuid:first", &tlen);

	/* the id is written with a character reference: not found as sent */
	body = get_body(CONFIG_URI, "uuid&#58;first", &blen);
	reply_memo_learn(body, blen, "uuid:first", p, text, tlen, GET_ACTION,
	    CONFIG_URI, &lim);
	free(body);
	ck_assert(!answered(CONFIG_URI, "uuid&#58;first", p, &a));
	ck_assert(!answered(CONFIG_URI, "uuid:first", p, &a));

	/* the id's text also stands elsewhere: it cannot be told apart */
	body = get_body(CONFIG_URI "?x=uuid:first", "uuid:first", &blen);
	reply_memo_learn(body, blen, "uuid:first", p, text, tlen, GET_ACTION,
	    CONFIG_URI, &lim);
	free(body);
	ck_assert(!answered(CONFIG_URI "?x=uuid:first", "uuid:other", p, &a));

	/*
	 * the id's text stands once, but elsewhere (the MessageID has a
	 * character reference): the parse with another value there tells
	 */
	body = get_body(CONFIG_URI "?x=uuid:first", "uuid&#58;first", &blen);
	reply_memo_learn(body, blen, "uuid:first", p, text, tlen, GET_ACTION,
	    CONFIG_URI, &lim);
	free(body);
	ck_assert(!answered(CONFIG_URI "?x=uuid:other", "uuid&#58;first", p,
	    &a));

	body = get_body(CONFIG_URI, "uuid:first", &blen);

	/* no principal, or an answer whose RelatesTo is not the id */
	reply_memo_learn(body, blen, "uuid:first", NULL, text, tlen,
	    GET_ACTION, CONFIG_URI, &lim);
	ck_assert(!answered(CONFIG_URI, "uuid:other", p, &a));
	free(text);
	text = answer_to("uuid:unrelated", &tlen);
	reply_memo_learn(body, blen, "uuid:first", p, text, tlen, GET_ACTION,
	    CONFIG_URI, &lim);
	ck_assert(!answered(CONFIG_URI, "uuid:other", p, &a));
	free(text);

	/* an answer that echoes the asker's id in its body too */
	{
		xmlNodePtr rb;
		xmlDocPtr doc = soap_reply_new(GET_ACTION "Response",
		    "uuid:first", &rb);

		ck_assert_ptr_nonnull(doc);
		xmlNewTextChild(rb, NULL, BAD_CAST "Echo", BAD_CAST "uuid:first");
		text = soap_serialize(doc, &tlen);
		ck_assert_ptr_nonnull(text);
		xmlFreeDoc(doc);
	}
	reply_memo_learn(body, blen, "uuid:first", p, text, tlen, GET_ACTION,
	    CONFIG_URI, &lim);
	ck_assert(!answered(CONFIG_URI, "uuid:other", p, &a));
	free(body);
	free(text);
	principal_unref(p);
}
END_TEST

START_TEST(test_envelope_limit)
{
	struct principal *p = principal_of("root");
	struct wsman_limits tight = lim;
	struct memo_answer a;
	size_t blen, tlen;
	char *body = get_body(CONFIG_URI, "uuid:first", &blen);
	char *text = answer_to("uuid:first", &tlen);

	/* the learnt answer just fits; one with a longer id would not */
	tight.max_envelope = tlen + 3;
	reply_memo_learn(body, blen, "uuid:first", p, text, tlen, GET_ACTION,
	    CONFIG_URI, &tight);
	ck_assert(answered(CONFIG_URI, "uuid:firs2", p, &a));
	free(a.text);
	ck_assert(answered(CONFIG_URI, "uuid:first123", p, &a));
	free(a.text);
	ck_assert(!answered(CONFIG_URI, "uuid:first1234", p, &a));
	free(body);
	free(text);
	principal_unref(p);
}
END_TEST

/* an object made of a kept answer: counts its drops */
static int drops;

static void
count_drop(void *obj)
{
	ck_assert_ptr_nonnull(obj);
	drops++;
}

static char *
dup_text(const char *t)
{
	char *c = strdup(t);

	ck_assert_ptr_nonnull(c);
	return c;
}

START_TEST(test_identify_kept)
{
	static int anon_obj, auth_obj;
	const char *t;
	size_t len = 99;

	ck_assert_ptr_null(reply_memo_identify_text(MEMO_IDENTIFY_ANON, &len));
	ck_assert_uint_eq(len, 0);
	reply_memo_identify_keep(MEMO_IDENTIFY_ANON, dup_text("anon"), 4);
	reply_memo_identify_keep(MEMO_IDENTIFY_AUTH, dup_text("authd"), 5);
	t = reply_memo_identify_text(MEMO_IDENTIFY_ANON, &len);
	ck_assert_str_eq(t, "anon");
	ck_assert_uint_eq(len, 4);
	t = reply_memo_identify_text(MEMO_IDENTIFY_AUTH, &len);
	ck_assert_str_eq(t, "authd");
	ck_assert_uint_eq(len, 5);

	/* objects are kept with their answer, and dropped once each */
	drops = 0;
	ck_assert_ptr_null(reply_memo_identify_object(MEMO_IDENTIFY_AUTH));
	reply_memo_identify_keep_object(MEMO_IDENTIFY_ANON, &anon_obj,
	    count_drop);
	reply_memo_identify_keep_object(MEMO_IDENTIFY_AUTH, &auth_obj,
	    count_drop);
	ck_assert_ptr_eq(reply_memo_identify_object(MEMO_IDENTIFY_ANON),
	    &anon_obj);
	ck_assert_ptr_eq(reply_memo_identify_object(MEMO_IDENTIFY_AUTH),
	    &auth_obj);
	/* a new text makes the old object go: it was made of the old text */
	reply_memo_identify_keep(MEMO_IDENTIFY_AUTH, dup_text("again"), 5);
	ck_assert_int_eq(drops, 1);
	ck_assert_ptr_null(reply_memo_identify_object(MEMO_IDENTIFY_AUTH));
	ck_assert_ptr_eq(reply_memo_identify_object(MEMO_IDENTIFY_ANON),
	    &anon_obj);
	reply_memo_flush();
	ck_assert_int_eq(drops, 2);
	ck_assert_ptr_null(reply_memo_identify_object(MEMO_IDENTIFY_ANON));
	ck_assert_ptr_null(reply_memo_identify_text(MEMO_IDENTIFY_ANON, &len));
	ck_assert_ptr_null(reply_memo_identify_text(MEMO_IDENTIFY_AUTH, &len));
}
END_TEST

START_TEST(test_identify_bodies)
{
	char big[2048];

	ck_assert(!reply_memo_identify_known("<identify/>", 11));
	reply_memo_identify_learn("<identify/>", 11);
	ck_assert(reply_memo_identify_known("<identify/>", 11));
	/* byte for byte: a prefix or another length is not it */
	ck_assert(!reply_memo_identify_known("<identify/>", 10));
	ck_assert(!reply_memo_identify_known("<identify/> ", 12));
	/* small bodies only */
	memset(big, 'x', sizeof(big));
	reply_memo_identify_learn(big, sizeof(big));
	ck_assert(!reply_memo_identify_known(big, sizeof(big)));
	/* a few of them, the oldest replaced */
	for (int i = 0; i < 8; i++) {
		char b[16];

		snprintf(b, sizeof(b), "<id%d/>", i);
		reply_memo_identify_learn(b, strlen(b));
		ck_assert(reply_memo_identify_known(b, strlen(b)));
	}
	ck_assert(!reply_memo_identify_known("<identify/>", 11));
	ck_assert(reply_memo_identify_known("<id7/>", 6));
}
END_TEST

/* one rule: a reload forgets every kind of kept answer at once */
START_TEST(test_one_invalidation)
{
	static int obj;
	struct principal *p = principal_of("root");
	struct memo_answer a;
	size_t blen, tlen, len;
	char *body = get_body(CONFIG_URI, "uuid:first", &blen);
	char *text = answer_to("uuid:first", &tlen);

	reply_memo_learn(body, blen, "uuid:first", p, text, tlen, GET_ACTION,
	    CONFIG_URI, &lim);
	reply_memo_identify_keep(MEMO_IDENTIFY_AUTH, dup_text("authd"), 5);
	drops = 0;
	reply_memo_identify_keep_object(MEMO_IDENTIFY_AUTH, &obj, count_drop);
	reply_memo_identify_learn("<identify/>", 11);
	ck_assert(answered(CONFIG_URI, "uuid:other", p, &a));
	free(a.text);

	W->cfg_gen++;
	/* whichever is asked first, everything goes together */
	ck_assert(!reply_memo_identify_known("<identify/>", 11));
	ck_assert_int_eq(drops, 1);
	ck_assert_ptr_null(reply_memo_identify_object(MEMO_IDENTIFY_AUTH));
	ck_assert_ptr_null(reply_memo_identify_text(MEMO_IDENTIFY_AUTH, &len));
	ck_assert(!answered(CONFIG_URI, "uuid:other", p, &a));

	/* what is kept under the new generation stays until the next */
	reply_memo_identify_keep(MEMO_IDENTIFY_ANON, dup_text("anon"), 4);
	ck_assert_ptr_nonnull(reply_memo_identify_text(MEMO_IDENTIFY_ANON,
	    &len));
	W->cfg_gen++;
	ck_assert_ptr_null(reply_memo_identify_text(MEMO_IDENTIFY_ANON, &len));
	free(body);
	free(text);
	principal_unref(p);
}
END_TEST

/* body's parse as http.c makes it, and learnt (parsed memo) when good */
static void
parse_and_learn(const char *body, size_t len)
{
	struct wsman_msg msg = { .max_envelope = lim.max_envelope };
	struct arena *a = arena_new();
	struct fault f = { 0 };
	xmlDocPtr doc = soap_parse(body, len, &f);

	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(wsman_envelope(&msg, doc, &f), 0);
	ck_assert_int_eq(wsman_read_headers(&msg, a, &lim, &f), 0);
	reply_memo_parsed_learn(body, len, msg.message_id, &lim);
	xmlFreeDoc(doc);
	arena_free(a);
}

/* the parse kept for a Get of uri with MessageID id, or NULL */
static struct memo_parsed *
parsed_for(const char *uri, const char *id, struct arena *a,
    struct wsman_msg *msg)
{
	size_t blen;
	char *body = get_body(uri, id, &blen);
	struct memo_parsed *mp = reply_memo_parsed(body, blen, a, msg);

	free(body);
	return mp;
}

/*
 * A body asked twice but for its MessageID is kept parsed: a third gets
 * the parse (action, resource, timeout, its header and body elements)
 * with its own MessageID; another resource, an escaped id, an id that
 * occurs twice in the body, a body seen once, or a new generation do not.
 */
START_TEST(test_parsed_kept)
{
	struct arena *a = arena_new();
	struct wsman_msg msg = { 0 };
	struct memo_parsed *mp;
	size_t blen;
	char *body;

	body = get_body(CONFIG_URI, "uuid:one", &blen);
	parse_and_learn(body, blen);
	free(body);
	/* seen once: a candidate, not kept */
	ck_assert_ptr_null(parsed_for(CONFIG_URI, "uuid:x", a, &msg));
	body = get_body(CONFIG_URI, "uuid:two-2", &blen);
	parse_and_learn(body, blen);
	free(body);

	mp = parsed_for(CONFIG_URI, "uuid:three-3", a, &msg);
	ck_assert_ptr_nonnull(mp);
	ck_assert_str_eq(msg.message_id, "uuid:three-3");
	ck_assert_str_eq(msg.action, GET_ACTION);
	ck_assert_str_eq(msg.resource_uri, CONFIG_URI);
	ck_assert_uint_eq(msg.timeout_ms, 60000);
	ck_assert(!msg.identify);
	ck_assert_ptr_nonnull(msg.doc);
	ck_assert_ptr_nonnull(msg.header);
	ck_assert(soap_is(msg.header, WINRMD_NS_SOAP, "Header"));
	/* a flush (or an eviction) leaves a request its document */
	reply_memo_flush();
	ck_assert_ptr_null(parsed_for(CONFIG_URI, "uuid:four", a, &msg));
	ck_assert(soap_is(xmlDocGetRootElement(msg.doc), WINRMD_NS_SOAP,
	    "Envelope"));
	reply_memo_parsed_release(mp);

	/* learnt again: other bodies still parse */
	for (int i = 0; i < 2; i++) {
		body = get_body(CONFIG_URI, i ? "uuid:b" : "uuid:a", &blen);
		parse_and_learn(body, blen);
		free(body);
	}
	mp = parsed_for(CONFIG_URI, "uuid:c", a, &msg);
	ck_assert_ptr_nonnull(mp);
	reply_memo_parsed_release(mp);
	ck_assert_ptr_null(parsed_for(CONFIG_URI "/Listener", "uuid:c", a,
	    &msg));
	ck_assert_ptr_null(parsed_for(CONFIG_URI, "uuid:&#x63;", a, &msg));
	ck_assert_ptr_null(parsed_for(CONFIG_URI, "uuid c", a, &msg));

	/* an id that is also elsewhere in the body is never told apart */
	for (int i = 0; i < 3; i++) {
		body = get_body(CONFIG_URI "/uuid:same", "uuid:same", &blen);
		parse_and_learn(body, blen);
		free(body);
	}
	ck_assert_ptr_null(parsed_for(CONFIG_URI "/uuid:same", "uuid:same",
	    a, &msg));

	W->cfg_gen++;
	ck_assert_ptr_null(parsed_for(CONFIG_URI, "uuid:c", a, &msg));
	arena_free(a);
}
END_TEST

static void
setup(void)
{
	soap_init();
	W = &w;
	w.cfg_gen = 1;
}

static void
teardown(void)
{
	reply_memo_flush();
}

static Suite *
memo_suite(void)
{
	Suite *s = suite_create("reply_memo");
	TCase *tc = tcase_create("memo");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_same_but_message_id);
	tcase_add_test(tc, test_not_answered);
	tcase_add_test(tc, test_not_learnt);
	tcase_add_test(tc, test_envelope_limit);
	tcase_add_test(tc, test_identify_kept);
	tcase_add_test(tc, test_identify_bodies);
	tcase_add_test(tc, test_one_invalidation);
	tcase_add_test(tc, test_parsed_kept);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(memo_suite)
