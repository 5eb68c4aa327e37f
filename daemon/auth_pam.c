/*
 * auth_pam.c: one PAM transaction per verification: authenticate (when
 * there is a password), then check the account.  Blocking; runs on a
 * worker thread (auth_job.c).  A failure delay requested by PAM modules is
 * reported back instead of slept here, so that the daemon applies it
 * without holding a thread.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>

#include "auth.h"
#include "idleprio.h"
#include "privsep.h"

struct conv_data {
	const char		*password;
	struct pam_result	*res;
};

static int
conversation(int n, const struct pam_message **msg, struct pam_response **resp,
    void *appdata)
{
	struct conv_data *cd = appdata;
	struct pam_response *r;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	if ((r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
			/* an account check has no password to give */
			if (cd->password == NULL ||
			    (r[i].resp = strdup(cd->password)) == NULL)
				goto fail;
			break;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			break;
		default:	/* a question we cannot answer over WS-Man */
			goto fail;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (int i = 0; i < n; i++)
		if (r[i].resp != NULL) {
			memset(r[i].resp, 0, strlen(r[i].resp));
			free(r[i].resp);
		}
	free(r);
	return PAM_CONV_ERR;
}

static void
fail_delay(int status, unsigned delay_us, void *appdata)
{
	struct conv_data *cd = appdata;

	if (status != PAM_SUCCESS)
		cd->res->fail_delay_us = delay_us;
}

void
auth_pam_check(const char *service, const char *user, const char *password,
    const char *rhost, struct pam_result *res)
{
	struct conv_data cd = { password, res };
	struct pam_conv conv = { conversation, &cd };
	pam_handle_t *pamh = NULL;
	int rc;

	/* the monitor has the service name of its own configuration */
	if (privsep_active()) {
		mon_pam_check(user, password, rhost, res);
		return;
	}
	memset(res, 0, sizeof(*res));
	if ((rc = pam_start(service, user, &conv, &pamh)) != PAM_SUCCESS) {
		snprintf(res->why, sizeof(res->why), "pam_start(%s): %s",
		    service, pam_strerror(NULL, rc));
		return;
	}
	pam_set_item(pamh, PAM_RHOST, rhost);
	pam_set_item(pamh, PAM_RUSER, user);
	pam_set_item(pamh, PAM_TTY, "winrm");
	pam_set_item(pamh, PAM_FAIL_DELAY, (const void *)fail_delay);
	/* no password: the scheme authenticated the user (Negotiate, a
	 * certificate), as sshd runs only account management for keys */
	if (password == NULL)
		rc = PAM_SUCCESS;
	else {
		/* the hashing: the CPU nothing else wants (idleprio.h) */
		(void)idleprio_begin();
		rc = pam_authenticate(pamh, PAM_SILENT |
		    PAM_DISALLOW_NULL_AUTHTOK);
		idleprio_end();
	}
	if (rc == PAM_SUCCESS) {
		rc = pam_acct_mgmt(pamh, PAM_SILENT |
		    (password != NULL ? PAM_DISALLOW_NULL_AUTHTOK : 0));
		if (rc == PAM_SUCCESS)
			res->ok = 1;
		else
			snprintf(res->why, sizeof(res->why), "account: %s",
			    pam_strerror(pamh, rc));
	} else
		snprintf(res->why, sizeof(res->why), "%s",
		    pam_strerror(pamh, rc));
	pam_end(pamh, rc);
}
