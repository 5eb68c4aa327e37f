/*
 * addrcount.h: open connections per client address, all listeners together
 * (MaxConnectionsPerIP).  An IPv6 client is the first IPv6PrefixLength
 * bits of its address: a host that has a /64 has 2^64 addresses to
 * connect from, so counting whole addresses would bound nothing.  Loop
 * thread only.
 */
#ifndef WINRMD_ADDRCOUNT_H
#define WINRMD_ADDRCOUNT_H

#include <stddef.h>
#include <sys/socket.h>

#define ADDR_KEY_LEN	16

/*
 * The key of a client address: IPv4, and IPv4-mapped IPv6, as the whole
 * address (::ffff:a.b.c.d); other IPv6 addresses cut to their first
 * v6_prefix bits (1-128), the rest zero.  Anything else: all zero.
 */
void	addr_key(const struct sockaddr *sa, unsigned v6_prefix,
	    unsigned char key[ADDR_KEY_LEN]);
/* "192.0.2.7", "2001:db8:1:2::/64" (v6_prefix as the key was made) */
void	addr_key_name(const unsigned char key[ADDR_KEY_LEN], unsigned v6_prefix,
	    char *buf, size_t len);

/* connections counted for key (0 if none) */
unsigned addr_count(const unsigned char key[ADDR_KEY_LEN]);
/* whether one more can be counted for key (false: the table is full) */
int	addr_room(const unsigned char key[ADDR_KEY_LEN]);
/* counts one more: 0, or -1 if the table is full (nothing counted) */
int	addr_take(const unsigned char key[ADDR_KEY_LEN]);
/* counts one less (after a successful addr_take) */
void	addr_release(const unsigned char key[ADDR_KEY_LEN]);

#endif
