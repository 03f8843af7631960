/*
 * splice, tee and vmsplice. Host pipes and FIFOs are the host kernel's, and a
 * call between them is its own. A pipe ring is no host pipe (its host fd is
 * a socket), so a call with a ring on either side copies through a buffer
 * here, moving what Linux would move: from a ring, only what the other side
 * took (peek, write, then drop that much); into a ring, at most the room it
 * has (wait for room, read that much, write). tee peeks and never consumes.
 * Waiting, EOF, EPIPE/SIGPIPE and EAGAIN follow Linux's pipe-to-pipe rules.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "hsys.h"

#define SPLICE_ALL (SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT)
#define MAX_IO (1ull << 31)

/* One ring's worth, each thread its own (these calls may sleep without the
   process lock); untouched pages cost nothing. */
static __thread uint8_t *buf;
#define BUF_SIZE UP_RING_CAP_MAX

static size_t cap_len(uint64_t len)
{
	len = len < MAX_IO ? len : MAX_IO;
	return len < BUF_SIZE ? (size_t)len : BUF_SIZE;
}

/* The guest fd's file status flags (a ring's as a pipe's), or -EBADF for
   a closed or O_PATH fd, which can neither read nor write. */
static int fd_flags(struct proc *p, int fd)
{
	int fl = pipe_is_ring(fd) ? (int)pipe_fcntl(p, fd, F_GETFL, 0) : fcntl(fd, F_GETFL);
	return fl < 0 || (fl & O_PATH) ? -EBADF : fl;
}

static int can_read(int fl) { return fl >= 0 && (fl & O_ACCMODE) != O_WRONLY; }
static int can_write(int fl) { return fl >= 0 && (fl & O_ACCMODE) != O_RDONLY; }

/* A host pipe or FIFO (not a ring)? */
static int host_pipe(int fd)
{
	struct stat st;
	return !pipe_is_ring(fd) && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

/* Wait until host fd is ready for events (a regular file always is):
   0, or -EAGAIN at once if nonblock, or -EINTR for a signal the guest takes. */
static long host_wait(struct proc *p, int fd, short events, int nonblock)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		return 0;
	struct pollfd pf = {fd, events, 0};
	long r = HSYS_WAIT(p, poll(&pf, 1, nonblock ? 0 : -1));
	return r < 0 ? r : r ? 0 : -EAGAIN;
}

/* How many bytes a host pipe takes without blocking (at least 1). */
static size_t host_pipe_room(int fd)
{
	int size = fcntl(fd, F_GETPIPE_SZ), used = 0;
	if (size <= 0 || ioctl(fd, FIONREAD, &used) < 0 || used >= size)
		return 1;
	return (size_t)(size - used);
}

static long host_write(struct proc *p, int fd, const void *b, size_t n, loff_t *off)
{
	return off ? HSYS_WAIT(p, pwrite(fd, b, n, *off)) : HSYS_WAIT(p, write(fd, b, n));
}

static long host_read(struct proc *p, int fd, void *b, size_t n, loff_t *off)
{
	return off ? HSYS_WAIT(p, pread(fd, b, n, *off)) : HSYS_WAIT(p, read(fd, b, n));
}

/* The per-process host pipe that host_peek tees into (a fork makes its own). */
static __thread int scratch[2] = {-1, -1};
static __thread pid_t scratch_pid;

static int scratch_pipe(void)
{
	if (scratch_pid == getpid() && scratch[0] >= 0)
		return 0;
	for (int i = 0; i < 2; i++)
		if (scratch[i] >= 0)
			close(scratch[i]); /* our parent's: closing our copy is enough */
	int f[2];
	scratch[0] = scratch[1] = -1;
	if (pipe2(f, O_CLOEXEC) < 0)
		return -errno;
	for (int i = 0; i < 2; i++) {
		scratch[i] = fcntl(f[i], F_DUPFD_CLOEXEC, UP_FD_MAX);
		close(f[i]);
	}
	scratch_pid = getpid();
	return scratch[0] >= 0 && scratch[1] >= 0 ? 0 : -EMFILE;
}

/* Copy up to n bytes from host pipe fd into buf without consuming them:
   the host tees them into the scratch pipe, which we read. */
static long host_peek(struct proc *p, int fd, size_t n, int nonblock)
{
	int r = scratch_pipe();
	if (r < 0)
		return r;
	int cap = fcntl(scratch[1], F_GETPIPE_SZ);
	n = cap > 0 && (size_t)cap < n ? (size_t)cap : n;
	long got = HSYS_WAIT(p, tee(fd, scratch[1], n, nonblock ? SPLICE_F_NONBLOCK : 0));
	if (got <= 0)
		return got;
	return read(scratch[0], buf, (size_t)got); /* all of it: it is there */
}

/* Put buf[0, n) into the pipe out (a ring or a host pipe), moving no more
   than fits now; waits for room as a pipe-to-pipe splice does. */
static long to_pipe(struct proc *p, int out, size_t n, int nonblock)
{
	if (pipe_is_ring(out)) {
		long room = pipe_room(p, out, nonblock ? PIPE_NONBLOCK : PIPE_BLOCK);
		if (room < 0 || !n)
			return room < 0 ? room : 0;
		n = n < (size_t)room ? n : (size_t)room;
		return pipe_write(p, out, &(struct iovec){buf, n}, 1, 0);
	}
	long r = host_wait(p, out, POLLOUT, nonblock);
	if (r < 0 || !n)
		return r;
	size_t room = host_pipe_room(out);
	return host_write(p, out, buf, n < room ? n : room, NULL);
}

/*
 * Splice from ring `in` to out: wait for bytes (and for room if out is a
 * ring), then peek at up to len bytes holding the ring's read lock, write
 * them, and consume what out took: as Linux holds the pipe's lock, no
 * other reader sees those bytes meanwhile. Into a file at *off_out when
 * off_out is given.
 */
static long from_ring(struct proc *p, int in, int out, loff_t *off_out, size_t len, int nonblock)
{
	int wait = nonblock ? PIPE_NONBLOCK : PIPE_BLOCK, ring_out = pipe_is_ring(out);
	for (;;) {
		long n = pipe_take(p, in, &(struct iovec){buf, len}, 1, PIPE_PEEK | wait);
		if (n < 0)
			return n;
		if (ring_out || host_pipe(out)) {
			long room = ring_out ? pipe_room(p, out, wait) : host_wait(p, out, POLLOUT, nonblock);
			if (room < 0 || !n)
				return room < 0 ? room : 0;
			if (ring_out)
				len = len < (size_t)room ? len : (size_t)room;
			else
				len = len < host_pipe_room(out) ? len : host_pipe_room(out);
		} else if (!n) {
			return 0;
		}
		n = pipe_take(p, in, &(struct iovec){buf, len}, 1, PIPE_PEEK | PIPE_HOLD | PIPE_NONBLOCK);
		if (n == -EAGAIN && !nonblock)
			continue; /* another reader took them first */
		if (n <= 0)
			return n;
		long w = ring_out ? pipe_write(p, out, &(struct iovec){buf, (size_t)n}, 1, 0)
				  : host_write(p, out, buf, (size_t)n, off_out);
		pipe_drop(p, in, w > 0 ? (uint64_t)w : 0);
		if (w > 0 && off_out)
			*off_out += w;
		return w;
	}
}

/*
 * Splice from host fd `in` (a file at *off_in or its offset, a socket, a
 * host pipe) into ring out: wait for room, read at most that much, write.
 * Bytes the ring did not take after all go back to a seekable input.
 */
static long to_ring(struct proc *p, int in, loff_t *off_in, int out, size_t len, int nonblock)
{
	long room = pipe_room(p, out, nonblock ? PIPE_NONBLOCK : PIPE_BLOCK);
	if (room < 0)
		return room;
	size_t n = len < (size_t)room ? len : (size_t)room;
	long r = host_wait(p, in, POLLIN, nonblock);
	if (r < 0)
		return r;
	long got = host_read(p, in, buf, n, off_in);
	if (got <= 0)
		return got;
	long w = pipe_write(p, out, &(struct iovec){buf, (size_t)got}, 1, 0);
	long moved = w > 0 ? w : 0;
	if (off_in)
		*off_in += moved;
	else if (moved < got)
		lseek(in, moved - got, SEEK_CUR); /* fails harmlessly if unseekable */
	return moved ? moved : w;
}

/* A guest loff_t pointer (NULL allowed) as a host pointer into *out. */
static int off_arg(struct proc *p, uint64_t gpa, loff_t **out)
{
	*out = NULL;
	if (gpa && !(*out = gmem_out(p, gpa, sizeof **out)))
		return -EFAULT;
	return 0;
}

/* splice(2), with Linux's checks in Linux's order. */
HSYS(splice)
{
	if (!buf && !(buf = malloc(BUF_SIZE)))
		return -ENOMEM;
	FD_ARG(in, 0);
	FD_ARG(out, 2);
	uint64_t len = a[4];
	unsigned flags = (unsigned)a[5];
	if (!len)
		return 0;
	if (flags & ~SPLICE_ALL)
		return -EINVAL;
	int ri = pipe_is_ring(in), ro = pipe_is_ring(out);
	int pin = ri || host_pipe(in), pout = ro || host_pipe(out);
	if ((pin && a[1]) || (pout && a[3]))
		return -ESPIPE;
	loff_t *off_in, *off_out;
	if (off_arg(p, a[1], &off_in) < 0 || off_arg(p, a[3], &off_out) < 0)
		return -EFAULT;
	if (!ri && !ro)
		return hsys_ret(splice(in, off_in, out, off_out, len < MAX_IO ? len : MAX_IO, flags));
	int fin = fd_flags(p, in), fout = fd_flags(p, out);
	if (!can_read(fin) || !can_write(fout))
		return -EBADF;
	int nonblock = (flags & SPLICE_F_NONBLOCK) != 0;
	if (pin && pout) {
		if (ri && ro && pipe_same(in, out))
			return -EINVAL;
		nonblock |= ((fin | fout) & O_NONBLOCK) != 0;
		if (ri)
			return from_ring(p, in, out, NULL, cap_len(len), nonblock);
		return to_ring(p, in, NULL, out, cap_len(len), nonblock);
	}
	if (ri) { /* the ring into a file or socket */
		if (fout & O_APPEND)
			return -EINVAL;
		return from_ring(p, in, out, off_out, cap_len(len), nonblock || (fin & O_NONBLOCK));
	}
	return to_ring(p, in, off_in, out, cap_len(len), nonblock || (fout & O_NONBLOCK));
}

/* tee(2): copy from pipe in to pipe out without consuming. */
HSYS(tee)
{
	if (!buf && !(buf = malloc(BUF_SIZE)))
		return -ENOMEM;
	FD_ARG(in, 0);
	FD_ARG(out, 1);
	uint64_t len = a[2];
	unsigned flags = (unsigned)a[3];
	if (flags & ~SPLICE_ALL)
		return -EINVAL;
	if (!len)
		return 0;
	int ri = pipe_is_ring(in), ro = pipe_is_ring(out);
	if (!ri && !ro)
		return hsys_ret(tee(in, out, len < MAX_IO ? len : MAX_IO, flags));
	int fin = fd_flags(p, in), fout = fd_flags(p, out);
	if (!can_read(fin) || !can_write(fout))
		return -EBADF;
	if (!(ri || host_pipe(in)) || !(ro || host_pipe(out)) || (ri && ro && pipe_same(in, out)))
		return -EINVAL;
	int nonblock = (flags & SPLICE_F_NONBLOCK) || ((fin | fout) & O_NONBLOCK);
	long n = ri ? pipe_take(p, in, &(struct iovec){buf, cap_len(len)}, 1,
				PIPE_PEEK | (nonblock ? PIPE_NONBLOCK : PIPE_BLOCK))
		    : host_peek(p, in, cap_len(len), nonblock);
	if (n < 0)
		return n;
	return to_pipe(p, out, (size_t)n, nonblock);
}

/* Keep the first n bytes of the iovecs; returns how many iovecs that is. */
static int iov_cut(struct iovec *iov, int niov, uint64_t n)
{
	int i = 0;
	for (; i < niov && n; i++) {
		if (iov[i].iov_len > n)
			iov[i].iov_len = n;
		n -= iov[i].iov_len;
	}
	return i;
}

/*
 * vmsplice(2): guest memory into a pipe opened for writing, or out of one
 * opened for reading. As on Linux only SPLICE_F_NONBLOCK makes it not
 * wait (not the fd's O_NONBLOCK), and into a pipe it moves what fits.
 */
HSYS(vmsplice)
{
	if (!buf && !(buf = malloc(BUF_SIZE)))
		return -ENOMEM;
	FD_ARG(fd, 0);
	unsigned flags = (unsigned)a[3];
	if (flags & ~SPLICE_ALL)
		return -EINVAL;
	int fl = fd_flags(p, fd);
	if (fl < 0)
		return -EBADF;
	struct iovec iov[IOV_MAX];
	int n = iov_in(p, a[1], a[2], iov);
	if (n < 0)
		return n;
	uint64_t total = 0;
	for (int i = 0; i < n; i++)
		total += iov[i].iov_len;
	if (!total)
		return 0;
	if (!pipe_is_ring(fd))
		return host_pipe(fd) ? hsys_ret(vmsplice(fd, iov, n, flags)) : -EBADF;
	int how = flags & SPLICE_F_NONBLOCK ? PIPE_NONBLOCK : PIPE_BLOCK;
	if (!can_write(fl))
		return pipe_take(p, fd, iov, n, how);
	long room = pipe_room(p, fd, how);
	if (room < 0)
		return room;
	return pipe_write(p, fd, iov, iov_cut(iov, n, (uint64_t)room), 0);
}
