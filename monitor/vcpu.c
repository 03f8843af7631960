/*
 * Threads: every thread of the guest process is a vCPU of its VM, run by a
 * host thread of the monitor, so the guest's threads run in parallel on the
 * host's cores. The guest's tid is the host thread's (the first thread's is
 * our pid), so the host's futexes, PI futexes included, work on the guest's
 * words as they are.
 *
 * The monitor's state is the process's: a host thread holds the process
 * lock while it serves a hypercall, and drops it around a host call that
 * may block (hcall.c). A thread that ends parks its vCPU and host thread
 * here: KVM cannot destroy a vCPU, so the next thread reuses them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "monitor.h"

__thread struct vcpu *vcpu;
struct vcpu *vcpus[UP_CPU_MAX];
int nvcpus;

static pthread_mutex_t big = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER; /* a vCPU started, parked or got a thread */
static int nlive = 1;
static struct vcpu *ender; /* execve: the thread that ends the others */
struct proc *cur_proc;

static __thread int depth; /* how many times the calling thread holds it */

void proc_lock(void)
{
	if (depth++ == 0)
		pthread_mutex_lock(&big);
}

void proc_unlock(void)
{
	if (--depth == 0)
		pthread_mutex_unlock(&big);
}

int proc_unlock_all(void)
{
	int d = depth;
	if (d) {
		depth = 0;
		pthread_mutex_unlock(&big);
	}
	return d;
}

void proc_relock(int d)
{
	if (d) {
		pthread_mutex_lock(&big);
		depth = d;
	}
}

int vcpu_count(void)
{
	return nlive;
}

struct up_thread *vcpu_thread(struct proc *p, struct vcpu *v)
{
	if (!v->block || v->block % 8)
		return NULL;
	return gmem_wptr(&p->vm, v->block, sizeof(struct up_thread));
}

struct vcpu *vcpu_of(int tid)
{
	for (int i = 0; i < nvcpus; i++)
		if (vcpus[i]->live && vcpus[i]->tid == tid)
			return vcpus[i];
	return NULL;
}

void vcpu_kick(struct vcpu *v)
{
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (v->wake[1] >= 0)
		write(v->wake[1], "", 1);
	if (v != vcpu && v->htid > 0)
		syscall(SYS_tgkill, getpid(), v->htid, SIGNAL_KICK);
	sq_signal(v);
}

/* The calling thread's vCPU waits for a new thread, then runs it from the
   top of vm_run. Holds the process lock. */
static void __attribute__((noreturn)) park(void)
{
	struct vcpu *v = vcpu;
	v->live = 0;
	nlive--;
	cur_proc->exits += v->exits;
	v->exits = 0;
	while (v->nfpu)
		free(v->fpu[--v->nfpu]);
	pthread_cond_broadcast(&changed);
	while (!v->live)
		pthread_cond_wait(&changed, &big);
	depth = 1; /* vm_run lets it go */
	longjmp(v->resume, 1);
}

static void *vcpu_main(void *arg)
{
	struct vcpu *v = arg;
	vcpu = v;
	proc_lock();
	v->htid = gettid();
	v->started = 1;
	pthread_cond_broadcast(&changed);
	while (!v->live)
		pthread_cond_wait(&changed, &big);
	proc_unlock();
	vm_run(cur_proc);
}

/* Add v to vcpus[]: the entry before the count, for whoever reads them
   without the process lock (the call server, signal handlers). */
static void publish(struct vcpu *v)
{
	__atomic_store_n(&vcpus[nvcpus], v, __ATOMIC_RELEASE);
	__atomic_store_n(&nvcpus, nvcpus + 1, __ATOMIC_RELEASE);
}

/* A vCPU for a new thread: a parked one (never the first: its tid is our
   pid), or a new one with its host thread; NULL if none can be had. */
static struct vcpu *vcpu_get(struct proc *p)
{
	/* A parked host thread keeps the credentials it had; when each thread's
	   are its own (hsys_id.c), a new one takes the creator's. */
	for (int i = 1; i < nvcpus && !p->own_creds; i++)
		if (!vcpus[i]->live && vcpus[i]->started)
			return vcpus[i];
	if (nvcpus == UP_CPU_MAX)
		return NULL;
	struct vcpu *v = vcpu_make(&p->vm, nvcpus);
	if (!v)
		return NULL;
	v->host_blocked = vcpu ? vcpu->host_blocked : 0; /* its host thread has our mask */
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 1 << 20);
	pthread_t t;
	int r = pthread_create(&t, &a, vcpu_main, v);
	pthread_attr_destroy(&a);
	if (r) {
		close(v->fd); /* KVM keeps the vCPU; its id is not used again */
		v->started = 0;
		publish(v);
		return NULL;
	}
	pthread_detach(t);
	publish(v);
	while (!v->started)
		pthread_cond_wait(&changed, &big);
	return v;
}

/* Store tid at guest address a (CLONE_*SETTID), if it is program memory. */
static void put_tid(struct proc *p, uint64_t a, int tid)
{
	uint32_t *u = a % 4 || a < UP_USER_BASE ? NULL : gmem_wptr(&p->vm, a, 4);
	if (u)
		__atomic_store_n(u, (uint32_t)tid, __ATOMIC_SEQ_CST);
}

void vcpu_clone(struct proc *p, uint32_t gpa)
{
	cur_proc = p;
	struct up_hc_clone *hc = gmem_wptr(&p->vm, gpa, sizeof *hc);
	if (!hc)
		proc_die(p, SIGSYS, "clone hypercall with bad address 0x%x", gpa);
	struct up_hc_clone c = *hc; /* read the guest's struct once */
	struct up_thread *t = c.block % 64 || c.block < UP_LIBOS_BASE
				      ? NULL
				      : gmem_wptr(&p->vm, c.block, sizeof *t);
	if (!t) {
		hc->ret = -EINVAL;
		return;
	}
	struct vcpu *v = vcpu_get(p);
	if (!v) {
		hc->ret = -EAGAIN;
		return;
	}
	arch_thread(p, v, c.regs, c.fs_base, c.block);
	v->block = c.block;
	v->tid = v->htid;
	signal_thread_reset(v);
	v->interrupted = v->execed = 0;
	__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	if (v->wake[0] < 0)
		signal_vcpu_init(v);
	t->tid = (uint64_t)v->tid;
	t->cpu = (uint64_t)v->idx;
	signal_thread_start(t);
	if (c.flags & CLONE_PARENT_SETTID)
		put_tid(p, c.ptid, v->tid);
	if (c.flags & CLONE_CHILD_SETTID)
		put_tid(p, c.ctid, v->tid);
	hc->ret = v->tid;
	v->live = 1;
	nlive++;
	pthread_cond_broadcast(&changed);
}

/* Wake waiters on the guest's word at host address u, private or shared. */
static void futex_wake_all(uint32_t *u, int n)
{
	syscall(SYS_futex, u, FUTEX_WAKE, n, NULL, NULL, 0);
	syscall(SYS_futex, u, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

/*
 * The robust futexes a dying thread holds (set_robust_list): each word it
 * owns gets FUTEX_OWNER_DIED and one waiter is woken, as Linux does. The
 * list is the guest's: each pointer is checked, and the walk is bounded.
 */
static void release_robust(struct proc *p, uint64_t head, int tid)
{
	const uint64_t *h = head % 8 ? NULL : gmem_ptr(&p->vm, head, 24);
	if (!h)
		return;
	int64_t off = (int64_t)h[1];
	uint64_t pending = h[2] & ~1ull, e = h[0] & ~1ull;
	for (int n = 0; n <= 2048; n++) {
		uint64_t at = n == 2048 ? pending : e;
		if (!at || (n < 2048 && at == head))
			at = pending, n = 2048;
		uint32_t *w = at ? gmem_wptr(&p->vm, at + off, 4) : NULL;
		if (w && (at + off) % 4 == 0 && at + off >= UP_USER_BASE) {
			uint32_t v = __atomic_load_n(w, __ATOMIC_SEQ_CST);
			while ((v & FUTEX_TID_MASK) == (uint32_t)tid &&
			       !__atomic_compare_exchange_n(w, &v, (v & FUTEX_WAITERS) | FUTEX_OWNER_DIED,
							    0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
				;
			if ((v & FUTEX_TID_MASK) == (uint32_t)tid && (v & FUTEX_WAITERS))
				futex_wake_all(w, 1);
		}
		if (n == 2048 || at == pending)
			break;
		const uint64_t *next = e % 8 ? NULL : gmem_ptr(&p->vm, e, 8);
		if (!next)
			at = pending, n = 2047;
		else
			e = *next & ~1ull;
	}
}

void vcpu_exit(struct proc *p, int status)
{
	cur_proc = p;
	if (nlive == 1) /* the last thread: the process ends */
		proc_exit(p, status);
	struct up_thread *t = vcpu_thread(p, vcpu);
	if (t) {
		release_robust(p, t->robust, vcpu->tid);
		uint64_t ct = t->clear_tid; /* CLONE_CHILD_CLEARTID: pthread_join waits on it */
		uint32_t *u = ct % 4 || ct < UP_USER_BASE ? NULL : gmem_wptr(&p->vm, ct, 4);
		if (u) {
			__atomic_store_n(u, 0, __ATOMIC_SEQ_CST);
			futex_wake_all(u, INT_MAX);
		}
		__atomic_store_n(&t->state, 0, __ATOMIC_RELEASE); /* its block may be reused */
	}
	park();
}

void vcpu_end_others(struct proc *p)
{
	cur_proc = p;
	ender = vcpu;
	for (int i = 0; i < nvcpus; i++)
		if (vcpus[i] != vcpu && vcpus[i]->live)
			vcpu_kick(vcpus[i]);
	while (nlive > 1)
		pthread_cond_wait(&changed, &big);
	ender = NULL;
}

int vcpu_ending(void)
{
	return ender && ender != vcpu;
}

void vcpu_check_end(struct proc *p)
{
	cur_proc = p;
	if (ender && ender != vcpu && vcpu->live)
		park();
}

void vcpu_fork_child(struct proc *p)
{
	for (int i = 0; i < nvcpus; i++)
		if (vcpus[i] != vcpu && vcpus[i]->started) {
			close(vcpus[i]->fd); /* the parent's VM's */
			if (vcpus[i]->wake[0] >= 0) {
				close(vcpus[i]->wake[0]);
				close(vcpus[i]->wake[1]);
			}
			vcpus[i]->live = 0;
			vcpus[i]->started = 0; /* no host thread here */
		}
	nlive = 1;
	ender = NULL;
	vcpu->htid = gettid();
	vcpu->tid = getpid(); /* the child's one thread is its main thread */
	struct up_thread *t = vcpu_thread(p, vcpu);
	if (t)
		t->tid = (uint64_t)vcpu->tid;
	pthread_mutex_init(&big, NULL);
	pthread_mutex_lock(&big); /* held, as by the thread that forked */
	pthread_cond_init(&changed, NULL);
}

int vcpu_quiet(struct proc *p, uint64_t lo, uint64_t hi)
{
	if (nlive == 1)
		return 1;
	for (int i = 0; i < nvcpus; i++)
		if (vcpus[i] != vcpu && vcpus[i]->live)
			vcpu_kick(vcpus[i]);
	for (int i = 0; i < nvcpus; i++) {
		struct vcpu *v = vcpus[i];
		if (v == vcpu || !v->live)
			continue;
		while (__atomic_load_n(&v->in_guest, __ATOMIC_SEQ_CST))
			sched_yield();
		struct kvm_regs r;
		if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || (r.rip > lo && r.rip < hi))
			return 0;
		/* In the library OS from a trapped syscall: where it returns
		   (still in RCX on the way in, then saved by entry.S). */
		struct up_thread *t = vcpu_thread(p, v);
		if (r.rip >= UP_LIBOS_BASE && r.rip < UP_LIBOS_LIMIT && r.rcx > lo && r.rcx < hi)
			return 0;
		if (t && !t->via_call && r.rip >= UP_LIBOS_BASE && r.rip < UP_LIBOS_LIMIT) {
			const uint64_t *ret = gmem_ptr(&p->vm, t->stack_top - 16, 8);
			if (!ret || (*ret > lo && *ret < hi))
				return 0;
		}
	}
	return 1;
}

long vcpu_exits(struct proc *p)
{
	long n = p->exits;
	for (int i = 0; i < nvcpus; i++)
		n += vcpus[i]->exits;
	return n;
}
