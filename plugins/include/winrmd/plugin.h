/*
 * winrmd plugin ABI: the only header a WS-Man plugin includes.
 *
 * A plugin is a shared object exporting one symbol, winrmd_plugin_entry(),
 * which returns a const struct winrmd_plugin.  The daemon checks `abi' and
 * `size' (a plugin of another ABI is refused), reads the plugin's settings
 * from the configuration file against what it declares (`settings',
 * `declare'), calls init() with the host service table, and dispatches
 * requests to the operations of the resources the plugin declares, by the
 * longest ResourceURI prefix and then by the WS-Addressing Action.  What
 * init() returns is the plugin's state, passed to every operation and to
 * reload() and fini(): a plugin keeps its state there.
 *
 * Threading: every call into a plugin (declare, init, fini, operations,
 * watch, timer and child callbacks, enumeration iterators) happens on the
 * daemon's event-loop thread, one at a time.  Plugins need no locks for their own state and must never block:
 * anything slow is watched through file descriptors or timers, and an
 * operation that cannot answer at once returns WINRMD_PENDING and calls
 * host->op_complete() later, from a callback.
 *
 * Plugins never build SOAP envelopes or fault XML: the host does.  They read
 * the request body and add children to the reply body (libxml2 nodes).
 */
#ifndef WINRMD_PLUGIN_H
#define WINRMD_PLUGIN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <libxml/tree.h>

/*
 * 2: the daemon owns WS-Enumeration (enum_* services) and plugins declare
 * their settings (struct winrmd_setting); every host member up to
 * epr_selector is part of ABI 2.
 */
#define WINRMD_PLUGIN_ABI	2

/* Namespaces every plugin ends up needing. */
#define WINRMD_NS_SOAP	"http://www.w3.org/2003/05/soap-envelope"
#define WINRMD_NS_WSA	"http://schemas.xmlsoap.org/ws/2004/08/addressing"
#define WINRMD_NS_WSMAN	"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
#define WINRMD_NS_WSMV	"http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"
#define WINRMD_NS_WXF	"http://schemas.xmlsoap.org/ws/2004/09/transfer"
#define WINRMD_NS_WSEN	"http://schemas.xmlsoap.org/ws/2004/09/enumeration"
#define WINRMD_NS_SHELL	"http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
#define WINRMD_NS_XSI	"http://www.w3.org/2001/XMLSchema-instance"

#define WINRMD_ACTION_GET	"http://schemas.xmlsoap.org/ws/2004/09/transfer/Get"
#define WINRMD_ACTION_PUT	"http://schemas.xmlsoap.org/ws/2004/09/transfer/Put"
#define WINRMD_ACTION_CREATE	"http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
#define WINRMD_ACTION_DELETE	"http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
#define WINRMD_ACTION_ENUMERATE	"http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate"
#define WINRMD_ACTION_PULL	"http://schemas.xmlsoap.org/ws/2004/09/enumeration/Pull"
#define WINRMD_ACTION_RELEASE	"http://schemas.xmlsoap.org/ws/2004/09/enumeration/Release"
#define WINRMD_ACTION_COMMAND	"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command"
#define WINRMD_ACTION_SEND	"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send"
#define WINRMD_ACTION_RECEIVE	"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive"
#define WINRMD_ACTION_SIGNAL	"http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal"

/* Return values of operations. */
enum winrmd_status {
	WINRMD_OK	= 0,	/* reply body is filled in */
	WINRMD_FAULT	= -1,	/* host->op_fault() was called */
	WINRMD_PENDING	= 1,	/* host->op_complete() will be called later */
};

/*
 * Faults a plugin may raise.  The host maps each to its SOAP Code, Subcode,
 * WSManFault code and HTTP status (daemon/fault.c, one table).
 */
enum winrmd_fault {
	WINRMD_FAULT_NONE = 0,
	WINRMD_FAULT_ACCESS_DENIED,
	WINRMD_FAULT_ACTION_NOT_SUPPORTED,
	WINRMD_FAULT_DESTINATION_UNREACHABLE,
	WINRMD_FAULT_ENCODING_LIMIT,
	WINRMD_FAULT_INTERNAL_ERROR,
	WINRMD_FAULT_INVALID_MESSAGE_INFORMATION_HEADER,
	WINRMD_FAULT_INVALID_OPTIONS,
	WINRMD_FAULT_INVALID_PARAMETER,
	WINRMD_FAULT_INVALID_SELECTORS,
	WINRMD_FAULT_INVALID_XML,
	WINRMD_FAULT_MESSAGE_INFORMATION_HEADER_REQUIRED,
	WINRMD_FAULT_MUST_UNDERSTAND,
	WINRMD_FAULT_QUOTA_LIMIT,
	WINRMD_FAULT_QUOTA_MAX_SHELLS,
	WINRMD_FAULT_QUOTA_MAX_SHELLUSERS,
	WINRMD_FAULT_QUOTA_MAX_OPERATIONS,
	WINRMD_FAULT_REMOTESHELLS_NOT_ALLOWED,
	WINRMD_FAULT_SCHEMA_VALIDATION,
	WINRMD_FAULT_SHELL_NOT_FOUND,
	WINRMD_FAULT_TIMED_OUT,
	WINRMD_FAULT_UNSUPPORTED_FEATURE,
	WINRMD_FAULT_ALREADY_EXISTS,
	WINRMD_FAULT_CANNOT_PROCESS_FILTER,
	WINRMD_FAULT_FILTER_DIALECT_UNAVAILABLE,
	WINRMD_FAULT_FILTERING_NOT_SUPPORTED,
	WINRMD_FAULT_INVALID_ENUMERATION_CONTEXT,
	WINRMD_FAULT_SERVICE_STOPPING,
	/*
	 * Added later (an older daemon answers them as InternalError):
	 * Windows' codes for these situations (docs/FAULTS.md).  The
	 * faultDetail is implied when none is given.
	 */
	WINRMD_FAULT_INVALID_RESOURCE_URI,	/* a:DestinationUnreachable,
						   no such resource URI */
	WINRMD_FAULT_UNEXPECTED_SELECTORS,	/* w:InvalidSelectors: one the
						   resource does not take */
	WINRMD_FAULT_INSUFFICIENT_SELECTORS,	/* w:InvalidSelectors: a key
						   selector is missing */
	WINRMD_FAULT_DUPLICATE_SELECTORS,	/* w:InvalidSelectors: twice */
	WINRMD_FAULT_SHELL_DISCONNECTED,	/* w:InternalError: the shell is
						   disconnected (Reconnect or
						   Connect first) */
	WINRMD_FAULT_SHELL_CONNECTED,		/* w:InternalError: Connect to a
						   shell a client holds */
	_WINRMD_FAULT_MAX
};

/* The authenticated user an operation runs for.  Owned by the host. */
struct winrmd_principal {
	const char	*name;		/* local account name */
	uid_t		 uid;
	gid_t		 gid;
	const char	*home;
	const char	*shell;		/* login shell */
	const gid_t	*groups;	/* supplementary groups, gid included */
	int		 ngroups;
	const char	*scheme;	/* "Basic", ... for logs */
};

struct winrmd_selector {
	const char	*name;
	const char	*value;
};

struct winrmd_option {
	const char	*name;
	const char	*value;
	bool		 must_comply;
};

/* What a plugin asks the spawn service to start. */
struct winrmd_spawn_req {
	const struct winrmd_principal *user;
	const char	*path;		/* executable: absolute path or PATH lookup */
	char *const	*argv;
	char *const	*env;		/* extra NAME=value pairs, NULL-terminated */
	const char	*cwd;		/* NULL: the user's home */
	bool		 merge_stderr;	/* stderr goes to the stdout pipe */
	uint64_t	 mem_limit;	/* RLIMIT_AS in bytes, 0: none */
	uint64_t	 nproc_limit;	/* RLIMIT_NPROC, 0: none */
	struct winrmd_group *group;	/* join this resource group, or NULL */
};

struct winrmd_child {
	pid_t	pid;		/* also the process group id */
	int	pidfd;		/* readable when the child exits */
	int	in_fd;		/* write end of the child's stdin, O_NONBLOCK */
	int	out_fd;		/* read end of stdout, O_NONBLOCK */
	int	err_fd;		/* read end of stderr (-1 if merged), O_NONBLOCK */
};

/* host->spawn_async's result, on the loop thread */
typedef void (*winrmd_spawned_fn)(int r, const struct winrmd_child *child,
    void *arg);

struct winrmd_op;	/* one WS-Man request being answered */
struct winrmd_enum;	/* an enumeration context (the host's) */
struct winrmd_epr;	/* the endpoint reference of an enumerated item */
struct winrmd_group;	/* a resource group (cgroup) for processes */
struct winrmd_watch;	/* an fd the event loop watches */
struct winrmd_timer;	/* a one-shot timer */

typedef void (*winrmd_io_fn)(int fd, uint32_t events, void *arg);
typedef void (*winrmd_timer_fn)(void *arg);
/* an auth_check() result: p is NULL when refused (why says why, for logs) */
typedef void (*winrmd_auth_fn)(const struct winrmd_principal *p,
    const char *why, void *arg);
struct winrmd_session;	/* a login session (the host's) */
/* the id of a session opened ahead of need (session_open) begins so */
#define WINRMD_SESSION_SPARE_PREFIX "spare-"
/*
 * a session_open() result: s is NULL when refused (why says why); env: the
 * NAME=value pairs PAM set for the session, NULL-terminated, valid during
 * the call only
 */
typedef void (*winrmd_session_fn)(struct winrmd_session *s,
    char *const *env, const char *why, void *arg);

#define WINRMD_IN	0x001u	/* EPOLLIN */
#define WINRMD_OUT	0x004u	/* EPOLLOUT */
#define WINRMD_ERR	0x008u	/* EPOLLERR */
#define WINRMD_HUP	0x010u	/* EPOLLHUP */

#define WINRMD_LOG_ERR		3
#define WINRMD_LOG_WARNING	4
#define WINRMD_LOG_NOTICE	5
#define WINRMD_LOG_INFO		6
#define WINRMD_LOG_DEBUG	7

/*
 * WS-Enumeration is the daemon's (host->enum_*): contexts and their owners,
 * EnumerationTimeoutms, MaxConcurrentOperationsPerUser, MaxElements and
 * MaxBatchItems, packing items up to MaxEnvelopeSize, the EnumerationMode
 * (objects, EPRs or both), OptimizeEnumeration, Pull, Release and their
 * faults.  A plugin only walks over what it enumerates, with an iterator of
 * its own (`it') and these functions:
 */
struct winrmd_enum_source {
	/*
	 * Adds the instance at the iterator's position, which stays where it
	 * is: its element under `object' unless object is NULL
	 * (EnumerateEPR), and the selectors of its EPR with
	 * host->epr_selector(epr, ...) unless epr is NULL (EnumerateObject).
	 * Returns 1, 0 when no instance is left, or -errno (the request
	 * faults).  An item that does not fit the answer is asked for again
	 * in the next Pull.
	 */
	int	(*item)(void *it, xmlNodePtr object, struct winrmd_epr *epr);
	/* moves past the instance item() added last: it was sent */
	void	(*next)(void *it);
	/*
	 * frees the iterator: after the last item, at Release, when the
	 * context expires, and before any plugin is finalised
	 */
	void	(*release)(void *it);
};

/* enum_begin() flags */
#define WINRMD_ENUM_FILTER	0x1u	/* the plugin reads wsen:Filter /
					   wsman:Filter itself; without it a
					   filter gets FilteringNotSupported */

/* a key of the configuration file to set (host->conf_set) */
struct winrmd_conf_change {
	const char	*section;
	const char	*key;
	const char	*value;
};

/* a listener of the daemon, as Windows describes one (host->listener) */
struct winrmd_listener {
	const char	*name;		/* NAME of [Listener NAME], or NULL */
	const char	*address;	/* "*" or "IP:" and the address */
	const char	*transport;	/* "HTTP" or "HTTPS" */
	unsigned	 port;
	bool		 enabled;
	const char	*url_prefix;	/* without the leading / */
	/* HTTPS: the SHA-1 thumbprint of the certificate it presents now
	 * (40 upper-case hex digits); "" for HTTP */
	const char	*thumbprint;
	/* the address it is bound to; NULL: every address of the host */
	const char	*listening_on;
};

/*
 * Services the daemon offers to plugins.  Grows only at the end; a plugin
 * checks `size' before using a member added after ABI 2 (WINRMD_HOST_HAS).
 */
struct winrmd_host {
	uint32_t	abi;
	uint32_t	size;

	void	(*log)(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

	/* --- the request (valid until the op completes) --- */
	const char *(*op_action)(const struct winrmd_op *op);
	const char *(*op_resource_uri)(const struct winrmd_op *op);
	/* selector value by name (case-insensitive), NULL if absent */
	const char *(*op_selector)(const struct winrmd_op *op, const char *name);
	size_t	(*op_selectors)(const struct winrmd_op *op,
		    const struct winrmd_selector **ret);
	/* option value by name (case-insensitive), NULL if absent */
	const char *(*op_option)(const struct winrmd_op *op, const char *name);
	size_t	(*op_options)(const struct winrmd_op *op,
		    const struct winrmd_option **ret);
	/* OperationTimeout in ms, already clamped to MaxTimeoutms */
	uint64_t (*op_timeout_ms)(const struct winrmd_op *op);
	/* bytes the reply may take (MaxEnvelopeSize, clamped) */
	size_t	(*op_max_envelope)(const struct winrmd_op *op);
	const struct winrmd_principal *(*op_principal)(const struct winrmd_op *op);
	const char *(*op_client_ip)(const struct winrmd_op *op);
	/*
	 * first element child of s:Body, or NULL for an empty body; valid
	 * until the op returns WINRMD_PENDING (the request document is
	 * freed then: what a pending op needs later, it copies)
	 */
	xmlNodePtr (*op_body)(const struct winrmd_op *op);

	/* --- the reply --- */
	/* sets the reply Action and returns s:Body of the reply, to fill in */
	xmlNodePtr (*op_reply)(struct winrmd_op *op, const char *action);
	/* bytes the reply envelope holds so far, serialised */
	size_t	(*op_reply_size)(struct winrmd_op *op);
	/* sets a fault; reason is printf-formatted; always returns WINRMD_FAULT */
	int	(*op_fault)(struct winrmd_op *op, enum winrmd_fault fault,
		    const char *detail, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
	/* finishes an op that returned WINRMD_PENDING; after it, op is gone */
	void	(*op_complete)(struct winrmd_op *op);

	/* --- the event loop --- */
	struct winrmd_watch *(*watch_add)(int fd, uint32_t events,
		    winrmd_io_fn fn, void *arg);
	int	(*watch_set)(struct winrmd_watch *w, uint32_t events);
	void	(*watch_remove)(struct winrmd_watch *w);	/* fd stays open */
	struct winrmd_timer *(*timer_start)(uint64_t ms, winrmd_timer_fn fn,
		    void *arg);
	void	(*timer_stop)(struct winrmd_timer *t);	/* NULL is fine */
	uint64_t (*now_ms)(void);	/* monotonic */

	/* --- processes --- */
	/*
	 * start a child as req->user: 0 or -errno; among them -EPERM: the
	 * account may not run processes (account_may_run says why), -EMFILE:
	 * the daemon keeps its last descriptors for connections and other
	 * users, -EAGAIN: req->group's process limit is reached
	 */
	int	(*spawn)(const struct winrmd_spawn_req *req,
		    struct winrmd_child *ret);

	/* --- configuration (current snapshot; re-read at use) --- */
	const char *(*conf_str)(const char *section, const char *key);
	long long (*conf_int)(const char *section, const char *key);
	bool	(*conf_bool)(const char *section, const char *key);

	/* --- counters for tests and the OMIGOD sweep --- */
	void	(*count)(const char *what);

	/* --- resource groups (cgroup v2, else v1; NULL: not available) --- */
	struct winrmd_group *(*group_create)(const char *name,
		    uint64_t mem_bytes, uint64_t max_procs);
	void	(*group_kill)(struct winrmd_group *g);
	void	(*group_destroy)(struct winrmd_group *g);	/* NULL is fine */
	/* "cgroup v2", "cgroup v1" or "rlimits" */
	const char *(*group_mode)(void);

	/* xs:duration ("PT1H30M") -> ms: 0 or -EINVAL / -ERANGE */
	int	(*parse_duration)(const char *s, uint64_t *ret_ms);

	/*
	 * Checks another account's password as a Basic login is checked (the
	 * PAM service, then PermitRoot and AllowedGroups), on a worker thread:
	 * for "run as" requests such as Ansible's become.  fn runs later on
	 * the loop thread, once, with the account (valid during the call
	 * only) or NULL and a reason; a refusal comes after PAM's failure
	 * delay.  Not called once the daemon is stopping (plugins are being
	 * finalised).  rhost: the client address, for PAM.  Returns 0, or
	 * -errno (fn will not run).  The password is copied and wiped.
	 */
	int	(*auth_check)(const char *user, const char *password,
		    const char *rhost, winrmd_auth_fn fn, void *arg);
	/*
	 * Serialises n, an element of the reply, as the answer will carry it,
	 * and replaces it by that text (n is freed): returns its length in
	 * bytes, or SIZE_MAX on failure (n is left in place).  For replies
	 * filled up to MaxEnvelopeSize item by item: each is measured and
	 * serialised once.  A "noenc" text node (xmlStringTextNoenc: text a
	 * plugin wrote as XML itself) is already that text: its length.
	 */
	size_t	(*reply_freeze)(xmlNodePtr n);
	/*
	 * Declares that the answer op has built (to be sent as it is, status
	 * 200) depends on nothing but the request's bytes, its MessageID
	 * aside, on the principal and on the running configuration: the
	 * daemon may give it again, with new message ids, to a request from
	 * the same principal that differs only in its MessageID, without
	 * calling the plugin, until the configuration is reloaded.  Never for
	 * an answer that reads anything else (time, processes, files).
	 */
	void	(*reply_reusable)(struct winrmd_op *op);
	/*
	 * Whether p may run processes on this host: 0, or -EPERM with why
	 * filled ("the login shell of bob (/usr/sbin/nologin) refuses
	 * logins").  spawn() refuses the same accounts; a plugin asks first
	 * to answer with AccessDenied and the reason.
	 */
	int	(*account_may_run)(const struct winrmd_principal *p, char *why,
		    size_t len);
	/*
	 * Like spawn(), but the program does not stay the daemon's child
	 * (init reaps it): ret->pidfd is -1, ret->pid is the program's pid;
	 * nothing is left to wait for.  For processes that outlive the
	 * request (Win32_Process.Create).
	 */
	int	(*spawn_detached)(const struct winrmd_spawn_req *req,
		    struct winrmd_child *ret);
	/*
	 * The processes in group g: how many, and the first `max' pids (pids
	 * may be NULL with max 0); -errno if it cannot be read.
	 */
	long	(*group_procs)(struct winrmd_group *g, pid_t *pids, size_t max);

	/* --- WS-Enumeration (struct winrmd_enum_source) --- */
	/*
	 * The start of an Enumerate (op's body must be a wsen:Enumerate):
	 * reads EnumerationMode, OptimizeEnumeration, MaxElements and EndTo,
	 * refuses a filter unless flags has WINRMD_ENUM_FILTER, and takes one
	 * of the principal's MaxConcurrentOperationsPerUser contexts.  Returns
	 * the context, or NULL with the fault set on op.  The plugin then
	 * answers with enum_answer() (now or, pending, later) or gives the
	 * context up with enum_abort().
	 */
	struct winrmd_enum *(*enum_begin)(struct winrmd_op *op,
		    const struct winrmd_enum_source *src, unsigned flags);
	/*
	 * Answers the Enumerate op: the context e takes the iterator `it'
	 * (src->release() frees it, whatever happens), items go in the
	 * answer if the client asked for OptimizeEnumeration, and the rest
	 * waits for Pull.  epr_uri: the ResourceURI of the items' EPRs.
	 * WINRMD_OK or WINRMD_FAULT.
	 */
	int	(*enum_answer)(struct winrmd_op *op, struct winrmd_enum *e,
		    void *it, const char *epr_uri);
	/* gives up a context begun and not answered (NULL is fine) */
	void	(*enum_abort)(struct winrmd_enum *e);
	/*
	 * Answers a Pull or a Release (op's body): only contexts of src that
	 * the same principal began are found; any other is
	 * wsen:InvalidEnumerationContext.  WINRMD_OK or WINRMD_FAULT.
	 */
	int	(*enum_pull)(struct winrmd_op *op,
		    const struct winrmd_enum_source *src);
	int	(*enum_release)(struct winrmd_op *op,
		    const struct winrmd_enum_source *src);
	/* adds a selector to an item's EPR (copied); 0 or -ENOMEM */
	int	(*epr_selector)(struct winrmd_epr *epr, const char *name,
		    const char *value);
	/*
	 * Whether the daemon offers an authentication scheme now ("Basic",
	 * "Negotiate", "Kerberos", "Certificate"): switched on in [Auth] and
	 * usable (a keytab, an NTLM user file, an HTTPS listener with the
	 * client CAs).  When it does not, *why (unless why is NULL) says why,
	 * for a log line.  What `winrm get winrm/config' reports.
	 */
	bool	(*auth_offered)(const char *scheme, const char **why);
	/*
	 * Changes keys of the configuration file (`winrm set winrm/config'):
	 * each set[i].key = set[i].value in [set[i].section], in place (the
	 * file's comments and order stay).  The new file is checked as
	 * `winrmd -t' checks it before it replaces the old one atomically,
	 * then the daemon reloads it as on SIGHUP.  0: applied; 1: written
	 * and reloaded, but msg names keys that are read only at start
	 * (WINRMD_SETTING_RESTART) and take effect at the next restart;
	 * -EINVAL: refused (a bad value, an unknown key: msg says which),
	 * nothing written; -ENOENT: the daemon runs without a file; another
	 * -errno: the file could not be written (msg), nothing changed.
	 * Called from an operation (the loop thread); the reload runs the
	 * plugins' reload() before it returns.
	 */
	int	(*conf_set)(const struct winrmd_conf_change *set, size_t n,
		    char *msg, size_t msglen);
	/*
	 * The daemon's i-th listener (from 0), enabled or not, into *out
	 * (its strings last until the op returns): false past the last.
	 * What `winrm enumerate winrm/config/listener' shows.
	 */
	bool	(*listener)(size_t i, struct winrmd_listener *out);
	/*
	 * A login session for p, from the client rhost, for the shell (or
	 * runspace pool) id: the PAM session of [Auth] PamService
	 * (pam_open_session, pam_setcred) and a utmp/wtmp entry, held by a
	 * helper process of the daemon; a plugin never calls PAM itself.
	 * fn runs once, later, on the loop thread, with the session and the
	 * environment PAM set (the plugin gives it to the session's
	 * processes), or with NULL and why; not once the daemon is stopping.
	 * Returns 0, or -errno (fn will not run).  session_close ends it
	 * (pam_close_session, the utmp entry marked dead); NULL is fine.
	 * An id beginning with WINRMD_SESSION_SPARE_PREFIX is a session opened
	 * ahead of need: its helper opens it below the daemon's priority.
	 */
	int	(*session_open)(const struct winrmd_principal *p,
		    const char *rhost, const char *id, winrmd_session_fn fn,
		    void *arg);
	void	(*session_close)(struct winrmd_session *s);
	/*
	 * Sends sig to pid, or with group to its process group (kill(2)),
	 * a process host->spawn or spawn_detached started: under privilege
	 * separation the daemon's network part may not signal the users'
	 * processes itself, the monitor does it for the processes it
	 * started.  0 or -errno.  Check with WINRMD_HOST_HAS.
	 */
	int	(*signal)(pid_t pid, int sig, bool group);
	/*
	 * SIGKILL to every process of uid whose environment holds entry
	 * ("NAME=value"): the processes of a shell that left its process
	 * groups, found by a variable every command started with.  How
	 * many were killed, or -errno.  Check with WINRMD_HOST_HAS.
	 */
	int	(*kill_marked)(uid_t uid, const char *entry);
	/*
	 * SIGKILL to pid on p's behalf (Win32_Process.Terminate), with the
	 * rights Windows gives an administrator and the kernel a user: root
	 * any process but init and the daemon's own root process, another
	 * account only a process whose real or saved uid is its own.  Under
	 * privilege separation the daemon's root monitor decides, for the
	 * account it looks up itself, and logs who, what and the result.
	 * 0, -EPERM (not p's to end), -ESRCH (gone), -errno.  Check with
	 * WINRMD_HOST_HAS.
	 */
	int	(*terminate)(const struct winrmd_principal *p, pid_t pid);
	/*
	 * Keeping work across a restart (docs/DESIGN.md §8.4).  In fini(),
	 * keep() gives the daemon a record (opaque, at most 128 KiB) and up
	 * to 5 descriptors, fds[pidfd] a pidfd (or pidfd -1), to hand to a
	 * keeper that holds them for grace_s seconds (the longest asked) for
	 * the next daemon; the daemon owns the descriptors from then on,
	 * failure or not.  0 or -errno.  In init(), kept() takes the next
	 * record kept under tag before the restart: 1 with data (free() it),
	 * its descriptors (the caller's) and pidfd's index, 0 when none is
	 * left.  exit_status() gives the wait status of an exited process
	 * that is not the daemon's child (a kept one), by its pidfd: 0,
	 * -EAGAIN not yet (or its new parent has not reaped it), -EOPNOTSUPP
	 * on kernels before 6.15 (there a kept process's status comes from a
	 * status pipe: spawn_status).  Check with WINRMD_HOST_HAS.
	 */
	int	(*keep)(const char *tag, const void *data, size_t len,
		    const int *fds, int nfds, int pidfd, unsigned grace_s);
	int	(*kept)(const char *tag, void **data, size_t *len, int *fds,
		    int *nfds, int *pidfd);
	int	(*exit_status)(int pidfd, int *wstatus);
	/* forgets g without killing its processes: they were kept */
	void	(*group_release)(struct winrmd_group *g);
	/*
	 * Where exit_status() cannot give a kept process's status
	 * (exit_status_kept() < 0), a process that may be kept runs under
	 * a reaper parent of its own (winrmd-stdin-watch -r), which writes
	 * the wait status of its child (an int) on a status pipe before it
	 * exits: spawn_status() is spawn() with that pipe, its write end
	 * the child's descriptor 3, its read end (O_NONBLOCK, close-on-exec,
	 * the caller's) in *status_fd; it is kept with the process (keep():
	 * one of its 5 descriptors).  exit_status_kept(): 0 when pidfds
	 * keep an exit status (PIDFD_INFO_EXIT, Linux 6.15), else
	 * -EOPNOTSUPP; probed once.  Check with WINRMD_HOST_HAS.
	 */
	int	(*spawn_status)(const struct winrmd_spawn_req *req,
		    struct winrmd_child *ret, int *status_fd);
	int	(*exit_status_kept)(void);
	/*
	 * spawn() off the loop thread, for a process started ahead of need
	 * (a spawn waits for the exec, and on a loaded host for the cgroup
	 * writes: tens of milliseconds the loop would not serve requests):
	 * req is copied (req->group must stay until fn), the spawn runs on
	 * a worker thread, and fn runs later on the loop thread, once, with
	 * spawn()'s result and the child (valid during the call).  0, or
	 * -errno (fn is then not called).  Check with WINRMD_HOST_HAS.
	 */
	int	(*spawn_async)(const struct winrmd_spawn_req *req,
		    winrmd_spawned_fn fn, void *arg);
};

/*
 * Whether the daemon offers a service added after the first ABI 2 release
 * (a plugin may run under an older daemon): WINRMD_HOST_HAS(host, member).
 */
#define WINRMD_HOST_HAS(h, member)					\
	((h)->size >= offsetof(struct winrmd_host, member) +		\
	    sizeof((h)->member) && (h)->member != NULL)

/*
 * Settings: what a plugin reads from winrmd.conf (host->conf_*), declared
 * in its struct winrmd_plugin so that the daemon checks them as it checks
 * its own keys: `winrmd -t', the start and every reload refuse a key of the
 * plugin's sections that it does not declare, or a bad value, naming
 * FILE:LINE; `winrmd --example-config' lists them with their defaults.
 * A section belongs to the modules that declare keys in it (never to the
 * daemon's own: [Listener], [Service], [Auth], [CertMapping], [Plugins]);
 * two modules may declare the same key (a plugin that shows another's
 * settings), if they declare it alike.
 */
enum winrmd_setting_type {
	WINRMD_SETTING_STRING,	/* any text */
	WINRMD_SETTING_BOOL,	/* true/false, yes/no, on/off, 1/0, any case */
	WINRMD_SETTING_UINT,	/* a decimal number within [min, max] */
	WINRMD_SETTING_ENUM,	/* one of `choices' ("auto|pwsh|sh"), any case */
	WINRMD_SETTING_LIST,	/* words separated by blanks or commas */
};

/* read only at start: a reload that changes it logs that it waits */
#define WINRMD_SETTING_RESTART	0x1u

struct winrmd_setting {
	const char	*section;	/* "Winrs"; NULL ends a table */
	const char	*key;		/* "IdleTimeout" */
	enum winrmd_setting_type type;
	const char	*def;		/* the default, as the file writes it */
	unsigned long long min, max;	/* WINRMD_SETTING_UINT */
	const char	*choices;	/* WINRMD_SETTING_ENUM: '|'-separated */
	const char	*help;		/* one line, for --example-config */
	unsigned	 flags;		/* WINRMD_SETTING_* */
};

/*
 * What a plugin's declare() gets: the configuration being read, and where
 * the settings of the modules it loads itself go.
 */
struct winrmd_declare {
	/*
	 * a declared setting of the file being read (its default if the
	 * file has none), as text; NULL for a key nobody declared
	 */
	const char *(*value)(const struct winrmd_declare *d,
		    const char *section, const char *key);
	/*
	 * declares the settings of a module (`module' names it for the
	 * administrator: "provider win32"); 0, or -1 when the daemon refuses
	 * them (it says why)
	 */
	int	(*add)(const struct winrmd_declare *d, const char *module,
		    const struct winrmd_setting *settings);
	void	*ctx;	/* the daemon's */
};

/* One ResourceURI prefix and the actions a plugin serves under it. */
typedef int (*winrmd_op_fn)(struct winrmd_op *op, void *state);

struct winrmd_action {
	const char	*action;	/* full Action URI, or WINRMD_ACTION_ANY */
	winrmd_op_fn	 fn;
};

/*
 * An action entry that takes every Action the resource's other entries do
 * not name (CIM method invocation: the Action is ResourceURI/Method).  The
 * operation answers ActionNotSupported itself for what it does not know.
 */
#define WINRMD_ACTION_ANY	"*"

struct winrmd_resource {
	const char			*uri;	/* prefix, matched case-insensitively */
	const struct winrmd_action	*actions;	/* ends with { NULL, NULL } */
};

struct winrmd_plugin {
	uint32_t	 abi;		/* WINRMD_PLUGIN_ABI */
	uint32_t	 size;		/* sizeof(struct winrmd_plugin) */
	const char	*name;
	const char	*version;
	/* 0 or -errno; *ret_state is passed back to every operation */
	int	(*init)(const struct winrmd_host *host, void **ret_state);
	/* complete every pending op, stop every child, free everything */
	void	(*fini)(void *state);
	/* the configuration was reloaded (SIGHUP); may be NULL */
	void	(*reload)(void *state);
	const struct winrmd_resource *resources;	/* ends with { NULL, NULL } */
	/* the settings the plugin reads (ends with { NULL }), or NULL */
	const struct winrmd_setting *settings;
	/*
	 * optional: declares the settings of the modules the plugin loads
	 * itself (the cim plugin's class providers), which its own settings
	 * name, with d->add().  Called with its own settings read, before
	 * init() and whenever the file is read again (-t, --example-config,
	 * SIGHUP), on the loop thread; it may use nothing of the host.
	 * 0, or -1 (the configuration is refused).
	 */
	int	(*declare)(const struct winrmd_declare *d);
	void	*reserved[8];
};

const struct winrmd_plugin *winrmd_plugin_entry(void);

#endif /* WINRMD_PLUGIN_H */
