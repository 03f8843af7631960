/* __thread variables and errno live in TLS set up with arch_prctl. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

__thread int counter = 42;
__thread char buf[64] = "initial tls data";
__thread long zeroed;

int main(void)
{
	printf("counter=%d buf=%s zeroed=%ld\n", counter, buf, zeroed);
	for (int i = 0; i < 1000; i++)
		counter += i;
	zeroed = -1;
	printf("counter=%d zeroed=%ld\n", counter, zeroed);
	errno = 0;
	if (close(-1) < 0)
		printf("errno after close(-1): %d (EBADF=%d)\n", errno, EBADF);
	printf("&counter differs from &zeroed: %d\n", (void *)&counter != (void *)&zeroed);
	return 0;
}
