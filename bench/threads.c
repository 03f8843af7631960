/* threads cpu N | mutex N | pingpong N | create N: POSIX threads.
   cpu: N million steps of integer work by one thread, then by each of two
   threads at once; prints the speedup (2 x one thread's time / the pair's
   time; 2.0 is perfect on 2 cores). mutex: N uncontended lock+unlock pairs
   while another thread exists (idle); prints ns per pair. pingpong: N round
   trips of a turn passed between two threads with a mutex and a condition
   variable; prints us per round trip. create: N pthread_create+join of a
   thread that returns at once; prints us per thread. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void create(pthread_t *t, void *(*fn)(void *), void *arg)
{
	int e = pthread_create(t, NULL, fn, arg);
	if (e) {
		fprintf(stderr, "threads: pthread_create: %s\n", strerror(e));
		exit(1);
	}
}

/* --- cpu ------------------------------------------------------------------ */
static long steps;
struct {
	unsigned long v;
	char pad[56]; /* one cache line each */
} threads_out[2]; /* not static: the work is kept */

static void *work(void *arg)
{
	long id = (long)arg;
	unsigned long x = 88172645463325252UL + id;
	for (long i = 0; i < steps; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	threads_out[id].v = x;
	return NULL;
}

static double cpu(long n)
{
	steps = n * 1000000;
	double t0 = now();
	work((void *)0);
	double one = now() - t0;
	pthread_t a, b;
	t0 = now();
	create(&a, work, (void *)0);
	create(&b, work, (void *)1);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	double two = now() - t0;
	return 2 * one / two;
}

/* --- uncontended mutex ---------------------------------------------------- */
static pthread_mutex_t idle_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_c = PTHREAD_COND_INITIALIZER;
static int idle_done;

static void *idle(void *arg)
{
	pthread_mutex_lock(&idle_m);
	while (!idle_done)
		pthread_cond_wait(&idle_c, &idle_m);
	pthread_mutex_unlock(&idle_m);
	return NULL;
}

static double mutex(long n)
{
	pthread_t th;
	create(&th, idle, NULL); /* the process is multi-threaded */
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	for (long i = 0; i < 1000; i++) { /* warm */
		pthread_mutex_lock(&m);
		pthread_mutex_unlock(&m);
	}
	double t0 = now();
	for (long i = 0; i < n; i++) {
		pthread_mutex_lock(&m);
		__asm__ volatile("" ::: "memory");
		pthread_mutex_unlock(&m);
	}
	double t = now() - t0;
	pthread_mutex_lock(&idle_m);
	idle_done = 1;
	pthread_cond_signal(&idle_c);
	pthread_mutex_unlock(&idle_m);
	pthread_join(th, NULL);
	return t / n * 1e9;
}

/* --- condvar ping-pong ---------------------------------------------------- */
static pthread_mutex_t pm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pc = PTHREAD_COND_INITIALIZER;
static int turn;
static long rounds;

static void *player(void *arg)
{
	int me = (int)(long)arg;
	for (long i = 0; i < rounds; i++) {
		pthread_mutex_lock(&pm);
		while (turn != me)
			pthread_cond_wait(&pc, &pm);
		turn = !me;
		pthread_cond_signal(&pc);
		pthread_mutex_unlock(&pm);
	}
	return NULL;
}

static double pingpong(long n)
{
	pthread_t t;
	rounds = n;
	double t0 = now();
	create(&t, player, (void *)1);
	player((void *)0);
	pthread_join(t, NULL);
	return (now() - t0) / n * 1e6;
}

/* --- create + join -------------------------------------------------------- */
static void *nothing(void *arg) { return arg; }

static double create_join(long n)
{
	pthread_t t;
	create(&t, nothing, NULL); /* warm: the first thread maps its stack */
	pthread_join(t, NULL);
	double t0 = now();
	for (long i = 0; i < n; i++) {
		create(&t, nothing, NULL);
		pthread_join(t, NULL);
	}
	return (now() - t0) / n * 1e6;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	long n = atol(argv[2]);
	if (!strcmp(argv[1], "cpu"))
		printf("%.2f\n", cpu(n));
	else if (!strcmp(argv[1], "mutex"))
		printf("%.1f\n", mutex(n));
	else if (!strcmp(argv[1], "pingpong"))
		printf("%.1f\n", pingpong(n));
	else if (!strcmp(argv[1], "create"))
		printf("%.1f\n", create_join(n));
	else
		return 2;
	return 0;
}
