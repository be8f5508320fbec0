/* Digest authentication shared by SIP (RFC 3261 22) and MSRP AUTH:
 * challenges, stateless nonces and verification of credentials, with the
 * algorithms of RFC 8760 that sipbox offers: SHA-256 (preferred) and MD5.
 * qop="auth" only (RFC 7616 3.3); "-sess" variants and auth-int are not
 * offered, and RFC 2069 credentials (no qop) are refused: the qop is ours
 * to require, and without it there is no nonce count to stop a replay.
 *
 * Nonces (RFC 7616 3.3 leaves their form to the server) are 64 lowercase
 * hex digits of ts(8, big-endian UNIX seconds) || salt(8 random) ||
 * HMAC-SHA256(secret, ts || salt || realm || bind) truncated to 16 bytes,
 * where bind is what the caller ties the nonce to: the client's IP address
 * (RFC 7616 3.3 suggests it), so that credentials forged from a spoofed
 * address with a nonce fetched from elsewhere are not a failed login of
 * that address. They need
 * no table to verify, survive a restart (the secret is in the store), and
 * the salt makes two challenges of the same second differ, so the nonce
 * count of one client never collides with another's.
 *
 * Threads: the loop thread only (struct digest holds the nonce-count
 * table). Pure functions (digest_ha1, digest_response, digest_alg_*) may be
 * called from any thread. */
#ifndef CORE_DIGEST_H
#define CORE_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "autoconf.h"
#include "core/buf.h"
#include "core/store.h"
#include "core/str.h"

enum digest_alg { DIGEST_ALG_MD5, DIGEST_ALG_SHA256, DIGEST_ALG_COUNT };

/* Largest hash output (SHA-256), in bytes. */
#define DIGEST_HASH_MAX 32
#define DIGEST_SECRET_LEN 32
/* Characters of a nonce (see above). */
#define DIGEST_NONCE_LEN 64
/* Seconds a nonce is fresh when digest_init gets 0. */
#define DIGEST_NONCE_LIFETIME_DEFAULT 300
/* Nonces whose highest nonce count is remembered (32 bytes each). */
#define DIGEST_NC_SLOTS CONFIG_DIGEST_NC_SLOTS
/* The realm is the domain: a host name of at most 253 characters. */
#define DIGEST_REALM_MAX 253

/* The order challenges are offered in (RFC 8760 2.4: the preferred
 * algorithm first): SHA-256, then MD5. */
extern const enum digest_alg digest_algs_offered[DIGEST_ALG_COUNT];

/* Output length in bytes (16 or 32). */
size_t digest_alg_len(enum digest_alg alg);
/* The token in challenges: "MD5", "SHA-256". */
const char *digest_alg_name(enum digest_alg alg);
/* Parses an algorithm parameter (case-insensitive); an empty value is MD5
 * (RFC 7616 3.4: the default). -EINVAL for anything else. */
int digest_alg_parse(struct str name, enum digest_alg *alg);

/* HA1 = H(username ":" realm ":" password) (RFC 7616 3.4.2), raw bytes
 * (digest_alg_len(alg) of them) into out. No copy of the password is
 * kept (the hash context is wiped). */
void digest_ha1(enum digest_alg alg, struct str username, struct str realm, struct str password,
	uint8_t *out);

/* Credentials as received, as slices into the caller's message (quoted
 * values without their quotes). An empty slice is a missing parameter. */
struct digest_creds {
	struct str username, realm, nonce, uri, response, algorithm, cnonce, nc, qop, opaque;
};
/* Copies one name=value pair (name case-insensitive) into c; parameters
 * digest does not use are ignored. The slices must outlive c. */
void digest_creds_set(struct digest_creds *c, struct str name, struct str value);

/* The expected response for qop=auth (RFC 7616 3.4.1):
 * H(hex(HA1) ":" nonce ":" nc ":" cnonce ":" qop ":" hex(H(method ":" uri))),
 * raw bytes into out. Uses c's nonce, nc, cnonce, qop and uri as given. */
void digest_response(enum digest_alg alg, const uint8_t *ha1, const struct digest_creds *c,
	struct str method, uint8_t *out);

enum digest_result {
	DIGEST_OK,
	/* Right password, expired nonce (or one whose count was forgotten):
	 * challenge again with stale=true (RFC 7616 3.3), so the client
	 * retries without asking its user. */
	DIGEST_STALE,
	/* Wrong password, unknown user or another realm: all answered
	 * alike (401/407 with a fresh challenge), a failed login. */
	DIGEST_BAD,
	/* A nonce we did not make, or made for another bind: challenge
	 * again; no password was tried against it. */
	DIGEST_FOREIGN,
	/* Right password but a nonce count not above the highest seen for
	 * that nonce: the request is not processed; challenge again. */
	DIGEST_REPLAY,
	/* A parameter missing or unusable (no qop, qop other than auth, an
	 * algorithm we did not offer, nc not 8 hex digits, response not hex
	 * of the algorithm's length): 400, or a fresh challenge. */
	DIGEST_MALFORMED,
};

/* Caller-embedded; callers don't touch the fields. */
struct digest_nc_slot {
	uint8_t id[16]; /* ts || salt of the nonce */
	uint32_t nc; /* highest nonce count accepted; 0 = free slot */
	uint64_t used; /* digest.clock at the last use, for LRU eviction */
};
struct digest {
	uint8_t secret[DIGEST_SECRET_LEN];
	uint8_t dummy_ha1[DIGEST_ALG_COUNT][DIGEST_HASH_MAX];
	char realm[DIGEST_REALM_MAX + 1];
	uint32_t lifetime_s;
	uint64_t clock;
	/* A nonce not in the table and not newer than this (its ts) may have
	 * been evicted: it gets STALE, never a second life. */
	uint64_t evicted_ts;
	struct digest_nc_slot slots[DIGEST_NC_SLOTS];
};

/* Loads the server secret from the store (STORE_DB_META), creating 32
 * random bytes the first time (committed durably before it returns, so no
 * nonce is ever made from a secret that a crash could lose). Needs
 * rand_init(). realm is the domain (at most DIGEST_REALM_MAX characters);
 * lifetime_s 0 means DIGEST_NONCE_LIFETIME_DEFAULT. Returns 0, -EINVAL
 * (realm too long), -EBADMSG (unreadable secret record) or a store error.
 * Call digest_close() to wipe the secret. */
int digest_init(struct digest *d, struct store *st, struct str realm, uint32_t lifetime_s);
/* A new domain (SIGHUP): nonces made for the old realm stop verifying. */
int digest_set_realm(struct digest *d, struct str realm);
/* Wipes d (secret included). */
void digest_close(struct digest *d);

/* A fresh nonce for time now_s (UNIX seconds: nonces outlive a restart,
 * so not the loop's monotonic clock): DIGEST_NONCE_LEN characters and a
 * NUL into out. */
void digest_nonce_make(
	const struct digest *d, uint64_t now_s, struct str bind, char out[DIGEST_NONCE_LEN + 1]);

/* Appends one WWW-Authenticate / Proxy-Authenticate header value:
 *   Digest realm="R", nonce="N", algorithm=A, qop="auth"[, opaque="O"][, stale=true]
 * Offer one per algorithm, in digest_algs_offered order, with the same
 * nonce (RFC 8760 2.4, RFC 7616 3.9.1). opaque STR_NULL for none; digest
 * does not check it in credentials. Errors: b's sticky error. */
void digest_challenge_put(const struct digest *d, enum digest_alg alg, struct str nonce,
	struct str opaque, bool stale, struct buf *b);

/* Verifies credentials against the user's HA1 from the store (users
 * module, read in txn). Also checks: realm = ours, the nonce is ours and
 * fresh and made for bind, the nonce count is new. The caller still checks that c->uri
 * names the request's Request-URI (RFC 3261 22.4) and the username is the
 * one the request claims to be. An unknown user takes the same path as a
 * known one (a dummy HA1, the same hashes and compares), so neither the
 * result nor the time tells them apart. Updates the nonce-count table on
 * DIGEST_OK only. now_s: UNIX seconds. */
enum digest_result digest_verify(struct digest *d, struct store_txn *txn,
	const struct digest_creds *c, struct str method, struct str bind, uint64_t now_s);

#endif
