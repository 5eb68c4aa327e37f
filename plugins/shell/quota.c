/*
 * quota.c: what a user's shells hold, counted for the quotas of [Winrs]:
 * live commands (those holding a process, its pidfd or its pipes, i.e.
 * descriptors of the daemon) per shell and per user, and the stdin the
 * daemon buffers for a user's commands.  Pure functions of the shell list
 * (the unit tests build one); commands detached from their shell are
 * being killed and are not counted.
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "shell.h"

bool
command_live(const struct command *c)
{
	return c->child.pidfd >= 0 || c->child.in_fd >= 0 ||
	    c->child.out_fd >= 0 || c->child.err_fd >= 0;
}

unsigned
shell_live_commands(const struct shell *sh)
{
	unsigned n = 0;

	for (const struct command *c = sh->commands; c != NULL; c = c->next)
		if (command_live(c))
			n++;
	return n;
}

unsigned
user_live_commands(const struct shell *shells, uid_t uid)
{
	unsigned n = 0;

	for (const struct shell *sh = shells; sh != NULL; sh = sh->next)
		if (sh->user.p.uid == uid)
			n += shell_live_commands(sh);
	return n;
}

size_t
user_stdin_held(const struct shell *shells, uid_t uid)
{
	size_t n = 0;

	for (const struct shell *sh = shells; sh != NULL; sh = sh->next)
		if (sh->user.p.uid == uid)
			for (const struct command *c = sh->commands; c != NULL;
			    c = c->next)
				n += c->in_cap;
	return n;
}

enum quota_hit
command_quota(const struct shell *shells, const struct shell *sh,
    unsigned long long max_shell, unsigned long long max_user,
    unsigned *ret_count)
{
	unsigned n = shell_live_commands(sh);

	*ret_count = n;
	if (n >= max_shell)
		return QUOTA_SHELL;
	n = user_live_commands(shells, sh->user.p.uid);
	*ret_count = n;
	if (n >= max_user)
		return QUOTA_USER;
	return QUOTA_OK;
}
