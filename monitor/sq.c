/*
 * Exitless host calls (issue 16). A VM exit costs ~25 us on this host, a
 * host call ~1-2 us. So while a process makes host calls back to back, a
 * host thread of its monitor, the call server, watches each thread's slot
 * (struct up_sq in its struct up_thread, abi.h) and serves the calls put
 * there, while the vCPU spins for the answer: no exit.
 *
 * The server is woken by the first call that comes by hypercall (sq_kick)
 * and goes back to sleep after IDLE_NS without a call, so an idle guest
 * costs no CPU. It serves only calls that do not wait: one that would (a
 * read of a socket with nothing to read, an accept with no connection) it
 * answers UP_SQ_RETRY, and the thread makes the hypercall, which may sleep
 * in the monitor as before. Each call is served as UP_HC_SYSCALL serves it
 * (hsys, under the process lock, as the calling thread), so it behaves the
 * same. The slot is guest memory: read once, never trusted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

#define IDLE_MIN_NS 50000   /* awake at least this long after the last call ... */
#define IDLE_MAX_NS 2000000 /* ... at most this long */
#define HOT_NS 10000  /* watching without yielding the CPU for this long */

static int started;        /* the server thread runs (in this process) */
static int server_tid;
static struct vcpu *serving; /* whose call it makes now */
static uint32_t asleep;    /* it waits in a futex on this word */
/* How long it stays awake without a call: it doubles when a call comes
   soon after it fell asleep (a program that computes between its calls,
   md5sum between reads), and halves when it slept long. */
static long long idle_ns = IDLE_MIN_NS, slept_at;
static struct proc *sp;

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ll + t.tv_nsec;
}

static void set_awake(struct proc *p, int on)
{
	struct up_boot_info *bi = gmem_ptr(&p->vm, p->libos.boot_info, sizeof *bi);
	if (bi)
		__atomic_store_n(&bi->sq_awake, (uint64_t)on, __ATOMIC_SEQ_CST);
}

/* Would call nr wait (the fd is blocking and not ready)? Then the thread
   makes it by hypercall. */
int sq_would_wait(uint64_t nr, const uint64_t a[6])
{
	short ev;
	switch (nr) {
	case SYS_read: case SYS_readv: case SYS_recvfrom: case SYS_recvmsg:
	case SYS_accept: case SYS_accept4:
		ev = POLLIN;
		break;
	case SYS_write: case SYS_writev: case SYS_sendto: case SYS_sendmsg: case SYS_sendfile:
		ev = POLLOUT;
		break;
	case SYS_epoll_wait: case SYS_epoll_pwait:
		return (int)a[3] != 0;
	case SYS_setfsuid: case SYS_setfsgid: case SYS_capset: /* per thread: on its own */
		return 1;
	case SYS_prctl:
		return (int)a[0] == PR_CAPBSET_DROP || (int)a[0] == PR_SET_SECUREBITS ||
		       (int)a[0] == PR_CAP_AMBIENT || (int)a[0] == PR_SET_KEEPCAPS;
	case SYS_fcntl: /* a lock that waits */
		return (int)a[1] == F_SETLKW || (int)a[1] == F_OFD_SETLKW;
	case SYS_ioctl: /* the few that never wait */
		switch ((unsigned)a[1]) {
		case FIONREAD: case FIONBIO: case TCGETS: case TIOCGWINSZ: case FIOCLEX:
		case FIONCLEX: case FIOASYNC:
			return 0;
		}
		return 1;
	default:
		return 0;
	}
	int fd = (int)a[0];
	if (fd < 0 || fd >= UP_FD_MAX)
		return 0; /* hsys refuses it */
	if ((nr == SYS_recvfrom || nr == SYS_sendto) && (a[3] & MSG_DONTWAIT))
		return 0;
	if ((nr == SYS_recvmsg || nr == SYS_sendmsg) && (a[2] & MSG_DONTWAIT))
		return 0;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (fl & O_NONBLOCK))
		return 0;
	struct pollfd pf = {fd, ev, 0};
	return poll(&pf, 1, 0) == 0;
}

/* Serve v's slot if a call waits there. 1 if one was. */
static int serve(struct proc *p, struct vcpu *v)
{
	struct up_thread *t = vcpu_thread(p, v);
	if (!t)
		return 0;
	uint32_t want = UP_SQ_SUBMITTED;
	if (__atomic_load_n(&t->sq.state, __ATOMIC_ACQUIRE) != want ||
	    !__atomic_compare_exchange_n(&t->sq.state, &want, UP_SQ_TAKEN, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return 0;
	uint64_t nr = t->sq.nr, a[6];
	memcpy(a, t->sq.args, sizeof a); /* read the guest's slot once */
	long r = UP_SQ_RETRY;
	hsys_defer_close(p); /* closes the library OS put off come first */
	if (!sq_would_wait(nr, a)) {
		/* As the calling thread: its signals, its fds' calls. A call that
		   waits after all (a FIFO's open) ends with EINTR when a signal
		   for that thread comes (sq_signal), and goes back to it. */
		vcpu = v;
		__atomic_store_n(&serving, v, __ATOMIC_SEQ_CST);
		r = hsys(p, nr, a);
		if (r == -EINTR)
			r = UP_SQ_RETRY;
		__atomic_store_n(&serving, NULL, __ATOMIC_SEQ_CST);
		signal_check(p);
		vcpu = NULL;
	}
	t->sq.ret = r;
	__atomic_store_n(&t->sq.state, UP_SQ_DONE, __ATOMIC_RELEASE);
	if (__atomic_load_n(&t->sq.waiting, __ATOMIC_SEQ_CST))
		syscall(SYS_futex, &t->sq.state, FUTEX_WAKE, 1, NULL, NULL, 0);
	return 1;
}

void sq_signal(struct vcpu *v)
{
	if (__atomic_load_n(&serving, __ATOMIC_SEQ_CST) == v && server_tid > 0)
		syscall(SYS_tgkill, getpid(), server_tid, SIGNAL_KICK);
}

/*
 * A server awake spins on a CPU, so the run keeps at most half the CPUs'
 * worth of them awake (at least one, at most 8): on a busy machine the
 * others sleep and their threads make hypercalls, which cost less than a
 * server that does not get a CPU. The places are the run page's, shared by
 * its monitors: a pid in each, or 0; a dead one's place is free.
 */
/* The CPUs the host lets this monitor use. */
static int cpus(void)
{
	cpu_set_t s;
	return sched_getaffinity(0, sizeof s, &s) == 0 ? CPU_COUNT(&s) : 1;
}

static int awake_cap(void)
{
	static int cap;
	if (!cap) {
		int n = cpus();
		cap = n / 2 > 8 ? 8 : n / 2 > 1 ? n / 2 : 1;
	}
	return cap;
}

static int my_place = -1;

/*
 * A server spins on a CPU, so it helps only if a CPU is free for it: when
 * more threads are runnable on the host than it has CPUs (a prefork server
 * under load: 6 VMs on 2 CPUs), a spinning server takes the CPU from a vCPU
 * and each call costs more than its exit would (3.1-3.5 k req/s against
 * 3.5-3.9 k without servers). So a server wakes only if the host's runnable
 * threads (/proc/loadavg, the calling thread included) are fewer than the
 * CPUs, looked at no more than once a millisecond. --exitless always skips
 * the look (tests of the server itself).
 */
static int loadavg_fd = -1;

void sq_init(void)
{
	int fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
	loadavg_fd = fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, UP_FD_MAX);
	if (fd >= 0)
		close(fd);
}

static int cpu_free(struct proc *p)
{
	static int was_free;
	static long long at;
	if (p->sq == SQ_ALWAYS)
		return 1;
	long long t = now_ns();
	if (t - at < 1000000)
		return was_free;
	at = t;
	char b[128];
	ssize_t n = loadavg_fd >= 0 ? pread(loadavg_fd, b, sizeof b - 1, 0) : -1;
	if (n <= 0)
		return was_free = 1;
	b[n] = 0;
	/* "0.65 1.12 1.10 2/345 12345": runnable/all */
	char *c = strchr(b, '/');
	while (c && c > b && c[-1] != ' ')
		c--;
	return was_free = !c || atoi(c) < cpus();
}

/* Take an awake server's place in the run: 1, or 0 if all are taken or
   no CPU is free. */
static int wake_slot(struct proc *p)
{
	uint32_t me = (uint32_t)getpid();
	if (!cpu_free(p))
		return 0;
	for (int i = 0; i < awake_cap(); i++) {
		uint32_t v = __atomic_load_n(&run_page->awake[i], __ATOMIC_SEQ_CST);
		if (v && v != me && (kill((pid_t)v, 0) == 0 || errno != ESRCH))
			continue;
		if (__atomic_compare_exchange_n(&run_page->awake[i], &v, me, 0, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST)) {
			my_place = i;
			return 1;
		}
	}
	return 0;
}

static void leave_slot(void)
{
	if (my_place >= 0)
		__atomic_store_n(&run_page->awake[my_place], 0, __ATOMIC_SEQ_CST);
	my_place = -1;
}

static void *server(void *arg)
{
	struct proc *p = arg;
	server_tid = gettid();
	long long last = now_ns();
	for (;;) {
		int served = 0;
		int n = __atomic_load_n(&nvcpus, __ATOMIC_ACQUIRE);
		for (int i = 0; i < n; i++) {
			struct vcpu *v = __atomic_load_n(&vcpus[i], __ATOMIC_ACQUIRE);
			struct up_thread *t = v && v->live ? vcpu_thread(p, v) : NULL;
			if (!t || __atomic_load_n(&t->sq.state, __ATOMIC_ACQUIRE) != UP_SQ_SUBMITTED)
				continue;
			proc_lock();
			served += v->live && serve(p, v);
			proc_unlock();
		}
		long long now = served ? now_ns() : 0;
		if (served) {
			last = now;
			continue;
		}
		long long idle = now_ns() - last;
		if (idle < idle_ns && __atomic_load_n(&p->sq, __ATOMIC_SEQ_CST)) {
			/* The next call of a busy thread comes within microseconds:
			   watch closely for a while, then yield the CPU to anyone
			   else who wants it between looks. */
			if (idle < HOT_NS)
				__builtin_ia32_pause();
			else
				sched_yield();
			continue;
		}
		/* Sleep. A call submitted meanwhile is taken back by its thread
		   (not taken in time), or served by the look after this. */
		slept_at = now_ns();
		__atomic_store_n(&asleep, 1, __ATOMIC_SEQ_CST);
		leave_slot();
		proc_lock();
		set_awake(p, 0);
		for (int i = 0; i < nvcpus; i++)
			if (vcpus[i]->live)
				serve(p, vcpus[i]);
		proc_unlock();
		while (__atomic_load_n(&asleep, __ATOMIC_SEQ_CST))
			syscall(SYS_futex, &asleep, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0);
		last = now_ns();
	}
	return NULL;
}

void sq_kick(struct proc *p)
{
	if (!p->sq)
		return;
	if (!started) {
		if (!wake_slot(p))
			return;
		sp = p;
		pthread_t t;
		pthread_attr_t a;
		pthread_attr_init(&a);
		pthread_attr_setstacksize(&a, 1 << 20);
		started = pthread_create(&t, &a, server, p) == 0;
		pthread_attr_destroy(&a);
		if (started) {
			pthread_detach(t);
			set_awake(p, 1);
		} else {
			leave_slot();
		}
		return;
	}
	if (__atomic_load_n(&asleep, __ATOMIC_SEQ_CST)) {
		if (!wake_slot(p))
			return; /* enough servers spin in the run */
		long long slept = now_ns() - slept_at;
		if (slept < 4 * idle_ns)
			idle_ns = idle_ns * 2 < IDLE_MAX_NS ? idle_ns * 2 : IDLE_MAX_NS;
		else if (slept > 64 * idle_ns)
			idle_ns = idle_ns / 2 > IDLE_MIN_NS ? idle_ns / 2 : IDLE_MIN_NS;
		set_awake(p, 1);
		__atomic_store_n(&asleep, 0, __ATOMIC_SEQ_CST);
		syscall(SYS_futex, &asleep, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	} else {
		set_awake(p, 1); /* after an execve: the new program's boot_info */
	}
}

/* From now on every call of p goes by hypercall, made by its thread's own
   host thread (per-thread credentials: hsys_id.c). The server sleeps for
   good. */
void sq_stop(struct proc *p)
{
	p->sq = 0;
	set_awake(p, 0);
}

void sq_fork_child(struct proc *p)
{
	started = 0; /* the server thread stayed in the parent */
	my_place = -1;
	server_tid = 0;
	serving = NULL;
	asleep = 0;
	set_awake(p, 0);
}

void sq_exit(void)
{
	if (started && !__atomic_load_n(&asleep, __ATOMIC_SEQ_CST))
		leave_slot();
}
