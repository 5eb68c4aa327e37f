/*
 * strbuf.c: the growing string of strbuf.h.  The buffer doubles (from 64
 * bytes), so building a text of n bytes costs O(n).
 */
#define _GNU_SOURCE

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

char *
sb_room(struct sbuf *b, size_t n)
{
	if (b->failed)
		return NULL;
	if (n > (size_t)-1 / 2 - b->len) {
		b->failed = true;
		return NULL;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			b->failed = true;
			return NULL;
		}
		b->p = p;
		b->cap = cap;
	}
	return b->p + b->len;
}

void
sb_grew(struct sbuf *b, size_t n)
{
	if (b->failed || b->p == NULL)
		return;
	b->len += n;
	b->p[b->len] = '\0';
}

void
sb_addn(struct sbuf *b, const char *s, size_t n)
{
	char *room = sb_room(b, n);

	if (room == NULL)
		return;
	if (n > 0)
		memcpy(room, s, n);
	sb_grew(b, n);
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
