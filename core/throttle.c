#include "core/throttle.h"

#include <stdlib.h>
#include <string.h>

/* 2^k s grows past this after k = 5: a client that keeps failing waits at
 * most this long between attempts until the block takes over. */
#define THROTTLE_WAIT_MAX_S 32

#define THROTTLE_F_USED 1u
#define THROTTLE_F_BLOCKED 2u

/* 48 bytes on every board: 24 of key, flags and count, then 3 times. */
struct throttle_entry {
	uint8_t key[16]; /* IPv4 in key[0..3], or the IPv6 /64 in key[0..7] */
	uint8_t family; /* AF_INET or AF_INET6; 0 for anything else */
	uint8_t flags;
	uint32_t failures; /* in the window */
	uint64_t last_ms; /* last failure */
	uint64_t blocked_until_ms;
	uint64_t used_ms; /* last check or failure: picks the entry to reuse */
};

struct throttle {
	struct throttle_cfg cfg;
	size_t cap;
	size_t used;
	size_t flagged; /* entries with THROTTLE_F_BLOCKED, expired or not */
	uint64_t blocks;
	uint64_t waits;
	uint64_t untracked;
	struct throttle_entry e[];
};

struct throttle_key {
	uint8_t b[16];
	uint8_t family;
};

static void key_of(const struct addr *src, struct throttle_key *k)
{
	memset(k, 0, sizeof(*k));
	if (src->u.sa.sa_family == AF_INET) {
		k->family = AF_INET;
		memcpy(k->b, &src->u.in4.sin_addr, 4);
	} else if (src->u.sa.sa_family == AF_INET6) {
		const uint8_t *a = src->u.in6.sin6_addr.s6_addr;
		/* ::ffff:a.b.c.d is an IPv4 client on a dual-stack socket: one
		 * host, so one entry with its plain IPv4 form */
		if (IN6_IS_ADDR_V4MAPPED(&src->u.in6.sin6_addr)) {
			k->family = AF_INET;
			memcpy(k->b, a + 12, 4);
		} else {
			/* one host (or one customer) owns the whole /64 and picks
			 * new interface ids at will (RFC 4941) */
			k->family = AF_INET6;
			memcpy(k->b, a, 8);
		}
	}
}

/* A linear scan: O(cap) compares per attempt, about 7 KiB of table read
 * at the default 128 entries. Cheap next to a digest; a hash would pay
 * off only at a cap in the thousands. */
static struct throttle_entry *find(struct throttle *t, const struct throttle_key *k)
{
	for (size_t i = 0; i < t->cap; i++) {
		struct throttle_entry *e = &t->e[i];
		if ((e->flags & THROTTLE_F_USED) && e->family == k->family &&
			memcmp(e->key, k->b, sizeof(e->key)) == 0) {
			return e;
		}
	}
	return NULL;
}

static void forget(struct throttle *t, struct throttle_entry *e)
{
	if (e->flags & THROTTLE_F_BLOCKED) {
		t->flagged--;
	}
	memset(e, 0, sizeof(*e));
	t->used--;
}

static bool blocked_at(const struct throttle_entry *e, uint64_t now_ms)
{
	return (e->flags & THROTTLE_F_BLOCKED) && now_ms < e->blocked_until_ms;
}

static bool window_over(const struct throttle *t, const struct throttle_entry *e, uint64_t now_ms)
{
	return now_ms > e->last_ms && now_ms - e->last_ms > (uint64_t)t->cfg.window_s * 1000;
}

/* Whole seconds, rounded up, so a client that waits retry_s is not early;
 * at least 1 because Retry-After 0 means "now". */
static uint32_t secs_left(uint64_t until_ms, uint64_t now_ms)
{
	uint64_t s = (until_ms - now_ms + 999) / 1000;

	if (s < 1) {
		return 1;
	}
	return s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

struct throttle *throttle_new(size_t cap, const struct throttle_cfg *cfg)
{
	struct throttle *t;

	if (cap > (SIZE_MAX - sizeof(*t)) / sizeof(t->e[0])) {
		return NULL;
	}
	t = calloc(1, sizeof(*t) + cap * sizeof(t->e[0]));
	if (!t) {
		return NULL;
	}
	t->cfg = *cfg;
	t->cap = cap;
	return t;
}

void throttle_free(struct throttle *t)
{
	free(t);
}

void throttle_set_cfg(struct throttle *t, const struct throttle_cfg *cfg)
{
	t->cfg = *cfg;
}

enum throttle_verdict throttle_check(
	struct throttle *t, const struct addr *src, uint64_t now_ms, uint32_t *retry_s)
{
	struct throttle_key k;
	struct throttle_entry *e;
	uint32_t n;
	uint64_t until;

	key_of(src, &k);
	e = t->used ? find(t, &k) : NULL;
	if (!e) {
		return THROTTLE_PASS;
	}
	if (e->flags & THROTTLE_F_BLOCKED) {
		if (blocked_at(e, now_ms)) {
			if (retry_s) {
				*retry_s = secs_left(e->blocked_until_ms, now_ms);
			}
			return THROTTLE_BLOCKED;
		}
		/* a served block starts the source over with a clean slate */
		forget(t, e);
		return THROTTLE_PASS;
	}
	if (window_over(t, e, now_ms)) {
		forget(t, e);
		return THROTTLE_PASS;
	}
	e->used_ms = now_ms;
	if (t->cfg.throttle_after == 0 || e->failures < t->cfg.throttle_after) {
		return THROTTLE_PASS;
	}
	n = e->failures - t->cfg.throttle_after;
	until = e->last_ms + (n >= 5 ? THROTTLE_WAIT_MAX_S : 1u << n) * 1000ull;
	if (now_ms >= until) {
		return THROTTLE_PASS;
	}
	t->waits++;
	if (retry_s) {
		*retry_s = secs_left(until, now_ms);
	}
	return THROTTLE_WAIT;
}

/* A free entry, else the unblocked one idle the longest; NULL when every
 * entry is blocked now. Expired blocks count as unblocked: check() would
 * forget them on the next attempt anyway. */
static struct throttle_entry *take(struct throttle *t, uint64_t now_ms)
{
	struct throttle_entry *lru = NULL;

	for (size_t i = 0; i < t->cap; i++) {
		struct throttle_entry *e = &t->e[i];
		if (!(e->flags & THROTTLE_F_USED)) {
			t->used++;
			return e;
		}
		if (!blocked_at(e, now_ms) && (!lru || e->used_ms < lru->used_ms)) {
			lru = e;
		}
	}
	if (lru) {
		if (lru->flags & THROTTLE_F_BLOCKED) {
			t->flagged--;
		}
		memset(lru, 0, sizeof(*lru));
	}
	return lru;
}

bool throttle_is_blocked(struct throttle *t, const struct addr *src, uint64_t now_ms)
{
	struct throttle_key k;
	struct throttle_entry *e;

	if (t->flagged == 0) {
		return false;
	}
	/* Served blocks are forgotten here too, so that flagged falls back
	 * to 0 even when a blocked source never comes back. */
	for (size_t i = 0; i < t->cap; i++) {
		struct throttle_entry *x = &t->e[i];
		if ((x->flags & THROTTLE_F_BLOCKED) && !blocked_at(x, now_ms)) {
			forget(t, x);
		}
	}
	key_of(src, &k);
	e = find(t, &k);
	return e && blocked_at(e, now_ms);
}

bool throttle_fail(struct throttle *t, const struct addr *src, uint64_t now_ms, uint32_t *failures)
{
	struct throttle_key k;
	struct throttle_entry *e;
	bool blocks = false;

	key_of(src, &k);
	e = find(t, &k);
	if (e && (e->flags & THROTTLE_F_BLOCKED)) {
		if (blocked_at(e, now_ms)) {
			/* the caller should have dropped it; the block stands as is */
			if (failures) {
				*failures = e->failures;
			}
			return false;
		}
		forget(t, e);
		e = NULL;
	}
	if (!e) {
		e = take(t, now_ms);
		if (!e) {
			t->untracked++;
			if (failures) {
				*failures = 0;
			}
			return false;
		}
		memcpy(e->key, k.b, sizeof(e->key));
		e->family = k.family;
		e->flags = THROTTLE_F_USED;
	}
	if (window_over(t, e, now_ms)) {
		e->failures = 0;
	}
	if (e->failures < UINT32_MAX) {
		e->failures++;
	}
	e->last_ms = now_ms;
	e->used_ms = now_ms;
	if (t->cfg.block_after > 0 && e->failures >= t->cfg.block_after) {
		e->flags |= THROTTLE_F_BLOCKED;
		t->flagged++;
		e->blocked_until_ms = now_ms + (uint64_t)t->cfg.block_s * 1000;
		t->blocks++;
		blocks = true;
	}
	if (failures) {
		*failures = e->failures;
	}
	return blocks;
}

void throttle_stats(const struct throttle *t, uint64_t now_ms, struct throttle_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < t->cap; i++) {
		if ((t->e[i].flags & THROTTLE_F_USED) && blocked_at(&t->e[i], now_ms)) {
			out->blocked++;
		}
	}
	out->tracked = t->used;
	out->cap = t->cap;
	out->blocks = t->blocks;
	out->waits = t->waits;
	out->untracked = t->untracked;
}
