/* libFuzzer target: the store record reader on arbitrary bytes. A record
 * comes from disk, which may be corrupt: every read must stay in bounds
 * and a failed read must leave the sticky error set. */
#include <stdint.h>
#include <stdlib.h>

#include "core/rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec_rd r;

	rec_rd_init(&r, str_make(data, size));
	while (!rec_rd_err(&r) && r.p < r.end) {
		switch (rec_get_u8(&r) % 5) {
		case 0:
			rec_get_u16(&r);
			break;
		case 1:
			rec_get_u32(&r);
			break;
		case 2:
			rec_get_u64(&r);
			break;
		case 3:
			rec_get_varint(&r);
			break;
		default: {
			struct str s = rec_get_str(&r);
			if (!rec_rd_err(&r) &&
				(s.p < (const char *)data ||
					s.p + s.len > (const char *)data + size)) {
				abort();
			}
		}
		}
	}
	if (r.p > r.end) {
		abort();
	}
	return 0;
}
