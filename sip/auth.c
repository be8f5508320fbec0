#include "sip/auth.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "autoconf.h"
#include "core/digest.h"
#include "core/log.h"
#include "core/loop.h"
#include "sip/endpoint.h"
#include "sip/parse.h"

static const char *const auth_md5_only_agents[] = { "baresip", "sipsak", NULL };

static struct digest auth_dg;
static struct store *auth_st;
static struct throttle *auth_th;
static struct throttle_cfg auth_cfg;
static struct auth_stats auth_st_count;
static char out_mem[CONFIG_SIP_MAX_MSG_SIZE];

int auth_init(struct store *st, const char *realm, const struct throttle_cfg *cfg)
{
	int rc = digest_init(&auth_dg, st, str_cstr(realm), 0);

	if (rc < 0) {
		return rc;
	}
	auth_th = throttle_new(CONFIG_AUTH_MAX_SOURCES, cfg);
	if (!auth_th) {
		digest_close(&auth_dg);
		return -ENOMEM;
	}
	auth_st = st;
	auth_cfg = *cfg;
	return 0;
}

void auth_fini(void)
{
	if (auth_th) {
		throttle_free(auth_th);
		auth_th = NULL;
		digest_close(&auth_dg);
	}
	auth_st = NULL;
}

void auth_reload(const char *realm, const struct throttle_cfg *cfg)
{
	digest_set_realm(&auth_dg, str_cstr(realm));
	throttle_set_cfg(auth_th, cfg);
	auth_cfg = *cfg;
}

bool auth_blocked(const struct sip_peer *src)
{
	return auth_th && throttle_is_blocked(auth_th, &src->addr, loop_now());
}

static bool md5_only(const struct sip_msg *m)
{
	const struct sip_hdr *ua = sip_msg_hdr(m, SIP_HDR_USER_AGENT);

	for (size_t i = 0; ua && auth_md5_only_agents[i]; i++) {
		if (str_has_prefix(ua->value, str_cstr(auth_md5_only_agents[i]))) {
			return true;
		}
	}
	return false;
}

/* The nonce is tied to the client's IP address (not its port, which a
 * NAT or a new TCP connection may change). */
static struct str src_bind(const struct sip_peer *src)
{
	if (src->addr.u.sa.sa_family == AF_INET6) {
		return str_make(src->addr.u.in6.sin6_addr.s6_addr, 16);
	}
	return str_make(&src->addr.u.in4.sin_addr, 4);
}

/* 22.1: one challenge per algorithm we offer, with one fresh nonce. */
static void challenge(struct sip_req *r, bool proxy, bool stale)
{
	char nonce[DIGEST_NONCE_LEN + 1];
	const char *name = proxy ? "Proxy-Authenticate: " : "WWW-Authenticate: ";
	bool only_md5 = md5_only(r->m);
	struct buf b;

	digest_nonce_make(&auth_dg, loop_wall(), src_bind(&r->src), nonce);
	buf_init(&b, out_mem, sizeof(out_mem));
	sip_endpoint_build(
		r, &b, proxy ? 407 : 401, proxy ? "Proxy Authentication Required" : "Unauthorized");
	for (size_t i = 0; i < DIGEST_ALG_COUNT; i++) {
		enum digest_alg alg = digest_algs_offered[i];
		if (only_md5 && alg != DIGEST_ALG_MD5) {
			continue;
		}
		buf_put_cstr(&b, name);
		digest_challenge_put(&auth_dg, alg, str_cstr(nonce), STR_NULL, stale, &b);
		buf_put_cstr(&b, "\r\n");
	}
	sip_msg_build_end(&b, STR_NULL, STR_NULL);
	if (!b.err) {
		sip_endpoint_send(r, proxy ? 407 : 401, buf_str(&b));
	}
}

/* The credentials for our realm (a request may carry several, one per
 * realm on its path: 22.3), as slices into the message. */
static bool creds_find(const struct sip_msg *m, bool proxy, struct digest_creds *c, bool *bad)
{
	enum sip_hdr_id id = proxy ? SIP_HDR_PROXY_AUTHORIZATION : SIP_HDR_AUTHORIZATION;
	struct str realm = str_cstr(auth_dg.realm);

	*bad = false;
	for (const struct sip_hdr *h = sip_msg_hdr(m, id); h; h = sip_msg_hdr_next(m, h)) {
		struct sip_auth a;
		struct str v;
		if (sip_parse_auth(h->value, &a) < 0) {
			*bad = true;
			continue;
		}
		if (!str_ieq(a.scheme, STR("Digest")) || !sip_auth_get(&a, STR("realm"), &v) ||
			!str_eq(v, realm)) {
			continue;
		}
		*c = (struct digest_creds){ 0 };
		for (unsigned i = 0; i < a.n_params; i++) {
			digest_creds_set(c, a.params[i].name, a.params[i].value);
		}
		return true;
	}
	return false;
}

/* 22.4: the digest-uri names the Request-URI (compared as URIs, 19.1.4;
 * as text when it is not a SIP URI). */
static bool uri_matches(const struct sip_msg *m, struct str uri)
{
	struct sip_uri u;

	if (sip_parse_uri(uri, &u) == 0) {
		return sip_uri_eq(&u, &m->ruri);
	}
	return str_eq(uri, m->ruri_str);
}

static void note_failure(struct sip_req *r)
{
	uint32_t failures = 0;
	char where[ADDR_STR_MAX];

	auth_st_count.failed++;
	if (throttle_fail(auth_th, &r->src.addr, loop_now(), &failures)) {
		addr_format(&r->src.addr, where, sizeof(where));
		*strrchr(where, ':') = '\0'; /* the address is blocked, not the port */
		log_warn("auth: IP blocked for %u s after %u failed logins: %s", auth_cfg.block_s,
			failures, where);
	}
}

enum auth_result auth_check(struct sip_req *r, struct str who, bool proxy)
{
	struct digest_creds c;
	uint32_t retry = 0;
	char line[48];
	bool bad;

	if (!creds_find(r->m, proxy, &c, &bad)) {
		if (bad) {
			sip_endpoint_respond(r, 400, "Malformed Credentials", NULL);
			return AUTH_ANSWERED;
		}
		auth_st_count.challenged++;
		challenge(r, proxy, false);
		return AUTH_ANSWERED;
	}
	switch (throttle_check(auth_th, &r->src.addr, loop_now(), &retry)) {
	case THROTTLE_PASS:
		break;
	case THROTTLE_WAIT:
		/* Credentials sent before Retry-After ran out are not checked,
		 * and count as a failure: a guesser that ignores the wait is
		 * blocked sooner, not let through the throttle. */
		note_failure(r);
		snprintf(line, sizeof(line), "Retry-After: %u\r\n", retry);
		sip_endpoint_respond(r, 503, "Too Many Failed Logins", line);
		return AUTH_ANSWERED;
	case THROTTLE_BLOCKED:
		return AUTH_DROPPED;
	}
	if (!uri_matches(r->m, c.uri)) {
		sip_endpoint_respond(r, 400, "Digest URI Mismatch", NULL);
		return AUTH_ANSWERED;
	}
	switch (digest_verify(&auth_dg, store_loop_txn(auth_st), &c, r->m->method_str,
		src_bind(&r->src), loop_wall())) {
	case DIGEST_OK:
		break;
	case DIGEST_STALE:
		auth_st_count.stale++;
		challenge(r, proxy, true);
		return AUTH_ANSWERED;
	case DIGEST_REPLAY:
		auth_st_count.replayed++;
		challenge(r, proxy, false);
		return AUTH_ANSWERED;
	case DIGEST_FOREIGN:
		/* Not a guess at a password: not counted against the
		 * source, which may be spoofed. */
		auth_st_count.challenged++;
		challenge(r, proxy, false);
		return AUTH_ANSWERED;
	case DIGEST_MALFORMED:
		sip_endpoint_respond(r, 400, "Malformed Credentials", NULL);
		return AUTH_ANSWERED;
	case DIGEST_BAD:
	default:
		note_failure(r);
		challenge(r, proxy, false);
		return AUTH_ANSWERED;
	}
	/* A success does not clear the source's failures: one good account
	 * must not buy unlimited guesses at the others. They age out. */
	/* 22.4 and 10.3 step 4: good credentials, but for someone else. */
	if (!str_eq(c.username, who)) {
		sip_endpoint_respond(r, 403, "Username Does Not Match", NULL);
		return AUTH_ANSWERED;
	}
	auth_st_count.ok++;
	return AUTH_OK;
}

void auth_stats(struct auth_stats *out)
{
	*out = auth_st_count;
	if (auth_th) {
		throttle_stats(auth_th, loop_now(), &out->sources);
	}
}
