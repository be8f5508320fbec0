#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/rand.h"
#include "core/users.h"
#include "tests/unit/unit.h"

#define REALM STR("office.example")

static void names(void)
{
	static const struct {
		const char *n;
		bool ok;
	} t[] = {
		{ "alice", true },
		{ "Bob.Smith", true },
		{ "+4930123", true },
		{ "a-b_c.d!e~f*g'h(i)j&k=l+m$n,o;p?q", true },
		{ "1", true },
		{ "", false },
		{ "a b", false },
		{ "a@b", false },
		{ "a:b", false },
		{ "a/b", false },
		{ "a%41", false },
		{ "a\"b", false },
		{ "\xc3\xa4", false },
	};
	char long_name[80];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (users_name_valid(str_cstr(t[i].n)) != t[i].ok) {
			unit_fail(__FILE__, __LINE__, t[i].n);
		}
	}
	CHECK(!users_name_valid(str_make("a\0b", 3)));
	memset(long_name, 'x', USERS_NAME_MAX + 1);
	CHECK(!users_name_valid(str_make(long_name, USERS_NAME_MAX + 1)));
	CHECK(users_name_valid(str_make(long_name, USERS_NAME_MAX)));
}

static bool has_bytes(struct str hay, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= hay.len; i++) {
		if (memcmp(hay.p + i, needle, n) == 0) {
			return true;
		}
	}
	return false;
}

static void add_get_del(void)
{
	struct store *st = unit_store_open("users1");
	struct users_user u;
	uint8_t want[DIGEST_HASH_MAX];
	struct str v;

	CHECK(st != NULL);
	if (!st) {
		return;
	}
	CHECK_INT(users_count(store_loop_txn(st)), 0);
	CHECK_INT(users_add(st, STR("alice"), REALM, STR("s3cret pw"), 1700000000), 0);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(users_add(st, STR("alice"), REALM, STR("other"), 1700000001), -EEXIST);
	CHECK_INT(users_add(st, STR("bad name"), REALM, STR("x"), 1), -EINVAL);
	CHECK_INT(users_add(st, STR("bob"), REALM, STR(""), 1), -EINVAL);
	CHECK_INT(users_add(st, STR("bob"), STR(""), STR("x"), 1), -EINVAL);
	CHECK_INT(users_count(store_loop_txn(st)), 1);

	CHECK_INT(users_get(store_loop_txn(st), STR("alice"), &u), 0);
	CHECK_INT(u.created, 1700000000);
	digest_ha1(DIGEST_ALG_MD5, STR("alice"), REALM, STR("s3cret pw"), want);
	CHECK(memcmp(u.ha1[DIGEST_ALG_MD5], want, 16) == 0);
	digest_ha1(DIGEST_ALG_SHA256, STR("alice"), REALM, STR("s3cret pw"), want);
	CHECK(memcmp(u.ha1[DIGEST_ALG_SHA256], want, 32) == 0);
	CHECK_INT(users_get(store_loop_txn(st), STR("Alice"), &u), -ENOENT);

	/* Version byte, u64 created, two counted HA1s and nothing else: no
	 * password anywhere in the record. */
	CHECK_INT(store_get(st, STORE_DB_USERS, STR("alice"), &v), 0);
	CHECK_INT(v.len, 1 + 8 + 1 + 16 + 1 + 32);
	CHECK_INT((uint8_t)v.p[0], 1);
	CHECK(!has_bytes(v, "s3cret"));

	CHECK_INT(users_set_password(st, STR("alice"), REALM, STR("new one")), 0);
	CHECK_INT(users_set_password(st, STR("carol"), REALM, STR("x")), -ENOENT);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(users_get(store_loop_txn(st), STR("alice"), &u), 0);
	CHECK_INT(u.created, 1700000000);
	digest_ha1(DIGEST_ALG_SHA256, STR("alice"), REALM, STR("new one"), want);
	CHECK(memcmp(u.ha1[DIGEST_ALG_SHA256], want, 32) == 0);

	CHECK_INT(users_del(st, STR("carol")), -ENOENT);
	CHECK_INT(users_del(st, STR("alice")), 0);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(users_get(store_loop_txn(st), STR("alice"), &u), -ENOENT);
	CHECK_INT(users_count(store_loop_txn(st)), 0);
	store_close(st);
}

struct seen {
	char names[4][16];
	unsigned n;
	unsigned bad;
};

static int collect(void *arg, struct str name, const struct users_user *u)
{
	struct seen *s = arg;

	if (!u) {
		s->bad++;
	}
	if (s->n < 4) {
		str_copy_cstr(name, s->names[s->n], sizeof(s->names[0]));
	}
	s->n++;
	return 0;
}

static void list_and_bad_record(void)
{
	struct store *st = unit_store_open("users2");
	struct seen s = { 0 };
	struct users_user u;

	CHECK(st != NULL);
	if (!st) {
		return;
	}
	CHECK_INT(users_add(st, STR("zed"), REALM, STR("pw"), 1), 0);
	CHECK_INT(users_add(st, STR("amy"), REALM, STR("pw"), 2), 0);
	CHECK_INT(store_put(st, STORE_DB_USERS, STR("junk"), STR("\x09zz")), 0);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(users_list(store_loop_txn(st), collect, &s), 0);
	CHECK_INT(s.n, 3);
	CHECK_INT(s.bad, 1);
	CHECK(strcmp(s.names[0], "amy") == 0 && strcmp(s.names[2], "zed") == 0);
	CHECK_INT(users_get(store_loop_txn(st), STR("junk"), &u), -EBADMSG);
	store_close(st);
}

static void domain_change(void)
{
	struct store *st = unit_store_open("users3");
	char why[256] = "";

	CHECK(st != NULL);
	if (!st) {
		return;
	}
	CHECK_INT(users_domain_change_check(
			  store_loop_txn(st), STR(""), STR("a.example"), why, sizeof(why)),
		0);
	CHECK_INT(users_add(st, STR("amy"), REALM, STR("pw"), 2), 0);
	CHECK_INT(users_add(st, STR("bo"), REALM, STR("pw"), 2), 0);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(users_domain_change_check(store_loop_txn(st), REALM, REALM, why, sizeof(why)), 0);
	CHECK_INT(users_domain_change_check(
			  store_loop_txn(st), REALM, STR("b.example"), why, sizeof(why)),
		-EBUSY);
	CHECK(strstr(why, "2 users exist: their passwords are bound to the realm") != NULL);
	store_close(st);
}

UNIT_SUITE(users, UNIT_TEST(names), UNIT_TEST(add_get_del), UNIT_TEST(list_and_bad_record),
	UNIT_TEST(domain_change));
