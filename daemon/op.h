/*
 * op.h: one WS-Man request on its way through dispatch to a plugin and
 * back.  Created by http.c after authentication and parsing; plugins see it
 * only through the host table (host.c).
 */
#ifndef WINRMD_OP_H
#define WINRMD_OP_H

#include <stdbool.h>

#include <libxml/tree.h>

#include <winrmd/plugin.h>

#include "fault.h"
#include "soap.h"
#include "wsman.h"

struct arena;
struct principal;

struct winrmd_op {
	struct arena		*arena;
	struct wsman_msg	 msg;
	struct principal	*principal;	/* NULL for unauthenticated Identify */
	const char		*client_ip;
	xmlDocPtr		 reply;		/* reply being built, owned */
	xmlNodePtr		 reply_body;
	struct fault		 fault;
	bool			 pending;
	bool			 reusable;	/* host->reply_reusable() */
	const char		*plugin;	/* name, for the log */
	/* set by the owner (http.c): called when a pending op completes */
	void			(*on_complete)(struct winrmd_op *op, void *arg);
	void			*on_complete_arg;
};

/* frees the reply document; the arena and principal belong to the owner */
void	op_done(struct winrmd_op *op);

/*
 * Turns a finished op into the HTTP answer: the reply or the fault envelope,
 * checked against MaxEnvelopeSize.  Returns malloc'd text and the status.
 */
char	*op_render(struct winrmd_op *op, size_t *ret_len, unsigned *ret_status);
/* the same in pieces (soap_serialize_text()): false if there is none */
bool	 op_render_text(struct winrmd_op *op, struct soap_text *t,
	    unsigned *ret_status);

#endif
