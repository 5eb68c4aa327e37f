/*
 * restart.c: WinRS commands that outlive a daemon restart (docs/DESIGN.md
 * §8.4).  At a stop, with [Winrs] RestartGraceSeconds above 0, each plain
 * WinRS command of a shell without a cgroup is kept: its shell's id and
 * owner, its own id, state (exited and the exit code, ended streams) and
 * unread output go into records, its pipes and pidfd with them, to the
 * daemon's keeper (host->keep); its shell is then left without killing
 * what was kept.  At start the records come back (host->kept) and rebuild
 * the shells and commands, so the client's next Receive with the same
 * ShellId and CommandId goes on where it was; the owner is checked as for
 * any shell.  A record: one header line, the user's name and the client's
 * address (a line each), then output runs ("O|E <len>\n" and the bytes),
 * then runs of the stdin the program has not read yet ("I <len>\n"): a
 * Send waiting for it is answered once they are kept, and the next daemon
 * writes them; what is past one record goes into "more" records that
 * follow it.  Where
 * the daemon's pidfds keep no exit status (before Linux 6.15), a command
 * that may be kept runs under a reaper (winrmd-stdin-watch -r), whose
 * status pipe is kept with it: the next daemon reads the exit status
 * there (command.c).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "shell.h"

#define REC_MAGIC	"winrs-kept-1"
#define REC_MAX		(120 * 1024)	/* under the keeper's 128 KiB */

struct rec {
	char	*buf;
	size_t	 len, cap;
};

static int
rec_put(struct rec *r, const void *p, size_t n)
{
	if (r->len + n > REC_MAX)
		return -E2BIG;
	if (r->cap < r->len + n) {
		size_t cap = r->len + n + 4096;
		char *b = realloc(r->buf, cap);

		if (b == NULL)
			return -ENOMEM;
		r->buf = b;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	return 0;
}

bool
restart_needs_reaper(void)
{
	return host->conf_int("Winrs", "RestartGraceSeconds") > 0 &&
	    WINRMD_HOST_HAS(host, keep) &&
	    WINRMD_HOST_HAS(host, exit_status_kept) &&
	    WINRMD_HOST_HAS(host, spawn_status) &&
	    host->exit_status_kept() < 0;
}

/* whether c can be kept: a plain WinRS command of a plain shell */
static bool
keepable(const struct shell *sh, const struct command *c)
{
	return sh->psrp == NULL && c->kind == NULL && c->child.pid > 0 &&
	    !command_finished(c);
}

/* the descriptors c hands over: pidfd (-1 none), then stdout, stderr,
 * stdin, its reaper's status pipe */
static int
take_fds(struct command *c, int *fds, int *pidfd)
{
	int n = 0;

	*pidfd = -1;
	if (c->child.pidfd >= 0) {
		*pidfd = n;
		fds[n++] = c->child.pidfd;
	}
	return n;
}

/* the output of c, oldest first, in runs, into records after the first */
static int
keep_command(struct shell *sh, struct command *c, unsigned grace)
{
	struct rec r = { 0 };
	char line[512];
	int fds[5], nfds, pidfd, ret;
	struct out_chunk *t = c->out_head;
	size_t off = 0, in_off = 0;
	bool first = true;

	/* a client waiting in Receive polls again: the next daemon answers */
	command_end_receive(c, WINRMD_FAULT_TIMED_OUT, "The service is "
	    "restarting; the command goes on.");
	command_unwatch(c);
	nfds = take_fds(c, fds, &pidfd);
	/* stdout, stderr, stdin, status pipe: their presence in the header;
	 * then whether stdin closes once written (a daemon before the status
	 * pipe wrote neither of the last two numbers) */
	snprintf(line, sizeof(line), REC_MAGIC " cmd %s %s %u %d %u %d %d "
	    "%d %d %d %d %d %d %d %d %d\n%s\n%s\n", sh->id, c->id,
	    (unsigned)sh->user.p.uid, (int)c->child.pid, sh->codepage,
	    c->exited, c->exit_code, c->eof[0], c->eof[1], c->end_sent[0],
	    c->end_sent[1], c->child.out_fd >= 0, c->child.err_fd >= 0,
	    c->child.in_fd >= 0, c->status_fd >= 0, c->in_end, sh->user.name,
	    sh->client_ip);
	if ((ret = rec_put(&r, line, strlen(line))) < 0)
		goto out;
	for (int s = 0; s < 4; s++) {
		int fd = s == 0 ? c->child.out_fd : s == 1 ? c->child.err_fd :
		    s == 2 ? c->child.in_fd : c->status_fd;

		if (fd >= 0)
			fds[nfds++] = fd;
	}
	for (;;) {
		/* as much output, then unwritten stdin, as fits this record */
		for (;;) {
			const unsigned char *p;
			size_t n, room;
			char kind;
			int h;

			if (t != NULL && t->len == off) {
				t = t->next;
				off = 0;
				continue;
			}
			if (t != NULL) {
				kind = t->stream == ST_STDOUT ? 'O' : 'E';
				p = t->data + t->off + off;
				n = t->len - off;
			} else if (in_off < c->in_len) {
				kind = 'I';
				p = c->in_buf + in_off;
				n = c->in_len - in_off;
			} else
				break;
			h = snprintf(line, sizeof(line), "%c %zu\n", kind, n);
			room = REC_MAX - r.len;
			if (room <= (size_t)h + 1)
				break;
			if (n > room - (size_t)h) {
				n = room - (size_t)h;
				h = snprintf(line, sizeof(line), "%c %zu\n", kind,
				    n);
			}
			if (rec_put(&r, line, (size_t)h) < 0 ||
			    rec_put(&r, p, n) < 0) {
				ret = -E2BIG;
				goto out;
			}
			if (t != NULL)
				off += n;
			else
				in_off += n;
		}
		ret = host->keep("shell", r.buf, r.len, first ? fds : NULL,
		    first ? nfds : 0, first ? pidfd : -1, grace);
		first = false;
		if (ret < 0 || (t == NULL && in_off == c->in_len))
			break;
		r.len = 0;
		snprintf(line, sizeof(line), REC_MAGIC " more %s %s\n", sh->id,
		    c->id);
		if ((ret = rec_put(&r, line, strlen(line))) < 0)
			break;
	}
out:
	free(r.buf);
	if (first) {
		command_rewatch(c);	/* nothing went: still c's */
		return ret;
	}
	/* the daemon has the descriptors now, whatever happened */
	c->child.pidfd = c->child.out_fd = c->child.err_fd = c->child.in_fd =
	    c->status_fd = -1;
	if (ret < 0) {		/* and they are closed: end the command */
		shell_signal(c->child.pid, SIGKILL, true);
		c->exited = c->reaped = true;
	} else		/* its bytes are kept: the next daemon writes them */
		command_answer_send(c);
	return ret;
}

void
shell_keep_all(struct plugin_state *ps)
{
	unsigned grace = (unsigned)host->conf_int("Winrs",
	    "RestartGraceSeconds");
	unsigned kept = 0, left = 0;

	if (grace == 0 || !WINRMD_HOST_HAS(host, keep))
		return;
	for (struct shell *sh = ps->shells; sh != NULL; sh = sh->next) {
		struct command **pp = &sh->commands;

		while (*pp != NULL) {
			struct command *c = *pp;
			int r;

			if (!keepable(sh, c) || (sh->group != NULL &&
			    !WINRMD_HOST_HAS(host, group_release))) {
				if (c->child.pid > 0 && !command_finished(c))
					left++;
				pp = &c->next;
				continue;
			}
			if ((r = keep_command(sh, c, grace)) < 0) {
				left++;
				host->log(WINRMD_LOG_WARNING, "shell: command %s "
				    "of %s (pid %d) not kept across the "
				    "restart: %s", c->id, sh->user.name,
				    (int)c->child.pid, strerror(-r));
				pp = &c->next;
				continue;
			}
			host->log(WINRMD_LOG_INFO, "shell: command %s of %s "
			    "(shell %s, pid %d) kept across the restart",
			    c->id, sh->user.name, sh->id, (int)c->child.pid);
			/* what it held is the keeper's: forget it here */
			*pp = c->next;
			sh->ncommands--;
			sh->handed_over = true;
			command_forget(c);
			kept++;
		}
	}
	if (kept > 0 || left > 0)
		host->log(WINRMD_LOG_NOTICE, "shell: %u command(s) kept for %u s "
		    "across the restart, %u not (PowerShell pipelines, Ansible "
		    "runs, shells with a cgroup)", kept, grace, left);
}

/* ------------------------------------------------------------- restore */

static struct shell *
restored_shell(struct plugin_state *ps, const char *id, const char *user,
    uid_t uid, const char *ip, unsigned codepage)
{
	struct winrmd_principal p = { 0 };
	gid_t groups[256];
	int ngroups = 256;
	struct passwd *pw;
	struct shell *sh;

	for (sh = ps->shells; sh != NULL; sh = sh->next)
		if (strcasecmp(sh->id, id) == 0)
			return sh->user.p.uid == uid ? sh : NULL;
	/* the account as it is now: gone or renumbered, nothing is restored */
	if ((pw = getpwnam(user)) == NULL || pw->pw_uid != uid ||
	    getgrouplist(user, pw->pw_gid, groups, &ngroups) < 0)
		return NULL;
	p.name = pw->pw_name;
	p.uid = pw->pw_uid;
	p.gid = pw->pw_gid;
	p.home = pw->pw_dir;
	p.shell = pw->pw_shell;
	p.groups = groups;
	p.ngroups = ngroups;
	p.scheme = "restart";
	if ((sh = calloc(1, sizeof(*sh))) == NULL ||
	    user_copy_make(&sh->user, &p) < 0 ||
	    (sh->input_streams = strdup("stdin")) == NULL ||
	    (sh->output_streams = strdup("stdout stderr")) == NULL) {
		if (sh != NULL) {
			user_copy_free(&sh->user);
			free(sh->input_streams);
		}
		free(sh);
		return NULL;
	}
	snprintf(sh->id, sizeof(sh->id), "%s", id);
	snprintf(sh->client_ip, sizeof(sh->client_ip), "%s", ip);
	sh->codepage = codepage;
	sh->idle_ms = host->conf_int("Winrs", "IdleTimeout");
	sh->created_ms = host->now_ms();
	sh->restored = true;
	sh->next = ps->shells;
	ps->shells = sh;
	ps->nshells++;
	shell_touch(sh);
	return sh;
}

/* runs "O|E|I len\n" and bytes from p to end: c's output, its stdin */
static int
restore_output(struct command *c, const char *p, const char *end)
{
	while (p < end) {
		char kind;
		size_t n;
		int used;

		if (sscanf(p, "%c %zu\n%n", &kind, &n, &used) != 2 ||
		    (kind != 'O' && kind != 'E' && kind != 'I') ||
		    p[used - 1] != '\n' ||
		    n > (size_t)(end - p - used))
			return -EBADMSG;
		p += used;
		if ((kind == 'I' ? command_put_stdin(c,
		    (const unsigned char *)p, n) : command_put_output(c,
		    kind == 'O' ? ST_STDOUT : ST_STDERR,
		    (const unsigned char *)p, n)) < 0)
			return -ENOMEM;
		p += n;
	}
	return 0;
}

static int
restore_one(struct plugin_state *ps, char *data, size_t len, int *fds,
    int nfds, int pidfd, struct command **last)
{
	char sid[SHELL_ID_LEN + 1], cid[SHELL_ID_LEN + 1], kind[8];
	char *end = data + len, *nl, *user, *ip;
	unsigned uid, cp;
	int pid, exited, code, eof0, eof1, es0, es1, hout, herr, hin, hst = 0;
	int in_end = 0, used = 0, n;
	struct winrmd_child child = { .pid = 0, .pidfd = -1, .in_fd = -1,
	    .out_fd = -1, .err_fd = -1 };
	struct shell *sh;
	struct command *c;
	int k = pidfd >= 0 ? 1 : 0;

	if ((nl = memchr(data, '\n', len)) == NULL)
		return -EBADMSG;
	*nl = '\0';
	if (sscanf(data, REC_MAGIC " %7s %36s %36s%n", kind, sid, cid,
	    &used) != 3)
		return -EBADMSG;
	if (strcmp(kind, "more") == 0) {
		if (*last == NULL || strcasecmp((*last)->id, cid) != 0 ||
		    nfds != 0)
			return -EBADMSG;
		return restore_output(*last, nl + 1, end);
	}
	*last = NULL;
	if (strcmp(kind, "cmd") != 0 || ((n = sscanf(data + used,
	    " %u %d %u %d %d %d %d %d %d %d %d %d %d %d", &uid, &pid, &cp,
	    &exited, &code, &eof0, &eof1, &es0, &es1, &hout, &herr, &hin,
	    &hst, &in_end)) != 12 && n != 14) || pid <= 1 ||
	    nfds != k + hout + herr + hin + hst)
		return -EBADMSG;
	user = nl + 1;
	if ((nl = memchr(user, '\n', (size_t)(end - user))) == NULL)
		return -EBADMSG;
	*nl = '\0';
	ip = nl + 1;
	if ((nl = memchr(ip, '\n', (size_t)(end - ip))) == NULL)
		return -EBADMSG;
	*nl = '\0';
	if ((sh = restored_shell(ps, sid, user, (uid_t)uid, ip, cp)) == NULL)
		return -EPERM;
	child.pid = pid;
	child.pidfd = pidfd >= 0 ? fds[pidfd] : -1;
	child.out_fd = hout ? fds[k++] : -1;
	child.err_fd = herr ? fds[k++] : -1;
	child.in_fd = hin ? fds[k++] : -1;
	if ((c = command_new(sh)) == NULL)
		return -ENOMEM;
	snprintf(c->id, sizeof(c->id), "%s", cid);
	c->exited = exited != 0;
	c->exit_code = code;
	c->eof[0] = eof0 != 0;
	c->eof[1] = eof1 != 0;
	c->end_sent[0] = es0 != 0;
	c->end_sent[1] = es1 != 0;
	c->in_end = in_end != 0 && hin;
	if (restore_output(c, nl + 1, end) < 0) {
		command_destroy(ps, c);
		return -ENOMEM;
	}
	c->status_fd = hst ? fds[k] : -1;
	n = command_adopt_kept(c, &child);
	for (int i = 0; i < nfds; i++)
		fds[i] = -1;	/* c's now: closed with it */
	if (n < 0) {
		command_destroy(ps, c);	/* which kills its group */
		return -ENOMEM;
	}
	c->next = sh->commands;
	sh->commands = c;
	sh->ncommands++;
	host->log(WINRMD_LOG_NOTICE, "shell: command %s of %s (shell %s, pid "
	    "%d) taken back after the restart", c->id, sh->user.name, sh->id,
	    pid);
	*last = c;
	return 0;
}

void
shell_restore_all(struct plugin_state *ps)
{
	struct command *last = NULL;
	void *data;
	size_t len;
	int fds[5], nfds, pidfd;

	if (!WINRMD_HOST_HAS(host, kept))
		return;
	while (host->kept("shell", &data, &len, fds, &nfds, &pidfd) == 1) {
		int r;
		char *copy = malloc(len + 1);

		if (copy != NULL) {
			memcpy(copy, data, len);
			copy[len] = '\0';
		}
		r = copy != NULL ? restore_one(ps, copy, len, fds, nfds, pidfd,
		    &last) : -ENOMEM;
		if (r < 0) {
			host->log(WINRMD_LOG_WARNING, "shell: a command kept "
			    "across the restart is not taken back: %s; its "
			    "processes are killed", strerror(-r));
			last = NULL;
			if (pidfd >= 0 && fds[pidfd] >= 0) {
				/* its pid from the record's header */
				int pid = 0;

				int st;

				/* still there (not reaped): the pid is its */
				if (copy != NULL && sscanf(copy, REC_MAGIC
				    " cmd %*s %*s %*u %d", &pid) == 1 && pid > 1 &&
				    host->exit_status(fds[pidfd], &st) == -EAGAIN)
					shell_signal(pid, SIGKILL, true);
			}
			for (int i = 0; i < nfds; i++)
				if (fds[i] >= 0)
					close(fds[i]);
		}
		free(copy);
		free(data);
	}
}
