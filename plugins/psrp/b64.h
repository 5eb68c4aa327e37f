/*
 * b64.h: base64 for the PSRP codec (BA values, key blobs, SecureStrings,
 * fragments in Receive and Send): common/base64.h's, the one
 * implementation, under the codec's names.
 */
#ifndef WINRMD_PSRP_B64_H
#define WINRMD_PSRP_B64_H

#include <stddef.h>
#include <stdint.h>

#include "base64.h"

/*
 * Decodes len characters of base64 (white space skipped, padding checked):
 * a malloc'd buffer and its size in *ret_len, or NULL if not base64.
 */
static inline uint8_t *
psrp_b64_decode(const char *s, size_t len, size_t *ret_len)
{
	return base64_decode(s, len, ret_len);
}

/* Encodes len bytes: a malloc'd NUL-terminated text, or NULL. */
static inline char *
psrp_b64_encode(const uint8_t *p, size_t len)
{
	return base64_encode(p, len);
}

#endif
