/*
 * arena.h: per-request bump allocator.  Everything parsed from or built for
 * one request lives in its arena and goes away with it in one call.
 */
#ifndef WINRMD_ARENA_H
#define WINRMD_ARENA_H

#include <stddef.h>

struct arena;

struct arena	*arena_new(void);
void		 arena_free(struct arena *a);	/* NULL is fine */
void		*arena_alloc(struct arena *a, size_t size);	/* zeroed; NULL on ENOMEM */
char		*arena_strdup(struct arena *a, const char *s);
char		*arena_strndup(struct arena *a, const char *s, size_t n);
char		*arena_printf(struct arena *a, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

#endif
