/* Hypercalls: the guest's requests to its monitor. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "monitor.h"

void proc_die(struct proc *p, int sig, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	dprintf(p->log_fd, "uniproc: %s: %s\n", p->name, msg);
	proc_signal(p, sig);
}

/* Signals whose default action dumps core. */
static int dumps_core(int sig)
{
	return sig == SIGQUIT || sig == SIGILL || sig == SIGTRAP || sig == SIGABRT ||
	       sig == SIGBUS || sig == SIGFPE || sig == SIGSEGV || sig == SIGSYS;
}

void proc_signal(struct proc *p, int sig)
{
	sq_exit();
	pipe_exit();
	tree_exits(vcpu_exits(p));
	tree_leave();
	/* Die of the signal itself, so our parent sees what it would see for
	   a native process. With the guest's RLIMIT_CORE not 0, a signal that
	   dumps core makes the host dump one of the monitor with no memory in
	   it (coredump_filter 0: its threads' registers), so the status has
	   the core bit exactly when Linux could write the file; never with
	   guest memory. */
	struct rlimit core = {0, 0};
	if (dumps_core(sig) && p->core.rlim_cur) {
		int fd = open("/proc/self/coredump_filter", O_WRONLY | O_CLOEXEC);
		if (fd >= 0 && write(fd, "0", 1) == 1)
			core = p->core;
		if (fd >= 0)
			close(fd);
	}
	setrlimit(RLIMIT_CORE, &core);
	signal(sig, SIG_DFL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	_exit(128 + sig);
}

/* Runs after the monitor has exited: closes the guest's files, then the VM. */
static int reaper(void *arg)
{
	close_range(0, ~0u, 0);
	return 0;
}

/*
 * Tearing down a VM takes ~0.5 ms or more on this host. Our parent should
 * not wait for it: a task that shares our memory and descriptors (but is not
 * in our thread group) keeps the VM alive while we exit, then destroys it.
 */
void proc_exit(struct proc *p, int status)
{
	static char stack[16384] __attribute__((aligned(16)));
	tree_exits(vcpu_exits(p));
	if (p->stats)
		tree_stats(p->log_fd);
	sq_exit();
	pipe_exit(); /* the guest's fds close now, not when the VM is gone */
	tree_leave();
	clone(reaper, stack + sizeof stack, CLONE_VM | CLONE_FILES, NULL);
	_exit(status);
}

static void hc_syscall(struct proc *p, uint32_t gpa)
{
	struct up_hc_syscall *hc = gmem_wptr(&p->vm, gpa, sizeof *hc);
	if (!hc)
		proc_die(p, SIGSYS, "syscall hypercall with bad address 0x%x", gpa);
	uint64_t a[6], nr = hc->nr;
	memcpy(a, hc->args, sizeof a); /* read the guest's struct once */
	sq_kick(p);
	long r;
	/* A host signal the guest blocks or ignores interrupts a blocking host
	   call, which on Linux it would not: make the call again. Such a call
	   runs without the process lock, so that other threads go on. */
	int unlocked = hsys_may_block(nr);
	signal_host_mask(p);
	/* A signal that came while the guest waited for an exitless call
	   (sq.c) is pending: a call that would wait does not, as on Linux. */
	if (signal_interrupts(p) && (nr == SYS_openat || sq_would_wait(nr, a)))
		r = -EINTR;
	else do {
		if (unlocked)
			proc_unlock();
		r = hsys(p, nr, a);
		if (unlocked) {
			proc_lock();
			vcpu_check_end(p);
		}
	} while (r == -EINTR && !vcpu->execed && !signal_interrupts(p));
	vcpu->interrupted = r == -EINTR && signal_interrupts(p);
	if (vcpu->execed) /* hc was the old program's */
		vcpu->execed = 0;
	else
		hc->ret = r;
	signal_check(p);
	signal_publish(p);
}

static void hc_log(struct proc *p, uint32_t gpa)
{
	struct up_hc_log *hc = gmem_ptr(&p->vm, gpa, sizeof *hc);
	uint64_t len = hc ? hc->len : 0;
	const char *msg = hc && len <= 4096 ? gmem_ptr(&p->vm, hc->msg, len) : NULL;
	if (!msg)
		return;
	dprintf(p->log_fd, "%.*s\n", (int)len, msg);
}

/* Leave the CPL0 exception stub f for CPL3 code at rip. */
static void resume(struct proc *p, struct kvm_regs *r, const struct up_fault_frame *f, uint64_t rip)
{
	r->rip = rip;
	r->rsp = f->rsp;
	r->rdx = f->rdx;
	r->rflags = (f->rflags & 0xcd5) | 0x3002; /* the status flags; IOPL=3 */
	arch_user_segments(p);
	if (ioctl(vcpu->fd, KVM_SET_REGS, r) < 0)
		proc_die(p, SIGSEGV, "guest fault (registers unavailable)");
}

/* Exceptions at CPL3, reported by the library OS's CPL0 stubs: the
   program's handler runs, or the process dies of the signal. */
static void hc_fault(struct proc *p)
{
	static const struct {
		int sig;
		const char *what;
	} vec[32] = {
		[0] = {SIGFPE, "divide error"},   [1] = {SIGTRAP, "debug trap"},
		[3] = {SIGTRAP, "breakpoint"},    [4] = {SIGSEGV, "overflow"},
		[5] = {SIGSEGV, "bound range"},   [6] = {SIGILL, "invalid opcode"},
		[7] = {SIGFPE, "FPU not available"}, [8] = {SIGSEGV, "double fault"},
		[10] = {SIGSEGV, "invalid TSS"},  [11] = {SIGBUS, "segment not present"},
		[12] = {SIGBUS, "stack fault"},   [13] = {SIGSEGV, "general protection fault"},
		[14] = {SIGSEGV, "page fault"},   [16] = {SIGFPE, "x87 floating-point error"},
		[17] = {SIGBUS, "alignment check"}, [18] = {SIGBUS, "machine check"},
		[19] = {SIGFPE, "SIMD floating-point error"},
	};
	struct kvm_regs r;
	struct kvm_sregs s;
	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0)
		proc_die(p, SIGSEGV, "guest fault (registers unavailable)");
	/* The stub's frame fills the top of this vCPU's exception stack, in
	   the system area (abi.h UP_CPU_AREA), which gmem_ptr does not give. */
	uint64_t at = UP_CPU_AREA + 4096ull * (vcpu->idx + 1) - sizeof(struct up_fault_frame);
	struct up_fault_frame *f = r.rsp == at ? (struct up_fault_frame *)(p->vm.mem + at) : NULL;
	if (!f || f->vector >= 32)
		proc_die(p, SIGSEGV, "guest fault with a bad frame at 0x%llx (RIP 0x%llx)",
			 (unsigned long long)r.rsp, (unsigned long long)r.rip);
	int sig = vec[f->vector].sig ? vec[f->vector].sig : SIGSEGV;
	const char *what = vec[f->vector].what ? vec[f->vector].what : "exception";
	static const int codes[32] = {[0] = 1 /* FPE_INTDIV */, [6] = 2 /* ILL_ILLOPN */,
				      [14] = 1 /* SEGV_MAPERR */};
	int code = f->vector == 14 && ((f->error & 1) || mmu_prot_none(&p->vm, s.cr2))
			   ? 2 /* SEGV_ACCERR */
			   : codes[f->vector];
	if (!code && sig == SIGSEGV)
		code = 0x80; /* SI_KERNEL */
	uint64_t addr = f->vector == 14 ? s.cr2 : f->vector == 13 ? 0 : f->rip;
	/* A page fault the entries no longer call for: the CPU used a
	   translation it cached before the monitor widened the page's rights
	   (with nested paging nothing else drops it; the fault did). The
	   instruction runs again, a few times at most. */
	static __thread uint64_t stale_rip, stale_addr, stale_n;
	if (f->vector == 14 && mmu_allows(&p->vm, s.cr2, f->error)) {
		stale_n = f->rip == stale_rip && s.cr2 == stale_addr ? stale_n + 1 : 1;
		stale_rip = f->rip, stale_addr = s.cr2;
		if (stale_n <= 3) {
			resume(p, &r, f, f->rip);
			return;
		}
	}
	if (f->vector == 14 && f->rip == p->libos.copy_insn && p->libos.copy_insn) {
		resume(p, &r, f, p->libos.copy_fault); /* the library OS copying program memory: EFAULT, as Linux */
		return;
	}
	if (signal_fault(p, sig, code, addr, f))
		return;
	if (f->vector == 14)
		proc_die(p, sig, "%s (page fault %s address 0x%llx, RIP 0x%llx)", strsignal(sig),
			 (f->error & 2) ? "writing" : (f->error & 16) ? "executing" : "reading",
			 (unsigned long long)s.cr2, (unsigned long long)f->rip);
	proc_die(p, sig, "%s (%s, vector %llu, RIP 0x%llx)", strsignal(sig), what,
		 (unsigned long long)f->vector, (unsigned long long)f->rip);
}

void hcall(struct proc *p, unsigned nr, uint32_t gpa)
{
	hsys_defer_close(p); /* closes the library OS put off come first */
	switch (nr) {
	case UP_HC_SYSCALL:
		hc_syscall(p, gpa);
		return;
	case UP_HC_EXIT: {
		struct up_hc_exit *hc = gmem_ptr(&p->vm, gpa, sizeof *hc);
		proc_exit(p, hc ? (int)(hc->status & 0xff) : 1);
	}
	case UP_HC_THREAD_EXIT: {
		struct up_hc_exit *hc = gmem_ptr(&p->vm, gpa, sizeof *hc);
		vcpu_exit(p, hc ? (int)(hc->status & 0xff) : 1);
	}
	case UP_HC_CLONE:
		vcpu_clone(p, gpa);
		return;
	case UP_HC_LOG:
		hc_log(p, gpa);
		return;
	case UP_HC_FAULT:
		hc_fault(p);
		return;
	case UP_HC_PATCH: {
		struct up_hc_patch *hc = gmem_wptr(&p->vm, gpa, sizeof *hc);
		if (!hc)
			break;
		hc->ret = rewrite_site(p, hc->site, hc->rax, &hc->resume);
		if (p->trace)
			dprintf(p->log_fd, "[%d] uniproc: syscall at 0x%llx %s\n", getpid(),
				(unsigned long long)hc->site,
				hc->ret ? "keeps trapping" : "rewritten into a call");
		return;
	}
	case UP_HC_SIGNAL:
		signal_deliver(p);
		return;
	case UP_HC_SIGRETURN: {
		struct up_hc_sigreturn *hc = gmem_ptr(&p->vm, gpa, sizeof *hc);
		if (!hc)
			break;
		signal_return(p, hc->rsp);
		return;
	}
	case UP_HC_WAKE: {
		struct up_hc_wake *hc = gmem_ptr(&p->vm, gpa, sizeof *hc);
		if (!hc)
			break;
		pipe_wake(p, hc->fd);
		return;
	}
	case UP_HC_MEMORY: {
		struct up_hc_memory *hc = gmem_wptr(&p->vm, gpa, sizeof *hc);
		if (!hc)
			break;
		uint64_t lo = hc->lo, hi = hc->hi;
		int q = lo < UP_USER_BASE || vm_back(&p->vm, lo, hi) < 0 ? -ENOMEM
									  : mmu_present(&p->vm, lo, hi);
		if (q < 0)
			hc->low_top = hc->high_bottom = 0; /* refused */
		else {
			struct up_thread *t = vcpu_thread(p, vcpu);
			if (q > 0 && t)
				t->mmu_pending = 1;
			hc->low_top = p->vm.low_top;
			hc->high_bottom = p->vm.high_bottom;
		}
		return;
	}
	}
	proc_die(p, SIGSYS, "unknown hypercall %u", nr);
}
