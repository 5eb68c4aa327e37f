/*
 * fuzz_wql.c: the WQL dialect of the cim plugin (plugins/cim/wql.c), which
 * any authenticated user reaches through an Enumerate filter: the parser,
 * binding to a class with every kind of property, evaluation against
 * instances with values, NULLs and arrays, and LIKE patterns.
 *
 * The input is the query; the part after its first NUL byte, if any, is
 * also matched as a LIKE pattern against the part before it.  Invariants:
 * a parsed query has a class; a bound query's projection names only
 * properties of the class; evaluation answers true, false or unknown.
 */
#define _GNU_SOURCE

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { P_NAME, P_INDEX, P_VALUE, P_SMALL, P_BIG, P_REAL, P_FLAG, P_NOTE,
	P_WHEN, P_TOOK, P_CHAR, P_TAGS, P_NUMS, P_COUNT };

static const struct cim_property props[P_COUNT] = {
	[P_NAME] = { "Name", CIM_STRING, CIM_KEY },
	[P_INDEX] = { "Index", CIM_UINT32, CIM_KEY },
	[P_VALUE] = { "Value", CIM_SINT32, 0 },
	[P_SMALL] = { "Small", CIM_SINT8, 0 },
	[P_BIG] = { "Big", CIM_UINT64, 0 },
	[P_REAL] = { "Ratio", CIM_REAL64, 0 },
	[P_FLAG] = { "Flag", CIM_BOOLEAN, 0 },
	[P_NOTE] = { "Note", CIM_STRING, 0 },
	[P_WHEN] = { "When", CIM_DATETIME, 0 },
	[P_TOOK] = { "Took", CIM_INTERVAL, 0 },
	[P_CHAR] = { "Letter", CIM_CHAR16, 0 },
	[P_TAGS] = { "Tags", CIM_STRING, CIM_ARRAY },
	[P_NUMS] = { "Nums", CIM_UINT16, CIM_ARRAY },
};

static struct cim_services svc;
static struct cim_instance *insts[3];

static void
setup(void)
{
	struct cim_instance *i;

	inst_services(&svc);
	/* everything set, with odd values */
	i = insts[0] = inst_new(props, P_COUNT);
	svc.set_string(i, P_NAME, "Ab%_[c]\xc3\xa9\xe2\x82\xac");
	svc.set_uint(i, P_INDEX, 4294967295u);
	svc.set_sint(i, P_VALUE, -2147483647 - 1);
	svc.set_sint(i, P_SMALL, -128);
	svc.set_uint(i, P_BIG, UINT64_MAX);
	svc.set_real(i, P_REAL, -0.0);
	svc.set_bool(i, P_FLAG, true);
	svc.set_string(i, P_NOTE, "");
	svc.set_datetime(i, P_WHEN, 1712148350, 468750);
	svc.set_interval(i, P_TOOK, 123456789);
	svc.set_uint(i, P_CHAR, 'x');
	svc.add_string(i, P_TAGS, "a");
	svc.add_string(i, P_TAGS, "");
	svc.add_uint(i, P_NUMS, 65535);
	/* keys only: every other property NULL */
	i = insts[1] = inst_new(props, P_COUNT);
	svc.set_string(i, P_NAME, "");
	svc.set_uint(i, P_INDEX, 0);
	/* ordinary values */
	i = insts[2] = inst_new(props, P_COUNT);
	svc.set_string(i, P_NAME, "sshd.service");
	svc.set_uint(i, P_INDEX, 7);
	svc.set_sint(i, P_VALUE, 42);
	svc.set_real(i, P_REAL, 2.5e10);
	svc.set_bool(i, P_FLAG, false);
	svc.set_string(i, P_NOTE, "Note with 'quotes' and \"more\"");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int initialised;
	char err[256], *text;
	struct wql_query *q;
	size_t n;

	if (!initialised) {
		setup();
		initialised = 1;
	}
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if ((q = wql_parse(text, err, sizeof(err))) != NULL) {
		if (q->cls == NULL || q->cls[0] == '\0')
			abort();
		if (wql_bind(q, props, P_COUNT, err, sizeof(err)) == 0) {
			for (size_t i = 0; i < q->nselect; i++)
				if (props_find(props, P_COUNT, q->select[i]) < 0)
					abort();
			for (size_t i = 0; i < sizeof(insts) / sizeof(insts[0]); i++) {
				int v = q->where ? wql_eval(q->where, insts[i]) : 1;

				if (v < -1 || v > 1)
					abort();
				if (wql_match(q, insts[i]) != (v == 1))
					abort();
			}
		}
		wql_free(q);
	} else if (err[0] == '\0')
		abort();	/* refused without a reason */
	n = strlen(text);
	if (n < size)
		(void)wql_like(text, text + n + 1);
	free(text);
	return 0;
}
