/*
 * winpath.h: Windows-style paths and command lines, given their Linux
 * meaning.  Ansible talks to a WinRM host as if it were Windows: paths come
 * with backslashes, drive letters, %TEMP% and $env:VAR, and command lines
 * follow the Windows argv rules.  The mapping (README.md, "Ansible without
 * PowerShell"):
 *
 *   %VAR%, $env:VAR, ${env:VAR}  the process's variable of that name (any
 *                   case), else TEMP/TMP -> $TMPDIR or /tmp, USERPROFILE /
 *                   HOMEPATH -> $HOME, HOMEDRIVE / SystemDrive -> "",
 *                   USERNAME -> $USER, COMPUTERNAME -> the host name,
 *                   APPDATA -> $XDG_CONFIG_HOME or ~/.config, LOCALAPPDATA ->
 *                   $XDG_DATA_HOME or ~/.local/share; unknown names stay as
 *                   written (Windows' ExpandEnvironmentVariables)
 *   ~, ~\x          $HOME, $HOME/x (PowerShell's file system does the same)
 *   \               /
 *   C:\x, C:/x      /x (the system drive is the root); other drive letters
 *                   and UNC paths (\\server\share) are refused
 *   \\?\C:\x        /x (the long-path prefix is dropped)
 *   x\.  x\.\y  x\\y  x  x/y  (the directory itself; "." components and
 *                   doubled separators go; ".." stays for the kernel)
 *
 * Pure functions but for getenv() and gethostname(): no other I/O.
 */
#ifndef WINRMD_WINPATH_H
#define WINRMD_WINPATH_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The Linux value of a Windows environment variable name (see above), or
 * NULL when it has none.  Returns malloc'd text.
 */
char	*winpath_getenv(const char *name);

/* %VAR%, $env:VAR and ${env:VAR} expanded; malloc'd, NULL: out of memory */
char	*winpath_expand_env(const char *s);

/*
 * The Linux path for a Windows-style one (expanded, separators mapped,
 * normalised).  Returns malloc'd text, or NULL with *ret_why set to a static
 * sentence when the path has no meaning here (another drive, UNC), or
 * "out of memory".
 */
char	*winpath_map(const char *win, const char **ret_why);

/* whether the path as written ends in \ or / (a directory for win_copy) */
bool	 winpath_trailing_sep(const char *win);

/* the last component of a mapped path (a pointer into it) */
const char *winpath_basename(const char *path);

/*
 * A Windows command line split into argv by CommandLineToArgvW's rules:
 * blanks separate, "..." groups, 2n backslashes before a quote give n and
 * the quote delimits, 2n+1 give n and a literal quote, "" inside quotes is
 * a quote; the first word is only delimited by quotes or blanks.  Returns a
 * NULL-terminated malloc'd vector (winargv_free), NULL when out of memory.
 */
char	**winargv_split(const char *line);
void	 winargv_free(char **argv);

#endif
