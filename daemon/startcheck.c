/*
 * startcheck.c: what `winrmd -t' checks beyond the file's syntax, as `sshd -t'
 * does: that the start will find what it needs.  The certificate and key
 * of each HTTPS listener (found by thumbprint when it names one) load and
 * belong together (tls_creds.c's check, the one the
 * start and a reload make) and the key is readable by its owner only; the client CAs of
 * [Auth] Certificate load; the plugin directory
 * exists; the CIM providers the file names load.  The start runs the TLS
 * part too, so that a broken pair fails there with the same reason rather
 * than inside libmicrohttpd.  Every failure is logged at error level with
 * its real reason.
 */
#include "build.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "startcheck.h"
#include "tls.h"
#include "tls_creds.h"
#include "config.h"
#include "log.h"

/* both files exist: they load and match (tls_creds.c), the key is private */
static int
check_pair(const char *cert, const char *key)
{
	struct stat st;

	if (stat(key, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_err("tls: KeyFile %s is not a regular file", key);
		return -1;
	}
	if (st.st_mode & 077) {
		log_err("tls: KeyFile %s is readable by its group or others "
		    "(mode %04o): refused; chmod 600 %s", key,
		    (unsigned)(st.st_mode & 07777), key);
		return -1;
	}
	return tls_creds_check(cert, key);
}

/* a pair of files: both exist and load, or neither (created at start) */
static int
check_files(const char *cert, const char *key, bool test)
{
	bool have_cert = access(cert, F_OK) == 0;
	bool have_key = access(key, F_OK) == 0;

	if (!have_cert && !have_key) {
		if (test)
			log_notice("tls: %s and %s do not exist yet: the start "
			    "creates a self-signed pair", cert, key);
		return 0;
	}
	if (!have_cert || !have_key) {
		log_err("tls: %s %s does not exist but %s %s does: a "
		    "self-signed pair is created only when both are missing",
		    have_cert ? "KeyFile" : "CertificateFile",
		    have_cert ? key : cert, have_cert ? "CertificateFile" :
		    "KeyFile", have_cert ? cert : key);
		return -1;
	}
	return check_pair(cert, key);
}

/*
 * Each enabled HTTPS listener's certificate: its files, or the one of
 * CertificateDirectory with its thumbprint; a pair several listeners
 * share is checked once.
 */
int
check_tls(const struct config *cfg, bool test)
{
	int rc = 0;

	for (size_t i = 0; i < cfg->nlisteners; i++) {
		const struct conf_listener *l = &cfg->listeners[i];
		char *cert = NULL, *key = NULL;
		bool seen = false;

		if (!l->tls || !l->enabled)
			continue;
		if (l->thumbprint[0] != '\0') {
			if (tls_find_thumbprint(conf_s(cfg,
			    CK_LISTENER_CERT_DIR), l->thumbprint, &cert,
			    &key) < 0 || check_pair(cert, key) < 0) {
				log_err("tls: [Listener %s] CertificateThumbprint "
				    "%s cannot be used", l->name, l->thumbprint);
				rc = -1;
			}
			free(cert);
			free(key);
			continue;
		}
		for (size_t j = 0; j < i; j++)
			seen |= cfg->listeners[j].tls &&
			    cfg->listeners[j].enabled &&
			    cfg->listeners[j].cert_file != NULL &&
			    strcmp(cfg->listeners[j].cert_file, l->cert_file) ==
			    0 && strcmp(cfg->listeners[j].key_file, l->key_file) ==
			    0;
		if (!seen && check_files(l->cert_file, l->key_file, test) < 0)
			rc = -1;
	}
	return rc;
}

static int
check_dir(const char *what, const char *dir)
{
	struct stat st;

	if (stat(dir, &st) < 0) {
		log_err("%s %s: %s", what, dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_err("%s %s: not a directory", what, dir);
		return -1;
	}
	return 0;
}

/* does the list (blanks or commas between names) hold a bare name? */
static bool
has_bare_name(const char *list)
{
	for (const char *p = list; p != NULL && *p != '\0';) {
		size_t len;

		p += strspn(p, " \t,");
		if ((len = strcspn(p, " \t,")) == 0)
			break;
		if (*p != '/')
			return true;
		p += len;
	}
	return false;
}

/*
 * The cim plugin's [CIM] Providers: each one dlopen()s and has its entry
 * point (the plugin itself checks the ABI when it starts, and skips what
 * it cannot use; -t says so first)
 */
static int
check_providers(const struct config *cfg)
{
	const struct conf_value *list = config_find(cfg, "CIM", "Providers");
	const struct conf_value *dir = config_find(cfg, "CIM",
	    "ProviderDirectory");
	int rc = 0;

	if (list == NULL || dir == NULL)	/* cim is not loaded */
		return 0;
	if (has_bare_name(list->s) &&
	    check_dir("[CIM] ProviderDirectory", dir->s) < 0)
		return -1;
	for (const char *p = list->s; *p != '\0';) {
		char path[PATH_MAX];
		size_t len;
		void *h;

		p += strspn(p, " \t,");
		if ((len = strcspn(p, " \t,")) == 0)
			break;
		if (*p == '/')
			snprintf(path, sizeof(path), "%.*s", (int)len, p);
		else
			snprintf(path, sizeof(path), "%s/%.*s.so", dir->s,
			    (int)len, p);
		p += len;
		if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
			log_err("[CIM] Providers: %s", dlerror());
			rc = -1;
			continue;
		}
		if (dlsym(h, "winrmd_provider_entry") == NULL) {
			log_err("[CIM] Providers: %s has no "
			    "winrmd_provider_entry: not a CIM provider", path);
			rc = -1;
		}
		dlclose(h);
	}
	return rc;
}

int
check_plugin_dir(const struct config *cfg)
{
	if (has_bare_name(conf_s(cfg, CK_PLUGINS_LOAD)) &&
	    check_dir("[Plugins] Directory", conf_s(cfg,
	    CK_PLUGINS_DIRECTORY)) < 0)
		return -1;
	return 0;
}

/* [Auth] Certificate on HTTPS: the client CAs load (GnuTLS, as the start) */
static int
check_client_ca(const struct config *cfg)
{
	const char *ca = conf_s(cfg, CK_AUTH_CLIENT_CA_FILE);
	gnutls_certificate_credentials_t cred;
	bool https = false;
	int n;

	for (size_t i = 0; i < cfg->nlisteners; i++)
		https |= cfg->listeners[i].tls && cfg->listeners[i].enabled;
	if (!conf_b(cfg, CK_AUTH_CERTIFICATE) || !https)
		return 0;
	if (ca[0] == '\0') {
		log_err("[Auth] Certificate = true needs ClientCAFile, the "
		    "authorities that issue client certificates");
		return -1;
	}
	if (access(ca, R_OK) < 0) {
		log_err("[Auth] ClientCAFile %s: %s", ca, strerror(errno));
		return -1;
	}
	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		log_err("tls: out of memory");
		return -1;
	}
	n = gnutls_certificate_set_x509_trust_file(cred, ca,
	    GNUTLS_X509_FMT_PEM);
	gnutls_certificate_free_credentials(cred);
	if (n <= 0) {
		log_err("[Auth] ClientCAFile %s holds no usable PEM certificate%s%s",
		    ca, n < 0 ? ": " : "", n < 0 ? gnutls_strerror(n) : "");
		return -1;
	}
	return 0;
}

int
check_start(const struct config *cfg)
{
	int rc = 0;

	if (check_tls(cfg, true) < 0 || check_client_ca(cfg) < 0)
		rc = -1;
	if (check_providers(cfg) < 0)
		rc = -1;
	return rc;
}
