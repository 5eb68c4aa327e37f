/*
 * auth.h: who is calling.  A principal is a local account that passed
 * authentication, PAM account management and the login policy (PermitRoot,
 * AllowedGroups).  Every scheme (Basic, Negotiate, certificates) ends in
 * the account check of auth_job.c, which ends in principal_lookup();
 * nothing else creates a principal.
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
	uint64_t		 checked_ms;	/* its account check (monotonic) */
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

/*
 * Whether the account's password is locked (`passwd -l', `usermod -L': a
 * shadow password of '!' and a hash).  Such an account is refused for
 * every scheme, as Windows refuses a disabled account; one that never had
 * a password ("!", "*") is not locked, and may log in without one
 * (Kerberos, NTLM, a certificate).  Thread-safe; false if unknown.
 */
bool	account_locked(const char *user);
/* the same for a shadow password field (NULL: not locked) */
bool	password_locked(const char *shadow_pw);

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
/*
 * HMAC-SHA256 with the per-process key over each part and its NUL: what
 * stands for a password wherever one must be recognised, never stored.
 * 0, or -1 before auth_cache_init().
 */
int	auth_mac(const char *const parts[], size_t n, unsigned char mac[32]);
void	auth_cache_flush(void);
/* a live entry for user/password, or NULL; the caller refs it */
struct principal *auth_cache_get(const char *user, const char *password,
	    uint64_t now_ms);
void	auth_cache_put(const char *user, const char *password,
	    struct principal *p, uint64_t expires_ms);
void	auth_cache_evict_user(const char *user);
/* entries that hold old hold new instead (a re-checked account) */
void	auth_cache_replace(struct principal *old, struct principal *new);

/* --- PAM (auth_pam.c): blocking, for worker threads --- */
struct pam_result {
	int		 ok;		/* 1: authenticated and account valid */
	unsigned	 fail_delay_us;	/* delay PAM asked for on failure */
	char		 why[160];	/* for the log only */
};
/* pam_authenticate (unless password is NULL), then pam_acct_mgmt */
void	auth_pam_check(const char *service, const char *user,
	    const char *password, const char *rhost, struct pam_result *res);

/* --- the account check, on a worker (auth_job.c) --- */
struct auth_job {
	struct principal	*principal;	/* NULL: refused */
	unsigned		 fail_delay_us;	/* PAM's, 0: none asked */
	char			 why[200];	/* why refused, for the log */
	bool			 invalid_user;	/* refused: no such account */
	const char		*user;		/* as asked */
	const char		*password;	/* NULL: an account check */
	const char		*scheme;
	const char		*rhost;
};
/* on the loop thread; may take j->principal (and set it NULL) */
typedef void (*auth_job_fn)(struct auth_job *j, void *arg);

/*
 * Checks user's account on a worker: with a password (Basic, run as) PAM
 * authenticates it first; without (Negotiate, certificates, re-checks),
 * the account alone.  Then a locked password and the login policy.
 * fold_case: a name unknown as it is is tried in lower case (NTLM).
 * scheme is static.  done runs once, on the loop thread; the principal it
 * gets has checked_ms set to when the check started.  Returns 0, or
 * -errno (done will not run).  The password is copied, and wiped.
 * One check per credential at a time: a start with the same user,
 * password, scheme, client address and PAM service as a check in flight
 * joins it instead of running PAM again, and every done of that check gets
 * its result (its own reference to the principal, the same reason and
 * failure delay).  A start after a check ended runs a new one: nothing is
 * remembered here.
 */
int	auth_job_start(const char *user, const char *password,
	    const char *scheme, const char *rhost, bool fold_case,
	    auth_job_fn done, void *arg);
/* p's account was checked less than [Auth] AccountCheckSeconds ago */
bool	auth_account_fresh(const struct principal *p, uint64_t now_ms);

#endif
