#include "sip/tport.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "autoconf.h"
#include "core/log.h"
#include "core/loop.h"
#include "sip/sip_int.h"

/* One UDP socket per listening address; TCP and TLS come with their own
 * connection table. */
#define SIP_TPORT_MAX_LISTENERS 4

struct listener {
	struct loop_fd w;
	enum sip_proto proto;
	struct addr local;
	bool used;
};

static struct listener listeners[SIP_TPORT_MAX_LISTENERS];
sip_tport_rx_fn sip_tport_rx;
static struct sip_tport_stats tport_st;
static struct log_rl rl_send;
/* One more byte than the largest message, to see a datagram too large. */
static char rx_buf[CONFIG_SIP_MAX_MSG_SIZE + 1];

const char *sip_proto_name(enum sip_proto proto)
{
	static const char *const names[] = {
		[SIP_PROTO_UDP] = "UDP",
		[SIP_PROTO_TCP] = "TCP",
		[SIP_PROTO_TLS] = "TLS",
	};
	return (unsigned)proto <= SIP_PROTO_TLS && names[proto] ? names[proto] : "?";
}

int sip_tport_init(sip_tport_rx_fn rx)
{
	sip_tport_rx = rx;
	memset(&tport_st, 0, sizeof(tport_st));
	return 0;
}

void sip_tport_fini(void)
{
	sip_tport_tcp_fini();
	for (int i = 0; i < SIP_TPORT_MAX_LISTENERS; i++) {
		if (listeners[i].used) {
			loop_fd_del(&listeners[i].w);
			close(listeners[i].w.fd);
			listeners[i].used = false;
		}
	}
}

static void udp_readable(struct loop_fd *w, unsigned events)
{
	struct listener *l = w->arg;
	struct sip_peer from = { .proto = SIP_PROTO_UDP };

	(void)events;
	/* A bounded number per wake-up keeps the other descriptors served. */
	for (int i = 0; i < 64; i++) {
		socklen_t alen = sizeof(from.addr.u);
		ssize_t n =
			recvfrom(w->fd, rx_buf, sizeof(rx_buf), MSG_TRUNC, &from.addr.u.sa, &alen);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				log_warn("sip: udp receive on %d: %s", w->fd, strerror(errno));
			}
			return;
		}
		from.addr.len = alen;
		tport_st.rx++;
		if (n == 0) {
			continue;
		}
		if ((size_t)n > CONFIG_SIP_MAX_MSG_SIZE) {
			sip_tport_rx(rx_buf, CONFIG_SIP_MAX_MSG_SIZE, true, &from);
		} else {
			sip_tport_rx(rx_buf, (size_t)n, false, &from);
		}
	}
	(void)l;
}

int sip_tport_listen(enum sip_proto proto, const struct addr *a, struct addr *bound)
{
	struct listener *l = NULL;
	int fd;
	int rc;

	if (proto == SIP_PROTO_TCP || (ENABLE_SIP_TLS && proto == SIP_PROTO_TLS)) {
		return sip_tport_tcp_listen(a, bound, proto == SIP_PROTO_TLS);
	}
	if (proto != SIP_PROTO_UDP) {
		return -EPROTONOSUPPORT;
	}
	for (int i = 0; i < SIP_TPORT_MAX_LISTENERS && !l; i++) {
		if (!listeners[i].used) {
			l = &listeners[i];
		}
	}
	if (!l) {
		return -ENOSPC;
	}
	fd = sip_tport_bind(SOCK_DGRAM, a, &l->local);
	if (fd < 0) {
		return fd;
	}
	rc = loop_fd_add(&l->w, fd, LOOP_IN, udp_readable, l);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	l->proto = proto;
	l->used = true;
	*bound = l->local;
	return 0;
}

int sip_tport_bind(int type, const struct addr *a, struct addr *bound)
{
	int one = 1;
	int fd = socket(a->u.sa.sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int rc;

	if (fd < 0) {
		return -errno;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->u.sa.sa_family == AF_INET6) {
		/* [::] means IPv6 only: an IPv4 listener is asked for apart. */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	if (bind(fd, &a->u.sa, a->len) < 0 || (type == SOCK_STREAM && listen(fd, 64) < 0)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	bound->len = sizeof(bound->u);
	getsockname(fd, &bound->u.sa, &bound->len);
	return fd;
}

static struct listener *udp_for(const struct addr *to)
{
	for (int i = 0; i < SIP_TPORT_MAX_LISTENERS; i++) {
		if (listeners[i].used && listeners[i].proto == SIP_PROTO_UDP &&
			listeners[i].local.u.sa.sa_family == to->u.sa.sa_family) {
			return &listeners[i];
		}
	}
	return NULL;
}

int sip_tport_send(const struct sip_peer *to, const void *data, size_t len)
{
	struct listener *l;

	if (to->proto == SIP_PROTO_TCP || to->proto == SIP_PROTO_TLS) {
		int rc = sip_tport_tcp_send(to, data, len);
		if (rc == 0) {
			tport_st.tx++;
		} else {
			tport_st.dropped++;
		}
		return rc;
	}
	if (to->proto != SIP_PROTO_UDP) {
		return -EPROTONOSUPPORT;
	}
	l = udp_for(&to->addr);
	if (!l) {
		return -EAFNOSUPPORT;
	}
	if (sendto(l->w.fd, data, len, 0, &to->addr.u.sa, to->addr.len) < 0) {
		int rc = -errno;
		char where[ADDR_STR_MAX];
		tport_st.dropped++;
		log_ratelimited(&rl_send, loop_now(), LOG_LEVEL_WARN, "sip: udp send to %s: %s",
			addr_format(&to->addr, where, sizeof(where)), strerror(-rc));
		return rc;
	}
	tport_st.tx++;
	return 0;
}

void sip_tport_stats(struct sip_tport_stats *out)
{
	*out = tport_st;
}
