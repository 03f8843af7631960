/*
 * /proc files the monitor makes, true for the guest's view and silent about
 * the host: today /proc/self/maps, the program's own mappings. Each is
 * written, when opened, into a memfd the guest reads like a file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "monitor.h"

#define PAGE 4096ull

/* Does abs name our own /proc/<self>/<name>? (self, thread-self or our pid) */
static int own_entry(const char *abs, const char *name)
{
	char pid[32];
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	const char *who[] = {"self", "thread-self", pid};
	for (int i = 0; i < 3; i++) {
		char want[64];
		snprintf(want, sizeof want, "/proc/%s/%s", who[i], name);
		if (!strcmp(abs, want))
			return 1;
	}
	return 0;
}

/* The guest's map of its memory, copied once, its fields clamped. */
struct view {
	uint64_t brk_start, brk_cur, area_lo, area_hi;
	int nfree;
	const struct up_extent *free;
};

static int get_view(struct proc *p, struct view *v)
{
	const struct up_memview *g = gmem_ptr(&p->vm, p->libos.mem_view, sizeof *g);
	if (!g)
		return -EIO;
	*v = (struct view){g->brk_start, g->brk_cur, g->area_lo, g->area_hi, g->nfree, g->free};
	if (v->nfree < 0 || v->nfree > UP_MEMVIEW_MAX)
		v->nfree = 0;
	return 0;
}

/* Is page a of the mmap area in use: in no free extent? */
static int in_use(const struct view *v, uint64_t a)
{
	for (int i = 0; i < v->nfree; i++) {
		uint64_t lo = v->free[i].lo, hi = v->free[i].hi; /* the guest may change them */
		if (lo <= a && a < hi)
			return 0;
	}
	return 1;
}

/* What maps page a: 0 nothing, else the line's kind; *m its file, if any. */
enum kind { NONE, FILE_, HEAP, STACK, ANON };
static enum kind what(struct proc *p, const struct view *v, uint64_t a, const struct fmap **m)
{
	*m = fmap_at(a);
	uint64_t stack = p->vm.mem_size - UP_STACK_SIZE;
	if (a >= stack)
		return STACK;
	if (*m)
		return FILE_;
	if (a < v->area_lo || a >= v->area_hi)
		return NONE;
	if (!in_use(v, a))
		return NONE;
	uint64_t heap_hi = (v->brk_cur + PAGE - 1) & ~(PAGE - 1);
	return a >= v->area_lo && a < heap_hi && v->brk_cur > v->area_lo ? HEAP : ANON;
}

static void line(FILE *f, uint64_t lo, uint64_t hi, int prot, enum kind k, const struct fmap *m)
{
	int n = fprintf(f, "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu ", (unsigned long long)lo,
			(unsigned long long)hi, prot & PROT_READ ? 'r' : '-',
			prot & PROT_WRITE ? 'w' : '-', prot & PROT_EXEC ? 'x' : '-',
			m && m->shared ? 's' : 'p',
			(unsigned long long)(m ? m->off + (lo - m->lo) : 0),
			m ? major(m->dev) : 0, m ? minor(m->dev) : 0,
			(unsigned long long)(m ? m->ino : 0));
	const char *name = k == FILE_ ? m->path : k == HEAP ? "[heap]" : k == STACK ? "[stack]" : "";
	if (*name)
		fprintf(f, "%*s%s", n < 73 ? 73 - n : 0, "", name);
	fputc('\n', f);
}

/* /proc/self/maps: runs of pages with one protection, kind and file. */
static int maps(struct proc *p, FILE *f)
{
	struct view v;
	if (get_view(p, &v) < 0)
		return -EIO;
	uint64_t start = 0, a;
	int cur_prot = 0;
	enum kind cur = NONE;
	const struct fmap *cur_m = NULL;
	for (a = UP_USER_BASE; a < p->vm.mem_size; a += PAGE) {
		const struct fmap *m;
		enum kind k = what(p, &v, a, &m);
		int prot = k == NONE ? 0 : mmu_prot(&p->vm, a);
		if (k != cur || prot != cur_prot || m != cur_m) {
			if (cur != NONE)
				line(f, start, a, cur_prot, cur, cur_m);
			start = a;
			cur = k;
			cur_prot = prot;
			cur_m = m;
		}
		if (k == NONE && !m) { /* skip a free extent or the gap at once */
			uint64_t next = a + PAGE;
			for (int i = 0; i < v.nfree; i++)
				if (v.free[i].lo <= a && a < v.free[i].hi && v.free[i].hi > next)
					next = v.free[i].hi & ~(PAGE - 1);
			a = next - PAGE;
		}
	}
	if (cur != NONE)
		line(f, start, a, cur_prot, cur, cur_m);
	return 0;
}

int procfs_open(struct proc *p, const char *abs, int flags)
{
	if (!own_entry(abs, "maps"))
		return 1;
	if ((flags & O_ACCMODE) != O_RDONLY)
		return -EACCES;
	int fd = memfd_create("maps", (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
	if (fd < 0)
		return -errno;
	FILE *f = fdopen(dup(fd), "w");
	int r = f ? maps(p, f) : -ENOMEM;
	if (f)
		fclose(f);
	if (r < 0) {
		close(fd);
		return r;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}
