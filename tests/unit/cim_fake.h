/*
 * cim_fake.h: a stand-in for the daemon's host table (plugin.h) for the
 * cim plugin's unit tests: requests built from XML text, replies kept as
 * documents, faults recorded, a manual clock for timers, fds polled on
 * demand, and a configuration the test sets.
 */
#ifndef WINRMD_TESTS_CIM_FAKE_H
#define WINRMD_TESTS_CIM_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#include <winrmd/plugin.h>

#define FAKE_MAX_SELECTORS	16
#define FAKE_MAX_OPTIONS	8

struct winrmd_op {
	char			*action, *uri;
	struct winrmd_selector	 sels[FAKE_MAX_SELECTORS];
	size_t			 nsels;
	struct winrmd_option	 opts[FAKE_MAX_OPTIONS];
	size_t			 nopts;
	xmlDocPtr		 req;
	xmlNodePtr		 body;
	xmlDocPtr		 reply;
	xmlNodePtr		 reply_body;
	char			*reply_action;
	enum winrmd_fault	 fault;
	char			 detail[64];
	char			 reason[512];
	size_t			 max_envelope;
	uint64_t		 timeout_ms;
	struct winrmd_principal	 principal;
	gid_t			 gid;
	int			 status;	/* of the op function */
	bool			 completed;	/* op_complete() called */
};

extern const struct winrmd_host fake_host;

/* a request: body is the XML of the s:Body's child, or NULL */
struct winrmd_op *fake_op(const char *action, const char *uri,
	    const char *body);
void	 fake_op_selector(struct winrmd_op *op, const char *name,
	    const char *value);
void	 fake_op_option(struct winrmd_op *op, const char *name,
	    const char *value, bool must_comply);
void	 fake_op_user(struct winrmd_op *op, const char *name, uid_t uid);
void	 fake_op_free(struct winrmd_op *op);
/* the reply serialised (malloc'd), and XPath-ish helpers */
char	*fake_reply_text(struct winrmd_op *op);
/* the text of the first element named `name' (any namespace) in the
 * reply, or NULL; count of elements named `name' */
char	*fake_reply_find(struct winrmd_op *op, const char *name);
size_t	 fake_reply_count(struct winrmd_op *op, const char *name);

/* configuration the fake answers: "Section.Key" = value */
void	 fake_conf_set(const char *key, const char *value);
void	 fake_conf_clear(void);

/* the manual clock: fires due timers */
void	 fake_advance(uint64_t ms);
size_t	 fake_timers(void);
/* polls watched fds for up to ms and runs their callbacks */
void	 fake_poll(int ms);
/* log lines containing `needle' so far */
size_t	 fake_log_count(const char *needle);
void	 fake_log_clear(void);

#endif
