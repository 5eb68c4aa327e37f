/*
 * fuzz_envelope.c: a request body through the hardened parser and the
 * WS-Addressing / WS-Management header reader, as http.c runs them.
 */
#include "build.h"

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "soap.h"
#include "wsman.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int initialised;
	struct wsman_limits lim = { .max_envelope = 512000, .max_timeout_ms = 60000 };
	struct wsman_msg m = { 0 };
	struct fault f = { 0 };
	struct arena *a;
	xmlDocPtr doc;

	if (!initialised) {
		soap_init();
		initialised = 1;
	}
	if ((doc = soap_parse((const char *)data, size, &f)) == NULL)
		return 0;
	if ((a = arena_new()) != NULL) {
		if (wsman_envelope(&m, doc, &f) == 0 && !m.identify)
			(void)wsman_read_headers(&m, a, &lim, &f);
		arena_free(a);
	}
	xmlFreeDoc(doc);
	return 0;
}
