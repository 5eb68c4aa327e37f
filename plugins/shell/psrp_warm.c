/*
 * psrp_warm.c: the warm process of a runspace pool.  Starting the user's
 * shell (fork, the user's credentials, the cgroup writes, exec) is most
 * of what a short pipeline costs the daemon, and on a loaded host its
 * cgroup writes take milliseconds.  So each pool keeps at most one shell
 * started ahead, as the user, through the host's spawn, in the pool's
 * cgroup and login session, with the runspace's working directory and
 * environment: it waits on its stdin for a script (psrp_warm_wrapper).
 * A pipeline that starts takes it (psrp_warm_take) and hands it the
 * script with the mark, and its input after them; the next one is
 * started when the runspace's state is known again (the pipeline's end),
 * a runspace reset, or the pool's opening, on a timer so that the answer
 * that caused it goes out first.  Whatever changes the runspace drops
 * the warm one: it is killed, and reaped when its pidfd says it has
 * ended (command_reap_later: the loop does not wait for it), as is one
 * that ends on its own while it waits.  It counts
 * against the shell's and user's processes like any child; a spawn
 * refused (a quota) leaves the pool without one, and pipelines start
 * cold as before.  When the pool's client has a host with a user
 * interface, the shell runs under winrmd-stdin-watch -p (two processes):
 * a pipeline without input hands it a line after the script that starts
 * its watching (the shell's reads of stdin then ask the host).
 * A pool whose last pipeline was made of cmdlets (served
 * as objects by `winrmd-native psobject') keeps a warm `winrmd-native
 * psobject -' instead, which takes its mark and plan on stdin
 * (psrp_cmdlet_handoff): the warm process is of the kind the last
 * pipeline was, still one per pool.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <uuid/uuid.h>

#include "ansible.h"
#include "psrp.h"
#include "psrp_cmdlet.h"
#include "shell.h"

/* a longer script is given on the command line as before (the shell's
 * read takes a byte per call from a pipe) */
#define WARM_SCRIPT_MAX		4096
/* a warm winrmd-native takes at most PSOBJ_HANDOFF_WORDS words (native/
 * psobject.h); a larger plan starts cold */
#define WARM_PLAN_WORDS		4096
#define WARM_PLAN_MAX		65536
/* after a pool's first pipeline, when it was made of cmdlets: the warm
 * winrmd-native this long after its end, if the pool is still open and no
 * pipeline has started meanwhile (a pool of one pipeline is closed first) */
#define WARM_FIRST_DELAY_MS	100
/*
 * The next warm process starts this long after the answer that caused it
 * (1 ms: past the next loop turn, which sends the answers resumed now;
 * timers run before it, at the end of this one).  A pipeline of cmdlets
 * answers with up to hundreds of KB (a Get-Process: 300 KB) that may take
 * more loop turns to go out, and the spawn (the loop waits for its exec)
 * can land before they have; waiting longer (10 ms was tried) loses the
 * warm process to a client that sends its next pipeline sooner, as
 * pypsrp does on a quiet host: every pipeline then started cold.
 */
#define WARM_DELAY_MS		1

struct psrp_warm {
	struct winrmd_child	 child;
	struct winrmd_watch	*w_pid;		/* its end, while it waits */
	bool			 live;
	bool			 login;		/* started with -l */
	/* under winrmd-stdin-watch -p: the line that starts its watching */
	char			 token[64];
	bool			 native;	/* winrmd-native, not a shell */
	bool			 want_native;	/* the next one's kind */
	unsigned		 ended;		/* pipelines ended (to 2) */
	struct winrmd_timer	*timer;		/* the next one, to start */
	bool			 delayed;	/* timer: WARM_FIRST_DELAY_MS */
	/* a spare's (psrp_spare.c): started with another shell's marker,
	 * so the script exports the pool's first ("WINRMD_SHELL_ID=...") */
	char			*marker;
};

static struct psrp_warm *
warm_of(struct psrp_pool *pool)
{
	if (pool->warm == NULL)
		pool->warm = calloc(1, sizeof(*pool->warm));
	return pool->warm;
}

int
psrp_cim_env(char *cim_env[2])
{
	const char *pl = host->conf_str("CIM", "Providers");
	const char *pd = host->conf_str("CIM", "ProviderDirectory");
	int n = 0;

	cim_env[0] = cim_env[1] = NULL;
	if (pl != NULL && asprintf(&cim_env[n], "WINRMD_PSRP_CIM_PROVIDERS=%s",
	    pl) > 0)
		n++;
	else
		cim_env[n] = NULL;
	if (pd != NULL && asprintf(&cim_env[n], "WINRMD_PSRP_CIM_DIR=%s",
	    pd) > 0)
		n++;
	else
		cim_env[n] = NULL;
	return n;
}

const char *
psrp_posix_shell(const char *sh)
{
	static const char *const ok[] = { "sh", "bash", "dash", "zsh", "ksh",
	    "mksh", "ash", "yash" };
	const char *b = strrchr(sh, '/');

	b = b ? b + 1 : sh;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(b, ok[i]) == 0)
			return sh;
	return "/bin/sh";
}

char **
psrp_run_env(const struct psrp_pool *pool, char *const *secrets,
    size_t nsecrets, char *const *extra, size_t nextra,
    char lec[PSRP_LEC_LEN])
{
	size_t ne = 0, n = 0;
	char **env;

	while (pool->rs.env != NULL && pool->rs.env[ne] != NULL)
		ne++;
	if ((env = calloc(ne + 1 + nsecrets + nextra + 1,
	    sizeof(char *))) == NULL)
		return NULL;
	for (size_t i = 0; i < ne; i++)
		env[n++] = pool->rs.env[i];
	snprintf(lec, PSRP_LEC_LEN, "LASTEXITCODE=%d", pool->rs.last_exit);
	env[n++] = lec;
	for (size_t i = 0; i < nsecrets; i++)
		env[n++] = secrets[i];
	for (size_t i = 0; i < nextra; i++)
		env[n++] = extra[i];
	return env;
}

bool
psrp_run_login(const struct psrp_pool *pool)
{
	return !pool->sh->noprofile && !pool->rs.profiled;
}

/*
 * Not waited for: SIGKILL, and the reaping list reaps it when its pidfd
 * says it has ended (command_reap_later); the loop goes on meanwhile.
 */
static void
warm_kill(struct psrp_warm *w)
{
	free(w->marker);
	w->marker = NULL;
	if (!w->live)
		return;
	w->live = false;
	host->watch_remove(w->w_pid);
	w->w_pid = NULL;
	if (w->child.in_fd >= 0)
		close(w->child.in_fd);
	if (w->child.out_fd >= 0)
		close(w->child.out_fd);
	if (w->child.err_fd >= 0)
		close(w->child.err_fd);
	/* it waits in read(): SIGKILL ends it at once (and were the signal
	 * refused, the end of its input ends it) */
	if (shell_signal(w->child.pid, SIGKILL, true) < 0)
		host->log(WINRMD_LOG_WARNING, "psrp: the warm process %d could "
		    "not be killed; it ends at the end of its input",
		    (int)w->child.pid);
	if (command_reap_later(&w->child) < 0) {
		/* out of memory: killed, so this wait is short */
		siginfo_t si;

		host->log(WINRMD_LOG_WARNING, "psrp: out of memory: the warm "
		    "process %d is reaped at once", (int)w->child.pid);
		waitid(P_PIDFD, (id_t)w->child.pidfd, &si, WEXITED);
		close(w->child.pidfd);
	}
}

/* it ended before a pipeline took it (its profile exited): reaped now */
static void
warm_ended(int fd, uint32_t events, void *arg)
{
	struct psrp_pool *pool = arg;

	(void)fd;
	(void)events;
	host->log(WINRMD_LOG_DEBUG, "psrp: pool %s of %s: the warm process "
	    "%d ended on its own", pool->sh->id, pool->sh->user.name,
	    (int)pool->warm->child.pid);
	warm_kill(pool->warm);
}

/* a process bound less the warm one's k processes (negative: none) */
static unsigned long long
room(long long max, long long k)
{
	return max < 0 ? ~0ULL : max < k ? 0 : (unsigned long long)(max - k);
}

static void
warm_start(void *arg)
{
	struct psrp_pool *pool = arg;
	struct psrp_warm *w = pool->warm;
	struct shell *sh = pool->sh;
	char *wrapper = NULL, **env = NULL, lec[PSRP_LEC_LEN], *argv[11];
	char *cim_env[2] = { NULL, NULL }, uid[37];
	uuid_t u;
	long long max_shell, max_user;
	unsigned running;
	int r, a = 0;
	/* under winrmd-stdin-watch when the client has a host to ask */
	bool watch = !pool->host_null && !pool->ui_null;

	w->timer = NULL;
	w->delayed = false;
	if (w->live || pool->state != PSRP_POOL_OPENED)
		return;
	/*
	 * Not before the runspace's profile has run in a pipeline of its
	 * own: a warm login shell is killed whenever the runspace changes,
	 * and one killed in the middle of its profile leaves the profile's
	 * children to init (zombies where init does not reap them); and
	 * pools whose pipelines are served natively (Ansible's) would start
	 * and kill one per pipeline for nothing.  A warm winrmd-native runs
	 * no profile.
	 */
	if (!w->want_native && psrp_run_login(pool))
		return;
	if (w->want_native)
		watch = false;	/* no shell to watch */
	/* only with room for it beside the commands running */
	max_shell = host->conf_int("Winrs", "MaxProcessesPerShell");
	max_user = host->conf_int("Winrs", "MaxProcessesPerUser");
	if (command_quota(shell_state()->shells, sh, room(max_shell, 1 + watch),
	    room(max_user, 1 + watch), &running) != QUOTA_OK)
		return;
	/* a warm winrmd-native (cmdlets) takes the cim plugin's settings */
	env = psrp_run_env(pool, NULL, 0, cim_env,
	    w->want_native ? (size_t)psrp_cim_env(cim_env) : 0, lec);
	if (env == NULL)
		goto out;
	w->native = w->want_native;
	/* a pipeline without input whose client has a host starts its
	 * watching (psrp_pipeline.c); others never do */
	w->token[0] = '\0';
	if (w->native) {
		/* as run() in psrp_pipeline.c starts a plan cold */
		w->login = false;
		argv[a++] = (char *)native_path();
		argv[a++] = (char *)"psobject";
		argv[a++] = (char *)"-";
	} else {
		if ((wrapper = psrp_warm_wrapper(psrp_shell_exports(
		    psrp_posix_shell(sh->user.shell)))) == NULL)
			goto out;
		w->login = psrp_run_login(pool);
		if (watch) {
			uuid_generate_random(u);
			uuid_unparse_upper(u, uid);
			snprintf(w->token, sizeof(w->token),
			    PSRP_READLINE_PREFIX "%s", uid);
			argv[a++] = (char *)psrp_stdin_watch_path();
			argv[a++] = (char *)"-p";
			argv[a++] = w->token;
		}
		argv[a++] = (char *)psrp_posix_shell(sh->user.shell);
		if (w->login)
			argv[a++] = (char *)"-l";
		argv[a++] = (char *)"-c";
		argv[a++] = wrapper;
		argv[a++] = (char *)"winrmd-psrp";
	}
	argv[a] = NULL;
	r = shell_spawn(sh, &sh->user.p, argv, env, pool->rs.cwd, sh->group,
	    &w->child);
	if (r < 0)
		host->log(WINRMD_LOG_DEBUG, "psrp: pool %s of %s: no warm "
		    "process (%s)", sh->id, sh->user.name, strerror(-r));
	else {
		w->live = true;
		w->w_pid = host->watch_add(w->child.pidfd, WINRMD_IN,
		    warm_ended, pool);
		if (w->w_pid == NULL)
			warm_kill(w);
		else
			host->log(WINRMD_LOG_DEBUG, "psrp: pool %s of %s: warm "
			    "process %d%s", sh->id, sh->user.name,
			    (int)w->child.pid, w->native ? " (winrmd-native)" :
			    "");
	}
out:
	free(wrapper);
	free(env);
	free(cim_env[0]);
	free(cim_env[1]);
}

void
psrp_warm_refresh(struct psrp_pool *pool)
{
	struct psrp_warm *w = warm_of(pool);

	if (w == NULL)
		return;
	warm_kill(w);
	if (w->timer == NULL)
		w->timer = host->timer_start(WARM_DELAY_MS, warm_start, pool);
}

/*
 * A pipeline's process ended: the next warm process, but not at once
 * after the pool's first pipeline.  A pool that ran one pipeline is most
 * often closed next (pypsrp's execute_ps, Invoke-Command: a pool per
 * call), and the warm process started then was a spawn on the daemon's
 * loop in the way of the Delete, which killed it (16 ms of a 65 ms
 * execute_ps on a loaded host).  A first pipeline of cmdlets (a session's
 * Get-Process) has its warm winrmd-native WARM_FIRST_DELAY_MS later, when
 * the pool is still open: a Delete before then stops the timer (nothing
 * was spawned), and a client that keeps the pool for more has its second
 * pipeline warm.  A first pipeline of a shell starts the second cold, as
 * its pools (execute_ps('echo hi')) are the ones closed at once.
 */
void
psrp_warm_ended(struct psrp_pool *pool)
{
	struct psrp_warm *w = warm_of(pool);

	if (w != NULL && w->ended < 2 && ++w->ended < 2) {
		warm_kill(w);	/* the runspace changed: not that one */
		if (w->want_native && w->timer == NULL) {
			w->timer = host->timer_start(WARM_FIRST_DELAY_MS,
			    warm_start, pool);
			w->delayed = w->timer != NULL;
		}
		return;
	}
	psrp_warm_refresh(pool);
}

int
psrp_warm_adopt(struct psrp_pool *pool, const struct winrmd_child *child,
    const char *marker)
{
	struct psrp_warm *w = warm_of(pool);

	if (w == NULL || w->live)
		return -1;
	if (asprintf(&w->marker, "%s='%s'", SHELL_MARKER, marker) < 0) {
		w->marker = NULL;
		return -1;
	}
	w->child = *child;
	w->native = w->want_native = false;
	w->login = true;
	w->token[0] = '\0';
	if ((w->w_pid = host->watch_add(w->child.pidfd, WINRMD_IN, warm_ended,
	    pool)) == NULL) {
		free(w->marker);
		w->marker = NULL;
		return -1;
	}
	w->live = true;
	host->log(WINRMD_LOG_DEBUG, "psrp: pool %s of %s: the spare's shell %d "
	    "is its warm one", pool->sh->id, pool->sh->user.name,
	    (int)w->child.pid);
	return 0;
}

void
psrp_warm_free(struct psrp_pool *pool)
{
	struct psrp_warm *w = pool->warm;

	if (w == NULL)
		return;
	host->timer_stop(w->timer);
	warm_kill(w);
	free(w);
	pool->warm = NULL;
}

int
psrp_warm_take(struct psrp_pool *pool, struct command *c, const char *mark,
    const struct psrp_script *s, const unsigned char *in, size_t in_len,
    bool in_end, char *ret_token, size_t token_len)
{
	struct psrp_warm *w = warm_of(pool);
	struct shell *sh = pool->sh;
	char *handoff, *buf, *argv[7], **argvp = NULL;
	bool native = s->plan != NULL;
	struct pollfd pfd;
	size_t hlen = 0, words = 1;
	int r, a = 0;

	if (w == NULL)
		return -1;
	/* a pipeline came before the delayed start: it would be killed at
	 * this one's end (the runspace's state) */
	if (w->delayed) {
		host->timer_stop(w->timer);
		w->timer = NULL;
		w->delayed = false;
	}
	/* the next warm process is of this pipeline's kind */
	w->want_native = native;
	for (size_t i = 0; native && s->plan[i] != NULL; i++)
		words++;
	if (!w->live || w->native != native || s->nsecrets > 0 ||
	    (!native && (strlen(s->text) > WARM_SCRIPT_MAX ||
	    w->login != psrp_run_login(pool))) ||
	    (native && words > WARM_PLAN_WORDS))
		return -1;
	/* it ended (killed, its profile exited), or its directory went (a
	 * cold start would begin in the home): cold, as a new runspace */
	pfd.fd = w->child.pidfd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) != 0 || (pool->rs.cwd != NULL &&
	    access(pool->rs.cwd, F_OK) != 0)) {
		warm_kill(w);
		return -1;
	}
	if (!native && w->marker != NULL) {
		char *text;

		/* the pool's marker, for the script and what it starts */
		if (asprintf(&text, "export %s\n%s", w->marker, s->text) < 0)
			return -1;
		handoff = psrp_warm_handoff(mark, text, &hlen);
		OPENSSL_cleanse(text, strlen(text));
		free(text);
	} else
		handoff = native ? psrp_cmdlet_handoff(mark, s->plan, &hlen) :
		    psrp_warm_handoff(mark, s->text, &hlen);
	if (handoff == NULL || (native && hlen > WARM_PLAN_MAX)) {
		free(handoff);
		return -1;
	}
	if (ret_token != NULL) {
		/* the watching starts after the script: its line instead of
		 * the input (there is none) */
		if (in_len > 0 || w->token[0] == '\0' ||
		    strlen(w->token) + 1 > token_len) {
			OPENSSL_cleanse(handoff, hlen);
			free(handoff);
			return -1;
		}
		snprintf(ret_token, token_len, "%s", w->token);
		in = (const unsigned char *)w->token;
		in_len = strlen(w->token) + 1;	/* its '\0', a new line */
	}
	if ((buf = malloc(hlen + in_len)) == NULL) {
		OPENSSL_cleanse(handoff, hlen);
		free(handoff);
		return -1;
	}
	memcpy(buf, handoff, hlen);
	if (in_len > 0)
		memcpy(buf + hlen, in, in_len);
	if (ret_token != NULL)
		buf[hlen + in_len - 1] = '\n';
	/* the audit log says what runs, as for a pipeline started cold */
	if (native)
		argvp = psrp_cmdlet_argv(native_path(), "(warm)", s->plan);
	argv[a++] = (char *)psrp_posix_shell(sh->user.shell);
	if (w->login)
		argv[a++] = (char *)"-l";
	argv[a++] = (char *)"-c";
	argv[a++] = (char *)"(warm)";
	argv[a++] = (char *)"winrmd-psrp";
	argv[a++] = s->text;
	argv[a] = NULL;
	w->live = false;
	host->watch_remove(w->w_pid);	/* the command's watch from now on */
	w->w_pid = NULL;
	free(w->marker);
	w->marker = NULL;
	r = command_adopt(c, &sh->user.p, argvp != NULL ? argvp : argv,
	    &w->child);
	free(argvp);
	if (r == 0)
		command_input(c, (const unsigned char *)buf, hlen + in_len,
		    in_end);
	OPENSSL_cleanse(handoff, hlen);
	OPENSSL_cleanse(buf, hlen);
	free(handoff);
	free(buf);
	return r == 0 ? 0 : -2;
}
