/*
 * fault.c: the fault table.  Designated initialisers keep the enum and the
 * table together; tests/unit/check_fault.c checks every entry and every
 * subcode against the names in DSP0226 and MS-WSMV.
 */
#include "build.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fault.h"

static const struct fault_def fault_defs[_WINRMD_FAULT_MAX] = {
	[WINRMD_FAULT_ACCESS_DENIED] = { "Sender", FNS_WSMAN, "AccessDenied", 5, 500,
	    "Access is denied." },
	[WINRMD_FAULT_ACTION_NOT_SUPPORTED] = { "Sender", FNS_WSA, "ActionNotSupported", 2150858771u, 500,
	    "The action is not supported by the service." },
	[WINRMD_FAULT_DESTINATION_UNREACHABLE] = { "Sender", FNS_WSA, "DestinationUnreachable", 2150858752u, 500,
	    "The WS-Management service cannot process the request. The resource URI is not supported." },
	[WINRMD_FAULT_ENCODING_LIMIT] = { "Sender", FNS_WSMAN, "EncodingLimit", 2150858805u, 500,
	    "The response that the WS-Management service computed exceeds the maximum envelope size." },
	[WINRMD_FAULT_INTERNAL_ERROR] = { "Receiver", FNS_WSMAN, "InternalError", 2150858755u, 500,
	    "The WS-Management service cannot process the request because of an internal error." },
	[WINRMD_FAULT_INVALID_MESSAGE_INFORMATION_HEADER] = { "Sender", FNS_WSA, "InvalidMessageInformationHeader", 2150858767u, 500,
	    "A message information header is not valid." },
	[WINRMD_FAULT_INVALID_OPTIONS] = { "Sender", FNS_WSMAN, "InvalidOptions", 2150858809u, 500,
	    "One or more options are not valid." },
	[WINRMD_FAULT_INVALID_PARAMETER] = { "Sender", FNS_WSMAN, "InvalidParameter", 2150858810u, 500,
	    "The parameter is incorrect." },
	[WINRMD_FAULT_INVALID_SELECTORS] = { "Sender", FNS_WSMAN, "InvalidSelectors", 2150858813u, 500,
	    "The WS-Management service cannot process the request because the request contained invalid selectors for the resource." },
	[WINRMD_FAULT_INVALID_XML] = { "Sender", FNS_WSMAN, "SchemaValidationError", 2150858819u, 500,
	    "The WS-Management service cannot process the request because the XML is invalid." },
	[WINRMD_FAULT_MESSAGE_INFORMATION_HEADER_REQUIRED] = { "Sender", FNS_WSA, "MessageInformationHeaderRequired", 2150858769u, 500,
	    "A required message information header is missing." },
	[WINRMD_FAULT_MUST_UNDERSTAND] = { "MustUnderstand", FNS_NONE, NULL, 2150858768u, 500,
	    "The WS-Management service cannot process a SOAP header in the request that is marked as mustUnderstand." },
	[WINRMD_FAULT_QUOTA_LIMIT] = { "Sender", FNS_WSMAN, "QuotaLimit", 2150858815u, 500,
	    "The service is busy servicing other requests." },
	[WINRMD_FAULT_QUOTA_MAX_SHELLS] = { "Sender", FNS_WSMAN, "QuotaLimit", 2150859173u, 500,
	    "The WS-Management service cannot process the request. This user is allowed a maximum number of concurrent shells, which has been exceeded." },
	[WINRMD_FAULT_QUOTA_MAX_SHELLUSERS] = { "Sender", FNS_WSMAN, "QuotaLimit", 2150859179u, 500,
	    "The WS-Management service cannot process the request. The maximum number of concurrent shell users has been exceeded." },
	[WINRMD_FAULT_QUOTA_MAX_OPERATIONS] = { "Sender", FNS_WSMAN, "QuotaLimit", 2150859174u, 500,
	    "The WS-Management service cannot process the request. The maximum number of concurrent operations for this user has been exceeded." },
	[WINRMD_FAULT_REMOTESHELLS_NOT_ALLOWED] = { "Receiver", FNS_WSMAN, "InternalError", 2150859180u, 500,
	    "The WS-Management service cannot process the request. The service is configured to not accept any remote shell requests." },
	[WINRMD_FAULT_SCHEMA_VALIDATION] = { "Sender", FNS_WSMAN, "SchemaValidationError", 2150858817u, 500,
	    "The SOAP XML in the message does not match the corresponding XML schema definition." },
	[WINRMD_FAULT_SHELL_NOT_FOUND] = { "Sender", FNS_WSMAN, "InvalidSelectors", 2150858843u, 500,
	    "The request for the Windows Remote Shell with ShellId failed because the shell was not found on the server." },
	[WINRMD_FAULT_TIMED_OUT] = { "Receiver", FNS_WSMAN, "TimedOut", 2150858793u, 500,
	    "The WS-Management service cannot complete the operation within the time specified in OperationTimeout." },
	[WINRMD_FAULT_UNSUPPORTED_FEATURE] = { "Sender", FNS_WSMAN, "UnsupportedFeature", 2150858818u, 500,
	    "The WS-Management service does not support the specified feature." },
	[WINRMD_FAULT_ALREADY_EXISTS] = { "Sender", FNS_WSMAN, "AlreadyExists", 2150858803u, 500,
	    "The resource already exists." },
	[WINRMD_FAULT_CANNOT_PROCESS_FILTER] = { "Sender", FNS_WSEN, "CannotProcessFilter", 2150858778u, 500,
	    "The filter could not be processed." },
	[WINRMD_FAULT_FILTER_DIALECT_UNAVAILABLE] = { "Sender", FNS_WSEN, "FilterDialectRequestedUnavailable", 2150858777u, 500,
	    "The requested filter dialect is not supported." },
	[WINRMD_FAULT_FILTERING_NOT_SUPPORTED] = { "Sender", FNS_WSEN, "FilteringNotSupported", 2150858776u, 500,
	    "Filtered enumeration is not supported." },
	[WINRMD_FAULT_INVALID_ENUMERATION_CONTEXT] = { "Receiver", FNS_WSEN, "InvalidEnumerationContext", 2150858779u, 500,
	    "The enumeration context is not valid: it has expired, was released, or never existed." },
	[WINRMD_FAULT_SERVICE_STOPPING] = { "Receiver", FNS_WSMAN, "InternalError", 2150858755u, 500,
	    "The WS-Management service is stopping." },
	/* ERROR_WSMAN_INVALID_RESOURCE_URI: what Windows answers for a URI
	 * outside its catalog (pypsrp issue 192 records it) */
	[WINRMD_FAULT_INVALID_RESOURCE_URI] = { "Sender", FNS_WSA, "DestinationUnreachable", 2150858811u, 500,
	    "The WS-Management service cannot process the request. The resource URI was not found in the WS-Management catalog.",
	    "InvalidResourceURI" },
	/* ERROR_WSMAN_UNEXPECTED_SELECTORS, _INSUFFCIENT_SELECTORS (sic),
	 * _DUPLICATE_SELECTORS: Windows' code follows the faultDetail */
	[WINRMD_FAULT_UNEXPECTED_SELECTORS] = { "Sender", FNS_WSMAN, "InvalidSelectors", 2150858843u, 500,
	    "The WS-Management service cannot process the request because the request contained invalid selectors for the resource.",
	    "UnexpectedSelectors" },
	[WINRMD_FAULT_INSUFFICIENT_SELECTORS] = { "Sender", FNS_WSMAN, "InvalidSelectors", 2150858842u, 500,
	    "The WS-Management service cannot process the request because the request contained invalid selectors for the resource.",
	    "InsufficientSelectors" },
	[WINRMD_FAULT_DUPLICATE_SELECTORS] = { "Sender", FNS_WSMAN, "InvalidSelectors", 2150858847u, 500,
	    "The WS-Management service cannot process the request because the request contained invalid selectors for the resource.",
	    "DuplicateSelectors" },
	/* ERROR_WINRS_SHELL_DISCONNECTED and _CONNECTED_TO_DIFFERENT_CLIENT:
	 * MS-WSMV 3.1.4.16/17 make both w:InternalError */
	[WINRMD_FAULT_SHELL_DISCONNECTED] = { "Receiver", FNS_WSMAN, "InternalError", 2150859204u, 500,
	    "The WS-Management service cannot process the request because the shell is disconnected." },
	[WINRMD_FAULT_SHELL_CONNECTED] = { "Receiver", FNS_WSMAN, "InternalError", 2150859213u, 500,
	    "The WS-Management service cannot process the request because the shell is connected to a different client." },
};

const struct fault_def *
fault_lookup(enum winrmd_fault code)
{
	if ((unsigned)code >= _WINRMD_FAULT_MAX || fault_defs[code].code == NULL)
		return &fault_defs[WINRMD_FAULT_INTERNAL_ERROR];
	return &fault_defs[code];
}

const char *
fault_ns_uri(enum fault_ns ns)
{
	switch (ns) {
	case FNS_WSA:
		return WINRMD_NS_WSA;
	case FNS_WSMAN:
		return WINRMD_NS_WSMAN;
	case FNS_WSEN:
		return WINRMD_NS_WSEN;
	case FNS_NONE:
		break;
	}
	return NULL;
}

const char *
fault_ns_prefix(enum fault_ns ns)
{
	switch (ns) {
	case FNS_WSA:
		return "a";
	case FNS_WSMAN:
		return "w";
	case FNS_WSEN:
		return "n";
	case FNS_NONE:
		break;
	}
	return NULL;
}

const char *
fault_action(enum winrmd_fault code)
{
	switch (fault_lookup(code)->subcode_ns) {
	case FNS_WSA:
		return FAULT_ACTION_WSA;
	case FNS_WSEN:
		return FAULT_ACTION_WSEN;
	default:
		return FAULT_ACTION_WSMAN;
	}
}

void
fault_vset(struct fault *f, enum winrmd_fault code, const char *detail,
    const char *fmt, va_list ap)
{
	f->code = code;
	if (detail == NULL || detail[0] == '\0')
		detail = fault_lookup(code)->detail;
	snprintf(f->detail, sizeof(f->detail), "%s", detail ? detail : "");
	if (fmt != NULL && fmt[0] != '\0')
		vsnprintf(f->reason, sizeof(f->reason), fmt, ap);
	else
		snprintf(f->reason, sizeof(f->reason), "%s",
		    fault_lookup(code)->reason);
}

void
fault_set(struct fault *f, enum winrmd_fault code, const char *detail,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fault_vset(f, code, detail, fmt, ap);
	va_end(ap);
}
