/*
 * fuzz_psrp_cmdlet.c: script text from a hostile client through the
 * cmdlet recogniser (plugins/shell/psrp_cmdlet.c), alone and as pypsrp's
 * Invoke-Expression -Command TEXT | Out-String -Stream; and the input as
 * a record line of winrmd-native.  Nothing crashes or leaks; a plan that
 * comes out has the shape winrmd-native reads (psrp_cmdlet.h): a stage
 * name, "-Param" value pairs, "|" or ";" between stages, at most 64
 * stages in a statement, no empty statement, and the same text gives the
 * same plan.  A plan of Read-Host gets its host call built
 * (psrp_host.c), and the input is read as Write-Host's record too.
 * TabExpansion2's word at the cursor (native/ps_word.c), the cursor at
 * the first byte's value: within the line, its value no longer than it,
 * and the line as a quoted word gives the line back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ps_word.h"
#include "psrp_cmdlet.h"
#include "psrp_host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_plan(char **w)
{
	size_t i = 0, stages = 0;

	for (;;) {
		if (w[i] == NULL || w[i][0] == '-' || strcmp(w[i], "|") == 0 ||
		    strcmp(w[i], ";") == 0)
			abort();	/* a stage name must come */
		i++;
		if (++stages > 64)
			abort();
		while (w[i] != NULL && w[i][0] == '-') {
			if (w[i + 1] == NULL)
				abort();	/* a parameter without value */
			i += 2;
		}
		if (w[i] == NULL)
			return;
		if (strcmp(w[i], ";") == 0)
			stages = 0;
		else if (strcmp(w[i], "|") != 0)
			abort();
		i++;
	}
}

static void
same(char **a, char **b)
{
	size_t i;

	for (i = 0; a[i] != NULL && b[i] != NULL; i++)
		if (strcmp(a[i], b[i]) != 0)
			abort();
	if (a[i] != NULL || b[i] != NULL)
		abort();
}

static void
check_word(const uint8_t *data, size_t size)
{
	char *line = strndup((const char *)data, size), *q;
	size_t len = strlen(line), cursor = size > 0 ? data[0] % (len + 1) : 0;
	struct ps_word w;

	if (ps_word_find(line, cursor, &w) < 0)
		abort();
	if (w.start > cursor || w.end < cursor || w.end > len ||
	    strlen(w.text) > cursor - w.start ||
	    (w.quote != 0 && w.quote != '\'' && w.quote != '"') ||
	    (w.command && w.cmdlet != NULL))
		abort();
	ps_word_clear(&w);
	for (char k = 0; k < 2; k++) {
		if ((q = ps_word_quote(line, k ? '"' : 0, false)) == NULL ||
		    ps_word_find(q, strlen(q), &w) < 0 || (len > 0 &&
		    (w.start != 0 || strcmp(w.text, line) != 0)))
			abort();
		ps_word_clear(&w);
		free(q);
	}
	(void)ps_word_u16_len(line, ps_word_byte_offset(line, (long)size));
	free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct clixml_value *cmd = clixml_new_stringn(text, size);
	struct clixml_value *yes = clixml_new_bool(true);
	struct psrp_arg a_iex[] = { { "Command", cmd } };
	struct psrp_arg a_out[] = { { "Stream", yes } };
	struct psrp_cmd cmds[] = {
		{ .pc_cmd = "Invoke-Expression", .pc_args = a_iex, .pc_nargs = 1 },
		{ .pc_cmd = "Out-String", .pc_args = a_out, .pc_nargs = 1 } };
	struct psrp_statement st = { cmds, 2 };
	struct psrp_pipeline p = { .pp_statements = &st, .pp_nstatements = 1 };
	char **w = NULL, **w2 = NULL, err[128];
	struct psrp_read_host rh;
	const char *xml;
	uint32_t type;
	size_t len;

	if (psrp_cmdlet_parse_text(text, size, &w) == 1) {
		check_plan(w);
		if (psrp_cmdlet_parse_text(text, size, &w2) != 1)
			abort();
		same(w, w2);
		psrp_cmdlet_free(w2);
		w2 = psrp_cmdlet_argv("native", "MARK", w);
		free(w2);
		if (psrp_read_host_plan(w, &rh) == 1) {
			struct clixml_value *call = psrp_read_host_call(&rh, 1);

			if (call == NULL || (rh.method == PSRP_HOST_PROMPT) !=
			    (rh.prompt != NULL))
				abort();
			clixml_unref(call);
			psrp_read_host_clear(&rh);
		}
	}
	clixml_unref(psrp_host_write_call(text, size));
	psrp_cmdlet_free(w);
	if (cmd != NULL && yes != NULL && psrp_cmdlet_recognise(&p, &w) == 1) {
		check_plan(w);
		psrp_cmdlet_free(w);
	}
	if (psrp_cmdlet_line(text, size, &type, &xml, &len, err,
	    sizeof(err)) == 0 && (xml != text + 1 || len != size - 1))
		abort();
	clixml_unref(cmd);
	clixml_unref(yes);
	check_word(data, size);
	return 0;
}
