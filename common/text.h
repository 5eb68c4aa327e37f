/*
 * text.h: small pure text helpers the daemon, the plugins, the providers
 * and winrmd-native share: blanks trimmed, UTF-8 sequences checked and
 * written, NULL-terminated string vectors copied and freed.
 */
#ifndef WINRMD_COMMON_TEXT_H
#define WINRMD_COMMON_TEXT_H

#include <stddef.h>
#include <stdint.h>

/*
 * s without its leading and trailing white space (isspace: blanks, tabs,
 * newlines): returns where it starts in s and stores its length.
 */
const char *text_trim(const char *s, size_t *ret_len);
/* the same as a new string (malloc), NULL when out of memory */
char	*text_trim_dup(const char *s);

/*
 * A copy of the NULL-terminated vector v (each string and the vector,
 * malloc; v NULL: an empty vector), NULL when out of memory.
 */
char	**strv_dup(char *const *v);
/* frees a vector strv_dup made (or any such, NULL included) */
void	 strv_free(char **v);

/*
 * The length (1 to 4) of the well-formed UTF-8 sequence at p, of which n
 * bytes may be read, and its code point in *ret_cp (may be NULL); 0 when p
 * does not start one: a stray continuation byte, an overlong form, a
 * surrogate, a code point past U+10FFFF or a sequence cut short.  NUL is a
 * sequence of one byte (code point 0) like any other ASCII byte.
 */
size_t	utf8_decode(const unsigned char *p, size_t n, uint32_t *ret_cp);

/*
 * Code point cp as UTF-8 into out (room for 4 bytes, no NUL written):
 * returns the length, 1 to 4.  Surrogates (CESU-style, as PSRP's
 * lone ones) are encoded as three bytes like any other BMP code point; cp
 * must be at most U+10FFFF.
 */
size_t	utf8_encode(uint32_t cp, char *out);

#endif
