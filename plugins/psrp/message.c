/*
 * message.c: the PSRP message header (MS-PSRP 2.2.1): little-endian
 * destination and type, then the RunspacePool and pipeline GUIDs as .NET
 * writes them (Guid.ToByteArray: Data1, Data2 and Data3 little-endian),
 * then the CLIXML.  GUID text goes through libuuid.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uuid/uuid.h>

#include "bytes.h"
#include "message.h"

static const uint8_t utf8_bom[3] = { 0xEF, 0xBB, 0xBF };

void
psrp_guid_to_wire(const struct psrp_guid *g, uint8_t out[16])
{
	static const uint8_t order[16] = { 3, 2, 1, 0, 5, 4, 7, 6,
	    8, 9, 10, 11, 12, 13, 14, 15 };

	for (int i = 0; i < 16; i++)
		out[i] = g->g[order[i]];
}

void
psrp_guid_from_wire(const uint8_t in[16], struct psrp_guid *ret)
{
	/* the permutation is its own inverse */
	psrp_guid_to_wire((const struct psrp_guid *)(const void *)in,
	    ret->g);
}

bool
psrp_guid_is_nil(const struct psrp_guid *g)
{
	for (int i = 0; i < 16; i++)
		if (g->g[i] != 0)
			return false;
	return true;
}

bool
psrp_guid_equal(const struct psrp_guid *a, const struct psrp_guid *b)
{
	return memcmp(a->g, b->g, 16) == 0;
}

int
psrp_guid_parse(const char *text, struct psrp_guid *ret)
{
	char buf[37];
	size_t len;

	if (strncasecmp(text, "uuid:", 5) == 0)
		text += 5;
	len = strlen(text);
	if (len == 38 && text[0] == '{' && text[37] == '}') {
		text++;
		len = 36;
	}
	if (len != 36)
		return -1;
	memcpy(buf, text, 36);
	buf[36] = '\0';
	return uuid_parse(buf, ret->g) == 0 ? 0 : -1;
}

void
psrp_guid_format(const struct psrp_guid *g, bool upper, char out[37])
{
	if (upper)
		uuid_unparse_upper(g->g, out);
	else
		uuid_unparse_lower(g->g, out);
}

int
psrp_msg_decode(const uint8_t *buf, size_t len, struct psrp_msg *ret)
{
	if (len < PSRP_MSG_HEADER)
		return -1;
	ret->pm_destination = get_le32(buf);
	ret->pm_type = get_le32(buf + 4);
	psrp_guid_from_wire(buf + 8, &ret->pm_rpid);
	psrp_guid_from_wire(buf + 24, &ret->pm_pid);
	ret->pm_data = buf + PSRP_MSG_HEADER;
	ret->pm_len = len - PSRP_MSG_HEADER;
	if (ret->pm_len >= 3 && memcmp(ret->pm_data, utf8_bom, 3) == 0) {
		ret->pm_data += 3;
		ret->pm_len -= 3;
	}
	return 0;
}

uint8_t *
psrp_msg_encode(uint32_t destination, uint32_t type,
    const struct psrp_guid *rpid, const struct psrp_guid *pid,
    const char *xml, size_t len, bool bom, size_t *ret_len)
{
	static const struct psrp_guid nil;
	size_t head = PSRP_MSG_HEADER + (bom ? 3 : 0);
	uint8_t *out;

	if (len > SIZE_MAX - head || (out = malloc(head + len + 1)) == NULL)
		return NULL;
	put_le32(out, destination);
	put_le32(out + 4, type);
	psrp_guid_to_wire(rpid != NULL ? rpid : &nil, out + 8);
	psrp_guid_to_wire(pid != NULL ? pid : &nil, out + 24);
	if (bom)
		memcpy(out + PSRP_MSG_HEADER, utf8_bom, 3);
	if (len > 0)
		memcpy(out + head, xml, len);
	*ret_len = head + len;
	return out;
}

const char *
psrp_msg_type_name(uint32_t type)
{
	static const struct {
		uint32_t	 type;
		const char	*name;
	} names[] = {
		{ PSRP_SESSION_CAPABILITY, "SESSION_CAPABILITY" },
		{ PSRP_INIT_RUNSPACEPOOL, "INIT_RUNSPACEPOOL" },
		{ PSRP_PUBLIC_KEY, "PUBLIC_KEY" },
		{ PSRP_ENCRYPTED_SESSION_KEY, "ENCRYPTED_SESSION_KEY" },
		{ PSRP_PUBLIC_KEY_REQUEST, "PUBLIC_KEY_REQUEST" },
		{ PSRP_CONNECT_RUNSPACEPOOL, "CONNECT_RUNSPACEPOOL" },
		{ PSRP_RUNSPACEPOOL_INIT_DATA, "RUNSPACEPOOL_INIT_DATA" },
		{ PSRP_RESET_RUNSPACE_STATE, "RESET_RUNSPACE_STATE" },
		{ PSRP_SET_MAX_RUNSPACES, "SET_MAX_RUNSPACES" },
		{ PSRP_SET_MIN_RUNSPACES, "SET_MIN_RUNSPACES" },
		{ PSRP_RUNSPACE_AVAILABILITY, "RUNSPACE_AVAILABILITY" },
		{ PSRP_RUNSPACEPOOL_STATE, "RUNSPACEPOOL_STATE" },
		{ PSRP_CREATE_PIPELINE, "CREATE_PIPELINE" },
		{ PSRP_GET_AVAILABLE_RUNSPACES, "GET_AVAILABLE_RUNSPACES" },
		{ PSRP_USER_EVENT, "USER_EVENT" },
		{ PSRP_APPLICATION_PRIVATE_DATA, "APPLICATION_PRIVATE_DATA" },
		{ PSRP_GET_COMMAND_METADATA, "GET_COMMAND_METADATA" },
		{ PSRP_RUNSPACEPOOL_HOST_CALL, "RUNSPACEPOOL_HOST_CALL" },
		{ PSRP_RUNSPACEPOOL_HOST_RESPONSE, "RUNSPACEPOOL_HOST_RESPONSE" },
		{ PSRP_PIPELINE_INPUT, "PIPELINE_INPUT" },
		{ PSRP_END_OF_PIPELINE_INPUT, "END_OF_PIPELINE_INPUT" },
		{ PSRP_PIPELINE_OUTPUT, "PIPELINE_OUTPUT" },
		{ PSRP_ERROR_RECORD, "ERROR_RECORD" },
		{ PSRP_PIPELINE_STATE, "PIPELINE_STATE" },
		{ PSRP_DEBUG_RECORD, "DEBUG_RECORD" },
		{ PSRP_VERBOSE_RECORD, "VERBOSE_RECORD" },
		{ PSRP_WARNING_RECORD, "WARNING_RECORD" },
		{ PSRP_PROGRESS_RECORD, "PROGRESS_RECORD" },
		{ PSRP_INFORMATION_RECORD, "INFORMATION_RECORD" },
		{ PSRP_PIPELINE_HOST_CALL, "PIPELINE_HOST_CALL" },
		{ PSRP_PIPELINE_HOST_RESPONSE, "PIPELINE_HOST_RESPONSE" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].type == type)
			return names[i].name;
	return NULL;
}
