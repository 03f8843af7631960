/* Process identity, TLS, limits and signal bookkeeping. */
#include <asm/errno.h>
#include <asm/unistd.h>

#include "libos.h"

SYSDEF(getpid) { return boot_info.pid; }
SYSDEF(getppid) { return hc_syscall(__NR_getppid, 0, 0, 0, 0, 0, 0); } /* orphans move */
SYSDEF(getuid) { return boot_info.uid; }
SYSDEF(geteuid) { return boot_info.euid; }
SYSDEF(getgid) { return boot_info.gid; }
SYSDEF(getegid) { return boot_info.egid; }
SYSDEF(rseq) { return -ENOSYS; } /* callers fall back without it */
SYSDEF(sched_yield) { return 0; }

/* NUMA memory policy: a VM's memory is one node, under the default policy.
   get_mempolicy(mode, nodemask, maxnode, addr, flags). */
SYSDEF(get_mempolicy)
{
	if (a4 & ~7ull) /* MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED */
		return -EINVAL;
	int mode = 0; /* MPOL_DEFAULT, or node 0 with MPOL_F_NODE */
	if (a0 && put_user(a0, &mode, sizeof mode))
		return -EFAULT;
	uint8_t node0 = 1, zero[64] = {0};
	if (a1 && a2) {
		uint64_t n = (a2 + 7) / 8;
		if (!user_mem(a1, n))
			return -EFAULT;
		for (uint64_t i = 1; i < n; i += sizeof zero)
			if (put_user(a1 + i, zero, n - i < sizeof zero ? n - i : sizeof zero))
				return -EFAULT;
		return put_user(a1, &node0, 1); /* node 0 */
	}
	return 0;
}

/* set_mempolicy(mode, nodemask, maxnode) and mbind(): one node, nothing to do. */
SYSDEF(set_mempolicy) { return a0 <= 5 ? 0 : -EINVAL; }
SYSDEF(mbind) { return (a0 & 4095) ? -EINVAL : 0; }

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

/* CR4.FSGSBASE is set, so TLS bases are written at CPL3 without an exit. */
SYSDEF(arch_prctl)
{
	uint64_t v;
	switch (a0) {
	case ARCH_SET_FS:
		__asm__ volatile("wrfsbase %0" : : "r"(a1));
		return 0;
	case ARCH_SET_GS:
		__asm__ volatile("wrgsbase %0" : : "r"(a1));
		return 0;
	case ARCH_GET_FS:
	case ARCH_GET_GS:
		if (a0 == ARCH_GET_FS)
			__asm__ volatile("rdfsbase %0" : "=r"(v));
		else
			__asm__ volatile("rdgsbase %0" : "=r"(v));
		return put_user(a1, &v, sizeof v);
	}
	return -EINVAL;
}


#define UNBLOCKABLE ((1ull << 8) | (1ull << 18)) /* SIGKILL, SIGSTOP */

/* A signal the monitor holds may have just been unblocked. */
static void unblocked(void)
{
	if (sigstate.pending & ~sigstate.blocked)
		sigstate.deliver = 1;
}

SYSDEF(rt_sigprocmask)
{
	if (a3 != 8)
		return -EINVAL;
	uint64_t old = sigstate.blocked, set;
	if (a1 && get_user(&set, a1, 8))
		return -EFAULT;
	if (a1) {
		uint64_t m = old;
		switch (a0) {
		case 0: m |= set; break;  /* SIG_BLOCK */
		case 1: m &= ~set; break; /* SIG_UNBLOCK */
		case 2: m = set; break;   /* SIG_SETMASK */
		default: return -EINVAL;
		}
		sigstate.blocked = m & ~UNBLOCKABLE;
		unblocked();
	}
	return a2 ? put_user(a2, &old, 8) : 0; /* after the change, as Linux */
}

/* Wait with mask for a signal; its handler runs as we return (EINTR). */
long suspend(uint64_t mask)
{
	sigstate.suspend_mask = sigstate.blocked;
	sigstate.suspended = 1;
	sigstate.blocked = mask & ~UNBLOCKABLE;
	long r = hc_syscall(__NR_rt_sigsuspend, 0, 0, 0, 0, 0, 0);
	if (!sigstate.deliver) { /* nothing to run a handler for after all */
		sigstate.blocked = sigstate.suspend_mask;
		sigstate.suspended = 0;
	}
	return r;
}

SYSDEF(rt_sigsuspend)
{
	if (a1 != 8)
		return -EINVAL;
	uint64_t mask;
	if (get_user(&mask, a0, 8))
		return -EFAULT;
	return suspend(mask);
}

#define saved_user_rsp (self()->saved_rsp)
#define via_call (self()->via_call)

struct kstack {
	uint64_t sp;
	int32_t flags, pad;
	uint64_t size;
};
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SS_AUTODISARM (1u << 31)
#define MINSIGSTKSZ 2048

/* The alternate signal stack: kept here, used by the monitor (SA_ONSTACK). */
SYSDEF(sigaltstack)
{
	struct kstack ss;
	if (a0 && get_user(&ss, a0, sizeof ss))
		return -EFAULT;
	int on = sigstate.ss_size && saved_user_rsp - sigstate.ss_sp <= sigstate.ss_size;
	struct kstack old = {sigstate.ss_sp, sigstate.ss_size ? (int32_t)sigstate.ss_flags : SS_DISABLE,
			     0, sigstate.ss_size};
	if (on)
		old.flags = SS_ONSTACK;
	if (a0) {
		uint32_t mode = (uint32_t)ss.flags & ~SS_AUTODISARM;
		if (on)
			return -EPERM;
		if (mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK)
			return -EINVAL;
		if (mode == SS_DISABLE) {
			sigstate.ss_sp = sigstate.ss_size = 0;
			sigstate.ss_flags = SS_DISABLE;
		} else {
			if (ss.size < MINSIGSTKSZ)
				return -ENOMEM;
			sigstate.ss_sp = ss.sp;
			sigstate.ss_size = ss.size;
			sigstate.ss_flags = (uint32_t)ss.flags & SS_AUTODISARM;
		}
	}
	return a1 ? put_user(a1, &old, sizeof old) : 0;
}

SYSDEF(pause)
{
	return suspend(sigstate.blocked);
}

/* The handler returned through its restorer: the frame's ucontext sits at
   the program's RSP. The monitor resumes what the signal interrupted. */
SYSDEF(rt_sigreturn)
{
	struct up_hc_sigreturn hc = {via_call ? saved_user_rsp + 8 + 128 : saved_user_rsp};
	hc_sigreturn(&hc);
	return -EFAULT; /* the frame was unusable: the monitor has ended us */
}

#define RLIMIT_DATA 2
#define RLIMIT_STACK 3
#define RLIMIT_NOFILE 7
#define RLIMIT_AS 9
#define RLIMIT_CORE 4
#define RLIMIT_SIGPENDING 11
#define RLIM_INFINITY (~0ull)

struct krlimit {
	uint64_t cur, max;
};

static struct krlimit nofile = {UP_FD_MAX, UP_FD_MAX};

SYSDEF(prlimit64)
{
	if (a0 && a0 != boot_info.pid)
		return -ESRCH;
	struct krlimit old, n;
	if (a2 && get_user(&n, a2, sizeof n)) /* Linux reads it first, writes old last */
		return -EFAULT;
	switch (a1) {
	case RLIMIT_NOFILE:
		old = nofile;
		break;
	case RLIMIT_STACK:
		old = (struct krlimit){UP_STACK_SIZE, RLIM_INFINITY};
		break;
	case RLIMIT_DATA:
	case RLIMIT_AS:
		old = (struct krlimit){RLIM_INFINITY, RLIM_INFINITY};
		break;
	default:
		if (a1 >= 16)
			return -EINVAL;
		long r = hc_syscall(__NR_prlimit64, 0, a1, 0, (uint64_t)&old, 0, 0);
		if (r < 0)
			return r;
	}
	if (a2) {
		if (n.cur > n.max)
			return -EINVAL;
		if (a1 == RLIMIT_NOFILE) {
			if (n.max > UP_FD_MAX)
				return -EPERM;
			nofile = n; /* the monitor enforces it on new fds */
			hc_syscall(__NR_prlimit64, 0, RLIMIT_NOFILE, (uint64_t)&nofile, 0, 0, 0);
		}
		if (a1 == RLIMIT_SIGPENDING) { /* the monitor's: it queues the signals */
			long r = hc_syscall(__NR_prlimit64, 0, RLIMIT_SIGPENDING, (uint64_t)&n, 0, 0, 0);
			if (r < 0)
				return r;
		}
		if (a1 == RLIMIT_CORE) { /* the monitor's: the core bit at a signal death */
			long r = hc_syscall(__NR_prlimit64, 0, RLIMIT_CORE, (uint64_t)&n, 0, 0, 0);
			if (r < 0)
				return r;
		}
	}
	return a3 ? put_user(a3, &old, sizeof old) : 0;
}

SYSDEF(getrlimit) { return sys_prlimit64(0, a0, 0, a1, 0, 0); }
SYSDEF(setrlimit) { return sys_prlimit64(0, a0, a1, 0, 0, 0); }

#define CSIGNAL 0xff
#define SIGCHLD 17
#define CLONE_VM 0x100
#define CLONE_VFORK 0x4000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_CHILD_SETTID 0x1000000

/* In a child given its own stack: return to the program on that stack. */
static void switch_user_stack(uint64_t sp)
{
	if (!via_call) {
		saved_user_rsp = sp;
		return;
	}
	/* A rewritten site's stub expects its return address at the saved RSP
	   and then pops the red zone: rebuild that on the new stack. */
	uint64_t ret = *(uint64_t *)saved_user_rsp;
	saved_user_rsp = sp - 128 - 8;
	*(uint64_t *)saved_user_rsp = ret;
}

/*
 * Every flavour of fork is a new VM cloned from this one (monitor/hsys_proc.c).
 * vfork and CLONE_VM|CLONE_VFORK are served as a fork whose parent waits for
 * the child to exec or exit: the child gets a copy, not a share, of memory.
 */
static long do_fork(int vfork, uint64_t flags, uint64_t sp, uint64_t ptid, uint64_t ctid)
{
	/* No other thread is in the middle of changing the memory map. */
	lock_take(&mem_lock);
	long pid = hc_syscall(__NR_fork, vfork, 0, 0, 0, 0, 0);
	if (pid == 0 && threaded)
		thread_fork_child();
	lock_give(&mem_lock);
	if (pid > 0 && (flags & CLONE_PARENT_SETTID) && user_ok(ptid, 4))
		*(int *)ptid = (int)pid;
	if (pid != 0)
		return pid;
	if ((flags & CLONE_CHILD_SETTID) && user_ok(ctid, 4))
		*(int *)ctid = (int)boot_info.pid;
	if (sp)
		switch_user_stack(sp);
	return 0;
}

SYSDEF(fork) { return do_fork(0, 0, 0, 0, 0); }
SYSDEF(vfork) { return do_fork(1, 0, 0, 0, 0); }

long thread_clone(uint64_t flags, uint64_t sp, uint64_t ptid, uint64_t ctid, uint64_t tls);

#define CLONE_THREAD 0x10000

SYSDEF(clone)
{
	if (a0 & CLONE_THREAD) /* clone(flags, sp, ptid, ctid, tls) */
		return thread_clone(a0, a1, a2, a3, a4);
	uint64_t ok = CSIGNAL | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID |
		      CLONE_CHILD_CLEARTID | CLONE_VM | CLONE_VFORK;
	uint64_t sig = a0 & CSIGNAL;
	if ((a0 & ~ok) || ((a0 & CLONE_VM) && !(a0 & CLONE_VFORK)) ||
	    (sig != SIGCHLD && sig != 0)) {
		static int warned;
		if (!warned++)
			logf("uniproc: warning: clone flags 0x%lx (threads) are not supported", a0);
		return -ENOSYS;
	}
	return do_fork((a0 & CLONE_VFORK) != 0, a0, a1, a2, a3);
}

/* clone3(args, size): struct clone_args, for threads; forks fall back to clone. */
SYSDEF(clone3)
{
	struct clone_args {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	};
	if (a1 < 64 || a1 > 4096)
		return -EINVAL;
	struct clone_args args;
	const struct clone_args *c = &args;
	if (get_user(&args, a0, sizeof args))
		return -EFAULT;
	for (uint64_t i = 64; i < a1; i += 8) { /* fields we do not know must be 0 */
		uint64_t v = 0;
		if (get_user(&v, a0 + i, a1 - i < 8 ? a1 - i : 8))
			return -EFAULT;
		if (v)
			return -E2BIG;
	}
	if (!(c->flags & CLONE_THREAD))
		return -ENOSYS; /* libc falls back to clone */
	if (c->exit_signal || (c->stack && !c->stack_size))
		return -EINVAL;
	return thread_clone(c->flags, c->stack ? c->stack + c->stack_size : 0, c->parent_tid,
			    c->child_tid, c->tls);
}

#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_CAPBSET_READ 23

/* prctl: the process name is the host process's (ps and /proc show it), and
   so are the options that describe the process to the host (hsys_id.c). */
SYSDEF(prctl)
{
	switch (a0) {
	case PR_CAPBSET_READ:
		return hc_syscall(__NR_prctl, a0, a1, 0, 0, 0, 0);
	case PR_SET_NAME:
	case PR_GET_NAME: /* the monitor checks the pointer */
		return hc_syscall(__NR_prctl, a0, a1, 0, 0, 0, 0);
	case 1: /* PR_SET_PDEATHSIG */
	case 2: /* PR_GET_PDEATHSIG */
	case 3: /* PR_GET_DUMPABLE */
	case 4: /* PR_SET_DUMPABLE */
	case 7: /* PR_GET_KEEPCAPS */
	case 8: /* PR_SET_KEEPCAPS */
	case 21: /* PR_GET_SECCOMP */
	case 36: /* PR_SET_CHILD_SUBREAPER */
	case 37: /* PR_GET_CHILD_SUBREAPER */
	case 38: /* PR_SET_NO_NEW_PRIVS */
	case 39: /* PR_GET_NO_NEW_PRIVS */
	case 24: /* PR_CAPBSET_DROP */
	case 27: /* PR_GET_SECUREBITS */
	case 28: /* PR_SET_SECUREBITS */
	case 47: /* PR_CAP_AMBIENT */
		return hc_syscall(__NR_prctl, a0, a1, a2, a3, a4, 0); /* the monitor's, see hsys_id.c */
	}
	static uint64_t warned;
	if (a0 < 64 && !(warned & (1ull << a0)))
		logf("uniproc: warning: unsupported prctl option %lu returns EINVAL", a0);
	if (a0 < 64)
		warned |= 1ull << a0;
	return -EINVAL;
}
