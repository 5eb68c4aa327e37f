/*
 * ps_word.c: the word at the cursor of a PowerShell command line and a
 * name written back as a word (ps_word.h), for tab completion.  Pure.
 */
#include <stdlib.h>
#include <string.h>

#include "ps_word.h"

size_t
ps_word_byte_offset(const char *s, long u16)
{
	size_t b = 0;

	for (long u = 0; s[b] != '\0' && u < u16; ) {
		unsigned char c = (unsigned char)s[b++];

		u += c >= 0xf0 ? 2 : 1;		/* a surrogate pair */
		while ((s[b] & 0xc0) == 0x80)
			b++;
	}
	return b;
}

int
ps_word_u16_len(const char *s, size_t len)
{
	int u = 0;

	for (size_t b = 0; b < len; b++) {
		unsigned char c = (unsigned char)s[b];

		if ((c & 0xc0) != 0x80)
			u += c >= 0xf0 ? 2 : 1;
	}
	return u;
}

static bool
separator(char c)
{
	return c != '\0' && strchr(" \t\r\n|;(){}&", c) != NULL;
}

static bool
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* the value of s[start, cursor): quotes and escapes removed */
static char *
value(const char *s, size_t start, size_t cursor, char *ret_quote)
{
	char *t = malloc(cursor - start + 1), q = 0;
	size_t n = 0;

	if (t == NULL)
		return NULL;
	*ret_quote = 0;
	for (size_t i = start; i < cursor; i++) {
		char c = s[i];

		if (q == 0 && (c == '\'' || c == '"')) {
			q = c;
			if (i == start)
				*ret_quote = c;
			continue;
		}
		if (q != 0 && c == q) {
			if (q == '\'' && i + 1 < cursor && s[i + 1] == '\'') {
				t[n++] = '\'';
				i++;
				continue;
			}
			q = 0;
			continue;
		}
		if (c == '`' && q != '\'' && i + 1 < cursor) {
			t[n++] = s[++i];
			continue;
		}
		t[n++] = c;
	}
	t[n] = '\0';
	return t;
}

int
ps_word_find(const char *s, size_t cursor, struct ps_word *w)
{
	size_t i = 0, start = 0, cmd_start = 0, cmd_end = 0;
	bool in_word = false, first = true, cmd_seen = false;
	char q = 0;

	memset(w, 0, sizeof(*w));
	while (i < cursor) {
		char c = s[i];

		if (q != 0) {
			if (c == '\'' && q == '\'' && i + 1 < cursor &&
			    s[i + 1] == '\'')
				i++;
			else if (c == '`' && q == '"' && i + 1 < cursor)
				i++;
			else if (c == q)
				q = 0;
			i++;
			continue;
		}
		if (separator(c)) {
			if (in_word && first) {
				cmd_start = start;
				cmd_end = i;
				cmd_seen = true;
			}
			if (in_word)
				first = false;
			in_word = false;
			if (!blank(c)) {
				first = true;	/* a new command */
				cmd_seen = false;
			}
			i++;
			continue;
		}
		if (!in_word) {
			in_word = true;
			start = i;
		}
		if (c == '\'' || c == '"')
			q = c;
		else if (c == '`' && i + 1 < cursor)
			i++;
		i++;
	}
	if (!in_word)
		start = cursor;
	w->start = start;
	w->command = first;
	/* the word goes on past the cursor up to a separator or a quote */
	w->end = cursor;
	while (q == 0 && s[w->end] != '\0' && !separator(s[w->end]) &&
	    s[w->end] != '\'' && s[w->end] != '"')
		w->end++;
	if ((w->text = value(s, start, cursor, &w->quote)) == NULL)
		return -1;
	if (!first && cmd_seen &&
	    (w->cmdlet = strndup(s + cmd_start, cmd_end - cmd_start)) == NULL) {
		ps_word_clear(w);
		return -1;
	}
	return 0;
}

void
ps_word_clear(struct ps_word *w)
{
	free(w->text);
	free(w->cmdlet);
	w->text = w->cmdlet = NULL;
}

char *
ps_word_quote(const char *s, char q, bool command)
{
	bool plain = q == 0 && *s != '\0';
	char *out, *o;

	for (const char *p = s; plain && *p != '\0'; p++)
		if (separator(*p) || strchr("'\"`$,@#<>", *p) != NULL)
			plain = false;
	if (plain)
		return strdup(s);
	if (q != '"')
		q = '\'';
	if ((out = malloc(strlen(s) * 2 + 6)) == NULL)
		return NULL;
	o = out;
	if (command) {
		*o++ = '&';
		*o++ = ' ';
	}
	*o++ = q;
	for (; *s != '\0'; s++) {
		if (*s == q && q == '\'')
			*o++ = '\'';
		else if (q == '"' && (*s == '"' || *s == '`' || *s == '$'))
			*o++ = '`';
		*o++ = *s;
	}
	*o++ = q;
	*o = '\0';
	return out;
}
