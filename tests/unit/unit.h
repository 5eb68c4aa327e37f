/*
 * unit.h: what every Check program in tests/unit shares.  UNIT_MAIN() runs
 * one suite (CK_FORK as the environment says: on by default); the helpers
 * read fixtures from TEST_DATA and write scratch files.
 */
#ifndef WINRMD_TESTS_UNIT_H
#define WINRMD_TESTS_UNIT_H

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/*
 * Exit status: 0 if every test passed, else 1.  Not the failure count:
 * automake's test driver reads 77 as "skipped" and 99 as "hard error".
 */
#define UNIT_MAIN(suite_fn)						\
int									\
main(void)								\
{									\
	SRunner *sr = srunner_create(suite_fn());			\
	int failed;							\
									\
	srunner_run_all(sr, CK_ENV);					\
	failed = srunner_ntests_failed(sr);				\
	srunner_free(sr);						\
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;		\
}

/* Whole file into a NUL-terminated malloc'd buffer; fails the test if absent. */
static inline char *
unit_read_path(const char *path, size_t *ret_len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	ck_assert_msg(fp != NULL, "cannot open %s: %s", path, strerror(errno));
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap + 1);
			ck_assert_ptr_nonnull(buf);
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
	} while (n > 0);
	ck_assert_msg(!ferror(fp), "reading %s failed", path);
	fclose(fp);
	buf[len] = '\0';
	if (ret_len != NULL)
		*ret_len = len;
	return buf;
}

/* A file of tests/data, by name. */
static inline char *
unit_read_data(const char *name, size_t *ret_len)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", TEST_DATA, name);
	return unit_read_path(path, ret_len);
}

/*
 * Writes text to a new scratch file and returns its path (malloc'd); the
 * caller unlinks and frees it with unit_tmp_remove().
 */
static inline char *
unit_tmp_file(const char *text)
{
	const char *dir = getenv("TMPDIR");
	char *path;
	size_t len = strlen(text);
	int fd;

	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	ck_assert_int_ge(asprintf(&path, "%s/winrmd-unit.XXXXXX", dir), 0);
	fd = mkstemp(path);
	ck_assert_msg(fd >= 0, "mkstemp %s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

static inline void
unit_tmp_remove(char *path)
{
	if (path == NULL)
		return;
	unlink(path);
	free(path);
}

/* strips leading and trailing white space in place */
static inline char *
unit_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
	    e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/*
 * Whether `want' (a trimmed "#Key = default") is a line of a configuration
 * text under [section] (any case); with prefix_only, only "#Key = " has
 * to match.
 */
static inline bool
unit_conf_has_line(const char *text, const char *section, const char *want,
    bool prefix_only)
{
	char *copy = strdup(text), *save = NULL, *line;
	char header[128];
	bool in_section = false, found = false;

	ck_assert_ptr_nonnull(copy);
	snprintf(header, sizeof(header), "[%s]", section);
	for (line = strtok_r(copy, "\n", &save); line != NULL && !found;
	    line = strtok_r(NULL, "\n", &save)) {
		char *t = unit_trim(line);

		if (t[0] == '[')
			in_section = strcasecmp(t, header) == 0;
		else if (in_section)
			found = prefix_only ? strncmp(t, want, strlen(want)) == 0 :
			    strcmp(t, want) == 0;
	}
	free(copy);
	return found;
}

#endif
