/*
 * mock_host.h: the one stand-in for the daemon's host service table
 * (struct winrmd_host, plugin.h) that every plugin and provider unit test
 * links, after collectd's plugin_mock.c.  It keeps what the code under
 * test logs, answers the configuration the test sets, runs watches,
 * timers and posted callbacks on a small poll(2) loop with a clock the
 * test moves, really forks what is spawned (as the principal when root)
 * and records it, builds requests from XML text and keeps their replies
 * and faults.  WS-Enumeration is the daemon's own (daemon/enumeration.c).
 *
 * Single-threaded like the daemon's loop, except mock_post(), which any
 * thread may call.  MOCK_LOG=1 in the environment echoes the log.
 */
#ifndef WINRMD_TESTS_MOCK_HOST_H
#define WINRMD_TESTS_MOCK_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <check.h>
#include <libxml/tree.h>

#include <winrmd/plugin.h>

extern const struct winrmd_host mock_host;

/*
 * Back to a clean host between tests: timers dropped, the log, the
 * configuration and the spawn record cleared, the post queue closed.  A
 * watch still registered fails the test (the code under test leaked it).
 */
void	mock_reset(void);

/* ------------------------------------------------------------ the log */

/* lines logged that contain text, since the last clear */
size_t	mock_log_count(const char *text);
bool	mock_log_contains(const char *text);
void	mock_log_clear(void);

/* ---------------------------------------------------- the configuration */

/* conf_str/int/bool answer value for "Section.Key" (any case) */
void	mock_conf_set(const char *section_key, const char *value);
/* a table of settings, ended by { NULL }: cleared first, then each set */
struct mock_conf {
	const char	*section, *key, *value;
};
void	mock_conf_load(const struct mock_conf *table);
void	mock_conf_clear(void);

/* ----------------------------------------------------------- the loop */

/*
 * The clock (host->now_ms) moves only when the test lets it: by ms at
 * once with mock_advance(), which runs the timers that fall due on the
 * way, in order; or as real time passes, while mock_loop_until() or
 * mock_loop_for() runs.
 */
void	mock_advance(uint64_t ms);
/* timers running */
size_t	mock_timers(void);
/*
 * waits up to ms for the watched fds (and posts) and runs their callbacks,
 * once; returns at once when nothing is watched
 */
void	mock_poll(int ms);
/*
 * Runs the loop (due timers, ready fds, posted callbacks) until done(arg)
 * or timeout_ms of real time; false on timeout.
 */
bool	mock_loop_until(bool (*done)(void *), void *arg, int timeout_ms);
void	mock_loop_for(int ms);
/* watches registered */
int	mock_watch_count(void);
/* fn(arg) runs on the loop, soon; from any thread.  0 or -errno */
int	mock_post(void (*fn)(void *), void *arg);

/* ------------------------------------------------------- processes */

/* what spawn() or spawn_detached() was asked for last, and how to answer */
struct mock_spawn_rec {
	int		 count;
	char		*path;
	char		**argv;
	char		*cwd;
	uid_t		 uid;
	bool		 merge_stderr;
	bool		 detached;	/* through spawn_detached */
	struct winrmd_group *group;
	int		 force;		/* != 0: spawn returns this instead */
	const char	*refuse;	/* account_may_run refuses, saying this */
};

extern struct mock_spawn_rec mock_spawned;

/*
 * Login sessions (session_open): each is answered on the loop, as the
 * daemon's are, with the environment MOCK_SESSION=<its number>, or refused
 * with `refuse'.  mock_reset() fails the test while one is open.
 */
struct mock_session_rec {
	int		 opened;	/* session_open calls */
	int		 open;		/* not closed yet */
	const char	*refuse;	/* != NULL: answered NULL, saying this */
};

extern struct mock_session_rec mock_sessions;

/* principals: the running user, or uid (name: its passwd entry's) */
const struct winrmd_principal *mock_principal_self(void);
const struct winrmd_principal *mock_principal_uid(uid_t uid, const char *name);

/* --------------------------------------------------------- requests */

#define MOCK_MAX_SELECTORS	16
#define MOCK_MAX_OPTIONS	8

struct winrmd_op {
	char			*action, *uri;
	struct winrmd_selector	 sels[MOCK_MAX_SELECTORS];
	size_t			 nsels;
	struct winrmd_option	 opts[MOCK_MAX_OPTIONS];
	size_t			 nopts;
	xmlDocPtr		 req;
	xmlNodePtr		 body;
	xmlDocPtr		 reply;
	xmlNodePtr		 reply_body;
	char			*reply_action;
	enum winrmd_fault	 fault;
	char			 detail[64];
	char			 reason[512];
	size_t			 max_envelope;
	uint64_t		 timeout_ms;
	struct winrmd_principal	 principal;
	gid_t			 gid;
	int			 status;	/* of the op function */
	bool			 completed;	/* op_complete() called */
};

/* a request (user alice, uid 1000): body is the s:Body's child, or NULL */
struct winrmd_op *mock_op(const char *action, const char *uri,
	    const char *body);
void	mock_op_selector(struct winrmd_op *op, const char *name,
	    const char *value);
void	mock_op_option(struct winrmd_op *op, const char *name,
	    const char *value, bool must_comply);
void	mock_op_user(struct winrmd_op *op, const char *name, uid_t uid);
void	mock_op_free(struct winrmd_op *op);
/* the reply serialised (malloc'd) */
char	*mock_reply_text(struct winrmd_op *op);
/* the text of the first element named `name' (any namespace), or NULL */
char	*mock_reply_find(struct winrmd_op *op, const char *name);
/* how many elements are named `name' */
size_t	 mock_reply_count(struct winrmd_op *op, const char *name);

/* ------------------------------------------------- a plugin under test */

/*
 * Runs op as dispatch.c does, through the plugin's first resource: the
 * action entry of op's exact Action, else its WINRMD_ACTION_ANY entry.
 * Stores and returns what the operation returned (op->status).
 */
int	mock_run(const struct winrmd_plugin *plug, void *state,
	    struct winrmd_op *op);
/* mock_run(), then the end of the loop's pass: the timers due now run (a
 * cim Get waits for it); an op they complete gets the status it would
 * have returned (WINRMD_OK or WINRMD_FAULT); returns op->status */
int	mock_run_pass(const struct winrmd_plugin *plug, void *state,
	    struct winrmd_op *op);
/* a Get of uri with selectors: name, value, ..., NULL */
struct winrmd_op *mock_get_op(const char *uri, ...)
	    __attribute__((sentinel));
/* an Enumerate of uri, inner: the XML inside n:Enumerate (NULL: none) */
struct winrmd_op *mock_enum_op(const char *uri, const char *inner);
/* a Pull of context ctx (max > 0: MaxElements), a Release */
struct winrmd_op *mock_pull_op(const char *uri, const char *ctx, int max);
struct winrmd_op *mock_release_op(const char *uri, const char *ctx);
/*
 * What the daemon does before it finalises a plugin (every enumeration
 * context dropped), fini(), then checks that nothing is left (contexts,
 * timers, watches) and mock_reset().
 */
void	mock_plugin_stop(const struct winrmd_plugin *plug, void *state);

#define mock_assert_ok(op) do {						\
	ck_assert_msg((op)->status == WINRMD_OK, "status %d fault %d %s: %s", \
	    (op)->status, (op)->fault, (op)->detail, (op)->reason);	\
	ck_assert_int_eq((op)->fault, WINRMD_FAULT_NONE);		\
} while (0)

#define mock_assert_fault(op, f) do {					\
	ck_assert_msg((op)->status == WINRMD_FAULT && (op)->fault == (f), \
	    "status %d fault %d (want %d) %s", (op)->status, (op)->fault, \
	    (f), (op)->reason);						\
} while (0)

#endif
