/*
 * winrmcp.h: the commands of packer-community/winrmcp, the file copier of
 * Packer's and Terraform's WinRM communicators, recognised by their
 * structure and run natively by winrmd-native, as Ansible's are
 * (ansible.h).  winrmcp copies a file in three steps:
 *
 *   upload    cmd.exe lines echo <base64> >> "%TEMP%\winrmcp-<uuid>.tmp",
 *             one per 6 KB chunk               -> winrmcp_append PATH TEXT
 *   restore   a PowerShell script decoding the temporary file's base64
 *             lines into the destination       -> winrmcp_restore TMP DEST
 *   cleanup   a PowerShell script removing the temporary file
 *                                              -> winrmcp_cleanup TMP
 *
 * The paths are as winrmcp wrote them (cmd.exe's %VAR%, PowerShell's
 * $env:VAR; the destination's enclosing single quotes taken off, as its
 * .Trim("'") does); winrmd-native maps them.  A script with the markers of
 * one of them that does not parse is AK_MALFORMED, never run by a shell.
 * Pure functions, like ansible.h's.
 */
#ifndef WINRMD_SHELL_WINRMCP_H
#define WINRMD_SHELL_WINRMCP_H

#include "ansible.h"

/* a decoded PowerShell script (cmdline.c's text): restore or cleanup */
int	winrmcp_recognise_ps(const char *script, struct ansible_native *ret);
/* a command line for the user's shell: an upload chunk */
int	winrmcp_recognise_cmd(const char *line, struct ansible_native *ret);

#endif
