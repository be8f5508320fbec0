/* The location service (RFC 3261 10.2, 10.3): the bindings of every
 * address of record, kept in the store so that they outlive a restart.
 *
 * One record per user in STORE_DB_BINDINGS, key = the user name (the AOR's
 * user part; the host is always our domain), value:
 *   u8 version (1) | varint n | n bindings, each:
 *     str uri | str params | str instance | u32 reg_id | str path
 *     | str call_id | u32 cseq | u16 q | u64 expires | u64 registered
 *     | u8 proto | str source | u32 conn | str user_agent
 * (str = varint length and bytes, integers big-endian: core/rec.h).
 * Times are UNIX seconds (a binding's end must mean the same after a
 * restart). A record with n == 0 is never written: the key is deleted.
 *
 * Writes go into the current store group (soft state, not durable): the
 * registrar answers from store_when_committed(). Loop thread (or a CLI
 * process, reading) only. */
#ifndef SIP_LOCATION_H
#define SIP_LOCATION_H

#include <stdint.h>

#include "autoconf.h"
#include "core/store.h"
#include "core/str.h"

#define LOCATION_VERSION 1
/* Bounds of one binding's strings; longer ones are refused by the
 * registrar (400/413 before anything is stored) and by location_put
 * (-E2BIG). Together with CONFIG_REG_MAX_BINDINGS they size the one
 * static encode buffer: about 2 KiB per binding. */
#define LOCATION_URI_MAX 512
#define LOCATION_PARAMS_MAX 512
#define LOCATION_INSTANCE_MAX 128
#define LOCATION_PATH_MAX 512
#define LOCATION_CALL_ID_MAX 256
#define LOCATION_SOURCE_MAX 56
#define LOCATION_UA_MAX 128
/* q-values are kept in thousandths (RFC 3261 20.10: 0 to 1 with up to
 * three decimals); a contact without q has LOCATION_Q_NONE. */
#define LOCATION_Q_NONE 0xffff

struct location_binding {
	struct str uri; /* the Contact URI, as received */
	/* The Contact's header parameters as received (";q=0.5;+sip.
	 * instance=...;methods=..."), minus expires: the feature tags of
	 * RFC 3840 that caller preferences match. */
	struct str params;
	struct str instance; /* +sip.instance value without quotes, or empty */
	uint32_t reg_id; /* RFC 5626 reg-id, 0 when absent */
	struct str path; /* the Path values (RFC 3327), comma-separated, or empty */
	struct str call_id;
	uint32_t cseq;
	uint16_t q; /* thousandths, or LOCATION_Q_NONE */
	uint64_t expires; /* UNIX seconds */
	uint64_t registered; /* UNIX seconds of the last REGISTER that set it */
	uint8_t proto; /* enum sip_proto it came over */
	struct str source; /* "addr:port" it came from */
	uint32_t conn; /* its connection (stream transports), 0 for UDP */
	struct str user_agent;
};

struct location_aor {
	unsigned n;
	struct location_binding b[CONFIG_REG_MAX_BINDINGS];
};

/* The bindings of user still alive at now_s (expires > now_s), in stored
 * order. 0 with out->n == 0 when there are none; -EBADMSG for a record
 * that does not read (or holds more than CONFIG_REG_MAX_BINDINGS), which
 * the registrar answers 500 without touching it; a string over its bound
 * reads as -EBADMSG too, so whatever location_get returns location_put
 * takes back. A user name that location_put would refuse has no bindings.
 * The slices point into the store's value: valid until the next write or
 * store_flush(). */
int location_get(struct store_txn *txn, struct str user, uint64_t now_s, struct location_aor *out);

/* Replaces the bindings of user with aor (n == 0 deletes the record), in
 * the current store group. aor's slices may point into a value read by
 * location_get (the record is encoded before it is written). -E2BIG when
 * a string is over its bound, -EINVAL for n > CONFIG_REG_MAX_BINDINGS
 * or a user name that is empty or longer than USERS_NAME_MAX
 * (core/users.h), or a store error. */
int location_put(struct store *st, struct str user, const struct location_aor *aor);

/* Most records one location_sweep() call looks at: the keys it rewrites
 * are copied into a static table of this many user names (about 72 bytes
 * each: USERS_NAME_MAX and a length). */
#define LOCATION_SWEEP_MAX 32

/* Housekeeping: looks at up to max_users records (at most
 * LOCATION_SWEEP_MAX), going on from where the last call stopped, and
 * removes the bindings expired at now_s (a record left with none is
 * deleted). A call that reaches the last record stops there and the next
 * starts over from the first. Records that do not read are left alone
 * (and logged, rate-limited). Returns the number of bindings removed, or a
 * store error. The position is process-wide: one store per process. */
int location_sweep(struct store *st, uint64_t now_s, unsigned max_users);

struct location_stats {
	uint64_t users; /* records */
	uint64_t bindings; /* alive at now_s */
};
/* Walks every record (status page, CLI); 0 or a store error. */
int location_stats(struct store_txn *txn, uint64_t now_s, struct location_stats *out);

#endif
