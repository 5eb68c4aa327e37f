/*
 * shell_enum.c: shells as resources, as Windows serves them (MS-WSMV
 * 3.1.4.1.12 / 2.2.4.37): Enumerate and Get of
 *   .../wsman/1/windows/shell          every shell of the caller,
 *   .../wsman/1/windows/shell/cmd      its WinRS shells,
 *   .../powershell/Microsoft.PowerShell its runspace pools,
 * each an rsp:Shell (ShellId, Name, ResourceUri, Owner, ClientIP, ...), and
 * Enumerate of .../windows/shell/Command: the rsp:Command items of one
 * shell, named by a SelectorFilter on ShellId (what pypsrp's and
 * PowerShell's GetRunspacePools ask for after the shells).  Only the
 * caller's own shells are listed; another user's ShellId is "shell not
 * found", as for every other shell operation.  WS-Enumeration is the
 * daemon's: this hands it an iterator over the ids taken at Enumerate, and
 * each item is read from the live shell (one gone since is skipped).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "procfs.h"
#include "psrp.h"
#include "shell.h"

#define SHELL_BASE_URI	"http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
#define SHELL_CMD_URI	SHELL_BASE_URI "/cmd"
#define SHELL_CMDS_URI	SHELL_BASE_URI "/Command"
#define PSRP_POOL_URI	PSRP_URI_PREFIX PSRP_DEFAULT_CONFIG
#define SELECTOR_FILTER	"http://schemas.dmtf.org/wbem/wsman/1/wsman/SelectorFilter"
#define MEM_PIDS_MAX	256	/* processes of a shell read for MemoryUsed */

enum which { W_ALL, W_WINRS, W_PSRP };

/* one enumeration: the ids of the caller's shells (or of one shell's
 * commands) when it began */
struct shell_iter {
	uid_t		  uid;
	bool		  commands;	/* rsp:Command items of `shell' */
	char		  shell[SHELL_ID_LEN + 1];
	char		(*ids)[SHELL_ID_LEN + 1];
	size_t		  n, pos;
};

static const char *
shell_uri(const struct shell *sh)
{
	return sh->psrp != NULL ? PSRP_POOL_URI : SHELL_CMD_URI;
}

static bool
wanted(const struct shell *sh, enum which w)
{
	return w == W_ALL || (w == W_PSRP) == (sh->psrp != NULL);
}

/* the shell `id' of user uid, or NULL */
static struct shell *
lookup(uid_t uid, const char *id)
{
	for (struct shell *sh = shell_state()->shells; sh != NULL; sh = sh->next)
		if (sh->user.p.uid == uid && strcasecmp(sh->id, id) == 0)
			return sh;
	return NULL;
}

/* PnDTnHnMnS, as Windows writes ShellRunTime and ShellInactivity */
static void
fmt_span(char *buf, size_t len, uint64_t ms)
{
	uint64_t s = ms / 1000;

	snprintf(buf, len, "P%lluDT%lluH%lluM%lluS",
	    (unsigned long long)(s / 86400), (unsigned long long)(s / 3600 % 24),
	    (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
}

static void
fmt_secs(char *buf, size_t len, uint64_t ms)
{
	snprintf(buf, len, "PT%llu.%03lluS", (unsigned long long)(ms / 1000),
	    (unsigned long long)(ms % 1000));
}

/* the processes of the shell and their resident memory (bytes) */
static long
shell_procs(const struct shell *sh, uint64_t *mem)
{
	pid_t pids[MEM_PIDS_MAX];
	struct procfs_buf b = { 0 };
	long n = 0, page = sysconf(_SC_PAGESIZE);

	*mem = 0;
	if (sh->group != NULL && WINRMD_HOST_HAS(host, group_procs))
		n = host->group_procs(sh->group, pids, MEM_PIDS_MAX);
	else
		for (const struct command *c = sh->commands; c != NULL;
		    c = c->next)
			if (c->child.pid > 0 && !c->exited && n < MEM_PIDS_MAX)
				pids[n++] = c->child.pid;
	if (n < 0)
		return 0;
	for (long i = 0; i < n && i < MEM_PIDS_MAX; i++) {
		char path[32];
		struct proc_stat st;
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pids[i]);
		if ((len = procfs_read(AT_FDCWD, path, &b, 4096, 0)) > 0 &&
		    procfs_parse_stat(b.data, (size_t)len, &st) == 0)
			*mem += st.rss * (uint64_t)(page > 0 ? page : 4096);
	}
	procfs_buf_free(&b);
	return n;
}

static int
add(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *text)
{
	return xmlNewTextChild(parent, ns, BAD_CAST name, BAD_CAST text) ?
	    0 : -ENOMEM;
}

/* the rsp:Shell element of sh under parent (MS-WSMV 2.2.4.37's order) */
static int
shell_element(xmlNodePtr parent, const struct shell *sh)
{
	xmlNodePtr s = xmlNewChild(parent, NULL, BAD_CAST "Shell", NULL);
	xmlNsPtr ns = s ? xmlNewNs(s, BAD_CAST WINRMD_NS_SHELL, BAD_CAST "rsp") :
	    NULL;
	uint64_t now = host->now_ms(), mem;
	char t[64];
	long procs;
	int r = 0;

	if (ns == NULL)
		return -ENOMEM;
	xmlSetNs(s, ns);
	procs = shell_procs(sh, &mem);
	r |= add(s, ns, "ShellId", sh->id);
	if (sh->name != NULL)
		r |= add(s, ns, "Name", sh->name);
	r |= add(s, ns, "ResourceUri", shell_uri(sh));
	r |= add(s, ns, "Owner", sh->user.name);
	r |= add(s, ns, "ClientIP", sh->client_ip);
	snprintf(t, sizeof(t), "%d", (int)getpid());
	r |= add(s, ns, "ProcessId", t);
	fmt_secs(t, sizeof(t), sh->idle_ms);
	r |= add(s, ns, "IdleTimeOut", t);
	r |= add(s, ns, "InputStreams", sh->input_streams ?
	    sh->input_streams : "");
	r |= add(s, ns, "OutputStreams", sh->output_streams ?
	    sh->output_streams : "");
	fmt_secs(t, sizeof(t), (uint64_t)host->conf_int("Winrs", "IdleTimeout"));
	r |= add(s, ns, "MaxIdleTimeOut", t);
	r |= add(s, ns, "Locale", "en-US");
	r |= add(s, ns, "DataLocale", "en-US");
	r |= add(s, ns, "CompressionMode", sh->xpress ? "XpressCompression" :
	    "NoCompression");
	r |= add(s, ns, "ProfileLoaded", sh->noprofile ? "No" : "Yes");
	r |= add(s, ns, "Encoding", "UTF8");
	r |= add(s, ns, "BufferMode", "Block");
	r |= add(s, ns, "State", sh->psrp != NULL && sh->psrp->disconnected ?
	    "Disconnected" : "Connected");
	fmt_span(t, sizeof(t), now - sh->created_ms);
	r |= add(s, ns, "ShellRunTime", t);
	fmt_span(t, sizeof(t), now - sh->last_ms);
	r |= add(s, ns, "ShellInactivity", t);
	snprintf(t, sizeof(t), "%lluMB",
	    (unsigned long long)((mem + (1u << 20) - 1) >> 20));
	r |= add(s, ns, "MemoryUsed", t);
	snprintf(t, sizeof(t), "%ld", procs);
	r |= add(s, ns, "ChildProcesses", t);
	return r ? -ENOMEM : 0;
}

static int
command_element(xmlNodePtr parent, const struct command *c)
{
	xmlNodePtr n = xmlNewChild(parent, NULL, BAD_CAST "Command", NULL);
	xmlNsPtr ns = n ? xmlNewNs(n, BAD_CAST WINRMD_NS_SHELL, BAD_CAST "rsp") :
	    NULL;

	if (ns == NULL)
		return -ENOMEM;
	xmlSetNs(n, ns);
	return add(n, ns, "CommandId", c->id);
}

/* ------------------------------------------------------------ iterator */

static int
item(void *arg, xmlNodePtr object, struct winrmd_epr *epr)
{
	struct shell_iter *it = arg;

	for (; it->pos < it->n; it->pos++) {
		const char *id = it->ids[it->pos];
		struct shell *sh = lookup(it->uid, it->commands ? it->shell : id);
		const struct command *c = NULL;

		if (sh == NULL)
			continue;
		if (it->commands) {
			for (c = sh->commands; c != NULL; c = c->next)
				if (strcasecmp(c->id, id) == 0)
					break;
			if (c == NULL)
				continue;
		}
		if (object != NULL && (it->commands ?
		    command_element(object, c) : shell_element(object, sh)) < 0)
			return -ENOMEM;
		if (epr != NULL && (host->epr_selector(epr, "ShellId",
		    sh->id) < 0 || (it->commands &&
		    host->epr_selector(epr, "CommandId", c->id) < 0)))
			return -ENOMEM;
		return 1;
	}
	return 0;
}

static void
next(void *arg)
{
	((struct shell_iter *)arg)->pos++;
}

static void
release(void *arg)
{
	struct shell_iter *it = arg;

	if (it != NULL)
		free(it->ids);
	free(it);
}

static const struct winrmd_enum_source shell_items = {
	.item = item,
	.next = next,
	.release = release,
};

/* -------------------------------------------------------------- filters */

xmlNodePtr
shell_child(xmlNodePtr parent, const char *ns, const char *name)
{
	for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && n->ns != NULL &&
		    strcmp((const char *)n->ns->href, ns) == 0 &&
		    strcmp((const char *)n->name, name) == 0)
			return n;
	return NULL;
}

/* the selectors a filter asks for (ShellId, ResourceUri, Name), ANDed */
struct shell_filter {
	char	*shell_id, *uri, *name;
};

static void
filter_clear(struct shell_filter *f)
{
	xmlFree(f->shell_id);
	xmlFree(f->uri);
	xmlFree(f->name);
}

/*
 * The wsman:Filter (or wsen:Filter) of the Enumerate: a SelectorFilter on
 * ShellId, ResourceUri and Name, or none.  WINRMD_OK or a fault.
 */
static int
read_filter(struct winrmd_op *op, struct shell_filter *f)
{
	xmlNodePtr body = host->op_body(op), fl, set;
	xmlChar *dialect;
	bool selector;

	memset(f, 0, sizeof(*f));
	if ((fl = shell_child(body, WINRMD_NS_WSMAN, "Filter")) == NULL &&
	    (fl = shell_child(body, WINRMD_NS_WSEN, "Filter")) == NULL)
		return WINRMD_OK;
	dialect = xmlGetProp(fl, BAD_CAST "Dialect");
	selector = dialect != NULL &&
	    strcmp((const char *)dialect, SELECTOR_FILTER) == 0;
	xmlFree(dialect);
	if (!selector)
		return host->op_fault(op,
		    WINRMD_FAULT_FILTER_DIALECT_UNAVAILABLE, NULL,
		    "Shells are filtered with the SelectorFilter dialect "
		    "(" SELECTOR_FILTER ") only.");
	if ((set = shell_child(fl, WINRMD_NS_WSMAN, "SelectorSet")) == NULL)
		return host->op_fault(op, WINRMD_FAULT_CANNOT_PROCESS_FILTER,
		    NULL, "The SelectorFilter has no wsman:SelectorSet.");
	for (xmlNodePtr s = set->children; s != NULL; s = s->next) {
		xmlChar *name;
		char **slot = NULL;

		if (s->type != XML_ELEMENT_NODE)
			continue;
		name = xmlGetProp(s, BAD_CAST "Name");
		if (name != NULL && strcasecmp((char *)name, "ShellId") == 0)
			slot = &f->shell_id;
		else if (name != NULL &&
		    strcasecmp((char *)name, "ResourceUri") == 0)
			slot = &f->uri;
		else if (name != NULL && strcasecmp((char *)name, "Name") == 0)
			slot = &f->name;
		if (slot == NULL || *slot != NULL) {
			int r = host->op_fault(op,
			    WINRMD_FAULT_CANNOT_PROCESS_FILTER, NULL,
			    "A shell SelectorFilter takes ShellId, ResourceUri "
			    "and Name once each, not %.64s.",
			    name ? (char *)name : "(no Name)");

			xmlFree(name);
			filter_clear(f);
			return r;
		}
		xmlFree(name);
		*slot = (char *)xmlNodeGetContent(s);
	}
	return WINRMD_OK;
}

static bool
matches(const struct shell *sh, const struct shell_filter *f)
{
	return (f->shell_id == NULL || strcasecmp(f->shell_id, sh->id) == 0) &&
	    (f->uri == NULL || strcasecmp(f->uri, shell_uri(sh)) == 0) &&
	    (f->name == NULL ||
	    (sh->name != NULL && strcasecmp(f->name, sh->name) == 0));
}

/* ---------------------------------------------------------- operations */

/* which shells the ResourceURI names, or a fault for one that names none */
static int
which_shells(struct winrmd_op *op, enum which *w)
{
	const char *uri = host->op_resource_uri(op);

	if (!host->conf_bool("Winrs", "AllowRemoteShellAccess"))
		return host->op_fault(op, WINRMD_FAULT_REMOTESHELLS_NOT_ALLOWED,
		    NULL, NULL);
	if (strcasecmp(uri, SHELL_BASE_URI) == 0)
		*w = W_ALL;
	else if (strcasecmp(uri, SHELL_CMD_URI) == 0)
		*w = W_WINRS;
	else if (strcasecmp(uri, PSRP_POOL_URI) == 0)
		*w = W_PSRP;
	else if (psrp_uri(uri))
		return host->op_fault(op, WINRMD_FAULT_DESTINATION_UNREACHABLE,
		    NULL, "The WS-Management service cannot process the "
		    "request. Cannot find the %.64s session configuration in "
		    "the WSMan: drive on this computer.",
		    uri + strlen(PSRP_URI_PREFIX));
	else
		return host->op_fault(op, WINRMD_FAULT_DESTINATION_UNREACHABLE,
		    "InvalidResourceURI", "The WS-Management service cannot "
		    "process the request. The resource URI is not supported: "
		    "%.256s", uri);
	return WINRMD_OK;
}

static int
no_memory(struct winrmd_op *op)
{
	return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
	    "out of memory");
}

/* the caller's shells (kind w, passing f) into it->ids */
static int
collect_shells(struct shell_iter *it, enum which w,
    const struct shell_filter *f)
{
	size_t n = 0;

	for (struct shell *sh = shell_state()->shells; sh; sh = sh->next)
		if (sh->user.p.uid == it->uid && wanted(sh, w) && matches(sh, f))
			n++;
	if ((it->ids = calloc(n ? n : 1, sizeof(*it->ids))) == NULL)
		return -ENOMEM;
	/* oldest first, as they were created */
	for (struct shell *sh = shell_state()->shells; sh; sh = sh->next)
		if (sh->user.p.uid == it->uid && wanted(sh, w) && matches(sh, f))
			memcpy(it->ids[n - ++it->n], sh->id, sizeof(sh->id));
	return 0;
}

/* the commands of the caller's shell f->shell_id into it->ids */
static int
collect_commands(struct winrmd_op *op, struct shell_iter *it,
    const struct shell_filter *f)
{
	struct shell *sh;
	size_t n = 0;

	if (f->shell_id == NULL || f->uri != NULL || f->name != NULL)
		return host->op_fault(op, WINRMD_FAULT_CANNOT_PROCESS_FILTER,
		    NULL, "The commands of a shell are enumerated with a "
		    "SelectorFilter on ShellId alone.");
	if ((sh = lookup(it->uid, f->shell_id)) == NULL)
		return shell_not_found(op, f->shell_id);
	snprintf(it->shell, sizeof(it->shell), "%s", sh->id);
	for (struct command *c = sh->commands; c != NULL; c = c->next)
		n++;
	if ((it->ids = calloc(n ? n : 1, sizeof(*it->ids))) == NULL)
		return no_memory(op);
	for (struct command *c = sh->commands; c != NULL; c = c->next)
		memcpy(it->ids[n - ++it->n], c->id, sizeof(it->ids[0]));
	return WINRMD_OK;
}

int
shell_op_enumerate(struct winrmd_op *op, void *unused)
{
	const char *uri = host->op_resource_uri(op);
	struct shell_filter f;
	struct shell_iter *it;
	struct winrmd_enum *e;
	enum which w = W_ALL;
	int r;

	(void)unused;
	it = NULL;
	if (strcasecmp(uri, SHELL_CMDS_URI) != 0 &&
	    (r = which_shells(op, &w)) != WINRMD_OK)
		return r;
	if (strcasecmp(uri, SHELL_CMDS_URI) == 0 &&
	    !host->conf_bool("Winrs", "AllowRemoteShellAccess"))
		return host->op_fault(op, WINRMD_FAULT_REMOTESHELLS_NOT_ALLOWED,
		    NULL, NULL);
	if ((e = host->enum_begin(op, &shell_items, WINRMD_ENUM_FILTER)) == NULL)
		return WINRMD_FAULT;
	if ((r = read_filter(op, &f)) != WINRMD_OK) {
		host->enum_abort(e);
		return r;
	}
	if ((it = calloc(1, sizeof(*it))) == NULL) {
		r = no_memory(op);
		goto fail;
	}
	it->uid = host->op_principal(op)->uid;
	if (strcasecmp(uri, SHELL_CMDS_URI) == 0) {
		it->commands = true;
		if ((r = collect_commands(op, it, &f)) != WINRMD_OK)
			goto fail;
	} else if (collect_shells(it, w, &f) < 0) {
		r = no_memory(op);
		goto fail;
	}
	filter_clear(&f);
	return host->enum_answer(op, e, it,
	    it->commands ? SHELL_CMDS_URI : uri);
fail:
	filter_clear(&f);
	release(it);
	host->enum_abort(e);
	return r;
}

int
shell_op_pull(struct winrmd_op *op, void *unused)
{
	(void)unused;
	return host->enum_pull(op, &shell_items);
}

int
shell_op_release(struct winrmd_op *op, void *unused)
{
	(void)unused;
	return host->enum_release(op, &shell_items);
}

/*
 * Any other action on .../windows/shell[/...]: the route is only for
 * listing, so a URI that names no listing stays unknown (as it was before
 * the route existed: a Create of a shell is .../shell/cmd's).
 */
int
shell_op_other(struct winrmd_op *op, void *unused)
{
	const char *uri = host->op_resource_uri(op);

	(void)unused;
	if (strcasecmp(uri, SHELL_BASE_URI) != 0 &&
	    strcasecmp(uri, SHELL_CMDS_URI) != 0)
		return host->op_fault(op, WINRMD_FAULT_DESTINATION_UNREACHABLE,
		    "InvalidResourceURI", "The WS-Management service cannot "
		    "process the request. The resource URI is not supported: "
		    "%.256s", uri);
	return host->op_fault(op, WINRMD_FAULT_ACTION_NOT_SUPPORTED, NULL,
	    "The action %.256s is not supported for %s: shells are listed "
	    "here (Get, Enumerate) and created at " SHELL_CMD_URI ".",
	    host->op_action(op), uri);
}

/* Get with the ShellId selector: the caller's shell as an rsp:Shell */
int
shell_op_get(struct winrmd_op *op, void *unused)
{
	const char *id = host->op_selector(op, "ShellId");
	struct shell *sh;
	xmlNodePtr body;
	enum which w;
	int r;

	(void)unused;
	if ((r = which_shells(op, &w)) != WINRMD_OK)
		return r;
	if (id == NULL)
		return host->op_fault(op, WINRMD_FAULT_INVALID_SELECTORS,
		    "InsufficientSelectors", "The ShellId selector is missing.");
	if ((sh = lookup(host->op_principal(op)->uid, id)) == NULL ||
	    !wanted(sh, w))
		return shell_not_found(op, id);
	if ((body = host->op_reply(op, WINRMD_ACTION_GET "Response")) == NULL ||
	    shell_element(body, sh) < 0)
		return no_memory(op);
	return WINRMD_OK;
}
