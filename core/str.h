/* Counted strings. A struct str points into memory it does not own (usually
 * a receive buffer or a store value); it is never assumed NUL-terminated and
 * lives as long as that memory. */
#ifndef CORE_STR_H
#define CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct str {
	const char *p;
	size_t len;
};

#define STR(lit) ((struct str){ (lit), sizeof(lit) - 1 })
#define STR_NULL ((struct str){ NULL, 0 })
/* printf("%.*s", STR_FMT(s)) */
#define STR_FMT(s) (int)(s).len, (s).p

static inline struct str str_make(const void *p, size_t len)
{
	return (struct str){ (const char *)p, len };
}

struct str str_cstr(const char *s);
bool str_eq(struct str a, struct str b);
/* ASCII case-insensitive equality (header names, tokens). */
bool str_ieq(struct str a, struct str b);
bool str_has_prefix(struct str s, struct str prefix);
/* Strips leading and trailing SP and HTAB. */
struct str str_trim(struct str s);
/* Index of the first c in s, or -1. */
ptrdiff_t str_find(struct str s, char c);
/* Decimal digits only, no sign, no spaces; -ERANGE above max, -EINVAL when
 * s is empty or holds a non-digit. */
int str_to_u32(struct str s, uint32_t max, uint32_t *out);
/* Copies s into a NUL-terminated buffer; -ENOSPC (and nothing written but
 * the NUL) when it does not fit. */
int str_copy_cstr(struct str s, char *dst, size_t cap);
/* Constant-time equality of two equal-length byte strings (digests, nonces,
 * tokens): the time depends on n only. */
bool str_ct_eq(const void *a, const void *b, size_t n);

#endif
