/*
 * cgroup.c: per-shell resource groups (cgroup.h).
 *
 * v2: the daemon's own cgroup (from /proc/self/cgroup) must be writable and
 * offer the memory and pids controllers.  Because a cgroup with processes
 * cannot enable controllers for its children, the daemon first moves itself
 * into a leaf "daemon" child (systemd expects exactly this with
 * Delegate=yes), then enables memory and pids for the children, one per
 * shell: memory.max, pids.max, cgroup.kill.  Children are cloned straight
 * into their v2 group (spawn.c, cgroup_clone_fd).
 * v1: a "winrmd" directory under the daemon's cgroup in the memory and pids
 * hierarchies, a child per shell: memory.limit_in_bytes, pids.max; killing
 * reads cgroup.procs.
 */
#include "build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "cgroup.h"
#include "log.h"
#include "reactor.h"

#define CG_ROOT		"/sys/fs/cgroup"
#define RMDIR_TRIES	50	/* x 100 ms */
#define GROUP_PREFIX	"winrmd-"	/* winrmd-<daemon pid>-<name> */
#define KEPT_PREFIX	"winrmd-kept-"	/* winrmd-kept-<name>: no owner */

struct cgroup {
	char		*dirs[2];	/* v2: one; v1: memory, pids */
	int		 ndirs;
	int		 tries;
	bool		 dying;		/* destroy called; removal pending */
	bool		 retry;		/* cgroup_poll tries the removal again */
	struct cgroup	*next, **prev;	/* every live group */
};

static struct cgroup *groups;

static enum cgroup_mode mode = CGROUP_NONE;
static void sweep_leftovers(void);
static char base[2][PATH_MAX];	/* where shell groups are created */

static int
write_file(const char *dir, const char *file, const char *value)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	if (n < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	close(fd);
	return 0;
}

static bool
file_has_word(const char *path, const char *word)
{
	char buf[512], *tok, *save;
	FILE *fp = fopen(path, "re");
	bool found = false;

	if (fp == NULL)
		return false;
	while (!found && fgets(buf, sizeof(buf), fp) != NULL)
		for (tok = strtok_r(buf, " \n", &save); tok != NULL && !found;
		    tok = strtok_r(NULL, " \n", &save))
			found = strcmp(tok, word) == 0;
	fclose(fp);
	return found;
}

/* the path of the daemon's cgroup for a v1 controller, or "" for v2 */
static int
own_path(const char *controller, char *buf, size_t len)
{
	FILE *fp = fopen("/proc/self/cgroup", "re");
	char line[PATH_MAX + 64];
	int r = -ENOENT;

	if (fp == NULL)
		return -errno;
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		bool match = false;

		if (c2 == NULL)
			continue;
		*c2 = '\0';
		line[strcspn(line, "\n")] = '\0';
		c2[1 + strcspn(c2 + 1, "\n")] = '\0';
		if (controller == NULL)
			match = strcmp(line, "0") == 0 && c1[1] == '\0';
		else {
			char *save, *tok;

			for (tok = strtok_r(c1 + 1, ",", &save); tok != NULL;
			    tok = strtok_r(NULL, ",", &save))
				match = match || strcmp(tok, controller) == 0;
		}
		if (match) {
			snprintf(buf, len, "%s", c2 + 1);
			r = 0;
			break;
		}
	}
	fclose(fp);
	return r;
}

static bool
init_v2(void)
{
	char own[2048], dir[PATH_MAX], daemon_dir[PATH_MAX + 8];
	char pid[32];

	if (access(CG_ROOT "/cgroup.controllers", F_OK) < 0 ||
	    own_path(NULL, own, sizeof(own)) < 0)
		return false;
	snprintf(dir, sizeof(dir), CG_ROOT "%s", strcmp(own, "/") ? own : "");
	if (!file_has_word(CG_ROOT "/cgroup.controllers", "memory") ||
	    !file_has_word(CG_ROOT "/cgroup.controllers", "pids"))
		return false;
	if (strcmp(own, "/") == 0) {
		/* the root cgroup may hold processes: make a subtree for us */
		if (write_file(dir, "cgroup.subtree_control", "+memory +pids") < 0)
			return false;
		snprintf(base[0], sizeof(base[0]), CG_ROOT "/winrmd");
		if (mkdir(base[0], 0755) < 0 && errno != EEXIST)
			return false;
	} else {
		/* move out of the way, into a leaf, as Delegate=yes expects */
		if (strcmp(own + strlen(own) - (strlen(own) >= 7 ? 7 : 0),
		    "/daemon") == 0) {
			/* already moved by an earlier start of this process tree */
			snprintf(dir, sizeof(dir), CG_ROOT "%.*s",
			    (int)(strlen(own) - 7), own);
		} else {
			snprintf(daemon_dir, sizeof(daemon_dir), "%s/daemon", dir);
			if (mkdir(daemon_dir, 0755) < 0 && errno != EEXIST)
				return false;
			snprintf(pid, sizeof(pid), "%d", (int)getpid());
			if (write_file(daemon_dir, "cgroup.procs", pid) < 0)
				return false;
		}
		snprintf(base[0], sizeof(base[0]), "%s", dir);
	}
	if (write_file(base[0], "cgroup.subtree_control", "+memory +pids") < 0)
		return false;
	return true;
}

static bool
init_v1(void)
{
	static const char *const ctrl[2] = { "memory", "pids" };

	for (int i = 0; i < 2; i++) {
		char own[2048];

		if (own_path(ctrl[i], own, sizeof(own)) < 0)
			return false;
		snprintf(base[i], sizeof(base[i]), CG_ROOT "/%s%s/winrmd", ctrl[i],
		    strcmp(own, "/") ? own : "");
		if (mkdir(base[i], 0755) < 0 && errno != EEXIST)
			return false;
		if (access(base[i], W_OK) < 0)
			return false;
	}
	return true;
}

enum cgroup_mode
cgroup_init(void)
{
	if (geteuid() != 0)
		mode = CGROUP_NONE;
	else if (init_v2())
		mode = CGROUP_V2;
	else if (init_v1())
		mode = CGROUP_V1;
	else
		mode = CGROUP_NONE;
	if (mode != CGROUP_NONE)
		sweep_leftovers();
	if (mode == CGROUP_V2)
		log_info("cgroup: shells get cgroup v2 groups under %s "
		    "(memory.max, pids.max)", base[0]);
	else if (mode == CGROUP_V1)
		log_info("cgroup: shells get cgroup v1 groups under %s and %s "
		    "(memory.limit_in_bytes, pids.max)", base[0], base[1]);
	else
		log_info("cgroup: no writable cgroup hierarchy with memory and "
		    "pids controllers; shell limits fall back to rlimits per "
		    "process (RLIMIT_AS, RLIMIT_NPROC)");
	return mode;
}

enum cgroup_mode
cgroup_mode(void)
{
	return mode;
}

const char *
cgroup_mode_name(enum cgroup_mode m)
{
	return m == CGROUP_V2 ? "cgroup v2" : m == CGROUP_V1 ? "cgroup v1" :
	    "rlimits";
}

/*
 * pids.max of a limit: the kernel refuses numbers above PID_MAX_LIMIT
 * (4194304), so larger ones (Windows' 2147483647) are "max": no limit of
 * the group's own, the unit's TasksMax above it still counts.
 */
static void
pids_text(char *buf, size_t len, uint64_t max_procs)
{
	if (max_procs >= 4194304)
		snprintf(buf, len, "max");
	else
		snprintf(buf, len, "%llu", (unsigned long long)max_procs);
}

static void
group_free(struct cgroup *g)
{
	*g->prev = g->next;
	if (g->next != NULL)
		g->next->prev = g->prev;
	for (int i = 0; i < g->ndirs; i++)
		free(g->dirs[i]);
	free(g);
}

struct cgroup *
cgroup_create(const char *name, uint64_t mem_bytes, uint64_t max_procs)
{
	struct cgroup *g;
	char value[32];

	if (mode == CGROUP_NONE) {
		errno = ENOTSUP;
		return NULL;
	}
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->ndirs = mode == CGROUP_V2 ? 1 : 2;
	g->next = groups;
	g->prev = &groups;
	if (groups != NULL)
		groups->prev = &g->next;
	groups = g;
	for (int i = 0; i < g->ndirs; i++) {
		/* the pid tells whose group it is: several daemons may share
		 * a hierarchy (tests, instances), and only the groups of a
		 * daemon that is gone are leftovers */
		if (asprintf(&g->dirs[i], "%s/" GROUP_PREFIX "%d-%s", base[i],
		    (int)getpid(), name) < 0) {
			g->dirs[i] = NULL;
			goto fail;
		}
		if (mkdir(g->dirs[i], 0755) < 0 && errno != EEXIST)
			goto fail;
	}
	if (mode == CGROUP_V2) {
		if (mem_bytes != 0) {
			snprintf(value, sizeof(value), "%llu",
			    (unsigned long long)mem_bytes);
			if (write_file(g->dirs[0], "memory.max", value) < 0)
				goto fail;
			write_file(g->dirs[0], "memory.swap.max", "0");
		}
		if (max_procs != 0) {
			pids_text(value, sizeof(value), max_procs);
			if (write_file(g->dirs[0], "pids.max", value) < 0)
				goto fail;
		}
	} else {
		if (mem_bytes != 0) {
			snprintf(value, sizeof(value), "%llu",
			    (unsigned long long)mem_bytes);
			if (write_file(g->dirs[0], "memory.limit_in_bytes", value) < 0)
				goto fail;
		}
		if (max_procs != 0) {
			pids_text(value, sizeof(value), max_procs);
			if (write_file(g->dirs[1], "pids.max", value) < 0)
				goto fail;
		}
	}
	return g;
fail:
	log_warn("cgroup: cannot set up group %s: %s", name, strerror(errno));
	for (int i = 0; i < g->ndirs; i++)
		if (g->dirs[i] != NULL)
			rmdir(g->dirs[i]);
	group_free(g);
	return NULL;
}

int
cgroup_join_fds(struct cgroup *g, int fds[2])
{
	int n = 0;

	for (int i = 0; g != NULL && i < g->ndirs; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/cgroup.procs", g->dirs[i]);
		if ((fds[n] = open(path, O_WRONLY | O_CLOEXEC)) >= 0)
			n++;
		else
			log_warn("cgroup: cannot open %s: %s", path, strerror(errno));
	}
	return n;
}

void
cgroup_close_join_fds(int fds[2], int n)
{
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

int
cgroup_clone_fd(struct cgroup *g)
{
	if (g == NULL || mode != CGROUP_V2 || g->dirs[0] == NULL)
		return -1;
	return open(g->dirs[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

long
cgroup_procs(struct cgroup *g, pid_t *pids, size_t max)
{
	/* v1: the pids hierarchy, which every member joins */
	const char *dir = g != NULL ? g->dirs[g->ndirs - 1] : NULL;
	char path[PATH_MAX + 32], line[32];
	long n = 0;
	FILE *fp;

	if (dir == NULL)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if ((fp = fopen(path, "re")) == NULL)
		return -errno;
	while (fgets(line, sizeof(line), fp) != NULL) {
		pid_t pid = (pid_t)strtol(line, NULL, 10);

		if (pid <= 0)
			continue;
		if ((size_t)n < max)
			pids[n] = pid;
		n++;
	}
	fclose(fp);
	return n;
}

/* SIGKILL to every pid listed in dir/cgroup.procs; how many there were */
static int
kill_listed(const char *dir)
{
	char path[PATH_MAX + 32], line[32];
	FILE *fp;
	int n = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if ((fp = fopen(path, "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		pid_t pid = (pid_t)strtol(line, NULL, 10);

		if (pid > 1 && pid != getpid()) {
			kill(pid, SIGKILL);
			n++;
		}
	}
	fclose(fp);
	return n;
}

void
cgroup_kill(struct cgroup *g)
{
	if (g == NULL)
		return;
	if (mode == CGROUP_V2 && write_file(g->dirs[0], "cgroup.kill", "1") == 0)
		return;
	/* v1, or a v2 kernel without cgroup.kill: repeat until the list is
	 * empty, since a process may fork while we read */
	for (int round = 0; round < 10; round++) {
		int n = 0;

		for (int i = 0; i < g->ndirs; i++)
			n += kill_listed(g->dirs[i]);
		if (n == 0)
			break;
	}
}

/* the monitor (privsep): no event loop, cgroup_poll() retries removals */
static bool no_loop;

static void try_remove(void *arg);

void
cgroup_poll_removals(void)
{
	no_loop = true;
}

void
cgroup_poll(void)
{
	struct cgroup *g, *next;

	for (g = groups; g != NULL; g = next) {
		next = g->next;
		if (g->retry) {
			g->retry = false;
			try_remove(g);
		}
	}
}

static void
try_remove(void *arg)
{
	struct cgroup *g = arg;
	bool busy = false;

	for (int i = 0; i < g->ndirs; i++)
		if (g->dirs[i] != NULL) {
			if (rmdir(g->dirs[i]) == 0 || errno == ENOENT) {
				free(g->dirs[i]);
				g->dirs[i] = NULL;
			} else
				busy = true;
		}
	if (busy && ++g->tries < RMDIR_TRIES) {
		cgroup_kill(g);
		if (no_loop) {
			g->retry = true;
			return;
		}
		if (reactor_timer(100, try_remove, g) != NULL)
			return;
	}
	if (busy)
		log_warn("cgroup: %s still has processes; left in place",
		    g->dirs[0] ? g->dirs[0] : g->dirs[1]);
	group_free(g);
}

void
cgroup_destroy(struct cgroup *g)
{
	if (g == NULL)
		return;
	g->dying = true;
	cgroup_kill(g);
	try_remove(g);
}

/*
 * Renamed winrmd-kept-<name>: no daemon's sweep takes it for a dead
 * daemon's leftover (several daemons may share the base, as tests do)
 */
void
cgroup_release(struct cgroup *g)
{
	if (g == NULL)
		return;
	for (int i = 0; i < g->ndirs; i++) {
		char *slash = g->dirs[i] != NULL ? strrchr(g->dirs[i], '/') : NULL;
		char *name, *to = NULL;

		if (slash == NULL || strncmp(slash + 1, GROUP_PREFIX,
		    strlen(GROUP_PREFIX)) != 0 ||
		    (name = strchr(slash + 1 + strlen(GROUP_PREFIX), '-')) ==
		    NULL)
			continue;
		if (asprintf(&to, "%.*s/" KEPT_PREFIX "%s",
		    (int)(slash - g->dirs[i]), g->dirs[i], name + 1) < 0)
			continue;
		if (rename(g->dirs[i], to) < 0)
			log_warn("cgroup: %s: renaming it for the keeper: %s",
			    g->dirs[i], strerror(errno));
		free(to);
	}
	group_free(g);
}

static pid_t *spare_pids;
static size_t nspare;

void
cgroup_spare(const pid_t *pids, size_t n)
{
	free(spare_pids);
	spare_pids = NULL;
	nspare = 0;
	if (n > 0 && (spare_pids = malloc(n * sizeof(*pids))) != NULL) {
		memcpy(spare_pids, pids, n * sizeof(*pids));
		nspare = n;
	}
}

/* whether the group at dir holds a process kept across the restart */
static bool
holds_spared(const char *dir)
{
	char path[PATH_MAX + 300], line[32];
	bool found = false;
	FILE *fp;

	if (nspare == 0 || (size_t)snprintf(path, sizeof(path),
	    "%s/cgroup.procs", dir) >= sizeof(path) ||
	    (fp = fopen(path, "re")) == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), fp) != NULL) {
		pid_t pid = (pid_t)strtol(line, NULL, 10);

		for (size_t i = 0; i < nspare && !found; i++)
			found = spare_pids[i] == pid;
	}
	fclose(fp);
	return found;
}

void
cgroup_shutdown(void)
{
	/* removals still waiting on their timers: finish them now */
	for (int round = 0; groups != NULL && round < 20; round++) {
		struct cgroup *g, *next;

		for (g = groups; g != NULL; g = next) {
			bool busy = false;

			next = g->next;
			cgroup_kill(g);
			for (int i = 0; i < g->ndirs; i++)
				if (g->dirs[i] != NULL && rmdir(g->dirs[i]) < 0 &&
				    errno != ENOENT)
					busy = true;
			if (!busy && g->dying)
				group_free(g);
		}
		if (groups != NULL)
			usleep(50000);
	}
}

/*
 * Groups left by a daemon that died (its pid no longer exists): their
 * processes are orphans.  Pid reuse can only make us keep a leftover.
 */
static void
sweep_leftovers(void)
{
	for (int i = 0; i < (mode == CGROUP_V1 ? 2 : 1); i++) {
		DIR *d = opendir(base[i]);
		struct dirent *e;

		if (d == NULL)
			continue;
		while ((e = readdir(d)) != NULL) {
			char path[PATH_MAX + 256];

			char *end, *name;
			long owner;
			bool kept;

			if (strncmp(e->d_name, GROUP_PREFIX,
			    strlen(GROUP_PREFIX)) != 0)
				continue;
			kept = strncmp(e->d_name, KEPT_PREFIX,
			    strlen(KEPT_PREFIX)) == 0;
			owner = strtol(e->d_name + strlen(GROUP_PREFIX), &end, 10);
			if (!kept && (*end != '-' || owner <= 0 ||
			    (owner != getpid() && (kill((pid_t)owner, 0) == 0 ||
			    errno != ESRCH))))
				continue;	/* its daemon still runs */
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", base[i],
			    e->d_name) >= sizeof(path))
				continue;
			if (holds_spared(path)) {
				/* ours now: swept once this daemon is gone */
				char to[PATH_MAX + 300];

				name = kept ? e->d_name + strlen(KEPT_PREFIX) :
				    end + 1;
				if ((size_t)snprintf(to, sizeof(to), "%s/"
				    GROUP_PREFIX "%d-%s", base[i], (int)getpid(),
				    name) < sizeof(to) && rename(path, to) == 0)
					log_info("cgroup: %s holds a command kept "
					    "across the restart: now %s", path, to);
				continue;
			}
			if (kept) {	/* another keeper's, or empty */
				if (rmdir(path) == 0)
					log_notice("cgroup: removed %s, left by a "
					    "keeper", path);
				continue;
			}
			for (int round = 0; round < 10 && kill_listed(path) > 0;
			    round++)
				usleep(10000);
			if (rmdir(path) == 0)
				log_notice("cgroup: removed %s, left by an earlier "
				    "run", path);
		}
		closedir(d);
	}
}
