/*
 * winrmcp.c: packer-community/winrmcp's three steps of a file copy,
 * natively (plugins/shell/winrmcp.h recognises them): the upload chunks
 * appended to a temporary file as cmd.exe's echo does, the restore that
 * decodes the temporary file's base64 lines into the destination, and the
 * cleanup.  Exit codes are those of winrmcp's scripts on Windows: restore
 * exits 1 when the destination is a directory, or a line is not base64.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base64.h"
#include "native.h"

/* echo TEXT >> "PATH": TEXT and cmd.exe's CR LF appended */
int
helper_winrmcp_append(const char *win, const char *text)
{
	char *path = map_or_say(win);
	int fd, e = 0;

	if (path == NULL)
		return 1;
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0666)) < 0) {
		fprintf(stderr, "The system cannot open %s: %s\n", path,
		    strerror(errno));
		free(path);
		return 1;
	}
	if ((e = write_all(fd, (const unsigned char *)text, strlen(text))) == 0)
		e = write_all(fd, (const unsigned char *)"\r\n", 2);
	if (close(fd) < 0 && e == 0)
		e = -errno;
	if (e < 0)
		fprintf(stderr, "writing %s: %s\n", path, strerror(-e));
	free(path);
	return e < 0 ? 1 : 0;
}

/* decodes tmp's base64 lines (whitespace ignored, as FromBase64String
 * does) into fd: 0, or 1 after a message */
static int
decode_lines(FILE *in, int fd, const char *tmp)
{
	char *line = NULL;
	unsigned char *bytes = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	int r = 0;

	while ((n = getline(&line, &cap, in)) >= 0) {
		size_t k = 0;
		long got;

		lineno++;
		for (ssize_t i = 0; i < n; i++)
			if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r' &&
			    line[i] != '\n')
				line[k++] = line[i];
		if (k == 0)
			continue;
		bytes = xrealloc(bytes, k / 4 * 3 + 3);
		if ((got = base64_decode_into(line, k, bytes)) < 0) {
			fprintf(stderr, "Exception calling \"FromBase64String\": "
			    "line %zu of %s is not base64\n", lineno, tmp);
			r = 1;
			break;
		}
		if (write_all(fd, bytes, (size_t)got) < 0) {
			fprintf(stderr, "writing: %s\n", strerror(errno));
			r = 1;
			break;
		}
	}
	if (r == 0 && ferror(in)) {
		fprintf(stderr, "reading %s: %s\n", tmp, strerror(errno));
		r = 1;
	}
	free(bytes);
	free(line);
	return r;
}

int
helper_winrmcp_restore(const char *win_tmp, const char *win_dest)
{
	char *tmp = map_or_say(win_tmp), *dest = map_or_say(win_dest), *dir;
	struct stat st;
	FILE *in = NULL;
	int fd = -1, r = 1;

	if (tmp == NULL || dest == NULL)
		goto out;
	if (stat(dest, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			goto out;	/* Exit 1, as the script does */
		if (unlink(dest) < 0) {
			fprintf(stderr, "rm %s: %s\n", dest, strerror(errno));
			goto out;
		}
	} else if ((dir = strdup(dest)) != NULL) {
		char *slash = strrchr(dir, '/');

		/* New-Item -Force -ErrorAction SilentlyContinue */
		if (slash != NULL && slash != dir) {
			*slash = '\0';
			(void)mkdir_p(dir, 0777);
		}
		free(dir);
	}
	if ((in = fopen(tmp, "re")) == NULL && errno != ENOENT) {
		fprintf(stderr, "OpenText %s: %s\n", tmp, strerror(errno));
		goto out;
	}
	if ((fd = open(dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0666)) < 0) {
		fprintf(stderr, "OpenWrite %s: %s\n", dest, strerror(errno));
		goto out;
	}
	/* no temporary file (an empty source): an empty destination */
	r = in != NULL ? decode_lines(in, fd, tmp) : 0;
	if (close(fd) < 0 && r == 0) {
		fprintf(stderr, "closing %s: %s\n", dest, strerror(errno));
		r = 1;
	}
out:
	if (in != NULL)
		fclose(in);
	free(tmp);
	free(dest);
	return r;
}

int
helper_winrmcp_cleanup(const char *win_tmp)
{
	char *tmp = map_or_say(win_tmp);

	if (tmp == NULL)
		return 1;
	/* Remove-Item -ErrorAction SilentlyContinue, when it is there */
	(void)unlink(tmp);
	free(tmp);
	return 0;
}
