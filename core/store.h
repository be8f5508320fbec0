/* The store: one LMDB environment (DIR/sipbox.mdb) with a named database
 * per kind of record. Values are records encoded with core/rec.h.
 *
 * Threads. The loop thread is the only writer of the running server. Other
 * threads (the web UI's) only read, through store_view(). A second process
 * (the CLI: `sipbox user add` while the server runs) may write too: LMDB
 * serialises writers across processes, and the server never holds the
 * write lock across a poll().
 *
 * Group commit. store_put/store_del open one write transaction on demand;
 * every write made until store_flush() shares it. store_flush() commits,
 * fsyncs when any write of the group was marked durable, and only then runs
 * the waiters registered with store_when_committed(): a caller acknowledges
 * a change from its waiter, never before. The server calls store_flush() at
 * the end of every loop iteration, so no write waits longer than one
 * iteration and no transaction spans a poll().
 *
 * Durability. Commits don't fsync (MDB_NOSYNC): a killed process loses
 * nothing committed (the data is in the kernel's page cache), a power cut
 * loses at most the soft state committed since the last store_tick() (1 s).
 * Admin changes call store_mark_durable(), and their group is fsynced
 * before any waiter runs. */
#ifndef CORE_STORE_H
#define CORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"

enum store_db {
	STORE_DB_META,
	STORE_DB_SETTINGS,
	STORE_DB_USERS,
	STORE_DB_BINDINGS,
	STORE_DB_PRESENCE,
	STORE_DB_SUBSCRIPTIONS,
	STORE_DB_MESSAGES,
	STORE_DB_CERTS,
	STORE_DB_AUDIT,
	STORE_DB_RINGPLANS, /* sip/ringplan.h */
	STORE_DB_COUNT
};

/* Schema version of the records this build writes. Raised with a migration
 * in store.c's table whenever a record layout changes incompatibly. */
#define STORE_SCHEMA 1
/* LMDB keeps keys up to 511 bytes. */
#define STORE_KEY_MAX 511

struct store;
struct store_txn;

struct store_migration {
	unsigned schema; /* what this build writes */
	/* migrate[v] turns schema v into v + 1, inside one write transaction;
	 * 0 or a negative error that aborts the open. */
	int (*const *migrate)(struct store_txn *txn);
};

/* Opens (creating when missing) the store in dir, which is created if it
 * does not exist. map_mb bounds its size. mig NULL means this build's
 * schema. A store written by a newer schema is refused (-EPROTO), as is one
 * whose migration fails. A database of enum store_db that the store lacks
 * (one added by a later build) is created empty; databases unknown to this
 * build are left alone. On error returns NULL, sets *err, and writes a
 * one-line reason to why. */
struct store *store_open(const char *dir, size_t map_mb, const struct store_migration *mig,
	int *err, char *why, size_t why_len);
/* Commits and fsyncs pending writes, then closes. NULL is a no-op. */
void store_close(struct store *st);
/* Text of a store error (LMDB or errno). */
const char *store_strerror(int err);
unsigned store_schema(const struct store *st);

/* --- loop thread (or a CLI process): writes --------------------------- */
/* In the current group. Errors: -EINVAL (key empty or too long),
 * -MDB_MAP_FULL and others from LMDB, after which the whole group fails
 * (sticky) and store_flush() reports it to every waiter. */
int store_put(struct store *st, enum store_db db, struct str key, struct str val);
/* 0, or -ENOENT when the key was not there. */
int store_del(struct store *st, enum store_db db, struct str key);
/* The current group is fsynced before its waiters run. */
void store_mark_durable(struct store *st);

struct store_waiter;
typedef void (*store_waiter_cb)(struct store_waiter *w, int status);
struct store_waiter {
	struct store_waiter *next;
	store_waiter_cb cb;
};
/* cb(w, status) runs from the next store_flush(), after the commit (and
 * the fsync for durable groups); status is 0 or the group's error. w is
 * embedded in the caller's object, which must live until then. */
void store_when_committed(struct store *st, struct store_waiter *w, store_waiter_cb cb);
/* Ends the group: commit, fsync if durable, run waiters. Returns 0 or the
 * group's error. */
int store_flush(struct store *st);
/* Housekeeping (1 s): fsyncs soft state committed since the last sync. */
void store_tick(struct store *st);

/* --- reads ------------------------------------------------------------ */
/* The loop thread's view: sees the current group's own writes. Values read
 * through it stay valid until the next write or store_flush(). */
struct store_txn *store_loop_txn(struct store *st);
/* 0 and *val, or -ENOENT. */
int store_txn_get(struct store_txn *txn, enum store_db db, struct str key, struct str *val);
/* Calls fn for every key starting with prefix, in key order, until fn
 * returns non-zero (which store_txn_scan then returns). */
int store_txn_scan(struct store_txn *txn, enum store_db db, struct str prefix,
	int (*fn)(void *arg, struct str key, struct str val), void *arg);
/* Any thread: runs fn inside a short read-only transaction. Values are
 * valid only inside fn. Returns fn's result, or an LMDB error. */
int store_view(struct store *st, int (*fn)(struct store_txn *txn, void *arg), void *arg);
/* Convenience for the loop thread. */
static inline int store_get(struct store *st, enum store_db db, struct str key, struct str *val)
{
	return store_txn_get(store_loop_txn(st), db, key, val);
}

/* Number of records in db. */
size_t store_count(struct store_txn *txn, enum store_db db);

#endif
