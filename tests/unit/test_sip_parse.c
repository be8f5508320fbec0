/* sip/parse: URIs, Via, name-addr, token lists, digest parameters and
 * decimal values, table-driven. */
#include <errno.h>
#include <string.h>

#include "autoconf.h"
#include "sip/parse.h"
#include "tests/unit/unit.h"

static bool seq(struct str s, const char *want)
{
	return want ? str_eq(s, str_cstr(want)) : s.len == 0;
}

static void uri(void)
{
	static const struct {
		const char *in;
		int rc;
		enum sip_uri_scheme scheme;
		const char *user, *password, *host;
		unsigned port;
		const char *params, *headers;
	} t[] = {
		{ "sip:alice@atlanta.com", 0, SIP_URI_SIP, "alice", NULL, "atlanta.com", 0, NULL,
			NULL },
		{ "sip:alice:secretword@atlanta.com;transport=tcp", 0, SIP_URI_SIP, "alice",
			"secretword", "atlanta.com", 0, ";transport=tcp", NULL },
		{ "sips:alice@atlanta.com?subject=project%20x&priority=urgent", 0, SIP_URI_SIPS,
			"alice", NULL, "atlanta.com", 0, NULL,
			"subject=project%20x&priority=urgent" },
		{ "sip:+1-212-555-1212:1234@gateway.com;user=phone", 0, SIP_URI_SIP,
			"+1-212-555-1212", "1234", "gateway.com", 0, ";user=phone", NULL },
		{ "sips:1212@gateway.com", 0, SIP_URI_SIPS, "1212", NULL, "gateway.com", 0, NULL,
			NULL },
		{ "sip:alice@192.0.2.4", 0, SIP_URI_SIP, "alice", NULL, "192.0.2.4", 0, NULL,
			NULL },
		{ "sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com", 0, SIP_URI_SIP, NULL,
			NULL, "atlanta.com", 0, ";method=REGISTER", "to=alice%40atlanta.com" },
		{ "sip:alice;day=tuesday@atlanta.com", 0, SIP_URI_SIP, "alice;day=tuesday", NULL,
			"atlanta.com", 0, NULL, NULL },
		{ "SIP:bob@BILOXI.com:5060", 0, SIP_URI_SIP, "bob", NULL, "BILOXI.com", 5060, NULL,
			NULL },
		{ "sip:[2001:db8::10]:5070;lr", 0, SIP_URI_SIP, NULL, NULL, "[2001:db8::10]", 5070,
			";lr", NULL },
		{ "sip:user@[::ffff:192.0.2.1]", 0, SIP_URI_SIP, "user", NULL, "[::ffff:192.0.2.1]",
			0, NULL, NULL },
		{ "sip:%61lice@atlanta.com;transport=TCP", 0, SIP_URI_SIP, "%61lice", NULL,
			"atlanta.com", 0, ";transport=TCP", NULL },
		{ "sip:alice:@atlanta.com", 0, SIP_URI_SIP, "alice", NULL, "atlanta.com", 0, NULL,
			NULL },
		{ "sip:host.example.com.", 0, SIP_URI_SIP, NULL, NULL, "host.example.com.", 0, NULL,
			NULL },
		{ "sip:a@b;lr;maddr=239.255.255.1;ttl=15", 0, SIP_URI_SIP, "a", NULL, "b", 0,
			";lr;maddr=239.255.255.1;ttl=15", NULL },
		{ "tel:+1-201-555-0123", 0, SIP_URI_TEL, "+1-201-555-0123", NULL, NULL, 0, NULL,
			NULL },
		{ "tel:7042;phone-context=example.com", 0, SIP_URI_TEL, "7042", NULL, NULL, 0,
			";phone-context=example.com", NULL },
		{ "tel:863-1234;phone-context=+1-914-555", 0, SIP_URI_TEL, "863-1234", NULL, NULL,
			0, ";phone-context=+1-914-555", NULL },
		/* refused */
		{ .in = "", .rc = -EBADMSG },
		{ .in = "sip:", .rc = -EBADMSG },
		{ .in = "sip:@atlanta.com", .rc = -EBADMSG },
		{ .in = "sip:alice@", .rc = -EBADMSG },
		{ .in = "sip:alice@atlanta.com:", .rc = -EBADMSG },
		{ .in = "sip:alice@atlanta.com:0", .rc = -EBADMSG },
		{ .in = "sip:alice@atlanta.com:65536", .rc = -EBADMSG },
		{ .in = "sip:alice@atlanta.com:5060x", .rc = -EBADMSG },
		{ .in = "sip:alice@at lanta.com", .rc = -EBADMSG },
		{ .in = "sip:alice@atlanta..com", .rc = -EBADMSG },
		{ .in = "sip:alice@-atlanta.com", .rc = -EBADMSG },
		{ .in = "sip:alice@1.2.3.256", .rc = -EBADMSG },
		{ .in = "sip:alice@1.2.3", .rc = -EBADMSG },
		{ .in = "sip:[2001:db8::10", .rc = -EBADMSG },
		{ .in = "sip:[2001:db8:::10]", .rc = -EBADMSG },
		{ .in = "sip:[]", .rc = -EBADMSG },
		{ .in = "sip:2001:db8::10", .rc = -EBADMSG },
		{ .in = "sip:%6@atlanta.com", .rc = -EBADMSG },
		{ .in = "sip:%zz@atlanta.com", .rc = -EBADMSG },
		{ .in = "sip:alice@atlanta.com%", .rc = -EBADMSG },
		{ .in = "sip:alice@atlanta.com;", .rc = -EBADMSG },
		{ .in = "sip:alice@atlanta.com;=x", .rc = -EBADMSG },
		{ .in = "sip:alice@atlanta.com;a=", .rc = -EBADMSG },
		{ .in = "sip:alice@atlanta.com;a=%4", .rc = -EBADMSG },
		{ .in = "sip:alice@atlanta.com?", .rc = -EBADMSG },
		{ .in = "sip:alice@atlanta.com?a", .rc = -EBADMSG },
		{ .in = "sip:alice@atlanta.com?a=b&", .rc = -EBADMSG },
		{ .in = "sip:alice@atlanta.com>", .rc = -EBADMSG },
		{ .in = "sip:ali ce@atlanta.com", .rc = -EBADMSG },
		{ .in = "sip:a@b@c", .rc = -EBADMSG },
		{ .in = "http://www.example.com/", .rc = -EBADMSG },
		{ .in = "tel:", .rc = -EBADMSG },
		{ .in = "tel:abc-xyz", .rc = -EBADMSG },
		{ .in = "tel:+1234?x=y", .rc = -EBADMSG },
		{ .in = "sipx:alice@atlanta.com", .rc = -EBADMSG },
		/* a name twice: readers would disagree on its value */
		{ .in = "sip:+1-212-554@gateway.com;user=phon;user=phone", .rc = -EBADMSG },
		{ .in = "sip:a@b;lr;%6Cr", .rc = -EBADMSG },
		{ .in = "sip:a@b?x=1&X=2", .rc = -EBADMSG },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sip_uri u;
		int rc = sip_parse_uri(str_cstr(t[i].in), &u);
		if (rc != t[i].rc) {
			unit_fail(__FILE__, __LINE__, t[i].in);
			continue;
		}
		if (rc < 0) {
			continue;
		}
		if (u.scheme != t[i].scheme || !seq(u.user, t[i].user) ||
			!seq(u.password, t[i].password) || !seq(u.host, t[i].host) ||
			u.port != t[i].port || !seq(u.params, t[i].params) ||
			!seq(u.headers, t[i].headers)) {
			unit_fail(__FILE__, __LINE__, t[i].in);
		}
	}
}

static void uri_params_limit(void)
{
	char in[2048] = "sip:a@b";
	struct sip_uri u;
	size_t n = strlen(in);

	for (int i = 0; i < CONFIG_SIP_MAX_PARAMS; i++) {
		n += (size_t)snprintf(in + n, sizeof(in) - n, ";p%d", i);
	}
	CHECK_INT(sip_parse_uri(str_cstr(in), &u), 0);
	snprintf(in + n, sizeof(in) - n, ";one-more");
	CHECK_INT(sip_parse_uri(str_cstr(in), &u), -EBADMSG);
}

/* RFC 3261 19.1.4, the example sets, plus escapes and RFC 3966 numbers. */
static void uri_eq(void)
{
	static const struct {
		const char *a, *b;
		bool eq;
	} t[] = {
		{ "sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp",
			1 },
		{ "sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5", 1 },
		{ "sip:carol@chicago.com", "sip:carol@chicago.com;security=on", 1 },
		{ "sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on", 1 },
		{ "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
			"sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com", 1 },
		{ "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
			"sip:alice@atlanta.com?priority=urgent&subject=project%20x", 1 },
		{ "SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP", 0 },
		{ "sip:bob@biloxi.com", "sip:bob@biloxi.com:5060", 0 },
		{ "sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp", 0 },
		{ "sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp", 0 },
		{ "sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting", 0 },
		{ "sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4", 0 },
		{ "sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off", 0 },
		{ "sip:alice@atlanta.com", "sips:alice@atlanta.com", 0 },
		{ "sip:alice@atlanta.com", "sip:atlanta.com", 0 },
		{ "sip:alice:pw@atlanta.com", "sip:alice@atlanta.com", 0 },
		{ "sip:a@b;maddr=1.2.3.4", "sip:a@b", 0 },
		{ "sip:a@b;user=phone", "sip:a@b", 0 },
		{ "sip:a@b;ttl=1", "sip:a@b", 0 },
		{ "sip:a@b;method=INVITE", "sip:a@b", 0 },
		{ "sip:a@b;lr", "sip:a@b;LR", 1 },
		/* an escaped reserved character is not the character (19.1.4) */
		{ "sip:a%3Bb@c", "sip:a;b@c", 0 },
		{ "sip:a%40b@c", "sip:a%40b@c", 1 },
		{ "sip:[2001:DB8::1]", "sip:[2001:db8::1]", 1 },
		{ "tel:+1-201-555-0123", "tel:+12015550123", 1 },
		{ "tel:+1-201-555-0123", "tel:+12015550124", 0 },
		{ "tel:+1201555012", "tel:+12015550123", 0 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sip_uri a, b;
		CHECK(sip_parse_uri(str_cstr(t[i].a), &a) == 0);
		CHECK(sip_parse_uri(str_cstr(t[i].b), &b) == 0);
		if (sip_uri_eq(&a, &b) != t[i].eq || sip_uri_eq(&b, &a) != t[i].eq) {
			unit_fail(__FILE__, __LINE__, t[i].a);
		}
		CHECK(sip_uri_eq(&a, &a));
	}
}

static void param_get(void)
{
	static const struct {
		const char *params, *name;
		bool found;
		const char *value;
	} t[] = {
		{ ";transport=tcp;lr", "transport", 1, "tcp" },
		{ ";transport=tcp;lr", "LR", 1, NULL },
		{ ";transport=tcp;lr", "maddr", 0, NULL },
		{ " ; expires = 3600 ; q=0.7", "q", 1, "0.7" },
		{ ";expires=3600;q=0.7", "expires", 1, "3600" },
		{ ";+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\";reg-id=1",
			"+sip.instance", 1, "<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>" },
		{ ";+sip.instance=\"<urn:uuid:x>\";reg-id=1", "reg-id", 1, "1" },
		{ ";a=\"x;y=z\";y=w", "y", 1, "w" },
		{ ";tag=1;tag=2", "tag", 1, "1" },
		{ "", "tag", 0, NULL },
		{ "garbage", "garbage", 0, NULL },
		{ ";a=\"unterminated", "a", 0, NULL },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct str v = STR("unset");
		bool found = sip_param_get(str_cstr(t[i].params), str_cstr(t[i].name), &v);
		if (found != t[i].found || (found && !seq(v, t[i].value))) {
			unit_fail(__FILE__, __LINE__, t[i].params);
		}
	}
}

static void via(void)
{
	static const struct {
		const char *in;
		int rc;
		const char *transport, *host;
		unsigned port;
		const char *branch, *received, *maddr;
		int rport; /* -1: absent */
		int ttl;
		const char *text, *rest;
	} t[] = {
		{ "SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8", 0, "UDP",
			"pc33.atlanta.com", 0, "z9hG4bKnashds8", NULL, NULL, -1, -1,
			"SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8", NULL },
		{ "SIP/2.0/UDP erlang.bell-telephone.com:5060;branch=z9hG4bK87asdks7", 0, "UDP",
			"erlang.bell-telephone.com", 5060, "z9hG4bK87asdks7", NULL, NULL, -1, -1,
			NULL, NULL },
		{ "SIP/2.0/UDP 192.0.2.1:5060 ;received=192.0.2.207;branch=z9hG4bK77asjd", 0, "UDP",
			"192.0.2.1", 5060, "z9hG4bK77asjd", "192.0.2.207", NULL, -1, -1, NULL,
			NULL },
		/* 20.42: compact and with LWS around the separators */
		{ "SIP / 2.0 / UDP first.example.com: 4000;ttl=16\r\n ;maddr=224.2.0.1 "
		  ";branch=z9hG4bKa7c6a8dlze.1",
			0, "UDP", "first.example.com", 4000, "z9hG4bKa7c6a8dlze.1", NULL,
			"224.2.0.1", -1, 16, NULL, NULL },
		{ "SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7\r\n "
		  ";received=192.0.2.4",
			0, "UDP", "bobspc.biloxi.com", 5060, "z9hG4bKnashds7", "192.0.2.4", NULL,
			-1, -1,
			"SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7\r\n "
			";received=192.0.2.4",
			NULL },
		/* RFC 3581 */
		{ "SIP/2.0/UDP 10.1.1.1:4540;rport;branch=z9hG4bKkjshdyff", 0, "UDP", "10.1.1.1",
			4540, "z9hG4bKkjshdyff", NULL, NULL, 0, -1, NULL, NULL },
		{ "SIP/2.0/UDP 10.1.1.1:4540;received=192.0.2.1;rport=9988;branch=z9hG4bKkjshdyff",
			0, "UDP", "10.1.1.1", 4540, "z9hG4bKkjshdyff", "192.0.2.1", NULL, 9988, -1,
			NULL, NULL },
		{ "SIP/2.0/TLS [2001:db8::9:1]:5061;branch=z9hG4bKas3;received=2001:db8::9:255", 0,
			"TLS", "[2001:db8::9:1]", 5061, "z9hG4bKas3", "2001:db8::9:255", NULL, -1,
			-1, NULL, NULL },
		{ "SIP/2.0/TCP [::1];branch=z9hG4bK1;received=[::1]", 0, "TCP", "[::1]", 0,
			"z9hG4bK1", "[::1]", NULL, -1, -1, NULL, NULL },
		{ "SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKasudf;rport", 0, "WSS",
			"df7jal23ls0d.invalid", 0, "z9hG4bKasudf", NULL, NULL, 0, -1, NULL, NULL },
		/* a list: the first value, and what follows its comma */
		{ "SIP/2.0/UDP a.example.com;branch=z9hG4bK1 , SIP/2.0/TCP b.example.com", 0, "UDP",
			"a.example.com", 0, "z9hG4bK1", NULL, NULL, -1, -1,
			"SIP/2.0/UDP a.example.com;branch=z9hG4bK1", " SIP/2.0/TCP b.example.com" },
		{ "SIP/2.0/UDP h;x=\"quoted, with comma\";branch=z9hG4bK1", 0, "UDP", "h", 0,
			"z9hG4bK1", NULL, NULL, -1, -1, NULL, NULL },
		{ "SIP/2.0/UDP h", 0, "UDP", "h", 0, NULL, NULL, NULL, -1, -1, NULL, NULL },
		/* refused */
		{ .in = "", .rc = -EBADMSG },
		{ .in = "SIP/2.0/UDP", .rc = -EBADMSG },
		{ .in = "SIP/2.0/UDP ", .rc = -EBADMSG },
		{ .in = "SIP/2.0 pc33.atlanta.com", .rc = -EBADMSG },
		{ .in = "SIP/2.0/UDPpc33.atlanta.com", .rc = -EBADMSG },
		{ .in = "SIP/2.0/UDP pc33.atlanta.com:", .rc = -EBADMSG },
		{ .in = "SIP/2.0/UDP pc33.atlanta.com:70000", .rc = -EBADMSG },
		{ .in = "SIP/2.0/UDP pc33.atlanta.com;", .rc = -EBADMSG },
		{ .in = "SIP/2.0/UDP pc33.atlanta.com;branch", .rc = -EBADMSG },
		{ .in = "SIP/2.0/UDP pc33.atlanta.com;branch=", .rc = -EBADMSG },
		{ .in = "SIP/2.0/UDP pc33.atlanta.com;branch=a;branch=b", .rc = -EBADMSG },
		{ .in = "SIP/2.0/UDP h;received=pc33.atlanta.com", .rc = -EBADMSG },
		{ .in = "SIP/2.0/UDP h;received=1.2.3.4.5", .rc = -EBADMSG },
		{ .in = "SIP/2.0/UDP h;rport=0", .rc = -EBADMSG },
		{ .in = "SIP/2.0/UDP h;rport=65536", .rc = -EBADMSG },
		{ .in = "SIP/2.0/UDP h;ttl=256", .rc = -EBADMSG },
		{ .in = "SIP/2.0/UDP h;maddr=a..b", .rc = -EBADMSG },
		{ .in = "SIP/2.0/UDP h;x=\"open", .rc = -EBADMSG },
		{ .in = "SIP/2.0/UDP h junk", .rc = -EBADMSG },
		{ .in = "SIP/2.0/UDP [::1", .rc = -EBADMSG },
		{ .in = "SIP/2.0/UDP h\r\n;branch=z9hG4bK1", .rc = -EBADMSG },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sip_via v;
		struct str rest = STR("unset");
		int rc = sip_parse_via(str_cstr(t[i].in), &v, &rest);
		if (rc != t[i].rc) {
			unit_fail(__FILE__, __LINE__, t[i].in);
			continue;
		}
		if (rc < 0) {
			continue;
		}
		if (!seq(v.transport, t[i].transport) || !seq(v.host, t[i].host) ||
			v.port != t[i].port || !seq(v.branch, t[i].branch) ||
			!seq(v.received, t[i].received) || !seq(v.maddr, t[i].maddr) ||
			v.rport != (t[i].rport >= 0) ||
			(t[i].rport >= 0 && v.rport_value != t[i].rport) || v.ttl != t[i].ttl ||
			(t[i].text && !seq(v.text, t[i].text)) || !seq(rest, t[i].rest) ||
			!str_has_prefix(v.protocol, STR("SIP"))) {
			unit_fail(__FILE__, __LINE__, t[i].in);
		}
	}
}

static void via_params_field(void)
{
	struct sip_via v;
	struct str rest, val;

	CHECK(sip_parse_via(STR("SIP/2.0/UDP h:5060;branch=z9hG4bK1;alias;x=y"), &v, &rest) == 0);
	CHECK(str_eq(v.params, STR(";branch=z9hG4bK1;alias;x=y")));
	CHECK(str_eq(v.protocol, STR("SIP/2.0")));
	CHECK(sip_param_get(v.params, STR("alias"), &val) && val.len == 0);
	CHECK(sip_param_get(v.params, STR("x"), &val) && str_eq(val, STR("y")));
}

static void nameaddr(void)
{
	static const struct {
		const char *in;
		int rc;
		const char *display, *uri, *params, *tag;
		bool star;
		const char *rest;
	} t[] = {
		{ "Bob <sip:bob@biloxi.com>", 0, "Bob", "sip:bob@biloxi.com", NULL, NULL, 0, NULL },
		{ "Alice <sip:alice@atlanta.com>;tag=1928301774", 0, "Alice",
			"sip:alice@atlanta.com", ";tag=1928301774", "1928301774", 0, NULL },
		{ "\"A. G. Bell\" <sip:agb@bell-telephone.com> ;tag=a48s", 0, "A. G. Bell",
			"sip:agb@bell-telephone.com", ";tag=a48s", "a48s", 0, NULL },
		{ "sip:+12125551212@server.phone2net.com;tag=887s", 0, NULL,
			"sip:+12125551212@server.phone2net.com", ";tag=887s", "887s", 0, NULL },
		{ "Anonymous <sip:c8oqz84zk7z@privacy.org>;tag=hyh8", 0, "Anonymous",
			"sip:c8oqz84zk7z@privacy.org", ";tag=hyh8", "hyh8", 0, NULL },
		{ "The Operator <sip:operator@cs.columbia.edu>;tag=287447", 0, "The Operator",
			"sip:operator@cs.columbia.edu", ";tag=287447", "287447", 0, NULL },
		{ "<sip:alice@atlanta.com;transport=tcp>;expires=60", 0, NULL,
			"sip:alice@atlanta.com;transport=tcp", ";expires=60", NULL, 0, NULL },
		/* in an addr-spec without <>, the parameters are the header's */
		{ "sip:alice@atlanta.com;transport=tcp;tag=x", 0, NULL, "sip:alice@atlanta.com",
			";transport=tcp;tag=x", "x", 0, NULL },
		{ "\"Mr. Watson\" <sip:watson@worcester.bell-telephone.com>\r\n ;q=0.7; "
		  "expires=3600,\r\n \"Mr. Watson\" <mailto:watson@bell-telephone.com> ;q=0.1",
			0, "Mr. Watson", "sip:watson@worcester.bell-telephone.com",
			";q=0.7; expires=3600", NULL, 0,
			"\r\n \"Mr. Watson\" <mailto:watson@bell-telephone.com> ;q=0.1" },
		{ "\"Mr. Watson\" <mailto:watson@bell-telephone.com> ;q=0.1", 0, "Mr. Watson",
			"mailto:watson@bell-telephone.com", ";q=0.1", NULL, 0, NULL },
		{ "\"\\\"esc\\\\\" <sip:a@b>", 0, "\\\"esc\\\\", "sip:a@b", NULL, NULL, 0, NULL },
		{ "\"\" <sip:a@b>", 0, NULL, "sip:a@b", NULL, NULL, 0, NULL },
		{ "<sip:a@b>;+sip.instance=\"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>\"", 0,
			NULL, "sip:a@b",
			";+sip.instance=\"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>\"", NULL,
			0, NULL },
		{ "*", 0, NULL, NULL, NULL, NULL, 1, NULL },
		{ "<tel:+1-201-555-0123>", 0, NULL, "tel:+1-201-555-0123", NULL, NULL, 0, NULL },
		{ "<sip:[2001:db8::1]:5070>", 0, NULL, "sip:[2001:db8::1]:5070", NULL, NULL, 0,
			NULL },
		{ "J\xc3\xbcrgen <sip:j@example.de>", 0, "J\xc3\xbcrgen", "sip:j@example.de", NULL,
			NULL, 0, NULL },
		{ "<sip:a@b>, <sip:c@d>", 0, NULL, "sip:a@b", NULL, NULL, 0, " <sip:c@d>" },
		/* refused */
		{ .in = "", .rc = -EBADMSG },
		{ .in = "<sip:a@b", .rc = -EBADMSG },
		{ .in = "<>", .rc = -EBADMSG },
		{ .in = "Bob sip:bob@biloxi.com", .rc = -EBADMSG },
		{ .in = "\"Bob <sip:bob@biloxi.com>", .rc = -EBADMSG },
		{ .in = "\"Bob\" sip:bob@biloxi.com", .rc = -EBADMSG },
		{ .in = "<sip:a@b>;tag", .rc = -EBADMSG },
		{ .in = "<sip:a@b>;tag=1;tag=2", .rc = -EBADMSG },
		{ .in = "<sip:a@b>;", .rc = -EBADMSG },
		{ .in = "<sip:a@b> x", .rc = -EBADMSG },
		{ .in = "<sip:a@@b>", .rc = -EBADMSG },
		{ .in = "<sip a@b>", .rc = -EBADMSG },
		{ .in = "<foo>", .rc = -EBADMSG },
		{ .in = "\"a\rb\" <sip:a@b>", .rc = -EBADMSG },
		{ .in = "\"a\\", .rc = -EBADMSG },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sip_nameaddr na;
		struct str rest = STR("unset");
		int rc = sip_parse_nameaddr(str_cstr(t[i].in), &na, &rest);
		if (rc != t[i].rc) {
			unit_fail(__FILE__, __LINE__, t[i].in);
			continue;
		}
		if (rc < 0) {
			continue;
		}
		if (na.star != t[i].star || !seq(na.display, t[i].display) ||
			!seq(na.uri_str, t[i].uri) || !seq(na.params, t[i].params) ||
			!seq(na.tag, t[i].tag) || !seq(rest, t[i].rest)) {
			unit_fail(__FILE__, __LINE__, t[i].in);
		}
	}
}

static void nameaddr_list(void)
{
	struct str rest = STR("<sip:a@b>;q=1, \"B\" <sip:c@d>;q=0.5 ,sip:e@f ,\r\n <sips:g@h>");
	struct sip_nameaddr na;
	unsigned n = 0;
	const char *hosts[] = { "b", "d", "f", "h" };

	while (rest.len && n < 8) {
		CHECK_INT(sip_parse_nameaddr(rest, &na, &rest), 0);
		if (n < 4) {
			CHECK(str_eq(na.uri.host, str_cstr(hosts[n])));
		}
		n++;
	}
	CHECK_INT(n, 4);
	CHECK_INT(na.uri.scheme, SIP_URI_SIPS);
	/* a mailto: or urn: address is kept, unparsed */
	CHECK(sip_parse_nameaddr(STR("<urn:service:sos>"), &na, &rest) == 0);
	CHECK(na.uri.scheme == 0 && str_eq(na.uri_str, STR("urn:service:sos")));
}

static void token_list(void)
{
	struct str rest = STR("INVITE, ACK ,OPTIONS,\r\n CANCEL,,BYE");
	struct str item;
	const char *want[] = { "INVITE", "ACK", "OPTIONS", "CANCEL", "BYE" };
	unsigned n = 0;

	while (sip_parse_token_list(&rest, &item)) {
		if (n < 5) {
			CHECK(str_eq(item, str_cstr(want[n])));
		}
		n++;
	}
	CHECK_INT(n, 5);
	CHECK(rest.len == 0);

	rest = STR("100rel, foo bar");
	CHECK(sip_parse_token_list(&rest, &item) && str_eq(item, STR("100rel")));
	CHECK(!sip_parse_token_list(&rest, &item));
	CHECK(rest.len != 0); /* stopped at a malformed element */

	rest = STR("  ");
	CHECK(!sip_parse_token_list(&rest, &item) && rest.len == 0);
	rest = STR("\"quoted\"");
	CHECK(!sip_parse_token_list(&rest, &item) && rest.len != 0);
}

static void auth(void)
{
	static const struct {
		const char *in;
		int rc;
		unsigned n;
		const char *name, *value; /* one parameter to look up */
		bool quoted;
	} t[] = {
		{ "Digest username=\"Alice\", realm=\"atlanta.com\",\r\n "
		  "nonce=\"84a4cc6f3082121f32b42a2187831a9e\",\r\n "
		  "response=\"7587245234b3434cc3412213e5f113a5432\"",
			0, 4, "response", "7587245234b3434cc3412213e5f113a5432", 1 },
		{ "Digest realm=\"atlanta.com\", domain=\"sip:ss1.carrier.com\", qop=\"auth\", "
		  "nonce=\"f84f1cec41e6cbe5aea9c8e88d359\", opaque=\"\", stale=FALSE, "
		  "algorithm=MD5",
			0, 7, "algorithm", "MD5", 0 },
		{ "Digest realm=\"atlanta.com\", domain=\"sip:ss1.carrier.com\", qop=\"auth\"", 0,
			3, "Domain", "sip:ss1.carrier.com", 1 },
		{ "Digest username=\"bob\", realm=\"biloxi.example.com\", "
		  "uri=\"sip:biloxi.example.com\", "
		  "algorithm=SHA-512-256, qop=auth, nc=00000001, cnonce=\"0a4f113b\", "
		  "response=\"b\", nonce=\"n\", opaque=\"o\", userhash=true",
			0, 11, "nc", "00000001", 0 },
		{ "Digest username=\"a\\\"b\", realm=\"r\"", 0, 2, "username", "a\\\"b", 1 },
		{ "Digest   realm = \"r\" ,  nonce=\"n\"", 0, 2, "nonce", "n", 1 },
		{ "Digest realm=\"x,y\"", 0, 1, "realm", "x,y", 1 },
		{ "Digest realm=\"r\",, nonce=\"n\"", 0, 2, "nonce", "n", 1 },
		{ "Digest", 0, 0, NULL, NULL, 0 },
		{ "NTLM realm=\"x\"", 0, 1, "realm", "x", 1 },
		/* refused */
		{ .in = "", .rc = -EBADMSG },
		{ .in = "Digest realm", .rc = -EBADMSG },
		{ .in = "Digest realm=", .rc = -EBADMSG },
		{ .in = "Digest realm=\"r", .rc = -EBADMSG },
		{ .in = "Digest realm=\"r\" nonce=\"n\"", .rc = -EBADMSG },
		{ .in = "Digest realm=\"r\", realm=\"s\"", .rc = -EBADMSG },
		{ .in = "Digest realm=\"r\", REALM=\"s\"", .rc = -EBADMSG },
		{ .in = "Digest realm=a b", .rc = -EBADMSG },
		{ .in = "Digest realm=\"r\" x", .rc = -EBADMSG },
		{ .in = "Digest,realm=\"r\"", .rc = -EBADMSG },
		{ .in = "Digest realm=\"a\nb\"", .rc = -EBADMSG },
		{ .in = "Digest "
			"a=1,b=1,c=1,d=1,e=1,f=1,g=1,h=1,i=1,j=1,k=1,l=1,m=1,n=1,o=1,p=1,q=1",
			.rc = -EBADMSG },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sip_auth a;
		struct str v;
		int rc = sip_parse_auth(str_cstr(t[i].in), &a);
		if (rc != t[i].rc) {
			unit_fail(__FILE__, __LINE__, t[i].in);
			continue;
		}
		if (rc < 0) {
			continue;
		}
		if (a.n_params != t[i].n) {
			unit_fail(__FILE__, __LINE__, t[i].in);
		}
		if (t[i].name) {
			bool quoted = false;
			for (unsigned k = 0; k < a.n_params; k++) {
				if (str_ieq(a.params[k].name, str_cstr(t[i].name))) {
					quoted = a.params[k].quoted;
				}
			}
			if (!sip_auth_get(&a, str_cstr(t[i].name), &v) || !seq(v, t[i].value) ||
				quoted != t[i].quoted) {
				unit_fail(__FILE__, __LINE__, t[i].in);
			}
		}
	}
	struct sip_auth a;
	struct str v;
	CHECK(sip_parse_auth(STR("Digest realm=\"r\""), &a) == 0);
	CHECK(str_eq(a.scheme, STR("Digest")));
	CHECK(!sip_auth_get(&a, STR("nonce"), &v));
	CHECK(sip_parse_auth(STR("Digest a=1,b=1,c=1,d=1,e=1,f=1,g=1,h=1,i=1,j=1,k=1,l=1,m=1,n=1,"
				 "o=1,p=1"),
		      &a) == 0);
	CHECK_INT(a.n_params, SIP_AUTH_MAX_PARAMS);
}

static void uint_and_trim(void)
{
	static const struct {
		const char *in;
		uint32_t max;
		int rc;
		uint32_t out;
	} t[] = {
		{ "70", 255, 0, 70 },
		{ " 0 ", 255, 0, 0 },
		{ "\r\n 3600", UINT32_MAX, 0, 3600 },
		{ "007", 255, 0, 7 },
		{ "4294967295", UINT32_MAX, 0, UINT32_MAX },
		{ "4294967296", UINT32_MAX, -EBADMSG, 0 },
		{ "256", 255, -EBADMSG, 0 },
		{ "", 255, -EBADMSG, 0 },
		{ "  ", 255, -EBADMSG, 0 },
		{ "1 2", 255, -EBADMSG, 0 },
		{ "-1", 255, -EBADMSG, 0 },
		{ "+1", 255, -EBADMSG, 0 },
		{ "0x10", 255, -EBADMSG, 0 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint32_t v = 12345;
		int rc = sip_parse_uint(str_cstr(t[i].in), t[i].max, &v);
		if (rc != t[i].rc || (rc == 0 && v != t[i].out)) {
			unit_fail(__FILE__, __LINE__, t[i].in);
		}
	}
	CHECK(str_eq(sip_parse_trim(STR(" \t a b \r\n \t")), STR("a b")));
	CHECK(str_eq(sip_parse_trim(STR("\r\n a\r\n b\r\n ")), STR("a\r\n b")));
	CHECK(str_eq(sip_parse_trim(STR("a\r\n")), STR("a\r\n"))); /* not a fold */
	CHECK(sip_parse_trim(STR("  ")).len == 0);
	CHECK(sip_parse_is_token(STR("z9hG4bK-._!%*+`'~")));
	CHECK(!sip_parse_is_token(STR("a b")) && !sip_parse_is_token(STR("")));
	CHECK(sip_parse_absolute_uri(STR("mailto:watson@bell-telephone.com")));
	CHECK(sip_parse_absolute_uri(STR("urn:service:sos")));
	CHECK(!sip_parse_absolute_uri(STR("1a:b")) && !sip_parse_absolute_uri(STR("a:")));
	CHECK(!sip_parse_absolute_uri(STR("a:b c")) && !sip_parse_absolute_uri(STR("abc")));
}

UNIT_SUITE(sip_parse, UNIT_TEST(uri), UNIT_TEST(uri_params_limit), UNIT_TEST(uri_eq),
	UNIT_TEST(param_get), UNIT_TEST(via), UNIT_TEST(via_params_field), UNIT_TEST(nameaddr),
	UNIT_TEST(nameaddr_list), UNIT_TEST(token_list), UNIT_TEST(auth), UNIT_TEST(uint_and_trim));
