/*
 * /proc, /dev and /sys as programs read them.
 *   self     the process's own entries and a child's agree with Linux: status
 *            Pid/PPid, stat, cmdline == argv, comm, environ, the links, the set
 *            of open fds, fdinfo, task/, a pgrep-like scan and kill
 *   system   system-wide /proc files, /dev nodes, /dev/shm, /sys cpu lists
 *            (also run with --root at a bare directory)
 *   fd1      readlink /proc/self/fd/1
 *   hostile MONITOR PID...   uniproc only: every way to the monitor or to a
 *            process outside the run gives nothing; prints the leaks
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define SHOW(fmt, ...) printf("%-44s " fmt "\n", __VA_ARGS__)
#define FD_MAX 1024 /* UP_FD_MAX: fds from here on are the monitor's */

extern char **environ;

/* The whole file at path (NUL-terminated), its length in *len; NULL if it
   cannot be read. */
static char *slurp(const char *path, size_t *len)
{
	static char buf[1 << 16];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	size_t n = 0;
	ssize_t r;
	while (n < sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

/* The number after "key" on its line of status-like text, or -1. */
static long status_field(const char *text, const char *key)
{
	const char *l = text ? strstr(text, key) : NULL;
	return l ? strtol(l + strlen(key), NULL, 10) : -1;
}

/* The line of text starting with key, without the newline. */
static const char *status_line(const char *text, const char *key)
{
	static char line[256];
	const char *l = text ? strstr(text, key) : NULL;
	snprintf(line, sizeof line, "%.*s", l ? (int)strcspn(l, "\n") : 0, l ? l : "");
	return line;
}

/* Field i (1-based) of /proc/PID/stat text. */
static const char *stat_field(const char *text, int i)
{
	static char f[64];
	const char *s = strrchr(text, ')');
	if (i == 2) {
		const char *o = strchr(text, '(');
		snprintf(f, sizeof f, "%.*s", (int)(s - o - 1), o + 1);
		return f;
	}
	for (int k = 2; s && k < i; k++)
		s = strchr(s + 1, ' ');
	snprintf(f, sizeof f, "%.*s", s ? (int)strcspn(s + 1, " \n") : 0, s ? s + 1 : "");
	return f;
}

/* Do the NUL-separated strings v[] make data[0..len)? */
static int same_strings(char *const v[], const char *data, size_t len)
{
	size_t at = 0;
	for (int i = 0; v[i]; i++) {
		size_t n = strlen(v[i]) + 1;
		if (at + n > len || memcmp(data + at, v[i], n))
			return 0;
		at += n;
	}
	return at == len;
}

static const char *link_of(const char *path)
{
	static char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof buf - 1);
	if (n < 0)
		return strerror(errno);
	buf[n] = 0;
	return buf;
}

/* The fds /proc/self/fd lists (without its own), space-separated. */
static void listed_fds(char *out, size_t size)
{
	DIR *d = opendir("/proc/self/fd");
	int seen[FD_MAX] = {0}, max = -1;
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d) && atoi(e->d_name) < FD_MAX) {
			seen[atoi(e->d_name)] = 1;
			max = atoi(e->d_name) > max ? atoi(e->d_name) : max;
		}
	if (d)
		closedir(d);
	size_t n = 0;
	out[0] = 0;
	for (int i = 0; i <= max && n < size; i++)
		if (seen[i])
			n += snprintf(out + n, size - n, "%d ", i);
}

static void open_fds(char *out, size_t size)
{
	size_t n = 0;
	out[0] = 0;
	for (int i = 0; i < FD_MAX && n < size; i++)
		if (fcntl(i, F_GETFD) >= 0)
			n += snprintf(out + n, size - n, "%d ", i);
}

static void on_hup(int sig) {}

/* Our own entries. */
static void own(char **argv)
{
	char *st = slurp("/proc/self/status", NULL);
	SHOW("%d", "status Pid == getpid():", status_field(st, "\nPid:") == getpid());
	SHOW("%d", "status PPid == getppid():", status_field(st, "PPid:") == getppid());
	SHOW("%d", "status Tgid == getpid():", status_field(st, "Tgid:") == getpid());
	SHOW("%s", "status", status_line(st, "Name:"));
	SHOW("%s", "status", status_line(st, "State:"));
	SHOW("%s", "status", status_line(st, "Threads:"));
	SHOW("%d", "status Uid == getuid():", status_field(st, "Uid:") == (long)getuid());
	SHOW("%s", "status", status_line(st, "TracerPid:"));
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGUSR2, SIG_IGN);
	signal(SIGHUP, on_hup);
	st = slurp("/proc/self/status", NULL);
	SHOW("%s", "after sigprocmask, SIG_IGN, a handler:", status_line(st, "SigBlk:"));
	SHOW("%s", "", status_line(st, "SigIgn:"));
	SHOW("%s", "", status_line(st, "SigCgt:"));

	char *s = slurp("/proc/self/stat", NULL);
	SHOW("%d", "stat pid == getpid():", atoi(s) == getpid());
	SHOW("%s", "stat comm:", stat_field(s, 2));
	SHOW("%s", "stat state:", stat_field(s, 3));
	SHOW("%d", "stat ppid == getppid():", atoi(stat_field(s, 4)) == getppid());
	SHOW("%d", "stat pgrp == getpgrp():", atoi(stat_field(s, 5)) == getpgrp());
	SHOW("%s", "stat num_threads:", stat_field(s, 20));
	SHOW("%s", "stat blocked:", stat_field(s, 32));
	SHOW("%s", "stat sigignore:", stat_field(s, 33));
	SHOW("%s", "stat sigcatch:", stat_field(s, 34));

	size_t len;
	char *c = slurp("/proc/self/cmdline", &len);
	SHOW("%d", "cmdline == argv:", c && same_strings(argv, c, len));
	c = slurp("/proc/self/environ", &len);
	SHOW("%d", "environ == environ:", c && same_strings(environ, c, len));
	SHOW("%s", "comm:", strtok(slurp("/proc/self/comm", NULL), "\n"));
	int fd = open("/proc/self/comm", O_WRONLY);
	SHOW("%d", "write /proc/self/comm:", fd >= 0 && write(fd, "renamed", 7) == 7);
	close(fd);
	char name[16] = "";
	prctl(PR_GET_NAME, name);
	SHOW("%s", "PR_GET_NAME after:", name);
	prctl(PR_SET_NAME, "via-prctl");
	SHOW("%s", "comm after PR_SET_NAME:", strtok(slurp("/proc/self/comm", NULL), "\n"));
	SHOW("%s", "status after PR_SET_NAME:", status_line(slurp("/proc/self/status", NULL), "Name:"));

	char real[PATH_MAX], cwd[PATH_MAX];
	SHOW("%d", "exe == realpath(argv[0]):", realpath(argv[0], real) && !strcmp(link_of("/proc/self/exe"), real));
	SHOW("%d", "cwd == getcwd():", getcwd(cwd, sizeof cwd) && !strcmp(link_of("/proc/self/cwd"), cwd));
	SHOW("%s", "root:", link_of("/proc/self/root"));
	SHOW("%s", "fd/0:", link_of("/proc/self/fd/0"));
	SHOW("%s", "/dev/fd/0:", link_of("/dev/fd/0"));
	char self[32];
	snprintf(self, sizeof self, "%d", getpid());
	SHOW("%d", "/proc/self -> pid:", !strcmp(link_of("/proc/self"), self));
	struct stat sb;
	SHOW("%d", "lstat /proc/self/exe is a link:", lstat("/proc/self/exe", &sb) == 0 && S_ISLNK(sb.st_mode));
	SHOW("%d", "stat /proc/self/exe is a file:", stat("/proc/self/exe", &sb) == 0 && S_ISREG(sb.st_mode));
	SHOW("%d", "stat /proc/self is a directory:", stat("/proc/self", &sb) == 0 && S_ISDIR(sb.st_mode));

	int file = open(argv[0], O_RDONLY), p[2];
	pipe(p);
	lseek(file, 5, SEEK_SET);
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
	SHOW("%d", "a pipe's link is pipe:[N]:", !strncmp(link_of(path), "pipe:[", 6));
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", file);
	SHOW("%s", "fdinfo of a file at offset 5:", status_line(slurp(path, NULL), "pos:"));
	snprintf(path, sizeof path, "/proc/self/fd/%d", file);
	fd = open(path, O_RDONLY);
	SHOW("%d", "reopen /proc/self/fd/N: its own offset:", fd >= 0 && lseek(fd, 0, SEEK_CUR) == 0);
	close(fd);
	char a[512], b[512];
	listed_fds(a, sizeof a);
	open_fds(b, sizeof b);
	SHOW("%d", "the fds /proc/self/fd lists are the open ones:", !strcmp(a, b));
	SHOW("%s", "open fds:", a);
	DIR *d = opendir("/proc/self/fd");
	int dfd = dirfd(d);
	snprintf(path, sizeof path, "%d", p[1]);
	fd = openat(dfd, path, O_WRONLY);
	SHOW("%d", "openat(/proc/self/fd, N):", fd >= 0 && write(fd, "x", 1) == 1 && read(p[0], a, 1) == 1);
	close(fd);
	closedir(d);
	close(file);
	close(p[0]);
	close(p[1]);

	int n = 0, only = 1;
	d = opendir("/proc/self/task");
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			n++, only &= atoi(e->d_name) == getpid();
	if (d)
		closedir(d);
	SHOW("%d %d", "task/ holds one thread, our pid:", n, only);
	snprintf(path, sizeof path, "/proc/self/task/%d/status", getpid());
	SHOW("%d", "task/PID/status Pid:", status_field(slurp(path, NULL), "\nPid:") == getpid());
	SHOW("%d", "thread-self/status Pid:", status_field(slurp("/proc/thread-self/status", NULL), "\nPid:") == getpid());
	SHOW("%d", "/proc lists us:", stat(self, &sb) < 0 && chdir("/proc") == 0 && stat(self, &sb) == 0);
	chdir(cwd);
	s = slurp("/proc/self/smaps_rollup", NULL);
	SHOW("%d", "smaps_rollup: [rollup], Rss:", s && strstr(s, "[rollup]\n") && strstr(s, "\nRss:"));
	SHOW("%d", "limits: Max open files:", strstr(slurp("/proc/self/limits", NULL), "\nMax open files ") != NULL);
	SHOW("%d", "mounts: a mount at /:", strstr(slurp("/proc/self/mounts", NULL), " / ") != NULL);
	SHOW("%d", "mountinfo: a mount at /:", strstr(slurp("/proc/self/mountinfo", NULL), " / ") != NULL);
	SHOW("%d", "cgroup:", slurp("/proc/self/cgroup", NULL) != NULL);
	SHOW("%d", "oom_score_adj:", slurp("/proc/self/oom_score_adj", NULL) != NULL);
	SHOW("%d", "loginuid:", slurp("/proc/self/loginuid", NULL) != NULL);
}

/* A child that runs this program as "sleeper": what /proc says of it; found
   by a scan of /proc as pgrep does, and killed. */
static void child(char **argv)
{
	int ready[2], hold[2];
	pipe(ready);
	pipe(hold);
	char tag[32];
	snprintf(tag, sizeof tag, "of %d", getpid());
	pid_t pid = fork();
	if (pid == 0) {
		dup2(ready[1], 3);
		dup2(hold[0], 0);
		execl(argv[0], argv[0], "sleeper", tag, (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	close(hold[0]);
	char c;
	read(ready[0], &c, 1); /* it runs the program: its argv is in place */
	char path[300], real[PATH_MAX];
	size_t len;
	snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
	char *cl = slurp(path, &len);
	char *want[] = {argv[0], "sleeper", tag, NULL};
	SHOW("%d", "child: cmdline == its argv:", cl && same_strings(want, cl, len));
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	char *st = slurp(path, NULL);
	SHOW("%d", "child: status PPid == us:", status_field(st, "PPid:") == getpid());
	SHOW("%d", "child: status Pid:", status_field(st, "\nPid:") == pid);
	SHOW("%s", "child:", status_line(st, "Name:"));
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	SHOW("%d", "child: stat ppid == us:", atoi(stat_field(slurp(path, NULL), 4)) == getpid());
	snprintf(path, sizeof path, "/proc/%d/exe", pid);
	SHOW("%d", "child: exe:", realpath(argv[0], real) && !strcmp(link_of(path), real));
	snprintf(path, sizeof path, "/proc/%d/fd/3", pid);
	SHOW("%d", "child: fd/3 is a pipe:", !strncmp(link_of(path), "pipe:[", 6) || !strncmp(link_of(path), "socket:[", 8));
	/* pgrep: the process whose argv is ours, "sleeper", tag */
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;
	int procs = 0;
	while (d && (e = readdir(d))) {
		if (!atoi(e->d_name))
			continue;
		procs++;
		snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
		cl = slurp(path, &len);
		if (cl && same_strings(want, cl, len))
			found = atoi(e->d_name);
	}
	if (d)
		closedir(d);
	SHOW("%d", "child: found by a scan of /proc:", found == pid);
	SHOW("%d", "child: kill it:", kill(found, SIGTERM) == 0);
	int status;
	waitpid(pid, &status, 0);
	SHOW("%d", "child: killed by SIGTERM:", WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	SHOW("%s", "child: reaped, its status:", slurp(path, NULL) ? "exists" : strerror(errno));
	SHOW("%s", "a pid no process has:", slurp("/proc/2147483647/status", NULL) ? "exists" : strerror(errno));
}

/* The child: tell the parent we run, then wait to be killed. */
static int sleeper(void)
{
	write(3, "r", 1);
	char c;
	while (read(0, &c, 1) > 0)
		;
	return 0;
}

/* System-wide files, /dev and /sys. */
static void sys(void)
{
	struct {
		const char *path, *has;
	} files[] = {
		{"/proc/meminfo", "MemTotal:"}, {"/proc/cpuinfo", "processor"},
		{"/proc/stat", "cpu "}, {"/proc/uptime", "."}, {"/proc/loadavg", "/"},
		{"/proc/version", "Linux version"}, {"/proc/filesystems", "proc"},
		{"/proc/mounts", " / "}, {"/proc/self/mountinfo", " / "},
		{"/proc/sys/kernel/pid_max", ""}, {"/proc/sys/kernel/ngroups_max", ""},
		{"/proc/sys/kernel/random/uuid", "-"}, {"/proc/sys/vm/overcommit_memory", ""},
		{"/proc/net/unix", "Num"}, {"/proc/net/tcp", "local_address"},
		{"/proc/self/net/dev", "Inter"},
		{"/sys/devices/system/cpu/online", "0"}, {"/sys/devices/system/cpu/possible", "0"},
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *s = slurp(files[i].path, NULL);
		SHOW("%s", files[i].path, !s ? strerror(errno) : strstr(s, files[i].has) ? "ok" : "wrong");
	}
	struct utsname u;
	uname(&u);
	char *rel = slurp("/proc/sys/kernel/osrelease", NULL);
	SHOW("%d", "osrelease == uname:", rel && !strncmp(rel, u.release, strlen(u.release)));
	char *up = slurp("/sys/devices/system/cpu/online", NULL);
	SHOW("%d", "sysconf(_SC_NPROCESSORS_ONLN) > 0:", sysconf(_SC_NPROCESSORS_ONLN) > 0 && up);

	int fd = open("/dev/null", O_RDWR);
	char buf[16] = "x";
	SHOW("%d", "/dev/null: write, read EOF:", write(fd, "x", 1) == 1 && read(fd, buf, 1) == 0);
	close(fd);
	fd = open("/dev/zero", O_RDONLY);
	SHOW("%d", "/dev/zero: zeros:", read(fd, buf, 8) == 8 && !memcmp(buf, "\0\0\0\0\0\0\0\0", 8));
	close(fd);
	fd = open("/dev/full", O_WRONLY);
	errno = 0;
	SHOW("%s", "/dev/full: write:", write(fd, "x", 1) < 0 ? strerror(errno) : "wrote");
	close(fd);
	fd = open("/dev/urandom", O_RDONLY);
	SHOW("%d", "/dev/urandom:", read(fd, buf, 16) == 16);
	close(fd);
	fd = open("/dev/random", O_RDONLY);
	SHOW("%d", "/dev/random:", read(fd, buf, 4) == 4);
	close(fd);
	fd = open("/dev/tty", O_RDWR | O_NOCTTY);
	int tty_errno = errno;
	SHOW("%s", "/dev/tty:", fd >= 0 ? "opened" : strerror(tty_errno));
	close(fd);
	fd = open("/dev/ptmx", O_RDWR | O_NOCTTY);
	int n = -1, unlock = 0;
	char pts[64] = "";
	if (fd >= 0 && ioctl(fd, TIOCGPTN, &n) == 0 && ioctl(fd, TIOCSPTLCK, &unlock) == 0)
		snprintf(pts, sizeof pts, "/dev/pts/%d", n);
	int slave = pts[0] ? open(pts, O_RDWR | O_NOCTTY) : -1;
	SHOW("%d", "/dev/ptmx, then its /dev/pts/N:", slave >= 0 && write(slave, "hi\n", 3) == 3 &&
						 read(fd, buf, sizeof buf) > 0);
	const char *tty = slave >= 0 ? ttyname(slave) : NULL;
	SHOW("%d", "ttyname of it:", tty && !strcmp(tty, pts));
	close(slave);
	close(fd);
	struct stat sb;
	SHOW("%d", "/dev/pts is a directory:", stat("/dev/pts", &sb) == 0 && S_ISDIR(sb.st_mode));
	char shm[64];
	snprintf(shm, sizeof shm, "/dev/shm/procfs-test.%d", getpid());
	fd = open(shm, O_RDWR | O_CREAT | O_EXCL, 0600);
	void *m = fd >= 0 && ftruncate(fd, 4096) == 0 ? mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
	SHOW("%d", "/dev/shm: create, map, unlink:", m != MAP_FAILED && unlink(shm) == 0);
	close(fd);
	SHOW("%d", "/dev/stdin, /dev/fd/0:", stat("/dev/stdin", &sb) == 0 && stat("/dev/fd/0", &sb) == 0);
	DIR *d = opendir("/dev/fd");
	SHOW("%d", "/dev/fd lists fd 0:", d != NULL);
	if (d)
		closedir(d);
	SHOW("%s", "fd/0:", link_of("/proc/self/fd/0"));
}

/* --- hostile: uniproc only --------------------------------------------- */

static int probes, leaks;

static void leak(const char *path, const char *how)
{
	printf("LEAK: %s (%s)\n", path, how);
	leaks++;
}

/* Every way to reach path must fail (but lstat and readlink of a symlink
   of ours, when link). */
static void reach(const char *path, int link)
{
	struct stat sb;
	char buf[256];
	probes++;
	int fd = open(path, O_RDONLY);
	if (fd >= 0)
		leak(path, "open"), close(fd);
	if ((fd = open(path, O_PATH)) >= 0)
		leak(path, "O_PATH"), close(fd);
	if ((fd = open(path, O_RDONLY | O_DIRECTORY)) >= 0)
		leak(path, "opendir"), close(fd);
	if (stat(path, &sb) == 0)
		leak(path, "stat");
	if (!link && lstat(path, &sb) == 0)
		leak(path, "lstat");
	if (!link && readlink(path, buf, sizeof buf) >= 0)
		leak(path, "readlink");
	if (access(path, F_OK) == 0)
		leak(path, "access");
	char cwd[PATH_MAX];
	getcwd(cwd, sizeof cwd);
	if (chdir(path) == 0)
		leak(path, "chdir"), chdir(cwd);
}

static void absent(const char *path)
{
	reach(path, 0);
}

/* A process outside the run: nothing of it. */
static void foreign(int pid)
{
	static const char *const names[] = {"", "/status", "/stat", "/cmdline", "/environ",
					    "/exe", "/cwd", "/root", "/fd", "/fd/0", "/maps",
					    "/mem", "/task", "/comm"};
	char path[64];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "/proc/%d%s", pid, names[i]);
		absent(path);
	}
	int dir = open("/proc", O_RDONLY | O_DIRECTORY);
	snprintf(path, sizeof path, "%d/status", pid);
	probes++;
	int fd = openat(dir, path, O_RDONLY);
	if (fd >= 0)
		leak(path, "openat /proc"), close(fd);
	close(dir);
}

/* Nothing in text names the monitor. */
static void clean(const char *what, const char *text, size_t len, const char *monitor)
{
	probes++;
	for (size_t at = 0; text && at < len; at += strlen(text + at) + 1)
		if (strstr(text + at, monitor) || strstr(text + at, "kvm") || strstr(text + at, "uniproc-tree"))
			leak(what, text + at);
}

static void hostile(int argc, char **argv)
{
	const char *monitor = argv[2];
	char path[128];
	for (int i = 3; i < argc; i++)
		if (atoi(argv[i]) != getpid())
			foreign(atoi(argv[i]));
	foreign(getppid());
	for (int pid = getpid() + 1; pid < getpid() + 8; pid++) /* the watchdog, the reaper */
		foreign(pid);
	struct stat sb;
	for (int pid = 1; pid < getpid() + 2000; pid = pid == 300 && getpid() > 3300 ? getpid() - 3000 : pid + 1) { /* pid guessing */
		snprintf(path, sizeof path, "/proc/%d", pid);
		probes++;
		if (pid != getpid() && stat(path, &sb) == 0)
			leak(path, "stat");
	}
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (atoi(e->d_name) && atoi(e->d_name) != getpid())
			leak(e->d_name, "listed in /proc");
	closedir(d);

	/* The monitor's fds, every way there. */
	static const char *const fdpaths[] = {"/proc/self/fd/%d", "/proc/self/fdinfo/%d",
					      "/dev/fd/%d", "/proc/thread-self/fd/%d",
					      "/proc/%d/fd/%d", "/proc/self/task/%d/fd/%d",
					      "/proc/self/fd/../fd/%d", "/proc//self/./fd/%d"};
	for (int fd = FD_MAX; fd < FD_MAX + 64; fd++)
		for (size_t i = 0; i < sizeof fdpaths / sizeof fdpaths[0]; i++) {
			if (strstr(fdpaths[i], "%d/fd/"))
				snprintf(path, sizeof path, fdpaths[i], getpid(), fd);
			else
				snprintf(path, sizeof path, fdpaths[i], fd);
			absent(path);
		}
	for (int fd = 0; fd < FD_MAX; fd++) { /* what a guest fd names is no monitor's */
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		char buf[PATH_MAX];
		ssize_t n = readlink(path, buf, sizeof buf - 1);
		if (n > 0)
			clean(path, buf, n, monitor);
	}
	static const char *const dirs[] = {"/proc/self/fd", "/proc/self/fdinfo", "/dev/fd"};
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		d = opendir(dirs[i]);
		while (d && (e = readdir(d)))
			if (atoi(e->d_name) >= FD_MAX)
				leak(dirs[i], e->d_name);
		if (d)
			closedir(d);
	}
	/* The monitor's memory, and what would show its layout. */
	static const char *const mem[] = {"mem", "pagemap", "map_files", "auxv", "syscall",
					  "stack", "smaps", "numa_maps", "clear_refs", "mountstats",
					  "timers", "coredump_filter", "fail-nth", "./mem", "fd/../mem",
					  "root/proc/self/mem", "cwd/../../../../proc/self/mem"};
	for (size_t i = 0; i < sizeof mem / sizeof mem[0]; i++) {
		char *who[] = {"/proc/self/%s", "/proc/thread-self/%s", "/proc/%d/%s", "/proc/self/task/%d/%s"};
		for (int w = 0; w < 4; w++) {
			if (w >= 2)
				snprintf(path, sizeof path, who[w], getpid(), mem[i]);
			else
				snprintf(path, sizeof path, who[w], mem[i]);
			absent(path);
		}
	}
	/* Through symlinks and directory fds. */
	char lnk[64];
	snprintf(lnk, sizeof lnk, "procfs-link.%d", getpid());
	static const char *const targets[] = {"/proc/self/mem", "/proc/self/fd/1030", "../../../../proc/self/mem", "/proc/1/status", "/proc/self/task/1/status"};
	for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
		unlink(lnk);
		symlink(targets[i], lnk);
		reach(lnk, 1);
	}
	char ppid[64];
	snprintf(ppid, sizeof ppid, "/proc/%d/status", getppid());
	symlink(ppid, lnk);
	reach(lnk, 1);
	unlink(lnk);
	int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY);
	static const char *const rel[] = {"1030", "../mem", "../../1/status", "../auxv"};
	for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
		probes++;
		int fd = openat(dir, rel[i], O_RDONLY);
		if (fd >= 0)
			leak(rel[i], "openat /proc/self/fd"), close(fd);
	}
	fchdir(dir);
	absent("1030");
	absent("../mem");
	chdir("/");
	close(dir);
	/* Nothing shows the monitor's command line, program or maps. */
	size_t len;
	char *s = slurp("/proc/self/cmdline", &len);
	probes++;
	if (!s || !same_strings(argv, s, len))
		leak("cmdline", s ? s : "unreadable");
	s = slurp("/proc/self/maps", &len);
	clean("maps", s, len, monitor);
	char exe[PATH_MAX];
	snprintf(exe, sizeof exe, "%s", link_of("/proc/self/exe"));
	clean("exe", exe, strlen(exe), monitor);
	s = slurp("/proc/self/status", &len);
	probes++;
	if (!s || status_field(s, "TracerPid:") != 0 || status_field(s, "Threads:") != 1)
		leak("status", "TracerPid or Threads");
	s = slurp("/proc/self/stat", &len);
	probes++;
	for (int f = 26; s && f <= 30; f++)
		if (strtoull(stat_field(s, f), NULL, 10) > 1ull << 40)
			leak("stat", "an address of the monitor");
	printf("hostile: %d probes, %d leaks\n", probes, leaks);
}

/* A child that has exited, not yet reaped: a zombie, in /proc until then. */
static void zombie(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(3);
	char path[64], *s = NULL;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	for (int i = 0; i < 5000; i++) { /* until it has exited (at most ~5 s) */
		s = slurp(path, NULL);
		if (s && !strcmp(stat_field(s, 3), "Z"))
			break;
		usleep(1000);
	}
	SHOW("%s", "stat state:", s ? stat_field(s, 3) : strerror(errno));
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	SHOW("%s", "status", status_line(slurp(path, NULL), "State:"));
	SHOW("%d", "status PPid == getpid():", status_field(slurp(path, NULL), "PPid:") == getpid());
	size_t len = 99;
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	SHOW("%s", "cmdline:", slurp(path, &len) ? (len ? "not empty" : "empty") : strerror(errno));
	snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
	SHOW("%s", "exe:", link_of(path));
	SHOW("%d", "kill(zombie, 0):", kill(pid, 0));
	int listed = 0;
	char name[32];
	snprintf(name, sizeof name, "%d", (int)pid);
	DIR *d = opendir("/proc");
	for (struct dirent *e; d && (e = readdir(d));)
		listed |= !strcmp(e->d_name, name);
	closedir(d);
	SHOW("%d", "/proc lists it:", listed);
	int st;
	SHOW("%d", "reaped, status 3:", waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 3);
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	SHOW("%s", "then stat:", slurp(path, NULL) ? "still there" : strerror(errno));
	errno = 0;
	SHOW("%s", "then kill(pid, 0):", kill(pid, 0) < 0 ? strerror(errno) : "ok");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *mode = argc > 1 ? argv[1] : "";
	if (!strcmp(mode, "self")) {
		own(argv);
		child(argv);
	} else if (!strcmp(mode, "sleeper")) {
		return sleeper();
	} else if (!strcmp(mode, "system")) {
		sys();
	} else if (!strcmp(mode, "zombie")) {
		zombie();
	} else if (!strcmp(mode, "fd1")) {
		printf("fd/1 -> %s\n", link_of("/proc/self/fd/1"));
	} else if (!strcmp(mode, "hostile") && argc > 2) {
		hostile(argc, argv);
	} else {
		fprintf(stderr, "usage: procfs self|system|zombie|fd1|hostile MONITOR [PID...]\n");
		return 2;
	}
	return 0;
}
