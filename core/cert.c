#include "core/cert.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/rec.h"

#define CERT_REC_V1 1
#define CERT_SELF 1
#define CERT_IMPORTED 2
#define CERT_KEY_DER_MAX 160
#define CERT_REC_MAX (CERT_CHAIN_BYTES_MAX + CERT_KEY_DER_MAX + CERT_DOMAIN_MAX + 64)
/* Self-signed: 10 years (leap days included), starting an hour ago so a
 * client whose clock is a little behind accepts it. */
#define CERT_BACKDATE_S 3600
#define CERT_LIFETIME_S ((int64_t)(10 * 365 + 3) * 86400)
/* Most PEM objects looked at in one text (certificates, keys, parameters). */
#define CERT_PEM_OBJS 8
#define CERT_DER_DEPTH 8

static const struct str cert_key = STR("server");

/* --- DER writer: a TLV's length is reserved as 3 bytes, then shrunk to
 * its minimal form on close (X.690 10.1: DER needs the shortest length). */

struct der_wr {
	struct buf b;
	size_t open[CERT_DER_DEPTH];
	unsigned depth;
};

static void der_open(struct der_wr *w, uint8_t tag)
{
	if (w->depth == CERT_DER_DEPTH) {
		w->b.err = -ENOSPC;
		return;
	}
	buf_put_be8(&w->b, tag);
	w->open[w->depth++] = w->b.len;
	buf_put(&w->b, "\0\0\0", 3);
}

static void der_close(struct der_wr *w)
{
	size_t start, n;
	uint8_t hdr[3];
	size_t k;

	if (w->depth == 0) {
		w->b.err = -EINVAL;
		return;
	}
	start = w->open[--w->depth];
	if (w->b.err) {
		return;
	}
	n = w->b.len - start - 3;
	if (n < 0x80) {
		hdr[0] = (uint8_t)n;
		k = 1;
	} else if (n < 0x100) {
		hdr[0] = 0x81;
		hdr[1] = (uint8_t)n;
		k = 2;
	} else {
		/* Buffers here are far below 64 KiB. */
		hdr[0] = 0x82;
		hdr[1] = (uint8_t)(n >> 8);
		hdr[2] = (uint8_t)n;
		k = 3;
	}
	memmove(w->b.p + start + k, w->b.p + start + 3, n);
	memcpy(w->b.p + start, hdr, k);
	w->b.len = start + k + n;
}

static void der_put(struct der_wr *w, uint8_t tag, const void *p, size_t n)
{
	der_open(w, tag);
	buf_put(&w->b, p, n);
	der_close(w);
}

/* A non-negative INTEGER from big-endian bytes (X.690 8.3: minimal, and a
 * leading 0 when the top bit is set). */
static void der_put_uint(struct der_wr *w, const uint8_t *p, size_t n)
{
	while (n > 1 && p[0] == 0) {
		p++;
		n--;
	}
	der_open(w, 0x02);
	if (n == 0 || p[0] & 0x80) {
		buf_put_be8(&w->b, 0);
	}
	buf_put(&w->b, p, n);
	der_close(w);
}

/* --- civil time (proleptic Gregorian, UTC), so no time_t width or TZ
 * matters. */

static int64_t cert_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void cert_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t cert_floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
static void der_put_time(struct der_wr *w, int64_t t)
{
	int64_t days = cert_floor_div(t, 86400);
	int64_t sec = t - days * 86400;
	int64_t y;
	unsigned m, d;
	char s[24];
	int n;

	cert_civil_from_days(days, &y, &m, &d);
	if (y >= 1950 && y < 2050) {
		n = snprintf(s, sizeof(s), "%02u%02u%02u%02u%02u%02uZ", (unsigned)(y % 100), m, d,
			(unsigned)(sec / 3600), (unsigned)(sec / 60 % 60), (unsigned)(sec % 60));
		der_put(w, 0x17, s, (size_t)n);
	} else {
		n = snprintf(s, sizeof(s), "%04u%02u%02u%02u%02u%02uZ", (unsigned)y, m, d,
			(unsigned)(sec / 3600), (unsigned)(sec / 60 % 60), (unsigned)(sec % 60));
		der_put(w, 0x18, s, (size_t)n);
	}
}

/* --- the self-signed certificate --- */

static const uint8_t oid_cn[] = { 0x55, 0x04, 0x03 };
static const uint8_t oid_basic_constraints[] = { 0x55, 0x1d, 0x13 };
static const uint8_t oid_key_usage[] = { 0x55, 0x1d, 0x0f };
static const uint8_t oid_ext_key_usage[] = { 0x55, 0x1d, 0x25 };
static const uint8_t oid_san[] = { 0x55, 0x1d, 0x11 };
static const uint8_t oid_server_auth[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01 };
static const uint8_t oid_ec_public_key[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
static const uint8_t oid_p256[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const uint8_t oid_ecdsa_sha256[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };

/* RFC 5758 3.2: ecdsa-with-SHA256 with the parameters absent. */
static void cert_put_sig_alg(struct der_wr *w)
{
	der_open(w, 0x30);
	der_put(w, 0x06, oid_ecdsa_sha256, sizeof(oid_ecdsa_sha256));
	der_close(w);
}

static void cert_put_name(struct der_wr *w, const char *cn)
{
	der_open(w, 0x30);
	der_open(w, 0x31);
	der_open(w, 0x30);
	der_put(w, 0x06, oid_cn, sizeof(oid_cn));
	der_put(w, 0x0c, cn, strlen(cn)); /* UTF8String, RFC 5280 4.1.2.4 */
	der_close(w);
	der_close(w);
	der_close(w);
}

static void cert_put_ext(struct der_wr *w, const uint8_t *oid, size_t oid_len, bool critical,
	const void *v, size_t n)
{
	der_open(w, 0x30);
	der_put(w, 0x06, oid, oid_len);
	if (critical) {
		der_put(w, 0x01, "\xff", 1);
	}
	der_put(w, 0x04, v, n);
	der_close(w);
}

/* ip/ip_len: the domain as an IP address (4 or 16 bytes), else 0. */
static void cert_put_tbs(struct der_wr *w, const uint8_t serial[16], const char *domain,
	const uint8_t *ip, size_t ip_len, int64_t now, const br_ec_public_key *pk)
{
	/* basicConstraints: CA:false is the DEFAULT, so an empty SEQUENCE. */
	static const uint8_t basic[] = { 0x30, 0x00 };
	/* keyUsage: BIT STRING, 7 unused bits, digitalSignature (bit 0). */
	static const uint8_t usage[] = { 0x03, 0x02, 0x07, 0x80 };
	uint8_t ext[16 + CERT_DOMAIN_MAX];
	struct der_wr e = { 0 };

	der_open(w, 0x30);
	der_open(w, 0xa0); /* [0] EXPLICIT version: v3 */
	der_put(w, 0x02, "\x02", 1);
	der_close(w);
	der_put_uint(w, serial, 16);
	cert_put_sig_alg(w);
	cert_put_name(w, domain);
	der_open(w, 0x30);
	der_put_time(w, now - CERT_BACKDATE_S);
	der_put_time(w, now + CERT_LIFETIME_S);
	der_close(w);
	cert_put_name(w, domain);
	der_open(w, 0x30);
	der_open(w, 0x30);
	der_put(w, 0x06, oid_ec_public_key, sizeof(oid_ec_public_key));
	der_put(w, 0x06, oid_p256, sizeof(oid_p256));
	der_close(w);
	der_open(w, 0x03);
	buf_put_be8(&w->b, 0);
	buf_put(&w->b, pk->q, pk->qlen);
	der_close(w);
	der_close(w);

	der_open(w, 0xa3); /* [3] EXPLICIT extensions */
	der_open(w, 0x30);
	cert_put_ext(w, oid_basic_constraints, sizeof(oid_basic_constraints), true, basic,
		sizeof(basic));
	cert_put_ext(w, oid_key_usage, sizeof(oid_key_usage), true, usage, sizeof(usage));
	buf_init(&e.b, ext, sizeof(ext));
	der_open(&e, 0x30);
	der_put(&e, 0x06, oid_server_auth, sizeof(oid_server_auth));
	der_close(&e);
	cert_put_ext(w, oid_ext_key_usage, sizeof(oid_ext_key_usage), false, e.b.p, e.b.len);
	buf_init(&e.b, ext, sizeof(ext));
	der_open(&e, 0x30);
	if (ip_len) {
		der_put(&e, 0x87, ip, ip_len); /* iPAddress */
	} else {
		der_put(&e, 0x82, domain, strlen(domain)); /* dNSName */
	}
	der_close(&e);
	if (e.b.err) {
		w->b.err = e.b.err;
	}
	cert_put_ext(w, oid_san, sizeof(oid_san), false, e.b.p, e.b.len);
	der_close(w);
	der_close(w);
	der_close(w);
}

/* Letters, digits, '-' and '.' in labels of 1..63 (RFC 1123 2.1). */
static bool cert_dns_name_ok(const char *s)
{
	size_t label = 0;
	size_t n = strlen(s);

	if (n == 0 || n > CERT_DOMAIN_MAX) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '.') {
			if (label == 0) {
				return false;
			}
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '-') {
			if (++label > 63) {
				return false;
			}
		} else {
			return false;
		}
	}
	return label > 0;
}

/* --- the record --- */

struct cert_rec {
	uint8_t origin;
	struct str domain;
	size_t n;
	struct str chain[TLS_CHAIN_MAX];
	struct str key;
};

static int cert_rec_decode(struct str v, struct cert_rec *r)
{
	struct rec_rd rd;
	uint64_t n;

	memset(r, 0, sizeof(*r));
	rec_rd_init(&rd, v);
	if (rec_get_u8(&rd) != CERT_REC_V1) {
		return -EBADMSG;
	}
	r->origin = rec_get_u8(&rd);
	r->domain = rec_get_str(&rd);
	n = rec_get_varint(&rd);
	if (n == 0 || n > TLS_CHAIN_MAX) {
		return -EBADMSG;
	}
	r->n = (size_t)n;
	for (size_t i = 0; i < r->n; i++) {
		r->chain[i] = rec_get_str(&rd);
		if (r->chain[i].len == 0) {
			return -EBADMSG;
		}
	}
	r->key = rec_get_str(&rd);
	if (rec_rd_err(&rd) || r->key.len == 0 ||
		(r->origin != CERT_SELF && r->origin != CERT_IMPORTED)) {
		return -EBADMSG;
	}
	return 0;
}

/* Stores a credential (durable). The record holds the key: it is wiped. */
static int cert_rec_put(struct store *st, uint8_t origin, const char *domain,
	const struct str *chain, size_t n, struct str key, char *why, size_t why_len)
{
	struct buf b;
	char *mem = malloc(CERT_REC_MAX);
	int err;

	if (!mem) {
		snprintf(why, why_len, "out of memory for the certificate record");
		return -ENOMEM;
	}
	buf_init(&b, mem, CERT_REC_MAX);
	buf_put_be8(&b, CERT_REC_V1);
	buf_put_be8(&b, origin);
	rec_put_str(&b, str_cstr(domain));
	rec_put_varint(&b, n);
	for (size_t i = 0; i < n; i++) {
		rec_put_str(&b, chain[i]);
	}
	rec_put_str(&b, key);
	err = b.err;
	if (err == 0) {
		err = store_put(st, STORE_DB_CERTS, cert_key, buf_str(&b));
		if (err) {
			snprintf(why, why_len, "storing the certificate: %s", store_strerror(err));
		} else {
			store_mark_durable(st);
		}
	} else {
		snprintf(why, why_len, "the certificate record is too large");
	}
	explicit_bzero(mem, CERT_REC_MAX);
	free(mem);
	return err;
}

/* A P-256 key from DER (RFC 5915 or PKCS#8). The key stays in dec (wipe
 * it). 0, or -ENOTSUP (RSA, another curve) / -EINVAL with a reason. */
static int cert_key_decode(br_skey_decoder_context *dec, struct str der,
	const br_ec_private_key **sk, char *why, size_t why_len)
{
	br_skey_decoder_init(dec);
	br_skey_decoder_push(dec, der.p, der.len);
	if (br_skey_decoder_last_error(dec) != 0) {
		snprintf(why, why_len, "the private key is not valid (%s)",
			tls_err_name(br_skey_decoder_last_error(dec)));
		return -EINVAL;
	}
	if (br_skey_decoder_key_type(dec) == BR_KEYTYPE_RSA) {
		snprintf(why, why_len, "RSA keys are not supported: use an EC P-256 key");
		return -ENOTSUP;
	}
	*sk = br_skey_decoder_get_ec(dec);
	if (!*sk || (*sk)->curve != BR_EC_secp256r1) {
		snprintf(why, why_len, "only EC keys on curve P-256 (prime256v1) are supported");
		return -ENOTSUP;
	}
	return 0;
}

static int cert_make_self_signed(struct store *st, const char *domain, char *why, size_t why_len)
{
	uint8_t ip[16];
	size_t ip_len = 0;
	uint8_t seed[32];
	uint8_t serial[16];
	br_hmac_drbg_context rng;
	br_ec_private_key sk;
	uint8_t kbuf[BR_EC_KBUF_PRIV_MAX_SIZE];
	br_ec_public_key pk;
	uint8_t pbuf[BR_EC_KBUF_PUB_MAX_SIZE];
	uint8_t key_der[CERT_KEY_DER_MAX];
	size_t key_len = 0;
	uint8_t tbs_mem[1536];
	uint8_t cert_mem[1700];
	struct der_wr tbs = { 0 };
	struct der_wr crt = { 0 };
	br_sha256_context h;
	uint8_t hash[32];
	uint8_t sig[80];
	size_t sig_len;
	struct str chain;
	int err = -EIO;

	if (inet_pton(AF_INET, domain, ip) == 1) {
		ip_len = 4;
	} else if (inet_pton(AF_INET6, domain, ip) == 1) {
		ip_len = 16;
	} else if (!cert_dns_name_ok(domain)) {
		snprintf(why, why_len, "'%.64s' is not a domain name or an IP address", domain);
		return -EINVAL;
	}

	rand_bytes(seed, sizeof(seed));
	br_hmac_drbg_init(&rng, &br_sha256_vtable, seed, sizeof(seed));
	if (!br_ec_keygen(&rng.vtable, &br_ec_p256_m31, &sk, kbuf, BR_EC_secp256r1) ||
		!br_ec_compute_pub(&br_ec_p256_m31, &pk, pbuf, &sk)) {
		snprintf(why, why_len, "EC key generation failed");
		goto out;
	}
	key_len = br_encode_ec_raw_der(NULL, &sk, &pk);
	if (key_len == 0 || key_len > sizeof(key_der)) {
		snprintf(why, why_len, "EC key encoding failed");
		goto out;
	}
	br_encode_ec_raw_der(key_der, &sk, &pk);

	/* RFC 5280 4.1.2.2: positive, at most 20 bytes; 0x40 keeps all 16. */
	rand_bytes(serial, sizeof(serial));
	serial[0] = (uint8_t)((serial[0] & 0x7f) | 0x40);
	buf_init(&tbs.b, tbs_mem, sizeof(tbs_mem));
	cert_put_tbs(&tbs, serial, domain, ip, ip_len, (int64_t)time(NULL), &pk);
	if (tbs.b.err || tbs.depth) {
		snprintf(why, why_len, "the certificate does not fit its buffer");
		goto out;
	}
	br_sha256_init(&h);
	br_sha256_update(&h, tbs.b.p, tbs.b.len);
	br_sha256_out(&h, hash);
	sig_len = br_ecdsa_i31_sign_asn1(&br_ec_p256_m31, &br_sha256_vtable, hash, &sk, sig);
	if (sig_len == 0) {
		snprintf(why, why_len, "signing the certificate failed");
		goto out;
	}
	buf_init(&crt.b, cert_mem, sizeof(cert_mem));
	der_open(&crt, 0x30);
	buf_put(&crt.b, tbs.b.p, tbs.b.len);
	cert_put_sig_alg(&crt);
	der_open(&crt, 0x03);
	buf_put_be8(&crt.b, 0);
	buf_put(&crt.b, sig, sig_len);
	der_close(&crt);
	der_close(&crt);
	if (crt.b.err) {
		snprintf(why, why_len, "the certificate does not fit its buffer");
		goto out;
	}
	chain = buf_str(&crt.b);
	err = cert_rec_put(
		st, CERT_SELF, domain, &chain, 1, str_make(key_der, key_len), why, why_len);
out:
	explicit_bzero(seed, sizeof(seed));
	explicit_bzero(&rng, sizeof(rng));
	explicit_bzero(kbuf, sizeof(kbuf));
	explicit_bzero(key_der, sizeof(key_der));
	return err;
}

int cert_ensure(struct store *st, const char *domain, char *why, size_t why_len)
{
	struct str v;
	struct cert_rec r;
	int err = store_get(st, STORE_DB_CERTS, cert_key, &v);

	if (err == 0) {
		if (cert_rec_decode(v, &r) != 0) {
			log_warn("cert: the stored certificate record is unreadable; making a new "
				 "self-signed one");
		} else if (r.origin == CERT_IMPORTED || str_eq(r.domain, str_cstr(domain))) {
			return 0;
		}
	} else if (err != -ENOENT) {
		snprintf(why, why_len, "reading the certificate: %s", store_strerror(err));
		return err;
	}
	err = cert_make_self_signed(st, domain, why, why_len);
	return err < 0 ? err : 1;
}

/* --- PEM --- */

struct cert_pem {
	uint8_t *der;
	size_t len;
	size_t cap;
	bool overflow;
	unsigned n;
	struct {
		char name[40];
		size_t off;
		size_t len;
	} obj[CERT_PEM_OBJS];
};

static void cert_pem_append(void *ctx, const void *p, size_t n)
{
	struct cert_pem *pm = ctx;

	if (pm->overflow || n > pm->cap - pm->len) {
		pm->overflow = true;
		return;
	}
	memcpy(pm->der + pm->len, p, n);
	pm->len += n;
}

/* Every object of a PEM text into pm. 0, -EINVAL (bad PEM), -E2BIG. */
static int cert_pem_decode(const char *text, size_t len, struct cert_pem *pm)
{
	br_pem_decoder_context pc;
	bool in_obj = false;
	bool last = false;
	int err = 0;

	br_pem_decoder_init(&pc);
	/* The decoder sees an END line only once its newline is in: a final
	 * "\n" flushes a text that lacks one. */
	while (err == 0 && (len > 0 || !last)) {
		size_t k;
		if (len == 0) {
			last = true;
			text = "\n";
			len = 1;
		}
		k = br_pem_decoder_push(&pc, text, len);
		text += k;
		len -= k;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			if (pm->n == CERT_PEM_OBJS) {
				err = -E2BIG;
				break;
			}
			/* A longer name is no name we know: left empty. */
			str_copy_cstr(str_cstr(br_pem_decoder_name(&pc)), pm->obj[pm->n].name,
				sizeof(pm->obj[pm->n].name));
			pm->obj[pm->n].off = pm->len;
			br_pem_decoder_setdest(&pc, cert_pem_append, pm);
			in_obj = true;
			break;
		case BR_PEM_END_OBJ:
			if (in_obj) {
				pm->obj[pm->n].len = pm->len - pm->obj[pm->n].off;
				pm->n++;
			}
			in_obj = false;
			break;
		case BR_PEM_ERROR:
			err = -EINVAL;
			break;
		default:
			break;
		}
		if (pm->overflow) {
			err = -E2BIG;
		}
	}
	explicit_bzero(&pc, sizeof(pc));
	if (err == 0 && in_obj) {
		err = -EINVAL;
	}
	return err;
}

static struct str cert_pem_obj(const struct cert_pem *pm, unsigned i)
{
	return str_make(pm->der + pm->obj[i].off, pm->obj[i].len);
}

static int cert_import_key(const struct cert_pem *pm, br_skey_decoder_context *dec,
	const br_ec_private_key **sk, char *why, size_t why_len)
{
	for (unsigned i = 0; i < pm->n; i++) {
		const char *name = pm->obj[i].name;
		if (!strcmp(name, "EC PRIVATE KEY") || !strcmp(name, "PRIVATE KEY")) {
			return cert_key_decode(dec, cert_pem_obj(pm, i), sk, why, why_len);
		}
		if (!strcmp(name, "RSA PRIVATE KEY")) {
			snprintf(why, why_len, "RSA keys are not supported: use an EC P-256 key");
			return -ENOTSUP;
		}
		if (!strcmp(name, "ENCRYPTED PRIVATE KEY")) {
			snprintf(why, why_len,
				"the private key is encrypted: export it without a "
				"passphrase");
			return -ENOTSUP;
		}
	}
	snprintf(why, why_len, "no private key in the key PEM");
	return -EINVAL;
}

static int cert_import_check(
	const struct str *chain, size_t n, const br_ec_private_key *sk, char *why, size_t why_len)
{
	br_x509_decoder_context xd;
	const br_x509_pkey *pub = NULL;
	br_ec_public_key pk;
	uint8_t pbuf[BR_EC_KBUF_PUB_MAX_SIZE];
	uint8_t leaf_q[BR_EC_KBUF_PUB_MAX_SIZE];
	size_t leaf_qlen = 0;
	struct cert_info info;

	for (size_t i = 0; i < n; i++) {
		br_x509_decoder_init(&xd, NULL, NULL);
		br_x509_decoder_push(&xd, chain[i].p, chain[i].len);
		pub = br_x509_decoder_get_pkey(&xd);
		if (!pub) {
			snprintf(why, why_len,
				"certificate %zu of the chain is not valid X.509 (%s)", i + 1,
				tls_err_name(br_x509_decoder_last_error(&xd)));
			return -EINVAL;
		}
		if (i > 0) {
			continue;
		}
		if (pub->key_type == BR_KEYTYPE_RSA) {
			snprintf(why, why_len,
				"the certificate has an RSA key: only EC P-256 is supported");
			return -ENOTSUP;
		}
		if (pub->key.ec.curve != BR_EC_secp256r1 || pub->key.ec.qlen > sizeof(leaf_q)) {
			snprintf(why, why_len,
				"the certificate's key is not on curve P-256 (prime256v1)");
			return -ENOTSUP;
		}
		memcpy(leaf_q, pub->key.ec.q, pub->key.ec.qlen);
		leaf_qlen = pub->key.ec.qlen;
	}
	if (!br_ec_compute_pub(&br_ec_p256_m31, &pk, pbuf, sk) || pk.qlen != leaf_qlen ||
		memcmp(pk.q, leaf_q, leaf_qlen) != 0) {
		snprintf(why, why_len, "the key does not match the certificate");
		return -EINVAL;
	}
	if (cert_parse(chain[0], &info) != 0) {
		snprintf(why, why_len, "cannot read the certificate's names and validity");
		return -EINVAL;
	}
	if (info.not_after < (int64_t)time(NULL)) {
		int64_t y;
		unsigned m, d;
		cert_civil_from_days(cert_floor_div(info.not_after, 86400), &y, &m, &d);
		snprintf(why, why_len, "the certificate expired on %04lld-%02u-%02u", (long long)y,
			m, d);
		return -EINVAL;
	}
	return 0;
}

int cert_import_pem(struct store *st, const char *chain_pem, size_t chain_len, const char *key_pem,
	size_t key_len, char *why, size_t why_len)
{
	struct cert_pem *cp = calloc(1, sizeof(*cp));
	struct cert_pem *kp = calloc(1, sizeof(*kp));
	uint8_t *mem = malloc(2 * CERT_CHAIN_BYTES_MAX);
	br_skey_decoder_context dec;
	const br_ec_private_key *sk = NULL;
	br_ec_public_key pk;
	uint8_t pbuf[BR_EC_KBUF_PUB_MAX_SIZE];
	uint8_t key_der[CERT_KEY_DER_MAX];
	size_t key_der_len;
	struct str chain[TLS_CHAIN_MAX];
	size_t n = 0;
	int err;

	memset(&dec, 0, sizeof(dec));
	if (!cp || !kp || !mem) {
		snprintf(why, why_len, "out of memory for the import");
		err = -ENOMEM;
		goto out;
	}
	cp->der = mem;
	cp->cap = CERT_CHAIN_BYTES_MAX;
	kp->der = mem + CERT_CHAIN_BYTES_MAX;
	kp->cap = CERT_CHAIN_BYTES_MAX;
	err = cert_pem_decode(chain_pem, chain_len, cp);
	if (err) {
		snprintf(why, why_len,
			err == -E2BIG ? "the certificate PEM is too large"
				      : "the certificate PEM is not valid PEM");
		goto out;
	}
	for (unsigned i = 0; i < cp->n; i++) {
		if (strcmp(cp->obj[i].name, "CERTIFICATE") != 0) {
			continue;
		}
		if (n == TLS_CHAIN_MAX) {
			snprintf(why, why_len, "more than %d certificates in the chain",
				TLS_CHAIN_MAX);
			err = -E2BIG;
			goto out;
		}
		chain[n++] = cert_pem_obj(cp, i);
	}
	if (n == 0) {
		snprintf(why, why_len, "no certificate in the certificate PEM");
		err = -EINVAL;
		goto out;
	}
	if (key_pem && key_len) {
		err = cert_pem_decode(key_pem, key_len, kp);
		if (err) {
			snprintf(why, why_len,
				err == -E2BIG ? "the key PEM is too large"
					      : "the key PEM is not valid PEM");
			goto out;
		}
		err = cert_import_key(kp, &dec, &sk, why, why_len);
	} else {
		err = cert_import_key(cp, &dec, &sk, why, why_len);
	}
	if (err) {
		goto out;
	}
	err = cert_import_check(chain, n, sk, why, why_len);
	if (err) {
		goto out;
	}
	/* Stored in one form (RFC 5915) whatever the admin's file held. */
	br_ec_compute_pub(&br_ec_p256_m31, &pk, pbuf, sk);
	key_der_len = br_encode_ec_raw_der(NULL, sk, &pk);
	if (key_der_len == 0 || key_der_len > sizeof(key_der)) {
		snprintf(why, why_len, "EC key encoding failed");
		err = -EINVAL;
		goto out;
	}
	br_encode_ec_raw_der(key_der, sk, &pk);
	err = cert_rec_put(
		st, CERT_IMPORTED, "", chain, n, str_make(key_der, key_der_len), why, why_len);
	explicit_bzero(key_der, sizeof(key_der));
out:
	explicit_bzero(&dec, sizeof(dec));
	if (mem) {
		explicit_bzero(mem, 2 * CERT_CHAIN_BYTES_MAX);
	}
	free(mem);
	free(cp);
	free(kp);
	return err;
}

struct tls_server *cert_load(struct store_txn *t, char *why, size_t why_len)
{
	struct str v;
	struct cert_rec r;
	br_skey_decoder_context dec;
	const br_ec_private_key *sk;
	struct tls_server *srv = NULL;
	int err = store_txn_get(t, STORE_DB_CERTS, cert_key, &v);

	if (err) {
		if (err == -ENOENT) {
			snprintf(why, why_len, "no TLS certificate in the store");
		} else {
			snprintf(why, why_len, "reading the certificate: %s", store_strerror(err));
		}
		return NULL;
	}
	if (cert_rec_decode(v, &r) != 0) {
		snprintf(why, why_len, "the stored certificate record is unreadable");
		return NULL;
	}
	if (cert_key_decode(&dec, r.key, &sk, why, why_len) == 0) {
		srv = tls_server_new(r.chain, r.n, sk, why, why_len);
	}
	explicit_bzero(&dec, sizeof(dec));
	return srv;
}

int cert_info_get(struct store_txn *t, struct cert_info *out)
{
	struct str v;
	struct cert_rec r;
	int err = store_txn_get(t, STORE_DB_CERTS, cert_key, &v);

	if (err) {
		return err;
	}
	if (cert_rec_decode(v, &r) != 0 || cert_parse(r.chain[0], out) != 0) {
		return -EBADMSG;
	}
	out->imported = r.origin == CERT_IMPORTED;
	str_copy_cstr(str_make(r.domain.p, r.domain.len > CERT_DOMAIN_MAX ? 0 : r.domain.len),
		out->domain, sizeof(out->domain));
	out->chain_len = (unsigned)r.n;
	return 0;
}

/* --- DER reader (X.690), for the fields cert_info shows. Single-byte tags
 * and definite lengths only, as DER requires. */

struct der_rd {
	const uint8_t *p;
	const uint8_t *end;
};

/* The next TLV of r: its tag and a reader over its contents. */
static int der_next(struct der_rd *r, uint8_t *tag, struct der_rd *val)
{
	size_t len;
	size_t avail = (size_t)(r->end - r->p);

	if (avail < 2 || (r->p[0] & 0x1f) == 0x1f) {
		return -EBADMSG;
	}
	*tag = r->p[0];
	len = r->p[1];
	r->p += 2;
	avail -= 2;
	if (len & 0x80) {
		size_t k = len & 0x7f;
		if (k == 0 || k > 3 || k > avail) {
			return -EBADMSG;
		}
		len = 0;
		for (size_t i = 0; i < k; i++) {
			len = (len << 8) | r->p[i];
		}
		r->p += k;
		avail -= k;
	}
	if (len > avail) {
		return -EBADMSG;
	}
	val->p = r->p;
	val->end = r->p + len;
	r->p += len;
	return 0;
}

static int der_expect(struct der_rd *r, uint8_t want, struct der_rd *val)
{
	uint8_t tag;

	if (der_next(r, &tag, val) != 0 || tag != want) {
		return -EBADMSG;
	}
	return 0;
}

static bool der_is(const struct der_rd *v, const uint8_t *oid, size_t n)
{
	return (size_t)(v->end - v->p) == n && memcmp(v->p, oid, n) == 0;
}

static void der_copy_text(const struct der_rd *v, char *out, size_t cap)
{
	size_t n = (size_t)(v->end - v->p);

	if (n >= cap) {
		n = cap - 1;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t c = v->p[i];
		out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[n] = '\0';
}

static int der_digits(const uint8_t *p, unsigned n)
{
	int v = 0;

	for (unsigned i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9') {
			return -1;
		}
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* UTCTime YYMMDDHHMMSSZ (RFC 5280 4.1.2.5.1: YY < 50 is 20YY) or
 * GeneralizedTime YYYYMMDDHHMMSSZ. */
static int der_time(struct der_rd *r, int64_t *out)
{
	uint8_t tag;
	struct der_rd v;
	size_t n;
	int y, mo, d, h, mi, s;
	const uint8_t *p;

	if (der_next(r, &tag, &v) != 0) {
		return -EBADMSG;
	}
	n = (size_t)(v.end - v.p);
	p = v.p;
	if (tag == 0x17 && n == 13) {
		y = der_digits(p, 2);
		if (y >= 0) {
			y += y < 50 ? 2000 : 1900;
		}
		p += 2;
	} else if (tag == 0x18 && n == 15) {
		y = der_digits(p, 4);
		p += 4;
	} else {
		return -EBADMSG;
	}
	mo = der_digits(p, 2);
	d = der_digits(p + 2, 2);
	h = der_digits(p + 4, 2);
	mi = der_digits(p + 6, 2);
	s = der_digits(p + 8, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
		s < 0 || s > 60 || p[10] != 'Z') {
		return -EBADMSG;
	}
	*out = cert_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s;
	return 0;
}

static void cert_parse_cn(struct der_rd name, char *out, size_t cap)
{
	struct der_rd set, atv, oid, val;
	uint8_t tag;

	while (name.p < name.end) {
		if (der_expect(&name, 0x31, &set) != 0) {
			return;
		}
		while (set.p < set.end) {
			if (der_expect(&set, 0x30, &atv) != 0 ||
				der_expect(&atv, 0x06, &oid) != 0 ||
				der_next(&atv, &tag, &val) != 0) {
				return;
			}
			if (der_is(&oid, oid_cn, sizeof(oid_cn))) {
				der_copy_text(&val, out, cap);
				return;
			}
		}
	}
}

static void cert_parse_san(struct der_rd ext, char *out, size_t cap)
{
	struct der_rd names, gn;
	uint8_t tag;

	if (der_expect(&ext, 0x30, &names) != 0) {
		return;
	}
	while (names.p < names.end) {
		if (der_next(&names, &tag, &gn) != 0) {
			return;
		}
		size_t n = (size_t)(gn.end - gn.p);
		if (tag == 0x82) {
			der_copy_text(&gn, out, cap);
			return;
		}
		if (tag == 0x87 && (n == 4 || n == 16) && cap >= INET6_ADDRSTRLEN) {
			inet_ntop(n == 4 ? AF_INET : AF_INET6, gn.p, out, (socklen_t)cap);
			return;
		}
	}
}

int cert_parse(struct str der, struct cert_info *out)
{
	struct der_rd r = { (const uint8_t *)der.p, (const uint8_t *)der.p + der.len };
	struct der_rd cert, tbs, v, validity, exts, ext, oid;
	uint8_t tag;

	memset(out, 0, sizeof(*out));
	if (der_expect(&r, 0x30, &cert) != 0 || der_expect(&cert, 0x30, &tbs) != 0 ||
		der_next(&tbs, &tag, &v) != 0) {
		return -EBADMSG;
	}
	if (tag == 0xa0 && der_expect(&tbs, 0x02, &v) != 0) { /* version, then serial */
		return -EBADMSG;
	}
	if (der_expect(&tbs, 0x30, &v) != 0 || der_expect(&tbs, 0x30, &v) != 0 ||
		der_expect(&tbs, 0x30, &validity) != 0 || der_time(&validity, &out->not_before) ||
		der_time(&validity, &out->not_after) || der_expect(&tbs, 0x30, &v) != 0) {
		return -EBADMSG;
	}
	cert_parse_cn(v, out->cn, sizeof(out->cn));
	if (der_expect(&tbs, 0x30, &v) != 0) { /* subjectPublicKeyInfo */
		return -EBADMSG;
	}
	while (tbs.p < tbs.end) {
		if (der_next(&tbs, &tag, &v) != 0) {
			return -EBADMSG;
		}
		if (tag != 0xa3 || der_expect(&v, 0x30, &exts) != 0) {
			continue;
		}
		while (exts.p < exts.end) {
			if (der_expect(&exts, 0x30, &ext) != 0 ||
				der_expect(&ext, 0x06, &oid) != 0) {
				return -EBADMSG;
			}
			if (!der_is(&oid, oid_san, sizeof(oid_san))) {
				continue;
			}
			if (der_next(&ext, &tag, &v) == 0 && tag == 0x01) {
				der_next(&ext, &tag, &v);
			}
			if (tag == 0x04) {
				cert_parse_san(v, out->san, sizeof(out->san));
			}
		}
	}
	out->leaf = der;
	return 0;
}
