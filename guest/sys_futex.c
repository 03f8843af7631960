/*
 * futex(2). A private futex (FUTEX_PRIVATE_FLAG) concerns this process
 * alone, of one thread: it is served here without an exit. Nobody else can
 * wake a waiter, so WAKE finds no one, and a WAIT whose value matches sleeps
 * until its timeout or a signal. libc calls these on its own (for example
 * __libc_once, stdio locks): they must not fail. A futex not marked private
 * may be in memory shared with other processes: the monitor serves it with
 * the host's futex (monitor/hsys_futex.c).
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

/* Sleep until the timeout (NULL: until a signal); -ETIMEDOUT or -EINTR. */
static long wait_alone(uint64_t timeout, int clock, int absolute)
{
	if (!timeout)
		return suspend(sigstate.blocked);
	if (!user_ok(timeout, 16))
		return -EFAULT;
	const int64_t *ts = (const int64_t *)timeout;
	if (ts[0] < 0 || (uint64_t)ts[1] >= 1000000000)
		return -EINVAL;
	long r = hc_syscall(__NR_clock_nanosleep, clock, absolute ? TIMER_ABSTIME : 0, timeout,
			    0, 0, 0);
	return r == 0 ? -ETIMEDOUT : r;
}

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

#define SPIN_MAX_NS 50000 /* a shared WAIT watches the word at most this long */
#define SPIN_MIN_NS 1000
/* How long a shared WAIT watches the word before it sleeps: it grows while
   watching pays (the word changes in time) and shrinks while it does not,
   so a peer that is slow to answer (or a busy machine) costs little CPU. */
static uint64_t spin_ns = SPIN_MAX_NS;

/*
 * A futex that may be shared with other processes. A WAIT first watches the
 * word for a while: when another process changes it (a mutex handed over, a
 * condition signalled), returning at once is a spurious wake-up, which
 * callers expect, and saves two exits. A WAKE (or requeue) while no process
 * of the run sleeps in the host's futex wakes no one: the run page counts
 * them, so the exit is skipped. This is safe because a sleeper is counted
 * before the host checks its word, and a waker changes the word before it
 * reads the count; a fence keeps those orders.
 */
static long shared_futex(uint32_t *uaddr, int cmd, uint64_t a0, uint64_t a1, uint64_t a2,
			 uint64_t a3, uint64_t a4, uint64_t a5)
{
	const volatile struct up_run_page *run = (const volatile struct up_run_page *)UP_RUN_PAGE;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET: {
		uint64_t t0 = tsc_ns(), n = 0;
		while (__atomic_load_n(uaddr, __ATOMIC_ACQUIRE) == (uint32_t)a2) {
			if ((++n & 63) == 0 && (tsc_ns() - t0 > spin_ns || n > (1u << 20))) {
				spin_ns = spin_ns / 2 > SPIN_MIN_NS ? spin_ns / 2 : SPIN_MIN_NS;
				return hc_syscall(__NR_futex, a0, a1, a2, a3, a4, a5);
			}
			__builtin_ia32_pause();
		}
		spin_ns = spin_ns * 2 < SPIN_MAX_NS ? spin_ns * 2 : SPIN_MAX_NS;
		return 0;
	}
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
	case FUTEX_WAKE_OP:
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (run->futex_sleepers)
			break;
		if (cmd == FUTEX_WAKE_OP) {
			if ((a4 & 3) || !user_ok(a4, 4))
				return (a4 & 3) ? -EINVAL : -EFAULT;
			int r = wake_op((uint32_t *)a4, (uint32_t)a5);
			return r < 0 ? r : 0;
		}
		if (cmd == FUTEX_CMP_REQUEUE && __atomic_load_n(uaddr, __ATOMIC_SEQ_CST) != (uint32_t)a5)
			return -EAGAIN;
		return 0;
	}
	return hc_syscall(__NR_futex, a0, a1, a2, a3, a4, a5);
}

/* futex(uaddr, op, val, timeout or val2, uaddr2, val3) */
SYSDEF(futex)
{
	uint32_t *uaddr = (uint32_t *)a0, val = (uint32_t)a2;
	int cmd = (int)(a1 & FUTEX_CMD_MASK);
	int clock = (a1 & FUTEX_CLOCK_REALTIME) ? CLOCK_REALTIME : CLOCK_MONOTONIC;
	if ((a0 & 3) || !user_ok(a0, 4))
		return (a0 & 3) ? -EINVAL : -EFAULT;
	if (!(a1 & FUTEX_PRIVATE_FLAG))
		return shared_futex(uaddr, cmd, a0, a1, a2, a3, a4, a5);
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
	case FUTEX_WAIT_REQUEUE_PI:
		if (cmd == FUTEX_WAIT_BITSET && (uint32_t)a5 == 0)
			return -EINVAL;
		if (__atomic_load_n(uaddr, __ATOMIC_SEQ_CST) != val)
			return -EAGAIN;
		/* FUTEX_WAIT's timeout is relative, the others' absolute. */
		return wait_alone(a3, clock, cmd != FUTEX_WAIT);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		if (cmd == FUTEX_WAKE_BITSET && (uint32_t)a5 == 0)
			return -EINVAL;
		return 0; /* nobody waits */
	case FUTEX_REQUEUE:
		return 0;
	case FUTEX_CMP_REQUEUE:
	case FUTEX_CMP_REQUEUE_PI:
		return __atomic_load_n(uaddr, __ATOMIC_SEQ_CST) != (uint32_t)a5 ? -EAGAIN : 0;
	case FUTEX_WAKE_OP: {
		if ((a4 & 3) || !user_ok(a4, 4))
			return (a4 & 3) ? -EINVAL : -EFAULT;
		int r = wake_op((uint32_t *)a4, (uint32_t)a5);
		return r < 0 ? r : 0;
	}
	case FUTEX_UNLOCK_PI: {
		uint32_t v = __atomic_load_n(uaddr, __ATOMIC_SEQ_CST);
		if ((v & FUTEX_TID_MASK) != boot_info.pid)
			return -EPERM;
		__atomic_store_n(uaddr, 0, __ATOMIC_SEQ_CST);
		return 0;
	}
	}
	static int warned;
	if (!warned++)
		logf("uniproc: warning: futex operation %lu is not supported (ENOSYS)", a1);
	return -ENOSYS;
}
