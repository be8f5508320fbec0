/* Client and server transactions talking over a loopback transport with
 * loss and delay knobs, in virtual time (loop_time_set + timer_run): the
 * retransmission and timeout sequences of RFC 3261 17.1 end to end. Every
 * message crosses the real parser. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/loop.h"
#include "sip/msg.h"
#include "sip/tsx.h"
#include "tests/unit/unit.h"

#define T1 500
#define T2 4000
#define T4 5000
#define NET_DELAY 10 /* ms each way */

struct flight {
	struct timer t;
	bool used;
	bool to_server;
	size_t len;
	char data[1500];
};

static struct flight flights[64];
/* Knobs: drop the next N messages in a direction; drop everything. */
static unsigned drop_to_server, drop_to_client;
static bool blackhole;
static unsigned sent_to_server[64];
static unsigned n_to_server;
static char last_to_server[1500];

static const struct sip_peer client_side = { .proto = SIP_PROTO_UDP, .conn = 1 };
static const struct sip_peer server_side = { .proto = SIP_PROTO_UDP, .conn = 2 };

/* The fake server TU: answers each new request with `answer`, INVITEs
 * first with 180 when `ring` is set. */
static unsigned answer;
static bool ring;
static struct sip_tsx *server_invite;

/* What the client TU saw. */
static unsigned responses[16];
static unsigned n_responses;
static int failure;
static uint64_t failure_at;

static char arena_mem[16384];

static void deliver(struct timer *t, void *arg);

static int net_send(const struct sip_peer *to, const void *data, size_t len)
{
	bool to_server = to->conn == server_side.conn;

	if (to_server) {
		if (n_to_server < 64) {
			sent_to_server[n_to_server] = (unsigned)loop_now();
		}
		n_to_server++;
		memcpy(last_to_server, data,
			len < sizeof(last_to_server) ? len : sizeof(last_to_server));
	}
	if (blackhole || (to_server && drop_to_server && drop_to_server--) ||
		(!to_server && drop_to_client && drop_to_client--)) {
		return 0; /* lost on the way */
	}
	for (size_t i = 0; i < 64; i++) {
		struct flight *f = &flights[i];
		if (!f->used && len <= sizeof(f->data)) {
			f->used = true;
			f->to_server = to_server;
			f->len = len;
			memcpy(f->data, data, len);
			timer_start(&f->t, NET_DELAY, deliver, f);
			return 0;
		}
	}
	return -ENOBUFS;
}

static void server_reply(const struct sip_msg *req, struct sip_tsx *t, unsigned status)
{
	char mem[1500];
	struct buf b;

	buf_init(&b, mem, sizeof(mem));
	sip_msg_build_response(
		&b, req, status, status == 180 ? "Ringing" : "Answer", STR("srv"), STR_NULL);
	sip_msg_build_end(&b, STR_NULL, STR_NULL);
	CHECK_INT(b.err, 0);
	sip_tsx_server_reply(t, status, b.p, b.len);
}

static void deliver(struct timer *t, void *arg)
{
	struct flight *f = arg;
	struct sip_msg m;
	struct sip_parse_err e;
	struct arena a;
	int err = 0;

	(void)t;
	f->used = false;
	arena_init(&a, arena_mem, sizeof(arena_mem));
	CHECK_INT(sip_msg_parse(&m, f->data, f->len, &a, &e), 0);
	if (!f->to_server) {
		sip_tsx_client_receive(&m, &server_side);
		return;
	}
	if (sip_tsx_server_absorb(&m, &client_side) || m.method == SIP_ACK) {
		return;
	}
	struct sip_tsx *st = sip_tsx_server_create(&m, &client_side, &err);
	CHECK(st != NULL);
	if (!st) {
		return;
	}
	if (m.method == SIP_CANCEL) {
		server_reply(&m, st, 200);
		return;
	}
	if (m.method == SIP_INVITE && ring) {
		server_reply(&m, st, 180);
		server_invite = st;
		return;
	}
	if (answer) {
		server_reply(&m, st, answer);
	}
}

static void on_response(struct sip_tsx *t, void *d, const struct sip_msg *resp)
{
	(void)t;
	(void)d;
	if (n_responses < 16) {
		responses[n_responses] = resp->status;
	}
	n_responses++;
}

static void on_failure(struct sip_tsx *t, void *d, int err)
{
	(void)t;
	(void)d;
	failure = err;
	failure_at = loop_now();
}

static const struct sip_tsx_tu client_tu = { .on_response = on_response, .on_failure = on_failure };

static void setup(void)
{
	CHECK_INT(loop_init(4, 256), 0);
	loop_time_set(0);
	CHECK_INT(sip_tsx_init(64, net_send), 0);
	sip_tsx_set_timers(T1, T2, T4);
	memset(flights, 0, sizeof(flights));
	drop_to_server = drop_to_client = 0;
	blackhole = ring = false;
	answer = 200;
	n_to_server = n_responses = 0;
	failure = 0;
	failure_at = 0;
	server_invite = NULL;
}

static void teardown(void)
{
	sip_tsx_fini();
	loop_fini();
}

static void run_until(uint64_t t)
{
	for (uint64_t now = loop_now(); now <= t; now++) {
		loop_time_set(now);
		timer_run(now);
	}
}

static struct sip_tsx *send_request(const char *method, const char *branch)
{
	char msg[600];
	int err = 0;
	int n = snprintf(msg, sizeof(msg),
		"%s sip:bob@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=%s\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:alice@example.com>;tag=a1\r\n"
		"To: <sip:bob@example.com>\r\n"
		"Call-ID: loop-%s\r\n"
		"CSeq: 7 %s\r\n"
		"Route: <sip:proxy.example.com;lr>\r\n"
		"Content-Length: 0\r\n\r\n",
		method, branch, branch, method);
	struct sip_tsx *t =
		sip_tsx_client_send(&server_side, msg, (size_t)n, &client_tu, NULL, &err);
	CHECK(t != NULL);
	return t;
}

static void nict_survives_lost_requests(void)
{
	setup();
	drop_to_server = 3;
	send_request("MESSAGE", "z9hG4bK-n1");
	run_until(10000);
	/* Timer E: 0, 500, 1500, 3500 (doubling); the fourth gets through. */
	CHECK_INT(n_to_server, 4);
	CHECK_INT(sent_to_server[1], 500);
	CHECK_INT(sent_to_server[2], 1500);
	CHECK_INT(sent_to_server[3], 3500);
	CHECK_INT(n_responses, 1);
	CHECK_INT(responses[0], 200);
	CHECK_INT(failure, 0);
	teardown();
}

static void nict_lost_responses_are_sent_again_by_the_server(void)
{
	setup();
	drop_to_client = 2;
	send_request("MESSAGE", "z9hG4bK-n2");
	run_until(10000);
	/* The server absorbed the retransmissions and answered each with
	 * its stored 200; the client saw exactly one final. */
	CHECK_INT(n_to_server, 3);
	CHECK_INT(n_responses, 1);
	teardown();
}

static void nict_timer_f(void)
{
	static const unsigned want[] = { 0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500,
		27500, 31500 };

	setup();
	blackhole = true;
	send_request("MESSAGE", "z9hG4bK-n3");
	run_until(40000);
	/* E doubles to T2 = 4 s, F fires at 64*T1 = 32 s. */
	CHECK_INT(n_to_server, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		CHECK_INT(sent_to_server[i], want[i]);
	}
	CHECK_INT(failure, -ETIMEDOUT);
	CHECK_INT(failure_at, 64 * T1);
	teardown();
}

static void ict_timer_a_doubles_without_cap_then_b(void)
{
	static const unsigned want[] = { 0, 500, 1500, 3500, 7500, 15500, 31500 };

	setup();
	blackhole = true;
	send_request("INVITE", "z9hG4bK-i1");
	run_until(40000);
	CHECK_INT(n_to_server, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		CHECK_INT(sent_to_server[i], want[i]);
	}
	CHECK_INT(failure, -ETIMEDOUT);
	CHECK_INT(failure_at, 64 * T1);
	teardown();
}

static void ict_non_2xx_gets_ack_and_lost_final_is_repeated(void)
{
	setup();
	answer = 486;
	drop_to_client = 1; /* the first 486 is lost: Timer G repeats it */
	send_request("INVITE", "z9hG4bK-i2");
	run_until(3000);
	CHECK_INT(n_responses, 1);
	CHECK_INT(responses[0], 486);
	/* INVITE, then the ACK built by the client transaction (17.1.1.3) */
	CHECK(strncmp(last_to_server, "ACK sip:bob@example.com SIP/2.0\r\n", 33) == 0);
	CHECK(strstr(last_to_server, "CSeq: 7 ACK\r\n") != NULL);
	CHECK(strstr(last_to_server, ";tag=srv") != NULL);
	CHECK(strstr(last_to_server, "Route: <sip:proxy.example.com;lr>\r\n") != NULL);
	CHECK(strstr(last_to_server, "branch=z9hG4bK-i2") != NULL);
	CHECK_INT(failure, 0); /* the server got its ACK: no Timer H failure */
	run_until(40000);
	CHECK_INT(n_responses, 1);
	teardown();
}

static void ict_cancel_waits_for_a_provisional(void)
{
	struct sip_tsx *t;

	setup();
	ring = true;
	t = send_request("INVITE", "z9hG4bK-i3");
	sip_tsx_client_cancel(t); /* nothing provisional yet: waits */
	CHECK_INT(n_to_server, 1);
	run_until(100);
	CHECK_INT(n_responses, 1);
	CHECK_INT(responses[0], 180);
	CHECK(strncmp(last_to_server, "CANCEL sip:bob@example.com SIP/2.0\r\n", 36) == 0);
	CHECK(strstr(last_to_server, "CSeq: 7 CANCEL\r\n") != NULL);
	CHECK(strstr(last_to_server, "branch=z9hG4bK-i3") != NULL);
	/* the server matches the CANCEL to its INVITE transaction (9.2) */
	run_until(200);
	CHECK(server_invite != NULL);
	teardown();
}

UNIT_SUITE(sip_loopback, UNIT_TEST(nict_survives_lost_requests),
	UNIT_TEST(nict_lost_responses_are_sent_again_by_the_server), UNIT_TEST(nict_timer_f),
	UNIT_TEST(ict_timer_a_doubles_without_cap_then_b),
	UNIT_TEST(ict_non_2xx_gets_ack_and_lost_final_is_repeated),
	UNIT_TEST(ict_cancel_waits_for_a_provisional));
