/*
 * host.c: what plugins may ask of the daemon (plugins/include/winrmd/plugin.h),
 * and the rendering of a finished op into its HTTP answer.  Plugins reach
 * the daemon through this table only.
 */
#include "build.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "auth.h"
#include "cgroup.h"
#include "conf_edit.h"
#include "config.h"
#include "enumeration.h"
#include "host.h"
#include "http.h"
#include "keeper.h"
#include "log.h"
#include "negotiate.h"
#include "op.h"
#include "plugin.h"
#include "principal.h"
#include "privsep.h"
#include "reactor.h"
#include "session.h"
#include "soap.h"
#include "spawn.h"
#include "text.h"
#include "winrmd.h"
#include "workers.h"

static void
h_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

static const char *
h_op_action(const struct winrmd_op *op)
{
	return op->msg.action;
}

static const char *
h_op_resource_uri(const struct winrmd_op *op)
{
	return op->msg.resource_uri;
}

static const char *
h_op_selector(const struct winrmd_op *op, const char *name)
{
	return wsman_selector(&op->msg, name);
}

static size_t
h_op_selectors(const struct winrmd_op *op, const struct winrmd_selector **ret)
{
	*ret = op->msg.selectors;
	return op->msg.nselectors;
}

static const char *
h_op_option(const struct winrmd_op *op, const char *name)
{
	return wsman_option(&op->msg, name);
}

static size_t
h_op_options(const struct winrmd_op *op, const struct winrmd_option **ret)
{
	*ret = op->msg.options;
	return op->msg.noptions;
}

static uint64_t
h_op_timeout_ms(const struct winrmd_op *op)
{
	return op->msg.timeout_ms;
}

static size_t
h_op_max_envelope(const struct winrmd_op *op)
{
	return op->msg.max_envelope;
}

static const struct winrmd_principal *
h_op_principal(const struct winrmd_op *op)
{
	return op->principal ? &op->principal->pub : NULL;
}

static const char *
h_op_client_ip(const struct winrmd_op *op)
{
	return op->client_ip;
}

static xmlNodePtr
h_op_body(const struct winrmd_op *op)
{
	return op->msg.body;
}

static xmlNodePtr
h_op_reply(struct winrmd_op *op, const char *action)
{
	soap_reply_free(op->reply);
	op->reply = soap_reply_new(action, op->msg.message_id, &op->reply_body);
	return op->reply ? op->reply_body : NULL;
}

static void
h_reply_reusable(struct winrmd_op *op)
{
	op->reusable = true;
}

static size_t
h_op_reply_size(struct winrmd_op *op)
{
	xmlBufferPtr buf;
	size_t n = 0;

	if (op->reply == NULL)
		return 0;
	if ((buf = xmlBufferCreate()) == NULL)
		return SIZE_MAX;
	if (xmlNodeDump(buf, op->reply, xmlDocGetRootElement(op->reply), 0, 0) >= 0)
		n = (size_t)xmlBufferLength(buf);
	xmlBufferFree(buf);
	return n;
}

static int
h_op_fault(struct winrmd_op *op, enum winrmd_fault code, const char *detail,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fault_vset(&op->fault, code, detail, fmt, ap);
	va_end(ap);
	return WINRMD_FAULT;
}

static void
h_op_complete(struct winrmd_op *op)
{
	if (!op->pending) {
		log_err("host: a plugin completed an op that was not pending");
		return;
	}
	op->pending = false;
	if (op->on_complete != NULL)
		op->on_complete(op, op->on_complete_arg);
}

/*
 * Descriptors a spawn leaves free: one per connection the daemon may accept,
 * and some for its own files (PAM, GSSAPI, the log, cgroup and /proc files)
 */
#define FD_SLACK	64

static struct spawn_opts
spawn_opts_for(bool detach)
{
	struct spawn_opts o = {
		.allow_root = conf_b(W->cfg, CK_AUTH_PERMIT_ROOT),
		.fd_reserve = (unsigned long)conf_u(W->cfg,
		    CK_SERVICE_MAX_CONNECTIONS) + FD_SLACK,
		.detach = detach,
	};

	return o;
}

static int
spawn_with(const struct winrmd_spawn_req *req, bool detach,
    struct winrmd_child *ret)
{
	struct spawn_opts o = spawn_opts_for(detach);
	int r = spawn_child(req, &o, ret);

	if (r == 0)
		W->count.spawned++;
	return r;
}

static int
h_spawn(const struct winrmd_spawn_req *req, struct winrmd_child *ret)
{
	return spawn_with(req, false, ret);
}

/* spawn() with a status pipe for a reaper (§8.4) */
static int
h_spawn_status(const struct winrmd_spawn_req *req, struct winrmd_child *ret,
    int *status_fd)
{
	struct spawn_opts o = spawn_opts_for(false);
	int r;

	o.reap_fd = status_fd;
	r = spawn_child(req, &o, ret);
	if (r == 0)
		W->count.spawned++;
	return r;
}

/*
 * spawn_async: the request copied, spawn_child on a worker thread
 * (workers.c), the plugin's fn back on the loop thread
 */
struct spawn_job {
	struct winrmd_spawn_req	 req;
	struct spawn_opts	 o;
	struct user_copy	 user;
	char			**argv, **env, *path, *cwd;
	struct winrmd_child	 child;
	int			 r;
	winrmd_spawned_fn	 fn;
	void			*arg;
};

/* a copy of v (NULL: NULL), or NULL with *bad set */
static char **
strv_copy(char *const *v, bool *bad)
{
	char **c;

	if (v == NULL)
		return NULL;
	if ((c = strv_dup(v)) == NULL)
		*bad = true;
	return c;
}

static void
spawn_job_free(struct spawn_job *j)
{
	user_copy_free(&j->user);
	strv_free(j->argv);
	strv_free(j->env);
	free(j->path);
	free(j->cwd);
	free(j);
}

static void
spawn_job_work(void *arg)
{
	struct spawn_job *j = arg;

	/* the child takes the daemon's nice value, not this worker's
	 * (spawn.c) */
	j->r = spawn_child(&j->req, &j->o, &j->child);
}

static void
spawn_job_done(void *arg)
{
	struct spawn_job *j = arg;

	if (j->r == 0)
		W->count.spawned++;
	j->fn(j->r, j->r == 0 ? &j->child : NULL, j->arg);
	spawn_job_free(j);
}

static int
h_spawn_async(const struct winrmd_spawn_req *req, winrmd_spawned_fn fn,
    void *arg)
{
	struct spawn_job *j;
	bool bad = false;

	if (req == NULL || req->user == NULL || req->argv == NULL || fn == NULL)
		return -EINVAL;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -ENOMEM;
	j->argv = strv_copy(req->argv, &bad);
	j->env = strv_copy(req->env, &bad);
	if (user_copy_make(&j->user, req->user) < 0 || bad ||
	    (req->path != NULL && (j->path = strdup(req->path)) == NULL) ||
	    (req->cwd != NULL && (j->cwd = strdup(req->cwd)) == NULL)) {
		spawn_job_free(j);
		return -ENOMEM;
	}
	j->req = *req;
	j->req.user = &j->user.p;
	j->req.argv = j->argv;
	j->req.env = j->env;
	j->req.path = j->path;
	j->req.cwd = j->cwd;
	j->o = spawn_opts_for(false);
	j->fn = fn;
	j->arg = arg;
	if (workers_submit(spawn_job_work, spawn_job_done, j) < 0) {
		spawn_job_free(j);
		return -ENOMEM;
	}
	return 0;
}

static int
h_spawn_detached(const struct winrmd_spawn_req *req, struct winrmd_child *ret)
{
	return spawn_with(req, true, ret);
}

static int
h_account_may_run(const struct winrmd_principal *p, char *why, size_t len)
{
	return spawn_account_check(p, conf_b(W->cfg, CK_AUTH_PERMIT_ROOT), why,
	    len);
}

static bool
h_auth_offered(const char *scheme, const char **why)
{
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (strcasecmp(scheme, "Basic") == 0) {
		if (!conf_b(W->cfg, CK_AUTH_BASIC))
			*why = "[Auth] Basic is false";
	} else if (strcasecmp(scheme, "Negotiate") == 0) {
		if (!conf_b(W->cfg, CK_AUTH_NEGOTIATE))
			*why = "[Auth] Negotiate is false";
		else if (!nego_offered("Negotiate"))
			*why = "neither a Kerberos keytab ([Auth] Keytab) nor an "
			    "NTLM user file ([Auth] NTLMUserFile) is usable";
	} else if (strcasecmp(scheme, "Kerberos") == 0) {
		if (!conf_b(W->cfg, CK_AUTH_KERBEROS))
			*why = "[Auth] Kerberos is false";
		else if (!nego_offered("Kerberos"))
			*why = "no usable keytab with an HTTP/<host> key "
			    "([Auth] Keytab)";
	} else if (strcasecmp(scheme, "Certificate") == 0) {
		if (!conf_b(W->cfg, CK_AUTH_CERTIFICATE))
			*why = "[Auth] Certificate is false";
		else if (conf_s(W->cfg, CK_AUTH_CLIENT_CA_FILE)[0] == '\0')
			*why = "[Auth] ClientCAFile is not set";
		else if (!http_have_https())
			*why = W->cfg->nlsec > 0 ? "no [Listener NAME] is an "
			    "enabled HTTPS listener" : "[Listener] HTTPSPort is "
			    "0: no HTTPS listener";
	} else
		*why = "winrmd has no such scheme";
	return *why == NULL;
}

/* ----------------------------------------------------------- conf_set */

/* the checked new file, and the restart-only keys the change sets */
struct conf_check {
	const char	*path;		/* the real file, for messages */
	const struct winrmd_conf_change *set;
	size_t		 n;
	char		 restart[256];	/* "[S] K, [S] K" */
};

/* a key read only at start that differs from the running one: if this
 * change sets it (not one edited by hand and not yet restarted) */
static void
note_restart(const struct conf_def *d, void *arg)
{
	struct conf_check *cc = arg;
	size_t len = strlen(cc->restart), i;

	for (i = 0; i < cc->n; i++)
		if (strcasecmp(cc->set[i].section, d->section) == 0 &&
		    strcasecmp(cc->set[i].key, d->key) == 0)
			break;
	if (i == cc->n)
		return;

	snprintf(cc->restart + len, sizeof(cc->restart) - len, "%s[%s] %s",
	    len > 0 ? ", " : "", d->section, d->key);
}

/* the temporary file as `winrmd -t' checks a file: parser, plugins */
static int
conf_check_file(const char *tmp, void *arg, char *err, size_t errlen)
{
	struct conf_check *cc = arg;
	struct config *cfg;
	char e[512];
	size_t tl = strlen(tmp);

	if ((cfg = config_parse(tmp, e, sizeof(e))) == NULL ||
	    plugins_settings(cfg, e, sizeof(e)) < 0) {
		/* "TMP:LINE: message" names the real file */
		if (strncmp(e, tmp, tl) == 0)
			snprintf(err, errlen, "%s%s", cc->path, e + tl);
		else
			snprintf(err, errlen, "%s", e);
		config_free(cfg);
		return -1;
	}
	config_restart_changes(W->cfg, cfg, note_restart, cc);
	config_free(cfg);
	return 0;
}

int
host_conf_write(const struct winrmd_conf_change *set, size_t n, char *msg,
    size_t msglen)
{
	struct conf_set *w;
	struct conf_check cc = { W->config_path, set, n, "" };
	char *text, *edited;
	int r;

	msg[0] = '\0';
	if (W->config_path == NULL) {
		snprintf(msg, msglen, "winrmd runs without a configuration file");
		return -ENOENT;
	}
	if (n == 0 || n > 64 || (w = calloc(n, sizeof(*w))) == NULL)
		return n == 0 ? 0 : -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *v = set[i].value;

		if (config_def(W->cfg, set[i].section, set[i].key) == NULL) {
			snprintf(msg, msglen, "[%s] %s is not a setting of "
			    "winrmd", set[i].section, set[i].key);
			free(w);
			return -EINVAL;
		}
		/* one line of the file: no line breaks or other controls */
		for (const char *p = v; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				snprintf(msg, msglen, "[%s] %s: a value with "
				    "control characters", set[i].section,
				    set[i].key);
				free(w);
				return -EINVAL;
			}
		if (strlen(v) > 1024) {
			snprintf(msg, msglen, "[%s] %s: a value of %zu "
			    "characters", set[i].section, set[i].key,
			    strlen(v));
			free(w);
			return -EINVAL;
		}
		w[i] = (struct conf_set){ set[i].section, set[i].key, v };
	}
	if ((text = conf_file_read(W->config_path)) == NULL) {
		r = -errno;
		snprintf(msg, msglen, "cannot read %s: %s", W->config_path,
		    strerror(errno));
		free(w);
		return r;
	}
	edited = conf_edit_text(text, w, n);
	free(text);
	free(w);
	if (edited == NULL)
		return -ENOMEM;
	r = conf_file_write(W->config_path, edited, 0644, conf_check_file, &cc,
	    msg, msglen);
	free(edited);
	if (r < 0) {
		r = errno == EINVAL ? -EINVAL : -errno;
		log_warn("config: a change of %s was refused, nothing written: "
		    "%s", W->config_path, msg);
		return r;
	}
	for (size_t i = 0; i < n; i++)
		log_notice("config: %s: [%s] %s = %s", W->config_path,
		    set[i].section, set[i].key, set[i].value);
	if (cc.restart[0] != '\0') {
		snprintf(msg, msglen, "%s", cc.restart);
		return 1;
	}
	return 0;
}

static int
h_conf_set(const struct winrmd_conf_change *set, size_t n, char *msg,
    size_t msglen)
{
	int r;

	/* the file is root's: the monitor writes it (privsep.c) */
	if (privsep_active())
		r = mon_conf_set(set, n, msg, msglen);
	else
		r = host_conf_write(set, n, msg, msglen);
	if (r >= 0 && W->reload != NULL)
		W->reload();
	return r;
}

static const char *
h_conf_str(const char *section, const char *key)
{
	const struct conf_value *v = config_find(W->cfg, section, key);

	return v ? v->s : NULL;
}

static long long
h_conf_int(const char *section, const char *key)
{
	const struct conf_value *v = config_find(W->cfg, section, key);

	return v ? (long long)v->u : -1;
}

static bool
h_conf_bool(const char *section, const char *key)
{
	const struct conf_value *v = config_find(W->cfg, section, key);

	return v ? v->u != 0 : false;
}

static void
h_count(const char *what)
{
	log_debug("count: %s", what);
}

static struct winrmd_group *
h_group_create(const char *name, uint64_t mem_bytes, uint64_t max_procs)
{
	if (privsep_active())
		return mon_group_create(name, mem_bytes, max_procs);
	return (struct winrmd_group *)cgroup_create(name, mem_bytes, max_procs);
}

static void
h_group_kill(struct winrmd_group *g)
{
	if (privsep_active())
		mon_group_kill(g);
	else
		cgroup_kill((struct cgroup *)g);
}

static void
h_group_release(struct winrmd_group *g)
{
	if (privsep_active())
		mon_group_release(g);
	else
		cgroup_release((struct cgroup *)g);
}

static void
h_group_destroy(struct winrmd_group *g)
{
	if (privsep_active())
		mon_group_destroy(g);
	else
		cgroup_destroy((struct cgroup *)g);
}

static long
h_group_procs(struct winrmd_group *g, pid_t *pids, size_t max)
{
	if (privsep_active())
		return mon_group_procs(g, pids, max);
	return cgroup_procs((struct cgroup *)g, pids, max);
}

static int
h_signal(pid_t pid, int sig, bool group)
{
	if (pid <= 0)
		return -EINVAL;
	if (privsep_active())
		return mon_signal(pid, sig, group);
	return kill(group ? -pid : pid, sig) == 0 ? 0 : -errno;
}

static const char *
h_group_mode(void)
{
	return cgroup_mode_name(cgroup_mode());
}

/* ------------------------------------------------ auth_check (run as) */

#define AC_DEFAULT_DELAY_MS	2000	/* pam_unix's own */
#define AC_MAX_DELAY_MS		5000

/* a run-as check whose answer waits for the plugin, or its failure delay */
struct auth_check {
	struct principal	*principal;	/* NULL: refused */
	char			 why[200];
	winrmd_auth_fn		 fn;
	void			*arg;
};

static void
ac_finish(void *arg)
{
	struct auth_check *ac = arg;

	/* stopping: the plugins are being finalised, nobody to tell */
	if (!W->stopping)
		ac->fn(ac->principal ? &ac->principal->pub : NULL, ac->why,
		    ac->arg);
	principal_unref(ac->principal);
	free(ac);
}

static void
ac_done(struct auth_job *j, void *arg)
{
	struct auth_check *ac = arg;
	unsigned ms = j->fail_delay_us / 1000;

	ac->principal = j->principal;
	j->principal = NULL;
	snprintf(ac->why, sizeof(ac->why), "%s", j->why);
	if (ac->principal != NULL) {
		log_info("auth: run as %s accepted (client %s)", j->user,
		    j->rhost);
		ac_finish(ac);
		return;
	}
	log_notice("auth: run as %s refused (client %s): %s", j->user,
	    j->rhost, j->why);
	if (ms == 0)
		ms = AC_DEFAULT_DELAY_MS;
	if (ms > AC_MAX_DELAY_MS)
		ms = AC_MAX_DELAY_MS;
	/* a refusal waits, as a refused login does */
	if (W->stopping || reactor_timer(ms, ac_finish, ac) == NULL)
		ac_finish(ac);
}

static int
h_auth_check(const char *user, const char *password, const char *rhost,
    winrmd_auth_fn fn, void *arg)
{
	struct auth_check *ac;
	int r;

	if (user == NULL || password == NULL || fn == NULL || user[0] == '\0')
		return -EINVAL;
	if ((ac = calloc(1, sizeof(*ac))) == NULL)
		return -ENOMEM;
	ac->fn = fn;
	ac->arg = arg;
	if ((r = auth_job_start(user, password, "runas", rhost, false, ac_done,
	    ac)) < 0)
		free(ac);
	return r;
}

/* ------------------------------------------- work kept across a restart */

static struct keep_set keep_out, keep_in;
static unsigned keep_grace_ms;

static int
host_keep(const char *tag, const void *data, size_t len, const int *fds,
    int nfds, int pidfd, unsigned grace_s)
{
	uint64_t ms = (uint64_t)grace_s * 1000;

	if (ms > KEEP_GRACE_MAX_MS)
		ms = KEEP_GRACE_MAX_MS;
	if (ms > keep_grace_ms)
		keep_grace_ms = (unsigned)ms;
	return keep_add(&keep_out, tag, data, len, fds, nfds, pidfd);
}

static int
host_kept(const char *tag, void **data, size_t *len, int *fds, int *nfds,
    int *pidfd)
{
	for (size_t i = 0; i < keep_in.n; i++) {
		struct keep_item *it = &keep_in.v[i];

		if (it->tag == NULL || strcmp(it->tag, tag) != 0)
			continue;
		*data = it->data;
		*len = it->len;
		/* a plugin's array holds what it kept (once 4 at most) */
		memcpy(fds, it->fds, (size_t)it->nfds * sizeof(*fds));
		*nfds = it->nfds;
		*pidfd = it->pidfd;
		free(it->tag);
		it->tag = NULL;
		it->data = NULL;
		it->nfds = 0;
		memset(it->fds, -1, sizeof(it->fds));
		return 1;
	}
	return 0;
}

void
host_keep_claim(void)
{
	const char *path = conf_s(W->cfg, CK_SERVICE_KEEPER_SOCKET);
	uid_t uid = 0;
	int r;

	if (conf_b(W->cfg, CK_SERVICE_PRIVILEGE_SEPARATION)) {
		struct passwd *pw = getpwnam(PRIVSEP_USER);

		uid = pw != NULL ? pw->pw_uid : 0;
	}
	if ((r = keeper_claim(path, uid, &keep_in)) < 0) {
		log_warn("keeper: claiming what %s holds failed: %s", path,
		    strerror(-r));
		keep_free(&keep_in);	/* closed: the keeper kills them */
	} else if (keep_in.n > 0) {
		pid_t pids[KEEP_ITEMS_MAX];
		size_t n = 0;

		log_notice("keeper: claimed %zu item(s) kept across the "
		    "restart from %s", keep_in.n, path);
		for (size_t i = 0; i < keep_in.n; i++)
			if (keep_in.v[i].pidfd >= 0 && (pids[n] = keeper_pidfd_pid(
			    keep_in.v[i].fds[keep_in.v[i].pidfd])) > 0)
				n++;
		cgroup_spare(pids, n);
	}
}

void
host_keep_forget(void)
{
	keep_free(&keep_in);
}

void
host_keep_done(void)
{
	size_t left = 0;

	for (size_t i = 0; i < keep_in.n; i++)
		if (keep_in.v[i].tag != NULL)
			left++;
	if (left > 0)
		log_warn("keeper: %zu claimed item(s) no plugin took; their "
		    "descriptors are closed", left);
	keep_free(&keep_in);
}

/*
 * WINRMD_TEST_NO_PIDFD_EXIT (test builds only): pidfds keep no exit status,
 * as before Linux 6.15, so that the tests run the status pipes' path
 */
static bool
no_pidfd_exit(void)
{
#ifdef WINRMD_TEST_HOOKS
	return getenv("WINRMD_TEST_NO_PIDFD_EXIT") != NULL;
#else
	return false;
#endif
}

static int
h_exit_status(int pidfd, int *wstatus)
{
	return no_pidfd_exit() ? -EOPNOTSUPP :
	    keeper_exit_status(pidfd, wstatus);
}

static int
h_exit_status_kept(void)
{
	static int known = 1;	/* not probed yet */

	if (known == 1) {
		known = no_pidfd_exit() ? -EOPNOTSUPP :
		    keeper_exit_status_probe();
		if (known < 0)
			log_info("keeper: pidfds keep no exit status here "
			    "(Linux before 6.15): commands that may be kept "
			    "across a restart run under a reaper");
	}
	return known;
}

static void
kill_kept(const struct keep_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct keep_item *it = &s->v[i];
		pid_t pid = it->pidfd >= 0 ? keeper_pidfd_pid(it->fds[it->pidfd]) : 0;

		if (pid > 0)
			h_signal(pid, SIGKILL, true);
	}
}

size_t
host_keep_hand_over(void)
{
	size_t n = keep_out.n;
	int fd, r;

	if (n == 0)
		return 0;
	fd = privsep_active() ? mon_keeper(keep_grace_ms) :
	    keeper_spawn(conf_s(W->cfg, CK_SERVICE_KEEPER_SOCKET),
	    keep_grace_ms, 0, 0, 0, conf_b(W->cfg, CK_AUTH_PERMIT_ROOT));
	if (fd < 0 || (r = keeper_send(fd, &keep_out)) < 0) {
		r = fd < 0 ? fd : r;
		log_err("keeper: cannot hand %zu kept item(s) over: %s; "
		    "their processes are killed", keep_out.n, strerror(-r));
		kill_kept(&keep_out);
		n = 0;
	} else
		log_notice("keeper: %zu item(s) handed over for %u s",
		    keep_out.n, keep_grace_ms / 1000);
	if (fd >= 0)
		close(fd);
	keep_free(&keep_out);
	return n;
}

const struct winrmd_host host_services = {
	.abi = WINRMD_PLUGIN_ABI,
	.size = sizeof(struct winrmd_host),
	.log = h_log,
	.op_action = h_op_action,
	.op_resource_uri = h_op_resource_uri,
	.op_selector = h_op_selector,
	.op_selectors = h_op_selectors,
	.op_option = h_op_option,
	.op_options = h_op_options,
	.op_timeout_ms = h_op_timeout_ms,
	.op_max_envelope = h_op_max_envelope,
	.op_principal = h_op_principal,
	.op_client_ip = h_op_client_ip,
	.op_body = h_op_body,
	.op_reply = h_op_reply,
	.op_reply_size = h_op_reply_size,
	.op_fault = h_op_fault,
	.op_complete = h_op_complete,
	.watch_add = reactor_watch,
	.watch_set = reactor_watch_set,
	.watch_remove = reactor_watch_remove,
	.timer_start = reactor_timer,
	.timer_stop = reactor_timer_stop,
	.now_ms = reactor_now_ms,
	.spawn = h_spawn,
	.conf_str = h_conf_str,
	.conf_int = h_conf_int,
	.conf_bool = h_conf_bool,
	.count = h_count,
	.group_create = h_group_create,
	.group_kill = h_group_kill,
	.group_destroy = h_group_destroy,
	.group_mode = h_group_mode,
	.parse_duration = wsman_parse_duration,
	.auth_check = h_auth_check,
	.reply_freeze = soap_freeze,
	.reply_reusable = h_reply_reusable,
	.account_may_run = h_account_may_run,
	.spawn_detached = h_spawn_detached,
	.group_procs = h_group_procs,
	.enum_begin = enumeration_begin,
	.enum_answer = enumeration_answer,
	.enum_abort = enumeration_abort,
	.enum_pull = enumeration_pull,
	.enum_release = enumeration_release,
	.epr_selector = enumeration_epr_selector,
	.auth_offered = h_auth_offered,
	.conf_set = h_conf_set,
	.listener = http_listener_info,
	.session_open = session_open,
	.session_close = session_close,
	.signal = h_signal,
	.kill_marked = spawn_kill_marked,
	.terminate = spawn_terminate,
	.keep = host_keep,
	.kept = host_kept,
	.exit_status = h_exit_status,
	.group_release = h_group_release,
	.spawn_status = h_spawn_status,
	.exit_status_kept = h_exit_status_kept,
	.spawn_async = h_spawn_async,
};

void
op_done(struct winrmd_op *op)
{
	soap_reply_free(op->reply);
	op->reply = NULL;
}

bool
op_render_text(struct winrmd_op *op, struct soap_text *t,
    unsigned *ret_status)
{
	if (op->fault.code == WINRMD_FAULT_NONE && op->reply != NULL) {
		if (!soap_serialize_text(op->reply, t))
			fault_set(&op->fault, WINRMD_FAULT_INTERNAL_ERROR, NULL,
			    "The response could not be serialised.");
		else if (soap_text_len(t) > op->msg.max_envelope &&
		    op->msg.max_envelope != 0) {
			fault_set(&op->fault, WINRMD_FAULT_ENCODING_LIMIT,
			    "MaxEnvelopeSize", "The response (%zu bytes) exceeds "
			    "MaxEnvelopeSize (%zu bytes).", soap_text_len(t),
			    op->msg.max_envelope);
			soap_text_free(t);
		} else {
			*ret_status = 200;
			return true;
		}
	}
	if (op->fault.code == WINRMD_FAULT_NONE)
		fault_set(&op->fault, WINRMD_FAULT_INTERNAL_ERROR, NULL,
		    "The operation produced no response.");
	soap_reply_free(op->reply);
	op->reply = NULL;
	W->count.faults++;
	if ((op->reply = soap_fault_new(&op->fault, op->msg.message_id,
	    W->hostname)) == NULL)
		return false;
	*ret_status = fault_lookup(op->fault.code)->http_status;
	*t = (struct soap_text){ 0 };
	return (t->head = soap_serialize(op->reply, &t->head_len)) != NULL;
}

char *
op_render(struct winrmd_op *op, size_t *ret_len, unsigned *ret_status)
{
	struct soap_text t;

	if (!op_render_text(op, &t, ret_status))
		return NULL;
	return soap_text_join(&t, ret_len);
}
