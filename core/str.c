#include "core/str.h"

#include <errno.h>
#include <string.h>

struct str str_cstr(const char *s)
{
	return str_make(s, s ? strlen(s) : 0);
}

bool str_eq(struct str a, struct str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
}

bool str_ieq(struct str a, struct str b)
{
	if (a.len != b.len) {
		return false;
	}
	for (size_t i = 0; i < a.len; i++) {
		if (ascii_lower(a.p[i]) != ascii_lower(b.p[i])) {
			return false;
		}
	}
	return true;
}

bool str_has_prefix(struct str s, struct str prefix)
{
	return s.len >= prefix.len && str_eq(str_make(s.p, prefix.len), prefix);
}

struct str str_trim(struct str s)
{
	while (s.len && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.len--;
	}
	while (s.len && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t')) {
		s.len--;
	}
	return s;
}

ptrdiff_t str_find(struct str s, char c)
{
	const char *hit = s.len ? memchr(s.p, c, s.len) : NULL;
	return hit ? hit - s.p : -1;
}

int str_to_u32(struct str s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (s.len == 0) {
		return -EINVAL;
	}
	for (size_t i = 0; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9') {
			return -EINVAL;
		}
		v = v * 10 + (uint64_t)(s.p[i] - '0');
		if (v > max) {
			return -ERANGE;
		}
	}
	*out = (uint32_t)v;
	return 0;
}

int str_copy_cstr(struct str s, char *dst, size_t cap)
{
	if (cap == 0) {
		return -ENOSPC;
	}
	if (s.len >= cap) {
		dst[0] = '\0';
		return -ENOSPC;
	}
	if (s.len) {
		memcpy(dst, s.p, s.len);
	}
	dst[s.len] = '\0';
	return 0;
}

bool str_ct_eq(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a;
	const volatile unsigned char *y = b;
	unsigned char acc = 0;

	for (size_t i = 0; i < n; i++) {
		acc |= (unsigned char)(x[i] ^ y[i]);
	}
	return acc == 0;
}
