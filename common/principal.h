/*
 * principal.h: a copy of a struct winrmd_principal that outlives the
 * request it came with (a shell, a pending CIM call), its strings and
 * groups owned by the copy.
 */
#ifndef WINRMD_COMMON_PRINCIPAL_H
#define WINRMD_COMMON_PRINCIPAL_H

#include <winrmd/plugin.h>

struct user_copy {
	struct winrmd_principal	 p;	/* points into the members */
	char			*name, *home, *shell, *scheme;
	gid_t			*groups;
};

/*
 * Copies p into u (p NULL: u is all zero).  Absent strings become "" (name,
 * scheme), "/" (home) and "/bin/sh" (shell).  0 or -ENOMEM (u is then
 * empty).
 */
int	user_copy_make(struct user_copy *u,
	    const struct winrmd_principal *p);
/* frees what u holds and zeroes it; an empty u is fine */
void	user_copy_free(struct user_copy *u);

#endif
