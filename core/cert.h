/* The box's TLS credential: one certificate chain and its EC P-256 private
 * key, kept in the store (STORE_DB_CERTS, key "server").
 *
 * Either self-signed, made here on first start for the SIP domain (an EC
 * P-256 key and an X.509 v3 certificate: CN and subjectAltName = the
 * domain, valid from an hour ago for 10 years, random 128-bit serial,
 * ecdsa-with-SHA256, CA:false, digitalSignature, serverAuth), or imported
 * by the admin as PEM. A self-signed certificate follows the domain: when
 * the domain changes, cert_ensure() makes a new one. An imported chain is
 * never replaced here: the admin imports a new one (or deletes it, and the
 * next cert_ensure() makes a self-signed one).
 *
 * Only EC P-256 keys are accepted for now (P-256 is what every TLS 1.2
 * client verifies). RSA is refused with a clear message; supporting it
 * would cost about 4 KB of BearSSL RSA signing code (measured on x86_64)
 * plus the ECDHE-RSA suites and RSA key checks here.
 *
 * Record (version 1): u8 version, u8 origin (1 self-signed, 2 imported),
 * str domain (self-signed: the domain it was made for), varint n, n str
 * DER certificates (leaf first), str private key (DER, RFC 5915
 * ECPrivateKey). Keys in memory are wiped after use.
 *
 * Threads: cert_ensure() and cert_import_pem() write, so the loop thread
 * (or a CLI process); the others read through any store_txn. */
#ifndef CORE_CERT_H
#define CORE_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "autoconf.h"
#include "core/store.h"
#include "core/str.h"
#include "core/tls.h"

#if !ENABLE_TLS
#error "core/cert.h is only for builds with CONFIG_TLS"
#endif

#define CERT_DOMAIN_MAX 253
/* All DER certificates of an imported chain, in bytes. */
#define CERT_CHAIN_BYTES_MAX 16384
/* The longest name kept in struct cert_info (longer ones are cut). */
#define CERT_NAME_MAX 253

struct cert_info {
	bool imported;
	/* Self-signed: the domain it was made for; imported: empty. */
	char domain[CERT_DOMAIN_MAX + 1];
	/* The leaf's subject CN and first subjectAltName (DNS name or IP
	 * address as text); printable ASCII only ('?' elsewhere), "" when
	 * absent. */
	char cn[CERT_NAME_MAX + 1];
	char san[CERT_NAME_MAX + 1];
	int64_t not_before; /* Unix seconds */
	int64_t not_after;
	unsigned chain_len;
	/* The leaf's DER, valid as long as values read through the txn. */
	struct str leaf;
};

/* Makes a self-signed credential for domain (a DNS name or an IP
 * address) unless the store holds an imported one or a self-signed one for
 * this domain. Writes with store_put() and store_mark_durable(); the
 * caller flushes. Returns 1 when it made one, 0 when it kept the stored
 * one, or < 0 with a one-line reason in why (-EINVAL: bad domain; store
 * errors). A stored record that cannot be decoded is replaced (logged). */
int cert_ensure(struct store *st, const char *domain, char *why, size_t why_len);

/* Imports an admin's chain (PEM, leaf first, up to TLS_CHAIN_MAX
 * certificates) and private key (PEM: "EC PRIVATE KEY" or PKCS#8 "PRIVATE
 * KEY", unencrypted). key_pem may be NULL/0 when the key is in chain_pem.
 * Checks: valid X.509, P-256 key matching the leaf's public key, leaf not
 * expired. Replaces the stored credential (durable; the caller flushes).
 * 0, or -EINVAL/-ENOTSUP/-E2BIG with a one-line reason in why (e.g. "no
 * certificate in the certificate PEM", "the key does not match the
 * certificate"), or a store error. */
int cert_import_pem(struct store *st, const char *chain_pem, size_t chain_len, const char *key_pem,
	size_t key_len, char *why, size_t why_len);

/* Builds the TLS credential from the stored record; the caller owns the
 * reference (tls_server_unref). NULL with a reason in why when there is no
 * record or it is unusable. */
struct tls_server *cert_load(struct store_txn *t, char *why, size_t why_len);

/* Describes the stored credential: 0, -ENOENT (none), -EBADMSG. */
int cert_info_get(struct store_txn *t, struct cert_info *out);

/* The leaf fields of cert_info (cn, san, not_before, not_after, leaf) from
 * one DER certificate; a bounded reader, safe on any input. 0 or
 * -EBADMSG. */
int cert_parse(struct str der, struct cert_info *out);

#endif
