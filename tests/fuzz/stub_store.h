/* A store of one record for the fuzz targets of the store-backed decoders
 * (location, msgstore, ringplan): every read returns stub_value (for
 * stub_key, or for any key when stub_key is empty), a scan visits that one
 * record, and a write is kept for stub_written(). The log and the digest
 * code that core/users.c needs are stubbed too. */
#ifndef TESTS_FUZZ_STUB_STORE_H
#define TESTS_FUZZ_STUB_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/str.h"

extern struct str stub_value;
extern struct str stub_key;
/* The last value written (store_put), empty after a store_del. */
struct str stub_written(void);
/* Aborts (a finding) when a and b differ. */
void stub_same(struct str a, struct str b);

#endif
