/*
 * The monitor's own sandbox (issue 15). A guest talks to its monitor all
 * day, so once the monitor has made its VM it gives up what it does not
 * need, as Solo5's tenders and Firecracker do:
 *   - the capabilities a run does not need (a container's default set is
 *     kept: what root in a container may do, root in a run may do);
 *   - the right to gain privileges (no_new_privs);
 *   - every host system call not on its list (a seccomp filter: the list
 *     is monitor/sandbox/list.c, made into BPF when uniproc is built).
 * Forked monitors inherit all three; the vCPU and call-server threads are
 * made after, so they do too. A call that is not on the list ends the
 * monitor with a report naming it (SIGSYS), never silently.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor.h"
#pragma GCC diagnostic ignored "-Wunused-function" /* errno_name */
#include "syscall_names.h"
#include "sandbox_bpf.h"

/* What a run keeps of root's capabilities: a container's default set. */
static const cap_value_t kept_caps[] = {
	CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_SETGID,
	CAP_SETUID, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_NET_RAW, CAP_SYS_CHROOT,
	CAP_MKNOD, CAP_AUDIT_WRITE, CAP_SETFCAP,
};

static int log_fd = 2;

/* A host call the filter refused: report it, then die of SIGSYS. Called
   from the monitor's SIGSYS handler (signal.c) when si_code says so. */
void sandbox_refused(siginfo_t *si)
{
	int nr = si->si_syscall;
	const char *name = nr >= 0 && nr < (int)(sizeof syscall_names / sizeof *syscall_names) &&
				   syscall_names[nr] ? syscall_names[nr] : "?";
	char msg[256];
	int n = snprintf(msg, sizeof msg,
			 "uniproc: pid %d: the monitor made host system call %s (%d) at %p, "
			 "which its seccomp filter refuses (monitor/sandbox/list.c)\n",
			 (int)getpid(), name, nr, si->si_call_addr);
	if (log_fd >= 0 && write(log_fd, msg, n) < 0) {
	}
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigaction(SIGSYS, &dfl, NULL);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGSYS);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGSYS);
	_exit(128 + SIGSYS);
}

/* The watchdog's SIGSYS handler: nothing else catches SIGSYS there. */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	sandbox_refused(si);
}

/* Drop every capability outside kept_caps, from all sets and the bounding
   set (so no later exec or setuid brings one back). */
static void drop_caps(void)
{
	cap_t caps = cap_get_proc();
	if (!caps)
		err(1, "sandbox: capabilities");
	cap_flag_value_t setpcap = CAP_CLEAR;
	cap_get_flag(caps, CAP_SETPCAP, CAP_EFFECTIVE, &setpcap);
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		int keep = 0;
		for (size_t i = 0; i < sizeof kept_caps / sizeof *kept_caps; i++)
			keep |= kept_caps[i] == c;
		if (keep)
			continue;
		cap_value_t v[1] = {c};
		cap_set_flag(caps, CAP_EFFECTIVE, 1, v, CAP_CLEAR);
		cap_set_flag(caps, CAP_PERMITTED, 1, v, CAP_CLEAR);
		cap_set_flag(caps, CAP_INHERITABLE, 1, v, CAP_CLEAR);
		if (setpcap == CAP_SET && cap_drop_bound(c) < 0 && errno != EINVAL)
			err(1, "sandbox: bounding capability %d", c);
	}
	if (cap_set_proc(caps) < 0)
		err(1, "sandbox: capabilities");
	cap_free(caps);
	cap_reset_ambient();
}

/* The seccomp state uniproc itself was started in (a container's filter,
   say): what /proc shows the guest, whose own view ours must not change. */
int sandbox_host_seccomp, sandbox_host_filters;

static void note_host_state(struct proc *p)
{
	p->no_new_privs = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
	sandbox_host_seccomp = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) > 0 ? 2 : 0;
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	while (f && fgets(line, sizeof line, f))
		sscanf(line, "Seccomp_filters: %d", &sandbox_host_filters);
	if (f)
		fclose(f);
}

/* Install a program, on every thread (TSYNC). A monitor's SIGSYS handler
   (signal.c) reports what it refuses; the watchdog's is on_sigsys. */
static void load(const struct sock_filter *prog, size_t n)
{
	struct sock_fprog fp = {(unsigned short)n, (struct sock_filter *)prog};
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &fp) != 0)
		err(1, "sandbox: seccomp");
}

void sandbox_enter(struct proc *p, int keep_caps, int filter)
{
	log_fd = p->log_fd;
	note_host_state(p);
	if (!keep_caps)
		drop_caps();
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		err(1, "sandbox: no_new_privs");
	if (!filter)
		return;
	if (p->net_none)
		load(bpf_monitor_net_none, sizeof bpf_monitor_net_none / sizeof bpf_monitor_net_none[0]);
	else
		load(bpf_monitor, sizeof bpf_monitor / sizeof bpf_monitor[0]);
}

void sandbox_watchdog(void)
{
	log_fd = -1; /* it holds no descriptor of the run: a refusal is a SIGSYS death */
	drop_caps();
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
	sigfillset(&sa.sa_mask);
	sigaction(SIGSYS, &sa, NULL);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
		load(bpf_watchdog, sizeof bpf_watchdog / sizeof bpf_watchdog[0]);
}

/*
 * uniproc sandbox-check NAME...: make each named host call, with zero
 * arguments, in a child under the monitor's filter, and say whether the
 * filter let it through. The tests use it to show that ptrace, mount,
 * bpf and the like are refused.
 */
int sandbox_check(int argc, char **argv)
{
	int bad = 0;
	for (int i = 0; i < argc; i++) {
		int nr = -1;
		for (int k = 0; k < (int)(sizeof syscall_names / sizeof *syscall_names); k++)
			if (syscall_names[k] && !strcmp(syscall_names[k], argv[i]))
				nr = k;
		if (nr < 0) {
			fprintf(stderr, "uniproc: sandbox-check: unknown system call %s\n", argv[i]);
			bad = 1;
			continue;
		}
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			struct proc p = {.log_fd = 2};
			signal_init(); /* a monitor's handlers: its SIGSYS reports */
			sandbox_enter(&p, 0, 1);
			syscall(nr, 0, 0, 0, 0, 0, 0);
			_exit(0);
		}
		int st;
		if (pid < 0 || waitpid(pid, &st, 0) < 0)
			err(1, "sandbox-check");
		printf("%s: %s\n", argv[i],
		       WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS ? "refused" : "allowed");
	}
	return bad ? 2 : 0;
}
