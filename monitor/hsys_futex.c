/*
 * Futexes the host serves, on our mapping of the guest's word: a private
 * futex meets the calls of the process's other threads (vCPUs run by host
 * threads of this monitor, vcpu.c); a shared one, in memory other
 * processes map too (MAP_SHARED, shm_open, SysV shm), is the same host
 * memory in every VM that maps it, so the host's futex meets the other VMs'
 * calls (the host keys shared futexes by the page). PI futexes work as
 * they are: the guest's tids are host tids. What needs no sleeper never
 * leaves the library OS (guest/sys_futex.c). Also membarrier, memfd_create.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hsys.h"

/* Does op take a timeout pointer (else a[3] is a count, val2)? */
static int has_timeout(int cmd)
{
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
	case FUTEX_WAIT_REQUEUE_PI:
		return 1;
	}
	return 0;
}

/* Does op name a second futex word (uaddr2)? */
static int has_uaddr2(int cmd)
{
	switch (cmd) {
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
	case FUTEX_WAKE_OP:
	case FUTEX_WAIT_REQUEUE_PI:
	case FUTEX_CMP_REQUEUE_PI:
		return 1;
	}
	return 0;
}

HSYS(futex)
{
	int op = (int)a[1], cmd = op & FUTEX_CMD_MASK;
	if (a[0] & 3)
		return -EINVAL;
	uint32_t *u = gmem_in(p, a[0], 4), *u2 = NULL;
	if (!u || a[0] < UP_USER_BASE)
		return -EFAULT;
	uint64_t arg3 = a[3];
	if (has_timeout(cmd) && a[3]) {
		const struct timespec *t = gmem_in(p, a[3], sizeof *t);
		if (!t)
			return -EFAULT;
		arg3 = (uint64_t)t;
	}
	if (has_uaddr2(cmd)) {
		if ((a[4] & 3) || !(u2 = gmem_in(p, a[4], 4)) || a[4] < UP_USER_BASE)
			return (a[4] & 3) ? -EINVAL : -EFAULT;
	}
	if (!has_timeout(cmd)) /* cannot sleep */
		return hsys_ret(syscall(SYS_futex, u, op, (uint32_t)a[2], arg3, u2, (uint32_t)a[5]));
	/* Counted before the host checks the word, so that a waker that finds
	   no sleeper has changed the word first (see guest/sys_futex.c). */
	__atomic_fetch_add(&run_page->futex_sleepers, 1, __ATOMIC_SEQ_CST);
	long r = hsys_ret(syscall(SYS_futex, u, op, (uint32_t)a[2], arg3, u2, (uint32_t)a[5]));
	__atomic_fetch_sub(&run_page->futex_sleepers, 1, __ATOMIC_SEQ_CST);
	return r;
}

/* futex_waitv(waiters, n, flags, timeout, clockid): each word translated. */
HSYS(futex_waitv)
{
	struct waitv {
		uint64_t val, uaddr;
		uint32_t flags, reserved;
	} w[128];
	uint64_t n = a[1];
	if (n == 0 || n > 128 || a[2])
		return -EINVAL;
	const struct waitv *g = gmem_in(p, a[0], n * sizeof *g);
	if (!g)
		return -EFAULT;
	memcpy(w, g, n * sizeof *g); /* read once */
	for (uint64_t i = 0; i < n; i++) {
		if (w[i].uaddr % 4 || w[i].uaddr < UP_USER_BASE)
			return w[i].uaddr % 4 ? -EINVAL : -EFAULT;
		void *u = gmem_in(p, w[i].uaddr, 4);
		if (!u)
			return -EFAULT;
		w[i].uaddr = (uint64_t)u;
	}
	const struct timespec *t = NULL;
	if (a[3] && !(t = gmem_in(p, a[3], sizeof *t)))
		return -EFAULT;
	__atomic_fetch_add(&run_page->futex_sleepers, 1, __ATOMIC_SEQ_CST);
	long r = hsys_ret(syscall(SYS_futex_waitv, w, (unsigned)n, 0, t, (int)a[4]));
	__atomic_fetch_sub(&run_page->futex_sleepers, 1, __ATOMIC_SEQ_CST);
	return r;
}

/* membarrier: a barrier on every CPU that runs one of our threads (the
   host interrupts them, which takes their vCPUs out of the guest). */
HSYS(membarrier)
{
	static int registered;
	if (!registered++)
		syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0);
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) < 0)
		return hsys_ret(syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0));
	return 0;
}

HSYS(memfd_create)
{
	char name[250];
	int r = gmem_ustr(p, a[0], name, sizeof name);
	if (r < 0)
		return r == -ENAMETOOLONG ? -EINVAL : r;
	return hsys_newfd(p, memfd_create(name, (unsigned)a[1]));
}
