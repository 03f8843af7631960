#define _GNU_SOURCE
/* fork, exec and spawn in a multi-threaded process, checked against Linux:
   thread_fork CASE (or "all"). Run it by an absolute path: "exec" re-runs
   argv[0]. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

extern char **environ;
static char *self_path;

static pid_t tid(void) { return syscall(SYS_gettid); }

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Threads in this process, from /proc/self/task. */
static int ntasks(void)
{
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void report(const char *what, pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		printf("%s: waitpid: %s\n", what, strerror(errno));
	else if (WIFEXITED(st))
		printf("%s: exited %d\n", what, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s: killed by signal %d\n", what, WTERMSIG(st));
	fflush(stdout);
}

/* Busy threads: they allocate and free all the time, so a fork catches
   malloc in use somewhere. */
static atomic_int stop, busy_ready;
static atomic_long busy_work;
static int *busy_local[4];

static void *busy(void *arg)
{
	int local[16];
	for (int i = 0; i < 16; i++)
		local[i] = (int)(intptr_t)arg * 100 + i;
	busy_local[(intptr_t)arg] = local;
	atomic_fetch_add(&busy_ready, 1);
	while (!atomic_load(&stop)) {
		char *p = malloc(64 + (atomic_load(&busy_work) & 1023));
		p[0] = 1;
		free(p);
		atomic_fetch_add(&busy_work, 1);
	}
	return NULL;
}

static pthread_t busy_t[4];
static int nbusy;
static void start_busy(int n)
{
	atomic_store(&stop, 0);
	atomic_store(&busy_ready, 0);
	nbusy = n;
	for (intptr_t i = 0; i < n; i++)
		pthread_create(&busy_t[i], NULL, busy, (void *)i);
	while (atomic_load(&busy_ready) < n)
		sched_yield();
	long w = atomic_load(&busy_work);
	while (atomic_load(&busy_work) < w + 1000) /* they are running */
		sched_yield();
}

/* Stop them; 1 if they kept working meanwhile. */
static int stop_busy(long since)
{
	int ran = atomic_load(&busy_work) > since;
	atomic_store(&stop, 1);
	for (int i = 0; i < nbusy; i++)
		pthread_join(busy_t[i], NULL);
	return ran;
}

/* --- fork from a non-main thread ------------------------------------------ */
static int global_value = 1;
static __thread int tls_value = 5;
static atomic_int at_prepare, at_parent, at_child;
static void prepare(void) { atomic_fetch_add(&at_prepare, 1); }
static void parent(void) { atomic_fetch_add(&at_parent, 1); }
static void child(void) { atomic_fetch_add(&at_child, 1); }

static void *child_thread(void *arg) { return (void *)((intptr_t)arg * 2); }

struct forked {
	pid_t pid;
	int quiet; /* the child prints nothing (children running at once) */
};

static void *forker(void *arg)
{
	struct forked *f = arg;
	int stack_value = 4242;
	char *heap = strdup("heap as it was");
	pthread_t me = pthread_self();
	global_value = 2;
	tls_value = 6;
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		/* the child: this thread alone, the memory as it was */
		if (f->quiet)
			freopen("/dev/null", "w", stdout);
		int tasks = ntasks();
		printf("child: threads %d, gettid == getpid %d\n", tasks, tid() == getpid());
		printf("child: global %d, tls %d, stack %d, %s, pthread_self same %d\n", global_value, tls_value,
		       stack_value, heap, pthread_equal(me, pthread_self()) != 0);
		printf("child: a busy thread's stack still mapped: %d %d\n", busy_local[0][3], busy_local[1][15]);
		printf("child: atfork prepare %d parent %d child %d\n", (int)at_prepare, (int)at_parent, (int)at_child);
		char *big[100];
		for (int i = 0; i < 100; i++)
			big[i] = malloc(1000 * (i + 1));
		for (int i = 0; i < 100; i++)
			free(big[i]);
		pthread_t t;
		void *r;
		int e = pthread_create(&t, NULL, child_thread, (void *)21);
		pthread_join(t, &r);
		printf("child: malloc works; a new thread: create %d, returned %ld\n", e, (long)r);
		exit(7);
	}
	free(heap);
	f->pid = p;
	return NULL;
}

static void case_fork(void)
{
	pthread_atfork(prepare, parent, child);
	start_busy(2);
	struct forked f = { 0, 0 };
	pthread_t t;
	pthread_create(&t, NULL, forker, &f);
	pthread_join(t, NULL);
	long w = atomic_load(&busy_work);
	report("fork: child forked by a thread", f.pid);
	while (atomic_load(&busy_work) < w + 1000)
		sched_yield();
	printf("fork: parent's busy threads kept running: %d\n", stop_busy(w));
	printf("fork: parent: global %d, atfork prepare %d parent %d child %d\n", global_value, (int)at_prepare,
	       (int)at_parent, (int)at_child);

	/* many forks from several threads at once */
	start_busy(2);
	pthread_t ft[3];
	struct forked ff[3];
	fflush(stdout);
	for (int i = 0; i < 3; i++) {
		ff[i].quiet = 1;
		pthread_create(&ft[i], NULL, forker, &ff[i]);
	}
	for (int i = 0; i < 3; i++)
		pthread_join(ft[i], NULL);
	int sevens = 0;
	for (int i = 0; i < 3; i++) {
		int st;
		waitpid(ff[i].pid, &st, 0);
		sevens += WIFEXITED(st) && WEXITSTATUS(st) == 7;
	}
	stop_busy(0);
	printf("fork: 3 threads forked at once, children exited 7: %d\n", sevens);
}

/* --- exec from a thread ---------------------------------------------------- */
static void exec_child(char **argv)
{
	pid_t before = atoi(argv[2]);
	printf("exec'd image (%s): threads %d, pid kept %d, gettid == getpid %d\n", argv[3], ntasks(),
	       getpid() == before, tid() == getpid());
	exit(9);
}

static void *execer(void *arg)
{
	char pid[16];
	snprintf(pid, sizeof pid, "%d", getpid());
	sleep_ms(10);
	fflush(stdout);
	if (arg) {
		execl("/bin/sh", "sh", "-c", "echo from sh: $0 $1; exit 4", "sh", "arg1", (char *)NULL);
	} else {
		execl(self_path, self_path, "exec-child", pid, "from a thread", (char *)NULL);
	}
	printf("execl: %s\n", strerror(errno));
	exit(1);
}

static void case_exec(void)
{
	pid_t p;
	fflush(stdout);
	if ((p = fork()) == 0) {
		start_busy(2);
		pthread_t t;
		printf("child: threads before exec %d\n", ntasks());
		pthread_create(&t, NULL, execer, NULL);
		pthread_join(t, NULL);
		for (;;)
			sleep_ms(1000);
	}
	report("exec: a thread re-executes the program while others run", p);
	if ((p = fork()) == 0) {
		start_busy(2);
		pthread_t t;
		pthread_create(&t, NULL, execer, (void *)1);
		for (;;)
			sleep_ms(1000);
	}
	report("exec: a thread runs /bin/sh while main sleeps", p);
	if ((p = fork()) == 0) {
		char pid[16];
		start_busy(3);
		snprintf(pid, sizeof pid, "%d", getpid());
		fflush(stdout);
		execl(self_path, self_path, "exec-child", pid, "from main", (char *)NULL);
		_exit(1);
	}
	report("exec: the main thread re-executes the program while others run", p);
}

/* --- posix_spawn, popen and system with threads running ------------------- */
static void *spawner(void *arg)
{
	pid_t p;
	char *argv[] = { "sh", "-c", "echo spawned: $1; exit 3", "sh", arg, NULL };
	int e = posix_spawn(&p, "/bin/sh", NULL, NULL, argv, environ);
	if (e) {
		printf("posix_spawn: %s\n", strerror(e));
		return NULL;
	}
	int st;
	waitpid(p, &st, 0);
	return (void *)(intptr_t)(WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static void *popener(void *arg)
{
	char line[128], *out = calloc(1, 512);
	FILE *f = popen("echo popen line 1; echo popen line 2; exit 2", "r");
	if (!f)
		return strdup("popen failed");
	while (fgets(line, sizeof line, f))
		strncat(out, line, 511 - strlen(out));
	int st = pclose(f);
	snprintf(line, sizeof line, "pclose: exited %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	strncat(out, line, 511 - strlen(out));
	return out;
}

static void case_spawn(void)
{
	start_busy(2);
	long w = atomic_load(&busy_work);
	fflush(stdout);
	void *r = spawner("from main");
	printf("spawn: posix_spawn from main: exited %ld\n", (long)r);
	fflush(stdout);
	pthread_t t;
	pthread_create(&t, NULL, spawner, "from a thread");
	pthread_join(t, &r);
	printf("spawn: posix_spawn from a thread: exited %ld\n", (long)r);
	fflush(stdout);
	pthread_create(&t, NULL, popener, NULL);
	pthread_join(t, &r);
	printf("spawn: popen from a thread read:\n%s\n", (char *)r);
	free(r);
	fflush(stdout);
	int st = system("echo system: from main; exit 5");
	printf("spawn: system from main: exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	/* several threads spawning at the same time; output to /dev/null */
	pthread_t ts[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&ts[i], NULL, spawner, "concurrently");
	int threes = 0;
	for (int i = 0; i < 3; i++) {
		pthread_join(ts[i], &r);
		threes += (long)r == 3;
	}
	printf("spawn: 3 threads spawned at once, exited 3: %d\n", threes);
	printf("spawn: busy threads kept running: %d\n", stop_busy(w));
}

int main(int argc, char **argv)
{
	self_path = argv[0];
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *c = argc > 1 ? argv[1] : "all";
	if (!strcmp(c, "exec-child") && argc > 3) {
		exec_child(argv);
	}
	if (!strcmp(c, "fork") || !strcmp(c, "all"))
		case_fork();
	if (!strcmp(c, "exec") || !strcmp(c, "all"))
		case_exec();
	if (!strcmp(c, "spawn") || !strcmp(c, "all"))
		case_spawn();
	if (strcmp(c, "fork") && strcmp(c, "exec") && strcmp(c, "spawn") && strcmp(c, "all")) {
		fprintf(stderr, "thread_fork: unknown case %s\n", c);
		return 2;
	}
	return 0;
}
