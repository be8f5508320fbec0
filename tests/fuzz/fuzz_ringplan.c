/* libFuzzer target: the ring plan parser (sip/ringplan) on arbitrary
 * bytes, as typed text and as a stored record (a corrupt store). Whatever
 * it accepts must format to a canonical text that parses to the same text
 * again, store (ringplan_put) and read back (ringplan_get) the same, and
 * map bindings to groups without going out of bounds. The store and the
 * digest code (core/users.c needs them, for users_name_valid) are stubbed. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/store.h"
#include "tests/fuzz/stub_store.h"
#include "sip/ringplan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The canonical text of p into mem; aborts when it does not fit. */
static struct str canon(const struct ringplan *p, char *mem)
{
	struct buf b;

	buf_init(&b, mem, RINGPLAN_TEXT_MAX);
	if (ringplan_format(p, &b) != 0) {
		abort();
	}
	return buf_str(&b);
}

static void check_plan(const struct ringplan *p)
{
	static char t1[RINGPLAN_TEXT_MAX], t2[RINGPLAN_TEXT_MAX];
	static struct ringplan q, r;
	static const struct location_binding b[] = {
		{ .uri = STR("sip:alice@192.0.2.1"), .instance = STR("<urn:uuid:a>") },
		{ .uri = STR("sips:alice@[2001:db8::1]:5061;transport=tcp") },
		{ .uri = STR("not a uri"), .instance = STR("<>") },
	};
	uint8_t g[3];
	const char *why;
	struct str a = canon(p, t1);

	if (ringplan_parse(a, &q, &why) != 0 || !str_eq(canon(&q, t2), a)) {
		abort();
	}
	if (p->n_groups > RINGPLAN_MAX_GROUPS || (!p->n_groups && !p->next_user.len)) {
		abort();
	}
	ringplan_assign(p, b, 3, g);
	for (unsigned i = 0; i < 3; i++) {
		if (g[i] != RINGPLAN_NO_GROUP && g[i] >= p->n_groups) {
			abort();
		}
	}
	if (str_eq(p->next_user, STR("alice"))) {
		return;
	}
	if (ringplan_put(NULL, STR("alice"), p) != 0) {
		abort();
	}
	stub_value = stub_written();
	if (ringplan_get(NULL, STR("alice"), &r) != 0 || !str_eq(canon(&r, t2), a)) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ringplan p;
	const char *why = NULL;

	if (ringplan_parse(str_make(data, size), &p, &why) == 0) {
		check_plan(&p);
	} else if (!why) {
		abort();
	}
	stub_value = str_make(data, size);
	if (ringplan_get(NULL, STR("alice"), &p) == 0) {
		check_plan(&p);
	}
	return 0;
}
