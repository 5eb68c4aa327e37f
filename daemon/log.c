/*
 * log.c: one place that writes log lines.  In the foreground they go to
 * stderr with a timestamp; otherwise to the journal (which also feeds syslog).
 * Every line is escaped here (log_escape), whatever it quotes: a client's
 * user name, path or header can neither forge a line nor reach a terminal
 * as a control sequence, and no caller has to remember to sanitise.
 */
#include "build.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <systemd/sd-journal.h>

#include "log.h"
#include "text.h"

static int log_foreground = 1;
static volatile int log_max = LOG_INFO;

static const char *const level_names[] = {
	[LOG_ERR] = "error", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

void
log_init(int foreground, int level)
{
	log_foreground = foreground;
	log_max = level;
}

void
log_set_level(int level)
{
	log_max = level;
}

int
log_level(void)
{
	return log_max;
}

int
log_level_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (level_names[i] != NULL && strcasecmp(s, level_names[i]) == 0)
			return (int)i;
	return -1;
}

/* the length of the UTF-8 sequence at s (n bytes left), 0 if it is not one
 * or a C1 control */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp = 0;
	size_t len = utf8_decode(s, n, &cp);

	return len == 0 || (cp >= 0x80 && cp <= 0x9f) ? 0 : len;
}

size_t
log_escape(const char *in, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)in;
	size_t n = strlen(in), o = 0;

	if (outlen == 0)
		return 0;
	for (size_t i = 0; i < n;) {
		size_t len = s[i] >= 0x20 && s[i] < 0x7f ? 1 :
		    s[i] >= 0x80 ? utf8_len(s + i, n - i) : 0;

		if (len == 0) {
			/* C0, DEL, C1 or a byte that is not UTF-8: \xHH */
			if (o + 4 >= outlen)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[s[i] >> 4];
			out[o++] = hex[s[i] & 15];
			i++;
			continue;
		}
		if (o + len >= outlen)
			break;
		memcpy(out + o, s + i, len);
		o += len;
		i += len;
	}
	out[o] = '\0';
	return o;
}

void
log_vmsg(int prio, const char *fmt, va_list ap)
{
	char raw[2048], line[4 * sizeof(raw)];

	if (prio > log_max)
		return;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	log_escape(raw, line, sizeof(line));
	if (!log_foreground && sd_journal_print(prio, "%s", line) >= 0)
		return;
	{
		struct timespec ts;
		struct tm tm;
		char stamp[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld winrmd[%s]: %s\n", stamp,
		    ts.tv_nsec / 1000000,
		    prio < (int)(sizeof(level_names) / sizeof(level_names[0])) &&
		    level_names[prio] ? level_names[prio] : "log", line);
	}
}

void
log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(prio, fmt, ap);
	va_end(ap);
}
