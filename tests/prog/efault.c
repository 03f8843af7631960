/*
 * Issue 17: a bad user pointer gives EFAULT exactly as on Linux. Every
 * served syscall that takes a pointer is called through syscall(2), so no
 * libc wrapper hides anything, with the pointer bad in each of four ways:
 *   8     below any mapping          gone  a page the program unmapped
 *   none  a PROT_NONE page           ro    a read-only page of zeros (output
 *                                          only: input from it is fine)
 * and, where a call takes a descriptor too, with a bad descriptor as well,
 * which shows whether Linux checks the descriptor or the pointer first.
 * Each call runs in a child of its own (no case sees another's leftovers;
 * a case that kills its process says so) and prints its errno, or "ok".
 * Calls where a bad pointer kills natively, or where Linux's answer is
 * not deterministic, are left out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#define ARCH_GET_FS 0x1003
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129
#define MPOL_BIND 2

static const char *ename(int e)
{
	static const struct {
		int e;
		const char *n;
	} t[] = {{EFAULT, "EFAULT"}, {EBADF, "EBADF"}, {ENOENT, "ENOENT"}, {EINVAL, "EINVAL"},
		 {EAGAIN, "EAGAIN"}, {ENOSYS, "ENOSYS"}, {EPERM, "EPERM"}, {ESPIPE, "ESPIPE"},
		 {ECHILD, "ECHILD"}, {EOPNOTSUPP, "EOPNOTSUPP"}, {ENODATA, "ENODATA"},
		 {ENOTTY, "ENOTTY"}, {EACCES, "EACCES"}, {EEXIST, "EEXIST"}, {ENOMSG, "ENOMSG"},
		 {ENOTSOCK, "ENOTSOCK"}, {ENOTCONN, "ENOTCONN"}, {EISDIR, "EISDIR"},
		 {ENOTDIR, "ENOTDIR"}, {ERANGE, "ERANGE"}, {ETIMEDOUT, "ETIMEDOUT"},
		 {EMSGSIZE, "EMSGSIZE"}, {EDESTADDRREQ, "EDESTADDRREQ"}};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].e == e)
			return t[i].n;
	static char buf[16];
	snprintf(buf, sizeof buf, "errno %d", e);
	return buf;
}

/* The bad pointers: [0] 8, [1] gone, [2] none, [3] ro. */
static char *bad[4];
static const char *const bad_name[4] = {"8", "gone", "none", "ro"};
static char *P; /* the one in use */

static void say(const char *name, const char *how, const char *what)
{
	char line[160];
	int n = snprintf(line, sizeof line, "%s/%s: %s\n", name, how, what);
	write(1, line, n);
}

/* Run expr in a child; print its errno, "ok", or how the child died. */
#define RUN(name, how, expr)                                                   \
	do {                                                                   \
		pid_t c_ = fork();                                             \
		if (c_ == 0) {                                                 \
			alarm(10); /* a case that blocks is a broken case */   \
			errno = 0;                                             \
			long r_ = (expr);                                      \
			say(name, how, r_ < 0 ? ename(errno) : "ok");           \
			_exit(0);                                              \
		}                                                              \
		int st_;                                                       \
		waitpid(c_, &st_, 0);                                          \
		if (WIFSIGNALED(st_)) {                                        \
			char s_[32];                                           \
			snprintf(s_, sizeof s_, "killed by signal %d", WTERMSIG(st_)); \
			say(name, how, s_);                                    \
		}                                                              \
	} while (0)
/* An input pointer: 8, gone, none. An output pointer: read-only too. */
#define IN(name, expr)                          \
	for (int k_ = 0; k_ < 3; k_++) {        \
		P = bad[k_];                    \
		RUN(name, bad_name[k_], expr);  \
	}
#define OUT(name, expr)                         \
	for (int k_ = 0; k_ < 4; k_++) {        \
		P = bad[k_];                    \
		RUN(name, bad_name[k_], expr);  \
	}
/* A bad descriptor and the pointer 8: which does Linux check first? */
#define ORDER(name, expr)                       \
	do {                                    \
		P = bad[0];                     \
		RUN(name, "badfd", expr);       \
	} while (0)
#define S(...) syscall(__VA_ARGS__)

static int ffd, wfd, dfd, pr, pw, s0, s1, ep, efd, tfd, shmid, semid, msqid;
static int tid; /* the kernel's timer id */
static char buf[8192];
static struct stat st;
static struct timespec ts0;
static uint64_t usr2 = 1ull << (SIGUSR2 - 1); /* a kernel sigset of SIGUSR2 */
static struct iovec iov;
static struct sockaddr_un sun;
static socklen_t alen;
static struct pollfd pfd;
static struct epoll_event ev;
static struct itimerspec its;
static struct itimerval itv;
static sigset_t sset;
static struct sembuf sop;

static struct iovec *iov_at(void *p, size_t n)
{
	iov.iov_base = p;
	iov.iov_len = n;
	return &iov;
}

static struct msghdr *msg_at(void *p, size_t n)
{
	static struct msghdr m;
	memset(&m, 0, sizeof m);
	m.msg_iov = iov_at(p, n);
	m.msg_iovlen = 1;
	return &m;
}

/* POSIX timers are not inherited: each case makes its own (then tid). */
static int new_timer(void)
{
	struct sigevent sev = {.sigev_notify = SIGEV_NONE};
	return S(SYS_timer_create, CLOCK_MONOTONIC, &sev, &tid) < 0 ? -1000 : 0;
}

/* A zombie child, for the wait calls. */
static pid_t zombie(void)
{
	pid_t c = fork();
	if (c == 0)
		_exit(3);
	siginfo_t si;
	waitid(P_PID, c, &si, WEXITED | WNOWAIT);
	return c;
}

static void files(void)
{
	/* read and write: a file, a pipe, a socket, an eventfd */
	OUT("read(file)", S(SYS_read, ffd, P, 64));
	OUT("read(pipe)", S(SYS_read, pr, P, 16));
	OUT("read(socket)", S(SYS_read, s0, P, 16));
	OUT("read(eventfd)", S(SYS_read, eventfd(1, EFD_NONBLOCK), P, 8));
	ORDER("read", S(SYS_read, -1, P, 16));
	IN("write(file)", S(SYS_write, wfd, P, 64));
	IN("write(pipe)", S(SYS_write, pw, P, 16));
	IN("write(socket)", S(SYS_write, s1, P, 16));
	IN("write(eventfd)", S(SYS_write, efd, P, 8));
	ORDER("write", S(SYS_write, -1, P, 16));
	/* past the end of memory that is there: a short count, as Linux */
	P = bad[1];
	RUN("read(file)", "straddle", S(SYS_read, open("f", O_RDONLY), P - 100, 200) == 100 ? 0 : -1);
	RUN("write(file)", "straddle", S(SYS_write, wfd, P - 100, 200) == 100 ? 0 : -1);
	/* nothing to copy: no fault, whatever the pointer */
	RUN("read(file)", "8, zero length", S(SYS_read, ffd, bad[0], 0));
	RUN("write(file)", "NULL, zero length", S(SYS_write, wfd, NULL, 0));
	RUN("read(pipe)", "8, zero length", S(SYS_read, pr, bad[0], 0));
	RUN("write(pipe)", "NULL, zero length", S(SYS_write, pw, NULL, 0));
	IN("readv(file) iovec", S(SYS_readv, ffd, P, 1));
	OUT("readv(file) base", S(SYS_readv, ffd, iov_at(P, 64), 1));
	OUT("readv(pipe) base", S(SYS_readv, pr, iov_at(P, 16), 1));
	IN("writev(file) iovec", S(SYS_writev, wfd, P, 1));
	IN("writev(file) base", S(SYS_writev, wfd, iov_at(P, 64), 1));
	IN("writev(pipe) base", S(SYS_writev, pw, iov_at(P, 16), 1));
	ORDER("readv", S(SYS_readv, -1, P, 1));
	OUT("pread64", S(SYS_pread64, ffd, P, 64, 0));
	IN("pwrite64", S(SYS_pwrite64, wfd, P, 64, 0));
	ORDER("pread64", S(SYS_pread64, -1, P, 64, 0));
	IN("preadv iovec", S(SYS_preadv, ffd, P, 1, 0, 0));
	OUT("preadv base", S(SYS_preadv, ffd, iov_at(P, 64), 1, 0, 0));
	IN("pwritev base", S(SYS_pwritev, wfd, iov_at(P, 64), 1, 0, 0));
	OUT("preadv2 base", S(SYS_preadv2, ffd, iov_at(P, 64), 1, 0, 0, 0));
	IN("pwritev2 base", S(SYS_pwritev2, wfd, iov_at(P, 64), 1, 0, 0, 0));
	OUT("fstat", S(SYS_fstat, ffd, P));
	ORDER("fstat", S(SYS_fstat, -1, P));
	OUT("getdents64", S(SYS_getdents64, dfd, P, 4096));
	ORDER("getdents64", S(SYS_getdents64, -1, P, 4096));
	OUT("getcwd", S(SYS_getcwd, P, 4096));
	OUT("fcntl F_GETLK", S(SYS_fcntl, ffd, F_GETLK, P));
	IN("fcntl F_SETLK", S(SYS_fcntl, ffd, F_SETLK, P));
	OUT("fcntl F_OFD_GETLK", S(SYS_fcntl, ffd, F_OFD_GETLK, P));
	OUT("fcntl F_GETOWN_EX", S(SYS_fcntl, ffd, F_GETOWN_EX, P));
	IN("fcntl F_SETOWN_EX", S(SYS_fcntl, ffd, F_SETOWN_EX, P));
	OUT("ioctl(pipe) FIONREAD", S(SYS_ioctl, pr, FIONREAD, P));
	OUT("ioctl(file) FIONREAD", S(SYS_ioctl, ffd, FIONREAD, P));
	OUT("ioctl(socket) FIONREAD", S(SYS_ioctl, s0, FIONREAD, P));
	IN("ioctl FIONBIO", S(SYS_ioctl, ffd, FIONBIO, P));
	OUT("pipe", S(SYS_pipe, P));
	OUT("pipe2", S(SYS_pipe2, P, 0));
	OUT("poll", S(SYS_poll, P, 1, 0));
	IN("ppoll timeout", S(SYS_ppoll, &pfd, 1, P, NULL, 8));
	IN("ppoll sigmask", S(SYS_ppoll, &pfd, 1, &ts0, P, 8));
	OUT("select readfds", S(SYS_select, pr + 1, P, NULL, NULL, &(struct timeval){0, 0}));
	OUT("select timeout", S(SYS_select, pr + 1, NULL, NULL, NULL, P));
	IN("pselect6 timeout", S(SYS_pselect6, pr + 1, NULL, NULL, NULL, P, NULL));
	OUT("sendfile offset", S(SYS_sendfile, wfd, ffd, P, 64));
	OUT("copy_file_range", S(SYS_copy_file_range, ffd, P, wfd, NULL, 64, 0));
	IN("splice offset", S(SYS_splice, ffd, P, pw, NULL, 16, 0));
	IN("vmsplice iovec", S(SYS_vmsplice, pw, P, 1, 0));
	IN("vmsplice base", S(SYS_vmsplice, pw, iov_at(P, 16), 1, 0));
}

static void paths(void)
{
	/* Linux finds these errors before it copies anything out */
	P = bad[0];
	RUN("stat", "missing file, buf 8", S(SYS_stat, "nosuch", P));
	RUN("newfstatat", "missing file, buf 8", S(SYS_newfstatat, AT_FDCWD, "nosuch", P, 0));
	RUN("statx", "missing file, buf 8", S(SYS_statx, AT_FDCWD, "nosuch", 0, 0x7ff, P));
	RUN("statfs", "missing dir, buf 8", S(SYS_statfs, "nosuch/", P));
	RUN("readlink", "not a link, buf 8", S(SYS_readlink, "f", P, 64));
	RUN("fstat", "closed fd, buf 8", S(SYS_fstat, 77, P));
	RUN("fstatfs", "closed fd, buf 8", S(SYS_fstatfs, 77, P));
	RUN("read", "closed fd, buf 8", S(SYS_read, 77, P, 16));
	RUN("read", "directory, buf 8", S(SYS_read, dfd, P, 16));
	RUN("read", "write-only fd, buf 8", S(SYS_read, open("w", O_WRONLY), P, 16));
	RUN("write", "read-only fd, buf 8", S(SYS_write, ffd, P, 16));
	RUN("pread64", "pipe, buf 8", S(SYS_pread64, pr, P, 16, 0));
	IN("openat", S(SYS_openat, AT_FDCWD, P, O_RDONLY));
	ORDER("openat", S(SYS_openat, -1, P, O_RDONLY));
	IN("open", S(SYS_open, P, O_RDONLY));
	IN("creat", S(SYS_creat, P, 0600));
	IN("stat path", S(SYS_stat, P, &st));
	OUT("stat buf", S(SYS_stat, "f", P));
	IN("lstat path", S(SYS_lstat, P, &st));
	OUT("lstat buf", S(SYS_lstat, "f", P));
	IN("newfstatat path", S(SYS_newfstatat, AT_FDCWD, P, &st, 0));
	OUT("newfstatat buf", S(SYS_newfstatat, AT_FDCWD, "f", P, 0));
	OUT("newfstatat fd buf", S(SYS_newfstatat, ffd, "", P, AT_EMPTY_PATH));
	ORDER("newfstatat", S(SYS_newfstatat, -1, P, &st, 0));
	IN("statx path", S(SYS_statx, AT_FDCWD, P, 0, 0x7ff, buf));
	OUT("statx buf", S(SYS_statx, AT_FDCWD, "f", 0, 0x7ff, P));
	IN("access", S(SYS_access, P, F_OK));
	IN("faccessat", S(SYS_faccessat, AT_FDCWD, P, F_OK));
	IN("faccessat2", S(SYS_faccessat2, AT_FDCWD, P, F_OK, 0));
	IN("readlink path", S(SYS_readlink, P, buf, 64));
	OUT("readlink buf", S(SYS_readlink, "lnk", P, 64));
	OUT("readlinkat buf", S(SYS_readlinkat, AT_FDCWD, "lnk", P, 64));
	IN("mkdir", S(SYS_mkdir, P, 0700));
	IN("mkdirat", S(SYS_mkdirat, AT_FDCWD, P, 0700));
	ORDER("mkdirat", S(SYS_mkdirat, -1, P, 0700));
	IN("rmdir", S(SYS_rmdir, P));
	IN("unlink", S(SYS_unlink, P));
	IN("unlinkat", S(SYS_unlinkat, AT_FDCWD, P, 0));
	IN("rename old", S(SYS_rename, P, "x"));
	IN("rename new", S(SYS_rename, "nosuch", P));
	IN("renameat", S(SYS_renameat, AT_FDCWD, "nosuch", AT_FDCWD, P));
	IN("renameat2", S(SYS_renameat2, AT_FDCWD, P, AT_FDCWD, "x", 0));
	IN("symlink target", S(SYS_symlink, P, "x"));
	IN("symlink name", S(SYS_symlink, "x", P));
	IN("symlinkat", S(SYS_symlinkat, "x", AT_FDCWD, P));
	IN("link old", S(SYS_link, P, "x"));
	IN("link new", S(SYS_link, "nosuch", P));
	IN("linkat", S(SYS_linkat, AT_FDCWD, P, AT_FDCWD, "x", 0));
	IN("chmod", S(SYS_chmod, P, 0600));
	IN("fchmodat", S(SYS_fchmodat, AT_FDCWD, P, 0600));
	IN("chown", S(SYS_chown, P, 0, 0));
	IN("lchown", S(SYS_lchown, P, 0, 0));
	IN("fchownat", S(SYS_fchownat, AT_FDCWD, P, 0, 0, 0));
	IN("mknod", S(SYS_mknod, P, S_IFIFO | 0600, 0));
	IN("mknodat", S(SYS_mknodat, AT_FDCWD, P, S_IFIFO | 0600, 0));
	IN("truncate", S(SYS_truncate, P, 0));
	IN("chdir", S(SYS_chdir, P));
	IN("statfs path", S(SYS_statfs, P, buf));
	OUT("statfs buf", S(SYS_statfs, ".", P));
	OUT("fstatfs", S(SYS_fstatfs, ffd, P));
	ORDER("fstatfs", S(SYS_fstatfs, -1, P));
	IN("utimensat path", S(SYS_utimensat, AT_FDCWD, P, NULL, 0));
	IN("utimensat times", S(SYS_utimensat, AT_FDCWD, "f", P, 0));
	IN("execve path", S(SYS_execve, P, NULL, NULL));
	IN("execve argv", S(SYS_execve, "/nonexistent", P, NULL));
	IN("execveat path", S(SYS_execveat, AT_FDCWD, P, NULL, NULL, 0));
	IN("memfd_create", S(SYS_memfd_create, P, 0));
	IN("getxattr path", S(SYS_getxattr, P, "user.x", buf, 64));
	IN("getxattr name", S(SYS_getxattr, "f", P, buf, 64));
	OUT("getxattr value", S(SYS_getxattr, "f", "user.x", P, 64));
	OUT("lgetxattr value", S(SYS_lgetxattr, "f", "user.x", P, 64));
	OUT("fgetxattr value", S(SYS_fgetxattr, ffd, "user.x", P, 64));
	IN("setxattr value", S(SYS_setxattr, "f", "user.y", P, 4, 0));
	IN("lsetxattr path", S(SYS_lsetxattr, P, "user.y", "v", 1, 0));
	IN("fsetxattr name", S(SYS_fsetxattr, ffd, P, "v", 1, 0));
	OUT("listxattr", S(SYS_listxattr, "f", P, 256));
	OUT("llistxattr", S(SYS_llistxattr, "f", P, 256));
	OUT("flistxattr", S(SYS_flistxattr, ffd, P, 256));
	IN("removexattr", S(SYS_removexattr, "f", P));
	IN("lremovexattr", S(SYS_lremovexattr, P, "user.x"));
	IN("fremovexattr", S(SYS_fremovexattr, ffd, P));
}

static void events_and_sockets(void)
{
	IN("epoll_ctl", S(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, s0, P));
	ORDER("epoll_ctl", S(SYS_epoll_ctl, -1, EPOLL_CTL_ADD, s0, P));
	OUT("epoll_wait", S(SYS_epoll_wait, ep, P, 4, 0));
	OUT("epoll_pwait", S(SYS_epoll_pwait, ep, P, 4, 0, NULL, 8));
	IN("epoll_pwait sigmask", S(SYS_epoll_pwait, ep, &ev, 1, 0, P, 8));
	IN("epoll_pwait2 timeout", S(SYS_epoll_pwait2, ep, &ev, 1, P, NULL, 8));
	IN("timerfd_settime new", S(SYS_timerfd_settime, tfd, 0, P, NULL));
	OUT("timerfd_settime old", S(SYS_timerfd_settime, tfd, 0, &its, P));
	OUT("timerfd_gettime", S(SYS_timerfd_gettime, tfd, P));
	ORDER("timerfd_settime", S(SYS_timerfd_settime, -1, 0, P, NULL));
	OUT("socketpair", S(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, P));
	IN("bind", S(SYS_bind, socket(AF_UNIX, SOCK_DGRAM, 0), P, sizeof sun));
	ORDER("bind", S(SYS_bind, -1, P, sizeof sun));
	IN("connect", S(SYS_connect, socket(AF_UNIX, SOCK_DGRAM, 0), P, sizeof sun));
	ORDER("connect", S(SYS_connect, -1, P, sizeof sun));
	OUT("getsockname addr", (alen = sizeof sun, 0) + S(SYS_getsockname, s0, P, &alen));
	OUT("getsockname len", S(SYS_getsockname, s0, &sun, P));
	ORDER("getsockname", (alen = sizeof sun, 0) + S(SYS_getsockname, -1, P, &alen));
	OUT("getpeername addr", (alen = sizeof sun, 0) + S(SYS_getpeername, s0, P, &alen));
	IN("setsockopt", S(SYS_setsockopt, s0, SOL_SOCKET, SO_RCVBUF, P, 4));
	OUT("getsockopt value", (alen = 4, 0) + S(SYS_getsockopt, s0, SOL_SOCKET, SO_TYPE, P, &alen));
	OUT("getsockopt len", S(SYS_getsockopt, s0, SOL_SOCKET, SO_TYPE, buf, P));
	IN("sendto", S(SYS_sendto, s1, P, 16, 0, NULL, 0));
	OUT("recvfrom", S(SYS_recvfrom, s0, P, 16, 0, NULL, NULL));
	IN("sendmsg msghdr", S(SYS_sendmsg, s1, P, 0));
	IN("sendmsg base", S(SYS_sendmsg, s1, msg_at(P, 16), 0));
	IN("recvmsg msghdr", S(SYS_recvmsg, s0, P, 0));
	OUT("recvmsg base", S(SYS_recvmsg, s0, msg_at(P, 16), 0));
	IN("sendmmsg", S(SYS_sendmmsg, s1, P, 1, 0));
	IN("recvmmsg", S(SYS_recvmmsg, s0, P, 1, MSG_DONTWAIT, NULL));
	OUT("accept addr", ({
		    int l = socket(AF_UNIX, SOCK_STREAM, 0), c = socket(AF_UNIX, SOCK_STREAM, 0);
		    struct sockaddr_un a = {AF_UNIX, "sock"};
		    unlink("sock");
		    bind(l, (void *)&a, sizeof a);
		    listen(l, 1);
		    connect(c, (void *)&a, sizeof a);
		    alen = sizeof a;
		    S(SYS_accept, l, P, &alen);
	    }));
}

static void ipc(void)
{
	OUT("shmctl IPC_STAT", S(SYS_shmctl, shmid, IPC_STAT, P));
	IN("shmctl IPC_SET", S(SYS_shmctl, shmid, IPC_SET, P));
	IN("semop", S(SYS_semop, semid, P, 1));
	IN("semtimedop timeout", S(SYS_semtimedop, semid, &sop, 1, P));
	OUT("semctl IPC_STAT", S(SYS_semctl, semid, 0, IPC_STAT, P));
	IN("semctl SETALL", S(SYS_semctl, semid, 0, SETALL, P));
	IN("msgsnd", S(SYS_msgsnd, msqid, P, 8, IPC_NOWAIT));
	OUT("msgrcv", ({
		    struct {
			    long type;
			    char text[8];
		    } m = {1, "hello"};
		    msgsnd(msqid, &m, 8, IPC_NOWAIT);
		    S(SYS_msgrcv, msqid, P, 64, 0, IPC_NOWAIT);
	    }));
	OUT("msgctl IPC_STAT", S(SYS_msgctl, msqid, IPC_STAT, P));
	IN("mq_open name", S(SYS_mq_open, P, O_RDONLY, 0, NULL));
	IN("mq_unlink", S(SYS_mq_unlink, P));
}

static void time_and_process(void)
{
	OUT("clock_gettime REALTIME", S(SYS_clock_gettime, CLOCK_REALTIME, P));
	OUT("clock_gettime MONOTONIC", S(SYS_clock_gettime, CLOCK_MONOTONIC, P));
	OUT("clock_gettime PROCESS_CPUTIME", S(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, P));
	OUT("clock_getres", S(SYS_clock_getres, CLOCK_REALTIME, P));
	OUT("gettimeofday tv", S(SYS_gettimeofday, P, NULL));
	OUT("gettimeofday tz", S(SYS_gettimeofday, NULL, P));
	OUT("time", S(SYS_time, P));
	IN("nanosleep", S(SYS_nanosleep, P, NULL));
	IN("clock_nanosleep", S(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, P, NULL));
	OUT("sysinfo", S(SYS_sysinfo, P));
	OUT("getrandom", S(SYS_getrandom, P, 16, 0));
	OUT("uname", S(SYS_uname, P));
	OUT("getrlimit", S(SYS_getrlimit, RLIMIT_NOFILE, P));
	IN("setrlimit", S(SYS_setrlimit, RLIMIT_CORE, P));
	IN("prlimit64 new", S(SYS_prlimit64, 0, RLIMIT_CORE, P, NULL));
	OUT("prlimit64 old", S(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, P));
	IN("rt_sigprocmask set", S(SYS_rt_sigprocmask, SIG_BLOCK, P, NULL, 8));
	OUT("rt_sigprocmask old", S(SYS_rt_sigprocmask, SIG_BLOCK, NULL, P, 8));
	IN("rt_sigtimedwait set", S(SYS_rt_sigtimedwait, P, NULL, &ts0, 8));
	IN("rt_sigtimedwait timeout", S(SYS_rt_sigtimedwait, &usr2, NULL, P, 8));
	IN("rt_sigaction new", S(SYS_rt_sigaction, SIGUSR2, P, NULL, 8));
	OUT("rt_sigaction old", S(SYS_rt_sigaction, SIGUSR2, NULL, P, 8));
	OUT("rt_sigpending", S(SYS_rt_sigpending, P, 8));
	IN("sigaltstack new", S(SYS_sigaltstack, P, NULL));
	OUT("sigaltstack old", S(SYS_sigaltstack, NULL, P));
	IN("rt_sigsuspend", S(SYS_rt_sigsuspend, P, 8));
	IN("signalfd4", S(SYS_signalfd4, -1, P, 8, 0));
	OUT("wait4 status", ({
		    pid_t z = zombie();
		    long r = S(SYS_wait4, z, P, 0, NULL);
		    int e = errno;
		    /* was it reaped? */
		    say("wait4 status", bad_name[k_], waitpid(z, NULL, WNOHANG) < 0 ? "reaped" : "not reaped");
		    errno = e;
		    r;
	    }));
	OUT("wait4 rusage", S(SYS_wait4, zombie(), NULL, 0, P));
	OUT("waitid", S(SYS_waitid, P_PID, zombie(), P, WEXITED, NULL));
	OUT("getresuid", S(SYS_getresuid, P, buf, buf + 8));
	OUT("getresgid", S(SYS_getresgid, buf, buf + 8, P));
	OUT("getgroups", S(SYS_getgroups, 32, P));
	IN("setgroups", S(SYS_setgroups, 1, P));
	OUT("sched_getaffinity", S(SYS_sched_getaffinity, 0, 128, P));
	IN("sched_setaffinity", S(SYS_sched_setaffinity, 0, 128, P));
	OUT("sched_getparam", S(SYS_sched_getparam, 0, P));
	IN("sched_setparam", S(SYS_sched_setparam, 0, P));
	IN("sched_setscheduler", S(SYS_sched_setscheduler, 0, SCHED_OTHER, P));
	OUT("sched_rr_get_interval", S(SYS_sched_rr_get_interval, 0, P));
	OUT("getrusage", S(SYS_getrusage, RUSAGE_SELF, P));
	OUT("times", S(SYS_times, P));
	IN("setitimer new", S(SYS_setitimer, ITIMER_REAL, P, NULL));
	OUT("setitimer old", S(SYS_setitimer, ITIMER_REAL, &itv, P));
	OUT("getitimer", S(SYS_getitimer, ITIMER_REAL, P));
	IN("timer_create sigevent", S(SYS_timer_create, CLOCK_MONOTONIC, P, buf));
	OUT("timer_create id", S(SYS_timer_create, CLOCK_MONOTONIC, NULL, P));
	IN("timer_settime new", new_timer() + S(SYS_timer_settime, tid, 0, P, NULL));
	OUT("timer_settime old", new_timer() + S(SYS_timer_settime, tid, 0, &its, P));
	OUT("timer_gettime", new_timer() + S(SYS_timer_gettime, tid, P));
	IN("futex wait", S(SYS_futex, P, FUTEX_WAIT_PRIVATE, 1, NULL));
	IN("futex wait shared", S(SYS_futex, P, FUTEX_WAIT, 1, NULL));
	IN("futex wake", S(SYS_futex, P, FUTEX_WAKE_PRIVATE, 1));
	IN("futex_waitv", S(SYS_futex_waitv, P, 1, 0, NULL, CLOCK_MONOTONIC));
	OUT("getcpu", S(SYS_getcpu, P, NULL, NULL));
	OUT("get_robust_list", S(SYS_get_robust_list, 0, P, buf));
	IN("prctl PR_SET_NAME", S(SYS_prctl, PR_SET_NAME, P));
	OUT("prctl PR_GET_NAME", S(SYS_prctl, PR_GET_NAME, P));
	OUT("arch_prctl ARCH_GET_FS", S(SYS_arch_prctl, ARCH_GET_FS, P));
	OUT("mincore", S(SYS_mincore, bad[3], 4096, P));
	OUT("get_mempolicy", S(SYS_get_mempolicy, P, NULL, 0, NULL, 0));
	IN("clone3", S(SYS_clone3, P, 88));
}

int main(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(m + pg, pg);
	bad[0] = (char *)8;
	bad[1] = m + pg;
	bad[2] = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bad[3] = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mprotect(bad[3], pg, PROT_READ); /* zeros: as input, valid (a zero timeout...) */
	if (m == MAP_FAILED || bad[2] == MAP_FAILED || bad[3] == MAP_FAILED)
		return 1;

	memset(buf, 'f', sizeof buf);
	int fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0600);
	write(fd, buf, sizeof buf);
	close(fd);
	setxattr("f", "user.x", "v", 1, 0);
	symlink("f", "lnk");
	ffd = open("f", O_RDONLY);
	wfd = open("w", O_RDWR | O_CREAT | O_TRUNC, 0600);
	dfd = open(".", O_RDONLY | O_DIRECTORY);
	int p[2], s[2];
	pipe(p);
	pr = p[0], pw = p[1];
	write(pw, "pipe data", 9);
	socketpair(AF_UNIX, SOCK_STREAM, 0, s);
	s0 = s[0], s1 = s[1];
	write(s1, "socket data", 11);
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	epoll_ctl(ep, EPOLL_CTL_ADD, pr, &ev);
	efd = eventfd(1, 0);
	tfd = timerfd_create(CLOCK_MONOTONIC, 0);
	pfd.fd = pr;
	pfd.events = POLLIN;
	sigemptyset(&sset);
	sigaddset(&sset, SIGUSR2);
	shmid = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	semid = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);

	files();
	paths();
	events_and_sockets();
	ipc();
	time_and_process();

	shmctl(shmid, IPC_RMID, NULL);
	semctl(semid, 0, IPC_RMID);
	msgctl(msqid, IPC_RMID, NULL);
	return 0;
}
