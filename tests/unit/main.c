/* Runs every unit suite (or those whose name contains argv[1]) and ends
 * with the line "N passed, N failed". */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/store.h"
#include "tests/unit/unit.h"

/* clang-format off */
#define SUITES(X) \
	X(str) X(buf) X(arena) X(rec) X(log) X(timer) X(loop) X(store) X(cmdq) \
	X(addr) X(settings) X(rand) X(users) X(digest) X(throttle) \
	X(sip_parse) X(sip_msg) X(sip_tsx) X(sip_loopback) X(location) X(registrar) X(fork) X(callerprefs) \
	X(ringplan) X(msgstore) IF_TLS(X(tls) X(cert))
/* clang-format on */

#define DECLARE(m) extern const struct unit_suite unit_suite_##m;
SUITES(DECLARE)
#define LIST(m) &unit_suite_##m,
static const struct unit_suite *const suites[] = { SUITES(LIST) };

static int cur_failed;
static char tmpdir[64];

void unit_fail(const char *file, int line, const char *expr)
{
	printf("    %s:%d: check failed: %s\n", file, line, expr);
	cur_failed = 1;
}

const char *unit_tmpdir(void)
{
	if (!tmpdir[0]) {
		const char *base = getenv("TMPDIR");
		snprintf(tmpdir, sizeof(tmpdir), "%s/sipbox-unit.XXXXXX", base ? base : "/tmp");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			exit(1);
		}
	}
	return tmpdir;
}

struct store *unit_store_open(const char *name)
{
	char d[256];
	char why[256];
	int err;

	snprintf(d, sizeof(d), "%s/%s", unit_tmpdir(), name);
	return store_open(d, 1, NULL, &err, why, sizeof(why));
}

int main(int argc, char **argv)
{
	unsigned passed = 0;
	unsigned failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init(LOG_LEVEL_INFO, LOG_SINK_RING);
	for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		const struct unit_suite *su = suites[s];
		if (argc > 1 && !strstr(su->name, argv[1])) {
			continue;
		}
		for (size_t i = 0; i < su->n; i++) {
			cur_failed = 0;
			su->tests[i].fn();
			printf("%s - %s/%s\n", cur_failed ? "FAIL" : "ok", su->name,
				su->tests[i].name);
			if (cur_failed) {
				failed++;
			} else {
				passed++;
			}
		}
	}
	if (tmpdir[0]) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0) {
			printf("warning: could not remove %s\n", tmpdir);
		}
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
