/* redis_load PORT N: the load generator for redis-server on 127.0.0.1:PORT.
   One client connection sends N "SET key:I value" requests in RESP, each
   after the reply to the one before (no pipelining), and checks that every
   reply is +OK. Prints requests per second; exits 1 (printing 0) if the
   server cannot be reached or answers anything else. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int write_all(int fd, const char *b, size_t n)
{
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w <= 0)
			return -1;
		b += w;
		n -= w;
	}
	return 0;
}

/* Reads one reply (a line ending in \r\n); 0 if it is +OK. */
static int ok_reply(int fd)
{
	char r[256];
	size_t n = 0;
	while (n < 2 || r[n - 2] != '\r' || r[n - 1] != '\n') {
		if (n == sizeof r)
			return -1;
		ssize_t k = read(fd, r + n, sizeof r - n);
		if (k <= 0)
			return -1;
		n += k;
	}
	return n == 5 && !memcmp(r, "+OK\r\n", 5) ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: redis_load PORT N\n");
		return 2;
	}
	long n = atol(argv[2]);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1])),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int c = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	if (connect(c, (struct sockaddr *)&a, sizeof a) < 0) {
		printf("0\n");
		return 1;
	}
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	static const char val[] = "xxxxxxxxxxxxxxxx";
	double t0 = now();
	for (long i = 0; i < n; i++) {
		char key[32], req[128];
		int kl = snprintf(key, sizeof key, "key:%ld", i);
		int l = snprintf(req, sizeof req, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%zu\r\n%s\r\n", kl, key,
				 sizeof val - 1, val);
		if (write_all(c, req, l) < 0 || ok_reply(c) < 0) {
			printf("0\n");
			return 1;
		}
	}
	printf("%.0f\n", n / (now() - t0));
	close(c);
	return 0;
}
