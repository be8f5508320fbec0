/* Run-time settings, kept in the store (STORE_DB_SETTINGS) as versioned
 * records keyed by name. Admin changes: a put is durable (fsynced before
 * the change is acknowledged). */
#ifndef CORE_SETTINGS_H
#define CORE_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/store.h"
#include "core/str.h"

#define SETTINGS_DOMAIN "domain"
#define SETTINGS_VALUE_MAX 256

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
