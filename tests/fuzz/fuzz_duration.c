/*
 * fuzz_duration.c: xs:duration parsing (OperationTimeout): never crashes,
 * and what it accepts formats back to a duration that parses to the same
 * value (to the millisecond).
 */
#include "build.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wsman.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), again[64];
	uint64_t ms, ms2;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (wsman_parse_duration(s, &ms) == 0 && ms < UINT64_MAX / 2) {
		wsman_format_duration(ms, again, sizeof(again));
		if (wsman_parse_duration(again, &ms2) != 0 || ms2 != ms)
			abort();
	}
	free(s);
	return 0;
}
