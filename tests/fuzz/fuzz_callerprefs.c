/* libFuzzer target: caller preferences. The input is split at its first
 * NUL: before it, header lines inserted into a fixed INVITE (so that
 * Accept-Contact, Reject-Contact and Request-Disposition come as the
 * parser hands them over, several lines and compact forms included);
 * after it, a contact's stored header parameters. The same first part is
 * also given to callerprefs_parse_field as one Accept-Contact and one
 * Reject-Contact value. Properties: no crash, parse results are 0 or
 * -EBADMSG with a reason, bounds hold, slices lie inside the input,
 * scores are -1 or 0..1000, the order is a permutation of the kept. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/callerprefs.h"
#include "sip/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char msgbuf[8192];
static char mem[32768];
static struct callerprefs cp;

static const char head[] = "INVITE sip:user@example.com SIP/2.0\r\n"
			   "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK776asdhds\r\n"
			   "From: <sip:caller@example.org>;tag=1928301774\r\n"
			   "To: <sip:user@example.com>\r\n"
			   "Call-ID: a84b4c76e66710\r\n"
			   "CSeq: 1 INVITE\r\n"
			   "Max-Forwards: 70\r\n";
static const char tail[] = "\r\nContent-Length: 0\r\n\r\n";

static void inside(struct str s, const char *base, size_t len)
{
	if (s.len && (s.p < base || s.p + s.len > base + len)) {
		/* a literal of the module itself is fine too */
		if (!str_eq(s, STR("TRUE")) && !str_eq(s, STR("methods")) &&
			!str_eq(s, STR("events"))) {
			abort();
		}
	}
}

static void check(int rc, const char *base, size_t len)
{
	if (rc != 0 && rc != -EBADMSG) {
		abort();
	}
	if (rc < 0 && !cp.why) {
		abort();
	}
	if (cp.n > CALLERPREFS_MAX) {
		abort();
	}
	for (unsigned i = 0; i < cp.n; i++) {
		if (cp.pred[i].n > CALLERPREFS_MAX_PARAMS) {
			abort();
		}
		for (unsigned k = 0; k < cp.pred[i].n; k++) {
			inside(cp.pred[i].f[k].name, base, len);
			inside(cp.pred[i].f[k].value, base, len);
		}
	}
}

static void score(struct str contact)
{
	uint16_t q[2] = { 500, 0xffff };
	int qa[2];
	unsigned order[2];

	qa[0] = callerprefs_score(&cp, contact);
	if (qa[0] < -1 || qa[0] > 1000) {
		abort();
	}
	qa[1] = callerprefs_score(&cp, STR(";audio;video=\"FALSE\";methods=\"INVITE,BYE\""));
	if (qa[1] < -1 || qa[1] > 1000) {
		abort();
	}
	unsigned k = callerprefs_order(q, qa, 2, order);
	if (k != (unsigned)(qa[0] >= 0) + (unsigned)(qa[1] >= 0) ||
		(k == 2 && order[0] == order[1])) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t hlen = nul ? (size_t)(nul - data) : size;
	struct str hdrs = str_make(data, hlen);
	struct str contact = nul ? str_make(nul + 1, size - hlen - 1) : STR_NULL;
	struct arena a;
	struct sip_msg m;
	struct sip_parse_err err;
	size_t n = 0;

	if (sizeof(head) - 1 + hlen + sizeof(tail) - 1 <= sizeof(msgbuf)) {
		memcpy(msgbuf, head, sizeof(head) - 1);
		n = sizeof(head) - 1;
		memcpy(msgbuf + n, data, hlen);
		n += hlen;
		memcpy(msgbuf + n, tail, sizeof(tail) - 1);
		n += sizeof(tail) - 1;
		arena_init(&a, mem, sizeof(mem));
		if (sip_msg_parse(&m, msgbuf, n, &a, &err) == 0) {
			int rc = callerprefs_parse(&m, &cp);
			check(rc, msgbuf, n);
			if (rc == 0) {
				score(contact);
			}
		}
	}
	for (int id = 0; id < 2; id++) {
		memset(&cp, 0, sizeof(cp));
		int rc = callerprefs_parse_field(
			&cp, id ? SIP_HDR_REJECT_CONTACT : SIP_HDR_ACCEPT_CONTACT, hdrs);
		check(rc, hdrs.p, hdrs.len);
		if (rc == 0) {
			score(contact);
		}
	}
	return 0;
}
