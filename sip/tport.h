/* SIP transports (RFC 3261 section 18): listeners, framing, sending. The
 * transport hands every received message up through the callback given to
 * sip_tport_init() and never interprets it beyond framing; it never
 * retransmits (only the transaction layer does). Loop thread only. */
#ifndef SIP_TPORT_H
#define SIP_TPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/pool.h"

enum sip_proto {
	SIP_PROTO_UDP = 1,
	SIP_PROTO_TCP,
	SIP_PROTO_TLS,
};

/* Where a message came from, or where one goes: for UDP the peer address,
 * for a stream the connection (conn is its generation-tagged id; a reply
 * to a closed connection fails with -ENOTCONN). */
struct sip_peer {
	enum sip_proto proto;
	struct addr addr;
	uint32_t conn;
};

/* A received message. too_large: the datagram or frame exceeded
 * CONFIG_SIP_MAX_MSG_SIZE; buf then holds only its first bytes (enough to
 * answer 513 when the headers are there). */
typedef void (*sip_tport_rx_fn)(
	const char *buf, size_t len, bool too_large, const struct sip_peer *from);

int sip_tport_init(sip_tport_rx_fn rx);
void sip_tport_fini(void);
/* Opens a listener; bound gets the address really bound (port 0 = any).
 * -errno on failure (EADDRINUSE, EACCES, ...). */
int sip_tport_listen(enum sip_proto proto, const struct addr *a, struct addr *bound);
struct tls_server;
/* The credential of the TLS listeners (a reference is taken; NULL drops
 * it). Open connections keep the one they started with. */
void sip_tport_set_tls(struct tls_server *srv);
/* Sends one whole message. UDP: one datagram to to->addr. 0 or -errno;
 * a UDP send error is returned, never retried here. */
int sip_tport_send(const struct sip_peer *to, const void *data, size_t len);
/* The connection (TCP or TLS, by proto) open with the peer at a, or 0.
 * sipbox opens no connection itself yet: a device is reached over the
 * connection it opened (RFC 5626 5), found by its address. A linear scan
 * of CONFIG_SIP_MAX_TCP_CONNS. */
uint32_t sip_tport_conn_to(enum sip_proto proto, const struct addr *a);
/* The name of a protocol as in a Via ("UDP", "TCP", "TLS"). */
const char *sip_proto_name(enum sip_proto proto);
/* Counters: received, sent, dropped (unparseable, too large, send error). */
struct sip_tport_stats {
	uint64_t rx;
	uint64_t tx;
	uint64_t dropped;
};
void sip_tport_stats(struct sip_tport_stats *out);

#endif
