/*
 * cim_value.h: typed CIM values and instances (a value per property of a
 * table), and the members of cim_services that set and read them
 * (inst_services): the one mapping of providers' values, shared by the cim
 * plugin and winrmd-native's Get-CimInstance (native/ps_cim.c), built as
 * plugins/cim/libcimvalue.la.  value.c and instance.c; no XML, no host
 * but the log an instance is given.
 */
#ifndef WINRMD_CIM_VALUE_H
#define WINRMD_CIM_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <winrmd/provider.h>

/* ------------------------------------------------------------ values */

struct cim_dt {
	int64_t		 sec;	/* since the epoch, UTC */
	int32_t		 usec;
};

union cim_scalar {
	bool		 b;
	int64_t		 s;	/* signed integers */
	uint64_t	 u;	/* unsigned integers, char16, interval (us) */
	double		 r;
	char		*str;	/* owned */
	struct cim_dt	 dt;
};

struct cim_val {
	bool		 set;	/* false: NULL */
	uint32_t	 n, cap;	/* arrays: values in a */
	union cim_scalar v;	/* scalars */
	union cim_scalar *a;
};

/*
 * An instance: a value per property of a table (a class's properties or a
 * method's parameters).  Providers see it as struct cim_instance.
 */
struct cim_instance {
	const struct cim_property *props;
	size_t		 nprops;
	/* where a provider's misuse of it is logged; NULL: nowhere */
	const struct winrmd_host *host;
	struct cim_val	*vals;
	bool		 has_ret;	/* method output: ReturnValue */
	uint32_t	 ret;
	struct cim_instance *next;	/* in a list (enumeration results) */
};

/* --- value.c: parsing, formatting and comparing typed values --- */
bool	 cim_type_is_signed(enum cim_type t);
bool	 cim_type_is_unsigned(enum cim_type t);
bool	 cim_type_is_integer(enum cim_type t);
bool	 cim_type_in_range(enum cim_type t, bool is_signed, uint64_t raw);
/* text -> value of type t: 0 or -EINVAL (strings are copied: free with
 * cim_scalar_done) */
int	 cim_value_parse(enum cim_type t, const char *text, union cim_scalar *ret);
void	 cim_scalar_done(enum cim_type t, union cim_scalar *v);
/* the text of a value as instance XML shows it (datetimes and intervals:
 * the cim:Datetime / cim:Interval content); buf holds at least 80 bytes;
 * returns buf or the string itself */
const char *cim_value_text(enum cim_type t, const union cim_scalar *v,
	    char *buf, size_t len);
/* "2024-04-03T14:45:50.468750+02:00", local time; 0 or -EINVAL */
int	 cim_format_datetime(const struct cim_dt *dt, char *buf, size_t len);
/* "P0DT0H1M40S" (xs:duration as Windows writes it) */
void	 cim_format_interval(uint64_t usec, char *buf, size_t len);
/* xs:dateTime or DMTF yyyymmddHHMMSS.mmmmmmsUUU; 0 or -EINVAL */
int	 cim_parse_datetime(const char *s, struct cim_dt *ret);
/* xs:duration or DMTF ddddddddHHMMSS.mmmmmm:000; 0 or -EINVAL */
int	 cim_parse_interval(const char *s, uint64_t *ret_usec);
/* equality as selectors see it: strings case-insensitive */
bool	 cim_value_equal(enum cim_type t, const union cim_scalar *a,
	    const union cim_scalar *b);
/* <0, 0, >0; strings case-insensitive */
int	 cim_value_cmp(enum cim_type t, const union cim_scalar *a,
	    const union cim_scalar *b);

/* --- instance.c: instances and the value services of cim_services --- */
struct cim_instance *inst_new(const struct cim_property *props, size_t nprops);
void	 inst_free(struct cim_instance *i);		/* NULL is fine */
void	 inst_free_list(struct cim_instance *head);
/* sets a scalar (copied) or appends to an array; 0 or -errno */
int	 inst_set(struct cim_instance *i, size_t prop, const union cim_scalar *v);
int	 inst_add(struct cim_instance *i, size_t prop, const union cim_scalar *v);
void	 inst_set_null(struct cim_instance *i, size_t prop);
/* parses text into the property's type; 0, -EINVAL or -ENOMEM */
int	 inst_set_text(struct cim_instance *i, size_t prop, const char *text);
int	 inst_add_text(struct cim_instance *i, size_t prop, const char *text);
/* property index by name (case-insensitive), or -1 */
ssize_t	 props_find(const struct cim_property *props, size_t n, const char *name);
/* true when every CIM_KEY property of `keys' equals that of `i' */
bool	 inst_match_keys(const struct cim_instance *i,
	    const struct cim_instance *keys);
/* true when no CIM_KEY property of `keys' is set */
bool	 inst_keys_empty(const struct cim_instance *keys);
/* frees the values of properties that are neither keys nor in `keep' */
void	 inst_keep_only(struct cim_instance *i, const bool *keep);
/* fills the services' value members (set_*, add_*, is_null, get_*) */
void	 inst_services(struct cim_services *svc);

#endif /* WINRMD_CIM_VALUE_H */
