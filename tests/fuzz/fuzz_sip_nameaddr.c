/* libFuzzer target: name-addr / addr-spec lists (From, To, Contact,
 * Route, ...). Properties: slices inside the input and inside the
 * element's text, progress on every element, and the tag seen by
 * sip_param_get() is the one the parser found. */
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
	struct str all = str_make(data, size);
	struct str rest = all;
	struct sip_nameaddr na;
	struct str v;

	for (unsigned n = 0; n < 64 && rest.len; n++) {
		struct str before = rest;
		if (sip_parse_nameaddr(before, &na, &rest) < 0) {
			break;
		}
		if (rest.len >= before.len || rest.p + rest.len != before.p + before.len) {
			abort();
		}
		within(na.text, all);
		within(na.display, na.text);
		within(na.uri_str, na.text);
		within(na.params, na.text);
		within(na.tag, na.params);
		within(na.uri.user, na.uri_str);
		within(na.uri.password, na.uri_str);
		within(na.uri.host, na.uri_str);
		within(na.uri.params, na.uri_str);
		within(na.uri.headers, na.uri_str);
		if (na.star ? (na.uri_str.len != 0) : (na.uri_str.len == 0)) {
			abort();
		}
		if (na.tag.len &&
			(!sip_param_get(na.params, STR("tag"), &v) || !str_eq(v, na.tag))) {
			abort();
		}
		if (na.uri.scheme && !sip_uri_eq(&na.uri, &na.uri)) {
			abort();
		}
	}
	return 0;
}
