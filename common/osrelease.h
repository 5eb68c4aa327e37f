/*
 * osrelease.h: os-release(5) parsing: KEY=value lines, values quoted or
 * not, shell-style escapes inside double quotes.
 */
#ifndef WINRMD_COMMON_OSRELEASE_H
#define WINRMD_COMMON_OSRELEASE_H

struct os_release {
	char	*name;		/* NAME */
	char	*pretty_name;	/* PRETTY_NAME */
	char	*id;		/* ID */
	char	*id_like;	/* ID_LIKE */
	char	*version;	/* VERSION */
	char	*version_id;	/* VERSION_ID */
	char	*build_id;	/* BUILD_ID */
	char	*vendor_name;	/* VENDOR_NAME */
};

/* 0 or -ENOMEM; unknown keys and malformed lines are skipped */
int	os_release_parse(const char *text, struct os_release *ret);
/* etc/os-release, else usr_lib/os-release: 0, -ENOENT or -ENOMEM */
int	os_release_load(const char *etc, const char *usr_lib,
	    struct os_release *ret);
void	os_release_done(struct os_release *r);

#endif
