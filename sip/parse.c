/* SIP grammar pieces (RFC 3261 section 25). Every function walks a struct
 * str cursor that only ever shrinks from the front, so a read is in bounds
 * exactly when it is guarded by a len check. */
#include "sip/parse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "autoconf.h"

/* Character classes of RFC 3261 25.1 and 19.1.1, as bits of one table. */
enum {
	CC_ALNUM = 1 << 0,
	CC_TOKEN = 1 << 1, /* token: alphanum / "-.!%*_+`'~" */
	CC_UNRESERVED = 1 << 2, /* alphanum / mark "-_.!~*'()" */
	CC_USER = 1 << 3, /* user-unreserved "&=+$,;?/" */
	CC_PASSWORD = 1 << 4, /* "&=+$," */
	CC_PARAM = 1 << 5, /* param-unreserved "[]/:&+$" */
	CC_HNV = 1 << 6, /* hnv-unreserved "[]/?:+$" */
	CC_HOST = 1 << 7, /* hostname: alphanum / "-" / "." */
};

static unsigned cc(unsigned char c)
{
	unsigned f = 0;

	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
		return CC_ALNUM | CC_TOKEN | CC_UNRESERVED | CC_HOST;
	}
	switch (c) {
	case '-':
		f = CC_TOKEN | CC_UNRESERVED | CC_HOST;
		break;
	case '.':
		f = CC_TOKEN | CC_UNRESERVED | CC_HOST;
		break;
	case '!':
	case '*':
	case '_':
	case '~':
	case '\'':
		f = CC_TOKEN | CC_UNRESERVED;
		break;
	case '%':
	case '`':
		f = CC_TOKEN;
		break;
	case '+':
		f = CC_TOKEN | CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV;
		break;
	case '(':
	case ')':
		f = CC_UNRESERVED;
		break;
	case '&':
		f = CC_USER | CC_PASSWORD | CC_PARAM;
		break;
	case '=':
	case ',':
		f = CC_USER | CC_PASSWORD;
		break;
	case '$':
		f = CC_USER | CC_PASSWORD | CC_PARAM | CC_HNV;
		break;
	case ';':
		f = CC_USER;
		break;
	case '?':
		f = CC_USER | CC_HNV;
		break;
	case '/':
		f = CC_USER | CC_PARAM | CC_HNV;
		break;
	case '[':
	case ']':
	case ':':
		f = CC_PARAM | CC_HNV;
		break;
	default:
		break;
	}
	return f;
}

static bool is_token_char(unsigned char c)
{
	return (cc(c) & CC_TOKEN) != 0;
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int hex_val(unsigned char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
}

static void adv(struct str *s, size_t n)
{
	s->p += n;
	s->len -= n;
}

/* Length of the LWS at the front of s: SP, HTAB, and CRLF followed by SP
 * or HTAB (RFC 3261 25.1: LWS = [*WSP CRLF] 1*WSP; a fold is whitespace). */
static size_t lws_len(struct str s)
{
	size_t i = 0;

	for (;;) {
		if (i < s.len && (s.p[i] == ' ' || s.p[i] == '\t')) {
			i++;
		} else if (i + 2 < s.len && s.p[i] == '\r' && s.p[i + 1] == '\n' &&
			(s.p[i + 2] == ' ' || s.p[i + 2] == '\t')) {
			i += 3;
		} else {
			return i;
		}
	}
}

static size_t skip_lws(struct str *s)
{
	size_t n = lws_len(*s);

	adv(s, n);
	return n;
}

struct str sip_parse_trim(struct str s)
{
	size_t orig;

	skip_lws(&s);
	orig = s.len;
	while (s.len) {
		char c = s.p[s.len - 1];
		if (c == ' ' || c == '\t') {
			s.len--;
		} else if (c == '\n' && s.len < orig && s.len >= 2 && s.p[s.len - 2] == '\r') {
			s.len -= 2; /* a fold: its CRLF was followed by the WSP just cut */
		} else {
			break;
		}
	}
	return s;
}

bool sip_parse_is_token(struct str s)
{
	if (s.len == 0) {
		return false;
	}
	for (size_t i = 0; i < s.len; i++) {
		if (!is_token_char((unsigned char)s.p[i])) {
			return false;
		}
	}
	return true;
}

static bool in_set(const char *set, char c)
{
	return c != '\0' && strchr(set, c) != NULL;
}

static bool take_char(struct str *s, char c)
{
	if (s->len && s->p[0] == c) {
		adv(s, 1);
		return true;
	}
	return false;
}

/* SWS c SWS (25.1: HCOLON, SEMI, EQUAL, COMMA, SLASH). */
static bool take_sep(struct str *s, char c)
{
	struct str t = *s;

	skip_lws(&t);
	if (!take_char(&t, c)) {
		return false;
	}
	skip_lws(&t);
	*s = t;
	return true;
}

static struct str take_token(struct str *s)
{
	size_t i = 0;

	while (i < s->len && is_token_char((unsigned char)s->p[i])) {
		i++;
	}
	struct str t = str_make(s->p, i);
	adv(s, i);
	return t;
}

/* A run of characters of class mask or %HH escapes (19.1.2). -EBADMSG on a
 * broken escape. */
static int take_escaped(struct str *s, unsigned mask, struct str *out)
{
	size_t i = 0;

	while (i < s->len) {
		unsigned char c = (unsigned char)s->p[i];
		if (c == '%') {
			if (i + 2 >= s->len) {
				return -EBADMSG;
			}
			if (hex_val((unsigned char)s->p[i + 1]) < 0 ||
				hex_val((unsigned char)s->p[i + 2]) < 0) {
				return -EBADMSG;
			}
			i += 3;
		} else if (cc(c) & (mask | CC_UNRESERVED)) {
			i++;
		} else {
			break;
		}
	}
	*out = str_make(s->p, i);
	adv(s, i);
	return 0;
}

/* quoted-string (25.1) at the front of s: *inner is between the quotes,
 * quoted-pairs and folds left in place. */
static int take_quoted(struct str *s, struct str *inner)
{
	size_t i = 1;

	if (!s->len || s->p[0] != '"') {
		return -EBADMSG;
	}
	while (i < s->len) {
		unsigned char c = (unsigned char)s->p[i];
		if (c == '"') {
			*inner = str_make(s->p + 1, i - 1);
			adv(s, i + 1);
			return 0;
		}
		if (c == '\\') {
			/* quoted-pair excludes CR and LF */
			if (i + 1 >= s->len || s->p[i + 1] == '\r' || s->p[i + 1] == '\n' ||
				(unsigned char)s->p[i + 1] > 0x7f) {
				return -EBADMSG;
			}
			i += 2;
		} else if (c == '\r') {
			size_t n = lws_len(str_make(s->p + i, s->len - i));
			if (n == 0) {
				return -EBADMSG;
			}
			i += n;
		} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
			return -EBADMSG;
		} else {
			i++;
		}
	}
	return -EBADMSG;
}

static bool valid_ipv4(struct str s)
{
	unsigned parts = 0;
	size_t i = 0;

	while (parts < 4) {
		unsigned v = 0;
		size_t start = i;
		while (i < s.len && is_digit((unsigned char)s.p[i]) && i - start < 3) {
			v = v * 10 + (unsigned)(s.p[i] - '0');
			i++;
		}
		if (i == start || v > 255) {
			return false;
		}
		parts++;
		if (parts < 4) {
			if (i >= s.len || s.p[i] != '.') {
				return false;
			}
			i++;
		}
	}
	return i == s.len;
}

static bool valid_ipv6(struct str s)
{
	char tmp[48];
	unsigned char bin[16];

	if (s.len < 2 || s.len >= sizeof(tmp)) {
		return false;
	}
	for (size_t i = 0; i < s.len; i++) {
		if (hex_val((unsigned char)s.p[i]) < 0 && s.p[i] != ':' && s.p[i] != '.') {
			return false;
		}
	}
	memcpy(tmp, s.p, s.len);
	tmp[s.len] = '\0';
	return inet_pton(AF_INET6, tmp, bin) == 1;
}

/* hostname (labels of alphanum and inner "-", the top label starting with
 * a letter) or IPv4address (25.1). */
static bool valid_hostname(struct str s)
{
	size_t i = 0;
	size_t last_label = 0;

	if (s.len && s.p[s.len - 1] == '.') {
		s.len--; /* a fully qualified name may end in a dot */
	}
	if (s.len == 0) {
		return false;
	}
	while (i < s.len) {
		size_t start = i;
		while (i < s.len && s.p[i] != '.') {
			if (!(cc((unsigned char)s.p[i]) & CC_HOST)) {
				return false;
			}
			i++;
		}
		if (i == start || s.p[start] == '-' || s.p[i - 1] == '-') {
			return false;
		}
		last_label = start;
		if (i < s.len) {
			i++;
			if (i == s.len) {
				return false;
			}
		}
	}
	if (is_digit((unsigned char)s.p[last_label])) {
		return valid_ipv4(s);
	}
	return true;
}

/* host = hostname / IPv4address / IPv6reference; an IPv6 reference keeps
 * its brackets. */
static int take_host(struct str *s, struct str *host)
{
	size_t i = 0;

	if (s->len && s->p[0] == '[') {
		while (i < s->len && s->p[i] != ']') {
			i++;
		}
		if (i >= s->len || !valid_ipv6(str_make(s->p + 1, i - 1))) {
			return -EBADMSG;
		}
		*host = str_make(s->p, i + 1);
		adv(s, i + 1);
		return 0;
	}
	while (i < s->len && (cc((unsigned char)s->p[i]) & CC_HOST)) {
		i++;
	}
	*host = str_make(s->p, i);
	if (!valid_hostname(*host)) {
		return -EBADMSG;
	}
	adv(s, i);
	return 0;
}

/* port = 1*DIGIT, 1..65535 (0 stands for "absent" in the structs). */
static int take_port(struct str *s, uint16_t *port)
{
	uint32_t v = 0;
	size_t i = 0;

	while (i < s->len && is_digit((unsigned char)s->p[i])) {
		v = v * 10 + (uint32_t)(s->p[i] - '0');
		if (v > 65535) {
			return -EBADMSG;
		}
		i++;
	}
	if (i == 0 || v == 0) {
		return -EBADMSG;
	}
	*port = (uint16_t)v;
	adv(s, i);
	return 0;
}

/* ---- URIs (19.1, RFC 3966) ------------------------------------------ */

static bool take_scheme(struct str *s, const char *name)
{
	size_t n = strlen(name);

	if (s->len <= n || s->p[n] != ':' || !str_ieq(str_make(s->p, n), str_cstr(name))) {
		return false;
	}
	adv(s, n + 1);
	return true;
}

/* Next byte of a URI component with %HH decoded; *escaped says whether it
 * came from an escape (an escaped reserved character is not the
 * character itself, 19.1.4). */
static int unesc_next(struct str *s, bool *escaped)
{
	int c;

	if (s->len >= 3 && s->p[0] == '%' && hex_val((unsigned char)s->p[1]) >= 0 &&
		hex_val((unsigned char)s->p[2]) >= 0) {
		c = hex_val((unsigned char)s->p[1]) * 16 + hex_val((unsigned char)s->p[2]);
		adv(s, 3);
		*escaped = in_set(";/?:@&=+$,", (char)c);
		return c;
	}
	c = (unsigned char)s->p[0];
	adv(s, 1);
	*escaped = false;
	return c;
}

static bool unesc_eq(struct str a, struct str b, bool icase)
{
	while (a.len && b.len) {
		bool ea, eb;
		char ca = (char)unesc_next(&a, &ea);
		char cb = (char)unesc_next(&b, &eb);
		if (icase) {
			ca = lower(ca);
			cb = lower(cb);
		}
		if (ca != cb || ea != eb) {
			return false;
		}
	}
	return a.len == 0 && b.len == 0;
}

/* True when name is already in names[0..n) (compared unescaped, without
 * case): a URI naming a parameter or header twice is refused, since the
 * readers of sip_param_get() and sip_uri_eq() would not agree on it. */
static bool uri_name_seen(const struct str *names, unsigned n, struct str name)
{
	for (unsigned k = 0; k < n; k++) {
		if (unesc_eq(names[k], name, true)) {
			return true;
		}
	}
	return false;
}

/* *( ";" pname [ "=" pvalue ] ) with at most CONFIG_SIP_MAX_PARAMS. */
static int take_uri_params(struct str *s, struct str *params)
{
	struct str names[CONFIG_SIP_MAX_PARAMS];
	const char *start = s->p;
	unsigned n = 0;
	struct str t;

	while (s->len && s->p[0] == ';') {
		adv(s, 1);
		if (n >= CONFIG_SIP_MAX_PARAMS) {
			return -EBADMSG;
		}
		if (take_escaped(s, CC_PARAM, &t) < 0 || t.len == 0 || uri_name_seen(names, n, t)) {
			return -EBADMSG;
		}
		names[n++] = t;
		if (take_char(s, '=')) {
			if (take_escaped(s, CC_PARAM, &t) < 0 || t.len == 0) {
				return -EBADMSG;
			}
		}
	}
	*params = str_make(start, (size_t)(s->p - start));
	return 0;
}

/* headers = "?" header *( "&" header ), header = hname "=" hvalue. */
static int take_uri_headers(struct str *s, struct str *headers)
{
	struct str names[CONFIG_SIP_MAX_PARAMS];
	const char *start = s->p;
	unsigned n = 0;
	struct str t;

	do {
		if (n >= CONFIG_SIP_MAX_PARAMS) {
			return -EBADMSG;
		}
		if (take_escaped(s, CC_HNV, &t) < 0 || t.len == 0 || !take_char(s, '=') ||
			uri_name_seen(names, n, t)) {
			return -EBADMSG;
		}
		names[n++] = t;
		if (take_escaped(s, CC_HNV, &t) < 0) {
			return -EBADMSG;
		}
	} while (take_char(s, '&'));
	*headers = str_make(start, (size_t)(s->p - start));
	return 0;
}

/* RFC 3966 3: telephone-subscriber, the digits with visual separators. */
static int parse_tel(struct str s, struct sip_uri *u)
{
	size_t i = 0;
	bool digit = false;

	if (i < s.len && s.p[i] == '+') {
		i++;
	}
	while (i < s.len && s.p[i] != ';') {
		char c = s.p[i];
		if (hex_val((unsigned char)c) >= 0 || c == '*' || c == '#') {
			digit = true;
		} else if (c != '-' && c != '.' && c != '(' && c != ')') {
			return -EBADMSG;
		}
		i++;
	}
	if (!digit) {
		return -EBADMSG;
	}
	u->user = str_make(s.p, i);
	adv(&s, i);
	if (take_uri_params(&s, &u->params) < 0 || s.len != 0) {
		return -EBADMSG;
	}
	return 0;
}

int sip_parse_uri(struct str s, struct sip_uri *u)
{
	size_t i = 0;

	memset(u, 0, sizeof(*u));
	if (take_scheme(&s, "sip")) {
		u->scheme = SIP_URI_SIP;
	} else if (take_scheme(&s, "sips")) {
		u->scheme = SIP_URI_SIPS;
	} else if (take_scheme(&s, "tel")) {
		u->scheme = SIP_URI_TEL;
		return parse_tel(s, u);
	} else {
		return -EBADMSG;
	}
	/* userinfo runs up to an "@" that comes before any character a
	 * userinfo cannot hold (user may contain ";" and "?", 19.1.1) */
	while (i < s.len && s.p[i] != '@' &&
		(s.p[i] == '%' || s.p[i] == ':' ||
			(cc((unsigned char)s.p[i]) & (CC_UNRESERVED | CC_USER)))) {
		i++;
	}
	if (i < s.len && s.p[i] == '@') {
		struct str ui = str_make(s.p, i);
		adv(&s, i + 1);
		if (take_escaped(&ui, CC_USER, &u->user) < 0 || u->user.len == 0) {
			return -EBADMSG;
		}
		if (take_char(&ui, ':')) {
			if (take_escaped(&ui, CC_PASSWORD, &u->password) < 0) {
				return -EBADMSG;
			}
		}
		if (ui.len != 0) {
			return -EBADMSG;
		}
	}
	if (take_host(&s, &u->host) < 0) {
		return -EBADMSG;
	}
	if (take_char(&s, ':') && take_port(&s, &u->port) < 0) {
		return -EBADMSG;
	}
	if (take_uri_params(&s, &u->params) < 0) {
		return -EBADMSG;
	}
	if (take_char(&s, '?') && take_uri_headers(&s, &u->headers) < 0) {
		return -EBADMSG;
	}
	return s.len == 0 ? 0 : -EBADMSG;
}

/* One parameter of a ";"-list (URI or header), tolerant of LWS and of
 * quoted values; values come back without their quotes. Returns false at
 * the end of the list or at something that is not a parameter. */
bool sip_param_next(struct str *s, struct str *name, struct str *value, bool *has_value)
{
	struct str t = *s;
	size_t i = 0;

	skip_lws(&t);
	if (!take_char(&t, ';')) {
		return false;
	}
	skip_lws(&t);
	while (i < t.len && !in_set(";=?&,\" \t\r\n", t.p[i])) {
		i++;
	}
	*name = str_make(t.p, i);
	adv(&t, i);
	*value = STR_NULL;
	*has_value = false;
	if (take_sep(&t, '=')) {
		*has_value = true;
		if (t.len && t.p[0] == '"') {
			if (take_quoted(&t, value) < 0) {
				return false;
			}
		} else {
			i = 0;
			while (i < t.len && !in_set(";?&,\" \t\r\n", t.p[i])) {
				i++;
			}
			*value = str_make(t.p, i);
			adv(&t, i);
		}
	}
	*s = t;
	return true;
}

bool sip_param_get(struct str params, struct str name, struct str *value)
{
	struct str n, v;
	bool has;

	while (sip_param_next(&params, &n, &v, &has)) {
		if (str_ieq(n, name)) {
			*value = v;
			return true;
		}
	}
	return false;
}

/* Finds a parameter (or URI header, with sep '&') by unescaped name. */
static bool uri_part_get(struct str list, char sep, struct str name, struct str *value)
{
	while (list.len) {
		size_t i = 0;
		while (i < list.len && list.p[i] != sep) {
			i++;
		}
		struct str item = str_make(list.p, i);
		adv(&list, i < list.len ? i + 1 : i);
		if (item.len == 0) {
			continue;
		}
		ptrdiff_t eq = str_find(item, '=');
		struct str n = eq < 0 ? item : str_make(item.p, (size_t)eq);
		if (unesc_eq(n, name, true)) {
			*value = eq < 0 ? STR_NULL
					: str_make(item.p + eq + 1, item.len - (size_t)eq - 1);
			return true;
		}
	}
	return false;
}

/* Every item of a must be in b with an equal value; with strict, items
 * missing from b fail too, otherwise only the names 19.1.4 lists. */
static bool uri_parts_match(struct str a, struct str b, char sep, bool strict)
{
	static const char *const must[] = { "user", "ttl", "method", "maddr", "transport" };

	while (a.len) {
		size_t i = 0;
		while (i < a.len && a.p[i] != sep) {
			i++;
		}
		struct str item = str_make(a.p, i);
		adv(&a, i < a.len ? i + 1 : i);
		if (item.len == 0) {
			continue;
		}
		ptrdiff_t eq = str_find(item, '=');
		struct str n = eq < 0 ? item : str_make(item.p, (size_t)eq);
		struct str v =
			eq < 0 ? STR_NULL : str_make(item.p + eq + 1, item.len - (size_t)eq - 1);
		struct str bv;
		if (uri_part_get(b, sep, n, &bv)) {
			if (!unesc_eq(v, bv, true)) {
				return false;
			}
			continue;
		}
		if (strict) {
			return false;
		}
		for (size_t k = 0; k < sizeof(must) / sizeof(must[0]); k++) {
			if (unesc_eq(n, str_cstr(must[k]), true)) {
				return false;
			}
		}
	}
	return true;
}

static struct str skip_first(struct str s)
{
	if (s.len) {
		adv(&s, 1);
	}
	return s;
}

/* RFC 3966 4: numbers compare without their visual separators. */
static bool tel_eq(struct str a, struct str b)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < a.len && in_set("-.()", a.p[i])) {
			i++;
		}
		while (j < b.len && in_set("-.()", b.p[j])) {
			j++;
		}
		if (i == a.len || j == b.len) {
			return i == a.len && j == b.len;
		}
		if (lower(a.p[i]) != lower(b.p[j])) {
			return false;
		}
		i++;
		j++;
	}
}

bool sip_uri_eq(const struct sip_uri *a, const struct sip_uri *b)
{
	struct str ap = skip_first(a->params), bp = skip_first(b->params);

	if (a->scheme != b->scheme) {
		return false;
	}
	if (a->scheme == SIP_URI_TEL) {
		if (!tel_eq(a->user, b->user)) {
			return false;
		}
	} else if (!unesc_eq(a->user, b->user, false) ||
		!unesc_eq(a->password, b->password, false) || !str_ieq(a->host, b->host) ||
		a->port != b->port) {
		return false;
	}
	if (!uri_parts_match(ap, bp, ';', false) || !uri_parts_match(bp, ap, ';', false)) {
		return false;
	}
	return uri_parts_match(a->headers, b->headers, '&', true) &&
		uri_parts_match(b->headers, a->headers, '&', true);
}

/* ---- header parameters, Via, name-addr -------------------------------- */

/* generic-param = token [ EQUAL gen-value ], gen-value = token / host /
 * quoted-string (25.1). Hosts add ":" and brackets to the token set (an
 * unbracketed IPv6 received, RFC 3261 18.2.1). */
static int take_gen_param(struct str *s, struct str *name, struct str *value, bool *has_value)
{
	*name = take_token(s);
	*value = STR_NULL;
	*has_value = false;
	if (name->len == 0) {
		return -EBADMSG;
	}
	if (!take_sep(s, '=')) {
		return 0;
	}
	*has_value = true;
	if (s->len && s->p[0] == '"') {
		return take_quoted(s, value);
	}
	size_t i = 0;
	while (i < s->len &&
		(is_token_char((unsigned char)s->p[i]) || s->p[i] == ':' || s->p[i] == '[' ||
			s->p[i] == ']')) {
		i++;
	}
	if (i == 0) {
		return -EBADMSG;
	}
	*value = str_make(s->p, i);
	adv(s, i);
	return 0;
}

/* After an element of a comma list: SWS, then "," (rest is what follows)
 * or the end (rest is empty). */
static int end_element(struct str *s, struct str *rest)
{
	skip_lws(s);
	if (s->len == 0) {
		*rest = *s;
		return 0;
	}
	if (s->p[0] != ',') {
		return -EBADMSG;
	}
	adv(s, 1);
	*rest = *s;
	return 0;
}

/* The header parameters after a Via sent-by or a From/To/Contact URI:
 * *( SEMI generic-param ), at most CONFIG_SIP_MAX_PARAMS, each handed to
 * on_param. *params gets the whole list from its first ';' (empty when
 * there is none); *s moves past it. */
static int take_header_params(struct str *s, struct str *params,
	int (*on_param)(void *arg, struct str name, struct str value, bool has_value), void *arg)
{
	const char *pstart = NULL;
	unsigned n = 0;

	for (;;) {
		struct str t = *s;
		struct str name, val;
		bool has;
		skip_lws(&t);
		if (!take_char(&t, ';')) {
			break;
		}
		if (!pstart) {
			pstart = t.p - 1;
		}
		if (++n > CONFIG_SIP_MAX_PARAMS) {
			return -EBADMSG;
		}
		skip_lws(&t);
		if (take_gen_param(&t, &name, &val, &has) < 0 ||
			on_param(arg, name, val, has) < 0) {
			return -EBADMSG;
		}
		*s = t;
	}
	if (pstart) {
		*params = str_make(pstart, (size_t)(s->p - pstart));
	}
	return 0;
}

static int via_param(void *arg, struct str name, struct str value, bool has_value)
{
	struct sip_via *v = arg;
	uint32_t n;

	if (str_ieq(name, STR("branch"))) {
		if (!has_value || !sip_parse_is_token(value) || v->branch.len) {
			return -EBADMSG;
		}
		v->branch = value;
	} else if (str_ieq(name, STR("received"))) {
		/* 18.2.1: an IPv4address or IPv6address (brackets tolerated) */
		struct str ip = value;
		if (ip.len >= 2 && ip.p[0] == '[' && ip.p[ip.len - 1] == ']') {
			ip = str_make(ip.p + 1, ip.len - 2);
		}
		if (!has_value || !(valid_ipv4(ip) || valid_ipv6(ip))) {
			return -EBADMSG;
		}
		v->received = value;
	} else if (str_ieq(name, STR("maddr"))) {
		struct str h = value;
		struct str host;
		if (!has_value || take_host(&h, &host) < 0 || h.len) {
			return -EBADMSG;
		}
		v->maddr = value;
	} else if (str_ieq(name, STR("ttl"))) {
		if (!has_value || str_to_u32(value, 255, &n) < 0) {
			return -EBADMSG;
		}
		v->ttl = (int)n;
	} else if (str_ieq(name, STR("rport"))) {
		/* RFC 3581 3: empty in a request, the source port once filled */
		v->rport = true;
		if (has_value) {
			if (str_to_u32(value, 65535, &n) < 0 || n == 0) {
				return -EBADMSG;
			}
			v->rport_value = (uint16_t)n;
		}
	}
	return 0;
}

int sip_parse_via(struct str value, struct sip_via *v, struct str *rest)
{
	struct str s = value;

	memset(v, 0, sizeof(*v));
	v->ttl = -1;
	skip_lws(&s);
	const char *start = s.p;
	/* sent-protocol = protocol-name SLASH protocol-version SLASH transport */
	if (take_token(&s).len == 0 || !take_sep(&s, '/') || take_token(&s).len == 0) {
		return -EBADMSG;
	}
	v->protocol = str_make(start, (size_t)(s.p - start));
	if (!take_sep(&s, '/')) {
		return -EBADMSG;
	}
	v->transport = take_token(&s);
	if (v->transport.len == 0 || skip_lws(&s) == 0) {
		return -EBADMSG;
	}
	if (take_host(&s, &v->host) < 0) {
		return -EBADMSG;
	}
	if (take_sep(&s, ':') && take_port(&s, &v->port) < 0) {
		return -EBADMSG;
	}
	if (take_header_params(&s, &v->params, via_param, v) < 0) {
		return -EBADMSG;
	}
	v->text = str_make(start, (size_t)(s.p - start));
	return end_element(&s, rest);
}

/* scheme ":" then anything up to the end of an absoluteURI (RFC 3261
 * 25.1 via RFC 2396): no white space, no "<>\"". */
static bool valid_absolute_uri(struct str s)
{
	size_t i = 0;

	if (!s.len || !((s.p[0] >= 'a' && s.p[0] <= 'z') || (s.p[0] >= 'A' && s.p[0] <= 'Z'))) {
		return false;
	}
	while (i < s.len &&
		((cc((unsigned char)s.p[i]) & CC_ALNUM) || s.p[i] == '+' || s.p[i] == '-' ||
			s.p[i] == '.')) {
		i++;
	}
	if (i >= s.len || s.p[i] != ':' || i + 1 == s.len) {
		return false;
	}
	for (i++; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"') {
			return false;
		}
	}
	return true;
}

bool sip_parse_absolute_uri(struct str s)
{
	return valid_absolute_uri(s);
}

static int nameaddr_uri(struct sip_nameaddr *na)
{
	if (sip_parse_uri(na->uri_str, &na->uri) == 0) {
		return 0;
	}
	memset(&na->uri, 0, sizeof(na->uri));
	/* only a URI of another scheme may stay unparsed */
	struct str a = na->uri_str, b = na->uri_str, c = na->uri_str;
	if (!valid_absolute_uri(na->uri_str) || take_scheme(&a, "sip") || take_scheme(&b, "sips") ||
		take_scheme(&c, "tel")) {
		return -EBADMSG;
	}
	return 0;
}

static int nameaddr_param(void *arg, struct str name, struct str value, bool has_value)
{
	struct sip_nameaddr *na = arg;

	if (str_ieq(name, STR("tag"))) {
		if (!has_value || !sip_parse_is_token(value) || na->tag.len) {
			return -EBADMSG;
		}
		na->tag = value;
	}
	return 0;
}

int sip_parse_nameaddr(struct str value, struct sip_nameaddr *na, struct str *rest)
{
	struct str s = value;
	struct str t;

	memset(na, 0, sizeof(*na));
	skip_lws(&s);
	const char *start = s.p;
	if (s.len && s.p[0] == '*') {
		/* Contact: * (10.2.2) is the whole value */
		adv(&s, 1);
		na->star = true;
		na->text = str_make(start, 1);
		return end_element(&s, rest);
	}
	if (s.len && s.p[0] == '"') {
		if (take_quoted(&s, &na->display) < 0) {
			return -EBADMSG;
		}
		skip_lws(&s);
		if (!s.len || s.p[0] != '<') {
			return -EBADMSG;
		}
	} else {
		/* display-name = *(token LWS): a run of tokens is a display
		 * name only when a "<" follows; otherwise this is an addr-spec
		 * (bytes above 0x7f are tolerated in unquoted names) */
		t = s;
		const char *dend = t.p;
		for (;;) {
			size_t i = 0;
			while (i < t.len &&
				(is_token_char((unsigned char)t.p[i]) ||
					(unsigned char)t.p[i] >= 0x80)) {
				i++;
			}
			if (i == 0) {
				break;
			}
			adv(&t, i);
			dend = t.p;
			skip_lws(&t);
		}
		if (t.len && t.p[0] == '<') {
			na->display = str_make(s.p, (size_t)(dend - s.p));
			s = t;
		}
	}
	if (s.len && s.p[0] == '<') {
		size_t i = 1;
		while (i < s.len && s.p[i] != '>') {
			i++;
		}
		if (i >= s.len) {
			return -EBADMSG;
		}
		na->uri_str = str_make(s.p + 1, i - 1);
		adv(&s, i + 1);
	} else {
		/* 20.10: an addr-spec ends at ";", "," or white space */
		size_t i = 0;
		while (i < s.len && !in_set(";, \t\r\n", s.p[i])) {
			i++;
		}
		na->uri_str = str_make(s.p, i);
		adv(&s, i);
	}
	if (nameaddr_uri(na) < 0) {
		return -EBADMSG;
	}
	if (take_header_params(&s, &na->params, nameaddr_param, na) < 0) {
		return -EBADMSG;
	}
	na->text = str_make(start, (size_t)(s.p - start));
	return end_element(&s, rest);
}

bool sip_parse_token_list(struct str *rest, struct str *item)
{
	struct str s = *rest;

	for (;;) {
		skip_lws(&s);
		if (s.len == 0) {
			*rest = s;
			return false;
		}
		if (s.p[0] != ',') {
			break;
		}
		adv(&s, 1); /* an empty element */
	}
	struct str tok = take_token(&s);
	if (tok.len == 0) {
		*rest = s;
		return false;
	}
	skip_lws(&s);
	if (s.len && s.p[0] != ',') {
		*rest = s;
		return false;
	}
	if (s.len) {
		adv(&s, 1);
	}
	*item = tok;
	*rest = s;
	return true;
}

/* ---- credentials and challenges (22.4, 25.1, RFC 7616 3.3/3.4) ------ */

int sip_parse_auth(struct str value, struct sip_auth *out)
{
	struct str s = value;

	memset(out, 0, sizeof(*out));
	skip_lws(&s);
	out->scheme = take_token(&s);
	if (out->scheme.len == 0) {
		return -EBADMSG;
	}
	if (skip_lws(&s) == 0) {
		return s.len == 0 ? 0 : -EBADMSG;
	}
	while (s.len) {
		struct sip_auth_param *p;
		if (take_char(&s, ',')) {
			skip_lws(&s);
			continue;
		}
		if (out->n_params >= SIP_AUTH_MAX_PARAMS) {
			return -EBADMSG;
		}
		p = &out->params[out->n_params];
		p->name = take_token(&s);
		if (p->name.len == 0 || !take_sep(&s, '=')) {
			return -EBADMSG;
		}
		if (s.len && s.p[0] == '"') {
			if (take_quoted(&s, &p->value) < 0) {
				return -EBADMSG;
			}
			p->quoted = true;
		} else {
			p->value = take_token(&s);
			if (p->value.len == 0) {
				return -EBADMSG;
			}
		}
		/* one value per name: two "response" or "username" parameters
		 * would let two readers of the header disagree */
		for (unsigned k = 0; k < out->n_params; k++) {
			if (str_ieq(out->params[k].name, p->name)) {
				return -EBADMSG;
			}
		}
		out->n_params++;
		skip_lws(&s);
		if (s.len && s.p[0] != ',') {
			return -EBADMSG;
		}
	}
	return 0;
}

bool sip_auth_get(const struct sip_auth *a, struct str name, struct str *value)
{
	for (unsigned i = 0; i < a->n_params && i < SIP_AUTH_MAX_PARAMS; i++) {
		if (str_ieq(a->params[i].name, name)) {
			*value = a->params[i].value;
			return true;
		}
	}
	return false;
}

int sip_parse_uint(struct str value, uint32_t max, uint32_t *out)
{
	struct str s = sip_parse_trim(value);

	return str_to_u32(s, max, out) < 0 ? -EBADMSG : 0;
}
