/*
 * auth_job.c: the account check, on a worker thread.  Every login and every
 * re-check of one goes through this one job: PAM on [Auth] PamService with
 * PAM_RHOST (pam_authenticate first when there is a password, then
 * pam_acct_mgmt: expired accounts, pam_access, pam_nologin, ...), a locked
 * password (account_locked), then principal_lookup (the passwd entry,
 * PermitRoot, AllowedGroups).  Basic, Negotiate, certificates, the
 * re-checks of remembered logins (http_auth.c) and run-as checks for plugins
 * (host.c) differ only in what they do with the result, on the loop thread.
 *
 * A login storm (many clients with the same credentials while nothing is
 * remembered) runs one check, not one each: a start that matches a check
 * in flight (the keyed hash of auth_mac over every input of the check)
 * waits for it and shares its result, success or failure.  The list of
 * checks in flight is the loop thread's; it holds no password.
 */
#include "build.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth.h"
#include "config.h"
#include "reactor.h"
#include "winrmd.h"
#include "workers.h"

/* a start that joined a check in flight */
struct waiter {
	auth_job_fn		 done;
	void			*arg;
	struct waiter		*next;
};

struct job {
	struct auth_job		 pub;
	unsigned char		 key[32];	/* auth_mac of the inputs */
	struct job		*next;		/* in flight */
	struct waiter		*waiters, **wtail;
	char			*user, *password;
	char			 rhost[64];
	char			 service[64];
	bool			 fold_case;
	struct auth_policy	 policy;
	struct pam_result	 pam;
	uint64_t		 started_ms;
	auth_job_fn		 done;
	void			*arg;
};

/* the checks on the workers now; loop thread only */
static struct job *inflight;

/* principal_lookup, then in lower case for names that ignore it (NTLM) */
static int
lookup(struct job *j)
{
	struct auth_job *p = &j->pub;
	int r = principal_lookup(j->user, p->scheme, &j->policy, &p->principal,
	    p->why, sizeof(p->why));

	if (r == -ENOENT && j->fold_case) {
		char lower[64];
		size_t i;

		for (i = 0; j->user[i] != '\0' && i + 1 < sizeof(lower); i++)
			lower[i] = (char)(j->user[i] >= 'A' && j->user[i] <= 'Z' ?
			    j->user[i] - 'A' + 'a' : j->user[i]);
		lower[i] = '\0';
		if (strcmp(lower, j->user) != 0)
			r = principal_lookup(lower, p->scheme, &j->policy,
			    &p->principal, p->why, sizeof(p->why));
	}
	if (r < 0)
		p->principal = NULL;
	return r;
}

/* whether the name a refused check was asked for names no account */
static bool
no_such_user(const char *name)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	return getpwnam_r(name, &pw, buf, sizeof(buf), &res) == 0 &&
	    res == NULL;
}

static void
refuse(struct job *j)
{
	principal_unref(j->pub.principal);
	j->pub.principal = NULL;
}

static void
work(void *arg)
{
	struct job *j = arg;
	struct auth_job *p = &j->pub;

	/* with a password: it and the account in one PAM transaction */
	if (j->password != NULL) {
		auth_pam_check(j->service, j->user, j->password, j->rhost,
		    &j->pam);
		p->fail_delay_us = j->pam.fail_delay_us;
		if (!j->pam.ok) {
			snprintf(p->why, sizeof(p->why), "PAM: %s", j->pam.why);
			p->invalid_user = no_such_user(j->user);
			return;
		}
	}
	if (lookup(j) < 0) {
		p->invalid_user = no_such_user(j->user);
		return;
	}
	if (account_locked(p->principal->pub.name)) {
		snprintf(p->why, sizeof(p->why), "the password of %s is locked "
		    "(passwd -l)", p->principal->pub.name);
		refuse(j);
		return;
	}
	/* without: the account of the name the lookup found */
	if (j->password == NULL) {
		auth_pam_check(j->service, p->principal->pub.name, NULL,
		    j->rhost, &j->pam);
		if (!j->pam.ok) {
			snprintf(p->why, sizeof(p->why), "PAM: %s", j->pam.why);
			refuse(j);
		}
	}
}

static void
job_free(struct job *j)
{
	principal_unref(j->pub.principal);
	auth_policy_done(&j->policy);
	if (j->password != NULL) {
		OPENSSL_cleanse(j->password, strlen(j->password));
		free(j->password);
	}
	free(j->user);
	free(j);
}

/* hands the result to one done: its own reference to the principal */
static void
deliver(struct job *j, struct principal *p, auth_job_fn done, void *arg)
{
	j->pub.principal = p != NULL ? principal_ref(p) : NULL;
	done(&j->pub, arg);
	principal_unref(j->pub.principal);
	j->pub.principal = NULL;
}

static void
finished(void *arg)
{
	struct job *j = arg, **pp;
	struct principal *p = j->pub.principal;
	struct waiter *w;

	/* out of the list first: a done that starts a check starts anew */
	for (pp = &inflight; *pp != NULL; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	if (p != NULL)
		p->checked_ms = j->started_ms;
	deliver(j, p, j->done, j->arg);
	while ((w = j->waiters) != NULL) {
		j->waiters = w->next;
		deliver(j, p, w->done, w->arg);
		free(w);
	}
	j->pub.principal = p;
	job_free(j);
}

/* the key of a check: every input that can change its answer */
static int
job_key(const char *service, const char *scheme, bool fold_case,
    const char *rhost, const char *user, const char *password,
    unsigned char key[32])
{
	const char *parts[] = { service, scheme, fold_case ? "1" : "0",
	    rhost, user, password != NULL ? "p" : "-",
	    password != NULL ? password : "" };

	return auth_mac(parts, sizeof(parts) / sizeof(parts[0]), key);
}

/* joins the check in flight with this key; false if there is none */
static bool
join(const unsigned char key[32], auth_job_fn done, void *arg, int *ret)
{
	struct job *j;
	struct waiter *w;

	for (j = inflight; j != NULL; j = j->next)
		if (CRYPTO_memcmp(j->key, key, 32) == 0)
			break;
	if (j == NULL)
		return false;
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		*ret = -ENOMEM;
		return true;
	}
	w->done = done;
	w->arg = arg;
	*j->wtail = w;
	j->wtail = &w->next;
	W->count.pam_joined++;
	*ret = 0;
	return true;
}

int
auth_job_start(const char *user, const char *password, const char *scheme,
    const char *rhost, bool fold_case, auth_job_fn done, void *arg)
{
	const char *service = conf_s(W->cfg, CK_AUTH_PAM_SERVICE);
	unsigned char key[32];
	bool keyed;
	struct job *j;
	int r;

	if (rhost == NULL)
		rhost = "";
	keyed = job_key(service, scheme, fold_case, rhost, user, password,
	    key) == 0;
	if (keyed && join(key, done, arg, &r))
		return r;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -ENOMEM;
	if ((j->user = strdup(user)) == NULL ||
	    (password != NULL && (j->password = strdup(password)) == NULL) ||
	    auth_policy_init(&j->policy, W->cfg) < 0) {
		job_free(j);
		return -ENOMEM;
	}
	snprintf(j->rhost, sizeof(j->rhost), "%s", rhost);
	snprintf(j->service, sizeof(j->service), "%s", service);
	j->fold_case = fold_case;
	j->started_ms = reactor_now_ms();
	j->done = done;
	j->arg = arg;
	j->wtail = &j->waiters;
	j->pub.user = j->user;
	j->pub.password = j->password;
	j->pub.scheme = scheme;
	j->pub.rhost = j->rhost;
	W->count.pam_calls++;
	if (workers_submit(work, finished, j) < 0) {
		job_free(j);
		return -ENOMEM;
	}
	/* without a key (no MAC yet) it runs alone */
	if (keyed) {
		memcpy(j->key, key, 32);
		j->next = inflight;
		inflight = j;
	}
	return 0;
}

bool
auth_account_fresh(const struct principal *p, uint64_t now_ms)
{
	uint64_t ttl = conf_u(W->cfg, CK_AUTH_ACCOUNT_CHECK_S) * 1000;

	return now_ms >= p->checked_ms && now_ms - p->checked_ms < ttl;
}
