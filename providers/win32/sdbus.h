/*
 * sdbus.h: the provider's connection to the system bus (libsystemd's
 * sd-bus), driven by the daemon's event loop: its fd is watched and its
 * timeouts armed through the host, so nothing ever waits for D-Bus.
 */
#ifndef WINRMD_WIN32_SDBUS_H
#define WINRMD_WIN32_SDBUS_H

#include <systemd/sd-bus.h>

/* the connection, opened on first use: 0 or -errno */
int	w32_bus_get(sd_bus **ret);
/* after queueing calls: the loop watches for what sd-bus now needs */
void	w32_bus_kick(void);
/* closes the connection; pending calls get no callback */
void	w32_bus_close(void);

/* called when the connection is gone (win32_service.c) */
void	w32_service_bus_lost(void);

#endif
