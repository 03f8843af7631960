/*
 * Guest page tables: the identity map of guest memory, with each page's
 * protection. CPL3 (the program and the library OS) never reaches them.
 *
 * Memory is mapped in 2 MiB pages, one protection each (read-write,
 * no-execute by default, as anonymous memory on Linux). A chunk whose 4 KiB
 * pages differ is split: its page table sits at UP_PT_BASE + 4096 * chunk,
 * in a memory slot of its own that no virtual address maps.
 *
 * Where KVM shadows these tables (this host's PVM), it does not see the
 * monitor's writes, so two rules keep its shadow right once the guest has
 * run:
 *  - a page-directory entry (a split, or a 2 MiB page's protection) is
 *    stored by the guest: we queue the store in the calling vCPU's page of
 *    UP_CPU_AREA and the library OS's mmu_sync traps to CPL0 to make it
 *    (guest/entry.S bp_stub), so KVM drops its shadow of the old entry (on
 *    every vCPU); the library OS changes its memory map one thread at a
 *    time, so one queue is in use at a time;
 *  - a 4 KiB entry we write ourselves, then make the host drop KVM's
 *    translations of those pages (an mprotect round trip on their host
 *    mapping fires KVM's MMU notifier); the next access walks the new entry.
 * Before the first run (boot, exec) there is no shadow: we write freely.
 *
 * Where the CPU walks the tables itself (EPT, NPT: vm->tdp), it reads the
 * monitor's writes at once, but each vCPU's TLB keeps what it cached, and a
 * guest store would not drop that either: we write every entry ourselves and
 * drop the translations of a chunk whose directory entry changed, which
 * flushes every vCPU's TLB. A right given is seen by the next access, or
 * after one stale page fault, which hcall.c's hc_fault runs again.
 */
#include <err.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "monitor.h"

#define PML4 0x1000
#define PDPT 0x2000
#define PD0 0x10000 /* one page directory per GiB: chunk c's entry at PD0 + 8c */
#define HC_PD 0x8000 /* the hypercall page, at UP_HC_MMIO_BASE */
#define HC_PT 0x9000
#define RING_PD 0xb000 /* the pipe ring window, at UP_RING_BASE */

#define PTE_P 0x1ull
#define PTE_W 0x2ull
#define PTE_U 0x4ull
#define PTE_PS 0x80ull
#define PTE_NX (1ull << 63)
#define PTE_NONE (1ull << 9) /* not present, but mapped PROT_NONE (ours: the CPU ignores it) */
#define PAGE 4096ull
#define CHUNK (2ull << 20)
#define DEFAULT_BITS (PTE_P | PTE_W | PTE_U | PTE_NX)

static uint64_t *sys_u64(struct vm *vm, uint64_t gpa)
{
	return (uint64_t *)(vm->mem + gpa);
}

static uint64_t *pde(struct vm *vm, uint64_t chunk)
{
	return sys_u64(vm, PD0 + 8 * chunk);
}

static uint64_t *pte(struct vm *vm, uint64_t gpa)
{
	return (uint64_t *)(vm->pts + (gpa >> 12) * 8);
}

/* Entry bits for mmap's prot (PROT_NONE: not present, marked). */
static uint64_t bits_of(int prot)
{
	if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return PTE_NONE;
	return PTE_P | PTE_U | ((prot & PROT_WRITE) ? PTE_W : 0) | ((prot & PROT_EXEC) ? 0 : PTE_NX);
}

/* Does going from entry bits old to new take a right away? */
static int narrows(uint64_t old, uint64_t new)
{
	if (!(old & PTE_P))
		return 0;
	return !(new & PTE_P) || ((old & PTE_W) && !(new & PTE_W)) ||
	       (!(old & PTE_NX) && (new & PTE_NX));
}

static int is_split(const struct vm *vm, uint64_t chunk)
{
	return (vm->split[chunk / 64] >> (chunk % 64)) & 1;
}

/* Queue the guest's store of value to guest address addr; -ENOSPC if full. */
static int queue(struct vm *vm, uint64_t addr, uint64_t value)
{
	uint64_t *q = sys_u64(vm, UP_CPU_AREA + 4096ull * vcpu->idx);
	int n = 0;
	while (n < UP_MMU_QUEUE_MAX && q[2 * n])
		n++;
	if (n == UP_MMU_QUEUE_MAX)
		return -ENOSPC;
	q[2 * n] = addr;
	q[2 * n + 1] = value;
	q[2 * n + 2] = 0;
	return 0;
}

/* Drop KVM's translations of host pages [lo, hi) of guest memory: taking
   write access away and back fires KVM's MMU notifier. A SysV segment
   attached read-only is read-only on the host, and stays so. */
static void drop_translations(struct vm *vm, uint64_t lo, uint64_t hi)
{
	__atomic_add_fetch(&vm->drops, 1, __ATOMIC_SEQ_CST);
	if (mprotect(vm->mem + lo, hi - lo, PROT_READ) < 0)
		err(1, "mmu: dropping translations of [0x%llx, 0x%llx)", (unsigned long long)lo,
		    (unsigned long long)hi);
	for (uint64_t a = lo; a < hi;) {
		const struct fmap *m = fmap_next(a);
		if (m && m->lo > a) { /* no file mapping up to m */
			uint64_t end = m->lo < hi ? m->lo : hi;
			if (mprotect(vm->mem + a, end - a, PROT_READ | PROT_WRITE) < 0)
				err(1, "mmu: restoring access to [0x%llx, 0x%llx)",
				    (unsigned long long)a, (unsigned long long)end);
			a = end;
			continue;
		}
		uint64_t end = m ? (m->hi < hi ? m->hi : hi) : hi;
		if (!(m && FMAP_HOST_RO(m)) &&
		    mprotect(vm->mem + a, end - a, PROT_READ | PROT_WRITE) < 0)
			err(1, "mmu: restoring access to [0x%llx, 0x%llx)", (unsigned long long)a,
			    (unsigned long long)end);
		a = end;
	}
	__atomic_add_fetch(&vm->drops, 1, __ATOMIC_SEQ_CST);
}

/* Set chunk's directory entry: directly before the first run, or where the
   CPU walks the tables (dropping the old translations); else queued, and 1.
   (A queued entry is in memory only once the guest stores it: until then
   *pde still reads the old one.) */
static int set_pde(struct vm *vm, uint64_t chunk, uint64_t value, int live)
{
	if (live && !vm->tdp)
		return queue(vm, PD0 + 8 * chunk, value) < 0 ? -ENOSPC : 1;
	uint64_t old = *pde(vm, chunk);
	*pde(vm, chunk) = value;
	if (live && (old & PTE_P) && old != value)
		drop_translations(vm, chunk * CHUNK, (chunk + 1) * CHUNK);
	return 0;
}

/* The entry bits of [lo, hi) within one chunk become b (supervisor: no U). */
static int protect_chunk(struct vm *vm, uint64_t lo, uint64_t hi, uint64_t b, int live, int *queued)
{
	uint64_t c = lo / CHUNK, base = c * CHUNK;
	uint64_t old = *pde(vm, c);
	if (!is_split(vm, c) && lo == base && hi == base + CHUNK) { /* the whole 2 MiB page */
		uint64_t v = b & PTE_P ? base | b | PTE_PS : b ? base | b : 0;
		if (v == old)
			return 0;
		int r = set_pde(vm, c, v, live);
		if (r < 0)
			return r;
		*queued += r;
		return 0;
	}
	if (!is_split(vm, c)) { /* a table that says what the 2 MiB page said */
		uint64_t keep = old & (PTE_P | PTE_W | PTE_U | PTE_NX | PTE_NONE);
		for (uint64_t a = base; a < base + CHUNK; a += PAGE)
			*pte(vm, a) = keep ? a | keep : 0;
		for (uint64_t a = lo; a < hi; a += PAGE) /* unused until the entry is set */
			*pte(vm, a) = b ? a | b : 0;
		int r = set_pde(vm, c, (UP_PT_BASE + c * PAGE) | PTE_P | PTE_W | PTE_U, live);
		if (r < 0)
			return r;
		*queued += r;
		vm->split[c / 64] |= 1ull << (c % 64);
		return 0; /* the new entry's store drops the old translations */
	}
	int drop = 0;
	for (uint64_t a = lo; a < hi; a += PAGE) {
		uint64_t *e = pte(vm, a), v = b ? a | b : 0;
		drop |= narrows(*e, v);
		*e = v;
	}
	if (drop && live)
		drop_translations(vm, lo, hi);
	return 0;
}

/* Give [lo, hi) entry bits b; returns the stores queued, or -ENOSPC. */
static int protect_bits(struct vm *vm, uint64_t lo, uint64_t hi, uint64_t b, int live)
{
	int queued = 0;
	for (uint64_t a = lo; a < hi;) {
		uint64_t end = (a / CHUNK + 1) * CHUNK;
		end = end < hi ? end : hi;
		int r = protect_chunk(vm, a, end, b, live, &queued);
		if (r < 0)
			return r;
		a = end;
	}
	return queued;
}

int mmu_present(struct vm *vm, uint64_t lo, uint64_t hi)
{
	int n = 0;
	for (uint64_t c = lo / CHUNK; c < (hi + CHUNK - 1) / CHUNK && c < vm->mem_size / CHUNK; c++)
		n += !is_split(vm, c) && !*pde(vm, c);
	if (n > UP_MMU_QUEUE_MAX && !vm->tdp)
		return -ENOSPC;
	int queued = 0;
	for (uint64_t c = lo / CHUNK; n && c < (hi + CHUNK - 1) / CHUNK && c < vm->mem_size / CHUNK; c++)
		if (!is_split(vm, c) && !*pde(vm, c)) {
			int r = set_pde(vm, c, c * CHUNK | DEFAULT_BITS | PTE_PS, 1);
			if (r < 0)
				return r;
			queued += r;
		}
	return queued;
}

int mmu_protect(struct vm *vm, uint64_t lo, uint64_t hi, int prot, int live)
{
	if (lo >= hi || (lo | hi) % PAGE || lo < UP_USER_BASE || hi > vm->mem_size)
		return -EINVAL;
	uint64_t chunks = 0; /* a call may need at most the queue's room */
	for (uint64_t c = lo / CHUNK; c <= (hi - 1) / CHUNK; c++)
		chunks += !is_split(vm, c);
	if (live && !vm->tdp && chunks > UP_MMU_QUEUE_MAX)
		return -ENOSPC;
	return protect_bits(vm, lo, hi, bits_of(prot), live);
}

void mmu_build(struct proc *p)
{
	struct vm *vm = &p->vm;
	uint64_t gib = (vm->mem_size + (1ull << 30) - 1) >> 30;
	if (gib > UP_MAX_GIB)
		errx(1, "mmu: at most %d GiB of guest memory", UP_MAX_GIB);
	memset(vm->split, 0, sizeof vm->split);
	sys_u64(vm, PML4)[0] = PDPT | PTE_P | PTE_W | PTE_U;
	for (uint64_t g = 0; g < gib; g++)
		sys_u64(vm, PDPT)[g] = (PD0 + g * PAGE) | PTE_P | PTE_W | PTE_U;
	for (uint64_t c = 0; c < vm->mem_size / CHUNK; c++) /* backed memory only */
		*pde(vm, c) = c * CHUNK < vm->low_top || c * CHUNK >= vm->high_bottom
				      ? c * CHUNK | DEFAULT_BITS | PTE_PS
				      : 0;
	/* The first 2 MiB: page 0 absent, the system area (page tables, GDT,
	   IDT, TSS) for CPL0 only, the library OS's code read-only. */
	protect_bits(vm, 0, PAGE, 0, 0);
	protect_bits(vm, PAGE, UP_LIBOS_BASE, PTE_P | PTE_W, 0);
	protect_bits(vm, UP_LIBOS_BASE, p->libos.text_end, bits_of(PROT_READ | PROT_EXEC), 0);
	protect_bits(vm, p->libos.stub_pool, p->libos.stub_pool + p->libos.stub_pool_size,
		     bits_of(PROT_READ | PROT_EXEC), 0);
	/* Past guest memory, in the same 512 GiB (abi.h): the doorbell page,
	   mapped but with no memory slot behind it, and the pipe ring window,
	   2 MiB pages backed only where a ring is. */
	_Static_assert(UP_HC_MMIO_BASE >> 30 >= UP_MAX_GIB && UP_HC_MMIO_BASE % (1ull << 30) == 0 &&
			       UP_RING_BASE % (1ull << 30) == 0 && UP_RING_BASE > UP_HC_MMIO_BASE &&
			       UP_PT_BASE > UP_RING_BASE && UP_PT_BASE < 1ull << UP_PHYS_BITS,
		       "the layout of abi.h");
	_Static_assert(UP_RING_MAX * UP_RING_STRIDE <= (1ull << 30), "one page directory");
	sys_u64(vm, PDPT)[UP_HC_MMIO_BASE >> 30] = HC_PD | PTE_P | PTE_W | PTE_U;
	sys_u64(vm, HC_PD)[0] = HC_PT | PTE_P | PTE_W | PTE_U;
	sys_u64(vm, HC_PT)[0] = UP_HC_MMIO_BASE | PTE_P | PTE_W | PTE_U | PTE_NX;
	sys_u64(vm, HC_PT)[1] = UP_RUN_PAGE | PTE_P | PTE_U | PTE_NX; /* read-only */
	sys_u64(vm, PDPT)[UP_RING_BASE >> 30] = RING_PD | PTE_P | PTE_W | PTE_U;
	for (uint64_t i = 0; i < UP_RING_MAX; i++)
		sys_u64(vm, RING_PD)[i] = (UP_RING_BASE + i * UP_RING_STRIDE) | PTE_P | PTE_W |
					  PTE_U | PTE_PS | PTE_NX;
}

int mmu_prot_none(struct vm *vm, uint64_t addr)
{
	if (addr >= vm->mem_size)
		return 0;
	uint64_t e = is_split(vm, addr / CHUNK) ? *pte(vm, addr & ~(PAGE - 1)) : *pde(vm, addr / CHUNK);
	return !(e & PTE_P) && (e & PTE_NONE);
}

int mmu_prot(struct vm *vm, uint64_t addr)
{
	uint64_t e = is_split(vm, addr / CHUNK) ? *pte(vm, addr & ~(PAGE - 1)) : *pde(vm, addr / CHUNK);
	if (!(e & PTE_P))
		return 0;
	return PROT_READ | ((e & PTE_W) ? PROT_WRITE : 0) | ((e & PTE_NX) ? 0 : PROT_EXEC);
}

int mmu_allows(struct vm *vm, uint64_t addr, uint64_t pf_error)
{
	if (addr >= vm->mem_size || (pf_error & 8)) /* 8: a reserved bit was set */
		return 0;
	uint64_t e = is_split(vm, addr / CHUNK) ? *pte(vm, addr & ~(PAGE - 1)) : *pde(vm, addr / CHUNK);
	uint64_t need = PTE_P | PTE_U | (pf_error & 2 ? PTE_W : 0);
	return (e & need) == need && !((pf_error & 16) && (e & PTE_NX));
}

uint64_t mmu_access_len(struct vm *vm, uint64_t lo, uint64_t len, int prot)
{
	uint64_t need = PTE_P | PTE_U | (prot & PROT_WRITE ? PTE_W : 0), a = lo;
	while (a < lo + len && a < vm->mem_size) {
		uint64_t c = a / CHUNK, e, next;
		if (is_split(vm, c)) {
			e = *pte(vm, a & ~(PAGE - 1));
			next = (a & ~(PAGE - 1)) + PAGE;
		} else {
			e = *pde(vm, c);
			next = (c + 1) * CHUNK;
		}
		if ((e & need) != need)
			break;
		a = next;
	}
	uint64_t n = a > lo + len ? len : a - lo;
	/* The host's side too: whatever the guest's tables say, a store of
	   the monitor where its own mapping is read-only would fault. */
	return prot & PROT_WRITE ? fmap_host_writable(lo, n) : n;
}

void mmu_boot_protect(struct vm *vm, uint64_t lo, uint64_t hi, int prot)
{
	lo &= ~(PAGE - 1);
	hi = (hi + PAGE - 1) & ~(PAGE - 1);
	if (lo < hi)
		protect_bits(vm, lo, hi, bits_of(prot), 0);
}
