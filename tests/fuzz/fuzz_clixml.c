/*
 * fuzz_clixml.c: CLIXML text from a hostile peer.  Reading never crashes,
 * leaks or runs past its bounds; what it reads is written, read again and
 * written to the same text (the writer's output is always readable and
 * stable); PowerShell's string escaping is stable after one round.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clixml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
walk(const struct clixml_value *v, int depth)
{
	int64_t i;
	bool b;

	if (v == NULL || depth > 100)
		return;
	(void)clixml_int(v, &i);
	(void)clixml_bool(v, &b);
	(void)clixml_str(v, NULL);
	(void)clixml_member(v, "Message");
	(void)clixml_dict_get(v, "Key");
	(void)clixml_has_type(v, "System.Object");
	for (size_t k = 0; k < clixml_list_len(v) && k < 50; k++)
		walk(clixml_list_at(v, k), depth + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct clixml_limits lim = {
		.max_bytes = 1 << 20, .max_depth = 64, .max_nodes = 20000,
	};
	struct clixml_value *v, *again;
	char err[256], *w1, *w2, *e1, *e2, *u;
	size_t l1, l2, le1, le2, lu;

	v = clixml_read((const char *)data, size, &lim, err, sizeof(err));
	if (v != NULL) {
		walk(v, 0);
		if ((w1 = clixml_write(v, &l1)) == NULL)
			abort();
		/* what the writer wrote reads back and writes the same */
		again = clixml_read(w1, l1, NULL, err, sizeof(err));
		if (again == NULL)
			abort();
		if ((w2 = clixml_write(again, &l2)) == NULL || l1 != l2 ||
		    memcmp(w1, w2, l1) != 0)
			abort();
		free(w1);
		free(w2);
		clixml_unref(again);
		clixml_unref(v);
	}
	/* escaping: stable once bytes that are not UTF-8 are replaced */
	if ((e1 = clixml_escape((const char *)data, size, &le1)) == NULL)
		return 0;
	if ((u = clixml_unescape(e1, le1, &lu)) == NULL)
		abort();
	if ((e2 = clixml_escape(u, lu, &le2)) == NULL || le1 != le2 ||
	    memcmp(e1, e2, le1) != 0)
		abort();
	free(e1);
	free(e2);
	free(u);
	return 0;
}
