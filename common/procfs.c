/*
 * procfs.c: reading /proc and /sys files with one open and read, and the
 * pure parsers of their text, for the win32 provider and winrmd-native.  No
 * stdio: enumerating every process must cost no more than ps(1) does.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "procfs.h"

void
procfs_buf_free(struct procfs_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->cap = b->len = 0;
}

static int
buf_grow(struct procfs_buf *b, size_t cap)
{
	char *p;

	if (cap <= b->cap)
		return 0;
	if ((p = realloc(b->data, cap)) == NULL)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

ssize_t
procfs_read(int dirfd, const char *path, struct procfs_buf *b, size_t max,
    unsigned flags)
{
	int fd, err = 0;

	b->len = 0;
	if (buf_grow(b, 4096) < 0)
		return -ENOMEM;
	if ((fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return -errno;
	for (;;) {
		size_t room;
		ssize_t r;

		if (max != 0 && b->len >= max)
			break;
		if (b->len + 1 >= b->cap && buf_grow(b, b->cap * 2) < 0) {
			err = -ENOMEM;
			break;
		}
		room = b->cap - 1 - b->len;
		if (max != 0 && room > max - b->len)
			room = max - b->len;
		if ((r = read(fd, b->data + b->len, room)) < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		b->len += (size_t)r;
		/*
		 * One-record files (the per-process ones, meminfo, sysfs
		 * attributes) and regular files: a read that did not fill
		 * the buffer returned all there is, so no second read(2)
		 * just to see EOF.  Multi-record seq_files (mountinfo,
		 * cpuinfo) stop a read where the next record does not fit.
		 */
		if ((size_t)r < room && !(flags & PROCFS_UNTIL_EOF))
			break;
	}
	close(fd);
	if (err < 0)
		return err;
	b->data[b->len] = '\0';
	return (ssize_t)b->len;
}

ssize_t
procfs_read_small(int dirfd, const char *path, char *buf, size_t len)
{
	ssize_t r;
	int fd;

	if (len == 0)
		return -EINVAL;
	if ((fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return -errno;
	do
		r = read(fd, buf, len - 1);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		r = -errno;
	close(fd);
	if (r < 0)
		return r;
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
		r--;
	buf[r] = '\0';
	return r;
}

/* --- parsers --- */

/* next unsigned decimal at *p (skipping blanks); false if none */
static bool
next_u64(const char **p, uint64_t *ret)
{
	const char *s = *p;
	uint64_t v = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	*ret = v;
	*p = s;
	return true;
}

static bool
next_s64(const char **p, int64_t *ret)
{
	const char *s = *p;
	uint64_t v;
	bool neg = false;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (!next_u64(&s, &v))
		return false;
	*ret = neg ? -(int64_t)v : (int64_t)v;
	*p = s;
	return true;
}

static void
skip_field(const char **p)
{
	const char *s = *p;

	while (*s == ' ')
		s++;
	while (*s != ' ' && *s != '\0' && *s != '\n')
		s++;
	*p = s;
}

int
procfs_parse_stat(const char *buf, size_t len, struct proc_stat *ret)
{
	const char *open, *close_, *p;
	int64_t pid;
	uint64_t v[42];
	size_t n;

	memset(ret, 0, sizeof(*ret));
	p = buf;
	if (!next_s64(&p, &pid) || (open = memchr(buf, '(', len)) == NULL ||
	    (close_ = memrchr(buf, ')', len)) == NULL || close_ < open)
		return -EINVAL;
	ret->pid = (int)pid;
	n = (size_t)(close_ - open - 1);
	if (n >= sizeof(ret->comm))
		n = sizeof(ret->comm) - 1;
	memcpy(ret->comm, open + 1, n);
	ret->comm[n] = '\0';
	p = close_ + 1;
	while (*p == ' ')
		p++;
	if (*p == '\0')
		return -EINVAL;
	ret->state = *p++;
	/* fields 4..41, numbered as in proc(5) */
	memset(v, 0, sizeof(v));
	for (int f = 4; f <= 41; f++) {
		int64_t s;

		if (f == 18 || f == 19) {	/* priority, nice: signed */
			if (!next_s64(&p, &s))
				break;
			v[f] = (uint64_t)s;
		} else if (!next_u64(&p, &v[f])) {
			if (*p == '\0' || *p == '\n')
				break;
			skip_field(&p);	/* a negative field we do not use */
		}
	}
	ret->ppid = (int)v[4];
	ret->pgrp = (int)v[5];
	ret->session = (int)v[6];
	ret->flags = (unsigned)v[9];
	ret->minflt = v[10];
	ret->majflt = v[12];
	ret->utime = v[14];
	ret->stime = v[15];
	ret->priority = (long)(int64_t)v[18];
	ret->nice = (long)(int64_t)v[19];
	ret->num_threads = (uint32_t)v[20];
	ret->starttime = v[22];
	ret->vsize = v[23];
	ret->rss = v[24];
	ret->rt_priority = (uint32_t)v[40];
	ret->policy = (uint32_t)v[41];
	return 0;
}

static bool
has_prefix(const char *line, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncmp(line, prefix, n) != 0)
		return false;
	*rest = line + n;
	return true;
}

int
procfs_parse_status(const char *buf, struct proc_status *ret)
{
	const char *line = buf, *p;

	memset(ret, 0, sizeof(*ret));
	ret->ppid = ret->tgid = -1;
	ret->vm_peak = ret->vm_size = ret->vm_hwm = ret->vm_rss =
	    ret->vm_swap = ret->rss_anon = PROCFS_NONE;
	while (*line != '\0') {
		const char *eol = strchr(line, '\n');
		uint64_t u;

		switch (line[0]) {
		case 'U':
			if (has_prefix(line, "Uid:", &p)) {
				for (int i = 0; i < 4 && next_u64(&p, &u); i++)
					ret->uid[i] = (uid_t)u;
				ret->has_uid = true;
			}
			break;
		case 'G':
			if (has_prefix(line, "Gid:", &p))
				for (int i = 0; i < 4 && next_u64(&p, &u); i++)
					ret->gid[i] = (gid_t)u;
			break;
		case 'P':
			if (has_prefix(line, "PPid:", &p) && next_u64(&p, &u))
				ret->ppid = (int)u;
			break;
		case 'T':
			if (has_prefix(line, "Threads:", &p) &&
			    next_u64(&p, &u))
				ret->threads = (uint32_t)u;
			else if (has_prefix(line, "Tgid:", &p) &&
			    next_u64(&p, &u))
				ret->tgid = (int)u;
			break;
		case 'R':
			if (has_prefix(line, "RssAnon:", &p))
				next_u64(&p, &ret->rss_anon);
			break;
		case 'V':
			if (line[1] != 'm')
				break;
			if (has_prefix(line, "VmPeak:", &p))
				next_u64(&p, &ret->vm_peak);
			else if (has_prefix(line, "VmSize:", &p))
				next_u64(&p, &ret->vm_size);
			else if (has_prefix(line, "VmHWM:", &p))
				next_u64(&p, &ret->vm_hwm);
			else if (has_prefix(line, "VmRSS:", &p))
				next_u64(&p, &ret->vm_rss);
			else if (has_prefix(line, "VmSwap:", &p))
				next_u64(&p, &ret->vm_swap);
			break;
		}
		if (eol == NULL)
			break;
		line = eol + 1;
	}
	return ret->has_uid ? 0 : -EINVAL;
}

int
procfs_parse_io(const char *buf, struct proc_io *ret)
{
	const char *line = buf, *p;
	int found = 0;

	memset(ret, 0, sizeof(*ret));
	while (*line != '\0') {
		const char *eol = strchr(line, '\n');

		if (has_prefix(line, "rchar:", &p))
			found += next_u64(&p, &ret->rchar);
		else if (has_prefix(line, "wchar:", &p))
			found += next_u64(&p, &ret->wchar);
		else if (has_prefix(line, "syscr:", &p))
			found += next_u64(&p, &ret->syscr);
		else if (has_prefix(line, "syscw:", &p))
			found += next_u64(&p, &ret->syscw);
		if (eol == NULL)
			break;
		line = eol + 1;
	}
	return found == 4 ? 0 : -EINVAL;
}

bool
procfs_may_inspect(uid_t uid, const uid_t target_uids[4])
{
	if (uid == (uid_t)-1)
		return false;
	return uid == 0 || (target_uids[0] == uid && target_uids[1] == uid &&
	    target_uids[2] == uid);
}

bool
procfs_fd_count_by_size(void)
{
	struct utsname u;
	unsigned major = 0, minor = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 2);
}

int
procfs_count_fds(int procfd, const char *pid, bool by_size, uint32_t *ret)
{
	char path[64];
	struct stat st;
	struct dirent *de;
	DIR *d;
	int fd;
	uint32_t n = 0;

	snprintf(path, sizeof(path), "%s/fd", pid);
	if (by_size) {
		if (fstatat(procfd, path, &st, 0) < 0)
			return -errno;
		*ret = (uint32_t)st.st_size;
		return 0;
	}
	if ((fd = openat(procfd, path, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		return -errno;
	if ((d = fdopendir(fd)) == NULL) {
		int e = errno;

		close(fd);
		return -e;
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	*ret = n;
	return 0;
}

static bool
needs_quotes(const char *arg, size_t len)
{
	if (len == 0)
		return true;
	for (size_t i = 0; i < len; i++)
		if (arg[i] == ' ' || arg[i] == '\t' || arg[i] == '"')
			return true;
	return false;
}

size_t
procfs_quote_arg(const char *arg, size_t alen, char *out)
{
	bool q = needs_quotes(arg, alen);
	size_t o = 0;

	if (q)
		out[o++] = '"';
	for (size_t k = 0; k < alen; k++) {
		if (q && (arg[k] == '"' || arg[k] == '\\'))
			out[o++] = '\\';
		out[o++] = arg[k];
	}
	if (q)
		out[o++] = '"';
	return o;
}

ssize_t
procfs_join_cmdline(const char *in, size_t len, char *out, size_t outlen)
{
	size_t o = 0;

	while (len > 0 && in[len - 1] == '\0')
		len--;
	if (len == 0) {
		if (outlen > 0)
			out[0] = '\0';
		return 0;
	}
	if (memchr(in, '\0', len) == NULL) {
		/* one argument, or a title set with setproctitle() */
		if (len + 1 > outlen)
			return -ENOSPC;
		memcpy(out, in, len);
		out[len] = '\0';
		return (ssize_t)len;
	}
	for (size_t i = 0; i <= len;) {
		const char *arg = in + i;
		size_t alen = strnlen(arg, len - i);

		if (o + 3 * alen + 4 > outlen)
			return -ENOSPC;
		if (i > 0)
			out[o++] = ' ';
		o += procfs_quote_arg(arg, alen, out + o);
		i += alen + 1;
	}
	out[o] = '\0';
	return (ssize_t)o;
}

int
procfs_parse_meminfo(const char *buf, struct meminfo *ret)
{
	static const struct {
		const char	*key;
		size_t		 off;
	} keys[] = {
		{ "MemTotal:", offsetof(struct meminfo, total) },
		{ "MemFree:", offsetof(struct meminfo, free) },
		{ "MemAvailable:", offsetof(struct meminfo, available) },
		{ "Buffers:", offsetof(struct meminfo, buffers) },
		{ "Cached:", offsetof(struct meminfo, cached) },
		{ "SwapTotal:", offsetof(struct meminfo, swap_total) },
		{ "SwapFree:", offsetof(struct meminfo, swap_free) },
	};
	const char *line = buf, *p;
	size_t found = 0;

	ret->total = ret->free = ret->available = ret->buffers = ret->cached =
	    ret->swap_total = ret->swap_free = PROCFS_NONE;
	/* the keys are near the top (SwapFree is the 16th of some 55 lines,
	 * and monitoring reads this for every Get): no further than them */
	while (*line != '\0' && found < sizeof(keys) / sizeof(keys[0])) {
		const char *eol = strchr(line, '\n');

		/* (the first byte first: most lines are no key) */
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (line[0] == keys[i].key[0] &&
			    has_prefix(line, keys[i].key, &p)) {
				next_u64(&p, (uint64_t *)(void *)
				    ((char *)ret + keys[i].off));
				found++;
				break;
			}
		if (eol == NULL)
			break;
		line = eol + 1;
	}
	if (ret->total == PROCFS_NONE)
		return -EINVAL;
	/* kernels before 3.14 have no MemAvailable: estimate it */
	if (ret->available == PROCFS_NONE && ret->free != PROCFS_NONE)
		ret->available = ret->free +
		    (ret->buffers != PROCFS_NONE ? ret->buffers : 0) +
		    (ret->cached != PROCFS_NONE ? ret->cached : 0);
	return 0;
}

int
procfs_parse_btime(const char *buf, time_t *ret)
{
	const char *line = buf, *p;
	uint64_t v;

	while (*line != '\0') {
		const char *eol = strchr(line, '\n');

		if (has_prefix(line, "btime ", &p) && next_u64(&p, &v)) {
			*ret = (time_t)v;
			return 0;
		}
		if (eol == NULL)
			break;
		line = eol + 1;
	}
	return -ENOENT;
}

/* undoes the \ooo escapes of mountinfo fields, in place */
static void
unescape_octal(char *s)
{
	char *o = s;

	for (char *p = s; *p != '\0';) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' &&
		    p[2] >= '0' && p[2] <= '7' && p[3] >= '0' && p[3] <= '7') {
			*o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 +
			    (p[3] - '0'));
			p += 4;
		} else
			*o++ = *p++;
	}
	*o = '\0';
}

/* the next blank-separated field of a line, NUL-terminated in place */
static char *
take_field(char **p, char *end)
{
	char *s = *p, *f;

	while (s < end && *s == ' ')
		s++;
	if (s >= end)
		return NULL;
	f = s;
	while (s < end && *s != ' ')
		s++;
	if (s < end)
		*s++ = '\0';
	*p = s;
	return f;
}

int
procfs_next_mount(char **cursor, struct mount_entry *ret)
{
	char *line = *cursor, *end, *p, *f, *devno;
	char *fields[6];

	if (line == NULL || *line == '\0')
		return 0;
	if ((end = strchr(line, '\n')) != NULL) {
		*end = '\0';
		*cursor = end + 1;
	} else {
		end = line + strlen(line);
		*cursor = end;
	}
	memset(ret, 0, sizeof(*ret));
	p = line;
	/* id parent major:minor root mount-point options */
	for (int i = 0; i < 6; i++)
		if ((fields[i] = take_field(&p, end)) == NULL)
			return -EINVAL;
	devno = fields[2];
	ret->root = fields[3];
	ret->mount_point = fields[4];
	ret->options = fields[5];
	/* optional fields up to "-" */
	while ((f = take_field(&p, end)) != NULL && strcmp(f, "-") != 0)
		;
	if (f == NULL || (ret->fstype = take_field(&p, end)) == NULL ||
	    (ret->source = take_field(&p, end)) == NULL)
		return -EINVAL;
	ret->super_options = take_field(&p, end);
	if (ret->super_options == NULL)
		ret->super_options = end;	/* "" */
	{
		char *colon = strchr(devno, ':');

		if (colon == NULL)
			return -EINVAL;
		ret->major = (unsigned)strtoul(devno, NULL, 10);
		ret->minor = (unsigned)strtoul(colon + 1, NULL, 10);
	}
	unescape_octal(ret->root);
	unescape_octal(ret->mount_point);
	unescape_octal(ret->source);
	return 1;
}

/* --- Win32 units --- */

uint64_t
procfs_ticks_to_100ns(uint64_t ticks, long hz)
{
	if (hz <= 0)
		hz = 100;
	return ticks / (uint64_t)hz * 10000000u +
	    ticks % (uint64_t)hz * 10000000u / (uint64_t)hz;
}

void
procfs_start_time(time_t btime, uint64_t starttime, long hz, time_t *ret_sec,
    long *ret_usec)
{
	if (hz <= 0)
		hz = 100;
	*ret_sec = btime + (time_t)(starttime / (uint64_t)hz);
	*ret_usec = (long)(starttime % (uint64_t)hz * 1000000u / (uint64_t)hz);
}

uint32_t
procfs_priority(long nice, uint32_t policy)
{
	/* SCHED_FIFO, SCHED_RR: realtime class; SCHED_IDLE: idle class */
	if (policy == 1 || policy == 2)
		return 24;
	if (policy == 5)
		return 4;
	if (nice <= -15)
		return 13;	/* high */
	if (nice < 0)
		return 10;	/* above normal */
	if (nice == 0)
		return 8;	/* normal */
	if (nice < 15)
		return 6;	/* below normal */
	return 4;		/* idle */
}

uint64_t
procfs_kb_to_bytes(uint64_t kb)
{
	return kb == PROCFS_NONE ? PROCFS_NONE : kb * 1024;
}

/* ------------------------------------------------------------ routes */

size_t
procfs_split(const char *line, const char *eol, char f[][40], size_t nf)
{
	size_t n = 0;

	while (line < eol && n < nf) {
		size_t k = 0;

		while (line < eol && (*line == ' ' || *line == '\t'))
			line++;
		if (line >= eol)
			break;
		while (line < eol && *line != ' ' && *line != '\t') {
			if (k + 1 < sizeof(f[0]))
				f[n][k++] = *line;
			line++;
		}
		f[n++][k] = '\0';
	}
	return n;
}

void
procfs_route4_gateways(const char *buf, const char *ifname,
    void (*fn)(const char *gw, void *arg), void *arg)
{
	const char *line = buf;

	while (*line != '\0') {
		const char *eol = strchr(line, '\n');
		char f[8][40], text[INET_ADDRSTRLEN];
		struct in_addr a;

		if (eol == NULL)
			eol = line + strlen(line);
		/* Iface Destination Gateway Flags RefCnt Use Metric Mask */
		if (procfs_split(line, eol, f, 8) == 8 &&
		    strcmp(f[0], ifname) == 0 && strtoul(f[1], NULL, 16) == 0 &&
		    strtoul(f[7], NULL, 16) == 0 &&
		    (strtoul(f[3], NULL, 16) & 0x2u)) {	/* RTF_GATEWAY */
			/* the kernel prints the big-endian word as an int */
			a.s_addr = (in_addr_t)strtoul(f[2], NULL, 16);
			if (inet_ntop(AF_INET, &a, text, sizeof(text)) != NULL)
				fn(text, arg);
		}
		line = *eol == '\n' ? eol + 1 : eol;
	}
}

static bool
hex_to_in6(const char *hex, struct in6_addr *ret)
{
	if (strlen(hex) != 32)
		return false;
	for (int i = 0; i < 16; i++) {
		char b[3] = { hex[2 * i], hex[2 * i + 1], '\0' };
		char *end;

		ret->s6_addr[i] = (uint8_t)strtoul(b, &end, 16);
		if (*end != '\0')
			return false;
	}
	return true;
}

void
procfs_route6_gateways(const char *buf, const char *ifname,
    void (*fn)(const char *gw, void *arg), void *arg)
{
	const char *line = buf;

	while (*line != '\0') {
		const char *eol = strchr(line, '\n');
		char f[10][40], text[INET6_ADDRSTRLEN];
		struct in6_addr dst, gw;

		if (eol == NULL)
			eol = line + strlen(line);
		/* dst plen src splen nexthop metric refcnt use flags dev */
		if (procfs_split(line, eol, f, 10) == 10 &&
		    strcmp(f[9], ifname) == 0 && hex_to_in6(f[0], &dst) && IN6_IS_ADDR_UNSPECIFIED(&dst) &&
		    strtoul(f[1], NULL, 16) == 0 && hex_to_in6(f[4], &gw) &&
		    !IN6_IS_ADDR_UNSPECIFIED(&gw) &&
		    inet_ntop(AF_INET6, &gw, text, sizeof(text)) != NULL)
			fn(text, arg);
		line = *eol == '\n' ? eol + 1 : eol;
	}
}
