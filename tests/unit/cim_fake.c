/*
 * cim_fake.c: the fake host of cim_fake.h; not a test program
 * of its own, it is linked into the check_cim_* programs.  Single-threaded
 * like the daemon's loop; timers run only when a test advances the clock.
 * WS-Enumeration is the daemon's own (daemon/enumeration.c) on this host.
 */
#define _GNU_SOURCE

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>

#include "cim_fake.h"
#include "enumeration.h"

/* ------------------------------------------------------------- log */

#define LOG_KEEP	256

static char *log_lines[LOG_KEEP];
static size_t nlog;

static void
f_log(int level, const char *fmt, ...)
{
	va_list ap;
	char *line;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	if (line == NULL)
		return;
	if (getenv("CIM_FAKE_VERBOSE") != NULL)
		fprintf(stderr, "log<%d>: %s\n", level, line);
	if (nlog == LOG_KEEP) {
		free(log_lines[0]);
		memmove(log_lines, log_lines + 1, (LOG_KEEP - 1) * sizeof(char *));
		nlog--;
	}
	log_lines[nlog++] = line;
}

size_t
fake_log_count(const char *needle)
{
	size_t n = 0;

	for (size_t i = 0; i < nlog; i++)
		if (strstr(log_lines[i], needle) != NULL)
			n++;
	return n;
}

void
fake_log_clear(void)
{
	for (size_t i = 0; i < nlog; i++)
		free(log_lines[i]);
	nlog = 0;
}

/* ------------------------------------------------------------ config */

struct conf_kv {
	char	*key, *value;
};
static struct conf_kv confs[32];
static size_t nconfs;

void
fake_conf_set(const char *key, const char *value)
{
	for (size_t i = 0; i < nconfs; i++)
		if (strcasecmp(confs[i].key, key) == 0) {
			free(confs[i].value);
			confs[i].value = strdup(value);
			return;
		}
	if (nconfs < 32) {
		confs[nconfs].key = strdup(key);
		confs[nconfs].value = strdup(value);
		nconfs++;
	}
}

void
fake_conf_clear(void)
{
	for (size_t i = 0; i < nconfs; i++) {
		free(confs[i].key);
		free(confs[i].value);
	}
	nconfs = 0;
}

static const char *
f_conf_str(const char *section, const char *key)
{
	char k[128];

	snprintf(k, sizeof(k), "%s.%s", section, key);
	for (size_t i = 0; i < nconfs; i++)
		if (strcasecmp(confs[i].key, k) == 0)
			return confs[i].value;
	return NULL;
}

static long long
f_conf_int(const char *section, const char *key)
{
	const char *v = f_conf_str(section, key);

	return v ? strtoll(v, NULL, 10) : -1;
}

static bool
f_conf_bool(const char *section, const char *key)
{
	const char *v = f_conf_str(section, key);

	return v != NULL && (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* ------------------------------------------------------------ timers */

struct winrmd_timer {
	struct winrmd_timer	*next;
	uint64_t		 due;
	winrmd_timer_fn		 fn;
	void			*arg;
};

static struct winrmd_timer *timers;
static uint64_t now;

static struct winrmd_timer *
f_timer_start(uint64_t ms, winrmd_timer_fn fn, void *arg)
{
	struct winrmd_timer *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->due = now + ms;
	t->fn = fn;
	t->arg = arg;
	t->next = timers;
	timers = t;
	return t;
}

static void
f_timer_stop(struct winrmd_timer *t)
{
	for (struct winrmd_timer **pp = &timers; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			free(t);
			return;
		}
}

static uint64_t
f_now_ms(void)
{
	return now;
}

void
fake_advance(uint64_t ms)
{
	uint64_t until = now + ms;

	for (;;) {
		struct winrmd_timer *first = NULL;

		for (struct winrmd_timer *t = timers; t != NULL; t = t->next)
			if (t->due <= until && (first == NULL || t->due < first->due))
				first = t;
		if (first == NULL)
			break;
		if (first->due > now)
			now = first->due;
		{
			winrmd_timer_fn fn = first->fn;
			void *arg = first->arg;

			f_timer_stop(first);
			fn(arg);
		}
	}
	now = until;
}

size_t
fake_timers(void)
{
	size_t n = 0;

	for (struct winrmd_timer *t = timers; t != NULL; t = t->next)
		n++;
	return n;
}

/* ------------------------------------------------------------ watches */

struct winrmd_watch {
	struct winrmd_watch	*next;
	int			 fd;
	uint32_t		 events;
	winrmd_io_fn		 fn;
	void			*arg;
};

static struct winrmd_watch *watches;

static struct winrmd_watch *
f_watch_add(int fd, uint32_t events, winrmd_io_fn fn, void *arg)
{
	struct winrmd_watch *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->fd = fd;
	w->events = events;
	w->fn = fn;
	w->arg = arg;
	w->next = watches;
	watches = w;
	return w;
}

static int
f_watch_set(struct winrmd_watch *w, uint32_t events)
{
	w->events = events;
	return 0;
}

static void
f_watch_remove(struct winrmd_watch *w)
{
	for (struct winrmd_watch **pp = &watches; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			free(w);
			return;
		}
}

void
fake_poll(int ms)
{
	struct pollfd pfd[8];
	struct winrmd_watch *ws[8];
	int n = 0;

	for (struct winrmd_watch *w = watches; w != NULL && n < 8; w = w->next) {
		pfd[n].fd = w->fd;
		pfd[n].events = POLLIN;
		ws[n++] = w;
	}
	if (n == 0 || poll(pfd, (nfds_t)n, ms) <= 0)
		return;
	for (int i = 0; i < n; i++)
		if (pfd[i].revents & POLLIN)
			ws[i]->fn(ws[i]->fd, WINRMD_IN, ws[i]->arg);
}

/* ---------------------------------------------------------------- ops */

static const char envelope_head[] =
    "<s:Envelope xmlns:s=\"" WINRMD_NS_SOAP "\" xmlns:a=\"" WINRMD_NS_WSA
    "\" xmlns:w=\"" WINRMD_NS_WSMAN "\" xmlns:n=\"" WINRMD_NS_WSEN
    "\" xmlns:xsi=\"" WINRMD_NS_XSI "\" xmlns:cim=\""
    "http://schemas.dmtf.org/wbem/wscim/1/common\"><s:Header/><s:Body>";

struct winrmd_op *
fake_op(const char *action, const char *uri, const char *body)
{
	struct winrmd_op *op = calloc(1, sizeof(*op));
	char *xml;

	enumeration_init(&fake_host);
	op->action = strdup(action);
	op->uri = uri ? strdup(uri) : NULL;
	op->max_envelope = 512000;
	op->timeout_ms = 60000;
	fake_op_user(op, "alice", 1000);
	if (asprintf(&xml, "%s%s</s:Body></s:Envelope>", envelope_head,
	    body ? body : "") < 0)
		abort();
	op->req = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
	    XML_PARSE_NONET);
	free(xml);
	if (op->req == NULL)
		abort();
	{
		xmlNodePtr root = xmlDocGetRootElement(op->req);
		xmlNodePtr b = root->children;

		while (b != NULL && (b->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)b->name, "Body") != 0))
			b = b->next;
		for (xmlNodePtr c = b ? b->children : NULL; c; c = c->next)
			if (c->type == XML_ELEMENT_NODE) {
				op->body = c;
				break;
			}
	}
	return op;
}

void
fake_op_selector(struct winrmd_op *op, const char *name, const char *value)
{
	op->sels[op->nsels].name = strdup(name);
	op->sels[op->nsels].value = strdup(value);
	op->nsels++;
}

void
fake_op_option(struct winrmd_op *op, const char *name, const char *value,
    bool must_comply)
{
	op->opts[op->nopts].name = strdup(name);
	op->opts[op->nopts].value = strdup(value);
	op->opts[op->nopts].must_comply = must_comply;
	op->nopts++;
}

void
fake_op_user(struct winrmd_op *op, const char *name, uid_t uid)
{
	free((char *)op->principal.name);
	op->principal.name = strdup(name);
	op->principal.uid = uid;
	op->principal.gid = uid;
	op->gid = uid;
	op->principal.home = "/home/test";
	op->principal.shell = "/bin/sh";
	op->principal.groups = &op->gid;
	op->principal.ngroups = 1;
	op->principal.scheme = "Basic";
}

void
fake_op_free(struct winrmd_op *op)
{
	if (op == NULL)
		return;
	free(op->action);
	free(op->uri);
	for (size_t i = 0; i < op->nsels; i++) {
		free((char *)op->sels[i].name);
		free((char *)op->sels[i].value);
	}
	for (size_t i = 0; i < op->nopts; i++) {
		free((char *)op->opts[i].name);
		free((char *)op->opts[i].value);
	}
	free((char *)op->principal.name);
	xmlFreeDoc(op->req);
	xmlFreeDoc(op->reply);
	free(op->reply_action);
	free(op);
}

static const char *
f_op_action(const struct winrmd_op *op)
{
	return op->action;
}

static const char *
f_op_resource_uri(const struct winrmd_op *op)
{
	return op->uri;
}

static const char *
f_op_selector(const struct winrmd_op *op, const char *name)
{
	for (size_t i = 0; i < op->nsels; i++)
		if (strcasecmp(op->sels[i].name, name) == 0)
			return op->sels[i].value;
	return NULL;
}

static size_t
f_op_selectors(const struct winrmd_op *op, const struct winrmd_selector **ret)
{
	*ret = op->sels;
	return op->nsels;
}

static const char *
f_op_option(const struct winrmd_op *op, const char *name)
{
	for (size_t i = 0; i < op->nopts; i++)
		if (strcasecmp(op->opts[i].name, name) == 0)
			return op->opts[i].value;
	return NULL;
}

static size_t
f_op_options(const struct winrmd_op *op, const struct winrmd_option **ret)
{
	*ret = op->opts;
	return op->nopts;
}

static uint64_t
f_op_timeout_ms(const struct winrmd_op *op)
{
	return op->timeout_ms;
}

static size_t
f_op_max_envelope(const struct winrmd_op *op)
{
	return op->max_envelope;
}

static const struct winrmd_principal *
f_op_principal(const struct winrmd_op *op)
{
	return &op->principal;
}

static const char *
f_op_client_ip(const struct winrmd_op *op)
{
	(void)op;
	return "127.0.0.1";
}

static xmlNodePtr
f_op_body(const struct winrmd_op *op)
{
	return op->body;
}

/* the daemon's reply envelope (daemon/soap.c) */
static xmlNodePtr
f_op_reply(struct winrmd_op *op, const char *action)
{
	static const struct { const char *prefix, *href; } decls[] = {
		{ "a", WINRMD_NS_WSA }, { "x", WINRMD_NS_WXF },
		{ "w", WINRMD_NS_WSMAN }, { "rsp", WINRMD_NS_SHELL },
		{ "p", WINRMD_NS_WSMV },
	};
	xmlNodePtr env, header;
	xmlNsPtr s, a = NULL;

	xmlFreeDoc(op->reply);
	free(op->reply_action);
	op->reply_action = strdup(action);
	op->reply = xmlNewDoc(BAD_CAST "1.0");
	env = xmlNewDocNode(op->reply, NULL, BAD_CAST "Envelope", NULL);
	xmlDocSetRootElement(op->reply, env);
	xmlNodeSetLang(env, BAD_CAST "en-US");
	s = xmlNewNs(env, BAD_CAST WINRMD_NS_SOAP, BAD_CAST "s");
	xmlSetNs(env, s);
	for (size_t i = 0; i < sizeof(decls) / sizeof(decls[0]); i++) {
		xmlNsPtr ns = xmlNewNs(env, BAD_CAST decls[i].href,
		    BAD_CAST decls[i].prefix);

		if (i == 0)
			a = ns;
	}
	header = xmlNewChild(env, s, BAD_CAST "Header", NULL);
	xmlNewTextChild(header, a, BAD_CAST "Action", BAD_CAST action);
	xmlNewTextChild(header, a, BAD_CAST "MessageID",
	    BAD_CAST "uuid:00000000-0000-0000-0000-000000000000");
	op->reply_body = xmlNewChild(env, s, BAD_CAST "Body", NULL);
	return op->reply_body;
}

static size_t
f_op_reply_size(struct winrmd_op *op)
{
	xmlBufferPtr buf;
	size_t n;

	if (op->reply == NULL)
		return 0;
	buf = xmlBufferCreate();
	xmlNodeDump(buf, op->reply, xmlDocGetRootElement(op->reply), 0, 0);
	n = (size_t)xmlBufferLength(buf);
	xmlBufferFree(buf);
	return n;
}

static int
f_op_fault(struct winrmd_op *op, enum winrmd_fault fault, const char *detail,
    const char *fmt, ...)
{
	va_list ap;

	op->fault = fault;
	snprintf(op->detail, sizeof(op->detail), "%s", detail ? detail : "");
	op->reason[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(op->reason, sizeof(op->reason), fmt, ap);
		va_end(ap);
	}
	return WINRMD_FAULT;
}

static void
f_op_complete(struct winrmd_op *op)
{
	if (op->completed)
		abort();	/* a second completion is a bug */
	op->completed = true;
}

char *
fake_reply_text(struct winrmd_op *op)
{
	xmlBufferPtr buf;
	char *s;

	if (op->reply == NULL)
		return NULL;
	buf = xmlBufferCreate();
	xmlNodeDump(buf, op->reply, xmlDocGetRootElement(op->reply), 0, 0);
	s = strdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	return s;
}

static xmlNodePtr
find_elem(xmlNodePtr n, const char *name, size_t *count)
{
	xmlNodePtr hit = NULL;

	for (; n != NULL; n = n->next) {
		xmlNodePtr sub;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, name) == 0) {
			if (hit == NULL)
				hit = n;
			(*count)++;
		}
		sub = find_elem(n->children, name, count);
		if (hit == NULL)
			hit = sub;
	}
	return hit;
}

char *
fake_reply_find(struct winrmd_op *op, const char *name)
{
	size_t count = 0;
	xmlNodePtr n;
	xmlChar *t;
	char *s;

	if (op->reply == NULL)
		return NULL;
	n = find_elem(xmlDocGetRootElement(op->reply), name, &count);
	if (n == NULL)
		return NULL;
	t = xmlNodeGetContent(n);
	s = strdup(t ? (const char *)t : "");
	xmlFree(t);
	return s;
}

size_t
fake_reply_count(struct winrmd_op *op, const char *name)
{
	size_t count = 0;

	if (op->reply != NULL)
		find_elem(xmlDocGetRootElement(op->reply), name, &count);
	return count;
}

/* ---------------------------------------------------------- the table */

static int
f_spawn(const struct winrmd_spawn_req *req, struct winrmd_child *ret)
{
	(void)req, (void)ret;
	return -38;	/* ENOSYS */
}

static void
f_count(const char *what)
{
	(void)what;
}

const struct winrmd_host fake_host = {
	.abi = WINRMD_PLUGIN_ABI,
	.size = sizeof(struct winrmd_host),
	.log = f_log,
	.op_action = f_op_action,
	.op_resource_uri = f_op_resource_uri,
	.op_selector = f_op_selector,
	.op_selectors = f_op_selectors,
	.op_option = f_op_option,
	.op_options = f_op_options,
	.op_timeout_ms = f_op_timeout_ms,
	.op_max_envelope = f_op_max_envelope,
	.op_principal = f_op_principal,
	.op_client_ip = f_op_client_ip,
	.op_body = f_op_body,
	.op_reply = f_op_reply,
	.op_reply_size = f_op_reply_size,
	.op_fault = f_op_fault,
	.op_complete = f_op_complete,
	.watch_add = f_watch_add,
	.watch_set = f_watch_set,
	.watch_remove = f_watch_remove,
	.timer_start = f_timer_start,
	.timer_stop = f_timer_stop,
	.now_ms = f_now_ms,
	.spawn = f_spawn,
	.conf_str = f_conf_str,
	.conf_int = f_conf_int,
	.conf_bool = f_conf_bool,
	.count = f_count,
	/* the daemon's own WS-Enumeration, on this fake host */
	.enum_begin = enumeration_begin,
	.enum_answer = enumeration_answer,
	.enum_abort = enumeration_abort,
	.enum_pull = enumeration_pull,
	.enum_release = enumeration_release,
	.epr_selector = enumeration_epr_selector,
};
