/*
 * conf.c: [IPMI] -> struct bmc_conf.  Credentials come from the
 * configuration file only, never from a request.  Driver = auto picks the
 * local BMC when the kernel's IPMI device exists (ipmi_si + ipmi_devintf:
 * /dev/ipmi0, /dev/ipmi/0 or /dev/ipmidev/0), else the LAN BMC of Host,
 * else none: the classes are then empty.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipmi.h"

#define DEFAULT_SDR_DIR		"/var/cache/winrmd/ipmi"
#define DEFAULT_TIMEOUT_S	10
#define DEFAULT_CIPHER		3

int
ipmi_privilege(const char *s)
{
	if (s == NULL || s[0] == '\0' || strcasecmp(s, "user") == 0)
		return 0;
	if (strcasecmp(s, "operator") == 0)
		return 1;
	if (strcasecmp(s, "admin") == 0 || strcasecmp(s, "administrator") == 0)
		return 2;
	return -1;
}

int
ipmi_host_port(const char *host, char *buf, size_t len)
{
	const char *colon;
	int n;

	while (*host == ' ' || *host == '\t')
		host++;
	if (host[0] == '\0')
		return -1;
	colon = strchr(host, ':');
	if (host[0] == '[') {
		const char *close = strchr(host, ']');

		if (close == NULL || close == host + 1)
			return -1;
		if (close[1] == ':' && close[2] != '\0')
			n = snprintf(buf, len, "%s", host);
		else if (close[1] == '\0')
			n = snprintf(buf, len, "%s:623", host);
		else
			return -1;
	} else if (colon != NULL && strchr(colon + 1, ':') != NULL) {
		/* a bare IPv6 address */
		n = snprintf(buf, len, "[%s]:623", host);
	} else if (colon != NULL) {
		if (colon == host || colon[1] == '\0' ||
		    strspn(colon + 1, "0123456789") != strlen(colon + 1))
			return -1;
		n = snprintf(buf, len, "%s", host);
	} else {
		/* FreeIPMI takes "localhost" and "127.0.0.1" without a port
		 * for the in-band BMC: a LAN host always gets one */
		n = snprintf(buf, len, "%s:623", host);
	}
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
ipmi_workarounds(const char *list, bool lan, bool ipmi20, unsigned *ret,
    char *bad, size_t badlen)
{
	static const struct { const char *name; unsigned flag; int when; }
	    words[] = {
		/* when: 1 LAN 1.5, 2 LAN 2.0, 3 either, 4 in-band */
		{ "authcap", 0x01, 3 },
		{ "idzero", 0x02, 1 },
		{ "forcepermsg", 0x04, 1 },
		{ "unexpectedauth", 0x08, 1 },
		{ "endianseq", 0x10, 1 },
		{ "noauthcodecheck", 0x20, 1 },
		{ "intel20", 0x02, 2 },
		{ "supermicro20", 0x04, 2 },
		{ "sun20", 0x08, 2 },
		{ "opensesspriv", 0x10, 2 },
		{ "integritycheckvalue", 0x20, 2 },
		{ "nochecksumcheck", 0x40, 3 },
		{ "assumeio", 0x01, 4 },
		{ "spinpoll", 0x02, 4 },
	};
	int want = !lan ? 4 : ipmi20 ? 2 : 1;
	const char *p = list ? list : "";

	*ret = 0;
	while (*p != '\0') {
		size_t len, i;

		p += strspn(p, " \t,");
		if ((len = strcspn(p, " \t,")) == 0)
			break;
		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (strlen(words[i].name) == len &&
			    strncasecmp(words[i].name, p, len) == 0 &&
			    (words[i].when == want ||
			    (words[i].when == 3 && want != 4)))
				break;
		if (i < sizeof(words) / sizeof(words[0]))
			*ret |= words[i].flag;
		else if (!(len == 4 && strncasecmp(p, "none", 4) == 0)) {
			snprintf(bad, badlen, "%.*s", (int)len, p);
			return -1;
		}
		p += len;
	}
	return 0;
}

int
ipmi_make_cache_dir(const char *dir)
{
	char path[4096];
	struct stat st;
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(path) || dir[0] != '/')
		return -EINVAL;
	memcpy(path, dir, len + 1);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	/* the parents: 0755, as /var/cache/<daemon> usually is */
	for (char *s = path + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			int e = errno;

			*s = '/';
			return -e;
		}
		*s = '/';
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_uid == geteuid() && (st.st_mode & 077) != 0 &&
	    chmod(path, 0700) < 0)
		return -errno;
	return 0;
}

static const char *
conf_s(const struct winrmd_host *host, const char *key, const char *def)
{
	const char *v = host->conf_str("IPMI", key);

	return v != NULL ? v : def;
}

static bool
device_exists(const char *dev_dir)
{
	static const char *const names[] = { "ipmi0", "ipmi/0", "ipmidev/0" };
	char path[4096];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dev_dir, names[i]);
		if (access(path, F_OK) == 0)
			return true;
	}
	return false;
}

int
ipmi_conf_load(const struct winrmd_host *host, const char *dev_dir,
    struct bmc_conf *c, char *why, size_t whylen)
{
	const char *driver = conf_s(host, "Driver", "auto");
	const char *h = conf_s(host, "Host", "");
	const char *user = conf_s(host, "User", "");
	const char *pass = conf_s(host, "Password", "");
	const char *proto = conf_s(host, "Protocol", "2.0");
	const char *priv = conf_s(host, "PrivilegeLevel", "user");
	const char *wa = conf_s(host, "WorkaroundFlags", "");
	const char *dir = conf_s(host, "SDRCacheDirectory", DEFAULT_SDR_DIR);
	long long cipher = host->conf_int("IPMI", "CipherSuite");
	long long timeout = host->conf_int("IPMI", "TimeoutSeconds");
	bool have_host = h[strspn(h, " \t")] != '\0';
	char badword[64];

	memset(c, 0, sizeof(*c));
	why[0] = '\0';
	if (strcasecmp(driver, "inband") == 0)
		c->driver = BMC_INBAND;
	else if (strcasecmp(driver, "lan") == 0)
		c->driver = BMC_LAN;
	else if (strcasecmp(driver, "auto") != 0) {
		snprintf(why, whylen, "[IPMI] Driver = %s: not auto, inband or "
		    "lan", driver);
		return -1;
	} else if (device_exists(dev_dir))
		c->driver = BMC_INBAND;
	else if (have_host)
		c->driver = BMC_LAN;
	else {
		snprintf(why, whylen, "no local BMC (%s/ipmi0 does not exist: "
		    "is there a BMC, and are the ipmi_si and ipmi_devintf "
		    "kernel modules loaded?) and [IPMI] Host is not set",
		    dev_dir);
		return BMC_NONE;
	}
	if (c->driver == BMC_LAN && !have_host) {
		snprintf(why, whylen, "[IPMI] Driver = lan needs Host "
		    "(host:port of the BMC)");
		return -1;
	}
	c->ipmi20 = strcmp(proto, "1.5") != 0;
	if (strcmp(proto, "2.0") != 0 && strcmp(proto, "1.5") != 0) {
		snprintf(why, whylen, "[IPMI] Protocol = %s: not 2.0 or 1.5",
		    proto);
		return -1;
	}
	if (c->driver == BMC_LAN) {
		if (ipmi_host_port(h, c->host, sizeof(c->host)) < 0) {
			snprintf(why, whylen, "[IPMI] Host = %s: not host, "
			    "host:port or [IPv6]:port", h);
			return -1;
		}
		if (strlen(user) > 16) {
			snprintf(why, whylen, "[IPMI] User: IPMI user names "
			    "have at most 16 characters");
			return -1;
		}
		if (strlen(pass) > (c->ipmi20 ? 20u : 16u)) {
			snprintf(why, whylen, "[IPMI] Password: IPMI %s "
			    "passwords have at most %u characters",
			    c->ipmi20 ? "2.0" : "1.5", c->ipmi20 ? 20u : 16u);
			return -1;
		}
		snprintf(c->user, sizeof(c->user), "%s", user);
		snprintf(c->password, sizeof(c->password), "%s", pass);
	}
	c->cipher_suite = cipher < 0 ? DEFAULT_CIPHER : (unsigned)cipher;
	switch (c->cipher_suite) {
	case 0: case 1: case 2: case 3: case 6: case 7: case 8: case 11:
	case 12: case 15: case 16: case 17:
		break;
	default:
		snprintf(why, whylen, "[IPMI] CipherSuite = %u: FreeIPMI knows "
		    "0-3, 6-8, 11, 12 and 15-17", c->cipher_suite);
		return -1;
	}
	if ((c->privilege = ipmi_privilege(priv)) < 0) {
		snprintf(why, whylen, "[IPMI] PrivilegeLevel = %s: not user, "
		    "operator or admin", priv);
		return -1;
	}
	if (ipmi_workarounds(wa, c->driver == BMC_LAN, c->ipmi20,
	    &c->workarounds, badword, sizeof(badword)) < 0) {
		snprintf(why, whylen, "[IPMI] WorkaroundFlags: %s is not a "
		    "workaround of %s", badword, c->driver != BMC_LAN ?
		    "in-band IPMI" : c->ipmi20 ? "IPMI 2.0" : "IPMI 1.5");
		return -1;
	}
	c->timeout_ms = (unsigned)(timeout > 0 ? timeout : DEFAULT_TIMEOUT_S) *
	    1000u;
	if (snprintf(c->sdr_dir, sizeof(c->sdr_dir), "%s", dir) >=
	    (int)sizeof(c->sdr_dir) || dir[0] != '/') {
		snprintf(why, whylen, "[IPMI] SDRCacheDirectory must be an "
		    "absolute path");
		return -1;
	}
	return c->driver;
}
