/*
 * quickconfig.c: `winrmd --quickconfig', the counterpart of Windows'
 * `winrm quickconfig -transport:https': makes this host ready for WinRM
 * clients over HTTPS, and says what it changed.
 *
 *   configuration  HTTPS on every address ([Listener] Address = *,
 *                  HTTPSPort), Basic authentication through PAM, nothing
 *                  unencrypted.  A missing file is written (HTTP off); in
 *                  an existing one only the keys that say otherwise are
 *                  set, in place, the rest of the file untouched
 *   certificate    created self-signed when there is none (tls.c), checked
 *                  when there is (startcheck.c); its thumbprint printed
 *   service        enabled and started through systemctl, or restarted
 *                  when the listener changed (restart-only keys), where
 *                  systemd runs; otherwise said so
 *   firewall       ufw or firewalld, where active: the HTTPS port opened,
 *                  through the service definitions the package ships
 *
 * Idempotent: a second run changes nothing and says so.  The commands are
 * found on PATH (the tests put stand-ins there); the paths are the
 * configuration's.
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf_edit.h"
#include "config.h"
#include "log.h"
#include "quickconfig.h"
#include "startcheck.h"
#include "tls.h"

#define HTTPS_DEFAULT	5986
#define UFW_APP		"winrmd-https"
#define FIREWALLD_SVC	"winrmd-https"

static int changes;

static void
say(const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("%-13s ", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/*
 * Runs argv (found on PATH), its stdout into out (may be NULL), stderr
 * discarded.  The exit status, or -1 if it could not be started.
 */
static int
run(const char *const argv[], char *out, size_t outlen)
{
	int p[2], st;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fflush(stdout);
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(p[1], STDOUT_FILENO);
		if (null >= 0) {
			dup2(null, STDERR_FILENO);
			dup2(null, STDIN_FILENO);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	while ((r = read(p[0], out ? out + n : (char[256]){ 0 },
	    out ? outlen - 1 - n : 256)) > 0 || (r < 0 && errno == EINTR))
		if (r > 0 && out != NULL && (n += (size_t)r) >= outlen - 1)
			break;
	if (out != NULL)
		out[n] = '\0';
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) == 127)
		return -1;
	return WEXITSTATUS(st);
}

/* ------------------------------------------------------------- config */

/* a key quick_config sets, with its value */
struct want {
	const char	*section;
	const char	*key;
	char		 value[64];
};

/* the wanted keys set in text (conf_edit.c), a new string or NULL */
static char *
edit_text(const char *text, const struct want *w, size_t nw)
{
	struct conf_set set[8];

	for (size_t i = 0; i < nw && i < 8; i++)
		set[i] = (struct conf_set){ w[i].section, w[i].key, w[i].value };
	return nw > 8 ? NULL : conf_edit_text(text, set, nw);
}

/* writes text to path atomically, with the old file's mode and owner */
static int
write_file(const char *path, const char *text, mode_t mode)
{
	char err[512];

	return conf_file_write(path, text, mode, NULL, NULL, err, sizeof(err));
}

/* the port of the first enabled HTTPS listener, 0 if none */
static unsigned
https_port(const struct config *cfg)
{
	for (size_t i = 0; i < cfg->nlisteners; i++)
		if (cfg->listeners[i].tls && cfg->listeners[i].enabled)
			return cfg->listeners[i].port;
	return 0;
}

static bool
all_addresses(const struct config *cfg)
{
	char *const *a = conf_list(cfg, CK_LISTENER_ADDRESS);

	for (size_t i = 0; a != NULL && a[i] != NULL; i++)
		if (strcmp(a[i], "*") == 0)
			return true;
	return false;
}

/* 1 changed, 0 unchanged, -1 failed; *cfgp: the resulting configuration */
static int
quick_config(const char *path, struct config **cfgp, bool *listener_changed)
{
	struct want w[4];
	size_t nw = 0;
	struct config *cfg;
	char err[512], *text, *edited;
	struct stat st;

	*listener_changed = false;
	if (stat(path, &st) < 0 && errno == ENOENT) {
		char dir[PATH_MAX], *slash;
		time_t now = time(NULL);
		char stamp[32], crt[PATH_MAX + 16], *tls;

		strftime(stamp, sizeof(stamp), "%Y-%m-%d", gmtime(&now));
		snprintf(dir, sizeof(dir), "%s", path);
		if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
			*slash = '\0';
			if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
				say("config:", "cannot create %s: %s", dir,
				    strerror(errno));
				return -1;
			}
		}
		/* the certificate beside the file (the default for the default) */
		snprintf(crt, sizeof(crt), "%s/winrmd.crt", slash == NULL ? "." :
		    slash == dir ? "" : dir);
		if (strcmp(crt, conf_defs[CK_LISTENER_CERT_FILE].def) == 0)
			tls = strdup("");
		else if (asprintf(&tls, "CertificateFile = %s\nKeyFile = %.*s.key\n",
		    crt, (int)(strlen(crt) - 4), crt) < 0)
			tls = NULL;
		if (tls == NULL)
			return -1;
		if (asprintf(&text,
		    "# Written by winrmd --quickconfig on %s: HTTPS on every\n"
		    "# address, Basic authentication through PAM.  Every key, "
		    "with its default:\n# winrmd --example-config; winrmd.conf(5)."
		    "\n\n[Listener]\nAddress = *\n"
		    "# HTTP off: Basic is refused over it, and Negotiate needs a "
		    "keytab\nHTTPPort = 0\nHTTPSPort = %d\n%s\n[Service]\n"
		    "AllowUnencrypted = false\n\n[Auth]\nBasic = true\n"
		    "PamService = winrm\n", stamp, HTTPS_DEFAULT, tls) < 0) {
			free(tls);
			return -1;
		}
		free(tls);
		if (write_file(path, text, 0644) < 0) {
			say("config:", "cannot write %s: %s", path,
			    strerror(errno));
			free(text);
			return -1;
		}
		free(text);
		say("config:", "%s written: HTTPS on port %d on every address, "
		    "Basic through PAM (service winrm), HTTP off", path,
		    HTTPS_DEFAULT);
		*listener_changed = true;
		return (*cfgp = config_parse(path, err, sizeof(err))) ? 1 : -1;
	}
	if ((cfg = config_parse(path, err, sizeof(err))) == NULL) {
		say("config:", "%s cannot be used, nothing changed: %s", path,
		    err);
		return -1;
	}
	/* [Listener NAME] sections say where to listen: left as they are */
	if (cfg->nlsec > 0 && https_port(cfg) == 0) {
		say("config:", "%s: no [Listener NAME] section is an enabled "
		    "HTTPS listener: add one (winrmd.conf(5)); nothing "
		    "changed", path);
		config_free(cfg);
		return -1;
	}
	if (cfg->nlsec == 0 && !all_addresses(cfg))
		w[nw++] = (struct want){ "Listener", "Address", "*" };
	if (cfg->nlsec == 0 && conf_u(cfg, CK_LISTENER_HTTPS_PORT) == 0) {
		w[nw] = (struct want){ "Listener", "HTTPSPort", "" };
		snprintf(w[nw++].value, sizeof(w[0].value), "%d", HTTPS_DEFAULT);
	}
	*listener_changed = nw > 0;
	if (!conf_b(cfg, CK_AUTH_BASIC))
		w[nw++] = (struct want){ "Auth", "Basic", "true" };
	if (conf_b(cfg, CK_SERVICE_ALLOW_UNENCRYPTED))
		w[nw++] = (struct want){ "Service", "AllowUnencrypted", "false" };
	if (nw == 0) {
		say("config:", "%s unchanged: HTTPS on port %u %s, Basic "
		    "through PAM (service %s)", path, https_port(cfg),
		    cfg->nlsec > 0 ? "(and the other [Listener NAME] "
		    "sections)" : "on every address",
		    conf_s(cfg, CK_AUTH_PAM_SERVICE));
		*cfgp = cfg;
		return 0;
	}
	config_free(cfg);
	if ((text = conf_file_read(path)) == NULL ||
	    (edited = edit_text(text, w, nw)) == NULL) {
		say("config:", "cannot read %s: %s", path, strerror(errno));
		free(text);
		return -1;
	}
	free(text);
	/* the result must be a file the daemon takes */
	if (write_file(path, edited, st.st_mode & 07777) < 0) {
		say("config:", "cannot write %s: %s", path, strerror(errno));
		free(edited);
		return -1;
	}
	free(edited);
	for (size_t i = 0; i < nw; i++)
		say("config:", "%s: [%s] %s = %s", path, w[i].section, w[i].key,
		    w[i].value);
	if ((*cfgp = config_parse(path, err, sizeof(err))) == NULL) {
		say("config:", "%s after the change: %s", path, err);
		return -1;
	}
	return 1;
}

/* ------------------------------------------------------- certificate */

static int
quick_certificate(const struct config *cfg, const char *hostname)
{
	const char *cf = conf_s(cfg, CK_LISTENER_CERT_FILE);
	const char *kf = conf_s(cfg, CK_LISTENER_KEY_FILE);
	bool existed = access(cf, F_OK) == 0 || access(kf, F_OK) == 0;
	char *cert = NULL, *key = NULL, thumb[41];
	int r;

	if (existed && check_tls(cfg, false) < 0) {
		say("certificate:", "%s and %s cannot be used (logged above): "
		    "fix or remove them", cf, kf);
		return -1;
	}
	r = tls_load_or_create(cf, kf, hostname, &cert, &key);
	if (r == 0 && tls_thumbprint(cert, thumb) == 0)
		say("certificate:", "%s %s, SHA-1 thumbprint %s", cf,
		    existed ? "unchanged" : "created (self-signed)", thumb);
	free(cert);
	if (key != NULL)
		explicit_bzero(key, strlen(key));
	free(key);
	if (r < 0) {
		say("certificate:", "cannot create or read %s and %s", cf, kf);
		return -1;
	}
	return existed ? 0 : 1;
}

/* ----------------------------------------------------------- service */

static int
quick_service(bool restart)
{
	char out[256] = "";
	const char *const state[] = { "systemctl", "is-system-running", NULL };
	const char *const enabled[] = { "systemctl", "is-enabled", "winrmd.service", NULL };
	const char *const active[] = { "systemctl", "is-active", "winrmd.service", NULL };
	const char *const enable[] = { "systemctl", "enable", "--now", "winrmd.service", NULL };
	const char *const restart_cmd[] = { "systemctl", "restart", "winrmd.service", NULL };
	bool was_enabled, was_active;

	/* offline: systemctl is there but systemd is not PID 1 */
	if (run(state, out, sizeof(out)) < 0 || out[0] == '\0' ||
	    strncmp(out, "offline", 7) == 0 || strncmp(out, "unknown", 7) == 0) {
		say("service:", "systemd is not running here: start winrmd "
		    "yourself (winrmd -c FILE), and at boot");
		return 0;
	}
	was_enabled = run(enabled, NULL, 0) == 0;
	was_active = run(active, NULL, 0) == 0;
	if (!was_enabled || !was_active) {
		if (run(enable, NULL, 0) != 0) {
			say("service:", "systemctl enable --now winrmd.service "
			    "failed: see systemctl status winrmd");
			return -1;
		}
		say("service:", "winrmd.service %s", was_enabled ? "started" :
		    was_active ? "enabled" : "enabled and started");
		return 1;
	}
	if (restart) {
		if (run(restart_cmd, NULL, 0) != 0) {
			say("service:", "systemctl restart winrmd.service failed");
			return -1;
		}
		say("service:", "winrmd.service restarted (the listener "
		    "changed)");
		return 1;
	}
	say("service:", "winrmd.service unchanged: enabled and running");
	return 0;
}

/* ---------------------------------------------------------- firewall */

static int
quick_ufw(unsigned port)
{
	char out[8192] = "", rule[64];
	const char *const status[] = { "ufw", "status", NULL };
	const char *allow[] = { "ufw", "allow", rule, NULL };

	if (run(status, out, sizeof(out)) < 0)
		return -2;		/* no ufw */
	if (strstr(out, "Status: active") == NULL) {
		say("firewall:", "ufw is not active: nothing to open there");
		return 0;
	}
	/* the shipped application profile names the default port */
	if (port == HTTPS_DEFAULT)
		snprintf(rule, sizeof(rule), "%s", UFW_APP);
	else
		snprintf(rule, sizeof(rule), "%u/tcp", port);
	for (char *l = out; l != NULL && *l != '\0';) {
		size_t rl = strlen(rule);
		char *nl = strchr(l, '\n');

		if (strncmp(l, rule, rl) == 0 && (l[rl] == ' ' || l[rl] == '\t') &&
		    strstr(l, "ALLOW") != NULL && (nl == NULL || strstr(l, "ALLOW") < nl)) {
			say("firewall:", "ufw unchanged: %s is allowed", rule);
			return 0;
		}
		l = nl ? nl + 1 : NULL;
	}
	if (run(allow, NULL, 0) != 0) {
		say("firewall:", "ufw allow %s failed", rule);
		return -1;
	}
	say("firewall:", "ufw: allowed %s (%u/tcp)", rule, port);
	return 1;
}

static int
quick_firewalld(unsigned port)
{
	char out[256] = "", what[64], name[48];
	const char *const state[] = { "firewall-cmd", "--state", NULL };
	const char *query[] = { "firewall-cmd", "--permanent", what, NULL };
	const char *add[] = { "firewall-cmd", "--permanent", what, NULL };
	const char *const reload[] = { "firewall-cmd", "--reload", NULL };
	int r;

	if ((r = run(state, out, sizeof(out))) < 0)
		return -2;		/* no firewalld */
	if (r != 0 || strncmp(out, "running", 7) != 0) {
		say("firewall:", "firewalld is not running: nothing to open "
		    "there");
		return 0;
	}
	/* the shipped service names the default port */
	if (port == HTTPS_DEFAULT)
		snprintf(name, sizeof(name), "service %s", FIREWALLD_SVC);
	else
		snprintf(name, sizeof(name), "port %u/tcp", port);
	snprintf(what, sizeof(what), "--query-%s", name);
	what[strcspn(what, " ")] = '=';
	if (run(query, NULL, 0) == 0) {
		say("firewall:", "firewalld unchanged: %s is allowed", name);
		return 0;
	}
	snprintf(what, sizeof(what), "--add-%s", name);
	what[strcspn(what, " ")] = '=';
	if (run(add, NULL, 0) != 0 || run(reload, NULL, 0) != 0) {
		say("firewall:", "firewall-cmd --permanent %s failed", what);
		return -1;
	}
	say("firewall:", "firewalld: allowed %s (%u/tcp), reloaded", name, port);
	return 1;
}

static int
quick_firewall(unsigned port)
{
	int u = quick_ufw(port), f = quick_firewalld(port);

	if (u == -2 && f == -2)
		say("firewall:", "neither ufw nor firewalld is installed: "
		    "open %u/tcp in your firewall", port);
	if (u == -1 || f == -1)
		return -1;
	return (u == 1) + (f == 1);
}

int
quickconfig_run(const char *path, const char *hostname)
{
	struct config *cfg = NULL;
	bool listener_changed;
	int r, rc = 0;

	changes = 0;
	if ((r = quick_config(path, &cfg, &listener_changed)) < 0)
		return 1;
	changes += r;
	if ((r = quick_certificate(cfg, hostname)) < 0)
		rc = 1;
	else
		changes += r;
	if (rc == 0) {
		if ((r = quick_service(listener_changed)) < 0)
			rc = 1;
		else
			changes += r;
	}
	if ((r = quick_firewall(https_port(cfg))) < 0)
		rc = 1;
	else
		changes += r;
	config_free(cfg);
	if (rc == 0)
		say("quickconfig:", changes ? "done: %d change(s)" :
		    "nothing to change: this host is set up for WinRM over "
		    "HTTPS", changes);
	return rc;
}
