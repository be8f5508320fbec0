/* core/tls against a BearSSL client engine over a socketpair: the server
 * side is driven the way a transport drives it (poll on the events
 * tls_conn_wants() asks for), the client side is pumped by hand. */
#include "autoconf.h"
#include "tests/unit/unit.h"

#if ENABLE_TLS

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/cert.h"
#include "core/loop.h"
#include "core/rand.h"
#include "core/store.h"
#include "core/tls.h"

#define DOMAIN "sip.example.org"
#define REQ "REGISTER sip:" DOMAIN " SIP/2.0\r\n"

struct cli {
	br_ssl_client_context cc;
	br_x509_minimal_context xc;
	br_x509_trust_anchor ta;
	unsigned char dn[256];
	size_t dn_len;
	unsigned char q[BR_EC_KBUF_PUB_MAX_SIZE];
	bool eof;
	unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
};

struct pair {
	struct store *st;
	struct tls_server *srv;
	struct tls_conn c;
	struct cli *cli;
	int fd[2]; /* [0] server, [1] client */
};

static int n_store;

static void dn_append(void *ctx, const void *p, size_t n)
{
	struct cli *cl = ctx;

	if (n <= sizeof(cl->dn) - cl->dn_len) {
		memcpy(cl->dn + cl->dn_len, p, n);
		cl->dn_len += n;
	}
}

/* The client trusts exactly the box's generated certificate (as a trust
 * anchor, so the chain, its dates, signature and name are all checked). */
static bool cli_trust(struct cli *cl, struct str leaf)
{
	br_x509_decoder_context xd;
	const br_x509_pkey *pk;

	br_x509_decoder_init(&xd, dn_append, cl);
	br_x509_decoder_push(&xd, leaf.p, leaf.len);
	pk = br_x509_decoder_get_pkey(&xd);
	if (!pk || pk->key_type != BR_KEYTYPE_EC || pk->key.ec.qlen > sizeof(cl->q)) {
		return false;
	}
	memcpy(cl->q, pk->key.ec.q, pk->key.ec.qlen);
	cl->ta.dn.data = cl->dn;
	cl->ta.dn.len = cl->dn_len;
	cl->ta.flags = BR_X509_TA_CA;
	cl->ta.pkey.key_type = BR_KEYTYPE_EC;
	cl->ta.pkey.key.ec.curve = pk->key.ec.curve;
	cl->ta.pkey.key.ec.q = cl->q;
	cl->ta.pkey.key.ec.qlen = pk->key.ec.qlen;
	return true;
}

static void nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* suites/versions: NULL/0 for BearSSL's full client profile. */
static bool pair_open(struct pair *p, const uint16_t *suites, size_t n_suites, unsigned vmax)
{
	char dir[256];
	char why[160] = "";
	int err = 0;
	struct cert_info info;
	unsigned char seed[32];

	memset(p, 0, sizeof(*p));
	p->fd[0] = p->fd[1] = -1;
	CHECK_INT(rand_init(), 0);
	snprintf(dir, sizeof(dir), "%s/tls%d", unit_tmpdir(), n_store++);
	p->st = store_open(dir, 1, NULL, &err, why, sizeof(why));
	CHECK(p->st != NULL);
	if (!p->st) {
		return false;
	}
	CHECK_INT(cert_ensure(p->st, DOMAIN, why, sizeof(why)), 1);
	CHECK_INT(store_flush(p->st), 0);
	p->srv = cert_load(store_loop_txn(p->st), why, sizeof(why));
	CHECK(p->srv != NULL);
	CHECK_INT(cert_info_get(store_loop_txn(p->st), &info), 0);
	p->cli = calloc(1, sizeof(*p->cli));
	CHECK(p->cli != NULL);
	if (!p->srv || !p->cli || !cli_trust(p->cli, info.leaf)) {
		return false;
	}
	CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, p->fd), 0);
	nonblock(p->fd[0]);
	nonblock(p->fd[1]);
	CHECK_INT(tls_conn_init(&p->c, p->srv), 0);

	br_ssl_client_init_full(&p->cli->cc, &p->cli->xc, &p->cli->ta, 1);
	if (suites) {
		br_ssl_engine_set_suites(&p->cli->cc.eng, suites, n_suites);
	}
	if (vmax) {
		br_ssl_engine_set_versions(&p->cli->cc.eng, BR_TLS10, vmax);
	}
	br_ssl_engine_set_buffer(&p->cli->cc.eng, p->cli->iobuf, sizeof(p->cli->iobuf), 1);
	rand_bytes(seed, sizeof(seed));
	br_ssl_engine_inject_entropy(&p->cli->cc.eng, seed, sizeof(seed));
	CHECK(br_ssl_client_reset(&p->cli->cc, DOMAIN, 0));
	return true;
}

static void pair_close(struct pair *p)
{
	tls_conn_free(&p->c);
	tls_server_unref(p->srv);
	for (int i = 0; i < 2; i++) {
		if (p->fd[i] >= 0) {
			close(p->fd[i]);
		}
	}
	free(p->cli);
	store_close(p->st);
}

static void cli_pump(struct cli *cl, int fd)
{
	br_ssl_engine_context *e = &cl->cc.eng;
	bool progress = true;

	while (progress) {
		unsigned st = br_ssl_engine_current_state(e);
		size_t len;
		unsigned char *b;
		progress = false;
		if (st & BR_SSL_SENDREC) {
			b = br_ssl_engine_sendrec_buf(e, &len);
			ssize_t n = send(fd, b, len, MSG_NOSIGNAL);
			if (n > 0) {
				br_ssl_engine_sendrec_ack(e, (size_t)n);
				progress = true;
			}
		}
		if (st & BR_SSL_RECVREC) {
			b = br_ssl_engine_recvrec_buf(e, &len);
			ssize_t n = recv(fd, b, len, 0);
			if (n > 0) {
				br_ssl_engine_recvrec_ack(e, (size_t)n);
				progress = true;
			} else if (n == 0) {
				cl->eof = true;
			}
		}
	}
}

/* One loop iteration for the server side, then the client's turn. */
static void step(struct pair *p)
{
	struct pollfd pfd = { .fd = p->fd[0] };
	unsigned w = tls_conn_wants(&p->c);

	pfd.events = (short)((w & LOOP_IN ? POLLIN : 0) | (w & LOOP_OUT ? POLLOUT : 0));
	if (pfd.events && poll(&pfd, 1, 0) > 0) {
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			tls_conn_on_readable(&p->c, p->fd[0]);
		}
		if (pfd.revents & POLLOUT) {
			tls_conn_on_writable(&p->c, p->fd[0]);
		}
	}
	cli_pump(p->cli, p->fd[1]);
}

static bool handshake(struct pair *p)
{
	for (int i = 0; i < 100; i++) {
		step(p);
		if (tls_conn_handshake_done(&p->c) &&
			(br_ssl_engine_current_state(&p->cli->cc.eng) & BR_SSL_SENDAPP)) {
			return true;
		}
		if (tls_conn_finished(&p->c)) {
			break;
		}
	}
	return false;
}

static void cli_send(struct pair *p, const char *s)
{
	size_t len;
	unsigned char *b = br_ssl_engine_sendapp_buf(&p->cli->cc.eng, &len);

	CHECK(b != NULL && len >= strlen(s));
	if (b && len >= strlen(s)) {
		memcpy(b, s, strlen(s));
		br_ssl_engine_sendapp_ack(&p->cli->cc.eng, strlen(s));
		br_ssl_engine_flush(&p->cli->cc.eng, 0);
	}
}

static void handshake_data_close(void)
{
	struct pair p;
	char buf[64];
	char why[128];
	ssize_t n;
	enum { BIG = 40000 };
	unsigned char *big = malloc(BIG);
	unsigned char *got = malloc(BIG);
	size_t sent = 0;
	size_t recvd = 0;
	bool first = true;

	if (!pair_open(&p, NULL, 0, 0) || !big || !got) {
		goto out;
	}
	CHECK(!tls_conn_handshake_done(&p.c));
	CHECK_INT(tls_conn_write(&p.c, "early", 5), 0);
	CHECK_INT(tls_conn_read(&p.c, buf, sizeof(buf)), -EAGAIN);
	CHECK(!strcmp(tls_conn_suite_name(&p.c), "none"));
	CHECK(handshake(&p));
	CHECK_INT(tls_conn_err(&p.c), 0);
	CHECK_INT(br_ssl_engine_get_version(&p.cli->cc.eng), BR_TLS12);
	/* The client (BearSSL's order: ChaCha20 first too) gets our first. */
	CHECK(!strcmp(tls_conn_suite_name(&p.c), "ECDHE-ECDSA-CHACHA20-POLY1305"));
	CHECK_INT(br_ssl_engine_last_error(&p.cli->cc.eng), BR_ERR_OK);

	/* client -> server */
	cli_send(&p, REQ);
	for (int i = 0; i < 10; i++) {
		step(&p);
	}
	n = tls_conn_read(&p.c, buf, sizeof(buf));
	CHECK_INT(n, strlen(REQ));
	CHECK(n == (ssize_t)strlen(REQ) && !memcmp(buf, REQ, strlen(REQ)));
	CHECK_INT(tls_conn_read(&p.c, buf, sizeof(buf)), -EAGAIN);

	/* server -> client: more than a record per write, so the caller's
	 * queue holds the rest between rounds. */
	for (size_t i = 0; i < BIG; i++) {
		big[i] = (unsigned char)(i * 7 + i / 251);
	}
	for (int i = 0; i < 1000 && recvd < BIG; i++) {
		if (sent < BIG) {
			n = tls_conn_write(&p.c, big + sent, BIG - sent);
			CHECK(n >= 0);
			if (n > 0 && first) {
				CHECK(n <= TLS_OUT_RECORD);
				first = false;
			}
			sent += n > 0 ? (size_t)n : 0;
		}
		step(&p);
		for (;;) {
			size_t len;
			unsigned char *b = br_ssl_engine_recvapp_buf(&p.cli->cc.eng, &len);
			if (!b) {
				break;
			}
			if (len > BIG - recvd) {
				len = BIG - recvd;
			}
			memcpy(got + recvd, b, len);
			recvd += len;
			br_ssl_engine_recvapp_ack(&p.cli->cc.eng, len);
		}
	}
	CHECK_INT(recvd, BIG);
	CHECK(!memcmp(big, got, BIG));

	/* close_notify from the server; the client answers with its own. */
	tls_conn_close(&p.c);
	CHECK_INT(tls_conn_write(&p.c, "late", 4), 0);
	for (int i = 0; i < 20 && !tls_conn_finished(&p.c); i++) {
		step(&p);
	}
	CHECK_INT(br_ssl_engine_current_state(&p.cli->cc.eng), BR_SSL_CLOSED);
	CHECK_INT(br_ssl_engine_last_error(&p.cli->cc.eng), BR_ERR_OK);
	CHECK(tls_conn_finished(&p.c));
	CHECK_INT(tls_conn_err(&p.c), 0);
	CHECK_INT(tls_conn_read(&p.c, buf, sizeof(buf)), 0);
	CHECK_INT(tls_conn_write(&p.c, "x", 1), -EPIPE);
	CHECK_INT(tls_conn_wants(&p.c), 0);
	CHECK(!strcmp(tls_conn_strerror(&p.c, why, sizeof(why)), "no error"));
out:
	free(big);
	free(got);
	pair_close(&p);
}

static void client_close_and_backpressure(void)
{
	struct pair p;
	char buf[8];

	if (!pair_open(&p, NULL, 0, 0)) {
		goto out;
	}
	CHECK(handshake(&p));
	cli_send(&p, "0123456789");
	for (int i = 0; i < 5; i++) {
		step(&p);
	}
	/* Unread plaintext: the engine takes no more records, and the loop
	 * stops reading from this peer. */
	CHECK(!(tls_conn_wants(&p.c) & LOOP_IN));
	CHECK_INT(tls_conn_read(&p.c, buf, 4), 4);
	CHECK(!memcmp(buf, "0123", 4));
	CHECK(!(tls_conn_wants(&p.c) & LOOP_IN));
	CHECK_INT(tls_conn_read(&p.c, buf, sizeof(buf)), 6);
	CHECK(tls_conn_wants(&p.c) & LOOP_IN);
	br_ssl_engine_close(&p.cli->cc.eng);
	for (int i = 0; i < 20 && !tls_conn_finished(&p.c); i++) {
		step(&p);
	}
	CHECK(tls_conn_finished(&p.c));
	CHECK_INT(tls_conn_err(&p.c), 0);
	CHECK_INT(tls_conn_read(&p.c, buf, sizeof(buf)), 0);
out:
	pair_close(&p);
}

static bool run_to_failure(struct pair *p)
{
	for (int i = 0; i < 100 && !tls_conn_finished(&p->c); i++) {
		step(p);
	}
	return tls_conn_finished(&p->c);
}

static void rsa_only_client_fails(void)
{
	static const uint16_t rsa[] = {
		BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		BR_TLS_RSA_WITH_AES_128_GCM_SHA256,
	};
	struct pair p;
	char why[128];
	char buf[8];

	if (!pair_open(&p, rsa, sizeof(rsa) / sizeof(rsa[0]), 0)) {
		goto out;
	}
	CHECK(run_to_failure(&p));
	CHECK(!tls_conn_handshake_done(&p.c));
	CHECK_INT(tls_conn_err(&p.c), -EPROTO);
	/* BearSSL reports the alert it sent: handshake_failure. */
	CHECK_INT(tls_conn_br_err(&p.c), BR_ERR_SEND_FATAL_ALERT + 40);
	tls_conn_strerror(&p.c, why, sizeof(why));
	CHECK(!strcmp(why, "sent fatal alert 40 (handshake_failure)"));
	/* Sticky. */
	CHECK_INT(tls_conn_read(&p.c, buf, sizeof(buf)), -EPROTO);
	CHECK_INT(tls_conn_write(&p.c, "x", 1), -EPROTO);
	CHECK_INT(tls_conn_on_readable(&p.c, p.fd[0]), -EPROTO);
	CHECK_INT(tls_conn_wants(&p.c), 0);
	/* The server said why before closing: the client got an alert. */
	cli_pump(p.cli, p.fd[1]);
	CHECK(br_ssl_engine_last_error(&p.cli->cc.eng) >= BR_ERR_RECV_FATAL_ALERT);
out:
	pair_close(&p);
}

static void old_version_client_fails(void)
{
	struct pair p;
	char why[128];

	if (!pair_open(&p, NULL, 0, BR_TLS11)) {
		goto out;
	}
	CHECK(run_to_failure(&p));
	CHECK_INT(tls_conn_err(&p.c), -EPROTO);
	CHECK_INT(tls_conn_br_err(&p.c), BR_ERR_SEND_FATAL_ALERT + 70);
	tls_conn_strerror(&p.c, why, sizeof(why));
	CHECK(!strcmp(why, "sent fatal alert 70 (protocol_version)"));
out:
	pair_close(&p);
}

static void plaintext_peer_fails(void)
{
	static const char sip[] = "OPTIONS sip:" DOMAIN " SIP/2.0\r\nVia: SIP/2.0/TCP x\r\n\r\n";
	struct pair p;
	char why[128];

	if (!pair_open(&p, NULL, 0, 0)) {
		goto out;
	}
	CHECK_INT(send(p.fd[1], sip, sizeof(sip) - 1, 0), (long long)sizeof(sip) - 1);
	CHECK_INT(tls_conn_on_readable(&p.c, p.fd[0]), -EPROTO);
	CHECK(tls_conn_finished(&p.c));
	tls_conn_strerror(&p.c, why, sizeof(why));
	CHECK(!strncmp(why, "BR_ERR_", 7));
out:
	pair_close(&p);
}

static void peer_gone_mid_handshake(void)
{
	struct pair p;
	char why[128];

	if (!pair_open(&p, NULL, 0, 0)) {
		goto out;
	}
	cli_pump(p.cli, p.fd[1]); /* ClientHello */
	close(p.fd[1]);
	p.fd[1] = -1;
	for (int i = 0; i < 10 && !tls_conn_finished(&p.c); i++) {
		unsigned w = tls_conn_wants(&p.c);
		if (w & LOOP_IN) {
			tls_conn_on_readable(&p.c, p.fd[0]);
		}
		if (w & LOOP_OUT) {
			tls_conn_on_writable(&p.c, p.fd[0]);
		}
	}
	CHECK(tls_conn_finished(&p.c));
	CHECK(tls_conn_err(&p.c) == -ECONNRESET || tls_conn_err(&p.c) == -EPIPE);
	tls_conn_strerror(&p.c, why, sizeof(why));
	if (tls_conn_err(&p.c) == -ECONNRESET) {
		CHECK(!strcmp(why, "peer closed the connection during the handshake"));
	}
	CHECK_INT(tls_conn_br_err(&p.c), 0);
out:
	pair_close(&p);
}

static void server_refcount_and_names(void)
{
	struct str chain = STR("x");
	br_ec_private_key sk = { BR_EC_secp384r1, (unsigned char *)"k", 1 };
	char why[128] = "";

	CHECK(tls_server_new(&chain, 0, &sk, why, sizeof(why)) == NULL);
	CHECK(strstr(why, "1 to 4 certificates") != NULL);
	CHECK(tls_server_new(&chain, 1, &sk, why, sizeof(why)) == NULL);
	CHECK(!strcmp(why, "the TLS key must be EC P-256"));
	CHECK(!strcmp(tls_err_name(BR_ERR_BAD_MAC), "BR_ERR_BAD_MAC"));
	CHECK(!strcmp(tls_err_name(BR_ERR_X509_EXPIRED), "BR_ERR_X509_EXPIRED"));
	CHECK(!strcmp(tls_err_name(11), "BR_ERR_?"));
	CHECK(!strcmp(tls_err_name(-1), "BR_ERR_?"));
	CHECK(!strcmp(tls_err_name(9999), "BR_ERR_?"));
}

UNIT_SUITE(tls, UNIT_TEST(handshake_data_close), UNIT_TEST(client_close_and_backpressure),
	UNIT_TEST(rsa_only_client_fails), UNIT_TEST(old_version_client_fails),
	UNIT_TEST(plaintext_peer_fails), UNIT_TEST(peer_gone_mid_handshake),
	UNIT_TEST(server_refcount_and_names));

#endif
