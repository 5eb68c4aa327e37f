/*
 * psrp_host.c: the host calls of a PSRP pipeline, built and answered as
 * Windows PowerShell makes them (its ServerRemoteHostUserInterface):
 *
 *  - Write-Host, in a pipeline with a host, is an information record (as
 *    without one) and the host call MshCommandRuntime.WriteInformation
 *    makes for a PSHOST record: WriteLine2(message) (Write1 for
 *    -NoNewline; WriteLine3/Write2 with the colours when it has them).
 *  - Read-Host is ReadHostCommand: without a prompt the host's ReadLine or
 *    ReadLineAsSecureString; with one, Prompt("", "", [a FieldDescription
 *    named by the prompt]) whose answer is a dictionary by field name.
 *    Without a host, the HostException "HostFunctionNotImplemented".
 *
 * Pure functions over CLIXML trees; psrp_pipeline.c queues the calls and
 * hands the responses here.  Unit-tested in check_psrp_host.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "psrp_host.h"

static const char *const tn_field_description[] = {
	"System.Management.Automation.Host.FieldDescription",
	"System.Object", NULL };
static const char *const tn_host_exception[] = {
	"System.Management.Automation.Host.HostException",
	"System.Management.Automation.RuntimeException",
	"System.SystemException", NULL };
/* what ThrowNotInteractive and ThrowPromptNotInteractive say */
#define NOT_INTERACTIVE	"A command that prompts the user failed because " \
	"the host program or the command type does not support user " \
	"interaction."
#define TRY_ANOTHER	" Try a host program that supports user " \
	"interaction, such as the Windows PowerShell Console or Windows " \
	"PowerShell ISE, and remove prompt-related commands from command " \
	"types that do not support user interaction, such as Windows " \
	"PowerShell workflows."
#define PROMPT_MESSAGE	" The host was attempting to request confirmation " \
	"with the following message: "

/* ----------------------------------------------------------- the plan */

void
psrp_read_host_clear(struct psrp_read_host *r)
{
	free(r->prompt);
	memset(r, 0, sizeof(*r));
}

/* -Prompt's value added to r->prompt, words joined with a space */
static int
prompt_add(struct psrp_read_host *r, const char *w)
{
	size_t n = r->prompt != NULL ? strlen(r->prompt) : 0;
	char *p = realloc(r->prompt, n + strlen(w) + 2);

	if (p == NULL)
		return -1;
	if (n > 0)
		p[n++] = ' ';
	strcpy(p + n, w);
	r->prompt = p;
	return 0;
}

int
psrp_read_host_plan(char *const *plan, struct psrp_read_host *r)
{
	size_t i = 1;

	memset(r, 0, sizeof(*r));
	if (plan == NULL || plan[0] == NULL || strcmp(plan[0], "Read-Host") != 0)
		return 0;
	for (; plan[i] != NULL && strcmp(plan[i], "|") != 0; i += 2) {
		if (plan[i + 1] == NULL)
			goto not;
		if (strcmp(plan[i], "-Prompt") == 0) {
			if (prompt_add(r, plan[i + 1]) < 0) {
				psrp_read_host_clear(r);
				return -1;
			}
		} else if (strcmp(plan[i], "-AsSecureString") == 0)
			r->secure = strcasecmp(plan[i + 1], "True") == 0;
		else
			goto not;
	}
	/* then what passes it on (Out-Default, Out-Host) or makes it text */
	while (plan[i] != NULL) {
		const char *c = plan[++i];

		if (c == NULL)
			goto not;
		if (strcmp(c, "Out-String") == 0)
			r->out_string = true;
		else if (strcmp(c, "Out-Default") != 0 &&
		    strcmp(c, "Out-Host") != 0)
			goto not;
		for (i++; plan[i] != NULL && strcmp(plan[i], "|") != 0; i += 2)
			if (strcmp(c, "Out-String") != 0 ||
			    strcmp(plan[i], "-Stream") != 0 || plan[i + 1] == NULL)
				goto not;
			else
				r->stream = strcasecmp(plan[i + 1], "True") == 0;
	}
	r->method = r->prompt != NULL ? PSRP_HOST_PROMPT : r->secure ?
	    PSRP_HOST_READ_LINE_AS_SECURE_STRING : PSRP_HOST_READ_LINE;
	return 1;
not:
	psrp_read_host_clear(r);
	return 0;
}

/* ----------------------------------------------------------- the call */

static struct clixml_value *
field_description(const char *name, bool secure)
{
	struct clixml_value *v = clixml_new_obj(tn_field_description,
	    CLIXML_COLL_NONE);

	if (v == NULL)
		return NULL;
	clixml_obj_set_tostring(v, "System.Management.Automation.Host."
	    "FieldDescription");
	clixml_obj_add_ms(v, "name", clixml_new_string(name));
	clixml_obj_add_ms(v, "label", clixml_new_string(""));
	clixml_obj_add_ms(v, "parameterTypeName", clixml_new_string(secure ?
	    "SecureString" : "String"));
	clixml_obj_add_ms(v, "parameterTypeFullName", clixml_new_string(
	    secure ? "System.Security.SecureString" : "System.String"));
	clixml_obj_add_ms(v, "parameterAssemblyFullName", clixml_new_string(
	    secure ? "System.Security.SecureString, mscorlib, "
	    "Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089" :
	    "System.String, mscorlib, Version=4.0.0.0, Culture=neutral, "
	    "PublicKeyToken=b77a5c561934e089"));
	clixml_obj_add_ms(v, "helpMessage", clixml_new_string(""));
	clixml_obj_add_ms(v, "isMandatory", clixml_new_bool(true));
	clixml_obj_add_ms(v, "modifiedByRemotingProtocol",
	    clixml_new_bool(false));
	clixml_obj_add_ms(v, "isFromRemoteHost", clixml_new_bool(false));
	clixml_obj_add_ms(v, "defaultValue", clixml_new_nil());
	clixml_obj_add_ms(v, "attributes", psrp_new_arraylist());
	return v;
}

struct clixml_value *
psrp_read_host_call(const struct psrp_read_host *r, int64_t ci)
{
	struct clixml_value *mp = psrp_new_arraylist(), *fields;

	if (mp == NULL)
		return NULL;
	if (r->method == PSRP_HOST_PROMPT) {
		/* RemoteHostEncoder sends a collection as an ArrayList, a
		 * FieldDescription as its fields */
		if ((fields = psrp_new_arraylist()) == NULL) {
			clixml_unref(mp);
			return NULL;
		}
		clixml_list_add(fields, field_description(r->prompt,
		    r->secure));
		clixml_list_add(mp, clixml_new_string(""));	/* caption */
		clixml_list_add(mp, clixml_new_string(""));	/* message */
		clixml_list_add(mp, fields);
	}
	return psrp_build_host_call(ci, r->method, mp);
}

/* an ErrorRecord of Read-Host: ID is the FullyQualifiedErrorId's first part */
static struct clixml_value *
read_host_error(const char *msg, const char *const *types, const char *id,
    int category)
{
	char fqid[128];
	struct psrp_error e = { .pe_message = msg, .pe_exception_types = types,
	    .pe_fqid = fqid, .pe_category = category,
	    .pe_activity = "Read-Host" };

	snprintf(fqid, sizeof(fqid), "%s,Microsoft.PowerShell.Commands."
	    "ReadHostCommand", id);
	return psrp_build_error_record(&e);
}

struct clixml_value *
psrp_read_host_no_ui(const struct psrp_read_host *r)
{
	return read_host_error(r->method == PSRP_HOST_PROMPT ?
	    NOT_INTERACTIVE PROMPT_MESSAGE : NOT_INTERACTIVE TRY_ANOTHER,
	    tn_host_exception, "HostFunctionNotImplemented",
	    PSRP_ERR_NOT_IMPLEMENTED);
}

/* --------------------------------------------------------- the answer */

static struct clixml_value *
wrong_answer(const char *why)
{
	return read_host_error(why, NULL, "RemoteHostCallFailed",
	    PSRP_ERR_INVALID_ARGUMENT);
}

/* the value's text, as Out-String makes it: ended unless -Stream */
static struct clixml_value *
out_text(const struct psrp_read_host *r, const char *s, size_t n)
{
	struct clixml_value *v;
	char *t;

	if (!r->out_string || r->stream)
		return clixml_new_stringn(s, n);
	if ((t = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(t, s, n);
	t[n] = '\n';
	v = clixml_new_stringn(t, n + 1);
	free(t);
	return v;
}

int
psrp_read_host_answer(const struct psrp_read_host *r, int64_t ci,
    const struct psrp_host_response *hr, const uint8_t *key,
    struct clixml_value **ret_out, char *err, size_t errlen)
{
	const struct clixml_value *v = hr->hr_mr;
	const char *s;
	size_t n;

	*ret_out = NULL;
	if (hr->hr_ci != ci || hr->hr_mi != r->method) {
		snprintf(err, errlen, "a response to call %lld (method %d) "
		    "where call %lld (%s) waits", (long long)hr->hr_ci,
		    (int)hr->hr_mi, (long long)ci,
		    psrp_host_method_name(r->method));
		return -1;
	}
	if (hr->hr_me != NULL && !clixml_is_nil(hr->hr_me)) {
		/* the host failed: its error is the pipeline's */
		*ret_out = clixml_ref((struct clixml_value *)hr->hr_me);
		return 1;
	}
	if (r->method == PSRP_HOST_PROMPT) {
		/* a dictionary by field name */
		if (v == NULL || v->v_type != CLIXML_OBJECT ||
		    v->v.obj.o_coll != CLIXML_COLL_DCT ||
		    (v = clixml_dict_get(v, r->prompt)) == NULL) {
			*ret_out = wrong_answer("The host's Prompt answer has no "
			    "value for the field asked for.");
			return 1;
		}
	}
	if (v == NULL || clixml_is_nil(v)) {
		/* a host may answer null (a cancelled dialog): null out */
		*ret_out = clixml_new_nil();
		return *ret_out != NULL ? 0 : -1;
	}
	if (r->secure) {
		char *plain;

		if (v->v_type != CLIXML_SECURESTRING) {
			*ret_out = wrong_answer("The host answered Read-Host "
			    "-AsSecureString with a value that is not a "
			    "SecureString.");
			return 1;
		}
		s = clixml_str(v, NULL);
		if (key == NULL || (plain = psrp_securestring_decrypt(key, s, &n,
		    err, errlen)) == NULL) {
			*ret_out = wrong_answer(key == NULL ? "The host answered "
			    "with a SecureString, and no session key was "
			    "exchanged." : "The host's SecureString does not "
			    "decrypt with the session key.");
			return 1;
		}
		OPENSSL_cleanse(plain, n);
		free(plain);
		/* it stays encrypted, as it came: what PowerShell would
		 * encrypt again with the same key */
		*ret_out = r->out_string ? out_text(r,
		    "System.Security.SecureString", 28) :
		    clixml_ref((struct clixml_value *)v);
		return *ret_out != NULL ? 0 : -1;
	}
	if (v->v_type != CLIXML_STRING) {
		/* PowerShell converts Prompt's answer to the field's type;
		 * ReadLine's is a string already */
		if ((s = clixml_str(v, &n)) == NULL ||
		    v->v_type == CLIXML_SECURESTRING) {
			*ret_out = wrong_answer("The host answered Read-Host "
			    "with a value that is not a string.");
			return 1;
		}
		*ret_out = out_text(r, s, n);
		return *ret_out != NULL ? 0 : -1;
	}
	s = clixml_str(v, &n);
	*ret_out = r->out_string ? out_text(r, s, n) :
	    clixml_ref((struct clixml_value *)v);
	return *ret_out != NULL ? 0 : -1;
}

/* -------------------------------------------------------- Write-Host */

static struct clixml_value *
color(const struct clixml_value *v)
{
	int64_t i;

	if (v == NULL || clixml_is_nil(v) || clixml_int(v, &i) < 0 || i < 0 ||
	    i > 15)
		return NULL;
	return psrp_build_console_color((int)i);
}

struct clixml_value *
psrp_host_write_call(const char *xml, size_t len)
{
	const struct clixml_value *data, *tags;
	struct clixml_value *rec, *mp = NULL, *fg, *bg, *call = NULL;
	const char *msg;
	bool pshost = false, nonl = false;
	size_t n;
	char err[128];

	if ((rec = clixml_read(xml, len, &clixml_default_limits, err,
	    sizeof(err))) == NULL)
		return NULL;
	tags = clixml_member(rec, "Tags");
	for (size_t i = 0; i < clixml_list_len(tags); i++) {
		const char *t = clixml_str(clixml_list_at(tags, i), NULL);

		if (t != NULL && strcmp(t, "PSHOST") == 0)
			pshost = true;
	}
	data = clixml_member(rec, "MessageData");
	if (!pshost || !clixml_has_type(data,
	    "System.Management.Automation.HostInformationMessage") ||
	    (msg = clixml_str(clixml_member(data, "Message"), &n)) == NULL ||
	    (mp = psrp_new_arraylist()) == NULL)
		goto out;
	(void)clixml_bool(clixml_member(data, "NoNewLine"), &nonl);
	fg = color(clixml_member(data, "ForegroundColor"));
	bg = color(clixml_member(data, "BackgroundColor"));
	if (fg != NULL || bg != NULL) {
		/* one colour given: the other PowerShell's default */
		clixml_list_add(mp, fg != NULL ? fg :
		    psrp_build_console_color(7));	/* Gray */
		clixml_list_add(mp, bg != NULL ? bg :
		    psrp_build_console_color(0));	/* Black */
	}
	clixml_list_add(mp, clixml_new_stringn(msg, n));
	call = psrp_build_host_call(PSRP_VOID_CALL_ID, fg != NULL ||
	    bg != NULL ? (nonl ? PSRP_HOST_WRITE2 : PSRP_HOST_WRITE_LINE3) :
	    (nonl ? PSRP_HOST_WRITE1 : PSRP_HOST_WRITE_LINE2), mp);
	mp = NULL;
out:
	clixml_unref(mp);
	clixml_unref(rec);
	return call;
}
