#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/digest.h"
#include "core/rand.h"
#include "core/users.h"
#include "tests/unit/unit.h"

#define BIND STR("\xc0\x00\x02\x01") /* 192.0.2.1 */
#define REALM "office.example"
#define NOW 1800000000u

static void to_hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		snprintf(out + 2 * i, 3, "%02x", p[i]);
	}
}

/* The response of creds c for the user's password, as hex in out. */
static void respond(enum digest_alg alg, const char *user, const char *realm, const char *pw,
	struct digest_creds *c, const char *method, char *out)
{
	uint8_t ha1[DIGEST_HASH_MAX];
	uint8_t r[DIGEST_HASH_MAX];

	digest_ha1(alg, str_cstr(user), str_cstr(realm), str_cstr(pw), ha1);
	digest_response(alg, ha1, c, str_cstr(method), r);
	to_hex(r, digest_alg_len(alg), out);
	c->response = str_make(out, 2 * digest_alg_len(alg));
}

/* RFC 7616 3.9.1: Mufasa / "Circle of Life", GET /dir/index.html. */
static void rfc7616_example(void)
{
	struct digest_creds c = { 0 };
	char hex[2 * DIGEST_HASH_MAX + 1];

	digest_creds_set(&c, STR("username"), STR("Mufasa"));
	digest_creds_set(&c, STR("Realm"), STR("http-auth@example.org"));
	digest_creds_set(&c, STR("uri"), STR("/dir/index.html"));
	digest_creds_set(&c, STR("nonce"), STR("7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"));
	digest_creds_set(&c, STR("nc"), STR("00000001"));
	digest_creds_set(&c, STR("cnonce"), STR("f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"));
	digest_creds_set(&c, STR("qop"), STR("auth"));
	digest_creds_set(&c, STR("ignored"), STR("x"));
	CHECK(str_eq(c.realm, STR("http-auth@example.org")));

	respond(DIGEST_ALG_MD5, "Mufasa", "http-auth@example.org", "Circle of Life", &c, "GET",
		hex);
	CHECK(strcmp(hex, "8ca523f5e9506fed4657c9700eebdbec") == 0);
	respond(DIGEST_ALG_SHA256, "Mufasa", "http-auth@example.org", "Circle of Life", &c, "GET",
		hex);
	CHECK(strcmp(hex, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1") == 0);
}

/* RFC 2617 3.5 (qop=auth, MD5): "Circle Of Life" at testrealm@host.com. */
static void rfc2617_example(void)
{
	struct digest_creds c = { 0 };
	char hex[2 * DIGEST_HASH_MAX + 1];

	c.nonce = STR("dcd98b7102dd2f0e8b11d0f600bfb0c093");
	c.uri = STR("/dir/index.html");
	c.nc = STR("00000001");
	c.cnonce = STR("0a4f113b");
	c.qop = STR("auth");
	respond(DIGEST_ALG_MD5, "Mufasa", "testrealm@host.com", "Circle Of Life", &c, "GET", hex);
	CHECK(strcmp(hex, "6629fae49393a05397450978507c4ef1") == 0);
}

static void algorithms(void)
{
	enum digest_alg a = DIGEST_ALG_COUNT;

	CHECK(digest_alg_parse(STR_NULL, &a) == 0 && a == DIGEST_ALG_MD5);
	CHECK(digest_alg_parse(STR("md5"), &a) == 0 && a == DIGEST_ALG_MD5);
	CHECK(digest_alg_parse(STR("sha-256"), &a) == 0 && a == DIGEST_ALG_SHA256);
	CHECK_INT(digest_alg_parse(STR("MD5-sess"), &a), -EINVAL);
	CHECK_INT(digest_alg_parse(STR("SHA-512-256"), &a), -EINVAL);
	CHECK_INT(digest_algs_offered[0], DIGEST_ALG_SHA256);
	CHECK_INT(digest_algs_offered[1], DIGEST_ALG_MD5);
}

struct fixture {
	struct store *st;
	struct digest d;
	char nonce[DIGEST_NONCE_LEN + 1];
	char resp[2 * DIGEST_HASH_MAX + 1];
	struct digest_creds c;
};

static bool setup(struct fixture *f, const char *dir)
{
	memset(f, 0, sizeof(*f));
	CHECK_INT(rand_init(), 0);
	f->st = unit_store_open(dir);
	CHECK(f->st != NULL);
	if (!f->st) {
		return false;
	}
	CHECK_INT(users_add(f->st, STR("alice"), STR(REALM), STR("wonderland"), NOW), 0);
	CHECK_INT(store_flush(f->st), 0);
	CHECK_INT(digest_init(&f->d, f->st, STR(REALM), 0), 0);
	return true;
}

static void teardown(struct fixture *f)
{
	digest_close(&f->d);
	store_close(f->st);
}

/* Credentials for nonce f->nonce, signed with pw. */
static void creds(
	struct fixture *f, enum digest_alg alg, const char *user, const char *pw, const char *nc)
{
	struct digest_creds *c = &f->c;

	memset(c, 0, sizeof(*c));
	c->username = str_cstr(user);
	c->realm = STR(REALM);
	c->nonce = str_cstr(f->nonce);
	c->uri = STR("sip:office.example");
	c->cnonce = STR("0a4f113b");
	c->nc = str_cstr(nc);
	c->qop = STR("auth");
	c->algorithm = alg == DIGEST_ALG_MD5 ? STR_NULL : STR("SHA-256");
	respond(alg, user, REALM, pw, c, "REGISTER", f->resp);
}

static enum digest_result verify(struct fixture *f, uint64_t now)
{
	return digest_verify(&f->d, store_loop_txn(f->st), &f->c, STR("REGISTER"), BIND, now);
}

static void challenge(void)
{
	struct fixture f;
	char mem[512];
	struct buf b;
	char want[512];

	if (!setup(&f, "digest1")) {
		return;
	}
	digest_nonce_make(&f.d, NOW, BIND, f.nonce);
	CHECK_INT(strlen(f.nonce), DIGEST_NONCE_LEN);
	buf_init(&b, mem, sizeof(mem));
	digest_challenge_put(&f.d, DIGEST_ALG_SHA256, str_cstr(f.nonce), STR_NULL, false, &b);
	snprintf(want, sizeof(want),
		"Digest realm=\"" REALM "\", nonce=\"%s\", algorithm=SHA-256, qop=\"auth\"",
		f.nonce);
	CHECK(strcmp(buf_cstr(&b), want) == 0);
	buf_reset(&b);
	digest_challenge_put(&f.d, DIGEST_ALG_MD5, str_cstr(f.nonce), STR("op"), true, &b);
	snprintf(want, sizeof(want),
		"Digest realm=\"" REALM "\", nonce=\"%s\", algorithm=MD5, qop=\"auth\", "
		"opaque=\"op\", stale=true",
		f.nonce);
	CHECK(strcmp(buf_cstr(&b), want) == 0);
	teardown(&f);
}

static void ok_bad_unknown(void)
{
	struct fixture f;

	if (!setup(&f, "digest2")) {
		return;
	}
	digest_nonce_make(&f.d, NOW, BIND, f.nonce);
	creds(&f, DIGEST_ALG_SHA256, "alice", "wonderland", "00000001");
	CHECK_INT(verify(&f, NOW + 1), DIGEST_OK);
	creds(&f, DIGEST_ALG_MD5, "alice", "wonderland", "00000002");
	CHECK_INT(verify(&f, NOW + 1), DIGEST_OK);
	/* Uppercase hex in the response is the same number. */
	creds(&f, DIGEST_ALG_MD5, "alice", "wonderland", "00000003");
	for (char *p = f.resp; *p; p++) {
		*p = (char)(*p >= 'a' && *p <= 'f' ? *p - 32 : *p);
	}
	CHECK_INT(verify(&f, NOW + 1), DIGEST_OK);

	creds(&f, DIGEST_ALG_SHA256, "alice", "looking glass", "00000004");
	CHECK_INT(verify(&f, NOW + 1), DIGEST_BAD);
	/* Unknown user: the same answer as a wrong password, computed the
	 * same way (against a dummy HA1). */
	creds(&f, DIGEST_ALG_SHA256, "mallory", "wonderland", "00000005");
	CHECK_INT(verify(&f, NOW + 1), DIGEST_BAD);
	creds(&f, DIGEST_ALG_MD5, "mallory", "wonderland", "00000005");
	CHECK_INT(verify(&f, NOW + 1), DIGEST_BAD);
	/* Another realm. */
	creds(&f, DIGEST_ALG_MD5, "alice", "wonderland", "00000006");
	f.c.realm = STR("other.example");
	CHECK_INT(verify(&f, NOW + 1), DIGEST_BAD);
	/* A nonce made for another client (its address is the bind). */
	creds(&f, DIGEST_ALG_MD5, "alice", "wonderland", "00000007");
	CHECK_INT(digest_verify(&f.d, store_loop_txn(f.st), &f.c, STR("REGISTER"),
			  STR("\xc0\x00\x02\x02"), NOW + 1),
		DIGEST_FOREIGN);
	/* A nonce we did not make, or one tampered with. */
	f.nonce[10] = f.nonce[10] == '0' ? '1' : '0';
	creds(&f, DIGEST_ALG_MD5, "alice", "wonderland", "00000007");
	CHECK_INT(verify(&f, NOW + 1), DIGEST_FOREIGN);
	strcpy(f.nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
	creds(&f, DIGEST_ALG_MD5, "alice", "wonderland", "00000001");
	CHECK_INT(verify(&f, NOW + 1), DIGEST_FOREIGN);
	teardown(&f);
}

static void stale_and_replay(void)
{
	struct fixture f;

	if (!setup(&f, "digest3")) {
		return;
	}
	digest_nonce_make(&f.d, NOW, BIND, f.nonce);
	creds(&f, DIGEST_ALG_SHA256, "alice", "wonderland", "00000001");
	CHECK_INT(verify(&f, NOW + DIGEST_NONCE_LIFETIME_DEFAULT + 1), DIGEST_STALE);
	/* Stale only with the right password. */
	creds(&f, DIGEST_ALG_SHA256, "alice", "wrong", "00000001");
	CHECK_INT(verify(&f, NOW + DIGEST_NONCE_LIFETIME_DEFAULT + 1), DIGEST_BAD);
	/* A nonce from the future (the clock went back): stale. */
	creds(&f, DIGEST_ALG_SHA256, "alice", "wonderland", "00000001");
	CHECK_INT(verify(&f, NOW - 10), DIGEST_STALE);

	CHECK_INT(verify(&f, NOW + DIGEST_NONCE_LIFETIME_DEFAULT), DIGEST_OK);
	CHECK_INT(verify(&f, NOW + 2), DIGEST_REPLAY);
	creds(&f, DIGEST_ALG_SHA256, "alice", "wonderland", "00000003");
	CHECK_INT(verify(&f, NOW + 2), DIGEST_OK);
	creds(&f, DIGEST_ALG_SHA256, "alice", "wonderland", "00000002");
	CHECK_INT(verify(&f, NOW + 2), DIGEST_REPLAY);
	/* A failed attempt does not move the count. */
	creds(&f, DIGEST_ALG_SHA256, "alice", "wrong", "00000009");
	CHECK_INT(verify(&f, NOW + 2), DIGEST_BAD);
	creds(&f, DIGEST_ALG_SHA256, "alice", "wonderland", "00000004");
	CHECK_INT(verify(&f, NOW + 2), DIGEST_OK);
	/* Two nonces of the same second are two counters. */
	digest_nonce_make(&f.d, NOW, BIND, f.nonce);
	creds(&f, DIGEST_ALG_SHA256, "alice", "wonderland", "00000001");
	CHECK_INT(verify(&f, NOW + 2), DIGEST_OK);
	teardown(&f);
}

static void malformed(void)
{
	struct fixture f;
	static const char *const bad_nc[] = { "1", "0000000g", "00000000", "000000001" };

	if (!setup(&f, "digest4")) {
		return;
	}
	digest_nonce_make(&f.d, NOW, BIND, f.nonce);
	for (size_t i = 0; i < sizeof(bad_nc) / sizeof(bad_nc[0]); i++) {
		creds(&f, DIGEST_ALG_MD5, "alice", "wonderland", bad_nc[i]);
		CHECK_INT(verify(&f, NOW), DIGEST_MALFORMED);
	}
	/* RFC 2069 (no qop) is refused. */
	creds(&f, DIGEST_ALG_MD5, "alice", "wonderland", "00000001");
	f.c.qop = STR_NULL;
	CHECK_INT(verify(&f, NOW), DIGEST_MALFORMED);
	creds(&f, DIGEST_ALG_MD5, "alice", "wonderland", "00000001");
	f.c.qop = STR("auth-int");
	CHECK_INT(verify(&f, NOW), DIGEST_MALFORMED);
	creds(&f, DIGEST_ALG_MD5, "alice", "wonderland", "00000001");
	f.c.algorithm = STR("MD5-sess");
	CHECK_INT(verify(&f, NOW), DIGEST_MALFORMED);
	/* An MD5-sized response with algorithm=SHA-256. */
	creds(&f, DIGEST_ALG_MD5, "alice", "wonderland", "00000001");
	f.c.algorithm = STR("SHA-256");
	CHECK_INT(verify(&f, NOW), DIGEST_MALFORMED);
	creds(&f, DIGEST_ALG_MD5, "alice", "wonderland", "00000001");
	f.c.cnonce = STR_NULL;
	CHECK_INT(verify(&f, NOW), DIGEST_MALFORMED);
	creds(&f, DIGEST_ALG_MD5, "alice", "wonderland", "00000001");
	f.c.username = STR_NULL;
	CHECK_INT(verify(&f, NOW), DIGEST_MALFORMED);
	creds(&f, DIGEST_ALG_MD5, "alice", "wonderland", "00000001");
	f.resp[3] = 'x';
	CHECK_INT(verify(&f, NOW), DIGEST_MALFORMED);
	/* Nothing above consumed the nonce count. */
	creds(&f, DIGEST_ALG_MD5, "alice", "wonderland", "00000001");
	CHECK_INT(verify(&f, NOW), DIGEST_OK);
	teardown(&f);
}

/* A full table evicts the least recently used nonce, which then can't
 * start over at a count it already used: it is stale. */
static void eviction(void)
{
	struct fixture f;
	char first[DIGEST_NONCE_LEN + 1];

	if (!setup(&f, "digest5")) {
		return;
	}
	digest_nonce_make(&f.d, NOW, BIND, first);
	strcpy(f.nonce, first);
	creds(&f, DIGEST_ALG_MD5, "alice", "wonderland", "00000001");
	CHECK_INT(verify(&f, NOW), DIGEST_OK);
	for (unsigned i = 0; i < DIGEST_NC_SLOTS; i++) {
		digest_nonce_make(&f.d, NOW + 1, BIND, f.nonce);
		creds(&f, DIGEST_ALG_MD5, "alice", "wonderland", "00000001");
		CHECK_INT(verify(&f, NOW + 1), DIGEST_OK);
	}
	strcpy(f.nonce, first);
	creds(&f, DIGEST_ALG_MD5, "alice", "wonderland", "00000001");
	CHECK_INT(verify(&f, NOW + 2), DIGEST_STALE);
	creds(&f, DIGEST_ALG_MD5, "alice", "wonderland", "00000002");
	CHECK_INT(verify(&f, NOW + 2), DIGEST_STALE);
	/* Slots of expired nonces are reused without evicting anyone. */
	digest_nonce_make(&f.d, NOW + 1000, BIND, f.nonce);
	creds(&f, DIGEST_ALG_MD5, "alice", "wonderland", "00000001");
	CHECK_INT(verify(&f, NOW + 1000), DIGEST_OK);
	digest_nonce_make(&f.d, NOW + 1000, BIND, f.nonce);
	creds(&f, DIGEST_ALG_MD5, "alice", "wonderland", "00000001");
	CHECK_INT(verify(&f, NOW + 1000), DIGEST_OK);
	teardown(&f);
}

/* The secret is kept in the store: a nonce from before a restart still
 * verifies after it. */
static void secret_persists(void)
{
	struct fixture f;
	uint8_t secret[DIGEST_SECRET_LEN];

	if (!setup(&f, "digest6")) {
		return;
	}
	memcpy(secret, f.d.secret, sizeof(secret));
	digest_nonce_make(&f.d, NOW, BIND, f.nonce);
	teardown(&f);

	f.st = unit_store_open("digest6");
	CHECK(f.st != NULL);
	if (!f.st) {
		return;
	}
	CHECK_INT(digest_init(&f.d, f.st, STR(REALM), 60), 0);
	CHECK(memcmp(secret, f.d.secret, sizeof(secret)) == 0);
	creds(&f, DIGEST_ALG_SHA256, "alice", "wonderland", "00000001");
	CHECK_INT(verify(&f, NOW + 30), DIGEST_OK);
	/* The lifetime is a parameter. */
	creds(&f, DIGEST_ALG_SHA256, "alice", "wonderland", "00000002");
	CHECK_INT(verify(&f, NOW + 61), DIGEST_STALE);
	/* Another realm (a new domain) makes old nonces ours no more. */
	CHECK_INT(digest_set_realm(&f.d, STR("new.example")), 0);
	CHECK_INT(verify(&f, NOW + 30), DIGEST_FOREIGN);
	teardown(&f);

	/* A store whose secret record is unreadable is refused. */
	f.st = unit_store_open("digest6");
	CHECK(f.st != NULL);
	if (!f.st) {
		return;
	}
	CHECK_INT(store_put(f.st, STORE_DB_META, STR("digest_secret"),
			  STR("\x01\x03"
			      "abc")),
		0);
	CHECK_INT(store_flush(f.st), 0);
	CHECK_INT(digest_init(&f.d, f.st, STR(REALM), 0), -EBADMSG);
	store_close(f.st);
}

UNIT_SUITE(digest, UNIT_TEST(rfc7616_example), UNIT_TEST(rfc2617_example), UNIT_TEST(algorithms),
	UNIT_TEST(challenge), UNIT_TEST(ok_bad_unknown), UNIT_TEST(stale_and_replay),
	UNIT_TEST(malformed), UNIT_TEST(eviction), UNIT_TEST(secret_persists));
