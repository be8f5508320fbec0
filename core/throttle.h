/* Failed logins per source address, for every protocol that checks a
 * password (SIP digest now; MSRP AUTH and the web UI login later). A
 * source that fails often is first slowed down, then blocked for a while:
 *
 *   failures in the window   verdict
 *   < throttle_after         THROTTLE_PASS
 *   >= throttle_after        THROTTLE_WAIT until 2^(k) s after its last
 *                            failure, k = failures - throttle_after,
 *                            capped at 32 s; PASS after that
 *   >= block_after           THROTTLE_BLOCKED for block_s, then forgotten
 *
 * A source's failures are forgotten window_s after its last one (a slow
 * guesser keeps its count); a success does not clear them (one good
 * account must not buy guesses at the others). A source is the IPv4 address, or the /64 prefix of an IPv6
 * address (one host owns a whole /64), never the port.
 *
 * Fixed table of CONFIG_AUTH_MAX_SOURCES entries, allocated at init. When
 * it is full, a new source takes the entry idle the longest that is not
 * blocked; when every entry is blocked, the new source is not tracked
 * (and counted in stats.untracked). Loop thread only; times are the
 * loop's monotonic milliseconds. */
#ifndef CORE_THROTTLE_H
#define CORE_THROTTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"

struct throttle_cfg {
	uint32_t throttle_after; /* failures; 0 = never slow down */
	uint32_t block_after; /* failures; 0 = never block */
	uint32_t block_s; /* seconds */
	uint32_t window_s; /* seconds without a failure before they are forgotten */
};

enum throttle_verdict {
	THROTTLE_PASS,
	THROTTLE_WAIT, /* answer "try later" (SIP: 503 + Retry-After) */
	THROTTLE_BLOCKED, /* drop without an answer */
};

struct throttle_stats {
	size_t tracked; /* entries in use */
	size_t blocked; /* sources blocked now */
	size_t cap;
	uint64_t blocks; /* blocks since start */
	uint64_t waits; /* THROTTLE_WAIT verdicts since start */
	uint64_t untracked; /* new failing sources not tracked: table full of blocks */
};

struct throttle;

/* cap entries; NULL when out of memory. */
struct throttle *throttle_new(size_t cap, const struct throttle_cfg *cfg);
void throttle_free(struct throttle *t);
/* New numbers (a settings reload); entries are kept. */
void throttle_set_cfg(struct throttle *t, const struct throttle_cfg *cfg);

/* What to do with an attempt from src at now_ms. For THROTTLE_WAIT and
 * THROTTLE_BLOCKED, *retry_s (when not NULL) gets the seconds until the
 * verdict ends (at least 1). */
enum throttle_verdict throttle_check(
	struct throttle *t, const struct addr *src, uint64_t now_ms, uint32_t *retry_s);
/* True when src is blocked now: for every received packet, so it costs
 * nothing while no source is blocked. Changes nothing. */
bool throttle_is_blocked(struct throttle *t, const struct addr *src, uint64_t now_ms);
/* Records a failed login from src. Returns true when this failure blocks
 * the source: the caller logs the block, once. *failures (when not NULL)
 * gets the failures counted in the window. */
bool throttle_fail(struct throttle *t, const struct addr *src, uint64_t now_ms, uint32_t *failures);
void throttle_stats(const struct throttle *t, uint64_t now_ms, struct throttle_stats *out);

#endif
