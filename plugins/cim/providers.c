/*
 * providers.c: loading class providers and the registry of their classes.
 * [CIM] Providers names shared objects in ProviderDirectory (or absolute
 * paths); each is opened RTLD_NOW | RTLD_LOCAL, must export
 * winrmd_provider_entry with our abi and size, and is started with init().
 * Before that, and at each reading of the configuration, the daemon asks
 * for their settings (providers_declare: each is opened, its table given
 * to the daemon, and closed).
 * A provider that fails any step is logged and skipped: the others still
 * serve.  Every class is registered under its name and its aliases in its
 * namespace; when two providers serve the same name, the first one keeps
 * it and the second is logged.
 */
#define _GNU_SOURCE

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cim.h"

struct cim_prov {
	const struct cim_provider *def;
	void		*handle;	/* NULL: linked in (tests) */
	char		*path;
	void		*state;
};


void *
prov_state(const struct cim_prov *p)
{
	return p->state;
}

const char *
prov_name(const struct cim_prov *p)
{
	return p->def->name;
}

size_t
registry_count(const struct cim *cim)
{
	return cim->nentries;
}

const struct cim_entry *
registry_find(const struct cim *cim, const char *ns, const char *name)
{
	for (size_t i = 0; i < cim->nentries; i++)
		if (strcasecmp(cim->entries[i].name, name) == 0 &&
		    ns_equal(cim->entries[i].ns, ns))
			return &cim->entries[i];
	return NULL;
}

static int
order_cmp(const void *a, const void *b, void *arg)
{
	const struct cim_property *props = arg;
	const char *x = props[*(const size_t *)a].name;
	const char *y = props[*(const size_t *)b].name;
	int c = strcasecmp(x, y);

	return c != 0 ? c : strcmp(x, y);
}

size_t *
props_order(const struct cim_property *props, size_t n)
{
	size_t *order = calloc(n ? n : 1, sizeof(*order));

	if (order == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), order_cmp, (void *)props);
	return order;
}

static bool
name_valid(const char *s)
{
	if (s == NULL || s[0] == '\0' || strlen(s) >= CIM_NAME_MAX ||
	    (!isalpha((unsigned char)s[0]) && s[0] != '_'))
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/* a class definition is usable: names, property tables, methods */
static bool
class_valid(const struct cim *cim, const struct cim_provider *def,
    const struct cim_class *c)
{
	const char *why = NULL;

	if (!name_valid(c->name))
		why = "a bad class name";
	else if (c->ns == NULL || c->ns[0] == '\0' ||
	    strlen(c->ns) >= CIM_NAME_MAX)
		why = "a bad namespace";
	else if (c->enumerate == NULL)
		why = "no enumerate()";
	else if (c->nprops > 0 && c->props == NULL)
		why = "no property table";
	for (size_t i = 0; why == NULL && i < c->nprops; i++)
		if (!name_valid(c->props[i].name) ||
		    (unsigned)c->props[i].type > CIM_INTERVAL)
			why = "a bad property";
	for (size_t i = 0; why == NULL && i < c->nmethods; i++) {
		const struct cim_method *m = &c->methods[i];

		if (!name_valid(m->name) || m->invoke == NULL ||
		    (m->nin > 0 && m->in == NULL) ||
		    (m->nout > 0 && m->out == NULL))
			why = "a bad method";
	}
	if (why != NULL) {
		cim->host->log(WINRMD_LOG_ERR, "cim: provider %s: class %s has %s: "
		    "skipped", def->name, c->name ? c->name : "(null)", why);
		return false;
	}
	return true;
}

static int
entry_add(struct cim *cim, struct cim_prov *p, const struct cim_class *c,
    const char *name, size_t len)
{
	struct cim_entry *e;
	const struct cim_entry *old;
	char nm[CIM_NAME_MAX];

	if (len == 0 || len >= sizeof(nm))
		return 0;
	memcpy(nm, name, len);
	nm[len] = '\0';
	if (!name_valid(nm)) {
		cim->host->log(WINRMD_LOG_ERR, "cim: provider %s: bad alias %s of "
		    "%s",
		    p->def->name, nm, c->name);
		return 0;
	}
	if ((old = registry_find(cim, c->ns, nm)) != NULL) {
		cim->host->log(WINRMD_LOG_ERR, "cim: %s/%s is served by provider %s "
		    "already; provider %s's class is ignored", c->ns, nm,
		    prov_name(old->prov), p->def->name);
		return 0;
	}
	if (cim->nentries == cim->capentries) {
		size_t cap = cim->capentries ? cim->capentries * 2 : 32;
		struct cim_entry *v = reallocarray(cim->entries, cap,
		    sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		cim->entries = v;
		cim->capentries = cap;
	}
	e = &cim->entries[cim->nentries];
	memset(e, 0, sizeof(*e));
	e->cls = c;
	e->prov = p;
	snprintf(e->name, sizeof(e->name), "%s", nm);
	snprintf(e->ns, sizeof(e->ns), "%s", c->ns);
	for (char *s = e->ns; *s != '\0'; s++)
		if (*s == '\\')
			*s = '/';
	if ((e->order = props_order(c->props, c->nprops)) == NULL)
		return -ENOMEM;
	cim->nentries++;
	return 0;
}

static void
prov_free(struct cim_prov *p)
{
	if (p == NULL)
		return;
	if (p->handle != NULL)
		dlclose(p->handle);
	free(p->path);
	free(p);
}

int
providers_add(struct cim *cim, const struct cim_provider *def, void *handle,
    const char *path)
{
	const struct winrmd_host *host = cim->host;
	struct cim_prov *p;
	size_t nclasses = 0;
	int r;

	if (cim->nprovs == MAX_PROVIDERS) {
		host->log(WINRMD_LOG_ERR, "cim: more than %d providers: %s "
		    "skipped", MAX_PROVIDERS, path);
		return -E2BIG;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->path = strdup(path)) == NULL) {
		free(p);
		return -ENOMEM;
	}
	p->def = def;
	p->handle = handle;
	if (def->init != NULL && (r = def->init(&cim->svc, &p->state)) < 0) {
		host->log(WINRMD_LOG_ERR, "cim: provider %s (%s) failed to "
		    "start: %s: skipped", def->name, path, strerror(-r));
		p->handle = NULL;	/* the caller closes it */
		prov_free(p);
		return r;
	}
	cim->provs[cim->nprovs++] = p;
	for (const struct cim_class *const *cp = def->classes;
	    cp != NULL && *cp != NULL; cp++) {
		const struct cim_class *c = *cp;

		if (!class_valid(cim, def, c))
			continue;
		r = entry_add(cim, p, c, c->name, strlen(c->name));
		for (const char *a = c->aliases; r == 0 && a != NULL &&
		    *a != '\0';) {
			size_t len;

			a += strspn(a, " \t,");
			len = strcspn(a, " \t,");
			if (len > 0)
				r = entry_add(cim, p, c, a, len);
			a += len;
		}
		if (r < 0)
			host->log(WINRMD_LOG_ERR, "cim: out of memory "
			    "registering %s", c->name);
		nclasses++;
	}
	host->log(WINRMD_LOG_INFO, "cim: provider %s %s from %s: %zu classes",
	    def->name, def->version ? def->version : "", path, nclasses);
	return 0;
}

/*
 * dlopen()s a provider and checks its entry point and ABI: the handle and
 * *ret, or NULL with why it cannot be used (-errno in *rc)
 */
static void *
provider_dlopen(const char *path, const struct cim_provider **ret, char *why,
    size_t len, int *rc)
{
	const struct cim_provider *(*entry)(void);
	const struct cim_provider *def;
	void *h;

	*rc = -EINVAL;
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(why, len, "cannot load provider %s: %s (missing "
		    "library or symbol? try ldd on the file)", path, dlerror());
		*rc = -ENOENT;
		return NULL;
	}
	*(void **)&entry = dlsym(h, "winrmd_provider_entry");
	if (entry == NULL) {
		snprintf(why, len, "%s has no winrmd_provider_entry symbol: not "
		    "a winrmd CIM provider", path);
		dlclose(h);
		return NULL;
	}
	def = entry();
	if (def == NULL || def->abi != WINRMD_PROVIDER_ABI ||
	    def->size != sizeof(struct cim_provider)) {
		snprintf(why, len, "provider %s has ABI %u (size %u); this "
		    "winrmd has ABI %u (size %zu): rebuild the provider", path,
		    def ? def->abi : 0, def ? def->size : 0, WINRMD_PROVIDER_ABI,
		    sizeof(struct cim_provider));
		dlclose(h);
		return NULL;
	}
	if (def->name == NULL || def->classes == NULL) {
		snprintf(why, len, "provider %s has no name or no classes",
		    path);
		dlclose(h);
		return NULL;
	}
	*ret = def;
	return h;
}

/* opens one provider; logs and returns -errno when it cannot be used */
static int
provider_open(struct cim *cim, const char *path)
{
	const struct winrmd_host *host = cim->host;
	const struct cim_provider *def = NULL;
	char why[PATH_MAX + 256];
	void *h;
	int r;

	if ((h = provider_dlopen(path, &def, why, sizeof(why), &r)) == NULL) {
		host->log(WINRMD_LOG_ERR, "cim: %s: skipped", why);
		return r;
	}
	for (size_t i = 0; i < cim->nprovs; i++)
		if (cim->provs[i]->def == def) {
			host->log(WINRMD_LOG_WARNING, "cim: provider %s is "
			    "listed twice: %s skipped", def->name, path);
			dlclose(h);
			return -EEXIST;
		}
	if ((r = providers_add(cim, def, h, path)) < 0) {
		dlclose(h);
		return r;
	}
	return 0;
}

/*
 * Calls fn for each name of a [CIM] Providers list (blanks or commas
 * between names) with its path (in dir, or the name itself when absolute),
 * or with why it has none
 */
static void
providers_each(const char *list, const char *dir,
    void (*fn)(const char *path, const char *why, void *arg), void *arg)
{
	for (const char *p = list ? list : ""; *p != '\0';) {
		char name[PATH_MAX], path[PATH_MAX], why[PATH_MAX + 64];
		size_t len;

		p += strspn(p, " \t,");
		if ((len = strcspn(p, " \t,")) == 0)
			break;
		if (len >= sizeof(name)) {
			fn(NULL, "a provider name is too long", arg);
			p += len;
			continue;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		p += len;
		if (name[0] == '/')
			snprintf(path, sizeof(path), "%s", name);
		else if (strchr(name, '/') != NULL || strcmp(name, "..") == 0) {
			snprintf(why, sizeof(why), "provider %s: a name may not "
			    "hold '/' (use an absolute path)", name);
			fn(NULL, why, arg);
			continue;
		} else if (snprintf(path, sizeof(path), "%s/%s.so",
		    dir ? dir : ".", name) >= (int)sizeof(path)) {
			snprintf(why, sizeof(why), "provider path too long: %s",
			    name);
			fn(NULL, why, arg);
			continue;
		}
		fn(path, NULL, arg);
	}
}

static void
load_one(const char *path, const char *why, void *arg)
{
	struct cim *cim = arg;

	if (why != NULL)
		cim->host->log(WINRMD_LOG_ERR, "cim: %s: skipped", why);
	else
		provider_open(cim, path);
}

int
providers_load(struct cim *cim)
{
	const struct winrmd_host *host = cim->host;

	providers_each(host->conf_str("CIM", "Providers"),
	    host->conf_str("CIM", "ProviderDirectory"), load_one, cim);
	host->log(WINRMD_LOG_INFO, "cim: %zu provider(s), %zu class name(s)",
	    cim->nprovs, cim->nentries);
	return 0;
}

struct declaring {
	const struct winrmd_declare	*d;
	int				 rc;
};

/* a provider's settings; one that cannot be loaded is init's to log */
static void
declare_one(const char *path, const char *why, void *arg)
{
	struct declaring *dc = arg;
	const struct cim_provider *def = NULL;
	char module[128], reason[PATH_MAX + 256];
	void *h;
	int r;

	if (why != NULL || dc->rc < 0 ||
	    (h = provider_dlopen(path, &def, reason, sizeof(reason), &r)) == NULL)
		return;
	snprintf(module, sizeof(module), "provider %s", def->name);
	if (def->settings != NULL && dc->d->add(dc->d, module,
	    def->settings) < 0)
		dc->rc = -1;
	dlclose(h);
}

int
providers_declare(const struct winrmd_declare *d)
{
	struct declaring dc = { d, 0 };

	providers_each(d->value(d, "CIM", "Providers"),
	    d->value(d, "CIM", "ProviderDirectory"), declare_one, &dc);
	return dc.rc;
}

void
providers_unload(struct cim *cim)
{
	size_t n = cim->nprovs;

	while (cim->nprovs > 0) {
		struct cim_prov *p = cim->provs[--cim->nprovs];

		if (p->def->fini != NULL)
			p->def->fini(p->state);
	}
	for (size_t i = 0; i < cim->nentries; i++)
		free(cim->entries[i].order);
	free(cim->entries);
	cim->entries = NULL;
	cim->nentries = cim->capentries = 0;
	/* close after every fini: a provider may share code with another */
	for (size_t i = 0; i < n; i++) {
		prov_free(cim->provs[i]);
		cim->provs[i] = NULL;
	}
}
