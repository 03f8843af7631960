/* Descriptor syscalls. Guest fds are host fds below UP_FD_MAX, so offsets
   and flags live in the host kernel, shared as Linux shares them. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <sys/uio.h>
#include <termios.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hsys.h"

#define MAX_IO (1ull << 31) /* Linux caps one transfer below 2 GiB too */

static uint64_t io_len(uint64_t n)
{
	return n > MAX_IO ? MAX_IO : n;
}

/*
 * The buffer of read, write, pread, pwrite: as much of (a[1], *n) as is
 * there, from its start (Linux stops at the first page it cannot copy: a
 * short count), or NULL when none of it is. Then Linux's answer is the
 * descriptor's error if it has one (it checks the descriptor first: a
 * zero-length call finds it), else EFAULT.
 */
static void *io_buf(struct proc *p, const uint64_t a[6], size_t *n, int prot, int positioned)
{
	*n = io_len(a[2]);
	if (!*n)
		return p->vm.mem; /* any pointer: nothing is touched (Linux: 0) */
	uint64_t ok = gmem_user_len(p, a[1], *n, prot);
	if (ok) {
		*n = ok;
		return gmem_ptr(&p->vm, a[1], ok);
	}
	int fd = (int)a[0];
	char c;
	long r = positioned ? (prot & PROT_WRITE ? pread(fd, &c, 0, (off_t)a[3]) : pwrite(fd, &c, 0, (off_t)a[3]))
			    : (prot & PROT_WRITE ? read(fd, &c, 0) : write(fd, &c, 0));
	/* the errors Linux finds before it touches the buffer */
	if (r >= 0 || !(errno == EBADF || errno == EISDIR || errno == ESPIPE ||
			(errno == EINVAL && positioned)))
		errno = EFAULT;
	return NULL;
}
#define IO_BUF(var, n, prot, positioned)                              \
	size_t n;                                                      \
	void *var = io_buf(p, a, &n, prot, positioned);                \
	if (!var)                                                      \
		return -errno

HSYS(read)
{
	FD_ARG(fd, 0);
	if (pipe_is_ring(fd) || signal_is_signalfd(fd)) {
		OUT_ARG(buf, 1, io_len(a[2]));
		if (pipe_is_ring(fd))
			return pipe_read(p, fd, &(struct iovec){buf, io_len(a[2])}, 1);
		return signal_read(p, fd, buf, io_len(a[2]));
	}
	IO_BUF(buf, n, PROT_WRITE, 0);
	return HSYS_WAIT(p, read(fd, buf, n));
}

HSYS(write)
{
	FD_ARG(fd, 0);
	if (pipe_is_ring(fd)) {
		BUF_ARG(buf, 1, io_len(a[2]));
		return pipe_write(p, fd, &(struct iovec){buf, io_len(a[2])}, 1, 0);
	}
	IO_BUF(buf, n, PROT_READ, 0);
	return HSYS_WAIT(p, write(fd, buf, n));
}

HSYS(pread64)
{
	FD_ARG(fd, 0);
	IO_BUF(buf, n, PROT_WRITE, 1);
	return HSYS_WAIT(p, pread(fd, buf, n, (off_t)a[3]));
}

HSYS(pwrite64)
{
	FD_ARG(fd, 0);
	IO_BUF(buf, n, PROT_READ, 1);
	return HSYS_WAIT(p, pwrite(fd, buf, n, (off_t)a[3]));
}

/*
 * sendfile(2). Into a pipe ring the bytes pass through a buffer here; a
 * ring is no input (EINVAL, as for a pipe on Linux).
 */
HSYS(sendfile)
{
	FD_ARG(out, 0);
	FD_ARG(in, 1);
	off_t *off = NULL;
	if (a[2] && !(off = gmem_out(p, a[2], sizeof *off)))
		return -EFAULT;
	size_t n = io_len(a[3]);
	if (pipe_is_ring(in))
		return -EINVAL;
	if (!pipe_is_ring(out))
		return hsys_ret(sendfile(out, in, off, n));
	static __thread char *buf; /* each thread its own: this call runs without the process lock */
	if (!buf && !(buf = malloc(1 << 16)))
		return -ENOMEM;
	n = n < (1 << 16) ? n : (1 << 16);
	ssize_t got = off ? pread(in, buf, n, *off) : read(in, buf, n);
	if (got <= 0)
		return got < 0 ? -errno : 0;
	long r = pipe_write(p, out, &(struct iovec){buf, (size_t)got}, 1, 0);
	if (r > 0 && off)
		*off += r;
	else if (r > 0 && r < got)
		lseek(in, r - got, SEEK_CUR); /* give back what the pipe did not take */
	return r;
}

/* Translate a guest iovec array whose buffers the call reads (out 0) or
   writes (out 1); returns the count or -errno. */
static int iov_user(struct proc *p, uint64_t gpa, uint64_t n, struct iovec *iov, int out)
{
	if (n > IOV_MAX)
		return -EINVAL;
	const uint64_t *g = gmem_in(p, gpa, n * 16);
	if (!g && n)
		return -EFAULT;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t base = g[2 * i], len = io_len(g[2 * i + 1]);
		iov[i].iov_len = len;
		iov[i].iov_base = !len ? NULL : out ? gmem_out(p, base, len) : gmem_in(p, base, len);
		if (len && !iov[i].iov_base)
			return -EFAULT;
	}
	return (int)n;
}

int iov_in(struct proc *p, uint64_t gpa, uint64_t n, struct iovec *iov)
{
	return iov_user(p, gpa, n, iov, 0);
}

HSYS(readv)
{
	FD_ARG(fd, 0);
	struct iovec iov[IOV_MAX];
	int n = iov_user(p, a[1], a[2], iov, 1);
	if (n >= 0 && pipe_is_ring(fd))
		return pipe_read(p, fd, iov, n);
	return n < 0 ? n : HSYS_WAIT(p, readv(fd, iov, n));
}

HSYS(writev)
{
	FD_ARG(fd, 0);
	struct iovec iov[IOV_MAX];
	int n = iov_in(p, a[1], a[2], iov);
	if (n >= 0 && pipe_is_ring(fd)) /* the library OS marks the rest of its write */
		return pipe_write(p, fd, iov, n, a[3] == UP_WRITEV_REST ? PIPE_REST : 0);
	return n < 0 ? n : HSYS_WAIT(p, writev(fd, iov, n));
}

/* preadv, pwritev (and the 2 variants with flags): at an offset, so never
   a ring (ESPIPE, as for any pipe). The offset is a[3] on x86-64. */
static long positioned(struct proc *p, const uint64_t a[6], int write, int flags)
{
	FD_ARG(fd, 0);
	struct iovec iov[IOV_MAX];
	int n = iov_user(p, a[1], a[2], iov, !write);
	if (n < 0)
		return n;
	if (pipe_is_ring(fd))
		return -ESPIPE;
	off_t off = (off_t)a[3];
	if (write)
		return HSYS_WAIT(p, flags ? pwritev2(fd, iov, n, off, (int)a[5]) : pwritev(fd, iov, n, off));
	return HSYS_WAIT(p, flags ? preadv2(fd, iov, n, off, (int)a[5]) : preadv(fd, iov, n, off));
}

HSYS(preadv) { return positioned(p, a, 0, 0); }
HSYS(pwritev) { return positioned(p, a, 1, 0); }
HSYS(preadv2) { return positioned(p, a, 0, 1); }
HSYS(pwritev2) { return positioned(p, a, 1, 1); }

/*
 * Closes put off by the library OS (abi.h struct up_defer): which fds may
 * wait, and the closes that wait, in the library OS's memory. A forged
 * mark costs the program only its own close's timing. The monitor keeps
 * the file each mark was for (its device and inode), and closes a slot's
 * fd only if it is still that file: a close is never made on another
 * file, whatever the slots say.
 */
static struct {
	dev_t dev;
	ino_t ino; /* 0: no mark */
	int file;  /* a regular file's, not a socket's */
} marked[UP_FD_MAX];
/* Once the process has taken a lock, no regular file's close waits: on
   Linux any close of a file drops the process's POSIX locks on it. Locks
   outlive exec, and so does the monitor that keeps this. */
static int took_lock;

static uint8_t *defer_mark_byte(struct proc *p, int fd)
{
	if (!p->libos.defer || fd < 0 || fd >= UP_FD_MAX)
		return NULL;
	return gmem_wptr(&p->vm, p->libos.defer + (uint64_t)fd / 8, 1);
}

static void mark(struct proc *p, int fd, const struct stat *st, int file)
{
	uint8_t *b = defer_mark_byte(p, fd);
	if (!b)
		return;
	marked[fd].dev = st->st_dev;
	marked[fd].ino = st->st_ino;
	marked[fd].file = file;
	__atomic_fetch_or(b, (uint8_t)(1u << (fd % 8)), __ATOMIC_SEQ_CST);
}

void hsys_defer_may(struct proc *p, int fd)
{
	struct linger l = {0};
	socklen_t n = sizeof l;
	struct stat st;
	/* SO_LINGER: close waits for the data to go, or resets. Not put off. */
	if (getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &n) < 0 || l.l_onoff || fstat(fd, &st) < 0)
		return;
	mark(p, fd, &st, 0);
}

/*
 * A regular file opened read-only, on a local file system, by a process
 * that holds no lock: its close has nothing to say (no data to flush, no
 * error to report, as a network or FUSE file's may) and nothing for
 * another process to wait on but inotify's close event, which comes with
 * the process's next host call. Nor a file another process may lock
 * (hsys_defer_shared). So nginx's close of the file it served rides on
 * its next call, as the socket's does.
 */
void hsys_defer_may_file(struct proc *p, int fd, int flags)
{
	struct stat st;
	struct statfs fs;
	if (took_lock || (flags & O_ACCMODE) != O_RDONLY || (flags & O_PATH) ||
	    fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || fstatfs(fd, &fs) < 0)
		return;
	switch ((unsigned long)fs.f_type) {
	case EXT4_SUPER_MAGIC: case TMPFS_MAGIC: case XFS_SUPER_MAGIC:
	case BTRFS_SUPER_MAGIC: case OVERLAYFS_SUPER_MAGIC:
		mark(p, fd, &st, 1);
	}
}

void hsys_defer_lock(struct proc *p)
{
	took_lock = 1;
	hsys_defer_shared(p, -1);
}

/* fd's open file (fd < 0: every open file) may be shared with another
   process from now on (fork, SCM_RIGHTS). That process may lock it
   (flock, OFD locks), and then our close may be the one that unlocks it:
   its close does not wait. */
void hsys_defer_shared(struct proc *p, int fd)
{
	int lo = fd < 0 ? 0 : fd, hi = fd < 0 || fd >= UP_FD_MAX ? UP_FD_MAX : fd + 1;
	for (int i = lo; i < hi; i++)
		if (marked[i].ino && marked[i].file)
			hsys_defer_never(p, i);
}

void hsys_defer_never(struct proc *p, int fd)
{
	if (fd < 0 || fd >= UP_FD_MAX)
		return;
	marked[fd].ino = 0;
	uint8_t *b = defer_mark_byte(p, fd);
	if (b && (*b & (1u << (fd % 8))))
		__atomic_fetch_and(b, (uint8_t)~(1u << (fd % 8)), __ATOMIC_SEQ_CST);
}

void hsys_defer_close(struct proc *p)
{
	if (!p->libos.defer)
		return;
	uint32_t *q = gmem_wptr(&p->vm, p->libos.defer + offsetof(struct up_defer, fd1),
				sizeof(uint32_t) * UP_DEFER_SLOTS);
	for (int i = 0; q && i < UP_DEFER_SLOTS; i++) {
		if (!__atomic_load_n(&q[i], __ATOMIC_ACQUIRE))
			continue;
		uint32_t v = __atomic_exchange_n(&q[i], 0, __ATOMIC_ACQ_REL); /* once */
		int fd = (int)v - 1;
		struct stat st;
		if (v < 1 || v > UP_FD_MAX || !marked[fd].ino || fstat(fd, &st) < 0 ||
		    st.st_ino != marked[fd].ino || st.st_dev != marked[fd].dev)
			continue; /* not a close the library OS could have put off */
		close(fd);
		hsys_fd_closed(p, fd);
	}
}

void hsys_fd_closed(struct proc *p, int fd)
{
	hsys_defer_never(p, fd);
	pipe_forget(p, fd);
	epoll_forget(fd);
	signal_forget_fd(fd);
}

HSYS(close)
{
	FD_ARG(fd, 0);
	long r = hsys_ret(close(fd));
	hsys_fd_closed(p, fd); /* closed even if close() reports an error */
	return r;
}

/* close_range(2): only the guest's fds, never the monitor's above them. */
HSYS(close_range)
{
	unsigned first = (unsigned)a[0], last = (unsigned)a[1];
	unsigned flags = (unsigned)a[2];
	if (first > last || (flags & ~(CLOSE_RANGE_CLOEXEC | CLOSE_RANGE_UNSHARE)))
		return -EINVAL;
	if (first >= UP_FD_MAX)
		return 0;
	if (last >= UP_FD_MAX)
		last = UP_FD_MAX - 1;
	if (close_range(first, last, flags & CLOSE_RANGE_CLOEXEC) < 0)
		return -errno;
	if (!(flags & CLOSE_RANGE_CLOEXEC))
		for (unsigned fd = first; fd <= last; fd++)
			hsys_fd_closed(p, (int)fd);
	return 0;
}

HSYS(lseek)
{
	FD_ARG(fd, 0);
	return hsys_ret(lseek(fd, (off_t)a[1], (int)a[2]));
}

HSYS(fstat)
{
	FD_ARG(fd, 0);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	procfs_stat(fd, -1, &st, NULL);
	if (pipe_is_ring(fd))
		pipe_stat(&st, NULL);
	return gmem_put(p, a[1], &st, sizeof st);
}

/*
 * getdents(2): the old record (d_ino, d_off, d_reclen, d_name, then d_type
 * in its last byte), made from getdents64's, whose records have the same
 * lengths: what fills count bytes here filled them there.
 */
HSYS(getdents)
{
	FD_ARG(fd, 0);
	size_t n = io_len(a[2]) < (1 << 16) ? io_len(a[2]) : (1 << 16);
	OUT_ARG(out, 1, n);
	static __thread char *buf; /* each thread its own: no process lock here */
	if (!buf && !(buf = malloc(1 << 16)))
		return -ENOMEM;
	long r = procfs_getdents(p, fd, buf, n);
	if (r == PROCFS_NONE)
		r = hsys_ret(getdents64(fd, buf, n));
	for (long off = 0; off < r;) {
		struct dirent64 *d = (struct dirent64 *)(buf + off);
		if (!d->d_reclen)
			break;
		unsigned char type = d->d_type;
		uint8_t *o = (uint8_t *)out + off;
		memcpy(o, &d->d_ino, 8);
		memcpy(o + 8, &d->d_off, 8);
		memcpy(o + 16, &d->d_reclen, 2);
		memmove(o + 18, d->d_name, strlen(d->d_name) + 1);
		o[d->d_reclen - 1] = type;
		off += d->d_reclen;
	}
	return r;
}

HSYS(getdents64)
{
	FD_ARG(fd, 0);
	OUT_ARG(buf, 1, io_len(a[2]));
	long r = procfs_getdents(p, fd, buf, io_len(a[2])); /* /proc: the guest's view */
	return r != PROCFS_NONE ? r : hsys_ret(getdents64(fd, buf, io_len(a[2])));
}

HSYS(fcntl)
{
	FD_ARG(fd, 0);
	int cmd = (int)a[1];
	if (pipe_is_ring(fd)) {
		long r = pipe_fcntl(p, fd, cmd, a[2]);
		if (r != -ENOSYS)
			return r;
	}
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC: {
		if (a[2] >= (uint64_t)p->fd_limit)
			return -EINVAL;
		long r = hsys_newfd(p, fcntl(fd, cmd, (int)a[2]));
		if (r >= 0)
			pipe_copied(p, fd, (int)r);
		return r;
	}
	case F_GETFD:
	case F_GETFL:
		return hsys_ret(fcntl(fd, cmd));
	case F_SETFD:
	case F_SETFL:
	case F_SETPIPE_SZ:
		return hsys_ret(fcntl(fd, cmd, (int)a[2]));
	case F_GETPIPE_SZ:
	case F_GET_SEALS:
		return hsys_ret(fcntl(fd, cmd));
	case F_ADD_SEALS:
		return hsys_ret(fcntl(fd, cmd, (int)a[2]));
	}
	long r = hsys_fcntl_posix(p, fd, cmd, a[2]); /* locks, owners: hsys_file.c */
	if (r != -ENOSYS)
		return r;
	hsys_warn_once(p, "fcntl command", cmd);
	return -EINVAL;
}

HSYS(dup)
{
	FD_ARG(fd, 0);
	long r = hsys_newfd(p, dup(fd));
	if (r >= 0)
		pipe_copied(p, fd, (int)r);
	return r;
}

HSYS(dup2)
{
	FD_ARG(fd, 0);
	FD_ARG(nfd, 1);
	if (nfd >= p->fd_limit)
		return -EBADF;
	long r = hsys_ret(dup2(fd, nfd));
	if (r >= 0 && fd != nfd)
		hsys_fd_closed(p, nfd); /* the kernel closed what nfd was */
	if (r >= 0)
		pipe_copied(p, fd, nfd);
	return r;
}

HSYS(dup3)
{
	FD_ARG(fd, 0);
	FD_ARG(nfd, 1);
	if (nfd >= p->fd_limit)
		return -EBADF;
	long r = hsys_ret(dup3(fd, nfd, (int)a[2]));
	if (r >= 0) {
		hsys_fd_closed(p, nfd); /* the kernel closed what nfd was */
		pipe_copied(p, fd, nfd);
	}
	return r;
}

HSYS(ioctl)
{
	FD_ARG(fd, 0);
	unsigned long req = (unsigned)a[1];
	size_t size;
	switch (req) {
	case TCGETS:
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		size = 36; /* the kernel's struct termios */
		break;
	case TIOCGWINSZ:
	case TIOCSWINSZ:
		size = sizeof(struct winsize);
		break;
	case FIONREAD:
	case FIONBIO:
	case FIOASYNC:
	case TIOCOUTQ: /* = SIOCOUTQ */
	case SIOCATMARK:
	case TIOCGPGRP:
	case TIOCSPGRP:
	case TIOCGSID:   /* tcgetsid */
	case TIOCPKT:
	case TIOCGPTN:   /* ptsname */
	case TIOCSPTLCK: /* unlockpt */
	case TIOCGPTLCK:
		size = sizeof(int);
		break;
	case FIOCLEX:
	case FIONCLEX:
	case TIOCNOTTY:
	case TIOCEXCL:
	case TIOCNXCL:
		return hsys_ret(ioctl(fd, req));
	case TIOCSCTTY: /* login_tty, forkpty: the terminal becomes the session's */
	case TCSBRK:    /* tcdrain, tcsendbreak */
	case TCXONC:    /* tcflow */
	case TCFLSH:    /* tcflush */
		return hsys_ret(ioctl(fd, req, (int)a[2])); /* an int, by value */
	case TIOCGPTPEER: /* openpty: the terminal of a pty master, opened */
		return hsys_newfd(p, ioctl(fd, req, (int)a[2]));
	case FICLONE: { /* cp's reflink: the argument is the source fd */
		FD_ARG(src, 2);
		return hsys_ret(ioctl(fd, req, src));
	}
	case FS_IOC_FIEMAP: { /* a file's extents (cp, man-db): as many as it asks room for */
		BUF_ARG(in, 2, sizeof(struct fiemap));
		uint32_t n = ((const struct fiemap *)in)->fm_extent_count; /* read once */
		if (n > 65536)
			return -EINVAL;
		size_t len = sizeof(struct fiemap) + (size_t)n * sizeof(struct fiemap_extent);
		struct fiemap *f = malloc(len);
		if (!f)
			return -ENOMEM;
		memcpy(f, in, sizeof *f);
		f->fm_extent_count = n;
		long r = hsys_ret(ioctl(fd, req, f));
		/* The extents it wrote: none when it was asked only how many (count
		   0); EBADR: only the flags it does not know, in the header. */
		uint32_t wrote = r == 0 && f->fm_mapped_extents < n ? f->fm_mapped_extents : r == 0 ? n : 0;
		if (r == 0 || r == -EBADR)
			r = gmem_put(p, a[2], f, sizeof *f + (size_t)wrote * sizeof(struct fiemap_extent)) ?: r;
		free(f);
		return r;
	}
	case FICLONERANGE: {
		struct file_clone_range r;
		BUF_ARG(in, 2, sizeof r);
		memcpy(&r, in, sizeof r); /* read once */
		int src = hsys_fd((uint64_t)r.src_fd);
		if (src < 0)
			return -EBADF;
		r.src_fd = src;
		return hsys_ret(ioctl(fd, req, &r));
	}
	default:
		hsys_warn_once(p, "ioctl request", req);
		return -ENOTTY;
	}
	int in = req == FIONBIO || req == FIOASYNC || req == TCSETS || req == TCSETSW ||
		 req == TCSETSF || req == TIOCSWINSZ || req == TIOCSPGRP || req == TIOCSPTLCK ||
		 req == TIOCPKT;
	void *arg = in ? gmem_in(p, a[2], size) : gmem_out(p, a[2], size);
	if (!arg)
		return -EFAULT;
	if (req == FIONREAD && pipe_is_ring(fd))
		return pipe_fionread(fd, arg);
	long r = hsys_ret(ioctl(fd, req, arg));
	if (r == 0 && req == FIONBIO)
		pipe_set_nonblock(p, fd, *(int *)arg);
	return r;
}

HSYS(ftruncate)
{
	FD_ARG(fd, 0);
	return hsys_ret(ftruncate(fd, (off_t)a[1]));
}

HSYS(fsync)
{
	FD_ARG(fd, 0);
	return hsys_ret(fsync(fd));
}

HSYS(fchmod)
{
	FD_ARG(fd, 0);
	long e = devfs_unchangeable(p, fd);
	if (e)
		return e;
	return hsys_ret(fchmod(fd, (mode_t)a[1]));
}

/* pipe2(2): a ring in shared memory (pipe.c); a host pipe for packet mode
   (O_DIRECT) or when this process maps too many rings already. */
HSYS(pipe2)
{
	OUT_ARG(fds, 0, 2 * sizeof(int));
	int flags = (int)a[1], f[2];
	if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	int r = flags & O_DIRECT ? -ENOSPC : pipe_new(p, flags, f);
	if (r == -ENOSPC) {
		if (pipe2(f, flags) < 0)
			return -errno;
		if (f[0] >= p->fd_limit || f[1] >= p->fd_limit) {
			close(f[0]);
			close(f[1]);
			return -EMFILE;
		}
		r = 0;
	}
	if (r == 0)
		memcpy(fds, f, sizeof f);
	return r;
}

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/*
 * The core of poll and select over a host copy of the array. Host fds are
 * polled as they are; a ring fd's readiness comes from its ring, and to
 * sleep we poll its socket for the other side's doorbell or hang-up.
 * tmo_ns < 0: no timeout. Returns the number of entries with revents.
 */
int hsys_poll_fds(struct pollfd *h, const short *events, int n, long long tmo_ns)
{
	long long deadline = tmo_ns < 0 ? 0 : now_ns() + tmo_ns;
	for (;;) {
		int ready = 0, rings = 0;
		for (int i = 0; i < n; i++) {
			h[i].events = events[i];
			h[i].revents = 0;
			if (h[i].fd >= 0 && pipe_is_ring(h[i].fd)) {
				h[i].events = POLLIN; /* doorbell or hang-up */
				rings++;
				ready += pipe_revents(h[i].fd, events[i]) != 0;
			}
		}
		long long left = tmo_ns < 0 ? -1 : deadline - now_ns();
		if (ready || (tmo_ns >= 0 && left < 0))
			left = 0;
		for (int i = 0; left && i < n; i++)
			if (h[i].fd >= 0 && pipe_is_ring(h[i].fd))
				pipe_poll_sleep(h[i].fd, 1, 0);
		ready = 0;
		for (int i = 0; left && i < n; i++) /* the other side may have just moved */
			if (h[i].fd >= 0 && pipe_is_ring(h[i].fd))
				ready += pipe_revents(h[i].fd, events[i]) != 0;
		struct timespec ts = {left / 1000000000LL, left % 1000000000LL};
		int r = ppoll(h, n, ready ? &(struct timespec){0, 0} : left < 0 ? NULL : &ts, NULL);
		int err = errno, count = 0;
		for (int i = 0; i < n; i++) {
			if (h[i].fd < 0 || !pipe_is_ring(h[i].fd)) {
				count += h[i].revents != 0;
				continue;
			}
			int rang = (h[i].revents & POLLIN) && !(h[i].revents & (POLLHUP | POLLERR));
			if (left)
				pipe_poll_sleep(h[i].fd, -1, rang);
			h[i].revents = pipe_revents(h[i].fd, events[i]);
			count += h[i].revents != 0;
		}
		if (r < 0)
			return -err;
		if (count || !left || !rings || (tmo_ns >= 0 && now_ns() >= deadline))
			return count;
	}
}

/* A guest timeout as nanoseconds (at most TMO_FOREVER, over a century:
   no deadline overflows), or -1 for none; -EINVAL (as Linux) if it is no
   valid timespec. Read once. */
#define TMO_FOREVER (1LL << 62)
static long long timeout_ns(const struct timespec *g, long long *ns)
{
	*ns = -1;
	if (!g)
		return 0;
	struct timespec t = *g;
	if (t.tv_sec < 0 || t.tv_nsec < 0 || t.tv_nsec >= 1000000000L)
		return -EINVAL;
	*ns = t.tv_sec >= TMO_FOREVER / 1000000000LL ? TMO_FOREVER : t.tv_sec * 1000000000LL + t.tv_nsec;
	return 0;
}

/* poll on a host copy of the array: fds outside the guest range are POLLNVAL. */
static long poll_common(struct proc *p, uint64_t gfds, uint64_t n, const struct timespec *tmo)
{
	if (n > UP_FD_MAX)
		return -EINVAL;
	struct pollfd *g = gmem_out(p, gfds, n * sizeof *g);
	if (!g && n)
		return -EFAULT;
	struct pollfd h[UP_FD_MAX];
	short ev[UP_FD_MAX];
	int bad = 0;
	for (uint64_t i = 0; i < n; i++) {
		h[i] = g[i];
		ev[i] = g[i].events;
		if (h[i].fd >= UP_FD_MAX) {
			h[i].fd = -1;
			bad++;
		}
	}
	long long ns;
	if (timeout_ns(tmo, &ns) < 0)
		return -EINVAL;
	int r = hsys_poll_fds(h, ev, (int)n, ns);
	if (r < 0)
		return r;
	for (uint64_t i = 0; i < n; i++)
		g[i].revents = g[i].fd >= UP_FD_MAX ? POLLNVAL : h[i].revents;
	return r + bad;
}

HSYS(poll)
{
	int ms = (int)a[2];
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	return poll_common(p, a[0], a[1], ms < 0 ? NULL : &t);
}

HSYS(ppoll)
{
	struct timespec *t = a[2] ? gmem_in(p, a[2], sizeof *t) : NULL;
	if ((a[2] && !t) || (a[3] && !gmem_in(p, a[3], 8)))
		return -EFAULT;
	return poll_common(p, a[0], a[1], t); /* the signal mask is not applied */
}

/* select as poll, with Linux's mapping of events. fd_sets hold fds below
   FD_SETSIZE = UP_FD_MAX: all of them are guest fds. */
#define SEL_IN (POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)
#define SEL_OUT (POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)
#define SEL_EX POLLPRI
static long select_common(struct proc *p, const uint64_t a[6], struct timespec *t)
{
	int nfds = (int)a[0];
	if (nfds < 0)
		return -EINVAL;
	if (nfds > UP_FD_MAX)
		nfds = UP_FD_MAX;
	fd_set *set[3];
	for (int i = 0; i < 3; i++) {
		set[i] = a[1 + i] ? gmem_out(p, a[1 + i], sizeof(fd_set)) : NULL;
		if (a[1 + i] && !set[i])
			return -EFAULT;
	}
	static const short want[3] = {POLLIN | POLLRDNORM | POLLRDBAND,
				      POLLOUT | POLLWRNORM | POLLWRBAND, POLLPRI};
	static const short got[3] = {SEL_IN, SEL_OUT, SEL_EX};
	struct pollfd h[UP_FD_MAX];
	short ev[UP_FD_MAX];
	int n = 0;
	for (int fd = 0; fd < nfds; fd++) {
		short e = 0;
		for (int i = 0; i < 3; i++)
			if (set[i] && FD_ISSET(fd, set[i]))
				e |= want[i];
		if (e) {
			h[n].fd = fd;
			ev[n++] = e;
		}
	}
	long long ns;
	if (timeout_ns(t, &ns) < 0)
		return -EINVAL;
	int r = hsys_poll_fds(h, ev, n, ns);
	if (r < 0)
		return r;
	for (int k = 0; k < n; k++)
		if (h[k].revents & POLLNVAL)
			return -EBADF;
	int count = 0;
	for (int i = 0; i < 3; i++)
		if (set[i])
			FD_ZERO(set[i]);
	for (int k = 0; k < n; k++)
		for (int i = 0; i < 3; i++)
			if (set[i] && (ev[k] & want[i]) && (h[k].revents & got[i])) {
				FD_SET(h[k].fd, set[i]);
				count++;
			}
	return count;
}

HSYS(select)
{
	struct timeval *tv = a[4] ? gmem_in(p, a[4], sizeof *tv) : NULL;
	if (a[4] && !tv)
		return -EFAULT;
	struct timespec t, *tp = NULL;
	uint64_t sec = 0;
	if (tv) { /* as Linux: microseconds past a second carry into seconds */
		struct timeval g = *tv;
		if (g.tv_sec < 0 || g.tv_usec < 0)
			return -EINVAL;
		sec = (uint64_t)g.tv_sec + (uint64_t)g.tv_usec / 1000000;
		t = (struct timespec){sec > TMO_FOREVER / 1000000000LL ? TMO_FOREVER / 1000000000LL : (time_t)sec,
				      (g.tv_usec % 1000000) * 1000};
		tp = &t;
	}
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	long r = select_common(p, a, tp);
	if (tv && gmem_out(p, a[4], sizeof *tv)) { /* Linux reports the time left (if it
		     can): the deadline (saturated at the largest time) less now */
		struct timespec end;
		clock_gettime(CLOCK_MONOTONIC, &end);
		long long ls, lns;
		if (sec > (uint64_t)(LLONG_MAX - start.tv_sec)) {
			ls = LLONG_MAX - end.tv_sec, lns = -end.tv_nsec;
		} else {
			ls = (long long)sec - (end.tv_sec - start.tv_sec);
			lns = t.tv_nsec - (end.tv_nsec - start.tv_nsec);
		}
		for (; lns < 0; lns += 1000000000L)
			ls--;
		for (; lns >= 1000000000L; lns -= 1000000000L)
			ls++;
		if (ls < 0)
			ls = lns = 0;
		tv->tv_sec = ls;
		tv->tv_usec = lns / 1000;
	}
	return r;
}

HSYS(pselect6)
{
	struct timespec *t = a[4] ? gmem_in(p, a[4], sizeof *t) : NULL;
	if ((a[4] && !t) || (a[5] && !gmem_in(p, a[5], 16)))
		return -EFAULT;
	return select_common(p, a, t); /* the signal mask is not applied */
}

HSYS(fadvise64)
{
	FD_ARG(fd, 0);
	if (pipe_is_ring(fd))
		return -ESPIPE;
	return -posix_fadvise(fd, (off_t)a[1], (off_t)a[2], (int)a[3]);
}

HSYS(fchown)
{
	FD_ARG(fd, 0);
	long e = devfs_unchangeable(p, fd);
	if (e)
		return e;
	return hsys_ret(fchown(fd, (uid_t)a[1], (gid_t)a[2]));
}

/* copy_file_range(2) between files; a pipe is no file (EINVAL, as Linux). */
HSYS(copy_file_range)
{
	FD_ARG(in, 0);
	FD_ARG(out, 2);
	loff_t *oin = NULL, *oout = NULL;
	if (a[1] && !(oin = gmem_out(p, a[1], sizeof *oin)))
		return -EFAULT;
	if (a[3] && !(oout = gmem_out(p, a[3], sizeof *oout)))
		return -EFAULT;
	if (pipe_is_ring(in) || pipe_is_ring(out))
		return -EINVAL;
	return hsys_ret(copy_file_range(in, oin, out, oout, io_len(a[4]), (unsigned)a[5]));
}
