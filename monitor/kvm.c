/* The KVM virtual machine: a vCPU per guest thread (vcpu.c), no interrupt controller. */
#define _GNU_SOURCE
#include <cpuid.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "monitor.h"

#define CHUNK (2ull << 20)

/* Move a monitor-private fd out of the guest's fd range. */
static int hide_fd(int fd, const char *what)
{
	if (fd < 0)
		err(1, "kvm: %s", what);
	int hi = fcntl(fd, F_DUPFD_CLOEXEC, UP_FD_MAX);
	if (hi < 0)
		err(1, "kvm: moving %s fd above %d", what, UP_FD_MAX);
	close(fd);
	return hi;
}

static int add_slot(struct vm *vm, uint64_t lo, uint64_t hi);
static void ring_slot(struct vm *vm, int g);

/* The page tables' slot (mmu.c); size 0 deletes it. */
static void pt_slot(struct vm *vm, uint64_t size)
{
	struct kvm_userspace_memory_region r = {
		.slot = PT_SLOT,
		.guest_phys_addr = UP_PT_BASE,
		.memory_size = size,
		.userspace_addr = (uint64_t)vm->pts,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		err(1, "kvm: page table slot");
}

struct up_run_page *run_page;

/* The run page's slot: made once per run, shared by every monitor's VM. */
static void run_slot(struct vm *vm)
{
	if (!run_page) {
		int fd = memfd_create("uniproc-run", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, 4096) < 0)
			err(1, "kvm: run page");
		run_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
		if (run_page == MAP_FAILED)
			err(1, "kvm: run page");
	}
	struct kvm_userspace_memory_region r = {
		.slot = RUN_SLOT,
		.guest_phys_addr = UP_RUN_PAGE,
		.memory_size = 4096,
		.userspace_addr = (uint64_t)run_page,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		err(1, "kvm: run page slot");
}

static uint64_t pt_size(const struct vm *vm)
{
	return vm->mem_size / 512;
}

/* A KVM create ioctl, made again when a signal interrupts it (a signal
   to a child that is just being forked: its monitor delivers it after). */
static int create(int fd, unsigned long req, unsigned long arg)
{
	int r;
	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r;
}

/* Is /dev/kvm kvm_intel with EPT or kvm_amd with NPT? (Not PVM.) */
static int kvm_tdp(void)
{
	static const char *const param[] = {"/sys/module/kvm_intel/parameters/ept",
					     "/sys/module/kvm_amd/parameters/npt"};
	for (int i = 0; i < 2; i++) {
		char c = 0;
		int fd = open(param[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		int n = read(fd, &c, 1);
		close(fd);
		if (n == 1 && (c == 'Y' || c == '1'))
			return 1;
	}
	return 0;
}

/* A VM, without memory or vCPUs. */
static void vm_new(struct vm *vm)
{
	tree_count(1, 0, 0);
	vm->vm_fd = hide_fd(create(vm->kvm_fd, KVM_CREATE_VM, 0), "KVM_CREATE_VM");
}

/* vCPU idx of the VM; NULL if KVM refuses one more. */
struct vcpu *vcpu_make(struct vm *vm, int idx)
{
	int fd = create(vm->vm_fd, KVM_CREATE_VCPU, idx);
	if (fd < 0)
		return NULL;
	struct vcpu *v = calloc(1, sizeof *v);
	if (!v)
		err(1, "kvm: vCPU");
	v->idx = idx;
	v->fd = hide_fd(fd, "KVM_CREATE_VCPU");
	v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED)
		err(1, "kvm: mmap kvm_run");
	madvise(v->run, vm->run_size, MADV_DONTFORK); /* a forked child makes its own */
	v->wake[0] = v->wake[1] = -1;
	return v;
}

void vm_create(struct vm *vm, uint64_t mem_size)
{
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		err(1, "kvm: /dev/kvm");
	vm->kvm_fd = hide_fd(vm->kvm_fd, "/dev/kvm");
	int v = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION)
		errx(1, "kvm: API version %d, want %d", v, KVM_API_VERSION);
	/* KVM refuses a memory slot past the host CPU's physical address width. */
	unsigned a, b, c, d;
	if (__get_cpuid(0x80000008, &a, &b, &c, &d) && (a & 0xff) < UP_PHYS_BITS)
		errx(1, "kvm: this CPU addresses %u bits of physical memory; the guest's layout needs %d",
		     a & 0xff, UP_PHYS_BITS);
	int size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0)
		err(1, "kvm: KVM_GET_VCPU_MMAP_SIZE");
	vm->run_size = size;
	vm->tdp = kvm_tdp();
	vm_new(vm);
	vcpu = vcpu_make(vm, 0);
	if (!vcpu)
		err(1, "kvm: KVM_CREATE_VCPU");
	vcpus[0] = vcpu;
	nvcpus = 1;
	vcpu->live = 1;
	vcpu->started = 1;
	vcpu->tid = vcpu->htid = getpid();
	signal_vcpu_init(vcpu);

	/* Private anonymous memory: lazily backed, copy-on-write across fork.
	   2 MiB aligned, as the guest's pages are: where the program asks for
	   transparent huge pages (madvise, hsys_mem.c), a huge page of the
	   host can be one of the guest's, and KVM maps it at once. */
	vm->mem_size = mem_size;
	uint8_t *m = mmap(NULL, mem_size + CHUNK, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		err(1, "kvm: guest memory of %llu bytes", (unsigned long long)mem_size);
	vm->mem = (uint8_t *)(((uintptr_t)m + CHUNK - 1) & ~(uintptr_t)(CHUNK - 1));
	if (vm->mem > m)
		munmap(m, (size_t)(vm->mem - m));
	munmap(vm->mem + mem_size, (size_t)(m + CHUNK - vm->mem));
	vm->low_top = 0;
	vm->high_bottom = mem_size;
	vm->rings = mmap(NULL, UP_RING_MAX * UP_RING_STRIDE, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->rings == MAP_FAILED)
		err(1, "kvm: pipe ring window");
	vm->pts = mmap(NULL, pt_size(vm), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->pts == MAP_FAILED)
		err(1, "kvm: page tables");
	pt_slot(vm, pt_size(vm));
	run_slot(vm);
}

/*
 * Fresh memory and page tables. KVM still shadows the old tables: deleting
 * and re-adding a memory slot makes it drop every shadow page, so the new
 * tables, written by the monitor, are read afresh.
 */
void vm_reset(struct vm *vm)
{
	if (mmap(vm->mem, vm->mem_size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == MAP_FAILED ||
	    mmap(vm->pts, pt_size(vm), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == MAP_FAILED)
		err(1, "kvm: fresh guest memory for execve");
	pt_slot(vm, 0);
	pt_slot(vm, pt_size(vm));
}

/*
 * In a forked monitor: the inherited VM belongs to the parent's address
 * space, so make a new one over our (copy-on-write) copy of guest memory.
 */
void vm_recreate(struct vm *vm)
{
	close(vm->vm_fd);
	vm_new(vm);
	struct vcpu *v = vcpu_make(vm, vcpu->idx);
	if (!v)
		err(1, "kvm: KVM_CREATE_VCPU after fork");
	close(vcpu->fd);
	vcpu->fd = v->fd;
	vcpu->run = v->run;
	vcpu->has_cpuid = 0;
	free(v);
	int n = vm->nslots;
	vm->nslots = 0;
	for (int i = 0; i < n; i++)
		if (add_slot(vm, vm->slots[i][0], vm->slots[i][1]) < 0)
			err(1, "kvm: KVM_SET_USER_MEMORY_REGION [0x%llx, 0x%llx) after fork",
			    (unsigned long long)vm->slots[i][0], (unsigned long long)vm->slots[i][1]);
	for (int g = 0; g < 32; g++)
		if (vm->ring_groups & (1u << g))
			ring_slot(vm, g);
	pt_slot(vm, pt_size(vm));
	run_slot(vm);
}


#define RING_GROUP 16 /* rings per memory slot of the window */
_Static_assert(UP_RING_MAX / RING_GROUP <= 32, "ring_groups bits");

static void ring_slot(struct vm *vm, int g)
{
	uint64_t off = (uint64_t)g * RING_GROUP * UP_RING_STRIDE;
	struct kvm_userspace_memory_region r = {
		.slot = MAX_SLOTS + g,
		.guest_phys_addr = UP_RING_BASE + off,
		.memory_size = RING_GROUP * UP_RING_STRIDE,
		.userspace_addr = (uint64_t)vm->rings + off,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		err(1, "kvm: pipe ring window");
}

void vm_ring(struct vm *vm, int idx)
{
	int g = idx / RING_GROUP;
	if (!(vm->ring_groups & (1u << g))) {
		ring_slot(vm, g);
		vm->ring_groups |= 1u << g;
	}
}

/* A memory slot for guest range [lo, hi) (2 MiB aligned, not empty);
   0, or -ENOMEM if out of slots or KVM refuses it. */
static int add_slot(struct vm *vm, uint64_t lo, uint64_t hi)
{
	if (vm->nslots == MAX_SLOTS || lo >= hi || (lo | hi) & (CHUNK - 1))
		return -ENOMEM;
	struct kvm_userspace_memory_region r = {
		.slot = vm->nslots,
		.guest_phys_addr = lo,
		.memory_size = hi - lo,
		.userspace_addr = (uint64_t)vm->mem + lo,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return -ENOMEM;
	vm->slots[vm->nslots][0] = lo;
	vm->slots[vm->nslots][1] = hi;
	vm->nslots++;
	return 0;
}

/*
 * A memory slot costs ~1 us per MiB to create and destroy on this host, so
 * memory is backed in slots as the guest grows: the low end (program, break)
 * upward and the high end (stack, mmap) downward, each step at least half of
 * what that end already has, so the number of slots stays logarithmic.
 * Slots start and end on 2 MiB; a range that is not aligned is rounded out.
 */
int vm_back(struct vm *vm, uint64_t lo, uint64_t hi)
{
	if (lo >= hi || hi > vm->mem_size)
		return -ENOMEM;
	/* What is not backed yet: the part between the two ends. */
	lo = lo > vm->low_top ? lo : vm->low_top;
	hi = hi < vm->high_bottom ? hi : vm->high_bottom;
	if (lo >= hi)
		return 0;
	lo &= ~(CHUNK - 1);
	hi = (hi + CHUNK - 1) & ~(CHUNK - 1);
	uint64_t dlow = lo > vm->low_top ? lo - vm->low_top : 0;
	uint64_t dhigh = hi < vm->high_bottom ? vm->high_bottom - hi : 0;
	if (dlow <= dhigh) { /* nearer the low end */
		uint64_t top = (vm->low_top + vm->low_top / 2 + CHUNK - 1) & ~(CHUNK - 1);
		top = hi > top ? hi : top;
		top = top < vm->high_bottom ? top : vm->high_bottom;
		if (add_slot(vm, vm->low_top, top) < 0)
			return -ENOMEM;
		vm->low_top = top;
	} else {
		uint64_t have = vm->mem_size - vm->high_bottom;
		uint64_t bottom = (vm->high_bottom - have / 2) & ~(CHUNK - 1);
		bottom = lo < bottom ? lo : bottom;
		bottom = bottom > vm->low_top ? bottom : vm->low_top;
		if (add_slot(vm, bottom, vm->high_bottom) < 0)
			return -ENOMEM;
		vm->high_bottom = bottom;
	}
	return vm_back(vm, lo, hi); /* the range may straddle both ends */
}

static uint64_t guest_rip(struct proc *p)
{
	struct kvm_regs regs;
	if (ioctl(vcpu->fd, KVM_GET_REGS, &regs) < 0)
		return 0;
	return regs.rip;
}


/*
 * KVM_RUN failed with EFAULT: the guest touched memory the host cannot
 * provide. That is a page of a file mapping past the end of a file that
 * shrank (Linux: SIGBUS), or a page of the pipe ring window with no ring.
 */
static void __attribute__((noreturn)) no_host_memory(struct proc *p)
{
	char what[PATH_MAX + 128];
	unsigned long long rip = guest_rip(p);
	if (gmem_past_eof(&p->vm, 0, what, sizeof what))
		proc_die(p, SIGBUS, "%s (%s, RIP 0x%llx)", strsignal(SIGBUS), what, rip);
	proc_die(p, SIGSEGV, "%s (guest memory with no host memory behind it%s, RIP 0x%llx)",
		 strsignal(SIGSEGV),
		 p->vm.ring_groups ? ", such as a pipe ring window page without a ring" : "", rip);
}

/* The monitor itself touched a file page past the end of its file. */
static void __attribute__((noreturn)) monitor_bus(struct proc *p, uintptr_t addr)
{
	char what[PATH_MAX + 128];
	uint64_t gpa = gmem_guest_addr(&p->vm, addr);
	if (!gpa)
		snprintf(what, sizeof what, "a file it was reading shrank");
	else if (!gmem_past_eof(&p->vm, gpa, what, sizeof what))
		snprintf(what, sizeof what, "guest address 0x%llx: a file page past its end",
			 (unsigned long long)gpa);
	proc_die(p, SIGBUS, "%s (in the monitor: %s)", strsignal(SIGBUS), what);
}

void vm_run(struct proc *p)
{
	struct gmem_catch bus; /* for all the monitor does from here on */
	if (GMEM_CATCH(&bus))
		monitor_bus(p, bus.addr);
	if (setjmp(vcpu->resume)) { /* parked, now given a new thread (vcpu.c) */
		gmem_catcher = &bus;
		proc_unlock();
	}
	for (;;) {
		struct kvm_run *run = vcpu->run; /* a fork makes a new one */
		signal_vcpu(run);
		vcpu->exits++;
		__atomic_store_n(&vcpu->in_guest, 1, __ATOMIC_SEQ_CST);
		uint64_t drops = __atomic_load_n(&p->vm.drops, __ATOMIC_SEQ_CST);
		int r = ioctl(vcpu->fd, KVM_RUN, 0);
		__atomic_store_n(&vcpu->in_guest, 0, __ATOMIC_SEQ_CST);
		proc_lock();
		vcpu_check_end(p);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				signal_interrupted(p);
				proc_unlock();
				continue;
			}
			if (errno == EFAULT && drops != p->vm.drops) { /* mmu.c had it read-only */
				proc_unlock();
				continue;
			}
			if (errno == EFAULT)
				no_host_memory(p);
			proc_die(p, SIGSEGV, "KVM_RUN: %s, RIP 0x%llx", strerror(errno),
				 (unsigned long long)guest_rip(p));
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 ||
			    run->io.count != 1 || run->io.port < UP_HC_PORT_BASE ||
			    run->io.port >= UP_HC_PORT_BASE + UP_HC_MAX)
				proc_die(p, SIGSYS, "bad port I/O 0x%x at RIP 0x%llx",
					 run->io.port, (unsigned long long)guest_rip(p));
			hcall(p, run->io.port - UP_HC_PORT_BASE,
			      *(uint32_t *)((uint8_t *)run + run->io.data_offset));
			break;
		case KVM_EXIT_MMIO: {
			uint64_t off = run->mmio.phys_addr - UP_HC_MMIO_BASE;
			if (run->mmio.phys_addr < UP_HC_MMIO_BASE || off % 8 ||
			    off / 8 >= UP_HC_MAX || !run->mmio.is_write || run->mmio.len != 4)
				proc_die(p, SIGSEGV, "%s (%s unmapped address 0x%llx, RIP 0x%llx)",
					 strsignal(SIGSEGV), run->mmio.is_write ? "writing" : "reading",
					 (unsigned long long)run->mmio.phys_addr,
					 (unsigned long long)guest_rip(p));
			uint32_t gpa;
			memcpy(&gpa, run->mmio.data, 4);
			hcall(p, off / 8, gpa);
			break;
		}
		case KVM_EXIT_SHUTDOWN:
			proc_die(p, SIGSEGV, "guest crashed (triple fault) at RIP 0x%llx",
				 (unsigned long long)guest_rip(p));
		case KVM_EXIT_FAIL_ENTRY:
			proc_die(p, SIGSEGV, "KVM entry failed (reason 0x%llx)",
				 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		case KVM_EXIT_INTERNAL_ERROR:
			proc_die(p, SIGSEGV, "KVM internal error %u at RIP 0x%llx",
				 run->internal.suberror, (unsigned long long)guest_rip(p));
		default:
			proc_die(p, SIGSEGV, "unexpected VM exit %u at RIP 0x%llx",
				 run->exit_reason, (unsigned long long)guest_rip(p));
		}
		proc_unlock();
	}
}
