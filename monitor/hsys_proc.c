/*
 * Processes. Each guest process is a monitor process on the host, and the
 * guest pid is the host pid, so fork, wait and kill map onto the host's:
 * exit statuses, signal deaths and orphan re-parenting are the kernel's own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hsys.h"

static void child_start(struct proc *p, int slot, struct arch_state *st, int vfork_fd)
{
	tree_fill(slot, getpid());
	tree_count(0, 1, 0);
	p->exits = vcpu->exits = 0; /* the parent counts its own */
	if (p->vfork_fd >= 0)
		close(p->vfork_fd); /* our parent's vfork is not ours to hold */
	p->vfork_fd = vfork_fd;
	vm_recreate(&p->vm);
	arch_restore(p, st);
	struct up_boot_info *bi = gmem_ptr(&p->vm, p->libos.boot_info, sizeof *bi);
	bi->pid = getpid();
	bi->ppid = getppid();
	arch_clock(p, bi); /* the new vCPU has its own TSC */
	sq_fork_child(p);
}

/*
 * fork(2): a host fork of the monitor; the child builds a new VM over its
 * copy-on-write copy of guest memory and resumes the saved vCPU state.
 * a[0] = 1 for vfork: we return only once the child has exec'd or exited.
 */
HSYS(fork)
{
	int slot = tree_reserve();
	if (slot < 0)
		return -EAGAIN;
	int vp[2] = {-1, -1};
	if (a[0] && pipe2(vp, O_CLOEXEC) == 0) {
		for (int i = 0; i < 2; i++) {
			int hi = fcntl(vp[i], F_DUPFD_CLOEXEC, UP_FD_MAX);
			close(vp[i]);
			vp[i] = hi;
		}
	}
	hsys_defer_shared(p, -1); /* the child may lock what we both hold */
	struct arch_state *st = arch_save(p);
	pipe_fork(1); /* the child holds our pipe ends from the start */
	/* Host signals wait until the child has forgotten ours (Linux does not
	   pass pending signals on), so none sent to the child early is lost. */
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid_t pid = fork();
	if (pid == 0) {
		vcpu_fork_child(p);
		signal_fork_child();
		if (vp[0] >= 0)
			close(vp[0]);
		/* Still blocked: a signal's handler may kick our vCPU, which
		   exists once the VM does. */
		child_start(p, slot, st, vp[1]);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return 0;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(st);
	if (pid > 0)
		tree_fill(slot, pid);
	if (vp[1] >= 0)
		close(vp[1]);
	if (pid < 0) {
		pipe_fork(-1);
		tree_release(slot);
		if (vp[0] >= 0)
			close(vp[0]);
		return -EAGAIN;
	}
	if (vp[0] >= 0) {
		char c;
		while (read(vp[0], &c, 1) < 0 && errno == EINTR)
			;
		close(vp[0]);
	}
	return pid;
}

/*
 * Wait options as the host sees them. Every child of the guest ends with
 * SIGCHLD; a child that does not is the monitor's own (the run's watchdog,
 * tree.c) and stays out of the guest's waits: __WALL waits for the guest's
 * children alone, and __WCLONE finds none. -ECHILD then.
 */
static long wait_options(uint64_t options)
{
	if ((options & __WCLONE) && !(options & __WALL))
		return -ECHILD;
	return (long)(options & ~(uint64_t)(__WALL | __WCLONE));
}

HSYS(wait4)
{
	/* Linux reaps the child, then finds it cannot write what it says */
	int *status = a[1] ? gmem_out(p, a[1], sizeof(int)) : NULL, st;
	struct rusage *ru = a[3] ? gmem_out(p, a[3], sizeof *ru) : NULL, rus;
	int bad = (a[1] && !status) || (a[3] && !ru);
	long options = wait_options((uint32_t)a[2]);
	if (options < 0)
		return options;
	st = 0;
	long r = hsys_ret(wait4((pid_t)a[0], &st, (int)options, a[3] && !ru ? &rus : ru));
	if (r > 0 && status)
		*status = st;
	if (r > 0)
		tree_reaped((pid_t)r); /* frees its slot if it is gone */
	if (r > 0 && WIFSIGNALED(st))
		pipe_death(); /* its pipe rings may still count it (SIGKILL) */
	return r > 0 && bad ? -EFAULT : r;
}

HSYS(waitid)
{
	/* As wait4: the child is reaped before Linux finds si or ru bad. */
	siginfo_t *si = a[2] ? gmem_out(p, a[2], sizeof *si) : NULL, sis;
	struct rusage *ru = a[4] ? gmem_out(p, a[4], sizeof *ru) : NULL, rus;
	int bad = (a[2] && !si) || (a[4] && !ru);
	long options = wait_options((uint32_t)a[3]);
	if (options < 0)
		return options;
	/* The raw syscall also fills rusage, which glibc's waitid() hides. */
	siginfo_t *got = si ? si : &sis;
	sis.si_pid = 0;
	long r = hsys_ret(syscall(SYS_waitid, (int)a[0], (id_t)a[1], got, (int)options,
				  a[4] && !ru ? &rus : ru));
	if (r == 0 && got->si_pid > 0)
		tree_reaped(got->si_pid); /* frees its slot if it is gone */
	if (r == 0 && got->si_pid > 0 && (got->si_code == CLD_KILLED || got->si_code == CLD_DUMPED))
		pipe_death(); /* its pipe rings may still count it (SIGKILL) */
	return r == 0 && bad ? -EFAULT : r;
}

/* Is pid one of our children, perhaps exited but not yet reaped? */
static int is_child(pid_t pid)
{
	siginfo_t si;
	return waitid(P_PID, pid, &si, WEXITED | WSTOPPED | WCONTINUED | WNOHANG | WNOWAIT) == 0;
}

/*
 * SIGKILL for another process of the run: it cannot tell its pipe rings it
 * goes, so once it is gone (we wait for it a little) count the death, as
 * the monitor that reaps it does (pipe.c): then the process that killed it
 * sees EPIPE when it writes to a pipe whose last reader it killed, even
 * when nobody waits for it (SIGCHLD ignored). Linux's kill returns at once;
 * only the time differs.
 */
static long kill_other(pid_t pid, int sig, const siginfo_t *si)
{
	int pfd = sig == SIGKILL ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	long r = hsys_ret(si ? syscall(SYS_rt_sigqueueinfo, pid, sig, si) : kill(pid, sig));
	if (pfd >= 0) {
		struct pollfd pf = {pfd, POLLIN, 0};
		if (r == 0 && poll(&pf, 1, 1000) == 1)
			pipe_death();
		close(pfd);
	}
	return r;
}

/*
 * kill(2), scoped to the tree: processes outside it do not exist for the
 * guest, even in its process group (which it shares with the host shell).
 */
HSYS(kill)
{
	pid_t pid = (pid_t)a[0];
	int sig = (int)a[1];
	if (sig < 0 || sig > 64)
		return -EINVAL;
	if (pid == -1) /* everyone we may signal: the tree, without us */
		return tree_signal_group(sig, 0, 0) ? 0 : -ESRCH;
	if (pid <= 0) /* a process group: its members within the tree */
		return tree_signal_group(sig, pid ? -pid : getpgrp(), 1) ? 0 : -ESRCH;
	if (pid != getpid() && !tree_has(pid) && !is_child(pid))
		return -ESRCH;
	if (pid == getpid() && sig && sig != SIGKILL && sig != SIGSTOP) {
		/* pending before kill returns, as on Linux, whichever thread
		   of ours the host would have picked */
		siginfo_t si = {.si_code = SI_USER};
		si.si_pid = getpid();
		si.si_uid = getuid();
		signal_queue(p, sig, &si);
		return 0;
	}
	return pid == getpid() ? hsys_ret(kill(pid, sig)) : kill_other(pid, sig, NULL);
}

/* A signal for one of our threads: it alone takes it (vcpu.c, signal.c). */
static long thread_kill(struct proc *p, int tid, int sig)
{
	if (sig < 0 || sig > 64)
		return -EINVAL;
	struct vcpu *v = vcpu_of(tid);
	if (!v)
		return -ESRCH;
	if (sig == SIGKILL || sig == SIGSTOP || sig == SIGCONT)
		return hsys_ret(kill(getpid(), sig)); /* the whole process, as on Linux */
	return sig ? signal_thread(p, v, sig, SI_TKILL) : 0;
}

HSYS(tkill)
{
	return thread_kill(p, (int)a[0], (int)a[1]);
}

/* tgkill(2): a thread of ours, or of another process of the run: its
   guest tid is the tid of the host thread that runs it there, which takes
   it for that thread (signal.c, on_signal). */
HSYS(tgkill)
{
	pid_t tgid = (pid_t)a[0];
	if (tgid <= 0 || (int)a[1] <= 0)
		return -EINVAL;
	if (tgid == getpid())
		return thread_kill(p, (int)a[1], (int)a[2]);
	if ((int)a[2] < 0 || (int)a[2] > 64)
		return -EINVAL;
	if (!tree_has(tgid) && !is_child(tgid))
		return -ESRCH;
	return hsys_ret(syscall(SYS_tgkill, tgid, (int)a[1], (int)a[2]));
}

/*
 * rt_sigqueueinfo(2): kill with the sender's siginfo (sigqueue's value).
 * Another process may only be sent what a program could send (si_code
 * below 0), as Linux checks; our own gets it without the host (signal.c).
 */
HSYS(rt_sigqueueinfo)
{
	pid_t pid = (pid_t)a[0];
	int sig = (int)a[1];
	const siginfo_t *u = gmem_ptr(&p->vm, a[2], sizeof *u);
	if (!u)
		return -EFAULT;
	siginfo_t si = *u;
	if (pid != getpid() && (si.si_code >= 0 || si.si_code == SI_TKILL))
		return -EPERM;
	if (pid <= 0 || (pid != getpid() && !tree_has(pid) && !is_child(pid)))
		return -ESRCH;
	if (sig < 0 || sig > 64)
		return -EINVAL;
	si.si_signo = sig;
	signal_mark(&si, 0); /* for the process, whatever the guest wrote */
	if (pid != getpid())
		return kill_other(pid, sig, &si);
	if (sig == SIGKILL || sig == SIGSTOP)
		return hsys_ret(kill(pid, sig));
	return sig ? signal_queue(p, sig, &si) : 0;
}

/* rt_tgsigqueueinfo(2): the same for one thread (as tgkill): ours, or
   another process's (its monitor sees the mark: signal_mark). */
HSYS(rt_tgsigqueueinfo)
{
	if ((int)a[0] <= 0 || (int)a[1] <= 0)
		return -EINVAL;
	const siginfo_t *u = gmem_ptr(&p->vm, a[3], sizeof *u);
	if (!u)
		return -EFAULT;
	if ((u->si_code >= 0 || u->si_code == SI_TKILL) && (int)a[1] != vcpu->tid)
		return -EPERM; /* only to oneself, as Linux checks */
	int sig = (int)a[2];
	pid_t tgid = (pid_t)a[0];
	if (tgid != getpid()) {
		if (!tree_has(tgid) && !is_child(tgid))
			return -ESRCH;
		if (sig < 0 || sig > 64)
			return -EINVAL;
		siginfo_t si = *u;
		si.si_signo = sig;
		signal_mark(&si, 1);
		return hsys_ret(syscall(SYS_rt_tgsigqueueinfo, tgid, (int)a[1], sig, &si));
	}
	struct vcpu *v = vcpu_of((int)a[1]);
	if (!v)
		return -ESRCH;
	if (sig < 0 || sig > 64)
		return -EINVAL;
	if (sig == SIGKILL || sig == SIGSTOP || sig == SIGCONT)
		return hsys_ret(kill(getpid(), sig)); /* the whole process, as on Linux */
	return sig ? signal_thread_info(p, v, sig, u) : 0;
}

HSYS(getppid)
{
	return getppid(); /* changes when we are orphaned */
}

/* Process groups and sessions: the host's, for the tree's processes only. */
static int in_tree(pid_t pid)
{
	return pid == 0 || pid == getpid() || tree_has(pid) || is_child(pid);
}

HSYS(setpgid)
{
	if (!in_tree((pid_t)a[0]))
		return -ESRCH;
	return hsys_ret(setpgid((pid_t)a[0], (pid_t)a[1]));
}

HSYS(getpgid)
{
	if (!in_tree((pid_t)a[0]))
		return -ESRCH;
	return hsys_ret(getpgid((pid_t)a[0]));
}

HSYS(getpgrp)
{
	return getpgrp();
}

HSYS(setsid)
{
	return hsys_ret(setsid());
}

HSYS(getsid)
{
	if (!in_tree((pid_t)a[0]))
		return -ESRCH;
	return hsys_ret(getsid((pid_t)a[0]));
}
