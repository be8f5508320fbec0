/* The running server: opens the store, sets up the loop, signals, the
 * command queue, the housekeeping tick and the enabled subsystems, runs
 * until SIGTERM/SIGINT, and stops cleanly (store committed, synced and
 * closed, no partial write). */
#ifndef CORE_SERVER_H
#define CORE_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/pool.h"
#include "sip/auth.h"
#include "sip/endpoint.h"
#include "sip/location.h"
#include "sip/proxy.h"
#include "sip/registrar.h"

struct server_opts {
	const char *data_dir;
	const char *domain; /* NULL: keep the stored one */
	bool have_http;
	struct addr http;
	bool have_sip;
	struct addr sip;
	bool have_sips;
	struct addr sips;
};

/* A consistent picture of the server for the web UI, taken on the loop
 * thread (server_snapshot through cmdq). */
#define SERVER_POOLS 5
struct server_status {
	uint64_t uptime_s;
	unsigned schema;
	size_t users;
	char domain[254];
	struct pool_stats pools[SERVER_POOLS];
	struct sip_endpoint_stats sip;
	struct registrar_stats reg;
	struct location_stats location;
	struct auth_stats auth;
	struct proxy_stats proxy;
};

/* Returns the process exit status: 0 after a clean stop, 2 when the data
 * folder or a setting is unusable, 1 for other start-up failures. */
int server_run(const struct server_opts *o);
/* Any thread but the loop's: fills *out through the command queue; 0, or
 * an error of cmdq_call. */
int server_snapshot(struct server_status *out);

#endif
