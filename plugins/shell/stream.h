/*
 * stream.h: the base64 of rsp:Stream elements (Send), decoded by
 * common/base64.h's one decoder.
 */
#ifndef WINRMD_SHELL_STREAM_H
#define WINRMD_SHELL_STREAM_H

#include <stddef.h>

/*
 * Decodes the text of an rsp:Stream (base64; whitespace and line breaks
 * allowed, as clients wrap it).  Returns malloc'd bytes and their count,
 * or NULL if the text is not base64.
 */
unsigned char	*stream_b64_decode(const char *text, size_t *ret_len);

#endif
