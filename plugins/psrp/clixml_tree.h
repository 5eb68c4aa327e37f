/*
 * clixml_tree.h: what clixml.c shares with the reader and the writer and
 * no one else: the shared type-name lists.
 */
#ifndef WINRMD_PSRP_CLIXML_TREE_H
#define WINRMD_PSRP_CLIXML_TREE_H

#include "clixml.h"

/* a list of copies of names (NULL-terminated), one reference; or NULL */
struct clixml_types *clixml_types_new(const char *const *names);
void		 clixml_types_unref(struct clixml_types *t);

#endif
