/*
 * Linux syscalls the monitor serves for the guest, one handler each in
 * hsys_*.c. The guest's table (guest/syscall.c) decides what comes here;
 * each handler checks its arguments as if the guest were hostile.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hsys.h"

static const hsys_fn table[] = {
	/* hsys_io.c: descriptors */
	[SYS_read] = hsys_read,
	[SYS_write] = hsys_write,
	[SYS_readv] = hsys_readv,
	[SYS_writev] = hsys_writev,
	[SYS_pread64] = hsys_pread64,
	[SYS_pwrite64] = hsys_pwrite64,
	[SYS_preadv] = hsys_preadv,
	[SYS_pwritev] = hsys_pwritev,
	[SYS_preadv2] = hsys_preadv2,
	[SYS_pwritev2] = hsys_pwritev2,
	[SYS_close] = hsys_close,
	[SYS_close_range] = hsys_close_range,
	[SYS_lseek] = hsys_lseek,
	[SYS_fstat] = hsys_fstat,
	[SYS_getdents64] = hsys_getdents64,
	[SYS_fcntl] = hsys_fcntl,
	[SYS_dup] = hsys_dup,
	[SYS_dup2] = hsys_dup2,
	[SYS_dup3] = hsys_dup3,
	[SYS_ioctl] = hsys_ioctl,
	[SYS_ftruncate] = hsys_ftruncate,
	[SYS_fsync] = hsys_fsync,
	[SYS_fdatasync] = hsys_fsync,
	[SYS_fchmod] = hsys_fchmod,
	[SYS_pipe2] = hsys_pipe2,
	[SYS_poll] = hsys_poll,
	[SYS_ppoll] = hsys_ppoll,
	[SYS_select] = hsys_select,
	[SYS_pselect6] = hsys_pselect6,
	[SYS_sendfile] = hsys_sendfile,
	[SYS_fadvise64] = hsys_fadvise64,
	[SYS_fchown] = hsys_fchown,
	[SYS_copy_file_range] = hsys_copy_file_range,
	/* hsys_path.c: names, confined beneath --root */
	[SYS_openat] = hsys_openat,
	[SYS_newfstatat] = hsys_newfstatat,
	[SYS_statx] = hsys_statx,
	[SYS_statfs] = hsys_statfs,
	[SYS_fstatfs] = hsys_fstatfs,
	[SYS_faccessat] = hsys_faccessat,
	[SYS_faccessat2] = hsys_faccessat2,
	[SYS_readlinkat] = hsys_readlinkat,
	[SYS_truncate] = hsys_truncate,
	[SYS_getcwd] = hsys_getcwd,
	[SYS_chdir] = hsys_chdir,
	[SYS_fchdir] = hsys_fchdir,
	[SYS_mkdirat] = hsys_mkdirat,
	[SYS_unlinkat] = hsys_unlinkat,
	[SYS_renameat] = hsys_renameat,
	[SYS_renameat2] = hsys_renameat2,
	[SYS_symlinkat] = hsys_symlinkat,
	[SYS_fchmodat] = hsys_fchmodat,
	[SYS_linkat] = hsys_linkat,
	[SYS_chown] = hsys_chown,
	[SYS_lchown] = hsys_lchown,
	[SYS_fchownat] = hsys_fchownat,
	[SYS_utimensat] = hsys_utimensat,
	/* hsys_epoll.c: event loops */
	[SYS_epoll_create] = hsys_epoll_create,
	[SYS_epoll_create1] = hsys_epoll_create1,
	[SYS_epoll_ctl] = hsys_epoll_ctl,
	[SYS_epoll_wait] = hsys_epoll_wait,
	[SYS_epoll_pwait] = hsys_epoll_pwait,
	[SYS_epoll_pwait2] = hsys_epoll_pwait2,
	[SYS_eventfd] = hsys_eventfd,
	[SYS_eventfd2] = hsys_eventfd2,
	[SYS_timerfd_create] = hsys_timerfd_create,
	[SYS_timerfd_settime] = hsys_timerfd_settime,
	[SYS_timerfd_gettime] = hsys_timerfd_gettime,
	/* hsys_id.c: credentials */
	[SYS_prctl] = hsys_prctl,
	[SYS_setuid] = hsys_setuid,
	[SYS_capget] = hsys_capget,
	[SYS_capset] = hsys_capset,
	[SYS_setgid] = hsys_setgid,
	[SYS_setreuid] = hsys_setreuid,
	[SYS_setregid] = hsys_setregid,
	[SYS_setresuid] = hsys_setresuid,
	[SYS_setresgid] = hsys_setresgid,
	[SYS_setfsuid] = hsys_setfsuid,
	[SYS_setfsgid] = hsys_setfsgid,
	[SYS_getresuid] = hsys_getresuid,
	[SYS_getresgid] = hsys_getresgid,
	[SYS_getgroups] = hsys_getgroups,
	[SYS_setgroups] = hsys_setgroups,
	/* hsys_net.c: sockets */
	[SYS_socket] = hsys_socket,
	[SYS_socketpair] = hsys_socketpair,
	[SYS_bind] = hsys_bind,
	[SYS_connect] = hsys_connect,
	[SYS_listen] = hsys_listen,
	[SYS_shutdown] = hsys_shutdown,
	[SYS_accept] = hsys_accept,
	[SYS_accept4] = hsys_accept4,
	[SYS_getsockname] = hsys_getsockname,
	[SYS_getpeername] = hsys_getpeername,
	[SYS_setsockopt] = hsys_setsockopt,
	[SYS_getsockopt] = hsys_getsockopt,
	[SYS_sendto] = hsys_sendto,
	[SYS_recvfrom] = hsys_recvfrom,
	[SYS_sendmsg] = hsys_sendmsg,
	[SYS_recvmsg] = hsys_recvmsg,
	[SYS_sendmmsg] = hsys_sendmmsg,
	[SYS_recvmmsg] = hsys_recvmmsg,
	/* hsys_xattr.c: extended attributes */
	[SYS_getxattr] = hsys_getxattr,
	[SYS_lgetxattr] = hsys_lgetxattr,
	[SYS_fgetxattr] = hsys_fgetxattr,
	[SYS_setxattr] = hsys_setxattr,
	[SYS_lsetxattr] = hsys_lsetxattr,
	[SYS_fsetxattr] = hsys_fsetxattr,
	[SYS_listxattr] = hsys_listxattr,
	[SYS_llistxattr] = hsys_llistxattr,
	[SYS_flistxattr] = hsys_flistxattr,
	[SYS_removexattr] = hsys_removexattr,
	[SYS_lremovexattr] = hsys_lremovexattr,
	[SYS_fremovexattr] = hsys_fremovexattr,
	/* hsys_misc.c */
	[SYS_umask] = hsys_umask,
	[SYS_nanosleep] = hsys_nanosleep,
	[SYS_clock_nanosleep] = hsys_clock_nanosleep,
	[SYS_clock_gettime] = hsys_clock_gettime,
	[SYS_clock_getres] = hsys_clock_getres,
	[SYS_gettimeofday] = hsys_gettimeofday,
	[SYS_time] = hsys_time,
	[SYS_sysinfo] = hsys_sysinfo,
	[SYS_getrandom] = hsys_getrandom,
	[SYS_uname] = hsys_uname,
	[SYS_rt_sigaction] = hsys_rt_sigaction,
	[SYS_rt_sigsuspend] = hsys_rt_sigsuspend,
	[SYS_rt_sigpending] = hsys_rt_sigpending,
	[SYS_rt_sigtimedwait] = hsys_rt_sigtimedwait,
	[SYS_signalfd4] = hsys_signalfd4,
	[SYS_signalfd] = hsys_signalfd,
	[SYS_prlimit64] = hsys_prlimit64,
	/* hsys_mem.c: host memory behind guest addresses */
	[SYS_mmap] = hsys_mmap,
	[SYS_munmap] = hsys_munmap,
	[SYS_madvise] = hsys_madvise,
	[SYS_mprotect] = hsys_mprotect,
	[SYS_msync] = hsys_msync,
	[SYS_mremap] = hsys_mremap,
	[SYS_memfd_create] = hsys_memfd_create,
	/* hsys_ipc.c: SysV IPC and POSIX message queues */
	[SYS_shmget] = hsys_shmget,
	[SYS_shmat] = hsys_shmat,
	[SYS_shmdt] = hsys_shmdt,
	[SYS_shmctl] = hsys_shmctl,
	[SYS_semget] = hsys_semget,
	[SYS_semop] = hsys_semop,
	[SYS_semtimedop] = hsys_semtimedop,
	[SYS_semctl] = hsys_semctl,
	[SYS_msgget] = hsys_msgget,
	[SYS_msgsnd] = hsys_msgsnd,
	[SYS_msgrcv] = hsys_msgrcv,
	[SYS_msgctl] = hsys_msgctl,
	[SYS_mq_open] = hsys_mq_open,
	[SYS_mq_unlink] = hsys_mq_unlink,
	[SYS_mq_timedsend] = hsys_mq_timedsend,
	[SYS_mq_timedreceive] = hsys_mq_timedreceive,
	[SYS_mq_getsetattr] = hsys_mq_getsetattr,
	[SYS_mq_notify] = hsys_mq_notify,
	/* hsys_futex.c: futexes on memory other processes may share */
	[SYS_futex] = hsys_futex,
	[SYS_futex_waitv] = hsys_futex_waitv,
	[SYS_membarrier] = hsys_membarrier,
	/* hsys_proc.c: processes */
	[SYS_fork] = hsys_fork,
	[SYS_wait4] = hsys_wait4,
	[SYS_waitid] = hsys_waitid,
	[SYS_kill] = hsys_kill,
	[SYS_tkill] = hsys_tkill,
	[SYS_tgkill] = hsys_tgkill,
	[SYS_rt_sigqueueinfo] = hsys_rt_sigqueueinfo,
	[SYS_rt_tgsigqueueinfo] = hsys_rt_tgsigqueueinfo,
	[SYS_getppid] = hsys_getppid,
	[SYS_setpgid] = hsys_setpgid,
	[SYS_getpgid] = hsys_getpgid,
	[SYS_getpgrp] = hsys_getpgrp,
	[SYS_setsid] = hsys_setsid,
	[SYS_getsid] = hsys_getsid,
	/* exec.c */
	[SYS_execve] = hsys_execve,
	[SYS_execveat] = hsys_execveat,
	/* issue 17: files, timers and clocks, scheduling */
	[SYS_mknodat] = hsys_mknodat,
	[SYS_fallocate] = hsys_fallocate,
	[SYS_flock] = hsys_flock,
	[SYS_sync] = hsys_sync,
	[SYS_syncfs] = hsys_syncfs,
	[SYS_sync_file_range] = hsys_sync_file_range,
	[SYS_readahead] = hsys_readahead,
	[SYS_splice] = hsys_splice,
	[SYS_tee] = hsys_tee,
	[SYS_vmsplice] = hsys_vmsplice,
	[SYS_alarm] = hsys_alarm,
	[SYS_setitimer] = hsys_setitimer,
	[SYS_getitimer] = hsys_getitimer,
	[SYS_timer_create] = hsys_timer_create,
	[SYS_timer_settime] = hsys_timer_settime,
	[SYS_timer_gettime] = hsys_timer_gettime,
	[SYS_timer_getoverrun] = hsys_timer_getoverrun,
	[SYS_timer_delete] = hsys_timer_delete,
	[SYS_times] = hsys_times,
	[SYS_getrusage] = hsys_getrusage,
	[SYS_getpriority] = hsys_getpriority,
	[SYS_setpriority] = hsys_setpriority,
	[SYS_ioprio_get] = hsys_ioprio_get,
	[SYS_ioprio_set] = hsys_ioprio_set,
	[SYS_sched_setscheduler] = hsys_sched_setscheduler,
	[SYS_sched_getscheduler] = hsys_sched_getscheduler,
	[SYS_sched_setparam] = hsys_sched_setparam,
	[SYS_sched_getparam] = hsys_sched_getparam,
	[SYS_sched_rr_get_interval] = hsys_sched_rr_get_interval,
	[SYS_sched_setaffinity] = hsys_sched_setaffinity,
	[SYS_sched_getaffinity] = hsys_sched_getaffinity,
};

long hsys(struct proc *p, uint64_t nr, const uint64_t a[6])
{
	if (nr >= sizeof table / sizeof table[0] || !table[nr])
		return -ENOSYS;
	return table[nr](p, a);
}

/*
 * Calls that may wait for another thread or process, or for time: they run
 * without the process lock (hcall.c), so the guest's other threads go on.
 * What they touch of the monitor's state they only read, or lock for.
 */
int hsys_may_block(uint64_t nr)
{
	switch (nr) {
	case SYS_read: case SYS_write: case SYS_readv: case SYS_writev:
	case SYS_pread64: case SYS_pwrite64: case SYS_sendfile:
	case SYS_preadv: case SYS_pwritev: case SYS_preadv2: case SYS_pwritev2:
	case SYS_poll: case SYS_ppoll: case SYS_select: case SYS_pselect6:
	case SYS_epoll_wait: case SYS_epoll_pwait: case SYS_epoll_pwait2:
	case SYS_nanosleep: case SYS_clock_nanosleep: case SYS_futex: case SYS_futex_waitv:
	case SYS_wait4: case SYS_waitid: case SYS_rt_sigsuspend: case SYS_rt_sigtimedwait:
	case SYS_accept: case SYS_accept4: case SYS_connect:
	case SYS_recvfrom: case SYS_recvmsg: case SYS_recvmmsg:
	case SYS_sendto: case SYS_sendmsg: case SYS_sendmmsg:
	case SYS_flock: case SYS_msgrcv: case SYS_msgsnd: case SYS_semop: case SYS_semtimedop:
	case SYS_mq_timedsend: case SYS_mq_timedreceive: case SYS_splice: case SYS_tee:
		return 1;
	}
	return 0;
}

int hsys_fd(uint64_t v)
{
	int fd = (int)v;
	return fd >= 0 && fd < UP_FD_MAX ? fd : -1;
}

long hsys_ret(long r)
{
	return r < 0 ? -errno : r;
}

long hsys_newfd(struct proc *p, long fd)
{
	if (fd < 0)
		return -errno;
	if (fd >= p->fd_limit) {
		close(fd);
		return -EMFILE;
	}
	return fd;
}

void hsys_warn_once(struct proc *p, const char *what, unsigned long code)
{
	static struct {
		const char *what;
		unsigned long code;
	} seen[64];
	static int n;
	for (int i = 0; i < n; i++)
		if (seen[i].what == what && seen[i].code == code)
			return;
	if (n < 64)
		seen[n++] = (typeof(seen[0])){what, code};
	dprintf(p->log_fd, "uniproc: warning: unsupported %s 0x%lx\n", what, code);
}
