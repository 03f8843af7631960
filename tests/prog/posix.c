/*
 * Issue 17, run natively and under uniproc: files (mknod, FIFOs, fallocate,
 * truncate, flock, record locks, owners, sync, readahead, splice, tee,
 * vmsplice), timers and clocks (alarm, itimers, POSIX timers, abstime
 * sleeps, times, getrusage) and scheduling (priorities, sched_*, ioprio).
 * One case per argument; what it prints never depends on timing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SIGEV_THREAD_ID
#define SIGEV_THREAD_ID 4
#endif

static void show(const char *what, long r)
{
	if (r == -1)
		printf("%s: -1 %s\n", what, strerror(errno));
	else
		printf("%s: %ld\n", what, r);
}

/* For calls that return an error number (clock_nanosleep, posix_*). */
static void show_err(const char *what, int e)
{
	printf("%s: %s\n", what, e ? strerror(e) : "ok");
}

static void msleep(int ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

static pid_t fork_flushed(void)
{
	fflush(stdout);
	return fork();
}

/* The pid of a process that has just exited: no process has it now. */
static pid_t dead_pid(void)
{
	pid_t pid = fork_flushed();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

static void wait_child(pid_t pid, const char *who)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		printf("%s: waitpid failed\n", who);
	else if (WIFSIGNALED(st))
		printf("%s: killed by %d\n", who, WTERMSIG(st));
	else
		printf("%s: exit %d\n", who, WEXITSTATUS(st));
}

static const char *type_of(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return strerror(errno);
	return S_ISREG(st.st_mode) ? "regular" : S_ISFIFO(st.st_mode) ? "fifo"
	     : S_ISCHR(st.st_mode) ? "char device" : S_ISSOCK(st.st_mode) ? "socket" : "other";
}

/* --- files ------------------------------------------------------------- */

static void case_mknod(void)
{
	umask(022);
	show("mknod regular", mknod("n-reg", S_IFREG | 0640, 0));
	printf("  type %s\n", type_of("n-reg"));
	show("mknod type 0", mknod("n-zero", 0640, 0));
	printf("  type %s\n", type_of("n-zero"));
	show("mknod fifo", mknod("n-fifo", S_IFIFO | 0600, 0));
	printf("  type %s\n", type_of("n-fifo"));
	show("mkfifo", mkfifo("n-fifo2", 0666));
	struct stat st;
	stat("n-fifo2", &st);
	printf("  type %s mode %o (umask 022)\n", type_of("n-fifo2"), st.st_mode & 07777);
	show("mknodat socket", mknodat(AT_FDCWD, "n-sock", S_IFSOCK | 0600, 0));
	printf("  type %s\n", type_of("n-sock"));
	show("mkfifo again", mkfifo("n-fifo2", 0666));
	show("mknod dir", mknod("n-dir", S_IFDIR | 0700, 0));
	show("mknod bad type", mknod("n-bad", 030000 | 0600, 0));
	show("mknod symlink type", mknod("n-bad", S_IFLNK | 0600, 0));
	show("mknod missing dir", mknod("nodir/x", S_IFIFO | 0600, 0));
	show("mknod bad path", syscall(SYS_mknodat, AT_FDCWD, (char *)8, S_IFIFO | 0600, 0));
	/* A device node: as the host allows it (--root /). */
	long r = mknod("n-null", S_IFCHR | 0600, makedev(1, 3));
	printf("mknod char device: %s\n", r == 0 ? type_of("n-null") : strerror(errno));
	const char *names[] = {"n-reg", "n-zero", "n-fifo", "n-fifo2", "n-sock", "n-null"};
	for (int i = 0; i < 6; i++)
		unlink(names[i]);
}

/* Beneath a --root other than /: a device node is EPERM (uniproc only). */
static void case_mknod_dev(void)
{
	long r = mknod("/n-null", S_IFCHR | 0600, makedev(1, 3));
	show("mknod char device", r);
	show("mknod fifo", mknod("/n-fifo", S_IFIFO | 0600, 0));
	unlink("/n-null");
	unlink("/n-fifo");
}

static void case_fifo(void)
{
	unlink("f-fifo");
	show("mkfifo", mkfifo("f-fifo", 0600));
	/* Nobody at the other end. */
	int fd = open("f-fifo", O_RDONLY | O_NONBLOCK);
	show("open read nonblock, no writer", fd >= 0 ? 0 : -1);
	char b[64];
	show("  read: EOF", read(fd, b, sizeof b));
	int w = open("f-fifo", O_WRONLY | O_NONBLOCK);
	show("open write nonblock, a reader", w >= 0 ? 0 : -1);
	show("  write", write(w, "xy", 2));
	show("  read", read(fd, b, sizeof b));
	show("  read empty", read(fd, b, sizeof b));
	close(w);
	close(fd);
	show("open write nonblock, no reader", open("f-fifo", O_WRONLY | O_NONBLOCK));
	int rw = open("f-fifo", O_RDWR);
	show("open read-write", rw >= 0 ? 0 : -1);
	close(rw);
	/* Two processes: each open waits for the other. */
	pid_t pid = fork_flushed();
	if (pid == 0) {
		int w = open("f-fifo", O_WRONLY);
		const char *msg = "hello through a fifo\n";
		write(w, msg, strlen(msg));
		_exit(w < 0);
	}
	fd = open("f-fifo", O_RDONLY);
	int n, total = 0;
	while ((n = read(fd, b + total, sizeof b - 1 - total)) > 0)
		total += n;
	b[total] = 0;
	printf("reader got: %s", b);
	close(fd);
	wait_child(pid, "writer");
	/* The other way round: the writer opens first and waits. */
	pid = fork_flushed();
	if (pid == 0) {
		msleep(100);
		int r = open("f-fifo", O_RDONLY);
		char c[8] = "";
		read(r, c, sizeof c - 1);
		printf("late reader got: %s\n", c);
		_exit(0);
	}
	w = open("f-fifo", O_WRONLY);
	write(w, "late", 4);
	close(w);
	wait_child(pid, "late reader");
	unlink("f-fifo");
}

static volatile sig_atomic_t alrm;
static void on_alrm(int sig) { alrm++; }

static void handle(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa = {0};
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void arm_ms(int which, int ms, int interval_ms)
{
	struct itimerval it = {{interval_ms / 1000, (interval_ms % 1000) * 1000},
			       {ms / 1000, (ms % 1000) * 1000}};
	setitimer(which, &it, NULL);
}

/* A child that opens the FIFO for writing after ms and writes msg. */
static pid_t late_writer(int ms, const char *msg)
{
	pid_t pid = fork_flushed();
	if (pid == 0) {
		msleep(ms);
		int w = open("s-fifo", O_WRONLY);
		write(w, msg, strlen(msg));
		_exit(0);
	}
	return pid;
}

/* A FIFO's open waits in the monitor: signals end or restart it as natively. */
static void case_fifo_signal(void)
{
	unlink("s-fifo");
	mkfifo("s-fifo", 0600);
	char b[16] = "";
	/* A handler without SA_RESTART: EINTR. */
	handle(SIGALRM, on_alrm, 0);
	alrm = 0;
	arm_ms(ITIMER_REAL, 50, 0);
	show("open, interrupted", open("s-fifo", O_RDONLY));
	printf("  handler ran: %d\n", alrm);
	/* With SA_RESTART the open goes on until the writer comes. */
	handle(SIGALRM, on_alrm, SA_RESTART);
	alrm = 0;
	pid_t pid = late_writer(200, "restarted");
	arm_ms(ITIMER_REAL, 50, 0);
	int fd = open("s-fifo", O_RDONLY);
	show("open with SA_RESTART", fd >= 0 ? 0 : -1);
	read(fd, b, sizeof b - 1);
	printf("  handler ran: %d, read: %s\n", alrm, b);
	close(fd);
	wait_child(pid, "writer");
	/* Blocked: the open is not cut short; the signal stays pending. */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_BLOCK, &set, &old);
	alrm = 0;
	pid = late_writer(200, "blocked");
	arm_ms(ITIMER_REAL, 50, 0);
	fd = open("s-fifo", O_RDONLY);
	show("open with SIGALRM blocked", fd >= 0 ? 0 : -1);
	memset(b, 0, sizeof b);
	read(fd, b, sizeof b - 1);
	close(fd);
	sigset_t pend;
	sigpending(&pend);
	printf("  read: %s, pending: %d, handler ran: %d\n", b, sigismember(&pend, SIGALRM), alrm);
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("  after unblocking, handler ran: %d\n", alrm);
	wait_child(pid, "writer");
	/* A read that waits on a FIFO, with SIGALRM blocked: not cut short. */
	int rw = open("s-fifo", O_RDWR);
	sigprocmask(SIG_BLOCK, &set, NULL);
	alrm = 0;
	pid = fork_flushed();
	if (pid == 0) {
		msleep(200);
		write(rw, "later", 5);
		_exit(0);
	}
	arm_ms(ITIMER_REAL, 50, 0);
	memset(b, 0, sizeof b);
	show("read with SIGALRM blocked", read(rw, b, sizeof b - 1));
	printf("  read: %s\n", b);
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("  after unblocking, handler ran: %d\n", alrm);
	wait_child(pid, "writer");
	close(rw);
	unlink("s-fifo");
	/* A splice that waits for a pipe: ended, or restarted, by a handler. */
	int q[2];
	pipe(q);
	int out = open("s-out", O_RDWR | O_CREAT | O_TRUNC, 0600);
	handle(SIGALRM, on_alrm, 0);
	alrm = 0;
	arm_ms(ITIMER_REAL, 50, 0);
	show("splice from an empty pipe, interrupted", splice(q[0], NULL, out, NULL, 100, 0));
	printf("  handler ran: %d\n", alrm);
	handle(SIGALRM, on_alrm, SA_RESTART);
	alrm = 0;
	pid = fork_flushed();
	if (pid == 0) {
		msleep(200);
		write(q[1], "spliced", 7);
		_exit(0);
	}
	arm_ms(ITIMER_REAL, 50, 0);
	show("splice from an empty pipe, SA_RESTART", splice(q[0], NULL, out, NULL, 100, 0));
	printf("  handler ran: %d\n", alrm);
	wait_child(pid, "writer");
	close(out);
	unlink("s-out");
}

static void case_space(void)
{
	int fd = open("sp-file", O_RDWR | O_CREAT | O_TRUNC, 0600);
	struct stat st;
	show("fallocate", fallocate(fd, 0, 0, 10000));
	fstat(fd, &st);
	printf("  size %lld\n", (long long)st.st_size);
	show("fallocate keep size", fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 50000));
	fstat(fd, &st);
	printf("  size %lld\n", (long long)st.st_size);
	show("posix_fallocate", -(long)!!posix_fallocate(fd, 0, 20000));
	fstat(fd, &st);
	printf("  size %lld\n", (long long)st.st_size);
	show("fallocate bad mode", fallocate(fd, 0x4000, 0, 10));
	show("fallocate negative", fallocate(fd, 0, -1, 10));
	int p[2];
	pipe(p);
	show("fallocate pipe", fallocate(p[1], 0, 0, 10));
	int ro = open("sp-file", O_RDONLY);
	show("fallocate read-only fd", fallocate(ro, 0, 0, 10));
	show("truncate", truncate("sp-file", 100));
	fstat(fd, &st);
	printf("  size %lld\n", (long long)st.st_size);
	show("truncate grow", truncate("sp-file", 123456));
	fstat(fd, &st);
	printf("  size %lld\n", (long long)st.st_size);
	show("truncate negative", truncate("sp-file", -1));
	show("truncate missing", truncate("sp-missing", 0));
	show("truncate dir", truncate(".", 0));
	show("truncate bad path", syscall(SYS_truncate, (char *)8, 0));
	show("readahead", readahead(ro, 0, 4096));
	show("readahead pipe read end", readahead(p[0], 0, 10));
	show("readahead pipe write end", readahead(p[1], 0, 10));
	show("readahead bad fd", readahead(999, 0, 10));
	sync();
	printf("sync: done\n");
	show("syncfs", syncfs(fd));
	show("syncfs bad fd", syncfs(999));
	show("fsync", fsync(fd));
	close(ro);
	close(fd);
	unlink("sp-file");
}

static void case_flock(void)
{
	int fd = open("fl-file", O_RDWR | O_CREAT | O_TRUNC, 0600);
	show("flock exclusive", flock(fd, LOCK_EX));
	int note[2];
	pipe(note);
	pid_t pid = fork_flushed();
	if (pid == 0) {
		show("child: flock on the shared open file", flock(fd, LOCK_EX | LOCK_NB));
		int mine = open("fl-file", O_RDWR);
		show("child: flock exclusive, nonblocking", flock(mine, LOCK_EX | LOCK_NB));
		show("child: flock shared, nonblocking", flock(mine, LOCK_SH | LOCK_NB));
		write(note[1], "w", 1);
		show("child: flock exclusive, waits", flock(mine, LOCK_EX));
		fflush(stdout);
		_exit(0);
	}
	char c;
	read(note[0], &c, 1);
	msleep(100);
	long u = flock(fd, LOCK_UN);
	wait_child(pid, "child");
	show("parent: unlock", u);
	show("flock shared", flock(fd, LOCK_SH));
	show("flock bad op", flock(fd, 77));
	show("flock bad fd", flock(999, LOCK_EX));
	close(fd);
	unlink("fl-file");
}

static long lk(int fd, int cmd, short type, off_t start, off_t len, struct flock *out)
{
	struct flock f = {0};
	f.l_type = type;
	f.l_whence = SEEK_SET;
	f.l_start = start;
	f.l_len = len;
	long r = fcntl(fd, cmd, &f);
	if (out)
		*out = f;
	return r;
}

static void case_locks(void)
{
	int fd = open("lk-file", O_RDWR | O_CREAT | O_TRUNC, 0600);
	write(fd, "0123456789abcdefghij", 20);
	show("F_SETLK write 0-9", lk(fd, F_SETLK, F_WRLCK, 0, 10, NULL));
	int note[2];
	pipe(note);
	pid_t pid = fork_flushed();
	if (pid == 0) {
		struct flock f;
		show("child: F_GETLK", lk(fd, F_GETLK, F_WRLCK, 0, 5, &f));
		printf("  type %s start %lld len %lld pid is parent %d\n",
		       f.l_type == F_WRLCK ? "write" : f.l_type == F_UNLCK ? "unlocked" : "read",
		       (long long)f.l_start, (long long)f.l_len, f.l_pid == getppid());
		show("child: F_GETLK free range", lk(fd, F_GETLK, F_WRLCK, 10, 5, &f));
		printf("  type %s\n", f.l_type == F_UNLCK ? "unlocked" : "locked");
		long r = lk(fd, F_SETLK, F_RDLCK, 5, 1, NULL);
		printf("child: F_SETLK read 5: %s\n", r == 0 ? "locked" : errno == EAGAIN || errno == EACCES ? "busy" : strerror(errno));
		write(note[1], "w", 1);
		show("child: F_SETLKW waits", lk(fd, F_SETLKW, F_WRLCK, 0, 10, NULL));
		fflush(stdout);
		_exit(0);
	}
	char c;
	read(note[0], &c, 1);
	msleep(100);
	long u = lk(fd, F_SETLK, F_UNLCK, 0, 10, NULL);
	wait_child(pid, "child");
	show("parent: unlock", u);
	show("F_GETLK bad pointer", fcntl(fd, F_GETLK, (struct flock *)8));
	show("F_SETLK bad type", lk(fd, F_SETLK, 99, 0, 1, NULL));
	/* Open file description locks: per open file, not per process. */
	int fd2 = open("lk-file", O_RDWR);
	show("F_OFD_SETLK write 100-109", lk(fd, F_OFD_SETLK, F_WRLCK, 100, 10, NULL));
	struct flock f;
	show("F_OFD_GETLK from another open", lk(fd2, F_OFD_GETLK, F_WRLCK, 100, 5, &f));
	printf("  type %s pid %d\n", f.l_type == F_WRLCK ? "write" : "other", f.l_pid);
	long r = lk(fd2, F_OFD_SETLK, F_WRLCK, 105, 1, NULL);
	printf("F_OFD_SETLK from another open: %s\n", r == 0 ? "locked" : errno == EAGAIN ? "busy" : strerror(errno));
	show("F_OFD_SETLKW same open", lk(fd, F_OFD_SETLKW, F_RDLCK, 100, 10, NULL));
	struct flock bad = {F_WRLCK, SEEK_SET, 0, 1, 1234};
	show("F_OFD_SETLK with l_pid", fcntl(fd, F_OFD_SETLK, &bad));
	close(fd2);
	/* Who gets SIGIO and SIGURG, and which signal. */
	show("F_SETOWN self", fcntl(fd, F_SETOWN, getpid()));
	printf("F_GETOWN is self: %d\n", fcntl(fd, F_GETOWN) == getpid());
	struct f_owner_ex o = {F_OWNER_PID, getpid()};
	show("F_SETOWN_EX pid", fcntl(fd, F_SETOWN_EX, &o));
	memset(&o, 0, sizeof o);
	show("F_GETOWN_EX", fcntl(fd, F_GETOWN_EX, &o));
	printf("  type %d is self %d\n", o.type, o.pid == getpid());
	show("F_SETOWN process group", fcntl(fd, F_SETOWN, -getpgrp()));
	printf("F_GETOWN is the group: %d\n", fcntl(fd, F_GETOWN) == -getpgrp());
	show("F_GETOWN_EX", fcntl(fd, F_GETOWN_EX, &o));
	printf("  type %d is the group %d\n", o.type, o.pid == getpgrp());
	pid_t gone = dead_pid();
	show("F_SETOWN a gone process", fcntl(fd, F_SETOWN, gone));
	o = (struct f_owner_ex){F_OWNER_PID, gone};
	show("F_SETOWN_EX a gone process", fcntl(fd, F_SETOWN_EX, &o));
	o = (struct f_owner_ex){77, getpid()};
	show("F_SETOWN_EX bad type", fcntl(fd, F_SETOWN_EX, &o));
	show("F_GETOWN_EX bad pointer", fcntl(fd, F_GETOWN_EX, (void *)8));
	show("F_SETOWN none", fcntl(fd, F_SETOWN, 0));
	show("F_GETOWN", fcntl(fd, F_GETOWN));
	show("F_SETSIG SIGUSR1", fcntl(fd, F_SETSIG, SIGUSR1));
	show("F_GETSIG", fcntl(fd, F_GETSIG));
	show("F_SETSIG 99", fcntl(fd, F_SETSIG, 99));
	close(fd);
	unlink("lk-file");
}

/* Spin on shared memory, with no syscall, until *v is set (or ~2 s). */
static int spin_until(volatile int *v)
{
	for (unsigned long long t0 = __builtin_ia32_rdtsc(); !*v;) {
		if (__builtin_ia32_rdtsc() - t0 > 6000000000ull)
			return 0;
		__asm__ volatile("pause");
	}
	return 1;
}

/*
 * close(2) of a regular file opened read-only, which uniproc may send with
 * the next host call (abi.h struct up_defer): each as Linux does it, as
 * the fd table and other processes see it, though the closer makes no
 * syscall after it.
 */
static void case_close_ro(void)
{
	int w = open("cr-file", O_RDWR | O_CREAT | O_TRUNC, 0600);
	write(w, "0123456789", 10);
	/* Closed twice: the second is EBADF. The number is free again. */
	int fd = open("cr-file", O_RDONLY);
	int r1 = close(fd), r2 = close(fd), e2 = errno;
	int again = open("cr-file", O_RDONLY);
	printf("close twice: %d, %d %s; next open takes its number: %s\n", r1, r2, strerror(e2),
	       again == fd ? "yes" : "no");
	char b[4];
	show("read the new open", read(again, b, sizeof b));
	close(again);
	struct stat st;
	show("fstat after close", fstat(again, &st));

	/* Any close of the file drops the process's record locks on it, at
	   once: another process sees them gone. */
	volatile int *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	show("F_SETLK write 0-9", lk(w, F_SETLK, F_WRLCK, 0, 10, NULL));
	pid_t pid = fork_flushed();
	if (pid == 0) {
		struct flock f;
		lk(w, F_GETLK, F_WRLCK, 0, 10, &f);
		sh[1] = f.l_type == F_WRLCK ? 1 : 2;
		spin_until(&sh[0]);
		lk(w, F_GETLK, F_WRLCK, 0, 10, &f);
		sh[2] = f.l_type == F_UNLCK ? 1 : 2;
		_exit(0);
	}
	spin_until(&sh[1]);
	fd = open("cr-file", O_RDONLY);
	close(fd);
	sh[0] = 1;
	spin_until(&sh[2]);
	printf("lock seen before the close: %s, after: %s\n", sh[1] == 1 ? "locked" : "not locked",
	       sh[2] == 1 ? "unlocked" : sh[2] ? "still locked" : "no answer");
	wait_child(pid, "child");

	/* A flock taken by another process that shares the open file: our
	   close, the last, unlocks it at once. */
	memset((void *)sh, 0, 4096);
	fd = open("cr-file", O_RDONLY);
	if ((pid = fork_flushed()) == 0) {
		int r = flock(fd, LOCK_EX);
		close(fd);
		int mine = open("cr-file", O_RDONLY);
		sh[1] = r == 0 ? 1 : 2;
		spin_until(&sh[0]);
		sh[2] = flock(mine, LOCK_EX | LOCK_NB) == 0 ? 1 : 2;
		_exit(0);
	}
	spin_until(&sh[1]);
	close(fd);
	sh[0] = 1;
	spin_until(&sh[2]);
	printf("child's flock: %s; after our close, a new open locks: %s\n", sh[1] == 1 ? "taken" : "failed",
	       sh[2] == 1 ? "yes" : sh[2] ? "no" : "no answer");
	wait_child(pid, "child");
	close(w);
	unlink("cr-file");
}


/* --- splice, tee, vmsplice ---------------------------------------------- */

static char pat[200000];

static int match(const char *got, long n, long from)
{
	return n >= 0 && memcmp(got, pat + from, n) == 0;
}

static long drain(int fd, char *b, long max)
{
	long total = 0, n;
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	while (total < max && (n = read(fd, b + total, max - total)) > 0)
		total += n;
	fcntl(fd, F_SETFL, fl);
	return total;
}

static void case_splice(void)
{
	for (size_t i = 0; i < sizeof pat; i++)
		pat[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[(i * 7 + i / 13) % 36];
	int in = open("sp-in", O_RDWR | O_CREAT | O_TRUNC, 0600);
	write(in, pat, 100000);
	int out = open("sp-out", O_RDWR | O_CREAT | O_TRUNC, 0600);
	static char b[1 << 20];
	int p1[2], p2[2];
	pipe(p1);
	pipe(p2);
	signal(SIGPIPE, SIG_IGN);

	loff_t off = 500;
	show("splice file -> pipe", splice(in, &off, p1[1], NULL, 1000, 0));
	long n = drain(p1[0], b, sizeof b);
	printf("  read %ld, match %d, offset %lld, file offset %lld\n", n, match(b, n, 500),
	       (long long)off, (long long)lseek(in, 0, SEEK_CUR));
	lseek(in, 2000, SEEK_SET);
	show("splice file at its offset -> pipe", splice(in, NULL, p1[1], NULL, 300, 0));
	n = drain(p1[0], b, sizeof b);
	printf("  read %ld, match %d, file offset %lld\n", n, match(b, n, 2000),
	       (long long)lseek(in, 0, SEEK_CUR));

	write(p1[1], pat, 3000);
	loff_t ooff = 10;
	show("splice pipe -> file", splice(p1[0], NULL, out, &ooff, 5000, 0));
	n = pread(out, b, sizeof b, 10);
	printf("  file has %ld, match %d, offset %lld\n", n, match(b, n, 0), (long long)ooff);
	write(p1[1], pat, 100);
	show("splice pipe -> file at its offset", splice(p1[0], NULL, out, NULL, 60, 0));
	printf("  file offset %lld, left in pipe %ld\n", (long long)lseek(out, 0, SEEK_CUR),
	       drain(p1[0], b, sizeof b));

	write(p1[1], pat, 200);
	show("splice pipe -> pipe", splice(p1[0], NULL, p2[1], NULL, 150, 0));
	n = drain(p2[0], b, sizeof b);
	int left;
	ioctl(p1[0], FIONREAD, &left);
	printf("  read %ld, match %d, left %d\n", n, match(b, n, 0), left);
	drain(p1[0], b, sizeof b);

	write(p1[1], "0123456789", 10);
	show("tee pipe -> pipe", tee(p1[0], p2[1], 100, 0));
	n = drain(p2[0], b, sizeof b);
	printf("  copy: %.*s\n", (int)n, b);
	n = drain(p1[0], b, sizeof b);
	printf("  still in the first: %.*s\n", (int)n, b);

	/* A whole pipe's worth from a file: what fits. */
	off = 0;
	show("splice 1 MiB file -> empty pipe", splice(in, &off, p1[1], NULL, 1 << 20, 0));
	show("splice into a full pipe, nonblocking", splice(in, &off, p1[1], NULL, 100, SPLICE_F_NONBLOCK));
	n = drain(p1[0], b, sizeof b);
	printf("  read %ld, match %d\n", n, match(b, n, 0));

	/* vmsplice: memory into a pipe, and out of one. */
	struct iovec v[2] = {{"hello ", 6}, {"world", 5}};
	show("vmsplice into a pipe", vmsplice(p1[1], v, 2, 0));
	n = drain(p1[0], b, sizeof b);
	printf("  read: %.*s\n", (int)n, b);
	write(p1[1], "abc", 3);
	char got[16] = "";
	struct iovec r = {got, sizeof got};
	show("vmsplice out of a pipe", vmsplice(p1[0], &r, 1, 0));
	printf("  got: %s\n", got);
	show("vmsplice empty pipe, nonblocking", vmsplice(p1[0], &r, 1, SPLICE_F_NONBLOCK));
	show("vmsplice a file", vmsplice(out, v, 2, 0));
	show("vmsplice no bytes", vmsplice(p1[1], v, 0, 0));
	struct iovec badv = {(void *)8, 10};
	show("vmsplice bad iovec", vmsplice(p1[1], &badv, 1, 0));

	/* Errors, as Linux orders them. */
	show("splice no bytes", splice(p1[0], NULL, out, NULL, 0, 0));
	show("splice bad flags", splice(p1[0], NULL, out, NULL, 10, 0x100));
	off = 0;
	show("splice offset on a pipe", splice(p1[0], &off, out, NULL, 10, 0));
	show("splice file -> file", splice(in, NULL, out, NULL, 10, 0));
	show("splice from a write end", splice(p1[1], NULL, out, NULL, 10, 0));
	show("splice into a read end", splice(in, NULL, p1[0], NULL, 10, 0));
	show("splice pipe -> itself", splice(p1[0], NULL, p1[1], NULL, 10, 0));
	show("splice empty pipe, nonblocking", splice(p1[0], NULL, out, NULL, 10, SPLICE_F_NONBLOCK));
	show("splice bad offset pointer", splice(in, (loff_t *)8, p1[1], NULL, 10, 0));
	show("splice bad fd", splice(999, NULL, p1[1], NULL, 10, 0));
	show("tee file -> pipe", tee(in, p2[1], 10, 0));
	show("tee pipe -> itself", tee(p1[0], p1[1], 10, 0));
	show("tee empty pipe, nonblocking", tee(p1[0], p2[1], 10, SPLICE_F_NONBLOCK));
	show("tee no bytes", tee(p1[0], p2[1], 0, 0));

	/* A FIFO is a host pipe under uniproc: splice and tee with the rings. */
	unlink("sp-fifo");
	mkfifo("sp-fifo", 0600);
	int f = open("sp-fifo", O_RDWR);
	write(p1[1], "fifo!", 5);
	show("splice pipe -> fifo", splice(p1[0], NULL, f, NULL, 100, 0));
	show("tee fifo -> pipe", tee(f, p2[1], 100, 0));
	n = drain(p2[0], b, sizeof b);
	printf("  copy: %.*s\n", (int)n, b);
	show("splice fifo -> pipe", splice(f, NULL, p2[1], NULL, 100, 0));
	n = drain(p2[0], b, sizeof b);
	printf("  moved: %.*s\n", (int)n, b);
	write(p1[1], "xyz", 3);
	show("tee pipe -> fifo", tee(p1[0], f, 100, 0));
	n = drain(f, b, sizeof b);
	printf("  fifo has: %.*s, pipe still has %ld\n", (int)n, b, drain(p1[0], b, sizeof b));
	show("splice empty fifo -> pipe, nonblocking", splice(f, NULL, p2[1], NULL, 10, SPLICE_F_NONBLOCK));
	show("vmsplice into a fifo", vmsplice(f, v, 2, 0));
	n = drain(f, b, sizeof b);
	printf("  fifo has: %.*s\n", (int)n, b);
	close(f);
	unlink("sp-fifo");

	/* Between processes: a child writes, the parent splices into a file. */
	pid_t pid = fork_flushed();
	if (pid == 0) {
		close(p1[0]);
		for (int i = 0; i < 10; i++)
			write(p1[1], pat + i * 5000, 5000);
		_exit(0);
	}
	close(p1[1]);
	ftruncate(out, 0);
	long total = 0;
	while ((n = splice(p1[0], NULL, out, &(loff_t){total}, 7000, 0)) > 0)
		total += n;
	show("splice from a child until EOF", n);
	n = pread(out, b, sizeof b, 0);
	printf("  moved %ld, file %ld, match %d\n", total, n, match(b, n, 0));
	wait_child(pid, "writer");
	show("splice at EOF", splice(p1[0], NULL, p2[1], NULL, 10, 0));
	close(p1[0]);

	/* No reader: EPIPE (SIGPIPE ignored). */
	close(p2[0]);
	show("splice file -> readerless pipe", splice(in, &(loff_t){0}, p2[1], NULL, 10, 0));
	show("vmsplice into a readerless pipe", vmsplice(p2[1], v, 2, 0));
	pipe(p1);
	write(p1[1], "q", 1);
	show("tee into a readerless pipe", tee(p1[0], p2[1], 10, 0));
	show("splice into a readerless pipe", splice(p1[0], NULL, p2[1], NULL, 10, 0));
	close(in);
	close(out);
	unlink("sp-in");
	unlink("sp-out");
}

/* Records of 4096 bytes, each all its number, read from the file: count
   each number into seen[], and any broken record into *bad. */
static void count_records(const char *path, int *seen, int n, int *bad)
{
	int fd = open(path, O_RDONLY);
	int rec[1024];
	long got;
	while ((got = read(fd, rec, sizeof rec)) == sizeof rec) {
		int ok = rec[0] >= 0 && rec[0] < n;
		for (int i = 1; i < 1024; i++)
			ok &= rec[i] == rec[0];
		if (ok)
			seen[rec[0]]++;
		else
			++*bad;
	}
	*bad += got != 0;
	close(fd);
}

/* Two readers of one pipe, one splicing and one reading: every record
   reaches exactly one of them, whole. */
static void case_splice_race(void)
{
	enum { N = 3000 };
	int p[2];
	pipe(p);
	pid_t w = fork_flushed();
	if (w == 0) {
		close(p[0]);
		int rec[1024];
		for (int i = 0; i < N; i++) {
			for (int k = 0; k < 1024; k++)
				rec[k] = i;
			write(p[1], rec, sizeof rec);
		}
		_exit(0);
	}
	close(p[1]);
	pid_t r = fork_flushed();
	if (r == 0) {
		int out = open("race-b", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		char b[4096];
		long n;
		while ((n = read(p[0], b, sizeof b)) > 0)
			write(out, b, n);
		_exit(0);
	}
	int out = open("race-a", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	long n;
	while ((n = splice(p[0], NULL, out, NULL, 4096, 0)) > 0)
		;
	show("splice until EOF", n);
	close(out);
	wait_child(w, "writer");
	wait_child(r, "reader");
	static int seen[N];
	int bad = 0, once = 1;
	count_records("race-a", seen, N, &bad);
	count_records("race-b", seen, N, &bad);
	for (int i = 0; i < N; i++)
		once &= seen[i] == 1;
	printf("every record once: %d, broken records: %d\n", once, bad);
	unlink("race-a");
	unlink("race-b");
}

/* --- timers and clocks --------------------------------------------------- */

static volatile sig_atomic_t prof, vtalrm;
static void on_prof(int sig) { prof++; }
static void on_vtalrm(int sig) { vtalrm++; }

static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void burn(double seconds)
{
	double end = cpu_now() + seconds;
	while (cpu_now() < end)
		;
}

static void case_alarm(void)
{
	show("alarm(10)", alarm(10));
	show("alarm(0)", alarm(0));
	show("alarm(0) again", alarm(0));
	handle(SIGALRM, on_alrm, 0);
	alrm = 0;
	arm_ms(ITIMER_REAL, 50, 0);
	show("pause", pause());
	printf("  handler ran: %d\n", alrm);
	struct itimerval it;
	show("getitimer after it fired", getitimer(ITIMER_REAL, &it));
	printf("  value %ld.%06ld interval %ld.%06ld\n", (long)it.it_value.tv_sec,
	       (long)it.it_value.tv_usec, (long)it.it_interval.tv_sec, (long)it.it_interval.tv_usec);
	/* Periodic. */
	alrm = 0;
	arm_ms(ITIMER_REAL, 20, 20);
	while (alrm < 3)
		pause();
	getitimer(ITIMER_REAL, &it);
	printf("periodic: 3 ticks, interval %ld.%06ld\n", (long)it.it_interval.tv_sec,
	       (long)it.it_interval.tv_usec);
	struct itimerval zero = {{0, 0}, {0, 0}}, old;
	show("setitimer off", setitimer(ITIMER_REAL, &zero, &old));
	printf("  old interval %ld.%06ld\n", (long)old.it_interval.tv_sec, (long)old.it_interval.tv_usec);
	arm_ms(ITIMER_REAL, 10000, 0);
	getitimer(ITIMER_REAL, &it);
	printf("10 s timer: between 9 and 10 s left: %d\n",
	       it.it_value.tv_sec == 9 || (it.it_value.tv_sec == 10 && it.it_value.tv_usec == 0));
	printf("alarm(0) reports it: %u\n", alarm(0));
	show("setitimer bad which", setitimer(7, &zero, NULL));
	show("getitimer bad pointer", getitimer(ITIMER_REAL, (struct itimerval *)8));
	struct itimerval bad = {{0, 0}, {0, 2000000}};
	show("setitimer bad usec", setitimer(ITIMER_REAL, &bad, NULL));

	/* Blocked: sleeps are not cut short, the signal waits. */
	sigset_t set, prev;
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_BLOCK, &set, &prev);
	alrm = 0;
	arm_ms(ITIMER_REAL, 20, 0);
	struct timespec t = {0, 100000000};
	show("nanosleep with SIGALRM blocked", nanosleep(&t, NULL));
	struct timespec dl;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_nsec += 50000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	show_err("clock_nanosleep abstime, blocked", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &dl, NULL));
	sigset_t pend;
	sigpending(&pend);
	printf("  pending %d, handler ran %d\n", sigismember(&pend, SIGALRM), alrm);
	sigprocmask(SIG_SETMASK, &prev, NULL);
	printf("  unblocked: handler ran %d\n", alrm);

	/* An abstime sleep that a handled signal interrupts. */
	alrm = 0;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 5;
	arm_ms(ITIMER_REAL, 50, 0);
	show_err("clock_nanosleep abstime, interrupted", clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &dl, NULL));
	printf("  handler ran %d\n", alrm);
	clock_gettime(CLOCK_MONOTONIC, &dl);
	show_err("clock_nanosleep abstime in the past", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &dl, NULL));
	dl.tv_nsec = 2000000000;
	show_err("clock_nanosleep bad time", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &dl, NULL));

	/* CPU-time timers: the process's CPU time (uniproc: its monitor's). */
	handle(SIGPROF, on_prof, 0);
	handle(SIGVTALRM, on_vtalrm, 0);
	arm_ms(ITIMER_PROF, 30, 0);
	double start = cpu_now();
	while (!prof && cpu_now() - start < 5)
		;
	printf("ITIMER_PROF fired: %d\n", prof);
	arm_ms(ITIMER_VIRTUAL, 30, 0);
	start = cpu_now();
	while (!vtalrm && cpu_now() - start < 5)
		;
	printf("ITIMER_VIRTUAL fired: %d\n", vtalrm);
	arm_ms(ITIMER_VIRTUAL, 10000, 0);
	getitimer(ITIMER_VIRTUAL, &it);
	printf("ITIMER_VIRTUAL 10 s: between 9 and 10 s left: %d\n",
	       it.it_value.tv_sec == 9 || (it.it_value.tv_sec == 10 && it.it_value.tv_usec == 0));
	setitimer(ITIMER_VIRTUAL, &zero, NULL);
}

/* SIG_DFL: a child and then the process itself die of SIGALRM. */
static void case_alarm_dfl(void)
{
	pid_t pid = fork_flushed();
	if (pid == 0) {
		arm_ms(ITIMER_REAL, 30, 0);
		pause();
		_exit(0);
	}
	wait_child(pid, "child with an itimer");
	arm_ms(ITIMER_REAL, 50, 0);
	fflush(stdout);
	for (;;)
		pause();
}

static volatile sig_atomic_t usr1;
static siginfo_t usr1_info;
static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	usr1++;
	usr1_info = *si;
}

static void handle_info(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa = {0};
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/*
 * alarm and itimers survive exec, POSIX timers do not; fork keeps none.
 * Times with room for a slow machine: the itimer (2 s) still runs after
 * the exec, the POSIX timer (2.5 s) would fire after it, and both signals
 * are blocked until the new program has its handlers (a mask and a pending
 * signal survive exec), so neither can end the process on the way.
 */
static long long mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000ll + t.tv_nsec / 1000000;
}

static void case_alarm_exec(const char *self)
{
	sigset_t both;
	sigemptyset(&both);
	sigaddset(&both, SIGALRM);
	sigaddset(&both, SIGUSR1);
	sigprocmask(SIG_BLOCK, &both, NULL);
	long long t0 = mono_ms();
	arm_ms(ITIMER_REAL, 2000, 0);
	struct sigevent ev = {0};
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGUSR1;
	timer_t t;
	show("timer_create", timer_create(CLOCK_MONOTONIC, &ev, &t));
	struct itimerspec its = {{0, 0}, {2, 500000000}};
	show("timer_settime", timer_settime(t, 0, &its, NULL));
	pid_t pid = fork_flushed();
	if (pid == 0) {
		struct itimerval it;
		getitimer(ITIMER_REAL, &it);
		printf("child: itimer %ld.%06ld, alarm(0) %u\n", (long)it.it_value.tv_sec,
		       (long)it.it_value.tv_usec, alarm(0));
		show("child: the parent's timer_gettime", timer_gettime(t, &its));
		fflush(stdout);
		_exit(0);
	}
	wait_child(pid, "child");
	fflush(stdout);
	char arg[32];
	snprintf(arg, sizeof arg, "%lld", t0);
	execl(self, self, "alarm-exec2", arg, (char *)NULL);
	show("execl", -1);
}

static void case_alarm_exec2(const char *t0)
{
	handle(SIGALRM, on_alrm, 0);
	handle_info(SIGUSR1, on_usr1);
	struct itimerval it;
	getitimer(ITIMER_REAL, &it);
	printf("after exec: itimer running %d\n", it.it_value.tv_sec || it.it_value.tv_usec);
	sigset_t both;
	sigemptyset(&both);
	sigaddset(&both, SIGALRM);
	sigaddset(&both, SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &both, NULL);
	while (!alrm)
		pause();
	long long late = atoll(t0) + 2600 - mono_ms(); /* past when the old POSIX timer would fire */
	if (late > 0)
		msleep((int)late);
	printf("after exec: SIGALRM %d, SIGUSR1 from the old timer %d\n", alrm, usr1);
	timer_t t;
	struct sigevent ev = {0};
	ev.sigev_notify = SIGEV_NONE;
	show("after exec: timer_create", timer_create(CLOCK_MONOTONIC, &ev, &t));
}

static int gettid_(void)
{
	return (int)syscall(SYS_gettid);
}

static void case_ptimer(void)
{
	handle_info(SIGUSR1, on_usr1);
	struct sigevent ev = {0};
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGUSR1;
	ev.sigev_value.sival_int = 42;
	timer_t t;
	show("timer_create SIGEV_SIGNAL", timer_create(CLOCK_MONOTONIC, &ev, &t));
	struct itimerspec its = {{0, 0}, {0, 30000000}}, cur;
	show("timer_settime 30 ms", timer_settime(t, 0, &its, NULL));
	sigset_t none;
	sigemptyset(&none);
	while (!usr1)
		sigsuspend(&none);
	printf("  signal: code is SI_TIMER %d, value %d, overrun %d\n",
	       usr1_info.si_code == SI_TIMER, usr1_info.si_value.sival_int, usr1_info.si_overrun);
	show("timer_gettime after", timer_gettime(t, &cur));
	printf("  %ld.%09ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
	show("timer_getoverrun", timer_getoverrun(t));

	/* Periodic and blocked: expirations count as overruns. */
	sigset_t set, prev;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &prev);
	usr1 = 0;
	its = (struct itimerspec){{0, 5000000}, {0, 5000000}};
	timer_settime(t, 0, &its, NULL);
	msleep(150);
	sigprocmask(SIG_SETMASK, &prev, NULL);
	int over = timer_getoverrun(t);
	its = (struct itimerspec){{0, 0}, {0, 0}};
	timer_settime(t, 0, &its, NULL);
	printf("periodic while blocked: signals %d, si_overrun >= 5 %d, getoverrun the same %d\n",
	       usr1, usr1_info.si_overrun >= 5, over == usr1_info.si_overrun);
	show("timer_getoverrun after timer_settime", timer_getoverrun(t));
	/* A signal pending from before a reset is dropped (Linux 6.13 on). */
	sigprocmask(SIG_BLOCK, &set, NULL);
	usr1 = 0;
	its = (struct itimerspec){{0, 0}, {0, 5000000}};
	timer_settime(t, 0, &its, NULL);
	msleep(50);
	sigset_t pend;
	sigpending(&pend);
	printf("fired while blocked: pending %d\n", sigismember(&pend, SIGUSR1));
	its = (struct itimerspec){{0, 0}, {0, 0}};
	timer_settime(t, 0, &its, NULL);
	sigprocmask(SIG_SETMASK, &prev, NULL);
	printf("  reset, then unblocked: signals %d\n", usr1);
	show("timer_delete", timer_delete(t));
	show("timer_gettime deleted", timer_gettime(t, &cur));
	show("timer_getoverrun deleted", timer_getoverrun(t));
	show("timer_delete again", timer_delete(t));

	/* SIGEV_NONE: nothing is sent, the time is kept. */
	ev.sigev_notify = SIGEV_NONE;
	show("timer_create SIGEV_NONE", timer_create(CLOCK_REALTIME, &ev, &t));
	its = (struct itimerspec){{1, 0}, {10, 0}};
	show("timer_settime 10 s", timer_settime(t, 0, &its, NULL));
	timer_gettime(t, &cur);
	printf("  between 9 and 10 s left %d, interval %ld.%09ld\n",
	       cur.it_value.tv_sec == 9 || (cur.it_value.tv_sec == 10 && !cur.it_value.tv_nsec),
	       (long)cur.it_interval.tv_sec, cur.it_interval.tv_nsec);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	its = (struct itimerspec){{0, 0}, {now.tv_sec - 1, 0}};
	show("timer_settime absolute, past", timer_settime(t, TIMER_ABSTIME, &its, &cur));
	printf("  old value between 9 and 10 s %d\n",
	       cur.it_value.tv_sec == 9 || (cur.it_value.tv_sec == 10 && !cur.it_value.tv_nsec));
	timer_gettime(t, &cur);
	printf("  now %ld.%09ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
	timer_delete(t);

	/* No sigevent: SIGALRM with the timer id as value. */
	handle(SIGALRM, on_alrm, 0);
	alrm = 0;
	show("timer_create default", timer_create(CLOCK_MONOTONIC, NULL, &t));
	its = (struct itimerspec){{0, 0}, {0, 20000000}};
	timer_settime(t, 0, &its, NULL);
	while (!alrm)
		pause();
	printf("  SIGALRM: %d\n", alrm);
	timer_delete(t);

	/* To this thread. */
	usr1 = 0;
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_THREAD_ID;
	ev.sigev_signo = SIGUSR1;
#ifdef sigev_notify_thread_id
	ev.sigev_notify_thread_id = gettid_();
#else
	ev._sigev_un._tid = gettid_();
#endif
	show("timer_create SIGEV_THREAD_ID", timer_create(CLOCK_MONOTONIC, &ev, &t));
	its = (struct itimerspec){{0, 0}, {0, 20000000}};
	timer_settime(t, 0, &its, NULL);
	while (!usr1)
		sigsuspend(&none);
	printf("  SIGUSR1: %d\n", usr1);
	timer_delete(t);

	/* Errors. */
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = 0;
	show("timer_create signal 0", timer_create(CLOCK_MONOTONIC, &ev, &t));
	ev.sigev_signo = 99;
	show("timer_create signal 99", timer_create(CLOCK_MONOTONIC, &ev, &t));
	ev.sigev_signo = SIGUSR1;
	ev.sigev_notify = 77;
	show("timer_create bad notify", timer_create(CLOCK_MONOTONIC, &ev, &t));
	ev.sigev_notify = SIGEV_THREAD_ID;
#ifdef sigev_notify_thread_id
	ev.sigev_notify_thread_id = 1;
#else
	ev._sigev_un._tid = 1;
#endif
	show("timer_create another thread", timer_create(CLOCK_MONOTONIC, &ev, &t));
	ev.sigev_notify = SIGEV_NONE;
	show("timer_create bad clock", timer_create(12345, &ev, &t));
	int kid;
	show("timer_create bad sigevent", syscall(SYS_timer_create, CLOCK_MONOTONIC, (void *)8, &kid));
	show("timer_create bad id pointer", syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, (void *)8));
	show("timer_settime bad id", syscall(SYS_timer_settime, 4242, 0, &its, NULL));
	show("timer_settime no value", syscall(SYS_timer_settime, 0, 0, NULL, NULL));
	show("timer_gettime bad id", syscall(SYS_timer_gettime, 4242, &cur));
}

static void case_rusage(void)
{
	struct rusage ru;
	burn(0.1);
	show("getrusage self", getrusage(RUSAGE_SELF, &ru));
	double self = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
		      ru.ru_stime.tv_usec / 1e6;
	printf("  at least 0.07 s of CPU: %d\n", self >= 0.07);
	show("getrusage children", getrusage(RUSAGE_CHILDREN, &ru));
	printf("  none yet: %d\n", ru.ru_utime.tv_sec + ru.ru_stime.tv_sec == 0 &&
				       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec < 100000);
	pid_t pid = fork_flushed();
	if (pid == 0) {
		burn(0.15);
		_exit(0);
	}
	wait_child(pid, "busy child");
	getrusage(RUSAGE_CHILDREN, &ru);
	double kids = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
		      ru.ru_stime.tv_usec / 1e6;
	printf("children: at least 0.1 s of CPU: %d\n", kids >= 0.1);
	struct tms t;
	clock_t c = times(&t);
	long hz = sysconf(_SC_CLK_TCK);
	printf("times: ok %d, self >= 0.07 s %d, children >= 0.1 s %d\n", c != (clock_t)-1,
	       t.tms_utime + t.tms_stime >= 7 * hz / 100, t.tms_cutime + t.tms_cstime >= 10 * hz / 100);
	show("times(NULL) works", times(NULL) == (clock_t)-1 ? -1 : 0);
	show("getrusage thread", getrusage(RUSAGE_THREAD, &ru));
	show("getrusage bad who", getrusage(99, &ru));
	show("getrusage bad pointer", syscall(SYS_getrusage, RUSAGE_SELF, (void *)8));
	struct timespec cpu;
	show("CLOCK_PROCESS_CPUTIME_ID", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu));
	printf("  at least 0.07 s: %d\n", cpu.tv_sec + cpu.tv_nsec / 1e9 >= 0.07);
}

/* --- scheduling ---------------------------------------------------------- */

/* getpriority, which may return -1 legitimately. */
static void show_prio(const char *what, int which, int who)
{
	errno = 0;
	int r = getpriority(which, who);
	if (r == -1 && errno)
		printf("%s: -1 %s\n", what, strerror(errno));
	else
		printf("%s: %d\n", what, r);
}

static void case_sched(void)
{
	pid_t gone = dead_pid();
	int base = getpriority(PRIO_PROCESS, 0);
	show("setpriority +5", setpriority(PRIO_PROCESS, 0, base + 5));
	printf("getpriority is +5: %d\n", getpriority(PRIO_PROCESS, 0) == base + 5);
	printf("nice(1) is +6: %d\n", nice(1) == base + 6);
	show("setpriority own pid +7", setpriority(PRIO_PROCESS, getpid(), base + 7));
	printf("getpriority is +7: %d\n", getpriority(PRIO_PROCESS, getpid()) == base + 7);
	show("setpriority gone process", setpriority(PRIO_PROCESS, gone, 10));
	show_prio("getpriority gone process", PRIO_PROCESS, gone);
	show("setpriority bad which", setpriority(42, 0, 0));
	show_prio("getpriority bad which", 42, 0);
	show("setpriority own group +8", setpriority(PRIO_PGRP, 0, base + 8));
	printf("getpriority of the group is +8: %d\n", getpriority(PRIO_PGRP, 0) == base + 8);
	printf("getpriority of self is +8: %d\n", getpriority(PRIO_PROCESS, 0) == base + 8);
	errno = 0;
	getpriority(PRIO_USER, 0);
	printf("getpriority of the user: %s\n", errno ? strerror(errno) : "ok");
	int note[2];
	pipe(note);
	pid_t pid = fork_flushed();
	if (pid == 0) {
		char c;
		read(note[0], &c, 1);
		printf("child: getpriority is +10: %d\n", getpriority(PRIO_PROCESS, 0) == base + 10);
		fflush(stdout);
		_exit(0);
	}
	printf("child inherits +8: %d\n", getpriority(PRIO_PROCESS, pid) == base + 8);
	show("setpriority child +10", setpriority(PRIO_PROCESS, pid, base + 10));
	fflush(stdout);
	write(note[1], "x", 1);
	wait_child(pid, "child");

	struct sched_param sp = {0};
	show("sched_getscheduler", syscall(SYS_sched_getscheduler, 0));
	show("sched_getparam", syscall(SYS_sched_getparam, 0, &sp));
	printf("  priority %d\n", sp.sched_priority);
	show("sched_setscheduler batch", syscall(SYS_sched_setscheduler, 0, SCHED_BATCH, &sp));
	show("sched_getscheduler", syscall(SYS_sched_getscheduler, getpid()));
	show("sched_setparam", syscall(SYS_sched_setparam, 0, &sp));
	show("sched_setscheduler other", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &sp));
	show("sched_getscheduler", syscall(SYS_sched_getscheduler, 0));
	show("sched_setscheduler fifo 0", syscall(SYS_sched_setscheduler, 0, SCHED_FIFO, &sp));
	show("sched_setscheduler bad policy", syscall(SYS_sched_setscheduler, 0, 77, &sp));
	show("sched_setscheduler pid -1", syscall(SYS_sched_setscheduler, -1, SCHED_OTHER, &sp));
	show("sched_setscheduler no param", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, NULL));
	show("sched_setscheduler bad param", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, (void *)8));
	show("sched_getscheduler gone", syscall(SYS_sched_getscheduler, gone));
	show("sched_getparam gone", syscall(SYS_sched_getparam, gone, &sp));
	show("sched_setparam gone", syscall(SYS_sched_setparam, gone, &sp));
	int pol[] = {SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_IDLE, 77};
	for (int i = 0; i < 6; i++) {
		char what[64];
		snprintf(what, sizeof what, "priority range of policy %d: min", pol[i]);
		show(what, sched_get_priority_min(pol[i]));
		snprintf(what, sizeof what, "priority range of policy %d: max", pol[i]);
		show(what, sched_get_priority_max(pol[i]));
	}
	struct timespec ts;
	show("sched_rr_get_interval", syscall(SYS_sched_rr_get_interval, 0, &ts));
	show("sched_rr_get_interval gone", syscall(SYS_sched_rr_get_interval, gone, &ts));
	show("sched_rr_get_interval bad pointer", syscall(SYS_sched_rr_get_interval, 0, (void *)8));

	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	show("sched_setaffinity cpu 0", sched_setaffinity(0, sizeof set, &set));
	CPU_ZERO(&set);
	show("sched_getaffinity", sched_getaffinity(0, sizeof set, &set) < 0 ? -1 : 0);
	printf("  cpus %d, cpu 0 %d\n", CPU_COUNT(&set), CPU_ISSET(0, &set) != 0);
	CPU_ZERO(&set);
	show("sched_setaffinity none", sched_setaffinity(0, sizeof set, &set));
	CPU_SET(1000, &set);
	show("sched_setaffinity cpu 1000", sched_setaffinity(0, sizeof set, &set));
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	show("sched_setaffinity gone", sched_setaffinity(gone, sizeof set, &set));
	show("sched_setaffinity bad pointer", syscall(SYS_sched_setaffinity, 0, 128, (void *)8));

	long be3 = 2 << 13 | 3;
	show("ioprio_set best-effort 3", syscall(SYS_ioprio_set, 1, 0, be3));
	printf("ioprio_get is best-effort 3: %d\n", syscall(SYS_ioprio_get, 1, 0) == be3);
	printf("ioprio_get own pid: %d\n", syscall(SYS_ioprio_get, 1, getpid()) == be3);
	show("ioprio_get gone", syscall(SYS_ioprio_get, 1, gone));
	show("ioprio_set gone", syscall(SYS_ioprio_set, 1, gone, be3));
	show("ioprio_set bad class", syscall(SYS_ioprio_set, 1, 0, 7 << 13));
	show("ioprio_get bad which", syscall(SYS_ioprio_get, 9, 0));
	show("ioprio_set own group", syscall(SYS_ioprio_set, 2, 0, be3));
	printf("ioprio_get own group: %d\n", syscall(SYS_ioprio_get, 2, 0) == be3);
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	if (!strcmp(c, "mknod"))
		case_mknod();
	else if (!strcmp(c, "mknod-dev"))
		case_mknod_dev();
	else if (!strcmp(c, "fifo"))
		case_fifo();
	else if (!strcmp(c, "fifo-signal"))
		case_fifo_signal();
	else if (!strcmp(c, "space"))
		case_space();
	else if (!strcmp(c, "flock"))
		case_flock();
	else if (!strcmp(c, "locks"))
		case_locks();
	else if (!strcmp(c, "close-ro"))
		case_close_ro();
	else if (!strcmp(c, "splice"))
		case_splice();
	else if (!strcmp(c, "splice-race"))
		case_splice_race();
	else if (!strcmp(c, "alarm"))
		case_alarm();
	else if (!strcmp(c, "alarm-dfl"))
		case_alarm_dfl();
	else if (!strcmp(c, "alarm-exec"))
		case_alarm_exec(argv[0]);
	else if (!strcmp(c, "alarm-exec2"))
		case_alarm_exec2(argc > 2 ? argv[2] : "0");
	else if (!strcmp(c, "ptimer"))
		case_ptimer();
	else if (!strcmp(c, "rusage"))
		case_rusage();
	else if (!strcmp(c, "sched"))
		case_sched();
	else {
		fprintf(stderr, "usage: posix CASE\n");
		return 2;
	}
	return 0;
}
