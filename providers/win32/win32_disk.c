/*
 * win32_disk.c: Win32_LogicalDisk, one instance per mounted filesystem
 * (key DeviceID = the mount point; no drive letters) from mountinfo and
 * statvfs(3), sizes in bytes.  Pseudo filesystems are left out.  statvfs
 * of a network or FUSE filesystem can hang on a dead server, so those run
 * in a worker thread, and the enumeration answers after a few seconds
 * with null sizes for the ones that did not come back.
 * Win32_Volume lists the same filesystems the way Windows describes
 * volumes (key DeviceID = the mount point; Name, Label, Capacity,
 * FreeSpace, BlockSize, SerialNumber from the UUID).
 */
#define _GNU_SOURCE

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "procfs.h"
#include "win32.h"

#define REMOTE_TIMEOUT_MS	5000

enum {
	DP_DEVICE_ID, DP_NAME, DP_CAPTION, DP_DESCRIPTION, DP_DRIVE_TYPE,
	DP_MEDIA_TYPE, DP_FILE_SYSTEM, DP_SIZE, DP_FREE_SPACE, DP_VOLUME_NAME,
	DP_VOLUME_SERIAL_NUMBER, DP_PROVIDER_NAME, DP_ACCESS,
	DP_MAXIMUM_COMPONENT_LENGTH, DP_SYSTEM_NAME, DP_CREATION_CLASS_NAME,
	DP_SYSTEM_CREATION_CLASS_NAME,
	DP_COUNT
};

static const struct cim_property disk_props[DP_COUNT] = {
	[DP_DEVICE_ID] = { "DeviceID", CIM_STRING, CIM_KEY },
	[DP_NAME] = { "Name", CIM_STRING, 0 },
	[DP_CAPTION] = { "Caption", CIM_STRING, 0 },
	[DP_DESCRIPTION] = { "Description", CIM_STRING, 0 },
	[DP_DRIVE_TYPE] = { "DriveType", CIM_UINT32, 0 },
	[DP_MEDIA_TYPE] = { "MediaType", CIM_UINT32, 0 },
	[DP_FILE_SYSTEM] = { "FileSystem", CIM_STRING, 0 },
	[DP_SIZE] = { "Size", CIM_UINT64, 0 },
	[DP_FREE_SPACE] = { "FreeSpace", CIM_UINT64, 0 },
	[DP_VOLUME_NAME] = { "VolumeName", CIM_STRING, 0 },
	[DP_VOLUME_SERIAL_NUMBER] = { "VolumeSerialNumber", CIM_STRING, 0 },
	[DP_PROVIDER_NAME] = { "ProviderName", CIM_STRING, 0 },
	[DP_ACCESS] = { "Access", CIM_UINT16, 0 },
	[DP_MAXIMUM_COMPONENT_LENGTH] = { "MaximumComponentLength", CIM_UINT32, 0 },
	[DP_SYSTEM_NAME] = { "SystemName", CIM_STRING, 0 },
	[DP_CREATION_CLASS_NAME] = { "CreationClassName", CIM_STRING, 0 },
	[DP_SYSTEM_CREATION_CLASS_NAME] = { "SystemCreationClassName", CIM_STRING, 0 },
};

enum {
	VP_DEVICE_ID, VP_NAME, VP_CAPTION, VP_LABEL, VP_DRIVE_LETTER,
	VP_DRIVE_TYPE, VP_FILE_SYSTEM, VP_CAPACITY, VP_FREE_SPACE,
	VP_BLOCK_SIZE, VP_SERIAL_NUMBER, VP_BOOT_VOLUME, VP_SYSTEM_VOLUME,
	VP_AUTOMOUNT, VP_COMPRESSED, VP_PAGE_FILE_PRESENT,
	VP_MAXIMUM_FILE_NAME_LENGTH, VP_ACCESS, VP_SYSTEM_NAME,
	VP_COUNT
};

static const struct cim_property volume_props[VP_COUNT] = {
	[VP_DEVICE_ID] = { "DeviceID", CIM_STRING, CIM_KEY },
	[VP_NAME] = { "Name", CIM_STRING, 0 },
	[VP_CAPTION] = { "Caption", CIM_STRING, 0 },
	[VP_LABEL] = { "Label", CIM_STRING, 0 },
	[VP_DRIVE_LETTER] = { "DriveLetter", CIM_STRING, 0 },
	[VP_DRIVE_TYPE] = { "DriveType", CIM_UINT32, 0 },
	[VP_FILE_SYSTEM] = { "FileSystem", CIM_STRING, 0 },
	[VP_CAPACITY] = { "Capacity", CIM_UINT64, 0 },
	[VP_FREE_SPACE] = { "FreeSpace", CIM_UINT64, 0 },
	[VP_BLOCK_SIZE] = { "BlockSize", CIM_UINT64, 0 },
	[VP_SERIAL_NUMBER] = { "SerialNumber", CIM_UINT32, 0 },
	[VP_BOOT_VOLUME] = { "BootVolume", CIM_BOOLEAN, 0 },
	[VP_SYSTEM_VOLUME] = { "SystemVolume", CIM_BOOLEAN, 0 },
	[VP_AUTOMOUNT] = { "Automount", CIM_BOOLEAN, 0 },
	[VP_COMPRESSED] = { "Compressed", CIM_BOOLEAN, 0 },
	[VP_PAGE_FILE_PRESENT] = { "PageFilePresent", CIM_BOOLEAN, 0 },
	[VP_MAXIMUM_FILE_NAME_LENGTH] = { "MaximumFileNameLength", CIM_UINT32, 0 },
	[VP_ACCESS] = { "Access", CIM_UINT16, 0 },
	[VP_SYSTEM_NAME] = { "SystemName", CIM_STRING, 0 },
};

/* ------------------------------------------------------------ pure */

bool
w32_volume_serial(const char *uuid, uint32_t *ret)
{
	char hex[9];
	size_t n = 0;

	/* the first 32 bits of the UUID (or of a FAT's XXXX-XXXX) */
	for (const char *p = uuid; p != NULL && *p != '\0' && n < 8; p++) {
		if (*p == '-')
			continue;
		if (!isxdigit((unsigned char)*p))
			return false;
		hex[n++] = *p;
	}
	if (n < 8)
		return false;
	hex[8] = '\0';
	*ret = (uint32_t)strtoul(hex, NULL, 16);
	return true;
}

static bool
in_list(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

static const char *const network_fs[] = {
	"nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "ceph",
	"glusterfs", "fuse.glusterfs", "sshfs", "fuse.sshfs", "9p", "lustre",
	"gpfs", "beegfs", "davfs", "fuse.davfs2", "fuse.s3fs", "fuse.rclone",
	"coda", "orangefs", "fuse.cephfs", NULL
};

uint32_t
w32_drive_type(const char *fstype, int removable)
{
	static const char *const ram_fs[] = { "tmpfs", "ramfs", NULL };
	static const char *const cd_fs[] = { "iso9660", "udf", NULL };

	if (fstype == NULL || fstype[0] == '\0')
		return 0;			/* unknown */
	if (in_list(fstype, network_fs))
		return 4;			/* network drive */
	if (in_list(fstype, ram_fs))
		return 6;			/* RAM disk */
	if (in_list(fstype, cd_fs))
		return 5;			/* compact disc */
	if (removable == 1)
		return 2;			/* removable disk */
	return 3;				/* local disk */
}

const char *
w32_drive_description(uint32_t drive_type)
{
	switch (drive_type) {
	case 2:
		return "Removable Disk";
	case 3:
		return "Local Fixed Disk";
	case 4:
		return "Network Connection";
	case 5:
		return "CD-ROM Disc";
	case 6:
		return "RAM Disk";
	default:
		return "Unknown";
	}
}

bool
w32_fs_is_remote(const char *fstype)
{
	return in_list(fstype, network_fs) || strncmp(fstype, "fuse", 4) == 0;
}

static bool
under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

bool
w32_disk_skip(const char *fstype, const char *mount_point)
{
	static const char *const pseudo_fs[] = {
		"proc", "sysfs", "cgroup", "cgroup2", "devpts", "devtmpfs",
		"mqueue", "debugfs", "tracefs", "securityfs", "pstore", "bpf",
		"autofs", "configfs", "fusectl", "hugetlbfs", "binfmt_misc",
		"efivarfs", "rpc_pipefs", "nsfs", "selinuxfs", "nfsd", "none",
		"fuse.lxcfs", "fuse.gvfsd-fuse", "fuse.portal", "fuse.snapfuse",
		NULL
	};

	if (in_list(fstype, pseudo_fs))
		return true;
	if (under(mount_point, "/proc") || under(mount_point, "/sys"))
		return true;
	/* snaps' images, and container layers other than the root */
	if (strcmp(fstype, "squashfs") == 0 && under(mount_point, "/snap"))
		return true;
	if (strcmp(fstype, "overlay") == 0 && strcmp(mount_point, "/") != 0)
		return true;
	return false;
}

/* ------------------------------------------------------------ jobs */

struct disk {
	char		*mount_point;
	char		*fstype;
	char		*source;
	char		*label;
	char		*uuid;
	dev_t		 dev;
	bool		 ro;
	int		 removable;	/* 1, 0, -1 unknown */
	bool		 remote;	/* statvfs in the worker */
	/* statvfs results; `done' published last (worker thread) */
	uint64_t	 size, avail;
	unsigned long	 namemax, bsize;
	bool		 have_vfs;
	int		 done;
};

struct w32_disk_job {
	struct w32_disk_job	*next;
	struct cim_ctx		*ctx;		/* NULL once answered */
	struct disk		*disks;
	size_t			 n;
	pthread_t		 thread;
	bool			 thread_running;
	int			 efd;		/* the worker says "done" */
	struct winrmd_watch	*w_done;
	struct winrmd_timer	*timer;
	char			 host[256];
	bool			 volume;	/* Win32_Volume */
};

static void
disk_stat(struct disk *d)
{
	struct statvfs vfs;

	if (statvfs(d->mount_point, &vfs) == 0) {
		d->size = (uint64_t)vfs.f_blocks * vfs.f_frsize;
		d->avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
		d->namemax = vfs.f_namemax;
		d->bsize = vfs.f_bsize;
		d->have_vfs = true;
	}
	__atomic_store_n(&d->done, 1, __ATOMIC_RELEASE);
}

static void *
disk_worker(void *arg)
{
	struct w32_disk_job *job = arg;
	uint64_t one = 1;

	for (size_t k = 0; k < job->n; k++)
		if (job->disks[k].remote)
			disk_stat(&job->disks[k]);
	if (write(job->efd, &one, sizeof(one)) < 0) {
		/* the loop thread sees the timer instead */
	}
	return NULL;
}

/* "\x20" escapes of /dev/disk/by-* names */
static void
unescape_hex(char *s)
{
	char *o = s;

	for (char *p = s; *p != '\0';) {
		if (p[0] == '\\' && p[1] == 'x' && p[2] != '\0' &&
		    p[3] != '\0') {
			char h[3] = { p[2], p[3], '\0' };

			*o++ = (char)strtoul(h, NULL, 16);
			p += 4;
		} else
			*o++ = *p++;
	}
	*o = '\0';
}

/* the names under /dev/disk/by-label or by-uuid that point at dev */
static void
volume_names(struct disk *disks, size_t n, const char *sub, bool label)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (w32_path(dir, sizeof(dir), w32->paths.dev, sub) < 0 ||
	    (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &st, 0) < 0 ||
		    !S_ISBLK(st.st_mode))
			continue;
		for (size_t k = 0; k < n; k++) {
			char **slot = label ? &disks[k].label : &disks[k].uuid;

			if (disks[k].dev != st.st_rdev || *slot != NULL)
				continue;
			if ((*slot = strdup(de->d_name)) != NULL)
				unescape_hex(*slot);
		}
	}
	closedir(d);
}

static int
removable(unsigned major, unsigned minor)
{
	char path[PATH_MAX], v[16];

	snprintf(path, sizeof(path), "%s/dev/block/%u:%u/removable",
	    w32->paths.sys, major, minor);
	if (procfs_read_small(AT_FDCWD, path, v, sizeof(v)) <= 0) {
		/* a partition: its disk says */
		snprintf(path, sizeof(path), "%s/dev/block/%u:%u/../removable",
		    w32->paths.sys, major, minor);
		if (procfs_read_small(AT_FDCWD, path, v, sizeof(v)) <= 0)
			return -1;
	}
	return v[0] == '1';
}

static void
disks_free(struct disk *disks, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		free(disks[k].mount_point);
		free(disks[k].fstype);
		free(disks[k].source);
		free(disks[k].label);
		free(disks[k].uuid);
	}
	free(disks);
}

/* the mounts worth an instance, the last mount on each mount point */
static int
disks_collect(struct disk **ret, size_t *ret_n)
{
	struct procfs_buf b = { 0 };
	struct mount_entry m;
	struct disk *disks = NULL;
	size_t n = 0, cap = 0;
	char path[PATH_MAX], *cur;
	int r;

	*ret = NULL;
	*ret_n = 0;
	if ((r = w32_path(path, sizeof(path), w32->paths.proc,
	    "self/mountinfo")) < 0 ||
	    (r = (int)procfs_read(AT_FDCWD, path, &b, 0,
	    PROCFS_UNTIL_EOF)) < 0) {
		procfs_buf_free(&b);
		return r;
	}
	cur = b.data;
	while ((r = procfs_next_mount(&cur, &m)) != 0) {
		struct disk *d = NULL;
		struct stat st;

		if (r < 0 || w32_disk_skip(m.fstype, m.mount_point))
			continue;
		for (size_t k = 0; k < n; k++)
			if (strcmp(disks[k].mount_point, m.mount_point) == 0) {
				/* over-mounted: the later one shows */
				d = &disks[k];
				free(d->mount_point);
				free(d->fstype);
				free(d->source);
				break;
			}
		if (d == NULL) {
			if (n == cap) {
				size_t ncap = cap ? 2 * cap : 16;
				struct disk *p = realloc(disks, ncap * sizeof(*p));

				if (p == NULL)
					goto nomem;
				disks = p;
				cap = ncap;
			}
			d = &disks[n++];
		}
		memset(d, 0, sizeof(*d));
		d->mount_point = strdup(m.mount_point);
		d->fstype = strdup(m.fstype);
		d->source = strdup(m.source);
		if (d->mount_point == NULL || d->fstype == NULL ||
		    d->source == NULL)
			goto nomem;
		w32_utf8_fix(d->mount_point);
		w32_utf8_fix(d->source);
		d->ro = strncmp(m.options, "ro", 2) == 0 &&
		    (m.options[2] == '\0' || m.options[2] == ',');
		d->dev = makedev(m.major, m.minor);
		d->remote = w32_fs_is_remote(m.fstype);
		/* btrfs and others show an anonymous device: the source's */
		if (m.source[0] == '/' && !d->remote &&
		    stat(m.source, &st) == 0 && S_ISBLK(st.st_mode))
			d->dev = st.st_rdev;
		d->removable = m.major != 0 ? removable(major(d->dev),
		    minor(d->dev)) : -1;
	}
	procfs_buf_free(&b);
	volume_names(disks, n, "disk/by-label", true);
	volume_names(disks, n, "disk/by-uuid", false);
	*ret = disks;
	*ret_n = n;
	return 0;
nomem:
	procfs_buf_free(&b);
	disks_free(disks, n);
	return -ENOMEM;
}

static void
volume_set(struct cim_instance *i, const struct disk *d, bool have,
    uint32_t type, const char *host)
{
	const struct cim_services *svc = w32->svc;
	uint32_t serial;

	svc->set_string(i, VP_DEVICE_ID, d->mount_point);
	svc->set_string(i, VP_NAME, d->mount_point);
	svc->set_string(i, VP_CAPTION, d->mount_point);
	if (d->label != NULL)
		svc->set_string(i, VP_LABEL, d->label);
	svc->set_uint(i, VP_DRIVE_TYPE, type);
	svc->set_string(i, VP_FILE_SYSTEM, d->fstype);
	if (have) {
		svc->set_uint(i, VP_CAPACITY, d->size);
		svc->set_uint(i, VP_FREE_SPACE, d->avail);
		svc->set_uint(i, VP_BLOCK_SIZE, d->bsize);
		svc->set_uint(i, VP_MAXIMUM_FILE_NAME_LENGTH, d->namemax);
	}
	if (d->uuid != NULL && w32_volume_serial(d->uuid, &serial))
		svc->set_uint(i, VP_SERIAL_NUMBER, serial);
	/* "/" holds the system and boots it, as C: does */
	svc->set_bool(i, VP_BOOT_VOLUME, strcmp(d->mount_point, "/") == 0);
	svc->set_bool(i, VP_SYSTEM_VOLUME, strcmp(d->mount_point, "/") == 0 ||
	    strcmp(d->mount_point, "/boot") == 0 ||
	    strcmp(d->mount_point, "/boot/efi") == 0);
	svc->set_bool(i, VP_AUTOMOUNT, true);
	svc->set_bool(i, VP_COMPRESSED, false);
	svc->set_bool(i, VP_PAGE_FILE_PRESENT, false);
	svc->set_uint(i, VP_ACCESS, d->ro ? 1 : 3);
	svc->set_string(i, VP_SYSTEM_NAME, host);
}

static void
disk_emit_all(struct w32_disk_job *job)
{
	const struct cim_services *svc = w32->svc;

	for (size_t k = 0; k < job->n; k++) {
		struct disk *d = &job->disks[k];
		struct cim_instance *i;
		bool have = __atomic_load_n(&d->done, __ATOMIC_ACQUIRE) &&
		    d->have_vfs;
		uint32_t type;

		/* local pseudo filesystems that slipped through: no blocks */
		if (have && !d->remote && d->size == 0 &&
		    w32_drive_type(d->fstype, d->removable) == 3)
			continue;
		if ((i = svc->instance(job->ctx)) == NULL) {
			w32_fail_nomem(job->ctx);
			return;
		}
		type = w32_drive_type(d->fstype, d->removable);
		if (job->volume) {
			volume_set(i, d, have, type, job->host);
			if (!svc->emit(job->ctx, i))
				return;
			continue;
		}
		svc->set_string(i, DP_DEVICE_ID, d->mount_point);
		svc->set_string(i, DP_NAME, d->mount_point);
		svc->set_string(i, DP_CAPTION, d->mount_point);
		svc->set_string(i, DP_DESCRIPTION, w32_drive_description(type));
		svc->set_uint(i, DP_DRIVE_TYPE, type);
		/* 12 fixed hard disk, 11 removable media */
		if (type == 3)
			svc->set_uint(i, DP_MEDIA_TYPE, 12);
		else if (type == 2 || type == 5)
			svc->set_uint(i, DP_MEDIA_TYPE, 11);
		svc->set_string(i, DP_FILE_SYSTEM, d->fstype);
		if (have) {
			svc->set_uint(i, DP_SIZE, d->size);
			svc->set_uint(i, DP_FREE_SPACE, d->avail);
			svc->set_uint(i, DP_MAXIMUM_COMPONENT_LENGTH,
			    d->namemax);
		}
		if (d->label != NULL)
			svc->set_string(i, DP_VOLUME_NAME, d->label);
		if (d->uuid != NULL)
			svc->set_string(i, DP_VOLUME_SERIAL_NUMBER, d->uuid);
		if (type == 4)
			svc->set_string(i, DP_PROVIDER_NAME, d->source);
		svc->set_uint(i, DP_ACCESS, d->ro ? 1 : 3);
		svc->set_string(i, DP_SYSTEM_NAME, job->host);
		svc->set_string(i, DP_CREATION_CLASS_NAME, "Win32_LogicalDisk");
		svc->set_string(i, DP_SYSTEM_CREATION_CLASS_NAME,
		    "Win32_ComputerSystem");
		if (!svc->emit(job->ctx, i))
			return;
	}
}

static void
job_free(struct w32_disk_job *job)
{
	for (struct w32_disk_job **pp = &w32->disk_jobs; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == job) {
			*pp = job->next;
			break;
		}
	w32->host->timer_stop(job->timer);
	if (job->w_done != NULL)
		w32->host->watch_remove(job->w_done);
	if (job->thread_running)
		pthread_join(job->thread, NULL);
	if (job->efd >= 0)
		close(job->efd);
	disks_free(job->disks, job->n);
	free(job);
}

/* emits what is known and completes the call; the job may live on */
static void
job_answer(struct w32_disk_job *job)
{
	struct cim_ctx *ctx = job->ctx;

	if (ctx == NULL)
		return;
	disk_emit_all(job);
	job->ctx = NULL;
	w32->svc->complete(ctx);
}

static void
on_worker_done(int fd, uint32_t events, void *arg)
{
	struct w32_disk_job *job = arg;

	(void)fd;
	(void)events;
	job_answer(job);
	job_free(job);		/* joins the worker, which has returned */
}

static void
on_worker_slow(void *arg)
{
	struct w32_disk_job *job = arg;

	job->timer = NULL;
	w32->host->log(WINRMD_LOG_WARNING, "win32: %s: statvfs "
	    "of a network filesystem takes more than %d s; its size stays null",
	    job->volume ? "Win32_Volume" : "Win32_LogicalDisk",
	    REMOTE_TIMEOUT_MS / 1000);
	job_answer(job);
	/* on_worker_done frees the job when statvfs returns */
}

static int
disk_enumerate(struct cim_ctx *ctx, void *unused)
{
	const struct cim_services *svc = w32->svc;
	struct w32_disk_job *job;
	bool any_remote = false;
	int r;

	(void)unused;
	if ((job = calloc(1, sizeof(*job))) == NULL)
		return w32_fail_nomem(ctx);
	job->efd = -1;
	job->ctx = ctx;
	job->volume = svc->class_of(ctx) == &w32_volume_class;
	w32_hostname(job->host, sizeof(job->host));
	if ((r = disks_collect(&job->disks, &job->n)) < 0) {
		free(job);
		return svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR,
		    "mountinfo: %s", strerror(-r));
	}
	for (size_t k = 0; k < job->n; k++) {
		if (job->disks[k].remote)
			any_remote = true;
		else
			disk_stat(&job->disks[k]);
	}
	job->next = w32->disk_jobs;
	w32->disk_jobs = job;
	if (!any_remote)
		goto now;
	if ((job->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
	    (job->w_done = w32->host->watch_add(job->efd, WINRMD_IN,
	    on_worker_done, job)) == NULL ||
	    pthread_create(&job->thread, NULL, disk_worker, job) != 0) {
		w32->host->log(WINRMD_LOG_WARNING, "win32: Win32_LogicalDisk: "
		    "no worker thread; network filesystems without sizes");
		goto now;
	}
	job->thread_running = true;
	job->timer = w32->host->timer_start(REMOTE_TIMEOUT_MS, on_worker_slow,
	    job);
	return CIM_PENDING;
now:
	disk_emit_all(job);
	job->ctx = NULL;
	job_free(job);
	return CIM_OK;
}

void
w32_disk_fini(void)
{
	while (w32->disk_jobs != NULL) {
		struct w32_disk_job *job = w32->disk_jobs;

		if (job->ctx != NULL) {
			w32->svc->fail(job->ctx, WINRMD_FAULT_SERVICE_STOPPING,
			    "The service is stopping.");
			w32->svc->complete(job->ctx);
			job->ctx = NULL;
		}
		/* waits for a statvfs that hangs: nothing else is safe */
		job_free(job);
	}
}

const struct cim_class w32_disk_class = {
	.name = "Win32_LogicalDisk",
	.ns = W32_NS,
	.props = disk_props,
	.nprops = DP_COUNT,
	.enumerate = disk_enumerate,
};

const struct cim_class w32_volume_class = {
	.name = "Win32_Volume",
	.ns = W32_NS,
	.props = volume_props,
	.nprops = VP_COUNT,
	.enumerate = disk_enumerate,
};
