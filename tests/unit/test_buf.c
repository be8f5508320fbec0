#include <errno.h>
#include <string.h>

#include "core/buf.h"
#include "tests/unit/unit.h"

static void puts_and_sticky_error(void)
{
	char mem[8];
	struct buf b;

	buf_init(&b, mem, sizeof(mem));
	buf_put_cstr(&b, "SIP/");
	buf_put_u64(&b, 20);
	CHECK(str_eq(buf_str(&b), STR("SIP/20")));
	buf_put_cstr(&b, "abc"); /* does not fit: nothing written */
	CHECK_INT(b.err, -ENOSPC);
	CHECK_INT(b.len, 6);
	buf_put_char(&b, 'x'); /* would fit, but the error is sticky */
	CHECK_INT(b.len, 6);
	buf_reset(&b);
	CHECK_INT(b.err, 0);
	buf_put(&b, "12345678", 8);
	CHECK_INT(b.len, 8);
	CHECK(buf_cstr(&b) == NULL); /* no room for the NUL */
}

static void numbers(void)
{
	char mem[64];
	struct buf b;

	buf_init(&b, mem, sizeof(mem));
	buf_put_u64(&b, 0);
	buf_put_char(&b, ' ');
	buf_put_u64(&b, UINT64_MAX);
	CHECK(strcmp(buf_cstr(&b), "0 18446744073709551615") == 0);
	buf_reset(&b);
	buf_printf(&b, "%s=%d", "q", 7);
	CHECK(strcmp(buf_cstr(&b), "q=7") == 0);
	buf_printf(&b, "%70s", "x");
	CHECK_INT(b.err, -ENOSPC);
}

static void big_endian(void)
{
	unsigned char mem[15];
	static const unsigned char want[15] = { 0xab, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x01,
		0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
	struct buf b;

	buf_init(&b, mem, sizeof(mem));
	buf_put_be8(&b, 0xab);
	buf_put_be16(&b, 0x1234);
	buf_put_be32(&b, 0xdeadbeef);
	buf_put_be64(&b, 0x0102030405060708ULL);
	CHECK_INT(b.err, 0);
	CHECK(memcmp(mem, want, sizeof(want)) == 0);
}

/* RFC 2616 3.3.1's own example, and the start of the epoch. */
static void date(void)
{
	char mem[64];
	struct buf b;

	buf_init(&b, mem, sizeof(mem));
	buf_put_date(&b, 784111777);
	CHECK(str_eq(buf_str(&b), STR("Sun, 06 Nov 1994 08:49:37 GMT")));
	buf_init(&b, mem, sizeof(mem));
	buf_put_date(&b, 0);
	CHECK(str_eq(buf_str(&b), STR("Thu, 01 Jan 1970 00:00:00 GMT")));
	buf_init(&b, mem, 10);
	buf_put_date(&b, 0);
	CHECK(b.err != 0);
}

UNIT_SUITE(buf, UNIT_TEST(date), UNIT_TEST(puts_and_sticky_error), UNIT_TEST(numbers),
	UNIT_TEST(big_endian));
