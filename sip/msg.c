#include "sip/msg.h"

#include <errno.h>
#include <string.h>

#include "autoconf.h"

static const char *const method_names[SIP_METHOD_COUNT] = {
	[SIP_INVITE] = "INVITE",
	[SIP_ACK] = "ACK",
	[SIP_BYE] = "BYE",
	[SIP_CANCEL] = "CANCEL",
	[SIP_OPTIONS] = "OPTIONS",
	[SIP_REGISTER] = "REGISTER",
	[SIP_PRACK] = "PRACK",
	[SIP_SUBSCRIBE] = "SUBSCRIBE",
	[SIP_NOTIFY] = "NOTIFY",
	[SIP_PUBLISH] = "PUBLISH",
	[SIP_INFO] = "INFO",
	[SIP_REFER] = "REFER",
	[SIP_MESSAGE] = "MESSAGE",
	[SIP_UPDATE] = "UPDATE",
};

struct msg_hdr_name {
	const char *full;
	char compact; /* RFC 3261 7.3.3 and the IANA SIP header registry */
};

static const struct msg_hdr_name hdr_names[SIP_HDR_COUNT] = {
	[SIP_HDR_ACCEPT] = { "Accept", 0 },
	[SIP_HDR_ACCEPT_CONTACT] = { "Accept-Contact", 'a' },
	[SIP_HDR_ALLOW] = { "Allow", 0 },
	[SIP_HDR_ALLOW_EVENTS] = { "Allow-Events", 'u' },
	[SIP_HDR_AUTHORIZATION] = { "Authorization", 0 },
	[SIP_HDR_CALL_ID] = { "Call-ID", 'i' },
	[SIP_HDR_CONTACT] = { "Contact", 'm' },
	[SIP_HDR_CONTENT_ENCODING] = { "Content-Encoding", 'e' },
	[SIP_HDR_CONTENT_LENGTH] = { "Content-Length", 'l' },
	[SIP_HDR_CONTENT_TYPE] = { "Content-Type", 'c' },
	[SIP_HDR_CSEQ] = { "CSeq", 0 },
	[SIP_HDR_EVENT] = { "Event", 'o' },
	[SIP_HDR_EXPIRES] = { "Expires", 0 },
	[SIP_HDR_FROM] = { "From", 'f' },
	[SIP_HDR_MAX_FORWARDS] = { "Max-Forwards", 0 },
	[SIP_HDR_MIN_EXPIRES] = { "Min-Expires", 0 },
	[SIP_HDR_PATH] = { "Path", 0 },
	[SIP_HDR_PROXY_AUTHENTICATE] = { "Proxy-Authenticate", 0 },
	[SIP_HDR_PROXY_AUTHORIZATION] = { "Proxy-Authorization", 0 },
	[SIP_HDR_PROXY_REQUIRE] = { "Proxy-Require", 0 },
	[SIP_HDR_RECORD_ROUTE] = { "Record-Route", 0 },
	[SIP_HDR_REFER_TO] = { "Refer-To", 'r' },
	[SIP_HDR_REJECT_CONTACT] = { "Reject-Contact", 'j' },
	[SIP_HDR_REQUEST_DISPOSITION] = { "Request-Disposition", 'd' },
	[SIP_HDR_REQUIRE] = { "Require", 0 },
	[SIP_HDR_RETRY_AFTER] = { "Retry-After", 0 },
	[SIP_HDR_ROUTE] = { "Route", 0 },
	[SIP_HDR_SERVER] = { "Server", 0 },
	[SIP_HDR_SIP_ETAG] = { "SIP-ETag", 0 },
	[SIP_HDR_SIP_IF_MATCH] = { "SIP-If-Match", 0 },
	[SIP_HDR_SUBJECT] = { "Subject", 's' },
	[SIP_HDR_SUBSCRIPTION_STATE] = { "Subscription-State", 0 },
	[SIP_HDR_SUPPORTED] = { "Supported", 'k' },
	[SIP_HDR_TIMESTAMP] = { "Timestamp", 0 },
	[SIP_HDR_TO] = { "To", 't' },
	[SIP_HDR_UNSUPPORTED] = { "Unsupported", 0 },
	[SIP_HDR_USER_AGENT] = { "User-Agent", 0 },
	[SIP_HDR_VIA] = { "Via", 'v' },
	[SIP_HDR_WWW_AUTHENTICATE] = { "WWW-Authenticate", 0 },
};

/* The answer to refuse a message with; the first problem found wins. */
static void msg_fail(struct sip_parse_err *err, unsigned status, const char *reason)
{
	if (err->status == 0) {
		err->status = status;
		err->reason = reason;
	}
}

static void adv(struct str *s, size_t n)
{
	s->p += n;
	s->len -= n;
}

enum sip_method sip_method_from_str(struct str s)
{
	for (int i = SIP_METHOD_OTHER + 1; i < SIP_METHOD_COUNT; i++) {
		if (str_eq(s, str_cstr(method_names[i]))) {
			return (enum sip_method)i;
		}
	}
	return SIP_METHOD_OTHER;
}

const char *sip_method_name(enum sip_method m)
{
	if (m <= SIP_METHOD_OTHER || m >= SIP_METHOD_COUNT) {
		return NULL;
	}
	return method_names[m];
}

enum sip_hdr_id sip_hdr_id_from_name(struct str name)
{
	for (int i = SIP_HDR_OTHER + 1; i < SIP_HDR_COUNT; i++) {
		const struct msg_hdr_name *h = &hdr_names[i];
		if (name.len == 1 ? (h->compact && str_ieq(name, str_make(&h->compact, 1)))
				  : str_ieq(name, str_cstr(h->full))) {
			return (enum sip_hdr_id)i;
		}
	}
	return SIP_HDR_OTHER;
}

const char *sip_hdr_name(enum sip_hdr_id id)
{
	if (id <= SIP_HDR_OTHER || id >= SIP_HDR_COUNT) {
		return NULL;
	}
	return hdr_names[id].full;
}

const struct sip_hdr *sip_msg_hdr(const struct sip_msg *m, enum sip_hdr_id id)
{
	for (unsigned i = 0; i < m->n_hdrs; i++) {
		if (m->hdrs[i].id == id) {
			return &m->hdrs[i];
		}
	}
	return NULL;
}

const struct sip_hdr *sip_msg_hdr_next(const struct sip_msg *m, const struct sip_hdr *h)
{
	if (!h || m->n_hdrs == 0 || h < m->hdrs || h >= m->hdrs + m->n_hdrs) {
		return NULL;
	}
	for (const struct sip_hdr *n = h + 1; n < m->hdrs + m->n_hdrs; n++) {
		if (n->id == h->id && (h->id != SIP_HDR_OTHER || str_ieq(n->name, h->name))) {
			return n;
		}
	}
	return NULL;
}

const struct sip_hdr *sip_msg_hdr_by_name(const struct sip_msg *m, struct str name)
{
	enum sip_hdr_id id = sip_hdr_id_from_name(name);

	if (id != SIP_HDR_OTHER) {
		return sip_msg_hdr(m, id); /* finds "f:" for "From" too */
	}
	for (unsigned i = 0; i < m->n_hdrs; i++) {
		if (m->hdrs[i].id == SIP_HDR_OTHER && str_ieq(m->hdrs[i].name, name)) {
			return &m->hdrs[i];
		}
	}
	return NULL;
}

/* ---- framing ----------------------------------------------------------- */

/* Index of the CRLF ending the line at s, or -1. */
static ptrdiff_t find_crlf(struct str s)
{
	for (size_t i = 0; i + 1 < s.len; i++) {
		if (s.p[i] == '\r' && s.p[i + 1] == '\n') {
			return (ptrdiff_t)i;
		}
	}
	return -1;
}

enum msg_field {
	MSG_FIELD_END, /* the empty line: the header block ends */
	MSG_FIELD_OK,
	MSG_FIELD_BAD, /* a bare CR, LF or NUL inside */
	MSG_FIELD_LAST, /* no empty line: the field runs to the end */
};

/* One header field at the front of s, with its folds (7.3.1: a line
 * starting with SP or HTAB continues the previous one). */
static enum msg_field msg_next_field(struct str *s, struct str *field)
{
	enum msg_field r = MSG_FIELD_OK;
	size_t i = 0;

	if (s->len >= 2 && s->p[0] == '\r' && s->p[1] == '\n') {
		adv(s, 2);
		return MSG_FIELD_END;
	}
	for (;;) {
		if (i >= s->len) {
			*field = *s;
			adv(s, s->len);
			return MSG_FIELD_LAST;
		}
		char c = s->p[i];
		if (c == '\r' && i + 1 < s->len && s->p[i + 1] == '\n') {
			if (i + 2 < s->len && (s->p[i + 2] == ' ' || s->p[i + 2] == '\t')) {
				i += 3;
				continue;
			}
			*field = str_make(s->p, i);
			adv(s, i + 2);
			return r;
		}
		if (c == '\r' || c == '\n' || c == '\0') {
			r = MSG_FIELD_BAD;
		}
		i++;
	}
}

/* field-name HCOLON field-value (7.3.1); field-name is a token. */
static int msg_split_field(struct str f, struct sip_hdr *h)
{
	size_t i = 0;

	while (i < f.len && f.p[i] != ':' && f.p[i] != ' ' && f.p[i] != '\t') {
		i++;
	}
	h->name = str_make(f.p, i);
	while (i < f.len && (f.p[i] == ' ' || f.p[i] == '\t')) {
		i++;
	}
	if (!sip_parse_is_token(h->name) || i >= f.len || f.p[i] != ':') {
		return -EBADMSG;
	}
	h->value = sip_parse_trim(str_make(f.p + i + 1, f.len - i - 1));
	h->id = sip_hdr_id_from_name(h->name);
	return 0;
}

/* ---- start line (7.1, 7.2) ---------------------------------------------- */

static bool msg_is_version(struct str v)
{
	size_t i = 4, d1 = 0, d2 = 0;

	if (v.len < 4 || !str_ieq(str_make(v.p, 4), STR("SIP/"))) {
		return false;
	}
	while (i < v.len && v.p[i] >= '0' && v.p[i] <= '9') {
		i++;
		d1++;
	}
	if (i >= v.len || v.p[i] != '.') {
		return false;
	}
	for (i++; i < v.len && v.p[i] >= '0' && v.p[i] <= '9'; i++) {
		d2++;
	}
	return d1 && d2 && i == v.len;
}

static bool msg_known_scheme(struct str u)
{
	static const char *const known[] = { "sip:", "sips:", "tel:" };

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		struct str k = str_cstr(known[i]);
		if (u.len >= k.len && str_ieq(str_make(u.p, k.len), k)) {
			return true;
		}
	}
	return false;
}

/* 0, or -EBADMSG when the line is not a SIP start line at all (nothing to
 * answer); a request line with another version or a bad Request-URI is
 * refused with err set, but goes on to be answerable. */
static int msg_parse_start(struct sip_msg *m, struct str line, struct sip_parse_err *err)
{
	ptrdiff_t sp1 = str_find(line, ' ');

	if (sp1 <= 0) {
		msg_fail(err, 400, "Bad Start Line");
		return -EBADMSG;
	}
	struct str first = str_make(line.p, (size_t)sp1);
	struct str after = str_make(line.p + sp1 + 1, line.len - (size_t)sp1 - 1);
	if (msg_is_version(first)) {
		/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase */
		uint32_t code;
		if (!str_ieq(first, STR("SIP/2.0"))) {
			msg_fail(err, 505, "Version Not Supported");
			return -EBADMSG;
		}
		if (after.len < 3 || str_to_u32(str_make(after.p, 3), 999, &code) < 0 ||
			code < 100 || code > 699 || (after.len > 3 && after.p[3] != ' ')) {
			msg_fail(err, 400, "Bad Status Line");
			return -EBADMSG;
		}
		m->status = code;
		m->reason = after.len > 4 ? str_make(after.p + 4, after.len - 4) : STR_NULL;
		for (size_t i = 0; i < m->reason.len; i++) {
			unsigned char c = (unsigned char)m->reason.p[i];
			if ((c < 0x20 && c != '\t') || c == 0x7f) {
				msg_fail(err, 400, "Bad Status Line");
				return -EBADMSG;
			}
		}
		return 0;
	}
	/* Request-Line = Method SP Request-URI SP SIP-Version */
	ptrdiff_t sp2 = str_find(after, ' ');
	if (!sip_parse_is_token(first) || sp2 <= 0) {
		msg_fail(err, 400, "Bad Request Line");
		return -EBADMSG;
	}
	struct str version = str_make(after.p + sp2 + 1, after.len - (size_t)sp2 - 1);
	if (!msg_is_version(version)) {
		msg_fail(err, 400, "Bad Request Line");
		return -EBADMSG;
	}
	m->request = true;
	m->method_str = first;
	m->method = sip_method_from_str(first);
	m->ruri_str = str_make(after.p, (size_t)sp2);
	if (!str_ieq(version, STR("SIP/2.0"))) {
		msg_fail(err, 505, "Version Not Supported"); /* 8.2.2.1 */
	}
	if (sip_parse_uri(m->ruri_str, &m->ruri) < 0) {
		/* 8.2.2.1: a scheme we do not know is 416, garbage is 400 */
		if (sip_parse_absolute_uri(m->ruri_str) && !msg_known_scheme(m->ruri_str)) {
			msg_fail(err, 416, "Unsupported URI Scheme");
		} else {
			msg_fail(err, 400, "Bad Request-URI");
		}
	}
	return 0;
}

/* ---- the headers parsed at once ------------------------------------------ */

static bool msg_must_keep(enum sip_hdr_id id)
{
	return id == SIP_HDR_VIA || id == SIP_HDR_FROM || id == SIP_HDR_TO ||
		id == SIP_HDR_CALL_ID || id == SIP_HDR_CSEQ;
}

/* CSeq = 1*DIGIT LWS Method (20.16), the number below 2**31 (8.1.1.5). */
static int msg_parse_cseq(struct str v, struct sip_cseq *c)
{
	size_t i = 0;
	uint32_t n;

	while (i < v.len && v.p[i] >= '0' && v.p[i] <= '9') {
		i++;
	}
	if (str_to_u32(str_make(v.p, i), 0x7fffffff, &n) < 0) {
		return -EBADMSG;
	}
	struct str m = sip_parse_trim(str_make(v.p + i, v.len - i));
	if (m.p == v.p + i || !sip_parse_is_token(m)) {
		return -EBADMSG; /* LWS is required between the two */
	}
	c->num = n;
	c->method_str = m;
	c->method = sip_method_from_str(m);
	return 0;
}

/* callid = word [ "@" word ] (25.1); any visible ASCII is taken as a word
 * character so that odd but harmless Call-IDs still match transactions. */
static bool msg_valid_call_id(struct str v)
{
	if (v.len == 0) {
		return false;
	}
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] <= 0x20 || v.p[i] >= 0x7f) {
			return false;
		}
	}
	return true;
}

/* From and To hold exactly one name-addr: nothing but LWS may follow. */
static int msg_parse_party(struct str v, struct sip_nameaddr *na)
{
	struct str rest;

	if (sip_parse_nameaddr(v, na, &rest) < 0 || na->star) {
		return -EBADMSG;
	}
	const char *end = na->text.p + na->text.len;
	struct str tail = sip_parse_trim(str_make(end, (size_t)(v.p + v.len - end)));
	return tail.len == 0 ? 0 : -EBADMSG;
}

struct msg_seen {
	unsigned from, to, call_id, cseq, max_fwd, clen;
	bool via_ok; /* the top via-parm parsed */
	bool via_bad; /* a Via did not: the later ones are not looked at */
};

static void msg_parse_via_hdr(struct sip_msg *m, const struct sip_hdr *h, struct msg_seen *seen,
	struct sip_parse_err *err)
{
	struct str rest = h->value;
	struct sip_via v;

	do {
		if (sip_parse_via(rest, &v, &rest) < 0) {
			msg_fail(err, 400, "Bad Via");
			seen->via_bad = true;
			return;
		}
		if (m->n_via == 0) {
			m->via = v;
			seen->via_ok = true;
		}
		if (m->n_via >= CONFIG_SIP_MAX_VIA) {
			msg_fail(err, 400, "Too Many Via");
			return;
		}
		m->n_via++;
	} while (rest.len);
	if (rest.p > h->value.p && rest.p[-1] == ',') {
		msg_fail(err, 400, "Bad Via"); /* a trailing comma */
		seen->via_bad = true;
	}
}

static void msg_parse_eager(struct sip_msg *m, struct msg_seen *seen, struct sip_parse_err *err)
{
	for (unsigned i = 0; i < m->n_hdrs; i++) {
		const struct sip_hdr *h = &m->hdrs[i];
		uint32_t n;
		switch (h->id) {
		case SIP_HDR_VIA:
			if (!seen->via_bad) {
				msg_parse_via_hdr(m, h, seen, err);
			}
			break;
		case SIP_HDR_FROM:
			if (seen->from++ != 0 || msg_parse_party(h->value, &m->from) < 0) {
				msg_fail(err, 400, "Bad From");
			}
			break;
		case SIP_HDR_TO:
			if (seen->to++ != 0 || msg_parse_party(h->value, &m->to) < 0) {
				msg_fail(err, 400, "Bad To");
			}
			break;
		case SIP_HDR_CALL_ID:
			if (seen->call_id++ == 0 && msg_valid_call_id(h->value)) {
				m->call_id = h->value;
			} else {
				msg_fail(err, 400, "Bad Call-ID");
			}
			break;
		case SIP_HDR_CSEQ:
			if (seen->cseq++ != 0 || msg_parse_cseq(h->value, &m->cseq) < 0) {
				msg_fail(err, 400, "Bad CSeq");
			} else if (m->request && !str_eq(m->cseq.method_str, m->method_str)) {
				msg_fail(err, 400, "CSeq Method Mismatch"); /* 8.1.1.5 */
			}
			break;
		case SIP_HDR_MAX_FORWARDS:
			if (seen->max_fwd++ != 0 || sip_parse_uint(h->value, 255, &n) < 0) {
				msg_fail(err, 400, "Bad Max-Forwards");
			} else {
				m->max_forwards = (int)n;
			}
			break;
		case SIP_HDR_CONTENT_LENGTH:
			/* two lengths would let two readers frame differently */
			if (seen->clen++ != 0 || sip_parse_uint(h->value, UINT32_MAX, &n) < 0) {
				msg_fail(err, 400, "Bad Content-Length");
			} else {
				m->has_content_length = true;
				m->content_length = n;
			}
			break;
		default:
			break;
		}
	}
	if (!sip_msg_hdr(m, SIP_HDR_VIA)) {
		msg_fail(err, 400, "Missing Via");
	}
	if (!seen->from) {
		msg_fail(err, 400, "Missing From");
	}
	if (!seen->to) {
		msg_fail(err, 400, "Missing To");
	}
	if (!seen->call_id) {
		msg_fail(err, 400, "Missing Call-ID");
	}
	if (!seen->cseq) {
		msg_fail(err, 400, "Missing CSeq");
	}
}

int sip_msg_parse(
	struct sip_msg *m, const char *buf, size_t len, struct arena *a, struct sip_parse_err *err)
{
	struct str s = str_make(buf, len);
	struct str hs, field, line;
	struct msg_seen seen;
	unsigned n = 0, keep;
	enum msg_field r;

	memset(m, 0, sizeof(*m));
	memset(err, 0, sizeof(*err));
	memset(&seen, 0, sizeof(seen));
	m->max_forwards = -1;
	/* 7.5: CRLFs before the start line are ignored */
	while (s.len >= 2 && s.p[0] == '\r' && s.p[1] == '\n') {
		adv(&s, 2);
	}
	m->raw = s;
	if (len > CONFIG_SIP_MAX_MSG_SIZE) {
		msg_fail(err, 513, "Message Too Large");
	}
	ptrdiff_t eol = find_crlf(s);
	if (eol < 0) {
		msg_fail(err, 400, "Bad Start Line");
		goto out;
	}
	line = str_make(s.p, (size_t)eol);
	adv(&s, (size_t)eol + 2);
	if (msg_parse_start(m, line, err) < 0) {
		goto out;
	}

	/* Count the fields first, so the arena holds exactly the index. */
	hs = s;
	do {
		r = msg_next_field(&hs, &field);
		n += r != MSG_FIELD_END && !(r == MSG_FIELD_LAST && field.len == 0);
	} while (r != MSG_FIELD_END && r != MSG_FIELD_LAST);
	keep = n;
	if (n > CONFIG_SIP_MAX_HEADERS) {
		/* still index what a 400 answer needs */
		msg_fail(err, 400, "Too Many Headers");
		keep = CONFIG_SIP_MAX_HEADERS;
	}
	if (keep) {
		m->hdrs = arena_alloc(a, keep * sizeof(*m->hdrs));
		if (!m->hdrs) {
			msg_fail(err, 503, "Message Arena Full");
			goto out;
		}
	}
	for (;;) {
		struct sip_hdr h;
		r = msg_next_field(&s, &field);
		if (r == MSG_FIELD_END) {
			break;
		}
		if (r == MSG_FIELD_LAST) {
			msg_fail(err, 400, "Missing Empty Line");
			if (field.len == 0) {
				break;
			}
		}
		if (r == MSG_FIELD_BAD || msg_split_field(field, &h) < 0) {
			msg_fail(err, 400, "Bad Header");
		} else {
			if (field.len > CONFIG_SIP_MAX_HEADER_LEN) {
				msg_fail(err, 400, "Header Too Long");
			}
			if (m->n_hdrs < keep && (n <= keep || msg_must_keep(h.id))) {
				m->hdrs[m->n_hdrs++] = h;
			}
		}
		if (r == MSG_FIELD_LAST) {
			break;
		}
	}
	msg_parse_eager(m, &seen, err);

	/* 18.3: the body is Content-Length bytes; bytes past it in a datagram
	 * are discarded, fewer is an error. Without the header the datagram's
	 * end is the body's end (a stream transport always frames by it). */
	if (m->has_content_length) {
		if (m->content_length > s.len) {
			msg_fail(err, 400, "Bad Content-Length");
		} else {
			m->body = str_make(s.p, m->content_length);
		}
	} else {
		m->body = s;
	}
	if (m->body.p) {
		m->raw.len = (size_t)(m->body.p + m->body.len - m->raw.p);
	}
	err->answerable =
		m->request && seen.via_ok && seen.from && seen.to && seen.call_id && seen.cseq;
out:
	if (err->status == 0) {
		err->answerable = false;
		return 0;
	}
	if (!m->request) {
		err->answerable = false;
	}
	return -EBADMSG;
}

/* ---- building responses (8.2.6) ---------------------------------------- */

static void msg_put_hdr(struct buf *out, enum sip_hdr_id id, struct str value)
{
	buf_put_cstr(out, hdr_names[id].full);
	buf_put(out, ": ", 2);
	buf_put_str(out, value);
}

void sip_msg_build_response(struct buf *out, const struct sip_msg *req, unsigned status,
	const char *reason, struct str to_tag, struct str top_via)
{
	static const enum sip_hdr_id copied[] = { SIP_HDR_VIA, SIP_HDR_FROM, SIP_HDR_TO,
		SIP_HDR_CALL_ID, SIP_HDR_CSEQ };
	const struct sip_hdr *top = sip_msg_hdr(req, SIP_HDR_VIA);

	buf_put_cstr(out, "SIP/2.0 ");
	buf_put_u64(out, status);
	buf_put_char(out, ' ');
	if (reason) {
		buf_put_cstr(out, reason);
	}
	buf_put(out, "\r\n", 2);
	for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++) {
		const struct sip_hdr *h = sip_msg_hdr(req, copied[i]);
		/* 8.2.6.2: all Via fields, in order; one of each other */
		for (; h; h = copied[i] == SIP_HDR_VIA ? sip_msg_hdr_next(req, h) : NULL) {
			struct str v = h->value;
			const char *vt = req->via.text.p;
			if (h == top && top_via.len && vt && vt >= v.p &&
				vt + req->via.text.len <= v.p + v.len) {
				/* 18.2.1: the top via-parm as the transport completed it */
				const char *after = vt + req->via.text.len;
				msg_put_hdr(out, SIP_HDR_VIA, str_make(v.p, (size_t)(vt - v.p)));
				buf_put_str(out, top_via);
				buf_put_str(out, str_make(after, (size_t)(v.p + v.len - after)));
			} else {
				msg_put_hdr(out, copied[i], v);
			}
			if (copied[i] == SIP_HDR_TO && to_tag.len && req->to.text.len &&
				!req->to.tag.len) {
				buf_put(out, ";tag=", 5);
				buf_put_str(out, to_tag);
			}
			buf_put(out, "\r\n", 2);
		}
	}
}

void sip_msg_build_end(struct buf *out, struct str content_type, struct str body)
{
	if (body.len && content_type.len) {
		msg_put_hdr(out, SIP_HDR_CONTENT_TYPE, content_type);
		buf_put(out, "\r\n", 2);
	}
	buf_put_cstr(out, "Content-Length: ");
	buf_put_u64(out, body.len);
	buf_put(out, "\r\n\r\n", 4);
	buf_put_str(out, body);
}
