/* libFuzzer target: the stored-message record reader (sip/msgstore) on
 * arbitrary bytes, as a corrupt store would hand them over. Whatever
 * msgstore_next accepts must write back (msgstore_mark rewrites the
 * record) and read back the same, with the new device listed last. The
 * store, the log and the digest code (core/users.c needs them, for
 * users_name_valid) are stubbed: the input is the value of the one key
 * "alice\0" + seq 1. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/log.h"
#include "core/store.h"
#include "tests/fuzz/stub_store.h"
#include "sip/msgstore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key1[] = { 'a', 'l', 'i', 'c', 'e', 0, 0, 0, 0, 0, 0, 0, 0, 1 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct msgstore_msg a, b;
	static uint8_t copy[1 << 18];
	_Static_assert(sizeof(copy) > LOCATION_URI_MAX, "copy doubles as an unlisted device");
	const struct str dev = STR("<urn:uuid:fuzz>");
	uint64_t now = 0;
	unsigned keep;

	/* The first byte picks the clock, so expiry filtering is covered. */
	if (size) {
		now = (uint64_t)data[0] << 24;
		data++;
		size--;
	}
	stub_key = str_make(key1, sizeof(key1));
	stub_value = str_make(data, size);
	if (msgstore_next(NULL, STR("alice"), dev, 0, now, &a) != 0) {
		return 0;
	}
	if (a.seq != 1 || a.expires <= now || a.n_devices > CONFIG_REG_MAX_BINDINGS) {
		abort();
	}
	if (msgstore_mark(NULL, STR("alice"), 1, dev, now) != 0) {
		abort();
	}
	/* a points into value, which stays; read the rewritten record. */
	memcpy(copy, stub_written().p, stub_written().len);
	stub_value = str_make(copy, stub_written().len);
	/* Read as a device no record can list (over LOCATION_URI_MAX). */
	if (msgstore_next(NULL, STR("alice"), str_make(copy, LOCATION_URI_MAX + 1), 0, now, &b) !=
		0) {
		abort();
	}
	stub_same(a.from, b.from);
	stub_same(a.to, b.to);
	stub_same(a.date, b.date);
	stub_same(a.content_type, b.content_type);
	stub_same(a.body, b.body);
	if (a.stored != b.stored || a.expires != b.expires) {
		abort();
	}
	keep = a.n_devices == CONFIG_REG_MAX_BINDINGS ? a.n_devices - 1 : a.n_devices;
	if (b.n_devices != keep + 1 || !str_eq(b.devices[keep], dev)) {
		abort();
	}
	for (unsigned i = 0; i < keep; i++) {
		stub_same(a.devices[a.n_devices - keep + i], b.devices[i]);
	}
	return 0;
}
