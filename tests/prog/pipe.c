#define _GNU_SOURCE
/* Pipes between processes, checked against Linux: pipe CASE. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static void status(const char *who, int st)
{
	if (WIFEXITED(st))
		printf("%s: exited %d\n", who, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s: killed by signal %d\n", who, WTERMSIG(st));
}

static uint64_t mix(uint64_t h, const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static void fill(unsigned char *b, size_t n, uint64_t *seed)
{
	for (size_t i = 0; i < n; i++) {
		*seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
		b[i] = *seed >> 56;
	}
}

static void xfer(size_t total)
{
	int p[2];
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[1]);
		static unsigned char buf[1 << 20];
		uint64_t h = 0xcbf29ce484222325ull, n = 0;
		ssize_t r;
		while ((r = read(p[0], buf, sizeof buf)) > 0) {
			h = mix(h, buf, r);
			n += r;
		}
		printf("reader: %llu bytes, hash %016llx\n", (unsigned long long)n, (unsigned long long)h);
		exit(0);
	}
	close(p[0]);
	static unsigned char buf[200003];
	uint64_t seed = 1, h = 0xcbf29ce484222325ull;
	size_t sizes[] = {1, 7, 4093, 4096, 4099, 65537, 200003, 131};
	size_t done = 0;
	for (int i = 0; done < total; i++) {
		size_t n = sizes[i % 8];
		if (n > total - done)
			n = total - done;
		fill(buf, n, &seed);
		h = mix(h, buf, n);
		for (size_t off = 0; off < n;) {
			ssize_t w = write(p[1], buf + off, n - off);
			if (w <= 0)
				exit(1);
			off += w;
		}
		done += n;
	}
	close(p[1]);
	int st;
	waitpid(pid, &st, 0);
	printf("writer: %llu bytes, hash %016llx\n", (unsigned long long)done, (unsigned long long)h);
	status("reader", st);
}

/* 8 writers, records of random size <= PIPE_BUF: none may interleave. */
static void atomic(void)
{
	int p[2];
	pipe(p);
	for (int w = 0; w < 8; w++) {
		if (fork() == 0) {
			close(p[0]);
			unsigned char rec[4096];
			uint64_t seed = w + 1;
			for (int i = 0; i < 1000; i++) {
				seed = seed * 6364136223846793005ull + 1;
				size_t n = 3 + (seed >> 33) % (4096 - 3);
				rec[0] = w;
				rec[1] = n & 0xff;
				rec[2] = n >> 8;
				memset(rec + 3, 'A' + w, n - 3);
				if (write(p[1], rec, n) != (ssize_t)n)
					_exit(1);
			}
			_exit(0);
		}
	}
	close(p[1]);
	static unsigned char buf[40 << 20];
	size_t len = 0;
	ssize_t r;
	while ((r = read(p[0], buf + len, sizeof buf - len)) > 0)
		len += r;
	int recs = 0, ok = 1, per[8] = {0};
	for (size_t off = 0; off + 3 <= len && ok;) {
		unsigned w = buf[off];
		size_t n = buf[off + 1] | buf[off + 2] << 8;
		ok = w < 8 && n >= 3 && off + n <= len;
		for (size_t i = 3; ok && i < n; i++)
			ok = buf[off + i] == 'A' + w;
		if (ok) {
			per[w]++;
			recs++;
		}
		off += n;
	}
	while (wait(NULL) > 0)
		;
	printf("records intact: %d, count %d, per writer %d..%d\n", ok, recs, per[0], per[7]);
}

static void eof(void)
{
	int p[2];
	pipe(p);
	for (int i = 0; i < 3; i++)
		if (fork() == 0) {
			close(p[0]);
			usleep(i * 20000);
			for (int k = 0; k <= i; k++)
				write(p[1], "abc", 3);
			_exit(0);
		}
	close(p[1]);
	char buf[64];
	ssize_t r, n = 0;
	while ((r = read(p[0], buf, sizeof buf)) > 0)
		n += r;
	printf("EOF after the last of 3 writers: read %zd bytes, last read %zd\n", n, r);
	while (wait(NULL) > 0)
		;
}

static void killed_writer(void)
{
	int p[2];
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		char buf[4096];
		memset(buf, 'k', sizeof buf);
		for (;;)
			write(p[1], buf, sizeof buf);
	}
	close(p[1]);
	char buf[65536];
	ssize_t r;
	size_t n = 0;
	while (n < (1 << 20) && (r = read(p[0], buf, sizeof buf)) > 0)
		n += r;
	kill(pid, SIGKILL);
	while ((r = read(p[0], buf, sizeof buf)) > 0)
		;
	printf("read returns %zd (EOF) after the writer is killed\n", r);
	int st;
	waitpid(pid, &st, 0);
	status("writer", st);
}

static void readerless(void)
{
	for (int ignore = 0; ignore < 2; ignore++) {
		int p[2];
		pipe(p);
		pid_t reader = fork();
		if (reader == 0)
			_exit(0); /* closes its read end */
		close(p[0]);
		waitpid(reader, NULL, 0);
		pid_t w = fork();
		if (w == 0) {
			if (ignore)
				signal(SIGPIPE, SIG_IGN);
			ssize_t r = write(p[1], "x", 1);
			printf("write without readers: %zd %s\n", r, strerror(errno));
			fflush(stdout);
			_exit(3);
		}
		close(p[1]);
		int st;
		waitpid(w, &st, 0);
		status(ignore ? "writer ignoring SIGPIPE" : "writer", st);
	}
}

static void nonblock(void)
{
	int p[2];
	pipe2(p, O_NONBLOCK);
	char c;
	printf("empty nonblocking read: %zd %s\n", read(p[0], &c, 1), strerror(errno));
	printf("F_GETPIPE_SZ: %d\n", fcntl(p[0], F_GETPIPE_SZ));
	static char buf[1 << 20];
	size_t n = 0;
	ssize_t w;
	while ((w = write(p[1], buf, 512)) > 0) /* Linux packs 512-byte writes into whole pages */
		n += w;
	printf("filled %zu bytes, then %s\n", n, strerror(errno));
	int avail = 0;
	ioctl(p[0], FIONREAD, &avail);
	printf("FIONREAD: %d\n", avail);
	printf("F_SETPIPE_SZ 1 MiB: %d\n", fcntl(p[1], F_SETPIPE_SZ, 1 << 20));
	printf("F_GETPIPE_SZ: %d\n", fcntl(p[0], F_GETPIPE_SZ));
	printf("O_NONBLOCK in F_GETFL: %d\n", (fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0);
}

static void polling(void)
{
	int p[2];
	pipe(p);
	struct pollfd fds[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
	printf("poll empty, 50 ms: %d\n", poll(fds, 1, 50));
	printf("poll write end: %d revents POLLOUT %d\n", poll(fds + 1, 1, 0), (fds[1].revents & POLLOUT) != 0);
	pid_t pid = fork();
	if (pid == 0) {
		usleep(20000);
		write(p[1], "hi", 2);
		_exit(0);
	}
	printf("poll until data: %d revents POLLIN %d\n", poll(fds, 1, -1), (fds[0].revents & POLLIN) != 0);
	fd_set r;
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	struct timeval tv = {1, 0};
	printf("select readable: %d isset %d\n", select(p[0] + 1, &r, NULL, NULL, &tv), FD_ISSET(p[0], &r));
	char buf[4];
	read(p[0], buf, 2);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv = (struct timeval){0, 30000};
	printf("select empty, 30 ms: %d\n", select(p[0] + 1, &r, NULL, NULL, &tv));
	close(p[1]);
	waitpid(pid, NULL, 0);
	printf("poll after writers close: %d POLLHUP %d\n", poll(fds, 1, 0), (fds[0].revents & POLLHUP) != 0);
	struct pollfd bad = {999, POLLIN, 0};
	printf("poll a closed fd: %d POLLNVAL %d\n", poll(&bad, 1, 0), bad.revents == POLLNVAL);
}

/* main -> a -> b -> c -> main: each stage adds one to every byte. */
static void chain(void)
{
	int p[4][2];
	for (int i = 0; i < 4; i++)
		pipe(p[i]);
	for (int s = 0; s < 3; s++) {
		if (fork() == 0) {
			for (int i = 0; i < 4; i++) {
				if (i != s)
					close(p[i][0]);
				if (i != s + 1)
					close(p[i][1]);
			}
			unsigned char buf[3000];
			ssize_t r;
			while ((r = read(p[s][0], buf, sizeof buf)) > 0) {
				for (ssize_t k = 0; k < r; k++)
					buf[k]++;
				write(p[s + 1][1], buf, r);
			}
			_exit(0);
		}
	}
	for (int i = 0; i < 4; i++) {
		if (i != 3)
			close(p[i][0]);
		if (i != 0)
			close(p[i][1]);
	}
	if (fork() == 0) {
		unsigned char buf[4096];
		for (int i = 0; i < 1000; i++) {
			memset(buf, i & 0x7f, sizeof buf);
			write(p[0][1], buf, sizeof buf);
		}
		_exit(0);
	}
	close(p[0][1]);
	unsigned char buf[5000];
	uint64_t h = 0xcbf29ce484222325ull, n = 0;
	ssize_t r;
	while ((r = read(p[3][0], buf, sizeof buf)) > 0) {
		h = mix(h, buf, r);
		n += r;
	}
	while (wait(NULL) > 0)
		;
	printf("4-process chain: %llu bytes, hash %016llx\n", (unsigned long long)n, (unsigned long long)h);
}

/* Print a call's result, and errno if it failed. */
#define SHOW(label, call)                                                        \
	do {                                                                     \
		errno = 0;                                                       \
		long r_ = (long)(call);                                          \
		printf("%s: %ld %s\n", label, r_, r_ < 0 ? strerror(errno) : ""); \
	} while (0)

/* Descriptor calls on pipe ends: dup, dup2 over a pipe end, flags, stat. */
static void fds(void)
{
	int p[2], q[2];
	pipe(p);
	pipe(q);
	int d = dup(p[1]);
	close(p[1]);
	write(d, "dup'd ", 6);
	int e = fcntl(d, F_DUPFD_CLOEXEC, 20);
	printf("F_DUPFD_CLOEXEC: %d, FD_CLOEXEC %d\n", e, fcntl(e, F_GETFD));
	write(e, "twice ", 6);
	dup2(q[1], e); /* e now names q's write end: p's writer count drops */
	write(e, "to q", 4);
	dup3(p[0], q[0], 0); /* q's read end replaced by p's */
	char buf[64] = {0};
	printf("read via dup3: %zd [%s]\n", read(q[0], buf, sizeof buf - 1), buf);
	struct stat st;
	fstat(p[0], &st);
	printf("fstat: FIFO %d, mode %o\n", S_ISFIFO(st.st_mode), st.st_mode & 0777);
	printf("F_GETFL read end %o, write end %o\n", fcntl(p[0], F_GETFL), fcntl(d, F_GETFL));
	SHOW("lseek", lseek(p[0], 0, SEEK_SET));
	SHOW("read on a write end", read(d, buf, 1));
	SHOW("write on a read end", write(p[0], "x", 1));
	SHOW("zero-length read", read(p[0], buf, 0));
	SHOW("zero-length write", write(d, buf, 0));
	struct iovec iov[3] = {{"wri", 3}, {"", 0}, {"tev", 3}};
	SHOW("writev", writev(d, iov, 3));
	char a[2], b[8] = {0};
	struct iovec riov[2] = {{a, 2}, {b, 7}};
	SHOW("readv", readv(p[0], riov, 2));
	printf("readv got [%.2s|%s]\n", a, b);
	/* O_NONBLOCK belongs to the open pipe, shared with a forked child. */
	pid_t pid = fork();
	if (pid == 0) {
		fcntl(p[0], F_SETFL, O_NONBLOCK);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	printf("parent sees the child's O_NONBLOCK: %d\n", (fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0);
	SHOW("nonblocking read of an empty pipe", read(p[0], buf, 1));
	int on = 0;
	ioctl(p[0], FIONBIO, &on);
	close(d);
	SHOW("blocking again, writers closed: read", read(p[0], buf, 1));
	SHOW("close of e", close(e));
	SHOW("close of e again", close(e));
	SHOW("pipe2 with a flag it does not take", pipe2(q, O_APPEND));
}

/* sendfile from a file into a pipe and into a file; a pipe is no source. */
static void sendfile_case(void)
{
	char path[] = "/tmp/uniproc-sendfile-XXXXXX";
	int fd = mkstemp(path);
	write(fd, "0123456789abcdef", 16);
	int p[2];
	pipe(p);
	off_t off = 4;
	SHOW("sendfile file -> pipe, offset 4", sendfile(p[1], fd, &off, 6));
	printf("offset now %ld\n", (long)off);
	char buf[32] = {0};
	SHOW("read it", read(p[0], buf, sizeof buf - 1));
	printf("[%s]\n", buf);
	lseek(fd, 10, SEEK_SET);
	SHOW("sendfile file -> pipe, file offset", sendfile(p[1], fd, NULL, 100));
	SHOW("file offset now", lseek(fd, 0, SEEK_CUR));
	SHOW("sendfile pipe -> file", sendfile(fd, p[0], NULL, 3));
	int out = open(path, O_WRONLY);
	lseek(out, 0, SEEK_END);
	lseek(fd, 0, SEEK_SET);
	SHOW("sendfile file -> file", sendfile(out, fd, NULL, 5));
	SHOW("file size now", lseek(out, 0, SEEK_END));
	close(out);
	close(fd);
	unlink(path);
}

/* poll and select over a pipe and stdin (a file: always readable). */
static void pollmix(void)
{
	int p[2];
	pipe(p);
	struct pollfd fds[3] = {{0, POLLIN, 0}, {p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
	int r = poll(fds, 3, 1000);
	printf("poll stdin+pipe: %d revents %x %x %x\n", r, fds[0].revents, fds[1].revents, fds[2].revents);
	write(p[1], "x", 1);
	r = poll(fds, 2, 0);
	printf("poll after a write: %d revents %x %x\n", r, fds[0].revents, fds[1].revents);
	fd_set rd, wr;
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(p[0], &rd);
	FD_SET(0, &rd);
	FD_SET(p[1], &wr);
	struct timeval tv = {0, 0};
	r = select(p[1] + 1, &rd, &wr, NULL, &tv);
	printf("select: %d stdin %d read end %d write end %d\n", r, FD_ISSET(0, &rd), FD_ISSET(p[0], &rd), FD_ISSET(p[1], &wr));
	close(p[0]);
	r = poll(fds + 2, 1, 0);
	printf("poll write end without readers: %d revents %x\n", r, fds[2].revents);
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	SHOW("select on a closed fd", select(p[0] + 1, &rd, NULL, NULL, &tv));
}

static void emfile(void)
{
	struct rlimit rl = {64, 64};
	setrlimit(RLIMIT_NOFILE, &rl);
	int p[2], n = 0;
	while (pipe(p) == 0)
		n++;
	printf("pipes until the fd limit of 64: %d, then %s\n", n, strerror(errno));
}

/* Wait until pid sleeps (blocked in a read or a write): its state in
   /proc/PID/stat. A loop on a condition, not a sleep that hopes. */
static void wait_asleep(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	for (;;) {
		int fd = open(path, O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
		if (fd >= 0)
			close(fd);
		char *e = n > 0 ? (buf[n] = 0, strrchr(buf, ')')) : NULL;
		if (e && e[1] == ' ' && e[2] == 'S')
			return;
		usleep(1000);
	}
}

/*
 * The last reader is killed by SIGKILL (asleep in its read, or busy
 * elsewhere): the next write gets EPIPE, or SIGPIPE, at once, in the
 * killer and in another writer it then tells to write.
 */
static void sigkilled(void)
{
	for (int asleep = 0; asleep < 2; asleep++) {
		int p[2], ready[2], go[2], never[2];
		pipe(p);
		pipe(ready);
		pipe(go);
		pipe(never);
		char c;
		pid_t r = fork();
		if (r == 0) {
			close(p[1]);
			write(ready[1], "r", 1);
			read(asleep ? p[0] : never[0], &c, 1);
			_exit(1);
		}
		pid_t w = fork();
		if (w == 0) {
			close(p[0]);
			read(go[0], &c, 1);
			ssize_t n = write(p[1], "x", 1);
			printf("other writer: %zd %s\n", n, strerror(errno));
			_exit(0);
		}
		close(p[0]);
		read(ready[0], &c, 1);
		if (asleep)
			wait_asleep(r);
		kill(r, SIGKILL);
		int st;
		waitpid(r, &st, 0);
		status(asleep ? "reader asleep" : "reader busy", st);
		write(go[1], "g", 1);
		waitpid(w, &st, 0);
		status("other writer", st);
		signal(SIGPIPE, SIG_IGN);
		errno = 0;
		ssize_t wr = write(p[1], "x", 1);
		printf("write: %zd %s\n", wr, strerror(errno));
		fcntl(p[1], F_SETFL, O_NONBLOCK);
		static char buf[4096];
		ssize_t n;
		size_t total = 0;
		while ((n = write(p[1], buf, sizeof buf)) > 0)
			total += n;
		printf("nonblocking writes took %zu bytes, then %s\n", total, strerror(errno));
		signal(SIGPIPE, SIG_DFL);
		close(p[1]);
	}
	/* Nobody reaps it (SIGCHLD ignored): wait() returns once it is gone. */
	int p[2];
	pipe(p);
	signal(SIGCHLD, SIG_IGN);
	pid_t r = fork();
	if (r == 0) {
		close(p[1]);
		char c;
		read(p[0], &c, 1);
		_exit(1);
	}
	close(p[0]);
	kill(r, SIGKILL);
	errno = 0;
	int w = wait(NULL);
	printf("SIGCHLD ignored, wait: %d %s\n", w, strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	errno = 0;
	ssize_t wr = write(p[1], "x", 1);
	printf("write: %zd %s\n", wr, strerror(errno));
	signal(SIGCHLD, SIG_DFL);
}

/*
 * A sleeper (a reader of an empty pipe, a writer of a full one) killed by
 * SIGKILL: the pipe works on as before. (Under uniproc, it must not stay
 * counted as asleep, which would cost the other side a VM exit each time
 * it moves bytes after a wake: run.sh counts them with --stats.)
 */
static void sleeper_killed(void)
{
	int a[2], b[2], ready[2];
	pipe(a);
	pipe(b);
	pipe(ready);
	char c, page[4096] = {0};
	pid_t k = fork();
	if (k == 0) {
		write(ready[1], "r", 1);
		read(a[0], &c, 1);
		_exit(1);
	}
	int st;
	read(ready[0], &c, 1);
	wait_asleep(k);
	kill(k, SIGKILL);
	waitpid(k, &st, 0);
	status("reader asleep", st);
	fcntl(b[1], F_SETFL, O_NONBLOCK);
	size_t full = 0;
	ssize_t n;
	while ((n = write(b[1], page, sizeof page)) > 0)
		full += n;
	fcntl(b[1], F_SETFL, 0);
	k = fork();
	if (k == 0) {
		write(ready[1], "w", 1);
		write(b[1], page, sizeof page);
		_exit(1);
	}
	read(ready[0], &c, 1);
	wait_asleep(k);
	kill(k, SIGKILL);
	waitpid(k, &st, 0);
	status("writer asleep", st);
	int ready_polls = 0, moved = 0;
	for (int i = 0; i < 100; i++) {
		struct pollfd pa = {a[0], POLLIN, 0}, pb = {b[1], POLLOUT, 0};
		ready_polls += poll(&pa, 1, 1); /* empty: 1 ms asleep */
		moved += write(a[1], "x", 1) == 1;
		moved += read(a[0], &c, 1) == 1;
		ready_polls += poll(&pb, 1, 1); /* full: 1 ms asleep */
		moved += read(b[0], page, sizeof page) == sizeof page;
		moved += write(b[1], page, sizeof page) == sizeof page;
	}
	printf("pipe full at %zu; 100 rounds: %d polls ready, %d calls moved their bytes\n", full,
	       ready_polls, moved);
}

/*
 * Capacity counted by pages, as Linux does: a pipe is 16 page buffers; a
 * write merges into the newest page only at its start, only when the pipe
 * is not empty and the write's last partial page fits there.
 */
static void fill_report(int fd_r, int fd_w, const char *label, size_t size)
{
	static char buf[1 << 17];
	size_t bytes = 0, writes = 0;
	ssize_t n;
	errno = 0;
	while ((n = write(fd_w, buf, size)) > 0) {
		bytes += n;
		writes++;
		if ((size_t)n < size)
			printf("  %s: a short write of %zd\n", label, n);
	}
	int avail = -1;
	ioctl(fd_r, FIONREAD, &avail);
	printf("%s: %zu writes of %zu took %zu bytes, then %s; FIONREAD %d\n", label, writes, size, bytes,
	       strerror(errno), avail);
}

static void pages(void)
{
	static char buf[1 << 17];
	size_t sizes[] = {1, 100, 512, 1000, 3000, 4095, 4096, 4097, 5000, 8191, 10000, 65536, 70000};
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		int p[2];
		pipe2(p, O_NONBLOCK);
		char label[32];
		snprintf(label, sizeof label, "size %zu", sizes[i]);
		fill_report(p[0], p[1], label, sizes[i]);
		close(p[0]);
		close(p[1]);
	}
	int p[2];
	pipe2(p, O_NONBLOCK);
	/* A page partly read stays a page; an emptied pipe starts afresh. */
	write(p[1], buf, 100);
	read(p[0], buf, 50);
	fill_report(p[0], p[1], "100 in, 50 read, then 4096s", 4096);
	read(p[0], buf, 4096);
	fill_report(p[0], p[1], "then 4096 read, 1s", 1);
	while (read(p[0], buf, sizeof buf) > 0)
		;
	write(p[1], buf, 1);
	read(p[0], buf, 1);
	fill_report(p[0], p[1], "emptied, then 1s", 1);
	while (read(p[0], buf, sizeof buf) > 0)
		;
	/* 3000 then 2000: two pages; the 1-byte writes fill the second first. */
	write(p[1], buf, 3000);
	write(p[1], buf, 2000);
	fill_report(p[0], p[1], "3000, 2000, then 1s", 1);
	while (read(p[0], buf, sizeof buf) > 0)
		;
	/* 15 full pages and 100 bytes: a big write merges its tail first. */
	for (int i = 0; i < 15; i++)
		write(p[1], buf, 4096);
	write(p[1], buf, 100);
	SHOW("15 pages + 100, write 10000", write(p[1], buf, 10000));
	SHOW("then write 1", write(p[1], buf, 1));
	SHOW("then write 3000", write(p[1], buf, 3000));
	while (read(p[0], buf, sizeof buf) > 0)
		;
	struct iovec iov[3] = {{buf, 1000}, {buf, 2000}, {buf, 1500}};
	for (int i = 0; i < 20; i++)
		if (writev(p[1], iov, 3) < 0) {
			printf("writev of 4500: full after %d\n", i);
			break;
		}
	while (read(p[0], buf, sizeof buf) > 0)
		;
	/* F_SETPIPE_SZ rounds up to a power of two pages; EBUSY counts pages. */
	write(p[1], buf, 1);
	write(p[1], buf, 4096);
	write(p[1], buf, 4096);
	SHOW("3 pages, F_SETPIPE_SZ 8192", fcntl(p[1], F_SETPIPE_SZ, 8192));
	SHOW("F_SETPIPE_SZ 12288", fcntl(p[1], F_SETPIPE_SZ, 12288));
	fill_report(p[0], p[1], "16 KiB, 1s", 1);
	SHOW("F_SETPIPE_SZ 5000", fcntl(p[1], F_SETPIPE_SZ, 5000));
	while (read(p[0], buf, sizeof buf) > 0)
		;
	SHOW("empty, F_SETPIPE_SZ 0", fcntl(p[1], F_SETPIPE_SZ, 0));
	SHOW("F_GETPIPE_SZ", fcntl(p[1], F_GETPIPE_SZ));
	SHOW("write 4096", write(p[1], buf, 4096));
	SHOW("write 1", write(p[1], buf, 1));
	SHOW("read 1", read(p[0], buf, 1));
	SHOW("write 1 again", write(p[1], buf, 1));
	SHOW("F_SETPIPE_SZ 5000", fcntl(p[1], F_SETPIPE_SZ, 5000));
	fill_report(p[0], p[1], "8 KiB, 3000s", 3000);
	SHOW("F_SETPIPE_SZ 1 MiB", fcntl(p[1], F_SETPIPE_SZ, 1 << 20));
	fill_report(p[0], p[1], "1 MiB, 1000s", 1000);
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(c, "xfer"))
		xfer(argc > 2 ? strtoull(argv[2], 0, 0) : 256u << 20);
	else if (!strcmp(c, "atomic"))
		atomic();
	else if (!strcmp(c, "eof"))
		eof();
	else if (!strcmp(c, "killed"))
		killed_writer();
	else if (!strcmp(c, "readerless"))
		readerless();
	else if (!strcmp(c, "nonblock"))
		nonblock();
	else if (!strcmp(c, "poll"))
		polling();
	else if (!strcmp(c, "chain"))
		chain();
	else if (!strcmp(c, "fds"))
		fds();
	else if (!strcmp(c, "sendfile"))
		sendfile_case();
	else if (!strcmp(c, "pollmix"))
		pollmix();
	else if (!strcmp(c, "emfile"))
		emfile();
	else if (!strcmp(c, "sigkilled"))
		sigkilled();
	else if (!strcmp(c, "sleeper-killed"))
		sleeper_killed();
	else if (!strcmp(c, "pages"))
		pages();
	else
		return 2;
	return 0;
}
