/*
 * Path syscalls without a dirfd: rewritten to their *at forms, which the
 * monitor serves (monitor/hsys_path.c). And close, which may be put off.
 */
#include <asm/unistd.h>

#include "libos.h"

#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define O_CREAT 0100
#define O_WRONLY 01
#define O_TRUNC 01000

#define HOST(nr, ...) hc_syscall(nr, __VA_ARGS__)

SYSDEF(open) { return HOST(__NR_openat, AT_FDCWD, a0, a1, a2, 0, 0); }
SYSDEF(creat) { return HOST(__NR_openat, AT_FDCWD, a0, O_CREAT | O_WRONLY | O_TRUNC, a1, 0, 0); }
SYSDEF(stat) { return HOST(__NR_newfstatat, AT_FDCWD, a0, a1, 0, 0, 0); }
SYSDEF(lstat) { return HOST(__NR_newfstatat, AT_FDCWD, a0, a1, AT_SYMLINK_NOFOLLOW, 0, 0); }
SYSDEF(access) { return HOST(__NR_faccessat, AT_FDCWD, a0, a1, 0, 0, 0); }
SYSDEF(readlink) { return HOST(__NR_readlinkat, AT_FDCWD, a0, a1, a2, 0, 0); }
SYSDEF(mkdir) { return HOST(__NR_mkdirat, AT_FDCWD, a0, a1, 0, 0, 0); }
SYSDEF(rmdir) { return HOST(__NR_unlinkat, AT_FDCWD, a0, AT_REMOVEDIR, 0, 0, 0); }
SYSDEF(unlink) { return HOST(__NR_unlinkat, AT_FDCWD, a0, 0, 0, 0, 0); }
SYSDEF(rename) { return HOST(__NR_renameat, AT_FDCWD, a0, AT_FDCWD, a1, 0, 0); }
SYSDEF(symlink) { return HOST(__NR_symlinkat, a0, AT_FDCWD, a1, 0, 0, 0); }
SYSDEF(chmod) { return HOST(__NR_fchmodat, AT_FDCWD, a0, a1, 0, 0, 0); }
SYSDEF(pipe) { return HOST(__NR_pipe2, a0, 0, 0, 0, 0, 0); }
SYSDEF(link) { return HOST(__NR_linkat, AT_FDCWD, a0, AT_FDCWD, a1, 0, 0); }

/*
 * close(2) of a connected socket goes with the process's next host call
 * (abi.h struct up_defer): a prefork worker's close then rides on its next
 * accept, and costs no exit of its own. The monitor marks the fds whose
 * close may wait; one put off is sent before a pipe ring or futex
 * operation (another process may see those without the monitor) and at
 * the first syscall a millisecond later, so a peer waits for its EOF no
 * longer than that while the program makes syscalls.
 */
struct up_defer defer;
static uint64_t defer_since; /* tsc_ns() of a close put off, or 0 */

#define DEFER_NS 1000000

void defer_send(void)
{
	/* The slots, not defer_since: another thread's host call may have
	   cleared that before its hypercall reached the monitor. */
	__atomic_store_n(&defer_since, 0, __ATOMIC_RELEASE);
	for (int i = 0; i < UP_DEFER_SLOTS; i++)
		if (__atomic_load_n(&defer.fd1[i], __ATOMIC_ACQUIRE)) {
			/* The monitor makes them before any call, under its lock, so
			   another thread's close of the fd comes after: EBADF. This
			   call it answers EBADF at once. */
			hc_syscall(__NR_close, (uint64_t)-1, 0, 0, 0, 0, 0);
			return;
		}
}

/* A host call is on its way: it takes the closes put off with it. */
void defer_riding(void)
{
	if (__atomic_load_n(&defer_since, __ATOMIC_RELAXED))
		__atomic_store_n(&defer_since, 0, __ATOMIC_RELEASE);
}

void defer_tick(void)
{
	uint64_t since = __atomic_load_n(&defer_since, __ATOMIC_ACQUIRE);
	if (since && tsc_ns() - since > DEFER_NS)
		defer_send();
}

/* Two threads closing one fd: one puts it off, the other's close goes to
   the monitor, which makes the first before it, so the second is EBADF. */
static struct lock defer_lock;

SYSDEF(close)
{
	uint8_t bit = (uint8_t)(1u << (a0 % 8));
	uint64_t now;
	if (a0 >= UP_FD_MAX || fd_table[a0] || !(defer.may[a0 / 8] & bit) || !(now = tsc_ns()))
		return hc_syscall(__NR_close, a0, 0, 0, 0, 0, 0);
	lock_take(&defer_lock);
	int put = 0;
	if (__atomic_fetch_and(&defer.may[a0 / 8], (uint8_t)~bit, __ATOMIC_ACQ_REL) & bit)
		for (int i = 0; i < UP_DEFER_SLOTS && !put; i++) {
			uint32_t none = 0;
			put = __atomic_compare_exchange_n(&defer.fd1[i], &none, (uint32_t)a0 + 1, 0,
							  __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
		}
	lock_give(&defer_lock);
	if (!put) /* not ours to put off, or all slots taken */
		return hc_syscall(__NR_close, a0, 0, 0, 0, 0, 0);
	uint64_t zero = 0;
	__atomic_compare_exchange_n(&defer_since, &zero, now, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	return 0;
}
