#define _GNU_SOURCE
/* Signals and threads, checked against Linux: thread_signals CASE (or "all").
   Results are printed in a fixed order after the threads are joined. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <signal.h>
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

static pid_t tid(void) { return syscall(SYS_gettid); }

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void on(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void dfl(int sig) { signal(sig, SIG_DFL); }

static void block(int sig, int how)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	pthread_sigmask(how, &s, NULL);
}

/* Print how a forked child ended. */
static void report(const char *what, pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid) {
		printf("%s: waitpid failed\n", what);
		return;
	}
	if (WIFEXITED(st))
		printf("%s: exited %d\n", what, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s: killed by signal %d\n", what, WTERMSIG(st));
	fflush(stdout); /* before the next fork */
}

/* --- pthread_kill / tgkill reach one thread ------------------------------- */
static __thread volatile sig_atomic_t t_got;
static __thread pthread_t t_handler_self;
static __thread pid_t t_handler_tid;
static atomic_int ready;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	t_got++;
	t_handler_self = pthread_self();
	t_handler_tid = tid();
}

struct target {
	pthread_t self;
	pid_t tid;
	int got, same_self, same_tid;
};

static void *kill_target(void *arg)
{
	struct target *t = arg;
	sigset_t none;
	block(SIGUSR1, SIG_BLOCK);
	t->self = pthread_self();
	t->tid = tid();
	atomic_fetch_add(&ready, 1);
	sigemptyset(&none);
	while (!t_got)
		sigsuspend(&none);
	t->got = t_got;
	t->same_self = pthread_equal(t_handler_self, pthread_self());
	t->same_tid = t_handler_tid == tid();
	return NULL;
}

static void case_kill(void)
{
	struct target tg[3];
	pthread_t th[3];
	on(SIGUSR1, on_usr1, 0);
	block(SIGUSR1, SIG_BLOCK); /* main never takes it */
	atomic_store(&ready, 0);
	for (int i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, kill_target, &tg[i]);
	while (atomic_load(&ready) < 3)
		sched_yield();
	/* in reverse order; the last by tgkill with its tid */
	int e1 = pthread_kill(th[2], SIGUSR1);
	int e2 = pthread_kill(th[1], SIGUSR1);
	int e3 = syscall(SYS_tgkill, getpid(), tg[0].tid, SIGUSR1);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	printf("kill: pthread_kill %d %d, tgkill %d\n", e1, e2, e3);
	for (int i = 0; i < 3; i++)
		printf("kill: thread %d: handled %d time(s), on itself: pthread_self %d, gettid %d\n", i, tg[i].got,
		       tg[i].same_self, tg[i].same_tid);
	printf("kill: main thread handled %d\n", (int)t_got);
	printf("kill: pthread_kill signal 0 to self %d, tgkill to a bogus tid: %s\n", pthread_kill(pthread_self(), 0),
	       syscall(SYS_tgkill, getpid(), 0x3fffffff, 0) ? strerror(errno) : "0");
	block(SIGUSR1, SIG_UNBLOCK);
	dfl(SIGUSR1);
}

/* --- per-thread masks; process-directed signals --------------------------- */
static atomic_int usr2_tid;
static atomic_int usr2_count;
static void on_usr2(int sig, siginfo_t *si, void *uc)
{
	atomic_store(&usr2_tid, tid());
	atomic_fetch_add(&usr2_count, 1);
}

static atomic_int stop;
struct maskinfo {
	pid_t tid;
	int inherited, pending_blocked, pending_other, got;
};

static void *blocker(void *arg) /* blocks SIGUSR2 */
{
	struct maskinfo *m = arg;
	sigset_t cur;
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	m->inherited = sigismember(&cur, SIGUSR1); /* main blocked SIGUSR1 before creating it */
	block(SIGUSR2, SIG_BLOCK);
	m->tid = tid();
	atomic_fetch_add(&ready, 1);
	while (!atomic_load(&stop))
		sched_yield();
	sigset_t p;
	sigpending(&p);
	m->pending_blocked = sigismember(&p, SIGUSR2); /* a pthread_kill aimed at it */
	int before = atomic_load(&usr2_count);
	block(SIGUSR2, SIG_UNBLOCK); /* now delivered here */
	m->got = atomic_load(&usr2_count) - before == 1 && atomic_load(&usr2_tid) == tid();
	return NULL;
}

static void *taker(void *arg) /* does not block SIGUSR2 */
{
	struct maskinfo *m = arg;
	block(SIGUSR2, SIG_UNBLOCK); /* blocked in main when it was created */
	m->tid = tid();
	atomic_fetch_add(&ready, 1);
	while (atomic_load(&stop) < 2)
		sched_yield();
	sigset_t p;
	sigpending(&p);
	m->pending_other = sigismember(&p, SIGUSR2); /* the other thread's pending: not ours */
	return NULL;
}

static void *waiter(void *arg)
{
	sigset_t s;
	siginfo_t si;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	atomic_fetch_add(&ready, 1);
	int r = sigwaitinfo(&s, &si);
	return (void *)(intptr_t)(r == SIGUSR1 && si.si_signo == SIGUSR1 && si.si_pid == getpid() && si.si_code == SI_USER);
}

static void case_mask(void)
{
	struct maskinfo mb = { 0 }, mt = { 0 };
	pthread_t b, t;
	on(SIGUSR2, on_usr2, 0);
	block(SIGUSR2, SIG_BLOCK);
	block(SIGUSR1, SIG_BLOCK);
	atomic_store(&ready, 0);
	atomic_store(&stop, 0);
	pthread_create(&b, NULL, blocker, &mb);
	pthread_create(&t, NULL, taker, &mt);
	while (atomic_load(&ready) < 2)
		sched_yield();
	/* process-directed: only the taker does not block it */
	kill(getpid(), SIGUSR2);
	while (atomic_load(&usr2_count) < 1)
		sched_yield();
	int to_taker = atomic_load(&usr2_tid) == mt.tid;
	/* thread-directed to the blocker: pending there until it unblocks */
	pthread_kill(b, SIGUSR2);
	sleep_ms(10);
	int none_yet = atomic_load(&usr2_count) == 1;
	atomic_store(&stop, 2);
	pthread_join(t, NULL);
	pthread_join(b, NULL);
	printf("mask: new thread inherits its creator's mask: %d\n", mb.inherited);
	printf("mask: kill(getpid()) ran on the thread that does not block it: %d\n", to_taker);
	printf("mask: pthread_kill to a thread that blocks it: not delivered elsewhere %d, pending there %d, "
	       "pending in the other thread %d, delivered to it on unblock %d\n",
	       none_yet, mb.pending_blocked, mt.pending_other, mb.got);
	printf("mask: SIGUSR2 handled %d times in all\n", (int)usr2_count);

	/* all threads block SIGUSR1: sigwaitinfo in one of them takes it */
	pthread_t w;
	atomic_store(&ready, 0);
	pthread_create(&w, NULL, waiter, NULL);
	while (atomic_load(&ready) < 1)
		sched_yield();
	sleep_ms(10);
	kill(getpid(), SIGUSR1);
	void *ok;
	pthread_join(w, &ok);
	printf("mask: sigwaitinfo in a thread took a process-directed signal: %d\n", (int)(intptr_t)ok);
	sigset_t p;
	sigpending(&p);
	printf("mask: main's pending afterwards: USR1 %d USR2 %d\n", sigismember(&p, SIGUSR1), sigismember(&p, SIGUSR2));
	block(SIGUSR1, SIG_UNBLOCK);
	block(SIGUSR2, SIG_UNBLOCK);
	dfl(SIGUSR2);
}

/* --- EINTR and restart in a thread ---------------------------------------- */
static int pfd[2];
static atomic_int intr_handled;
static void on_intr(int sig, siginfo_t *si, void *uc) { atomic_fetch_add(&intr_handled, 1); }

static atomic_int reader_done;
static void *reader(void *arg)
{
	char c;
	atomic_fetch_add(&ready, 1);
	ssize_t r = read(pfd[0], &c, 1);
	int e = errno;
	atomic_store(&reader_done, 1);
	return (void *)(intptr_t)(r == 1 ? c : -e);
}

static pthread_mutex_t cm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int cflag;
static void *cwaiter(void *arg)
{
	pthread_mutex_lock(&cm);
	atomic_fetch_add(&ready, 1);
	while (!cflag)
		pthread_cond_wait(&cv, &cm);
	pthread_mutex_unlock(&cm);
	return (void *)1;
}

static void case_eintr(void)
{
	pthread_t t;
	void *r;
	pipe(pfd);
	on(SIGUSR1, on_intr, 0); /* no SA_RESTART: read fails with EINTR */
	atomic_store(&ready, 0);
	atomic_store(&reader_done, 0);
	pthread_create(&t, NULL, reader, NULL);
	while (!atomic_load(&ready))
		sched_yield();
	/* until one lands while it is inside read() */
	while (!atomic_load(&reader_done)) {
		sleep_ms(20);
		pthread_kill(t, SIGUSR1);
	}
	pthread_join(t, &r);
	printf("eintr: read in a thread, handler without SA_RESTART: %s\n",
	       (intptr_t)r == -EINTR ? "EINTR" : "something else");
	on(SIGUSR1, on_intr, SA_RESTART);
	atomic_store(&ready, 0);
	pthread_create(&t, NULL, reader, NULL);
	while (!atomic_load(&ready))
		sched_yield();
	sleep_ms(20);
	pthread_kill(t, SIGUSR1);
	sleep_ms(20);
	write(pfd[1], "x", 1);
	pthread_join(t, &r);
	printf("eintr: with SA_RESTART the read went on and got '%c'\n", (int)(intptr_t)r);
	atomic_store(&ready, 0);
	pthread_create(&t, NULL, cwaiter, NULL);
	while (!atomic_load(&ready))
		sched_yield();
	pthread_mutex_lock(&cm); /* it is inside pthread_cond_wait now */
	pthread_mutex_unlock(&cm);
	sleep_ms(10);
	pthread_kill(t, SIGUSR1);
	sleep_ms(20);
	pthread_mutex_lock(&cm);
	cflag = 1;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&cm);
	pthread_join(t, &r);
	printf("eintr: a handler ran during pthread_cond_wait, which then returned %ld\n", (long)r);
	printf("eintr: handled at least 3: %d\n", intr_handled >= 3);
	dfl(SIGUSR1);
	close(pfd[0]);
	close(pfd[1]);
}

/* --- alternate signal stacks per thread ----------------------------------- */
static __thread char *alt_lo, *alt_hi;
static __thread int alt_on;
static void on_alt(int sig, siginfo_t *si, void *uc)
{
	char local;
	alt_on = &local >= alt_lo && &local < alt_hi;
	stack_t cur;
	sigaltstack(NULL, &cur);
	if (!(cur.ss_flags & SS_ONSTACK))
		alt_on = 0;
}

static void *alt_thread(void *arg)
{
	stack_t ss, old;
	sigaltstack(NULL, &old);
	int disabled = (old.ss_flags & SS_DISABLE) != 0;
	size_t sz = 64 << 10;
	ss.ss_sp = malloc(sz);
	ss.ss_size = sz;
	ss.ss_flags = 0;
	alt_lo = ss.ss_sp;
	alt_hi = alt_lo + sz;
	int r = sigaltstack(&ss, NULL);
	pthread_kill(pthread_self(), SIGUSR1);
	sigaltstack(NULL, &old);
	int mine = old.ss_sp == ss.ss_sp && old.ss_size == sz;
	int ok = disabled << 3 | (r == 0) << 2 | alt_on << 1 | mine;
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	free(alt_lo);
	return (void *)(intptr_t)ok;
}

static void case_altstack(void)
{
	on(SIGUSR1, on_alt, SA_ONSTACK);
	stack_t ss, old;
	size_t sz = 64 << 10;
	ss.ss_sp = malloc(sz);
	ss.ss_size = sz;
	ss.ss_flags = 0;
	alt_lo = ss.ss_sp;
	alt_hi = alt_lo + sz;
	sigaltstack(&ss, NULL);
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, alt_thread, NULL);
	for (int i = 0; i < 3; i++) {
		void *r;
		pthread_join(t[i], &r);
		int ok = (int)(intptr_t)r;
		printf("altstack: thread %d: starts without one %d, set %d, handler ran on its own %d, reads back %d\n", i,
		       ok >> 3 & 1, ok >> 2 & 1, ok >> 1 & 1, ok & 1);
	}
	sigaltstack(NULL, &old);
	printf("altstack: main's is still its own: %d\n", old.ss_sp == ss.ss_sp && !(old.ss_flags & SS_DISABLE));
	raise(SIGUSR1);
	printf("altstack: main's handler on main's stack: %d\n", alt_on);
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	free(ss.ss_sp);
	dfl(SIGUSR1);
}

/* --- faults in threads ----------------------------------------------------- */
static __thread sigjmp_buf fault_jb;
static __thread pthread_t fault_self;
static __thread volatile int fault_in_thread;
static void on_segv(int sig, siginfo_t *si, void *uc)
{
	fault_in_thread = pthread_equal(fault_self, pthread_self()) && si->si_addr == (void *)16 &&
			  si->si_code == SEGV_MAPERR;
	siglongjmp(fault_jb, sig);
}

static volatile int *volatile bad_ptr = (int *)16;
static void *faulter(void *arg)
{
	fault_self = pthread_self();
	int sig = sigsetjmp(fault_jb, 1);
	if (sig == 0) {
		*bad_ptr = 1;
		return (void *)-1;
	}
	return (void *)(intptr_t)(sig * 10 + fault_in_thread);
}

static void *spinner(void *arg)
{
	while (!atomic_load(&stop))
		sched_yield();
	return NULL;
}

static void *crash_segv(void *arg)
{
	sleep_ms(10);
	*bad_ptr = 1;
	return NULL;
}

static void *crash_fpe(void *arg)
{
	volatile int z = 0, one = 1;
	sleep_ms(10);
	return (void *)(intptr_t)(one / z);
}

static void *self_term(void *arg)
{
	sleep_ms(10);
	pthread_kill(pthread_self(), SIGTERM);
	sleep_ms(5000);
	return NULL;
}

static void crash_child(void *(*fn)(void *))
{
	pthread_t t, s;
	atomic_store(&stop, 0);
	pthread_create(&s, NULL, spinner, NULL);
	pthread_create(&t, NULL, fn, NULL);
	pthread_join(t, NULL); /* never returns: the whole process dies */
	printf("child: still alive\n");
	fflush(stdout);
	_exit(0);
}

static void case_fault(void)
{
	on(SIGSEGV, on_segv, SA_NODEFER);
	pthread_t t[2], s;
	atomic_store(&stop, 0);
	pthread_create(&s, NULL, spinner, NULL);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, faulter, NULL);
	for (int i = 0; i < 2; i++) {
		void *r;
		pthread_join(t[i], &r);
		printf("fault: thread %d: siglongjmp with signal %ld, handler ran on the faulting thread: %ld\n", i,
		       (long)r / 10, (long)r % 10);
	}
	atomic_store(&stop, 1);
	pthread_join(s, NULL);
	dfl(SIGSEGV);
	fflush(stdout);
	pid_t p;
	if ((p = fork()) == 0)
		crash_child(crash_segv);
	report("fault: SIGSEGV without a handler in a thread of a child", p);
	if ((p = fork()) == 0)
		crash_child(crash_fpe);
	report("fault: SIGFPE without a handler in a thread of a child", p);
	if ((p = fork()) == 0)
		crash_child(self_term);
	report("fault: pthread_kill(self, SIGTERM) in a thread of a child", p);
}

/* --- exit of one thread, exit_group of all -------------------------------- */
static atomic_long ticks;
static void *ticker(void *arg)
{
	while (!atomic_load(&stop))
		atomic_fetch_add(&ticks, 1), sched_yield();
	return (void *)5;
}

static atomic_int raw_tid;
static void *raw_exit(void *arg)
{
	atomic_store(&raw_tid, tid());
	syscall(SYS_exit, 0);
	return (void *)-1;
}

static void *exit_group_later(void *arg)
{
	sleep_ms(20);
	printf("child: thread calls exit(%d)\n", (int)(intptr_t)arg);
	exit((int)(intptr_t)arg); /* flushes stdio, ends every thread */
}

static void *_exit_later(void *arg)
{
	sleep_ms(20);
	_exit((int)(intptr_t)arg);
}

static void *blocked_forever(void *arg)
{
	char c;
	read(*(int *)arg, &c, 1);
	return NULL;
}

static void *last_one(void *arg)
{
	sleep_ms(50);
	printf("child: the last thread finishes after main's exit\n");
	fflush(stdout);
	if (arg == (void *)1)
		exit(3);
	syscall(SYS_exit, 0); /* the last thread: the status is the leader's exit code */
	return NULL;
}

static void case_exit(void)
{
	pthread_t tk, rx;
	atomic_store(&stop, 0);
	atomic_store(&ticks, 0);
	pthread_create(&tk, NULL, ticker, NULL);
	pthread_create(&rx, NULL, raw_exit, NULL);
	void *r;
	/* not joined: musl's pthread_join waits for what its own pthread_exit
	   stores. Wait until the kernel no longer knows the tid. */
	while (!atomic_load(&raw_tid))
		sched_yield();
	int gone = 0;
	for (int i = 0; i < 5000 && !gone; i++) {
		gone = syscall(SYS_tgkill, getpid(), raw_tid, 0) < 0 && errno == ESRCH;
		if (!gone)
			sleep_ms(1);
	}
	long t0 = atomic_load(&ticks);
	while (atomic_load(&ticks) < t0 + 1000)
		sched_yield();
	atomic_store(&stop, 1);
	pthread_join(tk, &r);
	printf("exit: a thread's SYS_exit: it is gone %d, the other thread ran on and returned %ld\n", gone, (long)r);
	fflush(stdout);

	int p2[2];
	pipe(p2);
	pid_t p;
	if ((p = fork()) == 0) {
		pthread_t a, b;
		pthread_create(&a, NULL, blocked_forever, &p2[0]);
		pthread_create(&b, NULL, exit_group_later, (void *)5);
		pthread_join(a, NULL);
		_exit(0);
	}
	report("exit: exit(5) from a thread while main and another thread block", p);
	if ((p = fork()) == 0) {
		pthread_t a, b;
		atomic_store(&stop, 0);
		pthread_create(&a, NULL, ticker, NULL);
		pthread_create(&b, NULL, _exit_later, (void *)6);
		for (;;)
			pause();
	}
	report("exit: _exit(6) from a thread while another spins and main pauses", p);
	if ((p = fork()) == 0) {
		pthread_t a;
		pthread_create(&a, NULL, last_one, (void *)1);
		syscall(SYS_exit, 0);
	}
	report("exit: main thread's SYS_exit, then exit(3) in the other", p);
	if ((p = fork()) == 0) {
		pthread_t a;
		pthread_create(&a, NULL, last_one, NULL);
		pthread_exit(NULL);
	}
	report("exit: main's pthread_exit, then the last thread's SYS_exit", p);
	if ((p = fork()) == 0) {
		pthread_t a;
		pthread_create(&a, NULL, last_one, (void *)2);
		syscall(SYS_exit, 7);
	}
	report("exit: main's SYS_exit(7), then the last thread's SYS_exit(0)", p);
	if ((p = fork()) == 0) {
		pthread_t a;
		pthread_create(&a, NULL, blocked_forever, &p2[0]);
		sleep_ms(10);
		return; /* back in main: returns 4 below */
	}
	report("exit: return from main while a thread blocks", p);
	close(p2[0]);
	close(p2[1]);
}


/* --- real-time signals to one thread queue (issue 17) --------------------- */
#include <sys/resource.h>
static atomic_int rq_phase;
static pid_t rq_tid;
static volatile int rq_order[64], rq_norder;
static void on_rq(int sig, siginfo_t *si, void *uc)
{
	if (rq_norder < 64)
		rq_order[rq_norder++] = (sig - SIGRTMIN) * 1000 + (si->si_code == SI_QUEUE ? si->si_value.sival_int : 999);
}

/* The siginfo sigqueue sends: SI_QUEUE, our pid and uid, the value. */
static siginfo_t queued_info(int value)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = value;
	return si;
}

/* pthread_sigqueue (glibc's; musl has none): rt_tgsigqueueinfo with SI_QUEUE. */
static int thread_sigqueue(pid_t to, int sig, int value)
{
	siginfo_t si = queued_info(value);
	si.si_signo = sig;
	return syscall(SYS_rt_tgsigqueueinfo, getpid(), to, sig, &si) ? errno : 0;
}

static void rq_set(sigset_t *s)
{
	sigemptyset(s);
	sigaddset(s, SIGRTMIN);
	sigaddset(s, SIGRTMIN + 1);
	sigaddset(s, SIGUSR1);
}

static const char *rq_code(int c)
{
	return c == SI_QUEUE ? "SI_QUEUE" : c == SI_TKILL ? "SI_TKILL" : c == SI_USER ? "SI_USER" : "other";
}

static void *rq_target(void *arg)
{
	sigset_t set, p;
	siginfo_t si;
	struct timespec zero = { 0, 0 };
	rq_set(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	rq_tid = tid();
	atomic_store(&rq_phase, 1);
	while (atomic_load(&rq_phase) != 2)
		sched_yield();
	sigpending(&p);
	printf("rtqueue: the thread sees pending RTMIN %d RTMIN+1 %d USR1 %d\n", sigismember(&p, SIGRTMIN),
	       sigismember(&p, SIGRTMIN + 1), sigismember(&p, SIGUSR1));
	int r;
	while ((r = sigtimedwait(&set, &si, &zero)) > 0)
		printf("rtqueue: took %s value %d %s from us %d\n",
		       r == SIGUSR1 ? "USR1" : r == SIGRTMIN ? "RTMIN" : "RTMIN+1",
		       si.si_code == SI_QUEUE ? si.si_value.sival_int : -1, rq_code(si.si_code), si.si_pid == getpid());
	printf("rtqueue: then %s\n", errno == EAGAIN ? "EAGAIN" : strerror(errno));
	/* queued while blocked, run by the handler in order on unblock */
	atomic_store(&rq_phase, 3);
	while (atomic_load(&rq_phase) != 4)
		sched_yield();
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	/* the queue is bounded: RLIMIT_SIGPENDING, then EAGAIN */
	atomic_store(&rq_phase, 5);
	while (atomic_load(&rq_phase) != 6)
		sched_yield();
	int n = 0, ordered = 1;
	while ((r = sigtimedwait(&set, &si, &zero)) > 0) {
		ordered &= r == SIGRTMIN && si.si_value.sival_int == n;
		n++;
	}
	return (void *)(intptr_t)(n * 2 + ordered);
}

static void case_rtqueue(void)
{
	pthread_t t;
	sigset_t set;
	rq_set(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* main never takes them */
	atomic_store(&rq_phase, 0);
	pthread_create(&t, NULL, rq_target, NULL);
	while (atomic_load(&rq_phase) != 1)
		sched_yield();
	int e[9];
	e[0] = thread_sigqueue(rq_tid, SIGRTMIN + 1, 1);
	e[1] = thread_sigqueue(rq_tid, SIGRTMIN, 2);
	e[2] = thread_sigqueue(rq_tid, SIGRTMIN, 3);
	siginfo_t si = queued_info(4);
	e[3] = syscall(SYS_rt_tgsigqueueinfo, getpid(), rq_tid, SIGRTMIN, &si); /* the raw call */
	e[4] = pthread_kill(t, SIGRTMIN);
	e[5] = syscall(SYS_tgkill, getpid(), rq_tid, SIGRTMIN);
	e[6] = pthread_kill(t, SIGUSR1);
	e[7] = pthread_kill(t, SIGUSR1); /* a standard one: merged */
	e[8] = sigqueue(getpid(), SIGRTMIN, (union sigval){ .sival_int = 5 }); /* for the process */
	sigset_t p;
	sigpending(&p);
	printf("rtqueue: sent %d %d %d %d %d %d %d %d %d; main sees pending RTMIN %d (the process's) RTMIN+1 %d USR1 %d\n",
	       e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7], e[8], sigismember(&p, SIGRTMIN), sigismember(&p, SIGRTMIN + 1),
	       sigismember(&p, SIGUSR1));
	atomic_store(&rq_phase, 2);
	while (atomic_load(&rq_phase) != 3)
		sched_yield();
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_rq;
	sa.sa_flags = SA_SIGINFO;
	sa.sa_mask = set; /* one at a time */
	sigaction(SIGRTMIN, &sa, NULL);
	sigaction(SIGRTMIN + 1, &sa, NULL);
	for (int i = 0; i < 3; i++) {
		thread_sigqueue(rq_tid, SIGRTMIN + 1, 10 + i);
		thread_sigqueue(rq_tid, SIGRTMIN, 20 + i);
	}
	pthread_kill(t, SIGRTMIN);
	atomic_store(&rq_phase, 4);
	while (atomic_load(&rq_phase) != 5)
		sched_yield();
	printf("rtqueue: handled in the thread:");
	for (int i = 0; i < rq_norder; i++)
		printf(" %d", rq_order[i]);
	printf("\n");
	struct rlimit old, lim;
	getrlimit(RLIMIT_SIGPENDING, &old);
	lim = old;
	lim.rlim_cur = 4;
	int set_ok = setrlimit(RLIMIT_SIGPENDING, &lim) == 0;
	int accepted = 0, eagain = 0, other = 0;
	for (int i = 0; i < 10; i++) {
		int r = thread_sigqueue(rq_tid, SIGRTMIN, accepted);
		if (r == 0)
			accepted++;
		else if (r == EAGAIN)
			eagain++;
		else
			other++;
	}
	setrlimit(RLIMIT_SIGPENDING, &old);
	atomic_store(&rq_phase, 6);
	void *r;
	pthread_join(t, &r);
	int n = (int)(intptr_t)r;
	printf("rtqueue: RLIMIT_SIGPENDING 4: set %d, at most 4 taken %d, EAGAIN seen %d, other errors %d, "
	       "each taken was accepted, in order %d\n",
	       set_ok, accepted <= 4, eagain > 0, other, n / 2 == accepted && (n & 1));
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	dfl(SIGRTMIN);
	dfl(SIGRTMIN + 1);
}

/* --- a process-directed signal every thread blocks, then one unblocks ------ */
static atomic_int ub_phase, ub_count[3], ub_value[3];
static __thread int ub_me;
static void on_ub(int sig, siginfo_t *si, void *uc)
{
	atomic_fetch_add(&ub_count[ub_me], 1);
	atomic_store(&ub_value[ub_me], atomic_load(&ub_value[ub_me]) * 100 + si->si_value.sival_int);
}

static void *ub_thread(void *arg)
{
	ub_me = (int)(intptr_t)arg;
	atomic_fetch_add(&ub_phase, 1);
	while (atomic_load(&ub_phase) < 10)
		sched_yield();
	if (ub_me == 2)
		block(SIGRTMIN, SIG_UNBLOCK); /* delivered here, both, before this returns */
	atomic_fetch_add(&ub_phase, 1);
	while (atomic_load(&ub_phase) < 20)
		sched_yield();
	return NULL;
}

static void case_unblockone(void)
{
	pthread_t t[2];
	on(SIGRTMIN, on_ub, 0);
	on(SIGUSR2, on_ub, 0);
	block(SIGRTMIN, SIG_BLOCK);
	block(SIGUSR2, SIG_BLOCK);
	ub_me = 0;
	atomic_store(&ub_phase, 0);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, ub_thread, (void *)(intptr_t)(i + 1));
	while (atomic_load(&ub_phase) < 2)
		sched_yield();
	sigqueue(getpid(), SIGRTMIN, (union sigval){ .sival_int = 7 });
	sigqueue(getpid(), SIGRTMIN, (union sigval){ .sival_int = 8 });
	atomic_store(&ub_phase, 10);
	while (atomic_load(&ub_phase) < 12)
		sched_yield();
	printf("unblockone: handled by main %d, thread 1 %d, thread 2 %d (values %d)\n", atomic_load(&ub_count[0]),
	       atomic_load(&ub_count[1]), atomic_load(&ub_count[2]), atomic_load(&ub_value[2]));
	sigset_t p;
	sigpending(&p);
	printf("unblockone: still pending %d\n", sigismember(&p, SIGRTMIN));
	/* a standard one: once */
	kill(getpid(), SIGUSR2);
	block(SIGUSR2, SIG_UNBLOCK);
	printf("unblockone: SIGUSR2 handled by main %d, thread 1 %d\n", atomic_load(&ub_count[0]), atomic_load(&ub_count[1]));
	atomic_store(&ub_phase, 20);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	block(SIGRTMIN, SIG_UNBLOCK);
	dfl(SIGRTMIN);
	dfl(SIGUSR2);
}

/* --- tgkill and rt_tgsigqueueinfo to a thread of another process --------- */
static void *op_thread(void *arg)
{
	int *fd = arg; /* [0]: read "go", [1]: write our tid */
	sigset_t set, p;
	rq_set(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pid_t me = tid();
	write(fd[1], &me, sizeof me);
	char c;
	read(fd[0], &c, 1);
	sigpending(&p);
	printf("otherproc: the thread sees pending RTMIN %d USR1 %d\n", sigismember(&p, SIGRTMIN), sigismember(&p, SIGUSR1));
	struct timespec zero = { 0, 0 };
	siginfo_t si;
	int r;
	while ((r = sigtimedwait(&set, &si, &zero)) > 0)
		printf("otherproc: took %s value %d %s from the parent %d\n", r == SIGUSR1 ? "USR1" : "RTMIN",
		       si.si_code == SI_QUEUE ? si.si_value.sival_int : -1, rq_code(si.si_code), si.si_pid == getppid());
	printf("otherproc: then %s\n", errno == EAGAIN ? "EAGAIN" : strerror(errno));
	return NULL;
}

static void case_otherproc(void)
{
	int go[2], back[2];
	pipe(go);
	pipe(back);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t set, p;
		rq_set(&set);
		pthread_sigmask(SIG_BLOCK, &set, NULL); /* main never takes them */
		int fd[2] = { go[0], back[1] };
		pthread_t t;
		pthread_create(&t, NULL, op_thread, fd);
		pthread_join(t, NULL);
		sigpending(&p);
		printf("otherproc: main's pending RTMIN %d USR1 %d\n", sigismember(&p, SIGRTMIN), sigismember(&p, SIGUSR1));
		fflush(stdout);
		_exit(0);
	}
	pid_t t;
	read(back[0], &t, sizeof t);
	siginfo_t si = queued_info(7);
	long e[8];
	e[0] = syscall(SYS_tgkill, pid, t, SIGRTMIN);
	e[1] = syscall(SYS_rt_tgsigqueueinfo, pid, t, SIGRTMIN, &si);
	si.si_value.sival_int = 8;
	e[2] = syscall(SYS_rt_tgsigqueueinfo, pid, t, SIGRTMIN, &si);
	e[3] = syscall(SYS_tgkill, pid, t, SIGUSR1);
	e[4] = syscall(SYS_tgkill, pid, t, SIGUSR1);
	e[5] = syscall(SYS_tgkill, pid, t, 0);
	errno = 0;
	e[6] = syscall(SYS_tgkill, pid, getpid(), 0) ? errno : 0; /* our tid is not theirs */
	si.si_code = SI_USER;
	errno = 0;
	e[7] = syscall(SYS_rt_tgsigqueueinfo, pid, t, SIGRTMIN, &si) ? errno : 0;
	printf("otherproc: sent %ld %ld %ld %ld %ld %ld, a tid of another process %s, SI_USER %s\n", e[0], e[1], e[2], e[3],
	       e[4], e[5], e[6] == ESRCH ? "ESRCH" : strerror(e[6]), e[7] == EPERM ? "EPERM" : strerror(e[7]));
	fflush(stdout);
	write(go[1], "g", 1);
	report("otherproc: the child", pid);
	close(go[0]);
	close(go[1]);
	close(back[0]);
	close(back[1]);
}

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{ "kill", case_kill }, { "mask", case_mask }, { "eintr", case_eintr }, { "altstack", case_altstack },
	{ "fault", case_fault }, { "exit", case_exit }, { "rtqueue", case_rtqueue },
	{ "unblockone", case_unblockone }, { "otherproc", case_otherproc },
};

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "all";
	pid_t pid = getpid();
	int found = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (!strcmp(c, "all") || !strcmp(c, cases[i].name)) {
			cases[i].fn();
			fflush(stdout);
			found = 1;
			if (getpid() != pid) /* a child that returned */
				return 4;
		}
	if (!found) {
		fprintf(stderr, "thread_signals: unknown case %s\n", c);
		return 2;
	}
	return 0;
}
