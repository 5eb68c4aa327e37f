/*
 * soap.h: SOAP 1.2 envelopes with libxml2.  Parsing is hardened (no DTD, no
 * entities, no network, size, depth and count caps: docs/SECURITY.md §5.1);
 * building makes the reply and fault envelopes Windows sends.
 */
#ifndef WINRMD_SOAP_H
#define WINRMD_SOAP_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

#include "fault.h"

#define SOAP_MAX_DEPTH		64
#define SOAP_MAX_NODES		50000
#define SOAP_MAX_ATTRS		64	/* per element */

#define NS_WSMID	"http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd"
#define WSA_ANONYMOUS	"http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"

/* Call once, in the main thread, before any other thread starts. */
void	soap_init(void);
void	soap_cleanup(void);

/*
 * Parses a request body.  Returns the document, or NULL with the fault set
 * (InvalidXml for anything malformed or over a limit).
 */
xmlDocPtr	soap_parse(const char *buf, size_t len, struct fault *f);

/* namespace-aware element test: never compares prefixes */
bool		soap_is(const xmlNode *n, const char *ns, const char *name);
xmlNodePtr	soap_first_elem(xmlNodePtr n);	/* n itself or next element sibling */
xmlNodePtr	soap_next_elem(xmlNodePtr n);
xmlNodePtr	soap_child(xmlNodePtr parent, const char *ns, const char *name);

/*
 * A reply envelope with Windows' namespace declarations and header:
 * Action, a fresh MessageID, To = anonymous, RelatesTo = relates_to (if any).
 * *ret_body is s:Body.
 */
xmlDocPtr	soap_reply_new(const char *action, const char *relates_to,
		    xmlNodePtr *ret_body);
/*
 * Frees a reply (NULL is fine); one whose envelope and header are still
 * as soap_reply_new() made them is kept for a next soap_reply_new(), its
 * Body emptied (on the thread that called soap_init(); a few at most).
 */
void		soap_reply_free(xmlDocPtr doc);
/* An envelope with an empty s:Header (Identify's answer). */
xmlDocPtr	soap_reply_bare(xmlNodePtr *ret_body);
/* A fault envelope for f; machine goes into f:WSManFault/@Machine. */
xmlDocPtr	soap_fault_new(const struct fault *f, const char *relates_to,
		    const char *machine);

/*
 * Serialises without an XML declaration.  Control characters other than TAB,
 * LF and CR become '?' (MS-WSMV §3.1.4.1.25).  Returns malloc'd text or NULL.
 */
char		*soap_serialize(xmlDocPtr doc, size_t *ret_len);

/*
 * A reply's text as soap_serialize() writes it, in up to three pieces so
 * that a Receive's answer (a plain reply whose Body is one noenc text of
 * 16 KiB or more) is sent without copying its body: head (malloc'd), then
 * body (malloc'd, taken from the document, whose text is empty from then
 * on; NULL if the reply had no such text) and tail (static).
 */
struct soap_text {
	char		*head;
	size_t		 head_len;
	char		*body;
	size_t		 body_len;
	const char	*tail;
	size_t		 tail_len;
};

/* false (and *t empty) if the reply could not be serialised */
bool		 soap_serialize_text(xmlDocPtr doc, struct soap_text *t);
/* the pieces as one malloc'd text (or NULL); *t is emptied either way */
char		*soap_text_join(struct soap_text *t, size_t *ret_len);
void		 soap_text_free(struct soap_text *t);

static inline size_t
soap_text_len(const struct soap_text *t)
{
	return t->head_len + t->body_len + t->tail_len;
}

/*
 * Serialises n, an element of a reply, as soap_serialize() will write it,
 * and puts that text in its place, so that a large reply (a Pull of
 * thousands of instances) is measured and serialised once rather than
 * twice.  Returns the text's length, or SIZE_MAX (n is left as it was).
 */
size_t		 soap_freeze(xmlNodePtr n);

/* uuid:xxxxxxxx-... (lower case) into buf[42] */
void		 soap_new_message_id(char buf[48]);

#endif
