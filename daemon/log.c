/*
 * log.c: one place that writes log lines.  In the foreground they go to
 * stderr with a timestamp; otherwise to the journal (which also feeds
 * syslog), else to syslog's /dev/log where there is no journald, else to
 * stderr: a line is never lost for want of a logger.  Until the start is
 * over (log_started) an error also goes to stderr, unless stderr is the
 * journal already (systemd's JOURNAL_STREAM): a start that fails says why
 * where the administrator who started it looks, and in the journal.
 * Every line is escaped here (log_escape), whatever it quotes: a client's
 * user name, path or header can neither forge a line nor reach a terminal
 * as a control sequence, and no caller has to remember to sanitise.
 */
#include "build.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "log.h"
#include "text.h"

static int log_foreground = 1;
static volatile int log_max = LOG_INFO;
static volatile bool log_starting = true;
static bool stderr_journal;	/* stderr is a stream to the journal */

static const char *const level_names[] = {
	[LOG_ERR] = "error", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

/* systemd connects stderr to the journal and says so in JOURNAL_STREAM */
static bool
stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return e != NULL && sscanf(e, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(int foreground, int level)
{
	log_foreground = foreground;
	log_max = level;
	stderr_journal = stderr_is_journal();
}

void
log_started(void)
{
	log_starting = false;
}

void
log_fatal(const char *fmt, ...)
{
	char raw[2048], line[4 * sizeof(raw)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	log_escape(raw, line, sizeof(line));
	if (!log_foreground && sd_journal_print(LOG_ERR, "%s", line) >= 0 &&
	    stderr_journal)
		return;
	fprintf(stderr, "winrmd: %s\n", line);
}

/* syslog where journald is not running but a syslog daemon is */
static bool
syslog_reachable(void)
{
	struct stat st;

	return stat("/dev/log", &st) == 0 && S_ISSOCK(st.st_mode);
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
	if (!log_foreground) {
		bool logged = sd_journal_print(prio, "%s", line) >= 0;

		if (!logged && syslog_reachable()) {
			syslog(prio, "%s", line);
			logged = true;
		}
		if (logged && (!log_starting || prio > LOG_ERR || stderr_journal))
			return;
	}
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
