#include "core/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <string.h>

void arena_init(struct arena *a, void *mem, size_t size)
{
	uintptr_t p = (uintptr_t)mem;
	uintptr_t aligned = (p + alignof(max_align_t) - 1) & ~(uintptr_t)(alignof(max_align_t) - 1);
	size_t skip = (size_t)(aligned - p);

	a->base = (char *)aligned;
	a->size = size > skip ? size - skip : 0;
	a->used = 0;
	a->high = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
	size_t al = alignof(max_align_t);
	size_t start = (a->used + al - 1) & ~(al - 1);

	if (start > a->size || n > a->size - start) {
		return NULL;
	}
	a->used = start + n;
	if (a->used > a->high) {
		a->high = a->used;
	}
	return a->base + start;
}

char *arena_strdup(struct arena *a, struct str s)
{
	char *p = arena_alloc(a, s.len + 1);

	if (p) {
		if (s.len) {
			memcpy(p, s.p, s.len);
		}
		p[s.len] = '\0';
	}
	return p;
}

void arena_reset(struct arena *a)
{
	a->used = 0;
}
