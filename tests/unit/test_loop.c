#include <errno.h>
#include <unistd.h>

#include "core/loop.h"
#include "tests/unit/unit.h"

struct end {
	struct loop_fd w;
	int fds[2];
	unsigned calls;
};

static struct end ends[3];
static struct loop_defer d1, d2;
static unsigned defer_calls;
static unsigned iteration_ends;

static void drain(struct loop_fd *w)
{
	char c[16];
	if (read(w->fd, c, sizeof(c)) < 0) {
		unit_fail(__FILE__, __LINE__, "read");
	}
}

static void on_readable_delete_next(struct loop_fd *w, unsigned ev)
{
	struct end *e = w->arg;
	CHECK(ev & LOOP_IN);
	e->calls++;
	drain(w);
	/* Delete both the other ready watchers and ourselves mid-dispatch. */
	loop_fd_del(&ends[1].w);
	loop_fd_del(&ends[2].w);
	loop_fd_del(w);
}

static void on_readable(struct loop_fd *w, unsigned ev)
{
	struct end *e = w->arg;
	(void)ev;
	e->calls++;
	drain(w);
}

static void setup_ends(loop_fd_cb first)
{
	for (int i = 0; i < 3; i++) {
		ends[i] = (struct end){ .w = { .slot = -1 } };
		CHECK_INT(pipe(ends[i].fds), 0);
		CHECK_INT(loop_fd_add(&ends[i].w, ends[i].fds[0], LOOP_IN,
				  i == 0 ? first : on_readable, &ends[i]),
			0);
		CHECK_INT(write(ends[i].fds[1], "x", 1), 1);
	}
}

static void close_ends(void)
{
	for (int i = 0; i < 3; i++) {
		loop_fd_del(&ends[i].w);
		close(ends[i].fds[0]);
		close(ends[i].fds[1]);
	}
}

static void delete_during_dispatch_is_safe(void)
{
	struct pool_stats ps;

	CHECK_INT(loop_init(4, 4), 0);
	setup_ends(on_readable_delete_next);
	CHECK_INT(loop_once(1000), 0);
	CHECK_INT(ends[0].calls, 1);
	CHECK_INT(ends[1].calls, 0);
	CHECK_INT(ends[2].calls, 0);
	loop_fd_stats(&ps);
	CHECK_INT(ps.used, 0);
	CHECK_INT(ps.high, 3);
	close_ends();
	loop_fini();
}

static void all_ready_are_dispatched_and_capacity_holds(void)
{
	struct loop_fd extra = { .slot = -1 };

	CHECK_INT(loop_init(3, 4), 0);
	setup_ends(on_readable);
	CHECK_INT(loop_fd_add(&extra, 0, LOOP_IN, on_readable, NULL), -ENOSPC);
	CHECK_INT(loop_once(1000), 0);
	for (int i = 0; i < 3; i++) {
		CHECK_INT(ends[i].calls, 1);
	}
	/* nothing ready and no timer: returns after max_wait */
	CHECK_INT(loop_once(10), 0);
	CHECK_INT(ends[0].calls, 1);
	close_ends();
	loop_fini();
}

static void deferred(struct loop_defer *d, void *arg)
{
	(void)arg;
	defer_calls++;
	if (d == &d1) {
		loop_defer(&d2, deferred, NULL); /* runs in the next iteration */
	}
}

static void count_end(void)
{
	iteration_ends++;
}

static void defer_runs_once_then_iteration_end(void)
{
	CHECK_INT(loop_init(2, 2), 0);
	defer_calls = iteration_ends = 0;
	d1 = (struct loop_defer){ 0 };
	d2 = (struct loop_defer){ 0 };
	loop_set_iteration_end(count_end);
	loop_defer(&d2, deferred, NULL);
	loop_defer(&d2, deferred, NULL); /* already queued: no-op */
	CHECK_INT(loop_once(-1), 0); /* deferred work makes the poll not wait */
	CHECK_INT(defer_calls, 1);
	CHECK_INT(iteration_ends, 1);
	defer_calls = 0;
	loop_defer(&d1, deferred, NULL);
	CHECK_INT(loop_once(-1), 0);
	CHECK_INT(defer_calls, 1);
	CHECK_INT(loop_once(-1), 0); /* d2 is pending: this does not block */
	CHECK_INT(defer_calls, 2);
	CHECK_INT(iteration_ends, 3);
	loop_fini();
}

static unsigned timer_hits;
static void on_timer(struct timer *t, void *arg)
{
	(void)t;
	(void)arg;
	timer_hits++;
	loop_stop();
}

static void timers_bound_the_poll(void)
{
	struct timer t = { 0 };
	uint64_t start;

	CHECK_INT(loop_init(2, 2), 0);
	timer_hits = 0;
	start = loop_now();
	CHECK_INT(timer_start(&t, 20, on_timer, NULL), 0);
	CHECK_INT(loop_run(), 0);
	CHECK_INT(timer_hits, 1);
	CHECK(loop_now() >= start + 20);
	loop_fini();
}

UNIT_SUITE(loop, UNIT_TEST(delete_during_dispatch_is_safe),
	UNIT_TEST(all_ready_are_dispatched_and_capacity_holds),
	UNIT_TEST(defer_runs_once_then_iteration_end), UNIT_TEST(timers_bound_the_poll));
