/* A minimal table-driven unit test runner. Each tests/unit/test_<module>.c
 * exports one suite; main.c lists them. A CHECK failure is reported with
 * file, line and the expression, and the test goes on. */
#ifndef TESTS_UNIT_H
#define TESTS_UNIT_H

#include <stddef.h>
#include <stdio.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
};

struct unit_suite {
	const char *name;
	const struct unit_test *tests;
	size_t n;
};

#define UNIT_SUITE(mod, ...)                                                 \
	static const struct unit_test unit_tests_##mod[] = { __VA_ARGS__ };  \
	const struct unit_suite unit_suite_##mod = { #mod, unit_tests_##mod, \
		sizeof(unit_tests_##mod) / sizeof(unit_tests_##mod[0]) }
#define UNIT_TEST(fn)   \
	{               \
#fn, fn \
	}

void unit_fail(const char *file, int line, const char *expr);
/* A scratch folder for this test run (created once, removed at exit). */
const char *unit_tmpdir(void);
struct store;
/* Opens (creating it) the store unit_tmpdir()/name with a 1 MiB map;
 * NULL on failure. */
struct store *unit_store_open(const char *name);

#define CHECK(c)                                           \
	do {                                               \
		if (!(c)) {                                \
			unit_fail(__FILE__, __LINE__, #c); \
		}                                          \
	} while (0)

#define CHECK_INT(a, b)                                                                      \
	do {                                                                                 \
		long long a_ = (long long)(a), b_ = (long long)(b);                          \
		if (a_ != b_) {                                                              \
			char m_[256];                                                        \
			snprintf(m_, sizeof(m_), "%s == %s (%lld != %lld)", #a, #b, a_, b_); \
			unit_fail(__FILE__, __LINE__, m_);                                   \
		}                                                                            \
	} while (0)

#endif
