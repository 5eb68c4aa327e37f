/*
 * tinyplug.c: the smallest plugin with a setting and an enumerable
 * resource, for the tests (never installed), and a model for new plugins.
 *
 *   [Tiny] Count = N (1-1000, default 3): how many items there are
 *   http://winrmd.test/tiny: Enumerate, Pull, Release of items
 *       <t:Item><t:Index>k</t:Index></t:Item>, k = 0..N-1, whose EPRs
 *       carry the selector Index = k
 *
 * The daemon checks [Tiny] (winrmd -t, start, SIGHUP) and does all of
 * WS-Enumeration; the plugin only says what the items are.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <winrmd/plugin.h>

#define TINY_URI	"http://winrmd.test/tiny"
#define TINY_NS		"http://winrmd.test/tiny/items"

struct tiny {
	const struct winrmd_host *host;
};

/* the items of one enumeration: Count when it began */
struct tiny_iter {
	const struct winrmd_host *host;
	long long	 n, pos;
};

static int
item(void *arg, xmlNodePtr object, struct winrmd_epr *epr)
{
	struct tiny_iter *it = arg;
	char k[24];

	if (it->pos >= it->n)
		return 0;
	snprintf(k, sizeof(k), "%lld", it->pos);
	if (object != NULL) {
		xmlNodePtr n = xmlNewChild(object, NULL, BAD_CAST "Item", NULL);
		xmlNsPtr ns = n ? xmlNewNs(n, BAD_CAST TINY_NS, BAD_CAST "t") : NULL;

		if (ns == NULL)
			return -ENOMEM;
		xmlSetNs(n, ns);
		if (xmlNewTextChild(n, ns, BAD_CAST "Index", BAD_CAST k) == NULL)
			return -ENOMEM;
	}
	if (epr != NULL && it->host->epr_selector(epr, "Index", k) < 0)
		return -ENOMEM;
	return 1;
}

static void
next(void *arg)
{
	((struct tiny_iter *)arg)->pos++;
}

static const struct winrmd_enum_source tiny_items = {
	.item = item,
	.next = next,
	.release = free,
};

static int
op_enumerate(struct winrmd_op *op, void *state)
{
	const struct winrmd_host *host = ((struct tiny *)state)->host;
	struct winrmd_enum *e = host->enum_begin(op, &tiny_items, 0);
	struct tiny_iter *it;

	if (e == NULL)
		return WINRMD_FAULT;
	if ((it = calloc(1, sizeof(*it))) == NULL) {
		host->enum_abort(e);
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	}
	it->host = host;
	it->n = host->conf_int("Tiny", "Count");
	return host->enum_answer(op, e, it, TINY_URI);
}

static int
op_pull(struct winrmd_op *op, void *state)
{
	return ((struct tiny *)state)->host->enum_pull(op, &tiny_items);
}

static int
op_release(struct winrmd_op *op, void *state)
{
	return ((struct tiny *)state)->host->enum_release(op, &tiny_items);
}

static int
init(const struct winrmd_host *host, void **ret_state)
{
	struct tiny *t;

	if (host->abi != WINRMD_PLUGIN_ABI ||
	    !WINRMD_HOST_HAS(host, epr_selector))
		return -EPROTO;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -ENOMEM;
	t->host = host;
	*ret_state = t;
	return 0;
}

static const struct winrmd_action actions[] = {
	{ WINRMD_ACTION_ENUMERATE, op_enumerate },
	{ WINRMD_ACTION_PULL, op_pull },
	{ WINRMD_ACTION_RELEASE, op_release },
	{ NULL, NULL },
};

static const struct winrmd_resource resources[] = {
	{ TINY_URI, actions },
	{ NULL, NULL },
};

static const struct winrmd_setting settings[] = {
	{ "Tiny", "Count", WINRMD_SETTING_UINT, "3", 1, 1000, NULL,
	  "how many items http://winrmd.test/tiny enumerates", 0 },
	{ NULL },
};

static const struct winrmd_plugin tiny = {
	.abi = WINRMD_PLUGIN_ABI,
	.size = sizeof(struct winrmd_plugin),
	.name = "tiny",
	.version = "1",
	.init = init,
	.fini = free,
	.resources = resources,
	.settings = settings,
};

const struct winrmd_plugin *
winrmd_plugin_entry(void)
{
	return &tiny;
}
