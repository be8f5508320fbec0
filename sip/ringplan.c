#include "sip/ringplan.h"

#include <errno.h>
#include <string.h>

#include "core/rec.h"
#include "sip/parse.h"

_Static_assert(RINGPLAN_MAX_GROUPS < RINGPLAN_NO_GROUP, "group numbers fit a uint8_t");

enum dev_kind {
	DEV_BAD,
	DEV_STAR,
	DEV_URN,
	DEV_URI,
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Characters a device reference may hold: visible ASCII minus the plan's
 * own separators and the name-addr delimiters. */
static bool dev_char_ok(char c)
{
	return c > ' ' && c < 0x7f && c != ',' && c != '<' && c != '>' && c != '"';
}

static bool has_prefix_ci(struct str s, const char *prefix)
{
	size_t n = strlen(prefix);

	return s.len >= n && str_ieq(str_make(s.p, n), str_make(prefix, n));
}

/* The kind of device d names; *u gets a URI's parts. */
static enum dev_kind dev_classify(struct str d, struct sip_uri *u, const char **why)
{
	if (d.len == 0) {
		*why = "an empty device (two commas in a row?)";
		return DEV_BAD;
	}
	if (d.len > RINGPLAN_DEVICE_MAX) {
		*why = "a device longer than 256 characters";
		return DEV_BAD;
	}
	if (d.p[0] == '@') {
		*why = "@USER is a group of its own, and the last one";
		return DEV_BAD;
	}
	if (d.p[0] == '<' || d.p[0] == '"') {
		*why = "write a device without <> or quotes (urn:uuid:... or sip:...)";
		return DEV_BAD;
	}
	for (size_t i = 0; i < d.len; i++) {
		if (!dev_char_ok(d.p[i])) {
			*why = "a device holds a character that is not allowed (escape it: %XX)";
			return DEV_BAD;
		}
	}
	if (d.len == 1 && d.p[0] == '*') {
		return DEV_STAR;
	}
	if (has_prefix_ci(d, "urn:")) {
		/* RFC 8141: urn:NID:NSS, both non-empty. */
		struct str rest = str_make(d.p + 4, d.len - 4);
		ptrdiff_t colon = str_find(rest, ':');
		if (colon <= 0 || (size_t)colon + 1 >= rest.len) {
			*why = "an instance is urn:NID:NSS, e.g. urn:uuid:...";
			return DEV_BAD;
		}
		return DEV_URN;
	}
	if (has_prefix_ci(d, "sip:") || has_prefix_ci(d, "sips:")) {
		if (sip_parse_uri(d, u) < 0 || u->scheme == SIP_URI_TEL) {
			*why = "a contact that is not a valid sip: or sips: URI";
			return DEV_BAD;
		}
		return DEV_URI;
	}
	*why = "a device is an instance (urn:uuid:...), a contact (sip:... or sips:...) or *";
	return DEV_BAD;
}

/* The ring time after the last "/" of a group, or the default. */
static int ring_time(struct str *group, uint32_t *ring_s, const char **why)
{
	size_t i = group->len;

	while (i > 0 && group->p[i - 1] != '/') {
		i--;
	}
	*ring_s = RINGPLAN_RING_S_DEFAULT;
	if (i == 0) {
		return 0;
	}
	if (str_to_u32(str_make(group->p + i, group->len - i), RINGPLAN_RING_S_MAX, ring_s) < 0 ||
		*ring_s == 0) {
		*why = "a ring time is 1 to 600 seconds (GROUP/SECONDS)";
		return -EINVAL;
	}
	group->len = i - 1;
	return 0;
}

/* Same device: the equality ringplan_assign uses. */
static bool dev_same(enum dev_kind ka, struct str a, const struct sip_uri *ua, enum dev_kind kb,
	struct str b, const struct sip_uri *ub)
{
	if (ka != kb) {
		return false;
	}
	switch (ka) {
	case DEV_STAR:
		return true;
	case DEV_URN:
		return str_ieq(a, b);
	case DEV_URI:
		return sip_uri_eq(ua, ub);
	default:
		return false;
	}
}

struct parse_state {
	unsigned n_dev;
	enum dev_kind kind[RINGPLAN_MAX_DEVICES];
	struct str dev[RINGPLAN_MAX_DEVICES];
	struct sip_uri uri[RINGPLAN_MAX_DEVICES];
};

static int parse_devices(
	struct str list, struct ringplan *out, struct parse_state *ps, const char **why)
{
	unsigned g = out->n_groups;
	size_t start = 0;

	for (size_t i = 0; i <= list.len; i++) {
		if (i < list.len && list.p[i] != ',') {
			continue;
		}
		struct str d = str_make(list.p + start, i - start);
		unsigned k = ps->n_dev;
		start = i + 1;
		if (k == RINGPLAN_MAX_DEVICES) {
			*why = "more than 16 devices";
			return -EINVAL;
		}
		ps->kind[k] = dev_classify(d, &ps->uri[k], why);
		if (ps->kind[k] == DEV_BAD) {
			return -EINVAL;
		}
		for (unsigned j = 0; j < k; j++) {
			if (dev_same(ps->kind[j], ps->dev[j], &ps->uri[j], ps->kind[k], d,
				    &ps->uri[k])) {
				*why = "a device named twice";
				return -EINVAL;
			}
		}
		ps->dev[k] = d;
		ps->n_dev++;
		out->g[g].dev[out->g[g].n_dev++] = d;
	}
	return 0;
}

int ringplan_parse(struct str text, struct ringplan *out, const char **why)
{
	struct parse_state ps;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	ps.n_dev = 0;
	if (text.len > RINGPLAN_TEXT_MAX) {
		*why = "a ring plan longer than its limit";
		return -EINVAL;
	}
	for (;;) {
		struct str group;
		uint32_t ring_s;
		size_t start;

		while (i < text.len && is_space(text.p[i])) {
			i++;
		}
		if (i == text.len) {
			break;
		}
		start = i;
		while (i < text.len && !is_space(text.p[i])) {
			i++;
		}
		group = str_make(text.p + start, i - start);
		if (out->next_user.len) {
			*why = group.p[0] == '@' ? "more than one @USER group"
						 : "the @USER group must be the last";
			return -EINVAL;
		}
		if (ring_time(&group, &ring_s, why) < 0) {
			return -EINVAL;
		}
		if (group.len && group.p[0] == '@') {
			struct str name = str_make(group.p + 1, group.len - 1);
			if (!users_name_valid(name)) {
				*why = "@USER is not a valid user name";
				return -EINVAL;
			}
			out->next_user = name;
			out->next_ring_s = ring_s;
			continue;
		}
		if (out->n_groups == RINGPLAN_MAX_GROUPS) {
			*why = "more than 8 groups of devices";
			return -EINVAL;
		}
		if (parse_devices(group, out, &ps, why) < 0) {
			return -EINVAL;
		}
		out->g[out->n_groups++].ring_s = ring_s;
	}
	if (out->n_groups == 0 && !out->next_user.len) {
		*why = "an empty ring plan (to remove a plan: clear)";
		return -EINVAL;
	}
	return 0;
}

int ringplan_format(const struct ringplan *p, struct buf *b)
{
	for (unsigned g = 0; g < p->n_groups; g++) {
		if (g) {
			buf_put_char(b, ' ');
		}
		for (unsigned d = 0; d < p->g[g].n_dev; d++) {
			if (d) {
				buf_put_char(b, ',');
			}
			buf_put_str(b, p->g[g].dev[d]);
		}
		buf_put_char(b, '/');
		buf_put_u64(b, p->g[g].ring_s);
	}
	if (p->next_user.len) {
		if (p->n_groups) {
			buf_put_char(b, ' ');
		}
		buf_put_char(b, '@');
		buf_put_str(b, p->next_user);
		buf_put_char(b, '/');
		buf_put_u64(b, p->next_ring_s);
	}
	return b->err;
}

/* Whether two plans are the same, field by field. */
static bool plan_eq(const struct ringplan *a, const struct ringplan *b)
{
	if (a->n_groups != b->n_groups || !str_eq(a->next_user, b->next_user) ||
		a->next_ring_s != b->next_ring_s) {
		return false;
	}
	for (unsigned g = 0; g < a->n_groups; g++) {
		if (a->g[g].n_dev != b->g[g].n_dev || a->g[g].ring_s != b->g[g].ring_s) {
			return false;
		}
		for (unsigned d = 0; d < a->g[g].n_dev; d++) {
			if (!str_eq(a->g[g].dev[d], b->g[g].dev[d])) {
				return false;
			}
		}
	}
	return true;
}

int ringplan_put(struct store *st, struct str user, const struct ringplan *p)
{
	char text[RINGPLAN_TEXT_MAX];
	uint8_t rec[RINGPLAN_TEXT_MAX + 8];
	struct ringplan back;
	struct buf t;
	struct buf r;
	const char *why;

	if (!users_name_valid(user) || str_eq(p->next_user, user)) {
		return -EINVAL;
	}
	/* A struct filled by hand (not by ringplan_parse) may hold what the
	 * parser refuses: store only what reads back as the same plan. */
	buf_init(&t, text, sizeof(text));
	if (ringplan_format(p, &t) < 0 || ringplan_parse(buf_str(&t), &back, &why) < 0 ||
		!plan_eq(p, &back)) {
		return -EINVAL;
	}
	buf_init(&r, rec, sizeof(rec));
	buf_put_be8(&r, RINGPLAN_RECORD_VERSION);
	rec_put_str(&r, buf_str(&t));
	if (r.err) {
		return r.err;
	}
	store_mark_durable(st);
	return store_put(st, STORE_DB_RINGPLANS, user, buf_str(&r));
}

int ringplan_del(struct store *st, struct str user)
{
	if (!users_name_valid(user)) {
		return -ENOENT;
	}
	store_mark_durable(st);
	return store_del(st, STORE_DB_RINGPLANS, user);
}

int ringplan_get(struct store_txn *txn, struct str user, struct ringplan *out)
{
	struct str v;
	struct str text;
	const char *why;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!users_name_valid(user)) {
		return -ENOENT;
	}
	rc = store_txn_get(txn, STORE_DB_RINGPLANS, user, &v);
	if (rc < 0) {
		return rc;
	}
	if (rec_read_str(v, RINGPLAN_RECORD_VERSION, &text) < 0 ||
		ringplan_parse(text, out, &why) < 0) {
		memset(out, 0, sizeof(*out));
		return -EBADMSG;
	}
	return 0;
}

void ringplan_assign(
	const struct ringplan *p, const struct location_binding *b, unsigned n, uint8_t *group_of)
{
	/* Flat, in plan order: a parsed plan has at most RINGPLAN_MAX_DEVICES
	 * in all, and one sip_uri each is what the stack can spare. */
	enum dev_kind kind[RINGPLAN_MAX_DEVICES];
	struct sip_uri uri[RINGPLAN_MAX_DEVICES];
	struct str name[RINGPLAN_MAX_DEVICES];
	uint8_t group[RINGPLAN_MAX_DEVICES];
	unsigned n_dev = 0;
	uint8_t star = RINGPLAN_NO_GROUP;
	const char *why;

	for (unsigned g = 0; g < p->n_groups && g < RINGPLAN_MAX_GROUPS; g++) {
		for (unsigned d = 0; d < p->g[g].n_dev && n_dev < RINGPLAN_MAX_DEVICES; d++) {
			name[n_dev] = p->g[g].dev[d];
			kind[n_dev] = dev_classify(name[n_dev], &uri[n_dev], &why);
			group[n_dev] = (uint8_t)g;
			if (kind[n_dev] == DEV_STAR && star == RINGPLAN_NO_GROUP) {
				star = (uint8_t)g;
			}
			n_dev++;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		struct str inst = b[i].instance;
		struct sip_uri bu;
		bool have_uri = sip_parse_uri(b[i].uri, &bu) == 0;
		unsigned k = 0;

		/* RFC 5626 4.1: +sip.instance="<urn:...>". */
		if (inst.len >= 2 && inst.p[0] == '<' && inst.p[inst.len - 1] == '>') {
			inst = str_make(inst.p + 1, inst.len - 2);
		}
		for (; k < n_dev; k++) {
			if (kind[k] == DEV_URN && inst.len && str_ieq(inst, name[k])) {
				break;
			}
			if (kind[k] == DEV_URI && have_uri && sip_uri_eq(&bu, &uri[k])) {
				break;
			}
		}
		group_of[i] = k < n_dev ? group[k] : star;
	}
}
