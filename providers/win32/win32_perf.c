/*
 * win32_perf.c: the formatted performance classes, values computed as
 * Windows' formatted data is (rates and percentages over an interval, from
 * two samples of win32_sample.c; sizes and queue lengths as they are now):
 *  - Win32_PerfFormattedData_PerfOS_Processor: one instance per CPU
 *    ("0", "1", ...) and "_Total", from /proc/stat;
 *  - Win32_PerfFormattedData_PerfOS_Memory: the one instance, from
 *    /proc/meminfo and /proc/vmstat;
 *  - Win32_PerfFormattedData_PerfDisk_LogicalDisk: one instance per mounted
 *    block device (Name = the mount point) and "_Total", from
 *    /proc/diskstats, mountinfo and statvfs;
 *  - Win32_PerfFormattedData_Tcpip_NetworkInterface: one instance per
 *    interface but loopback, from /proc/net/dev and /sys/class/net.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include "procfs.h"
#include "win32.h"

#define MAX_CPUS	4096
#define MAX_DISKS	256

static uint64_t
pct_of(double part, double whole)
{
	if (whole <= 0 || part <= 0)
		return 0;
	return (uint64_t)llround(100.0 * part / whole);
}

/* ------------------------------------------------------- Processor */

enum {
	PC_NAME, PC_PERCENT_PROCESSOR_TIME, PC_PERCENT_USER_TIME,
	PC_PERCENT_PRIVILEGED_TIME, PC_PERCENT_IDLE_TIME,
	PC_PERCENT_INTERRUPT_TIME, PC_PERCENT_DPC_TIME, PC_INTERRUPTS_PERSEC,
	PC_COUNT
};

static const struct cim_property perf_cpu_props[PC_COUNT] = {
	[PC_NAME] = { "Name", CIM_STRING, CIM_KEY },
	[PC_PERCENT_PROCESSOR_TIME] = { "PercentProcessorTime", CIM_UINT64, 0 },
	[PC_PERCENT_USER_TIME] = { "PercentUserTime", CIM_UINT64, 0 },
	[PC_PERCENT_PRIVILEGED_TIME] = { "PercentPrivilegedTime", CIM_UINT64, 0 },
	[PC_PERCENT_IDLE_TIME] = { "PercentIdleTime", CIM_UINT64, 0 },
	[PC_PERCENT_INTERRUPT_TIME] = { "PercentInterruptTime", CIM_UINT64, 0 },
	[PC_PERCENT_DPC_TIME] = { "PercentDPCTime", CIM_UINT64, 0 },
	[PC_INTERRUPTS_PERSEC] = { "InterruptsPersec", CIM_UINT32, 0 },
};

static void
cpu_rates(struct cim_ctx *ctx, const struct w32_pair *p, void *arg)
{
	const struct cim_services *svc = w32->svc;
	const struct w32_pair *st = &p[W32_SRC_STAT];
	struct w32_cpu *a = NULL, *b = NULL;
	size_t na, nb;
	struct cim_instance *total = NULL;

	(void)arg;
	if (st->before == NULL || st->after == NULL) {
		svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR,
		    "/proc/stat cannot be read");
		return;
	}
	if ((a = calloc(MAX_CPUS + 1, sizeof(*a))) == NULL ||
	    (b = calloc(MAX_CPUS + 1, sizeof(*b))) == NULL) {
		w32_fail_nomem(ctx);
		goto out;
	}
	na = w32_parse_cpus(st->before, a, MAX_CPUS + 1);
	nb = w32_parse_cpus(st->after, b, MAX_CPUS + 1);
	/* the CPUs of both samples, in /proc/stat's order, "_Total" last */
	for (size_t j = 0; j < nb; j++) {
		struct w32_cpu_pct pc;
		struct cim_instance *i;
		char name[16];
		size_t k;

		for (k = 0; k < na && a[k].id != b[j].id; k++)
			;
		if (k == na)
			continue;	/* came online between the samples */
		if ((i = svc->instance(ctx)) == NULL) {
			w32_fail_nomem(ctx);
			goto out;
		}
		w32_cpu_percent(&a[k], &b[j], &pc);
		if (b[j].id < 0)
			snprintf(name, sizeof(name), "_Total");
		else
			snprintf(name, sizeof(name), "%d", b[j].id);
		svc->set_string(i, PC_NAME, name);
		svc->set_uint(i, PC_PERCENT_PROCESSOR_TIME, pc.processor);
		svc->set_uint(i, PC_PERCENT_USER_TIME, pc.user);
		svc->set_uint(i, PC_PERCENT_PRIVILEGED_TIME, pc.privileged);
		svc->set_uint(i, PC_PERCENT_IDLE_TIME, pc.idle);
		svc->set_uint(i, PC_PERCENT_INTERRUPT_TIME, pc.interrupt);
		svc->set_uint(i, PC_PERCENT_DPC_TIME, pc.dpc);
		if (b[j].id < 0) {
			/* the kernel counts interrupts for all CPUs only */
			uint64_t x = w32_stat_value(st->before, "intr"),
			    y = w32_stat_value(st->after, "intr");

			if (x != PROCFS_NONE && y != PROCFS_NONE)
				svc->set_uint(i, PC_INTERRUPTS_PERSEC,
				    w32_rate(x, y, st->seconds));
			total = i;
			continue;
		}
		if (!svc->emit(ctx, i))
			goto out;
	}
	if (total != NULL)
		svc->emit(ctx, total);
out:
	free(a);
	free(b);
}

static int
perf_cpu_enumerate(struct cim_ctx *ctx, void *unused)
{
	(void)unused;
	return w32_sample(ctx, W32_SRC(W32_SRC_STAT), cpu_rates, NULL);
}

const struct cim_class w32_perf_cpu_class = {
	.name = "Win32_PerfFormattedData_PerfOS_Processor",
	.ns = W32_NS,
	.props = perf_cpu_props,
	.nprops = PC_COUNT,
	.enumerate = perf_cpu_enumerate,
};

/* ---------------------------------------------------------- Memory */

enum {
	PM_NAME, PM_AVAILABLE_BYTES, PM_AVAILABLE_KBYTES, PM_AVAILABLE_MBYTES,
	PM_COMMITTED_BYTES, PM_COMMIT_LIMIT, PM_PERCENT_COMMITTED,
	PM_CACHE_BYTES, PM_POOL_NONPAGED_BYTES, PM_POOL_PAGED_BYTES,
	PM_PAGE_FAULTS_PERSEC, PM_PAGES_PERSEC, PM_PAGES_INPUT_PERSEC,
	PM_PAGES_OUTPUT_PERSEC, PM_PAGE_READS_PERSEC,
	PM_COUNT
};

static const struct cim_property perf_mem_props[PM_COUNT] = {
	[PM_NAME] = { "Name", CIM_STRING, CIM_KEY | CIM_SINGLETON },
	[PM_AVAILABLE_BYTES] = { "AvailableBytes", CIM_UINT64, 0 },
	[PM_AVAILABLE_KBYTES] = { "AvailableKBytes", CIM_UINT64, 0 },
	[PM_AVAILABLE_MBYTES] = { "AvailableMBytes", CIM_UINT64, 0 },
	[PM_COMMITTED_BYTES] = { "CommittedBytes", CIM_UINT64, 0 },
	[PM_COMMIT_LIMIT] = { "CommitLimit", CIM_UINT64, 0 },
	[PM_PERCENT_COMMITTED] = { "PercentCommittedBytesInUse", CIM_UINT32, 0 },
	[PM_CACHE_BYTES] = { "CacheBytes", CIM_UINT64, 0 },
	[PM_POOL_NONPAGED_BYTES] = { "PoolNonpagedBytes", CIM_UINT64, 0 },
	[PM_POOL_PAGED_BYTES] = { "PoolPagedBytes", CIM_UINT64, 0 },
	[PM_PAGE_FAULTS_PERSEC] = { "PageFaultsPersec", CIM_UINT32, 0 },
	[PM_PAGES_PERSEC] = { "PagesPersec", CIM_UINT64, 0 },
	[PM_PAGES_INPUT_PERSEC] = { "PagesInputPersec", CIM_UINT64, 0 },
	[PM_PAGES_OUTPUT_PERSEC] = { "PagesOutputPersec", CIM_UINT64, 0 },
	[PM_PAGE_READS_PERSEC] = { "PageReadsPersec", CIM_UINT32, 0 },
};

uint64_t
w32_meminfo_kb(const char *text, const char *key)
{
	size_t k = strlen(key);

	for (const char *line = text; *line != '\0';) {
		const char *eol = strchr(line, '\n');

		if (strncmp(line, key, k) == 0 && line[k] == ':')
			return strtoull(line + k + 1, NULL, 10);
		if (eol == NULL)
			break;
		line = eol + 1;
	}
	return PROCFS_NONE;
}

static void
set_kb(struct cim_instance *i, size_t prop, uint64_t kb)
{
	if (kb != PROCFS_NONE)
		w32->svc->set_uint(i, prop, kb * 1024);
}

static void
vm_rate(struct cim_instance *i, size_t prop, const struct w32_pair *vm,
    const char *const *keys)
{
	uint64_t x = 0, y = 0;

	for (size_t k = 0; keys[k] != NULL; k++) {
		uint64_t a = w32_stat_value(vm->before, keys[k]),
		    b = w32_stat_value(vm->after, keys[k]);

		if (a == PROCFS_NONE || b == PROCFS_NONE)
			return;
		x += a;
		y += b;
	}
	w32->svc->set_uint(i, prop, w32_rate(x, y, vm->seconds));
}

static void
mem_rates(struct cim_ctx *ctx, const struct w32_pair *p, void *arg)
{
	static const char *const faults[] = { "pgfault", NULL };
	static const char *const swapin[] = { "pswpin", NULL };
	static const char *const swapout[] = { "pswpout", NULL };
	static const char *const swap[] = { "pswpin", "pswpout", NULL };
	static const char *const majflt[] = { "pgmajfault", NULL };
	const struct cim_services *svc = w32->svc;
	const struct w32_pair *vm = &p[W32_SRC_VMSTAT];
	struct procfs_buf b = { 0 };
	struct cim_instance *i;
	char path[4096];
	uint64_t avail, committed, limit;

	(void)arg;
	if (w32_path(path, sizeof(path), w32->paths.proc, "meminfo") < 0 ||
	    procfs_read(AT_FDCWD, path, &b, 0, 0) < 0) {
		procfs_buf_free(&b);
		svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR,
		    "/proc/meminfo cannot be read");
		return;
	}
	if ((i = svc->instance(ctx)) == NULL) {
		procfs_buf_free(&b);
		w32_fail_nomem(ctx);
		return;
	}
	/* a singleton: Windows' instance has no name either */
	svc->set_string(i, PM_NAME, "");
	if ((avail = w32_meminfo_kb(b.data, "MemAvailable")) == PROCFS_NONE)
		avail = w32_meminfo_kb(b.data, "MemFree");
	if (avail != PROCFS_NONE) {
		svc->set_uint(i, PM_AVAILABLE_BYTES, avail * 1024);
		svc->set_uint(i, PM_AVAILABLE_KBYTES, avail);
		svc->set_uint(i, PM_AVAILABLE_MBYTES, avail / 1024);
	}
	committed = w32_meminfo_kb(b.data, "Committed_AS");
	limit = w32_meminfo_kb(b.data, "CommitLimit");
	set_kb(i, PM_COMMITTED_BYTES, committed);
	set_kb(i, PM_COMMIT_LIMIT, limit);
	if (committed != PROCFS_NONE && limit != PROCFS_NONE)
		svc->set_uint(i, PM_PERCENT_COMMITTED,
		    pct_of((double)committed, (double)limit));
	set_kb(i, PM_CACHE_BYTES, w32_meminfo_kb(b.data, "Cached"));
	set_kb(i, PM_POOL_NONPAGED_BYTES, w32_meminfo_kb(b.data, "SUnreclaim"));
	set_kb(i, PM_POOL_PAGED_BYTES, w32_meminfo_kb(b.data, "SReclaimable"));
	procfs_buf_free(&b);
	if (vm->before != NULL && vm->after != NULL) {
		vm_rate(i, PM_PAGE_FAULTS_PERSEC, vm, faults);
		vm_rate(i, PM_PAGES_PERSEC, vm, swap);
		vm_rate(i, PM_PAGES_INPUT_PERSEC, vm, swapin);
		vm_rate(i, PM_PAGES_OUTPUT_PERSEC, vm, swapout);
		vm_rate(i, PM_PAGE_READS_PERSEC, vm, majflt);
	}
	svc->emit(ctx, i);
}

static int
perf_mem_enumerate(struct cim_ctx *ctx, void *unused)
{
	(void)unused;
	return w32_sample(ctx, W32_SRC(W32_SRC_VMSTAT), mem_rates, NULL);
}

const struct cim_class w32_perf_mem_class = {
	.name = "Win32_PerfFormattedData_PerfOS_Memory",
	.ns = W32_NS,
	.props = perf_mem_props,
	.nprops = PM_COUNT,
	.enumerate = perf_mem_enumerate,
};

/* ----------------------------------------------------- LogicalDisk */

enum {
	PD_NAME, PD_PERCENT_DISK_TIME, PD_PERCENT_DISK_READ_TIME,
	PD_PERCENT_DISK_WRITE_TIME, PD_PERCENT_IDLE_TIME,
	PD_AVG_DISK_QUEUE_LENGTH, PD_AVG_DISK_READ_QUEUE_LENGTH,
	PD_AVG_DISK_WRITE_QUEUE_LENGTH, PD_CURRENT_DISK_QUEUE_LENGTH,
	PD_DISK_READS_PERSEC, PD_DISK_WRITES_PERSEC, PD_DISK_TRANSFERS_PERSEC,
	PD_DISK_READ_BYTES_PERSEC, PD_DISK_WRITE_BYTES_PERSEC,
	PD_DISK_BYTES_PERSEC, PD_AVG_DISK_SEC_PER_READ,
	PD_AVG_DISK_SEC_PER_WRITE, PD_AVG_DISK_SEC_PER_TRANSFER,
	PD_FREE_MEGABYTES, PD_PERCENT_FREE_SPACE,
	PD_COUNT
};

static const struct cim_property perf_disk_props[PD_COUNT] = {
	[PD_NAME] = { "Name", CIM_STRING, CIM_KEY },
	[PD_PERCENT_DISK_TIME] = { "PercentDiskTime", CIM_UINT64, 0 },
	[PD_PERCENT_DISK_READ_TIME] = { "PercentDiskReadTime", CIM_UINT64, 0 },
	[PD_PERCENT_DISK_WRITE_TIME] = { "PercentDiskWriteTime", CIM_UINT64, 0 },
	[PD_PERCENT_IDLE_TIME] = { "PercentIdleTime", CIM_UINT64, 0 },
	[PD_AVG_DISK_QUEUE_LENGTH] = { "AvgDiskQueueLength", CIM_UINT64, 0 },
	[PD_AVG_DISK_READ_QUEUE_LENGTH] = { "AvgDiskReadQueueLength", CIM_UINT64, 0 },
	[PD_AVG_DISK_WRITE_QUEUE_LENGTH] = { "AvgDiskWriteQueueLength", CIM_UINT64, 0 },
	[PD_CURRENT_DISK_QUEUE_LENGTH] = { "CurrentDiskQueueLength", CIM_UINT32, 0 },
	[PD_DISK_READS_PERSEC] = { "DiskReadsPersec", CIM_UINT32, 0 },
	[PD_DISK_WRITES_PERSEC] = { "DiskWritesPersec", CIM_UINT32, 0 },
	[PD_DISK_TRANSFERS_PERSEC] = { "DiskTransfersPersec", CIM_UINT32, 0 },
	[PD_DISK_READ_BYTES_PERSEC] = { "DiskReadBytesPersec", CIM_UINT64, 0 },
	[PD_DISK_WRITE_BYTES_PERSEC] = { "DiskWriteBytesPersec", CIM_UINT64, 0 },
	[PD_DISK_BYTES_PERSEC] = { "DiskBytesPersec", CIM_UINT64, 0 },
	[PD_AVG_DISK_SEC_PER_READ] = { "AvgDisksecPerRead", CIM_UINT32, 0 },
	[PD_AVG_DISK_SEC_PER_WRITE] = { "AvgDisksecPerWrite", CIM_UINT32, 0 },
	[PD_AVG_DISK_SEC_PER_TRANSFER] = { "AvgDisksecPerTransfer", CIM_UINT32, 0 },
	[PD_FREE_MEGABYTES] = { "FreeMegabytes", CIM_UINT32, 0 },
	[PD_PERCENT_FREE_SPACE] = { "PercentFreeSpace", CIM_UINT32, 0 },
};

static uint64_t
dlt(uint64_t a, uint64_t b)
{
	return b >= a ? b - a : 0;
}

void
w32_disk_rates(const struct w32_diskstat *a, const struct w32_diskstat *b,
    double seconds, struct w32_disk_rates *ret)
{
	double ms = seconds * 1000.0;
	uint64_t busy;

	memset(ret, 0, sizeof(*ret));
	ret->in_flight = b->in_flight;
	if (seconds <= 0)
		return;
	ret->reads = w32_rate(a->rd_ios, b->rd_ios, seconds);
	ret->writes = w32_rate(a->wr_ios, b->wr_ios, seconds);
	/* the kernel counts 512-byte sectors whatever the device's */
	ret->read_bytes = w32_rate(a->rd_sectors, b->rd_sectors, seconds) * 512;
	ret->write_bytes = w32_rate(a->wr_sectors, b->wr_sectors, seconds) *
	    512;
	/*
	 * Windows: % Disk Time is the time of the I/Os over the interval
	 * (above 100 with several in flight), Avg. Disk Queue Length the same
	 * as a ratio; % Idle Time the time with no I/O in flight
	 */
	ret->pct_read = pct_of((double)dlt(a->rd_ticks, b->rd_ticks), ms);
	ret->pct_write = pct_of((double)dlt(a->wr_ticks, b->wr_ticks), ms);
	ret->pct_disk = ret->pct_read + ret->pct_write;
	busy = pct_of((double)dlt(a->io_ticks, b->io_ticks), ms);
	ret->pct_idle = busy >= 100 ? 0 : 100 - busy;
	ret->queue = (uint64_t)llround((double)dlt(a->time_in_queue,
	    b->time_in_queue) / ms);
	ret->read_queue = (uint64_t)llround((double)dlt(a->rd_ticks,
	    b->rd_ticks) / ms);
	ret->write_queue = (uint64_t)llround((double)dlt(a->wr_ticks,
	    b->wr_ticks) / ms);
	/* seconds per I/O, an integer as the formatted class has it */
	if (b->rd_ios > a->rd_ios)
		ret->sec_per_read = dlt(a->rd_ticks, b->rd_ticks) /
		    (b->rd_ios - a->rd_ios) / 1000;
	if (b->wr_ios > a->wr_ios)
		ret->sec_per_write = dlt(a->wr_ticks, b->wr_ticks) /
		    (b->wr_ios - a->wr_ios) / 1000;
	if (b->rd_ios + b->wr_ios > a->rd_ios + a->wr_ios)
		ret->sec_per_transfer = dlt(a->rd_ticks + a->wr_ticks,
		    b->rd_ticks + b->wr_ticks) / (b->rd_ios + b->wr_ios -
		    a->rd_ios - a->wr_ios) / 1000;
}

static void
disk_set(struct cim_instance *i, const char *name,
    const struct w32_disk_rates *r, uint64_t size, uint64_t avail,
    bool have_vfs)
{
	const struct cim_services *svc = w32->svc;

	svc->set_string(i, PD_NAME, name);
	svc->set_uint(i, PD_PERCENT_DISK_TIME, r->pct_disk);
	svc->set_uint(i, PD_PERCENT_DISK_READ_TIME, r->pct_read);
	svc->set_uint(i, PD_PERCENT_DISK_WRITE_TIME, r->pct_write);
	svc->set_uint(i, PD_PERCENT_IDLE_TIME, r->pct_idle);
	svc->set_uint(i, PD_AVG_DISK_QUEUE_LENGTH, r->queue);
	svc->set_uint(i, PD_AVG_DISK_READ_QUEUE_LENGTH, r->read_queue);
	svc->set_uint(i, PD_AVG_DISK_WRITE_QUEUE_LENGTH, r->write_queue);
	svc->set_uint(i, PD_CURRENT_DISK_QUEUE_LENGTH, r->in_flight);
	svc->set_uint(i, PD_DISK_READS_PERSEC, r->reads);
	svc->set_uint(i, PD_DISK_WRITES_PERSEC, r->writes);
	svc->set_uint(i, PD_DISK_TRANSFERS_PERSEC, r->reads + r->writes);
	svc->set_uint(i, PD_DISK_READ_BYTES_PERSEC, r->read_bytes);
	svc->set_uint(i, PD_DISK_WRITE_BYTES_PERSEC, r->write_bytes);
	svc->set_uint(i, PD_DISK_BYTES_PERSEC, r->read_bytes + r->write_bytes);
	svc->set_uint(i, PD_AVG_DISK_SEC_PER_READ, r->sec_per_read);
	svc->set_uint(i, PD_AVG_DISK_SEC_PER_WRITE, r->sec_per_write);
	svc->set_uint(i, PD_AVG_DISK_SEC_PER_TRANSFER, r->sec_per_transfer);
	if (have_vfs) {
		svc->set_uint(i, PD_FREE_MEGABYTES, avail / (1024 * 1024));
		svc->set_uint(i, PD_PERCENT_FREE_SPACE,
		    pct_of((double)avail, (double)size));
	}
}

static void
disk_rates_cb(struct cim_ctx *ctx, const struct w32_pair *p, void *arg)
{
	const struct cim_services *svc = w32->svc;
	const struct w32_pair *ds = &p[W32_SRC_DISKSTATS];
	struct procfs_buf b = { 0 };
	struct mount_entry m;
	struct w32_disk_rates tot;
	dev_t seen[MAX_DISKS];
	size_t nseen = 0, n = 0;
	uint64_t tsize = 0, tavail = 0;
	char path[4096], *cur;
	int r;

	(void)arg;
	memset(&tot, 0, sizeof(tot));
	if (ds->before == NULL || ds->after == NULL ||
	    w32_path(path, sizeof(path), w32->paths.proc,
	    "self/mountinfo") < 0 ||
	    procfs_read(AT_FDCWD, path, &b, 0, PROCFS_UNTIL_EOF) < 0) {
		procfs_buf_free(&b);
		svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR,
		    "/proc/diskstats or mountinfo cannot be read");
		return;
	}
	cur = b.data;
	while ((r = procfs_next_mount(&cur, &m)) != 0 && nseen < MAX_DISKS) {
		struct w32_diskstat da, db;
		struct w32_disk_rates dr;
		struct cim_instance *i;
		struct statvfs vfs;
		struct stat st;
		dev_t dev;
		bool dup = false, have;

		if (r < 0 || w32_disk_skip(m.fstype, m.mount_point) ||
		    w32_fs_is_remote(m.fstype))
			continue;
		dev = makedev(m.major, m.minor);
		/* btrfs and others: an anonymous device, the source's */
		if (m.source[0] == '/' && stat(m.source, &st) == 0 &&
		    S_ISBLK(st.st_mode))
			dev = st.st_rdev;
		for (size_t k = 0; k < nseen; k++)
			dup = dup || seen[k] == dev;
		if (dup || !w32_find_diskstat(ds->before, major(dev),
		    minor(dev), &da) || !w32_find_diskstat(ds->after,
		    major(dev), minor(dev), &db))
			continue;
		seen[nseen++] = dev;
		w32_disk_rates(&da, &db, ds->seconds, &dr);
		have = statvfs(m.mount_point, &vfs) == 0;
		if ((i = svc->instance(ctx)) == NULL) {
			w32_fail_nomem(ctx);
			goto out;
		}
		w32_utf8_fix(m.mount_point);
		disk_set(i, m.mount_point, &dr, have ? (uint64_t)vfs.f_blocks *
		    vfs.f_frsize : 0, have ? (uint64_t)vfs.f_bavail *
		    vfs.f_frsize : 0, have);
		if (have) {
			tsize += (uint64_t)vfs.f_blocks * vfs.f_frsize;
			tavail += (uint64_t)vfs.f_bavail * vfs.f_frsize;
		}
		/* _Total: rates and queues add up, percentages average */
		tot.reads += dr.reads;
		tot.writes += dr.writes;
		tot.read_bytes += dr.read_bytes;
		tot.write_bytes += dr.write_bytes;
		tot.queue += dr.queue;
		tot.read_queue += dr.read_queue;
		tot.write_queue += dr.write_queue;
		tot.in_flight += dr.in_flight;
		tot.pct_disk += dr.pct_disk;
		tot.pct_read += dr.pct_read;
		tot.pct_write += dr.pct_write;
		tot.pct_idle += dr.pct_idle;
		if (dr.sec_per_read > tot.sec_per_read)
			tot.sec_per_read = dr.sec_per_read;
		if (dr.sec_per_write > tot.sec_per_write)
			tot.sec_per_write = dr.sec_per_write;
		if (dr.sec_per_transfer > tot.sec_per_transfer)
			tot.sec_per_transfer = dr.sec_per_transfer;
		n++;
		if (!svc->emit(ctx, i))
			goto out;
	}
	if (n > 0) {
		struct cim_instance *i = svc->instance(ctx);

		if (i == NULL) {
			w32_fail_nomem(ctx);
			goto out;
		}
		tot.pct_disk /= n;
		tot.pct_read /= n;
		tot.pct_write /= n;
		tot.pct_idle /= n;
		disk_set(i, "_Total", &tot, tsize, tavail, tsize > 0);
		svc->emit(ctx, i);
	}
out:
	procfs_buf_free(&b);
}

static int
perf_disk_enumerate(struct cim_ctx *ctx, void *unused)
{
	(void)unused;
	return w32_sample(ctx, W32_SRC(W32_SRC_DISKSTATS), disk_rates_cb,
	    NULL);
}

const struct cim_class w32_perf_disk_class = {
	.name = "Win32_PerfFormattedData_PerfDisk_LogicalDisk",
	.ns = W32_NS,
	.props = perf_disk_props,
	.nprops = PD_COUNT,
	.enumerate = perf_disk_enumerate,
};

/* ------------------------------------------------ NetworkInterface */

enum {
	PN_NAME, PN_BYTES_RECEIVED_PERSEC, PN_BYTES_SENT_PERSEC,
	PN_BYTES_TOTAL_PERSEC, PN_PACKETS_RECEIVED_PERSEC,
	PN_PACKETS_SENT_PERSEC, PN_PACKETS_PERSEC, PN_PACKETS_RECEIVED_ERRORS,
	PN_PACKETS_RECEIVED_DISCARDED, PN_PACKETS_OUTBOUND_ERRORS,
	PN_PACKETS_OUTBOUND_DISCARDED, PN_CURRENT_BANDWIDTH,
	PN_OUTPUT_QUEUE_LENGTH,
	PN_COUNT
};

static const struct cim_property perf_net_props[PN_COUNT] = {
	[PN_NAME] = { "Name", CIM_STRING, CIM_KEY },
	[PN_BYTES_RECEIVED_PERSEC] = { "BytesReceivedPersec", CIM_UINT64, 0 },
	[PN_BYTES_SENT_PERSEC] = { "BytesSentPersec", CIM_UINT64, 0 },
	[PN_BYTES_TOTAL_PERSEC] = { "BytesTotalPersec", CIM_UINT64, 0 },
	[PN_PACKETS_RECEIVED_PERSEC] = { "PacketsReceivedPersec", CIM_UINT32, 0 },
	[PN_PACKETS_SENT_PERSEC] = { "PacketsSentPersec", CIM_UINT32, 0 },
	[PN_PACKETS_PERSEC] = { "PacketsPersec", CIM_UINT32, 0 },
	[PN_PACKETS_RECEIVED_ERRORS] = { "PacketsReceivedErrors", CIM_UINT32, 0 },
	[PN_PACKETS_RECEIVED_DISCARDED] = { "PacketsReceivedDiscarded", CIM_UINT32, 0 },
	[PN_PACKETS_OUTBOUND_ERRORS] = { "PacketsOutboundErrors", CIM_UINT32, 0 },
	[PN_PACKETS_OUTBOUND_DISCARDED] = { "PacketsOutboundDiscarded", CIM_UINT32, 0 },
	[PN_CURRENT_BANDWIDTH] = { "CurrentBandwidth", CIM_UINT64, 0 },
	[PN_OUTPUT_QUEUE_LENGTH] = { "OutputQueueLength", CIM_UINT64, 0 },
};

/* bits per second of an interface (/sys/class/net/X/speed is Mb/s) */
uint64_t
w32_link_speed(const char *ifname)
{
	char path[4096], rel[128], v[32];
	long long mbps;

	snprintf(rel, sizeof(rel), "class/net/%s/speed", ifname);
	if (w32_path(path, sizeof(path), w32->paths.sys, rel) < 0 ||
	    procfs_read_small(AT_FDCWD, path, v, sizeof(v)) <= 0 ||
	    (mbps = strtoll(v, NULL, 10)) <= 0)
		return 0;
	return (uint64_t)mbps * 1000000;
}

static void
net_rates(struct cim_ctx *ctx, const struct w32_pair *p, void *arg)
{
	const struct cim_services *svc = w32->svc;
	const struct w32_pair *nd = &p[W32_SRC_NETDEV];
	const char *cb;
	struct w32_netdev b;

	(void)arg;
	if (nd->before == NULL || nd->after == NULL) {
		svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR,
		    "/proc/net/dev cannot be read");
		return;
	}
	for (cb = nd->after; w32_next_netdev(&cb, &b);) {
		const char *ca = nd->before;
		struct w32_netdev a;
		struct cim_instance *i;
		bool found = false;
		double s = nd->seconds;
		uint64_t rx, tx;

		if (strcmp(b.name, "lo") == 0)
			continue;
		while (!found && w32_next_netdev(&ca, &a))
			found = strcmp(a.name, b.name) == 0;
		if (!found)
			continue;
		if ((i = svc->instance(ctx)) == NULL) {
			w32_fail_nomem(ctx);
			return;
		}
		svc->set_string(i, PN_NAME, b.name);
		/* the totals are the sums of the rounded rates, so they add up */
		rx = w32_rate(a.rx_bytes, b.rx_bytes, s);
		tx = w32_rate(a.tx_bytes, b.tx_bytes, s);
		svc->set_uint(i, PN_BYTES_RECEIVED_PERSEC, rx);
		svc->set_uint(i, PN_BYTES_SENT_PERSEC, tx);
		svc->set_uint(i, PN_BYTES_TOTAL_PERSEC, rx + tx);
		rx = w32_rate(a.rx_packets, b.rx_packets, s);
		tx = w32_rate(a.tx_packets, b.tx_packets, s);
		svc->set_uint(i, PN_PACKETS_RECEIVED_PERSEC, rx);
		svc->set_uint(i, PN_PACKETS_SENT_PERSEC, tx);
		svc->set_uint(i, PN_PACKETS_PERSEC, rx + tx);
		/* counts, not rates, as in Windows' class */
		svc->set_uint(i, PN_PACKETS_RECEIVED_ERRORS, b.rx_errs);
		svc->set_uint(i, PN_PACKETS_RECEIVED_DISCARDED, b.rx_drop);
		svc->set_uint(i, PN_PACKETS_OUTBOUND_ERRORS, b.tx_errs);
		svc->set_uint(i, PN_PACKETS_OUTBOUND_DISCARDED, b.tx_drop);
		svc->set_uint(i, PN_CURRENT_BANDWIDTH, w32_link_speed(b.name));
		svc->set_uint(i, PN_OUTPUT_QUEUE_LENGTH, 0);
		if (!svc->emit(ctx, i))
			return;
	}
}

static int
perf_net_enumerate(struct cim_ctx *ctx, void *unused)
{
	(void)unused;
	return w32_sample(ctx, W32_SRC(W32_SRC_NETDEV), net_rates, NULL);
}

const struct cim_class w32_perf_net_class = {
	.name = "Win32_PerfFormattedData_Tcpip_NetworkInterface",
	.ns = W32_NS,
	.props = perf_net_props,
	.nprops = PN_COUNT,
	.enumerate = perf_net_enumerate,
};
