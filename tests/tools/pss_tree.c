/* pss_tree CMD...: run CMD with a pipe on its stdin; CMD prints a line
   "pids P1 P2 ..." once its processes are set up, then waits for stdin to
   close. Prints the KiB of PSS those processes hold together, then lets
   CMD finish. A page that N processes share counts once in the total. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static long pss(int pid)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/smaps_rollup", pid);
	FILE *f = fopen(path, "r");
	long kb = 0;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "Pss: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	int in[2], out[2];
	if (argc < 2 || pipe(in) < 0 || pipe(out) < 0)
		return 2;
	pid_t cmd = fork();
	if (cmd == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	FILE *r = fdopen(out[0], "r");
	char line[4096];
	if (!fgets(line, sizeof line, r) || strncmp(line, "pids ", 5)) {
		fprintf(stderr, "pss_tree: no pids line\n");
		return 1;
	}
	long total = 0;
	for (char *t = strtok(line + 5, " \n"); t; t = strtok(NULL, " \n"))
		total += pss(atoi(t));
	printf("%ld\n", total);
	close(in[1]);
	waitpid(cmd, NULL, 0);
	return 0;
}
