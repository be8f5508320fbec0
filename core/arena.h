/* Bump allocator over caller memory: one arena per received message, freed
 * in one call (arena_reset). Single-threaded; no destructor runs. */
#ifndef CORE_ARENA_H
#define CORE_ARENA_H

#include <stddef.h>

#include "core/str.h"

struct arena {
	char *base;
	size_t size;
	size_t used;
	size_t high; /* high-water mark, for sizing the Kconfig limit */
};

void arena_init(struct arena *a, void *mem, size_t size);
/* Memory aligned for any type, or NULL when the arena is full (the caller
 * rejects the one message). Valid until arena_reset. */
void *arena_alloc(struct arena *a, size_t n);
/* NUL-terminated copy of s, or NULL when full. */
char *arena_strdup(struct arena *a, struct str s);
void arena_reset(struct arena *a);

#endif
