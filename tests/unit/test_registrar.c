/* The registrar and digest authentication end to end: the real endpoint
 * listening on a UDP loopback port, driven one loop iteration at a time,
 * with the wall clock in the test's hands (loop_wall_set). A small client
 * here answers the challenges with core/digest's pure functions. Each
 * test covers one rule of RFC 3261 10.3 / 22, RFC 3327, 5626, 5627. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/digest.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/rand.h"
#include "core/store.h"
#include "core/users.h"
#include "sip/auth.h"
#include "sip/endpoint.h"
#include "sip/location.h"
#include "sip/msg.h"
#include "sip/registrar.h"
#include "tests/unit/unit.h"

#define DOMAIN "office.example"
#define T0 1800000000ull /* the wall clock at the start of each test */

static struct store *st;
static int cli_fd = -1;
static struct sockaddr_in srv_sa;
static unsigned cseq_next = 1;
static char rx[CONFIG_SIP_MAX_MSG_SIZE + 1];
static size_t rx_len;
static char rx_arena_mem[32768];
static struct sip_msg resp;

static void flush_at_end(void)
{
	store_flush(st);
}

static const struct throttle_cfg cfg_default = { 5, 20, 600, 300 };
static const struct registrar_limits lim_default = { 60, 3600, 3600 };

/* A fresh server (its own store) for each test. */
static void setup(const char *name, const struct throttle_cfg *tc)
{
	char where[ADDR_STR_MAX];
	struct addr a;
	const char *why;
	struct sockaddr_in me = { .sin_family = AF_INET };

	CHECK_INT(rand_init(), 0);
	CHECK_INT(loop_init(64, 256), 0);
	loop_wall_set(T0);
	st = unit_store_open(name);
	CHECK(st != NULL);
	CHECK_INT(users_add(st, STR("alice"), STR(DOMAIN), STR("alicepw"), T0), 0);
	CHECK_INT(users_add(st, STR("bob"), STR(DOMAIN), STR("bobpw"), T0), 0);
	CHECK_INT(store_flush(st), 0);
	loop_set_iteration_end(flush_at_end);
	sip_endpoint_set_domain(DOMAIN);
	CHECK_INT(sip_endpoint_start(), 0);
	CHECK_INT(addr_parse("127.0.0.1:0", &a, &why), 0);
	CHECK_INT(sip_endpoint_listen(&a, where, sizeof(where)), 0);
	CHECK_INT(auth_init(st, DOMAIN, tc ? tc : &cfg_default), 0);
	registrar_init(st, &lim_default);
	srv_sa.sin_family = AF_INET;
	srv_sa.sin_port = htons((uint16_t)atoi(strrchr(where, ':') + 1));
	inet_pton(AF_INET, "127.0.0.1", &srv_sa.sin_addr);
	cli_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	inet_pton(AF_INET, "127.0.0.1", &me.sin_addr);
	CHECK_INT(bind(cli_fd, (struct sockaddr *)&me, sizeof(me)), 0);
}

static void teardown(void)
{
	registrar_fini();
	sip_endpoint_stop();
	auth_fini();
	loop_set_iteration_end(NULL);
	loop_fini();
	store_close(st);
	st = NULL;
	close(cli_fd);
	cli_fd = -1;
}

/* Runs the server until an answer comes (true) or 20 idle iterations. */
static bool await_answer(void)
{
	struct sip_parse_err e;
	struct arena a;

	for (int i = 0; i < 20; i++) {
		ssize_t n = recv(cli_fd, rx, sizeof(rx) - 1, 0);
		if (n > 0) {
			rx_len = (size_t)n;
			rx[n] = '\0';
			arena_init(&a, rx_arena_mem, sizeof(rx_arena_mem));
			CHECK_INT(sip_msg_parse(&resp, rx, rx_len, &a, &e), 0);
			return true;
		}
		loop_once(20);
	}
	rx_len = 0;
	rx[0] = '\0';
	return false;
}

struct req_opts {
	const char *method; /* default REGISTER */
	const char *ruri; /* default sip:DOMAIN */
	const char *user; /* To/From user, default alice */
	const char *call_id; /* default "reg-<user>" */
	unsigned cseq; /* default: the next one */
	const char *hdrs; /* extra header lines */
	/* credentials: NULL = none */
	const char *auth_user;
	const char *password;
	const char *alg; /* "SHA-256" (default) or "MD5" */
	const char *nc; /* default 00000001 */
	const char *digest_uri; /* default = ruri */
};

/* The nonce of the first challenge of the last answer. */
static char last_nonce[DIGEST_NONCE_LEN + 1];

static void nonce_take(void)
{
	const struct sip_hdr *h = sip_msg_hdr(&resp, SIP_HDR_WWW_AUTHENTICATE);
	struct sip_auth a;
	struct str v;

	if (!h) {
		h = sip_msg_hdr(&resp, SIP_HDR_PROXY_AUTHENTICATE);
	}
	last_nonce[0] = '\0';
	if (h && sip_parse_auth(h->value, &a) == 0 && sip_auth_get(&a, STR("nonce"), &v)) {
		str_copy_cstr(v, last_nonce, sizeof(last_nonce));
	}
}

/* Sends one request and waits for its answer (resp, rx). */
static bool send_req(const struct req_opts *o)
{
	const char *method = o->method ? o->method : "REGISTER";
	const char *ruri = o->ruri ? o->ruri : "sip:" DOMAIN;
	const char *user = o->user ? o->user : "alice";
	char call_id[64];
	char out[4096];
	char authz[1024] = "";
	unsigned cseq = o->cseq ? o->cseq : cseq_next++;
	struct sockaddr_in me;
	socklen_t ml = sizeof(me);
	int n;

	getsockname(cli_fd, (struct sockaddr *)&me, &ml);
	snprintf(call_id, sizeof(call_id), "%s", o->call_id ? o->call_id : "reg-1");
	if (o->auth_user) {
		enum digest_alg alg = DIGEST_ALG_SHA256;
		const char *alg_name = o->alg ? o->alg : "SHA-256";
		uint8_t ha1[DIGEST_HASH_MAX], r[DIGEST_HASH_MAX];
		char hex[2 * DIGEST_HASH_MAX + 1];
		struct digest_creds c = { 0 };
		const char *duri = o->digest_uri ? o->digest_uri : ruri;
		const char *nc = o->nc ? o->nc : "00000001";
		CHECK_INT(digest_alg_parse(str_cstr(alg_name), &alg), 0);
		digest_ha1(alg, str_cstr(o->auth_user), STR(DOMAIN), str_cstr(o->password), ha1);
		c.nonce = str_cstr(last_nonce);
		c.nc = str_cstr(nc);
		c.cnonce = STR("c0ffee");
		c.qop = STR("auth");
		c.uri = str_cstr(duri);
		digest_response(alg, ha1, &c, str_cstr(method), r);
		for (size_t i = 0; i < digest_alg_len(alg); i++) {
			snprintf(hex + 2 * i, 3, "%02x", r[i]);
		}
		snprintf(authz, sizeof(authz),
			"%s: Digest username=\"%s\", realm=\"" DOMAIN "\", nonce=\"%s\", "
			"uri=\"%s\", response=\"%s\", algorithm=%s, cnonce=\"c0ffee\", qop=auth, "
			"nc=%s\r\n",
			strcmp(method, "REGISTER") == 0 ? "Authorization" : "Proxy-Authorization",
			o->auth_user, last_nonce, duri, hex, alg_name, nc);
	}
	n = snprintf(out, sizeof(out),
		"%s %s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-%u-%u;rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:%s@" DOMAIN ">;tag=f%u\r\n"
		"To: <sip:%s@" DOMAIN ">\r\n"
		"Call-ID: %s\r\n"
		"CSeq: %u %s\r\n"
		"%s%s"
		"Content-Length: 0\r\n\r\n",
		method, ruri, ntohs(me.sin_port), cseq, (unsigned)rand(), user, cseq, user, call_id,
		cseq, method, authz, o->hdrs ? o->hdrs : "");
	CHECK(n > 0 && (size_t)n < sizeof(out));
	sendto(cli_fd, out, (size_t)n, 0, (struct sockaddr *)&srv_sa, sizeof(srv_sa));
	return await_answer();
}

/* o without credentials, then again answering its challenge as user. */
static bool send_authed(struct req_opts *o, const char *user, const char *password)
{
	send_req(o);
	nonce_take();
	o->auth_user = user;
	o->password = password;
	return send_req(o);
}

/* REGISTER as alice with good credentials: challenge, then answer. */
static unsigned reg(const char *hdrs)
{
	struct req_opts o = { .hdrs = hdrs };

	send_req(&o);
	if (resp.status != 401) {
		return resp.status;
	}
	nonce_take();
	o.auth_user = "alice";
	o.password = "alicepw";
	send_req(&o);
	return resp.status;
}

/* alice's bindings alive at now, as stored (committed or in the group). */
static unsigned alice_bindings(uint64_t now, struct location_aor *aor)
{
	CHECK_INT(location_get(store_loop_txn(st), STR("alice"), now, aor), 0);
	return aor->n;
}

static unsigned count_hdr(enum sip_hdr_id id)
{
	unsigned n = 0;

	for (const struct sip_hdr *h = sip_msg_hdr(&resp, id); h; h = sip_msg_hdr_next(&resp, h)) {
		n++;
	}
	return n;
}

static bool rx_has(const char *s)
{
	return strstr(rx, s) != NULL;
}

static void challenge_order(void)
{
	struct req_opts o = { 0 };
	const struct sip_hdr *h;

	setup("reg_chal", NULL);
	CHECK(send_req(&o));
	CHECK_INT(resp.status, 401);
	CHECK_INT(count_hdr(SIP_HDR_WWW_AUTHENTICATE), 2);
	/* RFC 8760 2.4: the preferred algorithm first, one nonce for both. */
	h = sip_msg_hdr(&resp, SIP_HDR_WWW_AUTHENTICATE);
	CHECK(h && strstr(h->value.p, "algorithm=SHA-256") < strchr(h->value.p, '\r'));
	CHECK(rx_has("qop=\"auth\""));
	CHECK(rx_has("realm=\"" DOMAIN "\""));
	o.hdrs = "User-Agent: baresip v1.0.0 (x86_64/linux)\r\n";
	send_req(&o);
	CHECK_INT(resp.status, 401);
	CHECK_INT(count_hdr(SIP_HDR_WWW_AUTHENTICATE), 1);
	CHECK(rx_has("algorithm=MD5"));
	teardown();
}

static void register_ok_and_stored(void)
{
	struct location_aor aor;

	setup("reg_ok", NULL);
	CHECK_INT(reg("Contact: <sip:alice@127.0.0.1:5070>\r\n"), 200);
	CHECK(rx_has("Contact: <sip:alice@127.0.0.1:5070>;expires=3600\r\n"));
	CHECK(rx_has("\r\nDate: "));
	/* The 200 came after the commit: a new read transaction sees it. */
	CHECK_INT(alice_bindings(T0, &aor), 1);
	CHECK(str_eq(aor.b[0].uri, STR("sip:alice@127.0.0.1:5070")));
	CHECK_INT(aor.b[0].expires, T0 + 3600);
	CHECK_INT(aor.b[0].proto, SIP_PROTO_UDP);
	teardown();
}

/* What an answer tells about the credentials: the status line and the
 * challenges, with their nonces masked (every challenge has a new one). */
static void challenge_view(char *out, size_t cap)
{
	struct buf b;

	buf_init(&b, out, cap);
	buf_printf(&b, "%u %.*s\n", resp.status, STR_FMT(resp.reason));
	for (const struct sip_hdr *h = sip_msg_hdr(&resp, SIP_HDR_WWW_AUTHENTICATE); h;
		h = sip_msg_hdr_next(&resp, h)) {
		buf_printf(&b, "%.*s\n", STR_FMT(h->value));
	}
	CHECK(buf_cstr(&b) != NULL);
	for (char *p = strstr(out, "nonce=\""); p; p = strstr(p + 1, "nonce=\"")) {
		memset(p + 7, 'x', DIGEST_NONCE_LEN);
	}
}

static void unknown_user_like_wrong_password(void)
{
	struct req_opts o = { .hdrs = "Contact: <sip:alice@127.0.0.1:5070>\r\n" };
	struct req_opts u = { .user = "mallory",
		.hdrs = "Contact: <sip:mallory@127.0.0.1:5070>\r\n" };
	char a[2048], b[2048];

	setup("reg_enum", NULL);
	send_authed(&o, "alice", "wrong");
	CHECK_INT(resp.status, 401);
	challenge_view(a, sizeof(a));
	u.auth_user = "mallory";
	u.password = "wrong";
	send_req(&u);
	CHECK_INT(resp.status, 401);
	challenge_view(b, sizeof(b));
	CHECK_INT(strcmp(a, b), 0);
	CHECK(strstr(a, "algorithm=SHA-256") != NULL);
	teardown();
}

static void replayed_nonce_count(void)
{
	struct req_opts o = { .hdrs = "Contact: <sip:alice@127.0.0.1:5070>\r\n" };

	setup("reg_replay", NULL);
	send_req(&o);
	nonce_take();
	o.auth_user = "alice";
	o.password = "alicepw";
	o.nc = "00000001";
	send_req(&o);
	CHECK_INT(resp.status, 200);
	/* Same nonce, same nc, new CSeq: a replay (RFC 7616 3.4.5). */
	send_req(&o);
	CHECK_INT(resp.status, 401);
	CHECK(!rx_has("stale=true"));
	o.nc = "00000002";
	send_req(&o);
	CHECK_INT(resp.status, 200);
	teardown();
}

static void stale_nonce(void)
{
	struct req_opts o = { 0 };

	setup("reg_stale", NULL);
	send_req(&o);
	nonce_take();
	loop_wall_set(T0 + 3600);
	o.auth_user = "alice";
	o.password = "alicepw";
	send_req(&o);
	CHECK_INT(resp.status, 401);
	CHECK(rx_has("stale=true"));
	teardown();
}

static void expires_rules(void)
{
	setup("reg_expires", NULL);
	/* 10.3 step 7: too brief gets 423 with the minimum. */
	CHECK_INT(reg("Contact: <sip:alice@127.0.0.1:5070>\r\nExpires: 30\r\n"), 423);
	CHECK(rx_has("Min-Expires: 60\r\n"));
	CHECK_INT(reg("Contact: <sip:alice@127.0.0.1:5070>;expires=10\r\n"), 423);
	/* Too long is cut to the maximum; the parameter beats the header. */
	CHECK_INT(
		reg("Contact: <sip:alice@127.0.0.1:5070>;expires=999999\r\nExpires: 120\r\n"), 200);
	CHECK(rx_has(";expires=3600\r\n"));
	CHECK_INT(reg("Contact: <sip:alice@127.0.0.1:5070>\r\nExpires: 120\r\n"), 200);
	CHECK(rx_has(";expires=120\r\n"));
	CHECK_INT(reg("Contact: <sip:alice@127.0.0.1:5070>\r\nExpires: soon\r\n"), 400);
	teardown();
}

static void several_contacts_and_fetch(void)
{
	struct location_aor aor;

	setup("reg_multi", NULL);
	CHECK_INT(reg("Contact: <sip:alice@127.0.0.1:5070>;q=1.0, "
		      "<sip:alice@127.0.0.1:5080>;q=0.4;+sip.message;methods=\"MESSAGE,INVITE\"\r\n"
		      "Expires: 600\r\n"),
		200);
	CHECK_INT(count_hdr(SIP_HDR_CONTACT), 2);
	CHECK_INT(alice_bindings(T0, &aor), 2);
	CHECK_INT(aor.b[0].q, 1000);
	CHECK_INT(aor.b[1].q, 400);
	/* RFC 3840: the feature tags stay with the binding. */
	CHECK(str_eq(aor.b[1].params, STR(";q=0.4;+sip.message;methods=\"MESSAGE,INVITE\"")));
	/* A fetch lists the bindings with their remaining time. */
	loop_wall_set(T0 + 100);
	CHECK_INT(reg(NULL), 200);
	CHECK_INT(count_hdr(SIP_HDR_CONTACT), 2);
	CHECK(rx_has("<sip:alice@127.0.0.1:5080>;q=0.4;+sip.message;methods=\"MESSAGE,INVITE\";"
		     "expires=500\r\n"));
	CHECK_INT(reg("Contact: <sip:alice@127.0.0.1:5070>;q=2\r\n"), 400);
	teardown();
}

static void cseq_order(void)
{
	struct req_opts o = { .hdrs = "Contact: <sip:alice@127.0.0.1:5070>\r\n", .cseq = 10 };
	struct location_aor aor;

	setup("reg_cseq", NULL);
	send_req(&o);
	nonce_take();
	o.auth_user = "alice";
	o.password = "alicepw";
	o.cseq = 11;
	send_req(&o);
	CHECK_INT(resp.status, 200);
	/* 10.3 step 8: an older CSeq of the same Call-ID is refused. */
	o.cseq = 9;
	o.nc = "00000002";
	o.hdrs = "Contact: <sip:alice@127.0.0.1:5070>\r\nExpires: 0\r\n";
	send_req(&o);
	CHECK_INT(resp.status, 500);
	CHECK_INT(alice_bindings(T0, &aor), 1);
	/* Another Call-ID may remove it. */
	o.call_id = "other";
	o.cseq = 1;
	o.nc = "00000003";
	send_req(&o);
	CHECK_INT(resp.status, 200);
	CHECK_INT(count_hdr(SIP_HDR_CONTACT), 0);
	teardown();
}

static void star_rules(void)
{
	struct location_aor aor;

	setup("reg_star", NULL);
	CHECK_INT(reg("Contact: <sip:alice@127.0.0.1:5070>, <sip:alice@127.0.0.1:5080>\r\n"), 200);
	CHECK_INT(reg("Contact: *\r\n"), 400);
	CHECK_INT(reg("Contact: *\r\nExpires: 60\r\n"), 400);
	CHECK_INT(reg("Contact: *, <sip:alice@127.0.0.1:5090>\r\nExpires: 0\r\n"), 400);
	CHECK_INT(alice_bindings(T0, &aor), 2);
	CHECK_INT(reg("Contact: *\r\nExpires: 0\r\n"), 200);
	CHECK_INT(count_hdr(SIP_HDR_CONTACT), 0);
	CHECK_INT(alice_bindings(T0, &aor), 0);
	teardown();
}

static void instance_replaces(void)
{
	struct location_aor aor;

	setup("reg_inst", NULL);
	CHECK_INT(reg("Contact: <sip:alice@127.0.0.1:5070>;+sip.instance=\"<urn:uuid:00000000-0000-"
		      "1000-8000-000000000001>\";reg-id=1\r\n"),
		200);
	/* The same device from a new address: one binding, the new one. */
	CHECK_INT(reg("Contact: <sip:alice@10.0.0.7:5070>;+sip.instance=\"<urn:uuid:00000000-0000-"
		      "1000-8000-000000000001>\";reg-id=1\r\n"),
		200);
	CHECK_INT(alice_bindings(T0, &aor), 1);
	CHECK(str_eq(aor.b[0].uri, STR("sip:alice@10.0.0.7:5070")));
	CHECK(str_eq(aor.b[0].instance, STR("<urn:uuid:00000000-0000-1000-8000-000000000001>")));
	CHECK_INT(aor.b[0].reg_id, 1);
	/* Another reg-id is another flow of the device (RFC 5626). */
	CHECK_INT(reg("Contact: <sip:alice@10.0.0.7:5071>;+sip.instance=\"<urn:uuid:00000000-0000-"
		      "1000-8000-000000000001>\";reg-id=2\r\n"),
		200);
	CHECK_INT(count_hdr(SIP_HDR_CONTACT), 2);
	/* Without an instance the URI names the binding, whichever way it
	 * was registered (10.3 step 8). */
	CHECK_INT(reg("Contact: <sip:alice@10.0.0.7:5071>\r\nExpires: 0\r\n"), 200);
	CHECK_INT(count_hdr(SIP_HDR_CONTACT), 1);
	teardown();
}

static void too_many_bindings(void)
{
	char hdrs[2048];
	struct buf b;
	struct location_aor aor;

	setup("reg_limit", NULL);
	CHECK_INT(reg("Contact: <sip:alice@127.0.0.1:6000>\r\n"), 200);
	buf_init(&b, hdrs, sizeof(hdrs));
	for (int i = 1; i <= CONFIG_REG_MAX_BINDINGS; i++) {
		buf_printf(&b, "Contact: <sip:alice@127.0.0.1:%d>\r\n", 6000 + i);
	}
	CHECK_INT(reg(buf_cstr(&b)), 503);
	CHECK(rx_has("Retry-After: "));
	/* Nothing of it was applied. */
	CHECK_INT(alice_bindings(T0, &aor), 1);
	teardown();
}

static void path_and_gruu(void)
{
	struct location_aor aor;

	setup("reg_path", NULL);
	CHECK_INT(reg("Contact: <sip:alice@127.0.0.1:5070>;+sip.instance=\"<urn:uuid:abc>\"\r\n"
		      "Path: <sip:edge.example;lr>\r\nSupported: path, gruu\r\n"),
		200);
	CHECK(rx_has("Path: <sip:edge.example;lr>\r\n"));
	CHECK(rx_has(";pub-gruu=\"sip:alice@" DOMAIN ";gr=urn:uuid:abc\""));
	CHECK_INT(location_get(store_loop_txn(st), STR("alice"), T0, &aor), 0);
	CHECK(str_eq(aor.b[0].path, STR("<sip:edge.example;lr>")));
	/* Without Supported, neither is in the answer; the Path is kept. */
	CHECK_INT(reg("Contact: <sip:alice@127.0.0.1:5070>;+sip.instance=\"<urn:uuid:abc>\"\r\n"
		      "Path: <sip:edge.example;lr>\r\n"),
		200);
	CHECK(!rx_has("Path:"));
	CHECK(!rx_has("pub-gruu"));
	/* RFC 5627: a GRUU is not a contact. */
	CHECK_INT(reg("Contact: <sip:alice@" DOMAIN ";gr=urn:uuid:abc>\r\n"), 403);
	/* ... nor is the AOR, nor a URI of another scheme. */
	CHECK_INT(reg("Contact: <sip:alice@" DOMAIN ">\r\n"), 403);
	CHECK_INT(reg("Contact: <tel:+4930123>\r\n"), 403);
	/* A pub-gruu offered by the client is not kept (5.1). */
	CHECK_INT(reg("Contact: <sip:alice@127.0.0.1:5070>;+sip.instance=\"<urn:uuid:abc>\";"
		      "pub-gruu=\"sip:x@y\"\r\nSupported: gruu\r\n"),
		200);
	CHECK(!rx_has("sip:x@y"));
	CHECK(rx_has(";pub-gruu=\"sip:alice@" DOMAIN ";gr=urn:uuid:abc\""));
	teardown();
}

static void expiry_and_sweep(void)
{
	struct location_aor aor;
	struct location_stats ls;

	setup("reg_sweep", NULL);
	CHECK_INT(reg("Contact: <sip:alice@127.0.0.1:5070>\r\nExpires: 60\r\n"), 200);
	loop_wall_set(T0 + 61);
	CHECK_INT(alice_bindings(T0 + 61, &aor), 0);
	CHECK_INT(location_stats(store_loop_txn(st), T0 + 61, &ls), 0);
	CHECK_INT(ls.users, 1);
	registrar_tick(T0 + 61);
	CHECK_INT(location_stats(store_loop_txn(st), T0 + 61, &ls), 0);
	CHECK_INT(ls.users, 0);
	teardown();
}

static void identity_and_domain(void)
{
	struct req_opts o = { .user = "bob", .hdrs = "Contact: <sip:bob@127.0.0.1:5070>\r\n" };

	setup("reg_ident", NULL);
	/* alice's good credentials for bob's bindings: 403 (10.3 step 4). */
	send_authed(&o, "alice", "alicepw");
	CHECK_INT(resp.status, 403);
	/* Another domain's bindings are not ours (step 1). */
	o = (struct req_opts){ .ruri = "sip:elsewhere.example" };
	send_req(&o);
	CHECK_INT(resp.status, 403);
	/* 22.4: credentials for another URI are refused. */
	o = (struct req_opts){ .hdrs = "Contact: <sip:alice@127.0.0.1:5070>\r\n" };
	send_req(&o);
	nonce_take();
	o.auth_user = "alice";
	o.password = "alicepw";
	o.digest_uri = "sip:other.example";
	send_req(&o);
	CHECK_INT(resp.status, 400);
	teardown();
}

static void proxy_auth_for_local_from(void)
{
	struct req_opts o = { .method = "MESSAGE", .ruri = "sip:bob@" DOMAIN };

	setup("reg_407", NULL);
	send_req(&o);
	CHECK_INT(resp.status, 407);
	CHECK_INT(count_hdr(SIP_HDR_PROXY_AUTHENTICATE), 2);
	nonce_take();
	o.auth_user = "alice";
	o.password = "alicepw";
	send_req(&o);
	/* Authenticated; no proxy yet, so the method is not served. */
	CHECK_INT(resp.status, 405);
	teardown();
}

static bool saw_block;
static void find_block(void *arg, uint64_t seq, uint64_t ms, enum log_level lvl, const char *line)
{
	(void)arg;
	(void)seq;
	(void)ms;
	(void)lvl;
	if (strstr(line, "auth: IP blocked for 600 s after 4 failed logins: 127.0.0.1")) {
		saw_block = true;
	}
}

static void throttle_then_block(void)
{
	static const struct throttle_cfg tc = { 2, 4, 600, 300 };
	struct req_opts o = { .hdrs = "Contact: <sip:alice@127.0.0.1:5070>\r\n" };

	setup("reg_block", &tc);
	send_req(&o);
	nonce_take();
	o.auth_user = "alice";
	o.password = "guess";
	for (int i = 0; i < 2; i++) {
		send_req(&o);
		CHECK_INT(resp.status, 401);
		nonce_take();
	}
	/* A third try at once must wait: 503 with Retry-After, and its
	 * credentials are not checked. */
	send_req(&o);
	CHECK_INT(resp.status, 503);
	CHECK(rx_has("Retry-After: 1\r\n"));
	/* Not waiting counts as failing: the fourth try blocks the address. */
	send_req(&o);
	CHECK_INT(resp.status, 503);
	CHECK(rx_has("Retry-After: 2\r\n"));
	log_ring_foreach(0, find_block, NULL);
	CHECK(saw_block);
	/* Blocked: no answer at all now, not even to good credentials. */
	o.password = "alicepw";
	CHECK(!send_req(&o));
	teardown();
}

/* A nonce is tied to the address it was given to: credentials sent from
 * elsewhere with it are challenged again but are not a failed login of
 * the sender, so a spoofer cannot get an address blocked. */
static void nonce_bound_to_source(void)
{
	static const struct throttle_cfg tc = { 1, 2, 600, 300 };
	struct req_opts o = { .hdrs = "Contact: <sip:alice@127.0.0.1:5070>\r\n" };
	struct sockaddr_in other = { .sin_family = AF_INET };
	int fd0;

	setup("reg_bind", &tc);
	/* The nonce goes to 127.0.0.2... */
	fd0 = cli_fd;
	cli_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	inet_pton(AF_INET, "127.0.0.2", &other.sin_addr);
	CHECK_INT(bind(cli_fd, (struct sockaddr *)&other, sizeof(other)), 0);
	send_req(&o);
	CHECK_INT(resp.status, 401);
	nonce_take();
	close(cli_fd);
	cli_fd = fd0;
	/* ...and wrong credentials come with it from 127.0.0.1, twice. */
	o.auth_user = "alice";
	o.password = "guess";
	for (int i = 0; i < 3; i++) {
		send_req(&o);
		CHECK_INT(resp.status, 401);
	}
	/* 127.0.0.1 was never counted: its own login works. */
	o.auth_user = NULL;
	CHECK_INT(send_authed(&o, "alice", "alicepw"), true);
	CHECK_INT(resp.status, 200);
	teardown();
}

UNIT_SUITE(registrar, UNIT_TEST(challenge_order), UNIT_TEST(register_ok_and_stored),
	UNIT_TEST(unknown_user_like_wrong_password), UNIT_TEST(replayed_nonce_count),
	UNIT_TEST(stale_nonce), UNIT_TEST(expires_rules), UNIT_TEST(several_contacts_and_fetch),
	UNIT_TEST(cseq_order), UNIT_TEST(star_rules), UNIT_TEST(instance_replaces),
	UNIT_TEST(too_many_bindings), UNIT_TEST(path_and_gruu), UNIT_TEST(expiry_and_sweep),
	UNIT_TEST(identity_and_domain), UNIT_TEST(proxy_auth_for_local_from),
	UNIT_TEST(throttle_then_block), UNIT_TEST(nonce_bound_to_source));
