/* The stateful forking proxy (RFC 3261 16): routes every request that is
 * not for the server itself. A request for a user of our domain goes to
 * the user's registered devices (sip/location) that the caller's
 * preferences keep (RFC 3841, sip/callerprefs), in the order of the
 * user's ring plan (sip/ringplan) or else by q-value, forked by sip/fork,
 * each branch a client transaction; a request inside
 * a dialog we record-routed, or with a Route beyond us, goes to its next
 * hop (loose routing, 16.4 and 16.6 step 6). Requests for other domains
 * go to the proxy_outbound next hop when our authenticated users send
 * them, and are refused (403) otherwise.
 *
 * Contexts live in a fixed pool (CONFIG_PROXY_MAX_CTX); one more request
 * gets 503 with Retry-After. Loop thread only.
 *
 * A MESSAGE that no device takes (none registered, or every branch 408
 * or 480) is stored (sip/msgstore) and answered 202 once committed; each
 * device that registers within the retention gets it once.
 *
 * Not yet: the queue directive of Request-Disposition, strict routing,
 * outgoing TCP
 * connections (a branch over TCP or TLS needs the device's registered
 * connection), DNS (next hops are numeric addresses). */
#ifndef SIP_PROXY_H
#define SIP_PROXY_H

#include <stdint.h>

#include "core/addr.h"
#include "core/pool.h"
#include "core/store.h"

struct proxy_limits {
	uint32_t ring_ms; /* how long a group of devices rings (INVITE) */
	uint32_t retention_s; /* how long a MESSAGE waits for offline devices */
	bool have_outbound; /* a next hop for our users' requests elsewhere */
	struct addr outbound;
};

/* Allocates the context pool and takes over routing at the endpoint
 * (-ENOMEM). st must outlive the proxy. */
int proxy_init(struct store *st, const struct proxy_limits *l);
void proxy_set_limits(const struct proxy_limits *l);
/* Housekeeping (1 s): drops stored MESSAGEs past their retention. */
void proxy_tick(uint64_t now_s);
/* A device of user has just registered (committed): the MESSAGEs stored
 * while it was away go to each of the user's devices that has not had
 * them, one at a time, in order; a device's 2xx marks it delivered there
 * (sip/msgstore). A no-op before proxy_init. */
void proxy_deliver_stored(struct str user);
/* Ends every context (their transactions are gone with the endpoint,
 * which is stopped first). */
void proxy_fini(void);

struct proxy_stats {
	uint64_t requests; /* routed in a context */
	uint64_t branches; /* client transactions started */
	uint64_t not_found; /* 404: no such user */
	uint64_t offline; /* 480: a user with no device registered */
	uint64_t denied; /* 403: another domain */
	uint64_t stateless; /* ACKs and 2xx retransmissions forwarded */
	uint64_t stored; /* MESSAGEs kept for offline devices (202) */
	uint64_t delivered; /* stored MESSAGEs a device took (2xx) */
};
void proxy_stats(struct proxy_stats *out, struct pool_stats *ctx);

#endif
