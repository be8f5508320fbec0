#include <errno.h>

#include "core/str.h"
#include "tests/unit/unit.h"

static void eq_and_ieq(void)
{
	CHECK(str_eq(STR("Via"), STR("Via")));
	CHECK(!str_eq(STR("Via"), STR("via")));
	CHECK(str_ieq(STR("Via"), STR("vIA")));
	CHECK(!str_ieq(STR("Via"), STR("Vias")));
	CHECK(str_eq(STR(""), STR_NULL));
	CHECK(str_has_prefix(STR("sip:alice"), STR("sip:")));
	CHECK(!str_has_prefix(STR("si"), STR("sip:")));
}

static void trim_and_find(void)
{
	CHECK(str_eq(str_trim(STR(" \t a b\t ")), STR("a b")));
	CHECK(str_trim(STR("  ")).len == 0);
	CHECK_INT(str_find(STR("a:b"), ':'), 1);
	CHECK_INT(str_find(STR("ab"), ':'), -1);
	CHECK_INT(str_find(STR_NULL, ':'), -1);
}

static void to_u32(void)
{
	static const struct {
		const char *in;
		uint32_t max;
		int rc;
		uint32_t out;
	} t[] = {
		{ "0", 10, 0, 0 },
		{ "65535", 65535, 0, 65535 },
		{ "65536", 65535, -ERANGE, 0 },
		{ "4294967295", UINT32_MAX, 0, UINT32_MAX },
		{ "4294967296", UINT32_MAX, -ERANGE, 0 },
		{ "99999999999999999999999", UINT32_MAX, -ERANGE, 0 },
		{ "", 10, -EINVAL, 0 },
		{ "-1", 10, -EINVAL, 0 },
		{ "1 ", 10, -EINVAL, 0 },
		{ "0x1", 10, -EINVAL, 0 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint32_t v = 12345;
		CHECK_INT(str_to_u32(str_cstr(t[i].in), t[i].max, &v), t[i].rc);
		if (t[i].rc == 0) {
			CHECK_INT(v, t[i].out);
		}
	}
}

static void copy_cstr(void)
{
	char b[4];
	CHECK_INT(str_copy_cstr(STR("abc"), b, sizeof(b)), 0);
	CHECK(b[3] == '\0' && b[0] == 'a');
	CHECK_INT(str_copy_cstr(STR("abcd"), b, sizeof(b)), -ENOSPC);
	CHECK(b[0] == '\0');
}

static void ct_eq(void)
{
	CHECK(str_ct_eq("abcdef", "abcdef", 6));
	CHECK(!str_ct_eq("abcdef", "abcdeg", 6));
	CHECK(!str_ct_eq("xbcdef", "abcdef", 6));
	CHECK(str_ct_eq("", "", 0));
}

UNIT_SUITE(str, UNIT_TEST(eq_and_ieq), UNIT_TEST(trim_and_find), UNIT_TEST(to_u32),
	UNIT_TEST(copy_cstr), UNIT_TEST(ct_eq));
