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
#define MAX_EXTENTS UP_MEMVIEW_MAX
#define RELEASE_MIN (64 << 10) /* below this, clearing beats an exit */

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_TYPE 0x0f
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED_NOREPLACE 0x100000
#define MAP_STACK 0x20000
#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define PROT_RW 0x3
#define PROT_MASK 0x7
#define PROT_GROWSDOWN 0x01000000
#define PROT_GROWSUP 0x02000000
#define CHUNK (2ull << 20)
#define MAX_CHUNKS (64ull * 512) /* 64 GiB of guest memory */
#define CHUNKS_PER_CALL UP_MMU_QUEUE_MAX /* page-directory stores the monitor can queue */
#define MREMAP_MAYMOVE 1
#define MADV_DONTNEED 4
#define MADV_REMOVE 9
#define MADV_HUGEPAGE 14
#define MADV_NOHUGEPAGE 15
#define MS_ASYNC 1
#define MS_INVALIDATE 2
#define MS_SYNC 4

static void set_present(uint64_t a, uint64_t b);

/* Taken around every memory syscall (syscall.c): threads share this state. */
struct lock mem_lock;

/* The state, where the monitor can read it (/proc/self/maps). */
struct up_memview mem_view;
#define extent up_extent
#define ext mem_view.free      /* free extents, sorted by address */
#define next mem_view.nfree    /* number of extents in use */
#define area_lo mem_view.area_lo /* the managed area */
#define area_hi mem_view.area_hi
#define brk_start mem_view.brk_start
#define brk_cur mem_view.brk_cur
static uint64_t low_top, high_bottom; /* backed: [0, low_top), [high_bottom, end) */
/* Bit c: 2 MiB chunk c may hold pages that are not plain read-write (the
   program's image, mprotect, mmap with other protections). Free pages are
   always plain read-write: releasing in a marked chunk asks the monitor. */
static uint64_t marked[MAX_CHUNKS / 64];

static void mark(uint64_t a, uint64_t b)
{
	for (uint64_t c = a / CHUNK; c <= (b - 1) / CHUNK && c < MAX_CHUNKS; c++)
		marked[c / 64] |= 1ull << (c % 64);
}

static int any_marked(uint64_t a, uint64_t b)
{
	for (uint64_t c = a / CHUNK; c <= (b - 1) / CHUNK && c < MAX_CHUNKS; c++)
		if (marked[c / 64] & (1ull << (c % 64)))
			return 1;
	return 0;
}

void mem_init(void)
{
	brk_start = brk_cur = boot_info.brk;
	area_lo = PAGE_UP(boot_info.brk);
	area_hi = boot_info.mmap_top;
	ext[0] = (struct extent){area_lo, area_hi};
	next = 1;
	low_top = boot_info.low_top;
	high_bottom = boot_info.high_bottom;
	set_present(0, low_top); /* what the monitor mapped at boot */
	set_present(high_bottom, boot_info.mem_size);
	mark(UP_USER_BASE, area_lo);             /* the program */
	mark(area_hi, boot_info.mem_size);       /* its interpreter, the stack */
}

/* Make sure the host backs [a, b) before the program may touch it. */
/* Bit c: 2 MiB chunk c is mapped in the page tables. Memory we never gave
   out is not, so a stray access faults (SIGSEGV) instead of reaching
   memory with no host memory behind it. */
static uint64_t present[MAX_CHUNKS / 64];
#define BACK_GRAIN (8ull << 20) /* ask for this much at a time */

static int all_present(uint64_t a, uint64_t b)
{
	for (uint64_t c = a / CHUNK; c <= (b - 1) / CHUNK && c < MAX_CHUNKS; c++)
		if (!(present[c / 64] & (1ull << (c % 64))))
			return 0;
	return 1;
}

static void set_present(uint64_t a, uint64_t b)
{
	for (uint64_t c = a / CHUNK; c <= (b - 1) / CHUNK && c < MAX_CHUNKS; c++)
		present[c / 64] |= 1ull << (c % 64);
}

/* Make sure the host backs [a, b) and the page tables map it before the
   program may touch it: the monitor does both, a bounded number of chunks
   per call (its queue of page-directory stores). */
static int back(uint64_t a, uint64_t b)
{
	if (all_present(a, b))
		return 0;
	a &= ~(BACK_GRAIN - 1);
	b = (b + BACK_GRAIN - 1) & ~(BACK_GRAIN - 1);
	a = a < UP_USER_BASE ? UP_USER_BASE : a;
	b = b > boot_info.mem_size ? boot_info.mem_size : b;
	while (a < b) {
		uint64_t end = a + CHUNKS_PER_CALL * CHUNK < b ? a + CHUNKS_PER_CALL * CHUNK : b;
		if (!all_present(a, end)) {
			if (hc_memory(a, end, &low_top, &high_bottom))
				return -ENOMEM;
			set_present(a, end);
		}
		a = end;
	}
	return 0;
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
	if (b - a < RELEASE_MIN && (b <= low_top || a >= high_bottom) && !any_marked(a, b))
		memset((void *)a, 0, b - a);
	else /* fresh pages from the monitor (monitor/hsys_mem.c) */
		hc_syscall(__NR_munmap, a, b - a, 0, 0, 0, 0);
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

/* Protections of [a, b) become prot, by the monitor, a bounded number of
   2 MiB chunks at a time. */
static long protect(uint64_t a, uint64_t b, int prot)
{
	while (a < b) {
		uint64_t end = (a / CHUNK + CHUNKS_PER_CALL) * CHUNK;
		end = end < b ? end : b;
		long r = hc_syscall(__NR_mprotect, a, end - a, prot, 0, 0, 0);
		if (r < 0)
			return r;
		a = end;
	}
	return 0;
}

/* Lock-free, for pointers the program passes (lib.c user_mem): a racing
   munmap of the same memory makes the answer either one, as on Linux. */
int mem_freed(uint64_t a, uint64_t n)
{
	int nfree = __atomic_load_n(&next, __ATOMIC_RELAXED), lo = 0, hi = nfree;
	if (nfree < 0 || nfree > MAX_EXTENTS)
		return 0;
	while (lo < hi) { /* the first extent that ends past a */
		int mid = (lo + hi) / 2;
		if (ext[mid].hi <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nfree && ext[lo].lo < a + n;
}

/* Does any free extent meet [a, b)? */
static int meets_free(uint64_t a, uint64_t b)
{
	for (int i = 0; i < next; i++)
		if (ext[i].lo < b && ext[i].hi > a)
			return 1;
	return 0;
}

/*
 * Transparent huge pages for a big read-write anonymous mapping (a sort's
 * buffers, a big malloc): a page's first touch costs ~12 us here (a shadow
 * paging fault, 3.4 natively), a 2 MiB page's about the same but once, so
 * memory touched all over costs ~3 us a page (bench/run.sh: sort). One
 * exit per such mapping; a small one, a reservation (PROT_NONE) or a
 * thread's stack (MAP_STACK, as Linux 6.7 leaves stacks out) is left as it
 * is, so a small program's memory stays small. The program's own
 * MADV_HUGEPAGE and MADV_NOHUGEPAGE reach the host too (madvise, below).
 */
#define THP_MIN (8ull << 20)
static void huge(uint64_t a, uint64_t b)
{
	a = (a + (2ull << 20) - 1) & ~((2ull << 20) - 1);
	b &= ~((2ull << 20) - 1);
	if (a < b)
		hc_syscall(__NR_madvise, a, b - a, MADV_HUGEPAGE, 0, 0, 0);
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
	/* A file's or shared memory's pages: the monitor puts them there. */
	int file = !(flags & MAP_ANONYMOUS) || (flags & MAP_TYPE) != MAP_PRIVATE;
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
	if ((prot & PROT_MASK) != PROT_RW || file) /* the monitor must see it go */
		mark(addr, addr + len);
	if (!file && (prot & PROT_MASK) != PROT_RW) {
		long r = protect(addr, addr + len, prot & PROT_MASK);
		if (r < 0) {
			mem_release(addr, addr + len);
			give(addr, addr + len);
			return r;
		}
	}
	if (file) { /* monitor/hsys_mem.c */
		long r = hc_syscall(__NR_mmap, addr, len, prot, flags, fd, off);
		if (r < 0) {
			give(addr, addr + len); /* left zero */
			return r;
		}
	}
	if (!file && (prot & PROT_MASK) == PROT_RW && len >= THP_MIN && !(flags & MAP_STACK))
		huge(addr, addr + len);
	return addr;
}

SYSDEF(munmap)
{
	uint64_t addr = a0, len = PAGE_UP(a1);
	if (a1 == 0 || len < a1 || (addr & (PAGE - 1)) || addr + len < addr)
		return -EINVAL;
	if (!user_ok(addr, len))
		return 0; /* nothing of ours is mapped there */
	/* A thread may unmap the stack it stands on (musl's __unmapself, then
	   exit without touching it): from a rewritten site, whose return
	   address is on that stack, return without it (entry.S). */
	struct up_thread *t = self();
	uint64_t sp = t->saved_rsp;
	if (sp >= addr && sp < addr + len) {
		if (t->via_call)
			t->ret_override = *(uint64_t *)sp;
		/* Its next syscall, from a rewritten site, still pushes there:
		   the pages just below sp go when the thread exits. */
		uint64_t lo = (sp - 256) & ~(PAGE - 1), hi = PAGE_UP(sp + 8);
		lo = lo < addr ? addr : lo;
		hi = hi > addr + len ? addr + len : hi;
		t->unmap_lo = lo;
		t->unmap_hi = hi;
		if (addr < lo) {
			mem_release(addr, lo);
			give(addr, lo);
		}
		if (hi < addr + len) {
			mem_release(hi, addr + len);
			give(hi, addr + len);
		}
		return 0;
	}
	mem_release(addr, addr + len);
	give(addr, addr + len);
	return 0;
}

/* A thread that unmapped the pages its stack pointer was on ends: they go now. */
void mem_thread_exit(void)
{
	struct up_thread *t = self();
	if (t->unmap_hi > t->unmap_lo) {
		lock_take(&mem_lock);
		mem_release(t->unmap_lo, t->unmap_hi);
		give(t->unmap_lo, t->unmap_hi);
		lock_give(&mem_lock);
		t->unmap_lo = t->unmap_hi = 0;
	}
}

/*
 * mremap(2). Private anonymous memory grows in place or moves by a copy; a
 * file or shared mapping moves by the monitor, so it stays what it was
 * (its protections come along).
 */
SYSDEF(mremap)
{
	uint64_t old = a0, olen = PAGE_UP(a1), nlen = PAGE_UP(a2), flags = a3;
	if ((old & (PAGE - 1)) || nlen == 0 || nlen < a2 || (flags & ~MREMAP_MAYMOVE))
		return -EINVAL;
	if (!user_range(old, olen) || !olen)
		return -EFAULT;
	if (nlen <= olen) {
		mem_release(old + nlen, old + olen);
		give(old + nlen, old + olen);
		return old;
	}
	int host = any_marked(old, old + olen);
	if (!host && old + nlen > old && is_free(old + olen, old + nlen) &&
	    !back(old + olen, old + nlen) && !take(old + olen, old + nlen))
		return old;
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	uint64_t n = find_top(nlen);
	if (!n || back(n, n + nlen) || take(n, n + nlen))
		return -ENOMEM;
	if (host) {
		mark(n, n + nlen);
		long r = hc_syscall(__NR_mremap, old, olen, nlen, flags, n, 0);
		if (r < 0) {
			give(n, n + nlen);
			return r;
		}
		give(old, old + olen);
		return n;
	}
	memcpy((void *)n, (void *)old, olen);
	mem_release(old, old + olen);
	give(old, old + olen);
	return n;
}

/* Enforced in the guest's page tables, which the monitor keeps (monitor/mmu.c). */
SYSDEF(mprotect)
{
	uint64_t a = a0, len = PAGE_UP(a1);
	if ((a & (PAGE - 1)) || len < a1 || (a2 & ~(uint64_t)(PROT_MASK | PROT_GROWSDOWN | PROT_GROWSUP)))
		return -EINVAL;
	if (!len)
		return 0;
	if (!user_ok(a, len) || meets_free(a, a + len))
		return -ENOMEM;
	int prot = (int)(a2 & PROT_MASK);
	if (prot == PROT_RW && !any_marked(a, a + len))
		return 0; /* plain read-write already */
	mark(a, a + len);
	return protect(a, a + len, prot);
}

/* MADV_DONTNEED of plain anonymous memory zeroes it here; of a file's or
   shared memory's pages (or where protections differ) the host does it. */
SYSDEF(madvise)
{
	uint64_t a = a0, len = PAGE_UP(a1);
	if ((a & (PAGE - 1)) || len < a1)
		return -EINVAL;
	if (!user_ok(a, len) || (len && meets_free(a, a + len)))
		return -ENOMEM; /* Linux: part of it is not mapped */
	if ((a2 == MADV_HUGEPAGE || a2 == MADV_NOHUGEPAGE) && len)
		return hc_syscall(__NR_madvise, a, len, a2, 0, 0, 0);
	if ((a2 != MADV_DONTNEED && a2 != MADV_REMOVE) || !len)
		return 0;
	if (any_marked(a, a + len))
		return hc_syscall(__NR_madvise, a, len, a2, 0, 0, 0);
	if (a2 == MADV_REMOVE)
		return -EINVAL; /* private anonymous memory */
	mem_release(a, a + len);
	return 0;
}

SYSDEF(msync)
{
	uint64_t a = a0, len = PAGE_UP(a1);
	if ((a & (PAGE - 1)) || len < a1 || (a2 & ~(uint64_t)(MS_ASYNC | MS_SYNC | MS_INVALIDATE)) ||
	    ((a2 & MS_ASYNC) && (a2 & MS_SYNC)))
		return -EINVAL;
	if (!len)
		return 0;
	if (!user_ok(a, len) || meets_free(a, a + len))
		return -ENOMEM;
	return any_marked(a, a + len) ? hc_syscall(__NR_msync, a, len, a2, 0, 0, 0) : 0;
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
	uint8_t ones[64];
	memset(ones, 1, sizeof ones);
	if (!user_mem(a2, n))
		return -EFAULT;
	for (uint64_t i = 0; i < n; i += sizeof ones)
		if (put_user(a2 + i, ones, n - i < sizeof ones ? n - i : sizeof ones))
			return -EFAULT;
	return 0;
}

#define SHM_RDONLY 010000
#define SHM_RND 020000
#define SHM_REMAP 040000
#define SHMLBA PAGE

/* shmat(2): we choose where (or check the caller's place), the monitor
   attaches the host's segment there (monitor/hsys_ipc.c). */
SYSDEF(shmat)
{
	uint64_t addr = a1, flg = a2;
	long size = hc_syscall(__NR_shmat, a0, 0, UP_SHMAT_QUERY, 0, 0, 0);
	if (size <= 0)
		return size < 0 ? size : -EINVAL;
	if (addr && (flg & SHM_RND))
		addr &= ~(SHMLBA - 1);
	if (addr) {
		if ((addr & (PAGE - 1)) || !user_range(addr, size))
			return -EINVAL;
		if (!is_free(addr, addr + size)) {
			if (!(flg & SHM_REMAP))
				return -EINVAL;
			mem_release(addr, addr + size);
		}
	} else if (!(addr = find_top(size)))
		return -ENOMEM;
	if (back(addr, addr + size) || take(addr, addr + size))
		return -ENOMEM;
	mark(addr, addr + size);
	long r = hc_syscall(__NR_shmat, a0, addr, flg & ~(uint64_t)UP_SHMAT_QUERY, 0, 0, 0);
	if (r < 0)
		give(addr, addr + size);
	return r;
}

SYSDEF(shmdt)
{
	long size = hc_syscall(__NR_shmdt, a0, 0, 0, 0, 0, 0);
	if (size < 0)
		return size;
	give(a0, a0 + size);
	return 0;
}
