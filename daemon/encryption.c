/*
 * encryption.c: MS-WSMV 2.2.9.1 framing of encrypted messages.  A request
 * body looks like this (TABs before the part headers, CRLF line ends):
 *
 *   --Encrypted Boundary
 *   	Content-Type: application/HTTP-SPNEGO-session-encrypted
 *   	OriginalContent: type=application/soap+xml;charset=UTF-8;Length=N
 *   --Encrypted Boundary
 *   	Content-Type: application/octet-stream
 *   <u32 LE signature length><signature><ciphertext>--Encrypted Boundary--
 *
 * The ciphertext may hold any byte, the boundary too: it is delimited by
 * the declared Length and by the closing boundary at the very end.  This
 * file knows nothing of GSSAPI.
 */
#include "build.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "encryption.h"

#define CT_MULTIPART	"multipart/encrypted"

static const char *
skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/*
 * One parameter of a Content-Type: name=value or name="value".  Returns
 * the position after it (at ';' or the end), or NULL if malformed.
 */
static const char *
next_param(const char *s, char *name, size_t namelen, char *value,
    size_t valuelen)
{
	size_t n = 0;

	s = skip_ws(s);
	while (*s != '\0' && *s != '=' && *s != ';' && *s != ' ' && *s != '\t') {
		if (n + 1 >= namelen)
			return NULL;
		name[n++] = *s++;
	}
	name[n] = '\0';
	s = skip_ws(s);
	if (n == 0 || *s != '=')
		return NULL;
	s = skip_ws(s + 1);
	n = 0;
	if (*s == '"') {
		for (s++; *s != '"'; s++) {
			if (*s == '\0' || *s == '\\' || n + 1 >= valuelen)
				return NULL;
			value[n++] = *s;
		}
		s++;
	} else
		while (*s != '\0' && *s != ';' && *s != ' ' && *s != '\t') {
			if (n + 1 >= valuelen)
				return NULL;
			value[n++] = *s++;
		}
	value[n] = '\0';
	s = skip_ws(s);
	if (*s != '\0' && *s != ';')
		return NULL;
	return s;
}

int
enc_content_type(const char *ct, char boundary[ENC_MAX_BOUNDARY + 1])
{
	bool have_protocol = false;
	const char *s;

	boundary[0] = '\0';
	if (ct == NULL)
		return 0;
	s = skip_ws(ct);
	if (strncasecmp(s, CT_MULTIPART, strlen(CT_MULTIPART)) != 0)
		return 0;
	s = skip_ws(s + strlen(CT_MULTIPART));
	if (*s != '\0' && *s != ';')
		return 0;	/* multipart/encryptedfoo: another type */
	while (*s == ';') {
		char name[32], value[128];

		if ((s = next_param(s + 1, name, sizeof(name), value,
		    sizeof(value))) == NULL)
			return -EINVAL;
		if (strcasecmp(name, "protocol") == 0) {
			if (strcasecmp(value, ENC_PROTOCOL) != 0)
				return -EINVAL;
			have_protocol = true;
		} else if (strcasecmp(name, "boundary") == 0) {
			size_t len = strlen(value);

			if (len == 0 || len > ENC_MAX_BOUNDARY)
				return -EINVAL;
			memcpy(boundary, value, len + 1);
		}
	}
	if (*s != '\0' || !have_protocol || boundary[0] == '\0') {
		boundary[0] = '\0';
		return -EINVAL;
	}
	return 1;
}

/* cursor over the body */
struct rd {
	unsigned char	*p;
	size_t		 left;
};

/* "--boundary\r\n" */
static bool
take_delimiter(struct rd *r, const char *boundary)
{
	size_t blen = strlen(boundary);

	if (r->left < blen + 4 || memcmp(r->p, "--", 2) != 0 ||
	    memcmp(r->p + 2, boundary, blen) != 0 ||
	    memcmp(r->p + 2 + blen, "\r\n", 2) != 0)
		return false;
	r->p += blen + 4;
	r->left -= blen + 4;
	return true;
}

/*
 * One part header line, "[TAB]Name: value\r\n".  Copies the value (without
 * leading blanks) into value; false if the line is not that header, too
 * long, or holds a NUL.
 */
static bool
take_header(struct rd *r, const char *name, char *value, size_t valuelen)
{
	unsigned char *eol;
	size_t nlen = strlen(name), linelen, i = 0;
	const char *v;

	if (r->left > 0 && (r->p[0] == '\t' || r->p[0] == ' ')) {
		r->p++;
		r->left--;
	}
	if ((eol = memchr(r->p, '\r', r->left > 512 ? 512 : r->left)) == NULL)
		return false;
	linelen = (size_t)(eol - r->p);
	if ((size_t)(eol - r->p) + 2 > r->left || eol[1] != '\n' ||
	    linelen < nlen + 1 || strncasecmp((char *)r->p, name, nlen) != 0 ||
	    r->p[nlen] != ':' || memchr(r->p, '\0', linelen) != NULL ||
	    linelen - nlen - 1 >= valuelen)
		return false;
	for (v = (const char *)r->p + nlen + 1; v < (const char *)eol &&
	    (*v == ' ' || *v == '\t'); v++)
		;
	while (v < (const char *)eol)
		value[i++] = *v++;
	while (i > 0 && (value[i - 1] == ' ' || value[i - 1] == '\t'))
		i--;
	value[i] = '\0';
	r->p = eol + 2;
	r->left -= linelen + 2;
	return true;
}

/*
 * "type=application/soap+xml;charset=UTF-8;Length=1683": the Length, which
 * must be decimal, at most 10 digits and below 4 GiB.
 */
static bool
original_length(const char *v, size_t *ret)
{
	bool have_type = false, have_len = false;
	const char *s = v;

	while (*s != '\0') {
		char name[32], value[128];

		if ((s = next_param(s, name, sizeof(name), value,
		    sizeof(value))) == NULL)
			return false;
		if (strcasecmp(name, "type") == 0) {
			if (strncasecmp(value, "application/soap+xml", 20) != 0)
				return false;
			have_type = true;
		} else if (strcasecmp(name, "Length") == 0) {
			size_t n = strlen(value);
			unsigned long long u = 0;

			if (have_len || n == 0 || n > 10)
				return false;
			for (size_t i = 0; i < n; i++) {
				if (value[i] < '0' || value[i] > '9')
					return false;
				u = u * 10 + (unsigned)(value[i] - '0');
			}
			if (u > UINT32_MAX)
				return false;
			*ret = (size_t)u;
			have_len = true;
		}
		if (*s == ';')
			s++;
	}
	return have_type && have_len;
}

int
enc_parse(const char *boundary, unsigned char *body, size_t len,
    struct enc_parts *ret, const char **ret_why)
{
	struct rd r = { body, len };
	char value[256];
	size_t blen = strlen(boundary), closing = blen + 6, siglen;

#define BAD(why) do { *ret_why = (why); return -EBADMSG; } while (0)
	memset(ret, 0, sizeof(*ret));
	if (body == NULL || blen == 0)
		BAD("empty body");
	if (!take_delimiter(&r, boundary))
		BAD("does not start with the boundary");
	if (!take_header(&r, "Content-Type", value, sizeof(value)) ||
	    strcasecmp(value, ENC_PROTOCOL) != 0)
		BAD("first part is not " ENC_PROTOCOL);
	if (!take_header(&r, "OriginalContent", value, sizeof(value)))
		BAD("no OriginalContent header");
	if (!original_length(value, &ret->length))
		BAD("OriginalContent has no valid type and Length");
	if (!take_delimiter(&r, boundary))
		BAD("no boundary before the second part");
	if (!take_header(&r, "Content-Type", value, sizeof(value)) ||
	    strcasecmp(value, "application/octet-stream") != 0)
		BAD("second part is not application/octet-stream");
	if (r.left < 4)
		BAD("truncated before the signature length");
	siglen = (size_t)r.p[0] | (size_t)r.p[1] << 8 | (size_t)r.p[2] << 16 |
	    (size_t)r.p[3] << 24;
	r.p += 4;
	r.left -= 4;
	if (siglen == 0 || siglen > ENC_MAX_SIGNATURE)
		BAD("signature length out of range");
	if (r.left < siglen)
		BAD("truncated in the signature");
	ret->sig = r.p;
	ret->siglen = siglen;
	r.p += siglen;
	r.left -= siglen;
	/* what is left: Length bytes, padding, then "--boundary--\r\n" */
	if (r.left < closing)
		BAD("truncated: no closing boundary");
	if (r.left - closing < ret->length)
		BAD("shorter than its declared Length");
	if (r.left - closing - ret->length > ENC_MAX_PADDING)
		BAD("longer than its declared Length");
	{
		unsigned char *end = r.p + r.left - closing;

		if (memcmp(end, "--", 2) != 0 ||
		    memcmp(end + 2, boundary, blen) != 0 ||
		    memcmp(end + 2 + blen, "--\r\n", 4) != 0)
			BAD("does not end with the closing boundary");
	}
	ret->data = r.p;
	ret->datalen = r.left - closing;
	return 0;
#undef BAD
}

char *
enc_build(const unsigned char *sig, size_t siglen, const unsigned char *data,
    size_t datalen, size_t plainlen, size_t *ret_len)
{
	static const char head_fmt[] =
	    "--" ENC_BOUNDARY "\r\n"
	    "\tContent-Type: " ENC_PROTOCOL "\r\n"
	    "\tOriginalContent: type=application/soap+xml;charset=UTF-8;"
	    "Length=%zu\r\n"
	    "--" ENC_BOUNDARY "\r\n"
	    "\tContent-Type: application/octet-stream\r\n";
	static const char tail[] = "--" ENC_BOUNDARY "--\r\n";
	char head[sizeof(head_fmt) + 24];
	int hlen = snprintf(head, sizeof(head), head_fmt, plainlen);
	size_t total;
	unsigned char *out, *p;

	if (hlen < 0 || (size_t)hlen >= sizeof(head) || siglen > UINT32_MAX)
		return NULL;
	total = (size_t)hlen + 4 + siglen + datalen + sizeof(tail) - 1;
	if ((out = malloc(total)) == NULL)
		return NULL;
	p = out;
	memcpy(p, head, (size_t)hlen);
	p += hlen;
	*p++ = (unsigned char)(siglen & 0xff);
	*p++ = (unsigned char)(siglen >> 8 & 0xff);
	*p++ = (unsigned char)(siglen >> 16 & 0xff);
	*p++ = (unsigned char)(siglen >> 24 & 0xff);
	memcpy(p, sig, siglen);
	p += siglen;
	if (datalen > 0)
		memcpy(p, data, datalen);
	p += datalen;
	memcpy(p, tail, sizeof(tail) - 1);
	*ret_len = total;
	return (char *)out;
}
