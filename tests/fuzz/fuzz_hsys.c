/*
 * libFuzzer harness for the hypercall and host-syscall handlers
 * (monitor/hcall.c, monitor/hsys*.c): the monitor is set up as for a run
 * (a real VM from /dev/kvm, guest memory holding a static program that
 * never runs, a temporary --root), then each input is a few hypercalls,
 * mostly UP_HC_SYSCALL with a syscall number and six arguments the input
 * picks (numbers, fds, pointers into guest memory, paths), with guest
 * memory contents from the input too. The monitor must touch no memory
 * but its own and the guest's (ASan, UBSan), never exit, and a guest that
 * dies of what it asked (proc_die, proc_signal) is a normal outcome: the
 * harness catches that and goes on.
 *
 * What would reach outside this test process is never called: fork,
 * exec, signals to other processes, credentials, scheduling and limits of
 * other processes, timers that fire, O_ASYNC's signals, waits (blocking calls are made only
 * on fds that cannot block, or with their timeout forced to zero). The
 * harness runs in its own mount, network, IPC and UTS namespaces when it
 * can (root), with /proc/sys and /sys read-only and no terminal reachable,
 * and drops capabilities as a monitor does.
 *
 * Needs: UP_FUZZ_PROG, a static program to load (tests/run.sh sets it).
 */
#define _GNU_SOURCE
/* main.c's statics (start) are the harness's: include it, main renamed. */
#define main uniproc_main
#include "../../monitor/main.c"
#undef main

/* A guest death ends the input, not the test: where proc_die,
   proc_signal and proc_exit (hcall.c) would end the process, the harness
   jumps back (harness_died), leaving the run's state as it is. */
static void harness_died(void) __attribute__((noreturn));
#define raise(sig) harness_died()
#define _exit(status) harness_died()
#define clone(...) 0
#define sq_exit() ((void)0)
#define pipe_exit() ((void)0)
#define tree_leave() ((void)0)
#include "../../monitor/hcall.c"
#undef raise
#undef _exit
#undef clone
#undef sq_exit
#undef pipe_exit
#undef tree_leave
/* signal.c's state is reset between inputs; hsys.c's table is read. A
   fault of the monitor itself must reach ASan and libFuzzer, whose
   handlers signal.c would replace (a monitor dies of it, unreported).
   So must libFuzzer's SIGALRM, its -timeout clock: a guest's SIG_DFL for
   SIGALRM, mirrored on the host, made its next tick end the test. */
static int harness_sigaction(int sig, const struct sigaction *sa, struct sigaction *old)
{
	if (sa && (sig == SIGSEGV || sig == SIGILL || sig == SIGFPE || sig == SIGABRT ||
		   sig == SIGALRM))
		sa = NULL;
	return sigaction(sig, sa, old);
}
#define sigaction(sig, sa, old) harness_sigaction(sig, sa, old)
#include "../../monitor/signal.c"
#undef sigaction
#include "../../monitor/hsys.c"

#include <dirent.h>
#include <ftw.h>
#include <sanitizer/common_interface_defs.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

static sigjmp_buf died;
static int armed;
static long deaths;

static void harness_died(void)
{
	if (!armed)
		abort(); /* outside an input: the harness itself */
	armed = 0;
	deaths++;
	siglongjmp(died, 1);
}

/* --- the process the handlers serve --------------------------------------- */

static struct proc fproc;
static char root[64];
static int null_fd, err_fd, ipc_private;
static uint64_t scratch;    /* guest address of the input's memory */
#define SCRATCH_LEN (64 << 10)
static uint64_t hcarea;     /* guest address of the hypercall structs */
static uint64_t paths;      /* guest address of the path strings */
static const char *const names[] = {
	"f0", "d0", "d0/f1", "/f0", ".", "..", "/", "", "/proc/self/maps",
	"/proc/self/status", "/proc/self/fd", "/proc/self/fd/3", "/proc/self/exe",
	"/dev/null", "/dev/zero", "/dev/shm/x", "/sys/devices/system/cpu/online",
	"sock", "link", "/proc/self/mem", "d0/../f0", "/proc", "/proc/self/cwd"};
#define NNAMES (int)(sizeof names / sizeof *names)
#define NAME_SLOT 64

static void remove_root(void);

static void *gp(uint64_t gpa, uint64_t len)
{
	void *h = gmem_ptr(&fproc.vm, gpa, len);
	if (!h)
		abort();
	return h;
}

/* A terminal, the host's network and SysV IPC stay out of reach. */
static void isolate(void)
{
	if (unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) == 0) {
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
		mount("none", "/dev/pts", "tmpfs", 0, NULL);
		mount("/dev/null", "/dev/tty", NULL, MS_BIND, NULL);
		mount("/dev/null", "/dev/ptmx", NULL, MS_BIND, NULL);
		/* The host's settings stay out of reach, whatever the guest's
		   paths reach of /proc and /sys. */
		const char *ro[] = {"/proc/sys", "/proc/sysrq-trigger", "/sys"};
		for (size_t i = 0; i < sizeof ro / sizeof *ro; i++)
			if (mount(ro[i], ro[i], NULL, MS_BIND | MS_REC, NULL) == 0)
				mount(NULL, ro[i], NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
		ipc_private = 1;
	}
	setsid(); /* no controlling terminal */
}

static void setup(void)
{
	struct proc *p = &fproc;
	const char *prog = getenv("UP_FUZZ_PROG");
	if (!prog)
		errx(1, "UP_FUZZ_PROG: the static program to load");
	cur_proc = p;
	p->rewrite = 1;
	p->sq = 0; /* no exitless call server thread */
	p->vfork_fd = -1;
	p->fd_limit = p->fd_hard = UP_FD_MAX;
	p->shm_fd = -1;
	p->net_none = 1;
	raise_fd_limit();
	/* No core files: tree_init's watchdog process takes its own seccomp
	   filter, under which ASan's runtime cannot run (it dies of SIGSYS). */
	setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0});
	/* Our own fds live above the guest's. */
	err_fd = fcntl(2, F_DUPFD_CLOEXEC, UP_FD_MAX + 100);
	__sanitizer_set_report_fd((void *)(long)err_fd);
	null_fd = fcntl(open("/dev/null", O_RDWR), F_DUPFD_CLOEXEC, UP_FD_MAX + 100);
	/* The monitor's reports, read after each input. */
	p->log_fd = fcntl(memfd_create("fuzz-log", 0), F_DUPFD_CLOEXEC, UP_FD_MAX + 100);
	isolate();
	snprintf(root, sizeof root, "/tmp/uniproc-fuzz.XXXXXX");
	if (!mkdtemp(root))
		err(1, "mkdtemp");
	char cmd[PATH_MAX + 200];
	snprintf(cmd, sizeof cmd, "cp '%s' %s/prog && mkdir %s/d0 && echo hello > %s/f0", prog,
		 root, root, root);
	if (system(cmd) != 0)
		errx(1, "cannot make the root %s", root);
	atexit(remove_root);
	tree_init(16);
	signal_init();
	tree_count(0, 1, 0);
	path_init(p, root);
	devfs_init(p);
	vm_create(&p->vm, 256ull << 20);
	char *av[] = {"/prog", NULL};
	start(p, 1, av);
	proc_lock(); /* held while a hypercall is served, as vm_run does */
	/* Memory of the guest's that nothing else uses: above its brk. */
	struct up_boot_info *bi = gp(p->libos.boot_info, sizeof *bi);
	hcarea = (bi->brk + (1 << 20)) & ~4095ull;
	paths = hcarea + 4096;
	scratch = paths + 4096;
	for (int i = 0; i < NNAMES; i++)
		strcpy(gp(paths + NAME_SLOT * i, NAME_SLOT), names[i]);
	/* After the guest's own setup: a zero timeout for waits. */
	memset(gp(hcarea + 2048, 64), 0, 64);
	/* As a monitor: the capabilities of a container, no_new_privs (no
	   seccomp filter: ASan's runtime makes calls it would refuse). */
	sandbox_enter(p, 0, 0);
	fprintf(stderr, "fuzz_hsys: root %s, %s IPC and network, scratch 0x%llx\n", root,
		ipc_private ? "private" : "the host's", (unsigned long long)scratch);
}

/* Remove what the input made in the root: the next one starts from what
   setup made. */
static int rm_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
	if (f->level == 0)
		return 0;
	if (f->level == 1 && (!strcmp(path + f->base, "prog") || !strcmp(path + f->base, "d0") ||
			      !strcmp(path + f->base, "f0")) && !S_ISLNK(st->st_mode))
		return 0;
	if (remove(path) < 0 && type == FTW_D) {
		chmod(path, 0700);
		remove(path);
	}
	return 0;
}

static int rm_all(const char *path, const struct stat *st, int type, struct FTW *f)
{
	remove(path);
	return 0;
}

static void remove_root(void)
{
	nftw(root, rm_all, 16, FTW_DEPTH | FTW_PHYS);
}

static void clean_root(void)
{
	char d0[80];
	chmod(root, 0755);
	snprintf(d0, sizeof d0, "%s/d0", root);
	chmod(d0, 0755);
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	int fd = openat(fproc.root_fd, "f0", O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		fchmod(fd, 0644);
		if (write(fd, "hello\n", 6) != 6) {
		}
		close(fd);
	}
}

/* --- one input -------------------------------------------------------------- */

struct in {
	const uint8_t *d;
	size_t n;
};
static uint64_t in_take(struct in *in, int bytes)
{
	uint64_t v = 0;
	for (int i = 0; i < bytes && in->n; i++, in->d++, in->n--)
		v |= (uint64_t)*in->d << (8 * i);
	return v;
}

/* An argument: the kind byte says what the value means. */
static uint64_t arg(struct in *in)
{
	int kind = in_take(in, 1);
	switch (kind % 8) {
	case 0: return in_take(in, 8);                           /* anything */
	case 1: return in_take(in, 1);                           /* small: fds, counts */
	case 2: return in_take(in, 4);                           /* flags */
	case 3: return scratch + in_take(in, 2) % SCRATCH_LEN;   /* guest memory */
	case 4: return paths + NAME_SLOT * (in_take(in, 1) % NNAMES); /* a path */
	case 5: return scratch + SCRATCH_LEN - in_take(in, 1) % 64; /* near its end */
	case 6: return -(uint64_t)(in_take(in, 1) % 8);          /* -1 and such */
	default: return UP_USER_BASE + (in_take(in, 4) << 12);  /* a page somewhere */
	}
}

/* Can a call on fd wait? Only fds that cannot are used with calls that may. */
static int may_wait(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	struct stat st;
	if (fl < 0 || fstat(fd, &st) < 0)
		return 0; /* EBADF at once */
	if (fl & O_NONBLOCK)
		return 0;
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
		return 0;
	if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1) /* null, zero, full, random */
		return 0;
	return 1;
}

static int skipped(uint64_t nr)
{
	switch (nr) {
	case SYS_fork: case SYS_execve: case SYS_execveat: case SYS_kill: case SYS_tkill:
	case SYS_tgkill: case SYS_rt_sigqueueinfo: case SYS_rt_tgsigqueueinfo:
	case SYS_setpgid: case SYS_setsid: case SYS_capset:
	case SYS_setuid: case SYS_setgid: case SYS_setreuid: case SYS_setregid: case SYS_setresuid:
	case SYS_setresgid: case SYS_setfsuid: case SYS_setfsgid: case SYS_setgroups:
	case SYS_setpriority: case SYS_ioprio_set: case SYS_sched_setscheduler:
	case SYS_sched_setparam: case SYS_sched_setaffinity:
	case SYS_alarm: case SYS_setitimer: case SYS_timer_create: case SYS_timer_settime:
	case SYS_timer_delete: case SYS_timerfd_settime:
	case SYS_nanosleep: case SYS_clock_nanosleep: case SYS_futex: case SYS_futex_waitv:
	case SYS_rt_sigsuspend: case SYS_semop: case SYS_semtimedop: case SYS_mq_timedsend:
	case SYS_mq_timedreceive: case SYS_mq_notify: case SYS_connect: case SYS_mknodat:
	case SYS_fallocate: case SYS_sync: case SYS_syncfs:
		return 1;
	case SYS_shmget: case SYS_shmat: case SYS_shmdt: case SYS_shmctl: case SYS_semget:
	case SYS_semctl: case SYS_msgget: case SYS_msgsnd: case SYS_msgrcv: case SYS_msgctl:
	case SYS_mq_open: case SYS_mq_unlink: case SYS_mq_getsetattr:
		return !ipc_private;
	}
	return 0;
}

/* Make the call one that cannot wait, or say it must be skipped. */
static int tame(uint64_t nr, uint64_t a[6])
{
	uint64_t zero = hcarea + 2048;
	switch (nr) {
	case SYS_read: case SYS_write: case SYS_readv: case SYS_writev: case SYS_pread64:
	case SYS_pwrite64: case SYS_preadv: case SYS_pwritev: case SYS_preadv2: case SYS_pwritev2:
	case SYS_accept: case SYS_accept4: case SYS_epoll_ctl: case SYS_getdents64:
		return !may_wait((int)a[0]);
	case SYS_sendfile: case SYS_copy_file_range: case SYS_splice:
		return !may_wait((int)a[0]) && !may_wait((int)(nr == SYS_splice ? a[2] : a[1]));
	case SYS_tee:
		return !may_wait((int)a[0]) && !may_wait((int)a[1]);
	case SYS_vmsplice:
		return !may_wait((int)a[0]);
	case SYS_sendto: case SYS_recvfrom: a[3] |= MSG_DONTWAIT; return 1;
	case SYS_sendmsg: case SYS_recvmsg: case SYS_sendmmsg: a[2] |= MSG_DONTWAIT; return 1;
	case SYS_recvmmsg: a[3] |= MSG_DONTWAIT; return 1;
	case SYS_poll: a[2] = 0; return 1;
	case SYS_ppoll: a[2] = zero; return 1;
	case SYS_select: case SYS_pselect6: a[4] = zero; return 1;
	case SYS_epoll_wait: case SYS_epoll_pwait: a[3] = 0; return 1;
	case SYS_epoll_pwait2: a[3] = zero; return 1;
	case SYS_rt_sigtimedwait: a[2] = zero; return 1;
	case SYS_wait4: a[2] |= WNOHANG; return 1;
	case SYS_waitid: a[3] |= WNOHANG; return 1;
	case SYS_flock: a[1] |= LOCK_NB; return 1;
	case SYS_msgsnd: a[3] |= IPC_NOWAIT; return 1;
	case SYS_msgrcv: a[4] |= IPC_NOWAIT; return 1;
	case SYS_prlimit64: a[0] = 0; a[2] = 0; return 1; /* our own, read only */
	case SYS_openat: a[2] |= O_NONBLOCK; return 1;   /* a FIFO would wait for its peer */
	case SYS_fcntl: /* F_SETLKW waits; O_NONBLOCK stays on what may wait;
			   O_ASYNC's signals (F_SETOWN, F_SETSIG) would end the harness */
		if (a[1] == F_SETLKW || a[1] == F_OFD_SETLKW || a[1] == F_SETLKW64)
			a[1] = F_SETLK;
		if (a[1] == F_SETFL)
			a[2] = (a[2] | O_NONBLOCK) & ~(uint64_t)O_ASYNC;
		return a[1] != F_SETOWN && a[1] != F_SETOWN_EX && a[1] != F_SETSIG;
	case SYS_ioctl: /* FIONBIO off; O_ASYNC's signals, as for fcntl */
		return a[1] != FIONBIO && a[1] != FIOASYNC && a[1] != FIOSETOWN && a[1] != SIOCSPGRP;
	}
	return 1;
}

/* The numbers of the syscalls the monitor serves (its table's). */
static uint16_t served[512];
static int nserved;

static void reset(void)
{
	struct proc *p = &fproc;
	/* The guest's fds close as close_range closes them. */
	armed = 1;
	if (!sigsetjmp(died, 1))
		hsys(p, SYS_close_range, (uint64_t[6]){0, ~0u, 0});
	armed = 0;
	dup2(null_fd, 0);
	dup2(null_fd, 1);
	dup2(err_fd, 2); /* libFuzzer's, between inputs */
	pending = 0;
	vcpu->pending = 0;
	memset(actions, 0, sizeof actions);
	memset(sfds, 0, sizeof sfds);
	proc_unlock_all();
	proc_lock();
	/* SysV segments attached read-only are read-only on the host too
	   (FMAP_HOST_RO): detach them all, so that the harness's own stores
	   to guest memory (its structs, the input) never meet one. */
	for (const struct fmap *m = fmap_next(0); m;) {
		uint64_t lo = m->lo, hi = m->hi;
		if (m->sysv)
			hsys(p, SYS_shmdt, (uint64_t[6]){lo});
		m = fmap_next(hi > lo ? hi : lo + 1);
	}
	clean_root();
	strcpy(p->cwd, "/");
	/* Each input starts with fds of each kind, opened as the guest would:
	   3 a file, 4 a directory, 5 and 6 a pipe (a ring), 7 and 8 a socket
	   pair, 9 an eventfd, 10 an epoll fd watching 5. */
	uint64_t two = hcarea + 1024, ev = hcarea + 1088;
	*(struct epoll_event *)gp(ev, sizeof(struct epoll_event)) =
		(struct epoll_event){.events = EPOLLIN, .data.u64 = 5};
	static const struct {
		uint64_t nr, a[6];
	} open_fds[] = {
		{SYS_openat, {AT_FDCWD, 0, O_RDWR}},
		{SYS_openat, {AT_FDCWD, 1, O_RDONLY | O_DIRECTORY}},
		{SYS_pipe2, {0, O_NONBLOCK}},
		{SYS_socketpair, {AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, 0}},
		{SYS_eventfd2, {0, EFD_NONBLOCK}},
		{SYS_epoll_create1, {0}},
		{SYS_epoll_ctl, {10, EPOLL_CTL_ADD, 5, 0}},
	};
	armed = 1;
	if (!sigsetjmp(died, 1))
		for (size_t i = 0; i < sizeof open_fds / sizeof *open_fds; i++) {
			uint64_t a[6];
			memcpy(a, open_fds[i].a, sizeof a);
			if (open_fds[i].nr == SYS_openat)
				a[1] = paths + NAME_SLOT * a[1];
			if (open_fds[i].nr == SYS_pipe2)
				a[0] = two;
			if (open_fds[i].nr == SYS_socketpair)
				a[3] = two;
			if (open_fds[i].nr == SYS_epoll_ctl)
				a[3] = ev;
			hsys(p, open_fds[i].nr, a);
		}
	armed = 0;
}

/* A report that says the monitor or KVM failed, not the guest, fails. */
static void check_log(void)
{
	static char buf[65536];
	int fd = fproc.log_fd;
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return;
	buf[n] = 0;
	static const char *const bad[] = {"cannot unmap", "registers", "KVM", "internal"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (strstr(buf, bad[i])) {
			dprintf(err_fd, "fuzz_hsys: the monitor failed:\n%s", buf);
			abort();
		}
	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		abort();
}

/* The input: a few hypercalls, then guest memory contents. */
struct call {
	unsigned hc;
	uint64_t nr, a[6];
	uint32_t gpa;
};

static int parse(struct in *in, struct call *calls)
{
	static const unsigned hcs[] = {UP_HC_LOG, UP_HC_MEMORY, UP_HC_PATCH, UP_HC_WAKE,
				       UP_HC_SIGNAL, UP_HC_SIGRETURN, UP_HC_FAULT};
	int n = 1 + in_take(in, 1) % 8;
	for (int c = 0; c < n; c++) {
		struct call *k = &calls[c];
		if (in_take(in, 1) % 16 < 12) { /* a syscall */
			k->hc = UP_HC_SYSCALL;
			k->nr = served[in_take(in, 2) % nserved];
			k->gpa = (uint32_t)hcarea;
		} else { /* another hypercall, its struct from the arguments */
			k->hc = hcs[in_take(in, 1) % (sizeof hcs / sizeof *hcs)];
			k->gpa = in_take(in, 1) % 4 ? (uint32_t)hcarea : (uint32_t)arg(in);
		}
		for (int i = 0; i < 6; i++)
			k->a[i] = arg(in);
	}
	return n;
}

static void run(struct call *calls, int n)
{
	struct proc *p = &fproc;
	for (int c = 0; c < n; c++) {
		struct call *k = &calls[c];
		if (k->hc != UP_HC_SYSCALL) {
			memcpy(gp(hcarea, sizeof k->a), k->a, sizeof k->a);
			hcall(p, k->hc, k->gpa);
			continue;
		}
		if (skipped(k->nr) || !tame(k->nr, k->a))
			continue;
		struct up_hc_syscall *hc = gp(hcarea, sizeof *hc);
		*hc = (struct up_hc_syscall){.nr = k->nr};
		memcpy(hc->args, k->a, sizeof k->a);
		hcall(p, UP_HC_SYSCALL, k->gpa);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t size)
{
	if (!nserved) {
		setup();
		for (uint64_t nr = 0; nr < sizeof table / sizeof *table; nr++)
			if (table[nr])
				served[nserved++] = (uint16_t)nr;
		reset();
		for (int fd = 3; fd <= 10; fd++)
			if (fcntl(fd, F_GETFD) < 0)
				errx(1, "the fds of an input: %d did not open", fd);
		if (!pipe_is_ring(5) || !pipe_is_ring(6))
			errx(1, "the fds of an input: 5 and 6 are no ring");
	}
	struct in in = {d, size};
	dup2(null_fd, 2); /* the guest's stderr, during an input */
	static struct call calls[8];
	int n = parse(&in, calls);
	/* Guest memory: the rest of the input. */
	memset(gp(scratch, SCRATCH_LEN), 0, SCRATCH_LEN);
	memcpy(gp(scratch, in.n < SCRATCH_LEN ? in.n : SCRATCH_LEN), in.d,
	       in.n < SCRATCH_LEN ? in.n : SCRATCH_LEN);
	struct gmem_catch bus;
	if (GMEM_CATCH(&bus)) { /* a file past its end: monitor_bus reports it */
		deaths++;
	} else {
		armed = 1;
		if (!sigsetjmp(died, 1))
			run(calls, n);
		armed = 0;
		gmem_uncatch(&bus);
	}
	check_log();
	reset();
	return 0;
}
