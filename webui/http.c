#include "webui/http.h"

#include <civetweb.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/server.h"

static struct mg_context *web_ctx;

static const char index_html[] =
	"<!doctype html><html><head><meta charset=\"utf-8\"><title>sipbox</title></head>"
	"<body><h1>sipbox</h1><p>The server is running. The admin pages are not built yet; "
	"<a href=\"/api/status\">/api/status</a> shows its state.</p></body></html>\n";

static int reply(struct mg_connection *conn, int code, const char *type, struct str body)
{
	mg_printf(conn,
		"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		"Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\r\n",
		code, mg_get_response_code_text(conn, code), type, body.len);
	mg_write(conn, body.p, body.len);
	return code;
}

static int only_get(struct mg_connection *conn)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);

	if (strcmp(ri->request_method, "GET") != 0 && strcmp(ri->request_method, "HEAD") != 0) {
		mg_printf(conn,
			"HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\n"
			"Content-Length: 0\r\n\r\n");
		return 0;
	}
	return 1;
}

static int on_index(struct mg_connection *conn, void *cbdata)
{
	(void)cbdata;
	if (!only_get(conn)) {
		return 405;
	}
	if (strcmp(mg_get_request_info(conn)->local_uri, "/") != 0) {
		return reply(conn, 404, "text/plain", STR("not found\n"));
	}
	return reply(conn, 200, "text/html; charset=utf-8", STR(index_html));
}

static int on_status(struct mg_connection *conn, void *cbdata)
{
	struct server_status s;
	char mem[2048];
	struct buf b;
	int rc;

	(void)cbdata;
	if (!only_get(conn)) {
		return 405;
	}
	rc = server_snapshot(&s);
	if (rc < 0) {
		return reply(conn, 503, "application/json", STR("{\"error\":\"server busy\"}\n"));
	}
	buf_init(&b, mem, sizeof(mem));
	buf_printf(&b,
		"{\"version\":\"%s\",\"board\":\"%s\",\"uptime_s\":%llu,"
		"\"domain\":\"%s\",\"store_schema\":%u,\"users\":%zu,\"pools\":[",
		SIPBOX_VERSION, CONFIG_BOARD, (unsigned long long)s.uptime_s, s.domain, s.schema,
		s.users);
	for (int i = 0; i < SERVER_POOLS; i++) {
		buf_printf(&b, "%s{\"name\":\"%s\",\"used\":%zu,\"high\":%zu,\"cap\":%zu}",
			i ? "," : "", s.pools[i].name, s.pools[i].used, s.pools[i].high,
			s.pools[i].cap);
	}
	buf_printf(&b,
		"],\"sip\":{\"requests\":%llu,\"responses\":%llu,\"malformed\":%llu,"
		"\"dropped\":%llu},",
		(unsigned long long)s.sip.requests, (unsigned long long)s.sip.responses_sent,
		(unsigned long long)s.sip.malformed, (unsigned long long)s.sip.dropped);
	buf_printf(&b,
		"\"registrar\":{\"registers\":%llu,\"updated\":%llu,\"fetched\":%llu,"
		"\"refused\":%llu,\"store_failed\":%llu,\"expired\":%llu,"
		"\"registered_users\":%llu,\"bindings\":%llu},",
		(unsigned long long)s.reg.registers, (unsigned long long)s.reg.updated,
		(unsigned long long)s.reg.fetched, (unsigned long long)s.reg.refused,
		(unsigned long long)s.reg.store_failed, (unsigned long long)s.reg.expired,
		(unsigned long long)s.location.users, (unsigned long long)s.location.bindings);
	buf_printf(&b,
		"\"auth\":{\"ok\":%llu,\"challenged\":%llu,\"failed\":%llu,\"stale\":%llu,"
		"\"replayed\":%llu,\"throttled\":%llu,\"blocked_now\":%zu,\"blocks\":%llu},",
		(unsigned long long)s.auth.ok, (unsigned long long)s.auth.challenged,
		(unsigned long long)s.auth.failed, (unsigned long long)s.auth.stale,
		(unsigned long long)s.auth.replayed, (unsigned long long)s.auth.sources.waits,
		s.auth.sources.blocked, (unsigned long long)s.auth.sources.blocks);
	buf_printf(&b,
		"\"proxy\":{\"requests\":%llu,\"branches\":%llu,\"not_found\":%llu,"
		"\"offline\":%llu,\"denied\":%llu,\"stateless\":%llu,\"stored\":%llu,"
		"\"delivered\":%llu}}\n",
		(unsigned long long)s.proxy.requests, (unsigned long long)s.proxy.branches,
		(unsigned long long)s.proxy.not_found, (unsigned long long)s.proxy.offline,
		(unsigned long long)s.proxy.denied, (unsigned long long)s.proxy.stateless,
		(unsigned long long)s.proxy.stored, (unsigned long long)s.proxy.delivered);
	if (b.err) {
		return reply(
			conn, 500, "application/json", STR("{\"error\":\"status too large\"}\n"));
	}
	return reply(conn, 200, "application/json", buf_str(&b));
}

static int on_civetweb_log(const struct mg_connection *conn, const char *msg)
{
	(void)conn;
	log_warn("http: %s", msg);
	return 1;
}

int webui_start(const struct addr *a, struct store *st, char *where, size_t cap)
{
	char ports[ADDR_STR_MAX];
	char threads[16];
	struct mg_callbacks cb = { .log_message = on_civetweb_log };
	struct mg_server_port sp;
	struct addr bound;
	const char *opts[] = {
		"listening_ports",
		ports,
		"num_threads",
		threads,
		"request_timeout_ms",
		"10000",
		"enable_keep_alive",
		"yes",
		"keep_alive_timeout_ms",
		"5000",
		NULL,
	};

	(void)st;
	addr_format(a, ports, sizeof(ports));
	snprintf(threads, sizeof(threads), "%d", CONFIG_WEBUI_THREADS);
	mg_init_library(0);
	web_ctx = mg_start(&cb, NULL, opts);
	if (!web_ctx) {
		return -EADDRNOTAVAIL;
	}
	mg_set_request_handler(web_ctx, "/api/status", on_status, NULL);
	mg_set_request_handler(web_ctx, "/", on_index, NULL);
	/* Port 0 asks for any free port: report the one we got. */
	bound = *a;
	if (mg_get_server_ports(web_ctx, 1, &sp) == 1) {
		if (bound.u.sa.sa_family == AF_INET6) {
			bound.u.in6.sin6_port = htons((uint16_t)sp.port);
		} else {
			bound.u.in4.sin_port = htons((uint16_t)sp.port);
		}
	}
	addr_format(&bound, where, cap);
	return 0;
}

void webui_stop(void)
{
	if (web_ctx) {
		mg_stop(web_ctx);
		web_ctx = NULL;
		mg_exit_library();
	}
}
