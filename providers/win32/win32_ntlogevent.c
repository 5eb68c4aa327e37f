/*
 * win32_ntlogevent.c: Win32_NTLogEvent from the systemd journal (keys
 * Logfile and RecordNumber): the newest [Win32] MaxLogEvents entries,
 * newest first, read with sd-journal.  The caller sees what journalctl
 * would show them: root and members of adm, systemd-journal or wheel (the
 * groups the journal's ACLs admit) every entry; anyone else only the
 * entries of their own processes (_UID) and user units
 * (_SYSTEMD_OWNER_UID).  Mapping (w32_journal_event):
 *  - Logfile: "Security" for auth and authpriv (facilities 4 and 10) and
 *    the audit transport, "System" for the kernel, root's processes and
 *    the daemon facility, "Application" for the rest;
 *  - Type/EventType from PRIORITY: 0-3 Error (1), 4 Warning (2), 5-7
 *    Information (3);
 *  - SourceName: SYSLOG_IDENTIFIER, else _COMM, else the unit;
 *  - EventCode: the first 16 bits of MESSAGE_ID (0 without one), so equal
 *    message catalog entries have equal codes;
 *  - RecordNumber: the entry's sequence number (32 bits);
 *  - TimeGenerated: _SOURCE_REALTIME_TIMESTAMP, else the time written.
 * The journal is read in a thread, the call answers when it is done.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "win32.h"

#define DEFAULT_MAX_EVENTS	1000
#define MESSAGE_MAX		8192	/* bytes of one message kept */

enum {
	EP_LOGFILE, EP_RECORD_NUMBER, EP_EVENT_CODE, EP_EVENT_IDENTIFIER,
	EP_EVENT_TYPE, EP_TYPE, EP_SOURCE_NAME, EP_MESSAGE, EP_TIME_GENERATED,
	EP_TIME_WRITTEN, EP_COMPUTER_NAME, EP_CATEGORY, EP_USER,
	EP_COUNT
};

static const struct cim_property ntlog_props[EP_COUNT] = {
	[EP_LOGFILE] = { "Logfile", CIM_STRING, CIM_KEY },
	[EP_RECORD_NUMBER] = { "RecordNumber", CIM_UINT32, CIM_KEY },
	[EP_EVENT_CODE] = { "EventCode", CIM_UINT16, 0 },
	[EP_EVENT_IDENTIFIER] = { "EventIdentifier", CIM_UINT32, 0 },
	[EP_EVENT_TYPE] = { "EventType", CIM_UINT8, 0 },
	[EP_TYPE] = { "Type", CIM_STRING, 0 },
	[EP_SOURCE_NAME] = { "SourceName", CIM_STRING, 0 },
	[EP_MESSAGE] = { "Message", CIM_STRING, 0 },
	[EP_TIME_GENERATED] = { "TimeGenerated", CIM_DATETIME, 0 },
	[EP_TIME_WRITTEN] = { "TimeWritten", CIM_DATETIME, 0 },
	[EP_COMPUTER_NAME] = { "ComputerName", CIM_STRING, 0 },
	[EP_CATEGORY] = { "Category", CIM_UINT16, 0 },
	[EP_USER] = { "User", CIM_STRING, 0 },
};

/* ------------------------------------------------------------ pure */

void
w32_journal_event(const struct w32_journal_fields *f, struct w32_event *ret)
{
	long prio = f->priority != NULL ? strtol(f->priority, NULL, 10) : 6;
	long fac = f->facility != NULL ? strtol(f->facility, NULL, 10) : -1;
	const char *t = f->transport != NULL ? f->transport : "";

	memset(ret, 0, sizeof(*ret));
	if (fac == 4 || fac == 10 || strcmp(t, "audit") == 0)
		ret->logfile = "Security";
	else if (strcmp(t, "kernel") == 0 || strcmp(t, "driver") == 0 ||
	    fac == 0 || fac == 3 ||
	    (f->uid != NULL && strcmp(f->uid, "0") == 0))
		ret->logfile = "System";
	else
		ret->logfile = "Application";
	if (prio <= 3) {
		ret->event_type = 1;
		ret->type = "Error";
	} else if (prio == 4) {
		ret->event_type = 2;
		ret->type = "Warning";
	} else {
		ret->event_type = 3;
		ret->type = "Information";
	}
	if (f->identifier != NULL && f->identifier[0] != '\0')
		ret->source = f->identifier;
	else if (f->comm != NULL && f->comm[0] != '\0')
		ret->source = f->comm;
	else if (f->unit != NULL && f->unit[0] != '\0')
		ret->source = f->unit;
	else if (strcmp(t, "kernel") == 0)
		ret->source = "kernel";
	else
		ret->source = "journal";
	if (f->message_id != NULL && strlen(f->message_id) >= 4) {
		char h[5];

		memcpy(h, f->message_id, 4);
		h[4] = '\0';
		ret->event_code = (uint16_t)strtoul(h, NULL, 16);
	}
	ret->record = (uint32_t)f->seqnum;
	ret->generated_usec = f->source_realtime != 0 ? f->source_realtime :
	    f->realtime;
	ret->written_usec = f->realtime;
}

/* ------------------------------------------------------------ reading */

/* may the caller read every entry, as journalctl lets them */
static bool
sees_all(const struct winrmd_principal *p)
{
	static const char *const groups[] = { "adm", "systemd-journal",
	    "wheel", NULL };

	if (p->uid == 0)
		return true;
	for (size_t g = 0; groups[g] != NULL; g++) {
		struct group gr, *res = NULL;
		char buf[4096];

		if (getgrnam_r(groups[g], &gr, buf, sizeof(buf), &res) != 0 ||
		    res == NULL)
			continue;
		for (int k = 0; k < p->ngroups; k++)
			if (p->groups[k] == gr.gr_gid)
				return true;
		if (p->gid == gr.gr_gid)
			return true;
	}
	return false;
}

/* a field's value, NUL-terminated into buf, or NULL */
static const char *
field(sd_journal *j, const char *name, char *buf, size_t len)
{
	const void *d;
	size_t n, k = strlen(name);

	if (sd_journal_get_data(j, name, &d, &n) < 0 || n <= k ||
	    ((const char *)d)[k] != '=')
		return NULL;
	n -= k + 1;
	if (n >= len)
		n = len - 1;
	memcpy(buf, (const char *)d + k + 1, n);
	buf[n] = '\0';
	return buf;
}

/* the sequence number of the entry: "i=" of its cursor */
static uint64_t
seqnum(sd_journal *j)
{
	char *cursor = NULL, *p;
	uint64_t v = 0;

	if (sd_journal_get_cursor(j, &cursor) < 0)
		return 0;
	if ((p = strstr(cursor, ";i=")) != NULL)
		v = strtoull(p + 3, NULL, 16);
	free(cursor);
	return v;
}

/*
 * The journal is read in a thread of its own (its files may be cold on a
 * slow disk): the entries are copied, and the loop thread, woken through
 * an eventfd, turns them into instances.
 */
struct entry {
	struct w32_event	 e;
	char			*source, *message, *computer;
};

struct w32_log_job {
	struct w32_log_job	*next;
	struct cim_ctx		*ctx;
	pthread_t		 thread;
	bool			 thread_running;
	int			 efd;
	struct winrmd_watch	*w_done;
	/* the thread's input */
	uid_t			 uid;
	bool			 all;
	long long		 max;
	char			*dir;		/* w32->paths.journal, copied */
	/* its output */
	struct entry		*ev;
	size_t			 n, cap;
	int			 err;		/* opening the journal */
};

static struct w32_log_job *log_jobs;

static int
read_entries(struct w32_log_job *job)
{
	sd_journal *j = NULL;
	char *msg = NULL;
	int r;

	if ((r = job->dir != NULL ? sd_journal_open_directory(&j, job->dir, 0) :
	    sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY)) < 0)
		return r;
	if (!job->all) {
		char m[64];

		snprintf(m, sizeof(m), "_UID=%u", (unsigned)job->uid);
		sd_journal_add_match(j, m, 0);
		sd_journal_add_disjunction(j);
		snprintf(m, sizeof(m), "_SYSTEMD_OWNER_UID=%u",
		    (unsigned)job->uid);
		sd_journal_add_match(j, m, 0);
	}
	if ((msg = malloc(MESSAGE_MAX)) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	sd_journal_set_data_threshold(j, MESSAGE_MAX);
	if (sd_journal_seek_tail(j) < 0)
		goto out;
	while (job->n < (size_t)job->max && sd_journal_previous(j) > 0) {
		char prio[8], fac[8], tr[16], uid[16], id[128], comm[64];
		char unit[256], mid[40], hn[256], srt[32];
		struct w32_journal_fields f = {
			.priority = field(j, "PRIORITY", prio, sizeof(prio)),
			.facility = field(j, "SYSLOG_FACILITY", fac, sizeof(fac)),
			.transport = field(j, "_TRANSPORT", tr, sizeof(tr)),
			.uid = field(j, "_UID", uid, sizeof(uid)),
			.identifier = field(j, "SYSLOG_IDENTIFIER", id, sizeof(id)),
			.comm = field(j, "_COMM", comm, sizeof(comm)),
			.unit = field(j, "_SYSTEMD_UNIT", unit, sizeof(unit)),
			.message_id = field(j, "MESSAGE_ID", mid, sizeof(mid)),
		};
		struct entry *e;
		uint64_t usec = 0;

		if (job->n == job->cap) {
			size_t cap = job->cap ? 2 * job->cap : 256;

			if ((e = realloc(job->ev, cap * sizeof(*e))) == NULL) {
				r = -ENOMEM;
				break;
			}
			job->ev = e;
			job->cap = cap;
		}
		e = &job->ev[job->n];
		memset(e, 0, sizeof(*e));

		if (sd_journal_get_realtime_usec(j, &usec) >= 0)
			f.realtime = usec;
		if (field(j, "_SOURCE_REALTIME_TIMESTAMP", srt, sizeof(srt)))
			f.source_realtime = strtoull(srt, NULL, 10);
		f.seqnum = seqnum(j);
		w32_journal_event(&f, &e->e);
		e->source = strdup(e->e.source);
		e->e.source = NULL;	/* pointed into this iteration */
		if (field(j, "MESSAGE", msg, MESSAGE_MAX) != NULL)
			e->message = strdup(msg);
		if (field(j, "_HOSTNAME", hn, sizeof(hn)) != NULL)
			e->computer = strdup(hn);
		job->n++;
		if (e->source == NULL) {
			r = -ENOMEM;
			break;
		}
	}
out:
	free(msg);
	sd_journal_close(j);
	return r < 0 ? r : 0;
}

static void *
log_worker(void *arg)
{
	struct w32_log_job *job = arg;
	uint64_t one = 1;

	job->err = read_entries(job);
	if (write(job->efd, &one, sizeof(one)) < 0) {
		/* the loop thread cannot be woken: fini joins us */
	}
	return NULL;
}

static void
job_free(struct w32_log_job *job)
{
	for (struct w32_log_job **pp = &log_jobs; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == job) {
			*pp = job->next;
			break;
		}
	if (job->w_done != NULL)
		w32->host->watch_remove(job->w_done);
	if (job->thread_running)
		pthread_join(job->thread, NULL);
	if (job->efd >= 0)
		close(job->efd);
	for (size_t k = 0; k < job->n; k++) {
		free(job->ev[k].source);
		free(job->ev[k].message);
		free(job->ev[k].computer);
	}
	free(job->ev);
	free(job->dir);
	free(job);
}

static void
emit_entries(struct w32_log_job *job)
{
	const struct cim_services *svc = w32->svc;
	struct cim_ctx *ctx = job->ctx;
	char host[256];

	if (job->err == -ENOMEM) {
		w32_fail_nomem(ctx);
		return;
	}
	if (job->err < 0) {
		w32->host->log(WINRMD_LOG_WARNING, "win32: Win32_NTLogEvent: "
		    "the journal cannot be opened: %s", strerror(-job->err));
		return;			/* empty, as without a journal */
	}
	w32_hostname(host, sizeof(host));
	for (size_t k = 0; k < job->n; k++) {
		struct entry *e = &job->ev[k];
		struct cim_instance *i;

		if ((i = svc->instance(ctx)) == NULL) {
			w32_fail_nomem(ctx);
			return;
		}
		svc->set_string(i, EP_LOGFILE, e->e.logfile);
		svc->set_uint(i, EP_RECORD_NUMBER, e->e.record);
		svc->set_uint(i, EP_EVENT_CODE, e->e.event_code);
		svc->set_uint(i, EP_EVENT_IDENTIFIER, e->e.event_code);
		svc->set_uint(i, EP_EVENT_TYPE, e->e.event_type);
		svc->set_string(i, EP_TYPE, e->e.type);
		w32_utf8_fix(e->source);
		svc->set_string(i, EP_SOURCE_NAME, e->source);
		if (e->message != NULL) {
			w32_utf8_fix(e->message);
			svc->set_string(i, EP_MESSAGE, e->message);
		}
		svc->set_datetime(i, EP_TIME_GENERATED,
		    (time_t)(e->e.generated_usec / 1000000),
		    (long)(e->e.generated_usec % 1000000));
		svc->set_datetime(i, EP_TIME_WRITTEN,
		    (time_t)(e->e.written_usec / 1000000),
		    (long)(e->e.written_usec % 1000000));
		if (e->computer != NULL)
			w32_utf8_fix(e->computer);
		svc->set_string(i, EP_COMPUTER_NAME, e->computer != NULL ?
		    e->computer : host);
		svc->set_uint(i, EP_CATEGORY, 0);
		if (!svc->emit(ctx, i))
			return;
	}
}

static void
on_log_done(int fd, uint32_t events, void *arg)
{
	struct w32_log_job *job = arg;
	struct cim_ctx *ctx = job->ctx;

	(void)fd;
	(void)events;
	emit_entries(job);
	job->ctx = NULL;
	job_free(job);		/* joins the worker, which has returned */
	w32->svc->complete(ctx);
}

static int
ntlog_enumerate(struct cim_ctx *ctx, void *unused)
{
	const struct winrmd_principal *p = w32->svc->principal(ctx);
	long long max = w32->host->conf_int("Win32", "MaxLogEvents");
	struct w32_log_job *job;

	(void)unused;
	if (p == NULL)
		return CIM_OK;		/* no caller: no entries */
	if ((job = calloc(1, sizeof(*job))) == NULL)
		return w32_fail_nomem(ctx);
	job->efd = -1;
	job->ctx = ctx;
	job->uid = p->uid;
	job->all = sees_all(p);
	job->max = max > 0 ? max : DEFAULT_MAX_EVENTS;
	if ((w32->paths.journal != NULL &&
	    (job->dir = strdup(w32->paths.journal)) == NULL) ||
	    (job->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
	    (job->w_done = w32->host->watch_add(job->efd, WINRMD_IN,
	    on_log_done, job)) == NULL ||
	    pthread_create(&job->thread, NULL, log_worker, job) != 0) {
		job->ctx = NULL;
		job_free(job);
		return w32->svc->fail(ctx, WINRMD_FAULT_INTERNAL_ERROR,
		    "no thread to read the journal");
	}
	job->thread_running = true;
	job->next = log_jobs;
	log_jobs = job;
	return CIM_PENDING;
}

void
w32_ntlogevent_fini(void)
{
	while (log_jobs != NULL) {
		struct w32_log_job *job = log_jobs;

		if (job->ctx != NULL) {
			w32->svc->fail(job->ctx, WINRMD_FAULT_SERVICE_STOPPING,
			    "The service is stopping.");
			w32->svc->complete(job->ctx);
			job->ctx = NULL;
		}
		job_free(job);		/* waits for the read */
	}
}

const struct cim_class w32_ntlogevent_class = {
	.name = "Win32_NTLogEvent",
	.ns = W32_NS,
	.props = ntlog_props,
	.nprops = EP_COUNT,
	.enumerate = ntlog_enumerate,
};
