/*
 * fuzz_stream.c: the base64 text of rsp:Stream (Send): decoding never
 * crashes and never writes past len/4*3 bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	unsigned char *out;
	size_t n;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if ((out = stream_b64_decode(text, &n)) != NULL) {
		if (n > strlen(text) / 4 * 3 + 3)
			abort();
		free(out);
	}
	free(text);
	return 0;
}
