/*
 * psrp_tool.c: the PSRP codec driven by tests/psrp/validate.py, so that
 * third-party clients (pypsrp, psrpcore) read what the codec writes and
 * the codec reads what they write, at make check time.  One JSON request
 * on stdin, one JSON answer on stdout:
 *
 *   {"op": "decode", "payloads": [base64...]}
 *       -> {"messages": [{"type", "destination", "rpid", "pid", "expect"}]}
 *   {"op": "emit", "rpid", "pid", "object_id", "max_blob", "messages": [...]}
 *       -> {"payloads": [base64 of at most max_blob bytes of fragment
 *           data each...], "object_id": next, "session_key_hex"?}
 *   {"op": "decrypt", "key_hex", "b64"} -> {"plain"}
 *   {"op": "write", "value": tagged} -> {"xml"}
 *
 * The messages of "emit" name a builder of psrp_msgs.h ("kind") and its
 * arguments; see validate.py.  Errors: {"error": "..."} and exit 1.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "b64.h"
#include "clixml.h"
#include "fragment.h"
#include "message.h"
#include "psrp_json.h"
#include "psrp_msgs.h"
#include "session_key.h"

static json_object *answer;
static uint8_t session_key[PSRP_SESSION_KEY_LEN];
static bool have_key;

static void die(const char *, const char *)
		    __attribute__((noreturn, format(printf, 1, 0)));

static void
die(const char *fmt, const char *arg)
{
	char buf[512];
	json_object *o = json_object_new_object();

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(buf, sizeof(buf), fmt, arg);
#pragma GCC diagnostic pop
	json_object_object_add(o, "error", json_object_new_string(buf));
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	exit(1);
}

static json_object *
opt(json_object *o, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static const char *
opt_str(json_object *o, const char *key)
{
	json_object *v = opt(o, key);

	return v != NULL ? json_object_get_string(v) : NULL;
}

static void
op_decode(json_object *req)
{
	json_object *payloads = opt(req, "payloads"), *msgs;
	struct psrp_defrag *d = psrp_defrag_new(16 << 20);
	uint8_t *msg;
	size_t len;

	if (payloads == NULL)
		die("no payloads%s", "");
	for (size_t i = 0; i < json_object_array_length(payloads); i++) {
		json_object *p = json_object_array_get_idx(payloads, i);
		size_t blen;
		uint8_t *b = psrp_b64_decode(json_object_get_string(p),
		    (size_t)json_object_get_string_len(p), &blen);

		if (b == NULL)
			die("payload is not base64%s", "");
		if (psrp_defrag_feed(d, b, blen) < 0)
			die("%s", psrp_defrag_error(d));
		free(b);
	}
	msgs = json_object_new_array();
	while (psrp_defrag_next(d, &msg, &len, NULL) == 1) {
		json_object *mj = json_object_new_object(), *e;
		struct clixml_value *v;
		struct psrp_msg m;
		char err[256], g[37];

		if (psrp_msg_decode(msg, len, &m) < 0)
			die("a message shorter than its header%s", "");
		json_object_object_add(mj, "type", json_object_new_int64(m.pm_type));
		json_object_object_add(mj, "destination",
		    json_object_new_int64(m.pm_destination));
		psrp_guid_format(&m.pm_rpid, false, g);
		json_object_object_add(mj, "rpid", json_object_new_string(g));
		psrp_guid_format(&m.pm_pid, false, g);
		json_object_object_add(mj, "pid", psrp_guid_is_nil(&m.pm_pid) ?
		    NULL : json_object_new_string(g));
		if ((v = clixml_read((const char *)m.pm_data, m.pm_len, NULL, err,
		    sizeof(err))) == NULL)
			die("%s", err);
		if ((e = psrp_json_expect(&m, v, err, sizeof(err))) == NULL)
			die("%s", err);
		json_object_object_add(mj, "expect", e);
		json_object_array_add(msgs, mj);
		clixml_unref(v);
		free(msg);
	}
	psrp_defrag_free(d);
	json_object_object_add(answer, "messages", msgs);
}

static const char *const *
string_list(json_object *a, const char **buf, size_t max)
{
	size_t n = 0;

	if (a == NULL)
		return NULL;
	for (; n < json_object_array_length(a) && n + 1 < max; n++)
		buf[n] = json_object_get_string(json_object_array_get_idx(a, n));
	buf[n] = NULL;
	return buf;
}

static struct clixml_value *
error_record(json_object *e)
{
	const char *types[16], *tags[16];
	struct psrp_error pe = {
		.pe_message = opt_str(e, "message"),
		.pe_fqid = opt_str(e, "fqid"),
		.pe_category = opt(e, "category") != NULL ?
		    json_object_get_int(opt(e, "category")) : 0,
		.pe_activity = opt_str(e, "activity"),
		.pe_target_name = opt_str(e, "target_name"),
		.pe_details_message = opt_str(e, "details"),
		.pe_script_stack_trace = opt_str(e, "stack"),
	};

	(void)tags;
	pe.pe_exception_types = string_list(opt(e, "types"), types, 16);
	if (opt(e, "target") != NULL)
		pe.pe_target_object = psrp_json_to_value(opt(e, "target"));
	if (opt_str(e, "stopped") != NULL)
		return psrp_build_stopped_error();
	return psrp_build_error_record(&pe);
}

/* one message to send: its type and value */
static struct clixml_value *
build(json_object *m, uint32_t *type, bool *zero_rpid)
{
	const char *kind = opt_str(m, "kind"), *tags[16];
	json_object *x;

	*zero_rpid = false;
	if (kind == NULL)
		die("a message without a kind%s", "");
	if (strcmp(kind, "capability") == 0) {
		*type = PSRP_SESSION_CAPABILITY;
		/* Windows sends its capability with a zero RunspacePool id */
		*zero_rpid = true;
		return psrp_build_capability();
	}
	if (strcmp(kind, "app_private_data") == 0) {
		struct psrp_server_info si = {
			.si_os = opt_str(m, "os"),
			.si_build = opt_str(m, "build"),
		};

		*type = PSRP_APPLICATION_PRIVATE_DATA;
		return psrp_build_app_private_data(&si);
	}
	if (strcmp(kind, "pool_state") == 0) {
		*type = PSRP_RUNSPACEPOOL_STATE;
		x = opt(m, "error");
		return psrp_build_pool_state(json_object_get_int(opt(m, "state")),
		    x != NULL ? error_record(x) : NULL);
	}
	if (strcmp(kind, "init_data") == 0) {
		*type = PSRP_RUNSPACEPOOL_INIT_DATA;
		return psrp_build_pool_init_data(json_object_get_int(opt(m, "min")),
		    json_object_get_int(opt(m, "max")));
	}
	if (strcmp(kind, "availability") == 0) {
		*type = PSRP_RUNSPACE_AVAILABILITY;
		x = opt(m, "answer");
		if (json_object_is_type(x, json_type_boolean))
			return psrp_build_availability_bool(json_object_get_int64(
			    opt(m, "ci")), json_object_get_boolean(x));
		return psrp_build_availability_count(json_object_get_int64(
		    opt(m, "ci")), json_object_get_int64(x));
	}
	if (strcmp(kind, "output") == 0) {
		*type = PSRP_PIPELINE_OUTPUT;
		return psrp_json_to_value(opt(m, "value"));
	}
	if (strcmp(kind, "error_record") == 0) {
		*type = PSRP_ERROR_RECORD;
		return error_record(m);
	}
	if (strcmp(kind, "pipeline_state") == 0) {
		*type = PSRP_PIPELINE_STATE;
		x = opt(m, "error");
		return psrp_build_pipeline_state(json_object_get_int(opt(m,
		    "state")), x != NULL ? error_record(x) : NULL);
	}
	if (strcmp(kind, "warning") == 0 || strcmp(kind, "verbose") == 0 ||
	    strcmp(kind, "debug") == 0) {
		*type = kind[0] == 'w' ? PSRP_WARNING_RECORD : kind[0] == 'v' ?
		    PSRP_VERBOSE_RECORD : PSRP_DEBUG_RECORD;
		return psrp_build_informational(*type, opt_str(m, "message"));
	}
	if (strcmp(kind, "information") == 0) {
		struct clixml_value *data = opt(m, "host") != NULL ?
		    psrp_build_host_information(opt_str(m, "message"), false, -1,
		    -1) :
		    clixml_new_string(opt_str(m, "message"));

		*type = PSRP_INFORMATION_RECORD;
		return psrp_build_information(data, opt_str(m, "source"),
		    string_list(opt(m, "tags"), tags, 16),
		    clixml_new_datetime(1700000000, 0, true, 0), "user",
		    "host", 42);
	}
	if (strcmp(kind, "progress") == 0) {
		*type = PSRP_PROGRESS_RECORD;
		return psrp_build_progress(opt_str(m, "activity"), 1,
		    opt_str(m, "status"), NULL, -1,
		    json_object_get_int(opt(m, "percent")), -1, 0);
	}
	if (strcmp(kind, "host_call") == 0) {
		struct clixml_value *params = psrp_new_arraylist();
		json_object *p = opt(m, "params");

		*type = opt(m, "pipeline") != NULL ? PSRP_PIPELINE_HOST_CALL :
		    PSRP_RUNSPACEPOOL_HOST_CALL;
		for (size_t i = 0; p != NULL && i < json_object_array_length(p);
		    i++)
			clixml_list_add(params, psrp_json_to_value(
			    json_object_array_get_idx(p, i)));
		return psrp_build_host_call(json_object_get_int64(opt(m, "ci")),
		    json_object_get_int(opt(m, "mi")), params);
	}
	if (strcmp(kind, "encrypted_session_key") == 0) {
		char err[256], *b64, hex[2 * PSRP_SESSION_KEY_LEN + 1];
		struct clixml_value *v;

		*type = PSRP_ENCRYPTED_SESSION_KEY;
		if (psrp_session_key_generate(session_key) < 0)
			die("no random key%s", "");
		if ((b64 = psrp_session_key_wrap(opt_str(m, "public_key"),
		    session_key, err, sizeof(err))) == NULL)
			die("%s", err);
		for (int i = 0; i < PSRP_SESSION_KEY_LEN; i++)
			sprintf(hex + 2 * i, "%02x", session_key[i]);
		json_object_object_add(answer, "session_key_hex",
		    json_object_new_string(hex));
		have_key = true;
		v = psrp_build_encrypted_session_key(b64);
		free(b64);
		return v;
	}
	die("unknown kind %s", kind);
}

static void
op_emit(json_object *req)
{
	json_object *msgs = opt(req, "messages"), *payloads;
	struct psrp_guid rpid, pid, zero = { { 0 } };
	const char *pid_text = opt_str(req, "pid");
	uint64_t oid = (uint64_t)json_object_get_int64(opt(req, "object_id"));
	size_t max_blob = (size_t)json_object_get_int64(opt(req, "max_blob"));
	uint8_t *all = NULL, *buf;
	size_t total = 0;

	if (msgs == NULL || psrp_guid_parse(opt_str(req, "rpid"), &rpid) < 0 ||
	    (pid_text != NULL && psrp_guid_parse(pid_text, &pid) < 0) ||
	    max_blob < 22)
		die("a bad emit request%s", "");
	for (size_t i = 0; i < json_object_array_length(msgs); i++) {
		json_object *m = json_object_array_get_idx(msgs, i);
		struct clixml_value *v;
		uint32_t type;
		bool zero_rpid;
		char *xml;
		size_t xlen, mlen, flen;
		uint8_t *msg, *frags;

		if ((v = build(m, &type, &zero_rpid)) == NULL)
			die("message %s not built", opt_str(m, "kind"));
		if ((xml = clixml_write(v, &xlen)) == NULL)
			die("message %s not written", opt_str(m, "kind"));
		clixml_unref(v);
		msg = psrp_msg_encode(PSRP_DEST_CLIENT, type, zero_rpid ? &zero :
		    &rpid, pid_text != NULL ? &pid : NULL, xml, xlen, true,
		    &mlen);
		free(xml);
		frags = psrp_frag_all(oid++, msg, mlen, max_blob - PSRP_FRAG_HEADER,
		    &flen);
		free(msg);
		all = realloc(all, total + flen);
		memcpy(all + total, frags, flen);
		total += flen;
		free(frags);
	}
	/* one payload of whole fragments up to max_blob bytes, as a Receive packs */
	payloads = json_object_new_array();
	for (size_t off = 0; off < total;) {
		size_t n = 0;
		char *b64;

		while (off + n < total) {
			const uint8_t *h = all + off + n;
			size_t f = PSRP_FRAG_HEADER + ((size_t)h[17] << 24 |
			    (size_t)h[18] << 16 | (size_t)h[19] << 8 | h[20]);

			if (n > 0 && n + f > max_blob)
				break;
			n += f;
		}
		buf = all + off;
		b64 = psrp_b64_encode(buf, n);
		json_object_array_add(payloads, json_object_new_string(b64));
		free(b64);
		off += n;
	}
	free(all);
	json_object_object_add(answer, "payloads", payloads);
	json_object_object_add(answer, "object_id", json_object_new_int64(
	    (int64_t)oid));
}

static void
op_decrypt(json_object *req)
{
	const char *hex = opt_str(req, "key_hex");
	char err[256], *plain;
	size_t len;

	if (hex == NULL || strlen(hex) != 2 * PSRP_SESSION_KEY_LEN)
		die("no key%s", "");
	for (int i = 0; i < PSRP_SESSION_KEY_LEN; i++)
		if (sscanf(hex + 2 * i, "%2hhx", &session_key[i]) != 1)
			die("bad key%s", "");
	if ((plain = psrp_securestring_decrypt(session_key, opt_str(req, "b64"),
	    &len, err, sizeof(err))) == NULL)
		die("%s", err);
	json_object_object_add(answer, "plain",
	    json_object_new_string_len(plain, (int)len));
	OPENSSL_cleanse(plain, len);
	free(plain);
}

static void
op_write(json_object *req)
{
	struct clixml_value *v = psrp_json_to_value(opt(req, "value"));
	char *xml;

	if (v == NULL || (xml = clixml_write(v, NULL)) == NULL)
		die("value not written%s", "");
	json_object_object_add(answer, "xml", json_object_new_string(xml));
	free(xml);
	clixml_unref(v);
}

int
main(void)
{
	json_object *req;
	char *text = NULL;
	size_t cap = 0, len = 0, n;
	const char *op;

	do {
		if (len + 4096 > cap)
			text = realloc(text, cap = cap * 2 + 4096);
		n = fread(text + len, 1, cap - len - 1, stdin);
		len += n;
	} while (n > 0);
	text[len] = '\0';
	if ((req = json_tokener_parse(text)) == NULL)
		die("the request is not JSON%s", "");
	free(text);
	answer = json_object_new_object();
	op = opt_str(req, "op");
	if (op == NULL)
		die("no op%s", "");
	if (strcmp(op, "decode") == 0)
		op_decode(req);
	else if (strcmp(op, "emit") == 0)
		op_emit(req);
	else if (strcmp(op, "decrypt") == 0)
		op_decrypt(req);
	else if (strcmp(op, "write") == 0)
		op_write(req);
	else
		die("unknown op %s", op);
	puts(json_object_to_json_string_ext(answer, JSON_C_TO_STRING_PLAIN));
	json_object_put(answer);
	json_object_put(req);
	(void)have_key;
	return 0;
}
