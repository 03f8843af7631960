/*
 * x86-64 boot state, built by the monitor so the guest runs no set-up code
 * in ring 0: identity page tables, GDT, IDT and TSS in the system area, and
 * registers that start the vCPU at CPL3 in 64-bit mode.
 */
#include <cpuid.h>
#include <err.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "monitor.h"

/* System area layout (guest-physical), all below UP_LIBOS_BASE; the page
   tables are mmu.c's (0x1000-0x3fff, 0x8000-0xbfff, 0x10000-), each vCPU's
   queue, TSS and exception stack at UP_CPU_AREA (abi.h). */
#define PML4 0x1000
#define GDT 0x4000
#define IDT 0x5000
#define CPU_PAGE(idx) (UP_CPU_AREA + 4096ull * (idx))

#define NVEC 32
#define TSS_LIMIT 0x67 /* no I/O bitmap: CPL3 reaches no port */

static uint64_t *sys_u64(struct proc *p, uint64_t gpa)
{
	return (uint64_t *)(p->vm.mem + gpa);
}

static void descriptor_tables(struct proc *p)
{
	uint64_t *gdt = sys_u64(p, GDT);
	gdt[UP_SEL_KCODE / 8] = 0x00af9a000000ffffull; /* 64-bit code, DPL0 */
	gdt[UP_SEL_KDATA / 8] = 0x00cf92000000ffffull;
	gdt[UP_SEL_UDATA / 8] = 0x00cff2000000ffffull; /* data, DPL3 */
	gdt[UP_SEL_UCODE / 8] = 0x00affa000000ffffull; /* 64-bit code, DPL3 */
	uint64_t tss = CPU_PAGE(0) + UP_CPU_TSS, lim = TSS_LIMIT;
	gdt[UP_SEL_TSS / 8] = lim | (tss & 0xffffff) << 16 | 0x89ull << 40 |
			      ((tss >> 24) & 0xff) << 56;
	gdt[UP_SEL_TSS / 8 + 1] = tss >> 32;


	/* Interrupt gates to the library OS's CPL0 exception stubs; CPL3 may
	   raise only the breakpoint (int3: mmu_sync, or the program's). */
	uint64_t *idt = sys_u64(p, IDT);
	for (int v = 0; v < NVEC; v++) {
		uint64_t off = p->libos.exc_stubs + v * p->libos.exc_stride;
		uint64_t type = v == 3 ? 0xee : 0x8e; /* DPL 3 : 0 */
		idt[2 * v] = (off & 0xffff) | (uint64_t)UP_SEL_KCODE << 16 |
			     type << 40 | ((off >> 16) & 0xffff) << 48;
		idt[2 * v + 1] = off >> 32;
	}
}

/* vCPU idx's 64-bit TSS, in its page: RSP0 (offset 4) is the page's end,
   so its exception stack's page starts with its queue (abi.h); the I/O
   bitmap offset lies past the limit. Its TR. */
static struct kvm_segment tss_setup(struct proc *p, int idx)
{
	uint8_t *page = p->vm.mem + CPU_PAGE(idx);
	memset(page, 0, 4096);
	uint64_t rsp0 = CPU_PAGE(idx) + 4096;
	memcpy(page + UP_CPU_TSS + 4, &rsp0, 8);
	uint16_t iomap = 0x68;
	memcpy(page + UP_CPU_TSS + 102, &iomap, 2);
	return (struct kvm_segment){.base = CPU_PAGE(idx) + UP_CPU_TSS, .limit = TSS_LIMIT,
				    .selector = UP_SEL_TSS, .type = 0xb, .present = 1};
}

static void seg(struct kvm_segment *s, uint16_t sel, int code)
{
	*s = (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel,
		.type = code ? 0xb : 0x3, .present = 1, .dpl = sel & 3,
		.db = !code, .s = 1, .l = code, .g = 1,
	};
}

static void set_msrs(struct proc *p)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[4];
	} m = {.hdr.nmsrs = 4};
	m.e[0] = (struct kvm_msr_entry){.index = 0xc0000082, .data = p->libos.syscall_trap}; /* LSTAR */
	m.e[1] = (struct kvm_msr_entry){.index = 0xc0000081, .data = (uint64_t)UP_SEL_KCODE << 32}; /* STAR */
	m.e[2] = (struct kvm_msr_entry){.index = 0xc0000084, .data = 0x47700}; /* SFMASK: TF DF IF NT AC IOPL */
	m.e[3] = (struct kvm_msr_entry){.index = 0xc0000102, .data = 0}; /* KERNEL_GS_BASE */
	if (ioctl(vcpu->fd, KVM_SET_MSRS, &m) != 4)
		err(1, "x86_64: KVM_SET_MSRS");
}

/* The host's CPUID as KVM supports it; asked once, inherited by forks.
   A vCPU keeps its CPUID across execve (KVM refuses to change it once run). */
static struct kvm_cpuid2 *c;

static void set_cpuid(struct proc *p)
{
	if (vcpu->has_cpuid)
		return;
	vcpu->has_cpuid = 1;
	if (!c) {
		int n = 128;
		c = calloc(1, sizeof *c + n * sizeof c->entries[0]);
		c->nent = n;
		if (ioctl(p->vm.kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0)
			err(1, "x86_64: KVM_GET_SUPPORTED_CPUID");
	}
	if (ioctl(vcpu->fd, KVM_SET_CPUID2, c) < 0)
		err(1, "x86_64: KVM_SET_CPUID2");
}

/* Enable in XCR0 the state components the host enables (x87, SSE, AVX, ...)
   and KVM gives guests (CPUID leaf 0xd: a host's MPX state, say, it may
   not), so that what CPUID says (AVX2) works. After set_cpuid. */
static void set_xcr0(struct proc *p)
{
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	uint64_t kvm = ~0ull;
	for (uint32_t i = 0; c && i < c->nent; i++)
		if (c->entries[i].function == 0xd && c->entries[i].index == 0)
			kvm = (uint64_t)c->entries[i].edx << 32 | c->entries[i].eax;
	struct kvm_xcrs x = {.nr_xcrs = 1};
	x.xcrs[0].xcr = 0;
	x.xcrs[0].value = ((uint64_t)hi << 32 | lo) & kvm & ~(1ull << 9); /* no PKRU */
	if (ioctl(vcpu->fd, KVM_SET_XCRS, &x) < 0) {
		x.xcrs[0].value = 3; /* x87 and SSE */
		if (ioctl(vcpu->fd, KVM_SET_XCRS, &x) < 0)
			err(1, "x86_64: KVM_SET_XCRS");
	}
}

struct arch_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xsave xsave;
	struct kvm_xcrs xcrs;
};

struct arch_state *arch_save(struct proc *p)
{
	struct arch_state *st = malloc(sizeof *st);
	if (!st || ioctl(vcpu->fd, KVM_GET_REGS, &st->regs) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_SREGS, &st->sregs) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_XSAVE, &st->xsave) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_XCRS, &st->xcrs) < 0)
		err(1, "x86_64: saving vCPU state");
	return st;
}

/* Write-touch [a, a + len) so the host breaks copy-on-write before the guest does. */
static void touch(struct proc *p, uint64_t a, uint64_t len)
{
	a &= ~4095ull;
	for (uint64_t x = a; x < a + len; x += 4096) {
		volatile uint8_t *b = gmem_wptr(&p->vm, x, 1);
		if (b && (x < p->vm.low_top || x >= p->vm.high_bottom))
			*b = *b;
	}
}

/*
 * After a fork, each page the child's guest writes first costs ~9 us here
 * (host copy-on-write, then shadow paging); ~3 us if the host copied it
 * first. Copy the pages a fork's child surely writes: the library OS stack
 * and data, the program's stack and TLS.
 */
static void prefault(struct proc *p, const struct arch_state *st)
{
	touch(p, st->regs.rsp - 8192, 8192 + 4096);
	touch(p, p->libos.boot_info, 4096);
	const uint64_t *user_rsp = gmem_ptr(&p->vm, vcpu->block + UP_T_SAVED_RSP, 8);
	if (user_rsp)
		touch(p, *user_rsp - 4096, 3 * 4096);
	touch(p, st->sregs.fs.base - 4096, 2 * 4096);
}

void arch_user_segments(struct proc *p)
{
	struct kvm_sregs s;
	if (ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0)
		err(1, "x86_64: KVM_GET_SREGS");
	seg(&s.cs, UP_SEL_UCODE, 1);
	seg(&s.ss, UP_SEL_UDATA, 0);
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &s) < 0)
		err(1, "x86_64: KVM_SET_SREGS");
}

void arch_restore(struct proc *p, struct arch_state *st)
{
	prefault(p, st);
	set_cpuid(p);
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &st->sregs) < 0)
		err(1, "x86_64: KVM_SET_SREGS");
	set_msrs(p);
	if (ioctl(vcpu->fd, KVM_SET_XCRS, &st->xcrs) < 0 ||
	    ioctl(vcpu->fd, KVM_SET_XSAVE, &st->xsave) < 0 ||
	    ioctl(vcpu->fd, KVM_SET_REGS, &st->regs) < 0)
		err(1, "x86_64: restoring vCPU state");
	free(st);
}

void arch_setup(struct proc *p, uint64_t entry, uint64_t rsp)
{
	descriptor_tables(p);
	set_cpuid(p);

	struct kvm_sregs s;
	if (ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0)
		err(1, "x86_64: KVM_GET_SREGS");
	s.cr0 = 0x80010033; /* PG WP NE ET MP PE */
	s.cr3 = PML4;
	s.cr4 = 0x20 | 0x200 | 0x400 | 0x10000 | 0x40000; /* PAE OSFXSR OSXMMEXCPT FSGSBASE OSXSAVE */
	s.efer = 0x1 | 0x100 | 0x400 | 0x800;            /* SCE LME LMA NXE */
	seg(&s.cs, UP_SEL_UCODE, 1);
	seg(&s.ss, UP_SEL_UDATA, 0);
	s.ds = s.es = s.fs = s.gs = s.ss;
	s.gs.base = p->libos.thread0; /* the library OS's thread state */
	s.tr = tss_setup(p, vcpu->idx);
	s.ldt = (struct kvm_segment){.type = 2, .present = 1, .unusable = 1};
	s.gdt.base = GDT;
	s.gdt.limit = 10 * 8 - 1;
	s.idt.base = IDT;
	s.idt.limit = NVEC * 16 - 1;
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &s) < 0)
		err(1, "x86_64: KVM_SET_SREGS");

	set_msrs(p);
	set_xcr0(p);
	struct kvm_fpu fpu = {.fcw = 0x37f, .mxcsr = 0x1f80};
	if (ioctl(vcpu->fd, KVM_SET_FPU, &fpu) < 0)
		err(1, "x86_64: KVM_SET_FPU");

	struct kvm_regs r = {.rip = entry, .rsp = rsp, .rflags = 0x3002}; /* IOPL=3 */
	if (ioctl(vcpu->fd, KVM_SET_REGS, &r) < 0)
		err(1, "x86_64: KVM_SET_REGS");
}

void arch_thread(struct proc *p, struct vcpu *v, const uint64_t regs[18], uint64_t fs,
		 uint64_t gs)
{
	struct arch_state *st = arch_save(p); /* the caller's vCPU */
	st->sregs.fs.base = fs;
	st->sregs.gs.base = gs;
	st->sregs.cs.selector = UP_SEL_UCODE;
	seg(&st->sregs.cs, UP_SEL_UCODE, 1);
	seg(&st->sregs.ss, UP_SEL_UDATA, 0);
	st->sregs.tr = tss_setup(p, v->idx);
	const uint64_t *g = regs;
	st->regs = (struct kvm_regs){
		.r15 = g[0], .r14 = g[1], .r13 = g[2], .r12 = g[3], .rbp = g[4], .rbx = g[5],
		.r11 = g[6], .r10 = g[7], .r9 = g[8], .r8 = g[9], .rax = g[10], .rcx = g[11],
		.rdx = g[12], .rsi = g[13], .rdi = g[14], .rip = g[15], .rsp = g[16],
		.rflags = (g[17] & 0xcd5) | 0x3002, /* the program's flags, IOPL=3 */
	};
	struct vcpu *me = vcpu;
	vcpu = v; /* arch_restore sets up the vCPU the calling thread names */
	set_cpuid(p);
	if (ioctl(v->fd, KVM_SET_SREGS, &st->sregs) < 0)
		err(1, "x86_64: KVM_SET_SREGS");
	set_msrs(p);
	if (ioctl(v->fd, KVM_SET_XCRS, &st->xcrs) < 0 || ioctl(v->fd, KVM_SET_XSAVE, &st->xsave) < 0 ||
	    ioctl(v->fd, KVM_SET_REGS, &st->regs) < 0)
		err(1, "x86_64: setting up a thread's vCPU");
	vcpu = me;
	free(st);
}

static uint64_t ns(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return t.tv_sec * 1000000000ull + t.tv_nsec;
}

void arch_clock(struct proc *p, struct up_boot_info *bi)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[1];
	} m = {.hdr.nmsrs = 1, .e[0].index = 0x10}; /* IA32_TSC */
	int khz = ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0);
	bi->realtime0_ns = ns(CLOCK_REALTIME);
	bi->monotonic0_ns = ns(CLOCK_MONOTONIC);
	if (khz <= 0 || ioctl(vcpu->fd, KVM_GET_MSRS, &m) != 1)
		return; /* tsc_khz = 0: the guest asks the host for the time */
	bi->tsc_khz = khz;
	bi->tsc0 = m.e[0].data;
}
