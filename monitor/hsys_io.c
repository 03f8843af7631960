/* Descriptor syscalls. Guest fds are host fds below UP_FD_MAX, so offsets
   and flags live in the host kernel, shared as Linux shares them. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <termios.h>
#include <string.h>
#include <unistd.h>

#include "hsys.h"

#define MAX_IO (1ull << 31) /* Linux caps one transfer below 2 GiB too */

static uint64_t io_len(uint64_t n)
{
	return n > MAX_IO ? MAX_IO : n;
}

HSYS(read)
{
	FD_ARG(fd, 0);
	BUF_ARG(buf, 1, io_len(a[2]));
	return hsys_ret(read(fd, buf, io_len(a[2])));
}

HSYS(write)
{
	FD_ARG(fd, 0);
	BUF_ARG(buf, 1, io_len(a[2]));
	return hsys_ret(write(fd, buf, io_len(a[2])));
}

HSYS(pread64)
{
	FD_ARG(fd, 0);
	BUF_ARG(buf, 1, io_len(a[2]));
	return hsys_ret(pread(fd, buf, io_len(a[2]), (off_t)a[3]));
}

HSYS(pwrite64)
{
	FD_ARG(fd, 0);
	BUF_ARG(buf, 1, io_len(a[2]));
	return hsys_ret(pwrite(fd, buf, io_len(a[2]), (off_t)a[3]));
}

/* Translate a guest iovec array; returns the count or -errno. */
static int iov_in(struct proc *p, uint64_t gpa, uint64_t n, struct iovec *iov)
{
	if (n > IOV_MAX)
		return -EINVAL;
	const uint64_t *g = gmem_ptr(&p->vm, gpa, n * 16);
	if (!g && n)
		return -EFAULT;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t base = g[2 * i], len = io_len(g[2 * i + 1]);
		iov[i].iov_len = len;
		iov[i].iov_base = len ? gmem_ptr(&p->vm, base, len) : NULL;
		if (len && !iov[i].iov_base)
			return -EFAULT;
	}
	return (int)n;
}

HSYS(readv)
{
	FD_ARG(fd, 0);
	struct iovec iov[IOV_MAX];
	int n = iov_in(p, a[1], a[2], iov);
	return n < 0 ? n : hsys_ret(readv(fd, iov, n));
}

HSYS(writev)
{
	FD_ARG(fd, 0);
	struct iovec iov[IOV_MAX];
	int n = iov_in(p, a[1], a[2], iov);
	return n < 0 ? n : hsys_ret(writev(fd, iov, n));
}

HSYS(close)
{
	FD_ARG(fd, 0);
	return hsys_ret(close(fd));
}

HSYS(lseek)
{
	FD_ARG(fd, 0);
	return hsys_ret(lseek(fd, (off_t)a[1], (int)a[2]));
}

HSYS(fstat)
{
	FD_ARG(fd, 0);
	BUF_ARG(st, 1, sizeof(struct stat));
	return hsys_ret(fstat(fd, st));
}

HSYS(getdents64)
{
	FD_ARG(fd, 0);
	BUF_ARG(buf, 1, io_len(a[2]));
	return hsys_ret(getdents64(fd, buf, io_len(a[2])));
}

HSYS(fcntl)
{
	FD_ARG(fd, 0);
	int cmd = (int)a[1];
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (a[2] >= UP_FD_MAX)
			return -EINVAL;
		return hsys_newfd(fcntl(fd, cmd, (int)a[2]));
	case F_GETFD:
	case F_GETFL:
		return hsys_ret(fcntl(fd, cmd));
	case F_SETFD:
	case F_SETFL:
		return hsys_ret(fcntl(fd, cmd, (int)a[2]));
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW: {
		BUF_ARG(fl, 2, sizeof(struct flock));
		return hsys_ret(fcntl(fd, cmd, fl));
	}
	}
	hsys_warn_once(p, "fcntl command", cmd);
	return -EINVAL;
}

HSYS(dup)
{
	FD_ARG(fd, 0);
	return hsys_newfd(dup(fd));
}

HSYS(dup2)
{
	FD_ARG(fd, 0);
	FD_ARG(nfd, 1);
	return hsys_ret(dup2(fd, nfd));
}

HSYS(dup3)
{
	FD_ARG(fd, 0);
	FD_ARG(nfd, 1);
	return hsys_ret(dup3(fd, nfd, (int)a[2]));
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
		size = sizeof(int);
		break;
	case FIOCLEX:
	case FIONCLEX:
		return hsys_ret(ioctl(fd, req));
	default:
		hsys_warn_once(p, "ioctl request", req);
		return -ENOTTY;
	}
	BUF_ARG(arg, 2, size);
	return hsys_ret(ioctl(fd, req, arg));
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
	return hsys_ret(fchmod(fd, (mode_t)a[1]));
}

/* pipe2(2) on the host: a stand-in until pipes move to shared memory. */
HSYS(pipe2)
{
	BUF_ARG(fds, 0, 2 * sizeof(int));
	int f[2];
	if (pipe2(f, (int)a[1]) < 0)
		return -errno;
	if (f[0] >= UP_FD_MAX || f[1] >= UP_FD_MAX) {
		close(f[0]);
		close(f[1]);
		return -EMFILE;
	}
	memcpy(fds, f, sizeof f);
	return 0;
}
