/* shm atomics N | pingpong N | create N: memory shared by two processes.
   atomics: each of two processes adds N to a shared counter; prints the
   total rate in M increments/s. pingpong: N round trips of a turn passed
   with a process-shared mutex and condition variable; prints us per round
   trip. create: N times map 64 MiB shared, touch a page, unmap; prints us. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

struct shared {
	pthread_mutex_t m;
	pthread_cond_t cv;
	volatile int turn, ready;
	volatile long counter;
	double child_time;
};

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	long n = atol(argv[2]);
	struct shared *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!strcmp(argv[1], "create")) {
		double t0 = now();
		for (long i = 0; i < n; i++) {
			char *m = mmap(NULL, 64 << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
			m[12345] = 1;
			munmap(m, 64 << 20);
		}
		printf("%.1f\n", (now() - t0) / n * 1e6);
		return 0;
	}
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&s->m, &ma);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	pthread_cond_init(&s->cv, &ca);
	int atomics = !strcmp(argv[1], "atomics");
	pid_t pid = fork();
	int me = pid == 0;
	__atomic_fetch_add(&s->ready, 1, __ATOMIC_SEQ_CST);
	while (s->ready < 2)
		; /* both start together */
	double t0 = now();
	if (atomics) {
		for (long i = 0; i < n; i++)
			__atomic_fetch_add(&s->counter, 1, __ATOMIC_RELAXED);
	} else {
		for (long i = 0; i < n; i++) {
			pthread_mutex_lock(&s->m);
			while (s->turn != me)
				pthread_cond_wait(&s->cv, &s->m);
			s->turn = !me;
			pthread_cond_signal(&s->cv);
			pthread_mutex_unlock(&s->m);
		}
	}
	double t = now() - t0;
	if (me) {
		s->child_time = t;
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	if (s->child_time > t)
		t = s->child_time;
	if (atomics)
		printf("%.1f\n", 2.0 * n / t / 1e6);
	else
		printf("%.1f\n", t / n * 1e6);
	return 0;
}
