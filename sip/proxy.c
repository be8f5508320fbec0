#include "sip/proxy.h"

#include <bearssl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoconf.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/rand.h"
#include "core/timer.h"
#include "core/users.h"
#include "sip/callerprefs.h"
#include "sip/endpoint.h"
#include "sip/fork.h"
#include "sip/location.h"
#include "sip/msgstore.h"
#include "sip/msg.h"
#include "sip/parse.h"
#include "sip/ringplan.h"
#include "sip/tsx.h"

struct proxy_ctx;

struct proxy_branch {
	struct proxy_ctx *ctx;
	struct sip_tsx *tsx; /* NULL when gone */
	char *resp; /* its final non-2xx response, for 16.7 step 6 */
	size_t resp_len;
	unsigned resp_status;
	struct str uri; /* Request-URI of the branch, in ctx->blob */
	struct str path; /* Route set from the binding's Path, in ctx->blob */
	struct sip_peer peer;
};

struct proxy_ctx {
	bool used;
	bool record_route;
	bool final_up; /* a final response went upstream */
	bool message; /* a MESSAGE: kept for later when nobody takes it */
	bool overloaded; /* a branch found the transaction table full */
	struct sip_tsx *server; /* NULL when gone */
	struct sip_peer up; /* where responses go without the server tsx */
	struct fork fork;
	struct timer timer;
	char *blob; /* the request as received, its fixed top Via, targets */
	size_t req_len;
	struct str top_via;
	uint8_t n;
	char to_tag[17];
	struct proxy_branch br[FORK_MAX_BRANCHES];
};

static struct store *px_st;
static struct proxy_limits px_lim;
static struct proxy_ctx *px_ctx;
/* RFC 3261 18.1.1: 1300 bytes, for a path MTU we do not know. */
#define PX_UDP_MAX 1300
static struct pool_stats px_pool = { "proxy contexts", 0, 0, CONFIG_PROXY_MAX_CTX };
static struct proxy_stats px_stats;
static char px_arena_mem[CONFIG_SIP_MAX_HEADERS * 64 + 4096];
static char px_out[CONFIG_SIP_MAX_MSG_SIZE];
static struct log_rl px_rl;

/* --- contexts ------------------------------------------------------- */

static struct proxy_ctx *ctx_alloc(void)
{
	for (size_t i = 0; i < CONFIG_PROXY_MAX_CTX; i++) {
		if (!px_ctx[i].used) {
			memset(&px_ctx[i], 0, sizeof(px_ctx[i]));
			px_ctx[i].used = true;
			px_pool.used++;
			pool_stats_note(&px_pool);
			return &px_ctx[i];
		}
	}
	return NULL;
}

/* The context ends: every transaction that still points at it is told to
 * point nowhere (their late responses are stray ones: 16.7, stateless). */
static void ctx_free(struct proxy_ctx *c)
{
	timer_stop(&c->timer);
	if (c->server) {
		sip_tsx_set_tu(c->server, NULL, NULL);
	}
	for (unsigned i = 0; i < c->n; i++) {
		if (c->br[i].tsx) {
			sip_tsx_set_tu(c->br[i].tsx, NULL, NULL);
		}
		free(c->br[i].resp);
	}
	free(c->blob);
	c->used = false;
	px_pool.used--;
}

/* The request as received, parsed again (its receive buffer is long
 * gone when a later group starts). */
static int ctx_request(struct proxy_ctx *c, struct sip_msg *m, struct arena *a)
{
	struct sip_parse_err e;

	arena_init(a, px_arena_mem, sizeof(px_arena_mem));
	return sip_msg_parse(m, c->blob, c->req_len, a, &e);
}

/* --- building messages ------------------------------------------------ */

static void put_hdr(struct buf *b, const struct sip_hdr *h)
{
	buf_put_str(b, h->name);
	buf_put_cstr(b, ": ");
	buf_put_str(b, h->value);
	buf_put_cstr(b, "\r\n");
}

/* A header value holding several comma-separated elements, without its
 * first one (first: the text of that element). */
static struct str value_rest(struct str value, struct str first)
{
	const char *end = value.p + value.len;
	const char *p = first.p + first.len;

	while (p < end && (*p == ' ' || *p == '\t' || *p == ',' || *p == '\r' || *p == '\n')) {
		p++;
	}
	return str_make(p, (size_t)(end - p));
}

/* The token our Record-Route carries (;d=), so that a request that says
 * it belongs to a dialog we set up can prove it: HMAC-SHA-256 of its
 * Call-ID under a secret of this run (dialogs do not outlive a restart
 * of their proxy anyway: the devices re-register and call again). */
static uint8_t px_rr_secret[32];

static void rr_token(struct str call_id, char out[17])
{
	static const char hex[] = "0123456789abcdef";
	br_hmac_key_context kc;
	br_hmac_context hc;
	uint8_t mac[8];

	br_hmac_key_init(&kc, &br_sha256_vtable, px_rr_secret, sizeof(px_rr_secret));
	br_hmac_init(&hc, &kc, sizeof(mac));
	br_hmac_update(&hc, call_id.p, call_id.len);
	br_hmac_out(&hc, mac);
	for (size_t i = 0; i < sizeof(mac); i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[16] = '\0';
}

static bool token_ok(const struct sip_msg *m, struct str params)
{
	struct str d;
	char want[17];

	if (!sip_param_get(params, STR("d"), &d) || d.len != 16) {
		return false;
	}
	rr_token(m->call_id, want);
	return str_ct_eq(d.p, want, 16);
}

/* Route values one request may carry. */
#define PX_MAX_ROUTES 16

/* Where a request goes by its Route set (RFC 3261 16.4, 16.6 steps 6
 * and 7): the Request-URI and the Route set it leaves with (joined into
 * px_routes, valid until the next call), and the next hop when a Route
 * names it. in_dialog: the request proved that it belongs to a dialog we
 * record-routed (a To tag and our dialog token in the Route, or in the
 * Request-URI when a strict router put it there). */
struct route_plan {
	struct str ruri;
	struct str routes;
	bool routed;
	struct sip_uri hop;
	bool in_dialog;
};
static char px_routes[2 * CONFIG_SIP_MAX_HEADER_LEN];

static int plan_routes(const struct sip_msg *m, struct route_plan *rp)
{
	struct sip_nameaddr v[PX_MAX_ROUTES];
	unsigned n = 0, first = 0;
	struct buf b;

	for (const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_ROUTE); h;
		h = sip_msg_hdr_next(m, h)) {
		struct str rest = h->value;
		while (rest.len) {
			if (n == PX_MAX_ROUTES || sip_parse_nameaddr(rest, &v[n], &rest) < 0 ||
				!v[n].uri.scheme) {
				return -EBADMSG;
			}
			n++;
		}
	}
	memset(rp, 0, sizeof(*rp));
	rp->ruri = m->ruri_str;
	/* 16.4: a strict router put our Record-Route into the Request-URI;
	 * the real Request-URI is the last Route value. */
	if (n && !m->ruri.user.len && sip_endpoint_uri_is_us(&m->ruri) &&
		token_ok(m, m->ruri.params)) {
		rp->in_dialog = m->to.tag.len > 0;
		rp->ruri = v[--n].uri_str;
	}
	/* 16.4: our own value leaves the route set. */
	if (n && sip_endpoint_uri_is_us(&v[0].uri)) {
		rp->in_dialog = rp->in_dialog || (m->to.tag.len && token_ok(m, v[0].uri.params));
		first = 1;
	}
	buf_init(&b, px_routes, sizeof(px_routes));
	rp->routed = first < n;
	if (rp->routed) {
		struct str lr;
		rp->hop = v[first].uri;
		/* 16.6 step 7: a strict next hop takes the route in the
		 * Request-URI, and our Request-URI goes last in the set. */
		if (!sip_param_get(v[first].uri.params, STR("lr"), &lr)) {
			struct str old = rp->ruri;
			rp->ruri = v[first++].uri_str;
			for (unsigned k = first; k < n; k++) {
				buf_printf(&b, "%s%.*s", b.len ? ", " : "", STR_FMT(v[k].text));
			}
			buf_printf(&b, "%s<%.*s>", b.len ? ", " : "", STR_FMT(old));
		} else {
			for (unsigned k = first; k < n; k++) {
				buf_printf(&b, "%s%.*s", b.len ? ", " : "", STR_FMT(v[k].text));
			}
		}
	}
	if (b.err) {
		return -E2BIG;
	}
	rp->routes = buf_str(&b);
	return 0;
}

/* For the endpoint: a request of a dialog we set up needs no new
 * challenge (it was authenticated when the dialog began). */
static bool in_our_dialog(const struct sip_msg *m)
{
	struct route_plan rp;

	return plan_routes(m, &rp) == 0 && rp.in_dialog;
}

static bool for_our_realm(struct str value)
{
	struct sip_auth a;
	struct str realm;

	return sip_parse_auth(value, &a) == 0 && sip_auth_get(&a, STR("realm"), &realm) &&
		str_eq(realm, str_cstr(sip_endpoint_domain()));
}

/* RFC 3261 16.6 steps 1 to 8: the copy of the request for one branch. */
static int build_request(struct proxy_ctx *c, const struct sip_msg *m, unsigned i, struct buf *b)
{
	const struct proxy_branch *br = &c->br[i];
	bool via_done = false;
	char hostport[ADDR_STR_MAX];
	char branch[17];
	enum sip_proto proto = br->peer.proto;

	if (sip_endpoint_hostport(proto, hostport, sizeof(hostport)) < 0 &&
		sip_endpoint_hostport(SIP_PROTO_UDP, hostport, sizeof(hostport)) < 0) {
		return -ENOENT;
	}
	rand_hex(branch, 8);
	buf_printf(b, "%.*s %.*s SIP/2.0\r\n", STR_FMT(m->method_str), STR_FMT(br->uri));
	/* Step 8: our Via on top, the branch unique to this client
	 * transaction (RFC 3261 8.1.1.7 magic cookie). */
	buf_printf(b, "Via: SIP/2.0/%s %s;branch=z9hG4bK%s;rport\r\n", sip_proto_name(proto),
		hostport, branch);
	/* Step 4: so that the dialog's later requests pass us. */
	if (c->record_route) {
		char rr[ADDR_STR_MAX];
		enum sip_proto in = c->up.proto;
		char token[17];
		if (sip_endpoint_hostport(in, rr, sizeof(rr)) == 0) {
			rr_token(m->call_id, token);
			buf_printf(b, "Record-Route: <sip:%s%s%s;lr;d=%s>\r\n", rr,
				in == SIP_PROTO_UDP ? "" : ";transport=",
				in == SIP_PROTO_UDP ? "" : (in == SIP_PROTO_TLS ? "tls" : "tcp"),
				token);
		}
	}
	/* The route set we worked out (plan_routes), or for a device the
	 * Path of its binding (RFC 3327 5.4); the received Route headers
	 * are not copied. */
	if (br->path.len) {
		buf_printf(b, "Route: %.*s\r\n", STR_FMT(br->path));
	}
	for (unsigned k = 0; k < m->n_hdrs; k++) {
		const struct sip_hdr *h = &m->hdrs[k];
		switch (h->id) {
		case SIP_HDR_VIA:
			if (!via_done) {
				/* 18.2.1: the top Via with received/rport, so that
				 * the responses find their way back. */
				struct str rest = value_rest(h->value, m->via.text);
				via_done = true;
				buf_put_cstr(b, "Via: ");
				buf_put_str(b, c->top_via);
				if (rest.len) {
					buf_put_cstr(b, ", ");
					buf_put_str(b, rest);
				}
				buf_put_cstr(b, "\r\n");
				continue;
			}
			break;
		case SIP_HDR_MAX_FORWARDS:
			/* Step 3. */
			buf_printf(b, "Max-Forwards: %d\r\n",
				m->max_forwards > 0 ? m->max_forwards - 1 : 0);
			continue;
		case SIP_HDR_ROUTE:
			continue;
		case SIP_HDR_CONTENT_LENGTH:
			continue;
		case SIP_HDR_PROXY_AUTHORIZATION:
			/* 22.3: the credentials for our realm end here;
			 * those for realms further on travel on. */
			if (for_our_realm(h->value)) {
				continue;
			}
			break;
		default:
			break;
		}
		put_hdr(b, h);
	}
	if (m->max_forwards < 0) {
		buf_put_cstr(b, "Max-Forwards: 70\r\n");
	}
	buf_printf(b, "Content-Length: %zu\r\n\r\n", m->body.len);
	buf_put_str(b, m->body);
	return b->err;
}

/* 16.7 step 3: the response without our Via; extra: header lines to add
 * (merged challenges, step 7). */
static int build_response(const struct sip_msg *r, struct str extra, struct buf *b)
{
	bool via_done = false;

	buf_printf(b, "SIP/2.0 %u %.*s\r\n", r->status, STR_FMT(r->reason));
	for (unsigned k = 0; k < r->n_hdrs; k++) {
		const struct sip_hdr *h = &r->hdrs[k];
		if (h->id == SIP_HDR_VIA && !via_done) {
			struct str rest = value_rest(h->value, r->via.text);
			via_done = true;
			if (rest.len) {
				buf_put_cstr(b, "Via: ");
				buf_put_str(b, rest);
				buf_put_cstr(b, "\r\n");
			}
			continue;
		}
		if (h->id == SIP_HDR_CONTENT_LENGTH) {
			continue;
		}
		put_hdr(b, h);
	}
	buf_put_str(b, extra);
	buf_printf(b, "Content-Length: %zu\r\n\r\n", r->body.len);
	buf_put_str(b, r->body);
	return b->err;
}

static void send_up(struct proxy_ctx *c, unsigned status, struct str data)
{
	if (c->server && !c->final_up) {
		sip_tsx_server_reply(c->server, status, data.p, data.len);
	} else {
		sip_endpoint_send_to(&c->up, data);
	}
	if (status >= 200) {
		c->final_up = true;
	}
}

static void forward_response(struct proxy_ctx *c, const struct sip_msg *r, struct str extra)
{
	struct buf b;

	buf_init(&b, px_out, sizeof(px_out));
	if (build_response(r, extra, &b) < 0) {
		log_ratelimited(&px_rl, loop_now(), LOG_LEVEL_WARN,
			"proxy: a %u response does not fit in %d bytes", r->status,
			CONFIG_SIP_MAX_MSG_SIZE);
		return;
	}
	send_up(c, r->status, buf_str(&b));
}

/* A final response of our own (408 with no answer, 500 for a 503). */
static void answer_own(struct proxy_ctx *c, unsigned status)
{
	static const struct {
		unsigned status;
		const char *reason;
	} reasons[] = { { 408, "Request Timeout" }, { 500, "Server Internal Error" },
		{ 503, "Service Unavailable" }, { 513, "Message Too Large" } };
	const char *reason = "Server Internal Error";
	struct sip_msg m;
	struct arena a;
	struct buf b;

	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		if (reasons[i].status == status) {
			reason = reasons[i].reason;
		}
	}
	if (ctx_request(c, &m, &a) < 0) {
		return;
	}
	buf_init(&b, px_out, sizeof(px_out));
	sip_endpoint_answer(&b, &m, status, reason, str_cstr(c->to_tag), c->top_via,
		status == 503 ? "Retry-After: 5\r\n" : NULL);
	if (!b.err) {
		send_up(c, status, buf_str(&b));
	}
}

/* 16.7 step 7: the challenges of every 401/407 branch in one response. */
static void final_from_branch(struct proxy_ctx *c, unsigned i, uint32_t auth_mask)
{
	static char extra[4096];
	struct buf e;
	struct sip_msg m;
	struct sip_parse_err err;
	struct arena a;

	buf_init(&e, extra, sizeof(extra));
	for (unsigned k = 0; k < c->n; k++) {
		if (k == i || !(auth_mask & (1u << k)) || !c->br[k].resp) {
			continue;
		}
		arena_init(&a, px_arena_mem, sizeof(px_arena_mem));
		if (sip_msg_parse(&m, c->br[k].resp, c->br[k].resp_len, &a, &err) < 0) {
			continue;
		}
		for (unsigned h = 0; h < m.n_hdrs; h++) {
			if (m.hdrs[h].id == SIP_HDR_WWW_AUTHENTICATE ||
				m.hdrs[h].id == SIP_HDR_PROXY_AUTHENTICATE) {
				put_hdr(&e, &m.hdrs[h]);
			}
		}
	}
	if (e.err) {
		e.len = 0;
	}
	arena_init(&a, px_arena_mem, sizeof(px_arena_mem));
	if (!c->br[i].resp || sip_msg_parse(&m, c->br[i].resp, c->br[i].resp_len, &a, &err) < 0) {
		answer_own(c, 500);
		return;
	}
	forward_response(c, &m, buf_str(&e));
}

/* --- running the fork --------------------------------------------------- */

static const struct sip_tsx_tu branch_tu;
static void apply(struct proxy_ctx *c, const struct fork_out *out, const struct sip_msg *resp);

static void feed(struct proxy_ctx *c, unsigned i, unsigned status, const struct sip_msg *resp)
{
	struct fork_out out;

	fork_response(&c->fork, i, status, loop_now(), &out);
	apply(c, &out, resp);
}

static void start_branch(struct proxy_ctx *c, unsigned i)
{
	struct proxy_branch *br = &c->br[i];
	struct sip_msg m;
	struct arena a;
	struct buf b;
	int err = 0;

	if (ctx_request(c, &m, &a) == 0) {
		buf_init(&b, px_out, sizeof(px_out));
		if (build_request(c, &m, i, &b) == 0) {
			/* RFC 3261 18.1.1: over UDP only what fits a path MTU
			 * with room to spare; we open no TCP connection, so a
			 * larger request cannot reach a device over UDP. */
			if (br->peer.proto == SIP_PROTO_UDP && b.len > PX_UDP_MAX) {
				feed(c, i, 513, NULL);
				return;
			}
			br->tsx = sip_tsx_client_send(&br->peer, b.p, b.len, &branch_tu, br, &err);
		}
	}
	if (!br->tsx) {
		/* 8.1.3.1: no transport, no transaction: as if a 408 came;
		 * a full transaction table is our own overload (503). */
		c->overloaded = err == -ENOSPC;
		feed(c, i, c->overloaded ? 503 : 408, NULL);
		return;
	}
	px_stats.branches++;
}

static bool offline_store(const struct sip_msg *m, struct sip_tsx *tsx, const struct sip_peer *up,
	struct str to_tag, struct str top_via);

/* Every device failed with 408 or 480: the MESSAGE is kept for them, and
 * the server transaction goes to the 202 that waits for the commit. */
static bool store_final(struct proxy_ctx *c)
{
	struct sip_msg m;
	struct arena a;
	struct sip_tsx *tsx = c->final_up ? NULL : c->server;

	if (ctx_request(c, &m, &a) < 0 ||
		!offline_store(&m, tsx, &c->up, str_cstr(c->to_tag), c->top_via)) {
		return false;
	}
	if (tsx) {
		c->server = NULL;
	}
	c->final_up = true;
	return true;
}

static void apply(struct proxy_ctx *c, const struct fork_out *out, const struct sip_msg *resp)
{
	for (unsigned k = 0; k < out->n; k++) {
		const struct fork_action *a = &out->a[k];
		switch (a->act) {
		case FORK_START:
			start_branch(c, a->branch);
			break;
		case FORK_CANCEL:
			if (c->br[a->branch].tsx) {
				sip_tsx_client_cancel(c->br[a->branch].tsx);
			}
			break;
		case FORK_FORWARD:
			if (resp) {
				forward_response(c, resp, STR_NULL);
			}
			break;
		case FORK_FINAL:
			if (c->message && (a->status == 408 || a->status == 480) &&
				store_final(c)) {
				break;
			}
			/* 16.7 turns a 503 into 500; ours says "try again". */
			if (c->overloaded && a->status == 500 && a->branch != FORK_NO_BRANCH &&
				!c->br[a->branch].resp) {
				answer_own(c, 503);
				break;
			}
			if (a->branch == FORK_NO_BRANCH ||
				a->status != c->br[a->branch].resp_status) {
				answer_own(c, a->status);
			} else {
				final_from_branch(c, a->branch, a->auth_mask);
			}
			break;
		}
	}
}

static void on_timer(struct timer *t, void *arg);

/* After each event: the timer at the fork's next deadline, or the end. */
static void settle(struct proxy_ctx *c)
{
	uint64_t d;

	if (fork_done(&c->fork)) {
		ctx_free(c);
		return;
	}
	d = fork_deadline(&c->fork);
	if (d) {
		timer_start_at(&c->timer, d, on_timer, c);
	} else {
		timer_stop(&c->timer);
	}
}

static void on_timer(struct timer *t, void *arg)
{
	struct proxy_ctx *c = arg;
	struct fork_out out;

	(void)t;
	fork_timeout(&c->fork, loop_now(), &out);
	apply(c, &out, NULL);
	settle(c);
}

static void branch_response(struct sip_tsx *t, void *arg, const struct sip_msg *resp)
{
	struct proxy_branch *br = arg;
	struct proxy_ctx *c = br->ctx;
	unsigned i = (unsigned)(br - c->br);

	(void)t;
	if (resp->status >= 300 && !br->resp) {
		br->resp = malloc(resp->raw.len);
		if (br->resp) {
			memcpy(br->resp, resp->raw.p, resp->raw.len);
			br->resp_len = resp->raw.len;
			br->resp_status = resp->status;
		}
	}
	feed(c, i, resp->status, resp);
	settle(c);
}

static void branch_failure(struct sip_tsx *t, void *arg, int err)
{
	struct proxy_branch *br = arg;
	struct proxy_ctx *c = br->ctx;

	(void)err;
	br->tsx = NULL;
	sip_tsx_set_tu(t, NULL, NULL);
	feed(c, (unsigned)(br - c->br), 408, NULL);
	settle(c);
}

static void branch_gone(struct sip_tsx *t, void *arg)
{
	struct proxy_branch *br = arg;

	(void)t;
	br->tsx = NULL;
}

static const struct sip_tsx_tu branch_tu = {
	.on_response = branch_response,
	.on_failure = branch_failure,
	.on_terminated = branch_gone,
};

static void server_gone(struct sip_tsx *t, void *arg)
{
	struct proxy_ctx *c = arg;

	(void)t;
	c->server = NULL;
}

static const struct sip_tsx_tu server_tu = { .on_terminated = server_gone };

/* --- targets ------------------------------------------------------------ */

/* A next hop named by a URI: numeric addresses only (no DNS yet); over
 * TCP or TLS only on a connection that is open with it (-ENOTCONN). */
static int peer_from_uri(const struct sip_uri *u, struct sip_peer *out)
{
	char text[ADDR_STR_MAX + 8];
	const char *why;
	struct str tp;
	int rc;

	if (u->host.len >= ADDR_STR_MAX) {
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	out->proto = u->scheme == SIP_URI_SIPS ? SIP_PROTO_TLS : SIP_PROTO_UDP;
	if (sip_param_get(u->params, STR("transport"), &tp)) {
		if (str_ieq(tp, STR("tcp"))) {
			out->proto = u->scheme == SIP_URI_SIPS ? SIP_PROTO_TLS : SIP_PROTO_TCP;
		} else if (str_ieq(tp, STR("tls"))) {
			out->proto = SIP_PROTO_TLS;
		} else if (!str_ieq(tp, STR("udp"))) {
			return -ENOTSUP;
		}
	}
	snprintf(text, sizeof(text), "%.*s:%u", STR_FMT(u->host),
		u->port ? u->port : (out->proto == SIP_PROTO_TLS ? 5061 : 5060));
	rc = addr_parse(text, &out->addr, &why);
	if (rc < 0 || out->proto == SIP_PROTO_UDP) {
		return rc;
	}
	out->conn = sip_tport_conn_to(out->proto, &out->addr);
	return out->conn ? 0 : -ENOTCONN;
}

/* Where a registered device is reached: over its own connection for TCP
 * and TLS (RFC 5626 flows), else at its Contact when that is numeric, else
 * at the address it registered from. */
static int peer_from_binding(const struct location_binding *b, struct sip_peer *out)
{
	char src[LOCATION_SOURCE_MAX + 1];
	struct sip_uri u;
	const char *why;

	if (b->proto == SIP_PROTO_UDP && sip_parse_uri(b->uri, &u) == 0 &&
		peer_from_uri(&u, out) == 0) {
		return 0;
	}
	memset(out, 0, sizeof(*out));
	out->proto = (enum sip_proto)b->proto;
	out->conn = b->conn;
	if (str_copy_cstr(b->source, src, sizeof(src)) < 0) {
		return -EINVAL;
	}
	return addr_parse(src, &out->addr, &why);
}

/* --- MESSAGEs for devices that are offline (RFC 3428 leaves it to us) -- */

/* A 202 (or 500) that waits for the commit of the stored message. It
 * holds the server transaction, which tells it when it is gone. */
struct px_pending {
	struct store_waiter w;
	struct sip_tsx *tsx;
	struct sip_peer up;
	size_t len, fail_len;
	char data[];
};

static void pending_tsx_gone(struct sip_tsx *t, void *arg)
{
	struct px_pending *p = arg;

	(void)t;
	p->tsx = NULL;
}

static const struct sip_tsx_tu pending_tu = { .on_terminated = pending_tsx_gone };

static void pending_done(struct store_waiter *w, int status)
{
	struct px_pending *p = (struct px_pending *)w;
	unsigned code = status < 0 ? 500 : 202;
	struct str data =
		status < 0 ? str_make(p->data + p->len, p->fail_len) : str_make(p->data, p->len);

	if (p->tsx) {
		sip_tsx_set_tu(p->tsx, NULL, NULL);
		sip_tsx_server_reply(p->tsx, code, data.p, data.len);
	} else {
		sip_endpoint_send_to(&p->up, data);
	}
	free(p);
}

/* Stores MESSAGE m for its Request-URI's user and answers 202 once it is
 * committed (through tsx when there is one). False when it could not be
 * stored (the user's cap, a field too long): the caller answers as it
 * would have. */
static bool offline_store(const struct sip_msg *m, struct sip_tsx *tsx, const struct sip_peer *up,
	struct str to_tag, struct str top_via)
{
	const struct sip_hdr *date = sip_msg_hdr_by_name(m, STR("Date"));
	const struct sip_hdr *ct = sip_msg_hdr(m, SIP_HDR_CONTENT_TYPE);
	uint64_t now = loop_wall();
	struct msgstore_msg msg = { 0 };
	struct px_pending *p;
	struct buf b;
	size_t room = 2 * 1024 + CONFIG_SIP_MAX_HEADER_LEN * 2;
	int rc;

	msg.from = m->from.text;
	msg.to = m->to.text;
	msg.date = date ? date->value : STR_NULL;
	msg.content_type = ct ? ct->value : STR_NULL;
	msg.body = m->body;
	msg.expires = now + px_lim.retention_s;
	p = malloc(sizeof(*p) + room);
	if (!p) {
		return false;
	}
	buf_init(&b, p->data, room / 2);
	sip_endpoint_answer(&b, m, 202, "Accepted", to_tag, top_via, NULL);
	p->len = b.len;
	if (!b.err) {
		buf_init(&b, p->data + p->len, room - p->len);
		sip_endpoint_answer(&b, m, 500, "Message Not Stored", to_tag, top_via, NULL);
		p->fail_len = b.len;
	}
	rc = b.err ? b.err : msgstore_put(px_st, m->ruri.user, &msg, now);
	if (rc < 0) {
		log_ratelimited(&px_rl, loop_now(), LOG_LEVEL_INFO,
			"proxy: MESSAGE for %.*s not stored: %s", STR_FMT(m->ruri.user),
			rc == -ENOSPC ? "the user's store is full (MSGSTORE_PER_USER)"
				      : store_strerror(rc));
		free(p);
		return false;
	}
	px_stats.stored++;
	p->tsx = tsx;
	p->up = *up;
	if (tsx) {
		sip_tsx_set_tu(tsx, &pending_tu, p);
	}
	store_when_committed(px_st, &p->w, pending_done);
	return true;
}

/* One stored message on its way to one device, at most one per device at
 * a time, in the order they were stored. */
#define PX_MAX_DELIVERIES 16
struct px_delivery {
	bool used;
	char user[USERS_NAME_MAX + 1];
	char device[LOCATION_URI_MAX + 1]; /* instance, else contact URI */
	uint64_t seq; /* the one in flight */
	struct sip_tsx *tsx;
};
static struct px_delivery px_dl[PX_MAX_DELIVERIES];

static struct str binding_device(const struct location_binding *b)
{
	return b->instance.len ? b->instance : b->uri;
}

static void deliver_next(struct px_delivery *d);

static void delivery_end(struct px_delivery *d)
{
	if (d->tsx) {
		sip_tsx_set_tu(d->tsx, NULL, NULL);
	}
	d->used = false;
}

static void delivery_response(struct sip_tsx *t, void *arg, const struct sip_msg *resp)
{
	struct px_delivery *d = arg;

	(void)t;
	if (resp->status < 200) {
		return;
	}
	sip_tsx_set_tu(d->tsx, NULL, NULL);
	d->tsx = NULL;
	if (resp->status >= 300) {
		/* Kept for the device's next registration. */
		delivery_end(d);
		return;
	}
	msgstore_mark(px_st, str_cstr(d->user), d->seq, str_cstr(d->device), loop_wall());
	px_stats.delivered++;
	deliver_next(d);
}

static void delivery_failure(struct sip_tsx *t, void *arg, int err)
{
	struct px_delivery *d = arg;

	(void)err;
	sip_tsx_set_tu(t, NULL, NULL);
	d->tsx = NULL;
	delivery_end(d);
}

static const struct sip_tsx_tu delivery_tu = {
	.on_response = delivery_response,
	.on_failure = delivery_failure,
};

/* The stored message as it was sent: its From, To, Date, type and body,
 * nothing added to the body (the rule), in a new transaction. */
static void deliver_next(struct px_delivery *d)
{
	struct str user = str_cstr(d->user);
	struct str device = str_cstr(d->device);
	const struct location_binding *b = NULL;
	struct location_aor aor;
	struct msgstore_msg msg;
	struct sip_peer peer;
	char hostport[ADDR_STR_MAX];
	char branch[17], call_id[17];
	struct buf out;
	int err = 0;

	if (location_get(store_loop_txn(px_st), user, loop_wall(), &aor) < 0) {
		delivery_end(d);
		return;
	}
	for (unsigned i = 0; i < aor.n && !b; i++) {
		if (str_eq(binding_device(&aor.b[i]), device)) {
			b = &aor.b[i];
		}
	}
	if (!b || peer_from_binding(b, &peer) < 0 ||
		msgstore_next(store_loop_txn(px_st), user, device, d->seq, loop_wall(), &msg) < 0 ||
		sip_endpoint_hostport(peer.proto, hostport, sizeof(hostport)) < 0) {
		delivery_end(d);
		return;
	}
	rand_hex(branch, 8);
	rand_hex(call_id, 8);
	buf_init(&out, px_out, sizeof(px_out));
	buf_printf(&out, "MESSAGE %.*s SIP/2.0\r\n", STR_FMT(b->uri));
	buf_printf(&out, "Via: SIP/2.0/%s %s;branch=z9hG4bK%s;rport\r\n",
		sip_proto_name(peer.proto), hostport, branch);
	buf_put_cstr(&out, "Max-Forwards: 70\r\n");
	if (b->path.len) {
		buf_printf(&out, "Route: %.*s\r\n", STR_FMT(b->path));
	}
	buf_printf(&out, "From: %.*s\r\nTo: %.*s\r\n", STR_FMT(msg.from), STR_FMT(msg.to));
	buf_printf(&out, "Call-ID: %s@%s\r\nCSeq: 1 MESSAGE\r\n", call_id, sip_endpoint_domain());
	buf_printf(&out, "Date: %.*s\r\n", STR_FMT(msg.date));
	if (msg.content_type.len) {
		buf_printf(&out, "Content-Type: %.*s\r\n", STR_FMT(msg.content_type));
	}
	buf_printf(&out, "Content-Length: %zu\r\n\r\n", msg.body.len);
	buf_put_str(&out, msg.body);
	d->seq = msg.seq;
	if (out.err) {
		delivery_end(d);
		return;
	}
	d->tsx = sip_tsx_client_send(&peer, out.p, out.len, &delivery_tu, d, &err);
	if (!d->tsx) {
		delivery_end(d);
	}
}

void proxy_deliver_stored(struct str user)
{
	struct location_aor aor;
	char devs[CONFIG_REG_MAX_BINDINGS][LOCATION_URI_MAX + 1];
	unsigned n = 0, stored = 0;

	/* Every REGISTER that changed a binding comes here: a user with
	 * nothing stored (the usual case) costs one look at the store. */
	if (!px_ctx || msgstore_count(store_loop_txn(px_st), user, loop_wall(), &stored) < 0 ||
		stored == 0 || location_get(store_loop_txn(px_st), user, loop_wall(), &aor) < 0) {
		return;
	}
	/* Copied: deliver_next reads the store again. */
	for (unsigned i = 0; i < aor.n; i++) {
		str_copy_cstr(binding_device(&aor.b[i]), devs[n++], sizeof(devs[0]));
	}
	for (unsigned i = 0; i < n; i++) {
		struct px_delivery *d = NULL;
		for (size_t k = 0; k < PX_MAX_DELIVERIES; k++) {
			if (px_dl[k].used && str_eq(str_cstr(px_dl[k].user), user) &&
				strcmp(px_dl[k].device, devs[i]) == 0) {
				d = &px_dl[k]; /* already on its way */
				break;
			}
		}
		for (size_t k = 0; !d && k < PX_MAX_DELIVERIES; k++) {
			if (!px_dl[k].used) {
				d = &px_dl[k];
				memset(d, 0, sizeof(*d));
				d->used = true;
				str_copy_cstr(user, d->user, sizeof(d->user));
				memcpy(d->device, devs[i], sizeof(d->device));
				deliver_next(d);
			}
		}
	}
}

/* The blob: the request, the fixed top Via, then each target's strings. */
static int ctx_setup(struct proxy_ctx *c, struct sip_req *r, const struct str *uris,
	const struct str *paths, unsigned n)
{
	size_t len = r->m->raw.len + r->top_via.len;
	char *p;

	for (unsigned i = 0; i < n; i++) {
		len += uris[i].len + paths[i].len;
	}
	c->blob = malloc(len ? len : 1);
	if (!c->blob) {
		return -ENOMEM;
	}
	p = c->blob;
	memcpy(p, r->m->raw.p, r->m->raw.len);
	c->req_len = r->m->raw.len;
	p += r->m->raw.len;
	memcpy(p, r->top_via.p, r->top_via.len);
	c->top_via = str_make(p, r->top_via.len);
	p += r->top_via.len;
	for (unsigned i = 0; i < n; i++) {
		/* A path may be empty with a NULL pointer: no memcpy then. */
		if (uris[i].len) {
			memcpy(p, uris[i].p, uris[i].len);
		}
		c->br[i].uri = str_make(p, uris[i].len);
		p += uris[i].len;
		if (paths[i].len) {
			memcpy(p, paths[i].p, paths[i].len);
		}
		c->br[i].path = str_make(p, paths[i].len);
		p += paths[i].len;
		c->br[i].ctx = c;
	}
	c->n = (uint8_t)n;
	return 0;
}

/* Forks r to n targets in the groups given (group_of, ring times). */
static void run(struct sip_req *r, const struct str *uris, const struct str *paths,
	const struct sip_peer *peers, const uint8_t *group_of, const uint32_t *ring,
	unsigned n_groups, unsigned n, bool no_cancel)
{
	const struct sip_msg *m = r->m;
	struct proxy_ctx *c = ctx_alloc();
	struct fork_out out;
	bool invite = m->method == SIP_INVITE;

	if (!c) {
		log_ratelimited(&px_rl, loop_now(), LOG_LEVEL_WARN,
			"proxy: all %d contexts busy (CONFIG_PROXY_MAX_CTX)", CONFIG_PROXY_MAX_CTX);
		sip_endpoint_respond(r, 503, "Service Unavailable", "Retry-After: 5\r\n");
		return;
	}
	if (ctx_setup(c, r, uris, paths, n) < 0 ||
		fork_init(&c->fork, invite, n, group_of, ring, n_groups) < 0) {
		ctx_free(c);
		sip_endpoint_respond(r, 500, "Server Internal Error", NULL);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		c->br[i].peer = peers[i];
	}
	if (no_cancel) {
		fork_set_no_cancel(&c->fork);
	}
	rand_hex(c->to_tag, 8);
	c->up = r->reply;
	c->server = r->tsx;
	c->record_route = invite || m->method == SIP_SUBSCRIBE || m->method == SIP_REFER;
	c->message = m->method == SIP_MESSAGE;
	sip_tsx_set_tu(r->tsx, &server_tu, c);
	px_stats.requests++;
	/* 16.2 / 17.2.1: an INVITE hears from us at once. */
	if (invite) {
		sip_endpoint_respond(r, 100, "Trying", NULL);
	}
	fork_start(&c->fork, loop_now(), &out);
	apply(c, &out, NULL);
	settle(c);
}

/* The targets of one request, in ringing order, with their groups. */
struct targets {
	unsigned n;
	unsigned n_groups;
	struct str uri[FORK_MAX_BRANCHES];
	struct str path[FORK_MAX_BRANCHES];
	struct sip_peer peer[FORK_MAX_BRANCHES];
	uint8_t group_of[FORK_MAX_BRANCHES];
	uint32_t ring_ms[FORK_MAX_BRANCHES];
};

/* Appends binding b to group g (numbered from 0 in ringing order). */
static void target_add(
	struct targets *t, const struct location_binding *b, unsigned g, uint32_t ring_ms)
{
	if (t->n == FORK_MAX_BRANCHES || peer_from_binding(b, &t->peer[t->n]) < 0) {
		return;
	}
	t->uri[t->n] = b->uri;
	t->path[t->n] = b->path;
	t->group_of[t->n] = (uint8_t)g;
	t->ring_ms[g] = ring_ms;
	if (g + 1 > t->n_groups) {
		t->n_groups = g + 1;
	}
	t->n++;
}

/* A per-user ring plan decides the order (sip/ringplan): its groups in
 * turn, empty ones skipped, then another user's devices. */
static void plan_targets(struct targets *t, const struct ringplan *plan,
	const struct location_aor *aor, const int *qa)
{
	uint8_t group_of[CONFIG_REG_MAX_BINDINGS];
	unsigned g_out = 0;

	ringplan_assign(plan, aor->b, aor->n, group_of);
	for (unsigned g = 0; g < plan->n_groups; g++) {
		unsigned before = t->n;
		for (unsigned i = 0; i < aor->n; i++) {
			if (group_of[i] == g && qa[i] >= 0) {
				target_add(t, &aor->b[i], g_out, plan->g[g].ring_s * 1000);
			}
		}
		if (t->n > before) {
			g_out++;
		}
	}
	if (plan->next_user.len) {
		struct location_aor next;
		if (location_get(store_loop_txn(px_st), plan->next_user, loop_wall(), &next) == 0) {
			for (unsigned i = 0; i < next.n; i++) {
				target_add(t, &next.b[i], g_out, plan->next_ring_s * 1000);
			}
		}
	}
}

/* Without a plan: highest q first, equal q in parallel (16.6 step 1),
 * and within a q the caller's preferred devices first (RFC 3841 7.2.4). */
static void q_targets(struct targets *t, const struct location_aor *aor, const int *qa)
{
	uint16_t q[CONFIG_REG_MAX_BINDINGS];
	unsigned order[CONFIG_REG_MAX_BINDINGS];
	unsigned n, g = 0;

	for (unsigned i = 0; i < aor->n; i++) {
		q[i] = aor->b[i].q;
	}
	n = callerprefs_order(q, qa, aor->n, order);
	for (unsigned k = 0; k < n; k++) {
		unsigned qk = q[order[k]] == LOCATION_Q_NONE ? 1000 : q[order[k]];
		unsigned qp =
			k ? (q[order[k - 1]] == LOCATION_Q_NONE ? 1000 : q[order[k - 1]]) : qk;
		if (qk != qp && t->n) {
			g = t->n_groups;
		}
		target_add(t, &aor->b[order[k]], g, px_lim.ring_ms);
	}
}

/* RFC 3841 9.1 Request-Disposition: "redirect" answers 302 with the
 * targets (true: answered), "no-fork" keeps the first target,
 * "sequential" rings them one at a time. "recurse" is what we do with a
 * 3xx anyway (we forward it), "queue" is not offered. */
static bool callerprefs_disp_apply(
	struct sip_req *r, const struct callerprefs *cp, struct targets *t)
{
	const uint8_t *d = cp->disposition;

	if (d[CALLERPREFS_DISP_PROXY] == CALLERPREFS_NO) {
		static char extra[FORK_MAX_BRANCHES * (LOCATION_URI_MAX + 24)];
		struct buf b;
		buf_init(&b, extra, sizeof(extra));
		for (unsigned i = 0; i < t->n; i++) {
			/* 16.6 order: the first the most preferred. */
			unsigned q = 1000 - (1000 * i) / t->n;
			buf_printf(&b, "Contact: <%.*s>;q=%u.%03u\r\n", STR_FMT(t->uri[i]),
				q / 1000, q % 1000);
		}
		sip_endpoint_respond(r, 302, "Moved Temporarily", buf_cstr(&b));
		return true;
	}
	if (d[CALLERPREFS_DISP_FORK] == CALLERPREFS_NO) {
		t->n = 1;
		t->n_groups = 1;
	}
	if (d[CALLERPREFS_DISP_PARALLEL] == CALLERPREFS_NO) {
		for (unsigned i = 0; i < t->n; i++) {
			uint32_t ring = t->ring_ms[t->group_of[i]];
			t->group_of[i] = (uint8_t)i;
			t->ring_ms[i] = ring;
		}
		t->n_groups = t->n;
	}
	return false;
}

/* A user's devices (16.5): those the caller's preferences keep (RFC 3841
 * 7.2), in the user's ring plan's order or by q. A GRUU (RFC 5627 ;gr=)
 * names one device. */
static void to_user(struct sip_req *r)
{
	const struct sip_msg *m = r->m;
	struct str user = m->ruri.user;
	struct location_aor aor;
	struct users_user u;
	struct callerprefs cp;
	struct ringplan plan;
	struct targets t;
	int qa[CONFIG_REG_MAX_BINDINGS];
	struct str gr;
	bool want_gr = sip_param_get(m->ruri.params, STR("gr"), &gr);
	bool prefs;
	unsigned kept = 0;

	if (callerprefs_parse(m, &cp) < 0) {
		sip_endpoint_respond(r, 400, cp.why, NULL);
		return;
	}
	if (users_get(store_loop_txn(px_st), user, &u) < 0) {
		px_stats.not_found++;
		sip_endpoint_respond(r, 404, "Not Found", NULL);
		return;
	}
	if (location_get(store_loop_txn(px_st), user, loop_wall(), &aor) < 0) {
		sip_endpoint_respond(r, 500, "Bindings Unreadable", NULL);
		return;
	}
	prefs = callerprefs_any(&cp);
	for (unsigned i = 0; i < aor.n; i++) {
		const struct location_binding *b = &aor.b[i];
		qa[i] = prefs ? callerprefs_score(&cp, b->params) : 1000;
		if (want_gr &&
			!(b->instance.len == gr.len + 2 &&
				memcmp(b->instance.p + 1, gr.p, gr.len) == 0)) {
			qa[i] = -1;
		}
		kept += qa[i] >= 0;
	}
	/* 7.2.4: preferences the caller did not state never leave a user
	 * unreachable; explicit ones may. */
	if (kept == 0 && cp.implicit && !want_gr) {
		for (unsigned i = 0; i < aor.n; i++) {
			qa[i] = 1000;
		}
	}
	memset(&t, 0, sizeof(t));
	if (ringplan_get(store_loop_txn(px_st), user, &plan) == 0) {
		plan_targets(&t, &plan, &aor, qa);
	} else {
		q_targets(&t, &aor, qa);
	}
	if (t.n && callerprefs_disp_apply(r, &cp, &t)) {
		return;
	}
	if (t.n == 0) {
		char tag[17];
		px_stats.offline++;
		rand_hex(tag, 8);
		/* Kept only for a user with no device at all: one the caller's
		 * preferences ruled out would get it later all the same. */
		if (m->method == SIP_MESSAGE && aor.n == 0 &&
			offline_store(m, r->tsx, &r->reply, str_cstr(tag), r->top_via)) {
			return;
		}
		sip_endpoint_respond(r, 480, "Temporarily Unavailable", NULL);
		return;
	}
	run(r, t.uri, t.path, t.peer, t.group_of, t.ring_ms, t.n_groups, t.n,
		cp.disposition[CALLERPREFS_DISP_CANCEL] == CALLERPREFS_NO);
}

static void on_request(struct sip_req *r)
{
	const struct sip_msg *m = r->m;
	struct route_plan rp;
	struct sip_uri target;
	struct sip_peer peer;
	uint8_t group0 = 0;
	uint32_t ring0 = 0;
	bool may_leave;
	int rc;

	if (plan_routes(m, &rp) < 0 || sip_parse_uri(rp.ruri, &target) < 0) {
		sip_endpoint_respond(r, 400, "Bad Route", NULL);
		return;
	}
	/* Leaving the domain (a Route beyond us, or a dialog's far end) is
	 * for our authenticated users and our own dialogs: no open relay. */
	may_leave = rp.in_dialog || r->authenticated;
	if ((rp.routed || (m->to.tag.len && !sip_endpoint_uri_is_us(&target))) && !may_leave) {
		px_stats.denied++;
		sip_endpoint_respond(r, 403, "Relaying Denied", NULL);
		return;
	}
	if (rp.routed || (m->to.tag.len && !sip_endpoint_uri_is_us(&target))) {
		/* To the next Route, or inside a dialog to the far end. */
		rc = peer_from_uri(rp.routed ? &rp.hop : &target, &peer);
		if (rc == -ENOTCONN) {
			sip_endpoint_respond(r, 480, "No Connection To The Next Hop", NULL);
			return;
		}
		if (rc < 0) {
			sip_endpoint_respond(r, 400, "Unusable Next Hop", NULL);
			return;
		}
		run(r, &rp.ruri, &rp.routes, &peer, &group0, &ring0, 1, 1, false);
		return;
	}
	if (m->ruri.user.len && sip_endpoint_uri_is_us(&m->ruri)) {
		to_user(r);
		return;
	}
	/* 16.5: for another domain, our own users may go through the
	 * configured outbound proxy (no DNS here). */
	if (px_lim.have_outbound && r->authenticated && !sip_endpoint_uri_is_us(&target)) {
		memset(&peer, 0, sizeof(peer));
		peer.proto = SIP_PROTO_UDP;
		peer.addr = px_lim.outbound;
		run(r, &rp.ruri, &rp.routes, &peer, &group0, &ring0, 1, 1, false);
		return;
	}
	px_stats.denied++;
	sip_endpoint_respond(r, 403, "Relaying Denied", NULL);
}

/* 16.10: the CANCEL is answered here, and cancels every branch. */
static void on_cancel(struct sip_req *r)
{
	struct sip_tsx *inv = sip_tsx_server_find_invite(r->m);
	struct fork_out out;

	if (!inv) {
		sip_endpoint_respond(r, 481, "Call/Transaction Does Not Exist", NULL);
		return;
	}
	sip_endpoint_respond(r, 200, "OK", NULL);
	for (size_t i = 0; i < CONFIG_PROXY_MAX_CTX; i++) {
		struct proxy_ctx *c = &px_ctx[i];
		if (c->used && c->server == inv) {
			fork_cancel(&c->fork, loop_now(), &out);
			apply(c, &out, NULL);
			settle(c);
			return;
		}
	}
}

/* An ACK for a 2xx goes end to end, statelessly (16.11 would forward it
 * like any request; it has no transaction and gets no answer). */
static void on_ack(struct sip_req *r)
{
	const struct sip_msg *m = r->m;
	struct route_plan rp;
	struct sip_uri target;
	struct sip_peer peer;
	struct proxy_ctx c = { 0 };
	struct buf b;

	/* An ACK cannot be challenged: it goes on only inside our dialogs. */
	if (plan_routes(m, &rp) < 0 || !rp.in_dialog || sip_parse_uri(rp.ruri, &target) < 0) {
		return;
	}
	if (!rp.routed && sip_endpoint_uri_is_us(&target)) {
		return; /* an ACK for us ends here */
	}
	if (peer_from_uri(rp.routed ? &rp.hop : &target, &peer) < 0) {
		return;
	}
	c.top_via = r->top_via;
	c.br[0].uri = rp.ruri;
	c.br[0].path = rp.routes;
	c.br[0].peer = peer;
	c.n = 1;
	buf_init(&b, px_out, sizeof(px_out));
	if (build_request(&c, m, 0, &b) == 0) {
		px_stats.stateless++;
		sip_tport_send(&peer, b.p, b.len);
	}
}

/* 16.7: a response with no transaction (a retransmitted 2xx after the
 * INVITE transaction ended) goes up by its Via, statelessly, when the top
 * Via is ours. */
static void on_stray_response(const struct sip_msg *m, const struct sip_peer *src)
{
	char hostport[ADDR_STR_MAX];
	char self[ADDR_STR_MAX];
	struct sip_via next;
	struct str rest;
	struct sip_peer to;
	const char *why;
	const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_VIA);
	struct str after;
	struct buf b;

	(void)src;
	if (!h || m->n_via < 2 || sip_endpoint_hostport(SIP_PROTO_UDP, self, sizeof(self)) < 0) {
		return;
	}
	snprintf(hostport, sizeof(hostport), "%.*s:%u", STR_FMT(m->via.host),
		m->via.port ? m->via.port : 5060);
	if (strcmp(hostport, self) != 0) {
		return;
	}
	after = value_rest(h->value, m->via.text);
	if (!after.len) {
		const struct sip_hdr *h2 = sip_msg_hdr_next(m, h);
		after = h2 ? h2->value : STR_NULL;
	}
	if (!after.len || sip_parse_via(after, &next, &rest) < 0 ||
		!str_ieq(next.transport, STR("UDP"))) {
		return;
	}
	/* 18.2.2: received and rport of the next Via say where it came from. */
	snprintf(hostport, sizeof(hostport), "%.*s:%u",
		STR_FMT(next.received.len ? next.received : next.host),
		next.rport_value ? next.rport_value : (next.port ? next.port : 5060));
	memset(&to, 0, sizeof(to));
	to.proto = SIP_PROTO_UDP;
	if (addr_parse(hostport, &to.addr, &why) < 0) {
		return;
	}
	buf_init(&b, px_out, sizeof(px_out));
	if (build_response(m, STR_NULL, &b) == 0) {
		px_stats.stateless++;
		sip_tport_send(&to, b.p, b.len);
	}
}

static const struct sip_endpoint_router px_router = {
	.trusted = in_our_dialog,
	.request = on_request,
	.ack = on_ack,
	.cancel = on_cancel,
	.response = on_stray_response,
};

int proxy_init(struct store *st, const struct proxy_limits *l)
{
	px_ctx = calloc(CONFIG_PROXY_MAX_CTX, sizeof(*px_ctx));
	if (!px_ctx) {
		return -ENOMEM;
	}
	px_st = st;
	px_lim = *l;
	rand_bytes(px_rr_secret, sizeof(px_rr_secret));
	px_pool.used = px_pool.high = 0;
	sip_endpoint_set_router(&px_router);
	return 0;
}

void proxy_set_limits(const struct proxy_limits *l)
{
	px_lim = *l;
}

void proxy_tick(uint64_t now_s)
{
	msgstore_sweep(px_st, now_s, 32);
}

void proxy_fini(void)
{
	sip_endpoint_set_router(NULL);
	for (size_t i = 0; i < PX_MAX_DELIVERIES; i++) {
		if (px_dl[i].used) {
			delivery_end(&px_dl[i]);
		}
	}
	for (size_t i = 0; px_ctx && i < CONFIG_PROXY_MAX_CTX; i++) {
		if (px_ctx[i].used) {
			ctx_free(&px_ctx[i]);
		}
	}
	free(px_ctx);
	px_ctx = NULL;
}

void proxy_stats(struct proxy_stats *out, struct pool_stats *ctx)
{
	*out = px_stats;
	*ctx = px_pool;
}
