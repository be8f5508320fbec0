#include "sip/msgstore.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/rec.h"
#include "core/users.h"

#define MS_KEY_MAX MSGSTORE_KEY_LEN(USERS_NAME_MAX)
/* A varint length below 2^14 takes at most 2 bytes, below 2^21 at most 3:
 * the encode buffer's size below counts on it. */
_Static_assert(MSGSTORE_FIELD_MAX < 16384 && LOCATION_URI_MAX < 16384,
	"string bounds must keep their varint length at 2 bytes");
_Static_assert(CONFIG_SIP_MAX_MSG_SIZE < 2097152, "the body's varint length must fit 3 bytes");
/* version, stored, expires, 4 fields, body, varint n (10 covers any u64),
 * devices */
#define MS_ENC_MAX                                                                     \
	(1 + 8 + 8 + 4 * (MSGSTORE_FIELD_MAX + 2) + CONFIG_SIP_MAX_MSG_SIZE + 3 + 10 + \
		CONFIG_REG_MAX_BINDINGS * (LOCATION_URI_MAX + 2))

/* The one buffer every record is built in before store_put copies it;
 * only the loop thread writes, so one is enough. */
static uint8_t enc_mem[MS_ENC_MAX];
/* Keys to delete, copied out because the scan's cursor must be closed
 * before the first write. */
static struct {
	uint8_t key[MS_KEY_MAX];
	size_t len;
} sweep_keys[MSGSTORE_SWEEP_MAX];
static struct msgstore_msg scratch;
static struct log_rl rl_bad;

static void key_make(uint8_t *k, struct str user, uint64_t seq)
{
	memcpy(k, user.p, user.len);
	k[user.len] = 0;
	for (int i = 0; i < 8; i++) {
		k[user.len + 1 + i] = (uint8_t)(seq >> (56 - 8 * i));
	}
}

/* The user's prefix "user\0": a valid user name holds no NUL. */
static struct str prefix_make(uint8_t *k, struct str user)
{
	memcpy(k, user.p, user.len);
	k[user.len] = 0;
	return str_make(k, user.len + 1);
}

/* seq from a key of the prefix's user, or 0 when the key is not one of
 * ours (seq 0 is never stored). */
static uint64_t key_seq(struct str key, size_t prefix_len)
{
	uint64_t seq = 0;

	if (key.len != prefix_len + 8) {
		return 0;
	}
	for (int i = 0; i < 8; i++) {
		seq = seq << 8 | (uint8_t)key.p[prefix_len + i];
	}
	return seq;
}

static bool msg_fits(const struct msgstore_msg *m)
{
	const struct str *f[] = { &m->from, &m->to, &m->date, &m->content_type };

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (f[i]->len > MSGSTORE_FIELD_MAX) {
			return false;
		}
	}
	if (m->body.len > CONFIG_SIP_MAX_MSG_SIZE) {
		return false;
	}
	for (unsigned i = 0; i < m->n_devices; i++) {
		if (m->devices[i].len > LOCATION_URI_MAX) {
			return false;
		}
	}
	return true;
}

/* 0, or -EBADMSG for a record that does not read or that msgstore_put
 * would refuse (so whatever reads writes back). Bytes after the last
 * device are left for fields a later version may add (core/rec.h). */
static int msg_decode(struct str v, struct msgstore_msg *m)
{
	struct rec_rd r;
	uint64_t n;

	rec_rd_init(&r, v);
	if (rec_get_u8(&r) != MSGSTORE_VERSION) {
		return -EBADMSG;
	}
	m->stored = rec_get_u64(&r);
	m->expires = rec_get_u64(&r);
	m->from = rec_get_str(&r);
	m->to = rec_get_str(&r);
	m->date = rec_get_str(&r);
	m->content_type = rec_get_str(&r);
	m->body = rec_get_str(&r);
	n = rec_get_varint(&r);
	if (rec_rd_err(&r) || n > CONFIG_REG_MAX_BINDINGS) {
		m->n_devices = 0;
		return -EBADMSG;
	}
	m->n_devices = (unsigned)n;
	for (unsigned i = 0; i < m->n_devices; i++) {
		m->devices[i] = rec_get_str(&r);
	}
	if (rec_rd_err(&r) || !msg_fits(m)) {
		m->n_devices = 0;
		return -EBADMSG;
	}
	return 0;
}

static int msg_encode(struct buf *w, const struct msgstore_msg *m)
{
	buf_init(w, enc_mem, sizeof(enc_mem));
	buf_put_be8(w, MSGSTORE_VERSION);
	buf_put_be64(w, m->stored);
	buf_put_be64(w, m->expires);
	rec_put_str(w, m->from);
	rec_put_str(w, m->to);
	rec_put_str(w, m->date);
	rec_put_str(w, m->content_type);
	rec_put_str(w, m->body);
	rec_put_varint(w, m->n_devices);
	for (unsigned i = 0; i < m->n_devices; i++) {
		rec_put_str(w, m->devices[i]);
	}
	/* enc_mem is sized for the bounds the callers checked. */
	return w->err;
}

static void log_bad(struct str key, uint64_t now_s)
{
	size_t n = key.len;

	/* The user part only: the key's seq bytes are binary. */
	for (size_t i = 0; i < key.len; i++) {
		if (key.p[i] == 0) {
			n = i;
			break;
		}
	}
	log_ratelimited(&rl_bad, now_s * 1000, LOG_LEVEL_WARN,
		"msgstore: a stored message of %.*s does not read; skipped",
		(int)(n < USERS_NAME_MAX ? n : USERS_NAME_MAX), key.p);
}

static bool device_has(const struct msgstore_msg *m, struct str device)
{
	for (unsigned i = 0; i < m->n_devices; i++) {
		if (str_eq(m->devices[i], device)) {
			return true;
		}
	}
	return false;
}

struct user_scan {
	size_t prefix_len;
	uint64_t now_s;
	uint64_t max_seq;
	unsigned alive;
};

static int count_one(void *arg, struct str key, struct str val)
{
	struct user_scan *sc = arg;
	uint64_t seq = key_seq(key, sc->prefix_len);

	if (seq > sc->max_seq) {
		sc->max_seq = seq;
	}
	if (seq == 0 || msg_decode(val, &scratch) < 0) {
		log_bad(key, sc->now_s);
		return 0;
	}
	if (scratch.expires > sc->now_s) {
		sc->alive++;
	}
	return 0;
}

static int user_scan(struct store_txn *txn, struct str user, struct user_scan *sc)
{
	uint8_t k[MS_KEY_MAX];
	struct str prefix = prefix_make(k, user);

	sc->prefix_len = prefix.len;
	return store_txn_scan(txn, STORE_DB_MESSAGES, prefix, count_one, sc);
}

int msgstore_count(struct store_txn *txn, struct str user, uint64_t now_s, unsigned *out)
{
	struct user_scan sc = { .now_s = now_s };
	int rc;

	*out = 0;
	if (!users_name_valid(user)) {
		return 0;
	}
	rc = user_scan(txn, user, &sc);
	if (rc < 0) {
		return rc;
	}
	*out = sc.alive;
	return 0;
}

int msgstore_put(struct store *st, struct str user, const struct msgstore_msg *m, uint64_t now_s)
{
	struct user_scan sc = { .now_s = now_s };
	uint8_t k[MS_KEY_MAX];
	char date[64];
	struct buf w;
	int rc;

	if (!users_name_valid(user) || m->expires <= now_s ||
		m->n_devices > CONFIG_REG_MAX_BINDINGS) {
		return -EINVAL;
	}
	if (!msg_fits(m)) {
		return -E2BIG;
	}
	rc = user_scan(store_loop_txn(st), user, &sc);
	if (rc < 0) {
		return rc;
	}
	if (sc.alive >= CONFIG_MSGSTORE_PER_USER) {
		return -ENOSPC;
	}
	if (sc.max_seq == UINT64_MAX) {
		return -ENOSPC;
	}
	scratch = *m;
	scratch.stored = now_s;
	if (scratch.date.len == 0) {
		struct buf d;
		buf_init(&d, date, sizeof(date));
		buf_put_date(&d, now_s);
		scratch.date = d.err ? STR_NULL : buf_str(&d);
	}
	/* Encoded in full before store_put: m's slices may point into a
	 * store value. */
	rc = msg_encode(&w, &scratch);
	if (rc < 0) {
		return rc;
	}
	key_make(k, user, sc.max_seq + 1);
	return store_put(
		st, STORE_DB_MESSAGES, str_make(k, MSGSTORE_KEY_LEN(user.len)), buf_str(&w));
}

struct next_scan {
	size_t prefix_len;
	uint64_t after_seq;
	uint64_t now_s;
	struct str device;
	struct msgstore_msg *out;
	bool bad;
};

static int next_one(void *arg, struct str key, struct str val)
{
	struct next_scan *sc = arg;
	uint64_t seq = key_seq(key, sc->prefix_len);

	if (seq == 0) {
		sc->bad = true;
		log_bad(key, sc->now_s);
		return 0;
	}
	if (seq <= sc->after_seq) {
		return 0;
	}
	if (msg_decode(val, sc->out) < 0) {
		sc->bad = true;
		log_bad(key, sc->now_s);
		return 0;
	}
	if (sc->out->expires <= sc->now_s || device_has(sc->out, sc->device)) {
		return 0;
	}
	sc->out->seq = seq;
	return 1;
}

int msgstore_next(struct store_txn *txn, struct str user, struct str device, uint64_t after_seq,
	uint64_t now_s, struct msgstore_msg *out)
{
	uint8_t k[MS_KEY_MAX];
	struct next_scan sc = {
		.after_seq = after_seq, .now_s = now_s, .device = device, .out = out
	};
	struct str prefix;
	int rc;

	if (!users_name_valid(user)) {
		return -ENOENT;
	}
	prefix = prefix_make(k, user);
	sc.prefix_len = prefix.len;
	rc = store_txn_scan(txn, STORE_DB_MESSAGES, prefix, next_one, &sc);
	if (rc < 0) {
		return rc;
	}
	if (rc == 0) {
		memset(out, 0, sizeof(*out));
		return sc.bad ? -EBADMSG : -ENOENT;
	}
	return 0;
}

int msgstore_mark(
	struct store *st, struct str user, uint64_t seq, struct str device, uint64_t now_s)
{
	uint8_t k[MS_KEY_MAX];
	struct str key, v;
	struct buf w;
	int rc;

	if (device.len == 0) {
		return -EINVAL;
	}
	if (device.len > LOCATION_URI_MAX) {
		return -E2BIG;
	}
	if (!users_name_valid(user) || seq == 0) {
		return -ENOENT;
	}
	key_make(k, user, seq);
	key = str_make(k, MSGSTORE_KEY_LEN(user.len));
	rc = store_get(st, STORE_DB_MESSAGES, key, &v);
	if (rc < 0) {
		return rc;
	}
	if (msg_decode(v, &scratch) < 0) {
		log_bad(key, now_s);
		return -EBADMSG;
	}
	if (scratch.expires <= now_s) {
		return -ENOENT;
	}
	if (device_has(&scratch, device)) {
		return 0;
	}
	if (scratch.n_devices == CONFIG_REG_MAX_BINDINGS) {
		memmove(&scratch.devices[0], &scratch.devices[1],
			(CONFIG_REG_MAX_BINDINGS - 1) * sizeof(scratch.devices[0]));
		scratch.n_devices--;
	}
	scratch.devices[scratch.n_devices++] = device;
	/* Encoded in full before store_put: scratch points into the value
	 * this put replaces. */
	rc = msg_encode(&w, &scratch);
	if (rc < 0) {
		return rc;
	}
	return store_put(st, STORE_DB_MESSAGES, key, buf_str(&w));
}

struct sweep_scan {
	uint64_t now_s;
	unsigned max;
	unsigned n; /* of sweep_keys */
};

static int sweep_one(void *arg, struct str key, struct str val)
{
	struct sweep_scan *sc = arg;

	/* Only keys of the header's shape: "user\0" and 8 bytes of seq. */
	if (key.len < MSGSTORE_KEY_LEN(1) || key.len > MS_KEY_MAX || key.p[key.len - 9] != 0 ||
		msg_decode(val, &scratch) < 0) {
		log_bad(key, sc->now_s);
		return 0;
	}
	if (scratch.expires > sc->now_s) {
		return 0;
	}
	memcpy(sweep_keys[sc->n].key, key.p, key.len);
	sweep_keys[sc->n].len = key.len;
	sc->n++;
	return sc->n == sc->max;
}

int msgstore_sweep(struct store *st, uint64_t now_s, unsigned max)
{
	struct sweep_scan sc = { .now_s = now_s };
	int deleted = 0;
	int rc;

	sc.max = max < MSGSTORE_SWEEP_MAX ? max : MSGSTORE_SWEEP_MAX;
	if (sc.max == 0) {
		return 0;
	}
	rc = store_txn_scan(store_loop_txn(st), STORE_DB_MESSAGES, STR_NULL, sweep_one, &sc);
	if (rc < 0) {
		return rc;
	}
	for (unsigned i = 0; i < sc.n; i++) {
		rc = store_del(
			st, STORE_DB_MESSAGES, str_make(sweep_keys[i].key, sweep_keys[i].len));
		if (rc < 0 && rc != -ENOENT) {
			return rc;
		}
		deleted += rc == 0;
	}
	return deleted;
}
