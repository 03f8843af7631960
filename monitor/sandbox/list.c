/*
 * The host calls uniproc's monitors make: the one list of them, turned
 * into seccomp BPF programs by libseccomp when uniproc is built (make runs
 * this and writes build/monitor/sandbox_bpf.h), so a run loads a ready
 * program (monitor/sandbox.c) instead of building one (~2 ms). A call that
 * is not here ends the monitor with a report naming it. When a feature
 * needs a new host call, the tests fail with that report: add it here.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/kvm.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

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
	"memfd_create", "inotify_init1", "inotify_add_watch", "inotify_rm_watch",
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
	"getpriority", "setpriority", "ioprio_get", "ioprio_set", "getcpu", "sched_getattr",
	"sched_setattr",
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
	TIOCGPTLCK, FIOCLEX, FIONCLEX, FICLONE, FICLONERANGE, TIOCNOTTY, TIOCEXCL, TIOCNXCL,
	TIOCSCTTY, TCSBRK, TCXONC, TCFLSH, TIOCGPTPEER, TIOCGSID, TIOCPKT, FS_IOC_FIEMAP,
};

/* prctl options: the monitor's own and those hsys_id.c passes on. */
static const int prctls[] = {
	PR_SET_NAME, PR_GET_NAME, PR_SET_PDEATHSIG, PR_GET_PDEATHSIG, PR_SET_DUMPABLE,
	PR_GET_DUMPABLE, PR_SET_KEEPCAPS, PR_GET_KEEPCAPS, PR_GET_SECCOMP, PR_CAPBSET_READ,
	PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS,
	PR_GET_NO_NEW_PRIVS, PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_GET_SECUREBITS,
	PR_SET_SECUREBITS,
};

#define NS_FLAGS                                                                           \
	(CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC |        \
	 CLONE_NEWUTS | CLONE_NEWCGROUP)

/* The run's watchdog (tree.c) waits, then kills what is left of the run
   and removes its /dev/shm: it needs far less. */
static const char *const watchdog_allowed[] = {
	"poll", "ppoll", "kill", "nanosleep", "clock_nanosleep", "restart_syscall",
	"rt_sigreturn", "exit", "exit_group", "getpid", "read", "close", "lseek",
	"openat", "newfstatat", "fstat", "getdents64", "readlink", "readlinkat", "fcntl",
	"unlinkat", "brk", "munmap",
};

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

static scmp_filter_ctx make_watchdog_filter(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx)
		errx(1, "sandbox: seccomp_init");
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	for (size_t i = 0; i < sizeof watchdog_allowed / sizeof *watchdog_allowed; i++)
		rule(ctx, seccomp_syscall_resolve_name(watchdog_allowed[i]), 0, NULL);
	rule(ctx, SCMP_SYS(mmap), 1, &SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	return ctx;
}

/* One program as a C array named name. */
static void emit(const char *name, scmp_filter_ctx ctx)
{
	char path[] = "/tmp/uniproc-bpf.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0)
		errx(1, "sandbox: exporting %s", name);
	unlink(path);
	off_t len = lseek(fd, 0, SEEK_END);
	unsigned char *b = malloc(len);
	if (!b || pread(fd, b, len, 0) != len)
		errx(1, "sandbox: reading %s", name);
	close(fd);
	printf("static const struct sock_filter %s[] = {\n", name);
	for (off_t i = 0; i < len; i += 8) {
		unsigned short code = b[i] | b[i + 1] << 8;
		unsigned k = b[i + 4] | b[i + 5] << 8 | b[i + 6] << 16 | (unsigned)b[i + 7] << 24;
		printf("\t{0x%04x, %u, %u, 0x%08x},\n", code, b[i + 2], b[i + 3], k);
	}
	printf("};\n");
	free(b);
	seccomp_release(ctx);
}

int main(void)
{
	printf("/* Generated by monitor/sandbox/list.c; do not edit. */\n");
	emit("bpf_monitor", make_filter(0));
	emit("bpf_monitor_net_none", make_filter(1));
	emit("bpf_watchdog", make_watchdog_filter());
	return 0;
}
