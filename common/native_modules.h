/*
 * native_modules.h: the Ansible modules winrmd-native runs natively, listed
 * once for winrmd-native's module table (native/modules.c) and for the
 * shell plugin, which decides what to hand winrmd-native and names the
 * list in its refusal of any other module (plugins/shell/ansible.c).
 * Action plugins built on them (win_template: win_copy) need no entry.
 *
 * X(name, function, supports check mode)
 */
#ifndef WINRMD_NATIVE_MODULES_H
#define WINRMD_NATIVE_MODULES_H

#define NATIVE_MODULES(X)				\
	X("win_ping", mod_win_ping, true)		\
	X("win_command", mod_win_command, false)	\
	X("win_shell", mod_win_shell, false)		\
	X("script", mod_script, false)			\
	X("win_stat", mod_win_stat, true)		\
	X("stat", mod_win_stat, true)			\
	X("slurp", mod_slurp, true)			\
	X("win_file", mod_win_file, true)		\
	X("win_copy", mod_win_copy, true)		\
	X("win_service", mod_win_service, true)		\
	X("setup", mod_setup, true)			\
	X("async_status", mod_async_status, true)

#endif
