/* Numeric socket addresses as given on the command line and shown in logs:
 * "127.0.0.1:5060", "[::1]:5060" (IPv6 only with CONFIG_IPV6). No names:
 * resolving would block the loop. */
#ifndef CORE_ADDR_H
#define CORE_ADDR_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

struct addr {
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
	} u;
	socklen_t len;
};

/* Longest text form: "[" 45 "]:" 5 + NUL. */
#define ADDR_STR_MAX 56

/* 0, or -EINVAL with a reason ("missing port", "bad IPv4 address", ...)
 * in *why; -EAFNOSUPPORT for an IPv6 address in a build without IPv6. Port
 * 0 means "any free port" and is accepted. */
int addr_parse(const char *s, struct addr *out, const char **why);
/* "a.b.c.d:port" or "[v6]:port" into out (ADDR_STR_MAX). */
const char *addr_format(const struct addr *a, char *out, size_t cap);
unsigned addr_port(const struct addr *a);

#endif
