#include "core/timer.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "core/loop.h"

static struct timer **heap;
static size_t heap_len;
static size_t heap_cap;
static size_t heap_high;
static uint64_t timer_seq;

int timer_init(size_t cap)
{
	heap = calloc(cap, sizeof(*heap));
	if (!heap) {
		return -ENOMEM;
	}
	heap_cap = cap;
	heap_len = 0;
	heap_high = 0;
	return 0;
}

void timer_fini(void)
{
	for (size_t i = 0; i < heap_len; i++) {
		heap[i]->slot = 0;
	}
	free(heap);
	heap = NULL;
	heap_len = heap_cap = 0;
}

static int before(const struct timer *a, const struct timer *b)
{
	return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void place(size_t i, struct timer *t)
{
	heap[i] = t;
	t->slot = i + 1;
}

static void sift_up(size_t i)
{
	struct timer *t = heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!before(t, heap[parent])) {
			break;
		}
		place(i, heap[parent]);
		i = parent;
	}
	place(i, t);
}

static void sift_down(size_t i)
{
	struct timer *t = heap[i];

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= heap_len) {
			break;
		}
		if (c + 1 < heap_len && before(heap[c + 1], heap[c])) {
			c++;
		}
		if (!before(heap[c], t)) {
			break;
		}
		place(i, heap[c]);
		i = c;
	}
	place(i, t);
}

void timer_stop(struct timer *t)
{
	size_t i;
	struct timer *last;

	if (!t->slot) {
		return;
	}
	i = t->slot - 1;
	t->slot = 0;
	last = heap[--heap_len];
	if (last == t) {
		return;
	}
	heap[i] = last;
	last->slot = i + 1;
	if (i > 0 && before(last, heap[(i - 1) / 2])) {
		sift_up(i);
	} else {
		sift_down(i);
	}
}

int timer_start_at(struct timer *t, uint64_t deadline_ms, timer_cb cb, void *arg)
{
	timer_stop(t);
	if (heap_len == heap_cap) {
		return -ENOSPC;
	}
	t->deadline = deadline_ms;
	t->seq = ++timer_seq;
	t->cb = cb;
	t->arg = arg;
	heap[heap_len] = t;
	t->slot = ++heap_len;
	if (heap_len > heap_high) {
		heap_high = heap_len;
	}
	sift_up(heap_len - 1);
	return 0;
}

int timer_start(struct timer *t, uint64_t delay_ms, timer_cb cb, void *arg)
{
	return timer_start_at(t, loop_now() + delay_ms, cb, arg);
}

int timer_next_timeout(uint64_t now_ms)
{
	uint64_t d;

	if (heap_len == 0) {
		return -1;
	}
	if (heap[0]->deadline <= now_ms) {
		return 0;
	}
	d = heap[0]->deadline - now_ms;
	return d > INT_MAX ? INT_MAX : (int)d;
}

unsigned timer_run(uint64_t now_ms)
{
	unsigned fired = 0;

	while (heap_len && heap[0]->deadline <= now_ms) {
		struct timer *t = heap[0];
		timer_stop(t);
		t->cb(t, t->arg);
		fired++;
	}
	return fired;
}

void timer_stats(struct pool_stats *out)
{
	out->name = "timers";
	out->used = heap_len;
	out->high = heap_high;
	out->cap = heap_cap;
}
