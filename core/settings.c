#include "core/settings.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "autoconf.h"

#include "core/addr.h"
#include "core/buf.h"
#include "core/rec.h"

#define SETTINGS_REC_V1 1

const struct settings_def settings_defs[] = {
	{ SETTINGS_DOMAIN, SETTINGS_KIND_DOMAIN, 0, 0, 0,
		"the SIP domain this server is responsible for" },
	/* RFC 3261 17.1.1.1: T1 is an RTT estimate, T2 the longest
	 * retransmission interval, T4 how long a message may live. */
	{ SETTINGS_SIP_T1, SETTINGS_KIND_UINT, 100, 10000, CONFIG_SIP_T1_MS,
		"SIP timer T1 in ms (retransmissions start there, timeouts are 64*T1)" },
	{ SETTINGS_SIP_T2, SETTINGS_KIND_UINT, 1000, 60000, CONFIG_SIP_T2_MS,
		"SIP timer T2 in ms (the longest retransmission interval)" },
	{ SETTINGS_SIP_T4, SETTINGS_KIND_UINT, 1000, 60000, CONFIG_SIP_T4_MS,
		"SIP timer T4 in ms (timers I and K)" },
	/* RFC 3261 10.3 steps 7 and 8: a registration shorter than the
	 * minimum gets 423, a longer one is cut to the maximum. */
	{ SETTINGS_REG_MIN_EXPIRES, SETTINGS_KIND_UINT, 1, 86400, 60,
		"shortest registration in s (shorter ones get 423 Interval Too Brief)" },
	{ SETTINGS_REG_MAX_EXPIRES, SETTINGS_KIND_UINT, 60, 604800, 3600,
		"longest registration in s (longer ones are cut to it)" },
	{ SETTINGS_REG_DEFAULT_EXPIRES, SETTINGS_KIND_UINT, 60, 604800, 3600,
		"registration time in s when the client names none" },
	{ SETTINGS_PROXY_RING_S, SETTINGS_KIND_UINT, 1, 600, 20,
		"seconds a group of devices rings before the next group is tried" },
	{ SETTINGS_PROXY_OUTBOUND, SETTINGS_KIND_ADDR, 0, 0, 0,
		"next hop ADDR:PORT (UDP) for our users' requests to other domains; none: 403" },
	{ SETTINGS_MSG_RETENTION_S, SETTINGS_KIND_UINT, 60, 31536000, 604800,
		"seconds a MESSAGE for offline devices is kept for them" },
	{ SETTINGS_AUTH_THROTTLE_AFTER, SETTINGS_KIND_UINT, 0, 1000, 5,
		"failed logins from one address before it must wait (503), 0 = never" },
	{ SETTINGS_AUTH_BLOCK_AFTER, SETTINGS_KIND_UINT, 0, 10000, 20,
		"failed logins from one address before it is blocked, 0 = never" },
	{ SETTINGS_AUTH_BLOCK_S, SETTINGS_KIND_UINT, 1, 604800, 600,
		"how long a blocked address is ignored, in s" },
	{ SETTINGS_AUTH_WINDOW_S, SETTINGS_KIND_UINT, 10, 86400, 300,
		"seconds after its last failed login that an address's failures are forgotten" },
};
const size_t settings_n_defs = sizeof(settings_defs) / sizeof(settings_defs[0]);

const struct settings_def *settings_find(const char *name)
{
	for (size_t i = 0; i < settings_n_defs; i++) {
		if (strcmp(settings_defs[i].name, name) == 0) {
			return &settings_defs[i];
		}
	}
	return NULL;
}

int settings_check(const struct settings_def *d, const char *value, const char **why)
{
	uint32_t v;

	if (d->kind == SETTINGS_KIND_DOMAIN) {
		if (!settings_domain_valid(str_cstr(value))) {
			*why = "not a valid host name";
			return -EINVAL;
		}
		return 0;
	}
	if (d->kind == SETTINGS_KIND_ADDR) {
		struct addr a;
		if (strcmp(value, "none") == 0) {
			return 0;
		}
		if (addr_parse(value, &a, why) < 0) {
			return -EINVAL;
		}
		if (addr_port(&a) == 0) {
			*why = "the port is missing or 0";
			return -EINVAL;
		}
		return 0;
	}
	if (str_to_u32(str_cstr(value), UINT32_MAX, &v) < 0 || v < d->min || v > d->max) {
		*why = "out of range";
		return -EINVAL;
	}
	return 0;
}

uint32_t settings_get_uint(struct store_txn *txn, const char *name)
{
	const struct settings_def *d = settings_find(name);
	char val[16];
	const char *why;

	if (!d || d->kind != SETTINGS_KIND_UINT) {
		return 0;
	}
	if (settings_get(txn, name, val, sizeof(val)) < 0 || settings_check(d, val, &why) < 0) {
		return d->def;
	}
	return (uint32_t)strtoul(val, NULL, 10);
}

int settings_get(struct store_txn *txn, const char *name, char *out, size_t cap)
{
	struct str v;
	struct str val;
	int rc = store_txn_get(txn, STORE_DB_SETTINGS, str_cstr(name), &v);

	if (rc == 0) {
		rc = rec_read_str(v, SETTINGS_REC_V1, &val);
	}
	return rc < 0 ? rc : str_copy_cstr(val, out, cap);
}

int settings_put(struct store *st, const char *name, struct str value)
{
	char mem[SETTINGS_VALUE_MAX + 16];
	struct buf b;

	if (value.len > SETTINGS_VALUE_MAX) {
		return -E2BIG;
	}
	buf_init(&b, mem, sizeof(mem));
	buf_put_be8(&b, SETTINGS_REC_V1);
	rec_put_str(&b, value);
	if (b.err) {
		return b.err;
	}
	store_mark_durable(st);
	return store_put(st, STORE_DB_SETTINGS, str_cstr(name), buf_str(&b));
}

static bool alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool settings_domain_valid(struct str d)
{
	size_t label = 0;

	if (d.len == 0 || d.len > 253) {
		return false;
	}
	for (size_t i = 0; i < d.len; i++) {
		char c = d.p[i];
		if (c == '.') {
			if (label == 0 || d.p[i - 1] == '-') {
				return false;
			}
			label = 0;
		} else if (alnum(c) || (c == '-' && label > 0)) {
			if (++label > 63) {
				return false;
			}
		} else {
			return false;
		}
	}
	return label > 0 && d.p[d.len - 1] != '-';
}
