/*
 * win32_product.c: Win32_Product, the installed packages of dpkg (keys
 * IdentifyingNumber = "dpkg:NAME:ARCH", Name and Version), from dpkg's
 * status file: the packages whose Status is "install ok installed", with
 * Vendor (the Maintainer), the synopsis as Description, the install date
 * from dpkg's file list of the package.  The file is parsed once and kept
 * until its inode, size or modification time change, so an enumeration
 * of thousands of packages costs what rendering them costs.  Without dpkg
 * the class is empty.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"
#include "win32.h"

#define STATUS_MAX	(256u << 20)	/* bytes of the status file read */

enum {
	WP_IDENTIFYING_NUMBER, WP_NAME, WP_VERSION, WP_CAPTION,
	WP_DESCRIPTION, WP_VENDOR, WP_INSTALL_DATE, WP_INSTALL_STATE,
	WP_INSTALL_SOURCE, WP_PACKAGE_NAME, WP_HELP_LINK, WP_SKU_NUMBER,
	WP_COUNT
};

static const struct cim_property product_props[WP_COUNT] = {
	[WP_IDENTIFYING_NUMBER] = { "IdentifyingNumber", CIM_STRING, CIM_KEY },
	[WP_NAME] = { "Name", CIM_STRING, CIM_KEY },
	[WP_VERSION] = { "Version", CIM_STRING, CIM_KEY },
	[WP_CAPTION] = { "Caption", CIM_STRING, 0 },
	[WP_DESCRIPTION] = { "Description", CIM_STRING, 0 },
	[WP_VENDOR] = { "Vendor", CIM_STRING, 0 },
	[WP_INSTALL_DATE] = { "InstallDate", CIM_STRING, 0 },
	[WP_INSTALL_STATE] = { "InstallState", CIM_SINT16, 0 },
	[WP_INSTALL_SOURCE] = { "InstallSource", CIM_STRING, 0 },
	[WP_PACKAGE_NAME] = { "PackageName", CIM_STRING, 0 },
	[WP_HELP_LINK] = { "HelpLink", CIM_STRING, 0 },
	[WP_SKU_NUMBER] = { "SKUNumber", CIM_STRING, 0 },
};

/* ------------------------------------------------------------ pure */

/* the next field of a paragraph: "Key: value" (continuation lines skipped) */
static char *
field_end(char *p)
{
	char *eol = strchr(p, '\n');

	return eol != NULL ? eol : p + strlen(p);
}

size_t
w32_dpkg_parse(char *text, struct w32_package **ret)
{
	struct w32_package *pk = NULL, cur;
	size_t n = 0, cap = 0;
	char *p = text;
	bool any = false;

	*ret = NULL;
	memset(&cur, 0, sizeof(cur));
	for (;;) {
		char *eol = field_end(p), *colon, *v;
		bool end = *p == '\0', blank = eol == p;

		if (blank || end) {
			/* the end of a paragraph */
			if (any && cur.name != NULL && cur.version != NULL &&
			    cur.status != NULL &&
			    strcmp(cur.status, "install ok installed") == 0) {
				if (n == cap) {
					size_t nc = cap ? 2 * cap : 1024;
					struct w32_package *np =
					    realloc(pk, nc * sizeof(*np));

					if (np == NULL) {
						free(pk);
						return (size_t)-1;
					}
					pk = np;
					cap = nc;
				}
				pk[n++] = cur;
			}
			memset(&cur, 0, sizeof(cur));
			any = false;
			if (end || *eol == '\0')
				break;
			p = eol + 1;
			continue;
		}
		any = true;
		if (*eol != '\0')
			*eol = '\0';
		else
			eol = NULL;
		if (*p != ' ' && *p != '\t' && (colon = strchr(p, ':')) != NULL) {
			*colon = '\0';
			v = colon + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			if (strcmp(p, "Package") == 0)
				cur.name = v;
			else if (strcmp(p, "Status") == 0)
				cur.status = v;
			else if (strcmp(p, "Version") == 0)
				cur.version = v;
			else if (strcmp(p, "Architecture") == 0)
				cur.arch = v;
			else if (strcmp(p, "Maintainer") == 0)
				cur.maintainer = v;
			else if (strcmp(p, "Description") == 0)
				cur.synopsis = v;
			else if (strcmp(p, "Homepage") == 0)
				cur.homepage = v;
		}
		if (eol == NULL)
			break;
		p = eol + 1;
	}
	/* a last paragraph without a blank line after it */
	if (any && cur.name != NULL && cur.version != NULL &&
	    cur.status != NULL &&
	    strcmp(cur.status, "install ok installed") == 0) {
		struct w32_package *np = realloc(pk, (n + 1) * sizeof(*np));

		if (np == NULL) {
			free(pk);
			return (size_t)-1;
		}
		pk = np;
		pk[n++] = cur;
	}
	*ret = pk;
	return n;
}

/* ------------------------------------------------------------ cache */

static struct {
	char			*text;		/* the status file, fields cut */
	struct w32_package	*pk;
	size_t			 n;
	char			(*date)[9];	/* "yyyymmdd" or "" per package */
	dev_t			 dev;
	ino_t			 ino;
	off_t			 size;
	struct timespec		 mtime;
	bool			 said_none;
} C;

static void
cache_drop(void)
{
	free(C.text);
	free(C.pk);
	free(C.date);
	C.text = NULL;
	C.pk = NULL;
	C.date = NULL;
	C.n = 0;
}

/* the install date: when dpkg wrote the package's file list */
static void
install_date(const char *name, const char *arch, char out[9])
{
	char path[4096];
	struct stat st;
	struct tm tm;

	out[0] = '\0';
	if ((snprintf(path, sizeof(path), "%s/info/%s.list", w32->paths.dpkg,
	    name) >= (int)sizeof(path) || stat(path, &st) < 0) &&
	    (arch == NULL || snprintf(path, sizeof(path), "%s/info/%s:%s.list",
	    w32->paths.dpkg, name, arch) >= (int)sizeof(path) ||
	    stat(path, &st) < 0))
		return;
	if (localtime_r(&st.st_mtime, &tm) != NULL)
		strftime(out, 9, "%Y%m%d", &tm);
}

/* 0 with the cache current, or -errno */
static int
cache_load(void)
{
	struct procfs_buf b = { 0 };
	char path[4096];
	struct stat st;
	size_t n;
	ssize_t r;

	if (w32_path(path, sizeof(path), w32->paths.dpkg, "status") < 0)
		return -ENAMETOOLONG;
	if (stat(path, &st) < 0)
		return -errno;
	if (C.text != NULL && st.st_dev == C.dev && st.st_ino == C.ino &&
	    st.st_size == C.size && st.st_mtim.tv_sec == C.mtime.tv_sec &&
	    st.st_mtim.tv_nsec == C.mtime.tv_nsec)
		return 0;
	/* changed while read: the next call sees another stat and reads again */
	if ((r = procfs_read(AT_FDCWD, path, &b, STATUS_MAX,
	    PROCFS_UNTIL_EOF)) < 0) {
		procfs_buf_free(&b);
		return (int)r;
	}
	cache_drop();
	C.text = b.data;
	if ((n = w32_dpkg_parse(C.text, &C.pk)) == (size_t)-1 ||
	    (n > 0 && (C.date = calloc(n, sizeof(*C.date))) == NULL)) {
		cache_drop();
		return -ENOMEM;
	}
	C.n = n;
	for (size_t k = 0; k < n; k++) {
		install_date(C.pk[k].name, C.pk[k].arch, C.date[k]);
		if (C.pk[k].maintainer != NULL)
			w32_utf8_fix(C.pk[k].maintainer);
		if (C.pk[k].synopsis != NULL)
			w32_utf8_fix(C.pk[k].synopsis);
	}
	C.dev = st.st_dev;
	C.ino = st.st_ino;
	C.size = st.st_size;
	C.mtime = st.st_mtim;
	return 0;
}

static bool
product_emit(struct cim_ctx *ctx, size_t k)
{
	const struct cim_services *svc = w32->svc;
	const struct w32_package *p = &C.pk[k];
	struct cim_instance *i;
	char id[512];

	if ((i = svc->instance(ctx)) == NULL) {
		w32_fail_nomem(ctx);
		return false;
	}
	snprintf(id, sizeof(id), "dpkg:%s:%s", p->name,
	    p->arch != NULL ? p->arch : "all");
	svc->set_string(i, WP_IDENTIFYING_NUMBER, id);
	svc->set_string(i, WP_NAME, p->name);
	svc->set_string(i, WP_VERSION, p->version);
	svc->set_string(i, WP_CAPTION, p->name);
	svc->set_string(i, WP_DESCRIPTION, p->synopsis);
	svc->set_string(i, WP_VENDOR, p->maintainer);
	if (C.date[k][0] != '\0')
		svc->set_string(i, WP_INSTALL_DATE, C.date[k]);
	svc->set_sint(i, WP_INSTALL_STATE, 5);	/* installed */
	svc->set_string(i, WP_INSTALL_SOURCE, w32->paths.dpkg);
	svc->set_string(i, WP_PACKAGE_NAME, p->name);
	svc->set_string(i, WP_HELP_LINK, p->homepage);
	return svc->emit(ctx, i);
}

static int
load_or_log(void)
{
	int r = cache_load();

	if (r == -ENOENT) {
		if (!C.said_none)
			w32->host->log(WINRMD_LOG_INFO, "win32: Win32_Product: "
			    "no %s/status, the class is empty (only dpkg's "
			    "packages are listed)", w32->paths.dpkg);
		C.said_none = true;
	}
	return r;
}

static int
product_enumerate(struct cim_ctx *ctx, void *unused)
{
	int r;

	(void)unused;
	if ((r = load_or_log()) == -ENOENT)
		return CIM_OK;
	if (r < 0)
		return w32->svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR,
		    "%s/status: %s", w32->paths.dpkg, strerror(-r));
	for (size_t k = 0; k < C.n; k++)
		if (!product_emit(ctx, k))
			break;
	return CIM_OK;
}

static int
product_get(struct cim_ctx *ctx, const struct cim_instance *keys,
    void *unused)
{
	const char *name = w32->svc->get_string(keys, WP_NAME);
	int r;

	(void)unused;
	if ((r = load_or_log()) == -ENOENT || name == NULL)
		return CIM_OK;
	if (r < 0)
		return w32->svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR,
		    "%s/status: %s", w32->paths.dpkg, strerror(-r));
	/* the cim plugin matches the other keys */
	for (size_t k = 0; k < C.n; k++)
		if (strcasecmp(C.pk[k].name, name) == 0 &&
		    !product_emit(ctx, k))
			break;
	return CIM_OK;
}

void
w32_product_fini(void)
{
	cache_drop();
	memset(&C, 0, sizeof(C));
}

const struct cim_class w32_product_class = {
	.name = "Win32_Product",
	.ns = W32_NS,
	.props = product_props,
	.nprops = WP_COUNT,
	.enumerate = product_enumerate,
	.get = product_get,
};
