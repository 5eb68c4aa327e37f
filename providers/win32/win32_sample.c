/*
 * win32_sample.c: two samples of the kernel's counters (/proc/stat,
 * /proc/diskstats, /proc/net/dev, /proc/vmstat) an interval apart, for the
 * classes that report rates as Windows' formatted performance data does
 * (Win32_PerfFormattedData_*, Win32_Processor.LoadPercentage), and the pure
 * parsers and rate arithmetic on their text.
 *
 * The provider keeps the last two samples of each file.  A query reads the
 * file again and computes against the newest kept sample that is at least
 * SAMPLE_MIN_MS old (and at most SAMPLE_MAX_MS); when there is none (the
 * first query, or after a long quiet time) it keeps what it read, waits
 * SAMPLE_WAIT_MS on a timer (the loop thread never sleeps) and reads
 * again.  Counters that went backwards (a device that came back) give 0.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "procfs.h"
#include "win32.h"

#define SAMPLE_MIN_MS	200
#define SAMPLE_MAX_MS	60000
#define SAMPLE_WAIT_MS	250
#define SAMPLE_MAX_SIZE	(4u << 20)	/* bytes of one file kept */

static const char *const source_file[W32_SRC_COUNT] = {
	[W32_SRC_STAT] = "stat",
	[W32_SRC_DISKSTATS] = "diskstats",
	[W32_SRC_NETDEV] = "net/dev",
	[W32_SRC_VMSTAT] = "vmstat",
};

struct sample {
	char		*text;		/* NULL: none */
	uint64_t	 at_ms;		/* CLOCK_MONOTONIC */
};

struct sample_wait {
	struct sample_wait	*next;
	struct cim_ctx		*ctx;
	unsigned		 mask;
	w32_rates_fn		 fn;
	void			*arg;
	struct winrmd_timer	*timer;
	struct w32_pair		 first[W32_SRC_COUNT];
};

static struct {
	struct sample		 last[W32_SRC_COUNT], prev[W32_SRC_COUNT];
	struct sample_wait	*waits;
} S;

/* ------------------------------------------------------------ pure */

uint64_t
w32_rate(uint64_t before, uint64_t after, double seconds)
{
	if (after < before || seconds <= 0)
		return 0;
	return (uint64_t)llround((double)(after - before) / seconds);
}

static const char *
next_line(const char *line)
{
	const char *eol = strchr(line, '\n');

	return eol != NULL ? eol + 1 : line + strlen(line);
}

size_t
w32_parse_cpus(const char *stat, struct w32_cpu *out, size_t max)
{
	size_t n = 0;

	for (const char *line = stat; *line != '\0' && n < max;
	    line = next_line(line)) {
		struct w32_cpu c;
		int id = -1, used = 0;

		if (strncmp(line, "cpu", 3) != 0)
			continue;
		memset(&c, 0, sizeof(c));
		if (line[3] == ' ')
			c.id = -1;
		else if (sscanf(line + 3, "%d%n", &id, &used) == 1 && id >= 0)
			c.id = id;
		else
			continue;
		if (sscanf(line + 3 + used, " %" SCNu64 " %" SCNu64 " %" SCNu64
		    " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %"
		    SCNu64, &c.user, &c.nice, &c.system, &c.idle, &c.iowait,
		    &c.irq, &c.softirq, &c.steal) < 4)
			continue;
		out[n++] = c;
	}
	return n;
}

uint64_t
w32_stat_value(const char *text, const char *key)
{
	size_t k = strlen(key);

	for (const char *line = text; *line != '\0'; line = next_line(line))
		if (strncmp(line, key, k) == 0 && line[k] == ' ')
			return strtoull(line + k + 1, NULL, 10);
	return PROCFS_NONE;
}

static uint64_t
cpu_total(const struct w32_cpu *c)
{
	return c->user + c->nice + c->system + c->idle + c->iowait + c->irq +
	    c->softirq + c->steal;
}

static uint64_t
delta(uint64_t a, uint64_t b)
{
	return b >= a ? b - a : 0;
}

static uint64_t
pct(uint64_t part, uint64_t whole)
{
	if (whole == 0)
		return 0;
	if (part > whole)
		part = whole;
	return (uint64_t)llround(100.0 * (double)part / (double)whole);
}

void
w32_cpu_percent(const struct w32_cpu *a, const struct w32_cpu *b,
    struct w32_cpu_pct *ret)
{
	uint64_t total = delta(cpu_total(a), cpu_total(b));
	uint64_t idle = delta(a->idle + a->iowait, b->idle + b->iowait);

	/* Windows: % Processor Time = 100 - % Idle Time */
	ret->idle = pct(idle, total);
	ret->processor = 100 - ret->idle;
	ret->user = pct(delta(a->user + a->nice, b->user + b->nice), total);
	ret->privileged = pct(delta(a->system + a->irq + a->softirq,
	    b->system + b->irq + b->softirq), total);
	ret->interrupt = pct(delta(a->irq, b->irq), total);
	ret->dpc = pct(delta(a->softirq, b->softirq), total);
}

bool
w32_find_diskstat(const char *text, unsigned major, unsigned minor,
    struct w32_diskstat *ret)
{
	for (const char *line = text; *line != '\0'; line = next_line(line)) {
		struct w32_diskstat d;

		memset(&d, 0, sizeof(d));
		if (sscanf(line, " %u %u %31s %" SCNu64 " %*u %" SCNu64 " %"
		    SCNu64 " %" SCNu64 " %*u %" SCNu64 " %" SCNu64 " %" SCNu64
		    " %" SCNu64 " %" SCNu64, &d.major, &d.minor, d.name,
		    &d.rd_ios, &d.rd_sectors, &d.rd_ticks, &d.wr_ios,
		    &d.wr_sectors, &d.wr_ticks, &d.in_flight, &d.io_ticks,
		    &d.time_in_queue) != 12)
			continue;
		if (d.major == major && d.minor == minor) {
			*ret = d;
			return true;
		}
	}
	return false;
}

bool
w32_next_netdev(const char **cursor, struct w32_netdev *ret)
{
	const char *line = *cursor;

	while (*line != '\0') {
		const char *colon = strchr(line, ':'), *eol = strchr(line, '\n');
		size_t n;

		if (eol == NULL)
			eol = line + strlen(line);
		*cursor = *eol == '\n' ? eol + 1 : eol;
		if (colon == NULL || colon > eol)
			goto next;
		while (*line == ' ')
			line++;
		n = (size_t)(colon - line);
		if (n == 0 || n >= sizeof(ret->name))
			goto next;
		memset(ret, 0, sizeof(*ret));
		memcpy(ret->name, line, n);
		/* rx: bytes packets errs drop fifo frame compressed multicast */
		if (sscanf(colon + 1, " %" SCNu64 " %" SCNu64 " %" SCNu64 " %"
		    SCNu64 " %*u %*u %*u %*u %" SCNu64 " %" SCNu64 " %" SCNu64
		    " %" SCNu64, &ret->rx_bytes, &ret->rx_packets, &ret->rx_errs,
		    &ret->rx_drop, &ret->tx_bytes, &ret->tx_packets,
		    &ret->tx_errs, &ret->tx_drop) == 8)
			return true;
next:
		line = *cursor;
	}
	return false;
}

/* ------------------------------------------------------------ samples */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* the file of source s now, malloc'ed; NULL when it cannot be read */
static char *
read_source(enum w32_source s)
{
	struct procfs_buf b = { 0 };
	char path[4096];

	if (w32_path(path, sizeof(path), w32->paths.proc, source_file[s]) < 0 ||
	    procfs_read(AT_FDCWD, path, &b, SAMPLE_MAX_SIZE,
	    PROCFS_UNTIL_EOF) < 0) {
		procfs_buf_free(&b);
		return NULL;
	}
	return b.data;
}

/* the kept sample to compute against at time t, or NULL */
static const struct sample *
base_for(enum w32_source s, uint64_t t)
{
	const struct sample *c[2] = { &S.last[s], &S.prev[s] };

	for (int k = 0; k < 2; k++)
		if (c[k]->text != NULL && t >= c[k]->at_ms + SAMPLE_MIN_MS &&
		    t <= c[k]->at_ms + SAMPLE_MAX_MS)
			return c[k];
	return NULL;
}

/* keeps text (taken over) read at t as the newest sample */
static void
keep(enum w32_source s, char *text, uint64_t t)
{
	if (S.last[s].text != NULL && t < S.last[s].at_ms + SAMPLE_MIN_MS) {
		free(text);		/* too close to the last one */
		return;
	}
	free(S.prev[s].text);
	S.prev[s] = S.last[s];
	S.last[s].text = text;
	S.last[s].at_ms = t;
}

static void
pairs_free(struct w32_pair *p)
{
	for (int s = 0; s < W32_SRC_COUNT; s++) {
		free(p[s].before);
		free(p[s].after);
		p[s].before = p[s].after = NULL;
	}
}

/* the second reading: `after' of each source, then keeps it */
static void
read_after(unsigned mask, struct w32_pair *p)
{
	uint64_t t = now_ms();

	for (int s = 0; s < W32_SRC_COUNT; s++) {
		if (!(mask & (1u << s)))
			continue;
		p[s].after = read_source(s);
		if (p[s].before != NULL && p[s].after != NULL)
			p[s].seconds = (double)(t - p[s].at_before) / 1000.0;
		if (p[s].after != NULL)
			keep(s, strdup(p[s].after), t);
	}
}

static void
on_wait(void *arg)
{
	struct sample_wait *w = arg;

	w->timer = NULL;
	for (struct sample_wait **pp = &S.waits; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	read_after(w->mask, w->first);
	w->fn(w->ctx, w->first, w->arg);
	pairs_free(w->first);
	w32->svc->complete(w->ctx);
	free(w);
}

int
w32_sample(struct cim_ctx *ctx, unsigned mask, w32_rates_fn fn, void *arg)
{
	struct w32_pair p[W32_SRC_COUNT];
	struct sample_wait *w;
	uint64_t t = now_ms();
	bool wait = false;

	memset(p, 0, sizeof(p));
	for (int s = 0; s < W32_SRC_COUNT; s++) {
		const struct sample *b;

		if (!(mask & (1u << s)))
			continue;
		if ((b = base_for(s, t)) != NULL) {
			p[s].before = strdup(b->text);
			p[s].at_before = b->at_ms;
			continue;
		}
		/* nothing to compare with yet: this is the first sample */
		if ((p[s].before = read_source(s)) != NULL) {
			p[s].at_before = t;
			keep(s, strdup(p[s].before), t);
			wait = true;
		}
	}
	if (!wait) {
		read_after(mask, p);
		fn(ctx, p, arg);
		pairs_free(p);
		return CIM_OK;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		pairs_free(p);
		return w32_fail_nomem(ctx);
	}
	w->ctx = ctx;
	w->mask = mask;
	w->fn = fn;
	w->arg = arg;
	memcpy(w->first, p, sizeof(p));
	if ((w->timer = w32->host->timer_start(SAMPLE_WAIT_MS, on_wait,
	    w)) == NULL) {
		pairs_free(w->first);
		free(w);
		return w32_fail_nomem(ctx);
	}
	w->next = S.waits;
	S.waits = w;
	return CIM_PENDING;
}

void
w32_sample_fini(void)
{
	while (S.waits != NULL) {
		struct sample_wait *w = S.waits;

		S.waits = w->next;
		w32->host->timer_stop(w->timer);
		w32->svc->fail(w->ctx, WINRMD_FAULT_SERVICE_STOPPING,
		    "The service is stopping.");
		w32->svc->complete(w->ctx);
		pairs_free(w->first);
		free(w);
	}
	for (int s = 0; s < W32_SRC_COUNT; s++) {
		free(S.last[s].text);
		free(S.prev[s].text);
	}
	memset(&S, 0, sizeof(S));
}
