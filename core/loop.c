#include "core/loop.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

#define LOOP_TICK_MS 1000

static struct pollfd *pfds;
static struct loop_fd **watchers;
static unsigned n_fds;
static unsigned cap_fds;
static unsigned high_fds;
static bool dispatching;
static bool holes; /* watchers removed during dispatch, compacted after */
static bool stopping;
static uint64_t now_ms;
static uint64_t wall_s;
static bool wall_fixed; /* loop_wall_set() was called: tests own the clock */
static struct loop_defer *defer_head;
static struct loop_defer **defer_tail = &defer_head;
static void (*iteration_end)(void);
static void (*ticks[LOOP_TICK_MAX])(uint64_t);
static unsigned n_ticks;
static struct timer tick_timer;

static uint64_t clock_read(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void wall_read(void)
{
	if (!wall_fixed) {
		wall_s = (uint64_t)time(NULL);
	}
}

uint64_t loop_now(void)
{
	return now_ms;
}

uint64_t loop_wall(void)
{
	return wall_s;
}

void loop_wall_set(uint64_t s)
{
	wall_s = s;
	wall_fixed = true;
}

void loop_time_set(uint64_t ms)
{
	now_ms = ms;
}

int loop_init(unsigned max_fds, unsigned max_timers)
{
	pfds = calloc(max_fds, sizeof(*pfds));
	watchers = calloc(max_fds, sizeof(*watchers));
	if (!pfds || !watchers || timer_init(max_timers) < 0) {
		loop_fini();
		return -ENOMEM;
	}
	cap_fds = max_fds;
	n_fds = high_fds = 0;
	n_ticks = 0;
	stopping = false;
	now_ms = clock_read();
	wall_read();
	return 0;
}

void loop_fini(void)
{
	for (unsigned i = 0; i < n_fds; i++) {
		if (watchers[i]) {
			watchers[i]->slot = -1;
		}
	}
	free(pfds);
	free(watchers);
	pfds = NULL;
	watchers = NULL;
	n_fds = cap_fds = 0;
	defer_head = NULL;
	defer_tail = &defer_head;
	iteration_end = NULL;
	timer_fini();
}

static short to_poll(unsigned ev)
{
	return (short)(((ev & LOOP_IN) ? POLLIN : 0) | ((ev & LOOP_OUT) ? POLLOUT : 0));
}

int loop_fd_add(struct loop_fd *w, int fd, unsigned events, loop_fd_cb cb, void *arg)
{
	if (n_fds == cap_fds) {
		return -ENOSPC;
	}
	w->fd = fd;
	w->events = events;
	w->cb = cb;
	w->arg = arg;
	w->slot = (int)n_fds;
	watchers[n_fds] = w;
	pfds[n_fds] = (struct pollfd){ .fd = fd, .events = to_poll(events), .revents = 0 };
	n_fds++;
	if (n_fds > high_fds) {
		high_fds = n_fds;
	}
	return 0;
}

void loop_fd_set_events(struct loop_fd *w, unsigned events)
{
	w->events = events;
	if (w->slot >= 0) {
		pfds[w->slot].events = to_poll(events);
	}
}

static void move_slot(unsigned from, unsigned to)
{
	pfds[to] = pfds[from];
	watchers[to] = watchers[from];
	watchers[to]->slot = (int)to;
}

void loop_fd_del(struct loop_fd *w)
{
	unsigned i;

	if (w->slot < 0) {
		return;
	}
	i = (unsigned)w->slot;
	w->slot = -1;
	if (dispatching) {
		/* Keep the indexes stable while the dispatch walks them. */
		watchers[i] = NULL;
		pfds[i].fd = -1;
		pfds[i].revents = 0;
		holes = true;
		return;
	}
	if (i != n_fds - 1) {
		move_slot(n_fds - 1, i);
	}
	n_fds--;
}

static void compact(void)
{
	unsigned to = 0;

	for (unsigned from = 0; from < n_fds; from++) {
		if (watchers[from]) {
			if (from != to) {
				move_slot(from, to);
			}
			to++;
		}
	}
	n_fds = to;
	holes = false;
}

void loop_defer(struct loop_defer *d, loop_defer_cb cb, void *arg)
{
	if (d->queued) {
		return;
	}
	d->cb = cb;
	d->arg = arg;
	d->next = NULL;
	d->queued = true;
	*defer_tail = d;
	defer_tail = &d->next;
}

void loop_set_iteration_end(void (*fn)(void))
{
	iteration_end = fn;
}

static void tick(struct timer *t, void *arg)
{
	(void)arg;
	/* Re-armed first, relative to the previous deadline, so the tick does
	 * not drift with the time its handlers take. */
	timer_start_at(t, t->deadline + LOOP_TICK_MS, tick, NULL);
	for (unsigned i = 0; i < n_ticks; i++) {
		ticks[i](now_ms);
	}
}

int loop_tick_add(void (*fn)(uint64_t now_ms))
{
	if (n_ticks == LOOP_TICK_MAX) {
		return -ENOSPC;
	}
	ticks[n_ticks++] = fn;
	if (!timer_armed(&tick_timer)) {
		return timer_start(&tick_timer, LOOP_TICK_MS, tick, NULL);
	}
	return 0;
}

/* Work deferred while this runs waits for the next iteration, so an item
 * that re-queues itself cannot starve the poll. */
static void run_deferred(void)
{
	struct loop_defer *d = defer_head;

	defer_head = NULL;
	defer_tail = &defer_head;
	while (d) {
		struct loop_defer *next = d->next;
		d->queued = false;
		d->cb(d, d->arg);
		d = next;
	}
}

int loop_once(int max_wait_ms)
{
	int tmo;
	int n;
	unsigned polled;

	now_ms = clock_read();
	tmo = timer_next_timeout(now_ms);
	if (defer_head) {
		tmo = 0;
	}
	if (max_wait_ms >= 0 && (tmo < 0 || tmo > max_wait_ms)) {
		tmo = max_wait_ms;
	}
	polled = n_fds;
	n = poll(pfds, polled, tmo);
	if (n < 0 && errno != EINTR) {
		return -errno;
	}
	now_ms = clock_read();
	wall_read();
	if (n > 0) {
		dispatching = true;
		for (unsigned i = 0; i < polled; i++) {
			struct loop_fd *w = watchers[i];
			short re = pfds[i].revents;
			unsigned ev;

			if (!w || !re) {
				continue;
			}
			pfds[i].revents = 0;
			ev = ((re & POLLIN) ? LOOP_IN : 0) | ((re & POLLOUT) ? LOOP_OUT : 0) |
				((re & (POLLERR | POLLHUP | POLLNVAL)) ? LOOP_ERR : 0);
			w->cb(w, ev);
		}
		dispatching = false;
		if (holes) {
			compact();
		}
	}
	timer_run(now_ms);
	run_deferred();
	if (iteration_end) {
		iteration_end();
	}
	return 0;
}

int loop_run(void)
{
	stopping = false;
	while (!stopping) {
		int rc = loop_once(-1);
		if (rc < 0) {
			return rc;
		}
	}
	return 0;
}

void loop_stop(void)
{
	stopping = true;
}

void loop_fd_stats(struct pool_stats *out)
{
	out->name = "fds";
	out->used = n_fds;
	out->high = high_fds;
	out->cap = cap_fds;
}
