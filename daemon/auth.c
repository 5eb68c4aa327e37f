/*
 * auth.c: principals.  Resolves an authenticated name to a local account
 * with its groups, and applies PermitRoot and AllowedGroups; tells a
 * locked password from none.  A principal is immutable once made and
 * shared by reference counting on the loop thread (workers only create
 * them).
 */
#include "build.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "config.h"
#include "privsep.h"

int
auth_policy_init(struct auth_policy *pol, const struct config *cfg)
{
	char *const *groups = conf_list(cfg, CK_AUTH_ALLOWED_GROUPS);
	size_t n = 0;

	pol->permit_root = conf_b(cfg, CK_AUTH_PERMIT_ROOT);
	pol->allowed_groups = NULL;
	while (groups != NULL && groups[n] != NULL)
		n++;
	if (n == 0)
		return 0;
	if ((pol->allowed_groups = calloc(n + 1, sizeof(char *))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if ((pol->allowed_groups[i] = strdup(groups[i])) == NULL) {
			auth_policy_done(pol);
			return -ENOMEM;
		}
	return 0;
}

void
auth_policy_done(struct auth_policy *pol)
{
	if (pol->allowed_groups != NULL)
		for (size_t i = 0; pol->allowed_groups[i] != NULL; i++)
			free(pol->allowed_groups[i]);
	free(pol->allowed_groups);
	pol->allowed_groups = NULL;
}

static int
user_groups(const char *user, gid_t gid, gid_t **ret, int *ret_n)
{
	int n = 32;
	gid_t *g = NULL;

	for (int tries = 0; tries < 8; tries++) {
		gid_t *ng = realloc(g, (size_t)n * sizeof(*g));
		int want = n;

		if (ng == NULL)
			break;
		g = ng;
		if (getgrouplist(user, gid, g, &want) >= 0) {
			*ret = g;
			*ret_n = want;
			return 0;
		}
		n = want > n ? want : n * 2;
	}
	free(g);
	return -ENOMEM;
}

static bool
in_allowed_groups(const struct auth_policy *pol, const gid_t *groups, int n)
{
	if (pol->allowed_groups == NULL || pol->allowed_groups[0] == NULL)
		return true;
	for (size_t i = 0; pol->allowed_groups[i] != NULL; i++) {
		struct group gr, *res = NULL;
		char buf[16384];

		if (getgrnam_r(pol->allowed_groups[i], &gr, buf, sizeof(buf),
		    &res) != 0 || res == NULL)
			continue;
		for (int j = 0; j < n; j++)
			if (groups[j] == gr.gr_gid)
				return true;
	}
	return false;
}

int
principal_lookup(const char *user, const char *scheme,
    const struct auth_policy *pol, struct principal **ret, char *why,
    size_t whylen)
{
	struct passwd pw, *res = NULL;
	struct principal *p;
	char buf[16384];
	gid_t *groups = NULL;
	int ngroups = 0, r;

	if ((r = getpwnam_r(user, &pw, buf, sizeof(buf), &res)) != 0 ||
	    res == NULL) {
		snprintf(why, whylen, "no local account %s", user);
		return r ? -r : -ENOENT;
	}
	if (pw.pw_uid == 0 && !pol->permit_root) {
		snprintf(why, whylen, "%s is root and PermitRoot is false", user);
		return -EPERM;
	}
	if (user_groups(pw.pw_name, pw.pw_gid, &groups, &ngroups) < 0) {
		snprintf(why, whylen, "cannot read the groups of %s", user);
		return -ENOMEM;
	}
	if (!in_allowed_groups(pol, groups, ngroups)) {
		snprintf(why, whylen, "%s is in none of AllowedGroups", user);
		free(groups);
		return -EPERM;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		goto nomem;
	p->refs = 1;
	p->pub.uid = pw.pw_uid;
	p->pub.gid = pw.pw_gid;
	p->pub.groups = groups;
	p->pub.ngroups = ngroups;
	p->pub.scheme = scheme;
	p->pub.name = strdup(pw.pw_name);
	p->pub.home = strdup(pw.pw_dir && pw.pw_dir[0] ? pw.pw_dir : "/");
	p->pub.shell = strdup(pw.pw_shell && pw.pw_shell[0] ? pw.pw_shell :
	    "/bin/sh");
	if (p->pub.name == NULL || p->pub.home == NULL || p->pub.shell == NULL) {
		principal_unref(p);
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	*ret = p;
	return 0;
nomem:
	free(groups);
	snprintf(why, whylen, "out of memory");
	return -ENOMEM;
}

bool
password_locked(const char *pw)
{
	if (pw == NULL)
		return false;
	if (strcmp(pw, "*LK*") == 0)
		return true;
	if (pw[0] != '!')
		return false;
	/* "!" or "!!" alone (useradd without a password), or "!*": none set */
	pw += strspn(pw, "!");
	return pw[0] != '\0' && strcmp(pw, "*") != 0;
}

bool
account_locked(const char *user)
{
	struct spwd sp, *res = NULL;
	char buf[16384];

	if (privsep_active())
		return mon_account_locked(user);
	if (getspnam_r(user, &sp, buf, sizeof(buf), &res) != 0 || res == NULL)
		return false;
	return password_locked(sp.sp_pwdp);
}

struct principal *
principal_ref(struct principal *p)
{
	if (p != NULL)
		p->refs++;
	return p;
}

void
principal_unref(struct principal *p)
{
	if (p == NULL || --p->refs > 0)
		return;
	free((char *)p->pub.name);
	free((char *)p->pub.home);
	free((char *)p->pub.shell);
	free((gid_t *)p->pub.groups);
	free(p);
}
