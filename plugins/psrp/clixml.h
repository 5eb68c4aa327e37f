/*
 * clixml.h: PowerShell's serialisation format (CLIXML, MS-PSRP 2.2.5) as
 * a small in-memory value tree, its builders and accessors, a writer that
 * numbers objects and type-name lists as PowerShell does (RefId, Ref,
 * TNRef) and a reader bounded in depth, nodes and bytes for hostile input.
 *
 * Strings are UTF-8 with an explicit length: they may hold U+0000, and a
 * lone UTF-16 surrogate (which CLIXML can carry as _xD800_) is kept as its
 * 3-byte generalised UTF-8 form (ED A0 80), so a string read is written
 * back unchanged.  Values are reference counted: a <Ref> read, or one value
 * added twice to a tree, is shared, never copied.
 */
#ifndef WINRMD_PSRP_CLIXML_H
#define WINRMD_PSRP_CLIXML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum clixml_type {
	CLIXML_NIL,		/* Nil */
	CLIXML_BOOL,		/* B */
	CLIXML_CHAR,		/* C: one UTF-16 code unit, as a number */
	CLIXML_I8,		/* SB */
	CLIXML_U8,		/* By */
	CLIXML_I16,		/* I16 */
	CLIXML_U16,		/* U16 */
	CLIXML_I32,		/* I32 */
	CLIXML_U32,		/* U32 */
	CLIXML_I64,		/* I64 */
	CLIXML_U64,		/* U64 */
	CLIXML_FLOAT,		/* Sg */
	CLIXML_DOUBLE,		/* Db */
	CLIXML_DECIMAL,		/* D: kept as its text */
	CLIXML_STRING,		/* S */
	CLIXML_DATETIME,	/* DT: xs:dateTime text */
	CLIXML_DURATION,	/* TS: xs:duration text */
	CLIXML_GUID,		/* G */
	CLIXML_BYTES,		/* BA: the decoded bytes */
	CLIXML_VERSION,		/* Version: text */
	CLIXML_URI,		/* URI */
	CLIXML_XMLDOC,		/* XD: the document's text */
	CLIXML_SCRIPTBLOCK,	/* SBK */
	CLIXML_SECURESTRING,	/* SS: base64 of the ciphertext (session_key.h) */
	CLIXML_OBJECT,		/* Obj */
};

/* What an object holds besides its properties. */
enum clixml_coll {
	CLIXML_COLL_NONE,
	CLIXML_COLL_LST,	/* LST: lists and arrays */
	CLIXML_COLL_IE,		/* IE: other enumerables */
	CLIXML_COLL_STK,	/* STK: a stack */
	CLIXML_COLL_QUE,	/* QUE: a queue */
	CLIXML_COLL_DCT,	/* DCT: a dictionary (keys and values) */
};

struct clixml_value;

/* A property: N="name" and its value. */
struct clixml_prop {
	char			*p_name;
	struct clixml_value	*p_value;
};

/* A shared list of type names, most derived first (TN). */
struct clixml_types {
	unsigned	 t_refs;
	size_t		 t_n;
	char		*t_names[];
};

struct clixml_obj {
	struct clixml_types	*o_types;	/* NULL: no TN */
	char			*o_tostring;	/* NULL: no ToString */
	/* the primitive it wraps (an enum's I32), or NULL */
	struct clixml_value	*o_base;
	enum clixml_coll	 o_coll;
	/* the elements; of a DCT, keys and values alternate */
	struct clixml_value	**o_items;
	size_t			 o_nitems, o_capitems;
	struct clixml_prop	*o_props;	/* Props: adapted properties */
	size_t			 o_nprops, o_capprops;
	struct clixml_prop	*o_ms;		/* MS: extended (note) properties */
	size_t			 o_nms, o_capms;
	bool			 o_failed;	/* a builder ran out of memory */
	bool			 o_complete;	/* the reader closed it */
};

struct clixml_value {
	enum clixml_type	 v_type;
	unsigned		 v_refs;
	union {
		bool		 b;		/* BOOL */
		int64_t		 i;		/* I8, I16, I32, I64 */
		uint64_t	 u;		/* U8, U16, U32, U64, CHAR */
		double		 d;		/* FLOAT, DOUBLE */
		struct {
			char	*s;		/* NUL-terminated as well */
			size_t	 len;
		}		 str;		/* BYTES and the text types */
		uint8_t		 guid[16];	/* GUID, in text order */
		struct clixml_obj obj;		/* OBJECT */
	} v;
};

/*
 * Builders.  Each returns a new value with one reference, or NULL if out
 * of memory.  The adders take over the reference of the value they are
 * given, even when they fail; given a NULL value (a builder that failed)
 * they mark the object failed, and clixml_write() refuses a tree with a
 * failed object, so a message can be built without checking every step.
 */
struct clixml_value *clixml_new_nil(void);
struct clixml_value *clixml_new_bool(bool b);
struct clixml_value *clixml_new_char(uint16_t c);
/* I8, I16, I32, I64 (range not checked: the caller picks the type) */
struct clixml_value *clixml_new_int(enum clixml_type type, int64_t i);
/* U8, U16, U32, U64 */
struct clixml_value *clixml_new_uint(enum clixml_type type, uint64_t u);
struct clixml_value *clixml_new_i32(int32_t i);
struct clixml_value *clixml_new_i64(int64_t i);
/* FLOAT or DOUBLE */
struct clixml_value *clixml_new_double(enum clixml_type type, double d);
/* STRING from a NUL-terminated UTF-8 string; NULL s gives Nil */
struct clixml_value *clixml_new_string(const char *s);
struct clixml_value *clixml_new_stringn(const char *s, size_t len);
/* DECIMAL, DATETIME, DURATION, VERSION, URI, XMLDOC, SCRIPTBLOCK,
 * SECURESTRING from their text (not checked) */
struct clixml_value *clixml_new_text(enum clixml_type type, const char *s);
struct clixml_value *clixml_new_guid(const uint8_t guid[16]);
struct clixml_value *clixml_new_bytes(const void *p, size_t len);
/*
 * DT of a moment (seconds and nanoseconds since the epoch): in UTC with a
 * "Z" if utc_offset_min is 0 and utc, else with the offset ("+01:00"),
 * seven fractional digits as .NET writes them.
 */
struct clixml_value *clixml_new_datetime(int64_t sec, long nsec, bool utc,
		    int utc_offset_min);
/* TS of a duration in 100 ns ticks, as XmlConvert writes it ("PT1.5S") */
struct clixml_value *clixml_new_duration(int64_t ticks);

/*
 * An object with the given type names (a NULL-terminated array, most
 * derived first; NULL for none) and, if coll is not NONE, an empty
 * collection of that kind.
 */
struct clixml_value *clixml_new_obj(const char *const *types,
		    enum clixml_coll coll);
/* An enum: Obj with TN, ToString and the I32 */
struct clixml_value *clixml_new_enum(const char *const *types, int32_t v,
		    const char *tostring);
/* sets ToString (replacing any); NULL removes it */
int		 clixml_obj_set_tostring(struct clixml_value *obj,
		    const char *s);
int		 clixml_obj_add_ms(struct clixml_value *obj, const char *name,
		    struct clixml_value *v);
int		 clixml_obj_add_prop(struct clixml_value *obj,
		    const char *name, struct clixml_value *v);
/* sets the primitive an object wraps (replacing any) */
int		 clixml_obj_set_base(struct clixml_value *obj,
		    struct clixml_value *v);
/* appends to a LST/IE/STK/QUE */
int		 clixml_list_add(struct clixml_value *list,
		    struct clixml_value *v);
/* appends an entry to a DCT */
int		 clixml_dict_add(struct clixml_value *dict,
		    struct clixml_value *key, struct clixml_value *v);
/* a DCT entry with a string key */
int		 clixml_dict_add_str(struct clixml_value *dict,
		    const char *key, struct clixml_value *v);

/* Reference counting: NULL is allowed (and returned). */
struct clixml_value *clixml_ref(struct clixml_value *v);
void		 clixml_unref(struct clixml_value *v);

/*
 * Accessors: they take NULL and values of any type, and return borrowed
 * pointers (valid while the tree is).
 */
bool		 clixml_is_nil(const struct clixml_value *v);
/*
 * MS first, then Props; NULL if v is not an object or has no such name.
 * Names and dictionary keys match without regard to ASCII case, as
 * PowerShell's members and PSPrimitiveDictionary do.
 */
const struct clixml_value *clixml_member(const struct clixml_value *v,
		    const char *name);
/* a DCT's value for a string key */
const struct clixml_value *clixml_dict_get(const struct clixml_value *v,
		    const char *key);
size_t		 clixml_list_len(const struct clixml_value *v);
const struct clixml_value *clixml_list_at(const struct clixml_value *v,
		    size_t i);
/* the text of a STRING or text type, NULL otherwise (Nil included) */
const char	*clixml_str(const struct clixml_value *v, size_t *ret_len);
/*
 * Integer value of any integer type, CHAR, or an object wrapping one (an
 * enum); 0, or -1 if v is none of them or out of int64_t's range.
 */
int		 clixml_int(const struct clixml_value *v, int64_t *ret);
int		 clixml_bool(const struct clixml_value *v, bool *ret);
/* whether an object's type names include name */
bool		 clixml_has_type(const struct clixml_value *v,
		    const char *name);

/* Bounds of the reader. */
struct clixml_limits {
	size_t	max_bytes;	/* input size */
	size_t	max_depth;	/* nested elements */
	size_t	max_nodes;	/* values, properties and type names */
};
/* 16 MiB, depth 64, 1,000,000 nodes */
extern const struct clixml_limits clixml_default_limits;

/*
 * Reads one value from len bytes of CLIXML (the body of a message: one
 * element such as <Obj> or <S>; a UTF-8 BOM is skipped).  Refs and TNRefs
 * are resolved (to objects and type lists already closed: a Ref to an
 * enclosing object, a cycle, is refused); unknown elements inside an
 * object are skipped; a DTD is refused.  An empty body (white space at
 * most, as END_OF_PIPELINE_INPUT has) reads as Nil.  Returns the value (one
 * reference), or NULL with a reason in err (errlen bytes).
 */
struct clixml_value *clixml_read(const char *xml, size_t len,
		    const struct clixml_limits *lim, char *err, size_t errlen);

/*
 * Writes v as CLIXML (no XML declaration, no BOM): objects get RefIds from
 * 0, an object met again is a <Ref>, a type-name list met again a <TNRef>.
 * Strings are escaped as PowerShell does (_xHHHH_ for control characters,
 * surrogates, U+FFFE/U+FFFF and the "_x" of a literal "_x"); bytes that are
 * not UTF-8 become U+FFFD.  Returns a malloc'd NUL-terminated text and its
 * length in *ret_len, or NULL (out of memory, or a failed object in v).
 */
char		*clixml_write(const struct clixml_value *v, size_t *ret_len);

/*
 * PowerShell's string escaping alone (exposed for the tests and for text
 * that is not a value: N attributes, type names use it too).
 * clixml_escape returns a malloc'd NUL-terminated string; clixml_unescape
 * decodes _xHHHH_ and _xHHHHHHHH_ into UTF-8 (surrogate pairs joined,
 * lone ones kept as above) and returns a malloc'd string and its length.
 */
char		*clixml_escape(const char *s, size_t len, size_t *ret_len);
char		*clixml_unescape(const char *s, size_t len, size_t *ret_len);

#endif
