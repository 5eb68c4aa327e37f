/*
 * cim.h: the cim plugin's private header.  The plugin serves WMI/CIM classes
 * over WS-Man (Get, Enumerate/Pull/Release, Invoke) and hosts the class
 * providers of providers/include/winrmd/provider.h.  Prototypes are grouped
 * by the file that defines them, so this header is also the map of the code.
 * The plugin's state (the host table, the services given to providers,
 * the calls in flight, the class registry, the post queue) is one
 * struct cim, the `state' the daemon passes to every operation.
 * Everything runs on the daemon's event-loop thread; only post.c is touched
 * by providers' own threads.
 */
#ifndef WINRMD_CIM_H
#define WINRMD_CIM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <libxml/tree.h>

#include <winrmd/plugin.h>
#include <winrmd/provider.h>

#include "cim_value.h"
#include "principal.h"

#define NS_CIM_COMMON	"http://schemas.dmtf.org/wbem/wscim/1/common"
#define NS_WQL		"http://schemas.microsoft.com/wbem/wsman/1/WQL"
#define NS_SELECTOR_FILTER \
	"http://schemas.dmtf.org/wbem/wsman/1/wsman/SelectorFilter"
#define WSA_ANONYMOUS \
	"http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"

#define URI_WMI		"http://schemas.microsoft.com/wbem/wsman/1/wmi"
#define URI_DMTF	"http://schemas.dmtf.org/wbem/wscim/1"
#define URI_MSCIM	"http://schemas.microsoft.com/wbem/wscim/1"
#define CIM_SCHEMA2	"/cim-schema/2/"
#define DEFAULT_DMTF_NS	"root/hardware"	/* MS-WSMV 3.1.4.1.1 */
#define CIMNS_SELECTOR	"__cimnamespace"

#define CIM_NAME_MAX	128	/* class, property, method and namespace names */
#define CIM_URI_MAX	512

struct cim;	/* the plugin instance (below) */

/* ---------------------------------------------------------- registry */

struct cim_prov;

/* one name a class answers to (its name or an alias) */
struct cim_entry {
	const struct cim_class	*cls;
	struct cim_prov		*prov;
	char			 name[CIM_NAME_MAX];	/* as rendered */
	char			 ns[CIM_NAME_MAX];	/* '/'-separated */
	size_t			*order;		/* property indices by name */
};

/* --- providers.c: loading providers, the class registry --- */
/* loads [CIM] Providers; a provider that fails is logged and skipped */
int	 providers_load(struct cim *cim);
/* registers one provider definition (tests use it directly); 0 or -errno */
int	 providers_add(struct cim *cim, const struct cim_provider *def,
	    void *handle, const char *path);
void	 providers_unload(struct cim *cim);
/* the settings of every provider of [CIM] Providers (plugin.h declare()) */
int	 providers_declare(const struct winrmd_declare *d);
/* the class `name' in namespace `ns' (both case-insensitive), or NULL */
const struct cim_entry *registry_find(const struct cim *cim, const char *ns,
	    const char *name);
size_t	 registry_count(const struct cim *cim);
void	*prov_state(const struct cim_prov *p);
const char *prov_name(const struct cim_prov *p);
/* property indices 0..n-1 sorted by name, as Windows renders them;
 * malloc'd */
size_t	*props_order(const struct cim_property *props, size_t n);

/* --------------------------------------------------------------- uri */

enum uri_form {
	URI_FORM_WMI,	/* .../wsman/1/wmi/<ns>/<Class> */
	URI_FORM_DMTF,	/* .../wscim/1/cim-schema/2/<Class> + __cimnamespace */
};

struct cim_uri {
	enum uri_form	 form;
	bool		 all;		/* "*": every class, the filter names one */
	bool		 ns_selector;	/* __cimnamespace was given */
	char		 ns[CIM_NAME_MAX];
	char		 cls[CIM_NAME_MAX];	/* "" when all */
	char		 base[CIM_URI_MAX];	/* class URIs are base + Class */
};

/* --- uri.c: resource URIs --- */
/* parses a ResourceURI and the __cimnamespace selector (may be NULL);
 * 0, or a fault code with a message in err */
enum winrmd_fault uri_parse(const char *uri, const char *cimns,
	    struct cim_uri *ret, char *err, size_t errlen);
/* the resource URI of a class as the request's form writes it */
void	 uri_class(const struct cim_uri *u, const char *cls, char *buf,
	    size_t len);
/* "root\\cimv2" and "ROOT/CIMV2" name the same namespace */
bool	 ns_equal(const char *a, const char *b);

/* ---------------------------------------------------------- filters */

enum wql_cmp { WQL_EQ, WQL_NE, WQL_LT, WQL_LE, WQL_GT, WQL_GE };

enum wql_lit_kind { LIT_STRING, LIT_INT, LIT_REAL, LIT_BOOL, LIT_NULL };

struct wql_lit {
	enum wql_lit_kind kind;
	char		*s;
	int64_t		 i;	/* LIT_INT (also used when it fits) */
	uint64_t	 u;	/* LIT_INT: the magnitude for big values */
	bool		 neg;
	double		 r;
	bool		 b;
};

enum wql_node_kind {
	WQL_AND, WQL_OR, WQL_NOT, WQL_COMPARE, WQL_LIKE, WQL_ISNULL
};

struct wql_node {
	enum wql_node_kind kind;
	struct wql_node	*l, *r;		/* AND, OR; NOT uses l */
	char		*prop;		/* COMPARE, LIKE, ISNULL */
	ssize_t		 index;		/* bound property, -1 before */
	enum wql_cmp	 cmp;
	bool		 negate;	/* NOT LIKE, IS NOT NULL */
	struct wql_lit	 lit;
	union cim_scalar value;		/* the literal in the property's type */
	enum cim_type	 type;		/* of value */
	bool		 value_set;
};

struct wql_query {
	char		*cls;
	char		**select;	/* NULL when SELECT * */
	size_t		 nselect;
	struct wql_node	*where;		/* NULL: every instance */
	const struct cim_property *props;	/* bound class */
	size_t		 nprops;
};

/* --- wql.c: the WQL dialect --- */
/* parses `text'; NULL with a message in err on a syntax error */
struct wql_query *wql_parse(const char *text, char *err, size_t errlen);
/* resolves property names against a class; 0 or -EINVAL with err */
int	 wql_bind(struct wql_query *q, const struct cim_property *props,
	    size_t nprops, char *err, size_t errlen);
/* 1 true, 0 false, -1 unknown (NULL involved) */
int	 wql_eval(const struct wql_node *n, const struct cim_instance *i);
bool	 wql_match(const struct wql_query *q, const struct cim_instance *i);
void	 wql_free(struct wql_query *q);
/* LIKE with % _ and [set]; case-insensitive */
bool	 wql_like(const char *s, const char *pattern);

struct cim_filter {
	struct wql_query *wql;		/* WQL dialect */
	struct cim_instance *sel;	/* selector dialect: wanted values */
	bool		*keep;		/* projection: properties to render */
};

/* --- filter.c: filters of an Enumerate --- */
/* reads wsen:Filter or wsman:Filter of body (an n:Enumerate); *ret is NULL
 * without a filter.  For the all-classes URI, the class is taken from the
 * WQL FROM; otherwise `ent' must be that class. */
int	 filter_parse(const struct cim *cim, struct winrmd_op *op,
	    xmlNodePtr enumerate, const struct cim_uri *u,
	    const struct cim_entry **entp, struct cim_filter **ret);
/* parses a filter text/node for a class (unit tests); fault or 0 */
enum winrmd_fault filter_make_wql(const struct cim *cim, const char *text,
	    const struct cim_uri *u, const struct cim_entry **entp,
	    struct cim_filter **ret, char *err, size_t errlen);
enum winrmd_fault filter_make_selectors(xmlNodePtr set,
	    const struct cim_entry *ent, struct cim_filter **ret, char *err,
	    size_t errlen);
bool	 filter_match(const struct cim_filter *f, const struct cim_instance *i);
void	 filter_free(struct cim_filter *f);

/* ----------------------------------------------------------- render */

struct cim_view {
	const struct cim_entry *ent;
	char		 uri[CIM_URI_MAX];	/* the class's resource URI */
	char		 cimns[CIM_NAME_MAX];	/* to echo in EPRs; "": none */
	const bool	*keep;		/* projection, NULL: every property */
	bool		 precise_arrays;	/* msftwinrm:UsePreciseArrays */
};

/* --- render.c: instance XML as Windows writes it (docs/PROTOCOL.md Part C §1.4) --- */
/* <p:Class ...> as the last child of parent (one text node: the element
 * written out); NULL on failure */
xmlNodePtr render_instance(xmlNodePtr parent, const struct cim_view *v,
	    const struct cim_instance *i);
/* a copy of what render_instance() made (done), as the last child of
 * parent, whose scope must declare the same prefixes; NULL on failure */
xmlNodePtr render_again(xmlNodePtr parent, xmlNodePtr done);
/* <w:XmlFragment> of the selected properties (WQL SELECT a,b) */
xmlNodePtr render_fragment(xmlNodePtr parent, const struct cim_view *v,
	    const struct cim_instance *i);
/* an enumerated object: the fragment when the view selects, else the
 * instance */
xmlNodePtr render_object(xmlNodePtr parent, const struct cim_view *v,
	    const struct cim_instance *i);
/*
 * The selectors of the instance's EPR, by add(arg, name, value): its keys
 * by name (texts made valid UTF-8), then __cimnamespace for DMTF
 * requests.  0, or the first add()'s or -ENOMEM's error.
 */
int	 render_keys(const struct cim_view *v, const struct cim_instance *i,
	    int (*add)(void *arg, const char *name, const char *value),
	    void *arg);
/* <p:Method_OUTPUT> with the out parameters and ReturnValue */
xmlNodePtr render_output(xmlNodePtr parent, const char *uri,
	    const struct cim_method *m, const struct cim_instance *out);

/* ------------------------------------------------------------ calls */

enum call_kind { CALL_ENUMERATE, CALL_GET, CALL_INVOKE };

/* one provider call in progress (struct cim_ctx of provider.h) */
struct cim_ctx {
	struct cim_ctx		*next;		/* calls in flight */
	struct cim		*cim;
	enum call_kind		 kind;
	const struct cim_entry	*ent;
	struct user_copy	 user;
	/* CALL_ENUMERATE, CALL_GET: emitted instances go to the sink, which
	 * takes them; it returns false when it wants no more */
	struct cim_instance	*keys;
	bool			(*sink)(struct cim_ctx *c, struct cim_instance *i);
	/* CALL_INVOKE */
	const struct cim_method	*method;
	struct cim_instance	*target, *in, *out;
	/* the caller's */
	void			(*done)(struct cim_ctx *c);
	void			*arg;
	struct winrmd_op	*op;
	/* state */
	bool			 in_provider, pending, completed, stopped;
	bool			 orphaned;	/* the op was answered without us */
	size_t			 emitted;
	enum winrmd_fault	 fault;
	char			 detail[48];
	char			 reason[384];
	struct winrmd_timer	*timer;
};

enum { CALL_DONE = 0, CALL_PENDING = 1 };

/* --- call.c: calling providers --- */
struct cim_ctx *call_new(struct cim *cim, enum call_kind kind,
	    const struct cim_entry *ent, struct winrmd_op *op);
/* runs the call: CALL_DONE (results in c; the caller frees c with
 * call_free) or CALL_PENDING (c->done(c) runs later; c is freed after) */
int	 call_run(struct cim_ctx *c);
void	 call_free(struct cim_ctx *c);
/* sets the call's fault (first one wins) */
void	 call_fail(struct cim_ctx *c, enum winrmd_fault f, const char *detail,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* answers every pending call with fault (shutdown) */
void	 call_abort_all(struct cim *cim, enum winrmd_fault f);
void	 call_free_all(struct cim *cim);
void	 call_services(struct cim_services *svc);

/* --- post.c: svc->post(), from providers' threads to the loop --- */
struct post_item;
int	 post_init(struct cim *cim);
/* svc->post(): from any thread */
int	 post_call(const struct cim_services *svc, void (*fn)(void *),
	    void *arg);
/* runs what is queued now (the loop thread) */
void	 post_run(struct cim *cim);
void	 post_fini(struct cim *cim);

/* ----------------------------------------------------------- plugin */

#define MAX_PROVIDERS	64

/* the plugin instance: init's *ret_state, every operation's `state' */
struct cim {
	const struct winrmd_host *host;
	struct cim_services	 svc;		/* what providers are given */
	struct cim_ctx		*calls;		/* pending or orphaned */
	/* providers.c: the providers and the class registry */
	struct cim_prov		*provs[MAX_PROVIDERS];
	size_t			 nprovs;
	struct cim_entry	*entries;
	size_t			 nentries, capentries;
	/* post.c: calls posted by providers' threads */
	pthread_mutex_t		 post_lock;
	struct post_item	*post_head, *post_tail;
	int			 post_fd;
	struct winrmd_watch	*post_watch;
	/* get.c: the Gets of this pass of the loop, by class and keys */
	struct get_batch	*gets;
	struct winrmd_timer	*gets_timer;
};

/* the instance whose services table svc is */
static inline struct cim *
cim_of(const struct cim_services *svc)
{
	return (struct cim *)((const char *)svc - offsetof(struct cim, svc));
}

/* ------------------------------------------------------- operations */

/* --- cim.c: the plugin, common request checks --- */
/* a fault for any Option with MustComply="true"; WINRMD_OK otherwise */
int	 cim_check_options(const struct cim *cim, struct winrmd_op *op);
/* the request's URI parsed and its class found (not for "*") */
int	 cim_resolve(const struct cim *cim, struct winrmd_op *op,
	    struct cim_uri *u, const struct cim_entry **ret);
/* an instance of the key properties from the request's selectors */
int	 cim_keys_from_selectors(const struct cim *cim, struct winrmd_op *op,
	    const struct cim_entry *ent, struct cim_instance **ret);
/* the class's view for rendering in this request */
void	 cim_view_init(const struct cim *cim, struct cim_view *v,
	    struct winrmd_op *op, const struct cim_uri *u,
	    const struct cim_entry *ent);
/* copies the call's fault to the op; returns WINRMD_FAULT */
int	 cim_call_fault(struct winrmd_op *op, const struct cim_ctx *c);
/* element children helpers (any namespace when ns is NULL) */
xmlNodePtr cim_child(xmlNodePtr parent, const char *ns, const char *name);
bool	 cim_is(xmlNodePtr n, const char *ns, const char *name);
char	*cim_text(xmlNodePtr n);	/* trimmed content, malloc'd */

/* --- get.c: WS-Transfer Get --- */
int	 cim_op_get(struct winrmd_op *op, void *state);
/* answers the Gets still waiting for the end of the pass (stopping) */
void	 get_abort_all(struct cim *cim);
typedef int (*lookup_fn)(struct winrmd_op *op, struct cim_ctx *c, void *arg);
/*
 * Finds the instance `keys' names (Get, instance methods): by the class's
 * get() if it has one, else by enumerating and matching.  Takes `keys'.
 * found(op, c, arg) runs once, inline or later, with the instance in
 * c->target (NULL: none; found may take it) or the fault in c->fault, and
 * returns the op's status; when it runs later, a status other than
 * WINRMD_PENDING completes the op.
 */
int	 get_lookup(struct cim *cim, struct winrmd_op *op,
	    const struct cim_entry *ent, struct cim_instance *keys,
	    lookup_fn found, void *arg);

/* --- enum.c: Enumerate, Pull, Release on the daemon's WS-Enumeration --- */
struct cim_enum;
/* the iterator over an enumeration's instances, for host->enum_* */
extern const struct winrmd_enum_source cim_enum_source;
/* an iterator for the view (copied) that takes the filter; NULL: no memory */
struct cim_enum *cim_enum_new(const struct winrmd_host *host,
	    const struct cim_view *v, struct cim_filter *filter);
/* appends an instance (taken), with only the view's properties kept */
void	 cim_enum_add(struct cim_enum *it, struct cim_instance *i);
int	 cim_op_enumerate(struct winrmd_op *op, void *state);
int	 cim_op_pull(struct winrmd_op *op, void *state);
int	 cim_op_release(struct winrmd_op *op, void *state);

/* --- invoke.c: methods (Action = ResourceURI/Method) --- */
int	 cim_op_invoke(struct winrmd_op *op, void *state);

#endif /* WINRMD_CIM_H */
