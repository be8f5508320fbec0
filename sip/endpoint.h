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
#include "core/buf.h"
#include "core/pool.h"
#include "sip/msg.h"
#include "sip/tport.h"

struct sip_tsx;

/* One received request being handled. It lives on the endpoint's stack
 * for the handler's call only; m points into the receive buffer and the
 * arena, both reused for the next message. A handler that answers later
 * builds its response now (sip_endpoint_build) and sends it through tsx. */
struct sip_req {
	const struct sip_msg *m;
	struct sip_peer src; /* where it came from */
	struct sip_peer reply; /* where responses go (18.2.2) */
	struct sip_tsx *tsx; /* the server transaction; NULL when stateless */
	struct str top_via; /* top Via with received/rport (18.2.1) */
	/* The endpoint checked its credentials: the From is a user of ours
	 * and proved it (RFC 3261 22). */
	bool authenticated;
	char via[CONFIG_SIP_MAX_HEADER_LEN];
	char to_tag[17];
};

/* A transaction user for one method, called after the endpoint's checks
 * (Require, Max-Forwards, authentication of local users). It answers
 * every request it gets, statelessly (RFC 3261 8.2.7), as the registrar
 * does: r->tsx is NULL and a retransmission reaches the handler again (a
 * server transaction would hold a pool entry for 64*T1 over UDP). */
typedef void (*sip_endpoint_handler)(struct sip_req *r);
void sip_endpoint_set_handler(enum sip_method method, sip_endpoint_handler fn);

/* The proxy: what the endpoint hands on once it has checked a request
 * that is not for the server itself (REGISTER excepted, which has its
 * handler). Any member may be NULL. */
struct sip_endpoint_router {
	/* True for a request that needs no authentication of its own: one
	 * inside a dialog the proxy set up (and checked then). */
	bool (*trusted)(const struct sip_msg *m);
	/* A request for someone else (a user here, another domain, or a
	 * dialog we record-routed), in a server transaction. */
	sip_endpoint_handler request;
	/* An ACK that no transaction absorbed (for a 2xx: end to end). */
	sip_endpoint_handler ack;
	/* A CANCEL (9.2, 16.10); r->tsx is NULL, the proxy answers it. */
	sip_endpoint_handler cancel;
	/* A response that no client transaction matched (16.7: a 2xx
	 * retransmission to forward statelessly). */
	void (*response)(const struct sip_msg *m, const struct sip_peer *src);
};
void sip_endpoint_set_router(const struct sip_endpoint_router *router);
/* Our address as a Via sent-by or a Record-Route names it, for the
 * transport proto ("192.0.2.1:5060"); -ENOENT when not listening on it. */
int sip_endpoint_hostport(enum sip_proto proto, char *out, size_t cap);
/* True when u names this server: our domain, or our address and port. */
bool sip_endpoint_uri_is_us(const struct sip_uri *u);

/* Writes the start line and the headers every response carries (8.2.6.2,
 * with a To tag on finals and the Server header) into b; the caller adds
 * its header lines and ends with sip_msg_build_end(). */
void sip_endpoint_build(struct sip_req *r, struct buf *b, unsigned status, const char *reason);
/* A whole response of ours to request m, for when the request is no
 * longer a struct sip_req (a proxy answering later): the headers of
 * 8.2.6.2 with to_tag and top_via as for sip_msg_build_response(), the
 * Server header, extra (complete header lines, or NULL) and no body.
 * Errors: b's sticky error. */
void sip_endpoint_answer(struct buf *b, const struct sip_msg *m, unsigned status,
	const char *reason, struct str to_tag, struct str top_via, const char *extra);
/* Sends a built response through r's transaction (or statelessly); to
 * send one after the handler returned, keep r->reply and use
 * sip_endpoint_send_to. */
void sip_endpoint_send(struct sip_req *r, unsigned status, struct str data);
void sip_endpoint_send_to(const struct sip_peer *to, struct str data);
/* Builds and sends a response; extra: complete header lines or NULL. */
void sip_endpoint_respond(
	struct sip_req *r, unsigned status, const char *reason, const char *extra);
/* True for our domain and the address we listen on. */
bool sip_endpoint_is_local(struct str host);
const char *sip_endpoint_domain(void);

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
