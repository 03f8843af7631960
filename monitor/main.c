/* uniproc run [--mem SIZE] [--root DIR] [--trace] [--] PROG [ARGS...] */
#define _GNU_SOURCE
#include <err.h>
#include <grp.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hsys.h"
#include "oci.h"

#define DEFAULT_MEM (1ull << 30)
#define DEFAULT_MAX_PROCS 512

extern char **environ;

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: uniproc run [--mem SIZE] [--root DIR] [--max-procs N] [--net host|none] [--ipc private|host] [--trace] [--stats] [--user U:G] [--keep-caps] [--no-seccomp] [--no-rewrite] [--no-exitless] [--exitless auto|always] [--] PROG [ARGS...]\n"
		"  Run the x86-64 Linux program PROG (static or dynamic) in its own KVM unikernel.\n"
		"  --mem SIZE  guest memory, e.g. 512M or 4G (default 1G; lazily allocated)\n"
		"  --root DIR  the guest sees the host tree beneath DIR as / (default /)\n"
		"  --max-procs N  at most N processes in the tree (default 512); fork fails with EAGAIN\n"
		"  --trace     print each syscall on stderr\n"
		"  --no-rewrite  never patch syscall instructions (every syscall traps)\n"
		"  --no-exitless every host call exits the VM (no call server)\n"
		"  --exitless auto|always  a call server spins only while the host has a\n"
		"              CPU free for it (auto, the default), or whatever the load\n"
		"  --net host|none  sockets of every family (default), or only AF_UNIX\n"
		"  --ipc private|host  SysV IPC and POSIX message queues of the run's own\n"
		"              (default) or the host's\n"
		"  --stats     at exit, print how many processes and VMs the run made\n"
		"  --user UID:GID[:G1,G2...]  run as this user (the VM is made first)\n"
		"  --keep-caps keep all the capabilities uniproc has (default: a container's\n"
		"              default set, e.g. no CAP_SYS_ADMIN, CAP_SYS_PTRACE)\n"
		"  --no-seccomp  no seccomp filter on the monitor (for debugging)\n"
		"  The OCI runtime commands (create, start, state, kill, delete, exec, ps,\n"
		"  features, and run with --bundle) are runc's: see the README.\n");
	exit(status);
}

static uint64_t parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);
	switch (*end) {
	case 'G': case 'g': v <<= 30; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'K': case 'k': v <<= 10; end++; break;
	}
	if (*end || v < (32ull << 20) || v > (64ull << 30))
		errx(2, "--mem %s: want a size from 32M to 64G", s);
	return (v + (2ull << 20) - 1) & ~((2ull << 20) - 1); /* 2 MiB pages */
}

/*
 * Find PROG as execvp does: PATH for a name without a slash, where the
 * first file we may execute wins. Its path into used[PATH_MAX]; 0 or
 * -errno (EACCES if only files we may not execute were found).
 */
static int find_prog(struct proc *p, const char *prog, char *used)
{
	if (!*prog)
		return -ENOENT;
	if (strchr(prog, '/')) {
		snprintf(used, PATH_MAX, "%s", prog);
		return 0;
	}
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/bin:/usr/bin";
	int r = -ENOENT;
	for (const char *d = path;; d = strchr(d, ':') + 1) {
		size_t n = strcspn(d, ":");
		snprintf(used, PATH_MAX, "%.*s%s%s", (int)n, d, n ? "/" : "", prog);
		int fd = exec_open(p, AT_FDCWD, used);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (fd == -EACCES)
			r = fd;
		if (!d[n])
			return r;
	}
}

/* Load the library OS image and check it matches our ABI. */
static void load_libos(struct proc *p)
{
	size_t size = libos_image_end - libos_image;
	memcpy(&p->libos, libos_image, sizeof p->libos);
	if (p->libos.magic != UP_LIBOS_MAGIC || p->libos.abi_version != UP_ABI_VERSION ||
	    p->libos.image_end > UP_LIBOS_LIMIT || UP_LIBOS_BASE + size > p->libos.image_end)
		errx(1, "library OS image: bad header (ABI %llu, want %d)",
		     (unsigned long long)p->libos.abi_version, UP_ABI_VERSION);
	memcpy(gmem_ptr(&p->vm, UP_LIBOS_BASE, size), libos_image, size);
}

/*
 * Load the ELF file open at fd into guest memory where exec_prepare found
 * it goes (want); 0, or -1 with err set if it changed since.
 */
static int load_elf(struct proc *p, int fd, uint64_t base, uint64_t top,
		    const struct elf_info *want, struct elf_info *ei, char *err, size_t es)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
		snprintf(err, es, "changed since it was checked");
		return -1;
	}
	void *data = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (data == MAP_FAILED) {
		snprintf(err, es, "%s", strerror(errno));
		return -1;
	}
	int r = elf_load(&p->vm, fd, data, st.st_size, base, top, ei, err, es);
	munmap(data, st.st_size);
	if (r == 0 && (ei->start != want->start || ei->end != want->end || ei->entry != want->entry)) {
		snprintf(err, es, "changed since it was checked");
		r = -1;
	}
	for (int i = 0; r == 0 && i < ei->nseg; i++) /* page aligned, as mmap would */
		fmap_add(p, ei->seg[i].lo & ~4095ull, (ei->seg[i].hi + 4095) & ~4095ull,
			 ei->seg[i].off & ~4095ull, fd, 0);
	return r;
}

/* The program is the file open at fd: /proc/self/exe, and no process of
   the run may write to it. */
static void set_exe(struct proc *p, int fd, const char *execfn)
{
	struct stat st;
	if (path_of_fd(p, fd, p->exe) < 0)
		snprintf(p->exe, sizeof p->exe, "%s", execfn);
	if (fstat(fd, &st) == 0)
		tree_set_exe(st.st_dev, st.st_ino);
	p->name = p->exe;
}

/*
 * SysV IPC objects and POSIX message queues are the host kernel's, per IPC
 * namespace: a run gets a namespace of its own, which every process of the
 * run inherits, so runs never see each other's objects nor the host's.
 * --ipc host shares the host's (as a plain process would).
 */
static void ipc_init(int host)
{
	if (!host && unshare(CLONE_NEWIPC) < 0)
		fprintf(stderr, "uniproc: warning: no IPC namespace of its own (%s): SysV IPC "
				"and message queues are the host's\n", strerror(errno));
}

/* Leave room above UP_FD_MAX for the monitor's own descriptors. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < UP_FD_MAX + 64) {
		rl.rlim_cur = rl.rlim_max;
		if (rl.rlim_cur < UP_FD_MAX + 64)
			errx(1, "RLIMIT_NOFILE hard limit %llu is below %d",
			     (unsigned long long)rl.rlim_max, UP_FD_MAX + 64);
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* The CPUs the host lets us run on: what the guest's threads can use. */
static uint64_t host_cpus(void)
{
	cpu_set_t s;
	if (sched_getaffinity(0, sizeof s, &s) < 0)
		return 1;
	int n = CPU_COUNT(&s);
	return n > 0 ? (uint64_t)n : 1;
}

/*
 * Load the program img holds (exec_prepare) into the fresh guest memory and
 * set the vCPU up to start it with argv and envp: the start of a run, and
 * the second half of execve. Releases img. 0, or -1 with a reason in err
 * (the files changed since they were checked).
 */
static int boot(struct proc *p, struct exec_image *img, char **argv, char **envp, char *err,
		size_t es)
{
	load_libos(p);
	static struct elf_info ei, interp;
	int dyn = img->interp_fd >= 0;
	int r = load_elf(p, img->fd, UP_USER_BASE, elf_top(&p->vm), &img->ei, &ei, err, es);
	if (r == 0 && dyn)
		r = load_elf(p, img->interp_fd, 0, elf_mmap_top(&p->vm), &img->interp, &interp, err,
			     es);
	set_exe(p, img->fd, img->execfn);
	tree_set_cmd(p->exe, argv);
	uint64_t rsp = r < 0 ? 0 : stack_build(p, &ei, dyn ? interp.bias : 0, img->execfn, argv, envp);
	exec_release(img);
	if (r < 0)
		return -1;
	if (!rsp) {
		snprintf(err, es, "%s", strerror(E2BIG));
		return -1;
	}

	struct up_boot_info *bi = gmem_ptr(&p->vm, p->libos.boot_info, sizeof *bi);
	if (!bi)
		errx(1, "library OS image: bad boot_info address");
	mode_t mask = umask(0);
	umask(mask);
	*bi = (struct up_boot_info){
		.mem_size = p->vm.mem_size, .entry = dyn ? interp.entry : ei.entry,
		.stack = rsp, .brk = ei.end, .mmap_top = dyn ? interp.start : elf_mmap_top(&p->vm),
		.pid = getpid(), .ppid = getppid(), .trace = p->trace,
		.umask = mask, .uid = getuid(), .euid = geteuid(), .gid = getgid(),
		.egid = getegid(), .rewrite = p->rewrite, .ncpus = host_cpus(),
	};
	/* Back the system area, library OS, program and stack up front. */
	if (vm_back(&p->vm, 0, ei.end + (4ull << 20)) < 0 ||
	    vm_back(&p->vm, bi->mmap_top - (1ull << 20), p->vm.mem_size) < 0 ||
	    (dyn && vm_back(&p->vm, interp.start, p->vm.mem_size) < 0)) {
		snprintf(err, es, "cannot back guest memory");
		return -1;
	}
	mmu_build(p);
	for (int i = 0; i < ei.nseg; i++)
		mmu_boot_protect(&p->vm, ei.seg[i].lo, ei.seg[i].hi, ei.seg[i].prot);
	for (int i = 0; dyn && i < interp.nseg; i++)
		mmu_boot_protect(&p->vm, interp.seg[i].lo, interp.seg[i].hi, interp.seg[i].prot);
	mmu_boot_protect(&p->vm, p->vm.mem_size - UP_STACK_SIZE, p->vm.mem_size, ei.stack_prot);
	bi->low_top = p->vm.low_top;
	bi->high_bottom = p->vm.high_bottom;
	/* The calling thread's vCPU runs the first thread (the process's main
	   thread, whatever thread called execve). */
	vcpu->block = p->libos.thread0;
	vcpu->tid = getpid();
	struct up_thread *t = vcpu_thread(p, vcpu);
	if (!t)
		errx(1, "library OS image: bad thread0 address");
	t->tid = (uint64_t)vcpu->tid;
	t->cpu = (uint64_t)vcpu->idx;
	t->state = 1;
	arch_setup(p, p->libos.boot_entry, p->libos.boot_stack);
	arch_clock(p, bi);
	return 0;
}

/*
 * execve, past the point of no return (exec.c has checked everything): the
 * same process and VM take the new program. Guest memory is replaced by
 * fresh memory; what Linux keeps across exec stays in the monitor.
 */
void proc_exec(struct proc *p, struct exec_image *img, char **argv, char **envp)
{
	vcpu_end_others(p); /* the other threads end first, as on Linux */
	for (int fd = 0; fd < UP_FD_MAX; fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0 && (fl & FD_CLOEXEC)) {
			close(fd);
			hsys_fd_closed(p, fd);
		}
	}
	uint64_t blocked = signal_exec(p);
	timer_exec(); /* issue 17: POSIX timers go, alarm and itimers stay */
	vm_reset(&p->vm);
	fmap_remove(0, UINT64_MAX);
	p->stub_used = 0;
	rewrite_reset();
	char comm[16], err[256];
	const char *base = strrchr(img->execfn, '/');
	snprintf(comm, sizeof comm, "%.15s", base ? base + 1 : img->execfn);
	if (boot(p, img, argv, envp, err, sizeof err) < 0) /* as Linux: SIGSEGV */
		proc_die(p, SIGSEGV, "execve: %s", err);
	prctl(PR_SET_NAME, comm); /* what ps shows as the command */
	signal_exec_done(p, blocked);
	pipe_republish(p);
	tree_count(0, 0, 1);
	if (p->vfork_fd >= 0) { /* our vfork parent goes on */
		close(p->vfork_fd);
		p->vfork_fd = -1;
	}
}

/*
 * The start of a run: PROG with args (argv[0..argc)) is found and checked
 * as execvp would, then loaded. On failure, a one-line message and exit
 * 127 if it is missing, 126 if it cannot run, as a shell does.
 */
static void start(struct proc *p, int argc, char **argv)
{
	char **av = calloc(argc + 9, sizeof *av); /* room for #! lines' words */
	const char *base = strrchr(argv[0], '/');
	prctl(PR_SET_NAME, base ? base + 1 : argv[0]); /* what ps shows, as after exec */
	for (int i = 0; av && i < argc; i++)
		av[i] = strdup(argv[i]);
	if (!av)
		err(1, "arguments");
	char used[PATH_MAX];
	static struct exec_image img;
	int r = find_prog(p, argv[0], used);
	if (r == 0)
		r = exec_prepare(p, AT_FDCWD, used, av, &argc, environ, &img);
	if (r < 0) {
		fprintf(stderr, "uniproc: %s: %s\n", argv[0], img.why[0] ? img.why : strerror(-r));
		exit(r == -ENOENT || r == -ENOTDIR ? 127 : 126);
	}
	char why[256];
	struct gmem_catch c;
	if (GMEM_CATCH(&c)) {
		fprintf(stderr, "uniproc: %s: changed while it was loaded\n", argv[0]);
		exit(126);
	}
	if (boot(p, &img, av, environ, why, sizeof why) < 0) {
		fprintf(stderr, "uniproc: %s: %s\n", argv[0], why);
		exit(126);
	}
	gmem_uncatch(&c);
}

/* --user UID:GID[:G1,G2...]: the monitor takes these credentials once its
   VM is made (/dev/kvm may be root's alone). */
static void set_user(const char *spec)
{
	unsigned uid, gid;
	int n = 0, ng = 0;
	gid_t groups[64];
	if (sscanf(spec, "%u:%u%n", &uid, &gid, &n) < 2 || (spec[n] && spec[n] != ':'))
		errx(2, "--user %s: want UID:GID[:G1,G2...]", spec);
	for (const char *g = spec[n] ? spec + n + 1 : ""; *g; ng++) {
		char *end;
		groups[ng] = strtoul(g, &end, 10);
		if (end == g || ng == 63 || (*end && *end != ','))
			errx(2, "--user %s: want UID:GID[:G1,G2...]", spec);
		g = *end ? end + 1 : end;
	}
	if (setgroups(ng, groups) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
		err(1, "--user %s", spec);
}

static int cmd_run(int argc, char **argv)
{
	static struct proc proc;
	struct proc *p = &proc;
	cur_proc = p;
	uint64_t mem = DEFAULT_MEM;
	const char *root = "/", *user = NULL;
	int keep_caps = 0, seccomp = 1;
	int i = 0, max_procs = DEFAULT_MAX_PROCS, ipc_host = 0;
	p->rewrite = 1;
	p->sq = SQ_AUTO;
	p->vfork_fd = -1;
	p->fd_limit = p->fd_hard = UP_FD_MAX;
	p->shm_fd = -1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "--mem") && i + 1 < argc) {
			mem = parse_size(argv[++i]);
		} else if (!strcmp(argv[i], "--root") && i + 1 < argc) {
			root = argv[++i];
		} else if (!strcmp(argv[i], "--trace")) {
			p->trace = 1;
		} else if (!strcmp(argv[i], "--max-procs") && i + 1 < argc) {
			max_procs = atoi(argv[++i]);
			if (max_procs < 1 || max_procs > 1 << 20)
				errx(2, "--max-procs %s: want 1 to %d", argv[i], 1 << 20);
		} else if (!strcmp(argv[i], "--stats")) {
			p->stats = 1;
		} else if (!strcmp(argv[i], "--ipc") && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "host") && strcmp(argv[i], "private"))
				errx(2, "--ipc %s: want host or private", argv[i]);
			ipc_host = !strcmp(argv[i], "host");
		} else if (!strcmp(argv[i], "--net") && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "host") && strcmp(argv[i], "none"))
				errx(2, "--net %s: want host or none", argv[i]);
			p->net_none = !strcmp(argv[i], "none");
		} else if (!strcmp(argv[i], "--user") && i + 1 < argc) {
			user = argv[++i];
		} else if (!strcmp(argv[i], "--no-rewrite")) {
			p->rewrite = 0;
		} else if (!strcmp(argv[i], "--keep-caps")) {
			keep_caps = 1;
		} else if (!strcmp(argv[i], "--no-seccomp")) {
			seccomp = 0;
		} else if (!strcmp(argv[i], "--no-exitless")) {
			p->sq = 0;
		} else if (!strcmp(argv[i], "--exitless") && i + 1 < argc &&
			   (!strcmp(argv[i + 1], "auto") || !strcmp(argv[i + 1], "always"))) {
			p->sq = !strcmp(argv[++i], "always") ? SQ_ALWAYS : SQ_AUTO;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(0);
		} else {
			fprintf(stderr, "uniproc: unknown option %s\n", argv[i]);
			usage(2);
		}
	}
	if (i >= argc)
		usage(2);

	raise_fd_limit();
	p->log_fd = fcntl(2, F_DUPFD_CLOEXEC, UP_FD_MAX);
	if (p->log_fd < 0)
		p->log_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	/* The monitor's own messages (err(), warn()) go where uniproc's stderr
	   went, not to the guest's fd 2, which the guest may redirect. */
	FILE *log = fdopen(fcntl(p->log_fd, F_DUPFD_CLOEXEC, UP_FD_MAX), "w");
	if (log) {
		setvbuf(log, NULL, _IONBF, 0);
		stderr = log;
	}
	/* A monitor never dumps guest memory; the limit is the guest's
	   (proc_signal: the core bit of a wait status). */
	struct rlimit no_core = {0, 0};
	getrlimit(RLIMIT_CORE, &no_core);
	p->core = no_core;
	no_core.rlim_cur = 0;
	setrlimit(RLIMIT_CORE, &no_core);
	tree_init(max_procs);
	ipc_init(ipc_host);
	signal_init(); /* also catches the monitor's SIGBUS for gmem.c */
	tree_count(0, 1, 0);
	path_init(p, root);
	devfs_init(p);
	vm_create(&p->vm, mem);
	sq_init();
	if (user)
		set_user(user);
	sandbox_enter(p, keep_caps, seccomp);
	start(p, argc - i, argv + i);
	vm_run(p);
}

/* Our command line as the host shows it (/proc/PID/cmdline, ps, pgrep -f). */
static char *cmdline;
static size_t cmdline_len;

void proc_title(const char *title)
{
	if (!cmdline)
		return;
	memset(cmdline, 0, cmdline_len);
	snprintf(cmdline, cmdline_len, "%s", title);
	prctl(PR_SET_NAME, title);
}

int main(int argc, char **argv)
{
	if (argc > 0) {
		cmdline = argv[0];
		cmdline_len = argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0];
	}
	if (oci_wants(argc, argv))
		return oci_main(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "sandbox-check"))
		return sandbox_check(argc - 2, argv + 2);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		usage(0);
	if (argc >= 2 && !strcmp(argv[1], "--version")) {
		printf("uniproc 0.1 (ABI %d)\n", UP_ABI_VERSION);
		return 0;
	}
	usage(2);
}
