/*
 * strbuf.h: a growing NUL-terminated string, for code that builds text
 * piece by piece (winrmd-native's path mapping and argv splitting, the
 * shell text a PSRP pipeline becomes).  An allocation failure is sticky:
 * later additions do nothing and the result is NULL, so builders check
 * once at the end.  Start from struct sbuf b = { 0 }.
 */
#ifndef WINRMD_STRBUF_H
#define WINRMD_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct sbuf {
	char	*p;		/* the text so far, NUL-terminated; or NULL */
	size_t	 len, cap;
	bool	 failed;	/* an allocation failed: p is no result */
};

/* appends n bytes of s */
void	 sb_addn(struct sbuf *b, const char *s, size_t n);
/* appends the string s */
void	 sb_add(struct sbuf *b, const char *s);
/*
 * Room for n more bytes after the text, for a writer that fills it in
 * place (base64 encoded straight into a Receive's answer): where they go,
 * or NULL if an allocation failed.  sb_grew() then says how many it wrote.
 */
char	*sb_room(struct sbuf *b, size_t n);
/* the text grew by n bytes (at most the room asked for) written there */
void	 sb_grew(struct sbuf *b, size_t n);
/*
 * The text, the caller's to free ("" if nothing was added), or NULL if
 * an allocation failed (what was built is freed).  b is empty after.
 */
char	*sb_take(struct sbuf *b);
/* wipes (it may have held a secret) and frees what b holds; b is empty */
void	 sb_free(struct sbuf *b);

#endif
