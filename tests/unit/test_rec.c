#include <errno.h>

#include "core/rec.h"
#include "tests/unit/unit.h"

static void round_trip(void)
{
	char mem[128];
	struct buf b;
	struct rec_rd r;

	buf_init(&b, mem, sizeof(mem));
	buf_put_be8(&b, 3);
	buf_put_be16(&b, 5060);
	buf_put_be32(&b, 3600);
	buf_put_be64(&b, 1764633600123ULL);
	rec_put_str(&b, STR("sip:alice@example.com"));
	rec_put_varint(&b, 300);
	rec_put_str(&b, STR(""));
	CHECK_INT(b.err, 0);

	rec_rd_init(&r, buf_str(&b));
	CHECK_INT(rec_get_u8(&r), 3);
	CHECK_INT(rec_get_u16(&r), 5060);
	CHECK_INT(rec_get_u32(&r), 3600);
	CHECK(rec_get_u64(&r) == 1764633600123ULL);
	CHECK(str_eq(rec_get_str(&r), STR("sip:alice@example.com")));
	CHECK_INT(rec_get_varint(&r), 300);
	CHECK_INT(rec_get_str(&r).len, 0);
	CHECK_INT(rec_rd_err(&r), 0);
	/* Reading past the end is an error, and the error sticks. */
	CHECK_INT(rec_get_u8(&r), 0);
	CHECK_INT(rec_rd_err(&r), -EBADMSG);
}

static void varint_edges(void)
{
	static const uint64_t v[] = { 0, 127, 128, 16383, 16384, UINT32_MAX, UINT64_MAX };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char mem[16];
		struct buf b;
		struct rec_rd r;
		buf_init(&b, mem, sizeof(mem));
		rec_put_varint(&b, v[i]);
		rec_rd_init(&r, buf_str(&b));
		CHECK(rec_get_varint(&r) == v[i]);
		CHECK_INT(rec_rd_err(&r), 0);
		CHECK(r.p == r.end);
	}
}

static void truncated_and_hostile(void)
{
	struct rec_rd r;
	/* length 5, only 2 bytes follow */
	rec_rd_init(&r,
		STR("\x05"
		    "ab"));
	CHECK_INT(rec_get_str(&r).len, 0);
	CHECK_INT(rec_rd_err(&r), -EBADMSG);
	/* an 11-byte varint never ends */
	rec_rd_init(&r, STR("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"));
	rec_get_varint(&r);
	CHECK_INT(rec_rd_err(&r), -EBADMSG);
	/* a huge length must not wrap the bounds check */
	rec_rd_init(&r,
		STR("\xff\xff\xff\xff\xff\xff\xff\xff\x7f"
		    "x"));
	CHECK_INT(rec_get_str(&r).len, 0);
	CHECK_INT(rec_rd_err(&r), -EBADMSG);
	rec_rd_init(&r, STR("\x01\x02\x03"));
	rec_get_u32(&r);
	CHECK_INT(rec_rd_err(&r), -EBADMSG);
}

UNIT_SUITE(rec, UNIT_TEST(round_trip), UNIT_TEST(varint_edges), UNIT_TEST(truncated_and_hostile));
