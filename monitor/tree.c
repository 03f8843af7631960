/*
 * The process tree of one `uniproc run`: a table of monitor pids in shared
 * memory that only monitors map (never the guest). It bounds the number of
 * processes (--max-procs), scopes kill() to the tree, and lets the main
 * process end the whole tree when it exits. A watchdog outside the tree
 * ends it too when the main process dies in a way that cannot clean up
 * (SIGKILL).
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

struct tree {
	int max;      /* slots in pids[] */
	pid_t root;   /* the main process */
	long vms;     /* KVM_CREATE_VM calls by the tree's monitors */
	long procs;   /* processes: the first and every fork child */
	long execs;   /* successful execs */
	long exits;   /* VM exits, added as each monitor exits */
	int ended;    /* the main process is gone: no new process may start */
	char private_dir[128]; /* removed when the run ends (the run's /dev/shm), or "" */
	pid_t pids[]; /* 0: free, -1: reserved by a forking parent */
	/* then struct exe exes[max]: what the process in each slot runs */
};

/*
 * What the run knows of the process in a slot: the program file it runs
 * (Linux refuses to write to it: ETXTBSY), and what /proc/PID shows of it to
 * the other processes of the run, which cannot read its guest memory.
 */
#define CMDLINE_MAX 4096
struct exe {
	uint64_t dev, ino;
	uint64_t start;        /* host start time (ticks since boot), 0: not known yet */
	uint64_t sigblk, sigign, sigcgt; /* the guest's view, as of its last hypercall */
	uint32_t nnp;          /* the guest's no_new_privs (the monitor's is always on) */
	uint32_t zombie;       /* it has exited; its slot stays until it is reaped */
	uint32_t seq;          /* odd while exe[] and cmdline[] change */
	uint32_t cmdline_len;
	char exe[PATH_MAX];    /* the guest path of the program */
	char cmdline[CMDLINE_MAX]; /* its argv at exec, NUL-separated (truncated) */
};

static struct tree *tree;
static struct exe *exes;
static int tree_fd = -1; /* a memfd: every monitor of the run maps it */
static int my_slot = -1;

/* Offset of exes[] in the table of max slots. */
static size_t exes_at(int max)
{
	return (sizeof *tree + max * sizeof(pid_t) + 7) & ~(size_t)7;
}

static void map_tree(size_t size, int max)
{
	tree = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, tree_fd, 0);
	if (tree == MAP_FAILED)
		err(1, "tree: process table");
	exes = (struct exe *)((char *)tree + exes_at(max));
}

static int is_monitor(pid_t pid);
static int member_slot(pid_t pid);
static int slot_live(int i, pid_t pid);

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	remove(path);
	return 0;
}

/* Remove the run's private directory (its /dev/shm), if it has one. */
static void remove_private_dir(void)
{
	if (tree->private_dir[0])
		nftw(tree->private_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

uint64_t host_start_time(pid_t pid, int live_only)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	char *f = strrchr(buf, ')'); /* the name may hold spaces and parentheses */
	if (live_only && f && f[1] == ' ' && f[2] == 'Z') /* a zombie: it has ended */
		return 0;
	for (int i = 2; f && i < 22; i++)
		f = strchr(f + 1, ' ');
	return f ? strtoull(f + 1, NULL, 10) : 0;
}

static uint64_t start_time(pid_t pid)
{
	return host_start_time(pid, 0);
}

/* SIGKILL every live process of the tree but us; how many there were. */
static int kill_all(void)
{
	int n = 0;
	for (int i = 0; i < tree->max; i++) {
		pid_t pid = __atomic_load_n(&tree->pids[i], __ATOMIC_SEQ_CST);
		if (pid > 0 && pid != getpid() && is_monitor(pid) && kill(pid, SIGKILL) == 0)
			n++;
	}
	return n;
}

/* In the watchdog: once the main process (pidfd) has ended, end the rest. */
static void __attribute__((noreturn)) watch(int pidfd)
{
	struct pollfd pf = {pidfd, POLLIN, 0};
	while (poll(&pf, 1, -1) < 0 && errno == EINTR)
		;
	/* A process forked from now on sees this and ends itself (tree_fill). */
	__atomic_store_n(&tree->ended, 1, __ATOMIC_SEQ_CST);
	for (int round = 0; round < 500 && kill_all(); round++)
		nanosleep(&(struct timespec){0, 10000000}, NULL);
	remove_private_dir();
	_exit(0);
}

/*
 * Start the run's watchdog: a process that waits for the main process to
 * end, however it ends, then kills what is left of the run. It is a child
 * whose end signals no one (exit signal 0), so the main process's waits
 * never see it (hsys_proc.c hides __WALL), in a session of its own (signals
 * to the terminal's process group leave it alone), holding no descriptor
 * of the run. Needs pidfd_open (Linux 5.3).
 */
static void watchdog(void)
{
	int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (pidfd < 0)
		return;
	if (syscall(SYS_clone, 0, NULL, NULL, NULL, 0) == 0) { /* a fork, no SIGCHLD */
		setsid();
		close_range(0, pidfd - 1, 0);
		close_range(pidfd + 1, ~0u, 0);
		proc_title("uniproc-watchdog");
		sandbox_watchdog();
		watch(pidfd);
	}
	close(pidfd);
}

void tree_init(int max)
{
	size_t size = exes_at(max) + max * sizeof(struct exe);
	int fd = memfd_create("uniproc-tree", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, size) < 0)
		err(1, "tree: process table");
	tree_fd = fcntl(fd, F_DUPFD_CLOEXEC, UP_FD_MAX);
	close(fd);
	map_tree(size, max);
	tree->max = max;
	tree->root = getpid();
	tree->pids[0] = getpid();
	exes[0].start = start_time(getpid());
	my_slot = 0;
	watchdog();
}

/* Is pid a live uniproc monitor (not a recycled pid of something else)? */
static int is_monitor(pid_t pid)
{
	char a[64], b[PATH_MAX], c[PATH_MAX];
	snprintf(a, sizeof a, "/proc/%d/exe", pid);
	ssize_t n = readlink(a, b, sizeof b - 1), m = readlink("/proc/self/exe", c, sizeof c - 1);
	if (n < 0 || m < 0)
		return 0;
	b[n] = c[m] = 0;
	return strcmp(b, c) == 0;
}

int tree_reserve(void)
{
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < tree->max; i++)
			if (__atomic_compare_exchange_n(&tree->pids[i], &(pid_t){0}, -1, 0,
							__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
				if (my_slot >= 0) /* the child runs what we run */
					exes[i] = exes[my_slot];
				exes[i].start = 0;
				exes[i].zombie = 0;
				return i;
			}
		/* Full: free the slots of monitors that died without leaving. */
		for (int i = 0; i < tree->max; i++) {
			pid_t pid = tree->pids[i];
			if (pid > 0 && !is_monitor(pid))
				__atomic_compare_exchange_n(&tree->pids[i], &pid, 0, 0,
							    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		}
	}
	return -EAGAIN;
}

void tree_fill(int slot, int pid)
{
	if (pid == getpid()) { /* the child: its start time tells it from a reused pid */
		__atomic_store_n(&exes[slot].start, start_time(pid), __ATOMIC_SEQ_CST);
		my_slot = slot;
	}
	__atomic_store_n(&tree->pids[slot], pid, __ATOMIC_SEQ_CST);
	if (pid == getpid() && __atomic_load_n(&tree->ended, __ATOMIC_SEQ_CST))
		raise(SIGKILL); /* the watchdog may have looked before we were here */
}

void tree_release(int slot)
{
	__atomic_store_n(&tree->pids[slot], 0, __ATOMIC_SEQ_CST);
}

int tree_has(pid_t pid)
{
	return member_slot(pid) >= 0;
}

int tree_signal_group(int sig, int pgid, int include_self)
{
	int found = 0;
	for (int i = 0; i < tree->max; i++) {
		pid_t pid = __atomic_load_n(&tree->pids[i], __ATOMIC_SEQ_CST);
		if (pid <= 0 || (i == my_slot && !include_self) || !slot_live(i, pid))
			continue;
		if (pgid && getpgid(pid) != pgid)
			continue;
		if (kill(pid, sig) == 0)
			found++;
	}
	return found;
}

void tree_leave(void)
{
	if (!tree || my_slot < 0)
		return;
	if (getpid() == tree->root) { /* the main process ends the tree */
		tree_signal_group(SIGKILL, 0, 0);
		remove_private_dir();
		tree_release(my_slot);
		return;
	}
	/* A zombie until its parent reaps it (tree_reaped): /proc shows it. */
	__atomic_store_n(&exes[my_slot].zombie, 1, __ATOMIC_SEQ_CST);
}

/* After a wait reaped pid: free its slot (a live process that took the
   pid since, in another slot, keeps its own). */
void tree_reaped(pid_t pid)
{
	for (int i = 0; pid > 0 && i < tree->max; i++)
		if (__atomic_load_n(&tree->pids[i], __ATOMIC_SEQ_CST) == pid && !slot_live(i, pid))
			__atomic_compare_exchange_n(&tree->pids[i], &pid, 0, 0, __ATOMIC_SEQ_CST,
						    __ATOMIC_SEQ_CST);
}

int tree_zombie(pid_t pid)
{
	int i = member_slot(pid);
	return i >= 0 && __atomic_load_n(&exes[i].zombie, __ATOMIC_SEQ_CST);
}

void tree_set_exe(uint64_t dev, uint64_t ino)
{
	if (my_slot >= 0)
		exes[my_slot] = (struct exe){dev, ino};
}

/* Is pid a process that exists? (A monitor of another uid after setuid
   hides /proc/PID/exe from us, so is_monitor cannot tell.) */
static int exists(pid_t pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
}

int tree_lists(pid_t pid)
{
	for (int i = 0; i < tree->max; i++)
		if (__atomic_load_n(&tree->pids[i], __ATOMIC_SEQ_CST) == pid)
			return pid > 0;
	return 0;
}

int tree_runs_exe(uint64_t dev, uint64_t ino)
{
	for (int i = 0; i < tree->max; i++) {
		pid_t pid = __atomic_load_n(&tree->pids[i], __ATOMIC_SEQ_CST);
		if (pid != 0 && exes[i].dev == dev && exes[i].ino == ino &&
		    (pid < 0 || exists(pid)))
			return 1;
	}
	return 0;
}

/* Is pid, in slot i, a live process of the run (not a host process that
   took the pid of one that died by SIGKILL: its start time differs)? */
static int slot_live(int i, pid_t pid)
{
	if (pid == getpid())
		return 1;
	uint64_t start = __atomic_load_n(&exes[i].start, __ATOMIC_SEQ_CST);
	return start ? start_time(pid) == start : exists(pid);
}

/* The slot of pid, a live (or zombie) process of the run, or -1. A slot
   of a process that died unreaped may hold the same pid: not live. */
static int member_slot(pid_t pid)
{
	if (pid <= 0)
		return -1;
	for (int i = 0; i < tree->max; i++)
		if (__atomic_load_n(&tree->pids[i], __ATOMIC_SEQ_CST) == pid && slot_live(i, pid))
			return i;
	return -1;
}

int tree_member(int pid)
{
	return member_slot(pid) >= 0;
}

int *tree_pids(int *n)
{
	int *v = malloc(tree->max * sizeof *v);
	*n = 0;
	for (int i = 0; v && i < tree->max; i++) {
		pid_t pid = __atomic_load_n(&tree->pids[i], __ATOMIC_SEQ_CST);
		if (pid > 0 && slot_live(i, pid))
			v[(*n)++] = pid;
	}
	return v;
}

void tree_set_cmd(const char *exe, char *const argv[])
{
	if (my_slot < 0)
		return;
	struct exe *e = &exes[my_slot];
	__atomic_add_fetch(&e->seq, 1, __ATOMIC_SEQ_CST);
	snprintf(e->exe, sizeof e->exe, "%s", exe);
	size_t n = 0;
	for (int i = 0; argv[i] && n < sizeof e->cmdline; i++) {
		size_t len = strlen(argv[i]) + 1;
		if (len > sizeof e->cmdline - n)
			len = sizeof e->cmdline - n;
		memcpy(e->cmdline + n, argv[i], len);
		n += len;
	}
	e->cmdline_len = n;
	__atomic_add_fetch(&e->seq, 1, __ATOMIC_SEQ_CST);
}

int tree_cmd(int pid, char *exe, char *cmdline, size_t size)
{
	int i = member_slot(pid);
	if (i < 0)
		return -ENOENT;
	struct exe *e = &exes[i];
	size_t n = 0;
	if (__atomic_load_n(&e->zombie, __ATOMIC_SEQ_CST)) { /* Linux: no exe, no cmdline */
		if (exe)
			return -ENOENT;
		return 0;
	}
	for (int tries = 0; tries < 100; tries++) { /* a seqlock: copy until unchanged */
		uint32_t seq = __atomic_load_n(&e->seq, __ATOMIC_SEQ_CST);
		if (seq & 1)
			continue;
		if (exe)
			memcpy(exe, e->exe, PATH_MAX);
		n = e->cmdline_len < size ? e->cmdline_len : size;
		if (cmdline)
			memcpy(cmdline, e->cmdline, n);
		if (__atomic_load_n(&e->seq, __ATOMIC_SEQ_CST) == seq)
			break;
	}
	if (exe)
		exe[PATH_MAX - 1] = 0;
	return (int)n;
}

void tree_set_sigs(uint64_t blk, uint64_t ign, uint64_t cgt, int nnp)
{
	if (my_slot < 0)
		return;
	exes[my_slot].nnp = nnp;
	exes[my_slot].sigblk = blk;
	exes[my_slot].sigign = ign;
	exes[my_slot].sigcgt = cgt;
}

int tree_nnp(int pid)
{
	int i = member_slot(pid);
	return i < 0 ? 0 : (int)exes[i].nnp;
}

int tree_sigs(int pid, uint64_t out[3])
{
	int i = member_slot(pid);
	if (i < 0)
		return -ENOENT;
	out[0] = exes[i].sigblk;
	out[1] = exes[i].sigign;
	out[2] = exes[i].sigcgt;
	return 0;
}

void tree_set_private_dir(const char *dir)
{
	snprintf(tree->private_dir, sizeof tree->private_dir, "%s", dir);
}

void tree_count(int vm, int proc, int exec)
{
	__atomic_add_fetch(&tree->vms, vm, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&tree->procs, proc, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&tree->execs, exec, __ATOMIC_SEQ_CST);
}

void tree_exits(long n)
{
	__atomic_add_fetch(&tree->exits, n, __ATOMIC_SEQ_CST);
}

void tree_stats(int fd)
{
	if (getpid() != tree->root)
		return;
	dprintf(fd, "uniproc: %ld processes, %ld execs, %ld VMs created\n",
		__atomic_load_n(&tree->procs, __ATOMIC_SEQ_CST),
		__atomic_load_n(&tree->execs, __ATOMIC_SEQ_CST),
		__atomic_load_n(&tree->vms, __ATOMIC_SEQ_CST));
	dprintf(fd, "uniproc: %ld VM exits\n", __atomic_load_n(&tree->exits, __ATOMIC_SEQ_CST));
}
