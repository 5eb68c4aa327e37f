/*
 * addrcount.c: open connections per client (addrcount.h): an
 * open-addressing table with linear probing, keyed by the client's
 * address or IPv6 prefix (addr_key), of a fixed size: a client that does
 * not fit is refused, memory never grows.
 */
#include "build.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "addrcount.h"

#define ADDR_SLOTS	4096

struct slot {
	unsigned char	key[ADDR_KEY_LEN];
	unsigned	count;		/* 0: free */
};

static struct slot slots[ADDR_SLOTS];

static const unsigned char mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

void
addr_key(const struct sockaddr *sa, unsigned v6_prefix,
    unsigned char key[ADDR_KEY_LEN])
{
	memset(key, 0, ADDR_KEY_LEN);
	if (sa->sa_family == AF_INET) {
		memcpy(key, mapped, 12);
		memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const unsigned char *a =
		    ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;

		memcpy(key, a, ADDR_KEY_LEN);
		if (memcmp(a, mapped, 12) == 0)
			return;
		if (v6_prefix == 0 || v6_prefix > 128)
			v6_prefix = 128;
		for (unsigned bit = v6_prefix; bit < 128; bit++)
			key[bit / 8] &= (unsigned char)~(0x80u >> (bit % 8));
	}
}

void
addr_key_name(const unsigned char key[ADDR_KEY_LEN], unsigned v6_prefix,
    char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (memcmp(key, mapped, 12) == 0) {
		inet_ntop(AF_INET, key + 12, ip, sizeof(ip));
		snprintf(buf, len, "%s", ip);
		return;
	}
	inet_ntop(AF_INET6, key, ip, sizeof(ip));
	if (v6_prefix == 0 || v6_prefix >= 128)
		snprintf(buf, len, "%s", ip);
	else
		snprintf(buf, len, "%s/%u", ip, v6_prefix);
}

/* the slot of key, or the free slot where it would go; NULL if full */
static struct slot *
slot_of(const unsigned char key[ADDR_KEY_LEN])
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < ADDR_KEY_LEN; i++)
		h = (h ^ key[i]) * 16777619u;
	for (unsigned n = 0; n < ADDR_SLOTS; n++) {
		struct slot *s = &slots[(h + n) % ADDR_SLOTS];

		if (s->count == 0 || memcmp(s->key, key, ADDR_KEY_LEN) == 0)
			return s;
	}
	return NULL;
}

unsigned
addr_count(const unsigned char key[ADDR_KEY_LEN])
{
	struct slot *s = slot_of(key);

	return s != NULL ? s->count : 0;
}

int
addr_room(const unsigned char key[ADDR_KEY_LEN])
{
	return slot_of(key) != NULL;
}

int
addr_take(const unsigned char key[ADDR_KEY_LEN])
{
	struct slot *s = slot_of(key);

	if (s == NULL)
		return -1;
	if (s->count++ == 0)
		memcpy(s->key, key, ADDR_KEY_LEN);
	return 0;
}

void
addr_release(const unsigned char key[ADDR_KEY_LEN])
{
	struct slot *s = slot_of(key);
	size_t i;

	if (s == NULL || s->count == 0 || --s->count > 0)
		return;
	/* backward-shift deletion: the entries after it move up their chain */
	i = (size_t)(s - slots);
	for (size_t j = (i + 1) % ADDR_SLOTS; slots[j].count != 0;
	    j = (j + 1) % ADDR_SLOTS) {
		struct slot moved = slots[j];

		slots[j].count = 0;
		*slot_of(moved.key) = moved;
	}
}
