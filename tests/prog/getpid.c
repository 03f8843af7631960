/* Identity syscalls and a loop of them (used by bench/ as well). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;
	long same = 1, pid = getpid();
	for (long i = 0; i < n; i++)
		same &= syscall(SYS_getpid) == pid;
	printf("getpid stable over %ld calls: %ld; gettid == pid: %d\n", n, same,
	       (long)syscall(SYS_gettid) == pid);
	return 0;
}
