/* SIP grammar pieces (RFC 3261 section 25): pure functions over (ptr, len)
 * that return slices of their input. No allocation, no globals, no I/O.
 * Every function bounds-checks every read and returns 0 or -EBADMSG.
 * Line folding (CRLF + SP/HTAB) counts as white space everywhere. */
#ifndef SIP_PARSE_H
#define SIP_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/str.h"

enum sip_uri_scheme {
	SIP_URI_SIP = 1,
	SIP_URI_SIPS,
	SIP_URI_TEL,
};

/* sip:, sips: (19.1) and tel: (RFC 3966) URIs. Escapes (%HH) are left in
 * the slices; sip_uri_eq() compares them decoded. */
struct sip_uri {
	enum sip_uri_scheme scheme;
	struct str user; /* tel: the number */
	struct str password;
	struct str host; /* an IPv6 reference keeps its brackets */
	uint16_t port; /* 0 when absent */
	struct str params; /* ";a=b;c", empty when none */
	struct str headers; /* "?a=b&c=d" without the '?', empty when none */
};

/* Exactly one URI, nothing around it. -EBADMSG over CONFIG_SIP_MAX_PARAMS
 * parameters or URI headers, for a name given twice (readers of
 * sip_param_get and sip_uri_eq would disagree on it), for port 0, and for
 * another scheme (see sip_parse_absolute_uri). */
int sip_parse_uri(struct str s, struct sip_uri *u);
/* True when s is an absoluteURI of any scheme (scheme ":" and no white
 * space, "<", ">" or DQUOTE): what a Request-URI or a name-addr may hold
 * besides sip:, sips: and tel: (RFC 3261 8.2.2.1: 416). */
bool sip_parse_absolute_uri(struct str s);
/* Value of a ;name or ;name=value parameter in params (names compared
 * case-insensitively, the first one wins). Returns true when present;
 * *value is empty for a parameter without a value, and a quoted value
 * comes without its quotes. Works on URI and header parameters. */
bool sip_param_get(struct str params, struct str name, struct str *value);
/* Walks a ";"-list of parameters (URI or header): the next name and
 * value (quoted values without their quotes, has_value false for a bare
 * name), *s moved past it. False at the end of the list or at something
 * that is not a parameter. */
bool sip_param_next(struct str *s, struct str *name, struct str *value, bool *has_value);
/* RFC 3261 19.1.4 URI equality. */
bool sip_uri_eq(const struct sip_uri *a, const struct sip_uri *b);

/* One via-parm (20.42, 18.2.1, RFC 3581). */
struct sip_via {
	struct str protocol; /* "SIP/2.0" */
	struct str transport; /* "UDP", "TCP", "TLS", "WS", "WSS", ... */
	struct str host;
	uint16_t port; /* 0 when absent */
	struct str branch;
	struct str received;
	struct str maddr;
	bool rport; /* the parameter is present */
	uint16_t rport_value; /* 0 when present without a value */
	int ttl; /* -1 when absent */
	struct str params; /* all parameters, ";..." */
	struct str text; /* the whole via-parm, as received */
};

/* Parses the first via-parm of a Via value and sets *rest to what follows
 * its comma (empty at the end of the value). */
int sip_parse_via(struct str value, struct sip_via *v, struct str *rest);

/* name-addr or addr-spec with generic parameters (From, To, Contact,
 * Route, Record-Route, Path, Refer-To, Reply-To). */
struct sip_nameaddr {
	struct str display; /* without quotes; escapes left in place */
	struct str uri_str;
	struct sip_uri uri; /* scheme 0 (all empty) for another absoluteURI */
	struct str params; /* header parameters after the URI, ";..." */
	struct str tag; /* the tag parameter, empty when none */
	bool star; /* Contact: * */
	struct str text; /* the whole element, as received */
};

/* Parses one element of a comma-separated list, *rest as for Via. In an
 * addr-spec without <>, parameters belong to the header (20.10). */
int sip_parse_nameaddr(struct str value, struct sip_nameaddr *na, struct str *rest);

/* A comma-separated token list (Require, Supported, Allow, ...): sets
 * *item to the next token and *rest to what follows; false at the end
 * (*rest then empty) or at an element that is not a token (*rest then
 * left at it, not empty). Empty elements are skipped. */
bool sip_parse_token_list(struct str *rest, struct str *item);

/* Digest credentials and challenges (22.4, RFC 7616, RFC 8760): the
 * scheme and up to SIP_AUTH_MAX_PARAMS name=value pairs (quoted values
 * without quotes, escapes left in place). A parameter name given twice
 * is -EBADMSG, so every reader sees the same credentials. */
#define SIP_AUTH_MAX_PARAMS 16
struct sip_auth_param {
	struct str name;
	struct str value;
	bool quoted;
};
struct sip_auth {
	struct str scheme; /* "Digest" */
	struct sip_auth_param params[SIP_AUTH_MAX_PARAMS];
	unsigned n_params;
};
int sip_parse_auth(struct str value, struct sip_auth *out);
/* Value of a parameter by name (case-insensitive), or false. */
bool sip_auth_get(const struct sip_auth *a, struct str name, struct str *value);

/* Decimal header values (Content-Length, Max-Forwards, Expires,
 * Min-Expires): digits with optional surrounding white space. */
int sip_parse_uint(struct str value, uint32_t max, uint32_t *out);

/* s without leading and trailing LWS (SP, HTAB and line folds). */
struct str sip_parse_trim(struct str s);
/* True when s is one non-empty token (25.1). */
bool sip_parse_is_token(struct str s);

#endif
