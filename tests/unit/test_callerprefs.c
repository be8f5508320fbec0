/* sip/callerprefs: RFC 3841 7.2.5 example as written in the RFC, parsing of
 * Accept-Contact / Reject-Contact / Request-Disposition (well-formed,
 * malformed, bounds), RFC 3840 9 value matching, scoring with require and
 * explicit, implicit preferences and the q / Qa ordering, table-driven. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sip/callerprefs.h"
#include "sip/msg.h"
#include "tests/unit/unit.h"

struct cp_msg {
	char data[8192];
	char mem[16384];
	struct arena a;
	struct sip_msg m;
	struct sip_parse_err err;
};

/* A request of method with the extra header lines hdrs ("X: y\r\n"...). */
static int cp_msg_parse(struct cp_msg *p, const char *method, const char *hdrs)
{
	int n = snprintf(p->data, sizeof(p->data),
		"%s sip:user@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK776asdhds\r\n"
		"From: <sip:caller@example.org>;tag=1928301774\r\n"
		"To: <sip:user@example.com>\r\n"
		"Call-ID: a84b4c76e66710\r\n"
		"CSeq: 1 %s\r\n"
		"Max-Forwards: 70\r\n"
		"%s"
		"Content-Length: 0\r\n"
		"\r\n",
		method, method, hdrs);
	arena_init(&p->a, p->mem, sizeof(p->mem));
	return sip_msg_parse(&p->m, p->data, (size_t)n, &p->a, &p->err);
}

static struct cp_msg msg;
static struct callerprefs cp;

/* RFC 3841 7.2.5, the five registered contacts (their header parameters
 * as the registrar stores them) and the INVITE's three header fields. */
static void rfc3841_example(void)
{
	static const struct {
		const char *params;
		uint16_t q;
		int qa;
	} c[] = {
		{ ";audio;video;methods=\"INVITE,BYE\";q=0.2", 200, 833 },
		{ ";audio=\"FALSE\";methods=\"INVITE\";actor=\"msg-taker\";q=0.2", 200, -1 },
		{ ";audio;actor=\"msg-taker\";methods=\"INVITE\";video;q=0.3", 300, -1 },
		{ ";audio;methods=\"INVITE,OPTIONS\";q=0.2", 200, 500 },
		{ ";q=0.5", 500, 1000 },
	};
	uint16_t q[5];
	int qa[5];
	unsigned order[5];

	CHECK_INT(cp_msg_parse(&msg, "INVITE",
			  "Reject-Contact: *;actor=\"msg-taker\";video\r\n"
			  "Accept-Contact: *;audio;require\r\n"
			  "Accept-Contact: *;video;explicit\r\n"
			  "Accept-Contact: *;methods=\"BYE\";class=\"business\";q=1.0\r\n"),
		0);
	CHECK_INT(callerprefs_parse(&msg.m, &cp), 0);
	CHECK(callerprefs_any(&cp));
	CHECK(!cp.implicit);
	CHECK_INT(cp.n, 4);
	CHECK(cp.pred[0].reject);
	CHECK_INT(cp.pred[0].n, 2);
	CHECK(cp.pred[1].require && !cp.pred[1].explicit);
	CHECK(!cp.pred[2].require && cp.pred[2].explicit);
	CHECK_INT(cp.pred[3].n, 2); /* q is not a feature parameter */
	for (unsigned i = 0; i < 5; i++) {
		q[i] = c[i].q;
		qa[i] = callerprefs_score(&cp, str_cstr(c[i].params));
		CHECK_INT(qa[i], c[i].qa);
	}
	/* "The resulting overall ordered set ... is u5, u1, and then u4." */
	CHECK_INT(callerprefs_order(q, qa, 5, order), 3);
	CHECK_INT(order[0], 4);
	CHECK_INT(order[1], 0);
	CHECK_INT(order[2], 3);
	/* u3 is the one the Reject-Contact removes: with it alone, u3 goes
	 * and the others (each missing one of its features) stay */
	memset(&cp, 0, sizeof(cp));
	CHECK_INT(callerprefs_parse_field(
			  &cp, SIP_HDR_REJECT_CONTACT, STR("*;actor=\"msg-taker\";video")),
		0);
	for (unsigned i = 0; i < 5; i++) {
		CHECK_INT(callerprefs_score(&cp, str_cstr(c[i].params)), i == 2 ? -1 : 1000);
	}
}

static void parse(void)
{
	static const struct {
		enum sip_hdr_id id;
		const char *in;
		int rc;
		const char *why;
		unsigned n; /* predicates */
		unsigned nf; /* features of the first */
		bool require, explicit;
	} t[] = {
		{ SIP_HDR_ACCEPT_CONTACT, "*", 0, NULL, 1, 0, false, false },
		{ SIP_HDR_ACCEPT_CONTACT, "*;audio;require;explicit", 0, NULL, 1, 1, true, true },
		{ SIP_HDR_ACCEPT_CONTACT, "*;EXPLICIT;Require;audio", 0, NULL, 1, 1, true, true },
		{ SIP_HDR_ACCEPT_CONTACT, "*;audio, *;video;require", 0, NULL, 2, 1, false, false },
		{ SIP_HDR_ACCEPT_CONTACT, " * ; audio ; q=1.0 ,* ;video", 0, NULL, 2, 1, false,
			false },
		{ SIP_HDR_ACCEPT_CONTACT, "*;audio\r\n ;video", 0, NULL, 1, 2, false, false },
		/* RFC 3840 9 example, every kind of value */
		{ SIP_HDR_ACCEPT_CONTACT,
			"*;mobility=\"fixed\";events=\"!presence,message-summary\""
			";language=\"en,de\";description=\"<PC>\";+sip.newparam"
			";+rangeparam=\"#-4:+5.125\"",
			0, NULL, 1, 6, false, false },
		{ SIP_HDR_ACCEPT_CONTACT,
			"*;+sip.instance=\"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>\"", 0,
			NULL, 1, 1, false, false },
		{ SIP_HDR_ACCEPT_CONTACT, "*;+x=\"#>=1,#<=-1,#=0,#2,!#3:4\"", 0, NULL, 1, 1, false,
			false },
		{ SIP_HDR_ACCEPT_CONTACT, "*;+x=\"#000000000000000001.500000\"", 0, NULL, 1, 1,
			false, false },
		{ SIP_HDR_ACCEPT_CONTACT, "*;description=\"<a,b;c>\"", 0, NULL, 1, 1, false,
			false },
		{ SIP_HDR_ACCEPT_CONTACT, "*;other=1;+g.oma.sip-im;x", 0, NULL, 1, 1, false,
			false },
		/* Reject-Contact has no require/explicit: generic parameters */
		{ SIP_HDR_REJECT_CONTACT, "*;audio;require;explicit", 0, NULL, 1, 1, false, false },
		{ SIP_HDR_REJECT_CONTACT, "*;require;require", 0, NULL, 1, 0, false, false },
		/* malformed */
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_REJECT_CONTACT,
			.in = "",
			.rc = -EBADMSG,
			.why = "Bad Reject-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "audio",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*audio",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;audio,",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;audio,,*",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;;audio",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;audio;audio",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;audio;+sip.audio",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_REJECT_CONTACT,
			.in = "*;Video;video",
			.rc = -EBADMSG,
			.why = "Bad Reject-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;require;audio;require",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;explicit;explicit",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;explicit=yes",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;methods=\"\"",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;methods=\"INVITE,\"",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;methods=\",INVITE\"",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;methods=\"IN VITE\"",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;methods=\"INV(ITE\"",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;audio=\"!\"",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;audio=\"!!TRUE\"",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;audio=\"TRUE",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;audio=TR UE",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;description=\"<PC\"",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;description=\"<PC>,x\"",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;+x=\"#\"",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;+x=\"#>=\"",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;+x=\"#<=x\"",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;+x=\"#=.5\"",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;+x=\"#=1.2.3\"",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;+x=\"#=--1\"",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;+x=\"#5:1\"",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;+x=\"#1:\"",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;+x=\"#1234567890123\"",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;+x=\"#1.1234567\"",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;+1abc",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;+a_b",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;audio<",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .id = SIP_HDR_ACCEPT_CONTACT,
			.in = "*;audio x",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&cp, 0, sizeof(cp));
		int rc = callerprefs_parse_field(&cp, t[i].id, str_cstr(t[i].in));
		if (rc != t[i].rc) {
			printf("    %s\n", t[i].in);
		}
		CHECK_INT(rc, t[i].rc);
		if (t[i].rc < 0) {
			CHECK(cp.why && !strcmp(cp.why, t[i].why));
			continue;
		}
		CHECK_INT(cp.n, t[i].n);
		CHECK_INT(cp.pred[0].n, t[i].nf);
		CHECK(cp.pred[0].reject == (t[i].id == SIP_HDR_REJECT_CONTACT));
		CHECK(cp.pred[0].require == t[i].require);
		CHECK(cp.pred[0].explicit == t[i].explicit);
	}
	memset(&cp, 0, sizeof(cp));
	CHECK_INT(callerprefs_parse_field(&cp, SIP_HDR_CONTACT, STR("*;audio")), -EINVAL);
	/* slices point into the value */
	static const char v[] = "*;methods=\"INVITE,BYE\";audio";
	memset(&cp, 0, sizeof(cp));
	CHECK_INT(callerprefs_parse_field(&cp, SIP_HDR_ACCEPT_CONTACT, STR(v)), 0);
	CHECK(cp.pred[0].f[0].name.p == v + 2 && str_eq(cp.pred[0].f[0].name, STR("methods")));
	CHECK(cp.pred[0].f[0].value.p == v + 11 &&
		str_eq(cp.pred[0].f[0].value, STR("INVITE,BYE")));
	CHECK(!cp.pred[0].f[0].literal);
	CHECK(cp.pred[0].f[1].literal && str_eq(cp.pred[0].f[1].value, STR("TRUE")));
}

static void bounds(void)
{
	char buf[1024];
	size_t len;

	/* CALLERPREFS_MAX values over one field, then one more */
	len = 0;
	for (unsigned i = 0; i < CALLERPREFS_MAX; i++) {
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s*;audio", i ? "," : "");
	}
	memset(&cp, 0, sizeof(cp));
	CHECK_INT(callerprefs_parse_field(&cp, SIP_HDR_ACCEPT_CONTACT, str_make(buf, len)), 0);
	CHECK_INT(cp.n, CALLERPREFS_MAX);
	CHECK_INT(callerprefs_parse_field(&cp, SIP_HDR_REJECT_CONTACT, STR("*;video")), -EBADMSG);
	CHECK(cp.why && !strcmp(cp.why, "Too Many Caller Preferences"));

	/* CALLERPREFS_MAX_PARAMS feature parameters, then one more */
	len = (size_t)snprintf(buf, sizeof(buf), "*");
	for (unsigned i = 0; i < CALLERPREFS_MAX_PARAMS; i++) {
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, ";+f%u;q%u=1", i, i);
	}
	memset(&cp, 0, sizeof(cp));
	CHECK_INT(callerprefs_parse_field(&cp, SIP_HDR_ACCEPT_CONTACT, str_make(buf, len)), 0);
	CHECK_INT(cp.pred[0].n, CALLERPREFS_MAX_PARAMS);
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, ";+extra");
	memset(&cp, 0, sizeof(cp));
	CHECK_INT(
		callerprefs_parse_field(&cp, SIP_HDR_ACCEPT_CONTACT, str_make(buf, len)), -EBADMSG);
	CHECK(cp.why && !strcmp(cp.why, "Too Many Feature Parameters"));

	/* CALLERPREFS_MAX_VALUES values in a list, then one more */
	len = (size_t)snprintf(buf, sizeof(buf), "*;methods=\"");
	for (unsigned i = 0; i < CALLERPREFS_MAX_VALUES; i++) {
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%sM%u", i ? "," : "", i);
	}
	memset(&cp, 0, sizeof(cp));
	CHECK_INT(
		callerprefs_parse_field(&cp, SIP_HDR_ACCEPT_CONTACT,
			str_make(buf, len + (size_t)snprintf(buf + len, sizeof(buf) - len, "\""))),
		0);
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, ",MX\"");
	memset(&cp, 0, sizeof(cp));
	CHECK_INT(
		callerprefs_parse_field(&cp, SIP_HDR_ACCEPT_CONTACT, str_make(buf, len)), -EBADMSG);

	/* the bound counts values across header lines */
	len = 0;
	for (unsigned i = 0; i < CALLERPREFS_MAX + 1; i++) {
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s: *;+f%u\r\n",
			i % 2 ? "j" : "Accept-Contact", i);
	}
	CHECK_INT(cp_msg_parse(&msg, "INVITE", buf), 0);
	CHECK_INT(callerprefs_parse(&msg.m, &cp), -EBADMSG);
	CHECK(cp.why && !strcmp(cp.why, "Too Many Caller Preferences"));
}

static void score(void)
{
	static const struct {
		const char *accept, *reject; /* one field value each, or NULL */
		const char *contact;
		int qa;
	} t[] = {
		/* booleans; require and explicit (RFC 3841 7.2.4 Figure 1) */
		{ "*;audio", NULL, ";audio", 1000 },
		{ "*;audio", NULL, ";audio=\"TRUE\"", 1000 },
		{ "*;audio=\"TRUE\"", NULL, ";audio", 1000 },
		{ "*;audio", NULL, ";audio=\"FALSE\"", 0 },
		{ "*;audio;require", NULL, ";audio=\"FALSE\"", -1 },
		{ "*;audio;require", NULL, ";video", 0 },
		{ "*;audio;explicit", NULL, ";video", 0 },
		{ "*;audio;require;explicit", NULL, ";video", -1 },
		{ "*;audio;require;explicit", NULL, ";audio", 1000 },
		{ "*;audio;video", NULL, ";audio", 500 },
		{ "*;audio;video;require", NULL, ";audio", 500 },
		{ "*;audio;video;explicit", NULL, ";audio", 0 },
		{ "*;audio;video;require;explicit", NULL, ";audio", -1 },
		{ "*;audio;video;text", NULL, ";audio", 333 },
		{ "*;audio;video;text", NULL, ";audio;video", 667 },
		/* immune: no feature parameter at all (7.2.3) */
		{ "*;audio;require;explicit", NULL, ";q=0.5;expires=3600;other-param=66372", 1000 },
		{ "*;audio;require;explicit", NULL, "", 1000 },
		{ NULL, "*;audio", ";reg-id=1", 1000 },
		/* +sip.instance is a feature tag: no longer immune */
		{ "*;audio;require;explicit", NULL, ";+sip.instance=\"<urn:uuid:1>\"", -1 },
		/* several Accept-Contact values: Qa is the mean over the matching set */
		{ "*;audio, *;video", NULL, ";audio", 500 },
		{ "*;audio;video, *;text", NULL, ";audio;text", 750 },
		{ "*;audio=\"FALSE\", *;video", NULL, ";audio;video", 1000 },
		{ "*;audio=\"FALSE\", *;video=\"FALSE\"", NULL, ";audio;video", 0 },
		{ "*;audio=\"FALSE\", *;video;require", NULL, ";audio;video=\"FALSE\"", -1 },
		/* no features in the predicate: constrains and scores nothing */
		{ "*;require;explicit;other=\"x\"", NULL, ";audio", 1000 },
		{ "*, *;audio", NULL, ";audio", 1000 },
		/* token lists: a contact supports a set */
		{ "*;methods=\"INVITE\"", NULL, ";methods=\"INVITE,MESSAGE\"", 1000 },
		{ "*;methods=\"BYE\";require", NULL, ";methods=\"INVITE,MESSAGE\"", -1 },
		{ "*;methods=\"BYE,MESSAGE\";require", NULL, ";methods=\"INVITE,MESSAGE\"", 1000 },
		{ "*;methods=\"invite\";require", NULL, ";methods=\"INVITE\"", 1000 },
		{ "*;mobility=\"fixed\";require", NULL, ";mobility=\"FIXED\"", 1000 },
		{ "*;mobility=\"fixed\";require", NULL, ";mobility=\"mobile\"", -1 },
		{ "*;mobility=\"fixed\";require", NULL, ";mobility=fixed", 1000 },
		/* negation (RFC 3840 9 example) */
		{ "*;events=\"!presence,message-summary\";require", NULL, ";events=\"presence\"",
			-1 },
		{ "*;events=\"!presence,message-summary\";require", NULL,
			";events=\"presence,message-summary\"", 1000 },
		{ "*;events=\"!presence,message-summary\";require", NULL, ";events=\"dialog\"",
			1000 },
		{ "*;events=\"!presence\";require", NULL, ";events=\"!dialog\"", 1000 },
		{ "*;audio=\"!FALSE\";require", NULL, ";audio", 1000 },
		{ "*;audio=\"!FALSE\";require", NULL, ";audio=\"FALSE\"", -1 },
		{ "*;audio=\"!TRUE\";require", NULL, ";audio", -1 },
		{ "*;audio=\"!TRUE\";require", NULL, ";audio=\"!FALSE\"", -1 },
		{ "*;audio=\"!TRUE\";require", NULL, ";audio=\"!TRUE\"", 1000 },
		/* strings: <...>, case-sensitive, not a token */
		{ "*;description=\"<PC>\";require", NULL, ";description=\"<PC>\"", 1000 },
		{ "*;description=\"<PC>\";require", NULL, ";description=\"<pc>\"", -1 },
		{ "*;description=\"<PC>\";require", NULL, ";description=\"PC\"", -1 },
		{ "*;+sip.instance=\"<urn:uuid:1>\";require", NULL,
			";q=0.5;+sip.instance=\"<urn:uuid:1>\";methods=\"INVITE,MESSAGE\"", 1000 },
		{ "*;+sip.instance=\"<urn:uuid:1>\";require", NULL,
			";+sip.instance=\"<urn:uuid:2>\"", -1 },
		{ "*;+sip.instance=\"<urn:uuid:1>\";require", NULL,
			";+sip.instance=\"<URN:UUID:1>\"", -1 },
		/* numerics: intervals overlap */
		{ "*;+rangeparam=\"#-4:+5.125\";require", NULL, ";+rangeparam=\"#=5.125\"", 1000 },
		{ "*;+rangeparam=\"#-4:+5.125\";require", NULL, ";+rangeparam=\"#=5.125001\"", -1 },
		{ "*;+rangeparam=\"#-4:+5.125\";require", NULL, ";+rangeparam=\"#>=5\"", 1000 },
		{ "*;+rangeparam=\"#-4:+5.125\";require", NULL, ";+rangeparam=\"#>=5.2\"", -1 },
		{ "*;+rangeparam=\"#-4:+5.125\";require", NULL, ";+rangeparam=\"#<=-4\"", 1000 },
		{ "*;+rangeparam=\"#-4:+5.125\";require", NULL, ";+rangeparam=\"#<=-4.000001\"",
			-1 },
		{ "*;+x=\"#>=10\";require", NULL, ";+x=\"#=10\"", 1000 },
		{ "*;+x=\"#>=10\";require", NULL, ";+x=\"#=9.999999\"", -1 },
		{ "*;+x=\"#>=10\";require", NULL, ";+x=\"#3:20\"", 1000 },
		{ "*;+x=\"#>=10\";require", NULL, ";+x=\"#=1,#=2,#=12\"", 1000 },
		{ "*;+x=\"#<=10\";require", NULL, ";+x=\"#=10.0\"", 1000 },
		{ "*;+x=\"#<=10\";require", NULL, ";+x=\"#=10.1\"", -1 },
		{ "*;+x=\"#7\";require", NULL, ";+x=\"#=7\"", 1000 },
		{ "*;+x=\"#=-0\";require", NULL, ";+x=\"#=0\"", 1000 },
		{ "*;+x=\"!#>=10\";require", NULL, ";+x=\"#=5\"", 1000 },
		{ "*;+x=\"!#>=10\";require", NULL, ";+x=\"#=10\"", -1 },
		{ "*;+x=\"!#>=10\";require", NULL, ";+x=\"#12:20\"", -1 },
		{ "*;+x=\"!#>=10\";require", NULL, ";+x=\"#5:20\"", 1000 },
		{ "*;+x=\"!#>=0\";require", NULL, ";+x=\"!#<=0\"", -1 },
		{ "*;+x=\"!#>=0\";require", NULL, ";+x=\"!#<=-1\"", 1000 },
		{ "*;+x=\"!#1:2\";require", NULL, ";+x=\"!#3:4\"", 1000 },
		/* a value of another type never matches, its negation always */
		{ "*;+x=\"#=5\";require", NULL, ";+x=\"5\"", -1 },
		{ "*;+x=\"5\";require", NULL, ";+x=\"#=5\"", -1 },
		{ "*;+x=\"!5\";require", NULL, ";+x=\"#=5\"", 1000 },
		{ "*;+x=\"#=5\";require", NULL, ";+x=\"<5>\"", -1 },
		/* names: decoded and case-insensitive (RFC 3841 8) */
		{ "*;+sip.audio;require", NULL, ";audio=\"FALSE\"", -1 },
		{ "*;audio;require", NULL, ";+sip.audio=\"FALSE\"", -1 },
		{ "*;+audio;require", NULL, ";audio=\"FALSE\"", 0 },
		{ "*;+language=\"en\";require", NULL, ";language=\"de\"", -1 },
		{ "*;+sip.language=\"en\";require", NULL, ";language=\"de\"", 0 },
		{ "*;AUDIO;require", NULL, ";Audio=\"FALSE\"", -1 },
		{ "*;+SIP.Newparam;require", NULL, ";+sip.newparam=\"FALSE\"", -1 },
		{ "*;+g.oma.sip-im;require", NULL, ";+g.oma.sip-im", 1000 },
		{ "*;+u.a!b'c;require", NULL, ";+u.a!b'c=\"FALSE\"", -1 },
		/* the contact's first parameter of a feature is the one used */
		{ "*;audio;require", NULL, ";audio;audio=\"FALSE\"", 1000 },
		/* a stored value that does not parse matches nothing */
		{ "*;audio;require", NULL, ";audio=\"#junk\"", -1 },
		{ NULL, "*;audio", ";audio=\"#junk\"", 1000 },
		/* Reject-Contact: only when the contact names all its features */
		{ NULL, "*;audio", ";audio", -1 },
		{ NULL, "*;audio", ";audio=\"FALSE\"", 1000 },
		{ NULL, "*;audio", ";video", 1000 },
		{ NULL, "*;audio;video", ";audio", 1000 },
		{ NULL, "*;audio;video", ";audio;video", -1 },
		{ NULL, "*;audio;video", ";audio;video=\"FALSE\"", 1000 },
		{ NULL, "*;methods=\"INVITE\"", ";methods=\"INVITE,BYE\"", -1 },
		{ NULL, "*;video, *;audio", ";audio", -1 },
		{ NULL, "*", ";audio", -1 },
		{ NULL, "*", ";q=1", 1000 },
		{ "*;audio;require", "*;video", ";audio;video", -1 },
		{ "*;audio;require", "*;video", ";audio;video=\"FALSE\"", 1000 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&cp, 0, sizeof(cp));
		if (t[i].accept) {
			CHECK_INT(callerprefs_parse_field(
					  &cp, SIP_HDR_ACCEPT_CONTACT, str_cstr(t[i].accept)),
				0);
		}
		if (t[i].reject) {
			CHECK_INT(callerprefs_parse_field(
					  &cp, SIP_HDR_REJECT_CONTACT, str_cstr(t[i].reject)),
				0);
		}
		int qa = callerprefs_score(&cp, str_cstr(t[i].contact));
		if (qa != t[i].qa) {
			printf("    a=%s j=%s contact=%s\n", t[i].accept ? t[i].accept : "-",
				t[i].reject ? t[i].reject : "-", t[i].contact);
		}
		CHECK_INT(qa, t[i].qa);
	}
	/* nothing to apply: every contact 1000 */
	memset(&cp, 0, sizeof(cp));
	CHECK(!callerprefs_any(&cp));
	CHECK_INT(callerprefs_score(&cp, STR(";audio=\"FALSE\"")), 1000);
}

static void disposition(void)
{
	enum { U = CALLERPREFS_UNSET, Y = CALLERPREFS_YES, N = CALLERPREFS_NO };
	static const struct {
		const char *in;
		int rc;
		uint8_t d[CALLERPREFS_DISP_COUNT]; /* proxy cancel fork recurse parallel queue */
	} t[] = {
		{ "proxy, recurse, parallel", 0, { Y, U, U, Y, Y, U } },
		{ "redirect", 0, { N, U, U, U, U, U } },
		{ "no-cancel,no-fork,no-recurse,sequential,no-queue", 0, { U, N, N, N, N, N } },
		{ "cancel, fork, queue", 0, { U, Y, Y, U, U, Y } },
		{ "Proxy ,\r\n SEQUENTIAL", 0, { Y, U, U, U, N, U } },
		{ .in = "proxy, redirect", .rc = -EBADMSG },
		{ .in = "proxy, proxy", .rc = -EBADMSG },
		{ .in = "queue,no-queue", .rc = -EBADMSG },
		{ .in = "proxy, forward", .rc = -EBADMSG },
		{ .in = "", .rc = -EBADMSG },
		{ .in = "proxy;x=1", .rc = -EBADMSG },
		{ .in = "no cancel", .rc = -EBADMSG },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&cp, 0, sizeof(cp));
		int rc = callerprefs_parse_field(
			&cp, SIP_HDR_REQUEST_DISPOSITION, str_cstr(t[i].in));
		if (rc != t[i].rc) {
			printf("    %s\n", t[i].in);
		}
		CHECK_INT(rc, t[i].rc);
		if (rc < 0) {
			CHECK(cp.why && !strcmp(cp.why, "Bad Request-Disposition"));
			continue;
		}
		for (unsigned k = 0; k < CALLERPREFS_DISP_COUNT; k++) {
			CHECK_INT(cp.disposition[k], t[i].d[k]);
		}
		CHECK_INT(cp.n, 0);
	}
}

/* Whole requests: compact forms, several lines, folding, the implicit
 * preference of RFC 3841 7.2.2. */
static void request(void)
{
	static const struct {
		const char *method, *hdrs;
		int rc;
		const char *why;
		unsigned n;
		bool implicit;
		const char *contact;
		int qa;
	} t[] = {
		{ "INVITE", "a: *;audio\r\nj: *;video\r\nd: redirect\r\n", 0, NULL, 2, false,
			";audio;video", -1 },
		{ "INVITE", "Accept-Contact: *;audio;require,\r\n *;video\r\n", 0, NULL, 2, false,
			";audio", 500 },
		{ "MESSAGE", "accept-contact: *;methods=\"MESSAGE\";require;explicit\r\n", 0, NULL,
			1, false, ";methods=\"INVITE,MESSAGE\"", 1000 },
		/* explicit preferences present: no implicit method term */
		{ "MESSAGE", "Reject-Contact: *;video\r\n", 0, NULL, 1, false,
			";methods=\"INVITE\"", 1000 },
		/* implicit: the method, require, not explicit */
		{ "INVITE", "", 0, NULL, 1, true, ";methods=\"INVITE,BYE\"", 1000 },
		{ "INVITE", "", 0, NULL, 1, true, ";methods=\"MESSAGE\"", -1 },
		{ "INVITE", "", 0, NULL, 1, true, ";audio", 0 },
		{ "INVITE", "", 0, NULL, 1, true, ";q=0.1", 1000 },
		{ "MESSAGE", "Request-Disposition: sequential\r\n", 0, NULL, 1, true,
			";methods=\"invite\"", -1 },
		{ "SUBSCRIBE", "Event: presence;id=7\r\n", 0, NULL, 1, true,
			";events=\"presence\";methods=\"SUBSCRIBE\"", 1000 },
		{ "SUBSCRIBE", "Event: presence;id=7\r\n", 0, NULL, 1, true,
			";events=\"dialog\";methods=\"SUBSCRIBE\"", -1 },
		{ "SUBSCRIBE", "Event: presence\r\n", 0, NULL, 1, true, ";methods=\"SUBSCRIBE\"",
			500 },
		{ "SUBSCRIBE", "", 0, NULL, 1, true, ";methods=\"SUBSCRIBE\"", 1000 },
		{ "NOTIFY", "Event: presence\r\n", 0, NULL, 1, true, ";events=\"dialog\"", 0 },
		/* refused */
		{ .method = "INVITE",
			.hdrs = "Accept-Contact: *;audio\r\nAccept-Contact: audio\r\n",
			.rc = -EBADMSG,
			.why = "Bad Accept-Contact" },
		{ .method = "INVITE",
			.hdrs = "j: *;video;video\r\n",
			.rc = -EBADMSG,
			.why = "Bad Reject-Contact" },
		{ .method = "INVITE",
			.hdrs = "d: proxy\r\nd: redirect\r\n",
			.rc = -EBADMSG,
			.why = "Bad Request-Disposition" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK_INT(cp_msg_parse(&msg, t[i].method, t[i].hdrs), 0);
		int rc = callerprefs_parse(&msg.m, &cp);
		if (rc != t[i].rc) {
			printf("    %s %s\n", t[i].method, t[i].hdrs);
		}
		CHECK_INT(rc, t[i].rc);
		if (t[i].rc < 0) {
			CHECK(cp.why && !strcmp(cp.why, t[i].why));
			continue;
		}
		CHECK_INT(cp.n, t[i].n);
		CHECK(cp.implicit == t[i].implicit);
		CHECK(callerprefs_any(&cp));
		int qa = callerprefs_score(&cp, str_cstr(t[i].contact));
		if (qa != t[i].qa) {
			printf("    %s %s %s\n", t[i].method, t[i].hdrs, t[i].contact);
		}
		CHECK_INT(qa, t[i].qa);
	}
	CHECK_INT(cp_msg_parse(&msg, "SUBSCRIBE", "Event: presence;id=7\r\nd: no-fork\r\n"), 0);
	CHECK_INT(callerprefs_parse(&msg.m, &cp), 0);
	CHECK(cp.pred[0].require && !cp.pred[0].explicit && !cp.pred[0].reject);
	CHECK_INT(cp.pred[0].n, 2);
	CHECK(str_eq(cp.pred[0].f[0].value, STR("SUBSCRIBE")));
	CHECK(str_eq(cp.pred[0].f[1].value, STR("presence")));
	CHECK_INT(cp.disposition[CALLERPREFS_DISP_FORK], CALLERPREFS_NO);
}

static void order(void)
{
	static const struct {
		unsigned n;
		uint16_t q[6];
		int qa[6];
		unsigned k;
		unsigned want[6];
	} t[] = {
		{ 0, { 0 }, { 0 }, 0, { 0 } },
		{ 5, { 200, 200, 300, 200, 500 }, { 833, -1, -1, 500, 1000 }, 3, { 4, 0, 3 } },
		/* no q counts as 1.0 */
		{ 3, { 0xffff, 1000, 999 }, { 0, 1000, 1000 }, 3, { 1, 0, 2 } },
		{ 2, { 999, 0xffff }, { 1000, 0 }, 2, { 1, 0 } },
		/* ties keep their order */
		{ 4, { 500, 500, 500, 500 }, { 700, 700, 700, 700 }, 4, { 0, 1, 2, 3 } },
		{ 6, { 0, 0, 1000, 0, 1000, 0 }, { 0, 0, 0, 0, 0, 0 }, 6, { 2, 4, 0, 1, 3, 5 } },
		/* q first, then Qa */
		{ 4, { 100, 900, 100, 900 }, { 900, 100, 1000, 100 }, 4, { 1, 3, 2, 0 } },
		{ 5, { 100, 100, 100, 100, 100 }, { 0, 1000, 500, 1000, 0 }, 5, { 1, 3, 2, 0, 4 } },
		{ 3, { 100, 200, 300 }, { -1, -1, -1 }, 0, { 0 } },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		unsigned out[6] = { 99, 99, 99, 99, 99, 99 };
		CHECK_INT(callerprefs_order(t[i].q, t[i].qa, t[i].n, out), t[i].k);
		for (unsigned j = 0; j < t[i].k; j++) {
			CHECK_INT(out[j], t[i].want[j]);
		}
	}
}

UNIT_SUITE(callerprefs, UNIT_TEST(rfc3841_example), UNIT_TEST(parse), UNIT_TEST(bounds),
	UNIT_TEST(score), UNIT_TEST(disposition), UNIT_TEST(request), UNIT_TEST(order));
