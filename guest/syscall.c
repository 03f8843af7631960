/*
 * The syscall table: one entry per Linux x86-64 syscall the library OS
 * serves, naming its handler. Numbers without an entry return -ENOSYS with a
 * one-time warning naming the syscall.
 */
#include <asm/errno.h>
#include <asm/unistd.h>

#include "libos.h"
#include "syscall_names.h"

SYS(brk); SYS(mincore); SYS(msync); SYS(shmat); SYS(shmdt); SYS(mmap); SYS(munmap); SYS(mremap); SYS(mprotect); SYS(madvise);
SYS(open); SYS(close); SYS(creat); SYS(stat); SYS(lstat); SYS(access); SYS(readlink);
SYS(mkdir); SYS(rmdir); SYS(unlink); SYS(rename); SYS(symlink); SYS(chmod); SYS(pipe); SYS(link);
SYS(clock_gettime); SYS(clock_getres); SYS(gettimeofday); SYS(time);
SYS(get_mempolicy); SYS(set_mempolicy); SYS(mbind); SYS(getpid); SYS(getppid); SYS(gettid); SYS(getuid); SYS(geteuid);
SYS(getgid); SYS(getegid); SYS(exit); SYS(exit_group); SYS(arch_prctl);
SYS(set_tid_address); SYS(set_robust_list); SYS(rseq); SYS(sched_yield);
SYS(rt_sigprocmask);
SYS(prlimit64); SYS(getrlimit); SYS(setrlimit); SYS(fork); SYS(vfork);
SYS(futex); SYS(futex_waitv); SYS(get_robust_list); SYS(getcpu); SYS(membarrier); SYS(clone); SYS(clone3); SYS(prctl); SYS(rt_sigsuspend); SYS(pause); SYS(rt_sigreturn); SYS(sigaltstack); SYS(read); SYS(write); SYS(readv); SYS(writev);
/* issue 17 (sys_compat.c) */
SYS(utime); SYS(utimes); SYS(futimesat); SYS(restart_syscall); SYS(mlock); SYS(munlock);
SYS(mlock2); SYS(mlockall); SYS(munlockall); SYS(personality); SYS(migrate_pages);
SYS(set_mempolicy_home_node);
/* issue 17 (sys_posix.c) */
SYS(mknod); SYS(sched_get_priority_max); SYS(sched_get_priority_min);

struct sys_entry {
	sys_fn fn;
	const char *args; /* trace format, one letter per argument */
	int noreturn;
	int mem; /* takes mem_lock: the memory map is the threads' (sys_mem.c) */
};

/*
 * Argument letters for --trace: d = int, f = fd, x = hex, s = string,
 * p = pointer.
 */
#define H(fmt) {sys_host, fmt, 0}
#define L(fn, fmt) {sys_##fn, fmt, 0}
#define M(fn, fmt) {sys_##fn, fmt, 0, 1}
static const struct sys_entry table[] = {
	/* Pipes: bytes through shared rings (sys_pipe.c); other fds go to the monitor. */
	[__NR_read] = L(read, "fpd"),
	[__NR_write] = L(write, "fpd"),
	[__NR_readv] = L(readv, "fpd"),
	[__NR_writev] = L(writev, "fpd"),
	/* Files and descriptors: served by the monitor (monitor/hsys_*.c). */
	[__NR_pread64] = H("fpdd"),
	[__NR_pwrite64] = H("fpdd"),
	[__NR_preadv] = H("fpdd"),
	[__NR_pwritev] = H("fpdd"),
	[__NR_preadv2] = H("fpddx"),
	[__NR_pwritev2] = H("fpddx"),
	[__NR_openat] = H("fsxx"),
	[__NR_close] = L(close, "f"), /* sys_file.c: may go with the next host call */
	[__NR_close_range] = H("ddx"),
	[__NR_memfd_create] = H("sx"),
	[__NR_lseek] = H("fdd"),
	[__NR_fstat] = H("fp"),
	[__NR_newfstatat] = H("fspx"),
	[__NR_statx] = H("fsxxp"),
	[__NR_statfs] = H("sp"),
	[__NR_fstatfs] = H("fp"),
	[__NR_getdents64] = H("fpd"),
	[__NR_faccessat] = H("fsx"),
	[__NR_faccessat2] = H("fsxx"),
	[__NR_readlinkat] = H("fspd"),
	[__NR_getcwd] = H("pd"),
	[__NR_chdir] = H("s"),
	[__NR_fchdir] = H("f"),
	[__NR_mkdirat] = H("fsx"),
	[__NR_unlinkat] = H("fsx"),
	[__NR_renameat] = H("fsfs"),
	[__NR_renameat2] = H("fsfsx"),
	[__NR_symlinkat] = H("sfs"),
	[__NR_fchmod] = H("fx"),
	[__NR_fchmodat] = H("fsx"),
	[__NR_ftruncate] = H("fd"),
	[__NR_truncate] = H("sd"),
	[__NR_fsync] = H("f"),
	[__NR_fdatasync] = H("f"),
	[__NR_fcntl] = H("fdx"),
	[__NR_dup] = H("f"),
	[__NR_dup2] = H("ff"),
	[__NR_dup3] = H("ffx"),
	[__NR_ioctl] = H("fxp"),
	[__NR_umask] = H("x"),
	[__NR_nanosleep] = H("pp"),
	[__NR_clock_nanosleep] = H("dxpp"),
	[__NR_sysinfo] = H("p"),
	[__NR_getrandom] = H("pdx"),
	[__NR_uname] = H("p"),
	[__NR_pipe2] = H("px"),
	[__NR_poll] = H("pdd"),
	[__NR_ppoll] = H("pdppd"),
	[__NR_select] = H("dpppp"),
	[__NR_pselect6] = H("dppppp"),
	[__NR_sendfile] = H("ffpd"),
	[__NR_fadvise64] = H("fddd"),
	[__NR_fchown] = H("fdd"),
	[__NR_chown] = H("sdd"),
	[__NR_lchown] = H("sdd"),
	[__NR_fchownat] = H("fsddx"),
	[__NR_copy_file_range] = H("fpfpdx"),
	/* epoll, eventfd, timerfd (monitor/hsys_epoll.c). */
	[__NR_epoll_create] = H("d"),
	[__NR_epoll_create1] = H("x"),
	[__NR_epoll_ctl] = H("fdfp"),
	[__NR_epoll_wait] = H("fpdd"),
	[__NR_epoll_pwait] = H("fpddp"),
	[__NR_epoll_pwait2] = H("fpdpp"),
	[__NR_eventfd] = H("d"),
	[__NR_eventfd2] = H("dx"),
	[__NR_timerfd_create] = H("dx"),
	[__NR_timerfd_settime] = H("fxpp"),
	[__NR_timerfd_gettime] = H("fp"),
	/* Sockets: the host's (monitor/hsys_net.c). */
	[__NR_socket] = H("ddd"),
	[__NR_socketpair] = H("dddp"),
	[__NR_bind] = H("fpd"),
	[__NR_connect] = H("fpd"),
	[__NR_listen] = H("fd"),
	[__NR_shutdown] = H("fd"),
	[__NR_accept] = H("fpp"),
	[__NR_accept4] = H("fppx"),
	[__NR_getsockname] = H("fpp"),
	[__NR_getpeername] = H("fpp"),
	[__NR_setsockopt] = H("fddpd"),
	[__NR_getsockopt] = H("fddpp"),
	[__NR_sendto] = H("fpdxpd"),
	[__NR_recvfrom] = H("fpdxpp"),
	[__NR_sendmsg] = H("fpx"),
	[__NR_recvmsg] = H("fpx"),
	[__NR_sendmmsg] = H("fpdx"),
	[__NR_recvmmsg] = H("fpdxp"),
	[__NR_getxattr] = H("sspd"),
	[__NR_lgetxattr] = H("sspd"),
	[__NR_fgetxattr] = H("fspd"),
	[__NR_setxattr] = H("sspdx"),
	[__NR_lsetxattr] = H("sspdx"),
	[__NR_fsetxattr] = H("fspdx"),
	[__NR_listxattr] = H("spd"),
	[__NR_llistxattr] = H("spd"),
	[__NR_flistxattr] = H("fpd"),
	[__NR_removexattr] = H("ss"),
	[__NR_lremovexattr] = H("ss"),
	[__NR_fremovexattr] = H("fs"),
	/* Path syscalls without a dirfd, rewritten to their *at form. */
	[__NR_open] = L(open, "sxx"),
	[__NR_creat] = L(creat, "sx"),
	[__NR_stat] = L(stat, "sp"),
	[__NR_lstat] = L(lstat, "sp"),
	[__NR_access] = L(access, "sx"),
	[__NR_readlink] = L(readlink, "spd"),
	[__NR_mkdir] = L(mkdir, "sx"),
	[__NR_rmdir] = L(rmdir, "s"),
	[__NR_unlink] = L(unlink, "s"),
	[__NR_rename] = L(rename, "ss"),
	[__NR_symlink] = L(symlink, "ss"),
	[__NR_chmod] = L(chmod, "sx"),
	[__NR_pipe] = L(pipe, "p"),
	[__NR_link] = L(link, "ss"),
	/* Memory: served in the guest (sys_mem.c). */
	[__NR_brk] = M(brk, "p"),
	[__NR_mmap] = M(mmap, "pdxxfd"),
	[__NR_munmap] = M(munmap, "pd"),
	[__NR_mremap] = M(mremap, "pddxp"),
	[__NR_mprotect] = M(mprotect, "pdx"),
	[__NR_madvise] = M(madvise, "pdd"),
	[__NR_mincore] = M(mincore, "pdp"),
	[__NR_msync] = M(msync, "pdx"),
	[__NR_shmat] = M(shmat, "dpx"),
	[__NR_shmdt] = M(shmdt, "p"),
	/* SysV IPC and POSIX message queues: the host's (monitor/hsys_ipc.c). */
	[__NR_shmget] = H("xdx"),
	[__NR_shmctl] = H("ddp"),
	[__NR_semget] = H("xdx"),
	[__NR_semop] = H("dpd"),
	[__NR_semtimedop] = H("dpdp"),
	[__NR_semctl] = H("dddx"),
	[__NR_msgget] = H("xx"),
	[__NR_msgsnd] = H("dpdx"),
	[__NR_msgrcv] = H("dpddx"),
	[__NR_msgctl] = H("ddp"),
	[__NR_mq_open] = H("sxxp"),
	[__NR_mq_unlink] = H("s"),
	[__NR_mq_timedsend] = H("fpddp"),
	[__NR_mq_timedreceive] = H("fpdpp"),
	[__NR_mq_getsetattr] = H("fpp"),
	[__NR_mq_notify] = H("fp"),
	/* Time (sys_time.c). */
	[__NR_clock_gettime] = L(clock_gettime, "dp"),
	[__NR_clock_getres] = L(clock_getres, "dp"),
	[__NR_gettimeofday] = L(gettimeofday, "pp"),
	[__NR_time] = L(time, "p"),
	/* Process (sys_proc.c). */
	[__NR_getpid] = L(getpid, ""),
	[__NR_getppid] = L(getppid, ""),
	[__NR_gettid] = L(gettid, ""),
	[__NR_getuid] = L(getuid, ""),
	[__NR_geteuid] = L(geteuid, ""),
	[__NR_getgid] = L(getgid, ""),
	[__NR_getegid] = L(getegid, ""),
	[__NR_exit] = {sys_exit, "d", 1},
	[__NR_exit_group] = {sys_exit_group, "d", 1},
	[__NR_arch_prctl] = L(arch_prctl, "xp"),
	[__NR_set_tid_address] = L(set_tid_address, "p"),
	[__NR_set_robust_list] = L(set_robust_list, "pd"),
	[__NR_rseq] = L(rseq, "pdxx"),
	[__NR_sched_yield] = L(sched_yield, ""),
	[__NR_get_mempolicy] = L(get_mempolicy, "ppdpx"),
	[__NR_set_mempolicy] = L(set_mempolicy, "dpd"),
	[__NR_mbind] = L(mbind, "pddpdx"),
	[__NR_sched_getaffinity] = H("ddp"), /* monitor/hsys_sched.c: the vCPU's host thread's */
	[__NR_rt_sigaction] = H("dppd"), /* monitor/signal.c */
	[__NR_rt_sigprocmask] = L(rt_sigprocmask, "dppd"),
	[__NR_rt_sigsuspend] = L(rt_sigsuspend, "pd"),
	[__NR_rt_sigpending] = H("pd"),
	[__NR_rt_sigtimedwait] = H("ppppd"),
	[__NR_signalfd4] = H("fpdx"),
	[__NR_signalfd] = H("fpd"),
	[__NR_pause] = L(pause, ""),
	[__NR_sigaltstack] = L(sigaltstack, "pp"),
	[__NR_rt_sigreturn] = {sys_rt_sigreturn, "", 1},
	[__NR_prlimit64] = L(prlimit64, "ddpp"),
	[__NR_getrlimit] = L(getrlimit, "dp"),
	[__NR_fork] = L(fork, ""),
	[__NR_vfork] = L(vfork, ""),
	[__NR_futex] = L(futex, "pxdppd"), /* sys_futex.c */
	[__NR_futex_waitv] = L(futex_waitv, "pdxpd"),
	[__NR_get_robust_list] = L(get_robust_list, "dpp"),
	/* Threads (sys_thread.c). */
	[__NR_getcpu] = L(getcpu, "ppp"),
	[__NR_membarrier] = L(membarrier, "dxd"),
	[__NR_clone] = L(clone, "xpppp"),
	[__NR_clone3] = L(clone3, "pd"),
	[__NR_prctl] = L(prctl, "dxxxx"),
	[__NR_wait4] = H("dpxp"),
	[__NR_waitid] = H("ddpxp"),
	[__NR_kill] = H("dd"),
	[__NR_tkill] = H("dd"),
	[__NR_tgkill] = H("ddd"),
	[__NR_rt_sigqueueinfo] = H("ddp"),
	[__NR_rt_tgsigqueueinfo] = H("dddp"),
	[__NR_execve] = H("spp"),
	[__NR_execveat] = H("fsppx"),
	[__NR_setpgid] = H("dd"),
	[__NR_getpgid] = H("d"),
	[__NR_getpgrp] = H(""),
	[__NR_setsid] = H(""),
	[__NR_getsid] = H("d"),
	[__NR_linkat] = H("fsfsx"),
	[__NR_utimensat] = H("fspx"),
	[__NR_setrlimit] = L(setrlimit, "dp"),
	/* Credentials: applied to the monitor (monitor/hsys_id.c). */
	[__NR_setuid] = H("d"),
	[__NR_setgid] = H("d"),
	[__NR_setreuid] = H("dd"),
	[__NR_setregid] = H("dd"),
	[__NR_setresuid] = H("ddd"),
	[__NR_setresgid] = H("ddd"),
	[__NR_setfsuid] = H("d"),
	[__NR_setfsgid] = H("d"),
	[__NR_capset] = H("pp"),
	[__NR_getresuid] = H("ppp"),
	[__NR_getresgid] = H("ppp"),
	[__NR_getgroups] = H("dp"),
	[__NR_setgroups] = H("dp"),
	/* issue 17: old and rare calls, in the guest (sys_compat.c) or the
	   monitor (hsys_io.c, hsys_path.c, hsys_id.c, hsys_sched.c). */
	[__NR_utime] = L(utime, "sp"),
	[__NR_utimes] = L(utimes, "sp"),
	[__NR_futimesat] = L(futimesat, "fsp"),
	[__NR_restart_syscall] = L(restart_syscall, ""),
	[__NR_mlock] = L(mlock, "pd"),
	[__NR_munlock] = L(munlock, "pd"),
	[__NR_mlock2] = L(mlock2, "pdx"),
	[__NR_mlockall] = L(mlockall, "x"),
	[__NR_munlockall] = L(munlockall, ""),
	[__NR_personality] = L(personality, "x"),
	[__NR_migrate_pages] = L(migrate_pages, "ddpp"),
	[__NR_set_mempolicy_home_node] = L(set_mempolicy_home_node, "pddx"),
	[__NR_getdents] = H("fpd"),
	[__NR_inotify_init] = H(""),
	[__NR_inotify_init1] = H("x"),
	[__NR_inotify_add_watch] = H("fsx"),
	[__NR_inotify_rm_watch] = H("fd"),
	[__NR_capget] = H("pp"),
	[__NR_sched_setattr] = H("dpx"),
	[__NR_sched_getattr] = H("dpdx"),
	/* issue 17: files, timers and clocks, scheduling (monitor/hsys_file.c,
	   hsys_splice.c, hsys_timer.c, hsys_sched.c; sys_posix.c). */
	[__NR_mknod] = L(mknod, "sxx"),
	[__NR_mknodat] = H("fsxx"),
	[__NR_fallocate] = H("fxdd"),
	[__NR_flock] = H("fx"),
	[__NR_sync] = H(""),
	[__NR_syncfs] = H("f"),
	[__NR_sync_file_range] = H("fddx"),
	[__NR_readahead] = H("fdd"),
	[__NR_splice] = H("fpfpdx"),
	[__NR_tee] = H("ffdx"),
	[__NR_vmsplice] = H("fpdx"),
	[__NR_alarm] = H("d"),
	[__NR_setitimer] = H("dpp"),
	[__NR_getitimer] = H("dp"),
	[__NR_timer_create] = H("dpp"),
	[__NR_timer_settime] = H("dxpp"),
	[__NR_timer_gettime] = H("dp"),
	[__NR_timer_getoverrun] = H("d"),
	[__NR_timer_delete] = H("d"),
	[__NR_times] = H("p"),
	[__NR_getrusage] = H("dp"),
	[__NR_getpriority] = H("dd"),
	[__NR_setpriority] = H("ddd"),
	[__NR_ioprio_get] = H("dd"),
	[__NR_ioprio_set] = H("ddx"),
	[__NR_sched_setscheduler] = H("ddp"),
	[__NR_sched_getscheduler] = H("d"),
	[__NR_sched_setparam] = H("dp"),
	[__NR_sched_getparam] = H("dp"),
	[__NR_sched_get_priority_max] = L(sched_get_priority_max, "d"),
	[__NR_sched_get_priority_min] = L(sched_get_priority_min, "d"),
	[__NR_sched_rr_get_interval] = H("dp"),
	[__NR_sched_setaffinity] = H("ddp"),
};
#define NTABLE (sizeof table / sizeof table[0])

struct sc_frame *cur_frame(void)
{
	return (struct sc_frame *)self()->frame;
}

SYSDEF(host)
{
	return hc_syscall(cur_nr, a0, a1, a2, a3, a4, a5);
}

static const char *sys_name(uint64_t nr)
{
	if (nr < sizeof syscall_names / sizeof syscall_names[0] && syscall_names[nr])
		return syscall_names[nr];
	return "unknown";
}

static void warn_unsupported(uint64_t nr)
{
	static uint64_t warned[8]; /* one bit per syscall number < 512 */
	if (nr < 512) {
		if (warned[nr / 64] & (1ull << (nr % 64)))
			return;
		warned[nr / 64] |= 1ull << (nr % 64);
	}
	logf("uniproc: warning: unsupported syscall %s (%lu) returns ENOSYS",
	     sys_name(nr), nr);
}

static int trace_args(char *buf, size_t size, const char *spec,
		      const struct sc_frame *f)
{
	int n = 0;
	for (int i = 0; spec[i] && i < 6; i++) {
		uint64_t v = f->a[i];
		const char *sep = i ? ", " : "";
		size_t room = (size_t)n < size ? size - n : 0;
		switch (spec[i]) {
		case 'd':
			n += fmt(buf + n, room, "%s%ld", sep, (int64_t)v);
			break;
		case 'f':
			if ((int)v == -100)
				n += fmt(buf + n, room, "%sAT_FDCWD", sep);
			else
				n += fmt(buf + n, room, "%s%d", sep, (int)v);
			break;
		case 's':
			if (user_ok(v, 1)) {
				const char *s = (const char *)v;
				size_t len = strnlen(s, 64);
				char q[80];
				memcpy(q, s, len);
				q[len] = 0;
				n += fmt(buf + n, room, "%s\"%s\"%s", sep, q,
					 len == 64 ? "..." : "");
				break;
			}
			/* fall through */
		default:
			n += fmt(buf + n, room, "%s%p", sep, v);
		}
	}
	return n;
}

static void trace(uint64_t nr, const struct sc_frame *f, const char *spec,
		  long r, int noreturn)
{
	char args[400] = "";
	trace_args(args, sizeof args, spec ? spec : "xxxxxx", f);
	if (noreturn)
		logf("[%lu] %s(%s) = ?", self()->tid, sys_name(nr), args);
	else if (r < 0 && r > -4096)
		logf("[%lu] %s(%s) = -1 %s", self()->tid, sys_name(nr), args,
		     errno_name(-r));
	else
		logf("[%lu] %s(%s) = %ld (%p)", self()->tid, sys_name(nr),
		     args, r, r);
}

/* Called from entry.S for every syscall the program makes. */
long libos_syscall(struct sc_frame *f)
{
	uint64_t nr = f->nr;
	sigstate.nr = nr;
	defer_tick();
	const struct sys_entry *e = nr < NTABLE && table[nr].fn ? &table[nr] : 0;
	long r;
	if (!e) {
		warn_unsupported(nr);
		r = -ENOSYS;
	} else {
		if (e->noreturn && boot_info.trace)
			trace(nr, f, e->args, 0, 1);
		cur_nr = nr;
		self()->frame = (uint64_t)f;
		self()->ret_override = 0;
		if (e->mem)
			lock_take(&mem_lock);
		r = e->fn(f->a[0], f->a[1], f->a[2], f->a[3], f->a[4], f->a[5]);
		if (e->mem)
			lock_give(&mem_lock);
	}
	if (boot_info.trace)
		trace(nr, f, e ? e->args : 0, r, 0);
	return r;
}

/*
 * Trap path only. A `syscall` instruction costs a trap through ring 0
 * (~3.5 us here); a rewritten site, a plain call (~20 ns). A rewrite costs
 * an exit and ~0.4 ms of decoding in the monitor, so only sites that have
 * trapped REWRITE_AFTER times are worth it. The monitor decides whether the
 * rewrite is safe; either way we ask once.
 */
#define NSITES 1024
#define REWRITE_AFTER 64
static struct {
	uint64_t site;
	uint32_t count;
} sites[NSITES];

/* Count a trap at site; may rewrite it and redirect this return (*rip). */
static void site_seen(uint64_t site, uint64_t nr, uint64_t *rip)
{
	unsigned h = (unsigned)((site * 0x9e3779b97f4a7c15ull) >> 54);
	for (unsigned i = 0; i < 16; i++) {
		__typeof__(sites[0]) *e = &sites[(h + i) % NSITES];
		if (e->site == site) {
			if (++e->count == REWRITE_AFTER) {
				uint64_t resume = hc_patch(site, nr);
				if (resume)
					*rip = resume;
			}
			return;
		}
		if (!e->site) {
			e->site = site;
			e->count = 1;
			return;
		}
	}
}

long libos_syscall_trap(struct sc_frame *f)
{
	if (boot_info.rewrite)
		site_seen(f->rcx - 2, f->nr, &f->rcx);
	return libos_syscall(f);
}
