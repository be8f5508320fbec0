#include <string.h>

#include "core/log.h"
#include "tests/unit/unit.h"

struct seen {
	unsigned n;
	uint64_t last_seq;
	char last[LOG_LINE_MAX];
	enum log_level level;
};

static void collect(
	void *arg, uint64_t seq, uint64_t unix_ms, enum log_level level, const char *line)
{
	struct seen *s = arg;
	(void)unix_ms;
	s->n++;
	s->last_seq = seq;
	s->level = level;
	snprintf(s->last, sizeof(s->last), "%s", line);
}

static void levels(void)
{
	CHECK_INT(log_level_parse("error"), LOG_LEVEL_ERROR);
	CHECK_INT(log_level_parse("debug"), LOG_LEVEL_DEBUG);
	CHECK_INT(log_level_parse("2"), LOG_LEVEL_INFO);
	CHECK_INT(log_level_parse("loud"), -1);
	CHECK_INT(log_level_parse("4"), -1);
	CHECK(strcmp(log_level_name(LOG_LEVEL_WARN), "warn") == 0);
}

static void ring_keeps_lines(void)
{
	struct seen s = { 0 };
	uint64_t before;

	log_set_level(LOG_LEVEL_INFO);
	before = log_ring_foreach(UINT64_MAX, collect, &s);
	log_msg(LOG_LEVEL_WARN, "unit ring %d", 42);
	log_msg(LOG_LEVEL_DEBUG, "below the level: not kept");
	CHECK_INT(log_ring_foreach(before, collect, &s), before + 1);
	CHECK_INT(s.n, CONFIG_LOG_RING_LINES > 0 ? 1 : 0);
	if (CONFIG_LOG_RING_LINES > 0) {
		CHECK(strcmp(s.last, "unit ring 42") == 0);
		CHECK_INT(s.level, LOG_LEVEL_WARN);
	}
}

static void ring_wraps(void)
{
	struct seen s = { 0 };
	uint64_t before = log_ring_foreach(UINT64_MAX, collect, &s);

	for (int i = 0; i < CONFIG_LOG_RING_LINES + 10; i++) {
		log_msg(LOG_LEVEL_ERROR, "wrap %d", i);
	}
	s.n = 0;
	log_ring_foreach(before, collect, &s);
	CHECK_INT(s.n, CONFIG_LOG_RING_LINES);
	if (CONFIG_LOG_RING_LINES > 0) {
		char want[32];
		snprintf(want, sizeof(want), "wrap %d", CONFIG_LOG_RING_LINES + 9);
		CHECK(strcmp(s.last, want) == 0);
	}
}

static void rate_limit(void)
{
	struct log_rl rl = { 0 };
	unsigned allowed = 0;

	for (int i = 0; i < 100; i++) {
		allowed += log_rl_allow(&rl, 1000 + (uint64_t)i);
	}
	CHECK_INT(allowed, LOG_RL_BURST);
	CHECK_INT(rl.suppressed, 100 - LOG_RL_BURST);
	/* a new window allows again and resets the count */
	CHECK(log_rl_allow(&rl, 1000 + LOG_RL_WINDOW_MS));
	CHECK_INT(rl.suppressed, 0);
}

UNIT_SUITE(log, UNIT_TEST(levels), UNIT_TEST(ring_keeps_lines), UNIT_TEST(ring_wraps),
	UNIT_TEST(rate_limit));
