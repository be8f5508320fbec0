#include "sip/location.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/rec.h"
#include "core/users.h"

/* A varint length below 2^14 takes at most 2 bytes: the encode buffer's
 * size below counts on it. */
#define LOC_STR_ENC(max) ((max) + 2)
_Static_assert(LOCATION_URI_MAX < 16384 && LOCATION_PARAMS_MAX < 16384 &&
		LOCATION_INSTANCE_MAX < 16384 && LOCATION_PATH_MAX < 16384 &&
		LOCATION_CALL_ID_MAX < 16384 && LOCATION_SOURCE_MAX < 16384 &&
		LOCATION_UA_MAX < 16384,
	"string bounds must keep their varint length at 2 bytes");
/* reg_id, cseq, q, expires, registered, proto, conn */
#define LOC_INTS_ENC (4 + 4 + 2 + 8 + 8 + 1 + 4)
#define LOC_BINDING_ENC_MAX                                                            \
	(LOC_STR_ENC(LOCATION_URI_MAX) + LOC_STR_ENC(LOCATION_PARAMS_MAX) +            \
		LOC_STR_ENC(LOCATION_INSTANCE_MAX) + LOC_STR_ENC(LOCATION_PATH_MAX) +  \
		LOC_STR_ENC(LOCATION_CALL_ID_MAX) + LOC_STR_ENC(LOCATION_SOURCE_MAX) + \
		LOC_STR_ENC(LOCATION_UA_MAX) + LOC_INTS_ENC)
/* version byte and the varint n (10 bytes covers any uint64) */
#define LOC_AOR_ENC_MAX (1 + 10 + CONFIG_REG_MAX_BINDINGS * LOC_BINDING_ENC_MAX)

/* The one buffer every record is built in before store_put copies it;
 * only the loop thread writes, so one is enough. */
static uint8_t enc_mem[LOC_AOR_ENC_MAX];

/* Where location_sweep() goes on from: the last key it looked at (any
 * length LMDB allows, so a foreign key cannot stall it), empty = start. */
static char sweep_last[STORE_KEY_MAX];
static size_t sweep_last_len;
/* Keys to rewrite, copied out because the scan's cursor must be closed
 * before the first write. */
static struct {
	char name[USERS_NAME_MAX];
	size_t len;
} sweep_keys[LOCATION_SWEEP_MAX];
static struct location_aor sweep_aor;
static struct log_rl rl_bad;

static const struct {
	size_t off;
	size_t max;
} str_bounds[] = {
	{ offsetof(struct location_binding, uri), LOCATION_URI_MAX },
	{ offsetof(struct location_binding, params), LOCATION_PARAMS_MAX },
	{ offsetof(struct location_binding, instance), LOCATION_INSTANCE_MAX },
	{ offsetof(struct location_binding, path), LOCATION_PATH_MAX },
	{ offsetof(struct location_binding, call_id), LOCATION_CALL_ID_MAX },
	{ offsetof(struct location_binding, source), LOCATION_SOURCE_MAX },
	{ offsetof(struct location_binding, user_agent), LOCATION_UA_MAX },
};

static bool binding_fits(const struct location_binding *b)
{
	for (size_t i = 0; i < sizeof(str_bounds) / sizeof(str_bounds[0]); i++) {
		const struct str *s = (const struct str *)((const char *)b + str_bounds[i].off);
		if (s->len > str_bounds[i].max) {
			return false;
		}
	}
	return true;
}

static bool user_ok(struct str user)
{
	return user.len > 0 && user.len <= USERS_NAME_MAX;
}

static void binding_read(struct rec_rd *r, struct location_binding *b)
{
	b->uri = rec_get_str(r);
	b->params = rec_get_str(r);
	b->instance = rec_get_str(r);
	b->reg_id = rec_get_u32(r);
	b->path = rec_get_str(r);
	b->call_id = rec_get_str(r);
	b->cseq = rec_get_u32(r);
	b->q = rec_get_u16(r);
	b->expires = rec_get_u64(r);
	b->registered = rec_get_u64(r);
	b->proto = rec_get_u8(r);
	b->source = rec_get_str(r);
	b->conn = rec_get_u32(r);
	b->user_agent = rec_get_str(r);
}

static void binding_write(struct buf *w, const struct location_binding *b)
{
	rec_put_str(w, b->uri);
	rec_put_str(w, b->params);
	rec_put_str(w, b->instance);
	buf_put_be32(w, b->reg_id);
	rec_put_str(w, b->path);
	rec_put_str(w, b->call_id);
	buf_put_be32(w, b->cseq);
	buf_put_be16(w, b->q);
	buf_put_be64(w, b->expires);
	buf_put_be64(w, b->registered);
	buf_put_be8(w, b->proto);
	rec_put_str(w, b->source);
	buf_put_be32(w, b->conn);
	rec_put_str(w, b->user_agent);
}

/* The number of bindings alive at now_s (copied to out when not NULL, so
 * that counting needs no scratch aor), or -EBADMSG. *total gets the
 * number stored. Bytes after the last binding are left for fields a
 * later version may add (core/rec.h). */
static int aor_decode(struct str v, uint64_t now_s, struct location_aor *out, unsigned *total)
{
	struct rec_rd r;
	uint64_t n;
	unsigned alive = 0;

	if (out) {
		out->n = 0;
	}
	rec_rd_init(&r, v);
	if (rec_get_u8(&r) != LOCATION_VERSION) {
		return -EBADMSG;
	}
	n = rec_get_varint(&r);
	if (rec_rd_err(&r) || n > CONFIG_REG_MAX_BINDINGS) {
		return -EBADMSG;
	}
	for (unsigned i = 0; i < n; i++) {
		struct location_binding b;
		binding_read(&r, &b);
		if (rec_rd_err(&r) || !binding_fits(&b)) {
			if (out) {
				out->n = 0;
			}
			return -EBADMSG;
		}
		if (b.expires > now_s) {
			if (out) {
				out->b[alive] = b;
				out->n = alive + 1;
			}
			alive++;
		}
	}
	if (total) {
		*total = (unsigned)n;
	}
	return (int)alive;
}

int location_get(struct store_txn *txn, struct str user, uint64_t now_s, struct location_aor *out)
{
	struct str v;
	int rc;

	out->n = 0;
	if (!user_ok(user)) {
		return 0;
	}
	rc = store_txn_get(txn, STORE_DB_BINDINGS, user, &v);
	if (rc == -ENOENT) {
		return 0;
	}
	if (rc < 0) {
		return rc;
	}
	rc = aor_decode(v, now_s, out, NULL);
	return rc < 0 ? rc : 0;
}

int location_put(struct store *st, struct str user, const struct location_aor *aor)
{
	struct buf w;
	int rc;

	if (!user_ok(user) || aor->n > CONFIG_REG_MAX_BINDINGS) {
		return -EINVAL;
	}
	for (unsigned i = 0; i < aor->n; i++) {
		if (!binding_fits(&aor->b[i])) {
			return -E2BIG;
		}
	}
	if (aor->n == 0) {
		rc = store_del(st, STORE_DB_BINDINGS, user);
		return rc == -ENOENT ? 0 : rc;
	}
	/* Encoded in full before store_put: aor's slices may point into the
	 * value this put replaces. */
	buf_init(&w, enc_mem, sizeof(enc_mem));
	buf_put_be8(&w, LOCATION_VERSION);
	rec_put_varint(&w, aor->n);
	for (unsigned i = 0; i < aor->n; i++) {
		binding_write(&w, &aor->b[i]);
	}
	if (w.err) {
		/* enc_mem is sized for the bounds checked above. */
		return w.err;
	}
	return store_put(st, STORE_DB_BINDINGS, user, buf_str(&w));
}

struct sweep_scan {
	uint64_t now_s;
	unsigned max; /* records to look at */
	unsigned seen;
	unsigned n; /* of sweep_keys */
};

/* In LMDB's default key order: bytes, then the shorter first. */
static bool key_after_last(struct str key)
{
	size_t min = key.len < sweep_last_len ? key.len : sweep_last_len;
	int c = memcmp(key.p, sweep_last, min);

	return c > 0 || (c == 0 && key.len > sweep_last_len);
}

static int sweep_one(void *arg, struct str key, struct str val)
{
	struct sweep_scan *sc = arg;
	unsigned total = 0;
	int alive;

	/* The scan can only start at the first key: skip to where the last
	 * call stopped. */
	if (sweep_last_len && !key_after_last(key)) {
		return 0;
	}
	/* Stopping on a key past the batch, rather than after the batch's
	 * last one, tells "more left" from "reached the end". */
	if (sc->seen == sc->max) {
		return 1;
	}
	sc->seen++;
	memcpy(sweep_last, key.p, key.len);
	sweep_last_len = key.len;
	alive = user_ok(key) ? aor_decode(val, sc->now_s, NULL, &total) : -EBADMSG;
	if (alive < 0) {
		log_ratelimited(&rl_bad, sc->now_s * 1000, LOG_LEVEL_WARN,
			"location: the bindings of %.*s do not read; left alone",
			(int)(key.len < USERS_NAME_MAX ? key.len : USERS_NAME_MAX), key.p);
		return 0;
	}
	if ((unsigned)alive < total) {
		memcpy(sweep_keys[sc->n].name, key.p, key.len);
		sweep_keys[sc->n].len = key.len;
		sc->n++;
	}
	return 0;
}

int location_sweep(struct store *st, uint64_t now_s, unsigned max_users)
{
	struct sweep_scan sc = { .now_s = now_s };
	int removed = 0;
	int rc;

	sc.max = max_users < LOCATION_SWEEP_MAX ? max_users : LOCATION_SWEEP_MAX;
	if (sc.max == 0) {
		return 0;
	}
	rc = store_txn_scan(store_loop_txn(st), STORE_DB_BINDINGS, STR_NULL, sweep_one, &sc);
	if (rc < 0) {
		return rc;
	}
	if (rc == 0) {
		sweep_last_len = 0;
	}
	for (unsigned i = 0; i < sc.n; i++) {
		struct str user = str_make(sweep_keys[i].name, sweep_keys[i].len);
		unsigned total = 0;
		struct str v;

		/* Read again: the values the scan saw died with the first put. */
		rc = store_get(st, STORE_DB_BINDINGS, user, &v);
		if (rc < 0) {
			return rc;
		}
		if (aor_decode(v, now_s, &sweep_aor, &total) < 0) {
			continue;
		}
		rc = location_put(st, user, &sweep_aor);
		if (rc < 0) {
			return rc;
		}
		removed += (int)(total - sweep_aor.n);
	}
	return removed;
}

struct stats_scan {
	uint64_t now_s;
	struct location_stats *out;
};

static int stats_one(void *arg, struct str key, struct str val)
{
	struct stats_scan *sc = arg;
	int alive = aor_decode(val, sc->now_s, NULL, NULL);

	(void)key;
	sc->out->users++;
	if (alive > 0) {
		sc->out->bindings += (unsigned)alive;
	}
	return 0;
}

int location_stats(struct store_txn *txn, uint64_t now_s, struct location_stats *out)
{
	struct stats_scan sc = { now_s, out };

	memset(out, 0, sizeof(*out));
	return store_txn_scan(txn, STORE_DB_BINDINGS, STR_NULL, stats_one, &sc);
}
