/*
 * mod_files.c: win_ping, win_stat (and the stat and slurp modules fetch
 * uses), win_file.  Return values follow ansible.windows 1.14's modules;
 * Windows attributes are given their nearest Linux meaning (README.md).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "native.h"
#include "winpath.h"

/* ---------------------------------------------------------------- win_ping */

int
mod_win_ping(struct mod *m)
{
	const char *data = arg_str(m, "data");

	if (data == NULL)
		data = "pong";
	if (strcmp(data, "crash") == 0) {
		res_str(m, "exception", "boom");
		return mod_fail(m, "boom");
	}
	res_str(m, "ping", data);
	return 0;
}

/* ---------------------------------------------------------------- win_stat */

static double
ts_float(const struct statx_timestamp *t)
{
	return (double)t->tv_sec + (double)t->tv_nsec / 1e9;
}

static long long dir_size_total;

static int
add_size(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)path;
	(void)f;
	if (flag == FTW_F && S_ISREG(st->st_mode))
		dir_size_total += st->st_size;
	return 0;
}

int
mod_win_stat(struct mod *m)
{
	const char *key = arg_str(m, "path") ? "path" : arg_str(m, "dest") ?
	    "dest" : "name";
	const char *alg = arg_str(m, "checksum_algorithm");
	bool follow = arg_bool(m, "follow", false);
	bool get_checksum = arg_bool(m, "get_checksum", true);
	bool get_size = arg_bool(m, "get_size", true);
	struct json_object *st = json_object_new_object(), *attrs_none;
	struct statx sx;
	char *path, attrs[96] = "", hex[129];
	const char *base;
	struct passwd *pw;
	bool hidden, readonly, isdir, islnk;
	int err;

	if (alg == NULL)
		alg = "sha1";
	if (strcmp(alg, "md5") != 0 && strcmp(alg, "sha1") != 0 &&
	    strcmp(alg, "sha256") != 0 && strcmp(alg, "sha384") != 0 &&
	    strcmp(alg, "sha512") != 0) {
		json_object_put(st);
		return mod_fail(m, "value of checksum_algorithm must be one of: "
		    "md5, sha1, sha256, sha384, sha512, got: %s", alg);
	}
	if ((path = arg_path(m, key, &err)) == NULL) {
		json_object_put(st);
		return err < 0 ? 1 : mod_fail(m, "missing required arguments: "
		    "path");
	}
	if (statx(AT_FDCWD, path, follow ? 0 : AT_SYMLINK_NOFOLLOW,
	    STATX_BASIC_STATS | STATX_BTIME, &sx) < 0) {
		json_object_object_add(st, "exists", json_object_new_boolean(0));
		res_set(m, "stat", st);
		free(path);
		return 0;
	}
	base = winpath_basename(path);
	islnk = S_ISLNK(sx.stx_mode);
	isdir = S_ISDIR(sx.stx_mode);
	if (islnk && !follow) {
		/* the link: a directory link is still a directory to Windows */
		struct stat target;

		isdir = stat(path, &target) == 0 && S_ISDIR(target.st_mode);
	}
	hidden = base[0] == '.' && strcmp(base, ".") != 0 &&
	    strcmp(base, "..") != 0;
	readonly = !isdir && access(path, W_OK) < 0;
	if (readonly)
		strcat(attrs, "ReadOnly, ");
	if (hidden)
		strcat(attrs, "Hidden, ");
	if (isdir)
		strcat(attrs, "Directory, ");
	else
		strcat(attrs, "Archive, ");
	if (islnk)
		strcat(attrs, "ReparsePoint, ");
	attrs[strlen(attrs) - 2] = '\0';
	attrs_none = json_object_new_string(attrs);
#define ADD(k, v) json_object_object_add(st, k, v)
	ADD("exists", json_object_new_boolean(1));
	ADD("path", json_object_new_string(path));
	ADD("filename", json_object_new_string(base));
	ADD("attributes", attrs_none);
	ADD("isarchive", json_object_new_boolean(!isdir));
	ADD("isdir", json_object_new_boolean(isdir));
	ADD("ishidden", json_object_new_boolean(hidden));
	ADD("isjunction", json_object_new_boolean(0));
	ADD("islnk", json_object_new_boolean(islnk));
	ADD("isreadonly", json_object_new_boolean(readonly));
	ADD("isreg", json_object_new_boolean(S_ISREG(sx.stx_mode)));
	ADD("isshared", json_object_new_boolean(0));
	ADD("nlink", json_object_new_int64(sx.stx_nlink));
	ADD("hlnk_targets", json_object_new_array());
	ADD("creationtime", json_object_new_double(ts_float(
	    (sx.stx_mask & STATX_BTIME) && sx.stx_btime.tv_sec != 0 ?
	    &sx.stx_btime : &sx.stx_ctime)));
	ADD("lastaccesstime", json_object_new_double(ts_float(&sx.stx_atime)));
	ADD("lastwritetime", json_object_new_double(ts_float(&sx.stx_mtime)));
	pw = getpwuid(sx.stx_uid);
	if (pw != NULL)
		ADD("owner", json_object_new_string(pw->pw_name));
	else {
		char uid[24];

		snprintf(uid, sizeof(uid), "%u", (unsigned)sx.stx_uid);
		ADD("owner", json_object_new_string(uid));
	}
	{
		char mode[8];

		snprintf(mode, sizeof(mode), "%04o", sx.stx_mode & 07777);
		ADD("mode", json_object_new_string(mode));
	}
	if (islnk) {
		char target[PATH_MAX], abs[PATH_MAX];
		ssize_t n = readlink(path, target, sizeof(target) - 1);

		if (n >= 0) {
			target[n] = '\0';
			ADD("lnk_target", json_object_new_string(target));
		}
		if (path[0] == '/' || getcwd(abs, sizeof(abs)) == NULL)
			ADD("lnk_source", json_object_new_string(path));
		else {
			char *a = xasprintf("%s/%s", abs, path);

			ADD("lnk_source", json_object_new_string(a));
			free(a);
		}
		ADD("isreg", json_object_new_boolean(0));
	} else if (sx.stx_nlink > 1 && !isdir)
		ADD("lnk_type", json_object_new_string("hard"));
	if (isdir) {
		if (get_size) {
			dir_size_total = 0;
			nftw(path, add_size, 32, FTW_PHYS);
			ADD("size", json_object_new_int64(dir_size_total));
		}
	} else {
		const char *dot = strrchr(base, '.');

		ADD("extension", json_object_new_string(dot != NULL &&
		    dot != base ? dot : ""));
		if (get_size)
			ADD("size", json_object_new_int64((int64_t)sx.stx_size));
		/* only regular files: a FIFO or a device would block or never end */
		if (get_checksum && S_ISREG(sx.stx_mode)) {
			int e = hash_file(path, alg, hex);

			if (e < 0) {
				json_object_put(st);
				free(path);
				return mod_fail(m, "Failed to get hash of file, set "
				    "get_checksum to False to ignore this error: "
				    "%s", strerror(-e));
			}
			ADD("checksum", json_object_new_string(hex));
		}
	}
#undef ADD
	res_set(m, "stat", st);
	free(path);
	return 0;
}

/* ------------------------------------------------------------------- slurp */

int
mod_slurp(struct mod *m)
{
	const char *src = arg_str(m, "src") ? arg_str(m, "src") :
	    arg_str(m, "path");
	char *path, *data, *b64;
	struct stat st;
	size_t len;
	int err;

	if (src == NULL)
		return mod_fail(m, "missing required arguments: src");
	if ((path = arg_path(m, arg_str(m, "src") ? "src" : "path",
	    &err)) == NULL)
		return 1;
	if (stat(path, &st) < 0) {
		free(path);
		return mod_fail(m, "Path %s is not found", src);
	}
	if (S_ISDIR(st.st_mode)) {
		free(path);
		return mod_fail(m, "Path %s is a directory", src);
	}
	if (!S_ISREG(st.st_mode)) {
		free(path);
		return mod_fail(m, "Path %s is not a regular file", src);
	}
	if ((data = read_file(path, SIZE_MAX / 2, &len)) == NULL) {
		int e = errno;

		free(path);
		return mod_fail(m, "Failed to read %s: %s", src, strerror(e));
	}
	free(path);
	b64 = xmalloc((len + 2) / 3 * 4 + 1);
	EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)data, (int)len);
	res_set(m, "content", json_object_new_string(b64));
	res_str(m, "encoding", "base64");
	res_str(m, "source", src);
	free(b64);
	free(data);
	return 0;
}

/* ---------------------------------------------------------------- win_file */

static const char *
state_of(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return "absent";
	if (S_ISLNK(st.st_mode))
		return "link";
	return S_ISDIR(st.st_mode) ? "directory" : "file";
}

static void
file_diff(struct mod *m, const char *path, const char *before,
    const char *state)
{
	struct json_object *changed;
	const char *after = state_of(path);
	struct json_object *d, *b, *a;

	if (!m->diff_mode)
		return;
	d = json_object_new_object();
	b = json_object_new_object();
	a = json_object_new_object();
	/* check mode changed nothing: the state the task would give */
	if (m->check_mode && json_object_object_get_ex(m->result, "changed",
	    &changed) && json_object_get_boolean(changed) && state != NULL)
		after = strcmp(state, "touch") == 0 ? "file" : state;
	json_object_object_add(b, "path", json_object_new_string(path));
	json_object_object_add(b, "state", json_object_new_string(before));
	json_object_object_add(a, "path", json_object_new_string(path));
	json_object_object_add(a, "state", json_object_new_string(after));
	json_object_object_add(d, "before", b);
	json_object_object_add(d, "after", a);
	res_set(m, "diff", d);
}

int
mod_win_file(struct mod *m)
{
	const char *key = arg_str(m, "path") ? "path" : arg_str(m, "dest") ?
	    "dest" : "name";
	const char *win = arg_str(m, key), *state = arg_str(m, "state");
	const char *orig = arg_str(m, "_original_basename");
	char *path, before[16];
	struct stat st;
	int err, e;

	if (win == NULL)
		return mod_fail(m, "Get-AnsibleParam: Missing required argument: "
		    "path");
	if (state != NULL && strcmp(state, "absent") != 0 &&
	    strcmp(state, "directory") != 0 && strcmp(state, "file") != 0 &&
	    strcmp(state, "touch") != 0)
		return mod_fail(m, "Get-AnsibleParam: Argument state needs to be "
		    "one of absent,directory,file,touch but was %s.", state);
	if ((path = arg_path(m, key, &err)) == NULL)
		return 1;
	if (orig != NULL && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		char *p = xasprintf("%s/%s", path, orig);

		free(path);
		path = p;
	}
	snprintf(before, sizeof(before), "%s", state_of(path));
	res_bool(m, "changed", false);
	if (state != NULL && strcmp(state, "touch") == 0) {
		if (lstat(path, &st) == 0) {
			if (!m->check_mode && utimensat(AT_FDCWD, path, NULL, 0) < 0) {
				e = errno;
				free(path);
				return mod_fail(m, "Failed to touch %s: %s", win,
				    strerror(e));
			}
		} else if (!m->check_mode) {
			int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);

			if (fd < 0) {
				e = errno;
				free(path);
				return mod_fail(m, "Could not find a part of the "
				    "path '%s': %s", win, strerror(e));
			}
			close(fd);
		}
		res_bool(m, "changed", true);
	}
	if (lstat(path, &st) == 0) {
		bool isdir = S_ISDIR(st.st_mode);

		if (state != NULL && strcmp(state, "absent") == 0) {
			if (!m->check_mode && (e = isdir ? rm_rf(path) :
			    (unlink(path) < 0 ? -errno : 0)) < 0) {
				free(path);
				return mod_fail(m, "Failed to delete %s: %s", win,
				    strerror(-e));
			}
			res_bool(m, "changed", true);
		} else if (state != NULL && strcmp(state, "directory") == 0 &&
		    !(isdir || (S_ISLNK(st.st_mode) && stat(path, &st) == 0 &&
		    S_ISDIR(st.st_mode)))) {
			free(path);
			return mod_fail(m, "path %s is not a directory", win);
		} else if (state != NULL && strcmp(state, "file") == 0 && isdir) {
			free(path);
			return mod_fail(m, "path %s is not a file", win);
		}
	} else {
		if (state == NULL)
			state = winpath_basename(path)[0] != '\0' &&
			    !winpath_trailing_sep(win) ? "file" : "directory";
		if (strcmp(state, "directory") == 0) {
			if (!m->check_mode && (e = mkdir_p(path, 0777)) < 0) {
				free(path);
				if (e == -ENOTDIR)
					return mod_fail(m, "path %s is not a "
					    "directory", win);
				return mod_fail(m, "%s: %s", win, strerror(-e));
			}
			res_bool(m, "changed", true);
		} else if (strcmp(state, "file") == 0) {
			free(path);
			return mod_fail(m, "path %s will not be created", win);
		}
	}
	file_diff(m, path, before, state);
	free(path);
	return 0;
}
