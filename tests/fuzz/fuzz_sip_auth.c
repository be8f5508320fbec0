/* libFuzzer target: Authorization / WWW-Authenticate values. Properties:
 * slices inside the input, at most SIP_AUTH_MAX_PARAMS, and every name
 * looks up exactly its own value (no name twice). */
#include <stdint.h>
#include <stdlib.h>

#include "sip/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void within(struct str s, struct str outer)
{
	if (s.len && (s.p < outer.p || s.p + s.len > outer.p + outer.len)) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str in = str_make(data, size);
	struct sip_auth a;
	struct str v;

	if (sip_parse_auth(in, &a) < 0) {
		return 0;
	}
	if (!a.scheme.len || a.n_params > SIP_AUTH_MAX_PARAMS) {
		abort();
	}
	within(a.scheme, in);
	for (unsigned i = 0; i < a.n_params; i++) {
		within(a.params[i].name, in);
		within(a.params[i].value, in);
		if (!a.params[i].name.len || (!a.params[i].quoted && !a.params[i].value.len)) {
			abort();
		}
		if (!sip_auth_get(&a, a.params[i].name, &v) || v.p != a.params[i].value.p ||
			v.len != a.params[i].value.len) {
			abort();
		}
	}
	return 0;
}
