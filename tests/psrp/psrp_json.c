/*
 * psrp_json.c: the codec's views in JSON for the tests (psrp_json.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "psrp_json.h"
#include "psrp_msgs.h"

static const char *
tag_of(enum clixml_type t)
{
	static const char *const tags[] = {
		[CLIXML_NIL] = "Nil", [CLIXML_BOOL] = "B", [CLIXML_CHAR] = "C",
		[CLIXML_I8] = "SB", [CLIXML_U8] = "By", [CLIXML_I16] = "I16",
		[CLIXML_U16] = "U16", [CLIXML_I32] = "I32", [CLIXML_U32] = "U32",
		[CLIXML_I64] = "I64", [CLIXML_U64] = "U64", [CLIXML_FLOAT] = "Sg",
		[CLIXML_DOUBLE] = "Db", [CLIXML_DECIMAL] = "D",
		[CLIXML_STRING] = "S", [CLIXML_DATETIME] = "DT",
		[CLIXML_DURATION] = "TS", [CLIXML_GUID] = "G",
		[CLIXML_BYTES] = "BA", [CLIXML_VERSION] = "Version",
		[CLIXML_URI] = "URI", [CLIXML_XMLDOC] = "XD",
		[CLIXML_SCRIPTBLOCK] = "SBK", [CLIXML_SECURESTRING] = "SS",
		[CLIXML_OBJECT] = "Obj",
	};

	return tags[t];
}

static json_object *
guid_json(const uint8_t g[16])
{
	struct psrp_guid pg;
	char buf[37];

	memcpy(pg.g, g, 16);
	psrp_guid_format(&pg, false, buf);
	return json_object_new_string(buf);
}

static json_object *
scalar(const struct clixml_value *v)
{
	json_object *j;
	char *b;

	switch (v->v_type) {
	case CLIXML_BOOL:
		return json_object_new_boolean(v->v.b);
	case CLIXML_I8: case CLIXML_I16: case CLIXML_I32: case CLIXML_I64:
		return json_object_new_int64(v->v.i);
	case CLIXML_U8: case CLIXML_U16: case CLIXML_U32: case CLIXML_U64:
	case CLIXML_CHAR:
		return json_object_new_uint64(v->v.u);
	case CLIXML_FLOAT: case CLIXML_DOUBLE:
		return json_object_new_double(v->v.d);
	case CLIXML_GUID:
		return guid_json(v->v.guid);
	case CLIXML_BYTES:
		b = psrp_b64_encode((const uint8_t *)v->v.str.s, v->v.str.len);
		j = json_object_new_string(b != NULL ? b : "");
		free(b);
		return j;
	default:
		return json_object_new_string_len(v->v.str.s, (int)v->v.str.len);
	}
}

static json_object *
props_json(const struct clixml_prop *p, size_t n, bool tagged)
{
	json_object *o = json_object_new_object();

	for (size_t i = 0; i < n; i++)
		json_object_object_add(o, p[i].p_name, tagged ?
		    psrp_json_tagged(p[i].p_value) :
		    psrp_json_plain(p[i].p_value));
	return o;
}

json_object *
psrp_json_tagged(const struct clixml_value *v)
{
	static const char *const colls[] = { NULL, "LST", "IE", "STK", "QUE",
	    "DCT" };
	json_object *o, *inner;
	const struct clixml_obj *ob;

	if (v == NULL || v->v_type == CLIXML_NIL)
		return NULL;
	o = json_object_new_object();
	if (v->v_type != CLIXML_OBJECT) {
		json_object_object_add(o, tag_of(v->v_type), scalar(v));
		return o;
	}
	ob = &v->v.obj;
	inner = json_object_new_object();
	if (ob->o_types != NULL) {
		json_object *tn = json_object_new_array();

		for (size_t i = 0; i < ob->o_types->t_n; i++)
			json_object_array_add(tn, json_object_new_string(
			    ob->o_types->t_names[i]));
		json_object_object_add(inner, "TN", tn);
	}
	if (ob->o_tostring != NULL)
		json_object_object_add(inner, "ToString",
		    json_object_new_string(ob->o_tostring));
	if (ob->o_base != NULL)
		json_object_object_add(inner, "base", psrp_json_tagged(ob->o_base));
	if (ob->o_coll != CLIXML_COLL_NONE) {
		json_object *a = json_object_new_array();

		if (ob->o_coll == CLIXML_COLL_DCT)
			for (size_t i = 0; i + 1 < ob->o_nitems; i += 2) {
				json_object *pair = json_object_new_array();

				json_object_array_add(pair,
				    psrp_json_tagged(ob->o_items[i]));
				json_object_array_add(pair,
				    psrp_json_tagged(ob->o_items[i + 1]));
				json_object_array_add(a, pair);
			}
		else
			for (size_t i = 0; i < ob->o_nitems; i++)
				json_object_array_add(a,
				    psrp_json_tagged(ob->o_items[i]));
		json_object_object_add(inner, colls[ob->o_coll], a);
	}
	if (ob->o_nprops > 0)
		json_object_object_add(inner, "Props", props_json(ob->o_props,
		    ob->o_nprops, true));
	if (ob->o_nms > 0)
		json_object_object_add(inner, "MS", props_json(ob->o_ms,
		    ob->o_nms, true));
	json_object_object_add(o, "Obj", inner);
	return o;
}

json_object *
psrp_json_plain(const struct clixml_value *v)
{
	const struct clixml_obj *ob;
	json_object *o;

	if (v == NULL || v->v_type == CLIXML_NIL)
		return NULL;
	if (v->v_type == CLIXML_SECURESTRING) {
		o = json_object_new_object();
		json_object_object_add(o, "SecureString",
		    json_object_new_boolean(1));
		return o;
	}
	if (v->v_type != CLIXML_OBJECT)
		return scalar(v);
	ob = &v->v.obj;
	if (ob->o_coll == CLIXML_COLL_DCT) {
		o = json_object_new_object();
		for (size_t i = 0; i + 1 < ob->o_nitems; i += 2) {
			json_object *k = psrp_json_plain(ob->o_items[i]);

			json_object_object_add(o, k != NULL ?
			    json_object_get_string(k) : "",
			    psrp_json_plain(ob->o_items[i + 1]));
			json_object_put(k);
		}
		return o;
	}
	if (ob->o_coll != CLIXML_COLL_NONE) {
		o = json_object_new_array();
		for (size_t i = 0; i < ob->o_nitems; i++)
			json_object_array_add(o, psrp_json_plain(ob->o_items[i]));
		return o;
	}
	if (ob->o_base != NULL && ob->o_nms == 0 && ob->o_nprops == 0)
		return psrp_json_plain(ob->o_base);
	o = props_json(ob->o_ms, ob->o_nms, false);
	for (size_t i = 0; i < ob->o_nprops; i++)
		json_object_object_add(o, ob->o_props[i].p_name,
		    psrp_json_plain(ob->o_props[i].p_value));
	return o;
}

static json_object *
str_or_null(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

static json_object *
pipeline_json(const struct psrp_pipeline *p)
{
	json_object *o = json_object_new_object(), *sts = json_object_new_array();

	json_object_object_add(o, "no_input",
	    json_object_new_boolean(p->pp_no_input));
	json_object_object_add(o, "add_to_history",
	    json_object_new_boolean(p->pp_add_to_history));
	json_object_object_add(o, "is_nested",
	    json_object_new_boolean(p->pp_is_nested));
	for (size_t i = 0; i < p->pp_nstatements; i++) {
		const struct psrp_statement *s = &p->pp_statements[i];
		json_object *st = json_object_new_array();

		for (size_t j = 0; j < s->ps_ncmds; j++) {
			const struct psrp_cmd *c = &s->ps_cmds[j];
			json_object *cj = json_object_new_object();
			json_object *merge = json_object_new_array();
			json_object *args = json_object_new_array();

			json_object_object_add(cj, "cmd",
			    json_object_new_string(c->pc_cmd));
			json_object_object_add(cj, "is_script",
			    json_object_new_boolean(c->pc_is_script));
			json_object_object_add(cj, "use_local_scope",
			    c->pc_use_local_scope < 0 ? NULL :
			    json_object_new_boolean(c->pc_use_local_scope));
			for (int k = 0; k < PSRP_MERGE_COUNT; k++)
				json_object_array_add(merge,
				    json_object_new_int(c->pc_merge[k] < 0 ? 0 :
				    c->pc_merge[k]));
			json_object_object_add(cj, "merge", merge);
			for (size_t k = 0; k < c->pc_nargs; k++) {
				json_object *a = json_object_new_object();

				json_object_object_add(a, "name",
				    str_or_null(c->pc_args[k].pa_name));
				json_object_object_add(a, "value",
				    psrp_json_plain(c->pc_args[k].pa_value));
				json_object_array_add(args, a);
			}
			json_object_object_add(cj, "args", args);
			json_object_array_add(st, cj);
		}
		json_object_array_add(sts, st);
	}
	json_object_object_add(o, "statements", sts);
	return o;
}

static json_object *
wrap(const char *key, json_object *inner)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, key, inner);
	return o;
}

json_object *
psrp_json_expect(const struct psrp_msg *m, const struct clixml_value *v,
    char *err, size_t errlen)
{
	json_object *o;

	switch (m->pm_type) {
	case PSRP_SESSION_CAPABILITY: {
		struct psrp_capability c;

		if (psrp_parse_capability(v, &c, err, errlen) < 0)
			return NULL;
		o = json_object_new_object();
		json_object_object_add(o, "PSVersion",
		    json_object_new_string(c.pc_ps_version));
		json_object_object_add(o, "protocolversion",
		    json_object_new_string(c.pc_protocol_version));
		json_object_object_add(o, "SerializationVersion",
		    json_object_new_string(c.pc_serialization_version));
		return wrap("capability", o);
	}
	case PSRP_INIT_RUNSPACEPOOL: {
		struct psrp_init_pool ip;

		if (psrp_parse_init_pool(v, &ip, err, errlen) < 0)
			return NULL;
		o = json_object_new_object();
		json_object_object_add(o, "min",
		    json_object_new_int(ip.pi_min_runspaces));
		json_object_object_add(o, "max",
		    json_object_new_int(ip.pi_max_runspaces));
		json_object_object_add(o, "thread_options",
		    json_object_new_int(ip.pi_thread_options));
		json_object_object_add(o, "apartment_state",
		    json_object_new_int(ip.pi_apartment_state));
		json_object_object_add(o, "is_host_null",
		    json_object_new_boolean(ip.pi_host.ph_is_host_null));
		json_object_object_add(o, "has_default_data",
		    json_object_new_boolean(ip.pi_host.ph_default_data != NULL));
		json_object_object_add(o, "app_args", ip.pi_app_args != NULL ?
		    psrp_json_plain(ip.pi_app_args) : json_object_new_object());
		return wrap("init", o);
	}
	case PSRP_CONNECT_RUNSPACEPOOL: {
		struct psrp_connect_pool cp;

		if (psrp_parse_connect_pool(v, &cp, err, errlen) < 0)
			return NULL;
		o = json_object_new_object();
		json_object_object_add(o, "min",
		    json_object_new_int(cp.pc_min_runspaces));
		json_object_object_add(o, "max",
		    json_object_new_int(cp.pc_max_runspaces));
		return wrap("connect", o);
	}
	case PSRP_SET_MAX_RUNSPACES:
	case PSRP_SET_MIN_RUNSPACES:
	case PSRP_GET_AVAILABLE_RUNSPACES:
	case PSRP_RESET_RUNSPACE_STATE: {
		int32_t count = -1;
		int64_t ci;

		if (psrp_parse_runspace_call(v, m->pm_type, &count, &ci, err,
		    errlen) < 0)
			return NULL;
		o = json_object_new_object();
		if (m->pm_type == PSRP_SET_MAX_RUNSPACES ||
		    m->pm_type == PSRP_SET_MIN_RUNSPACES)
			json_object_object_add(o, "count",
			    json_object_new_int(count));
		json_object_object_add(o, "ci", json_object_new_int64(ci));
		return wrap("runspace_call", o);
	}
	case PSRP_RUNSPACEPOOL_HOST_RESPONSE:
	case PSRP_PIPELINE_HOST_RESPONSE: {
		struct psrp_host_response hr;

		if (psrp_parse_host_response(v, &hr, err, errlen) < 0)
			return NULL;
		o = json_object_new_object();
		json_object_object_add(o, "ci", json_object_new_int64(hr.hr_ci));
		json_object_object_add(o, "mi", json_object_new_int(hr.hr_mi));
		json_object_object_add(o, "mr", psrp_json_plain(hr.hr_mr));
		return wrap("host_response", o);
	}
	case PSRP_PUBLIC_KEY: {
		const char *b64;

		if (psrp_parse_public_key(v, &b64, err, errlen) < 0)
			return NULL;
		return wrap("public_key", json_object_new_string(b64));
	}
	case PSRP_CREATE_PIPELINE: {
		struct psrp_pipeline p;

		if (psrp_parse_pipeline(v, &p, err, errlen) < 0) {
			psrp_pipeline_clear(&p);
			return NULL;
		}
		o = pipeline_json(&p);
		psrp_pipeline_clear(&p);
		return wrap("pipeline", o);
	}
	case PSRP_PIPELINE_INPUT:
		return wrap("input", psrp_json_plain(v));
	case PSRP_END_OF_PIPELINE_INPUT:
		return wrap("end_of_input", json_object_new_boolean(1));
	default:
		snprintf(err, errlen, "message type 0x%08X is not a client's",
		    m->pm_type);
		return NULL;
	}
}

static int
type_of_tag(const char *tag)
{
	for (int t = CLIXML_NIL; t <= CLIXML_OBJECT; t++)
		if (strcmp(tag_of((enum clixml_type)t), tag) == 0)
			return t;
	return -1;
}

struct clixml_value *
psrp_json_to_value(json_object *j)
{
	struct json_object_iterator it;
	const char *tag;
	json_object *x;
	int t;

	if (j == NULL)
		return clixml_new_nil();
	if (!json_object_is_type(j, json_type_object) ||
	    json_object_object_length(j) != 1)
		return NULL;
	it = json_object_iter_begin(j);
	tag = json_object_iter_peek_name(&it);
	x = json_object_iter_peek_value(&it);
	if ((t = type_of_tag(tag)) < 0)
		return NULL;
	switch (t) {
	case CLIXML_NIL:
		return clixml_new_nil();
	case CLIXML_BOOL:
		return clixml_new_bool(json_object_get_boolean(x));
	case CLIXML_CHAR:
		return clixml_new_char((uint16_t)json_object_get_int(x));
	case CLIXML_I8: case CLIXML_I16: case CLIXML_I32: case CLIXML_I64:
		return clixml_new_int(t, json_object_get_int64(x));
	case CLIXML_U8: case CLIXML_U16: case CLIXML_U32: case CLIXML_U64:
		return clixml_new_uint(t, json_object_get_uint64(x));
	case CLIXML_FLOAT: case CLIXML_DOUBLE:
		return clixml_new_double(t, json_object_get_double(x));
	case CLIXML_STRING:
		return clixml_new_stringn(json_object_get_string(x),
		    (size_t)json_object_get_string_len(x));
	case CLIXML_GUID: {
		struct psrp_guid g;

		if (psrp_guid_parse(json_object_get_string(x), &g) < 0)
			return NULL;
		return clixml_new_guid(g.g);
	}
	case CLIXML_BYTES: {
		size_t n;
		uint8_t *b = psrp_b64_decode(json_object_get_string(x),
		    (size_t)json_object_get_string_len(x), &n);
		struct clixml_value *v;

		if (b == NULL)
			return NULL;
		v = clixml_new_bytes(b, n);
		free(b);
		return v;
	}
	case CLIXML_OBJECT:
		break;
	default:
		return clixml_new_text(t, json_object_get_string(x));
	}
	/* an object */
	{
		json_object *tn, *a, *p;
		const char *names[32];
		struct clixml_value *v;
		enum clixml_coll coll = CLIXML_COLL_NONE;
		static const char *const colls[] = { NULL, "LST", "IE", "STK",
		    "QUE", "DCT" };
		size_t n = 0;

		if (json_object_object_get_ex(x, "TN", &tn))
			for (; n < json_object_array_length(tn) && n < 31; n++)
				names[n] = json_object_get_string(
				    json_object_array_get_idx(tn, n));
		names[n] = NULL;
		for (int c = 1; c <= 5; c++)
			if (json_object_object_get_ex(x, colls[c], NULL))
				coll = (enum clixml_coll)c;
		v = clixml_new_obj(n > 0 ? names : NULL, coll);
		if (json_object_object_get_ex(x, "ToString", &p))
			clixml_obj_set_tostring(v, json_object_get_string(p));
		if (json_object_object_get_ex(x, "base", &p))
			clixml_obj_set_base(v, psrp_json_to_value(p));
		if (coll != CLIXML_COLL_NONE &&
		    json_object_object_get_ex(x, colls[coll], &a))
			for (size_t i = 0; i < json_object_array_length(a); i++) {
				json_object *e = json_object_array_get_idx(a, i);

				if (coll == CLIXML_COLL_DCT)
					clixml_dict_add(v, psrp_json_to_value(
					    json_object_array_get_idx(e, 0)),
					    psrp_json_to_value(
					    json_object_array_get_idx(e, 1)));
				else
					clixml_list_add(v, psrp_json_to_value(e));
			}
		if (json_object_object_get_ex(x, "Props", &p)) {
			json_object_object_foreach(p, pk, pv)
				clixml_obj_add_prop(v, pk, psrp_json_to_value(pv));
		}
		if (json_object_object_get_ex(x, "MS", &p)) {
			json_object_object_foreach(p, mk, mv)
				clixml_obj_add_ms(v, mk, psrp_json_to_value(mv));
		}
		return v;
	}
}
