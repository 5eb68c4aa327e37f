/*
 * win32_computer.c: Win32_ComputerSystem, the one instance (key Name = the
 * short host name): DMI strings from /sys/class/dmi/id, processors from
 * /proc/cpuinfo and sysconf, TotalPhysicalMemory in bytes (not the KB of
 * Win32_OperatingSystem), the DNS domain, the console user from utmp.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"
#include "win32.h"

enum {
	CP_NAME, CP_CAPTION, CP_DNS_HOST_NAME, CP_DOMAIN, CP_PART_OF_DOMAIN,
	CP_MANUFACTURER, CP_MODEL, CP_SYSTEM_FAMILY, CP_SYSTEM_SKU_NUMBER,
	CP_TOTAL_PHYSICAL_MEMORY, CP_NUMBER_OF_PROCESSORS,
	CP_NUMBER_OF_LOGICAL_PROCESSORS, CP_SYSTEM_TYPE, CP_HYPERVISOR_PRESENT,
	CP_USER_NAME, CP_STATUS, CP_BOOTUP_STATE, CP_CURRENT_TIME_ZONE,
	CP_DAYLIGHT_IN_EFFECT, CP_CREATION_CLASS_NAME,
	CP_COUNT
};

static const struct cim_property computer_props[CP_COUNT] = {
	[CP_NAME] = { "Name", CIM_STRING, CIM_KEY },
	[CP_CAPTION] = { "Caption", CIM_STRING, 0 },
	[CP_DNS_HOST_NAME] = { "DNSHostName", CIM_STRING, 0 },
	[CP_DOMAIN] = { "Domain", CIM_STRING, 0 },
	[CP_PART_OF_DOMAIN] = { "PartOfDomain", CIM_BOOLEAN, 0 },
	[CP_MANUFACTURER] = { "Manufacturer", CIM_STRING, 0 },
	[CP_MODEL] = { "Model", CIM_STRING, 0 },
	[CP_SYSTEM_FAMILY] = { "SystemFamily", CIM_STRING, 0 },
	[CP_SYSTEM_SKU_NUMBER] = { "SystemSKUNumber", CIM_STRING, 0 },
	[CP_TOTAL_PHYSICAL_MEMORY] = { "TotalPhysicalMemory", CIM_UINT64, 0 },
	[CP_NUMBER_OF_PROCESSORS] = { "NumberOfProcessors", CIM_UINT32, 0 },
	[CP_NUMBER_OF_LOGICAL_PROCESSORS] = { "NumberOfLogicalProcessors", CIM_UINT32, 0 },
	[CP_SYSTEM_TYPE] = { "SystemType", CIM_STRING, 0 },
	[CP_HYPERVISOR_PRESENT] = { "HypervisorPresent", CIM_BOOLEAN, 0 },
	[CP_USER_NAME] = { "UserName", CIM_STRING, 0 },
	[CP_STATUS] = { "Status", CIM_STRING, 0 },
	[CP_BOOTUP_STATE] = { "BootupState", CIM_STRING, 0 },
	[CP_CURRENT_TIME_ZONE] = { "CurrentTimeZone", CIM_SINT16, 0 },
	[CP_DAYLIGHT_IN_EFFECT] = { "DaylightInEffect", CIM_BOOLEAN, 0 },
	[CP_CREATION_CLASS_NAME] = { "CreationClassName", CIM_STRING, 0 },
};

/* ------------------------------------------------------------ pure */

void
w32_parse_cpuinfo(const char *buf, unsigned *ret_sockets, bool *ret_hypervisor)
{
	long ids[256];
	unsigned n = 0;
	const char *line = buf;

	*ret_hypervisor = false;
	while (*line != '\0') {
		const char *eol = strchr(line, '\n'), *colon;

		if (eol == NULL)
			eol = line + strlen(line);
		colon = memchr(line, ':', (size_t)(eol - line));
		if (colon != NULL && strncmp(line, "physical id", 11) == 0) {
			long id = strtol(colon + 1, NULL, 10);
			unsigned k;

			for (k = 0; k < n && ids[k] != id; k++)
				;
			if (k == n && n < sizeof(ids) / sizeof(ids[0]))
				ids[n++] = id;
		} else if (colon != NULL && strncmp(line, "flags", 5) == 0 &&
		    !*ret_hypervisor) {
			/* the word "hypervisor" among the flags */
			for (const char *p = colon; p < eol; p++)
				if (p[0] == ' ' &&
				    strncmp(p + 1, "hypervisor", 10) == 0 &&
				    (p + 11 == eol || p[11] == ' ' ||
				    p[11] == '\n'))
					*ret_hypervisor = true;
		}
		line = *eol == '\n' ? eol + 1 : eol;
	}
	/* no "physical id" (ARM, some VMs): one package */
	*ret_sockets = n > 0 ? n : 1;
}

const char *
w32_system_type(const char *machine, char *buf, size_t len)
{
	if (strcmp(machine, "x86_64") == 0)
		return "x64-based PC";
	if (strcmp(machine, "aarch64") == 0)
		return "ARM64-based PC";
	if (machine[0] == 'i' && strcmp(machine + 2, "86") == 0)
		return "X86-based PC";
	snprintf(buf, len, "%s-based PC", machine);
	return buf;
}

static bool
copy_word(const char *p, char *buf, size_t len)
{
	size_t n;

	while (*p == ' ' || *p == '\t')
		p++;
	n = strcspn(p, " \t\n#;");
	if (n == 0 || n >= len)
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return true;
}

bool
w32_dns_domain(const char *nodename, const char *resolv, char *buf, size_t len)
{
	const char *dot = strchr(nodename, '.'), *line;

	if (dot != NULL && dot[1] != '\0') {
		snprintf(buf, len, "%s", dot + 1);
		return true;
	}
	/* resolv.conf: "domain", else the first "search" entry */
	for (int pass = 0; pass < 2 && resolv != NULL; pass++) {
		const char *key = pass == 0 ? "domain" : "search";
		size_t klen = strlen(key);

		for (line = resolv; *line != '\0';) {
			if (strncmp(line, key, klen) == 0 &&
			    (line[klen] == ' ' || line[klen] == '\t') &&
			    copy_word(line + klen, buf, len))
				return true;
			if ((line = strchr(line, '\n')) == NULL)
				break;
			line++;
		}
	}
	return false;
}

/* ------------------------------------------------------------ sources */

static void
set_dmi(struct cim_instance *i, size_t prop, const char *file)
{
	char path[4096], v[256];

	if (w32_path(path, sizeof(path), w32->paths.sys, file) < 0 ||
	    procfs_read_small(AT_FDCWD, path, v, sizeof(v)) <= 0)
		return;
	w32_utf8_fix(v);
	w32->svc->set_string(i, prop, v);
}

static int
computer_enumerate(struct cim_ctx *ctx, void *unused)
{
	const struct cim_services *svc = w32->svc;
	struct procfs_buf b = { 0 };
	struct cim_instance *i;
	struct meminfo mi;
	struct utsname u;
	char host[256], path[4096], domain[256], buf[64], console[64];
	unsigned sockets = 1;
	bool hypervisor = false;
	time_t now = time(NULL);
	struct tm tm;
	long ncpu;

	(void)unused;
	if ((i = svc->instance(ctx)) == NULL)
		return w32_fail_nomem(ctx);
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	w32_hostname(host, sizeof(host));
	svc->set_string(i, CP_NAME, host);
	svc->set_string(i, CP_CAPTION, host);
	svc->set_string(i, CP_DNS_HOST_NAME, host);
	if (w32_path(path, sizeof(path), w32->paths.etc, "resolv.conf") < 0 ||
	    procfs_read(AT_FDCWD, path, &b, 65536, 0) < 0)
		b.len = 0;
	if (w32_dns_domain(u.nodename, b.len > 0 ? b.data : NULL, domain,
	    sizeof(domain)))
		svc->set_string(i, CP_DOMAIN, domain);
	else
		svc->set_string(i, CP_DOMAIN, "WORKGROUP");
	svc->set_bool(i, CP_PART_OF_DOMAIN, false);

	set_dmi(i, CP_MANUFACTURER, "class/dmi/id/sys_vendor");
	set_dmi(i, CP_MODEL, "class/dmi/id/product_name");
	set_dmi(i, CP_SYSTEM_FAMILY, "class/dmi/id/product_family");
	set_dmi(i, CP_SYSTEM_SKU_NUMBER, "class/dmi/id/product_sku");

	if (w32_read_meminfo(&mi) == 0)
		svc->set_uint(i, CP_TOTAL_PHYSICAL_MEMORY,
		    procfs_kb_to_bytes(mi.total));
	if (w32_path(path, sizeof(path), w32->paths.proc, "cpuinfo") == 0 &&
	    procfs_read(AT_FDCWD, path, &b, 0, PROCFS_UNTIL_EOF) >= 0)
		w32_parse_cpuinfo(b.data, &sockets, &hypervisor);
	svc->set_uint(i, CP_NUMBER_OF_PROCESSORS, sockets);
	if ((ncpu = sysconf(_SC_NPROCESSORS_ONLN)) > 0)
		svc->set_uint(i, CP_NUMBER_OF_LOGICAL_PROCESSORS,
		    (uint64_t)ncpu);
	svc->set_string(i, CP_SYSTEM_TYPE, w32_system_type(u.machine, buf,
	    sizeof(buf)));
	if (!hypervisor && w32_path(path, sizeof(path), w32->paths.sys,
	    "hypervisor/type") == 0 && access(path, F_OK) == 0)
		hypervisor = true;
	svc->set_bool(i, CP_HYPERVISOR_PRESENT, hypervisor);
	if (procfs_read(AT_FDCWD, w32->paths.utmp, &b, 0, 0) >= 0 &&
	    (w32_utmp_users(b.data, b.len, console, sizeof(console)),
	    console[0] != '\0')) {
		char user[320];

		snprintf(user, sizeof(user), "%s\\%s", host, console);
		svc->set_string(i, CP_USER_NAME, user);
	}
	procfs_buf_free(&b);
	svc->set_string(i, CP_STATUS, "OK");
	svc->set_string(i, CP_BOOTUP_STATE, "Normal boot");
	if (localtime_r(&now, &tm) != NULL) {
		svc->set_sint(i, CP_CURRENT_TIME_ZONE, tm.tm_gmtoff / 60);
		svc->set_bool(i, CP_DAYLIGHT_IN_EFFECT, tm.tm_isdst > 0);
	}
	svc->set_string(i, CP_CREATION_CLASS_NAME, "Win32_ComputerSystem");
	svc->emit(ctx, i);
	return CIM_OK;
}

const struct cim_class w32_computer_class = {
	.name = "Win32_ComputerSystem",
	.ns = W32_NS,
	.props = computer_props,
	.nprops = CP_COUNT,
	.enumerate = computer_enumerate,
};
