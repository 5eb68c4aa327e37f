/*
 * provider.c: the IPMI provider's entry point, init and fini.
 *
 * init reads [IPMI] (conf.c) and never blocks: with a BMC it initialises
 * libipmimonitoring (once per process, before any thread) and starts the
 * BMC's worker thread, which makes no IPMI call until a request needs
 * one.  Without a BMC (none configured, none present, or a bad setting)
 * the classes are still registered: they enumerate empty and a Get
 * faults with the reason, which the log gives once, here.
 *
 * fini completes every waiting call, then stops the worker, waiting at
 * most FINI_WAIT_MS for a BMC call in progress; a worker still inside a
 * call then is detached (worker.c).  For that the provider's shared
 * object pins itself (RTLD_NODELETE) when it starts a worker: the cim
 * plugin's dlclose() then leaves the code mapped for as long as the
 * process lives, and a detached worker can finish its call safely.
 */
#define _GNU_SOURCE

#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ipmi.h"
#include "prov.h"

/*
 * Under privilege separation the daemon reads the BMC as the system user
 * winrmd once it has started (docs/DESIGN.md §8): the SDR cache, made
 * here as root, becomes that user's.
 */
static void
give_cache_dir(const struct winrmd_host *host, const char *dir)
{
	struct passwd *pw;

	if (geteuid() != 0 || !host->conf_bool("Service", "PrivilegeSeparation") ||
	    (pw = getpwnam("winrmd")) == NULL)
		return;
	if (chown(dir, pw->pw_uid, pw->pw_gid) < 0)
		host->log(WINRMD_LOG_WARNING, "ipmi: SDRCacheDirectory %s: "
		    "cannot give it to winrmd: %s", dir, strerror(errno));
}

#define FINI_WAIT_MS		500
#define DEFAULT_CACHE_S		5
#define DEFAULT_TIMEOUT_S	10

static const char *dev_dir = "/dev";

/* tests: where the kernel's IPMI device is looked for */
void
ipmi_set_dev_dir(const char *dir)
{
	dev_dir = dir ? dir : "/dev";
}

static void
pin_self(void)
{
	Dl_info info;

	if (dladdr((void *)ipmi_provider, &info) != 0 && info.dli_fname != NULL)
		(void)dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD |
		    RTLD_NODELETE);
}

/* [IPMI] AdminGroups -> gids; names that do not exist are logged */
static void
admin_groups(struct ipmi_prov *p)
{
	const struct winrmd_host *host = p->svc->host;
	const char *list = host->conf_str("IPMI", "AdminGroups");
	size_t len, buflen = 4096;
	char *buf = NULL;

	for (const char *s = list ? list : ""; *s != '\0'; s += len) {
		struct group gr, *res = NULL;
		char name[256];
		gid_t *v;
		int rc;

		s += strspn(s, " \t,");
		if ((len = strcspn(s, " \t,")) == 0)
			break;
		if (len >= sizeof(name))
			continue;
		memcpy(name, s, len);
		name[len] = '\0';
		for (;;) {
			char *nb = realloc(buf, buflen);

			if (nb == NULL) {
				rc = ENOMEM;
				break;
			}
			buf = nb;
			rc = getgrnam_r(name, &gr, buf, buflen, &res);
			if (rc != ERANGE || buflen >= 1024 * 1024)
				break;
			buflen *= 2;
		}
		if (rc != 0 || res == NULL) {
			host->log(WINRMD_LOG_WARNING, "ipmi: [IPMI] AdminGroups: "
			    "no group %s%s%s", name, rc ? ": " : "",
			    rc ? strerror(rc) : "");
			continue;
		}
		if ((v = reallocarray(p->admin, p->nadmin + 1,
		    sizeof(*v))) == NULL)
			break;
		p->admin = v;
		p->admin[p->nadmin++] = gr.gr_gid;
	}
	free(buf);
}

static uint64_t
seconds(const struct winrmd_host *host, const char *key, long long def)
{
	long long v = host->conf_int("IPMI", key);

	return (uint64_t)(v < 0 ? def : v) * 1000u;
}

static const char *const privs[] = { "user", "operator", "admin" };

static int
ipmi_init(const struct cim_services *svc, void **ret_state)
{
	const struct winrmd_host *host;
	struct ipmi_prov *p;
	char err[IPMI_ERR_MAX];
	int driver;

	*ret_state = NULL;
	if (svc == NULL || svc->abi != WINRMD_PROVIDER_ABI ||
	    svc->size < sizeof(struct cim_services))
		return -EINVAL;
	host = svc->host;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -ENOMEM;
	p->svc = svc;
	p->requested_state = 5;		/* No Change */
	p->cache_ms = seconds(host, "CacheSeconds", DEFAULT_CACHE_S);
	p->timeout_ms = seconds(host, "TimeoutSeconds", DEFAULT_TIMEOUT_S);
	if (p->timeout_ms == 0)
		p->timeout_ms = 1000;
	admin_groups(p);
	driver = ipmi_conf_load(host, dev_dir, &p->conf, p->why, sizeof(p->why));
	if (driver < 0) {
		host->log(WINRMD_LOG_ERR, "ipmi: %s: no BMC is read; the IPMI "
		    "classes (root/hardware) are empty", p->why);
	} else if (driver == BMC_NONE) {
		host->log(WINRMD_LOG_NOTICE, "ipmi: no BMC: %s; the IPMI "
		    "classes (root/hardware) are empty", p->why);
	} else {
		struct utsname u;
		int r;

		if (driver == BMC_LAN) {
			snprintf(p->system_name, sizeof(p->system_name), "%s",
			    p->conf.host);
			snprintf(p->bmc_label, sizeof(p->bmc_label), "BMC %s",
			    p->conf.host);
		} else {
			snprintf(p->system_name, sizeof(p->system_name), "%s",
			    uname(&u) == 0 ? u.nodename : "localhost");
			snprintf(p->bmc_label, sizeof(p->bmc_label),
			    "the local BMC");
		}
		if ((r = ipmi_make_cache_dir(p->conf.sdr_dir)) < 0)
			host->log(WINRMD_LOG_WARNING, "ipmi: SDRCacheDirectory "
			    "%s: %s", p->conf.sdr_dir, strerror(-r));
		else
			give_cache_dir(host, p->conf.sdr_dir);
		if (ipmi_backend() == &ipmi_freeipmi_backend &&
		    ipmi_library_init(err, sizeof(err)) < 0) {
			snprintf(p->why, sizeof(p->why), "%s", err);
			host->log(WINRMD_LOG_ERR, "ipmi: %s: no BMC is read", err);
		} else {
			pin_self();
			p->worker = ipmi_worker_start(svc, &p->conf,
			    ipmi_deliver, p, err, sizeof(err));
			if (p->worker == NULL) {
				snprintf(p->why, sizeof(p->why), "%s", err);
				host->log(WINRMD_LOG_ERR, "ipmi: cannot start the "
				    "BMC's thread: %s", err);
			}
		}
		if (p->worker != NULL && driver == BMC_LAN)
			host->log(WINRMD_LOG_INFO, "ipmi: %s over IPMI %s LAN, "
			    "user %s, privilege %s%s%u, cache %llu s, timeout "
			    "%llu s", p->bmc_label, p->conf.ipmi20 ? "2.0" :
			    "1.5", p->conf.user[0] ? p->conf.user : "(none)",
			    privs[p->conf.privilege], p->conf.ipmi20 ?
			    ", cipher suite " : "", p->conf.ipmi20 ?
			    p->conf.cipher_suite : 0,
			    (unsigned long long)p->cache_ms / 1000,
			    (unsigned long long)p->timeout_ms / 1000);
		else if (p->worker != NULL)
			host->log(WINRMD_LOG_INFO, "ipmi: %s (in-band), cache "
			    "%llu s, timeout %llu s", p->bmc_label,
			    (unsigned long long)p->cache_ms / 1000,
			    (unsigned long long)p->timeout_ms / 1000);
	}
	/* the password is the worker's now (or of no use) */
	explicit_bzero(p->conf.password, sizeof(p->conf.password));
	*ret_state = p;
	return 0;
}

static void
ipmi_fini(void *state)
{
	struct ipmi_prov *p = state;

	if (p == NULL)
		return;
	ipmi_waiters_abort(p);
	if (p->worker != NULL && !ipmi_worker_stop(p->worker, FINI_WAIT_MS))
		p->svc->host->log(WINRMD_LOG_WARNING, "ipmi: %s is still busy "
		    "with a call: its thread is left to finish it",
		    p->bmc_label);
	p->worker = NULL;
	for (int k = 0; k < JOB_DATA_KINDS; k++)
		ipmi_data_clear(&p->data[k]);
	free(p->admin);
	free(p);
}

static const struct cim_class *const ipmi_classes[] = {
	&ipmi_numeric_sensor_class,
	&ipmi_sensor_class,
	&ipmi_record_log_class,
	&ipmi_log_record_class,
	&ipmi_computer_system_class,
	NULL
};

#define R	WINRMD_SETTING_RESTART	/* [IPMI] is read when the provider starts */

static const struct winrmd_setting ipmi_settings[] = {
	{ "IPMI", "Driver", WINRMD_SETTING_ENUM, "auto", 0, 0, "auto|inband|lan",
	  "the BMC: auto (the local one if /dev/ipmi0 exists, else Host if "
	  "set, else none), inband, or lan (Host)", R },
	{ "IPMI", "Host", WINRMD_SETTING_STRING, "", 0, 0, NULL,
	  "the BMC on the network: host:port or [IPv6]:port (port 623 if "
	  "none)", R },
	{ "IPMI", "User", WINRMD_SETTING_STRING, "", 0, 0, NULL,
	  "BMC user for Host (empty: anonymous)", R },
	{ "IPMI", "Password", WINRMD_SETTING_STRING, "", 0, 0, NULL,
	  "BMC password for Host; never logged: keep this file unreadable to "
	  "others", R },
	{ "IPMI", "Protocol", WINRMD_SETTING_ENUM, "2.0", 0, 0, "2.0|1.5",
	  "IPMI version on the network: 2.0 (RMCP+) or 1.5", R },
	{ "IPMI", "CipherSuite", WINRMD_SETTING_UINT, "3", 0, 17, NULL,
	  "IPMI 2.0 cipher suite (3: SHA1 and AES, 17: SHA256 and AES)", R },
	{ "IPMI", "PrivilegeLevel", WINRMD_SETTING_ENUM, "user", 0, 0,
	  "user|operator|admin",
	  "session privilege; power control needs operator or admin", R },
	{ "IPMI", "WorkaroundFlags", WINRMD_SETTING_LIST, "", 0, 0, NULL,
	  "FreeIPMI workarounds for odd BMCs (ipmi-sensors -W): opensesspriv, "
	  "authcap, intel20, supermicro20, sun20, ...", R },
	{ "IPMI", "CacheSeconds", WINRMD_SETTING_UINT, "5", 0, 3600, NULL,
	  "readings this young are answered from the cache (0: ask the BMC "
	  "each time)", R },
	{ "IPMI", "TimeoutSeconds", WINRMD_SETTING_UINT, "10", 1, 300, NULL,
	  "a BMC that does not answer within this many seconds makes the "
	  "request fault", R },
	{ "IPMI", "SDRCacheDirectory", WINRMD_SETTING_STRING,
	  "/var/cache/winrmd/ipmi", 0, 0, NULL, "where the BMC's sensor "
	  "records (SDR) are cached; created with mode 0700", R },
	{ "IPMI", "AdminGroups", WINRMD_SETTING_LIST, "", 0, 0, NULL,
	  "members of these groups may switch the power (CIM_ComputerSystem "
	  "RequestStateChange); empty: nobody", R },
	{ NULL },
};

#undef R

static const struct cim_provider ipmi_def = {
	.abi = WINRMD_PROVIDER_ABI,
	.size = sizeof(struct cim_provider),
	.name = "ipmi",
	.version = "1.0",
	.init = ipmi_init,
	.fini = ipmi_fini,
	.classes = ipmi_classes,
	.settings = ipmi_settings,
};

const struct cim_provider *
ipmi_provider(void)
{
	return &ipmi_def;
}

const struct cim_provider *
winrmd_provider_entry(void)
{
	return &ipmi_def;
}
