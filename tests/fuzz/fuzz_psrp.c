/*
 * fuzz_psrp.c: PSRP payloads from a hostile client: fragments,
 * messages and the CLIXML of each message type a server parses.  The
 * input is a series of payloads, each a 2-byte big-endian length and its
 * bytes (the seeds are clients' real payloads, tests/psrp/gen_vectors.py).
 * Nothing crashes, leaks or grows past the defragmenter's bound; every
 * message is fragmented again and reassembled unchanged; a pipeline that
 * parses becomes the shell text the shell plugin would run
 * (plugins/shell/psrp_script.c), SecureStrings included, and goes through
 * evil-winrm-py's recognisers (plugins/shell/psrp_evilwinrm.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clixml.h"
#include "fragment.h"
#include "message.h"
#include "psrp.h"
#include "psrp_evilwinrm.h"
#include "psrp_msgs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BUFFERED	(256 * 1024)

static void
parse(const struct psrp_msg *m, const struct clixml_value *v)
{
	char err[256];
	struct psrp_capability cap;
	struct psrp_init_pool ip;
	struct psrp_connect_pool cp;
	struct psrp_host_response hr;
	struct psrp_pipeline p;
	const char *b64;
	int32_t count;
	int64_t ci;

	switch (m->pm_type) {
	case PSRP_SESSION_CAPABILITY:
		if (psrp_parse_capability(v, &cap, err, sizeof(err)) == 0)
			(void)psrp_version_cmp(cap.pc_protocol_version, "2.2");
		break;
	case PSRP_INIT_RUNSPACEPOOL:
		(void)psrp_parse_init_pool(v, &ip, err, sizeof(err));
		break;
	case PSRP_CONNECT_RUNSPACEPOOL:
		(void)psrp_parse_connect_pool(v, &cp, err, sizeof(err));
		break;
	case PSRP_SET_MAX_RUNSPACES:
	case PSRP_SET_MIN_RUNSPACES:
	case PSRP_GET_AVAILABLE_RUNSPACES:
	case PSRP_RESET_RUNSPACE_STATE:
		(void)psrp_parse_runspace_call(v, m->pm_type, &count, &ci, err,
		    sizeof(err));
		break;
	case PSRP_PUBLIC_KEY:
		(void)psrp_parse_public_key(v, &b64, err, sizeof(err));
		break;
	case PSRP_RUNSPACEPOOL_HOST_RESPONSE:
	case PSRP_PIPELINE_HOST_RESPONSE:
		(void)psrp_parse_host_response(v, &hr, err, sizeof(err));
		break;
	default:
		/* CREATE_PIPELINE, and any other message as if it were one */
		if (psrp_parse_pipeline(v, &p, err, sizeof(err)) == 0) {
			static const uint8_t key[PSRP_SESSION_KEY_LEN];
			struct psrp_script s;

			struct psrp_served sv;

			if (psrp_script_build(&p, key, &s, err, sizeof(err)) == 0)
				psrp_script_free(&s);
			/* and what evil-winrm-py's recognisers make of it */
			if (psrp_evilwinrm_serve(&p, "/home/u", &sv) > 0)
				psrp_served_free(&sv);
		}
		psrp_pipeline_clear(&p);
		break;
	}
}

/* the message cut again into fragments of blob bytes comes back whole */
static void
refragment(const uint8_t *msg, size_t len, size_t blob)
{
	struct psrp_defrag *d = psrp_defrag_new(len + 1);
	size_t flen, olen;
	uint8_t *frags = psrp_frag_all(5, msg, len, blob, &flen), *out;

	if (frags == NULL || d == NULL)
		abort();
	if (psrp_defrag_feed(d, frags, flen) != 0 ||
	    psrp_defrag_next(d, &out, &olen, NULL) != 1 || olen != len ||
	    memcmp(out, msg, len) != 0)
		abort();
	free(out);
	free(frags);
	psrp_defrag_free(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct clixml_limits lim = {
		.max_bytes = MAX_BUFFERED, .max_depth = 64, .max_nodes = 20000,
	};
	struct psrp_defrag *d = psrp_defrag_new(MAX_BUFFERED);
	size_t off = 0, len;
	uint8_t *msg;

	if (d == NULL)
		return 0;
	while (size - off >= 2) {
		size_t n = (size_t)data[off] << 8 | data[off + 1];

		off += 2;
		if (n > size - off)
			n = size - off;
		if (psrp_defrag_feed(d, data + off, n) < 0) {
			if (psrp_defrag_error(d) == NULL)
				abort();
			break;
		}
		if (psrp_defrag_buffered(d) > MAX_BUFFERED)
			abort();
		off += n;
	}
	while (psrp_defrag_next(d, &msg, &len, NULL) == 1) {
		struct psrp_msg m;
		struct clixml_value *v;
		char err[256];

		refragment(msg, len, 1 + len % 97);
		if (psrp_msg_decode(msg, len, &m) == 0 &&
		    (v = clixml_read((const char *)m.pm_data, m.pm_len, &lim, err,
		    sizeof(err))) != NULL) {
			char *w;

			parse(&m, v);
			if ((w = clixml_write(v, NULL)) == NULL)
				abort();
			free(w);
			clixml_unref(v);
		}
		free(msg);
	}
	psrp_defrag_free(d);
	return 0;
}
