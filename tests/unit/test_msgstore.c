#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/rec.h"
#include "core/users.h"
#include "sip/msgstore.h"
#include "tests/unit/unit.h"

#define NOW 1764633600ULL
#define DAY (24 * 3600ULL)
#define DESK STR("<urn:uuid:00000000-0000-1000-8000-000a95a0e128>")
#define LAPTOP STR("<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>")
#define PHONE STR("sip:alice@192.0.2.7:5060;transport=tcp")

/* Long enough for the largest bound plus one. */
static char xs[CONFIG_SIP_MAX_MSG_SIZE + 1];

static struct str xstr(size_t n)
{
	memset(xs, 'x', sizeof(xs));
	return str_make(xs, n);
}

static struct msgstore_msg msg(const char *body, uint64_t expires)
{
	struct msgstore_msg m = {
		.from = STR("\"Bob\" <sip:bob@office.example>;tag=49583"),
		.to = STR("<sip:alice@office.example>"),
		.date = STR("Mon, 01 Dec 2025 00:00:00 GMT"),
		.content_type = STR("text/plain;charset=UTF-8"),
		.body = str_cstr(body),
		.expires = expires,
	};
	return m;
}

static struct str key(uint8_t *k, const char *user, uint64_t seq)
{
	size_t n = strlen(user);

	memcpy(k, user, n);
	k[n] = 0;
	for (int i = 0; i < 8; i++) {
		k[n + 1 + i] = (uint8_t)(seq >> (56 - 8 * i));
	}
	return str_make(k, n + 9);
}

/* The layout written out from the header's comment, independently of
 * msgstore.c. */
static struct str enc_record(
	void *mem, size_t cap, uint8_t version, uint64_t stored, const struct msgstore_msg *m)
{
	struct buf w;

	buf_init(&w, mem, cap);
	buf_put_be8(&w, version);
	buf_put_be64(&w, stored);
	buf_put_be64(&w, m->expires);
	rec_put_str(&w, m->from);
	rec_put_str(&w, m->to);
	rec_put_str(&w, m->date);
	rec_put_str(&w, m->content_type);
	rec_put_str(&w, m->body);
	rec_put_varint(&w, m->n_devices);
	for (unsigned i = 0; i < m->n_devices; i++) {
		rec_put_str(&w, m->devices[i]);
	}
	CHECK_INT(w.err, 0);
	return buf_str(&w);
}

static void check_msg(const struct msgstore_msg *got, const struct msgstore_msg *want)
{
	CHECK(str_eq(got->from, want->from));
	CHECK(str_eq(got->to, want->to));
	CHECK(str_eq(got->date, want->date));
	CHECK(str_eq(got->content_type, want->content_type));
	CHECK(str_eq(got->body, want->body));
	CHECK(got->expires == want->expires);
}

static unsigned count(struct store *st, const char *user, uint64_t now_s)
{
	unsigned n = 12345;

	CHECK_INT(msgstore_count(store_loop_txn(st), str_cstr(user), now_s, &n), 0);
	return n;
}

static struct store *open_store(const char *name)
{
	struct store *st = unit_store_open(name);

	CHECK(st != NULL);
	return st;
}

static void round_trip(void)
{
	static const char body[] = "line one\r\nline\0two\r\n\r\n\0";
	static struct msgstore_msg m, got, want;
	static uint8_t mem[CONFIG_SIP_MAX_MSG_SIZE + 4096];
	struct store *st = open_store("ms1");
	uint8_t k[80];
	struct str v;

	if (!st) {
		return;
	}
	m = msg("", NOW + 7 * DAY);
	m.body = str_make(body, sizeof(body) - 1);
	m.seq = 99;
	m.stored = 7;
	m.n_devices = 1;
	m.devices[0] = PHONE;
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW), 0);
	CHECK_INT(msgstore_next(store_loop_txn(st), STR("alice"), DESK, 0, NOW, &got), 0);
	check_msg(&got, &m);
	CHECK(got.body.len == sizeof(body) - 1);
	CHECK(got.seq == 1);
	CHECK(got.stored == NOW);
	CHECK_INT(got.n_devices, 1);
	CHECK(str_eq(got.devices[0], PHONE));
	/* The device it was stored as having got does not get it. */
	CHECK_INT(msgstore_next(store_loop_txn(st), STR("alice"), PHONE, 0, NOW, &got), -ENOENT);

	/* The stored value is the header's layout, byte for byte. */
	CHECK_INT(store_get(st, STORE_DB_MESSAGES, key(k, "alice", 1), &v), 0);
	CHECK(str_eq(v, enc_record(mem, sizeof(mem), 1, NOW, &m)));

	/* Every bound, exactly. */
	want = msg("", NOW + 1);
	want.from = xstr(MSGSTORE_FIELD_MAX);
	want.to = str_make(xs, MSGSTORE_FIELD_MAX);
	want.date = str_make(xs, MSGSTORE_FIELD_MAX);
	want.content_type = str_make(xs, MSGSTORE_FIELD_MAX);
	want.body = str_make(xs, CONFIG_SIP_MAX_MSG_SIZE);
	want.n_devices = CONFIG_REG_MAX_BINDINGS;
	for (unsigned i = 0; i < CONFIG_REG_MAX_BINDINGS; i++) {
		want.devices[i] = str_make(xs + i, LOCATION_URI_MAX);
	}
	CHECK_INT(msgstore_put(st, STR("alice"), &want, NOW), 0);
	CHECK_INT(msgstore_next(store_loop_txn(st), STR("alice"), DESK, 1, NOW, &got), 0);
	CHECK(got.seq == 2);
	check_msg(&got, &want);
	CHECK_INT(got.n_devices, CONFIG_REG_MAX_BINDINGS);
	for (unsigned i = 0; i < got.n_devices; i++) {
		CHECK(str_eq(got.devices[i], want.devices[i]));
	}
	CHECK_INT(store_flush(st), 0);
	store_close(st);
}

static void date_made_when_missing(void)
{
	static struct msgstore_msg m, got;
	struct store *st = open_store("ms2");

	if (!st) {
		return;
	}
	m = msg("hi", NOW + DAY);
	m.date = STR_NULL;
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW + 3661), 0);
	CHECK_INT(msgstore_next(store_loop_txn(st), STR("alice"), DESK, 0, NOW, &got), 0);
	CHECK(str_eq(got.date, STR("Tue, 02 Dec 2025 01:01:01 GMT")));
	store_close(st);
}

static void per_device(void)
{
	static struct msgstore_msg m, got;
	struct store *st = open_store("ms3");

	if (!st) {
		return;
	}
	m = msg("see you at 3", NOW + DAY);
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW), 0);
	CHECK_INT(msgstore_mark(st, STR("alice"), 1, DESK, NOW + 5), 0);
	CHECK_INT(msgstore_next(store_loop_txn(st), STR("alice"), DESK, 0, NOW + 5, &got), -ENOENT);
	CHECK_INT(msgstore_next(store_loop_txn(st), STR("alice"), LAPTOP, 0, NOW + 5, &got), 0);
	CHECK(got.seq == 1);
	CHECK_INT(got.n_devices, 1);
	CHECK(str_eq(got.devices[0], DESK));
	check_msg(&got, &m);
	/* Idempotent: marking again lists it once. */
	CHECK_INT(msgstore_mark(st, STR("alice"), 1, DESK, NOW + 6), 0);
	CHECK_INT(msgstore_mark(st, STR("alice"), 1, LAPTOP, NOW + 6), 0);
	CHECK_INT(msgstore_next(store_loop_txn(st), STR("alice"), PHONE, 0, NOW + 6, &got), 0);
	CHECK_INT(got.n_devices, 2);
	CHECK(str_eq(got.devices[0], DESK));
	CHECK(str_eq(got.devices[1], LAPTOP));
	CHECK_INT(
		msgstore_next(store_loop_txn(st), STR("alice"), LAPTOP, 0, NOW + 6, &got), -ENOENT);
	/* Still there for the phone after a commit. */
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(msgstore_next(store_loop_txn(st), STR("alice"), PHONE, 0, NOW + 6, &got), 0);
	/* Bad marks. */
	CHECK_INT(msgstore_mark(st, STR("alice"), 2, DESK, NOW), -ENOENT);
	CHECK_INT(msgstore_mark(st, STR("bob"), 1, DESK, NOW), -ENOENT);
	CHECK_INT(msgstore_mark(st, STR("alice"), 1, DESK, NOW + DAY), -ENOENT);
	CHECK_INT(msgstore_mark(st, STR("alice"), 1, STR_NULL, NOW), -EINVAL);
	CHECK_INT(msgstore_mark(st, STR("alice"), 1, xstr(LOCATION_URI_MAX + 1), NOW), -E2BIG);
	/* Nor does another user's device list or message show. */
	CHECK_INT(msgstore_next(store_loop_txn(st), STR("bob"), PHONE, 0, NOW, &got), -ENOENT);
	store_close(st);
}

/* A full device list drops its oldest entry. */
static void device_list_full(void)
{
	static struct msgstore_msg m, got;
	static char dev[CONFIG_REG_MAX_BINDINGS + 1][16];
	struct store *st = open_store("ms4");

	if (!st) {
		return;
	}
	m = msg("x", NOW + DAY);
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW), 0);
	for (unsigned i = 0; i <= CONFIG_REG_MAX_BINDINGS; i++) {
		snprintf(dev[i], sizeof(dev[i]), "sip:d%u@h", i);
		CHECK_INT(msgstore_mark(st, STR("alice"), 1, str_cstr(dev[i]), NOW), 0);
	}
	CHECK_INT(
		msgstore_next(store_loop_txn(st), STR("alice"), str_cstr(dev[0]), 0, NOW, &got), 0);
	CHECK_INT(got.n_devices, CONFIG_REG_MAX_BINDINGS);
	for (unsigned i = 0; i < got.n_devices; i++) {
		CHECK(str_eq(got.devices[i], str_cstr(dev[i + 1])));
	}
	CHECK_INT(msgstore_next(store_loop_txn(st), STR("alice"), str_cstr(dev[1]), 0, NOW, &got),
		-ENOENT);
	store_close(st);
}

static void order_and_skips(void)
{
	static struct msgstore_msg m[3], got;
	struct store *st = open_store("ms5");
	uint64_t seq = 0;
	unsigned n = 0;

	if (!st) {
		return;
	}
	m[0] = msg("first", NOW + DAY);
	m[1] = msg("second", NOW + 100);
	m[2] = msg("third", NOW + DAY);
	for (int i = 0; i < 3; i++) {
		CHECK_INT(msgstore_put(st, STR("alice"), &m[i], NOW + (uint64_t)i), 0);
	}
	/* Another user in between, by key order ("alice" < "alice2"). */
	CHECK_INT(msgstore_put(st, STR("alice2"), &m[0], NOW), 0);
	CHECK_INT(count(st, "alice", NOW), 3);
	CHECK_INT(count(st, "alice2", NOW), 1);
	while (msgstore_next(store_loop_txn(st), STR("alice"), DESK, seq, NOW, &got) == 0 &&
		n < 5) {
		CHECK(got.seq == seq + 1);
		CHECK(got.stored == NOW + seq);
		check_msg(&got, &m[seq]);
		seq = got.seq;
		n++;
	}
	CHECK_INT(n, 3);
	/* Marked: skipped. Expired: skipped. */
	CHECK_INT(msgstore_mark(st, STR("alice"), 1, DESK, NOW), 0);
	CHECK_INT(msgstore_next(store_loop_txn(st), STR("alice"), DESK, 0, NOW + 100, &got), 0);
	CHECK(got.seq == 3);
	CHECK_INT(count(st, "alice", NOW + 100), 2);
	CHECK_INT(msgstore_next(store_loop_txn(st), STR("alice"), DESK, 3, NOW, &got), -ENOENT);
	CHECK_INT(
		msgstore_next(store_loop_txn(st), STR("alice"), DESK, 0, NOW + DAY, &got), -ENOENT);
	CHECK_INT(msgstore_next(store_loop_txn(st), STR("bad name"), DESK, 0, NOW, &got), -ENOENT);
	store_close(st);
}

static void cap(void)
{
	static struct msgstore_msg m, got;
	struct store *st = open_store("ms6");

	if (!st) {
		return;
	}
	/* Two that will have expired, then the cap of live ones. */
	m = msg("old", NOW + 10);
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW), 0);
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW),
		CONFIG_MSGSTORE_PER_USER > 1 ? 0 : -ENOSPC);
	m = msg("new", NOW + DAY);
	for (unsigned i = 0; i < CONFIG_MSGSTORE_PER_USER; i++) {
		CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW + 10), 0);
	}
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW + 10), -ENOSPC);
	CHECK_INT(count(st, "alice", NOW + 10), CONFIG_MSGSTORE_PER_USER);
	/* Another user has a cap of its own. */
	CHECK_INT(msgstore_put(st, STR("bob"), &m, NOW + 10), 0);
	CHECK_INT(store_flush(st), 0);
	/* One more frees when one expires. */
	m.expires = NOW + 2 * DAY;
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW + DAY), 0);
	CHECK_INT(count(st, "alice", NOW + DAY), 1);
	CHECK_INT(msgstore_next(store_loop_txn(st), STR("alice"), DESK, 0, NOW + DAY, &got), 0);
	CHECK(got.seq == (CONFIG_MSGSTORE_PER_USER > 1 ? CONFIG_MSGSTORE_PER_USER + 3 : 3));
	store_close(st);
}

static void bounds(void)
{
	static struct msgstore_msg m;
	struct store *st = open_store("ms7");
	unsigned n;

	if (!st) {
		return;
	}
	m = msg("b", NOW + DAY);
	m.from = xstr(MSGSTORE_FIELD_MAX + 1);
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW), -E2BIG);
	m = msg("b", NOW + DAY);
	m.to = xstr(MSGSTORE_FIELD_MAX + 1);
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW), -E2BIG);
	m = msg("b", NOW + DAY);
	m.date = xstr(MSGSTORE_FIELD_MAX + 1);
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW), -E2BIG);
	m = msg("b", NOW + DAY);
	m.content_type = xstr(MSGSTORE_FIELD_MAX + 1);
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW), -E2BIG);
	m = msg("b", NOW + DAY);
	m.body = xstr(CONFIG_SIP_MAX_MSG_SIZE + 1);
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW), -E2BIG);
	m = msg("b", NOW + DAY);
	m.n_devices = 1;
	m.devices[0] = xstr(LOCATION_URI_MAX + 1);
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW), -E2BIG);
	m = msg("b", NOW + DAY);
	m.n_devices = CONFIG_REG_MAX_BINDINGS + 1;
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW), -EINVAL);
	m = msg("b", NOW);
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW), -EINVAL);
	m = msg("b", NOW + DAY);
	CHECK_INT(msgstore_put(st, STR(""), &m, NOW), -EINVAL);
	CHECK_INT(msgstore_put(st, STR("a b"), &m, NOW), -EINVAL);
	CHECK_INT(msgstore_put(st, str_make("a\0b", 3), &m, NOW), -EINVAL);
	CHECK_INT(msgstore_put(st, xstr(USERS_NAME_MAX + 1), &m, NOW), -EINVAL);
	CHECK_INT(msgstore_count(store_loop_txn(st), STR("alice"), NOW, &n), 0);
	CHECK_INT(n, 0);
	CHECK_INT(store_count(store_loop_txn(st), STORE_DB_MESSAGES), 0);
	/* The longest name works. */
	CHECK_INT(msgstore_put(st, xstr(USERS_NAME_MAX), &m, NOW), 0);
	store_close(st);
}

static void sweep(void)
{
	static struct msgstore_msg m, got;
	struct store *st = open_store("ms8");
	uint8_t k[80];
	struct str v;

	if (!st) {
		return;
	}
	/* alice: 1 expires early, 2 lives, 3 expires early; bob: 1 early. */
	m = msg("a1", NOW + 10);
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW), 0);
	m = msg("a2", NOW + DAY);
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW), 0);
	m = msg("a3", NOW + 10);
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW), 0);
	m = msg("b1", NOW + 10);
	CHECK_INT(msgstore_put(st, STR("bob"), &m, NOW), 0);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(msgstore_sweep(st, NOW + 9, 10), 0);
	CHECK_INT(msgstore_sweep(st, NOW + 10, 0), 0);
	CHECK_INT(msgstore_sweep(st, NOW + 10, 2), 2);
	CHECK_INT(store_count(store_loop_txn(st), STORE_DB_MESSAGES), 2);
	CHECK_INT(msgstore_sweep(st, NOW + 10, 10), 1);
	CHECK_INT(msgstore_sweep(st, NOW + 10, 10), 0);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(store_count(store_loop_txn(st), STORE_DB_MESSAGES), 1);
	CHECK_INT(store_get(st, STORE_DB_MESSAGES, key(k, "alice", 2), &v), 0);
	/* The next seq follows the highest left. */
	m.expires = NOW + DAY;
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW + 11), 0);
	CHECK_INT(msgstore_next(store_loop_txn(st), STR("alice"), DESK, 2, NOW + 11, &got), 0);
	CHECK(got.seq == 3);
	CHECK(str_eq(got.body, STR("b1")));
	store_close(st);
}

static void survives_restart(void)
{
	static struct msgstore_msg m, got;
	struct store *st = open_store("ms9");

	if (!st) {
		return;
	}
	m = msg("kept", NOW + DAY);
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW), 0);
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW), 0);
	CHECK_INT(msgstore_mark(st, STR("alice"), 1, DESK, NOW), 0);
	CHECK_INT(store_flush(st), 0);
	store_close(st);
	st = open_store("ms9");
	if (!st) {
		return;
	}
	CHECK_INT(count(st, "alice", NOW), 2);
	CHECK_INT(msgstore_next(store_loop_txn(st), STR("alice"), DESK, 0, NOW, &got), 0);
	CHECK(got.seq == 2);
	check_msg(&got, &m);
	CHECK_INT(msgstore_next(store_loop_txn(st), STR("alice"), LAPTOP, 0, NOW, &got), 0);
	CHECK(got.seq == 1);
	CHECK_INT(got.n_devices, 1);
	CHECK(str_eq(got.devices[0], DESK));
	store_close(st);
}

static void corrupt_skipped(void)
{
	static struct msgstore_msg m, got;
	static uint8_t mem[4096];
	struct store *st = open_store("ms10");
	uint8_t k[80];
	struct str good;
	unsigned n;

	if (!st) {
		return;
	}
	m = msg("one", NOW + DAY);
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW), 0);
	/* seq 2: a version this build does not know; seq 3: short. */
	good = enc_record(mem, sizeof(mem), 2, NOW, &m);
	CHECK_INT(store_put(st, STORE_DB_MESSAGES, key(k, "alice", 2), good), 0);
	good = enc_record(mem, sizeof(mem), 1, NOW, &m);
	CHECK_INT(store_put(st, STORE_DB_MESSAGES, key(k, "alice", 3),
			  str_make(good.p, good.len - 1)),
		0);
	/* A key of the wrong length under the prefix. */
	CHECK_INT(store_put(st, STORE_DB_MESSAGES, str_make("alice\0x", 7), good), 0);
	CHECK_INT(msgstore_next(store_loop_txn(st), STR("alice"), DESK, 0, NOW, &got), 0);
	CHECK(got.seq == 1);
	CHECK_INT(msgstore_next(store_loop_txn(st), STR("alice"), DESK, 1, NOW, &got), -EBADMSG);
	CHECK_INT(msgstore_mark(st, STR("alice"), 3, DESK, NOW), -EBADMSG);
	CHECK_INT(msgstore_count(store_loop_txn(st), STR("alice"), NOW, &n), 0);
	CHECK_INT(n, 1);
	/* A good one after them is found; the next seq passes them by. */
	m = msg("four", NOW + DAY);
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW), 0);
	CHECK_INT(msgstore_next(store_loop_txn(st), STR("alice"), DESK, 1, NOW, &got), 0);
	CHECK(got.seq == 4);
	check_msg(&got, &m);
	/* A device count over the bound. */
	m.n_devices = 0;
	good = enc_record(mem, sizeof(mem), 1, NOW, &m);
	mem[good.len - 1] = CONFIG_REG_MAX_BINDINGS + 1;
	CHECK_INT(store_put(st, STORE_DB_MESSAGES, key(k, "alice", 5), good), 0);
	CHECK_INT(msgstore_next(store_loop_txn(st), STR("alice"), DESK, 4, NOW, &got), -EBADMSG);
	/* Sweep leaves them alone. */
	CHECK_INT(msgstore_sweep(st, NOW + 2 * DAY, 10), 2);
	CHECK_INT(store_count(store_loop_txn(st), STORE_DB_MESSAGES), 4);
	store_close(st);
}

static void user_del_removes_messages(void)
{
	static struct msgstore_msg m, got;
	struct store *st = open_store("ms11");
	unsigned n;

	if (!st) {
		return;
	}
	CHECK_INT(users_add(st, STR("alice"), STR("office.example"), STR("pw"), NOW), 0);
	CHECK_INT(users_add(st, STR("alice2"), STR("office.example"), STR("pw"), NOW), 0);
	/* More than one batch: each put at a later time, the earlier ones
	 * expired, so the cap never refuses. */
	for (unsigned i = 0; i < 70; i++) {
		m = msg("m", NOW + 2 * i + 1);
		CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW + 2 * i), 0);
	}
	m = msg("m", NOW + DAY);
	CHECK_INT(msgstore_put(st, STR("alice"), &m, NOW + 200), 0);
	CHECK_INT(msgstore_put(st, STR("alice2"), &m, NOW + 200), 0);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(store_count(store_loop_txn(st), STORE_DB_MESSAGES), 72);
	CHECK_INT(users_del(st, STR("alice")), 0);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(store_count(store_loop_txn(st), STORE_DB_MESSAGES), 1);
	CHECK_INT(msgstore_count(store_loop_txn(st), STR("alice"), NOW, &n), 0);
	CHECK_INT(n, 0);
	CHECK_INT(msgstore_next(store_loop_txn(st), STR("alice2"), DESK, 0, NOW, &got), 0);
	store_close(st);
}

UNIT_SUITE(msgstore, UNIT_TEST(round_trip), UNIT_TEST(date_made_when_missing),
	UNIT_TEST(per_device), UNIT_TEST(device_list_full), UNIT_TEST(order_and_skips),
	UNIT_TEST(cap), UNIT_TEST(bounds), UNIT_TEST(sweep), UNIT_TEST(survives_restart),
	UNIT_TEST(corrupt_skipped), UNIT_TEST(user_del_removes_messages));
