/* Time, identity, randomness and signal dispositions. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/prctl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "hsys.h"

HSYS(umask)
{
	return umask((mode_t)a[0] & 0777);
}

/*
 * The sleeps: the host's. A host signal the guest blocks (it stays pending
 * for the guest) does not end them: they sleep on for what is left.
 */
static long sleep_common(struct proc *p, clockid_t clock, int flags, const struct timespec *req,
			 struct timespec *rem)
{
	struct timespec want = *req, left;
	for (;;) {
		long r = -clock_nanosleep(clock, flags, &want, &left);
		if (!hsys_retry_eintr(p, r)) {
			if (r == -EINTR && rem && !(flags & TIMER_ABSTIME))
				*rem = left;
			return r;
		}
		if (!(flags & TIMER_ABSTIME))
			want = left;
	}
}

HSYS(nanosleep)
{
	BUF_ARG(req, 0, sizeof(struct timespec));
	/* Linux writes rem only when a signal interrupts the sleep */
	struct timespec *rem = a[1] ? gmem_out(p, a[1], sizeof *rem) : NULL;
	return sleep_common(p, CLOCK_MONOTONIC, 0, req, rem);
}

HSYS(clock_nanosleep)
{
	BUF_ARG(req, 2, sizeof(struct timespec));
	/* Linux writes rem only when a signal interrupts the sleep */
	struct timespec *rem = a[3] ? gmem_out(p, a[3], sizeof *rem) : NULL;
	return sleep_common(p, (clockid_t)a[0], (int)a[1], req, rem);
}

HSYS(clock_gettime)
{
	OUT_ARG(ts, 1, sizeof(struct timespec));
	return hsys_ret(clock_gettime((clockid_t)a[0], ts));
}

HSYS(clock_getres)
{
	struct timespec *ts = a[1] ? gmem_out(p, a[1], sizeof *ts) : NULL;
	if (a[1] && !ts)
		return -EFAULT;
	return hsys_ret(clock_getres((clockid_t)a[0], ts));
}

HSYS(gettimeofday)
{
	struct timeval *tv = a[0] ? gmem_out(p, a[0], sizeof *tv) : NULL;
	if ((a[0] && !tv) || (a[1] && !gmem_out(p, a[1], 8)))
		return -EFAULT;
	if (a[1])
		memset(gmem_out(p, a[1], 8), 0, 8); /* struct timezone: UTC */
	return hsys_ret(syscall(SYS_gettimeofday, tv, NULL));
}

HSYS(time)
{
	time_t *t = a[0] ? gmem_out(p, a[0], sizeof *t) : NULL;
	if (a[0] && !t)
		return -EFAULT;
	return time(t);
}

HSYS(sysinfo)
{
	OUT_ARG(si, 0, sizeof(struct sysinfo));
	return hsys_ret(sysinfo(si));
}

HSYS(getrandom)
{
	size_t len = a[1] > (32u << 20) ? (32u << 20) : a[1];
	OUT_ARG(buf, 0, len);
	return hsys_ret(getrandom(buf, len, (unsigned)a[2]));
}

HSYS(uname)
{
	OUT_ARG(u, 0, sizeof(struct utsname));
	return hsys_ret(uname(u));
}

/*
 * The guest answers most limits itself; it asks here for the host's, and
 * tells us its RLIMIT_NOFILE, which we enforce on new descriptors.
 */
HSYS(prlimit64)
{
	if (a[0] != 0 || a[1] >= RLIM_NLIMITS)
		return -EINVAL;
	if (a[2] && a[1] == RLIMIT_CORE) {
		const struct rlimit *rl = gmem_ptr(&p->vm, a[2], sizeof *rl);
		if (!rl || rl->rlim_cur > rl->rlim_max)
			return -EINVAL;
		/* The host says whether the hard limit may rise; its soft one
		   stays 0 (the monitor never dumps guest memory). */
		if (setrlimit(RLIMIT_CORE, &(struct rlimit){0, rl->rlim_max}) < 0)
			return -errno;
		p->core = *rl;
		return 0;
	}
	if (a[1] == RLIMIT_SIGPENDING) { /* the monitor's count of queued signals */
		const struct rlimit *rl = a[2] ? gmem_in(p, a[2], sizeof *rl) : NULL;
		struct rlimit *old = a[3] ? gmem_out(p, a[3], sizeof *old) : NULL;
		if ((a[2] && !rl) || (a[3] && !old))
			return -EFAULT;
		return signal_rlimit(rl, old);
	}
	if (a[1] == RLIMIT_CORE) {
		BUF_ARG(old, 3, sizeof(struct rlimit));
		memcpy(old, &p->core, sizeof p->core);
		return 0;
	}
	if (a[2]) {
		const struct rlimit *rl = gmem_in(p, a[2], sizeof *rl);
		if (!rl || a[1] != RLIMIT_NOFILE)
			return -EINVAL;
		p->fd_limit = rl->rlim_cur < UP_FD_MAX ? (int)rl->rlim_cur : UP_FD_MAX;
		p->fd_hard = rl->rlim_max < UP_FD_MAX ? (int)rl->rlim_max : UP_FD_MAX;
		return 0;
	}
	OUT_ARG(old, 3, sizeof(struct rlimit));
	return hsys_ret(getrlimit((int)a[1], old));
}

