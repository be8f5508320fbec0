/* Server transactions in virtual time over a capturing transport: the
 * timer sequences of RFC 3261 17.2.1 and 17.2.2, retransmission
 * absorption, ACK matching, and the pool limit. */
#include <errno.h>
#include <string.h>

#include "core/loop.h"
#include "sip/tsx.h"
#include "tests/unit/unit.h"

#define T1 500
#define T2 4000
#define T4 5000

static uint64_t sent_at[64];
static unsigned n_sent;
static int send_result;
static unsigned failures;
static unsigned terminated;

static int capture(const struct sip_peer *to, const void *data, size_t len)
{
	(void)to;
	(void)data;
	(void)len;
	if (n_sent < 64) {
		sent_at[n_sent] = loop_now();
	}
	n_sent++;
	return send_result;
}

static void on_failure(struct sip_tsx *t, void *d, int err)
{
	(void)t;
	(void)d;
	(void)err;
	failures++;
}

static void on_terminated(struct sip_tsx *t, void *d)
{
	(void)t;
	(void)d;
	terminated++;
}

static const struct sip_tsx_tu tu = { .on_failure = on_failure, .on_terminated = on_terminated };

static void setup(unsigned cap)
{
	CHECK_INT(loop_init(4, 64), 0);
	loop_time_set(0);
	CHECK_INT(sip_tsx_init(cap, capture), 0);
	sip_tsx_set_timers(T1, T2, T4);
	n_sent = failures = terminated = 0;
	send_result = 0;
}

static void teardown(void)
{
	sip_tsx_fini();
	loop_fini();
}

static struct sip_msg request(enum sip_method method, const char *branch)
{
	struct sip_msg m;

	memset(&m, 0, sizeof(m));
	m.request = true;
	m.method = method;
	m.method_str = str_cstr(sip_method_name(method));
	m.ruri_str = STR("sip:bob@example.com");
	m.via.branch = str_cstr(branch);
	m.via.host = STR("client.example.com");
	m.via.port = 5060;
	m.via.text = STR("SIP/2.0/UDP client.example.com:5060");
	m.from.tag = STR("ftag");
	m.call_id = STR("call-1");
	m.cseq.num = 1;
	m.cseq.method = method == SIP_ACK ? SIP_INVITE : method;
	m.max_forwards = 70;
	return m;
}

static const struct sip_peer udp = { .proto = SIP_PROTO_UDP };
static const struct sip_peer tcp = { .proto = SIP_PROTO_TCP, .conn = 1 };

/* Advances the virtual clock to t, firing what is due on the way. */
static void run_until(uint64_t t)
{
	for (uint64_t now = loop_now(); now <= t; now++) {
		loop_time_set(now);
		timer_run(now);
	}
}

static void invite_non_2xx_timer_g_doubles_then_h(void)
{
	struct sip_msg inv = request(SIP_INVITE, "z9hG4bK-inv1");
	struct sip_tsx *t;
	int err = 0;
	/* 17.2.1: G starts at T1, doubles, stays at T2; H at 64*T1. */
	static const uint64_t want[] = { 0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500,
		27500, 31500 };

	setup(4);
	t = sip_tsx_server_create(&inv, &udp, &err);
	CHECK(t != NULL);
	sip_tsx_set_tu(t, &tu, NULL);
	CHECK_INT(sip_tsx_state(t), SIP_TSX_PROCEEDING);
	CHECK_INT(sip_tsx_server_reply(t, 486, "486", 3), 0);
	CHECK_INT(sip_tsx_state(t), SIP_TSX_COMPLETED);
	run_until(64 * T1);
	CHECK_INT(n_sent, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]) && i < n_sent; i++) {
		CHECK_INT(sent_at[i], want[i]);
	}
	CHECK_INT(failures, 1); /* Timer H: no ACK */
	CHECK_INT(terminated, 1);
	teardown();
}

static void invite_ack_confirms_then_timer_i(void)
{
	struct sip_msg inv = request(SIP_INVITE, "z9hG4bK-inv2");
	struct sip_msg ack = request(SIP_ACK, "z9hG4bK-inv2");
	struct sip_tsx *t;
	int err = 0;

	setup(4);
	t = sip_tsx_server_create(&inv, &udp, &err);
	sip_tsx_set_tu(t, &tu, NULL);
	sip_tsx_server_reply(t, 100, "100", 3);
	/* a retransmitted INVITE gets the 100 again */
	CHECK(sip_tsx_server_absorb(&inv, &udp));
	CHECK_INT(n_sent, 2);
	sip_tsx_server_reply(t, 603, "603", 3);
	run_until(600); /* one G retransmission at 500 */
	CHECK_INT(n_sent, 4);
	ack.to.tag = STR("srvtag");
	CHECK(sip_tsx_server_absorb(&ack, &udp));
	CHECK_INT(sip_tsx_state(t), SIP_TSX_CONFIRMED);
	/* a retransmitted ACK is absorbed too, and G has stopped */
	CHECK(sip_tsx_server_absorb(&ack, &udp));
	run_until(600 + T4 - 1);
	CHECK_INT(n_sent, 4);
	CHECK_INT(terminated, 0);
	run_until(600 + T4);
	CHECK_INT(terminated, 1);
	CHECK_INT(failures, 0);
	/* the transaction is gone: the ACK is now the TU's */
	CHECK(!sip_tsx_server_absorb(&ack, &udp));
	teardown();
}

static void invite_2xx_ends_at_once(void)
{
	struct sip_msg inv = request(SIP_INVITE, "z9hG4bK-inv3");
	struct sip_tsx *t;
	int err = 0;

	setup(4);
	t = sip_tsx_server_create(&inv, &udp, &err);
	sip_tsx_set_tu(t, &tu, NULL);
	CHECK_INT(sip_tsx_server_reply(t, 200, "200", 3), 0);
	CHECK_INT(terminated, 1);
	/* ACK for the 2xx is not the transaction layer's */
	struct sip_msg ack = request(SIP_ACK, "z9hG4bK-other");
	CHECK(!sip_tsx_server_absorb(&ack, &udp));
	teardown();
}

static void non_invite_timer_j(void)
{
	struct sip_msg opt = request(SIP_OPTIONS, "z9hG4bK-opt1");
	struct sip_tsx *t;
	int err = 0;

	setup(4);
	t = sip_tsx_server_create(&opt, &udp, &err);
	sip_tsx_set_tu(t, &tu, NULL);
	CHECK_INT(sip_tsx_state(t), SIP_TSX_TRYING);
	/* a retransmission in Trying is absorbed silently */
	CHECK(sip_tsx_server_absorb(&opt, &udp));
	CHECK_INT(n_sent, 0);
	sip_tsx_server_reply(t, 200, "200", 3);
	CHECK_INT(sip_tsx_server_reply(t, 200, "200", 3), -EALREADY);
	CHECK(sip_tsx_server_absorb(&opt, &udp));
	CHECK_INT(n_sent, 2); /* the 200 and its retransmission, no timer retransmits */
	run_until(64 * T1 - 1);
	CHECK_INT(terminated, 0);
	CHECK_INT(n_sent, 2);
	run_until(64 * T1);
	CHECK_INT(terminated, 1);
	teardown();
}

static void reliable_transport_ends_at_once(void)
{
	struct sip_msg opt = request(SIP_OPTIONS, "z9hG4bK-opt2");
	struct sip_msg inv = request(SIP_INVITE, "z9hG4bK-inv4");
	struct sip_msg ack = request(SIP_ACK, "z9hG4bK-inv4");
	struct sip_tsx *t;
	int err = 0;

	setup(4);
	t = sip_tsx_server_create(&opt, &tcp, &err);
	sip_tsx_set_tu(t, &tu, NULL);
	sip_tsx_server_reply(t, 200, "200", 3);
	run_until(0); /* J = 0 */
	CHECK_INT(terminated, 1);
	t = sip_tsx_server_create(&inv, &tcp, &err);
	sip_tsx_set_tu(t, &tu, NULL);
	sip_tsx_server_reply(t, 486, "486", 3);
	run_until(10 * T1);
	CHECK_INT(n_sent, 2); /* no Timer G over TCP */
	CHECK(sip_tsx_server_absorb(&ack, &tcp));
	run_until(10 * T1 + 1); /* I = 0 */
	CHECK_INT(terminated, 2);
	teardown();
}

static void keys_separate_methods_senders_and_2543(void)
{
	struct sip_msg a = request(SIP_OPTIONS, "z9hG4bK-same");
	struct sip_msg b = request(SIP_MESSAGE, "z9hG4bK-same");
	struct sip_msg c = request(SIP_OPTIONS, "z9hG4bK-same");
	struct sip_msg old = request(SIP_OPTIONS, "1234"); /* RFC 2543: no cookie */
	struct sip_msg old_next = request(SIP_OPTIONS, "1234");
	int err = 0;

	setup(8);
	c.via.host = STR("CLIENT.example.com"); /* hosts compare case-insensitively */
	CHECK(sip_tsx_server_create(&a, &udp, &err) != NULL);
	CHECK(!sip_tsx_server_absorb(&b, &udp)); /* same branch, other method */
	CHECK(sip_tsx_server_absorb(&c, &udp));
	c.via.port = 5070; /* other sent-by */
	CHECK(!sip_tsx_server_absorb(&c, &udp));
	CHECK(sip_tsx_server_create(&old, &udp, &err) != NULL);
	CHECK(sip_tsx_server_absorb(&old, &udp));
	old_next.cseq.num = 2;
	CHECK(!sip_tsx_server_absorb(&old_next, &udp));
	teardown();
}

static void merged_requests_8_2_2_2(void)
{
	struct sip_msg first = request(SIP_MESSAGE, "z9hG4bK-path1");
	struct sip_msg second = request(SIP_MESSAGE, "z9hG4bK-path2");
	struct sip_msg next = request(SIP_MESSAGE, "z9hG4bK-path3");
	struct sip_msg in_dialog = request(SIP_MESSAGE, "z9hG4bK-path4");
	int err = 0;

	setup(4);
	first.cseq.method_str = STR("MESSAGE");
	second.cseq.method_str = STR("MESSAGE");
	next.cseq.method_str = STR("MESSAGE");
	in_dialog.cseq.method_str = STR("MESSAGE");
	CHECK(!sip_tsx_server_is_merged(&first));
	CHECK(sip_tsx_server_create(&first, &udp, &err) != NULL);
	/* the same request by another path: merged */
	CHECK(!sip_tsx_server_absorb(&second, &udp));
	CHECK(sip_tsx_server_is_merged(&second));
	/* another CSeq is another request */
	next.cseq.num = 2;
	CHECK(!sip_tsx_server_is_merged(&next));
	/* with a To tag the rule does not apply */
	in_dialog.to.tag = STR("t");
	CHECK(!sip_tsx_server_is_merged(&in_dialog));
	teardown();
}

static void cancel_finds_its_invite(void)
{
	struct sip_msg inv = request(SIP_INVITE, "z9hG4bK-inv5");
	struct sip_msg cancel = request(SIP_CANCEL, "z9hG4bK-inv5");
	struct sip_msg stray = request(SIP_CANCEL, "z9hG4bK-nope");
	struct sip_tsx *t;
	int err = 0;

	setup(4);
	t = sip_tsx_server_create(&inv, &udp, &err);
	CHECK(sip_tsx_server_find_invite(&cancel) == t);
	CHECK(sip_tsx_server_find_invite(&stray) == NULL);
	teardown();
}

static void pool_full_and_long_keys(void)
{
	struct sip_msg a = request(SIP_OPTIONS, "z9hG4bK-1");
	struct sip_msg b = request(SIP_OPTIONS, "z9hG4bK-2");
	struct sip_msg c = request(SIP_OPTIONS, "z9hG4bK-3");
	char long_branch[400];
	struct pool_stats ps;
	int err = 0;

	setup(2);
	CHECK(sip_tsx_server_create(&a, &udp, &err) != NULL);
	CHECK(sip_tsx_server_create(&b, &udp, &err) != NULL);
	CHECK(sip_tsx_server_create(&c, &udp, &err) == NULL);
	CHECK_INT(err, -ENOSPC);
	sip_tsx_stats(&ps);
	CHECK_INT(ps.used, 2);
	CHECK_INT(ps.high, 2);
	memset(long_branch, 'x', sizeof(long_branch) - 1);
	memcpy(long_branch, "z9hG4bK", 7);
	long_branch[sizeof(long_branch) - 1] = '\0';
	c.via.branch = str_cstr(long_branch);
	CHECK(sip_tsx_server_create(&c, &udp, &err) == NULL);
	CHECK_INT(err, -E2BIG);
	teardown();
}

static void send_failure_ends_transaction(void)
{
	struct sip_msg a = request(SIP_OPTIONS, "z9hG4bK-f");
	struct sip_tsx *t;
	int err = 0;

	setup(2);
	t = sip_tsx_server_create(&a, &udp, &err);
	sip_tsx_set_tu(t, &tu, NULL);
	send_result = -EHOSTUNREACH;
	CHECK_INT(sip_tsx_server_reply(t, 200, "200", 3), -EHOSTUNREACH);
	CHECK_INT(failures, 1);
	CHECK_INT(terminated, 1);
	teardown();
}

UNIT_SUITE(sip_tsx, UNIT_TEST(invite_non_2xx_timer_g_doubles_then_h),
	UNIT_TEST(invite_ack_confirms_then_timer_i), UNIT_TEST(invite_2xx_ends_at_once),
	UNIT_TEST(non_invite_timer_j), UNIT_TEST(reliable_transport_ends_at_once),
	UNIT_TEST(keys_separate_methods_senders_and_2543), UNIT_TEST(merged_requests_8_2_2_2),
	UNIT_TEST(cancel_finds_its_invite), UNIT_TEST(pool_full_and_long_keys),
	UNIT_TEST(send_failure_ends_transaction));
