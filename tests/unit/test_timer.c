#include <errno.h>
#include <stdlib.h>

#include "core/timer.h"
#include "tests/unit/unit.h"

static unsigned order[64];
static unsigned n_order;

static void record(struct timer *t, void *arg)
{
	(void)t;
	order[n_order++] = (unsigned)(uintptr_t)arg;
}

static void fires_in_deadline_order_fifo_on_ties(void)
{
	struct timer t[6] = { 0 };
	static const uint64_t at[6] = { 50, 10, 30, 10, 20, 10 };

	CHECK_INT(timer_init(8), 0);
	n_order = 0;
	for (unsigned i = 0; i < 6; i++) {
		CHECK_INT(timer_start_at(&t[i], at[i], record, (void *)(uintptr_t)i), 0);
	}
	CHECK_INT(timer_next_timeout(0), 10);
	CHECK_INT(timer_run(9), 0);
	CHECK_INT(timer_run(20), 4);
	CHECK_INT(n_order, 4);
	CHECK_INT(order[0], 1);
	CHECK_INT(order[1], 3);
	CHECK_INT(order[2], 5);
	CHECK_INT(order[3], 4);
	CHECK_INT(timer_next_timeout(20), 10);
	CHECK_INT(timer_next_timeout(60), 0);
	timer_fini();
}

static void stop_restart_and_capacity(void)
{
	struct timer t[3] = { 0 };
	struct pool_stats ps;

	CHECK_INT(timer_init(2), 0);
	n_order = 0;
	CHECK_INT(timer_start_at(&t[0], 10, record, (void *)0), 0);
	CHECK_INT(timer_start_at(&t[1], 20, record, (void *)1), 0);
	CHECK_INT(timer_start_at(&t[2], 5, record, (void *)2), -ENOSPC);
	CHECK(!timer_armed(&t[2]));
	timer_stats(&ps);
	CHECK_INT(ps.used, 2);
	CHECK_INT(ps.cap, 2);
	/* re-arming an armed timer moves it, it does not take a second slot */
	CHECK_INT(timer_start_at(&t[0], 30, record, (void *)0), 0);
	timer_stop(&t[1]);
	timer_stop(&t[1]);
	CHECK(!timer_armed(&t[1]));
	CHECK_INT(timer_run(100), 1);
	CHECK_INT(order[0], 0);
	CHECK_INT(timer_next_timeout(100), -1);
	timer_fini();
}

static struct timer chain_a, chain_b;

static void stop_other_start_now(struct timer *t, void *arg)
{
	(void)arg;
	record(t, (void *)7);
	timer_stop(&chain_b); /* due in the same run: must not fire */
	timer_start_at(&chain_a, 0, record, (void *)8); /* already due: fires now */
}

static void callbacks_may_stop_and_start(void)
{
	CHECK_INT(timer_init(4), 0);
	n_order = 0;
	chain_a = (struct timer){ 0 };
	chain_b = (struct timer){ 0 };
	timer_start_at(&chain_a, 5, stop_other_start_now, NULL);
	timer_start_at(&chain_b, 5, record, (void *)9);
	CHECK_INT(timer_run(5), 2);
	CHECK_INT(n_order, 2);
	CHECK_INT(order[0], 7);
	CHECK_INT(order[1], 8);
	timer_fini();
}

static uint64_t last_fired;
static int out_of_order;

static void check_monotonic(struct timer *t, void *arg)
{
	(void)arg;
	if (t->deadline < last_fired) {
		out_of_order = 1;
	}
	last_fired = t->deadline;
}

static void random_heap_stays_ordered(void)
{
	enum { N = 1000 };
	static struct timer t[N];
	unsigned armed = 0;

	CHECK_INT(timer_init(N), 0);
	srand(7);
	for (int i = 0; i < N; i++) {
		t[i] = (struct timer){ 0 };
		timer_start_at(&t[i], (uint64_t)(rand() % 5000), check_monotonic, NULL);
	}
	for (int i = 0; i < N; i += 3) {
		timer_stop(&t[i]);
	}
	for (int i = 0; i < N; i += 7) {
		timer_start_at(&t[i], (uint64_t)(rand() % 5000), check_monotonic, NULL);
	}
	for (int i = 0; i < N; i++) {
		armed += timer_armed(&t[i]) ? 1 : 0;
	}
	last_fired = 0;
	out_of_order = 0;
	CHECK_INT(timer_run(5000), armed);
	CHECK_INT(out_of_order, 0);
	timer_fini();
}

UNIT_SUITE(timer, UNIT_TEST(fires_in_deadline_order_fifo_on_ties),
	UNIT_TEST(stop_restart_and_capacity), UNIT_TEST(callbacks_may_stop_and_start),
	UNIT_TEST(random_heap_stays_ordered));
