/* Occupancy of a fixed-capacity table, as every pool reports it (the web
 * UI and /metrics show them). */
#ifndef CORE_POOL_H
#define CORE_POOL_H

#include <stddef.h>

struct pool_stats {
	const char *name;
	size_t used;
	size_t high; /* high-water mark since start */
	size_t cap;
};

static inline void pool_stats_note(struct pool_stats *s)
{
	if (s->used > s->high) {
		s->high = s->used;
	}
}

#endif
