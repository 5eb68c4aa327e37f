/*
 * win32_dmi.c: the firmware's inventory (SMBIOS/DMI), as dmidecode reads
 * it, without dmidecode:
 *  - Win32_BIOS, the one instance: vendor, version, date and release from
 *    /sys/class/dmi/id, the SMBIOS version from the entry point of
 *    /sys/firmware/dmi/tables; empty where the firmware has no DMI;
 *  - Win32_PhysicalMemory, one instance per installed memory device
 *    (SMBIOS type 17 of /sys/firmware/dmi/tables/DMI: capacity, locators,
 *    speed, maker, part and serial numbers).  Where the table cannot be
 *    read (no DMI, or not root) one instance stands for all memory, its
 *    Capacity the MemTotal of /proc/meminfo, and the log says so once.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "procfs.h"
#include "win32.h"

#define TABLE_MAX	(1u << 20)

/* ------------------------------------------------------------ pure */

/* string number n (1-based) of the structure at s, or NULL */
static const char *
dmi_string(const uint8_t *s, size_t avail, uint8_t n)
{
	const char *p;
	const char *end = (const char *)s + avail;

	if (n == 0 || s[1] > avail)
		return NULL;
	p = (const char *)s + s[1];
	while (p < end && *p != '\0') {
		size_t len = strnlen(p, (size_t)(end - p));

		if (p + len >= end)
			return NULL;
		if (--n == 0)
			return p;
		p += len + 1;
	}
	return NULL;
}

/* the length of the structure at s with its strings, or 0 if cut */
static size_t
dmi_struct_len(const uint8_t *s, size_t avail)
{
	size_t k;

	if (avail < 4 || s[1] < 4 || s[1] > avail)
		return 0;
	for (k = s[1]; k + 1 < avail; k++)
		if (s[k] == 0 && s[k + 1] == 0)
			return k + 2;
	return 0;
}

static uint16_t
le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
copy_str(char *dst, size_t len, const char *src)
{
	size_t n;

	dst[0] = '\0';
	if (src == NULL)
		return;
	while (*src == ' ')
		src++;
	n = strlen(src);
	while (n > 0 && src[n - 1] == ' ')
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

size_t
w32_dmi_memory(const uint8_t *table, size_t len, struct w32_memdev *out,
    size_t max)
{
	size_t n = 0, off = 0;

	while (off + 4 <= len && n < max) {
		const uint8_t *s = table + off;
		size_t sl = dmi_struct_len(s, len - off);
		uint16_t size;

		if (sl == 0 || s[0] == 127)	/* cut, or end of table */
			break;
		off += sl;
		if (s[0] != 17 || s[1] < 0x15)
			continue;
		size = le16(s + 0x0c);
		if (size == 0 || size == 0xffff)
			continue;		/* empty slot, or unknown */
		memset(&out[n], 0, sizeof(out[n]));
		if (size == 0x7fff && s[1] >= 0x20)
			out[n].bytes = (uint64_t)(le32(s + 0x1c) & 0x7fffffff) <<
			    20;
		else if (size & 0x8000)
			out[n].bytes = (uint64_t)(size & 0x7fff) << 10;
		else
			out[n].bytes = (uint64_t)size << 20;
		out[n].total_width = le16(s + 0x08);
		out[n].data_width = le16(s + 0x0a);
		out[n].form_factor = s[0x0e];
		copy_str(out[n].locator, sizeof(out[n].locator),
		    dmi_string(s, sl, s[0x10]));
		copy_str(out[n].bank, sizeof(out[n].bank),
		    dmi_string(s, sl, s[0x11]));
		out[n].type = s[0x12];
		if (s[1] >= 0x17)
			out[n].speed = le16(s + 0x15);
		if (s[1] >= 0x1b) {
			copy_str(out[n].manufacturer,
			    sizeof(out[n].manufacturer),
			    dmi_string(s, sl, s[0x17]));
			copy_str(out[n].serial, sizeof(out[n].serial),
			    dmi_string(s, sl, s[0x18]));
			copy_str(out[n].part, sizeof(out[n].part),
			    dmi_string(s, sl, s[0x1a]));
		}
		if (s[1] >= 0x22)
			out[n].configured_speed = le16(s + 0x20);
		n++;
	}
	return n;
}

bool
w32_smbios_version(const uint8_t *ep, size_t len, unsigned *major,
    unsigned *minor)
{
	if (len >= 9 && memcmp(ep, "_SM3_", 5) == 0) {
		*major = ep[7];
		*minor = ep[8];
		return true;
	}
	if (len >= 8 && memcmp(ep, "_SM_", 4) == 0) {
		*major = ep[6];
		*minor = ep[7];
		return true;
	}
	return false;
}

bool
w32_bios_date(const char *mmddyyyy, time_t *ret)
{
	struct tm tm;
	int m, d, y;

	if (mmddyyyy == NULL || sscanf(mmddyyyy, "%d/%d/%d", &m, &d, &y) != 3 ||
	    m < 1 || m > 12 || d < 1 || d > 31)
		return false;
	if (y < 100)
		y += y < 70 ? 2000 : 1900;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	*ret = timegm(&tm);
	return true;
}

/* ------------------------------------------------------------ sources */

static bool
read_dmi_id(const char *file, char *buf, size_t len)
{
	char path[4096], rel[128];

	snprintf(rel, sizeof(rel), "class/dmi/id/%s", file);
	if (w32_path(path, sizeof(path), w32->paths.sys, rel) < 0 ||
	    procfs_read_small(AT_FDCWD, path, buf, len) <= 0)
		return false;
	w32_utf8_fix(buf);
	return buf[0] != '\0';
}

/* a file of /sys/firmware/dmi/tables into b; its length or -errno */
static ssize_t
read_table(const char *name, struct procfs_buf *b)
{
	char path[4096], rel[128];

	snprintf(rel, sizeof(rel), "firmware/dmi/tables/%s", name);
	if (w32_path(path, sizeof(path), w32->paths.sys, rel) < 0)
		return -ENAMETOOLONG;
	return procfs_read(AT_FDCWD, path, b, TABLE_MAX, PROCFS_UNTIL_EOF);
}

/* ------------------------------------------------------------ Win32_BIOS */

enum {
	BP_NAME, BP_SOFTWARE_ELEMENT_ID, BP_SOFTWARE_ELEMENT_STATE,
	BP_TARGET_OPERATING_SYSTEM, BP_VERSION, BP_MANUFACTURER,
	BP_SMBIOS_BIOS_VERSION, BP_RELEASE_DATE, BP_SERIAL_NUMBER,
	BP_SMBIOS_MAJOR_VERSION, BP_SMBIOS_MINOR_VERSION, BP_SMBIOS_PRESENT,
	BP_SYSTEM_BIOS_MAJOR_VERSION, BP_SYSTEM_BIOS_MINOR_VERSION,
	BP_BIOS_VERSION, BP_CAPTION, BP_DESCRIPTION, BP_PRIMARY_BIOS,
	BP_STATUS,
	BP_COUNT
};

#define BIOS_KEY	(CIM_KEY | CIM_SINGLETON)

static const struct cim_property bios_props[BP_COUNT] = {
	[BP_NAME] = { "Name", CIM_STRING, BIOS_KEY },
	[BP_SOFTWARE_ELEMENT_ID] = { "SoftwareElementID", CIM_STRING, BIOS_KEY },
	[BP_SOFTWARE_ELEMENT_STATE] = { "SoftwareElementState", CIM_UINT16, BIOS_KEY },
	[BP_TARGET_OPERATING_SYSTEM] = { "TargetOperatingSystem", CIM_UINT16, BIOS_KEY },
	[BP_VERSION] = { "Version", CIM_STRING, BIOS_KEY },
	[BP_MANUFACTURER] = { "Manufacturer", CIM_STRING, 0 },
	[BP_SMBIOS_BIOS_VERSION] = { "SMBIOSBIOSVersion", CIM_STRING, 0 },
	[BP_RELEASE_DATE] = { "ReleaseDate", CIM_DATETIME, 0 },
	[BP_SERIAL_NUMBER] = { "SerialNumber", CIM_STRING, 0 },
	[BP_SMBIOS_MAJOR_VERSION] = { "SMBIOSMajorVersion", CIM_UINT16, 0 },
	[BP_SMBIOS_MINOR_VERSION] = { "SMBIOSMinorVersion", CIM_UINT16, 0 },
	[BP_SMBIOS_PRESENT] = { "SMBIOSPresent", CIM_BOOLEAN, 0 },
	[BP_SYSTEM_BIOS_MAJOR_VERSION] = { "SystemBiosMajorVersion", CIM_UINT8, 0 },
	[BP_SYSTEM_BIOS_MINOR_VERSION] = { "SystemBiosMinorVersion", CIM_UINT8, 0 },
	[BP_BIOS_VERSION] = { "BIOSVersion", CIM_STRING, CIM_ARRAY },
	[BP_CAPTION] = { "Caption", CIM_STRING, 0 },
	[BP_DESCRIPTION] = { "Description", CIM_STRING, 0 },
	[BP_PRIMARY_BIOS] = { "PrimaryBIOS", CIM_BOOLEAN, 0 },
	[BP_STATUS] = { "Status", CIM_STRING, 0 },
};

static int
bios_enumerate(struct cim_ctx *ctx, void *unused)
{
	const struct cim_services *svc = w32->svc;
	struct procfs_buf b = { 0 };
	struct cim_instance *i;
	char vendor[256], version[256], date[64], rel[32], serial[256];
	char v[600];
	unsigned major, minor;
	bool have_vendor, have_version;
	time_t t;
	ssize_t n;

	(void)unused;
	have_vendor = read_dmi_id("bios_vendor", vendor, sizeof(vendor));
	have_version = read_dmi_id("bios_version", version, sizeof(version));
	if (!have_vendor && !have_version)
		return CIM_OK;		/* no DMI: no BIOS to describe */
	if (!have_vendor)
		vendor[0] = '\0';
	if (!have_version)
		version[0] = '\0';
	if ((i = svc->instance(ctx)) == NULL)
		return w32_fail_nomem(ctx);
	/* Windows: Name and SoftwareElementID are the BIOS version text */
	svc->set_string(i, BP_NAME, version);
	svc->set_string(i, BP_SOFTWARE_ELEMENT_ID, version);
	svc->set_uint(i, BP_SOFTWARE_ELEMENT_STATE, 3);	/* running */
	svc->set_uint(i, BP_TARGET_OPERATING_SYSTEM, 0);
	svc->set_string(i, BP_MANUFACTURER, vendor);
	svc->set_string(i, BP_SMBIOS_BIOS_VERSION, version);
	svc->add_string(i, BP_BIOS_VERSION, version);
	svc->set_string(i, BP_CAPTION, version);
	svc->set_string(i, BP_DESCRIPTION, version);
	if (read_dmi_id("bios_date", date, sizeof(date)) &&
	    w32_bios_date(date, &t)) {
		char ymd[16];
		struct tm tm;

		svc->set_datetime(i, BP_RELEASE_DATE, t, 0);
		gmtime_r(&t, &tm);
		strftime(ymd, sizeof(ymd), "%Y%m%d", &tm);
		/* Windows' Version: "VENDOR - yyyymmdd"-like */
		snprintf(v, sizeof(v), "%.8s - %s", vendor, ymd);
	} else
		snprintf(v, sizeof(v), "%.8s - %s", vendor, version);
	svc->set_string(i, BP_VERSION, v);
	if (read_dmi_id("bios_release", rel, sizeof(rel)) &&
	    sscanf(rel, "%u.%u", &major, &minor) == 2) {
		svc->set_uint(i, BP_SYSTEM_BIOS_MAJOR_VERSION, major);
		svc->set_uint(i, BP_SYSTEM_BIOS_MINOR_VERSION, minor);
	}
	/* readable by root only: the daemon's, not the caller's right */
	if (read_dmi_id("product_serial", serial, sizeof(serial)))
		svc->set_string(i, BP_SERIAL_NUMBER, serial);
	if ((n = read_table("smbios_entry_point", &b)) > 0 &&
	    w32_smbios_version((const uint8_t *)b.data, (size_t)n, &major,
	    &minor)) {
		svc->set_uint(i, BP_SMBIOS_MAJOR_VERSION, major);
		svc->set_uint(i, BP_SMBIOS_MINOR_VERSION, minor);
		svc->set_bool(i, BP_SMBIOS_PRESENT, true);
	} else
		svc->set_bool(i, BP_SMBIOS_PRESENT, false);
	procfs_buf_free(&b);
	svc->set_bool(i, BP_PRIMARY_BIOS, true);
	svc->set_string(i, BP_STATUS, "OK");
	svc->emit(ctx, i);
	return CIM_OK;
}

const struct cim_class w32_bios_class = {
	.name = "Win32_BIOS",
	.ns = W32_NS,
	.props = bios_props,
	.nprops = BP_COUNT,
	.enumerate = bios_enumerate,
};

/* ------------------------------------------------- Win32_PhysicalMemory */

enum {
	MP_TAG, MP_CREATION_CLASS_NAME, MP_CAPACITY, MP_BANK_LABEL,
	MP_DEVICE_LOCATOR, MP_MANUFACTURER, MP_PART_NUMBER, MP_SERIAL_NUMBER,
	MP_SPEED, MP_CONFIGURED_CLOCK_SPEED, MP_FORM_FACTOR,
	MP_SMBIOS_MEMORY_TYPE, MP_MEMORY_TYPE, MP_DATA_WIDTH, MP_TOTAL_WIDTH,
	MP_NAME, MP_CAPTION, MP_DESCRIPTION,
	MP_COUNT
};

static const struct cim_property physmem_props[MP_COUNT] = {
	[MP_TAG] = { "Tag", CIM_STRING, CIM_KEY },
	[MP_CREATION_CLASS_NAME] = { "CreationClassName", CIM_STRING, CIM_KEY },
	[MP_CAPACITY] = { "Capacity", CIM_UINT64, 0 },
	[MP_BANK_LABEL] = { "BankLabel", CIM_STRING, 0 },
	[MP_DEVICE_LOCATOR] = { "DeviceLocator", CIM_STRING, 0 },
	[MP_MANUFACTURER] = { "Manufacturer", CIM_STRING, 0 },
	[MP_PART_NUMBER] = { "PartNumber", CIM_STRING, 0 },
	[MP_SERIAL_NUMBER] = { "SerialNumber", CIM_STRING, 0 },
	[MP_SPEED] = { "Speed", CIM_UINT32, 0 },
	[MP_CONFIGURED_CLOCK_SPEED] = { "ConfiguredClockSpeed", CIM_UINT32, 0 },
	[MP_FORM_FACTOR] = { "FormFactor", CIM_UINT16, 0 },
	[MP_SMBIOS_MEMORY_TYPE] = { "SMBIOSMemoryType", CIM_UINT32, 0 },
	[MP_MEMORY_TYPE] = { "MemoryType", CIM_UINT16, 0 },
	[MP_DATA_WIDTH] = { "DataWidth", CIM_UINT16, 0 },
	[MP_TOTAL_WIDTH] = { "TotalWidth", CIM_UINT16, 0 },
	[MP_NAME] = { "Name", CIM_STRING, 0 },
	[MP_CAPTION] = { "Caption", CIM_STRING, 0 },
	[MP_DESCRIPTION] = { "Description", CIM_STRING, 0 },
};

static bool said_no_table;

static struct cim_instance *
physmem_new(struct cim_ctx *ctx, size_t k)
{
	const struct cim_services *svc = w32->svc;
	struct cim_instance *i = svc->instance(ctx);
	char tag[64];

	if (i == NULL)
		return NULL;
	snprintf(tag, sizeof(tag), "Physical Memory %zu", k);
	svc->set_string(i, MP_TAG, tag);
	svc->set_string(i, MP_CREATION_CLASS_NAME, "Win32_PhysicalMemory");
	svc->set_string(i, MP_NAME, "Physical Memory");
	svc->set_string(i, MP_CAPTION, "Physical Memory");
	svc->set_string(i, MP_DESCRIPTION, "Physical Memory");
	return i;
}

static void
set_nonempty(struct cim_instance *i, size_t prop, const char *v)
{
	if (v[0] != '\0')
		w32->svc->set_string(i, prop, v);
}

static int
physmem_enumerate(struct cim_ctx *ctx, void *unused)
{
	const struct cim_services *svc = w32->svc;
	struct procfs_buf b = { 0 };
	struct w32_memdev dev[128];
	struct cim_instance *i;
	struct meminfo mi;
	size_t n = 0;
	ssize_t len;

	(void)unused;
	if ((len = read_table("DMI", &b)) > 0)
		n = w32_dmi_memory((const uint8_t *)b.data, (size_t)len, dev,
		    sizeof(dev) / sizeof(dev[0]));
	procfs_buf_free(&b);
	for (size_t k = 0; k < n; k++) {
		if ((i = physmem_new(ctx, k)) == NULL)
			return w32_fail_nomem(ctx);
		svc->set_uint(i, MP_CAPACITY, dev[k].bytes);
		w32_utf8_fix(dev[k].bank);
		w32_utf8_fix(dev[k].locator);
		w32_utf8_fix(dev[k].manufacturer);
		w32_utf8_fix(dev[k].part);
		w32_utf8_fix(dev[k].serial);
		set_nonempty(i, MP_BANK_LABEL, dev[k].bank);
		set_nonempty(i, MP_DEVICE_LOCATOR, dev[k].locator);
		set_nonempty(i, MP_MANUFACTURER, dev[k].manufacturer);
		set_nonempty(i, MP_PART_NUMBER, dev[k].part);
		set_nonempty(i, MP_SERIAL_NUMBER, dev[k].serial);
		if (dev[k].speed != 0)
			svc->set_uint(i, MP_SPEED, dev[k].speed);
		if (dev[k].configured_speed != 0)
			svc->set_uint(i, MP_CONFIGURED_CLOCK_SPEED,
			    dev[k].configured_speed);
		/* Win32's FormFactor counts from 0 where SMBIOS does from 1 */
		svc->set_uint(i, MP_FORM_FACTOR, dev[k].form_factor > 0 ?
		    dev[k].form_factor - 1u : 0);
		svc->set_uint(i, MP_SMBIOS_MEMORY_TYPE, dev[k].type);
		svc->set_uint(i, MP_MEMORY_TYPE, 0);
		if (dev[k].data_width != 0xffff)
			svc->set_uint(i, MP_DATA_WIDTH, dev[k].data_width);
		if (dev[k].total_width != 0xffff)
			svc->set_uint(i, MP_TOTAL_WIDTH, dev[k].total_width);
		if (!svc->emit(ctx, i))
			return CIM_OK;
	}
	if (n > 0)
		return CIM_OK;
	/* no table: one instance for all memory */
	if (!said_no_table)
		w32->host->log(WINRMD_LOG_INFO, "win32: Win32_PhysicalMemory: "
		    "no SMBIOS table in %s/firmware/dmi/tables; one instance "
		    "with the memory of /proc/meminfo", w32->paths.sys);
	said_no_table = true;
	if (w32_read_meminfo(&mi) < 0)
		return CIM_OK;
	if ((i = physmem_new(ctx, 0)) == NULL)
		return w32_fail_nomem(ctx);
	svc->set_uint(i, MP_CAPACITY, procfs_kb_to_bytes(mi.total));
	svc->emit(ctx, i);
	return CIM_OK;
}

const struct cim_class w32_physmem_class = {
	.name = "Win32_PhysicalMemory",
	.ns = W32_NS,
	.props = physmem_props,
	.nprops = MP_COUNT,
	.enumerate = physmem_enumerate,
};
