/* net prefork N | serve PORT | tcp MIB | unixrtt N | client PORT N: sockets between processes.
   client: the load generator for servers (nginx): 2 processes make N short
   connections each to 127.0.0.1:PORT (GET /, read the reply to its end);
   prints requests per second.
   prefork: a master forks 4 workers that accept on its socket, then 2
   client processes make N short connections each (connect, request,
   response, close); prints requests per second. serve: that server alone on
   127.0.0.1:PORT until SIGTERM, for clients run natively. tcp: MIB MiB over TCP
   loopback in 64 KiB writes; prints MiB/s. unixrtt: N 1-byte round trips
   over a unix socket pair; prints us per round trip. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int listener(struct sockaddr_in *a)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	*a = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof *a;
	bind(s, (struct sockaddr *)a, sizeof *a);
	listen(s, 512);
	getsockname(s, (struct sockaddr *)a, &l);
	return s;
}

/* The prefork server's 4 workers: each accepts on s, reads a request,
   answers and closes. */
static void workers(int s, pid_t w[4])
{
	for (int i = 0; i < 4; i++)
		if ((w[i] = fork()) == 0)
			for (;;) {
				int c = accept(s, NULL, NULL);
				char req[128];
				if (c >= 0 && read(c, req, sizeof req) > 0)
					write(c, "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", 40);
				close(c);
			}
}

static void prefork(long n)
{
	struct sockaddr_in a;
	int s = listener(&a);
	pid_t w[4];
	workers(s, w);
	double t0 = now();
	for (int k = 0; k < 2; k++)
		if (fork() == 0) {
			for (long i = 0; i < n; i++) {
				int c = socket(AF_INET, SOCK_STREAM, 0);
				connect(c, (struct sockaddr *)&a, sizeof a);
				write(c, "GET / HTTP/1.0\r\n\r\n", 18);
				char rep[128];
				read(c, rep, sizeof rep);
				close(c);
			}
			_exit(0);
		}
	for (int k = 0; k < 2; k++)
		wait(NULL);
	printf("%.0f\n", 2 * n / (now() - t0));
	for (int i = 0; i < 4; i++)
		kill(w[i], SIGKILL);
	while (wait(NULL) > 0)
		;
}

/* The same server on 127.0.0.1:port until SIGTERM, for native clients. */
static void serve(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 512) < 0)
		_exit(1);
	pid_t w[4];
	workers(s, w);
	sigset_t term;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
	int sig;
	sigwait(&term, &sig);
	for (int i = 0; i < 4; i++)
		kill(w[i], SIGKILL);
	while (wait(NULL) > 0)
		;
}

static void tcp(long mib)
{
	struct sockaddr_in a;
	int s = listener(&a);
	static char buf[65536];
	if (fork() == 0) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		connect(c, (struct sockaddr *)&a, sizeof a);
		for (long i = 0; i < mib * 16; i++)
			for (size_t off = 0; off < sizeof buf;) {
				ssize_t w = write(c, buf + off, sizeof buf - off);
				if (w <= 0)
					_exit(1);
				off += w;
			}
		_exit(0);
	}
	int c = accept(s, NULL, NULL);
	double t0 = now();
	long total = 0;
	ssize_t r;
	while ((r = read(c, buf, sizeof buf)) > 0)
		total += r;
	printf("%.0f\n", total / (now() - t0) / (1 << 20));
	wait(NULL);
}

static void unixrtt(long n)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	char b = 0;
	if (fork() == 0) {
		for (long i = 0; i < n; i++) {
			read(sv[1], &b, 1);
			write(sv[1], &b, 1);
		}
		_exit(0);
	}
	double t0 = now();
	for (long i = 0; i < n; i++) {
		write(sv[0], &b, 1);
		read(sv[0], &b, 1);
	}
	printf("%.1f\n", (now() - t0) / n * 1e6);
	wait(NULL);
}

static void client(int port, long n)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	double t0 = now();
	for (int k = 0; k < 2; k++)
		if (fork() == 0) {
			long bad = 0;
			for (long i = 0; i < n; i++) {
				int c = socket(AF_INET, SOCK_STREAM, 0);
				if (connect(c, (struct sockaddr *)&a, sizeof a) < 0) {
					bad++;
					close(c);
					continue;
				}
				write(c, "GET / HTTP/1.0\r\n\r\n", 18);
				char rep[4096];
				while (read(c, rep, sizeof rep) > 0)
					;
				close(c);
			}
			_exit(bad != 0);
		}
	int st, ok = 1;
	for (int k = 0; k < 2; k++) {
		wait(&st);
		ok &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	printf("%.0f\n", ok ? 2 * n / (now() - t0) : 0.0);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	long n = atol(argv[2]);
	if (!strcmp(argv[1], "prefork"))
		prefork(n);
	else if (!strcmp(argv[1], "tcp"))
		tcp(n);
	else if (!strcmp(argv[1], "unixrtt"))
		unixrtt(n);
	else if (!strcmp(argv[1], "serve"))
		serve(atoi(argv[2]));
	else if (!strcmp(argv[1], "client") && argc > 3)
		client(atoi(argv[2]), atol(argv[3]));
	return 0;
}
