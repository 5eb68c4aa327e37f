/*
 * prov.h: the IPMI provider's state, shared by classes.c (the classes and
 * the cache) and provider.c (init and fini).  Loop thread only.
 */
#ifndef WINRMD_IPMI_PROV_H
#define WINRMD_IPMI_PROV_H

#include <sys/types.h>

#include "ipmi.h"

/* the last result of one kind of data (sensors, SEL, chassis) */
struct ipmi_data {
	bool			 have;		/* a result, good or bad */
	bool			 ok;
	bool			 timed_out;	/* bad: no answer in time */
	char			 err[IPMI_ERR_MAX];
	uint64_t		 when;		/* now_ms() of the result */
	bool			 busy;		/* a refresh is queued or running */
	struct ipmi_sensors	 sensors;
	struct ipmi_sel		 sel;
	struct ipmi_chassis	 chassis;
};

enum ipmi_waiter_kind { WAIT_ENUM, WAIT_GET, WAIT_POWER };

/* a call waiting for the worker */
struct ipmi_waiter {
	struct ipmi_waiter		*next;
	struct ipmi_prov		*p;
	struct cim_ctx			*ctx;
	enum ipmi_waiter_kind		 kind;
	int				 cls;
	enum ipmi_job			 job;
	const struct cim_instance	*keys;	/* WAIT_GET: the plugin's */
	struct cim_instance		*out;	/* WAIT_POWER */
	uint64_t			 id;
	unsigned			 requested;
	struct winrmd_timer		*timer;
};

struct ipmi_prov {
	const struct cim_services *svc;
	struct bmc_conf		 conf;
	char			 why[512];	/* no BMC: why */
	uint64_t		 cache_ms, timeout_ms;
	gid_t			*admin;		/* [IPMI] AdminGroups */
	size_t			 nadmin;
	char			 system_name[300];
	char			 bmc_label[320];	/* "BMC 10.0.0.5:623" */
	struct ipmi_data	 data[JOB_DATA_KINDS];
	struct ipmi_waiter	*waiters;
	struct ipmi_worker	*worker;	/* NULL: no BMC */
	bool			 failing;	/* logged as failing */
	char			 last_note[IPMI_ERR_MAX];
	uint64_t		 next_power_id;
	unsigned		 requested_state;	/* CIM RequestedState */
};

void	 ipmi_data_clear(struct ipmi_data *d);
void	 ipmi_deliver(void *arg, struct ipmi_result *list);
void	 ipmi_waiters_abort(struct ipmi_prov *p);

#endif
