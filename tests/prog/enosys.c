/* An unsupported syscall: -ENOSYS, and the warning is printed once. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	for (int i = 0; i < 3; i++) {
		long r = syscall(SYS_io_uring_setup, 1, NULL);
		printf("io_uring_setup: %ld %s\n", r, strerror(errno));
	}
	long r = syscall(1000);
	printf("syscall 1000: %ld %s\n", r, strerror(errno));
	return 0;
}
