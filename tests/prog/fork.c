/* fork, wait and kill, checked against Linux: fork CASE [ARG]. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void status(const char *who, int st)
{
	if (WIFEXITED(st))
		printf("%s: exited %d\n", who, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s: killed by signal %d%s\n", who, WTERMSIG(st), WCOREDUMP(st) ? " (core)" : "");
	else
		printf("%s: status 0x%x\n", who, st);
}

/* A binary tree of processes: each exit code is the count of its subtree. */
static int tree(int depth)
{
	if (depth == 0)
		return 1;
	pid_t kids[2];
	for (int i = 0; i < 2; i++) {
		kids[i] = fork();
		if (kids[i] == 0)
			_exit(tree(depth - 1));
		if (kids[i] < 0)
			return 0;
	}
	int n = 1;
	for (int i = 0; i < 2; i++) {
		int st;
		if (waitpid(kids[i], &st, 0) == kids[i] && WIFEXITED(st))
			n += WEXITSTATUS(st);
	}
	return n;
}

static void many(void)
{
	enum { N = 40 };
	pid_t pids[N];
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			usleep(1000 * (N - i) % 7);
			_exit(100 + i);
		}
	}
	int distinct = 1, codes = 1;
	for (int i = 0; i < N; i++)
		for (int j = 0; j < i; j++)
			distinct &= pids[i] != pids[j];
	for (int i = N - 1; i >= 0; i--) {
		int st;
		codes &= waitpid(pids[i], &st, 0) == pids[i] && WIFEXITED(st) && WEXITSTATUS(st) == 100 + i;
	}
	printf("40 children: distinct pids %d, exit codes %d, then ECHILD: %d\n", distinct, codes,
	       wait(NULL) < 0 && errno == ECHILD);
}

static void isolation(void)
{
	static char buf[1 << 20];
	char *heap = malloc(1 << 20);
	memset(buf, 'p', sizeof buf);
	memset(heap, 'h', 1 << 20);
	int to_child[2], to_parent[2];
	pipe(to_child);
	pipe(to_parent);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		memset(buf, 'c', sizeof buf / 2);
		heap[12345] = 'C';
		read(to_child[0], &c, 1); /* the parent has written by now */
		int ok = buf[sizeof buf - 1] == 'p' && buf[0] == 'c' && heap[100] == 'h';
		write(to_parent[1], &ok, sizeof ok);
		_exit(0);
	}
	memset(buf + sizeof buf / 2, 'P', sizeof buf / 2);
	heap[100] = 'H';
	write(to_child[1], "x", 1);
	int ok = 0;
	read(to_parent[0], &ok, sizeof ok);
	waitpid(pid, NULL, 0);
	printf("child saw its own memory only: %d\n", ok);
	printf("parent saw its own memory only: %d\n", buf[0] == 'p' && heap[12345] == 'h');
}

static void statuses(void)
{
	const char *what[] = {"exit 0", "exit 255", "SIGUSR1", "SIGTERM", "abort", "segv", "SIGKILL"};
	for (int i = 0; i < 7; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			switch (i) {
			case 0: _exit(0);
			case 1: exit(255);
			case 2: kill(getpid(), SIGUSR1); break;
			case 3: raise(SIGTERM); break;
			case 4: abort();
			case 5: *(volatile int *)0 = 1; break;
			case 6: kill(getpid(), SIGKILL); break;
			}
			_exit(99);
		}
		int st;
		waitpid(pid, &st, 0);
		status(what[i], st);
	}
}

static void waiting(void)
{
	int p[2];
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		read(p[0], &c, 1);
		_exit(7);
	}
	int st;
	printf("WNOHANG on a running child: %d\n", waitpid(pid, &st, WNOHANG));
	printf("kill(child, 0) while running: %d\n", kill(pid, 0));
	int r = waitpid(1, &st, WNOHANG);
	printf("waitpid(non-child): %d %s\n", r, strerror(errno));
	write(p[1], "x", 1);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	printf("waitid WEXITED|WNOWAIT: %d code=%d status=%d\n", waitid(P_PID, pid, &si, WEXITED | WNOWAIT),
	       si.si_code == CLD_EXITED, si.si_status);
	printf("kill(zombie, 0): %d\n", kill(pid, 0));
	printf("wait4 reaps: %d\n", wait4(pid, &st, 0, NULL) == pid);
	status("child", st);
	errno = 0;
	r = kill(pid, 0);
	printf("kill(reaped, 0): %d %s\n", r, strerror(errno));
	r = waitpid(-1, &st, 0);
	printf("waitpid(-1) with no children: %d %s\n", r, strerror(errno));
	pid = fork();
	if (pid == 0)
		_exit(3);
	printf("waitpid(0, ...) finds the child: %d\n", waitpid(0, &st, 0) == pid && WEXITSTATUS(st) == 3);
}

static void orphan(void)
{
	int p[2];
	pipe(p);
	pid_t a = fork();
	if (a == 0) {
		pid_t me = getpid();
		pid_t b = fork();
		if (b == 0) {
			close(p[0]);
			int moved = 0;
			for (int i = 0; i < 20000 && !moved; i++) {
				moved = getppid() != me;
				usleep(500);
			}
			dprintf(p[1], "orphan re-parented: %d\n", moved);
			_exit(0);
		}
		_exit(5);
	}
	close(p[1]);
	int st;
	waitpid(a, &st, 0);
	status("middle process", st);
	char buf[200];
	ssize_t n = read(p[0], buf, sizeof buf);
	fwrite(buf, 1, n > 0 ? n : 0, stdout);
}

static void kill_busy(void)
{
	int p[2];
	pipe(p);
	int sigs[] = {SIGTERM, SIGKILL, SIGINT, SIGHUP, SIGUSR2, SIGALRM};
	for (int i = 0; i < 6; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			volatile unsigned long x = 0;
			write(p[1], "r", 1);
			for (;;)
				x++;
		}
		char c;
		read(p[0], &c, 1); /* it is computing now */
		kill(pid, sigs[i]);
		int st;
		waitpid(pid, &st, 0);
		status("busy child", st);
	}
}

static void offset(void)
{
	char path[] = "/tmp/uniproc-fork-offset.XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	write(fd, "a", 1);
	pid_t pid = fork();
	if (pid == 0) {
		write(fd, "b", 1);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	write(fd, "c", 1);
	char buf[8] = "";
	pread(fd, buf, sizeof buf - 1, 0);
	printf("file after parent, child, parent: %s (offset %ld)\n", buf, (long)lseek(fd, 0, SEEK_CUR));
}

static void order(void)
{
	printf("printed once, before fork\n");
	fflush(stdout);
	printf("buffered before fork, printed by both\n");
	pid_t pid = fork();
	if (pid == 0) {
		printf("child after fork\n");
		exit(0); /* flushes the child's copy of stdio */
	}
	waitpid(pid, NULL, 0); /* the child's output first, every time */
	printf("parent after wait\n");
}

static void cycles(int n)
{
	int ok = 1;
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(i & 0xff);
		int st;
		ok &= pid > 0 && waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == (i & 0xff);
	}
	printf("%d fork/exit/wait cycles ok: %d\n", n, ok);
}

static void do_vfork(void)
{
	pid_t pid = vfork();
	if (pid == 0)
		_exit(3);
	int st;
	waitpid(pid, &st, 0);
	status("vfork child", st);
}

static void bomb(void)
{
	int n = 0, err = 0;
	pid_t pids[64];
	int p[2];
	pipe(p);
	for (; n < 64; n++) {
		pids[n] = fork();
		if (pids[n] == 0) {
			char c;
			close(p[1]);
			read(p[0], &c, 1);
			_exit(0);
		}
		if (pids[n] < 0) {
			err = errno;
			break;
		}
	}
	close(p[1]);
	for (int i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);
	printf("forked %d, then %s\n", n, err ? strerror(err) : "no error");
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	printf("fork works again after reaping: %d\n", pid > 0 && waitpid(pid, NULL, 0) == pid);
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(c, "tree"))
		printf("processes in a depth-6 binary tree: %d\n", tree(6));
	else if (!strcmp(c, "many"))
		many();
	else if (!strcmp(c, "isolation"))
		isolation();
	else if (!strcmp(c, "status"))
		statuses();
	else if (!strcmp(c, "wait"))
		waiting();
	else if (!strcmp(c, "orphan"))
		orphan();
	else if (!strcmp(c, "killbusy"))
		kill_busy();
	else if (!strcmp(c, "offset"))
		offset();
	else if (!strcmp(c, "order"))
		order();
	else if (!strcmp(c, "cycles"))
		cycles(argc > 2 ? atoi(argv[2]) : 100);
	else if (!strcmp(c, "cycles-hold")) { /* then wait for stdin to close */
		cycles(argc > 2 ? atoi(argv[2]) : 100);
		char buf[16];
		while (read(0, buf, sizeof buf) > 0)
			;
	} else if (!strcmp(c, "vfork"))
		do_vfork();
	else if (!strcmp(c, "linger")) { /* a child outlives us */
		if (fork() == 0)
			for (;;)
				sleep(1);
		printf("main exits, child %s\n", "still sleeping");
	} else if (!strcmp(c, "pgrp")) {
		pid_t sid = getsid(0), pgrp = getpgrp();
		pid_t pid = fork();
		if (pid == 0) {
			printf("child starts in our group: %d\n", getpgrp() == pgrp);
			printf("setpgid(0, 0): %d, now leads it: %d\n", setpgid(0, 0), getpgrp() == getpid());
			printf("same session: %d\n", getsid(0) == sid);
			_exit(0);
		}
		waitpid(pid, NULL, 0);
		printf("getpgid(child) after reaping: %d %s\n", getpgid(pid), strerror(errno));
		printf("getpgid(0) == getpgrp(): %d\n", getpgid(0) == getpgrp());
	} else if (!strcmp(c, "bomb"))
		bomb();
	else
		return 2;
	return 0;
}
