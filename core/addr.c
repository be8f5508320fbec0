#include "core/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "autoconf.h"
#include "core/str.h"

int addr_parse(const char *s, struct addr *out, const char **why)
{
	char host[INET6_ADDRSTRLEN];
	const char *colon;
	const char *port_s;
	size_t hlen;
	uint32_t port;
	bool v6 = s[0] == '[';

	memset(out, 0, sizeof(*out));
	if (v6) {
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':') {
			*why = "expected [IPv6]:PORT";
			return -EINVAL;
		}
		hlen = (size_t)(end - s - 1);
		port_s = end + 2;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (!colon) {
			*why = "missing :PORT";
			return -EINVAL;
		}
		hlen = (size_t)(colon - s);
		port_s = colon + 1;
	}
	if (hlen == 0 || hlen >= sizeof(host)) {
		*why = "missing or overlong address";
		return -EINVAL;
	}
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (str_to_u32(str_cstr(port_s), 65535, &port) < 0) {
		*why = "port must be a number from 0 to 65535";
		return -EINVAL;
	}
	if (v6) {
		if (!ENABLE_IPV6) {
			*why = "IPv6 is not in this build (CONFIG_IPV6)";
			return -EAFNOSUPPORT;
		}
		if (inet_pton(AF_INET6, host, &out->u.in6.sin6_addr) != 1) {
			*why = "bad IPv6 address";
			return -EINVAL;
		}
		out->u.in6.sin6_family = AF_INET6;
		out->u.in6.sin6_port = htons((uint16_t)port);
		out->len = sizeof(out->u.in6);
	} else {
		if (inet_pton(AF_INET, host, &out->u.in4.sin_addr) != 1) {
			*why = strchr(host, ':') ? "put an IPv6 address in brackets: [ADDR]:PORT"
						 : "bad IPv4 address (names are not resolved)";
			return -EINVAL;
		}
		out->u.in4.sin_family = AF_INET;
		out->u.in4.sin_port = htons((uint16_t)port);
		out->len = sizeof(out->u.in4);
	}
	return 0;
}

const char *addr_format(const struct addr *a, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN];

	if (a->u.sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &a->u.in6.sin6_addr, host, sizeof(host));
		snprintf(out, cap, "[%s]:%u", host, addr_port(a));
	} else {
		inet_ntop(AF_INET, &a->u.in4.sin_addr, host, sizeof(host));
		snprintf(out, cap, "%s:%u", host, addr_port(a));
	}
	return out;
}

unsigned addr_port(const struct addr *a)
{
	return ntohs(a->u.sa.sa_family == AF_INET6 ? a->u.in6.sin6_port : a->u.in4.sin_port);
}
