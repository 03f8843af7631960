/*
 * Faults: a NULL write (SIGSEGV), a NULL read, ud2 (SIGILL), divide by
 * zero (SIGFPE); a signal whose frame cannot be written (its sigaltstack
 * read-only: private memory, or a shared mapping of a file open read-only,
 * where the monitor once faulted writing it): SIGSEGV.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static void on_usr1(int sig)
{
	(void)sig;
	printf("handler ran\n");
}

/* Raise SIGUSR1 with its handler on an alternate stack at mem. */
static void raise_on(void *mem, size_t size)
{
	if (mem == MAP_FAILED) {
		perror("mmap");
		return;
	}
	stack_t ss = {.ss_sp = mem, .ss_size = size};
	struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_ONSTACK};
	if (sigaltstack(&ss, NULL) < 0 || sigaction(SIGUSR1, &sa, NULL) < 0)
		perror("sigaltstack");
	raise(SIGUSR1);
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "write";
	printf("before the crash\n");
	fflush(stdout);
	if (!strcmp(what, "write"))
		*(volatile int *)0 = 1;
	if (!strcmp(what, "read"))
		return *(volatile int *)8;
	if (!strcmp(what, "ill"))
		__asm__ volatile("ud2");
	if (!strcmp(what, "fpe")) {
		volatile int zero = 0;
		return 1 / zero;
	}
	if (!strcmp(what, "trap"))
		__asm__ volatile("int3");
	size_t size = 65536;
	if (!strcmp(what, "altstack-ro"))
		raise_on(mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), size);
	if (!strcmp(what, "altstack-shared-ro")) {
		int fd = open("/proc/self/exe", O_RDONLY);
		raise_on(mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0), size);
	}
	printf("not reached\n");
	return 0;
}
