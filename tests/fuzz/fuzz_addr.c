/* libFuzzer target: command-line addresses. Whatever parses must format
 * back to text that parses to the same address. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[128];
	char out[ADDR_STR_MAX];
	struct addr a, b;
	const char *why = NULL;

	if (size >= sizeof(in)) {
		return 0;
	}
	memcpy(in, data, size);
	in[size] = '\0';
	if (addr_parse(in, &a, &why) < 0) {
		if (!why || !why[0]) {
			abort(); /* every refusal says why */
		}
		return 0;
	}
	addr_format(&a, out, sizeof(out));
	if (addr_parse(out, &b, &why) < 0 || a.len != b.len || memcmp(&a.u, &b.u, a.len) != 0) {
		abort();
	}
	return 0;
}
