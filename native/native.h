/*
 * native.h: winrmd-native, the program that does for Ansible what its
 * PowerShell scripts and modules do on Windows.  It runs as the user (the
 * daemon starts it through its spawn service like any command), reads its
 * stdin, writes stdout and stderr and exits: 0 on success, 1 on failure,
 * as the Windows modules do.  Nothing here is privileged.
 */
#ifndef WINRMD_NATIVE_H
#define WINRMD_NATIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

/* ------------------------------------------------------------ a module run */

struct mod {
	const char		*name;		/* short name: "win_copy" */
	struct json_object	*payload;	/* the whole JSON the daemon sent */
	struct json_object	*args;		/* module_args */
	struct json_object	*result;	/* what the module answers */
	bool			 check_mode;	/* _ansible_check_mode */
	bool			 diff_mode;	/* _ansible_diff */
};

typedef int (*mod_fn)(struct mod *m);

/* runs the module the payload names; returns the exit code (0, 1) */
int	 module_run(struct json_object *payload, const char *name);
/* prints m->result as JSON plus "\r\n" on stdout; the exit code */
int	 module_emit(struct mod *m);

/* --- arguments (module_args), Ansible.Basic's conversions --- */
const char *arg_str(struct mod *m, const char *key);	/* NULL: absent/null */
bool	 arg_bool(struct mod *m, const char *key, bool def);
long long arg_int(struct mod *m, const char *key, long long def);
/* a "path" argument: %VAR% expanded and mapped (winpath.h); NULL: absent
 * (*ret_err 0) or unmappable (*ret_err -1, the module failed already) */
char	*arg_path(struct mod *m, const char *key, int *ret_err);
struct json_object *arg_obj(struct mod *m, const char *key);

/* --- results --- */
void	 res_bool(struct mod *m, const char *key, bool v);
void	 res_str(struct mod *m, const char *key, const char *v);	/* NULL: null */
void	 res_int(struct mod *m, const char *key, long long v);
void	 res_set(struct mod *m, const char *key, struct json_object *v);
/* failed=true, msg; always returns 1 */
int	 mod_fail(struct mod *m, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* ---------------------------------------------------------------- modules */
int	mod_win_ping(struct mod *m);
int	mod_win_command(struct mod *m);
int	mod_win_shell(struct mod *m);
int	mod_script(struct mod *m);
int	mod_win_stat(struct mod *m);
int	mod_slurp(struct mod *m);
int	mod_win_file(struct mod *m);
int	mod_win_copy(struct mod *m);
int	mod_win_service(struct mod *m);
int	mod_setup(struct mod *m);
int	mod_async_status(struct mod *m);

/* the async job: detaches, runs the module, writes the results file */
int	async_job(struct json_object *payload);

/* ---------------------------------------------------------------- helpers */
int	helper_put_file(const char *path);
int	helper_fetch_file(const char *path, const char *offset,
	    const char *size);
/* the psrp connection's fetch: "[FILE]", then every chunk of SIZE bytes */
int	helper_fetch_stream(const char *path, const char *size);
int	helper_mkdtemp(const char *base, const char *name);
int	helper_remove(const char *path, bool recurse);
int	helper_expand_user(const char *suffix);
int	helper_echo(const char *text);
int	helper_exists(const char *path);
int	helper_checksum(const char *path);
/* packer-community/winrmcp's steps (winrmcp.c) */
int	helper_winrmcp_append(const char *path, const char *text);
int	helper_winrmcp_restore(const char *tmp, const char *dest);
int	helper_winrmcp_cleanup(const char *tmp);

/* helpers.c, for the helpers of winrmcp.c too */
/* the mapped path, or NULL after a message on stderr */
char	*map_or_say(const char *win);
/* 0, or -errno */
int	 write_all(int fd, const unsigned char *p, size_t n);

/* ------------------------------------------------------------------ util.c */

/* a printf into a new string; aborts the program when out of memory */
char	*xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t n);
void	*xmalloc(size_t n);
void	*xrealloc(void *p, size_t n);
void	 die_nomem(void) __attribute__((noreturn));

/* text with every invalid UTF-8 sequence replaced by U+FFFD (malloc'd) */
char	*utf8_clean(const char *s, size_t len);
/* JSON text of o ("\r\n" not included), plain and compact */
const char *json_text(struct json_object *o);
/* a file's hash in lower-case hex: 0, or -errno (-EINVAL: algorithm) */
int	 hash_file(const char *path, const char *alg, char hex[129]);
/* mkdir -p: 0 or -errno */
int	 mkdir_p(const char *path, mode_t mode);
/* rm -r without following symbolic links: 0 or -errno */
int	 rm_rf(const char *path);
/* copies a regular file's bytes (dst created or truncated): 0 or -errno */
int	 copy_file(const char *src, const char *dst, mode_t mode);
/* reads a whole file (at most max bytes): malloc'd, NUL-terminated */
char	*read_file(const char *path, size_t max, size_t *ret_len);
/* writes data to path through a temporary file and rename(): 0 or -errno */
int	 write_file_atomic(const char *path, const char *data, size_t len,
	    mode_t mode);
/* "2024-01-01 12:00:00.000000" (UTC), like [DateTime]::UtcNow */
void	 fmt_utc(const struct timespec *ts, char buf[40]);
/* "0:00:00.100000" */
void	 fmt_delta(const struct timespec *a, const struct timespec *b,
	    char buf[40]);
/* the user's login shell (passwd, else $SHELL, else /bin/sh) */
const char *user_shell(void);

/* what a child printed and how it ended */
struct capture {
	char	*out, *err;		/* NUL-terminated */
	size_t	 out_len, err_len;
	int	 rc;			/* exit code, 128+signal */
	int	 exec_errno;		/* the program could not be started;
					   -errno: chdir to cwd failed */
};

/*
 * Runs argv (PATH searched) in cwd (NULL: here) with stdin_data (NULL: no
 * stdin) and collects its output.  Returns 0 (see rc, exec_errno), or
 * -errno when nothing could be started.
 */
int	 run_capture(char *const argv[], const char *cwd,
	    const char *stdin_data, struct capture *ret);
void	 capture_free(struct capture *c);

/* the program file argv[0] names, PATH searched (malloc'd), or NULL */
char	*find_in_path(const char *name);

#endif
