/*
 * testplug.c: a plugin for the tests, never installed.
 *
 *   http://winrmd.test/plugin  Action http://winrmd.test/Delay
 *       answers after the number of ms in the selector "Ms" (suspend/resume)
 *   http://winrmd.test/plugin  Action http://winrmd.test/Whoami
 *       answers at once with the principal's name and uid
 */
#include <stdio.h>
#include <stdlib.h>

#include <winrmd/plugin.h>

#define NS_TEST	"http://winrmd.test/plugin"

static const struct winrmd_host *host;

struct delayed {
	struct winrmd_op	*op;
	unsigned long		 ms;
	struct winrmd_timer	*timer;
	struct delayed		*next;
};

static struct delayed *waiting;

static void
unlink_delayed(struct delayed *d)
{
	for (struct delayed **pp = &waiting; *pp != NULL; pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			return;
		}
}

static void
delay_fire(void *arg)
{
	struct delayed *d = arg;
	xmlNodePtr body = host->op_reply(d->op, "http://winrmd.test/DelayResponse");
	xmlNodePtr waited;
	char text[32];

	snprintf(text, sizeof(text), "%lu", d->ms);
	waited = xmlNewTextChild(body, NULL, BAD_CAST "Waited", BAD_CAST text);
	xmlSetNs(waited, xmlNewNs(waited, BAD_CAST NS_TEST, BAD_CAST "t"));
	unlink_delayed(d);
	host->op_complete(d->op);
	free(d);
}

static int
op_delay(struct winrmd_op *op, void *state)
{
	const char *ms = host->op_selector(op, "Ms");
	struct delayed *d;

	(void)state;
	if (ms == NULL)
		return host->op_fault(op, WINRMD_FAULT_INVALID_SELECTORS,
		    "InsufficientSelectors", "Ms is required");
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL, NULL);
	d->op = op;
	d->ms = strtoul(ms, NULL, 10);
	if ((d->timer = host->timer_start(d->ms, delay_fire, d)) == NULL) {
		free(d);
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL, NULL);
	}
	d->next = waiting;
	waiting = d;
	return WINRMD_PENDING;
}

static int
op_whoami(struct winrmd_op *op, void *state)
{
	const struct winrmd_principal *p = host->op_principal(op);
	xmlNodePtr body = host->op_reply(op, "http://winrmd.test/WhoamiResponse");
	xmlNsPtr ns;
	xmlNodePtr who;
	char uid[32];

	(void)state;
	who = xmlNewChild(body, NULL, BAD_CAST "Whoami", NULL);
	ns = xmlNewNs(who, BAD_CAST NS_TEST, BAD_CAST "t");
	xmlSetNs(who, ns);
	snprintf(uid, sizeof(uid), "%u", (unsigned)p->uid);
	xmlNewTextChild(who, ns, BAD_CAST "Name", BAD_CAST p->name);
	xmlNewTextChild(who, ns, BAD_CAST "Uid", BAD_CAST uid);
	return WINRMD_OK;
}

static const struct winrmd_action actions[] = {
	{ "http://winrmd.test/Delay", op_delay },
	{ "http://winrmd.test/Whoami", op_whoami },
	{ NULL, NULL },
};

static const struct winrmd_resource resources[] = {
	{ "http://winrmd.test/plugin", actions },
	{ NULL, NULL },
};

static int
init(const struct winrmd_host *h, void **ret_state)
{
	host = h;
	*ret_state = NULL;
	return 0;
}

/* answers whatever still waits, as every plugin must at shutdown */
static void
fini(void *state)
{
	(void)state;
	while (waiting != NULL) {
		struct delayed *d = waiting;

		waiting = d->next;
		host->timer_stop(d->timer);
		host->op_fault(d->op, WINRMD_FAULT_SERVICE_STOPPING, NULL, NULL);
		host->op_complete(d->op);
		free(d);
	}
}

static const struct winrmd_plugin plugin = {
	.abi = WINRMD_PLUGIN_ABI,
	.size = sizeof(struct winrmd_plugin),
	.name = "testplug",
	.version = "1",
	.init = init,
	.fini = fini,
	.resources = resources,
};

const struct winrmd_plugin *
winrmd_plugin_entry(void)
{
	return &plugin;
}
