/*
 * plugin.c: the loader.  A plugin is found by name in [Plugins] Directory
 * (or given as an absolute path), opened with RTLD_NOW | RTLD_LOCAL so that
 * missing symbols fail at load and plugins cannot see each other, and
 * refused unless its abi and size match what this daemon was built with.
 */
#include "build.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "enumeration.h"
#include "log.h"
#include "plugin.h"

#define MAX_PLUGINS	32

static struct plugin loaded[MAX_PLUGINS];
static size_t nloaded;

int
plugin_open(const char *path, struct plugin *ret, char *err, size_t errlen)
{
	const struct winrmd_plugin *(*entry)(void);
	const struct winrmd_plugin *def;
	void *h;

	memset(ret, 0, sizeof(*ret));
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(err, errlen, "%s (missing library or symbol? try "
		    "ldd on the file)", dlerror());
		return -1;
	}
	*(void **)&entry = dlsym(h, "winrmd_plugin_entry");
	if (entry == NULL) {
		snprintf(err, errlen, "%s: no winrmd_plugin_entry symbol: not a "
		    "winrmd plugin", path);
		dlclose(h);
		return -1;
	}
	def = entry();
	if (def == NULL || def->abi != WINRMD_PLUGIN_ABI ||
	    def->size != sizeof(struct winrmd_plugin)) {
		snprintf(err, errlen, "%s: plugin ABI %u (size %u) does not match "
		    "this winrmd's ABI %u (size %zu): rebuild the plugin",
		    path, def ? def->abi : 0, def ? def->size : 0,
		    WINRMD_PLUGIN_ABI, sizeof(struct winrmd_plugin));
		dlclose(h);
		return -1;
	}
	if (def->name == NULL || def->init == NULL || def->resources == NULL) {
		snprintf(err, errlen, "%s: plugin has no name, init or resources",
		    path);
		dlclose(h);
		return -1;
	}
	ret->handle = h;
	ret->def = def;
	ret->path = strdup(path);
	return 0;
}

void
plugin_close(struct plugin *p)
{
	if (p->handle != NULL)
		dlclose(p->handle);
	free(p->path);
	memset(p, 0, sizeof(*p));
}

int
plugins_load_all(const struct config *cfg, const struct winrmd_host *host)
{
	char *const *names = conf_list(cfg, CK_PLUGINS_LOAD);
	const char *dir = conf_s(cfg, CK_PLUGINS_DIRECTORY);

	for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
		char path[PATH_MAX], err[512];
		struct plugin *p;
		int r;

		if (nloaded == MAX_PLUGINS) {
			log_err("plugins: more than %d plugins", MAX_PLUGINS);
			return -1;
		}
		if (names[i][0] == '/')
			snprintf(path, sizeof(path), "%s", names[i]);
		else
			snprintf(path, sizeof(path), "%s/%s.so", dir, names[i]);
		p = &loaded[nloaded];
		if (plugin_open(path, p, err, sizeof(err)) < 0) {
			log_err("plugins: cannot load %s: %s", names[i], err);
			return -1;
		}
		nloaded++;
		if (host == NULL)
			continue;
		if ((r = p->def->init(host, &p->state)) < 0) {
			log_err("plugins: %s failed to start: %s", p->def->name,
			    strerror(-r));
			return -1;
		}
		p->initialized = 1;
		log_info("plugins: loaded %s %s from %s", p->def->name,
		    p->def->version ? p->def->version : "", path);
	}
	return 0;
}

void
plugins_fini_all(void)
{
	/* their iterators are plugins' code and data: released first */
	enumeration_drop_all();
	while (nloaded > 0) {
		struct plugin *p = &loaded[--nloaded];

		if (p->initialized && p->def->fini != NULL)
			p->def->fini(p->state);
		plugin_close(p);
	}
}

void
plugins_reload_all(void)
{
	for (size_t i = 0; i < nloaded; i++)
		if (loaded[i].def->reload != NULL)
			loaded[i].def->reload(loaded[i].state);
}

size_t
plugins_count(void)
{
	return nloaded;
}

struct plugin *
plugins_at(size_t i)
{
	return i < nloaded ? &loaded[i] : NULL;
}
