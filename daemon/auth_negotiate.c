/*
 * auth_negotiate.c: the Negotiate and Kerberos HTTP schemes (RFC 4559)
 * through GSSAPI (MIT krb5 mechglue, gss-ntlmssp for NTLM), and the
 * sealing of WinRM messages with the resulting context.
 *
 * One acceptor credential serves {Kerberos, NTLM, SPNEGO}, and SPNEGO may
 * negotiate only those two (gss_set_neg_mechs).  Every token goes to
 * gss_accept_sec_context unchanged: raw NTLMSSP (pywinrm, Go), raw
 * Kerberos (pykerberos) and SPNEGO-wrapped either.  The context belongs to
 * the TCP connection (http_auth.c keeps it in struct conn).  A name becomes a
 * local account name here; the account and the login policy are
 * principal_lookup()'s.  Loop thread only.
 */
#include "build.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base64.h"
#include "config.h"
#include "encryption.h"
#include "log.h"
#include "monitor_msg.h"
#include "negotiate.h"
#include "privsep.h"

#define MAX_TOKEN_B64	65536	/* a Kerberos ticket with a big PAC fits */

static void
upper_copy(char *dst, size_t len, const char *src)
{
	size_t i = 0;

	for (; src[i] != '\0' && src[i] != '.' && i + 1 < len; i++)
		dst[i] = (char)toupper((unsigned char)src[i]);
	dst[i] = '\0';
}

void
nego_netbios_names(const struct config *cfg, char domain[16],
    char computer[16])
{
	char host[256] = "";

	if (gethostname(host, sizeof(host) - 1) < 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	upper_copy(computer, 16, conf_s(cfg, CK_AUTH_NETBIOS_COMPUTER)[0] ?
	    conf_s(cfg, CK_AUTH_NETBIOS_COMPUTER) : host);
	upper_copy(domain, 16, conf_s(cfg, CK_AUTH_NETBIOS_DOMAIN)[0] ?
	    conf_s(cfg, CK_AUTH_NETBIOS_DOMAIN) : computer);
}

#ifdef HAVE_NEGOTIATE

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

enum mech { MECH_NONE, MECH_NTLM, MECH_KRB5 };

struct nego {
	gss_ctx_id_t	 ctx;
	bool		 established;
	enum mech	 mech;
	OM_uint32	 flags;		/* ret_flags of the last accept */
	int64_t		 mon_id;	/* privsep: the monitor's handshake */
};

/* 1.3.6.1.4.1.311.2.2.10 (gss-ntlmssp) */
static gss_OID_desc oid_ntlm = { 10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a" };
/* 1.3.6.1.5.5.2 */
static gss_OID_desc oid_spnego = { 6, (void *)"\x2b\x06\x01\x05\x05\x02" };
/* 1.2.840.113554.1.2.2, and Microsoft's 1.2.840.48018.1.2.2 */
static gss_OID_desc oid_krb5 = { 9, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02" };
static gss_OID_desc oid_mskrb5 = { 9, (void *)"\x2a\x86\x48\x82\xf7\x12\x01\x02\x02" };

static gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
static bool have_krb5, have_ntlm, have_spnego;
static char netbios_domain[16], netbios_computer[16];

static bool
oid_eq(const gss_OID a, const gss_OID b)
{
	return a != GSS_C_NO_OID && b != GSS_C_NO_OID &&
	    a->length == b->length &&
	    memcmp(a->elements, b->elements, a->length) == 0;
}

static enum mech
mech_of(const gss_OID m)
{
	if (oid_eq(m, &oid_ntlm))
		return MECH_NTLM;
	if (oid_eq(m, &oid_krb5) || oid_eq(m, &oid_mskrb5) ||
	    oid_eq(m, (gss_OID)gss_mech_krb5_old))
		return MECH_KRB5;
	return MECH_NONE;
}

static const char *
mech_name(enum mech m)
{
	return m == MECH_NTLM ? "NTLM" : m == MECH_KRB5 ? "Kerberos" : "?";
}

/* "what: major text; minor text" for the log */
static void
gss_why(char *buf, size_t len, const char *what, OM_uint32 major,
    OM_uint32 minor, gss_OID mech)
{
	size_t n = (size_t)snprintf(buf, len, "%s:", what);

	for (int pass = 0; pass < 2 && n < len; pass++) {
		OM_uint32 code = pass == 0 ? major : minor, ctx = 0, min;
		int type = pass == 0 ? GSS_C_GSS_CODE : GSS_C_MECH_CODE;

		if (pass == 1 && minor == 0)
			break;
		do {
			gss_buffer_desc msg = GSS_C_EMPTY_BUFFER;

			if (GSS_ERROR(gss_display_status(&min, code, type,
			    pass == 1 ? mech : GSS_C_NO_OID, &ctx, &msg)))
				break;
			n += (size_t)snprintf(buf + n, len - n, " %.*s;",
			    (int)msg.length, (char *)msg.value);
			gss_release_buffer(&min, &msg);
		} while (ctx != 0 && n < len);
	}
	if (n > 0 && n < len && buf[n - 1] == ';')
		buf[n - 1] = '\0';
}

int
nego_init(const struct config *cfg)
{
	const char *file = conf_s(cfg, CK_AUTH_NTLM_USER_FILE);

	nego_netbios_names(cfg, netbios_domain, netbios_computer);
	/*
	 * gss-ntlmssp reads these from the environment (NTLM_USER_FILE on
	 * every authentication).  No thread exists yet, so setenv is safe;
	 * that is also why the keys need a restart to change.
	 */
	if (file[0] != '\0' && setenv("NTLM_USER_FILE", file, 1) < 0)
		return -1;
	if (setenv("NETBIOS_COMPUTER_NAME", netbios_computer, 1) < 0 ||
	    setenv("NETBIOS_DOMAIN_NAME", netbios_domain, 1) < 0)
		return -1;
	nego_configure(cfg);
	return 0;
}

void
nego_shutdown(void)
{
	OM_uint32 min;

	if (cred != GSS_C_NO_CREDENTIAL)
		gss_release_cred(&min, &cred);
	cred = GSS_C_NO_CREDENTIAL;
	have_krb5 = have_ntlm = have_spnego = false;
}

void
nego_configure(const struct config *cfg)
{
	bool want_neg = conf_b(cfg, CK_AUTH_NEGOTIATE);
	bool want_krb5 = conf_b(cfg, CK_AUTH_KERBEROS);
	const char *keytab = conf_s(cfg, CK_AUTH_KEYTAB);
	const char *ntlm_file = getenv("NTLM_USER_FILE");
	bool want_ntlm = want_neg && ntlm_file != NULL && ntlm_file[0] != '\0';
	gss_OID_set_desc want = { 0, NULL };
	gss_OID_desc mechs[3];
	gss_OID_set actual = GSS_C_NO_OID_SET;
	OM_uint32 maj, min;
	char why[512];

	nego_shutdown();
	if (!want_neg && !want_krb5)
		return;
	/* the monitor holds the credential and tells what it offers */
	if (privsep_active()) {
		int64_t bits = nego_mon_config();

		have_krb5 = (bits & 1) != 0;
		have_ntlm = (bits & 2) != 0;
		have_spnego = (bits & 4) != 0;
		return;
	}
	if (want_krb5 && keytab[0] != '\0') {
		char path[4200];

		/* "FILE:" unless the name says its type */
		snprintf(path, sizeof(path), "%s%s", strchr(keytab, ':') ?
		    "" : "FILE:", keytab);
		if (access(keytab[0] == '/' ? keytab : path + 5, R_OK) < 0 &&
		    strchr(keytab, ':') == NULL)
			log_warn("negotiate: cannot read Keytab %s: %s", keytab,
			    strerror(errno));
		if (krb5_gss_register_acceptor_identity(path) != GSS_S_COMPLETE)
			log_warn("negotiate: cannot use Keytab %s", keytab);
	}
	if (want_ntlm && access(ntlm_file, R_OK) < 0)
		log_warn("negotiate: cannot read NTLMUserFile %s: %s (NTLM "
		    "logins fail until it exists)", ntlm_file, strerror(errno));
	if (want_krb5)
		mechs[want.count++] = oid_krb5;
	if (want_ntlm)
		mechs[want.count++] = oid_ntlm;
	if (want_neg)
		mechs[want.count++] = oid_spnego;
	want.elements = mechs;
	maj = gss_acquire_cred(&min, GSS_C_NO_NAME, GSS_C_INDEFINITE, &want,
	    GSS_C_ACCEPT, &cred, &actual, NULL);
	if (GSS_ERROR(maj)) {
		gss_why(why, sizeof(why), "gss_acquire_cred", maj, min,
		    GSS_C_NO_OID);
		log_warn("negotiate: no acceptor credential (%s); Negotiate "
		    "and Kerberos are not offered", why);
		cred = GSS_C_NO_CREDENTIAL;
		return;
	}
	for (size_t i = 0; actual != GSS_C_NO_OID_SET && i < actual->count; i++) {
		gss_OID o = &actual->elements[i];

		if (oid_eq(o, &oid_krb5))
			have_krb5 = true;
		else if (oid_eq(o, &oid_ntlm))
			have_ntlm = true;
		else if (oid_eq(o, &oid_spnego))
			have_spnego = true;
	}
	gss_release_oid_set(&min, &actual);
	if (have_spnego) {
		gss_OID_set_desc neg = { 0, mechs };

		if (have_krb5)
			mechs[neg.count++] = oid_krb5;
		if (have_ntlm)
			mechs[neg.count++] = oid_ntlm;
		if (neg.count == 0)
			have_spnego = false;
		else if (GSS_ERROR(maj = gss_set_neg_mechs(&min, cred, &neg))) {
			gss_why(why, sizeof(why), "gss_set_neg_mechs", maj, min,
			    GSS_C_NO_OID);
			log_warn("negotiate: %s; SPNEGO is not offered", why);
			have_spnego = false;
		}
	}
	if (!have_krb5 && !have_ntlm) {
		log_notice("negotiate: neither a Kerberos keytab nor an "
		    "NTLMUserFile is usable: Negotiate and Kerberos are not "
		    "offered");
		nego_shutdown();
		return;
	}
	log_notice("negotiate: acceptor ready:%s%s%s (NTLM domain %s, "
	    "computer %s)", have_krb5 ? " Kerberos" : "",
	    have_ntlm ? " NTLM" : "", have_spnego ? " SPNEGO" : "",
	    netbios_domain, netbios_computer);
}

bool
nego_offered(const char *scheme)
{
	if (cred == GSS_C_NO_CREDENTIAL && !privsep_active())
		return false;
	if (strcasecmp(scheme, "Kerberos") == 0)
		return have_krb5;
	return have_spnego || have_ntlm;
}

void
nego_free(struct nego *n)
{
	OM_uint32 min;

	if (n == NULL)
		return;
	if (n->mon_id != 0 && privsep_active())
		nego_mon_forget(n->mon_id);
	if (n->ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&min, &n->ctx, GSS_C_NO_BUFFER);
	free(n);
}

bool
nego_established(const struct nego *n)
{
	return n != NULL && n->established;
}

bool
nego_still_allowed(const struct nego *n, const struct config *cfg)
{
	if (n == NULL || !n->established)
		return false;
	if (n->mech == MECH_KRB5)
		return conf_b(cfg, CK_AUTH_KERBEROS);
	return conf_b(cfg, CK_AUTH_NEGOTIATE);
}

bool
nego_can_seal(const struct nego *n)
{
	return n != NULL && n->established && (n->flags & GSS_C_CONF_FLAG);
}

const char *
nego_mech(const struct nego *n)
{
	return n != NULL ? mech_name(n->mech) : "-";
}

void
nego_result_done(struct nego_result *res)
{
	free(res->out_b64);
	res->out_b64 = NULL;
}

/*
 * A token (or the monitor's context and channel bindings): base64 after
 * white space at its end is dropped, not empty, at most MAX_TOKEN_B64
 * characters and none of them white space (base64_decode_into is strict);
 * malloc'd bytes.
 */
static int
b64_decode(const char *s, unsigned char **ret, size_t *ret_len)
{
	size_t len = strlen(s);
	unsigned char *out;
	long n;

	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0 || len > MAX_TOKEN_B64)
		return -EINVAL;
	if ((out = malloc(len / 4 * 3 + 1)) == NULL)
		return -ENOMEM;
	if ((n = base64_decode_into(s, len, out)) <= 0) {
		free(out);
		return -EINVAL;
	}
	*ret = out;
	*ret_len = (size_t)n;
	return 0;
}

/*
 * Does this token open a handshake?  An NTLM NEGOTIATE message, or a GSS
 * InitialContextToken ([APPLICATION 0], 0x60): raw Kerberos AP-REQ or a
 * SPNEGO NegTokenInit.  NTLM AUTHENTICATE and NegTokenResp (0xa1) go on.
 */
static bool
token_is_initial(const unsigned char *t, size_t len)
{
	if (len >= 12 && memcmp(t, "NTLMSSP\0", 8) == 0)
		return t[8] == 1 && t[9] == 0 && t[10] == 0 && t[11] == 0;
	return len > 0 && t[0] == 0x60;
}

/* a name as a local account name: letters, digits, . _ - (not first) */
static bool
account_name_ok(const char *s, size_t len)
{
	if (len == 0 || len >= 64 || s[0] == '-' || s[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' &&
		    s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/*
 * The local account name of an authenticated initiator.  NTLM:
 * gss_display_name gives what the client typed, "DOMAIN\user" or "user";
 * the domain must be empty, NetBIOSDomain or NetBIOSComputer (gss-ntlmssp
 * lets a file line without a domain match any), and the user part is the
 * account.  Kerberos: gss_localname, i.e. krb5.conf's auth_to_local
 * (default: a one-component principal of the default realm).
 */
static int
map_name(struct nego *n, gss_name_t src, gss_OID mech, struct nego_result *res)
{
	gss_buffer_desc disp = GSS_C_EMPTY_BUFFER;
	OM_uint32 maj, min;

	if (!GSS_ERROR(gss_display_name(&min, src, &disp, NULL))) {
		snprintf(res->name, sizeof(res->name), "%.*s",
		    (int)(disp.length < 190 ? disp.length : 190),
		    (char *)disp.value);
		gss_release_buffer(&min, &disp);
	} else
		snprintf(res->name, sizeof(res->name), "?");
	if (n->mech == MECH_NTLM) {
		const char *user = res->name, *bs = strchr(res->name, '\\');

		if (bs != NULL) {
			size_t dlen = (size_t)(bs - res->name);

			if (dlen > 0 && !((dlen == strlen(netbios_domain) &&
			    strncasecmp(res->name, netbios_domain, dlen) == 0) ||
			    (dlen == strlen(netbios_computer) &&
			    strncasecmp(res->name, netbios_computer, dlen) == 0))) {
				snprintf(res->why, sizeof(res->why), "NTLM "
				    "domain of %s is neither %s nor %s",
				    res->name, netbios_domain, netbios_computer);
				return -1;
			}
			user = bs + 1;
		}
		if (!account_name_ok(user, strlen(user))) {
			snprintf(res->why, sizeof(res->why), "NTLM name %s is not "
			    "an account name", res->name);
			return -1;
		}
		snprintf(res->user, sizeof(res->user), "%.63s", user);
		return 0;
	}
	{
		gss_buffer_desc local = GSS_C_EMPTY_BUFFER;

		maj = gss_localname(&min, src, mech, &local);
		if (GSS_ERROR(maj) || local.length == 0 ||
		    !account_name_ok(local.value, local.length)) {
			snprintf(res->why, sizeof(res->why), "Kerberos principal "
			    "%s maps to no local account name (krb5.conf "
			    "auth_to_local)", res->name);
			gss_release_buffer(&min, &local);
			return -1;
		}
		snprintf(res->user, sizeof(res->user), "%.*s",
		    (int)local.length, (char *)local.value);
		gss_release_buffer(&min, &local);
	}
	return 0;
}

/* the handshake itself: in the monitor under privilege separation */
static void
step(struct nego **np, const char *header, const struct nego_params *par,
    struct nego_result *res)
{
	struct gss_channel_bindings_struct cb;
	gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER;
	gss_name_t src = GSS_C_NO_NAME;
	gss_OID mech = GSS_C_NO_OID;
	OM_uint32 maj, min, flags = 0;
	unsigned char *tok = NULL;
	size_t toklen = 0, wlen;
	struct nego *n = *np;
	bool kerberos_scheme;

	memset(res, 0, sizeof(*res));
	res->status = NEGO_FAILED;
	kerberos_scheme = strncasecmp(header, "Kerberos", 8) == 0;
	wlen = kerberos_scheme ? 8 : 9;
	res->scheme = kerberos_scheme ? "Kerberos" : "Negotiate";
	if (!kerberos_scheme && strncasecmp(header, "Negotiate", 9) != 0) {
		snprintf(res->why, sizeof(res->why), "not a Negotiate header");
		goto fail;
	}
	if (!nego_offered(res->scheme)) {
		snprintf(res->why, sizeof(res->why), "%s is off or has no "
		    "usable credential", res->scheme);
		goto fail;
	}
	header += wlen;
	if (*header != ' ' && *header != '\t') {
		snprintf(res->why, sizeof(res->why), "%s without a token",
		    res->scheme);
		goto fail;
	}
	while (*header == ' ' || *header == '\t')
		header++;
	if (b64_decode(header, &tok, &toklen) < 0) {
		snprintf(res->why, sizeof(res->why), "malformed %s token",
		    res->scheme);
		goto fail;
	}
	/* a new handshake, or one after a complete one, starts over */
	if (n != NULL && (n->established || token_is_initial(tok, toklen))) {
		nego_free(n);
		*np = n = NULL;
	}
	if (n == NULL) {
		if ((n = calloc(1, sizeof(*n))) == NULL) {
			snprintf(res->why, sizeof(res->why), "out of memory");
			goto fail;
		}
		n->ctx = GSS_C_NO_CONTEXT;
		*np = n;
	}
	memset(&cb, 0, sizeof(cb));
	cb.initiator_addrtype = GSS_C_AF_UNSPEC;
	cb.acceptor_addrtype = GSS_C_AF_UNSPEC;
	cb.application_data.length = par->cbt_len;
	cb.application_data.value = (void *)par->cbt;
	in.length = toklen;
	in.value = tok;
	maj = gss_accept_sec_context(&min, &n->ctx, cred, &in,
	    par->cbt != NULL ? &cb : GSS_C_NO_CHANNEL_BINDINGS, &src, &mech,
	    &out, &flags, NULL, NULL);
	if (out.length > 0 && (res->out_b64 = base64_encode(out.value,
	    out.length)) == NULL) {
		snprintf(res->why, sizeof(res->why), "out of memory");
		goto fail;
	}
	if (GSS_ERROR(maj)) {
		gss_why(res->why, sizeof(res->why), "gss_accept_sec_context",
		    maj, min, mech);
		goto fail;
	}
	if (maj & GSS_S_CONTINUE_NEEDED) {
		if (kerberos_scheme) {
			snprintf(res->why, sizeof(res->why), "the Kerberos scheme "
			    "takes one leg");
			goto fail;
		}
		res->status = NEGO_CONTINUE;
		goto out;
	}
	n->mech = mech_of(mech);
	n->flags = flags;
	if (n->mech == MECH_NONE) {
		snprintf(res->why, sizeof(res->why), "an unexpected mechanism");
		goto fail;
	}
	if (map_name(n, src, mech, res) < 0)
		goto fail;
	if (kerberos_scheme && n->mech != MECH_KRB5) {
		snprintf(res->why, sizeof(res->why), "%s sent %s under the "
		    "Kerberos scheme", res->name, mech_name(n->mech));
		goto fail;
	}
	if (par->cbt_strict && !(flags & GSS_C_CHANNEL_BOUND_FLAG)) {
		snprintf(res->why, sizeof(res->why), "%s sent no channel "
		    "binding (CbtHardeningLevel = Strict)", res->name);
		goto fail;
	}
	n->established = true;
	res->mech = mech_name(n->mech);
	res->channel_bound = (flags & GSS_C_CHANNEL_BOUND_FLAG) != 0;
	res->can_seal = (flags & GSS_C_CONF_FLAG) != 0;
	res->status = NEGO_COMPLETE;
	goto out;
fail:
	res->status = NEGO_FAILED;
	nego_free(*np);
	*np = NULL;
	/* nothing of a failed exchange goes back to the client */
	free(res->out_b64);
	res->out_b64 = NULL;
out:
	if (src != GSS_C_NO_NAME)
		gss_release_name(&min, &src);
	gss_release_buffer(&min, &out);
	if (tok != NULL) {
		OPENSSL_cleanse(tok, toklen);
		free(tok);
	}
}
/*
 * Privilege separation (docs/DESIGN.md §8): the keytab and the NTLM user
 * file stay root's, so the monitor accepts the handshake (as sshd's
 * monitor does) and keeps each unfinished context under an id; an
 * established one is exported (gss_export_sec_context) to the network
 * part, which imports it to unseal and seal the messages.
 */
#define MON_NEGO_MAX	1024	/* handshakes in flight in the monitor */

static struct {
	int64_t		 id;
	struct nego	*n;
} mon_nego[MON_NEGO_MAX];
static int64_t mon_nego_next;

/* the monitor's: takes its context out of the table (NULL: none) */
static struct nego *
mon_nego_take(int64_t id)
{
	for (size_t i = 0; id != 0 && i < MON_NEGO_MAX; i++) {
		if (mon_nego[i].id == id) {
			struct nego *n = mon_nego[i].n;

			mon_nego[i].id = 0;
			mon_nego[i].n = NULL;
			return n;
		}
	}
	return NULL;
}

/* keeps n: a free slot, else the oldest handshake gives its own up */
static int64_t
mon_nego_keep(struct nego *n)
{
	size_t slot = 0;

	for (size_t i = 0; i < MON_NEGO_MAX; i++) {
		if (mon_nego[i].id == 0) {
			slot = i;
			break;
		}
		if (mon_nego[i].id < mon_nego[slot].id)
			slot = i;
	}
	nego_free(mon_nego[slot].n);
	mon_nego[slot].n = n;
	mon_nego[slot].id = ++mon_nego_next;
	return mon_nego[slot].id;
}

void
nego_mon_serve(struct mon_msg *q, struct mon_msg *a)
{
	OM_uint32 maj, min;
	gss_buffer_desc ex = GSS_C_EMPTY_BUFFER;
	struct nego_params par = { 0 };
	struct nego_result res;
	const char *header, *cbt64;
	unsigned char *cbt = NULL;
	struct nego *n;
	char *ctx64 = NULL;
	int64_t id;

	if (q->type == MON_NEGO_CONFIG) {
		mon_put_i64(a, (cred != GSS_C_NO_CREDENTIAL) *
		    ((have_krb5 ? 1 : 0) | (have_ntlm ? 2 : 0) |
		    (have_spnego ? 4 : 0)));
		return;
	}
	id = mon_get_i64(q);
	if (q->type == MON_NEGO_FREE) {
		nego_free(mon_nego_take(id));
		mon_put_i64(a, 0);
		return;
	}
	header = mon_get_str(q, NULL);
	cbt64 = mon_get_str(q, NULL);
	par.cbt_strict = mon_get_i64(q) != 0;
	if (cbt64 != NULL && b64_decode(cbt64, &cbt, &par.cbt_len) == 0)
		par.cbt = cbt;
	n = mon_nego_take(id);
	step(&n, header, &par, &res);
	free(cbt);
	if (res.status == NEGO_COMPLETE) {
		maj = gss_export_sec_context(&min, &n->ctx, &ex);
		if (GSS_ERROR(maj) || (ctx64 = base64_encode(ex.value,
		    ex.length)) == NULL) {
			gss_why(res.why, sizeof(res.why),
			    "gss_export_sec_context", maj, min, GSS_C_NO_OID);
			res.status = NEGO_FAILED;
		}
		if (ex.value != NULL)
			OPENSSL_cleanse(ex.value, ex.length);
		gss_release_buffer(&min, &ex);
	}
	mon_put_i64(a, res.status);
	mon_put_i64(a, res.status == NEGO_CONTINUE ? mon_nego_keep(n) : 0);
	mon_put_str(a, res.status == NEGO_FAILED ? NULL : res.out_b64);
	mon_put_str(a, res.scheme);
	mon_put_str(a, res.user);
	mon_put_str(a, res.name);
	mon_put_str(a, res.why);
	mon_put_i64(a, res.channel_bound);
	mon_put_i64(a, res.can_seal);
	mon_put_str(a, ctx64);
	mon_put_i64(a, n != NULL ? n->mech : MECH_NONE);
	mon_put_i64(a, n != NULL ? n->flags : 0);
	if (res.status != NEGO_CONTINUE)
		nego_free(n);
	if (ctx64 != NULL) {
		OPENSSL_cleanse(ctx64, strlen(ctx64));
		free(ctx64);
	}
	nego_result_done(&res);
}

void
nego_mon_forget(int64_t id)
{
	struct mon_msg m;

	if (mon_msg_init(&m, MON_NEGO_FREE) < 0)
		return;
	mon_put_i64(&m, id);
	mon_call(&m);
	mon_msg_free(&m);
}

int64_t
nego_mon_config(void)
{
	struct mon_msg m;
	int64_t r;

	if (mon_msg_init(&m, MON_NEGO_CONFIG) < 0)
		return 0;
	r = mon_call(&m);
	mon_msg_free(&m);
	return r < 0 ? 0 : r;
}

/* the network part's step: the monitor's answer, its context imported */
static void
step_by_monitor(struct nego **np, const char *header,
    const struct nego_params *par, struct nego_result *res)
{
	const char *out, *scheme, *user, *name, *why, *ctx64;
	gss_buffer_desc in = GSS_C_EMPTY_BUFFER;
	struct nego *n = *np;
	unsigned char *ex = NULL;
	char *cbt64 = NULL;
	struct mon_msg m;
	int64_t status, id, mech, flags;
	OM_uint32 maj, min;
	bool bound, seal;

	memset(res, 0, sizeof(*res));
	res->status = NEGO_FAILED;
	res->scheme = strncasecmp(header, "Kerberos", 8) == 0 ? "Kerberos" :
	    "Negotiate";
	if (mon_msg_init(&m, MON_NEGO_STEP) < 0) {
		snprintf(res->why, sizeof(res->why), "out of memory");
		goto fail;
	}
	if (par->cbt != NULL && (cbt64 = base64_encode(par->cbt,
	    par->cbt_len)) == NULL) {
		snprintf(res->why, sizeof(res->why), "out of memory");
		goto fail;
	}
	mon_put_i64(&m, n != NULL && !n->established ? n->mon_id : 0);
	mon_put_str(&m, header);
	mon_put_str(&m, cbt64);
	mon_put_i64(&m, par->cbt_strict);
	free(cbt64);
	/* the monitor's handshake is over or goes on under a new id */
	if (n != NULL)
		n->mon_id = 0;
	status = mon_call(&m);
	id = mon_get_i64(&m);
	out = mon_get_str(&m, NULL);
	scheme = mon_get_str(&m, NULL);
	user = mon_get_str(&m, NULL);
	name = mon_get_str(&m, NULL);
	why = mon_get_str(&m, NULL);
	bound = mon_get_i64(&m) != 0;
	seal = mon_get_i64(&m) != 0;
	ctx64 = mon_get_str(&m, NULL);
	mech = mon_get_i64(&m);
	flags = mon_get_i64(&m);
	if (mon_get_end(&m) < 0 || scheme == NULL || user == NULL ||
	    name == NULL || why == NULL) {
		snprintf(res->why, sizeof(res->why), "a malformed answer of "
		    "the monitor");
		goto fail;
	}
	res->scheme = strcmp(scheme, "Kerberos") == 0 ? "Kerberos" :
	    "Negotiate";
	snprintf(res->user, sizeof(res->user), "%s", user);
	snprintf(res->name, sizeof(res->name), "%s", name);
	snprintf(res->why, sizeof(res->why), "%s", why);
	if (status == NEGO_FAILED)
		goto fail;
	if (out != NULL && (res->out_b64 = strdup(out)) == NULL)
		goto fail;
	if (n != NULL && (n->established || status == NEGO_COMPLETE)) {
		nego_free(n);
		*np = n = NULL;
	}
	if (n == NULL) {
		if ((n = calloc(1, sizeof(*n))) == NULL)
			goto fail;
		n->ctx = GSS_C_NO_CONTEXT;
		*np = n;
	}
	if (status == NEGO_CONTINUE) {
		n->mon_id = id;
		res->status = NEGO_CONTINUE;
		goto out;
	}
	if (ctx64 == NULL || b64_decode(ctx64, &ex, &in.length) < 0) {
		snprintf(res->why, sizeof(res->why), "no context from the "
		    "monitor");
		goto fail;
	}
	in.value = ex;
	maj = gss_import_sec_context(&min, &in, &n->ctx);
	OPENSSL_cleanse(ex, in.length);
	free(ex);
	if (GSS_ERROR(maj)) {
		gss_why(res->why, sizeof(res->why), "gss_import_sec_context",
		    maj, min, GSS_C_NO_OID);
		goto fail;
	}
	n->mech = mech == MECH_KRB5 ? MECH_KRB5 : MECH_NTLM;
	n->flags = (OM_uint32)flags;
	n->established = true;
	res->mech = mech_name(n->mech);
	res->channel_bound = bound;
	res->can_seal = seal;
	res->status = NEGO_COMPLETE;
	goto out;
fail:
	res->status = NEGO_FAILED;
	free(res->out_b64);
	res->out_b64 = NULL;
	nego_free(*np);
	*np = NULL;
out:
	if (m.buf != NULL) {
		explicit_bzero(m.buf, sizeof(struct mon_hdr) + m.len);
		mon_msg_free(&m);
	}
}

void
nego_step(struct nego **np, const char *header, const struct nego_params *par,
    struct nego_result *res)
{
	if (privsep_active())
		step_by_monitor(np, header, par, res);
	else
		step(np, header, par, res);
}

int
nego_unwrap(struct nego *n, struct enc_parts *parts, unsigned char **ret_plain,
    size_t *ret_len, char *why, size_t whylen)
{
	OM_uint32 maj, min;
	int conf = 0;

	if (!nego_can_seal(n)) {
		snprintf(why, whylen, "the context cannot seal");
		return -EBADMSG;
	}
	if (n->mech == MECH_NTLM) {
		gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER;
		unsigned char *buf;

		/* gss-ntlmssp: signature (16 bytes) first, then the RC4 data */
		if (parts->siglen != 16 || parts->datalen != parts->length) {
			snprintf(why, whylen, "NTLM signature of %zu bytes, or "
			    "data of %zu bytes for Length %zu", parts->siglen,
			    parts->datalen, parts->length);
			return -EBADMSG;
		}
		/* the signature and the data are contiguous in the body */
		buf = parts->sig;
		in.value = buf;
		in.length = parts->siglen + parts->datalen;
		maj = gss_unwrap(&min, n->ctx, &in, &out, &conf, NULL);
		if (GSS_ERROR(maj) || !conf || out.length != parts->length) {
			if (GSS_ERROR(maj))
				gss_why(why, whylen, "gss_unwrap", maj, min,
				    (gss_OID)&oid_ntlm);
			else
				snprintf(why, whylen, "unsealed %zu bytes, Length "
				    "says %zu%s", out.length, parts->length,
				    conf ? "" : ", without confidentiality");
			gss_release_buffer(&min, &out);
			return -EBADMSG;
		}
		/* back into the body: the plaintext is as long as the data */
		if (out.length > 0)
			memcpy(parts->data, out.value, out.length);
		gss_release_buffer(&min, &out);
		*ret_plain = parts->data;
		*ret_len = parts->length;
		return 0;
	}
	{
		gss_iov_buffer_desc iov[2];

		/* Kerberos (MS-WSMV, as pyspnego's unwrap_winrm): the wrap
		 * token header is the signature; the data is decrypted in
		 * place */
		iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER;
		iov[0].buffer.value = parts->sig;
		iov[0].buffer.length = parts->siglen;
		iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
		iov[1].buffer.value = parts->data;
		iov[1].buffer.length = parts->datalen;
		maj = gss_unwrap_iov(&min, n->ctx, &conf, NULL, iov, 2);
		if (GSS_ERROR(maj) || !conf) {
			if (GSS_ERROR(maj))
				gss_why(why, whylen, "gss_unwrap_iov", maj, min,
				    (gss_OID)&oid_krb5);
			else
				snprintf(why, whylen, "sealed without "
				    "confidentiality");
			return -EBADMSG;
		}
		if (iov[1].buffer.length < parts->length) {
			snprintf(why, whylen, "unsealed %zu bytes, Length says "
			    "%zu", iov[1].buffer.length, parts->length);
			return -EBADMSG;
		}
		*ret_plain = iov[1].buffer.value;
		*ret_len = parts->length;
		return 0;
	}
}

char *
nego_wrap(struct nego *n, const char *plain, size_t len, size_t *ret_len,
    char *why, size_t whylen)
{
	OM_uint32 maj, min;
	int conf = 0;
	char *body;

	if (!nego_can_seal(n)) {
		snprintf(why, whylen, "the context cannot seal");
		return NULL;
	}
	if (n->mech == MECH_NTLM) {
		gss_buffer_desc in = { len, (void *)plain }, out = GSS_C_EMPTY_BUFFER;

		maj = gss_wrap(&min, n->ctx, 1, GSS_C_QOP_DEFAULT, &in, &conf,
		    &out);
		if (GSS_ERROR(maj) || !conf || out.length != len + 16) {
			if (GSS_ERROR(maj))
				gss_why(why, whylen, "gss_wrap", maj, min,
				    (gss_OID)&oid_ntlm);
			else
				snprintf(why, whylen, "gss_wrap gave %zu bytes "
				    "for %zu", out.length, len);
			gss_release_buffer(&min, &out);
			return NULL;
		}
		body = enc_build(out.value, 16, (unsigned char *)out.value + 16,
		    len, len, ret_len);
		gss_release_buffer(&min, &out);
	} else {
		gss_iov_buffer_desc iov[3];
		unsigned char *data = malloc(len ? len : 1), *joined = NULL;

		if (data == NULL) {
			snprintf(why, whylen, "out of memory");
			return NULL;
		}
		memcpy(data, plain, len);
		iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER | GSS_IOV_BUFFER_FLAG_ALLOCATE;
		iov[0].buffer.value = NULL;
		iov[0].buffer.length = 0;
		iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
		iov[1].buffer.value = data;
		iov[1].buffer.length = len;
		iov[2].type = GSS_IOV_BUFFER_TYPE_PADDING | GSS_IOV_BUFFER_FLAG_ALLOCATE;
		iov[2].buffer.value = NULL;
		iov[2].buffer.length = 0;
		maj = gss_wrap_iov(&min, n->ctx, 1, GSS_C_QOP_DEFAULT, &conf,
		    iov, 3);
		if (GSS_ERROR(maj) || !conf) {
			if (GSS_ERROR(maj))
				gss_why(why, whylen, "gss_wrap_iov", maj, min,
				    (gss_OID)&oid_krb5);
			else
				snprintf(why, whylen, "gss_wrap_iov without "
				    "confidentiality");
			gss_release_iov_buffer(&min, iov, 3);
			free(data);
			return NULL;
		}
		body = NULL;
		if (iov[2].buffer.length == 0)
			body = enc_build(iov[0].buffer.value, iov[0].buffer.length,
			    data, len, len, ret_len);
		else if ((joined = malloc(len + iov[2].buffer.length)) != NULL) {
			memcpy(joined, data, len);
			memcpy(joined + len, iov[2].buffer.value,
			    iov[2].buffer.length);
			body = enc_build(iov[0].buffer.value, iov[0].buffer.length,
			    joined, len + iov[2].buffer.length, len, ret_len);
			free(joined);
		}
		gss_release_iov_buffer(&min, iov, 3);
		free(data);
	}
	if (body == NULL)
		snprintf(why, whylen, "out of memory");
	return body;
}

#else	/* !HAVE_NEGOTIATE: built with --disable-negotiate */

struct nego {
	int	unused;
};

int
nego_init(const struct config *cfg)
{
	if (conf_s(cfg, CK_AUTH_NTLM_USER_FILE)[0] != '\0')
		log_warn("negotiate: this winrmd was built without Negotiate; "
		    "NTLMUserFile is ignored");
	return 0;
}

void nego_configure(const struct config *cfg) { (void)cfg; }
void nego_shutdown(void) { }
bool nego_offered(const char *scheme) { (void)scheme; return false; }

void
nego_step(struct nego **np, const char *header, const struct nego_params *par,
    struct nego_result *res)
{
	(void)np;
	(void)header;
	(void)par;
	memset(res, 0, sizeof(*res));
	res->status = NEGO_FAILED;
	res->scheme = "Negotiate";
	snprintf(res->why, sizeof(res->why), "built without Negotiate");
}

void nego_result_done(struct nego_result *res) { free(res->out_b64); res->out_b64 = NULL; }
void nego_mon_serve(struct mon_msg *q, struct mon_msg *a) { (void)q; mon_put_i64(a, q->type == MON_NEGO_CONFIG ? 0 : -ENOTSUP); }
void nego_mon_forget(int64_t id) { (void)id; }
int64_t nego_mon_config(void) { return 0; }
void nego_free(struct nego *n) { free(n); }
bool nego_established(const struct nego *n) { (void)n; return false; }
bool nego_still_allowed(const struct nego *n, const struct config *cfg) { (void)n; (void)cfg; return false; }
bool nego_can_seal(const struct nego *n) { (void)n; return false; }
const char *nego_mech(const struct nego *n) { (void)n; return "-"; }

int
nego_unwrap(struct nego *n, struct enc_parts *parts, unsigned char **ret_plain,
    size_t *ret_len, char *why, size_t whylen)
{
	(void)n; (void)parts; (void)ret_plain; (void)ret_len;
	snprintf(why, whylen, "built without Negotiate");
	return -EBADMSG;
}

char *
nego_wrap(struct nego *n, const char *plain, size_t len, size_t *ret_len,
    char *why, size_t whylen)
{
	(void)n; (void)plain; (void)len; (void)ret_len;
	snprintf(why, whylen, "built without Negotiate");
	return NULL;
}

#endif
