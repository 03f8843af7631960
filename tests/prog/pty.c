/*
 * Pseudo-terminals, as script, expect and Python's pty module use them: a
 * child in a new session whose controlling terminal is a pty (login_tty:
 * setsid, TIOCSCTTY), the terminal opened from its master (TIOCGPTPEER),
 * tcgetsid, tcdrain, tcflush, tcflow; the parent reads the child's output
 * from the master until EIO.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

static void report(const char *what, int r)
{
	printf("%s: %s\n", what, r < 0 ? strerror(errno) : "ok");
}

int main(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
		return perror("posix_openpt"), 1;
	int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	report("TIOCGPTPEER", s);
	if (s < 0 && (s = open(ptsname(m), O_RDWR | O_NOCTTY)) < 0)
		return perror("ptsname"), 1;
	report("TIOCGPTPEER with bad flags", ioctl(m, TIOCGPTPEER, O_PATH));
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) { /* login_tty */
		close(m);
		if (setsid() < 0)
			_exit(10);
		int r = ioctl(s, TIOCSCTTY, 0);
		dup2(s, 0), dup2(s, 1), dup2(s, 2);
		if (s > 2)
			close(s);
		printf("TIOCSCTTY: %s\n", r < 0 ? strerror(errno) : "ok");
		printf("sid is ours: %d\n", tcgetsid(0) == getpid());
		printf("ttyname set: %d\n", ttyname(0) != NULL);
		printf("tcdrain: %d\n", tcdrain(1));
		printf("tcflow: %d\n", tcflow(1, TCOON));
		printf("tcflush: %d\n", tcflush(0, TCIFLUSH));
		int fd = open("/dev/tty", O_RDWR);
		printf("/dev/tty opens: %d\n", fd >= 0);
		fflush(stdout);
		_exit(0);
	}
	close(s);
	char buf[4096];
	size_t n = 0;
	ssize_t r;
	while (n < sizeof buf - 1 && (r = read(m, buf + n, sizeof buf - 1 - n)) > 0)
		n += (size_t)r;
	printf("read ended: %s\n", r < 0 ? strerror(errno) : "EOF");
	buf[n] = 0;
	for (char *c = buf; *c; c++) /* the terminal turns \n into \r\n */
		if (*c != '\r')
			putchar(*c);
	int st;
	waitpid(pid, &st, 0);
	printf("child: %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}
