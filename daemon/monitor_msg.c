/*
 * monitor_msg.c: the codec of the monitor's messages, in the manner of
 * OpenBSD's imsg: one message is one SOCK_SEQPACKET datagram, a header
 * (type, payload length) then typed fields, and up to MON_FDS_MAX
 * descriptors as SCM_RIGHTS.  A field is a tag byte and its value:
 *
 *   'i' int64 (8 bytes, little-endian)
 *   's' string: uint32 length, the bytes, a NUL (no NUL inside)
 *   'n' an absent string
 *   'v' array of strings: uint32 count (<= MON_STRV_MAX), then 's' fields
 *   'b' bytes: uint32 length, the bytes (NULs allowed)
 *
 * Reading checks every length against what is left and every tag against
 * what the reader expects; a mismatch marks the message bad, and the
 * reader (mon_get_end) refuses it whole.  No allocation but the buffer and
 * mon_get_strv's array.
 */
#include "build.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "monitor_msg.h"

#define HDR	sizeof(struct mon_hdr)

int
mon_msg_init(struct mon_msg *m, uint32_t type)
{
	memset(m, 0, sizeof(*m));
	for (int i = 0; i < MON_FDS_MAX; i++)
		m->fds[i] = -1;
	if ((m->buf = malloc(HDR + MON_PAYLOAD_MAX)) == NULL)
		return -ENOMEM;
	m->type = type;
	return 0;
}

static void
close_fds(struct mon_msg *m)
{
	for (int i = 0; i < MON_FDS_MAX; i++) {
		if (m->fds[i] >= 0)
			close(m->fds[i]);
		m->fds[i] = -1;
	}
	m->nfds = 0;
}

void
mon_msg_free(struct mon_msg *m)
{
	close_fds(m);
	free(m->buf);
	m->buf = NULL;
}

void
mon_msg_reset(struct mon_msg *m, uint32_t type)
{
	close_fds(m);
	m->type = type;
	m->len = m->pos = 0;
	m->bad = false;
}

/* ------------------------------------------------------------- writing */

static uint8_t *
room(struct mon_msg *m, size_t n)
{
	uint8_t *p;

	if (m->bad || n > MON_PAYLOAD_MAX - m->len) {
		m->bad = true;
		return NULL;
	}
	p = m->buf + HDR + m->len;
	m->len += n;
	return p;
}

static void
put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void
mon_put_i64(struct mon_msg *m, int64_t v)
{
	uint8_t *p = room(m, 9);

	if (p == NULL)
		return;
	p[0] = 'i';
	for (int i = 0; i < 8; i++)
		p[1 + i] = (uint8_t)((uint64_t)v >> (8 * i));
}

void
mon_put_str(struct mon_msg *m, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;
	uint8_t *p;

	if (s == NULL) {
		if ((p = room(m, 1)) != NULL)
			p[0] = 'n';
		return;
	}
	if (n > UINT32_MAX || (p = room(m, 1 + 4 + n + 1)) == NULL) {
		m->bad = true;
		return;
	}
	p[0] = 's';
	put_u32(p + 1, (uint32_t)n);
	memcpy(p + 5, s, n + 1);
}

void
mon_put_strv(struct mon_msg *m, char *const *v)
{
	size_t n = 0;
	uint8_t *p;

	while (v != NULL && v[n] != NULL)
		n++;
	if (n > MON_STRV_MAX || (p = room(m, 5)) == NULL) {
		m->bad = true;
		return;
	}
	p[0] = 'v';
	put_u32(p + 1, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		mon_put_str(m, v[i]);
}

void
mon_put_bytes(struct mon_msg *m, const void *s, size_t n)
{
	uint8_t *p;

	if (n > UINT32_MAX || (p = room(m, 1 + 4 + n)) == NULL) {
		m->bad = true;
		return;
	}
	p[0] = 'b';
	put_u32(p + 1, (uint32_t)n);
	if (n > 0)
		memcpy(p + 5, s, n);
}

void
mon_put_fd(struct mon_msg *m, int fd)
{
	if (fd < 0 || m->nfds >= MON_FDS_MAX) {
		m->bad = true;
		return;
	}
	m->fds[m->nfds++] = fd;
}

/* ------------------------------------------------------------- reading */

static const uint8_t *
take(struct mon_msg *m, size_t n)
{
	const uint8_t *p;

	if (m->bad || n > m->len - m->pos) {
		m->bad = true;
		return NULL;
	}
	p = m->buf + HDR + m->pos;
	m->pos += n;
	return p;
}

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static bool
tag(struct mon_msg *m, uint8_t want)
{
	const uint8_t *p;

	if (m->bad || m->pos >= m->len ||
	    m->buf[HDR + m->pos] != want) {
		m->bad = true;
		return false;
	}
	p = take(m, 1);
	return p != NULL;
}

int64_t
mon_get_i64(struct mon_msg *m)
{
	const uint8_t *p;
	uint64_t v = 0;

	if (!tag(m, 'i') || (p = take(m, 8)) == NULL)
		return 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return (int64_t)v;
}

const char *
mon_get_str(struct mon_msg *m, bool *absent)
{
	const uint8_t *p;
	uint32_t n;

	if (absent != NULL)
		*absent = false;
	if (!m->bad && m->pos < m->len && m->buf[HDR + m->pos] == 'n') {
		m->pos++;
		if (absent != NULL)
			*absent = true;
		return NULL;
	}
	if (!tag(m, 's') || (p = take(m, 4)) == NULL)
		return NULL;
	n = get_u32(p);
	if (n > m->len - m->pos - 1 || m->len - m->pos < 1 ||
	    (p = take(m, (size_t)n + 1)) == NULL || p[n] != '\0' ||
	    memchr(p, '\0', n) != NULL) {
		m->bad = true;
		return NULL;
	}
	return (const char *)p;
}

const void *
mon_get_bytes(struct mon_msg *m, size_t *n)
{
	const uint8_t *p;
	uint32_t len;

	*n = 0;
	if (!tag(m, 'b') || (p = take(m, 4)) == NULL)
		return NULL;
	len = get_u32(p);
	if ((p = take(m, len)) == NULL)
		return NULL;
	*n = len;
	return p;
}

char **
mon_get_strv(struct mon_msg *m)
{
	const uint8_t *p;
	uint32_t n;
	char **v;

	if (!tag(m, 'v') || (p = take(m, 4)) == NULL)
		return NULL;
	/* each string takes 6 bytes at least: no huge array for a lie */
	if ((n = get_u32(p)) > MON_STRV_MAX || n > (m->len - m->pos) / 6 ||
	    (v = calloc((size_t)n + 1, sizeof(*v))) == NULL) {
		m->bad = true;
		return NULL;
	}
	for (uint32_t i = 0; i < n; i++) {
		bool absent;

		if ((v[i] = (char *)mon_get_str(m, &absent)) == NULL) {
			m->bad = true;
			free(v);
			return NULL;
		}
	}
	return v;
}

int
mon_take_fd(struct mon_msg *m)
{
	for (int i = 0; i < MON_FDS_MAX; i++) {
		if (m->fds[i] >= 0) {
			int fd = m->fds[i];

			m->fds[i] = -1;
			return fd;
		}
	}
	return -1;
}

int
mon_get_end(struct mon_msg *m)
{
	return m->bad || m->pos != m->len ? -EBADMSG : 0;
}

const char *
mon_schema(uint32_t type)
{
	static const char *const schemas[MON_TYPE_MAX] = {
		[MON_PAM_CHECK] = "sSs",
		[MON_LOCKED] = "s",
		[MON_SPAWN] = "siSvvSiiiiii",
		[MON_SIGNAL] = "iii",
		[MON_SESSION] = "sss",
		[MON_GROUP_CREATE] = "sii",
		[MON_GROUP_KILL] = "i",
		[MON_GROUP_DESTROY] = "i",
		[MON_GROUP_PROCS] = "ii",
		[MON_PEM_ALLOW] = "s",
		[MON_PEM_READ] = "s",
		[MON_DROPPED] = "",
		[MON_RELOAD] = "",
		[MON_NEGO_STEP] = "isSi",
		[MON_NEGO_FREE] = "i",
		[MON_NEGO_CONFIG] = "",
		/* an integer n, then n triples of strings */
		[MON_CONF_SET] = "*",
		[MON_CONF_OPEN] = "",
		[MON_KILL_MARKED] = "is",
		[MON_TERMINATE] = "sii",
		[MON_KEEPER] = "i",
		[MON_GROUP_RELEASE] = "i",
	};

	return type < MON_TYPE_MAX ? schemas[type] : NULL;
}

int
mon_check(struct mon_msg *m)
{
	const char *s = mon_schema(m->type);
	bool absent;
	int r;

	if (s == NULL)
		return -EBADMSG;
	m->pos = 0;
	if (strcmp(s, "*") == 0) {
		int64_t n = mon_get_i64(m);

		if (n < 1 || n > 64) {
			m->bad = true;
			n = 0;
		}
		for (int64_t i = 0; i < n * 3 && !m->bad; i++)
			if (mon_get_str(m, NULL) == NULL)
				m->bad = true;
		s = "";
	}
	for (; *s != '\0' && !m->bad; s++) {
		switch (*s) {
		case 'i':
			mon_get_i64(m);
			break;
		case 's':
		case 'S':
			if (mon_get_str(m, &absent) == NULL &&
			    (*s == 's' || !absent))
				m->bad = true;
			break;
		case 'v':
			free(mon_get_strv(m));
			break;
		}
	}
	r = mon_get_end(m);
	m->pos = 0;
	m->bad = false;
	return r;
}

int
mon_parse(struct mon_msg *m, const uint8_t *data, size_t n)
{
	struct mon_hdr h;

	m->len = m->pos = 0;
	m->bad = false;
	if (n < HDR)
		return -EBADMSG;
	memcpy(&h, data, HDR);
	if (h.type == 0 || h.type >= MON_TYPE_MAX || h.len > MON_PAYLOAD_MAX ||
	    (size_t)h.len != n - HDR)
		return -EBADMSG;
	if (data != m->buf)
		memcpy(m->buf + HDR, data + HDR, h.len);
	m->type = h.type;
	m->len = h.len;
	return 0;
}

/* --------------------------------------------------------------- wire */

int
mon_send(int sock, struct mon_msg *m)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * MON_FDS_MAX)];
	} cm;
	struct mon_hdr h = { .type = m->type, .len = (uint32_t)m->len };
	struct iovec iov;
	struct msghdr mh;
	ssize_t r;

	if (m->bad)
		return -EMSGSIZE;
	memcpy(m->buf, &h, HDR);
	iov.iov_base = m->buf;
	iov.iov_len = HDR + m->len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (m->nfds > 0) {
		struct cmsghdr *c;

		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)m->nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)m->nfds);
		memcpy(CMSG_DATA(c), m->fds, sizeof(int) * (size_t)m->nfds);
	}
	do
		r = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	/* the descriptors were lent, not given */
	for (int i = 0; i < MON_FDS_MAX; i++)
		m->fds[i] = -1;
	m->nfds = 0;
	return r < 0 ? -errno : 0;
}

int
mon_recv(int sock, struct mon_msg *m)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * MON_FDS_MAX)];
	} cm;
	struct iovec iov = { .iov_base = NULL, .iov_len = HDR + MON_PAYLOAD_MAX };
	struct msghdr mh;
	struct cmsghdr *c;
	int nfds = 0, r;
	ssize_t n;

	mon_msg_reset(m, 0);
	iov.iov_base = m->buf;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; (i + 1) * sizeof(int) <=
		    c->cmsg_len - CMSG_LEN(0); i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (nfds < MON_FDS_MAX)
				m->fds[nfds++] = fd;
			else
				close(fd);
		}
	}
	m->nfds = nfds;
	if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0)
		return -EBADMSG;
	return (r = mon_parse(m, m->buf, (size_t)n)) < 0 ? r : 0;
}
