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
#include <unistd.h>
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
	int fl = fcntl(fd, F_GETFL);
	fmaps[i] = (struct fmap){lo, hi, off, st.st_dev, st.st_ino, strdup(path), shared,
				 fl >= 0 && (fl & O_ACCMODE) == O_RDWR};
	nfmap++;
}

/* Insert m (its path taken over) sorted; the range must be free of records. */
static void insert(const struct fmap *m)
{
	if (nfmap == FMAP_MAX) {
		free(m->path);
		return;
	}
	int i = 0;
	while (i < nfmap && fmaps[i].lo < m->lo)
		i++;
	memmove(&fmaps[i + 1], &fmaps[i], (nfmap - i) * sizeof *fmaps);
	fmaps[i] = *m;
	nfmap++;
}

uint64_t fmap_host_writable(uint64_t lo, uint64_t n)
{
	for (uint64_t at = lo; at < lo + n;) {
		const struct fmap *m = fmap_next(at);
		if (!m || m->lo >= lo + n)
			break;
		if (FMAP_HOST_RO(m))
			return m->lo > lo ? m->lo - lo : 0;
		at = m->hi;
	}
	return n;
}

void fmap_shared_anon(uint64_t lo, uint64_t hi)
{
	insert(&(struct fmap){lo, hi, 0, 0, 0, strdup("/dev/zero (deleted)"), 1, 1});
}

void fmap_sysv(uint64_t lo, uint64_t hi, const char *name, int maywrite)
{
	fmap_remove(lo, hi);
	insert(&(struct fmap){lo, hi, 0, 0, 0, strdup(name), 1, maywrite, 1});
}

void fmap_move(struct proc *p, const struct fmap *m, uint64_t lo, uint64_t hi)
{
	(void)p;
	fmap_remove(lo, hi);
	struct fmap n = *m;
	n.lo = lo;
	n.hi = hi;
	n.path = strdup(m->path);
	insert(&n);
}

const struct fmap *fmap_next(uint64_t addr)
{
	for (int i = 0; i < nfmap; i++)
		if (fmaps[i].hi > addr)
			return &fmaps[i];
	return NULL;
}

const struct fmap *fmap_at(uint64_t addr)
{
	for (int i = 0; i < nfmap && fmaps[i].lo <= addr; i++)
		if (addr < fmaps[i].hi)
			return &fmaps[i];
	return NULL;
}

/* After a change of protections: the guest makes the queued stores. */
long hsys_protected(struct proc *p, int r)
{
	if (r > 0) {
		struct up_thread *t = vcpu_thread(p, vcpu);
		if (t)
			t->mmu_pending = 1;
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
 * The library OS releases [a[0], a[0] + a[1]) (munmap, or a mapping laid
 * over it): fresh zero pages, readable and writable, as free memory is.
 * A file's or shared memory's pages leave: they become anonymous.
 */
HSYS(munmap)
{
	uint8_t *mem = user_pages(p, a);
	if (!mem || !a[1])
		return -EINVAL;
	long r = zero_pages(mem, a[1]);
	if (r < 0)
		return r;
	fmap_remove(a[0], a[0] + a[1]);
	return hsys_protected(p, mmu_protect(&p->vm, a[0], a[0] + a[1], PROT_READ | PROT_WRITE, 1));
}

/* madvise(2) of file or shared pages, which only the host can drop: after
   MADV_DONTNEED a private file page is the file's again, a shared one
   keeps its contents; MADV_REMOVE frees shared memory's pages. And
   MADV_HUGEPAGE and MADV_NOHUGEPAGE of any memory (sys_mem.c). */
HSYS(madvise)
{
	uint8_t *mem = user_pages(p, a);
	if (!mem || !a[1])
		return -EINVAL;
	if (a[2] == MADV_HUGEPAGE || a[2] == MADV_NOHUGEPAGE) /* the host's pages are the guest's */
		return hsys_ret(madvise(mem, a[1], (int)a[2]));
	if (a[2] != MADV_DONTNEED && a[2] != MADV_REMOVE)
		return 0;
	return hsys_ret(madvise(mem, a[1], (int)a[2]));
}

HSYS(msync)
{
	uint8_t *mem = user_pages(p, a);
	if (!mem || (a[2] & ~(uint64_t)(MS_ASYNC | MS_SYNC | MS_INVALIDATE)))
		return -EINVAL;
	return hsys_ret(msync(mem, a[1], (int)a[2]));
}

/* Move host pages [from, from + len) to dst, the last piece growing by grow
   bytes. Linux before 6.17 moves only within one host mapping (else
   EFAULT), and mprotect round trips (mmu.c) and madvise split ours: halve
   until each piece lies in one. */
static int move_pages(uint8_t *from, uint64_t len, uint8_t *dst, uint64_t grow)
{
	if (mremap(from, len, len + grow, MREMAP_MAYMOVE | MREMAP_FIXED, dst) != MAP_FAILED)
		return 0;
	if (errno != EFAULT || len <= 4096)
		return -errno;
	uint64_t half = (len / 2) & ~4095ull;
	int r = move_pages(from, half, dst, 0);
	return r < 0 ? r : move_pages(from + half, len - half, dst + half, grow);
}

/*
 * mremap(2) of a file or shared mapping, to the new place the library OS
 * chose (a[4]): the host moves its pages, so the mapping stays what it was
 * (shared stays shared); the old place gets zero pages. Where the host
 * fails, the new place too (its mremap took the host mapping away).
 */
HSYS(mremap)
{
	uint64_t old = a[0], olen = a[1], nlen = a[2], to = a[4];
	uint8_t *from = user_pages(p, (uint64_t[6]){old, olen});
	uint8_t *dst = user_pages(p, (uint64_t[6]){to, nlen});
	if (!from || !dst || !olen || !nlen || (to < old + olen && old < to + nlen))
		return -EINVAL;
	const struct fmap *m = fmap_at(old);
	struct fmap keep = m ? *m : (struct fmap){0};
	int prot = mmu_prot(&p->vm, old);
	long r = nlen > olen ? move_pages(from, olen, dst, nlen - olen)
			     : move_pages(from, nlen, dst, 0); /* the library OS shrinks in place */
	if (r < 0) {
		zero_pages(dst, nlen);
		return r;
	}
	zero_pages(from, olen);
	fmap_remove(old, old + olen);
	if (m)
		fmap_move(p, &keep, to, to + nlen);
	r = hsys_protected(p, mmu_protect(&p->vm, old, old + olen, PROT_READ | PROT_WRITE, 1));
	if (r == 0)
		r = hsys_protected(p, mmu_protect(&p->vm, to, to + nlen, prot, 1));
	return r < 0 ? r : (long)to;
}

/* mprotect(2) of pages the library OS has checked are in use. A shared
   mapping of a file not open for writing cannot become writable. */
HSYS(mprotect)
{
	if (!user_pages(p, a) || !a[1] || (a[2] & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	for (uint64_t x = a[0]; (a[2] & PROT_WRITE) && x < a[0] + a[1]; x += PAGE) {
		const struct fmap *m = fmap_at(x);
		if (m && m->shared && !m->maywrite)
			return -EACCES;
		if (m)
			x = m->hi - PAGE;
	}
	return hsys_protected(p, mmu_protect(&p->vm, a[0], a[0] + a[1], (int)a[2], 1));
}

/* Host memory for a shared anonymous mapping of len bytes: a memfd's. */
static int shared_anon(uint8_t *mem, uint64_t len)
{
	int fd = memfd_create("uniproc-shared", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = ftruncate(fd, (off_t)len) < 0 ||
			mmap(mem, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED
		? -errno
		: 0;
	close(fd); /* the mapping holds it */
	return r;
}

/*
 * mmap(2) of a file, or of shared memory, at the guest address the library
 * OS chose (always MAP_FIXED here).
 *  - MAP_PRIVATE of a file: its pages come from the host page cache,
 *    copy-on-write: VMs running the same library share its pages.
 *  - MAP_SHARED of a file: the host's shared mapping, coherent with read()
 *    and write() of the file by any process, if the fd is open for writing;
 *    else a private one, which is as coherent while nobody writes it.
 *  - MAP_SHARED|MAP_ANONYMOUS: a memfd's pages; a fork's child (a host fork
 *    of this monitor) keeps them shared, exec drops them.
 * Pages past the end of the file are zero rather than SIGBUS. (If the file
 * shrinks later, the pages past its new end fault: the guest dies of SIGBUS,
 * and the monitor catches its own, see gmem.c.) On failure the range is zero.
 */
HSYS(mmap)
{
	uint8_t *mem = user_pages(p, a);
	uint64_t len = a[1], off = a[5];
	int shared = (a[3] & MAP_TYPE) != MAP_PRIVATE;
	if (!mem || !len)
		return -EINVAL;
	if (a[3] & MAP_ANONYMOUS) {
		long r = shared ? shared_anon(mem, len) : -EINVAL;
		if (r < 0) {
			zero_pages(mem, len);
			return r;
		}
		fmap_remove(a[0], a[0] + len);
		fmap_shared_anon(a[0], a[0] + len);
		r = hsys_protected(p, mmu_protect(&p->vm, a[0], a[0] + len, (int)a[2] & 7, 1));
		return r < 0 ? r : (long)a[0];
	}
	FD_ARG(fd, 4);
	if (off & (PAGE - 1))
		return -EINVAL;
	if (off + len < off)
		return -EOVERFLOW;
	struct stat st;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fstat(fd, &st) < 0)
		return -EBADF;
	if ((fl & O_ACCMODE) == O_WRONLY || (fl & O_PATH))
		return fl & O_PATH ? -EBADF : -EACCES;
	int maywrite = (fl & O_ACCMODE) == O_RDWR;
	if (shared && (a[2] & PROT_WRITE) && !maywrite)
		return -EACCES;
	if (pipe_is_ring(fd) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISDIR(st.st_mode))
		return -ENODEV;
	uint64_t flen = len;
	if (S_ISREG(st.st_mode))
		flen = (uint64_t)st.st_size <= off ? 0
		       : PAGE_UP((uint64_t)st.st_size - off) < len ? PAGE_UP(st.st_size - off)
								    : len;
	/* A shared mapping the fd cannot write is private and writable on the
	   host: the guest's tables keep it read-only, and a page nobody writes
	   stays the file's page, as coherent with the file as a shared one.
	   So the monitor's stores never fault here (FMAP_HOST_RO). */
	int hflags = shared && maywrite ? MAP_SHARED : MAP_PRIVATE;
	if (flen && mmap(mem, flen, PROT_READ | PROT_WRITE, hflags | MAP_FIXED, fd,
			 (off_t)off) == MAP_FAILED) {
		int e = errno;
		zero_pages(mem, len);
		fmap_remove(a[0], a[0] + len);
		return -e;
	}
	if (zero_pages(mem + flen, len - flen) < 0)
		return -ENOMEM;
	fmap_add(p, a[0], a[0] + len, off, fd, shared);
	long r = hsys_protected(p, mmu_protect(&p->vm, a[0], a[0] + len, (int)a[2] & 7, 1));
	return r < 0 ? r : (long)a[0];
}
