/*
 * Timers and CPU time, made with the host's own calls in the monitor, which
 * is the process on the host. alarm, setitimer and POSIX timers signal the
 * monitor, which catches the signal and delivers it into the guest like any
 * other (signal.c): a handler runs, SIG_DFL ends the process as natively,
 * a blocked one waits. A fork is a host fork, which keeps no timers, as on
 * Linux; an exec keeps the monitor, so alarm and itimers stay, as on Linux,
 * and POSIX timers are deleted here, as on Linux.
 *
 * CPU time is the monitor's: its one thread runs the vCPU, so the guest's
 * time is in it, along with the monitor's own work for the guest (exits,
 * host calls). ITIMER_VIRTUAL and ITIMER_PROF count that time; times and
 * getrusage report it, and a child's, once waited for, is in
 * RUSAGE_CHILDREN (the host's wait of the child monitor adds it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include "hsys.h"

HSYS(alarm)
{
	return syscall(SYS_alarm, (unsigned)a[0]);
}

HSYS(setitimer)
{
	const struct itimerval *nv = a[1] ? gmem_in(p, a[1], sizeof *nv) : NULL;
	struct itimerval *ov = a[2] ? gmem_out(p, a[2], sizeof *ov) : NULL;
	if ((a[1] && !nv) || (a[2] && !ov))
		return -EFAULT;
	return hsys_ret(syscall(SYS_setitimer, (int)a[0], nv, ov));
}

HSYS(getitimer)
{
	OUT_ARG(cur, 1, sizeof(struct itimerval));
	return hsys_ret(syscall(SYS_getitimer, (int)a[0], cur));
}

/*
 * The guest's POSIX timers (host timer ids, as the guest sees them): for
 * exec to delete, for the overrun of each one's last delivered signal, and
 * for when each was last reset (created, set or deleted): since Linux 6.13
 * a timer's signal still pending from before that is dropped, not delivered.
 * Deleted timers stay listed a while (at most MAX_GONE) for that.
 */
struct gtimer {
	int id, overrun, deleted;
	uint64_t reset; /* timer_now() when last reset */
};
#define MAX_GONE 64
static struct gtimer *timers;
static int ntimers, maxtimers;
static pid_t timers_pid;              /* whose list it is: a forked child has no timers */
static volatile uint64_t epoch = 1; /* timer_now() */

uint64_t timer_now(void)
{
	return epoch;
}

static void timers_own(void)
{
	if (timers_pid != getpid()) {
		ntimers = 0;
		timers_pid = getpid();
	}
}

/* The entry of timer id (live only: deleted entries are not found). */
static struct gtimer *timer_find(int id, int live)
{
	timers_own();
	for (int i = 0; i < ntimers; i++)
		if (timers[i].id == id && !(live && timers[i].deleted))
			return &timers[i];
	return NULL;
}

/* Forget the oldest deleted timers past MAX_GONE. */
static void timers_prune(void)
{
	for (;;) {
		int gone = 0, oldest = -1;
		for (int i = 0; i < ntimers; i++)
			if (timers[i].deleted) {
				gone++;
				if (oldest < 0 || timers[i].reset < timers[oldest].reset)
					oldest = i;
			}
		if (gone <= MAX_GONE)
			return;
		timers[oldest] = timers[--ntimers];
	}
}

static void timer_gone(struct gtimer *t)
{
	t->deleted = 1;
	t->reset = ++epoch;
}

/*
 * timer_create(2). SIGEV_SIGNAL, SIGEV_NONE and SIGEV_THREAD_ID (our one
 * thread, whose tid is the monitor's) are the host's as they are.
 */
HSYS(timer_create)
{
	struct sigevent ev, *evp = NULL;
	if (a[1]) {
		const struct sigevent *g = gmem_in(p, a[1], sizeof *g);
		if (!g)
			return -EFAULT;
		ev = *g; /* read the guest's struct once */
		evp = &ev;
	}
	int *out = gmem_out(p, a[2], sizeof *out);
	if (!out)
		return -EFAULT;
	timers_own();
	if (ntimers == maxtimers) {
		int n = maxtimers ? 2 * maxtimers : 16;
		struct gtimer *t = realloc(timers, n * sizeof *t);
		if (!t)
			return -EAGAIN;
		timers = t;
		maxtimers = n;
	}
	int id;
	if (syscall(SYS_timer_create, (clockid_t)a[0], evp, &id) < 0)
		return -errno;
	struct gtimer *t = timer_find(id, 0); /* the id of a deleted one, again */
	if (!t)
		t = &timers[ntimers++];
	*t = (struct gtimer){id, 0, 0, ++epoch};
	*out = id;
	return 0;
}

HSYS(timer_settime)
{
	if (!a[2])
		return -EINVAL;
	const struct itimerspec *nv = gmem_in(p, a[2], sizeof *nv);
	struct itimerspec *ov = a[3] ? gmem_out(p, a[3], sizeof *ov) : NULL;
	if (!nv || (a[3] && !ov))
		return -EFAULT;
	long r = hsys_ret(syscall(SYS_timer_settime, (int)a[0], (int)a[1], nv, ov));
	struct gtimer *t = r == 0 ? timer_find((int)a[0], 1) : NULL;
	if (t) { /* as Linux: the overrun count starts again */
		t->overrun = 0;
		t->reset = ++epoch;
	}
	return r;
}

HSYS(timer_gettime)
{
	OUT_ARG(cur, 1, sizeof(struct itimerspec));
	return hsys_ret(syscall(SYS_timer_gettime, (int)a[0], cur));
}

/*
 * timer_getoverrun(2): the overrun of the timer's last signal the guest
 * took. The host's own count is of the monitor's catches, which happen at
 * once even while the guest blocks the signal; signal.c adds up the
 * expirations a still pending signal missed.
 */
HSYS(timer_getoverrun)
{
	long r = hsys_ret(syscall(SYS_timer_getoverrun, (int)a[0]));
	if (r < 0)
		return r;
	struct gtimer *t = timer_find((int)a[0], 1);
	return t ? t->overrun : r;
}

HSYS(timer_delete)
{
	long r = hsys_ret(syscall(SYS_timer_delete, (int)a[0]));
	struct gtimer *t = r == 0 ? timer_find((int)a[0], 1) : NULL;
	if (t) {
		timer_gone(t);
		timers_prune();
	}
	return r;
}

int timer_delivered(int timerid, int overrun, uint64_t caught)
{
	struct gtimer *t = timer_find(timerid, 0);
	if (!t)
		return 1; /* not a timer of ours: sent with si_code SI_TIMER by someone */
	if (caught < t->reset)
		return 0;
	t->overrun = overrun;
	return 1;
}

void timer_exec(void)
{
	timers_own();
	for (int i = 0; i < ntimers; i++)
		if (!timers[i].deleted) {
			syscall(SYS_timer_delete, timers[i].id);
			timer_gone(&timers[i]);
		}
	timers_prune();
}

/* times(2): the monitor's, as the kernel returns it (clock ticks). */
HSYS(times)
{
	struct tms *t = a[0] ? gmem_out(p, a[0], sizeof *t) : NULL;
	if (a[0] && !t)
		return -EFAULT;
	return (long)times(t);
}

HSYS(getrusage)
{
	OUT_ARG(ru, 1, sizeof(struct rusage));
	return hsys_ret(syscall(SYS_getrusage, (int)a[0], ru));
}
