/* Logging: levels, to stderr or syslog, and an in-memory ring of recent
 * lines for the web UI. Any thread may log (a mutex orders the lines);
 * messages below CONFIG_LOG_LEVEL_MIN are compiled out. */
#ifndef CORE_LOG_H
#define CORE_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "autoconf.h"

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN = 1,
	LOG_LEVEL_INFO = 2,
	LOG_LEVEL_DEBUG = 3,
};

#define LOG_LINE_MAX 160

enum log_sink {
	LOG_SINK_STDERR,
	LOG_SINK_SYSLOG,
	LOG_SINK_RING, /* the ring only (unit tests) */
};

/* Before any thread starts. The ring is filled whatever the sink. */
void log_init(enum log_level level, enum log_sink sink);
void log_set_level(enum log_level level);
/* "error", "warn", "info", "debug" or 0..3; -1 when unknown. */
int log_level_parse(const char *s);
const char *log_level_name(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_at(lvl, ...)                             \
	do {                                         \
		if ((lvl) <= CONFIG_LOG_LEVEL_MIN) { \
			log_msg((lvl), __VA_ARGS__); \
		}                                    \
	} while (0)
#define log_error(...) log_at(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_at(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_at(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_at(LOG_LEVEL_DEBUG, __VA_ARGS__)

/* Rate limit for events that input can trigger at line rate (limits hit,
 * malformed packets): at most LOG_RL_BURST lines per LOG_RL_WINDOW_MS, then
 * one line saying how many were suppressed. Embed one per event kind. */
#define LOG_RL_BURST 5
#define LOG_RL_WINDOW_MS 10000
struct log_rl {
	uint64_t window_start;
	unsigned count;
	unsigned suppressed;
};
/* True when the caller may log now; now_ms is loop_now(). */
bool log_rl_allow(struct log_rl *rl, uint64_t now_ms);
#define log_ratelimited(rl, now, lvl, ...)          \
	do {                                        \
		if (log_rl_allow((rl), (now))) {    \
			log_at((lvl), __VA_ARGS__); \
		}                                   \
	} while (0)

/* Calls fn for each ring line with seq > after_seq (oldest first), under the
 * log mutex: fn must not log. Returns the newest sequence number. */
uint64_t log_ring_foreach(uint64_t after_seq,
	void (*fn)(
		void *arg, uint64_t seq, uint64_t unix_ms, enum log_level level, const char *line),
	void *arg);

#endif
