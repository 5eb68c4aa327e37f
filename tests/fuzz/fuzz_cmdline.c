/*
 * fuzz_cmdline.c: WinRS command lines (Command and Arguments split at
 * NUL bytes of the input) through the PowerShell/cmd classifier.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *args[8], *p;
	size_t nargs = 0;
	struct cmdline c;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	/* the first string is Command, the next ones Arguments */
	for (p = buf + strlen(buf) + 1; p < buf + size && nargs < 8;
	    p += strlen(p) + 1)
		args[nargs++] = p;
	if (cmdline_parse(buf, args, nargs, data[0] & 1, &c) == 0) {
		if (c.kind != CMD_ARGV && c.text == NULL)
			abort();
		if (c.kind == CMD_POWERSHELL) {
			char *enc = cmdline_encode_ps(c.text);

			free(enc);
		}
		cmdline_free(&c);
	}
	free(buf);
	return 0;
}
