/* Handlers of the syscalls the monitor serves; see hsys.c for the table. */
#ifndef HSYS_H
#define HSYS_H

#include "monitor.h"

#define HSYS(name) long hsys_##name(struct proc *p, const uint64_t a[6])

/* Guest fd argument i, or return -EBADF from the handler. */
#define FD_ARG(var, i)                  \
	int var = hsys_fd(a[i]);        \
	if (var < 0)                    \
		return -EBADF
/* Host pointer for guest buffer (a[i], len), or return -EFAULT. */
#define BUF_ARG(var, i, len)                                \
	void *var = gmem_ptr(&p->vm, a[i], (len));          \
	if (!var)                                           \
		return -EFAULT
/* Guest path string a[i] into char var[PATH_MAX], or return -errno. */
#define PATH_ARG(var, i)                                          \
	char var[PATH_MAX];                                       \
	do {                                                      \
		int r_ = gmem_str(&p->vm, a[i], var, sizeof var); \
		if (r_ < 0)                                       \
			return r_;                                \
	} while (0)

/* hsys_io.c */
HSYS(read); HSYS(write); HSYS(readv); HSYS(writev); HSYS(pread64);
HSYS(pwrite64); HSYS(close); HSYS(close_range); HSYS(lseek); HSYS(fstat); HSYS(getdents64);
HSYS(fcntl); HSYS(dup); HSYS(dup2); HSYS(dup3); HSYS(ioctl);
HSYS(ftruncate); HSYS(fsync); HSYS(fchmod); HSYS(pipe2); HSYS(poll); HSYS(ppoll);
HSYS(select); HSYS(pselect6); HSYS(sendfile); HSYS(fadvise64); HSYS(fchown); HSYS(copy_file_range);
/* hsys_path.c */
HSYS(openat); HSYS(chown); HSYS(lchown); HSYS(fchownat); HSYS(newfstatat); HSYS(statfs); HSYS(fstatfs); HSYS(statx); HSYS(faccessat); HSYS(faccessat2);
HSYS(readlinkat); HSYS(truncate); HSYS(getcwd); HSYS(chdir); HSYS(fchdir); HSYS(mkdirat);
HSYS(unlinkat); HSYS(renameat); HSYS(renameat2); HSYS(linkat); HSYS(utimensat); HSYS(symlinkat); HSYS(fchmodat);
/* hsys_epoll.c */
HSYS(epoll_create); HSYS(epoll_create1); HSYS(epoll_ctl); HSYS(epoll_wait); HSYS(epoll_pwait); HSYS(epoll_pwait2); HSYS(eventfd); HSYS(eventfd2); HSYS(timerfd_create); HSYS(timerfd_settime); HSYS(timerfd_gettime);
/* hsys_io.c: the guest's fd closed: forget what pipes, epoll, signalfd keep. */
void hsys_fd_closed(struct proc *p, int fd);
/* A ring fd left the process, or an epoll fd closed: drop what epoll keeps. */
void epoll_forget(int fd);
/* hsys_io.c: poll(2) over host copies h (events[i] wanted), rings included. */
struct pollfd;
int hsys_poll_fds(struct pollfd *h, const short *events, int n, long long tmo_ns);
/* hsys_id.c */
HSYS(prctl);
HSYS(setuid); HSYS(setgid); HSYS(setreuid); HSYS(setregid); HSYS(setresuid); HSYS(setresgid); HSYS(setfsuid); HSYS(capget); HSYS(capset); HSYS(setfsgid); HSYS(getresuid); HSYS(getresgid); HSYS(getgroups); HSYS(setgroups);
/* hsys_net.c */
HSYS(socket); HSYS(socketpair); HSYS(bind); HSYS(connect); HSYS(listen); HSYS(shutdown);
HSYS(accept); HSYS(accept4); HSYS(getsockname); HSYS(getpeername); HSYS(setsockopt);
HSYS(getsockopt); HSYS(sendto); HSYS(recvfrom); HSYS(sendmsg); HSYS(recvmsg);
HSYS(sendmmsg); HSYS(recvmmsg);
/* hsys_xattr.c */
HSYS(getxattr); HSYS(lgetxattr); HSYS(fgetxattr); HSYS(setxattr); HSYS(lsetxattr);
HSYS(fsetxattr); HSYS(listxattr); HSYS(llistxattr); HSYS(flistxattr);
HSYS(removexattr); HSYS(lremovexattr); HSYS(fremovexattr);
/* hsys_misc.c */
HSYS(umask); HSYS(nanosleep); HSYS(clock_nanosleep); HSYS(clock_gettime);
HSYS(clock_getres); HSYS(gettimeofday); HSYS(time); HSYS(sysinfo);
HSYS(getrandom); HSYS(uname); HSYS(prlimit64);
/* hsys_mem.c */
HSYS(mmap); HSYS(munmap); HSYS(madvise); HSYS(mprotect); HSYS(msync); HSYS(mremap);
/* After a change of protections (mmu_protect's result): the guest must make
   the queued page-directory stores. 0 or -errno. */
long hsys_protected(struct proc *p, int r);
/* hsys_ipc.c */
HSYS(shmget); HSYS(shmat); HSYS(shmdt); HSYS(shmctl); HSYS(semget); HSYS(semop); HSYS(semtimedop); HSYS(semctl); HSYS(msgget); HSYS(msgsnd); HSYS(msgrcv); HSYS(msgctl); HSYS(mq_open); HSYS(mq_unlink); HSYS(mq_timedsend); HSYS(mq_timedreceive); HSYS(mq_getsetattr); HSYS(mq_notify);
/* hsys_io.c: positioned vector I/O */
HSYS(preadv); HSYS(pwritev); HSYS(preadv2); HSYS(pwritev2);
/* hsys_futex.c */
HSYS(rt_sigtimedwait); HSYS(futex); HSYS(futex_waitv); HSYS(membarrier); HSYS(memfd_create);
/* hsys_proc.c */
HSYS(fork); HSYS(wait4); HSYS(waitid); HSYS(kill); HSYS(tkill); HSYS(tgkill); HSYS(rt_sigqueueinfo); HSYS(rt_tgsigqueueinfo);
HSYS(getppid); HSYS(setpgid); HSYS(getpgid); HSYS(getpgrp); HSYS(setsid); HSYS(getsid);
/* signal.c */
HSYS(rt_sigaction); HSYS(rt_sigsuspend); HSYS(rt_sigpending); HSYS(signalfd4); HSYS(signalfd);
/* exec.c */
HSYS(execve); HSYS(execveat);

/* issue 17 */
/* hsys_file.c */
HSYS(mknodat); HSYS(fallocate); HSYS(flock); HSYS(sync); HSYS(syncfs); HSYS(sync_file_range);
HSYS(readahead);
/* fcntl's lock and owner commands (F_*LK*, F_*OWN*, F_*SIG); -ENOSYS for others. */
long hsys_fcntl_posix(struct proc *p, int fd, int cmd, uint64_t arg);
/* Is r a host call's EINTR for a signal the guest blocks? Then try again. */
int hsys_retry_eintr(struct proc *p, long r);
/* A host call that may wait, as hsys_ret(call), made again after a host
   signal the guest blocks (it stays pending for the guest). */
#define HSYS_WAIT(p, call)                           \
	({                                           \
		long r_;                             \
		do                                   \
			r_ = hsys_ret(call);         \
		while (hsys_retry_eintr((p), r_));   \
		r_;                                  \
	})
/* hsys_io.c: a guest iovec array as host iovecs; the count or -errno. */
struct iovec;
int iov_in(struct proc *p, uint64_t gpa, uint64_t n, struct iovec *iov);
/* hsys_splice.c */
HSYS(splice); HSYS(tee); HSYS(vmsplice);
/* hsys_timer.c */
HSYS(alarm); HSYS(setitimer); HSYS(getitimer); HSYS(timer_create); HSYS(timer_settime);
HSYS(timer_gettime); HSYS(timer_getoverrun); HSYS(timer_delete); HSYS(times); HSYS(getrusage);
/* hsys_sched.c */
HSYS(getpriority); HSYS(setpriority); HSYS(ioprio_get); HSYS(ioprio_set);
HSYS(sched_setscheduler); HSYS(sched_getscheduler); HSYS(sched_setparam);
HSYS(sched_getparam); HSYS(sched_rr_get_interval); HSYS(sched_setaffinity); HSYS(sched_getaffinity);

#endif
