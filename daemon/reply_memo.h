/*
 * reply_memo.h: answers given again without parsing the request or calling
 * the plugin, for operations whose plugin declared its answer reusable
 * (host->reply_reusable): the answer depends only on the request's bytes
 * (its MessageID aside), on who asks and on the running configuration.
 * Loop thread only.
 */
#ifndef WINRMD_REPLY_MEMO_H
#define WINRMD_REPLY_MEMO_H

#include <stdbool.h>
#include <stddef.h>

struct principal;
struct wsman_limits;

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

/* forgets everything (also done when the configuration generation changes) */
void	reply_memo_flush(void);

#endif
