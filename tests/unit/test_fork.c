/* The forking engine in virtual time: the seed's Juliet scenario with a
 * ring plan and with q-values alone, best-response selection (RFC 3261
 * 16.7 step 6), 6xx, 2xx, the caller's CANCEL, Timer C and non-INVITE
 * forking. Each test checks the exact actions of each event. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sip/fork.h"
#include "tests/unit/unit.h"

static struct fork_out out;

/* The actions of the last event as text: "S0 S1", "C0 F1:180", "Z:407/1". */
static const char *acts(void)
{
	static char s[256];
	size_t n = 0;

	s[0] = '\0';
	for (unsigned i = 0; i < out.n && n < sizeof(s) - 16; i++) {
		const struct fork_action *a = &out.a[i];
		const char *sp = i ? " " : "";
		switch (a->act) {
		case FORK_START:
			n += (size_t)snprintf(s + n, sizeof(s) - n, "%sS%u", sp, a->branch);
			break;
		case FORK_CANCEL:
			n += (size_t)snprintf(s + n, sizeof(s) - n, "%sC%u", sp, a->branch);
			break;
		case FORK_FORWARD:
			n += (size_t)snprintf(
				s + n, sizeof(s) - n, "%sF%u:%u", sp, a->branch, a->status);
			break;
		case FORK_FINAL:
			if (a->branch == FORK_NO_BRANCH) {
				n += (size_t)snprintf(
					s + n, sizeof(s) - n, "%sZ:%u", sp, a->status);
			} else {
				n += (size_t)snprintf(s + n, sizeof(s) - n, "%sZ:%u/%u", sp,
					a->status, a->branch);
			}
			break;
		}
	}
	return s;
}

#define CHECK_ACTS(want)                                                                       \
	do {                                                                                   \
		const char *got_ = acts();                                                     \
		if (strcmp(got_, (want)) != 0) {                                               \
			char m_[320];                                                          \
			snprintf(m_, sizeof(m_), "actions \"%s\", want \"%s\"", got_, (want)); \
			unit_fail(__FILE__, __LINE__, m_);                                     \
		}                                                                              \
	} while (0)

static void group_by_q(void)
{
	/* Juliet's contacts in registration order: PDA 0.4, Nurse 0.1,
	 * balcony 0.9, chamber 1.0; and two without q, which count as 1.0. */
	const uint16_t q[] = { 400, 100, 900, 1000, 0xffff, 0xffff };
	uint8_t order[6], group[6];

	CHECK_INT(fork_group_by_q(q, 4, order, group), 4);
	CHECK_INT(order[0], 3);
	CHECK_INT(order[1], 2);
	CHECK_INT(order[2], 0);
	CHECK_INT(order[3], 1);
	CHECK_INT(group[0], 0);
	CHECK_INT(group[3], 3);
	/* Equal q ring together, in stable order. */
	CHECK_INT(fork_group_by_q(q, 6, order, group), 4);
	CHECK_INT(order[0], 3);
	CHECK_INT(order[1], 4);
	CHECK_INT(order[2], 5);
	CHECK_INT(group[0], 0);
	CHECK_INT(group[2], 0);
	CHECK_INT(group[3], 1);
	CHECK_INT(fork_group_by_q(q, 0, order, group), 0);
}

static void init_checks(void)
{
	struct fork f;
	const uint8_t ok[] = { 0, 0, 1 };
	const uint8_t gap[] = { 0, 2, 2 };
	const uint8_t down[] = { 0, 1, 0 };

	CHECK_INT(fork_init(&f, true, 3, ok, NULL, 2), 0);
	CHECK_INT(fork_init(&f, true, 3, gap, NULL, 3), -EINVAL);
	CHECK_INT(fork_init(&f, true, 3, down, NULL, 2), -EINVAL);
	CHECK_INT(fork_init(&f, true, 3, ok, NULL, 3), -EINVAL);
	CHECK_INT(fork_init(&f, true, 0, ok, NULL, 1), -EINVAL);
	CHECK_INT(fork_init(&f, true, FORK_MAX_BRANCHES + 1, ok, NULL, 1), -EINVAL);
}

/* The seed's proxy (draft-mahy-simple-why-session-mode section 3):
 * balcony (0) and chamber (1) ring together for 20 s and are cancelled,
 * then the PDA (2) answers 486, then the Nurse (3) answers. */
static void juliet_ring_plan(void)
{
	const uint8_t groups[] = { 0, 0, 1, 2 };
	const uint32_t ring[] = { 20000, 20000, 20000 };
	struct fork f;

	CHECK_INT(fork_init(&f, true, 4, groups, ring, 3), 0);
	fork_start(&f, 0, &out);
	CHECK_ACTS("S0 S1");
	CHECK_INT(fork_deadline(&f), 20000);
	fork_response(&f, 0, 100, 10, &out);
	CHECK_ACTS("");
	fork_response(&f, 0, 180, 20, &out);
	CHECK_ACTS("F0:180");
	fork_response(&f, 1, 180, 30, &out);
	CHECK_ACTS("F1:180");
	fork_timeout(&f, 19999, &out);
	CHECK_ACTS("");
	/* Ring time over: both cancelled, the PDA at once. */
	fork_timeout(&f, 20000, &out);
	CHECK_ACTS("C0 C1 S2");
	fork_response(&f, 0, 487, 20010, &out);
	CHECK_ACTS("");
	fork_response(&f, 2, 180, 20015, &out);
	CHECK_ACTS("F2:180");
	/* Busy: the Nurse next, with the chamber's 487 still to come. */
	fork_response(&f, 2, 486, 20020, &out);
	CHECK_ACTS("S3");
	fork_response(&f, 1, 487, 20030, &out);
	CHECK_ACTS("");
	fork_response(&f, 2, 486, 20040, &out); /* a retransmission */
	CHECK_ACTS("");
	fork_response(&f, 3, 180, 21000, &out);
	CHECK_ACTS("F3:180");
	CHECK(!fork_done(&f));
	/* The Nurse answers: the 200 goes up, nothing else to cancel. */
	fork_response(&f, 3, 200, 25000, &out);
	CHECK_ACTS("F3:200");
	CHECK(fork_done(&f));
	CHECK_INT(fork_deadline(&f), 0);
}

/* With q-values alone: chamber 1.0, balcony 0.9, PDA 0.4, Nurse 0.1, one
 * after the other, each for its ring time. */
static void juliet_q_values(void)
{
	const uint16_t q[] = { 900, 1000, 400, 100 }; /* balcony, chamber, PDA, Nurse */
	uint8_t order[4], groups[4];
	const uint32_t ring[] = { 20000, 20000, 20000, 20000 };
	struct fork f;

	CHECK_INT(fork_group_by_q(q, 4, order, groups), 4);
	CHECK_INT(order[0], 1); /* chamber */
	CHECK_INT(order[1], 0); /* balcony */
	CHECK_INT(fork_init(&f, true, 4, groups, ring, 4), 0);
	fork_start(&f, 0, &out);
	CHECK_ACTS("S0");
	fork_response(&f, 0, 180, 5, &out);
	CHECK_ACTS("F0:180");
	fork_timeout(&f, 20000, &out);
	CHECK_ACTS("C0 S1");
	CHECK_INT(fork_deadline(&f), 40000);
	fork_response(&f, 0, 487, 20005, &out);
	CHECK_ACTS("");
	fork_timeout(&f, 40000, &out);
	CHECK_ACTS("C1 S2");
	/* The balcony has not answered its CANCEL yet: that does not hold
	 * the Nurse back once the PDA's group is over. */
	fork_response(&f, 2, 486, 40010, &out);
	CHECK_ACTS("S3");
	fork_response(&f, 1, 487, 40020, &out);
	CHECK_ACTS("");
	fork_response(&f, 3, 200, 41000, &out);
	CHECK_ACTS("F3:200");
	CHECK(fork_done(&f));
}

struct best_case {
	uint16_t codes[4];
	unsigned n;
	const char *want;
};

/* 16.7 step 6, each case one group of n branches answering in order. */
static void best_response(void)
{
	static const struct best_case cases[] = {
		{ { 503, 407, 501, 404 }, 4, "Z:407/1" }, /* the RFC's example */
		{ { 503 }, 1, "Z:500/0" },
		{ { 404, 503 }, 2, "Z:404/0" },
		{ { 486, 603 }, 2, "Z:603/1" },
		{ { 302, 404, 500 }, 3, "Z:302/0" },
		{ { 480, 404 }, 2, "Z:480/0" },
		{ { 480, 484 }, 2, "Z:484/1" },
		{ { 500, 415 }, 2, "Z:415/1" },
		{ { 408, 408 }, 2, "Z:408/0" },
		{ { 487, 486 }, 2, "Z:486/1" }, /* our own 487 says nothing */
		{ { 487, 487 }, 2, "Z:487/0" },
		{ { 487, 500 }, 2, "Z:487/0" },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct best_case *t = &cases[c];
		uint8_t groups[4] = { 0 };
		struct fork f;
		CHECK_INT(fork_init(&f, false, t->n, groups, NULL, 1), 0);
		fork_start(&f, 0, &out);
		for (unsigned i = 0; i < t->n; i++) {
			fork_response(&f, i, t->codes[i], 10 * i, &out);
			if (i + 1 < t->n) {
				CHECK_ACTS("");
			}
		}
		if (strcmp(acts(), t->want) != 0) {
			char m[128];
			snprintf(m, sizeof(m), "case %zu: \"%s\", want \"%s\"", c, acts(), t->want);
			unit_fail(__FILE__, __LINE__, m);
		}
		CHECK(fork_done(&f));
	}
}

static void challenges_merged(void)
{
	const uint8_t groups[] = { 0, 0, 0 };
	struct fork f;

	CHECK_INT(fork_init(&f, true, 3, groups, NULL, 1), 0);
	fork_start(&f, 0, &out);
	fork_response(&f, 0, 401, 1, &out);
	fork_response(&f, 1, 404, 2, &out);
	fork_response(&f, 2, 407, 3, &out);
	CHECK_ACTS("Z:401/0");
	CHECK_INT(out.a[0].auth_mask, 0x5);
}

/* A 6xx stops the search: the rest is cancelled, no later group starts,
 * and the 6xx is the answer once the branches ended. */
static void decline_stops(void)
{
	const uint8_t groups[] = { 0, 0, 1 };
	struct fork f;

	CHECK_INT(fork_init(&f, true, 3, groups, NULL, 2), 0);
	fork_start(&f, 0, &out);
	CHECK_ACTS("S0 S1");
	fork_response(&f, 1, 180, 1, &out);
	fork_response(&f, 0, 603, 2, &out);
	CHECK_ACTS("C1");
	fork_response(&f, 1, 487, 3, &out);
	CHECK_ACTS("Z:603/0");
	CHECK_INT(f.b[2].state, FORK_B_SKIPPED);
	CHECK(fork_done(&f));
}

/* 16.7 step 5 and 10: every 2xx of a forked INVITE goes up; the first
 * cancels the others. */
static void two_answers(void)
{
	const uint8_t groups[] = { 0, 0, 0 };
	struct fork f;

	CHECK_INT(fork_init(&f, true, 3, groups, NULL, 1), 0);
	fork_start(&f, 0, &out);
	fork_response(&f, 0, 180, 1, &out);
	fork_response(&f, 1, 180, 1, &out);
	fork_response(&f, 1, 200, 2, &out);
	CHECK_ACTS("F1:200 C0 C2");
	fork_response(&f, 0, 200, 3, &out);
	CHECK_ACTS("F0:200");
	fork_response(&f, 0, 200, 4, &out); /* retransmitted 2xx: still up */
	CHECK_ACTS("F0:200");
	fork_response(&f, 2, 487, 5, &out);
	CHECK_ACTS("");
	CHECK(fork_done(&f));
	/* No provisional goes up after the final. */
	fork_response(&f, 2, 180, 6, &out);
	CHECK_ACTS("");
}

/* RFC 3841 9.1 no-cancel: the first 2xx goes up, the others ring on. */
static void no_cancel(void)
{
	const uint8_t groups[] = { 0, 0 };
	struct fork f;

	CHECK_INT(fork_init(&f, true, 2, groups, NULL, 1), 0);
	fork_set_no_cancel(&f);
	fork_start(&f, 0, &out);
	fork_response(&f, 0, 200, 1, &out);
	CHECK_ACTS("F0:200");
	CHECK(!fork_done(&f));
	fork_response(&f, 1, 200, 2, &out);
	CHECK_ACTS("F1:200");
	CHECK(fork_done(&f));
}

static void caller_cancel(void)
{
	const uint8_t groups[] = { 0, 0, 1 };
	struct fork f;

	CHECK_INT(fork_init(&f, true, 3, groups, NULL, 2), 0);
	fork_start(&f, 0, &out);
	fork_response(&f, 0, 180, 1, &out);
	fork_cancel(&f, 2, &out);
	CHECK_ACTS("C0 C1");
	fork_response(&f, 0, 487, 3, &out);
	CHECK_ACTS("");
	fork_response(&f, 1, 487, 4, &out);
	CHECK_ACTS("Z:487/0");
	CHECK_INT(f.b[2].state, FORK_B_SKIPPED);
	/* After the final, a CANCEL changes nothing. */
	fork_cancel(&f, 5, &out);
	CHECK_ACTS("");
}

/* 16.6 step 11: Timer C; 9.1: a cancelled branch that never answers. */
static void timer_c(void)
{
	const uint8_t groups[] = { 0, 0 };
	struct fork f;

	CHECK_INT(fork_init(&f, true, 2, groups, NULL, 1), 0);
	fork_start(&f, 0, &out);
	CHECK_INT(fork_deadline(&f), FORK_TIMER_C_MS);
	fork_response(&f, 0, 180, 1000, &out);
	CHECK_INT(fork_deadline(&f), FORK_TIMER_C_MS); /* branch 1 first */
	/* Branch 1 never answered at all: a 408. Branch 0 rings on. */
	fork_timeout(&f, FORK_TIMER_C_MS, &out);
	CHECK_ACTS("");
	CHECK_INT(f.b[1].status, 408);
	CHECK_INT(fork_deadline(&f), 1000 + FORK_TIMER_C_MS);
	/* A provisional resets it; without one it is cancelled. */
	fork_response(&f, 0, 183, 2000, &out);
	fork_timeout(&f, 1000 + FORK_TIMER_C_MS, &out);
	CHECK_ACTS("");
	fork_timeout(&f, 2000 + FORK_TIMER_C_MS, &out);
	CHECK_ACTS("C0");
	/* And when the CANCEL gets no answer either, it counts as 487. */
	CHECK_INT(fork_deadline(&f), 2000 + FORK_TIMER_C_MS + FORK_CANCEL_WAIT_MS);
	fork_timeout(&f, 2000 + FORK_TIMER_C_MS + FORK_CANCEL_WAIT_MS, &out);
	CHECK_ACTS("Z:408/1");
	CHECK(fork_done(&f));
}

/* MESSAGE to two devices: in parallel, nothing cancelled, the first 2xx
 * is the answer and the later one is absorbed; no ring time applies. */
static void non_invite(void)
{
	const uint8_t groups[] = { 0, 0, 1 };
	const uint32_t ring[] = { 1000, 1000 };
	struct fork f;

	CHECK_INT(fork_init(&f, false, 3, groups, ring, 2), 0);
	fork_start(&f, 0, &out);
	CHECK_ACTS("S0 S1");
	CHECK_INT(fork_deadline(&f), 0);
	fork_response(&f, 1, 200, 5, &out);
	CHECK_ACTS("F1:200");
	fork_response(&f, 0, 202, 6, &out);
	CHECK_ACTS("");
	CHECK(fork_done(&f));
	CHECK_INT(f.b[2].state, FORK_B_SKIPPED);
	/* Every device failing moves on to the next group. */
	CHECK_INT(fork_init(&f, false, 3, groups, ring, 2), 0);
	fork_start(&f, 0, &out);
	fork_response(&f, 0, 408, 5, &out);
	CHECK_ACTS("");
	fork_response(&f, 1, 480, 6, &out);
	CHECK_ACTS("S2");
	fork_response(&f, 2, 480, 7, &out);
	CHECK_ACTS("Z:408/0");
}

UNIT_SUITE(fork, UNIT_TEST(group_by_q), UNIT_TEST(init_checks), UNIT_TEST(juliet_ring_plan),
	UNIT_TEST(juliet_q_values), UNIT_TEST(best_response), UNIT_TEST(challenges_merged),
	UNIT_TEST(decline_stops), UNIT_TEST(two_answers), UNIT_TEST(no_cancel),
	UNIT_TEST(caller_cancel), UNIT_TEST(timer_c), UNIT_TEST(non_invite));
