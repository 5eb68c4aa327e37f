/*
 * put.c: a WS-Transfer Put of .../config, .../config/service,
 * .../config/service/auth or .../config/winrs, what `winrm set
 * winrm/config/service @{AllowUnencrypted="false"}' sends.
 *
 * The body is the resource as Get returns it, whole (winrm.vbs Gets it,
 * changes the properties named and Puts it back) or only the properties to
 * change.  Each property whose text differs from the running value is a
 * change; a property of render.c's table is a winrmd key, any other one is
 * a fixed value of winrmd (Client, MaxConcurrentOperations, the IP
 * filters, ...) and its change is refused as w:InvalidParameter, as is an
 * element Get does not return.  The changes go to the host's conf_set: the
 * file is checked as `winrmd -t' checks it, written in place and
 * reloaded.  The answer is the resource as Get returns it afterwards, or,
 * when a key read only at start changed, a w:InvalidParameter saying that
 * it was written and takes effect at the next restart.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"

#define PUT_MAX_CHANGES	64

struct put_ctx {
	const struct winrmd_host	*host;
	struct winrmd_op		*op;
	struct winrmd_conf_change	 c[PUT_MAX_CHANGES];
	char				*val[PUT_MAX_CHANGES];
	size_t				 n;
	int				 r;	/* a fault set: its return */
};

/* where a part's element sits under cfg:Config */
static const char *
part_prefix(enum cfg_part part)
{
	switch (part) {
	case CFG_PART_SERVICE:
		return "Service/";
	case CFG_PART_AUTH:
		return "Service/Auth/";
	case CFG_PART_WINRS:
		return "Winrs/";
	case CFG_PART_CLIENT:
		return "Client/";
	default:
		return "";
	}
}

static xmlNodePtr
child_named(xmlNodePtr parent, const xmlChar *name)
{
	for (xmlNodePtr n = parent->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    xmlStrcasecmp(n->name, name) == 0)
			return n;
	return NULL;
}

static bool
has_elements(xmlNodePtr n)
{
	for (xmlNodePtr c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return true;
	return false;
}

/* the text of a leaf, trimmed; a new string or NULL */
static char *
leaf_text(xmlNodePtr n)
{
	xmlChar *t = xmlNodeGetContent(n);
	char *s, *e, *out;

	if (t == NULL)
		return strdup("");
	for (s = (char *)t; *s == ' ' || *s == '\t' || *s == '\n' ||
	    *s == '\r'; s++)
		;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
	    e[-1] == '\r'))
		e--;
	out = strndup(s, (size_t)(e - s));
	xmlFree(t);
	return out;
}

static int put_fault(struct put_ctx *pc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* a w:InvalidParameter fault; -1 */
static int
put_fault(struct put_ctx *pc, const char *fmt, ...)
{
	char text[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	pc->r = pc->host->op_fault(pc->op, WINRMD_FAULT_INVALID_PARAMETER,
	    NULL, "%s", text);
	return -1;
}

/*
 * Compares the body's element `in' with the rendered one `cur' (path: its
 * place under cfg:Config); the changes go to pc.  0, or -1 with a fault.
 */
static int
walk(struct put_ctx *pc, xmlNodePtr in, xmlNodePtr cur, const char *path)
{
	for (xmlNodePtr n = in->children; n != NULL; n = n->next) {
		xmlNodePtr have;
		char sub[160], *want, *now;
		const struct cfg_prop *p;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		snprintf(sub, sizeof(sub), "%s%s%.64s", path,
		    path[0] != '\0' ? "/" : "", (const char *)n->name);
		if ((have = child_named(cur, n->name)) == NULL)
			return put_fault(pc, "The WS-Management service cannot "
			    "process the request: %.160s is not a property of "
			    "the configuration.", sub);
		if (has_elements(have)) {
			if (walk(pc, n, have, sub) < 0)
				return -1;
			continue;
		}
		if ((want = leaf_text(n)) == NULL || (now = leaf_text(have)) ==
		    NULL) {
			free(want);
			pc->r = pc->host->op_fault(pc->op,
			    WINRMD_FAULT_INTERNAL_ERROR, NULL, "out of memory");
			return -1;
		}
		if (strcasecmp(want, now) == 0) {
			free(want);
			free(now);
			continue;
		}
		free(now);
		if ((p = cfg_prop_find(sub)) == NULL) {
			free(want);
			return put_fault(pc, "The WS-Management service cannot "
			    "process the request: %.160s is fixed on winrmd "
			    "(it is not a setting of winrmd.conf) and cannot "
			    "be changed.", sub);
		}
		if (pc->n == PUT_MAX_CHANGES) {
			free(want);
			return put_fault(pc, "Too many changes in one Put.");
		}
		/* Windows writes booleans true/false; the file takes them */
		pc->val[pc->n] = want;
		pc->c[pc->n++] = (struct winrmd_conf_change){ p->section, p->key,
		    want };
	}
	return 0;
}

int
cfg_put(const struct winrmd_host *host, struct winrmd_op *op,
    enum cfg_part part, const struct cfg_listen *l, const char *who)
{
	struct put_ctx *pc;
	xmlNodePtr body = host->op_body(op), root, cur, reply;
	xmlDocPtr doc;
	char msg[512], prefix[32];
	int r;

	if (part != CFG_PART_CONFIG && part != CFG_PART_SERVICE &&
	    part != CFG_PART_AUTH && part != CFG_PART_WINRS &&
	    part != CFG_PART_CLIENT)
		return host->op_fault(op, WINRMD_FAULT_ACTION_NOT_SUPPORTED,
		    NULL, "The resource %s cannot be changed with Put on "
		    "winrmd.", cfg_part_name(part));
	if (body == NULL || xmlStrcasecmp(body->name,
	    BAD_CAST cfg_part_name(part)) != 0 || body->ns == NULL ||
	    xmlStrcmp(body->ns->href, BAD_CAST CFG_NS) != 0)
		return host->op_fault(op, WINRMD_FAULT_SCHEMA_VALIDATION, NULL,
		    "The body of a Put of %s must be its cfg:%s element (in "
		    "the namespace " CFG_NS ").", cfg_part_name(part),
		    cfg_part_name(part));
	if (!WINRMD_HOST_HAS(host, conf_set))
		return host->op_fault(op, WINRMD_FAULT_ACTION_NOT_SUPPORTED,
		    NULL, "This winrmd daemon cannot change its configuration "
		    "file (a plugin newer than the daemon).");
	/* the resource as it is now, to compare with */
	if ((pc = calloc(1, sizeof(*pc))) == NULL ||
	    (doc = xmlNewDoc(BAD_CAST "1.0")) == NULL) {
		free(pc);
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	}
	pc->host = host;
	pc->op = op;
	root = xmlNewNode(NULL, BAD_CAST "x");
	xmlDocSetRootElement(doc, root);
	if (root == NULL || (cur = cfg_render(root, part, host, l)) == NULL) {
		r = host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
		goto out;
	}
	snprintf(prefix, sizeof(prefix), "%s", part_prefix(part));
	if (prefix[0] != '\0')
		prefix[strlen(prefix) - 1] = '\0';
	if (walk(pc, body, cur, prefix) < 0) {
		r = pc->r;
		goto out;
	}
	r = 0;
	if (pc->n > 0) {
		r = host->conf_set(pc->c, pc->n, msg, sizeof(msg));
		host->log(r < 0 ? WINRMD_LOG_WARNING : WINRMD_LOG_NOTICE,
		    "config: Put of %s by %s: %zu change%s %s%s%s",
		    cfg_part_name(part), who, pc->n, pc->n == 1 ? "" : "s",
		    r < 0 ? "refused: " : r > 0 ? "written, restart needed: " :
		    "applied", r != 0 ? msg : "", "");
	}
	if (r == -EINVAL) {
		r = host->op_fault(op, WINRMD_FAULT_INVALID_PARAMETER, NULL,
		    "The WS-Management service cannot process the request: "
		    "%.400s. Nothing was changed.", msg);
		goto out;
	}
	if (r < 0) {
		r = host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "The configuration was not changed: %.400s", msg);
		goto out;
	}
	if (r > 0) {
		/* written and reloaded; these keys wait for the restart */
		r = host->op_fault(op, WINRMD_FAULT_INVALID_PARAMETER, NULL,
		    "The change was written to the configuration file, but "
		    "%.300s cannot change while winrmd runs: it takes effect "
		    "when the service restarts (systemctl restart winrmd). "
		    "The other changes are applied.", msg);
		goto out;
	}
	if ((reply = host->op_reply(op, WINRMD_ACTION_PUT "Response")) ==
	    NULL || cfg_render(reply, part, host, l) == NULL)
		r = host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	else
		r = WINRMD_OK;
out:
	for (size_t i = 0; i < pc->n; i++)
		free(pc->val[i]);
	free(pc);
	xmlFreeDoc(doc);
	return r;
}
