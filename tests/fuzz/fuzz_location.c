/* libFuzzer target: the bindings record reader (sip/location) on arbitrary
 * bytes, as a corrupt store would hand them over. Whatever location_get
 * accepts must write back (location_put) and read back the same: the
 * registrar rewrites records it has read. The store is stubbed: the input
 * is the value of every key. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/store.h"
#include "sip/location.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct str value;
static uint8_t written[1 << 17];
static size_t written_len;

int store_txn_get(struct store_txn *txn, enum store_db db, struct str key, struct str *val)
{
	(void)txn;
	(void)db;
	(void)key;
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
	written_len = 0;
	return 0;
}

int store_txn_scan(struct store_txn *txn, enum store_db db, struct str prefix,
	int (*fn)(void *arg, struct str key, struct str val), void *arg)
{
	(void)txn;
	(void)db;
	(void)prefix;
	return fn(arg, STR("alice"), value);
}

struct store_txn *store_loop_txn(struct store *st)
{
	(void)st;
	return NULL;
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
	static struct location_aor a, b;
	uint64_t now = 0;

	/* The first byte picks the clock, so expiry filtering is covered. */
	if (size) {
		now = (uint64_t)data[0] << 24;
		data++;
		size--;
	}
	value = str_make(data, size);
	if (location_get(NULL, STR("alice"), now, &a) < 0 || a.n == 0) {
		return 0;
	}
	if (location_put(NULL, STR("alice"), &a) != 0) {
		abort();
	}
	value = str_make(written, written_len);
	if (location_get(NULL, STR("alice"), now, &b) != 0 || b.n != a.n) {
		abort();
	}
	for (unsigned i = 0; i < a.n; i++) {
		const struct location_binding *x = &a.b[i], *y = &b.b[i];
		same(x->uri, y->uri);
		same(x->params, y->params);
		same(x->instance, y->instance);
		same(x->path, y->path);
		same(x->call_id, y->call_id);
		same(x->source, y->source);
		same(x->user_agent, y->user_agent);
		if (x->reg_id != y->reg_id || x->cseq != y->cseq || x->q != y->q ||
			x->expires != y->expires || x->registered != y->registered ||
			x->proto != y->proto || x->conn != y->conn) {
			abort();
		}
	}
	return 0;
}
