#include "core/buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void buf_init(struct buf *b, void *mem, size_t cap)
{
	b->p = mem;
	b->len = 0;
	b->cap = cap;
	b->err = 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->err = 0;
}

void buf_put(struct buf *b, const void *p, size_t n)
{
	if (b->err) {
		return;
	}
	if (n > b->cap - b->len) {
		b->err = -ENOSPC;
		return;
	}
	if (n) {
		memcpy(b->p + b->len, p, n);
	}
	b->len += n;
}

void buf_put_str(struct buf *b, struct str s)
{
	buf_put(b, s.p, s.len);
}

void buf_put_cstr(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

void buf_put_char(struct buf *b, char c)
{
	buf_put(b, &c, 1);
}

void buf_put_u64(struct buf *b, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_put(b, tmp + i, sizeof(tmp) - i);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->err) {
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = -EINVAL;
	} else if ((size_t)n >= b->cap - b->len) {
		b->err = -ENOSPC;
	} else {
		b->len += (size_t)n;
	}
}

void buf_put_be8(struct buf *b, uint8_t v)
{
	buf_put(b, &v, 1);
}

void buf_put_be16(struct buf *b, uint16_t v)
{
	uint8_t t[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	buf_put(b, t, sizeof(t));
}

void buf_put_be32(struct buf *b, uint32_t v)
{
	uint8_t t[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	buf_put(b, t, sizeof(t));
}

void buf_put_be64(struct buf *b, uint64_t v)
{
	buf_put_be32(b, (uint32_t)(v >> 32));
	buf_put_be32(b, (uint32_t)v);
}

const char *buf_cstr(struct buf *b)
{
	if (b->err == 0 && b->len < b->cap) {
		b->p[b->len] = '\0';
		return b->p;
	}
	if (b->err == 0) {
		b->err = -ENOSPC;
	}
	return NULL;
}

void buf_put_date(struct buf *b, uint64_t unix_s)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
		"Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)unix_s;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || tm.tm_wday < 0 || tm.tm_wday > 6 || tm.tm_mon < 0 ||
		tm.tm_mon > 11) {
		if (!b->err) {
			b->err = -EINVAL;
		}
		return;
	}
	buf_printf(b, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
		months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
