/*
 * Futexes the host serves: those not marked private, which may sit in
 * memory shared with other processes (MAP_SHARED, shm_open, SysV shm). Such
 * memory is the same host memory in every VM that maps it, so the host's
 * own futex, called on our mapping of the word, meets the other VMs' calls
 * (the host keys shared futexes by the page, not the address). A private
 * futex never leaves the library OS (guest/sys_futex.c). Also memfd_create.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
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
	uint32_t *u = gmem_ptr(&p->vm, a[0], 4), *u2 = NULL;
	if (!u || a[0] < UP_USER_BASE)
		return -EFAULT;
	uint64_t arg3 = a[3];
	if (has_timeout(cmd) && a[3]) {
		const struct timespec *t = gmem_ptr(&p->vm, a[3], sizeof *t);
		if (!t)
			return -EFAULT;
		arg3 = (uint64_t)t;
	}
	if (has_uaddr2(cmd)) {
		if ((a[4] & 3) || !(u2 = gmem_ptr(&p->vm, a[4], 4)) || a[4] < UP_USER_BASE)
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

HSYS(memfd_create)
{
	char name[250];
	int r = gmem_str(&p->vm, a[0], name, sizeof name);
	if (r < 0)
		return r == -ENAMETOOLONG ? -EINVAL : r;
	return hsys_newfd(p, memfd_create(name, (unsigned)a[1]));
}
