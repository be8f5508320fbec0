#include "core/tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/loop.h"
#include "core/rand.h"

struct tls_server {
	unsigned refs;
	size_t chain_len;
	br_x509_certificate chain[TLS_CHAIN_MAX];
	br_ec_private_key sk;
	unsigned char key[BR_EC_KBUF_PRIV_MAX_SIZE];
	unsigned char der[]; /* the chain's DER, back to back */
};

/* Server preference (enforced): see tls.h for why ChaCha20 comes first. */
static const uint16_t tls_suites[] = {
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
};

static const struct {
	uint16_t id;
	const char *name;
} tls_suite_names[] = {
	{ BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-ECDSA-CHACHA20-POLY1305" },
	{ BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256" },
	{ BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE-ECDSA-AES256-GCM-SHA384" },
};

#define E(code, text) [code] = { #code, text }
static const struct {
	const char *name;
	const char *text;
} tls_errs[] = {
	E(BR_ERR_OK, "no error"),
	E(BR_ERR_BAD_PARAM, "bad parameter"),
	E(BR_ERR_BAD_STATE, "bad engine state"),
	E(BR_ERR_UNSUPPORTED_VERSION, "the peer does not speak TLS 1.2"),
	E(BR_ERR_BAD_VERSION, "bad protocol version in a record"),
	E(BR_ERR_BAD_LENGTH, "bad record length"),
	E(BR_ERR_TOO_LARGE, "record too large"),
	E(BR_ERR_BAD_MAC, "bad record MAC"),
	E(BR_ERR_NO_RANDOM, "no random source"),
	E(BR_ERR_UNKNOWN_TYPE, "unknown record type (not TLS?)"),
	E(BR_ERR_UNEXPECTED, "unexpected message"),
	E(BR_ERR_BAD_CCS, "bad ChangeCipherSpec"),
	E(BR_ERR_BAD_ALERT, "bad alert"),
	E(BR_ERR_BAD_HANDSHAKE, "bad handshake message"),
	E(BR_ERR_OVERSIZED_ID, "oversized session id"),
	E(BR_ERR_BAD_CIPHER_SUITE, "no common cipher suite"),
	E(BR_ERR_BAD_COMPRESSION, "no common compression"),
	E(BR_ERR_BAD_FRAGLEN, "bad max fragment length"),
	E(BR_ERR_BAD_SECRENEG, "bad secure renegotiation"),
	E(BR_ERR_EXTRA_EXTENSION, "unexpected extension"),
	E(BR_ERR_BAD_SNI, "bad server name"),
	E(BR_ERR_BAD_HELLO_DONE, "bad ServerHelloDone"),
	E(BR_ERR_LIMIT_EXCEEDED, "a limit was exceeded"),
	E(BR_ERR_BAD_FINISHED, "bad Finished"),
	E(BR_ERR_RESUME_MISMATCH, "resumption mismatch"),
	E(BR_ERR_INVALID_ALGORITHM, "no common curve or signature algorithm"),
	E(BR_ERR_BAD_SIGNATURE, "bad signature"),
	E(BR_ERR_WRONG_KEY_USAGE, "key usage forbids this suite"),
	E(BR_ERR_NO_CLIENT_AUTH, "no client certificate"),
	E(BR_ERR_IO, "I/O error"),
	E(BR_ERR_X509_OK, "certificate OK"),
	E(BR_ERR_X509_INVALID_VALUE, "invalid value in an ASN.1 structure"),
	E(BR_ERR_X509_TRUNCATED, "truncated certificate"),
	E(BR_ERR_X509_EMPTY_CHAIN, "empty chain"),
	E(BR_ERR_X509_INNER_TRUNC, "inner element extends beyond its parent"),
	E(BR_ERR_X509_BAD_TAG_CLASS, "unsupported tag class"),
	E(BR_ERR_X509_BAD_TAG_VALUE, "unsupported tag value"),
	E(BR_ERR_X509_INDEFINITE_LENGTH, "indefinite length"),
	E(BR_ERR_X509_EXTRA_ELEMENT, "extra element"),
	E(BR_ERR_X509_UNEXPECTED, "unexpected element"),
	E(BR_ERR_X509_NOT_CONSTRUCTED, "expected a constructed element"),
	E(BR_ERR_X509_NOT_PRIMITIVE, "expected a primitive element"),
	E(BR_ERR_X509_PARTIAL_BYTE, "partial byte in a BIT STRING"),
	E(BR_ERR_X509_BAD_BOOLEAN, "bad BOOLEAN"),
	E(BR_ERR_X509_OVERFLOW, "value too large"),
	E(BR_ERR_X509_BAD_DN, "bad distinguished name"),
	E(BR_ERR_X509_BAD_TIME, "bad time"),
	E(BR_ERR_X509_UNSUPPORTED, "unsupported feature"),
	E(BR_ERR_X509_LIMIT_EXCEEDED, "a limit was exceeded"),
	E(BR_ERR_X509_WRONG_KEY_TYPE, "wrong key type"),
	E(BR_ERR_X509_BAD_SIGNATURE, "bad signature"),
	E(BR_ERR_X509_TIME_UNKNOWN, "time unknown"),
	E(BR_ERR_X509_EXPIRED, "expired or not yet valid"),
	E(BR_ERR_X509_DN_MISMATCH, "issuer/subject mismatch"),
	E(BR_ERR_X509_BAD_SERVER_NAME, "server name does not match"),
	E(BR_ERR_X509_CRITICAL_EXTENSION, "unknown critical extension"),
	E(BR_ERR_X509_NOT_CA, "issuer is not a CA"),
	E(BR_ERR_X509_FORBIDDEN_KEY_USAGE, "key usage forbids it"),
	E(BR_ERR_X509_WEAK_PUBLIC_KEY, "weak public key"),
	E(BR_ERR_X509_NOT_TRUSTED, "not trusted"),
};
#undef E

/* RFC 5246 7.2 */
static const char *const tls_alerts[] = {
	[0] = "close_notify",
	[10] = "unexpected_message",
	[20] = "bad_record_mac",
	[22] = "record_overflow",
	[40] = "handshake_failure",
	[42] = "bad_certificate",
	[43] = "unsupported_certificate",
	[44] = "certificate_revoked",
	[45] = "certificate_expired",
	[46] = "certificate_unknown",
	[47] = "illegal_parameter",
	[48] = "unknown_ca",
	[49] = "access_denied",
	[50] = "decode_error",
	[51] = "decrypt_error",
	[70] = "protocol_version",
	[71] = "insufficient_security",
	[80] = "internal_error",
	[90] = "user_canceled",
	[100] = "no_renegotiation",
	[110] = "unsupported_extension",
	[112] = "unrecognized_name",
};

const char *tls_err_name(int br_err)
{
	if (br_err >= 0 && (size_t)br_err < sizeof(tls_errs) / sizeof(tls_errs[0]) &&
		tls_errs[br_err].name) {
		return tls_errs[br_err].name;
	}
	return "BR_ERR_?";
}

static const char *tls_alert_name(int alert)
{
	if (alert >= 0 && (size_t)alert < sizeof(tls_alerts) / sizeof(tls_alerts[0]) &&
		tls_alerts[alert]) {
		return tls_alerts[alert];
	}
	return "unknown";
}

struct tls_server *tls_server_new(const struct str *chain, size_t chain_len,
	const br_ec_private_key *sk, char *why, size_t why_len)
{
	size_t total = 0;
	struct tls_server *srv;

	if (chain_len == 0 || chain_len > TLS_CHAIN_MAX) {
		snprintf(why, why_len, "a certificate chain holds 1 to %d certificates, not %zu",
			TLS_CHAIN_MAX, chain_len);
		return NULL;
	}
	if (sk->curve != BR_EC_secp256r1 || sk->xlen == 0 || sk->xlen > sizeof(srv->key)) {
		snprintf(why, why_len, "the TLS key must be EC P-256");
		return NULL;
	}
	for (size_t i = 0; i < chain_len; i++) {
		if (chain[i].len == 0) {
			snprintf(why, why_len, "certificate %zu of the chain is empty", i + 1);
			return NULL;
		}
		total += chain[i].len;
	}
	srv = calloc(1, sizeof(*srv) + total);
	if (!srv) {
		snprintf(why, why_len, "out of memory for the TLS credential");
		return NULL;
	}
	srv->refs = 1;
	srv->chain_len = chain_len;
	total = 0;
	for (size_t i = 0; i < chain_len; i++) {
		memcpy(srv->der + total, chain[i].p, chain[i].len);
		srv->chain[i].data = srv->der + total;
		srv->chain[i].data_len = chain[i].len;
		total += chain[i].len;
	}
	memcpy(srv->key, sk->x, sk->xlen);
	srv->sk.curve = sk->curve;
	srv->sk.x = srv->key;
	srv->sk.xlen = sk->xlen;
	return srv;
}

void tls_server_unref(struct tls_server *srv)
{
	if (!srv || --srv->refs > 0) {
		return;
	}
	explicit_bzero(srv->key, sizeof(srv->key));
	free(srv);
}

/* Only what the three suites need, not br_ssl_server_init_full_ec(): that
 * profile also links CBC, CCM, 3DES, static ECDH, TLS 1.0 PRF, MD5/SHA-1
 * handshake hashes and every curve. */
static void tls_conn_profile(struct tls_conn *c)
{
	br_ssl_engine_context *eng = &c->ssl.eng;

	br_ssl_server_zero(&c->ssl);
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(eng, tls_suites, sizeof(tls_suites) / sizeof(tls_suites[0]));
	br_ssl_engine_add_flags(eng, BR_OPT_ENFORCE_SERVER_PREFERENCES | BR_OPT_NO_RENEGOTIATION);
	br_ssl_engine_set_ec(eng, &br_ec_p256_m31);
	br_ssl_server_set_single_ec(&c->ssl, c->srv->chain, c->srv->chain_len, &c->srv->sk,
		BR_KEYTYPE_SIGN, BR_KEYTYPE_EC, &br_ec_p256_m31, br_ecdsa_i31_sign_asn1);
	/* SHA-256 and SHA-384: the PRFs of the suites and the ServerKeyExchange
	 * signature hashes a TLS 1.2 client offers. */
	br_ssl_engine_set_hash(eng, br_sha256_ID, &br_sha256_vtable);
	br_ssl_engine_set_hash(eng, br_sha384_ID, &br_sha384_vtable);
	br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
	br_ssl_engine_set_default_aes_gcm(eng);
	br_ssl_engine_set_default_chapol(eng);
}

int tls_conn_init(struct tls_conn *c, struct tls_server *srv)
{
	unsigned char seed[32];

	memset(c, 0, sizeof(*c));
	c->iobuf = malloc(TLS_CONN_IOBUF);
	if (!c->iobuf) {
		return -ENOMEM;
	}
	c->srv = srv;
	srv->refs++;
	tls_conn_profile(c);
	br_ssl_engine_set_buffers_bidi(&c->ssl.eng, c->iobuf, BR_SSL_BUFSIZE_INPUT,
		c->iobuf + BR_SSL_BUFSIZE_INPUT, TLS_CONN_IOBUF - BR_SSL_BUFSIZE_INPUT);
	/* Our generator, so a handshake does not depend on the engine finding
	 * an OS source by itself. */
	rand_bytes(seed, sizeof(seed));
	br_ssl_engine_inject_entropy(&c->ssl.eng, seed, sizeof(seed));
	explicit_bzero(seed, sizeof(seed));
	if (!br_ssl_server_reset(&c->ssl)) {
		c->br_err = br_ssl_engine_last_error(&c->ssl.eng);
		c->err = -EPROTO;
		return c->err;
	}
	return 0;
}

void tls_conn_free(struct tls_conn *c)
{
	if (c->iobuf) {
		explicit_bzero(c->iobuf, TLS_CONN_IOBUF);
		free(c->iobuf);
	}
	tls_server_unref(c->srv);
	explicit_bzero(c, sizeof(*c));
}

/* Records a failure of the engine as the sticky error, and notes the end of
 * the handshake. */
static unsigned tls_conn_state(struct tls_conn *c)
{
	unsigned st = br_ssl_engine_current_state(&c->ssl.eng);

	if (st == BR_SSL_CLOSED) {
		int e = br_ssl_engine_last_error(&c->ssl.eng);
		if (e != BR_ERR_OK && c->err == 0) {
			c->err = -EPROTO;
			c->br_err = e;
		}
	} else if (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP)) {
		c->hs_done = true;
	}
	return st;
}

static void tls_conn_flush_out(struct tls_conn *c, int fd)
{
	while (c->err == 0 && (tls_conn_state(c) & BR_SSL_SENDREC)) {
		size_t len;
		unsigned char *p = br_ssl_engine_sendrec_buf(&c->ssl.eng, &len);
		ssize_t n = send(fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				c->err = -errno;
			}
			return;
		}
		br_ssl_engine_sendrec_ack(&c->ssl.eng, (size_t)n);
	}
}

int tls_conn_on_readable(struct tls_conn *c, int fd)
{
	/* Output first: in the handshake the engine takes no input while a
	 * flight of ours is still pending. The engine never asks for more
	 * than the rest of the current record, so no ciphertext is left
	 * buffered here when RECVREC drops. */
	tls_conn_flush_out(c, fd);
	while (c->err == 0 && (tls_conn_state(c) & BR_SSL_RECVREC)) {
		size_t len;
		unsigned char *p = br_ssl_engine_recvrec_buf(&c->ssl.eng, &len);
		ssize_t n = recv(fd, p, len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				c->err = -errno;
			}
			break;
		}
		if (n == 0) {
			/* A close after the peer's close_notify leaves the engine
			 * closed and never gets here: this is a truncation. */
			c->peer_eof = true;
			c->err = -ECONNRESET;
			break;
		}
		br_ssl_engine_recvrec_ack(&c->ssl.eng, (size_t)n);
		tls_conn_flush_out(c, fd);
	}
	tls_conn_flush_out(c, fd);
	tls_conn_state(c);
	return c->err;
}

int tls_conn_on_writable(struct tls_conn *c, int fd)
{
	tls_conn_flush_out(c, fd);
	tls_conn_state(c);
	return c->err;
}

ssize_t tls_conn_read(struct tls_conn *c, void *buf, size_t cap)
{
	size_t len;
	unsigned char *p;
	unsigned st;

	if (c->err) {
		return c->err;
	}
	st = tls_conn_state(c);
	if (st == BR_SSL_CLOSED) {
		return c->err ? c->err : 0;
	}
	p = br_ssl_engine_recvapp_buf(&c->ssl.eng, &len);
	if (!p || cap == 0) {
		return -EAGAIN;
	}
	if (len > cap) {
		len = cap;
	}
	memcpy(buf, p, len);
	br_ssl_engine_recvapp_ack(&c->ssl.eng, len);
	return (ssize_t)len;
}

ssize_t tls_conn_write(struct tls_conn *c, const void *data, size_t len)
{
	const unsigned char *d = data;
	size_t taken = 0;

	if (c->err) {
		return c->err;
	}
	if (tls_conn_state(c) == BR_SSL_CLOSED) {
		return c->err ? c->err : -EPIPE;
	}
	while (taken < len) {
		size_t avail;
		unsigned char *p = br_ssl_engine_sendapp_buf(&c->ssl.eng, &avail);
		if (!p) {
			break;
		}
		if (avail > len - taken) {
			avail = len - taken;
		}
		memcpy(p, d + taken, avail);
		br_ssl_engine_sendapp_ack(&c->ssl.eng, avail);
		taken += avail;
	}
	if (taken > 0) {
		/* A record per write: SIP and MSRP are request/response, so
		 * waiting to fill a record would only add latency. */
		br_ssl_engine_flush(&c->ssl.eng, 0);
	}
	return (ssize_t)taken;
}

void tls_conn_close(struct tls_conn *c)
{
	if (c->err == 0) {
		br_ssl_engine_close(&c->ssl.eng);
	}
}

unsigned tls_conn_wants(const struct tls_conn *c)
{
	unsigned st;
	unsigned ev = 0;

	if (c->err) {
		return 0;
	}
	st = br_ssl_engine_current_state(&c->ssl.eng);
	if (st == BR_SSL_CLOSED) {
		return 0;
	}
	if (st & BR_SSL_SENDREC) {
		ev |= LOOP_OUT;
	}
	if (st & BR_SSL_RECVREC) {
		ev |= LOOP_IN;
	}
	return ev;
}

bool tls_conn_finished(const struct tls_conn *c)
{
	return c->err != 0 || br_ssl_engine_current_state(&c->ssl.eng) == BR_SSL_CLOSED;
}

bool tls_conn_handshake_done(const struct tls_conn *c)
{
	return c->hs_done;
}

int tls_conn_err(const struct tls_conn *c)
{
	return c->err;
}

int tls_conn_br_err(const struct tls_conn *c)
{
	return c->err == -EPROTO ? c->br_err : 0;
}

const char *tls_conn_strerror(const struct tls_conn *c, char *buf, size_t cap)
{
	int e = c->br_err;

	if (c->err == 0) {
		snprintf(buf, cap, "no error");
	} else if (c->err == -EPROTO && e >= BR_ERR_SEND_FATAL_ALERT) {
		e -= BR_ERR_SEND_FATAL_ALERT;
		snprintf(buf, cap, "sent fatal alert %d (%s)", e, tls_alert_name(e));
	} else if (c->err == -EPROTO && e >= BR_ERR_RECV_FATAL_ALERT) {
		e -= BR_ERR_RECV_FATAL_ALERT;
		snprintf(buf, cap, "peer sent fatal alert %d (%s)", e, tls_alert_name(e));
	} else if (c->err == -EPROTO) {
		const char *text = "unknown error";
		if (e >= 0 && (size_t)e < sizeof(tls_errs) / sizeof(tls_errs[0]) &&
			tls_errs[e].text) {
			text = tls_errs[e].text;
		}
		snprintf(buf, cap, "%s (%s)", tls_err_name(e), text);
	} else if (c->peer_eof) {
		snprintf(buf, cap, "peer closed the connection %s",
			c->hs_done ? "without close_notify" : "during the handshake");
	} else {
		snprintf(buf, cap, "socket: %s", strerror(-c->err));
	}
	return buf;
}

const char *tls_conn_suite_name(const struct tls_conn *c)
{
	uint16_t id = c->ssl.eng.session.cipher_suite;

	if (!c->hs_done) {
		return "none";
	}
	for (size_t i = 0; i < sizeof(tls_suite_names) / sizeof(tls_suite_names[0]); i++) {
		if (tls_suite_names[i].id == id) {
			return tls_suite_names[i].name;
		}
	}
	return "unknown";
}
