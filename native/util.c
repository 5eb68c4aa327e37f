/*
 * util.c: what winrmd-native's helpers and modules share: memory, UTF-8
 * clean-up for JSON, file hashes, directory trees, atomic writes, times and
 * child processes with captured output.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "native.h"
#include "text.h"

void
die_nomem(void)
{
	static const char msg[] = "winrmd-native: out of memory\n";

	if (write(2, msg, sizeof(msg) - 1) < 0) {
		/* nothing else to do */
	}
	_exit(1);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		die_nomem();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n ? n : 1)) == NULL)
		die_nomem();
	return p;
}

char *
xstrdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		die_nomem();
	return d;
}

char *
xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);

	if (d == NULL)
		die_nomem();
	return d;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		die_nomem();
	return s;
}

/* ------------------------------------------------------------------ UTF-8 */

char *
utf8_clean(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = xmalloc(len * 3 + 1), *o = out;

	for (size_t i = 0; i < len;) {
		size_t k = utf8_decode(p + i, len - i, NULL);

		if (k == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);	/* U+FFFD */
			o += 3;
			i++;
			continue;
		}
		if (k == 1 && p[i] == 0) {	/* NUL: JSON text has none */
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(o, p + i, k);
		o += k;
		i += k;
	}
	*o = '\0';
	return out;
}

const char *
json_text(struct json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* ------------------------------------------------------------------ files */

int
hash_file(const char *path, const char *alg, char hex[129])
{
	const EVP_MD *md;
	EVP_MD_CTX *ctx;
	unsigned char buf[65536], dig[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;
	int fd, r = 0;
	ssize_t n;

	if (strcmp(alg, "md5") == 0)
		md = EVP_md5();
	else if (strcmp(alg, "sha1") == 0)
		md = EVP_sha1();
	else if (strcmp(alg, "sha256") == 0)
		md = EVP_sha256();
	else if (strcmp(alg, "sha384") == 0)
		md = EVP_sha384();
	else if (strcmp(alg, "sha512") == 0)
		md = EVP_sha512();
	else
		return -EINVAL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if ((ctx = EVP_MD_CTX_new()) == NULL || !EVP_DigestInit_ex(ctx, md, NULL)) {
		EVP_MD_CTX_free(ctx);
		close(fd);
		return -ENOMEM;
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		EVP_DigestUpdate(ctx, buf, (size_t)n);
	}
	if (r == 0) {
		EVP_DigestFinal_ex(ctx, dig, &dlen);
		for (unsigned i = 0; i < dlen; i++)
			snprintf(hex + 2 * i, 3, "%02x", dig[i]);
		hex[2 * dlen] = '\0';
	}
	EVP_MD_CTX_free(ctx);
	close(fd);
	return r;
}

int
mkdir_p(const char *path, mode_t mode)
{
	char *p = xstrdup(path);
	struct stat st;

	for (char *s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		{
			char c = *s;

			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST) {
				int e = errno;

				free(p);
				return -e;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	if (stat(path, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

static int rm_errno;

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	int r = flag == FTW_DP ? rmdir(path) : unlink(path);

	(void)st;
	(void)ftw;
	if (r < 0 && errno != ENOENT) {
		rm_errno = errno;
		return 1;
	}
	return 0;
}

int
rm_rf(const char *path)
{
	struct stat st;
	int r;

	if (lstat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 ? -errno : 0;
	rm_errno = 0;
	r = nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
	if (r < 0)
		return -errno;
	return r > 0 ? -rm_errno : 0;
}

int
copy_file(const char *src, const char *dst, mode_t mode)
{
	char buf[1 << 16];
	int in, out, r = 0;
	ssize_t n;

	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if ((out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) < 0) {
		r = -errno;
		close(in);
		return r;
	}
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));

			if (w < 0) {
				if (errno == EINTR)
					continue;
				r = -errno;
				break;
			}
			off += w;
		}
		if (r < 0)
			break;
	}
	close(in);
	if (close(out) < 0 && r == 0)
		r = -errno;
	return r;
}

char *
read_file(const char *path, size_t max, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0, cap = 4096;
	char *buf;
	ssize_t n;

	if (fd < 0)
		return NULL;
	buf = xmalloc(cap + 1);
	while ((n = read(fd, buf + len, cap - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			close(fd);
			return NULL;
		}
		len += (size_t)n;
		if (len == cap) {
			if (cap >= max)
				break;
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
	}
	close(fd);
	buf[len] = '\0';
	if (ret_len != NULL)
		*ret_len = len;
	return buf;
}

int
write_file_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
	char *tmp = xasprintf("%s.tmp-%d", path, (int)getpid());
	int fd, r = 0;

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    mode)) < 0) {
		r = -errno;
		free(tmp);
		return r;
	}
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	free(tmp);
	return r;
}

/* ------------------------------------------------------------------ times */

void
fmt_utc(const struct timespec *ts, char buf[40])
{
	struct tm tm;

	gmtime_r(&ts->tv_sec, &tm);
	snprintf(buf, 40, "%04d-%02d-%02d %02d:%02d:%02d.%06d",
	    (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100, tm.tm_mday % 100,
	    tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100,
	    (int)(ts->tv_nsec / 1000 % 1000000));
}

void
fmt_delta(const struct timespec *a, const struct timespec *b, char buf[40])
{
	long long us = (long long)(b->tv_sec - a->tv_sec) * 1000000 +
	    (b->tv_nsec - a->tv_nsec) / 1000;

	if (us < 0)
		us = 0;
	snprintf(buf, 40, "%lld:%02lld:%02lld.%06lld", us / 3600000000LL,
	    us / 60000000 % 60, us / 1000000 % 60, us % 1000000);
}

const char *
user_shell(void)
{
	static char shell[PATH_MAX];
	struct passwd *pw = getpwuid(getuid());
	const char *s = pw != NULL && pw->pw_shell != NULL && pw->pw_shell[0] ?
	    pw->pw_shell : getenv("SHELL");

	if (s == NULL || s[0] != '/' || access(s, X_OK) < 0)
		s = "/bin/sh";
	snprintf(shell, sizeof(shell), "%s", s);
	return shell;
}

/* -------------------------------------------------------------- processes */

char *
find_in_path(const char *name)
{
	const char *path = getenv("PATH");

	if (name[0] == '\0')
		return NULL;
	if (strchr(name, '/') != NULL)
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path; *p != '\0';) {
		size_t len = strcspn(p, ":");
		char *cand = xasprintf("%.*s/%s", (int)len, len ? p : ".", name);
		struct stat st;

		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(cand, X_OK) == 0)
			return cand;
		free(cand);
		p += len + (p[len] == ':');
	}
	return NULL;
}

void
capture_free(struct capture *c)
{
	free(c->out);
	free(c->err);
	memset(c, 0, sizeof(*c));
}

static void
append(char **buf, size_t *len, const char *p, size_t n)
{
	*buf = xrealloc(*buf, *len + n + 1);
	memcpy(*buf + *len, p, n);
	*len += n;
	(*buf)[*len] = '\0';
}

int
run_capture(char *const argv[], const char *cwd, const char *stdin_data,
    struct capture *c)
{
	int in[2] = { -1, -1 }, out[2], err[2], st[2], status;
	size_t in_off = 0, in_len = stdin_data ? strlen(stdin_data) : 0;
	pid_t pid;
	ssize_t n;

	memset(c, 0, sizeof(*c));
	c->out = xstrdup("");
	c->err = xstrdup("");
	if (pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(err, O_CLOEXEC) < 0 || pipe2(st, O_CLOEXEC) < 0 ||
	    (stdin_data != NULL && pipe2(in, O_CLOEXEC) < 0))
		return -errno;
	if ((pid = fork()) < 0)
		return -errno;
	if (pid == 0) {
		int e, nullfd;

		signal(SIGPIPE, SIG_DFL);
		if (stdin_data != NULL)
			dup2(in[0], 0);
		else if ((nullfd = open("/dev/null", O_RDONLY)) >= 0)
			dup2(nullfd, 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		if (cwd != NULL && chdir(cwd) < 0) {
			e = -errno;	/* negative: the directory, not the program */
			if (write(st[1], &e, sizeof(e)) < 0)
				_exit(127);
			_exit(127);
		}
		execvp(argv[0], argv);
		e = errno;
		if (write(st[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	close(st[1]);
	if (stdin_data != NULL) {
		close(in[0]);
		fcntl(in[1], F_SETFL, O_NONBLOCK);
		if (in_len == 0) {
			close(in[1]);
			in[1] = -1;
		}
	}
	{
		int e = 0;

		n = read(st[0], &e, sizeof(e));
		close(st[0]);
		if (n == (ssize_t)sizeof(e))
			c->exec_errno = e;
	}
	for (int open_fds = 2; open_fds > 0;) {
		struct pollfd pf[3] = {
			{ out[0], POLLIN, 0 }, { err[0], POLLIN, 0 },
			{ in[1], POLLOUT, 0 },
		};
		char buf[65536];

		if (poll(pf, in[1] >= 0 ? 3 : 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			int *fd = i == 0 ? &out[0] : &err[0];

			if (*fd < 0 || pf[i].revents == 0)
				continue;
			n = read(*fd, buf, sizeof(buf));
			if (n > 0) {
				if (i == 0)
					append(&c->out, &c->out_len, buf, (size_t)n);
				else
					append(&c->err, &c->err_len, buf, (size_t)n);
			} else if (n == 0 || errno != EINTR) {
				close(*fd);
				*fd = -1;
				open_fds--;
			}
		}
		if (in[1] >= 0 && pf[2].revents != 0) {
			n = write(in[1], stdin_data + in_off, in_len - in_off);
			if (n > 0)
				in_off += (size_t)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) ||
			    in_off == in_len) {
				close(in[1]);
				in[1] = -1;
			}
		}
		/* pollfd entries with fd -1 are ignored by poll() */
		if (out[0] < 0 && err[0] < 0)
			break;
	}
	if (in[1] >= 0)
		close(in[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	c->rc = WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status);
	return 0;
}
