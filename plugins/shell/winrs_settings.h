/*
 * winrs_settings.h: [Winrs], the settings of remote shells, as the plugins
 * that read them declare them (plugin.h, struct winrmd_setting): the shell
 * plugin, which applies them, and the config plugin, which shows them as
 * `winrm get winrm/config/winrs' does.  One list, so that both declare
 * them alike: WINRS_SETTINGS goes into a plugin's settings table.
 */
#ifndef WINRMD_WINRS_SETTINGS_H
#define WINRMD_WINRS_SETTINGS_H

#include <winrmd/plugin.h>

#ifndef NATIVE_HELPER	/* set by native/local.am */
#define NATIVE_HELPER	"/usr/local/libexec/winrmd/winrmd-native"
#endif

#define WINRS_SETTINGS \
	{ "Winrs", "AllowRemoteShellAccess", WINRMD_SETTING_BOOL, "true", 0, 0, \
	  NULL, "allow remote shells (WinRS) at all", 0 }, \
	{ "Winrs", "IdleTimeout", WINRMD_SETTING_UINT, "7200000", 1000, \
	  4294967295ULL, NULL, "ms a shell may stay without requests before " \
	  "it is deleted and its processes killed", 0 }, \
	{ "Winrs", "MaxShellsPerUser", WINRMD_SETTING_UINT, "100", 1, 100000, \
	  NULL, "open shells (and Ansible async jobs) per user; bounded, " \
	  "unlike Windows' 2147483647: each is a cgroup and daemon state", 0 }, \
	{ "Winrs", "MaxConcurrentUsers", WINRMD_SETTING_UINT, "2147483647", 1, \
	  2147483647, NULL, "users with open shells at the same time", 0 }, \
	{ "Winrs", "MaxProcessesPerShell", WINRMD_SETTING_UINT, "2147483647", \
	  1, 2147483647, NULL, "commands a shell may have running at once, " \
	  "and processes its commands may run at once (cgroup pids.max, or " \
	  "RLIMIT_NPROC; 4194304 and more: no pids.max, the unit's TasksMax " \
	  "bounds them)", 0 }, \
	{ "Winrs", "MaxMemoryPerShellMB", WINRMD_SETTING_UINT, "2147483647", \
	  0, 2147483647, NULL, "memory of a shell's processes in MiB (cgroup " \
	  "memory.max, or RLIMIT_AS per process; 0: no limit)", 0 }, \
	{ "Winrs", "MaxCommandsPerShell", WINRMD_SETTING_UINT, "1000", 1, \
	  100000, NULL, "commands a shell keeps at once (running or not yet " \
	  "signalled)", 0 }, \
	{ "Winrs", "MaxProcessesPerUser", WINRMD_SETTING_UINT, "100", 1, \
	  100000, NULL, "commands one user may have running at once, all " \
	  "shells together (each holds 4 of the daemon's descriptors)", 0 }, \
	{ "Winrs", "MaxStdinPerUserMB", WINRMD_SETTING_UINT, "16", 1, 4096, \
	  NULL, "stdin sent to one user's commands and not yet read by them, " \
	  "in MiB, all commands together", 0 }, \
	{ "Winrs", "PowerShell", WINRMD_SETTING_ENUM, "auto", 0, 0, \
	  "auto|pwsh|sh", "PowerShell command lines: pwsh if installed " \
	  "(auto), always pwsh, or always the user's shell", 0 }, \
	{ "Winrs", "NativeHelper", WINRMD_SETTING_STRING, NATIVE_HELPER, 0, 0, \
	  NULL, "the program that runs Ansible's scripts and modules " \
	  "natively, as the user", 0 }

#endif
