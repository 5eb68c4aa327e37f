/*
 * stream.c: the base64 of rsp:Stream elements (stream.h): a NUL-terminated
 * text for common/base64.c's decoder.
 */
#include <string.h>

#include "base64.h"
#include "stream.h"

unsigned char *
stream_b64_decode(const char *text, size_t *ret_len)
{
	return base64_decode(text, strlen(text), ret_len);
}
