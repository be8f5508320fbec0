#include "tests/fuzz/stub_store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/log.h"
#include "core/store.h"

struct str stub_value;
struct str stub_key;
static uint8_t written[1 << 18];
static size_t written_len;

struct str stub_written(void)
{
	return str_make(written, written_len);
}

void stub_same(struct str a, struct str b)
{
	if (!str_eq(a, b)) {
		abort();
	}
}

int store_txn_get(struct store_txn *txn, enum store_db db, struct str key, struct str *val)
{
	(void)txn;
	(void)db;
	if (stub_key.len && !str_eq(key, stub_key)) {
		return -ENOENT;
	}
	*val = stub_value;
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
	return fn(arg, stub_key.len ? stub_key : STR("alice"), stub_value);
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
