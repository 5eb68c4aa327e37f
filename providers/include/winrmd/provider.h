/*
 * winrmd CIM provider ABI: the only header a class provider includes.
 *
 * A provider is a shared object exporting winrmd_provider_entry(), which
 * returns a const struct cim_provider listing classes.  The cim plugin
 * (plugins/cim) loads providers, owns everything WS-Man about classes
 * (resource URIs, selectors, WQL and selector filters, enumeration contexts,
 * the instance XML Windows sends) and calls providers only to:
 *   - enumerate the instances of a class,
 *   - get one instance by its keys (optional: else enumerate + match),
 *   - invoke a method.
 * Providers never see XML.  They describe each class by a property table
 * and fill instances through the services table with typed values, by
 * property index (the position in the class's property table).
 *
 * Threading: every call into a provider happens on the daemon's event-loop
 * thread and must not block.  Work that can take long (a BMC, a D-Bus call,
 * a child process) returns CIM_PENDING and later calls svc->complete(ctx)
 * from a callback on the loop thread (providers may use threads of their own
 * and svc->post() to get back onto the loop thread).
 */
#ifndef WINRMD_PROVIDER_H
#define WINRMD_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <winrmd/plugin.h>

/*
 * 2: providers declare their settings (struct cim_provider.settings);
 * svc->post() names the services table it is called on
 */
#define WINRMD_PROVIDER_ABI	2

enum cim_type {
	CIM_BOOLEAN,
	CIM_SINT8, CIM_UINT8, CIM_SINT16, CIM_UINT16,
	CIM_SINT32, CIM_UINT32, CIM_SINT64, CIM_UINT64,
	CIM_REAL32, CIM_REAL64,
	CIM_CHAR16,
	CIM_STRING,
	CIM_DATETIME,	/* a point in time: cim:Datetime */
	CIM_INTERVAL,	/* a duration: cim:Interval */
};

#define CIM_KEY		0x1u	/* part of the instance's identity (selectors) */
#define CIM_ARRAY	0x2u	/* zero or more values */
/*
 * on the keys of a class that has exactly one instance (WMI's [Singleton],
 * e.g. Win32_OperatingSystem): a Get or a method call without selectors
 * addresses that instance, as `winrm get wmicimv2/Win32_OperatingSystem'
 * does on Windows
 */
#define CIM_SINGLETON	0x4u

struct cim_property {
	const char	*name;
	enum cim_type	 type;
	unsigned	 flags;
};

/* return values of provider calls */
enum cim_status {
	CIM_OK		= 0,
	CIM_PENDING	= 1,	/* svc->complete(ctx) follows */
	CIM_ERROR	= -1,	/* svc->fail(ctx, ...) was called */
};

struct cim_ctx;		/* one provider call in progress */
struct cim_instance;	/* an instance being filled */

struct cim_method {
	const char			*name;		/* "Create" */
	bool				 is_static;	/* no selectors needed */
	const struct cim_property	*in;		/* parameters; CIM_KEY unused */
	size_t				 nin;
	const struct cim_property	*out;		/* besides ReturnValue */
	size_t				 nout;
	/*
	 * target: the instance the method is invoked on (NULL when static),
	 * read with svc->get_*.  in: the parameters, by index in `in'.  out:
	 * set its values by index in `out', and ReturnValue with
	 * svc->set_return().
	 */
	int	(*invoke)(struct cim_ctx *ctx, const struct cim_instance *target,
		    const struct cim_instance *in, struct cim_instance *out,
		    void *state);
};

struct cim_class {
	const char			*name;		/* "Win32_Process" */
	const char			*ns;		/* "root/cimv2" */
	const char			*aliases;	/* other names, space-separated, or NULL */
	const struct cim_property	*props;
	size_t				 nprops;
	const struct cim_method		*methods;
	size_t				 nmethods;
	/* emit every instance with svc->emit(); CIM_OK when done */
	int	(*enumerate)(struct cim_ctx *ctx, void *state);
	/*
	 * optional: emit the instance whose keys are `keys' (an instance with
	 * only the CIM_KEY properties set), or none.  NULL: enumerate and match.
	 */
	int	(*get)(struct cim_ctx *ctx, const struct cim_instance *keys,
		    void *state);
};

/* Services of the cim plugin to providers.  Grows only at the end. */
struct cim_services {
	uint32_t	abi;
	uint32_t	size;
	const struct winrmd_host *host;	/* the daemon's services: log, spawn, timers */

	/* --- the call in progress --- */
	const struct winrmd_principal *(*principal)(const struct cim_ctx *ctx);
	const struct cim_class *(*class_of)(const struct cim_ctx *ctx);
	/* a new instance of the call's class (or of `in'/`out' for methods) */
	struct cim_instance *(*instance)(struct cim_ctx *ctx);
	/* hands an instance over (enumerate/get); false: stop, enough */
	bool	(*emit)(struct cim_ctx *ctx, struct cim_instance *inst);
	/* ends a call that returned CIM_PENDING (after emit()s / out values) */
	void	(*complete)(struct cim_ctx *ctx);
	/* sets a fault for the client; returns CIM_ERROR */
	int	(*fail)(struct cim_ctx *ctx, enum winrmd_fault fault,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
	/* a method's ReturnValue (uint32) */
	void	(*set_return)(struct cim_instance *out, uint32_t value);

	/* --- setting values (index into the property table); unset = NULL --- */
	void	(*set_bool)(struct cim_instance *i, size_t prop, bool v);
	void	(*set_sint)(struct cim_instance *i, size_t prop, int64_t v);
	void	(*set_uint)(struct cim_instance *i, size_t prop, uint64_t v);
	void	(*set_real)(struct cim_instance *i, size_t prop, double v);
	void	(*set_string)(struct cim_instance *i, size_t prop, const char *v);	/* copied; NULL = null */
	/* seconds + microseconds since the epoch, shown in local time */
	void	(*set_datetime)(struct cim_instance *i, size_t prop, time_t sec,
		    long usec);
	void	(*set_interval)(struct cim_instance *i, size_t prop, uint64_t usec);
	/* arrays: each call appends one value */
	void	(*add_string)(struct cim_instance *i, size_t prop, const char *v);
	void	(*add_uint)(struct cim_instance *i, size_t prop, uint64_t v);
	void	(*add_sint)(struct cim_instance *i, size_t prop, int64_t v);

	/* --- reading values (keys of a Get, method targets and parameters) --- */
	bool	(*is_null)(const struct cim_instance *i, size_t prop);
	const char *(*get_string)(const struct cim_instance *i, size_t prop);	/* NULL if null */
	bool	(*get_uint)(const struct cim_instance *i, size_t prop, uint64_t *ret);
	bool	(*get_sint)(const struct cim_instance *i, size_t prop, int64_t *ret);
	bool	(*get_bool)(const struct cim_instance *i, size_t prop, bool *ret);

	/*
	 * --- the loop thread, from a provider's own thread ---
	 * fn(arg) runs on the loop thread; svc is the provider's table
	 * (init's), which says to which cim plugin the call goes
	 */
	int	(*post)(const struct cim_services *svc, void (*fn)(void *),
		    void *arg);
};

struct cim_provider {
	uint32_t		 abi;		/* WINRMD_PROVIDER_ABI */
	uint32_t		 size;		/* sizeof(struct cim_provider) */
	const char		*name;		/* "win32" */
	const char		*version;
	/* 0 or -errno; never blocks (start slow things in the background) */
	int	(*init)(const struct cim_services *svc, void **ret_state);
	/* every pending call completed, threads joined, memory freed */
	void	(*fini)(void *state);
	const struct cim_class *const *classes;	/* NULL-terminated */
	/*
	 * the settings the provider reads through svc->host->conf_* (its own
	 * section, plugin.h), ending with { NULL }; or NULL
	 */
	const struct winrmd_setting *settings;
	void			*reserved[8];
};

const struct cim_provider *winrmd_provider_entry(void);

#endif /* WINRMD_PROVIDER_H */
