/* Stored page-mode messages (RFC 3428): a MESSAGE that none of the user's
 * devices could take (no binding, or every branch failed with 408/480) is
 * kept here, answered 202 Accepted, and handed to each of the user's
 * devices that registers before it expires, once per device.
 *
 * One record per message in STORE_DB_MESSAGES, key = the user name, one
 * 0x00 byte, u64 seq big-endian (a prefix scan of "user\0" lists the
 * user's messages in seq order; a valid user name holds no 0x00, so no
 * user's prefix is another's). Value:
 *   u8 version (1) | u64 stored | u64 expires | str from | str to
 *   | str date | str content_type | str body | varint n | n × str device
 * (str = varint length and bytes, integers big-endian: core/rec.h).
 * Times are UNIX seconds. from, to and date are the header values as
 * received (From with its tag); body and content_type are sent on as they
 * are, nothing prefixed. A device is what the registrar identifies a
 * device by: its instance URN ("<urn:uuid:...>") or else its Contact URI,
 * compared byte for byte (the caller spells a device the same way every
 * time). The device list records who got the message; a device list
 * never empties a record: a message lives until it expires (another
 * device of the user may register later).
 *
 * Writes go into the current store group (not durable: a power cut may
 * lose the last second, like bindings); the caller answers 202 from
 * store_when_committed(), never before. Loop thread (or a CLI process)
 * only. */
#ifndef SIP_MSGSTORE_H
#define SIP_MSGSTORE_H

#include <stdint.h>

#include "autoconf.h"
#include "core/store.h"
#include "core/str.h"
#include "sip/location.h"

#define MSGSTORE_VERSION 1
/* Bound of from, to, date and content_type (bytes). The body's is
 * CONFIG_SIP_MAX_MSG_SIZE, a device's LOCATION_URI_MAX, and a message
 * records at most CONFIG_REG_MAX_BINDINGS devices. They size the one
 * static encode buffer: SIP_MAX_MSG_SIZE + 4 × 514 + REG_MAX_BINDINGS ×
 * 514 bytes and a few more (about 14.5 KiB at the defaults). */
#define MSGSTORE_FIELD_MAX 512
/* How long a message is kept when the setting says nothing (7 days, in
 * seconds): the caller computes expires from its retention setting. */
#define MSGSTORE_RETENTION_DEFAULT_S (7 * 24 * 3600)
/* Key length: user name, 0x00, u64 seq. */
#define MSGSTORE_KEY_LEN(user_len) ((user_len) + 1 + 8)
/* Most messages one msgstore_sweep() call deletes: their keys are copied
 * into a static table of this many (about 80 bytes each). */
#define MSGSTORE_SWEEP_MAX 64

struct msgstore_msg {
	uint64_t seq; /* per user, from 1; set by msgstore_put */
	uint64_t stored; /* UNIX seconds; set by msgstore_put */
	uint64_t expires; /* UNIX seconds; alive while expires > now */
	struct str from, to, date, content_type, body;
	unsigned n_devices; /* the devices that got it, oldest first */
	struct str devices[CONFIG_REG_MAX_BINDINGS];
};

/* Stores m for user (m->seq and m->stored are ignored: seq = 1 + the
 * user's highest stored seq, stored = now_s; m->expires and the device
 * list are kept as given). An empty m->date is replaced by one made from
 * now_s (RFC 3261 20.17 / RFC 1123: "Mon, 01 Dec 2025 00:00:00 GMT").
 * m's slices may point into a value read from the store. Errors:
 * -EINVAL (user name that users_name_valid refuses, m->expires <= now_s,
 * more than CONFIG_REG_MAX_BINDINGS devices), -E2BIG (a string over its
 * bound), -ENOSPC (the user already has CONFIG_MSGSTORE_PER_USER messages
 * alive at now_s; expired and unreadable ones don't count), store errors.
 * Nothing is acknowledged here: the caller answers 202 from
 * store_when_committed(). A seq is reused only after every message of
 * the user with a higher one is gone (expired and swept, or the user
 * deleted). */
int msgstore_put(struct store *st, struct str user, const struct msgstore_msg *m, uint64_t now_s);

/* The first message of user with seq > after_seq, alive at now_s, that
 * device is not listed as having got: 0 and *out, or -ENOENT. Records
 * that do not read (or hold a string over its bound) are skipped and
 * logged, rate-limited; when such a record was skipped and no good one
 * follows, -EBADMSG instead of -ENOENT (nothing to deliver either way).
 * Store errors too. out's slices point into the store's value: valid
 * until the next write or store_flush(). To walk them all, call again
 * with after_seq = out->seq. */
int msgstore_next(struct store_txn *txn, struct str user, struct str device, uint64_t after_seq,
	uint64_t now_s, struct msgstore_msg *out);

/* Records that device got message seq of user (idempotent: a listed device
 * writes nothing). When the list already holds CONFIG_REG_MAX_BINDINGS
 * devices the oldest entry is dropped to make room (that device would get
 * the message again if it registers once more: a duplicate beats a loss).
 * -ENOENT when the message is gone or expired at now_s, -EBADMSG when its
 * record does not read (left alone), -EINVAL for an empty device,
 * -E2BIG for one over LOCATION_URI_MAX, store errors. */
int msgstore_mark(
	struct store *st, struct str user, uint64_t seq, struct str device, uint64_t now_s);

/* Housekeeping: deletes up to max (at most MSGSTORE_SWEEP_MAX) messages
 * expired at now_s, of any user, in key order from the first. Returns how
 * many, or a store error. Records that do not read are left alone (and
 * logged, rate-limited). Cost: a scan of the database up to the max-th
 * expired record. */
int msgstore_sweep(struct store *st, uint64_t now_s, unsigned max);

/* The number of user's messages alive at now_s (unreadable ones not
 * counted): 0 and *out, or a store error. */
int msgstore_count(struct store_txn *txn, struct str user, uint64_t now_s, unsigned *out);

#endif
