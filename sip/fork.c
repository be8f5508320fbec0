#include "sip/fork.h"

#include <errno.h>
#include <string.h>

static void emit(struct fork_out *out, enum fork_act act, unsigned branch, unsigned status,
	uint32_t auth_mask)
{
	/* Each branch starts, is cancelled and forwards a final at most once,
	 * plus one final answer: the array holds every event's actions. */
	if (out->n < sizeof(out->a) / sizeof(out->a[0])) {
		out->a[out->n++] =
			(struct fork_action){ act, (uint8_t)branch, (uint16_t)status, auth_mask };
	}
}

static bool pending(const struct fork_branch *b)
{
	return b->state == FORK_B_CALLING || b->state == FORK_B_PROCEEDING;
}

static bool ended(const struct fork_branch *b)
{
	return b->state == FORK_B_DONE || b->state == FORK_B_SKIPPED;
}

unsigned fork_group_by_q(const uint16_t *q, unsigned n, uint8_t *order, uint8_t *group_of)
{
	unsigned groups = 0;

	for (unsigned i = 0; i < n; i++) {
		order[i] = (uint8_t)i;
	}
	/* Insertion sort, stable, by q descending (n is a handful). */
	for (unsigned i = 1; i < n; i++) {
		uint8_t t = order[i];
		unsigned qt = q[t] == 0xffff ? 1000 : q[t];
		unsigned j = i;
		while (j > 0 && (q[order[j - 1]] == 0xffff ? 1000u : q[order[j - 1]]) < qt) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = t;
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned qi = q[order[i]] == 0xffff ? 1000 : q[order[i]];
		unsigned qp = i ? (q[order[i - 1]] == 0xffff ? 1000u : q[order[i - 1]]) : 0;
		if (i > 0 && qi != qp) {
			groups++;
		}
		group_of[i] = (uint8_t)groups;
	}
	return n ? groups + 1 : 0;
}

int fork_init(struct fork *f, bool invite, unsigned n, const uint8_t *group_of,
	const uint32_t *ring_ms, unsigned n_groups)
{
	if (n == 0 || n > FORK_MAX_BRANCHES || n_groups == 0 || n_groups > n || group_of[0] != 0 ||
		group_of[n - 1] != n_groups - 1) {
		return -EINVAL;
	}
	for (unsigned i = 1; i < n; i++) {
		if (group_of[i] != group_of[i - 1] && group_of[i] != group_of[i - 1] + 1) {
			return -EINVAL;
		}
	}
	memset(f, 0, sizeof(*f));
	f->invite = invite;
	f->n = (uint8_t)n;
	f->n_groups = (uint8_t)n_groups;
	for (unsigned i = 0; i < n; i++) {
		f->b[i].group = group_of[i];
	}
	for (unsigned g = 0; g < n_groups; g++) {
		f->ring_ms[g] = ring_ms ? ring_ms[g] : 0;
	}
	return 0;
}

static void group_start(struct fork *f, unsigned g, uint64_t now, struct fork_out *out)
{
	f->group = (uint8_t)g;
	f->group_end = f->invite && f->ring_ms[g] ? now + f->ring_ms[g] : 0;
	f->group_timed_out = false;
	for (unsigned i = 0; i < f->n; i++) {
		if (f->b[i].group == g) {
			f->b[i].state = FORK_B_CALLING;
			f->b[i].timer_c = f->invite ? now + FORK_TIMER_C_MS : 0;
			emit(out, FORK_START, i, 0, 0);
		}
	}
}

void fork_set_no_cancel(struct fork *f)
{
	f->no_cancel = true;
}

void fork_start(struct fork *f, uint64_t now_ms, struct fork_out *out)
{
	out->n = 0;
	group_start(f, 0, now_ms, out);
}

/* 16.10 and 16.7 step 10: CANCEL for every pending INVITE branch (a
 * non-INVITE one cannot be cancelled: it runs to its end). */
static void cancel_pending(struct fork *f, bool only_group, uint64_t now, struct fork_out *out)
{
	for (unsigned i = 0; i < f->n; i++) {
		struct fork_branch *b = &f->b[i];
		if (pending(b) && f->invite && (!only_group || b->group == f->group)) {
			b->state = FORK_B_CANCELLING;
			b->timer_c = now + FORK_CANCEL_WAIT_MS;
			emit(out, FORK_CANCEL, i, 0, 0);
		}
	}
}

/* 16.7 step 6. */
static unsigned best(const struct fork *f, unsigned *branch, uint32_t *auth_mask)
{
	static const uint16_t preferred[] = { 401, 407, 415, 420, 484 };
	unsigned pick = FORK_NO_BRANCH;
	unsigned status = 0;

	*auth_mask = 0;
	/* The first branch (the highest priority) of the chosen class, but a
	 * 487 only when nothing else is there: it says that we cancelled the
	 * branch, which tells the caller nothing (unless the caller did). */
	for (unsigned i = 0; i < f->n; i++) {
		unsigned s = f->b[i].status;
		if (f->b[i].state != FORK_B_DONE || s < 300) {
			continue;
		}
		if (pick == FORK_NO_BRANCH || (s >= 600 && status < 600) ||
			(status < 600 && s / 100 < status / 100) ||
			(status == 487 && s != 487 && s / 100 == 4)) {
			pick = i;
			status = s;
		}
	}
	if (pick == FORK_NO_BRANCH) {
		*branch = FORK_NO_BRANCH;
		return 408;
	}
	if (status / 100 == 4) {
		for (size_t k = 0; k < sizeof(preferred) / sizeof(preferred[0]); k++) {
			for (unsigned i = 0; i < f->n; i++) {
				if (f->b[i].state == FORK_B_DONE &&
					f->b[i].status == preferred[k]) {
					pick = i;
					status = preferred[k];
					goto chosen;
				}
			}
		}
	}
chosen:
	/* 16.7 step 7: every 401/407 challenge goes up in one response. */
	if (status == 401 || status == 407) {
		for (unsigned i = 0; i < f->n; i++) {
			unsigned s = f->b[i].status;
			if (f->b[i].state == FORK_B_DONE && (s == 401 || s == 407)) {
				*auth_mask |= 1u << i;
			}
		}
	}
	*branch = pick;
	return status == 503 ? 500 : status;
}

/* After a branch ended or a group ran out of time: the next group, or the
 * final answer once every started branch has ended. */
static void advance(struct fork *f, uint64_t now, struct fork_out *out)
{
	bool all_final = true;
	bool none_pending = true;
	bool group_over;
	bool all_ended = true;

	for (unsigned i = 0; i < f->n; i++) {
		if (f->b[i].group != f->group) {
			continue;
		}
		all_final = all_final && ended(&f->b[i]);
		none_pending = none_pending && !pending(&f->b[i]);
	}
	/* Over when every branch answered, or when its ring time ran out
	 * (fork_timeout cancelled what was still ringing). */
	group_over = all_final || (f->group_timed_out && none_pending);
	if (group_over && !f->stopped && f->group + 1u < f->n_groups) {
		group_start(f, f->group + 1u, now, out);
		return;
	}
	if (!group_over && !f->stopped) {
		return;
	}
	for (unsigned i = 0; i < f->n; i++) {
		if (f->b[i].state == FORK_B_WAITING) {
			f->b[i].state = FORK_B_SKIPPED;
		}
		if (!ended(&f->b[i])) {
			all_ended = false;
		}
	}
	if (all_ended && !f->final_sent) {
		unsigned branch;
		uint32_t mask;
		unsigned status = best(f, &branch, &mask);
		f->final_sent = true;
		f->group_end = 0;
		emit(out, FORK_FINAL, branch, status, mask);
	}
}

void fork_response(
	struct fork *f, unsigned branch, unsigned status, uint64_t now_ms, struct fork_out *out)
{
	struct fork_branch *b;

	out->n = 0;
	if (branch >= f->n) {
		return;
	}
	b = &f->b[branch];
	if (status < 200) {
		if (!pending(b)) {
			return;
		}
		b->state = FORK_B_PROCEEDING;
		if (status > 100) {
			if (f->invite) {
				b->timer_c = now_ms + FORK_TIMER_C_MS; /* 16.7 step 2 */
			}
			if (!f->final_sent) {
				emit(out, FORK_FORWARD, branch, status, 0);
			}
		}
		return;
	}
	if (ended(b)) {
		/* 16.7 step 5: a later 2xx of a forked INVITE still goes up. */
		if (b->state == FORK_B_DONE && status < 300 && f->invite) {
			emit(out, FORK_FORWARD, branch, status, 0);
		}
		return;
	}
	if (b->state == FORK_B_WAITING) {
		return;
	}
	b->state = FORK_B_DONE;
	b->status = (uint16_t)status;
	b->timer_c = 0;
	if (status < 300) {
		if (f->invite || !f->final_sent) {
			emit(out, FORK_FORWARD, branch, status, 0);
		}
		f->final_sent = true;
		f->stopped = true;
		f->group_end = 0;
		if (!f->no_cancel) {
			cancel_pending(f, false, now_ms, out);
		}
	} else if (status >= 600) {
		f->stopped = true;
		f->group_end = 0;
		cancel_pending(f, false, now_ms, out);
	}
	advance(f, now_ms, out);
}

void fork_timeout(struct fork *f, uint64_t now_ms, struct fork_out *out)
{
	out->n = 0;
	for (unsigned i = 0; i < f->n; i++) {
		struct fork_branch *b = &f->b[i];
		if (!b->timer_c || now_ms < b->timer_c) {
			continue;
		}
		b->timer_c = 0;
		if (b->state == FORK_B_PROCEEDING) {
			b->state = FORK_B_CANCELLING;
			b->timer_c = now_ms + FORK_CANCEL_WAIT_MS;
			emit(out, FORK_CANCEL, i, 0, 0);
		} else if (b->state == FORK_B_CALLING) {
			b->state = FORK_B_DONE;
			b->status = 408;
		} else if (b->state == FORK_B_CANCELLING) {
			/* RFC 3261 9.1: no final 64*T1 after the CANCEL: the
			 * branch counts as cancelled. */
			b->state = FORK_B_DONE;
			b->status = 487;
		}
	}
	if (f->group_end && now_ms >= f->group_end && !f->stopped) {
		f->group_end = 0;
		f->group_timed_out = true;
		cancel_pending(f, true, now_ms, out);
	}
	advance(f, now_ms, out);
}

void fork_cancel(struct fork *f, uint64_t now_ms, struct fork_out *out)
{
	out->n = 0;
	if (f->final_sent) {
		return;
	}
	f->stopped = true;
	f->group_end = 0;
	cancel_pending(f, false, now_ms, out);
	advance(f, now_ms, out);
}

uint64_t fork_deadline(const struct fork *f)
{
	uint64_t d = f->stopped ? 0 : f->group_end;

	for (unsigned i = 0; i < f->n; i++) {
		if (f->b[i].timer_c && (!d || f->b[i].timer_c < d)) {
			d = f->b[i].timer_c;
		}
	}
	return d;
}

bool fork_done(const struct fork *f)
{
	for (unsigned i = 0; i < f->n; i++) {
		if (!ended(&f->b[i])) {
			return false;
		}
	}
	return f->final_sent;
}
