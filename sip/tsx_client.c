/* Client transactions: INVITE (17.1.1) and non-INVITE (17.1.2). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoconf.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/loop.h"
#include "sip/sip_int.h"
#include "sip/tsx.h"

/* Our own stored requests are parsed again to build ACK and CANCEL. */
static char own_arena_mem[CONFIG_SIP_MAX_HEADERS * 64 + 4096];
static char build_mem[CONFIG_SIP_MAX_MSG_SIZE];

static int client_key(struct str branch, struct str method, char *key)
{
	size_t len = 2 + branch.len + 1 + method.len;

	if (len > SIP_TSX_KEY_MAX) {
		return -E2BIG;
	}
	memcpy(key, "c|", 2);
	memcpy(key + 2, branch.p, branch.len);
	key[2 + branch.len] = '|';
	memcpy(key + 3 + branch.len, method.p, method.len);
	return (int)len;
}

static struct str method_text(const struct sip_cseq *c)
{
	const char *name = sip_method_name(c->method);
	return name ? str_cstr(name) : c->method_str;
}

static void tell_failure(struct sip_tsx *t, int err)
{
	if (t->tu && t->tu->on_failure) {
		t->tu->on_failure(t, t->tu_data, err);
	}
	sip_tsx_destroy(t);
}

static void on_end(struct timer *tm, void *arg)
{
	struct sip_tsx *t = arg;

	(void)tm;
	if (t->state == SIP_TSX_TRYING || t->state == SIP_TSX_PROCEEDING) {
		tell_failure(t, -ETIMEDOUT); /* Timer B or F */
		return;
	}
	sip_tsx_destroy(t); /* Timer D or K */
}

/* Timer A (INVITE: doubles without bound, 17.1.1.2) and Timer E
 * (non-INVITE: doubles up to T2, and T2 once a provisional came). */
static void on_retx(struct timer *tm, void *arg)
{
	struct sip_tsx *t = arg;

	if (sip_tsx_g.send(&t->peer, t->resp, t->resp_len) < 0) {
		tell_failure(t, -EIO);
		return;
	}
	if (t->invite) {
		t->retx_ms *= 2;
	} else if (t->state == SIP_TSX_PROCEEDING) {
		t->retx_ms = sip_tsx_g.t2;
	} else {
		t->retx_ms = t->retx_ms * 2 < sip_tsx_g.t2 ? t->retx_ms * 2 : sip_tsx_g.t2;
	}
	timer_start(tm, t->retx_ms, on_retx, t);
}

struct sip_tsx *sip_tsx_client_send(const struct sip_peer *to, const void *data, size_t len,
	const struct sip_tsx_tu *tu, void *tu_data, int *err)
{
	struct arena a;
	struct sip_msg m;
	struct sip_parse_err pe;
	char key[SIP_TSX_KEY_MAX];
	struct sip_tsx *t;
	int n;

	arena_init(&a, own_arena_mem, sizeof(own_arena_mem));
	if (sip_msg_parse(&m, data, len, &a, &pe) < 0 || !m.request || m.method == SIP_ACK) {
		*err = -EBADMSG;
		return NULL;
	}
	n = client_key(m.via.branch, method_text(&m.cseq), key);
	if (n < 0) {
		*err = n;
		return NULL;
	}
	t = sip_tsx_alloc();
	if (!t) {
		*err = -ENOSPC;
		return NULL;
	}
	t->resp = malloc(len);
	if (!t->resp) {
		t->used = true;
		sip_tsx_destroy(t);
		*err = -ENOMEM;
		return NULL;
	}
	memcpy(t->resp, data, len);
	t->resp_len = len;
	t->invite = m.method == SIP_INVITE;
	t->peer = *to;
	t->key_len = (uint16_t)n;
	memcpy(t->key, key, (size_t)n);
	t->hash = sip_tsx_fnv(SIP_TSX_FNV_INIT, key, (size_t)n);
	t->tu = tu;
	t->tu_data = tu_data;
	sip_tsx_hash_insert(t);
	t->state = SIP_TSX_TRYING; /* "Calling" for INVITE */
	*err = sip_tsx_g.send(&t->peer, t->resp, t->resp_len);
	if (*err < 0) {
		t->tu = NULL; /* the caller learns it from *err */
		sip_tsx_destroy(t);
		return NULL;
	}
	if (!sip_tsx_reliable(t)) {
		t->retx_ms = sip_tsx_g.t1;
		timer_start(&t->t_retx, t->retx_ms, on_retx, t); /* A or E */
	}
	timer_start(&t->t_end, 64 * sip_tsx_g.t1, on_end, t); /* B or F */
	return t;
}

/* ACK (17.1.1.3) and CANCEL (9.1) are built from the original request:
 * its Request-URI, top Via (same branch), From, Call-ID, CSeq number and
 * Route headers, with the method given and the To given (the response's
 * for an ACK, the request's own for a CANCEL: to = NULL). */
static int build_from_request(
	struct sip_tsx *t, const char *method, const struct str *to, struct buf *b)
{
	struct arena a;
	struct sip_msg req;
	struct sip_parse_err pe;
	const struct sip_hdr *from;
	const struct sip_hdr *req_to;

	arena_init(&a, own_arena_mem, sizeof(own_arena_mem));
	if (sip_msg_parse(&req, t->resp, t->resp_len, &a, &pe) < 0) {
		return -EBADMSG;
	}
	from = sip_msg_hdr(&req, SIP_HDR_FROM);
	req_to = sip_msg_hdr(&req, SIP_HDR_TO);
	buf_init(b, build_mem, sizeof(build_mem));
	buf_printf(b, "%s ", method);
	buf_put_str(b, req.ruri_str);
	buf_put_cstr(b, " SIP/2.0\r\nVia: ");
	buf_put_str(b, req.via.text);
	buf_put_cstr(b, "\r\nMax-Forwards: 70\r\nFrom: ");
	buf_put_str(b, from ? from->value : STR_NULL);
	buf_put_cstr(b, "\r\nTo: ");
	buf_put_str(b, to ? *to : req_to ? req_to->value : STR_NULL);
	buf_put_cstr(b, "\r\nCall-ID: ");
	buf_put_str(b, req.call_id);
	buf_printf(b, "\r\nCSeq: %u %s\r\n", req.cseq.num, method);
	for (const struct sip_hdr *h = sip_msg_hdr(&req, SIP_HDR_ROUTE); h;
		h = sip_msg_hdr_next(&req, h)) {
		buf_put_cstr(b, "Route: ");
		buf_put_str(b, h->value);
		buf_put_cstr(b, "\r\n");
	}
	buf_put_cstr(b, "Content-Length: 0\r\n\r\n");
	return b->err;
}

/* The ACK of a non-2xx final, kept to answer its retransmissions. */
static int build_ack(struct sip_tsx *t, const struct sip_msg *resp)
{
	const struct sip_hdr *to = sip_msg_hdr(resp, SIP_HDR_TO);
	struct buf b;
	int rc;

	if (!to) {
		return -EBADMSG;
	}
	rc = build_from_request(t, "ACK", &to->value, &b);
	if (rc < 0) {
		return rc;
	}
	t->ack = malloc(b.len);
	if (!t->ack) {
		return -ENOMEM;
	}
	memcpy(t->ack, b.p, b.len);
	t->ack_len = b.len;
	return 0;
}

static void send_cancel(struct sip_tsx *t)
{
	struct buf b;
	int err;

	if (build_from_request(t, "CANCEL", NULL, &b) == 0) {
		sip_tsx_client_send(&t->peer, b.p, b.len, NULL, NULL, &err);
	}
}

void sip_tsx_client_cancel(struct sip_tsx *t)
{
	if (!t->invite || t->server ||
		(t->state != SIP_TSX_TRYING && t->state != SIP_TSX_PROCEEDING)) {
		return;
	}
	if (t->got_provisional) {
		send_cancel(t);
	} else {
		t->cancel_pending = true;
	}
}

static void up(struct sip_tsx *t, const struct sip_msg *resp)
{
	if (t->tu && t->tu->on_response) {
		t->tu->on_response(t, t->tu_data, resp);
	}
}

bool sip_tsx_client_receive(const struct sip_msg *resp, const struct sip_peer *from)
{
	char key[SIP_TSX_KEY_MAX];
	int n = client_key(resp->via.branch, method_text(&resp->cseq), key);
	struct sip_tsx *t;

	(void)from;
	if (n < 0) {
		return false;
	}
	t = sip_tsx_hash_find(sip_tsx_fnv(SIP_TSX_FNV_INIT, key, (size_t)n), key, (size_t)n, false);
	if (!t) {
		return false;
	}
	if (t->state == SIP_TSX_COMPLETED) {
		/* A retransmitted final: the INVITE's gets its ACK again. */
		if (t->ack) {
			sip_tsx_g.send(&t->peer, t->ack, t->ack_len);
		}
		return true;
	}
	if (resp->status < 200) {
		if (t->invite) {
			/* 17.1.1.2: Proceeding stops A and B; Timer C is the
			 * proxy's. */
			timer_stop(&t->t_retx);
			timer_stop(&t->t_end);
		}
		t->state = SIP_TSX_PROCEEDING;
		t->got_provisional = true;
		up(t, resp);
		if (t->cancel_pending) {
			t->cancel_pending = false;
			send_cancel(t);
		}
		return true;
	}
	timer_stop(&t->t_retx);
	timer_stop(&t->t_end);
	if (t->invite && resp->status < 300) {
		up(t, resp);
		sip_tsx_destroy(t); /* 17.1.1.2: a 2xx ends it */
		return true;
	}
	t->state = SIP_TSX_COMPLETED;
	if (t->invite) {
		if (build_ack(t, resp) == 0) {
			sip_tsx_g.send(&t->peer, t->ack, t->ack_len);
		}
		up(t, resp);
		/* Timer D: at least 32 s over UDP, 0 over TCP. */
		timer_start(&t->t_end,
			sip_tsx_reliable(t)
				? 0
				: (64 * sip_tsx_g.t1 > 32000 ? 64 * sip_tsx_g.t1 : 32000),
			on_end, t);
		return true;
	}
	up(t, resp);
	timer_start(&t->t_end, sip_tsx_reliable(t) ? 0 : sip_tsx_g.t4, on_end, t); /* K */
	return true;
}
