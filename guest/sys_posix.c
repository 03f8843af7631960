/*
 * Issue 17 calls served in the guest: mknod becomes mknodat for the
 * monitor, and the priority range of each scheduling policy is Linux's
 * constant answer, given without an exit.
 */
#include <asm/errno.h>
#include <asm/unistd.h>

#include "libos.h"

#define AT_FDCWD (-100)

SYSDEF(mknod) { return hc_syscall(__NR_mknodat, AT_FDCWD, a0, a1, a2, 0, 0); }

/* Policies: OTHER 0, FIFO 1, RR 2, BATCH 3, IDLE 5, DEADLINE 6. */
static long prio_range(uint64_t policy, int max)
{
	switch ((int)policy) {
	case 1:
	case 2:
		return max ? 99 : 1;
	case 0:
	case 3:
	case 5:
	case 6:
		return 0;
	}
	return -EINVAL;
}

SYSDEF(sched_get_priority_max) { return prio_range(a0, 1); }
SYSDEF(sched_get_priority_min) { return prio_range(a0, 0); }
