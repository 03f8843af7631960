/* A hostile guest (issue 16): one thread scribbles on another thread's
   slot for exitless host calls (found by its GS base, where the library OS
   keeps its state) while that thread makes calls; with an argument, a
   well-behaved second process checks its own calls meanwhile. Under
   uniproc the monitor must survive it: the scribbler's results may be
   wrong (its own fault), the other process's never are. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile uint64_t victim_gs;
static volatile int stop;

static void *victim(void *arg)
{
	uint64_t gs;
	__asm__ volatile("rdgsbase %0" : "=r"(gs));
	victim_gs = gs;
	int fd = open("/proc/self/exe", O_RDONLY);
	char buf[64];
	for (int i = 0; i < 200000 && !stop; i++)
		pread(fd, buf, sizeof buf, i % 4096);
	stop = 1;
	return arg;
}

static void *scribbler(void *arg)
{
	uint64_t x = 88172645463325252ull;
	while (!victim_gs && !stop)
		;
	while (!stop) {
		uint64_t *slot = (uint64_t *)(victim_gs + 240); /* around struct up_sq */
		for (int i = 0; i < 16; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			slot[i % 12] = i % 3 ? x : x % 4;
		}
	}
	return arg;
}

/* A process of its own whose preads must all be right. */
static int checker(void)
{
	int fd = open("/proc/self/exe", O_RDONLY);
	char want[64], got[64];
	if (fd < 0 || pread(fd, want, sizeof want, 0) != sizeof want)
		return 1;
	for (int i = 0; i < 100000; i++)
		if (pread(fd, got, sizeof got, 0) != sizeof got || memcmp(got, want, sizeof got))
			return printf("checker: call %d wrong\n", i), 1;
	return 0;
}

int main(int argc, char **argv)
{
	pid_t c = fork();
	if (c == 0)
		_exit(checker());
	pid_t s = argc > 1 ? fork() : -1;
	if (s == 0) { /* the scribbler in a process of its own */
		pthread_t a, b;
		pthread_create(&a, 0, victim, 0);
		pthread_create(&b, 0, scribbler, 0);
		pthread_join(a, 0);
		stop = 1;
		pthread_join(b, 0);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	printf("checker: %s\n", WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "all calls right" : "failed");
	if (s > 0) { /* whatever state it got itself into, it can be ended */
		kill(s, SIGKILL);
		waitpid(s, &st, 0);
		printf("scribbler: ended\n");
	}
	return 0;
}
