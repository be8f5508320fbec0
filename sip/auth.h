/* Digest authentication of SIP requests (RFC 3261 22, RFC 8760) on top
 * of core/digest (nonces, verification) and core/throttle (failed logins
 * per source address).
 *
 * A request that must authenticate is challenged once per algorithm,
 * SHA-256 first, then MD5 (RFC 8760 2.4), with one nonce; the REGISTER
 * with 401/WWW-Authenticate, anything else with 407/Proxy-Authenticate.
 * An unknown user and a wrong password get the same answer. Failures
 * count per source: past auth_throttle_after the source gets 503 with
 * Retry-After before its credentials are even checked, past
 * auth_block_after it is dropped for auth_block_s (logged once).
 *
 * Compatibility: a few clients read only the first challenge and fail on
 * an algorithm they don't know. Clients whose User-Agent starts with one
 * of auth_md5_only_agents get the MD5 challenge alone.
 *
 * Loop thread only. */
#ifndef SIP_AUTH_H
#define SIP_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/store.h"
#include "core/str.h"
#include "core/throttle.h"
#include "sip/tport.h"

struct sip_req;

/* Loads the nonce secret (core/digest) and sizes the source table
 * (CONFIG_AUTH_MAX_SOURCES). 0, -ENOMEM or a store error. */
int auth_init(struct store *st, const char *realm, const struct throttle_cfg *cfg);
void auth_fini(void);
/* A settings reload: the realm (= the domain) and the throttle numbers. */
void auth_reload(const char *realm, const struct throttle_cfg *cfg);

enum auth_result {
	AUTH_OK, /* the credentials are good and name user `who` */
	AUTH_ANSWERED, /* r was answered: 401/407, 400, 403 or 503 */
	AUTH_DROPPED, /* the source is blocked: no answer */
};
/* Checks r's credentials for the user the request claims to be (who: the
 * To user of a REGISTER, the From user otherwise); proxy selects 407 and
 * Proxy-Authorization over 401 and Authorization. Answers r itself unless
 * the result is AUTH_OK. */
enum auth_result auth_check(struct sip_req *r, struct str who, bool proxy);
/* True when src is blocked: the endpoint drops its messages unparsed. */
bool auth_blocked(const struct sip_peer *src);

struct auth_stats {
	uint64_t ok;
	uint64_t challenged; /* requests without (usable) credentials */
	uint64_t failed; /* wrong user or password */
	uint64_t stale;
	uint64_t replayed;
	struct throttle_stats sources;
};
void auth_stats(struct auth_stats *out);

#endif
