/*
 * log.c: one place that writes log lines.  In the foreground they go to
 * stderr with a timestamp; otherwise to the journal (which also feeds syslog).
 */
#include "build.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <systemd/sd-journal.h>

#include "log.h"

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

void
log_vmsg(int prio, const char *fmt, va_list ap)
{
	char line[2048];

	if (prio > log_max)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
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
