#include "core/digest.h"

#include <bearssl.h>
#include <errno.h>
#include <string.h>

#include "core/rand.h"
#include "core/rec.h"
#include "core/users.h"

#define DIGEST_META_KEY "digest_secret"
#define DIGEST_SECRET_REC_V1 1
/* ts(8) || salt(8) || mac(16): 128 bits of HMAC are plenty for a value
 * that lives minutes (RFC 2104 5 allows truncating to half the output). */
#define DIGEST_NONCE_ID 16
#define DIGEST_NONCE_MAC 16
#define DIGEST_NONCE_RAW (DIGEST_NONCE_ID + DIGEST_NONCE_MAC)

const enum digest_alg digest_algs_offered[DIGEST_ALG_COUNT] = { DIGEST_ALG_SHA256, DIGEST_ALG_MD5 };

static const br_hash_class *hash_class(enum digest_alg alg)
{
	return alg == DIGEST_ALG_SHA256 ? &br_sha256_vtable : &br_md5_vtable;
}

size_t digest_alg_len(enum digest_alg alg)
{
	return alg == DIGEST_ALG_SHA256 ? br_sha256_SIZE : br_md5_SIZE;
}

const char *digest_alg_name(enum digest_alg alg)
{
	return alg == DIGEST_ALG_SHA256 ? "SHA-256" : "MD5";
}

int digest_alg_parse(struct str name, enum digest_alg *alg)
{
	if (name.len == 0 || str_ieq(name, STR("MD5"))) {
		*alg = DIGEST_ALG_MD5;
		return 0;
	}
	if (str_ieq(name, STR("SHA-256"))) {
		*alg = DIGEST_ALG_SHA256;
		return 0;
	}
	return -EINVAL;
}

static void hex_put(char *out, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
}

static int hex_val(char c, bool lower_only)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (!lower_only && c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/* Exactly 2 * n hex digits into n bytes; false otherwise. */
static bool hex_get(struct str s, uint8_t *out, size_t n, bool lower_only)
{
	if (s.len != 2 * n) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		int hi = hex_val(s.p[2 * i], lower_only);
		int lo = hex_val(s.p[2 * i + 1], lower_only);
		if (hi < 0 || lo < 0) {
			return false;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static void upd(br_hash_compat_context *h, struct str s)
{
	h->vtable->update(&h->vtable, s.p, s.len);
}

void digest_ha1(enum digest_alg alg, struct str username, struct str realm, struct str password,
	uint8_t *out)
{
	br_hash_compat_context h;

	hash_class(alg)->init(&h.vtable);
	upd(&h, username);
	upd(&h, STR(":"));
	upd(&h, realm);
	upd(&h, STR(":"));
	upd(&h, password);
	h.vtable->out(&h.vtable, out);
	explicit_bzero(&h, sizeof(h));
}

void digest_creds_set(struct digest_creds *c, struct str name, struct str value)
{
	static const struct {
		const char *name;
		size_t off;
	} params[] = {
		{ "username", offsetof(struct digest_creds, username) },
		{ "realm", offsetof(struct digest_creds, realm) },
		{ "nonce", offsetof(struct digest_creds, nonce) },
		{ "uri", offsetof(struct digest_creds, uri) },
		{ "response", offsetof(struct digest_creds, response) },
		{ "algorithm", offsetof(struct digest_creds, algorithm) },
		{ "cnonce", offsetof(struct digest_creds, cnonce) },
		{ "nc", offsetof(struct digest_creds, nc) },
		{ "qop", offsetof(struct digest_creds, qop) },
		{ "opaque", offsetof(struct digest_creds, opaque) },
	};

	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		if (str_ieq(name, str_cstr(params[i].name))) {
			*(struct str *)(void *)((char *)c + params[i].off) = value;
			return;
		}
	}
}

void digest_response(enum digest_alg alg, const uint8_t *ha1, const struct digest_creds *c,
	struct str method, uint8_t *out)
{
	const br_hash_class *hc = hash_class(alg);
	size_t n = digest_alg_len(alg);
	br_hash_compat_context h;
	uint8_t ha2[DIGEST_HASH_MAX];
	char hex[2 * DIGEST_HASH_MAX];

	hc->init(&h.vtable);
	upd(&h, method);
	upd(&h, STR(":"));
	upd(&h, c->uri);
	h.vtable->out(&h.vtable, ha2);

	hc->init(&h.vtable);
	hex_put(hex, ha1, n);
	upd(&h, str_make(hex, 2 * n));
	upd(&h, STR(":"));
	upd(&h, c->nonce);
	upd(&h, STR(":"));
	upd(&h, c->nc);
	upd(&h, STR(":"));
	upd(&h, c->cnonce);
	upd(&h, STR(":"));
	upd(&h, c->qop);
	upd(&h, STR(":"));
	hex_put(hex, ha2, n);
	upd(&h, str_make(hex, 2 * n));
	h.vtable->out(&h.vtable, out);
	/* hex held HA1, as good as the password for this realm. */
	explicit_bzero(hex, sizeof(hex));
	explicit_bzero(&h, sizeof(h));
}

static void be64_put(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t be64_get(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++) {
		v = v << 8 | p[i];
	}
	return v;
}

/* mac = HMAC-SHA256(secret, id || realm || bind), first DIGEST_NONCE_MAC
 * bytes. */
static void nonce_mac(const struct digest *d, const uint8_t *id, struct str bind, uint8_t *mac)
{
	br_hmac_key_context kc;
	br_hmac_context hc;

	br_hmac_key_init(&kc, &br_sha256_vtable, d->secret, sizeof(d->secret));
	br_hmac_init(&hc, &kc, DIGEST_NONCE_MAC);
	br_hmac_update(&hc, id, DIGEST_NONCE_ID);
	br_hmac_update(&hc, d->realm, strlen(d->realm));
	br_hmac_update(&hc, bind.p, bind.len);
	br_hmac_out(&hc, mac);
	explicit_bzero(&kc, sizeof(kc));
	explicit_bzero(&hc, sizeof(hc));
}

static int secret_load(struct store *st, uint8_t *secret)
{
	struct str v;
	struct str s;
	int rc = store_get(st, STORE_DB_META, STR(DIGEST_META_KEY), &v);

	if (rc < 0) {
		return rc;
	}
	if (rec_read_str(v, DIGEST_SECRET_REC_V1, &s) < 0 || s.len != DIGEST_SECRET_LEN) {
		return -EBADMSG;
	}
	memcpy(secret, s.p, DIGEST_SECRET_LEN);
	return 0;
}

static int secret_create(struct store *st, uint8_t *secret)
{
	uint8_t mem[DIGEST_SECRET_LEN + 8];
	struct buf b;
	int rc;

	rand_bytes(secret, DIGEST_SECRET_LEN);
	buf_init(&b, mem, sizeof(mem));
	buf_put_be8(&b, DIGEST_SECRET_REC_V1);
	rec_put_str(&b, str_make(secret, DIGEST_SECRET_LEN));
	rc = b.err;
	if (rc == 0) {
		store_mark_durable(st);
		rc = store_put(st, STORE_DB_META, STR(DIGEST_META_KEY), buf_str(&b));
	}
	if (rc == 0) {
		rc = store_flush(st);
	}
	explicit_bzero(mem, sizeof(mem));
	return rc;
}

int digest_set_realm(struct digest *d, struct str realm)
{
	if (realm.len > DIGEST_REALM_MAX) {
		return -EINVAL;
	}
	memcpy(d->realm, realm.p, realm.len);
	d->realm[realm.len] = '\0';
	return 0;
}

int digest_init(struct digest *d, struct store *st, struct str realm, uint32_t lifetime_s)
{
	int rc;

	memset(d, 0, sizeof(*d));
	rc = digest_set_realm(d, realm);
	if (rc < 0) {
		return rc;
	}
	d->lifetime_s = lifetime_s ? lifetime_s : DIGEST_NONCE_LIFETIME_DEFAULT;
	rand_bytes(d->dummy_ha1, sizeof(d->dummy_ha1));
	rc = secret_load(st, d->secret);
	if (rc == -ENOENT) {
		rc = secret_create(st, d->secret);
	}
	if (rc < 0) {
		explicit_bzero(d, sizeof(*d));
	}
	return rc;
}

void digest_close(struct digest *d)
{
	explicit_bzero(d, sizeof(*d));
}

void digest_nonce_make(
	const struct digest *d, uint64_t now_s, struct str bind, char out[DIGEST_NONCE_LEN + 1])
{
	uint8_t raw[DIGEST_NONCE_RAW];

	be64_put(raw, now_s);
	rand_bytes(raw + 8, 8);
	nonce_mac(d, raw, bind, raw + DIGEST_NONCE_ID);
	hex_put(out, raw, sizeof(raw));
	out[DIGEST_NONCE_LEN] = '\0';
}

void digest_challenge_put(const struct digest *d, enum digest_alg alg, struct str nonce,
	struct str opaque, bool stale, struct buf *b)
{
	/* RFC 3261 25.1: qop-options and realm are quoted strings, algorithm
	 * a token (RFC 7616 3.3); the realm (a host name) and our nonce (hex)
	 * need no escaping. */
	buf_printf(b, "Digest realm=\"%s\", nonce=\"%.*s\", algorithm=%s, qop=\"auth\"", d->realm,
		STR_FMT(nonce), digest_alg_name(alg));
	if (opaque.len) {
		buf_printf(b, ", opaque=\"%.*s\"", STR_FMT(opaque));
	}
	if (stale) {
		buf_put_cstr(b, ", stale=true");
	}
}

/* The nonce-count slot of id, or NULL. */
static struct digest_nc_slot *slot_find(struct digest *d, const uint8_t *id)
{
	for (size_t i = 0; i < DIGEST_NC_SLOTS; i++) {
		if (d->slots[i].nc && memcmp(d->slots[i].id, id, DIGEST_NONCE_ID) == 0) {
			return &d->slots[i];
		}
	}
	return NULL;
}

/* A free slot or one of an expired nonce, else the least recently used
 * one, whose nonce then may not be used again (evicted_ts). */
static struct digest_nc_slot *slot_take(struct digest *d, uint64_t now_s)
{
	struct digest_nc_slot *old = &d->slots[0];

	for (size_t i = 0; i < DIGEST_NC_SLOTS; i++) {
		uint64_t ts = be64_get(d->slots[i].id);
		if (!d->slots[i].nc || ts > now_s || now_s - ts > d->lifetime_s) {
			return &d->slots[i];
		}
		if (d->slots[i].used < old->used) {
			old = &d->slots[i];
		}
	}
	if (be64_get(old->id) > d->evicted_ts) {
		d->evicted_ts = be64_get(old->id);
	}
	return old;
}

static bool nc_parse(struct str s, uint32_t *nc)
{
	uint8_t b[4];

	/* RFC 7616 3.4: nc is exactly 8 hex digits. */
	if (!hex_get(s, b, sizeof(b), false)) {
		return false;
	}
	*nc = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	return *nc != 0;
}

enum digest_result digest_verify(struct digest *d, struct store_txn *txn,
	const struct digest_creds *c, struct str method, struct str bind, uint64_t now_s)
{
	uint8_t raw[DIGEST_NONCE_RAW];
	uint8_t mac[DIGEST_NONCE_MAC];
	uint8_t got[DIGEST_HASH_MAX];
	uint8_t want[DIGEST_HASH_MAX];
	struct users_user u;
	const uint8_t *ha1;
	struct digest_nc_slot *slot;
	enum digest_alg alg;
	uint32_t nc;
	uint64_t ts;
	bool authentic;
	bool known;
	bool same;

	if (c->username.len == 0 || c->uri.len == 0 || c->cnonce.len == 0 ||
		digest_alg_parse(c->algorithm, &alg) < 0 || !str_ieq(c->qop, STR("auth")) ||
		!nc_parse(c->nc, &nc) || !hex_get(c->response, got, digest_alg_len(alg), false)) {
		return DIGEST_MALFORMED;
	}
	/* A nonce we did not make for this client: the work done so far
	 * does not depend on the user, so this says nothing about users. */
	authentic = hex_get(c->nonce, raw, sizeof(raw), true);
	if (authentic) {
		nonce_mac(d, raw, bind, mac);
		authentic = str_ct_eq(mac, raw + DIGEST_NONCE_ID, sizeof(mac));
	}
	if (!authentic) {
		return DIGEST_FOREIGN;
	}
	/* From here on an unknown user and a known one do the same work:
	 * the store lookup, one response computation, one compare. */
	known = users_get(txn, c->username, &u) == 0;
	ha1 = known ? u.ha1[alg] : d->dummy_ha1[alg];
	digest_response(alg, ha1, c, method, want);
	same = str_ct_eq(got, want, digest_alg_len(alg));
	explicit_bzero(&u, sizeof(u));
	explicit_bzero(want, sizeof(want));
	if (!same || !known || !str_eq(c->realm, str_cstr(d->realm))) {
		return DIGEST_BAD;
	}
	/* Right password from here. RFC 7616 3.3: stale=true only when the
	 * response was right and only the nonce is too old. */
	ts = be64_get(raw);
	if (ts > now_s || now_s - ts > d->lifetime_s) {
		return DIGEST_STALE;
	}
	slot = slot_find(d, raw);
	if (slot) {
		if (nc <= slot->nc) {
			return DIGEST_REPLAY;
		}
	} else {
		if (ts <= d->evicted_ts) {
			return DIGEST_STALE;
		}
		slot = slot_take(d, now_s);
		memcpy(slot->id, raw, DIGEST_NONCE_ID);
	}
	slot->nc = nc;
	slot->used = ++d->clock;
	return DIGEST_OK;
}
