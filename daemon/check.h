/*
 * check.h: the start's prerequisites, checked by `winrmd -t' (all of
 * them) and by the start (the TLS files), with the reason logged.
 */
#ifndef WINRMD_CHECK_H
#define WINRMD_CHECK_H

#include <stdbool.h>

struct config;

/*
 * HTTPS: CertificateFile and KeyFile both exist (or neither: the start
 * creates them; test logs so), load, match, and the key is not group or
 * world readable.  0, or -1 after logging why.
 */
int	check_tls(const struct config *cfg, bool test);
/* -t: check_tls, the plugin directory, the CIM providers; 0 or -1 */
int	check_start(const struct config *cfg);

#endif
