/* libFuzzer target: the stored-message record reader (sip/msgstore) on
 * arbitrary bytes, as a corrupt store would hand them over. Whatever
 * msgstore_next accepts must write back (msgstore_mark rewrites the
 * record) and read back the same, with the new device listed last. The
 * store, the log and the digest code (core/users.c needs them, for
 * users_name_valid) are stubbed: the input is the value of the one key
 * "alice\0" + seq 1. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/log.h"
#include "core/store.h"
#include "sip/msgstore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key1[] = { 'a', 'l', 'i', 'c', 'e', 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static struct str value;
static uint8_t written[1 << 18];
static size_t written_len;

int store_txn_get(struct store_txn *txn, enum store_db db, struct str key, struct str *val)
{
	(void)txn;
	(void)db;
	if (!str_eq(key, str_make(key1, sizeof(key1)))) {
		return -ENOENT;
	}
	*val = value;
	return 0;
}

int store_put(struct store *st, enum store_db db, struct str key, struct str val)
{
	(void)st;
	(void)db;
	(void)key;
	if (val.len > sizeof(written)) {
		abort();
	}
	memcpy(written, val.p, val.len);
	written_len = val.len;
	return 0;
}

int store_del(struct store *st, enum store_db db, struct str key)
{
	(void)st;
	(void)db;
	(void)key;
	return 0;
}

void store_mark_durable(struct store *st)
{
	(void)st;
}

struct store_txn *store_loop_txn(struct store *st)
{
	(void)st;
	return NULL;
}

int store_txn_scan(struct store_txn *txn, enum store_db db, struct str prefix,
	int (*fn)(void *arg, struct str key, struct str val), void *arg)
{
	(void)txn;
	(void)db;
	(void)prefix;
	return fn(arg, str_make(key1, sizeof(key1)), value);
}

size_t store_count(struct store_txn *txn, enum store_db db)
{
	(void)txn;
	(void)db;
	return 0;
}

size_t digest_alg_len(enum digest_alg alg)
{
	(void)alg;
	return 16;
}

void digest_ha1(enum digest_alg alg, struct str username, struct str realm, struct str password,
	uint8_t *out)
{
	(void)alg;
	(void)username;
	(void)realm;
	(void)password;
	memset(out, 0, 16);
}

bool log_rl_allow(struct log_rl *rl, uint64_t now_ms)
{
	(void)rl;
	(void)now_ms;
	return false;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

static void same(struct str a, struct str b)
{
	if (!str_eq(a, b)) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct msgstore_msg a, b;
	static uint8_t copy[1 << 18];
	_Static_assert(sizeof(copy) > LOCATION_URI_MAX, "copy doubles as an unlisted device");
	const struct str dev = STR("<urn:uuid:fuzz>");
	uint64_t now = 0;
	unsigned keep;

	/* The first byte picks the clock, so expiry filtering is covered. */
	if (size) {
		now = (uint64_t)data[0] << 24;
		data++;
		size--;
	}
	value = str_make(data, size);
	if (msgstore_next(NULL, STR("alice"), dev, 0, now, &a) != 0) {
		return 0;
	}
	if (a.seq != 1 || a.expires <= now || a.n_devices > CONFIG_REG_MAX_BINDINGS) {
		abort();
	}
	if (msgstore_mark(NULL, STR("alice"), 1, dev, now) != 0) {
		abort();
	}
	/* a points into value, which stays; read the rewritten record. */
	memcpy(copy, written, written_len);
	value = str_make(copy, written_len);
	/* Read as a device no record can list (over LOCATION_URI_MAX). */
	if (msgstore_next(NULL, STR("alice"), str_make(copy, LOCATION_URI_MAX + 1), 0, now, &b) !=
		0) {
		abort();
	}
	same(a.from, b.from);
	same(a.to, b.to);
	same(a.date, b.date);
	same(a.content_type, b.content_type);
	same(a.body, b.body);
	if (a.stored != b.stored || a.expires != b.expires) {
		abort();
	}
	keep = a.n_devices == CONFIG_REG_MAX_BINDINGS ? a.n_devices - 1 : a.n_devices;
	if (b.n_devices != keep + 1 || !str_eq(b.devices[keep], dev)) {
		abort();
	}
	for (unsigned i = 0; i < keep; i++) {
		same(a.devices[a.n_devices - keep + i], b.devices[i]);
	}
	return 0;
}
