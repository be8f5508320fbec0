#include "core/rand.h"

#include <bearssl.h>
#include <errno.h>
#include <pthread.h>
#include <sys/random.h>

static pthread_mutex_t rand_mutex = PTHREAD_MUTEX_INITIALIZER;
static br_hmac_drbg_context rand_drbg;

int rand_init(void)
{
	unsigned char seed[48];
	size_t got = 0;

	while (got < sizeof(seed)) {
		ssize_t n = getrandom(seed + got, sizeof(seed) - got, 0);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -errno;
		}
		got += (size_t)n;
	}
	pthread_mutex_lock(&rand_mutex);
	br_hmac_drbg_init(&rand_drbg, &br_sha256_vtable, seed, sizeof(seed));
	pthread_mutex_unlock(&rand_mutex);
	explicit_bzero(seed, sizeof(seed));
	return 0;
}

void rand_bytes(void *out, size_t n)
{
	pthread_mutex_lock(&rand_mutex);
	br_hmac_drbg_generate(&rand_drbg, out, n);
	pthread_mutex_unlock(&rand_mutex);
}

void rand_hex(char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[32];

	for (size_t i = 0; i < n; i++) {
		if (i % sizeof(b) == 0) {
			rand_bytes(b, sizeof(b));
		}
		out[2 * i] = hex[b[i % sizeof(b)] >> 4];
		out[2 * i + 1] = hex[b[i % sizeof(b)] & 15];
	}
	out[2 * n] = '\0';
}
