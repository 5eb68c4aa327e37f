/*
 * psrp_host.h: the host calls a PSRP pipeline makes to its client's host
 * (MS-PSRP 2.2.2.27-28, 2.2.3.17), as Windows PowerShell makes them for
 * Write-Host and Read-Host (docs/PSRP.md, "Host calls").  Pure: the calls
 * are built and the responses read here; psrp_pipeline.c queues and
 * routes them.
 */
#ifndef WINRMD_SHELL_PSRP_HOST_H
#define WINRMD_SHELL_PSRP_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clixml.h"
#include "psrp_msgs.h"
#include "session_key.h"

/* a host response (PIPELINE_HOST_RESPONSE's body) is at most this long */
#define PSRP_HOST_RESPONSE_MAX	(1024u * 1024)
/* the call id of a pipeline's Read-Host (one call at a time) */
#define PSRP_HOST_READ_CALL_ID	1

/* a Read-Host the recogniser understood (a plan of it alone) */
struct psrp_read_host {
	char	*prompt;	/* -Prompt's words joined by spaces, or NULL */
	bool	 secure;	/* -AsSecureString */
	bool	 out_string;	/* piped into Out-String: the text */
	bool	 stream;	/* Out-String -Stream: no new line after it */
	int	 method;	/* the call: ReadLine, ...AsSecureString, Prompt */
};

/*
 * 1 when plan (psrp_cmdlet.h) is Read-Host alone, optionally piped into
 * Out-Default, Out-Host or Out-String: *r filled (psrp_read_host_clear);
 * 0 when it is not; -1 out of memory.
 */
int	psrp_read_host_plan(char *const *plan, struct psrp_read_host *r);
void	psrp_read_host_clear(struct psrp_read_host *r);

/*
 * The PIPELINE_HOST_CALL of r with call id ci: ReadLine or
 * ReadLineAsSecureString without a prompt, else Prompt("", "", [a
 * FieldDescription named by the prompt, of type String or SecureString]),
 * as ReadHostCommand calls its host.  NULL when out of memory.
 */
struct clixml_value *psrp_read_host_call(const struct psrp_read_host *r,
	    int64_t ci);

/*
 * The ErrorRecord Read-Host gives in a pipeline without a host (the
 * client gave none: HostInfo's _isHostNull), as PowerShell's
 * HostException "HostFunctionNotImplemented".
 */
struct clixml_value *psrp_read_host_no_ui(const struct psrp_read_host *r);

/*
 * The pipeline's output for the client's answer hr to the call (id ci) of
 * r: 0 and *ret_out (a reference the caller drops) for a value; 1 and
 * *ret_out an ErrorRecord when the host answered with an error (me) or a
 * value of the wrong kind; -1 with err when hr is not the answer to that
 * call (another call id or method).  A SecureString must decrypt with key
 * (NULL: no key exchanged, refused) and goes on as it came, encrypted.
 */
int	psrp_read_host_answer(const struct psrp_read_host *r, int64_t ci,
	    const struct psrp_host_response *hr,
	    const uint8_t *key, struct clixml_value **ret_out, char *err,
	    size_t errlen);

/*
 * The host call Windows makes for a Write-Host record (an
 * INFORMATION_RECORD body whose MessageData is a HostInformationMessage,
 * tag PSHOST) when the pipeline has a host: Write1/WriteLine2 (no
 * colours), Write2/WriteLine3 (colours), NoNewLine choosing Write.  NULL
 * when the record is no Write-Host's (or out of memory).
 */
struct clixml_value *psrp_host_write_call(const char *xml, size_t len);

#endif
