/*
 * Guest memory the host must act on. The library OS decides which guest
 * addresses are in use (guest/sys_mem.c); the monitor puts host memory
 * behind them: pages of a file, or fresh zero pages.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "hsys.h"

#define PAGE 4096ull
#define PAGE_UP(x) (((x) + PAGE - 1) & ~(PAGE - 1))

/* Guest range [a[0], a[0] + a[1]) of program memory, page aligned, or NULL. */
static uint8_t *user_pages(struct proc *p, const uint64_t a[6])
{
	if ((a[0] & (PAGE - 1)) || (a[1] & (PAGE - 1)) || a[0] < UP_USER_BASE)
		return NULL;
	return gmem_ptr(&p->vm, a[0], a[1]);
}

/* Fresh zero pages at host over [mem, mem + len), whatever was there. */
static int zero_pages(uint8_t *mem, uint64_t len)
{
	if (!len)
		return 0;
	return mmap(mem, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == MAP_FAILED
		       ? -ENOMEM
		       : 0;
}

/*
 * Give pages back to the host; the guest sees them as zero again. Pages of
 * a file mapping become anonymous: madvise would bring the file back.
 */
HSYS(madvise)
{
	uint8_t *mem = user_pages(p, a);
	if (!mem || a[2] != MADV_DONTNEED)
		return -EINVAL;
	return zero_pages(mem, a[1]);
}

/*
 * mmap(2) of a file, MAP_PRIVATE, at the guest address the library OS chose
 * (always MAP_FIXED here). The file's pages come from the host page cache,
 * copy-on-write: VMs running the same library share its pages. Pages past
 * the end of the file are zero rather than SIGBUS. (If the file shrinks
 * later, the pages past its new end fault: the guest dies of SIGBUS, and the
 * monitor catches its own, see gmem.c.) On failure the range is left zero.
 */
HSYS(mmap)
{
	uint8_t *mem = user_pages(p, a);
	uint64_t len = a[1], off = a[5];
	FD_ARG(fd, 4);
	if (!mem || !len)
		return -EINVAL;
	if (off & (PAGE - 1))
		return -EINVAL;
	if (off + len < off)
		return -EOVERFLOW;
	if ((a[3] & MAP_SHARED) && (a[2] & PROT_WRITE))
		return -ENODEV; /* guest/sys_mem.c warns */
	struct stat st;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fstat(fd, &st) < 0)
		return -EBADF;
	if ((fl & O_ACCMODE) == O_WRONLY || (fl & O_PATH))
		return fl & O_PATH ? -EBADF : -EACCES;
	if (pipe_is_ring(fd) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISDIR(st.st_mode))
		return -ENODEV;
	uint64_t flen = len;
	if (S_ISREG(st.st_mode))
		flen = (uint64_t)st.st_size <= off ? 0
		       : PAGE_UP((uint64_t)st.st_size - off) < len ? PAGE_UP(st.st_size - off)
								    : len;
	if (flen && mmap(mem, flen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd,
			 (off_t)off) == MAP_FAILED) {
		int e = errno;
		zero_pages(mem, len);
		return -e;
	}
	if (zero_pages(mem + flen, len - flen) < 0)
		return -ENOMEM;
	return (long)a[0];
}
