/* Caller preferences (RFC 3841) over the feature parameters of RFC 3840:
 * parse a request's Accept-Contact, Reject-Contact and Request-Disposition,
 * score each registered contact against them (7.2.4) and order the
 * contacts that remain (q first, then Qa).
 *
 * Pure: no I/O, no globals written, no allocation. Every loop is bounded
 * by the input's length or by the constants below. Loop thread (or any
 * thread: nothing is shared).
 *
 * Ownership: a struct callerprefs holds slices of the message it was
 * parsed from (and static literals); it is valid while that message is.
 * It is about 5 KiB (x86_64), caller-owned: on the stack or in the
 * forking context of the request.
 *
 * What is matched, exactly (RFC 3840 section 9, RFC 3841 section 8):
 * - Feature parameters are the base tags of RFC 3841 7.2.1 (audio,
 *   automata, class, duplex, data, control, mobility, description, events,
 *   priority, methods, schemes, application, video, language, type,
 *   isfocus, actor, text, extensions) and every name starting with "+".
 *   Names are compared decoded (RFC 3841 8), case-insensitively:
 *   "+sip.audio" is "audio", "+language" is "language".
 * - A value is TRUE when bare, a "<string>" (compared byte for byte,
 *   quoted-pairs left as they are), or a list of tag-values: tokens
 *   (compared case-insensitively; "!TRUE" is FALSE and "!FALSE" TRUE),
 *   and numerics "#=N", "#>=N", "#<=N", "#A:B" (also "#N" for "#=N"),
 *   each possibly negated with "!". Numbers have at most 12 integer and 6
 *   fraction digits (exact fixed point; RFC 3840 only asks for what a C
 *   double holds).
 * - A term of a predicate matches a contact when the contact does not
 *   name that feature (RFC 2533: the contact then allows any value), or
 *   when some value of the contact and some value of the term can hold at
 *   once (tokens equal, strings equal, numeric intervals overlap; a
 *   negated value holds for everything else of its feature). A value of
 *   the other type (token against number) never matches.
 * - A stored contact value that does not parse matches nothing, but still
 *   names its feature (for Reject-Contact and for the score).
 *
 * Simplifications, all documented where they act: an Accept-Contact value
 * without feature parameters ("*", "*;require") constrains nothing and
 * is left out of Qa (7.2.4 would divide by zero); a Reject-Contact value
 * without feature parameters rejects every contact that has feature
 * parameters (the empty conjunction of RFC 2533 matches everything).
 * A negated numeric term is compared with the real line in mind (two
 * closed intervals whose union is the whole line leave nothing). */
#ifndef SIP_CALLERPREFS_H
#define SIP_CALLERPREFS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/str.h"
#include "sip/msg.h"

/* Accept-Contact and Reject-Contact values in one request, together. */
#define CALLERPREFS_MAX 8
/* Feature parameters in one Accept-Contact or Reject-Contact value. */
#define CALLERPREFS_MAX_PARAMS 16
/* Values in one feature parameter's list ("INVITE,BYE" is two). */
#define CALLERPREFS_MAX_VALUES 16

/* One feature parameter of a predicate. literal: value is one token taken
 * as it is (a bare name's TRUE, or the request's method for the implicit
 * preference), not a tag-value-list to parse. */
struct callerprefs_feature {
	struct str name; /* as written: "audio", "+sip.newparam" */
	struct str value; /* without its quotes */
	bool literal;
};

/* One Accept-Contact or Reject-Contact value (a conjunction). */
struct callerprefs_pred {
	bool reject; /* from Reject-Contact */
	bool require; /* Accept-Contact ;require */
	bool explicit; /* Accept-Contact ;explicit */
	unsigned n;
	struct callerprefs_feature f[CALLERPREFS_MAX_PARAMS];
};

/* Request-Disposition directive types (RFC 3841 9.1), each UNSET, YES
 * (proxy, cancel, fork, recurse, parallel, queue) or NO (redirect,
 * no-cancel, no-fork, no-recurse, sequential, no-queue). */
enum callerprefs_disp {
	CALLERPREFS_DISP_PROXY,
	CALLERPREFS_DISP_CANCEL,
	CALLERPREFS_DISP_FORK,
	CALLERPREFS_DISP_RECURSE,
	CALLERPREFS_DISP_PARALLEL,
	CALLERPREFS_DISP_QUEUE,
	CALLERPREFS_DISP_COUNT
};
enum {
	CALLERPREFS_UNSET = 0,
	CALLERPREFS_YES,
	CALLERPREFS_NO,
};

struct callerprefs {
	unsigned n;
	struct callerprefs_pred pred[CALLERPREFS_MAX];
	/* pred[0] is the implicit preference of RFC 3841 7.2.2 (the request
	 * had neither Accept-Contact nor Reject-Contact): require, terms
	 * sip.methods = the method and, for SUBSCRIBE, sip.events = the
	 * Event package. When it leaves no contact at all, the proxy goes
	 * back to the whole target set in q order (7.2.4, last paragraphs),
	 * so that the UAS answers 405 or 489 instead of the proxy's 480. */
	bool implicit;
	uint8_t disposition[CALLERPREFS_DISP_COUNT];
	const char *why; /* -EBADMSG: reason phrase for the 400 */
};

/* Parses every Accept-Contact, Reject-Contact and Request-Disposition field
 * of request m into *out (all of *out is written), then adds the implicit
 * preference when there was no Accept-Contact or Reject-Contact.
 * -EBADMSG with out->why set when a value is malformed (RFC 3841 10 and
 * RFC 3840 9 grammars), names a feature twice, repeats require or
 * explicit, holds more than CALLERPREFS_MAX values in all or more than
 * CALLERPREFS_MAX_PARAMS feature parameters or CALLERPREFS_MAX_VALUES
 * values in a list, or when Request-Disposition has an unknown directive
 * or two of one type (9.1). Non-feature parameters (";q=1.0") are
 * skipped. 0 on success. */
int callerprefs_parse(const struct sip_msg *m, struct callerprefs *out);
/* The same for one header field value: id is SIP_HDR_ACCEPT_CONTACT,
 * SIP_HDR_REJECT_CONTACT or SIP_HDR_REQUEST_DISPOSITION (-EINVAL
 * otherwise), added to what cp holds; cp must start zeroed. No implicit
 * preference is added. On -EBADMSG cp holds part of the value. */
int callerprefs_parse_field(struct callerprefs *cp, enum sip_hdr_id id, struct str value);

/* True when there is a predicate to apply (explicit or implicit); when
 * false every contact scores 1000 and the order is the q order. */
bool callerprefs_any(const struct callerprefs *cp);

/* RFC 3841 7.2.4 for one contact, given its header parameters as the
 * registrar stored them (";q=0.5;audio;methods=\"INVITE,BYE\"", see
 * struct location_binding): -1 when the contact leaves the target set (a
 * Reject-Contact predicate whose features it all names matches it, it
 * fails a require predicate, or it is not an explicit match of a
 * require+explicit one), else Qa in thousandths, rounded: the mean of its
 * scores against the Accept-Contact predicates it matches (a score being
 * the share of the predicate's features the contact names, 0 for a
 * partial match of an explicit predicate). A contact without feature
 * parameters is immune: 1000. 1000 when no Accept-Contact predicate has
 * features, 0 when the contact matches none of them. Cost: for each
 * feature of each predicate, one walk of contact_params and at most
 * CALLERPREFS_MAX_VALUES times its value count comparisons. */
int callerprefs_score(const struct callerprefs *cp, struct str contact_params);

/* RFC 3841 7.2.4 ordering: writes into order[] the indexes of the n
 * contacts whose qa[i] >= 0, by q descending (thousandths; 0xffff,
 * LOCATION_Q_NONE, counts as 1.0 per 7.2.3), then Qa descending, ties in
 * index order. Returns how many were written (order holds n entries). */
unsigned callerprefs_order(const uint16_t *q, const int *qa, unsigned n, unsigned *order);

#endif
