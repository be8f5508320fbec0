/* TLS for the loop's streams (SIP over TLS, MSRP over TLS, HTTPS): a
 * BearSSL server engine fed by a non-blocking socket that the caller owns.
 *
 * Profile. TLS 1.2 only (BearSSL's highest) with the three ECDHE-ECDSA
 * AEAD suites, ChaCha20-Poly1305 first (the boards have no AES
 * instructions; constant-time software AES is several times slower), then
 * AES-128-GCM and AES-256-GCM. ECDHE on P-256 only: every TLS 1.2 client
 * offers it, and one curve keeps the binary small. Client-initiated
 * renegotiation is refused. No session resumption. The server key is EC
 * P-256 (core/cert refuses anything else).
 *
 * RAM per connection: one allocation of TLS_CONN_IOBUF bytes (a full
 * 16 KiB input record, which a peer may always send, plus a 4 KiB output
 * record) = 20890 bytes, plus struct tls_conn itself (4160 bytes on
 * x86_64, 3800 on 32-bit MIPS) embedded in the caller's connection
 * object: about 24.5 KiB in all (BearSSL's full-duplex default would be
 * 37 KiB). Plaintext handed to tls_conn_write() is cut into
 * records of up to 4 KiB.
 *
 * Driving it. The transport keeps the socket in the loop with the events
 * tls_conn_wants() returns, re-read after every call into this module:
 *
 *	on LOOP_IN:  tls_conn_on_readable(c, fd); then tls_conn_read() until
 *	             -EAGAIN (plaintext, possibly none)
 *	on LOOP_OUT: tls_conn_on_writable(c, fd); then write what was queued
 *	to send:     tls_conn_write() takes what fits in the current record;
 *	             the caller keeps the rest in its bounded queue and
 *	             retries on LOOP_OUT (or calls tls_conn_on_writable() at
 *	             once to push the record and write again)
 *	when tls_conn_finished(): close the socket, tls_conn_free()
 *
 * Backpressure: while the caller leaves received plaintext unread,
 * tls_conn_wants() drops LOOP_IN, so the loop stops reading from that peer.
 *
 * Errors are sticky: once a call fails (protocol error, alert, socket
 * error, peer gone) every later call returns the same error, and
 * tls_conn_strerror() says why in one line for the log.
 *
 * Threads: the loop thread only (a tls_server is shared by its
 * connections without locking). The handshake deadline is the caller's
 * (it owns the timers): it checks tls_conn_handshake_done() when its timer
 * fires. */
#ifndef CORE_TLS_H
#define CORE_TLS_H

#include <bearssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "autoconf.h"
#include "core/str.h"

#if !ENABLE_TLS
#error "core/tls.h is only for builds with CONFIG_TLS"
#endif

/* Most certificates in a served chain (leaf + intermediates). */
#define TLS_CHAIN_MAX 4
/* Bytes of plaintext per outgoing record: 4 KiB holds a typical SIP
 * message or MSRP chunk in one record, at a quarter of the RAM of 16 KiB. */
#define TLS_OUT_RECORD 4096
/* The per-connection I/O buffer in bytes: input + output (see above). */
#define TLS_CONN_IOBUF (BR_SSL_BUFSIZE_INPUT + TLS_OUT_RECORD + 85)

/* A server credential: the certificate chain and the EC P-256 private key,
 * copied in (the key is wiped when the credential is freed). Reference
 * counted: each tls_conn holds one reference, so replacing the credential
 * (a new certificate) leaves open connections on the old one. */
struct tls_server;

/* chain[0] is the leaf; chain holds 1..TLS_CHAIN_MAX DER certificates. The
 * caller's memory (chain, sk) may be wiped once this returns. NULL on
 * error with a one-line reason in why. The caller owns one reference. */
struct tls_server *tls_server_new(const struct str *chain, size_t chain_len,
	const br_ec_private_key *sk, char *why, size_t why_len);
/* Drops the caller's reference. NULL is a no-op. */
void tls_server_unref(struct tls_server *srv);

/* Embedded in the caller's connection object; fields are private. */
struct tls_conn {
	br_ssl_server_context ssl;
	struct tls_server *srv;
	unsigned char *iobuf;
	int err;
	int br_err;
	bool hs_done;
	bool peer_eof;
};

/* Starts the server side of a new connection: takes a reference on srv
 * and allocates the I/O buffer. 0, -ENOMEM (nothing to free), or -EPROTO
 * (BearSSL refused the set-up; tls_conn_free() it). */
int tls_conn_init(struct tls_conn *c, struct tls_server *srv);
/* Wipes the connection's keys and buffer, drops the server reference.
 * Does not close fd. Safe on a connection whose init failed. */
void tls_conn_free(struct tls_conn *c);

/* Move ciphertext between the socket and the engine (and so run the
 * handshake). They never block: fd must be non-blocking, or is used with
 * MSG_DONTWAIT. on_readable also sends what the engine has to send. They
 * return 0 or the sticky error. */
int tls_conn_on_readable(struct tls_conn *c, int fd);
int tls_conn_on_writable(struct tls_conn *c, int fd);

/* Plaintext received: bytes copied (> 0), -EAGAIN when none is ready, 0
 * once the peer has closed cleanly (close_notify), or the sticky error
 * (< 0). */
ssize_t tls_conn_read(struct tls_conn *c, void *buf, size_t cap);
/* Queues plaintext: the number of bytes taken (0 during the handshake or
 * while the current record waits for the socket), or the sticky error, or
 * -EPIPE after tls_conn_close(). What was taken goes out with the next
 * on_writable/on_readable. */
ssize_t tls_conn_write(struct tls_conn *c, const void *data, size_t len);
/* Queues close_notify (RFC 5246 7.2.1); the caller then waits for
 * LOOP_OUT until tls_conn_wants() no longer asks for it, and may close the
 * socket without waiting for the peer's close_notify. */
void tls_conn_close(struct tls_conn *c);

/* LOOP_IN and/or LOOP_OUT (core/loop.h) as the engine needs them now. */
unsigned tls_conn_wants(const struct tls_conn *c);
/* Nothing more will happen: closed cleanly or failed, nothing left to
 * send. The caller closes its socket and frees the connection. */
bool tls_conn_finished(const struct tls_conn *c);
bool tls_conn_handshake_done(const struct tls_conn *c);
/* 0 or the sticky error: -EPROTO (TLS failure, see tls_conn_br_err()),
 * -ECONNRESET (the peer closed the socket without close_notify), or
 * another -errno of the socket. */
int tls_conn_err(const struct tls_conn *c);
/* The BearSSL error code (BR_ERR_*, + 256/512 for received/sent alerts)
 * when tls_conn_err() is -EPROTO, else 0. */
int tls_conn_br_err(const struct tls_conn *c);
/* One line for the log, e.g. "BR_ERR_BAD_CIPHER_SUITE (no common cipher
 * suite)" or "peer sent fatal alert 40 (handshake_failure)"; written into
 * buf (cap bytes), which is returned. */
const char *tls_conn_strerror(const struct tls_conn *c, char *buf, size_t cap);
/* The negotiated suite's name ("ECDHE-ECDSA-CHACHA20-POLY1305"), or "none"
 * before the handshake. Static storage. */
const char *tls_conn_suite_name(const struct tls_conn *c);

/* The name of a BearSSL error code (BR_ERR_* of bearssl_ssl.h and
 * bearssl_x509.h), e.g. "BR_ERR_X509_EXPIRED"; "BR_ERR_?" when unknown.
 * Static storage. */
const char *tls_err_name(int br_err);

#endif
