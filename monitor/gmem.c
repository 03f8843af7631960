/* Guest memory access: every guest pointer the monitor follows passes here. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <ucontext.h>

#include "monitor.h"

__thread struct gmem_catch *gmem_catcher;

/*
 * SIGBUS: a page of a file mapping past the end of its file, which shrank
 * after it was mapped (into guest memory, or a file the monitor reads).
 * Jump to the innermost armed catch point; with none, return (signal.c's
 * handler, which calls this, then lets it fault again, fatally).
 */
void gmem_bus(siginfo_t *si, void *uc)
{
	struct gmem_catch *c = gmem_catcher;
	if (!c)
		return;
	gmem_catcher = c->outer;
	c->addr = (uintptr_t)si->si_addr;
	/* the mask from before the handler, as its return would restore */
	sigprocmask(SIG_SETMASK, &((ucontext_t *)uc)->uc_sigmask, NULL);
	siglongjmp(c->jb, 1);
}

void gmem_uncatch(struct gmem_catch *c)
{
	gmem_catcher = c->outer;
}

uint64_t gmem_guest_addr(const struct vm *vm, uintptr_t host)
{
	uintptr_t m = (uintptr_t)vm->mem;
	return host >= m && host - m < vm->mem_size ? host - m : 0;
}

void *gmem_ptr(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa < UP_LIBOS_BASE || gpa > vm->mem_size ||
	    len > vm->mem_size - gpa)
		return NULL;
	return vm->mem + gpa;
}

void *gmem_wptr(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	void *h = gmem_ptr(vm, gpa, len);
	return h && fmap_host_writable(gpa, len) == len ? h : NULL;
}

int gmem_str(const struct vm *vm, uint64_t gpa, char *buf, size_t size)
{
	if (gpa < UP_LIBOS_BASE || gpa >= vm->mem_size)
		return -EFAULT;
	size_t avail = vm->mem_size - gpa;
	size_t n = avail < size ? avail : size;
	const char *s = (const char *)vm->mem + gpa;
	struct gmem_catch c;
	if (GMEM_CATCH(&c)) /* a page past the end of a file: EFAULT, as Linux says */
		return -EFAULT;
	const char *nul = memchr(s, 0, n);
	if (nul)
		memcpy(buf, s, nul - s + 1);
	gmem_uncatch(&c);
	if (!nul)
		return n == size ? -ENAMETOOLONG : -EFAULT;
	return 0;
}

uint64_t gmem_user_len(struct proc *p, uint64_t gpa, uint64_t len, int prot)
{
	struct vm *vm = &p->vm;
	if (gpa < UP_LIBOS_BASE || gpa >= vm->mem_size)
		return 0;
	if (len > vm->mem_size - gpa)
		len = vm->mem_size - gpa;
	uint64_t n = mmu_access_len(vm, gpa, len, prot);
	/* Pages the program gave back stay mapped until they are given out
	   again: the library OS's free extents say which (sorted; if the
	   guest lies, only its own calls fail). */
	const struct up_memview *v = gmem_ptr(vm, p->libos.mem_view, sizeof *v);
	if (!v || !n)
		return n;
	int nfree = __atomic_load_n(&v->nfree, __ATOMIC_RELAXED), lo = 0, hi = nfree;
	if (nfree < 0 || nfree > UP_MEMVIEW_MAX) /* read once: the guest may change it */
		return n;
	while (lo < hi) { /* the first extent that ends past gpa */
		int mid = (lo + hi) / 2;
		if (v->free[mid].hi <= gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < nfree) {
		uint64_t flo = v->free[lo].lo;
		if (flo < gpa + n)
			n = flo > gpa ? flo - gpa : 0;
	}
	return n;
}

void *gmem_in(struct proc *p, uint64_t gpa, uint64_t len)
{
	void *h = gmem_ptr(&p->vm, gpa, len);
	return h && (!len || gmem_user_len(p, gpa, len, PROT_READ) == len) ? h : NULL;
}

void *gmem_out(struct proc *p, uint64_t gpa, uint64_t len)
{
	void *h = gmem_ptr(&p->vm, gpa, len);
	return h && (!len || gmem_user_len(p, gpa, len, PROT_WRITE) == len) ? h : NULL;
}

long gmem_put(struct proc *p, uint64_t gpa, const void *src, size_t n)
{
	void *h = gmem_out(p, gpa, n);
	if (!h)
		return -EFAULT;
	memcpy(h, src, n);
	return 0;
}

int gmem_ustr(struct proc *p, uint64_t gpa, char *buf, size_t size)
{
	uint64_t n = gmem_user_len(p, gpa, size, PROT_READ);
	if (!n)
		return -EFAULT;
	int r = gmem_str(&p->vm, gpa, buf, n);
	if (r == -ENAMETOOLONG && n < size)
		return -EFAULT; /* it runs into memory that is not there */
	return r;
}

/*
 * Find a file page in guest memory past the end of its file: the one at
 * gpa, or with gpa 0 the first one. Describes it in out and returns its
 * guest address, or 0 if there is none. For reports: it reads the maps.
 */
uint64_t gmem_past_eof(const struct vm *vm, uint64_t gpa, char *out, size_t size)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[PATH_MAX + 128];
	uint64_t found = 0;
	while (f && !found && fgets(line, sizeof line, f)) {
		uintptr_t lo, hi;
		uint64_t off, ino;
		int path_at = 0;
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %*s %" SCNx64 " %*s %" SCNu64 " %n", &lo,
			   &hi, &off, &ino, &path_at) < 4 || !ino || !path_at)
			continue;
		uint64_t glo = gmem_guest_addr(vm, lo);
		if (!glo || (gpa && (gpa < glo || gpa >= glo + (hi - lo))))
			continue;
		char *path = line + path_at, link[64];
		path[strcspn(path, "\n")] = 0;
		snprintf(link, sizeof link, "/proc/self/map_files/%" PRIxPTR "-%" PRIxPTR, lo, hi);
		struct stat st;
		if (stat(link, &st) < 0 && stat(path, &st) < 0)
			continue;
		uint64_t eof = ((uint64_t)st.st_size + 4095) & ~4095ull;
		if (off + (hi - lo) <= eof)
			continue;
		found = off < eof ? glo + (eof - off) : glo;
		if (gpa > found)
			found = gpa & ~4095ull;
		snprintf(out, size, "guest address 0x%" PRIx64 " maps %s past its end: the file shrank",
			 found, path);
	}
	if (f)
		fclose(f);
	return found;
}
