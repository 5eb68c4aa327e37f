/*
 * plugin.h (daemon side): loading WS-Man plugins and checking their ABI.
 */
#ifndef WINRMD_PLUGIN_LOADER_H
#define WINRMD_PLUGIN_LOADER_H

#include <stdbool.h>
#include <stddef.h>

#include <winrmd/plugin.h>

struct config;

struct plugin {
	void				*handle;
	const struct winrmd_plugin	*def;
	void				*state;
	char				*path;
	int				 initialized;
};

/*
 * dlopen()s one plugin (RTLD_NOW | RTLD_LOCAL) and checks abi and size.
 * Returns 0, or -1 with a reason in err.
 */
int	plugin_open(const char *path, struct plugin *ret, char *err, size_t errlen);
void	plugin_close(struct plugin *p);

/*
 * Opens every plugin of [Plugins] Load (plugin_open).  0, or -1 (logged);
 * best_effort opens the others when one fails.
 */
int	plugins_open_all(const struct config *cfg, bool best_effort);
/*
 * Declares the settings of every open plugin and of the modules it loads
 * (its declare()) into cfg, then finishes cfg (config_finish).  0, or -1
 * with a message in err.
 */
int	plugins_settings(struct config *cfg, char *err, size_t errlen);
/* starts every open plugin with the host table; 0 or -1 (logged) */
int	plugins_init_all(const struct winrmd_host *host);
/* finalises and closes every open plugin */
void	plugins_fini_all(void);
void	plugins_reload_all(void);

size_t		 plugins_count(void);
struct plugin	*plugins_at(size_t i);

#endif
