/*
 * wsman.c: reads the WS-Addressing / WS-Management headers of a parsed
 * envelope.  Applies the rules of MS-WSMV §3.1.4.1: required headers,
 * anonymous ReplyTo, OperationTimeout and MaxEnvelopeSize clamping,
 * selectors and options, and mustUnderstand.  `To' is never validated.
 */
#include "build.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "duration.h"
#include "soap.h"
#include "text.h"
#include "wsman.h"

#define MAX_HEADER_TEXT	4096

int
wsman_envelope(struct wsman_msg *m, xmlDocPtr doc, struct fault *f)
{
	xmlNodePtr root = xmlDocGetRootElement(doc), n, body = NULL;

	m->doc = doc;
	if (!soap_is(root, WINRMD_NS_SOAP, "Envelope")) {
		fault_set(f, WINRMD_FAULT_INVALID_XML, NULL,
		    "The request is not a SOAP 1.2 envelope.");
		return -1;
	}
	for (n = soap_first_elem(root->children); n != NULL; n = soap_next_elem(n)) {
		if (soap_is(n, WINRMD_NS_SOAP, "Header") && m->header == NULL &&
		    body == NULL)
			m->header = n;
		else if (soap_is(n, WINRMD_NS_SOAP, "Body") && body == NULL)
			body = n;
		else {
			fault_set(f, WINRMD_FAULT_INVALID_XML, NULL,
			    "Unexpected element %s in the SOAP envelope.",
			    (const char *)n->name);
			return -1;
		}
	}
	if (body == NULL) {
		fault_set(f, WINRMD_FAULT_INVALID_XML, NULL,
		    "The SOAP envelope has no Body.");
		return -1;
	}
	m->body = soap_first_elem(body->children);
	m->identify = soap_is(m->body, NS_WSMID, "Identify") &&
	    soap_next_elem(m->body) == NULL;
	return 0;
}

/* text of an element's single text content, copied; NULL if too long */
static const char *
text_of(struct arena *a, xmlNodePtr n)
{
	xmlChar *t = xmlNodeGetContent(n);
	const char *s = NULL, *p;
	size_t len;

	if (t == NULL)
		return arena_strdup(a, "");
	/* xs:anyURI and friends: surrounding whitespace is not part of it */
	p = text_trim((const char *)t, &len);
	if (len <= MAX_HEADER_TEXT)
		s = arena_strndup(a, p, len);
	xmlFree(t);
	return s;
}

static bool
must_understand(xmlNodePtr n)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST "mustUnderstand");
	bool yes;

	if (v == NULL)
		v = xmlGetNsProp(n, BAD_CAST "mustUnderstand", BAD_CAST WINRMD_NS_SOAP);
	if (v == NULL)
		return false;
	yes = strcmp((char *)v, "true") == 0 || strcmp((char *)v, "1") == 0;
	xmlFree(v);
	return yes;
}

static int
read_selectors(struct wsman_msg *m, struct arena *a, xmlNodePtr set,
    struct fault *f)
{
	size_t n = 0;

	for (xmlNodePtr c = soap_first_elem(set->children); c; c = soap_next_elem(c))
		n++;
	if (n > WSMAN_MAX_SELECTORS) {
		fault_set(f, WINRMD_FAULT_INVALID_SELECTORS, NULL,
		    "Too many selectors (at most %d).", WSMAN_MAX_SELECTORS);
		return -1;
	}
	m->selectors = arena_alloc(a, (n ? n : 1) * sizeof(*m->selectors));
	if (m->selectors == NULL)
		goto nomem;
	for (xmlNodePtr c = soap_first_elem(set->children); c; c = soap_next_elem(c)) {
		xmlChar *name;
		struct winrmd_selector *s = &m->selectors[m->nselectors];

		if (!soap_is(c, WINRMD_NS_WSMAN, "Selector") ||
		    (name = xmlGetProp(c, BAD_CAST "Name")) == NULL) {
			fault_set(f, WINRMD_FAULT_INVALID_SELECTORS, NULL,
			    "A selector has no Name.");
			return -1;
		}
		s->name = arena_strdup(a, (char *)name);
		xmlFree(name);
		if ((s->value = text_of(a, c)) == NULL || s->name == NULL)
			goto nomem;
		for (size_t i = 0; i < m->nselectors; i++)
			if (strcasecmp(m->selectors[i].name, s->name) == 0) {
				fault_set(f, WINRMD_FAULT_DUPLICATE_SELECTORS,
				    NULL, "The selector %s appears twice.",
				    s->name);
				return -1;
			}
		m->nselectors++;
	}
	return 0;
nomem:
	fault_set(f, WINRMD_FAULT_INTERNAL_ERROR, NULL, "out of memory");
	return -1;
}

static int
read_options(struct wsman_msg *m, struct arena *a, xmlNodePtr set,
    struct fault *f)
{
	size_t n = 0;

	for (xmlNodePtr c = soap_first_elem(set->children); c; c = soap_next_elem(c))
		n++;
	if (n > WSMAN_MAX_OPTIONS) {
		fault_set(f, WINRMD_FAULT_INVALID_OPTIONS, NULL,
		    "Too many options (at most %d).", WSMAN_MAX_OPTIONS);
		return -1;
	}
	m->options = arena_alloc(a, (n ? n : 1) * sizeof(*m->options));
	if (m->options == NULL)
		goto nomem;
	for (xmlNodePtr c = soap_first_elem(set->children); c; c = soap_next_elem(c)) {
		struct winrmd_option *o = &m->options[m->noptions];
		xmlChar *name, *mc;

		if (!soap_is(c, WINRMD_NS_WSMAN, "Option") ||
		    (name = xmlGetProp(c, BAD_CAST "Name")) == NULL) {
			fault_set(f, WINRMD_FAULT_INVALID_OPTIONS, "InvalidName",
			    "An option has no Name.");
			return -1;
		}
		o->name = arena_strdup(a, (char *)name);
		xmlFree(name);
		if ((mc = xmlGetProp(c, BAD_CAST "MustComply")) != NULL) {
			o->must_comply = strcmp((char *)mc, "true") == 0 ||
			    strcmp((char *)mc, "1") == 0;
			xmlFree(mc);
		}
		if ((o->value = text_of(a, c)) == NULL || o->name == NULL)
			goto nomem;
		m->noptions++;
	}
	return 0;
nomem:
	fault_set(f, WINRMD_FAULT_INTERNAL_ERROR, NULL, "out of memory");
	return -1;
}

static int
read_lang(struct arena *a, xmlNodePtr n, const char **ret)
{
	xmlChar *lang = xmlNodeGetLang(n);

	*ret = arena_strdup(a, lang ? (char *)lang : "");
	xmlFree(lang);
	return *ret ? 0 : -1;
}

int
wsman_read_headers(struct wsman_msg *m, struct arena *a,
    const struct wsman_limits *lim, struct fault *f)
{
	const char *timeout = NULL, *max_env = NULL;
	bool reply_to = false, compression = false;

	m->timeout_ms = lim->max_timeout_ms;
	m->max_envelope = lim->max_envelope;
	for (xmlNodePtr n = m->header ? soap_first_elem(m->header->children) : NULL;
	    n != NULL; n = soap_next_elem(n)) {
		const char **slot = NULL;

		if (soap_is(n, WINRMD_NS_WSA, "Action"))
			slot = &m->action;
		else if (soap_is(n, WINRMD_NS_WSA, "To"))
			slot = &m->to;
		else if (soap_is(n, WINRMD_NS_WSA, "MessageID"))
			slot = &m->message_id;
		else if (soap_is(n, WINRMD_NS_WSMAN, "ResourceURI"))
			slot = &m->resource_uri;
		else if (soap_is(n, WINRMD_NS_WSMAN, "OperationTimeout"))
			slot = &timeout;
		else if (soap_is(n, WINRMD_NS_WSMAN, "MaxEnvelopeSize"))
			slot = &max_env;
		else if (soap_is(n, WINRMD_NS_WSMV, "SessionId"))
			slot = &m->session_id;
		else if (soap_is(n, WINRMD_NS_WSA, "ReplyTo") ||
		    soap_is(n, WINRMD_NS_WSA, "FaultTo")) {
			xmlNodePtr addr = soap_child(n, WINRMD_NS_WSA, "Address");
			const char *uri = addr ? text_of(a, addr) : NULL;

			if (uri == NULL || strcmp(uri, WSA_ANONYMOUS) != 0) {
				fault_set(f, WINRMD_FAULT_UNSUPPORTED_FEATURE,
				    "AddressingMode", "Only the anonymous "
				    "address is supported in %s.",
				    (const char *)n->name);
				return -1;
			}
			if (strcmp((const char *)n->name, "ReplyTo") == 0)
				reply_to = true;
			continue;
		} else if (soap_is(n, WINRMD_NS_WSMAN, "SelectorSet")) {
			if (m->selectors != NULL || read_selectors(m, a, n, f) < 0) {
				if (f->code == WINRMD_FAULT_NONE)
					fault_set(f, WINRMD_FAULT_INVALID_SELECTORS,
					    NULL, "Two SelectorSets.");
				return -1;
			}
			continue;
		} else if (soap_is(n, WINRMD_NS_WSMAN, "OptionSet")) {
			if (m->options != NULL || read_options(m, a, n, f) < 0) {
				if (f->code == WINRMD_FAULT_NONE)
					fault_set(f, WINRMD_FAULT_INVALID_OPTIONS,
					    NULL, "Two OptionSets.");
				return -1;
			}
			continue;
		} else if (soap_is(n, WINRMD_NS_WSMAN, "Locale")) {
			if (read_lang(a, n, &m->locale) < 0)
				goto nomem;
			continue;
		} else if (soap_is(n, WINRMD_NS_WSMV, "DataLocale")) {
			if (read_lang(a, n, &m->data_locale) < 0)
				goto nomem;
			continue;
		} else if (soap_is(n, WINRMD_NS_SHELL, "CompressionType")) {
			/* a shell's Create: the shell plugin reads it
			 * (plugins/shell/shell_xpress.c); understood nowhere
			 * else (checked once the Action is known) */
			compression = compression || must_understand(n);
			continue;
		} else if (soap_is(n, WINRMD_NS_WSMV, "OperationID") ||
		    soap_is(n, WINRMD_NS_WSMV, "SequenceId")) {
			continue;	/* robust-connection hints; harmless */
		} else {
			if (must_understand(n)) {
				fault_set(f, WINRMD_FAULT_MUST_UNDERSTAND, NULL,
				    "The header %s (%s) is marked mustUnderstand "
				    "and is not supported.", (const char *)n->name,
				    n->ns ? (const char *)n->ns->href : "no namespace");
				return -1;
			}
			continue;
		}
		if (*slot != NULL) {
			fault_set(f, WINRMD_FAULT_INVALID_MESSAGE_INFORMATION_HEADER,
			    NULL, "The header %s appears twice.",
			    (const char *)n->name);
			return -1;
		}
		if ((*slot = text_of(a, n)) == NULL) {
			fault_set(f, WINRMD_FAULT_INVALID_MESSAGE_INFORMATION_HEADER,
			    NULL, "The header %s is too long.",
			    (const char *)n->name);
			return -1;
		}
	}
	if (m->action == NULL || m->action[0] == '\0') {
		fault_set(f, WINRMD_FAULT_MESSAGE_INFORMATION_HEADER_REQUIRED,
		    NULL, "The request has no Action header.");
		return -1;
	}
	if (m->message_id == NULL || m->message_id[0] == '\0') {
		fault_set(f, WINRMD_FAULT_MESSAGE_INFORMATION_HEADER_REQUIRED,
		    NULL, "The request has no MessageID header.");
		return -1;
	}
	if (compression && strcmp(m->action, WINRMD_ACTION_CREATE) != 0) {
		fault_set(f, WINRMD_FAULT_MUST_UNDERSTAND, NULL,
		    "The header CompressionType (%s) is marked mustUnderstand "
		    "and is only supported in the Create of a shell.",
		    WINRMD_NS_SHELL);
		return -1;
	}
	if (!reply_to) {	/* MS-WSMV §3.1.4.1.3 */
		fault_set(f, WINRMD_FAULT_MESSAGE_INFORMATION_HEADER_REQUIRED,
		    NULL, "The request has no ReplyTo header.");
		return -1;
	}
	if (timeout != NULL) {
		uint64_t ms;

		if (wsman_parse_duration(timeout, &ms) < 0) {
			fault_set(f, WINRMD_FAULT_INVALID_MESSAGE_INFORMATION_HEADER,
			    NULL, "The OperationTimeout is not a valid "
			    "xs:duration.");
			return -1;
		}
		if (ms < m->timeout_ms)
			m->timeout_ms = ms;
	}
	if (max_env != NULL) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(max_env, &end, 10);
		if (!isdigit((unsigned char)max_env[0]) || *end != '\0' ||
		    errno != 0) {
			fault_set(f, WINRMD_FAULT_INVALID_MESSAGE_INFORMATION_HEADER,
			    NULL, "MaxEnvelopeSize is not a number.");
			return -1;
		}
		if (v < WSMAN_MIN_ENVELOPE) {
			fault_set(f, WINRMD_FAULT_ENCODING_LIMIT,
			    "MinimumEnvelopeLimit", "MaxEnvelopeSize must be at "
			    "least %d.", WSMAN_MIN_ENVELOPE);
			return -1;
		}
		if (v < m->max_envelope)
			m->max_envelope = (size_t)v;
	}
	return 0;
nomem:
	fault_set(f, WINRMD_FAULT_INTERNAL_ERROR, NULL, "out of memory");
	return -1;
}

int
wsman_parse_duration(const char *s, uint64_t *ret_ms)
{
	return xs_duration_parse(s, DURATION_MS, ret_ms);
}

void
wsman_format_duration(uint64_t ms, char *buf, size_t len)
{
	snprintf(buf, len, "PT%llu.%03lluS", (unsigned long long)(ms / 1000),
	    (unsigned long long)(ms % 1000));
}

const char *
wsman_selector(const struct wsman_msg *m, const char *name)
{
	for (size_t i = 0; i < m->nselectors; i++)
		if (strcasecmp(m->selectors[i].name, name) == 0)
			return m->selectors[i].value;
	return NULL;
}

const char *
wsman_option(const struct wsman_msg *m, const char *name)
{
	for (size_t i = 0; i < m->noptions; i++)
		if (strcasecmp(m->options[i].name, name) == 0)
			return m->options[i].value;
	return NULL;
}
