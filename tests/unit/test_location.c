#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/rec.h"
#include "core/users.h"
#include "sip/location.h"
#include "tests/unit/unit.h"

#define NOW 1764633600ULL

/* Long enough for the longest bound plus one. */
static char xs[LOCATION_URI_MAX + 1];

static struct str xstr(size_t n)
{
	memset(xs, 'x', sizeof(xs));
	return str_make(xs, n);
}

/* A binding whose every field differs from binding i's, so a field read
 * from the wrong place or the wrong binding shows. */
static struct location_binding binding(unsigned i, uint64_t expires)
{
	static const char *const uris[] = { "sip:a@192.0.2.1:5060",
		"sip:b@[2001:db8::1];transport=tcp", "sips:c@198.51.100.7",
		"sip:d@203.0.113.9:5070", "sip:e@h5", "sip:f@h6", "sip:g@h7", "sip:h@h8" };
	struct location_binding b = {
		.uri = str_cstr(uris[i % 8]),
		.params = STR(";q=0.5;+sip.instance=\"<urn:uuid:1>\";methods=\"INVITE\""),
		.instance = STR("<urn:uuid:00000000-0000-1000-8000-000a95a0e128>"),
		.reg_id = 1 + i,
		.path = STR("<sip:edge.example;lr>,<sip:core.example;lr>"),
		.call_id = STR("a84b4c76e66710@pc33.atlanta.com"),
		.cseq = 314159 + i,
		.q = (uint16_t)(500 + i),
		.expires = expires,
		.registered = NOW - 60 - i,
		.proto = (uint8_t)(1 + i),
		.source = STR("192.0.2.1:5060"),
		.conn = 7 + i,
		.user_agent = STR("Linphone/5.2"),
	};
	return b;
}

static void check_binding(const struct location_binding *got, const struct location_binding *want)
{
	CHECK(str_eq(got->uri, want->uri));
	CHECK(str_eq(got->params, want->params));
	CHECK(str_eq(got->instance, want->instance));
	CHECK_INT(got->reg_id, want->reg_id);
	CHECK(str_eq(got->path, want->path));
	CHECK(str_eq(got->call_id, want->call_id));
	CHECK_INT(got->cseq, want->cseq);
	CHECK_INT(got->q, want->q);
	CHECK(got->expires == want->expires);
	CHECK(got->registered == want->registered);
	CHECK_INT(got->proto, want->proto);
	CHECK(str_eq(got->source, want->source));
	CHECK_INT(got->conn, want->conn);
	CHECK(str_eq(got->user_agent, want->user_agent));
}

/* The layout written out from the header's comment, independently of
 * location.c: a record built here must be what location_put writes. */
static void enc_binding(struct buf *w, const struct location_binding *b)
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

static struct str enc_record(void *mem, size_t cap, uint8_t version, uint64_t n,
	const struct location_binding *b, unsigned nb)
{
	struct buf w;

	buf_init(&w, mem, cap);
	buf_put_be8(&w, version);
	rec_put_varint(&w, n);
	for (unsigned i = 0; i < nb; i++) {
		enc_binding(&w, &b[i]);
	}
	CHECK_INT(w.err, 0);
	return buf_str(&w);
}

/* A test that stores k bindings per user needs CONFIG_REG_MAX_BINDINGS of
 * at least k (its range starts at 1); below that it does not apply. */
#define NEED_BINDINGS(k)                             \
	do {                                         \
		if (CONFIG_REG_MAX_BINDINGS < (k)) { \
			return;                      \
		}                                    \
	} while (0)

/* Bindings stored for user, expired or not. */
static unsigned stored(struct store *st, const char *user)
{
	struct location_aor a;

	CHECK_INT(location_get(store_loop_txn(st), str_cstr(user), 0, &a), 0);
	return a.n;
}

static void round_trip(void)
{
	struct store *st;
	static struct location_aor a, got;
	static char mem[8192];
	struct location_binding empty = { .q = LOCATION_Q_NONE, .expires = NOW + 1 };
	struct location_binding big = binding(2, UINT64_MAX);
	struct str v;

	NEED_BINDINGS(3);
	st = unit_store_open("loc1");
	CHECK(st != NULL);
	if (!st) {
		return;
	}
	big.uri = xstr(LOCATION_URI_MAX);
	big.params = str_make(xs, LOCATION_PARAMS_MAX);
	big.instance = str_make(xs, LOCATION_INSTANCE_MAX);
	big.path = str_make(xs, LOCATION_PATH_MAX);
	big.call_id = str_make(xs, LOCATION_CALL_ID_MAX);
	big.source = str_make(xs, LOCATION_SOURCE_MAX);
	big.user_agent = str_make(xs, LOCATION_UA_MAX);
	big.reg_id = UINT32_MAX;
	big.cseq = UINT32_MAX;
	big.q = 1000;
	big.registered = (uint64_t)1 << 40;
	big.proto = UINT8_MAX;
	big.conn = UINT32_MAX;

	a.n = 3;
	a.b[0] = binding(0, NOW + 3600);
	a.b[1] = empty;
	a.b[2] = big;
	CHECK_INT(location_put(st, STR("alice"), &a), 0);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(location_get(store_loop_txn(st), STR("alice"), NOW, &got), 0);
	CHECK_INT(got.n, 3);
	for (unsigned i = 0; i < 3 && i < got.n; i++) {
		check_binding(&got.b[i], &a.b[i]);
	}
	CHECK_INT(got.b[1].uri.len, 0);
	CHECK_INT(got.b[1].q, LOCATION_Q_NONE);

	/* Byte for byte the documented layout. */
	CHECK_INT(store_get(st, STORE_DB_BINDINGS, STR("alice"), &v), 0);
	CHECK(str_eq(v, enc_record(mem, sizeof(mem), LOCATION_VERSION, 3, a.b, 3)));

	/* A rewrite from slices into the value it replaces. */
	got.n = 2;
	CHECK_INT(location_put(st, STR("alice"), &got), 0);
	CHECK_INT(location_get(store_loop_txn(st), STR("alice"), NOW, &got), 0);
	CHECK_INT(got.n, 2);
	for (unsigned i = 0; i < 2 && i < got.n; i++) {
		check_binding(&got.b[i], &a.b[i]);
	}

	/* No record: no bindings, not an error. */
	got.n = 5;
	CHECK_INT(location_get(store_loop_txn(st), STR("bob"), NOW, &got), 0);
	CHECK_INT(got.n, 0);
	got.n = 5;
	CHECK_INT(location_get(store_loop_txn(st), STR(""), NOW, &got), 0);
	CHECK_INT(got.n, 0);
	store_close(st);
}

static void expired_filtered(void)
{
	struct store *st;
	static struct location_aor a, got;

	NEED_BINDINGS(5);
	st = unit_store_open("loc2");
	CHECK(st != NULL);
	if (!st) {
		return;
	}
	a.n = 5;
	a.b[0] = binding(0, NOW - 1);
	a.b[1] = binding(1, NOW + 1);
	a.b[2] = binding(2, NOW);
	a.b[3] = binding(3, NOW + 7200);
	a.b[4] = binding(4, 1);
	CHECK_INT(location_put(st, STR("alice"), &a), 0);
	CHECK_INT(location_get(store_loop_txn(st), STR("alice"), NOW, &got), 0);
	/* expires > now only, in stored order */
	CHECK_INT(got.n, 2);
	if (got.n == 2) {
		check_binding(&got.b[0], &a.b[1]);
		check_binding(&got.b[1], &a.b[3]);
	}
	CHECK_INT(location_get(store_loop_txn(st), STR("alice"), NOW + 1, &got), 0);
	CHECK_INT(got.n, 1);
	CHECK_INT(location_get(store_loop_txn(st), STR("alice"), NOW + 7200, &got), 0);
	CHECK_INT(got.n, 0);
	/* Filtering is a read: the record still holds all five. */
	CHECK_INT(stored(st, "alice"), 5);
	store_close(st);
}

static void put_zero_deletes(void)
{
	struct store *st = unit_store_open("loc3");
	static struct location_aor a;
	struct str v;

	CHECK(st != NULL);
	if (!st) {
		return;
	}
	a.n = 1;
	a.b[0] = binding(0, NOW + 60);
	CHECK_INT(location_put(st, STR("alice"), &a), 0);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(store_get(st, STORE_DB_BINDINGS, STR("alice"), &v), 0);
	a.n = 0;
	CHECK_INT(location_put(st, STR("alice"), &a), 0);
	CHECK_INT(store_get(st, STORE_DB_BINDINGS, STR("alice"), &v), -ENOENT);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(store_get(st, STORE_DB_BINDINGS, STR("alice"), &v), -ENOENT);
	/* Deleting what is not there is not an error. */
	CHECK_INT(location_put(st, STR("alice"), &a), 0);
	CHECK_INT(location_put(st, STR("nobody"), &a), 0);
	CHECK_INT(store_flush(st), 0);
	store_close(st);
}

static void bounds(void)
{
	static const struct {
		const char *name;
		size_t off;
		size_t max;
	} t[] = {
		{ "uri", offsetof(struct location_binding, uri), LOCATION_URI_MAX },
		{ "params", offsetof(struct location_binding, params), LOCATION_PARAMS_MAX },
		{ "instance", offsetof(struct location_binding, instance), LOCATION_INSTANCE_MAX },
		{ "path", offsetof(struct location_binding, path), LOCATION_PATH_MAX },
		{ "call_id", offsetof(struct location_binding, call_id), LOCATION_CALL_ID_MAX },
		{ "source", offsetof(struct location_binding, source), LOCATION_SOURCE_MAX },
		{ "user_agent", offsetof(struct location_binding, user_agent), LOCATION_UA_MAX },
	};
	struct store *st;
	static struct location_aor a;
	char name[USERS_NAME_MAX + 1];
	struct str v;

	NEED_BINDINGS(2);
	st = unit_store_open("loc4");
	CHECK(st != NULL);
	if (!st) {
		return;
	}
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char msg[64];
		int rc;

		a.n = 2;
		a.b[0] = binding(0, NOW + 60);
		a.b[1] = binding(1, NOW + 60);
		/* over the bound in the second binding: the first is checked too */
		*(struct str *)((char *)&a.b[1] + t[i].off) = xstr(t[i].max + 1);
		rc = location_put(st, STR("over"), &a);
		if (rc != -E2BIG) {
			snprintf(msg, sizeof(msg), "%s over its bound: %d", t[i].name, rc);
			unit_fail(__FILE__, __LINE__, msg);
		}
		*(struct str *)((char *)&a.b[1] + t[i].off) = xstr(t[i].max);
		rc = location_put(st, STR("at"), &a);
		if (rc != 0) {
			snprintf(msg, sizeof(msg), "%s at its bound: %d", t[i].name, rc);
			unit_fail(__FILE__, __LINE__, msg);
		}
	}
	CHECK_INT(store_get(st, STORE_DB_BINDINGS, STR("over"), &v), -ENOENT);
	CHECK_INT(stored(st, "at"), 2);

	a.n = CONFIG_REG_MAX_BINDINGS + 1;
	for (unsigned i = 0; i < a.n && i < CONFIG_REG_MAX_BINDINGS; i++) {
		a.b[i] = binding(i, NOW + 60);
	}
	CHECK_INT(location_put(st, STR("many"), &a), -EINVAL);
	a.n = CONFIG_REG_MAX_BINDINGS;
	CHECK_INT(location_put(st, STR("many"), &a), 0);
	CHECK_INT(stored(st, "many"), CONFIG_REG_MAX_BINDINGS);

	/* User names: 1 to USERS_NAME_MAX bytes, as sweep's key table holds. */
	memset(name, 'u', sizeof(name));
	a.n = 1;
	CHECK_INT(location_put(st, STR(""), &a), -EINVAL);
	CHECK_INT(location_put(st, str_make(name, USERS_NAME_MAX + 1), &a), -EINVAL);
	CHECK_INT(location_put(st, str_make(name, USERS_NAME_MAX), &a), 0);
	CHECK_INT(store_flush(st), 0);
	store_close(st);
}

static void check_bad(struct store *st, struct str val, const char *what, size_t len)
{
	static struct location_aor got;
	char msg[96];
	int rc;

	CHECK_INT(store_put(st, STORE_DB_BINDINGS, STR("bad"), val), 0);
	got.n = 5;
	rc = location_get(store_loop_txn(st), STR("bad"), NOW, &got);
	if (rc != -EBADMSG || got.n != 0) {
		snprintf(msg, sizeof(msg), "%s (%zu bytes): rc %d, n %u", what, len, rc, got.n);
		unit_fail(__FILE__, __LINE__, msg);
	}
}

static void corrupt(void)
{
	struct store *st;
	static struct location_aor a, got;
	static char good[8192], mem[(CONFIG_REG_MAX_BINDINGS + 2) * 1024];
	struct location_binding b[CONFIG_REG_MAX_BINDINGS + 1];
	struct str v;
	size_t len;

	NEED_BINDINGS(2);
	st = unit_store_open("loc5");
	CHECK(st != NULL);
	if (!st) {
		return;
	}
	a.n = 2;
	a.b[0] = binding(0, NOW + 60);
	a.b[1] = (struct location_binding){ .q = LOCATION_Q_NONE, .expires = NOW + 60 };
	CHECK_INT(location_put(st, STR("bad"), &a), 0);
	CHECK_INT(store_get(st, STORE_DB_BINDINGS, STR("bad"), &v), 0);
	len = v.len;
	CHECK(len > 0 && len <= sizeof(good));
	if (len == 0 || len > sizeof(good)) {
		store_close(st);
		return;
	}
	memcpy(good, v.p, len);
	for (size_t i = 0; i < len; i++) {
		check_bad(st, str_make(good, i), "truncated", i);
	}

	memcpy(mem, good, len);
	mem[0] = LOCATION_VERSION + 1;
	check_bad(st, str_make(mem, len), "version + 1", len);
	mem[0] = 0;
	check_bad(st, str_make(mem, len), "version 0", len);

	/* n over the limit with that many well-formed bindings behind it */
	for (unsigned i = 0; i <= CONFIG_REG_MAX_BINDINGS; i++) {
		b[i] = binding(i, NOW + 60);
	}
	v = enc_record(mem, sizeof(mem), LOCATION_VERSION, CONFIG_REG_MAX_BINDINGS + 1, b,
		CONFIG_REG_MAX_BINDINGS + 1);
	check_bad(st, v, "n over the limit", v.len);
	v = enc_record(mem, sizeof(mem), LOCATION_VERSION, UINT64_MAX, b, 1);
	check_bad(st, v, "n huge", v.len);
	/* n larger than the bindings present */
	v = enc_record(mem, sizeof(mem), LOCATION_VERSION, 2, b, 1);
	check_bad(st, v, "n over the bindings", v.len);
	/* a string over its bound that location_put would refuse */
	b[0].uri = xstr(LOCATION_URI_MAX + 1);
	v = enc_record(mem, sizeof(mem), LOCATION_VERSION, 1, b, 1);
	check_bad(st, v, "uri over its bound", v.len);
	/* a string length running past the end */
	check_bad(st, STR("\x01\x01\xff\xff\xff\x0f"), "string past the end", 6);
	check_bad(st, STR("\x01\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"),
		"varint overlong", 13);

	/* The same record read back, after all that. */
	CHECK_INT(store_put(st, STORE_DB_BINDINGS, STR("bad"), str_make(good, len)), 0);
	CHECK_INT(location_get(store_loop_txn(st), STR("bad"), NOW, &got), 0);
	CHECK_INT(got.n, 2);
	CHECK_INT(store_flush(st), 0);
	store_close(st);
}

/* The sweep position is process-wide: one call that finds no record
 * reaches the end, and the next call starts at the first key. */
static void sweep_reset(const char *name)
{
	struct store *st = unit_store_open(name);

	CHECK(st != NULL);
	if (st) {
		CHECK_INT(location_sweep(st, NOW, 1), 0);
		store_close(st);
	}
}

struct ring_find {
	const char *needle;
	unsigned hits;
};

static void ring_find(
	void *arg, uint64_t seq, uint64_t unix_ms, enum log_level level, const char *line)
{
	struct ring_find *f = arg;

	(void)seq;
	(void)unix_ms;
	(void)level;
	if (strstr(line, f->needle)) {
		f->hits++;
	}
}

static void sweep_expired(void)
{
	struct store *st;
	static struct location_aor a, got;
	static char c_before[8192];
	struct ring_find f = { "bindings of dd do not read", 0 };
	uint64_t seq = log_ring_foreach(UINT64_MAX, ring_find, &f);
	size_t c_len;
	struct str v;

	NEED_BINDINGS(3);
	sweep_reset("loc6e");
	st = unit_store_open("loc6");
	CHECK(st != NULL);
	if (!st) {
		return;
	}
	/* aa: one of three expired; bb: all expired; cc: none; dd: unreadable */
	a.n = 3;
	a.b[0] = binding(0, NOW + 10);
	a.b[1] = binding(1, NOW);
	a.b[2] = binding(2, NOW + 20);
	CHECK_INT(location_put(st, STR("aa"), &a), 0);
	a.n = 2;
	a.b[0] = binding(3, NOW - 5);
	a.b[1] = binding(4, 1);
	CHECK_INT(location_put(st, STR("bb"), &a), 0);
	/* cc with a byte after its bindings, as a later version may add: it
	 * reads, and a sweep with nothing to remove must not rewrite it. */
	a.b[0] = binding(5, NOW + 1);
	a.b[1] = binding(6, NOW + 2);
	v = enc_record(c_before, sizeof(c_before) - 1, LOCATION_VERSION, 2, a.b, 2);
	c_before[v.len] = 0x2a;
	c_len = v.len + 1;
	CHECK_INT(store_put(st, STORE_DB_BINDINGS, STR("cc"), str_make(c_before, c_len)), 0);
	CHECK_INT(location_get(store_loop_txn(st), STR("cc"), NOW, &got), 0);
	CHECK_INT(got.n, 2);
	CHECK_INT(store_put(st, STORE_DB_BINDINGS, STR("dd"), STR("\x01\x05junk")), 0);
	CHECK_INT(store_flush(st), 0);

	f.hits = 0;
	CHECK_INT(location_sweep(st, NOW, 10), 3);
	CHECK_INT(store_flush(st), 0);

	CHECK_INT(location_get(store_loop_txn(st), STR("aa"), 0, &got), 0);
	CHECK_INT(got.n, 2);
	if (got.n == 2) {
		a.b[0] = binding(0, NOW + 10);
		a.b[1] = binding(2, NOW + 20);
		check_binding(&got.b[0], &a.b[0]);
		check_binding(&got.b[1], &a.b[1]);
	}
	CHECK_INT(store_get(st, STORE_DB_BINDINGS, STR("bb"), &v), -ENOENT);
	CHECK_INT(store_get(st, STORE_DB_BINDINGS, STR("cc"), &v), 0);
	CHECK(str_eq(v, str_make(c_before, c_len)));
	CHECK_INT(store_get(st, STORE_DB_BINDINGS, STR("dd"), &v), 0);
	CHECK(str_eq(v, STR("\x01\x05junk")));
	if (CONFIG_LOG_RING_LINES > 0 && CONFIG_LOG_LEVEL_MIN >= LOG_LEVEL_WARN) {
		log_ring_foreach(seq, ring_find, &f);
		CHECK_INT(f.hits, 1);
	}

	/* Nothing left to remove; the unreadable record is still left. */
	CHECK_INT(location_sweep(st, NOW, 10), 0);
	CHECK_INT(store_get(st, STORE_DB_BINDINGS, STR("dd"), &v), 0);
	CHECK_INT(location_sweep(st, NOW, 0), 0);
	/* Later, the rest expire. */
	CHECK_INT(location_sweep(st, NOW + 20, 10), 4);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(store_get(st, STORE_DB_BINDINGS, STR("aa"), &v), -ENOENT);
	CHECK_INT(store_get(st, STORE_DB_BINDINGS, STR("cc"), &v), -ENOENT);
	CHECK_INT(store_get(st, STORE_DB_BINDINGS, STR("dd"), &v), 0);
	store_close(st);
}

static void put_two(struct store *st, const char *user)
{
	static struct location_aor a;

	a.n = 2;
	a.b[0] = binding(0, NOW - 1);
	a.b[1] = binding(1, NOW + 60);
	CHECK_INT(location_put(st, str_cstr(user), &a), 0);
}

static void sweep_resumes(void)
{
	static const char *const users[] = { "u1", "u2", "u3", "u4", "u5" };
	/* Bindings left per user after each call of max_users 2. */
	static const unsigned left[][5] = {
		{ 1, 1, 2, 2, 2 },
		{ 1, 1, 1, 1, 2 },
		{ 1, 1, 1, 1, 1 },
	};
	static const int removed[] = { 2, 2, 1 };
	struct store *st;

	NEED_BINDINGS(2);
	sweep_reset("loc7e");
	st = unit_store_open("loc7");
	CHECK(st != NULL);
	if (!st) {
		return;
	}
	for (size_t u = 0; u < 5; u++) {
		put_two(st, users[u]);
	}
	CHECK_INT(store_flush(st), 0);
	for (size_t c = 0; c < 3; c++) {
		CHECK_INT(location_sweep(st, NOW, 2), removed[c]);
		CHECK_INT(store_flush(st), 0);
		for (size_t u = 0; u < 5; u++) {
			if (stored(st, users[u]) != left[c][u]) {
				char msg[64];
				snprintf(msg, sizeof(msg), "call %zu: %s has %u", c + 1, users[u],
					stored(st, users[u]));
				unit_fail(__FILE__, __LINE__, msg);
			}
		}
	}

	/* The third call reached the end: the fourth starts over at u1. */
	for (size_t u = 0; u < 5; u++) {
		put_two(st, users[u]);
	}
	CHECK_INT(location_sweep(st, NOW, 2), 2);
	CHECK_INT(stored(st, "u1"), 1);
	CHECK_INT(stored(st, "u2"), 1);
	CHECK_INT(stored(st, "u3"), 2);

	/* A resume point whose record went away (u4 deleted) still works. */
	CHECK_INT(location_sweep(st, NOW, 1), 1);
	CHECK_INT(stored(st, "u3"), 1);
	{
		static struct location_aor none;
		CHECK_INT(location_put(st, STR("u3"), &none), 0);
	}
	CHECK_INT(location_sweep(st, NOW, 5), 2);
	CHECK_INT(stored(st, "u4"), 1);
	CHECK_INT(stored(st, "u5"), 1);
	CHECK_INT(store_flush(st), 0);
	store_close(st);
}

static void stats(void)
{
	struct store *st;
	static struct location_aor a;
	struct location_stats s;

	NEED_BINDINGS(3);
	st = unit_store_open("loc8");
	CHECK(st != NULL);
	if (!st) {
		return;
	}
	s.users = 9;
	CHECK_INT(location_stats(store_loop_txn(st), NOW, &s), 0);
	CHECK_INT(s.users, 0);
	CHECK_INT(s.bindings, 0);

	a.n = 3;
	a.b[0] = binding(0, NOW + 10);
	a.b[1] = binding(1, NOW - 10);
	a.b[2] = binding(2, NOW + 20);
	CHECK_INT(location_put(st, STR("alice"), &a), 0);
	a.n = 1;
	a.b[0] = binding(0, NOW);
	CHECK_INT(location_put(st, STR("bob"), &a), 0);
	a.b[0] = binding(0, NOW + 30);
	CHECK_INT(location_put(st, STR("carol"), &a), 0);
	CHECK_INT(store_put(st, STORE_DB_BINDINGS, STR("dave"), STR("\x07")), 0);
	CHECK_INT(store_flush(st), 0);

	CHECK_INT(location_stats(store_loop_txn(st), NOW, &s), 0);
	CHECK_INT(s.users, 4);
	CHECK_INT(s.bindings, 3);
	CHECK_INT(location_stats(store_loop_txn(st), NOW + 10, &s), 0);
	CHECK_INT(s.users, 4);
	CHECK_INT(s.bindings, 2);
	CHECK_INT(location_stats(store_loop_txn(st), 0, &s), 0);
	CHECK_INT(s.bindings, 5);
	store_close(st);
}

UNIT_SUITE(location, UNIT_TEST(round_trip), UNIT_TEST(expired_filtered),
	UNIT_TEST(put_zero_deletes), UNIT_TEST(bounds), UNIT_TEST(corrupt),
	UNIT_TEST(sweep_expired), UNIT_TEST(sweep_resumes), UNIT_TEST(stats));
