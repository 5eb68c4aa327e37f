/*
 * shell.h: the shell plugin's state.  A shell (a WinRS shell or a PSRP
 * runspace pool) belongs to one user and holds commands; a command is one
 * child process (or a synthetic failure) with its pipes, its buffered
 * output and at most one waiting Receive, and a kind for what it is
 * beyond that (Ansible's scripts, a PSRP pipeline).
 * Everything runs on the daemon's event-loop thread.
 */
#ifndef WINRMD_SHELL_H
#define WINRMD_SHELL_H

#include <iconv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <winrmd/plugin.h>

#include "principal.h"

#define SHELL_ID_LEN		36
#define OUT_CHUNK		65536
#define OUT_CAP			(1024 * 1024)	/* buffered output per command */
#define PIPE_BIG		(1024 * 1024)	/* a streaming child's pipe */
/*
 * stdin held before a Send waits for the child to read; a Send still
 * waiting, none of it read, when its OperationTimeout runs out is refused
 * (QuotaLimit) and dropped: a command holds at most this plus two Sends
 */
#define IN_HIGH_WATER		(256 * 1024)

enum stream_id { ST_STDOUT = 0, ST_STDERR = 1 };

struct out_chunk {
	struct out_chunk	*next;
	enum stream_id		 stream;
	size_t			 off, len;
	unsigned char		 data[OUT_CHUNK];
};

struct command {
	struct command		*next;		/* in shell->commands or reaping */
	struct shell		*shell;		/* NULL once detached */
	char			 id[SHELL_ID_LEN + 1];

	struct winrmd_child	 child;		/* pid 0: synthetic command */
	struct winrmd_watch	*w_pid, *w_in, *w_out[2];
	bool			 exited;	/* exit status known */
	bool			 reaped;	/* not a zombie (pgroup.c) */
	int			 exit_code;
	bool			 eof[2];	/* stream finished: nothing more comes */
	bool			 end_sent[2];	/* End="true" reported */
	bool			 pipe_big[2];	/* pipe grown to PIPE_BIG (tried) */
	/* the grown pipe's capacity (F_SETPIPE_SZ's answer), 0 if not grown
	 * or closed: counted as held output while a pool is disconnected */
	size_t			 pipe_cap[2];

	/* output waiting for Receive, in arrival order */
	struct out_chunk	*out_head, *out_tail;
	size_t			 out_bytes;
	struct ahead		*ahead;		/* its head encoded (ahead.c) */
	iconv_t			 conv;		/* UTF-8 -> codepage, or (iconv_t)-1 */
	bool			 conv_ascii;	/* the codepage keeps ASCII as it is */
	unsigned char		 conv_carry[2][8];	/* incomplete UTF-8 sequence */
	size_t			 conv_carry_len[2];

	/* stdin sent by the client, not yet taken by the child */
	unsigned char		*in_buf;
	size_t			 in_len, in_cap;
	bool			 in_end;	/* close stdin once drained */

	struct winrmd_op	*receive;	/* waiting Receive */
	struct winrmd_timer	*receive_timer;	/* its poll, or filling */
	unsigned		 want;		/* desired streams bitmask */
	uint64_t		 rate_since_ms;	/* output read since then: */
	size_t			 rate_bytes;	/* streaming, or not */
	bool			 fill_waiting;	/* receive_timer: the wait to fill */
	bool			 fill_waited;	/* the waiting Receive waited to fill */
	struct winrmd_op	*send;		/* Send waiting for the child to read */
	struct winrmd_timer	*send_timer;
	size_t			 send_len;	/* its bytes, at the end of in_buf */
	bool			 send_ended;	/* it set in_end */
	struct winrmd_timer	*kill_timer;
	/* kept across a restart (restart.c): another process's child */
	bool			 foreign;
	struct winrmd_timer	*status_timer;	/* asking for its status */
	unsigned		 status_tries;
	/* its reaper's status pipe (restart.c), or -1: the child is the
	 * reaper, the command its child */
	int			 status_fd;

	/* what the command is beyond a child with pipes (NULL: plain) */
	const struct command_kind *kind;
	void			*kdata;		/* the kind's own state */
	/*
	 * the state of the kind a command_recogniser served it with, be that
	 * kind c->kind (a WinRS command) or one c->kind runs inside (a PSRP
	 * pipeline's): opaque here, freed by that kind's cleanup
	 */
	void			*rdata;
};

/*
 * A command kind: what a command is besides a child with pipes: an Ansible
 * module run waiting for its payload, a PSRP pipeline or pool.  command.c
 * calls a hook where the kind differs from a plain WinRS command; a NULL
 * hook (or a NULL kind) means the plain behaviour.
 */
struct command_kind {
	const char	*name;
	/* a Send (stdin) the kind takes instead of the child's stdin */
	int		(*send)(struct command *c, struct winrmd_op *op,
			    const unsigned char *data, size_t len, bool end);
	/* whether a Receive has something to report now */
	bool		(*has_news)(const struct command *c);
	/* fills a Receive's reply: WINRMD_OK or a fault */
	int		(*receive)(struct command *c, struct winrmd_op *op);
	/* a Signal code: the signal sent (SIGKILL: terminate, the command
	 * goes), or -EINVAL for the plain WinRS codes */
	int		(*signal)(struct command *c, const char *code);
	/* both output pipes reached their end */
	void		(*output_ended)(struct command *c);
	/* the child exited (its status is in exit_code) */
	void		(*exited)(struct command *c);
	/* frees what the kind holds (the command is going) */
	void		(*cleanup)(struct command *c);
};

/*
 * What a WinRS command line may be besides a program or a line for the
 * user's shell: scripts served natively (Ansible's, winrmcp's).  Each
 * returns 1 when it started (or refused) the command, 0 when the text is
 * not its own.  command_recognisers ends with NULL.
 */
struct command_recogniser {
	const char	*name;
	/* a decoded PowerShell script (pwsh: its path if installed) */
	int		(*powershell)(struct shell *sh, const char *script,
			    const char *pwsh, struct winrmd_op *op,
			    struct command **ret, int *ret_fault);
	/* a line for the user's shell */
	int		(*shell_line)(struct shell *sh, const char *line,
			    struct winrmd_op *op, struct command **ret,
			    int *ret_fault);
	/*
	 * a PSRP pipeline's script (its only command): c is the pipeline,
	 * without a child yet.  1 when served here: started, answered, or
	 * waiting for the pipeline's input, which then goes to
	 * (*ret_inner)->send as bytes (a line per input object); the
	 * pipeline also calls its output_ended and cleanup.  0: not its own.
	 */
	int		(*psrp)(struct command *c, const char *script,
			    const struct command_kind **ret_inner);
};
extern const struct command_recogniser *const command_recognisers[];

struct shell {
	struct shell		*next;
	char			 id[SHELL_ID_LEN + 1];
	struct user_copy	 user;
	char			 client_ip[64];
	char			*cwd;		/* WorkingDirectory or NULL */
	char			**env;		/* NAME=value, NULL-terminated */
	char			*input_streams, *output_streams;
	char			*name;		/* Create's Name, or NULL */
	unsigned		 codepage;
	bool			 noprofile;
	uint64_t		 idle_ms;
	uint64_t		 created_ms, last_ms;
	struct winrmd_timer	*idle_timer;
	struct winrmd_group	*group;		/* limits; NULL: rlimits */
	uint64_t		 mem_limit;	/* bytes, 0: none */
	uint64_t		 max_procs;	/* 0: none */
	struct command		*commands;
	unsigned		 ncommands;
	struct psrp_pool	*psrp;		/* a PowerShell runspace pool */
	struct winrmd_session	*session;	/* its login session, or NULL */
	char			**session_env;	/* what PAM set, NULL-terminated */
	struct winrmd_op	*create_op;	/* a Create waiting for it */
	bool			 xpress;	/* CompressionType xpress: streams in chunks */
	bool			 handed_over;	/* commands kept (restart.c) */
	bool			 restored;	/* taken back after a restart */
};

struct psrp_pool;	/* psrp.h */
struct async_job;	/* an Ansible async job outliving its command */

struct plugin_state {
	struct shell		*shells;
	unsigned		 nshells;
	struct command		*reaping;	/* detached, child not reaped yet */
	struct async_job	*jobs;		/* ansible_run.c */
	bool			 stopping;
	/* ahead.c: commands whose next output is encoded at the next pass
	 * (ahead_fd, an eventfd, is valid while ahead_watch is set) */
	struct ahead		*ahead;
	struct winrmd_watch	*ahead_watch;
	int			 ahead_fd;
	unsigned long		 ahead_taken;	/* Receives that took the text */
};

extern const struct winrmd_host *host;
/* kill(2) of a process the host started (its group with group), through
 * the host: the daemon's network part may not signal users' processes */
int	shell_signal(pid_t pid, int sig, bool group);

/* shell.c: the fault for an unknown (or another user's) ShellId */
int		 shell_not_found(struct winrmd_op *op, const char *id);
/* the ShellId selector of op, or NULL with the fault in *ret (none, or
 * remote shells not allowed) */
const char	*shell_op_id(struct winrmd_op *op, int *ret);
/* shell_enum.c: the first child element ns:name of parent, or NULL */
xmlNodePtr	 shell_child(xmlNodePtr parent, const char *ns, const char *name);

/* shell_enum.c: Get and Enumerate of shells and of a shell's commands */
int		 shell_op_get(struct winrmd_op *op, void *unused);
int		 shell_op_enumerate(struct winrmd_op *op, void *unused);
int		 shell_op_pull(struct winrmd_op *op, void *unused);
int		 shell_op_release(struct winrmd_op *op, void *unused);
/* any other action there: DestinationUnreachable or ActionNotSupported */
int		 shell_op_other(struct winrmd_op *op, void *unused);

/*
 * ahead.c: after a Receive's answer (budget: the output bytes it had room
 * for), the output left is encoded at the loop's next pass; the next
 * Receive takes that text for the first `max`-byte run of stream s when
 * it fits (room in out: BASE64_LEN(max)), and gets its length in
 * *ret_len and the output bytes it stands for (then to be taken out of
 * the queue), else 0.  Whatever else takes output drops it first.
 */
void		 ahead_init(struct plugin_state *ps);	/* its eventfd */
void		 ahead_queue(struct command *c, size_t budget);
size_t		 ahead_take(struct command *c, enum stream_id s, size_t max,
		    char *out, size_t *ret_len);
void		 ahead_drop(struct command *c);
bool		 ahead_ready(const struct command *c);	/* text is made */
void		 ahead_fini(struct plugin_state *ps);

/* command.c */
struct command	*command_start(struct shell *sh, const char *line_command,
		    char *const *args, size_t nargs, bool skip_cmd_shell,
		    struct winrmd_op *op, int *ret_fault);
int		 command_send(struct command *c, struct winrmd_op *op,
		    const unsigned char *data, size_t len, bool end);
int		 command_receive(struct command *c, struct winrmd_op *op,
		    unsigned want);
int		 command_signal(struct command *c, const char *code);
void		 command_destroy(struct plugin_state *ps, struct command *c);
void		 command_abort_ops(struct command *c, enum winrmd_fault fault);
/* a waiting Receive (if any) answered with fault and why */
void		 command_end_receive(struct command *c, enum winrmd_fault fault,
		    const char *why);
/* reading the child's output goes on if the buffer has room (after the
 * bound of psrp_may_buffer held it) */
void		 command_resume_output(struct command *c);
/* c's grown pipes back to their usual size where what they hold fits
 * (its pool is disconnected: psrp_disconnected_held counts the rest) */
void		 command_pipes_shrink(struct command *c);
/* for ansible_run.c: a command without a child yet */
struct command	*command_new(struct shell *sh);
/* a command that failed before running: msg on stderr, exit 1 */
struct command	*command_synthetic(struct shell *sh, const char *msg);
/* ends a childless command with this output and exit code */
void		 command_answer(struct command *c, int code, const char *out,
		    const char *err);
/* a failed spawn (r: -errno) as a sentence for the client, in buf */
const char	*command_spawn_why(const struct winrmd_principal *user, int r,
		    char *buf, size_t len);
/* the fault for a failed spawn of what ("The command") as user in cwd */
int		 command_spawn_fault(struct winrmd_op *op,
		    const struct winrmd_principal *user, int r, const char *what,
		    const char *cwd);
/* starts c's child as user (NULL cwd: the user's home): 0 or -errno */
int		 command_spawn(struct command *c,
		    const struct winrmd_principal *user, char **argv,
		    char *const *env, const char *cwd,
		    struct winrmd_group *group);
/*
 * command_spawn for a plain WinRS command, which may be kept across a
 * restart: under a reaper where that needs one (restart_needs_reaper)
 */
int		 command_spawn_keepable(struct command *c, char **argv);
/* starts a child for sh as command_spawn does, into *ret: 0 or -errno */
int		 shell_spawn(struct shell *sh,
		    const struct winrmd_principal *user, char **argv,
		    char *const *env, const char *cwd,
		    struct winrmd_group *group, struct winrmd_child *ret);
/* the same off the loop (host->spawn_async): fn gets the child later; 0 or
 * -errno (-ENOSYS: an older daemon) */
int		 shell_spawn_async(struct shell *sh,
		    const struct winrmd_principal *user, char **argv,
		    char *const *env, const char *cwd,
		    struct winrmd_group *group, winrmd_spawned_fn fn,
		    void *arg);
/*
 * c takes over a child started by shell_spawn (argv: what the audit log
 * says it runs): 0, or -ENOMEM (the child killed and reaped)
 */
int		 command_adopt(struct command *c,
		    const struct winrmd_principal *user, char *const *argv,
		    const struct winrmd_child *child);
/*
 * A child no command has any more (killed, its pipes closed by the
 * caller): reaped when its pidfd becomes readable, as a deleted command's
 * (the reaping list; fini waits for what is left).  0, or -ENOMEM: then
 * the caller must reap it itself.
 */
int		 command_reap_later(const struct winrmd_child *child);
/* queues stdin for the child and closes it once written */
void		 command_feed(struct command *c, const unsigned char *data,
		    size_t len);
/* the same, closing it only if end: the first stdin of a new child */
void		 command_input(struct command *c, const unsigned char *data,
		    size_t len, bool end);
const char	*command_pwsh_path(void);
/* the command has ended and all its output has been taken */
bool		 command_finished(const struct command *c);
/* answers a waiting Receive if the command has news (for kinds) */
void		 command_poke(struct command *c);
/*
 * Takes up to max bytes of buffered output of one stream (the oldest run)
 * into buf: the count and *ret_stream; 0 when none is buffered.
 */
size_t		 command_take_output(struct command *c, unsigned char *buf,
		    size_t max, enum stream_id *ret_stream);
struct sbuf;
/*
 * A Receive's answer written as text, sent as it is (a "noenc" node):
 * command_answer_start (the ReceiveResponse), the caller's Streams
 * (command_answer_stdout: data base64-encoded, xpress-framed on such a
 * shell), command_answer_state (CommandState, with the exit code when
 * done), command_answer_end (attached to body: WINRMD_OK, or a fault;
 * b is emptied either way)
 */
void		 command_answer_start(struct sbuf *b, xmlNodePtr body);
void		 command_answer_stdout(struct sbuf *b, const struct command *c,
		    const unsigned char *data, size_t len);
void		 command_answer_state(struct sbuf *b, const struct command *c,
		    bool done);
int		 command_answer_end(struct winrmd_op *op, xmlNodePtr body,
		    struct sbuf *b);
void		 command_close_stdin(struct command *c);
/* Send's plain path: data for the child's stdin, within the bounds */
int		 command_stdin(struct command *c, struct winrmd_op *op,
		    const unsigned char *data, size_t len, bool end);
/* fills a Send's answer (an empty SendResponse): WINRMD_OK or a fault */
int		 command_send_response(struct winrmd_op *op);

/*
 * ansible_run.c: Ansible's scripts and module runs (ansible.h), winrmcp's
 * scripts (winrmcp.h), as a command recogniser and command kinds.
 */
extern const struct command_recogniser ansible_recogniser;
void		 ansible_jobs_fini(struct plugin_state *ps);

/* pgroup.c: a command's process group once its leader has exited */
/* reaps the exited leader unless the group id must stay pinned */
void		 command_reap(struct command *c);
/* sig to the command's process group, if it still has one */
void		 command_kill_group(struct command *c, int sig);
/* lets go of a group found empty since (the pidfd, a zombie) */
void		 command_settle(struct command *c);
/* whether pgid's process group or session has members besides pgid:
 * among pids[0..n) (n < 0: every process, from /proc) */
bool		 pgroup_has_others(pid_t pgid, const pid_t *pids, long n);

/* restart.c: WinRS commands kept across a daemon restart */
/* at fini: keeps what can be, unlinking it from its shell */
void		 shell_keep_all(struct plugin_state *ps);
/* at init: the shells and commands kept before the restart */
void		 shell_restore_all(struct plugin_state *ps);
/*
 * whether a command that may be kept needs a reaper parent with a status
 * pipe: keeping is on and the daemon's pidfds keep no exit status
 */
bool		 restart_needs_reaper(void);
/* command.c's part of it */
int		 command_put_output(struct command *c, enum stream_id s,
		    const unsigned char *p, size_t n);
/* stdin kept unwritten: appended to what c's program is yet to read */
int		 command_put_stdin(struct command *c, const unsigned char *p,
		    size_t n);
/* answers a waiting Send: its bytes were kept, the next daemon writes them */
void		 command_answer_send(struct command *c);
void		 command_unwatch(struct command *c);
void		 command_rewatch(struct command *c);
void		 command_forget(struct command *c);
int		 command_adopt_kept(struct command *c,
		    const struct winrmd_child *child);

/* quota.c: what a user's shells hold (pure, for the unit tests) */
enum quota_hit { QUOTA_OK, QUOTA_SHELL, QUOTA_USER };
/* c holds a process, its pidfd or pipes: descriptors of the daemon */
bool		 command_live(const struct command *c);
unsigned	 shell_live_commands(const struct shell *sh);
unsigned	 user_live_commands(const struct shell *shells, uid_t uid);
/* bytes of stdin buffered for uid's commands */
size_t		 user_stdin_held(const struct shell *shells, uid_t uid);
/* may sh start one more live command?  *ret_count: the count that hit */
enum quota_hit	 command_quota(const struct shell *shells,
		    const struct shell *sh, unsigned long long max_shell,
		    unsigned long long max_user, unsigned *ret_count);

/* orphans.c: the rlimits fallback's Delete of escaped processes */
#define SHELL_MARKER	"WINRMD_SHELL_ID"
void		 shell_kill_marked(const struct shell *sh);

/*
 * shell_xpress.c: CompressionType xpress (xpress.h).  At Create: reads the
 * header into sh->xpress, or faults on a type other than xpress marked
 * mustUnderstand.  Send: a stream's text as bytes (base64, unframed and
 * decompressed for an xpress shell), malloc'd; NULL with the fault set
 * (and logged).  Receive: the base64 of data (framed as stored chunks for
 * an xpress shell) and the bytes of data whose framing fits in room.
 */
int		 shell_compression(struct winrmd_op *op, struct shell *sh);
unsigned char	*shell_stream_in(struct winrmd_op *op, const struct shell *sh,
		    const char *text, const char *name, size_t *ret_len,
		    int *ret_fault);
char		*shell_stream_b64(const struct shell *sh,
		    const unsigned char *data, size_t len);
size_t		 shell_stream_room(const struct shell *sh, size_t room);

/* shell.c */
struct plugin_state *shell_state(void);
void		 shell_touch(struct shell *sh);
/*
 * An IdleTimeOut: xs:duration, or (pywinrm) a bare number of seconds, in
 * ms; never more than max, and max for one that does not parse.
 */
uint64_t	 shell_parse_idle(const char *s, uint64_t max);
/* the shell's uid-bound quota checks before a command starts */
int		 shell_command_quota(struct winrmd_op *op, struct shell *sh);

#endif
