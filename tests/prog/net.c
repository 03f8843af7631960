/* Sockets between processes (each its own VM under uniproc): a prefork TCP
   server, an epoll loop over eventfd, timerfd and a pipe fed by another
   process, SCM_RIGHTS of pipe ends and sockets, UDP, a unix socket bound to
   a path, a killed peer, closes, and socket families. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int listen_tcp(struct sockaddr_in *a)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	*a = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof *a;
	if (bind(s, (struct sockaddr *)a, sizeof *a) < 0 || listen(s, 64) < 0 ||
	    getsockname(s, (struct sockaddr *)a, &l) < 0) {
		perror("listen");
		exit(1);
	}
	return s;
}

static void reap(void)
{
	int st;
	while (wait(&st) > 0)
		;
}

static void prefork(int requests)
{
	struct sockaddr_in a;
	int s = listen_tcp(&a);
	pid_t w[4];
	for (int i = 0; i < 4; i++)
		if ((w[i] = fork()) == 0) {
			for (;;) {
				int c = accept(s, NULL, NULL);
				if (c < 0)
					continue;
				char req[64];
				if (read(c, req, sizeof req) > 0) {
					char rep[64];
					int n = snprintf(rep, sizeof rep, "%d\n", (int)getpid());
					write(c, rep, n);
				}
				close(c);
			}
		}
	int seen[4] = {0}, answered = 0;
	for (int i = 0; i < requests; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(c, (struct sockaddr *)&a, sizeof a) < 0) {
			perror("connect");
			break;
		}
		write(c, "GET\n", 4);
		char rep[64] = "";
		int n = read(c, rep, sizeof rep - 1);
		close(c);
		if (n <= 0)
			continue;
		answered++;
		for (int k = 0; k < 4; k++)
			if (atoi(rep) == w[k])
				seen[k] = 1;
	}
	int workers = seen[0] + seen[1] + seen[2] + seen[3];
	printf("answered %d of %d, by more than one worker: %d\n", answered, requests, workers > 1);
	for (int i = 0; i < 4; i++)
		kill(w[i], SIGTERM);
	reap();
}

static void epoll_loop(void)
{
	int ep = epoll_create1(EPOLL_CLOEXEC), efd = eventfd(0, EFD_NONBLOCK | EFD_SEMAPHORE);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK), p[2];
	pipe(p);
	struct epoll_event ev = {.events = EPOLLIN};
	ev.data.u32 = 1;
	epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
	ev.data.u32 = 2;
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
	ev.data.u32 = 3;
	ev.events = EPOLLIN | EPOLLRDHUP;
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	printf("nothing ready: %d\n", epoll_wait(ep, &ev, 1, 0));
	if (fork() == 0) {
		write(p[1], "from another VM", 15);
		_exit(0);
	}
	close(p[1]);
	struct itimerspec it = {.it_value = {0, 20000000}};
	timerfd_settime(tfd, 0, &it, NULL);
	uint64_t one = 2;
	write(efd, &one, 8);
	int got = 0, done = 0;
	char out[3][2][64] = {{""}}; /* printed in a fixed order: events come in any */
	while (done != 7) {
		struct epoll_event evs[4];
		int n = epoll_wait(ep, evs, 4, 5000);
		if (n <= 0) {
			printf("epoll_wait: %d\n", n);
			break;
		}
		for (int i = 0; i < n; i++) {
			uint64_t v;
			char buf[64];
			switch (evs[i].data.u32) {
			case 1:
				if (read(efd, &v, 8) == 8)
					got++;
				if (got == 2) {
					snprintf(out[0][0], 64, "eventfd: semaphore read twice");
					done |= 1;
					epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL);
				}
				break;
			case 2:
				if (read(tfd, &v, 8) == 8)
					snprintf(out[1][0], 64, "timerfd: expired %llu time(s)", (unsigned long long)v);
				done |= 2;
				break;
			case 3: {
				int r = read(p[0], buf, sizeof buf - 1);
				if (r > 0) {
					buf[r] = 0;
					snprintf(out[2][0], 64, "pipe: %s", buf);
				} else {
					snprintf(out[2][1], 64, "pipe: EOF%s", evs[i].events & (EPOLLRDHUP | EPOLLHUP) ? " with HUP" : "");
					done |= 4;
					epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
				}
				break;
			}
			}
		}
	}
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 2; j++)
			if (out[i][j][0])
				printf("%s\n", out[i][j]);
	reap();
}

/* Send fds over a unix socket with SCM_RIGHTS. */
static void send_fds(int s, const int *fds, int n)
{
	char cbuf[CMSG_SPACE(4 * sizeof(int))];
	struct iovec v = {"F", 1};
	struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1, .msg_control = cbuf,
			   .msg_controllen = CMSG_SPACE(n * sizeof(int))};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	if (sendmsg(s, &m, 0) < 0)
		perror("sendmsg");
}

static int recv_fds(int s, int *fds, int max)
{
	char cbuf[CMSG_SPACE(4 * sizeof(int))], b;
	struct iovec v = {&b, 1};
	struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1, .msg_control = cbuf,
			   .msg_controllen = CMSG_SPACE(max * sizeof(int))};
	if (recvmsg(s, &m, 0) <= 0)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return 0;
	int n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	memcpy(fds, CMSG_DATA(c), n * sizeof(int));
	return n;
}

static void scm(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	int p[2], q[2], pair[2];
	pipe(p);
	pipe(q);
	socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		/* Send: the read end of p, the write end of q, a socket. */
		int fds[3] = {p[0], q[1], pair[1]};
		send_fds(sv[1], fds, 3);
		close(p[0]);
		close(q[1]);
		close(pair[1]);
		write(p[1], "through a passed read end", 25);
		close(p[1]);
		char buf[64] = "";
		int n = read(q[0], buf, sizeof buf - 1);
		printf("child read %d: %s\n", n, buf);
		n = read(pair[0], buf, sizeof buf - 1);
		buf[n > 0 ? n : 0] = 0;
		printf("child got over the passed socket: %s\n", buf);
		_exit(0);
	}
	close(sv[1]);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	close(pair[0]);
	close(pair[1]);
	int fds[4];
	int n = recv_fds(sv[0], fds, 4);
	printf("received %d fds\n", n);
	if (n == 3) {
		struct stat st;
		fstat(fds[0], &st);
		printf("first is a pipe: %d\n", S_ISFIFO(st.st_mode));
		char buf[64] = "";
		int r = read(fds[0], buf, sizeof buf - 1);
		printf("parent read %d: %s\n", r, buf);
		r = read(fds[0], buf, sizeof buf);
		printf("then EOF: %d\n", r);
		write(fds[1], "through a passed write end", 26);
		close(fds[1]);
		write(fds[2], "hello socket", 12);
	}
	reap();
}

static void udp(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof a;
	bind(s, (struct sockaddr *)&a, sizeof a);
	getsockname(s, (struct sockaddr *)&a, &l);
	if (fork() == 0) {
		int c = socket(AF_INET, SOCK_DGRAM, 0);
		sendto(c, "ping", 4, 0, (struct sockaddr *)&a, sizeof a);
		char buf[16] = "";
		recv(c, buf, sizeof buf - 1, 0);
		printf("client got: %s\n", buf);
		_exit(0);
	}
	char buf[16] = "";
	struct sockaddr_in from;
	l = sizeof from;
	int n = recvfrom(s, buf, sizeof buf - 1, 0, (struct sockaddr *)&from, &l);
	printf("server got %d: %s\n", n, buf);
	sendto(s, "pong", 4, 0, (struct sockaddr *)&from, l);
	reap();
}

static void unix_path(const char *dir)
{
	char path[200];
	snprintf(path, sizeof path, "%s/sock", dir);
	unlink(path);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
	if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 4) < 0) {
		perror("bind");
		return;
	}
	printf("bound again: %s\n", bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, sizeof a) < 0 ? strerror(errno) : "ok");
	struct stat st;
	stat(path, &st);
	printf("a socket file: %d\n", S_ISSOCK(st.st_mode));
	if (fork() == 0) {
		int c = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(c, (struct sockaddr *)&a, sizeof a) < 0)
			perror("connect");
		write(c, "by path", 7);
		_exit(0);
	}
	int c = accept(s, NULL, NULL);
	char buf[16] = "";
	read(c, buf, sizeof buf - 1);
	printf("accepted: %s\n", buf);
	reap();
	unlink(path);
}

static void killed_peer(void)
{
	struct sockaddr_in a;
	int s = listen_tcp(&a);
	pid_t pid = fork();
	if (pid == 0) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		connect(c, (struct sockaddr *)&a, sizeof a);
		write(c, "x", 1);
		pause();
		_exit(0);
	}
	int c = accept(s, NULL, NULL);
	char b;
	read(c, &b, 1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	int r = read(c, &b, 1);
	printf("peer killed: %s\n", r == 0 || (r < 0 && errno == ECONNRESET) ? "EOF or reset" : "other");
}

/* A connected pair on loopback: *c connected, *s accepted, the lowest fds. */
static void tcp_pair(int *c, int *s)
{
	struct sockaddr_in a;
	int l0 = listen_tcp(&a), l = fcntl(l0, F_DUPFD, 100); /* above c and s */
	close(l0);
	*c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(*c, (struct sockaddr *)&a, sizeof a) < 0 || (*s = accept(l, NULL, NULL)) < 0) {
		perror("tcp_pair");
		exit(1);
	}
	close(l);
}

static double secs(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int race_fd;
static pthread_barrier_t race_bar;

static void *race_close(void *r)
{
	pthread_barrier_wait(&race_bar);
	*(int *)r = close(race_fd) == 0 ? 0 : errno;
	return NULL;
}

/* close(2) of connected sockets, which uniproc may send with the next host
   call (abi.h struct up_defer): each as Linux does it, as the peer and the
   fd table see it. */
static void closes(void)
{
	int c, s;
	/* Closed twice: the second is EBADF. The number is free again. */
	tcp_pair(&c, &s);
	int r1 = close(s), r2 = close(s), e2 = errno;
	int again = socket(AF_INET, SOCK_STREAM, 0);
	printf("close twice: %d, %d %s; next socket takes its number: %s\n", r1, r2, strerror(e2),
	       again == s ? "yes" : "no");
	char b;
	printf("peer reads: %zd\n", read(c, &b, 1));
	close(again);
	close(c);

	/* Closed, then a pipe says so: the peer already sees the EOF. The
	   closer then makes no syscall until the peer has looked. */
	volatile int *seen = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	tcp_pair(&c, &s);
	int pp[2];
	pipe2(pp, O_NONBLOCK); /* the reader polls: the writer wakes nobody */
	pid_t pid = fork();
	if (pid == 0) {
		close(c);
		close(s);
		write(pp[1], "x", 1);
		for (uint64_t t0 = __builtin_ia32_rdtsc(); !*seen && __builtin_ia32_rdtsc() - t0 < 6000000000ull;)
			__asm__ volatile("pause");
		_exit(0);
	}
	close(s);
	while (read(pp[0], &b, 1) < 0)
		;
	errno = 0;
	ssize_t n = recv(c, &b, 1, MSG_DONTWAIT);
	*seen = 1;
	printf("EOF before the pipe's news: %zd %s\n", n, n < 0 ? strerror(errno) : "");
	waitpid(pid, NULL, 0);
	close(c);

	/* The closer goes on with syscalls that need no host (clock_gettime,
	   getpid): the peer sees the EOF within them. */
	for (int i = 0; i < 200; i++) /* under uniproc, their sites are rewritten now */
		secs(), getpid();
	*seen = 0;
	tcp_pair(&c, &s);
	if ((pid = fork()) == 0) {
		close(s);
		*seen = read(c, &b, 1) == 0;
		_exit(0);
	}
	close(c);
	close(s);
	double t0 = secs();
	while (!*seen && secs() - t0 < 5)
		getpid();
	printf("EOF while the closer makes syscalls: %s\n", *seen ? "yes" : "no");
	waitpid(pid, NULL, 0);

	/* SO_LINGER 0: close resets at once, even if no syscall follows. */
	*seen = 0;
	tcp_pair(&c, &s);
	if ((pid = fork()) == 0) {
		close(s);
		int r = read(c, &b, 1);
		*seen = r < 0 && errno == ECONNRESET ? 2 : 1;
		_exit(0);
	}
	close(c);
	struct linger lg = {1, 0};
	setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(s);
	for (uint64_t t0 = __builtin_ia32_rdtsc(); !*seen && __builtin_ia32_rdtsc() - t0 < 6000000000ull;)
		__asm__ volatile("pause");
	printf("SO_LINGER 0: the peer saw %s before the closer's next syscall\n",
	       *seen == 2 ? "a reset" : *seen ? "EOF" : "nothing");
	waitpid(pid, NULL, 0);

	/* Two threads close one fd at once: one gets 0, the other EBADF. */
	int good = 0;
	for (int k = 0; k < 100; k++) {
		tcp_pair(&c, &s);
		race_fd = s;
		int r[2];
		pthread_t t[2];
		pthread_barrier_init(&race_bar, NULL, 2);
		for (int i = 0; i < 2; i++)
			pthread_create(&t[i], NULL, race_close, &r[i]);
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&race_bar);
		good += (r[0] == 0 && r[1] == EBADF) || (r[0] == EBADF && r[1] == 0);
		close(c);
	}
	printf("two threads close one fd: one 0, one EBADF, %d times of 100\n", good);

	/* A dup keeps the connection; its own close ends it. */
	tcp_pair(&c, &s);
	int d = dup(s);
	close(s);
	errno = 0;
	n = recv(c, &b, 1, MSG_DONTWAIT);
	printf("a dup holds it: %zd %s\n", n, strerror(errno));
	close(d);
	printf("its close ends it: %zd\n", read(c, &b, 1));
	close(c);
}

/* signalfd in an epoll loop: a blocked SIGUSR1 sent to ourselves and the
   SIGCHLD of a child that exits. */
static void sigfd(void)
{
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigaddset(&m, SIGCHLD);
	sigprocmask(SIG_BLOCK, &m, NULL);
	int sfd = signalfd(-1, &m, SFD_CLOEXEC), ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN};
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	printf("nothing yet: %d\n", epoll_wait(ep, &ev, 1, 0));
	pid_t pid = fork();
	if (pid == 0)
		_exit(3);
	kill(getpid(), SIGUSR1);
	int got = 0, usr1 = 0, chld = 0;
	while (got < 2 && epoll_wait(ep, &ev, 1, 5000) == 1) {
		struct signalfd_siginfo si;
		while (got < 2 && read(sfd, &si, sizeof si) == sizeof si) {
			got++;
			usr1 |= si.ssi_signo == SIGUSR1 && si.ssi_pid == (uint32_t)getpid();
			chld |= si.ssi_signo == SIGCHLD && si.ssi_pid == (uint32_t)pid && si.ssi_status == 3;
			if (got < 2)
				break;
		}
	}
	printf("SIGUSR1 from us: %d, SIGCHLD from the child (status 3): %d\n", usr1, chld);
	sigset_t p;
	sigpending(&p);
	printf("still pending: %d\n", sigismember(&p, SIGUSR1) || sigismember(&p, SIGCHLD));
	reap();
}

static void families(void)
{
	int u = socket(AF_UNIX, SOCK_STREAM, 0), i = socket(AF_INET, SOCK_STREAM, 0);
	int i6 = socket(AF_INET6, SOCK_DGRAM, 0);
	printf("unix: %s, inet: %s, inet6: %s\n", u >= 0 ? "ok" : strerror(errno),
	       i >= 0 ? "ok" : "refused", i6 >= 0 ? "ok" : "refused");
}

/* How many events epfd has now (no wait). */
static int ready_now(int ep)
{
	struct epoll_event e[2];
	return epoll_wait(ep, e, 2, 0);
}

/* Edge-triggered epoll over both ends of a pipe: an edge for each write to
   a read end, for a read from a full pipe to a write end, for a hang-up. */
static void epoll_et(void)
{
	int p[2];
	pipe2(p, O_NONBLOCK);
	int epr = epoll_create1(0), epw = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET};
	epoll_ctl(epr, EPOLL_CTL_ADD, p[0], &ev);
	ev.events = EPOLLOUT | EPOLLET;
	epoll_ctl(epw, EPOLL_CTL_ADD, p[1], &ev);
	static char buf[65536];
	printf("empty read end: %d\n", ready_now(epr));
	printf("write end when added: %d\n", ready_now(epw));
	printf("write end again: %d\n", ready_now(epw));
	write(p[1], buf, 10);
	printf("read end after a write: %d\n", ready_now(epr));
	printf("read end again, bytes left: %d\n", ready_now(epr));
	write(p[1], buf, 10);
	printf("read end after another write: %d\n", ready_now(epr));
	read(p[0], buf, 5);
	printf("write end after a read, not full: %d\n", ready_now(epw));
	while (write(p[1], buf, 4096) > 0)
		;
	printf("write end, full: %d\n", ready_now(epw));
	read(p[0], buf, 8192);
	printf("write end after a read from full: %d\n", ready_now(epw));
	printf("write end again: %d\n", ready_now(epw));
	ev.events = EPOLLIN | EPOLLET;
	epoll_ctl(epr, EPOLL_CTL_MOD, p[0], &ev);
	printf("read end after EPOLL_CTL_MOD: %d\n", ready_now(epr));
	printf("read end again: %d\n", ready_now(epr));
	while (read(p[0], buf, sizeof buf) > 0)
		;
	/* Another VM writes: the edge wakes a blocking wait. */
	if (fork() == 0) {
		write(p[1], "x", 1);
		_exit(0);
	}
	struct epoll_event got;
	printf("a write from a child: %d\n", epoll_wait(epr, &got, 1, 5000));
	printf("read end again: %d\n", ready_now(epr));
	wait(NULL);
	close(p[1]);
	printf("read end after the last writer closed: %d\n", ready_now(epr));
	printf("read end again: %d\n", ready_now(epr));
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *c = argc > 1 ? argv[1] : "";
	if (!strcmp(c, "prefork"))
		prefork(argc > 2 ? atoi(argv[2]) : 300);
	else if (!strcmp(c, "epoll"))
		epoll_loop();
	else if (!strcmp(c, "epoll-et"))
		epoll_et();
	else if (!strcmp(c, "scm"))
		scm();
	else if (!strcmp(c, "udp"))
		udp();
	else if (!strcmp(c, "unix"))
		unix_path(argc > 2 ? argv[2] : "/tmp");
	else if (!strcmp(c, "killed"))
		killed_peer();
	else if (!strcmp(c, "close"))
		closes();
	else if (!strcmp(c, "connect") && argc > 2) { /* a unix socket by path */
		int u = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un a = {.sun_family = AF_UNIX};
		snprintf(a.sun_path, sizeof a.sun_path, "%s", argv[2]);
		printf("connect %s: %s\n", argv[2], connect(u, (struct sockaddr *)&a, sizeof a) ? strerror(errno) : "ok");
	} else if (!strcmp(c, "signalfd"))
		sigfd();
	else if (!strcmp(c, "families"))
		families();
	else
		return 2;
	return 0;
}
