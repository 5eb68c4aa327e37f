/*
 * ps_word.h: the word at the cursor of a PowerShell command line, for tab
 * completion (ps_complete.c), and a name written back as a word.  Pure:
 * no I/O, for the unit tests and the fuzz harness (fuzz_psrp_cmdlet).
 *
 * A word ends at white space or one of | ; ( ) { } &; quotes ('...' with
 * '' for a quote, "..." with ` escapes) keep it together, and a ` outside
 * them escapes the next character.  Offsets are bytes; .NET's UTF-16
 * offsets convert with ps_word_byte_offset and ps_word_u16_len.
 */
#ifndef WINRMD_NATIVE_PS_WORD_H
#define WINRMD_NATIVE_PS_WORD_H

#include <stdbool.h>
#include <stddef.h>

struct ps_word {
	size_t	 start, end;	/* the bytes of the line it spans; end goes
				   past the cursor to the word's end */
	char	 quote;		/* the quote it opened with ('\'', '"'), 0 */
	char	*text;		/* its value up to the cursor, unquoted */
	bool	 command;	/* the first word of a command */
	char	*cmdlet;	/* else that first word (as written), or NULL */
};

/*
 * The word of line (NUL-terminated) that cursor (a byte offset, at most
 * its length) is in or after.  0, or -1 when out of memory.
 */
int	ps_word_find(const char *line, size_t cursor, struct ps_word *w);
void	ps_word_clear(struct ps_word *w);

/*
 * s as one word: as it is when it can be, else quoted with q ('\'' when
 * q is 0), and behind "& " when command (a quoted command is a string
 * without it).  NULL when out of memory.
 */
char	*ps_word_quote(const char *s, char q, bool command);

/* the byte offset of UTF-16 offset u16 in s, its length at most */
size_t	ps_word_byte_offset(const char *s, long u16);
/* the UTF-16 length of s[0, len) */
int	ps_word_u16_len(const char *s, size_t len);

#endif
