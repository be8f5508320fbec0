#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "tests/unit/unit.h"

static void alloc_align_full_reset(void)
{
	char mem[256];
	struct arena a;
	void *p;

	arena_init(&a, mem + 1, sizeof(mem) - 1); /* misaligned on purpose */
	p = arena_alloc(&a, 3);
	CHECK(p != NULL);
	CHECK((uintptr_t)p % alignof(max_align_t) == 0);
	p = arena_alloc(&a, 5);
	CHECK((uintptr_t)p % alignof(max_align_t) == 0);
	CHECK(arena_alloc(&a, 4096) == NULL);
	CHECK(arena_alloc(&a, SIZE_MAX) == NULL);
	size_t high = a.high;
	arena_reset(&a);
	CHECK_INT(a.used, 0);
	CHECK_INT(a.high, high);
	CHECK(arena_alloc(&a, 200) != NULL);
}

static void strdup_copies(void)
{
	char mem[64];
	struct arena a;
	char src[] = "alice";
	char *d;

	arena_init(&a, mem, sizeof(mem));
	d = arena_strdup(&a, str_make(src, 3));
	CHECK(d && strcmp(d, "ali") == 0);
	src[0] = 'X';
	CHECK(d[0] == 'a');
}

UNIT_SUITE(arena, UNIT_TEST(alloc_align_full_reset), UNIT_TEST(strdup_copies));
