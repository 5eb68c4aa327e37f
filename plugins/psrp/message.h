/*
 * message.h: PSRP messages (MS-PSRP 2.2.1): the 40-byte header
 * (destination, message type, RunspacePool and pipeline GUIDs) in front of
 * a UTF-8 CLIXML body, the message type constants, and GUIDs as text and
 * in .NET's byte order.
 */
#ifndef WINRMD_PSRP_MESSAGE_H
#define WINRMD_PSRP_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PSRP_MSG_HEADER		40

/* Destination (MS-PSRP 2.2.1) */
#define PSRP_DEST_CLIENT	0x00000001
#define PSRP_DEST_SERVER	0x00000002

/* MessageType (MS-PSRP 2.2.1) */
enum psrp_msg_type {
	PSRP_SESSION_CAPABILITY		= 0x00010002,
	PSRP_INIT_RUNSPACEPOOL		= 0x00010004,
	PSRP_PUBLIC_KEY			= 0x00010005,
	PSRP_ENCRYPTED_SESSION_KEY	= 0x00010006,
	PSRP_PUBLIC_KEY_REQUEST		= 0x00010007,
	PSRP_CONNECT_RUNSPACEPOOL	= 0x00010008,
	PSRP_RUNSPACEPOOL_INIT_DATA	= 0x0002100B,
	PSRP_RESET_RUNSPACE_STATE	= 0x0002100C,
	PSRP_SET_MAX_RUNSPACES		= 0x00021002,
	PSRP_SET_MIN_RUNSPACES		= 0x00021003,
	PSRP_RUNSPACE_AVAILABILITY	= 0x00021004,
	PSRP_RUNSPACEPOOL_STATE		= 0x00021005,
	PSRP_CREATE_PIPELINE		= 0x00021006,
	PSRP_GET_AVAILABLE_RUNSPACES	= 0x00021007,
	PSRP_USER_EVENT			= 0x00021008,
	PSRP_APPLICATION_PRIVATE_DATA	= 0x00021009,
	PSRP_GET_COMMAND_METADATA	= 0x0002100A,
	PSRP_RUNSPACEPOOL_HOST_CALL	= 0x00021100,
	PSRP_RUNSPACEPOOL_HOST_RESPONSE	= 0x00021101,
	PSRP_PIPELINE_INPUT		= 0x00041002,
	PSRP_END_OF_PIPELINE_INPUT	= 0x00041003,
	PSRP_PIPELINE_OUTPUT		= 0x00041004,
	PSRP_ERROR_RECORD		= 0x00041005,
	PSRP_PIPELINE_STATE		= 0x00041006,
	PSRP_DEBUG_RECORD		= 0x00041007,
	PSRP_VERBOSE_RECORD		= 0x00041008,
	PSRP_WARNING_RECORD		= 0x00041009,
	PSRP_PROGRESS_RECORD		= 0x00041010,
	PSRP_INFORMATION_RECORD		= 0x00041011,
	PSRP_PIPELINE_HOST_CALL		= 0x00041100,
	PSRP_PIPELINE_HOST_RESPONSE	= 0x00041101,
};

/* A GUID in the order its text is written (RFC 4122). */
struct psrp_guid {
	uint8_t	g[16];
};

/* A decoded message: data points into the buffer decoded, after any BOM. */
struct psrp_msg {
	uint32_t		 pm_destination;
	uint32_t		 pm_type;
	struct psrp_guid	 pm_rpid;
	struct psrp_guid	 pm_pid;	/* all zero for a pool's message */
	const uint8_t		*pm_data;
	size_t			 pm_len;
};

/*
 * Decodes a whole message (what psrp_defrag_next() returns).  The UTF-8
 * byte order mark Windows puts in front of its CLIXML is skipped; clients
 * send none.  Returns 0, or -1 if buf is shorter than the header.
 */
int		 psrp_msg_decode(const uint8_t *buf, size_t len,
		    struct psrp_msg *ret);

/*
 * Encodes a message: header, the BOM if bom (Windows servers send it),
 * then len bytes of CLIXML.  pid NULL means a pool's message (zero GUID).
 * Returns a malloc'd buffer (the caller frees) and its size in *ret_len,
 * or NULL if out of memory.
 */
uint8_t		*psrp_msg_encode(uint32_t destination, uint32_t type,
		    const struct psrp_guid *rpid, const struct psrp_guid *pid,
		    const char *xml, size_t len, bool bom, size_t *ret_len);

/* The name of a message type ("CREATE_PIPELINE"), or NULL if unknown. */
const char	*psrp_msg_type_name(uint32_t type);

/*
 * GUID text: 36 characters, any case, optionally inside braces or after
 * "uuid:".  Returns 0, or -1 if text is not a GUID.
 */
int		 psrp_guid_parse(const char *text, struct psrp_guid *ret);
/* Writes 36 characters and a NUL into out (upper case if upper). */
void		 psrp_guid_format(const struct psrp_guid *g, bool upper,
		    char out[37]);
/* .NET's byte order (Guid.ToByteArray): the first three fields reversed. */
void		 psrp_guid_to_wire(const struct psrp_guid *g, uint8_t out[16]);
void		 psrp_guid_from_wire(const uint8_t in[16],
		    struct psrp_guid *ret);
bool		 psrp_guid_is_nil(const struct psrp_guid *g);
bool		 psrp_guid_equal(const struct psrp_guid *a,
		    const struct psrp_guid *b);

#endif
