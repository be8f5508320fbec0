#include "sip/registrar.h"

#include <errno.h>
#include <stdalign.h>
#include <stdio.h>
#include <string.h>

#include "autoconf.h"
#include "core/log.h"
#include "core/loop.h"
#include "sip/auth.h"
#include "sip/endpoint.h"
#include "core/users.h"
#include "sip/location.h"
#include "sip/proxy.h"
#include "sip/parse.h"

/* Contacts one REGISTER may carry: removals and additions of a full set. */
#define REG_MAX_CONTACTS (2 * CONFIG_REG_MAX_BINDINGS)
/* Replies built while their change is being committed. All of them are
 * sent at the end of the loop iteration (the group commit), so the ring
 * is empty again after every iteration; when one iteration's replies
 * don't fit, the group is committed early. RAM: this buffer. */
#define REG_RING_SIZE (4 * CONFIG_SIP_MAX_MSG_SIZE)
/* The reply for a failed commit is built with the 200, so that nothing of
 * the request is needed later. */
#define REG_FAIL_MAX 1024
/* Users looked at per housekeeping tick. */
#define REG_SWEEP_USERS 32

struct reg_pending {
	struct store_waiter w;
	bool changed; /* a change, not a fetch: stored MESSAGEs may go now */
	char user[USERS_NAME_MAX + 1];
	struct sip_peer to;
	size_t len; /* the 200 at data */
	size_t fail_len; /* the 500 after it */
	char data[];
};

/* One Contact of the request, parsed and checked. */
struct reg_contact {
	struct sip_nameaddr na;
	struct str params; /* na.params without expires */
	struct str instance;
	uint32_t reg_id;
	uint16_t q;
	uint32_t expires; /* seconds, after the limits */
};

static struct store *reg_st;
static struct registrar_limits reg_lim;
static struct registrar_stats reg_stats;
static alignas(max_align_t) char reg_ring[REG_RING_SIZE];
static size_t reg_ring_used;
static unsigned reg_ring_pending;
static char reg_params[REG_MAX_CONTACTS][LOCATION_PARAMS_MAX];
static char reg_path[LOCATION_PATH_MAX];
static char reg_source[LOCATION_SOURCE_MAX];
static struct log_rl reg_rl;

/* A refusal after authentication (before it, auth answers). */
static void refuse(struct sip_req *r, unsigned status, const char *reason, const char *extra)
{
	reg_stats.refused++;
	sip_endpoint_respond(r, status, reason, extra);
}

static bool has_option(const struct sip_msg *m, enum sip_hdr_id id, struct str tag)
{
	for (const struct sip_hdr *h = sip_msg_hdr(m, id); h; h = sip_msg_hdr_next(m, h)) {
		struct str rest = h->value;
		struct str t;
		while (sip_parse_token_list(&rest, &t)) {
			if (str_ieq(t, tag)) {
				return true;
			}
		}
	}
	return false;
}

/* RFC 3261 20.10: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ),
 * in thousandths. */
static int q_parse(struct str s, uint16_t *q)
{
	unsigned v;
	size_t i;

	if (s.len == 0 || (s.p[0] != '0' && s.p[0] != '1')) {
		return -EINVAL;
	}
	v = (unsigned)(s.p[0] - '0') * 1000;
	if (s.len > 1) {
		unsigned scale = 100;
		if (s.p[1] != '.' || s.len > 5) {
			return -EINVAL;
		}
		for (i = 2; i < s.len; i++, scale /= 10) {
			if (s.p[i] < '0' || s.p[i] > '9') {
				return -EINVAL;
			}
			v += (unsigned)(s.p[i] - '0') * scale;
		}
	}
	if (v > 1000) {
		return -EINVAL;
	}
	*q = (uint16_t)v;
	return 0;
}

/* The Contact's header parameters minus expires (the binding's own
 * lifetime is kept apart and written back in the 200) and GRUUs. */
static int params_strip(struct str params, char *out, struct str *res)
{
	struct buf b;
	struct str rest = params;
	struct str name, value;
	bool has;

	buf_init(&b, out, LOCATION_PARAMS_MAX);
	for (;;) {
		const char *start = rest.p;
		if (!sip_param_next(&rest, &name, &value, &has)) {
			break;
		}
		/* RFC 5627 5.1: a GRUU is the registrar's to make, never the
		 * client's: pub-gruu and temp-gruu of a Contact are ignored. */
		if (!str_ieq(name, STR("expires")) && !str_ieq(name, STR("pub-gruu")) &&
			!str_ieq(name, STR("temp-gruu"))) {
			buf_put(&b, start, (size_t)(rest.p - start));
		}
	}
	if (b.err) {
		return -E2BIG;
	}
	*res = buf_str(&b);
	return 0;
}

/* RFC 3261 10.3 step 7 for one Contact; the reason of a refusal in *why
 * and its status returned (0 when the contact is fine). */
static unsigned contact_check(struct reg_contact *c, const struct sip_uri *aor, int expires_hdr,
	size_t idx, const char **why)
{
	struct str v;
	uint32_t e;

	if (c->na.uri.scheme != SIP_URI_SIP && c->na.uri.scheme != SIP_URI_SIPS) {
		/* RFC 5627 5.1: we route to SIP URIs only. */
		*why = "Contact Must Be A SIP URI";
		return 403;
	}
	if (c->na.uri_str.len > LOCATION_URI_MAX) {
		*why = "Contact Too Long";
		return 400;
	}
	/* RFC 5627 5.1: a GRUU is not a contact, it would route to itself. */
	if (sip_param_get(c->na.uri.params, STR("gr"), &v)) {
		*why = "Contact Is A GRUU";
		return 403;
	}
	/* RFC 5627 5.1: the AOR itself, or any address of our domain, as a
	 * contact would route back here. */
	if (sip_uri_eq(&c->na.uri, aor) ||
		(c->na.uri.user.len && str_ieq(c->na.uri.host, str_cstr(sip_endpoint_domain())) &&
			!c->na.uri.port)) {
		*why = "Contact Would Loop";
		return 403;
	}
	if (sip_param_get(c->na.params, STR("expires"), &v)) {
		if (str_to_u32(v, UINT32_MAX, &e) < 0) {
			*why = "Bad Contact Expires";
			return 400;
		}
	} else if (expires_hdr >= 0) {
		e = (uint32_t)expires_hdr;
	} else {
		e = reg_lim.default_expires;
	}
	/* Step 7: shorter than the minimum but not zero (a removal) and not
	 * an hour or more (which a registrar must accept) is 423. */
	if (e > 0 && e < reg_lim.min_expires && e < 3600) {
		*why = "Interval Too Brief";
		return 423;
	}
	c->expires = e > reg_lim.max_expires ? reg_lim.max_expires : e;
	c->q = LOCATION_Q_NONE;
	if (sip_param_get(c->na.params, STR("q"), &v) && q_parse(v, &c->q) < 0) {
		*why = "Bad q Value";
		return 400;
	}
	c->instance = STR_NULL;
	if (sip_param_get(c->na.params, STR("+sip.instance"), &c->instance) &&
		c->instance.len > LOCATION_INSTANCE_MAX) {
		*why = "Instance Too Long";
		return 400;
	}
	c->reg_id = 0;
	if (sip_param_get(c->na.params, STR("reg-id"), &v) &&
		(str_to_u32(v, UINT32_MAX, &c->reg_id) < 0 || c->reg_id == 0)) {
		*why = "Bad reg-id";
		return 400;
	}
	if (params_strip(c->na.params, reg_params[idx], &c->params) < 0) {
		*why = "Contact Parameters Too Long";
		return 400;
	}
	return 0;
}

/* The Path values as one comma-separated list (RFC 3327 5.3). */
static int path_join(const struct sip_msg *m, struct str *out)
{
	struct buf b;

	buf_init(&b, reg_path, sizeof(reg_path));
	for (const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_PATH); h;
		h = sip_msg_hdr_next(m, h)) {
		if (b.len) {
			buf_put_cstr(&b, ", ");
		}
		buf_put_str(&b, h->value);
	}
	if (b.err) {
		return -E2BIG;
	}
	*out = buf_str(&b);
	return 0;
}

/* RFC 5626 6 / RFC 5627: a contact with +sip.instance names a device,
 * and replaces that device's binding (of the same reg-id, one per flow)
 * wherever it registers from; without one, the URI names it among all
 * bindings (10.3 step 8, compared as in 19.1.4). */
static int binding_find(const struct location_aor *aor, const struct reg_contact *c)
{
	for (unsigned i = 0; i < aor->n; i++) {
		const struct location_binding *b = &aor->b[i];
		struct sip_uri u;
		if (c->instance.len) {
			if (str_eq(b->instance, c->instance) && b->reg_id == c->reg_id) {
				return (int)i;
			}
			continue;
		}
		if (sip_parse_uri(b->uri, &u) == 0 && sip_uri_eq(&u, &c->na.uri)) {
			return (int)i;
		}
	}
	return -1;
}

static void binding_set(struct sip_req *r, struct location_binding *b, const struct reg_contact *c,
	struct str path, uint64_t now)
{
	const struct sip_msg *m = r->m;
	const struct sip_hdr *ua = sip_msg_hdr(m, SIP_HDR_USER_AGENT);

	b->uri = c->na.uri_str;
	b->params = c->params;
	b->instance = c->instance;
	b->reg_id = c->reg_id;
	b->path = path;
	b->call_id = m->call_id;
	b->cseq = m->cseq.num;
	b->q = c->q;
	b->expires = now + c->expires;
	b->registered = now;
	b->proto = (uint8_t)r->src.proto;
	b->source = str_cstr(reg_source);
	b->conn = r->src.proto == SIP_PROTO_UDP ? 0 : r->src.conn;
	b->user_agent = STR_NULL;
	if (ua) {
		b->user_agent = str_make(ua->value.p,
			ua->value.len > LOCATION_UA_MAX ? LOCATION_UA_MAX : ua->value.len);
	}
}

static void binding_remove(struct location_aor *aor, bool *touched, unsigned i)
{
	aor->n--;
	memmove(&aor->b[i], &aor->b[i + 1], (aor->n - i) * sizeof(aor->b[0]));
	memmove(&touched[i], &touched[i + 1], (aor->n - i) * sizeof(touched[0]));
}

/* Step 8, all or nothing: applies the contacts to aor. 0, or the status
 * of the refusal with its reason. */
static unsigned bindings_apply(struct sip_req *r, struct location_aor *aor,
	const struct reg_contact *cs, unsigned n, struct str path, uint64_t now, const char **why)
{
	const struct sip_msg *m = r->m;
	bool touched[CONFIG_REG_MAX_BINDINGS] = { false };

	for (unsigned k = 0; k < n; k++) {
		const struct reg_contact *c = &cs[k];
		int i = binding_find(aor, c);
		if (i >= 0 && !touched[i] && str_eq(aor->b[i].call_id, m->call_id) &&
			m->cseq.num <= aor->b[i].cseq) {
			/* Step 8: an older or repeated CSeq of the same Call-ID
			 * was overtaken by a newer request. */
			*why = "Out Of Order CSeq";
			return 500;
		}
		if (c->expires == 0) {
			if (i >= 0) {
				binding_remove(aor, touched, (unsigned)i);
			}
			continue;
		}
		if (i < 0) {
			if (aor->n == CONFIG_REG_MAX_BINDINGS) {
				*why = "Too Many Registered Contacts";
				return 503;
			}
			i = (int)aor->n++;
		}
		binding_set(r, &aor->b[i], c, path, now);
		touched[i] = true;
	}
	return 0;
}

/* RFC 3261 10.3 step 8. */
static void put_date(struct buf *b, uint64_t now)
{
	buf_put_cstr(b, "Date: ");
	buf_put_date(b, now);
	buf_put_cstr(b, "\r\n");
}

/* Step 8: the 200 lists every binding with its remaining time. */
static void reply_ok(struct sip_req *r, struct buf *b, const struct location_aor *aor, uint64_t now)
{
	const struct sip_msg *m = r->m;
	bool gruu = has_option(m, SIP_HDR_SUPPORTED, STR("gruu"));
	bool path = has_option(m, SIP_HDR_SUPPORTED, STR("path"));

	sip_endpoint_build(r, b, 200, "OK");
	for (unsigned i = 0; i < aor->n; i++) {
		const struct location_binding *bd = &aor->b[i];
		buf_printf(b, "Contact: <%.*s>%.*s;expires=%llu", STR_FMT(bd->uri),
			STR_FMT(bd->params), (unsigned long long)(bd->expires - now));
		/* RFC 5627 3.1: the AOR with gr= the instance URN, minus its
		 * angle brackets. */
		if (gruu && bd->instance.len > 2 && bd->instance.p[0] == '<') {
			buf_printf(b, ";pub-gruu=\"sip:%.*s@%s;gr=%.*s\"", STR_FMT(m->to.uri.user),
				sip_endpoint_domain(), (int)bd->instance.len - 2,
				bd->instance.p + 1);
		}
		buf_put_cstr(b, "\r\n");
	}
	/* RFC 3327 5.3: the Path is echoed to a client that supports it. */
	if (path) {
		for (const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_PATH); h;
			h = sip_msg_hdr_next(m, h)) {
			buf_printf(b, "Path: %.*s\r\n", STR_FMT(h->value));
		}
	}
	put_date(b, now);
	sip_msg_build_end(b, STR_NULL, STR_NULL);
}

static void pending_done(struct store_waiter *w, int status)
{
	struct reg_pending *p = (struct reg_pending *)w;

	if (status < 0) {
		reg_stats.store_failed++;
		log_ratelimited(&reg_rl, loop_now(), LOG_LEVEL_ERROR,
			"registrar: bindings not stored: %s", store_strerror(status));
	}
	if (status < 0) {
		sip_endpoint_send_to(&p->to, str_make(p->data + p->len, p->fail_len));
	} else {
		sip_endpoint_send_to(&p->to, str_make(p->data, p->len));
		if (p->changed) {
			proxy_deliver_stored(str_cstr(p->user));
		}
	}
	if (--reg_ring_pending == 0) {
		reg_ring_used = 0;
	}
}

/* Room for one reply in the ring, or NULL when this iteration's replies
 * filled it (the caller answers 503: committing early from inside a
 * handler would send replies, and a failed send may close the very
 * connection whose message is being handled). */
static struct reg_pending *pending_take(size_t *room)
{
	size_t off = (reg_ring_used + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
	size_t need = sizeof(struct reg_pending) + CONFIG_SIP_MAX_MSG_SIZE + REG_FAIL_MAX;

	if (off + need > sizeof(reg_ring)) {
		return NULL;
	}
	*room = sizeof(reg_ring) - off - sizeof(struct reg_pending);
	return (struct reg_pending *)(reg_ring + off);
}

/* Builds the 200 and, for a failed commit, the 500 into the ring slot p
 * (from pending_take). False when either does not fit. */
static bool pending_build(struct sip_req *r, struct reg_pending *p, size_t room,
	const struct location_aor *aor, uint64_t now)
{
	struct buf b;

	buf_init(&b, p->data, room - REG_FAIL_MAX);
	reply_ok(r, &b, aor, now);
	if (b.err) {
		return false;
	}
	p->len = b.len;
	buf_init(&b, p->data + p->len, REG_FAIL_MAX);
	sip_endpoint_build(r, &b, 500, "Bindings Not Stored");
	buf_put_cstr(&b, "Retry-After: 5\r\n");
	sip_msg_build_end(&b, STR_NULL, STR_NULL);
	if (b.err) {
		return false;
	}
	p->fail_len = b.len;
	return true;
}

/* The change is in the store group: p is answered once it is committed. */
static void pending_commit(struct sip_req *r, struct reg_pending *p, bool changed)
{
	p->to = r->reply;
	p->changed = changed;
	str_copy_cstr(r->m->to.uri.user, p->user, sizeof(p->user));
	reg_ring_used = (size_t)(p->data - reg_ring) + p->len + p->fail_len;
	reg_ring_pending++;
	store_when_committed(reg_st, &p->w, pending_done);
}

/* Parses every Contact (steps 6 and 7). Returns 0 or a refusal. */
static unsigned contacts_parse(
	const struct sip_msg *m, struct reg_contact *cs, unsigned *n, bool *star, const char **why)
{
	const struct sip_hdr *eh = sip_msg_hdr(m, SIP_HDR_EXPIRES);
	int expires_hdr = -1;

	*n = 0;
	*star = false;
	if (eh) {
		uint32_t e;
		if (sip_parse_uint(eh->value, UINT32_MAX, &e) < 0) {
			*why = "Bad Expires";
			return 400;
		}
		expires_hdr = e > INT32_MAX ? INT32_MAX : (int)e;
	}
	for (const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_CONTACT); h;
		h = sip_msg_hdr_next(m, h)) {
		struct str rest = h->value;
		while (rest.len) {
			struct reg_contact *c = &cs[*n];
			unsigned st;
			if (*n == REG_MAX_CONTACTS) {
				*why = "Too Many Contacts";
				return 503;
			}
			if (sip_parse_nameaddr(rest, &c->na, &rest) < 0) {
				*why = "Bad Contact";
				return 400;
			}
			if (c->na.star) {
				*star = true;
				(*n)++;
				continue;
			}
			st = contact_check(c, &m->to.uri, expires_hdr, *n, why);
			if (st) {
				return st;
			}
			(*n)++;
		}
	}
	/* Step 6: "*" only alone and with Expires: 0. */
	if (*star && (*n != 1 || expires_hdr != 0)) {
		*why = "Invalid Contact *";
		return 400;
	}
	return 0;
}

static void on_register(struct sip_req *r)
{
	const struct sip_msg *m = r->m;
	struct str user = m->to.uri.user;
	uint64_t now = loop_wall();
	struct reg_contact cs[REG_MAX_CONTACTS];
	struct location_aor aor;
	struct str path = STR_NULL;
	const char *why = NULL;
	struct reg_pending *p;
	size_t room;
	unsigned n, st;
	bool star;
	int rc;

	/* Step 1: bindings of our domain only. */
	if (!sip_endpoint_is_local(m->ruri.host)) {
		sip_endpoint_respond(r, 403, "Not Our Domain", NULL);
		return;
	}
	/* Step 5: the address of record is the To URI; ours or none. */
	if ((m->to.uri.scheme != SIP_URI_SIP && m->to.uri.scheme != SIP_URI_SIPS) || !user.len ||
		!sip_endpoint_is_local(m->to.uri.host)) {
		sip_endpoint_respond(r, 404, "Not Found", NULL);
		return;
	}
	/* Steps 3 and 4: only the user may change the user's bindings. */
	if (auth_check(r, user, false) != AUTH_OK) {
		return;
	}
	reg_stats.registers++;
	if (m->call_id.len > LOCATION_CALL_ID_MAX) {
		refuse(r, 400, "Call-ID Too Long", NULL);
		return;
	}
	st = contacts_parse(m, cs, &n, &star, &why);
	if (st == 0 && path_join(m, &path) < 0) {
		st = 400;
		why = "Path Too Long";
	}
	if (st) {
		char extra[64] = "";
		if (st == 423) {
			snprintf(extra, sizeof(extra), "Min-Expires: %u\r\n", reg_lim.min_expires);
		} else if (st == 503) {
			snprintf(extra, sizeof(extra), "Retry-After: 60\r\n");
		}
		refuse(r, st, why, extra);
		return;
	}
	p = pending_take(&room);
	if (!p) {
		refuse(r, 503, "Too Many Registrations At Once", "Retry-After: 1\r\n");
		return;
	}
	rc = location_get(store_loop_txn(reg_st), user, now, &aor);
	if (rc < 0) {
		log_ratelimited(&reg_rl, loop_now(), LOG_LEVEL_ERROR,
			"registrar: bindings of %.*s unreadable: %s", STR_FMT(user),
			store_strerror(rc));
		refuse(r, 500, "Bindings Unreadable", NULL);
		return;
	}
	if (n == 0) {
		/* A fetch lists what is committed: it waits for the group
		 * like a change, so it never shows what a failed commit
		 * then loses. */
		if (!pending_build(r, p, room, &aor, now)) {
			refuse(r, 500, "Reply Too Large", NULL);
			return;
		}
		reg_stats.fetched++;
		pending_commit(r, p, false);
		return;
	}
	addr_format(&r->src.addr, reg_source, sizeof(reg_source));
	if (star) {
		for (unsigned i = 0; i < aor.n; i++) {
			if (str_eq(aor.b[i].call_id, m->call_id) && m->cseq.num <= aor.b[i].cseq) {
				refuse(r, 500, "Out Of Order CSeq", NULL);
				return;
			}
		}
		aor.n = 0;
	} else {
		st = bindings_apply(r, &aor, cs, n, path, now, &why);
		if (st) {
			refuse(r, st, why, st == 503 ? "Retry-After: 60\r\n" : NULL);
			return;
		}
	}
	/* aor's slices point into the stored value until the write: the
	 * replies are built before it. */
	if (!pending_build(r, p, room, &aor, now)) {
		refuse(r, 500, "Reply Too Large", NULL);
		return;
	}
	rc = location_put(reg_st, user, &aor);
	if (rc < 0) {
		log_ratelimited(&reg_rl, loop_now(), LOG_LEVEL_ERROR,
			"registrar: cannot store the bindings of %.*s: %s", STR_FMT(user),
			store_strerror(rc));
		reg_stats.store_failed++;
		sip_endpoint_send(r, 500, str_make(p->data + p->len, p->fail_len));
		return;
	}
	reg_stats.updated++;
	pending_commit(r, p, true);
}

void registrar_init(struct store *st, const struct registrar_limits *l)
{
	reg_st = st;
	reg_lim = *l;
	reg_ring_used = 0;
	reg_ring_pending = 0;
	/* Stateless (RFC 3261 8.2.7): a server transaction would hold a
	 * pool entry for 64*T1 after every REGISTER over UDP, which caps the
	 * rate at SIP_MAX_TSX per 32 s. A retransmission is handled again:
	 * its nonce count is a replay, so it gets a fresh 401 and the client
	 * whose 200 was lost authenticates once more. */
	sip_endpoint_set_handler(SIP_REGISTER, on_register);
}

void registrar_set_limits(const struct registrar_limits *l)
{
	reg_lim = *l;
}

void registrar_tick(uint64_t now_s)
{
	int rc = location_sweep(reg_st, now_s, REG_SWEEP_USERS);

	if (rc > 0) {
		reg_stats.expired += (uint64_t)rc;
	}
}

void registrar_fini(void)
{
	sip_endpoint_set_handler(SIP_REGISTER, NULL);
	reg_st = NULL;
}

void registrar_stats(struct registrar_stats *out)
{
	*out = reg_stats;
}
