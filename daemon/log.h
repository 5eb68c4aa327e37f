/*
 * log.h: the daemon's log.  Foreground: stderr.  Background: the journal,
 * else syslog, else stderr; errors of the start on stderr too.
 * Safe from any thread; never used between fork and exec.
 */
#ifndef WINRMD_LOG_H
#define WINRMD_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <syslog.h>

void	log_init(int foreground, int level);
void	log_set_level(int level);
/* the start is over: errors no longer go to stderr as well */
void	log_started(void);
/*
 * Why the start failed, before or after log_init: "winrmd: MESSAGE" on
 * stderr and, unless in the foreground, in the journal (once where stderr
 * is the journal)
 */
void	log_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int	log_level(void);
int	log_level_parse(const char *s);		/* -1 if unknown */

void	log_msg(int prio, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_vmsg(int prio, const char *fmt, va_list ap);

/*
 * What log_vmsg() does to every line: C0 controls (newline, ESC, ...), DEL,
 * C1 controls (U+0080 to U+009F) and bytes that are not UTF-8 become \xHH;
 * other UTF-8 stays.  Writes at most outlen - 1 bytes and a NUL (never a
 * partial escape or character); returns the length written.
 */
size_t	log_escape(const char *in, char *out, size_t outlen);

#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)	log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
