#include "sip/endpoint.h"

#include <arpa/inet.h>
#include <bearssl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "autoconf.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/rand.h"
#include "sip/auth.h"
#include "sip/msg.h"
#include "sip/tport.h"
#include "sip/tsx.h"

/* Room for the header index of the largest message, and then some. */
#define SIP_ARENA_SIZE (CONFIG_SIP_MAX_HEADERS * 64 + 4096)
/* What the server serves today; grows with the registrar, proxy and
 * presence agent. */
#define SIP_ALLOW "REGISTER, OPTIONS, ACK, CANCEL"
/* Option tags a client may require of the server (8.2.2.3): Path
 * (RFC 3327) and GRUU (RFC 5627), both served by the registrar. */
#define SIP_SUPPORTED "path, gruu"
#define SERVER_LINE "Server: sipbox/" SIPBOX_VERSION "\r\n"

static char arena_mem[SIP_ARENA_SIZE];
static struct arena ep_arena;
static char out_mem[CONFIG_SIP_MAX_MSG_SIZE];
static char ep_domain[254];
static struct addr ep_local;
static struct addr ep_local_tls;
static const struct sip_endpoint_router *ep_router;
/* The host part of ep_local as a Request-URI would name it ("1.2.3.4",
 * "[::1]"), made once per listener rather than per request. */
static char ep_local_host[ADDR_STR_MAX];
static struct sip_endpoint_stats ep_st;
static struct log_rl rl_bad;

/* RFC 3261 18.2.1 and RFC 3581: the top Via of the responses carries the
 * source address in "received", and the source port in "rport" when the
 * client asked for it. */
static void fix_via(struct sip_req *r, const struct sip_peer *src)
{
	const struct sip_via *v = &r->m->via;
	char ip[INET6_ADDRSTRLEN];
	struct buf b;
	struct str rest = v->params;
	struct str head = str_make(v->text.p, (size_t)(v->params.p - v->text.p));

	if (src->addr.u.sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &src->addr.u.in6.sin6_addr, ip, sizeof(ip));
	} else {
		inet_ntop(AF_INET, &src->addr.u.in4.sin_addr, ip, sizeof(ip));
	}
	buf_init(&b, r->via, sizeof(r->via));
	buf_put_str(&b, head);
	/* Copy the parameters, giving rport its value and dropping a stale
	 * received (ours replaces it). */
	while (rest.len) {
		ptrdiff_t next = str_find(str_make(rest.p + 1, rest.len - 1), ';');
		struct str param = str_make(rest.p, next < 0 ? rest.len : (size_t)next + 1);
		struct str name = str_trim(str_make(param.p + 1, param.len - 1));
		ptrdiff_t eq = str_find(name, '=');
		if (eq >= 0) {
			name = str_trim(str_make(name.p, (size_t)eq));
		}
		if (str_ieq(name, STR("rport"))) {
			buf_printf(&b, ";rport=%u", addr_port(&src->addr));
		} else if (!str_ieq(name, STR("received"))) {
			buf_put_str(&b, param);
		}
		rest.p += param.len;
		rest.len -= param.len;
	}
	if (!v->rport && str_eq(v->host, str_cstr(ip))) {
		r->top_via = v->text; /* nothing to add: keep it byte-exact */
		return;
	}
	buf_printf(&b, ";received=%s", ip);
	r->top_via = b.err ? v->text : buf_str(&b);
}

/* 18.2.2: over UDP, to the source address, and to the source port only
 * with rport (RFC 3581); otherwise to the sent-by port. */
static void response_peer(const struct sip_msg *m, const struct sip_peer *src, struct sip_peer *out)
{
	*out = *src;
	if (src->proto == SIP_PROTO_UDP && !m->via.rport) {
		uint16_t port = htons(m->via.port ? m->via.port : 5060);
		if (out->addr.u.sa.sa_family == AF_INET6) {
			out->addr.u.in6.sin6_port = port;
		} else {
			out->addr.u.in4.sin_port = port;
		}
	}
}

/* 8.2.7: a stateless UAS gives a retransmitted request the same To tag,
 * so the tag is a digest of what identifies the request (Call-ID, From
 * tag, top Via branch), keyed with a per-process secret so that it says
 * nothing guessable. */
static void stateless_tag(struct sip_req *r)
{
	static const char hex[] = "0123456789abcdef";
	static unsigned char secret[16];
	static bool have_secret;
	br_sha256_context c;
	unsigned char d[32];

	if (!have_secret) {
		rand_bytes(secret, sizeof(secret));
		have_secret = true;
	}
	br_sha256_init(&c);
	br_sha256_update(&c, secret, sizeof(secret));
	br_sha256_update(&c, r->m->call_id.p, r->m->call_id.len);
	br_sha256_update(&c, "|", 1);
	br_sha256_update(&c, r->m->from.tag.p, r->m->from.tag.len);
	br_sha256_update(&c, "|", 1);
	br_sha256_update(&c, r->m->via.branch.p, r->m->via.branch.len);
	br_sha256_out(&c, d);
	for (int i = 0; i < 8; i++) {
		r->to_tag[2 * i] = hex[d[i] >> 4];
		r->to_tag[2 * i + 1] = hex[d[i] & 15];
	}
	r->to_tag[16] = '\0';
}

void sip_endpoint_build(struct sip_req *r, struct buf *b, unsigned status, const char *reason)
{
	struct str to_tag = STR_NULL;

	if (status >= 200 && !r->m->to.tag.len) {
		if (!r->to_tag[0]) {
			stateless_tag(r);
		}
		to_tag = str_cstr(r->to_tag);
	}
	sip_msg_build_response(b, r->m, status, reason, to_tag, r->top_via);
	buf_put_cstr(b, SERVER_LINE);
}

void sip_endpoint_answer(struct buf *b, const struct sip_msg *m, unsigned status,
	const char *reason, struct str to_tag, struct str top_via, const char *extra)
{
	sip_msg_build_response(b, m, status, reason, to_tag, top_via);
	buf_put_cstr(b, SERVER_LINE);
	if (extra) {
		buf_put_cstr(b, extra);
	}
	sip_msg_build_end(b, STR_NULL, STR_NULL);
}

void sip_endpoint_send(struct sip_req *r, unsigned status, struct str data)
{
	ep_st.responses_sent++;
	if (r->tsx) {
		sip_tsx_server_reply(r->tsx, status, data.p, data.len);
	} else {
		sip_tport_send(&r->reply, data.p, data.len);
	}
}

void sip_endpoint_send_to(const struct sip_peer *to, struct str data)
{
	ep_st.responses_sent++;
	sip_tport_send(to, data.p, data.len);
}

void sip_endpoint_respond(struct sip_req *r, unsigned status, const char *reason, const char *extra)
{
	struct buf b;

	buf_init(&b, out_mem, sizeof(out_mem));
	sip_endpoint_build(r, &b, status, reason);
	if (extra) {
		buf_put_cstr(&b, extra);
	}
	sip_msg_build_end(&b, STR_NULL, STR_NULL);
	if (b.err) {
		log_error("sip: response %u does not fit in %d bytes", status,
			CONFIG_SIP_MAX_MSG_SIZE);
		return;
	}
	sip_endpoint_send(r, status, buf_str(&b));
}

bool sip_endpoint_is_local(struct str host)
{
	return str_ieq(host, str_cstr(ep_domain)) || str_ieq(host, str_cstr(ep_local_host));
}

static void set_local(const struct addr *a)
{
	ep_local = *a;
	addr_format(a, ep_local_host, sizeof(ep_local_host));
	*strrchr(ep_local_host, ':') = '\0'; /* "1.2.3.4:5060" or "[::1]:5060" */
}

/* Option tags sipbox does not support get 420 listing them: Require for
 * a request the server itself serves (8.2.2.3), Proxy-Require for one it
 * would forward (16.3 step 6; Require is then the far end's business). */
static bool check_require(struct sip_req *r, bool to_server)
{
	enum sip_hdr_id id = to_server ? SIP_HDR_REQUIRE : SIP_HDR_PROXY_REQUIRE;
	char unsupported[512];
	struct buf b;

	buf_init(&b, unsupported, sizeof(unsupported));
	for (const struct sip_hdr *h = sip_msg_hdr(r->m, id); h; h = sip_msg_hdr_next(r->m, h)) {
		struct str rest = h->value;
		struct str tag;
		while (sip_parse_token_list(&rest, &tag)) {
			if (to_server && (str_ieq(tag, STR("path")) || str_ieq(tag, STR("gruu")))) {
				continue;
			}
			buf_put_cstr(&b, b.len ? ", " : "Unsupported: ");
			buf_put_str(&b, tag);
		}
	}
	if (b.len == 0) {
		return true;
	}
	buf_put_cstr(&b, "\r\n");
	sip_endpoint_respond(r, 420, "Bad Extension", buf_cstr(&b) ? b.p : NULL);
	return false;
}

static void on_options(struct sip_req *r)
{
	const struct sip_uri *u = &r->m->ruri;

	if (!sip_endpoint_is_local(u->host)) {
		sip_endpoint_respond(r, 403, "Relaying Denied", NULL);
		return;
	}
	if (u->user.len) {
		sip_endpoint_respond(r, 404, "Not Found", NULL);
		return;
	}
	/* 11.2: the capabilities of the server itself. */
	sip_endpoint_respond(r, 200, "OK",
		"Allow: " SIP_ALLOW "\r\n"
		"Accept: application/sdp, application/pidf+xml, message/cpim, text/plain\r\n"
		"Supported: " SIP_SUPPORTED "\r\n");
}

/* Answered here, statelessly (see on_request). */
static const sip_endpoint_handler builtin[SIP_METHOD_COUNT] = {
	[SIP_OPTIONS] = on_options,
};
/* Transaction users (registrar, proxy, presence agent). */
static sip_endpoint_handler handlers[SIP_METHOD_COUNT];

void sip_endpoint_set_handler(enum sip_method method, sip_endpoint_handler fn)
{
	handlers[method] = fn;
}

void sip_endpoint_set_router(const struct sip_endpoint_router *router)
{
	ep_router = router;
}

int sip_endpoint_hostport(enum sip_proto proto, char *out, size_t cap)
{
	const struct addr *a = proto == SIP_PROTO_TLS ? &ep_local_tls : &ep_local;

	if (!a->len) {
		return -ENOENT;
	}
	addr_format(a, out, cap);
	return 0;
}

bool sip_endpoint_uri_is_us(const struct sip_uri *u)
{
	unsigned port = u->port ? u->port : (u->scheme == SIP_URI_SIPS ? 5061 : 5060);

	if (str_ieq(u->host, str_cstr(ep_domain))) {
		return true;
	}
	return str_ieq(u->host, str_cstr(ep_local_host)) &&
		(port == addr_port(&ep_local) ||
			(ep_local_tls.len && port == addr_port(&ep_local_tls)));
}

static void on_cancel(struct sip_req *r)
{
	/* 9.2: no INVITE stays pending here yet, so a CANCEL that matches
	 * one finds it answered: 200 for the CANCEL, nothing else to do. */
	if (sip_tsx_server_find_invite(r->m)) {
		sip_endpoint_respond(r, 200, "OK", NULL);
	} else {
		sip_endpoint_respond(r, 481, "Call/Transaction Does Not Exist", NULL);
	}
}

/* RFC 3261 22.1: a request that claims to come from one of our users must
 * prove it, whatever it asks for (407; the registrar challenges REGISTER
 * itself with 401). ACK and CANCEL cannot be challenged (22.1, 9.2), and
 * an OPTIONS to the server itself is a keepalive that reveals nothing. */
static bool needs_auth(const struct sip_msg *m, bool to_server)
{
	if (m->method == SIP_REGISTER || (m->method == SIP_OPTIONS && to_server) ||
		!m->from.uri.scheme || !m->from.uri.user.len ||
		!sip_endpoint_is_local(m->from.uri.host)) {
		return false;
	}
	/* Inside a dialog the proxy set up, authenticated then (asked last:
	 * it reads the Route set). */
	return !(ep_router && ep_router->trusted && ep_router->trusted(m));
}

/* For the server itself: its domain or address, no user part, and not our
 * own Record-Route (;d=) that a strict router put there (RFC 3261 16.4:
 * the proxy's). */
static bool is_to_server(const struct sip_msg *m)
{
	struct str d;

	return sip_endpoint_is_local(m->ruri.host) && !m->ruri.user.len &&
		!(ep_router && sip_param_get(m->ruri.params, STR("d"), &d));
}

/* Runs a transaction user's handler inside a new server transaction. */
static void run_handler(struct sip_req *r, sip_endpoint_handler fn, const struct sip_peer *src)
{
	int err = 0;

	if (sip_tsx_server_is_merged(r->m)) {
		sip_endpoint_respond(r, 482, "Loop Detected", NULL);
		return;
	}
	r->tsx = sip_tsx_server_create(r->m, src, &err);
	if (!r->tsx) {
		/* 17.2: no transaction, no promise to answer retransmissions:
		 * the client tries again later. */
		if (err == -ENOSPC) {
			sip_endpoint_respond(r, 503, "Service Unavailable", "Retry-After: 5\r\n");
		} else {
			sip_endpoint_respond(r, 400, "Bad Via Branch", NULL);
		}
		return;
	}
	fn(r);
}

/* Requests answered here at once, with no state to keep, are answered
 * statelessly (8.2.7): the same request gets the same answer again, so a
 * retransmission needs no transaction, and a flood of OPTIONS pings holds
 * no memory for 64*T1. Requests for a transaction user get a server
 * transaction. */
static void on_request(const struct sip_msg *m, const struct sip_peer *src)
{
	struct sip_req r = { .m = m, .src = *src };
	sip_endpoint_handler fn;
	bool to_server;
	bool routed = false;

	ep_st.requests++;
	response_peer(m, src, &r.reply);
	fix_via(&r, src);
	if (sip_tsx_server_absorb(m, src)) {
		return;
	}
	if (m->method == SIP_ACK) {
		/* An ACK for a 2xx goes end to end; for a stateless answer of
		 * ours it ends here (8.2.7). */
		if (ep_router && ep_router->ack && !is_to_server(m)) {
			ep_router->ack(&r);
		}
		return;
	}
	if (m->method == SIP_CANCEL) {
		if (ep_router && ep_router->cancel) {
			ep_router->cancel(&r);
		} else {
			on_cancel(&r);
		}
		return;
	}
	fn = handlers[m->method] ? handlers[m->method] : builtin[m->method];
	to_server = is_to_server(m);
	if (!handlers[m->method] && !to_server && ep_router && ep_router->request) {
		fn = ep_router->request;
		routed = true;
	}
	if (!check_require(&r, to_server)) {
		return;
	}
	if (m->max_forwards == 0 && !(fn && to_server)) {
		sip_endpoint_respond(&r, 483, "Too Many Hops", NULL);
		return;
	}
	if (m->method == SIP_METHOD_OTHER && !fn) {
		sip_endpoint_respond(&r, 501, "Not Implemented", "Allow: " SIP_ALLOW "\r\n");
		return;
	}
	if (needs_auth(m, to_server)) {
		if (auth_check(&r, m->from.uri.user, true) != AUTH_OK) {
			return;
		}
		r.authenticated = true;
	}
	if (routed) {
		run_handler(&r, fn, src);
	} else if (fn) {
		fn(&r);
	} else if (!sip_endpoint_is_local(m->ruri.host)) {
		sip_endpoint_respond(&r, 403, "Relaying Denied", NULL);
	} else {
		sip_endpoint_respond(&r, 405, "Method Not Allowed", "Allow: " SIP_ALLOW "\r\n");
	}
}

static void on_rx(const char *buf, size_t len, bool too_large, const struct sip_peer *src)
{
	struct sip_msg m;
	struct sip_parse_err e = { 0 };
	int rc;

	if (auth_blocked(src)) {
		ep_st.dropped++;
		return;
	}
	arena_reset(&ep_arena);
	rc = sip_msg_parse(&m, buf, len, &ep_arena, &e);
	if (too_large && (rc == 0 || e.answerable) && m.request) {
		e = (struct sip_parse_err){ 513, "Message Too Large", true };
		rc = -EBADMSG;
	}
	if (rc < 0) {
		char where[ADDR_STR_MAX];
		log_ratelimited(&rl_bad, loop_now(), LOG_LEVEL_INFO, "sip: %s from %s: %u %s",
			e.answerable ? "refused" : "dropped",
			addr_format(&src->addr, where, sizeof(where)), e.status,
			e.reason ? e.reason : "");
		if (e.answerable) {
			struct sip_req r = { .m = &m, .src = *src };
			ep_st.malformed++;
			response_peer(&m, src, &r.reply);
			fix_via(&r, src);
			sip_endpoint_respond(&r, e.status, e.reason, NULL);
		} else {
			ep_st.dropped++;
		}
		return;
	}
	if (!m.request) {
		if (!sip_tsx_client_receive(&m, src)) {
			if (ep_router && ep_router->response) {
				ep_router->response(&m, src);
			} else {
				ep_st.dropped++;
			}
		}
		return;
	}
	on_request(&m, src);
}

int sip_endpoint_start(void)
{
	int rc;

	arena_init(&ep_arena, arena_mem, sizeof(arena_mem));
	rc = sip_tsx_init(CONFIG_SIP_MAX_TSX, sip_tport_send);
	if (rc == 0) {
		rc = sip_tport_init(on_rx);
	}
	return rc;
}

int sip_endpoint_listen(const struct addr *a, char *where, size_t cap)
{
	int rc = 0;

	/* UDP and TCP on the same port; with port 0 the kernel picks the UDP
	 * one and TCP follows it (a few tries in case TCP's is taken). */
	for (int tries = 0; tries < 8; tries++) {
		struct addr tcp_bound;
		struct addr udp_bound;
		rc = sip_tport_listen(SIP_PROTO_UDP, a, &udp_bound);
		if (rc == 0) {
			set_local(&udp_bound);
			rc = sip_tport_listen(SIP_PROTO_TCP, &udp_bound, &tcp_bound);
		}
		if (rc != -EADDRINUSE || addr_port(a) != 0) {
			break;
		}
		sip_tport_fini();
		rc = 0;
	}
	if (rc < 0) {
		return rc;
	}
	addr_format(&ep_local, where, cap);
	return 0;
}

#if ENABLE_SIP_TLS
int sip_endpoint_listen_tls(const struct addr *a, struct tls_server *srv, char *where, size_t cap)
{
	struct addr bound;
	int rc;

	sip_tport_set_tls(srv);
	rc = sip_tport_listen(SIP_PROTO_TLS, a, &bound);
	if (rc < 0) {
		return rc;
	}
	ep_local_tls = bound;
	if (!ep_local.len) {
		set_local(&bound);
	}
	addr_format(&bound, where, cap);
	return 0;
}
#endif

void sip_endpoint_stop(void)
{
	sip_tport_fini();
	sip_tport_set_tls(NULL);
	sip_tsx_fini();
	memset(&ep_local, 0, sizeof(ep_local));
	memset(&ep_local_tls, 0, sizeof(ep_local_tls));
}

const char *sip_endpoint_domain(void)
{
	return ep_domain;
}

void sip_endpoint_set_domain(const char *domain)
{
	snprintf(ep_domain, sizeof(ep_domain), "%s", domain);
}

void sip_endpoint_stats(struct sip_endpoint_stats *out, struct pool_stats *tsx)
{
	*out = ep_st;
	sip_tsx_stats(tsx);
}
