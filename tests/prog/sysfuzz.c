/*
 * Random syscalls with wild arguments, for uniproc's monitor (issue 15):
 * run it only under uniproc, with --root a scratch directory and --net none
 * (tests/run.sh does). Children each make thousands of calls (numbers and
 * arguments from a seeded PRNG: small and huge numbers, flags, fds, and
 * pointers into writable, read-only, unmapped memory, code and the stack,
 * and to paths). Calls that would reach outside the child are skipped:
 * exit, fork and exec, signals to other processes, reboot and other
 * host-wide calls, device nodes, large allocations of disk. A child may
 * die of what it does (a fault, a signal); the monitor must report it and
 * go on, and more children are started until they made TOTAL calls.
 * Prints how each child ended: "child N: exit S" or "child N: signal S".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Newer than some C libraries' headers. */
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif

#define CALLS 3000     /* by each child, unless it dies first */
#define TOTAL 30000    /* children are started until they made this many */
#define CHILDREN 48    /* at most */
#define AT_ONCE 4
#define CHILD_SECONDS 3 /* then it is killed: a wait it blocked in, most likely */

static uint64_t seed, seed_base; /* SYSFUZZ_SEED: other runs than the test's */
static uint64_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

static uint8_t *scratch;   /* read-write, random contents */
static volatile long *made; /* calls made by all children (shared) */
static uint8_t *rdonly;    /* read-only */
static uint8_t *hole;      /* unmapped */
static char *paths;        /* NUL-terminated names, in scratch */
static int npaths;
static const char *names[] = {"f0", "f1", "d0", "d0/f2", "d0/d1", ".", "..", "/", "/tmp",
			      "/dev/null", "/dev/zero", "/proc/self/maps", "/proc/self/status",
			      "/proc/self/fd/0", "/proc/self/exe", "/proc/self/mem", "/sysfuzz",
			      "f0/..", "", "/dev/shm/x", "sock", "fifo"};
#define SCRATCH (64 << 10)

static uint64_t pointer(void)
{
	switch (rnd() % 16) {
	case 0: /* memory a call cannot write: read-only, unmapped, code, below the stack */
		switch (rnd() % 4) {
		case 0: return (uint64_t)rdonly + rnd() % 4096;
		case 1: return (uint64_t)hole + rnd() % 4096;
		case 2: return (uint64_t)&pointer;
		default: { int x; return (uint64_t)&x - rnd() % 4096; }
		}
	case 1: return (uint64_t)scratch + SCRATCH - rnd() % 64; /* straddles the end */
	case 2: case 3: {
		const char *s = paths;
		for (int i = rnd() % npaths; i > 0; i--)
			s += strlen(s) + 1;
		return (uint64_t)s;
	}
	default: return (uint64_t)scratch + 4096 + rnd() % (SCRATCH - 8192);
	}
}

static uint64_t wild(void)
{
	switch (rnd() % 12) {
	case 0: return 0;
	case 1: return rnd() % 16;                 /* small: fds, counts, commands */
	case 2: return rnd() % 4096;
	case 3: return 1ull << (rnd() % 64);       /* a flag */
	case 4: return rnd() & rnd() & 0xfffff;    /* flags */
	case 5: return -(rnd() % 8);               /* -1 and the like */
	case 6: return 0x7fffffff + rnd() % 3;
	case 7: return 0xffff800000000000ull + rnd() % 4096; /* kernel addresses */
	case 8: return rnd();
	default: return pointer();
	}
}

/* Calls never made: they end or fork the child, reach other processes or
   the whole host, or wait forever by design. */
static int skipped(long nr)
{
	switch (nr) {
	case SYS_exit: case SYS_exit_group: case SYS_fork: case SYS_vfork: case SYS_clone:
	case SYS_clone3: case SYS_execve: case SYS_execveat:
	case SYS_kill: case SYS_tkill: case SYS_tgkill: case SYS_rt_sigqueueinfo:
	case SYS_rt_tgsigqueueinfo: case SYS_pidfd_send_signal: case SYS_pidfd_open:
	case SYS_pidfd_getfd: case SYS_ptrace: case SYS_process_vm_readv:
	case SYS_process_vm_writev: case SYS_kcmp: case SYS_setpriority: case SYS_ioprio_set:
	case SYS_sched_setscheduler: case SYS_sched_setparam: case SYS_sched_setaffinity:
	case SYS_setrlimit: case SYS_prlimit64: case SYS_migrate_pages: case SYS_move_pages:
	case SYS_mbind: case SYS_set_mempolicy:
	case SYS_reboot: case SYS_swapon: case SYS_swapoff: case SYS_mount: case SYS_umount2:
	case SYS_pivot_root: case SYS_chroot: case SYS_sethostname: case SYS_setdomainname:
	case SYS_settimeofday: case SYS_clock_settime: case SYS_clock_adjtime: case SYS_adjtimex:
	case SYS_acct: case SYS_quotactl: case SYS_iopl: case SYS_ioperm: case SYS_syslog:
	case SYS_vhangup: case SYS_kexec_load: case SYS_kexec_file_load: case SYS_init_module:
	case SYS_finit_module: case SYS_delete_module: case SYS_perf_event_open: case SYS_bpf:
	case SYS_mknod: case SYS_mknodat: case SYS_fallocate: case SYS_sync: case SYS_syncfs:
	case SYS_pause: case SYS_nanosleep: case SYS_clock_nanosleep: case SYS_rt_sigsuspend:
	case SYS_futex: case SYS_futex_waitv: case SYS_semop: case SYS_semtimedop:
	case SYS_mq_timedsend: case SYS_mq_timedreceive: case SYS_arch_prctl:
	case SYS_rt_sigreturn: case SYS_unshare: case SYS_setns:
		return 1;
	}
	return 0;
}

/* A fault (a call the library OS serves in the guest may fault on a bad
   pointer where Linux says EFAULT) goes on with the next call. */
static sigjmp_buf next_call;
static void on_fault(int sig)
{
	siglongjmp(next_call, 1);
}

static void catch_faults(void)
{
	static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS};
	static char altstack[65536];
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
	sigaltstack(&ss, NULL);
	struct sigaction sa = {.sa_handler = on_fault, .sa_flags = SA_ONSTACK | SA_NODEFER};
	sigset_t set;
	sigemptyset(&set);
	for (unsigned i = 0; i < sizeof sigs / sizeof *sigs; i++) {
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&set, sigs[i]);
	}
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void child(int n)
{
	seed = 0x9e3779b97f4a7c15ull * (n + 1 + seed_base);
	/* Our output is the parent's: keep the calls off it. */
	int null = open("/dev/null", O_RDWR);
	dup2(null, 0), dup2(null, 1), dup2(null, 2);
	/* Not as root: root's calls reach the host's device nodes (devfs
	   serves /dev/null itself; a random fchmod wrecked it for the whole
	   machine). Added by the lead while this ran. */
	if (getuid() == 0 && (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0))
		_exit(99);
	static const struct timespec zero_ts;
	static const struct { long s, us; } zero_tv;
	volatile int i = 0;
	sigsetjmp(next_call, 1);
	for (; i < CALLS; i++) {
		if (i % 16 == 0) /* the calls may have changed them */
			catch_faults();
		if (i % 64 == 0) { /* fresh contents: pointers, numbers, names */
			for (int k = 4096; k < SCRATCH; k += 8)
				*(uint64_t *)(scratch + k) = wild();
			char *s = paths;
			for (int k = 0; k < (int)(sizeof names / sizeof *names); k++)
				s = stpcpy(s, names[k]) + 1;
		}
		long nr = rnd() % 5 ? rnd() % 335 : 424 + rnd() % 28;
		if (skipped(nr))
			continue;
		uint64_t a[6];
		for (int k = 0; k < 6; k++)
			a[k] = wild();
		/* What could wait forever waits not at all. */
		switch (nr) {
		case SYS_poll: a[2] = 0; break;
		case SYS_select: a[4] = (uint64_t)&zero_tv; break;
		case SYS_pselect6: a[4] = (uint64_t)&zero_ts; break;
		case SYS_ppoll: a[2] = (uint64_t)&zero_ts; break;
		case SYS_epoll_wait: case SYS_epoll_pwait: a[3] = 0; break;
		case SYS_epoll_pwait2: a[3] = (uint64_t)&zero_ts; break;
		case SYS_rt_sigtimedwait: a[2] = (uint64_t)&zero_ts; break;
		case SYS_msgrcv: a[4] |= 04000; break; /* IPC_NOWAIT */
		case SYS_msgsnd: a[3] |= 04000; break;
		case SYS_flock: a[1] |= 4; break;      /* LOCK_NB */
		case SYS_wait4: case SYS_waitid: break; /* no children: ECHILD */
		}
		__atomic_fetch_add(made, 1, __ATOMIC_RELAXED);
		syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
	_exit(0);
}

/* Start child n; its pid. */
static pid_t start_child(int n)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		child(n);
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	return pid;
}

static void report(int n, int st)
{
	if (WIFEXITED(st))
		printf("child %d: exit %d\n", n, WEXITSTATUS(st));
	else
		printf("child %d: signal %d\n", n, WTERMSIG(st));
}

int main(int argc, char **argv)
{
	scratch = mmap(NULL, SCRATCH, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rdonly = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	made = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (scratch == MAP_FAILED || rdonly == MAP_FAILED || hole == MAP_FAILED ||
	    made == MAP_FAILED)
		return 1;
	munmap(hole, 4096);
	if (getenv("SYSFUZZ_SEED"))
		seed_base = strtoull(getenv("SYSFUZZ_SEED"), NULL, 0) * CHILDREN;
	paths = (char *)scratch;
	npaths = sizeof names / sizeof *names;
	mkdir("d0", 0755);
	mkfifo("fifo", 0644);
	if (argc > 1) { /* replay child N alone */
		int n = atoi(argv[1]), st;
		waitpid(start_child(n), &st, 0);
		report(n, st);
		return 0;
	}
	pid_t pids[CHILDREN] = {0};
	time_t start[CHILDREN];
	int next = 0, running = 0, status[CHILDREN];
	while (running || (next < CHILDREN && *made < TOTAL)) {
		while (running < AT_ONCE && next < CHILDREN && *made < TOTAL) {
			start[next] = time(NULL);
			pids[next] = start_child(next);
			next++;
			running++;
		}
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		if (pid > 0) {
			for (int i = 0; i < next; i++)
				if (pids[i] == pid) {
					status[i] = st;
					pids[i] = 0;
					running--;
				}
			continue;
		}
		for (int i = 0; i < next; i++) /* a child that waits for good */
			if (pids[i] > 0 && time(NULL) - start[i] > CHILD_SECONDS)
				kill(pids[i], SIGKILL);
		usleep(20000);
	}
	for (int i = 0; i < next; i++)
		report(i, status[i]);
	return 0;
}
