/*
 * uri.c: the resource URIs of classes (docs/PROTOCOL.md Part C §1.1, MS-WSMV 3.1.4.1.1):
 *   http://schemas.microsoft.com/wbem/wsman/1/wmi/<ns>/<Class>  (or *)
 *   http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/<Class>   + __cimnamespace
 *   http://schemas.microsoft.com/wbem/wscim/1/cim-schema/2/<Class> (synonym)
 *   http://schemas.dmtf.org/wbem/wscim/1/ + "*"                  (all classes)
 * Prefixes and names are matched case-insensitively; a DMTF URI without
 * __cimnamespace means root/hardware, as on Windows.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cim.h"

static bool
name_ok(const char *s, size_t len)
{
	if (len == 0 || len >= CIM_NAME_MAX ||
	    (!isalpha((unsigned char)s[0]) && s[0] != '_'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/* "root\cimv2" or "root/cimv2" -> "root/cimv2"; false if malformed */
static bool
ns_normalise(const char *in, size_t len, char *out, size_t outlen)
{
	size_t seg = 0, o = 0;

	if (len == 0 || len >= outlen)
		return false;
	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? in[i] : '/';

		if (c == '\\' || c == '/') {
			if (seg == 0)
				return false;	/* empty segment */
			seg = 0;
			if (i < len)
				out[o++] = '/';
			continue;
		}
		if (!isalnum((unsigned char)c) && c != '_')
			return false;
		out[o++] = c;
		seg++;
	}
	out[o] = '\0';
	return true;
}

bool
ns_equal(const char *a, const char *b)
{
	for (;; a++, b++) {
		char x = *a == '\\' ? '/' : *a, y = *b == '\\' ? '/' : *b;

		if (tolower((unsigned char)x) != tolower((unsigned char)y))
			return false;
		if (x == '\0')
			return true;
	}
}

static bool
has_prefix(const char *s, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncasecmp(s, prefix, n) != 0)
		return false;
	*rest = s + n;
	return true;
}

enum winrmd_fault
uri_parse(const char *uri, const char *cimns, struct cim_uri *u, char *err,
    size_t errlen)
{
	const char *rest, *slash;
	size_t len;
	char ns[CIM_NAME_MAX];

	memset(u, 0, sizeof(*u));
	if (uri == NULL)
		goto bad_uri;
	len = strcspn(uri, "?");	/* a query is not part of the class */
	if (len >= CIM_URI_MAX)
		goto bad_uri;
	if (cimns != NULL && !ns_normalise(cimns, strlen(cimns), ns, sizeof(ns))) {
		snprintf(err, errlen, "The __cimnamespace selector is not a "
		    "valid namespace.");
		return WINRMD_FAULT_INVALID_SELECTORS;
	}
	if (has_prefix(uri, URI_WMI "/", &rest)) {
		u->form = URI_FORM_WMI;
		len -= (size_t)(rest - uri);
		/* <ns>/<Class>: the class is the last segment */
		slash = NULL;
		for (size_t i = 0; i < len; i++)
			if (rest[i] == '/')
				slash = rest + i;
		if (slash == NULL || !ns_normalise(rest, (size_t)(slash - rest),
		    u->ns, sizeof(u->ns)))
			goto bad_uri;
		rest = slash + 1;
		len = strcspn(rest, "?");
		if (len == 1 && rest[0] == '*')
			u->all = true;
		else if (!name_ok(rest, len))
			goto bad_uri;
		else
			memcpy(u->cls, rest, len);
		if (cimns != NULL) {
			/* MS URI and selector must agree (omi issue #398) */
			if (!ns_equal(ns, u->ns)) {
				snprintf(err, errlen, "The resource URI and "
				    "__cimnamespace selector attempted to use "
				    "different namespaces.");
				return WINRMD_FAULT_INVALID_SELECTORS;
			}
			u->ns_selector = true;
		}
		snprintf(u->base, sizeof(u->base), "%s/%s/", URI_WMI, u->ns);
		return WINRMD_FAULT_NONE;
	}
	if (has_prefix(uri, URI_DMTF, &rest) || has_prefix(uri, URI_MSCIM, &rest)) {
		size_t plen = (size_t)(rest - uri);

		u->form = URI_FORM_DMTF;
		len -= plen;
		snprintf(u->base, sizeof(u->base), "%.*s" CIM_SCHEMA2, (int)plen,
		    uri);
		if (len == 2 && rest[0] == '/' && rest[1] == '*')
			u->all = true;
		else if (has_prefix(rest, CIM_SCHEMA2, &rest)) {
			len = strcspn(rest, "?");
			if (len == 1 && rest[0] == '*')
				u->all = true;
			else if (!name_ok(rest, len))
				goto bad_uri;
			else
				memcpy(u->cls, rest, len);
		} else
			goto bad_uri;
		if (cimns != NULL) {
			snprintf(u->ns, sizeof(u->ns), "%s", ns);
			u->ns_selector = true;
		} else
			snprintf(u->ns, sizeof(u->ns), "%s", DEFAULT_DMTF_NS);
		return WINRMD_FAULT_NONE;
	}
bad_uri:
	snprintf(err, errlen, "The WS-Management service cannot process the "
	    "request. The resource URI is not a valid WMI or CIM class URI.");
	return WINRMD_FAULT_DESTINATION_UNREACHABLE;
}

void
uri_class(const struct cim_uri *u, const char *cls, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", u->base, cls);
}
