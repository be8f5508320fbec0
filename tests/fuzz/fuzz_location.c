/* libFuzzer target: the bindings record reader (sip/location) on arbitrary
 * bytes, as a corrupt store would hand them over. Whatever location_get
 * accepts must write back (location_put) and read back the same: the
 * registrar rewrites records it has read. The store is stubbed: the input
 * is the value of every key. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/store.h"
#include "tests/fuzz/stub_store.h"
#include "sip/location.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct location_aor a, b;
	uint64_t now = 0;

	/* The first byte picks the clock, so expiry filtering is covered. */
	if (size) {
		now = (uint64_t)data[0] << 24;
		data++;
		size--;
	}
	stub_value = str_make(data, size);
	if (location_get(NULL, STR("alice"), now, &a) < 0 || a.n == 0) {
		return 0;
	}
	if (location_put(NULL, STR("alice"), &a) != 0) {
		abort();
	}
	stub_value = stub_written();
	if (location_get(NULL, STR("alice"), now, &b) != 0 || b.n != a.n) {
		abort();
	}
	for (unsigned i = 0; i < a.n; i++) {
		const struct location_binding *x = &a.b[i], *y = &b.b[i];
		stub_same(x->uri, y->uri);
		stub_same(x->params, y->params);
		stub_same(x->instance, y->instance);
		stub_same(x->path, y->path);
		stub_same(x->call_id, y->call_id);
		stub_same(x->source, y->source);
		stub_same(x->user_agent, y->user_agent);
		if (x->reg_id != y->reg_id || x->cseq != y->cseq || x->q != y->q ||
			x->expires != y->expires || x->registered != y->registered ||
			x->proto != y->proto || x->conn != y->conn) {
			abort();
		}
	}
	return 0;
}
