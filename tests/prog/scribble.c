/*
 * Under uniproc only: a program that scribbles over its pipe's shared ring
 * (struct up_ring) hurts that pipe alone, and a lock left by a dead process
 * does not wedge the pipe. Natively the ring address is not mapped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../include/uniproc/abi.h"

#define SHOW(label, call)                                                        \
	do {                                                                     \
		errno = 0;                                                       \
		long r_ = (long)(call);                                          \
		printf("%s: %ld %s\n", label, r_, r_ < 0 ? strerror(errno) : ""); \
	} while (0)

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	int a[2], b[2];
	pipe(a); /* the process's first ring: index 0 */
	volatile struct up_ring *r = (struct up_ring *)UP_RING_BASE;
	char buf[200];

	r->cap = 12345;
	SHOW("write with a bad capacity", write(a[1], "hello", 5));
	SHOW("read with a bad capacity", read(a[0], buf, 5));
	r->cap = 65536;

	r->head = r->tail + (1ull << 40);
	int n = 0;
	ioctl(a[0], FIONREAD, &n);
	printf("FIONREAD with a wild head: %d\n", n);
	SHOW("read with a wild head", read(a[0], buf, sizeof buf));
	r->head = r->tail;

	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	r->wlock = (uint32_t)pid; /* as if it died copying in */
	SHOW("write past a dead writer's lock", write(a[1], "again", 5));
	r->rlock = (uint32_t)pid;
	SHOW("read past a dead reader's lock", read(a[0], buf, 5));

	/* The child sees the same scribbles and survives them too. */
	r->cap = 3;
	pid = fork();
	if (pid == 0) {
		SHOW("child's read with a bad capacity", read(a[0], buf, 5));
		_exit(7);
	}
	int st;
	waitpid(pid, &st, 0);
	printf("child: exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);

	/* Another pipe between two VMs is untouched. */
	pipe(b);
	pid = fork();
	if (pid == 0) {
		close(b[0]);
		static char big[1 << 20];
		memset(big, 'z', sizeof big);
		_exit(write(b[1], big, sizeof big) != sizeof big);
	}
	close(b[1]);
	long got = 0, z = 0, k;
	while ((k = read(b[0], buf, sizeof buf)) > 0)
		for (long i = 0; i < k; i++, got++)
			z += buf[i] == 'z';
	waitpid(pid, &st, 0);
	printf("other pipe: %ld bytes, %ld intact, writer exited %d\n", got, z, WEXITSTATUS(st));
	return 0;
}
