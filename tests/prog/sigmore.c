#define _GNU_SOURCE
/* More signal semantics (issue 17), checked against Linux: sigmore CASE. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static volatile sig_atomic_t count[65];
static volatile int order[64], norder;
static volatile int values[64];

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	count[sig]++;
	if (norder < 64) {
		values[norder] = si->si_code == SI_QUEUE ? si->si_value.sival_int : -1;
		order[norder++] = sig;
	}
}

static void handle(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void set_block(int how, int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(how, &s, NULL);
}

static int is_pending(int sig)
{
	sigset_t s;
	sigpending(&s);
	return sigismember(&s, sig);
}

static void status(const char *what, int st)
{
	if (WIFEXITED(st))
		printf("%s: exited %d\n", what, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s: killed by %d%s\n", what, WTERMSIG(st), WCOREDUMP(st) ? " (core)" : "");
	else if (WIFSTOPPED(st))
		printf("%s: stopped by %d\n", what, WSTOPSIG(st));
	else if (WIFCONTINUED(st))
		printf("%s: continued\n", what);
	else
		printf("%s: status 0x%x\n", what, st);
}

/* Fault-class signals sent, not caused: handler, SIG_IGN and mask as any. */
static void fault_sent(void)
{
	static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT};
	for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		int s = sigs[i];
		handle(s, on_sig, 0);
		raise(s);
		kill(getpid(), s);
		syscall(SYS_tgkill, getpid(), gettid(), s);
		sigqueue(getpid(), s, (union sigval){.sival_int = 5});
		int handled = count[s];
		set_block(SIG_BLOCK, s);
		kill(getpid(), s);
		int pend = is_pending(s), before = count[s];
		set_block(SIG_UNBLOCK, s);
		int after = count[s];
		signal(s, SIG_IGN);
		kill(getpid(), s);
		raise(s);
		printf("sig %d: handled %d, blocked pending %d (%d), on unblock %d, ignored ok\n", s,
		       handled, pend, before, after);
		signal(s, SIG_DFL);
	}
	/* From another process, too. */
	handle(SIGSEGV, on_sig, 0);
	int before = count[SIGSEGV];
	set_block(SIG_BLOCK, SIGSEGV);
	pid_t pid = fork();
	if (pid == 0) {
		kill(getppid(), SIGSEGV);
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	int pend = is_pending(SIGSEGV);
	set_block(SIG_UNBLOCK, SIGSEGV);
	printf("from a child: pending %d, handled %d\n", pend, count[SIGSEGV] - before);
}

/* A real fault with the signal blocked or ignored kills; so does a sent
   one with the default action. */
static void fault_real(void)
{
	pid_t pid;
	int st;
	/* A real fault with the signal blocked or ignored kills. */
	for (int ign = 0; ign < 2; ign++) {
		pid = fork();
		if (pid == 0) {
			if (ign)
				signal(SIGSEGV, SIG_IGN);
			else
				set_block(SIG_BLOCK, SIGSEGV);
			volatile int *volatile bad = (int *)8;
			*bad = 1;
			_exit(0);
		}
		waitpid(pid, &st, 0);
		status(ign ? "real fault, ignored" : "real fault, blocked", st);
	}
	/* Sent with the default action: the process dies of it. */
	pid = fork();
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		kill(getpid(), SIGFPE);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	status("kill SIGFPE, default", st);
}

/* A handler that re-raises its own signal: it runs again on return. */
static void on_reraise(int sig, siginfo_t *si, void *uc)
{
	if (count[sig]++ == 0)
		raise(sig);
}

static pthread_t waiter;

static void *unmask_thread(void *arg)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	int seen = count[SIGUSR2]; /* no syscall between */
	return (void *)(intptr_t)seen;
}

static void prompt(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = on_reraise;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	int seen = count[SIGUSR1]; /* no syscall between */
	printf("re-raised in its handler: %d runs before the next instruction\n", seen);

	handle(SIGUSR2, on_sig, 0);
	set_block(SIG_BLOCK, SIGUSR2);
	raise(SIGUSR2);
	int b = count[SIGUSR2];
	set_block(SIG_UNBLOCK, SIGUSR2);
	int a = count[SIGUSR2];
	printf("sigprocmask unblock: %d before, %d after\n", b, a);

	set_block(SIG_BLOCK, SIGUSR2);
	pthread_t t;
	void *r;
	/* The new thread inherits the mask, then unblocks a process signal. */
	kill(getpid(), SIGUSR2);
	pthread_create(&t, NULL, unmask_thread, NULL);
	pthread_join(t, &r);
	printf("pthread_sigmask unblock in a thread: saw %d\n", (int)(intptr_t)r - b);
	set_block(SIG_UNBLOCK, SIGUSR2);
	(void)waiter;
}

/* uc_mcontext's RIP of an interrupted syscall: right after the program's
   `syscall`, whether the site traps or was rewritten. */
extern char after_syscall[];
__attribute__((noinline, noclone)) static long raw_syscall3(long nr, long a, long b, long c)
{
	long r;
	__asm__ volatile("syscall\n.globl after_syscall\nafter_syscall:\n\tnop\n\tnop\n\tnop"
			 : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}

static volatile uintptr_t seen_rip;
static void on_rip(int sig, siginfo_t *si, void *uc)
{
	seen_rip = ((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
}

static void ucrip(void)
{
	handle(SIGUSR1, on_rip, 0);
	for (int i = 0; i < 100; i++) /* past the rewriter's threshold */
		raw_syscall3(SYS_getppid, 0, 0, 0);
	for (int round = 0; round < 2; round++) {
		int fd[2];
		if (pipe(fd))
			return;
		pid_t parent = getpid(), pid = fork();
		if (pid == 0) {
			/* Wait until the parent sleeps in its read. */
			char path[64], buf[512];
			snprintf(path, sizeof path, "/proc/%d/stat", parent);
			for (int i = 0; i < 20000; i++) {
				FILE *f = fopen(path, "r");
				if (!f)
					break;
				size_t n = fread(buf, 1, sizeof buf - 1, f);
				fclose(f);
				buf[n] = 0;
				char *e = strrchr(buf, ')');
				if (e && e[2] == 'S')
					break;
				usleep(1000);
			}
			usleep(20000);
			kill(parent, SIGUSR1);
			_exit(0);
		}
		char c;
		seen_rip = 0;
		long r = raw_syscall3(SYS_read, fd[0], (long)&c, 1);
		waitpid(pid, NULL, 0);
		printf("read: %ld, handler saw rip %s\n", r,
		       seen_rip == (uintptr_t)after_syscall ? "after the syscall" : "elsewhere");
		close(fd[0]);
		close(fd[1]);
	}
}

/* Blocked signals whose default is to be ignored stay pending. */
static void ignpend(void)
{
	static const int sigs[] = {SIGCHLD, SIGURG, SIGWINCH, SIGCONT};
	for (unsigned i = 0; i < 4; i++) {
		int s = sigs[i];
		set_block(SIG_BLOCK, s);
		kill(getpid(), s);
		int p1 = is_pending(s);
		set_block(SIG_UNBLOCK, s);
		int p2 = is_pending(s);
		kill(getpid(), s); /* unblocked: discarded */
		set_block(SIG_BLOCK, s);
		int p3 = is_pending(s);
		set_block(SIG_UNBLOCK, s);
		printf("sig %d: blocked pending %d, after unblock %d, unblocked discarded %d\n", s, p1,
		       p2, !p3);
	}
	/* A child's exit while SIGCHLD is blocked. */
	set_block(SIG_BLOCK, SIGCHLD);
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	printf("child exit, SIGCHLD blocked: pending %d\n", is_pending(SIGCHLD));
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGCHLD);
	struct timespec zero = {0, 0};
	printf("sigtimedwait takes it: %d\n", sigtimedwait(&s, NULL, &zero));
	set_block(SIG_UNBLOCK, SIGCHLD);
}

/* SA_NOCLDWAIT, SIGCHLD ignored: no zombies, wait gives ECHILD. */
static void nocldwait(int how)
{
	struct sigaction sa = {0};
	if (how == 0) {
		sa.sa_handler = SIG_DFL;
		sa.sa_flags = SA_NOCLDWAIT;
	} else {
		sa.sa_handler = SIG_IGN;
	}
	sigaction(SIGCHLD, &sa, NULL);
	pid_t pid = fork();
	if (pid == 0)
		_exit(3);
	int st;
	errno = 0;
	pid_t w = waitpid(pid, &st, 0);
	printf("%s: wait %s, errno %s\n", how ? "SIG_IGN" : "SA_NOCLDWAIT", w == pid ? "found it" : "-1",
	       strerror(errno));
}

/* A child that stops itself with sig, waits to be continued, exits 7. */
static pid_t stopper(int sig)
{
	pid_t pid = fork();
	if (pid == 0) {
		kill(getpid(), sig);
		_exit(7);
	}
	return pid;
}

/* SA_NOCLDSTOP: no SIGCHLD when a child stops or continues. */
static void nocldstop(void)
{
	handle(SIGCHLD, on_sig, SA_NOCLDSTOP);
	set_block(SIG_BLOCK, SIGCHLD);
	pid_t pid = stopper(SIGSTOP);
	int st;
	waitpid(pid, &st, WUNTRACED);
	status("stop", st);
	int p = is_pending(SIGCHLD);
	kill(pid, SIGCONT);
	waitpid(pid, &st, 0);
	status("end", st);
	set_block(SIG_UNBLOCK, SIGCHLD);
	printf("SA_NOCLDSTOP: SIGCHLD pending at the stop %d, handled %d\n", p, count[SIGCHLD]);
}

static void *stop_thread(void *arg)
{
	pause();
	return NULL;
}

/* Job control: a child stopped by sig, reported, continued, reported. */
static void jobctl(int sig, int by_thread)
{
	int up[2], down[2];
	if (pipe(up) || pipe(down))
		return;
	pid_t pid = fork();
	if (pid == 0) {
		pthread_t t;
		pthread_create(&t, NULL, stop_thread, NULL);
		if (by_thread)
			syscall(SYS_tgkill, getpid(), gettid(), sig);
		else
			kill(getpid(), sig);
		/* Runs once continued; ends when told. */
		write(up[1], "c", 1);
		char c;
		read(down[0], &c, 1);
		_exit(7);
	}
	int st;
	waitpid(pid, &st, WUNTRACED);
	status("first", st);
	kill(pid, SIGCONT);
	waitpid(pid, &st, WCONTINUED);
	status("second", st);
	char c = 0;
	read(up[0], &c, 1);
	write(down[1], "x", 1);
	waitpid(pid, &st, 0);
	status("third", st);
	printf("child ran on: %c\n", c);
}

/* A blocked SIGTSTP does not stop; unblocked it does. */
static void tstp_blocked(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		set_block(SIG_BLOCK, SIGTSTP);
		set_block(SIG_BLOCK, SIGCONT);
		kill(getpid(), SIGTSTP);
		int p1 = is_pending(SIGTSTP);
		kill(getpid(), SIGCONT); /* discards the pending stop */
		int p2 = is_pending(SIGTSTP), p3 = is_pending(SIGCONT);
		kill(getpid(), SIGTSTP); /* discards the pending SIGCONT */
		printf("child: blocked SIGTSTP pending %d, after SIGCONT %d (SIGCONT %d), again %d "
		       "(SIGCONT %d)\n", p1, p2, p3, is_pending(SIGTSTP), is_pending(SIGCONT));
		fflush(stdout);
		set_block(SIG_UNBLOCK, SIGTSTP); /* stops here */
		printf("child: continued\n");
		_exit(5);
	}
	int st;
	waitpid(pid, &st, WUNTRACED);
	status("tstp", st);
	kill(pid, SIGCONT);
	waitpid(pid, &st, 0);
	status("end", st);
}

/* The core bit of a signal death follows RLIMIT_CORE: 0 here. */
static void core(void)
{
	static const int sigs[] = {SIGQUIT, SIGABRT, SIGSEGV, SIGTERM};
	for (unsigned i = 0; i < 4; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			struct rlimit no = {0, 0};
			setrlimit(RLIMIT_CORE, &no);
			kill(getpid(), sigs[i]);
			_exit(0);
		}
		int st;
		waitpid(pid, &st, 0);
		status("sent", st);
	}
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit no = {0, 0};
		setrlimit(RLIMIT_CORE, &no);
		abort();
	}
	int st;
	waitpid(pid, &st, 0);
	status("abort", st);
}

/* Remove the core file the kernel wrote for pid, where core_pattern says
   (a pattern with %p alone, or a relative one with core_uses_pid). */
static void remove_core(pid_t pid)
{
	char pat[256] = "", path[512];
	int uses_pid = 0;
	FILE *f = fopen("/proc/sys/kernel/core_pattern", "r");
	if (f) {
		if (!fgets(pat, sizeof pat, f))
			pat[0] = 0;
		fclose(f);
	}
	pat[strcspn(pat, "\n")] = 0;
	if ((f = fopen("/proc/sys/kernel/core_uses_pid", "r"))) {
		uses_pid = fgetc(f) == '1';
		fclose(f);
	}
	if (!pat[0] || pat[0] == '|')
		return;
	char *pp = strstr(pat, "%p");
	if (pp && !strchr(pp + 2, '%') && !memchr(pat, '%', pp - pat))
		snprintf(path, sizeof path, "%.*s%d%s", (int)(pp - pat), pat, pid, pp + 2);
	else if (!strchr(pat, '%'))
		snprintf(path, sizeof path, uses_pid ? "%s.%d" : "%s", pat, pid);
	else
		return;
	unlink(path);
}

/* With RLIMIT_CORE raised: the core bit is set where Linux dumps core. */
static void core_on(void)
{
	struct rlimit r;
	getrlimit(RLIMIT_CORE, &r);
	if (!r.rlim_max) {
		printf("hard RLIMIT_CORE is 0\n");
		return;
	}
	r.rlim_cur = r.rlim_max;
	setrlimit(RLIMIT_CORE, &r);
	static const int sigs[] = {SIGQUIT, SIGSEGV, SIGTERM};
	for (unsigned i = 0; i < 3; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			kill(getpid(), sigs[i]);
			_exit(0);
		}
		int st;
		waitpid(pid, &st, 0);
		status("sent", st);
		remove_core(pid);
	}
	/* Lowered to 0 by the program itself: no core. */
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit no = {0, r.rlim_max};
		setrlimit(RLIMIT_CORE, &no);
		getrlimit(RLIMIT_CORE, &no);
		if (no.rlim_cur)
			_exit(9);
		abort();
	}
	int st;
	waitpid(pid, &st, 0);
	status("abort, limit 0", st);
	remove_core(pid);
}

/* Real-time signals queue, in order, never merged, with their values. */
static void queue(void)
{
	sigset_t all;
	sigemptyset(&all);
	for (int s = SIGRTMIN; s <= SIGRTMIN + 3; s++)
		sigaddset(&all, s);
	sigaddset(&all, SIGUSR1);
	/* Each handler blocks the others: one runs at a time, in order. */
	struct sigaction sa = {0};
	sa.sa_sigaction = on_sig;
	sa.sa_flags = SA_SIGINFO;
	sa.sa_mask = all;
	for (int s = SIGRTMIN; s <= SIGRTMIN + 3; s++)
		sigaction(s, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigprocmask(SIG_BLOCK, &all, NULL);
	int n = 0;
	for (int round = 0; round < 3; round++)
		for (int s = SIGRTMIN + 3; s >= SIGRTMIN; s--)
			sigqueue(getpid(), s, (union sigval){.sival_int = 100 * (s - SIGRTMIN) + n++});
	sigqueue(getpid(), SIGUSR1, (union sigval){.sival_int = 1});
	sigqueue(getpid(), SIGUSR1, (union sigval){.sival_int = 2}); /* merged */
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = 900;
	printf("rt_sigqueueinfo: %ld\n", syscall(SYS_rt_sigqueueinfo, getpid(), SIGRTMIN + 1, &si));
	si.si_value.sival_int = 901;
	printf("rt_tgsigqueueinfo: %ld\n",
	       syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), SIGRTMIN + 2, &si));
	si.si_code = SI_KERNEL; /* not allowed to another... but to itself? */
	errno = 0;
	long r = syscall(SYS_rt_sigqueueinfo, getpid(), SIGRTMIN, &si);
	printf("rt_sigqueueinfo SI_KERNEL: %ld %s\n", r, r ? strerror(errno) : "");
	printf("pending: %d %d\n", is_pending(SIGRTMIN), is_pending(SIGUSR1));
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	for (int i = 0; i < norder; i++)
		printf("%s%d:%d", i ? " " : "", order[i] == SIGUSR1 ? 0 : order[i] - SIGRTMIN + 1,
		       values[i]);
	printf("\n%d delivered\n", norder);
}

static volatile pid_t other_tid;
static int other_pipe[2];
static void *other_thread(void *arg)
{
	other_tid = gettid();
	char c;
	read(other_pipe[0], &c, 1);
	return NULL;
}

/* rt_tgsigqueueinfo with a kernel's si_code: to oneself only. */
static void queue_perm(void)
{
	if (pipe(other_pipe))
		return;
	pthread_t t;
	pthread_create(&t, NULL, other_thread, NULL);
	while (!other_tid)
		;
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_code = SI_KERNEL;
	signal(SIGUSR2, SIG_IGN);
	errno = 0;
	long r = syscall(SYS_rt_tgsigqueueinfo, getpid(), other_tid, SIGUSR2, &si);
	printf("to another thread, SI_KERNEL: %ld %s\n", r, strerror(errno));
	errno = 0;
	r = syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), SIGUSR2, &si);
	printf("to oneself, SI_KERNEL: %ld %s\n", r, strerror(errno));
	si.si_code = SI_QUEUE;
	r = syscall(SYS_rt_tgsigqueueinfo, getpid(), other_tid, SIGUSR2, &si);
	printf("to another thread, SI_QUEUE: %ld\n", r);
	si.si_code = SI_USER; /* signal 0: the check alone */
	errno = 0;
	r = syscall(SYS_rt_sigqueueinfo, getppid(), 0, &si);
	printf("to another process, SI_USER: %ld %s\n", r, strerror(errno));
	write(other_pipe[1], "x", 1);
	pthread_join(t, NULL);
}

/* sigwait, sigwaitinfo, sigtimedwait with timeouts. */
static void timedwait(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &set, NULL);
	struct timespec zero = {0, 0}, short_ = {0, 20000000};
	errno = 0;
	int r = sigtimedwait(&set, NULL, &zero);
	printf("poll, none: %d %s\n", r, strerror(errno));
	errno = 0;
	r = sigtimedwait(&set, NULL, &short_);
	printf("20 ms, none: %d %s\n", r, strerror(errno));
	sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 41});
	sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 42});
	sigqueue(getpid(), SIGUSR1, (union sigval){.sival_int = 43});
	siginfo_t si;
	r = sigtimedwait(&set, &si, &zero);
	printf("poll: %d value %d code %d\n", r == SIGUSR1 ? 0 : r - SIGRTMIN + 1,
	       si.si_value.sival_int, si.si_code);
	r = sigwaitinfo(&set, &si);
	printf("sigwaitinfo: %d value %d\n", r - SIGRTMIN + 1, si.si_value.sival_int);
	int sig = 0;
	r = sigwait(&set, &sig);
	printf("sigwait: %d %d\n", r, sig - SIGRTMIN + 1);
	errno = 0;
	r = sigtimedwait(&set, NULL, &zero);
	printf("poll, none: %d %s\n", r, strerror(errno));
	struct timespec bad = {0, 1000000000};
	errno = 0;
	r = sigtimedwait(&set, NULL, &bad);
	printf("bad timeout: %d %s\n", r, strerror(errno));
	/* A child sends one while we wait with a timeout. */
	pid_t pid = fork();
	if (pid == 0) {
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	struct timespec ten = {10, 0};
	r = sigtimedwait(&set, &si, &ten);
	printf("from a child: %s, from it %d\n", r == SIGUSR1 ? "SIGUSR1" : "?", si.si_pid == pid);
	waitpid(pid, NULL, 0);
}


/* A child sends sig (with value, if sigqueue) to us; it is sent once it ends. */
static void from_child(int sig, int value)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (value)
			sigqueue(getppid(), sig, (union sigval){.sival_int = value});
		else
			kill(getppid(), sig);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
}

static volatile int thr_pending;
static void *thr_blocked(void *arg)
{
	set_block(SIG_BLOCK, SIGUSR2);
	pthread_kill(pthread_self(), SIGUSR2);
	thr_pending = is_pending(SIGUSR2);
	signal(SIGUSR2, SIG_IGN); /* discards this thread's too */
	thr_pending = thr_pending * 10 + is_pending(SIGUSR2);
	return NULL;
}

/* A blocked signal is never ignored: pending while blocked even under
   SIG_IGN, discarded when delivered still ignored, or by SIG_IGN (or
   SIG_DFL of a default-ignore signal) set again, blocked or not. */
static void ignblocked(void)
{
	signal(SIGUSR1, SIG_IGN);
	set_block(SIG_BLOCK, SIGUSR1);
	from_child(SIGUSR1, 0);
	printf("ignored and blocked, from another process: pending %d\n", is_pending(SIGUSR1));
	signal(SIGUSR1, SIG_IGN);
	printf("SIG_IGN set again: pending %d\n", is_pending(SIGUSR1));
	from_child(SIGUSR1, 0);
	kill(getpid(), SIGUSR1);
	printf("again, and from itself: pending %d\n", is_pending(SIGUSR1));
	set_block(SIG_UNBLOCK, SIGUSR1);
	handle(SIGUSR1, on_sig, 0);
	printf("unblocked while ignored: pending %d, handled later %d\n", is_pending(SIGUSR1), count[SIGUSR1]);
	/* real-time ones queue, ignored or not, and sigwaitinfo takes them */
	signal(SIGRTMIN, SIG_IGN);
	set_block(SIG_BLOCK, SIGRTMIN);
	from_child(SIGRTMIN, 31);
	from_child(SIGRTMIN, 32);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGRTMIN);
	struct timespec zero = {0, 0};
	siginfo_t si;
	for (int i = 0; i < 3; i++) {
		int r = sigtimedwait(&s, &si, &zero);
		printf("sigtimedwait: %d value %d\n", r == SIGRTMIN ? 1 : r, r > 0 ? si.si_value.sival_int : 0);
	}
	/* SIG_DFL of a default-ignore signal discards it, even blocked */
	handle(SIGURG, on_sig, 0);
	set_block(SIG_BLOCK, SIGURG);
	from_child(SIGURG, 0);
	int before = is_pending(SIGURG);
	signal(SIGURG, SIG_DFL);
	printf("SIGURG handled, blocked: pending %d; SIG_DFL: pending %d\n", before, is_pending(SIGURG));
	/* SIG_IGN discards one pending for the process while blocked */
	handle(SIGUSR2, on_sig, 0);
	set_block(SIG_BLOCK, SIGUSR2);
	from_child(SIGUSR2, 0);
	before = is_pending(SIGUSR2);
	signal(SIGUSR2, SIG_IGN);
	printf("SIGUSR2 handled, blocked: pending %d; SIG_IGN: pending %d\n", before, is_pending(SIGUSR2));
	/* ... and one pending for a thread */
	handle(SIGUSR2, on_sig, 0);
	pthread_t t;
	pthread_create(&t, NULL, thr_blocked, NULL);
	pthread_join(t, NULL);
	printf("a thread's own: pending %d, after SIG_IGN %d\n", thr_pending / 10, thr_pending % 10);
	/* SIGCHLD ignored: a child's end sends none, even blocked */
	signal(SIGCHLD, SIG_IGN);
	set_block(SIG_BLOCK, SIGCHLD);
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	errno = 0;
	int w = waitpid(pid, NULL, 0);
	printf("SIGCHLD ignored and blocked: wait %d %s, pending %d\n", w, strerror(errno), is_pending(SIGCHLD));
	from_child(SIGCHLD, 0);
	printf("SIGCHLD sent by kill: pending %d\n", is_pending(SIGCHLD));
	signal(SIGCHLD, SIG_DFL);
	printf("handled in all: USR1 %d RTMIN %d URG %d USR2 %d\n", count[SIGUSR1], count[SIGRTMIN], count[SIGURG],
	       count[SIGUSR2]);
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(c, "fault"))
		fault_sent();
	else if (!strcmp(c, "fault-real"))
		fault_real();
	else if (!strcmp(c, "prompt"))
		prompt();
	else if (!strcmp(c, "ucrip"))
		ucrip();
	else if (!strcmp(c, "ignpend"))
		ignpend();
	else if (!strcmp(c, "nocldwait"))
		nocldwait(0);
	else if (!strcmp(c, "cldign"))
		nocldwait(1);
	else if (!strcmp(c, "nocldstop"))
		nocldstop();
	else if (!strcmp(c, "stop"))
		jobctl(SIGSTOP, 0);
	else if (!strcmp(c, "tstp"))
		jobctl(SIGTSTP, 0);
	else if (!strcmp(c, "tstp-thread"))
		jobctl(SIGTSTP, 1);
	else if (!strcmp(c, "stop-thread"))
		jobctl(SIGSTOP, 1);
	else if (!strcmp(c, "tstp-blocked"))
		tstp_blocked();
	else if (!strcmp(c, "core"))
		core();
	else if (!strcmp(c, "core-on"))
		core_on();
	else if (!strcmp(c, "queue"))
		queue();
	else if (!strcmp(c, "timedwait"))
		timedwait();
	else if (!strcmp(c, "ignblocked"))
		ignblocked();
	else if (!strcmp(c, "queue-perm"))
		queue_perm();
	else {
		fprintf(stderr, "usage: sigmore CASE\n");
		return 2;
	}
	return 0;
}
