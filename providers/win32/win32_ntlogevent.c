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
 */
#define _GNU_SOURCE

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int
open_journal(sd_journal **ret)
{
	if (w32->paths.journal != NULL)
		return sd_journal_open_directory(ret, w32->paths.journal, 0);
	return sd_journal_open(ret, SD_JOURNAL_LOCAL_ONLY);
}

static int
ntlog_enumerate(struct cim_ctx *ctx, void *unused)
{
	const struct cim_services *svc = w32->svc;
	const struct winrmd_principal *p = svc->principal(ctx);
	long long max = w32->host->conf_int("Win32", "MaxLogEvents");
	sd_journal *j = NULL;
	char *msg = NULL, host[256];
	long long n = 0;
	int r;

	(void)unused;
	if (max <= 0)
		max = DEFAULT_MAX_EVENTS;
	if (p == NULL)
		return CIM_OK;		/* no caller: no entries */
	if ((r = open_journal(&j)) < 0) {
		w32->host->log(WINRMD_LOG_WARNING, "win32: Win32_NTLogEvent: "
		    "the journal cannot be opened: %s", strerror(-r));
		return CIM_OK;
	}
	if (!sees_all(p)) {
		char m[64];

		snprintf(m, sizeof(m), "_UID=%u", (unsigned)p->uid);
		sd_journal_add_match(j, m, 0);
		sd_journal_add_disjunction(j);
		snprintf(m, sizeof(m), "_SYSTEMD_OWNER_UID=%u",
		    (unsigned)p->uid);
		sd_journal_add_match(j, m, 0);
	}
	if ((msg = malloc(MESSAGE_MAX)) == NULL) {
		sd_journal_close(j);
		return w32_fail_nomem(ctx);
	}
	w32_hostname(host, sizeof(host));
	sd_journal_set_data_threshold(j, MESSAGE_MAX);
	if (sd_journal_seek_tail(j) < 0)
		goto out;
	while (n < max && sd_journal_previous(j) > 0) {
		char prio[8], fac[8], tr[16], uid[16], id[128], comm[64];
		char unit[256], mid[40], hn[256];
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
		const char *hostname = field(j, "_HOSTNAME", hn, sizeof(hn));
		const char *m = field(j, "MESSAGE", msg, MESSAGE_MAX);
		char srt[32];
		struct w32_event e;
		struct cim_instance *i;
		uint64_t usec = 0;

		if (sd_journal_get_realtime_usec(j, &usec) >= 0)
			f.realtime = usec;
		if (field(j, "_SOURCE_REALTIME_TIMESTAMP", srt, sizeof(srt)))
			f.source_realtime = strtoull(srt, NULL, 10);
		f.seqnum = seqnum(j);
		w32_journal_event(&f, &e);
		if ((i = svc->instance(ctx)) == NULL) {
			w32_fail_nomem(ctx);
			goto out;
		}
		svc->set_string(i, EP_LOGFILE, e.logfile);
		svc->set_uint(i, EP_RECORD_NUMBER, e.record);
		svc->set_uint(i, EP_EVENT_CODE, e.event_code);
		svc->set_uint(i, EP_EVENT_IDENTIFIER, e.event_code);
		svc->set_uint(i, EP_EVENT_TYPE, e.event_type);
		svc->set_string(i, EP_TYPE, e.type);
		w32_utf8_fix(id);
		w32_utf8_fix(comm);
		svc->set_string(i, EP_SOURCE_NAME, e.source);
		if (m != NULL) {
			w32_utf8_fix(msg);
			svc->set_string(i, EP_MESSAGE, msg);
		}
		svc->set_datetime(i, EP_TIME_GENERATED,
		    (time_t)(e.generated_usec / 1000000),
		    (long)(e.generated_usec % 1000000));
		svc->set_datetime(i, EP_TIME_WRITTEN,
		    (time_t)(e.written_usec / 1000000),
		    (long)(e.written_usec % 1000000));
		if (hostname != NULL)
			w32_utf8_fix(hn);
		svc->set_string(i, EP_COMPUTER_NAME, hostname != NULL ? hn :
		    host);
		svc->set_uint(i, EP_CATEGORY, 0);
		n++;
		if (!svc->emit(ctx, i))
			break;
	}
out:
	free(msg);
	sd_journal_close(j);
	return CIM_OK;
}

const struct cim_class w32_ntlogevent_class = {
	.name = "Win32_NTLogEvent",
	.ns = W32_NS,
	.props = ntlog_props,
	.nprops = EP_COUNT,
	.enumerate = ntlog_enumerate,
};
