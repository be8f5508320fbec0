#include "core/settings.h"

#include <errno.h>

#include "core/buf.h"
#include "core/rec.h"

#define SETTINGS_REC_V1 1

int settings_get(struct store_txn *txn, const char *name, char *out, size_t cap)
{
	struct str v;
	struct str val;
	struct rec_rd r;
	int rc = store_txn_get(txn, STORE_DB_SETTINGS, str_cstr(name), &v);

	if (rc < 0) {
		return rc;
	}
	rec_rd_init(&r, v);
	if (rec_get_u8(&r) != SETTINGS_REC_V1) {
		return -EBADMSG;
	}
	val = rec_get_str(&r);
	if (rec_rd_err(&r)) {
		return rec_rd_err(&r);
	}
	return str_copy_cstr(val, out, cap);
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
