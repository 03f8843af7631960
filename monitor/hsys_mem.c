/*
 * Guest memory the host must act on. The library OS decides which guest
 * addresses are in use (guest/sys_mem.c); the monitor puts host memory
 * behind them: pages of a file, or fresh zero pages.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

#define FMAP_MAX 4096
static struct fmap fmaps[FMAP_MAX]; /* sorted by address, disjoint */
static int nfmap;

void fmap_remove(uint64_t lo, uint64_t hi)
{
	for (int i = 0; i < nfmap; i++) {
		struct fmap *m = &fmaps[i];
		if (m->hi <= lo || m->lo >= hi)
			continue;
		if (m->lo < lo && m->hi > hi && nfmap < FMAP_MAX) { /* split in two */
			memmove(m + 1, m, (nfmap - i) * sizeof *m);
			nfmap++;
			m[1].path = strdup(m->path);
			m[1].off += hi - m->lo;
			m[1].lo = hi;
			m->hi = lo;
			return;
		}
		if (m->lo < lo)
			m->hi = lo;
		else if (m->hi > hi) {
			m->off += hi - m->lo;
			m->lo = hi;
		} else { /* wholly inside: drop it */
			free(m->path);
			memmove(m, m + 1, (nfmap - i - 1) * sizeof *m);
			nfmap--;
			i--;
		}
	}
}

void fmap_add(struct proc *p, uint64_t lo, uint64_t hi, uint64_t off, int fd, int shared)
{
	fmap_remove(lo, hi);
	struct stat st;
	char path[PATH_MAX];
	if (nfmap == FMAP_MAX || fstat(fd, &st) < 0)
		return; /* maps then shows it anonymous */
	if (path_of_fd(p, fd, path) < 0)
		snprintf(path, sizeof path, "/");
	int i = 0;
	while (i < nfmap && fmaps[i].lo < lo)
		i++;
	memmove(&fmaps[i + 1], &fmaps[i], (nfmap - i) * sizeof *fmaps);
	fmaps[i] = (struct fmap){lo, hi, off, st.st_dev, st.st_ino, strdup(path), shared};
	nfmap++;
}

const struct fmap *fmap_at(uint64_t addr)
{
	for (int i = 0; i < nfmap && fmaps[i].lo <= addr; i++)
		if (addr < fmaps[i].hi)
			return &fmaps[i];
	return NULL;
}

/* After a change of protections: the guest makes the queued stores. */
static long protected(struct proc *p, int r)
{
	if (r > 0) {
		struct up_boot_info *bi = gmem_ptr(&p->vm, p->libos.boot_info, sizeof *bi);
		if (bi)
			bi->mmu_pending = 1;
	}
	return r == -ENOSPC ? -ENOMEM : r < 0 ? r : 0;
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
 * Give pages back to the host; the guest sees them as zero again, readable
 * and writable, as free memory is. Pages of a file mapping become
 * anonymous: madvise would bring the file back.
 */
HSYS(madvise)
{
	uint8_t *mem = user_pages(p, a);
	if (!mem || !a[1] || a[2] != MADV_DONTNEED)
		return -EINVAL;
	long r = zero_pages(mem, a[1]);
	if (r < 0)
		return r;
	fmap_remove(a[0], a[0] + a[1]);
	return protected(p, mmu_protect(&p->vm, a[0], a[0] + a[1], PROT_READ | PROT_WRITE, 1));
}

/* mprotect(2) of pages the library OS has checked are in use. */
HSYS(mprotect)
{
	if (!user_pages(p, a) || !a[1] || (a[2] & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	return protected(p, mmu_protect(&p->vm, a[0], a[0] + a[1], (int)a[2], 1));
}

/*
 * mmap(2) of a file, MAP_PRIVATE, at the guest address the library OS chose
 * (always MAP_FIXED here). The file's pages come from the host page cache,
 * copy-on-write: VMs running the same library share its pages. Pages past
 * the end of the file are zero rather than SIGBUS, so neither the guest nor
 * the monitor can fault on them. On failure the range is left zero.
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
		fmap_remove(a[0], a[0] + len);
		return -e;
	}
	if (zero_pages(mem + flen, len - flen) < 0)
		return -ENOMEM;
	fmap_add(p, a[0], a[0] + len, off, fd, (a[3] & MAP_TYPE) != MAP_PRIVATE);
	long r = protected(p, mmu_protect(&p->vm, a[0], a[0] + len, (int)a[2] & 7, 1));
	return r < 0 ? r : (long)a[0];
}
