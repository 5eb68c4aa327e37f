/*
 * shell_xpress.c: CompressionType xpress for a shell (WinRS shells and
 * PowerShell runspace pools alike): the Create header, the Send streams
 * decoded (base64, then the chunks of xpress.c), the Receive streams
 * framed as stored chunks.  Faults are w:InvalidParameter with a log line,
 * as for a stream that is not base64.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "b64.h"
#include "shell.h"
#include "stream.h"
#include "text.h"
#include "xpress.h"

static bool
is_elem(xmlNodePtr n, const char *ns, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    strcmp((const char *)n->ns->href, ns) == 0 &&
	    strcmp((const char *)n->name, name) == 0;
}

static bool
must_understand(xmlNodePtr n)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST "mustUnderstand");
	bool yes;

	if (v == NULL)
		v = xmlGetNsProp(n, BAD_CAST "mustUnderstand",
		    BAD_CAST WINRMD_NS_SOAP);
	yes = v != NULL && (strcmp((char *)v, "true") == 0 ||
	    strcmp((char *)v, "1") == 0);
	xmlFree(v);
	return yes;
}

/* rsp:CompressionType in the Create's s:Header, or NULL */
static xmlNodePtr
compression_header(xmlNodePtr body)
{
	xmlNodePtr env = body != NULL ? xmlDocGetRootElement(body->doc) : NULL;

	for (xmlNodePtr h = env ? env->children : NULL; h; h = h->next) {
		if (!is_elem(h, WINRMD_NS_SOAP, "Header"))
			continue;
		for (xmlNodePtr n = h->children; n; n = n->next)
			if (is_elem(n, WINRMD_NS_SHELL, "CompressionType"))
				return n;
	}
	return NULL;
}

int
shell_compression(struct winrmd_op *op, struct shell *sh)
{
	xmlNodePtr n = compression_header(host->op_body(op));
	xmlChar *t;
	const char *v;
	size_t len;
	bool xpress;
	int r;

	if (n == NULL)
		return WINRMD_OK;
	t = xmlNodeGetContent(n);
	v = text_trim(t ? (const char *)t : "", &len);
	xpress = len == 6 && strncasecmp(v, "xpress", 6) == 0;
	if (!xpress && must_understand(n)) {
		host->log(WINRMD_LOG_NOTICE, "shell: Create from %s by %s asks "
		    "for CompressionType %.*s, which is not supported",
		    host->op_client_ip(op), sh->user.name,
		    (int)(len > 32 ? 32 : len), v);
		r = host->op_fault(op, WINRMD_FAULT_MUST_UNDERSTAND, NULL,
		    "The compression type %.*s is not supported; the "
		    "service supports xpress.", (int)(len > 32 ? 32 : len), v);
		xmlFree(t);	/* v points into it */
		return r;
	}
	xmlFree(t);
	sh->xpress = xpress;
	return WINRMD_OK;
}

unsigned char *
shell_stream_in(struct winrmd_op *op, const struct shell *sh,
    const char *text, const char *name, size_t *ret_len, int *ret_fault)
{
	unsigned char *raw, *out = NULL;
	size_t len = 0, at = 0;
	long long kb;
	enum xpress_error e;

	raw = stream_b64_decode(text, &len);
	if (raw == NULL) {
		*ret_fault = host->op_fault(op, WINRMD_FAULT_INVALID_PARAMETER,
		    NULL, "The %s stream is not valid base64.", name);
		return NULL;
	}
	if (!sh->xpress) {
		*ret_len = len;
		return raw;
	}
	/* a compressed Send carries no more than a plain one could */
	kb = host->conf_int("Service", "MaxEnvelopeSizekb");
	e = xpress_decode(raw, len, (size_t)(kb > 0 ? kb : 512) * 1024, &out,
	    ret_len, &at);
	free(raw);
	if (e == XPRESS_OK)
		return out;
	host->log(WINRMD_LOG_WARNING, "shell: %s stream of shell %s (%s from "
	    "%s) refused: %s (chunk at byte %zu of %zu)", name, sh->id,
	    sh->user.name, sh->client_ip, xpress_strerror(e), at, len);
	*ret_fault = host->op_fault(op, e == XPRESS_NOMEM ?
	    WINRMD_FAULT_INTERNAL_ERROR : WINRMD_FAULT_INVALID_PARAMETER, NULL,
	    "The %s stream cannot be decompressed (CompressionType xpress): "
	    "%s at byte %zu.", name, xpress_strerror(e), at);
	return NULL;
}

char *
shell_stream_b64(const struct shell *sh, const unsigned char *data, size_t len)
{
	unsigned char *framed;
	size_t n;
	char *b64;

	if (sh == NULL || !sh->xpress)
		return psrp_b64_encode(data, len);
	if ((framed = xpress_frame(data, len, &n)) == NULL)
		return NULL;
	b64 = psrp_b64_encode(framed, n);
	free(framed);
	return b64;
}

size_t
shell_stream_room(const struct shell *sh, size_t room)
{
	return sh != NULL && sh->xpress ? xpress_room(room) : room;
}
