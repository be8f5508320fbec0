/* Output buffers over caller-owned memory. A buf never grows and never
 * allocates: a put that does not fit sets the sticky error -ENOSPC, writes
 * nothing more, and every later put is a no-op, so a builder checks once at
 * the end (BearSSL's style). */
#ifndef CORE_BUF_H
#define CORE_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "core/str.h"

struct buf {
	char *p;
	size_t len;
	size_t cap;
	int err;
};

void buf_init(struct buf *b, void *mem, size_t cap);
void buf_reset(struct buf *b);
void buf_put(struct buf *b, const void *p, size_t n);
void buf_put_str(struct buf *b, struct str s);
void buf_put_cstr(struct buf *b, const char *s);
void buf_put_char(struct buf *b, char c);
/* Decimal text. */
void buf_put_u64(struct buf *b, uint64_t v);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The rfc1123-date of RFC 2616 3.3.1 (SIP's Date, RFC 3261 20.17; HTTP's):
 * "Sun, 06 Nov 1994 08:49:37 GMT", always GMT and English whatever the
 * locale. A time gmtime cannot take sets -EINVAL. */
void buf_put_date(struct buf *b, uint64_t unix_s);
/* Binary, big-endian (byte order is fixed so records are portable). */
void buf_put_be8(struct buf *b, uint8_t v);
void buf_put_be16(struct buf *b, uint16_t v);
void buf_put_be32(struct buf *b, uint32_t v);
void buf_put_be64(struct buf *b, uint64_t v);
/* NUL-terminates without counting the NUL in len (-ENOSPC if no room). */
const char *buf_cstr(struct buf *b);

static inline struct str buf_str(const struct buf *b)
{
	return str_make(b->p, b->len);
}

#endif
