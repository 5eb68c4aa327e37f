/*
 * main.c: command line, start-up, signals and shutdown of winrmd.
 *
 * Start-up order: the config's daemon sections, log, XML, the plugins
 * opened and their settings (and their modules') checked with the rest of
 * the file, then reactor, auth cache, workers, the plugins started,
 * dispatch table, listeners, and READY=1 to systemd.  -t and
 * --example-config stop after the settings.  Signals arrive through a
 * signalfd on the reactor: SIGTERM/SIGINT stop, SIGHUP reloads the config
 * (checked against the running plugins; a bad file is refused and the old
 * one stays), SIGUSR1 logs the counters.  -t also checks what the start
 * will need (startcheck.c); the start checks the TLS files the same way.
 * With [Service] PrivilegeSeparation the monitor is forked before the
 * workers and the network part drops its privileges after the listeners
 * are bound (privsep.c).
 */
#include "build.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <systemd/sd-daemon.h>

#include "auth.h"
#include "cgroup.h"
#include "startcheck.h"
#include "config.h"
#include "dispatch.h"
#include "enumeration.h"
#include "host.h"
#include "http.h"
#include "keeper.h"
#include "log.h"
#include "negotiate.h"
#include "plugin.h"
#include "privsep.h"
#include "quickconfig.h"
#include "reactor.h"
#include "session.h"
#include "soap.h"
#include "spawn.h"
#include "winrmd.h"
#include "workers.h"

#define DEFAULT_CONFIG	SYSCONFDIR "/winrmd/winrmd.conf"
#define AUTH_WORKERS	4

struct winrmd *W;

static void
usage(FILE *out)
{
	fprintf(out,
	    "Usage: winrmd [OPTIONS]\n"
	    "WinRM / WS-Management server: lets WinRM clients (Ansible, pywinrm,\n"
	    "PowerShell, Go winrm) manage this Linux host.\n"
	    "\n"
	    "  -c, --config FILE      configuration file (default %s)\n"
	    "  -f, --foreground       log to stderr instead of the journal (winrmd never forks)\n"
	    "  -t, --test             check the configuration and the plugins, then exit\n"
	    "  -d, --debug            log debug messages too\n"
	    "      --list-operations  print every (resource URI, action) the plugins serve\n"
	    "      --example-config   print a configuration file with every key and its default\n"
	    "      --ntlm-passwd USER set USER's NTLM password in [Auth] NTLMUserFile (NT hash;\n"
	    "                         the password is read from the terminal, or a line of stdin)\n"
	    "      --ntlm-delete USER remove USER from [Auth] NTLMUserFile\n"
	    "      --quickconfig      set this host up for WinRM over HTTPS (as Windows'\n"
	    "                         winrm quickconfig -transport:https): the file (-c),\n"
	    "                         the certificate, the service, the firewall\n"
	    "  -h, --help             this text\n"
	    "  -V, --version          the version\n"
	    "\n"
	    "Signals: SIGTERM stops, SIGHUP reloads the configuration, SIGUSR1 logs counters.\n"
	    "See winrmd(8) and winrmd.conf(5).\n", DEFAULT_CONFIG);
}

static void
log_counters(void)
{
	log_notice("counters: requests=%llu unauthorized=%llu faults=%llu "
	    "dispatched=%llu spawned=%llu pam=%llu pam_joined=%llu pending=%u "
	    "replayed=%llu pool_released=%llu",
	    (unsigned long long)W->count.requests,
	    (unsigned long long)W->count.unauthorized,
	    (unsigned long long)W->count.faults,
	    (unsigned long long)W->count.dispatched,
	    (unsigned long long)W->count.spawned,
	    (unsigned long long)W->count.pam_calls,
	    (unsigned long long)W->count.pam_joined, http_pending(),
	    (unsigned long long)W->count.replayed,
	    (unsigned long long)W->count.pool_released);
}

static void
warn_restart(const struct conf_def *d, void *arg)
{
	(void)arg;
	log_warn("reload: [%s] %s changed; it takes effect at the next "
	    "restart", d->section, d->key);
}

static void
reload(void)
{
	char err[512];
	struct config *cfg;

	sd_notify(0, "RELOADING=1");
	/* the monitor's PAM service and login policy */
	mon_reload();
	/* the plugins' settings are checked against the running plugins */
	if ((cfg = config_parse(W->config_path, err, sizeof(err))) == NULL ||
	    plugins_settings(cfg, err, sizeof(err)) < 0) {
		log_err("reload refused, the running configuration stays: %s", err);
		config_free(cfg);
		sd_notify(0, "READY=1");
		return;
	}
	config_restart_changes(W->cfg, cfg, warn_restart, NULL);
	config_free(W->cfg);
	W->cfg = cfg;
	W->cfg_gen++;
	if (log_level() != LOG_DEBUG)
		log_set_level(log_level_parse(conf_s(cfg, CK_SERVICE_LOG_LEVEL)));
	auth_cache_flush();
	nego_configure(cfg);
	plugins_reload_all();
	http_reload();
	log_notice("configuration reloaded from %s", W->config_path);
	sd_notify(0, "READY=1");
}

static void
on_signal(int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)arg;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_notice("stopping (signal %u)", si.ssi_signo);
			W->stopping = true;
			sd_notify(0, "STOPPING=1");
			reactor_stop();
			break;
		case SIGHUP:
			reload();
			break;
		case SIGUSR1:
			log_counters();
			break;
#ifdef WINRMD_TEST_HOOKS
		case SIGUSR2:
			privsep_test_escape();
			break;
#endif
		}
	}
}

static bool
nothing_pending(void)
{
	return http_pending() == 0;
}

/* one line of stdin, or twice from the terminal without echo */
static int
read_password(const char *user, char *buf, size_t len)
{
	bool tty = isatty(STDIN_FILENO);
	char again[256];

	for (int pass = 0; pass < (tty ? 2 : 1); pass++) {
		char *dst = pass == 0 ? buf : again;
		size_t dlen = pass == 0 ? len : sizeof(again);
		struct termios old, quiet;
		bool echo_off = false;
		size_t n;

		if (tty) {
			fprintf(stderr, pass == 0 ? "NTLM password for %s: " :
			    "Again: ", user);
			if (tcgetattr(STDIN_FILENO, &old) == 0) {
				quiet = old;
				quiet.c_lflag &= ~(tcflag_t)ECHO;
				echo_off = tcsetattr(STDIN_FILENO, TCSAFLUSH,
				    &quiet) == 0;
			}
		}
		if (fgets(dst, (int)dlen, stdin) == NULL)
			dst[0] = '\0';
		if (echo_off) {
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
			fputc('\n', stderr);
		}
		n = strlen(dst);
		if (n > 0 && dst[n - 1] == '\n')
			dst[--n] = '\0';
		if (n > 0 && dst[n - 1] == '\r')
			dst[--n] = '\0';
	}
	if (buf[0] == '\0') {
		fprintf(stderr, "winrmd: empty password\n");
		return -1;
	}
	if (tty && strcmp(buf, again) != 0) {
		fprintf(stderr, "winrmd: the passwords differ\n");
		OPENSSL_cleanse(again, sizeof(again));
		return -1;
	}
	OPENSSL_cleanse(again, sizeof(again));
	return 0;
}

/* --ntlm-passwd / --ntlm-delete */
static int
ntlm_passwd(const char *file, const char *user, bool delete)
{
	char pw[256], domain[16], computer[16];
	int r;

	nego_netbios_names(W->cfg, domain, computer);
	if (delete)
		return nego_ntlm_passwd(file, user, NULL, domain, computer) < 0 ?
		    1 : 0;
	if (file[0] == '\0') {
		fprintf(stderr, "winrmd: [Auth] NTLMUserFile is not set in %s\n",
		    W->config_path ? W->config_path : "the configuration");
		return 1;
	}
	if (read_password(user, pw, sizeof(pw)) < 0)
		return 1;
	r = nego_ntlm_passwd(file, user, pw, domain, computer);
	OPENSSL_cleanse(pw, sizeof(pw));
	if (r == 0)
		printf("%s: NTLM password of %s set\n", file, user);
	return r < 0 ? 1 : 0;
}

static int
check_only(struct config *cfg)
{
	int r = dispatch_build() < 0;

	/* what the start will need: TLS files, providers */
	if (check_start(cfg) < 0)
		r = 1;
	dispatch_clear();
	plugins_fini_all();
	if (r == 0)
		printf("%s: configuration OK\n", cfg->path ? cfg->path :
		    "(defaults)");
	return r ? 1 : 0;
}

static int
list_operations(void)
{
	int r = dispatch_build() < 0;

	if (r == 0)
		dispatch_list(stdout);
	dispatch_clear();
	plugins_fini_all();
	return r ? 1 : 0;
}

static int
serve(void)
{
	struct winrmd_watch *sigwatch = NULL;
	sigset_t mask;
	int sfd = -1, rc = 1, r;
	size_t kept;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
#ifdef WINRMD_TEST_HOOKS
	sigaddset(&mask, SIGUSR2);
#endif
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		log_err("signals: %s", strerror(errno));
		return 1;
	}
	if ((r = reactor_init()) < 0) {
		log_err("reactor: %s", strerror(-r));
		goto out;
	}
	sigwatch = reactor_watch(sfd, WINRMD_IN, on_signal, NULL);
	spawn_init();
	/* as root; before the sweep of leftover cgroups, which spares theirs */
	host_keep_claim();
	cgroup_init();
	/* the monitor, before any thread and any listener */
	if (conf_b(W->cfg, CK_SERVICE_PRIVILEGE_SEPARATION) &&
	    privsep_start(monitor_main) < 0)
		goto out;
	if (auth_cache_init() < 0) {
		log_err("auth: cannot initialise the credential cache");
		goto out;
	}
	/* before any thread: it exports gss-ntlmssp's environment */
	if (nego_init(W->cfg) < 0) {
		log_err("negotiate: cannot set up the acceptor's environment");
		goto out;
	}
	if ((r = workers_start(AUTH_WORKERS)) < 0) {
		log_err("workers: %s", strerror(-r));
		goto out;
	}
	enumeration_init(&host_services);
	if (plugins_init_all(&host_services) < 0 || dispatch_build() < 0)
		goto out_workers;
	host_keep_done();
	/* bound, keys read: nothing from the network yet, drop */
	if (http_start() < 0 || privsep_drop() < 0)
		goto out_plugins;
	sd_notify(0, "READY=1");
	log_notice("winrmd %s ready", PACKAGE_VERSION);
	log_started();
	if ((r = reactor_run()) < 0)
		log_err("event loop: %s", strerror(-r));
	else
		rc = 0;
	W->stopping = true;
	spawn_adopt_orphans();
	http_quiesce();
out_plugins:
	/* PAM results come back first, then plugins answer what they hold */
	workers_stop();
	reactor_run_until(0, NULL);
	plugins_fini_all();
	kept = host_keep_hand_over();
	reactor_run_until(2000, nothing_pending);
	/* the rest of killed groups; kept commands stay (their keeper's) */
	spawn_reap_orphans(kept > 0 ? 0 : 1000);
	http_stop();
	dispatch_clear();
	cgroup_shutdown();
	nego_shutdown();
	log_counters();
	goto out;
out_workers:
	workers_stop();
	plugins_fini_all();
	dispatch_clear();
out:
	privsep_stop();
	reactor_watch_remove(sigwatch);
	reactor_fini();
	if (sfd >= 0)
		close(sfd);
	return rc;
}

int
main(int argc, char **argv)
{
	enum { OPT_LIST = 256, OPT_EXAMPLE, OPT_NTLM_PASSWD, OPT_NTLM_DELETE,
	    OPT_QUICKCONFIG };
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "test", no_argument, NULL, 't' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "list-operations", no_argument, NULL, OPT_LIST },
		{ "example-config", no_argument, NULL, OPT_EXAMPLE },
		{ "ntlm-passwd", required_argument, NULL, OPT_NTLM_PASSWD },
		{ "ntlm-delete", required_argument, NULL, OPT_NTLM_DELETE },
		{ "quickconfig", no_argument, NULL, OPT_QUICKCONFIG },
		{ NULL, 0, NULL, 0 },
	};
	static struct winrmd w;
	const char *path = DEFAULT_CONFIG;
	bool test = false, debug = false, list = false, path_given = false;
	bool example = false, quick = false;
	const char *ntlm_user = NULL;
	bool ntlm_delete = false;
	struct utsname u;
	char err[512];
	int c, rc, opened;

	/* a login session's helper (session.c), not the daemon */
	if (argc > 1 && strcmp(argv[1], SESSION_HELPER_ARG) == 0)
		return session_helper_main(argc, argv);
	/* a keeper of commands across a restart (keeper.c), not the daemon */
	if (argc > 1 && strcmp(argv[1], KEEPER_ARG) == 0)
		return keeper_main(argc, argv);
	W = &w;
	w.reload = reload;
	/*
	 * Replies and request bodies of a few hundred KiB come and go all
	 * the time: keep them in the heap rather than mmap/munmap (and page
	 * faults) for each one.
	 */
	mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 16 * 1024 * 1024);
	while ((c = getopt_long(argc, argv, "c:ftdhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			path_given = true;
			break;
		case 'f':
			w.foreground = true;
			break;
		case 't':
			test = true;
			break;
		case 'd':
			debug = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("winrmd %s\n", PACKAGE_VERSION);
			return 0;
		case OPT_LIST:
			list = true;
			break;
		case OPT_EXAMPLE:
			example = true;
			break;
		case OPT_QUICKCONFIG:
			quick = true;
			break;
		case OPT_NTLM_PASSWD:
		case OPT_NTLM_DELETE:
			ntlm_user = optarg;
			ntlm_delete = c == OPT_NTLM_DELETE;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "winrmd: unexpected argument %s\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	/* where a failed start says why, before the file gives the level */
	log_init(w.foreground || test || list || example || quick ||
	    ntlm_user != NULL, LOG_INFO);
	if (gethostname(w.hostname, sizeof(w.hostname) - 1) < 0)
		snprintf(w.hostname, sizeof(w.hostname), "localhost");
	if (quick)
		return quickconfig_run(path, w.hostname);
	/* without -c, a missing default file means: all defaults */
	if (!path_given && access(path, F_OK) < 0)
		path = NULL;
	/* the daemon's sections; the plugins' wait for their plugins */
	if ((w.cfg = config_parse(path, err, sizeof(err))) == NULL) {
		log_fatal("%s", err);
		return 1;
	}
	w.config_path = path;
	if (ntlm_user != NULL) {
		rc = ntlm_passwd(conf_s(w.cfg, CK_AUTH_NTLM_USER_FILE), ntlm_user,
		    ntlm_delete);
		config_free(w.cfg);
		return rc;
	}
	log_init(w.foreground || test || list || example, debug ? LOG_DEBUG :
	    log_level_parse(conf_s(w.cfg, CK_SERVICE_LOG_LEVEL)));
	if (uname(&u) == 0) {
		unsigned a = 0, b = 0, p = 0;

		sscanf(u.release, "%u.%u.%u", &a, &b, &p);
		snprintf(w.os_version, sizeof(w.os_version), "%u.%u.%u", a, b, p);
	}
	soap_init();
	/*
	 * -t and --example-config go on without a plugin that cannot be
	 * loaded (logged), to check or list what they can
	 */
	if (check_plugin_dir(w.cfg) < 0 && !test && !example)
		opened = -1;
	else
		opened = plugins_open_all(w.cfg, test || example);
	if (opened < 0 && !test && !example)
		rc = 1;
	else if (plugins_settings(w.cfg, err, sizeof(err)) < 0) {
		log_fatal("%s%s", err, opened < 0 ?
		    " (a plugin that could not be loaded may declare it)" : "");
		rc = 1;
	} else if (example) {
		config_write_example(stdout, w.cfg);
		rc = 0;
	} else if (opened < 0)
		rc = 1;
	else if (test)
		rc = check_only(w.cfg);
	else if (list)
		rc = list_operations();
	else if (check_tls(w.cfg, false) < 0)
		rc = 1;
	else
		rc = serve();
	plugins_fini_all();
	config_free(w.cfg);
	soap_cleanup();
	return rc;
}
