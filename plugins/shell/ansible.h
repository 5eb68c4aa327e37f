/*
 * ansible.h: the scripts Ansible's winrm connection sends, recognised by
 * their structure (markers and variable parts, not bytes: nearby Ansible
 * versions keep working), and the payload Ansible pipes to its bootstrap.
 * What each becomes is a "native invocation": the arguments of
 * winrmd-native, which does the work as the user.
 *
 * Two generations of the bootstrap are known.  ansible-core 2.14's reads the
 * exec wrapper's text, four NULs and a JSON object naming the module, and
 * the connection's helpers (put_file, fetch_file, mkdtemp, ...) are scripts
 * of their own.  2.19's (bootstrap_wrapper.ps1) reads a JSON line naming
 * the exec wrapper, a line of four NULs and the exec manifest (the scripts
 * and the actions to run: a module through module_wrapper.ps1, or one of
 * the helpers, winrm_put_file.ps1 and friends), then for put_file another
 * line of four NULs and the file's base64 lines.  Both run natively.
 *
 * Pure functions (no daemon state, no I/O): plugins/shell/ansible_run.c
 * starts what they describe.  The catalogue of scripts is
 * /work/shared/vectors/ansible-modules/CATALOGUE.md §3-§4.
 */
#ifndef WINRMD_SHELL_ANSIBLE_H
#define WINRMD_SHELL_ANSIBLE_H

#include <stdbool.h>
#include <stddef.h>

enum ansible_kind {
	AK_NONE,	/* not one of Ansible's scripts */
	AK_BOOTSTRAP,	/* the bootstrap: what it runs comes on stdin */
	AK_HELPER,	/* a helper: argv is winrmd-native's arguments */
	AK_MALFORMED,	/* looks like one of them but does not parse: why */
};

#define ANSIBLE_MAX_ARGS	6

struct ansible_native {
	enum ansible_kind	 kind;
	/* AK_HELPER: helper name and its parameters, NULL-terminated */
	char			*argv[ANSIBLE_MAX_ARGS + 1];
	char			*why;	/* AK_MALFORMED: one sentence */
};

/*
 * Recognises a fully decoded PowerShell script (cmdline.c's text).  Helpers
 * and their argv:
 *   put_file PATH            fetch_file PATH OFFSET BUFFER_SIZE
 *   mkdtemp BASE NAME        remove PATH recurse|file
 *   expand_user [SUFFIX]     echo TEXT
 *   exists PATH              checksum PATH
 * PATH and friends are the Windows-style strings as Ansible wrote them,
 * single-quote unescaped; winrmd-native maps them.  Returns 0, or -ENOMEM.
 */
int	ansible_recognise(const char *script, struct ansible_native *ret);
/*
 * The same for the script of a PSRP pipeline from Ansible's psrp
 * connection: the bootstrap as it is, a raw command ("CMD\nexit
 * $LASTEXITCODE") by its CMD.
 */
int	ansible_recognise_psrp(const char *script, struct ansible_native *ret);
void	ansible_native_free(struct ansible_native *n);

/*
 * A PowerShell single-quoted literal at p (p points at its opening quote:
 * ' or one of U+2018..U+201B).  Doubled quotes are one quote.  Returns the
 * unescaped text (malloc'd) and sets *ret_end after the closing quote, or
 * NULL (unterminated, not a literal, out of memory).
 */
char	*ansible_ps_literal(const char *p, const char **ret_end);

/* ------------------------------------------------------- module payload */

#define ANSIBLE_PAYLOAD_MAX	(16u * 1024 * 1024)

/*
 * What the daemon must know of a bootstrap's run before it starts anything:
 * a module, or (2.19's bootstrap) one of the connection's helpers.
 */
struct ansible_payload {
	/* a helper (2.19): its name and parameters, as ansible_native.argv */
	char	*helper[ANSIBLE_MAX_ARGS + 1];
	char	*module;	/* short name ("win_ping"; "script"), or NULL */
	char	*module_full;	/* as sent ("ansible.windows.win_ping") */
	bool	 become;
	char	*become_user;	/* NULL if absent */
	char	*become_password;	/* NULL if absent; wiped by _free */
	bool	 async;
	char	*async_jid;
	long long async_timeout;	/* seconds */
	bool	 check_mode;
	/*
	 * The JSON winrmd-native reads: module_args, environment, actions,
	 * async fields, module_entry (script only) and "module"; the wrapper
	 * bodies and become_password are left out.  NUL-terminated.
	 */
	char	*json;
	size_t	 json_len;
};

/*
 * How much of the bootstrap's stdin so far (buf, len; end: the client has
 * sent its last byte) decides the run.  2.14's: all of it, len once end is
 * set.  2.19's (stdin starts with "{"): the exec manifest, what precedes
 * the second line of four NULs (*ret_input: where the action's input
 * starts, after that line), or everything at end.  *ret_input is len when
 * there is no input.  Returns 0 while more is needed.
 */
size_t	ansible_payload_ready(const unsigned char *buf, size_t len, bool end,
	    size_t *ret_input);

/*
 * Parses what ansible_payload_ready() found decisive (json-c, bounded
 * depth): 2.14's exec wrapper, four NULs and the JSON object, or 2.19's
 * JSON line, four NULs and the exec manifest.
 * Returns 0, or -EINVAL with a sentence in why (no separator, not JSON,
 * not an object, actions missing or unknown), or -ENOMEM.
 */
int	ansible_payload_parse(const unsigned char *buf, size_t len,
	    struct ansible_payload *ret, char *why, size_t whylen);
void	ansible_payload_free(struct ansible_payload *p);

/* whether winrmd-native implements the module (short name) */
bool	ansible_module_native(const char *name);
/* those modules as a sentence's list ("a, b and c"), in buf */
const char *ansible_native_list(char *buf, size_t len);

/*
 * The JSON object a module answers when it fails before running:
 * {"failed":true,"msg":MSG,"changed":false} plus "\r\n"; malloc'd.
 */
char	*ansible_fail_json(const char *msg);

/* ansible_run.c: winrmd-native's path ([Winrs] NativeHelper) */
const char *native_path(void);

#endif
