/* Ring plans (issue "Per-user ring plan"): the order in which a call to a
 * user rings that user's devices. A plan is an ordered list of groups;
 * each group's devices ring in parallel for the group's ring time, then
 * the next group rings (RFC 3261 16.6: the proxy chooses the order of its
 * target set; sip/fork.h runs it). The last group may be another local
 * user (the Nurse, a colleague), rung with that user's own devices and
 * its own ring time. Without a plan, q-values decide (fork_group_by_q).
 *
 * Devices are named by
 * - an instance URN, as in +sip.instance without <> and quotes
 *   ("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"; RFC 5626 4.1),
 *   compared ASCII case-insensitively (RFC 4122 3: UUID hex digits are
 *   case-insensitive on input);
 * - a contact URI ("sip:..." or "sips:..."), compared as RFC 3261 19.1.4
 *   says (sip_uri_eq);
 * - "*": every registered device that no other group names.
 *
 * Text syntax (the CLI's argument and its `show` output, the stored form):
 *   plan  = group *( SP group )
 *   group = dev *( "," dev ) [ "/" seconds ] | "@" user [ "/" seconds ]
 * where the "@" user group may only be the last one. seconds is 1 to
 * RINGPLAN_RING_S_MAX, RINGPLAN_RING_S_DEFAULT when left out. Example:
 *   urn:uuid:aaa,urn:uuid:bbb/20 urn:uuid:ccc/15 @nurse/30
 * A device holds no ",", white space, "<", ">" or DQUOTE (escape them in a
 * URI: %2C); one holding "/" needs the "/seconds" (the last "/" of a group
 * starts the seconds). The canonical text (ringplan_format) writes every
 * "/seconds" and single spaces; parsing it gives the same plan back, and
 * formatting that gives the same text.
 *
 * Storage: STORE_DB_RINGPLANS, key = the user name, value = a versioned
 * record: u8 version (1) | str canonical text (core/rec.h). Text rather
 * than fields: the record reads back through the same parser the CLI
 * uses, so a stored plan is always one the CLI accepts.
 *
 * Pure functions except put/del/get; no globals. Writes: loop thread or a
 * CLI process (core/store.h). */
#ifndef SIP_RINGPLAN_H
#define SIP_RINGPLAN_H

#include <stdint.h>

#include "core/buf.h"
#include "core/store.h"
#include "core/str.h"
#include "core/users.h"
#include "sip/location.h"

/* Groups of devices in one plan, not counting the last "@user" group.
 * With it, a plan has at most RINGPLAN_MAX_GROUPS + 1 groups. */
#define RINGPLAN_MAX_GROUPS 8
/* Device references in one plan, all groups together ("*" counts). */
#define RINGPLAN_MAX_DEVICES 16
/* Characters of one device reference. */
#define RINGPLAN_DEVICE_MAX 256
/* Ring time of a group, seconds: the default when "/seconds" is left out
 * (the proxy's ring time default), and the largest. */
#define RINGPLAN_RING_S_DEFAULT 20
#define RINGPLAN_RING_S_MAX 600
/* Longest text ringplan_parse accepts and ringplan_format writes: every
 * device at its longest with its separator, every group's "/600" and
 * separator, and " @user/600". */
#define RINGPLAN_TEXT_MAX                                                             \
	(RINGPLAN_MAX_DEVICES * (RINGPLAN_DEVICE_MAX + 1) + RINGPLAN_MAX_GROUPS * 5 + \
		USERS_NAME_MAX + 6)
#define RINGPLAN_RECORD_VERSION 1
/* ringplan_assign: a binding the plan does not ring. */
#define RINGPLAN_NO_GROUP 0xff

/* About 2.2 KiB: a stack object, read for one call and dropped, never
 * kept per call. The slices point into the text that was parsed (or the
 * store value, for ringplan_get). */
struct ringplan {
	unsigned n_groups; /* groups of devices, 0 when the plan is only "@user" */
	struct {
		unsigned n_dev; /* >= 1 */
		struct str dev[RINGPLAN_MAX_DEVICES];
		uint32_t ring_s; /* 1..RINGPLAN_RING_S_MAX */
	} g[RINGPLAN_MAX_GROUPS];
	/* The last group, numbered n_groups: another local user, rung with
	 * its own devices (by its own plan's order or by q: the proxy's
	 * choice), for next_ring_s. Empty when none. A user that no longer
	 * exists when the call comes makes an empty group, skipped. */
	struct str next_user;
	uint32_t next_ring_s; /* 0 when next_user is empty */
};

/* Parses text (the syntax above) into *out. 0, or -EINVAL with *why set
 * to a one-line reason (a static string, no newline). Does not know the
 * plan's owner: that next_user exists and is not the owner is the
 * caller's check (the CLI's). */
int ringplan_parse(struct str text, struct ringplan *out, const char **why);

/* Appends p's canonical text to b (b's sticky -ENOSPC when it does not
 * fit: RINGPLAN_TEXT_MAX bytes always do). Returns b->err. */
int ringplan_format(const struct ringplan *p, struct buf *b);

/* Stores p as user's plan, replacing any, in the current store group
 * marked durable (an admin change; acknowledge after store_flush()).
 * -EINVAL for a user name users_name_valid() refuses, for a plan that
 * ringplan_parse would not give back, or when next_user is user itself;
 * or a store error. */
int ringplan_put(struct store *st, struct str user, const struct ringplan *p);
/* Deletes user's plan (durable, as ringplan_put): 0, -ENOENT when there
 * was none, or a store error. users_del() deletes it with the user. */
int ringplan_del(struct store *st, struct str user);
/* user's plan: 0 and *out, -ENOENT when there is none, -EBADMSG when the
 * record does not read. The slices point into the store value: valid as
 * long as txn's values are (core/store.h). */
int ringplan_get(struct store_txn *txn, struct str user, struct ringplan *out);

/* Maps a user's current bindings (b[0..n-1], location_get()) to the
 * groups of p (as ringplan_parse or ringplan_get gave it): group_of[i] is the first group (in plan order) that names
 * binding i, by its instance (b[i].instance is "<urn:...>": compared
 * without the brackets) or by its contact URI; else the group holding
 * "*"; else RINGPLAN_NO_GROUP (the plan does not ring it). Never the
 * next_user group. A group may end up with no binding: the caller skips
 * it (fork_init takes no empty group). */
void ringplan_assign(
	const struct ringplan *p, const struct location_binding *b, unsigned n, uint8_t *group_of);

#endif
