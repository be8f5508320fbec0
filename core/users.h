/* Users: STORE_DB_USERS, key = the user name (the SIP user part, case-
 * sensitive as RFC 3261 19.1.4 compares it), value = a versioned record:
 *   u8 version (1) | u64 created (UNIX seconds, big-endian)
 *   | str HA1-MD5 (16 bytes) | str HA1-SHA-256 (32 bytes)
 * (str = varint length and bytes, core/rec.h). The HA1s are those of
 * RFC 7616 3.4.2 for the realm = the domain setting. No password is
 * stored, so changing the domain invalidates every HA1: it is refused
 * while users exist (users_domain_change_check). A later algorithm is a
 * field appended to the record.
 *
 * Writes (add, del, set password) go into the current store group marked
 * durable; the caller acknowledges after store_flush(). The loop thread or
 * a CLI process writes; any thread reads through a store_txn. */
#ifndef CORE_USERS_H
#define CORE_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/digest.h"
#include "core/store.h"
#include "core/str.h"

#define USERS_NAME_MAX 64
/* Longer passwords are refused (-E2BIG). */
#define USERS_PASSWORD_MAX 256

struct users_user {
	uint64_t created;
	uint8_t ha1[DIGEST_ALG_COUNT][DIGEST_HASH_MAX]; /* digest_alg_len(alg) bytes used */
};

/* A user name sipbox accepts: 1..USERS_NAME_MAX characters out of a
 * conservative subset of the RFC 3261 25.1 user part: letters, digits,
 * the unreserved marks -_.!~*'() and the user-unreserved &=+$,;? . Left
 * out: escapes (%XX: one name, one spelling, one store key) and the
 * user-unreserved "/" (it would read as a path in the web UI's URLs). */
bool users_name_valid(struct str name);

/* Errors for all writes: -EINVAL (bad name, empty realm, empty password),
 * -E2BIG (password too long), store errors. */
/* -EEXIST when the user exists. now_s: UNIX seconds. */
int users_add(
	struct store *st, struct str name, struct str realm, struct str password, uint64_t now_s);
/* -ENOENT when there is no such user. The user's registered devices
 * (STORE_DB_BINDINGS) and ring plan (STORE_DB_RINGPLANS), same key, are
 * deleted with it, and so are its stored messages (STORE_DB_MESSAGES,
 * keys "name\0" + seq: sip/msgstore.h). Other users' plans that ring it as their last group
 * keep the name (a missing user rings no one). */
int users_del(struct store *st, struct str name);
/* Keeps the creation time; -ENOENT when there is no such user. */
int users_set_password(struct store *st, struct str name, struct str realm, struct str password);

/* 0 and *u, -ENOENT, or -EBADMSG for an unreadable record. */
int users_get(struct store_txn *txn, struct str name, struct users_user *u);
/* Calls fn for every user in name order until fn returns non-zero, which
 * users_list returns. A record that does not read is passed with
 * u == NULL. name is valid only during the call. */
int users_list(struct store_txn *txn,
	int (*fn)(void *arg, struct str name, const struct users_user *u), void *arg);
size_t users_count(struct store_txn *txn);

/* Setting the domain from old (empty when unset) to new: 0 when allowed
 * (same domain, or no users); -EBUSY with a one-line reason in why when
 * users exist, whose HA1s are bound to the old realm. */
int users_domain_change_check(struct store_txn *txn, struct str old_domain, struct str new_domain,
	char *why, size_t why_len);

#endif
