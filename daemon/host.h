/*
 * host.h: the service table the daemon hands to plugins.
 */
#ifndef WINRMD_HOST_H
#define WINRMD_HOST_H

#include <winrmd/plugin.h>

extern const struct winrmd_host host_services;

#endif
