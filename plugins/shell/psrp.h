/*
 * psrp.h: PowerShell remoting (PSRP, resource .../powershell/<config>) as
 * a kind of shell.  A runspace pool is a shell of the shell core (its
 * quotas, cgroup, idle timeout, owner) with a struct psrp_pool; each
 * pipeline is a command of that shell whose kind (psrp_pipeline.c) turns
 * the child's lines into PSRP messages.  The codec is plugins/psrp;
 * docs/PSRP.md says what the runspace is and is not.
 */
#ifndef WINRMD_SHELL_PSRP_H
#define WINRMD_SHELL_PSRP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "clixml.h"
#include "fragment.h"
#include "message.h"
#include "psrp_msgs.h"
#include "session_key.h"

#define PSRP_URI_PREFIX		"http://schemas.microsoft.com/powershell/"
#define PSRP_DEFAULT_CONFIG	"Microsoft.PowerShell"
#define PSRP_IN_MAX		(16u * 1024 * 1024)	/* defragmenter bound */
#define PSRP_OUTQ_MAX		(1024u * 1024)	/* messages ahead of Receive */
#define PSRP_STATE_MAX		(256u * 1024)	/* a runspace's cwd + env */
#define PSRP_ENV_MAX		512		/* variables kept */
/* a pipeline's ReadLine token (winrmd-stdin-watch prints it): this and a
 * GUID, the pipeline's own (psrp_pipeline.c) or its warm process's */
#define PSRP_READLINE_PREFIX	"WINRMD-READLINE-"

struct shell;
struct command;
struct winrmd_op;

/* messages waiting for a Receive, each sent as fragments */
struct psrp_outmsg {
	struct psrp_outmsg	*next;
	uint8_t			*msg;
	size_t			 len;
	struct psrp_frag_cursor	 cur;
};

struct psrp_outq {
	struct psrp_outmsg	*head, *tail;
	size_t			 bytes;
};

/* the state a runspace keeps between pipelines */
struct psrp_runspace {
	char			*cwd;		/* NULL: the user's home */
	char			**env;		/* NAME=value, NULL-terminated */
	int			 last_exit;	/* $LASTEXITCODE */
	/* the login profile has run: what it exported is in env */
	bool			 profiled;
};

struct psrp_pool {
	struct shell		*sh;
	struct psrp_guid	 rpid;
	struct psrp_defrag	*in;		/* the pool's stdin */
	struct psrp_defrag	*pr;		/* its host responses (pr) */
	struct command		*cmd;		/* the pool's own Receive */
	struct psrp_outq	 q;
	uint64_t		 next_object;	/* ObjectIds we send */
	int			 state;		/* enum psrp_pool_state */
	bool			 got_capability;
	int32_t			 min_rs, max_rs;
	bool			 host_null;
	bool			 ui_null;	/* HostInfo's _isHostUINull */
	uint8_t			 key[PSRP_SESSION_KEY_LEN];
	bool			 have_key;
	struct psrp_runspace	 rs;
	char			**env0;		/* the env the pool began with */
	/* no client: its pipelines run on (psrp_disconnect.c) */
	bool			 disconnected;
	bool			 bound_logged;	/* the output bound, logged */
	struct psrp_warm	*warm;		/* psrp_warm.c */
};

/* psrp_warm.c: a shell (or winrmd-native) started ahead for the pool's
 * next pipeline */
#define PSRP_LEC_LEN		32
struct psrp_script;
struct winrmd_child;
/* the user's shell if it is a POSIX one, else /bin/sh */
const char *psrp_posix_shell(const char *sh);
/* whether the next pipeline's shell runs the login profile (-l) */
bool	psrp_run_login(const struct psrp_pool *pool);
/*
 * The environment of the pool's next pipeline: the runspace's, then
 * LASTEXITCODE (in lec), then the secrets, then the nextra entries of
 * extra (a cmdlet's settings); a malloc'd NULL-terminated array whose
 * strings are the callers'
 */
char	**psrp_run_env(const struct psrp_pool *pool, char *const *secrets,
	    size_t nsecrets, char *const *extra, size_t nextra,
	    char lec[PSRP_LEC_LEN]);
/*
 * The settings Get-CimInstance's winrmd-native takes from the cim plugin's
 * configuration, as NAME=value strings for a pipeline's environment
 * (malloc'd; the rest NULL): how many
 */
int	psrp_cim_env(char *cim_env[2]);
/* the runspace changed (or opened): the warm process again, soon */
void	psrp_warm_refresh(struct psrp_pool *pool);
/* a pipeline's process ended: psrp_warm_refresh from the second on */
void	psrp_warm_ended(struct psrp_pool *pool);
void	psrp_warm_free(struct psrp_pool *pool);
/*
 * A login shell started ahead with the warm wrapper (psrp_spare.c), under
 * another marker: the pool's warm process now, the script exporting the
 * pool's marker first.  0, or -1 (it stays the caller's)
 */
/* psrp_spare.c: a login session and shell started ahead for the next pool
 * of a user (and client address): prepared when sh, a pool, is deleted */
void	psrp_spare_prepare(const struct shell *sh);
/* at a Create of pool sh (its pool opened, no session or group yet): true
 * when it took a spare's session, group and warm shell */
bool	psrp_spare_take(struct shell *sh);
void	psrp_spare_fini(void);
int	psrp_warm_adopt(struct psrp_pool *pool, const struct winrmd_child *child,
	    const char *marker);
/*
 * c takes the warm process for script s with its state mark, and the
 * input held so far (in_end: all of it): 0, or -1 when there is none that
 * fits (start cold), -2 when it could not be taken (start cold).  With
 * ret_token (a pipeline without input for a client with a host), its
 * winrmd-stdin-watch starts watching after the script, and the line it
 * writes when a read of stdin waits is copied there.
 */
int	psrp_warm_take(struct psrp_pool *pool, struct command *c,
	    const char *mark, const struct psrp_script *s,
	    const unsigned char *in, size_t in_len, bool in_end,
	    char *ret_token, size_t token_len);
/* winrmd-stdin-watch, next to winrmd-native ([Winrs] NativeHelper) */
const char *psrp_stdin_watch_path(void);

/* psrp_pool.c */
/* whether the ResourceURI is PowerShell's (any configuration) */
bool	psrp_uri(const char *uri);
/* the client names its pool (ShellId, its RunspacePool id) if it is free */
void	psrp_pool_id(struct shell *sh, struct winrmd_op *op);
/* Create's PSRP part: the configuration, creationXml; WINRMD_OK or fault */
int	psrp_pool_create(struct shell *sh, struct winrmd_op *op);
void	psrp_pool_free(struct shell *sh);
/* the command that answers the pool's Receive (no CommandId) */
struct command *psrp_pool_command(struct shell *sh);
/*
 * Send to the pool (no CommandId): fragments of pool messages on stdin,
 * or of host responses on pr (pr true)
 */
int	psrp_pool_send(struct shell *sh, struct winrmd_op *op, bool pr,
	    const uint8_t *data, size_t len);
/*
 * A PIPELINE_HOST_RESPONSE sent to the pool (pypsrp sends them on pr
 * without a CommandId) for the pipeline m names: WINRMD_OK or a fault
 */
int	psrp_pipeline_host_response(struct shell *sh, struct winrmd_op *op,
	    const struct psrp_msg *m);
/* a message queued for the client (taken over: msg is freed) */
int	psrp_queue(struct psrp_pool *p, struct psrp_outq *q, uint32_t type,
	    const struct psrp_guid *pid, struct clixml_value *v);
/* the same for a message body that is CLIXML text already */
int	psrp_queue_xml(struct psrp_pool *p, struct psrp_outq *q, uint32_t type,
	    const struct psrp_guid *pid, const char *xml, size_t xlen);
/* fragments of q into out, at most room bytes: the count */
size_t	psrp_outq_pack(struct psrp_outq *q, uint8_t *out, size_t room);
void	psrp_outq_clear(struct psrp_outq *q);
/* the first message, if partly sent, goes again from its start */
void	psrp_outq_rewind(struct psrp_outq *q);
/* the base64 text of an rsp:Stream budget for a Receive of op */
size_t	psrp_receive_room(struct winrmd_op *op);
/* running pipelines of the pool */
unsigned psrp_pool_busy(const struct psrp_pool *p);
/*
 * Whether len more bytes of fragments may be held for sh's user: what
 * the defragmenters of the user's pools and pipelines hold and the
 * stdin their commands have not read count against [Winrs]
 * MaxStdinPerUserMB.  WINRMD_OK, or QuotaLimit on op and a log line.
 */
int	psrp_input_quota(struct shell *sh, struct winrmd_op *op, size_t len);
/* bytes a pipeline's defragmenters hold (psrp_pipeline.c) */
size_t	psrp_pipeline_buffered(const struct command *c);

/*
 * A new client connected to the pool (Connect): the pool's messages for
 * the old one are dropped, its defragmenters start again, and
 * APPLICATION_PRIVATE_DATA and RUNSPACEPOOL_STATE Opened wait for the
 * pool's next Receive.  0 or -ENOMEM.
 */
int	psrp_pool_connected(struct psrp_pool *p);

/* psrp_pipeline.c */
/*
 * The pipeline's pool was connected to by a new client: a message half
 * sent goes again whole, input half received is dropped
 */
void	psrp_pipeline_connected(struct command *c);
/* Command: a pipeline (CommandId = its GUID) from its first fragment */
struct command *psrp_pipeline_new(struct shell *sh, const char *id,
	    const uint8_t *frag, size_t len, struct winrmd_op *op,
	    int *ret_fault);
/* starts the pool's queued pipelines while runspaces are free */
void	psrp_pool_dequeue(struct shell *sh);
/* Send with a CommandId: fragments of the pipeline's messages */
int	psrp_pipeline_send(struct command *c, struct winrmd_op *op, bool pr,
	    const uint8_t *data, size_t len);

/* psrp_disconnect.c: Disconnect, Reconnect, Connect */
enum psrp_link_op {
	PSRP_LINK_DISCONNECT,
	PSRP_LINK_RECONNECT,		/* the client that disconnected */
	PSRP_LINK_CONNECT_POOL,		/* connectXml: a new client */
	PSRP_LINK_CONNECT_PIPELINE,	/* Connect with a CommandId */
	PSRP_LINK_USE,			/* Command, Send, Receive, Signal */
	PSRP_LINK_DELETE,
};
enum psrp_link_verdict {
	PSRP_LINK_OK,			/* served */
	PSRP_LINK_IGNORE,		/* answered, nothing changes */
	PSRP_LINK_NOT_FOUND,		/* "shell not found" */
	PSRP_LINK_ACCESS_DENIED,	/* another user's pool */
	PSRP_LINK_DISCONNECTED,		/* SHELL_DISCONNECTED */
	PSRP_LINK_CONNECTED,		/* SHELL_CONNECTED: a client holds it */
};
/* what op does to a pool in that state, for its owner or another user */
enum psrp_link_verdict psrp_link_decide(enum psrp_link_op op,
	    bool disconnected, bool owner);
/* output held for uid's disconnected pools (their queues, their commands'
 * buffers and grown pipes) */
size_t	psrp_disconnected_held(const struct shell *shells, uid_t uid);
/*
 * connectXml's fragments (SESSION_CAPABILITY, then CONNECT_RUNSPACEPOOL
 * for p): p's Min/MaxRunspaces set, and in *ret (malloc'd) the fragments
 * of connectResponseXml: SESSION_CAPABILITY and RUNSPACEPOOL_INIT_DATA.
 * 0, or -1 with err (p unchanged).
 */
int	psrp_connect_answer(struct psrp_pool *p, const uint8_t *data,
	    size_t len, uint8_t **ret, size_t *ret_len, char *err,
	    size_t errlen);
/* may c buffer more output (command.c)?  Not past the per-user bound of
 * a disconnected pool's output (counting the grown pipes of the user's
 * connected pools, which a Disconnect would bring under it) */
bool	psrp_may_buffer(const struct command *c);
/* may c's pipe grow to PIPE_BIG (command.c)?  A WinRS command's, yes; a
 * pipeline's only while its pool is connected and the user's bound has
 * room for it */
bool	psrp_may_grow_pipe(const struct command *c);
/* reading of uid's pools' output goes on where it waited for the bound */
void	psrp_disconnect_resume(uid_t uid);
/* WINRMD_OK, or the fault for an operation on a disconnected pool */
int	psrp_shell_usable(struct winrmd_op *op, struct shell *sh);
int	psrp_op_disconnect(struct winrmd_op *op, void *unused);
int	psrp_op_reconnect(struct winrmd_op *op, void *unused);
int	psrp_op_connect(struct winrmd_op *op, void *unused);

/* psrp_script.c: pure, for the unit tests */
/*
 * What a pipeline runs: text for the user's POSIX shell, the values of
 * SecureString arguments (passed in the environment as
 * WINRMD_PSRP_SECRET<n>, never on a command line) and what the runspace
 * gets from pypsrp's environment statements.
 */
struct psrp_script {
	char		*text;
	char		**secrets;	/* NAME=value, NULL-terminated */
	size_t		 nsecrets;
	/* a non-zero exit is a terminating error (served scripts) */
	bool		 fail_on_exit;
	/* or, instead of text: the plan of cmdlets winrmd-native psobject
	 * runs (psrp_cmdlet.h), NULL-terminated */
	char		**plan;
};
/*
 * The text of p's statements, or -1 with err: the shapes clients wrap
 * script text in (Invoke-Expression -Command X | Out-String -Stream,
 * add_script with arguments, add_cmdlet with parameters, New-Item env:)
 * become shell text; key decrypts SecureStrings (NULL: none exchanged).
 */
int	psrp_script_build(const struct psrp_pipeline *p, const uint8_t *key,
	    struct psrp_script *ret, char *err, size_t errlen);
void	psrp_script_free(struct psrp_script *s);
/* a value as the text a line of input or an argument becomes */
char	*psrp_value_text(const struct clixml_value *v);
/* a shell single-quoted word */
char	*psrp_shell_quote(const char *s, size_t len);
/*
 * The wrapper the user's shell runs: the script (its $1) with an EXIT
 * trap printing mark, then the working directory and env -0.
 */
char	*psrp_wrapper(const char *mark, bool exports);
/* whether this shell's `export -p' is one psrp_state_parse reads */
bool	psrp_shell_exports(const char *shell);
/*
 * The wrapper of a warm process (psrp_warm.c): it waits on its stdin for
 * psrp_warm_handoff()'s text, then runs the script as psrp_wrapper does
 */
char	*psrp_warm_wrapper(bool exports);
/* what a warm process is given on stdin for script and mark, its length */
char	*psrp_warm_handoff(const char *mark, const char *script,
	    size_t *ret_len);
/*
 * The state after the mark: "cwd\n" then NUL-separated NAME=value (env
 * -0), or what `export -p' of dash or bash prints.  Fills
 * rs (replacing cwd and env; variables of the shell itself dropped, at
 * most PSRP_ENV_MAX); -1 if it is not that shape (rs untouched).
 */
int	psrp_state_parse(const char *buf, size_t len,
	    struct psrp_runspace *rs);
void	psrp_runspace_clear(struct psrp_runspace *rs);

#endif
