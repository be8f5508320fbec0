/* Server transactions: INVITE (17.2.1) and non-INVITE (17.2.2). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/loop.h"
#include "sip/sip_int.h"
#include "sip/tsx.h"

#define MAGIC_COOKIE "z9hG4bK"

static struct log_rl rl_full;

static bool has_cookie(struct str branch)
{
	return str_has_prefix(branch, STR(MAGIC_COOKIE));
}

static const char *method_for_key(const struct sip_msg *m, struct str *other)
{
	enum sip_method meth = m->method == SIP_ACK ? SIP_INVITE : m->method;
	const char *name = sip_method_name(meth);

	*other = name ? str_cstr(name) : m->method_str;
	return name;
}

static void key_put(char *key, size_t *len, bool *overflow, struct str s)
{
	if (*overflow || s.len > SIP_TSX_KEY_MAX - *len) {
		*overflow = true;
		return;
	}
	if (s.len == 0) {
		return;
	}
	memcpy(key + *len, s.p, s.len);
	*len += s.len;
}

/* 17.2.3. For a magic-cookie branch: branch, sent-by (host compared
 * case-insensitively, so lowered) and method (ACK counts as INVITE). For
 * RFC 2543 peers: Request-URI, From tag, Call-ID, CSeq number and the top
 * Via, plus the CSeq method and To tag for everything but INVITE/ACK.
 * Returns the key length, or -E2BIG. */
static int make_key(const struct sip_msg *m, char *key, struct str to_tag)
{
	size_t len = 0;
	bool over = false;
	struct str meth;
	char tmp[32];

	method_for_key(m, &meth);
	if (has_cookie(m->via.branch)) {
		key_put(key, &len, &over, STR("3|"));
		key_put(key, &len, &over, m->via.branch);
		key_put(key, &len, &over, STR("|"));
		size_t host_at = len;
		key_put(key, &len, &over, m->via.host);
		for (size_t i = host_at; !over && i < len; i++) {
			if (key[i] >= 'A' && key[i] <= 'Z') {
				key[i] = (char)(key[i] + 32);
			}
		}
		snprintf(tmp, sizeof(tmp), ":%u|", m->via.port ? m->via.port : 5060);
		key_put(key, &len, &over, str_cstr(tmp));
		key_put(key, &len, &over, meth);
	} else {
		uint64_t h = SIP_TSX_FNV_INIT;
		h = sip_tsx_fnv(h, m->ruri_str.p, m->ruri_str.len);
		h = sip_tsx_fnv(h, "|", 1);
		h = sip_tsx_fnv(h, m->from.tag.p, m->from.tag.len);
		h = sip_tsx_fnv(h, "|", 1);
		h = sip_tsx_fnv(h, m->call_id.p, m->call_id.len);
		h = sip_tsx_fnv(h, &m->cseq.num, sizeof(m->cseq.num));
		h = sip_tsx_fnv(h, m->via.text.p, m->via.text.len);
		snprintf(tmp, sizeof(tmp), "2|%016llx|", (unsigned long long)h);
		key_put(key, &len, &over, str_cstr(tmp));
		key_put(key, &len, &over, meth);
		key_put(key, &len, &over, STR("|"));
		key_put(key, &len, &over, to_tag);
	}
	return over ? -E2BIG : (int)len;
}

static uint64_t merge_hash(const struct sip_msg *m)
{
	uint64_t h = SIP_TSX_FNV_INIT;

	h = sip_tsx_fnv(h, m->from.tag.p, m->from.tag.len);
	h = sip_tsx_fnv(h, "|", 1);
	h = sip_tsx_fnv(h, m->call_id.p, m->call_id.len);
	h = sip_tsx_fnv(h, &m->cseq.num, sizeof(m->cseq.num));
	return sip_tsx_fnv(h, m->cseq.method_str.p, m->cseq.method_str.len);
}

bool sip_tsx_server_is_merged(const struct sip_msg *req)
{
	return req->to.tag.len == 0 && sip_tsx_merge_find(merge_hash(req)) != NULL;
}

static struct sip_tsx *find(const struct sip_msg *m, struct str to_tag)
{
	char key[SIP_TSX_KEY_MAX];
	int n = make_key(m, key, to_tag);

	if (n < 0) {
		return NULL;
	}
	return sip_tsx_hash_find(
		sip_tsx_fnv(SIP_TSX_FNV_INIT, key, (size_t)n), key, (size_t)n, true);
}

static void send_last(struct sip_tsx *t)
{
	if (t->resp) {
		sip_tsx_g.send(&t->peer, t->resp, t->resp_len);
	}
}

static void on_end(struct timer *tm, void *arg)
{
	struct sip_tsx *t = arg;

	(void)tm;
	if (t->invite && t->state == SIP_TSX_COMPLETED) {
		/* Timer H: the ACK never came (17.2.1). */
		if (t->tu && t->tu->on_failure) {
			t->tu->on_failure(t, t->tu_data, -ETIMEDOUT);
		}
	}
	sip_tsx_destroy(t);
}

/* Timer G: retransmit the final response, doubling up to T2 (17.2.1). */
static void on_retx(struct timer *tm, void *arg)
{
	struct sip_tsx *t = arg;
	uint32_t next = t->retx_ms * 2;

	send_last(t);
	t->retx_ms = next < sip_tsx_g.t2 ? next : sip_tsx_g.t2;
	timer_start(tm, t->retx_ms, on_retx, t);
}

static void end_in(struct sip_tsx *t, uint32_t ms)
{
	if (timer_start(&t->t_end, ms, on_end, t) < 0) {
		/* No timer left: end now rather than leak the transaction. */
		sip_tsx_destroy(t);
	}
}

bool sip_tsx_server_absorb(const struct sip_msg *req, const struct sip_peer *from)
{
	struct sip_tsx *t;

	(void)from;
	if (req->method == SIP_ACK) {
		t = find(req, req->to.tag);
		if (!t && !has_cookie(req->via.branch)) {
			t = find(req, STR_NULL); /* RFC 2543 ACK for an initial INVITE */
		}
		if (!t || !t->invite) {
			return false; /* ACK for a 2xx: end to end, for the TU */
		}
		if (t->state == SIP_TSX_COMPLETED) {
			t->state = SIP_TSX_CONFIRMED;
			timer_stop(&t->t_retx);
			end_in(t, sip_tsx_reliable(t) ? 0 : sip_tsx_g.t4); /* Timer I */
		}
		return true;
	}
	t = find(req, req->to.tag);
	if (!t) {
		return false;
	}
	/* 17.2.1/17.2.2: a retransmitted request gets the last response
	 * again (none yet in Trying). */
	if (t->state == SIP_TSX_PROCEEDING || t->state == SIP_TSX_COMPLETED) {
		send_last(t);
	}
	return true;
}

static int store_response(struct sip_tsx *t, unsigned status, const void *data, size_t len)
{
	char *copy = malloc(len);

	if (!copy) {
		return -ENOMEM;
	}
	memcpy(copy, data, len);
	free(t->resp);
	t->resp = copy;
	t->resp_len = len;
	t->resp_status = status;
	return 0;
}

struct sip_tsx *sip_tsx_server_create(
	const struct sip_msg *req, const struct sip_peer *from, int *err)
{
	char key[SIP_TSX_KEY_MAX];
	int n = make_key(req, key, req->to.tag);
	struct sip_tsx *t;

	if (n < 0) {
		*err = n;
		return NULL;
	}
	t = sip_tsx_alloc();
	if (!t) {
		log_ratelimited(&rl_full, loop_now(), LOG_LEVEL_WARN,
			"sip: transaction table full (CONFIG_SIP_MAX_TSX): 503");
		*err = -ENOSPC;
		return NULL;
	}
	t->server = true;
	t->invite = req->method == SIP_INVITE;
	t->rfc3261 = has_cookie(req->via.branch);
	t->peer = *from;
	t->key_len = (uint16_t)n;
	memcpy(t->key, key, (size_t)n);
	t->hash = sip_tsx_fnv(SIP_TSX_FNV_INIT, key, (size_t)n);
	t->merge_hash = merge_hash(req);
	sip_tsx_hash_insert(t);
	t->state = t->invite ? SIP_TSX_PROCEEDING : SIP_TSX_TRYING;
	return t;
}

int sip_tsx_server_reply(struct sip_tsx *t, unsigned status, const void *data, size_t len)
{
	int rc;

	if (t->state != SIP_TSX_TRYING && t->state != SIP_TSX_PROCEEDING) {
		return -EALREADY;
	}
	rc = sip_tsx_g.send(&t->peer, data, len);
	if (rc < 0) {
		/* 17.2.4: a transport error is reported to the TU. */
		if (t->tu && t->tu->on_failure) {
			t->tu->on_failure(t, t->tu_data, rc);
		}
		sip_tsx_destroy(t);
		return rc;
	}
	if (status < 200) {
		t->state = SIP_TSX_PROCEEDING;
		return store_response(t, status, data, len);
	}
	if (t->invite && status < 300) {
		sip_tsx_destroy(t); /* 17.2.1: a 2xx ends the INVITE server transaction */
		return 0;
	}
	rc = store_response(t, status, data, len);
	t->state = SIP_TSX_COMPLETED;
	if (t->invite) {
		if (!sip_tsx_reliable(t)) {
			t->retx_ms = sip_tsx_g.t1;
			timer_start(&t->t_retx, t->retx_ms, on_retx, t); /* G */
		}
		end_in(t, 64 * sip_tsx_g.t1); /* H */
	} else {
		end_in(t, sip_tsx_reliable(t) ? 0 : 64 * sip_tsx_g.t1); /* J */
	}
	return rc;
}

struct sip_tsx *sip_tsx_server_find_invite(const struct sip_msg *cancel)
{
	struct sip_msg as_invite = *cancel;
	struct sip_tsx *t;

	/* 9.2: the CANCEL matches the INVITE transaction whose key it shares,
	 * with the method taken as INVITE. */
	as_invite.method = SIP_INVITE;
	as_invite.cseq.method = SIP_INVITE;
	t = find(&as_invite, cancel->to.tag);
	return t && t->invite ? t : NULL;
}
