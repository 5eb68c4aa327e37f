/*
 * filter.c: the filter of an Enumerate, in the wsen:Filter or the
 * wsman:Filter position (MS-WSMV 3.1.4.1.13), in one of two dialects:
 *   WQL (http://schemas.microsoft.com/wbem/wsman/1/WQL): wql.c; the SELECT
 *     list becomes a projection, and for the all-classes URI the FROM class
 *     is the class enumerated;
 *   SelectorFilter (http://schemas.dmtf.org/wbem/wsman/1/wsman/SelectorFilter):
 *     an AND of equalities on scalar properties, values compared as
 *     selectors are (strings case-insensitively); duplicate names, arrays,
 *     datetimes and values with quotes are refused (MS-WSMV 4.9).
 * Anything this cannot do is wsen:CannotProcessFilter; an unknown dialect
 * is wsen:FilterDialectRequestedUnavailable.
 */
#define _GNU_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cim.h"

void
filter_free(struct cim_filter *f)
{
	if (f == NULL)
		return;
	wql_free(f->wql);
	inst_free(f->sel);
	free(f->keep);
	free(f);
}

enum winrmd_fault
filter_make_wql(const struct cim *cim, const char *text,
    const struct cim_uri *u, const struct cim_entry **entp,
    struct cim_filter **ret, char *err, size_t errlen)
{
	struct cim_filter *f;
	const struct cim_entry *ent = *entp, *from;
	char why[256];

	*ret = NULL;
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return WINRMD_FAULT_INTERNAL_ERROR;
	}
	if ((f->wql = wql_parse(text, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "The WQL filter is not valid: %s.", why);
		goto cannot;
	}
	from = registry_find(cim, u->ns, f->wql->cls);
	if (ent == NULL) {
		if (from == NULL) {
			snprintf(err, errlen, "The WS-Management service cannot "
			    "process the request. The class %.64s does not "
			    "exist in the namespace %s.", f->wql->cls, u->ns);
			filter_free(f);
			return WINRMD_FAULT_DESTINATION_UNREACHABLE;
		}
		ent = from;
	} else if (strcasecmp(f->wql->cls, ent->name) != 0 &&
	    (from == NULL || from->cls != ent->cls)) {
		snprintf(err, errlen, "The WQL filter selects from %.64s, but "
		    "the resource URI names %s.", f->wql->cls, ent->name);
		goto cannot;
	}
	if (wql_bind(f->wql, ent->cls->props, ent->cls->nprops, why,
	    sizeof(why)) < 0) {
		snprintf(err, errlen, "The WQL filter is not valid: %s.", why);
		goto cannot;
	}
	if (f->wql->select != NULL) {
		if ((f->keep = calloc(ent->cls->nprops ? ent->cls->nprops : 1,
		    sizeof(bool))) == NULL) {
			snprintf(err, errlen, "out of memory");
			filter_free(f);
			return WINRMD_FAULT_INTERNAL_ERROR;
		}
		for (size_t i = 0; i < f->wql->nselect; i++)
			f->keep[props_find(ent->cls->props, ent->cls->nprops,
			    f->wql->select[i])] = true;
	}
	*entp = ent;
	*ret = f;
	return WINRMD_FAULT_NONE;
cannot:
	filter_free(f);
	return WINRMD_FAULT_CANNOT_PROCESS_FILTER;
}

enum winrmd_fault
filter_make_selectors(xmlNodePtr set, const struct cim_entry *ent,
    struct cim_filter **ret, char *err, size_t errlen)
{
	const struct cim_class *c = ent->cls;
	struct cim_filter *f;

	*ret = NULL;
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->sel = inst_new(c->props, c->nprops)) == NULL) {
		free(f);
		snprintf(err, errlen, "out of memory");
		return WINRMD_FAULT_INTERNAL_ERROR;
	}
	for (xmlNodePtr n = set ? set->children : NULL; n != NULL; n = n->next) {
		xmlChar *name;
		char *value;
		ssize_t k;
		int r;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!cim_is(n, WINRMD_NS_WSMAN, "Selector") ||
		    (name = xmlGetProp(n, BAD_CAST "Name")) == NULL) {
			snprintf(err, errlen, "The selector filter holds "
			    "something other than named w:Selector elements.");
			goto cannot;
		}
		k = props_find(c->props, c->nprops, (const char *)name);
		if (k < 0) {
			snprintf(err, errlen, "The class %s has no property "
			    "%.64s.", ent->name, (const char *)name);
			xmlFree(name);
			goto cannot;
		}
		xmlFree(name);
		if (c->props[k].flags & CIM_ARRAY || c->props[k].type ==
		    CIM_DATETIME || c->props[k].type == CIM_INTERVAL) {
			snprintf(err, errlen, "The selector filter cannot test "
			    "the %s property %s.", (c->props[k].flags &
			    CIM_ARRAY) ? "array" : "datetime", c->props[k].name);
			goto cannot;
		}
		if (f->sel->vals[k].set) {
			snprintf(err, errlen, "The selector filter names %s "
			    "twice.", c->props[k].name);
			goto cannot;
		}
		if ((value = cim_text(n)) == NULL) {
			snprintf(err, errlen, "out of memory");
			filter_free(f);
			return WINRMD_FAULT_INTERNAL_ERROR;
		}
		if (strpbrk(value, "'\"") != NULL)
			r = -1;
		else
			r = inst_set_text(f->sel, (size_t)k, value);
		free(value);
		if (r < 0) {
			snprintf(err, errlen, "The selector filter's value for "
			    "%s is not valid.", c->props[k].name);
			goto cannot;
		}
	}
	*ret = f;
	return WINRMD_FAULT_NONE;
cannot:
	filter_free(f);
	return WINRMD_FAULT_CANNOT_PROCESS_FILTER;
}

int
filter_parse(const struct cim *cim, struct winrmd_op *op, xmlNodePtr body,
    const struct cim_uri *u, const struct cim_entry **entp,
    struct cim_filter **ret)
{
	const struct winrmd_host *host = cim->host;
	xmlNodePtr fn = NULL, set;
	xmlChar *dialect;
	enum winrmd_fault fault;
	char err[512];
	int nfilters = 0;

	*ret = NULL;
	for (xmlNodePtr n = body ? body->children : NULL; n != NULL; n = n->next)
		if (cim_is(n, WINRMD_NS_WSEN, "Filter") ||
		    cim_is(n, WINRMD_NS_WSMAN, "Filter")) {
			fn = n;
			nfilters++;
		}
	if (nfilters > 1)
		return host->op_fault(op, WINRMD_FAULT_CANNOT_PROCESS_FILTER,
		    NULL, "The request has more than one filter.");
	if (fn == NULL) {
		if (u->all)
			return host->op_fault(op,
			    WINRMD_FAULT_DESTINATION_UNREACHABLE,
			    "InvalidResourceURI", "The resource URI names every "
			    "class (*): an enumeration needs a WQL filter that "
			    "selects one.");
		return WINRMD_OK;
	}
	if ((dialect = xmlGetProp(fn, BAD_CAST "Dialect")) == NULL)
		return host->op_fault(op, WINRMD_FAULT_FILTER_DIALECT_UNAVAILABLE,
		    NULL, "The filter has no Dialect: the XPath dialect is not "
		    "supported; use WQL or SelectorFilter.");
	if (strcasecmp((const char *)dialect, NS_WQL) == 0) {
		char *text = cim_text(fn);

		xmlFree(dialect);
		if (text == NULL)
			return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR,
			    NULL, "out of memory");
		fault = filter_make_wql(cim, text, u, entp, ret, err,
		    sizeof(err));
		free(text);
	} else if (strcmp((const char *)dialect, NS_SELECTOR_FILTER) == 0) {
		xmlFree(dialect);
		if (u->all)
			return host->op_fault(op,
			    WINRMD_FAULT_CANNOT_PROCESS_FILTER, NULL,
			    "A selector filter needs a class resource URI.");
		set = cim_child(fn, WINRMD_NS_WSMAN, "SelectorSet");
		fault = filter_make_selectors(set, *entp, ret, err, sizeof(err));
	} else {
		fault = WINRMD_FAULT_FILTER_DIALECT_UNAVAILABLE;
		snprintf(err, sizeof(err), "The filter dialect %.200s is not "
		    "supported; use WQL or SelectorFilter.",
		    (const char *)dialect);
		xmlFree(dialect);
	}
	if (fault != WINRMD_FAULT_NONE)
		return host->op_fault(op, fault, NULL, "%s", err);
	return WINRMD_OK;
}

bool
filter_match(const struct cim_filter *f, const struct cim_instance *i)
{
	if (f == NULL)
		return true;
	if (f->wql != NULL)
		return wql_match(f->wql, i);
	if (f->sel != NULL) {
		for (size_t k = 0; k < f->sel->nprops; k++) {
			const struct cim_val *want = &f->sel->vals[k];
			const struct cim_val *have = &i->vals[k];

			if (!want->set)
				continue;
			if (!have->set || !cim_value_equal(i->props[k].type,
			    &have->v, &want->v))
				return false;
		}
	}
	return true;
}
