/*
 * msg_build.c: the messages a PSRP server sends (MS-PSRP 2.2.2) as CLIXML
 * value trees, shaped as Windows PowerShell writes them (the type names,
 * the property sets and the ToStrings of its captured replies), so that
 * pypsrp, psrpcore and PowerShell's own client and formatter read them.
 * The host method and error category names are here too.
 */
#define _GNU_SOURCE		/* asprintf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "message.h"
#include "psrp_msgs.h"

static const char *const tn_primitive_dict[] = {
	"System.Management.Automation.PSPrimitiveDictionary",
	"System.Collections.Hashtable", "System.Object", NULL };
static const char *const tn_arraylist[] = {
	"System.Collections.ArrayList", "System.Object", NULL };
static const char *const tn_version_array[] = {
	"System.Version[]", "System.Array", "System.Object", NULL };
static const char *const tn_error_record[] = {
	"System.Management.Automation.ErrorRecord", "System.Object", NULL };
static const char *const tn_exception_data[] = {
	"System.Collections.ListDictionaryInternal", "System.Object", NULL };
static const char *const tn_runtime_exception[] = {
	"System.Management.Automation.RuntimeException",
	"System.SystemException", NULL };
static const char *const tn_stopped_exception[] = {
	"System.Management.Automation.PipelineStoppedException",
	"System.Management.Automation.RuntimeException",
	"System.SystemException", NULL };
static const char *const tn_host_method[] = {
	"System.Management.Automation.Remoting.RemoteHostMethodId",
	"System.Enum", "System.ValueType", "System.Object", NULL };
static const char *const tn_progress_type[] = {
	"System.Management.Automation.ProgressRecordType",
	"System.Enum", "System.ValueType", "System.Object", NULL };
static const char *const tn_host_info_msg[] = {
	"System.Management.Automation.HostInformationMessage",
	"System.Object", NULL };
static const char *const tn_console_color[] = {
	"System.ConsoleColor", "System.Enum", "System.ValueType",
	"System.Object", NULL };
static const char *const console_colors[16] = { "Black", "DarkBlue",
	"DarkGreen", "DarkCyan", "DarkRed", "DarkMagenta", "DarkYellow",
	"Gray", "DarkGray", "Blue", "Green", "Cyan", "Red", "Magenta",
	"Yellow", "White" };

/* the HResult Windows sends for its script errors (COR_E_SYSTEM) */
#define DEFAULT_HRESULT		(-2146233087)

static const char *const host_methods[PSRP_HOST_METHOD_MAX + 1] = {
	[1] = "GetName", "GetVersion", "GetInstanceId", "GetCurrentCulture",
	"GetCurrentUICulture", "SetShouldExit", "EnterNestedPrompt",
	"ExitNestedPrompt", "NotifyBeginApplication", "NotifyEndApplication",
	"ReadLine", "ReadLineAsSecureString", "Write1", "Write2",
	"WriteLine1", "WriteLine2", "WriteLine3", "WriteErrorLine",
	"WriteDebugLine", "WriteProgress", "WriteVerboseLine",
	"WriteWarningLine", "Prompt", "PromptForCredential1",
	"PromptForCredential2", "PromptForChoice", "GetForegroundColor",
	"SetForegroundColor", "GetBackgroundColor", "SetBackgroundColor",
	"GetCursorPosition", "SetCursorPosition", "GetWindowPosition",
	"SetWindowPosition", "GetCursorSize", "SetCursorSize",
	"GetBufferSize", "SetBufferSize", "GetWindowSize", "SetWindowSize",
	"GetWindowTitle", "SetWindowTitle", "GetMaxWindowSize",
	"GetMaxPhysicalWindowSize", "GetKeyAvailable", "ReadKey",
	"FlushInputBuffer", "SetBufferContents1", "SetBufferContents2",
	"GetBufferContents", "ScrollBufferContents", "PushRunspace",
	"PopRunspace", "GetIsRunspacePushed", "GetRunspace",
	"PromptForChoiceMultipleSelection",
};

static const char *const categories[PSRP_ERR_CATEGORY_MAX + 1] = {
	"NotSpecified", "OpenError", "CloseError", "DeviceError",
	"DeadlockDetected", "InvalidArgument", "InvalidData",
	"InvalidOperation", "InvalidResult", "InvalidType", "MetadataError",
	"NotImplemented", "NotInstalled", "ObjectNotFound",
	"OperationStopped", "OperationTimeout", "SyntaxError", "ParserError",
	"PermissionDenied", "ResourceBusy", "ResourceExists",
	"ResourceUnavailable", "ReadError", "WriteError", "FromStdErr",
	"SecurityError", "ProtocolError", "ConnectionError",
	"AuthenticationError", "LimitsExceeded", "QuotaExceeded",
	"NotEnabled",
};

const char *
psrp_host_method_name(int id)
{
	if (id < 1 || id > PSRP_HOST_METHOD_MAX)
		return NULL;
	return host_methods[id];
}

bool
psrp_host_method_is_void(int id)
{
	static const char *const prefixes[] = { "Set", "Write", "Notify",
	    "Enter", "Exit", "Flush", "Scroll", "Push", "Pop" };
	const char *name = psrp_host_method_name(id);

	if (name == NULL)
		return false;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

const char *
psrp_error_category_name(int category)
{
	if (category < 0 || category > PSRP_ERR_CATEGORY_MAX)
		return NULL;
	return categories[category];
}

/* an object whose properties are all extended (MS), no type names */
static struct clixml_value *
ms_obj(void)
{
	return clixml_new_obj(NULL, CLIXML_COLL_NONE);
}

struct clixml_value *
psrp_new_arraylist(void)
{
	return clixml_new_obj(tn_arraylist, CLIXML_COLL_LST);
}

struct clixml_value *
psrp_build_capability(void)
{
	struct clixml_value *v = ms_obj();

	clixml_obj_add_ms(v, "PSVersion", clixml_new_text(CLIXML_VERSION,
	    "2.0"));
	clixml_obj_add_ms(v, "protocolversion",
	    clixml_new_text(CLIXML_VERSION, "2.3"));
	clixml_obj_add_ms(v, "SerializationVersion",
	    clixml_new_text(CLIXML_VERSION, "1.1.0.1"));
	return v;
}

struct clixml_value *
psrp_build_app_private_data(const struct psrp_server_info *si)
{
	static const char *const compatible[] = { "1.0", "2.0", "3.0", "4.0",
	    "5.0", "5.1" };
	struct clixml_value *v = ms_obj(), *apd, *table, *compat;
	const char *ps_version = si != NULL && si->si_ps_version != NULL ?
	    si->si_ps_version : "5.1";
	const char *edition = si != NULL && si->si_ps_edition != NULL ?
	    si->si_ps_edition : "winrmd";

	apd = clixml_new_obj(tn_primitive_dict, CLIXML_COLL_DCT);
	table = clixml_new_obj(tn_primitive_dict, CLIXML_COLL_DCT);
	compat = clixml_new_obj(tn_version_array, CLIXML_COLL_LST);
	for (size_t i = 0; i < sizeof(compatible) / sizeof(compatible[0]); i++)
		clixml_list_add(compat, clixml_new_text(CLIXML_VERSION,
		    compatible[i]));
	clixml_dict_add_str(table, "PSVersion",
	    clixml_new_text(CLIXML_VERSION, ps_version));
	clixml_dict_add_str(table, "PSEdition", clixml_new_string(edition));
	clixml_dict_add_str(table, "PSCompatibleVersions", compat);
	clixml_dict_add_str(table, "Platform", clixml_new_string("Unix"));
	if (si != NULL && si->si_os != NULL)
		clixml_dict_add_str(table, "OS", clixml_new_string(si->si_os));
	if (si != NULL && si->si_build != NULL)
		clixml_dict_add_str(table, "GitCommitId",
		    clixml_new_string(si->si_build));
	clixml_dict_add_str(table, "WSManStackVersion",
	    clixml_new_text(CLIXML_VERSION, "3.0"));
	clixml_dict_add_str(table, "PSRemotingProtocolVersion",
	    clixml_new_text(CLIXML_VERSION, "2.3"));
	clixml_dict_add_str(table, "SerializationVersion",
	    clixml_new_text(CLIXML_VERSION, "1.1.0.1"));
	clixml_dict_add_str(apd, "PSVersionTable", table);
	clixml_obj_add_ms(v, "ApplicationPrivateData", apd);
	return v;
}

static struct clixml_value *
state_msg(const char *name, int state, struct clixml_value *error)
{
	struct clixml_value *v = ms_obj();

	clixml_obj_add_ms(v, name, clixml_new_i32(state));
	if (error != NULL)
		clixml_obj_add_ms(v, "ExceptionAsErrorRecord", error);
	return v;
}

struct clixml_value *
psrp_build_pool_state(int state, struct clixml_value *error)
{
	return state_msg("RunspaceState", state, error);
}

struct clixml_value *
psrp_build_pipeline_state(int state, struct clixml_value *error)
{
	return state_msg("PipelineState", state, error);
}

struct clixml_value *
psrp_build_pool_init_data(int32_t min, int32_t max)
{
	struct clixml_value *v = ms_obj();

	clixml_obj_add_ms(v, "MinRunspaces", clixml_new_i32(min));
	clixml_obj_add_ms(v, "MaxRunspaces", clixml_new_i32(max));
	return v;
}

static struct clixml_value *
availability(int64_t ci, struct clixml_value *answer)
{
	struct clixml_value *v = ms_obj();

	clixml_obj_add_ms(v, "SetMinMaxRunspacesResponse", answer);
	clixml_obj_add_ms(v, "ci", clixml_new_i64(ci));
	return v;
}

struct clixml_value *
psrp_build_availability_bool(int64_t ci, bool ok)
{
	return availability(ci, clixml_new_bool(ok));
}

struct clixml_value *
psrp_build_availability_count(int64_t ci, int64_t count)
{
	return availability(ci, clixml_new_i64(count));
}

static const char *
short_name(const char *type)
{
	const char *dot = strrchr(type, '.');

	return dot != NULL ? dot + 1 : type;
}

static struct clixml_value *
opt_string(const char *s)
{
	return clixml_new_string(s != NULL ? s : "");
}

struct clixml_value *
psrp_build_error_record(const struct psrp_error *e)
{
	const char *const *xt = e->pe_exception_types != NULL &&
	    e->pe_exception_types[0] != NULL ? e->pe_exception_types :
	    tn_runtime_exception;
	const char *types[16];
	const char *message = e->pe_message != NULL ? e->pe_message : "";
	const char *reason = e->pe_reason != NULL ? e->pe_reason :
	    short_name(xt[0]);
	const char *catname = psrp_error_category_name(e->pe_category);
	struct clixml_value *rec, *ex, *ms;
	size_t n = 0;
	char *s;

	/* the exception's types, then System.Exception and System.Object */
	for (; xt[n] != NULL && n < 13; n++)
		types[n] = xt[n];
	types[n++] = "System.Exception";
	types[n++] = "System.Object";
	types[n] = NULL;
	ex = clixml_new_obj(types, CLIXML_COLL_NONE);
	if (asprintf(&s, "%s: %s", xt[0], message) >= 0) {
		clixml_obj_set_tostring(ex, s);
		free(s);
	} else
		clixml_obj_add_ms(ex, "", NULL);	/* marks it failed */
	clixml_obj_add_prop(ex, "Message", clixml_new_string(message));
	clixml_obj_add_prop(ex, "Data", clixml_new_obj(tn_exception_data,
	    CLIXML_COLL_DCT));
	clixml_obj_add_prop(ex, "InnerException", clixml_new_nil());
	clixml_obj_add_prop(ex, "TargetSite", clixml_new_nil());
	clixml_obj_add_prop(ex, "StackTrace", clixml_new_nil());
	clixml_obj_add_prop(ex, "HelpLink", clixml_new_nil());
	clixml_obj_add_prop(ex, "Source", clixml_new_nil());
	clixml_obj_add_prop(ex, "HResult", clixml_new_i32(e->pe_hresult != 0 ?
	    e->pe_hresult : DEFAULT_HRESULT));

	rec = clixml_new_obj(tn_error_record, CLIXML_COLL_NONE);
	/* ToString: what PowerShell shows, ErrorDetails' message first */
	clixml_obj_set_tostring(rec, e->pe_details_message != NULL ?
	    e->pe_details_message : message);
	ms = rec;
	clixml_obj_add_ms(ms, "Exception", ex);
	clixml_obj_add_ms(ms, "TargetObject", e->pe_target_object != NULL ?
	    e->pe_target_object : clixml_new_nil());
	clixml_obj_add_ms(ms, "FullyQualifiedErrorId", clixml_new_string(
	    e->pe_fqid != NULL ? e->pe_fqid : reason));
	clixml_obj_add_ms(ms, "InvocationInfo", clixml_new_nil());
	clixml_obj_add_ms(ms, "ErrorCategory_Category",
	    clixml_new_i32(catname != NULL ? e->pe_category : 0));
	clixml_obj_add_ms(ms, "ErrorCategory_Activity",
	    opt_string(e->pe_activity));
	clixml_obj_add_ms(ms, "ErrorCategory_Reason", opt_string(reason));
	clixml_obj_add_ms(ms, "ErrorCategory_TargetName",
	    opt_string(e->pe_target_name));
	clixml_obj_add_ms(ms, "ErrorCategory_TargetType",
	    opt_string(e->pe_target_type));
	/*
	 * ErrorCategoryInfo.GetMessage():
	 * "Category: (Name:Type) [Activity], Reason"
	 */
	if (asprintf(&s, "%s: (%s:%s) [%s], %s", catname != NULL ? catname :
	    "NotSpecified", e->pe_target_name != NULL ? e->pe_target_name : "",
	    e->pe_target_type != NULL ? e->pe_target_type : "",
	    e->pe_activity != NULL ? e->pe_activity : "", reason) >= 0) {
		clixml_obj_add_ms(ms, "ErrorCategory_Message",
		    clixml_new_string(s));
		free(s);
	} else
		clixml_obj_add_ms(ms, "ErrorCategory_Message", NULL);
	clixml_obj_add_ms(ms, "SerializeExtendedInfo", clixml_new_bool(false));
	if (e->pe_details_message != NULL)
		clixml_obj_add_ms(ms, "ErrorDetails_Message",
		    clixml_new_string(e->pe_details_message));
	if (e->pe_recommended_action != NULL)
		clixml_obj_add_ms(ms, "ErrorDetails_RecommendedAction",
		    clixml_new_string(e->pe_recommended_action));
	if (e->pe_script_stack_trace != NULL)
		clixml_obj_add_ms(ms, "ErrorDetails_ScriptStackTrace",
		    clixml_new_string(e->pe_script_stack_trace));
	return rec;
}

struct clixml_value *
psrp_build_stopped_error(void)
{
	struct psrp_error e = {
		.pe_message = "The pipeline has been stopped.",
		.pe_exception_types = tn_stopped_exception,
		.pe_fqid = "PipelineStopped",
		.pe_category = PSRP_ERR_OPERATION_STOPPED,
	};

	return psrp_build_error_record(&e);
}

struct clixml_value *
psrp_build_informational(uint32_t type, const char *message)
{
	const char *types[] = { NULL,
	    "System.Management.Automation.InformationalRecord",
	    "System.Object", NULL };
	struct clixml_value *v;

	switch (type) {
	case PSRP_WARNING_RECORD:
		types[0] = "System.Management.Automation.WarningRecord";
		break;
	case PSRP_VERBOSE_RECORD:
		types[0] = "System.Management.Automation.VerboseRecord";
		break;
	case PSRP_DEBUG_RECORD:
		types[0] = "System.Management.Automation.DebugRecord";
		break;
	default:
		return NULL;
	}
	v = clixml_new_obj(types, CLIXML_COLL_NONE);
	clixml_obj_set_tostring(v, message);
	clixml_obj_add_ms(v, "InformationalRecord_Message",
	    clixml_new_string(message));
	clixml_obj_add_ms(v, "InformationalRecord_SerializeInvocationInfo",
	    clixml_new_bool(false));
	return v;
}

struct clixml_value *
psrp_build_console_color(int color)
{
	if (color < 0 || color > 15)
		return clixml_new_nil();
	return clixml_new_enum(tn_console_color, color, console_colors[color]);
}

int
psrp_console_color_parse(const char *s)
{
	char *end;
	long n;

	for (int i = 0; i < 16; i++)
		if (strcasecmp(s, console_colors[i]) == 0)
			return i;
	n = strtol(s, &end, 10);
	return *s != '\0' && *end == '\0' && n >= 0 && n <= 15 ? (int)n : -1;
}

struct clixml_value *
psrp_build_host_information(const char *message, bool no_newline, int fg,
    int bg)
{
	struct clixml_value *v = clixml_new_obj(tn_host_info_msg,
	    CLIXML_COLL_NONE);

	clixml_obj_set_tostring(v, message);
	clixml_obj_add_prop(v, "Message", clixml_new_string(message));
	clixml_obj_add_prop(v, "NoNewLine", clixml_new_bool(no_newline));
	clixml_obj_add_prop(v, "ForegroundColor", psrp_build_console_color(fg));
	clixml_obj_add_prop(v, "BackgroundColor", psrp_build_console_color(bg));
	return v;
}

struct clixml_value *
psrp_build_information(struct clixml_value *data, const char *source,
    const char *const *tags, struct clixml_value *time, const char *user,
    const char *computer, uint32_t pid)
{
	struct clixml_value *v = ms_obj(), *tl = psrp_new_arraylist();

	for (size_t i = 0; tags != NULL && tags[i] != NULL; i++)
		clixml_list_add(tl, clixml_new_string(tags[i]));
	clixml_obj_add_ms(v, "MessageData", data != NULL ? data :
	    clixml_new_nil());
	clixml_obj_add_ms(v, "Source", opt_string(source));
	clixml_obj_add_ms(v, "TimeGenerated", time != NULL ? time :
	    clixml_new_nil());
	clixml_obj_add_ms(v, "Tags", tl);
	clixml_obj_add_ms(v, "User", opt_string(user));
	clixml_obj_add_ms(v, "Computer", opt_string(computer));
	clixml_obj_add_ms(v, "ProcessId", clixml_new_uint(CLIXML_U32, pid));
	clixml_obj_add_ms(v, "NativeThreadId",
	    clixml_new_uint(CLIXML_U32, pid));
	clixml_obj_add_ms(v, "ManagedThreadId", clixml_new_uint(CLIXML_U32, 0));
	return v;
}

struct clixml_value *
psrp_build_progress(const char *activity, int32_t activity_id,
    const char *status, const char *current_op, int32_t parent_id,
    int32_t percent, int32_t seconds_remaining, int type)
{
	struct clixml_value *v = ms_obj();

	clixml_obj_add_ms(v, "Activity", opt_string(activity));
	clixml_obj_add_ms(v, "ActivityId", clixml_new_i32(activity_id));
	/* PowerShell refuses an empty status: a space, as Windows sends */
	clixml_obj_add_ms(v, "StatusDescription", clixml_new_string(
	    status != NULL && status[0] != '\0' ? status : " "));
	clixml_obj_add_ms(v, "CurrentOperation", clixml_new_string(current_op));
	clixml_obj_add_ms(v, "ParentActivityId", clixml_new_i32(parent_id));
	clixml_obj_add_ms(v, "PercentComplete", clixml_new_i32(percent));
	clixml_obj_add_ms(v, "Type", clixml_new_enum(tn_progress_type,
	    type == 1 ? 1 : 0, type == 1 ? "Completed" : "Processing"));
	clixml_obj_add_ms(v, "SecondsRemaining",
	    clixml_new_i32(seconds_remaining));
	return v;
}

struct clixml_value *
psrp_build_host_call(int64_t ci, int method, struct clixml_value *params)
{
	struct clixml_value *v = ms_obj();
	const char *name = psrp_host_method_name(method);

	if (name == NULL) {
		clixml_unref(params);
		clixml_unref(v);
		return NULL;
	}
	clixml_obj_add_ms(v, "ci", clixml_new_i64(ci));
	clixml_obj_add_ms(v, "mi", clixml_new_enum(tn_host_method, method,
	    name));
	clixml_obj_add_ms(v, "mp", params != NULL ? params :
	    psrp_new_arraylist());
	return v;
}

struct clixml_value *
psrp_build_encrypted_session_key(const char *b64)
{
	struct clixml_value *v = ms_obj();

	clixml_obj_add_ms(v, "EncryptedSessionKey", clixml_new_string(b64));
	return v;
}

struct clixml_value *
psrp_build_public_key_request(void)
{
	/* 2.2.2.5: an empty string */
	return clixml_new_string("");
}
