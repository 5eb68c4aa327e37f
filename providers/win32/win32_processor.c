/*
 * win32_processor.c: Win32_Processor, one instance per physical package
 * (key DeviceID = "CPU0", "CPU1"... in the order of /proc/cpuinfo's
 * physical ids): the model, vendor, cores and logical processors from
 * /proc/cpuinfo, clock speeds and cache sizes from
 * /sys/devices/system/cpu, and LoadPercentage, the package's busy time
 * over an interval of /proc/stat (win32_sample.c) as Windows computes it.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "procfs.h"
#include "win32.h"

#define MAX_CPUS	4096
#define MAX_PACKAGES	64

enum {
	RP_DEVICE_ID, RP_NAME, RP_CAPTION, RP_DESCRIPTION, RP_MANUFACTURER,
	RP_NUMBER_OF_CORES, RP_NUMBER_OF_LOGICAL_PROCESSORS, RP_THREAD_COUNT,
	RP_MAX_CLOCK_SPEED, RP_CURRENT_CLOCK_SPEED, RP_L2_CACHE_SIZE,
	RP_L3_CACHE_SIZE, RP_ADDRESS_WIDTH, RP_DATA_WIDTH, RP_ARCHITECTURE,
	RP_LEVEL, RP_STEPPING, RP_LOAD_PERCENTAGE, RP_PROCESSOR_TYPE,
	RP_SOCKET_DESIGNATION, RP_STATUS, RP_CPU_STATUS, RP_AVAILABILITY,
	RP_ROLE, RP_SYSTEM_NAME, RP_CREATION_CLASS_NAME,
	RP_COUNT
};

static const struct cim_property processor_props[RP_COUNT] = {
	[RP_DEVICE_ID] = { "DeviceID", CIM_STRING, CIM_KEY },
	[RP_NAME] = { "Name", CIM_STRING, 0 },
	[RP_CAPTION] = { "Caption", CIM_STRING, 0 },
	[RP_DESCRIPTION] = { "Description", CIM_STRING, 0 },
	[RP_MANUFACTURER] = { "Manufacturer", CIM_STRING, 0 },
	[RP_NUMBER_OF_CORES] = { "NumberOfCores", CIM_UINT32, 0 },
	[RP_NUMBER_OF_LOGICAL_PROCESSORS] = { "NumberOfLogicalProcessors", CIM_UINT32, 0 },
	[RP_THREAD_COUNT] = { "ThreadCount", CIM_UINT32, 0 },
	[RP_MAX_CLOCK_SPEED] = { "MaxClockSpeed", CIM_UINT32, 0 },
	[RP_CURRENT_CLOCK_SPEED] = { "CurrentClockSpeed", CIM_UINT32, 0 },
	[RP_L2_CACHE_SIZE] = { "L2CacheSize", CIM_UINT32, 0 },
	[RP_L3_CACHE_SIZE] = { "L3CacheSize", CIM_UINT32, 0 },
	[RP_ADDRESS_WIDTH] = { "AddressWidth", CIM_UINT16, 0 },
	[RP_DATA_WIDTH] = { "DataWidth", CIM_UINT16, 0 },
	[RP_ARCHITECTURE] = { "Architecture", CIM_UINT16, 0 },
	[RP_LEVEL] = { "Level", CIM_UINT16, 0 },
	[RP_STEPPING] = { "Stepping", CIM_STRING, 0 },
	[RP_LOAD_PERCENTAGE] = { "LoadPercentage", CIM_UINT16, 0 },
	[RP_PROCESSOR_TYPE] = { "ProcessorType", CIM_UINT16, 0 },
	[RP_SOCKET_DESIGNATION] = { "SocketDesignation", CIM_STRING, 0 },
	[RP_STATUS] = { "Status", CIM_STRING, 0 },
	[RP_CPU_STATUS] = { "CpuStatus", CIM_UINT16, 0 },
	[RP_AVAILABILITY] = { "Availability", CIM_UINT16, 0 },
	[RP_ROLE] = { "Role", CIM_STRING, 0 },
	[RP_SYSTEM_NAME] = { "SystemName", CIM_STRING, 0 },
	[RP_CREATION_CLASS_NAME] = { "CreationClassName", CIM_STRING, 0 },
};

/* ------------------------------------------------------------ pure */

static void
copy_value(const char *colon, const char *eol, char *buf, size_t len)
{
	size_t n;

	colon++;
	while (colon < eol && (*colon == ' ' || *colon == '\t'))
		colon++;
	n = (size_t)(eol - colon);
	while (n > 0 && (colon[n - 1] == ' ' || colon[n - 1] == '\t'))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(buf, colon, n);
	buf[n] = '\0';
}

static bool
key_is(const char *line, const char *colon, const char *key)
{
	size_t n = strlen(key);
	const char *p = line + n;

	if (strncmp(line, key, n) != 0)
		return false;
	while (p < colon && (*p == ' ' || *p == '\t'))
		p++;
	return p == colon;
}

size_t
w32_parse_cpuinfo_procs(const char *buf, struct w32_cpuinfo *out, size_t max)
{
	size_t n = 0;
	struct w32_cpuinfo *c = NULL;

	for (const char *line = buf; *line != '\0';) {
		const char *eol = strchr(line, '\n'), *colon;

		if (eol == NULL)
			eol = line + strlen(line);
		colon = memchr(line, ':', (size_t)(eol - line));
		if (colon != NULL && key_is(line, colon, "processor")) {
			if (n == max)
				break;
			c = &out[n++];
			memset(c, 0, sizeof(*c));
			c->processor = (int)strtol(colon + 1, NULL, 10);
			c->physical_id = c->core_id = -1;
		} else if (colon != NULL && c != NULL) {
			char v[128];

			copy_value(colon, eol, v, sizeof(v));
			if (key_is(line, colon, "model name"))
				snprintf(c->model_name, sizeof(c->model_name),
				    "%s", v);
			else if (key_is(line, colon, "vendor_id"))
				snprintf(c->vendor, sizeof(c->vendor), "%.31s", v);
			else if (key_is(line, colon, "cpu family"))
				c->family = (int)strtol(v, NULL, 10);
			else if (key_is(line, colon, "model"))
				c->model = (int)strtol(v, NULL, 10);
			else if (key_is(line, colon, "stepping"))
				c->stepping = (int)strtol(v, NULL, 10);
			else if (key_is(line, colon, "cpu MHz"))
				c->mhz = strtod(v, NULL);
			else if (key_is(line, colon, "physical id"))
				c->physical_id = (int)strtol(v, NULL, 10);
			else if (key_is(line, colon, "core id"))
				c->core_id = (int)strtol(v, NULL, 10);
		}
		line = *eol == '\n' ? eol + 1 : eol;
	}
	return n;
}

/* Win32_Processor.Architecture of a uname machine */
uint16_t
w32_cpu_architecture(const char *machine)
{
	if (strcmp(machine, "x86_64") == 0)
		return 9;
	if (strcmp(machine, "aarch64") == 0)
		return 12;
	if (strncmp(machine, "arm", 3) == 0)
		return 5;
	if (strncmp(machine, "ppc", 3) == 0)
		return 3;
	if (strcmp(machine, "ia64") == 0)
		return 6;
	return 0;			/* x86 and the rest */
}

/* ------------------------------------------------------------ sources */

/* a number from /sys/devices/system/cpu/cpuN/rel, or -1 */
static long long
cpu_sys(int cpu, const char *rel)
{
	char path[4096], sub[256], v[64];

	snprintf(sub, sizeof(sub), "devices/system/cpu/cpu%d/%s", cpu, rel);
	if (w32_path(path, sizeof(path), w32->paths.sys, sub) < 0 ||
	    procfs_read_small(AT_FDCWD, path, v, sizeof(v)) <= 0)
		return -1;
	return strtoll(v, NULL, 10);
}

/* marks the CPUs of a cpulist ("0-3,8,10-11") in bits; how many */
size_t
w32_cpulist_mark(const char *list, uint8_t *bits, size_t nbits)
{
	size_t marked = 0;
	const char *p = list;

	while (*p != '\0') {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a;

		if (end == p)
			break;
		p = end;
		if (*p == '-') {
			b = strtoul(p + 1, &end, 10);
			if (end == p + 1)
				break;
			p = end;
		}
		for (unsigned long c = a; c <= b && c < nbits; c++) {
			bits[c / 8] |= (uint8_t)(1u << (c % 8));
			marked++;
		}
		if (*p != ',')
			break;
		p++;
	}
	return marked;
}

/*
 * sizes in KB of the level-`level' caches of a package's CPUs: a cache
 * shared by several CPUs (shared_cpu_list) counts once, and the CPUs it
 * covers are not asked again
 */
static uint64_t
cache_kb(const int *cpus, size_t n, int level)
{
	uint8_t covered[MAX_CPUS / 8];
	uint64_t kb = 0;

	memset(covered, 0, sizeof(covered));
	for (size_t k = 0; k < n; k++) {
		if (cpus[k] < 0 || cpus[k] >= MAX_CPUS ||
		    (covered[cpus[k] / 8] & (1u << (cpus[k] % 8))))
			continue;
		for (int idx = 0; idx < 8; idx++) {
			char path[4096], sub[256], v[1024];

			snprintf(sub, sizeof(sub),
			    "devices/system/cpu/cpu%d/cache/index%d/", cpus[k],
			    idx);
			snprintf(path, sizeof(path), "%s/%slevel",
			    w32->paths.sys, sub);
			if (procfs_read_small(AT_FDCWD, path, v, sizeof(v)) <= 0)
				break;
			if (atoi(v) != level)
				continue;
			snprintf(path, sizeof(path), "%s/%stype",
			    w32->paths.sys, sub);
			if (procfs_read_small(AT_FDCWD, path, v, sizeof(v)) > 0 &&
			    strcmp(v, "Instruction") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%sshared_cpu_list",
			    w32->paths.sys, sub);
			if (procfs_read_small(AT_FDCWD, path, v, sizeof(v)) <= 0 ||
			    w32_cpulist_mark(v, covered, MAX_CPUS) == 0)
				covered[cpus[k] / 8] |= (uint8_t)(1u << (cpus[k] % 8));
			snprintf(path, sizeof(path), "%s/%ssize",
			    w32->paths.sys, sub);
			if (procfs_read_small(AT_FDCWD, path, v, sizeof(v)) > 0)
				kb += strtoull(v, NULL, 10) *
				    (strchr(v, 'M') != NULL ? 1024 : 1);
		}
	}
	return kb;
}

struct package {
	int		 id;
	int		*cpus;		/* processor numbers */
	size_t		 n;
	int		 cores[256];
	size_t		 ncores;
	const struct w32_cpuinfo *first;
};

static void
processor_emit(struct cim_ctx *ctx, const struct w32_pair *p, void *arg)
{
	const struct cim_services *svc = w32->svc;
	struct procfs_buf b = { 0 };
	struct w32_cpuinfo *ci = NULL;
	struct w32_cpu *sa = NULL, *sb = NULL;
	struct package pk[MAX_PACKAGES];
	size_t nci, npk = 0, na = 0, nb = 0;
	struct utsname u;
	char path[4096], host[256];

	(void)arg;
	memset(pk, 0, sizeof(pk));
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	w32_hostname(host, sizeof(host));
	if ((ci = calloc(MAX_CPUS, sizeof(*ci))) == NULL ||
	    (sa = calloc(MAX_CPUS + 1, sizeof(*sa))) == NULL ||
	    (sb = calloc(MAX_CPUS + 1, sizeof(*sb))) == NULL) {
		w32_fail_nomem(ctx);
		goto out;
	}
	if (w32_path(path, sizeof(path), w32->paths.proc, "cpuinfo") < 0 ||
	    procfs_read(AT_FDCWD, path, &b, 0, PROCFS_UNTIL_EOF) < 0) {
		svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR,
		    "/proc/cpuinfo cannot be read");
		goto out;
	}
	nci = w32_parse_cpuinfo_procs(b.data, ci, MAX_CPUS);
	/* packages in the order of their first processor */
	for (size_t k = 0; k < nci; k++) {
		int id = ci[k].physical_id < 0 ? 0 : ci[k].physical_id;
		struct package *q = NULL;
		bool dup = false;

		for (size_t j = 0; j < npk && q == NULL; j++)
			if (pk[j].id == id)
				q = &pk[j];
		if (q == NULL) {
			if (npk == MAX_PACKAGES)
				continue;
			q = &pk[npk++];
			q->id = id;
			q->first = &ci[k];
			if ((q->cpus = calloc(nci, sizeof(int))) == NULL) {
				w32_fail_nomem(ctx);
				goto out;
			}
		}
		q->cpus[q->n++] = ci[k].processor;
		for (size_t j = 0; j < q->ncores; j++)
			dup = dup || q->cores[j] == ci[k].core_id;
		if (!dup && q->ncores < 256)
			q->cores[q->ncores++] = ci[k].core_id;
	}
	if (p[W32_SRC_STAT].before != NULL && p[W32_SRC_STAT].after != NULL) {
		na = w32_parse_cpus(p[W32_SRC_STAT].before, sa, MAX_CPUS + 1);
		nb = w32_parse_cpus(p[W32_SRC_STAT].after, sb, MAX_CPUS + 1);
	}
	for (size_t j = 0; j < npk; j++) {
		const struct w32_cpuinfo *f = pk[j].first;
		struct w32_cpu ta, tb;
		struct cim_instance *i;
		char id[32], caption[160];
		long long khz;
		size_t matched = 0;

		if ((i = svc->instance(ctx)) == NULL) {
			w32_fail_nomem(ctx);
			goto out;
		}
		snprintf(id, sizeof(id), "CPU%zu", j);
		svc->set_string(i, RP_DEVICE_ID, id);
		snprintf(caption, sizeof(caption), "%s",
		    f->model_name[0] != '\0' ? f->model_name : u.machine);
		w32_utf8_fix(caption);
		svc->set_string(i, RP_NAME, caption);
		if (f->vendor[0] != '\0')
			snprintf(caption, sizeof(caption), "%s Family %d Model "
			    "%d Stepping %d", u.machine, f->family, f->model,
			    f->stepping);
		else
			snprintf(caption, sizeof(caption), "%s", u.machine);
		svc->set_string(i, RP_CAPTION, caption);
		svc->set_string(i, RP_DESCRIPTION, caption);
		if (f->vendor[0] != '\0')
			svc->set_string(i, RP_MANUFACTURER, f->vendor);
		svc->set_uint(i, RP_NUMBER_OF_CORES, pk[j].ncores);
		svc->set_uint(i, RP_NUMBER_OF_LOGICAL_PROCESSORS, pk[j].n);
		svc->set_uint(i, RP_THREAD_COUNT, pk[j].n);
		if ((khz = cpu_sys(pk[j].cpus[0],
		    "cpufreq/cpuinfo_max_freq")) > 0)
			svc->set_uint(i, RP_MAX_CLOCK_SPEED,
			    (uint64_t)(khz / 1000));
		else if (f->mhz > 0)
			svc->set_uint(i, RP_MAX_CLOCK_SPEED,
			    (uint64_t)llround(f->mhz));
		if ((khz = cpu_sys(pk[j].cpus[0],
		    "cpufreq/scaling_cur_freq")) > 0)
			svc->set_uint(i, RP_CURRENT_CLOCK_SPEED,
			    (uint64_t)(khz / 1000));
		else if (f->mhz > 0)
			svc->set_uint(i, RP_CURRENT_CLOCK_SPEED,
			    (uint64_t)llround(f->mhz));
		svc->set_uint(i, RP_L2_CACHE_SIZE, cache_kb(pk[j].cpus,
		    pk[j].n, 2));
		svc->set_uint(i, RP_L3_CACHE_SIZE, cache_kb(pk[j].cpus,
		    pk[j].n, 3));
		svc->set_uint(i, RP_ADDRESS_WIDTH, sizeof(void *) * 8);
		svc->set_uint(i, RP_DATA_WIDTH, sizeof(void *) * 8);
		svc->set_uint(i, RP_ARCHITECTURE,
		    w32_cpu_architecture(u.machine));
		if (f->family > 0)
			svc->set_uint(i, RP_LEVEL, (uint64_t)f->family);
		if (f->vendor[0] != '\0') {
			char s[16];

			snprintf(s, sizeof(s), "%d", f->stepping);
			svc->set_string(i, RP_STEPPING, s);
		}
		/* the package's CPUs, summed, between the two samples */
		memset(&ta, 0, sizeof(ta));
		memset(&tb, 0, sizeof(tb));
		for (size_t c = 0; c < pk[j].n; c++) {
			size_t x, y;

			for (x = 0; x < na && sa[x].id != pk[j].cpus[c]; x++)
				;
			for (y = 0; y < nb && sb[y].id != pk[j].cpus[c]; y++)
				;
			if (x == na || y == nb)
				continue;
#define ADD(f)	do { ta.f += sa[x].f; tb.f += sb[y].f; } while (0)
			ADD(user); ADD(nice); ADD(system); ADD(idle);
			ADD(iowait); ADD(irq); ADD(softirq); ADD(steal);
#undef ADD
			matched++;
		}
		if (matched > 0) {
			struct w32_cpu_pct pc;

			w32_cpu_percent(&ta, &tb, &pc);
			svc->set_uint(i, RP_LOAD_PERCENTAGE, pc.processor);
		}
		svc->set_uint(i, RP_PROCESSOR_TYPE, 3);	/* central */
		snprintf(id, sizeof(id), "CPU %d", pk[j].id);
		svc->set_string(i, RP_SOCKET_DESIGNATION, id);
		svc->set_string(i, RP_STATUS, "OK");
		svc->set_uint(i, RP_CPU_STATUS, 1);	/* enabled */
		svc->set_uint(i, RP_AVAILABILITY, 3);	/* running */
		svc->set_string(i, RP_ROLE, "CPU");
		svc->set_string(i, RP_SYSTEM_NAME, host);
		svc->set_string(i, RP_CREATION_CLASS_NAME, "Win32_Processor");
		if (!svc->emit(ctx, i))
			break;
	}
out:
	for (size_t j = 0; j < npk; j++)
		free(pk[j].cpus);
	procfs_buf_free(&b);
	free(ci);
	free(sa);
	free(sb);
}

static int
processor_enumerate(struct cim_ctx *ctx, void *unused)
{
	(void)unused;
	return w32_sample(ctx, W32_SRC(W32_SRC_STAT), processor_emit, NULL);
}

const struct cim_class w32_processor_class = {
	.name = "Win32_Processor",
	.ns = W32_NS,
	.props = processor_props,
	.nprops = RP_COUNT,
	.enumerate = processor_enumerate,
};
