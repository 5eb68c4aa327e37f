/*
 * check_win32_inventory.c: the inventory and performance classes of the
 * win32 provider (issue 19): their parsers and arithmetic on fixed text
 * (the cpu lines of /proc/stat, diskstats, net/dev, meminfo; Windows'
 * rates and percentages over an interval), and each class through the
 * mock cim_services on this machine, compared with what the test reads
 * itself.
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "check_win32_mock.h"
#include "procfs.h"
#include "win32.h"
#include "unit.h"

static void
setup(void)
{
	mock_start();
}

static void
teardown(void)
{
	mock_stop();
}

static uint64_t
uint_of(const struct cim_instance *i, const char *prop)
{
	uint64_t v = 0;

	ck_assert_msg(mock_uint(i, prop, &v), "%s is null", prop);
	return v;
}

/* ------------------------------------------------- rates (pure) */

static const char stat_a[] =
	"cpu  1000 0 500 8000 500 0 0 0 0 0\n"
	"cpu0 500 0 250 4000 250 0 0 0 0 0\n"
	"cpu1 500 0 250 4000 250 0 0 0 0 0\n"
	"intr 100000 1 2 3\n"
	"ctxt 5555\n";
/* one second later: cpu0 fully busy (75 user, 25 system), cpu1 idle */
static const char stat_b[] =
	"cpu  1075 0 535 8090 500 5 5 0 0 0\n"
	"cpu0 575 0 275 4000 250 0 0 0 0 0\n"
	"cpu1 500 0 260 4090 250 5 5 0 0 0\n"
	"intr 101500 1 2 3\n"
	"ctxt 6000\n";

START_TEST(test_cpu_rates)
{
	struct w32_cpu a[4], b[4];
	struct w32_cpu_pct p;

	ck_assert_uint_eq(w32_parse_cpus(stat_a, a, 4), 3);
	ck_assert_uint_eq(w32_parse_cpus(stat_b, b, 4), 3);
	ck_assert_int_eq(a[0].id, -1);
	ck_assert_int_eq(a[2].id, 1);
	ck_assert_uint_eq(a[0].iowait, 500);
	/* cpu0: 100 ticks, none idle */
	w32_cpu_percent(&a[1], &b[1], &p);
	ck_assert_uint_eq(p.processor, 100);
	ck_assert_uint_eq(p.idle, 0);
	ck_assert_uint_eq(p.user, 75);
	ck_assert_uint_eq(p.privileged, 25);
	/* cpu1: 90 idle of 110, 10 in interrupts */
	w32_cpu_percent(&a[2], &b[2], &p);
	ck_assert_uint_eq(p.idle, 82);
	ck_assert_uint_eq(p.processor, 18);
	ck_assert_uint_eq(p.interrupt, 5);
	ck_assert_uint_eq(p.dpc, 5);
	ck_assert_uint_eq(p.privileged, 18);
	/* all: 90 idle of 210 */
	w32_cpu_percent(&a[0], &b[0], &p);
	ck_assert_uint_eq(p.processor, 57);
	/* a CPU whose counters did not move: all 0, no division by 0 */
	w32_cpu_percent(&a[1], &a[1], &p);
	ck_assert_uint_eq(p.processor, 100 - p.idle);
	ck_assert_uint_eq(p.user, 0);
	ck_assert_uint_eq(w32_stat_value(stat_a, "intr"), 100000);
	ck_assert_uint_eq(w32_stat_value(stat_b, "ctxt"), 6000);
	ck_assert_uint_eq(w32_stat_value(stat_b, "btime"), PROCFS_NONE);
	ck_assert_uint_eq(w32_rate(100000, 101500, 0.5), 3000);
	/* a counter that went back (a reset): 0, never a huge number */
	ck_assert_uint_eq(w32_rate(500, 100, 1.0), 0);
	ck_assert_uint_eq(w32_rate(1, 2, 0), 0);
}
END_TEST

static const char diskstats_a[] =
	"   8       0 sda 1000 10 80000 2000 500 20 40000 3000 0 4000 5000 0 0 0 0\n"
	"   8       1 sda1 900 10 70000 1900 400 20 30000 2900 0 3900 4800\n"
	" 253       0 dm-0 10 0 80 5 0 0 0 0 0 5 5\n";
static const char diskstats_b[] =
	"   8       0 sda 1100 10 90000 2100 700 20 50000 3400 2 4500 6000 0 0 0 0\n"
	"   8       1 sda1 1000 10 80000 2000 600 20 40000 3300 2 4400 5800\n"
	" 253       0 dm-0 10 0 80 5 0 0 0 0 0 5 5\n";

START_TEST(test_disk_rates)
{
	struct w32_diskstat a, b;
	struct w32_disk_rates r;

	ck_assert(w32_find_diskstat(diskstats_a, 8, 1, &a));
	ck_assert(w32_find_diskstat(diskstats_b, 8, 1, &b));
	ck_assert_str_eq(a.name, "sda1");
	ck_assert_uint_eq(a.rd_ios, 900);
	ck_assert_uint_eq(a.rd_sectors, 70000);
	ck_assert_uint_eq(a.wr_ticks, 2900);
	ck_assert_uint_eq(a.io_ticks, 3900);
	ck_assert_uint_eq(a.time_in_queue, 4800);
	ck_assert(!w32_find_diskstat(diskstats_a, 8, 2, &a));
	ck_assert(w32_find_diskstat(diskstats_a, 8, 1, &a));
	/* over 2 s: 100 reads, 200 writes, 10000 sectors each way */
	w32_disk_rates(&a, &b, 2.0, &r);
	ck_assert_uint_eq(r.reads, 50);
	ck_assert_uint_eq(r.writes, 100);
	ck_assert_uint_eq(r.read_bytes, 5000 * 512);
	ck_assert_uint_eq(r.write_bytes, 5000 * 512);
	/* 100 ms reading, 400 ms writing in 2000 ms */
	ck_assert_uint_eq(r.pct_read, 5);
	ck_assert_uint_eq(r.pct_write, 20);
	ck_assert_uint_eq(r.pct_disk, 25);
	/* busy 500 ms of 2000 */
	ck_assert_uint_eq(r.pct_idle, 75);
	ck_assert_uint_eq(r.queue, 1);		/* 1000 ms in queue / 2000 */
	ck_assert_uint_eq(r.in_flight, 2);
	ck_assert_uint_eq(r.sec_per_read, 0);	/* 1 ms: 0 whole seconds */
	/* no time between: nothing but the queue */
	w32_disk_rates(&a, &b, 0, &r);
	ck_assert_uint_eq(r.reads, 0);
	ck_assert_uint_eq(r.in_flight, 2);
}
END_TEST

static const char netdev_a[] =
	"Inter-|   Receive                                                |  Transmit\n"
	" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
	"    lo: 5000 50 0 0 0 0 0 0 5000 50 0 0 0 0 0 0\n"
	"  eth0: 1000000 1000 1 2 0 0 0 0 2000000 2000 3 4 0 0 0 0\n";
static const char netdev_b[] =
	"Inter-|   Receive                                                |  Transmit\n"
	" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
	"    lo: 9000 90 0 0 0 0 0 0 9000 90 0 0 0 0 0 0\n"
	"  eth0: 1500000 1400 1 2 0 0 0 0 2250000 2100 3 4 0 0 0 0\n";

START_TEST(test_netdev)
{
	const char *c = netdev_a;
	struct w32_netdev d;

	ck_assert(w32_next_netdev(&c, &d));
	ck_assert_str_eq(d.name, "lo");
	ck_assert(w32_next_netdev(&c, &d));
	ck_assert_str_eq(d.name, "eth0");
	ck_assert_uint_eq(d.rx_bytes, 1000000);
	ck_assert_uint_eq(d.rx_packets, 1000);
	ck_assert_uint_eq(d.rx_errs, 1);
	ck_assert_uint_eq(d.rx_drop, 2);
	ck_assert_uint_eq(d.tx_bytes, 2000000);
	ck_assert_uint_eq(d.tx_packets, 2000);
	ck_assert_uint_eq(d.tx_errs, 3);
	ck_assert_uint_eq(d.tx_drop, 4);
	ck_assert(!w32_next_netdev(&c, &d));
	c = "garbage\nno colon here\n";
	ck_assert(!w32_next_netdev(&c, &d));
}
END_TEST

START_TEST(test_meminfo_kb)
{
	const char *t = "MemTotal:       16384000 kB\nCommitted_AS:    123456 kB\n"
	    "CommitLimit:     8192000 kB\n";

	ck_assert_uint_eq(w32_meminfo_kb(t, "Committed_AS"), 123456);
	ck_assert_uint_eq(w32_meminfo_kb(t, "CommitLimit"), 8192000);
	ck_assert_uint_eq(w32_meminfo_kb(t, "Commit"), PROCFS_NONE);
	ck_assert_uint_eq(w32_meminfo_kb(t, "SUnreclaim"), PROCFS_NONE);
}
END_TEST

/* ------------------------------------------------- Win32_Processor */

static const char cpuinfo_2x2[] =
	"processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n"
	"model\t\t: 85\nmodel name\t: Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz\n"
	"stepping\t: 4\ncpu MHz\t\t: 2095.078\nphysical id\t: 0\n"
	"core id\t\t: 0\n\n"
	"processor\t: 1\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n"
	"model\t\t: 85\nmodel name\t: Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz\n"
	"stepping\t: 4\ncpu MHz\t\t: 2095.078\nphysical id\t: 0\n"
	"core id\t\t: 0\n\n"
	"processor\t: 2\nphysical id\t: 1\ncore id\t\t: 3\n\n"
	"processor\t: 3\nphysical id\t: 1\ncore id\t\t: 4\n";

START_TEST(test_cpuinfo_procs)
{
	struct w32_cpuinfo c[8];

	ck_assert_uint_eq(w32_parse_cpuinfo_procs(cpuinfo_2x2, c, 8), 4);
	ck_assert_int_eq(c[0].processor, 0);
	ck_assert_str_eq(c[0].vendor, "GenuineIntel");
	ck_assert_str_eq(c[0].model_name,
	    "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz");
	ck_assert_int_eq(c[0].family, 6);
	ck_assert_int_eq(c[0].model, 85);
	ck_assert_int_eq(c[0].stepping, 4);
	ck_assert(c[0].mhz > 2095 && c[0].mhz < 2096);
	ck_assert_int_eq(c[1].core_id, 0);
	ck_assert_int_eq(c[3].physical_id, 1);
	ck_assert_int_eq(c[3].core_id, 4);
	ck_assert_str_eq(c[3].model_name, "");
	/* bounded */
	ck_assert_uint_eq(w32_parse_cpuinfo_procs(cpuinfo_2x2, c, 2), 2);
	{
		uint8_t bits[2] = { 0, 0 };

		ck_assert_uint_eq(w32_cpulist_mark("0-3,8,10-11", bits, 16), 7);
		ck_assert_uint_eq(bits[0], 0x0f);
		ck_assert_uint_eq(bits[1], 0x0d);
		/* beyond the map: not marked, not written */
		ck_assert_uint_eq(w32_cpulist_mark("15-40", bits, 16), 1);
		ck_assert_uint_eq(w32_cpulist_mark("", bits, 16), 0);
		ck_assert_uint_eq(w32_cpulist_mark("x", bits, 16), 0);
		ck_assert_uint_eq(w32_cpulist_mark("2-", bits, 16), 0);
	}
	ck_assert_uint_eq(w32_cpu_architecture("x86_64"), 9);
	ck_assert_uint_eq(w32_cpu_architecture("aarch64"), 12);
	ck_assert_uint_eq(w32_cpu_architecture("i686"), 0);
}
END_TEST

START_TEST(test_processor_live)
{
	struct cim_ctx *ctx;
	struct w32_cpuinfo *ci = calloc(4096, sizeof(*ci));
	char *text = unit_read_path("/proc/cpuinfo", NULL);
	size_t n = w32_parse_cpuinfo_procs(text, ci, 4096);
	uint64_t logical = 0;

	ctx = mock_enumerate("Win32_Processor", mock_principal_self());
	ck_assert_msg(!ctx->failed, "%s", ctx->message);
	ck_assert_uint_ge(ctx->nemitted, 1);
	for (size_t k = 0; k < ctx->nemitted; k++) {
		struct cim_instance *i = ctx->emitted[k];

		logical += uint_of(i, "NumberOfLogicalProcessors");
		ck_assert_uint_le(uint_of(i, "NumberOfCores"),
		    uint_of(i, "NumberOfLogicalProcessors"));
		ck_assert_uint_le(uint_of(i, "LoadPercentage"), 100);
		ck_assert_str_eq(mock_str(i, "Status"), "OK");
	}
	/* every processor of /proc/cpuinfo in one package */
	ck_assert_uint_eq(logical, n);
	ck_assert_str_eq(mock_str(ctx->emitted[0], "DeviceID"), "CPU0");
	if (ci[0].model_name[0] != '\0')
		ck_assert_str_eq(mock_str(ctx->emitted[0], "Name"),
		    ci[0].model_name);
	mock_ctx_free(ctx);
	free(text);
	free(ci);
}
END_TEST

/* --------------------------------------------------- Win32_Product */

static const char dpkg_status[] =
	"Package: adduser\nStatus: install ok installed\nPriority: important\n"
	"Maintainer: Debian Adduser Developers <adduser@packages.debian.org>\n"
	"Architecture: all\nVersion: 3.134\nDescription: add and remove users\n"
	" This package includes the 'adduser' and 'deluser' commands.\n"
	" .\n Version: not a field\n\n"
	"Package: gone\nStatus: deinstall ok config-files\nVersion: 1.0\n\n"
	"Package: libc6\nStatus: install ok installed\nArchitecture: amd64\n"
	"Multi-Arch: same\nVersion: 2.36-9+deb12u4\n"
	"Homepage: https://www.gnu.org/software/libc/libc.html\n"
	"Description: GNU C Library: Shared libraries\n\n\n"
	"Package: half\nStatus: install ok half-configured\nVersion: 2\n\n"
	"Package: last\nStatus: install ok installed\nVersion: 0.1";

START_TEST(test_dpkg_parse)
{
	char *text = strdup(dpkg_status);
	struct w32_package *pk;
	size_t n = w32_dpkg_parse(text, &pk);

	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(pk[0].name, "adduser");
	ck_assert_str_eq(pk[0].version, "3.134");
	ck_assert_str_eq(pk[0].arch, "all");
	ck_assert_str_eq(pk[0].synopsis, "add and remove users");
	ck_assert_str_eq(pk[0].maintainer,
	    "Debian Adduser Developers <adduser@packages.debian.org>");
	ck_assert_ptr_null(pk[0].homepage);
	ck_assert_str_eq(pk[1].name, "libc6");
	ck_assert_str_eq(pk[1].version, "2.36-9+deb12u4");
	ck_assert_str_eq(pk[1].homepage,
	    "https://www.gnu.org/software/libc/libc.html");
	ck_assert_str_eq(pk[2].name, "last");
	ck_assert_str_eq(pk[2].version, "0.1");
	ck_assert_ptr_null(pk[2].arch);
	free(pk);
	free(text);
	text = strdup("");
	ck_assert_uint_eq(w32_dpkg_parse(text, &pk), 0);
	free(pk);
	free(text);
	text = strdup("\n\n garbage\nno colon\n");
	ck_assert_uint_eq(w32_dpkg_parse(text, &pk), 0);
	free(pk);
	free(text);
}
END_TEST

/* the class against dpkg-query, and its cache against a changing file */
START_TEST(test_product)
{
	struct cim_ctx *ctx;
	struct cim_instance *i;
	char dir[64], path[128], line[1024];
	FILE *q;
	size_t want = 0, checked = 0;

	if (access("/var/lib/dpkg/status", R_OK) == 0 &&
	    (q = popen("dpkg-query -W -f='${db:Status-Status}\\t${Package}"
	    "\\t${Version}\\t${Architecture}\\n' 2>/dev/null", "r")) != NULL) {
		ctx = mock_enumerate("Win32_Product", mock_principal_self());
		ck_assert_msg(!ctx->failed, "%s", ctx->message);
		while (fgets(line, sizeof(line), q) != NULL) {
			char *f[4], *save = NULL;

			line[strcspn(line, "\n")] = '\0';
			f[0] = strtok_r(line, "\t", &save);
			for (int k = 1; k < 4; k++)
				f[k] = strtok_r(NULL, "\t", &save);
			if (f[3] == NULL || strcmp(f[0], "installed") != 0)
				continue;
			want++;
			snprintf(path, sizeof(path), "dpkg:%s:%s", f[1], f[3]);
			i = mock_find(ctx, "IdentifyingNumber", path);
			ck_assert_msg(i != NULL, "%s not listed", path);
			ck_assert_str_eq(mock_str(i, "Version"), f[2]);
			checked++;
		}
		pclose(q);
		ck_assert_uint_eq(ctx->nemitted, want);
		ck_assert_uint_gt(checked, 0);
		mock_ctx_free(ctx);
	}

	/* a status file of our own: read once, again when it changes */
	snprintf(dir, sizeof(dir), "/tmp/check_win32_dpkg.%d", (int)getpid());
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/status", dir);
	q = fopen(path, "w");
	fputs(dpkg_status, q);
	fclose(q);
	w32->paths.dpkg = dir;
	ctx = mock_enumerate("Win32_Product", mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, 3);
	i = mock_find(ctx, "Name", "libc6");
	ck_assert_str_eq(mock_str(i, "IdentifyingNumber"), "dpkg:libc6:amd64");
	ck_assert_str_eq(mock_str(i, "Description"),
	    "GNU C Library: Shared libraries");
	ck_assert(mock_is_null(i, "InstallDate"));	/* no info/libc6.list */
	mock_ctx_free(ctx);
	q = fopen(path, "a");
	fputs("\n\nPackage: new\nStatus: install ok installed\nVersion: 9\n", q);
	fclose(q);
	ctx = mock_get("Win32_Product", "Name", "new", mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, 1);
	ck_assert_str_eq(mock_str(ctx->emitted[0], "Version"), "9");
	mock_ctx_free(ctx);
	/* gone: an empty class, no fault */
	unlink(path);
	rmdir(dir);
	ctx = mock_enumerate("Win32_Product", mock_principal_self());
	ck_assert(!ctx->failed);
	ck_assert_uint_eq(ctx->nemitted, 0);
	mock_ctx_free(ctx);
}
END_TEST

/* ------------------------------------------------ Win32_NTLogEvent */

START_TEST(test_journal_mapping)
{
	struct w32_journal_fields f;
	struct w32_event e;

	/* sshd's authentication failure: Security, a warning */
	memset(&f, 0, sizeof(f));
	f.priority = "4";
	f.facility = "10";
	f.transport = "syslog";
	f.uid = "0";
	f.identifier = "sshd";
	f.comm = "sshd";
	f.realtime = 1700000000123456ULL;
	f.seqnum = 0x100000005ULL;
	w32_journal_event(&f, &e);
	ck_assert_str_eq(e.logfile, "Security");
	ck_assert_str_eq(e.type, "Warning");
	ck_assert_uint_eq(e.event_type, 2);
	ck_assert_str_eq(e.source, "sshd");
	ck_assert_uint_eq(e.record, 5);		/* 32 bits of the seqnum */
	ck_assert_uint_eq(e.generated_usec, 1700000000123456ULL);
	ck_assert_uint_eq(e.written_usec, 1700000000123456ULL);
	ck_assert_uint_eq(e.event_code, 0);

	/* the kernel: System, an error, source "kernel" */
	memset(&f, 0, sizeof(f));
	f.priority = "3";
	f.transport = "kernel";
	w32_journal_event(&f, &e);
	ck_assert_str_eq(e.logfile, "System");
	ck_assert_str_eq(e.type, "Error");
	ck_assert_uint_eq(e.event_type, 1);
	ck_assert_str_eq(e.source, "kernel");

	/* a user's program: Application, information; catalog id */
	memset(&f, 0, sizeof(f));
	f.priority = "6";
	f.uid = "1000";
	f.comm = "python3";
	f.unit = "user@1000.service";
	f.message_id = "39f53479d3a045ac8e11786248231fbf";
	f.realtime = 2000000;
	f.source_realtime = 1500000;
	w32_journal_event(&f, &e);
	ck_assert_str_eq(e.logfile, "Application");
	ck_assert_str_eq(e.type, "Information");
	ck_assert_uint_eq(e.event_type, 3);
	ck_assert_str_eq(e.source, "python3");
	ck_assert_uint_eq(e.event_code, 0x39f5);
	ck_assert_uint_eq(e.generated_usec, 1500000);
	ck_assert_uint_eq(e.written_usec, 2000000);

	/* nothing at all: information from "journal" */
	memset(&f, 0, sizeof(f));
	w32_journal_event(&f, &e);
	ck_assert_str_eq(e.type, "Information");
	ck_assert_str_eq(e.logfile, "Application");
	ck_assert_str_eq(e.source, "journal");
	/* the daemon facility, debug */
	f.facility = "3";
	f.priority = "7";
	f.unit = "cron.service";
	w32_journal_event(&f, &e);
	ck_assert_str_eq(e.logfile, "System");
	ck_assert_str_eq(e.source, "cron.service");
}
END_TEST

/* an empty journal directory: no instances, no fault */
START_TEST(test_ntlogevent_empty)
{
	struct cim_ctx *ctx;
	char dir[64];

	snprintf(dir, sizeof(dir), "/tmp/check_win32_journal.%d",
	    (int)getpid());
	mkdir(dir, 0700);
	w32->paths.journal = dir;
	/* read in a thread: the call answers when it is done */
	ctx = mock_enumerate("Win32_NTLogEvent", mock_principal_self());
	ck_assert(!ctx->failed);
	ck_assert_int_eq(ctx->status, CIM_PENDING);
	ck_assert(ctx->completed);
	ck_assert_uint_eq(ctx->nemitted, 0);
	mock_ctx_free(ctx);
	ck_assert_int_eq(mock_watch_count(), 0);
	/* no journal at all: empty too, and the log says why */
	rmdir(dir);
	ctx = mock_enumerate("Win32_NTLogEvent", mock_principal_self());
	ck_assert(!ctx->failed);
	ck_assert_uint_eq(ctx->nemitted, 0);
	mock_ctx_free(ctx);
	/* fini while the thread reads: answered, the thread joined */
	mkdir(dir, 0700);
	ctx = calloc(1, sizeof(*ctx));
	ctx->cls = mock_class("Win32_NTLogEvent");
	ctx->principal = mock_principal_self();
	ctx->status = ctx->cls->enumerate(ctx, w32);
	ck_assert_int_eq(ctx->status, CIM_PENDING);
	mock_stop();
	ck_assert(ctx->completed);
	ck_assert_int_eq(ctx->fault, WINRMD_FAULT_SERVICE_STOPPING);
	mock_ctx_free(ctx);
	mock_start();
	rmdir(dir);
}
END_TEST

/* ------------------------------------- Win32_UserAccount, Win32_Group */

START_TEST(test_account_pure)
{
	char b[16];

	ck_assert(w32_shadow_disabled("!$6$abc", -1, 0));
	ck_assert(w32_shadow_disabled("!", -1, 0));
	ck_assert(!w32_shadow_disabled("$6$abc", -1, 1700000000));
	ck_assert(!w32_shadow_disabled("*", -1, 1700000000));
	/* expired on day 19000 (2022-01-08) */
	ck_assert(w32_shadow_disabled("$6$abc", 19000, 1700000000));
	ck_assert(!w32_shadow_disabled("$6$abc", 30000, 1700000000));
	w32_gecos_full_name("Alice Liddell,Room 1,555,", b, sizeof(b));
	ck_assert_str_eq(b, "Alice Liddell");
	w32_gecos_full_name(NULL, b, sizeof(b));
	ck_assert_str_eq(b, "");
	w32_gecos_full_name("A very long full name indeed", b, sizeof(b));
	ck_assert_uint_eq(strlen(b), sizeof(b) - 1);
}
END_TEST

/* every account of /etc/passwd and /etc/group, as getpwent reads them */
START_TEST(test_accounts_live)
{
	struct cim_ctx *ctx;
	struct cim_instance *i;
	struct passwd *pw;
	struct group *gr;
	FILE *f;
	size_t n = 0;
	char sid[64], host[256];

	w32_hostname(host, sizeof(host));
	ctx = mock_enumerate("Win32_UserAccount", mock_principal_self());
	ck_assert_msg(!ctx->failed, "%s", ctx->message);
	ck_assert_ptr_nonnull(f = fopen("/etc/passwd", "r"));
	while ((pw = fgetpwent(f)) != NULL) {
		i = mock_find(ctx, "Name", pw->pw_name);
		ck_assert_msg(i != NULL, "%s not listed", pw->pw_name);
		snprintf(sid, sizeof(sid), "S-1-22-1-%u", (unsigned)pw->pw_uid);
		ck_assert_str_eq(mock_str(i, "SID"), sid);
		ck_assert_str_eq(mock_str(i, "Domain"), host);
		n++;
	}
	fclose(f);
	ck_assert_uint_eq(ctx->nemitted, n);
	i = mock_find(ctx, "Name", "root");
	ck_assert_ptr_nonnull(i);
	mock_ctx_free(ctx);
	ctx = mock_get("Win32_UserAccount", "Name", "ROOT",
	    mock_principal_self());
	/* the mock gives Name only: Domain null matches any */
	ck_assert_uint_eq(ctx->nemitted, 1);
	ck_assert_str_eq(mock_str(ctx->emitted[0], "SID"), "S-1-22-1-0");
	mock_ctx_free(ctx);

	n = 0;
	ctx = mock_enumerate("Win32_Group", mock_principal_self());
	ck_assert_msg(!ctx->failed, "%s", ctx->message);
	ck_assert_ptr_nonnull(f = fopen("/etc/group", "r"));
	while ((gr = fgetgrent(f)) != NULL) {
		i = mock_find(ctx, "Name", gr->gr_name);
		ck_assert_msg(i != NULL, "group %s not listed", gr->gr_name);
		snprintf(sid, sizeof(sid), "S-1-22-2-%u", (unsigned)gr->gr_gid);
		ck_assert_str_eq(mock_str(i, "SID"), sid);
		n++;
	}
	fclose(f);
	ck_assert_uint_eq(ctx->nemitted, n);
	mock_ctx_free(ctx);
	ctx = mock_get("Win32_Group", "Name", "no-such-group-here",
	    mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, 0);
	mock_ctx_free(ctx);
}
END_TEST

/* ------------------------------------------------ Win32_Environment */

struct env_seen {
	char	 text[512];
};

static void
env_collect(const char *name, const char *value, void *arg)
{
	struct env_seen *s = arg;
	size_t n = strlen(s->text);

	snprintf(s->text + n, sizeof(s->text) - n, "%s=[%s];", name, value);
}

START_TEST(test_env_file)
{
	char text[] = "# comment\nPATH=\"/usr/local/bin:/usr/bin\"\n"
	    "  export LANG=C.UTF-8\nEMPTY=\nBAD NAME=x\n=novalue\n"
	    "Q='single quoted'  \nnoequals\nLAST=1";
	struct env_seen s = { "" };

	w32_env_file(text, env_collect, &s);
	ck_assert_str_eq(s.text, "PATH=[/usr/local/bin:/usr/bin];"
	    "LANG=[C.UTF-8];EMPTY=[];Q=[single quoted];LAST=[1];");
}
END_TEST

START_TEST(test_environment)
{
	struct cim_ctx *ctx;
	struct cim_instance *i;
	const struct winrmd_principal *p = mock_principal_self();
	char dir[64], path[128], user[600], host[256];
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/check_win32_etc.%d", (int)getpid());
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/environment", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("PATH=\"/usr/bin:/bin\"\nEDITOR=vi\n", f);
	fclose(f);
	w32->paths.etc = dir;
	ctx = mock_enumerate("Win32_Environment", p);
	ck_assert_msg(!ctx->failed, "%s", ctx->message);
	i = mock_find(ctx, "Name", "PATH");
	ck_assert_ptr_nonnull(i);
	ck_assert_str_eq(mock_str(i, "VariableValue"), "/usr/bin:/bin");
	ck_assert_str_eq(mock_str(i, "UserName"), "<SYSTEM>");
	ck_assert(mock_value(i, "SystemVariable")->b);
	snprintf(user, sizeof(user), "%s\\%s",
	    w32_hostname(host, sizeof(host)), p->name);
	i = mock_find(ctx, "Name", "USER");
	ck_assert_ptr_nonnull(i);
	ck_assert_str_eq(mock_str(i, "VariableValue"), p->name);
	ck_assert_str_eq(mock_str(i, "UserName"), user);
	ck_assert(!mock_value(i, "SystemVariable")->b);
	/* 2 of the file, USER LOGNAME HOME SHELL */
	ck_assert_uint_eq(ctx->nemitted, 2 + 2 + (p->home != NULL) +
	    (p->shell != NULL));
	mock_ctx_free(ctx);
	ctx = mock_get("Win32_Environment", "Name", "editor", p);
	ck_assert_uint_eq(ctx->nemitted, 1);
	ck_assert_str_eq(mock_str(ctx->emitted[0], "VariableValue"), "vi");
	mock_ctx_free(ctx);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* ------------------------------------ Win32_BIOS, Win32_PhysicalMemory */

/* a type-17 structure of SMBIOS 3.x: 0x28 bytes and its strings */
static size_t
memdev(uint8_t *p, uint16_t size, uint32_t ext, const char *strings,
    size_t slen)
{
	memset(p, 0, 0x28);
	p[0] = 17;
	p[1] = 0x28;
	p[0x08] = 72;		/* total width */
	p[0x0a] = 64;		/* data width */
	p[0x0c] = (uint8_t)size;
	p[0x0d] = (uint8_t)(size >> 8);
	p[0x0e] = 0x09;		/* DIMM */
	p[0x10] = 1;		/* "DIMM A1" */
	p[0x11] = 2;		/* "BANK 0" */
	p[0x12] = 0x1a;		/* DDR4 */
	p[0x15] = 0x80;		/* 3200 MT/s */
	p[0x16] = 0x0c;
	p[0x17] = 3;
	p[0x18] = 4;
	p[0x1a] = 5;
	p[0x1c] = (uint8_t)ext;
	p[0x1d] = (uint8_t)(ext >> 8);
	p[0x1e] = (uint8_t)(ext >> 16);
	p[0x20] = 0x60;		/* configured 2400 */
	p[0x21] = 0x09;
	memcpy(p + 0x28, strings, slen);
	return 0x28 + slen;
}

START_TEST(test_dmi_memory)
{
	static const char str[] = "DIMM A1\0BANK 0\0Samsung\0  12345678  \0"
	    "M393A2K43BB1-CTD\0";
	uint8_t table[1024];
	struct w32_memdev d[4];
	size_t o = 0;
	uint8_t ep3[24] = "_SM3_", ep2[31] = "_SM_";
	unsigned ma, mi;
	time_t t;

	/* a BIOS structure first (type 0, no strings) */
	memset(table, 0, sizeof(table));
	table[0] = 0;
	table[1] = 4;
	o = 6;
	o += memdev(table + o, 16384, 0, str, sizeof(str));	/* 16 GiB */
	o += memdev(table + o, 0, 0, "\0", 2);			/* empty */
	o += memdev(table + o, 0x7fff, 65536, str, sizeof(str)); /* 64 GiB */
	o += memdev(table + o, 0x8000 | 512, 0, str, sizeof(str)); /* 512 KiB */
	table[o] = 127;
	table[o + 1] = 4;
	o += 6;
	ck_assert_uint_eq(w32_dmi_memory(table, o, d, 4), 3);
	ck_assert_uint_eq(d[0].bytes, 16ULL << 30);
	ck_assert_str_eq(d[0].locator, "DIMM A1");
	ck_assert_str_eq(d[0].bank, "BANK 0");
	ck_assert_str_eq(d[0].manufacturer, "Samsung");
	ck_assert_str_eq(d[0].serial, "12345678");
	ck_assert_str_eq(d[0].part, "M393A2K43BB1-CTD");
	ck_assert_uint_eq(d[0].speed, 3200);
	ck_assert_uint_eq(d[0].configured_speed, 2400);
	ck_assert_uint_eq(d[0].form_factor, 9);
	ck_assert_uint_eq(d[0].type, 0x1a);
	ck_assert_uint_eq(d[0].data_width, 64);
	ck_assert_uint_eq(d[1].bytes, 64ULL << 30);
	ck_assert_uint_eq(d[2].bytes, 512ULL << 10);
	/* cut anywhere: never beyond the buffer, never more */
	for (size_t cut = 0; cut < o; cut++)
		ck_assert_uint_le(w32_dmi_memory(table, cut, d, 4), 3);
	ck_assert_uint_eq(w32_dmi_memory(table, o, d, 1), 1);

	ep3[7] = 3;
	ep3[8] = 4;
	ck_assert(w32_smbios_version(ep3, sizeof(ep3), &ma, &mi));
	ck_assert_uint_eq(ma, 3);
	ck_assert_uint_eq(mi, 4);
	ep2[6] = 2;
	ep2[7] = 8;
	ck_assert(w32_smbios_version(ep2, sizeof(ep2), &ma, &mi));
	ck_assert_uint_eq(ma, 2);
	ck_assert_uint_eq(mi, 8);
	ck_assert(!w32_smbios_version((const uint8_t *)"junkjunkjunk", 12,
	    &ma, &mi));
	ck_assert(w32_bios_date("04/01/2014", &t));
	ck_assert_int_eq(t, 1396310400);
	ck_assert(!w32_bios_date("2014-04-01", &t));
	ck_assert(!w32_bios_date(NULL, &t));
}
END_TEST

static void
write_at(const char *dir, const char *rel, const void *data, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

START_TEST(test_bios_physmem)
{
	struct cim_ctx *ctx;
	struct cim_instance *i;
	struct meminfo mi;
	char dir[64], cmd[400], *text;
	uint8_t table[256], ep[24] = "_SM3_";
	size_t o;

	snprintf(dir, sizeof(dir), "/tmp/check_win32_sys.%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf %s && mkdir -p %s/class/dmi/id "
	    "%s/firmware/dmi/tables", dir, dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	w32->paths.sys = dir;
	/* no DMI: no BIOS; memory from /proc/meminfo */
	ctx = mock_enumerate("Win32_BIOS", mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, 0);
	ck_assert(!ctx->failed);
	mock_ctx_free(ctx);
	ctx = mock_enumerate("Win32_PhysicalMemory", mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, 1);
	text = unit_read_path("/proc/meminfo", NULL);
	ck_assert_int_eq(procfs_parse_meminfo(text, &mi), 0);
	free(text);
	ck_assert_uint_eq(uint_of(ctx->emitted[0], "Capacity"), mi.total * 1024);
	ck_assert_str_eq(mock_str(ctx->emitted[0], "Tag"), "Physical Memory 0");
	ck_assert(mock_log_contains("no SMBIOS table"));
	mock_ctx_free(ctx);

	write_at(dir, "class/dmi/id/bios_vendor", "SeaBIOS\n", 8);
	write_at(dir, "class/dmi/id/bios_version", "1.16.2-debian-1.16.2-1\n", 23);
	write_at(dir, "class/dmi/id/bios_date", "04/01/2014\n", 11);
	write_at(dir, "class/dmi/id/bios_release", "0.0\n", 4);
	ep[7] = 3;
	ep[8] = 0;
	write_at(dir, "firmware/dmi/tables/smbios_entry_point", ep, sizeof(ep));
	o = memdev(table, 8192, 0, "DIMM 0\0\0", 9);
	table[o] = 127;
	table[o + 1] = 4;
	table[o + 2] = table[o + 3] = table[o + 4] = table[o + 5] = 0;
	write_at(dir, "firmware/dmi/tables/DMI", table, o + 6);
	ctx = mock_enumerate("Win32_BIOS", mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, 1);
	i = ctx->emitted[0];
	ck_assert_str_eq(mock_str(i, "Manufacturer"), "SeaBIOS");
	ck_assert_str_eq(mock_str(i, "SMBIOSBIOSVersion"),
	    "1.16.2-debian-1.16.2-1");
	ck_assert_str_eq(mock_str(i, "Version"), "SeaBIOS - 20140401");
	ck_assert_int_eq(mock_value(i, "ReleaseDate")->sec, 1396310400);
	ck_assert_uint_eq(uint_of(i, "SMBIOSMajorVersion"), 3);
	ck_assert(mock_value(i, "SMBIOSPresent")->b);
	mock_ctx_free(ctx);
	ctx = mock_enumerate("Win32_PhysicalMemory", mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, 1);
	i = ctx->emitted[0];
	ck_assert_uint_eq(uint_of(i, "Capacity"), 8ULL << 30);
	ck_assert_str_eq(mock_str(i, "DeviceLocator"), "DIMM 0");
	ck_assert(mock_is_null(i, "BankLabel"));
	ck_assert_uint_eq(uint_of(i, "FormFactor"), 8);	/* DIMM */
	ck_assert_uint_eq(uint_of(i, "Speed"), 3200);
	mock_ctx_free(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* ----------------------------------------------------- Win32_Volume */

START_TEST(test_volume)
{
	struct cim_ctx *ctx, *ld;
	struct cim_instance *root;
	struct statvfs vfs;
	uint32_t serial;

	ck_assert(w32_volume_serial("2f6e1a3c-9b1d-4c1e-8f00-0123456789ab",
	    &serial));
	ck_assert_uint_eq(serial, 0x2f6e1a3c);
	ck_assert(w32_volume_serial("ABCD-1234", &serial));
	ck_assert_uint_eq(serial, 0xabcd1234);
	ck_assert(!w32_volume_serial("short", &serial));
	ck_assert(!w32_volume_serial("zzzzzzzz", &serial));

	ctx = mock_enumerate("Win32_Volume", mock_principal_self());
	ck_assert_msg(!ctx->failed, "%s", ctx->message);
	root = mock_find(ctx, "DeviceID", "/");
	ck_assert_ptr_nonnull(root);
	ck_assert_int_eq(statvfs("/", &vfs), 0);
	ck_assert_uint_eq(uint_of(root, "Capacity"),
	    (uint64_t)vfs.f_blocks * vfs.f_frsize);
	ck_assert_uint_eq(uint_of(root, "BlockSize"), vfs.f_bsize);
	ck_assert(mock_value(root, "BootVolume")->b);
	ck_assert(mock_is_null(root, "DriveLetter"));
	/* the same filesystems as Win32_LogicalDisk */
	ld = mock_enumerate("Win32_LogicalDisk", mock_principal_self());
	ck_assert_uint_eq(ctx->nemitted, ld->nemitted);
	for (size_t k = 0; k < ld->nemitted; k++)
		ck_assert_ptr_nonnull(mock_find(ctx, "DeviceID",
		    mock_str(ld->emitted[k], "DeviceID")));
	mock_ctx_free(ld);
	mock_ctx_free(ctx);
}
END_TEST

/* --------------------------------------------- Win32_NetworkAdapter */

START_TEST(test_netif)
{
	struct cim_ctx *ctx, *cfg;
	struct if_nameindex *ifs = if_nameindex(), *p;
	size_t want = 0;

	ck_assert_uint_eq(w32_net_connection_status(0, "down"), 0);
	ck_assert_uint_eq(w32_net_connection_status(IFF_UP, "up"), 2);
	ck_assert_uint_eq(w32_net_connection_status(IFF_UP, "unknown"), 2);
	ck_assert_uint_eq(w32_net_connection_status(IFF_UP, "down"), 7);
	ck_assert_uint_eq(w32_net_connection_status(IFF_UP, "lowerlayerdown"), 7);
	ck_assert_uint_eq(w32_net_connection_status(IFF_UP, "dormant"), 1);

	ctx = mock_enumerate("Win32_NetworkAdapter", mock_principal_self());
	ck_assert_msg(!ctx->failed, "%s", ctx->message);
	ck_assert_ptr_nonnull(ifs);
	for (p = ifs; p->if_index != 0; p++) {
		struct cim_instance *i;
		char id[16];

		if (strcmp(p->if_name, "lo") == 0)
			continue;
		want++;
		snprintf(id, sizeof(id), "%u", p->if_index);
		i = mock_find(ctx, "DeviceID", id);
		ck_assert_msg(i != NULL, "%s not listed", p->if_name);
		ck_assert_str_eq(mock_str(i, "NetConnectionID"), p->if_name);
		ck_assert_uint_eq(uint_of(i, "InterfaceIndex"), p->if_index);
	}
	if_freenameindex(ifs);
	ck_assert_uint_eq(ctx->nemitted, want);
	/* each adapter has its configuration, by Index */
	cfg = mock_enumerate("Win32_NetworkAdapterConfiguration",
	    mock_principal_self());
	for (size_t k = 0; k < ctx->nemitted; k++) {
		bool found = false;

		for (size_t j = 0; j < cfg->nemitted; j++)
			found |= uint_of(cfg->emitted[j], "Index") ==
			    uint_of(ctx->emitted[k], "Index");
		ck_assert(found);
	}
	mock_ctx_free(cfg);
	mock_ctx_free(ctx);
}
END_TEST

/* --------------------------------------------- performance classes */

/* the fixture /proc with two different /proc/stat samples */
static char scratch[64];

static void
write_file(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", scratch, rel);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void
scratch_proc(void)
{
	char cmd[160];

	snprintf(scratch, sizeof(scratch), "/tmp/check_win32_inv.%d",
	    (int)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf %s && mkdir -p %s/net", scratch,
	    scratch);
	ck_assert_int_eq(system(cmd), 0);
}

static void
scratch_remove(void)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", scratch);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", scratch);
}

/* the file changes while the provider waits between its two samples */
static void
flip_stat(void *arg)
{
	(void)arg;
	write_file("stat", stat_b);
	write_file("net/dev", netdev_b);
}

START_TEST(test_perf_processor_fixture)
{
	struct cim_ctx *ctx;
	struct cim_instance *i;

	scratch_proc();
	write_file("stat", stat_a);
	write_file("net/dev", netdev_a);
	w32->paths.proc = scratch;
	/* the first query waits for its second sample (a timer, 250 ms) */
	mock_host.timer_start(100, flip_stat, NULL);
	ctx = mock_enumerate("Win32_PerfFormattedData_PerfOS_Processor",
	    mock_principal_self());
	ck_assert_msg(!ctx->failed, "%s", ctx->message);
	ck_assert_int_eq(ctx->status, CIM_PENDING);
	ck_assert_uint_eq(ctx->nemitted, 3);
	/* CPUs in order, _Total last, as Windows lists them */
	ck_assert_str_eq(mock_str(ctx->emitted[0], "Name"), "0");
	ck_assert_str_eq(mock_str(ctx->emitted[2], "Name"), "_Total");
	ck_assert_uint_eq(uint_of(ctx->emitted[0], "PercentProcessorTime"), 100);
	ck_assert_uint_eq(uint_of(ctx->emitted[1], "PercentIdleTime"), 82);
	ck_assert_uint_eq(uint_of(ctx->emitted[2], "PercentProcessorTime"), 57);
	/* 1500 interrupts in about 0.25 s */
	i = ctx->emitted[2];
	ck_assert_uint_gt(uint_of(i, "InterruptsPersec"), 3000);
	ck_assert_uint_lt(uint_of(i, "InterruptsPersec"), 7500);
	mock_ctx_free(ctx);

	/* the next query right away: against the kept sample, no wait */
	ctx = mock_enumerate("Win32_PerfFormattedData_Tcpip_NetworkInterface",
	    mock_principal_self());
	ck_assert_int_eq(ctx->status, CIM_PENDING);	/* net/dev: first */
	mock_ctx_free(ctx);
	usleep(300000);
	ctx = mock_enumerate("Win32_PerfFormattedData_PerfOS_Processor",
	    mock_principal_self());
	ck_assert_int_eq(ctx->status, CIM_OK);
	/* nothing moved since: all idle figures from equal samples */
	ck_assert_uint_eq(uint_of(ctx->emitted[0], "PercentUserTime"), 0);
	mock_ctx_free(ctx);
	scratch_remove();
}
END_TEST

START_TEST(test_perf_network_fixture)
{
	struct cim_ctx *ctx;
	struct cim_instance *i;

	scratch_proc();
	write_file("stat", stat_a);
	write_file("net/dev", netdev_a);
	w32->paths.proc = scratch;
	mock_host.timer_start(100, flip_stat, NULL);
	ctx = mock_enumerate("Win32_PerfFormattedData_Tcpip_NetworkInterface",
	    mock_principal_self());
	ck_assert_msg(!ctx->failed, "%s", ctx->message);
	ck_assert_uint_eq(ctx->nemitted, 1);	/* no loopback */
	i = ctx->emitted[0];
	ck_assert_str_eq(mock_str(i, "Name"), "eth0");
	/* 500000 bytes in in about 250 ms: about 2 MB/s */
	ck_assert_uint_gt(uint_of(i, "BytesReceivedPersec"), 1000000);
	ck_assert_uint_lt(uint_of(i, "BytesReceivedPersec"), 2600000);
	ck_assert_uint_eq(uint_of(i, "BytesTotalPersec"),
	    uint_of(i, "BytesReceivedPersec") + uint_of(i, "BytesSentPersec"));
	ck_assert_uint_eq(uint_of(i, "PacketsOutboundErrors"), 3);
	ck_assert_uint_eq(uint_of(i, "PacketsReceivedDiscarded"), 2);
	mock_ctx_free(ctx);
	scratch_remove();
}
END_TEST

START_TEST(test_perf_live)
{
	struct cim_ctx *ctx;
	struct cim_instance *i;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct statvfs vfs;

	ctx = mock_enumerate("Win32_PerfFormattedData_PerfOS_Processor",
	    mock_principal_self());
	ck_assert_msg(!ctx->failed, "%s", ctx->message);
	ck_assert_uint_eq(ctx->nemitted, (size_t)ncpu + 1);
	for (size_t k = 0; k < ctx->nemitted; k++) {
		i = ctx->emitted[k];
		ck_assert_uint_le(uint_of(i, "PercentProcessorTime"), 100);
		ck_assert_uint_eq(uint_of(i, "PercentProcessorTime") +
		    uint_of(i, "PercentIdleTime"), 100);
	}
	mock_ctx_free(ctx);

	ctx = mock_enumerate("Win32_PerfFormattedData_PerfOS_Memory",
	    mock_principal_self());
	ck_assert_msg(!ctx->failed, "%s", ctx->message);
	ck_assert_uint_eq(ctx->nemitted, 1);
	i = ctx->emitted[0];
	ck_assert_uint_eq(uint_of(i, "AvailableKBytes") * 1024,
	    uint_of(i, "AvailableBytes"));
	ck_assert_uint_gt(uint_of(i, "CommitLimit"), 0);
	ck_assert_uint_le(uint_of(i, "PercentCommittedBytesInUse"), 10000);
	mock_uint(i, "PageFaultsPersec", &(uint64_t){ 0 });
	mock_ctx_free(ctx);

	ctx = mock_enumerate("Win32_PerfFormattedData_PerfDisk_LogicalDisk",
	    mock_principal_self());
	ck_assert_msg(!ctx->failed, "%s", ctx->message);
	/* a root on a block device: it and _Total (containers: overlay) */
	if ((i = mock_find(ctx, "Name", "/")) != NULL) {
		ck_assert_int_eq(statvfs("/", &vfs), 0);
		ck_assert_ptr_nonnull(mock_find(ctx, "Name", "_Total"));
		ck_assert_uint_le(uint_of(i, "PercentIdleTime"), 100);
		ck_assert_uint_le(uint_of(i, "PercentFreeSpace"), 100);
	}
	mock_ctx_free(ctx);

	ctx = mock_enumerate("Win32_PerfFormattedData_Tcpip_NetworkInterface",
	    mock_principal_self());
	ck_assert_msg(!ctx->failed, "%s", ctx->message);
	ck_assert_ptr_null(mock_find(ctx, "Name", "lo"));
	mock_ctx_free(ctx);
}
END_TEST

/* fini while a query waits for its second sample: answered, nothing left */
START_TEST(test_perf_fini)
{
	struct cim_ctx *ctx = calloc(1, sizeof(*ctx));

	ctx->cls = mock_class("Win32_PerfFormattedData_PerfOS_Processor");
	ctx->principal = mock_principal_self();
	ctx->status = ctx->cls->enumerate(ctx, w32);
	ck_assert_int_eq(ctx->status, CIM_PENDING);
	mock_stop();
	ck_assert(ctx->completed);
	ck_assert(ctx->failed);
	ck_assert_int_eq(ctx->fault, WINRMD_FAULT_SERVICE_STOPPING);
	ck_assert_int_eq(mock_watch_count(), 0);
	mock_ctx_free(ctx);
	mock_start();
}
END_TEST

static Suite *
win32_inventory_suite(void)
{
	Suite *s = suite_create("win32_inventory");
	TCase *tc = tcase_create("parsers");

	tcase_add_test(tc, test_cpu_rates);
	tcase_add_test(tc, test_disk_rates);
	tcase_add_test(tc, test_netdev);
	tcase_add_test(tc, test_meminfo_kb);
	tcase_add_test(tc, test_cpuinfo_procs);
	tcase_add_test(tc, test_dpkg_parse);
	tcase_add_test(tc, test_journal_mapping);
	tcase_add_test(tc, test_account_pure);
	tcase_add_test(tc, test_env_file);
	tcase_add_test(tc, test_dmi_memory);
	suite_add_tcase(s, tc);

	tc = tcase_create("perf");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_perf_processor_fixture);
	tcase_add_test(tc, test_perf_network_fixture);
	tcase_add_test(tc, test_perf_live);
	tcase_add_test(tc, test_perf_fini);
	tcase_add_test(tc, test_processor_live);
	tcase_add_test(tc, test_product);
	tcase_add_test(tc, test_ntlogevent_empty);
	tcase_add_test(tc, test_accounts_live);
	tcase_add_test(tc, test_environment);
	tcase_add_test(tc, test_bios_physmem);
	tcase_add_test(tc, test_volume);
	tcase_add_test(tc, test_netif);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(win32_inventory_suite)
