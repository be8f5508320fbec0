/* sip/msg: the corpus of real messages (tests/sip/corpus, from RFC 3261,
 * 3665, 3428, 3856, 3903, 7616 and malformed variants), header lookup and
 * the 8.2.6 response builder. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "autoconf.h"
#include "sip/msg.h"
#include "tests/unit/unit.h"

#define MSG_BUF 16384

struct parsed {
	char data[MSG_BUF];
	size_t len;
	char mem[16384];
	struct arena a;
	struct sip_msg m;
	struct sip_parse_err err;
	int rc;
};

static size_t load(const char *name, char *buf, size_t cap)
{
	char path[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "tests/sip/corpus/%s.sip", name);
	f = fopen(path, "rb");
	if (!f) {
		unit_fail(__FILE__, __LINE__, path);
		return 0;
	}
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void parse_mem(struct parsed *p, const char *data, size_t len)
{
	if (len > sizeof(p->data)) {
		len = sizeof(p->data);
	}
	memcpy(p->data, data, len);
	p->len = len;
	arena_init(&p->a, p->mem, sizeof(p->mem));
	p->rc = sip_msg_parse(&p->m, p->data, p->len, &p->a, &p->err);
}

static void parse_file(struct parsed *p, const char *name)
{
	p->len = load(name, p->data, sizeof(p->data));
	arena_init(&p->a, p->mem, sizeof(p->mem));
	p->rc = sip_msg_parse(&p->m, p->data, p->len, &p->a, &p->err);
}

static bool inside(const struct parsed *p, struct str s)
{
	return s.len == 0 || (s.p >= p->data && s.p + s.len <= p->data + p->len);
}

static void corpus(void)
{
	static const struct {
		const char *file;
		unsigned status; /* 0: parses */
		const char *reason;
		bool answerable;
		bool request;
		enum sip_method method;
		unsigned n_via;
		uint32_t cseq;
		long body_len; /* -1: not checked */
	} t[] = {
		{ "rfc3261_register", 0, NULL, false, true, SIP_REGISTER, 1, 1826, 0 },
		{ "rfc3261_register_200", 0, NULL, false, false, 0, 1, 1826, 0 },
		{ "rfc3261_invite_f5", 0, NULL, false, true, SIP_INVITE, 3, 314159, 151 },
		{ "rfc3261_100_trying", 0, NULL, false, false, 0, 2, 314159, 0 },
		{ "rfc3665_invite", 0, NULL, false, true, SIP_INVITE, 1, 1, 151 },
		{ "rfc3665_180", 0, NULL, false, false, 0, 1, 1, 0 },
		{ "rfc3665_200", 0, NULL, false, false, 0, 1, 1, 147 },
		{ "rfc3665_ack", 0, NULL, false, true, SIP_ACK, 1, 1, 0 },
		{ "rfc3665_bye", 0, NULL, false, true, SIP_BYE, 1, 1, 0 },
		{ "rfc3665_401", 0, NULL, false, false, 0, 1, 1, 0 },
		{ "rfc3665_register_auth", 0, NULL, false, true, SIP_REGISTER, 1, 2, 0 },
		{ "rfc7616_register_sha256", 0, NULL, false, true, SIP_REGISTER, 1, 3, 0 },
		{ "compact_forms", 0, NULL, false, true, SIP_INVITE, 1, 314159, 151 },
		{ "folded_lines", 0, NULL, false, true, SIP_INVITE, 1, 314159, 0 },
		{ "multi_via", 0, NULL, false, true, SIP_OPTIONS, 3, 63104, 0 },
		{ "ipv6", 0, NULL, false, true, SIP_REGISTER, 1, 3, 0 },
		{ "escaped_uri", 0, NULL, false, true, SIP_INVITE, 1, 234234, 0 },
		{ "display_quoted", 0, NULL, false, true, SIP_MESSAGE, 1, 5, 9 },
		{ "rfc3428_message", 0, NULL, false, true, SIP_MESSAGE, 1, 1, 18 },
		{ "rfc3903_publish", 0, NULL, false, true, SIP_PUBLISH, 1, 1, 237 },
		{ "rfc3903_publish_refresh", 0, NULL, false, true, SIP_PUBLISH, 1, 1, 0 },
		{ "rfc3856_subscribe", 0, NULL, false, true, SIP_SUBSCRIBE, 1, 17766, 0 },
		{ "contact_star", 0, NULL, false, true, SIP_REGISTER, 1, 1827, 0 },
		{ "tel_uri", 0, NULL, false, true, SIP_INVITE, 1, 1, 0 },
		{ "extension_method", 0, NULL, false, true, SIP_METHOD_OTHER, 1, 8, 0 },
		{ "no_content_length", 0, NULL, false, true, SIP_MESSAGE, 1, 2, 26 },
		{ "leading_crlf", 0, NULL, false, true, SIP_BYE, 1, 1, 0 },
		{ "trailing_bytes", 0, NULL, false, true, SIP_MESSAGE, 1, 1, 18 },
		{ "bad_cseq_method", 400, "CSeq Method Mismatch", true, true, SIP_INVITE, 1, 314159,
			0 },
		{ "bad_cseq_num", 400, "Bad CSeq", true, true, SIP_INVITE, 1, 0, 0 },
		{ "bad_cseq_nospace", 400, "Bad CSeq", true, true, SIP_INVITE, 1, 0, 0 },
		{ "missing_call_id", 400, "Missing Call-ID", false, true, SIP_INVITE, 1, 314159,
			0 },
		{ "missing_via", 400, "Missing Via", false, true, SIP_INVITE, 0, 314159, 0 },
		{ "bad_via", 400, "Bad Via", false, true, SIP_INVITE, 0, 314159, 0 },
		{ "bad_second_via", 400, "Bad Via", true, true, SIP_INVITE, 1, 314159, 0 },
		{ "bad_from", 400, "Bad From", true, true, SIP_INVITE, 1, 314159, 0 },
		{ "bad_to", 400, "Bad To", true, true, SIP_INVITE, 1, 314159, 0 },
		{ "two_from", 400, "Bad From", true, true, SIP_INVITE, 1, 314159, 0 },
		{ "bad_max_forwards", 400, "Bad Max-Forwards", true, true, SIP_INVITE, 1, 314159,
			0 },
		{ "bad_content_length", 400, "Bad Content-Length", true, true, SIP_INVITE, 1,
			314159, -1 },
		{ "two_content_length", 400, "Bad Content-Length", true, true, SIP_INVITE, 1,
			314159, 0 },
		{ "bad_ruri", 400, "Bad Request-URI", true, true, SIP_INVITE, 1, 314159, 0 },
		{ "unsupported_scheme", 416, "Unsupported URI Scheme", true, true, SIP_INVITE, 1,
			314159, 0 },
		{ "version_505", 505, "Version Not Supported", true, true, SIP_INVITE, 1, 314159,
			0 },
		{ "bad_request_line", 400, "Bad Request Line", false, false, 0, 0, 0, 0 },
		{ "http_request", 400, "Bad Request Line", false, false, 0, 0, 0, 0 },
		{ "bad_header", 400, "Bad Header", true, true, SIP_INVITE, 1, 314159, 0 },
		{ "too_many_via", 400, "Too Many Via", true, true, SIP_INVITE, CONFIG_SIP_MAX_VIA,
			314159, 0 },
		{ "too_many_headers", 400, "Too Many Headers", true, true, SIP_INVITE, 1, 314159,
			-1 },
		{ "header_too_long", 400, "Header Too Long", true, true, SIP_INVITE, 1, 314159, 0 },
		{ "missing_empty_line", 400, "Missing Empty Line", true, true, SIP_BYE, 1, 1, 0 },
		{ "bad_status", 400, "Bad Status Line", false, false, 0, 0, 0, 0 },
	};
	static struct parsed p;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		parse_file(&p, t[i].file);
		if (p.len == 0) {
			continue;
		}
		if ((t[i].status == 0) != (p.rc == 0) || p.err.status != t[i].status ||
			(t[i].reason &&
				(!p.err.reason || strcmp(p.err.reason, t[i].reason) != 0)) ||
			p.err.answerable != t[i].answerable) {
			char m[256];
			snprintf(m, sizeof(m), "%s: rc %d, %u %s, answerable %d", t[i].file, p.rc,
				p.err.status, p.err.reason ? p.err.reason : "-", p.err.answerable);
			unit_fail(__FILE__, __LINE__, m);
			continue;
		}
		CHECK(p.m.request == t[i].request);
		if (t[i].request) {
			CHECK_INT(p.m.method, t[i].method);
		}
		CHECK_INT(p.m.n_via, t[i].n_via);
		if (t[i].cseq) {
			CHECK_INT(p.m.cseq.num, t[i].cseq);
		}
		if (t[i].body_len >= 0) {
			CHECK_INT(p.m.body.len, t[i].body_len);
		}
		/* every slice lies inside the message */
		CHECK(inside(&p, p.m.raw) && inside(&p, p.m.body) && inside(&p, p.m.call_id));
		CHECK(inside(&p, p.m.via.text) && inside(&p, p.m.from.text) &&
			inside(&p, p.m.to.text));
		for (unsigned h = 0; h < p.m.n_hdrs; h++) {
			CHECK(inside(&p, p.m.hdrs[h].name) && inside(&p, p.m.hdrs[h].value));
		}
	}
}

static void register_fields(void)
{
	static struct parsed p;
	const struct sip_hdr *h;

	parse_file(&p, "rfc3261_register");
	CHECK_INT(p.rc, 0);
	CHECK(str_eq(p.m.method_str, STR("REGISTER")));
	CHECK(str_eq(p.m.ruri_str, STR("sip:registrar.biloxi.com")));
	CHECK_INT(p.m.ruri.scheme, SIP_URI_SIP);
	CHECK(str_eq(p.m.ruri.host, STR("registrar.biloxi.com")));
	CHECK(str_eq(p.m.via.transport, STR("UDP")));
	CHECK(str_eq(p.m.via.host, STR("bobspc.biloxi.com")));
	CHECK_INT(p.m.via.port, 5060);
	CHECK(str_eq(p.m.via.branch, STR("z9hG4bKnashds7")));
	CHECK(str_eq(p.m.from.display, STR("Bob")));
	CHECK(str_eq(p.m.from.tag, STR("456248")));
	CHECK(str_eq(p.m.from.uri.user, STR("bob")));
	CHECK(p.m.to.tag.len == 0);
	CHECK(str_eq(p.m.call_id, STR("843817637684230@998sdasdh09")));
	CHECK_INT(p.m.cseq.method, SIP_REGISTER);
	CHECK_INT(p.m.max_forwards, 70);
	CHECK(p.m.has_content_length);
	CHECK_INT(p.m.content_length, 0);
	CHECK_INT(p.m.n_hdrs, 9);
	h = sip_msg_hdr(&p.m, SIP_HDR_EXPIRES);
	CHECK(h && str_eq(h->value, STR("7200")));
	h = sip_msg_hdr(&p.m, SIP_HDR_CONTACT);
	CHECK(h && str_eq(h->value, STR("<sip:bob@192.0.2.4>")));
	CHECK(sip_msg_hdr_next(&p.m, h) == NULL);
	CHECK(sip_msg_hdr(&p.m, SIP_HDR_ROUTE) == NULL);
	h = sip_msg_hdr_by_name(&p.m, STR("call-id"));
	CHECK(h && h->id == SIP_HDR_CALL_ID);
}

static void response_fields(void)
{
	static struct parsed p;

	parse_file(&p, "rfc3261_100_trying");
	CHECK_INT(p.rc, 0);
	CHECK(!p.m.request);
	CHECK_INT(p.m.status, 100);
	CHECK(str_eq(p.m.reason, STR("Trying")));
	CHECK(str_eq(p.m.via.host, STR("bigbox3.site3.atlanta.com")));
	CHECK(str_eq(p.m.via.received, STR("192.0.2.2")));
	CHECK(str_eq(p.m.via.branch, STR("z9hG4bK77ef4c2312983.1")));
	CHECK_INT(p.m.max_forwards, -1);

	parse_file(&p, "rfc3665_200");
	CHECK_INT(p.rc, 0);
	CHECK_INT(p.m.status, 200);
	CHECK(str_eq(p.m.to.tag, STR("8321234356")));
	CHECK(str_has_prefix(p.m.body, STR("v=0\r\no=bob ")));
	CHECK(str_eq(sip_msg_hdr(&p.m, SIP_HDR_CONTENT_TYPE)->value, STR("application/sdp")));
}

static void compact_and_folded(void)
{
	static struct parsed p;
	const struct sip_hdr *h;
	struct str rest, item;

	parse_file(&p, "compact_forms");
	CHECK_INT(p.rc, 0);
	CHECK(str_eq(p.m.call_id, STR("a84b4c76e66710")));
	CHECK(str_eq(p.m.from.tag, STR("1928301774")));
	CHECK(str_eq(p.m.to.uri.host, STR("biloxi.com")));
	CHECK_INT(p.m.content_length, 151);
	h = sip_msg_hdr(&p.m, SIP_HDR_SUPPORTED);
	CHECK(h && str_eq(h->name, STR("k")));
	rest = h ? h->value : STR_NULL;
	CHECK(sip_parse_token_list(&rest, &item) && str_eq(item, STR("100rel")));
	CHECK(sip_parse_token_list(&rest, &item) && str_eq(item, STR("timer")));
	CHECK(!sip_parse_token_list(&rest, &item));
	CHECK(sip_msg_hdr(&p.m, SIP_HDR_CONTACT) && sip_msg_hdr(&p.m, SIP_HDR_SUBJECT));
	CHECK(sip_msg_hdr(&p.m, SIP_HDR_ALLOW_EVENTS) && sip_msg_hdr(&p.m, SIP_HDR_EVENT));
	CHECK(sip_msg_hdr(&p.m, SIP_HDR_CONTENT_TYPE));

	parse_file(&p, "folded_lines");
	CHECK_INT(p.rc, 0);
	CHECK_INT(p.m.max_forwards, 70);
	CHECK(str_eq(p.m.via.branch, STR("z9hG4bKfold1")));
	CHECK(str_eq(p.m.to.display, STR("Bob")));
	CHECK(str_eq(p.m.to.uri_str, STR("sip:bob@biloxi.com")));
	CHECK(str_eq(p.m.from.tag, STR("1928301774")));
	CHECK_INT(p.m.cseq.method, SIP_INVITE);
	h = sip_msg_hdr(&p.m, SIP_HDR_SUBJECT);
	CHECK(h &&
		str_eq(h->value,
			STR("I know you're there,\r\n pick up the phone\r\n and talk to me!")));
}

static void via_and_addresses(void)
{
	static struct parsed p;
	const struct sip_hdr *h;
	struct sip_via v;
	struct str rest;
	struct sip_nameaddr na;

	parse_file(&p, "multi_via");
	CHECK_INT(p.rc, 0);
	CHECK(str_eq(p.m.via.host, STR("first.example.com")));
	CHECK_INT(p.m.via.port, 4000);
	CHECK_INT(p.m.via.ttl, 16);
	CHECK(str_eq(p.m.via.maddr, STR("224.2.0.1")));
	h = sip_msg_hdr(&p.m, SIP_HDR_VIA);
	CHECK(sip_parse_via(h->value, &v, &rest) == 0 && rest.len);
	CHECK(sip_parse_via(rest, &v, &rest) == 0 && rest.len == 0);
	CHECK(str_eq(v.transport, STR("TCP")) && str_eq(v.branch, STR("z9hG4bKxyz")));
	h = sip_msg_hdr_next(&p.m, h);
	CHECK(h && sip_parse_via(h->value, &v, &rest) == 0);
	CHECK(v.rport && v.rport_value == 5070 && str_eq(v.received, STR("192.0.2.3")));
	CHECK(sip_msg_hdr_next(&p.m, h) == NULL);

	parse_file(&p, "ipv6");
	CHECK_INT(p.rc, 0);
	CHECK(str_eq(p.m.ruri.host, STR("[2001:db8::10]")));
	CHECK(str_eq(p.m.via.host, STR("[2001:db8::9:1]")));
	CHECK(str_eq(p.m.via.received, STR("2001:db8::9:255")));
	CHECK(p.m.via.rport && p.m.via.rport_value == 5060);
	CHECK(str_eq(p.m.from.uri.host, STR("[2001:db8::1]")));
	CHECK(str_eq(p.m.from.display, STR("Caller")));
	h = sip_msg_hdr(&p.m, SIP_HDR_CONTACT);
	CHECK(h && sip_parse_nameaddr(h->value, &na, &rest) == 0);
	CHECK(na.uri.port == 5070 && str_eq(na.params, STR(";expires=3600")));

	parse_file(&p, "escaped_uri");
	CHECK_INT(p.rc, 0);
	CHECK(str_eq(p.m.ruri.user, STR("sips%3Auser%40example.com")));
	CHECK(str_eq(p.m.ruri.host, STR("example.net")));
	CHECK(str_eq(p.m.from.uri.user, STR("I%20have%20spaces")));

	parse_file(&p, "display_quoted");
	CHECK_INT(p.rc, 0);
	CHECK(str_eq(p.m.from.display, STR("Alice \\\"the boss\\\" O'Brien \\\\ Sales")));
	CHECK(str_eq(p.m.from.tag, STR("77")));
	CHECK(str_eq(p.m.to.display, STR("Bob Q. Public")));
	CHECK(str_eq(p.m.body, STR("Hello Bob")));

	parse_file(&p, "trailing_bytes");
	CHECK_INT(p.rc, 0);
	CHECK(p.m.raw.p + p.m.raw.len == p.m.body.p + p.m.body.len);
	CHECK(p.m.raw.len + 9 == p.len); /* CRLF GARBAGE is not the message's */

	parse_file(&p, "rfc3428_message");
	CHECK_INT(p.rc, 0);
	CHECK(p.m.from.display.len == 0 && str_eq(p.m.from.uri_str, STR("sip:user1@domain.com")));
	CHECK(str_eq(p.m.from.tag, STR("49583")));
	CHECK(str_eq(p.m.body, STR("Watson, come here.")));

	parse_file(&p, "contact_star");
	CHECK_INT(p.rc, 0);
	h = sip_msg_hdr(&p.m, SIP_HDR_CONTACT);
	CHECK(h && sip_parse_nameaddr(h->value, &na, &rest) == 0 && na.star);

	parse_file(&p, "tel_uri");
	CHECK_INT(p.rc, 0);
	CHECK_INT(p.m.ruri.scheme, SIP_URI_TEL);
	CHECK(str_eq(p.m.ruri.user, STR("+1-201-555-0123")));
	CHECK_INT(p.m.to.uri.scheme, SIP_URI_TEL);

	parse_file(&p, "extension_method");
	CHECK_INT(p.rc, 0);
	CHECK(str_eq(p.m.method_str, STR("NEWMETHOD")) && p.m.cseq.method == SIP_METHOD_OTHER);
}

static void auth_in_messages(void)
{
	static struct parsed p;
	const struct sip_hdr *h;
	struct sip_auth au;
	struct str v;

	parse_file(&p, "rfc3665_401");
	CHECK_INT(p.rc, 0);
	h = sip_msg_hdr(&p.m, SIP_HDR_WWW_AUTHENTICATE);
	CHECK(h && sip_parse_auth(h->value, &au) == 0);
	CHECK(str_eq(au.scheme, STR("Digest")) && au.n_params == 6);
	CHECK(sip_auth_get(&au, STR("nonce"), &v) &&
		str_eq(v, STR("ea9c8e88df84f1cec4341ae6cbe5a359")));
	CHECK(sip_auth_get(&au, STR("opaque"), &v) && v.len == 0);
	CHECK(sip_auth_get(&au, STR("STALE"), &v) && str_eq(v, STR("FALSE")));

	/* the RFC 3665 erratum: no comma after realm */
	parse_file(&p, "rfc3665_register_auth");
	CHECK_INT(p.rc, 0);
	h = sip_msg_hdr(&p.m, SIP_HDR_AUTHORIZATION);
	CHECK(h && sip_parse_auth(h->value, &au) == -EBADMSG);

	parse_file(&p, "rfc7616_register_sha256");
	CHECK_INT(p.rc, 0);
	CHECK(p.m.via.rport && p.m.via.rport_value == 0);
	h = sip_msg_hdr(&p.m, SIP_HDR_AUTHORIZATION);
	CHECK(h && sip_parse_auth(h->value, &au) == 0);
	CHECK_INT(au.n_params, 10);
	CHECK(sip_auth_get(&au, STR("algorithm"), &v) && str_eq(v, STR("SHA-256")));
	CHECK(sip_auth_get(&au, STR("nc"), &v) && str_eq(v, STR("00000001")));
	CHECK(sip_auth_get(&au, STR("qop"), &v) && str_eq(v, STR("auth")));
	CHECK(sip_auth_get(&au, STR("cnonce"), &v) &&
		str_eq(v, STR("f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")));
}

/* Inline cases that a corpus file cannot show well. */
static void inline_cases(void)
{
	static const struct {
		const char *msg;
		unsigned status;
		const char *reason;
	} t[] = {
		/* a bare LF ends no line */
		{ "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nX: y\r\n"
		  "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n",
			400, "Bad Header" },
		{ "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		  "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n",
			0, NULL },
		/* the version is case-insensitive (7.1) */
		{ "OPTIONS sip:a@b sip/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		  "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n",
			0, NULL },
		/* methods are not (7.1) */
		{ "options sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		  "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n",
			400, "CSeq Method Mismatch" },
		{ "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1,\r\n"
		  "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n",
			400, "Bad Via" },
		{ "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		  "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c d\r\nCSeq: 1 "
		  "OPTIONS\r\n\r\n",
			400, "Bad Call-ID" },
		{ "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		  "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>, <sip:c@d>\r\nCall-ID: c\r\n"
		  "CSeq: 1 OPTIONS\r\n\r\n",
			400, "Bad To" },
		{ "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		  "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n"
		  "Content-Length: 99999999999\r\n\r\n",
			400, "Bad Content-Length" },
		{ "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		  "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n"
		  "Max-Forwards: -1\r\n\r\n",
			400, "Bad Max-Forwards" },
		{ "SIP/2.0 200\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		  "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n",
			0, NULL },
		{ "SIP/3.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n", 505,
			"Version Not Supported" },
		{ "", 400, "Bad Start Line" },
		{ "\r\n\r\n", 400, "Bad Start Line" },
	};
	static struct parsed p;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		parse_mem(&p, t[i].msg, strlen(t[i].msg));
		if (p.err.status != t[i].status ||
			(t[i].reason &&
				(!p.err.reason || strcmp(p.err.reason, t[i].reason) != 0))) {
			char m[128];
			snprintf(m, sizeof(m), "case %zu: %u %s", i, p.err.status,
				p.err.reason ? p.err.reason : "-");
			unit_fail(__FILE__, __LINE__, m);
		}
		CHECK((p.rc == 0) == (t[i].status == 0));
	}
	/* a NUL inside a header */
	static const char nul[] =
		"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		"X: a\0b\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\n"
		"CSeq: 1 OPTIONS\r\n\r\n";
	parse_mem(&p, nul, sizeof(nul) - 1);
	CHECK(p.rc == -EBADMSG && p.err.status == 400 && p.err.answerable);
}

static void limits(void)
{
	static struct parsed p;
	static char big[CONFIG_SIP_MAX_MSG_SIZE + 100];
	struct buf b;
	char tiny[64];
	struct arena a;
	struct sip_msg m;
	struct sip_parse_err err;

	buf_init(&b, big, sizeof(big));
	buf_put_cstr(&b,
		"MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		"From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 MESSAGE\r\n"
		"Content-Length: ");
	size_t body = CONFIG_SIP_MAX_MSG_SIZE;
	buf_put_u64(&b, body);
	buf_put_cstr(&b, "\r\n\r\n");
	while (b.len < sizeof(big) && body--) {
		buf_put_char(&b, 'x');
	}
	CHECK(b.err == 0 || b.err == -ENOSPC);
	parse_mem(&p, b.p, b.len);
	CHECK(p.rc == -EBADMSG && p.err.status == 513 && p.err.answerable);

	/* the arena is full: refused, not answerable */
	size_t n = load("rfc3261_register", p.data, sizeof(p.data));
	arena_init(&a, tiny, sizeof(tiny));
	CHECK(sip_msg_parse(&m, p.data, n, &a, &err) == -EBADMSG);
	CHECK(err.status == 503 && !err.answerable);
}

static void tables(void)
{
	CHECK_INT(sip_method_from_str(STR("INVITE")), SIP_INVITE);
	CHECK_INT(sip_method_from_str(STR("invite")), SIP_METHOD_OTHER);
	CHECK_INT(sip_method_from_str(STR("UPDATE")), SIP_UPDATE);
	CHECK_INT(sip_method_from_str(STR("MESSAGE")), SIP_MESSAGE);
	CHECK(sip_method_name(SIP_METHOD_OTHER) == NULL);
	CHECK(strcmp(sip_method_name(SIP_SUBSCRIBE), "SUBSCRIBE") == 0);
	for (int i = 1; i < SIP_METHOD_COUNT; i++) {
		CHECK_INT(sip_method_from_str(str_cstr(sip_method_name((enum sip_method)i))), i);
	}
	for (int i = 1; i < SIP_HDR_COUNT; i++) {
		const char *n = sip_hdr_name((enum sip_hdr_id)i);
		CHECK(n != NULL);
		CHECK_INT(sip_hdr_id_from_name(str_cstr(n)), i);
	}
	static const struct {
		const char *name;
		enum sip_hdr_id id;
	} t[] = {
		{ "i", SIP_HDR_CALL_ID },
		{ "M", SIP_HDR_CONTACT },
		{ "e", SIP_HDR_CONTENT_ENCODING },
		{ "l", SIP_HDR_CONTENT_LENGTH },
		{ "c", SIP_HDR_CONTENT_TYPE },
		{ "f", SIP_HDR_FROM },
		{ "s", SIP_HDR_SUBJECT },
		{ "k", SIP_HDR_SUPPORTED },
		{ "t", SIP_HDR_TO },
		{ "V", SIP_HDR_VIA },
		{ "o", SIP_HDR_EVENT },
		{ "u", SIP_HDR_ALLOW_EVENTS },
		{ "r", SIP_HDR_REFER_TO },
		{ "j", SIP_HDR_REJECT_CONTACT },
		{ "d", SIP_HDR_REQUEST_DISPOSITION },
		{ "a", SIP_HDR_ACCEPT_CONTACT },
		{ "x", SIP_HDR_OTHER },
		{ "call-id", SIP_HDR_CALL_ID },
		{ "CSEQ", SIP_HDR_CSEQ },
		{ "www-authenticate", SIP_HDR_WWW_AUTHENTICATE },
		{ "Sip-Etag", SIP_HDR_SIP_ETAG },
		{ "Via ", SIP_HDR_OTHER },
		{ "", SIP_HDR_OTHER },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK_INT(sip_hdr_id_from_name(str_cstr(t[i].name)), t[i].id);
	}
	CHECK(sip_hdr_name(SIP_HDR_OTHER) == NULL);
	CHECK(strcmp(sip_hdr_name(SIP_HDR_CALL_ID), "Call-ID") == 0);
}

static void other_headers(void)
{
	static const char msg[] =
		"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		"X-Foo: 1\r\nFrom: <sip:a@b>;tag=1\r\nx-foo: 2\r\nTo: <sip:a@b>\r\n"
		"X-Bar: 3\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nX-FOO : 4\r\n\r\n";
	static struct parsed p;
	const struct sip_hdr *h;

	parse_mem(&p, msg, sizeof(msg) - 1);
	CHECK_INT(p.rc, 0);
	h = sip_msg_hdr_by_name(&p.m, STR("x-foo"));
	CHECK(h && str_eq(h->value, STR("1")));
	h = sip_msg_hdr_next(&p.m, h);
	CHECK(h && str_eq(h->value, STR("2")));
	h = sip_msg_hdr_next(&p.m, h);
	CHECK(h && str_eq(h->value, STR("4")) && str_eq(h->name, STR("X-FOO")));
	CHECK(sip_msg_hdr_next(&p.m, h) == NULL);
	CHECK(sip_msg_hdr_by_name(&p.m, STR("X-Baz")) == NULL);
	/* a name with a compact form finds the field under either name */
	h = sip_msg_hdr_by_name(&p.m, STR("f"));
	CHECK(h && h->id == SIP_HDR_FROM);
}

static void build_response(void)
{
	static struct parsed p;
	static const char expect[] =
		"SIP/2.0 180 Ringing\r\n"
		"Via: SIP/2.0/UDP server10.biloxi.com;branch=z9hG4bK4b43c2ff8.1\r\n"
		"Via: SIP/2.0/UDP bigbox3.site3.atlanta.com;branch=z9hG4bK77ef4c2312983.1\r\n"
		" ;received=192.0.2.2\r\n"
		"Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8\r\n"
		" ;received=192.0.2.1\r\n"
		"From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
		"To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\r\n"
		"Call-ID: a84b4c76e66710\r\n"
		"CSeq: 314159 INVITE\r\n"
		"Contact: <sip:bob@192.0.2.4>\r\n"
		"Content-Length: 0\r\n"
		"\r\n";
	char out[2048];
	struct buf b;

	parse_file(&p, "rfc3261_invite_f5");
	CHECK_INT(p.rc, 0);
	buf_init(&b, out, sizeof(out));
	sip_msg_build_response(&b, &p.m, 180, "Ringing", STR("a6c85cf"), STR_NULL);
	buf_put_cstr(&b, "Contact: <sip:bob@192.0.2.4>\r\n");
	sip_msg_build_end(&b, STR_NULL, STR_NULL);
	CHECK_INT(b.err, 0);
	CHECK(str_eq(buf_str(&b), STR(expect)));

	/* the response re-parses with the same dialog identifiers */
	static struct parsed r;
	parse_mem(&r, b.p, b.len);
	CHECK_INT(r.rc, 0);
	CHECK(!r.m.request && r.m.status == 180 && r.m.n_via == 3);
	CHECK(str_eq(r.m.to.tag, STR("a6c85cf")) && str_eq(r.m.call_id, p.m.call_id));
	CHECK(r.m.cseq.num == p.m.cseq.num && r.m.cseq.method == SIP_INVITE);

	/* compact forms come back under their full names; the top via-parm
	 * is replaced by the transport's, the second stays; a To that has a
	 * tag keeps it */
	static const char compact[] =
		"BYE sip:a@b SIP/2.0\r\n"
		"v: SIP/2.0/UDP h1;branch=z9hG4bK1;rport , SIP/2.0/UDP h2;branch=z9hG4bK2\r\n"
		"f: <sip:a@b>;tag=1\r\nt: <sip:c@d>;tag=2\r\ni: cid\r\nCSeq: 7 BYE\r\n\r\n";
	static const char expect2[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP h1;branch=z9hG4bK1;rport=5062;received=192.0.2.9 , "
		"SIP/2.0/UDP h2;branch=z9hG4bK2\r\n"
		"From: <sip:a@b>;tag=1\r\n"
		"To: <sip:c@d>;tag=2\r\n"
		"Call-ID: cid\r\n"
		"CSeq: 7 BYE\r\n"
		"Content-Type: text/plain\r\n"
		"Content-Length: 5\r\n"
		"\r\n"
		"hello";
	parse_mem(&p, compact, sizeof(compact) - 1);
	CHECK_INT(p.rc, 0);
	CHECK(str_eq(p.m.via.text, STR("SIP/2.0/UDP h1;branch=z9hG4bK1;rport")));
	buf_init(&b, out, sizeof(out));
	sip_msg_build_response(&b, &p.m, 200, "OK", STR("zzz"),
		STR("SIP/2.0/UDP h1;branch=z9hG4bK1;rport=5062;received=192.0.2.9"));
	sip_msg_build_end(&b, STR("text/plain"), STR("hello"));
	CHECK_INT(b.err, 0);
	CHECK(str_eq(buf_str(&b), STR(expect2)));

	/* a 400 to a message refused as answerable */
	parse_file(&p, "bad_cseq_method");
	CHECK(p.rc == -EBADMSG && p.err.answerable);
	buf_init(&b, out, sizeof(out));
	sip_msg_build_response(&b, &p.m, p.err.status, p.err.reason, STR("t1"), STR_NULL);
	sip_msg_build_end(&b, STR_NULL, STR_NULL);
	CHECK(str_has_prefix(buf_str(&b), STR("SIP/2.0 400 CSeq Method Mismatch\r\n")));
	parse_mem(&r, b.p, b.len);
	CHECK_INT(r.rc, 0);
	CHECK(str_eq(r.m.cseq.method_str, STR("BYE")));

	/* too small a buffer: the sticky error */
	buf_init(&b, out, 40);
	parse_file(&p, "rfc3261_invite_f5");
	sip_msg_build_response(&b, &p.m, 180, "Ringing", STR("a6c85cf"), STR_NULL);
	sip_msg_build_end(&b, STR_NULL, STR_NULL);
	CHECK_INT(b.err, -ENOSPC);
}

UNIT_SUITE(sip_msg, UNIT_TEST(corpus), UNIT_TEST(register_fields), UNIT_TEST(response_fields),
	UNIT_TEST(compact_and_folded), UNIT_TEST(via_and_addresses), UNIT_TEST(auth_in_messages),
	UNIT_TEST(inline_cases), UNIT_TEST(limits), UNIT_TEST(tables), UNIT_TEST(other_headers),
	UNIT_TEST(build_response));
