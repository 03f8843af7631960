/* Faults: a NULL write (SIGSEGV), a NULL read, ud2 (SIGILL), divide by zero (SIGFPE). */
#include <stdio.h>
#include <string.h>

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
	printf("not reached\n");
	return 0;
}
