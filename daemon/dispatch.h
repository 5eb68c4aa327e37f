/*
 * dispatch.h: the one table from (ResourceURI prefix, Action) to a plugin
 * operation, and the daemon's own Identify.
 */
#ifndef WINRMD_DISPATCH_H
#define WINRMD_DISPATCH_H

#include <stdbool.h>
#include <stdio.h>

struct winrmd_op;

/* builds the table from the loaded plugins; 0 or -1 (logged) */
int	dispatch_build(void);
void	dispatch_clear(void);

/* calls the operation: WINRMD_OK, WINRMD_FAULT or WINRMD_PENDING */
int	dispatch_run(struct winrmd_op *op);

/*
 * Answers wsmid:Identify.  Unauthenticated answers carry the placeholder
 * version and no SecurityProfiles (MS-WSMV §3.1.4.1.23).
 */
int	dispatch_identify(struct winrmd_op *op, bool authenticated,
	    bool https);

/*
 * The serialised Identify answer (a malloc'd copy of the rendering kept in
 * reply_memo.c, which forgets it on a reload), or NULL.
 */
char	*dispatch_identify_text(bool authenticated, size_t *ret_len);

/* every "resource action" pair, one per line (winrmd --list-operations) */
void	dispatch_list(FILE *out);

#endif
