/* A small SIP load generator for `make bench`, over UDP on loopback.
 *
 * OPTIONS (the default mode): requests from a template, a window of
 * requests in flight (closed loop) or a fixed offered rate (open loop),
 * responses matched by the number in their Call-ID with memmem:
 * deliberately not the server's parser.
 *
 *   sipload HOST PORT SECONDS [RATE [WINDOW]]
 *
 * RATE 0 = as fast as the window allows. Prints one line:
 *   sent N answered N rate R/s p50 X ms p99 Y ms lost N
 *
 * REGISTER with digest authentication (RFC 3261 10, RFC 7616 qop=auth):
 *
 *   sipload --register HOST PORT SECONDS RATE WINDOW USERS PASSWORD REALM fresh|refresh
 *
 * Users user1..userUSERS, all with PASSWORD, domain = REALM (Request-URI
 * sip:REALM, From/To sip:userN@REALM). A registration is one REGISTER,
 * or two when the server challenges: a user without a nonce sends no
 * credentials; on 401 the client answers the first challenge whose
 * algorithm it supports, SHA-256 before MD5, with qop=auth when offered,
 * and resends with a new CSeq; later registrations of that user reuse the
 * nonce with nc+1 and start over on the next 401 (stale or not). A 401 to
 * credentials made from a nonce just received ends the registration
 * unless it says stale=true (wrong password: no loop; at most 3 challenges
 * per registration). One registration per user in flight.
 *   fresh:   a new Call-ID and a new binding each time; the user's previous
 *            binding is removed in the same REGISTER (second Contact with
 *            expires=0), so the table stays at about one binding per user
 *            (the two contact URIs of a user alternate: each REGISTER
 *            inserts one binding and deletes one);
 *   refresh: the same Call-ID and Contact per user, CSeq+1 (the first
 *            registration of each user also removes the binding a fresh
 *            run may have left).
 * RATE = registrations started per second (0 = as fast as WINDOW allows).
 * Only 200 counts as done. Prints one line:
 *   sent N answered N rate R/s p50 X ms p99 Y ms lost N 401 N other N requests N [codes C:N...] [alg A]
 * sent = registrations started, answered = 200 OK, latency = from the
 * first REGISTER of a registration to its 200, lost = started - answered -
 * still pending (timeouts and rejections), 401 = challenges received,
 * other = final answers other than 200 and 401, requests = REGISTERs sent.
 *
 * Proxy load (MESSAGE relay, forked INVITE), see callers_main and uas_main:
 *
 *   sipload --message|--invite HOST PORT SECONDS RATE WINDOW CALLERS PASSWORD REALM CALLEE...
 *   sipload --uas PORT_FILE N SECONDS [ok|busy|ring,...]
 *   sipload --register-contacts HOST PORT PASSWORD REALM USER PORT...
 *
 *   sipload --hash-test   MD5, SHA-256 and RFC 7616 3.9.1 digest vectors
 *   sipload --free-port   prints a free UDP port on 127.0.0.1
 *
 * Bounded: stops after SECONDS, loopback targets only. MD5 and SHA-256
 * are written here (a test program: no library). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_WINDOW 4096

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Appends one latency, growing the array; a failed growth drops the sample
 * (the count of answers is kept apart and stays exact). */
static void lat_add(uint32_t **lat, size_t *n, size_t *cap, uint32_t us)
{
	if (*n == *cap) {
		uint32_t *p = realloc(*lat, *cap * 2 * sizeof(**lat));
		if (!p) {
			return;
		}
		*lat = p;
		*cap *= 2;
	}
	(*lat)[(*n)++] = us;
}

static int options_main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct sockaddr_in me = { .sin_family = AF_INET };
	socklen_t melen = sizeof(me);
	uint64_t sent_at[MAX_WINDOW] = { 0 };
	uint64_t seq_of[MAX_WINDOW] = { 0 };
	uint32_t *lat;
	size_t n_lat = 0, cap_lat;
	uint64_t sent = 0, done = 0, answered = 0, start, end, next_send;
	unsigned window, rate;
	double secs;
	int fd;

	if (argc < 4) {
		fprintf(stderr, "usage: sipload HOST PORT SECONDS [RATE [WINDOW]]\n");
		return 2;
	}
	if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 ||
		(ntohl(to.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "sipload: loopback IPv4 targets only\n");
		return 2;
	}
	to.sin_port = htons((uint16_t)atoi(argv[2]));
	secs = atof(argv[3]);
	rate = argc > 4 ? (unsigned)atoi(argv[4]) : 0;
	window = argc > 5 ? (unsigned)atoi(argv[5]) : 64;
	if (window < 1 || window > MAX_WINDOW || secs <= 0 || secs > 600) {
		fprintf(stderr, "sipload: window 1..%d, seconds 0..600\n", MAX_WINDOW);
		return 2;
	}
	cap_lat = (size_t)(secs * (rate ? rate : 100000)) + 1024;
	lat = malloc(cap_lat * sizeof(*lat));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!lat || fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0 ||
		getsockname(fd, (struct sockaddr *)&me, &melen) < 0 ||
		connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
		perror("sipload");
		return 1;
	}
	start = now_us();
	end = start + (uint64_t)(secs * 1e6);
	next_send = start;
	while (now_us() < end) {
		uint64_t t = now_us();
		unsigned in_flight = (unsigned)(sent - done);
		/* Send while the window has room and (open loop) it is time. */
		while (in_flight < window && (rate == 0 || next_send <= t)) {
			char msg[600];
			unsigned slot = (unsigned)(sent % window);
			int n;
			if (sent_at[slot]) {
				break; /* still waiting for that slot's answer */
			}
			n = snprintf(msg, sizeof(msg),
				"OPTIONS sip:%s:%s SIP/2.0\r\n"
				"Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-b%llu;rport\r\n"
				"Max-Forwards: 70\r\n"
				"From: <sip:bench@127.0.0.1>;tag=bench\r\n"
				"To: <sip:%s>\r\n"
				"Call-ID: bench-%llu\r\n"
				"CSeq: 1 OPTIONS\r\n"
				"Content-Length: 0\r\n\r\n",
				argv[1], argv[2], ntohs(me.sin_port), (unsigned long long)sent,
				argv[1], (unsigned long long)sent);
			if (send(fd, msg, (size_t)n, 0) < 0) {
				break;
			}
			sent_at[slot] = now_us();
			seq_of[slot] = sent;
			sent++;
			in_flight++;
			if (rate) {
				next_send += 1000000 / rate;
			}
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		poll(&p, 1, 1);
		for (;;) {
			char buf[2048];
			ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
			const char *cid;
			unsigned long long seq;
			if (n <= 0) {
				break;
			}
			buf[n] = '\0';
			cid = memmem(buf, (size_t)n, "Call-ID: bench-", 15);
			if (!cid || sscanf(cid + 15, "%llu", &seq) != 1) {
				continue;
			}
			unsigned slot = (unsigned)(seq % window);
			if (sent_at[slot] && seq_of[slot] == seq) {
				lat_add(&lat, &n_lat, &cap_lat,
					(uint32_t)(now_us() - sent_at[slot]));
				answered++;
				sent_at[slot] = 0;
				done++;
			}
		}
		/* A request unanswered for 1 s is lost: free its slot. */
		for (unsigned i = 0; i < window; i++) {
			if (sent_at[i] && now_us() - sent_at[i] > 1000000) {
				sent_at[i] = 0;
				done++; /* done, but not answered: counted as lost */
			}
		}
	}
	unsigned pending = 0;
	for (unsigned i = 0; i < window; i++) {
		pending += sent_at[i] != 0;
	}
	qsort(lat, n_lat, sizeof(*lat), cmp_u32);
	printf("sent %llu answered %llu rate %.0f/s p50 %.3f ms p99 %.3f ms lost %llu\n",
		(unsigned long long)sent, (unsigned long long)answered, answered / secs,
		n_lat ? lat[n_lat / 2] / 1000.0 : 0.0, n_lat ? lat[n_lat * 99 / 100] / 1000.0 : 0.0,
		(unsigned long long)(sent - answered - pending));
	return 0;
}

/* ---- MD5 (RFC 1321) and SHA-256 (FIPS 180-4) ---- */

enum alg { ALG_MD5, ALG_SHA256 };
static const char *const alg_name[] = { "MD5", "SHA-256" };

struct hash {
	enum alg alg;
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
	size_t n;
};

static uint32_t rol(uint32_t x, unsigned c)
{
	return (x << c) | (x >> (32 - c));
}

static uint32_t ror(uint32_t x, unsigned c)
{
	return (x >> c) | (x << (32 - c));
}

static const uint32_t md5_k[64] = {
	0xd76aa478,
	0xe8c7b756,
	0x242070db,
	0xc1bdceee,
	0xf57c0faf,
	0x4787c62a,
	0xa8304613,
	0xfd469501,
	0x698098d8,
	0x8b44f7af,
	0xffff5bb1,
	0x895cd7be,
	0x6b901122,
	0xfd987193,
	0xa679438e,
	0x49b40821,
	0xf61e2562,
	0xc040b340,
	0x265e5a51,
	0xe9b6c7aa,
	0xd62f105d,
	0x02441453,
	0xd8a1e681,
	0xe7d3fbc8,
	0x21e1cde6,
	0xc33707d6,
	0xf4d50d87,
	0x455a14ed,
	0xa9e3e905,
	0xfcefa3f8,
	0x676f02d9,
	0x8d2a4c8a,
	0xfffa3942,
	0x8771f681,
	0x6d9d6122,
	0xfde5380c,
	0xa4beea44,
	0x4bdecfa9,
	0xf6bb4b60,
	0xbebfbc70,
	0x289b7ec6,
	0xeaa127fa,
	0xd4ef3085,
	0x04881d05,
	0xd9d4d039,
	0xe6db99e5,
	0x1fa27cf8,
	0xc4ac5665,
	0xf4292244,
	0x432aff97,
	0xab9423a7,
	0xfc93a039,
	0x655b59c3,
	0x8f0ccc92,
	0xffeff47d,
	0x85845dd1,
	0x6fa87e4f,
	0xfe2ce6e0,
	0xa3014314,
	0x4e0811a1,
	0xf7537e82,
	0xbd3af235,
	0x2ad7d2bb,
	0xeb86d391,
};
static const uint8_t md5_r[16] = { 7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21 };

static void md5_block(uint32_t *h, const uint8_t *p)
{
	uint32_t m[16], a = h[0], b = h[1], c = h[2], d = h[3];

	for (int i = 0; i < 16; i++) {
		m[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
			(uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
	}
	for (int i = 0; i < 64; i++) {
		uint32_t f, t;
		int g;
		if (i < 16) {
			f = (b & c) | (~b & d);
			g = i;
		} else if (i < 32) {
			f = (d & b) | (~d & c);
			g = (5 * i + 1) % 16;
		} else if (i < 48) {
			f = b ^ c ^ d;
			g = (3 * i + 5) % 16;
		} else {
			f = c ^ (b | ~d);
			g = (7 * i) % 16;
		}
		t = d;
		d = c;
		c = b;
		b = b + rol(a + f + md5_k[i] + m[g], md5_r[(i / 16) * 4 + i % 4]);
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
}

static const uint32_t sha256_k[64] = {
	0x428a2f98,
	0x71374491,
	0xb5c0fbcf,
	0xe9b5dba5,
	0x3956c25b,
	0x59f111f1,
	0x923f82a4,
	0xab1c5ed5,
	0xd807aa98,
	0x12835b01,
	0x243185be,
	0x550c7dc3,
	0x72be5d74,
	0x80deb1fe,
	0x9bdc06a7,
	0xc19bf174,
	0xe49b69c1,
	0xefbe4786,
	0x0fc19dc6,
	0x240ca1cc,
	0x2de92c6f,
	0x4a7484aa,
	0x5cb0a9dc,
	0x76f988da,
	0x983e5152,
	0xa831c66d,
	0xb00327c8,
	0xbf597fc7,
	0xc6e00bf3,
	0xd5a79147,
	0x06ca6351,
	0x14292967,
	0x27b70a85,
	0x2e1b2138,
	0x4d2c6dfc,
	0x53380d13,
	0x650a7354,
	0x766a0abb,
	0x81c2c92e,
	0x92722c85,
	0xa2bfe8a1,
	0xa81a664b,
	0xc24b8b70,
	0xc76c51a3,
	0xd192e819,
	0xd6990624,
	0xf40e3585,
	0x106aa070,
	0x19a4c116,
	0x1e376c08,
	0x2748774c,
	0x34b0bcb5,
	0x391c0cb3,
	0x4ed8aa4a,
	0x5b9cca4f,
	0x682e6ff3,
	0x748f82ee,
	0x78a5636f,
	0x84c87814,
	0x8cc70208,
	0x90befffa,
	0xa4506ceb,
	0xbef9a3f7,
	0xc67178f2,
};

static void sha256_block(uint32_t *h, const uint8_t *p)
{
	uint32_t w[64], v[8];

	for (int i = 0; i < 16; i++) {
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
			(uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	}
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(v, h, sizeof(v));
	for (int i = 0; i < 64; i++) {
		uint32_t s1 = ror(v[4], 6) ^ ror(v[4], 11) ^ ror(v[4], 25);
		uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
		uint32_t t1 = v[7] + s1 + ch + sha256_k[i] + w[i];
		uint32_t s0 = ror(v[0], 2) ^ ror(v[0], 13) ^ ror(v[0], 22);
		uint32_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
		memmove(v + 1, v, 7 * sizeof(v[0]));
		v[4] += t1;
		v[0] = t1 + s0 + maj;
	}
	for (int i = 0; i < 8; i++) {
		h[i] += v[i];
	}
}

static void hash_init(struct hash *c, enum alg alg)
{
	static const uint32_t md5_iv[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };
	static const uint32_t sha_iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

	memset(c, 0, sizeof(*c));
	c->alg = alg;
	memcpy(c->h, alg == ALG_MD5 ? md5_iv : sha_iv, alg == ALG_MD5 ? 16 : 32);
}

static void hash_block(struct hash *c, const uint8_t *p)
{
	if (c->alg == ALG_MD5) {
		md5_block(c->h, p);
	} else {
		sha256_block(c->h, p);
	}
}

static void hash_update(struct hash *c, const void *data, size_t len)
{
	const uint8_t *p = data;

	c->len += len;
	while (len) {
		size_t k = 64 - c->n < len ? 64 - c->n : len;
		memcpy(c->buf + c->n, p, k);
		c->n += k;
		p += k;
		len -= k;
		if (c->n == 64) {
			hash_block(c, c->buf);
			c->n = 0;
		}
	}
}

/* Writes the digest as lower-case hex (32 or 64 digits) and a NUL. */
static void hash_final_hex(struct hash *c, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	uint64_t bits = c->len * 8;
	uint8_t pad = 0x80, lenb[8], out[32];
	size_t outlen = c->alg == ALG_MD5 ? 16 : 32;

	hash_update(c, &pad, 1);
	pad = 0;
	while (c->n != 56) {
		hash_update(c, &pad, 1);
	}
	for (int i = 0; i < 8; i++) { /* MD5: little-endian length, SHA: big-endian */
		lenb[i] = (uint8_t)(bits >> (c->alg == ALG_MD5 ? 8 * i : 56 - 8 * i));
	}
	hash_update(c, lenb, 8);
	for (size_t i = 0; i < outlen / 4; i++) {
		for (int j = 0; j < 4; j++) {
			out[4 * i + j] =
				(uint8_t)(c->h[i] >> (c->alg == ALG_MD5 ? 8 * j : 24 - 8 * j));
		}
	}
	for (size_t i = 0; i < outlen; i++) {
		hex[2 * i] = digits[out[i] >> 4];
		hex[2 * i + 1] = digits[out[i] & 15];
	}
	hex[2 * outlen] = '\0';
}

static void hash_hex(enum alg alg, const char *s, size_t len, char *hex)
{
	struct hash c;

	hash_init(&c, alg);
	hash_update(&c, s, len);
	hash_final_hex(&c, hex);
}

/* RFC 7616 3.4.1: the response for qop=auth (qop NULL: RFC 2069 form). */
static void digest_response(enum alg alg, const char *ha1, const char *nonce, unsigned nc,
	const char *cnonce, const char *qop, const char *method, const char *uri, char *out)
{
	char buf[1024], ha2[65];
	int n;

	n = snprintf(buf, sizeof(buf), "%s:%s", method, uri);
	hash_hex(alg, buf, (size_t)n, ha2);
	if (qop) {
		n = snprintf(
			buf, sizeof(buf), "%s:%s:%08x:%s:%s:%s", ha1, nonce, nc, cnonce, qop, ha2);
	} else {
		n = snprintf(buf, sizeof(buf), "%s:%s:%s", ha1, nonce, ha2);
	}
	hash_hex(alg, buf, (size_t)n, out);
}

static void digest_ha1(enum alg alg, const char *user, const char *realm, const char *pw, char *out)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%s:%s:%s", user, realm, pw);

	hash_hex(alg, buf, (size_t)n, out);
}

static int hash_test(void)
{
	static const struct {
		const char *what, *got_from, *want;
		enum alg alg;
	} v[] = {
		{ "MD5(\"abc\")", "abc", "900150983cd24fb0d6963f7d28e17f72", ALG_MD5 },
		{ "SHA-256(\"abc\")", "abc",
			"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
			ALG_SHA256 },
		{ "MD5(\"\")", "", "d41d8cd98f00b204e9800998ecf8427e", ALG_MD5 },
		{ "SHA-256(448 bits)", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
			"248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
			ALG_SHA256 },
		{ "MD5(80 digits)",
			"1234567890123456789012345678901234567890123456789012345678901234567890"
			"1234567890",
			"57edf4a22be3c955ac49da2e2107b67a", ALG_MD5 },
		{ "RFC 7616 3.9.1 MD5 response", NULL, "8ca523f5e9506fed4657c9700eebdbec",
			ALG_MD5 },
		{ "RFC 7616 3.9.1 SHA-256 response", NULL,
			"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
			ALG_SHA256 },
	};
	int bad = 0;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char got[65], ha1[65];
		if (v[i].got_from) {
			hash_hex(v[i].alg, v[i].got_from, strlen(v[i].got_from), got);
		} else {
			digest_ha1(
				v[i].alg, "Mufasa", "http-auth@example.org", "Circle of Life", ha1);
			digest_response(v[i].alg, ha1,
				"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", 1,
				"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "auth", "GET",
				"/dir/index.html", got);
		}
		if (strcmp(got, v[i].want) != 0) {
			printf("FAIL %s: %s, want %s\n", v[i].what, got, v[i].want);
			bad++;
		} else {
			printf("ok   %s\n", v[i].what);
		}
	}
	return bad != 0;
}

/* ---- REGISTER mode ---- */

#define CHAL_MAX 256

struct user {
	unsigned id; /* N in userN */
	int busy; /* a registration is in flight */
	int with_cred; /* the outstanding request carries credentials */
	uint64_t reg_start; /* first REGISTER of the current registration, us */
	uint64_t sent_at; /* the outstanding request, us */
	uint32_t cseq; /* CSeq of the outstanding (or last) request */
	uint64_t gen; /* registrations so far (fresh: Call-ID and Contact) */
	int have_nonce; /* a challenge to answer */
	unsigned challenges; /* 401s in the current registration */
	enum alg alg;
	int qop; /* qop=auth offered */
	unsigned nc;
	char realm[CHAL_MAX], nonce[CHAL_MAX], opaque[CHAL_MAX];
	int has_opaque;
	char ha1[65]; /* for ha1_alg and ha1_realm */
	int ha1_ok;
	enum alg ha1_alg;
	char ha1_realm[CHAL_MAX];
};

struct challenge {
	enum alg alg;
	int qop, stale, has_opaque;
	char realm[CHAL_MAX], nonce[CHAL_MAX], opaque[CHAL_MAX];
};

/* Finds the next header line NAME (or its compact form, when not 0) from
 * *pos: returns its value (after the colon and blanks), NULL when none. */
static const char *hdr_next(
	const char *buf, const char *end, const char **pos, const char *name, char compact)
{
	size_t nl = strlen(name);
	const char *p = *pos;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *line = p, *v = NULL;
		p = eol ? eol + 1 : end;
		if (line == buf) {
			continue; /* the status line */
		}
		if ((size_t)(end - line) > nl && strncasecmp(line, name, nl) == 0) {
			v = line + nl;
		} else if (compact && tolower((unsigned char)line[0]) == compact) {
			v = line + 1;
		}
		if (!v) {
			continue;
		}
		while (v < end && (*v == ' ' || *v == '\t')) {
			v++;
		}
		if (v < end && *v == ':') {
			v++;
			while (v < end && (*v == ' ' || *v == '\t')) {
				v++;
			}
			*pos = p;
			return v;
		}
	}
	*pos = end;
	return NULL;
}

/* Parses one Digest challenge (the value of WWW-Authenticate); returns 0
 * when it is one this client can answer (MD5 or SHA-256, qop absent or
 * offering auth). */
static int parse_challenge(const char *v, const char *end, struct challenge *ch)
{
	int alg_ok = 1, qop_ok = 1, have_nonce = 0;

	memset(ch, 0, sizeof(*ch));
	ch->alg = ALG_MD5;
	if (end - v < 7 || strncasecmp(v, "Digest", 6) != 0 || (v[6] != ' ' && v[6] != '\t')) {
		return -1;
	}
	v += 6;
	for (;;) {
		char name[32], val[CHAL_MAX];
		size_t nn = 0, vn = 0;
		while (v < end && (*v == ' ' || *v == '\t' || *v == ',')) {
			v++;
		}
		if (v >= end || *v == '\r' || *v == '\n') {
			break;
		}
		while (v < end && *v != '=' && *v != '\r' && *v != '\n' && *v != ' ') {
			if (nn < sizeof(name) - 1) {
				name[nn++] = *v;
			}
			v++;
		}
		name[nn] = '\0';
		while (v < end && *v == ' ') {
			v++;
		}
		if (v >= end || *v != '=') {
			return -1;
		}
		v++;
		while (v < end && *v == ' ') {
			v++;
		}
		if (v < end && *v == '"') {
			for (v++; v < end && *v != '"' && *v != '\r' && *v != '\n'; v++) {
				if (*v == '\\' && v + 1 < end) {
					v++;
				}
				if (vn < sizeof(val) - 1) {
					val[vn++] = *v;
				}
			}
			if (v >= end || *v != '"') {
				return -1;
			}
			v++;
		} else {
			while (v < end && *v != ',' && *v != ' ' && *v != '\t' && *v != '\r' &&
				*v != '\n') {
				if (vn < sizeof(val) - 1) {
					val[vn++] = *v;
				}
				v++;
			}
		}
		val[vn] = '\0';
		if (strcasecmp(name, "realm") == 0) {
			snprintf(ch->realm, sizeof(ch->realm), "%s", val);
		} else if (strcasecmp(name, "nonce") == 0) {
			snprintf(ch->nonce, sizeof(ch->nonce), "%s", val);
			have_nonce = 1;
		} else if (strcasecmp(name, "opaque") == 0) {
			snprintf(ch->opaque, sizeof(ch->opaque), "%s", val);
			ch->has_opaque = 1;
		} else if (strcasecmp(name, "stale") == 0) {
			ch->stale = strcasecmp(val, "true") == 0;
		} else if (strcasecmp(name, "algorithm") == 0) {
			if (strcasecmp(val, "MD5") == 0) {
				ch->alg = ALG_MD5;
			} else if (strcasecmp(val, "SHA-256") == 0) {
				ch->alg = ALG_SHA256;
			} else {
				alg_ok = 0; /* -sess, SHA-512-256, ... */
			}
		} else if (strcasecmp(name, "qop") == 0) {
			char *tok, *save = NULL;
			qop_ok = 0;
			for (tok = strtok_r(val, ", \t", &save); tok;
				tok = strtok_r(NULL, ", \t", &save)) {
				if (strcasecmp(tok, "auth") == 0) {
					qop_ok = 1;
					ch->qop = 1;
				}
			}
		}
	}
	return alg_ok && qop_ok && have_nonce ? 0 : -1;
}

/* RFC 7616 3.7: the first SHA-256 challenge, else the first MD5 one. */
static int pick_challenge_in(
	const char *buf, const char *end, const char *hdr, struct challenge *out)
{
	const char *pos = buf, *v;
	int found = 0;
	struct challenge ch;

	while ((v = hdr_next(buf, end, &pos, hdr, 0))) {
		if (parse_challenge(v, end, &ch) != 0) {
			continue;
		}
		if (!found || (out->alg != ALG_SHA256 && ch.alg == ALG_SHA256)) {
			*out = ch;
			found = 1;
		}
		if (out->alg == ALG_SHA256) {
			break;
		}
	}
	return found ? 0 : -1;
}

static int pick_challenge(const char *buf, const char *end, struct challenge *out)
{
	return pick_challenge_in(buf, end, "WWW-Authenticate", out);
}

struct reg {
	int fd;
	int fresh;
	const char *host, *port, *password, *realm;
	unsigned myport;
	unsigned tag;
	struct user *users;
	unsigned n_users;
	uint64_t requests, n401, other, authfail, codes[700];
	int alg_used[2];
	uint64_t cnonce_seq;
};

static int send_register(struct reg *r, struct user *u)
{
	char msg[4096], auth[2048] = "";
	char uri[300];
	unsigned cur = r->fresh ? (unsigned)(u->gen & 1) : 0;
	/* fresh: remove the user's other binding; refresh: remove the one a
	 * fresh run may have left, in the user's first registration only. */
	int drop = r->fresh || u->gen == 1;
	int n;

	snprintf(uri, sizeof(uri), "sip:%s", r->realm);
	u->cseq++;
	u->with_cred = u->have_nonce;
	if (u->have_nonce) {
		char user[32], resp[65], cnonce[40];
		snprintf(user, sizeof(user), "user%u", u->id);
		if (!u->ha1_ok || u->ha1_alg != u->alg || strcmp(u->ha1_realm, u->realm) != 0) {
			digest_ha1(u->alg, user, u->realm, r->password, u->ha1);
			u->ha1_alg = u->alg;
			snprintf(u->ha1_realm, sizeof(u->ha1_realm), "%s", u->realm);
			u->ha1_ok = 1;
		}
		u->nc++;
		snprintf(cnonce, sizeof(cnonce), "%08x%llx", r->tag,
			(unsigned long long)++r->cnonce_seq);
		digest_response(u->alg, u->ha1, u->nonce, u->nc, cnonce, u->qop ? "auth" : NULL,
			"REGISTER", uri, resp);
		if (u->qop) {
			snprintf(auth, sizeof(auth),
				"Authorization: Digest username=\"%s\", realm=\"%s\", "
				"nonce=\"%s\", "
				"uri=\"%s\", response=\"%s\", algorithm=%s, cnonce=\"%s\", "
				"qop=auth, "
				"nc=%08x%s%s%s\r\n",
				user, u->realm, u->nonce, uri, resp, alg_name[u->alg], cnonce,
				u->nc, u->has_opaque ? ", opaque=\"" : "",
				u->has_opaque ? u->opaque : "", u->has_opaque ? "\"" : "");
		} else {
			snprintf(auth, sizeof(auth),
				"Authorization: Digest username=\"%s\", realm=\"%s\", "
				"nonce=\"%s\", "
				"uri=\"%s\", response=\"%s\", algorithm=%s%s%s%s\r\n",
				user, u->realm, u->nonce, uri, resp, alg_name[u->alg],
				u->has_opaque ? ", opaque=\"" : "", u->has_opaque ? u->opaque : "",
				u->has_opaque ? "\"" : "");
		}
		r->alg_used[u->alg] = 1;
	}
	/* Contacts are never called: a fixed port that nothing listens on. */
	n = snprintf(msg, sizeof(msg),
		"REGISTER %s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-r%x-%u-%llu-%u;rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:user%u@%s>;tag=f%x-%u\r\n"
		"To: <sip:user%u@%s>\r\n"
		"Call-ID: regcid-%x-%u-%llu\r\n"
		"CSeq: %u REGISTER\r\n"
		"Contact: <sip:user%u-%u@127.0.0.1:5999>\r\n"
		"%s%.0u%s"
		"Expires: 3600\r\n"
		"%s"
		"User-Agent: sipload\r\n"
		"Content-Length: 0\r\n\r\n",
		uri, r->myport, r->tag, u->id, (unsigned long long)u->gen, u->cseq, u->id, r->realm,
		r->tag, u->id, u->id, r->realm, r->tag, u->id,
		(unsigned long long)(r->fresh ? u->gen : 0), u->cseq, u->id, cur,
		drop ? "Contact: <sip:user" : "", drop ? u->id : 0,
		drop ? (cur ? "-0@127.0.0.1:5999>;expires=0\r\n"
			    : "-1@127.0.0.1:5999>;expires=0\r\n")
		     : "",
		auth);
	if (n <= 0 || (size_t)n >= sizeof(msg)) {
		return -1;
	}
	u->sent_at = now_us();
	r->requests++;
	return send(r->fd, msg, (size_t)n, 0) < 0 ? -1 : 0;
}

static int register_main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct sockaddr_in me = { .sin_family = AF_INET };
	socklen_t melen = sizeof(me);
	struct reg r = { 0 };
	uint32_t *lat;
	unsigned *idle; /* ring of idle users, longest idle first */
	size_t n_lat = 0, cap_lat;
	unsigned idle_head = 0, idle_n, window, rate, in_flight = 0;
	uint64_t started = 0, answered = 0, start, end, last_sweep;
	double secs;

	if (argc != 11 || (strcmp(argv[10], "fresh") != 0 && strcmp(argv[10], "refresh") != 0)) {
		fprintf(stderr,
			"usage: sipload --register HOST PORT SECONDS RATE WINDOW USERS "
			"PASSWORD REALM fresh|refresh\n");
		return 2;
	}
	r.host = argv[2];
	r.port = argv[3];
	secs = atof(argv[4]);
	rate = (unsigned)atoi(argv[5]);
	window = (unsigned)atoi(argv[6]);
	r.n_users = (unsigned)atoi(argv[7]);
	r.password = argv[8];
	r.realm = argv[9];
	r.fresh = strcmp(argv[10], "fresh") == 0;
	if (inet_pton(AF_INET, r.host, &to.sin_addr) != 1 ||
		(ntohl(to.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "sipload: loopback IPv4 targets only\n");
		return 2;
	}
	if (window < 1 || window > MAX_WINDOW || secs <= 0 || secs > 600 || r.n_users < 1 ||
		r.n_users > 1000000 || strlen(r.realm) > 200 || strlen(r.password) > 200) {
		fprintf(stderr, "sipload: window 1..%d, seconds 0..600, users 1..1000000\n",
			MAX_WINDOW);
		return 2;
	}
	to.sin_port = htons((uint16_t)atoi(r.port));
	cap_lat = (size_t)(secs * (rate ? rate : 100000)) + 1024;
	lat = malloc(cap_lat * sizeof(*lat));
	r.users = calloc(r.n_users, sizeof(*r.users));
	idle = malloc(r.n_users * sizeof(*idle));
	r.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!lat || !r.users || !idle || r.fd < 0 ||
		bind(r.fd, (struct sockaddr *)&me, sizeof(me)) < 0 ||
		getsockname(r.fd, (struct sockaddr *)&me, &melen) < 0 ||
		connect(r.fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
		perror("sipload");
		return 1;
	}
	r.myport = ntohs(me.sin_port);
	/* A tag per run: Call-IDs never repeat across runs (no CSeq clash with
	 * the bindings an earlier run left). */
	r.tag = (unsigned)(getpid() ^ (now_us() << 12) ^ (uint64_t)time(NULL));
	for (unsigned i = 0; i < r.n_users; i++) {
		r.users[i].id = i + 1;
		idle[i] = i;
	}
	idle_n = r.n_users;

	start = now_us();
	end = start + (uint64_t)(secs * 1e6);
	last_sweep = start;
	while (now_us() < end) {
		uint64_t t = now_us();
		/* Start registrations while the window has room, a user is idle
		 * and (open loop) it is time. */
		while (in_flight < window && idle_n > 0 &&
			(rate == 0 || start + (uint64_t)(started * 1e6 / rate) <= t)) {
			struct user *u = &r.users[idle[idle_head]];
			idle_head = (idle_head + 1) % r.n_users;
			idle_n--;
			u->busy = 1;
			u->challenges = 0;
			u->gen++;
			u->reg_start = now_us();
			started++;
			in_flight++;
			if (send_register(&r, u) < 0) {
				break; /* the sweep frees it */
			}
		}
		struct pollfd p = { .fd = r.fd, .events = POLLIN };
		poll(&p, 1, 1);
		for (;;) {
			char buf[8192];
			ssize_t n = recv(r.fd, buf, sizeof(buf) - 1, 0);
			const char *cid, *cs, *pos, *bend;
			unsigned tag, uid, code;
			unsigned long long gen;
			unsigned long cseq;
			struct user *u;
			int finished = 0;
			if (n <= 0) {
				break;
			}
			buf[n] = '\0';
			bend = buf + n;
			if (sscanf(buf, "SIP/2.0 %u", &code) != 1 || code < 100 || code > 699) {
				continue;
			}
			cid = memmem(buf, (size_t)n, "regcid-", 7);
			if (!cid || sscanf(cid + 7, "%x-%u-%llu", &tag, &uid, &gen) != 3 ||
				tag != r.tag || uid < 1 || uid > r.n_users) {
				continue;
			}
			pos = buf;
			cs = hdr_next(buf, bend, &pos, "CSeq", 0);
			u = &r.users[uid - 1];
			if (!cs || sscanf(cs, "%lu", &cseq) != 1 || !u->busy || cseq != u->cseq ||
				gen != (r.fresh ? u->gen : 0)) {
				continue; /* late: not the outstanding request */
			}
			if (code < 200) {
				continue;
			}
			if (code == 200) {
				lat_add(&lat, &n_lat, &cap_lat,
					(uint32_t)(now_us() - u->reg_start));
				answered++;
				finished = 1;
			} else if (code == 401) {
				struct challenge ch;
				r.n401++;
				if (pick_challenge(buf, bend, &ch) != 0) {
					r.codes[401]++; /* no challenge this client can answer */
					u->have_nonce = 0;
					finished = 1;
				} else if ((u->with_cred && u->nc == 1 && !ch.stale) ||
					++u->challenges > 3) {
					/* credentials from a brand-new nonce refused (not
					 * stale), or challenged again and again */
					r.authfail++;
					u->have_nonce = 0;
					finished = 1;
				} else {
					u->have_nonce = 1;
					u->alg = ch.alg;
					u->qop = ch.qop;
					u->nc = 0;
					u->has_opaque = ch.has_opaque;
					memcpy(u->realm, ch.realm, sizeof(u->realm));
					memcpy(u->nonce, ch.nonce, sizeof(u->nonce));
					memcpy(u->opaque, ch.opaque, sizeof(u->opaque));
					if (send_register(&r, u) < 0) {
						finished = 1;
					}
				}
			} else {
				r.other++;
				r.codes[code]++;
				finished = 1;
			}
			if (finished) {
				u->busy = 0;
				in_flight--;
				idle[(idle_head + idle_n) % r.n_users] = uid - 1;
				idle_n++;
			}
		}
		/* A request unanswered for 1 s is lost: free its user. */
		t = now_us();
		if (t - last_sweep >= 10000) {
			last_sweep = t;
			for (unsigned i = 0; i < r.n_users; i++) {
				struct user *u = &r.users[i];
				if (u->busy && t - u->sent_at > 1000000) {
					u->busy = 0;
					u->have_nonce = 0;
					in_flight--;
					idle[(idle_head + idle_n) % r.n_users] = i;
					idle_n++;
				}
			}
		}
	}
	qsort(lat, n_lat, sizeof(*lat), cmp_u32);
	printf("sent %llu answered %llu rate %.0f/s p50 %.3f ms p99 %.3f ms lost %llu 401 %llu "
	       "other "
	       "%llu requests %llu",
		(unsigned long long)started, (unsigned long long)answered, answered / secs,
		n_lat ? lat[n_lat / 2] / 1000.0 : 0.0, n_lat ? lat[n_lat * 99 / 100] / 1000.0 : 0.0,
		(unsigned long long)(started - answered - in_flight), (unsigned long long)r.n401,
		(unsigned long long)r.other, (unsigned long long)r.requests);
	if (r.other || r.authfail || r.codes[401]) {
		printf(" codes");
		for (unsigned c = 100; c < 700; c++) {
			if (r.codes[c] && c != 401) {
				printf(" %u:%llu", c, (unsigned long long)r.codes[c]);
			}
		}
		if (r.authfail) {
			printf(" 401-refused:%llu", (unsigned long long)r.authfail);
		}
		if (r.codes[401]) {
			printf(" 401-no-usable-challenge:%llu", (unsigned long long)r.codes[401]);
		}
	}
	if (r.alg_used[ALG_SHA256] || r.alg_used[ALG_MD5]) {
		printf(" alg %s%s%s", r.alg_used[ALG_SHA256] ? "SHA-256" : "",
			r.alg_used[ALG_SHA256] && r.alg_used[ALG_MD5] ? "," : "",
			r.alg_used[ALG_MD5] ? "MD5" : "");
	}
	printf("\n");
	return 0;
}

/* ---- proxy modes: user agents, MESSAGE and INVITE callers ---- */

/* Digest state of one client (one nonce reused with nc+1). */
struct dauth {
	int have_nonce, with_cred, qop, has_opaque, ha1_ok;
	unsigned challenges, nc;
	enum alg alg, ha1_alg;
	char realm[CHAL_MAX], nonce[CHAL_MAX], opaque[CHAL_MAX], ha1_realm[CHAL_MAX];
	char ha1[65];
};

static uint64_t px_cnonce_seq;
static unsigned px_tag;
static int px_alg_used[2];

/* Writes "HDR: Digest ..." with CRLF into out ("" without a nonce). */
static void dauth_header(struct dauth *d, const char *hdr, const char *user, const char *pw,
	const char *method, const char *uri, char *out, size_t cap)
{
	char resp[65], cnonce[40];

	out[0] = '\0';
	d->with_cred = d->have_nonce;
	if (!d->have_nonce) {
		return;
	}
	if (!d->ha1_ok || d->ha1_alg != d->alg || strcmp(d->ha1_realm, d->realm) != 0) {
		digest_ha1(d->alg, user, d->realm, pw, d->ha1);
		d->ha1_alg = d->alg;
		snprintf(d->ha1_realm, sizeof(d->ha1_realm), "%s", d->realm);
		d->ha1_ok = 1;
	}
	d->nc++;
	snprintf(cnonce, sizeof(cnonce), "%08x%llx", px_tag, (unsigned long long)++px_cnonce_seq);
	digest_response(
		d->alg, d->ha1, d->nonce, d->nc, cnonce, d->qop ? "auth" : NULL, method, uri, resp);
	px_alg_used[d->alg] = 1;
	if (d->qop) {
		snprintf(out, cap,
			"%s: Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", "
			"response=\"%s\", algorithm=%s, cnonce=\"%s\", qop=auth, nc=%08x%s%s%s\r\n",
			hdr, user, d->realm, d->nonce, uri, resp, alg_name[d->alg], cnonce, d->nc,
			d->has_opaque ? ", opaque=\"" : "", d->has_opaque ? d->opaque : "",
			d->has_opaque ? "\"" : "");
	} else {
		snprintf(out, cap,
			"%s: Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", "
			"response=\"%s\", algorithm=%s%s%s%s\r\n",
			hdr, user, d->realm, d->nonce, uri, resp, alg_name[d->alg],
			d->has_opaque ? ", opaque=\"" : "", d->has_opaque ? d->opaque : "",
			d->has_opaque ? "\"" : "");
	}
}

/* A 401/407: 0 = answer it (state updated), -1 = give up (counted). */
static int dauth_challenged(struct dauth *d, const char *buf, const char *end, const char *hdr,
	uint64_t *refused, uint64_t *unusable)
{
	struct challenge ch;

	if (pick_challenge_in(buf, end, hdr, &ch) != 0) {
		(*unusable)++;
		d->have_nonce = 0;
		return -1;
	}
	if ((d->with_cred && d->nc == 1 && !ch.stale) || ++d->challenges > 3) {
		(*refused)++;
		d->have_nonce = 0;
		return -1;
	}
	d->have_nonce = 1;
	d->alg = ch.alg;
	d->qop = ch.qop;
	d->nc = 0;
	d->has_opaque = ch.has_opaque;
	memcpy(d->realm, ch.realm, sizeof(d->realm));
	memcpy(d->nonce, ch.nonce, sizeof(d->nonce));
	memcpy(d->opaque, ch.opaque, sizeof(d->opaque));
	return 0;
}

static int loopback_socket(const char *host, const char *port, unsigned *myport)
{
	struct sockaddr_in to = { .sin_family = AF_INET }, me = { .sin_family = AF_INET };
	socklen_t melen = sizeof(me);
	int fd;

	if (inet_pton(AF_INET, host, &to.sin_addr) != 1 ||
		(ntohl(to.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "sipload: loopback IPv4 targets only\n");
		return -1;
	}
	to.sin_port = htons((uint16_t)atoi(port));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0 ||
		getsockname(fd, (struct sockaddr *)&me, &melen) < 0 ||
		connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
		perror("sipload");
		return -1;
	}
	*myport = ntohs(me.sin_port);
	return fd;
}

/* Waits up to ms for a datagram; its length, or -1. */
static ssize_t recv_wait(int fd, char *buf, size_t cap, int ms)
{
	uint64_t end = now_us() + (uint64_t)ms * 1000;
	for (;;) {
		ssize_t n = recv(fd, buf, cap - 1, 0);
		if (n > 0) {
			buf[n] = '\0';
			return n;
		}
		int left = (int)(((int64_t)end - (int64_t)now_us()) / 1000);
		if (left <= 0) {
			return -1;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		poll(&p, 1, left);
	}
}

/* sipload --register-contacts HOST PORT PASSWORD REALM USER PORT...:
 * one REGISTER (expires 3600) binding sip:USER-dI@127.0.0.1:PORTI for
 * each port, with digest; exits 0 on 200. */
static int register_contacts_main(int argc, char **argv)
{
	struct dauth d = { 0 };
	char msg[8192], contacts[4096] = "", auth[2048], uri[300], buf[8192];
	unsigned myport, cseq = 0, code = 0;
	uint64_t refused = 0, unusable = 0;
	size_t cl = 0;
	int fd;

	if (argc < 8) {
		fprintf(stderr,
			"usage: sipload --register-contacts HOST PORT PASSWORD REALM USER "
			"PORT...\n");
		return 2;
	}
	fd = loopback_socket(argv[2], argv[3], &myport);
	if (fd < 0) {
		return 1;
	}
	px_tag = (unsigned)(getpid() ^ (now_us() << 12));
	for (int i = 7; i < argc && cl < sizeof(contacts) - 200; i++) {
		cl += (size_t)snprintf(contacts + cl, sizeof(contacts) - cl,
			"Contact: <sip:%s-d%d@127.0.0.1:%s>;expires=3600\r\n", argv[6], i - 7,
			argv[i]);
	}
	snprintf(uri, sizeof(uri), "sip:%s", argv[5]);
	for (int attempt = 0; attempt < 4; attempt++) {
		int n;
		ssize_t r;
		dauth_header(
			&d, "Authorization", argv[6], argv[4], "REGISTER", uri, auth, sizeof(auth));
		n = snprintf(msg, sizeof(msg),
			"REGISTER %s SIP/2.0\r\n"
			"Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-rc%x-%u;rport\r\n"
			"Max-Forwards: 70\r\n"
			"From: <sip:%s@%s>;tag=rc%x\r\n"
			"To: <sip:%s@%s>\r\n"
			"Call-ID: rccid-%x-%s\r\n"
			"CSeq: %u REGISTER\r\n"
			"%s%s"
			"Expires: 3600\r\nUser-Agent: sipload\r\nContent-Length: 0\r\n\r\n",
			uri, myport, px_tag, cseq + 1, argv[6], argv[5], px_tag, argv[6], argv[5],
			px_tag, argv[6], cseq + 1, contacts, auth);
		cseq++;
		if (send(fd, msg, (size_t)n, 0) < 0) {
			perror("sipload");
			return 1;
		}
		do {
			r = recv_wait(fd, buf, sizeof(buf), 2000);
		} while (r > 0 && (sscanf(buf, "SIP/2.0 %u", &code) != 1 || code < 200));
		if (r <= 0) {
			printf("%s: no answer to REGISTER\n", argv[6]);
			return 1;
		}
		if (code == 200) {
			printf("%s: registered %d contact(s)\n", argv[6], argc - 7);
			return 0;
		}
		if (code != 401 ||
			dauth_challenged(
				&d, buf, buf + r, "WWW-Authenticate", &refused, &unusable) < 0) {
			break;
		}
	}
	printf("%s: REGISTER answered %u\n", argv[6], code);
	return 1;
}

/* ---- --uas: user agents answering MESSAGE, INVITE, CANCEL, BYE ---- */

#define UAS_MAX 1024
#define RING_SLOTS 8192
enum uas_mode { UAS_OK, UAS_BUSY, UAS_RING };

struct ringing {
	uint64_t at; /* 0 = free */
	unsigned dev;
	char branch[80];
	size_t len;
	char hdrs[2048]; /* the INVITE's Via..CSeq lines, To tagged, for the 487 */
};

static struct ringing *ring_tab;
static volatile sig_atomic_t uas_stop;

static void uas_on_term(int sig)
{
	(void)sig;
	uas_stop = 1;
}
static uint64_t uas_n[8]; /* MESSAGE INVITE ACK BYE CANCEL other 487-sent cancel-unmatched */

/* Copies the response headers of request (Via, From, To with a tag,
 * Call-ID, CSeq, and Record-Route when rr) into out; the top Via's branch
 * into branch. Returns the length. */
static size_t uas_hdrs(const char *req, size_t n, int rr, unsigned dev, char *out, size_t cap,
	char *branch, size_t bcap)
{
	const char *p = memchr(req, '\n', n), *end = req + n;
	size_t o = 0;
	int first_via = 1;

	branch[0] = '\0';
	p = p ? p + 1 : end;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *c;
		size_t len, nl;
		int keep = 0, is_to = 0, is_via = 0;
		if (!eol) {
			eol = end - 1;
		}
		len = (size_t)(eol + 1 - p);
		if (len <= 2) {
			break; /* end of headers */
		}
		c = memchr(p, ':', len);
		if (c) {
			nl = (size_t)(c - p);
			while (nl && (p[nl - 1] == ' ' || p[nl - 1] == '\t')) {
				nl--;
			}
#define IS(s) (nl == sizeof(s) - 1 && strncasecmp(p, s, nl) == 0)
			if (IS("Via") || IS("v")) {
				keep = is_via = 1;
			} else if (IS("To") || IS("t")) {
				keep = is_to = 1;
			} else if (IS("From") || IS("f") || IS("Call-ID") || IS("i") ||
				IS("CSeq")) {
				keep = 1;
			} else if (rr && IS("Record-Route")) {
				keep = 1;
			}
#undef IS
		}
		if (keep && o + len + 40 < cap) {
			size_t body = len;
			while (body && (p[body - 1] == '\n' || p[body - 1] == '\r')) {
				body--;
			}
			memcpy(out + o, p, body);
			o += body;
			if (is_to && !memmem(p, body, ";tag=", 5)) {
				o += (size_t)snprintf(out + o, cap - o, ";tag=u%x-%u", px_tag, dev);
			}
			memcpy(out + o, "\r\n", 2);
			o += 2;
			if (is_via && first_via) {
				const char *b = memmem(p, body, "branch=", 7);
				size_t k = 0;
				first_via = 0;
				if (b) {
					for (b += 7; b < p + body && *b != ';' && *b != ',' &&
						*b != ' ' && k < bcap - 1;
						b++) {
						branch[k++] = *b;
					}
				}
				branch[k] = '\0';
			}
		}
		p = eol + 1;
	}
	return o;
}

static unsigned ring_hash(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++) {
		h = (h ^ (unsigned char)*s) * 16777619u;
	}
	return h;
}

static struct ringing *ring_find(const char *branch, unsigned dev, int add)
{
	unsigned h = ring_hash(branch) ^ dev * 7919u;
	struct ringing *fallback = NULL;
	uint64_t t = now_us();

	for (unsigned i = 0; i < 16; i++) {
		struct ringing *r = &ring_tab[(h + i) % RING_SLOTS];
		if (r->at && r->dev == dev && strcmp(r->branch, branch) == 0) {
			return r;
		}
		if (add && !fallback && (!r->at || t - r->at > 60000000)) {
			fallback = r;
		}
	}
	if (add && !fallback) {
		fallback = &ring_tab[h % RING_SLOTS]; /* full: the oldest goes */
	}
	return fallback;
}

static void uas_reply(int fd, const struct sockaddr_in *to, const char *status, const char *hdrs,
	size_t hlen, unsigned contact_port)
{
	char out[4096];
	int n = snprintf(out, sizeof(out), "SIP/2.0 %s\r\n%.*s", status, (int)hlen, hdrs);
	if (contact_port) {
		n += snprintf(out + n, sizeof(out) - (size_t)n,
			"Contact: <sip:uas@127.0.0.1:%u>\r\n", contact_port);
	}
	n += snprintf(out + n, sizeof(out) - (size_t)n, "Content-Length: 0\r\n\r\n");
	if (n > 0 && (size_t)n < sizeof(out)) {
		sendto(fd, out, (size_t)n, 0, (const struct sockaddr *)to, sizeof(*to));
	}
}

static void uas_request(int fd, unsigned dev, unsigned port, enum uas_mode mode, char *req,
	size_t n, const struct sockaddr_in *src)
{
	char hdrs[2048], branch[80];
	size_t hl;
	int inv = n > 7 && memcmp(req, "INVITE ", 7) == 0;

	if (n > 4 && memcmp(req, "ACK ", 4) == 0) {
		uas_n[2]++;
		return;
	}
	hl = uas_hdrs(req, n, inv, dev, hdrs, sizeof(hdrs), branch, sizeof(branch));
	if (n > 8 && memcmp(req, "MESSAGE ", 8) == 0) {
		uas_n[0]++;
		uas_reply(fd, src, "200 OK", hdrs, hl, 0);
	} else if (inv) {
		uas_n[1]++;
		if (mode == UAS_BUSY) {
			hl = uas_hdrs(req, n, 0, dev, hdrs, sizeof(hdrs), branch, sizeof(branch));
			uas_reply(fd, src, "486 Busy Here", hdrs, hl, 0);
			return;
		}
		uas_reply(fd, src, "180 Ringing", hdrs, hl, port);
		if (mode == UAS_OK) {
			uas_reply(fd, src, "200 OK", hdrs, hl, port);
		} else {
			struct ringing *r = ring_find(branch, dev, 1);
			r->at = now_us();
			r->dev = dev;
			snprintf(r->branch, sizeof(r->branch), "%s", branch);
			/* the 487 carries no Record-Route */
			r->len = uas_hdrs(
				req, n, 0, dev, r->hdrs, sizeof(r->hdrs), branch, sizeof(branch));
		}
	} else if (n > 7 && memcmp(req, "CANCEL ", 7) == 0) {
		struct ringing *r = ring_find(branch, dev, 0);
		uas_n[4]++;
		if (!r) {
			uas_n[7]++;
			uas_reply(fd, src, "481 Call/Transaction Does Not Exist", hdrs, hl, 0);
			return;
		}
		uas_reply(fd, src, "200 OK", hdrs, hl, 0);
		uas_reply(fd, src, "487 Request Terminated", r->hdrs, r->len, 0);
		uas_n[6]++;
		r->at = 0;
	} else if (n > 4 && memcmp(req, "BYE ", 4) == 0) {
		uas_n[3]++;
		uas_reply(fd, src, "200 OK", hdrs, hl, 0);
	} else {
		uas_n[5]++;
		uas_reply(fd, src, "200 OK", hdrs, hl, 0);
	}
}

/* sipload --uas PORT_FILE N SECONDS [MODES]: N user agents on 127.0.0.1
 * (ephemeral ports, one a line in PORT_FILE, written when all are bound);
 * device i answers by MODES[i % count] (comma list of ok, busy, ring;
 * default ok): ok = MESSAGE 200, INVITE 180 then 200 (To tag, Contact,
 * Record-Route copied); busy = INVITE 486; ring = INVITE 180 and rings
 * until CANCEL (200 to the CANCEL, then 487). ACK absorbed, BYE and
 * anything else 200. 2xx are not retransmitted (loopback). Stops after
 * SECONDS or on SIGTERM; prints its counts. */
static int uas_main(int argc, char **argv)
{
	static struct pollfd pfd[UAS_MAX];
	static unsigned port[UAS_MAX];
	static enum uas_mode mode[UAS_MAX];
	enum uas_mode modes[64];
	unsigned n, n_modes = 0;
	double secs;
	uint64_t end;
	char tmpname[4096];
	FILE *f;

	if (argc < 5) {
		fprintf(stderr, "usage: sipload --uas PORT_FILE N SECONDS [ok|busy|ring,...]\n");
		return 2;
	}
	n = (unsigned)atoi(argv[3]);
	secs = atof(argv[4]);
	if (n < 1 || n > UAS_MAX || secs <= 0 || secs > 3600) {
		fprintf(stderr, "sipload --uas: N 1..%d, seconds 0..3600\n", UAS_MAX);
		return 2;
	}
	if (argc > 5) {
		char *save = NULL, *m = strdup(argv[5]);
		for (char *tok = strtok_r(m, ",", &save); tok && n_modes < 64;
			tok = strtok_r(NULL, ",", &save)) {
			if (strcmp(tok, "ok") == 0) {
				modes[n_modes++] = UAS_OK;
			} else if (strcmp(tok, "busy") == 0) {
				modes[n_modes++] = UAS_BUSY;
			} else if (strcmp(tok, "ring") == 0) {
				modes[n_modes++] = UAS_RING;
			} else {
				fprintf(stderr, "sipload --uas: mode %s (ok, busy, ring)\n", tok);
				return 2;
			}
		}
	}
	if (!n_modes) {
		modes[n_modes++] = UAS_OK;
	}
	px_tag = (unsigned)(getpid() ^ (now_us() << 12));
	ring_tab = calloc(RING_SLOTS, sizeof(*ring_tab));
	snprintf(tmpname, sizeof(tmpname), "%s.tmp", argv[2]);
	f = fopen(tmpname, "w");
	if (!ring_tab || !f) {
		perror("sipload --uas");
		return 1;
	}
	for (unsigned i = 0; i < n; i++) {
		struct sockaddr_in me = { .sin_family = AF_INET };
		socklen_t melen = sizeof(me);
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), big = 1 << 20;
		me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0 ||
			getsockname(fd, (struct sockaddr *)&me, &melen) < 0) {
			perror("sipload --uas");
			return 1;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
		pfd[i].fd = fd;
		pfd[i].events = POLLIN;
		port[i] = ntohs(me.sin_port);
		mode[i] = modes[i % n_modes];
		fprintf(f, "%u\n", port[i]);
	}
	if (fclose(f) != 0 || rename(tmpname, argv[2]) != 0) {
		perror("sipload --uas");
		return 1;
	}
	signal(SIGTERM, uas_on_term);
	signal(SIGINT, uas_on_term);
	end = now_us() + (uint64_t)(secs * 1e6);
	while (!uas_stop && now_us() < end) {
		int r = poll(pfd, n, 100);
		if (r <= 0) {
			continue;
		}
		for (unsigned i = 0; i < n; i++) {
			if (!(pfd[i].revents & POLLIN)) {
				continue;
			}
			for (int k = 0; k < 64; k++) {
				char buf[8192];
				struct sockaddr_in src;
				socklen_t sl = sizeof(src);
				ssize_t m = recvfrom(pfd[i].fd, buf, sizeof(buf) - 1, 0,
					(struct sockaddr *)&src, &sl);
				if (m <= 0) {
					break;
				}
				buf[m] = '\0';
				if (m > 8 && memcmp(buf, "SIP/2.0 ", 8) == 0) {
					continue; /* a response: nothing asked for */
				}
				uas_request(pfd[i].fd, i, port[i], mode[i], buf, (size_t)m, &src);
			}
		}
	}
	printf("uas: MESSAGE %llu INVITE %llu ACK %llu BYE %llu CANCEL %llu other %llu 487 %llu "
	       "cancel-unmatched %llu\n",
		(unsigned long long)uas_n[0], (unsigned long long)uas_n[1],
		(unsigned long long)uas_n[2], (unsigned long long)uas_n[3],
		(unsigned long long)uas_n[4], (unsigned long long)uas_n[5],
		(unsigned long long)uas_n[6], (unsigned long long)uas_n[7]);
	return 0;
}

/* ---- --message and --invite: authenticated callers ---- */

struct caller {
	unsigned id; /* N in userN */
	int busy;
	int state; /* 1: MESSAGE or INVITE outstanding, 2: BYE outstanding */
	uint64_t start, sent_at, gen;
	uint32_t cseq; /* of the outstanding request */
	unsigned callee;
	struct dauth d;
};

struct pxrun {
	int fd, invite;
	unsigned myport;
	const char *password, *realm;
	char **callees;
	unsigned n_callees, next_callee;
	struct caller *c;
	unsigned n;
	uint64_t requests, n407, refused, unusable, inv200, codes[700], bye_codes[700];
};

static const char px_sdp[] = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
			     "t=0 0\r\nm=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

static int px_send(struct pxrun *x, struct caller *c, const char *msg, int n)
{
	if (n <= 0 || n >= 8192) {
		return -1;
	}
	c->sent_at = now_us();
	x->requests++;
	return send(x->fd, msg, (size_t)n, 0) < 0 ? -1 : 0;
}

/* The MESSAGE or INVITE of the current attempt (CSeq c->cseq). */
static int px_send_first(struct pxrun *x, struct caller *c)
{
	const char *method = x->invite ? "INVITE" : "MESSAGE", *callee = x->callees[c->callee];
	char msg[8192], auth[2048], uri[300], user[32], contact[80] = "";
	int n;

	snprintf(user, sizeof(user), "user%u", c->id);
	if (x->invite) {
		snprintf(contact, sizeof(contact), "Contact: <sip:caller@127.0.0.1:%u>\r\n",
			x->myport);
	}
	snprintf(uri, sizeof(uri), "sip:%s@%s", callee, x->realm);
	dauth_header(
		&c->d, "Proxy-Authorization", user, x->password, method, uri, auth, sizeof(auth));
	n = snprintf(msg, sizeof(msg),
		"%s %s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-p%x-%u-%llu-%u;rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:%s@%s>;tag=f%x-%u-%llu\r\n"
		"To: <%s>\r\n"
		"Call-ID: pxcid-%x-%u-%llu\r\n"
		"CSeq: %u %s\r\n"
		"%s"
		"%s"
		"User-Agent: sipload\r\n"
		"Content-Type: %s\r\n"
		"Content-Length: %zu\r\n\r\n%s",
		method, uri, x->myport, px_tag, c->id, (unsigned long long)c->gen, c->cseq, user,
		x->realm, px_tag, c->id, (unsigned long long)c->gen, uri, px_tag, c->id,
		(unsigned long long)c->gen, c->cseq, method, contact, auth,
		x->invite ? "application/sdp" : "text/plain",
		x->invite ? sizeof(px_sdp) - 1 : (size_t)5, x->invite ? px_sdp : "hello");
	return px_send(x, c, msg, n);
}

/* Copies a header value (up to the end of its line) into out. */
static void value_copy(const char *v, char *out, size_t cap)
{
	size_t k = 0;
	while (v[k] && v[k] != '\r' && v[k] != '\n' && k < cap - 1) {
		out[k] = v[k];
		k++;
	}
	out[k] = '\0';
}

/* After a 200 to the INVITE: the ACK and the BYE, to the Contact through
 * the Record-Route set (reversed); c->cseq becomes the BYE's. */
static int px_ack_bye(struct pxrun *x, struct caller *c, const char *buf, const char *end)
{
	char to[512], contact[512], uri[512], rr[16][300], route[4096] = "", msg[8192];
	const char *pos = buf, *v, *callee = x->callees[c->callee];
	unsigned n_rr = 0;
	int n;

	if (!(v = hdr_next(buf, end, &pos, "To", 't'))) {
		return -1;
	}
	value_copy(v, to, sizeof(to));
	pos = buf;
	if (!(v = hdr_next(buf, end, &pos, "Contact", 'm'))) {
		return -1;
	}
	value_copy(v, contact, sizeof(contact));
	{
		char *lt = strchr(contact, '<'), *gt = lt ? strchr(lt, '>') : NULL;
		if (lt && gt) {
			*gt = '\0';
			snprintf(uri, sizeof(uri), "%s", lt + 1);
		} else {
			snprintf(uri, sizeof(uri), "%.*s", (int)strcspn(contact, ";"), contact);
		}
	}
	pos = buf;
	while ((v = hdr_next(buf, end, &pos, "Record-Route", 0))) {
		char val[2048], *p = val;
		value_copy(v, val, sizeof(val));
		while (*p && n_rr < 16) { /* values split at commas outside <> */
			size_t k = 0;
			int in = 0;
			while (*p == ' ' || *p == ',') {
				p++;
			}
			while (p[k] && (in || p[k] != ',')) {
				in = p[k] == '<' ? 1 : p[k] == '>' ? 0 : in;
				k++;
			}
			if (k) {
				snprintf(rr[n_rr++], sizeof(rr[0]), "%.*s", (int)k, p);
			}
			p += k;
		}
	}
	if (n_rr) {
		size_t o = (size_t)snprintf(route, sizeof(route), "Route: ");
		for (unsigned i = n_rr; i-- > 0;) {
			o += (size_t)snprintf(
				route + o, sizeof(route) - o, "%s%s", rr[i], i ? ", " : "\r\n");
		}
	}
	for (int bye = 0; bye < 2; bye++) {
		n = snprintf(msg, sizeof(msg),
			"%s %s SIP/2.0\r\n"
			"Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-%c%x-%u-%llu-%u;rport\r\n"
			"Max-Forwards: 70\r\n"
			"%s"
			"From: <sip:user%u@%s>;tag=f%x-%u-%llu\r\n"
			"To: %s\r\n"
			"Call-ID: pxcid-%x-%u-%llu\r\n"
			"CSeq: %u %s\r\n"
			"User-Agent: sipload\r\n"
			"Content-Length: 0\r\n\r\n",
			bye ? "BYE" : "ACK", uri, x->myport, bye ? 'b' : 'a', px_tag, c->id,
			(unsigned long long)c->gen, c->cseq, route, c->id, x->realm, px_tag, c->id,
			(unsigned long long)c->gen, to, px_tag, c->id, (unsigned long long)c->gen,
			c->cseq + (unsigned)bye, bye ? "BYE" : "ACK");
		if (px_send(x, c, msg, n) < 0) {
			return -1;
		}
	}
	(void)callee;
	c->cseq++;
	return 0;
}

/* RFC 3261 17.1.1.3: the ACK for a non-2xx final response to the INVITE,
 * hop by hop (same branch, the response's To). */
static void px_ack_non2xx(struct pxrun *x, struct caller *c, const char *buf, const char *end)
{
	char to[512], msg[4096];
	const char *pos = buf, *v = hdr_next(buf, end, &pos, "To", 't');
	int n;

	if (!v) {
		return;
	}
	value_copy(v, to, sizeof(to));
	n = snprintf(msg, sizeof(msg),
		"ACK sip:%s@%s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-p%x-%u-%llu-%u;rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:user%u@%s>;tag=f%x-%u-%llu\r\n"
		"To: %s\r\n"
		"Call-ID: pxcid-%x-%u-%llu\r\n"
		"CSeq: %u ACK\r\n"
		"Content-Length: 0\r\n\r\n",
		x->callees[c->callee], x->realm, x->myport, px_tag, c->id,
		(unsigned long long)c->gen, c->cseq, c->id, x->realm, px_tag, c->id,
		(unsigned long long)c->gen, to, px_tag, c->id, (unsigned long long)c->gen, c->cseq);
	if (n > 0 && (size_t)n < sizeof(msg)) {
		send(x->fd, msg, (size_t)n, 0);
	}
}

/* sipload --message|--invite HOST PORT SECONDS RATE WINDOW CALLERS PASSWORD REALM CALLEE...
 *
 * Callers user1..userCALLERS (one transaction or call each in flight,
 * RATE started per second, 0 = as fast as WINDOW allows) to the callees in
 * turn (sip:CALLEE@REALM). A request is answered 407 first: the client
 * answers the SHA-256 challenge before MD5 (qop=auth) with
 * Proxy-Authorization and a new CSeq, and reuses the nonce with nc+1
 * afterwards, as --register does.
 *   --message: MESSAGE (text/plain); done = 200.
 *   --invite:  INVITE (SDP), ACK for every non-2xx final response (hop by
 *              hop), on the 200 the ACK and a BYE to the Contact through
 *              the Record-Route set; done = 200 to the BYE.
 * Prints one line like --register:
 *   sent N answered N rate R/s p50 X ms p99 Y ms lost N 407 N other N requests N
 *   [invite-200 N] [codes C:N... BYE-C:N...] [alg A]
 * answered = done, latency = first request to done, other = final answers
 * other than 2xx and 407 (to the BYE too). A call or message without an
 * answer for 2 s is lost. */
static int callers_main(int argc, char **argv)
{
	struct pxrun x = { 0 };
	uint32_t *lat;
	unsigned *idle;
	size_t n_lat = 0, cap_lat;
	unsigned idle_head = 0, idle_n, window, rate, in_flight = 0;
	uint64_t started = 0, answered = 0, other = 0, start, end, last_sweep;
	double secs;

	if (argc < 11) {
		fprintf(stderr,
			"usage: sipload %s HOST PORT SECONDS RATE WINDOW CALLERS PASSWORD "
			"REALM CALLEE...\n",
			argv[1]);
		return 2;
	}
	x.invite = strcmp(argv[1], "--invite") == 0;
	secs = atof(argv[4]);
	rate = (unsigned)atoi(argv[5]);
	window = (unsigned)atoi(argv[6]);
	x.n = (unsigned)atoi(argv[7]);
	x.password = argv[8];
	x.realm = argv[9];
	x.callees = argv + 10;
	x.n_callees = (unsigned)(argc - 10);
	if (window < 1 || window > MAX_WINDOW || secs <= 0 || secs > 600 || x.n < 1 ||
		x.n > 1000000 || strlen(x.realm) > 200 || strlen(x.password) > 200) {
		fprintf(stderr, "sipload: window 1..%d, seconds 0..600, callers 1..1000000\n",
			MAX_WINDOW);
		return 2;
	}
	x.fd = loopback_socket(argv[2], argv[3], &x.myport);
	cap_lat = (size_t)(secs * (rate ? rate : 100000)) + 1024;
	lat = malloc(cap_lat * sizeof(*lat));
	x.c = calloc(x.n, sizeof(*x.c));
	idle = malloc(x.n * sizeof(*idle));
	if (x.fd < 0 || !lat || !x.c || !idle) {
		return 1;
	}
	{
		int big = 4 << 20;
		setsockopt(x.fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	}
	px_tag = (unsigned)(getpid() ^ (now_us() << 12) ^ (uint64_t)time(NULL));
	for (unsigned i = 0; i < x.n; i++) {
		x.c[i].id = i + 1;
		idle[i] = i;
	}
	idle_n = x.n;
	start = now_us();
	end = start + (uint64_t)(secs * 1e6);
	last_sweep = start;
	while (now_us() < end) {
		uint64_t t = now_us();
		while (in_flight < window && idle_n > 0 &&
			(rate == 0 || start + (uint64_t)(started * 1e6 / rate) <= t)) {
			struct caller *c = &x.c[idle[idle_head]];
			idle_head = (idle_head + 1) % x.n;
			idle_n--;
			c->busy = 1;
			c->state = 1;
			c->d.challenges = 0;
			c->gen++;
			c->cseq = 1;
			c->callee = x.next_callee++ % x.n_callees;
			c->start = now_us();
			started++;
			in_flight++;
			if (px_send_first(&x, c) < 0) {
				break; /* the sweep frees it */
			}
		}
		struct pollfd p = { .fd = x.fd, .events = POLLIN };
		poll(&p, 1, 1);
		for (;;) {
			char buf[8192], method[16];
			ssize_t n = recv(x.fd, buf, sizeof(buf) - 1, 0);
			const char *cid, *cs, *pos, *bend;
			unsigned tag, uid, code, cseq;
			unsigned long long gen;
			struct caller *c;
			int finished = 0, ok = 0;
			if (n <= 0) {
				break;
			}
			buf[n] = '\0';
			bend = buf + n;
			if (sscanf(buf, "SIP/2.0 %u", &code) != 1 || code < 100 || code > 699) {
				continue; /* requests to the caller: none expected */
			}
			cid = memmem(buf, (size_t)n, "pxcid-", 6);
			if (!cid || sscanf(cid + 6, "%x-%u-%llu", &tag, &uid, &gen) != 3 ||
				tag != px_tag || uid < 1 || uid > x.n) {
				continue;
			}
			c = &x.c[uid - 1];
			pos = buf;
			cs = hdr_next(buf, bend, &pos, "CSeq", 0);
			if (!cs || sscanf(cs, "%u %15s", &cseq, method) != 2 || !c->busy ||
				gen != c->gen || cseq != c->cseq || code < 200) {
				continue; /* provisional, late or not the outstanding one */
			}
			if (c->state == 1 && strcmp(method, x.invite ? "INVITE" : "MESSAGE") == 0) {
				if (x.invite && code >= 300) {
					px_ack_non2xx(&x, c, buf, bend);
				}
				if (code < 300 && x.invite) {
					x.inv200++;
					c->state = 2;
					if (px_ack_bye(&x, c, buf, bend) < 0) {
						x.codes[699]++;
						finished = 1;
					}
				} else if (code < 300) {
					ok = finished = 1;
				} else if (code == 407 || code == 401) {
					x.n407++;
					if (dauth_challenged(&c->d, buf, bend,
						    code == 407 ? "Proxy-Authenticate"
								: "WWW-Authenticate",
						    &x.refused, &x.unusable) < 0) {
						finished = 1;
					} else {
						c->cseq++;
						if (px_send_first(&x, c) < 0) {
							finished = 1;
						}
					}
				} else {
					other++;
					x.codes[code]++;
					finished = 1;
				}
			} else if (c->state == 2 && strcmp(method, "BYE") == 0) {
				if (code < 300) {
					ok = 1;
				} else {
					other++;
					x.bye_codes[code]++;
				}
				finished = 1;
			} else {
				continue;
			}
			if (ok) {
				lat_add(&lat, &n_lat, &cap_lat, (uint32_t)(now_us() - c->start));
				answered++;
			}
			if (finished) {
				c->busy = 0;
				in_flight--;
				idle[(idle_head + idle_n) % x.n] = uid - 1;
				idle_n++;
			}
		}
		t = now_us();
		if (t - last_sweep >= 10000) {
			last_sweep = t;
			for (unsigned i = 0; i < x.n; i++) {
				struct caller *c = &x.c[i];
				if (c->busy && t - c->sent_at > 2000000) {
					c->busy = 0;
					c->d.have_nonce = 0;
					in_flight--;
					idle[(idle_head + idle_n) % x.n] = i;
					idle_n++;
				}
			}
		}
	}
	qsort(lat, n_lat, sizeof(*lat), cmp_u32);
	printf("sent %llu answered %llu rate %.0f/s p50 %.3f ms p99 %.3f ms lost %llu 407 %llu "
	       "other %llu requests %llu",
		(unsigned long long)started, (unsigned long long)answered, answered / secs,
		n_lat ? lat[n_lat / 2] / 1000.0 : 0.0, n_lat ? lat[n_lat * 99 / 100] / 1000.0 : 0.0,
		(unsigned long long)(started - answered - in_flight), (unsigned long long)x.n407,
		(unsigned long long)other, (unsigned long long)x.requests);
	if (x.invite) {
		printf(" invite-200 %llu", (unsigned long long)x.inv200);
	}
	if (other || x.refused || x.unusable || x.codes[699]) {
		printf(" codes");
		for (unsigned c = 100; c < 700; c++) {
			if (x.codes[c]) {
				printf(" %u:%llu", c == 699 ? 0 : c,
					(unsigned long long)x.codes[c]);
			}
			if (x.bye_codes[c]) {
				printf(" BYE-%u:%llu", c, (unsigned long long)x.bye_codes[c]);
			}
		}
		if (x.refused) {
			printf(" 407-refused:%llu", (unsigned long long)x.refused);
		}
		if (x.unusable) {
			printf(" 407-no-usable-challenge:%llu", (unsigned long long)x.unusable);
		}
	}
	if (px_alg_used[ALG_SHA256] || px_alg_used[ALG_MD5]) {
		printf(" alg %s%s%s", px_alg_used[ALG_SHA256] ? "SHA-256" : "",
			px_alg_used[ALG_SHA256] && px_alg_used[ALG_MD5] ? "," : "",
			px_alg_used[ALG_MD5] ? "MD5" : "");
	}
	printf("\n");
	return 0;
}

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
		getsockname(fd, (struct sockaddr *)&a, &alen) < 0) {
		perror("sipload --free-port");
		return 1;
	}
	printf("%u\n", ntohs(a.sin_port));
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--register") == 0) {
		return register_main(argc, argv);
	}
	if (argc > 1 && (strcmp(argv[1], "--message") == 0 || strcmp(argv[1], "--invite") == 0)) {
		return callers_main(argc, argv);
	}
	if (argc > 1 && strcmp(argv[1], "--uas") == 0) {
		return uas_main(argc, argv);
	}
	if (argc > 1 && strcmp(argv[1], "--register-contacts") == 0) {
		return register_contacts_main(argc, argv);
	}
	if (argc > 1 && strcmp(argv[1], "--hash-test") == 0) {
		return hash_test();
	}
	if (argc > 1 && strcmp(argv[1], "--free-port") == 0) {
		return free_port();
	}
	return options_main(argc, argv);
}
