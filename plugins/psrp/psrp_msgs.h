/*
 * psrp_msgs.h: the PSRP messages a server handles and sends (MS-PSRP
 * 2.2.2, 2.2.3) as CLIXML value trees (clixml.h).  The parsers read what
 * clients send and borrow from the tree they are given (strings and
 * values stay valid while the caller holds the tree); the builders return
 * a new tree for clixml_write() and psrp_msg_encode().
 */
#ifndef WINRMD_PSRP_MSGS_H
#define WINRMD_PSRP_MSGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clixml.h"

/* RunspacePoolState (MS-PSRP 2.2.3.4) */
enum psrp_pool_state {
	PSRP_POOL_BEFORE_OPEN = 0,
	PSRP_POOL_OPENING = 1,
	PSRP_POOL_OPENED = 2,
	PSRP_POOL_CLOSED = 3,
	PSRP_POOL_CLOSING = 4,
	PSRP_POOL_BROKEN = 5,
	PSRP_POOL_NEGOTIATION_SENT = 6,
	PSRP_POOL_NEGOTIATION_SUCCEEDED = 7,
	PSRP_POOL_CONNECTING = 8,
	PSRP_POOL_DISCONNECTED = 9,
};

/* PSInvocationState (MS-PSRP 2.2.3.5) */
enum psrp_pipeline_state {
	PSRP_PIPELINE_NOT_STARTED = 0,
	PSRP_PIPELINE_RUNNING = 1,
	PSRP_PIPELINE_STOPPING = 2,
	PSRP_PIPELINE_STOPPED = 3,
	PSRP_PIPELINE_COMPLETED = 4,
	PSRP_PIPELINE_FAILED = 5,
	PSRP_PIPELINE_DISCONNECTED = 6,
};

/* ErrorCategory (MS-PSRP 2.2.3.9) */
enum psrp_error_category {
	PSRP_ERR_NOT_SPECIFIED = 0,
	PSRP_ERR_INVALID_ARGUMENT = 5,
	PSRP_ERR_INVALID_OPERATION = 7,
	PSRP_ERR_NOT_IMPLEMENTED = 11,
	PSRP_ERR_OBJECT_NOT_FOUND = 13,
	PSRP_ERR_OPERATION_STOPPED = 14,
	PSRP_ERR_OPERATION_TIMEOUT = 15,
	PSRP_ERR_PARSER_ERROR = 17,
	PSRP_ERR_PERMISSION_DENIED = 18,
	PSRP_ERR_RESOURCE_UNAVAILABLE = 21,
	PSRP_ERR_FROM_STDERR = 24,
	PSRP_ERR_LIMITS_EXCEEDED = 29,
	PSRP_ERR_QUOTA_EXCEEDED = 30,
	PSRP_ERR_NOT_ENABLED = 31,
	PSRP_ERR_CATEGORY_MAX = 31,
};

/* RemoteHostMethodId (MS-PSRP 2.2.3.17): the ones a server calls */
enum psrp_host_method {
	PSRP_HOST_SET_SHOULD_EXIT = 6,
	PSRP_HOST_READ_LINE = 11,
	PSRP_HOST_READ_LINE_AS_SECURE_STRING = 12,
	PSRP_HOST_WRITE1 = 13,
	PSRP_HOST_WRITE2 = 14,
	PSRP_HOST_WRITE_LINE1 = 15,
	PSRP_HOST_WRITE_LINE2 = 16,
	PSRP_HOST_WRITE_LINE3 = 17,
	PSRP_HOST_WRITE_ERROR_LINE = 18,
	PSRP_HOST_WRITE_DEBUG_LINE = 19,
	PSRP_HOST_WRITE_PROGRESS = 20,
	PSRP_HOST_WRITE_VERBOSE_LINE = 21,
	PSRP_HOST_WRITE_WARNING_LINE = 22,
	PSRP_HOST_PROMPT = 23,
	PSRP_HOST_PROMPT_FOR_CHOICE = 26,
	PSRP_HOST_SET_WINDOW_TITLE = 42,
	PSRP_HOST_METHOD_MAX = 56,
};
/* A void method's call id (PowerShell's ServerDispatchTable.VoidCallId) */
#define PSRP_VOID_CALL_ID	(-100)

/* "SetShouldExit", or NULL if id is not a method */
const char	*psrp_host_method_name(int id);
/* whether the method returns nothing (its call carries PSRP_VOID_CALL_ID) */
bool		 psrp_host_method_is_void(int id);
/* "NotSpecified", or NULL */
const char	*psrp_error_category_name(int category);

/* ------------------------------------------------ what clients send */

/* SESSION_CAPABILITY (2.2.2.1): the versions, as their text */
struct psrp_capability {
	const char	*pc_ps_version;
	const char	*pc_protocol_version;
	const char	*pc_serialization_version;
};
int	psrp_parse_capability(const struct clixml_value *v,
	    struct psrp_capability *ret, char *err, size_t errlen);
/*
 * Compares two version texts ("2.3" and "2.10"): <0, 0, >0; a text that
 * is not a version sorts first.
 */
int	psrp_version_cmp(const char *a, const char *b);

/* HostInfo (2.2.3.14) */
struct psrp_host_info {
	bool			 ph_is_host_null;
	bool			 ph_is_ui_null;
	bool			 ph_is_rawui_null;
	bool			 ph_use_runspace_host;
	const struct clixml_value *ph_default_data;	/* _hostDefaultData */
};

/* INIT_RUNSPACEPOOL (2.2.2.2) */
struct psrp_init_pool {
	int32_t			 pi_min_runspaces;
	int32_t			 pi_max_runspaces;
	int32_t			 pi_thread_options;	/* PSThreadOptions */
	int32_t			 pi_apartment_state;	/* ApartmentState */
	struct psrp_host_info	 pi_host;
	const struct clixml_value *pi_app_args;		/* a DCT, or NULL */
};
int	psrp_parse_init_pool(const struct clixml_value *v,
	    struct psrp_init_pool *ret, char *err, size_t errlen);

/* CONNECT_RUNSPACEPOOL (2.2.2.32): both -1 when the client sent none */
struct psrp_connect_pool {
	int32_t	pc_min_runspaces;
	int32_t	pc_max_runspaces;
};
int	psrp_parse_connect_pool(const struct clixml_value *v,
	    struct psrp_connect_pool *ret, char *err, size_t errlen);

/*
 * SET_MAX_RUNSPACES, SET_MIN_RUNSPACES (2.2.2.6, 2.2.2.7: the count and
 * the call id), GET_AVAILABLE_RUNSPACES and RESET_RUNSPACE_STATE
 * (2.2.2.11, 2.2.2.31: the call id; *ret_count untouched).  type is the
 * message type; ret_count may be NULL for the last two.
 */
int	psrp_parse_runspace_call(const struct clixml_value *v, uint32_t type,
	    int32_t *ret_count, int64_t *ret_ci, char *err, size_t errlen);

/* PUBLIC_KEY (2.2.2.3): the base64 text of the client's key blob */
int	psrp_parse_public_key(const struct clixml_value *v,
	    const char **ret_b64, char *err, size_t errlen);

/* RUNSPACEPOOL_HOST_RESPONSE, PIPELINE_HOST_RESPONSE (2.2.2.16, 2.2.2.28) */
struct psrp_host_response {
	int64_t			 hr_ci;
	int32_t			 hr_mi;
	const struct clixml_value *hr_mr;	/* the return value, or NULL */
	const struct clixml_value *hr_me;	/* an ErrorRecord, or NULL */
};
int	psrp_parse_host_response(const struct clixml_value *v,
	    struct psrp_host_response *ret, char *err, size_t errlen);

/* An argument of a command: N (NULL for a positional one) and V. */
struct psrp_arg {
	const char		*pa_name;
	const struct clixml_value *pa_value;
};

/* PipelineResultTypes (2.2.3.31) of the Merge* fields; -1 when absent */
enum psrp_merge {
	PSRP_MERGE_MY, PSRP_MERGE_TO, PSRP_MERGE_PREVIOUS, PSRP_MERGE_ERROR,
	PSRP_MERGE_WARNING, PSRP_MERGE_VERBOSE, PSRP_MERGE_DEBUG,
	PSRP_MERGE_INFORMATION, PSRP_MERGE_COUNT,
};

/* A command of a statement (2.2.3.12) */
struct psrp_cmd {
	const char		*pc_cmd;	/* a name, or script text */
	bool			 pc_is_script;
	int			 pc_use_local_scope;	/* -1 (Nil), 0, 1 */
	int32_t			 pc_merge[PSRP_MERGE_COUNT];
	struct psrp_arg		*pc_args;
	size_t			 pc_nargs;
};

/* A statement: commands piped into each other */
struct psrp_statement {
	struct psrp_cmd		*ps_cmds;
	size_t			 ps_ncmds;
};

/* CREATE_PIPELINE (2.2.2.10) */
struct psrp_pipeline {
	bool			 pp_no_input;
	bool			 pp_add_to_history;
	bool			 pp_is_nested;
	/* RedirectShellErrorOutputPipe */
	bool			 pp_redirect_shell_error;
	int32_t			 pp_apartment_state;
	int32_t			 pp_remote_stream_options;
	const char		*pp_history;	/* or NULL */
	struct psrp_host_info	 pp_host;
	/* the statements: Cmds alone, or the Cmds of each ExtraCmds entry
	 * (PowerShell's AddStatement(); empty ones dropped) */
	struct psrp_statement	*pp_statements;
	size_t			 pp_nstatements;
};
/*
 * Fills *ret; psrp_pipeline_clear() frees what it allocated (the arrays),
 * also after a failure.  A pipeline without a command is refused.
 */
int	psrp_parse_pipeline(const struct clixml_value *v,
	    struct psrp_pipeline *ret, char *err, size_t errlen);
void	psrp_pipeline_clear(struct psrp_pipeline *p);

/* ------------------------------------------------ what a server sends */

/*
 * SESSION_CAPABILITY: PSVersion 2.0, protocolversion 2.3,
 * SerializationVersion 1.1.0.1
 */
struct clixml_value *psrp_build_capability(void);

/*
 * APPLICATION_PRIVATE_DATA (2.2.2.13): a PSPrimitiveDictionary with the
 * PSVersionTable; NULL fields take the defaults of docs/PSRP.md.
 */
struct psrp_server_info {
	const char	*si_ps_version;		/* "5.1" */
	const char	*si_ps_edition;		/* "winrmd" */
	const char	*si_os;			/* "Linux 6.1.0"; NULL: none */
	const char	*si_build;		/* winrmd's version (GitCommitId) */
};
struct clixml_value *psrp_build_app_private_data(
	    const struct psrp_server_info *si);

/* RUNSPACEPOOL_STATE (2.2.2.9); error (taken over) may be NULL */
struct clixml_value *psrp_build_pool_state(int state,
	    struct clixml_value *error);
/* RUNSPACEPOOL_INIT_DATA (2.2.2.30) */
struct clixml_value *psrp_build_pool_init_data(int32_t min, int32_t max);
/*
 * RUNSPACE_AVAILABILITY (2.2.2.8): the answer to SET_MAX/MIN_RUNSPACES and
 * RESET_RUNSPACE_STATE (a boolean) or to GET_AVAILABLE_RUNSPACES (a count).
 */
struct clixml_value *psrp_build_availability_bool(int64_t ci, bool ok);
struct clixml_value *psrp_build_availability_count(int64_t ci,
	    int64_t count);
/* PIPELINE_STATE (2.2.2.21); error (taken over) for Stopped and Failed */
struct clixml_value *psrp_build_pipeline_state(int state,
	    struct clixml_value *error);

/* An ErrorRecord (2.2.3.15) as PowerShell serialises one. */
struct psrp_error {
	const char		*pe_message;		/* Exception.Message */
	/* the exception's type names, most derived first, without
	 * System.Exception and System.Object (added); NULL-terminated, or
	 * NULL for System.Management.Automation.RuntimeException */
	const char *const	*pe_exception_types;
	/* 0: -2146233087, what Windows sends for script errors */
	int32_t			 pe_hresult;
	const char		*pe_fqid;		/* FullyQualifiedErrorId */
	int			 pe_category;		/* enum psrp_error_category */
	const char		*pe_activity;		/* or NULL */
	/* NULL: the exception's short type name */
	const char		*pe_reason;
	const char		*pe_target_name;	/* or NULL */
	const char		*pe_target_type;	/* or NULL */
	struct clixml_value	*pe_target_object;	/* taken over; NULL: Nil */
	/* ErrorDetails.Message, or NULL */
	const char		*pe_details_message;
	const char		*pe_recommended_action;	/* or NULL */
	const char		*pe_script_stack_trace;	/* or NULL */
};
struct clixml_value *psrp_build_error_record(const struct psrp_error *e);
/* The ErrorRecord of a stopped pipeline (PipelineStoppedException). */
struct clixml_value *psrp_build_stopped_error(void);

/* WARNING_RECORD, VERBOSE_RECORD, DEBUG_RECORD (2.2.2.22-24) by type */
struct clixml_value *psrp_build_informational(uint32_t type,
	    const char *message);
/*
 * INFORMATION_RECORD (2.2.2.26): data (taken over; a string or a
 * HostInformationMessage), its source, tags (NULL-terminated or NULL),
 * the moment (a DT value, taken over; NULL: none), user, computer, pid.
 */
struct clixml_value *psrp_build_information(struct clixml_value *data,
	    const char *source, const char *const *tags,
	    struct clixml_value *time, const char *user, const char *computer,
	    uint32_t pid);
/*
 * The HostInformationMessage Write-Host puts in an information record;
 * fg and bg are System.ConsoleColor values, -1 for none (Nil).
 */
struct clixml_value *psrp_build_host_information(const char *message,
	    bool no_newline, int fg, int bg);
/* a System.ConsoleColor (0 Black ... 15 White), Nil when out of range */
struct clixml_value *psrp_build_console_color(int color);
/* a ConsoleColor's name (any case) or number: its value, or -1 */
int	psrp_console_color_parse(const char *s);
/*
 * PROGRESS_RECORD (2.2.2.25); current_op may be NULL; type 0 is
 * Processing, 1 Completed
 */
struct clixml_value *psrp_build_progress(const char *activity,
	    int32_t activity_id, const char *status, const char *current_op,
	    int32_t parent_id, int32_t percent, int32_t seconds_remaining,
	    int type);
/*
 * RUNSPACEPOOL_HOST_CALL, PIPELINE_HOST_CALL (2.2.2.15, 2.2.2.27): call
 * id, method, parameters (a list taken over, or NULL for none).
 */
struct clixml_value *psrp_build_host_call(int64_t ci, int method,
	    struct clixml_value *params);
/* ENCRYPTED_SESSION_KEY (2.2.2.4): base64 of the SIMPLEBLOB */
struct clixml_value *psrp_build_encrypted_session_key(const char *b64);
/* PUBLIC_KEY_REQUEST (2.2.2.5) */
struct clixml_value *psrp_build_public_key_request(void);
/* An ArrayList (a LST with its type names), empty */
struct clixml_value *psrp_new_arraylist(void);

#endif
