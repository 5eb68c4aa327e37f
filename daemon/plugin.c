/*
 * plugin.c: the loader.  A plugin is found by name in [Plugins] Directory
 * (or given as an absolute path), opened with RTLD_NOW | RTLD_LOCAL so that
 * missing symbols fail at load and plugins cannot see each other, and
 * refused unless its abi and size match what this daemon was built with.
 * Its settings (and those of the modules it loads, through its declare())
 * join the configuration's schema before the plugin sections of the file
 * are checked; only then is it started.
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
plugins_open_all(const struct config *cfg, bool best_effort)
{
	char *const *names = conf_list(cfg, CK_PLUGINS_LOAD);
	const char *dir = conf_s(cfg, CK_PLUGINS_DIRECTORY);
	int rc = 0;

	for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
		char path[PATH_MAX], err[512];

		if (nloaded == MAX_PLUGINS) {
			log_err("plugins: more than %d plugins", MAX_PLUGINS);
			return -1;
		}
		if (names[i][0] == '/')
			snprintf(path, sizeof(path), "%s", names[i]);
		else
			snprintf(path, sizeof(path), "%s/%s.so", dir, names[i]);
		if (plugin_open(path, &loaded[nloaded], err, sizeof(err)) < 0) {
			log_err("plugins: cannot load %s: %s", names[i], err);
			rc = -1;
			if (!best_effort)
				return -1;
			continue;
		}
		nloaded++;
	}
	return rc;
}

/* --------------------------------------------------------- settings */

struct declaring {
	struct config	*cfg;
	const char	*plugin;
	char		*err;
	size_t		 errlen;
};

static const char *
d_value(const struct winrmd_declare *d, const char *section, const char *key)
{
	const struct declaring *dc = d->ctx;
	const struct conf_value *v = config_find(dc->cfg, section, key);

	return v ? v->s : NULL;
}

static int
d_add(const struct winrmd_declare *d, const char *module,
    const struct winrmd_setting *settings)
{
	const struct declaring *dc = d->ctx;
	char owner[256];

	snprintf(owner, sizeof(owner), "%s of plugin %s", module ? module : "?",
	    dc->plugin);
	return config_declare(dc->cfg, owner, settings, dc->err, dc->errlen);
}

int
plugins_settings(struct config *cfg, char *err, size_t errlen)
{
	err[0] = '\0';
	for (size_t i = 0; i < nloaded; i++) {
		const struct winrmd_plugin *def = loaded[i].def;
		struct declaring dc = { cfg, def->name, err, errlen };
		struct winrmd_declare d = { d_value, d_add, &dc };
		char owner[128];

		snprintf(owner, sizeof(owner), "plugin %s", def->name);
		if (config_declare(cfg, owner, def->settings, err, errlen) < 0)
			return -1;
		if (def->declare != NULL && def->declare(&d) < 0) {
			if (err[0] == '\0')
				snprintf(err, errlen, "plugin %s: its modules' "
				    "settings cannot be read", def->name);
			return -1;
		}
	}
	return config_finish(cfg, err, errlen);
}

int
plugins_init_all(const struct winrmd_host *host)
{
	for (size_t i = 0; i < nloaded; i++) {
		struct plugin *p = &loaded[i];
		int r;

		if ((r = p->def->init(host, &p->state)) < 0) {
			log_err("plugins: %s failed to start: %s", p->def->name,
			    strerror(-r));
			return -1;
		}
		p->initialized = 1;
		log_info("plugins: loaded %s %s from %s", p->def->name,
		    p->def->version ? p->def->version : "", p->path);
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
