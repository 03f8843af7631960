/* fork N [big|small [KIB]]: median us per fork + _exit + waitpid over N
   rounds; with "big" the process first allocates 64 MiB and touches 4 MiB
   of it; with KIB the child first writes KIB KiB of the parent's memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	size_t dirty = argc > 3 ? (size_t)atol(argv[3]) << 10 : 0;
	char *p = malloc(64 << 20);
	if (argc > 2 && !strcmp(argv[2], "big"))
		memset(p, 1, 4 << 20);
	memset(p, 2, dirty); /* the parent's pages, shared after fork */
	double *t = calloc(n, sizeof *t);
	for (int i = 0; i < n; i++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		pid_t pid = fork();
		if (pid == 0) {
			for (size_t k = 0; k < dirty; k += 4096)
				((volatile char *)p)[k] = 3;
			_exit(0);
		}
		waitpid(pid, NULL, 0);
		clock_gettime(CLOCK_MONOTONIC, &b);
		t[i] = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
	}
	qsort(t, n, sizeof *t, cmp);
	printf("%.1f\n", t[n / 2]);
	return 0;
}
