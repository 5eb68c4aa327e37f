/*
 * msg_parse.c: the messages a PSRP server receives (MS-PSRP 2.2.2), read
 * from their CLIXML value trees: session capability, runspace pool
 * creation and connection, runspace counts, the public key, host
 * responses and CREATE_PIPELINE's PowerShell object (2.2.3.11-12).
 * Properties are looked up by name wherever they are (MS or Props); a
 * missing mandatory one is an error that names it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "psrp_msgs.h"

static int bad(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static int
bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
get_i64(const struct clixml_value *v, const char *name, int64_t *ret,
    char *err, size_t errlen)
{
	const struct clixml_value *m = clixml_member(v, name);

	if (m == NULL)
		return bad(err, errlen, "no %s", name);
	if (clixml_int(m, ret) < 0)
		return bad(err, errlen, "%s is not an integer", name);
	return 0;
}

static int
get_i32(const struct clixml_value *v, const char *name, int32_t *ret,
    char *err, size_t errlen)
{
	int64_t i;

	if (get_i64(v, name, &i, err, errlen) < 0)
		return -1;
	if (i < INT32_MIN || i > INT32_MAX)
		return bad(err, errlen, "%s out of range", name);
	*ret = (int32_t)i;
	return 0;
}

/* a boolean member; absent or Nil gives def */
static int
get_bool(const struct clixml_value *v, const char *name, bool def,
    bool *ret, char *err, size_t errlen)
{
	const struct clixml_value *m = clixml_member(v, name);

	if (clixml_is_nil(m)) {
		*ret = def;
		return 0;
	}
	if (clixml_bool(m, ret) < 0)
		return bad(err, errlen, "%s is not a boolean", name);
	return 0;
}

static int
need_obj(const struct clixml_value *v, const char *what, char *err,
    size_t errlen)
{
	if (v == NULL || v->v_type != CLIXML_OBJECT)
		return bad(err, errlen, "%s is not an object", what);
	return 0;
}

/* a Version's text (two to four numbers): 0, or -1 */
static int
version_parse(const char *s, unsigned long v[4])
{
	int n = 0;
	char *end;

	memset(v, 0, 4 * sizeof(v[0]));
	for (;;) {
		if (*s < '0' || *s > '9')
			return -1;
		v[n++] = strtoul(s, &end, 10);
		s = end;
		if (*s == '\0')
			return 0;
		if (*s != '.' || n == 4)
			return -1;
		s++;
	}
}

int
psrp_version_cmp(const char *a, const char *b)
{
	unsigned long va[4], vb[4];
	int oka = version_parse(a, va) == 0, okb = version_parse(b, vb) == 0;

	if (!oka || !okb)
		return oka - okb;
	for (int i = 0; i < 4; i++)
		if (va[i] != vb[i])
			return va[i] < vb[i] ? -1 : 1;
	return 0;
}

int
psrp_parse_capability(const struct clixml_value *v,
    struct psrp_capability *ret, char *err, size_t errlen)
{
	static const char *const names[] = { "PSVersion", "protocolversion",
	    "SerializationVersion" };
	const char **out[] = { &ret->pc_ps_version, &ret->pc_protocol_version,
	    &ret->pc_serialization_version };

	if (need_obj(v, "SESSION_CAPABILITY", err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < 3; i++) {
		const struct clixml_value *m = clixml_member(v, names[i]);

		if (m == NULL || (*out[i] = clixml_str(m, NULL)) == NULL)
			return bad(err, errlen, "no %s", names[i]);
	}
	return 0;
}

static int
parse_host(const struct clixml_value *v, struct psrp_host_info *ret,
    char *err, size_t errlen)
{
	memset(ret, 0, sizeof(*ret));
	ret->ph_is_host_null = ret->ph_is_ui_null = ret->ph_is_rawui_null =
	    true;
	/* HostInfo Nil: no host at all */
	if (clixml_is_nil(v))
		return 0;
	if (need_obj(v, "HostInfo", err, errlen) < 0 ||
	    get_bool(v, "_isHostNull", true, &ret->ph_is_host_null, err,
	    errlen) < 0 ||
	    get_bool(v, "_isHostUINull", true, &ret->ph_is_ui_null, err,
	    errlen) < 0 ||
	    get_bool(v, "_isHostRawUINull", true, &ret->ph_is_rawui_null, err,
	    errlen) < 0 ||
	    get_bool(v, "_useRunspaceHost", false, &ret->ph_use_runspace_host,
	    err, errlen) < 0)
		return -1;
	ret->ph_default_data = clixml_member(v, "_hostDefaultData");
	if (clixml_is_nil(ret->ph_default_data))
		ret->ph_default_data = NULL;
	return 0;
}

int
psrp_parse_init_pool(const struct clixml_value *v, struct psrp_init_pool *ret,
    char *err, size_t errlen)
{
	const struct clixml_value *args;

	memset(ret, 0, sizeof(*ret));
	if (need_obj(v, "INIT_RUNSPACEPOOL", err, errlen) < 0 ||
	    get_i32(v, "MinRunspaces", &ret->pi_min_runspaces, err, errlen) < 0 ||
	    get_i32(v, "MaxRunspaces", &ret->pi_max_runspaces, err, errlen) < 0)
		return -1;
	/* enums: absent means their defaults (Default, Unknown) */
	if (clixml_member(v, "PSThreadOptions") != NULL &&
	    get_i32(v, "PSThreadOptions", &ret->pi_thread_options, err,
	    errlen) < 0)
		return -1;
	ret->pi_apartment_state = 2;
	if (clixml_member(v, "ApartmentState") != NULL &&
	    get_i32(v, "ApartmentState", &ret->pi_apartment_state, err,
	    errlen) < 0)
		return -1;
	if (parse_host(clixml_member(v, "HostInfo"), &ret->pi_host, err,
	    errlen) < 0)
		return -1;
	args = clixml_member(v, "ApplicationArguments");
	if (!clixml_is_nil(args)) {
		if (args->v_type != CLIXML_OBJECT ||
		    args->v.obj.o_coll != CLIXML_COLL_DCT)
			return bad(err, errlen,
			    "ApplicationArguments is not a dictionary");
		ret->pi_app_args = args;
	}
	if (ret->pi_min_runspaces < 1 ||
	    ret->pi_max_runspaces < ret->pi_min_runspaces)
		return bad(err, errlen, "MinRunspaces %d and MaxRunspaces %d",
		    ret->pi_min_runspaces, ret->pi_max_runspaces);
	return 0;
}

int
psrp_parse_connect_pool(const struct clixml_value *v,
    struct psrp_connect_pool *ret, char *err, size_t errlen)
{
	ret->pc_min_runspaces = ret->pc_max_runspaces = -1;
	/* the message may be empty of properties (2.2.2.32) */
	if (v == NULL || v->v_type != CLIXML_OBJECT)
		return 0;
	if (clixml_member(v, "MinRunspaces") != NULL &&
	    get_i32(v, "MinRunspaces", &ret->pc_min_runspaces, err, errlen) < 0)
		return -1;
	if (clixml_member(v, "MaxRunspaces") != NULL &&
	    get_i32(v, "MaxRunspaces", &ret->pc_max_runspaces, err, errlen) < 0)
		return -1;
	return 0;
}

int
psrp_parse_runspace_call(const struct clixml_value *v, uint32_t type,
    int32_t *ret_count, int64_t *ret_ci, char *err, size_t errlen)
{
	const char *count = NULL;

	if (type == PSRP_SET_MAX_RUNSPACES)
		count = "MaxRunspaces";
	else if (type == PSRP_SET_MIN_RUNSPACES)
		count = "MinRunspaces";
	else if (type != PSRP_GET_AVAILABLE_RUNSPACES &&
	    type != PSRP_RESET_RUNSPACE_STATE)
		return bad(err, errlen, "message type 0x%08X is no runspace call",
		    type);
	if (need_obj(v, psrp_msg_type_name(type), err, errlen) < 0 ||
	    get_i64(v, "ci", ret_ci, err, errlen) < 0)
		return -1;
	if (count != NULL && (ret_count == NULL ||
	    get_i32(v, count, ret_count, err, errlen) < 0))
		return -1;
	return 0;
}

int
psrp_parse_public_key(const struct clixml_value *v, const char **ret_b64,
    char *err, size_t errlen)
{
	if (need_obj(v, "PUBLIC_KEY", err, errlen) < 0)
		return -1;
	if ((*ret_b64 = clixml_str(clixml_member(v, "PublicKey"), NULL)) ==
	    NULL)
		return bad(err, errlen, "no PublicKey");
	return 0;
}

int
psrp_parse_host_response(const struct clixml_value *v,
    struct psrp_host_response *ret, char *err, size_t errlen)
{
	memset(ret, 0, sizeof(*ret));
	if (need_obj(v, "host response", err, errlen) < 0 ||
	    get_i64(v, "ci", &ret->hr_ci, err, errlen) < 0 ||
	    get_i32(v, "mi", &ret->hr_mi, err, errlen) < 0)
		return -1;
	ret->hr_mr = clixml_member(v, "mr");
	ret->hr_me = clixml_member(v, "me");
	if (clixml_is_nil(ret->hr_me))
		ret->hr_me = NULL;
	return 0;
}

static const char *const merge_names[PSRP_MERGE_COUNT] = {
	"MergeMyResult", "MergeToResult", "MergePreviousResults",
	"MergeError", "MergeWarning", "MergeVerbose", "MergeDebug",
	"MergeInformation",
};

static int
parse_cmd(const struct clixml_value *v, struct psrp_cmd *c, char *err,
    size_t errlen)
{
	const struct clixml_value *args, *m;
	size_t n;

	if (need_obj(v, "a command", err, errlen) < 0)
		return -1;
	if ((c->pc_cmd = clixml_str(clixml_member(v, "Cmd"), NULL)) == NULL)
		return bad(err, errlen, "a command without Cmd");
	if (get_bool(v, "IsScript", false, &c->pc_is_script, err, errlen) < 0)
		return -1;
	m = clixml_member(v, "UseLocalScope");
	if (clixml_is_nil(m))
		c->pc_use_local_scope = -1;
	else {
		bool b;

		if (clixml_bool(m, &b) < 0)
			return bad(err, errlen, "UseLocalScope is not a boolean");
		c->pc_use_local_scope = b;
	}
	for (size_t i = 0; i < PSRP_MERGE_COUNT; i++) {
		c->pc_merge[i] = -1;
		if (!clixml_is_nil(clixml_member(v, merge_names[i])) &&
		    get_i32(v, merge_names[i], &c->pc_merge[i], err, errlen) < 0)
			return -1;
	}
	args = clixml_member(v, "Args");
	if (clixml_is_nil(args) || (n = clixml_list_len(args)) == 0)
		return 0;
	if (args->v.obj.o_coll == CLIXML_COLL_DCT)
		return bad(err, errlen, "Args is not a list");
	if ((c->pc_args = calloc(n, sizeof(*c->pc_args))) == NULL)
		return bad(err, errlen, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct clixml_value *a = clixml_list_at(args, i);
		const struct clixml_value *name;

		if (need_obj(a, "an argument", err, errlen) < 0)
			return -1;
		name = clixml_member(a, "N");
		if (clixml_is_nil(name))
			c->pc_args[i].pa_name = NULL;
		else if ((c->pc_args[i].pa_name = clixml_str(name, NULL)) ==
		    NULL)
			return bad(err, errlen, "an argument's N is no string");
		c->pc_args[i].pa_value = clixml_member(a, "V");
		c->pc_nargs = i + 1;
	}
	return 0;
}

static int
parse_statement(const struct clixml_value *cmds, struct psrp_statement *s,
    char *err, size_t errlen)
{
	size_t n = clixml_list_len(cmds);

	if (cmds != NULL && cmds->v_type == CLIXML_OBJECT &&
	    cmds->v.obj.o_coll == CLIXML_COLL_DCT)
		return bad(err, errlen, "Cmds is not a list");
	if (n == 0)
		return 0;
	if ((s->ps_cmds = calloc(n, sizeof(*s->ps_cmds))) == NULL)
		return bad(err, errlen, "out of memory");
	for (size_t i = 0; i < n; i++) {
		s->ps_ncmds = i + 1;
		if (parse_cmd(clixml_list_at(cmds, i), &s->ps_cmds[i], err,
		    errlen) < 0)
			return -1;
	}
	return 0;
}

void
psrp_pipeline_clear(struct psrp_pipeline *p)
{
	for (size_t i = 0; i < p->pp_nstatements; i++) {
		struct psrp_statement *s = &p->pp_statements[i];

		for (size_t j = 0; j < s->ps_ncmds; j++)
			free(s->ps_cmds[j].pc_args);
		free(s->ps_cmds);
	}
	free(p->pp_statements);
	memset(p, 0, sizeof(*p));
}

int
psrp_parse_pipeline(const struct clixml_value *v, struct psrp_pipeline *ret,
    char *err, size_t errlen)
{
	const struct clixml_value *ps, *extra, *hist;
	size_t n;

	memset(ret, 0, sizeof(*ret));
	if (need_obj(v, "CREATE_PIPELINE", err, errlen) < 0 ||
	    get_bool(v, "NoInput", true, &ret->pp_no_input, err, errlen) < 0 ||
	    get_bool(v, "AddToHistory", false, &ret->pp_add_to_history, err,
	    errlen) < 0 ||
	    get_bool(v, "IsNested", false, &ret->pp_is_nested, err,
	    errlen) < 0 ||
	    parse_host(clixml_member(v, "HostInfo"), &ret->pp_host, err,
	    errlen) < 0)
		return -1;
	ret->pp_apartment_state = 2;
	if (!clixml_is_nil(clixml_member(v, "ApartmentState")) &&
	    get_i32(v, "ApartmentState", &ret->pp_apartment_state, err,
	    errlen) < 0)
		return -1;
	if (!clixml_is_nil(clixml_member(v, "RemoteStreamOptions")) &&
	    get_i32(v, "RemoteStreamOptions", &ret->pp_remote_stream_options,
	    err, errlen) < 0)
		return -1;
	ps = clixml_member(v, "PowerShell");
	if (need_obj(ps, "PowerShell", err, errlen) < 0 ||
	    get_bool(ps, "RedirectShellErrorOutputPipe", false,
	    &ret->pp_redirect_shell_error, err, errlen) < 0)
		return -1;
	hist = clixml_member(ps, "History");
	ret->pp_history = clixml_str(hist, NULL);
	extra = clixml_member(ps, "ExtraCmds");
	if (!clixml_is_nil(extra)) {
		/* every statement, the first included (PowerShell's AddStatement) */
		if ((n = clixml_list_len(extra)) == 0 ||
		    extra->v.obj.o_coll == CLIXML_COLL_DCT)
			return bad(err, errlen, "ExtraCmds is not a list");
		if ((ret->pp_statements = calloc(n,
		    sizeof(*ret->pp_statements))) == NULL)
			return bad(err, errlen, "out of memory");
		for (size_t i = 0; i < n; i++) {
			const struct clixml_value *st = clixml_list_at(extra, i);
			struct psrp_statement *s =
			    &ret->pp_statements[ret->pp_nstatements];

			if (need_obj(st, "an ExtraCmds entry", err, errlen) < 0)
				return -1;
			ret->pp_nstatements++;
			if (parse_statement(clixml_member(st, "Cmds"), s, err,
			    errlen) < 0)
				return -1;
			if (s->ps_ncmds == 0)
				ret->pp_nstatements--;
		}
	} else {
		if ((ret->pp_statements = calloc(1,
		    sizeof(*ret->pp_statements))) == NULL)
			return bad(err, errlen, "out of memory");
		ret->pp_nstatements = 1;
		if (parse_statement(clixml_member(ps, "Cmds"),
		    &ret->pp_statements[0], err, errlen) < 0)
			return -1;
		if (ret->pp_statements[0].ps_ncmds == 0)
			ret->pp_nstatements = 0;
	}
	if (ret->pp_nstatements == 0)
		return bad(err, errlen, "a pipeline without a command");
	return 0;
}
