/* SIP over TCP (RFC 3261 18.3) and TLS (RFC 3261 26.3.1, 18.3 over a
 * core/tls engine): a fixed table of connections, framing by
 * Content-Length as a resumable scanner, CRLF keepalive (RFC 5626 3.5.1),
 * idle timeout and TLS handshake deadline swept by the housekeeping tick,
 * limits in total and per source address (TCP and TLS together), and a
 * bounded output queue of plaintext per connection. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "autoconf.h"
#include "core/log.h"
#include "core/loop.h"
#include "sip/sip_int.h"
#if ENABLE_SIP_TLS
#include "core/tls.h"
#endif

#define OUTQ_MAX (CONFIG_SIP_TCP_OUTQ_KB * 1024)

struct tcp_conn {
	struct loop_fd w;
	struct addr peer;
	uint32_t id; /* generation << 16 | index + 1; 0 = free */
	uint16_t gen;
	char *rx; /* CONFIG_SIP_MAX_MSG_SIZE + 1, while the connection lives */
	size_t rx_len;
	char *out;
	size_t out_len;
	uint64_t last_rx_ms;
	uint64_t accepted_ms;
	bool close_after_flush;
#if ENABLE_SIP_TLS
	struct tls_conn *tls; /* NULL for plain TCP */
#endif
};

struct tcp_listener {
	struct loop_fd w;
	struct addr local;
	bool used;
	bool tls;
};

static struct tcp_conn *conns;
static unsigned n_conns;
static unsigned high_conns;
static struct tcp_listener tcp_listeners[4];
#if ENABLE_SIP_TLS
static struct tls_server *tls_srv;
#endif
static struct log_rl rl_limit;
static bool tick_added;

static struct tcp_conn *conn_by_id(uint32_t id)
{
	unsigned idx = (id & 0xffff) - 1;

	if (!conns || idx >= CONFIG_SIP_MAX_TCP_CONNS || conns[idx].id != id) {
		return NULL;
	}
	return &conns[idx];
}

static bool conn_tls(const struct tcp_conn *c)
{
#if ENABLE_SIP_TLS
	return c->tls != NULL;
#else
	(void)c;
	return false;
#endif
}

static void tls_drop(struct tcp_conn *c)
{
#if ENABLE_SIP_TLS
	if (c->tls) {
		tls_conn_free(c->tls);
		free(c->tls);
		c->tls = NULL;
	}
#else
	(void)c;
#endif
}

static void conn_close(struct tcp_conn *c)
{
	tls_drop(c);
	loop_fd_del(&c->w);
	close(c->w.fd);
	free(c->rx);
	free(c->out);
	c->rx = c->out = NULL;
	c->rx_len = c->out_len = 0;
	c->id = 0;
	n_conns--;
}

static bool same_ip(const struct addr *a, const struct addr *b)
{
	if (a->u.sa.sa_family != b->u.sa.sa_family) {
		return false;
	}
	if (a->u.sa.sa_family == AF_INET6) {
		return memcmp(&a->u.in6.sin6_addr, &b->u.in6.sin6_addr, 16) == 0;
	}
	return a->u.in4.sin_addr.s_addr == b->u.in4.sin_addr.s_addr;
}

static void update_events(struct tcp_conn *c)
{
	unsigned ev = c->out_len ? LOOP_OUT : 0;

#if ENABLE_SIP_TLS
	/* The engine knows when it needs the socket: records to send, or
	 * room for more. Plaintext waiting for the engine waits for that. */
	if (c->tls) {
		ev = tls_conn_wants(c->tls);
	}
#endif
	/* Backpressure: a peer that does not read its responses is not read
	 * from until it does. */
	if (c->out_len > OUTQ_MAX / 2 || c->close_after_flush) {
		ev &= ~(unsigned)LOOP_IN;
	} else if (!conn_tls(c)) {
		ev |= LOOP_IN;
	}
	loop_fd_set_events(&c->w, ev);
}

#if ENABLE_SIP_TLS
/* Hands queued plaintext to the engine, a record at a time, and pushes
 * the records to the socket. */
static int tls_push(struct tcp_conn *c)
{
	while (c->out_len) {
		ssize_t n = tls_conn_write(c->tls, c->out, c->out_len);
		if (n < 0) {
			return (int)n;
		}
		if (n == 0) {
			break; /* handshake not done, or the engine is full */
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
		if (tls_conn_on_writable(c->tls, c->w.fd) < 0) {
			return tls_conn_err(c->tls);
		}
	}
	return 0;
}
#endif

static int flush(struct tcp_conn *c)
{
	while (c->out_len) {
		ssize_t n = send(c->w.fd, c->out, c->out_len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				break;
			}
			return -errno;
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	return 0;
}

static int conn_write(struct tcp_conn *c, const void *data, size_t len)
{
	const char *p = data;

	if (c->out_len == 0 && !conn_tls(c)) {
		ssize_t n = send(c->w.fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			return -errno;
		}
		if (n > 0) {
			p += n;
			len -= (size_t)n;
		}
	}
	if (len) {
		if (c->out_len + len > OUTQ_MAX) {
			return -ENOBUFS;
		}
		if (!c->out) {
			c->out = malloc(OUTQ_MAX);
			if (!c->out) {
				return -ENOMEM;
			}
		}
		memcpy(c->out + c->out_len, p, len);
		c->out_len += len;
	}
#if ENABLE_SIP_TLS
	if (c->tls) {
		int rc = tls_push(c);
		if (rc < 0) {
			return rc;
		}
	}
#endif
	update_events(c);
	return 0;
}

/* Length of a complete message at the start of buf, 0 when more is
 * needed, or -1 when the headers don't end within the largest message.
 * Content-Length (or "l") is looked up case-insensitively; a missing one
 * frames an empty body and the parser decides. */
static long frame_len(const char *buf, size_t len, size_t *hdr_end)
{
	const char *end = NULL;
	unsigned long clen = 0;

	for (size_t i = 0; i + 3 < len; i++) {
		if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' &&
			buf[i + 3] == '\n') {
			end = buf + i + 4;
			break;
		}
	}
	if (!end) {
		return len >= CONFIG_SIP_MAX_MSG_SIZE ? -1 : 0;
	}
	*hdr_end = (size_t)(end - buf);
	for (const char *line = buf; line < end - 2;) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		const char *colon = memchr(line, ':', (size_t)(eol - line));
		if (colon) {
			struct str name = str_trim(str_make(line, (size_t)(colon - line)));
			if (str_ieq(name, STR("Content-Length")) || str_ieq(name, STR("l"))) {
				clen = strtoul(colon + 1, NULL, 10);
			}
		}
		line = eol + 1;
	}
	if (clen > CONFIG_SIP_MAX_MSG_SIZE) {
		return -1;
	}
	if (*hdr_end + clen > len) {
		return *hdr_end + clen > CONFIG_SIP_MAX_MSG_SIZE ? -1 : 0;
	}
	return (long)(*hdr_end + clen);
}

static void deliver(struct tcp_conn *c)
{
	struct sip_peer from = {
		.proto = conn_tls(c) ? SIP_PROTO_TLS : SIP_PROTO_TCP, .addr = c->peer, .conn = c->id
	};
	uint32_t id = c->id;

	for (;;) {
		size_t skip = 0;
		size_t hdr_end = 0;
		long n;

		/* RFC 5626 3.5.1: CRLFCRLF between messages is a ping, answered
		 * with CRLF; a lone CRLF is ignored (RFC 3261 7.5). A CRLF at the
		 * end of what arrived may be half a ping: wait for more. */
		while (skip + 3 < c->rx_len && c->rx[skip] == '\r' && c->rx[skip + 1] == '\n') {
			if (c->rx[skip + 2] == '\r' && c->rx[skip + 3] == '\n') {
				conn_write(c, "\r\n", 2);
				skip += 4;
			} else {
				skip += 2;
			}
		}
		if (skip) {
			memmove(c->rx, c->rx + skip, c->rx_len - skip);
			c->rx_len -= skip;
		}
		if (c->rx_len == 0) {
			return;
		}
		n = frame_len(c->rx, c->rx_len, &hdr_end);
		if (n == 0) {
			return;
		}
		if (n < 0) {
			/* Too large: what we have may carry enough to answer 513;
			 * then the stream cannot be resynchronised. */
			c->close_after_flush = true;
			sip_tport_rx(c->rx, c->rx_len, true, &from);
			if (conn_by_id(id) && c->out_len == 0) {
				conn_close(c);
			}
			return;
		}
		sip_tport_rx(c->rx, (size_t)n, false, &from);
		if (!conn_by_id(id)) {
			return; /* closed by a send error on the way */
		}
		memmove(c->rx, c->rx + n, c->rx_len - (size_t)n);
		c->rx_len -= (size_t)n;
	}
}

#if ENABLE_SIP_TLS
static void tls_event(struct tcp_conn *c, unsigned events)
{
	uint32_t id = c->id;
	char why[128];

	if (events & (LOOP_IN | LOOP_ERR)) {
		tls_conn_on_readable(c->tls, c->w.fd);
	}
	if (events & LOOP_OUT) {
		tls_conn_on_writable(c->tls, c->w.fd);
	}
	if (tls_push(c) < 0) {
		goto closed;
	}
	for (;;) {
		ssize_t n = tls_conn_read(
			c->tls, c->rx + c->rx_len, CONFIG_SIP_MAX_MSG_SIZE + 1 - c->rx_len);
		if (n <= 0) {
			break;
		}
		c->rx_len += (size_t)n;
		c->last_rx_ms = loop_now();
		deliver(c);
		if (!conn_by_id(id)) {
			return;
		}
	}
	if (c->close_after_flush && c->out_len == 0) {
		tls_conn_close(c->tls);
	}
	if (tls_conn_finished(c->tls)) {
		goto closed;
	}
	update_events(c);
	return;
closed:
	if (tls_conn_err(c->tls) && tls_conn_br_err(c->tls)) {
		char where[ADDR_STR_MAX];
		log_ratelimited(&rl_limit, loop_now(), LOG_LEVEL_INFO, "sip: tls from %s: %s",
			addr_format(&c->peer, where, sizeof(where)),
			tls_conn_strerror(c->tls, why, sizeof(why)));
	}
	conn_close(c);
}
#endif

static void conn_event(struct loop_fd *w, unsigned events)
{
	struct tcp_conn *c = w->arg;
	uint32_t id = c->id;

#if ENABLE_SIP_TLS
	if (c->tls) {
		tls_event(c, events);
		return;
	}
#endif

	if (events & LOOP_OUT) {
		if (flush(c) < 0) {
			conn_close(c);
			return;
		}
		if (c->out_len == 0 && c->close_after_flush) {
			conn_close(c);
			return;
		}
		update_events(c);
	}
	if (events & (LOOP_IN | LOOP_ERR)) {
		ssize_t n =
			recv(w->fd, c->rx + c->rx_len, CONFIG_SIP_MAX_MSG_SIZE + 1 - c->rx_len, 0);
		if (n == 0 ||
			(n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			conn_close(c);
			return;
		}
		if (n > 0) {
			c->rx_len += (size_t)n;
			c->last_rx_ms = loop_now();
			deliver(c);
			if (conn_by_id(id) && c->close_after_flush && c->out_len == 0) {
				conn_close(c);
			}
		}
	}
}

#if ENABLE_SIP_TLS
static struct tls_conn *tls_start(void)
{
	struct tls_conn *t = tls_srv ? malloc(sizeof(*t)) : NULL;
	int rc;

	if (!t) {
		return NULL;
	}
	rc = tls_conn_init(t, tls_srv);
	if (rc == -EPROTO) {
		tls_conn_free(t);
	}
	if (rc < 0) {
		free(t);
		return NULL;
	}
	return t;
}
#endif

static void on_accept(struct loop_fd *w, unsigned events)
{
	struct tcp_listener *l = w->arg;

	(void)events;
	for (int k = 0; k < 16; k++) {
		struct addr peer = { .len = sizeof(peer.u) };
		int fd = accept4(w->fd, &peer.u.sa, &peer.len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct tcp_conn *c = NULL;
		unsigned same = 0;

		if (fd < 0) {
			return;
		}
		for (unsigned i = 0; i < CONFIG_SIP_MAX_TCP_CONNS; i++) {
			if (conns[i].id == 0) {
				c = c ? c : &conns[i];
			} else if (same_ip(&conns[i].peer, &peer)) {
				same++;
			}
		}
		if (!c || same >= CONFIG_SIP_MAX_TCP_PER_SOURCE) {
			char where[ADDR_STR_MAX];
			log_ratelimited(&rl_limit, loop_now(), LOG_LEVEL_WARN,
				"sip: tcp connection from %s refused: %s",
				addr_format(&peer, where, sizeof(where)),
				c ? "too many from that address (CONFIG_SIP_MAX_TCP_PER_SOURCE)"
				  : "table full (CONFIG_SIP_MAX_TCP_CONNS)");
			close(fd);
			continue;
		}
		c->rx = malloc(CONFIG_SIP_MAX_MSG_SIZE + 1);
#if ENABLE_SIP_TLS
		c->tls = NULL;
		if (c->rx && l->tls && !(c->tls = tls_start())) {
			free(c->rx);
			c->rx = NULL; /* refused below */
		}
#else
		(void)l;
#endif
		if (!c->rx || loop_fd_add(&c->w, fd, LOOP_IN, conn_event, c) < 0) {
			free(c->rx);
			c->rx = NULL;
			tls_drop(c);
			close(fd);
			continue;
		}
		c->gen++;
		c->id = (uint32_t)c->gen << 16 | (uint32_t)(c - conns + 1);
		c->peer = peer;
		c->rx_len = 0;
		c->out_len = 0;
		c->close_after_flush = false;
		c->last_rx_ms = c->accepted_ms = loop_now();
		if (++n_conns > high_conns) {
			high_conns = n_conns;
		}
	}
}

static void tcp_tick(uint64_t now_ms)
{
	for (unsigned i = 0; conns && i < CONFIG_SIP_MAX_TCP_CONNS; i++) {
		struct tcp_conn *c = &conns[i];
		if (!c->id) {
			continue;
		}
		if (now_ms - c->last_rx_ms >= (uint64_t)CONFIG_SIP_TCP_IDLE_S * 1000) {
			conn_close(c);
			continue;
		}
#if ENABLE_SIP_TLS
		if (c->tls && !tls_conn_handshake_done(c->tls) &&
			now_ms - c->accepted_ms >= (uint64_t)CONFIG_SIP_TLS_HANDSHAKE_S * 1000) {
			char where[ADDR_STR_MAX];
			log_ratelimited(&rl_limit, now_ms, LOG_LEVEL_INFO,
				"sip: tls from %s: no handshake within %d s, closed",
				addr_format(&c->peer, where, sizeof(where)),
				CONFIG_SIP_TLS_HANDSHAKE_S);
			conn_close(c);
		}
#endif
	}
}

void sip_tport_set_tls(struct tls_server *srv)
{
#if ENABLE_SIP_TLS
	if (tls_srv) {
		tls_server_unref(tls_srv);
	}
	tls_srv = srv;
#else
	(void)srv;
#endif
}

int sip_tport_tcp_listen(const struct addr *a, struct addr *bound, bool tls)
{
	struct tcp_listener *l = NULL;
	int fd;
	int rc;

	for (size_t i = 0; i < sizeof(tcp_listeners) / sizeof(tcp_listeners[0]) && !l; i++) {
		if (!tcp_listeners[i].used) {
			l = &tcp_listeners[i];
		}
	}
	if (!l) {
		return -ENOSPC;
	}
	if (!tick_added) {
		rc = loop_tick_add(tcp_tick);
		if (rc < 0) {
			return rc;
		}
		tick_added = true;
	}
	if (!conns) {
		conns = calloc(CONFIG_SIP_MAX_TCP_CONNS, sizeof(*conns));
		if (!conns) {
			return -ENOMEM;
		}
	}
	fd = sip_tport_bind(SOCK_STREAM, a, &l->local);
	if (fd < 0) {
		return fd;
	}
	rc = loop_fd_add(&l->w, fd, LOOP_IN, on_accept, l);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	l->used = true;
	l->tls = tls;
	*bound = l->local;
	return 0;
}

uint32_t sip_tport_conn_to(enum sip_proto proto, const struct addr *a)
{
	for (unsigned i = 0; conns && i < CONFIG_SIP_MAX_TCP_CONNS; i++) {
		const struct tcp_conn *c = &conns[i];
		if (c->id && conn_tls(c) == (proto == SIP_PROTO_TLS) && c->peer.len == a->len &&
			memcmp(&c->peer.u, &a->u, a->len) == 0) {
			return c->id;
		}
	}
	return 0;
}

int sip_tport_tcp_send(const struct sip_peer *to, const void *data, size_t len)
{
	struct tcp_conn *c = conn_by_id(to->conn);
	int rc;

	if (!c) {
		return -ENOTCONN; /* outgoing connections come with the proxy */
	}
	rc = conn_write(c, data, len);
	if (rc < 0) {
		conn_close(c);
	}
	return rc;
}

void sip_tport_tcp_fini(void)
{
	for (unsigned i = 0; conns && i < CONFIG_SIP_MAX_TCP_CONNS; i++) {
		if (conns[i].id) {
			conn_close(&conns[i]);
		}
	}
	for (size_t i = 0; i < sizeof(tcp_listeners) / sizeof(tcp_listeners[0]); i++) {
		if (tcp_listeners[i].used) {
			loop_fd_del(&tcp_listeners[i].w);
			close(tcp_listeners[i].w.fd);
			tcp_listeners[i].used = false;
		}
	}
	free(conns);
	conns = NULL;
	n_conns = 0;
}

void sip_tport_tcp_stats(struct pool_stats *out)
{
	out->name = "tcp_connections";
	out->used = n_conns;
	out->high = high_conns;
	out->cap = CONFIG_SIP_MAX_TCP_CONNS;
}
