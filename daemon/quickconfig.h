/*
 * quickconfig.h: winrmd --quickconfig, HTTPS set-up for production
 * (quickconfig.c).
 */
#ifndef WINRMD_QUICKCONFIG_H
#define WINRMD_QUICKCONFIG_H

/*
 * Sets up the configuration at path, the certificate, the service and the
 * firewall, printing one line per step on stdout.  The exit status: 0, or
 * 1 when a step failed.
 */
int	quickconfig_run(const char *path, const char *hostname);

#endif
