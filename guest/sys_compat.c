/*
 * Old or rarely used calls that unmodified programs still make, served in
 * the guest: utime, utimes and futimesat become utimensat for the monitor;
 * restart_syscall; the mlock family (guest memory is the monitor's and
 * stays resident: there is nothing to lock, only the range to check); and
 * personality.
 */
#include <asm/errno.h>
#include <asm/unistd.h>

#include "libos.h"

#define AT_FDCWD (-100)

struct kts {
	int64_t sec, nsec;
};

/* utimes(2) and futimesat(2): times NULL (now) or two {sec, usec}, which
   Linux reads and checks before it looks at the path. */
static long utimes_at(uint64_t dirfd, uint64_t path, uint64_t times)
{
	struct kts ts[2];
	if (times) {
		int64_t tv[4];
		if (get_user(tv, times, sizeof tv))
			return -EFAULT;
		for (int i = 0; i < 2; i++) {
			if (tv[2 * i + 1] < 0 || tv[2 * i + 1] >= 1000000)
				return -EINVAL;
			ts[i] = (struct kts){tv[2 * i], tv[2 * i + 1] * 1000};
		}
	}
	return hc_syscall(__NR_utimensat, dirfd, path, times ? (uint64_t)ts : 0, 0, 0, 0);
}

SYSDEF(utimes) { return utimes_at(AT_FDCWD, a0, a1); }
SYSDEF(futimesat) { return utimes_at(a0, a1, a2); }

/* utime(2): struct utimbuf {actime, modtime}, whole seconds. */
SYSDEF(utime)
{
	struct kts ts[2];
	if (a1) {
		int64_t t[2];
		if (get_user(t, a1, sizeof t))
			return -EFAULT;
		ts[0] = (struct kts){t[0], 0};
		ts[1] = (struct kts){t[1], 0};
	}
	return hc_syscall(__NR_utimensat, AT_FDCWD, a0, a1 ? (uint64_t)ts : 0, 0, 0, 0);
}

/* Only the kernel restarts calls this way; a program's own call finds no
   restart to make, and Linux says EINTR. */
SYSDEF(restart_syscall) { return -EINTR; }

/* mlock and munlock: ENOMEM where [addr, addr + len) is not all mapped. */
static long lock_range(uint64_t a, uint64_t len)
{
	uint64_t lo = a & ~4095ull, hi = (a + len + 4095) & ~4095ull;
	if (!len)
		return 0;
	if (hi <= lo || !user_mem(lo, hi - lo))
		return -ENOMEM;
	return 0;
}

#define MLOCK_ONFAULT 1
#define MCL_CURRENT 1
#define MCL_FUTURE 2
#define MCL_ONFAULT 4

SYSDEF(mlock) { return lock_range(a0, a1); }
SYSDEF(munlock) { return lock_range(a0, a1); }
SYSDEF(mlock2) { return a2 & ~(uint64_t)MLOCK_ONFAULT ? -EINVAL : lock_range(a0, a1); }
SYSDEF(munlockall) { return 0; }

SYSDEF(mlockall)
{
	if (!a0 || (a0 & ~(uint64_t)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || a0 == MCL_ONFAULT)
		return -EINVAL;
	return 0;
}

/*
 * personality(2): kept for the program to read back (0xffffffff asks).
 * Nothing here depends on it: the memory layout is uniproc's, without the
 * randomization ADDR_NO_RANDOMIZE turns off. exec starts again from 0.
 */
SYSDEF(personality)
{
	static uint32_t persona;
	uint32_t old = persona;
	if ((uint32_t)a0 != 0xffffffff)
		persona = (uint32_t)a0;
	return old;
}

/* A VM's memory is one NUMA node (as get_mempolicy says): nothing to move,
   and no other home to give it. */
SYSDEF(migrate_pages)
{
	if (a0 && a0 != boot_info.pid)
		return -ESRCH;
	return 0; /* pages that could not be moved */
}

SYSDEF(set_mempolicy_home_node)
{
	if ((a0 & 4095) || a2 || a3)
		return -EINVAL;
	return 0;
}
