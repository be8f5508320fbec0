/* SIP messages (RFC 3261 section 7): parse a received message into slices
 * of its receive buffer, read its headers, and build responses.
 *
 * Ownership: a struct sip_msg points into the buffer it was parsed from
 * and into the arena given to sip_msg_parse(); it is valid while both are.
 * Nothing is copied and nothing is allocated outside the arena.
 *
 * Laziness: sip_msg_parse() splits the start line and the header lines,
 * and parses at once only what every request needs to be answered or
 * matched to a transaction (the top Via, From, To, Call-ID, CSeq,
 * Max-Forwards, Content-Length). Every other header is parsed when a
 * caller asks for it, with the sip_parse_* functions of sip/parse.h.
 *
 * Loop thread only (no globals are written). */
#ifndef SIP_MSG_H
#define SIP_MSG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"
#include "sip/parse.h"

/* Methods are case-sensitive (RFC 3261 7.1). */
enum sip_method {
	SIP_METHOD_OTHER = 0, /* an extension method: see method_str */
	SIP_INVITE,
	SIP_ACK,
	SIP_BYE,
	SIP_CANCEL,
	SIP_OPTIONS,
	SIP_REGISTER,
	SIP_PRACK,
	SIP_SUBSCRIBE,
	SIP_NOTIFY,
	SIP_PUBLISH,
	SIP_INFO,
	SIP_REFER,
	SIP_MESSAGE,
	SIP_UPDATE,
	SIP_METHOD_COUNT
};

/* Header names are case-insensitive and have compact forms (7.3.3). */
enum sip_hdr_id {
	SIP_HDR_OTHER = 0,
	SIP_HDR_ACCEPT,
	SIP_HDR_ACCEPT_CONTACT, /* a, RFC 3841 */
	SIP_HDR_ALLOW,
	SIP_HDR_ALLOW_EVENTS, /* u, RFC 6665 */
	SIP_HDR_AUTHORIZATION,
	SIP_HDR_CALL_ID, /* i */
	SIP_HDR_CONTACT, /* m */
	SIP_HDR_CONTENT_ENCODING, /* e */
	SIP_HDR_CONTENT_LENGTH, /* l */
	SIP_HDR_CONTENT_TYPE, /* c */
	SIP_HDR_CSEQ,
	SIP_HDR_EVENT, /* o */
	SIP_HDR_EXPIRES,
	SIP_HDR_FROM, /* f */
	SIP_HDR_MAX_FORWARDS,
	SIP_HDR_MIN_EXPIRES,
	SIP_HDR_PATH,
	SIP_HDR_PROXY_AUTHENTICATE,
	SIP_HDR_PROXY_AUTHORIZATION,
	SIP_HDR_PROXY_REQUIRE,
	SIP_HDR_RECORD_ROUTE,
	SIP_HDR_REFER_TO, /* r */
	SIP_HDR_REJECT_CONTACT, /* j */
	SIP_HDR_REQUEST_DISPOSITION, /* d */
	SIP_HDR_REQUIRE,
	SIP_HDR_RETRY_AFTER,
	SIP_HDR_ROUTE,
	SIP_HDR_SERVER,
	SIP_HDR_SIP_ETAG,
	SIP_HDR_SIP_IF_MATCH,
	SIP_HDR_SUBJECT, /* s */
	SIP_HDR_SUBSCRIPTION_STATE,
	SIP_HDR_SUPPORTED, /* k */
	SIP_HDR_TIMESTAMP,
	SIP_HDR_TO, /* t */
	SIP_HDR_UNSUPPORTED,
	SIP_HDR_USER_AGENT,
	SIP_HDR_VIA, /* v */
	SIP_HDR_WWW_AUTHENTICATE,
	SIP_HDR_COUNT
};

/* One header field line. value has its leading and trailing white space
 * removed; line folding (CRLF followed by SP/HTAB) is left in place and is
 * white space to every sip_parse_* function. A line holding several
 * comma-separated values stays one field: the list parsers walk it. */
struct sip_hdr {
	enum sip_hdr_id id;
	struct str name;
	struct str value;
};

struct sip_cseq {
	uint32_t num; /* < 2**31 (8.1.1.5) */
	enum sip_method method;
	struct str method_str;
};

struct sip_msg {
	struct str raw; /* the whole message, up to the body's end */
	bool request;
	/* request line */
	enum sip_method method;
	struct str method_str;
	struct str ruri_str;
	struct sip_uri ruri;
	/* status line */
	unsigned status;
	struct str reason;
	/* header fields in order, in the arena */
	struct sip_hdr *hdrs;
	unsigned n_hdrs;
	struct str body;
	/* parsed at once (see above); every request has them or is refused */
	struct sip_via via; /* the top Via value */
	unsigned n_via; /* Via values in the message, across lines */
	struct sip_nameaddr from;
	struct sip_nameaddr to;
	struct str call_id;
	struct sip_cseq cseq;
	int max_forwards; /* -1 when absent */
	bool has_content_length;
	uint32_t content_length;
};

/* Why a message was refused: the status (400; 416 for a Request-URI of
 * another scheme, 8.2.2.1; 505; 513; 503 when the arena is full) and a reason
 * phrase naming the problem ("Bad CSeq", "Missing Call-ID", "Message Too
 * Large", ...), for the response when there is enough of a message to
 * answer (answerable: the start line was a request, with Via, From, To,
 * Call-ID and CSeq usable for 8.2.6); otherwise the message is dropped
 * and counted. */
struct sip_parse_err {
	unsigned status;
	const char *reason;
	bool answerable;
};

/* Parses len bytes at buf: exactly one message; the transport has framed
 * it (a UDP datagram, or a TCP frame of headers plus Content-Length body).
 * Over a Kconfig limit (CONFIG_SIP_MAX_MSG_SIZE, CONFIG_SIP_MAX_HEADERS,
 * CONFIG_SIP_MAX_HEADER_LEN, CONFIG_SIP_MAX_PARAMS, CONFIG_SIP_MAX_VIA),
 * on malformed input, or when the arena is full: -EBADMSG with *err
 * filled. 0 on success.
 * CRLFs before the start line are skipped (7.5). The body is
 * Content-Length bytes: bytes past it in a datagram are ignored, fewer
 * is 400 Bad Content-Length (18.3); without Content-Length it is the rest
 * of buf. The first problem found names the error, but parsing goes on so
 * that answerable is right: it needs the top Via value to parse and From,
 * To, Call-ID and CSeq to be present (a malformed one is copied back as
 * it came). m is then filled as far as it could be; only the fields of
 * an answerable request are meant to be used. */
int sip_msg_parse(
	struct sip_msg *m, const char *buf, size_t len, struct arena *a, struct sip_parse_err *err);

enum sip_method sip_method_from_str(struct str s);
const char *sip_method_name(enum sip_method m); /* NULL for OTHER */
/* Header id of a name, full or compact, case-insensitively. */
enum sip_hdr_id sip_hdr_id_from_name(struct str name);
/* The canonical full name ("Call-ID", "CSeq", "WWW-Authenticate"). */
const char *sip_hdr_name(enum sip_hdr_id id);

/* First field with this id, or NULL; then the next one after h. */
const struct sip_hdr *sip_msg_hdr(const struct sip_msg *m, enum sip_hdr_id id);
const struct sip_hdr *sip_msg_hdr_next(const struct sip_msg *m, const struct sip_hdr *h);
/* First field with this name (for SIP_HDR_OTHER), case-insensitively. */
const struct sip_hdr *sip_msg_hdr_by_name(const struct sip_msg *m, struct str name);

/* Writes the start line and the headers every response to req carries
 * (RFC 3261 8.2.6.2): all Via fields, From, To (with to_tag added when
 * the To has no tag and to_tag is not empty), Call-ID and CSeq, copied
 * exactly as received, in that order. top_via, when not empty, replaces
 * the top via-parm (req->via.text): the transport's version with
 * received/rport filled in (18.2.1, RFC 3581); the other Via values are
 * copied as they came. The caller then adds its own header lines and ends
 * with sip_msg_build_end(). Errors are the buf's sticky error. */
void sip_msg_build_response(struct buf *out, const struct sip_msg *req, unsigned status,
	const char *reason, struct str to_tag, struct str top_via);
/* Content-Type (when body is not empty), Content-Length, the empty line
 * and the body. */
void sip_msg_build_end(struct buf *out, struct str content_type, struct str body);

#endif
