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

/* FUTEX_WAKE_OP's operation on *p; returns whether its comparison holds. */
static int wake_op(uint32_t *p, uint32_t code)
{
	uint32_t op = (code >> 28) & 7, cmp = (code >> 24) & 15;
	uint32_t oparg = (code >> 12) & 0xfff, cmparg = code & 0xfff;
	if (code & (8u << 28))
		oparg = oparg < 32 ? 1u << oparg : 0;
	uint32_t old = *p, v;
	switch (op) {
	case 0: v = oparg; break;
	case 1: v = old + oparg; break;
	case 2: v = old | oparg; break;
	case 3: v = old & ~oparg; break;
	case 4: v = old ^ oparg; break;
	default: return -ENOSYS;
	}
	*p = v;
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

/* futex(uaddr, op, val, timeout or val2, uaddr2, val3) */
SYSDEF(futex)
{
	uint32_t *uaddr = (uint32_t *)a0, val = (uint32_t)a2;
	int cmd = (int)(a1 & FUTEX_CMD_MASK);
	int clock = (a1 & FUTEX_CLOCK_REALTIME) ? CLOCK_REALTIME : CLOCK_MONOTONIC;
	if ((a0 & 3) || !user_ok(a0, 4))
		return (a0 & 3) ? -EINVAL : -EFAULT;
	if (!(a1 & FUTEX_PRIVATE_FLAG))
		return hc_syscall(__NR_futex, a0, a1, a2, a3, a4, a5);
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
