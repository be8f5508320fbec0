/* The SIP endpoint: receives from the transports, parses, validates, runs
 * requests through the server transactions and answers what the server
 * answers itself (RFC 3261 8.2 and 11): OPTIONS to the server, 420 for an
 * unsupported Require, 483 for Max-Forwards 0, 501 for an unknown method,
 * 405 for a known one not allowed here, 403/404 for requests it cannot
 * route yet, 400/513 for malformed or oversized messages, 503 with
 * Retry-After when the transaction table is full. Loop thread only. */
#ifndef SIP_ENDPOINT_H
#define SIP_ENDPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "autoconf.h"
#include "core/addr.h"
#include "core/pool.h"

/* Starts the transaction layer and the transports (-ENOMEM). */
int sip_endpoint_start(void);
/* UDP and TCP listeners on a (port 0: any free port, the same for both);
 * where gets the bound address as text. -errno when it cannot listen. */
int sip_endpoint_listen(const struct addr *a, char *where, size_t cap);
#if ENABLE_SIP_TLS
struct tls_server;
/* A SIP-over-TLS listener with the credential srv (the endpoint takes
 * over the caller's reference). */
int sip_endpoint_listen_tls(const struct addr *a, struct tls_server *srv, char *where, size_t cap);
#endif
/* Closes every listener and connection, ends every transaction. */
void sip_endpoint_stop(void);
/* The domain this server is responsible for (requests for other hosts
 * are refused until the proxy exists). Copied. */
void sip_endpoint_set_domain(const char *domain);

struct sip_endpoint_stats {
	uint64_t requests;
	uint64_t responses_sent;
	uint64_t malformed; /* answered 400/513 */
	uint64_t dropped; /* unanswerable garbage, stray responses */
};
void sip_endpoint_stats(struct sip_endpoint_stats *out, struct pool_stats *tsx);

#endif
