/*
 * principal.c: copies of principals (principal.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "principal.h"

int
user_copy_make(struct user_copy *u, const struct winrmd_principal *p)
{
	memset(u, 0, sizeof(*u));
	if (p == NULL)
		return 0;
	u->name = strdup(p->name ? p->name : "");
	u->home = strdup(p->home ? p->home : "/");
	u->shell = strdup(p->shell ? p->shell : "/bin/sh");
	u->scheme = strdup(p->scheme ? p->scheme : "");
	u->groups = calloc((size_t)(p->ngroups > 0 ? p->ngroups : 1),
	    sizeof(gid_t));
	if (u->name == NULL || u->home == NULL || u->shell == NULL ||
	    u->scheme == NULL || u->groups == NULL) {
		user_copy_free(u);
		return -ENOMEM;
	}
	if (p->ngroups > 0 && p->groups != NULL)
		memcpy(u->groups, p->groups,
		    (size_t)p->ngroups * sizeof(gid_t));
	u->p = *p;
	u->p.name = u->name;
	u->p.home = u->home;
	u->p.shell = u->shell;
	u->p.scheme = u->scheme;
	u->p.groups = u->groups;
	u->p.ngroups = p->ngroups > 0 ? p->ngroups : 0;
	return 0;
}

void
user_copy_free(struct user_copy *u)
{
	free(u->name);
	free(u->home);
	free(u->shell);
	free(u->scheme);
	free(u->groups);
	memset(u, 0, sizeof(*u));
}
