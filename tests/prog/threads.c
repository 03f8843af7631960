#define _GNU_SOURCE
/* POSIX threads, checked against Linux: threads CASE (or "all").
   Every case prints its results in a fixed order once its threads are
   joined: nothing depends on timing, addresses or interleaving. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* A thread that cannot be created ends the test at once (no hang in a
   join of a thread that never was). */
static int start_thread(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
	int e = pthread_create(t, a, fn, arg);
	if (e) {
		printf("pthread_create: %s\n", strerror(e));
		fflush(stdout);
		_exit(1);
	}
	return 0;
}
#define pthread_create start_thread

#define CHECK(x) do { int e_ = (x); if (e_) { printf("%s: %s\n", #x, strerror(e_)); exit(1); } } while (0)

static const char *ename(int e)
{
	switch (e) {
	case 0: return "0";
	case EBUSY: return "EBUSY";
	case EDEADLK: return "EDEADLK";
	case EPERM: return "EPERM";
	case EAGAIN: return "EAGAIN";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EINVAL: return "EINVAL";
	case EOWNERDEAD: return "EOWNERDEAD";
	case ENOTRECOVERABLE: return "ENOTRECOVERABLE";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case ENOSYS: return "ENOSYS";
	case ERANGE: return "ERANGE";
	default: return strerror(e);
	}
}

static pid_t tid(void) { return syscall(SYS_gettid); }

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* An absolute deadline ms from now on clock c. */
static struct timespec deadline(clockid_t c, int ms)
{
	struct timespec t;
	clock_gettime(c, &t);
	t.tv_nsec += (ms % 1000) * 1000000L;
	t.tv_sec += ms / 1000 + t.tv_nsec / 1000000000L;
	t.tv_nsec %= 1000000000L;
	return t;
}

static double elapsed_ms(struct timespec a, struct timespec b)
{
	return (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
}

/* --- mutex ---------------------------------------------------------------- */
static pthread_mutex_t m1 = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *add_locked(void *arg)
{
	long n = (long)arg;
	for (long i = 0; i < n; i++) {
		pthread_mutex_lock(&m1);
		counter++;
		pthread_mutex_unlock(&m1);
	}
	return NULL;
}

static void *try_other(void *arg)
{
	pthread_mutex_t *m = arg;
	return (void *)(intptr_t)pthread_mutex_trylock(m);
}

static void *unlock_other(void *arg)
{
	return (void *)(intptr_t)pthread_mutex_unlock(arg);
}

static void case_mutex(void)
{
	pthread_t t[4];
	counter = 0;
	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, add_locked, (void *)100000L));
	for (int i = 0; i < 4; i++)
		CHECK(pthread_join(t[i], NULL));
	printf("mutex: 4 threads x 100000 = %ld\n", counter);

	/* trylock by another thread while held: EBUSY */
	void *r;
	pthread_mutex_lock(&m1);
	pthread_create(&t[0], NULL, try_other, &m1);
	pthread_join(t[0], &r);
	pthread_mutex_unlock(&m1);
	printf("mutex: trylock held by another: %s\n", ename((int)(intptr_t)r));

	pthread_mutexattr_t a;
	pthread_mutex_t rec, chk;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&rec, &a);
	int r1 = pthread_mutex_lock(&rec), r2 = pthread_mutex_lock(&rec), r3 = pthread_mutex_trylock(&rec);
	pthread_create(&t[0], NULL, try_other, &rec);
	pthread_join(t[0], &r);
	int u1 = pthread_mutex_unlock(&rec), u2 = pthread_mutex_unlock(&rec), u3 = pthread_mutex_unlock(&rec);
	int u4 = pthread_mutex_unlock(&rec);
	printf("mutex: recursive lock %s %s %s, other %s, unlock %s %s %s, extra unlock %s\n",
	       ename(r1), ename(r2), ename(r3), ename((int)(intptr_t)r), ename(u1), ename(u2), ename(u3), ename(u4));

	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&chk, &a);
	r1 = pthread_mutex_lock(&chk);
	r2 = pthread_mutex_lock(&chk);
	pthread_create(&t[0], NULL, unlock_other, &chk);
	pthread_join(t[0], &r);
	u1 = pthread_mutex_unlock(&chk);
	u2 = pthread_mutex_unlock(&chk);
	printf("mutex: errorcheck lock %s, relock %s, unlock by other %s, unlock %s, again %s\n",
	       ename(r1), ename(r2), ename((int)(intptr_t)r), ename(u1), ename(u2));
	pthread_mutex_destroy(&rec);
	pthread_mutex_destroy(&chk);
	pthread_mutexattr_destroy(&a);
}

/* --- condition variables: a bounded queue, broadcast ---------------------- */
#define QN 4
static struct {
	pthread_mutex_t m;
	pthread_cond_t notfull, notempty;
	int buf[QN], head, tail, count;
} q = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER };

static void q_put(int v)
{
	pthread_mutex_lock(&q.m);
	while (q.count == QN)
		pthread_cond_wait(&q.notfull, &q.m);
	q.buf[q.tail] = v;
	q.tail = (q.tail + 1) % QN;
	q.count++;
	pthread_cond_signal(&q.notempty);
	pthread_mutex_unlock(&q.m);
}

static int q_get(void)
{
	pthread_mutex_lock(&q.m);
	while (q.count == 0)
		pthread_cond_wait(&q.notempty, &q.m);
	int v = q.buf[q.head];
	q.head = (q.head + 1) % QN;
	q.count--;
	pthread_cond_signal(&q.notfull);
	pthread_mutex_unlock(&q.m);
	return v;
}

static void *producer(void *arg)
{
	long base = (long)arg;
	for (int i = 1; i <= 20000; i++)
		q_put(base + i);
	return NULL;
}

static void *consumer(void *arg)
{
	long sum = 0;
	for (;;) {
		int v = q_get();
		if (v < 0)
			break;
		sum += v;
	}
	return (void *)sum;
}

static pthread_mutex_t gate_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_c = PTHREAD_COND_INITIALIZER;
static int gate_open, gate_waiting;

static void *gate_waiter(void *arg)
{
	pthread_mutex_lock(&gate_m);
	gate_waiting++;
	pthread_cond_broadcast(&gate_c); /* tell main one more waits */
	while (!gate_open)
		pthread_cond_wait(&gate_c, &gate_m);
	pthread_mutex_unlock(&gate_m);
	return arg;
}

static void case_cond(void)
{
	pthread_t p[2], c[2];
	for (long i = 0; i < 2; i++)
		CHECK(pthread_create(&p[i], NULL, producer, (void *)(i * 1000000)));
	for (int i = 0; i < 2; i++)
		CHECK(pthread_create(&c[i], NULL, consumer, NULL));
	for (int i = 0; i < 2; i++)
		pthread_join(p[i], NULL);
	q_put(-1);
	q_put(-1);
	long total = 0;
	for (int i = 0; i < 2; i++) {
		void *r;
		pthread_join(c[i], &r);
		total += (long)r;
	}
	printf("cond: queue of %d, 2 producers x 20000, consumers summed %ld\n", QN, total);

	pthread_t w[6];
	for (long i = 0; i < 6; i++)
		pthread_create(&w[i], NULL, gate_waiter, (void *)i);
	pthread_mutex_lock(&gate_m);
	while (gate_waiting < 6)
		pthread_cond_wait(&gate_c, &gate_m);
	gate_open = 1;
	pthread_cond_broadcast(&gate_c);
	pthread_mutex_unlock(&gate_m);
	long s = 0;
	for (int i = 0; i < 6; i++) {
		void *r;
		pthread_join(w[i], &r);
		s += (long)r;
	}
	printf("cond: broadcast released 6 waiters (sum of ids %ld)\n", s);
}

/* --- rwlock --------------------------------------------------------------- */
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long rw_value, rw_bad;

static void *rw_try(void *arg)
{
	long kind = (long)arg;
	int r = kind ? pthread_rwlock_trywrlock(&rw) : pthread_rwlock_tryrdlock(&rw);
	if (r == 0)
		pthread_rwlock_unlock(&rw);
	return (void *)(intptr_t)r;
}

static void *rw_worker(void *arg)
{
	long id = (long)arg;
	for (int i = 0; i < 20000; i++) {
		if ((i + id) % 8 == 0) {
			pthread_rwlock_wrlock(&rw);
			long v = rw_value;
			rw_value = -1; /* readers must never see this */
			rw_value = v + 1;
			pthread_rwlock_unlock(&rw);
		} else {
			pthread_rwlock_rdlock(&rw);
			if (rw_value < 0)
				rw_bad++;
			pthread_rwlock_unlock(&rw);
		}
	}
	return NULL;
}

static void case_rwlock(void)
{
	pthread_t t;
	void *r1, *r2;
	pthread_rwlock_rdlock(&rw);
	pthread_create(&t, NULL, rw_try, (void *)0);
	pthread_join(t, &r1);
	pthread_create(&t, NULL, rw_try, (void *)1);
	pthread_join(t, &r2);
	pthread_rwlock_unlock(&rw);
	printf("rwlock: read-held: other tryrdlock %s, trywrlock %s\n", ename((int)(intptr_t)r1), ename((int)(intptr_t)r2));
	pthread_rwlock_wrlock(&rw);
	pthread_create(&t, NULL, rw_try, (void *)0);
	pthread_join(t, &r1);
	pthread_create(&t, NULL, rw_try, (void *)1);
	pthread_join(t, &r2);
	pthread_rwlock_unlock(&rw);
	printf("rwlock: write-held: other tryrdlock %s, trywrlock %s\n", ename((int)(intptr_t)r1), ename((int)(intptr_t)r2));

	pthread_t w[4];
	for (long i = 0; i < 4; i++)
		pthread_create(&w[i], NULL, rw_worker, (void *)i);
	for (int i = 0; i < 4; i++)
		pthread_join(w[i], NULL);
	printf("rwlock: 4 threads: %ld writes, %ld torn reads\n", rw_value, rw_bad);
}

/* --- barrier -------------------------------------------------------------- */
static pthread_barrier_t bar;
static atomic_int serial_count, phase_seen[3];
static atomic_int phase_errors;

static void *bar_worker(void *arg)
{
	for (int round = 0; round < 3; round++) {
		atomic_fetch_add(&phase_seen[round], 1);
		int r = pthread_barrier_wait(&bar);
		if (r == PTHREAD_BARRIER_SERIAL_THREAD)
			atomic_fetch_add(&serial_count, 1);
		else if (r)
			atomic_fetch_add(&phase_errors, 1);
		if (atomic_load(&phase_seen[round]) != 8) /* all arrived before any leaves */
			atomic_fetch_add(&phase_errors, 1);
	}
	return arg;
}

static void case_barrier(void)
{
	pthread_t t[8];
	pthread_barrier_init(&bar, NULL, 8);
	for (long i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, bar_worker, (void *)i);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&bar);
	printf("barrier: 8 threads, 3 rounds: %d serial threads, %d errors\n", serial_count, phase_errors);
}

/* --- unnamed semaphores --------------------------------------------------- */
static sem_t sem_items, sem_done;
static atomic_long sem_sum;

static void *sem_worker(void *arg)
{
	for (int i = 0; i < 1000; i++) {
		sem_wait(&sem_items);
		atomic_fetch_add(&sem_sum, 1);
	}
	sem_post(&sem_done);
	return arg;
}

static void case_sem(void)
{
	int v;
	sem_init(&sem_items, 0, 0);
	sem_init(&sem_done, 0, 0);
	int r = sem_trywait(&sem_items);
	printf("sem: trywait on 0: %d %s\n", r, r ? ename(errno) : "");
	struct timespec d = deadline(CLOCK_REALTIME, 50);
	r = sem_timedwait(&sem_items, &d);
	printf("sem: timedwait on 0: %d %s\n", r, r ? ename(errno) : "");
	pthread_t t[3];
	for (long i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, sem_worker, (void *)i);
	for (int i = 0; i < 3000; i++)
		sem_post(&sem_items);
	for (int i = 0; i < 3; i++)
		sem_wait(&sem_done);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	sem_getvalue(&sem_items, &v);
	printf("sem: 3000 posts, 3 waiters took %ld, value now %d\n", (long)sem_sum, v);
	sem_post(&sem_items);
	sem_post(&sem_items);
	sem_getvalue(&sem_items, &v);
	r = sem_trywait(&sem_items);
	printf("sem: value after 2 posts %d, trywait %d\n", v, r);
	sem_destroy(&sem_items);
	sem_destroy(&sem_done);
}

/* --- TLS and thread-specific data ----------------------------------------- */
static __thread long tls_counter = 42;
static __thread char tls_buf[64];
static __thread long tls_zero;
static uintptr_t tls_addr[5];

static void *tls_worker(void *arg)
{
	long id = (long)arg;
	long init = tls_counter, zero = tls_zero;
	tls_addr[id] = (uintptr_t)&tls_counter;
	for (int i = 0; i < 1000; i++)
		tls_counter += id;
	snprintf(tls_buf, sizeof tls_buf, "thread %ld", id);
	sched_yield();
	char out[128];
	snprintf(out, sizeof out, "init %ld zero %ld now %ld buf '%s'", init, zero, tls_counter, tls_buf);
	return strdup(out);
}

static pthread_key_t key1, key2;
static atomic_int dtor1_calls, dtor2_calls, dtor_sum;
static atomic_int dtor2_reset;

static void dtor1(void *p)
{
	atomic_fetch_add(&dtor1_calls, 1);
	atomic_fetch_add(&dtor_sum, (int)(intptr_t)p);
}

static void dtor2(void *p)
{
	atomic_fetch_add(&dtor2_calls, 1);
	/* set it again once: the destructors run another round */
	if ((intptr_t)p == 1 && atomic_fetch_add(&dtor2_reset, 1) < 1)
		pthread_setspecific(key2, (void *)2);
}

static void *tsd_worker(void *arg)
{
	long id = (long)arg;
	int before = pthread_getspecific(key1) == NULL;
	pthread_setspecific(key1, (void *)(id + 1));
	if (id == 0)
		pthread_setspecific(key2, (void *)1);
	sched_yield();
	long mine = (long)(intptr_t)pthread_getspecific(key1);
	return (void *)(long)(before && mine == id + 1);
}

static void case_tls(void)
{
	pthread_t t[4];
	tls_counter = 7;
	strcpy(tls_buf, "main");
	tls_addr[4] = (uintptr_t)&tls_counter;
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, tls_worker, (void *)i);
	for (int i = 0; i < 4; i++) {
		char *s;
		pthread_join(t[i], (void **)&s);
		printf("tls: thread %d: %s\n", i, s);
		free(s);
	}
	int distinct = 1;
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < i; j++)
			distinct &= tls_addr[i] != tls_addr[j];
	printf("tls: main still %ld '%s', addresses distinct: %d\n", tls_counter, tls_buf, distinct);

	pthread_key_create(&key1, dtor1);
	pthread_key_create(&key2, dtor2);
	pthread_setspecific(key1, (void *)100); /* main's: no destructor unless it exits a thread */
	int ok = 0;
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, tsd_worker, (void *)i);
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		ok += (long)r;
	}
	printf("tsd: %d threads saw their own value; key1 destructor %d calls (sum %d), key2 %d calls\n",
	       ok, dtor1_calls, dtor_sum, dtor2_calls);
	printf("tsd: main's value %ld\n", (long)(intptr_t)pthread_getspecific(key1));
	pthread_key_delete(key1);
	pthread_key_delete(key2);
}

/* --- joinable, detached, join values, pthread_exit ------------------------ */
static sem_t det_done;

static void *ret_value(void *arg) { return (void *)((long)arg * 3); }

static void *exits_early(void *arg)
{
	pthread_exit((void *)((long)arg + 1000));
	return NULL;
}

static void deeper(long n)
{
	if (n < 0)
		return;
	if (n == 0)
		pthread_exit((void *)77L);
	deeper(n - 1);
}

static void *exits_deep(void *arg)
{
	deeper(20);
	return NULL;
}

static void *detached(void *arg)
{
	sem_post(&det_done);
	return arg;
}

static void *self_detach(void *arg)
{
	int r = pthread_detach(pthread_self());
	if (r == 0)
		sem_post(&det_done);
	return arg;
}

static pthread_t join_target;
static void *joins_another(void *arg)
{
	void *r;
	int e = pthread_join(join_target, &r);
	return (void *)(e ? -1L : (long)r + 1);
}

static void case_join(void)
{
	pthread_t t[4];
	void *r;
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, ret_value, (void *)i);
	printf("join: returned");
	for (int i = 3; i >= 0; i--) {
		pthread_join(t[i], &r);
		printf(" %ld", (long)r);
	}
	printf("\n");
	pthread_create(&t[0], NULL, exits_early, (void *)5);
	pthread_create(&t[1], NULL, exits_deep, NULL);
	sleep_ms(20); /* both have exited before they are joined */
	pthread_join(t[0], &r);
	printf("join: pthread_exit value %ld\n", (long)r);
	pthread_join(t[1], &r);
	printf("join: pthread_exit from deep in the stack %ld\n", (long)r);
	pthread_create(&join_target, NULL, ret_value, (void *)10);
	pthread_create(&t[0], NULL, joins_another, NULL);
	pthread_join(t[0], &r);
	printf("join: joined by another thread, +1: %ld\n", (long)r);

	sem_init(&det_done, 0, 0);
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	int st;
	pthread_attr_getdetachstate(&a, &st);
	int ok = 0;
	for (int i = 0; i < 5; i++)
		ok += pthread_create(&t[0], &a, detached, NULL) == 0;
	for (int i = 0; i < 3; i++)
		ok += pthread_create(&t[0], NULL, self_detach, NULL) == 0;
	for (int i = 0; i < 8; i++)
		sem_wait(&det_done);
	printf("join: %d detached threads ran (attr detached: %d)\n", ok, st == PTHREAD_CREATE_DETACHED);
	/* a detached thread's resources are reused: many more in a row */
	for (int i = 0; i < 200; i++) {
		if (pthread_create(&t[0], &a, detached, NULL)) {
			printf("join: create %d failed\n", i);
			break;
		}
		sem_wait(&det_done);
	}
	pthread_attr_destroy(&a);
	/* joinable ones in sequence */
	long s = 0;
	for (long i = 0; i < 300; i++) {
		pthread_create(&t[0], NULL, ret_value, (void *)i);
		pthread_join(t[0], &r);
		s += (long)r;
	}
	printf("join: 200 detached, then 300 created and joined in turn (sum %ld)\n", s);

	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 1 << 20);
	pthread_create(&t[0], &a, ret_value, (void *)9);
	pthread_join(t[0], &r);
	size_t ss;
	pthread_attr_getstacksize(&a, &ss);
	printf("join: 1 MiB stack thread returned %ld (stacksize %zu)\n", (long)r, ss);
	pthread_attr_destroy(&a);
}

/* --- cancellation --------------------------------------------------------- */
static pthread_mutex_t cm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cc = PTHREAD_COND_INITIALIZER;
static atomic_int started, cleanups, cleanup_order;
static int pipefd[2];

static void cleanup(void *arg)
{
	atomic_fetch_add(&cleanups, 1);
	cleanup_order = cleanup_order * 10 + (int)(intptr_t)arg;
}

static void unlock_cm(void *arg)
{
	atomic_fetch_add(&cleanups, 1);
	pthread_mutex_unlock(&cm);
}

static void *spin_testcancel(void *arg)
{
	pthread_cleanup_push(cleanup, (void *)1);
	pthread_cleanup_push(cleanup, (void *)2);
	atomic_store(&started, 1);
	for (;;)
		pthread_testcancel();
	pthread_cleanup_pop(0);
	pthread_cleanup_pop(0);
	return NULL;
}

static void *wait_cond(void *arg)
{
	pthread_mutex_lock(&cm);
	pthread_cleanup_push(unlock_cm, NULL);
	atomic_store(&started, 1);
	for (;;)
		pthread_cond_wait(&cc, &cm);
	pthread_cleanup_pop(1);
	return NULL;
}

static void *in_sleep(void *arg)
{
	atomic_store(&started, 1);
	for (;;)
		sleep(100);
	return NULL;
}

static void *in_read(void *arg)
{
	char c;
	atomic_store(&started, 1);
	read(pipefd[0], &c, 1);
	return (void *)1;
}

static atomic_int disabled_done;
static void *disabled(void *arg)
{
	int old;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	atomic_store(&started, 1);
	sleep_ms(50); /* cancel arrives here, but is held */
	atomic_store(&disabled_done, 1);
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
	pthread_testcancel();
	return (void *)2;
}

static void *finishes(void *arg) { return (void *)3; }

static void cancel_one(const char *what, void *(*fn)(void *))
{
	pthread_t t;
	void *r;
	atomic_store(&started, 0);
	atomic_store(&cleanups, 0);
	pthread_create(&t, NULL, fn, NULL);
	while (!atomic_load(&started))
		sched_yield();
	sleep_ms(10); /* let it reach its cancellation point */
	int e = pthread_cancel(t);
	pthread_join(t, &r);
	printf("cancel: %s: cancel %s, canceled %d, cleanups %d\n", what, ename(e), r == PTHREAD_CANCELED,
	       (int)cleanups);
}

static void case_cancel(void)
{
	cancel_one("spinning on pthread_testcancel", spin_testcancel);
	printf("cancel: cleanup order %d\n", (int)cleanup_order);
	cancel_one("in pthread_cond_wait", wait_cond);
	printf("cancel: mutex free after cond_wait cancel: %s\n", ename(pthread_mutex_trylock(&cm)));
	pthread_mutex_unlock(&cm);
	cancel_one("in sleep", in_sleep);
	pipe(pipefd);
	cancel_one("in read of an empty pipe", in_read);
	cancel_one("with cancellation disabled for a while", disabled);
	printf("cancel: disabled section completed: %d\n", (int)disabled_done);
	pthread_t t;
	void *r;
	pthread_create(&t, NULL, finishes, NULL);
	sleep_ms(10);
	pthread_join(t, &r);
	printf("cancel: a thread that finished normally returned %ld\n", (long)r);
}

/* --- 64 threads at once --------------------------------------------------- */
#define NMANY 64
static pthread_barrier_t many_bar;
static long many_counter;
static atomic_long many_atomic;
static pid_t many_tid[NMANY];

static void *many_worker(void *arg)
{
	long id = (long)arg;
	many_tid[id] = tid();
	pthread_barrier_wait(&many_bar); /* all 64 alive at the same time */
	for (int i = 0; i < 2000; i++) {
		pthread_mutex_lock(&m1);
		many_counter++;
		pthread_mutex_unlock(&m1);
		atomic_fetch_add_explicit(&many_atomic, 1, memory_order_relaxed);
	}
	return (void *)(id * id);
}

static void case_many(void)
{
	pthread_t t[NMANY];
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 256 << 10);
	pthread_barrier_init(&many_bar, NULL, NMANY + 1);
	int created = 0;
	for (long i = 0; i < NMANY; i++)
		created += pthread_create(&t[i], &a, many_worker, (void *)i) == 0;
	pthread_barrier_wait(&many_bar);
	long sq = 0;
	for (int i = 0; i < NMANY; i++) {
		void *r;
		pthread_join(t[i], &r);
		sq += (long)r;
	}
	int distinct = 1;
	pid_t me = tid();
	for (int i = 0; i < NMANY; i++) {
		distinct &= many_tid[i] != me && many_tid[i] != getpid() && many_tid[i] > 0;
		for (int j = 0; j < i; j++)
			distinct &= many_tid[i] != many_tid[j];
	}
	printf("many: %d threads created, all at a barrier together\n", created);
	printf("many: mutex counter %ld, atomic %ld, return values sum %ld\n", many_counter, (long)many_atomic, sq);
	printf("many: gettid distinct (and not the main thread's): %d, main's gettid == getpid: %d\n", distinct,
	       me == getpid());
	pthread_barrier_destroy(&many_bar);
	pthread_attr_destroy(&a);
}

/* --- names, CPUs, self ---------------------------------------------------- */
static sem_t named_ready;
static void *named(void *arg)
{
	char buf[32] = "";
	pthread_setname_np(pthread_self(), "worker-self");
	pthread_getname_np(pthread_self(), buf, sizeof buf);
	sem_post(&named_ready);
	sem_wait((sem_t *)arg);
	return strdup(buf);
}

static void case_misc(void)
{
	sem_t s;
	sem_init(&s, 0, 0);
	pthread_t t;
	char buf[32];
	sem_init(&named_ready, 0, 0);
	pthread_create(&t, NULL, named, &s);
	sem_wait(&named_ready);
	int e1 = pthread_setname_np(t, "worker-1");
	int e2 = pthread_getname_np(t, buf, sizeof buf);
	printf("misc: setname %s, getname %s '%s'\n", ename(e1), ename(e2), buf);
	printf("misc: name too long: %s\n", ename(pthread_setname_np(t, "a-name-of-sixteen-or-more")));
	printf("misc: small buffer: %s\n", ename(pthread_getname_np(t, buf, 4)));
	sem_post(&s);
	char *own;
	pthread_join(t, (void **)&own);
	printf("misc: the thread named itself '%s'\n", own);
	free(own);
	pthread_setname_np(pthread_self(), "main-thread");
	pthread_getname_np(pthread_self(), buf, sizeof buf);
	printf("misc: own name '%s'\n", buf);

	cpu_set_t cs;
	CPU_ZERO(&cs);
	int r = sched_getaffinity(0, sizeof cs, &cs);
	printf("misc: sched_getaffinity %d, CPUs >= 1: %d\n", r, CPU_COUNT(&cs) >= 1);
	r = pthread_getaffinity_np(pthread_self(), sizeof cs, &cs);
	printf("misc: pthread_getaffinity_np %s, CPUs >= 1: %d\n", ename(r), CPU_COUNT(&cs) >= 1);
	long n = sysconf(_SC_NPROCESSORS_ONLN), c = sysconf(_SC_NPROCESSORS_CONF);
	printf("misc: nprocessors online >= 1: %d, configured >= online: %d\n", n >= 1, c >= n);
	printf("misc: pthread_equal(self, self) %d\n", pthread_equal(pthread_self(), pthread_self()) != 0);
	unsigned cpu = 99, node = 99;
	r = syscall(SYS_getcpu, &cpu, &node, NULL);
	printf("misc: getcpu %d\n", r);
	sem_destroy(&s);
}

/* --- robust mutex: the owner thread dies ---------------------------------- */
static pthread_mutex_t robust;

static void *lock_and_die(void *arg)
{
	pthread_mutex_lock(&robust);
	return NULL; /* exits holding it */
}

static void case_robust(void)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&robust, &a);
	pthread_t t;
	pthread_create(&t, NULL, lock_and_die, NULL);
	pthread_join(t, NULL);
	int r1 = pthread_mutex_lock(&robust);
	int r2 = pthread_mutex_consistent(&robust);
	int r3 = pthread_mutex_unlock(&robust);
	int r4 = pthread_mutex_lock(&robust);
	pthread_mutex_unlock(&robust);
	printf("robust: lock after owner died %s, consistent %s, unlock %s, lock again %s\n", ename(r1), ename(r2),
	       ename(r3), ename(r4));
	/* not made consistent: unrecoverable */
	pthread_create(&t, NULL, lock_and_die, NULL);
	pthread_join(t, NULL);
	r1 = pthread_mutex_trylock(&robust);
	r2 = pthread_mutex_unlock(&robust);
	r3 = pthread_mutex_lock(&robust);
	printf("robust: trylock after owner died %s, unlock without consistent %s, lock %s\n", ename(r1), ename(r2),
	       ename(r3));
	pthread_mutex_destroy(&robust);

	/* a robust mutex whose owner dies while another thread waits on it */
	pthread_mutex_init(&robust, &a);
	pthread_mutexattr_destroy(&a);
	sem_t s;
	sem_init(&s, 0, 0);
	pthread_mutex_lock(&robust);
	pthread_create(&t, NULL, lock_and_die, NULL);
	sleep_ms(20);          /* it now waits */
	pthread_mutex_unlock(&robust); /* it gets it, dies */
	pthread_join(t, NULL);
	r1 = pthread_mutex_lock(&robust);
	if (r1 == EOWNERDEAD)
		pthread_mutex_consistent(&robust);
	r2 = pthread_mutex_unlock(&robust);
	printf("robust: after a waiter took it and died: %s, unlock %s\n", ename(r1), ename(r2));
	sem_destroy(&s);
}

/* --- priority-inheritance mutex, contended -------------------------------- */
static pthread_mutex_t pim;
static long pi_counter;
static void *pi_worker(void *arg)
{
	for (int i = 0; i < 20000; i++) {
		pthread_mutex_lock(&pim);
		pi_counter++;
		if (i % 1000 == 0)
			sched_yield(); /* hold it a little: others block in the kernel */
		pthread_mutex_unlock(&pim);
	}
	return NULL;
}

static void *pi_try(void *arg) { return (void *)(intptr_t)pthread_mutex_trylock(&pim); }

static void case_pi(void)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	int e = pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
	int proto = -1;
	pthread_mutexattr_getprotocol(&a, &proto);
	pthread_mutex_init(&pim, &a);
	printf("pi: setprotocol %s, protocol is inherit: %d\n", ename(e), proto == PTHREAD_PRIO_INHERIT);
	pthread_t t[4];
	void *r;
	pthread_mutex_lock(&pim);
	pthread_create(&t[0], NULL, pi_try, NULL);
	pthread_join(t[0], &r);
	pthread_mutex_unlock(&pim);
	printf("pi: trylock held by another %s\n", ename((int)(intptr_t)r));
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, pi_worker, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("pi: 4 threads x 20000 contended = %ld\n", pi_counter);
	/* held while the others block on it for a while */
	pthread_mutex_lock(&pim);
	pi_counter = 0;
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, pi_worker, NULL);
	sleep_ms(30);
	pthread_mutex_unlock(&pim);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("pi: after waiting on a held lock: %ld\n", pi_counter);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_t pe;
	pthread_mutex_init(&pe, &a);
	int r1 = pthread_mutex_lock(&pe), r2 = pthread_mutex_lock(&pe), r3 = pthread_mutex_unlock(&pe);
	printf("pi: errorcheck lock %s relock %s unlock %s\n", ename(r1), ename(r2), ename(r3));
	pthread_mutex_destroy(&pe);
	pthread_mutex_destroy(&pim);
	pthread_mutexattr_destroy(&a);
}

/* --- timed waits on both clocks ------------------------------------------- */
static pthread_mutex_t tm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t tc_real = PTHREAD_COND_INITIALIZER, tc_mono;
static int tflag;

static void *signal_later(void *arg)
{
	sleep_ms(30);
	pthread_mutex_lock(&tm);
	tflag = 1;
	pthread_cond_signal(&tc_mono);
	pthread_mutex_unlock(&tm);
	return NULL;
}

static void *hold_tm(void *arg)
{
	pthread_mutex_lock(&tm);
	sem_post((sem_t *)arg);
	sleep_ms(300);
	pthread_mutex_unlock(&tm);
	return NULL;
}

static void case_timed(void)
{
	struct timespec t0, t1, d;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	int e = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	clockid_t ck = -1;
	pthread_condattr_getclock(&ca, &ck);
	pthread_cond_init(&tc_mono, &ca);
	printf("timed: condattr_setclock(MONOTONIC) %s, clock is monotonic: %d\n", ename(e), ck == CLOCK_MONOTONIC);

	pthread_mutex_lock(&tm);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	d = deadline(CLOCK_REALTIME, 50);
	int r = pthread_cond_timedwait(&tc_real, &tm, &d);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("timed: cond_timedwait CLOCK_REALTIME 50 ms: %s, waited >= 45 ms: %d\n", ename(r),
	       elapsed_ms(t0, t1) >= 45);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	d = deadline(CLOCK_MONOTONIC, 50);
	r = pthread_cond_timedwait(&tc_mono, &tm, &d);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("timed: cond_timedwait CLOCK_MONOTONIC 50 ms: %s, waited >= 45 ms: %d\n", ename(r),
	       elapsed_ms(t0, t1) >= 45);
	d = deadline(CLOCK_REALTIME, -1000);
	r = pthread_cond_timedwait(&tc_real, &tm, &d);
	printf("timed: deadline in the past: %s\n", ename(r));
	/* signalled well before its deadline */
	pthread_t t;
	pthread_create(&t, NULL, signal_later, NULL);
	d = deadline(CLOCK_MONOTONIC, 10000);
	r = 0;
	while (!tflag && r == 0)
		r = pthread_cond_timedwait(&tc_mono, &tm, &d);
	pthread_mutex_unlock(&tm);
	pthread_join(t, NULL);
	printf("timed: monotonic cond signalled before its deadline: %s, flag %d\n", ename(r), tflag);

	sem_t s;
	sem_init(&s, 0, 0);
	pthread_create(&t, NULL, hold_tm, &s);
	sem_wait(&s);
	d = deadline(CLOCK_REALTIME, 50);
	r = pthread_mutex_timedlock(&tm, &d);
	printf("timed: mutex_timedlock on a held mutex: %s\n", ename(r));
	d = deadline(CLOCK_REALTIME, 10000);
	r = pthread_mutex_timedlock(&tm, &d);
	printf("timed: mutex_timedlock until it is released: %s\n", ename(r));
	pthread_mutex_unlock(&tm);
	pthread_join(t, NULL);

	pthread_cond_destroy(&tc_mono);
	pthread_condattr_destroy(&ca);
	sem_destroy(&s);
}

/* --- raw futex operations ------------------------------------------------- */
/* <linux/futex.h> is not in musl-gcc's include path. */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129
#define FUTEX_CMP_REQUEUE_PRIVATE 132
#define FUTEX_WAKE_OP_PRIVATE 133
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAIT_BITSET_PRIVATE 137
#define FUTEX_WAKE_BITSET_PRIVATE 138
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_MATCH_ANY -1
#define FUTEX_OP_ADD 1
#define FUTEX_OP_CMP_GT 4
#define FUTEX_OP(op, oparg, cmp, cmparg) \
	((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))

static long futex(void *u, int op, int val, const struct timespec *ts, void *u2, int val3)
{
	return syscall(SYS_futex, u, op, val, ts, u2, val3);
}

static atomic_int fx1, fx2, fx_done, fx_go;

static void *fx_waiter(void *arg)
{
	while (!atomic_load(&fx_go))
		futex(&fx1, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	atomic_fetch_add(&fx_done, 1);
	return NULL;
}

static void *fx_bitwaiter(void *arg)
{
	while (!atomic_load(&fx_go))
		futex(&fx1, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, NULL, (int)(intptr_t)arg);
	atomic_fetch_add(&fx_done, 1);
	return NULL;
}

#define FR(x) ((x) < 0 ? ename(errno) : "0")

static void case_futex(void)
{
	struct timespec rel = { 0, 30 * 1000000L }, t0, t1, abs;
	long r;
	atomic_store(&fx1, 1);
	r = futex(&fx1, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	printf("futex: WAIT on a changed value: %ld %s\n", r, FR(r));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = futex(&fx1, FUTEX_WAIT_PRIVATE, 1, &rel, NULL, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("futex: WAIT 30 ms relative: %ld %s, waited >= 25 ms: %d\n", r, FR(r), elapsed_ms(t0, t1) >= 25);
	abs = deadline(CLOCK_MONOTONIC, 30);
	r = futex(&fx1, FUTEX_WAIT_BITSET_PRIVATE, 1, &abs, NULL, FUTEX_BITSET_MATCH_ANY);
	printf("futex: WAIT_BITSET absolute CLOCK_MONOTONIC: %ld %s\n", r, FR(r));
	abs = deadline(CLOCK_REALTIME, 30);
	r = futex(&fx1, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 1, &abs, NULL, FUTEX_BITSET_MATCH_ANY);
	printf("futex: WAIT_BITSET absolute CLOCK_REALTIME: %ld %s\n", r, FR(r));
	abs = deadline(CLOCK_REALTIME, 30);
	r = futex(&fx1, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 1, &abs, NULL, FUTEX_BITSET_MATCH_ANY);
	printf("futex: WAIT_BITSET shared CLOCK_REALTIME: %ld %s\n", r, FR(r));
	r = futex(&fx1, FUTEX_WAIT_BITSET_PRIVATE, 1, &abs, NULL, 0);
	printf("futex: WAIT_BITSET with bitset 0: %ld %s\n", r, FR(r));
	r = futex(&fx1, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	printf("futex: WAKE with no waiters: %ld\n", r);
	atomic_store(&fx2, 5);
	r = futex(&fx1, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &fx2, FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_GT, 4));
	printf("futex: WAKE_OP add 3: %ld, value now %d\n", r, (int)fx2);
	r = futex(&fx1, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1L, &fx2, 12345);
	printf("futex: CMP_REQUEUE with the wrong value: %ld %s\n", r, FR(r));
	r = futex(&fx1, 99, 0, NULL, NULL, 0);
	printf("futex: unknown op: %ld %s\n", r, FR(r));

	/* real waiters: wake them one way or another until all are out */
	pthread_t t[3];
	atomic_store(&fx1, 0);
	atomic_store(&fx_done, 0);
	atomic_store(&fx_go, 0);
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, fx_waiter, NULL);
	sleep_ms(20);
	atomic_store(&fx_go, 1);
	while (atomic_load(&fx_done) < 3) {
		futex(&fx1, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)(long)INT_MAX, &fx2, 0);
		futex(&fx2, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
		sched_yield();
	}
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("futex: 3 waiters woken through CMP_REQUEUE and WAKE: %d\n", (int)fx_done);

	atomic_store(&fx_done, 0);
	atomic_store(&fx_go, 0);
	pthread_create(&t[0], NULL, fx_bitwaiter, (void *)1);
	pthread_create(&t[1], NULL, fx_bitwaiter, (void *)2);
	sleep_ms(20);
	atomic_store(&fx_go, 1);
	while (atomic_load(&fx_done) < 2) {
		futex(&fx1, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 1);
		futex(&fx1, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 2);
		sched_yield();
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("futex: 2 bitset waiters woken by WAKE_BITSET: %d\n", (int)fx_done);

	/* FUTEX_WAITV (Linux 5.16) */
#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
	struct { uint64_t val, uaddr; uint32_t flags, reserved; } wv[2] = {
		{ 1, (uintptr_t)&fx1, 2 | 128, 0 }, /* FUTEX2_SIZE_U32 | FUTEX2_PRIVATE */
		{ 8, (uintptr_t)&fx2, 2 | 128, 0 },
	};
	atomic_store(&fx1, 0);
	r = syscall(SYS_futex_waitv, wv, 2, 0, NULL, CLOCK_MONOTONIC);
	printf("futex: waitv with a changed value: %ld %s\n", r, FR(r));
	wv[0].val = fx1;
	wv[1].val = fx2;
	abs = deadline(CLOCK_MONOTONIC, 30);
	r = syscall(SYS_futex_waitv, wv, 2, 0, &abs, CLOCK_MONOTONIC);
	printf("futex: waitv timeout: %ld %s\n", r, FR(r));
}

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{ "mutex", case_mutex }, { "cond", case_cond }, { "rwlock", case_rwlock }, { "barrier", case_barrier },
	{ "sem", case_sem }, { "tls", case_tls }, { "join", case_join }, { "cancel", case_cancel },
	{ "many", case_many }, { "misc", case_misc }, { "robust", case_robust }, { "pi", case_pi },
	{ "timed", case_timed }, { "futex", case_futex },
};

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "all";
	setvbuf(stdout, NULL, _IOLBF, 0);
	int found = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (!strcmp(c, "all") || !strcmp(c, cases[i].name)) {
			cases[i].fn();
			found = 1;
		}
	if (!found) {
		fprintf(stderr, "threads: unknown case %s\n", c);
		return 2;
	}
	return 0;
}
