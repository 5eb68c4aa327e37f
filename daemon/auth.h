/*
 * auth.h: who is calling.  A principal is a local account that passed
 * authentication and the login policy (PermitRoot, AllowedGroups).  Every
 * scheme (auth_basic.c; later Negotiate, certificates) ends in
 * principal_lookup(); nothing else creates a principal.
 */
#ifndef WINRMD_AUTH_H
#define WINRMD_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <winrmd/plugin.h>

struct config;

struct principal {
	int			 refs;
	struct winrmd_principal	 pub;
};

/* the login policy, copied out of the config for use on a worker thread */
struct auth_policy {
	bool	 permit_root;
	char	**allowed_groups;	/* NULL or empty: everyone */
};

int	auth_policy_init(struct auth_policy *pol, const struct config *cfg);
void	auth_policy_done(struct auth_policy *pol);

/*
 * Resolves a local account and applies the policy.  Returns 0 and a new
 * principal (refs 1), or -errno with a reason for the log in why.
 * Thread-safe.
 */
int	principal_lookup(const char *user, const char *scheme,
	    const struct auth_policy *pol, struct principal **ret,
	    char *why, size_t whylen);
struct principal *principal_ref(struct principal *p);
void	principal_unref(struct principal *p);	/* NULL is fine */

/* --- Basic --- */

/*
 * Splits "Basic <base64>" into user and password (both NUL-terminated,
 * malloc'd in one block at *ret_user; wipe and free with auth_basic_wipe).
 * Returns 0, or -EINVAL for anything malformed.
 */
int	auth_basic_decode(const char *header, char **ret_user,
	    char **ret_password);
void	auth_basic_wipe(char *user, char *password);

/* --- the verification cache for Basic (auth_cache.c) --- */
int	auth_cache_init(void);		/* fresh random key */
void	auth_cache_flush(void);
/* a live entry for user/password, or NULL; the caller refs it */
struct principal *auth_cache_get(const char *user, const char *password,
	    uint64_t now_ms);
void	auth_cache_put(const char *user, const char *password,
	    struct principal *p, uint64_t expires_ms);
void	auth_cache_evict_user(const char *user);

/* --- PAM (auth_pam.c): blocking, for worker threads --- */
struct pam_result {
	int		 ok;		/* 1: authenticated and account valid */
	unsigned	 fail_delay_us;	/* delay PAM asked for on failure */
	char		 why[160];	/* for the log only */
};
void	auth_pam_check(const char *service, const char *user,
	    const char *password, const char *rhost, struct pam_result *res);

#endif
