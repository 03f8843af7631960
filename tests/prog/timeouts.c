/*
 * Timeouts of poll, ppoll, select and pselect6 as Linux checks them
 * (issue 15, found by tests/fuzz/fuzz_hsys.c: a select timeval with a huge
 * tv_usec overflowed in the monitor). Each call has a ready fd, so none
 * waits; a bad timeout is EINVAL before anything is polled.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void say(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerror(errno) : r == 1 ? "ready" : "?");
}

static long sel(int fd, long sec, long usec)
{
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(fd, &rd);
	struct timeval tv = {sec, usec};
	long r = syscall(SYS_select, fd + 1, &rd, NULL, NULL, &tv);
	/* The time left: whole seconds (the call takes microseconds). Past
	   the largest deadline, Linux counts from it down to now: not shown. */
	if (r == 1 && tv.tv_sec < 1000000000000000L)
		printf("  left %ld s\n", (long)tv.tv_sec);
	else if (r == 1)
		printf("  left: more than 10^15 s\n");
	return r;
}

static long psel(int fd, long sec, long nsec)
{
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(fd, &rd);
	struct timespec ts = {sec, nsec};
	return syscall(SYS_pselect6, fd + 1, &rd, NULL, NULL, &ts, NULL);
}

static long pp(int fd, long sec, long nsec)
{
	struct pollfd pf = {fd, POLLIN, 0};
	struct timespec ts = {sec, nsec};
	return syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8);
}

int main(void)
{
	int p[2];
	if (pipe(p) < 0 || write(p[1], "x", 1) != 1)
		return 1;
	int fd = p[0];
	say("select 2.5 s", sel(fd, 2, 500000));
	say("select 10^12 us", sel(fd, 0, 1000000000000L));
	say("select huge us", sel(fd, 0, 0x7fffffffffffffffL));
	say("select huge s", sel(fd, 0x7fffffffffffffffL, 999999));
	say("select negative s", sel(fd, -1, 0));
	say("select negative us", sel(fd, 0, -1));
	say("pselect6 ok", psel(fd, 1, 5));
	say("pselect6 huge s", psel(fd, 0x7fffffffffffffffL, 0));
	say("pselect6 1e9 ns", psel(fd, 0, 1000000000L));
	say("pselect6 negative ns", psel(fd, 0, -1));
	say("pselect6 negative s", psel(fd, -5, 0));
	say("ppoll ok", pp(fd, 3, 0));
	say("ppoll huge s", pp(fd, 0x7fffffffffffffffL, 999999999));
	say("ppoll 1e9 ns", pp(fd, 0, 1000000000L));
	say("ppoll negative ns", pp(fd, 1, -1));
	say("ppoll negative s", pp(fd, -1, 0));
	return 0;
}
