#include "core/users.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/rec.h"

#define USERS_REC_V1 1

bool users_name_valid(struct str name)
{
	/* RFC 3261 25.1 unreserved marks and user-unreserved, minus "/". */
	static const char marks[] = "-_.!~*'()&=+$,;?";

	if (name.len == 0 || name.len > USERS_NAME_MAX) {
		return false;
	}
	for (size_t i = 0; i < name.len; i++) {
		char c = name.p[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			continue;
		}
		if (c == '\0' || !strchr(marks, c)) {
			return false;
		}
	}
	return true;
}

static int user_put(struct store *st, struct str name, const struct users_user *u)
{
	uint8_t mem[64 + DIGEST_ALG_COUNT * (DIGEST_HASH_MAX + 2)];
	struct buf b;
	int rc;

	buf_init(&b, mem, sizeof(mem));
	buf_put_be8(&b, USERS_REC_V1);
	buf_put_be64(&b, u->created);
	rec_put_str(&b, str_make(u->ha1[DIGEST_ALG_MD5], digest_alg_len(DIGEST_ALG_MD5)));
	rec_put_str(&b, str_make(u->ha1[DIGEST_ALG_SHA256], digest_alg_len(DIGEST_ALG_SHA256)));
	rc = b.err;
	if (rc == 0) {
		store_mark_durable(st);
		rc = store_put(st, STORE_DB_USERS, name, buf_str(&b));
	}
	explicit_bzero(mem, sizeof(mem));
	return rc;
}

static int user_write(
	struct store *st, struct str name, struct str realm, struct str password, uint64_t created)
{
	struct users_user u = { .created = created };
	int rc;

	for (int a = 0; a < DIGEST_ALG_COUNT; a++) {
		digest_ha1((enum digest_alg)a, name, realm, password, u.ha1[a]);
	}
	rc = user_put(st, name, &u);
	explicit_bzero(&u, sizeof(u));
	return rc;
}

static int args_check(struct str name, struct str realm, struct str password)
{
	if (!users_name_valid(name) || realm.len == 0 || password.len == 0) {
		return -EINVAL;
	}
	return password.len > USERS_PASSWORD_MAX ? -E2BIG : 0;
}

int users_add(
	struct store *st, struct str name, struct str realm, struct str password, uint64_t now_s)
{
	struct str v;
	int rc = args_check(name, realm, password);

	if (rc < 0) {
		return rc;
	}
	rc = store_get(st, STORE_DB_USERS, name, &v);
	if (rc == 0) {
		return -EEXIST;
	}
	if (rc != -ENOENT) {
		return rc;
	}
	return user_write(st, name, realm, password, now_s);
}

/* Keys of one user's stored messages (sip/msgstore.h: "name\0" and a
 * u64 seq), copied out because a scan's cursor must be closed before the
 * first write. */
#define USERS_DEL_BATCH 32
static struct {
	uint8_t key[USERS_NAME_MAX + 1 + 8];
	size_t len;
} del_keys[USERS_DEL_BATCH];

struct del_scan {
	unsigned n;
};

static int del_collect(void *arg, struct str key, struct str val)
{
	struct del_scan *sc = arg;

	(void)val;
	/* Only keys the layout allows: anything longer is not a message
	 * of this user's (and would not fit the table). */
	if (key.len <= sizeof(del_keys[0].key)) {
		memcpy(del_keys[sc->n].key, key.p, key.len);
		del_keys[sc->n].len = key.len;
		sc->n++;
	}
	return sc->n == USERS_DEL_BATCH;
}

/* Deletes every STORE_DB_MESSAGES record under the prefix "name\0", a
 * batch at a time (a user can hold expired messages beyond any cap). */
static int del_messages(struct store *st, struct str name)
{
	uint8_t p[USERS_NAME_MAX + 1];
	struct str prefix = str_make(p, name.len + 1);

	memcpy(p, name.p, name.len);
	p[name.len] = 0;
	for (;;) {
		struct del_scan sc = { 0 };
		int rc = store_txn_scan(
			store_loop_txn(st), STORE_DB_MESSAGES, prefix, del_collect, &sc);
		if (rc < 0) {
			return rc;
		}
		for (unsigned i = 0; i < sc.n; i++) {
			rc = store_del(
				st, STORE_DB_MESSAGES, str_make(del_keys[i].key, del_keys[i].len));
			if (rc < 0 && rc != -ENOENT) {
				return rc;
			}
		}
		if (sc.n < USERS_DEL_BATCH) {
			return 0;
		}
	}
}

int users_del(struct store *st, struct str name)
{
	int rc;

	if (!users_name_valid(name)) {
		return -ENOENT;
	}
	store_mark_durable(st);
	rc = store_del(st, STORE_DB_USERS, name);
	if (rc == 0) {
		/* Its devices and its ring plan go with it: same key. */
		static const enum store_db with_user[] = { STORE_DB_BINDINGS, STORE_DB_RINGPLANS };
		for (size_t i = 0; i < sizeof(with_user) / sizeof(with_user[0]); i++) {
			int drc = store_del(st, with_user[i], name);
			if (drc < 0 && drc != -ENOENT && rc == 0) {
				rc = drc;
			}
		}
	}
	if (rc == 0) {
		rc = del_messages(st, name);
	}
	return rc;
}

int users_set_password(struct store *st, struct str name, struct str realm, struct str password)
{
	struct users_user u;
	int rc = args_check(name, realm, password);

	if (rc < 0) {
		return rc;
	}
	rc = users_get(store_loop_txn(st), name, &u);
	if (rc == 0) {
		rc = user_write(st, name, realm, password, u.created);
	}
	explicit_bzero(&u, sizeof(u));
	return rc;
}

static int user_decode(struct str v, struct users_user *u)
{
	struct rec_rd r;
	struct str h[DIGEST_ALG_COUNT];

	rec_rd_init(&r, v);
	if (rec_get_u8(&r) != USERS_REC_V1) {
		return -EBADMSG;
	}
	u->created = rec_get_u64(&r);
	h[DIGEST_ALG_MD5] = rec_get_str(&r);
	h[DIGEST_ALG_SHA256] = rec_get_str(&r);
	if (rec_rd_err(&r)) {
		return -EBADMSG;
	}
	for (int a = 0; a < DIGEST_ALG_COUNT; a++) {
		if (h[a].len != digest_alg_len((enum digest_alg)a)) {
			return -EBADMSG;
		}
		memcpy(u->ha1[a], h[a].p, h[a].len);
	}
	return 0;
}

int users_get(struct store_txn *txn, struct str name, struct users_user *u)
{
	struct str v;
	int rc;

	memset(u, 0, sizeof(*u));
	if (name.len == 0 || name.len > STORE_KEY_MAX) {
		return -ENOENT;
	}
	rc = store_txn_get(txn, STORE_DB_USERS, name, &v);
	if (rc < 0) {
		return rc;
	}
	return user_decode(v, u);
}

struct list_ctx {
	int (*fn)(void *arg, struct str name, const struct users_user *u);
	void *arg;
};

static int list_one(void *arg, struct str key, struct str val)
{
	struct list_ctx *lc = arg;
	struct users_user u;
	int rc = user_decode(val, &u);

	rc = lc->fn(lc->arg, key, rc == 0 ? &u : NULL);
	explicit_bzero(&u, sizeof(u));
	return rc;
}

int users_list(struct store_txn *txn,
	int (*fn)(void *arg, struct str name, const struct users_user *u), void *arg)
{
	struct list_ctx lc = { fn, arg };

	return store_txn_scan(txn, STORE_DB_USERS, STR_NULL, list_one, &lc);
}

size_t users_count(struct store_txn *txn)
{
	return store_count(txn, STORE_DB_USERS);
}

int users_domain_change_check(struct store_txn *txn, struct str old_domain, struct str new_domain,
	char *why, size_t why_len)
{
	size_t n;

	if (str_eq(old_domain, new_domain)) {
		return 0;
	}
	n = users_count(txn);
	if (n == 0) {
		return 0;
	}
	snprintf(why, why_len,
		"%zu user%s exist%s: their passwords are bound to the realm (the domain); "
		"delete them first (sipbox user del USER) and add them again after the change",
		n, n == 1 ? "" : "s", n == 1 ? "s" : "");
	return -EBUSY;
}
