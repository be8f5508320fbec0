#include "sip/tsx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "autoconf.h"
#include "sip/sip_int.h"

struct sip_tsx_globals sip_tsx_g;

static struct sip_tsx *pool;
static unsigned pool_cap;
static unsigned pool_used;
static unsigned pool_high;
static unsigned pool_next; /* where the search for a free slot starts */
static struct sip_tsx **buckets;
static struct sip_tsx **merge_buckets;
static unsigned n_buckets; /* a power of two */

uint64_t sip_tsx_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h = (h ^ b[i]) * 0x100000001b3ULL;
	}
	return h;
}

int sip_tsx_init(unsigned cap, sip_tsx_send_fn send)
{
	n_buckets = 1;
	while (n_buckets < cap) {
		n_buckets <<= 1;
	}
	pool = calloc(cap, sizeof(*pool));
	buckets = calloc(n_buckets, sizeof(*buckets));
	merge_buckets = calloc(n_buckets, sizeof(*merge_buckets));
	if (!pool || !buckets || !merge_buckets) {
		free(pool);
		free(buckets);
		free(merge_buckets);
		pool = NULL;
		buckets = merge_buckets = NULL;
		return -ENOMEM;
	}
	pool_cap = cap;
	pool_used = pool_high = pool_next = 0;
	sip_tsx_g.send = send;
	sip_tsx_set_timers(CONFIG_SIP_T1_MS, CONFIG_SIP_T2_MS, CONFIG_SIP_T4_MS);
	return 0;
}

void sip_tsx_fini(void)
{
	for (unsigned i = 0; i < pool_cap; i++) {
		if (pool[i].used) {
			sip_tsx_destroy(&pool[i]);
		}
	}
	free(pool);
	free(buckets);
	free(merge_buckets);
	pool = NULL;
	buckets = merge_buckets = NULL;
	pool_cap = 0;
}

void sip_tsx_set_timers(uint32_t t1, uint32_t t2, uint32_t t4)
{
	sip_tsx_g.t1 = t1;
	sip_tsx_g.t2 = t2;
	sip_tsx_g.t4 = t4;
}

void sip_tsx_stats(struct pool_stats *out)
{
	out->name = "transactions";
	out->used = pool_used;
	out->high = pool_high;
	out->cap = pool_cap;
}

struct sip_tsx *sip_tsx_alloc(void)
{
	if (pool_used == pool_cap) {
		return NULL;
	}
	for (unsigned n = 0; n < pool_cap; n++) {
		struct sip_tsx *t = &pool[(pool_next + n) % pool_cap];
		if (!t->used) {
			pool_next = (unsigned)(t - pool + 1) % pool_cap;
			memset(t, 0, sizeof(*t));
			t->used = true;
			if (++pool_used > pool_high) {
				pool_high = pool_used;
			}
			return t;
		}
	}
	return NULL;
}

void sip_tsx_hash_insert(struct sip_tsx *t)
{
	struct sip_tsx **b = &buckets[t->hash & (n_buckets - 1)];

	t->hnext = *b;
	*b = t;
	if (t->server) {
		b = &merge_buckets[t->merge_hash & (n_buckets - 1)];
		t->mnext = *b;
		*b = t;
	}
}

struct sip_tsx *sip_tsx_merge_find(uint64_t merge_hash)
{
	for (struct sip_tsx *t = merge_buckets[merge_hash & (n_buckets - 1)]; t; t = t->mnext) {
		if (t->merge_hash == merge_hash) {
			return t;
		}
	}
	return NULL;
}

struct sip_tsx *sip_tsx_hash_find(uint64_t hash, const char *key, size_t key_len, bool server)
{
	for (struct sip_tsx *t = buckets[hash & (n_buckets - 1)]; t; t = t->hnext) {
		if (t->hash == hash && t->server == server && t->key_len == key_len &&
			memcmp(t->key, key, key_len) == 0) {
			return t;
		}
	}
	return NULL;
}

static void unhash(struct sip_tsx *t)
{
	struct sip_tsx **pp = &buckets[t->hash & (n_buckets - 1)];

	while (*pp && *pp != t) {
		pp = &(*pp)->hnext;
	}
	if (*pp) {
		*pp = t->hnext;
	}
	if (t->server) {
		pp = &merge_buckets[t->merge_hash & (n_buckets - 1)];
		while (*pp && *pp != t) {
			pp = &(*pp)->mnext;
		}
		if (*pp) {
			*pp = t->mnext;
		}
	}
}

void sip_tsx_destroy(struct sip_tsx *t)
{
	const struct sip_tsx_tu *tu = t->tu;
	void *tu_data = t->tu_data;

	unhash(t);
	timer_stop(&t->t_retx);
	timer_stop(&t->t_end);
	free(t->resp);
	t->resp = NULL;
	free(t->ack);
	t->ack = NULL;
	t->state = SIP_TSX_TERMINATED;
	t->used = false;
	pool_used--;
	if (tu && tu->on_terminated) {
		tu->on_terminated(t, tu_data);
	}
}

void sip_tsx_set_tu(struct sip_tsx *t, const struct sip_tsx_tu *tu, void *tu_data)
{
	t->tu = tu;
	t->tu_data = tu_data;
}

enum sip_tsx_state sip_tsx_state(const struct sip_tsx *t)
{
	return t->state;
}

const struct sip_peer *sip_tsx_peer(const struct sip_tsx *t)
{
	return &t->peer;
}
