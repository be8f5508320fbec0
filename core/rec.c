#include "core/rec.h"

#include <errno.h>

void rec_put_varint(struct buf *b, uint64_t v)
{
	uint8_t t[10];
	size_t n = 0;

	do {
		t[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v) {
			t[n] |= 0x80;
		}
		n++;
	} while (v);
	buf_put(b, t, n);
}

void rec_put_str(struct buf *b, struct str s)
{
	rec_put_varint(b, s.len);
	buf_put(b, s.p, s.len);
}

void rec_rd_init(struct rec_rd *r, struct str rec)
{
	r->p = (const uint8_t *)rec.p;
	r->end = r->p + rec.len;
	r->err = 0;
}

static const uint8_t *take(struct rec_rd *r, size_t n)
{
	const uint8_t *p = r->p;

	if (r->err || (size_t)(r->end - r->p) < n) {
		r->err = -EBADMSG;
		return NULL;
	}
	r->p += n;
	return p;
}

uint8_t rec_get_u8(struct rec_rd *r)
{
	const uint8_t *p = take(r, 1);
	return p ? p[0] : 0;
}

uint16_t rec_get_u16(struct rec_rd *r)
{
	const uint8_t *p = take(r, 2);
	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

uint32_t rec_get_u32(struct rec_rd *r)
{
	const uint8_t *p = take(r, 4);
	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
}

uint64_t rec_get_u64(struct rec_rd *r)
{
	uint64_t hi = rec_get_u32(r);
	return hi << 32 | rec_get_u32(r);
}

uint64_t rec_get_varint(struct rec_rd *r)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		const uint8_t *p = take(r, 1);
		if (!p) {
			return 0;
		}
		v |= (uint64_t)(*p & 0x7f) << shift;
		if (!(*p & 0x80)) {
			return v;
		}
	}
	r->err = -EBADMSG;
	return 0;
}

struct str rec_get_str(struct rec_rd *r)
{
	uint64_t n = rec_get_varint(r);
	const uint8_t *p;

	if (r->err || n > (uint64_t)(r->end - r->p)) {
		r->err = -EBADMSG;
		return STR_NULL;
	}
	p = take(r, (size_t)n);
	return p ? str_make(p, (size_t)n) : STR_NULL;
}

int rec_read_str(struct str rec, uint8_t version, struct str *out)
{
	struct rec_rd r;

	rec_rd_init(&r, rec);
	if (rec_get_u8(&r) != version) {
		return -EBADMSG;
	}
	*out = rec_get_str(&r);
	return rec_rd_err(&r);
}
