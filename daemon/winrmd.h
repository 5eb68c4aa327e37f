/*
 * winrmd.h: the daemon's top-level state.  Only the loop thread reads or
 * writes it; worker threads get copies of what they need.
 */
#ifndef WINRMD_WINRMD_H
#define WINRMD_WINRMD_H

#include <stdbool.h>
#include <stdint.h>

struct config;

struct counters {
	uint64_t	requests;
	uint64_t	unauthorized;	/* 401 answers */
	uint64_t	faults;
	uint64_t	dispatched;	/* plugin operations called */
	uint64_t	spawned;	/* children started */
	uint64_t	pam_calls;	/* account checks run */
	uint64_t	pam_joined;	/* starts that joined one in flight */
	uint64_t	replayed;	/* answers from the reply memo */
	uint64_t	pool_released;	/* waiting requests' MHD pools given back */
};

struct winrmd {
	struct config	*cfg;		/* current snapshot; swapped on SIGHUP */
	unsigned	 cfg_gen;	/* changes with every swap */
	const char	*config_path;
	bool		 foreground;
	bool		 stopping;
	char		 hostname[256];	/* f:WSManFault/@Machine */
	char		 os_version[64];	/* "6.1.0" from uname */
	struct counters	 count;
	/* reloads config_path as SIGHUP does (main.c); NULL in tests */
	void		(*reload)(void);
};

extern struct winrmd	*W;	/* the one instance, set by main() */

#endif
