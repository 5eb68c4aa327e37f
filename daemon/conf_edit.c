/*
 * conf_edit.c: changes keys of winrmd.conf in place, as an administrator
 * would with an editor: the file's comments, order and other lines stay.
 * Used by `winrmd --quickconfig' (quickconfig.c) and by a remote `winrm set
 * winrm/config/...' (the host's conf_set, host.c).
 *
 * The file is replaced atomically: the new text goes to a temporary file
 * beside it (same mode and owner), is flushed to disk, may be checked
 * there (the daemon's parser: nothing the daemon would refuse is ever
 * written), and is renamed over the old one.
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf_edit.h"

static bool
is_section(const char *line, size_t ll, const char **name, size_t *len)
{
	const char *p = line, *e = line + ll;

	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if (p == e || *p != '[')
		return false;
	for (const char *q = p + 1; q < e; q++)
		if (*q == ']') {
			*name = p + 1;
			*len = (size_t)(q - p - 1);
			return true;
		}
	return false;
}

/*
 * "KEY = ..." or, commented, "#KEY = ..." / "; KEY = ...": is it key's?
 * Keys start in column 0 (an indented line continues the key above, as
 * the parser reads it).
 */
static bool
line_key(const char *line, size_t ll, const char *key, bool *commented)
{
	const char *p = line, *e = line + ll;
	size_t kl = strlen(key);

	*commented = p < e && (*p == '#' || *p == ';');
	if (*commented)
		for (p++; p < e && (*p == ' ' || *p == '\t'); p++)
			;
	if ((size_t)(e - p) < kl || strncasecmp(p, key, kl) != 0)
		return false;
	for (p += kl; p < e && (*p == ' ' || *p == '\t'); p++)
		;
	return p < e && *p == '=';
}

/* a growing string */
struct buf {
	char	*s;
	size_t	 len, cap;
	bool	 failed;
};

static void
put(struct buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *ns = realloc(b->s, cap);

		if (ns == NULL) {
			b->failed = true;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void
put_key(struct buf *b, const struct conf_set *w)
{
	puts_(b, w->key);
	puts_(b, " = ");
	puts_(b, w->value);
	puts_(b, "\n");
}

/*
 * One pass over text: each key not yet done whose line (uncommented in
 * pass 0, commented in pass 1) is found in its section is replaced.
 */
static char *
edit_pass(const char *text, const struct conf_set *w, size_t nw, bool *done,
    int pass)
{
	struct buf b = { 0 };
	const char *p = text, *sec = NULL;
	size_t seclen = 0;

	puts_(&b, "");
	while (*p != '\0') {
		const char *nl = strchr(p, '\n'), *name;
		size_t ll = nl ? (size_t)(nl - p) : strlen(p), nlen;
		bool replaced = false;

		if (is_section(p, ll, &name, &nlen)) {
			sec = name;
			seclen = nlen;
		}
		for (size_t i = 0; i < nw && sec != NULL; i++) {
			bool commented;

			if (done[i] || strlen(w[i].section) != seclen ||
			    strncasecmp(sec, w[i].section, seclen) != 0 ||
			    !line_key(p, ll, w[i].key, &commented) ||
			    commented != (pass == 1))
				continue;
			put_key(&b, &w[i]);
			done[i] = replaced = true;
			break;
		}
		if (!replaced) {
			put(&b, p, ll);
			if (nl != NULL)
				puts_(&b, "\n");
		}
		p += ll + (nl ? 1 : 0);
	}
	if (b.failed) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

char *
conf_edit_text(const char *text, const struct conf_set *w, size_t nw)
{
	bool *done = calloc(nw + 1, sizeof(*done));
	char *a = NULL, *out = NULL;
	struct buf b = { 0 };

	if (done == NULL)
		return NULL;
	/* pass 0: uncommented lines; pass 1: commented ones */
	if ((a = edit_pass(text, w, nw, done, 0)) == NULL ||
	    (out = edit_pass(a, w, nw, done, 1)) == NULL)
		goto out;
	/* what is still missing: after its section's header, or appended */
	for (size_t i = 0; i < nw; i++) {
		const char *p, *at = NULL;

		if (done[i])
			continue;
		for (p = out; *p != '\0'; ) {
			const char *nl = strchr(p, '\n'), *name;
			size_t ll = nl ? (size_t)(nl - p) : strlen(p), nlen;

			if (is_section(p, ll, &name, &nlen) &&
			    nlen == strlen(w[i].section) &&
			    strncasecmp(name, w[i].section, nlen) == 0) {
				at = nl ? nl + 1 : p + ll;
				break;
			}
			p += ll + (nl ? 1 : 0);
		}
		b = (struct buf){ 0 };
		if (at == NULL) {
			puts_(&b, out);
			if (b.len > 0 && b.s[b.len - 1] != '\n')
				puts_(&b, "\n");
			puts_(&b, "\n[");
			puts_(&b, w[i].section);
			puts_(&b, "]\n");
			put_key(&b, &w[i]);
		} else {
			put(&b, out, (size_t)(at - out));
			if (at > out && at[-1] != '\n')
				puts_(&b, "\n");
			put_key(&b, &w[i]);
			puts_(&b, at);
		}
		free(out);
		out = b.s;
		if (b.failed) {
			free(out);
			out = NULL;
			goto out;
		}
		done[i] = true;
	}
out:
	free(a);
	free(done);
	return out;
}

char *
conf_file_read(const char *path)
{
	FILE *fp = fopen(path, "re");
	struct buf b = { 0 };
	char chunk[4096];
	size_t n;

	if (fp == NULL)
		return NULL;
	puts_(&b, "");
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		put(&b, chunk, n);
	if (ferror(fp) || b.failed) {
		int e = b.failed ? ENOMEM : EIO;

		fclose(fp);
		free(b.s);
		errno = e;
		return NULL;
	}
	fclose(fp);
	return b.s;
}

int
conf_file_write(const char *path, const char *text, mode_t mode,
    int (*check)(const char *tmp, void *arg, char *err, size_t errlen),
    void *arg, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	struct stat st;
	bool exists = stat(path, &st) == 0;
	size_t len = strlen(text), off = 0;
	int fd, e;

	if (snprintf(tmp, sizeof(tmp), "%s.new.XXXXXX", path) >=
	    (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkstemp(tmp)) < 0) {
		e = errno;
		snprintf(err, errlen, "cannot create a temporary file beside "
		    "%s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	if (fchmod(fd, exists ? st.st_mode & 07777 : mode) < 0 ||
	    (exists && (st.st_uid != geteuid() || st.st_gid != getegid()) &&
	    fchown(fd, st.st_uid, st.st_gid) < 0))
		goto fail;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (check != NULL && check(tmp, arg, err, errlen) < 0) {
		unlink(tmp);
		errno = EINVAL;
		return -1;
	}
	if (rename(tmp, path) < 0)
		goto fail;
	/* the rename itself, on disk: fsync the directory */
	{
		char dir[PATH_MAX], *slash;
		int dfd;

		snprintf(dir, sizeof(dir), "%s", path);
		if ((slash = strrchr(dir, '/')) == NULL)
			snprintf(dir, sizeof(dir), ".");
		else
			slash[slash == dir ? 1 : 0] = '\0';
		if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
	}
	return 0;
fail:
	e = errno;
	snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = e;
	return -1;
}
