/*
 * psrp_json.h: the codec's views in JSON (json-c), shared by the unit
 * tests of the vectors (tests/unit/check_psrp_vectors.c) and the tool the
 * validator drives (tests/psrp/psrp_tool.c); tests/psrp/gen_vectors.py and
 * validate.py write the same forms from the third-party side.
 *
 *   tagged  a value with its CLIXML types: null for Nil, {"S": "text"},
 *           {"I32": 5}, {"Obj": {"TN": [...], "ToString": "...",
 *           "base": tagged, "LST": [...] | "DCT": [[k, v], ...],
 *           "Props": {...}, "MS": {...}}}
 *   plain   what a script sees: strings, numbers, booleans, null, lists,
 *           dictionaries, an object as its properties, an enum as its number
 *   expect  a message as the server understands it: {"init": {...}},
 *           {"pipeline": {...}}, {"input": plain}, ...
 */
#ifndef WINRMD_TESTS_PSRP_JSON_H
#define WINRMD_TESTS_PSRP_JSON_H

#include <json-c/json.h>

#include "clixml.h"
#include "message.h"

json_object		*psrp_json_tagged(const struct clixml_value *v);
json_object		*psrp_json_plain(const struct clixml_value *v);
/* the expect form of a message and its value; error text on failure */
json_object		*psrp_json_expect(const struct psrp_msg *m,
			    const struct clixml_value *v, char *err,
			    size_t errlen);
/* a value from its tagged form (one reference), or NULL */
struct clixml_value	*psrp_json_to_value(json_object *j);

#endif
