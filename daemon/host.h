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

#endif
