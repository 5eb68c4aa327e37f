/*
 * psrp_outq.c: the messages a pool or pipeline has for the client, in
 * order, each numbered with the pool's next ObjectId, and their packing
 * into whole fragments within the room of one Receive (a message larger
 * than the room goes out over several).  No I/O, no host: for the unit
 * tests (check_psrp_outq).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "psrp.h"

int
psrp_queue(struct psrp_pool *p, struct psrp_outq *q, uint32_t type,
    const struct psrp_guid *pid, struct clixml_value *v)
{
	size_t xlen;
	char *xml;
	int r;

	if (v == NULL)
		return -ENOMEM;
	xml = clixml_write(v, &xlen);
	clixml_unref(v);
	if (xml == NULL)
		return -ENOMEM;
	r = psrp_queue_xml(p, q, type, pid, xml, xlen);
	free(xml);
	return r;
}

int
psrp_queue_xml(struct psrp_pool *p, struct psrp_outq *q, uint32_t type,
    const struct psrp_guid *pid, const char *xml, size_t xlen)
{
	struct psrp_outmsg *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -ENOMEM;
	m->msg = psrp_msg_encode(PSRP_DEST_CLIENT, type, &p->rpid, pid, xml,
	    xlen, true, &m->len);
	if (m->msg == NULL) {
		free(m);
		return -ENOMEM;
	}
	m->cur.fc_object_id = ++p->next_object;
	if (q->tail != NULL)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = m;
	q->bytes += m->len;
	return 0;
}

size_t
psrp_outq_pack(struct psrp_outq *q, uint8_t *out, size_t room)
{
	size_t used = 0;

	while (q->head != NULL) {
		struct psrp_outmsg *m = q->head;
		size_t before = m->cur.fc_offset;
		size_t n = psrp_frag_put(&m->cur, m->msg, m->len, out + used,
		    room - used);

		if (n == 0)
			break;
		used += n;
		q->bytes -= m->cur.fc_offset - before;
		if (m->cur.fc_done) {
			q->head = m->next;
			if (q->head == NULL)
				q->tail = NULL;
			free(m->msg);
			free(m);
		}
	}
	return used;
}

void
psrp_outq_clear(struct psrp_outq *q)
{
	while (q->head != NULL) {
		struct psrp_outmsg *m = q->head;

		q->head = m->next;
		free(m->msg);
		free(m);
	}
	q->tail = NULL;
	q->bytes = 0;
}


void
psrp_outq_rewind(struct psrp_outq *q)
{
	struct psrp_outmsg *m = q->head;

	if (m == NULL || m->cur.fc_offset == 0)
		return;
	q->bytes += m->cur.fc_offset;
	m->cur.fc_offset = 0;
	m->cur.fc_fragment_id = 0;
	m->cur.fc_done = false;
}
