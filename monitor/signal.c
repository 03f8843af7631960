/*
 * Signals with handlers. A signal for the process is a host signal to its
 * monitor; for each signal the guest handles, the monitor catches it and
 * marks it pending. It is delivered when the guest runs program code (the
 * vCPU was interrupted there) or at the library OS's next return to the
 * program (UP_HC_SIGNAL, see struct up_sigstate): the monitor writes
 * Linux's rt_sigframe on the program's stack from the vCPU registers and
 * enters the handler, whose rt_sigreturn (UP_HC_SIGRETURN) restores them.
 * The frame is the program's own memory: what it says is checked as for
 * any guest pointer and can only change the program's own registers.
 *
 * With threads (vcpu.c), each has its mask, sigaltstack and delivery flag
 * in its struct up_thread; a signal for the process is pending for all and
 * taken by a thread that does not block it (the handler makes one leave the
 * guest: vcpu_kick), one for a thread (tgkill, a fault, SIGPIPE) by it.
 * Another process's tgkill or rt_tgsigqueueinfo comes to the host thread
 * that runs the thread it names (a guest tid is its host thread's).
 *
 * Every signal but SIGKILL and SIGSTOP is caught, ignored ones too, so
 * that a blocked one stays pending as on Linux: the default action is
 * taken at delivery (proc_signal to die, stop_self to stop). Real-time
 * signals queue, the process's (rtq) and each thread's (struct vcpu's
 * rtq), up to the guest's RLIMIT_SIGPENDING; standard ones are one bit
 * each.
 * A fault-class signal with si_code > 0 is a fault of the monitor itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hsys.h"

#define BIT(sig) (1ull << ((sig) - 1))
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))
#define SA_RESTORER_ 0x04000000

struct ksigaction {
	uint64_t handler, flags, restorer, mask;
};

static struct ksigaction actions[65];
static volatile uint64_t pending;   /* host signals for the process, not yet delivered */
static siginfo_t infos[65];

/* Real-time signals for the process queue, each instance with its siginfo.
   Taken with host signals blocked: on_signal adds to it from any thread. */
#define RT_FIRST 32
#define RTQ_LEN 32
static struct {
	siginfo_t q[RTQ_LEN];
	unsigned head, n;
} rtq[65 - RT_FIRST];
static int rtq_lock;

static void rtq_take_lock(void)
{
	while (__atomic_exchange_n(&rtq_lock, 1, __ATOMIC_ACQUIRE))
		;
}

static void rtq_give_lock(void)
{
	__atomic_store_n(&rtq_lock, 0, __ATOMIC_RELEASE);
}

/* The same lock, outside a signal handler: host signals blocked first. It
   also guards each thread's own queue (struct vcpu's rtq, pending, info). */
static void qlock(sigset_t *old)
{
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, old);
	rtq_take_lock();
}

static void qunlock(const sigset_t *old)
{
	rtq_give_lock();
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* RLIMIT_SIGPENDING as the guest set it. The host's stays as it was: the
   monitor's own kicks (SIGNAL_KICK) are real-time signals too. Linux
   counts a user's pending signals; we count the real-time signals queued
   for the process and its threads. */
static struct rlimit sig_limit = {RLIM_INFINITY, RLIM_INFINITY};

/* May one more real-time signal queue? (Queue lock held.) */
static int room(void)
{
	unsigned long n = 0;
	for (int i = 0; i < 65 - RT_FIRST; i++)
		n += rtq[i].n;
	int nv = cur_proc ? __atomic_load_n(&nvcpus, __ATOMIC_ACQUIRE) : 0;
	for (int i = 0; i < nv; i++)
		if (vcpus[i] && vcpus[i]->live)
			n += vcpus[i]->nrtq;
	return n < sig_limit.rlim_cur;
}
static uint64_t timer_caught[65]; /* issue 17: when a timer's signal came (timer_now) */

/* FPU state saved at each delivery (struct vcpu), restored at rt_sigreturn. */
#define FPU_DEPTH 8
#define fpu (vcpu->fpu)
#define nfpu (vcpu->nfpu)

/* signalfds: each an eventfd (the guest's fd) that is readable while a
   signal of its mask is pending. */
#define MAX_SIGNALFD 16
static struct {
	int used, fd;
	uint64_t mask;
} sfds[MAX_SIGNALFD];

/* Does thread v block sig? (Its mask is guest memory: read as it is.) */
static int blocks(struct vcpu *v, int sig)
{
	const struct up_sigstate *s = v->block % 8 ? NULL : gmem_ptr(&cur_proc->vm, v->block + offsetof(struct up_thread, sig), sizeof *s);
	return s && (s->blocked & BIT(sig) & ~UNBLOCKABLE);
}

/* Default actions: ignore, stop, or a fault (the rest end the process). */
static int default_ignored(int sig)
{
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}

static int stops(int sig)
{
	return sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static int fault_class(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL ||
	       sig == SIGTRAP || sig == SIGSYS;
}

#define STOP_SIGS (BIT(SIGTSTP) | BIT(SIGTTIN) | BIT(SIGTTOU))

/* Is sig, sent to the process, kept though it is ignored? As Linux: while
   the main thread blocks it, or a thread waits for it (rt_sigtimedwait). */
static int held(int sig)
{
	int nv = cur_proc ? __atomic_load_n(&nvcpus, __ATOMIC_ACQUIRE) : 0;
	for (int i = 0; i < nv; i++)
		if (vcpus[i] && vcpus[i]->live && (vcpus[i]->waitset & BIT(sig)))
			return 1;
	return nv && vcpus[0] && vcpus[0]->live && blocks(vcpus[0], sig);
}

/* Does some thread take sig now (it does not block it)? */
static int someone_takes(int sig)
{
	int nv = cur_proc ? __atomic_load_n(&nvcpus, __ATOMIC_ACQUIRE) : 0;
	for (int i = 0; i < nv; i++)
		if (vcpus[i] && vcpus[i]->live && ((vcpus[i]->waitset & BIT(sig)) || !blocks(vcpus[i], sig)))
			return 1;
	return !nv;
}

/*
 * The default action of a stop signal: the host kernel stops the whole
 * monitor, every vCPU thread with it, and tells the parent (its wait
 * status shows sig); we go on once continued. Safe in a signal handler.
 */
static void stop_self(int sig)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL}, old;
	sigset_t one, mask;
	sigemptyset(&one);
	sigaddset(&one, sig);
	sigaction(sig, &dfl, &old);
	pthread_sigmask(SIG_UNBLOCK, &one, &mask);
	syscall(SYS_tgkill, getpid(), gettid(), sig); /* taken as this call returns */
	pthread_sigmask(SIG_SETMASK, &mask, NULL);
	sigaction(sig, &old, NULL);
}

/* sig comes for the process with si: mark it pending, tell a thread.
   0, or -EAGAIN: a real-time signal the queue has no room for. */
static int post(int sig, const siginfo_t *si)
{
	struct vcpu *me = vcpu;
	uint64_t h = actions[sig].handler;
	/* SIGCONT discards pending stop signals, a stop signal a pending
	   SIGCONT, even when ignored themselves (as Linux). */
	if (sig == SIGCONT)
		__atomic_fetch_and(&pending, ~STOP_SIGS, __ATOMIC_SEQ_CST);
	if (stops(sig))
		__atomic_fetch_and(&pending, ~BIT(SIGCONT), __ATOMIC_SEQ_CST);
	if ((h == 1 || (h == 0 && default_ignored(sig))) && !held(sig))
		return 0; /* ignored: discarded, as Linux does unless it is blocked */
	if (h == 0 && stops(sig) && someone_takes(sig)) {
		stop_self(sig);
		return 0;
	}
	if (sig >= RT_FIRST) { /* queued, each with its own siginfo */
		rtq_take_lock();
		__typeof__(rtq[0]) *q = &rtq[sig - RT_FIRST];
		int merged = 0;
		for (unsigned i = 0; si->si_code == SI_TIMER && i < q->n; i++) {
			siginfo_t *o = &q->q[(q->head + i) % RTQ_LEN];
			if (o->si_code == SI_TIMER && o->si_timerid == si->si_timerid) {
				o->si_overrun += 1 + si->si_overrun; /* a timer's: one, with overruns */
				merged = 1;
			}
		}
		/* As Linux: past RLIMIT_SIGPENDING, one from sigqueue (or any
		   but kill) fails with EAGAIN; one from kill is pending without
		   its siginfo. A timer's has its place (it merges). */
		if (!merged && q->n < RTQ_LEN && (si->si_code == SI_TIMER || room())) {
			q->q[(q->head + q->n++) % RTQ_LEN] = *si;
		} else if (!merged && si->si_code != SI_USER) {
			rtq_give_lock();
			return -EAGAIN;
		} else if (!merged && !q->n) {
			siginfo_t bare = {.si_signo = sig, .si_code = SI_USER};
			q->q[(q->head + q->n++) % RTQ_LEN] = bare;
		}
		__atomic_fetch_or(&pending, BIT(sig), __ATOMIC_SEQ_CST);
		rtq_give_lock();
	} else {
		/* One pending at most: a second is merged, the first's siginfo kept. */
		if (!(pending & BIT(sig)))
			infos[sig] = *si;
		else if (si->si_code == SI_TIMER && infos[sig].si_code == SI_TIMER &&
			 infos[sig].si_timerid == si->si_timerid)
			infos[sig].si_overrun += 1 + si->si_overrun; /* issue 17: expirations a pending one missed */
		__atomic_fetch_or(&pending, BIT(sig), __ATOMIC_SEQ_CST);
	}
	if (si->si_code == SI_TIMER)
		timer_caught[sig] = timer_now();
	/* A thread that waits for it (rt_sigtimedwait) or does not block it
	   takes it: this one if it can. */
	struct vcpu *to = me && me->live && ((me->waitset & BIT(sig)) || !blocks(me, sig)) ? me : NULL;
	int nv = __atomic_load_n(&nvcpus, __ATOMIC_ACQUIRE);
	for (int i = 0; !to && cur_proc && i < nv; i++)
		if (vcpus[i] && vcpus[i]->live && (vcpus[i]->waitset & BIT(sig)))
			to = vcpus[i];
	for (int i = 0; cur_proc && i < nv; i++) {
		struct vcpu *v = vcpus[i];
		if (!v)
			continue;
		struct up_sigstate *s = v->live && v->block % 8 == 0
						? gmem_wptr(&cur_proc->vm, v->block + offsetof(struct up_thread, sig), sizeof *s)
						: NULL;
		if (s) /* rt_sigprocmask sees it pending when it unblocks it */
			__atomic_fetch_or(&s->pending, BIT(sig), __ATOMIC_SEQ_CST);
		if (!to && v->live && !blocks(v, sig))
			to = v;
	}
	if (to)
		vcpu_kick(to);
	for (int i = 0; i < MAX_SIGNALFD; i++)
		if (sfds[i].used && (sfds[i].mask & BIT(sig)))
			write(sfds[i].fd, &(uint64_t){1}, 8);
	return 0;
}

static int thread_post(struct proc *p, struct vcpu *v, int sig, const siginfo_t *from, int in_handler);

void signal_mark(siginfo_t *si, int thread)
{
	uint64_t mark = thread ? SIGNAL_MARK : 0, was;
	memcpy(&was, (char *)si + SIGNAL_MARK_AT, sizeof was);
	if (thread || was == SIGNAL_MARK)
		memcpy((char *)si + SIGNAL_MARK_AT, &mark, sizeof mark);
}

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	int e = errno;
	struct vcpu *me = vcpu;
	if (sig == SIGNAL_KICK && si->si_code == SI_TKILL && si->si_pid == getpid()) {
		if (me) /* vcpu_kick: KVM_RUN, or a blocking call, returns EINTR */
			__atomic_store_n(&me->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		errno = e;
		return;
	}
	if (sig == SIGSYS && si->si_code == 1 /* SYS_SECCOMP */)
		sandbox_refused(si); /* a host call the sandbox refuses: never returns */
	if (fault_class(sig) && si->si_code > 0) { /* a fault of the monitor itself */
		if (sig == SIGBUS)
			gmem_bus(si, uc); /* in a guest page whose file shrank: jumps back */
		signal(sig, SIG_DFL); /* the access faults again, fatally */
		errno = e;
		return;
	}
	if (sig == SIGCHLD && si->si_code > 0 && actions[SIGCHLD].handler == 1) {
		errno = e; /* a child's news while SIGCHLD is ignored: Linux sends none */
		return;
	}
	uint64_t mark;
	memcpy(&mark, (const char *)si + SIGNAL_MARK_AT, sizeof mark);
	if (sig != SIGCONT && ((si->si_code == SI_TKILL && si->si_pid != getpid()) ||
			       (si->si_code < 0 && mark == SIGNAL_MARK))) {
		/* Another process's tgkill or rt_tgsigqueueinfo for a thread of
		   ours: the host sent it to the host thread whose tid it named,
		   which runs that thread (or none: the thread has ended, and it
		   is dropped, as Linux would have said ESRCH). */
		siginfo_t in = *si;
		signal_mark(&in, 0);
		if (me && me->live && cur_proc)
			thread_post(cur_proc, me, sig, &in, 1);
		errno = e;
		return;
	}
	post(sig, si);
	errno = e;
}

/* Queue sig with si for thread v alone (queue lock held): 0, or -EAGAIN
   for a real-time one with no room. A standard one is merged. */
static int tq_add(struct vcpu *v, int sig, const siginfo_t *si)
{
	if (sig < RT_FIRST) {
		if (!(v->pending & BIT(sig))) { /* merged: the first one's siginfo stays */
			v->info[sig] = *si;
			v->info[sig].si_signo = sig;
		}
	} else {
		if (v->nrtq >= VCPU_RTQ || !room())
			return -EAGAIN;
		v->rtq[v->nrtq] = *si;
		v->rtq[v->nrtq++].si_signo = sig;
	}
	__atomic_fetch_or(&v->pending, BIT(sig), __ATOMIC_SEQ_CST);
	return 0;
}

/* Take thread v's first sig, or (all) every one (queue lock held): 1 if
   there was one. */
static int tq_take(struct vcpu *v, int sig, siginfo_t *out, int all)
{
	int found = 0, more = 0;
	if (sig < RT_FIRST) {
		found = (v->pending & BIT(sig)) != 0;
		if (found && out)
			*out = v->info[sig];
	} else {
		unsigned j = 0;
		for (unsigned i = 0; i < v->nrtq && i < VCPU_RTQ; i++) {
			if (v->rtq[i].si_signo == sig && (all || !found)) {
				if (!found && out)
					*out = v->rtq[i];
				found = 1;
				continue;
			}
			more |= v->rtq[i].si_signo == sig;
			v->rtq[j++] = v->rtq[i];
		}
		v->nrtq = j;
	}
	if (!more)
		__atomic_fetch_and(&v->pending, ~BIT(sig), __ATOMIC_SEQ_CST);
	return found;
}

/* The same with the lock taken here. */
static int thread_take(struct vcpu *v, int sig, siginfo_t *out, int all)
{
	sigset_t old;
	qlock(&old);
	int r = tq_take(v, sig, out, all);
	qunlock(&old);
	return r;
}

void signal_thread_reset(struct vcpu *v)
{
	sigset_t old;
	qlock(&old);
	v->pending = 0;
	v->nrtq = 0;
	qunlock(&old);
}

int signal_rlimit(const struct rlimit *set, struct rlimit *old)
{
	if (old)
		*old = sig_limit;
	if (!set)
		return 0;
	if (set->rlim_cur > set->rlim_max)
		return -EINVAL;
	if (set->rlim_max > sig_limit.rlim_max && geteuid() != 0)
		return -EPERM; /* raising the hard limit takes CAP_SYS_RESOURCE */
	sig_limit = *set;
	return 0;
}

/* Take one sig pending for the process, with its siginfo: 0 if none is
   (another thread took it). */
static int take(int sig, siginfo_t *out)
{
	if (sig < RT_FIRST) {
		if (!(__atomic_fetch_and(&pending, ~BIT(sig), __ATOMIC_SEQ_CST) & BIT(sig)))
			return 0;
		*out = infos[sig];
		return 1;
	}
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rtq_take_lock();
	__typeof__(rtq[0]) *q = &rtq[sig - RT_FIRST];
	int ok = q->n > 0;
	if (ok) {
		*out = q->q[q->head];
		q->head = (q->head + 1) % RTQ_LEN;
		q->n--;
	}
	if (!q->n)
		__atomic_fetch_and(&pending, ~BIT(sig), __ATOMIC_SEQ_CST);
	rtq_give_lock();
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ok;
}

/* Forget every pending sig (ignored now, or a forked child's). */
static void forget(int sig)
{
	siginfo_t si;
	while (sig >= RT_FIRST && take(sig, &si))
		;
	__atomic_fetch_and(&pending, ~BIT(sig), __ATOMIC_SEQ_CST);
}

/* A vCPU's self-pipe, out of the guest's fd range: its rt_sigsuspend waits on it. */
void signal_vcpu_init(struct vcpu *v)
{
	int fd[2];
	if (pipe2(fd, O_CLOEXEC | O_NONBLOCK) < 0)
		return;
	for (int i = 0; i < 2; i++) {
		v->wake[i] = fcntl(fd[i], F_DUPFD_CLOEXEC, UP_FD_MAX);
		close(fd[i]);
	}
}

/* The calling thread's signal state. */
static struct up_sigstate *sigstate(struct proc *p)
{
	struct up_thread *t = vcpu_thread(p, vcpu);
	if (!t)
		proc_die(p, SIGSEGV, "library OS thread state out of range");
	return &t->sig;
}

/* Pending for the calling thread: the process's and its own. */
static uint64_t pending_here(void)
{
	return pending | vcpu->pending;
}

/* Pending and not blocked: signals to deliver now. */
static uint64_t deliverable(struct proc *p)
{
	return pending_here() & ~(sigstate(p)->blocked & ~UNBLOCKABLE);
}

/* After a hypercall or an interrupted run: tell the library OS. */
void signal_check(struct proc *p)
{
	if (!pending_here())
		return;
	struct up_sigstate *s = sigstate(p);
	s->pending = pending_here();
	if (deliverable(p))
		s->deliver = 1;
}

/* The host kernel's tty checks look at the calling thread's own mask: a
   guest that blocks SIGTTOU (a shell taking its terminal back with
   tcsetpgrp) must not be sent one, again and again, at each retry. */
void signal_host_mask(struct proc *p)
{
	const uint64_t tty = BIT(SIGTTIN) | BIT(SIGTTOU);
	uint64_t want = sigstate(p)->blocked & tty;
	if (want == vcpu->host_blocked)
		return;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTTIN);
	sigaddset(&set, SIGTTOU);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	sigemptyset(&set);
	for (int sig = 1; sig <= 64; sig++)
		if (want & BIT(sig))
			sigaddset(&set, sig);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	vcpu->host_blocked = want;
}

/* Also true when the thread must end (another's execve): each wait ends. */
int signal_interrupts(struct proc *p)
{
	return (pending_here() && deliverable(p)) || vcpu_ending();
}

static int catchable(int sig)
{
	return sig != SIGKILL && sig != SIGSTOP;
}

/* Does the default action of sig end the process (with a core dump or not)? */
static int fatal(int sig);

/* Does the default action of sig end the process, without a core dump? */
static int terminates(int sig)
{
	switch (sig) {
	case SIGHUP: case SIGINT: case SIGQUIT: case SIGUSR1: case SIGUSR2: case SIGPIPE:
	case SIGALRM: case SIGTERM: case SIGSTKFLT: case SIGXCPU: case SIGXFSZ:
	case SIGVTALRM: case SIGPROF: case SIGIO: case SIGPWR:
		return 1;
	}
	return sig >= 34 && sig <= 64; /* real-time signals */
}

static int fatal(int sig)
{
	switch (sig) {
	case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE:
	case SIGSEGV: case SIGSYS: case SIGKILL:
		return 1;
	}
	return terminates(sig);
}

/*
 * The host disposition for the guest's action on sig. The monitor catches
 * every signal: so one the program blocks waits (even one it ignores, or
 * whose default is to be ignored or to stop), a fault-class signal
 * someone sent goes to its handler, and a main process that is ended
 * takes its tree with it. What the host kernel does for an ignored signal
 * it does for a caught one too (SIGPIPE: EPIPE; SIGCHLD under SIG_IGN is
 * caught with SA_NOCLDWAIT: no zombies); SA_NOCLDSTOP and SA_NOCLDWAIT are
 * mirrored. Only SIGTTIN and SIGTTOU keep SIG_IGN on the host, for its
 * terminal checks. SIGBUS is always caught: the monitor takes its own
 * (gmem.c).
 */
static void host_action(int sig)
{
	if (!catchable(sig))
		return;
	uint64_t h = actions[sig].handler, watched = 0;
	for (int i = 0; i < MAX_SIGNALFD; i++)
		if (sfds[i].used)
			watched |= sfds[i].mask;
	for (int i = 0; i < nvcpus; i++) /* rt_sigtimedwait */
		watched |= vcpus[i]->waitset;
	struct sigaction sa = {.sa_handler = SIG_IGN};
	/* An ignored signal is caught too: a blocked one is never ignored, so
	   Linux keeps it pending (post() looks at the mask; PostgreSQL ignores
	   and blocks SIGURG, and reads it from a signalfd). But for SIGTTIN
	   and SIGTTOU, whose SIG_IGN the host's terminal checks must see. */
	int tty = sig == SIGTTIN || sig == SIGTTOU;
	if (h != 1 || !tty || (watched & BIT(sig))) {
		sa.sa_sigaction = on_signal;
		sa.sa_flags = SA_SIGINFO; /* no SA_RESTART: blocking calls end with EINTR */
		sigfillset(&sa.sa_mask);
		/* ... except for one that never runs a handler there: ignored
		   unless blocked, or a stop (taken in on_signal). As on Linux,
		   the call goes on. */
		if (h == 1 || (h == 0 && (default_ignored(sig) || stops(sig))))
			sa.sa_flags |= SA_RESTART;
	}
	if (sig == SIGCHLD) /* SIG_IGN: children reaped by the host, as SA_NOCLDWAIT */
		sa.sa_flags |= (int)(actions[sig].flags & (SA_NOCLDSTOP | SA_NOCLDWAIT)) |
			       (h == 1 ? SA_NOCLDWAIT | SA_NOCLDSTOP : 0);
	sigaction(sig, &sa, NULL);
}

void signal_init(void)
{
	for (int sig = 1; sig <= 64; sig++) {
		struct sigaction old;
		/* An ignored signal stays ignored across exec: the program's too. */
		if (catchable(sig) && sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			actions[sig].handler = 1;
		host_action(sig);
	}
	getrlimit(RLIMIT_SIGPENDING, &sig_limit);
}

void signal_masks(struct proc *p, uint64_t m[4])
{
	m[0] = sigstate(p)->blocked & ~UNBLOCKABLE;
	m[1] = m[2] = 0;
	for (int sig = 1; sig <= 64; sig++)
		if (actions[sig].handler == 1)
			m[1] |= BIT(sig);
		else if (actions[sig].handler > 1)
			m[2] |= BIT(sig);
	m[3] = pending_here();
}

void signal_publish(struct proc *p)
{
	uint64_t m[4];
	signal_masks(p, m);
	tree_set_sigs(m[0], m[1], m[2], p->no_new_privs);
}

/* rt_sigaction: the guest's disposition, kept here. */
HSYS(rt_sigaction)
{
	int sig = (int)a[0];
	if (a[3] != 8 || sig < 1 || sig > 64 || (a[1] && (sig == SIGKILL || sig == SIGSTOP)))
		return -EINVAL;
	const struct ksigaction *act = a[1] ? gmem_in(p, a[1], sizeof *act) : NULL;
	struct ksigaction *oldp = a[2] ? gmem_out(p, a[2], sizeof *oldp) : NULL;
	if ((a[1] && !act) || (a[2] && !oldp))
		return -EFAULT;
	struct ksigaction old = actions[sig];
	if (oldp)
		*oldp = old;
	if (!act)
		return 0;
	actions[sig] = *act;
	host_action(sig);
	if (act->handler == 1 || (act->handler == 0 && default_ignored(sig))) {
		/* an ignored signal is not pending, blocked or not: the
		   process's and each thread's go (as Linux) */
		forget(sig);
		for (int i = 0; i < nvcpus; i++)
			thread_take(vcpus[i], sig, NULL, 1);
	}
	return 0;
}

/* rt_sigpending: what is pending and blocked. */
HSYS(rt_sigpending)
{
	if (a[1] != 8)
		return -EINVAL;
	OUT_ARG(set, 0, 8);
	uint64_t v = pending_here() & sigstate(p)->blocked;
	memcpy(set, &v, 8);
	return 0;
}

/* rt_sigsuspend: the library OS has set the mask to wait with. */
HSYS(rt_sigsuspend)
{
	for (;;) {
		if (signal_interrupts(p)) {
			signal_check(p);
			return -EINTR;
		}
		int w = vcpu->wake[0];
		struct pollfd pf = {w, POLLIN, 0};
		poll(&pf, w >= 0, -1);
		char buf[64];
		while (w >= 0 && read(w, buf, sizeof buf) > 0)
			;
	}
}

/* The kernel's struct ucontext and rt_sigframe on x86-64. */
struct kucontext {
	uint64_t flags, link;
	uint64_t ss_sp;
	int32_t ss_flags, pad;
	uint64_t ss_size;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2, fpstate, reserved[8];
	uint64_t sigmask;
};
struct kframe {
	uint64_t pretcode;
	struct kucontext uc;
	siginfo_t info;
};
_Static_assert(sizeof(struct kucontext) == 304, "kernel ucontext layout");

#define FLAGS_USER 0xcd5ull /* CF PF AF ZF SF DF OF */

/* Syscalls Linux restarts after a handler with SA_RESTART. */
static int restartable(uint64_t nr)
{
	switch (nr) {
	case SYS_read: case SYS_write: case SYS_readv: case SYS_writev:
	case SYS_pread64: case SYS_pwrite64: case SYS_sendfile:
	case SYS_wait4: case SYS_waitid:
	/* issue 17: a FIFO's open, locks, splice */
	case SYS_open: case SYS_openat: case SYS_creat: case SYS_flock: case SYS_fcntl:
	case SYS_splice: case SYS_tee: case SYS_vmsplice:
		return 1;
	}
	return 0;
}

/*
 * The program's registers when the vCPU is at the library OS's return to
 * it (UP_HC_SIGNAL): that return is `jmp *%rcx` (trap path: to RCX) or
 * `ret` (rewritten site: to its stub, popping the return address). The
 * frame shows the program where it returns, as Linux would (a handler
 * may look at the interrupted RIP: musl's and glibc's cancellation do).
 * Returns 1 or 2 for those returns, 0 for program code.
 */
static int program_regs(struct proc *p, struct kvm_regs *r)
{
	if (r->rip < UP_LIBOS_BASE || r->rip >= UP_LIBOS_LIMIT)
		return 0;
	const uint8_t *at = gmem_ptr(&p->vm, r->rip, 2);
	if (at && at[0] == 0xff && at[1] == 0xe1) {
		r->rip = r->rcx;
		return 1;
	}
	const uint64_t *ret = at && at[0] == 0xc3 ? gmem_ptr(&p->vm, r->rsp, 8) : NULL;
	if (!ret)
		return 0;
	r->rip = *ret;
	r->rsp += 8;
	uint64_t site = rewrite_site_of(r->rip);
	if (site) { /* as if the program's own `syscall` had returned */
		r->rip = site + 2;
		r->rsp += 128; /* the red zone the stub stepped over */
	}
	return 2;
}

/*
 * The handler interrupted a syscall that returned EINTR: make the saved
 * context make the syscall again, from the `syscall` (trap path) or from
 * the start of the rewritten region, whose stub runs it again.
 */
static void restart(struct proc *p, int how, struct kucontext *uc, uint64_t nr)
{
	if (how == 1) {
		const uint8_t *sc = gmem_ptr(&p->vm, uc->rip - 2, 2);
		if (!sc || sc[0] != 0x0f || sc[1] != 0x05)
			return;
		uc->rip -= 2;
	} else if (how == 2) {
		uint64_t lo = rewrite_restart_after(uc->rip);
		if (lo) {
			uc->rip = lo; /* the jmp to the stub, which runs it again */
		} else if ((lo = rewrite_restart_at(uc->rip))) {
			uc->rip = lo;
			uc->rsp += 128; /* above the red zone the stub stepped over */
		} else {
			return;
		}
	} else {
		return;
	}
	uc->rax = nr;
}

/*
 * Enter the handler of sig: the frame goes on the program's stack below
 * the red zone of r->rsp (or on its sigaltstack for SA_ONSTACK), holding
 * the registers r, and the vCPU is set to run the handler.
 */
static void enter_handler(struct proc *p, int sig, struct kvm_regs *r, const siginfo_t *info)
{
	struct up_sigstate *s = sigstate(p);
	struct ksigaction *act = &actions[sig];
	int how = program_regs(p, r);
	uint64_t top = r->rsp - 128;
	int on_alt = s->ss_size && r->rsp - s->ss_sp <= s->ss_size;
	if ((act->flags & SA_ONSTACK) && !(s->ss_flags & SS_DISABLE) && s->ss_size && !on_alt)
		top = s->ss_sp + s->ss_size;
	uint64_t sp = ((top - sizeof(struct kframe)) & ~15ull) - 8;
	struct kframe *f = gmem_out(p, sp, sizeof *f); /* as Linux writes it: the program's own */
	if (!f || !(act->flags & SA_RESTORER_) || sp < UP_USER_BASE)
		proc_die(p, SIGSEGV, "%s: cannot write the signal %d frame below 0x%llx",
			 strsignal(SIGSEGV), sig, (unsigned long long)top);
	memset(f, 0, sizeof *f);
	f->pretcode = act->restorer;
	f->uc.ss_sp = s->ss_sp;
	f->uc.ss_size = s->ss_size;
	f->uc.ss_flags = s->ss_size ? (int32_t)s->ss_flags : SS_DISABLE;
	f->uc.r8 = r->r8, f->uc.r9 = r->r9, f->uc.r10 = r->r10, f->uc.r11 = r->r11;
	f->uc.r12 = r->r12, f->uc.r13 = r->r13, f->uc.r14 = r->r14, f->uc.r15 = r->r15;
	f->uc.rdi = r->rdi, f->uc.rsi = r->rsi, f->uc.rbp = r->rbp, f->uc.rbx = r->rbx;
	f->uc.rdx = r->rdx, f->uc.rax = r->rax, f->uc.rcx = r->rcx, f->uc.rsp = r->rsp;
	f->uc.rip = r->rip, f->uc.eflags = r->rflags;
	f->uc.cs = UP_SEL_UCODE, f->uc.ss = UP_SEL_UDATA;
	f->uc.sigmask = s->suspended ? s->suspend_mask : s->blocked;
	s->suspended = 0;
	f->info = *info;
	f->info.si_signo = sig;
	if (vcpu->interrupted && (int64_t)r->rax == -EINTR && (act->flags & SA_RESTART) &&
	    restartable(s->nr))
		restart(p, how, &f->uc, s->nr);
	vcpu->interrupted = 0;

	if (nfpu == FPU_DEPTH) { /* handlers that never returned (longjmp) */
		free(fpu[0]);
		memmove(fpu, fpu + 1, sizeof fpu[0] * (FPU_DEPTH - 1));
		nfpu--;
	}
	struct kvm_xsave *x = malloc(sizeof *x);
	if (x && ioctl(vcpu->fd, KVM_GET_XSAVE, x) == 0)
		fpu[nfpu++] = x;
	else
		free(x);

	s->blocked |= (act->mask | (act->flags & SA_NODEFER ? 0 : BIT(sig))) & ~UNBLOCKABLE;
	r->rip = act->handler;
	if (act->flags & SA_RESETHAND) {
		act->handler = 0;
		host_action(sig);
	}
	r->rsp = sp;
	r->rdi = (uint64_t)sig;
	r->rsi = sp + offsetof(struct kframe, info);
	r->rdx = sp + offsetof(struct kframe, uc);
	r->rax = 0;
	r->rflags &= ~(0x400ull | 0x100ull); /* DF, TF */
	if (ioctl(vcpu->fd, KVM_SET_REGS, r) < 0)
		proc_die(p, SIGSEGV, "signal delivery: cannot set registers");
	s->deliver = deliverable(p) != 0;
}

/* UP_HC_SIGNAL, or an interrupted run in program code: enter a handler. */
void signal_deliver(struct proc *p)
{
	struct up_sigstate *s = sigstate(p);
	uint64_t ready = deliverable(p);
	if (!ready) {
		s->deliver = 0;
		return;
	}
	/* Its own signals first, as Linux takes them. */
	uint64_t own = vcpu->pending & ready;
	int sig = __builtin_ctzll(own ? own : ready) + 1;
	siginfo_t taken, *info = &taken;
	if (own ? !thread_take(vcpu, sig, &taken, 0) : !take(sig, &taken)) {
		s->deliver = deliverable(p) != 0; /* another thread took it */
		return;
	}
	s->pending = pending_here();
	if (!own && taken.si_code == SI_TIMER && /* issue 17: dropped if its timer was reset since */
	    !timer_delivered(taken.si_timerid, taken.si_overrun, timer_caught[sig])) {
		s->deliver = deliverable(p) != 0;
		return;
	}
	if (actions[sig].handler <= 1) { /* the default action, or ignored since */
		s->deliver = deliverable(p) != 0;
		if (actions[sig].handler == 0 && fatal(sig))
			proc_signal(p, sig);
		if (actions[sig].handler == 0 && stops(sig))
			stop_self(sig);
		return;
	}
	struct kvm_regs r;
	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0)
		proc_die(p, SIGSEGV, "signal delivery: registers unavailable");
	enter_handler(p, sig, &r, info);
}

int signal_fault(struct proc *p, int sig, int code, uint64_t addr,
		 const struct up_fault_frame *f)
{
	if (actions[sig].handler <= 1 || (sigstate(p)->blocked & BIT(sig)))
		return 0; /* as Linux forces it: the default action */
	if (f->rip < UP_USER_BASE)
		return 0; /* in the library OS, whose state a handler must not see */
	struct kvm_regs r;
	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0)
		return 0;
	r.rdx = f->rdx;
	r.rip = f->rip;
	r.rsp = f->rsp;
	r.rflags = (f->rflags & FLAGS_USER) | 0x3002; /* IOPL=3, as at boot */
	arch_user_segments(p); /* leave the CPL0 stub */
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_signo = sig;
	si.si_code = code;
	si.si_addr = (void *)addr;
	vcpu->interrupted = 0;
	enter_handler(p, sig, &r, &si);
	return 1;
}

void signal_vcpu(struct kvm_run *run)
{
}

static const uint8_t *guest_bytes(void *p, uint64_t addr, uint64_t len)
{
	return gmem_ptr(&((struct proc *)p)->vm, addr, len);
}

/* A run interrupted by a host signal: deliver now if in program code. */
void signal_interrupted(struct proc *p)
{
	/* Taken from here on; one that comes later ends the next run. */
	__atomic_store_n(&vcpu->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	if (!signal_interrupts(p))
		return;
	struct kvm_regs r;
	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0)
		return;
	if (r.rip >= UP_USER_BASE) {
		signal_deliver(p);
		return;
	}
	signal_check(p); /* at the library OS's next return */
	/* Unless it already looked: then finish that return here. */
	struct sigtail_regs t = {r.rip, r.rsp, r.rflags, r.rcx, r.r11};
	struct sigtail_mem m = {guest_bytes, p};
	if (!sigtail_finish(&t, vcpu->block, &m))
		return;
	r.rip = t.rip, r.rsp = t.rsp, r.rflags = t.rflags;
	if (ioctl(vcpu->fd, KVM_SET_REGS, &r) == 0)
		signal_deliver(p);
}

/* UP_HC_SIGRETURN: back to where the handler interrupted. */
void signal_return(struct proc *p, uint64_t rsp)
{
	const struct kucontext *uc = gmem_ptr(&p->vm, rsp, sizeof *uc);
	struct kvm_regs r;
	if (!uc || ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0)
		proc_die(p, SIGSEGV, "%s (rt_sigreturn with a bad frame at 0x%llx)",
			 strsignal(SIGSEGV), (unsigned long long)rsp);
	r.r8 = uc->r8, r.r9 = uc->r9, r.r10 = uc->r10, r.r11 = uc->r11;
	r.r12 = uc->r12, r.r13 = uc->r13, r.r14 = uc->r14, r.r15 = uc->r15;
	r.rdi = uc->rdi, r.rsi = uc->rsi, r.rbp = uc->rbp, r.rbx = uc->rbx;
	r.rdx = uc->rdx, r.rax = uc->rax, r.rcx = uc->rcx, r.rsp = uc->rsp;
	r.rip = rewrite_moved(uc->rip); /* rewritten while the handler ran */
	r.rflags = (r.rflags & ~FLAGS_USER) | (uc->eflags & FLAGS_USER);
	struct up_sigstate *s = sigstate(p);
	s->blocked = uc->sigmask & ~UNBLOCKABLE;
	if (ioctl(vcpu->fd, KVM_SET_REGS, &r) < 0)
		proc_die(p, SIGSEGV, "rt_sigreturn: cannot set registers");
	if (nfpu) {
		struct kvm_xsave *x = fpu[--nfpu];
		ioctl(vcpu->fd, KVM_SET_XSAVE, x);
		free(x);
	}
	/* The restored mask may unblock a pending signal (a handler that
	   raised its own): it runs before the program's next instruction. */
	s->deliver = deliverable(p) != 0;
	if (s->deliver)
		signal_deliver(p);
}

uint64_t signal_exec(struct proc *p)
{
	for (int sig = 1; sig <= 64; sig++) { /* handlers go, SIG_IGN stays; flags go */
		actions[sig] = (struct ksigaction){.handler = actions[sig].handler == 1};
		host_action(sig);
	}
	while (nfpu)
		free(fpu[--nfpu]);
	return sigstate(p)->blocked;
}

void signal_exec_done(struct proc *p, uint64_t blocked)
{
	sigstate(p)->blocked = blocked;
	signal_check(p);
}

long signal_sigpipe(struct proc *p)
{
	const struct ksigaction *a = &actions[SIGPIPE];
	if (a->handler == 0 && !(sigstate(p)->blocked & BIT(SIGPIPE)))
		proc_signal(p, SIGPIPE); /* the default action: the writer dies */
	/* for the writing thread (ignored: only while it blocks it) */
	signal_thread(p, vcpu, SIGPIPE, SI_KERNEL);
	return -EPIPE;
}

/*
 * rt_sigtimedwait(set, info, timeout): take a signal of set pending for
 * this thread or the process, or wait for one (until the timeout: EAGAIN;
 * until a signal that runs a handler: EINTR). Meanwhile the host catches
 * the signals of set, so that one whose default is to be ignored still
 * comes to us.
 */
HSYS(rt_sigtimedwait)
{
	if (a[3] != 8)
		return -EINVAL;
	BUF_ARG(setp, 0, 8);
	uint64_t set;
	memcpy(&set, setp, 8);
	set &= ~UNBLOCKABLE;
	siginfo_t *out = a[1] ? gmem_out(p, a[1], sizeof *out) : NULL;
	if (a[1] && !out)
		return -EFAULT;
	long long left = -1; /* ms, or -1: no timeout */
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (a[2]) {
		const struct timespec *to = gmem_in(p, a[2], sizeof *to);
		if (!to)
			return -EFAULT;
		if (to->tv_sec < 0 || to->tv_nsec < 0 || to->tv_nsec >= 1000000000)
			return -EINVAL;
		left = to->tv_sec * 1000ll + (to->tv_nsec + 999999) / 1000000;
	}
	proc_lock(); /* this call runs without it (hsys_may_block) */
	vcpu->waitset = set;
	for (int sig = 1; sig <= 64; sig++)
		if (set & BIT(sig))
			host_action(sig);
	proc_unlock();
	long r;
	for (;;) {
		uint64_t own = vcpu->pending & set, pr = pending & set;
		if (own || pr) {
			int sig = __builtin_ctzll(own ? own : pr) + 1;
			siginfo_t info;
			if (own ? !thread_take(vcpu, sig, &info, 0) : !take(sig, &info))
				continue; /* another thread took it */
			info.si_signo = sig;
			if (out)
				*out = info;
			r = sig;
			break;
		}
		if (signal_interrupts(p)) {
			r = -EINTR;
			break;
		}
		long long wait = left;
		if (left >= 0) {
			struct timespec t;
			clock_gettime(CLOCK_MONOTONIC, &t);
			wait = left - ((t.tv_sec - t0.tv_sec) * 1000ll + (t.tv_nsec - t0.tv_nsec) / 1000000);
			if (wait <= 0) {
				r = -EAGAIN;
				break;
			}
		}
		int w = vcpu->wake[0];
		struct pollfd pf = {w, POLLIN, 0};
		poll(&pf, w >= 0, wait > INT_MAX ? INT_MAX : (int)wait);
		char buf[64];
		while (w >= 0 && read(w, buf, sizeof buf) > 0)
			;
	}
	proc_lock();
	vcpu->waitset = 0;
	for (int sig = 1; sig <= 64; sig++)
		if (set & BIT(sig))
			host_action(sig);
	signal_check(p);
	proc_unlock();
	return r;
}

/* A new thread sees what is pending for the process: a rt_sigprocmask
   that unblocks it delivers it at once. */
void signal_thread_start(struct up_thread *t)
{
	t->sig.pending = pending;
}

/* In a forked child: signals pending for the parent are not ours. */
void signal_fork_child(void)
{
	rtq_give_lock(); /* a thread of the parent's may have held it: not here */
	for (int sig = 1; sig <= 64; sig++)
		forget(sig);
	signal_thread_reset(vcpu);
	if (vcpu->wake[0] >= 0) { /* a shared one would let one process take the other's byte */
		close(vcpu->wake[0]);
		close(vcpu->wake[1]);
		signal_vcpu_init(vcpu);
	}
}

/* A signal for thread v alone (tgkill, SIGPIPE), from us with code. */
int signal_thread(struct proc *p, struct vcpu *v, int sig, int code)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_code = code;
	if (code == SI_TKILL) {
		si.si_pid = getpid();
		si.si_uid = getuid();
	}
	return signal_thread_info(p, v, sig, &si);
}

/* rt_sigqueueinfo to ourselves: sig for the process, with the caller's
   siginfo (which the host is not shown: it may say what only faults say). */
int signal_queue(struct proc *p, int sig, const siginfo_t *si)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old); /* as in a handler: post is not reentrant */
	siginfo_t in = *si;
	in.si_signo = sig;
	int r = post(sig, &in);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

/*
 * sig for thread v alone, with siginfo from: a standard one is merged
 * with one pending, a real-time one queues (or -EAGAIN). From a signal
 * handler (in_handler: another process's tgkill, v is this thread) as
 * post() does: the guest's pending bit, then a kick.
 */
static int thread_post(struct proc *p, struct vcpu *v, int sig, const siginfo_t *from, int in_handler)
{
	uint64_t h = actions[sig].handler;
	int now = !blocks(v, sig) && !(v->waitset & BIT(sig));
	if ((h == 1 || (h == 0 && default_ignored(sig))) && now)
		return 0; /* ignored: never pending (unless blocked: then it waits) */
	if (h == 0 && stops(sig) && now) {
		stop_self(sig); /* the whole process stops */
		return 0;
	}
	sigset_t old;
	qlock(&old);
	int r = tq_add(v, sig, from);
	qunlock(&old);
	if (r < 0)
		return r;
	if (in_handler) {
		struct up_sigstate *s = v->block % 8 == 0
						? gmem_wptr(&p->vm, v->block + offsetof(struct up_thread, sig), sizeof *s)
						: NULL;
		if (s)
			__atomic_fetch_or(&s->pending, BIT(sig), __ATOMIC_SEQ_CST);
		vcpu_kick(v);
	} else if (v == vcpu) {
		signal_check(p);
	} else {
		vcpu_kick(v);
	}
	return 0;
}

/* A signal for thread v alone, with siginfo si (rt_tgsigqueueinfo). */
int signal_thread_info(struct proc *p, struct vcpu *v, int sig, const siginfo_t *from)
{
	return thread_post(p, v, sig, from, 0);
}

/*
 * signalfd4(2). The guest's fd is an eventfd the monitor's signal handler
 * makes readable when a signal of the mask arrives; reading takes pending
 * signals of the mask, as Linux does (signal_read). A signal a signalfd
 * watches is caught even where its default action is to ignore it.
 */
HSYS(signalfd4)
{
	if (a[2] != 8 || (a[3] & ~(uint64_t)(SFD_CLOEXEC | SFD_NONBLOCK)))
		return -EINVAL;
	BUF_ARG(m, 1, 8);
	uint64_t mask;
	memcpy(&mask, m, 8);
	mask &= ~UNBLOCKABLE;
	int fd = (int)a[0], slot = -1;
	for (int i = 0; i < MAX_SIGNALFD; i++)
		if (fd >= 0 ? sfds[i].used && sfds[i].fd == fd : !sfds[i].used && slot < 0)
			slot = i;
	if (slot < 0)
		return fd >= 0 ? -EINVAL : -ENOMEM;
	if (fd < 0) {
		fd = (int)hsys_newfd(p, eventfd(0, (a[3] & SFD_CLOEXEC ? EFD_CLOEXEC : 0) |
						      (a[3] & SFD_NONBLOCK ? EFD_NONBLOCK : 0)));
		if (fd < 0)
			return fd;
		sfds[slot].fd = fd;
		sfds[slot].used = 1;
	}
	sfds[slot].mask = mask;
	for (int sig = 1; sig <= 64; sig++)
		if (mask & BIT(sig))
			host_action(sig);
	if (pending & mask)
		write(fd, &(uint64_t){1}, 8);
	return fd;
}

int signal_is_signalfd(int fd)
{
	for (int i = 0; i < MAX_SIGNALFD; i++)
		if (sfds[i].used && sfds[i].fd == fd)
			return 1;
	return 0;
}

void signal_forget_fd(int fd)
{
	for (int i = 0; i < MAX_SIGNALFD; i++)
		if (sfds[i].used && sfds[i].fd == fd)
			sfds[i].used = 0;
}

HSYS(signalfd)
{
	return hsys_signalfd4(p, (uint64_t[6]){a[0], a[1], a[2], 0});
}

/* read(2) of a signalfd: take pending signals of its mask, or wait. */
long signal_read(struct proc *p, int fd, void *buf, size_t len)
{
	int i = 0;
	while (i < MAX_SIGNALFD && !(sfds[i].used && sfds[i].fd == fd))
		i++;
	if (i == MAX_SIGNALFD)
		return -EBADF;
	if (len < sizeof(struct signalfd_siginfo))
		return -EINVAL;
	for (;;) {
		size_t n = 0;
		uint64_t ready;
		while (n + sizeof(struct signalfd_siginfo) <= len && (ready = pending & sfds[i].mask)) {
			int sig = __builtin_ctzll(ready) + 1;
			siginfo_t in;
			if (!take(sig, &in))
				continue; /* another thread took it */
			struct signalfd_siginfo ss = {.ssi_signo = sig, .ssi_errno = in.si_errno,
						      .ssi_code = in.si_code,
						      .ssi_pid = in.si_pid,
						      .ssi_uid = in.si_uid,
						      .ssi_status = in.si_status,
						      .ssi_int = in.si_int,
						      .ssi_ptr = (uint64_t)in.si_ptr};
			memcpy((char *)buf + n, &ss, sizeof ss);
			n += sizeof ss;
		}
		uint64_t v;
		if (n) {
			read(fd, &v, 8); /* readable again only while some stay pending */
			if (pending & sfds[i].mask)
				write(fd, &(uint64_t){1}, 8);
			sigstate(p)->pending = pending_here();
			return (long)n;
		}
		if (read(fd, &v, 8) < 0 && errno != EINTR)
			return -errno; /* EAGAIN when nonblocking */
		if (errno == EINTR && signal_interrupts(p))
			return -EINTR;
	}
}
