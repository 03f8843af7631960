/*
 * The monitor's own sandbox (issue 15). A guest talks to its monitor all
 * day, so once the monitor has made its VM it gives up what it does not
 * need, as Solo5's tenders and Firecracker do:
 *   - the capabilities a run does not need (a container's default set is
 *     kept: what root in a container may do, root in a run may do);
 *   - the right to gain privileges (no_new_privs);
 *   - every host system call not on the list below (a seccomp filter).
 * Forked monitors inherit all three; the vCPU and call-server threads are
 * made after, so they do too. A call that is not on the list ends the
 * monitor with a report naming it (SIGSYS), never silently. This file is
 * the one place that says which calls the monitor makes.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <linux/kvm.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "monitor.h"
#pragma GCC diagnostic ignored "-Wunused-function" /* errno_name */
#include "syscall_names.h"

/*
 * The host calls a monitor makes once set up, whatever its guest does.
 * Most serve a guest call of the same name (hsys*.c); the rest are the
 * monitor's own: KVM, guest memory, threads, signals, the process tree.
 * Calls whose arguments matter are below, with their checks.
 */
static const char *const allowed[] = {
	/* descriptors and I/O */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev",
	"preadv2", "pwritev2", "close", "close_range", "lseek", "dup", "dup2", "dup3",
	"fcntl", "fstat", "fstatfs", "getdents64", "ftruncate", "fsync", "fdatasync",
	"fchmod", "fchown", "fallocate", "flock", "fadvise64", "readahead", "sync", "syncfs",
	"sync_file_range", "sendfile", "copy_file_range", "splice", "tee", "vmsplice",
	"pipe2", "poll", "ppoll", "select", "pselect6",
	"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2",
	"eventfd2", "timerfd_create", "timerfd_settime", "timerfd_gettime", "signalfd4",
	"memfd_create",
	/* names (confined beneath --root by path.c) */
	"openat", "openat2", "newfstatat", "statx", "statfs", "faccessat", "faccessat2",
	"readlinkat", "truncate", "getcwd", "chdir", "fchdir", "mkdirat", "unlinkat",
	"renameat", "renameat2", "symlinkat", "linkat", "fchmodat", "fchownat",
	"utimensat", "mknodat", "getxattr", "lgetxattr", "fgetxattr", "setxattr",
	"lsetxattr", "fsetxattr", "listxattr", "llistxattr", "flistxattr", "removexattr",
	"lremovexattr", "fremovexattr", "umask",
	/* glibc's own names for some of the above */
	"open", "stat", "lstat", "access", "readlink", "mkdir", "rmdir", "unlink", "rename",
	"symlink", "link", "chmod", "chown", "lchown",
	/* sockets (socket itself is below) */
	"socketpair", "bind", "connect", "listen", "shutdown", "accept", "accept4",
	"getsockname", "getpeername", "setsockopt", "getsockopt", "sendto", "recvfrom",
	"sendmsg", "recvmsg", "sendmmsg", "recvmmsg",
	/* memory: guest memory, rings, the monitor's heap */
	"brk", "munmap", "madvise", "msync", "mremap", "mlock", "munlock",
	"shmget", "shmat", "shmdt", "shmctl", "semget", "semop", "semtimedop", "semctl",
	"msgget", "msgsnd", "msgrcv", "msgctl", "mq_open", "mq_unlink", "mq_timedsend",
	"mq_timedreceive", "mq_getsetattr", "mq_notify",
	/* threads, futexes, scheduling */
	"futex", "futex_waitv", "set_robust_list", "get_robust_list", "set_tid_address",
	"rseq", "membarrier", "sched_yield", "sched_getaffinity", "sched_setaffinity",
	"sched_getscheduler", "sched_setscheduler", "sched_getparam", "sched_setparam",
	"sched_get_priority_min", "sched_get_priority_max", "sched_rr_get_interval",
	"getpriority", "setpriority", "ioprio_get", "ioprio_set", "getcpu",
	/* processes and signals */
	"wait4", "waitid", "exit", "exit_group", "kill", "tkill", "tgkill", "pidfd_open",
	"pidfd_send_signal", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
	"rt_sigpending", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigqueueinfo",
	"rt_tgsigqueueinfo", "sigaltstack", "restart_syscall",
	"getpid", "gettid", "getppid", "getpgid", "setpgid", "getpgrp", "getsid", "setsid",
	/* identity (the guest's set*id is applied to its monitor) */
	"getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups",
	"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups",
	"setfsuid", "setfsgid", "capget", "capset",
	/* time, limits, the system */
	"clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday",
	"time", "alarm", "setitimer", "getitimer", "timer_create", "timer_settime",
	"timer_gettime", "timer_getoverrun", "timer_delete", "times", "getrusage",
	"prlimit64", "getrlimit", "setrlimit", "sysinfo", "uname", "getrandom",
	"arch_prctl",
};

/* ioctl requests: KVM's (on the monitor's own VM and vCPU fds) and the
   terminal and socket requests hsys_io.c passes on for the guest. */
static const unsigned long ioctls[] = {
	KVM_GET_API_VERSION, KVM_CREATE_VM, KVM_GET_VCPU_MMAP_SIZE, KVM_GET_SUPPORTED_CPUID,
	KVM_CREATE_VCPU, KVM_SET_USER_MEMORY_REGION, KVM_GET_TSC_KHZ, KVM_RUN,
	KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS, KVM_GET_MSRS,
	KVM_SET_MSRS, KVM_SET_CPUID2, KVM_SET_FPU, KVM_GET_XSAVE, KVM_SET_XSAVE,
	KVM_GET_XCRS, KVM_SET_XCRS,
	TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGWINSZ, TIOCSWINSZ, FIONREAD, FIONBIO,
	FIOASYNC, TIOCOUTQ, SIOCATMARK, TIOCGPGRP, TIOCSPGRP, TIOCGPTN, TIOCSPTLCK,
	TIOCGPTLCK, FIOCLEX, FIONCLEX,
};

/* prctl options: the monitor's own and those hsys_id.c passes on. */
static const int prctls[] = {
	PR_SET_NAME, PR_GET_NAME, PR_SET_PDEATHSIG, PR_GET_PDEATHSIG, PR_SET_DUMPABLE,
	PR_GET_DUMPABLE, PR_SET_KEEPCAPS, PR_GET_KEEPCAPS, PR_GET_SECCOMP, PR_CAPBSET_READ,
	PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS,
	PR_GET_NO_NEW_PRIVS, PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_GET_SECUREBITS,
	PR_SET_SECUREBITS,
};

/* What a run keeps of root's capabilities: a container's default set. */
static const cap_value_t kept_caps[] = {
	CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_SETGID,
	CAP_SETUID, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_NET_RAW, CAP_SYS_CHROOT,
	CAP_MKNOD, CAP_AUDIT_WRITE, CAP_SETFCAP,
};

#define NS_FLAGS                                                                           \
	(CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC |        \
	 CLONE_NEWUTS | CLONE_NEWCGROUP)

static int log_fd = 2;

/* SIGSYS: a call the filter refused (or a SIGSYS sent to the monitor). */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	if (si->si_code == 1 /* SYS_SECCOMP */) {
		int nr = si->si_syscall;
		const char *name = nr >= 0 && nr < (int)(sizeof syscall_names / sizeof *syscall_names) &&
					   syscall_names[nr] ? syscall_names[nr] : "?";
		char msg[256];
		int n = snprintf(msg, sizeof msg,
				 "uniproc: pid %d: the monitor made host system call %s (%d) at %p, "
				 "which its seccomp filter refuses (monitor/sandbox.c)\n",
				 (int)getpid(), name, nr, si->si_call_addr);
		if (log_fd >= 0 && write(log_fd, msg, n) < 0) {
		}
	}
	/* Die of SIGSYS, as the default action would have us. */
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigaction(SIGSYS, &dfl, NULL);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGSYS);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGSYS);
	_exit(128 + SIGSYS);
}

/* Drop every capability outside kept_caps, from all sets and the bounding
   set (so no later exec or setuid brings one back). */
static void drop_caps(void)
{
	cap_t caps = cap_get_proc();
	if (!caps)
		err(1, "sandbox: capabilities");
	cap_flag_value_t setpcap = CAP_CLEAR;
	cap_get_flag(caps, CAP_SETPCAP, CAP_EFFECTIVE, &setpcap);
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		int keep = 0;
		for (size_t i = 0; i < sizeof kept_caps / sizeof *kept_caps; i++)
			keep |= kept_caps[i] == c;
		if (keep)
			continue;
		cap_value_t v[1] = {c};
		cap_set_flag(caps, CAP_EFFECTIVE, 1, v, CAP_CLEAR);
		cap_set_flag(caps, CAP_PERMITTED, 1, v, CAP_CLEAR);
		cap_set_flag(caps, CAP_INHERITABLE, 1, v, CAP_CLEAR);
		if (setpcap == CAP_SET && cap_drop_bound(c) < 0 && errno != EINVAL)
			err(1, "sandbox: bounding capability %d", c);
	}
	if (cap_set_proc(caps) < 0)
		err(1, "sandbox: capabilities");
	cap_free(caps);
	cap_reset_ambient();
}

static void rule(scmp_filter_ctx ctx, int nr, unsigned n, const struct scmp_arg_cmp *cmp)
{
	int r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, n, cmp);
	if (r < 0)
		errx(1, "sandbox: seccomp rule for %d: %s", nr, strerror(-r));
}

/* The filter; net_none: sockets of AF_UNIX only. */
static scmp_filter_ctx make_filter(int net_none)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx)
		errx(1, "sandbox: seccomp_init");
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2); /* a binary tree, not a list */
	for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);
		if (nr == __NR_SCMP_ERROR)
			errx(1, "sandbox: unknown system call %s", allowed[i]);
		rule(ctx, nr, 0, NULL);
	}
	for (size_t i = 0; i < sizeof ioctls / sizeof *ioctls; i++)
		rule(ctx, SCMP_SYS(ioctl), 1,
		     &SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, (uint32_t)ioctls[i]));
	for (size_t i = 0; i < sizeof prctls / sizeof *prctls; i++)
		rule(ctx, SCMP_SYS(prctl), 1, &SCMP_A0(SCMP_CMP_EQ, prctls[i]));
	/* Sockets of the families hsys_net.c serves. */
	static const int families[] = {AF_UNIX, AF_INET, AF_INET6, AF_NETLINK};
	for (size_t i = 0; i < (net_none ? 1 : sizeof families / sizeof *families); i++)
		rule(ctx, SCMP_SYS(socket), 1, &SCMP_A0(SCMP_CMP_EQ, families[i]));
	/* No executable memory: the monitor runs no code it did not start with. */
	rule(ctx, SCMP_SYS(mmap), 1, &SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	rule(ctx, SCMP_SYS(mprotect), 1, &SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	/* fork and threads, but no new namespaces. clone3's flags are out of
	   the filter's sight: ENOSYS sends glibc back to clone. */
	rule(ctx, SCMP_SYS(clone), 1, &SCMP_A0(SCMP_CMP_MASKED_EQ, NS_FLAGS, 0));
	int r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (r < 0)
		errx(1, "sandbox: seccomp rule for clone3: %s", strerror(-r));
	return ctx;
}

/* The seccomp state uniproc itself was started in (a container's filter,
   say): what /proc shows the guest, whose own view ours must not change. */
int sandbox_host_seccomp, sandbox_host_filters;

static void note_host_state(struct proc *p)
{
	p->no_new_privs = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
	sandbox_host_seccomp = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) > 0 ? 2 : 0;
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	while (f && fgets(line, sizeof line, f))
		sscanf(line, "Seccomp_filters: %d", &sandbox_host_filters);
	if (f)
		fclose(f);
}

void sandbox_enter(struct proc *p, int keep_caps, int filter)
{
	log_fd = p->log_fd;
	note_host_state(p);
	if (!keep_caps)
		drop_caps();
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		err(1, "sandbox: no_new_privs");
	if (!filter)
		return;
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
	sigfillset(&sa.sa_mask);
	sigaction(SIGSYS, &sa, NULL);
	scmp_filter_ctx ctx = make_filter(p->net_none);
	int r = seccomp_load(ctx);
	if (r < 0)
		errx(1, "sandbox: seccomp_load: %s", strerror(-r));
	seccomp_release(ctx);
}

/* The run's watchdog (tree.c) waits, then kills what is left of the run
   and removes its /dev/shm: it needs far less. */
static const char *const watchdog_allowed[] = {
	"poll", "ppoll", "kill", "nanosleep", "clock_nanosleep", "restart_syscall",
	"rt_sigreturn", "exit", "exit_group", "getpid", "read", "close", "lseek",
	"openat", "newfstatat", "fstat", "getdents64", "readlink", "readlinkat", "fcntl",
	"unlinkat", "brk", "munmap",
};

void sandbox_watchdog(void)
{
	log_fd = -1; /* it holds no descriptor of the run: a refusal is a SIGSYS death */
	drop_caps();
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return;
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx)
		return;
	for (size_t i = 0; i < sizeof watchdog_allowed / sizeof *watchdog_allowed; i++)
		rule(ctx, seccomp_syscall_resolve_name(watchdog_allowed[i]), 0, NULL);
	rule(ctx, SCMP_SYS(mmap), 1, &SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
	sigfillset(&sa.sa_mask);
	sigaction(SIGSYS, &sa, NULL);
	seccomp_load(ctx);
	seccomp_release(ctx);
}

/*
 * uniproc sandbox-check NAME...: make each named host call, with zero
 * arguments, in a child under the monitor's filter, and say whether the
 * filter let it through. The tests use it to show that ptrace, mount,
 * bpf and the like are refused.
 */
int sandbox_check(int argc, char **argv)
{
	int bad = 0;
	for (int i = 0; i < argc; i++) {
		int nr = seccomp_syscall_resolve_name(argv[i]);
		if (nr == __NR_SCMP_ERROR) {
			fprintf(stderr, "uniproc: sandbox-check: unknown system call %s\n", argv[i]);
			bad = 1;
			continue;
		}
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			struct proc p = {.log_fd = 2};
			sandbox_enter(&p, 0, 1);
			syscall(nr, 0, 0, 0, 0, 0, 0);
			_exit(0);
		}
		int st;
		if (pid < 0 || waitpid(pid, &st, 0) < 0)
			err(1, "sandbox-check");
		printf("%s: %s\n", argv[i],
		       WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS ? "refused" : "allowed");
	}
	return bad ? 2 : 0;
}
