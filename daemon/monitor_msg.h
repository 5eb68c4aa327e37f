/*
 * monitor_msg.h: the messages between the privileged monitor and the
 * network part (docs/DESIGN.md §8), and their codec.  See monitor_msg.c.
 */
#ifndef WINRMD_MONITOR_MSG_H
#define WINRMD_MONITOR_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* a request and its answer (MON_REPLY) in one SOCK_SEQPACKET datagram */
enum mon_type {
	MON_REPLY = 1,		/* i64 result, then what the request answers */
	MON_PAM_CHECK,		/* s service-less: user, password?, rhost */
	MON_LOCKED,		/* s user -> i64 locked */
	MON_SPAWN,		/* see privsep.c: mon_spawn */
	MON_SIGNAL,		/* i64 pid, i64 sig, i64 group */
	MON_SESSION,		/* s user, s rhost, s id -> fds to, from */
	MON_GROUP_CREATE,	/* s name, i64 mem, i64 procs -> i64 id */
	MON_GROUP_KILL,		/* i64 id */
	MON_GROUP_DESTROY,	/* i64 id */
	MON_GROUP_PROCS,	/* i64 id, i64 max -> i64 n, i64 pid... */
	MON_PEM_ALLOW,		/* s path: before MON_DROPPED only */
	MON_PEM_READ,		/* s path -> s contents */
	MON_DROPPED,		/* the network part has dropped its privileges */
	MON_RELOAD,		/* read the configuration file again */
	MON_NEGO_STEP,		/* i64 id, s header, s cbt?, i64 strict */
	MON_NEGO_FREE,		/* i64 id: a handshake the client left */
	MON_NEGO_CONFIG,	/* -> i64 1 Kerberos | 2 NTLM | 4 SPNEGO */
	MON_CONF_SET,		/* i64 n, n x (s section, s key, s value) */
	MON_CONF_OPEN,		/* -> the configuration file, open to read */
	MON_KILL_MARKED,	/* i64 uid, s NAME=value -> i64 killed */
	MON_TERMINATE,		/* s user, i64 uid, i64 pid -> i64 result */
	MON_KEEPER,		/* i64 grace ms -> fd to send the set to */
	MON_GROUP_RELEASE,	/* i64 id: forgotten, not killed (kept) */
	/*
	 * keeper.c's, never the monitor's (no schema: mon_check refuses).
	 * Fixed numbers: the keeper an old daemon started hands over to the
	 * new one after a package upgrade; like the codec, they never change.
	 */
	MON_KEEP_ITEM = 64,	/* s tag, b data, i64 pidfd index, + fds */
	MON_KEEP_END = 65,	/* i64 items sent */
	MON_TYPE_MAX
};

#define MON_PAYLOAD_MAX	(1024 * 1024 + 4096)	/* a PEM file and some */
#define MON_FDS_MAX	5
#define MON_STRV_MAX	4096		/* strings in an argv or env */

/* what goes on the wire: header, then fields */
struct mon_hdr {
	uint32_t	 type;
	uint32_t	 len;		/* of the payload */
};

/* a message being built, or one received (then fds are owned by it) */
struct mon_msg {
	uint32_t	 type;
	size_t		 len;		/* payload bytes used */
	size_t		 pos;		/* reading: next field */
	bool		 bad;		/* an overflow, or a malformed field */
	int		 fds[MON_FDS_MAX];
	int		 nfds;
	uint8_t		*buf;		/* sizeof(mon_hdr) + MON_PAYLOAD_MAX */
};

/* 0, or -ENOMEM; fds all -1 */
int	mon_msg_init(struct mon_msg *m, uint32_t type);
/* closes the descriptors it still holds, frees the buffer */
void	mon_msg_free(struct mon_msg *m);
/* starts again as an empty message of type (keeps the buffer) */
void	mon_msg_reset(struct mon_msg *m, uint32_t type);

/* writing: a failure marks the message bad, mon_send then refuses it */
void	mon_put_i64(struct mon_msg *m, int64_t v);
void	mon_put_str(struct mon_msg *m, const char *s);	/* NULL: absent */
void	mon_put_strv(struct mon_msg *m, char *const *v);	/* NULL: none */
void	mon_put_fd(struct mon_msg *m, int fd);	/* sent, not closed */
/* bytes, NULs allowed (tag 'b') */
void	mon_put_bytes(struct mon_msg *m, const void *p, size_t n);

/*
 * Reading: each returns the next field if it is of that kind, else marks
 * the message bad and returns 0 / NULL.  Strings point into the message;
 * mon_get_str gives NULL for an absent one (*absent set when asked).
 */
int64_t	 mon_get_i64(struct mon_msg *m);
const char *mon_get_str(struct mon_msg *m, bool *absent);
/* a NULL-terminated malloc'd array of pointers into m (free() it), NULL */
char	**mon_get_strv(struct mon_msg *m);
/* bytes (*n their length), pointing into m; NULL if not a 'b' field */
const void *mon_get_bytes(struct mon_msg *m, size_t *n);
/* the next descriptor received (the message no longer owns it), -1 */
int	 mon_take_fd(struct mon_msg *m);
/* all read, nothing malformed: 0, else -EBADMSG */
int	 mon_get_end(struct mon_msg *m);

/*
 * The fields a request of m's type must have, in order: 'i' an integer,
 * 's' a string, 'S' a string or an absent one, 'v' an array of strings
 * (NULL for MON_REPLY and unknown types); "*" for MON_CONF_SET: an
 * integer n (1 to 64), then n triples of strings.
 */
const char *mon_schema(uint32_t type);
/*
 * Whether a request is well-formed: a known type whose fields are its
 * schema's, nothing more; the reading position is left at the start.
 * 0, or -EBADMSG.
 */
int	mon_check(struct mon_msg *m);

/*
 * Parses a received datagram (header and payload, n bytes) into m: 0, or
 * -EBADMSG for a short one, a length that disagrees, an unknown type.
 */
int	mon_parse(struct mon_msg *m, const uint8_t *data, size_t n);

/* one datagram with its descriptors: 0 or -errno */
int	mon_send(int sock, struct mon_msg *m);
/* blocks for one: 0, -EPIPE at end of file, -EBADMSG, -errno */
int	mon_recv(int sock, struct mon_msg *m);

#endif
