/*
 * plugin.h (daemon side): loading WS-Man plugins and checking their ABI.
 */
#ifndef WINRMD_PLUGIN_LOADER_H
#define WINRMD_PLUGIN_LOADER_H

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
 * Loads every plugin of [Plugins] Load and, unless host is NULL, initialises
 * it.  0 or -1 (logged).
 */
int	plugins_load_all(const struct config *cfg, const struct winrmd_host *host);
void	plugins_fini_all(void);
void	plugins_reload_all(void);

size_t		 plugins_count(void);
struct plugin	*plugins_at(size_t i);

#endif
