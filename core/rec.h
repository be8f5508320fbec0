/* Store record encoding. A record is a version byte followed by fields in a
 * fixed order, integers big-endian, strings as a varint length and bytes.
 * Never raw structs: a record must read back after a rebuild with another
 * compiler, on another architecture, or with a field added at the end.
 *
 * Writing goes through struct buf (sticky -ENOSPC). Reading goes through a
 * cursor with a sticky -EBADMSG: a short or malformed record makes every
 * later get return zero/empty, and the caller checks rec_rd_err() once. */
#ifndef CORE_REC_H
#define CORE_REC_H

#include <stdint.h>

#include "core/buf.h"
#include "core/str.h"

void rec_put_varint(struct buf *b, uint64_t v);
void rec_put_str(struct buf *b, struct str s);

struct rec_rd {
	const uint8_t *p;
	const uint8_t *end;
	int err;
};

void rec_rd_init(struct rec_rd *r, struct str rec);
uint8_t rec_get_u8(struct rec_rd *r);
uint16_t rec_get_u16(struct rec_rd *r);
uint32_t rec_get_u32(struct rec_rd *r);
uint64_t rec_get_u64(struct rec_rd *r);
uint64_t rec_get_varint(struct rec_rd *r);
/* Points into the record (valid as long as the record's memory). */
struct str rec_get_str(struct rec_rd *r);

/* A record that is a version byte and one string: 0 and *out (pointing
 * into rec), or -EBADMSG when the version differs or the record is short. */
int rec_read_str(struct str rec, uint8_t version, struct str *out);

static inline int rec_rd_err(const struct rec_rd *r)
{
	return r->err;
}

#endif
