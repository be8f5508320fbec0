#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/rec.h"
#include "sip/ringplan.h"
#include "tests/unit/unit.h"

static char fmt_mem[RINGPLAN_TEXT_MAX + 1];

/* The canonical text of p, NUL-terminated in a static buffer. */
static const char *fmt(const struct ringplan *p)
{
	struct buf b;

	buf_init(&b, fmt_mem, sizeof(fmt_mem));
	CHECK_INT(ringplan_format(p, &b), 0);
	return buf_cstr(&b);
}

static void parse_fields(void)
{
	struct ringplan p;
	const char *why = NULL;

	CHECK_INT(ringplan_parse(
			  STR("urn:uuid:aaa,urn:uuid:bbb/20 urn:uuid:ccc/15 @nurse/30"), &p, &why),
		0);
	CHECK_INT(p.n_groups, 2);
	CHECK_INT(p.g[0].n_dev, 2);
	CHECK(str_eq(p.g[0].dev[0], STR("urn:uuid:aaa")));
	CHECK(str_eq(p.g[0].dev[1], STR("urn:uuid:bbb")));
	CHECK_INT(p.g[0].ring_s, 20);
	CHECK_INT(p.g[1].n_dev, 1);
	CHECK(str_eq(p.g[1].dev[0], STR("urn:uuid:ccc")));
	CHECK_INT(p.g[1].ring_s, 15);
	CHECK(str_eq(p.next_user, STR("nurse")));
	CHECK_INT(p.next_ring_s, 30);

	/* Defaults: no "/SECONDS" is 20 s, no @USER leaves next_user empty. */
	CHECK_INT(ringplan_parse(STR("sip:desk@192.0.2.1:5060 *"), &p, &why), 0);
	CHECK_INT(p.n_groups, 2);
	CHECK_INT(p.g[0].ring_s, RINGPLAN_RING_S_DEFAULT);
	CHECK_INT(p.g[1].ring_s, RINGPLAN_RING_S_DEFAULT);
	CHECK(str_eq(p.g[1].dev[0], STR("*")));
	CHECK_INT(p.next_user.len, 0);
	CHECK_INT(p.next_ring_s, 0);

	/* A plan that only passes calls on. */
	CHECK_INT(ringplan_parse(STR("@colleague"), &p, &why), 0);
	CHECK_INT(p.n_groups, 0);
	CHECK(str_eq(p.next_user, STR("colleague")));
	CHECK_INT(p.next_ring_s, 20);
}

static void round_trips(void)
{
	/* Canonical texts: parse then format gives each back exactly. */
	static const char *const canon[] = {
		"urn:uuid:aaa,urn:uuid:bbb/20 urn:uuid:ccc/15 @nurse/30",
		"*/20",
		"@nurse/600",
		"urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6/1",
		"sip:alice@192.0.2.7:5070;transport=tcp/45 sips:alice@[2001:db8::1]/20 */10",
		"urn:uuid:a/5 urn:uuid:b/5 urn:uuid:c/5 urn:uuid:d/5 urn:uuid:e/5 urn:uuid:f/5 "
		"urn:uuid:g/5 urn:uuid:h,*/5 @a.b-c/7",
		"sip:a/b@h/20", /* a "/" in a device: the last one starts the seconds */
		"urn:gsma:imei:35-209900-176148-1/20",
	};
	/* Other spellings and their canonical text. */
	static const struct {
		const char *in, *out;
	} norm[] = {
		{ "urn:uuid:a", "urn:uuid:a/20" },
		{ "  urn:uuid:a/15 \t  *   @bob ", "urn:uuid:a/15 */20 @bob/20" },
		{ "urn:uuid:a/015", "urn:uuid:a/15" },
	};
	struct ringplan p;
	struct ringplan q;
	const char *why;

	for (size_t i = 0; i < sizeof(canon) / sizeof(canon[0]); i++) {
		int rc = ringplan_parse(str_cstr(canon[i]), &p, &why);
		if (rc != 0) {
			unit_fail(__FILE__, __LINE__, canon[i]);
			continue;
		}
		if (strcmp(fmt(&p), canon[i]) != 0) {
			unit_fail(__FILE__, __LINE__, fmt_mem);
		}
		/* and the text parses back to the same plan */
		CHECK_INT(ringplan_parse(str_cstr(fmt_mem), &q, &why), 0);
		CHECK_INT(q.n_groups, p.n_groups);
		CHECK(str_eq(q.next_user, p.next_user));
	}
	for (size_t i = 0; i < sizeof(norm) / sizeof(norm[0]); i++) {
		CHECK_INT(ringplan_parse(str_cstr(norm[i].in), &p, &why), 0);
		if (strcmp(fmt(&p), norm[i].out) != 0) {
			unit_fail(__FILE__, __LINE__, fmt_mem);
		}
	}
}

static void errors(void)
{
	static char big[RINGPLAN_TEXT_MAX + 2];
	static char long_dev[RINGPLAN_DEVICE_MAX + 16];
	static char ok_dev[RINGPLAN_DEVICE_MAX + 16];
	static const struct {
		const char *text;
		const char *why; /* a word of the reason */
	} t[] = {
		{ "", "empty" },
		{ "   ", "empty" },
		{ "a/1 b/1 c/1 d/1 e/1 f/1 g/1 h/1 i/1", "a device is" }, /* bad devices first */
		{ "urn:uuid:1 urn:uuid:2 urn:uuid:3 urn:uuid:4 urn:uuid:5 urn:uuid:6 urn:uuid:7 "
		  "urn:uuid:8 urn:uuid:9",
			"more than 8 groups" },
		{ "urn:uuid:1,urn:uuid:2,urn:uuid:3,urn:uuid:4,urn:uuid:5,urn:uuid:6,urn:uuid:7,"
		  "urn:uuid:8 urn:uuid:9,urn:uuid:10,urn:uuid:11,urn:uuid:12,urn:uuid:13,"
		  "urn:uuid:14,urn:uuid:15,urn:uuid:16,urn:uuid:17",
			"more than 16 devices" },
		{ "urn:uuid:a/0", "1 to 600" },
		{ "urn:uuid:a/601", "1 to 600" },
		{ "urn:uuid:a/abc", "1 to 600" },
		{ "urn:uuid:a/", "1 to 600" },
		{ "urn:uuid:a/-5", "1 to 600" },
		{ "@nurse/0", "1 to 600" },
		{ "alice", "a device is" },
		{ "tel:+4930123", "a device is" },
		{ "urn:uuid", "urn:NID:NSS" },
		{ "urn:uuid:", "urn:NID:NSS" },
		{ "urn::x", "urn:NID:NSS" },
		{ "<urn:uuid:a>", "without <>" },
		{ "\"urn:uuid:a\"", "without <>" },
		{ "sip:", "not a valid sip:" },
		{ "sip:a@h;x=1;x=2", "not a valid sip:" },
		{ "urn:uuid:a,,urn:uuid:b", "empty device" },
		{ "urn:uuid:a,", "empty device" },
		{ "/20", "empty device" },
		{ "urn:uuid:a\x01", "not allowed" },
		{ "urn:uuid:a,@nurse", "group of its own" },
		{ "@nurse urn:uuid:a", "must be the last" },
		{ "urn:uuid:a @nurse @bob", "more than one @USER" },
		{ "@", "not a valid user name" },
		{ "@a:b/20", "not a valid user name" },
		{ "urn:uuid:a urn:uuid:a", "named twice" },
		{ "urn:uuid:a,URN:UUID:A", "named twice" },
		{ "sip:a@h,sip:a@H", "named twice" },
		{ "* urn:uuid:b,*", "named twice" },
	};
	struct ringplan p;
	const char *why;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		why = NULL;
		int rc = ringplan_parse(str_cstr(t[i].text), &p, &why);
		if (rc != -EINVAL || !why || !strstr(why, t[i].why) || strchr(why, '\n')) {
			char m[200];
			snprintf(m, sizeof(m), "'%s': rc %d, why '%s'", t[i].text, rc,
				why ? why : "(none)");
			unit_fail(__FILE__, __LINE__, m);
		}
	}
	/* Too long, as a whole and for one device; exactly at the limit is fine. */
	memset(big, 'x', sizeof(big));
	CHECK_INT(ringplan_parse(str_make(big, RINGPLAN_TEXT_MAX + 1), &p, &why), -EINVAL);
	CHECK(strstr(why, "longer") != NULL);
	snprintf(long_dev, sizeof(long_dev), "urn:uuid:%0*d", RINGPLAN_DEVICE_MAX - 9 + 1, 0);
	CHECK_INT(ringplan_parse(str_cstr(long_dev), &p, &why), -EINVAL);
	CHECK(strstr(why, "longer than 256") != NULL);
	snprintf(ok_dev, sizeof(ok_dev), "urn:uuid:%0*d", RINGPLAN_DEVICE_MAX - 9, 0);
	CHECK_INT(strlen(ok_dev), RINGPLAN_DEVICE_MAX);
	CHECK_INT(ringplan_parse(str_cstr(ok_dev), &p, &why), 0);
}

/* The largest plan formats within RINGPLAN_TEXT_MAX. */
static void largest_fits(void)
{
	static char devs[RINGPLAN_MAX_DEVICES][RINGPLAN_DEVICE_MAX + 1];
	struct ringplan p;
	struct ringplan q;
	char name[USERS_NAME_MAX + 1];
	const char *why;
	struct buf b;

	memset(&p, 0, sizeof(p));
	for (unsigned i = 0; i < RINGPLAN_MAX_DEVICES; i++) {
		snprintf(devs[i], sizeof(devs[i]), "urn:uuid:%0*u", RINGPLAN_DEVICE_MAX - 9, i);
		unsigned g = i % RINGPLAN_MAX_GROUPS;
		p.g[g].dev[p.g[g].n_dev++] = str_cstr(devs[i]);
		p.g[g].ring_s = RINGPLAN_RING_S_MAX;
	}
	p.n_groups = RINGPLAN_MAX_GROUPS;
	memset(name, 'n', USERS_NAME_MAX);
	p.next_user = str_make(name, USERS_NAME_MAX);
	p.next_ring_s = RINGPLAN_RING_S_MAX;
	buf_init(&b, fmt_mem, RINGPLAN_TEXT_MAX);
	CHECK_INT(ringplan_format(&p, &b), 0);
	CHECK_INT(ringplan_parse(buf_str(&b), &q, &why), 0);
	CHECK_INT(q.n_groups, RINGPLAN_MAX_GROUPS);
	CHECK_INT(q.g[7].n_dev, 2);
	/* A buffer too small is the sticky -ENOSPC. */
	buf_init(&b, fmt_mem, 10);
	CHECK_INT(ringplan_format(&p, &b), -ENOSPC);
}

static void store_put_get_del(void)
{
	struct store *st = unit_store_open("ringplan1");
	struct ringplan p;
	struct ringplan q;
	const char *why;
	struct str v;
	struct str text;

	CHECK(st != NULL);
	if (!st) {
		return;
	}
	CHECK_INT(ringplan_get(store_loop_txn(st), STR("alice"), &q), -ENOENT);
	CHECK_INT(ringplan_parse(
			  STR("urn:uuid:aaa,urn:uuid:bbb urn:uuid:ccc/15 @nurse/30"), &p, &why),
		0);
	CHECK_INT(ringplan_put(st, STR("alice"), &p), 0);
	CHECK_INT(store_flush(st), 0);

	/* The record: version 1 and the canonical text. */
	CHECK_INT(store_get(st, STORE_DB_RINGPLANS, STR("alice"), &v), 0);
	CHECK_INT(rec_read_str(v, 1, &text), 0);
	CHECK(str_eq(text, STR("urn:uuid:aaa,urn:uuid:bbb/20 urn:uuid:ccc/15 @nurse/30")));

	CHECK_INT(ringplan_get(store_loop_txn(st), STR("alice"), &q), 0);
	CHECK(strcmp(fmt(&q), "urn:uuid:aaa,urn:uuid:bbb/20 urn:uuid:ccc/15 @nurse/30") == 0);
	/* the slices point into the store value */
	CHECK(q.g[0].dev[0].p >= v.p && q.g[0].dev[0].p < v.p + v.len);
	CHECK_INT(ringplan_get(store_loop_txn(st), STR("bob"), &q), -ENOENT);
	CHECK_INT(ringplan_get(store_loop_txn(st), STR("a b"), &q), -ENOENT);

	/* Replacing. */
	CHECK_INT(ringplan_parse(STR("*/40"), &p, &why), 0);
	CHECK_INT(ringplan_put(st, STR("alice"), &p), 0);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(ringplan_get(store_loop_txn(st), STR("alice"), &q), 0);
	CHECK(strcmp(fmt(&q), "*/40") == 0);

	/* Refused: a bad owner, the owner as @USER, a hand-made plan the
	 * parser would not give back; nothing is written. */
	CHECK_INT(ringplan_put(st, STR("a b"), &p), -EINVAL);
	CHECK_INT(ringplan_parse(STR("*/40 @alice"), &p, &why), 0);
	CHECK_INT(ringplan_put(st, STR("alice"), &p), -EINVAL);
	memset(&p, 0, sizeof(p));
	CHECK_INT(ringplan_put(st, STR("carol"), &p), -EINVAL); /* empty */
	p.n_groups = 1;
	p.g[0].n_dev = 1;
	p.g[0].dev[0] = STR("urn:uuid:x,urn:uuid:y"); /* would read back as two */
	p.g[0].ring_s = 20;
	CHECK_INT(ringplan_put(st, STR("carol"), &p), -EINVAL);
	p.g[0].dev[0] = STR("urn:uuid:x");
	p.g[0].ring_s = 0;
	CHECK_INT(ringplan_put(st, STR("carol"), &p), -EINVAL);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(ringplan_get(store_loop_txn(st), STR("carol"), &q), -ENOENT);

	/* Unreadable records. */
	CHECK_INT(store_put(st, STORE_DB_RINGPLANS, STR("dave"), STR("\x02\x03*/1")), 0);
	CHECK_INT(store_put(st, STORE_DB_RINGPLANS, STR("erin"), STR("\x01\x09*/1")), 0);
	CHECK_INT(store_put(st, STORE_DB_RINGPLANS, STR("fred"), STR("\x01\x03*/0")), 0);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(ringplan_get(store_loop_txn(st), STR("dave"), &q), -EBADMSG);
	CHECK_INT(ringplan_get(store_loop_txn(st), STR("erin"), &q), -EBADMSG);
	CHECK_INT(ringplan_get(store_loop_txn(st), STR("fred"), &q), -EBADMSG);

	CHECK_INT(ringplan_del(st, STR("alice")), 0);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(ringplan_get(store_loop_txn(st), STR("alice"), &q), -ENOENT);
	CHECK_INT(ringplan_del(st, STR("alice")), -ENOENT);
	CHECK_INT(ringplan_del(st, STR("a b")), -ENOENT);
	store_close(st);
}

/* users_del takes the user's plan along, and only that one. */
static void deleted_with_user(void)
{
	struct store *st = unit_store_open("ringplan2");
	struct ringplan p;
	struct ringplan q;
	const char *why;

	CHECK(st != NULL);
	if (!st) {
		return;
	}
	CHECK_INT(users_add(st, STR("alice"), STR("x.example"), STR("pw"), 1), 0);
	CHECK_INT(users_add(st, STR("bob"), STR("x.example"), STR("pw"), 1), 0);
	CHECK_INT(ringplan_parse(STR("*/30 @bob"), &p, &why), 0);
	CHECK_INT(ringplan_put(st, STR("alice"), &p), 0);
	CHECK_INT(ringplan_parse(STR("*/30"), &p, &why), 0);
	CHECK_INT(ringplan_put(st, STR("bob"), &p), 0);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(users_del(st, STR("alice")), 0);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(ringplan_get(store_loop_txn(st), STR("alice"), &q), -ENOENT);
	CHECK_INT(ringplan_get(store_loop_txn(st), STR("bob"), &q), 0);
	/* a user without a plan deletes fine */
	CHECK_INT(ringplan_del(st, STR("bob")), 0);
	CHECK_INT(users_del(st, STR("bob")), 0);
	CHECK_INT(store_flush(st), 0);
	store_close(st);
}

static struct location_binding binding_of(const char *uri, const char *instance)
{
	return (struct location_binding){ .uri = str_cstr(uri), .instance = str_cstr(instance) };
}

static void assign(void)
{
	const struct location_binding b[] = {
		binding_of("sip:alice@192.0.2.1:5060", "<urn:uuid:aaa>"), /* 0: by instance */
		binding_of("sip:alice@192.0.2.2:5060;transport=tcp", ""), /* 1: by URI */
		binding_of("sip:alice@192.0.2.3", "<urn:uuid:zzz>"), /* 2: nobody names it */
		binding_of("sip:alice@192.0.2.4", "<URN:UUID:CCC>"), /* 3: case-insensitive */
		binding_of("sip:ALICE@192.0.2.5:5060", ""), /* 4: user part is case-sensitive */
		binding_of(
			"sip:alice@192.0.2.6", "urn:uuid:bbb"), /* 5: no brackets, still compared */
		binding_of("sip:alice@192.0.2.1:5060", ""), /* 6: URI of 0 without its instance */
	};
	enum { N = sizeof(b) / sizeof(b[0]) };
	struct ringplan p;
	const char *why;
	uint8_t g[N];

	CHECK_INT(ringplan_parse(STR("urn:uuid:aaa,urn:uuid:bbb/20 "
				     "sip:alice@192.0.2.2:5060;transport=TCP/15 "
				     "urn:uuid:ccc,sip:alice@192.0.2.5:5060/10 @nurse"),
			  &p, &why),
		0);
	memset(g, 0x55, sizeof(g));
	ringplan_assign(&p, b, N, g);
	CHECK_INT(g[0], 0);
	CHECK_INT(g[1], 1);
	CHECK_INT(g[2], RINGPLAN_NO_GROUP);
	CHECK_INT(g[3], 2);
	CHECK_INT(g[4], RINGPLAN_NO_GROUP);
	CHECK_INT(g[5], 0);
	CHECK_INT(g[6], RINGPLAN_NO_GROUP);

	/* "*" takes what no other group names, wherever it stands. */
	CHECK_INT(ringplan_parse(STR("urn:uuid:ccc/10 * sip:alice@192.0.2.1:5060/5"), &p, &why), 0);
	memset(g, 0x55, sizeof(g));
	ringplan_assign(&p, b, N, g);
	CHECK_INT(g[0], 2); /* named by its URI in the last group */
	CHECK_INT(g[1], 1);
	CHECK_INT(g[2], 1);
	CHECK_INT(g[3], 0);
	CHECK_INT(g[4], 1);
	CHECK_INT(g[5], 1);
	CHECK_INT(g[6], 2);

	/* The first group that names a binding wins (instance and URI in
	 * different groups), and "*" beside named devices in one group. */
	CHECK_INT(ringplan_parse(STR("urn:uuid:aaa sip:alice@192.0.2.1:5060,*"), &p, &why), 0);
	memset(g, 0x55, sizeof(g));
	ringplan_assign(&p, b, N, g);
	CHECK_INT(g[0], 0);
	CHECK_INT(g[2], 1);
	CHECK_INT(g[6], 1);

	/* Only @USER: none of the user's own devices ring. */
	CHECK_INT(ringplan_parse(STR("@nurse/30"), &p, &why), 0);
	memset(g, 0x55, sizeof(g));
	ringplan_assign(&p, b, N, g);
	for (unsigned i = 0; i < N; i++) {
		CHECK_INT(g[i], RINGPLAN_NO_GROUP);
	}
	/* n == 0 writes nothing. */
	g[0] = 0x55;
	ringplan_assign(&p, b, 0, g);
	CHECK_INT(g[0], 0x55);
}

UNIT_SUITE(ringplan, UNIT_TEST(parse_fields), UNIT_TEST(round_trips), UNIT_TEST(errors),
	UNIT_TEST(largest_fits), UNIT_TEST(store_put_get_del), UNIT_TEST(deleted_with_user),
	UNIT_TEST(assign));
