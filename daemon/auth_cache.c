/*
 * auth_cache.c: remembers successful Basic verifications for a short time,
 * so that clients which send Basic on every request do not pay a PAM
 * conversation each time.  Keyed by HMAC-SHA256 over user and password with
 * a random per-process key: the password is never stored.  The same keyed
 * hash names the checks in flight (auth_job.c).  Loop thread only.
 */
#include "build.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "auth.h"

#define CACHE_SETS	64
#define CACHE_WAYS	8

struct entry {
	unsigned char		 mac[32];
	uint64_t		 expires;
	struct principal	*p;
};

static EVP_MAC *hmac;
/* keyed once; every MAC re-initialises it with that key (EVP_MAC_init) */
static EVP_MAC_CTX *keyed;
static struct entry cache[CACHE_SETS][CACHE_WAYS];

int
auth_cache_init(void)
{
	unsigned char key[32];
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	int ok;

	auth_cache_flush();
	EVP_MAC_CTX_free(keyed);
	keyed = NULL;
	if (hmac == NULL && (hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return -1;
	ok = RAND_bytes(key, sizeof(key)) == 1 &&
	    (keyed = EVP_MAC_CTX_new(hmac)) != NULL &&
	    EVP_MAC_init(keyed, key, sizeof(key), params);
	OPENSSL_cleanse(key, sizeof(key));
	if (!ok) {
		EVP_MAC_CTX_free(keyed);
		keyed = NULL;
		return -1;
	}
	return 0;
}

static void
entry_clear(struct entry *e)
{
	principal_unref(e->p);
	memset(e, 0, sizeof(*e));
}

void
auth_cache_flush(void)
{
	for (int s = 0; s < CACHE_SETS; s++)
		for (int w = 0; w < CACHE_WAYS; w++)
			entry_clear(&cache[s][w]);
}

int
auth_mac(const char *const parts[], size_t n, unsigned char mac[32])
{
	size_t outl = 0;
	int ok;

	/* a NULL key: the one given at auth_cache_init(), already digested */
	ok = keyed != NULL && EVP_MAC_init(keyed, NULL, 0, NULL);
	for (size_t i = 0; ok && i < n; i++)
		ok = EVP_MAC_update(keyed, (const unsigned char *)parts[i],
		    strlen(parts[i]) + 1);
	ok = ok && EVP_MAC_final(keyed, mac, &outl, 32) && outl == 32;
	return ok ? 0 : -1;
}

/* HMAC-SHA256(key, user || NUL || password || NUL) */
static int
mac_of(const char *user, const char *password, unsigned char mac[32])
{
	const char *parts[] = { user, password };

	return auth_mac(parts, 2, mac);
}

struct principal *
auth_cache_get(const char *user, const char *password, uint64_t now_ms)
{
	unsigned char mac[32];
	struct entry *set;

	if (mac_of(user, password, mac) < 0)
		return NULL;
	set = cache[mac[0] % CACHE_SETS];
	for (int w = 0; w < CACHE_WAYS; w++) {
		struct entry *e = &set[w];

		if (e->p == NULL || CRYPTO_memcmp(e->mac, mac, 32) != 0)
			continue;
		if (e->expires <= now_ms) {
			entry_clear(e);
			return NULL;
		}
		return e->p;
	}
	return NULL;
}

void
auth_cache_put(const char *user, const char *password, struct principal *p,
    uint64_t expires_ms)
{
	unsigned char mac[32];
	struct entry *set, *victim;

	if (mac_of(user, password, mac) < 0)
		return;
	set = cache[mac[0] % CACHE_SETS];
	victim = &set[0];
	for (int w = 0; w < CACHE_WAYS; w++) {
		if (set[w].p == NULL ||
		    CRYPTO_memcmp(set[w].mac, mac, 32) == 0) {
			victim = &set[w];
			break;
		}
		if (set[w].expires < victim->expires)
			victim = &set[w];
	}
	entry_clear(victim);
	memcpy(victim->mac, mac, 32);
	victim->expires = expires_ms;
	victim->p = principal_ref(p);
}

void
auth_cache_evict_user(const char *user)
{
	for (int s = 0; s < CACHE_SETS; s++)
		for (int w = 0; w < CACHE_WAYS; w++)
			if (cache[s][w].p != NULL &&
			    strcmp(cache[s][w].p->pub.name, user) == 0)
				entry_clear(&cache[s][w]);
}

void
auth_cache_replace(struct principal *old, struct principal *new)
{
	for (int s = 0; s < CACHE_SETS; s++)
		for (int w = 0; w < CACHE_WAYS; w++)
			if (cache[s][w].p == old) {
				principal_unref(old);
				cache[s][w].p = principal_ref(new);
			}
}
