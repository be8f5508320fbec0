#include "core/server.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "autoconf.h"
#include "core/cmdq.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/rand.h"
#include "core/settings.h"
#include "core/sig.h"
#include "core/store.h"
#include "core/users.h"
#include "sip/auth.h"
#include "sip/endpoint.h"
#include "sip/proxy.h"
#include "sip/registrar.h"
#include "sip/tport.h"
#include "sip/tsx.h"
#if ENABLE_SIP_TLS
#include "core/cert.h"
#endif
#include "webui/http.h"

/* How long a web thread waits for the loop before answering 503. */
#define SERVER_CMD_TIMEOUT_MS 5000

static struct store *srv_store;
static uint64_t srv_started_ms;
static char srv_domain[254];
static bool srv_sip_up;
static bool srv_tls_up;

static void on_stop(int signo)
{
	(void)signo;
	loop_stop();
}

static void reg_limits(struct store_txn *t, struct registrar_limits *l)
{
	l->min_expires = settings_get_uint(t, SETTINGS_REG_MIN_EXPIRES);
	l->max_expires = settings_get_uint(t, SETTINGS_REG_MAX_EXPIRES);
	l->default_expires = settings_get_uint(t, SETTINGS_REG_DEFAULT_EXPIRES);
	if (l->max_expires < l->min_expires) {
		log_warn("settings: reg_max_expires_s %u is below reg_min_expires_s %u: using %u",
			l->max_expires, l->min_expires, l->min_expires);
		l->max_expires = l->min_expires;
	}
	if (l->default_expires > l->max_expires) {
		l->default_expires = l->max_expires;
	}
}

static void proxy_limits(struct store_txn *t, struct proxy_limits *l)
{
	l->ring_ms = settings_get_uint(t, SETTINGS_PROXY_RING_S) * 1000;
	l->retention_s = settings_get_uint(t, SETTINGS_MSG_RETENTION_S);
	{
		char ob[SETTINGS_VALUE_MAX + 1];
		const char *why;
		l->have_outbound = settings_get(t, SETTINGS_PROXY_OUTBOUND, ob, sizeof(ob)) == 0 &&
			strcmp(ob, "none") != 0 && addr_parse(ob, &l->outbound, &why) == 0;
	}
}

static void auth_limits(struct store_txn *t, struct throttle_cfg *c)
{
	c->throttle_after = settings_get_uint(t, SETTINGS_AUTH_THROTTLE_AFTER);
	c->block_after = settings_get_uint(t, SETTINGS_AUTH_BLOCK_AFTER);
	c->block_s = settings_get_uint(t, SETTINGS_AUTH_BLOCK_S);
	c->window_s = settings_get_uint(t, SETTINGS_AUTH_WINDOW_S);
}

static void load_settings(void)
{
	struct store_txn *t = store_loop_txn(srv_store);
	uint32_t t1 = settings_get_uint(t, SETTINGS_SIP_T1);
	uint32_t t2 = settings_get_uint(t, SETTINGS_SIP_T2);
	uint32_t t4 = settings_get_uint(t, SETTINGS_SIP_T4);

	if (settings_get(t, SETTINGS_DOMAIN, srv_domain, sizeof(srv_domain)) < 0) {
		srv_domain[0] = '\0';
	}
	if (t2 < t1) {
		log_warn(
			"settings: sip_t2_ms %u is below sip_t1_ms %u: using the defaults", t2, t1);
		t1 = CONFIG_SIP_T1_MS;
		t2 = CONFIG_SIP_T2_MS;
	}
	sip_tsx_set_timers(t1, t2, t4);
	log_debug("settings: sip T1 %u ms, T2 %u ms, T4 %u ms", t1, t2, t4);
}

static void reload_tls(void);

static void on_reload(void)
{
	load_settings();
	sip_endpoint_set_domain(srv_domain);
	if (srv_sip_up) {
		struct registrar_limits l;
		struct proxy_limits pl;
		struct throttle_cfg c;
		reg_limits(store_loop_txn(srv_store), &l);
		proxy_limits(store_loop_txn(srv_store), &pl);
		auth_limits(store_loop_txn(srv_store), &c);
		registrar_set_limits(&l);
		proxy_set_limits(&pl);
		auth_reload(srv_domain, &c);
	}
	reload_tls();
	log_info("settings reloaded: domain %s, sip T1 %u ms",
		srv_domain[0] ? srv_domain : "(not set)",
		settings_get_uint(store_loop_txn(srv_store), SETTINGS_SIP_T1));
}

static void on_iteration_end(void)
{
	store_flush(srv_store);
}

static void on_tick(uint64_t now_ms)
{
	(void)now_ms;
	if (srv_sip_up) {
		registrar_tick(loop_wall());
		proxy_tick(loop_wall());
	}
	store_tick(srv_store);
}

static void snapshot_run(struct cmdq_cmd *cmd)
{
	struct server_status *s = cmd->arg;

	s->uptime_s = (loop_now() - srv_started_ms) / 1000;
	s->schema = store_schema(srv_store);
	s->users = store_count(store_loop_txn(srv_store), STORE_DB_USERS);
	memcpy(s->domain, srv_domain, sizeof(s->domain));
	loop_fd_stats(&s->pools[0]);
	timer_stats(&s->pools[1]);
	s->pools[2] = (struct pool_stats){ "transactions", 0, 0, 0 };
	s->pools[3] = (struct pool_stats){ "auth sources", 0, 0, 0 };
	s->pools[4] = (struct pool_stats){ "proxy contexts", 0, 0, 0 };
	memset(&s->proxy, 0, sizeof(s->proxy));
	memset(&s->sip, 0, sizeof(s->sip));
	memset(&s->reg, 0, sizeof(s->reg));
	memset(&s->location, 0, sizeof(s->location));
	memset(&s->auth, 0, sizeof(s->auth));
	if (srv_sip_up) {
		sip_endpoint_stats(&s->sip, &s->pools[2]);
		registrar_stats(&s->reg);
		location_stats(store_loop_txn(srv_store), loop_wall(), &s->location);
		auth_stats(&s->auth);
		proxy_stats(&s->proxy, &s->pools[4]);
		s->pools[3].used = s->auth.sources.tracked;
		s->pools[3].high = s->auth.sources.tracked;
		s->pools[3].cap = s->auth.sources.cap;
	}
	cmdq_done(cmd, 0);
}

int server_snapshot(struct server_status *out)
{
	struct cmdq_cmd cmd = { .run = snapshot_run, .arg = out };

	return cmdq_call(&cmd, SERVER_CMD_TIMEOUT_MS);
}

/* The domain given on the command line is stored (durably) before the
 * server says it is ready; without one, the stored domain stays and a new
 * store gets the host name. */
static int apply_domain(const char *domain)
{
	char why[160];
	char host[254];
	struct str d;
	int rc;

	if (domain) {
		d = str_cstr(domain);
	} else {
		load_settings();
		if (srv_domain[0]) {
			return 0;
		}
		if (gethostname(host, sizeof(host)) < 0 || !settings_domain_valid(str_cstr(host))) {
			snprintf(host, sizeof(host), "sipbox.local");
		}
		d = str_cstr(host);
	}
	if (!settings_domain_valid(d)) {
		fprintf(stderr, "sipbox: --domain %s: not a valid host name\n", domain);
		return -EINVAL;
	}
	load_settings();
	/* The users' digest HA1s are bound to the realm (= the domain). */
	rc = users_domain_change_check(
		store_loop_txn(srv_store), str_cstr(srv_domain), d, why, sizeof(why));
	if (rc < 0) {
		fprintf(stderr, "sipbox: --domain %s: %s\n", domain, why);
		return rc;
	}
	rc = settings_put(srv_store, SETTINGS_DOMAIN, d);
	if (rc == 0) {
		rc = store_flush(srv_store);
	}
	if (rc < 0) {
		fprintf(stderr, "sipbox: cannot store the domain: %s\n", store_strerror(rc));
		return rc;
	}
	load_settings();
	return 0;
}

#if ENABLE_SIP_TLS
/* RFC 3261 26.3.1 (sips): the box's certificate, self-signed for the
 * domain on first start (kept in the store, made again when the domain
 * changes) unless the admin imported one. NULL with a line on stderr. */
static struct tls_server *load_credential(void)
{
	char why[256];
	struct tls_server *srv;
	struct cert_info ci;
	int rc = cert_ensure(srv_store, srv_domain, why, sizeof(why));

	if (rc >= 0) {
		rc = store_flush(srv_store);
	}
	if (rc < 0) {
		log_error("sip: no TLS certificate: %s", rc == -EINVAL ? why : store_strerror(rc));
		return NULL;
	}
	srv = cert_load(store_loop_txn(srv_store), why, sizeof(why));
	if (!srv) {
		log_error("sip: cannot use the stored TLS certificate: %s", why);
		return NULL;
	}
	if (cert_info_get(store_loop_txn(srv_store), &ci) == 0) {
		char until[32];
		time_t t = (time_t)ci.not_after;
		struct tm tm;
		strftime(until, sizeof(until), "%Y-%m-%d", gmtime_r(&t, &tm));
		log_info("sip: TLS certificate: %s, CN=%s, valid until %s",
			ci.imported ? "imported" : "self-signed", ci.cn, until);
	}
	return srv;
}

static int start_tls(const struct addr *a)
{
	char where[ADDR_STR_MAX];
	struct tls_server *srv = load_credential();
	int rc;

	if (!srv) {
		return -EINVAL;
	}
	rc = sip_endpoint_listen_tls(a, srv, where, sizeof(where));
	if (rc < 0) {
		fprintf(stderr, "sipbox: --sips %s: cannot listen there: %s\n",
			addr_format(a, where, sizeof(where)), strerror(-rc));
		return rc;
	}
	srv_tls_up = true;
	log_info("sip: TLS listening on %s", where);
	return 0;
}

/* SIGHUP: an imported certificate, or a new domain's self-signed one,
 * serves the connections accepted from now on. */
static void reload_tls(void)
{
	struct tls_server *srv;

	if (!srv_tls_up) {
		return;
	}
	srv = load_credential();
	if (srv) {
		sip_tport_set_tls(srv);
	}
}
#else
static int start_tls(const struct addr *a)
{
	(void)a;
	return -ENOTSUP;
}

static void reload_tls(void)
{
}
#endif

static int start_registrar(void)
{
	struct registrar_limits l;
	struct proxy_limits pl;
	struct throttle_cfg c;
	int rc;

	reg_limits(store_loop_txn(srv_store), &l);
	auth_limits(store_loop_txn(srv_store), &c);
	rc = auth_init(srv_store, srv_domain, &c);
	if (rc < 0) {
		fprintf(stderr, "sipbox: cannot set up authentication: %s\n",
			rc == -ENOMEM ? "out of memory" : store_strerror(rc));
		sip_endpoint_stop();
		return rc;
	}
	registrar_init(srv_store, &l);
	proxy_limits(store_loop_txn(srv_store), &pl);
	if (proxy_init(srv_store, &pl) < 0) {
		fprintf(stderr, "sipbox: out of memory for the proxy contexts\n");
		registrar_fini();
		sip_endpoint_stop();
		auth_fini();
		return -ENOMEM;
	}
	return 0;
}

/* Everything between the open store and the loop; returns 0 or the exit
 * status. What it set up is torn down by stop_all() whatever failed. */
static int start(const struct server_opts *o)
{
	char where[ADDR_STR_MAX];
	int rc;

	if (loop_init(CONFIG_MAX_FDS, CONFIG_MAX_TIMERS) < 0) {
		fprintf(stderr, "sipbox: out of memory for the loop tables\n");
		return 1;
	}
	srv_started_ms = loop_now();
	if (apply_domain(o->domain) < 0) {
		return 2;
	}
	rc = sig_init(on_stop, on_reload);
	if (rc == 0) {
		rc = cmdq_init(CONFIG_CMDQ_MAX);
	}
	if (rc == 0) {
		rc = loop_tick_add(on_tick);
	}
	if (rc < 0) {
		fprintf(stderr, "sipbox: cannot set up the loop: %s\n", strerror(-rc));
		return 1;
	}
	loop_set_iteration_end(on_iteration_end);
	if (o->have_sip || o->have_sips) {
		sip_endpoint_set_domain(srv_domain);
		if (sip_endpoint_start() < 0) {
			fprintf(stderr, "sipbox: out of memory for the SIP tables\n");
			return 1;
		}
		load_settings(); /* the timers, over the Kconfig defaults */
		if (start_registrar() < 0) {
			return 1;
		}
		srv_sip_up = true;
	}
	if (o->have_sip) {
		rc = sip_endpoint_listen(&o->sip, where, sizeof(where));
		if (rc < 0) {
			fprintf(stderr, "sipbox: --sip %s: cannot listen there: %s\n",
				addr_format(&o->sip, where, sizeof(where)), strerror(-rc));
			return 2;
		}
		log_info("sip: listening on %s (UDP and TCP)", where);
	}
	if (o->have_sips && start_tls(&o->sips) < 0) {
		return 2;
	}
	if (o->have_http) {
		if (webui_start(&o->http, srv_store, where, sizeof(where)) < 0) {
			fprintf(stderr, "sipbox: --http %s: cannot listen there\n",
				addr_format(&o->http, where, sizeof(where)));
			return 2;
		}
		log_info("http: listening on %s", where);
	}
	return 0;
}

static void stop_all(void)
{
	cmdq_shutdown();
	webui_stop();
	if (srv_sip_up) {
		registrar_fini();
		proxy_fini();
		sip_endpoint_stop();
		auth_fini();
		srv_sip_up = false;
		srv_tls_up = false;
	}
	cmdq_fini();
	sig_fini();
	loop_fini();
	store_close(srv_store);
	srv_store = NULL;
}

int server_run(const struct server_opts *o)
{
	char why[256];
	int err = 0;
	int status;

	if (rand_init() < 0) {
		fprintf(stderr, "sipbox: no entropy from the kernel (getrandom)\n");
		return 1;
	}
	srv_store = store_open(o->data_dir, CONFIG_STORE_MAP_SIZE_MB, NULL, &err, why, sizeof(why));
	if (!srv_store) {
		fprintf(stderr, "sipbox: %s\n", why);
		return 2;
	}
	status = start(o);
	if (status == 0) {
		log_info("sipbox %s ready: data %s, domain %s, store schema %u", SIPBOX_VERSION,
			o->data_dir, srv_domain, store_schema(srv_store));
		int rc = loop_run();
		if (rc < 0) {
			log_error("poll failed: %s", strerror(-rc));
			status = 1;
		}
	}
	stop_all();
	if (status == 0) {
		log_info("stopped cleanly");
	}
	return status;
}
