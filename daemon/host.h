/*
 * host.h: the service table the daemon hands to plugins.
 */
#ifndef WINRMD_HOST_H
#define WINRMD_HOST_H

#include <winrmd/plugin.h>

extern const struct winrmd_host host_services;

/*
 * Writes the changes into the configuration file (the host's conf_set
 * without the reload that follows): 0, 1 with the restart-only keys in
 * msg, or -errno with msg.  The monitor's under privilege separation.
 */
struct winrmd_conf_change;
int	host_conf_write(const struct winrmd_conf_change *set, size_t n,
	    char *msg, size_t msglen);

/*
 * Work kept across a restart (keeper.c, docs/DESIGN.md §8.4): at start,
 * before the plugins, claim what a keeper holds; once they took theirs,
 * close the rest; at a stop, after the plugins' fini, hand what they kept
 * to a new keeper (or kill it if that fails).
 */
void	host_keep_claim(void);
/* in the monitor: its copies of the claimed descriptors, closed */
void	host_keep_forget(void);
void	host_keep_done(void);
/* at a stop: the kept items to a keeper; how many it took */
size_t	host_keep_hand_over(void);

#endif
