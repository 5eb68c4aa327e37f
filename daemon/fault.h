/*
 * fault.h: the one table of WS-Management faults (docs/PROTOCOL.md Part B §2).
 * A fault is an enum (plugin.h) plus a reason text and an optional
 * faultDetail suffix; soap.c turns it into the envelope, http.c uses the
 * HTTP status.
 */
#ifndef WINRMD_FAULT_H
#define WINRMD_FAULT_H

#include <stdint.h>

#include <winrmd/plugin.h>

#define FAULT_NS_WSMANFAULT	"http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"
#define FAULT_DETAIL_PREFIX	"http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/"
#define FAULT_ACTION_WSMAN	"http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
#define FAULT_ACTION_WSA	"http://schemas.xmlsoap.org/ws/2004/08/addressing/fault"
#define FAULT_ACTION_WSEN	"http://schemas.xmlsoap.org/ws/2004/09/enumeration/fault"

enum fault_ns { FNS_NONE, FNS_WSA, FNS_WSMAN, FNS_WSEN };

struct fault_def {
	const char	*code;		/* SOAP Code value: Sender, Receiver, MustUnderstand */
	enum fault_ns	 subcode_ns;	/* namespace of the Subcode QName */
	const char	*subcode;	/* local name, NULL for none */
	uint32_t	 wsman_code;	/* f:WSManFault Code */
	unsigned	 http_status;
	const char	*reason;	/* default text */
	const char	*detail;	/* faultDetail suffix when none is given */
};

struct fault {
	enum winrmd_fault	 code;
	char			 detail[64];	/* faultDetail suffix or "" */
	char			 reason[512];	/* text for the client */
};

const struct fault_def	*fault_lookup(enum winrmd_fault code);
const char		*fault_ns_uri(enum fault_ns ns);
const char		*fault_ns_prefix(enum fault_ns ns);
const char		*fault_action(enum winrmd_fault code);

void	fault_set(struct fault *f, enum winrmd_fault code, const char *detail,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void	fault_vset(struct fault *f, enum winrmd_fault code, const char *detail,
	    const char *fmt, va_list ap);

#endif
