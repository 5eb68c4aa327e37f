/*
 * strbuf.c: the growing string of strbuf.h.  The buffer doubles (from 64
 * bytes), so building a text of n bytes costs O(n).
 */
#define _GNU_SOURCE

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

void
sb_addn(struct sbuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (n > (size_t)-1 / 2 - b->len) {
		b->failed = true;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
sb_add(struct sbuf *b, const char *s)
{
	sb_addn(b, s, strlen(s));
}

char *
sb_take(struct sbuf *b)
{
	char *s = b->p;

	if (b->failed) {
		sb_free(b);
		return NULL;
	}
	memset(b, 0, sizeof(*b));
	return s != NULL ? s : strdup("");
}

void
sb_free(struct sbuf *b)
{
	if (b->p != NULL)
		explicit_bzero(b->p, b->cap);
	free(b->p);
	memset(b, 0, sizeof(*b));
}
