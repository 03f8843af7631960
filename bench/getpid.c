/* getpid N: print the median ns per getpid() over 15 rounds of N calls. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000;
	double t[15];
	for (int r = 0; r < 15; r++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (long i = 0; i < n; i++)
			syscall(SYS_getpid);
		clock_gettime(CLOCK_MONOTONIC, &b);
		t[r] = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n;
	}
	qsort(t, 15, sizeof *t, cmp);
	printf("%.1f\n", t[7]);
	return 0;
}
