/* pipe tput CHUNK MIB: MiB/s parent -> child in writes of CHUNK bytes.
   pipe pingpong N: mean us per 1-byte round trip over N.
   pipe create N: mean us per pipe() + close() of both ends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int p[2], q[2];
	pipe(p);
	pipe(q);
	if (argc > 3 && !strcmp(argv[1], "tput")) {
		size_t chunk = atol(argv[2]), total = (size_t)atol(argv[3]) << 20;
		char *buf = malloc(chunk);
		memset(buf, 1, chunk);
		if (fork() == 0) {
			close(p[1]);
			size_t got = 0;
			ssize_t r;
			char *rb = malloc(1 << 20);
			while ((r = read(p[0], rb, 1 << 20)) > 0)
				got += r;
			_exit(got != total);
		}
		close(p[0]);
		double t0 = now();
		for (size_t done = 0; done < total;) {
			ssize_t w = write(p[1], buf, chunk < total - done ? chunk : total - done);
			if (w <= 0)
				return 1;
			done += w;
		}
		close(p[1]);
		int st;
		wait(&st);
		printf("%.0f\n", total / (now() - t0) / (1 << 20));
		return WEXITSTATUS(st);
	}
	if (argc > 2 && !strcmp(argv[1], "pingpong")) {
		int n = atoi(argv[2]);
		char c = 0;
		if (fork() == 0) {
			close(p[1]);
			while (read(p[0], &c, 1) == 1)
				write(q[1], &c, 1);
			_exit(0);
		}
		double t0 = now();
		for (int i = 0; i < n; i++) {
			write(p[1], &c, 1);
			read(q[0], &c, 1);
		}
		printf("%.1f\n", (now() - t0) / n * 1e6);
		close(p[1]);
		wait(NULL);
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "create")) {
		int n = atoi(argv[2]);
		double t0 = now();
		for (int i = 0; i < n; i++) {
			pipe(q);
			close(q[0]);
			close(q[1]);
		}
		printf("%.1f\n", (now() - t0) / n * 1e6);
		return 0;
	}
	return 2;
}
