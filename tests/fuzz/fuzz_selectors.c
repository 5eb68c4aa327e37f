/*
 * fuzz_selectors.c: the WS-Management headers a request carries besides
 * the addressing ones -- SelectorSet, OptionSet, OperationTimeout,
 * MaxEnvelopeSize, Locale, DataLocale, mustUnderstand headers -- with
 * the input placed inside an otherwise valid s:Header, so that every
 * input reaches wsman_read_headers() (fuzz_envelope spends most inputs on
 * the envelope itself).  tests/fuzz/fuzz_selectors.dict names the parts.
 *
 * Invariants, when the headers are accepted: at most WSMAN_MAX_SELECTORS
 * selectors and WSMAN_MAX_OPTIONS options, none without a name or value,
 * no two selectors with the same name (case-insensitively), each found by
 * name; the timeout at most MaxTimeoutms; MaxEnvelopeSize within
 * [WSMAN_MIN_ENVELOPE, MaxEnvelopeSizekb].
 */
#include "build.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "soap.h"
#include "wsman.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char head[] =
    "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
    "xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
    "xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\" "
    "xmlns:p=\"http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd\">"
    "<s:Header>"
    "<a:To>http://127.0.0.1:5985/wsman</a:To>"
    "<a:ReplyTo><a:Address s:mustUnderstand=\"true\">"
    "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
    "</a:Address></a:ReplyTo>"
    "<a:Action s:mustUnderstand=\"true\">"
    "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get</a:Action>"
    "<a:MessageID>uuid:0A3C2E4D-0000-4000-8000-000000000001</a:MessageID>"
    "<w:ResourceURI s:mustUnderstand=\"true\">"
    "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service"
    "</w:ResourceURI>";
static const char tail[] = "</s:Header><s:Body/></s:Envelope>";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int initialised;
	struct wsman_limits lim = { .max_envelope = 512000, .max_timeout_ms = 60000 };
	struct wsman_msg m = { 0 };
	struct fault f = { 0 };
	struct arena *a;
	xmlDocPtr doc;
	char *buf;
	size_t len;

	if (!initialised) {
		soap_init();
		initialised = 1;
	}
	if (size > 256 * 1024)
		return 0;
	len = sizeof(head) - 1 + size + sizeof(tail) - 1;
	if ((buf = malloc(len)) == NULL)
		return 0;
	memcpy(buf, head, sizeof(head) - 1);
	memcpy(buf + sizeof(head) - 1, data, size);
	memcpy(buf + sizeof(head) - 1 + size, tail, sizeof(tail) - 1);
	doc = soap_parse(buf, len, &f);
	free(buf);
	if (doc == NULL)
		return 0;
	if ((a = arena_new()) != NULL) {
		if (wsman_envelope(&m, doc, &f) < 0 || m.identify) {
			/* the input rebuilt the envelope: not ours */
		} else if (wsman_read_headers(&m, a, &lim, &f) == 0) {
			if (m.nselectors > WSMAN_MAX_SELECTORS ||
			    m.noptions > WSMAN_MAX_OPTIONS)
				abort();
			for (size_t i = 0; i < m.nselectors; i++) {
				const struct winrmd_selector *s = &m.selectors[i];

				if (s->name == NULL || s->value == NULL)
					abort();
				for (size_t j = 0; j < i; j++)
					if (strcasecmp(m.selectors[j].name,
					    s->name) == 0)
						abort();
				if (wsman_selector(&m, s->name) != s->value)
					abort();
			}
			for (size_t i = 0; i < m.noptions; i++) {
				const struct winrmd_option *o = &m.options[i];

				if (o->name == NULL || o->value == NULL ||
				    wsman_option(&m, o->name) == NULL)
					abort();
			}
			if (m.timeout_ms > lim.max_timeout_ms ||
			    m.max_envelope > lim.max_envelope ||
			    m.max_envelope < WSMAN_MIN_ENVELOPE)
				abort();
		} else if (f.code == WINRMD_FAULT_NONE)
			abort();	/* refused without a fault */
		arena_free(a);
	}
	xmlFreeDoc(doc);
	return 0;
}
