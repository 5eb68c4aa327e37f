/*
 * call.c: calls into providers (struct cim_ctx) and the call-related
 * members of cim_services: instance, emit, complete, fail, principal,
 * class_of.  A call ends when the provider returns CIM_OK or CIM_ERROR, or,
 * after CIM_PENDING, when it calls complete().  A pending call is bounded by
 * the request's OperationTimeout: when that passes, the caller is answered
 * (w:TimedOut) and the call is "orphaned": it stays allocated, drops what
 * the provider still emits, and is freed when the provider completes it (or
 * at shutdown).  Providers never get a dangling ctx.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cim.h"

struct cim_ctx *
call_new(struct cim *cim, enum call_kind kind, const struct cim_entry *ent,
    struct winrmd_op *op)
{
	struct cim_ctx *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->cim = cim;
	c->kind = kind;
	c->ent = ent;
	c->op = op;
	if (op != NULL &&
	    user_copy_make(&c->user, cim->host->op_principal(op)) < 0) {
		free(c);
		return NULL;
	}
	return c;
}

void
call_fail(struct cim_ctx *c, enum winrmd_fault f, const char *detail,
    const char *fmt, ...)
{
	va_list ap;

	if (c->fault != WINRMD_FAULT_NONE)
		return;
	c->fault = f;
	snprintf(c->detail, sizeof(c->detail), "%s", detail ? detail : "");
	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
}

static void
unlink_call(struct cim_ctx *c)
{
	for (struct cim_ctx **pp = &c->cim->calls; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			return;
		}
}

void
call_free(struct cim_ctx *c)
{
	if (c == NULL)
		return;
	unlink_call(c);
	c->cim->host->timer_stop(c->timer);
	inst_free(c->keys);
	inst_free(c->target);
	inst_free(c->in);
	inst_free(c->out);
	user_copy_free(&c->user);
	free(c);
}

static void
call_timeout(void *arg)
{
	struct cim_ctx *c = arg;

	c->timer = NULL;
	c->cim->host->log(WINRMD_LOG_WARNING, "cim: provider %s did not finish "
	    "%s of %s within OperationTimeout", prov_name(c->ent->prov),
	    c->kind == CALL_INVOKE ? "a method" : "an enumeration",
	    c->ent->name);
	c->fault = WINRMD_FAULT_NONE;
	call_fail(c, WINRMD_FAULT_TIMED_OUT, NULL, "The WS-Management service "
	    "cannot complete the operation within the time specified in "
	    "OperationTimeout.");
	c->stopped = true;
	c->done(c);
	c->orphaned = true;
	c->op = NULL;
}

/* the end of a pending call: answer (unless orphaned) and free */
static void
call_finish(struct cim_ctx *c)
{
	c->cim->host->timer_stop(c->timer);
	c->timer = NULL;
	if (!c->orphaned)
		c->done(c);
	call_free(c);
}

int
call_run(struct cim_ctx *c)
{
	const struct cim_class *cls = c->ent->cls;
	void *state = prov_state(c->ent->prov);
	int r;

	c->in_provider = true;
	switch (c->kind) {
	case CALL_ENUMERATE:
		r = cls->enumerate(c, state);
		break;
	case CALL_GET:
		r = cls->get(c, c->keys, state);
		break;
	case CALL_INVOKE:
		r = c->method->invoke(c, c->target, c->in, c->out, state);
		break;
	default:
		r = CIM_ERROR;
	}
	c->in_provider = false;
	if (r == CIM_PENDING && !c->completed) {
		const struct winrmd_host *host = c->cim->host;
		uint64_t ms = c->op ? host->op_timeout_ms(c->op) : 60000;

		c->pending = true;
		c->next = c->cim->calls;
		c->cim->calls = c;
		c->timer = host->timer_start(ms ? ms : 1, call_timeout, c);
		return CALL_PENDING;
	}
	if (r == CIM_ERROR && c->fault == WINRMD_FAULT_NONE)
		call_fail(c, WINRMD_FAULT_INTERNAL_ERROR, NULL, "The provider "
		    "%s failed.", prov_name(c->ent->prov));
	else if (r != CIM_OK && r != CIM_ERROR && r != CIM_PENDING)
		call_fail(c, WINRMD_FAULT_INTERNAL_ERROR, NULL, "The provider "
		    "%s returned %d.", prov_name(c->ent->prov), r);
	return CALL_DONE;
}

void
call_abort_all(struct cim *cim, enum winrmd_fault f)
{
	for (struct cim_ctx *c = cim->calls; c != NULL; c = c->next) {
		if (c->orphaned)
			continue;
		cim->host->timer_stop(c->timer);
		c->timer = NULL;
		c->fault = WINRMD_FAULT_NONE;
		call_fail(c, f, NULL, "The WS-Management service is stopping.");
		c->stopped = true;
		c->done(c);
		c->orphaned = true;
		c->op = NULL;
	}
}

void
call_free_all(struct cim *cim)
{
	while (cim->calls != NULL)
		call_free(cim->calls);
}

/* ------------------------------------------------- provider services */

/* a provider's call without a ctx: nothing to do, and nowhere to say so */
static bool
ctx_valid(const struct cim_ctx *c)
{
	return c != NULL;
}

static const struct winrmd_principal *
s_principal(const struct cim_ctx *c)
{
	return ctx_valid(c) ? &c->user.p : NULL;
}

static const struct cim_class *
s_class_of(const struct cim_ctx *c)
{
	return ctx_valid(c) ? c->ent->cls : NULL;
}

static struct cim_instance *
s_instance(struct cim_ctx *c)
{
	const struct cim_class *cls;
	struct cim_instance *i;

	if (!ctx_valid(c))
		return NULL;
	cls = c->ent->cls;
	if ((i = inst_new(cls->props, cls->nprops)) != NULL)
		i->host = c->cim->host;
	return i;
}

static bool
s_emit(struct cim_ctx *c, struct cim_instance *i)
{
	if (!ctx_valid(c) || i == NULL) {
		inst_free(i);
		return false;
	}
	if (c->kind == CALL_INVOKE || c->completed || c->stopped ||
	    c->orphaned || i->props != c->ent->cls->props) {
		if (i->props != c->ent->cls->props)
			c->cim->host->log(WINRMD_LOG_ERR, "cim: provider %s "
			    "emitted an instance of another class during %s",
			    prov_name(c->ent->prov), c->ent->name);
		inst_free(i);
		return false;
	}
	c->emitted++;
	if (!c->sink(c, i)) {
		c->stopped = true;
		return false;
	}
	return true;
}

static void
s_complete(struct cim_ctx *c)
{
	if (!ctx_valid(c))
		return;
	if (c->completed) {
		c->cim->host->log(WINRMD_LOG_ERR, "cim: provider %s completed a "
		    "call twice", prov_name(c->ent->prov));
		return;
	}
	c->completed = true;
	if (c->in_provider)
		return;		/* call_run sees it when the provider returns */
	if (!c->pending) {
		c->cim->host->log(WINRMD_LOG_ERR, "cim: provider %s completed a "
		    "call that was not pending", prov_name(c->ent->prov));
		return;
	}
	call_finish(c);
}

static int
s_fail(struct cim_ctx *c, enum winrmd_fault f, const char *fmt, ...)
{
	va_list ap;
	char reason[sizeof(c->reason)];

	if (!ctx_valid(c))
		return CIM_ERROR;
	if ((unsigned)f >= _WINRMD_FAULT_MAX || f == WINRMD_FAULT_NONE)
		f = WINRMD_FAULT_INTERNAL_ERROR;
	reason[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(reason, sizeof(reason), fmt, ap);
		va_end(ap);
	}
	call_fail(c, f, NULL, "%s", reason);
	return CIM_ERROR;
}

void
call_services(struct cim_services *svc)
{
	svc->principal = s_principal;
	svc->class_of = s_class_of;
	svc->instance = s_instance;
	svc->emit = s_emit;
	svc->complete = s_complete;
	svc->fail = s_fail;
	svc->post = post_call;
}
