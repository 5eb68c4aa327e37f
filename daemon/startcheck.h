/*
 * startcheck.h: the start's prerequisites, checked by `winrmd -t' (all of
 * them) and by the start (the TLS files), with the reason logged.
 */
#ifndef WINRMD_STARTCHECK_H
#define WINRMD_STARTCHECK_H

#include <stdbool.h>

struct config;

/*
 * HTTPS: CertificateFile and KeyFile both exist (or neither: the start
 * creates them; test logs so), load, match, and the key is not group or
 * world readable.  0, or -1 after logging why.
 */
int	check_tls(const struct config *cfg, bool test);
/* [Plugins] Directory exists where Load names plugins in it; 0 or -1 */
int	check_plugin_dir(const struct config *cfg);
/* -t, once the plugins are open: check_tls, the client CAs, the CIM
 * providers; 0 or -1 */
int	check_start(const struct config *cfg);

#endif
