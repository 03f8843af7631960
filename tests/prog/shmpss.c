/* 16 MiB of shared anonymous memory, written by a parent and three forked
   children; all four then wait for stdin to close (tests/tools/pss_tree
   sums their PSS: the shared pages must count once, not four times). */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define SIZE (16 << 20)

int main(void)
{
	char *m = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memset(m, 1, SIZE);
	int ready[2];
	pipe(ready);
	pid_t kids[3];
	for (int k = 0; k < 3; k++)
		if ((kids[k] = fork()) == 0) {
			for (int i = 0; i < SIZE; i += 4096)
				m[i] += k; /* every page written by every process */
			write(ready[1], "x", 1);
			char c;
			read(0, &c, 1); /* until stdin closes */
			_exit(0);
		}
	char c;
	for (int k = 0; k < 3; k++)
		read(ready[0], &c, 1);
	printf("pids %d %d %d %d\n", (int)getpid(), (int)kids[0], (int)kids[1], (int)kids[2]);
	fflush(stdout);
	read(0, &c, 1);
	while (wait(NULL) > 0)
		;
	return 0;
}
