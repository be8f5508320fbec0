/* libFuzzer target: whole SIP messages (sip_msg_parse). Properties: every
 * refusal carries a status and a reason; every slice of a parsed message
 * lies inside the input; the response built to a parsed request parses
 * again with the same Via count, Call-ID, CSeq and tags. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "autoconf.h"
#include "sip/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *base;
static size_t base_len;

static void inside(struct str s)
{
	if (s.len && (s.p < base || s.p + s.len > base + base_len)) {
		abort();
	}
}

static void check_uri(const struct sip_uri *u)
{
	inside(u->user);
	inside(u->password);
	inside(u->host);
	inside(u->params);
	inside(u->headers);
}

static void check_nameaddr(const struct sip_nameaddr *na)
{
	inside(na->display);
	inside(na->uri_str);
	inside(na->params);
	inside(na->tag);
	inside(na->text);
	check_uri(&na->uri);
}

static void check_slices(const struct sip_msg *m)
{
	inside(m->raw);
	inside(m->method_str);
	inside(m->ruri_str);
	check_uri(&m->ruri);
	inside(m->reason);
	inside(m->body);
	inside(m->call_id);
	inside(m->cseq.method_str);
	inside(m->via.protocol);
	inside(m->via.transport);
	inside(m->via.host);
	inside(m->via.branch);
	inside(m->via.received);
	inside(m->via.maddr);
	inside(m->via.params);
	inside(m->via.text);
	check_nameaddr(&m->from);
	check_nameaddr(&m->to);
	for (unsigned i = 0; i < m->n_hdrs; i++) {
		inside(m->hdrs[i].name);
		inside(m->hdrs[i].value);
	}
	if (m->n_hdrs > CONFIG_SIP_MAX_HEADERS || m->n_via > CONFIG_SIP_MAX_VIA) {
		abort();
	}
}

static void check_response(const struct sip_msg *req, int rc_req)
{
	static const char tag[] = "fz1";
	char out[2 * CONFIG_SIP_MAX_MSG_SIZE + 512];
	char top[CONFIG_SIP_MAX_HEADER_LEN + 64];
	char mem[16384];
	struct buf b, tb;
	struct arena a;
	struct sip_msg r;
	struct sip_parse_err err;

	buf_init(&tb, top, sizeof(top));
	buf_put_str(&tb, req->via.text);
	buf_put_cstr(&tb, ";received=192.0.2.1;rport=5060");
	buf_init(&b, out, sizeof(out));
	sip_msg_build_response(
		&b, req, 400, "Bad Request", STR(tag), tb.err ? STR_NULL : buf_str(&tb));
	sip_msg_build_end(&b, STR_NULL, STR_NULL);
	if (b.err || rc_req < 0 || b.len > CONFIG_SIP_MAX_MSG_SIZE) {
		return;
	}
	arena_init(&a, mem, sizeof(mem));
	if (sip_msg_parse(&r, b.p, b.len, &a, &err) < 0) {
		if (err.status == 400 && strcmp(err.reason, "Header Too Long") == 0) {
			return;
		}
		abort();
	}
	if (r.request || r.status != 400 || r.n_via != req->n_via ||
		!str_eq(r.call_id, req->call_id) || r.cseq.num != req->cseq.num ||
		!str_eq(r.cseq.method_str, req->cseq.method_str) ||
		!str_eq(r.from.tag, req->from.tag) ||
		!str_eq(r.to.tag, req->to.tag.len ? req->to.tag : STR(tag)) ||
		!str_eq(r.via.branch, req->via.branch) ||
		!str_eq(r.via.received, STR("192.0.2.1")) || r.via.rport_value != 5060 ||
		r.body.len != 0) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char mem[16384];
	struct arena a;
	struct sip_msg m;
	struct sip_parse_err err;
	int rc;

	base = (const char *)data;
	base_len = size;
	arena_init(&a, mem, sizeof(mem));
	rc = sip_msg_parse(&m, (const char *)data, size, &a, &err);
	if (rc < 0) {
		if (rc != -EBADMSG || err.status < 400 || err.status > 599 || !err.reason ||
			!err.reason[0] || (err.answerable && !m.request)) {
			abort();
		}
	} else if (err.status != 0 || err.answerable || m.n_via == 0 || !m.from.text.len ||
		!m.to.text.len || !m.call_id.len) {
		abort();
	}
	check_slices(&m);
	if (m.request && (rc == 0 || err.answerable)) {
		check_response(&m, rc);
	}
	return 0;
}
