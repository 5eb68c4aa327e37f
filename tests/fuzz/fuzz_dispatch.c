/*
 * fuzz_dispatch.c: a request body through everything http.c does after
 * authentication, with the real code: the hardened parser, the header
 * reader, the dispatch table, the real plugins (shell, config, cim with
 * the test provider) and the reply or fault rendering.  Only the
 * principal (a mock account, an admin when the input's size is odd) and
 * three host services are replaced: spawn (refused: no process is ever
 * started; the shell plugin answers its own fault), group_create (no
 * cgroup) and auth_check (refused: no PAM).
 *
 * Invariants (docs/SECURITY.md §5.5): an answer is always rendered;
 * it is well-formed XML; a 200 answer fits MaxEnvelopeSize; the reply's
 * RelatesTo is the request's MessageID (an empty one is none: its fault
 * relates to nothing); a pending operation is always answered (by the
 * plugin, or by its fini).  That an unauthenticated
 * request reaches no plugin is the OMIGOD sweep's (tests/interop).
 *
 * Plugin state lives from input to input (shells, enumeration contexts):
 * the plugins are restarted every RESTART_EVERY inputs and whenever an
 * operation is still pending RESTART_PENDING_MS after dispatch (their fini
 * answers it), so quotas never stay exhausted and nothing waits.  A crash
 * that needs earlier inputs' state may therefore not replay alone; such
 * a crash still comes with a stack trace.
 *
 * The plugins are found next to this program (tests/fuzz/run builds them in
 * _build/fuzz), or under $WINRMD_FUZZ_BUILD.  WINRMD_FUZZ_LOG=debug shows
 * the daemon's and the plugins' log.
 */
#include "build.h"

#include <errno.h>
#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "arena.h"
#include "auth.h"
#include "config.h"
#include "dispatch.h"
#include "enumeration.h"
#include "host.h"
#include "log.h"
#include "op.h"
#include "plugin.h"
#include "reactor.h"
#include "soap.h"
#include "winrmd.h"
#include "wsman.h"

#define RESTART_EVERY		2000
#define RESTART_PENDING_MS	20
#define MAX_BODY		(512 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct winrmd *W;
static struct winrmd w;
static struct winrmd_host mock;
static unsigned long spawns, runs;
static bool completed;

static const gid_t admin_groups[] = { 0 };
static const gid_t user_groups[] = { 65533 };
static struct principal admin = { .refs = 1 << 30, .pub = {
	.name = "wrtfuzzadmin", .uid = 65532, .gid = 0, .home = "/nonexistent",
	.shell = "/bin/false", .groups = admin_groups, .ngroups = 1,
	.scheme = "Basic" } };
static struct principal user = { .refs = 1 << 30, .pub = {
	.name = "wrtfuzz", .uid = 65533, .gid = 65533, .home = "/nonexistent",
	.shell = "/bin/false", .groups = user_groups, .ngroups = 1,
	.scheme = "Basic" } };

static int
mock_spawn(const struct winrmd_spawn_req *req, struct winrmd_child *ret)
{
	(void)req;
	(void)ret;
	spawns++;
	return -EPERM;
}

static struct winrmd_group *
mock_group_create(const char *name, uint64_t mem, uint64_t procs)
{
	(void)name;
	(void)mem;
	(void)procs;
	return NULL;
}

static int
mock_auth_check(const char *user_name, const char *password, const char *rhost,
    winrmd_auth_fn fn, void *arg)
{
	(void)user_name;
	(void)password;
	(void)rhost;
	(void)fn;
	(void)arg;
	return -EPERM;
}

static void
die(const char *what)
{
	fprintf(stderr, "fuzz_dispatch: %s\n", what);
	exit(1);
}

static void
start_plugins(void)
{
	if (plugins_open_all(W->cfg, false) < 0 ||
	    plugins_init_all(&mock) < 0 || dispatch_build() < 0)
		die("cannot start the plugins (WINRMD_FUZZ_LOG=debug says why)");
}

static void
stop_plugins(void)
{
	dispatch_clear();
	plugins_fini_all();
	reactor_run_until(1, NULL);	/* what fini posted */
}

static void
setup(void)
{
	char exe[PATH_MAX], dir[PATH_MAX], conf[] = "/tmp/fuzz_dispatch.XXXXXX";
	char err[512], so[PATH_MAX];
	const char *build = getenv("WINRMD_FUZZ_BUILD");
	const char *level = getenv("WINRMD_FUZZ_LOG");
	static const char *const keep[] = { "plugins/shell/.libs/shell.so",
	    "plugins/config/.libs/config.so", "plugins/cim/.libs/cim.so",
	    "tests/providers/.libs/testprov.so" };
	ssize_t n;
	FILE *f;
	int fd;

	if (build == NULL) {
		if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) < 0)
			die("readlink /proc/self/exe");
		exe[n] = '\0';
		snprintf(dir, sizeof(dir), "%s", dirname(exe));
		build = dir;
	}
	/* an extra reference each: a restart never unloads them (their
	 * coverage counters must stay where libFuzzer found them) */
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		snprintf(so, sizeof(so), "%s/%s", build, keep[i]);
		if (dlopen(so, RTLD_NOW | RTLD_LOCAL) == NULL) {
			fprintf(stderr, "fuzz_dispatch: %s\n", dlerror());
			die("a plugin is missing: run tests/fuzz/run");
		}
	}
	if ((fd = mkstemp(conf)) < 0 || (f = fdopen(fd, "w")) == NULL)
		die("mkstemp");
	fprintf(f, "[Service]\nMaxEnvelopeSizekb = 512\n"
	    /* a path a line: a deep build directory makes long paths */
	    "[Plugins]\nLoad = %s/%s\n  %s/%s\n  %s/%s\n"
	    "[CIM]\nProviders = %s/%s\n"
	    "[Config]\nAdminGroups = root\n"
	    "[Winrs]\nMaxShellsPerUser = 5\nMaxConcurrentUsers = 2\n",
	    build, keep[0], build, keep[1], build, keep[2], build, keep[3]);
	fclose(f);
	W = &w;
	/* as the daemon reads it: the plugins declare their sections */
	w.cfg = config_parse(conf, err, sizeof(err));
	unlink(conf);
	if (w.cfg == NULL)
		die(err);
	if (plugins_open_all(w.cfg, false) < 0)
		die("cannot open the plugins (WINRMD_FUZZ_LOG=debug says why)");
	if (plugins_settings(w.cfg, err, sizeof(err)) < 0)
		die(err);
	plugins_fini_all();
	w.config_path = NULL;
	w.foreground = true;
	snprintf(w.hostname, sizeof(w.hostname), "fuzzhost");
	snprintf(w.os_version, sizeof(w.os_version), "6.1.0");
	log_init(1, level ? log_level_parse(level) : LOG_CRIT);
	soap_init();
	if (reactor_init() < 0)
		die("reactor_init");
	mock = host_services;
	mock.spawn = mock_spawn;
	mock.group_create = mock_group_create;
	mock.auth_check = mock_auth_check;
	enumeration_init(&mock);
	start_plugins();
}

static void
on_complete(struct winrmd_op *op, void *arg)
{
	(void)op;
	(void)arg;
	completed = true;
}

static bool
is_completed(void)
{
	return completed;
}

/* the text of Header/RelatesTo of a rendered reply; NULL if none */
static xmlChar *
relates_to(xmlDocPtr doc)
{
	xmlNodePtr env = xmlDocGetRootElement(doc), h;

	if (env == NULL)
		return NULL;
	if ((h = soap_child(env, WINRMD_NS_SOAP, "Header")) == NULL)
		return NULL;
	if ((h = soap_child(h, WINRMD_NS_WSA, "RelatesTo")) == NULL)
		return NULL;
	return xmlNodeGetContent(h);
}

static void
check_answer(struct winrmd_op *op, const char *text, size_t len,
    unsigned status, bool headers_read)
{
	xmlDocPtr doc;
	xmlChar *rel;

	if (text == NULL)
		abort();	/* every request gets an answer */
	if (status != 200 && (status < 400 || status > 599))
		abort();
	if (status == 200 && op->msg.max_envelope != 0 &&
	    len > op->msg.max_envelope)
		abort();
	doc = xmlReadMemory(text, (int)len, NULL, NULL, XML_PARSE_NONET |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL)
		abort();	/* not well-formed */
	rel = relates_to(doc);
	/* an empty MessageID is none: its fault relates to nothing */
	if (headers_read && op->msg.message_id != NULL &&
	    op->msg.message_id[0] != '\0' &&
	    (rel == NULL || strcmp((const char *)rel, op->msg.message_id) != 0))
		abort();
	xmlFree(rel);
	xmlFreeDoc(doc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool initialised;
	struct wsman_limits lim = { .max_envelope = 512 * 1024,
	    .max_timeout_ms = 60000 };
	struct winrmd_op op = { 0 };
	bool headers_read = false, restart = false;
	unsigned status = 0;
	size_t len = 0;
	char *text;
	int rc;

	if (!initialised) {
		setup();
		initialised = true;
	}
	if (size > MAX_BODY)
		return 0;
	if (++runs % RESTART_EVERY == 0) {
		stop_plugins();
		start_plugins();
	}
	if ((op.arena = arena_new()) == NULL)
		return 0;
	op.client_ip = "127.0.0.1";
	op.msg.max_envelope = lim.max_envelope;
	op.principal = size & 1 ? &admin : &user;
	if ((op.msg.doc = soap_parse((const char *)data, size, &op.fault)) == NULL ||
	    wsman_envelope(&op.msg, op.msg.doc, &op.fault) < 0) {
		/* the fault answer */
	} else if (op.msg.identify) {
		(void)dispatch_identify(&op, true, false);
	} else if (wsman_read_headers(&op.msg, op.arena, &lim, &op.fault) == 0) {
		headers_read = true;
		completed = false;
		op.on_complete = on_complete;
		op.pending = true;
		rc = dispatch_run(&op);
		if (rc == WINRMD_PENDING) {
			reactor_run_until(RESTART_PENDING_MS, is_completed);
			if (!completed) {
				/* fini answers what is pending */
				stop_plugins();
				restart = true;
				if (!completed)
					abort();	/* a plugin forgot an op */
			}
		}
		op.pending = false;
	} else
		headers_read = true;	/* the fault names the MessageID */
	text = op_render(&op, &len, &status);
	check_answer(&op, text, len, status, headers_read);
	free(text);
	op_done(&op);
	if (op.msg.doc != NULL)
		xmlFreeDoc(op.msg.doc);
	arena_free(op.arena);
	if (restart)
		start_plugins();
	return 0;
}
