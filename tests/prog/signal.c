#define _GNU_SOURCE
/* Signal handlers, checked against Linux: signal CASE. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got, got_chld, info_ok;
static volatile double fpu_junk;

static void on_usr1(int sig)
{
	got++;
	fpu_junk = fpu_junk * 1.5 + 2.25; /* the handler's FPU use must not leak */
}

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	got_chld++;
	info_ok = si->si_signo == SIGCHLD && si->si_pid > 0;
}

static sigjmp_buf jb;
static volatile uintptr_t fault_addr, alt_lo, alt_hi;
static volatile int fault_code, on_alt;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	int local;
	fault_addr = (uintptr_t)si->si_addr;
	fault_code = si->si_code;
	on_alt = (uintptr_t)&local >= alt_lo && (uintptr_t)&local < alt_hi;
	siglongjmp(jb, sig);
}

static void handle(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa = {0};
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* A child that sends SIGUSR1 to pid every 10 ms until it is killed. */
static pid_t nagger(pid_t pid)
{
	pid_t child = fork();
	if (child == 0)
		for (;;) {
			usleep(10000);
			kill(pid, SIGUSR1);
		}
	return child;
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(c, "self")) {
		handle(SIGUSR1, on_usr1, 0);
		double x = 1.0 / 3.0;
		raise(SIGUSR1);
		kill(getpid(), SIGUSR1);
		printf("handled %d, x still %.15f\n", got, x * 3);
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, NULL);
		raise(SIGUSR1);
		printf("blocked: handled %d\n", got);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		printf("unblocked: handled %d\n", got);
		handle(SIGUSR2, on_usr1, SA_RESETHAND);
		raise(SIGUSR2);
		struct sigaction old;
		sigaction(SIGUSR2, NULL, &old);
		printf("SA_RESETHAND: handled %d, now default %d\n", got, old.sa_handler == SIG_DFL);
		handle(SIGUSR1, SIG_IGN, 0);
		raise(SIGUSR1);
		printf("ignored: handled %d\n", got);
	} else if (!strcmp(c, "chld")) {
		/* The shell's way to wait: block, poll with WNOHANG, sigsuspend. */
		struct sigaction sa = {0};
		sa.sa_sigaction = on_chld;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGCHLD, &sa, NULL);
		sigset_t all, old;
		sigfillset(&all);
		sigprocmask(SIG_SETMASK, &all, &old);
		for (int i = 0; i < 3; i++)
			if (fork() == 0) {
				usleep(20000 * (i + 1));
				_exit(i);
			}
		int reaped = 0, sum = 0, st;
		while (reaped < 3) {
			pid_t pid = waitpid(-1, &st, WNOHANG);
			if (pid > 0) {
				reaped++;
				sum += WEXITSTATUS(st);
				continue;
			}
			while (!got_chld)
				sigsuspend(&old);
			got_chld = 0;
		}
		sigprocmask(SIG_SETMASK, &old, NULL);
		printf("reaped %d, statuses sum %d, siginfo ok %d\n", reaped, sum, info_ok);
	} else if (!strcmp(c, "async")) {
		/* A signal from another process while we compute in a loop. */
		handle(SIGUSR1, on_usr1, 0);
		pid_t parent = getpid();
		if (fork() == 0) {
			usleep(30000);
			kill(parent, SIGUSR1);
			_exit(0);
		}
		unsigned long spins = 0;
		while (!got)
			spins++;
		wait(NULL);
		printf("interrupted a busy loop: %d\n", got);
	} else if (!strcmp(c, "eintr")) {
		/* A handler without SA_RESTART ends a blocking read with EINTR.
		   The child signals until we say we are done, so a signal that
		   lands before the read starts changes nothing. */
		handle(SIGUSR1, on_usr1, 0);
		int p[2];
		pipe(p);
		pid_t pid = nagger(getpid());
		char ch;
		errno = 0;
		ssize_t r = read(p[0], &ch, 1);
		int e = errno;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		printf("read: %zd %s, handled %d\n", r, strerror(e), got > 0);
	} else if (!strcmp(c, "restart")) {
		/* With SA_RESTART, blocking read and wait go on after the handler. */
		handle(SIGUSR1, on_usr1, SA_RESTART);
		int p[2];
		pipe(p);
		pid_t parent = getpid();
		pid_t pid = fork();
		if (pid == 0) {
			usleep(20000);
			kill(parent, SIGUSR1);
			usleep(20000);
			write(p[1], "late", 4);
			usleep(20000);
			kill(parent, SIGUSR1);
			usleep(20000);
			_exit(6);
		}
		char buf[8] = {0};
		int st;
		if (argc > 2) /* warm the call sites up: uniproc rewrites them into calls */
			for (int i = 0; i < 100; i++) {
				read(p[0], buf, 0);
				waitpid(pid, &st, WNOHANG);
			}
		ssize_t r = read(p[0], buf, sizeof buf - 1);
		printf("read: %zd [%s], handled %d\n", r, buf, got > 0);
		pid_t w = waitpid(pid, &st, 0);
		printf("waitpid: %s, status %d, handled %d\n", w == pid ? "the child" : strerror(errno),
		       WEXITSTATUS(st), got);
	} else if (!strcmp(c, "sigpipe")) {
		/* A handled SIGPIPE: the handler runs and write fails with EPIPE. */
		handle(SIGPIPE, on_usr1, 0);
		int p[2];
		pipe(p);
		close(p[0]);
		errno = 0;
		ssize_t r = write(p[1], "x", 1);
		printf("write: %zd %s, handled %d\n", r, strerror(errno), got);
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGPIPE);
		sigprocmask(SIG_BLOCK, &set, NULL);
		handle(SIGPIPE, SIG_DFL, 0);
		r = write(p[1], "x", 1);
		printf("blocked: write %zd %s, still alive\n", r, strerror(errno));
		sigpending(&set);
		printf("SIGPIPE pending: %d\n", sigismember(&set, SIGPIPE));
	} else if (!strcmp(c, "fault")) {
		/* Faults go to the program's handlers, on the alternate stack
		   when asked (without a handler they kill: see the crash tests). */
		static char alt[65536];
		stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt}, old;
		printf("sigaltstack: %d\n", sigaltstack(&ss, &old));
		printf("old: disabled %d\n", (old.ss_flags & SS_DISABLE) != 0);
		alt_lo = (uintptr_t)alt;
		alt_hi = alt_lo + sizeof alt;
		struct sigaction sa = {0};
		sa.sa_sigaction = on_fault;
		sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
		sigaction(SIGSEGV, &sa, NULL);
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGFPE, &sa, NULL);
		volatile int *bad = (int *)16;
		int sig = sigsetjmp(jb, 1);
		if (!sig)
			*bad = 1;
		printf("caught %d at %#lx, code %d, on the alternate stack %d\n", sig,
		       (unsigned long)fault_addr, fault_code, on_alt);
		unsigned zero = 0, q;
		sig = sigsetjmp(jb, 1);
		if (!sig)
			__asm__ volatile("xor %%edx, %%edx; divl %2" : "=a"(q) : "a"(1), "r"(zero) : "edx");
		printf("caught %d, code %d, on the alternate stack %d\n", sig, fault_code, on_alt);
		sig = sigsetjmp(jb, 1);
		if (!sig)
			*bad = 2;
		printf("and again: caught %d at %#lx\n", sig, (unsigned long)fault_addr);
	} else if (!strcmp(c, "blocked")) {
		/* A blocked signal with its default action waits; unblocked, it ends us. */
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		sigprocmask(SIG_BLOCK, &set, NULL);
		raise(SIGTERM);
		pid_t parent = getpid();
		if (fork() == 0) {
			kill(parent, SIGTERM);
			_exit(0);
		}
		wait(NULL);
		sigset_t pend;
		sigpending(&pend);
		printf("blocked SIGTERM: still here, pending %d\n", sigismember(&pend, SIGTERM));
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		printf("not reached\n");
	} else if (!strcmp(c, "pause")) {
		handle(SIGUSR1, on_usr1, 0);
		pid_t pid = nagger(getpid());
		errno = 0;
		int r = pause();
		int e = errno;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		printf("pause: %d %s, handled %d\n", r, strerror(e), got > 0);
	} else {
		return 2;
	}
	return 0;
}
