/* forkmem KIB: print our pid, wait for a line on stdin, fork a child that
   dirties KIB KiB and prints its pid, then wait for stdin to close. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t kib = argc > 1 ? atol(argv[1]) : 0;
	char *mem = malloc(kib * 1024 + 1);
	char line[64];
	printf("P %d\n", getpid());
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin))
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		memset(mem, 7, kib * 1024);
		printf("C %d %d\n", getpid(), mem[kib * 512]);
		fflush(stdout);
		while (read(0, line, sizeof line) > 0)
			;
		_exit(0);
	}
	while (read(0, line, sizeof line) > 0)
		;
	waitpid(pid, NULL, 0);
	return 0;
}
