/* libFuzzer target: Via values (a comma list of via-parms). Properties:
 * every slice lies inside the input, each value's rest is a strict
 * suffix of what came before, parameters lie inside the value's text. */
#include <stdint.h>
#include <stdlib.h>

#include "sip/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *base;
static size_t base_len;

static void inside(struct str s)
{
	if (s.len && (s.p < base || s.p + s.len > base + base_len)) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str rest = str_make(data, size);
	struct sip_via v;
	struct str val;

	base = (const char *)data;
	base_len = size;
	for (unsigned n = 0; n < 64 && rest.len; n++) {
		struct str before = rest;
		if (sip_parse_via(before, &v, &rest) < 0) {
			break;
		}
		if (rest.len >= before.len || rest.p + rest.len != before.p + before.len) {
			abort();
		}
		inside(v.protocol);
		inside(v.transport);
		inside(v.host);
		inside(v.branch);
		inside(v.received);
		inside(v.maddr);
		inside(v.params);
		inside(v.text);
		if (!v.host.len || !v.transport.len || v.ttl > 255 || v.ttl < -1 ||
			(v.rport_value && !v.rport)) {
			abort();
		}
		if (v.params.len &&
			(v.params.p < v.text.p ||
				v.params.p + v.params.len > v.text.p + v.text.len)) {
			abort();
		}
		if (v.branch.len && !sip_param_get(v.params, STR("branch"), &val)) {
			abort();
		}
	}
	return 0;
}
