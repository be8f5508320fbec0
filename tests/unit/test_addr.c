#include <errno.h>
#include <string.h>

#include "autoconf.h"
#include "core/addr.h"
#include "tests/unit/unit.h"

static void parse_and_format(void)
{
	static const struct {
		const char *in;
		int rc;
		const char *out;
	} t[] = {
		{ "127.0.0.1:5060", 0, "127.0.0.1:5060" },
		{ "0.0.0.0:0", 0, "0.0.0.0:0" },
		{ "[::1]:5061", ENABLE_IPV6 ? 0 : -EAFNOSUPPORT, "[::1]:5061" },
		{ "[::]:80", ENABLE_IPV6 ? 0 : -EAFNOSUPPORT, "[::]:80" },
		{ "::1:5060", -EINVAL, NULL },
		{ "127.0.0.1", -EINVAL, NULL },
		{ "127.0.0.1:65536", -EINVAL, NULL },
		{ "127.0.0.1:", -EINVAL, NULL },
		{ ":5060", -EINVAL, NULL },
		{ "localhost:5060", -EINVAL, NULL },
		{ "256.1.1.1:5060", -EINVAL, NULL },
		{ "[::1]5060", -EINVAL, NULL },
		{ "[nope]:5060", ENABLE_IPV6 ? -EINVAL : -EAFNOSUPPORT, NULL },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct addr a;
		const char *why = NULL;
		char out[ADDR_STR_MAX];
		int rc = addr_parse(t[i].in, &a, &why);
		CHECK_INT(rc, t[i].rc);
		if (rc == 0) {
			CHECK(strcmp(addr_format(&a, out, sizeof(out)), t[i].out) == 0);
		} else {
			CHECK(why != NULL && why[0] != '\0');
		}
	}
}

UNIT_SUITE(addr, UNIT_TEST(parse_and_format));
