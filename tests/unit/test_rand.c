#include <bearssl.h>
#include <string.h>

#include "core/rand.h"
#include "tests/unit/unit.h"

/* BearSSL is built per board with our flags: check a known vector (FIPS
 * 180-2, "abc") so a miscompiled or wrong-endian build shows here. */
static void sha256_known_vector(void)
{
	static const unsigned char want[32] = { 0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
		0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
		0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad };
	unsigned char out[32];
	br_sha256_context c;

	br_sha256_init(&c);
	br_sha256_update(&c, "abc", 3);
	br_sha256_out(&c, out);
	CHECK(memcmp(out, want, sizeof(want)) == 0);
}

static void hex_output(void)
{
	char a[33];
	char b[33];

	CHECK_INT(rand_init(), 0);
	rand_hex(a, 16);
	rand_hex(b, 16);
	CHECK_INT(strlen(a), 32);
	CHECK(strspn(a, "0123456789abcdef") == 32);
	CHECK(strcmp(a, b) != 0);
}

UNIT_SUITE(rand, UNIT_TEST(sha256_known_vector), UNIT_TEST(hex_output));
