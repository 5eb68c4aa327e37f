/*
 * osrelease.c: os-release(5) parsing for Win32_OperatingSystem (Caption,
 * Version, Manufacturer), the OS name every win32 class refers to and
 * winrmd-native's distribution facts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osrelease.h"
#include "procfs.h"

/* value text after '=' up to the end of the line, unquoted; malloc'd */
static char *
parse_value(const char *p, const char *eol)
{
	char *v = malloc((size_t)(eol - p) + 1), *o = v;
	char quote = 0;

	if (v == NULL)
		return NULL;
	while (p < eol) {
		char c = *p++;

		if (quote == 0 && (c == '"' || c == '\'')) {
			quote = c;
			continue;
		}
		if (c == quote) {
			quote = 0;
			continue;
		}
		if (c == '\\' && quote != '\'' && p < eol &&
		    (quote == 0 || strchr("$\"\\`", *p) != NULL)) {
			*o++ = *p++;
			continue;
		}
		*o++ = c;
	}
	/* unquoted trailing blanks */
	while (o > v && (o[-1] == ' ' || o[-1] == '\t') && quote == 0)
		o--;
	*o = '\0';
	return v;
}

int
os_release_parse(const char *text, struct os_release *ret)
{
	static const struct {
		const char	*key;
		size_t		 off;
	} keys[] = {
		{ "NAME", offsetof(struct os_release, name) },
		{ "PRETTY_NAME", offsetof(struct os_release, pretty_name) },
		{ "ID", offsetof(struct os_release, id) },
		{ "ID_LIKE", offsetof(struct os_release, id_like) },
		{ "VERSION", offsetof(struct os_release, version) },
		{ "VERSION_ID", offsetof(struct os_release, version_id) },
		{ "BUILD_ID", offsetof(struct os_release, build_id) },
		{ "VENDOR_NAME", offsetof(struct os_release, vendor_name) },
	};
	const char *line = text;

	memset(ret, 0, sizeof(*ret));
	while (*line != '\0') {
		const char *eol = strchr(line, '\n'), *eq;

		if (eol == NULL)
			eol = line + strlen(line);
		while (line < eol && (*line == ' ' || *line == '\t'))
			line++;
		eq = memchr(line, '=', (size_t)(eol - line));
		for (size_t i = 0; eq != NULL && i < sizeof(keys) /
		    sizeof(keys[0]); i++) {
			char **slot = (char **)(void *)((char *)ret +
			    keys[i].off);

			if ((size_t)(eq - line) != strlen(keys[i].key) ||
			    memcmp(line, keys[i].key, (size_t)(eq - line)) != 0)
				continue;
			free(*slot);
			if ((*slot = parse_value(eq + 1, eol)) == NULL) {
				os_release_done(ret);
				return -ENOMEM;
			}
			break;
		}
		line = *eol == '\n' ? eol + 1 : eol;
	}
	return 0;
}

int
os_release_load(const char *etc, const char *usr_lib, struct os_release *ret)
{
	struct procfs_buf b = { 0 };
	char path[4096];
	int r = -ENOENT;

	memset(ret, 0, sizeof(*ret));
	snprintf(path, sizeof(path), "%s/os-release", etc);
	if (procfs_read(AT_FDCWD, path, &b, 65536, 0) < 0) {
		snprintf(path, sizeof(path), "%s/os-release", usr_lib);
		if (procfs_read(AT_FDCWD, path, &b, 65536, 0) < 0)
			goto out;
	}
	r = os_release_parse(b.data, ret);
out:
	procfs_buf_free(&b);
	return r;
}

void
os_release_done(struct os_release *r)
{
	free(r->name);
	free(r->pretty_name);
	free(r->id);
	free(r->id_like);
	free(r->version);
	free(r->version_id);
	free(r->build_id);
	free(r->vendor_name);
	memset(r, 0, sizeof(*r));
}
