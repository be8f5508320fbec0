/* The poll loop. One thread (the loop thread) owns it and all protocol
 * state; every function here is for that thread only.
 *
 * An iteration: read the clock, poll until the first timer deadline, read
 * the clock again, dispatch ready descriptors, run due timers, run deferred
 * work, then the iteration-end hook (the store's group commit). The clock
 * is read once per iteration (loop_now()), never in between.
 *
 * Watchers are embedded in their owners. Removing any watcher (including
 * the one being dispatched) from inside a callback is safe: it will not be
 * called again, and the owner may be freed once loop_fd_del returns. */
#ifndef CORE_LOOP_H
#define CORE_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/pool.h"
#include "core/timer.h"

enum {
	LOOP_IN = 1,
	LOOP_OUT = 2,
	LOOP_ERR = 4, /* error or hang-up: always reported */
};

struct loop_fd;
typedef void (*loop_fd_cb)(struct loop_fd *w, unsigned events);

struct loop_fd {
	int fd;
	unsigned events;
	loop_fd_cb cb;
	void *arg;
	int slot; /* -1 when not added */
};

struct loop_defer;
typedef void (*loop_defer_cb)(struct loop_defer *d, void *arg);
struct loop_defer {
	struct loop_defer *next;
	loop_defer_cb cb;
	void *arg;
	bool queued;
};

/* Fixed capacities (fds: CONFIG_MAX_FDS, timers: CONFIG_MAX_TIMERS) are
 * allocated here; -ENOMEM on failure. */
int loop_init(unsigned max_fds, unsigned max_timers);
void loop_fini(void);
/* -ENOSPC when max_fds watchers are in use. */
int loop_fd_add(struct loop_fd *w, int fd, unsigned events, loop_fd_cb cb, void *arg);
void loop_fd_set_events(struct loop_fd *w, unsigned events);
void loop_fd_del(struct loop_fd *w);
/* Runs cb once after this iteration's timers; queuing a queued item is a
 * no-op. Work deferred by deferred work runs in the next iteration (which
 * then does not wait in poll). */
void loop_defer(struct loop_defer *d, loop_defer_cb cb, void *arg);
/* Called at the end of every iteration, after deferred work. */
void loop_set_iteration_end(void (*fn)(void));
/* Adds fn to the 1 s housekeeping tick (fixed table of LOOP_TICK_MAX). */
#define LOOP_TICK_MAX 16
int loop_tick_add(void (*fn)(uint64_t now_ms));
/* Monotonic milliseconds, read at the start of the current iteration. */
uint64_t loop_now(void);
/* UNIX seconds, read with loop_now() after poll: for what must mean the
 * same after a restart (registration and subscription ends, nonces). */
uint64_t loop_wall(void);
/* Tests only: fixes loop_wall() at s from now on. */
void loop_wall_set(uint64_t s);
/* Tests only: sets the clock that loop_now() returns, for driving timers
 * in virtual time with timer_run(). loop_once() reads the real clock. */
void loop_time_set(uint64_t ms);
/* Runs iterations until loop_stop(); returns 0, or -errno if poll failed. */
int loop_run(void);
/* One iteration, waiting at most max_wait_ms (-1 = until an event). */
int loop_once(int max_wait_ms);
void loop_stop(void);
void loop_fd_stats(struct pool_stats *out);

#endif
