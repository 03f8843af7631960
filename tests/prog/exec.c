/* execve, posix_spawn and friends, checked against Linux: exec CASE DIR. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void status(const char *who, int st)
{
	if (WIFEXITED(st))
		printf("%s: exited %d\n", who, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s: killed by signal %d\n", who, WTERMSIG(st));
}

/* The program re-run as "report": what survived the exec. */
static int report(int argc, char **argv)
{
	printf("argv:");
	for (int i = 0; i < argc; i++)
		printf(" [%s]", argv[i]);
	printf("\nenv UP_X=%s\n", getenv("UP_X") ? getenv("UP_X") : "(unset)");
	printf("fd 5 open: %d, fd 6 open: %d\n", fcntl(5, F_GETFD) >= 0, fcntl(6, F_GETFD) >= 0);
	char buf[16] = "";
	if (read(5, buf, sizeof buf - 1) > 0)
		printf("fd 5 reads: %s\n", buf);
	printf("umask: %03o\n", umask(0));
	char cwd[256];
	printf("cwd ends in /sub: %d\n", getcwd(cwd, sizeof cwd) && strstr(cwd, "/sub") != NULL);
	return 9;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "report"))
		return report(argc, argv);
	const char *c = argc > 1 ? argv[1] : "", *dir = argc > 2 ? argv[2] : "/tmp";
	setvbuf(stdout, NULL, _IONBF, 0);
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	self[n > 0 ? n : 0] = 0;
	if (!strcmp(c, "keep")) {
		/* pid, cwd, umask and fds without FD_CLOEXEC survive; others close. */
		chdir(dir);
		mkdir("sub", 0755);
		chdir("sub");
		umask(027);
		int p[2];
		pipe(p);
		write(p[1], "through", 7);
		dup2(p[0], 5);
		dup3(p[0], 6, O_CLOEXEC);
		pid_t pid = fork();
		if (pid == 0) {
			char *av[] = {"renamed", "report", "two words", "", NULL};
			char *ev[] = {"UP_X=from-exec", NULL};
			execve(self, av, ev);
			_exit(99);
		}
		int st;
		waitpid(pid, &st, 0);
		status("exec'd child", st);
	} else if (!strcmp(c, "chain")) {
		/* exec ourselves N times: same pid, fds kept, nothing piles up */
		int n = atoi(dir);
		if (n > 0) {
			char next[16];
			snprintf(next, sizeof next, "%d", n - 1);
			execl(self, "chain", "chain", next, (char *)NULL);
			return 99;
		}
		printf("chain done in pid %s: %d\n", getenv("UP_CHAIN_PID") ? "same" : "?",
		       getenv("UP_CHAIN_PID") && atoi(getenv("UP_CHAIN_PID")) == getpid());
	} else if (!strcmp(c, "errors")) {
		char *av[] = {"x", NULL};
		char path[4200];
		int r = execve("/nonexistent/prog", av, environ);
		printf("missing: %d %s\n", r, strerror(errno));
		snprintf(path, sizeof path, "%s/noexec", dir);
		close(open(path, O_CREAT | O_WRONLY, 0644));
		r = execve(path, av, environ);
		printf("not executable: %d %s\n", r, strerror(errno));
		snprintf(path, sizeof path, "%s/garbage", dir);
		int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0755);
		write(fd, "\x7f" "ELF garbage", 12);
		close(fd);
		r = execve(path, av, environ);
		printf("bad format: %d %s\n", r, strerror(errno));
		r = execve(dir, av, environ);
		printf("a directory: %d %s\n", r, strerror(errno));
		/* Dynamic programs whose interpreter is missing or not an ELF
		   (the test script makes them). */
		snprintf(path, sizeof path, "%s/nointerp", dir);
		r = execve(path, av, environ);
		printf("missing interpreter: %d %s\n", r, strerror(errno));
		snprintf(path, sizeof path, "%s/badinterp", dir);
		r = execve(path, av, environ);
		printf("garbage interpreter: %d %s\n", r, strerror(errno));
		char *bad[] = {"x", (char *)8, NULL};
		for (int i = 0; i < 2; i++) {
			r = execve(self, bad, environ);
			printf("bad argv pointer: %d %s\n", r, strerror(errno));
			r = execve(self, av, bad);
			printf("bad envp pointer: %d %s\n", r, strerror(errno));
		}
		printf("still running after failed execs: 1\n");
	} else if (!strcmp(c, "script")) {
		char path[4200];
		snprintf(path, sizeof path, "%s/script", dir);
		FILE *f = fopen(path, "w");
		fprintf(f, "#!%s report\nignored\n", self);
		fclose(f);
		chmod(path, 0755);
		pid_t pid = fork();
		if (pid == 0) {
			char *av[] = {"script-name", "arg1", NULL};
			execve(path, av, environ);
			_exit(98);
		}
		int st;
		waitpid(pid, &st, 0);
		status("script", st);
	} else if (!strcmp(c, "spawn")) {
		pid_t pid;
		char *av[] = {"spawned", "report", "a", NULL};
		int r = posix_spawn(&pid, self, NULL, NULL, av, environ);
		int st;
		waitpid(pid, &st, 0);
		printf("posix_spawn: %d\n", r);
		status("spawned", st);
		r = posix_spawn(&pid, "/nonexistent", NULL, NULL, av, environ);
		if (r == 0) { /* glibc reports the exec failure as exit 127 */
			waitpid(pid, &st, 0);
			r = WIFEXITED(st) && WEXITSTATUS(st) == 127 ? ENOENT : -1;
		}
		printf("posix_spawn missing: %s\n", strerror(r));
		pid = vfork();
		if (pid == 0) {
			execl(self, "vforked", "report", (char *)NULL);
			_exit(97);
		}
		waitpid(pid, &st, 0);
		status("vfork+exec", st);
	} else {
		return 2;
	}
	return 0;
}
