/*
 * Clocks, served in the guest from the TSC without an exit. The monitor
 * pairs one TSC reading with the host clocks at boot; CPU-time clocks and
 * sleeps go to the host.
 */
#include <asm/errno.h>
#include <asm/unistd.h>

#include "libos.h"

struct kts {
	int64_t sec, nsec;
};

static uint64_t ns_mult; /* nanoseconds per TSC tick, << 32 */

void time_init(void)
{
	if (boot_info.tsc_khz)
		ns_mult = (1000000ull << 32) / boot_info.tsc_khz;
}

uint64_t tsc_ns(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	uint64_t d = (((uint64_t)hi << 32) | lo) - boot_info.tsc0;
	return (uint64_t)(((unsigned __int128)d * ns_mult) >> 32);
}

/* 0: realtime, 1: monotonic, -1: ask the host. */
static int clock_kind(uint64_t id)
{
	if (!ns_mult)
		return -1;
	switch (id) {
	case 0: /* CLOCK_REALTIME */
	case 5: /* CLOCK_REALTIME_COARSE */
		return 0;
	case 1: /* CLOCK_MONOTONIC */
	case 4: /* CLOCK_MONOTONIC_RAW */
	case 6: /* CLOCK_MONOTONIC_COARSE */
	case 7: /* CLOCK_BOOTTIME */
		return 1;
	}
	return -1;
}

static uint64_t now_ns(int kind)
{
	return (kind ? boot_info.monotonic0_ns : boot_info.realtime0_ns) + tsc_ns();
}

SYSDEF(clock_gettime)
{
	int kind = clock_kind(a0);
	if (kind < 0)
		return hc_syscall(__NR_clock_gettime, a0, a1, 0, 0, 0, 0);
	uint64_t ns = now_ns(kind);
	struct kts t = {ns / 1000000000, ns % 1000000000};
	return put_user(a1, &t, sizeof t);
}

SYSDEF(clock_getres)
{
	if (clock_kind(a0) < 0)
		return hc_syscall(__NR_clock_getres, a0, a1, 0, 0, 0, 0);
	struct kts t = {0, 1};
	return a1 ? put_user(a1, &t, sizeof t) : 0;
}

SYSDEF(gettimeofday)
{
	if (!ns_mult)
		return hc_syscall(__NR_gettimeofday, a0, a1, 0, 0, 0, 0);
	uint64_t ns = now_ns(0);
	int64_t tv[2] = {ns / 1000000000, ns % 1000000000 / 1000}, tz = 0; /* struct timezone: UTC */
	if (a0 && put_user(a0, tv, sizeof tv))
		return -EFAULT;
	return a1 ? put_user(a1, &tz, sizeof tz) : 0;
}

SYSDEF(time)
{
	if (!ns_mult)
		return hc_syscall(__NR_time, a0, 0, 0, 0, 0, 0);
	int64_t t = now_ns(0) / 1000000000;
	return a0 && put_user(a0, &t, sizeof t) ? -EFAULT : t;
}
