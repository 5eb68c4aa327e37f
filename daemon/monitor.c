/*
 * monitor.c: the privileged part of winrmd (docs/DESIGN.md §8).  It runs
 * as root, reads nothing from the network, and does for the network part
 * what needs root, one typed message at a time (monitor_msg.h):
 *
 *   MON_PAM_CHECK     PAM authentication and account management, on the
 *                     service of its own configuration
 *   MON_LOCKED        whether an account's password is locked (shadow)
 *   MON_SPAWN         a user's process (spawn.c), for an account it looks
 *                     up itself against PermitRoot and AllowedGroups; the
 *                     pipes and pidfd go back as SCM_RIGHTS
 *   MON_SIGNAL        a signal to a process (group) it started, or of an
 *                     account the network part could start one as
 *   MON_KILL_MARKED   a shell's processes that left its groups (environ)
 *   MON_TERMINATE     Win32_Process.Terminate for an account it looks up
 *                     itself: root any process, others their own; logged
 *   MON_KEEPER        at a stop: a keeper (keeper.c) for the commands the
 *                     network part keeps across the restart; its socket
 *                     back (the set goes to the keeper, not through here)
 *   MON_SESSION       a PAM session helper (session.c), its two pipes back
 *   MON_GROUP_*       cgroups: create, kill, destroy, list processes,
 *                     release (its processes kept across a restart)
 *   MON_PEM_ALLOW     before the drop: a key file it may read again
 *   MON_PEM_READ      after: one of those, read again (SIGHUP)
 *   MON_DROPPED       the network part dropped its privileges
 *   MON_RELOAD        read the configuration file again (SIGHUP)
 *   MON_CONF_SET      winrm set winrm/config: keys of conf_settable only
 *   MON_CONF_OPEN     its configuration file, open to read (SIGHUP)
 *   MON_NEGO_*        the GSSAPI acceptor (auth_negotiate.c): handshakes
 *                     whose established contexts go to the network part
 *
 * Each channel is served by a thread of its own, one request and one
 * answer at a time.  An unknown type, a malformed field or a request out
 * of order (a key file allowed after the drop) ends the network part
 * (SIGKILL) and the monitor with it: systemd restarts the service.  When
 * the network part ends, the channels reach end of file and the monitor
 * exits (its parent death signal covers a crash).
 */
#include "build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "cgroup.h"
#include "config.h"
#include "host.h"
#include "keeper.h"
#include "log.h"
#include "monitor_msg.h"
#include "negotiate.h"
#include "plugin.h"
#include "privsep.h"
#include "session.h"
#include "spawn.h"
#include "tls.h"
#include "winrmd.h"
#include "workers.h"

#define PEMS_MAX	64
#define GROUPS_MAX	8192

static struct {
	pid_t		 network;
	pthread_mutex_t	 nego;		/* the GSSAPI acceptor */
	pthread_mutex_t	 lock;		/* everything below, and W->cfg */
	bool		 dropped;
	char		*pems[PEMS_MAX];
	int		 npems;
	struct cgroup	*groups[GROUPS_MAX];	/* id - 1 */
} M = { .lock = PTHREAD_MUTEX_INITIALIZER,
    .nego = PTHREAD_MUTEX_INITIALIZER };

/* the network part broke the protocol: it ends, and the monitor too */
static void __attribute__((noreturn))
violation(const struct mon_msg *m, const char *what)
{
	log_err("monitor: %s (message type %u) from the network part: "
	    "ending it", what, (unsigned)m->type);
	kill(M.network, SIGKILL);
	_exit(1);
}

static void
pam_check(struct mon_msg *q, struct mon_msg *a)
{
	const char *user = mon_get_str(q, NULL), *pass, *rhost;
	struct pam_result res;
	bool absent;
	char service[128];

	pass = mon_get_str(q, &absent);
	rhost = mon_get_str(q, NULL);
	if (user == NULL || (pass == NULL && !absent) || rhost == NULL ||
	    mon_get_end(q) < 0)
		violation(q, "a malformed PAM check");
	pthread_mutex_lock(&M.lock);
	snprintf(service, sizeof(service), "%s",
	    conf_s(W->cfg, CK_AUTH_PAM_SERVICE));
	pthread_mutex_unlock(&M.lock);
	auth_pam_check(service, user, pass, rhost, &res);
	mon_put_i64(a, res.ok);
	mon_put_i64(a, res.fail_delay_us);
	mon_put_str(a, res.why);
}

static void
locked(struct mon_msg *q, struct mon_msg *a)
{
	const char *user = mon_get_str(q, NULL);

	if (user == NULL || mon_get_end(q) < 0)
		violation(q, "a malformed lock check");
	mon_put_i64(a, account_locked(user));
}

static struct cgroup *
group_of(struct mon_msg *q, int64_t id)
{
	if (id < 1 || id > GROUPS_MAX || M.groups[id - 1] == NULL)
		violation(q, "an unknown group");
	return M.groups[id - 1];
}

/*
 * The account name, as this host knows it (PermitRoot, AllowedGroups), not
 * as the network part says; its uid must be the one the network part
 * gives.  0 and a principal, or -errno (logged: no `what' for name).
 */
static int
account_of(const char *name, int64_t uid, const char *what,
    struct principal **ret)
{
	struct auth_policy pol;
	char why[256] = "";
	int r;

	*ret = NULL;
	pthread_mutex_lock(&M.lock);
	r = auth_policy_init(&pol, W->cfg);
	pthread_mutex_unlock(&M.lock);
	if (r < 0)
		snprintf(why, sizeof(why), "%s", strerror(-r));
	else if ((r = principal_lookup(name, "monitor", &pol, ret, why,
	    sizeof(why))) == 0 && (*ret)->pub.uid != (uid_t)uid) {
		snprintf(why, sizeof(why), "the uid differs");
		principal_unref(*ret);
		*ret = NULL;
		r = -EPERM;
	}
	if (r < 0)
		log_warn("monitor: no %s for %s: %s", what, name, why);
	auth_policy_done(&pol);
	return r;
}

static void
do_spawn(struct mon_msg *q, struct mon_msg *a)
{
	static pthread_mutex_t spawning = PTHREAD_MUTEX_INITIALIZER;
	const char *name = mon_get_str(q, NULL), *path, *cwd;
	int64_t uid = mon_get_i64(q), group;
	struct winrmd_spawn_req req = { 0 };
	struct winrmd_child child = { .pid = 0 };
	struct spawn_opts o = { 0 };
	struct principal *p = NULL;
	char **argv, **env;
	int r, reap_fd = -1;

	path = mon_get_str(q, NULL);
	argv = mon_get_strv(q);
	env = mon_get_strv(q);
	cwd = mon_get_str(q, NULL);
	req.merge_stderr = mon_get_i64(q) != 0;
	req.mem_limit = (uint64_t)mon_get_i64(q);
	req.nproc_limit = (uint64_t)mon_get_i64(q);
	group = mon_get_i64(q);
	o.detach = mon_get_i64(q) != 0;
	o.reap_fd = mon_get_i64(q) != 0 && !o.detach ? &reap_fd : NULL;
	if (name == NULL || argv == NULL || argv[0] == NULL || env == NULL ||
	    mon_get_end(q) < 0)
		violation(q, "a malformed spawn");
	pthread_mutex_lock(&M.lock);
	if (group != 0)
		req.group = (struct winrmd_group *)group_of(q, group);
	o.allow_root = conf_b(W->cfg, CK_AUTH_PERMIT_ROOT);
	pthread_mutex_unlock(&M.lock);
	if ((r = account_of(name, uid, "process", &p)) < 0)
		goto out;
	req.user = &p->pub;
	req.path = path;
	req.argv = argv;
	req.env = env;
	req.cwd = cwd;
	pthread_mutex_lock(&spawning);
	r = spawn_child(&req, &o, &child);
	pthread_mutex_unlock(&spawning);
out:
	principal_unref(p);
	mon_put_i64(a, r);
	mon_put_i64(a, child.pid);
	if (r == 0) {
		mon_put_fd(a, child.in_fd);
		mon_put_fd(a, child.out_fd);
		mon_put_i64(a, child.err_fd >= 0);
		if (child.err_fd >= 0)
			mon_put_fd(a, child.err_fd);
		mon_put_i64(a, child.pidfd >= 0);
		if (child.pidfd >= 0)
			mon_put_fd(a, child.pidfd);
		if (o.reap_fd != NULL) {
			mon_put_i64(a, reap_fd >= 0);
			if (reap_fd >= 0)
				mon_put_fd(a, reap_fd);
		}
	}
	free(argv);
	free(env);
}

/* pid's parent and process group, from /proc: 0, or -1 if gone */
static int
proc_stat(pid_t pid, pid_t *ppid, pid_t *pgrp)
{
	char path[64], buf[512], *p;
	long pp = -1, pg = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	/* after the last ')': state, ppid, pgrp */
	if (fgets(buf, sizeof(buf), fp) != NULL &&
	    (p = strrchr(buf, ')')) != NULL)
		sscanf(p + 1, " %*c %ld %ld", &pp, &pg);
	fclose(fp);
	*ppid = (pid_t)pp;
	*pgrp = (pid_t)pg;
	return pp < 0 ? -1 : 0;
}

/*
 * Whether the network part may have pid signalled: its own child (a
 * user's process the monitor cloned for it), or a process of an account
 * it could have started one as (not root unless PermitRoot, a valid login
 * shell): what it could do by starting `kill' as that user, no more.
 * Never the monitor, a session helper (root), or a system account.
 */
static bool
may_signal(pid_t pid, bool permit_root)
{
	char path[64];
	pid_t ppid, pgrp;
	struct stat st;

	if (pid == getpid() || proc_stat(pid, &ppid, &pgrp) < 0)
		return false;
	if (ppid == M.network)
		return true;
	snprintf(path, sizeof(path), "/proc/%ld", (long)pid);
	return stat(path, &st) == 0 && spawn_uid_may_run(st.st_uid, permit_root);
}

/* a group: every member may be signalled; -ESRCH if it has none */
static int
may_signal_group(pid_t pgid, bool permit_root)
{
	struct dirent *e;
	int n = 0, r = 0;
	DIR *d;

	if ((d = opendir("/proc")) == NULL)
		return -errno;
	while (r == 0 && (e = readdir(d)) != NULL) {
		pid_t pid = (pid_t)strtol(e->d_name, NULL, 10), ppid, pgrp;

		if (pid <= 0 || proc_stat(pid, &ppid, &pgrp) < 0 ||
		    pgrp != pgid)
			continue;
		n++;
		if (!may_signal(pid, permit_root))
			r = -EPERM;
	}
	closedir(d);
	return r < 0 ? r : n == 0 ? -ESRCH : 0;
}

/* a shell's processes that left its groups: of an account it may start */
static void
do_kill_marked(struct mon_msg *q, struct mon_msg *a)
{
	int64_t uid = mon_get_i64(q);
	const char *entry = mon_get_str(q, NULL);
	bool root;

	if (entry == NULL || mon_get_end(q) < 0 || uid < 0 || uid > UINT32_MAX)
		violation(q, "a malformed kill");
	pthread_mutex_lock(&M.lock);
	root = conf_b(W->cfg, CK_AUTH_PERMIT_ROOT);
	pthread_mutex_unlock(&M.lock);
	mon_put_i64(a, !spawn_uid_may_run((uid_t)uid, root) ? -EPERM :
	    spawn_kill_marked((uid_t)uid, entry));
}

/*
 * Win32_Process.Terminate: SIGKILL to pid for the account the monitor
 * looks up itself (as for a spawn), by spawn_terminate_as's rule (root:
 * any process but init and the daemon's two; others: their own), one log
 * line
 */
static void
do_terminate(struct mon_msg *q, struct mon_msg *a)
{
	const char *name = mon_get_str(q, NULL);
	int64_t uid = mon_get_i64(q), pid = mon_get_i64(q);
	struct principal *p = NULL;
	uid_t target = (uid_t)-1;
	bool root;
	int r;

	if (name == NULL || mon_get_end(q) < 0 || uid < 0 ||
	    uid > UINT32_MAX || pid <= 0 || pid > INT_MAX)
		violation(q, "a malformed terminate");
	pthread_mutex_lock(&M.lock);
	root = conf_b(W->cfg, CK_AUTH_PERMIT_ROOT);
	pthread_mutex_unlock(&M.lock);
	/*
	 * an account a spawn could run `kill' as (spawn_uid_may_run: a valid
	 * login shell), no other; the network part is the daemon's own too
	 */
	if ((r = account_of(name, uid, "terminate", &p)) == 0 &&
	    !spawn_uid_may_run(p->pub.uid, root))
		r = -EPERM;
	else if (r == 0)
		r = (pid_t)pid == M.network ? -EPERM :
		    spawn_terminate_as(p->pub.uid, (pid_t)pid, &target);
	principal_unref(p);
	if (target == (uid_t)-1)
		log_info("monitor: terminate pid %ld for %s (uid %lu): %s",
		    (long)pid, name, (unsigned long)uid, r == 0 ? "killed" :
		    r == -EPERM ? "access denied" : strerror(-r));
	else
		log_info("monitor: terminate pid %ld (uid %lu) for %s "
		    "(uid %lu): %s", (long)pid, (unsigned long)target, name,
		    (unsigned long)uid, r == 0 ? "killed" : r == -EPERM ?
		    "access denied" : strerror(-r));
	mon_put_i64(a, r);
}

static void
do_signal(struct mon_msg *q, struct mon_msg *a)
{
	int64_t pid = mon_get_i64(q), sig = mon_get_i64(q);
	bool group = mon_get_i64(q) != 0, root;
	int r;

	if (mon_get_end(q) < 0 || pid <= 1 || pid > INT_MAX || sig < 0 ||
	    sig >= 32)
		violation(q, "a malformed signal");
	pthread_mutex_lock(&M.lock);
	root = conf_b(W->cfg, CK_AUTH_PERMIT_ROOT);
	pthread_mutex_unlock(&M.lock);
	if (group)
		r = may_signal_group((pid_t)pid, root);
	else
		r = may_signal((pid_t)pid, root) ? 0 : -EPERM;
	if (r == 0 && kill(group ? -(pid_t)pid : (pid_t)pid, (int)sig) < 0)
		r = -errno;
	mon_put_i64(a, r);
}

/* the socket path is the configuration's, never the network part's */
static void
do_keeper(struct mon_msg *q, struct mon_msg *a)
{
	int64_t grace = mon_get_i64(q);
	char path[256];
	struct passwd *pw;
	bool root;
	int fd;

	if (mon_get_end(q) < 0 || grace < 0 || grace > KEEP_GRACE_MAX_MS)
		violation(q, "a malformed keeper request");
	pthread_mutex_lock(&M.lock);
	snprintf(path, sizeof(path), "%s", conf_s(W->cfg,
	    CK_SERVICE_KEEPER_SOCKET));
	root = conf_b(W->cfg, CK_AUTH_PERMIT_ROOT);
	pthread_mutex_unlock(&M.lock);
	if ((pw = getpwnam(PRIVSEP_USER)) == NULL)
		fd = -ENOENT;
	else
		fd = keeper_spawn(path, (unsigned)grace, pw->pw_uid,
		    pw->pw_gid, pw->pw_uid, root);
	mon_put_i64(a, fd < 0 ? fd : 0);
	if (fd >= 0)
		mon_put_fd(a, fd);
}

static void
do_session(struct mon_msg *q, struct mon_msg *a)
{
	const char *user = mon_get_str(q, NULL), *rhost = mon_get_str(q, NULL);
	const char *id = mon_get_str(q, NULL);
	char service[128];
	struct passwd *pw;
	bool root;
	int r, to = -1, from = -1;

	if (user == NULL || rhost == NULL || id == NULL || mon_get_end(q) < 0)
		violation(q, "a malformed session");
	pthread_mutex_lock(&M.lock);
	snprintf(service, sizeof(service), "%s",
	    conf_s(W->cfg, CK_AUTH_PAM_SERVICE));
	root = conf_b(W->cfg, CK_AUTH_PERMIT_ROOT);
	pthread_mutex_unlock(&M.lock);
	if ((pw = getpwnam(user)) == NULL || (pw->pw_uid == 0 && !root))
		r = -EPERM;
	else
		r = session_helper_start(service, user, rhost, id, &to, &from);
	mon_put_i64(a, r);
	if (r == 0) {
		mon_put_fd(a, to);
		mon_put_fd(a, from);
	}
}

static void
do_group(struct mon_msg *q, struct mon_msg *a)
{
	const char *name;
	int64_t id, max;
	struct cgroup *g;

	pthread_mutex_lock(&M.lock);
	switch (q->type) {
	case MON_GROUP_CREATE:
		name = mon_get_str(q, NULL);
		int64_t mem = mon_get_i64(q), procs = mon_get_i64(q);

		if (name == NULL || mon_get_end(q) < 0)
			violation(q, "a malformed group");
		for (id = 0; id < GROUPS_MAX && M.groups[id] != NULL; id++)
			;
		if (id == GROUPS_MAX)
			mon_put_i64(a, -ENOSPC);
		else if ((g = cgroup_create(name, (uint64_t)mem,
		    (uint64_t)procs)) == NULL)
			mon_put_i64(a, -errno);
		else {
			M.groups[id] = g;
			mon_put_i64(a, id + 1);
		}
		break;
	case MON_GROUP_PROCS:
		id = mon_get_i64(q);
		max = mon_get_i64(q);
		if (mon_get_end(q) < 0 || max < 0 || max > 4096)
			violation(q, "a malformed group");
		pid_t pids[4096];
		long n = cgroup_procs(group_of(q, id), pids, (size_t)max);

		mon_put_i64(a, n);
		for (long i = 0; i < n && i < max; i++)
			mon_put_i64(a, pids[i]);
		break;
	default:
		id = mon_get_i64(q);
		if (mon_get_end(q) < 0)
			violation(q, "a malformed group");
		g = group_of(q, id);
		if (q->type == MON_GROUP_KILL)
			cgroup_kill(g);
		else {
			if (q->type == MON_GROUP_RELEASE)
				cgroup_release(g);
			else
				cgroup_destroy(g);
			M.groups[id - 1] = NULL;
		}
		mon_put_i64(a, 0);
	}
	pthread_mutex_unlock(&M.lock);
}

static void
do_pem(struct mon_msg *q, struct mon_msg *a)
{
	const char *path = mon_get_str(q, NULL);
	bool known = false;
	char *pem;

	if (path == NULL || mon_get_end(q) < 0)
		violation(q, "a malformed key file request");
	pthread_mutex_lock(&M.lock);
	for (int i = 0; i < M.npems && !known; i++)
		known = strcmp(M.pems[i], path) == 0;
	if (q->type == MON_PEM_ALLOW) {
		if (M.dropped)
			violation(q, "a key file named after the drop");
		if (!known && M.npems < PEMS_MAX)
			M.pems[M.npems++] = strdup(path);
		pthread_mutex_unlock(&M.lock);
		mon_put_i64(a, 0);
		return;
	}
	pthread_mutex_unlock(&M.lock);
	if (!known) {
		log_warn("monitor: refused to read %s (not a key file of the "
		    "start)", path);
		mon_put_i64(a, -EACCES);
	} else if ((pem = tls_read_pem(path, MON_PAYLOAD_MAX - 64)) == NULL)
		mon_put_i64(a, -errno);
	else {
		mon_put_i64(a, 0);
		mon_put_str(a, pem);
		explicit_bzero(pem, strlen(pem));
		free(pem);
	}
}

static void
do_reload(struct mon_msg *q, struct mon_msg *a)
{
	struct config *cfg;
	char err[512];

	if (mon_get_end(q) < 0)
		violation(q, "a malformed reload");
	/* the plugins' sections too, as main.c's reload checks them */
	if ((cfg = config_parse(W->config_path, err, sizeof(err))) == NULL ||
	    plugins_settings(cfg, err, sizeof(err)) < 0) {
		config_free(cfg);
		log_err("monitor: reload refused: %s", err);
		mon_put_i64(a, -EINVAL);
		return;
	}
	pthread_mutex_lock(&M.lock);
	config_free(W->cfg);
	W->cfg = cfg;
	pthread_mutex_lock(&M.nego);
	nego_configure(cfg);
	pthread_mutex_unlock(&M.nego);
	pthread_mutex_unlock(&M.lock);
	mon_put_i64(a, 0);
}

/*
 * What a remote Put (the config plugin) may change: what winrm/config
 * shows, nothing that decides who may log in as whom, what is loaded as
 * root or which files are read (PermitRoot, AllowedGroups, PamService,
 * [Plugins], key files, the config plugin's own AdminGroups)
 */
static bool
conf_settable(const char *section, const char *key)
{
	static const char *const auth[] = { "Basic", "Kerberos", "Negotiate",
	    "Certificate", "CbtHardeningLevel" };

	if (strcasecmp(section, "Service") == 0)
		return strcasecmp(key, "PrivilegeSeparation") != 0;
	if (strcasecmp(section, "Winrs") == 0)
		return true;
	if (strcasecmp(section, "Listener") == 0)
		return strcasecmp(key, "HTTPPort") == 0 ||
		    strcasecmp(key, "HTTPSPort") == 0;
	for (size_t i = 0; i < sizeof(auth) / sizeof(auth[0]); i++)
		if (strcasecmp(section, "Auth") == 0 &&
		    strcasecmp(key, auth[i]) == 0)
			return true;
	return false;
}

static void
do_conf_set(struct mon_msg *q, struct mon_msg *a)
{
	struct winrmd_conf_change set[64];
	int64_t n = mon_get_i64(q);
	char msg[512] = "";
	int r = 0;

	for (int64_t i = 0; i < n; i++) {
		set[i].section = mon_get_str(q, NULL);
		set[i].key = mon_get_str(q, NULL);
		set[i].value = mon_get_str(q, NULL);
		if (r == 0 && !conf_settable(set[i].section, set[i].key)) {
			snprintf(msg, sizeof(msg), "[%s] %s is not set "
			    "remotely under privilege separation: edit the "
			    "file", set[i].section, set[i].key);
			log_warn("monitor: %s", msg);
			r = -EACCES;
		}
	}
	if (mon_get_end(q) < 0)
		violation(q, "a malformed configuration change");
	if (r == 0) {
		pthread_mutex_lock(&M.lock);
		r = host_conf_write(set, (size_t)n, msg, sizeof(msg));
		pthread_mutex_unlock(&M.lock);
	}
	mon_put_i64(a, r);
	mon_put_str(a, msg);
}

static void
handle(struct mon_msg *q, struct mon_msg *a)
{
	int fd;

	switch (q->type) {
	case MON_PAM_CHECK:
		pam_check(q, a);
		explicit_bzero(q->buf, sizeof(struct mon_hdr) + q->len);
		break;
	case MON_LOCKED:
		locked(q, a);
		break;
	case MON_SPAWN:
		do_spawn(q, a);
		break;
	case MON_SIGNAL:
		do_signal(q, a);
		break;
	case MON_KILL_MARKED:
		do_kill_marked(q, a);
		break;
	case MON_TERMINATE:
		do_terminate(q, a);
		break;
	case MON_KEEPER:
		do_keeper(q, a);
		break;
	case MON_SESSION:
		do_session(q, a);
		break;
	case MON_GROUP_CREATE:
	case MON_GROUP_KILL:
	case MON_GROUP_DESTROY:
	case MON_GROUP_PROCS:
	case MON_GROUP_RELEASE:
		do_group(q, a);
		break;
	case MON_PEM_ALLOW:
	case MON_PEM_READ:
		do_pem(q, a);
		break;
	case MON_DROPPED:
		if (mon_get_end(q) < 0)
			violation(q, "a malformed message");
		pthread_mutex_lock(&M.lock);
		M.dropped = true;
		pthread_mutex_unlock(&M.lock);
		mon_put_i64(a, 0);
		break;
	case MON_RELOAD:
		do_reload(q, a);
		break;
	case MON_CONF_SET:
		do_conf_set(q, a);
		break;
	case MON_CONF_OPEN:
		if (mon_get_end(q) < 0)
			violation(q, "a malformed message");
		/* its own file, never one the network part names */
		if (W->config_path == NULL)
			mon_put_i64(a, -ENOENT);
		else if ((fd = open(W->config_path, O_RDONLY | O_CLOEXEC |
		    O_NOCTTY)) < 0)
			mon_put_i64(a, -errno);
		else {
			mon_put_i64(a, 0);
			mon_put_fd(a, fd);
		}
		break;
	case MON_NEGO_STEP:
	case MON_NEGO_FREE:
	case MON_NEGO_CONFIG:
		pthread_mutex_lock(&M.nego);
		nego_mon_serve(q, a);
		pthread_mutex_unlock(&M.nego);
		if (q->type == MON_NEGO_STEP)
			explicit_bzero(q->buf, sizeof(struct mon_hdr) + q->len);
		break;
	default:
		violation(q, "an unknown message");
	}
}

static void *
serve(void *arg)
{
	int sock = (int)(intptr_t)arg, r;
	struct mon_msg q, a;

	if (mon_msg_init(&q, 0) < 0 || mon_msg_init(&a, MON_REPLY) < 0) {
		log_err("monitor: out of memory");
		kill(M.network, SIGKILL);
		_exit(1);
	}
	while ((r = mon_recv(sock, &q)) == 0) {
		int keep[MON_FDS_MAX];

		mon_msg_reset(&a, MON_REPLY);
		/* a request carries no descriptors */
		if (q.nfds != 0)
			violation(&q, "descriptors in a request");
		if (mon_check(&q) < 0)
			violation(&q, "a malformed or unknown message");
		handle(&q, &a);
		memcpy(keep, a.fds, sizeof(keep));
		if (a.bad) {
			mon_msg_reset(&a, MON_REPLY);	/* closes them */
			memset(keep, -1, sizeof(keep));
			mon_put_i64(&a, -EMSGSIZE);
		}
		if ((r = mon_send(sock, &a)) < 0)
			log_err("monitor: answer: %s", strerror(-r));
		/* the answer's descriptors were the monitor's copies */
		for (int i = 0; i < MON_FDS_MAX; i++)
			if (keep[i] >= 0)
				close(keep[i]);
	}
	if (r != -EPIPE)
		violation(&q, r == -EBADMSG ? "a malformed message" :
		    "a broken channel");
	mon_msg_free(&q);
	mon_msg_free(&a);
	return NULL;
}

/* removals of deleted groups whose processes were still going */
static void *
poll_groups(void *arg)
{
	(void)arg;
	for (;;) {
		usleep(100000);
		pthread_mutex_lock(&M.lock);
		cgroup_poll();
		pthread_mutex_unlock(&M.lock);
	}
	return NULL;
}

/*
 * The channels after the first are the PAM workers' (privsep.c): served
 * at their priority, so that the hashing of a storm's logins here takes
 * only what the loop thread leaves, as it would on the workers
 */
static void *
serve_worker(void *arg)
{
	workers_lower_priority();
	return serve(arg);
}

void
monitor_main(int *socks, int n, pid_t network)
{
	pthread_t t;

	M.network = network;
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != network)
		_exit(0);
	prctl(PR_SET_NAME, "winrmd-monitor", 0, 0, 0);
	/* the kept commands' pipes are the network part's alone */
	host_keep_forget();
	/* not a shell's parent: the network part supervises them */
	spawn_set_sibling(true);
	cgroup_poll_removals();
	/* the acceptor credential (keytab, NTLM user file): before threads */
	if (nego_init(W->cfg) < 0) {
		log_err("monitor: cannot set up the Negotiate acceptor");
		kill(network, SIGKILL);
		_exit(1);
	}
	for (int i = 1; i < n; i++)
		if (pthread_create(&t, NULL, serve_worker,
		    (void *)(intptr_t)socks[i])
		    != 0) {
			log_err("monitor: cannot start its threads");
			kill(network, SIGKILL);
			_exit(1);
		}
	if (pthread_create(&t, NULL, poll_groups, NULL) != 0) {
		log_err("monitor: cannot start its threads");
		kill(network, SIGKILL);
		_exit(1);
	}
	/* the first channel is the loop thread's: it ends last */
	serve((void *)(intptr_t)socks[0]);
	/* the network part is gone: the removals it asked for, then exit */
	pthread_mutex_lock(&M.lock);
	cgroup_shutdown();
	_exit(0);
}
