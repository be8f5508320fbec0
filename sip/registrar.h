/* The registrar (RFC 3261 10.3) with Path (RFC 3327), SIP Outbound's
 * instance and reg-id (RFC 5626 6) and public GRUUs (RFC 5627). It serves
 * REGISTER for our domain: authenticates the user (sip/auth), applies the
 * Contact list to the user's bindings (sip/location) all or nothing, and
 * answers 200 with every current binding only once the change is
 * committed to the store (store_when_committed). Loop thread only. */
#ifndef SIP_REGISTRAR_H
#define SIP_REGISTRAR_H

#include <stdint.h>

#include "core/store.h"

/* Seconds (the reg_*_expires_s settings). */
struct registrar_limits {
	uint32_t min_expires;
	uint32_t max_expires;
	uint32_t default_expires;
};

/* Takes over REGISTER at the endpoint; st must outlive the registrar. */
void registrar_init(struct store *st, const struct registrar_limits *l);
void registrar_set_limits(const struct registrar_limits *l);
/* Housekeeping (1 s): removes expired bindings, a few users per call. */
void registrar_tick(uint64_t now_s);
/* Stops answering REGISTER; replies waiting for a commit are dropped
 * (their transactions are gone with the endpoint). */
void registrar_fini(void);

struct registrar_stats {
	uint64_t registers; /* REGISTER requests that passed authentication */
	uint64_t updated; /* 200 after a change to the bindings */
	uint64_t fetched; /* 200 without a change */
	uint64_t refused; /* 4xx/5xx after authentication */
	uint64_t store_failed; /* 500: the change was not committed */
	uint64_t expired; /* bindings removed by the sweep */
};
void registrar_stats(struct registrar_stats *out);

#endif
