/* libFuzzer target: sip:, sips: and tel: URIs and their comparison.
 * Properties: slices lie inside the input; a URI equals itself; equality
 * is symmetric (the input split in two at its first NUL or its middle). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(struct str s, const char *p, size_t n)
{
	if (s.len && (s.p < p || s.p + s.len > p + n)) {
		abort();
	}
}

static int parse_checked(const char *p, size_t n, struct sip_uri *u)
{
	struct str v;

	if (sip_parse_uri(str_make(p, n), u) < 0) {
		return -1;
	}
	inside(u->user, p, n);
	inside(u->password, p, n);
	inside(u->host, p, n);
	inside(u->params, p, n);
	inside(u->headers, p, n);
	if (u->scheme < SIP_URI_SIP || u->scheme > SIP_URI_TEL) {
		abort();
	}
	if (u->scheme != SIP_URI_TEL && !u->host.len) {
		abort();
	}
	if (!sip_uri_eq(u, u)) {
		abort();
	}
	if (sip_param_get(u->params, STR("transport"), &v)) {
		inside(v, p, n);
	}
	if (sip_param_get(u->params, STR("lr"), &v)) {
		inside(v, p, n);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	const char *nul = memchr(p, '\0', size);
	size_t cut = nul ? (size_t)(nul - p) : size / 2;
	struct sip_uri u, a, b;

	parse_checked(p, size, &u);
	if (parse_checked(p, cut, &a) == 0 && nul &&
		parse_checked(p + cut + 1, size - cut - 1, &b) == 0) {
		if (sip_uri_eq(&a, &b) != sip_uri_eq(&b, &a)) {
			abort();
		}
	}
	return 0;
}
