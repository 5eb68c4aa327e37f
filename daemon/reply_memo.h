/*
 * reply_memo.h: the one home of answers given again without being made
 * again, and its one rule: everything kept is forgotten when the
 * configuration generation changes (a reload), or by reply_memo_flush().
 *
 *  - answers of operations whose plugin declared them reusable
 *    (host->reply_reusable): the answer depends only on the request's
 *    bytes (its MessageID aside), on who asks and on the configuration;
 *  - Identify's two answers (anonymous, authenticated), which depend only
 *    on the configuration, as text and as an object the caller made of
 *    the text (http.c's MHD response);
 *  - request bodies known, byte for byte, to be an Identify;
 *  - parsed requests: a body asked again but for its MessageID is not
 *    parsed again (its answer is made anew).
 *
 * Loop thread only.
 */
#ifndef WINRMD_REPLY_MEMO_H
#define WINRMD_REPLY_MEMO_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct memo_parsed;
struct principal;
struct wsman_limits;
struct wsman_msg;

/* an answer from the memo: malloc'd text, and for the log line */
struct memo_answer {
	char		*text;
	size_t		 len;
	const char	*action;	/* valid until the next memo call */
	const char	*resource_uri;
};

/*
 * The memo's answer to body from p, if body is one learnt (for p) but for
 * the text of its MessageID: the learnt answer with a new MessageID of its
 * own and RelatesTo that of body.  False when there is none (or when
 * memory runs out): then the request goes the usual way.
 */
bool	reply_memo_answer(const char *body, size_t len,
	    const struct principal *p, struct memo_answer *ret);

/*
 * Keeps the answer text (len bytes, status 200) that the plugin built for
 * body from p, whose MessageID is message_id: when the MessageID's text
 * can be told apart in body (checked by parsing body with another one, as
 * lim allows) and in the answer.  Otherwise, or when it is too large,
 * nothing is kept.  max_envelope: what the answer may take.
 */
void	reply_memo_learn(const char *body, size_t len, const char *message_id,
	    struct principal *p, const char *text, size_t text_len,
	    const char *action, const char *resource_uri,
	    const struct wsman_limits *lim);

/* what Identify's answers are kept as: anonymous, authenticated */
enum memo_identify { MEMO_IDENTIFY_ANON, MEMO_IDENTIFY_AUTH, MEMO_IDENTIFY_N };

/* the kept text of an Identify answer (not to be freed), or NULL */
const char *reply_memo_identify_text(enum memo_identify k, size_t *ret_len);
/* keeps text (malloc'd, taken over) as that answer; its old object goes */
void	reply_memo_identify_keep(enum memo_identify k, char *text, size_t len);
/* the object kept with that answer, or NULL */
void	*reply_memo_identify_object(enum memo_identify k);
/* keeps obj with that answer: drop(obj) when it is forgotten */
void	reply_memo_identify_keep_object(enum memo_identify k, void *obj,
	    void (*drop)(void *));

/*
 * Whether a request body is byte for byte one that parsed as an Identify
 * (then it need not be parsed again), and remembering one that did (small
 * bodies, a few of them).
 */
bool	reply_memo_identify_known(const char *body, size_t len);
void	reply_memo_identify_learn(const char *body, size_t len);

/*
 * The parse of a body that is a kept one but for its MessageID's text:
 * *ret gets the message as wsman_envelope() and wsman_read_headers() made
 * it (its document shared: read only), with body's MessageID copied into
 * a.  Returns a reference to give back with reply_memo_parsed_release()
 * once the request reads it no more, or NULL (none kept: parse it).
 */
struct memo_parsed *reply_memo_parsed(const char *body, size_t len,
	    struct arena *a, struct wsman_msg *ret);
void	reply_memo_parsed_release(struct memo_parsed *mp);	/* NULL is fine */

/*
 * After body (its MessageID message_id) was parsed and its headers read
 * without a fault, under lim: its shape becomes a candidate, and a
 * candidate seen again is parsed once more (with another MessageID, to
 * prove where that is) and kept.
 */
void	reply_memo_parsed_learn(const char *body, size_t len,
	    const char *message_id, const struct wsman_limits *lim);

/* forgets everything (also done when the configuration generation changes) */
void	reply_memo_flush(void);

#endif
