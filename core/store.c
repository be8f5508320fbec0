#include "core/store.h"

#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/rec.h"

#define STORE_FILE "sipbox.mdb"
#define META_SCHEMA_KEY "schema"
#define META_REC_V1 1

struct store_txn {
	struct store *st;
	MDB_txn *txn;
};

struct store {
	MDB_env *env;
	MDB_dbi dbi[STORE_DB_COUNT];
	unsigned schema;
	MDB_txn *wtxn; /* the current group, NULL between groups */
	MDB_txn *rtxn; /* the loop's read view, reset at each flush */
	bool rtxn_live;
	int group_err; /* sticky error of the current group */
	bool group_durable;
	bool unsynced; /* committed soft state not yet fsynced */
	struct store_waiter *waiters;
	struct store_waiter **waiters_tail;
	struct store_txn loop_view;
};

static const char *const db_names[STORE_DB_COUNT] = {
	[STORE_DB_META] = "meta",
	[STORE_DB_SETTINGS] = "settings",
	[STORE_DB_USERS] = "users",
	[STORE_DB_BINDINGS] = "bindings",
	[STORE_DB_PRESENCE] = "presence",
	[STORE_DB_SUBSCRIPTIONS] = "subscriptions",
	[STORE_DB_MESSAGES] = "messages",
	[STORE_DB_CERTS] = "certs",
	[STORE_DB_AUDIT] = "audit",
	[STORE_DB_RINGPLANS] = "ringplans",
};

/* Schema 1 is the first: nothing to migrate yet. */
static int (*const sipbox_migrations[STORE_SCHEMA])(struct store_txn *) = { 0 };
static const struct store_migration sipbox_schema = {
	.schema = STORE_SCHEMA,
	.migrate = sipbox_migrations,
};

/* LMDB returns positive errno values or its own negative codes; the store
 * API returns negative values only. */
static int lmdb_err(int rc)
{
	return rc > 0 ? -rc : rc;
}

const char *store_strerror(int err)
{
	if (err >= MDB_KEYEXIST && err <= MDB_LAST_ERRCODE) {
		return mdb_strerror(err);
	}
	return strerror(err < 0 ? -err : err);
}

unsigned store_schema(const struct store *st)
{
	return st->schema;
}

static MDB_val to_val(struct str s)
{
	return (MDB_val){ .mv_size = s.len, .mv_data = (void *)s.p };
}

static struct str from_val(MDB_val v)
{
	return str_make(v.mv_data, v.mv_size);
}

static int read_schema(struct store_txn *t, unsigned *schema)
{
	struct str v;
	struct rec_rd r;
	int rc = store_txn_get(t, STORE_DB_META, STR(META_SCHEMA_KEY), &v);

	if (rc < 0) {
		return rc;
	}
	rec_rd_init(&r, v);
	if (rec_get_u8(&r) != META_REC_V1) {
		return -EBADMSG;
	}
	*schema = rec_get_u32(&r);
	return rec_rd_err(&r);
}

static int write_schema(struct store_txn *t, unsigned schema)
{
	char mem[8];
	struct buf b;
	MDB_val k = to_val(STR(META_SCHEMA_KEY));
	MDB_val v;

	buf_init(&b, mem, sizeof(mem));
	buf_put_be8(&b, META_REC_V1);
	buf_put_be32(&b, schema);
	v = to_val(buf_str(&b));
	return lmdb_err(mdb_put(t->txn, t->st->dbi[STORE_DB_META], &k, &v, 0));
}

/* Opens the named databases and brings the schema up to date, in one write
 * transaction. MDB_CREATE: a store written by an older build gains the
 * databases added since (a new kind of record needs no migration). */
static int setup(struct store *st, const struct store_migration *mig, char *why, size_t why_len)
{
	struct store_txn t = { .st = st };
	unsigned schema = 0;
	int rc = lmdb_err(mdb_txn_begin(st->env, NULL, 0, &t.txn));

	if (rc < 0) {
		snprintf(why, why_len, "cannot begin a transaction: %s", store_strerror(rc));
		return rc;
	}
	for (int i = 0; i < STORE_DB_COUNT; i++) {
		rc = lmdb_err(mdb_dbi_open(t.txn, db_names[i], MDB_CREATE, &st->dbi[i]));
		if (rc < 0) {
			snprintf(why, why_len, "cannot open database '%s': %s", db_names[i],
				store_strerror(rc));
			goto fail;
		}
	}
	rc = read_schema(&t, &schema);
	if (rc == -ENOENT) {
		schema = mig->schema; /* a new store starts at the current schema */
		rc = write_schema(&t, schema);
	}
	if (rc < 0) {
		snprintf(why, why_len, "unreadable schema record: %s", store_strerror(rc));
		goto fail;
	}
	if (schema > mig->schema) {
		snprintf(why, why_len, "written by a newer sipbox (schema %u, this build knows %u)",
			schema, mig->schema);
		rc = -EPROTO;
		goto fail;
	}
	for (; schema < mig->schema; schema++) {
		rc = mig->migrate[schema] ? mig->migrate[schema](&t) : 0;
		if (rc == 0) {
			rc = write_schema(&t, schema + 1);
		}
		if (rc < 0) {
			snprintf(why, why_len, "migration from schema %u failed: %s", schema,
				store_strerror(rc));
			goto fail;
		}
		log_info("store: migrated schema %u to %u", schema, schema + 1);
	}
	st->schema = schema;
	rc = lmdb_err(mdb_txn_commit(t.txn));
	if (rc == 0) {
		rc = lmdb_err(mdb_env_sync(st->env, 1));
	}
	if (rc < 0) {
		snprintf(why, why_len, "cannot commit: %s", store_strerror(rc));
	}
	return rc;
fail:
	mdb_txn_abort(t.txn);
	return rc;
}

struct store *store_open(const char *dir, size_t map_mb, const struct store_migration *mig,
	int *err, char *why, size_t why_len)
{
	char path[4096];
	struct store *st = calloc(1, sizeof(*st));
	int rc;

	if (!st) {
		rc = -ENOMEM;
		snprintf(why, why_len, "out of memory");
		goto fail;
	}
	st->waiters_tail = &st->waiters;
	st->loop_view.st = st;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		rc = -errno;
		snprintf(why, why_len, "cannot create data folder %s: %s", dir, strerror(errno));
		goto fail;
	}
	if (snprintf(path, sizeof(path), "%s/" STORE_FILE, dir) >= (int)sizeof(path)) {
		rc = -ENAMETOOLONG;
		snprintf(why, why_len, "data folder path too long");
		goto fail;
	}
	rc = lmdb_err(mdb_env_create(&st->env));
	if (rc == 0) {
		rc = lmdb_err(mdb_env_set_maxdbs(st->env, STORE_DB_COUNT));
	}
	if (rc == 0) {
		rc = lmdb_err(mdb_env_set_mapsize(st->env, map_mb << 20));
	}
	if (rc == 0) {
		/* NOTLS: web threads' read transactions are not bound to a
		 * thread slot. NOSYNC: fsync is ours to schedule (see header). */
		rc = lmdb_err(
			mdb_env_open(st->env, path, MDB_NOSUBDIR | MDB_NOTLS | MDB_NOSYNC, 0600));
	}
	if (rc < 0) {
		snprintf(why, why_len, "cannot open store %s: %s", path, store_strerror(rc));
		goto fail;
	}
	rc = setup(st, mig ? mig : &sipbox_schema, why, why_len);
	if (rc < 0) {
		goto fail;
	}
	return st;
fail:
	if (st && st->env) {
		mdb_env_close(st->env);
	}
	free(st);
	*err = rc;
	return NULL;
}

void store_close(struct store *st)
{
	if (!st) {
		return;
	}
	store_flush(st);
	if (st->rtxn) {
		mdb_txn_abort(st->rtxn);
	}
	mdb_env_sync(st->env, 1);
	mdb_env_close(st->env);
	free(st);
}

static int group_begin(struct store *st)
{
	int rc;

	if (st->wtxn) {
		return st->group_err;
	}
	if (st->rtxn_live) {
		mdb_txn_reset(st->rtxn);
		st->rtxn_live = false;
	}
	rc = lmdb_err(mdb_txn_begin(st->env, NULL, 0, &st->wtxn));
	if (rc < 0) {
		st->wtxn = NULL;
	}
	return rc;
}

static int key_ok(struct str key)
{
	return key.len > 0 && key.len <= STORE_KEY_MAX;
}

int store_put(struct store *st, enum store_db db, struct str key, struct str val)
{
	MDB_val k = to_val(key);
	MDB_val v = to_val(val);
	int rc;

	if (!key_ok(key)) {
		return -EINVAL;
	}
	rc = group_begin(st);
	if (rc < 0) {
		return rc;
	}
	rc = lmdb_err(mdb_put(st->wtxn, st->dbi[db], &k, &v, 0));
	if (rc < 0) {
		st->group_err = rc;
	}
	return rc;
}

int store_del(struct store *st, enum store_db db, struct str key)
{
	MDB_val k = to_val(key);
	int rc;

	if (!key_ok(key)) {
		return -EINVAL;
	}
	rc = group_begin(st);
	if (rc < 0) {
		return rc;
	}
	rc = mdb_del(st->wtxn, st->dbi[db], &k, NULL);
	if (rc == MDB_NOTFOUND) {
		return -ENOENT;
	}
	rc = lmdb_err(rc);
	if (rc < 0) {
		st->group_err = rc;
	}
	return rc;
}

void store_mark_durable(struct store *st)
{
	st->group_durable = true;
}

void store_when_committed(struct store *st, struct store_waiter *w, store_waiter_cb cb)
{
	w->cb = cb;
	w->next = NULL;
	*st->waiters_tail = w;
	st->waiters_tail = &w->next;
}

int store_flush(struct store *st)
{
	int rc = st->group_err;
	struct store_waiter *w;

	if (st->rtxn_live) {
		mdb_txn_reset(st->rtxn);
		st->rtxn_live = false;
	}
	if (st->wtxn) {
		if (rc < 0) {
			mdb_txn_abort(st->wtxn);
		} else {
			rc = lmdb_err(mdb_txn_commit(st->wtxn));
		}
		st->wtxn = NULL;
		if (rc == 0 && st->group_durable) {
			rc = lmdb_err(mdb_env_sync(st->env, 1));
			st->unsynced = rc < 0;
		} else if (rc == 0) {
			st->unsynced = true;
		}
		if (rc < 0) {
			log_error("store: group commit failed: %s", store_strerror(rc));
		}
	}
	st->group_err = 0;
	st->group_durable = false;
	/* Waiters may write again: that opens the next group, which the next
	 * flush commits. Detach the list first. */
	w = st->waiters;
	st->waiters = NULL;
	st->waiters_tail = &st->waiters;
	while (w) {
		struct store_waiter *next = w->next;
		w->cb(w, rc);
		w = next;
	}
	return rc;
}

void store_tick(struct store *st)
{
	if (st->unsynced) {
		int rc = lmdb_err(mdb_env_sync(st->env, 1));
		if (rc < 0) {
			log_error("store: sync failed: %s", store_strerror(rc));
			return;
		}
		st->unsynced = false;
	}
}

struct store_txn *store_loop_txn(struct store *st)
{
	if (st->wtxn) {
		st->loop_view.txn = st->wtxn;
	} else {
		if (!st->rtxn_live) {
			int rc = st->rtxn ? mdb_txn_renew(st->rtxn)
					  : mdb_txn_begin(st->env, NULL, MDB_RDONLY, &st->rtxn);
			if (rc != 0) {
				log_error("store: read transaction: %s", mdb_strerror(rc));
				st->loop_view.txn = NULL;
				return &st->loop_view;
			}
			st->rtxn_live = true;
		}
		st->loop_view.txn = st->rtxn;
	}
	return &st->loop_view;
}

int store_txn_get(struct store_txn *t, enum store_db db, struct str key, struct str *val)
{
	MDB_val k = to_val(key);
	MDB_val v;
	int rc;

	if (!t->txn) {
		return -EIO;
	}
	if (!key_ok(key)) {
		return -EINVAL;
	}
	rc = mdb_get(t->txn, t->st->dbi[db], &k, &v);
	if (rc == MDB_NOTFOUND) {
		return -ENOENT;
	}
	if (rc != 0) {
		return lmdb_err(rc);
	}
	*val = from_val(v);
	return 0;
}

int store_txn_scan(struct store_txn *t, enum store_db db, struct str prefix,
	int (*fn)(void *arg, struct str key, struct str val), void *arg)
{
	MDB_cursor *cur;
	MDB_val k = to_val(prefix);
	MDB_val v;
	int rc;

	if (!t->txn) {
		return -EIO;
	}
	rc = mdb_cursor_open(t->txn, t->st->dbi[db], &cur);
	if (rc != 0) {
		return lmdb_err(rc);
	}
	rc = mdb_cursor_get(cur, &k, &v, prefix.len ? MDB_SET_RANGE : MDB_FIRST);
	while (rc == 0) {
		struct str key = from_val(k);
		if (!str_has_prefix(key, prefix)) {
			break;
		}
		int stop = fn(arg, key, from_val(v));
		if (stop) {
			mdb_cursor_close(cur);
			return stop;
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : lmdb_err(rc);
}

int store_view(struct store *st, int (*fn)(struct store_txn *txn, void *arg), void *arg)
{
	struct store_txn t = { .st = st };
	int rc = lmdb_err(mdb_txn_begin(st->env, NULL, MDB_RDONLY, &t.txn));

	if (rc < 0) {
		return rc;
	}
	rc = fn(&t, arg);
	mdb_txn_abort(t.txn);
	return rc;
}

size_t store_count(struct store_txn *t, enum store_db db)
{
	MDB_stat s;

	if (!t->txn || mdb_stat(t->txn, t->st->dbi[db], &s) != 0) {
		return 0;
	}
	return s.ms_entries;
}
