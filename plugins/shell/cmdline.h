/*
 * cmdline.h: what a WinRS command line becomes on Linux.
 *
 *   PowerShell / pwsh / powershell.exe with -EncodedCommand, -Command or a
 *   script: the PowerShell script (decoded from base64 UTF-16LE, nested
 *   encodings unwrapped, a leading $ProgressPreference assignment, Go
 *   masterzen/winrm's prefix, taken off);
 *   cmd /c LINE: LINE, for the user's shell;
 *   anything else: the line itself for the user's shell, or with
 *   WINRS_SKIP_CMD_SHELL the Command and Arguments as argv.
 *
 * Pure functions: no I/O, no daemon state.
 */
#ifndef WINRMD_SHELL_CMDLINE_H
#define WINRMD_SHELL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

enum cmd_kind {
	CMD_SHELL,	/* text: a line for the user's shell -c */
	CMD_ARGV,	/* argv: exec directly */
	CMD_POWERSHELL,	/* text: a PowerShell script */
	CMD_FAIL,	/* text: why the line cannot run (one line) */
};

struct cmdline {
	enum cmd_kind	 kind;
	char		*text;
	char		**argv;		/* CMD_ARGV, NULL-terminated */
	bool		 script_from_stdin;	/* PowerShell -Command - */
	const char	*needs_engine;	/* PowerShell-only construct found, or NULL */
};

/*
 * Classifies Command plus Arguments.  Returns 0, or -ENOMEM.  A malformed
 * PowerShell line is not an error here: it comes back as CMD_FAIL.
 */
int	cmdline_parse(const char *command, char *const *args, size_t nargs,
	    bool skip_cmd_shell, struct cmdline *ret);
void	cmdline_free(struct cmdline *c);

/* base64 of UTF-16LE of a UTF-8 string (for pwsh -EncodedCommand) */
char	*cmdline_encode_ps(const char *script);

/*
 * Why a script cannot run without a PowerShell engine: the construct that
 * gives it away (Ansible's module bootstrap, .NET calls, ...), or NULL when
 * the script is plain enough for a POSIX shell.
 */
const char *cmdline_ps_engine_marker(const char *script);

#endif
