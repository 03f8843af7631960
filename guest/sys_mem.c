/*
 * Memory syscalls, served in the guest without an exit. Guest memory is
 * identity mapped and lazily backed by the host; this file only decides
 * which addresses are in use.
 *
 * Layout: the program image, then the break growing up from its end, then
 * free space, mmap regions taken top-down, and the stack at the top. The
 * free set is a sorted list of disjoint extents. Invariant: every page in
 * the free set reads as zero, so a new mapping needs no clearing.
 */
#include <asm/errno.h>
#include <asm/unistd.h>

#include "libos.h"

#define PAGE 4096ull
#define PAGE_UP(x) (((x) + PAGE - 1) & ~(PAGE - 1))
#define MAX_EXTENTS 8192
#define RELEASE_MIN (64 << 10) /* below this, clearing beats an exit */

#define MAP_SHARED 0x01
#define MAP_TYPE 0x0f
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED_NOREPLACE 0x100000
#define PROT_WRITE 0x2
#define MREMAP_MAYMOVE 1
#define MADV_DONTNEED 4

struct extent {
	uint64_t lo, hi;
};

static struct extent ext[MAX_EXTENTS]; /* free extents, sorted by address */
static int next;                      /* number of extents in use */
static uint64_t area_lo, area_hi;     /* the managed area */
static uint64_t brk_start, brk_cur;
static uint64_t low_top, high_bottom; /* backed: [0, low_top), [high_bottom, end) */

void mem_init(void)
{
	brk_start = brk_cur = boot_info.brk;
	area_lo = PAGE_UP(boot_info.brk);
	area_hi = boot_info.mmap_top;
	ext[0] = (struct extent){area_lo, area_hi};
	next = 1;
	low_top = boot_info.low_top;
	high_bottom = boot_info.high_bottom;
}

/* Make sure the host backs [a, b) before the program may touch it. */
static int back(uint64_t a, uint64_t b)
{
	if (b <= low_top || a >= high_bottom)
		return 0;
	return hc_memory(a, b, &low_top, &high_bottom) ? -ENOMEM : 0;
}

/* Is [a, b) entirely free? */
static int is_free(uint64_t a, uint64_t b)
{
	for (int i = 0; i < next; i++)
		if (ext[i].lo <= a && b <= ext[i].hi)
			return 1;
	return 0;
}

/* Remove [a, b) from the free set. Fails only when out of extent slots. */
static int take(uint64_t a, uint64_t b)
{
	for (int i = 0; i < next; i++) {
		struct extent *e = &ext[i];
		if (e->hi <= a || e->lo >= b)
			continue;
		if (e->lo < a && e->hi > b) { /* split in two */
			if (next == MAX_EXTENTS)
				return -ENOMEM;
			memmove(e + 1, e, (next - i) * sizeof *e);
			next++;
			e[0].hi = a;
			e[1].lo = b;
			return 0;
		}
		if (e->lo < a)
			e->hi = a;
		else if (e->hi > b)
			e->lo = b;
		else { /* wholly inside: drop it */
			memmove(e, e + 1, (next - i - 1) * sizeof *e);
			next--;
			i--;
		}
	}
	return 0;
}

/* Add [a, b) (clipped to the area) to the free set, merging neighbours. */
static void give(uint64_t a, uint64_t b)
{
	if (a < area_lo)
		a = area_lo;
	if (b > area_hi)
		b = area_hi;
	if (a >= b)
		return;
	take(a, b); /* never splits: drop any overlap first */
	int i = 0;
	while (i < next && ext[i].hi < a)
		i++;
	if (i < next && ext[i].hi == a) { /* merge with the one below */
		ext[i].hi = b;
		if (i + 1 < next && ext[i + 1].lo == b) {
			ext[i].hi = ext[i + 1].hi;
			memmove(&ext[i + 1], &ext[i + 2], (next - i - 2) * sizeof *ext);
			next--;
		}
		return;
	}
	if (i < next && ext[i].lo == b) { /* merge with the one above */
		ext[i].lo = a;
		return;
	}
	if (next == MAX_EXTENTS)
		return; /* leak the range rather than corrupt the list */
	memmove(&ext[i + 1], &ext[i], (next - i) * sizeof *ext);
	ext[i] = (struct extent){a, b};
	next++;
}

/* Highest free range of len bytes, or 0. */
static uint64_t find_top(uint64_t len)
{
	for (int i = next - 1; i >= 0; i--)
		if (ext[i].hi - ext[i].lo >= len)
			return ext[i].hi - len;
	return 0;
}

void mem_release(uint64_t a, uint64_t b)
{
	if (b - a < RELEASE_MIN && (b <= low_top || a >= high_bottom))
		memset((void *)a, 0, b - a);
	else
		hc_syscall(__NR_madvise, a, b - a, MADV_DONTNEED, 0, 0, 0);
}

static int user_range(uint64_t a, uint64_t len)
{
	return (a & (PAGE - 1)) == 0 && user_ok(a, len);
}

SYSDEF(brk)
{
	uint64_t want = a0, cur = PAGE_UP(brk_cur), next_top = PAGE_UP(want);
	if (want < brk_start || next_top > area_hi)
		return brk_cur;
	if (next_top > cur) {
		if (!is_free(cur, next_top) || back(cur, next_top) || take(cur, next_top))
			return brk_cur;
	} else if (next_top < cur) {
		mem_release(next_top, cur);
		give(next_top, cur);
	}
	brk_cur = want;
	return brk_cur;
}

SYSDEF(mmap)
{
	uint64_t addr = a0, len = PAGE_UP(a1), prot = a2, flags = a3, off = a5;
	int fd = (int)a4;
	if (a1 == 0 || (off & (PAGE - 1)))
		return -EINVAL;
	if (len < a1) /* past the end of the address space */
		return -ENOMEM;
	if ((flags & MAP_TYPE) == 0 || (flags & MAP_TYPE) > 3)
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS) && (flags & MAP_SHARED) && (prot & PROT_WRITE)) {
		static int warned;
		if (!warned++)
			logf("uniproc: warning: writable shared file mappings are not supported");
		return -ENODEV;
	}
	int file = !(flags & MAP_ANONYMOUS);
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (!user_range(addr, len))
			return (addr & (PAGE - 1)) ? -EINVAL : -ENOMEM;
		if (!(flags & MAP_FIXED) && !is_free(addr, addr + len))
			return -EEXIST;
		if (!is_free(addr, addr + len) && !file) /* the monitor replaces a file's range */
			mem_release(addr, addr + len);
	} else if (!(addr && user_range(addr, len) && is_free(addr, addr + len))) {
		addr = find_top(len);
		if (!addr)
			return -ENOMEM;
	}
	if (back(addr, addr + len) || take(addr, addr + len))
		return -ENOMEM;
	if (file) { /* the monitor maps the file's pages there (monitor/hsys_mem.c) */
		long r = hc_syscall(__NR_mmap, addr, len, prot, flags, fd, off);
		if (r < 0) {
			give(addr, addr + len); /* left zero */
			return r;
		}
	}
	return addr;
}

SYSDEF(munmap)
{
	uint64_t addr = a0, len = PAGE_UP(a1);
	if (a1 == 0 || len < a1 || (addr & (PAGE - 1)) || addr + len < addr)
		return -EINVAL;
	if (!user_ok(addr, len))
		return 0; /* nothing of ours is mapped there */
	mem_release(addr, addr + len);
	give(addr, addr + len);
	return 0;
}

SYSDEF(mremap)
{
	uint64_t old = a0, olen = PAGE_UP(a1), nlen = PAGE_UP(a2), flags = a3;
	if ((old & (PAGE - 1)) || nlen == 0 || nlen < a2 || (flags & ~MREMAP_MAYMOVE))
		return -EINVAL;
	if (!user_range(old, olen))
		return -EFAULT;
	if (nlen <= olen) {
		mem_release(old + nlen, old + olen);
		give(old + nlen, old + olen);
		return old;
	}
	if (old + nlen > old && is_free(old + olen, old + nlen) &&
	    !back(old + olen, old + nlen) && !take(old + olen, old + nlen))
		return old;
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	uint64_t n = find_top(nlen);
	if (!n || back(n, n + nlen) || take(n, n + nlen))
		return -ENOMEM;
	memcpy((void *)n, (void *)old, olen);
	mem_release(old, old + olen);
	give(old, old + olen);
	return n;
}

SYSDEF(mprotect)
{
	if (a0 & (PAGE - 1))
		return -EINVAL;
	return user_ok(a0, a1) ? 0 : -ENOMEM; /* recorded only: see README */
}

SYSDEF(madvise)
{
	uint64_t a = a0, len = PAGE_UP(a1);
	if ((a & (PAGE - 1)) || len < a1)
		return -EINVAL;
	if (!user_ok(a, len))
		return -ENOMEM;
	if (a2 == MADV_DONTNEED && len)
		mem_release(a, a + len);
	return 0;
}

/* Pages in use: the program's range less the free set. Every page in use
   reports resident (the host backs it on first touch). */
SYSDEF(mincore)
{
	uint64_t a = a0, len = PAGE_UP(a1);
	if (a & (PAGE - 1))
		return -EINVAL;
	if (len < a1 || !user_ok(a, len))
		return -ENOMEM;
	for (int i = 0; i < next; i++)
		if (ext[i].lo < a + len && ext[i].hi > a)
			return -ENOMEM;
	uint64_t n = len / PAGE;
	if (!user_ok(a2, n))
		return -EFAULT;
	memset((void *)a2, 1, n);
	return 0;
}
