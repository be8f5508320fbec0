/* core/cert: the generated certificate read back by BearSSL (decoder and
 * the X.509 "minimal" validator, with the certificate as its own trust
 * anchor), PEM import with fixed test PEM pairs, refusals, persistence. */
#include "autoconf.h"
#include "tests/unit/unit.h"

#if ENABLE_TLS

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cert.h"
#include "core/rand.h"
#include "core/store.h"

#define DOMAIN "sip.example.org"

/* Made once with openssl 3.0 (P-256 keys, "-days 36500"): a test CA, a
 * leaf for sip.example.org signed by it (SAN, CA:false, digitalSignature,
 * serverAuth; 2026-12-02 01:40:32 .. 2126-11-08 01:40:32 UTC), the leaf's
 * key as SEC1 and PKCS#8, an unrelated P-256 key, a P-384 key, an RSA-1024
 * pair, and the leaf's key certified for 2000-01-01 .. 2001-01-01. */
static const char fx_ca_pem[] = "-----BEGIN CERTIFICATE-----\n"
				"MIIBfDCCASGgAwIBAgIUd4VQZLF+VZs1pL0l2s9Cn0Xy/jUwCgYIKoZIzj0EAwIw\n"
				"EjEQMA4GA1UEAwwHVGVzdC1DQTAgFw0yNjEyMDIwMTQwMzFaGA8yMTI2MTEwODAx\n"
				"NDAzMVowEjEQMA4GA1UEAwwHVGVzdC1DQTBZMBMGByqGSM49AgEGCCqGSM49AwEH\n"
				"A0IABMzI3P543hOMdzNqm3VF+Ls+oWPnzuBXHT1FbsI8zTK87t1WMewN/SHCt896\n"
				"I4g6L8h9kA8vfhjhE0fLzATJvTWjUzBRMB0GA1UdDgQWBBT+gGFydvrEJLy656em\n"
				"Uc6wStd1CzAfBgNVHSMEGDAWgBT+gGFydvrEJLy656emUc6wStd1CzAPBgNVHRMB\n"
				"Af8EBTADAQH/MAoGCCqGSM49BAMCA0kAMEYCIQDLUig+mYjCp2NEqu/gofqlBdM1\n"
				"Ml6YT1RKo9VCaXaDkAIhAIi/zuAcxHCeIm5fSU4hV5YDtasN9VkE5hfjpje7Acs8\n"
				"-----END CERTIFICATE-----\n";

static const char fx_leaf_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBrjCCAVSgAwIBAgICEJIwCgYIKoZIzj0EAwIwEjEQMA4GA1UEAwwHVGVzdC1D\n"
	"QTAgFw0yNjEyMDIwMTQwMzJaGA8yMTI2MTEwODAxNDAzMlowGjEYMBYGA1UEAwwP\n"
	"c2lwLmV4YW1wbGUub3JnMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2CU6V9yj\n"
	"s+uEsLmguxxUsBvpXmAr89Xnaf6pGNRSGBknZaBI0sodTfrAwhOlFTrGvVjfg0C0\n"
	"WNTTGfLT2jQGpqOBjzCBjDAaBgNVHREEEzARgg9zaXAuZXhhbXBsZS5vcmcwCQYD\n"
	"VR0TBAIwADAOBgNVHQ8BAf8EBAMCB4AwEwYDVR0lBAwwCgYIKwYBBQUHAwEwHQYD\n"
	"VR0OBBYEFGegJxbI4ktNNtO5NC8l+RkIrvO0MB8GA1UdIwQYMBaAFP6AYXJ2+sQk\n"
	"vLrnp6ZRzrBK13ULMAoGCCqGSM49BAMCA0gAMEUCIQDDNpiNErvDtnR89CD2uLQk\n"
	"2jdo3N5x3uw2j7PYK6c2JAIgYGxMGU1Ug754jGqSFV71EtoNUs9VbrHyi/IAAbRl\n"
	"u6g=\n"
	"-----END CERTIFICATE-----\n";

static const char fx_leaf_key[] =
	"-----BEGIN EC PRIVATE KEY-----\n"
	"MHcCAQEEIAdrzLc7rPgDRGcks0yBYm0KlKly7RqgRLlcGKoAJchUoAoGCCqGSM49\n"
	"AwEHoUQDQgAE2CU6V9yjs+uEsLmguxxUsBvpXmAr89Xnaf6pGNRSGBknZaBI0sod\n"
	"TfrAwhOlFTrGvVjfg0C0WNTTGfLT2jQGpg==\n"
	"-----END EC PRIVATE KEY-----\n";

static const char fx_leaf_p8[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgB2vMtzus+ANEZySz\n"
	"TIFibQqUqXLtGqBEuVwYqgAlyFShRANCAATYJTpX3KOz64SwuaC7HFSwG+leYCvz\n"
	"1edp/qkY1FIYGSdloEjSyh1N+sDCE6UVOsa9WN+DQLRY1NMZ8tPaNAam\n"
	"-----END PRIVATE KEY-----\n";

static const char fx_other_key[] =
	"-----BEGIN EC PRIVATE KEY-----\n"
	"MHcCAQEEIMyp7DjMVYErrC53XzRuy0L0PVjBeow3hxLhWUWxgqYZoAoGCCqGSM49\n"
	"AwEHoUQDQgAEeJah17oRWLRBSkDKT5QeoBHVc0zI0op+KrDXMUMSA07NVo2WlTB2\n"
	"oVSakkCp4ie2jFS0kj1Bl30QIlyPqJB7WQ==\n"
	"-----END EC PRIVATE KEY-----\n";

static const char fx_p384_key[] =
	"-----BEGIN EC PRIVATE KEY-----\n"
	"MIGkAgEBBDCOxkHfRu05eRdOKyXIlPVYXOEtXjgeu41cd11d/VBGH5mwWJ41se0G\n"
	"N75emViJw5SgBwYFK4EEACKhZANiAASYJs5UHQLTnWdlQjLd0/pLtYCTiZD+FYCU\n"
	"RKL6DQUv5s48edg3bvNMdA9B/+/77bxT9Fg89qJ7U7WhzwblaeZD+Y2q7i6XjNaF\n"
	"bMGXsEEmPuSRVLR+mvZa9u9Ei6ba9xM=\n"
	"-----END EC PRIVATE KEY-----\n";

static const char fx_rsa_key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBAPneJ+1xq9VDeTOb\n"
	"qrtRefVmBKSqAhocr370ZVFIO1lWw5MjptYYDbGFz26XwR61VHXpTjOTUwdNtAaP\n"
	"lnws71JJE28XWDRje1as1RAA+VZLjJS4gKDevVvG8rRty/qDOL3Xby0eXvgR80Kk\n"
	"Pa0MkOA7rrZJJJMN+OeovEr+8C/TAgMBAAECgYEAv17o0bDn3HTLFT26a7EhaVPz\n"
	"ZnJXHcyulNt15eUen3QWYlFB7GOLyVUk5B0SagSTZaOEo3fIdaWLpiK/LOf1elrS\n"
	"uoX5wfgkyL0scTSjlfGKb+xw6sC0VNFMH1mQ44H1yoBanwyOA91AtbLR4CB5zQv3\n"
	"tYkFpDaoxNzqjtJcaCECQQD/Wn+iPzrzeRPz5jgccUZJLKnp5IhtWpoygc7fDyVw\n"
	"ORYQicHZ46gkMIp7CJ+sNSCeqFWLWe5DEUsMf0Alr0hbAkEA+oAaGg6usxU9NuG7\n"
	"3ds72urhW2RFzl4GjpdjyhUci1OPy4V8sav57scZyApJiWUio+gGIzK7lCypLcfx\n"
	"X54P6QJBAPFGrXq8jBMpwHSgfzxAu8zAavwZd9770N8QUEvrn9Bd4D9YKtaaiXFI\n"
	"fFCsYVLyEBRZshqtqresS2FPi2kQKikCQD9arL9QXVC/m2bI+pmmu+GnK+3QU3NZ\n"
	"BnGDymIuqrR2ItUHYr0Q0LpaMqQMLgMIyBUKNpsqVpSoIvWILvzO3hkCQFPPpAdr\n"
	"BCK3gpAxROYn/C1okMjRtmmKeCUhKjXxd2JkYl5GkcytfPYsDQiH15ev23nI8WeW\n"
	"QwQUhQ52V2JPhD0=\n"
	"-----END PRIVATE KEY-----\n";

static const char fx_rsa_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIICEjCCAXugAwIBAgIUOJN5cZwSR5pA6JMXZOOxTe/+v2UwDQYJKoZIhvcNAQEL\n"
	"BQAwGjEYMBYGA1UEAwwPcnNhLmV4YW1wbGUub3JnMCAXDTI2MTIwMjAxNDAzMloY\n"
	"DzIxMjYxMTA4MDE0MDMyWjAaMRgwFgYDVQQDDA9yc2EuZXhhbXBsZS5vcmcwgZ8w\n"
	"DQYJKoZIhvcNAQEBBQADgY0AMIGJAoGBAPneJ+1xq9VDeTObqrtRefVmBKSqAhoc\n"
	"r370ZVFIO1lWw5MjptYYDbGFz26XwR61VHXpTjOTUwdNtAaPlnws71JJE28XWDRj\n"
	"e1as1RAA+VZLjJS4gKDevVvG8rRty/qDOL3Xby0eXvgR80KkPa0MkOA7rrZJJJMN\n"
	"+OeovEr+8C/TAgMBAAGjUzBRMB0GA1UdDgQWBBQvVX96NDV+SU8X8miF+cvCXwts\n"
	"QzAfBgNVHSMEGDAWgBQvVX96NDV+SU8X8miF+cvCXwtsQzAPBgNVHRMBAf8EBTAD\n"
	"AQH/MA0GCSqGSIb3DQEBCwUAA4GBAPGctFXDy5vUV7KMgOaWI7shaZXx3+WHZy7v\n"
	"z/L7WsbdOngpQFzidGVdYbsJExCcKAmh7YLdsiHBuqxU9NgSEYzMpAQass2/SMFd\n"
	"N9kKQKxJgKN9FmD3g6wQDVhgAW+JdXZ6KsPFfJssHEELis/MMP9IysF57yUVBW8K\n"
	"uSxgtVpc\n"
	"-----END CERTIFICATE-----\n";

static const char fx_expired_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBEzCBugIBATAKBggqhkjOPQQDAjASMRAwDgYDVQQDDAdUZXN0LUNBMB4XDTAw\n"
	"MDEwMTAwMDAwMFoXDTAxMDEwMTAwMDAwMFowGjEYMBYGA1UEAwwPc2lwLmV4YW1w\n"
	"bGUub3JnMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2CU6V9yjs+uEsLmguxxU\n"
	"sBvpXmAr89Xnaf6pGNRSGBknZaBI0sodTfrAwhOlFTrGvVjfg0C0WNTTGfLT2jQG\n"
	"pjAKBggqhkjOPQQDAgNIADBFAiB98VACQohMYEVF8q+Ght2tbJ3nMAcSpA6QR50V\n"
	"fZGWBgIhALFAQ4geOGaDtCroqe1L0z0UUNhwnbYkhPb6N5ET8IP3\n"
	"-----END CERTIFICATE-----\n";

#define LEAF_NOT_BEFORE 1796175632
#define LEAF_NOT_AFTER 4949775632

static int n_store;

static struct store *fresh_store(char *dir, size_t cap)
{
	char why[160] = "";
	int err = 0;
	struct store *st;

	CHECK_INT(rand_init(), 0);
	snprintf(dir, cap, "%s/cert%d", unit_tmpdir(), n_store++);
	st = store_open(dir, 1, NULL, &err, why, sizeof(why));
	CHECK(st != NULL);
	return st;
}

static struct store *reopen(struct store *st, const char *dir)
{
	char why[160] = "";
	int err = 0;

	store_close(st);
	st = store_open(dir, 1, NULL, &err, why, sizeof(why));
	CHECK(st != NULL);
	return st;
}

struct dn {
	unsigned char b[300];
	size_t len;
};

static void dn_append(void *ctx, const void *p, size_t n)
{
	struct dn *d = ctx;

	if (n <= sizeof(d->b) - d->len) {
		memcpy(d->b + d->len, p, n);
		d->len += n;
	}
}

/* Validates der with itself as the trust anchor, for name at time t. */
static int x509_check(struct str der, const char *name, int64_t t)
{
	br_x509_decoder_context xd;
	br_x509_minimal_context xc;
	br_x509_trust_anchor ta;
	struct dn dn = { .len = 0 };
	const br_x509_pkey *pk;
	unsigned char q[BR_EC_KBUF_PUB_MAX_SIZE];
	int64_t days = t / 86400;

	br_x509_decoder_init(&xd, dn_append, &dn);
	br_x509_decoder_push(&xd, der.p, der.len);
	pk = br_x509_decoder_get_pkey(&xd);
	if (!pk || pk->key.ec.qlen > sizeof(q)) {
		return -1;
	}
	memcpy(q, pk->key.ec.q, pk->key.ec.qlen);
	ta.dn.data = dn.b;
	ta.dn.len = dn.len;
	ta.flags = BR_X509_TA_CA;
	ta.pkey = *pk;
	ta.pkey.key.ec.q = q;
	br_x509_minimal_init_full(&xc, &ta, 1);
	/* Days since 0000-01-01 (proleptic Gregorian): 719528 to 1970. */
	br_x509_minimal_set_time(&xc, (uint32_t)(days + 719528), (uint32_t)(t - days * 86400));
	xc.vtable->start_chain(&xc.vtable, name);
	xc.vtable->start_cert(&xc.vtable, (uint32_t)der.len);
	xc.vtable->append(&xc.vtable, (const unsigned char *)der.p, der.len);
	xc.vtable->end_cert(&xc.vtable);
	return (int)xc.vtable->end_chain(&xc.vtable);
}

static void self_signed_read_back(void)
{
	char dir[256];
	char why[160] = "";
	struct store *st = fresh_store(dir, sizeof(dir));
	struct cert_info ci;
	br_x509_decoder_context xd;
	struct dn dn = { .len = 0 };
	const br_x509_pkey *pk;
	struct tls_server *srv;
	int64_t now = (int64_t)time(NULL);
	/* Name: SEQUENCE { SET { SEQUENCE { OID 2.5.4.3, UTF8String } } } */
	static const unsigned char want_dn[] = { 0x30, 0x1a, 0x31, 0x18, 0x30, 0x16, 0x06, 0x03,
		0x55, 0x04, 0x03, 0x0c, 0x0f, 's', 'i', 'p', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		'.', 'o', 'r', 'g' };

	if (!st) {
		return;
	}
	CHECK_INT(cert_info_get(store_loop_txn(st), &ci), -ENOENT);
	CHECK(cert_load(store_loop_txn(st), why, sizeof(why)) == NULL);
	CHECK(!strcmp(why, "no TLS certificate in the store"));
	CHECK_INT(cert_ensure(st, DOMAIN, why, sizeof(why)), 1);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(cert_info_get(store_loop_txn(st), &ci), 0);
	CHECK(!ci.imported);
	CHECK(!strcmp(ci.domain, DOMAIN));
	CHECK(!strcmp(ci.cn, DOMAIN));
	CHECK(!strcmp(ci.san, DOMAIN));
	CHECK_INT(ci.chain_len, 1);
	CHECK(ci.not_before >= now - 3600 - 5 && ci.not_before <= now - 3600 + 5);
	CHECK_INT(ci.not_after - ci.not_before, 3600 + (10 * 365 + 3) * 86400LL);

	br_x509_decoder_init(&xd, dn_append, &dn);
	br_x509_decoder_push(&xd, ci.leaf.p, ci.leaf.len);
	pk = br_x509_decoder_get_pkey(&xd);
	CHECK(pk != NULL);
	if (pk) {
		CHECK_INT(pk->key_type, BR_KEYTYPE_EC);
		CHECK_INT(pk->key.ec.curve, BR_EC_secp256r1);
		CHECK_INT(pk->key.ec.qlen, 65);
	}
	CHECK(!br_x509_decoder_isCA(&xd));
	CHECK_INT(br_x509_decoder_get_signer_key_type(&xd), BR_KEYTYPE_EC);
	CHECK_INT(br_x509_decoder_get_signer_hash_id(&xd), br_sha256_ID);
	CHECK_INT(dn.len, sizeof(want_dn));
	CHECK(dn.len == sizeof(want_dn) && !memcmp(dn.b, want_dn, dn.len));

	/* Signature, SAN name match, dates, critical extensions: BearSSL's
	 * validator. */
	CHECK_INT(x509_check(ci.leaf, DOMAIN, now), 0);
	CHECK_INT(x509_check(ci.leaf, "other.example.org", now), BR_ERR_X509_BAD_SERVER_NAME);
	CHECK_INT(x509_check(ci.leaf, DOMAIN, now - 2 * 3600), BR_ERR_X509_EXPIRED);
	CHECK_INT(x509_check(ci.leaf, DOMAIN, now + 9 * 365 * 86400LL), 0);
	CHECK_INT(x509_check(ci.leaf, DOMAIN, now + 11 * 365 * 86400LL), BR_ERR_X509_EXPIRED);

	srv = cert_load(store_loop_txn(st), why, sizeof(why));
	CHECK(srv != NULL);
	tls_server_unref(srv);
	store_close(st);
}

static void domain_forms(void)
{
	char dir[256];
	char why[160] = "";
	struct store *st = fresh_store(dir, sizeof(dir));
	struct cert_info ci;
	static const char *const bad[] = { "", "bad domain", "a..b", ".a", "a.", "x_y.org",
		"sip.example.org/x", "caf\xc3\xa9.org" };

	if (!st) {
		return;
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		CHECK_INT(cert_ensure(st, bad[i], why, sizeof(why)), -EINVAL);
		CHECK(strstr(why, "is not a domain name or an IP address") != NULL);
	}
	CHECK_INT(cert_info_get(store_loop_txn(st), &ci), -ENOENT);
	CHECK_INT(cert_ensure(st, "192.168.1.10", why, sizeof(why)), 1);
	CHECK_INT(cert_info_get(store_loop_txn(st), &ci), 0);
	CHECK(!strcmp(ci.cn, "192.168.1.10"));
	CHECK(!strcmp(ci.san, "192.168.1.10"));
	CHECK_INT(cert_ensure(st, "fd00::1", why, sizeof(why)), 1);
	CHECK_INT(cert_info_get(store_loop_txn(st), &ci), 0);
	CHECK(!strcmp(ci.san, "fd00::1"));
	CHECK_INT(cert_ensure(st, "Box-1.office.example", why, sizeof(why)), 1);
	CHECK_INT(cert_info_get(store_loop_txn(st), &ci), 0);
	CHECK(!strcmp(ci.san, "Box-1.office.example"));
	store_close(st);
}

static void survives_reopen_and_follows_domain(void)
{
	char dir[256];
	char why[160] = "";
	struct store *st = fresh_store(dir, sizeof(dir));
	struct cert_info ci;
	unsigned char leaf[1024];
	size_t leaf_len;

	if (!st) {
		return;
	}
	CHECK_INT(cert_ensure(st, DOMAIN, why, sizeof(why)), 1);
	CHECK_INT(cert_ensure(st, DOMAIN, why, sizeof(why)), 0);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(cert_info_get(store_loop_txn(st), &ci), 0);
	leaf_len = ci.leaf.len;
	CHECK(leaf_len <= sizeof(leaf));
	memcpy(leaf, ci.leaf.p, leaf_len <= sizeof(leaf) ? leaf_len : 0);

	st = reopen(st, dir);
	if (!st) {
		return;
	}
	CHECK_INT(cert_ensure(st, DOMAIN, why, sizeof(why)), 0);
	CHECK_INT(cert_info_get(store_loop_txn(st), &ci), 0);
	CHECK(ci.leaf.len == leaf_len && !memcmp(ci.leaf.p, leaf, leaf_len));

	/* A new domain: a new self-signed certificate. */
	CHECK_INT(cert_ensure(st, "chat.example.net", why, sizeof(why)), 1);
	CHECK_INT(store_flush(st), 0);
	st = reopen(st, dir);
	if (!st) {
		return;
	}
	CHECK_INT(cert_info_get(store_loop_txn(st), &ci), 0);
	CHECK(!strcmp(ci.cn, "chat.example.net"));
	CHECK(!strcmp(ci.domain, "chat.example.net"));

	/* An unreadable record is replaced. */
	CHECK_INT(store_put(st, STORE_DB_CERTS, STR("server"), STR("\x01junk")), 0);
	CHECK_INT(cert_info_get(store_loop_txn(st), &ci), -EBADMSG);
	CHECK_INT(cert_ensure(st, DOMAIN, why, sizeof(why)), 1);
	CHECK_INT(cert_info_get(store_loop_txn(st), &ci), 0);
	store_close(st);
}

static void import_chain(void)
{
	char dir[256];
	char why[160] = "";
	struct store *st = fresh_store(dir, sizeof(dir));
	struct cert_info ci;
	struct tls_server *srv;
	char both[4096];

	if (!st) {
		return;
	}
	snprintf(both, sizeof(both), "%s%s", fx_leaf_pem, fx_ca_pem);
	CHECK_INT(cert_ensure(st, DOMAIN, why, sizeof(why)), 1);
	CHECK_INT(cert_import_pem(st, both, strlen(both), fx_leaf_key, strlen(fx_leaf_key), why,
			  sizeof(why)),
		0);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(cert_info_get(store_loop_txn(st), &ci), 0);
	CHECK(ci.imported);
	CHECK(!strcmp(ci.domain, ""));
	CHECK(!strcmp(ci.cn, DOMAIN));
	CHECK(!strcmp(ci.san, DOMAIN));
	CHECK_INT(ci.chain_len, 2);
	CHECK_INT(ci.not_before, LEAF_NOT_BEFORE);
	CHECK_INT(ci.not_after, LEAF_NOT_AFTER); /* GeneralizedTime (2126) */
	srv = cert_load(store_loop_txn(st), why, sizeof(why));
	CHECK(srv != NULL);
	tls_server_unref(srv);

	/* Imported credentials are not replaced when the domain changes. */
	CHECK_INT(cert_ensure(st, "other.example.net", why, sizeof(why)), 0);
	st = reopen(st, dir);
	if (!st) {
		return;
	}
	CHECK_INT(cert_info_get(store_loop_txn(st), &ci), 0);
	CHECK(ci.imported);
	CHECK_INT(ci.chain_len, 2);

	/* PKCS#8 key; key and chain in one text (no CRLF issue either). */
	CHECK_INT(cert_import_pem(st, fx_leaf_pem, strlen(fx_leaf_pem), fx_leaf_p8,
			  strlen(fx_leaf_p8), why, sizeof(why)),
		0);
	snprintf(both, sizeof(both), "%s%s", fx_leaf_key, fx_leaf_pem);
	CHECK_INT(cert_import_pem(st, both, strlen(both), NULL, 0, why, sizeof(why)), 0);
	CHECK_INT(cert_info_get(store_loop_txn(st), &ci), 0);
	CHECK_INT(ci.chain_len, 1);
	store_close(st);
}

static void import_refusals(void)
{
	static const char junk_der[] = "-----BEGIN CERTIFICATE-----\nAAAAAAAA\n"
				       "-----END CERTIFICATE-----\n";
	static const char truncated[] = "-----BEGIN CERTIFICATE-----\nMIIBrjCCAVSgAwIBAgIC\n";
	static char five[4096];
	const struct {
		const char *chain;
		const char *key;
		int err;
		const char *why;
	} cases[] = {
		{ "hello world\n", fx_leaf_key, -EINVAL, "no certificate in the certificate PEM" },
		{ "", fx_leaf_key, -EINVAL, "no certificate in the certificate PEM" },
		{ truncated, fx_leaf_key, -EINVAL, "the certificate PEM is not valid PEM" },
		{ fx_leaf_pem, fx_other_key, -EINVAL, "the key does not match the certificate" },
		{ fx_leaf_pem, "garbage", -EINVAL, "no private key in the key PEM" },
		{ fx_leaf_pem, fx_p384_key, -ENOTSUP,
			"only EC keys on curve P-256 (prime256v1) are supported" },
		{ fx_leaf_pem, fx_rsa_key, -ENOTSUP,
			"RSA keys are not supported: use an EC P-256 key" },
		{ fx_rsa_pem, fx_leaf_key, -ENOTSUP,
			"the certificate has an RSA key: only EC P-256 is supported" },
		{ fx_ca_pem, fx_leaf_key, -EINVAL, "the key does not match the certificate" },
		{ fx_expired_pem, fx_leaf_key, -EINVAL, "the certificate expired on 2001-01-01" },
		{ junk_der, fx_leaf_key, -EINVAL,
			"certificate 1 of the chain is not valid X.509 (" },
		{ five, fx_leaf_key, -E2BIG, "more than 4 certificates in the chain" },
	};
	char dir[256];
	char why[160];
	struct store *st = fresh_store(dir, sizeof(dir));
	struct cert_info before, after;

	if (!st) {
		return;
	}
	snprintf(five, sizeof(five), "%s%s%s%s%s", fx_leaf_pem, fx_ca_pem, fx_ca_pem, fx_ca_pem,
		fx_ca_pem);
	CHECK_INT(cert_ensure(st, DOMAIN, why, sizeof(why)), 1);
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(cert_info_get(store_loop_txn(st), &before), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err;
		why[0] = '\0';
		err = cert_import_pem(st, cases[i].chain, strlen(cases[i].chain), cases[i].key,
			strlen(cases[i].key), why, sizeof(why));
		if (err != cases[i].err || strncmp(why, cases[i].why, strlen(cases[i].why)) != 0) {
			printf("    case %zu: %d \"%s\"\n", i, err, why);
		}
		CHECK_INT(err, cases[i].err);
		CHECK(!strncmp(why, cases[i].why, strlen(cases[i].why)));
	}
	/* Nothing stored was touched. */
	CHECK_INT(store_flush(st), 0);
	CHECK_INT(cert_info_get(store_loop_txn(st), &after), 0);
	CHECK(!after.imported);
	CHECK(after.leaf.len == before.leaf.len);
	store_close(st);
}

/* The reader is bounded: every prefix of a certificate and many one-byte
 * corruptions come back as errors or as some answer, never a bad read
 * (the sanitizer build watches). */
static void parse_bounded(void)
{
	char dir[256];
	char why[160];
	struct store *st = fresh_store(dir, sizeof(dir));
	struct cert_info ci, x;
	unsigned char der[1024];
	size_t len;

	if (!st) {
		return;
	}
	CHECK_INT(cert_import_pem(st, fx_leaf_pem, strlen(fx_leaf_pem), fx_leaf_key,
			  strlen(fx_leaf_key), why, sizeof(why)),
		0);
	CHECK_INT(cert_info_get(store_loop_txn(st), &ci), 0);
	len = ci.leaf.len < sizeof(der) ? ci.leaf.len : sizeof(der);
	memcpy(der, ci.leaf.p, len);
	for (size_t n = 0; n < len; n++) {
		unsigned char *p = malloc(n ? n : 1);
		memcpy(p, der, n);
		CHECK_INT(cert_parse(str_make(p, n), &x), -EBADMSG);
		free(p);
	}
	for (size_t i = 0; i < len; i++) {
		for (unsigned v = 0; v < 256; v += 51) {
			unsigned char *p = malloc(len);
			memcpy(p, der, len);
			p[i] = (unsigned char)v;
			(void)cert_parse(str_make(p, len), &x);
			free(p);
		}
	}
	CHECK_INT(cert_parse(str_make(der, len), &x), 0);
	store_close(st);
}

UNIT_SUITE(cert, UNIT_TEST(self_signed_read_back), UNIT_TEST(domain_forms),
	UNIT_TEST(survives_reopen_and_follows_domain), UNIT_TEST(import_chain),
	UNIT_TEST(import_refusals), UNIT_TEST(parse_bounded));

#endif
