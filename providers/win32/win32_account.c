/*
 * win32_account.c: Win32_UserAccount and Win32_Group, the local accounts
 * of /etc/passwd and /etc/group (keys Domain = the short host name, as
 * Win32_Process.GetOwner gives it, and Name).  Only the files are read, not
 * NSS: a directory service's accounts are the directory's, and listing
 * them could take long.  SIDs are Samba's for Unix accounts (S-1-22-1-uid,
 * S-1-22-2-gid), as Win32_Process.GetOwnerSid answers.  Disabled comes
 * from /etc/shadow (a locked password or an expired account) when it can
 * be read.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "win32.h"

enum {
	UP_DOMAIN, UP_NAME, UP_CAPTION, UP_DESCRIPTION, UP_FULL_NAME, UP_SID,
	UP_SID_TYPE, UP_ACCOUNT_TYPE, UP_DISABLED, UP_LOCKOUT,
	UP_LOCAL_ACCOUNT, UP_PASSWORD_EXPIRES, UP_PASSWORD_CHANGEABLE,
	UP_PASSWORD_REQUIRED, UP_STATUS,
	UP_COUNT
};

static const struct cim_property user_props[UP_COUNT] = {
	[UP_DOMAIN] = { "Domain", CIM_STRING, CIM_KEY },
	[UP_NAME] = { "Name", CIM_STRING, CIM_KEY },
	[UP_CAPTION] = { "Caption", CIM_STRING, 0 },
	[UP_DESCRIPTION] = { "Description", CIM_STRING, 0 },
	[UP_FULL_NAME] = { "FullName", CIM_STRING, 0 },
	[UP_SID] = { "SID", CIM_STRING, 0 },
	[UP_SID_TYPE] = { "SIDType", CIM_UINT8, 0 },
	[UP_ACCOUNT_TYPE] = { "AccountType", CIM_UINT32, 0 },
	[UP_DISABLED] = { "Disabled", CIM_BOOLEAN, 0 },
	[UP_LOCKOUT] = { "Lockout", CIM_BOOLEAN, 0 },
	[UP_LOCAL_ACCOUNT] = { "LocalAccount", CIM_BOOLEAN, 0 },
	[UP_PASSWORD_EXPIRES] = { "PasswordExpires", CIM_BOOLEAN, 0 },
	[UP_PASSWORD_CHANGEABLE] = { "PasswordChangeable", CIM_BOOLEAN, 0 },
	[UP_PASSWORD_REQUIRED] = { "PasswordRequired", CIM_BOOLEAN, 0 },
	[UP_STATUS] = { "Status", CIM_STRING, 0 },
};

enum {
	GP_DOMAIN, GP_NAME, GP_CAPTION, GP_DESCRIPTION, GP_SID, GP_SID_TYPE,
	GP_LOCAL_ACCOUNT, GP_STATUS,
	GP_COUNT
};

static const struct cim_property group_props[GP_COUNT] = {
	[GP_DOMAIN] = { "Domain", CIM_STRING, CIM_KEY },
	[GP_NAME] = { "Name", CIM_STRING, CIM_KEY },
	[GP_CAPTION] = { "Caption", CIM_STRING, 0 },
	[GP_DESCRIPTION] = { "Description", CIM_STRING, 0 },
	[GP_SID] = { "SID", CIM_STRING, 0 },
	[GP_SID_TYPE] = { "SIDType", CIM_UINT8, 0 },
	[GP_LOCAL_ACCOUNT] = { "LocalAccount", CIM_BOOLEAN, 0 },
	[GP_STATUS] = { "Status", CIM_STRING, 0 },
};

/* ------------------------------------------------------------ pure */

bool
w32_shadow_disabled(const char *pwd, long expire_days, time_t now)
{
	if (pwd != NULL && pwd[0] == '!')
		return true;		/* passwd -l, usermod -L */
	return expire_days >= 0 && (long)(now / 86400) >= expire_days;
}

void
w32_gecos_full_name(const char *gecos, char *buf, size_t len)
{
	size_t n = strcspn(gecos != NULL ? gecos : "", ",");

	if (n >= len)
		n = len - 1;
	memcpy(buf, gecos != NULL ? gecos : "", n);
	buf[n] = '\0';
}

/* ------------------------------------------------------------ classes */

static FILE *
open_etc(const char *name)
{
	char path[4096];

	if (w32_path(path, sizeof(path), w32->paths.etc, name) < 0)
		return NULL;
	return fopen(path, "re");
}

static bool
name_wanted(const struct cim_instance *keys, size_t prop, const char *name)
{
	const char *want = keys != NULL ? w32->svc->get_string(keys, prop) :
	    NULL;

	return want == NULL || strcasecmp(want, name) == 0;
}

/* /etc/shadow's word on an account: 1 disabled, 0 not, -1 unknown */
static int
disabled(FILE *shadow, const char *name, bool *ret_expires)
{
	struct spwd *sp;

	*ret_expires = false;
	if (shadow == NULL)
		return -1;
	/* on from the last match (the files are usually in one order) */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			rewind(shadow);
		while ((sp = fgetspent(shadow)) != NULL)
			if (strcmp(sp->sp_namp, name) == 0) {
				*ret_expires = sp->sp_max >= 0 &&
				    sp->sp_max < 99999;
				return w32_shadow_disabled(sp->sp_pwdp,
				    sp->sp_expire, time(NULL));
			}
	}
	return -1;
}

static int
users(struct cim_ctx *ctx, const struct cim_instance *keys)
{
	const struct cim_services *svc = w32->svc;
	FILE *f, *shadow;
	struct passwd *pw;
	char host[256];

	w32_hostname(host, sizeof(host));
	if (keys != NULL && !name_wanted(keys, UP_DOMAIN, host))
		return CIM_OK;
	if ((f = open_etc("passwd")) == NULL)
		return svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR,
		    "%s/passwd: %s", w32->paths.etc, strerror(errno));
	shadow = open_etc("shadow");
	while ((pw = fgetpwent(f)) != NULL) {
		struct cim_instance *i;
		char caption[600], full[256], sid[64];
		bool expires;
		int dis;

		if (!name_wanted(keys, UP_NAME, pw->pw_name))
			continue;
		if ((i = svc->instance(ctx)) == NULL) {
			w32_fail_nomem(ctx);
			break;
		}
		w32_utf8_fix(pw->pw_gecos);
		svc->set_string(i, UP_DOMAIN, host);
		svc->set_string(i, UP_NAME, pw->pw_name);
		snprintf(caption, sizeof(caption), "%s\\%s", host, pw->pw_name);
		svc->set_string(i, UP_CAPTION, caption);
		svc->set_string(i, UP_DESCRIPTION, pw->pw_gecos);
		w32_gecos_full_name(pw->pw_gecos, full, sizeof(full));
		svc->set_string(i, UP_FULL_NAME, full);
		snprintf(sid, sizeof(sid), "S-1-22-1-%u", (unsigned)pw->pw_uid);
		svc->set_string(i, UP_SID, sid);
		svc->set_uint(i, UP_SID_TYPE, 1);		/* user */
		svc->set_uint(i, UP_ACCOUNT_TYPE, 512);	/* normal */
		dis = disabled(shadow, pw->pw_name, &expires);
		if (dis >= 0) {
			svc->set_bool(i, UP_DISABLED, dis == 1);
			svc->set_bool(i, UP_PASSWORD_EXPIRES, expires);
		}
		svc->set_bool(i, UP_LOCKOUT, false);
		svc->set_bool(i, UP_LOCAL_ACCOUNT, true);
		svc->set_bool(i, UP_PASSWORD_CHANGEABLE, true);
		svc->set_bool(i, UP_PASSWORD_REQUIRED, true);
		svc->set_string(i, UP_STATUS, dis == 1 ? "Degraded" : "OK");
		if (!svc->emit(ctx, i))
			break;
	}
	if (shadow != NULL)
		fclose(shadow);
	fclose(f);
	return CIM_OK;
}

static int
groups(struct cim_ctx *ctx, const struct cim_instance *keys)
{
	const struct cim_services *svc = w32->svc;
	struct group *gr;
	char host[256];
	FILE *f;

	w32_hostname(host, sizeof(host));
	if (keys != NULL && !name_wanted(keys, GP_DOMAIN, host))
		return CIM_OK;
	if ((f = open_etc("group")) == NULL)
		return svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR,
		    "%s/group: %s", w32->paths.etc, strerror(errno));
	while ((gr = fgetgrent(f)) != NULL) {
		struct cim_instance *i;
		char caption[600], sid[64];

		if (!name_wanted(keys, GP_NAME, gr->gr_name))
			continue;
		if ((i = svc->instance(ctx)) == NULL) {
			w32_fail_nomem(ctx);
			break;
		}
		svc->set_string(i, GP_DOMAIN, host);
		svc->set_string(i, GP_NAME, gr->gr_name);
		snprintf(caption, sizeof(caption), "%s\\%s", host, gr->gr_name);
		svc->set_string(i, GP_CAPTION, caption);
		svc->set_string(i, GP_DESCRIPTION, "");
		snprintf(sid, sizeof(sid), "S-1-22-2-%u", (unsigned)gr->gr_gid);
		svc->set_string(i, GP_SID, sid);
		svc->set_uint(i, GP_SID_TYPE, 4);	/* alias: a local group */
		svc->set_bool(i, GP_LOCAL_ACCOUNT, true);
		svc->set_string(i, GP_STATUS, "OK");
		if (!svc->emit(ctx, i))
			break;
	}
	fclose(f);
	return CIM_OK;
}

static int
user_enumerate(struct cim_ctx *ctx, void *unused)
{
	(void)unused;
	return users(ctx, NULL);
}

static int
user_get(struct cim_ctx *ctx, const struct cim_instance *keys, void *unused)
{
	(void)unused;
	return users(ctx, keys);
}

static int
group_enumerate(struct cim_ctx *ctx, void *unused)
{
	(void)unused;
	return groups(ctx, NULL);
}

static int
group_get(struct cim_ctx *ctx, const struct cim_instance *keys, void *unused)
{
	(void)unused;
	return groups(ctx, keys);
}

const struct cim_class w32_useraccount_class = {
	.name = "Win32_UserAccount",
	.ns = W32_NS,
	.props = user_props,
	.nprops = UP_COUNT,
	.enumerate = user_enumerate,
	.get = user_get,
};

const struct cim_class w32_group_class = {
	.name = "Win32_Group",
	.ns = W32_NS,
	.props = group_props,
	.nprops = GP_COUNT,
	.enumerate = group_enumerate,
	.get = group_get,
};
