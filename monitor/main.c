/* uniproc run [--mem SIZE] [--root DIR] [--trace] [--] PROG [ARGS...] */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hsys.h"

#define DEFAULT_MEM (1ull << 30)
#define DEFAULT_MAX_PROCS 512

extern char **environ;

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: uniproc run [--mem SIZE] [--root DIR] [--max-procs N] [--trace] [--stats] [--no-rewrite] [--] PROG [ARGS...]\n"
		"  Run the static x86-64 Linux program PROG in its own KVM unikernel.\n"
		"  --mem SIZE  guest memory, e.g. 512M or 4G (default 1G; lazily allocated)\n"
		"  --root DIR  the guest sees the host tree beneath DIR as / (default /)\n"
		"  --max-procs N  at most N processes in the tree (default 512); fork fails with EAGAIN\n"
		"  --trace     print each syscall on stderr\n"
		"  --no-rewrite  never patch syscall instructions (every syscall traps)\n"
		"  --stats     at exit, print how many processes and VMs the run made\n");
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

/* Find PROG as execvp does (PATH for names without a slash), beneath the root. */
static int find_prog(struct proc *p, const char *prog, char *used)
{
	if (strchr(prog, '/')) {
		snprintf(used, PATH_MAX, "%s", prog);
		return path_open(p, AT_FDCWD, prog, O_RDONLY | O_CLOEXEC, 0);
	}
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/bin:/usr/bin";
	int r = -ENOENT;
	for (const char *d = path;; d = strchr(d, ':') + 1) {
		size_t n = strcspn(d, ":");
		snprintf(used, PATH_MAX, "%.*s%s%s", (int)n, d, n ? "/" : "", prog);
		int fd = path_open(p, AT_FDCWD, used, O_RDONLY | O_CLOEXEC, 0);
		struct stat st;
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_mode & 0111))
			return fd;
		if (fd >= 0) {
			close(fd);
			fd = -EACCES;
		}
		if (fd == -EACCES)
			r = fd;
		if (!d[n])
			return r;
	}
}

/* The mmap area grows down from here; an interpreter goes just below it. */
static uint64_t mmap_top(const struct proc *p)
{
	return p->vm.mem_size - UP_STACK_SIZE - (1ull << 20);
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

/* Map the ELF file fd into guest memory (see elf_load); 0, or -1 with err set. */
static int load_elf(struct proc *p, int fd, uint64_t base, uint64_t top, struct elf_info *ei,
		    char *err, size_t es)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, es, "not a regular file");
		return -1;
	}
	void *data = st.st_size ? mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
	if (st.st_size && data == MAP_FAILED) {
		snprintf(err, es, "%s", strerror(errno));
		return -1;
	}
	int r = elf_load(&p->vm, fd, data, st.st_size, base, top, ei, err, es);
	if (st.st_size)
		munmap(data, st.st_size);
	return r;
}

/*
 * Load PROG, and its interpreter if it has one (found beneath the root, at
 * the top of the mmap area, as Linux puts it). Exits 127 if either is
 * missing, 126 if it can't run, as a shell does. *entry is where to start.
 */
static void load_prog(struct proc *p, const char *prog, struct elf_info *ei,
		      struct elf_info *interp, char *used)
{
	int fd = find_prog(p, prog, used);
	if (fd < 0) {
		fprintf(stderr, "uniproc: %s: %s\n", prog, strerror(-fd));
		exit(fd == -ENOENT || fd == -ENOTDIR ? 127 : 126);
	}
	if (path_of_fd(p, fd, p->exe) < 0)
		snprintf(p->exe, sizeof p->exe, "%s", used);
	char why[256];
	if (load_elf(p, fd, UP_USER_BASE, elf_top(&p->vm), ei, why, sizeof why) < 0) {
		fprintf(stderr, "uniproc: %s: %s\n", prog, why);
		exit(126);
	}
	close(fd);
	interp->entry = 0;
	if (!ei->interp[0])
		return;
	fd = path_open(p, AT_FDCWD, ei->interp, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "uniproc: %s: interpreter %s: %s\n", prog, ei->interp,
			strerror(-fd));
		exit(fd == -ENOENT || fd == -ENOTDIR ? 127 : 126);
	}
	if (load_elf(p, fd, 0, mmap_top(p), interp, why, sizeof why) < 0 || interp->interp[0]) {
		fprintf(stderr, "uniproc: %s: interpreter %s: %s\n", prog, ei->interp,
			interp->interp[0] ? "has an interpreter itself" : why);
		exit(126);
	}
	close(fd);
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

/*
 * Load PROG into the (fresh) guest memory and set the vCPU up to start it
 * with argv and envp: the start of a run, and the second half of execve.
 */
static void boot(struct proc *p, const char *prog, char **argv, char **envp)
{
	load_libos(p);
	static struct elf_info ei, interp;
	char used[PATH_MAX];
	load_prog(p, prog, &ei, &interp, used);
	p->name = p->exe;
	uint64_t rsp = stack_build(p, &ei, interp.entry ? interp.bias : 0, used, argv, envp);
	if (!rsp)
		errx(1, "%s: arguments and environment too large (E2BIG)", prog);

	struct up_boot_info *bi = gmem_ptr(&p->vm, p->libos.boot_info, sizeof *bi);
	if (!bi)
		errx(1, "library OS image: bad boot_info address");
	mode_t mask = umask(0);
	umask(mask);
	*bi = (struct up_boot_info){
		.mem_size = p->vm.mem_size, .entry = interp.entry ? interp.entry : ei.entry,
		.stack = rsp, .brk = ei.end, .mmap_top = interp.entry ? interp.start : mmap_top(p),
		.pid = getpid(), .ppid = getppid(), .trace = p->trace,
		.umask = mask, .uid = getuid(), .euid = geteuid(), .gid = getgid(),
		.egid = getegid(), .rewrite = p->rewrite,
	};
	/* Back the system area, library OS, program and stack up front. */
	if (vm_back(&p->vm, 0, ei.end + (4ull << 20)) < 0 ||
	    vm_back(&p->vm, bi->mmap_top - (1ull << 20), p->vm.mem_size) < 0)
		errx(1, "cannot back guest memory");
	if (interp.entry && vm_back(&p->vm, interp.start, p->vm.mem_size) < 0)
		errx(1, "cannot back guest memory");
	bi->low_top = p->vm.low_top;
	bi->high_bottom = p->vm.high_bottom;
	arch_setup(p, p->libos.boot_entry, p->libos.boot_stack);
	arch_clock(p, bi);
}

/*
 * execve, past the point of no return (exec.c has checked everything): the
 * same process and VM take the new program. Guest memory is replaced by
 * fresh memory; what Linux keeps across exec stays in the monitor.
 */
void proc_exec(struct proc *p, const char *prog, char **argv, char **envp)
{
	for (int fd = 0; fd < UP_FD_MAX; fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0 && (fl & FD_CLOEXEC)) {
			close(fd);
			pipe_forget(p, fd);
			epoll_forget(fd);
		}
	}
	uint64_t blocked = signal_exec(p);
	timer_exec(); /* issue 17: POSIX timers go, alarm and itimers stay */
	vm_reset(&p->vm);
	p->stub_used = 0;
	boot(p, prog, argv, envp);
	const char *base = strrchr(prog, '/');
	prctl(PR_SET_NAME, base ? base + 1 : prog); /* what ps shows as the command */
	signal_exec_done(p, blocked);
	pipe_republish(p);
	tree_count(0, 0, 1);
	if (p->vfork_fd >= 0) { /* our vfork parent goes on */
		close(p->vfork_fd);
		p->vfork_fd = -1;
	}
}

static int cmd_run(int argc, char **argv)
{
	static struct proc proc;
	struct proc *p = &proc;
	uint64_t mem = DEFAULT_MEM;
	const char *root = "/";
	int i = 0, max_procs = DEFAULT_MAX_PROCS;
	p->rewrite = 1;
	p->vfork_fd = -1;
	p->fd_limit = UP_FD_MAX;
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
		} else if (!strcmp(argv[i], "--no-rewrite")) {
			p->rewrite = 0;
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
	/* A monitor never dumps core: it would hold guest memory. */
	struct rlimit no_core = {0, 0};
	getrlimit(RLIMIT_CORE, &no_core);
	no_core.rlim_cur = 0;
	setrlimit(RLIMIT_CORE, &no_core);
	tree_init(max_procs);
	signal_init();
	tree_count(0, 1, 0);
	path_init(p, root);
	vm_create(&p->vm, mem);
	boot(p, argv[i], argv + i, environ);
	vm_run(p);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		usage(0);
	if (argc >= 2 && !strcmp(argv[1], "--version")) {
		printf("uniproc 0.1 (ABI %d)\n", UP_ABI_VERSION);
		return 0;
	}
	usage(2);
}
