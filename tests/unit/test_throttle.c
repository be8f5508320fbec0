#include "core/throttle.h"

#include <stdio.h>
#include <stdlib.h>

#include "autoconf.h"
#include "tests/unit/unit.h"

/* Slow down from the 3rd failure, block at the 10th for 10 minutes; an
 * hour of memory. */
static const struct throttle_cfg cfg_std = { 3, 10, 600, 3600 };

/* The table, or the test run stops: nothing is worth checking without. */
static struct throttle *tnew(size_t cap, const struct throttle_cfg *cfg)
{
	struct throttle *t = throttle_new(cap, cfg);

	if (!t) {
		printf("throttle_new(%zu): out of memory\n", cap);
		exit(1);
	}
	return t;
}

static struct addr ip(const char *s)
{
	struct addr a;
	const char *why = NULL;

	CHECK_INT(addr_parse(s, &a, &why), 0);
	return a;
}

static enum throttle_verdict check_at(struct throttle *t, const char *src, uint64_t now_ms)
{
	struct addr a = ip(src);

	return throttle_check(t, &a, now_ms, NULL);
}

static bool fail_at(struct throttle *t, const char *src, uint64_t now_ms)
{
	struct addr a = ip(src);

	return throttle_fail(t, &a, now_ms, NULL);
}

static struct throttle_stats stats_at(struct throttle *t, uint64_t now_ms)
{
	struct throttle_stats st;

	throttle_stats(t, now_ms, &st);
	return st;
}

static void passes_under_threshold(void)
{
	struct throttle *t = tnew(8, &cfg_std);
	struct addr a = ip("192.0.2.1:5060");
	uint32_t n = 0;

	CHECK_INT(throttle_check(t, &a, 0, NULL), THROTTLE_PASS);
	CHECK(!throttle_fail(t, &a, 0, &n));
	CHECK_INT(n, 1);
	CHECK(!throttle_fail(t, &a, 10, &n));
	CHECK_INT(n, 2);
	CHECK_INT(throttle_check(t, &a, 10, NULL), THROTTLE_PASS);
	CHECK_INT(stats_at(t, 10).tracked, 1);
	CHECK_INT(stats_at(t, 10).waits, 0);
	throttle_free(t);
}

static void waits_double_up_to_32_s(void)
{
	/* failures -> wait after the last one: 2^(failures - 3) s, capped */
	static const struct {
		uint32_t failures;
		uint32_t wait_s;
	} rows[] = {
		{ 3, 1 },
		{ 4, 2 },
		{ 5, 4 },
		{ 6, 8 },
		{ 7, 16 },
		{ 8, 32 },
		{ 9, 32 },
		{ 40, 32 },
	};
	const struct throttle_cfg cfg = { 3, 0, 600, 3600 };
	struct throttle *t = tnew(8, &cfg);
	struct addr a = ip("192.0.2.1:5060");
	uint64_t now = 1000;
	uint32_t n = 0;
	uint64_t waits = 0;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint64_t w = (uint64_t)rows[i].wait_s * 1000;
		uint32_t retry = 0;

		while (n < rows[i].failures) {
			throttle_fail(t, &a, now, &n);
		}
		CHECK_INT(n, rows[i].failures);
		CHECK_INT(throttle_check(t, &a, now, &retry), THROTTLE_WAIT);
		CHECK_INT(retry, rows[i].wait_s);
		/* part of a second left still asks for the whole second */
		retry = 0;
		CHECK_INT(throttle_check(t, &a, now + 1, &retry), THROTTLE_WAIT);
		CHECK_INT(retry, rows[i].wait_s);
		retry = 0;
		CHECK_INT(throttle_check(t, &a, now + w - 1, &retry), THROTTLE_WAIT);
		CHECK_INT(retry, 1);
		waits += 3;
		CHECK_INT(throttle_check(t, &a, now + w, NULL), THROTTLE_PASS);
		CHECK_INT(stats_at(t, now + w).waits, waits);
		now += w;
	}
	throttle_free(t);

	/* 2.5 s left rounds up to 3 */
	t = tnew(8, &cfg);
	for (int i = 0; i < 5; i++) {
		throttle_fail(t, &a, 0, NULL);
	}
	{
		uint32_t retry = 0;
		CHECK_INT(throttle_check(t, &a, 1500, &retry), THROTTLE_WAIT);
		CHECK_INT(retry, 3);
	}
	throttle_free(t);
}

static void blocks_once_at_block_after(void)
{
	const struct throttle_cfg cfg = { 0, 5, 600, 3600 };
	struct throttle *t = tnew(8, &cfg);
	struct addr a = ip("192.0.2.1:5060");
	uint32_t n = 0;
	uint32_t retry = 0;
	struct throttle_stats st;

	for (uint32_t i = 1; i < 5; i++) {
		CHECK(!throttle_fail(t, &a, i, &n));
		CHECK_INT(n, i);
		CHECK_INT(throttle_check(t, &a, i, NULL), THROTTLE_PASS);
	}
	CHECK(throttle_fail(t, &a, 5, &n));
	CHECK_INT(n, 5);
	CHECK(!throttle_fail(t, &a, 6, &n));
	CHECK(!throttle_fail(t, &a, 7, NULL));
	CHECK_INT(throttle_check(t, &a, 7, &retry), THROTTLE_BLOCKED);
	CHECK_INT(retry, 600);
	st = stats_at(t, 7);
	CHECK_INT(st.blocks, 1);
	CHECK_INT(st.blocked, 1);
	CHECK_INT(st.tracked, 1);
	CHECK_INT(st.waits, 0);
	throttle_free(t);
}

static void block_lasts_block_s_then_starts_over(void)
{
	struct throttle *t = tnew(8, &cfg_std);
	struct addr a = ip("192.0.2.1:5060");
	const uint64_t at = 50000;
	uint32_t retry = 0;
	uint32_t n = 0;
	bool blocked = false;

	/* fast enough to be blocked while the backoff is running */
	for (int i = 0; i < 10; i++) {
		blocked = throttle_fail(t, &a, at, NULL);
	}
	CHECK(blocked);
	CHECK_INT(throttle_check(t, &a, at + 1, &retry), THROTTLE_BLOCKED);
	CHECK_INT(retry, 600);
	CHECK_INT(throttle_check(t, &a, at + 599999, &retry), THROTTLE_BLOCKED);
	CHECK_INT(retry, 1);
	CHECK_INT(stats_at(t, at + 599999).blocked, 1);
	CHECK_INT(stats_at(t, at + 600000).blocked, 0);
	CHECK_INT(throttle_check(t, &a, at + 600000, NULL), THROTTLE_PASS);
	CHECK_INT(stats_at(t, at + 600000).tracked, 0);
	CHECK(!throttle_fail(t, &a, at + 600001, &n));
	CHECK_INT(n, 1);
	CHECK_INT(throttle_check(t, &a, at + 600001, NULL), THROTTLE_PASS);
	throttle_free(t);
}

static void old_failures_fall_out_of_the_window(void)
{
	const struct throttle_cfg cfg = { 3, 4, 600, 60 };
	struct throttle *t = tnew(8, &cfg);
	struct addr a = ip("192.0.2.1:5060");
	uint32_t n = 0;

	/* exactly window_s after the last failure still counts */
	for (int i = 0; i < 3; i++) {
		throttle_fail(t, &a, 0, NULL);
	}
	CHECK(throttle_fail(t, &a, 60000, &n));
	CHECK_INT(n, 4);

	throttle_free(t);
	t = tnew(8, &cfg);
	/* one millisecond later the count starts over, on fail() */
	for (int i = 0; i < 3; i++) {
		throttle_fail(t, &a, 0, NULL);
	}
	CHECK(!throttle_fail(t, &a, 60001, &n));
	CHECK_INT(n, 1);
	/* ... and on check(), which forgets the source */
	for (int i = 0; i < 2; i++) {
		throttle_fail(t, &a, 60001, NULL);
	}
	CHECK_INT(throttle_check(t, &a, 60001, NULL), THROTTLE_WAIT);
	CHECK_INT(throttle_check(t, &a, 120002, NULL), THROTTLE_PASS);
	CHECK_INT(stats_at(t, 120002).tracked, 0);
	throttle_free(t);
	/* The window slides with the last failure: a guesser who tries once
	 * every 50 s keeps its count and is blocked. */
	t = tnew(8, &cfg);
	for (uint64_t i = 0; i < 3; i++) {
		CHECK(!throttle_fail(t, &a, i * 50000, NULL));
	}
	CHECK(throttle_fail(t, &a, 150000, &n));
	CHECK_INT(n, 4);
	throttle_free(t);
}

static void port_is_not_part_of_the_source(void)
{
	struct throttle *t = tnew(8, &cfg_std);

	fail_at(t, "192.0.2.1:5060", 0);
	fail_at(t, "192.0.2.1:5061", 0);
	fail_at(t, "192.0.2.1:1", 0);
	CHECK_INT(check_at(t, "192.0.2.1:65535", 0), THROTTLE_WAIT);
	CHECK_INT(stats_at(t, 0).tracked, 1);
	throttle_free(t);
}

static void ipv4_sources_are_independent(void)
{
	struct throttle *t = tnew(8, &cfg_std);

	for (int i = 0; i < 3; i++) {
		fail_at(t, "192.0.2.1:5060", 0);
	}
	fail_at(t, "192.0.2.2:5060", 0);
	CHECK_INT(check_at(t, "192.0.2.1:5060", 0), THROTTLE_WAIT);
	CHECK_INT(check_at(t, "192.0.2.2:5060", 0), THROTTLE_PASS);
	CHECK_INT(check_at(t, "192.0.2.3:5060", 0), THROTTLE_PASS);
	CHECK_INT(check_at(t, "10.0.2.1:5060", 0), THROTTLE_PASS);
	CHECK_INT(stats_at(t, 0).tracked, 2);
	throttle_free(t);
}

static void ipv6_source_is_the_64(void)
{
	static const struct {
		const char *src;
		enum throttle_verdict want;
	} rows[] = {
		{ "[2001:db8:1:2::1]:5060", THROTTLE_WAIT },
		{ "[2001:db8:1:2:ffff:ffff:ffff:ffff]:9", THROTTLE_WAIT },
		{ "[2001:db8:1:3::1]:5060", THROTTLE_PASS },
		{ "[2001:db9:1:2::1]:5060", THROTTLE_PASS },
		{ "[::1]:5060", THROTTLE_PASS },
		{ "[2001:db8:1:2::c000:201]:5060", THROTTLE_WAIT },
		{ "192.0.2.1:5060", THROTTLE_PASS },
	};
	struct throttle *t;

	if (!ENABLE_IPV6) {
		return;
	}
	t = tnew(8, &cfg_std);
	fail_at(t, "[2001:db8:1:2::1]:5060", 0);
	fail_at(t, "[2001:db8:1:2::2]:5060", 0);
	fail_at(t, "[2001:db8:1:2:abcd::]:5060", 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		CHECK_INT(check_at(t, rows[i].src, 0), rows[i].want);
	}
	CHECK_INT(stats_at(t, 0).tracked, 1);
	/* 2001:db8::/64 and 32.1.13.184 have the same key bytes: the family
	 * tells them apart */
	fail_at(t, "[2001:db8::1]:5060", 0);
	fail_at(t, "[2001:db8::2]:5060", 0);
	fail_at(t, "[2001:db8::3]:5060", 0);
	CHECK_INT(check_at(t, "[2001:db8::4]:5060", 0), THROTTLE_WAIT);
	CHECK_INT(check_at(t, "32.1.13.184:5060", 0), THROTTLE_PASS);
	throttle_free(t);
}

static void v4_mapped_ipv6_is_the_ipv4(void)
{
	struct throttle *t;

	if (!ENABLE_IPV6) {
		return;
	}
	t = tnew(8, &cfg_std);
	fail_at(t, "[::ffff:192.0.2.7]:5060", 0);
	fail_at(t, "192.0.2.7:5060", 0);
	fail_at(t, "[::ffff:192.0.2.7]:5062", 0);
	CHECK_INT(check_at(t, "192.0.2.7:1", 0), THROTTLE_WAIT);
	CHECK_INT(check_at(t, "[::ffff:192.0.2.7]:1", 0), THROTTLE_WAIT);
	CHECK_INT(check_at(t, "[::ffff:192.0.2.8]:1", 0), THROTTLE_PASS);
	/* ::c000:207 (IPv4-compatible, deprecated) is a plain IPv6 /64 */
	CHECK_INT(check_at(t, "[::c000:207]:1", 0), THROTTLE_PASS);
	CHECK_INT(stats_at(t, 0).tracked, 1);
	throttle_free(t);
}

static void full_table_reuses_the_longest_idle_unblocked(void)
{
	/* one failure is enough to wait 1 s: tracked sources read WAIT */
	const struct throttle_cfg slow = { 1, 0, 600, 3600 };
	const struct throttle_cfg block = { 1, 1, 600, 3600 };
	struct throttle *t = tnew(3, &slow);

	fail_at(t, "192.0.2.1:5060", 0);
	fail_at(t, "192.0.2.2:5060", 10);
	fail_at(t, "192.0.2.3:5060", 20);
	/* a check is a use: .1 is now fresher than .2 */
	CHECK_INT(check_at(t, "192.0.2.1:5060", 30), THROTTLE_WAIT);
	fail_at(t, "192.0.2.4:5060", 40);
	CHECK_INT(check_at(t, "192.0.2.1:5060", 50), THROTTLE_WAIT);
	CHECK_INT(check_at(t, "192.0.2.2:5060", 50), THROTTLE_PASS);
	CHECK_INT(check_at(t, "192.0.2.3:5060", 50), THROTTLE_WAIT);
	CHECK_INT(check_at(t, "192.0.2.4:5060", 50), THROTTLE_WAIT);
	CHECK_INT(stats_at(t, 50).tracked, 3);
	CHECK_INT(stats_at(t, 50).untracked, 0);
	throttle_free(t);

	/* a blocked entry is never taken, however old */
	t = tnew(2, &block);
	CHECK(fail_at(t, "192.0.2.1:5060", 0));
	throttle_set_cfg(t, &slow);
	fail_at(t, "192.0.2.2:5060", 10);
	fail_at(t, "192.0.2.3:5060", 20);
	CHECK_INT(check_at(t, "192.0.2.1:5060", 30), THROTTLE_BLOCKED);
	CHECK_INT(check_at(t, "192.0.2.2:5060", 30), THROTTLE_PASS);
	CHECK_INT(check_at(t, "192.0.2.3:5060", 30), THROTTLE_WAIT);
	throttle_free(t);
}

static void all_blocked_leaves_new_sources_untracked(void)
{
	const struct throttle_cfg cfg = { 1, 1, 60, 3600 };
	struct throttle *t = tnew(2, &cfg);
	struct addr c = ip("192.0.2.3:5060");
	struct throttle_stats st;
	uint32_t n = 7;

	CHECK(fail_at(t, "192.0.2.1:5060", 0));
	CHECK(fail_at(t, "192.0.2.2:5060", 0));
	CHECK(!throttle_fail(t, &c, 10, &n));
	CHECK_INT(n, 0);
	CHECK(!throttle_fail(t, &c, 20, NULL));
	CHECK_INT(throttle_check(t, &c, 20, NULL), THROTTLE_PASS);
	st = stats_at(t, 20);
	CHECK_INT(st.tracked, 2);
	CHECK_INT(st.blocked, 2);
	CHECK_INT(st.cap, 2);
	CHECK_INT(st.untracked, 2);
	CHECK_INT(st.blocks, 2);
	/* once the blocks are served their entries are free to take */
	CHECK(throttle_fail(t, &c, 60000, &n));
	CHECK_INT(n, 1);
	st = stats_at(t, 60000);
	CHECK_INT(st.tracked, 2);
	CHECK_INT(st.blocked, 1);
	CHECK_INT(st.untracked, 2);
	CHECK_INT(st.blocks, 3);
	throttle_free(t);
}

static void set_cfg_applies_to_kept_entries(void)
{
	struct throttle *t = tnew(8, &cfg_std);
	const struct throttle_cfg tighter = { 2, 3, 5, 3600 };
	struct addr a = ip("192.0.2.1:5060");
	uint32_t retry = 0;

	throttle_fail(t, &a, 0, NULL);
	throttle_fail(t, &a, 0, NULL);
	CHECK_INT(throttle_check(t, &a, 0, NULL), THROTTLE_PASS);
	throttle_set_cfg(t, &tighter);
	CHECK_INT(throttle_check(t, &a, 0, NULL), THROTTLE_WAIT);
	CHECK(throttle_fail(t, &a, 0, NULL));
	CHECK_INT(throttle_check(t, &a, 0, &retry), THROTTLE_BLOCKED);
	CHECK_INT(retry, 5);
	CHECK_INT(throttle_check(t, &a, 5000, NULL), THROTTLE_PASS);
	throttle_free(t);
}

static void zero_thresholds_disable(void)
{
	static const struct {
		struct throttle_cfg cfg;
		enum throttle_verdict want; /* after 100 quick failures */
	} rows[] = {
		{ { 0, 0, 600, 3600 }, THROTTLE_PASS },
		{ { 3, 0, 600, 3600 }, THROTTLE_WAIT },
		{ { 0, 100, 600, 3600 }, THROTTLE_BLOCKED },
	};

	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		struct throttle *t = tnew(8, &rows[r].cfg);
		struct addr a = ip("192.0.2.1:5060");
		unsigned blocks = 0;
		struct throttle_stats st;

		for (uint32_t i = 1; i <= 100; i++) {
			uint32_t after = rows[r].cfg.throttle_after;

			blocks += throttle_fail(t, &a, 0, NULL) ? 1 : 0;
			if (i < 100) {
				CHECK_INT(throttle_check(t, &a, 0, NULL),
					after && i >= after ? THROTTLE_WAIT : THROTTLE_PASS);
			}
		}
		CHECK_INT(throttle_check(t, &a, 0, NULL), rows[r].want);
		st = stats_at(t, 0);
		CHECK_INT(blocks, rows[r].cfg.block_after ? 1 : 0);
		CHECK_INT(st.blocks, blocks);
		throttle_free(t);
	}
}

static void is_blocked_only_while_blocked(void)
{
	struct throttle *t = tnew(8, &cfg_std);
	struct addr a = ip("192.0.2.1:5060");
	struct addr other = ip("192.0.2.2:5060");

	CHECK(!throttle_is_blocked(t, &a, 0));
	for (uint64_t i = 0; i < cfg_std.block_after - 1; i++) {
		fail_at(t, "192.0.2.1:5060", i);
	}
	/* Failing, even waiting, is not blocked. */
	CHECK(!throttle_is_blocked(t, &a, 100));
	CHECK(fail_at(t, "192.0.2.1:5060", 100));
	CHECK(throttle_is_blocked(t, &a, 100));
	CHECK(!throttle_is_blocked(t, &other, 100));
	CHECK(throttle_is_blocked(t, &a, 100 + cfg_std.block_s * 1000ull - 1));
	/* A served block is forgotten by any packet's check, so the check
	 * is free again though the blocked source never came back. */
	CHECK(!throttle_is_blocked(t, &other, 100 + cfg_std.block_s * 1000ull));
	CHECK_INT(stats_at(t, 100 + cfg_std.block_s * 1000ull).tracked, 0);
	CHECK(!throttle_is_blocked(t, &a, 100));
	throttle_free(t);
}

UNIT_SUITE(throttle, UNIT_TEST(passes_under_threshold), UNIT_TEST(waits_double_up_to_32_s),
	UNIT_TEST(blocks_once_at_block_after), UNIT_TEST(block_lasts_block_s_then_starts_over),
	UNIT_TEST(old_failures_fall_out_of_the_window), UNIT_TEST(port_is_not_part_of_the_source),
	UNIT_TEST(ipv4_sources_are_independent), UNIT_TEST(ipv6_source_is_the_64),
	UNIT_TEST(v4_mapped_ipv6_is_the_ipv4),
	UNIT_TEST(full_table_reuses_the_longest_idle_unblocked),
	UNIT_TEST(all_blocked_leaves_new_sources_untracked),
	UNIT_TEST(set_cfg_applies_to_kept_entries), UNIT_TEST(zero_thresholds_disable),
	UNIT_TEST(is_blocked_only_while_blocked));
