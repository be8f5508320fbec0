/* Timers: a fixed-capacity binary min-heap of handles embedded in their
 * owners. Start and stop are O(log n); equal deadlines fire in the order
 * they were started. Loop thread only. Times are milliseconds on the loop's
 * monotonic clock (loop_now()).
 *
 * Long expiries (registrations, subscriptions, publications) don't take a
 * timer each: they are swept by the loop's 1 s housekeeping tick. */
#ifndef CORE_TIMER_H
#define CORE_TIMER_H

#include <stddef.h>
#include <stdint.h>

#include "core/pool.h"

struct timer;
typedef void (*timer_cb)(struct timer *t, void *arg);

/* Embed in the owner; zero-initialised means "not armed". The fields are
 * the timer module's. */
struct timer {
	uint64_t deadline;
	uint64_t seq;
	timer_cb cb;
	void *arg;
	size_t slot; /* heap index + 1, 0 when not armed */
};

/* Allocates the heap for cap timers; -ENOMEM on failure. */
int timer_init(size_t cap);
void timer_fini(void);
/* Arms (or re-arms) t to fire at the absolute time deadline_ms. -ENOSPC
 * when the heap is full: t is then left unarmed and the caller refuses the
 * operation that needed it. */
int timer_start_at(struct timer *t, uint64_t deadline_ms, timer_cb cb, void *arg);
/* Same, delay_ms after loop_now(). */
int timer_start(struct timer *t, uint64_t delay_ms, timer_cb cb, void *arg);
/* Disarms t; a no-op when it is not armed. Safe from inside any callback. */
void timer_stop(struct timer *t);
static inline int timer_armed(const struct timer *t)
{
	return t->slot != 0;
}
/* Milliseconds from now to the first deadline (0 if overdue), or -1 when
 * no timer is armed: the poll timeout. */
int timer_next_timeout(uint64_t now_ms);
/* Fires every timer whose deadline is <= now_ms, earliest first. A timer
 * started by a callback for a time <= now_ms fires in the same call.
 * Returns the number fired. */
unsigned timer_run(uint64_t now_ms);
void timer_stats(struct pool_stats *out);

#endif
