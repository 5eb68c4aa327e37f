/*
 * fuzz_monitor_msg.c: the monitor's message parser (daemon/monitor_msg.c)
 * on what a compromised network part could send: any datagram.  It never
 * crashes or reads out of bounds; a message mon_check() accepts reads back
 * field by field, as the monitor reads it, without a single bad field; and
 * writing those fields again gives the same bytes.
 */
#include "build.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mon_msg m, again;
	const char *schema;

	if (m.buf == NULL && (mon_msg_init(&m, 0) < 0 ||
	    mon_msg_init(&again, 0) < 0))
		abort();
	if (size > sizeof(struct mon_hdr) + MON_PAYLOAD_MAX)
		return 0;
	if (mon_parse(&m, data, size) < 0 || mon_check(&m) < 0)
		return 0;
	schema = mon_schema(m.type);
	mon_msg_reset(&again, m.type);
	/* MON_CONF_SET: a count, then that many triples of strings */
	if (strcmp(schema, "*") == 0) {
		int64_t n = mon_get_i64(&m);

		mon_put_i64(&again, n);
		for (int64_t i = 0; i < n * 3; i++) {
			const char *str = mon_get_str(&m, NULL);

			if (str == NULL)
				abort();
			mon_put_str(&again, str);
		}
		schema = "";
	}
	for (const char *s = schema; *s != '\0'; s++) {
		bool absent;
		const char *str;
		char **v;

		switch (*s) {
		case 'i':
			mon_put_i64(&again, mon_get_i64(&m));
			break;
		case 's':
		case 'S':
			str = mon_get_str(&m, &absent);
			if (str == NULL && (*s == 's' || !absent))
				abort();
			mon_put_str(&again, str);
			break;
		case 'v':
			if ((v = mon_get_strv(&m)) == NULL)
				abort();
			mon_put_strv(&again, v);
			free(v);
			break;
		}
	}
	if (mon_get_end(&m) < 0 || again.bad || again.len != m.len ||
	    memcmp(again.buf + sizeof(struct mon_hdr),
	    m.buf + sizeof(struct mon_hdr), m.len) != 0)
		abort();
	return 0;
}
