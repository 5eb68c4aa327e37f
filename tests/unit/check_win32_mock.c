/*
 * check_win32_mock.c: the cim plugin as far as the win32 provider sees it
 * (check_win32_mock.h): recorded instances and values, calls run to their
 * end on the mock host's loop.  Its setters are not the plugin's
 * (cim_value.h, which convert what they can and log the rest): they fail
 * the test at a value of another type, an out-of-range integer or a bad
 * property index, which is what the mock is for.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <check.h>

#include "check_win32_mock.h"

static const struct cim_provider *provider;
static void *provider_state;

static int
s_post(const struct cim_services *svc, void (*fn)(void *), void *arg)
{
	(void)svc;
	return mock_post(fn, arg);
}

/* ------------------------------------------------------------ services */

/* cheap checks: ck_assert on every value would cost more than the provider */
#define MOCK_CHECK(cond, ...)						\
	do {								\
		if (!(cond))						\
			ck_abort_msg(__VA_ARGS__);			\
	} while (0)


static struct cim_instance *
inst_new(struct cim_ctx *ctx, const struct cim_property *props, size_t n)
{
	struct cim_instance *i = calloc(1, sizeof(*i));

	MOCK_CHECK(i != NULL, "out of memory");
	i->props = props;
	i->nprops = n;
	i->v = calloc(n ? n : 1, sizeof(*i->v));
	MOCK_CHECK(i->v != NULL, "out of memory");
	i->next = ctx->all;
	ctx->all = i;
	return i;
}

static void
value_clear(struct mock_value *v)
{
	free(v->str);
	for (size_t k = 0; k < v->n && v->strs != NULL; k++)
		free(v->strs[k]);
	free(v->strs);
	free(v->uints);
	free(v->sints);
	memset(v, 0, sizeof(*v));
}

static bool
is_unsigned(enum cim_type t)
{
	return t == CIM_UINT8 || t == CIM_UINT16 || t == CIM_UINT32 ||
	    t == CIM_UINT64;
}

static bool
is_signed(enum cim_type t)
{
	return t == CIM_SINT8 || t == CIM_SINT16 || t == CIM_SINT32 ||
	    t == CIM_SINT64;
}

static struct mock_value *
slot(struct cim_instance *i, size_t prop, enum cim_type want, bool array)
{
	enum cim_type t;

	MOCK_CHECK(prop < i->nprops, "property index %zu of %zu", prop,
	    i->nprops);
	t = i->props[prop].type;
	/* integers may be set with the setter of their sign */
	if (want == CIM_UINT64)
		MOCK_CHECK(is_unsigned(t), "%s is not unsigned",
		    i->props[prop].name);
	else if (want == CIM_SINT64)
		MOCK_CHECK(is_signed(t), "%s is not signed", i->props[prop].name);
	else
		MOCK_CHECK(t == want, "%s has type %d, set as %d",
		    i->props[prop].name, t, want);
	MOCK_CHECK(((i->props[prop].flags & CIM_ARRAY) != 0) == array,
	    "%s: array mismatch", i->props[prop].name);
	return &i->v[prop];
}

static void
check_range(const struct cim_instance *i, size_t prop, uint64_t v)
{
	uint64_t max = UINT64_MAX;

	switch (i->props[prop].type) {
	case CIM_UINT8: max = UINT8_MAX; break;
	case CIM_UINT16: max = UINT16_MAX; break;
	case CIM_UINT32: max = UINT32_MAX; break;
	default: break;
	}
	MOCK_CHECK(v <= max, "%s = %llu out of range", i->props[prop].name,
	    (unsigned long long)v);
}

static const struct winrmd_principal *
s_principal(const struct cim_ctx *ctx)
{
	return ctx->principal;
}

static const struct cim_class *
s_class_of(const struct cim_ctx *ctx)
{
	return ctx->cls;
}

static struct cim_instance *
s_instance(struct cim_ctx *ctx)
{
	return inst_new(ctx, ctx->cls->props, ctx->cls->nprops);
}

static bool
s_emit(struct cim_ctx *ctx, struct cim_instance *i)
{
	MOCK_CHECK(!ctx->completed, "emit after complete");
	if (ctx->nemitted == ctx->cap) {
		ctx->cap = ctx->cap ? 2 * ctx->cap : 64;
		ctx->emitted = realloc(ctx->emitted, ctx->cap * sizeof(*ctx->emitted));
		MOCK_CHECK(ctx->emitted != NULL, "out of memory");
	}
	/* every key is set */
	for (size_t k = 0; k < i->nprops; k++)
		if (i->props[k].flags & CIM_KEY)
			MOCK_CHECK(i->v[k].set, "key %s not set",
			    i->props[k].name);
	ctx->emitted[ctx->nemitted++] = i;
	return ctx->stop_after == 0 || ctx->nemitted < ctx->stop_after;
}

static void
s_complete(struct cim_ctx *ctx)
{
	ck_assert_msg(!ctx->completed, "completed twice");
	ck_assert_msg(ctx->status == CIM_PENDING, "complete() of a call that "
	    "returned %d", ctx->status);
	ctx->completed = true;
}

static int
s_fail(struct cim_ctx *ctx, enum winrmd_fault fault, const char *fmt, ...)
{
	va_list ap;

	ctx->failed = true;
	ctx->fault = fault;
	va_start(ap, fmt);
	vsnprintf(ctx->message, sizeof(ctx->message), fmt, ap);
	va_end(ap);
	return CIM_ERROR;
}

static void
s_set_return(struct cim_instance *out, uint32_t value)
{
	out->has_return = true;
	out->ret = value;
}

static void
s_set_bool(struct cim_instance *i, size_t prop, bool v)
{
	struct mock_value *m = slot(i, prop, CIM_BOOLEAN, false);

	value_clear(m);
	m->set = true;
	m->b = v;
}

static void
s_set_sint(struct cim_instance *i, size_t prop, int64_t v)
{
	struct mock_value *m = slot(i, prop, CIM_SINT64, false);

	value_clear(m);
	m->set = true;
	m->s = v;
}

static void
s_set_uint(struct cim_instance *i, size_t prop, uint64_t v)
{
	struct mock_value *m = slot(i, prop, CIM_UINT64, false);

	check_range(i, prop, v);
	value_clear(m);
	m->set = true;
	m->u = v;
}

static void
s_set_real(struct cim_instance *i, size_t prop, double v)
{
	struct mock_value *m = &i->v[prop];

	value_clear(m);
	m->set = true;
	m->d = v;
}

static void
s_set_string(struct cim_instance *i, size_t prop, const char *v)
{
	struct mock_value *m = slot(i, prop, CIM_STRING, false);

	value_clear(m);
	if (v == NULL)
		return;
	m->set = true;
	m->str = strdup(v);
	MOCK_CHECK(m->str != NULL, "out of memory");
}

static void
s_set_datetime(struct cim_instance *i, size_t prop, time_t sec, long usec)
{
	struct mock_value *m = slot(i, prop, CIM_DATETIME, false);

	MOCK_CHECK(usec >= 0 && usec < 1000000, "usec %ld", usec);
	value_clear(m);
	m->set = true;
	m->sec = sec;
	m->usec = usec;
}

static void
s_set_interval(struct cim_instance *i, size_t prop, uint64_t usec)
{
	struct mock_value *m = slot(i, prop, CIM_INTERVAL, false);

	value_clear(m);
	m->set = true;
	m->interval = usec;
}

static void
s_add_string(struct cim_instance *i, size_t prop, const char *v)
{
	struct mock_value *m = slot(i, prop, CIM_STRING, true);

	ck_assert_ptr_nonnull(v);
	m->set = true;
	m->strs = realloc(m->strs, (m->n + 1) * sizeof(char *));
	ck_assert_ptr_nonnull(m->strs);
	m->strs[m->n++] = strdup(v);
}

static void
s_add_uint(struct cim_instance *i, size_t prop, uint64_t v)
{
	struct mock_value *m = slot(i, prop, CIM_UINT64, true);

	m->set = true;
	m->uints = realloc(m->uints, (m->n + 1) * sizeof(uint64_t));
	ck_assert_ptr_nonnull(m->uints);
	m->uints[m->n++] = v;
}

static void
s_add_sint(struct cim_instance *i, size_t prop, int64_t v)
{
	struct mock_value *m = slot(i, prop, CIM_SINT64, true);

	m->set = true;
	m->sints = realloc(m->sints, (m->n + 1) * sizeof(int64_t));
	ck_assert_ptr_nonnull(m->sints);
	m->sints[m->n++] = v;
}

static bool
s_is_null(const struct cim_instance *i, size_t prop)
{
	return prop >= i->nprops || !i->v[prop].set;
}

static const char *
s_get_string(const struct cim_instance *i, size_t prop)
{
	return prop < i->nprops && i->v[prop].set ? i->v[prop].str : NULL;
}

static bool
s_get_uint(const struct cim_instance *i, size_t prop, uint64_t *ret)
{
	if (prop >= i->nprops || !i->v[prop].set)
		return false;
	*ret = i->v[prop].u;
	return true;
}

static bool
s_get_sint(const struct cim_instance *i, size_t prop, int64_t *ret)
{
	if (prop >= i->nprops || !i->v[prop].set)
		return false;
	*ret = i->v[prop].s;
	return true;
}

static bool
s_get_bool(const struct cim_instance *i, size_t prop, bool *ret)
{
	if (prop >= i->nprops || !i->v[prop].set)
		return false;
	*ret = i->v[prop].b;
	return true;
}

const struct cim_services mock_svc = {
	.abi = WINRMD_PROVIDER_ABI,
	.size = sizeof(struct cim_services),
	.host = &mock_host,
	.principal = s_principal,
	.class_of = s_class_of,
	.instance = s_instance,
	.emit = s_emit,
	.complete = s_complete,
	.fail = s_fail,
	.set_return = s_set_return,
	.set_bool = s_set_bool,
	.set_sint = s_set_sint,
	.set_uint = s_set_uint,
	.set_real = s_set_real,
	.set_string = s_set_string,
	.set_datetime = s_set_datetime,
	.set_interval = s_set_interval,
	.add_string = s_add_string,
	.add_uint = s_add_uint,
	.add_sint = s_add_sint,
	.is_null = s_is_null,
	.get_string = s_get_string,
	.get_uint = s_get_uint,
	.get_sint = s_get_sint,
	.get_bool = s_get_bool,
	.post = s_post,
};

/* ------------------------------------------------------------ calls */

void
mock_start(void)
{
	provider = winrmd_provider_entry();
	ck_assert_ptr_nonnull(provider);
	ck_assert_uint_eq(provider->abi, WINRMD_PROVIDER_ABI);
	ck_assert_uint_eq(provider->size, sizeof(struct cim_provider));
	ck_assert_int_eq(provider->init(&mock_svc, &provider_state), 0);
}

void
mock_stop(void)
{
	provider->fini(provider_state);
	mock_reset();
}

const struct cim_class *
mock_class(const char *name)
{
	for (size_t i = 0; provider->classes[i] != NULL; i++)
		if (strcasecmp(provider->classes[i]->name, name) == 0)
			return provider->classes[i];
	ck_abort_msg("no class %s", name);
	return NULL;
}

static struct cim_ctx *
ctx_new(const char *cls, const struct winrmd_principal *p)
{
	struct cim_ctx *ctx = calloc(1, sizeof(*ctx));

	ck_assert_ptr_nonnull(ctx);
	ctx->cls = mock_class(cls);
	ctx->principal = p;
	return ctx;
}

static bool
ctx_done(void *arg)
{
	return ((struct cim_ctx *)arg)->completed;
}

static void
ctx_finish(struct cim_ctx *ctx)
{
	ck_assert_msg(ctx->status == CIM_OK || ctx->status == CIM_PENDING ||
	    ctx->status == CIM_ERROR, "status %d", ctx->status);
	if (ctx->status == CIM_ERROR)
		ck_assert_msg(ctx->failed, "CIM_ERROR without svc->fail()");
	if (ctx->status == CIM_PENDING)
		ck_assert_msg(mock_loop_until(ctx_done, ctx, 30000),
		    "the call did not complete");
}

struct cim_ctx *
mock_enumerate(const char *cls, const struct winrmd_principal *p)
{
	struct cim_ctx *ctx = ctx_new(cls, p);

	ctx->status = ctx->cls->enumerate(ctx, provider_state);
	ctx_finish(ctx);
	return ctx;
}

static size_t
prop_index(const struct cim_property *props, size_t n, const char *name)
{
	for (size_t k = 0; k < n; k++)
		if (strcmp(props[k].name, name) == 0)
			return k;
	ck_abort_msg("no property %s", name);
	return 0;
}

static void
set_text(struct cim_instance *i, size_t k, const char *text)
{
	switch (i->props[k].type) {
	case CIM_STRING:
		s_set_string(i, k, text);
		break;
	case CIM_BOOLEAN:
		s_set_bool(i, k, strcmp(text, "true") == 0);
		break;
	default:
		s_set_uint(i, k, strtoull(text, NULL, 10));
		break;
	}
}

struct cim_ctx *
mock_get(const char *cls, const char *key, const char *value,
    const struct winrmd_principal *p)
{
	struct cim_ctx *ctx = ctx_new(cls, p);
	struct cim_instance *keys = inst_new(ctx, ctx->cls->props,
	    ctx->cls->nprops);

	set_text(keys, prop_index(keys->props, keys->nprops, key), value);
	ck_assert_ptr_nonnull(ctx->cls->get);
	ctx->status = ctx->cls->get(ctx, keys, provider_state);
	ctx_finish(ctx);
	return ctx;
}

struct cim_ctx *
mock_invoke(const char *cls, const char *method, const char *key,
    const char *value, const struct winrmd_principal *p, ...)
{
	struct cim_ctx *ctx = ctx_new(cls, p);
	const struct cim_method *m = NULL;
	struct cim_instance *target = NULL, *in;
	const char *name;
	va_list ap;

	for (size_t k = 0; k < ctx->cls->nmethods; k++)
		if (strcmp(ctx->cls->methods[k].name, method) == 0)
			m = &ctx->cls->methods[k];
	ck_assert_msg(m != NULL, "no method %s.%s", cls, method);
	if (key != NULL) {
		target = inst_new(ctx, ctx->cls->props, ctx->cls->nprops);
		set_text(target, prop_index(target->props, target->nprops, key),
		    value);
	}
	in = inst_new(ctx, m->in, m->nin);
	ctx->out = inst_new(ctx, m->out, m->nout);
	va_start(ap, p);
	while ((name = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);

		set_text(in, prop_index(m->in, m->nin, name), v);
	}
	va_end(ap);
	ctx->status = m->invoke(ctx, target, in, ctx->out, provider_state);
	ctx_finish(ctx);
	if (!ctx->failed)
		ck_assert_msg(ctx->out->has_return, "%s.%s set no ReturnValue",
		    cls, method);
	return ctx;
}

void
mock_ctx_free(struct cim_ctx *ctx)
{
	if (ctx == NULL)
		return;
	while (ctx->all != NULL) {
		struct cim_instance *i = ctx->all;

		ctx->all = i->next;
		for (size_t k = 0; k < i->nprops; k++)
			value_clear(&i->v[k]);
		free(i->v);
		free(i);
	}
	free(ctx->emitted);
	free(ctx);
}

/* ------------------------------------------------------------ reading */

struct cim_instance *
mock_find(struct cim_ctx *ctx, const char *prop, const char *value)
{
	for (size_t n = 0; n < ctx->nemitted; n++) {
		const char *s = mock_str(ctx->emitted[n], prop);

		if (s != NULL && strcmp(s, value) == 0)
			return ctx->emitted[n];
	}
	return NULL;
}

const struct mock_value *
mock_value(const struct cim_instance *i, const char *prop)
{
	return &i->v[prop_index(i->props, i->nprops, prop)];
}

const char *
mock_str(const struct cim_instance *i, const char *prop)
{
	const struct mock_value *v = mock_value(i, prop);

	return v->set ? v->str : NULL;
}

bool
mock_uint(const struct cim_instance *i, const char *prop, uint64_t *ret)
{
	const struct mock_value *v = mock_value(i, prop);

	if (!v->set)
		return false;
	*ret = v->u;
	return true;
}

bool
mock_is_null(const struct cim_instance *i, const char *prop)
{
	return !mock_value(i, prop)->set;
}
