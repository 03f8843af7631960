/*
 * What a hostile or unlucky program does to its monitor (issue 15):
 * harden CASE [ARG]. The cases run natively too, and print the same there,
 * except those marked "uniproc only" (they touch the ABI or rely on
 * --mem), which tests/run.sh checks on their own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <grp.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../include/uniproc/abi.h"

extern char **environ;

#define SHOW(label, call)                                                              \
	do {                                                                           \
		errno = 0;                                                             \
		long r_ = (long)(call);                                                \
		printf("%s: %s\n", label, r_ < 0 ? strerror(errno) : "ok");            \
	} while (0)

static char self[4096];

/* Open path with flags, show what happened, close it. */
static void try_open(const char *what, const char *path, int flags)
{
	char label[256];
	snprintf(label, sizeof label, "open %s 0%o", what, flags);
	int fd;
	SHOW(label, fd = open(path, flags, 0644));
	if (fd >= 0)
		close(fd);
}

/* Copy our own program to path (mode 0755). */
static void copy_self(const char *path)
{
	int in = open(self, O_RDONLY), out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		write(out, buf, n);
	close(in);
	close(out);
}

/* A running program may not be written: ETXTBSY (run on a copy: if that
   fails, the copy is what gets truncated). */
static int etxtbsy_run(void)
{
	static const int flags[] = {O_WRONLY, O_RDWR, O_RDONLY | O_TRUNC, O_WRONLY | O_TRUNC,
				    O_WRONLY | O_CREAT, O_RDWR | O_APPEND};
	for (unsigned i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		try_open("/proc/self/exe", "/proc/self/exe", flags[i]);
		try_open("by its path", self, flags[i]);
	}
	try_open("O_EXCL", self, O_WRONLY | O_CREAT | O_EXCL);
	try_open("read-only", self, O_RDONLY);
	SHOW("truncate", truncate(self, 100));
	pid_t pid = fork();
	if (pid == 0) { /* a child runs the same program */
		SHOW("child: open for writing", open(self, O_WRONLY));
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	struct stat st;
	stat(self, &st);
	printf("size unchanged: %d\n", st.st_size > 4096);
	char other[4200];
	snprintf(other, sizeof other, "%s.other", self);
	copy_self(other);
	try_open("a copy", other, O_WRONLY | O_TRUNC);
	SHOW("truncate a copy", truncate(other, 0));
	return 0;
}

static int etxtbsy(const char *dir)
{
	char copy[4200];
	snprintf(copy, sizeof copy, "%s/busy", dir);
	copy_self(copy);
	char *av[] = {"busy", "etxtbsy-run", NULL};
	execve(copy, av, environ);
	perror("execve");
	return 1;
}

/*
 * A file mapping whose file shrinks: a syscall given a pointer past the new
 * end fails with EFAULT; the program touching it dies of SIGBUS. With
 * "monitor", a syscall whose argument the monitor itself reads.
 */
static int shrink(const char *dir, int monitor)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/shrinkme", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ftruncate(fd, 3 * 4096);
	volatile char *m = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	printf("before: %d\n", m[4096]);
	ftruncate(fd, 0);
	SHOW("open a name past the end", open((const char *)m + 4096, O_RDONLY));
	SHOW("stat a name past the end", access((const char *)m + 4096, F_OK));
	if (monitor) /* uniproc only: natively EFAULT */
		SHOW("rt_sigaction past the end", syscall(SYS_rt_sigaction, SIGUSR1, m + 4096, NULL, 8));
	printf("touching it\n");
	printf("after: %d\n", m[4096]);
	return 0;
}

/* Uniproc only: wait for a line on stdin (while the test truncates our
   program file), then run more code. */
static int victim(const char *ready)
{
	close(open(ready, O_WRONLY | O_CREAT, 0644));
	char c;
	read(0, &c, 1);
	printf("survived\n");
	return 0;
}

/* --- Memory ------------------------------------------------------------ */

static const char *err_name(int e)
{
	return e == ENOMEM ? "ENOMEM" : strerror(e);
}

/* UP_HC_MEMORY by hand, as a hostile guest would issue it. */
static struct up_hc_memory hc_mem;
static void hc_memory(uint64_t lo, uint64_t hi)
{
	hc_mem = (struct up_hc_memory){lo, hi, 0, 0};
	__asm__ volatile("" ::: "memory");
	*(volatile uint32_t *)(UP_HC_MMIO_BASE + 8ull * UP_HC_MEMORY) = (uint32_t)(uintptr_t)&hc_mem;
	__asm__ volatile("" ::: "memory"); /* the monitor wrote hc_mem */
	printf("hypercall memory [0x%llx, 0x%llx): %s\n", (unsigned long long)lo,
	       (unsigned long long)hi, hc_mem.low_top ? "backed" : "refused");
}

/* Uniproc only, with --mem SIZE: allocation past it fails, never kills. */
static int mem(uint64_t size)
{
	enum { MAX = 4096 };
	static void *maps[MAX];
	long n = 0;
	static const long lens[] = {1 << 20, (1 << 20) + 123}; /* aligned or not */
	for (int l = 0; l < 2; l++) {
		long len = lens[l];
		while (n < MAX && (maps[n] = mmap(NULL, len, PROT_READ | PROT_WRITE,
						  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) != MAP_FAILED) {
			memset(maps[n], 1, 4096);
			n++;
		}
		printf("mmap of %ld bytes until it fails: %s, %s\n", len, err_name(errno),
		       n > 4 && n < MAX ? "after some" : "wrong count");
		while (n > 0)
			munmap(maps[--n], len);
	}
	uintptr_t start = syscall(SYS_brk, 0), cur = start, step = 1000003;
	while (syscall(SYS_brk, cur + step) == (long)(cur + step))
		cur += step;
	printf("brk until it fails: %s\n", cur > start && cur - start < size ? "fails" : "wrong");
	syscall(SYS_brk, start);
	SHOW("mmap of all the address space", mmap(NULL, (size_t)-4096 + 1, PROT_READ,
						    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? -1 : 0);
	hc_memory(0x400123, 0x600001);
	hc_memory(size - 4096, size + 4096);
	hc_memory(0x600000, 0x500000);
	hc_memory(0x1000, 0x2000);
	hc_memory(0x400000, size);
	hc_memory(0x400000, size);
	void *p = malloc(3 << 20);
	printf("malloc after: %s\n", p ? "ok" : "NULL");
	return 0;
}

/* --- Pipe locks -------------------------------------------------------- */

static volatile struct up_ring *const ring0 = (struct up_ring *)UP_RING_BASE;

/* Uniproc only: a ring lock holding a pid outside the run is no lock. */
static int lock_foreign(void)
{
	int a[2];
	char buf[8];
	pipe(a); /* ring 0 */
	ring0->wlock = (uint32_t)getppid(); /* alive, not of the run */
	printf("write past a foreign lock: %ld\n", (long)write(a[1], "abcde", 5));
	ring0->rlock = (uint32_t)getppid();
	printf("read past a foreign lock: %ld\n", (long)read(a[0], buf, 5));
	return 0;
}

/* Uniproc only: a lock kept by a live process of the run: EIO after a
   bounded wait; with "hang", forever EIO, but killable. */
static int lock_live(int hang)
{
	int a[2];
	char buf[8];
	pipe(a);
	pid_t child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	ring0->wlock = (uint32_t)child;
	if (hang) {
		printf("locked\n");
		fflush(stdout);
		for (;;)
			write(a[1], "x", 1);
	}
	SHOW("write past a live holder's lock", write(a[1], "abcde", 5));
	ring0->rlock = (uint32_t)child;
	SHOW("read past a live holder's lock", read(a[0], buf, 5));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	SHOW("write once the holder is gone", write(a[1], "abcde", 5));
	return 0;
}

/* --- The run's watchdog ----------------------------------------------- */

/* The monitor's own children (the watchdog) are no children of the guest,
   even to __WALL. */
static int wait_all(void)
{
	int st = 0;
	SHOW("wait for all with no child", waitpid(-1, &st, __WALL));
	pid_t pid = fork();
	if (pid == 0)
		_exit(3);
	int found = waitpid(-1, &st, __WALL) == pid;
	printf("wait for all: %d, status 0x%x\n", found, st);
	SHOW("wait for clone children", waitpid(-1, &st, __WCLONE | WNOHANG));
	return 0;
}

/* --- execve ---------------------------------------------------------------- */

static void show_exec(const char *what, const char *path, char **env)
{
	char *av[] = {"harden", "ran", NULL};
	char label[200];
	snprintf(label, sizeof label, "execve %s", what);
	SHOW(label, execve(path, av, env));
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	write(fd, text, strlen(text));
	close(fd);
	chmod(path, mode);
}

/* What execve refuses: a FIFO (never opened: it would hang), a #! script
   whose interpreter is a FIFO, a file without x, a directory. DIR/fifo
   may exist already. */
static int exec_refused(const char *dir)
{
	char fifo[4200], script[4200], text[8400], noexec[4200];
	snprintf(fifo, sizeof fifo, "%s/fifo", dir);
	if (access(fifo, F_OK) < 0) /* tests/run.sh makes it: uniproc serves no mknod */
		mkfifo(fifo, 0755);
	chmod(fifo, 0755);
	show_exec("a FIFO", fifo, environ);
	snprintf(script, sizeof script, "%s/fifo-script", dir);
	snprintf(text, sizeof text, "#!%s\n", fifo);
	write_file(script, text, 0755);
	show_exec("a script run by a FIFO", script, environ);
	snprintf(noexec, sizeof noexec, "%s/noexec", dir);
	copy_self(noexec);
	chmod(noexec, 0644);
	show_exec("a file without x", noexec, environ);
	show_exec("a directory", dir, environ);
	printf("still running\n");
	return 0;
}

/* Uniproc only: an entry point outside the image is refused (natively the
   exec works and the program crashes). */
static int exec_entry(const char *dir)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/badentry", dir);
	copy_self(path);
	int fd = open(path, O_WRONLY);
	uint64_t entry = 0x100;
	pwrite(fd, &entry, 8, 24); /* e_entry */
	close(fd);
	show_exec("an entry point outside the image", path, environ);
	printf("still running\n");
	return 0;
}

/* n strings of len bytes each, and one more so that they take rest bytes
   with their NULs. */
static char **strings(long n, long len, long rest)
{
	char **v = calloc(n + 2, sizeof *v);
	for (long i = 0; i <= n; i++) {
		long l = i < n ? len : rest - 1;
		v[i] = malloc(l + 1);
		memset(v[i], 'a' + i % 26, l);
		v[i][l] = 0;
		if (l >= 2)
			v[i][1] = '=';
	}
	return v;
}

/* execve at Linux's limits: strings and a pointer for each fit a quarter of
   an 8 MiB stack; one string is at most 128 KiB with its NUL. */
static int exec_limits(void)
{
	struct rlimit rl = {8 << 20, 8 << 20};
	getrlimit(RLIMIT_STACK, &rl);
	rl.rlim_cur = 8 << 20; /* the limit follows the stack limit natively */
	setrlimit(RLIMIT_STACK, &rl);
	char *av[] = {self, "ran", NULL};
	long fixed = strlen(self) + 1 + strlen(self) + 1 + strlen("ran") + 1 + 2 * 8;
	for (int over = 0; over < 2; over++) {
		long n = 2000, len = 1000, room = (2 << 20) - fixed - (n + 1) * 8 - n * (len + 1);
		char **env = strings(n, len, room + over);
		pid_t pid = fork();
		if (pid == 0) {
			execve(self, av, env);
			printf("execve %s the limit: %s\n", over ? "1 byte over" : "right at",
			       strerror(errno));
			_exit(0);
		}
		int st;
		waitpid(pid, &st, 0);
		printf("child status 0x%x\n", st);
	}
	for (int over = 0; over < 2; over++) {
		char **env = strings(0, 0, 131072 + over); /* one string, its NUL included */
		pid_t pid = fork();
		if (pid == 0) {
			execve(self, av, env);
			printf("execve a string of 128 KiB%s: %s\n", over ? " + 1" : "",
			       strerror(errno));
			_exit(0);
		}
		int st;
		waitpid(pid, &st, 0);
		printf("child status 0x%x\n", st);
	}
	printf("still running\n");
	return 0;
}

/* Open a root-only file and say what happened. */
static void *open_secret(void *label)
{
	int fd = open("rootonly", O_RDONLY);
	printf("%s: %s\n", (char *)label, fd >= 0 ? "opened" : strerror(errno));
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* As root, in dir, with a file only root may read ("rootonly"): 0, or 1
   (not root: say why with what, or no dir). */
static int root_with_secret(const char *dir, const char *what)
{
	if (getuid() != 0) {
		printf("not root: nothing to %s\n", what);
		return 1;
	}
	if (chdir(dir) < 0)
		return 1;
	close(open("rootonly", O_WRONLY | O_CREAT | O_TRUNC, 0600));
	return 0;
}

/*
 * A process that drops root can no longer do what root could, whichever
 * host thread of its monitor serves the call: right after setuid (the call
 * server is awake), after an idle pause, and from another thread.
 */
static int drop_root(const char *dir)
{
	if (root_with_secret(dir, "drop"))
		return getuid() != 0 ? 0 : 1;
	open_secret("as root");
	pthread_t t;
	pthread_create(&t, NULL, open_secret, "thread as root");
	pthread_join(t, NULL);
	struct timespec pause = {0, 50000000};
	nanosleep(&pause, NULL);
	if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
		printf("setuid: %s\n", strerror(errno));
	open_secret("at once");
	nanosleep(&pause, NULL);
	open_secret("after a pause");
	for (int i = 0; i < 100; i++)
		getppid();
	open_secret("among other calls");
	pthread_create(&t, NULL, open_secret, "from a thread");
	pthread_join(t, NULL);
	printf("setuid(0): %s\n", setuid(0) < 0 ? strerror(errno) : "ok");
	return 0;
}

/*
 * In a root without /dev, uniproc serves the host's /dev/null and the like
 * (devfs.c): a guest root may use them but not change them (uniproc only).
 * Nor the host's /proc (a fuzzer's chmod of it once locked every user out
 * of the machine's /proc): the same mode and owner, so that a uniproc that
 * lets them through changes nothing.
 */
static int devfs(void)
{
	int fd = open("/dev/null", O_RDWR);
	SHOW("open /dev/null", fd);
	SHOW("fchmod", fchmod(fd, 0600));
	SHOW("chmod", chmod("/dev/null", 0600));
	SHOW("chown", chown("/dev/zero", 5, 5));
	SHOW("fchown", fchown(fd, 5, 5));
	SHOW("futimens", futimens(fd, NULL));
	SHOW("utimensat", utimensat(AT_FDCWD, "/dev/full", NULL, 0));
	SHOW("chmod /proc", chmod("/proc", 0555));
	SHOW("chown /proc", chown("/proc", 0, 0));
	SHOW("write", write(fd, "x", 1));
	return 0;
}

/* The permitted and effective capability sets (capget), low 32 bits. */
static void caps(unsigned *perm, unsigned *eff)
{
	struct { unsigned version; int pid; } h = {0x20080522, 0}; /* version 3 */
	struct { unsigned eff, perm, inh; } d[2] = {{0}};
	syscall(SYS_capget, &h, d);
	*perm = d[0].perm, *eff = d[0].eff;
}

/*
 * Capabilities kept across setuid (keepcaps), raised with capset, then
 * lost by execve, as capabilities(7) says for a program that is not root:
 * whichever host thread serves the calls afterwards.
 */
static int caps_keep(const char *dir)
{
	unsigned perm, eff;
	if (root_with_secret(dir, "keep"))
		return getuid() != 0 ? 0 : 1;
	prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
	if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0)
		printf("setresuid: %s\n", strerror(errno));
	caps(&perm, &eff);
	printf("after setresuid: permitted %s, effective %s\n", perm ? "kept" : "none",
	       eff ? "some" : "none");
	struct { unsigned version; int pid; } h = {0x20080522, 0};
	struct { unsigned eff, perm, inh; } d[2] = {{1u << 1 /* CAP_DAC_OVERRIDE */, perm, 0}};
	SHOW("capset CAP_DAC_OVERRIDE effective", syscall(SYS_capset, &h, d));
	open_secret("with CAP_DAC_OVERRIDE");
	struct timespec pause = {0, 50000000};
	nanosleep(&pause, NULL);
	open_secret("after a pause");
	execl(self, self, "caps-exec", (char *)NULL);
	printf("execl: %s\n", strerror(errno));
	return 1;
}

static int caps_exec(void)
{
	unsigned perm, eff;
	caps(&perm, &eff);
	printf("after execve: permitted %s, effective %s\n", perm ? "some" : "none",
	       eff ? "some" : "none");
	open_secret("after execve");
	for (int i = 0; i < 100; i++)
		getppid();
	open_secret("among other calls");
	return 0;
}

/* no_new_privs is the program's own: the monitor's sandbox sets its own. */
static int nnp(void)
{
	char line[256];
	int before = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	printf("set: %d\n", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	printf("before %d, after %d\n", before, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "NoNewPrivs:", 11))
			fputs(line, stdout);
	fclose(f);
	pid_t pid = fork();
	if (pid == 0)
		_exit(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	int st;
	waitpid(pid, &st, 0);
	printf("child: %d\n", WEXITSTATUS(st));
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	self[n > 0 ? n : 0] = 0;
	const char *c = argc > 1 ? argv[1] : "", *arg = argc > 2 ? argv[2] : "/tmp";
	if (!strcmp(c, "ran")) {
		printf("ran, %d arguments\n", argc);
		return 0;
	}
	if (!strcmp(c, "etxtbsy"))
		return etxtbsy(arg);
	if (!strcmp(c, "etxtbsy-run"))
		return etxtbsy_run();
	if (!strcmp(c, "shrink"))
		return shrink(arg, 0);
	if (!strcmp(c, "shrink-monitor"))
		return shrink(arg, 1);
	if (!strcmp(c, "victim"))
		return victim(arg);
	if (!strcmp(c, "mem"))
		return mem(strtoull(arg, NULL, 0));
	if (!strcmp(c, "lock-foreign"))
		return lock_foreign();
	if (!strcmp(c, "lock-live"))
		return lock_live(0);
	if (!strcmp(c, "lock-hang"))
		return lock_live(1);
	if (!strcmp(c, "wait-all"))
		return wait_all();
	if (!strcmp(c, "exec-refused"))
		return exec_refused(arg);
	if (!strcmp(c, "exec-entry"))
		return exec_entry(arg);
	if (!strcmp(c, "exec-limits"))
		return exec_limits();
	if (!strcmp(c, "drop-root"))
		return drop_root(arg);
	if (!strcmp(c, "nnp"))
		return nnp();
	if (!strcmp(c, "caps"))
		return caps_keep(arg);
	if (!strcmp(c, "caps-exec"))
		return caps_exec();
	if (!strcmp(c, "devfs"))
		return devfs();
	return 2;
}
