/* Cryptographic randomness: BearSSL's HMAC-DRBG (SHA-256) seeded from the
 * kernel (getrandom). For nonces, tags, branch ids, tokens and keys. Any
 * thread (a mutex guards the generator). */
#ifndef CORE_RAND_H
#define CORE_RAND_H

#include <stddef.h>

/* Seeds the generator; -errno when the kernel gives no entropy. */
int rand_init(void);
void rand_bytes(void *out, size_t n);
/* 2 * n lowercase hex digits and a NUL into out (which holds 2n + 1). */
void rand_hex(char *out, size_t n);

#endif
