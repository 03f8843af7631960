/* A signal that is ignored and blocked stays pending, so a signalfd reads
   it (PostgreSQL waits for SIGURG this way), here sent by another process;
   one that is ignored and not blocked is dropped. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGURG);
	sigprocmask(SIG_BLOCK, &s, NULL);
	signal(SIGURG, SIG_IGN);
	int fd = signalfd(-1, &s, SFD_NONBLOCK | SFD_CLOEXEC);
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN};
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	pid_t parent = getpid(), c = fork();
	if (c == 0) {
		kill(parent, SIGURG);
		_exit(0);
	}
	waitpid(c, NULL, 0);
	int n = epoll_wait(ep, &ev, 1, 5000);
	struct signalfd_siginfo si;
	long r = read(fd, &si, sizeof si);
	printf("ignored and blocked: epoll %d, read %ld, signal %d, from the child %d\n", n, r,
	       r > 0 ? (int)si.ssi_signo : 0, r > 0 && (pid_t)si.ssi_pid == c);
	sigset_t p;
	sigpending(&p);
	printf("pending after the read: %d\n", sigismember(&p, SIGURG));
	return 0;
}
