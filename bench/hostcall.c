/* Per-call cost of host-served syscalls, back to back (issue 16):
   hostcall pread|write|fstat|openclose N [FILE]. Prints microseconds per
   call, and the process's CPU time per call (user + system: under uniproc
   the monitor's threads, the call server included). hostcall idle N [MS]: the
   median cost of one fstat after MS (5) ms without a call (the call server
   has gone to sleep), and the CPU time per call. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu(void)
{
	struct rusage r;
	getrusage(RUSAGE_SELF, &r);
	return r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return fprintf(stderr, "usage: hostcall pread|write|fstat|openclose N [FILE] | hostcall idle N [MS]\n"), 2;
	const char *mode = argv[1], *path = argc > 3 && strcmp(mode, "idle") ? argv[3] : "hostcall.tmp";
	long n = atol(argv[2]);
	char buf[4096];
	memset(buf, 'x', sizeof buf);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, buf, sizeof buf) != sizeof buf)
		return perror(path), 1;
	struct stat st;
	if (!strcmp(mode, "idle")) {
		long ms = argc > 3 ? atol(argv[3]) : 5;
		double *d = calloc(n, sizeof *d), c0 = cpu();
		for (long i = 0; i < n; i++) {
			nanosleep(&(struct timespec){ms / 1000, ms % 1000 * 1000000}, NULL);
			double t0 = now();
			fstat(fd, &st);
			d[i] = now() - t0;
		}
		double c = cpu() - c0;
		for (long i = 1; i < n; i++) /* insertion sort: n is small */
			for (long j = i; j > 0 && d[j] < d[j - 1]; j--) {
				double x = d[j];
				d[j] = d[j - 1], d[j - 1] = x;
			}
		close(fd);
		unlink(path);
		printf("%.2f %.2f\n", d[n / 2] * 1e6, c / n * 1e6);
		return 0;
	}
	double t0 = now(), c0 = cpu();
	for (long i = 0; i < n; i++) {
		if (!strcmp(mode, "pread"))
			pread(fd, buf, 512, (i * 512) % 4096);
		else if (!strcmp(mode, "write"))
			pwrite(fd, buf, 100, 0);
		else if (!strcmp(mode, "fstat"))
			fstat(fd, &st);
		else if (!strcmp(mode, "openclose"))
			close(open(path, O_RDONLY));
		else
			return fprintf(stderr, "hostcall: unknown mode %s\n", mode), 2;
	}
	double t = now() - t0, c = cpu() - c0;
	close(fd);
	unlink(path);
	printf("%.2f %.2f\n", t / n * 1e6, c / n * 1e6);
	return 0;
}
