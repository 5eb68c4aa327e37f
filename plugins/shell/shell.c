/*
 * shell.c: the shell plugin: WinRS (resource .../windows/shell/cmd) and
 * PowerShell remoting (.../powershell/<configuration>, whose runspace
 * pools are shells too: psrp.h).  Create and Delete of shells, Command,
 * Send, Receive and Signal, the per-user quotas of [Winrs], and idle
 * expiry; Get and Enumerate of shells are shell_enum.c's.  A shell is visible only to the user who created it, and only
 * through its own resource; anyone else gets "shell not found", as on
 * Windows.  Processes and their pipes are command.c's.
 */
#define _GNU_SOURCE

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <uuid/uuid.h>

#include "psrp.h"
#include "shell.h"
#include "stream.h"
#include "text.h"
#include "winrs_settings.h"

#define SHELL_URI		"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
#define SHELL_LIST_URI		"http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
#define MAX_ENV_VARS		256
#define MAX_ARGUMENTS		1024

const struct winrmd_host *host;
static struct plugin_state state;

/* what WinRS command lines may be served as besides a process (shell.h) */
const struct command_recogniser *const command_recognisers[] = {
	&ansible_recogniser,	/* Ansible's and winrmcp's scripts */
	NULL,
};

struct plugin_state *
shell_state(void)
{
	return &state;
}

/* ------------------------------------------------------------ helpers */

static long long
conf(const char *key)
{
	return host->conf_int("Winrs", key);
}

static char *
trimmed_text(xmlNodePtr n)
{
	xmlChar *t = xmlNodeGetContent(n);
	char *s;

	if (t == NULL)
		return strdup("");
	s = text_trim_dup((const char *)t);
	xmlFree(t);
	return s;
}

static xmlNodePtr
child_elem(xmlNodePtr parent, const char *name)
{
	for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && n->ns != NULL &&
		    strcmp((const char *)n->ns->href, WINRMD_NS_SHELL) == 0 &&
		    strcmp((const char *)n->name, name) == 0)
			return n;
	return NULL;
}

static bool
is_shell_elem(xmlNodePtr n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    strcmp((const char *)n->ns->href, WINRMD_NS_SHELL) == 0 &&
	    strcmp((const char *)n->name, name) == 0;
}

static bool
option_true(struct winrmd_op *op, const char *name)
{
	const char *v = host->op_option(op, name);

	return v != NULL && (strcasecmp(v, "TRUE") == 0 || strcmp(v, "1") == 0);
}

static xmlNsPtr
ns_of(xmlNodePtr body, const char *href)
{
	return xmlSearchNsByHref(body->doc, body, BAD_CAST href);
}

/* -------------------------------------------------------------- shells */


static void
shell_free(struct shell *sh)
{
	if (sh->env != NULL)
		for (size_t i = 0; sh->env[i] != NULL; i++)
			free(sh->env[i]);
	free(sh->env);
	if (sh->session_env != NULL)
		for (size_t i = 0; sh->session_env[i] != NULL; i++)
			free(sh->session_env[i]);
	free(sh->session_env);
	free(sh->cwd);
	free(sh->input_streams);
	free(sh->output_streams);
	free(sh->name);
	user_copy_free(&sh->user);
	free(sh);
}

/* kills every command of the shell, unlinks it, frees it */
static void
shell_destroy(struct shell *sh, enum winrmd_fault fault, const char *why)
{
	bool psrp = sh->psrp != NULL;

	host->log(WINRMD_LOG_INFO, "shell: %s of %s deleted (%s), %u command(s)",
	    sh->id, sh->user.name, why, sh->ncommands);
	host->timer_stop(sh->idle_timer);
	sh->idle_timer = NULL;
	psrp_pool_free(sh);
	while (sh->commands != NULL) {
		struct command *c = sh->commands;

		sh->commands = c->next;
		command_abort_ops(c, fault);
		command_destroy(&state, c);
	}
	/* whatever left the process groups goes with the cgroup, or is
	 * found by its marker */
	if (sh->handed_over) {
		/* what is left of it is the keeper's (restart.c) */
		if (sh->group != NULL)
			host->group_release(sh->group);
	} else if (sh->group != NULL)
		host->group_destroy(sh->group);
	else
		shell_kill_marked(sh);
	sh->group = NULL;
	/* the login session ends after its processes, as sshd's does */
	host->session_close(sh->session);
	sh->session = NULL;
	for (struct shell **pp = &state.shells; *pp != NULL; pp = &(*pp)->next)
		if (*pp == sh) {
			*pp = sh->next;
			break;
		}
	state.nshells--;
	/* what it held (a disconnected pool's output, a connected one's
	 * grown pipes) no longer counts against the user's bound */
	if (psrp)
		psrp_disconnect_resume(sh->user.p.uid);
	shell_free(sh);
}

static void
idle_expired(void *arg)
{
	struct shell *sh = arg;
	uint64_t idle = host->now_ms() - sh->last_ms;

	sh->idle_timer = NULL;
	/* a client waiting in Receive or Send is not idle */
	for (struct command *c = sh->commands; c != NULL; c = c->next)
		if (c->receive != NULL || c->send != NULL)
			idle = 0;
	if (sh->psrp != NULL && psrp_pool_command(sh)->receive != NULL)
		idle = 0;
	if (idle < sh->idle_ms) {
		sh->idle_timer = host->timer_start(sh->idle_ms - idle,
		    idle_expired, sh);
		return;
	}
	shell_destroy(sh, WINRMD_FAULT_SHELL_NOT_FOUND, sh->psrp != NULL &&
	    sh->psrp->disconnected ? "idle timeout, disconnected" :
	    "idle timeout");
}

void
shell_touch(struct shell *sh)
{
	sh->last_ms = host->now_ms();
	if (sh->idle_timer == NULL)
		sh->idle_timer = host->timer_start(sh->idle_ms, idle_expired, sh);
}

int
shell_not_found(struct winrmd_op *op, const char *id)
{
	return host->op_fault(op, WINRMD_FAULT_SHELL_NOT_FOUND, NULL,
	    "The request for the Windows Remote Shell with ShellId %.64s "
	    "failed because the shell was not found on the server. Possible "
	    "causes are: the specified ShellId is incorrect or the shell no "
	    "longer exists on the server.", id);
}

const char *
shell_op_id(struct winrmd_op *op, int *ret)
{
	const char *id = host->op_selector(op, "ShellId");

	if (!host->conf_bool("Winrs", "AllowRemoteShellAccess")) {
		*ret = host->op_fault(op, WINRMD_FAULT_REMOTESHELLS_NOT_ALLOWED,
		    NULL, NULL);
		return NULL;
	}
	if (id == NULL)
		*ret = host->op_fault(op, WINRMD_FAULT_INSUFFICIENT_SELECTORS,
		    NULL, "The ShellId selector is missing.");
	return id;
}

/* the caller's shell named by the ShellId selector, or a fault */
static struct shell *
find_shell(struct winrmd_op *op, int *ret)
{
	const char *id = shell_op_id(op, ret);
	const struct winrmd_principal *p = host->op_principal(op);
	bool ps = psrp_uri(host->op_resource_uri(op));

	if (id == NULL)
		return NULL;
	for (struct shell *sh = state.shells; sh != NULL; sh = sh->next)
		if (strcasecmp(sh->id, id) == 0 && sh->user.p.uid == p->uid &&
		    (sh->psrp != NULL) == ps) {
			shell_touch(sh);
			/* a disconnected pool: Delete only (psrp_disconnect.c) */
			if ((*ret = psrp_shell_usable(op, sh)) != WINRMD_OK)
				return NULL;
			return sh;
		}
	*ret = shell_not_found(op, id);
	return NULL;
}

static struct command *
find_command(struct shell *sh, const char *id)
{
	if (id == NULL)
		return NULL;
	for (struct command *c = sh->commands; c != NULL; c = c->next)
		if (strcasecmp(c->id, id) == 0)
			return c;
	return NULL;
}

/* what Windows answers (docs/FAULTS.md): InvalidSelectors, 2150858843 */
static int
unknown_command(struct winrmd_op *op, const char *id)
{
	return host->op_fault(op, WINRMD_FAULT_UNEXPECTED_SELECTORS, NULL,
	    "The Windows Remote Shell received a request to perform an "
	    "operation on a command identifier that does not exist. Either "
	    "the command has completed execution or the client specified an "
	    "invalid command identifier (%.64s).",
	    id ? id : "no CommandId");
}

/* --------------------------------------------------------------- Create */

static int
quota_check(struct winrmd_op *op, const struct winrmd_principal *p)
{
	unsigned mine = 0, users = 0;
	bool known = false;

	for (struct shell *sh = state.shells; sh != NULL; sh = sh->next) {
		bool first = true;

		if (sh->user.p.uid == p->uid) {
			mine++;
			known = true;
		}
		for (struct shell *o = state.shells; o != sh; o = o->next)
			if (o->user.p.uid == sh->user.p.uid)
				first = false;
		if (first)
			users++;
	}
	if (mine >= (unsigned long long)conf("MaxShellsPerUser"))
		return host->op_fault(op, WINRMD_FAULT_QUOTA_MAX_SHELLS, NULL,
		    "The WS-Management service cannot process the request. "
		    "This user is allowed a maximum number of %lld concurrent "
		    "shells, which has been exceeded.", conf("MaxShellsPerUser"));
	if (!known && users >= (unsigned long long)conf("MaxConcurrentUsers"))
		return host->op_fault(op, WINRMD_FAULT_QUOTA_MAX_SHELLUSERS, NULL,
		    "The WS-Management service cannot process the request. The "
		    "maximum number of concurrent shell users (%lld) has been "
		    "exceeded.", conf("MaxConcurrentUsers"));
	return WINRMD_OK;
}

/*
 * A shell runs processes: an account that may not run any (its login shell
 * is nologin, or not in /etc/shells) gets none, as over ssh.  The spawn
 * service refuses it anyway; this answers before a shell is made.
 */
static int
may_run(struct winrmd_op *op, const struct winrmd_principal *p)
{
	char why[512];

	if (!WINRMD_HOST_HAS(host, account_may_run) ||
	    host->account_may_run(p, why, sizeof(why)) == 0)
		return WINRMD_OK;
	host->log(WINRMD_LOG_NOTICE, "shell: Create for %s from %s refused: %s",
	    p->name, host->op_client_ip(op), why);
	return host->op_fault(op, WINRMD_FAULT_ACCESS_DENIED, NULL,
	    "Access is denied: %s, so no process may run as %s on this host.",
	    why, p->name);
}

/*
 * Live commands (a process or pipes: descriptors of the daemon) per shell
 * and per user: MaxProcessesPerShell and MaxProcessesPerUser.
 */
int
shell_command_quota(struct winrmd_op *op, struct shell *sh)
{
	long long max_shell = conf("MaxProcessesPerShell");
	long long max_user = conf("MaxProcessesPerUser");
	unsigned n;

	/* groups emptied since: their pidfds and zombies go first */
	for (struct shell *o = state.shells; o != NULL; o = o->next)
		if (o->user.p.uid == sh->user.p.uid)
			for (struct command *c = o->commands; c != NULL;
			    c = c->next)
				command_settle(c);
	switch (command_quota(state.shells, sh, (unsigned long long)max_shell,
	    max_user < 0 ? ~0ULL : (unsigned long long)max_user, &n)) {
	case QUOTA_OK:
		return WINRMD_OK;
	case QUOTA_SHELL:
		host->log(WINRMD_LOG_NOTICE, "shell: command refused for %s: "
		    "shell %s has %u commands running (MaxProcessesPerShell)",
		    sh->user.name, sh->id, n);
		return host->op_fault(op, WINRMD_FAULT_QUOTA_LIMIT, NULL,
		    "The shell already has %u commands running, the most "
		    "MaxProcessesPerShell (%lld) allows; wait for one to end or "
		    "signal it with terminate.", n, max_shell);
	case QUOTA_USER:
		break;
	}
	host->log(WINRMD_LOG_NOTICE, "shell: command refused for %s: %u "
	    "commands running in the user's shells (MaxProcessesPerUser)",
	    sh->user.name, n);
	return host->op_fault(op, WINRMD_FAULT_QUOTA_LIMIT, NULL,
	    "The shells of %s already have %u commands running, the most "
	    "MaxProcessesPerUser (%lld) allows; wait for one to end or signal "
	    "it with terminate.", sh->user.name, n, max_user);
}

static int
parse_environment(struct winrmd_op *op, struct shell *sh, xmlNodePtr env)
{
	size_t n = 0;

	for (xmlNodePtr v = env->children; v != NULL; v = v->next)
		if (is_shell_elem(v, "Variable"))
			n++;
	if (n > MAX_ENV_VARS)
		return host->op_fault(op, WINRMD_FAULT_INVALID_PARAMETER, NULL,
		    "Too many environment variables (at most %d).", MAX_ENV_VARS);
	if ((sh->env = calloc(n + 1, sizeof(char *))) == NULL)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	n = 0;
	for (xmlNodePtr v = env->children; v != NULL; v = v->next) {
		xmlChar *name, *value;
		int ok;

		if (!is_shell_elem(v, "Variable"))
			continue;
		name = xmlGetProp(v, BAD_CAST "Name");
		if (name == NULL || name[0] == '\0' ||
		    strchr((char *)name, '=') != NULL) {
			xmlFree(name);
			return host->op_fault(op, WINRMD_FAULT_INVALID_PARAMETER,
			    NULL, "An environment variable has no valid Name.");
		}
		value = xmlNodeGetContent(v);
		ok = asprintf(&sh->env[n], "%s=%s", (char *)name,
		    value ? (char *)value : "") >= 0;
		xmlFree(name);
		xmlFree(value);
		if (!ok) {
			sh->env[n] = NULL;
			return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR,
			    NULL, "out of memory");
		}
		n++;
	}
	return WINRMD_OK;
}

/* WINRMD_SHELL_ID=<id> in every command's environment (orphans.c) */
static int
add_marker(struct winrmd_op *op, struct shell *sh)
{
	size_t n = 0;
	char **env;

	while (sh->env != NULL && sh->env[n] != NULL)
		n++;
	if ((env = realloc(sh->env, (n + 2) * sizeof(char *))) == NULL)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	sh->env = env;
	if (asprintf(&env[n], SHELL_MARKER "=%s", sh->id) < 0) {
		env[n] = NULL;
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	}
	env[n + 1] = NULL;
	return WINRMD_OK;
}

/* IdleTimeOut, never more than [Winrs] IdleTimeout (shell.h) */
uint64_t
shell_parse_idle(const char *s, uint64_t max)
{
	uint64_t v = 0;
	char *end;

	if (s[0] == 'P') {
		if (host->parse_duration(s, &v) < 0)
			v = 0;
	} else {
		v = strtoull(s, &end, 10);
		if (*end != '\0')
			v = 0;
		else
			v *= 1000;
	}
	return v == 0 || v > max ? max : v;
}

static void
add_text(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *text)
{
	xmlNewTextChild(parent, ns, BAD_CAST name, BAD_CAST text);
}

static int
create_reply(struct winrmd_op *op, const struct shell *sh)
{
	const char *uri = sh->psrp != NULL ? host->op_resource_uri(op) :
	    SHELL_URI;
	xmlNodePtr body = host->op_reply(op, WINRMD_ACTION_CREATE "Response");
	xmlNodePtr rc, rp, ss, sel, echo;
	xmlNsPtr a, w, x, rsp;
	char idle[48];

	if (body == NULL)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	a = ns_of(body, WINRMD_NS_WSA);
	w = ns_of(body, WINRMD_NS_WSMAN);
	x = ns_of(body, WINRMD_NS_WXF);
	rsp = ns_of(body, WINRMD_NS_SHELL);
	rc = xmlNewChild(body, x, BAD_CAST "ResourceCreated", NULL);
	add_text(rc, a, "Address",
	    "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous");
	rp = xmlNewChild(rc, a, BAD_CAST "ReferenceParameters", NULL);
	add_text(rp, w, "ResourceURI", uri);
	ss = xmlNewChild(rp, w, BAD_CAST "SelectorSet", NULL);
	sel = xmlNewTextChild(ss, w, BAD_CAST "Selector", BAD_CAST sh->id);
	xmlNewProp(sel, BAD_CAST "Name", BAD_CAST "ShellId");
	echo = xmlNewChild(body, rsp, BAD_CAST "Shell", NULL);
	add_text(echo, rsp, "ShellId", sh->id);
	add_text(echo, rsp, "ResourceUri", uri);
	add_text(echo, rsp, "Owner", sh->user.name);
	add_text(echo, rsp, "ClientIP", sh->client_ip);
	snprintf(idle, sizeof(idle), "PT%llu.%03lluS",
	    (unsigned long long)(sh->idle_ms / 1000),
	    (unsigned long long)(sh->idle_ms % 1000));
	add_text(echo, rsp, "IdleTimeOut", idle);
	add_text(echo, rsp, "InputStreams", sh->input_streams);
	add_text(echo, rsp, "OutputStreams", sh->output_streams);
	add_text(echo, rsp, "ShellRunTime", "P0DT0H0M0S");
	add_text(echo, rsp, "ShellInactivity", "P0DT0H0M0S");
	return WINRMD_OK;
}

/* the shell created, in its login session: linked, logged, answered */
static int
shell_start(struct winrmd_op *op, struct shell *sh)
{
	sh->created_ms = host->now_ms();
	sh->next = state.shells;
	state.shells = sh;
	state.nshells++;
	shell_touch(sh);
	host->log(WINRMD_LOG_INFO, "shell: %s%s created for %s from %s "
	    "(codepage %u, idle %llu ms, limits by %s%s)", sh->psrp ?
	    "PowerShell runspace pool " : "", sh->id, sh->user.name,
	    sh->client_ip, sh->codepage, (unsigned long long)sh->idle_ms,
	    sh->group ? host->group_mode() : "rlimits",
	    sh->xpress ? ", CompressionType xpress" : "");
	return create_reply(op, sh);
}

/* a copy of what PAM set for the session, for every command (command.c) */
static int
keep_session_env(struct shell *sh, char *const *penv)
{
	size_t m = 0;

	while (penv[m] != NULL)
		m++;
	if ((sh->session_env = calloc(m + 1, sizeof(char *))) == NULL)
		return -1;
	for (size_t i = 0; i < m; i++)
		if ((sh->session_env[i] = strdup(penv[i])) == NULL)
			return -1;	/* shell_free frees what was copied */
	return 0;
}

/* the login session of a Create: the shell starts in it, or is refused */
static void
session_ready(struct winrmd_session *s, char *const *env, const char *why,
    void *arg)
{
	struct shell *sh = arg;
	struct winrmd_op *op = sh->create_op;

	sh->create_op = NULL;
	sh->session = s;
	if (s == NULL || keep_session_env(sh, env) < 0) {
		if (s == NULL)
			host->op_fault(op, WINRMD_FAULT_ACCESS_DENIED, NULL,
			    "No login session for %s: %s.", sh->user.name, why);
		else
			host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
			    "out of memory");
		host->session_close(s);
		host->group_destroy(sh->group);
		psrp_pool_free(sh);
		shell_free(sh);
	} else
		shell_start(op, sh);
	host->op_complete(op);
}

static int
op_create(struct winrmd_op *op, void *unused)
{
	const struct winrmd_principal *p = host->op_principal(op);
	xmlNodePtr body = host->op_body(op), n;
	const char *cp = host->op_option(op, "WINRS_CODEPAGE");
	struct shell *sh;
	uuid_t u;
	int r;

	(void)unused;
	if (!host->conf_bool("Winrs", "AllowRemoteShellAccess"))
		return host->op_fault(op, WINRMD_FAULT_REMOTESHELLS_NOT_ALLOWED,
		    NULL, NULL);
	if (!is_shell_elem(body, "Shell"))
		return host->op_fault(op, WINRMD_FAULT_SCHEMA_VALIDATION, NULL,
		    "A Create of a remote shell needs an rsp:Shell body.");
	if ((r = quota_check(op, p)) != WINRMD_OK)
		return r;
	if ((r = may_run(op, p)) != WINRMD_OK)
		return r;
	if ((sh = calloc(1, sizeof(*sh))) == NULL ||
	    user_copy_make(&sh->user, p) < 0) {
		free(sh);
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	}
	uuid_generate_random(u);
	uuid_unparse_upper(u, sh->id);
	snprintf(sh->client_ip, sizeof(sh->client_ip), "%s",
	    host->op_client_ip(op));
	sh->noprofile = option_true(op, "WINRS_NOPROFILE");
	sh->codepage = 437;
	if (cp != NULL) {
		char *end;
		unsigned long v = strtoul(cp, &end, 10);

		if (*end != '\0' || v == 0 || v > 65535) {
			shell_free(sh);
			return host->op_fault(op, WINRMD_FAULT_INVALID_OPTIONS,
			    "InvalidValue", "WINRS_CODEPAGE %.32s is not a "
			    "codepage number.", cp);
		}
		sh->codepage = (unsigned)v;
	}
	sh->idle_ms = (uint64_t)conf("IdleTimeout");
	{
		/* PowerShell names its pools (Runspace1): Get and Enumerate
		 * show it (shell_enum.c) */
		xmlChar *name = xmlGetProp(body, BAD_CAST "Name");

		if (name != NULL && name[0] != '\0')
			sh->name = strndup((char *)name, 128);
		xmlFree(name);
	}
	r = WINRMD_OK;
	for (n = body->children; n != NULL && r == WINRMD_OK; n = n->next) {
		if (is_shell_elem(n, "InputStreams"))
			sh->input_streams = trimmed_text(n);
		else if (is_shell_elem(n, "OutputStreams"))
			sh->output_streams = trimmed_text(n);
		else if (is_shell_elem(n, "WorkingDirectory")) {
			free(sh->cwd);
			sh->cwd = trimmed_text(n);
			if (sh->cwd != NULL && sh->cwd[0] == '\0') {
				free(sh->cwd);
				sh->cwd = NULL;
			}
		} else if (is_shell_elem(n, "Environment"))
			r = parse_environment(op, sh, n);
		else if (is_shell_elem(n, "IdleTimeOut")) {
			char *t = trimmed_text(n);

			if (t != NULL)
				sh->idle_ms = shell_parse_idle(t, sh->idle_ms);
			free(t);
		}
	}
	if (r == WINRMD_OK)
		r = shell_compression(op, sh);
	/* a runspace pool is named by the client (before the marker) */
	if (r == WINRMD_OK && psrp_uri(host->op_resource_uri(op)))
		psrp_pool_id(sh, op);
	if (r == WINRMD_OK)
		r = add_marker(op, sh);
	/* a PowerShell runspace pool: creationXml, the configuration */
	if (r == WINRMD_OK && psrp_uri(host->op_resource_uri(op)))
		r = psrp_pool_create(sh, op);
	if (r != WINRMD_OK) {
		psrp_pool_free(sh);
		shell_free(sh);
		return r;
	}
	if (sh->input_streams == NULL)
		sh->input_streams = strdup(sh->psrp ? "stdin pr" : "stdin");
	if (sh->output_streams == NULL)
		sh->output_streams = strdup(sh->psrp ? "stdout" :
		    "stdout stderr");
	sh->mem_limit = (uint64_t)conf("MaxMemoryPerShellMB") * 1024 * 1024;
	sh->max_procs = (uint64_t)conf("MaxProcessesPerShell");
	/* a pool per call (pypsrp's execute_ps): the session, group and
	 * login shell started ahead for it, when there is one */
	if (sh->psrp != NULL && psrp_spare_take(sh))
		return shell_start(op, sh);
	{
		char name[SHELL_ID_LEN + 8];

		snprintf(name, sizeof(name), "shell-%s", sh->id);
		sh->group = host->group_create(name, sh->mem_limit, sh->max_procs);
	}
	/* a daemon without login sessions (an older one): none */
	if (!WINRMD_HOST_HAS(host, session_open))
		return shell_start(op, sh);
	sh->create_op = op;
	if ((r = host->session_open(p, sh->client_ip, sh->id, session_ready,
	    sh)) < 0) {
		host->group_destroy(sh->group);
		psrp_pool_free(sh);
		shell_free(sh);
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "No login session could be started: %s.", strerror(-r));
	}
	return WINRMD_PENDING;
}

/* --------------------------------------------------------------- Delete */

static int
op_delete(struct winrmd_op *op, void *unused)
{
	struct shell *sh;
	int r;

	(void)unused;
	if ((sh = find_shell(op, &r)) == NULL)
		return r;
	/* a pool per call (execute_ps): its user's next one, started ahead
	 * (psrp_spare.c) */
	if (sh->psrp != NULL)
		psrp_spare_prepare(sh);
	shell_destroy(sh, WINRMD_FAULT_SHELL_NOT_FOUND, "Delete");
	if (host->op_reply(op, WINRMD_ACTION_DELETE "Response") == NULL)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	return WINRMD_OK;
}

/* -------------------------------------------------------------- Command */

static int
command_reply(struct winrmd_op *op, struct shell *sh, struct command *c)
{
	xmlNodePtr reply, n;

	c->next = sh->commands;
	sh->commands = c;
	sh->ncommands++;
	if ((reply = host->op_reply(op, WINRMD_ACTION_COMMAND "Response")) == NULL)
		return host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
	n = xmlNewChild(reply, ns_of(reply, WINRMD_NS_SHELL),
	    BAD_CAST "CommandResponse", NULL);
	xmlNewTextChild(n, ns_of(reply, WINRMD_NS_SHELL), BAD_CAST "CommandId",
	    BAD_CAST c->id);
	return WINRMD_OK;
}

/* a PSRP pipeline: CommandId and the first fragment in Arguments */
static int
psrp_command(struct winrmd_op *op, struct shell *sh, xmlNodePtr body)
{
	xmlChar *cid = xmlGetProp(body, BAD_CAST "CommandId"), *text;
	xmlNodePtr args = child_elem(body, "Arguments");
	int fault = WINRMD_FAULT_NONE;
	struct command *c;
	unsigned char *frag;
	size_t len = 0;

	if (cid != NULL && find_command(sh, (const char *)cid) != NULL) {
		xmlFree(cid);
		return host->op_fault(op, WINRMD_FAULT_ALREADY_EXISTS, NULL,
		    "The pool already has a pipeline with this CommandId.");
	}
	text = args != NULL ? xmlNodeGetContent(args) : NULL;
	frag = stream_b64_decode(text ? (char *)text : "", &len);
	xmlFree(text);
	if (frag == NULL) {
		xmlFree(cid);
		return host->op_fault(op, WINRMD_FAULT_INVALID_PARAMETER, NULL,
		    "The Arguments of a pipeline are not base64.");
	}
	c = psrp_pipeline_new(sh, (const char *)cid, frag, len, op, &fault);
	free(frag);
	xmlFree(cid);
	if (c == NULL)
		return fault != WINRMD_FAULT_NONE ? fault :
		    host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL, NULL);
	return command_reply(op, sh, c);
}

static int
op_command(struct winrmd_op *op, void *unused)
{
	xmlNodePtr body = host->op_body(op), n;
	char *args[MAX_ARGUMENTS];
	size_t nargs = 0;
	xmlChar *command = NULL;
	struct command *c;
	struct shell *sh;
	int r = WINRMD_OK, fault = WINRMD_FAULT_NONE;

	(void)unused;
	if ((sh = find_shell(op, &r)) == NULL)
		return r;
	if (!is_shell_elem(body, "CommandLine") ||
	    (n = child_elem(body, "Command")) == NULL)
		return host->op_fault(op, WINRMD_FAULT_SCHEMA_VALIDATION, NULL,
		    "A Command needs rsp:CommandLine with rsp:Command.");
	if (sh->ncommands >= (unsigned long long)conf("MaxCommandsPerShell"))
		return host->op_fault(op, WINRMD_FAULT_QUOTA_MAX_OPERATIONS, NULL,
		    "The shell already holds %u commands (MaxCommandsPerShell); "
		    "signal finished commands with terminate.", sh->ncommands);
	if ((r = shell_command_quota(op, sh)) != WINRMD_OK)
		return r;
	/* no login session, no cgroup of its own: finishing is all it does */
	if (sh->restored)
		return host->op_fault(op, WINRMD_FAULT_UNSUPPORTED_FEATURE, NULL,
		    "The shell %s was taken over from before a service restart "
		    "and only finishes the commands it had; create a new shell.",
		    sh->id);
	if (sh->psrp != NULL)
		return psrp_command(op, sh, body);
	command = xmlNodeGetContent(n);
	for (n = body->children; n != NULL; n = n->next) {
		if (!is_shell_elem(n, "Arguments"))
			continue;
		if (nargs == MAX_ARGUMENTS) {
			r = host->op_fault(op, WINRMD_FAULT_INVALID_PARAMETER, NULL,
			    "Too many Arguments (at most %d).", MAX_ARGUMENTS);
			goto out;
		}
		args[nargs] = (char *)xmlNodeGetContent(n);
		if (args[nargs] == NULL) {
			r = host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
			    "out of memory");
			goto out;
		}
		nargs++;
	}
	c = command_start(sh, command ? (char *)command : "", args, nargs,
	    option_true(op, "WINRS_SKIP_CMD_SHELL"), op, &fault);
	if (c == NULL) {
		r = fault != WINRMD_FAULT_NONE ? fault :
		    host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL, NULL);
		goto out;
	}
	r = command_reply(op, sh, c);
out:
	xmlFree(command);
	for (size_t i = 0; i < nargs; i++)
		xmlFree(args[i]);
	return r;
}

/* ----------------------------------------------------------------- Send */

/* fragments for the pool (no CommandId) or one of its pipelines */
static int
psrp_send(struct winrmd_op *op, struct shell *sh, struct command *c,
    bool has_cid, xmlNodePtr stream, const char *name)
{
	xmlChar *text;
	unsigned char *data;
	size_t len = 0;
	bool pr;
	int r;

	if (name != NULL && strcmp(name, "stdin") != 0 &&
	    strcmp(name, "pr") != 0)
		return host->op_fault(op, WINRMD_FAULT_INVALID_PARAMETER, NULL,
		    "A PowerShell runspace pool takes the stdin and pr streams.");
	if (has_cid && c == NULL)
		return host->op_fault(op, WINRMD_FAULT_INVALID_PARAMETER, NULL,
		    "The pipeline does not exist in this pool.");
	text = xmlNodeGetContent(stream);
	data = shell_stream_in(op, sh, text ? (char *)text : "",
	    name ? name : "stdin", &len, &r);
	xmlFree(text);
	if (data == NULL)
		return r;
	pr = name != NULL && strcmp(name, "pr") == 0;
	r = c != NULL ? psrp_pipeline_send(c, op, pr, data, len) :
	    psrp_pool_send(sh, op, pr, data, len);
	free(data);
	return r;
}

static int
op_send(struct winrmd_op *op, void *unused)
{
	xmlNodePtr body = host->op_body(op), stream;
	xmlChar *name, *cid, *end, *text;
	struct command *c;
	struct shell *sh;
	unsigned char *data;
	size_t len = 0;
	int r;

	(void)unused;
	if ((sh = find_shell(op, &r)) == NULL)
		return r;
	if (!is_shell_elem(body, "Send") ||
	    (stream = child_elem(body, "Stream")) == NULL)
		return host->op_fault(op, WINRMD_FAULT_SCHEMA_VALIDATION, NULL,
		    "A Send needs rsp:Send with rsp:Stream.");
	name = xmlGetProp(stream, BAD_CAST "Name");
	cid = xmlGetProp(stream, BAD_CAST "CommandId");
	end = xmlGetProp(stream, BAD_CAST "End");
	c = find_command(sh, (char *)cid);
	if (sh->psrp != NULL)
		r = psrp_send(op, sh, c, cid != NULL, stream, (char *)name);
	else if (c == NULL)
		r = unknown_command(op, (char *)cid);
	else if (name != NULL && strcmp((char *)name, "stdin") != 0)
		r = host->op_fault(op, WINRMD_FAULT_INVALID_PARAMETER, NULL,
		    "Only the stdin stream can be sent to.");
	else {
		text = xmlNodeGetContent(stream);
		data = shell_stream_in(op, sh, text ? (char *)text : "",
		    "stdin", &len, &r);
		xmlFree(text);
		if (data != NULL)
			r = command_send(c, op, data, len, end != NULL &&
			    (strcasecmp((char *)end, "true") == 0 ||
			    strcmp((char *)end, "1") == 0));
		free(data);
	}
	xmlFree(name);
	xmlFree(cid);
	xmlFree(end);
	return r;
}

/* -------------------------------------------------------------- Receive */

static int
op_receive(struct winrmd_op *op, void *unused)
{
	xmlNodePtr body = host->op_body(op), desired;
	xmlChar *cid = NULL, *streams = NULL;
	unsigned want = 0;
	struct command *c;
	struct shell *sh;
	int r;

	(void)unused;
	if ((sh = find_shell(op, &r)) == NULL)
		return r;
	if (!is_shell_elem(body, "Receive") ||
	    (desired = child_elem(body, "DesiredStream")) == NULL)
		return host->op_fault(op, WINRMD_FAULT_SCHEMA_VALIDATION, NULL,
		    "A Receive needs rsp:Receive with rsp:DesiredStream.");
	cid = xmlGetProp(desired, BAD_CAST "CommandId");
	streams = xmlNodeGetContent(desired);
	if (streams != NULL) {
		for (char *t = strtok((char *)streams, " \t\r\n"); t != NULL;
		    t = strtok(NULL, " \t\r\n")) {
			if (strcasecmp(t, "stdout") == 0)
				want |= 1u << ST_STDOUT;
			else if (strcasecmp(t, "stderr") == 0)
				want |= 1u << ST_STDERR;
		}
	}
	if (want == 0)
		want = (1u << ST_STDOUT) | (1u << ST_STDERR);
	if (sh->psrp != NULL && cid == NULL)
		c = psrp_pool_command(sh);	/* the pool's own messages */
	else
		c = find_command(sh, (char *)cid);
	if (c == NULL)
		r = unknown_command(op, (char *)cid);
	else
		r = command_receive(c, op, want);
	xmlFree(cid);
	xmlFree(streams);
	return r;
}

/* --------------------------------------------------------------- Signal */

static int
op_signal(struct winrmd_op *op, void *unused)
{
	xmlNodePtr body = host->op_body(op), code_elem, reply;
	xmlChar *cid = NULL, *code = NULL;
	struct command *c;
	struct shell *sh;
	int r, sig;

	(void)unused;
	if ((sh = find_shell(op, &r)) == NULL)
		return r;
	if (!is_shell_elem(body, "Signal") ||
	    (code_elem = child_elem(body, "Code")) == NULL)
		return host->op_fault(op, WINRMD_FAULT_SCHEMA_VALIDATION, NULL,
		    "A Signal needs rsp:Signal with rsp:Code.");
	cid = xmlGetProp(body, BAD_CAST "CommandId");
	code = xmlNodeGetContent(code_elem);
	if ((c = find_command(sh, (char *)cid)) == NULL) {
		r = unknown_command(op, (char *)cid);
		goto out;
	}
	{
		char *t = code ? (char *)code : (char *)"";

		while (isspace((unsigned char)*t))
			t++;
		for (char *e = t + strlen(t); e > t && isspace((unsigned char)e[-1]);)
			*--e = '\0';
		sig = command_signal(c, t);
	}
	if (sig < 0) {
		r = host->op_fault(op, WINRMD_FAULT_INVALID_PARAMETER, NULL,
		    "The signal code %.128s is not supported.",
		    code ? (char *)code : "");
		goto out;
	}
	if (sig == SIGKILL) {
		/* terminate: the command is gone for the client */
		for (struct command **pp = &sh->commands; *pp; pp = &(*pp)->next)
			if (*pp == c) {
				*pp = c->next;
				break;
			}
		sh->ncommands--;
		command_abort_ops(c, WINRMD_FAULT_UNEXPECTED_SELECTORS);
		command_destroy(&state, c);
		/* its runspace is free for a pipeline waiting for one */
		if (sh->psrp != NULL)
			psrp_pool_dequeue(sh);
	}
	if ((reply = host->op_reply(op, WINRMD_ACTION_SIGNAL "Response")) == NULL) {
		r = host->op_fault(op, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "out of memory");
		goto out;
	}
	xmlNewChild(reply, ns_of(reply, WINRMD_NS_SHELL),
	    BAD_CAST "SignalResponse", NULL);
	r = WINRMD_OK;
out:
	xmlFree(cid);
	xmlFree(code);
	return r;
}

/* --------------------------------------------------------------- plugin */

static int
init(const struct winrmd_host *h, void **ret_state)
{
	/* auth_check (become) is used only when the host has it */
	if (h->abi != WINRMD_PLUGIN_ABI ||
	    h->size < offsetof(struct winrmd_host, auth_check))
		return -EPROTO;
	host = h;
	memset(&state, 0, sizeof(state));
	ahead_init(&state);
	*ret_state = &state;
	shell_restore_all(&state);
	return 0;
}

static void
fini(void *unused)
{
	(void)unused;
	state.stopping = true;
	psrp_spare_fini();
	shell_keep_all(&state);
	while (state.shells != NULL)
		shell_destroy(state.shells, WINRMD_FAULT_SERVICE_STOPPING,
		    "service stopping");
	ansible_jobs_fini(&state);
	ahead_fini(&state);
	/* killed above; reap them now so nothing is left behind */
	while (state.reaping != NULL) {
		struct command *c = state.reaping;
		siginfo_t si;

		state.reaping = c->next;
		host->watch_remove(c->w_pid);
		waitid(P_PIDFD, (id_t)c->child.pidfd, &si, WEXITED);
		close(c->child.pidfd);
		free(c);
	}
}

static const struct winrmd_action shell_actions[] = {
	{ WINRMD_ACTION_CREATE, op_create },
	{ WINRMD_ACTION_DELETE, op_delete },
	{ WINRMD_ACTION_COMMAND, op_command },
	{ WINRMD_ACTION_SEND, op_send },
	{ WINRMD_ACTION_RECEIVE, op_receive },
	{ WINRMD_ACTION_SIGNAL, op_signal },
	/* disconnected runspace pools (psrp_disconnect.c) */
	{ WINRMD_NS_SHELL "/Disconnect", psrp_op_disconnect },
	{ WINRMD_NS_SHELL "/Reconnect", psrp_op_reconnect },
	{ WINRMD_NS_SHELL "/Connect", psrp_op_connect },
	/* the shells of the caller as resources (shell_enum.c) */
	{ WINRMD_ACTION_GET, shell_op_get },
	{ WINRMD_ACTION_ENUMERATE, shell_op_enumerate },
	{ WINRMD_ACTION_PULL, shell_op_pull },
	{ WINRMD_ACTION_RELEASE, shell_op_release },
	{ NULL, NULL },
};

/* the shells of the caller as resources (shell_enum.c) */
static const struct winrmd_action shell_list_actions[] = {
	{ WINRMD_ACTION_GET, shell_op_get },
	{ WINRMD_ACTION_ENUMERATE, shell_op_enumerate },
	{ WINRMD_ACTION_PULL, shell_op_pull },
	{ WINRMD_ACTION_RELEASE, shell_op_release },
	{ WINRMD_ACTION_ANY, shell_op_other },
	{ NULL, NULL },
};

static const struct winrmd_resource shell_resources[] = {
	{ SHELL_URI, shell_actions },
	/* PowerShell remoting: runspace pools are shells too (psrp.h) */
	{ PSRP_URI_PREFIX, shell_actions },
	/* .../windows/shell and .../windows/shell/Command */
	{ SHELL_LIST_URI, shell_list_actions },
	{ NULL, NULL },
};

static const struct winrmd_setting shell_settings[] = {
	WINRS_SETTINGS,
	/* winrmd's own (not in winrm/config/winrs): psrp_disconnect.c */
	{ "Winrs", "MaxDisconnectedOutputPerUserMB", WINRMD_SETTING_UINT, "16",
	  1, 4096, NULL, "output of one user's disconnected PowerShell "
	  "runspace pools held for a client to connect, in MiB; at the bound "
	  "their pipelines wait (BufferMode Block)", 0 },
	/* psrp_spare.c */
	{ "Winrs", "SparePoolSeconds", WINRMD_SETTING_UINT, "30", 0, 3600,
	  NULL, "when a PowerShell runspace pool is deleted, a login session "
	  "and shell are started ahead for its user's next pool from that "
	  "address, dropped after this many seconds untaken; 0: none", 0 },
	{ "Winrs", "MaxSparePools", WINRMD_SETTING_UINT, "16", 0, 100000,
	  NULL, "login sessions and shells started ahead for users' next "
	  "PowerShell runspace pools at once (at most one per user); 0: none",
	  0 },
	{ "Winrs", "RestartGraceSeconds", WINRMD_SETTING_UINT, "60", 0, 3600,
	  NULL, "at a stop, plain WinRS commands are kept running this long "
	  "for the next daemon to take back (their output and exit code go to "
	  "the client after a restart); then killed. 0: a stop ends them", 0 },
	{ NULL },
};

static const struct winrmd_plugin shell_plugin = {
	.abi = WINRMD_PLUGIN_ABI,
	.size = sizeof(struct winrmd_plugin),
	.name = "shell",
	.version = "1",
	.init = init,
	.fini = fini,
	.resources = shell_resources,
	.settings = shell_settings,
};

const struct winrmd_plugin *
winrmd_plugin_entry(void)
{
	return &shell_plugin;
}
