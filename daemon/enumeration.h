/*
 * enumeration.h: WS-Enumeration for every plugin (plugin.h, host->enum_*):
 * enumeration contexts, their owners and lifetimes, batches and the packing
 * of items into MaxEnvelopeSize, EPR modes, Pull and Release.
 *
 * It reaches requests, replies, timers and the configuration only through
 * a host table (the daemon's, or the tests' mock host), so the plugins' unit
 * tests run the same code.
 */
#ifndef WINRMD_ENUMERATION_H
#define WINRMD_ENUMERATION_H

#include <stddef.h>
#include <sys/types.h>

#include <winrmd/plugin.h>

/* contexts all users together may hold (besides each user's bound) */
#define ENUMERATION_MAX_CONTEXTS	16384

/* the host table it works through; before any other call */
void	enumeration_init(const struct winrmd_host *h);

/* the members of struct winrmd_host of the same names */
struct winrmd_enum *enumeration_begin(struct winrmd_op *op,
	    const struct winrmd_enum_source *src, unsigned flags);
int	enumeration_answer(struct winrmd_op *op, struct winrmd_enum *e,
	    void *it, const char *epr_uri);
void	enumeration_abort(struct winrmd_enum *e);
int	enumeration_pull(struct winrmd_op *op,
	    const struct winrmd_enum_source *src);
int	enumeration_release(struct winrmd_op *op,
	    const struct winrmd_enum_source *src);
int	enumeration_epr_selector(struct winrmd_epr *epr, const char *name,
	    const char *value);

/* contexts uid holds (begun or answered) */
size_t	enumeration_count(uid_t uid);
/*
 * releases every answered context (its iterator is a plugin's): before the
 * plugins are finalised; those still being answered are the plugins' to
 * answer or abort
 */
void	enumeration_drop_all(void);

#endif
