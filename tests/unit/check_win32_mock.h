/*
 * check_win32_mock.h: a stand-in for the cim plugin, so the win32 provider
 * runs in a test program: a cim_services table that records every
 * instance, property value, return value and fault, on the mock host
 * (mock_host.h: its loop, log, configuration and forking spawn).
 */
#ifndef WINRMD_CHECK_WIN32_MOCK_H
#define WINRMD_CHECK_WIN32_MOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <winrmd/provider.h>

#include "mock_host.h"

struct mock_value {
	bool		 set;		/* false: null */
	bool		 b;
	int64_t		 s;
	uint64_t	 u;
	double		 d;
	char		*str;
	time_t		 sec;
	long		 usec;
	uint64_t	 interval;
	/* arrays */
	char		**strs;
	uint64_t	*uints;
	int64_t		*sints;
	size_t		 n;
};

struct cim_instance {
	const struct cim_property	*props;
	size_t				 nprops;
	struct mock_value		*v;
	bool				 has_return;
	uint32_t			 ret;
	struct cim_instance		*next;	/* every instance of the ctx */
};

struct cim_ctx {
	const struct cim_class		*cls;
	const struct winrmd_principal	*principal;
	struct cim_instance		**emitted;
	size_t				 nemitted, cap;
	size_t				 stop_after;	/* emit() false after; 0 never */
	int				 status;	/* what the call returned */
	bool				 completed;	/* svc->complete() */
	bool				 failed;
	enum winrmd_fault		 fault;
	char				 message[512];
	struct cim_instance		*all;
	struct cim_instance		*out;	/* methods */
};

/* the services the provider gets; their host is mock_host */
extern const struct cim_services mock_svc;

/* provider init (winrmd_provider_entry) and fini (then mock_reset()) */
void	mock_start(void);
void	mock_stop(void);

/* calls; each returns the ctx, done (pending calls run the loop to the end) */
const struct cim_class *mock_class(const char *name);
struct cim_ctx *mock_enumerate(const char *cls, const struct winrmd_principal *p);
struct cim_ctx *mock_get(const char *cls, const char *key, const char *value,
	    const struct winrmd_principal *p);
/*
 * Invokes method of class cls: the target's key `key' = `value' (both NULL
 * for a static method), then name=value pairs of string parameters,
 * NULL-terminated.  Uint parameters are given as decimal text.
 */
struct cim_ctx *mock_invoke(const char *cls, const char *method,
	    const char *key, const char *value, const struct winrmd_principal *p,
	    ...) __attribute__((sentinel));
void	mock_ctx_free(struct cim_ctx *ctx);

/* reading results */
struct cim_instance *mock_find(struct cim_ctx *ctx, const char *prop,
	    const char *value);
const struct mock_value *mock_value(const struct cim_instance *i,
	    const char *prop);
const char *mock_str(const struct cim_instance *i, const char *prop);
bool	mock_uint(const struct cim_instance *i, const char *prop, uint64_t *ret);
bool	mock_is_null(const struct cim_instance *i, const char *prop);

#endif
