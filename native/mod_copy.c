/*
 * mod_copy.c: win_copy's four steps (_copy_mode query, single, explode,
 * remote), as the ansible.windows action plugin drives them; win_template
 * rides on it.  "explode" unpacks the zip the action builds for a directory
 * source (entry names are base64 of the relative UTF-8 path; a directory
 * entry ends in "/") with libarchive, refusing names that would leave the
 * destination.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "native.h"
#include "winpath.h"

struct copy_ctx {
	struct mod	*m;
	bool		 force;
	bool		 backup;
	char		*diff;		/* "+path\n-path\n" as win_copy's */
	bool		 failed;
};

static char *
join(const char *dir, const char *rel)
{
	const char *why;
	char *r = winpath_map(rel, &why), *s;

	if (r == NULL)
		return NULL;
	if (r[0] == '/' || strcmp(r, ".") == 0) {
		/* Join-Path keeps an absolute child under the parent */
		s = xasprintf("%s%s", dir, strcmp(r, ".") == 0 ? "" : r);
	} else
		s = xasprintf("%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" :
		    "/", r);
	free(r);
	return s;
}

static char *
parent_of(const char *path)
{
	const char *s = strrchr(path, '/');

	if (s == NULL)
		return xstrdup(".");
	if (s == path)
		return xstrdup("/");
	return xasprintf("%.*s", (int)(s - path), path);
}

static int
kind_of(const char *path)	/* 0 missing, 1 file, 2 directory */
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	return S_ISDIR(st.st_mode) ? 2 : 1;
}

static void
diff_add(struct copy_ctx *x, const char *sign, const char *path,
    const char *suffix)
{
	char *d = xasprintf("%s%s%s%s\n", x->diff ? x->diff : "", sign, path,
	    suffix);

	free(x->diff);
	x->diff = d;
}

/* Backup-File: "<path>.<pid>.<yyyyMMdd-HHmmss>.bak"; NULL if no file */
static char *
backup_file(struct copy_ctx *x, const char *path)
{
	char stamp[32], *b;
	time_t now = time(NULL);
	struct tm tm;
	int e;

	if (kind_of(path) != 1)
		return NULL;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	b = xasprintf("%s.%d.%s.bak", path, (int)getpid(), stamp);
	if (!x->m->check_mode && (e = copy_file(path, b, 0600)) < 0) {
		mod_fail(x->m, "Failed to create backup file '%s' from '%s'. "
		    "(%s)", b, path, strerror(-e));
		x->failed = true;
	}
	return b;
}

/* Copy-File: copies when missing or different (force); the checksum */
static void
copy_one(struct copy_ctx *x, const char *src, const char *dest, char *ret_sum)
{
	char dsum[129], *dir;
	bool copy = false;
	int k = kind_of(dest), e;

	ret_sum[0] = '\0';
	if (x->force && (e = hash_file(src, "sha1", ret_sum)) < 0) {
		mod_fail(x->m, "cannot read '%s': %s", src, strerror(-e));
		x->failed = true;
		return;
	}
	if (k == 2) {
		mod_fail(x->m, "cannot copy file from '%s' to '%s': dest is "
		    "already a folder", src, dest);
		x->failed = true;
		return;
	}
	if (k == 1) {
		if (x->force && (hash_file(dest, "sha1", dsum) < 0 ||
		    strcmp(dsum, ret_sum) != 0))
			copy = true;
	} else
		copy = true;
	if (!copy)
		return;
	dir = parent_of(dest);
	if (kind_of(dir) == 1) {
		mod_fail(x->m, "cannot copy file from '%s' to '%s': object at "
		    "dest parent dir is not a folder", src, dest);
		x->failed = true;
		free(dir);
		return;
	}
	if (kind_of(dir) == 0) {
		if (!x->m->check_mode && (e = mkdir_p(dir, 0777)) < 0) {
			mod_fail(x->m, "cannot create %s: %s", dir, strerror(-e));
			x->failed = true;
			free(dir);
			return;
		}
		diff_add(x, "+", dir, "/");
	}
	free(dir);
	if (x->backup) {
		char *b = backup_file(x, dest);

		if (b != NULL)
			res_str(x->m, "backup_file", b);
		free(b);
		if (x->failed)
			return;
	}
	if (k == 1)
		diff_add(x, "-", dest, "");
	if (!x->m->check_mode && (e = copy_file(src, dest, 0666)) < 0) {
		mod_fail(x->m, "cannot copy '%s' to '%s': %s", src, dest,
		    strerror(-e));
		x->failed = true;
		return;
	}
	diff_add(x, "+", dest, "");
	res_bool(x->m, "changed", true);
}

/* Copy-Folder */
static void
copy_tree(struct copy_ctx *x, const char *src, const char *dest)
{
	struct dirent *de;
	DIR *d;
	int e;

	if (kind_of(dest) != 2) {
		char *parent = parent_of(dest);

		if (kind_of(parent) == 1) {
			mod_fail(x->m, "cannot copy file from '%s' to '%s': object "
			    "at dest parent dir is not a folder", src, dest);
			x->failed = true;
		} else if (kind_of(dest) == 1) {
			mod_fail(x->m, "cannot copy folder from '%s' to '%s': dest "
			    "is already a file", src, dest);
			x->failed = true;
		} else if (!x->m->check_mode && (e = mkdir_p(dest, 0777)) < 0) {
			mod_fail(x->m, "cannot create %s: %s", dest, strerror(-e));
			x->failed = true;
		}
		free(parent);
		if (x->failed)
			return;
		diff_add(x, "+", dest, "/");
		res_bool(x->m, "changed", true);
	}
	if ((d = opendir(src)) == NULL) {
		mod_fail(x->m, "cannot read %s: %s", src, strerror(errno));
		x->failed = true;
		return;
	}
	while (!x->failed && (de = readdir(d)) != NULL) {
		char *s, *t, sum[129];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		s = xasprintf("%s/%s", src, de->d_name);
		t = xasprintf("%s/%s", dest, de->d_name);
		if (kind_of(s) == 2)
			copy_tree(x, s, t);
		else
			copy_one(x, s, t, sum);
		free(s);
		free(t);
	}
	closedir(d);
}

static long long size_total;

static void
tree_size(const char *path)
{
	struct stat st;
	struct dirent *de;
	DIR *d;

	if (lstat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		if (S_ISREG(st.st_mode))
			size_total += st.st_size;
		return;
	}
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char *s;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		s = xasprintf("%s/%s", path, de->d_name);
		tree_size(s);
		free(s);
	}
	closedir(d);
}

/* ------------------------------------------------------------------ query */

static int
copy_query(struct mod *m, const char *dest, bool force)
{
	struct json_object *files = arg_obj(m, "files"), *dirs = arg_obj(m,
	    "directories");
	struct json_object *cf = json_object_new_array(),
	    *cd = json_object_new_array();

	for (size_t i = 0; files != NULL && json_object_is_type(files,
	    json_type_array) && i < json_object_array_length(files); i++) {
		struct json_object *f = json_object_array_get_idx(files, i), *v;
		const char *name = NULL, *sum = NULL, *src = NULL;
		char *fp, local[129];
		int k;

		if (json_object_object_get_ex(f, "dest", &v))
			name = json_object_get_string(v);
		if (json_object_object_get_ex(f, "checksum", &v))
			sum = json_object_get_string(v);
		if (json_object_object_get_ex(f, "src", &v))
			src = json_object_get_string(v);
		if (name == NULL || (fp = join(dest, name)) == NULL) {
			json_object_put(cf);
			json_object_put(cd);
			return mod_fail(m, "win_copy query: a file entry has no "
			    "usable dest");
		}
		if (kind_of(fp) == 2 && src != NULL) {
			char *sub = xasprintf("%s/%s", name, strrchr(src, '/') ?
			    strrchr(src, '/') + 1 : src), *fp2 = join(dest, sub);

			free(sub);
			if (fp2 != NULL) {
				free(fp);
				fp = fp2;
			}
		}
		k = kind_of(fp);
		if (k == 1) {
			if (force && (hash_file(fp, "sha1", local) < 0 ||
			    sum == NULL || strcmp(local, sum) != 0))
				json_object_array_add(cf, json_object_get(f));
		} else if (k == 2) {
			json_object_put(cf);
			json_object_put(cd);
			mod_fail(m, "cannot copy file to dest '%s': object at "
			    "path is already a directory", fp);
			free(fp);
			return 1;
		} else
			json_object_array_add(cf, json_object_get(f));
		free(fp);
	}
	for (size_t i = 0; dirs != NULL && json_object_is_type(dirs,
	    json_type_array) && i < json_object_array_length(dirs); i++) {
		struct json_object *d = json_object_array_get_idx(dirs, i), *v;
		char *dp, *parent;
		int fail = 0;

		if (!json_object_object_get_ex(d, "dest", &v) ||
		    (dp = join(dest, json_object_get_string(v))) == NULL)
			continue;
		parent = parent_of(dp);
		if (kind_of(parent) == 1)
			fail = mod_fail(m, "cannot copy folder to dest '%s': "
			    "object at parent directory path is already a file",
			    dp);
		else if (kind_of(dp) == 1)
			fail = mod_fail(m, "cannot copy folder to dest '%s': "
			    "object at path is already a file", dp);
		else if (kind_of(dp) == 0)
			json_object_array_add(cd, json_object_get(d));
		free(parent);
		free(dp);
		if (fail) {
			json_object_put(cf);
			json_object_put(cd);
			return 1;
		}
	}
	res_set(m, "files", cf);
	res_set(m, "directories", cd);
	res_set(m, "symlinks", json_object_new_array());
	return 0;
}

/* ---------------------------------------------------------------- explode */

/* an entry name -> relative path ("a/b", "a/sub/"); NULL if invalid */
static char *
entry_path(const char *name, bool *ret_dir)
{
	size_t len = strlen(name), pad = 0;
	unsigned char *out;
	char *b64;
	int n;

	*ret_dir = false;
	if (len % 4 == 1) {
		if (name[len - 1] != '/' && name[len - 1] != '\\')
			return NULL;
		*ret_dir = true;
		len--;
	} else if (len % 4 != 0)
		return NULL;
	if (len == 0)
		return NULL;
	b64 = xasprintf("%.*s", (int)len, name);
	if (b64[len - 1] == '=')
		pad++;
	if (len > 1 && b64[len - 2] == '=')
		pad++;
	out = xmalloc(len / 4 * 3 + 2);
	n = EVP_DecodeBlock(out, (unsigned char *)b64, (int)len);
	free(b64);
	if (n < 0 || (size_t)n < pad || memchr(out, '\0', (size_t)n - pad)) {
		free(out);
		return NULL;
	}
	out[n - pad] = '\0';
	return (char *)out;
}

/* a relative path that stays below its base */
static bool
safe_relative(const char *rel)
{
	const char *p = rel;

	if (rel[0] == '/' || rel[0] == '\\' || (rel[0] != '\0' && rel[1] == ':'))
		return false;
	while (*p != '\0') {
		size_t n = strcspn(p, "/\\");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return false;
		p += n;
		while (*p == '/' || *p == '\\')
			p++;
	}
	return true;
}

static int
copy_explode(struct mod *m, const char *src, const char *dest)
{
	struct archive *a;
	struct archive_entry *ent;
	int r, fail = 0;

	if (kind_of(src) != 1)
		return mod_fail(m, "Cannot expand src zip file: '%s' as it does "
		    "not exist", arg_str(m, "src"));
	if ((a = archive_read_new()) == NULL)
		die_nomem();
	archive_read_support_format_zip(a);
	if (archive_read_open_filename(a, src, 1 << 16) != ARCHIVE_OK) {
		fail = mod_fail(m, "cannot open the zip file %s: %s", src,
		    archive_error_string(a));
		archive_read_free(a);
		return fail;
	}
	while (!fail && (r = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ent);
		char *rel, *target, *dir;
		bool is_dir;
		int e;

		if (name == NULL || (rel = entry_path(name, &is_dir)) == NULL) {
			fail = mod_fail(m, "invalid base64 archive name '%s'",
			    name ? name : "");
			break;
		}
		if (!safe_relative(rel)) {
			fail = mod_fail(m, "the archive entry '%s' would be "
			    "written outside %s", rel, dest);
			free(rel);
			break;
		}
		target = join(dest, rel);
		free(rel);
		if (target == NULL) {
			fail = mod_fail(m, "cannot map an archive entry below %s",
			    dest);
			break;
		}
		dir = is_dir ? xstrdup(target) : parent_of(target);
		if (!m->check_mode && kind_of(dir) != 2 &&
		    (e = mkdir_p(dir, 0777)) < 0)
			fail = mod_fail(m, "cannot create %s: %s", dir,
			    strerror(-e));
		free(dir);
		if (!fail && !is_dir && !m->check_mode) {
			int fd = open(target, O_WRONLY | O_CREAT | O_TRUNC |
			    O_CLOEXEC, 0666);

			if (fd < 0)
				fail = mod_fail(m, "cannot write %s: %s", target,
				    strerror(errno));
			else {
				if (archive_read_data_into_fd(a, fd) != ARCHIVE_OK)
					fail = mod_fail(m, "cannot extract %s: %s",
					    target, archive_error_string(a));
				if (close(fd) < 0 && !fail)
					fail = mod_fail(m, "writing %s: %s", target,
					    strerror(errno));
			}
		}
		free(target);
	}
	if (!fail && r != ARCHIVE_EOF && r != ARCHIVE_OK)
		fail = mod_fail(m, "reading the zip file %s: %s", src,
		    archive_error_string(a));
	archive_read_free(a);
	if (!fail)
		res_bool(m, "changed", true);
	return fail;
}

/* ----------------------------------------------------------------- single */

static int
copy_single(struct mod *m, const char *src, const char *dest_win,
    const char *dest)
{
	const char *orig = arg_str(m, "_original_basename");
	char *remote, *parent;
	int e;

	if (kind_of(src) != 1)
		return mod_fail(m, "Cannot copy src file: '%s' as it does not "
		    "exist", arg_str(m, "src"));
	if ((winpath_trailing_sep(dest_win) || kind_of(dest) == 2) &&
	    orig != NULL)
		remote = xasprintf("%s/%s", dest, orig);
	else
		remote = xstrdup(dest);
	parent = parent_of(remote);
	if (kind_of(parent) == 1) {
		mod_fail(m, "object at destination parent dir '%s' is currently "
		    "a file", parent);
		goto fail;
	}
	if (kind_of(parent) == 0) {
		if (strcmp(remote, dest) == 0) {
			mod_fail(m, "Destination directory '%s' does not exist",
			    parent);
			goto fail;
		}
		if (!m->check_mode && (e = mkdir_p(parent, 0777)) < 0) {
			mod_fail(m, "cannot create %s: %s", parent, strerror(-e));
			goto fail;
		}
	}
	if (arg_bool(m, "backup", false)) {
		struct copy_ctx x = { .m = m };
		char *b = backup_file(&x, remote);

		if (x.failed) {
			free(b);
			goto fail;
		}
		if (b != NULL)
			res_str(m, "backup_file", b);
		free(b);
	}
	if (!m->check_mode && (e = copy_file(src, remote, 0666)) < 0) {
		mod_fail(m, "cannot copy to '%s': %s", remote, strerror(-e));
		goto fail;
	}
	res_bool(m, "changed", true);
	free(parent);
	free(remote);
	return 0;
fail:
	free(parent);
	free(remote);
	return 1;
}

/* ----------------------------------------------------------------- remote */

static int
copy_remote(struct mod *m, const char *src_win, const char *src,
    const char *dest_win, const char *dest, bool force, bool backup)
{
	struct copy_ctx x = { .m = m, .force = force, .backup = backup };
	char *remote = xstrdup(dest), sum[129] = "";
	int ks = kind_of(src);

	res_str(m, "src", src);
	res_str(m, "dest", dest);
	if (ks == 0) {
		free(remote);
		return mod_fail(m, "Cannot copy src file: '%s' as it does not "
		    "exist", src_win);
	}
	if (ks == 2) {
		res_str(m, "operation", "folder_copy");
		if (winpath_trailing_sep(src_win)) {
			/* the contents of src, into dest */
			DIR *d = opendir(src);
			struct dirent *de;

			if (d == NULL) {
				free(remote);
				return mod_fail(m, "cannot read %s: %s", src,
				    strerror(errno));
			}
			while (!x.failed && (de = readdir(d)) != NULL) {
				char *s, *t;

				if (strcmp(de->d_name, ".") == 0 ||
				    strcmp(de->d_name, "..") == 0)
					continue;
				s = xasprintf("%s/%s", src, de->d_name);
				t = xasprintf("%s/%s", dest, de->d_name);
				if (kind_of(s) == 2)
					copy_tree(&x, s, t);
				else
					copy_one(&x, s, t, sum);
				free(s);
				free(t);
			}
			closedir(d);
		} else {
			free(remote);
			remote = xasprintf("%s/%s", dest, winpath_basename(src));
			res_str(m, "dest", remote);
			copy_tree(&x, src, remote);
		}
	} else {
		char *parent;

		res_str(m, "operation", "file_copy");
		res_str(m, "original_basename", winpath_basename(src));
		if (winpath_trailing_sep(dest_win) || kind_of(dest) == 2) {
			free(remote);
			remote = xasprintf("%s/%s", dest, winpath_basename(src));
		}
		res_str(m, "dest", remote);
		parent = parent_of(remote);
		if (kind_of(parent) == 1) {
			mod_fail(m, "object at destination parent dir '%s' is "
			    "currently a file", parent);
			x.failed = true;
		} else if (kind_of(parent) == 0) {
			int e;

			if (strcmp(dest, remote) == 0) {
				mod_fail(m, "Destination directory '%s' does not "
				    "exist", parent);
				x.failed = true;
			} else if ((e = mkdir_p(parent, 0777)) < 0) {
				mod_fail(m, "cannot create %s: %s", parent,
				    strerror(-e));
				x.failed = true;
			}
		}
		free(parent);
		if (!x.failed) {
			copy_one(&x, src, remote, sum);
			if (sum[0] != '\0')
				res_str(m, "checksum", sum);
		}
	}
	if (!x.failed) {
		if (!m->check_mode || kind_of(remote) != 0) {
			size_total = 0;
			tree_size(remote);
			res_int(m, "size", size_total);
		} else
			res_set(m, "size", NULL);
		if (m->diff_mode) {
			struct json_object *d = json_object_new_object();

			json_object_object_add(d, "prepared",
			    json_object_new_string(x.diff ? x.diff : ""));
			res_set(m, "diff", d);
		}
	}
	free(x.diff);
	free(remote);
	return x.failed ? 1 : 0;
}

int
mod_win_copy(struct mod *m)
{
	const char *mode = arg_str(m, "_copy_mode");
	const char *dest_win = arg_str(m, "dest"), *src_win = arg_str(m, "src");
	bool force = arg_bool(m, "force", true), backup = arg_bool(m, "backup",
	    false);
	char *dest, *src = NULL;
	int err, r;

	if (mode == NULL)
		mode = "single";
	if (strcmp(mode, "query") != 0 && strcmp(mode, "single") != 0 &&
	    strcmp(mode, "explode") != 0 && strcmp(mode, "remote") != 0)
		return mod_fail(m, "Get-AnsibleParam: Argument _copy_mode needs to "
		    "be one of explode,query,remote,single but was %s.", mode);
	res_bool(m, "changed", false);
	if (m->diff_mode && strcmp(mode, "remote") != 0)
		res_set(m, "diff", json_object_new_object());
	if (dest_win == NULL)
		return mod_fail(m, "Get-AnsibleParam: Missing required argument: "
		    "dest");
	if ((dest = arg_path(m, "dest", &err)) == NULL)
		return 1;
	if (strcmp(mode, "query") != 0) {
		if (src_win == NULL) {
			free(dest);
			return mod_fail(m, "Get-AnsibleParam: Missing required "
			    "argument: src");
		}
		if ((src = arg_path(m, "src", &err)) == NULL) {
			free(dest);
			return 1;
		}
	}
	if (strcmp(mode, "query") == 0)
		r = copy_query(m, dest, force);
	else if (strcmp(mode, "explode") == 0)
		r = copy_explode(m, src, dest);
	else if (strcmp(mode, "single") == 0)
		r = copy_single(m, src, dest_win, dest);
	else
		r = copy_remote(m, src_win, src, dest_win, dest, force, backup);
	free(src);
	free(dest);
	return r;
}
