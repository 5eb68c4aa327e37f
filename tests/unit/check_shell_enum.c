/*
 * check_shell_enum.c: shells as resources (shell_enum.c) on the mock host,
 * with a shell table made by hand: Enumerate lists only the caller's
 * shells, oldest first, by kind (.../windows/shell, /cmd, the PowerShell
 * URI), with their fields; a shell deleted between Enumerate and Pull is
 * skipped, not sent; Get by ShellId and its faults; filters; the commands
 * of one shell.
 */
#include "build.h"

#include <string.h>

#include "enumeration.h"
#include "mock_host.h"
#include "psrp.h"
#include "shell.h"
#include "unit.h"

#define SHELLS	"http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
#define CMD	SHELLS "/cmd"
#define PS	"http://schemas.microsoft.com/powershell/Microsoft.PowerShell"
#define SELF	"http://schemas.dmtf.org/wbem/wsman/1/wsman/SelectorFilter"

const struct winrmd_host *host = &mock_host;
static struct plugin_state st;
static struct psrp_pool a_pool;	/* only its address matters here */

/* what shell.c and psrp_pool.c give shell_enum.c */
struct plugin_state *
shell_state(void)
{
	return &st;
}

int
shell_not_found(struct winrmd_op *op, const char *id)
{
	return host->op_fault(op, WINRMD_FAULT_SHELL_NOT_FOUND, NULL,
	    "no shell %s", id);
}

bool
psrp_uri(const char *uri)
{
	return strncasecmp(uri, PSRP_URI_PREFIX, strlen(PSRP_URI_PREFIX)) == 0;
}

/* a shell of uid, created now (the newest first, as shell.c links them) */
static struct shell *
add_shell(const char *id, uid_t uid, const char *user, bool pool)
{
	struct shell *sh = calloc(1, sizeof(*sh));

	ck_assert_ptr_nonnull(sh);
	snprintf(sh->id, sizeof(sh->id), "%s", id);
	sh->user.p.uid = uid;
	sh->user.name = strdup(user);
	snprintf(sh->client_ip, sizeof(sh->client_ip), "192.0.2.7");
	sh->input_streams = strdup(pool ? "stdin pr" : "stdin");
	sh->output_streams = strdup(pool ? "stdout" : "stdout stderr");
	sh->idle_ms = 7200000;
	sh->created_ms = sh->last_ms = host->now_ms();
	sh->psrp = pool ? &a_pool : NULL;
	sh->next = st.shells;
	st.shells = sh;
	return sh;
}

static void
free_shell(struct shell *sh)
{
	while (sh->commands != NULL) {
		struct command *c = sh->commands;

		sh->commands = c->next;
		free(c);
	}
	free(sh->user.name);
	free(sh->input_streams);
	free(sh->output_streams);
	free(sh);
}

static void
remove_shell(const char *id)
{
	for (struct shell **pp = &st.shells; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->id, id) == 0) {
			struct shell *sh = *pp;

			*pp = sh->next;
			free_shell(sh);
			return;
		}
	ck_abort_msg("no shell %s", id);
}

static void
setup(void)
{
	memset(&st, 0, sizeof(st));
	mock_conf_set("Winrs.AllowRemoteShellAccess", "true");
	mock_conf_set("Winrs.IdleTimeout", "7200000");
	add_shell("A1", 1000, "alice", false);
	add_shell("B1", 1001, "bob", false);
	mock_advance(61000);
	add_shell("A2", 1000, "alice", true);
	add_shell("A3", 1000, "alice", false);
}

static void
teardown(void)
{
	enumeration_drop_all();
	while (st.shells != NULL) {
		struct shell *sh = st.shells;

		st.shells = sh->next;
		free_shell(sh);
	}
	mock_reset();
}

/* the ShellIds of the reply, in order, space-separated */
static void
ids(struct winrmd_op *op, char *buf, size_t len)
{
	char *xml = mock_reply_text(op), *p = xml;

	buf[0] = '\0';
	while ((p = strstr(p, "<rsp:ShellId>")) != NULL) {
		p += strlen("<rsp:ShellId>");
		if (buf[0] != '\0')
			strncat(buf, " ", len - strlen(buf) - 1);
		strncat(buf, p, strcspn(p, "<") < len - strlen(buf) - 1 ?
		    strcspn(p, "<") : len - strlen(buf) - 1);
	}
	free(xml);
}

static struct winrmd_op *
enumerate(const char *uri, const char *inner)
{
	struct winrmd_op *op = mock_enum_op(uri, inner);

	op->status = shell_op_enumerate(op, NULL);
	return op;
}

START_TEST(test_enumerate_own_shells_oldest_first)
{
	struct winrmd_op *op = enumerate(SHELLS,
	    "<w:OptimizeEnumeration/><w:MaxElements>100</w:MaxElements>");
	char got[256];

	mock_assert_ok(op);
	ids(op, got, sizeof(got));
	ck_assert_str_eq(got, "A1 A2 A3");
	ck_assert_uint_eq(mock_reply_count(op, "EndOfSequence"), 1);
	ck_assert_uint_eq(mock_reply_count(op, "Owner"), 3);
	{
		char *xml = mock_reply_text(op);

		ck_assert_ptr_null(strstr(xml, "bob"));
		/* A1 ran for 61 s; the pool says its URI and streams */
		ck_assert_ptr_nonnull(strstr(xml, "<rsp:ShellRunTime>P0DT0H1M1S<"));
		ck_assert_ptr_nonnull(strstr(xml, "<rsp:ResourceUri>" PS "<"));
		ck_assert_ptr_nonnull(strstr(xml, "<rsp:InputStreams>stdin pr<"));
		ck_assert_ptr_nonnull(strstr(xml, "<rsp:IdleTimeOut>PT7200.000S<"));
		ck_assert_ptr_nonnull(strstr(xml, "<rsp:State>Connected<"));
		free(xml);
	}
	mock_op_free(op);

	op = enumerate(CMD, "<w:OptimizeEnumeration/><w:MaxElements>100"
	    "</w:MaxElements>");
	mock_assert_ok(op);
	ids(op, got, sizeof(got));
	ck_assert_str_eq(got, "A1 A3");
	mock_op_free(op);
	op = enumerate(PS, "<w:OptimizeEnumeration/><w:MaxElements>100"
	    "</w:MaxElements>");
	mock_assert_ok(op);
	ids(op, got, sizeof(got));
	ck_assert_str_eq(got, "A2");
	mock_op_free(op);

	/* bob sees only his own */
	op = mock_enum_op(SHELLS, "<w:OptimizeEnumeration/>"
	    "<w:MaxElements>100</w:MaxElements>");
	mock_op_user(op, "bob", 1001);
	op->status = shell_op_enumerate(op, NULL);
	mock_assert_ok(op);
	ids(op, got, sizeof(got));
	ck_assert_str_eq(got, "B1");
	mock_op_free(op);
}
END_TEST

START_TEST(test_shell_gone_before_pull_is_skipped)
{
	struct winrmd_op *op = enumerate(SHELLS, NULL), *pull;
	char *ctx, got[256];

	mock_assert_ok(op);
	ctx = mock_reply_find(op, "EnumerationContext");
	ck_assert_ptr_nonnull(ctx);
	mock_op_free(op);
	remove_shell("A2");
	pull = mock_pull_op(SHELLS, ctx, 1);
	pull->status = shell_op_pull(pull, NULL);
	mock_assert_ok(pull);
	ids(pull, got, sizeof(got));
	ck_assert_str_eq(got, "A1");
	mock_op_free(pull);
	pull = mock_pull_op(SHELLS, ctx, 5);
	pull->status = shell_op_pull(pull, NULL);
	mock_assert_ok(pull);
	ids(pull, got, sizeof(got));
	ck_assert_str_eq(got, "A3");	/* not A2, deleted since */
	ck_assert_uint_eq(mock_reply_count(pull, "EndOfSequence"), 1);
	mock_op_free(pull);
	free(ctx);
}
END_TEST

START_TEST(test_get)
{
	struct winrmd_op *op = mock_get_op(SHELLS, "ShellId", "a2", NULL);

	op->status = shell_op_get(op, NULL);
	mock_assert_ok(op);
	{
		char *id = mock_reply_find(op, "ShellId");

		ck_assert_str_eq(id, "A2");
		free(id);
	}
	mock_op_free(op);
	/* another user's, a pool asked for on /cmd, an unknown one, none */
	op = mock_get_op(SHELLS, "ShellId", "B1", NULL);
	op->status = shell_op_get(op, NULL);
	mock_assert_fault(op, WINRMD_FAULT_SHELL_NOT_FOUND);
	mock_op_free(op);
	op = mock_get_op(CMD, "ShellId", "A2", NULL);
	op->status = shell_op_get(op, NULL);
	mock_assert_fault(op, WINRMD_FAULT_SHELL_NOT_FOUND);
	mock_op_free(op);
	op = mock_get_op(SHELLS, "ShellId", "nope", NULL);
	op->status = shell_op_get(op, NULL);
	mock_assert_fault(op, WINRMD_FAULT_SHELL_NOT_FOUND);
	mock_op_free(op);
	op = mock_get_op(SHELLS, NULL);
	op->status = shell_op_get(op, NULL);
	mock_assert_fault(op, WINRMD_FAULT_INVALID_SELECTORS);
	mock_op_free(op);
	op = mock_get_op("http://schemas.microsoft.com/powershell/Other",
	    "ShellId", "A2", NULL);
	op->status = shell_op_get(op, NULL);
	mock_assert_fault(op, WINRMD_FAULT_DESTINATION_UNREACHABLE);
	mock_op_free(op);
	mock_conf_set("Winrs.AllowRemoteShellAccess", "false");
	op = mock_get_op(SHELLS, "ShellId", "A2", NULL);
	op->status = shell_op_get(op, NULL);
	mock_assert_fault(op, WINRMD_FAULT_REMOTESHELLS_NOT_ALLOWED);
	mock_op_free(op);
}
END_TEST

START_TEST(test_filters_and_commands)
{
	struct winrmd_op *op;
	struct command *c = calloc(1, sizeof(*c));
	char got[256];

	op = enumerate(SHELLS, "<w:OptimizeEnumeration/><w:Filter Dialect=\""
	    SELF "\"><w:SelectorSet><w:Selector Name=\"ResourceUri\">" CMD
	    "</w:Selector><w:Selector Name=\"ShellId\">a3</w:Selector>"
	    "</w:SelectorSet></w:Filter>");
	mock_assert_ok(op);
	ids(op, got, sizeof(got));
	ck_assert_str_eq(got, "A3");
	mock_op_free(op);
	op = enumerate(SHELLS, "<w:Filter Dialect=\"" SELF "\"><w:SelectorSet>"
	    "<w:Selector Name=\"ShellId\">A1</w:Selector><w:Selector Name="
	    "\"ShellId\">A3</w:Selector></w:SelectorSet></w:Filter>");
	mock_assert_fault(op, WINRMD_FAULT_CANNOT_PROCESS_FILTER);
	mock_op_free(op);
	op = enumerate(SHELLS, "<w:Filter Dialect=\"urn:x\">x</w:Filter>");
	mock_assert_fault(op, WINRMD_FAULT_FILTER_DIALECT_UNAVAILABLE);
	mock_op_free(op);

	/* the commands of A3 */
	ck_assert_ptr_nonnull(c);
	snprintf(c->id, sizeof(c->id), "C1");
	for (struct shell *sh = st.shells; sh != NULL; sh = sh->next)
		if (strcmp(sh->id, "A3") == 0) {
			c->shell = sh;
			sh->commands = c;
		}
	op = enumerate(SHELLS "/Command", "<w:OptimizeEnumeration/><w:Filter "
	    "Dialect=\"" SELF "\"><w:SelectorSet><w:Selector Name=\"ShellId\">"
	    "A3</w:Selector></w:SelectorSet></w:Filter>");
	mock_assert_ok(op);
	{
		char *id = mock_reply_find(op, "CommandId");

		ck_assert_str_eq(id, "C1");
		free(id);
	}
	mock_op_free(op);
	op = enumerate(SHELLS "/Command", "<w:Filter Dialect=\"" SELF "\">"
	    "<w:SelectorSet><w:Selector Name=\"ShellId\">B1</w:Selector>"
	    "</w:SelectorSet></w:Filter>");
	mock_assert_fault(op, WINRMD_FAULT_SHELL_NOT_FOUND);
	mock_op_free(op);
	op = enumerate(SHELLS "/nosuch", NULL);
	mock_assert_fault(op, WINRMD_FAULT_DESTINATION_UNREACHABLE);
	mock_op_free(op);
}
END_TEST

static Suite *
shell_enum_suite(void)
{
	Suite *s = suite_create("shell_enum");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_enumerate_own_shells_oldest_first);
	tcase_add_test(tc, test_shell_gone_before_pull_is_skipped);
	tcase_add_test(tc, test_get);
	tcase_add_test(tc, test_filters_and_commands);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(shell_enum_suite)
