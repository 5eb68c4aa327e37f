/*
 * check_wsman.c: the WS-Addressing / WS-Management headers of real client
 * requests (tests/data, captured from pywinrm, Ansible and Go winrm) read by
 * soap_parse() + wsman_envelope() + wsman_read_headers(): Action,
 * MessageID, ResourceURI, selectors, options, OperationTimeout and
 * MaxEnvelopeSize clamping, Identify, and the faults of MS-WSMV §3.1.4.1
 * (derived from the same captures by editing one header).
 */
#include "build.h"

#include <string.h>

#include "arena.h"
#include "soap.h"
#include "wsman.h"
#include "unit.h"

#define CREATE_MSGID	"uuid:2af4dd71-b624-4a0b-9458-d74547e79b0d"
#define CREATE_ACTION	"<a:Action mustUnderstand=\"true\">" WINRMD_ACTION_CREATE "</a:Action>"
#define CREATE_TIMEOUT	"<w:OperationTimeout>PT20S</w:OperationTimeout>"
#define CREATE_MAXENV	"<w:MaxEnvelopeSize mustUnderstand=\"true\">153600</w:MaxEnvelopeSize>"
#define SHELL_CMD	"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
#define SOAP11		"http://schemas.xmlsoap.org/soap/envelope/"

struct req {
	struct arena		*a;
	xmlDocPtr		 doc;
	struct wsman_msg	 m;
	struct fault		 f;
};

static const struct wsman_limits lim_default = {
	.max_envelope = 512 * 1024,
	.max_timeout_ms = 60000,
};

/*
 * Parses and reads a request.  Returns 0, -1 (a fault from wsman_*) or -2
 * (soap_parse refused it).
 */
static int
run_lim(struct req *r, const char *xml, const struct wsman_limits *lim)
{
	memset(r, 0, sizeof(*r));
	r->a = arena_new();
	ck_assert_ptr_nonnull(r->a);
	if ((r->doc = soap_parse(xml, strlen(xml), &r->f)) == NULL)
		return -2;
	if (wsman_envelope(&r->m, r->doc, &r->f) < 0)
		return -1;
	return wsman_read_headers(&r->m, r->a, lim, &r->f);
}

static int
run(struct req *r, const char *xml)
{
	return run_lim(r, xml, &lim_default);
}

static void
req_done(struct req *r)
{
	xmlFreeDoc(r->doc);
	arena_free(r->a);
	r->doc = NULL;
	r->a = NULL;
}

/* src with the first `old' replaced by `new' (malloc'd) */
static char *
replace(const char *src, const char *old, const char *new)
{
	const char *p = strstr(src, old);
	size_t lo = strlen(old), ln = strlen(new), ls = strlen(src);
	char *out;

	ck_assert_msg(p != NULL, "\"%s\" is not in the fixture", old);
	out = malloc(ls - lo + ln + 1);
	ck_assert_ptr_nonnull(out);
	memcpy(out, src, (size_t)(p - src));
	memcpy(out + (p - src), new, ln);
	strcpy(out + (p - src) + ln, p + lo);
	return out;
}

/* the capture with one header added at the end of env:Header */
static char *
with_header(const char *name, const char *header)
{
	char *src = unit_read_data(name, NULL), *out, *h;

	ck_assert_int_ge(asprintf(&h, "%s</env:Header>", header), 0);
	out = replace(src, "</env:Header>", h);
	free(h);
	free(src);
	return out;
}

/* the capture `name' edited by one replacement must fail with `code' */
static void
expect_fault(const char *xml, enum winrmd_fault code, const char *detail)
{
	struct req r;
	int rc = run(&r, xml);

	ck_assert_msg(rc == -1, "accepted (rc %d) or refused by the parser "
	    "(%s): %.300s", rc, r.f.reason, xml);
	ck_assert_msg(r.f.code == code, "fault %d (%s), expected %d",
	    r.f.code, r.f.reason, code);
	ck_assert_msg(r.f.reason[0] != '\0', "fault without a reason");
	ck_assert_str_eq(r.f.detail, detail ? detail : "");
	req_done(&r);
}

static void
expect_edit_fault(const char *name, const char *old, const char *new,
    enum winrmd_fault code, const char *detail)
{
	char *src = unit_read_data(name, NULL), *xml = replace(src, old, new);

	expect_fault(xml, code, detail);
	free(xml);
	free(src);
}

static void
expect_edit_ok(const char *name, const char *old, const char *new)
{
	char *src = unit_read_data(name, NULL), *xml = replace(src, old, new);
	struct req r;
	int rc = run(&r, xml);

	ck_assert_msg(rc == 0, "refused (%d, fault %d: %s): %.300s", rc, r.f.code,
	    r.f.reason, xml);
	req_done(&r);
	free(xml);
	free(src);
}

/* the first element named `name' at or under n, depth first */
static xmlNodePtr
find_elem(xmlNodePtr n, const char *ns, const char *name)
{
	for (; n != NULL; n = n->next) {
		xmlNodePtr c;

		if (soap_is(n, ns, name))
			return n;
		if ((c = find_elem(n->children, ns, name)) != NULL)
			return c;
	}
	return NULL;
}

/* --- real captures --- */

START_TEST(test_pywinrm_create)
{
	char *xml = unit_read_data("pywinrm-01-Create.xml", NULL);
	struct req r;
	int rc = run(&r, xml);

	ck_assert_msg(rc == 0, "refused: %d %s", r.f.code, r.f.reason);
	ck_assert(!r.m.identify);
	ck_assert_str_eq(r.m.action, WINRMD_ACTION_CREATE);
	ck_assert_str_eq(r.m.message_id, CREATE_MSGID);
	ck_assert_str_eq(r.m.resource_uri, SHELL_CMD);
	ck_assert_str_eq(r.m.to, "http://windows-host:5985/wsman");
	ck_assert_str_eq(r.m.locale, "en-US");
	ck_assert_str_eq(r.m.data_locale, "en-US");
	ck_assert_ptr_null(r.m.session_id);
	ck_assert_uint_eq(r.m.timeout_ms, 20000);
	ck_assert_uint_eq(r.m.max_envelope, 153600);
	ck_assert_uint_eq(r.m.nselectors, 0);
	ck_assert_ptr_null(wsman_selector(&r.m, "ShellId"));
	ck_assert_uint_eq(r.m.noptions, 2);
	ck_assert_str_eq(r.m.options[0].name, "WINRS_NOPROFILE");
	ck_assert_str_eq(r.m.options[0].value, "FALSE");
	ck_assert(!r.m.options[0].must_comply);
	ck_assert_str_eq(wsman_option(&r.m, "WINRS_CODEPAGE"), "437");
	ck_assert_str_eq(wsman_option(&r.m, "winrs_codepage"), "437");
	ck_assert_ptr_null(wsman_option(&r.m, "WINRS_CODEPAGE2"));
	ck_assert(soap_is(r.m.body, WINRMD_NS_SHELL, "Shell"));
	ck_assert(soap_is(r.m.header, WINRMD_NS_SOAP, "Header"));

	/* the strings are copies in the arena, not pointers into the tree */
	xmlFreeDoc(r.doc);
	r.doc = NULL;
	ck_assert_str_eq(r.m.action, WINRMD_ACTION_CREATE);
	ck_assert_str_eq(r.m.message_id, CREATE_MSGID);
	ck_assert_str_eq(wsman_option(&r.m, "WINRS_CODEPAGE"), "437");
	req_done(&r);
	free(xml);
}
END_TEST

START_TEST(test_pywinrm_command)
{
	char *xml = unit_read_data("pywinrm-02-Command.xml", NULL);
	struct req r;
	xmlNodePtr cmd;

	ck_assert_int_eq(run(&r, xml), 0);
	ck_assert_str_eq(r.m.action, WINRMD_ACTION_COMMAND);
	ck_assert_str_eq(r.m.message_id, "uuid:b77e6ebd-4a71-4a9a-916c-0eff003daf43");
	ck_assert_str_eq(r.m.resource_uri, SHELL_CMD);
	ck_assert_uint_eq(r.m.nselectors, 1);
	ck_assert_str_eq(r.m.selectors[0].name, "ShellId");
	ck_assert_str_eq(wsman_selector(&r.m, "ShellId"),
	    "D626E908-8D4A-4A53-9C37-C71D4AF35126");
	ck_assert_str_eq(wsman_selector(&r.m, "shellid"),
	    "D626E908-8D4A-4A53-9C37-C71D4AF35126");
	ck_assert_str_eq(wsman_selector(&r.m, "SHELLID"),
	    "D626E908-8D4A-4A53-9C37-C71D4AF35126");
	ck_assert_ptr_null(wsman_selector(&r.m, "ShellI"));
	ck_assert_str_eq(wsman_option(&r.m, "WINRS_CONSOLEMODE_STDIN"), "TRUE");
	ck_assert_str_eq(wsman_option(&r.m, "WINRS_SKIP_CMD_SHELL"), "FALSE");
	ck_assert(soap_is(r.m.body, WINRMD_NS_SHELL, "CommandLine"));
	cmd = soap_child(r.m.body, WINRMD_NS_SHELL, "Command");
	ck_assert_ptr_nonnull(cmd);
	ck_assert_str_eq((char *)cmd->children->content, "ipconfig");
	req_done(&r);
	free(xml);
}
END_TEST

/* Go winrm: newlines between headers, CDATA in the body */
START_TEST(test_go_command)
{
	char *xml = unit_read_data("go-winrm-02-Command.xml", NULL);
	struct req r;
	xmlNodePtr cmd;
	xmlChar *text;

	ck_assert_msg(run(&r, xml) == 0, "refused: %s", r.f.reason);
	ck_assert_str_eq(r.m.action, WINRMD_ACTION_COMMAND);
	ck_assert_str_eq(r.m.message_id, "uuid:a431a8e1-9965-4bbf-9ea9-418801613eac");
	ck_assert_str_eq(r.m.resource_uri, SHELL_CMD);
	ck_assert_str_eq(r.m.to, "http://127.0.0.1:25985/wsman");
	ck_assert_uint_eq(r.m.timeout_ms, 60000);
	ck_assert_uint_eq(r.m.max_envelope, 153600);
	ck_assert_uint_eq(r.m.nselectors, 1);
	ck_assert_str_eq(wsman_selector(&r.m, "shellId"),
	    "6723ABF6-037C-4B22-BB45-06B5C37A4BC8");
	ck_assert_uint_eq(r.m.noptions, 2);
	ck_assert_str_eq(wsman_option(&r.m, "WINRS_SKIP_CMD_SHELL"), "FALSE");
	cmd = find_elem(r.m.body, WINRMD_NS_SHELL, "Command");
	ck_assert_ptr_nonnull(cmd);
	/* CDATA arrives as plain text (XML_PARSE_NOCDATA) */
	ck_assert_ptr_nonnull(cmd->children);
	ck_assert_int_eq(cmd->children->type, XML_TEXT_NODE);
	text = xmlNodeGetContent(cmd);
	ck_assert_str_eq((char *)text, "echo hello");
	xmlFree(text);
	req_done(&r);
	free(xml);
}
END_TEST

START_TEST(test_ansible_command)
{
	char *xml = unit_read_data("ansible-raw-02-Command.xml", NULL);
	struct req r;
	xmlNodePtr args;
	xmlChar *text;

	ck_assert_int_eq(run(&r, xml), 0);
	ck_assert_str_eq(r.m.action, WINRMD_ACTION_COMMAND);
	ck_assert_str_eq(r.m.message_id, "uuid:5b92d4df-b169-4d3b-92c3-58dcb4c30e5f");
	ck_assert_str_eq(wsman_selector(&r.m, "ShellId"),
	    "9C4AD034-68D9-4F40-A1BF-298AFB055DBE");
	ck_assert_uint_eq(r.m.timeout_ms, 20000);
	args = find_elem(r.m.body, WINRMD_NS_SHELL, "Arguments");
	ck_assert_ptr_nonnull(args);
	text = xmlNodeGetContent(args);
	ck_assert_ptr_nonnull(strstr((char *)text, "-EncodedCommand ZQBjAGgAbwAgAGgAaQA="));
	xmlFree(text);
	req_done(&r);
	free(xml);
}
END_TEST

START_TEST(test_go_send)
{
	char *xml = unit_read_data("go-winrm-09-Send.xml", NULL);
	struct req r;
	xmlNodePtr stream;
	xmlChar *name;

	ck_assert_int_eq(run(&r, xml), 0);
	ck_assert_str_eq(r.m.action, WINRMD_ACTION_SEND);
	ck_assert_str_eq(wsman_selector(&r.m, "ShellId"),
	    "B00D7141-40AF-49EC-8804-373C0AEE5492");
	ck_assert_uint_eq(r.m.noptions, 0);
	ck_assert_ptr_null(wsman_option(&r.m, "WINRS_CODEPAGE"));
	ck_assert(soap_is(r.m.body, WINRMD_NS_SHELL, "Send"));
	stream = soap_child(r.m.body, WINRMD_NS_SHELL, "Stream");
	ck_assert_ptr_nonnull(stream);
	name = xmlGetProp(stream, BAD_CAST "Name");
	ck_assert_str_eq((char *)name, "stdin");
	xmlFree(name);
	req_done(&r);
	free(xml);
}
END_TEST

START_TEST(test_pywinrm_signal)
{
	char *xml = unit_read_data("pywinrm-05-Signal.xml", NULL);
	struct req r;
	xmlChar *id;

	ck_assert_int_eq(run(&r, xml), 0);
	ck_assert_str_eq(r.m.action, WINRMD_ACTION_SIGNAL);
	ck_assert_str_eq(wsman_selector(&r.m, "ShellId"),
	    "D626E908-8D4A-4A53-9C37-C71D4AF35126");
	ck_assert(soap_is(r.m.body, WINRMD_NS_SHELL, "Signal"));
	id = xmlGetProp(r.m.body, BAD_CAST "CommandId");
	ck_assert_str_eq((char *)id, "EBFF243F-356B-4F9D-97AB-F1FF45C6F5F1");
	xmlFree(id);
	req_done(&r);
	free(xml);
}
END_TEST

START_TEST(test_pywinrm_delete)
{
	char *xml = unit_read_data("pywinrm-06-Delete.xml", NULL);
	struct req r;

	ck_assert_int_eq(run(&r, xml), 0);
	ck_assert_str_eq(r.m.action, WINRMD_ACTION_DELETE);
	ck_assert_str_eq(r.m.message_id, "uuid:82faea36-e5a4-4ffe-a828-32ee5e4ff7a1");
	ck_assert_str_eq(wsman_selector(&r.m, "ShellId"),
	    "D626E908-8D4A-4A53-9C37-C71D4AF35126");
	ck_assert_ptr_null(r.m.body);		/* empty s:Body */
	ck_assert(!r.m.identify);
	req_done(&r);
	free(xml);
}
END_TEST

/* --- OperationTimeout and MaxEnvelopeSize --- */

START_TEST(test_timeout_clamp)
{
	char *xml = unit_read_data("pywinrm-01-Create.xml", NULL), *edited;
	struct wsman_limits lim = { .max_envelope = 512 * 1024,
	    .max_timeout_ms = 10000 };
	struct req r;

	/* PT20S above a 10 s limit: the limit */
	ck_assert_int_eq(run_lim(&r, xml, &lim), 0);
	ck_assert_uint_eq(r.m.timeout_ms, 10000);
	req_done(&r);
	/* PT20S below the limit: as asked */
	lim.max_timeout_ms = 20001;
	ck_assert_int_eq(run_lim(&r, xml, &lim), 0);
	ck_assert_uint_eq(r.m.timeout_ms, 20000);
	req_done(&r);
	/* absent: the limit */
	edited = replace(xml, CREATE_TIMEOUT, "");
	ck_assert_int_eq(run_lim(&r, edited, &lim), 0);
	ck_assert_uint_eq(r.m.timeout_ms, 20001);
	req_done(&r);
	free(edited);
	/* fractions and PT0S */
	edited = replace(xml, "PT20S", "PT1.5S");
	ck_assert_int_eq(run(&r, edited), 0);
	ck_assert_uint_eq(r.m.timeout_ms, 1500);
	req_done(&r);
	free(edited);
	edited = replace(xml, "PT20S", "PT0S");
	ck_assert_int_eq(run(&r, edited), 0);
	ck_assert_uint_eq(r.m.timeout_ms, 0);
	req_done(&r);
	free(edited);
	/* huge but valid: the limit */
	edited = replace(xml, "PT20S", "P100000D");
	ck_assert_int_eq(run(&r, edited), 0);
	ck_assert_uint_eq(r.m.timeout_ms, 60000);
	req_done(&r);
	free(edited);
	free(xml);
}
END_TEST

START_TEST(test_bad_timeout)
{
	static const char *const bad[] = { "P1Y", "-PT5S", "PT", "PT1H1H",
	    "PT99999999999999999999S", "20", "" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *h;

		ck_assert_int_ge(asprintf(&h, "<w:OperationTimeout>%s"
		    "</w:OperationTimeout>", bad[i]), 0);
		expect_edit_fault("pywinrm-01-Create.xml", CREATE_TIMEOUT, h,
		    WINRMD_FAULT_INVALID_MESSAGE_INFORMATION_HEADER, NULL);
		free(h);
	}
}
END_TEST

START_TEST(test_max_envelope)
{
	char *xml = unit_read_data("pywinrm-01-Create.xml", NULL), *edited;
	struct wsman_limits lim = { .max_envelope = 100000,
	    .max_timeout_ms = 60000 };
	struct req r;

	/* 153600 above a 100000 limit: the limit */
	ck_assert_int_eq(run_lim(&r, xml, &lim), 0);
	ck_assert_uint_eq(r.m.max_envelope, 100000);
	req_done(&r);
	/* absent: the limit */
	edited = replace(xml, CREATE_MAXENV, "");
	ck_assert_int_eq(run_lim(&r, edited, &lim), 0);
	ck_assert_uint_eq(r.m.max_envelope, 100000);
	req_done(&r);
	free(edited);
	/* the smallest allowed */
	edited = replace(xml, ">153600<", ">8192<");
	ck_assert_int_eq(run_lim(&r, edited, &lim), 0);
	ck_assert_uint_eq(r.m.max_envelope, 8192);
	req_done(&r);
	free(edited);
	free(xml);

	expect_edit_fault("pywinrm-01-Create.xml", ">153600<", ">8191<",
	    WINRMD_FAULT_ENCODING_LIMIT, "MinimumEnvelopeLimit");
	expect_edit_fault("pywinrm-01-Create.xml", ">153600<", ">0<",
	    WINRMD_FAULT_ENCODING_LIMIT, "MinimumEnvelopeLimit");
	expect_edit_fault("pywinrm-01-Create.xml", ">153600<", ">150k<",
	    WINRMD_FAULT_INVALID_MESSAGE_INFORMATION_HEADER, NULL);
	expect_edit_fault("pywinrm-01-Create.xml", ">153600<", ">-153600<",
	    WINRMD_FAULT_INVALID_MESSAGE_INFORMATION_HEADER, NULL);
	expect_edit_fault("pywinrm-01-Create.xml", ">153600<",
	    ">99999999999999999999999<",
	    WINRMD_FAULT_INVALID_MESSAGE_INFORMATION_HEADER, NULL);
}
END_TEST

/* --- Identify --- */

#define IDENTIFY_OPEN \
	"<s:Envelope xmlns:s=\"" WINRMD_NS_SOAP "\" xmlns:wsmid=\"" NS_WSMID "\">"

START_TEST(test_identify)
{
	static const struct {
		const char	*xml;
		bool		 identify;
	} cases[] = {
		{ IDENTIFY_OPEN "<s:Header/><s:Body><wsmid:Identify/></s:Body>"
		    "</s:Envelope>", true },
		{ IDENTIFY_OPEN "<s:Body>\n  <wsmid:Identify></wsmid:Identify>\n"
		    "</s:Body></s:Envelope>", true },
		/* another prefix, same namespace */
		{ "<e:Envelope xmlns:e=\"" WINRMD_NS_SOAP "\"><e:Header/><e:Body>"
		    "<i:Identify xmlns:i=\"" NS_WSMID "\"/></e:Body></e:Envelope>",
		    true },
		/* not Identify: another namespace, a sibling, nested, empty */
		{ IDENTIFY_OPEN "<s:Body><wsmid:Identify xmlns:wsmid=\"urn:x\"/>"
		    "</s:Body></s:Envelope>", false },
		{ IDENTIFY_OPEN "<s:Body><Identify/></s:Body></s:Envelope>", false },
		{ IDENTIFY_OPEN "<s:Body><wsmid:Identify/><wsmid:Identify/>"
		    "</s:Body></s:Envelope>", false },
		{ IDENTIFY_OPEN "<s:Body><wsmid:X><wsmid:Identify/></wsmid:X>"
		    "</s:Body></s:Envelope>", false },
		{ IDENTIFY_OPEN "<s:Body/></s:Envelope>", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wsman_msg m = { 0 };
		struct fault f = { 0 };
		xmlDocPtr doc = soap_parse(cases[i].xml, strlen(cases[i].xml), &f);

		ck_assert_msg(doc != NULL, "case %zu: %s", i, f.reason);
		ck_assert_msg(wsman_envelope(&m, doc, &f) == 0, "case %zu: %s",
		    i, f.reason);
		ck_assert_msg(m.identify == cases[i].identify,
		    "case %zu: identify is %d", i, m.identify);
		xmlFreeDoc(doc);
	}
}
END_TEST

/* --- faults --- */

START_TEST(test_missing_action)
{
	expect_edit_fault("pywinrm-01-Create.xml", CREATE_ACTION, "",
	    WINRMD_FAULT_MESSAGE_INFORMATION_HEADER_REQUIRED, NULL);
	expect_edit_fault("pywinrm-01-Create.xml", CREATE_ACTION,
	    "<a:Action mustUnderstand=\"true\"></a:Action>",
	    WINRMD_FAULT_MESSAGE_INFORMATION_HEADER_REQUIRED, NULL);
	expect_edit_fault("pywinrm-01-Create.xml", CREATE_ACTION,
	    "<a:Action>  \n </a:Action>",
	    WINRMD_FAULT_MESSAGE_INFORMATION_HEADER_REQUIRED, NULL);
	/* an Action in another namespace is not the Action */
	expect_edit_fault("pywinrm-01-Create.xml", CREATE_ACTION,
	    "<w:Action>" WINRMD_ACTION_CREATE "</w:Action>",
	    WINRMD_FAULT_MESSAGE_INFORMATION_HEADER_REQUIRED, NULL);
}
END_TEST

START_TEST(test_missing_message_id)
{
	expect_edit_fault("pywinrm-01-Create.xml",
	    "<a:MessageID>" CREATE_MSGID "</a:MessageID>", "",
	    WINRMD_FAULT_MESSAGE_INFORMATION_HEADER_REQUIRED, NULL);
	expect_edit_fault("pywinrm-01-Create.xml",
	    "<a:MessageID>" CREATE_MSGID "</a:MessageID>",
	    "<a:MessageID/>",
	    WINRMD_FAULT_MESSAGE_INFORMATION_HEADER_REQUIRED, NULL);
}
END_TEST

START_TEST(test_missing_reply_to)
{
	/* MS-WSMV §3.1.4.1.3: a request without wsa:ReplyTo is refused */
	expect_edit_fault("pywinrm-01-Create.xml",
	    "<a:ReplyTo><a:Address mustUnderstand=\"true\">"
	    "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
	    "</a:Address></a:ReplyTo>", "",
	    WINRMD_FAULT_MESSAGE_INFORMATION_HEADER_REQUIRED, NULL);
}
END_TEST

START_TEST(test_header_twice)
{
	char *xml = with_header("pywinrm-01-Create.xml",
	    "<a:MessageID>uuid:00000000-0000-0000-0000-000000000000</a:MessageID>");

	expect_fault(xml, WINRMD_FAULT_INVALID_MESSAGE_INFORMATION_HEADER, NULL);
	free(xml);
}
END_TEST

START_TEST(test_header_too_long)
{
	char *big = malloc(5000), *h;

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', 4999);
	big[4999] = '\0';
	ck_assert_int_ge(asprintf(&h, "<w:ResourceURI>%s</w:ResourceURI>", big), 0);
	expect_edit_fault("pywinrm-06-Delete.xml",
	    "<w:ResourceURI mustUnderstand=\"true\">" SHELL_CMD "</w:ResourceURI>",
	    h, WINRMD_FAULT_INVALID_MESSAGE_INFORMATION_HEADER, NULL);
	free(h);
	free(big);
}
END_TEST

START_TEST(test_reply_to)
{
	expect_edit_fault("pywinrm-01-Create.xml", WSA_ANONYMOUS,
	    "http://attacker.example/collect",
	    WINRMD_FAULT_UNSUPPORTED_FEATURE, "AddressingMode");
	/* a ReplyTo without an Address is not anonymous either */
	expect_edit_fault("pywinrm-01-Create.xml",
	    "<a:Address mustUnderstand=\"true\">" WSA_ANONYMOUS "</a:Address>",
	    "", WINRMD_FAULT_UNSUPPORTED_FEATURE, "AddressingMode");
	/* an Address in another namespace does not count */
	expect_edit_fault("pywinrm-01-Create.xml",
	    "<a:Address mustUnderstand=\"true\">",
	    "<a:Address xmlns:a=\"urn:x\">",
	    WINRMD_FAULT_UNSUPPORTED_FEATURE, "AddressingMode");
	/* white space around the address is not part of it */
	expect_edit_ok("pywinrm-01-Create.xml", WSA_ANONYMOUS,
	    "\n  " WSA_ANONYMOUS "\n");
}
END_TEST

START_TEST(test_fault_to)
{
	char *xml = with_header("pywinrm-01-Create.xml",
	    "<a:FaultTo><a:Address>http://attacker.example/</a:Address></a:FaultTo>");

	expect_fault(xml, WINRMD_FAULT_UNSUPPORTED_FEATURE, "AddressingMode");
	free(xml);
	expect_edit_ok("pywinrm-01-Create.xml", "</env:Header>",
	    "<a:FaultTo><a:Address>" WSA_ANONYMOUS "</a:Address></a:FaultTo>"
	    "</env:Header>");
}
END_TEST

START_TEST(test_must_understand)
{
	static const char *const refused[] = {
		"<x:Unknown xmlns:x=\"urn:x\" env:mustUnderstand=\"true\">1</x:Unknown>",
		"<x:Unknown xmlns:x=\"urn:x\" env:mustUnderstand=\"1\"/>",
		/* pywinrm writes mustUnderstand without a prefix */
		"<x:Unknown xmlns:x=\"urn:x\" mustUnderstand=\"true\"/>",
		/* unknown in a known namespace */
		"<w:FragmentTransfer mustUnderstand=\"true\">x</w:FragmentTransfer>",
	};
	static const char *const ignored[] = {
		"<x:Unknown xmlns:x=\"urn:x\" env:mustUnderstand=\"false\">1</x:Unknown>",
		"<x:Unknown xmlns:x=\"urn:x\" env:mustUnderstand=\"0\"/>",
		"<x:Unknown xmlns:x=\"urn:x\">1</x:Unknown>",
		"<x:Unknown xmlns:x=\"urn:x\" mustUnderstand=\"false\"/>",
		/* known headers marked mustUnderstand are understood */
		"<p:SessionId mustUnderstand=\"true\">uuid:11111111-2222-3333-4444-555555555555</p:SessionId>",
		"<p:OperationID s:mustUnderstand=\"true\" xmlns:s=\"" WINRMD_NS_SOAP "\">uuid:1</p:OperationID>",
	};

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char *xml = with_header("pywinrm-01-Create.xml", refused[i]);

		expect_fault(xml, WINRMD_FAULT_MUST_UNDERSTAND, NULL);
		free(xml);
	}
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		char *h;

		ck_assert_int_ge(asprintf(&h, "%s</env:Header>", ignored[i]), 0);
		expect_edit_ok("pywinrm-01-Create.xml", "</env:Header>", h);
		free(h);
	}
}
END_TEST

/*
 * rsp:CompressionType (mustUnderstand, as Windows' client sends it) is let
 * through to a Create, where the shell plugin reads it; marked so on any
 * other action it is not understood
 */
START_TEST(test_compression_type)
{
#define XPRESS_HDR "<rsp:CompressionType env:mustUnderstand=\"true\">" \
	    "xpress</rsp:CompressionType>"
	char *xml;

	expect_edit_ok("pywinrm-01-Create.xml", "</env:Header>",
	    XPRESS_HDR "</env:Header>");
	xml = with_header("pywinrm-06-Delete.xml", XPRESS_HDR);
	expect_fault(xml, WINRMD_FAULT_MUST_UNDERSTAND, NULL);
	free(xml);
	/* not marked: ignored there too */
	expect_edit_ok("pywinrm-06-Delete.xml", "</env:Header>",
	    "<rsp:CompressionType>xpress</rsp:CompressionType></env:Header>");
#undef XPRESS_HDR
}
END_TEST

START_TEST(test_session_id)
{
	char *xml = with_header("pywinrm-01-Create.xml",
	    "<p:SessionId mustUnderstand=\"false\">uuid:11111111-2222-3333-4444-555555555555</p:SessionId>");
	struct req r;

	ck_assert_int_eq(run(&r, xml), 0);
	ck_assert_str_eq(r.m.session_id, "uuid:11111111-2222-3333-4444-555555555555");
	req_done(&r);
	free(xml);
}
END_TEST

START_TEST(test_selectors)
{
	const char *sel = "</w:SelectorSet>";

	/* the same name twice, in another case */
	expect_edit_fault("pywinrm-02-Command.xml", sel,
	    "<w:Selector Name=\"shellid\">X</w:Selector></w:SelectorSet>",
	    WINRMD_FAULT_DUPLICATE_SELECTORS, "DuplicateSelectors");
	/* a selector without a Name */
	expect_edit_fault("pywinrm-02-Command.xml", sel,
	    "<w:Selector>X</w:Selector></w:SelectorSet>",
	    WINRMD_FAULT_INVALID_SELECTORS, NULL);
	/* something else in the set */
	expect_edit_fault("pywinrm-02-Command.xml", sel,
	    "<w:Option Name=\"A\">X</w:Option></w:SelectorSet>",
	    WINRMD_FAULT_INVALID_SELECTORS, NULL);
	/* two sets */
	expect_edit_fault("pywinrm-02-Command.xml", sel,
	    "</w:SelectorSet><w:SelectorSet><w:Selector Name=\"B\">Y</w:Selector>"
	    "</w:SelectorSet>", WINRMD_FAULT_INVALID_SELECTORS, NULL);
	/* two different names are fine */
	expect_edit_ok("pywinrm-02-Command.xml", sel,
	    "<w:Selector Name=\"CommandId\">Y</w:Selector></w:SelectorSet>");
}
END_TEST

/* n elements <w:elem Name="elemN">v</w:elem> */
static char *
many(const char *elem, int n)
{
	char *out = calloc(1, (size_t)n * 64 + 1);
	size_t len = 0;

	ck_assert_ptr_nonnull(out);
	for (int i = 0; i < n; i++)
		len += (size_t)sprintf(out + len, "<w:%s Name=\"%s%d\">v</w:%s>",
		    elem, elem, i, elem);
	return out;
}

START_TEST(test_too_many)
{
	char *s = many("Selector", WSMAN_MAX_SELECTORS + 1);
	char *set;

	ck_assert_int_ge(asprintf(&set, "<w:SelectorSet>%s</w:SelectorSet>"
	    "<w:OptionSet>", s), 0);
	free(s);
	expect_edit_fault("pywinrm-01-Create.xml", "<w:OptionSet>",
	    set, WINRMD_FAULT_INVALID_SELECTORS, NULL);
	free(set);

	s = many("Option", WSMAN_MAX_OPTIONS + 1);
	ck_assert_int_ge(asprintf(&set, "<w:OptionSet>%s", s), 0);
	free(s);
	expect_edit_fault("pywinrm-01-Create.xml", "<w:OptionSet>",
	    set, WINRMD_FAULT_INVALID_OPTIONS, NULL);
	free(set);

	/* exactly the limit is fine */
	s = many("Selector", WSMAN_MAX_SELECTORS);
	ck_assert_int_ge(asprintf(&set, "<w:SelectorSet>%s</w:SelectorSet>"
	    "<w:OptionSet>", s), 0);
	free(s);
	expect_edit_ok("pywinrm-01-Create.xml", "<w:OptionSet>", set);
	free(set);
}
END_TEST

START_TEST(test_options)
{
	char *src = unit_read_data("pywinrm-01-Create.xml", NULL);
	char *xml = replace(src, "<w:Option Name=\"WINRS_CODEPAGE\">",
	    "<w:Option Name=\"WINRS_CODEPAGE\" MustComply=\"true\">");
	struct req r;

	ck_assert_int_eq(run(&r, xml), 0);
	ck_assert_uint_eq(r.m.noptions, 2);
	ck_assert(!r.m.options[0].must_comply);
	ck_assert_str_eq(r.m.options[1].name, "WINRS_CODEPAGE");
	ck_assert(r.m.options[1].must_comply);
	req_done(&r);
	free(xml);
	free(src);

	expect_edit_fault("pywinrm-01-Create.xml", "<w:Option Name=\"WINRS_CODEPAGE\">",
	    "<w:Option>", WINRMD_FAULT_INVALID_OPTIONS, "InvalidName");
	expect_edit_fault("pywinrm-01-Create.xml", "</w:OptionSet>",
	    "</w:OptionSet><w:OptionSet/>", WINRMD_FAULT_INVALID_OPTIONS, NULL);
}
END_TEST

START_TEST(test_not_soap12)
{
	/* a SOAP 1.1 envelope */
	expect_edit_fault("pywinrm-01-Create.xml",
	    "xmlns:env=\"" WINRMD_NS_SOAP "\"", "xmlns:env=\"" SOAP11 "\"",
	    WINRMD_FAULT_INVALID_XML, NULL);
	/* no namespace at all */
	expect_fault("<Envelope><Header/><Body/></Envelope>",
	    WINRMD_FAULT_INVALID_XML, NULL);
	/* the right namespace, the wrong root */
	expect_fault("<s:Body xmlns:s=\"" WINRMD_NS_SOAP "\"/>",
	    WINRMD_FAULT_INVALID_XML, NULL);
	/* no Body, two Bodies, Body before Header, a stranger */
	expect_edit_fault("pywinrm-06-Delete.xml", "<env:Body></env:Body>", "",
	    WINRMD_FAULT_INVALID_XML, NULL);
	expect_edit_fault("pywinrm-06-Delete.xml", "<env:Body></env:Body>",
	    "<env:Body/><env:Body/>", WINRMD_FAULT_INVALID_XML, NULL);
	expect_edit_fault("pywinrm-06-Delete.xml", "<env:Body></env:Body>",
	    "<env:Body/><env:Header/>", WINRMD_FAULT_INVALID_XML, NULL);
	expect_edit_fault("pywinrm-06-Delete.xml", "<env:Body></env:Body>",
	    "<env:Body/><env:Trailer/>", WINRMD_FAULT_INVALID_XML, NULL);
}
END_TEST

START_TEST(test_no_header)
{
	/* no s:Header at all: the required headers are missing */
	expect_fault("<s:Envelope xmlns:s=\"" WINRMD_NS_SOAP "\"><s:Body/>"
	    "</s:Envelope>", WINRMD_FAULT_MESSAGE_INFORMATION_HEADER_REQUIRED,
	    NULL);
}
END_TEST

static void
setup(void)
{
	soap_init();
}

static Suite *
wsman_suite(void)
{
	Suite *s = suite_create("wsman");
	TCase *tc = tcase_create("captures");

	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_pywinrm_create);
	tcase_add_test(tc, test_pywinrm_command);
	tcase_add_test(tc, test_go_command);
	tcase_add_test(tc, test_ansible_command);
	tcase_add_test(tc, test_go_send);
	tcase_add_test(tc, test_pywinrm_signal);
	tcase_add_test(tc, test_pywinrm_delete);
	tcase_add_test(tc, test_identify);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_timeout_clamp);
	tcase_add_test(tc, test_bad_timeout);
	tcase_add_test(tc, test_max_envelope);
	suite_add_tcase(s, tc);

	tc = tcase_create("faults");
	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_missing_action);
	tcase_add_test(tc, test_missing_message_id);
	tcase_add_test(tc, test_missing_reply_to);
	tcase_add_test(tc, test_header_twice);
	tcase_add_test(tc, test_header_too_long);
	tcase_add_test(tc, test_reply_to);
	tcase_add_test(tc, test_fault_to);
	tcase_add_test(tc, test_must_understand);
	tcase_add_test(tc, test_compression_type);
	tcase_add_test(tc, test_session_id);
	tcase_add_test(tc, test_selectors);
	tcase_add_test(tc, test_too_many);
	tcase_add_test(tc, test_options);
	tcase_add_test(tc, test_not_soap12);
	tcase_add_test(tc, test_no_header);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(wsman_suite)
