/*
 * futex(2). The host's futex serves every one that must sleep or wake a
 * sleeper (monitor/hsys_futex.c), on the host's mapping of the word: a
 * private futex among this process's threads (vCPUs run by host threads of
 * one monitor), a shared one among the VMs that map the same memory. What
 * needs no sleeper stays here, without an exit: a WAIT first watches the
 * word a while (a peer on another CPU often changes it in time), and a
 * WAKE while nobody sleeps wakes nobody. Nobody sleeps when the count of
 * sleepers is 0: this process's for a private futex (counted here), the
 * run's for a shared one (counted by the monitors, in the run page). That
 * is safe because a sleeper is counted before the host checks its word,
 * and a waker changes the word before it reads the count; a fence keeps
 * those orders.
 */
#include <asm/errno.h>
#include <asm/unistd.h>

#include "libos.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_UNLOCK_PI 7
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_CMP_REQUEUE_PI 12
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_CMD_MASK 127
#define FUTEX_TID_MASK 0x3fffffff
#define TIMER_ABSTIME 1
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1

/* FUTEX_WAKE_OP's operation on *p, atomic (p may be shared); returns
   whether its comparison holds. */
static int wake_op(uint32_t *p, uint32_t code)
{
	uint32_t op = (code >> 28) & 7, cmp = (code >> 24) & 15;
	uint32_t oparg = (code >> 12) & 0xfff, cmparg = code & 0xfff;
	if (code & (8u << 28))
		oparg = oparg < 32 ? 1u << oparg : 0;
	if (op > 4)
		return -ENOSYS;
	uint32_t old = __atomic_load_n(p, __ATOMIC_SEQ_CST), v;
	do {
		switch (op) {
		case 0: v = oparg; break;
		case 1: v = old + oparg; break;
		case 2: v = old | oparg; break;
		case 3: v = old & ~oparg; break;
		default: v = old ^ oparg; break;
		}
	} while (!__atomic_compare_exchange_n(p, &old, v, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	switch (cmp) {
	case 0: return old == cmparg;
	case 1: return old != cmparg;
	case 2: return (int32_t)old < (int32_t)cmparg;
	case 3: return (int32_t)old <= (int32_t)cmparg;
	case 4: return (int32_t)old > (int32_t)cmparg;
	case 5: return (int32_t)old >= (int32_t)cmparg;
	}
	return -ENOSYS;
}

#define SPIN_MAX_NS 50000 /* a WAIT watches the word at most this long */
#define SPIN_MIN_NS 1000
/* How long a WAIT watches the word before it sleeps: it grows while
   watching pays (the word changes in time) and shrinks while it does not,
   so a peer that is slow to answer (or a busy machine) costs little CPU. */
static uint64_t spin_ns = SPIN_MAX_NS;

/* This process's threads asleep in a private futex (or about to be). */
static uint32_t private_sleepers;

/* Watch *uaddr while it holds val: 1 if it changed in time, 0 to sleep. */
static int watch(const uint32_t *uaddr, uint32_t val)
{
	uint64_t t0 = tsc_ns(), n = 0;
	while (__atomic_load_n(uaddr, __ATOMIC_ACQUIRE) == val) {
		if ((++n & 63) == 0 && (tsc_ns() - t0 > spin_ns || n > (1u << 20))) {
			spin_ns = spin_ns / 2 > SPIN_MIN_NS ? spin_ns / 2 : SPIN_MIN_NS;
			return 0;
		}
		__builtin_ia32_pause();
	}
	spin_ns = spin_ns * 2 < SPIN_MAX_NS ? spin_ns * 2 : SPIN_MAX_NS;
	return 1;
}

/* A call that may sleep in the host: counted while it does, if private. */
static long host_sleep(int private, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		       uint64_t a4, uint64_t a5, long nr)
{
	if (private)
		__atomic_fetch_add(&private_sleepers, 1, __ATOMIC_SEQ_CST);
	long r = hc_syscall(nr, a0, a1, a2, a3, a4, a5);
	if (private)
		__atomic_fetch_sub(&private_sleepers, 1, __ATOMIC_SEQ_CST);
	return r;
}

/* Is nobody asleep who could be woken here? */
static int no_sleepers(int private)
{
	const volatile struct up_run_page *run = (const volatile struct up_run_page *)UP_RUN_PAGE;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return private ? __atomic_load_n(&private_sleepers, __ATOMIC_SEQ_CST) == 0
		       : run->futex_sleepers == 0;
}

/* futex(uaddr, op, val, timeout or val2, uaddr2, val3) */
SYSDEF(futex)
{
	defer_send(); /* a futex is seen by other processes without the monitor */
	uint32_t *uaddr = (uint32_t *)a0, val = (uint32_t)a2;
	int cmd = (int)(a1 & FUTEX_CMD_MASK), private = (a1 & FUTEX_PRIVATE_FLAG) != 0;
	uint32_t cur;
	if (a0 & 3)
		return -EINVAL;
	/* A private wake never touches the word, on Linux: no EFAULT for it. */
	int mem = user_mem(a0, 4);
	if (!mem && !(private && (cmd == FUTEX_WAKE || cmd == FUTEX_WAKE_BITSET)))
		return -EFAULT;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		if (cmd == FUTEX_WAIT_BITSET && (uint32_t)a5 == 0)
			return -EINVAL;
		if (get_user(&cur, a0, 4)) /* read-only is fine, PROT_NONE is EFAULT */
			return -EFAULT;
		if (cur != val)
			return -EAGAIN;
		if ((threaded || !private) && watch(uaddr, val))
			return 0; /* a spurious wake-up, which callers expect */
		return host_sleep(private, a0, a1, a2, a3, a4, a5, __NR_futex);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
	case FUTEX_WAKE_OP:
		if ((cmd == FUTEX_WAKE_BITSET && (uint32_t)a5 == 0) || (int)a2 < 0)
			return -EINVAL;
		if (!mem)
			return 0;
		if (!no_sleepers(private))
			break;
		if (cmd == FUTEX_WAKE_OP) {
			if ((a4 & 3) || !user_mem(a4, 4))
				return (a4 & 3) ? -EINVAL : -EFAULT;
			int r = wake_op((uint32_t *)a4, (uint32_t)a5);
			return r < 0 ? r : 0;
		}
		if (cmd == FUTEX_CMP_REQUEUE) {
			if (get_user(&cur, a0, 4))
				return -EFAULT;
			if (cur != (uint32_t)a5)
				return -EAGAIN;
		}
		return 0;
	default: /* PI futexes and the requeue-PI pair: the host's, always */
		return host_sleep(private, a0, a1, a2, a3, a4, a5, __NR_futex);
	}
	return hc_syscall(__NR_futex, a0, a1, a2, a3, a4, a5);
}

/* futex_waitv(waiters, n, flags, timeout, clockid): counted as private if any is. */
SYSDEF(futex_waitv)
{
	defer_send();
	struct waitv {
		uint64_t val, uaddr;
		uint32_t flags, reserved;
	};
	if (a1 == 0 || a1 > 128 || a2)
		return -EINVAL;
	int private = 0;
	for (uint64_t i = 0; i < a1; i++) {
		struct waitv w;
		if (get_user(&w, a0 + i * sizeof w, sizeof w))
			return -EFAULT;
		private |= (w.flags & FUTEX_PRIVATE_FLAG) != 0;
	}
	return host_sleep(private, a0, a1, a2, a3, a4, a5, __NR_futex_waitv);
}
