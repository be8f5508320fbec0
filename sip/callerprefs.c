/* Caller preferences: RFC 3841 sections 7.2 and 9, RFC 3840 section 9. */
#include "sip/callerprefs.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "sip/parse.h"

/* RFC 3841 7.2.1 (the list of 7.2.3 is the same set). */
static const char *const callerprefs_base_tags[] = {
	"audio",
	"automata",
	"class",
	"duplex",
	"data",
	"control",
	"mobility",
	"description",
	"events",
	"priority",
	"methods",
	"schemes",
	"application",
	"video",
	"language",
	"type",
	"isfocus",
	"actor",
	"text",
	"extensions",
};

static const struct {
	const char *name;
	enum callerprefs_disp type;
	uint8_t value;
} callerprefs_directives[] = {
	{ "proxy", CALLERPREFS_DISP_PROXY, CALLERPREFS_YES },
	{ "redirect", CALLERPREFS_DISP_PROXY, CALLERPREFS_NO },
	{ "cancel", CALLERPREFS_DISP_CANCEL, CALLERPREFS_YES },
	{ "no-cancel", CALLERPREFS_DISP_CANCEL, CALLERPREFS_NO },
	{ "fork", CALLERPREFS_DISP_FORK, CALLERPREFS_YES },
	{ "no-fork", CALLERPREFS_DISP_FORK, CALLERPREFS_NO },
	{ "recurse", CALLERPREFS_DISP_RECURSE, CALLERPREFS_YES },
	{ "no-recurse", CALLERPREFS_DISP_RECURSE, CALLERPREFS_NO },
	{ "parallel", CALLERPREFS_DISP_PARALLEL, CALLERPREFS_YES },
	{ "sequential", CALLERPREFS_DISP_PARALLEL, CALLERPREFS_NO },
	{ "queue", CALLERPREFS_DISP_QUEUE, CALLERPREFS_YES },
	{ "no-queue", CALLERPREFS_DISP_QUEUE, CALLERPREFS_NO },
};

enum callerprefs_kind {
	CALLERPREFS_KIND_BAD = 0,
	CALLERPREFS_KIND_TOKEN,
	CALLERPREFS_KIND_STRING,
	CALLERPREFS_KIND_NUMBER,
};

/* One tag-value. Numbers are closed intervals [lo, hi] in millionths,
 * INT64_MIN/INT64_MAX standing for the open ends of ">=" and "<=". */
struct callerprefs_val {
	enum callerprefs_kind kind;
	bool neg;
	struct str s;
	int64_t lo, hi;
};

#define CALLERPREFS_FRAC_DIGITS 6
#define CALLERPREFS_INT_DIGITS 12

static bool callerprefs_is_base(struct str name)
{
	for (size_t i = 0; i < sizeof(callerprefs_base_tags) / sizeof(callerprefs_base_tags[0]);
		i++) {
		if (str_ieq(name, str_cstr(callerprefs_base_tags[i]))) {
			return true;
		}
	}
	return false;
}

static bool callerprefs_is_feature(struct str name)
{
	return (name.len > 1 && name.p[0] == '+') || callerprefs_is_base(name);
}

static bool callerprefs_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool callerprefs_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 3840 9: other-tags = "+" ftag-name. */
static bool callerprefs_is_ftag_name(struct str s)
{
	if (s.len == 0 || !callerprefs_is_alpha(s.p[0])) {
		return false;
	}
	for (size_t i = 1; i < s.len; i++) {
		char c = s.p[i];
		if (!callerprefs_is_alpha(c) && !callerprefs_is_digit(c) && !strchr("!'.-%", c)) {
			return false;
		}
	}
	return true;
}

/* RFC 3841 8 decoding: the "+" goes, and a base tag other than language
 * and type gains "sip.". Two names are the same feature when their
 * decoded forms are equal ("!" and "'" decode alike on both sides, so
 * they are compared as written). */
static struct str callerprefs_tag_key(struct str n, bool *sip)
{
	if (n.len && n.p[0] == '+') {
		n = str_make(n.p + 1, n.len - 1);
		*sip = n.len >= 4 && str_ieq(str_make(n.p, 4), STR("sip."));
		if (*sip) {
			n = str_make(n.p + 4, n.len - 4);
		}
		return n;
	}
	*sip = !str_ieq(n, STR("language")) && !str_ieq(n, STR("type"));
	return n;
}

static bool callerprefs_tag_eq(struct str a, struct str b)
{
	bool sa, sb;
	struct str ka = callerprefs_tag_key(a, &sa);
	struct str kb = callerprefs_tag_key(b, &sb);

	return sa == sb && str_ieq(ka, kb);
}

/* RFC 3840 9: number = ["+" / "-"] 1*DIGIT ["." 0*DIGIT], into
 * millionths. */
static bool callerprefs_number(struct str s, int64_t *out)
{
	size_t i = 0;
	bool minus = false;
	int64_t v = 0;
	unsigned int_digits = 0, frac_digits = 0;

	if (i < s.len && (s.p[i] == '+' || s.p[i] == '-')) {
		minus = s.p[i] == '-';
		i++;
	}
	if (i >= s.len || !callerprefs_is_digit(s.p[i])) {
		return false;
	}
	for (; i < s.len && callerprefs_is_digit(s.p[i]); i++) {
		if (v == 0 && s.p[i] == '0') {
			continue;
		}
		if (++int_digits > CALLERPREFS_INT_DIGITS) {
			return false;
		}
		v = v * 10 + (s.p[i] - '0');
	}
	if (i < s.len && s.p[i] == '.') {
		for (i++; i < s.len && callerprefs_is_digit(s.p[i]); i++) {
			if (++frac_digits > CALLERPREFS_FRAC_DIGITS) {
				return false;
			}
			v = v * 10 + (s.p[i] - '0');
		}
	}
	if (i != s.len) {
		return false;
	}
	for (; frac_digits < CALLERPREFS_FRAC_DIGITS; frac_digits++) {
		v *= 10;
	}
	*out = minus ? -v : v;
	return true;
}

/* RFC 3840 9: token-nobang. */
static bool callerprefs_is_token_nobang(struct str s)
{
	if (s.len == 0) {
		return false;
	}
	for (size_t i = 0; i < s.len; i++) {
		char c = s.p[i];
		if (!callerprefs_is_alpha(c) && !callerprefs_is_digit(c) &&
			!strchr("-.%*_+`'~", c)) {
			return false;
		}
	}
	return true;
}

/* One tag-value of a list: ["!"] (token-nobang / boolean / numeric). */
static void callerprefs_val_parse(struct str s, struct callerprefs_val *v)
{
	memset(v, 0, sizeof(*v));
	s = str_trim(s);
	if (s.len && s.p[0] == '!') {
		v->neg = true;
		s = str_make(s.p + 1, s.len - 1);
	}
	if (s.len && s.p[0] == '#') {
		struct str r = str_make(s.p + 1, s.len - 1);
		if (str_has_prefix(r, STR(">="))) {
			v->hi = INT64_MAX;
			if (!callerprefs_number(str_make(r.p + 2, r.len - 2), &v->lo)) {
				return;
			}
		} else if (str_has_prefix(r, STR("<="))) {
			v->lo = INT64_MIN;
			if (!callerprefs_number(str_make(r.p + 2, r.len - 2), &v->hi)) {
				return;
			}
		} else if (str_has_prefix(r, STR("="))) {
			if (!callerprefs_number(str_make(r.p + 1, r.len - 1), &v->lo)) {
				return;
			}
			v->hi = v->lo;
		} else {
			ptrdiff_t colon = str_find(r, ':');
			if (colon < 0) {
				if (!callerprefs_number(r, &v->lo)) {
					return;
				}
				v->hi = v->lo;
			} else if (!callerprefs_number(str_make(r.p, (size_t)colon), &v->lo) ||
				!callerprefs_number(
					str_make(r.p + colon + 1, r.len - (size_t)colon - 1),
					&v->hi) ||
				v->lo > v->hi) {
				return;
			}
		}
		v->kind = CALLERPREFS_KIND_NUMBER;
		return;
	}
	if (!callerprefs_is_token_nobang(s)) {
		return;
	}
	v->kind = CALLERPREFS_KIND_TOKEN;
	v->s = s;
	/* booleans have two values: the negation of one is the other */
	if (v->neg && str_ieq(s, STR("TRUE"))) {
		v->neg = false;
		v->s = STR("FALSE");
	} else if (v->neg && str_ieq(s, STR("FALSE"))) {
		v->neg = false;
		v->s = STR("TRUE");
	}
}

/* Walks a feature parameter's value: a "<string>" is one value, anything
 * else a comma-separated tag-value-list. *pos starts at 0; false at the
 * end. Bounded by the value's length. */
static bool callerprefs_val_next(
	struct str value, bool literal, size_t *pos, struct callerprefs_val *v)
{
	if (*pos > value.len) {
		return false;
	}
	if (literal) {
		memset(v, 0, sizeof(*v));
		v->kind = CALLERPREFS_KIND_TOKEN;
		v->s = value;
		*pos = value.len + 1;
		return true;
	}
	if (value.len && value.p[0] == '<') {
		memset(v, 0, sizeof(*v));
		if (value.len >= 2 && value.p[value.len - 1] == '>') {
			v->kind = CALLERPREFS_KIND_STRING;
			v->s = str_make(value.p + 1, value.len - 2);
		}
		*pos = value.len + 1;
		return true;
	}
	size_t start = *pos, i = start;
	while (i < value.len && value.p[i] != ',') {
		i++;
	}
	callerprefs_val_parse(str_make(value.p + start, i - start), v);
	/* past the comma; a trailing comma leaves an empty last element */
	*pos = i < value.len ? i + 1 : value.len + 1;
	return true;
}

/* Can one value of the feature satisfy both a and b? */
static bool callerprefs_val_match(const struct callerprefs_val *a, const struct callerprefs_val *b)
{
	if (a->kind == CALLERPREFS_KIND_BAD || b->kind == CALLERPREFS_KIND_BAD) {
		return false;
	}
	if (a->kind != b->kind) {
		/* a negation of one type holds for every value of another */
		return a->neg || b->neg;
	}
	if (a->kind == CALLERPREFS_KIND_NUMBER) {
		bool overlap = a->lo <= b->hi && b->lo <= a->hi;
		if (!a->neg && !b->neg) {
			return overlap;
		}
		if (a->neg && b->neg) {
			/* some real lies outside both unless together they cover the
			 * line: one open below, the other open above, meeting */
			bool cover = overlap &&
				((a->lo == INT64_MIN && b->hi == INT64_MAX) ||
					(b->lo == INT64_MIN && a->hi == INT64_MAX));
			return !cover;
		}
		const struct callerprefs_val *p = a->neg ? b : a;
		const struct callerprefs_val *n = a->neg ? a : b;
		/* p minus n is empty only when n contains p */
		return !(n->lo <= p->lo && p->hi <= n->hi);
	}
	bool eq = a->kind == CALLERPREFS_KIND_STRING ? str_eq(a->s, b->s) : str_ieq(a->s, b->s);
	if (!a->neg && !b->neg) {
		return eq;
	}
	if (a->neg && b->neg) {
		return true;
	}
	return !eq;
}

/* RFC 3840 9 / RFC 2533: a term matches when some value on each side can
 * hold at once (each side is a disjunction). */
static bool callerprefs_term_match(struct str pv, bool pliteral, struct str cv, bool cliteral)
{
	struct callerprefs_val p, c;
	size_t ppos = 0;

	while (callerprefs_val_next(pv, pliteral, &ppos, &p)) {
		size_t cpos = 0;
		while (callerprefs_val_next(cv, cliteral, &cpos, &c)) {
			if (callerprefs_val_match(&c, &p)) {
				return true;
			}
		}
	}
	return false;
}

/* The contact's value of feature name, first one wins (RFC 3841 7.2.3
 * keeps one parameter per feature). */
static bool callerprefs_contact_find(
	struct str params, struct str name, struct str *value, bool *literal)
{
	struct str n, v;
	bool has;

	while (sip_param_next(&params, &n, &v, &has)) {
		if (callerprefs_is_feature(n) && callerprefs_tag_eq(n, name)) {
			*value = has ? v : STR("TRUE");
			*literal = !has;
			return true;
		}
	}
	return false;
}

static bool callerprefs_contact_has_features(struct str params)
{
	struct str n, v;
	bool has;

	while (sip_param_next(&params, &n, &v, &has)) {
		if (callerprefs_is_feature(n)) {
			return true;
		}
	}
	return false;
}

static int callerprefs_bad(struct callerprefs *cp, const char *why)
{
	cp->why = why;
	return -EBADMSG;
}

static void callerprefs_skip_lws(struct str *s)
{
	while (s->len && strchr(" \t\r\n", s->p[0])) {
		s->p++;
		s->len--;
	}
}

/* A feature parameter's value in a request: a "<string>", or a
 * tag-value-list of at most CALLERPREFS_MAX_VALUES well-formed values. */
static bool callerprefs_value_ok(struct str value)
{
	struct callerprefs_val v;
	size_t pos = 0;
	unsigned n = 0;

	if (value.len == 0) {
		return false;
	}
	while (callerprefs_val_next(value, false, &pos, &v)) {
		if (v.kind == CALLERPREFS_KIND_BAD || ++n > CALLERPREFS_MAX_VALUES) {
			return false;
		}
	}
	return true;
}

/* RFC 3841 10: ac-value / rc-value, *s moved past it and its comma. */
static int callerprefs_parse_pred(struct callerprefs *cp, struct str *s, bool reject)
{
	struct str name, value;
	bool has;
	struct callerprefs_pred *pr;
	const char *what = reject ? "Bad Reject-Contact" : "Bad Accept-Contact";

	callerprefs_skip_lws(s);
	if (s->len == 0 || s->p[0] != '*') {
		return callerprefs_bad(cp, what);
	}
	s->p++;
	s->len--;
	if (cp->n >= CALLERPREFS_MAX) {
		return callerprefs_bad(cp, "Too Many Caller Preferences");
	}
	pr = &cp->pred[cp->n++];
	memset(pr, 0, sizeof(*pr));
	pr->reject = reject;
	while (sip_param_next(s, &name, &value, &has)) {
		if (!sip_parse_is_token(name)) {
			return callerprefs_bad(cp, what);
		}
		if (!reject && (str_ieq(name, STR("require")) || str_ieq(name, STR("explicit")))) {
			bool *flag = str_ieq(name, STR("require")) ? &pr->require : &pr->explicit;
			/* RFC 3841 10: at most one of each, and no value */
			if (has || *flag) {
				return callerprefs_bad(cp, what);
			}
			*flag = true;
			continue;
		}
		if (!callerprefs_is_feature(name)) {
			continue; /* generic-param */
		}
		if (name.p[0] == '+' &&
			!callerprefs_is_ftag_name(str_make(name.p + 1, name.len - 1))) {
			return callerprefs_bad(cp, what);
		}
		for (unsigned i = 0; i < pr->n; i++) {
			if (callerprefs_tag_eq(pr->f[i].name, name)) {
				return callerprefs_bad(cp, what); /* RFC 3841 10 */
			}
		}
		if (pr->n >= CALLERPREFS_MAX_PARAMS) {
			return callerprefs_bad(cp, "Too Many Feature Parameters");
		}
		if (has && !callerprefs_value_ok(value)) {
			return callerprefs_bad(cp, what);
		}
		pr->f[pr->n++] = (struct callerprefs_feature){
			.name = name,
			.value = has ? value : STR("TRUE"),
			.literal = !has,
		};
	}
	callerprefs_skip_lws(s);
	if (s->len == 0) {
		return 0;
	}
	if (s->p[0] != ',') {
		return callerprefs_bad(cp, what);
	}
	s->p++;
	s->len--;
	callerprefs_skip_lws(s);
	if (s->len == 0) {
		return callerprefs_bad(cp, what);
	}
	return 0;
}

static int callerprefs_parse_disposition(struct callerprefs *cp, struct str value)
{
	struct str item;
	unsigned n = 0;

	while (sip_parse_token_list(&value, &item)) {
		size_t i = 0;
		const size_t nd =
			sizeof(callerprefs_directives) / sizeof(callerprefs_directives[0]);
		while (i < nd && !str_ieq(item, str_cstr(callerprefs_directives[i].name))) {
			i++;
		}
		/* RFC 3841 9.1: not extensible, one directive per type */
		if (i == nd ||
			cp->disposition[callerprefs_directives[i].type] != CALLERPREFS_UNSET) {
			return callerprefs_bad(cp, "Bad Request-Disposition");
		}
		cp->disposition[callerprefs_directives[i].type] = callerprefs_directives[i].value;
		n++;
	}
	if (value.len || n == 0) {
		return callerprefs_bad(cp, "Bad Request-Disposition");
	}
	return 0;
}

int callerprefs_parse_field(struct callerprefs *cp, enum sip_hdr_id id, struct str value)
{
	if (id == SIP_HDR_REQUEST_DISPOSITION) {
		return callerprefs_parse_disposition(cp, value);
	}
	if (id != SIP_HDR_ACCEPT_CONTACT && id != SIP_HDR_REJECT_CONTACT) {
		return -EINVAL;
	}
	/* each value consumes at least its "*", so this ends */
	do {
		int rc = callerprefs_parse_pred(cp, &value, id == SIP_HDR_REJECT_CONTACT);
		if (rc < 0) {
			return rc;
		}
	} while (value.len);
	return 0;
}

/* RFC 3841 7.2.2: the method, and the event package of a SUBSCRIBE. */
static void callerprefs_add_implicit(const struct sip_msg *m, struct callerprefs *cp)
{
	struct callerprefs_pred *pr = &cp->pred[0];
	const struct sip_hdr *h;

	memset(pr, 0, sizeof(*pr));
	pr->require = true;
	if (m->method_str.len) {
		pr->f[pr->n++] = (struct callerprefs_feature){
			.name = STR("methods"), .value = m->method_str, .literal = true
		};
	}
	h = sip_msg_hdr(m, SIP_HDR_EVENT);
	if (m->method == SIP_SUBSCRIBE && h) {
		ptrdiff_t semi = str_find(h->value, ';');
		struct str pkg =
			sip_parse_trim(semi < 0 ? h->value : str_make(h->value.p, (size_t)semi));
		/* a malformed Event is the UAS's to refuse (489), not ours */
		if (sip_parse_is_token(pkg)) {
			pr->f[pr->n++] = (struct callerprefs_feature){
				.name = STR("events"), .value = pkg, .literal = true
			};
		}
	}
	cp->n = 1;
	cp->implicit = true;
}

int callerprefs_parse(const struct sip_msg *m, struct callerprefs *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < m->n_hdrs; i++) {
		const struct sip_hdr *h = &m->hdrs[i];
		if (h->id == SIP_HDR_ACCEPT_CONTACT || h->id == SIP_HDR_REJECT_CONTACT ||
			h->id == SIP_HDR_REQUEST_DISPOSITION) {
			int rc = callerprefs_parse_field(out, h->id, h->value);
			if (rc < 0) {
				return rc;
			}
		}
	}
	if (out->n == 0) {
		callerprefs_add_implicit(m, out);
	}
	return 0;
}

bool callerprefs_any(const struct callerprefs *cp)
{
	return cp->n > 0;
}

/* RFC 3841 7.2.4, Reject-Contact: a predicate applies only when the
 * contact names every feature it filters on; then a match discards. */
static bool callerprefs_rejected(const struct callerprefs_pred *pr, struct str params)
{
	for (unsigned i = 0; i < pr->n; i++) {
		struct str cv;
		bool cl;
		if (!callerprefs_contact_find(params, pr->f[i].name, &cv, &cl) ||
			!callerprefs_term_match(pr->f[i].value, pr->f[i].literal, cv, cl)) {
			return false;
		}
	}
	return true;
}

/* Score in millionths (RFC 3841 7.2.4 and Figure 1): -1 no match, -2
 * drop, else present/N, 0 for a partial match of an explicit predicate. */
static int32_t callerprefs_accept_score(const struct callerprefs_pred *pr, struct str params)
{
	unsigned present = 0;

	for (unsigned i = 0; i < pr->n; i++) {
		struct str cv;
		bool cl;
		if (!callerprefs_contact_find(params, pr->f[i].name, &cv, &cl)) {
			continue; /* the contact allows any value */
		}
		if (!callerprefs_term_match(pr->f[i].value, pr->f[i].literal, cv, cl)) {
			return pr->require ? -2 : -1;
		}
		present++;
	}
	if (present < pr->n && pr->explicit) {
		return pr->require ? -2 : 0;
	}
	return (int32_t)(present * 1000000u / pr->n);
}

int callerprefs_score(const struct callerprefs *cp, struct str contact_params)
{
	unsigned n_accept = 0, m = 0;
	int64_t sum = 0;

	/* RFC 3841 7.2.3: immune to caller preferences, Qa 1.0 */
	if (!callerprefs_contact_has_features(contact_params)) {
		return 1000;
	}
	for (unsigned i = 0; i < cp->n; i++) {
		if (cp->pred[i].reject && callerprefs_rejected(&cp->pred[i], contact_params)) {
			return -1;
		}
	}
	for (unsigned i = 0; i < cp->n; i++) {
		const struct callerprefs_pred *pr = &cp->pred[i];
		if (pr->reject || pr->n == 0) {
			continue; /* no features: nothing to score (see header) */
		}
		n_accept++;
		int32_t s = callerprefs_accept_score(pr, contact_params);
		if (s == -2) {
			return -1;
		}
		if (s >= 0) {
			sum += s;
			m++;
		}
	}
	if (n_accept == 0) {
		return 1000;
	}
	if (m == 0) {
		return 0;
	}
	/* the mean of the matching set's scores (7.2.4), rounded */
	return (int)((sum / m + 500) / 1000);
}

unsigned callerprefs_order(const uint16_t *q, const int *qa, unsigned n, unsigned *order)
{
	unsigned k = 0;

	/* insertion sort: stable, and n is a handful of bindings */
	for (unsigned i = 0; i < n; i++) {
		if (qa[i] < 0) {
			continue;
		}
		unsigned qi = q[i] == 0xffff ? 1000u : q[i];
		unsigned j = k;
		while (j > 0) {
			unsigned o = order[j - 1];
			unsigned qo = q[o] == 0xffff ? 1000u : q[o];
			if (qo > qi || (qo == qi && qa[o] >= qa[i])) {
				break;
			}
			order[j] = o;
			j--;
		}
		order[j] = i;
		k++;
	}
	return k;
}
