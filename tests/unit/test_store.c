#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/store.h"
#include "tests/unit/unit.h"

static char dir[256];
static int n_dir;

static const char *fresh_dir(void)
{
	snprintf(dir, sizeof(dir), "%s/store%d", unit_tmpdir(), n_dir++);
	return dir;
}

static struct store *open_ok(const char *d, const struct store_migration *mig)
{
	char why[256] = "";
	int err = 0;
	struct store *st = store_open(d, 1, mig, &err, why, sizeof(why));
	if (!st) {
		printf("    store_open: %s\n", why);
	}
	CHECK(st != NULL);
	return st;
}

struct waited {
	struct store_waiter w;
	int status;
	int calls;
	int seen_committed; /* whether another process view saw the data */
};

static struct store *view_store;
static int view_get(struct store_txn *t, void *arg)
{
	struct str v;
	(void)arg;
	return store_txn_get(t, STORE_DB_USERS, STR("alice"), &v) == 0;
}

static void on_committed(struct store_waiter *w, int status)
{
	struct waited *x = (struct waited *)w;
	x->status = status;
	x->calls++;
	x->seen_committed = store_view(view_store, view_get, NULL);
}

static void put_get_group_commit(void)
{
	struct store *st = open_ok(fresh_dir(), NULL);
	struct waited w = { .status = 99 };
	struct str v;

	if (!st) {
		return;
	}
	view_store = st;
	CHECK_INT(store_schema(st), STORE_SCHEMA);
	CHECK_INT(store_put(st, STORE_DB_USERS, STR("alice"), STR("rec-a")), 0);
	/* The group sees its own write; another reader does not yet. */
	CHECK_INT(store_get(st, STORE_DB_USERS, STR("alice"), &v), 0);
	CHECK(str_eq(v, STR("rec-a")));
	CHECK_INT(store_view(st, view_get, NULL), 0);
	store_when_committed(st, &w.w, on_committed);
	CHECK_INT(w.calls, 0);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(w.calls, 1);
	CHECK_INT(w.status, 0);
	CHECK_INT(w.seen_committed, 1);
	CHECK_INT(store_get(st, STORE_DB_USERS, STR("bob"), &v), -ENOENT);
	CHECK_INT(store_del(st, STORE_DB_USERS, STR("bob")), -ENOENT);
	CHECK_INT(store_put(st, STORE_DB_USERS, STR(""), STR("x")), -EINVAL);
	store_close(st);
}

static void survives_reopen(void)
{
	const char *d = fresh_dir();
	struct store *st = open_ok(d, NULL);
	struct str v;

	if (!st) {
		return;
	}
	store_put(st, STORE_DB_SETTINGS, STR("domain"), STR("example.com"));
	store_mark_durable(st);
	store_close(st); /* commits the open group */
	st = open_ok(d, NULL);
	if (!st) {
		return;
	}
	CHECK_INT(store_get(st, STORE_DB_SETTINGS, STR("domain"), &v), 0);
	CHECK(str_eq(v, STR("example.com")));
	CHECK_INT(store_del(st, STORE_DB_SETTINGS, STR("domain")), 0);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(store_get(st, STORE_DB_SETTINGS, STR("domain"), &v), -ENOENT);
	store_close(st);
}

struct scan_acc {
	char keys[128];
	int stop_after;
	int n;
};

static int scan_cb(void *arg, struct str key, struct str val)
{
	struct scan_acc *a = arg;
	(void)val;
	strncat(a->keys, key.p, key.len);
	strcat(a->keys, ",");
	return ++a->n == a->stop_after ? 7 : 0;
}

static void scan_by_prefix(void)
{
	struct store *st = open_ok(fresh_dir(), NULL);
	struct scan_acc a = { .stop_after = -1 };

	if (!st) {
		return;
	}
	static const char *const keys[] = { "bob/2", "alice/1", "bob/1", "alicia", "c" };
	for (size_t i = 0; i < 5; i++) {
		store_put(st, STORE_DB_BINDINGS, str_cstr(keys[i]), STR("v"));
	}
	store_flush(st);
	CHECK_INT(
		store_txn_scan(store_loop_txn(st), STORE_DB_BINDINGS, STR("bob/"), scan_cb, &a), 0);
	CHECK(strcmp(a.keys, "bob/1,bob/2,") == 0);
	a = (struct scan_acc){ .stop_after = 2 };
	CHECK_INT(store_txn_scan(store_loop_txn(st), STORE_DB_BINDINGS, STR_NULL, scan_cb, &a), 7);
	CHECK(strcmp(a.keys, "alice/1,alicia,") == 0);
	CHECK_INT(store_count(store_loop_txn(st), STORE_DB_BINDINGS), 5);
	store_close(st);
}

static void map_full_fails_whole_group(void)
{
	struct store *st = open_ok(fresh_dir(), NULL); /* 1 MiB map */
	static char big[64 * 1024];
	struct waited w = { .status = 99 };
	struct str v;
	int rc = 0;
	char key[16];

	if (!st) {
		return;
	}
	view_store = st;
	CHECK_INT(store_put(st, STORE_DB_USERS, STR("first"), STR("kept?")), 0);
	for (int i = 0; i < 64 && rc == 0; i++) {
		snprintf(key, sizeof(key), "big%d", i);
		rc = store_put(st, STORE_DB_MESSAGES, str_cstr(key), str_make(big, sizeof(big)));
	}
	CHECK_INT(rc, MDB_MAP_FULL);
	/* sticky: later writes of the group fail too */
	CHECK(store_put(st, STORE_DB_USERS, STR("second"), STR("x")) < 0);
	store_when_committed(st, &w.w, on_committed);
	CHECK(store_flush(st) < 0);
	CHECK_INT(w.calls, 1);
	CHECK(w.status < 0);
	/* nothing of the failed group was stored, and the next group works */
	CHECK_INT(store_get(st, STORE_DB_USERS, STR("first"), &v), -ENOENT);
	CHECK_INT(store_put(st, STORE_DB_USERS, STR("third"), STR("x")), 0);
	CHECK_INT(store_flush(st), 0);
	CHECK(strcmp(store_strerror(MDB_MAP_FULL), "") != 0);
	store_close(st);
}

static int migrate_0_to_1(struct store_txn *t)
{
	(void)t;
	return 0;
}
static int mark_calls;
static int migrate_1_to_2(struct store_txn *t)
{
	struct str v;
	mark_calls++;
	/* a migration sees the old records */
	return store_txn_get(t, STORE_DB_USERS, STR("old"), &v) == 0 ? 0 : -EIO;
}
static int migrate_fail(struct store_txn *t)
{
	(void)t;
	return -EIO;
}

static void schema_migration_hook(void)
{
	const char *d = fresh_dir();
	char why[256];
	int err = 0;
	static int (*const to2[])(struct store_txn *) = { migrate_0_to_1, migrate_1_to_2 };
	static int (*const to3_fail[])(
		struct store_txn *) = { migrate_0_to_1, migrate_1_to_2, migrate_fail };
	const struct store_migration v1 = { 1, to2 };
	const struct store_migration v2 = { 2, to2 };
	const struct store_migration v3 = { 3, to3_fail };
	struct store *st = open_ok(d, &v1);

	if (!st) {
		return;
	}
	store_put(st, STORE_DB_USERS, STR("old"), STR("x"));
	store_close(st);

	mark_calls = 0;
	st = open_ok(d, &v2);
	CHECK_INT(mark_calls, 1);
	CHECK_INT(store_schema(st), 2);
	store_close(st);

	/* A failed migration refuses to open and changes nothing. */
	CHECK(store_open(d, 1, &v3, &err, why, sizeof(why)) == NULL);
	CHECK(strstr(why, "migration from schema 2") != NULL);
	/* A store from a newer build is refused. */
	CHECK(store_open(d, 1, &v1, &err, why, sizeof(why)) == NULL);
	CHECK_INT(err, -EPROTO);
	CHECK(strstr(why, "newer") != NULL);
	st = open_ok(d, &v2);
	CHECK_INT(store_schema(st), 2);
	store_close(st);
}

/* A store written before STORE_DB_RINGPLANS existed: made here with LMDB
 * directly, holding the databases of that build and a schema-1 record. */
static void old_store_gains_new_databases(void)
{
	static const char *const old_dbs[] = { "meta", "settings", "users", "bindings", "presence",
		"subscriptions", "messages", "certs", "audit" };
	const char *d = fresh_dir();
	char path[300];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { 6, "schema" };
	MDB_val v = { 5, "\x01\x00\x00\x00\x01" };
	MDB_val uk = { 5, "alice" };
	MDB_val uv = { 3, "rec" };
	struct store *st;
	struct str got;
	int rc;

	snprintf(path, sizeof(path), "%s", d);
	CHECK(mkdir(path, 0700) == 0);
	snprintf(path, sizeof(path), "%s/sipbox.mdb", d);
	CHECK_INT(mdb_env_create(&env), 0);
	CHECK_INT(mdb_env_set_maxdbs(env, 16), 0);
	CHECK_INT(mdb_env_open(env, path, MDB_NOSUBDIR, 0600), 0);
	CHECK_INT(mdb_txn_begin(env, NULL, 0, &txn), 0);
	for (size_t i = 0; i < sizeof(old_dbs) / sizeof(old_dbs[0]); i++) {
		CHECK_INT(mdb_dbi_open(txn, old_dbs[i], MDB_CREATE, &dbi), 0);
		if (i == 0) {
			CHECK_INT(mdb_put(txn, dbi, &k, &v, 0), 0);
		} else if (strcmp(old_dbs[i], "users") == 0) {
			CHECK_INT(mdb_put(txn, dbi, &uk, &uv, 0), 0);
		}
	}
	/* the old store has no ringplans database */
	CHECK_INT(mdb_dbi_open(txn, "ringplans", 0, &dbi), MDB_NOTFOUND);
	CHECK_INT(mdb_txn_commit(txn), 0);
	mdb_env_close(env);

	st = open_ok(d, NULL);
	if (!st) {
		return;
	}
	CHECK_INT(store_schema(st), 1);
	CHECK_INT(store_get(st, STORE_DB_USERS, STR("alice"), &got), 0);
	CHECK(str_eq(got, STR("rec")));
	CHECK_INT(store_get(st, STORE_DB_RINGPLANS, STR("alice"), &got), -ENOENT);
	CHECK_INT(store_put(st, STORE_DB_RINGPLANS, STR("alice"), STR("plan")), 0);
	CHECK_INT(store_flush(st), 0);
	store_close(st);

	/* It is a named database of the file now, and keeps its record. */
	CHECK_INT(mdb_env_create(&env), 0);
	CHECK_INT(mdb_env_set_maxdbs(env, STORE_DB_COUNT), 0);
	CHECK_INT(mdb_env_open(env, path, MDB_NOSUBDIR | MDB_RDONLY, 0600), 0);
	CHECK_INT(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	rc = mdb_dbi_open(txn, "ringplans", 0, &dbi);
	CHECK_INT(rc, 0);
	if (rc == 0) {
		CHECK_INT(mdb_get(txn, dbi, &uk, &uv), 0);
		CHECK(uv.mv_size == 4 && memcmp(uv.mv_data, "plan", 4) == 0);
	}
	mdb_txn_abort(txn);
	mdb_env_close(env);
}

static void unusable_folder(void)
{
	char why[256] = "";
	char path[300];
	int err = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/not-a-folder", unit_tmpdir());
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fclose(f);
	}
	CHECK(store_open(path, 1, NULL, &err, why, sizeof(why)) == NULL);
	CHECK(err < 0);
	CHECK(why[0] != '\0');
	CHECK(store_open("/proc/no/such/dir", 1, NULL, &err, why, sizeof(why)) == NULL);
	CHECK(strstr(why, "cannot create data folder") != NULL);
}

UNIT_SUITE(store, UNIT_TEST(put_get_group_commit), UNIT_TEST(survives_reopen),
	UNIT_TEST(scan_by_prefix), UNIT_TEST(map_full_fails_whole_group),
	UNIT_TEST(schema_migration_hook), UNIT_TEST(old_store_gains_new_databases),
	UNIT_TEST(unusable_folder));
