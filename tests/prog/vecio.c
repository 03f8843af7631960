/* Vector I/O at an offset (preadv, pwritev and their -2 variants), as
   PostgreSQL writes its WAL: a file's offset is not moved, a pipe gives
   ESPIPE, a bad iovec EFAULT. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/* musl has no wrappers for the -2 variants. */
static long rv2(int nr, int fd, struct iovec *v, int n, long off, int flags)
{
	return syscall(nr, fd, v, n, off, 0, flags);
}

static void show(const char *what, long r)
{
	printf("%s: %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
}

int main(void)
{
	char path[] = "/tmp/uniproc-vecio-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return perror("mkstemp"), 1;
	unlink(path);
	char a[] = "hello ", b[] = "vectors", x[8] = {0}, y[8] = {0};
	struct iovec w[2] = {{a, 6}, {b, 7}}, r[2] = {{x, 6}, {y, 7}};
	show("pwritev at 100", pwritev(fd, w, 2, 100));
	show("offset after", lseek(fd, 0, SEEK_CUR));
	show("preadv at 100", preadv(fd, r, 2, 100));
	printf("read back: '%s' '%s'\n", x, y);
	memset(x, 0, sizeof x);
	show("pwritev2 at 0", rv2(SYS_pwritev2, fd, w, 1, 0, 0));
	show("preadv2 at 0", rv2(SYS_preadv2, fd, r, 1, 0, 0));
	printf("read back: '%s'\n", x);
	show("preadv2 bad flag", rv2(SYS_preadv2, fd, r, 1, 0, 0x40000000));
	show("preadv past end", preadv(fd, r, 2, 4096));
	show("preadv bad iovec", syscall(SYS_preadv, fd, (void *)8, 1, 0, 0));
	int p[2];
	pipe(p);
	show("pwritev on a pipe", pwritev(p[1], w, 2, 0));
	show("preadv on a pipe", preadv(p[0], r, 2, 0));
	show("preadv bad fd", preadv(99, r, 2, 0));
	return 0;
}
