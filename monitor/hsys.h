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
HSYS(setuid); HSYS(setgid); HSYS(setreuid); HSYS(setregid); HSYS(setresuid); HSYS(setresgid); HSYS(setfsuid); HSYS(setfsgid); HSYS(getresuid); HSYS(getresgid); HSYS(getgroups); HSYS(setgroups);
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
HSYS(getrandom); HSYS(uname); HSYS(prlimit64); HSYS(prctl);
/* hsys_mem.c */
HSYS(mmap); HSYS(munmap); HSYS(madvise); HSYS(mprotect); HSYS(msync); HSYS(mremap);
/* After a change of protections (mmu_protect's result): the guest must make
   the queued page-directory stores. 0 or -errno. */
long hsys_protected(struct proc *p, int r);
/* hsys_ipc.c */
HSYS(shmget); HSYS(shmat); HSYS(shmdt); HSYS(shmctl); HSYS(semget); HSYS(semop); HSYS(semtimedop); HSYS(semctl); HSYS(msgget); HSYS(msgsnd); HSYS(msgrcv); HSYS(msgctl); HSYS(mq_open); HSYS(mq_unlink); HSYS(mq_timedsend); HSYS(mq_timedreceive); HSYS(mq_getsetattr); HSYS(mq_notify);
/* hsys_futex.c */
HSYS(futex); HSYS(memfd_create);
/* hsys_proc.c */
HSYS(fork); HSYS(wait4); HSYS(waitid); HSYS(kill); HSYS(tkill); HSYS(tgkill);
HSYS(getppid); HSYS(setpgid); HSYS(getpgid); HSYS(getpgrp); HSYS(setsid); HSYS(getsid);
/* signal.c */
HSYS(rt_sigaction); HSYS(rt_sigsuspend); HSYS(rt_sigpending); HSYS(signalfd4); HSYS(signalfd);
/* exec.c */
HSYS(execve); HSYS(execveat);

#endif
