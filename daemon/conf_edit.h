/*
 * conf_edit.h: keys of winrmd.conf changed in place, the file replaced
 * atomically (conf_edit.c).
 */
#ifndef WINRMD_CONF_EDIT_H
#define WINRMD_CONF_EDIT_H

#include <stddef.h>
#include <sys/types.h>

/* KEY = VALUE in [SECTION] */
struct conf_set {
	const char	*section;
	const char	*key;
	const char	*value;
};

/*
 * The text with each key set: the uncommented line of the key in its
 * section is replaced, else a commented one ("#KEY = ..."), else the line
 * goes right after the section's header, else the section is appended.
 * Every other line stays as it is.  A new string, or NULL (ENOMEM).
 */
char	*conf_edit_text(const char *text, const struct conf_set *w, size_t nw);
/* the whole file, a new string; NULL with errno */
char	*conf_file_read(const char *path);
/*
 * Replaces path with text: a temporary file beside it with the old file's
 * mode and owner (mode when there is none), fsync'ed, then check(tmp) when
 * check is given (a negative return refuses: nothing changes), then
 * renamed over path.  0, or -1 with errno and err.
 */
int	 conf_file_write(const char *path, const char *text, mode_t mode,
	    int (*check)(const char *tmp, void *arg, char *err, size_t errlen),
	    void *arg, char *err, size_t errlen);

#endif
