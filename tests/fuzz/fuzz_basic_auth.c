/*
 * fuzz_basic_auth.c: the Authorization header of the Basic scheme.  What is
 * accepted has a non-empty user, no NUL and no colon in the user.
 */
#include "build.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *hdr = malloc(size + 1), *user = NULL, *pass = NULL;

	if (hdr == NULL)
		return 0;
	memcpy(hdr, data, size);
	hdr[size] = '\0';
	if (auth_basic_decode(hdr, &user, &pass) == 0) {
		if (user[0] == '\0' || strchr(user, ':') != NULL)
			abort();
		auth_basic_wipe(user, pass);
	}
	free(hdr);
	return 0;
}
