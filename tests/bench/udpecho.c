/* The physical limit for `make bench`: a UDP server that sends every
 * datagram straight back, on the same loopback as sipbox.
 *   udpecho PORTFILE   (binds 127.0.0.1:0, writes its port to PORTFILE) */
#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	char buf[65536];
	FILE *f;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (argc < 2 || fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
		getsockname(fd, (struct sockaddr *)&a, &alen) < 0 || !(f = fopen(argv[1], "w"))) {
		perror("udpecho");
		return 1;
	}
	fprintf(f, "%u\n", ntohs(a.sin_port));
	fclose(f);
	for (;;) {
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		if (n > 0) {
			sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, flen);
		}
	}
}
