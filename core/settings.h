/* Run-time settings, kept in the store (STORE_DB_SETTINGS) as versioned
 * records keyed by name. Admin changes: a put is durable (fsynced before
 * the change is acknowledged). */
#ifndef CORE_SETTINGS_H
#define CORE_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/store.h"
#include "core/str.h"

#define SETTINGS_DOMAIN "domain"
#define SETTINGS_SIP_T1 "sip_t1_ms"
#define SETTINGS_SIP_T2 "sip_t2_ms"
#define SETTINGS_SIP_T4 "sip_t4_ms"
#define SETTINGS_REG_MIN_EXPIRES "reg_min_expires_s"
#define SETTINGS_REG_MAX_EXPIRES "reg_max_expires_s"
#define SETTINGS_REG_DEFAULT_EXPIRES "reg_default_expires_s"
#define SETTINGS_PROXY_RING_S "proxy_ring_s"
#define SETTINGS_MSG_RETENTION_S "msg_retention_s"
#define SETTINGS_PROXY_OUTBOUND "proxy_outbound"
#define SETTINGS_AUTH_THROTTLE_AFTER "auth_throttle_after"
#define SETTINGS_AUTH_BLOCK_AFTER "auth_block_after"
#define SETTINGS_AUTH_BLOCK_S "auth_block_s"
#define SETTINGS_AUTH_WINDOW_S "auth_window_s"
#define SETTINGS_VALUE_MAX 256

/* The settings an admin may set, with their checks and defaults. */
enum settings_kind {
	SETTINGS_KIND_DOMAIN,
	SETTINGS_KIND_UINT,
	SETTINGS_KIND_ADDR, /* "1.2.3.4:5060", "[::1]:5060", or "none" */
};
struct settings_def {
	const char *name;
	enum settings_kind kind;
	uint32_t min, max, def; /* SETTINGS_KIND_UINT */
	const char *help;
};
extern const struct settings_def settings_defs[];
extern const size_t settings_n_defs;

/* NULL when name is not a setting. */
const struct settings_def *settings_find(const char *name);
/* 0, or -EINVAL with a one-line reason in *why. */
int settings_check(const struct settings_def *d, const char *value, const char **why);
/* A number setting: the stored value when valid, else its default. */
uint32_t settings_get_uint(struct store_txn *txn, const char *name);

/* Copies the value of name into out (NUL-terminated); -ENOENT when unset,
 * -ENOSPC when it does not fit, -EBADMSG for an unreadable record. */
int settings_get(struct store_txn *txn, const char *name, char *out, size_t cap);
/* In the current store group, marked durable; errors as store_put. */
int settings_put(struct store *st, const char *name, struct str value);
/* A SIP domain as sipbox accepts it: a host name (RFC 3261 25.1 hostname:
 * labels of letters, digits and '-', separated by '.') of at most 253
 * characters, or an IPv4 address. */
bool settings_domain_valid(struct str d);

#endif
