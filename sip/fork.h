/* The forking engine of the proxy (RFC 3261 16.6 and 16.7): one request's
 * target set, tried group by group (the q-values of RFC 3261 16.6 step 1,
 * or a user's ring plan), the branches of a group in parallel, with the
 * best-response selection of 16.7 step 6.
 *
 * A pure state machine: no I/O, no clock, no allocation. The proxy gives it
 * events (a response on a branch, the time, the caller's CANCEL) and gets
 * actions back (start a branch, cancel one, forward a response upstream,
 * send the final response); it owns the transactions, the messages and the
 * one timer it arms at fork_deadline(). Loop thread only (no globals).
 *
 * Rules, with their sections:
 * - 16.7 step 5: a provisional other than 100 and every 2xx go upstream at
 *   once (for INVITE every 2xx, even after the first); a 2xx ends the
 *   search and cancels the pending INVITE branches (16.7 step 10).
 * - a 6xx is not forwarded at once: it ends the search, cancels the
 *   pending branches, and is the answer once every branch has ended.
 * - a group ends when each of its branches has a final response, or, for
 *   INVITE, when its ring time runs out: its pending branches are then
 *   cancelled and the next group starts at once.
 * - 16.6 step 11, Timer C: an INVITE branch that has not had a provisional
 *   response for FORK_TIMER_C_MS is cancelled if it had one, else counts
 *   as a 408. A cancelled branch that gives no final response within
 *   FORK_CANCEL_WAIT_MS counts as a 487 (9.1).
 * - 16.7 step 6: with every branch ended and nothing final forwarded, the
 *   best response goes up: a 6xx if any, else one of the lowest class,
 *   preferring 401, 407, 415, 420 and 484 among 4xx; a 503 goes up as 500;
 *   no response at all is a 408. The 401/407 responses to merge (16.7
 *   step 7) are named in the action.
 * - the caller's CANCEL (16.10) cancels every pending branch and stops the
 *   search; the branches' 487s make the final response. */
#ifndef SIP_FORK_H
#define SIP_FORK_H

#include <stdbool.h>
#include <stdint.h>

/* Branches of one request: a user's devices plus a ring plan's last
 * group. RAM: about 24 bytes each in every forking proxy context. */
#define FORK_MAX_BRANCHES 16
/* RFC 3261 16.6 step 11: more than 3 minutes. */
#define FORK_TIMER_C_MS (181 * 1000)
/* RFC 3261 9.1: how long a cancelled branch may take to answer (64*T1
 * at the default T1). */
#define FORK_CANCEL_WAIT_MS (64 * 500)
#define FORK_NO_BRANCH 0xff

enum fork_act {
	FORK_START, /* send the request on branch */
	FORK_CANCEL, /* send CANCEL on branch (INVITE only) */
	FORK_FORWARD, /* forward branch's response (status) upstream */
	FORK_FINAL, /* answer upstream: status from branch (FORK_NO_BRANCH: make it) */
};

struct fork_action {
	enum fork_act act;
	uint8_t branch;
	uint16_t status; /* FORWARD, FINAL: what goes upstream (a 503 turned 500) */
	uint32_t auth_mask; /* FINAL 401/407: the branches whose challenges to merge */
};

struct fork_out {
	unsigned n;
	struct fork_action a[2 * FORK_MAX_BRANCHES + 1];
};

enum fork_branch_state {
	FORK_B_WAITING, /* its group has not started */
	FORK_B_CALLING, /* request sent, nothing back */
	FORK_B_PROCEEDING, /* a provisional came */
	FORK_B_CANCELLING, /* CANCEL sent, its final not yet here */
	FORK_B_DONE, /* a final response came (or counts as come) */
	FORK_B_SKIPPED, /* its group never started */
};

/* Caller-embedded; callers read, never write, the fields. */
struct fork_branch {
	uint8_t state;
	uint8_t group;
	uint16_t status; /* its final response, 0 before */
	uint64_t timer_c; /* ms; 0 when not running */
};

struct fork {
	bool invite;
	bool final_sent; /* a 2xx or the final answer went upstream */
	bool stopped; /* no new group: a 2xx, a 6xx or the caller's CANCEL */
	bool no_cancel; /* RFC 3841 9.1 no-cancel: a 2xx leaves the rest ringing */
	uint8_t n;
	uint8_t n_groups;
	uint8_t group; /* the group ringing now */
	uint64_t group_end; /* ms when its ring time runs out; 0: none */
	bool group_timed_out; /* its ring time ran out, its branches cancelled */
	uint32_t ring_ms[FORK_MAX_BRANCHES]; /* per group; 0: no limit */
	struct fork_branch b[FORK_MAX_BRANCHES];
};

/* Targets sorted by q, highest first, into groups of equal q (RFC 3261
 * 16.6: "q-value ... highest first", equal q in parallel). q in
 * thousandths; 0xffff (none) counts as 1.0 (RFC 3261 20.10 leaves it to
 * us; a contact without a preference rings first). order gets the target
 * indices in ringing order, group_of[i] the group of order[i]. Returns the
 * number of groups. n <= FORK_MAX_BRANCHES. Stable for equal q. */
unsigned fork_group_by_q(const uint16_t *q, unsigned n, uint8_t *order, uint8_t *group_of);

/* Sets up f for n branches (1..FORK_MAX_BRANCHES); group_of[i] is branch
 * i's group, non-decreasing from 0 up to n_groups - 1 with none empty;
 * ring_ms[g] the ring time of group g (INVITE only; 0: until every branch
 * ended). -EINVAL for anything else. */
int fork_init(struct fork *f, bool invite, unsigned n, const uint8_t *group_of,
	const uint32_t *ring_ms, unsigned n_groups);
/* RFC 3841 9.1 "no-cancel": a 2xx does not cancel the other branches
 * (they ring on to their own end); call before fork_start. */
void fork_set_no_cancel(struct fork *f);
/* Starts group 0. */
void fork_start(struct fork *f, uint64_t now_ms, struct fork_out *out);
/* A response on branch (a branch whose transaction failed or timed out
 * reports 408, 8.1.3.1). Responses on an ended branch are ignored, except
 * more 2xx to an INVITE, which are forwarded. */
void fork_response(
	struct fork *f, unsigned branch, unsigned status, uint64_t now_ms, struct fork_out *out);
/* The time came (at or after fork_deadline()). */
void fork_timeout(struct fork *f, uint64_t now_ms, struct fork_out *out);
/* The caller cancelled (16.10). */
void fork_cancel(struct fork *f, uint64_t now_ms, struct fork_out *out);
/* When fork_timeout() is next needed (ms), or 0. */
uint64_t fork_deadline(const struct fork *f);
/* Every branch has ended and the final answer went upstream. */
bool fork_done(const struct fork *f);

#endif
