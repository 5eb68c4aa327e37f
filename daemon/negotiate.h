/*
 * negotiate.h: the Negotiate and Kerberos HTTP schemes through GSSAPI
 * (auth_negotiate.c): one acceptor credential for {Kerberos, NTLM, SPNEGO},
 * one security context per TCP connection, the mapping of a GSSAPI name to
 * a local account name, and the sealing of messages (MS-WSMV 2.2.9.1).
 *
 * Everything here runs on the loop thread only: GSSAPI calls are quick (no
 * PAM, no network for an acceptor) and the mechanisms are not known to be
 * thread-safe.  The local account itself is looked up by the caller
 * (principal_lookup on a worker).
 */
#ifndef WINRMD_NEGOTIATE_H
#define WINRMD_NEGOTIATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct enc_parts;
struct nego;		/* one security context; owned by a connection */

/*
 * At start-up, before any thread exists: exports the settings that
 * gss-ntlmssp reads from the environment (NTLM_USER_FILE,
 * NETBIOS_COMPUTER_NAME, NETBIOS_DOMAIN_NAME; restart-only keys), then
 * acquires the credential (nego_configure).  0, or -1 (logged) when the
 * configuration cannot work at all.
 */
int	nego_init(const struct config *cfg);
/* (Re)acquires the acceptor credential for cfg; on SIGHUP.  Logs. */
void	nego_configure(const struct config *cfg);
void	nego_shutdown(void);

/*
 * May the scheme be offered (WWW-Authenticate, Identify)?  "Negotiate"
 * needs [Auth] Negotiate and a usable mechanism; "Kerberos" needs
 * [Auth] Kerberos and a usable keytab.
 */
bool	nego_offered(const char *scheme);

enum nego_status { NEGO_CONTINUE, NEGO_COMPLETE, NEGO_FAILED };

struct nego_params {
	const void	*cbt;		/* tls-server-end-point data or NULL */
	size_t		 cbt_len;
	bool		 cbt_strict;	/* require GSS_C_CHANNEL_BOUND_FLAG */
};

struct nego_result {
	enum nego_status status;
	char		*out_b64;	/* token for WWW-Authenticate, or NULL */
	const char	*scheme;	/* "Negotiate" or "Kerberos": the word sent */
	const char	*mech;		/* COMPLETE: "NTLM" or "Kerberos" */
	char		 user[64];	/* COMPLETE: the local account name */
	bool		 channel_bound;	/* COMPLETE: GSS_C_CHANNEL_BOUND_FLAG */
	bool		 can_seal;	/* COMPLETE: GSS_C_CONF_FLAG */
	char		 name[192];	/* the GSSAPI name, for the log */
	char		 why[512];	/* FAILED: for the log, never the client */
};

/*
 * One leg of a handshake: header is the whole Authorization value
 * ("Negotiate <base64>" or "Kerberos <base64>").  *np is the connection's
 * context: created here, restarted when the token opens a new handshake or
 * the old one was complete, and freed (NULL) on failure.  res->out_b64 must
 * be freed with nego_result_done() whatever the status.
 */
void	nego_step(struct nego **np, const char *header,
	    const struct nego_params *par, struct nego_result *res);
void	nego_result_done(struct nego_result *res);
/*
 * Privilege separation: the monitor accepts the handshakes (its keytab and
 * NTLM user file stay root's) and exports established contexts to the
 * network part.  nego_mon_serve answers MON_NEGO_STEP, MON_NEGO_FREE and
 * MON_NEGO_CONFIG in the monitor; the other two are the network part's.
 */
struct mon_msg;
void	nego_mon_serve(struct mon_msg *q, struct mon_msg *a);
void	nego_mon_forget(int64_t id);
int64_t	nego_mon_config(void);
void	nego_free(struct nego *n);	/* NULL is fine */

bool	nego_established(const struct nego *n);
/* still allowed by the current configuration (after a reload) */
bool	nego_still_allowed(const struct nego *n, const struct config *cfg);
bool	nego_can_seal(const struct nego *n);	/* CONF was negotiated */
const char *nego_mech(const struct nego *n);	/* "NTLM", "Kerberos" */

/*
 * Unseals a request's ciphertext in place (parts from enc_parse).  Returns
 * 0 and the plaintext (inside the body) with its length, or -EBADMSG with
 * a reason for the log.  Any failure leaves the context unusable: the
 * caller drops it.
 */
int	nego_unwrap(struct nego *n, struct enc_parts *parts,
	    unsigned char **ret_plain, size_t *ret_len, char *why,
	    size_t whylen);
/*
 * Seals a reply and frames it (enc_build).  Returns malloc'd bytes, or
 * NULL with a reason for the log.
 */
char	*nego_wrap(struct nego *n, const char *plain, size_t len,
	    size_t *ret_len, char *why, size_t whylen);

/*
 * The NTLM names in use: [Auth] NetBIOSComputer or the short host name,
 * NetBIOSDomain or the computer name; upper case, at most 15 characters.
 */
void	nego_netbios_names(const struct config *cfg, char domain[16],
	    char computer[16]);

/* --- ntlm_users.c: the NTLM user file (no GSSAPI needed) --- */

/*
 * `winrmd --ntlm-passwd USER' / `--ntlm-delete USER': adds, replaces or
 * removes USER's lines in the NTLM user file (smbpasswd format, NT hash),
 * atomically (a new file renamed over the old, mode 0600).  gss-ntlmssp
 * matches a line only if its domain is the one the client sent (any, if
 * the client sent none), so a user gets a line for the domain and, if it
 * differs, one for the computer name.  password NULL deletes.  Returns 0
 * or -1 (message on stderr).
 */
int	nego_ntlm_passwd(const char *file, const char *user,
	    const char *password, const char *domain, const char *computer);
/* the NT hash of a password: 32 upper-case hex digits into hex[33] */
int	nego_nt_hash(const char *password, char hex[33]);

#endif
