/* A small SIP load generator for `make bench`: OPTIONS over UDP from a
 * template, a window of requests in flight (closed loop) or a fixed
 * offered rate (open loop), responses matched by the number in their
 * Call-ID with memmem: deliberately not the server's parser.
 *
 *   sipload HOST PORT SECONDS [RATE [WINDOW]]
 *
 * RATE 0 = as fast as the window allows. Prints one line:
 *   sent N answered N rate R/s p50 X ms p99 Y ms lost N
 * Bounded: stops after SECONDS, loopback targets only. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_WINDOW 4096

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct sockaddr_in me = { .sin_family = AF_INET };
	socklen_t melen = sizeof(me);
	uint64_t sent_at[MAX_WINDOW] = { 0 };
	uint64_t seq_of[MAX_WINDOW] = { 0 };
	uint32_t *lat;
	size_t n_lat = 0, cap_lat;
	uint64_t sent = 0, done = 0, start, end, next_send;
	unsigned window, rate;
	double secs;
	int fd;

	if (argc < 4) {
		fprintf(stderr, "usage: sipload HOST PORT SECONDS [RATE [WINDOW]]\n");
		return 2;
	}
	if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 ||
		(ntohl(to.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "sipload: loopback IPv4 targets only\n");
		return 2;
	}
	to.sin_port = htons((uint16_t)atoi(argv[2]));
	secs = atof(argv[3]);
	rate = argc > 4 ? (unsigned)atoi(argv[4]) : 0;
	window = argc > 5 ? (unsigned)atoi(argv[5]) : 64;
	if (window < 1 || window > MAX_WINDOW || secs <= 0 || secs > 600) {
		fprintf(stderr, "sipload: window 1..%d, seconds 0..600\n", MAX_WINDOW);
		return 2;
	}
	cap_lat = (size_t)(secs * (rate ? rate : 200000)) + 1024;
	lat = malloc(cap_lat * sizeof(*lat));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!lat || fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0 ||
		getsockname(fd, (struct sockaddr *)&me, &melen) < 0 ||
		connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
		perror("sipload");
		return 1;
	}
	start = now_us();
	end = start + (uint64_t)(secs * 1e6);
	next_send = start;
	while (now_us() < end) {
		uint64_t t = now_us();
		unsigned in_flight = (unsigned)(sent - done);
		/* Send while the window has room and (open loop) it is time. */
		while (in_flight < window && (rate == 0 || next_send <= t)) {
			char msg[600];
			unsigned slot = (unsigned)(sent % window);
			int n;
			if (sent_at[slot]) {
				break; /* still waiting for that slot's answer */
			}
			n = snprintf(msg, sizeof(msg),
				"OPTIONS sip:%s:%s SIP/2.0\r\n"
				"Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-b%llu;rport\r\n"
				"Max-Forwards: 70\r\n"
				"From: <sip:bench@127.0.0.1>;tag=bench\r\n"
				"To: <sip:%s>\r\n"
				"Call-ID: bench-%llu\r\n"
				"CSeq: 1 OPTIONS\r\n"
				"Content-Length: 0\r\n\r\n",
				argv[1], argv[2], ntohs(me.sin_port), (unsigned long long)sent,
				argv[1], (unsigned long long)sent);
			if (send(fd, msg, (size_t)n, 0) < 0) {
				break;
			}
			sent_at[slot] = now_us();
			seq_of[slot] = sent;
			sent++;
			in_flight++;
			if (rate) {
				next_send += 1000000 / rate;
			}
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		poll(&p, 1, 1);
		for (;;) {
			char buf[2048];
			ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
			const char *cid;
			unsigned long long seq;
			if (n <= 0) {
				break;
			}
			buf[n] = '\0';
			cid = memmem(buf, (size_t)n, "Call-ID: bench-", 15);
			if (!cid || sscanf(cid + 15, "%llu", &seq) != 1) {
				continue;
			}
			unsigned slot = (unsigned)(seq % window);
			if (sent_at[slot] && seq_of[slot] == seq) {
				if (n_lat < cap_lat) {
					lat[n_lat++] = (uint32_t)(now_us() - sent_at[slot]);
				}
				sent_at[slot] = 0;
				done++;
			}
		}
		/* A request unanswered for 1 s is lost: free its slot. */
		for (unsigned i = 0; i < window; i++) {
			if (sent_at[i] && now_us() - sent_at[i] > 1000000) {
				sent_at[i] = 0;
				done++; /* done, but not answered: counted as lost */
			}
		}
	}
	unsigned pending = 0;
	for (unsigned i = 0; i < window; i++) {
		pending += sent_at[i] != 0;
	}
	qsort(lat, n_lat, sizeof(*lat), cmp_u32);
	printf("sent %llu answered %zu rate %.0f/s p50 %.3f ms p99 %.3f ms lost %llu\n",
		(unsigned long long)sent, n_lat, n_lat / secs,
		n_lat ? lat[n_lat / 2] / 1000.0 : 0.0, n_lat ? lat[n_lat * 99 / 100] / 1000.0 : 0.0,
		(unsigned long long)(sent - n_lat - pending));
	return 0;
}
