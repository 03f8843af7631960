/*
 * Threads. Each thread of the process is a vCPU of this VM, run by a host
 * thread of the monitor (monitor/vcpu.c), so threads run in parallel. A
 * thread's library OS state is a struct up_thread (abi.h) at its GS base,
 * followed by its library OS stack: thread0 (entry.S) for the first, a
 * block taken from the mmap area for the others, reused once the monitor
 * marks it free.
 */
#include <asm/errno.h>
#include <asm/unistd.h>

#include "libos.h"

#define CLONE_VM 0x100
#define CLONE_FS 0x200
#define CLONE_FILES 0x400
#define CLONE_SIGHAND 0x800
#define CLONE_PIDFD 0x1000
#define CLONE_PTRACE 0x2000
#define CLONE_VFORK 0x4000
#define CLONE_THREAD 0x10000
#define CLONE_SYSVSEM 0x40000
#define CLONE_SETTLS 0x80000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_DETACHED 0x400000
#define CLONE_CHILD_SETTID 0x1000000

#define BLOCK_SIZE (64 << 10) /* struct up_thread, then its library OS stack */

extern char syscall_entry[];
int threaded;

void lock_take(struct lock *l)
{
	uint32_t me = (uint32_t)self()->cpu + 1;
	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) == me) {
		l->depth++;
		return;
	}
	for (;;) {
		uint32_t z = 0;
		if (__atomic_compare_exchange_n(&l->owner, &z, me, 0, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			break;
		__builtin_ia32_pause();
	}
	l->depth = 1;
}

void lock_give(struct lock *l)
{
	if (--l->depth == 0)
		__atomic_store_n(&l->owner, 0, __ATOMIC_RELEASE);
}

/* The blocks ever made, for reuse. */
static struct lock blocks_lock;
static struct up_thread *blocks[UP_CPU_MAX];
static int nblocks;

/* A free block (state 0, set by the monitor when its thread ended), or a new one. */
static struct up_thread *block_get(void)
{
	lock_take(&blocks_lock);
	for (int i = 0; i < nblocks; i++) {
		uint64_t z = 0;
		if (__atomic_compare_exchange_n(&blocks[i]->state, &z, 1, 0, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED)) {
			lock_give(&blocks_lock);
			return blocks[i];
		}
	}
	struct up_thread *t = 0;
	if (nblocks < UP_CPU_MAX) {
		lock_take(&mem_lock);
		long a = sys_mmap(0, BLOCK_SIZE, 3 /* PROT_READ | PROT_WRITE */,
				  0x22 /* MAP_PRIVATE | MAP_ANONYMOUS */, (uint64_t)-1, 0);
		lock_give(&mem_lock);
		if (a > 0) {
			t = (struct up_thread *)a;
			t->state = 1;
			blocks[nblocks++] = t;
		}
	}
	lock_give(&blocks_lock);
	return t;
}

/*
 * clone(2) of a thread: the new vCPU starts in the program where this
 * syscall returns, with this thread's registers but rax 0, stack sp and
 * (CLONE_SETTLS) TLS tls. Flags as glibc, musl and Go use them.
 */
long thread_clone(uint64_t flags, uint64_t sp, uint64_t ptid, uint64_t ctid, uint64_t tls)
{
	uint64_t need = CLONE_VM | CLONE_SIGHAND | CLONE_THREAD;
	uint64_t ok = need | CLONE_FS | CLONE_FILES | CLONE_SYSVSEM | CLONE_SETTLS |
		      CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID |
		      CLONE_DETACHED;
	if ((flags & need) != need || (flags & ~ok) || (flags & 0xff)) {
		static int warned;
		if (!warned++)
			logf("uniproc: warning: clone flags 0x%lx are not supported (EINVAL)", flags);
		return -EINVAL;
	}
	if (((flags & CLONE_PARENT_SETTID) && !user_ok(ptid, 4)) ||
	    ((flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) && !user_ok(ctid, 4)))
		return -EFAULT;
	struct up_thread *me = self(), *t = block_get();
	if (!t)
		return -EAGAIN;
	const struct sc_frame *f = cur_frame();
	const struct sc_saved *s = SC_SAVED(f);
	uint64_t top = ((uint64_t)t + BLOCK_SIZE) & ~15ull;
	uint64_t state = t->state;
	memset(t, 0, sizeof *t);
	t->state = state;
	t->self = (uint64_t)t;
	t->iret_ptr = (uint64_t)&t->iret;
	t->iret[0] = (uint64_t)syscall_entry;
	t->iret[1] = UP_SEL_UCODE;
	t->iret[2] = 0x3002; /* IOPL=3 */
	t->iret[3] = top;
	t->iret[4] = UP_SEL_UDATA;
	t->stack_top = top;
	t->clear_tid = (flags & CLONE_CHILD_CLEARTID) ? ctid : 0;
	t->sig.blocked = me->sig.blocked; /* inherited; no sigaltstack (Linux) */
	t->sig.ss_flags = 2;               /* SS_DISABLE */

	struct up_hc_clone hc = {flags, (uint64_t)t, ptid, ctid, 0, {0}, 0};
	if (flags & CLONE_SETTLS)
		hc.fs_base = tls;
	else
		__asm__ volatile("rdfsbase %0" : "=r"(hc.fs_base));
	uint64_t rip, rsp, rflags;
	if (!me->via_call) { /* trap: back to RCX with RFLAGS = R11 */
		rip = f->rcx;
		rflags = f->r11;
		rsp = sp ? sp : me->saved_rsp;
	} else { /* a rewritten site: `ret` to its stub, which then skips the red zone */
		rip = *(uint64_t *)me->saved_rsp;
		rflags = f->rflags;
		rsp = sp ? sp - 128 : me->saved_rsp + 8;
	}
	uint64_t regs[18] = {s->r15, s->r14, s->r13, s->r12, s->rbp, s->rbx, f->r11, f->a[3],
			     f->a[5], f->a[4], 0, f->rcx, f->a[2], f->a[1], f->a[0], rip, rsp, rflags};
	memcpy(hc.regs, regs, sizeof regs);
	threaded = 1;
	long r = hc_clone(&hc);
	if (r < 0)
		__atomic_store_n(&t->state, 0, __ATOMIC_RELEASE);
	return r;
}

/* exit(2): this thread ends; the monitor clears its tid and wakes joiners. */
SYSDEF(exit)
{
	mem_thread_exit();
	hc_thread_exit((int)a0);
}
SYSDEF(exit_group) { hc_exit((int)a0); }
SYSDEF(gettid) { return self()->tid; }

SYSDEF(set_tid_address)
{
	self()->clear_tid = a0;
	return self()->tid;
}

/* The monitor walks the list when the thread ends (robust mutexes). */
SYSDEF(set_robust_list)
{
	if (a1 != 24)
		return -EINVAL;
	self()->robust = a0;
	return 0;
}

/* get_robust_list(tid, head, len): this thread's (tid 0 or its own). */
SYSDEF(get_robust_list)
{
	if (a0 && a0 != self()->tid)
		return -EPERM;
	uint64_t head = self()->robust, len = 24;
	if (put_user(a2, &len, 8)) /* as Linux: the length first */
		return -EFAULT;
	return put_user(a1, &head, 8);
}

/* The CPU this thread runs on: its vCPU's. */
SYSDEF(getcpu)
{
	uint32_t cpu = (uint32_t)(self()->cpu % (boot_info.ncpus ? boot_info.ncpus : 1)), node = 0;
	if (a0 && put_user(a0, &cpu, 4))
		return -EFAULT;
	return a1 ? put_user(a1, &node, 4) : 0;
}

/*
 * membarrier(2): with one thread a fence does; with more, the monitor has
 * the host run a barrier on every CPU that runs one of our vCPUs (its own
 * membarrier interrupts them, which exits the guest: a full barrier).
 */
#define MEMBARRIER_CMD_QUERY 0
#define MEMBARRIER_SUPPORTED 0x7f /* GLOBAL..REGISTER_PRIVATE_EXPEDITED_SYNC_CORE */
SYSDEF(membarrier)
{
	if (a0 == MEMBARRIER_CMD_QUERY)
		return a1 ? -EINVAL : MEMBARRIER_SUPPORTED;
	if (a1 || (a0 & ~(uint64_t)MEMBARRIER_SUPPORTED) || (a0 & (a0 - 1)))
		return -EINVAL;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!threaded || (a0 & 0x54)) /* the REGISTER commands: nothing to do */
		return 0;
	return hc_syscall(__NR_membarrier, a0, 0, 0, 0, 0, 0);
}

/* In a forked child: only the forking thread goes on; the others' blocks are free. */
void thread_fork_child(void)
{
	struct up_thread *me = self();
	for (int i = 0; i < nblocks; i++)
		if (blocks[i] != me)
			blocks[i]->state = 0;
	blocks_lock = (struct lock){0, 0};
}
