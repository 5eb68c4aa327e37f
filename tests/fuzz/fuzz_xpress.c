/*
 * fuzz_xpress.c: CompressionType xpress's Send streams (plugins/shell/
 * xpress.c): any bytes as MS-WSMV chunks decoded by wimlib's LZ77+Huffman
 * decoder never crash, never yield more than the bound or than the headers
 * say, and stored chunks framed by xpress_frame decode to what was framed.
 * Seeds (corpus/fuzz_xpress): chunks framed as pypsrp_xpress_client.py's
 * Xpress.frame does (libwim's compressor, stored under 266 bytes), MS-XCA
 * 3.2's second example as a chunk, and one cut short.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xpress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *out = NULL, *framed;
	size_t len = 0, at = 0, n, max;

	/* the first byte picks the bound: small ones reach TOO_LARGE */
	max = size > 0 ? (size_t)data[0] * 1024 + 1 : 1;
	if (xpress_decode(data, size, max, &out, &len, &at) == XPRESS_OK) {
		if (out == NULL || len > max)
			abort();
		free(out);
	} else if (out != NULL || (size > 0 && at >= size))
		abort();
	/* the framing Receive sends always decodes back */
	if ((framed = xpress_frame(data, size, &n)) == NULL)
		return 0;
	if (xpress_decode(framed, n, size, &out, &len, &at) != XPRESS_OK ||
	    len != size || memcmp(out, data, size) != 0)
		abort();
	free(out);
	free(framed);
	return 0;
}
