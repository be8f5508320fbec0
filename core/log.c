#include "core/log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

struct log_line {
	uint64_t seq;
	uint64_t unix_ms;
	enum log_level level;
	char text[LOG_LINE_MAX];
};

static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;
/* Read without the mutex by every log call, so atomic. */
static atomic_int log_level_cur = LOG_LEVEL_INFO;
static enum log_sink log_sink_cur = LOG_SINK_STDERR;
static uint64_t log_seq;
#if CONFIG_LOG_RING_LINES > 0
static struct log_line log_ring[CONFIG_LOG_RING_LINES];
#endif

static const char *const log_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

static const int log_syslog_prio[] = {
	[LOG_LEVEL_ERROR] = LOG_ERR,
	[LOG_LEVEL_WARN] = LOG_WARNING,
	[LOG_LEVEL_INFO] = LOG_INFO,
	[LOG_LEVEL_DEBUG] = LOG_DEBUG,
};

void log_init(enum log_level level, enum log_sink sink)
{
	atomic_store(&log_level_cur, (int)level);
	log_sink_cur = sink;
	if (sink == LOG_SINK_SYSLOG) {
		openlog("sipbox", LOG_PID, LOG_DAEMON);
	}
}

void log_set_level(enum log_level level)
{
	atomic_store(&log_level_cur, (int)level);
}

int log_level_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++) {
		if (strcmp(s, log_names[i]) == 0 || (s[0] == (char)('0' + i) && s[1] == '\0')) {
			return (int)i;
		}
	}
	return -1;
}

const char *log_level_name(enum log_level level)
{
	return (unsigned)level <= LOG_LEVEL_DEBUG ? log_names[level] : "?";
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char text[LOG_LINE_MAX];
	struct timespec ts;
	uint64_t unix_ms;
	va_list ap;

	if ((int)level > atomic_load(&log_level_cur)) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	unix_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;

	pthread_mutex_lock(&log_mutex);
	log_seq++;
#if CONFIG_LOG_RING_LINES > 0
	struct log_line *l = &log_ring[log_seq % CONFIG_LOG_RING_LINES];
	l->seq = log_seq;
	l->unix_ms = unix_ms;
	l->level = level;
	memcpy(l->text, text, sizeof(text));
#endif
	if (log_sink_cur == LOG_SINK_SYSLOG) {
		syslog(log_syslog_prio[level], "%s", text);
	} else if (log_sink_cur == LOG_SINK_STDERR) {
		struct tm tm;
		time_t t = ts.tv_sec;
		gmtime_r(&t, &tm);
		fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s: %s\n", tm.tm_year + 1900,
			tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			(int)(ts.tv_nsec / 1000000), log_names[level], text);
	}
	pthread_mutex_unlock(&log_mutex);
}

bool log_rl_allow(struct log_rl *rl, uint64_t now_ms)
{
	if (now_ms - rl->window_start >= LOG_RL_WINDOW_MS || rl->window_start == 0) {
		if (rl->suppressed) {
			log_warn("(%u similar messages suppressed)", rl->suppressed);
		}
		rl->window_start = now_ms ? now_ms : 1;
		rl->count = 0;
		rl->suppressed = 0;
	}
	if (rl->count < LOG_RL_BURST) {
		rl->count++;
		return true;
	}
	rl->suppressed++;
	return false;
}

uint64_t log_ring_foreach(uint64_t after_seq,
	void (*fn)(
		void *arg, uint64_t seq, uint64_t unix_ms, enum log_level level, const char *line),
	void *arg)
{
	uint64_t newest;

	pthread_mutex_lock(&log_mutex);
	newest = log_seq;
#if CONFIG_LOG_RING_LINES > 0
	uint64_t first = newest > CONFIG_LOG_RING_LINES ? newest - CONFIG_LOG_RING_LINES + 1 : 1;
	if (after_seq >= newest) {
		first = newest + 1;
	} else if (first <= after_seq) {
		first = after_seq + 1;
	}
	for (uint64_t s = first; s <= newest; s++) {
		const struct log_line *l = &log_ring[s % CONFIG_LOG_RING_LINES];
		fn(arg, l->seq, l->unix_ms, l->level, l->text);
	}
#else
	(void)after_seq;
	(void)fn;
	(void)arg;
#endif
	pthread_mutex_unlock(&log_mutex);
	return newest;
}
