/*
 * helpers.c: the connection helpers of Ansible's winrm plugin, natively
 * (CATALOGUE.md §4.2-§4.8): put_file, fetch_file, mkdtemp, remove,
 * expand_user, and the rarely sent exists and checksum.  Output and exit
 * codes are what Ansible reads from the PowerShell versions.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "base64.h"
#include "native.h"
#include "winpath.h"

#define LINE_MAX_B64	(64u * 1024 * 1024)
#define FETCH_MAX	(64u * 1024 * 1024)

char *
map_or_say(const char *win)
{
	const char *why;
	char *p = winpath_map(win, &why);

	if (p == NULL)
		fprintf(stderr, "%s: %s\n", win, why);
	return p;
}

int
write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* --------------------------------------------------------------- put_file */

int
helper_put_file(const char *win)
{
	char *path = map_or_say(win), *line = NULL;
	size_t len = 0, cap = 0, lineno = 0;
	unsigned char *bytes = NULL, dig[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;
	EVP_MD_CTX *sha = NULL;
	bool eof = false;
	int fd = -1, r = 1;

	if (path == NULL)
		return 1;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0666)) < 0) {
		fprintf(stderr, "Exception calling \"Create\": cannot create "
		    "%s: %s\n", path, strerror(errno));
		goto out;
	}
	if ((sha = EVP_MD_CTX_new()) == NULL ||
	    !EVP_DigestInit_ex(sha, EVP_sha1(), NULL))
		die_nomem();
	while (!eof) {
		char *nl;
		ssize_t n;

		if (cap - len < 65536) {
			if (cap >= LINE_MAX_B64) {
				fprintf(stderr, "line %zu of the file's base64 is "
				    "longer than %u bytes\n", lineno + 1,
				    LINE_MAX_B64);
				goto out;
			}
			cap = cap ? cap * 2 : 1 << 19;
			line = xrealloc(line, cap + 1);
		}
		n = read(0, line + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "reading stdin: %s\n", strerror(errno));
			goto out;
		}
		if (n == 0) {
			eof = true;
			line[len++] = '\n';	/* the last line */
		} else
			len += (size_t)n;
		/* every complete line: base64, decoded on its own */
		while ((nl = memchr(line, '\n', len)) != NULL) {
			size_t ll = (size_t)(nl - line), rest;
			long got;

			lineno++;
			while (ll > 0 && (line[ll - 1] == '\r' ||
			    line[ll - 1] == ' '))
				ll--;
			if (ll > 0) {
				bytes = xrealloc(bytes, ll / 4 * 3 + 3);
				if ((got = base64_decode_into(line, ll, bytes)) < 0) {
					fprintf(stderr, "line %zu of stdin is not "
					    "base64\n", lineno);
					goto out;
				}
				EVP_DigestUpdate(sha, bytes, (size_t)got);
				if (write_all(fd, bytes, (size_t)got) < 0) {
					fprintf(stderr, "writing %s: %s\n", path,
					    strerror(errno));
					goto out;
				}
			}
			rest = len - (size_t)(nl - line) - 1;
			memmove(line, nl + 1, rest);
			len = rest;
		}
	}
	if (close(fd) < 0) {
		fd = -1;
		fprintf(stderr, "writing %s: %s\n", path, strerror(errno));
		goto out;
	}
	fd = -1;
	EVP_DigestFinal_ex(sha, dig, &dlen);
	printf("{\"sha1\":\"");
	for (unsigned i = 0; i < dlen; i++)
		printf("%02x", dig[i]);
	printf("\"}\r\n");
	r = fflush(stdout) == 0 ? 0 : 1;
out:
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(sha);
	free(bytes);
	free(line);
	free(path);
	return r;
}

/* ------------------------------------------------------------- fetch_file */

static bool
parse_u64(const char *s, unsigned long long *ret)
{
	char *end;

	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		return false;
	*ret = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/*
 * The chunk of win at off (want bytes at most) as a base64 line; all (the
 * psrp connection's fetch): "[FILE]", then every chunk from off on, each
 * a line of its own.
 */
static int
fetch(const char *win, unsigned long long off, unsigned long long want,
    bool all)
{
	unsigned char *buf;
	char *path, *b64;
	struct stat st;
	size_t got = 0;
	int fd;

	if ((path = map_or_say(win)) == NULL)
		return 1;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			fprintf(stderr, "%s does not exist\n", win);
		else
			fprintf(stderr, "%s: %s\n", win, strerror(errno));
		free(path);
		return 1;
	}
	if (S_ISDIR(st.st_mode)) {
		free(path);
		fputs("[DIR]\r\n", stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "%s is not a regular file\n", win);
		free(path);
		return 1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "%s: %s\n", win, strerror(errno));
		free(path);
		return 1;
	}
	free(path);
	if (all)
		fputs("[FILE]\r\n", stdout);
	buf = xmalloc((size_t)want);
again:
	got = 0;
	while (got < want) {
		ssize_t n = pread(fd, buf + got, (size_t)want - got,
		    (off_t)(off + got));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: %s\n", win, strerror(errno));
			close(fd);
			free(buf);
			return 1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > 0) {
		b64 = xmalloc((got + 2) / 3 * 4 + 1);
		EVP_EncodeBlock((unsigned char *)b64, buf, (int)got);
		fputs(b64, stdout);
		fputs("\r\n", stdout);
		free(b64);
	}
	if (all && got == want) {
		off += got;
		goto again;
	}
	close(fd);
	free(buf);
	return fflush(stdout) == 0 ? 0 : 1;
}

int
helper_fetch_file(const char *win, const char *offset, const char *size)
{
	unsigned long long off, want;

	if (!parse_u64(offset, &off) || !parse_u64(size, &want) || want == 0 ||
	    want > FETCH_MAX || off > (unsigned long long)LLONG_MAX) {
		fprintf(stderr, "fetch_file: bad offset %s or buffer size %s\n",
		    offset, size);
		return 1;
	}
	return fetch(win, off, want, false);
}

int
helper_fetch_stream(const char *win, const char *size)
{
	unsigned long long want;

	if (!parse_u64(size, &want) || want == 0 || want > FETCH_MAX) {
		fprintf(stderr, "fetch_stream: bad buffer size %s\n", size);
		return 1;
	}
	return fetch(win, 0, want, true);
}

/* ---------------------------------------------------------------- mkdtemp */

int
helper_mkdtemp(const char *base, const char *name)
{
	char *dir, *path;
	int e;

	if (name[0] == '\0' || strchr(name, '/') != NULL ||
	    strchr(name, '\\') != NULL || strcmp(name, "..") == 0 ||
	    strcmp(name, ".") == 0) {
		fprintf(stderr, "New-Item: the name %s is not a directory name\n",
		    name);
		return 1;
	}
	if ((dir = map_or_say(base)) == NULL)
		return 1;
	if ((e = mkdir_p(dir, 0700)) < 0) {
		fprintf(stderr, "New-Item: %s: %s\n", dir, strerror(-e));
		free(dir);
		return 1;
	}
	path = xasprintf("%s/%s", strcmp(dir, "/") == 0 ? "" : dir, name);
	free(dir);
	/* private, and never an existing directory someone else made */
	if (mkdir(path, 0700) < 0) {
		fprintf(stderr, "New-Item: %s: %s\n", path, strerror(errno));
		free(path);
		return 1;
	}
	printf("%s\r\n", path);
	free(path);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* ----------------------------------------------------------------- remove */

int
helper_remove(const char *win, bool recurse)
{
	char *path = map_or_say(win), *home = NULL;
	struct stat st;
	int e = 0;

	if (path == NULL)
		return 1;
	/* a last line of defence against removing everything */
	if (getenv("HOME") != NULL) {
		const char *why;

		home = winpath_map(getenv("HOME"), &why);
	}
	if (strcmp(path, "/") == 0 || (home != NULL && strcmp(path, home) == 0)) {
		fprintf(stderr, "Remove-Item: refusing to remove %s\n", path);
		free(home);
		free(path);
		return 1;
	}
	free(home);
	if (lstat(path, &st) < 0) {
		fprintf(stderr, "Remove-Item: Cannot find path '%s' because it "
		    "does not exist.\n", win);
		free(path);
		return 1;
	}
	if (S_ISDIR(st.st_mode) && !recurse)
		e = rmdir(path) < 0 ? -errno : 0;
	else
		e = rm_rf(path);
	if (e < 0) {
		fprintf(stderr, "Remove-Item: %s: %s\n", path, strerror(-e));
		free(path);
		return 1;
	}
	free(path);
	return 0;
}

/* ------------------------------------------------------------ expand_user */

int
helper_expand_user(const char *suffix)
{
	char cwd[PATH_MAX];

	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		fprintf(stderr, "Get-Location: %s\n", strerror(errno));
		return 1;
	}
	if (suffix != NULL && suffix[0] != '\0') {
		char *s = map_or_say(suffix);

		if (s == NULL)
			return 1;
		/* "\sub" maps to "/sub": relative to the location */
		printf("%s%s%s\r\n", strcmp(cwd, "/") == 0 ? "" : cwd,
		    s[0] == '/' ? "" : "/", strcmp(s, "/") == 0 ? "" : s);
		free(s);
	} else
		printf("%s\r\n", cwd);
	return fflush(stdout) == 0 ? 0 : 1;
}

int
helper_echo(const char *text)
{
	printf("%s\r\n", text);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* ---------------------------------------------------------- exists, checksum */

int
helper_exists(const char *win)
{
	char *path = map_or_say(win);
	struct stat st;
	int res;

	if (path == NULL)
		return 1;
	res = lstat(path, &st) == 0 ? 0 : 1;
	free(path);
	printf("%d\r\n", res);
	fflush(stdout);
	return res;
}

int
helper_checksum(const char *win)
{
	char *path = map_or_say(win), hex[129];
	struct stat st;
	int e;

	if (path == NULL)
		return 1;
	if (stat(path, &st) < 0)
		puts("1\r");
	else if (S_ISDIR(st.st_mode))
		puts("3\r");
	else if ((e = hash_file(path, "sha1", hex)) < 0) {
		fprintf(stderr, "%s: %s\n", win, strerror(-e));
		free(path);
		return 1;
	} else
		printf("%s\r\n", hex);
	free(path);
	return fflush(stdout) == 0 ? 0 : 1;
}
