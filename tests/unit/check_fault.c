/*
 * check_fault.c: the fault table (fault.c) against the names DSP0226,
 * WS-Addressing and WS-Enumeration define and the values of docs/PROTOCOL.md
 * Part B §2; and the fault envelope soap_fault_new() + soap_serialize()
 * make: Code, Subcode with its prefix bound, f:WSManFault, RelatesTo,
 * FaultDetail, and escaping of the reason.
 */
#include "build.h"

#include <string.h>

#include <libxml/parser.h>

#include "fault.h"
#include "soap.h"
#include "unit.h"

#define WSMAN_CODE_MIN	2150858752u	/* 0x80338000 */
#define WSMAN_CODE_MAX	2150859263u	/* 0x803381FF */

/* The subcodes each specification defines, in its own namespace. */
static const char *const wsa_subcodes[] = {
	"DestinationUnreachable", "ActionNotSupported", "EndpointUnavailable",
	"InvalidMessageInformationHeader", "MessageInformationHeaderRequired",
	NULL
};
static const char *const wsman_subcodes[] = {
	"AccessDenied", "AlreadyExists", "CannotProcessFilter", "Concurrency",
	"DeliveryModeRequestedUnavailable", "DeliveryRefused", "EncodingLimit",
	"EventDeliverToUnusable", "FragmentDialectNotSupported",
	"InternalError", "InvalidBookmark", "InvalidOptions",
	"InvalidParameter", "InvalidSelectors", "InvalidRepresentation",
	"MetadataRedirect", "NoAck", "QuotaLimit", "SchemaValidationError",
	"TimedOut", "UnsupportedFeature",
	NULL
};
static const char *const wsen_subcodes[] = {
	"CannotProcessFilter", "FilterDialectRequestedUnavailable",
	"FilteringNotSupported", "InvalidEnumerationContext",
	"InvalidExpirationTime", "TimedOut", "UnsupportedExpirationType",
	NULL
};

static bool
in_list(const char *const *list, const char *name)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

START_TEST(test_table_entry)
{
	enum winrmd_fault code = (enum winrmd_fault)_i;
	const struct fault_def *d = fault_lookup(code);

	ck_assert_ptr_nonnull(d);
	/* a missing entry falls back to InternalError's: not allowed here */
	ck_assert_msg(code == WINRMD_FAULT_INTERNAL_ERROR ||
	    d != fault_lookup(WINRMD_FAULT_INTERNAL_ERROR),
	    "fault %d has no entry in the table", code);
	ck_assert_msg(d->code != NULL, "fault %d has no Code", code);
	ck_assert_msg(strcmp(d->code, "Sender") == 0 ||
	    strcmp(d->code, "Receiver") == 0 ||
	    strcmp(d->code, "MustUnderstand") == 0,
	    "fault %d: Code %s", code, d->code);
	if (code == WINRMD_FAULT_ACCESS_DENIED)
		ck_assert_uint_eq(d->wsman_code, 5);	/* Win32 ERROR_ACCESS_DENIED */
	else
		ck_assert_msg(d->wsman_code >= WSMAN_CODE_MIN &&
		    d->wsman_code <= WSMAN_CODE_MAX,
		    "fault %d: WSManFault code %u is outside the WS-Man range",
		    code, d->wsman_code);
	ck_assert_uint_eq(d->http_status, 500);
	ck_assert_msg(d->reason != NULL && d->reason[0] != '\0',
	    "fault %d has no reason", code);

	if (strcmp(d->code, "MustUnderstand") == 0) {
		ck_assert_msg(d->subcode == NULL && d->subcode_ns == FNS_NONE,
		    "fault %d: MustUnderstand has no subcode (SOAP 1.2 §5.4.8)",
		    code);
		return;
	}
	ck_assert_msg(d->subcode != NULL, "fault %d has no subcode", code);
	switch (d->subcode_ns) {
	case FNS_WSA:
		ck_assert_msg(in_list(wsa_subcodes, d->subcode),
		    "fault %d: %s is not a WS-Addressing subcode", code, d->subcode);
		ck_assert_str_eq(fault_ns_uri(d->subcode_ns), WINRMD_NS_WSA);
		ck_assert_str_eq(fault_action(code), FAULT_ACTION_WSA);
		break;
	case FNS_WSMAN:
		ck_assert_msg(in_list(wsman_subcodes, d->subcode),
		    "fault %d: %s is not a DSP0226 subcode", code, d->subcode);
		ck_assert_str_eq(fault_ns_uri(d->subcode_ns), WINRMD_NS_WSMAN);
		ck_assert_str_eq(fault_action(code), FAULT_ACTION_WSMAN);
		break;
	case FNS_WSEN:
		ck_assert_msg(in_list(wsen_subcodes, d->subcode),
		    "fault %d: %s is not a WS-Enumeration subcode", code,
		    d->subcode);
		ck_assert_str_eq(fault_ns_uri(d->subcode_ns), WINRMD_NS_WSEN);
		ck_assert_str_eq(fault_action(code), FAULT_ACTION_WSEN);
		break;
	default:
		ck_abort_msg("fault %d: subcode %s without a namespace", code,
		    d->subcode);
	}
	ck_assert_ptr_nonnull(fault_ns_prefix(d->subcode_ns));
}
END_TEST

/* values clients key on (docs/PROTOCOL.md Part B §1.4, §2) */
START_TEST(test_table_values)
{
	const struct fault_def *d;

	d = fault_lookup(WINRMD_FAULT_TIMED_OUT);
	ck_assert_str_eq(d->code, "Receiver");
	ck_assert_int_eq(d->subcode_ns, FNS_WSMAN);
	ck_assert_str_eq(d->subcode, "TimedOut");
	ck_assert_uint_eq(d->wsman_code, 2150858793u);
	ck_assert_str_eq(d->reason, "The WS-Management service cannot complete "
	    "the operation within the time specified in OperationTimeout.");

	d = fault_lookup(WINRMD_FAULT_SHELL_NOT_FOUND);
	ck_assert_str_eq(d->code, "Sender");
	ck_assert_int_eq(d->subcode_ns, FNS_WSMAN);
	ck_assert_str_eq(d->subcode, "InvalidSelectors");
	ck_assert_uint_eq(d->wsman_code, 2150858843u);

	d = fault_lookup(WINRMD_FAULT_QUOTA_MAX_SHELLS);
	ck_assert_str_eq(d->subcode, "QuotaLimit");
	ck_assert_uint_eq(d->wsman_code, 2150859173u);
	ck_assert_uint_eq(fault_lookup(WINRMD_FAULT_QUOTA_MAX_OPERATIONS)->wsman_code,
	    2150859174u);
	ck_assert_uint_eq(fault_lookup(WINRMD_FAULT_QUOTA_MAX_SHELLUSERS)->wsman_code,
	    2150859179u);

	d = fault_lookup(WINRMD_FAULT_ACTION_NOT_SUPPORTED);
	ck_assert_int_eq(d->subcode_ns, FNS_WSA);
	ck_assert_str_eq(d->subcode, "ActionNotSupported");
	ck_assert_uint_eq(d->wsman_code, 2150858771u);
	ck_assert_str_eq(fault_action(WINRMD_FAULT_ACTION_NOT_SUPPORTED),
	    FAULT_ACTION_WSA);

	d = fault_lookup(WINRMD_FAULT_DESTINATION_UNREACHABLE);
	ck_assert_int_eq(d->subcode_ns, FNS_WSA);
	ck_assert_uint_eq(d->wsman_code, 2150858752u);

	d = fault_lookup(WINRMD_FAULT_MUST_UNDERSTAND);
	ck_assert_str_eq(d->code, "MustUnderstand");
	ck_assert_uint_eq(d->wsman_code, 2150858768u);

	d = fault_lookup(WINRMD_FAULT_ENCODING_LIMIT);
	ck_assert_str_eq(d->subcode, "EncodingLimit");
	ck_assert_uint_eq(d->wsman_code, 2150858805u);

	d = fault_lookup(WINRMD_FAULT_REMOTESHELLS_NOT_ALLOWED);
	ck_assert_str_eq(d->code, "Receiver");
	ck_assert_str_eq(d->subcode, "InternalError");
	ck_assert_uint_eq(d->wsman_code, 2150859180u);

	d = fault_lookup(WINRMD_FAULT_INVALID_ENUMERATION_CONTEXT);
	ck_assert_str_eq(d->code, "Receiver");
	ck_assert_int_eq(d->subcode_ns, FNS_WSEN);
	ck_assert_uint_eq(d->wsman_code, 2150858779u);

	d = fault_lookup(WINRMD_FAULT_MESSAGE_INFORMATION_HEADER_REQUIRED);
	ck_assert_int_eq(d->subcode_ns, FNS_WSA);
	ck_assert_uint_eq(d->wsman_code, 2150858769u);
	ck_assert_uint_eq(fault_lookup(WINRMD_FAULT_INVALID_MESSAGE_INFORMATION_HEADER)
	    ->wsman_code, 2150858767u);
	ck_assert_uint_eq(fault_lookup(WINRMD_FAULT_UNSUPPORTED_FEATURE)->wsman_code,
	    2150858818u);
	ck_assert_uint_eq(fault_lookup(WINRMD_FAULT_INVALID_SELECTORS)->wsman_code,
	    2150858813u);
}
END_TEST

START_TEST(test_lookup_out_of_range)
{
	const struct fault_def *ie = fault_lookup(WINRMD_FAULT_INTERNAL_ERROR);

	ck_assert_ptr_eq(fault_lookup(WINRMD_FAULT_NONE), ie);
	ck_assert_ptr_eq(fault_lookup(_WINRMD_FAULT_MAX), ie);
	ck_assert_ptr_eq(fault_lookup((enum winrmd_fault)-1), ie);
	ck_assert_ptr_eq(fault_lookup((enum winrmd_fault)100000), ie);
}
END_TEST

START_TEST(test_fault_set)
{
	struct fault f;
	char longer[1000];

	fault_set(&f, WINRMD_FAULT_TIMED_OUT, NULL, NULL);
	ck_assert_int_eq(f.code, WINRMD_FAULT_TIMED_OUT);
	ck_assert_str_eq(f.detail, "");
	ck_assert_str_eq(f.reason, fault_lookup(WINRMD_FAULT_TIMED_OUT)->reason);
	fault_set(&f, WINRMD_FAULT_INVALID_SELECTORS, "DuplicateSelectors",
	    "The selector %s appears %d times.", "ShellId", 2);
	ck_assert_str_eq(f.detail, "DuplicateSelectors");
	ck_assert_str_eq(f.reason, "The selector ShellId appears 2 times.");
	/* long texts are cut, not overflowed */
	memset(longer, 'r', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	fault_set(&f, WINRMD_FAULT_INTERNAL_ERROR, longer, "%s", longer);
	ck_assert_uint_eq(strlen(f.detail), sizeof(f.detail) - 1);
	ck_assert_uint_eq(strlen(f.reason), sizeof(f.reason) - 1);
}
END_TEST

/* --- the envelope --- */

struct parsed {
	xmlDocPtr	 doc;
	xmlNodePtr	 header, fault, code, subcode, reason, detail, wsmanfault;
	char		*text;
};

/* Builds, serialises and re-parses the fault envelope for f. */
static void
build(struct parsed *p, const struct fault *f, const char *relates_to,
    const char *machine)
{
	xmlDocPtr doc = soap_fault_new(f, relates_to, machine);
	xmlNodePtr env, body;
	size_t len = 0;

	memset(p, 0, sizeof(*p));
	ck_assert_ptr_nonnull(doc);
	p->text = soap_serialize(doc, &len);
	xmlFreeDoc(doc);
	ck_assert_ptr_nonnull(p->text);
	ck_assert_uint_eq(len, strlen(p->text));
	p->doc = xmlReadMemory(p->text, (int)len, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	ck_assert_msg(p->doc != NULL, "the fault does not parse: %s", p->text);
	env = xmlDocGetRootElement(p->doc);
	ck_assert(soap_is(env, WINRMD_NS_SOAP, "Envelope"));
	p->header = soap_child(env, WINRMD_NS_SOAP, "Header");
	body = soap_child(env, WINRMD_NS_SOAP, "Body");
	ck_assert_ptr_nonnull(p->header);
	ck_assert_ptr_nonnull(body);
	p->fault = soap_child(body, WINRMD_NS_SOAP, "Fault");
	ck_assert_ptr_nonnull(p->fault);
	p->code = soap_child(p->fault, WINRMD_NS_SOAP, "Code");
	ck_assert_ptr_nonnull(p->code);
	p->subcode = soap_child(p->code, WINRMD_NS_SOAP, "Subcode");
	p->reason = soap_child(p->fault, WINRMD_NS_SOAP, "Reason");
	ck_assert_ptr_nonnull(p->reason);
	p->detail = soap_child(p->fault, WINRMD_NS_SOAP, "Detail");
	ck_assert_ptr_nonnull(p->detail);
	p->wsmanfault = soap_child(p->detail, FAULT_NS_WSMANFAULT, "WSManFault");
	ck_assert_ptr_nonnull(p->wsmanfault);
}

static void
parsed_done(struct parsed *p)
{
	xmlFreeDoc(p->doc);
	free(p->text);
}

static char *
text_of(xmlNodePtr n)
{
	xmlChar *t = xmlNodeGetContent(n);
	char *s;

	ck_assert_ptr_nonnull(t);
	s = strdup((char *)t);
	xmlFree(t);
	return s;
}

/*
 * A QName in element text: its prefix must be declared in scope with
 * namespace `ns' and its local part must be `local'.
 */
static void
assert_qname(xmlNodePtr n, const char *ns, const char *local)
{
	char *q = text_of(n), *colon = strchr(q, ':');
	xmlNsPtr decl;

	ck_assert_msg(colon != NULL, "\"%s\" is not a QName", q);
	*colon = '\0';
	decl = xmlSearchNs(n->doc, n, BAD_CAST q);
	ck_assert_msg(decl != NULL, "prefix %s is not declared", q);
	ck_assert_str_eq((char *)decl->href, ns);
	ck_assert_str_eq(colon + 1, local);
	free(q);
}

/* every fault of the table, as an envelope */
START_TEST(test_envelope_each)
{
	enum winrmd_fault code = (enum winrmd_fault)_i;
	const struct fault_def *d = fault_lookup(code);
	struct fault f = { 0 };
	struct parsed p;
	xmlNodePtr v, a;
	xmlChar *attr;
	char num[16], *s;

	fault_set(&f, code, NULL, NULL);
	build(&p, &f, "uuid:0AB58087-C2C3-0005-0000-000000010000", "host.example");

	v = soap_child(p.code, WINRMD_NS_SOAP, "Value");
	ck_assert_ptr_nonnull(v);
	assert_qname(v, WINRMD_NS_SOAP, d->code);
	if (d->subcode == NULL)
		ck_assert_ptr_null(p.subcode);
	else {
		ck_assert_ptr_nonnull(p.subcode);
		v = soap_child(p.subcode, WINRMD_NS_SOAP, "Value");
		ck_assert_ptr_nonnull(v);
		assert_qname(v, fault_ns_uri(d->subcode_ns), d->subcode);
	}

	/* header: fault Action, RelatesTo, To anonymous */
	a = soap_child(p.header, WINRMD_NS_WSA, "Action");
	ck_assert_ptr_nonnull(a);
	s = text_of(a);
	ck_assert_str_eq(s, fault_action(code));
	free(s);
	s = text_of(soap_child(p.header, WINRMD_NS_WSA, "RelatesTo"));
	ck_assert_str_eq(s, "uuid:0AB58087-C2C3-0005-0000-000000010000");
	free(s);

	/* reason, with xml:lang */
	v = soap_child(p.reason, WINRMD_NS_SOAP, "Text");
	ck_assert_ptr_nonnull(v);
	s = text_of(v);
	ck_assert_str_eq(s, d->reason);
	free(s);
	attr = xmlNodeGetLang(v);
	ck_assert_str_eq((char *)attr, "en-US");
	xmlFree(attr);

	/* f:WSManFault Code and Machine */
	snprintf(num, sizeof(num), "%u", d->wsman_code);
	attr = xmlGetNoNsProp(p.wsmanfault, BAD_CAST "Code");
	ck_assert_ptr_nonnull(attr);
	ck_assert_str_eq((char *)attr, num);
	xmlFree(attr);
	attr = xmlGetNoNsProp(p.wsmanfault, BAD_CAST "Machine");
	ck_assert_ptr_nonnull(attr);
	ck_assert_str_eq((char *)attr, "host.example");
	xmlFree(attr);

	/* no detail given: no FaultDetail, unless the fault implies one */
	if (d->detail == NULL)
		ck_assert_ptr_null(soap_child(p.detail, WINRMD_NS_WSMAN,
		    "FaultDetail"));
	else
		ck_assert_ptr_nonnull(soap_child(p.detail, WINRMD_NS_WSMAN,
		    "FaultDetail"));
	parsed_done(&p);
}
END_TEST

START_TEST(test_envelope_timed_out)
{
	struct fault f = { 0 };
	struct parsed p;
	xmlNodePtr v;
	char *s;

	fault_set(&f, WINRMD_FAULT_TIMED_OUT, NULL, NULL);
	build(&p, &f, "uuid:1", NULL);
	v = soap_child(p.code, WINRMD_NS_SOAP, "Value");
	s = text_of(v);
	ck_assert_str_eq(s, "s:Receiver");
	free(s);
	s = text_of(soap_child(p.subcode, WINRMD_NS_SOAP, "Value"));
	ck_assert_str_eq(s, "w:TimedOut");
	free(s);
	ck_assert_ptr_nonnull(strstr(p.text, "Code=\"2150858793\""));
	/* no machine given: still a Machine attribute */
	ck_assert_ptr_nonnull(strstr(p.text, "Machine=\""));
	/* the serialisation has no XML declaration */
	ck_assert_msg(strncmp(p.text, "<?xml", 5) != 0, "%s", p.text);
	parsed_done(&p);
}
END_TEST

START_TEST(test_envelope_detail)
{
	struct fault f = { 0 };
	struct parsed p;
	xmlNodePtr fd;
	char *s;

	fault_set(&f, WINRMD_FAULT_UNSUPPORTED_FEATURE, "AddressingMode", NULL);
	build(&p, &f, "uuid:2", "h");
	fd = soap_child(p.detail, WINRMD_NS_WSMAN, "FaultDetail");
	ck_assert_ptr_nonnull(fd);
	s = text_of(fd);
	ck_assert_str_eq(s, FAULT_DETAIL_PREFIX "AddressingMode");
	free(s);
	parsed_done(&p);
}
END_TEST

START_TEST(test_envelope_no_relates_to)
{
	struct fault f = { 0 };
	struct parsed p;

	fault_set(&f, WINRMD_FAULT_INVALID_XML, NULL, NULL);
	build(&p, &f, NULL, "h");
	ck_assert_ptr_null(soap_child(p.header, WINRMD_NS_WSA, "RelatesTo"));
	ck_assert_ptr_nonnull(soap_child(p.header, WINRMD_NS_WSA, "MessageID"));
	parsed_done(&p);
	build(&p, &f, "", "h");
	ck_assert_ptr_null(soap_child(p.header, WINRMD_NS_WSA, "RelatesTo"));
	parsed_done(&p);
}
END_TEST

/* request data in the reason or elsewhere cannot inject markup */
START_TEST(test_envelope_escaping)
{
	static const char evil[] =
	    "bad <&> </s:Text></s:Reason><s:Injected/> \"q\" 'a' ]]>";
	struct fault f = { 0 };
	struct parsed p;
	char *s;

	fault_set(&f, WINRMD_FAULT_INVALID_SELECTORS, NULL, "%s", evil);
	build(&p, &f, "uuid:<x/>&amp;", "m\"<y/>");
	ck_assert_ptr_nonnull(strstr(p.text, "bad &lt;&amp;&gt; &lt;/s:Text&gt;"));
	ck_assert_ptr_null(strstr(p.text, "<s:Injected"));
	ck_assert_ptr_null(strstr(p.text, "<x/>"));
	ck_assert_ptr_null(strstr(p.text, "<y/>"));
	s = text_of(soap_child(p.reason, WINRMD_NS_SOAP, "Text"));
	ck_assert_str_eq(s, evil);
	free(s);
	s = text_of(soap_child(p.wsmanfault, FAULT_NS_WSMANFAULT, "Message"));
	ck_assert_str_eq(s, evil);
	free(s);
	s = text_of(soap_child(p.header, WINRMD_NS_WSA, "RelatesTo"));
	ck_assert_str_eq(s, "uuid:<x/>&amp;");
	free(s);
	s = (char *)xmlGetNoNsProp(p.wsmanfault, BAD_CAST "Machine");
	ck_assert_str_eq(s, "m\"<y/>");
	xmlFree(s);
	/* exactly one Fault, one Reason */
	ck_assert_ptr_null(soap_next_elem(p.fault));
	ck_assert_ptr_eq(soap_next_elem(soap_child(p.fault, WINRMD_NS_SOAP,
	    "Reason")), p.detail);
	parsed_done(&p);
}
END_TEST

static void
setup(void)
{
	soap_init();
}

/*
 * The situations where Windows' WSManFault code is not the subcode's
 * generic one (docs/FAULTS.md): each as the envelope a client reads --
 * subcode, faultDetail, f:WSManFault Code -- with the values a real
 * Windows answer carries.
 */
static void
assert_windows(enum winrmd_fault code, const char *ns, const char *subcode,
    const char *detail, const char *wsman_code)
{
	struct parsed p;
	struct fault f;
	xmlNodePtr v, fd;
	char *t, want[256];

	/* no detail given: the situation's own is implied */
	fault_set(&f, code, NULL, NULL);
	ck_assert_str_eq(f.detail, detail);
	build(&p, &f, "uuid:00000000-0000-0000-0000-000000000001", "host");
	v = soap_child(p.subcode, WINRMD_NS_SOAP, "Value");
	ck_assert_ptr_nonnull(v);
	assert_qname(v, ns, subcode);
	fd = soap_child(p.detail, WINRMD_NS_WSMAN, "FaultDetail");
	ck_assert_ptr_nonnull(fd);
	t = text_of(fd);
	snprintf(want, sizeof(want), "%s%s", FAULT_DETAIL_PREFIX, detail);
	ck_assert_str_eq(t, want);
	free(t);
	t = (char *)xmlGetProp(p.wsmanfault, BAD_CAST "Code");
	ck_assert_str_eq(t, wsman_code);
	xmlFree(t);
	parsed_done(&p);
}

/* a ResourceURI the service has no resource for (pypsrp issue 192) */
START_TEST(test_windows_invalid_resource_uri)
{
	assert_windows(WINRMD_FAULT_INVALID_RESOURCE_URI, WINRMD_NS_WSA,
	    "DestinationUnreachable", "InvalidResourceURI", "2150858811");
	ck_assert_str_eq(fault_action(WINRMD_FAULT_INVALID_RESOURCE_URI),
	    FAULT_ACTION_WSA);
}
END_TEST

/* a selector the resource does not take (pypsrp test_winrs_bad_cmd_id) */
START_TEST(test_windows_unexpected_selectors)
{
	assert_windows(WINRMD_FAULT_UNEXPECTED_SELECTORS, WINRMD_NS_WSMAN,
	    "InvalidSelectors", "UnexpectedSelectors", "2150858843");
}
END_TEST

/* a key selector missing (ERROR_WSMAN_INSUFFCIENT_SELECTORS) */
START_TEST(test_windows_insufficient_selectors)
{
	assert_windows(WINRMD_FAULT_INSUFFICIENT_SELECTORS, WINRMD_NS_WSMAN,
	    "InvalidSelectors", "InsufficientSelectors", "2150858842");
}
END_TEST

/* the same selector twice (ERROR_WSMAN_DUPLICATE_SELECTORS) */
START_TEST(test_windows_duplicate_selectors)
{
	assert_windows(WINRMD_FAULT_DUPLICATE_SELECTORS, WINRMD_NS_WSMAN,
	    "InvalidSelectors", "DuplicateSelectors", "2150858847");
}
END_TEST

/*
 * a disconnected shell used before Reconnect/Connect, and a Connect to a
 * shell a client holds (ERROR_WINRS_SHELL_DISCONNECTED,
 * _CONNECTED_TO_DIFFERENT_CLIENT; w:InternalError by MS-WSMV 3.1.4.16/17)
 */
START_TEST(test_windows_shell_disconnect)
{
	const struct fault_def *d = fault_lookup(WINRMD_FAULT_SHELL_DISCONNECTED);

	ck_assert_str_eq(d->code, "Receiver");
	ck_assert_int_eq(d->subcode_ns, FNS_WSMAN);
	ck_assert_str_eq(d->subcode, "InternalError");
	ck_assert_uint_eq(d->wsman_code, 2150859204u);
	d = fault_lookup(WINRMD_FAULT_SHELL_CONNECTED);
	ck_assert_str_eq(d->subcode, "InternalError");
	ck_assert_uint_eq(d->wsman_code, 2150859213u);
}
END_TEST

/* an instance that does not exist stays 2150858752 (omi issue 254) */
START_TEST(test_windows_instance_not_found)
{
	struct fault f;

	fault_set(&f, WINRMD_FAULT_DESTINATION_UNREACHABLE, NULL, NULL);
	ck_assert_str_eq(f.detail, "");
	ck_assert_uint_eq(fault_lookup(f.code)->wsman_code, 2150858752u);
	/* a detail given is kept */
	fault_set(&f, WINRMD_FAULT_UNEXPECTED_SELECTORS, "InvalidValue", NULL);
	ck_assert_str_eq(f.detail, "InvalidValue");
}
END_TEST

static Suite *
fault_suite(void)
{
	Suite *s = suite_create("fault");
	TCase *tc = tcase_create("table");

	tcase_add_loop_test(tc, test_table_entry, 1, _WINRMD_FAULT_MAX);
	tcase_add_test(tc, test_table_values);
	tcase_add_test(tc, test_lookup_out_of_range);
	tcase_add_test(tc, test_fault_set);
	suite_add_tcase(s, tc);

	tc = tcase_create("envelope");
	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, test_envelope_each, 1, _WINRMD_FAULT_MAX);
	tcase_add_test(tc, test_envelope_timed_out);
	tcase_add_test(tc, test_envelope_detail);
	tcase_add_test(tc, test_envelope_no_relates_to);
	tcase_add_test(tc, test_envelope_escaping);
	tcase_add_test(tc, test_windows_invalid_resource_uri);
	tcase_add_test(tc, test_windows_unexpected_selectors);
	tcase_add_test(tc, test_windows_insufficient_selectors);
	tcase_add_test(tc, test_windows_duplicate_selectors);
	tcase_add_test(tc, test_windows_instance_not_found);
	tcase_add_test(tc, test_windows_shell_disconnect);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(fault_suite)
